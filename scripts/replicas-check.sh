#!/usr/bin/env bash
# The replica check (issue 19): two `ticketing serve` processes on one PostgreSQL database
# reached through PgBouncer in transaction pooling mode, attachments in an S3-compatible store
# (moto), and nginx balancing round-robin without stickiness (deploy/nginx/ticketing.conf, ports
# substituted). Through the balancer with curl: register, log in, refresh, create, reply; then
# upload on one replica and download on the other, deactivate a user and see the next request
# refused on both, a live event stream on one replica receive a change made on the other, the
# login limit counted once across both; finally stop one replica under load and count the
# errors (only requests in flight may fail). Prints the figures; exits non-zero on any broken
# step. Called by scripts/test-all.sh, and by the benchmark (bench/run.sh) with the release binary.
#
#   bash scripts/replicas-check.sh                 # builds the debug binary when needed
#   TICKETING_BIN=path/to/ticketing bash scripts/replicas-check.sh
#   REPLICAS_RESULT=file.json bash scripts/replicas-check.sh   # also writes the figures as JSON
#
# Needs nginx and pgbouncer (Debian packages: installed with apt-get when missing and root),
# PostgreSQL (scripts/ensure-postgres.sh), moto (scripts/ensure-moto.sh), curl, jq, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
step() { printf '\n==> replicas: %s\n' "$*"; }
fail() {
  printf '\nreplicas-check: FAILED: %s\n' "$*" >&2
  printf 'logs kept in %s\n' "$work" >&2
  keep=1
  exit 1
}

work=$(mktemp -d -t replicas.XXXXXX)
chmod 755 "$work"
keep=0
pids=()
db=""
admin_url=""
cleanup() {
  local status=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ -n "$db" && -n "$admin_url" ]]; then
    psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [[ $status -ne 0 || $keep -eq 1 ]]; then
    for log in "$work"/*.log "$work"/nginx/*.log; do
      [[ -s "$log" ]] || continue
      printf -- '--- %s (last lines)\n' "$log" >&2
      tail -n 15 "$log" >&2
    done
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() { # PORT WHAT
  for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  fail "$2 did not open port $1"
}
wait_ready() { # URL WHAT
  for _ in $(seq 1 150); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "$1/readyz")" == 200 ]] && return 0
    sleep 0.1
  done
  fail "$2 is not ready ($1/readyz)"
}

# --- tools -------------------------------------------------------------------------------------
step "tools: nginx, pgbouncer (Debian), curl, jq"
find_tool() { command -v "$1" 2>/dev/null || { [[ -x "/usr/sbin/$1" ]] && echo "/usr/sbin/$1"; } || true; }
missing=()
for tool in nginx pgbouncer curl jq; do
  [[ -n "$(find_tool "$tool")" ]] || missing+=("$tool")
done
if ((${#missing[@]})); then
  [[ $(id -u) -eq 0 ]] || fail "missing ${missing[*]} (apt-get install ${missing[*]})"
  echo "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
nginx_bin=$(find_tool nginx)
pgbouncer_bin=$(find_tool pgbouncer)
[[ -n "$nginx_bin" && -n "$pgbouncer_bin" ]] || fail "nginx or pgbouncer is still missing"
"$pgbouncer_bin" --version | head -n1
"$nginx_bin" -v 2>&1

bin="${TICKETING_BIN:-}"
if [[ -z "$bin" ]]; then
  step "building the server (debug)"
  cargo build -q -p ticketing-server
  bin="${CARGO_TARGET_DIR:-target}/debug/ticketing"
fi
[[ -x "$bin" ]] || fail "no server binary at $bin"

# --- PostgreSQL and PgBouncer -------------------------------------------------------------------
step "PostgreSQL (a fresh database) behind PgBouncer in transaction pooling mode"
admin_url=$(bash scripts/ensure-postgres.sh)
db="ticketing_replicas_$$_$RANDOM"
psql "$admin_url" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db" >/dev/null
# user, password, host, port of the server, and the direct URL of the new database
read -r pg_user pg_password pg_host pg_port direct_url < <(python3 - "$admin_url" "$db" <<'PY'
import sys, urllib.parse as u
url, db = sys.argv[1], sys.argv[2]
p = u.urlsplit(url)
user = u.unquote(p.username or "postgres")
password = u.unquote(p.password or "")
host = p.hostname or "127.0.0.1"
port = p.port or 5432
direct = p._replace(path="/" + db).geturl()
print(user, password or "-", host, port, direct)
PY
)
[[ "$pg_password" == "-" ]] && pg_password=""
pgb_port=$(free_port)
printf '"%s" "%s"\n' "$pg_user" "$pg_password" >"$work/userlist.txt"
cat >"$work/pgbouncer.ini" <<EOF
[databases]
$db = host=$pg_host port=$pg_port dbname=$db

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $pgb_port
unix_socket_dir =
auth_type = trust
auth_file = $work/userlist.txt
pool_mode = transaction
default_pool_size = 6
max_client_conn = 200
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
EOF
chmod 644 "$work/userlist.txt" "$work/pgbouncer.ini"
pgb_user=()
[[ $(id -u) -eq 0 ]] && pgb_user=(-u nobody) # PgBouncer refuses to run as root
"$pgbouncer_bin" "${pgb_user[@]}" "$work/pgbouncer.ini" >"$work/pgbouncer.log" 2>&1 &
pids+=($!)
wait_port "$pgb_port" PgBouncer
pooled_url="postgres://$(python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' "$pg_user")"
[[ -n "$pg_password" ]] && pooled_url+=":$(python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' "$pg_password")"
pooled_url+="@127.0.0.1:$pgb_port/$db"
[[ "$(psql "$pooled_url" -Atqc 'select 1')" == 1 ]] || fail "PgBouncer does not pass queries"
echo "PgBouncer on 127.0.0.1:$pgb_port (transaction mode) -> $pg_host:$pg_port/$db"

# --- moto (S3) ---------------------------------------------------------------------------------
step "S3-compatible store (moto)"
moto_server=$(bash scripts/ensure-moto.sh)
moto_port=$(free_port)
"$moto_server" -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
pids+=($!)
wait_port "$moto_port" moto
[[ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT "http://127.0.0.1:$moto_port/replicas")" == 200 ]] ||
  fail "cannot create the bucket on moto"

# --- two replicas ------------------------------------------------------------------------------
step "two replicas (ticketing serve) on the pooled URL, S3 attachments, own data directories"
port_a=$(free_port)
port_b=$(free_port)
replica_env=(
  DATABASE_URL="$pooled_url"
  TICKETING_DB_DIRECT_URL="$direct_url"
  TICKETING_DB_PREPARED_STATEMENTS=false
  TICKETING_DB_POOL_SIZE=4
  TICKETING_JWT_SECRET="replicas-check-secret-0123456789abcdef0123456789abcdef"
  TICKETING_ATTACHMENTS_URL="s3://replicas/attachments"
  AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port"
  AWS_ALLOW_HTTP=true
  AWS_REGION=us-east-1
  AWS_ACCESS_KEY_ID=testing
  AWS_SECRET_ACCESS_KEY=testing
  TICKETING_COOKIE_SECURE=false
  TICKETING_TRUST_FORWARDED_FOR=true
  TICKETING_RATE_LIMIT_PER_MINUTE=100000
  TICKETING_WRITES_PER_MINUTE=100000
  TICKETING_LOGIN_FAILURES_PER_ACCOUNT=4
  TICKETING_SHUTDOWN_TIMEOUT_SECS=5
  TICKETING_WORKERS=2
  TICKETING_LOG=warn
  # Far longer than the check: only the change feed (LISTEN/NOTIFY) can make a replica see a
  # deactivation made through the other.
  TICKETING_USER_CACHE_MS=600000
)
serve() { # NAME PORT
  mkdir -p "$work/$1"
  env "${replica_env[@]}" TICKETING_DATA_DIR="$work/$1" TICKETING_BIND="127.0.0.1:$2" \
    "$bin" serve >"$work/replica-$1.log" 2>&1 &
  pids+=($!)
}
# Started together: the migration lock (on the direct URL) lets one of them migrate.
serve a "$port_a"
pid_a=${pids[-1]}
serve b "$port_b"
pid_b=${pids[-1]}
A="http://127.0.0.1:$port_a"
B="http://127.0.0.1:$port_b"
wait_ready "$A" "replica A"
wait_ready "$B" "replica B"
echo "replica A on $A (pid $pid_a), replica B on $B (pid $pid_b)"

# --- nginx -------------------------------------------------------------------------------------
step "nginx: round-robin over both replicas (deploy/nginx/ticketing.conf)"
lb_port=$(free_port)
mkdir -p "$work/nginx/tmp"
chmod -R 777 "$work/nginx"
sed -e "s/127\.0\.0\.1:8081/127.0.0.1:$port_a/" \
    -e "s/127\.0\.0\.1:8082/127.0.0.1:$port_b/" \
    -e "s/listen 80;/listen 127.0.0.1:$lb_port;/" \
    deploy/nginx/ticketing.conf >"$work/nginx/ticketing.conf"
grep -q "127.0.0.1:$port_a" "$work/nginx/ticketing.conf" && grep -q "127.0.0.1:$port_b" "$work/nginx/ticketing.conf" &&
  grep -q "listen 127.0.0.1:$lb_port;" "$work/nginx/ticketing.conf" || fail "deploy/nginx/ticketing.conf lost its placeholders"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
    log_format upstream '\$status \$upstream_addr \$upstream_status \$request_method \$uri';
    access_log $work/nginx/access.log upstream;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    include $work/nginx/ticketing.conf;
}
EOF
"$nginx_bin" -t -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" >"$work/nginx/check.log" 2>&1 ||
  { cat "$work/nginx/check.log" >&2; fail "nginx refuses the configuration"; }
"$nginx_bin" -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" >"$work/nginx/stderr.log" 2>&1 &
pids+=($!)
wait_port "$lb_port" nginx
LB="http://127.0.0.1:$lb_port"
echo "balancer on $LB"

# --- requests ----------------------------------------------------------------------------------
# call METHOD URL EXPECTED_STATUS [curl args...]: the body on stdout; fails on another status.
call() {
  local method=$1 url=$2 want=$3
  shift 3
  local out status
  out=$(mktemp -p "$work")
  status=$(curl -s -o "$out" -w '%{http_code}' -X "$method" "$@" "$url") || status="curl-error"
  if [[ "$status" != "$want" ]]; then
    printf 'body: %s\n' "$(head -c 600 "$out")" >&2
    fail "$method $url answered $status, expected $want"
  fi
  cat "$out"
  rm -f "$out"
}
json() { call "$1" "$2" "$3" -H 'Content-Type: application/json' --data "$4" "${@:5}"; }
bearer() { printf 'Authorization: Bearer %s' "$1"; }
password="correct horse battery staple"

step "through the balancer: register, log in, refresh, create, reply"
jar="$work/cookies.txt"
reg=$(json POST "$LB/api/v1/users/auth/register/" 201 \
  "{\"email\":\"carol@example.com\",\"username\":\"carol\",\"password\":\"$password\",\"password_confirmation\":\"$password\",\"first_name\":\"Carol\",\"last_name\":\"Test\"}")
carol_id=$(jq -r .user.id <<<"$reg")
login=$(json POST "$LB/api/v1/users/auth/login/" 200 "{\"username\":\"carol\",\"password\":\"$password\"}" -c "$jar")
carol=$(jq -r .access <<<"$login")
refreshed=$(call POST "$LB/api/v1/users/auth/refresh/" 200 --data "" -b "$jar" -c "$jar")
carol=$(jq -r .access <<<"$refreshed")
[[ -n "$carol" && "$carol" != null ]] || fail "refresh gave no access token"
# A second refresh with the rotated cookie, on whichever replica: the rotation is in the database.
carol=$(call POST "$LB/api/v1/users/auth/refresh/" 200 --data "" -b "$jar" -c "$jar" | jq -r .access)
ticket=$(json POST "$LB/api/v1/tickets/" 201 '{"topic":"Printer on fire","description":"Third floor"}' -H "$(bearer "$carol")")
ticket_id=$(jq -r .id <<<"$ticket")
json POST "$LB/api/v1/tickets/$ticket_id/messages/" 201 '{"message":"Still burning"}' -H "$(bearer "$carol")" >/dev/null
for _ in 1 2 3 4; do
  detail=$(call GET "$LB/api/v1/tickets/$ticket_id/" 200 -H "$(bearer "$carol")")
  grep -q "Still burning" <<<"$detail" || fail "a replica does not show the reply"
done
served_a=$(grep -c "127.0.0.1:$port_a\b" "$work/nginx/access.log" || true)
served_b=$(grep -c "127.0.0.1:$port_b\b" "$work/nginx/access.log" || true)
echo "requests through the balancer so far: A $served_a, B $served_b"
((served_a > 0 && served_b > 0)) || fail "the balancer did not use both replicas"

step "upload on A, download on B (object storage)"
head -c 300000 /dev/urandom >"$work/upload.bin"
up=$(call POST "$A/api/v1/tickets/$ticket_id/attachments/" 201 -H "$(bearer "$carol")" \
  -F "file=@$work/upload.bin;filename=dump.bin;type=application/octet-stream")
file_url=$(jq -r .file_url <<<"$up")
curl -s -f -o "$work/download.bin" "$B$file_url" || fail "B cannot serve the file uploaded on A"
cmp -s "$work/upload.bin" "$work/download.bin" || fail "the file downloaded from B differs from the upload on A"
echo "300000 bytes uploaded on A, the same bytes downloaded from B"

step "an admin (made with the CLI, through PgBouncer too)"
printf '%s\n' "$password" | env "${replica_env[@]}" TICKETING_DATA_DIR="$work/cli" "$bin" user create \
  --username root --email root@example.com --role admin --password-stdin >"$work/cli.log" 2>&1 ||
  fail "ticketing user create failed"
root=$(json POST "$LB/api/v1/users/auth/login/" 200 "{\"username\":\"root\",\"password\":\"$password\"}" | jq -r .access)

step "a live event stream on B receives a change made through A"
events="$work/events.txt"
curl -s -N -H "$(bearer "$root")" -H 'Accept: text/event-stream' "$B/api/v1/events/" >"$events" 2>/dev/null &
stream_pid=$!
pids+=($stream_pid)
sleep 0.5
sent_at=$(date +%s%N)
made=$(json POST "$A/api/v1/tickets/" 201 '{"topic":"Made on A","description":"Seen on B?"}' -H "$(bearer "$carol")")
made_id=$(jq -r .id <<<"$made")
received=0
for _ in $(seq 1 100); do
  if grep -q "$made_id" "$events"; then received=1; break; fi
  sleep 0.05
done
latency_ms=$((($(date +%s%N) - sent_at) / 1000000))
kill "$stream_pid" 2>/dev/null || true
((received)) || { head -c 800 "$events" >&2; fail "the event stream on B did not receive the ticket created on A"; }
grep -q "event: ticket.created" "$events" || fail "no ticket.created event on B"
echo "ticket.created of a ticket made on A arrived on B's stream within ${latency_ms} ms (polled every 50 ms)"

step "deactivate a user through A: the next request is refused on both replicas"
dave=$(json POST "$LB/api/v1/users/auth/register/" 201 \
  "{\"email\":\"dave@example.com\",\"username\":\"dave\",\"password\":\"$password\",\"password_confirmation\":\"$password\",\"first_name\":\"Dave\",\"last_name\":\"Test\"}")
dave_id=$(jq -r .user.id <<<"$dave")
dave_token=$(jq -r .access <<<"$dave")
for replica in "$A" "$B" "$A" "$B"; do # both replicas have dave in their user cache now
  call GET "$replica/api/v1/users/profile/" 200 -H "$(bearer "$dave_token")" >/dev/null
done
json PATCH "$A/api/v1/users/$dave_id/" 200 '{"is_active":false}' -H "$(bearer "$root")" >/dev/null
call GET "$B/api/v1/users/profile/" 401 -H "$(bearer "$dave_token")" >/dev/null
call GET "$A/api/v1/users/profile/" 401 -H "$(bearer "$dave_token")" >/dev/null
echo "refused on B and on A right after the deactivation on A"

step "the login limit is counted once across both replicas (4 failures per account)"
json POST "$LB/api/v1/users/auth/register/" 201 \
  "{\"email\":\"erin@example.com\",\"username\":\"erin\",\"password\":\"$password\",\"password_confirmation\":\"$password\",\"first_name\":\"Erin\",\"last_name\":\"Test\"}" >/dev/null
for replica in "$A" "$B" "$A" "$B"; do
  json POST "$replica/api/v1/users/auth/login/" 401 '{"username":"erin","password":"wrong password!"}' >/dev/null
done
json POST "$A/api/v1/users/auth/login/" 429 "{\"username\":\"erin\",\"password\":\"$password\"}" >/dev/null
json POST "$B/api/v1/users/auth/login/" 429 "{\"username\":\"erin\",\"password\":\"$password\"}" >/dev/null
echo "2 failures on A + 2 on B: the 5th attempt is refused on both (each replica alone saw 2)"

parallel=8 # requests in flight at once: the most that may fail while B stops
step "stop replica B under load (GET /api/v1/tickets/ through the balancer, $parallel in parallel)"
total=1600
urls="$work/load.cfg"
for _ in $(seq 1 "$total"); do
  printf 'url = "%s/api/v1/tickets/"\noutput = "/dev/null"\n' "$LB"
done >"$urls"
codes="$work/codes.txt"
: >"$codes"
# curl's output is buffered: count what nginx logged (a line per request, as it ends).
logged_before=$(wc -l <"$work/nginx/access.log")
load_started=$(date +%s%N)
curl -s --no-progress-meter --parallel --parallel-max "$parallel" -K "$urls" -H "$(bearer "$carol")" -w "%{http_code}\n" >"$codes" 2>"$work/load.err" &
load_pid=$!
# SIGTERM to B once a third of the requests have ended (nginx logs each as it ends), so that B
# stops in the middle of the load whatever the binary's speed (a release build served all
# 1,600 within the 1.5 s this once waited).
for _ in $(seq 1 1000); do
  (($(wc -l <"$work/nginx/access.log") - logged_before >= total / 3)) && break
  sleep 0.01
done
done_before_stop=$(($(wc -l <"$work/nginx/access.log") - logged_before))
((done_before_stop < total)) || fail "the load ended before replica B was stopped"
kill -TERM "$pid_b"
stop_sent=$(date +%s%N)
wait "$load_pid" || true
load_ms=$((($(date +%s%N) - load_started) / 1000000))
for _ in $(seq 1 100); do kill -0 "$pid_b" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid_b" 2>/dev/null && fail "replica B did not stop after SIGTERM"
stopped_ms=$((($(date +%s%N) - stop_sent) / 1000000))
answered=$(wc -l <"$codes")
ok=$(grep -c '^200$' "$codes" || true)
errors=$((total - ok))
rps=$((answered * 1000 / (load_ms > 0 ? load_ms : 1)))
echo "requests: $total sent, $answered answered, $ok OK, $errors failed; SIGTERM to B after $done_before_stop of them"
echo "throughput through the balancer: $rps req/s ($bin, $parallel in parallel, $load_ms ms)"
echo "replica B exited ${stopped_ms} ms after SIGTERM"
if ((errors > 0)); then
  sort "$codes" | uniq -c >&2
fi
((answered == total)) || fail "$((total - answered)) requests got no answer"
((errors <= parallel)) || fail "$errors requests failed while B stopped: more than the $parallel that can be in flight"
# Still served by A alone.
call GET "$LB/api/v1/tickets/$ticket_id/" 200 -H "$(bearer "$carol")" >/dev/null

elapsed=$(($(date +%s) - started))
step "figures"
lb_requests=$(wc -l <"$work/nginx/access.log")
lb_a=$(grep -c "127.0.0.1:$port_a\b" "$work/nginx/access.log" || true)
lb_b=$(grep -c "127.0.0.1:$port_b\b" "$work/nginx/access.log" || true)
lb_retried=$(grep -c ', ' "$work/nginx/access.log" || true)
printf '%-58s %s\n' \
  "balancer requests (all, from nginx's log):" "$lb_requests" \
  "  of which served by A / B:" "$lb_a / $lb_b" \
  "  of which retried on the other replica by nginx:" "$lb_retried" \
  "event from A seen on B's stream within:" "${latency_ms} ms" \
  "load while stopping B (requests / failed):" "$total / $errors" \
  "load throughput ($bin):" "$rps req/s" \
  "replica check duration:" "${elapsed} s"
# The same figures as one JSON object, for the benchmark report (bench/run.sh, `replicas`).
if [[ -n "${REPLICAS_RESULT:-}" ]]; then
  jq -nc --arg binary "$bin" \
    --argjson requests "$lb_requests" --argjson served_a "$lb_a" --argjson served_b "$lb_b" \
    --argjson retried "$lb_retried" --argjson event_ms "$latency_ms" \
    --argjson load_requests "$total" --argjson load_failed "$errors" --argjson parallel "$parallel" \
    --argjson load_before_stop "$done_before_stop" --argjson load_rps "$rps" \
    --argjson stopped_ms "$stopped_ms" --argjson duration_s "$elapsed" \
    '{scenario: "replicas", binary: $binary, requests: $requests, served_a: $served_a,
      served_b: $served_b, retried: $retried, event_ms: $event_ms,
      load_requests: $load_requests, load_failed: $load_failed, parallel: $parallel,
      load_before_stop: $load_before_stop, load_rps: $load_rps, stopped_ms: $stopped_ms,
      duration_s: $duration_s}' >"$REPLICAS_RESULT"
fi
((elapsed < 180)) || fail "the replica check took ${elapsed} s (limit 180 s)"
echo "replicas-check: all steps passed"
