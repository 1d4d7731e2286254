#!/usr/bin/env bash
# Makes the Python of the mail tests (crates/mail) available and prints its path: a venv with
# aiosmtpd (PyPI, pinned), which scripts/smtp-sink.py runs as a real SMTP server. The tests find
# it at the same default path, or through TICKETING_SMTP_SINK_PYTHON.
#
#   bash scripts/ensure-smtp-sink-venv.sh        # creates $HOME/.cache/venv-smtp-sink if needed
#   SMTP_SINK_VENV=/some/dir bash scripts/ensure-smtp-sink-venv.sh
#       (then export TICKETING_SMTP_SINK_PYTHON=/some/dir/bin/python for the tests)
set -euo pipefail

# Pinned: move it on purpose, with the tests.
AIOSMTPD_VERSION=1.4.6
exec bash "$(dirname "$0")/ensure-venv.sh" "${SMTP_SINK_VENV:-$HOME/.cache/venv-smtp-sink}" aiosmtpd "$AIOSMTPD_VERSION"
