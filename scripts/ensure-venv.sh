#!/usr/bin/env bash
# Makes a Python venv with one pinned PyPI package available and prints its interpreter's path.
# Shared by the test-tool scripts (ensure-webhook-venv.sh, ensure-smtp-sink-venv.sh).
#
#   bash scripts/ensure-venv.sh VENV_DIR PACKAGE VERSION
#
# Installs PACKAGE==VERSION into VENV_DIR (creating it) unless that exact version is there.
set -euo pipefail
(($# == 3)) || { echo "usage: $0 VENV_DIR PACKAGE VERSION" >&2; exit 2; }
venv=$1 package=$2 version=$3
python="$venv/bin/python"

if ! "$python" -c "import importlib.metadata as m, sys; \
sys.exit(m.version('$package') != '$version')" 2>/dev/null; then
  printf 'ensure-venv: installing %s==%s into %s\n' "$package" "$version" "$venv" >&2
  python3 -m venv "$venv" || { echo "python3 -m venv failed (apt-get install python3-venv)" >&2; exit 1; }
  "$venv/bin/pip" install -q "$package==$version" >&2
fi
echo "$python"
