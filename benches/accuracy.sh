#!/usr/bin/env bash
# The README's accuracy table in one command (issue 17): zero-configuration
# `tidyrec dedupe` on FEBRL 1–3 and on generated files of several sizes,
# scored by pairwise precision / recall / F1 against their truth, with wall
# time and peak RSS, printed as markdown rows.
#
#   benches/accuracy.sh [ROWS:SEED ...]
#
# Default sizes: 75000:7 300000:7 1500000:7. Add 10000000:11 for the 10M
# row (about 4 minutes and 7 GiB on 2 cores, plus a 1.9 GB input).
# BIN=DIR uses the tidyrec and tidyrec-gen binaries in DIR instead of
# building release binaries (e.g. BIN=$CARGO_TARGET_DIR/fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tidyrec-target}"
  cargo build --release --bins --quiet
  BIN="$CARGO_TARGET_DIR/release"
fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(75000:7 300000:7 1500000:7)
data=bench-data
mkdir -p "$data"

# One dedupe run, one table row: NAME RECORDS INPUT TRUTH ID ENTITY [dedupe flags...]
row() {
  local name=$1 records=$2 input=$3 truth=$4 id=$5 entity=$6
  shift 6
  local clusters="$data/accuracy-clusters.csv"
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$data/accuracy-rss.txt" \
    "$BIN/tidyrec" --threads 2 --quiet dedupe "$input" -o "$data/accuracy-golden.csv" \
    --clusters "$clusters" "$@"
  end=$(date +%s.%N)
  python3 scripts/pairwise_f1.py "$clusters" "$truth" "$id" "$entity" | tail -1 \
    | awk -v name="$name" -v records="$records" \
      -v wall="$(echo "$end - $start" | bc -l)" -v rss="$(cat "$data/accuracy-rss.txt")" \
      '{ printf "| %s | %s | %s | %s | %s | %.1f s | %d MiB |\n", name, records, $2, $4, $6, wall, rss / 1024 }'
}

echo "| data | records | precision | recall | pairwise F1 | wall | peak RSS |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
febrl="../shared/data/febrl"
if [ -d "$febrl" ]; then
  for n in 1 2 3; do
    # The truth column is dropped from the input: matching must not see it.
    python3 scripts/drop_column.py "$febrl/febrl$n.csv" "$data/febrl$n.csv" true_id
    records=$(($(wc -l < "$data/febrl$n.csv") - 1))
    row "FEBRL $n" "$records" "$data/febrl$n.csv" "$febrl/febrl$n.csv" rec_id true_id --id-column rec_id
  done
  # FEBRL 4, a linkage set (each of A's 5,000 records has one duplicate in
  # B): deduplicated as one file, then linked as the issue's workflow
  # does (A deduplicated into a master, B linked against it; every
  # record's entity from the crosswalk).
  python3 - "$febrl" "$data" <<'PY'
import csv, sys
febrl, data = sys.argv[1:3]
with open(f"{data}/febrl4ab.csv", "w", newline="") as out, \
        open(f"{data}/febrl4ab-truth.csv", "w", newline="") as truth:
    rows, truths = csv.writer(out), csv.writer(truth)
    truths.writerow(["rec_id", "true_id"])
    for part in "ab":
        with open(f"{febrl}/febrl4{part}.csv", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            t = header.index("true_id")
            if part == "a":
                rows.writerow(header[:t] + header[t + 1:])
            with open(f"{data}/febrl4{part}.csv", "w", newline="") as single:
                one = csv.writer(single)
                one.writerow(header[:t] + header[t + 1:])
                for r in reader:
                    rows.writerow(r[:t] + r[t + 1:])
                    one.writerow(r[:t] + r[t + 1:])
                    truths.writerow([r[0], r[t]])
PY
  row "FEBRL 4 (A and B as one file)" 10000 "$data/febrl4ab.csv" "$data/febrl4ab-truth.csv" rec_id true_id --id-column rec_id
  start=$(date +%s.%N)
  "$BIN/tidyrec" --threads 2 --quiet dedupe "$data/febrl4a.csv" -o "$data/accuracy-master.csv" --id-column rec_id
  /usr/bin/time -f "%M" -o "$data/accuracy-rss.txt" \
    "$BIN/tidyrec" --threads 2 --quiet link "$data/febrl4b.csv" --master "$data/accuracy-master.csv" \
    -o "$data/accuracy-linked.csv" --crosswalk "$data/accuracy-crosswalk.csv" --id-column rec_id
  end=$(date +%s.%N)
  python3 scripts/pairwise_f1.py "$data/accuracy-crosswalk.csv" "$data/febrl4ab-truth.csv" rec_id true_id entity_id record_id | tail -1 \
    | awk -v wall="$(echo "$end - $start" | bc -l)" -v rss="$(cat "$data/accuracy-rss.txt")" \
      '{ printf "| FEBRL 4 (B linked to A, dedupe + link) | 10000 | %s | %s | %s | %.1f s | %d MiB |\n", $2, $4, $6, wall, rss / 1024 }'
fi
for size in "${sizes[@]}"; do
  rows=${size%%:*}
  seed=${size##*:}
  people="$data/people-$rows-$seed.csv"
  truth="$data/people-$rows-$seed-truth.csv"
  # Regenerated when the generator writes other records (its data version).
  if [ ! -f "$people" ] || [ ! -f "$truth" ] || [ "$(cat "$people.gen" 2>/dev/null)" != "$("$BIN/tidyrec-gen" --version)" ]; then
    "$BIN/tidyrec-gen" --rows "$rows" --seed "$seed" --duplicates -o "$people" --truth "$truth"
    "$BIN/tidyrec-gen" --version > "$people.gen"
  fi
  row "generated, seed $seed" "$rows" "$people" "$truth" "Customer ID" entity
done
