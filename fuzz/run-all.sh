#!/usr/bin/env bash
# Runs every fuzz target for FUZZ_SECONDS (default 300) one after the other and prints, per
# target, the executions libFuzzer reports and the time. Stable toolchain: `-s none` (no
# sanitizer; the targets are safe Rust, a panic is the finding). Not part of CI.
#
#   fuzz/run-all.sh                 # every target, 5 minutes each
#   FUZZ_SECONDS=60 fuzz/run-all.sh cursor user_cursor
#
# Waits while a benchmark (`wrk`) runs on the machine, so as not to disturb its figures.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/root/.cache/ticketing-target}"
seconds="${FUZZ_SECONDS:-300}"
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || mapfile -t targets < <(cargo fuzz list)
cargo fuzz build -s none >/dev/null 2>&1 || RUSTC_BOOTSTRAP=1 cargo fuzz build -s none
mkdir -p logs
printf '%-14s %14s %8s %s\n' target executions seconds result
for t in "${targets[@]}"; do
  while pgrep -x wrk >/dev/null; do sleep 30; done
  rc=0
  cargo fuzz run "$t" -s none -- -max_total_time="$seconds" -max_len=4096 \
    -print_final_stats=1 >"logs/$t.log" 2>&1 || rc=$?
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "logs/$t.log" | grep -oE '[0-9]+$' || echo "?")
  took=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "logs/$t.log" | grep -oE 'in [0-9]+' | grep -oE '[0-9]+' || echo "$seconds")
  result=$([[ $rc -eq 0 ]] && echo clean || echo "FAILED (see fuzz/logs/$t.log, fuzz/artifacts/$t)")
  printf '%-14s %14s %8s %s\n' "$t" "$runs" "$took" "$result"
done
