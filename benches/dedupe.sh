#!/usr/bin/env bash
# Reproducible benchmark of `tidyrec dedupe` on synthetic people with ground truth.
#
#   benches/dedupe.sh [ROWS] [SEED]      (default 75000 rows, seed 7)
#
# Builds release binaries, generates ROWS customer records with tidyrec-gen
# --duplicates (about 30% of people appear 2–5 times with typos, nicknames,
# swapped names, new e-mails, other phone spellings and moves; households
# share an address and landline; common names recur), runs zero-config
# `tidyrec dedupe` with 2 threads, prints wall time and peak memory, and
# scores the clusters against the truth (pairwise precision/recall/F1, by
# scripts/pairwise_f1.py). Then scores FEBRL 1–3 (../shared/data/febrl, if
# present) with `--id-column rec_id`, the truth column dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-75000}"
seed="${2:-7}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tidyrec-target}"
cargo build --release --bins --quiet
bin="$CARGO_TARGET_DIR/release"
data="bench-data"
mkdir -p "$data"
people="$data/people-$rows-$seed.csv"
truth="$data/people-$rows-$seed-truth.csv"
# Regenerated when the generator writes other records (its data version).
if [ ! -f "$people" ] || [ "$(cat "$people.gen" 2>/dev/null)" != "$("$bin/tidyrec-gen" --version)" ]; then
  "$bin/tidyrec-gen" --rows "$rows" --seed "$seed" --duplicates -o "$people" --truth "$truth"
  "$bin/tidyrec-gen" --version > "$people.gen"
fi
echo "input: $people ($rows records, $(du -h "$people" | cut -f1))"
cat "$people" > /dev/null
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$data/dedupe-rss.txt" \
  "$bin/tidyrec" --threads 2 --quiet dedupe "$people" -o "$data/golden-$rows.csv" \
  --clusters "$data/clusters-$rows.csv" --report "$data/dedupe-report-$rows.json"
end=$(date +%s.%N)
printf "dedupe: wall=%.2fs  peak RSS=%s MiB\n" "$(echo "$end - $start" | bc -l)" \
  "$(( $(cat "$data/dedupe-rss.txt") / 1024 ))"
python3 scripts/pairwise_f1.py "$data/clusters-$rows.csv" "$truth" "Customer ID" entity
febrl="../shared/data/febrl"
if [ -d "$febrl" ]; then
  for n in 1 2 3; do
    python3 scripts/drop_column.py "$febrl/febrl$n.csv" "$data/febrl$n.csv" true_id
    "$bin/tidyrec" --quiet dedupe "$data/febrl$n.csv" -o "$data/febrl$n-golden.csv" \
      --id-column rec_id --clusters "$data/febrl$n-clusters.csv"
    echo "FEBRL$n: $(python3 scripts/pairwise_f1.py "$data/febrl$n-clusters.csv" "$febrl/febrl$n.csv" rec_id true_id | tail -1)"
  done
fi
