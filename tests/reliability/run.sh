#!/usr/bin/env bash
# The reliability checks as CI runs them: schemathesis against SQLite and PostgreSQL (the URL of
# scripts/ensure-postgres.sh, a fresh database on it), then the fault injection (a private
# PostgreSQL cluster, tmpfs mounts, SIGKILL). Fails loudly on any finding; needs root.
#
#   bash tests/reliability/run.sh
#
#   ST_EXAMPLES=N      schemathesis examples per operation and role (default 30)
#   TICKETING_BIN      the server binary (default: `cargo build -p ticketing-server`, debug)
source "$(dirname "$0")/common.sh"

run_started=$(date +%s)
cd "$REPO_ROOT" || die "cannot cd to $REPO_ROOT"
# Every prerequisite up front: a missing one is a failure with a clear message, never a skip.
[[ $(id -u) -eq 0 ]] || die "tests/reliability/run.sh needs root (tmpfs mounts, runuser -u postgres); run it as root"
for tool in curl psql mount umount runuser python3 cargo; do
  command -v "$tool" >/dev/null 2>&1 || die "tests/reliability/run.sh needs '$tool' on PATH"
done
id postgres >/dev/null 2>&1 || die "tests/reliability/run.sh needs the postgres system user (apt-get install postgresql)"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
  die "tests/reliability/run.sh needs the PostgreSQL server binaries (apt-get install postgresql)"
ensure_venv
ensure_binary
PG_URL="$(bash scripts/ensure-postgres.sh)" || die "no PostgreSQL (scripts/ensure-postgres.sh)"

passed=0 failed=0 failures=()
step() { # name command...
  local name="$1" t0 rc=0
  shift
  printf '\n==> reliability: %s\n' "$name"
  t0=$(date +%s)
  "$@" || rc=$?
  if [[ $rc -eq 0 ]]; then
    passed=$((passed + 1))
    printf '==> %s: passed in %s s\n' "$name" "$(($(date +%s) - t0))"
  else
    failed=$((failed + 1))
    failures+=("$name")
    printf '==> %s: FAILED (exit %s) after %s s\n' "$name" "$rc" "$(($(date +%s) - t0))"
  fi
}

started=$(date +%s)
step "schemathesis on SQLite" bash "$RELIABILITY_DIR/schemathesis.sh"
step "schemathesis on PostgreSQL" bash "$RELIABILITY_DIR/schemathesis.sh" --postgres "$PG_URL"
step "fault injection" bash "$RELIABILITY_DIR/faults.sh"

printf '\nreliability checks took %s s (%s s with the set-up and the build)\n' \
  "$(($(date +%s) - started))" "$(($(date +%s) - run_started))"
if ((failed)); then
  printf 'RELIABILITY FAILURES: %s\n' "${failures[*]}" >&2
fi
echo "reliability: $passed passed, $failed failed"
((failed == 0))
