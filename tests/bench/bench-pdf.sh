#!/bin/sh
# PDF benchmark, side by side on the same files:
#   mugai core    pdfsan_sanitize + pdfsan_verify in one process (the
#                 fuzz_pdf harness replaying the files: no sandbox, no scan)
#   mugai CLI     `mugai sanitize` (worker per file, ClamAV on output;
#                 once without and once with the input scan)
#   qpdf          plain rewrite `qpdf in.pdf out.pdf`, one process per file
#   mutool        `mutool clean -gggg in.pdf out.pdf`, one process per file
# Files: the benign PDFs of corpus/pdf, plus bigger ones made here with
# qpdf from them (many pages, many objects). Prints wall time and peak RSS
# (GNU time) and the ratios against qpdf's plain rewrite.
#
#   tests/bench/bench-pdf.sh [BUILD_DIR]      (default: build)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
. "$root/tests/bench/lib.sh"
mugai_build fuzz_pdf
need_tool qpdf "qpdf, mupdf-tools"
need_tool mutool "qpdf, mupdf-tools"
bench_work pdf
mkdir -p "$work/in"

# --- the files --------------------------------------------------------------
cp "$root"/corpus/pdf/doc-*.pdf "$root"/corpus/pdf/ja-notice.pdf "$root"/corpus/pdf/ja-table.pdf \
   "$root"/corpus/pdf/image.pdf "$work/in/"
docs=$(ls "$root"/corpus/pdf/doc-*.pdf)
# About 1 MB each: every Debian manual, four times over.
i=0
while [ $i -lt 4 ]; do
    # shellcheck disable=SC2086
    qpdf --empty --pages $docs $docs $docs $docs -- "$work/in/big-$i.pdf"
    i=$((i + 1))
done
# Many small objects: 2000 pages in object streams.
qpdf --empty --object-streams=generate --pages "$root/corpus/pdf/multipage.pdf" 1-z \
    "$root/corpus/pdf/multipage.pdf" 1-z -- "$work/m2.pdf"
set --
i=0
while [ $i -lt 333 ]; do
    set -- "$@" "$work/m2.pdf"
    i=$((i + 1))
done
qpdf --empty --object-streams=generate --pages "$@" -- "$work/in/pages-2000.pdf"
n=$(ls "$work/in" | wc -l)
bytes=$(cat "$work"/in/*.pdf | wc -c)
echo "PDF: $n files, $((bytes / 1024)) KiB"

mugai_policies sanitize pdf

mkdir -p "$work/o1" "$work/o2" "$work/o3" "$work/o4" "$work/o5"
q=$(measure qpdf sh -c "for f in $work/in/*.pdf; do qpdf \$f $work/o1/\$(basename \$f) || [ \$? -eq 3 ]; done")
m=$(measure mutool sh -c "for f in $work/in/*.pdf; do mutool clean -gggg \$f $work/o2/\$(basename \$f); done")
mugai_runs "$work/o3" "$work/o4" "$work"/in/*.pdf

python3 - "$n" "$q" "$m" "$core" "$noscan" "$cli" <<'PY'
import sys
n = int(sys.argv[1])
rows = [a.split() for a in sys.argv[2:]]
base = float(rows[0][1])
names = {"qpdf": "qpdf in out (plain rewrite)", "mutool": "mutool clean -gggg",
         "core": "mugai core: sanitize+verify", "cli-noscan": "mugai sanitize, output scan only",
         "cli": "mugai sanitize (default scans)"}
for label, secs, rss in rows:
    s = float(secs)
    print(f"  {names[label]:34s} {s:7.2f} s  {n/s:7.1f} files/s  peak RSS {int(rss)/1024:7.1f} MiB"
          f"  time vs qpdf {s/base:5.2f}x")
PY
