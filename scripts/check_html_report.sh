#!/usr/bin/env bash
# Renders a `tidyrec profile --html` report in headless Chromium (Debian
# package `chromium`) and checks that the browser built the charts: the DOM it
# produced has the completeness bars, validity bars, value bars and the
# duplicate-cluster histogram, and a screenshot was written.
#
#   scripts/check_html_report.sh [INPUT.csv] [OUT_DIR]
#   (default: fixtures/demo/customers_dupes.csv, bench-data/html-check)
#
# Install the browser once with: apt-get install -y chromium
set -euo pipefail
cd "$(dirname "$0")/.."
input="${1:-fixtures/demo/customers_dupes.csv}"
out="${2:-bench-data/html-check}"
mkdir -p "$out"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tidyrec-target}"
cargo build --release --quiet --bin tidyrec
"$CARGO_TARGET_DIR/release/tidyrec" --quiet profile "$input" --html "$out/report.html"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "no Chromium found: apt-get install -y chromium" >&2
  exit 2
fi
flags=(--headless --no-sandbox --disable-gpu --window-size=1280,2000)
"$browser" "${flags[@]}" --dump-dom "file://$PWD/$out/report.html" > "$out/dom.html" 2>/dev/null
"$browser" "${flags[@]}" --screenshot="$out/report.png" "file://$PWD/$out/report.html" 2>/dev/null
columns=$(head -1 "$input" | tr ',' '\n' | wc -l)
count() { grep -o "class=\"$1\"" "$out/dom.html" | wc -l; }
echo "rendered DOM: $(count completeness) completeness bars, $(count validity) validity bars, $(count value) value bars, $(count cluster-size) cluster-size bars"
[ "$(count completeness)" -eq "$columns" ] || { echo "expected $columns completeness bars" >&2; exit 1; }
[ "$(count validity)" -gt 0 ] && [ "$(count value)" -gt 0 ] || { echo "missing validity or value bars" >&2; exit 1; }
[ -s "$out/report.png" ] || { echo "no screenshot" >&2; exit 1; }
echo "screenshot: $out/report.png"
