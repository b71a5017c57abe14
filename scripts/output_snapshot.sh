#!/usr/bin/env bash
# Records every output of the commands on the demo fixtures and a generated
# 20k-record file, as one checksum per file, so a refactor can show its
# outputs are byte-identical:
#   scripts/output_snapshot.sh BIN_DIR before.txt   # before the change
#   scripts/output_snapshot.sh BIN_DIR after.txt    # after
#   diff before.txt after.txt
# Report JSON is compared without its timing and memory fields (they differ
# from run to run); everything else byte for byte.
set -euo pipefail
bin="${1:?usage: output_snapshot.sh BIN_DIR OUT.txt}"
out="$(realpath -m "${2:?usage: output_snapshot.sh BIN_DIR OUT.txt}")"
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
t="$bin/tidyrec"
cd "$work"
q() { "$t" --quiet "$@" || test $? -eq 1; }

# Demo pipeline: first night (dedupe) and second night (link).
cp -r "$repo/fixtures/pipeline" pipeline
q run pipeline/nightly.toml
mkdir night1 && cp -r pipeline/out/. night1/ && rm -rf night1/.backups
q run pipeline/nightly.toml
mkdir night2 && cp -r pipeline/out/. night2/ && rm -rf night2/.backups
rm -rf pipeline

# Single commands on the demo data and a generated file.
"$bin/tidyrec-gen" --rows 20000 --seed 7 --duplicates -o gen.csv --truth truth.csv >/dev/null
for input in "$repo/fixtures/demo/customers_dupes.csv" "$repo/fixtures/demo/crm_export.csv" gen.csv; do
  name="$(basename "$input" .csv)"
  mkdir -p "$name"
  q normalize "$input" -o "$name/normalized.csv" --audit "$name/audit.csv" --report "$name/normalize.json"
  q dedupe "$input" -o "$name/golden.csv" --clusters "$name/clusters.csv" --pairs "$name/pairs.csv" \
    --lineage "$name/lineage.csv" --report "$name/dedupe.json" --save-model "$name/model.json"
  q profile "$input" --json "$name/profile.json"
  q validate "$input" --rules "$repo/rules/crm-contacts.toml" --format json --output "$name/validate.json"
  if [ "$name" = gen ]; then
    q segment "$name/golden.csv" -o "$name/segments.csv" --report "$name/segment.json" --as-of 2026-11-23
  fi
  for target in salesforce hubspot dynamics zoho fxiaoke salesforce-leads zoho-leads; do
    q export "$name/golden.csv" --target "$target" -o "$name/export-$target.csv" --report "$name/export-$target.json"
  done
done
# link: a master from the first 18,000 records, the rest as a batch.
head -n 18001 gen.csv > master-in.csv
{ head -n 1 gen.csv; tail -n +18002 gen.csv; } > batch.csv
q dedupe master-in.csv -o link-master.csv --save-model link-model.json
q link --master link-master.csv batch.csv -o link-out.csv --crosswalk link-crosswalk.csv --report link.json

# Checksums; JSON without volatile fields.
find . -type f ! -name '*.log' ! -path './gen.csv' ! -path './truth.csv' | LC_ALL=C sort | while read -r f; do
  case "$f" in
    *.json)
      python3 - "$f" <<'PY'
import hashlib, json, sys
volatile = ("time", "elapsed", "second", "_ms", "rss", "peak", "memory", "started", "finished", "stamp", "duration", "timing", "phase")
def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items() if not any(w in k.lower() for w in volatile)}
    if isinstance(v, list):
        return [clean(x) for x in v]
    return v
data = clean(json.load(open(sys.argv[1], encoding="utf-8")))
text = json.dumps(data, sort_keys=True, ensure_ascii=False)
print(hashlib.sha256(text.encode()).hexdigest(), sys.argv[1])
PY
      ;;
    *) sha256sum "$f" ;;
  esac
done > "$out"
echo "$(wc -l < "$out") files → $out"
