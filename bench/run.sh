#!/usr/bin/env bash
# The load benchmark of the ticketing server (`just bench`). Regenerates docs/benchmarks/:
# README.md (machine, commands, tables, targets), raw/*.txt (every tool's output) and
# latency.png.
#
# For each database (BENCH_DBS) and size (BENCH_SIZES, in tickets) it seeds a fresh database
# with ticketing-seed, measures cold start to ready, starts the release server and runs wrk
# against each scenario, then (PostgreSQL) the same queries through pgbench as the raw-SQL
# ceiling. Knobs (environment):
#   BENCH_SIZES="1000 100000 1000000"  BENCH_DBS="sqlite postgres"  BENCH_DURATION=10 (s)
#   BENCH_CONNECTIONS=16  BENCH_THREADS=2  BENCH_SCENARIOS="all" (or a subset of names)
#   BENCH_PG=postgres://postgres@127.0.0.1:5432 (a database ticketing_bench_<size> is created
#   there and dropped afterwards; BENCH_PG_PREFIX=ticketing_bench names it)
#   BENCH_WORK=/tmp/ticketing-bench  BENCH_PORT=18088
#   BENCH_SKIP_BUILD=1 (use the binaries already built)  BENCH_KEEP=1 (keep the databases)
#   BENCH_REUSE=1 (measure a database kept by BENCH_KEEP=1 again instead of seeding it anew: for
#   read scenarios, e.g. the old and the new binary on one 1M seed; implies BENCH_KEEP)
#   BENCH_SKIP_CRITERION=1 (no micro-benchmarks)  BENCH_OUT=docs/benchmarks (where the report goes)
# The search scenarios: search_rare (a word in about one message in 10,000), search_common (the
# vocabulary's most frequent word) and search_pair (two words), as staff, newest first.
# The event streams (scenarios streams_idle, streams_reads, streams_latency; a fresh server after
# the others, bench/streams.py holding the streams; BENCH_SKIP_STREAMS=1 leaves them out):
#   BENCH_STREAMS=10000 (streams held)  BENCH_STAFF_STREAMS=300 (of them staff dashboards; the
#   rest customers' on their own tickets)  BENCH_STREAM_WRITES=50 (messages a second)
#   BENCH_STREAM_WRITE_SECS=20  BENCH_STREAMS_SETTLE=20 (s between opening and measuring RSS)
# The replica check (scenario replicas, once after the sizes; BENCH_SKIP_REPLICAS=1 leaves it
# out): scripts/replicas-check.sh with the release binary, its figures in raw/replicas.jsonl.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_SIZES="${BENCH_SIZES:-1000 100000 1000000}"
BENCH_DBS="${BENCH_DBS:-sqlite postgres}"
BENCH_DURATION="${BENCH_DURATION:-10}"
BENCH_CONNECTIONS="${BENCH_CONNECTIONS:-16}"
BENCH_THREADS="${BENCH_THREADS:-2}"
BENCH_SCENARIOS="${BENCH_SCENARIOS:-all}"
BENCH_PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
BENCH_WORK="${BENCH_WORK:-/tmp/ticketing-bench}"
BENCH_PORT="${BENCH_PORT:-18088}"
BENCH_PG_PREFIX="${BENCH_PG_PREFIX:-ticketing_bench}"
BENCH_STREAMS="${BENCH_STREAMS:-10000}"
BENCH_STAFF_STREAMS="${BENCH_STAFF_STREAMS:-300}"
BENCH_STREAM_WRITES="${BENCH_STREAM_WRITES:-50}"
BENCH_STREAM_WRITE_SECS="${BENCH_STREAM_WRITE_SECS:-20}"
BENCH_STREAMS_SETTLE="${BENCH_STREAMS_SETTLE:-20}"
[[ -n "${BENCH_REUSE:-}" ]] && BENCH_KEEP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/root/.cache/ticketing-target}"
BIN="$CARGO_TARGET_DIR/release"
OUT="${BENCH_OUT:-$ROOT/docs/benchmarks}"
RAW="$OUT/raw"
BASE="http://127.0.0.1:$BENCH_PORT"
mkdir -p "$RAW" "$BENCH_WORK"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- tools --------------------------------------------------------------------------------
PKGS=(-p ticketing-server -p ticketing-bench)
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  log "building the release binaries"
  (cd "$ROOT" && cargo build --release "${PKGS[@]}")
  # The target directory is shared: a build of another checkout of this workspace (same package
  # ids) can leave fingerprints that make ours look fresh while the binary is theirs. A binary
  # older than our newest source is rebuilt from scratch.
  newest=$(find "$ROOT/crates" "$ROOT/migrations" -type f -newer "$BIN/ticketing" | head -1)
  if [[ -n "$newest" ]]; then
    log "stale binary (older than $newest): rebuilding our crates"
    (cd "$ROOT" && cargo clean --release -p ticketing-server -p ticketing-bench -p ticketing-app \
      -p ticketing-http -p ticketing-crypto -p ticketing-domain -p ticketing-store \
      -p ticketing-attachments && cargo build --release "${PKGS[@]}")
  fi
fi
# Our own copies: later builds in the shared target directory cannot swap them mid-run.
mkdir -p "$BENCH_WORK/bin"
cp "$BIN/ticketing" "$BIN/ticketing-seed" "$BENCH_WORK/bin/"
BIN="$BENCH_WORK/bin"
if ! command -v wrk >/dev/null; then
  log "installing wrk"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
if ! command -v gnuplot >/dev/null; then
  apt-get install -y gnuplot-nox >/dev/null 2>&1 || log "gnuplot unavailable: no plot"
fi
for tool in wrk curl python3 pgbench; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

wants() { [[ "$BENCH_SCENARIOS" == "all" || " $BENCH_SCENARIOS " == *" $1 "* ]]; }
wants_streams() {
  [[ -z "${BENCH_SKIP_STREAMS:-}" ]] && { wants streams_idle || wants streams_reads || wants streams_latency; }
}

# --- machine ------------------------------------------------------------------------------
python3 - "$RAW/machine.json" <<'EOF'
import json, os, subprocess, sys, datetime
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
def run(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"
json.dump({
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem / 1048576, 1),
    "kernel": run("uname", "-r"), "wrk": run("sh", "-c", "wrk --version 2>&1 | head -1"),
    "postgres": run("sh", "-c", "psql --version"), "rustc": run("rustc", "--version"),
    "commit": run("git", "-C", os.path.dirname(sys.argv[1]), "rev-parse", "--short", "HEAD"),
}, open(sys.argv[1], "w"), indent=1)
EOF

# --- helpers ------------------------------------------------------------------------------
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

login() { # USERNAME -> access token
  curl -sf -X POST "$BASE/api/v1/users/auth/login/" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$BENCH_PASSWORD\"}" |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["access"])'
}

# run_wrk NAME CONNECTIONS THREADS -- (env: BENCH_METHOD BENCH_PATHS BENCH_BODY BENCH_TOKEN)
# Appends the wrk output to the raw file and a JSON result line to the results file.
run_wrk() {
  local name=$1 conns=$2 threads=$3 first
  first=${BENCH_PATHS%% *}
  BENCH_PATHS="$BENCH_PATHS" wrk -t1 -c2 -d1s -s "$ROOT/bench/wrk.lua" "$BASE$first" >/dev/null 2>&1 || true
  echo 5 > "/proc/$SERVER_PID/clear_refs" 2>/dev/null || true
  local t0 t1 out load
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(cpu_ticks "$SERVER_PID")
  out=$(BENCH_PATHS="$BENCH_PATHS" wrk -t"$threads" -c"$conns" -d"${BENCH_DURATION}s" --latency \
    -s "$ROOT/bench/wrk.lua" "$BASE$first" 2>&1)
  t1=$(cpu_ticks "$SERVER_PID")
  { echo "### $DB $SIZE $name (c=$conns t=$threads, load before $load)"; echo "$out"; echo; } >> "$RAWTXT"
  local hwm rss
  hwm=$(status_kb "$SERVER_PID" VmHWM)
  rss=$(status_kb "$SERVER_PID" VmRSS)
  printf '%s\n' "$out" | python3 "$ROOT/bench/result.py" "$DB" "$SIZE" "$name" "$conns" \
    "$((t1 - t0))" "$hwm" "$rss" "$load" >> "$RESULTS"
  log "$DB $SIZE $name: $(tail -1 "$RESULTS" | python3 -c 'import sys, json; r = json.load(sys.stdin); print(r.get("rps"), "req/s p50", r.get("p50_us", 0) / 1000, "ms p99", r.get("p99_us", 0) / 1000, "ms non2xx", r.get("non2xx"), "hwm", r.get("hwm_kb", 0) // 1024, "MB")')"
}

# pgbench_run NAME SCRIPT: the raw-SQL ceiling of a scenario (PostgreSQL only).
# Both query modes run: `prepared` (a cached plan, as diesel does for static queries) and
# `extended` (planned every time with the actual values, as for diesel's dynamic queries);
# the ceiling is the better of the two.
pgbench_run() {
  local name=$1 script=$2 out tps best=0 mode best_mode=
  for mode in prepared extended; do
    out=$(pgbench -n -M "$mode" -c "$BENCH_CONNECTIONS" -j "$BENCH_THREADS" -T "$BENCH_DURATION" \
      -f "$ROOT/bench/pgbench/$script" "${PGVARS[@]}" "$DBURL" 2>&1) || true
    { echo "### $DB $SIZE pgbench $name ($mode)"; echo "$out"; echo; } >> "$RAWTXT"
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out" | head -1)
    if [[ -n "$tps" ]] && python3 -c "import sys; sys.exit(0 if $tps > $best else 1)"; then
      best=$tps best_mode=$mode
    fi
  done
  echo "{\"db\":\"$DB\",\"size\":$SIZE,\"scenario\":\"$name\",\"pgbench_tps\":$best,\"pgbench_mode\":\"$best_mode\"}" >> "$RESULTS"
  log "$DB $SIZE pgbench $name: $best tps ($best_mode)"
}

server_env() {
  export DATABASE_URL="$DBURL" TICKETING_DATA_DIR="$DATA" TICKETING_BIND="127.0.0.1:$BENCH_PORT" \
    TICKETING_JWT_SECRET="bench-only-secret-0123456789abcdef0123456789" \
    TICKETING_COOKIE_SECURE=false TICKETING_RATE_LIMIT_PER_MINUTE=100000000 \
    TICKETING_LOGIN_FAILURES_PER_ACCOUNT=1000000 TICKETING_WRITES_PER_MINUTE=100000000 \
    TICKETING_PASSWORD_FAILURES_PER_ADDRESS=1000000 TICKETING_LOGIN_SLOWDOWN_AFTER=1000000 \
    TICKETING_ACCESS_TTL=6h TICKETING_LOG=warn
}

wait_ready() {
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null "$BASE/readyz" && return 0
    sleep 0.1
  done
  echo "the server did not get ready (see $DATA/server*.log)" >&2
  return 1
}

fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }

# The event streams, in a fresh server (RSS and descriptors without the other scenarios' left-
# overs): the list and the detail without streams, BENCH_STREAMS streams opened and left idle
# (RSS, descriptors), the list and the detail again, then BENCH_STREAM_WRITES messages a second
# and their delay to the streams. Results in raw/streams-DB-SIZE.jsonl (wrk's output in .txt).
run_streams() {
  local main_results=$RESULTS main_rawtxt=$RAWTXT
  RESULTS="$RAW/streams-$DB-$SIZE.jsonl" RAWTXT="$RAW/streams-$DB-$SIZE.txt"
  : > "$RESULTS"
  : > "$RAWTXT"
  # Any stream may be one user's (the seeded users are few at the small sizes).
  TICKETING_EVENTS_STREAMS_PER_USER=$BENCH_STREAMS "$BIN/ticketing" serve \
    > "$DATA/server-streams.log" 2>&1 &
  SERVER_PID=$!
  wait_ready
  export BENCH_TOKEN
  BENCH_TOKEN=$(login "$BENCH_AGENT")
  if wants streams_reads; then
    BENCH_PATHS="/api/v1/tickets/" run_wrk streams_base_dashboard "$C" "$T"
    BENCH_PATHS="/api/v1/tickets/$BENCH_DETAIL_TICKET/" run_wrk streams_base_detail "$C" "$T"
  fi
  local rss0 hwm0 fd0 rss1 hwm1 fd1 ready answer nofile load
  coproc HOLDER { python3 "$ROOT/bench/streams.py" "$BENCH_PORT" "$DATA/manifest.json" \
    "$BENCH_STREAMS" "$BENCH_STAFF_STREAMS" 2> "$DATA/streams-client.log"; }
  local holder_pid=$HOLDER_PID holder_out=${HOLDER[0]} holder_in=${HOLDER[1]}
  ready=
  read -r -t 600 ready <&"$holder_out" || true  # every account logged in
  # The logins' argon2 memory goes back after 10 s: the RSS before is without it.
  sleep 12
  load=$(cut -d' ' -f1 /proc/loadavg)
  rss0=$(status_kb "$SERVER_PID" VmRSS) hwm0=$(status_kb "$SERVER_PID" VmHWM)
  fd0=$(fd_count "$SERVER_PID")
  nofile=$(awk '/^Max open files/ {print $4}' "/proc/$SERVER_PID/limits")
  log "$DB $SIZE: opening $BENCH_STREAMS event streams (server RSS $((rss0 / 1024)) MB, $fd0 fds, limit $nofile)"
  [[ -n "$ready" ]] && echo open >&"$holder_in"
  ready=
  read -r -t 900 ready <&"$holder_out" || true
  if [[ -z "$ready" ]]; then
    log "$DB $SIZE: the stream client failed: $(tail -3 "$DATA/streams-client.log")"
    echo "{\"db\":\"$DB\",\"size\":$SIZE,\"scenario\":\"streams_idle\",\"error\":\"client failed\"}" >> "$RESULTS"
  else
    sleep "$BENCH_STREAMS_SETTLE"
    rss1=$(status_kb "$SERVER_PID" VmRSS) hwm1=$(status_kb "$SERVER_PID" VmHWM)
    fd1=$(fd_count "$SERVER_PID")
    python3 - "$ready" <<EOF >> "$RESULTS"
import datetime, json, sys
r = json.loads(sys.argv[1])
r["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
n = max(r["opened"], 1)
print(json.dumps({"db": "$DB", "size": $SIZE, "scenario": "streams_idle", **r,
                  "rss_before_kb": $rss0, "hwm_before_kb": $hwm0, "fds_before": $fd0,
                  "rss_with_kb": $rss1, "hwm_with_kb": $hwm1, "fds_with": $fd1,
                  "rss_per_stream_kb": round(($rss1 - $rss0) / n, 2), "nofile": "$nofile",
                  "load_before": $load}))
EOF
    log "$DB $SIZE streams_idle: $(tail -1 "$RESULTS")"
    if wants streams_reads; then
      BENCH_PATHS="/api/v1/tickets/" run_wrk streams_dashboard "$C" "$T"
      BENCH_PATHS="/api/v1/tickets/$BENCH_DETAIL_TICKET/" run_wrk streams_detail "$C" "$T"
    fi
    if wants streams_latency; then
      load=$(cut -d' ' -f1 /proc/loadavg)
      echo 5 > "/proc/$SERVER_PID/clear_refs" 2>/dev/null || true
      echo "latency $BENCH_STREAM_WRITES $BENCH_STREAM_WRITE_SECS" >&"$holder_in"
      answer=
      read -r -t 600 answer <&"$holder_out" || true
      python3 - "${answer:-"{}"}" <<EOF >> "$RESULTS"
import json, sys
print(json.dumps({"db": "$DB", "size": $SIZE, "scenario": "streams_latency",
                  **json.loads(sys.argv[1]), "hwm_kb": $(status_kb "$SERVER_PID" VmHWM),
                  "load_before": $load}))
EOF
      log "$DB $SIZE streams_latency: $(tail -1 "$RESULTS")"
    fi
  fi
  echo quit >&"$holder_in" 2>/dev/null || true
  wait "$holder_pid" 2>/dev/null || true
  stop_server
  RESULTS=$main_results RAWTXT=$main_rawtxt
}

stop_server() {
  if [[ -n "${SERVER_PID:-}" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}

drop_pg() { psql "$BENCH_PG/postgres" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null; }
trap 'stop_server; [[ -n "${PGDB:-}" && -z "${BENCH_KEEP:-}" ]] && drop_pg "$PGDB"; true' EXIT

# --- the matrix ---------------------------------------------------------------------------
for SIZE in $BENCH_SIZES; do
  for DB in $BENCH_DBS; do
    RESULTS="$RAW/$DB-$SIZE.jsonl"
    RAWTXT="$RAW/$DB-$SIZE.txt"
    : > "$RESULTS"
    : > "$RAWTXT"
    DATA="$BENCH_WORK/$DB-$SIZE"
    reuse=
    [[ -n "${BENCH_REUSE:-}" && -f "$DATA/manifest.env" ]] && reuse=1
    [[ -z $reuse ]] && rm -rf "$DATA"
    mkdir -p "$DATA"
    case $DB in
      sqlite) DBURL="sqlite://$DATA/ticketing.db"; PGDB= ;;
      postgres)
        PGDB="${BENCH_PG_PREFIX}_$SIZE"
        if [[ -z $reuse ]]; then
          drop_pg "$PGDB"
          psql "$BENCH_PG/postgres" -qc "CREATE DATABASE $PGDB" >/dev/null
        fi
        DBURL="$BENCH_PG/$PGDB" ;;
      *) echo "unknown database $DB" >&2; exit 1 ;;
    esac

    if [[ -n $reuse ]]; then
      log "$DB $SIZE: reusing the kept seed in $DATA"
      echo "### $DB $SIZE seed kept from an earlier run (BENCH_REUSE)" >> "$RAWTXT"
    else
      log "$DB $SIZE: seeding"
      { echo "### $DB $SIZE seed (load before $(cut -d' ' -f1 /proc/loadavg))"
        "$BIN/ticketing-seed" --database-url "$DBURL" --data-dir "$DATA" --tickets "$SIZE" \
          --manifest "$DATA/manifest.env" 2>&1; } | tee -a "$RAWTXT" | tail -1 >&2
    fi
    # shellcheck disable=SC1091
    source "$DATA/manifest.env"
    python3 - "$DATA/manifest.json" <<EOF >> "$RESULTS"
import json, sys
m = json.load(open(sys.argv[1]))
print(json.dumps({"db": "$DB", "size": $SIZE, "scenario": "seed",
                  **{k.lower(): v for k, v in m.items() if k.startswith(("BENCH_SEED", "BENCH_TICKETS", "BENCH_MESSAGES", "BENCH_ACTIVITIES", "BENCH_ATTACHMENTS", "BENCH_USERS", "BENCH_SEARCH"))}}))
EOF
    [[ $DB == sqlite ]] && du -sh "$DATA" | tee -a "$RAWTXT" >&2
    [[ $DB == postgres ]] && psql "$DBURL" -Atc "select 'database size ' || pg_size_pretty(pg_database_size(current_database()))" | tee -a "$RAWTXT" >&2

    server_env
    if wants coldstart; then
      cold=$(python3 "$ROOT/bench/coldstart.py" "$BENCH_PORT" 5 -- "$BIN/ticketing" serve)
      { echo "### $DB $SIZE cold start to ready"; echo "$cold"; echo; } >> "$RAWTXT"
      echo "{\"db\":\"$DB\",\"size\":$SIZE,\"scenario\":\"coldstart\",\"coldstart\":$cold}" >> "$RESULTS"
      log "$DB $SIZE cold start: $cold"
    fi

    "$BIN/ticketing" serve > "$DATA/server.log" 2>&1 &
    SERVER_PID=$!
    wait_ready
    STAFF_TOKEN=$(login "$BENCH_AGENT")
    CUSTOMER_TOKEN=$(login "$BENCH_CUSTOMER")
    POSTS=""
    for t in $BENCH_POST_TICKETS; do POSTS+="/api/v1/tickets/$t/messages/ "; done
    urlq() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
    C=$BENCH_CONNECTIONS T=$BENCH_THREADS
    unset BENCH_METHOD BENCH_BODY
    export BENCH_TOKEN="$STAFF_TOKEN"

    # Reads first (writes below grow the tickets they touch).
    if wants dashboard; then BENCH_PATHS="/api/v1/tickets/" run_wrk dashboard "$C" "$T"; fi
    if wants dashboard_deep; then
      BENCH_PATHS="/api/v1/tickets/?cursor=$BENCH_DEEP_CURSOR" run_wrk dashboard_deep "$C" "$T"; fi
    if wants customer_list; then
      BENCH_TOKEN="$CUSTOMER_TOKEN" BENCH_PATHS="/api/v1/tickets/?status=open,in_progress,resolved" \
        run_wrk customer_list "$C" "$T"; fi
    if wants detail; then BENCH_PATHS="/api/v1/tickets/$BENCH_DETAIL_TICKET/" run_wrk detail "$C" "$T"; fi
    if wants search_rare; then
      BENCH_PATHS="/api/v1/tickets/?q=$(urlq "$BENCH_SEARCH_RARE")" run_wrk search_rare "$C" "$T"; fi
    if wants search_common; then
      BENCH_PATHS="/api/v1/tickets/?q=$(urlq "$BENCH_SEARCH_COMMON")" run_wrk search_common "$C" "$T"; fi
    if wants search_pair; then
      BENCH_PATHS="/api/v1/tickets/?q=$(urlq "$BENCH_SEARCH")" run_wrk search_pair "$C" "$T"; fi

    # The raw-SQL ceiling of the reads, on the same data as the wrk reads above (the writes
    # below add tickets and messages that the same queries would then also count and search).
    if [[ $DB == postgres ]] && wants pgbench; then
      log "$DB $SIZE: the raw-SQL ceiling of the reads (pgbench; the server idles)"
      mapfile -t PGVARS < <(python3 "$ROOT/bench/pgbench_vars.py" "$DBURL" "$DATA/manifest.json")
      for s in dashboard dashboard_deep customer_list detail search_rare search_common search_pair; do
        wants "$s" || continue  # the reads measured above only
        pgbench_run "$s" "$s.sql"
      done
    fi

    if wants login_storm; then
      # A list endpoint's latency (4 connections) while 16 connections log in at once.
      storm_out="$BENCH_WORK/storm.txt"
      BENCH_TOKEN= BENCH_METHOD=POST BENCH_PATHS="/api/v1/users/auth/login/" \
        BENCH_BODY="{\"username\":\"$BENCH_AGENT\",\"password\":\"$BENCH_PASSWORD\"}" \
        wrk -t1 -c"$C" -d"$((BENCH_DURATION + 2))s" -s "$ROOT/bench/wrk.lua" "$BASE/api/v1/users/auth/login/" \
        > "$storm_out" 2>&1 &
      storm_pid=$!
      sleep 1
      BENCH_PATHS="/api/v1/tickets/" run_wrk list_during_login_storm 4 1
      wait "$storm_pid" || true
      { echo "### $DB $SIZE the login storm itself"; cat "$storm_out"; echo; } >> "$RAWTXT"
      BENCH_PATHS="/api/v1/tickets/" run_wrk list_alone 4 1
    fi

    if wants post_message; then
      BENCH_METHOD=POST BENCH_BODY='{"message":"Thanks, we are looking into it and will get back to you shortly."}' \
        BENCH_PATHS="$POSTS" run_wrk post_message "$C" "$T"; fi
    if wants create_ticket; then
      BENCH_TOKEN="$CUSTOMER_TOKEN" BENCH_METHOD=POST BENCH_PATHS="/api/v1/tickets/" \
        BENCH_BODY='{"topic":"Printer on floor 2 out of toner","description":"The printer next to the kitchen says the toner is low and prints blank pages since this morning.","priority":"high"}' \
        run_wrk create_ticket "$C" "$T"; fi
    if wants login; then
      BENCH_TOKEN= BENCH_METHOD=POST BENCH_PATHS="/api/v1/users/auth/login/" \
        BENCH_BODY="{\"username\":\"$BENCH_AGENT\",\"password\":\"$BENCH_PASSWORD\"}" \
        run_wrk login "$C" "$T"; fi
    echo "{\"db\":\"$DB\",\"size\":$SIZE,\"scenario\":\"server\",\"peak_hwm_kb\":$(status_kb "$SERVER_PID" VmHWM)}" >> "$RESULTS"
    stop_server

    if [[ $DB == postgres ]] && wants pgbench; then
      log "$DB $SIZE: the raw-SQL ceiling of the writes (pgbench)"
      for s in post_message create_ticket login; do
        pgbench_run "$s" "$s.sql"
      done
    fi

    if wants_streams; then run_streams; fi

    if [[ -z "${BENCH_KEEP:-}" ]]; then
      [[ $DB == postgres ]] && drop_pg "$PGDB"
      PGDB=
      rm -rf "$DATA"
    fi
  done
done

if wants replicas && [[ -z "${BENCH_SKIP_REPLICAS:-}" ]]; then
  # The replica check (scripts/replicas-check.sh: PostgreSQL behind PgBouncer, moto, two
  # replicas of the release binary behind nginx) and its figures: requests through the balancer,
  # an event across replicas, errors while one replica stops under load.
  log "replicas behind a balancer (scripts/replicas-check.sh, release binary)"
  rm -f "$RAW/replicas.jsonl"
  { echo "### replicas (load before $(cut -d' ' -f1 /proc/loadavg))"
    TICKETING_BIN="$BIN/ticketing" REPLICAS_RESULT="$BENCH_WORK/replicas.json" \
      bash "$ROOT/scripts/replicas-check.sh" 2>&1; } > "$RAW/replicas.txt" ||
    { tail -n 40 "$RAW/replicas.txt" >&2; echo "the replica check failed (raw/replicas.txt)" >&2; exit 1; }
  cat "$BENCH_WORK/replicas.json" > "$RAW/replicas.jsonl"
  sed -n '/==> replicas: figures/,$p' "$RAW/replicas.txt" >&2
fi

if [[ -z "${BENCH_SKIP_CRITERION:-}" ]]; then
  # The micro-benchmarks of the hot paths (criterion): token verification, applying a change,
  # the detail's JSON. Output kept in raw/criterion.txt; the report reads the estimates.
  log "criterion micro-benchmarks"
  { echo "### criterion (load before $(cut -d' ' -f1 /proc/loadavg))"
    for b in "ticketing-crypto tokens" "ticketing-domain apply_change" "ticketing-http detail_json"; do
      set -- $b
      (cd "$ROOT" && cargo bench -q -p "$1" --bench "$2" 2>&1)
    done; } > "$RAW/criterion.txt"
  grep -E 'time:' "$RAW/criterion.txt" >&2 || true
fi

log "writing the report"
python3 "$ROOT/bench/report.py" "$OUT"
log "done: $OUT/README.md"
