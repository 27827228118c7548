# Shared by the benchmark scripts (sourced): they set $work first.
#
# measure LABEL COMMAND...: runs the command under GNU time and prints
# "LABEL seconds maxrss_kB"; its output goes to $work/cmd.out, and a
# failing command is still measured (the scripts count what it produced).
measure() {
    label=$1
    shift
    /usr/bin/time -f "%e %M" -o "$work/time.out" "$@" >"$work/cmd.out" 2>&1 || true
    echo "$label $(tail -n 1 "$work/time.out")"
}
