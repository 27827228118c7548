#!/bin/sh
# Installs the dependencies, builds Mugai and sanitizes the bundled samples
# (corpus/samples/) into ./demo-out, keeping blocked originals in
# ./demo-quarantine. Uses the small test virus database built with the
# project (EICAR and clam.exe); production uses freshclam's database.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j"$(nproc)" >/dev/null
rm -rf "$root/demo-out" "$root/demo-quarantine"
echo "== mugai sanitize corpus/samples/*"
set +e
"$root/build/mugai" sanitize --db "$root/build/testdb" --out "$root/demo-out" \
    --quarantine "$root/demo-quarantine" "$root"/corpus/samples/*
status=$?
set -e
echo "== exit status $status (0: all released, 1: some blocked)"
echo "== released into demo-out/:"
ls -l "$root/demo-out"
echo "== originals of blocked files in demo-quarantine/:"
ls "$root/demo-quarantine" 2>/dev/null || true
[ "$status" -le 1 ]
