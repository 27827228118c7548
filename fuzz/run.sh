#!/bin/sh
# Fuzz one parser entry point with AFL++.
#
#   fuzz/run.sh TARGET SECONDS
#
# TARGET is a harness name (fuzz/fuzz_TARGET.c): ident, text, jpeg, png,
# gif, policy, ... Builds the harness with afl-clang-fast into
# build-fuzz/, seeds from corpus/seeds/TARGET/, uses fuzz/TARGET.dict when
# present, and writes findings to fuzz/out/TARGET/. Crashes found are in
# fuzz/out/TARGET/default/crashes/; replay one with
#   build/fuzz/fuzz_TARGET fuzz/out/TARGET/default/crashes/id:...
# and, once fixed, copy it into corpus/seeds/TARGET/ so ctest replays it.
set -eu
if [ $# -ne 2 ]; then
    echo "usage: $0 TARGET SECONDS" >&2
    exit 2
fi
target=$1
secs=$2
root=$(cd "$(dirname "$0")/.." && pwd)
harness="$root/fuzz/fuzz_$target.c"
seeds="$root/corpus/seeds/$target"
[ -f "$harness" ] || { echo "no harness $harness" >&2; exit 2; }
[ -d "$seeds" ] || { echo "no seeds in $seeds" >&2; exit 2; }
command -v afl-clang-fast >/dev/null || { echo "afl-clang-fast not found: run scripts/install-deps.sh" >&2; exit 2; }

build="$root/build-fuzz"
if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=afl-clang-fast cmake -S "$root" -B "$build" -DMUGAI_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target "fuzz_$target" -j"$(nproc)" >/dev/null

out="$root/fuzz/out/$target"
mkdir -p "$out"
dict=""
[ -f "$root/fuzz/$target.dict" ] && dict="-x $root/fuzz/$target.dict"
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_SKIP_CRASHES=1 AFL_TRY_AFFINITY=1
# -V: stop after SECONDS; -t: 2 s per input is generous for files of our size caps.
# shellcheck disable=SC2086
afl-fuzz -i "$seeds" -o "$out" -V "$secs" -t 2000 -m none $dict -- "$build/fuzz/fuzz_$target" >"$out/afl.log" 2>&1 || true
stats="$out/default/fuzzer_stats"
if [ -f "$stats" ]; then
    grep -E '^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|edges_found|total_edges) ' "$stats"
fi
crashes=$(find "$out/default/crashes" -name 'id:*' 2>/dev/null | wc -l)
echo "crashes: $crashes"
[ "$crashes" -eq 0 ]
