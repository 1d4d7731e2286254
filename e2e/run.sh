#!/usr/bin/env bash
# Runs the web UI's end-to-end tests: installs chromium and the npm dependencies when missing,
# builds the server unless TICKETING_BIN is given, then runs every test file with node's runner.
# Exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
  echo "e2e: installing chromium" >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
[ -x /usr/bin/chromium ] || { echo "e2e: /usr/bin/chromium is missing" >&2; exit 1; }

cd "$here"
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
  echo "e2e: npm ci" >&2
  npm ci --no-audit --no-fund
fi

if [ -z "${TICKETING_BIN:-}" ]; then
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
  echo "e2e: cargo build -p ticketing-server (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)" >&2
  (cd "$repo" && cargo build -p ticketing-server)
  export TICKETING_BIN="$CARGO_TARGET_DIR/debug/ticketing"
fi
[ -x "$TICKETING_BIN" ] || { echo "e2e: server binary $TICKETING_BIN not found" >&2; exit 1; }
echo "e2e: server binary $TICKETING_BIN" >&2

mkdir -p "$repo/docs/screenshots"
# One file at a time: each starts its own server and browser, and the machine has two cores.
exec node --test --test-concurrency=1 --test-reporter=spec tests/
