#!/usr/bin/env bash
# Checks the README's getting-started path from a clean clone of this repository's HEAD:
#   1. clone HEAD (uncommitted changes are not part of it: that is the point);
#   2. build it: `cargo build --release -p ticketing-server` (the build behind
#      `cargo run --release -p ticketing-server`), into $CARGO_TARGET_DIR;
#   3. start the server from the clone with `cargo run --release -p ticketing-server` on a free
#      port (`--bind 127.0.0.1:0`, the port read from the log), with an empty HOME and TMPDIR;
#   4. create the first admin with the README's exact command;
#   5. with curl: the web UI, /healthz, /readyz, login, create a ticket, list it, register a
#      customer who does not see it;
#   6. stop the server with SIGTERM (it must exit 0) and check that the clone holds nothing new
#      but ./data (database, JWT secret, attachments) and that HOME and TMPDIR stayed empty.
# The build must not change the clone either (a Cargo.lock of HEAD that is out of date with the
# manifests would be rewritten, and `cargo build --locked` in deploy/Dockerfile would fail).
# Exits non-zero on any failure.
#
#   scripts/getting-started-check.sh
#   CARGO_TARGET_DIR=/root/.cache/ticketing-target scripts/getting-started-check.sh
#   GETTING_STARTED_FRESH=1 scripts/getting-started-check.sh   # brand-new clone directory
#
# By default the clone lives in $CARGO_TARGET_DIR/getting-started/ticketing and is brought to
# HEAD with `git fetch` + `git reset --hard` + `git clean -ffdx`: the same content as a fresh
# clone, but files that did not change keep their timestamps, so cargo rebuilds only what
# changed. GETTING_STARTED_FRESH=1 clones into a new temporary directory instead (every
# workspace crate is then rebuilt in release mode: minutes).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_TERM_COLOR=never
# The server runs with HOME and TMPDIR pointing at empty directories; keep cargo's own homes.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"

step() { printf '==> %s\n' "$*"; }
fail() {
  printf 'getting-started-check: FAILED: %s\n' "$*" >&2
  if [[ -n "${log:-}" && -s "$log" ]]; then
    echo '--- server log (last 30 lines) ---' >&2
    tail -n 30 "$log" >&2
  fi
  exit 1
}

for tool in git cargo curl; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done

started=$(date +%s)
work="$(mktemp -d "${TMPDIR:-/tmp}/ticketing-gs.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# 1. The clone.
if [[ "${GETTING_STARTED_FRESH:-0}" == "1" ]]; then
  clone="$work/ticketing"
  step "fresh clone of $(git -C "$root" rev-parse --short HEAD) into $clone"
  git clone --quiet --no-hardlinks "$root" "$clone"
else
  clone="$CARGO_TARGET_DIR/getting-started/ticketing"
  step "clone of $(git -C "$root" rev-parse --short HEAD) in $clone (reset to HEAD, cleaned)"
  if [[ ! -d "$clone/.git" ]]; then
    mkdir -p "$(dirname "$clone")"
    git clone --quiet --no-hardlinks "$root" "$clone"
  fi
  git -C "$clone" fetch --quiet "$root" HEAD
  git -C "$clone" reset --quiet --hard FETCH_HEAD
  git -C "$clone" clean --quiet -ffdx
fi
[[ "$(git -C "$clone" rev-parse HEAD)" == "$(git -C "$root" rev-parse HEAD)" ]] \
  || fail "the clone is not at HEAD"
[[ -z "$(git -C "$clone" status --porcelain --ignored)" ]] || fail "the clone is not clean"

# 2. The build (what `cargo run --release` does first).
step "cargo build --release -p ticketing-server (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
(cd "$clone" && cargo build --release -p ticketing-server) || fail "the release build failed"
changed=$(git -C "$clone" status --porcelain --untracked-files=all)
[[ -z "$changed" ]] || fail "the build changed the clone (is HEAD's Cargo.lock out of date?): $changed"

# 3. The server, from the clone directory, as the README runs it (on a free port).
mkdir -p "$work/home" "$work/tmp"
log="$work/server.log"
step "cargo run --release -p ticketing-server -- --bind 127.0.0.1:0"
(
  cd "$clone"
  exec env HOME="$work/home" TMPDIR="$work/tmp" TICKETING_LOG_FORMAT=json \
    cargo run -q --release -p ticketing-server -- --bind 127.0.0.1:0
) >"$log" 2>&1 &
server_pid=$!

port=""
for _ in $(seq 1 600); do
  port=$(grep -o '"port":[0-9]*' "$log" 2>/dev/null | head -n1 | cut -d: -f2 || true)
  [[ -n "$port" ]] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited during start-up"
  sleep 0.1
done
[[ -n "$port" ]] || fail "the server did not report its port within 60 s"
base="http://127.0.0.1:$port"
echo "    listening on $base"

# Runs curl, prints the body; the status code goes to $work/status, headers to $work/headers.
http() {
  curl -sS --max-time 30 -o "$work/body" -D "$work/headers" -w '%{http_code}' "$@" >"$work/status" \
    || fail "curl $* failed"
  cat "$work/body"
}
expect_status() {
  local got
  got=$(cat "$work/status")
  [[ "$got" == "$1" ]] || fail "$2: expected HTTP $1, got $got: $(cat "$work/body")"
}
json_field() { # json_field NAME: the first string value of "NAME" in $work/body
  { grep -o "\"$1\":\"[^\"]*\"" "$work/body" || true; } | head -n1 | cut -d'"' -f4
}
header() { # header NAME: its value in $work/headers
  grep -i "^$1:" "$work/headers" | head -n1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'
}

step "GET /healthz, /readyz and the web UI"
http "$base/healthz" >/dev/null; expect_status 200 "/healthz"
http "$base/readyz" >/dev/null; expect_status 200 "/readyz"
http "$base/" | grep -q '<title>Helpdesk</title>' || fail "GET / is not the web UI"
expect_status 200 "GET /"

# 4. The first admin, with the README's command.
step "the first admin: ... | cargo run --release -p ticketing-server -- user create --role admin ..."
created=$(
  cd "$clone"
  printf '%s\n' 'a-strong-passphrase' | env HOME="$work/home" TMPDIR="$work/tmp" \
    cargo run -q --release -p ticketing-server -- user create \
    --username admin --email admin@example.com --role admin --password-stdin 2>"$work/create.err"
) || fail "user create failed: $(cat "$work/create.err")"
echo "    $created"
[[ "$created" == "created admin (admin) with id "* ]] || fail "unexpected user create output: $created"

# 5. The API with curl.
step "POST /api/v1/users/auth/login/"
http -X POST "$base/api/v1/users/auth/login/" -H 'Content-Type: application/json' \
  -d '{"username": "admin", "password": "a-strong-passphrase"}' >/dev/null
expect_status 200 "login"
token=$(json_field access)
[[ -n "$token" ]] || fail "login answered no access token"
[[ "$(json_field role)" == "admin" ]] || fail "the logged-in user is not an admin: $(cat "$work/body")"
grep -q '"is_staff":true' "$work/body" || fail "the admin is not staff"
header set-cookie | grep -q '^refresh_token=.*HttpOnly' || fail "no HttpOnly refresh_token cookie"

step "POST /api/v1/tickets/"
http -X POST "$base/api/v1/tickets/" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' \
  -d '{"topic": "Printer on fire", "description": "Smoke from tray 2.", "priority": "high"}' >/dev/null
expect_status 201 "create ticket"
ticket=$(json_field id)
[[ "$(json_field status)" == "open" ]] || fail "the new ticket is not open"
[[ "$(json_field priority)" == "high" ]] || fail "the new ticket's priority is not high"
[[ "$(header etag)" == '"1"' ]] || fail "ETag of a new ticket is not \"1\": $(header etag)"
[[ "$(header location)" == "/api/v1/tickets/$ticket/" ]] || fail "Location: $(header location)"

step "GET /api/v1/tickets/"
http "$base/api/v1/tickets/" -H "Authorization: Bearer $token" >/dev/null
expect_status 200 "list tickets"
[[ "$(header x-total-count)" == "1" ]] || fail "X-Total-Count is not 1: $(header x-total-count)"
grep -q "\"id\":\"$ticket\"" "$work/body" || fail "the list lacks the new ticket"

step "POST /api/v1/users/auth/register/ (a customer sees none of the admin's tickets)"
http -X POST "$base/api/v1/users/auth/register/" -H 'Content-Type: application/json' \
  -d '{"email": "ann@example.com", "password": "correct horse battery", "first_name": "Ann"}' >/dev/null
expect_status 201 "register"
[[ "$(json_field role)" == "customer" ]] || fail "a registered user is not a customer"
customer=$(json_field access)
http "$base/api/v1/tickets/" -H "Authorization: Bearer $customer" >/dev/null
expect_status 200 "customer list"
[[ "$(header x-total-count)" == "0" ]] || fail "a customer sees others' tickets"
http "$base/api/v1/tickets/$ticket/" -H "Authorization: Bearer $customer" >/dev/null
expect_status 404 "customer reads another's ticket"
grep -q '"code":"not_found"' "$work/body" || fail "the 404 is not problem+json with code not_found"

# 6. Stop, and look at what was written.
step "SIGTERM: graceful stop"
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
[[ "$status" == "0" ]] || fail "the server exited with status $status after SIGTERM"

step "nothing written outside ./data"
extra=$(git -C "$clone" status --porcelain --ignored --untracked-files=all | grep -v '^!! data/' || true)
[[ -z "$extra" ]] || fail "files outside ./data: $extra"
for f in data/ticketing.db data/jwt-secret data/attachments/files; do
  [[ -e "$clone/$f" ]] || fail "$f is missing"
done
[[ -z "$(find "$work/home" "$work/tmp" -mindepth 1 -print -quit)" ]] \
  || fail "the server wrote to HOME or TMPDIR: $(find "$work/home" "$work/tmp" -mindepth 1)"
rm -rf "$clone/data"

echo "getting-started check passed in $(($(date +%s) - started)) s"
