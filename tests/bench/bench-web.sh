#!/bin/sh
# HTML, SVG and TIFF, side by side with mat2 (the open-source metadata and
# active-content remover that reads these formats) on the same files:
#   mugai CLI  `mugai sanitize --standalone` over the batch (a sandboxed
#              worker per file, the output verified by another, ClamAV on
#              input and output; the test database)
#   mat2       `mat2` over a copy of the batch (one process, no sandbox, no
#              virus scan; HTML and SVG through its own parsers), writing
#              NAME.cleaned.EXT beside each file it could clean
# Files: N copies (default 20) of the benign pages and drawings of
# corpus/web and the TIFF images of corpus/bitmap.
# Prints wall time, files/s, peak RSS (GNU time), how many files each
# produced (mat2 refuses HTML its parser finds malformed, e.g. an unclosed
# <meta>) and the ratio to mat2.
#
#   tests/bench/bench-web.sh [BUILD_DIR] [N]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
copies=${2:-20}
mugai="$build/mugai-standalone"
. "$root/tests/bench/lib.sh"
need_built "$mugai"
need_tool mat2
bench_work web
mkdir -p "$work/in" "$work/mat2" "$work/out"
i=0
while [ "$i" -lt "$copies" ]; do
    for f in ja-utf8.html ja-sjis.html ja-eucjp.html realworld.html benign.svg; do
        cp "$root/corpus/web/$f" "$work/in/$i-$f"
    done
    cp "$root/corpus/bitmap/rgb.tif" "$work/in/$i-rgb.tif"
    i=$((i + 1))
done
cp "$work"/in/* "$work/mat2/"
n=$(ls "$work/in" | wc -l)
echo "HTML, SVG, TIFF: $n files, $(($(cat "$work"/in/* | wc -c) / 1024)) KiB; load $(cut -d' ' -f1-3 /proc/loadavg)"

{
    measure mat2 sh -c "mat2 $work/mat2/*"
    measure mugai-jobs1 "$mugai" sanitize --db "$build/testdb" --jobs 1 --out "$work/out/1" "$work"/in/*
    measure mugai "$mugai" sanitize --db "$build/testdb" --out "$work/out/2" "$work"/in/*
} > "$work/results"
made_mat2=$(ls "$work/mat2" | grep -c '\.cleaned\.' || true)
made_1=$(ls "$work/out/1" | wc -l)
made_2=$(ls "$work/out/2" | wc -l)
awk -v n="$n" -v m1="$made_mat2" -v m2="$made_1" -v m3="$made_2" '
    $1 == "mat2" { base = $2 }
    { rows[NR] = $0 }
    END {
        for (i = 1; i <= NR; i++) {
            split(rows[i], f, " ")
            made = i == 1 ? m1 : i == 2 ? m2 : m3
            printf "%-12s %7.2f s  %7.1f files/s  peak %6.1f MiB  %5.2fx the time of mat2;" \
                   "  %d of %d files out\n", f[1], f[2], n / f[2], f[3] / 1024, f[2] / base, made, n
        }
    }' "$work/results"
echo "load at end $(cut -d' ' -f1-3 /proc/loadavg)"
