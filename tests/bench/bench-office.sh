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
. "$root/tests/bench/lib.sh"
mugai_build fuzz_ooxml
need_tool mat2 "Debian package mat2"
bench_work office

# --- the files --------------------------------------------------------------
mat2_inputs 40 "$root"/corpus/office/benign-*
echo "Office: $n files, $((bytes / 1024)) KiB"

mugai_policies sanitize docx docm dotx dotm xlsx xlsm xltx xltm pptx pptm ppsx ppsm potx potm \
    png jpeg gif

mkdir -p "$work/o1" "$work/o2"
m=$(measure mat2 mat2 "$work"/mat2/*)
mugai_runs "$work/o1" "$work/o2" "$work"/in/*
cleaned=$(ls "$work/mat2" | grep -c '\.cleaned\.' || true)
[ "$cleaned" -eq "$n" ] || echo "warning: mat2 cleaned $cleaned of $n files" >&2

peer_table "$n" "mat2 FILES (one invocation)" 38 "$m" "$core" "$noscan" "$cli"

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
