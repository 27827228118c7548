#!/bin/sh
# Office Open XML benchmark, side by side on the same files:
#   mugai core   ooxmlsan_sanitize + ooxmlsan_verify in one process (the
#                fuzz_ooxml harness replaying the files: no sandbox, no scan)
#   mugai CLI    `mugai sanitize` over the batch (a sandboxed worker per
#                file, ClamAV on the output; once without and once with the
#                input scan)
#   mat2         `mat2 FILES...` (Debian package mat2, the closest open-source
#                peer; one invocation over the batch, writes FILE.cleaned.EXT)
# Files: 40 small documents, copies of the benign samples of corpus/office
# (LibreOffice-made docx and xlsx, python-docx, openpyxl) that mat2 can
# clean: it refuses some of them (parts it does not know), and a refusal is
# no measure of speed. The samples mat2 refuses are listed.
# Prints wall time, files/s and peak RSS (GNU time), the ratio to mat2, and
# checks that two of mugai's outputs (a docx and an xlsx) open in LibreOffice.
#
#   tests/bench/bench-office.sh [BUILD_DIR]      (default: build)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
mugai="$build/mugai"
harness="$build/fuzz/fuzz_ooxml"
db="$build/testdb"
for x in "$mugai" "$harness"; do
    [ -x "$x" ] || { echo "build first: $x missing" >&2; exit 2; }
done
command -v mat2 >/dev/null || { echo "mat2 not installed (Debian package mat2)" >&2; exit 2; }
work=$(mktemp -d /tmp/mugai-bench-office-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/mat2"

# --- the files --------------------------------------------------------------
mkdir -p "$work/probe"
cp "$root"/corpus/office/benign-* "$work/probe/"
mat2 "$work"/probe/* >/dev/null 2>&1 || true
set --
for f in "$root"/corpus/office/benign-*; do
    base=$(basename "$f")
    if [ -f "$work/probe/${base%.*}.cleaned.${base##*.}" ]; then
        set -- "$@" "$f"
    else
        echo "mat2 refuses $base (left out)"
    fi
done
[ $# -gt 0 ] || { echo "mat2 cleans none of the samples" >&2; exit 2; }
i=0
while [ "$(ls "$work/in" | wc -l)" -lt 40 ]; do
    for f in "$@"; do
        [ "$(ls "$work/in" | wc -l)" -lt 40 ] || break
        cp "$f" "$work/in/$i-$(basename "$f")"
        cp "$f" "$work/mat2/$i-$(basename "$f")"
    done
    i=$((i + 1))
done
n=$(ls "$work/in" | wc -l)
bytes=$(cat "$work"/in/* | wc -c)
echo "Office: $n files, $((bytes / 1024)) KiB"

types="docx docm dotx dotm xlsx xlsm xltx xltm pptx pptm ppsx ppsm potx potm"
{ echo "[actions]"; for t in $types png jpeg gif; do echo "$t = sanitize"; done; } > "$work/policy.conf"
{ cat "$work/policy.conf"; printf '[options]\nscan_input = no\n'; } > "$work/noscan.conf"

. "$root/tests/bench/lib.sh"

mkdir -p "$work/o1" "$work/o2"
m=$(measure mat2 mat2 "$work"/mat2/*)
c=$(measure core "$harness" "$work"/in/*)
s=$(measure cli-noscan "$mugai" sanitize --db "$db" --policy "$work/noscan.conf" --out "$work/o1" "$work"/in/*)
a=$(measure cli "$mugai" sanitize --db "$db" --policy "$work/policy.conf" --out "$work/o2" "$work"/in/*)
released=$(ls "$work/o2" | wc -l)
[ "$released" -eq "$n" ] || echo "warning: mugai released $released of $n files" >&2
cleaned=$(ls "$work/mat2" | grep -c '\.cleaned\.' || true)
[ "$cleaned" -eq "$n" ] || echo "warning: mat2 cleaned $cleaned of $n files" >&2

python3 - "$n" "$m" "$c" "$s" "$a" <<'PY'
import sys
n = int(sys.argv[1])
rows = [a.split() for a in sys.argv[2:]]
names = {"mat2": "mat2 FILES (one invocation)", "core": "mugai core (in-process, no scan)",
         "cli-noscan": "mugai sanitize, output scan only", "cli": "mugai sanitize (input+output scan)"}
peer = float(rows[0][1])
for label, secs, rss in rows:
    s = max(float(secs), 0.01)
    print(f"  {names[label]:38s} {s:7.2f} s {n / s:9.1f} files/s  peak RSS {int(rss) / 1024:7.1f} MiB"
          f"  {peer / s:7.1f}x mat2")
PY

# The outputs must open: convert two of them (a docx and a pptx) to PDF.
if command -v soffice >/dev/null; then
    mkdir -p "$work/pdf"
    docx=$(ls "$work"/o2/*.docx | head -n 1)
    xlsx=$(ls "$work"/o2/*.xlsx | head -n 1)
    soffice -env:UserInstallation="file://$work/lo" --headless --convert-to pdf --outdir "$work/pdf" \
        "$docx" "$xlsx" >/dev/null 2>&1 || true
    ok=$(ls "$work/pdf"/*.pdf 2>/dev/null | wc -l)
    echo "  LibreOffice opened $ok of 2 sanitized outputs"
else
    echo "  (soffice not installed: outputs not opened)"
fi
