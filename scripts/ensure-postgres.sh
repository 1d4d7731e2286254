#!/usr/bin/env bash
# Makes a PostgreSQL server available for the tests and prints its URL on stdout.
#   1. $TEST_DATABASE_URL when it is set and answers;
#   2. the local server on 127.0.0.1:5432 (user postgres, trust auth), started with pg_ctlcluster
#      when it is installed but stopped;
#   3. otherwise a throwaway cluster from the installed server binaries (initdb) under
#      $TICKETING_PG_DIR (default target/pg), on port 55432;
#   4. otherwise, as root on Debian, apt-get install postgresql, then 2.
# Fails loudly when none works: the PostgreSQL tests are mandatory.
set -euo pipefail

log() { printf 'ensure-postgres: %s\n' "$*" >&2; }
answers() { pg_isready -q -d "$1" 2>/dev/null || psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }

if [[ -n "${TEST_DATABASE_URL:-}" ]] && answers "$TEST_DATABASE_URL"; then
  echo "$TEST_DATABASE_URL"; exit 0
fi

local_url="postgres://postgres@127.0.0.1:5432/postgres"
if command -v psql >/dev/null && answers "$local_url"; then
  echo "$local_url"; exit 0
fi

if command -v pg_lsclusters >/dev/null && [[ -n "$(pg_lsclusters -h 2>/dev/null)" ]]; then
  read -r ver name _ < <(pg_lsclusters -h | head -n1)
  log "starting cluster $ver/$name"
  pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2 || true
  for _ in $(seq 1 30); do answers "$local_url" && { echo "$local_url"; exit 0; }; sleep 1; done
fi

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [[ -z "$pg_bin" && $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  log "installing PostgreSQL from apt"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  if [[ -n "$(pg_lsclusters -h 2>/dev/null)" ]]; then
    read -r ver name _ < <(pg_lsclusters -h | head -n1)
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2 || true
    for _ in $(seq 1 30); do
      # a fresh Debian cluster uses peer auth; trust local TCP for the postgres user
      su postgres -c "psql -Atqc \"alter user postgres password 'postgres'\"" >/dev/null 2>&1 || true
      url="postgres://postgres:postgres@127.0.0.1:5432/postgres"
      answers "$url" && { echo "$url"; exit 0; }
      sleep 1
    done
  fi
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
fi

if [[ -n "$pg_bin" ]]; then
  dir="${TICKETING_PG_DIR:-$(pwd)/target/pg}"
  port="${TICKETING_PG_PORT:-55432}"
  url="postgres://postgres@127.0.0.1:$port/postgres"
  if answers "$url"; then echo "$url"; exit 0; fi
  run_as=()
  if [[ $(id -u) -eq 0 ]]; then run_as=(runuser -u postgres --); mkdir -p "$dir"; chown postgres "$dir"; fi
  if [[ ! -f "$dir/PG_VERSION" ]]; then
    log "creating a throwaway cluster in $dir"
    "${run_as[@]}" "$pg_bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 >&2
  fi
  "${run_as[@]}" "$pg_bin/pg_ctl" -D "$dir" -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" -l "$dir/log" -w start >&2
  answers "$url" && { echo "$url"; exit 0; }
fi

log "no PostgreSQL available: install it (apt-get install postgresql) or set TEST_DATABASE_URL"
exit 1
