#!/usr/bin/env bash
# Makes moto's S3-compatible server (PyPI `moto[server]`) available for the attachment tests and
# prints the path of its `moto_server` program on stdout.
#   1. $TICKETING_MOTO_SERVER when it names a working program;
#   2. the venv $TICKETING_MOTO_VENV (default ~/.cache/venv-moto) when it already has moto;
#   3. otherwise creates that venv with python3 -m venv and installs `moto[server]` from PyPI.
# The tests start the server themselves on a free port (or use $TEST_S3_ENDPOINT when set) and find
# the program the same way (`TICKETING_MOTO_SERVER`, then the venv, then PATH).
set -euo pipefail

log() { printf 'ensure-moto: %s\n' "$*" >&2; }
works() { [[ -x "$1" ]] && "$1" --help >/dev/null 2>&1; }

if [[ -n "${TICKETING_MOTO_SERVER:-}" ]] && works "$TICKETING_MOTO_SERVER"; then
  echo "$TICKETING_MOTO_SERVER"; exit 0
fi

venv="${TICKETING_MOTO_VENV:-$HOME/.cache/venv-moto}"
if works "$venv/bin/moto_server"; then
  echo "$venv/bin/moto_server"; exit 0
fi

command -v python3 >/dev/null || { log "python3 is required (apt-get install python3 python3-venv)"; exit 1; }
log "creating $venv with moto[server] from PyPI"
python3 -m venv "$venv" >&2 || {
  log "python3 -m venv failed (on Debian: apt-get install python3-venv)"; exit 1;
}
"$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]>=5,<6' >&2
works "$venv/bin/moto_server" || { log "moto_server does not run after installation"; exit 1; }
echo "$venv/bin/moto_server"
