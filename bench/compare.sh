#!/usr/bin/env bash
# Old binary against new, interleaved (`just bench-compare OLD_DIR NEW_DIR`): on a shared, noisy
# machine two full `bench/run.sh` passes minutes apart measure the machine as much as the code.
# This script seeds one database per binary (each with its own `ticketing-seed`), starts both
# servers side by side and runs every scenario of bench/run.sh on one, then on the other,
# alternating which goes first, for BENCH_ROUNDS rounds of BENCH_DURATION seconds each. The
# server not being measured idles. It prints a markdown table with every round's req/s and the
# change of the medians, and appends the raw wrk results to BENCH_WORK/compare-DB.jsonl.
#
#   OLD_DIR, NEW_DIR: folders holding `ticketing` and `ticketing-seed` (release builds)
#   Knobs: BENCH_SIZE=100000 BENCH_DBS="sqlite postgres" BENCH_ROUNDS=3 BENCH_DURATION=5
#          BENCH_CONNECTIONS=16 BENCH_THREADS=2 BENCH_PG=postgres://postgres@127.0.0.1:5432
#          BENCH_WORK=/tmp/ticketing-compare BENCH_SCENARIOS="dashboard detail ..." (default: all
#          but search_rare search_common search_pair, the three searches of bench/run.sh)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OLD_DIR=${1:?usage: bench/compare.sh OLD_DIR NEW_DIR}
NEW_DIR=${2:?usage: bench/compare.sh OLD_DIR NEW_DIR}
SIZE="${BENCH_SIZE:-100000}"
BENCH_DBS="${BENCH_DBS:-sqlite postgres}"
ROUNDS="${BENCH_ROUNDS:-3}"
DURATION="${BENCH_DURATION:-5}"
C="${BENCH_CONNECTIONS:-16}"
T="${BENCH_THREADS:-2}"
BENCH_PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
WORK="${BENCH_WORK:-/tmp/ticketing-compare}"
SCENARIOS="${BENCH_SCENARIOS:-dashboard dashboard_deep customer_list detail search list_alone list_during_login_storm post_message create_ticket login}"
mkdir -p "$WORK"
declare -A PORT=([old]=18091 [new]=18092) DIR=([old]="$OLD_DIR" [new]="$NEW_DIR") PID=()

log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
for tool in wrk curl python3; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done

stop_all() {
  for v in old new; do
    [[ -n "${PID[$v]:-}" ]] && kill -TERM "${PID[$v]}" 2>/dev/null && wait "${PID[$v]}" 2>/dev/null
    PID[$v]=
  done
  true
}
trap stop_all EXIT

# measure VERSION NAME CONNECTIONS THREADS (env: BENCH_METHOD BENCH_PATHS BENCH_BODY BENCH_TOKEN)
measure() {
  local v=$1 name=$2 conns=$3 threads=$4 base="http://127.0.0.1:${PORT[$1]}" first out
  first=${BENCH_PATHS%% *}
  out=$(wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency -s "$ROOT/bench/wrk.lua" "$base$first" 2>&1)
  printf '%s\n' "$out" | python3 "$ROOT/bench/result.py" "$DB" "$SIZE" "$name" "$conns" 0 0 0 \
    "$(cut -d' ' -f1 /proc/loadavg)" | python3 -c 'import sys, json; r = json.load(sys.stdin); r["version"] = sys.argv[1]; print(json.dumps(r))' "$v" >> "$RESULTS"
}

for DB in $BENCH_DBS; do
  RESULTS="$WORK/compare-$DB.jsonl"
  : > "$RESULTS"
  declare -A TOKEN_STAFF=() TOKEN_CUSTOMER=() MANIFEST=()
  for v in old new; do
    data="$WORK/$DB-$v"
    rm -rf "$data" && mkdir -p "$data"
    case $DB in
      sqlite) url="sqlite://$data/ticketing.db" ;;
      postgres)
        db="ticketing_compare_$v"
        psql "$BENCH_PG/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
        psql "$BENCH_PG/postgres" -qc "CREATE DATABASE $db" >/dev/null
        url="$BENCH_PG/$db" ;;
      *) echo "unknown database $DB" >&2; exit 1 ;;
    esac
    log "$DB $v: seeding $SIZE tickets"
    "${DIR[$v]}/ticketing-seed" --database-url "$url" --data-dir "$data" --tickets "$SIZE" \
      --manifest "$data/manifest.env" > "$data/seed.log" 2>&1
    MANIFEST[$v]="$data/manifest.env"
    DATABASE_URL="$url" TICKETING_DATA_DIR="$data" TICKETING_BIND="127.0.0.1:${PORT[$v]}" \
      TICKETING_JWT_SECRET="bench-only-secret-0123456789abcdef0123456789" \
      TICKETING_COOKIE_SECURE=false TICKETING_RATE_LIMIT_PER_MINUTE=100000000 \
      TICKETING_LOGIN_FAILURES_PER_ACCOUNT=1000000 TICKETING_WRITES_PER_MINUTE=100000000 \
      TICKETING_PASSWORD_FAILURES_PER_ADDRESS=1000000 TICKETING_LOGIN_SLOWDOWN_AFTER=1000000 \
      TICKETING_ACCESS_TTL=6h TICKETING_LOG=warn "${DIR[$v]}/ticketing" serve > "$data/server.log" 2>&1 &
    PID[$v]=$!
  done
  # The seeding wrote a gigabyte of WAL: without a checkpoint now, PostgreSQL's next one (and its
  # full-page writes) lands in the first scenarios, on whichever binary runs then.
  [[ $DB == postgres ]] && psql "$BENCH_PG/postgres" -qc "CHECKPOINT" >/dev/null
  for v in old new; do
    for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:${PORT[$v]}/readyz" && break; sleep 0.1; done
    # shellcheck disable=SC1090
    source "${MANIFEST[$v]}"
    login() {
      curl -sf -X POST "http://127.0.0.1:${PORT[$v]}/api/v1/users/auth/login/" -H 'content-type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$BENCH_PASSWORD\"}" |
        python3 -c 'import sys, json; print(json.load(sys.stdin)["access"])'
    }
    TOKEN_STAFF[$v]=$(login "$BENCH_AGENT")
    TOKEN_CUSTOMER[$v]=$(login "$BENCH_CUSTOMER")
  done

  scenario() { # VERSION NAME
    local v=$1 name=$2 posts="" t q storm
    # shellcheck disable=SC1090
    source "${MANIFEST[$v]}"
    for t in $BENCH_POST_TICKETS; do posts+="/api/v1/tickets/$t/messages/ "; done
    q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$BENCH_SEARCH")
    unset BENCH_METHOD BENCH_BODY
    export BENCH_TOKEN="${TOKEN_STAFF[$v]}"
    local login_body="{\"username\":\"$BENCH_AGENT\",\"password\":\"$BENCH_PASSWORD\"}"
    case $name in
      dashboard) BENCH_PATHS="/api/v1/tickets/" measure "$v" "$name" "$C" "$T" ;;
      dashboard_deep) BENCH_PATHS="/api/v1/tickets/?cursor=$BENCH_DEEP_CURSOR" measure "$v" "$name" "$C" "$T" ;;
      customer_list) BENCH_TOKEN="${TOKEN_CUSTOMER[$v]}" \
        BENCH_PATHS="/api/v1/tickets/?status=open,in_progress,resolved" measure "$v" "$name" "$C" "$T" ;;
      detail) BENCH_PATHS="/api/v1/tickets/$BENCH_DETAIL_TICKET/" measure "$v" "$name" "$C" "$T" ;;
      search | search_pair) BENCH_PATHS="/api/v1/tickets/?q=$q" measure "$v" "$name" "$C" "$T" ;;
      search_rare | search_common)
        if [[ $name == search_rare ]]; then t=$BENCH_SEARCH_RARE; else t=$BENCH_SEARCH_COMMON; fi
        t=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$t")
        BENCH_PATHS="/api/v1/tickets/?q=$t" measure "$v" "$name" "$C" "$T" ;;
      list_alone) BENCH_PATHS="/api/v1/tickets/" measure "$v" "$name" 4 1 ;;
      list_during_login_storm)
        BENCH_TOKEN= BENCH_METHOD=POST BENCH_PATHS="/api/v1/users/auth/login/" BENCH_BODY="$login_body" \
          wrk -t1 -c"$C" -d"$((DURATION + 2))s" -s "$ROOT/bench/wrk.lua" \
          "http://127.0.0.1:${PORT[$v]}/api/v1/users/auth/login/" > /dev/null 2>&1 &
        storm=$!
        sleep 1
        BENCH_PATHS="/api/v1/tickets/" measure "$v" "$name" 4 1
        wait "$storm" || true ;;
      post_message) BENCH_METHOD=POST \
        BENCH_BODY='{"message":"Thanks, we are looking into it and will get back to you shortly."}' \
        BENCH_PATHS="$posts" measure "$v" "$name" "$C" "$T" ;;
      create_ticket) BENCH_TOKEN="${TOKEN_CUSTOMER[$v]}" BENCH_METHOD=POST BENCH_PATHS="/api/v1/tickets/" \
        BENCH_BODY='{"topic":"Printer on floor 2 out of toner","description":"The printer next to the kitchen says the toner is low and prints blank pages since this morning.","priority":"high"}' \
        measure "$v" "$name" "$C" "$T" ;;
      login) BENCH_TOKEN= BENCH_METHOD=POST BENCH_PATHS="/api/v1/users/auth/login/" BENCH_BODY="$login_body" \
        measure "$v" "$name" "$C" "$T" ;;
    esac
  }

  # Reads first, then writes (as bench/run.sh), each scenario's rounds back to back.
  for name in $SCENARIOS; do
    for r in $(seq 1 "$ROUNDS"); do
      if ((r % 2)); then order="old new"; else order="new old"; fi
      for v in $order; do scenario "$v" "$name"; done
    done
    log "$DB $name: $(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for v in ("old", "new"):
    print(v, [r.get("rps") for r in rows if r.get("scenario") == sys.argv[2] and r["version"] == v], end="  ")
' "$RESULTS" "$name")"
  done
  stop_all
  [[ $DB == postgres ]] && for v in old new; do
    psql "$BENCH_PG/postgres" -qc "DROP DATABASE IF EXISTS ticketing_compare_$v WITH (FORCE)" >/dev/null
  done

  python3 - "$RESULTS" "$DB" "$SIZE" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"\n### {sys.argv[2]}, {int(sys.argv[3]):,} tickets (req/s of each round; change of the medians)\n".replace(",", " "))
print("| scenario | old req/s | new req/s | change | old p99 ms (median) | new p99 ms (median) |")
print("|---|---:|---:|---:|---:|---:|")
names = list(dict.fromkeys(r["scenario"] for r in rows))
for n in names:
    got = {v: [r for r in rows if r["scenario"] == n and r["version"] == v] for v in ("old", "new")}
    med = {v: statistics.median(r["rps"] for r in got[v]) for v in got}
    p99 = {v: statistics.median(r["p99_us"] / 1000 for r in got[v]) for v in got}
    rounds = {v: " / ".join(f"{r['rps']:.0f}" for r in got[v]) for v in got}
    print(f"| {n} | {rounds['old']} | {rounds['new']} | {(med['new'] / med['old'] - 1) * 100:+.1f}% "
          f"| {p99['old']:.2f} | {p99['new']:.2f} |")
EOF
done
