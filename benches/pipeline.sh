#!/usr/bin/env bash
# Times `tidyrec run` on a generated export: night 1 (validate, dedupe,
# two exports, segments) and night 2 (the same file linked to night 1's
# golden master).
#   benches/pipeline.sh ROWS SEED [BIN_DIR]
# BIN_DIR defaults to a fresh release build. Prints wall time and peak RSS
# (GNU time) per night.
set -euo pipefail
rows="${1:-1500000}"
seed="${2:-7}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
bin="${3:-}"
if [ -z "$bin" ]; then
  (cd "$repo" && cargo build --release --bins --quiet)
  bin="$(cd "$repo" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release"
fi
data="$repo/bench-data/pipeline-$rows-$seed"
mkdir -p "$data"
# Regenerated when the generator writes other records (its data version).
if [ ! -f "$data/export.csv" ] || [ "$(cat "$data/export.csv.gen" 2>/dev/null)" != "$("$bin/tidyrec-gen" --version)" ]; then
  "$bin/tidyrec-gen" --rows "$rows" --seed "$seed" --duplicates -o "$data/export.csv" --truth "$data/truth.csv"
  "$bin/tidyrec-gen" --version > "$data/export.csv.gen"
fi
cat > "$data/pipeline.toml" <<TOML
[pipeline]
name = "bench"
output-dir = "out"

[[input]]
source = "crm"
path = "export.csv"
id-column = "Customer ID"

[validate]
rules = "$repo/rules/crm-contacts.toml"
stop-on-failure = false

[match]
mode = "link"
master = "golden.csv"

[outputs]
cleaned = "cleaned.csv"
golden = "golden.csv"
crosswalk = "crosswalk.csv"
summary = "summary.json"

[[export]]
target = "salesforce"
file = "crm/salesforce.csv"

[[export]]
target = "hubspot"
file = "crm/hubspot.csv"

[segment]
file = "segments.csv"
TOML
rm -rf "$data/out"
for night in 1 2; do
  /usr/bin/time -f "night $night: %e s, peak RSS %M KiB" \
    "$bin/tidyrec" --quiet --threads 2 run "$data/pipeline.toml" || test $? -eq 1
done
