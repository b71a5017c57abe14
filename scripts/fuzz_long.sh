#!/usr/bin/env bash
# Long fuzzing runs: each target of tests/fuzz.rs in its own process, two
# at a time, N inputs each (default 10,000,000), in the optimized `fuzz`
# profile (overflow checks and debug assertions on). Prints one line per
# target: inputs, seconds, and whether it panicked (a panicking input is
# saved in fuzz-crashes/).
# Usage: scripts/fuzz_long.sh [N] [target …]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000000}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(encoding_sniffer rule_file_loader pipeline_loader xlsx_reader csv_reader normalizers)
cargo test --profile fuzz --test fuzz --no-run 2>/dev/null
bin=$(ls -t "${CARGO_TARGET_DIR:-target}"/fuzz/deps/fuzz-* | grep -v '\.d$' | head -1)
run() {
  local t=$1
  FUZZ_ITERATIONS=$n "$bin" --exact "fuzz_$t" --nocapture 2>&1 | grep -E "^fuzz |panicked|test result" | tr '\n' ' '
  echo
}
export -f run
export n bin
printf '%s\n' "${targets[@]}" | xargs -P 2 -I{} bash -c 'run {}'
