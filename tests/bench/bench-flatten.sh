#!/bin/sh
# Policy "flatten" (text only) benchmark, side by side on the same files:
#   mugai core   the four flatten entry points in one process (the
#                fuzz_flatten harness replaying the files: no sandbox, no scan)
#   mugai CLI    `mugai sanitize` with every document type on flatten (a
#                sandboxed worker per file, the text verified in a fresh
#                worker, ClamAV on the output; once without and once with
#                the input scan)
#   LibreOffice  `soffice --convert-to txt` for the documents, `csv` (every
#                sheet) for the spreadsheets and `pdf` then pdftotext for the
#                presentations (LibreOffice has no text export for those):
#                the text-ization peer
# Files: N copies (default 4) of the 13 LibreOffice-made Japanese samples
# that tests/test_flatten.py compares (docx, xlsx, pptx, odt, ods, odp, doc,
# xls, ppt, rtf).
# Prints wall time, files/s and peak RSS (GNU time: the largest process of
# the run), and the ratio to LibreOffice.
#
#   tests/bench/bench-flatten.sh [BUILD_DIR] [N]      (default: build 4)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
copies=${2:-4}
. "$root/tests/bench/lib.sh"
mugai_build fuzz_flatten
need_tool soffice "libreoffice-*-nogui"
need_tool pdftotext poppler-utils
bench_work flatten
mkdir -p "$work/in" "$work/lo-txt" "$work/lo-csv" "$work/lo-pdf" "$work/lo-out" "$work/o1" \
    "$work/o2"

c=$root/corpus
samples="$c/office/benign-letter.docx $c/office/benign-report.docx $c/office/benign-budget.xlsx
$c/office/benign-slides.pptx $c/odf/benign.odt $c/odf/benign.ods $c/odf/benign.odp
$c/msoffice/benign-letter.doc $c/msoffice/benign-report.doc $c/msoffice/benign-budget.xls
$c/msoffice/benign-population.xls $c/msoffice/benign-slides.ppt $c/rtf/lo-japanese.rtf"
i=1
while [ "$i" -le "$copies" ]; do
    for f in $samples; do
        b=$(basename "$f")
        d=$(basename "$(dirname "$f")")
        cp "$f" "$work/in/$i-$d-$b"
        case "$b" in
        *.xlsx | *.ods | *.xls) cp "$f" "$work/lo-csv/$i-$d-$b" ;;
        *.pptx | *.odp | *.ppt) cp "$f" "$work/lo-pdf/$i-$d-$b" ;;
        *) cp "$f" "$work/lo-txt/$i-$d-$b" ;;
        esac
    done
    i=$((i + 1))
done
n=$(ls "$work/in" | wc -l)
bytes=$(cat "$work"/in/* | wc -c)
echo "flatten: $n files, $((bytes / 1024)) KiB"

mugai_policies flatten docx xlsx pptx odt ods odp doc xls ppt rtf

# Start LibreOffice once so that the measured run does not pay for its first-run setup.
soffice -env:UserInstallation="file://$work/lo-profile" --headless --convert-to txt \
    --outdir "$work" "$c/odf/benign.odt" >/dev/null 2>&1 || true

# One soffice run per export, as a user would batch them; pdftotext per presentation.
lo="soffice -env:UserInstallation=file://$work/lo-profile --headless"
/usr/bin/time -f "%e %M" -o "$work/time.out" sh -c "
    $lo --convert-to 'txt:Text (encoded):UTF8' --outdir '$work/lo-out' '$work'/lo-txt/* >/dev/null 2>&1
    $lo --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' \
        --outdir '$work/lo-out' '$work'/lo-csv/* >/dev/null 2>&1
    $lo --convert-to pdf --outdir '$work/lo-pdf-out' '$work'/lo-pdf/* >/dev/null 2>&1
    for p in '$work'/lo-pdf-out/*.pdf; do pdftotext -enc UTF-8 \"\$p\" \"\${p%.pdf}.txt\"; done" || true
read -r secs rss <<EOT
$(tail -n 1 "$work/time.out")
EOT
l="libreoffice $secs $rss"
mugai_runs "$work/o1" "$work/o2" "$work"/in/*
lo_files=$(($(ls "$work/lo-out" | wc -l) + $(ls "$work/lo-pdf-out"/*.txt 2>/dev/null | wc -l)))
echo "  LibreOffice wrote $lo_files text and CSV files (one per sheet) for $n inputs"
echo "  text: mugai $(($(cat "$work"/o2/* | wc -c) / 1024)) KiB"

peer_table "$n" "soffice --convert-to txt|csv|pdf (+pdftotext)" 46 "$l" "$core" "$noscan" "$cli"
