#!/usr/bin/env bash
# Makes the Python of the webhook tests (crates/webhooks) available and prints its path: a venv
# with the Standard Webhooks reference library (PyPI `standardwebhooks`, pinned), used by
# scripts/webhook-verify.py. The tests find it at the same default path, or through
# TICKETING_WEBHOOK_PYTHON.
#
#   bash scripts/ensure-webhook-venv.sh        # creates $HOME/.cache/venv-webhooks if needed
#   WEBHOOK_VENV=/some/dir bash scripts/ensure-webhook-venv.sh
#       (then export TICKETING_WEBHOOK_PYTHON=/some/dir/bin/python for the tests)
set -euo pipefail

# Pinned: move it on purpose, with the tests.
STANDARDWEBHOOKS_VERSION=1.3.0
exec bash "$(dirname "$0")/ensure-venv.sh" "${WEBHOOK_VENV:-$HOME/.cache/venv-webhooks}" standardwebhooks "$STANDARDWEBHOOKS_VERSION"
