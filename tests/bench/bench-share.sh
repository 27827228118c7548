#!/bin/sh
# The inbound share under load: N small files (default 2000: notes, a few
# photos with EXIF, a few scripts that are held) dropped at once into
# inbound/USER, through mugai-share and mugaid, against the same kind of
# files (fresh bytes) through `mugai sanitize --socket --jobs J` with the
# same J as share_jobs (2) and the same mugaid. Prints files/s for both,
# what the watcher adds, the watcher's peak memory (each process's
# VmHWM), the client's peak RSS, mugaid's peak PSS during each run, and
# the machine's load before and after. Checks that every file came out
# once (none lost).
#
#   tests/bench/bench-share.sh [BUILD_DIR] [N]
# Needs root (the watcher runs as news with the service group, as in
# tests/test_share.py; files belong to man). No Samba: the files appear by
# rename(), as a finished upload does.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
exec python3 "$root/tests/bench/bench-share.py" "$root" "$build" "${2:-2000}"
