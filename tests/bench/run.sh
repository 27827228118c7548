#!/bin/sh
# Benchmarks, side by side on the same files:
#   JPEG   mugai sanitize        vs  jpegtran -copy none (one process per file)
#   PNG    mugai sanitize        vs  a plain libpng round trip, and optipng -o1
#   sandbox  1000 small files: worker per job vs in-process (bench_sandbox)
# Prints wall time, files/s, peak RSS (GNU time, largest process) and ratios.
#
#   tests/bench/run.sh [BUILD_DIR]      (default: build)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
mugai="$build/mugai"
db="$build/testdb"
work=$(mktemp -d /tmp/mugai-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -x "$mugai" ] || { echo "build first: $mugai missing" >&2; exit 2; }

python3 "$root/tests/bench/make-bench-files.py" "$work"

measure() { # label, command...: prints "label seconds maxrss_kB"
    label=$1
    shift
    /usr/bin/time -f "%e %M" -o "$work/time.out" "$@" >/dev/null 2>&1 || true
    # GNU time prefixes "Command exited with non-zero status N" when it does.
    read -r secs rss <<EOT
$(tail -n 1 "$work/time.out")
EOT
    echo "$label $secs $rss"
}

report() { # name, count, mugai line, peer line
    echo "$3" | { read -r _ ms mr
    echo "$4" | { read -r _ ps pr
        python3 - "$1" "$2" "$ms" "$mr" "$ps" "$pr" <<'PY'
import sys
name, n, ms, mr, ps, pr = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
print(f"{name}: {n} files")
print(f"  mugai  {ms:7.2f} s  {n/ms:8.1f} files/s  peak RSS {mr/1024:7.1f} MiB")
print(f"  peer   {ps:7.2f} s  {n/ps:8.1f} files/s  peak RSS {pr/1024:7.1f} MiB")
print(f"  time ratio mugai/peer {ms/ps:.2f}x   memory ratio {mr/pr:.2f}x")
PY
    }; }
}

n=$(ls "$work/jpeg" | wc -l)
mkdir -p "$work/o1" "$work/o2"
m=$(measure mugai "$mugai" sanitize --jobs 1 --db "$db" --out "$work/o1" "$work"/jpeg/*)
p=$(measure jpegtran sh -c "for f in $work/jpeg/*; do jpegtran -copy none -outfile $work/o2/\$(basename \$f) \$f; done")
report "JPEG (1600x1200, EXIF+COM), mugai --jobs 1" "$n" "$m" "$p"
rm -rf "$work/o1" && mkdir -p "$work/o1"
m=$(measure mugai "$mugai" sanitize --db "$db" --out "$work/o1" "$work"/jpeg/*)
report "JPEG (1600x1200, EXIF+COM), mugai --jobs $(nproc) (default)" "$n" "$m" "$p"

n=$(ls "$work/png" | wc -l)
mkdir -p "$work/o3" "$work/o4"
m=$(measure mugai "$mugai" sanitize --jobs 1 --db "$db" --out "$work/o3" "$work"/png/*)
p=$(measure png_roundtrip sh -c "args=''; for f in $work/png/*; do args=\"\$args \$f $work/o4/\$(basename \$f)\"; done; $build/png_roundtrip \$args")
report "PNG (1024x768 RGB, tEXt), mugai --jobs 1, vs plain libpng round trip" "$n" "$m" "$p"
mkdir -p "$work/o5"
p=$(measure optipng sh -c "for f in $work/png/*; do optipng -quiet -o1 -force -out $work/o5/\$(basename \$f) \$f; done")
report "PNG (1024x768 RGB, tEXt), mugai --jobs 1, vs optipng -o1 (-o0 refuses: IDAT recoding needed)" "$n" "$m" "$p"

echo "sandbox cost (1000 small files: text, PNG, GIF, JPEG):"
"$build/bench_sandbox" "$db" "$work"/small/* | sed 's/^/  /'
