#!/bin/sh
# Word, Excel and PowerPoint 97-2003 benchmark, side by side on the same files:
#   mugai core   msofficesan_sanitize + msofficesan_verify in one process (the
#                fuzz_msoffice harness replaying the files: no sandbox, no scan)
#   mugai CLI    `mugai sanitize` over the batch (a sandboxed worker per file,
#                ClamAV on the output; once without and once with the input scan)
#   LibreOffice  `soffice --convert-to doc|xls|ppt` over the batch: a full
#                rebuild by an office suite, the only open-source "rebuild" peer
#                for these formats (mat2 does not read doc, xls or ppt)
# Files: 36 copies of the six benign samples of corpus/msoffice (LibreOffice's
# doc, xls and ppt of the Japanese OOXML samples).
# Prints wall time, files/s and peak RSS (GNU time; for LibreOffice, of the
# soffice process tree's largest member), and the ratio to LibreOffice.
#
#   tests/bench/bench-msoffice.sh [BUILD_DIR]      (default: build)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
. "$root/tests/bench/lib.sh"
mugai_build fuzz_msoffice
need_tool soffice "libreoffice-*-nogui"
bench_work msoffice
mkdir -p "$work/in" "$work/lo-in" "$work/lo-out" "$work/o1" "$work/o2"

for i in 1 2 3 4 5 6; do
    for f in "$root"/corpus/msoffice/benign-*; do
        cp "$f" "$work/in/$i-$(basename "$f")"
    done
done
cp "$work"/in/* "$work/lo-in/"
n=$(ls "$work/in" | wc -l)
bytes=$(cat "$work"/in/* | wc -c)
echo "Office 97-2003: $n files, $((bytes / 1024)) KiB"

mugai_policies sanitize doc xls ppt

# Start LibreOffice once so that the measured run does not pay for its first-run setup.
soffice -env:UserInstallation="file://$work/lo-profile" --headless --convert-to doc \
    --outdir "$work" "$root/corpus/msoffice/benign-letter.doc" >/dev/null 2>&1 || true

# One soffice run per target type, as a user would batch them.
/usr/bin/time -f "%e %M" -o "$work/time.out" sh -c '
    for ext in doc xls ppt; do
        soffice -env:UserInstallation="file://'"$work"'/lo-profile" --headless --convert-to "$ext" \
            --outdir "'"$work"'/lo-out" "'"$work"'"/lo-in/*."$ext" >/dev/null 2>&1
    done' || true
read -r secs rss <<EOT
$(tail -n 1 "$work/time.out")
EOT
l="libreoffice $secs $rss"
mugai_runs "$work/o1" "$work/o2" "$work"/in/*
converted=$(ls "$work/lo-out" | wc -l)
[ "$converted" -eq "$n" ] || echo "warning: LibreOffice converted $converted of $n files" >&2
in_kib=$((bytes / 1024))
out_kib=$(($(cat "$work"/o2/* | wc -c) / 1024))
lo_kib=$(($(cat "$work"/lo-out/* | wc -c) / 1024))
echo "  sizes: input $in_kib KiB, mugai output $out_kib KiB, LibreOffice output $lo_kib KiB"

peer_table "$n" "soffice --convert-to (3 invocations)" 38 "$l" "$core" "$noscan" "$cli"
