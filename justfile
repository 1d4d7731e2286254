# Developer tasks. `just` alone lists them. Install just with `cargo install just` or
# `pip install rust-just`. Cargo honours CARGO_TARGET_DIR from the environment as usual.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes
default:
    @just --list

# Dev server on SQLite (./data) at http://127.0.0.1:8080, refresh cookie without Secure for plain HTTP
run *ARGS:
    TICKETING_COOKIE_SECURE=false cargo run -p ticketing-server -- {{ ARGS }}

# Every test: Rust (SQLite and PostgreSQL), doctests, migration check, reliability, getting started, browser tests
test:
    scripts/test-all.sh

# rustfmt check and clippy with warnings as errors
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Format the code
fmt:
    cargo fmt --all

# Browser end-to-end tests of the web UI (headless Chromium)
e2e:
    e2e/run.sh

# Load benchmarks (wrk, pgbench, 10 000 event streams) at 1k/100k/1M tickets on SQLite and PostgreSQL, the replica check behind nginx, criterion micro-benchmarks; regenerates docs/benchmarks
bench:
    bench/run.sh

# Old binary against new on the same machine, scenario by scenario, interleaved (OLD and NEW: folders with ticketing and ticketing-seed)
bench-compare OLD NEW:
    bench/compare.sh {{ OLD }} {{ NEW }}

# Regenerate docs/openapi.json from the code
openapi:
    cargo run -q -p ticketing-server -- openapi > docs/openapi.json

# A local PostgreSQL (the one on 127.0.0.1:5432, else a throwaway cluster) with a `ticketing_dev` database (created if missing); prints its URL
db-up:
    #!/usr/bin/env bash
    set -euo pipefail
    server=$(bash scripts/ensure-postgres.sh)
    base=${server%/*}
    psql "$server" -qAtc "select 1 from pg_database where datname = 'ticketing_dev'" | grep -q 1 \
      || psql "$server" -qc "create database ticketing_dev"
    echo "$base/ticketing_dev"
    echo "run the server on it with: DATABASE_URL=$base/ticketing_dev just run" >&2

# Drop the `ticketing_dev` database of db-up
db-down:
    #!/usr/bin/env bash
    set -euo pipefail
    server=$(bash scripts/ensure-postgres.sh)
    psql "$server" -qc "drop database if exists ticketing_dev with (force)"
    echo "dropped ticketing_dev" >&2

# Container image (needs a Docker engine with BuildKit)
docker:
    DOCKER_BUILDKIT=1 docker build -f deploy/Dockerfile -t ticketing .

# Check the README's getting-started path from a fresh clone of HEAD
getting-started:
    scripts/getting-started-check.sh
