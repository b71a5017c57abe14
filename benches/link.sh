#!/usr/bin/env bash
# Reproducible benchmark of incremental matching, `tidyrec link`.
#
#   benches/link.sh [TOTAL] [BATCH] [SEED] [AGREEMENT]
#   (defaults: 75000 records, batch 7500, seed 7, agreement 1)
#
# Generates TOTAL synthetic customer records with ground truth (tidyrec-gen
# --duplicates), shuffles them with SEED and holds BATCH records back. The
# rest is deduped into a golden master; then the batch is linked to that
# master with 2 threads (wall time and peak memory printed). With AGREEMENT=1
# it also dedupes all TOTAL records at once and compares the two groupings
# (scripts/partition_agreement.py): the entities `link` builds incrementally
# against the entities `dedupe` builds from scratch, and both against truth.
#
# For the issue's scale (a master of ~1.5M entities, a 100k batch):
#   benches/link.sh 2700000 100000 7 0
set -euo pipefail
cd "$(dirname "$0")/.."
total="${1:-75000}"
batch_rows="${2:-7500}"
seed="${3:-7}"
agreement="${4:-1}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tidyrec-target}"
cargo build --release --bins --quiet
bin="$CARGO_TARGET_DIR/release"
data="bench-data/link-$total-$batch_rows-$seed"
mkdir -p "$data"
# Regenerated when the generator writes other records (its data version).
if [ ! -f "$data/batch.csv" ] || [ "$(cat "$data/all.csv.gen" 2>/dev/null)" != "$("$bin/tidyrec-gen" --version)" ]; then
  "$bin/tidyrec-gen" --rows "$total" --seed "$seed" --duplicates -o "$data/all.csv" --truth "$data/truth.csv"
  "$bin/tidyrec-gen" --version > "$data/all.csv.gen"
  python3 - "$data" "$batch_rows" "$seed" <<'PY'
import random, sys
data, batch_rows, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f"{data}/all.csv", encoding="utf-8", newline="") as f:
    header, *rows = f.read().splitlines(keepends=True)
random.Random(seed).shuffle(rows)
cut = len(rows) - batch_rows
for name, part in (("master-source.csv", rows[:cut]), ("batch.csv", rows[cut:])):
    with open(f"{data}/{name}", "w", encoding="utf-8", newline="") as out:
        out.write(header)
        out.writelines(part)
PY
fi
if [ ! -f "$data/master.csv" ]; then
  "$bin/tidyrec" --threads 2 --quiet dedupe "$data/master-source.csv" -o "$data/master.csv" \
    --save-model "$data/model.json"
fi
echo "master: $(( $(wc -l < "$data/master.csv") - 1 )) entities ($(du -h "$data/master.csv" | cut -f1)); batch: $batch_rows records"
cat "$data/master.csv" "$data/batch.csv" > /dev/null
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$data/link-rss.txt" \
  "$bin/tidyrec" --threads 2 --quiet link --master "$data/master.csv" "$data/batch.csv" \
  -o "$data/master-new.csv" --crosswalk "$data/crosswalk.csv" --report "$data/link-report.json"
end=$(date +%s.%N)
printf "link: wall=%.2fs  peak RSS=%s MiB\n" "$(echo "$end - $start" | bc -l)" \
  "$(( $(cat "$data/link-rss.txt") / 1024 ))"
if [ "$agreement" = 1 ]; then
  "$bin/tidyrec" --threads 2 --quiet dedupe "$data/all.csv" -o "$data/golden-all.csv" \
    --clusters "$data/clusters-all.csv"
  echo "link vs dedupe of master ∪ batch:"
  python3 scripts/partition_agreement.py "$data/crosswalk.csv" record_id entity_id \
    "$data/clusters-all.csv" "Customer ID" cluster_id
  echo "link vs truth:"
  python3 scripts/partition_agreement.py "$data/crosswalk.csv" record_id entity_id \
    "$data/truth.csv" "Customer ID" entity | tail -2
  echo "dedupe vs truth:"
  python3 scripts/partition_agreement.py "$data/clusters-all.csv" "Customer ID" cluster_id \
    "$data/truth.csv" "Customer ID" entity | tail -2
fi
