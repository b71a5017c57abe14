#!/usr/bin/env bash
# Reproducible benchmark of `tidyrec normalize` on a synthetic messy export.
#
#   benches/normalize.sh [ROWS] [SEED]      (default 1000000 rows, seed 42)
#
# Builds release binaries, generates ROWS rows × 20 columns of mixed-locale
# CRM data with tidyrec-gen (pinned seed: same file every run), then times
# `tidyrec normalize` with 2 threads and 1 thread, checks that both outputs
# are byte-identical, and prints rows/s and peak memory. If the Python
# `phonenumbers` package is installed, also reports accuracy against
# libphonenumber and the generator's truth (scripts/accuracy.py) on a 100k
# sample.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
seed="${2:-42}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tidyrec-target}"
cargo build --release --bins --quiet
bin="$CARGO_TARGET_DIR/release"
data="bench-data"
mkdir -p "$data"
export_csv="$data/export-$rows-$seed.csv"
if [ ! -f "$export_csv" ]; then
  "$bin/tidyrec-gen" --rows "$rows" --seed "$seed" -o "$export_csv" --truth "$data/truth-$rows-$seed.csv"
fi
size=$(du -h "$export_csv" | cut -f1)
echo "input: $export_csv ($rows rows × 20 columns, $size)"
for threads in 2 1; do
  # Warm the page cache so the first run does not pay for disk reads.
  cat "$export_csv" > /dev/null
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$data/rss-$threads.txt" \
    "$bin/tidyrec" --threads "$threads" --quiet normalize "$export_csv" -o "$data/out-$threads.csv" --report "$data/report-$threads.json"
  end=$(date +%s.%N)
  secs=$(echo "$end - $start" | bc -l)
  rss=$(( $(cat "$data/rss-$threads.txt") / 1024 ))
  printf "threads=%s  wall=%.2fs  %.0f rows/s  peak RSS=%s MiB\n" "$threads" "$secs" "$(echo "$rows / $secs" | bc -l)" "$rss"
done
cmp -s "$data/out-1.csv" "$data/out-2.csv" && echo "outputs for 1 and 2 threads: byte-identical" \
  || { echo "outputs for 1 and 2 threads DIFFER"; exit 1; }
if python3 -c "import phonenumbers" 2>/dev/null; then
  sample=100000
  "$bin/tidyrec-gen" --rows "$sample" --seed "$seed" -o "$data/sample.csv" --truth "$data/sample-truth.csv"
  "$bin/tidyrec" --quiet normalize "$data/sample.csv" -o "$data/sample-out.csv"
  python3 scripts/accuracy.py "$data/sample.csv" "$data/sample-truth.csv" "$data/sample-out.csv"
fi
