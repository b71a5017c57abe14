#!/usr/bin/env bash
# Hostile CSV inputs of ~10 MB each (all quotes, one huge line, only line
# breaks, 10M delimiters, a million columns, random bytes, multi-line notes,
# UTF-8 with damaged lines), each read by `normalize` strict and --lenient:
# prints exit code, peak RSS and time. The contract: exit 0 with every
# record accounted for, or exit 2 naming file:line — never a panic, an
# abort or a signal — and memory under 2 GiB.
# Usage: scripts/hostile_inputs.sh [path/to/tidyrec]   (default: release build)
set -euo pipefail
bin="${1:-${CARGO_TARGET_DIR:-target}/release/tidyrec}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" <<'PY'
import random, sys, pathlib
d = pathlib.Path(sys.argv[1]); random.seed(1); N = 10_000_000
(d/'quotes.csv').write_bytes(b'a,b\n' + b'"' * N)
(d/'one_line.csv').write_bytes(b'a,b\nx,' + b'y' * N + b'\n')
(d/'newlines.csv').write_bytes(b'a,b\n' + b'\n' * N)
(d/'commas.csv').write_bytes(b'a\n' + b',' * N + b'\n')
(d/'wide_header.csv').write_bytes(b','.join(b'c%d' % i for i in range(1_000_000)) + b'\n' + b',' * 999_999 + b'\n')
(d/'random.csv').write_bytes(bytes(random.getrandbits(8) for _ in range(N)))
rows = b''.join(b'%d,"note %d\nline two, with comma",x\n' % (i, i) for i in range(200_000))
(d/'multiline.csv').write_bytes(b'id,note,z\n' + rows[:N])
(d/'bad_utf8.csv').write_bytes(b'id,name\n' + b''.join(('%d,长安街\n' % i).encode() if i % 500 else b'%d,\xff\xfe\n' % i for i in range(400_000)))
PY
printf '%-16s %-10s %5s %10s %8s\n' input mode exit peak_MiB seconds
for f in "$dir"/*.csv; do
  for mode in strict --lenient; do
    flag=(); [ "$mode" = strict ] || flag=(--lenient)
    set +e
    /usr/bin/time -f '%M %e' -o "$dir/time" "$bin" -q normalize "$f" -o "$dir/out.csv" "${flag[@]}" 2>/dev/null
    code=$?
    set -e
    read -r kb secs < <(tail -1 "$dir/time")
    printf '%-16s %-10s %5s %10d %8s\n' "$(basename "$f")" "$mode" "$code" $((kb / 1024)) "$secs"
  done
done
