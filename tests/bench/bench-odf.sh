#!/bin/sh
# OpenDocument benchmark, side by side on the same files:
#   mugai core   odfsan_sanitize + odfsan_verify in one process (the
#                fuzz_odf harness replaying the files: no sandbox, no scan;
#                images go to the harness's stand-in member handler)
#   mugai CLI    `mugai sanitize` over the batch (a sandboxed worker per
#                file, ClamAV on the output; once without and once with the
#                input scan)
#   mat2         `mat2 FILES...` (Debian package mat2, which cleans
#                OpenDocument files too; writes FILE.cleaned.EXT)
# Files: 40 documents, copies of the corpus/odf samples mat2 cleans (the
# benign ones and those with images, links and objects; it refuses some,
# and a refusal is no measure of speed). Prints wall time, files/s and peak
# RSS (GNU time) and the ratio to mat2, and checks that two of mugai's
# outputs open in LibreOffice.
#
#   tests/bench/bench-odf.sh [BUILD_DIR]      (default: build)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
. "$root/tests/bench/lib.sh"
mugai_build fuzz_odf
need_tool mat2 "Debian package mat2"
bench_work odf

# --- the files --------------------------------------------------------------
mat2_inputs 40 "$root"/corpus/odf/*.od?
echo "OpenDocument: $n files, $((bytes / 1024)) KiB"

mugai_policies sanitize odt ods odp ott ots otp png jpeg gif

mat2_compare "mat2 FILES (one invocation)"

# The outputs must open.
lo_opens odt ods
