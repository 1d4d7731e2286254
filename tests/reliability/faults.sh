#!/usr/bin/env bash
# Fault injection against the real server binary (needs root: a private PostgreSQL cluster run as
# the postgres user, tmpfs mounts). Four scenarios:
#
#   1. PostgreSQL stopped during a load run: every answer is 2xx or a 503 problem+json within a
#      bounded time, /readyz is 503 while it is down, everything recovers without a restart, and
#      every write that got a 2xx is in the database (counted).
#   2. SQLite on a full disk (a small tmpfs): clear 503 answers, reads keep working, writes work
#      again once there is room, PRAGMA integrity_check is ok, no acknowledged row lost.
#   3. SQLite on a read-only data directory (the tmpfs remounted ro): clear 503 answers, writes
#      work again once it is writable, integrity ok; a server started on it refuses to start.
#   4. The server killed with SIGKILL during concurrent uploads (three times, at different
#      moments): after a restart no orphan file, no temp file, no row without its file.
#
#   tests/reliability/faults.sh          # all of them
#   FAULTS_ONLY="pg kill" tests/reliability/faults.sh
#
# Uses a PRIVATE throwaway cluster under target/faults-pg on port FAULTS_PG_PORT (default 55439):
# the machine's shared PostgreSQL on 5432 is never touched.
source "$(dirname "$0")/common.sh"

[[ $(id -u) -eq 0 ]] || die "faults.sh needs root (tmpfs mounts, runuser -u postgres)"
ONLY="${FAULTS_ONLY:-pg full readonly kill}"
ensure_venv
ensure_binary
FAULTS_PY="$RELIABILITY_DIR/faults.py"
WORK="$(mktemp -d /tmp/ticketing-faults.XXXXXX)"
PGDIR="$REPO_ROOT/target/faults-pg"
PGPORT="${FAULTS_PG_PORT:-55439}"
MOUNTS=()
FAULTS_INJECTED=0
SUMMARY=()

pg_bin=""
pgctl() {
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$PGDIR" \
    -o "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1" -l "$PGDIR/log" -w "$@"
}

cleanup() {
  stop_server
  if [[ -n "$pg_bin" && -f "$PGDIR/postmaster.pid" ]]; then pgctl stop -m immediate >/dev/null 2>&1 || true; fi
  for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null || true; done
  if [[ "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT

base() { echo "http://127.0.0.1:$PORT"; }

# A customer (made with the CLI), its token and a ticket; sets TOKEN and TICKET.
prepare_customer() {
  cli_user "$1" customer
}
login_and_ticket() {
  TOKEN="$("$PY" "$FAULTS_PY" login "$(base)" "$1")"
  TICKET="$(curl -fsS -X POST "$(base)/api/v1/tickets/" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d '{"topic": "Fault target", "description": "d"}' |
    "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
}

# curl: status and content type of a request (never fails).
call() { # method path [json]
  local args=(-s -o "$WORK/body" -w '%{http_code} %{content_type}' --max-time 60 -X "$1" "$(base)$2"
    -H "Authorization: Bearer $TOKEN")
  [[ -n "${3:-}" ]] && args+=(-H 'Content-Type: application/json' -d "$3")
  curl "${args[@]}" 2>/dev/null || echo "000 none"
}
upload() { # file
  curl -s -o "$WORK/body" -w '%{http_code} %{content_type}' --max-time 60 \
    -X POST "$(base)/api/v1/tickets/$TICKET/attachments/" -H "Authorization: Bearer $TOKEN" \
    -F "file=@$1;type=application/octet-stream" 2>/dev/null || echo "000 none"
}
# Asserts a 503 problem+json with code `unavailable` (a clear answer, not a 500).
expect_unavailable() { # what "status ctype"
  local status="${2%% *}" ctype="${2#* }"
  if [[ $status != 503 || $ctype != application/problem+json* ]] || ! grep -q '"code":"unavailable"' "$WORK/body"; then
    die "$1: expected 503 problem+json unavailable, got $2: $(head -c 300 "$WORK/body")"
  fi
}
expect_2xx() { # what "status ctype"
  [[ "${2%% *}" == 2* ]] || die "$1: expected 2xx, got $2: $(head -c 300 "$WORK/body")"
}

# --------------------------------------------------------------------------------------------
scenario_pg() {
  log "== 1. PostgreSQL stopped during a load run"
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [[ -n "$pg_bin" ]] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
  if [[ -f "$PGDIR/postmaster.pid" ]]; then pgctl stop -m immediate >/dev/null 2>&1 || true; fi
  rm -rf "$PGDIR"; mkdir -p "$PGDIR"; chown postgres "$PGDIR"
  runuser -u postgres -- "$pg_bin/initdb" -D "$PGDIR" -U postgres --auth=trust -E UTF8 >/dev/null
  pgctl start >/dev/null
  local admin="postgres://postgres@127.0.0.1:$PGPORT/postgres"
  psql "$admin" -qAtc "CREATE DATABASE faults" >/dev/null
  DB_URL="postgres://postgres@127.0.0.1:$PGPORT/faults"
  DATA_DIR="$WORK/pg-data"; mkdir -p "$DATA_DIR"; PORT="$(free_port)"
  server_env
  prepare_customer fault_pg
  start_server "$WORK/pg-server.log"
  login_and_ticket fault_pg

  local seconds=34 down=12
  "$PY" "$FAULTS_PY" load "$(base)" "$TOKEN" "$TICKET" "$seconds" 6 "$WORK/load.jsonl" &
  local load_pid=$!
  sleep 6
  local outage_start outage_end
  pgctl stop -m fast >/dev/null
  outage_start=$(date +%s.%N) # PostgreSQL is down from here on (pg_ctl -w waited for it)
  FAULTS_INJECTED=$((FAULTS_INJECTED + 1))
  log "PostgreSQL stopped; down for $down s"
  sleep "$down"
  outage_end=$(date +%s.%N) # it answers again soon after this
  pgctl start >/dev/null
  log "PostgreSQL started again"
  wait "$load_pid"
  psql "$DB_URL" -qAtc "SELECT topic FROM tickets WHERE topic LIKE 'fault-t-%'" >"$WORK/topics"
  psql "$DB_URL" -qAtc "SELECT body FROM messages WHERE body LIKE 'fault-m-%'" >"$WORK/messages"
  "$PY" "$FAULTS_PY" analyze-outage "$WORK/load.jsonl" "$outage_start" "$outage_end" \
    "$WORK/topics" "$WORK/messages" 15 | tee "$WORK/pg-analysis.txt" ||
    die "PostgreSQL outage: see above (server log $WORK/pg-server.log)"
  # The ticket's message_count matches its stored messages (the counter and the rows moved
  # together, in one transaction, through the outage).
  local consistent
  consistent=$(psql "$DB_URL" -qAtc "SELECT t.message_count = (SELECT count(*) FROM messages m
      WHERE m.ticket_id = t.id AND NOT m.internal) FROM tickets t WHERE t.id = '$TICKET'")
  [[ $consistent == t ]] || die "message_count of the load ticket differs from its messages"
  grep -q panicked "$WORK/pg-server.log" && die "the server panicked"
  SUMMARY+=("pg-outage: $(tail -n1 "$WORK/pg-analysis.txt")")
  stop_server
  pgctl stop -m fast >/dev/null
}

# --------------------------------------------------------------------------------------------
tmpfs() { # dir size
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2" tmpfs "$1" || die "mount tmpfs on $1 failed"
  MOUNTS+=("$1")
}

scenario_full() {
  log "== 2. SQLite on a full disk"
  local mnt="$WORK/full"
  tmpfs "$mnt" 2m
  DATA_DIR="$mnt/data"; DB_URL="sqlite://$DATA_DIR/ticketing.db"; PORT="$(free_port)"
  server_env
  prepare_customer fault_full
  start_server "$WORK/full-server.log"
  login_and_ticket fault_full
  head -c 100000 /dev/urandom >"$WORK/100k.bin"

  # Fill the disk with uploads until file storage refuses one.
  local answer="" uploads=0
  for _ in $(seq 1 100); do
    answer=$(upload "$WORK/100k.bin")
    [[ ${answer%% *} == 201 ]] || break
    uploads=$((uploads + 1))
  done
  FAULTS_INJECTED=$((FAULTS_INJECTED + 1))
  log "disk full after $uploads uploads: $answer"
  expect_unavailable "upload on a full disk" "$answer"
  # Then tickets until the database refuses one (the WAL may have some room left).
  local acked=() i
  for i in $(seq 1 300); do
    answer=$(call POST /api/v1/tickets/ "{\"topic\": \"full-$i\", \"description\": \"$(printf 'x%.0s' $(seq 1 2000))\"}")
    [[ ${answer%% *} == 201 ]] || break
    acked+=("full-$i")
  done
  log "database full after ${#acked[@]} more tickets: $answer"
  expect_unavailable "ticket on a full disk" "$answer"
  # The operator learns why from the log.
  grep -qiE "disk is full|no space left" "$WORK/full-server.log" ||
    die "the server log does not say the disk is full"
  # Reads keep working.
  expect_2xx "list on a full disk" "$(call GET /api/v1/tickets/)"
  expect_2xx "ticket on a full disk" "$(call GET "/api/v1/tickets/$TICKET/")"
  # Room again (the tmpfs grows): writes work without a restart.
  mount -o remount,size=32m "$mnt"
  expect_2xx "ticket after freeing space" "$(call POST /api/v1/tickets/ '{"topic": "full-after", "description": "d"}')"
  acked+=("full-after")
  expect_2xx "upload after freeing space" "$(upload "$WORK/100k.bin")"
  stop_server
  "$PY" "$FAULTS_PY" sqlite-check "$DATA_DIR/ticketing.db" | tee "$WORK/full-check.txt" || die "SQLite damaged by the full disk"
  "$PY" "$FAULTS_PY" attachments-check "$DATA_DIR" || die "attachment store inconsistent after the full disk"
  local present
  present=$("$PY" -c "
import sqlite3,sys
con=sqlite3.connect('file:$DATA_DIR/ticketing.db?mode=ro', uri=True)
rows={r[0] for r in con.execute(\"SELECT topic FROM tickets WHERE topic LIKE 'full-%'\")}
acked=set(sys.argv[1:])
print(len(acked & rows), len(acked), len(rows))
" "${acked[@]}")
  read -r found want rows <<<"$present"
  [[ $found == "$want" ]] || die "full disk: $found of $want acknowledged tickets are stored"
  SUMMARY+=("full-disk: $uploads uploads + ${#acked[@]} tickets acknowledged, all $found stored ($rows rows); refusals were 503; integrity ok")
}

# --------------------------------------------------------------------------------------------
scenario_readonly() {
  log "== 3. SQLite on a read-only data directory"
  local mnt="$WORK/ro"
  tmpfs "$mnt" 32m
  DATA_DIR="$mnt/data"; DB_URL="sqlite://$DATA_DIR/ticketing.db"; PORT="$(free_port)"
  server_env
  prepare_customer fault_ro
  start_server "$WORK/ro-server.log"
  login_and_ticket fault_ro
  head -c 10000 /dev/urandom >"$WORK/10k.bin"
  expect_2xx "upload before" "$(upload "$WORK/10k.bin")"
  expect_2xx "ticket before" "$(call POST /api/v1/tickets/ '{"topic": "ro-before", "description": "d"}')"
  # The kernel refuses to remount a filesystem read-only while a process has files open for
  # writing on it (EBUSY), and the running server always has (the SQLite connections): a
  # directory only turns read-only under a stopped server. So: stop, remount ro, start.
  if mount -o remount,ro "$mnt" 2>/dev/null; then
    die "remounting read-only under a running server unexpectedly worked; extend this scenario"
  fi
  stop_server
  mount -o remount,ro "$mnt" || die "remount ro failed"
  FAULTS_INJECTED=$((FAULTS_INJECTED + 1))
  local out rc=0
  out=$(timeout 30 "$TICKETING_BIN" serve 2>&1) || rc=$?
  [[ $rc -ne 0 && $rc -ne 124 ]] || die "a server started on a read-only data directory (exit $rc)"
  grep -qiE "not writable|read-only|readonly" <<<"$out" || die "start-up on a read-only directory: unclear error: $out"
  log "serve on a read-only directory: exit $rc: $(grep -iE 'not writable|read-only|readonly' <<<"$out" | head -n1 | cut -c1-200)"
  rc=0
  out=$(printf 'x\n' | timeout 30 "$TICKETING_BIN" user create --username ro_other --email ro_other@example.com --password-stdin 2>&1) || rc=$?
  FAULTS_INJECTED=$((FAULTS_INJECTED + 1))
  [[ $rc -ne 0 ]] || die "creating a user on a read-only data directory succeeded"
  log "user create on a read-only directory: exit $rc: $(tail -n1 <<<"$out" | cut -c1-200)"
  "$PY" "$FAULTS_PY" sqlite-check "$DATA_DIR/ticketing.db" || die "SQLite damaged by the read-only disk"

  mount -o remount,rw "$mnt"
  start_server "$WORK/ro-server.log"
  expect_2xx "ticket after remount" "$(call POST /api/v1/tickets/ '{"topic": "ro-after", "description": "d"}')"
  expect_2xx "upload after remount" "$(upload "$WORK/10k.bin")"
  local listed
  listed=$(curl -fsS "$(base)/api/v1/tickets/" -H "Authorization: Bearer $TOKEN" -D - -o /dev/null |
    tr -d '\r' | awk -F': ' 'tolower($1)=="x-total-count"{print $2}')
  [[ $listed == 3 ]] || die "after read-only: $listed tickets listed, expected 3"
  stop_server
  "$PY" "$FAULTS_PY" sqlite-check "$DATA_DIR/ticketing.db" || die "SQLite damaged by the read-only disk"
  "$PY" "$FAULTS_PY" attachments-check "$DATA_DIR" || die "attachment store inconsistent after read-only"
  SUMMARY+=("read-only: ro remount refused by the kernel under a running server (EBUSY); serve and user create refused clearly on the ro directory; data intact, integrity ok, all 3 tickets and both uploads there after remounting rw")
}

# --------------------------------------------------------------------------------------------
scenario_kill() {
  log "== 4. SIGKILL during concurrent uploads"
  DATA_DIR="$WORK/kill-data"; mkdir -p "$DATA_DIR"; DB_URL="sqlite://$DATA_DIR/ticketing.db"
  PORT="$(free_port)"
  server_env
  export TICKETING_MAX_UPLOAD_BYTES=$((64 * 1024 * 1024))
  prepare_customer fault_kill
  head -c $((8 * 1024 * 1024)) /dev/urandom >"$WORK/8m.bin"
  head -c 20000 /dev/urandom >"$WORK/20k.bin"
  local round delay temp_before total_temp=0
  for round in 1 2 3; do
    delay=$(echo "0.7 1.5 3" | cut -d' ' -f"$round")
    start_server "$WORK/kill-server.log"
    login_and_ticket fault_kill
    # Slow big uploads and quick small ones at once; SIGKILL in the middle.
    local pids=() n
    for n in 1 2 3 4 5 6; do
      curl -s -o /dev/null --max-time 60 --limit-rate "$((n * 1))M" \
        -X POST "$(base)/api/v1/tickets/$TICKET/attachments/" -H "Authorization: Bearer $TOKEN" \
        -F "file=@$WORK/8m.bin;type=application/octet-stream" &
      pids+=($!)
    done
    (for n in $(seq 1 40); do
      curl -s -o /dev/null --max-time 10 -X POST "$(base)/api/v1/tickets/$TICKET/attachments/" \
        -H "Authorization: Bearer $TOKEN" -F "file=@$WORK/20k.bin;type=text/plain" || true
    done) &
    pids+=($!)
    sleep "$delay"
    kill -KILL "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    FAULTS_INJECTED=$((FAULTS_INJECTED + 1))
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    # Unfinished uploads: object_store's staging files (`<name>#<n>`) next to their destination.
    temp_before=$(find "$DATA_DIR/attachments" -type f -name '*#*' | wc -l)
    total_temp=$((total_temp + temp_before))
    log "round $round: killed after $delay s; $temp_before partial uploads left (staging files)"
    # Restart: the start-up sweep removes leftovers; then the store must match the rows.
    start_server "$WORK/kill-server.log"
    stop_server
    "$PY" "$FAULTS_PY" attachments-check "$DATA_DIR" | tee "$WORK/kill-check.txt" ||
      die "SIGKILL round $round: attachment store inconsistent after restart"
    "$PY" "$FAULTS_PY" sqlite-check "$DATA_DIR/ticketing.db" >/dev/null ||
      die "SIGKILL round $round: SQLite integrity"
  done
  unset TICKETING_MAX_UPLOAD_BYTES
  SUMMARY+=("sigkill: 3 kills during uploads, $total_temp partial files swept at restart; $(head -n1 "$WORK/kill-check.txt")")
}

started=$(date +%s)
expected_faults=0
for s in $ONLY; do
  case $s in
    pg) scenario_pg; expected_faults=$((expected_faults + 1)) ;;
    full) scenario_full; expected_faults=$((expected_faults + 1)) ;;
    readonly) scenario_readonly; expected_faults=$((expected_faults + 2)) ;;
    kill) scenario_kill; expected_faults=$((expected_faults + 3)) ;;
    *) die "unknown scenario $s" ;;
  esac
done
if grep -l panicked "$WORK"/*-server.log 2>/dev/null; then
  grep -h panicked "$WORK"/*-server.log | head -n 5 >&2
  die "the server panicked during the fault injection"
fi
# No scenario may end early without injecting its faults.
[[ $FAULTS_INJECTED -eq $expected_faults ]] ||
  die "$FAULTS_INJECTED faults injected, expected $expected_faults"
printf '\n== faults summary ==\n'
printf '%s\n' "${SUMMARY[@]}"
printf 'faults injected: %s; time: %s s\n' "$FAULTS_INJECTED" "$(($(date +%s) - started))"
echo "faults: all scenarios passed"
