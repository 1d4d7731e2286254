#!/usr/bin/env bash
# Runs every test of the project: the workspace tests (SQLite always, PostgreSQL mandatory; the
# attachment store on a folder and on moto's S3 server, both mandatory), doctests, the migration
# check, the replica check (scripts/replicas-check.sh: two servers behind nginx and PgBouncer),
# and the browser end-to-end tests. Starts what it needs (PostgreSQL, moto, Chromium, npm
# packages) and fails loudly instead of skipping.
#
#   scripts/test-all.sh            # everything
#   SKIP_E2E=1 scripts/test-all.sh # no browser tests (for a quick local loop; CI never sets it)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "migration folders in lockstep"
bash scripts/check-migrations.sh

step "PostgreSQL for the tests"
TEST_DATABASE_URL=$(bash scripts/ensure-postgres.sh)
export TEST_DATABASE_URL
export TICKETING_REQUIRE_POSTGRES=1
# The local test server needs neither TLS nor GSSAPI. Debian's PostgreSQL has ssl = on and
# Debian's libpq tries GSSAPI encryption first, so libpq would load OpenSSL and Kerberos, whose
# exit-time clean-up crashed test processes after "test result: ok" (SIGSEGV; SIGABRT in
# k5_mutex_lock) while another thread's pooled connection was still open.
export PGSSLMODE=disable PGGSSENCMODE=disable
echo "using $TEST_DATABASE_URL" | sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#'

step "test tools (PyPI): the Standard Webhooks reference verifier, the SMTP sink (aiosmtpd)"
TICKETING_WEBHOOK_PYTHON=$(bash scripts/ensure-webhook-venv.sh)
export TICKETING_WEBHOOK_PYTHON
TICKETING_SMTP_SINK_PYTHON=$(bash scripts/ensure-smtp-sink-venv.sh)
export TICKETING_SMTP_SINK_PYTHON

step "test tools: promtool (Debian's prometheus package) for the metrics tests"
TICKETING_PROMTOOL=$(bash scripts/ensure-promtool.sh)
export TICKETING_PROMTOOL

step "S3-compatible server (moto) for the attachment contract suite"
moto_server=$(bash scripts/ensure-moto.sh)
moto_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_log=$(mktemp -t moto.XXXXXX.log)
"$moto_server" -H 127.0.0.1 -p "$moto_port" >"$moto_log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$moto_port") 2>/dev/null && break
  sleep 0.1
done
export TEST_S3_ENDPOINT="http://127.0.0.1:$moto_port"
export TICKETING_REQUIRE_S3=1
echo "moto on $TEST_S3_ENDPOINT (log: $moto_log)"

step "workspace tests (unit, contract suites on SQLite/PostgreSQL/memory and folder/S3, HTTP black-box)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast --profile ci
else
  cargo test --workspace --no-fail-fast
fi

step "doctests"
cargo test --workspace --doc

step "reliability: schemathesis on SQLite and PostgreSQL, fault injection"
bash tests/reliability/run.sh

step "replicas: two servers behind nginx, PgBouncer in transaction mode, attachments on moto"
cargo build -p ticketing-server
TICKETING_BIN="${CARGO_TARGET_DIR:-target}/debug/ticketing" bash scripts/replicas-check.sh

step "getting started from a clean clone of HEAD (the README's commands)"
bash scripts/getting-started-check.sh

if [[ "${SKIP_E2E:-0}" != "1" ]]; then
  step "browser end-to-end tests"
  cargo build -p ticketing-server
  TICKETING_BIN="${CARGO_TARGET_DIR:-target}/debug/ticketing" bash e2e/run.sh
fi

step "all tests passed"
