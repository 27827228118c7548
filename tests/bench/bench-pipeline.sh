#!/bin/sh
# What a job's pipeline costs per file: `mugai sanitize --jobs 1` on 1000
# small text files and on 40 photos (1600x1200 JPEG), for one build or two
# side by side (e.g. before and after a change to the worker pipeline).
# Prints wall time, CPU time (user + system, all processes: less sensitive
# to what else the machine is doing) and per-file figures.
#
#   tests/bench/bench-pipeline.sh BUILD_DIR [OTHER_BUILD_DIR]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/mugai-bench-pipe-XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 "$root/tests/bench/make-bench-files.py" "$work" >/dev/null

one() { # build, label, dir
    b=$1
    rm -rf "$work/out" && mkdir "$work/out"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.out" \
        "$b/mugai" sanitize --jobs 1 --db "$b/testdb" --out "$work/out" "$3"/* >/dev/null 2>&1 || true
    n=$(ls "$3" | wc -l)
    tail -n 1 "$work/time.out" | {
        read -r wall user sys rss
        python3 -c "
import sys
wall, user, sys_, rss, n = map(float, sys.argv[1:6])
print(f'  {sys.argv[6]:<40} {wall:7.2f} s wall {(user+sys_):7.2f} s CPU  '
      f'{1000*wall/n:7.2f} ms/file wall {1000*(user+sys_)/n:7.2f} ms/file CPU  peak {rss/1024:.0f} MiB')
" "$wall" "$user" "$sys" "$rss" "$n" "$2"
    }
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for set in small jpeg; do
    echo "$set ($(ls "$work/$set" | wc -l) files):"
    for b in "$@"; do
        one "$b" "$(basename "$(dirname "$b")")/$(basename "$b")" "$work/$set"
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
