#!/usr/bin/env bash
# Schemathesis against the served /api/schema/, authenticated as each role (customer, agent,
# admin), with a read-only API token (`tkt_…` of scope `read`, owned by an agent) and once
# anonymously: no 5xx, and every response conforms to the document (status codes, content types,
# headers, bodies), with every check of schemathesis (`--checks all`).
#
#   tests/reliability/schemathesis.sh                 # SQLite in a temp data directory
#   tests/reliability/schemathesis.sh --postgres URL  # a fresh database on that server
#
#   ST_EXAMPLES=N     examples per operation and role (default 30)
#   ST_SEED=N         hypothesis seed (default: fixed, so CI runs are reproducible)
#   TICKETING_BIN     the server binary (default: the debug build)
#
# State-changing auth endpoints are run as they are: schemathesis sends no refresh cookie, so
# refresh answers 401 and logout 204 without revoking anything; a password change needs the
# current password, which it cannot guess; profile edits only touch the seeded accounts' names
# and emails (the tokens stay valid). Deletions and edits get resources of their own (seed.py).
#
# The event stream (GET /api/v1/events/) stays open by design (server-sent events until the
# access token expires): schemathesis, which reads a whole body, can only time out on it. It is
# run anonymously (every answer is a 401 problem) and left out of the authenticated runs; its
# answers are tested by crates/server/tests/api/events.rs against a real server.
#
# Prints per role the requests the server received, its 5xx count and schemathesis' verdict;
# exits non-zero on any failure, any 5xx, or a panic in the server log.
source "$(dirname "$0")/common.sh"

backend=sqlite pg_admin=""
if [[ "${1:-}" == "--postgres" ]]; then
  backend=postgres pg_admin="${2:?--postgres needs a URL}"
fi
EXAMPLES="${ST_EXAMPLES:-30}"
SEED="${ST_SEED:-20240601}"

ensure_venv
ensure_binary
WORK="$(mktemp -d /tmp/ticketing-schemathesis.XXXXXX)"
DATA_DIR="$WORK/data"; mkdir -p "$DATA_DIR"
PORT="$(free_port)"
if [[ $backend == postgres ]]; then
  DB_URL="$(pg_fresh_db "$pg_admin")"
else
  DB_URL="sqlite://$DATA_DIR/ticketing.db"
fi
cleanup() {
  stop_server
  [[ $backend == postgres ]] && pg_drop_db "$pg_admin" "$DB_URL"
  if [[ "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT
server_env
# Mail on, so that the password reset answers as in production (202, work queued) instead of the
# 503 of a server without mail; nothing listens on port 9, so the queued mails only wait to be
# retried (a 5xx there would be the server's fault).
export TICKETING_SMTP_URL="smtp://127.0.0.1:9?tls=none"
export TICKETING_MAIL_FROM="Helpdesk <support@example.com>"
export TICKETING_LOG_FORMAT=json
# The lifecycle at info too: a shutdown on a signal shows in the log.
export TICKETING_LOG="warn,ticketing_http::middleware=debug,ticketing_server=info,actix_server=info"
SERVER_LOG="$WORK/server.log"

log "schemathesis on $backend: accounts"
for u in customer:customer other:customer victim:customer agent:agent admin:admin reader:agent; do
  cli_user "st_${u%%:*}" "${u##*:}"
done
start_server "$SERVER_LOG"
log "seeding tickets, messages, attachments"
"$PY" "$RELIABILITY_DIR/seed.py" "http://127.0.0.1:$PORT" "$WORK" >/dev/null
# shellcheck disable=SC1091
source "$WORK/tokens.env"

# The worked client of docs/api-guide.md, as written there, with the read-only API token and
# pages of one ticket: it must list each of the 4 seeded tickets once, following `Link`.
log "the worked client example of docs/api-guide.md"
sed -n '/<!-- client-example:start -->/,/<!-- client-example:end -->/p' "$REPO_ROOT/docs/api-guide.md" |
  sed '1,2d;$d' | sed '$d' >"$WORK/client.py"
client_out="$(TICKETING_URL="http://127.0.0.1:$PORT" TICKETING_TOKEN="$READ_TOKEN" TICKETING_PAGE_SIZE=1 \
  "$PY" "$WORK/client.py")" || die "the client example failed: $client_out"
printf '%s\n' "$client_out" >&2
[[ "$(tail -n1 <<<"$client_out")" == "4 of 4 tickets" ]] || die "the client example did not page through 4 tickets"
[[ "$(grep -c '^#' <<<"$client_out")" -eq 4 && "$(grep '^#' <<<"$client_out" | sort -u | wc -l)" -eq 4 ]] ||
  die "the client example did not list each ticket once"

requests_so_far() { grep -c '"message":"request"' "$SERVER_LOG" || true; }
server_errors_so_far() { grep '"message":"request"' "$SERVER_LOG" | grep -c '"status":5[0-9][0-9]' || true; }

status=0
summary=()
for role in anonymous customer agent admin read_token; do
  auth=()
  case $role in
    customer) auth=(-H "Authorization: Bearer $CUSTOMER_TOKEN") ;;
    agent) auth=(-H "Authorization: Bearer $AGENT_TOKEN") ;;
    admin) auth=(-H "Authorization: Bearer $ADMIN_TOKEN") ;;
    read_token) auth=(-H "Authorization: Bearer $READ_TOKEN") ;;
  esac
  # The event stream never ends: anonymous only (see above).
  [[ $role != anonymous ]] && auth+=(--exclude-path /api/v1/events/)
  before=$(requests_so_far); errors_before=$(server_errors_so_far)
  log "schemathesis as $role ($EXAMPLES examples per operation)"
  # Two runs: the examples, coverage and fuzzing phases on the seeded resources (fixed path ids),
  # then the stateful phase, which follows links from the resources it creates itself.
  rc=0
  : >"$WORK/schemathesis-$role.txt"
  for phases in examples,coverage,fuzzing stateful; do
    config="$WORK/schemathesis.toml"
    [[ $phases == stateful ]] && config="$WORK/schemathesis-stateful.toml"
    set +e
    "$VENV/bin/schemathesis" --config-file "$config" run \
      "http://127.0.0.1:$PORT/api/schema/" \
      --phases "$phases" \
      --checks all \
      --max-examples "$EXAMPLES" \
      --seed "$SEED" \
      --workers 2 \
      --request-timeout 30 \
      --suppress-health-check all \
      --no-color \
      "${auth[@]}" \
      >>"$WORK/schemathesis-$role.txt" 2>&1
    phase_rc=$?
    set -e
    [[ $phase_rc -ne 0 ]] && rc=$phase_rc
  done
  after=$(requests_so_far); errors_after=$(server_errors_so_far)
  sent=$((after - before)); fivexx=$((errors_after - errors_before))
  verdict=$([[ $rc -eq 0 ]] && echo passed || echo "FAILED (exit $rc)")
  # Nothing may pass by not running: every phase ran and passed (a phase schemathesis skips,
  # say the stateful one for want of links, shows as ⏭), and the access log saw the requests.
  for phase in Coverage Fuzzing Stateful; do
    if ! grep -qE "^ +✅ $phase\$" "$WORK/schemathesis-$role.txt"; then
      verdict="FAILED (the $phase phase did not run and pass)"; rc=1
    fi
  done
  if [[ $sent -lt 100 ]]; then
    verdict="FAILED (the access log counted only $sent requests)"; rc=1
  fi
  grep -E '^ +[0-9]+ generated' "$WORK/schemathesis-$role.txt" | sed "s/^ */$role test cases: /" || true
  tail -n 25 "$WORK/schemathesis-$role.txt"
  summary+=("$backend $role: $sent requests, $fivexx server errors, schemathesis $verdict")
  if [[ $rc -ne 0 || $fivexx -ne 0 ]]; then
    status=1
    cp "$WORK/schemathesis-$role.txt" "/tmp/schemathesis-$backend-$role.txt"
    log "full output: /tmp/schemathesis-$backend-$role.txt"
  fi
done

if grep -q 'panicked' "$SERVER_LOG"; then
  grep 'panicked' "$SERVER_LOG" | head -n 5 >&2
  summary+=("$backend: the server panicked")
  status=1
fi
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  died=0
  wait "$SERVER_PID" 2>/dev/null || died=$?
  how="exit status $died"
  ((died > 128)) && how="signal $((died - 128)) ($(kill -l $((died - 128)) 2>/dev/null || echo '?'))"
  summary+=("$backend: the server died ($how)")
  SERVER_PID=""
  status=1
fi

printf '\n== schemathesis summary (%s) ==\n' "$backend"
printf '%s\n' "${summary[@]}"
total=$(requests_so_far)
printf 'total requests received by the server: %s\n' "$total"
if [[ $status -ne 0 ]]; then
  cp "$SERVER_LOG" "/tmp/schemathesis-$backend-server.log"
  die "schemathesis found problems on $backend (server log: /tmp/schemathesis-$backend-server.log)"
fi
echo "schemathesis ($backend): all checks passed"
