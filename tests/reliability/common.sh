# shellcheck shell=bash disable=SC2034
# Shared helpers of the reliability scripts (sourced, not run).
#
#   RELIABILITY_VENV   the Python venv with schemathesis and requests (default target/reliability-venv)
#   TICKETING_BIN      the server binary (default: `cargo build -p ticketing-server` and its debug binary)
#   CARGO_TARGET_DIR   where cargo builds (default /root/.cache/ticketing-target, as .ci/run)

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RELIABILITY_DIR="$REPO_ROOT/tests/reliability"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/root/.cache/ticketing-target}"
VENV="${RELIABILITY_VENV:-$REPO_ROOT/target/reliability-venv}"
PY="$VENV/bin/python"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

# Pinned: a new schemathesis release may add checks; move the pin on purpose, not by accident.
SCHEMATHESIS_VERSION=4.32.5

# Creates the venv with schemathesis and requests when missing (or of another version).
ensure_venv() {
  if [[ ! -x "$VENV/bin/schemathesis" ]] ||
    ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION" ||
    ! "$PY" -c 'import requests, sys; assert sys.version_info >= (3, 11, 8)' 2>/dev/null; then
    log "installing schemathesis and requests into $VENV"
    # Python 3.11.0-3.11.7 has a bug (gh-106905) that makes hypothesis fail with "AST
    # constructor recursion depth mismatch" now and then: prefer a newer interpreter.
    local python=python3 candidate
    for candidate in python3.13 python3.12 "$(ls -d /root/.pyenv/versions/3.1[23]*/bin/python3 2>/dev/null | head -n1)"; do
      if [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import venv' 2>/dev/null; then
        python=$candidate; break
      fi
    done
    rm -rf "$VENV"
    "$python" -m venv "$VENV" || die "$python -m venv failed (apt-get install python3-venv)"
    "$VENV/bin/pip" install -q --upgrade pip >/dev/null
    "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" requests || die "pip install schemathesis failed"
    "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11, 8))' ||
      log "warning: Python $("$PY" -V) has gh-106905; hypothesis may fail now and then"
  fi
}

# Sets TICKETING_BIN (builds the debug binary unless one is given).
ensure_binary() {
  if [[ -n "${TICKETING_BIN:-}" ]]; then
    [[ -x "$TICKETING_BIN" ]] || die "TICKETING_BIN=$TICKETING_BIN is not executable"
  else
    log "cargo build -p ticketing-server"
    (cd "$REPO_ROOT" && cargo build -q -p ticketing-server) || die "cargo build failed"
    TICKETING_BIN="$CARGO_TARGET_DIR/debug/ticketing"
  fi
  export TICKETING_BIN
}

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Environment of a test server: call with DATA_DIR, DB_URL, PORT set.
server_env() {
  export DATABASE_URL="$DB_URL"
  export TICKETING_DATA_DIR="$DATA_DIR"
  export TICKETING_BIND="127.0.0.1:$PORT"
  export TICKETING_JWT_SECRET="reliability-secret-0123456789abcdef0123456789abcdef"
  export TICKETING_COOKIE_SECURE=false
  export TICKETING_RATE_LIMIT_PER_MINUTE=10000000
  export TICKETING_LOGIN_FAILURES_PER_ACCOUNT=10000000
  export TICKETING_WRITES_PER_MINUTE=10000000
  export TICKETING_API_TOKEN_REQUESTS_PER_MINUTE=10000000
  export TICKETING_ACCESS_TTL=2h
  export TICKETING_LOG="${TICKETING_LOG:-warn}"
  export TICKETING_HASH_CONCURRENCY="${TICKETING_HASH_CONCURRENCY:-2}"
}

# Starts the server in the background (SERVER_PID), logging to $1; waits until /healthz answers.
start_server() {
  local logfile="$1"
  "$TICKETING_BIN" serve >>"$logfile" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 30 "$logfile" >&2; die "the server exited at start-up"; }
    sleep 0.1
  done
  die "the server did not answer /healthz within 30 s"
}

stop_server() {
  if [[ -n "${SERVER_PID:-}" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

# Creates an account with the CLI (before the server starts, or next to it).
cli_user() { # username role
  printf '%s\n' "reliability passphrase 42" |
    "$TICKETING_BIN" user create --username "$1" --email "$1@example.com" --role "$2" \
      --password-stdin >/dev/null
}

# A fresh PostgreSQL database on the server of admin URL $1; prints its URL.
pg_fresh_db() {
  local admin="$1" name
  name="reliability_$(date +%s)_$$_$RANDOM"
  psql "$admin" -v ON_ERROR_STOP=1 -qAtc "CREATE DATABASE $name" >/dev/null || die "cannot create database $name"
  "$PY" - "$admin" "$name" <<'EOF'
import sys, urllib.parse as u
url, name = sys.argv[1], sys.argv[2]
p = u.urlsplit(url)
print(u.urlunsplit((p.scheme, p.netloc, "/" + name, p.query, "")))
EOF
}

pg_drop_db() { # admin-url db-url
  local name="${2##*/}"; name="${name%%\?*}"
  psql "$1" -qAtc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
}
