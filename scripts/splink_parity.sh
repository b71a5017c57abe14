#!/usr/bin/env bash
# The same model on tidyrec and on Splink (DuckDB backend), compared pair by
# pair, and both clusterings scored against the generator's truth.
#   scripts/splink_parity.sh ROWS SEED [BIN_DIR]      generated people
#   scripts/splink_parity.sh febrl N [BIN_DIR]        FEBRL N (../shared/data/febrl)
# Creates a venv with splink, duckdb, pandas, pyarrow in $VENV (default
# /tmp/splinkvenv). BACKEND=spark runs Splink's Spark backend in local mode
# instead (settings exported with --dialect spark; installs pyspark 4 into
# the venv; needs a Java 17+ runtime, e.g. Debian's openjdk-17-jre-headless;
# not run by CI). Prints candidate pairs per engine, per-field level
# agreement, agreement on "match at 0.99", and pairwise F1 of each
# clustering (tidyrec's guarded clustering, Splink's connected components).
# With PARITY_CHECK=1 it fails (exit 1) unless Splink finds every pair
# tidyrec scores with the same levels, decisions and (unguarded) weights;
# .ci/run runs it that way. DROP_COLUMN=NAME drops one input column first.
set -euo pipefail
rows="${1:-20000}"
seed="${2:-7}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
bin="${3:-$(cd "$repo" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug}"
venv="${VENV:-/tmp/splinkvenv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import splink, duckdb, pandas, pyarrow' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'splink>=5,<6' duckdb pandas pyarrow
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
if [ "$rows" = febrl ]; then
  # FEBRL as the dedupe benchmark reads it: the truth column left out.
  febrl="$repo/../shared/data/febrl/febrl$seed.csv"
  [ -f "$febrl" ] || febrl="$repo/fixtures/febrl/febrl$seed.csv"
  python3 - "$febrl" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
drop = rows[0].index("true_id")
with open("gen.csv", "w", newline="") as out:
    csv.writer(out).writerows([c for i, c in enumerate(r) if i != drop] for r in rows)
with open("truth.csv", "w", newline="") as out:
    csv.writer(out).writerows([[r[0], r[drop]] for r in rows])
PY
  id="rec_id"; entity="true_id"
else
  "$bin/tidyrec-gen" --rows "$rows" --seed "$seed" --duplicates -o gen.csv --truth truth.csv >/dev/null
  id="Customer ID"; entity="entity"
fi
# DROP_COLUMN="Date of Birth" checks the same file without that column (a
# CRM export without birth dates: other guard clauses and levels at work).
if [ -n "${DROP_COLUMN:-}" ]; then
  python3 "$repo/scripts/drop_column.py" gen.csv gen-dropped.csv "$DROP_COLUMN"
  mv gen-dropped.csv gen.csv
fi
# Splink runs the exported blocking rules. tidyrec compares every pair of a
# file of at most 2M pairs (FEBRL 1) unless the rules are named: name them
# all, so both score the pairs the rules propose. (An unknown name is exit 2
# here, so a renamed rule fails this check loudly.)
cat > rules.toml <<'TOML'
[dedupe]
blocking = ["email", "phone", "surname sound + first initial + postcode",
  "surname sound + first initial + birth year", "birth date + postcode",
  "birth date + first initial", "birth date", "names in either order", "identifier",
  "company + surname sound + first initial", "street + postcode", "e-mail local part",
  "house number + postcode"]
TOML
"$bin/tidyrec" --quiet --threads 2 dedupe gen.csv -o golden.csv --clusters clusters.csv --pairs pairs.csv --save-model model.json --id-column "$id" --rules rules.toml
"$bin/tidyrec" --quiet --threads 2 features gen.csv -o features.parquet --id-column "$id"
backend="${BACKEND:-duckdb}"
if [ "$backend" = spark ] && ! "$venv/bin/python" -c 'import pyspark' 2>/dev/null; then
  "$venv/bin/pip" install -q 'pyspark>=4,<5'
fi
"$bin/tidyrec" --quiet model export model.json --to splink --dialect "$backend" --id-column "$id" -o settings.json
BACKEND="$backend" "$venv/bin/python" "$repo/scripts/splink_parity.py" features.parquet settings.json pairs.csv "$id" splink_clusters.csv 2>&1 \
  | grep -E '^(candidate|  |match at|match weight|clusters at|parity|PARITY)'
echo "tidyrec clusters:"
python3 "$repo/scripts/pairwise_f1.py" clusters.csv truth.csv "$id" "$entity" | tail -1
echo "Splink clusters (same model):"
python3 "$repo/scripts/pairwise_f1.py" splink_clusters.csv truth.csv "$id" "$entity" | tail -1
