#!/bin/sh
# Installs the dependencies, builds Mugai twice (release and ASan+UBSan),
# checks formatting and runs the whole test suite in both builds.
# This is what CI runs (.ci/run).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/install-deps.sh"

echo "== format check (clang-format, .clang-format)"
# shellcheck disable=SC2046
clang-format --dry-run --Werror $(git ls-files '*.c' '*.h')

jobs=$(nproc)
for variant in release asan; do
    dir="$root/build-test-$variant"
    extra=""
    [ "$variant" = asan ] && extra="-DMUGAI_SANITIZERS=ON"
    echo "== build ($variant)"
    # shellcheck disable=SC2086
    cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo $extra >/dev/null
    cmake --build "$dir" -j"$jobs" >/dev/null
    echo "== tests ($variant)"
    # ASan: leaks are bugs too; abort on the first report so ctest sees it.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 900
done
