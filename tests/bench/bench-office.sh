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

mat2_compare "mat2 FILES (one invocation)"

# The outputs must open.
lo_opens docx xlsx
