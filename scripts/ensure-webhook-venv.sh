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
venv="${WEBHOOK_VENV:-$HOME/.cache/venv-webhooks}"
python="$venv/bin/python"

if ! "$python" -c "import standardwebhooks, importlib.metadata as m, sys; \
sys.exit(m.version('standardwebhooks') != '$STANDARDWEBHOOKS_VERSION')" 2>/dev/null; then
  printf 'ensure-webhook-venv: installing standardwebhooks==%s into %s\n' \
    "$STANDARDWEBHOOKS_VERSION" "$venv" >&2
  python3 -m venv "$venv" || { echo "python3 -m venv failed (apt-get install python3-venv)" >&2; exit 1; }
  "$venv/bin/pip" install -q "standardwebhooks==$STANDARDWEBHOOKS_VERSION" >&2
fi
echo "$python"
