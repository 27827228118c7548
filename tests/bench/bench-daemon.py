"""mugaid against its peers, side by side on the same files and database
(see bench-daemon.sh for what each part measures)."""
import base64
import concurrent.futures
import glob
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

root, build, db = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.join(root, "tests", "postfix"))
sys.path.insert(0, os.path.join(root, "tests", "lib"))
import instance as pfx  # noqa: E402

MUGAI = os.path.join(build, "mugai")
MUGAID = os.path.join(build, "mugaid")
work = tempfile.mkdtemp(prefix="mugai-bench-daemon-")
os.chmod(work, 0o755)
N_FILES = int(os.environ.get("BENCH_FILES", "1000"))
N_LAT = int(os.environ.get("BENCH_LATENCY", "15"))
N_MAIL = int(os.environ.get("BENCH_N", "40"))


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def kib(pid, field):
    """A field of /proc/PID/smaps_rollup (Pss, Rss) in KiB, 0 if gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for ln in f:
                if ln.startswith(field + ":"):
                    return int(ln.split()[1])
    except OSError:
        pass
    return 0


def pids_of(exe):
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if os.readlink(f"/proc/{p}/exe") == exe:
                    out.append(int(p))
            except OSError:
                pass
    return out


def cpu_of(exe):
    """CPU seconds used so far by the processes running exe and the children
    they have reaped (/proc/PID/stat utime, stime, cutime, cstime): a worker
    or session that has exited is counted once, in the process that reaped
    it, as long as that one is still running."""
    total = 0
    for p in pids_of(exe):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def clients_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def small_file(path, i):
    with open(path, "w") as f:
        f.write("お知らせ %d\n" % i + base64.b64encode(os.urandom(300)).decode() + "\n")


print(f"database: {db}")
print(f"load at start: {load()}")

# --- start both engines, one after the other (each loads alone) ---------------
run = os.path.join(work, "run")
sock = os.path.join(run, "mugaid.sock")
mlog = open(os.path.join(work, "mugaid.log"), "wb")
t0 = time.monotonic()
mugaid = subprocess.Popen([MUGAID, "--foreground", "--socket", sock, "--review-socket",
                           os.path.join(run, "review.sock"), "--db", db, "--state-dir",
                           os.path.join(work, "state"), "--worker-user", "nobody",
                           "--user", "daemon", "--audit-log",
                           os.path.join(work, "audit", "audit.log"),
                           "--socket-group", "", "--socket-mode", "0666"],
                          stdout=mlog, stderr=mlog, start_new_session=True)
while subprocess.run([MUGAI, "status", "--socket", sock], capture_output=True).returncode != 0:
    if mugaid.poll() is not None:
        sys.exit("mugaid did not start: see " + mlog.name)
    time.sleep(0.2)
t_mugaid = time.monotonic() - t0
pss_mugaid = sum(kib(p, "Pss") for p in pids_of(MUGAID))

cdir = os.path.join(work, "clamd")
os.makedirs(cdir)
csock = os.path.join(cdir, "clamd.sock")
with open(os.path.join(cdir, "clamd.conf"), "w") as f:
    f.write(f"LocalSocket {csock}\nDatabaseDirectory {db}\nForeground yes\nUser root\n"
            f"TemporaryDirectory {cdir}\nMaxThreads 8\nLogFile {cdir}/clamd.log\n")
t0 = time.monotonic()
clamd = subprocess.Popen(["clamd", "-c", os.path.join(cdir, "clamd.conf")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
probe = os.path.join(work, "probe.txt")
small_file(probe, 0)
while subprocess.run(["clamdscan", "-c", os.path.join(cdir, "clamd.conf"), "--no-summary", probe],
                     capture_output=True).returncode not in (0, 1):
    if clamd.poll() is not None:
        sys.exit("clamd did not start")
    time.sleep(0.2)
t_clamd = time.monotonic() - t0
rss_clamd = kib(clamd.pid, "Rss")
print(f"load: mugaid ready after {t_mugaid:.1f} s, all its processes PSS {pss_mugaid / 1024:.0f} MiB;"
      f" clamd after {t_clamd:.1f} s, RSS {rss_clamd / 1024:.0f} MiB;"
      f" ratio {pss_mugaid / max(rss_clamd, 1):.2f}x")

# --- one small file -----------------------------------------------------------
lat_m, lat_c = [], []
for i in range(N_LAT):
    a, b = os.path.join(work, f"lat-m{i}.txt"), os.path.join(work, f"lat-c{i}.txt")
    small_file(a, i)
    small_file(b, i)
    t0 = time.monotonic()
    subprocess.run([MUGAI, "sanitize", "--socket", sock, "--out", os.path.join(work, "lat-out"),
                    a], capture_output=True)
    lat_m.append(time.monotonic() - t0)
    t0 = time.monotonic()
    subprocess.run(["clamdscan", "-c", os.path.join(cdir, "clamd.conf"), "--no-summary", b],
                   capture_output=True)
    lat_c.append(time.monotonic() - t0)
mm, mc = statistics.median(lat_m), statistics.median(lat_c)
print(f"latency, one fresh small file (median of {N_LAT}): mugai sanitize --socket {mm * 1000:.0f} ms,"
      f" clamdscan {mc * 1000:.0f} ms, ratio {mm / mc:.2f}x")

# --- 1000 small files: daemon against in-process -------------------------------
fdir = os.path.join(work, "files")
os.makedirs(fdir)
for i in range(N_FILES):
    small_file(os.path.join(fdir, f"f{i:04d}.txt"), i)
files = sorted(glob.glob(os.path.join(fdir, "*")))
t0, c0, k0 = time.monotonic(), cpu_of(MUGAID), clients_cpu()
subprocess.run([MUGAI, "sanitize", "--socket", sock, "--jobs", "2", "--out",
                os.path.join(work, "files-out")] + files, capture_output=True)
t_d = time.monotonic() - t0
c_d, k_d = cpu_of(MUGAID) - c0, clients_cpu() - k0
for f in files:  # fresh bytes again, so no scan cache helps either side
    small_file(f, 1)
p = subprocess.run([os.path.join(build, "bench_sandbox"), db] + files, capture_output=True,
                   text=True, env=dict(os.environ, BENCH_INPROCESS_ONLY="1"))
ip = [ln for ln in p.stdout.splitlines() if ln.startswith("in-process")]
t_ip = float(ip[0].split()[1]) if ip else float("nan")
print(f"{N_FILES} small files: mugaid (2 clients) {N_FILES / t_d:.0f} files/s, in-process (one"
      f" process) {N_FILES / t_ip:.0f} files/s; per file {t_d * 1000 / N_FILES:.2f} ms against"
      f" {t_ip * 1000 / N_FILES:.2f} ms with 2 cores for mugaid: sandbox overhead"
      f" {(2 * t_d) / t_ip:.2f}x of CPU-equivalent time")
cpu_ip = [ln for ln in p.stdout.splitlines() if ln.startswith("in-process cpu")]
c_ip = float(cpu_ip[0].split()[2]) if cpu_ip else float("nan")
print(f"{N_FILES} small files, CPU used: mugaid {c_d * 1000 / N_FILES:.2f} ms + client"
      f" {k_d * 1000 / N_FILES:.2f} ms per file against {c_ip * 1000 / N_FILES:.2f} ms in-process:"
      f" {(c_d + k_d) / c_ip:.2f}x")

# --- pipe mode: 20 KB HTML mail ------------------------------------------------
html = "".join("<p>お知らせ%d: 市民課の窓口受付時間が変更になります。詳しくは<a href=\"https://www."
               "example.lg.jp/news/%d\">こちら</a>をご覧ください。</p>" % (i, i) for i in range(110))
msg = ("From: sender@example.jp\r\nTo: test@localhost\r\nSubject: news\r\nMIME-Version: 1.0\r\n"
       "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
       + base64.encodebytes(html.encode()).decode().replace("\n", "\r\n")).encode()
spool = os.path.join(work, "spool")


def one_mail(i):
    data = msg.replace(b"Subject: news", b"Subject: news %d" % i)
    return subprocess.run([MUGAI, "mail", "--socket", sock, "--spool", spool], input=data,
                          capture_output=True).returncode


t0, c0, k0 = time.monotonic(), cpu_of(MUGAID), clients_cpu()
with concurrent.futures.ThreadPoolExecutor(2) as ex:
    codes = list(ex.map(one_mail, range(N_MAIL * 5)))
t_p = time.monotonic() - t0
c_p, k_p = cpu_of(MUGAID) - c0, clients_cpu() - k0
print(f"pipe mode, {len(msg) // 1024} KB HTML mail, 2 at a time: {len(codes) / t_p:.1f} msg/s"
      f" ({len(codes) / t_p / 2:.1f} per core), exit statuses {sorted(set(codes))}; CPU per"
      f" message: mugaid {c_p * 1000 / len(codes):.1f} ms + mugai mail"
      f" {k_p * 1000 / len(codes):.1f} ms = {1000 / ((c_p + k_p) * 1000 / len(codes)):.0f}"
      f" msg/s per core of CPU")

# --- Postfix: mugai-milter + mugaid against clamav-milter + clamd ---------------
if os.geteuid() != 0 or not os.access(pfx.POSTFIX, os.X_OK):
    print("postfix: skipped (needs root and postfix)")
else:
    mpath = os.path.join(work, "mail.eml")
    with open(mpath, "wb") as f:
        f.write(msg)

    def mem_watch(stop, exes, extra_pids, peak):
        while not stop.is_set():
            total = sum(kib(p, "Pss") for e in exes for p in pids_of(e))
            total += sum(kib(p, "Rss") for p in extra_pids)
            peak[0] = max(peak[0], total)
            time.sleep(0.2)

    def postfix_run(label, make_cmd, mem_exes, mem_pids):
        proot = os.path.join(work, "pf-" + label.split()[0])
        os.makedirs(proot)
        port = pfx.free_port()
        pf = pfx.Postfix(proot, port)
        mil = subprocess.Popen(make_cmd(port), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        try:
            pf.start()
            pfx.wait_port(port, proc=mil)
            for senders in (1, 8):
                before = len(pf.delivered())
                stop, peak = threading.Event(), [0]
                th = threading.Thread(target=mem_watch,
                                      args=(stop, mem_exes, mem_pids + [mil.pid], peak))
                th.start()
                t0 = time.monotonic()
                with concurrent.futures.ThreadPoolExecutor(senders) as ex:
                    list(ex.map(lambda _: pf.swaks(mpath), range(N_MAIL)))
                got = pf.wait_delivered(before + N_MAIL, timeout=900)
                dt = time.monotonic() - t0
                stop.set()
                th.join()
                print(f"  {label:<28} {senders} sender(s): {N_MAIL / dt:6.2f} msg/s,"
                      f" delivered {len(got) - before}/{N_MAIL}, memory {peak[0] / 1024:.0f} MiB")
        finally:
            mil.terminate()
            mil.wait()
            pf.stop()

    print(f"postfix, {N_MAIL} messages of {len(msg) // 1024} KB (memory: PSS of mugai's processes,"
          f" RSS of clamd and clamav-milter)")
    postfix_run("mugai-milter + mugaid",
                lambda port: [os.path.join(build, "mugai-milter"), "-p", f"inet:{port}@127.0.0.1",
                              "--mugaid", sock, "--spool", os.path.join(work, "mspool")],
                [MUGAID], [])

    def clamav_milter(port):
        ccfg = os.path.join(cdir, "clamav-milter.conf")
        with open(ccfg, "w") as f:
            f.write(f"MilterSocket inet:{port}@127.0.0.1\nClamdSocket unix:{csock}\n"
                    "Foreground yes\nUser root\nOnInfected Reject\nOnFail Defer\n"
                    f"AddHeader Replace\nLogFile {cdir}/milter.log\nMaxFileSize 50M\n")
        return ["clamav-milter", "-c", ccfg]
    postfix_run("clamav-milter + clamd", clamav_milter, [], [clamd.pid])

print(f"load at end: {load()}")
clamd.terminate()
mugaid.terminate()
clamd.wait()
mugaid.wait()
shutil.rmtree(work, ignore_errors=True)
