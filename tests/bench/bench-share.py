"""The inbound share under load (see bench-share.sh)."""
import os
import pwd
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

root, build, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, os.path.join(root, "tests", "lib"))
os.environ.setdefault("MUGAID", os.path.join(build, "mugaid"))
os.environ.setdefault("MUGAI", os.path.join(build, "mugai"))
os.environ.setdefault("MUGAI_TESTDB", os.path.join(build, "testdb"))
import mugaitest as mt  # noqa: E402
import daemon as dm  # noqa: E402

SHARE = os.path.join(build, "mugai-share")
JOBS = 2
work = tempfile.mkdtemp(prefix="mugai-bench-share-")
os.chmod(work, 0o755)
share = os.path.join(work, "share")
inbound, outbound, spool, stage = (os.path.join(share, x)
                                   for x in ("inbound", "outbound", "spool", "stage"))
for p in (share, inbound, outbound):
    os.makedirs(p)
    os.chmod(p, 0o755)
os.makedirs(spool)
news = pwd.getpwnam("news")
os.chown(spool, news.pw_uid, news.pw_gid)
os.chmod(spool, 0o700)
photo = open(os.path.join(root, "corpus", "jpeg", "exif.jpg"), "rb").read()
rng = random.Random(1)


def make_files(d, tag):
    os.makedirs(d, exist_ok=True)
    names = []
    for i in range(n):
        if i % 25 == 7:
            name, data = f"macro{i}.js", b"WScript.Echo(%d);\n" % i
        elif i % 25 == 11:
            name, data = f"photo{i}.jpg", photo + tag.encode()  # fresh bytes after EOI
        else:
            name = f"note{i}.txt"
            data = (f"{tag} note {i} {rng.random()}\n" * (1 + i % 20)).encode()
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        names.append(name)
    return names


def group_pss(pgid):
    total = 0
    r = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True)
    for pid in r.stdout.split():
        try:
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class Peak(threading.Thread):
    """mugaid's PSS (all its processes), sampled every 0.1 s."""
    def __init__(self, pgid):
        super().__init__(daemon=True)
        self.pgid, self.peak, self.stop = pgid, 0, False

    def run(self):
        while not self.stop:
            self.peak = max(self.peak, group_pss(self.pgid))
            time.sleep(0.1)


def hwm(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def load():
    return open("/proc/loadavg").read().split()[:3]


d = dm.Daemon(os.path.join(work, "d"), [])
conf = os.path.join(work, "mugaid.conf")
with open(conf, "w") as f:
    f.write(f"socket = {d.sock}\nuser = daemon\nworker_user = nobody\nshare_user = news\n"
            f"share_inbound = {inbound}\nshare_outbound = {outbound}\nshare_spool = {spool}\n"
            f"share_settle_seconds = 1\nshare_jobs = {JOBS}\nshare_min_free_mb = 16\n")
os.chmod(conf, 0o644)
d.cmd[1:1] = ["--config", conf]
watcher = None
print(f"load before: {' '.join(load())}; {n} files, {JOBS} at a time, test database")
try:
    d.start()
    subprocess.run([SHARE, "--config", conf, "--add-user", "man"], check=True,
                   capture_output=True)
    names = make_files(stage, "share")
    man = pwd.getpwnam("man")
    for p in [stage] + [os.path.join(stage, x) for x in names]:
        os.chown(p, man.pw_uid, 1)
    log = open(os.path.join(work, "mugai-share.log"), "wb")
    watcher = subprocess.Popen(["setpriv", f"--reuid={news.pw_uid}", f"--regid={news.pw_gid}",
                                "--groups=1", "--inh-caps=+lease", "--ambient-caps=+lease",
                                SHARE, "--config", conf], stdout=log, stderr=log,
                               start_new_session=True)
    time.sleep(1)
    dest = os.path.join(inbound, "man", "bench")
    os.makedirs(dest)
    os.chown(dest, man.pw_uid, 1)
    os.chmod(dest, 0o2770)
    peak = Peak(d.proc.pid)
    peak.start()
    t0 = time.time()
    for x in names:  # dropped at once: each appears whole (IN_MOVED_TO)
        os.rename(os.path.join(stage, x), os.path.join(dest, x))
    out = os.path.join(outbound, "man", "bench")
    while True:
        done = len(os.listdir(out)) if os.path.isdir(out) else 0
        if done >= n and sorted(os.listdir(spool)) == ["lock"]:
            break
        if time.time() - t0 > 1800:
            print(f"not done after 30 min: {done} of {n}")
            break
        time.sleep(0.05)
    t_share = time.time() - t0
    peak.stop = True
    peak.join()
    pss_share = peak.peak
    kids = subprocess.run(["pgrep", "-g", str(watcher.pid)], capture_output=True,
                          text=True).stdout.split()
    hwms = {int(p): hwm(p) for p in kids}
    tick = os.sysconf("SC_CLK_TCK")
    cpus = {int(p): sum(int(x) for x in open(f"/proc/{p}/stat").read().rsplit(")", 1)[1]
                        .split()[11:13]) / tick for p in kids}
    cpu = sum(cpus.values())
    got = sorted(os.listdir(out))
    want = sorted(x + ".mugai-notice.txt" if x.endswith(".js") else x for x in names)
    lost = len(set(want) - set(got))
    print(f"mugai-share: {n} files in {t_share:.2f} s ({n / t_share:.0f} files/s, "
          f"settle time 1 s included); {lost} lost, {len(got) - len(set(got) & set(want))} extra")
    print(f"  watcher peak RSS: main {hwms.get(watcher.pid, 0)} kB, workers "
          f"{', '.join(str(v) for k, v in hwms.items() if k != watcher.pid)} kB")
    print(f"  watcher CPU time: {cpu:.2f} s (main {cpus.get(watcher.pid, 0):.2f} s)")
    print(f"  mugaid peak PSS during the run: {pss_share // 1024} MiB")
    time.sleep(2)

    # The same kind of files (fresh bytes) straight to mugaid.
    direct = os.path.join(work, "direct")
    names2 = make_files(direct, "direct")
    peak = Peak(d.proc.pid)
    peak.start()
    t0 = time.time()
    p = subprocess.run(["/usr/bin/time", "-f", "%e %M", mt.MUGAI, "sanitize", "--socket",
                        d.sock, "--jobs", str(JOBS), "--out", os.path.join(work, "direct-out")] +
                       [os.path.join(direct, x) for x in names2], capture_output=True, text=True)
    t_direct = time.time() - t0
    peak.stop = True
    peak.join()
    secs, rss = p.stderr.strip().splitlines()[-1].split()
    print(f"mugai sanitize --socket --jobs {JOBS}: {n} files in {t_direct:.2f} s "
          f"({n / t_direct:.0f} files/s); client peak RSS {rss} kB; "
          f"mugaid peak PSS {peak.peak // 1024} MiB")
    print(f"the watcher's cost: {100 * (t_share - t_direct) / t_direct:+.0f}% wall time "
          f"({(t_share - t_direct) * 1000 / n:+.2f} ms a file, the settle second included)")
    print(f"load after: {' '.join(load())}")
finally:
    if watcher and watcher.poll() is None:
        watcher.send_signal(signal.SIGTERM)
        watcher.wait()
    d.stop()
    shutil.rmtree(work, ignore_errors=True)
