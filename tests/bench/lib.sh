# Shared by the benchmark scripts (sourced right after they set $root).

# bench_work NAME: $work, a fresh folder /tmp/mugai-bench-NAME-XXXXXX,
# removed when the script exits.
bench_work() {
    work=$(mktemp -d "/tmp/mugai-bench-$1-XXXXXX")
    trap 'rm -rf "$work"' EXIT
}

# need_built FILE...: each is an executable of the build, or exit 2.
need_built() {
    for x in "$@"; do
        [ -x "$x" ] || { echo "build first: $x missing" >&2; exit 2; }
    done
}

# mugai_build HARNESS: $mugai, $harness (fuzz/HARNESS, which replays files
# in one process) and $db (the test database) of $build; both built, or exit 2.
mugai_build() {
    mugai="$build/mugai"
    harness="$build/fuzz/$1"
    db="$build/testdb"
    need_built "$mugai" "$harness"
}

# need_tool TOOL [PACKAGES]: TOOL is on the PATH, or exit 2 saying which
# packages give it.
need_tool() {
    command -v "$1" >/dev/null || { echo "$1 not installed${2:+ ($2)}" >&2; exit 2; }
}

# mugai_policies ACTION TYPE...: $work/policy.conf with ACTION for each type,
# and $work/noscan.conf, the same without the input scan.
mugai_policies() {
    action=$1
    shift
    { echo "[actions]"; for t in "$@"; do echo "$t = $action"; done; } > "$work/policy.conf"
    { cat "$work/policy.conf"; printf '[options]\nscan_input = no\n'; } > "$work/noscan.conf"
}

# measure LABEL COMMAND...: runs the command under GNU time and prints
# "LABEL seconds maxrss_kB"; its output goes to $work/cmd.out, and a
# failing command is still measured (the scripts count what it produced).
measure() {
    label=$1
    shift
    /usr/bin/time -f "%e %M" -o "$work/time.out" "$@" >"$work/cmd.out" 2>&1 || true
    echo "$label $(tail -n 1 "$work/time.out")"
}

# mugai_runs OUT1 OUT2 FILE...: the files through $harness in one process
# (row $core), then `mugai sanitize` with $work/noscan.conf into OUT1 (row
# $noscan) and with $work/policy.conf into OUT2 (row $cli); a warning when
# the last released fewer than $n files.
mugai_runs() {
    o1=$1
    o2=$2
    shift 2
    core=$(measure core "$harness" "$@")
    noscan=$(measure cli-noscan "$mugai" sanitize --db "$db" --policy "$work/noscan.conf" --out "$o1" "$@")
    cli=$(measure cli "$mugai" sanitize --db "$db" --policy "$work/policy.conf" --out "$o2" "$@")
    released=$(ls "$o2" | wc -l)
    [ "$released" -eq "$n" ] || echo "warning: mugai released $released of $n files" >&2
}

# peer_table N PEER WIDTH ROW...: a line per row ("label seconds maxrss_kB";
# the first is the peer, named PEER, the others mugai_runs' rows): time,
# files/s, peak RSS and the speed against the peer's.
peer_table() {
    python3 - "$@" <<'PY'
import sys
n, peer_name, width = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
rows = [a.split() for a in sys.argv[4:]]
names = {rows[0][0]: peer_name, "core": "mugai core (in-process, no scan)",
         "cli-noscan": "mugai sanitize, output scan only", "cli": "mugai sanitize (input+output scan)"}
peer = float(rows[0][1])
tool = rows[0][0] if rows[0][0] != "libreoffice" else "LibreOffice"
for label, secs, rss in rows:
    s = max(float(secs), 0.01)
    print(f"  {names[label]:{width}s} {s:7.2f} s {n / s:9.1f} files/s  peak RSS {int(rss) / 1024:7.1f} MiB"
          f"  {peer / s:7.1f}x {tool}")
PY
}

# mat2_inputs COUNT FILE...: of the files, those mat2 cleans (it refuses
# some, and a refusal is no measure of speed: they are named and left out),
# copied in turn into $work/in (for mugai) and $work/mat2 (for mat2, which
# writes beside its inputs) until there are COUNT; sets $n and $bytes.
mat2_inputs() {
    count=$1
    shift
    mkdir -p "$work/in" "$work/mat2" "$work/probe"
    cp "$@" "$work/probe/"
    mat2 "$work"/probe/* >/dev/null 2>&1 || true
    for f in "$@"; do
        shift
        base=$(basename "$f")
        if [ -f "$work/probe/${base%.*}.cleaned.${base##*.}" ]; then
            set -- "$@" "$f"
        else
            echo "mat2 refuses $base (left out)"
        fi
    done
    [ $# -gt 0 ] || { echo "mat2 cleans none of the samples" >&2; exit 2; }
    i=0
    while [ "$(ls "$work/in" | wc -l)" -lt "$count" ]; do
        for f in "$@"; do
            [ "$(ls "$work/in" | wc -l)" -lt "$count" ] || break
            cp "$f" "$work/in/$i-$(basename "$f")"
            cp "$f" "$work/mat2/$i-$(basename "$f")"
        done
        i=$((i + 1))
    done
    n=$(ls "$work/in" | wc -l)
    bytes=$(cat "$work"/in/* | wc -c)
}

# mat2_compare PEER_LABEL: mat2 over $work/mat2 and mugai_runs over
# $work/in (outputs in $work/o1, $work/o2), then the table.
mat2_compare() {
    mkdir -p "$work/o1" "$work/o2"
    m=$(measure mat2 mat2 "$work"/mat2/*)
    mugai_runs "$work/o1" "$work/o2" "$work"/in/*
    cleaned=$(ls "$work/mat2" | grep -c '\.cleaned\.' || true)
    [ "$cleaned" -eq "$n" ] || echo "warning: mat2 cleaned $cleaned of $n files" >&2
    peer_table "$n" "$1" 38 "$m" "$core" "$noscan" "$cli"
}

# lo_opens EXT...: the first of mugai's outputs ($work/o2) of each
# extension converted to PDF by LibreOffice (the outputs must open), each
# into a folder of its own (the samples share their stems).
lo_opens() {
    if ! command -v soffice >/dev/null; then
        echo "  (soffice not installed: outputs not opened)"
        return
    fi
    ok=0
    for ext in "$@"; do
        f=$(ls "$work"/o2/*."$ext" | head -n 1)
        soffice -env:UserInstallation="file://$work/lo" --headless --convert-to pdf \
            --outdir "$work/pdf-$ext" "$f" >/dev/null 2>&1 || true
        [ -n "$(ls "$work/pdf-$ext"/*.pdf 2>/dev/null)" ] && ok=$((ok + 1))
    done
    echo "  LibreOffice opened $ok of $# sanitized outputs"
}
