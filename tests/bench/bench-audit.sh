#!/bin/sh
# The audit writer's throughput: lines/s with an fsync (and a signed head)
# per line, and per batch, on the file system that holds DIR (default: a
# temporary directory under /var/tmp, a disk, not tmpfs).
#   tests/bench/bench-audit.sh [BUILD_DIR] [DIR]
set -eu
build=${1:-build}
dir=${2:-$(mktemp -d /var/tmp/mugai-bench-audit.XXXXXX)}
"$build/bench_audit" "$dir" 2000 64
df -T "$dir" | tail -1 | awk '{print "  (file system: " $2 ")"}'
rm -rf "$dir"
