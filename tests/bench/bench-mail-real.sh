#!/bin/sh
# Throughput of the pipe mode on the real-message set: every message of
# corpus/mail-real (or MAIL_DIR) through the standalone engine, one message
# at a time, as Postfix's pipe(8) would run it: `mugai-standalone mail`
# (`mugai mail` in builds from before the daemon, which loaded the engine
# itself). Each build's own test database (BUILD_DIR/testdb), a fresh spool.
# Per build, RUNS passes (default 2), each printing:
#   messages/s (wall), total CPU (user + system of mugai and its sandboxed
#   workers, from wait4), CPU per message, the largest peak RSS of a run
#   (mugai or a worker), exit statuses (0 released, 1 held, other), and the
#   load average before and after the pass (/proc/loadavg), since other
#   work on the machine changes wall time more than CPU time.
#
#   tests/bench/bench-mail-real.sh BUILD_DIR [OTHER_BUILD_DIR ...]
#   env: RUNS=2  MAIL_DIR=corpus/mail-real
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { sed -n '2,15p' "$0" >&2; exit 2; }
mail_dir=${MAIL_DIR:-$root/corpus/mail-real}
work=$(mktemp -d /tmp/mugai-bench-mail-real-XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - "$mail_dir" "$work" "${RUNS:-2}" "$@" <<'PY'
import os
import subprocess
import sys
import time

mail_dir, work, runs, builds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
msgs = []
for d, _, files in sorted(os.walk(mail_dir)):
    msgs += [os.path.join(d, f) for f in sorted(files) if f.endswith(".eml")]
data = []
for p in msgs:
    with open(p, "rb") as f:
        data.append(f.read())
total = sum(len(d) for d in data)
print("%d messages, %.1f MB, from %s" % (len(data), total / 1e6, mail_dir))


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


for bi, b in enumerate(builds):
    b = os.path.abspath(b)
    if os.access(os.path.join(b, "mugai-standalone"), os.X_OK):
        cmd = [os.path.join(b, "mugai-standalone"), "mail"]
    else:
        cmd = [os.path.join(b, "mugai"), "mail"]
    cmd += ["--db", os.path.join(b, "testdb")]
    print("%s  (%s)" % (b, " ".join(os.path.basename(c) if i == 0 else c
                                   for i, c in enumerate(cmd))))
    for r in range(runs):
        spool = os.path.join(work, "spool-%d-%d" % (bi, r))
        codes, cpu, peak = {}, 0.0, 0
        load0 = loadavg()
        t0 = time.monotonic()
        for d in data:
            with open(os.path.join(work, "in.eml"), "wb") as f:
                f.write(d)
            with open(os.path.join(work, "in.eml"), "rb") as fin, \
                    open(os.devnull, "wb") as fout:
                p = subprocess.Popen(cmd + ["--spool", spool], stdin=fin, stdout=fout,
                                     stderr=subprocess.DEVNULL)
                _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            codes[p.returncode] = codes.get(p.returncode, 0) + 1
            cpu += ru.ru_utime + ru.ru_stime
            peak = max(peak, ru.ru_maxrss)
        wall = time.monotonic() - t0
        print("  run %d: %6.1f messages/s  %6.2f s wall  %6.2f s CPU  %5.1f ms CPU/message  "
              "peak RSS %5.1f MiB  exit %s  load %s -> %s" %
              (r + 1, len(data) / wall, wall, cpu, 1000 * cpu / len(data), peak / 1024,
               " ".join("%d:%d" % kv for kv in sorted(codes.items())), load0, loadavg()))
PY
