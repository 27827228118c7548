#!/bin/sh
# The daemon's benchmark (mugaid), side by side with its peers in one run:
#   load      time and memory to load the database: mugaid (all its
#             processes, PSS) against clamd (RSS)
#   latency   one fresh small file: `mugai sanitize --socket` against
#             `clamdscan` on the same kind of file, same database
#   files     1000 small files through mugaid against the same jobs
#             in-process (bench_sandbox, BENCH_INPROCESS_ONLY=1)
#   pipe      a 20 KB HTML mail through `mugai mail --socket`, messages/s
#             (2 at a time on 2 cores, so per core is half)
#   postfix   mugai-milter + mugaid against clamav-milter + clamd, the same
#             messages, 1 and 8 senders at once: messages/s and memory
#
#   tests/bench/bench-daemon.sh [BUILD_DIR] [DB_DIR]
# DB_DIR defaults to the test database; for a production-size one:
#   ../shared/tools/clamav-bigdb.py /tmp/bigdb 1.0 build/testdb
# Needs root (Postfix, users), clamd, clamdscan, clamav-milter, postfix, swaks.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
db=$(cd "${2:-$build/testdb}" && pwd)
exec python3 "$root/tests/bench/bench-daemon.py" "$root" "$build" "$db"
