"""End-to-end: mugaid serves the same jobs as the standalone command, keeps
serving whatever clients do, reloads its policy and database under load,
and leaves nothing behind when killed.

Each client case speaks the daemon's frame format (proto.h: magic "MGP1",
type, length, little-endian) with Python's socket module, so the bytes are
ours, not the client library's.
"""
import array
import glob
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402
import daemon as dm  # noqa: E402

t = mt.Checker("daemon")
work = tempfile.mkdtemp(prefix="mugai-daemon-")
os.chmod(work, 0o755)
SAMPLES = sorted(glob.glob(os.path.join(mt.CORPUS, "samples", "*")))
MAGIC = 0x3150474D
PROTO_SANITIZE, PROTO_STATUS = 1, 5


def sanitize(sock_path, inputs, *extra, outdir=None):
    outdir = outdir or tempfile.mkdtemp(prefix="out-", dir=work)
    cmd = [mt.MUGAI, "sanitize", "--json", "--out", outdir, "--socket", sock_path]
    p = subprocess.run(cmd + list(extra) + list(inputs), capture_output=True, timeout=600)
    return p, [json.loads(x) for x in p.stdout.decode().splitlines() if x.startswith("{")]


def standalone(inputs):
    outdir = tempfile.mkdtemp(prefix="std-", dir=work)
    p = subprocess.run([mt.MUGAI, "sanitize", "--standalone", "--json", "--db", mt.TESTDB,
                        "--out", outdir] + list(inputs), capture_output=True, timeout=600)
    return p, [json.loads(x) for x in p.stdout.decode().splitlines() if x.startswith("{")]


def frame(ftype, payload=b""):
    return struct.pack("<III", MAGIC, ftype, len(payload)) + payload


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def closed_by_peer(s, timeout):
    """True when the daemon closes the connection within timeout."""
    s.settimeout(timeout)
    try:
        while True:
            if s.recv(4096) == b"":
                return True
    except (socket.timeout, TimeoutError):
        return False
    except OSError:
        return True


def fd_counts(d):
    counts = {}
    for pid in d.pids():
        try:
            counts[pid] = len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            pass
    return counts


d = dm.new(["--idle-seconds", "3", "--scanners", "2"]).start()
try:
    # --- the same reports as standalone -----------------------------------
    p1, via = sanitize(d.sock, SAMPLES)
    p2, std = standalone(SAMPLES)
    t.check(p1.returncode == p2.returncode, f"same exit status ({p1.returncode}, {p2.returncode})")
    t.check(len(via) == len(std) == len(SAMPLES), "one report per input both ways")
    for a, b in zip(via, std):
        name = os.path.basename(a["input"])
        same = all(a.get(k) == b.get(k) for k in
                   ("verdict", "type", "output_type", "reason_code", "sha256", "size", "sha256_out"))
        t.check(same, f"{name}: same verdict, types, reason and hashes through the daemon "
                f"({a.get('verdict')}/{b.get('verdict')}, {a.get('reason_code')})")
        t.check(a.get("report") == b.get("report"), f"{name}: same report tree")

    ok_txt = mt.write(work, "ok.txt", "daemon check 無害\n".encode())

    def one_job():
        p, reps = sanitize(d.sock, [ok_txt])
        return p.returncode == 0 and reps and reps[0]["verdict"] == "clean"

    # --- hostile clients ----------------------------------------------------
    before = fd_counts(d)
    s = connect(d.sock)
    s.sendall(os.urandom(64))
    t.check(closed_by_peer(s, 15), "garbage: the connection is closed")
    s = connect(d.sock)
    s.sendall(struct.pack("<III", MAGIC, PROTO_SANITIZE, 0xFFFFFFF0))
    t.check(closed_by_peer(s, 15), "oversized frame: closed without reading it")
    slow = connect(d.sock)
    slow.sendall(frame(PROTO_SANITIZE, b"x" * 200)[:30])  # a frame begun, never finished
    t0 = time.time()
    t.check(one_job(), "a job goes through while another client stalls mid-frame")
    t.check(time.time() - t0 < 30, f"and is not held up by it ({time.time() - t0:.1f} s)")
    t.check(closed_by_peer(slow, 30), "the stalled client is dropped")
    silent = connect(d.sock)
    t.check(closed_by_peer(silent, 20), "a silent client is dropped after idle_seconds")
    # A flood of descriptors with one frame.
    s = connect(d.sock)
    fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(200)]
    try:
        s.sendmsg([frame(PROTO_STATUS)],
                  [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
    except OSError:
        pass  # the kernel may refuse that many: the daemon is fine either way
    for fd in fds:
        os.close(fd)
    t.check(closed_by_peer(s, 15), "a frame with too many descriptors: closed")
    # A request for a file, closed before the answer.
    big = mt.write(work, "big.txt", b"some text for a job\n" * 200000)
    s = connect(d.sock)
    fd = os.open(big, os.O_RDONLY)
    name = b"big.txt"
    payload = struct.pack("<I", 0x31515352) + struct.pack("<I", len(name)) + name + \
        struct.pack("<II", 0, 0)
    s.sendmsg([frame(PROTO_SANITIZE, payload)],
              [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])
    os.close(fd)
    s.close()
    time.sleep(1)
    t.check(one_job(), "after a client left mid-job, the next job is served")
    time.sleep(4)  # sessions of the cases above end
    after = fd_counts(d)
    for pid, n in before.items():
        if pid in after:
            t.check(after[pid] <= n + 2, f"process {pid}: no descriptors leaked ({n} -> {after[pid]})")
    t.check(d.proc.poll() is None, "the daemon is still running after all that")

    # --- many clients at once -----------------------------------------------
    results = []

    def worker():
        results.append(one_job())
    threads = [threading.Thread(target=worker) for _ in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    t.check(len(results) == 12 and all(results), f"12 clients at once all served ({results})")

    # --- status ----------------------------------------------------------------
    st = d.status("--json")
    info = json.loads(st.stdout) if st.returncode == 0 else {}
    t.check(info.get("ready") is True and info.get("jobs_done", 0) >= len(SAMPLES),
            f"status: ready, jobs counted: {info}")
    for key in ("db_version", "db_age_days", "policy_sha256", "uptime_seconds", "scanners",
                "jobs_in_flight", "verdicts", "clock_synchronized"):
        t.check(key in info, f"status has {key}")

    # --- reloads under load -----------------------------------------------------
    stop = threading.Event()
    failures, done = [], []

    def load():
        while not stop.is_set():
            p, reps = sanitize(d.sock, [ok_txt])
            if p.returncode != 0:
                failures.append((p.returncode, p.stderr.decode(errors="replace")[-300:],
                                 reps[0] if reps else None))
            done.append(1)
    loaders = [threading.Thread(target=load) for _ in range(2)]
    for th in loaders:
        th.start()
    time.sleep(1)
    # A bad policy (the daemon was started without one): refused, nothing changes.
    gen0 = info.get("db_generation")
    d.signal(signal.SIGHUP)
    time.sleep(3)
    # A new signature: a file with this marker is infected only for the new engine.
    marker = b"MUGAI-RELOAD-TEST-MARKER-7f3a"
    with open(os.path.join(d.db, "reload.ndb"), "w") as f:
        f.write("Mugai.Test.Reload:0:*:" + marker.hex() + "\n")
    d.signal(signal.SIGHUP)
    end = time.time() + 120
    info2 = {}
    while time.time() < end:
        st = d.status("--json")
        info2 = json.loads(st.stdout) if st.returncode == 0 else {}
        if info2.get("db_generation", 0) >= (gen0 or 1) + 2 and info2.get("db_signatures") == 3:
            break
        time.sleep(0.5)
    time.sleep(2)
    stop.set()
    for th in loaders:
        th.join()
    t.check(info2.get("db_signatures") == 3, f"the new database is in force: {info2}")
    t.check(not failures and len(done) > 5,
            f"no job failed across two reloads ({len(done)} jobs, failures: {failures[:2]})")
    hit = mt.write(work, "marker.txt", b"text with " + marker + b" inside\n")
    p, reps = sanitize(d.sock, [hit])
    t.check(reps and reps[0]["reason_code"] == "infected", "the new signature is used")
    t.check("keeps serving" in d.read_log() or "the current one keeps serving" in d.read_log(),
            "the log says the old engine served during the load")
    # A database that does not load: the old engine stays.
    with open(os.path.join(d.db, "broken.ndb"), "w") as f:
        f.write("this is not a signature\n")
    d.signal(signal.SIGHUP)
    time.sleep(8)
    st = json.loads(d.status("--json").stdout or b"{}")
    t.check(st.get("db_reload_failures", 0) >= 1 and st.get("ready") is True,
            f"a broken database is refused, the old engine keeps serving: {st}")
    t.check("error: the new engine did not load" in d.read_log(), "and it is logged as an error")
    t.check(one_job(), "jobs still go through")
    os.unlink(os.path.join(d.db, "broken.ndb"))
    # A bad policy file on reload.
    pol = os.path.join(work, "policy.conf")
    with open(pol, "w") as f:
        f.write("[actions]\ntext = sanitize\n")
    d2 = dm.new(["--policy", pol], db=None).start()
    try:
        with open(pol, "w") as f:
            f.write("[actions]\ntext = sanitize\nnot a line\n")
        d2.signal(signal.SIGHUP)
        time.sleep(3)
        t.check("policy.conf:3" in d2.read_log(), "a bad policy on reload: FILE:LINE in the log")
        p, reps = sanitize(d2.sock, [ok_txt])
        t.check(p.returncode == 0, "the old policy stays in force")
        with open(pol, "w") as f:
            f.write("[actions]\ntext = block\n")
        d2.signal(signal.SIGHUP)
        time.sleep(3)
        p, reps = sanitize(d2.sock, [ok_txt])
        t.check(reps and reps[0]["reason_code"] == "policy", "a good policy on reload applies")
    finally:
        d2.stop()

    # --- kill -9 ------------------------------------------------------------------
    pids = d.pids()
    os.kill(d.proc.pid, signal.SIGKILL)
    d.proc.wait()
    time.sleep(2)
    alive = [p for p in pids if os.path.exists(f"/proc/{p}") and
             open(f"/proc/{p}/stat").read().split()[2] != "Z"]
    t.check(not alive, f"kill -9 of the master takes every process with it: {alive}")
    p, _ = sanitize(d.sock, [ok_txt])
    t.check(p.returncode == 2 and b"cannot reach" in p.stderr, "a client says the daemon is gone")
    d.start()
    t.check(one_job(), "restarted over the stale socket, it serves again")
finally:
    d.stop()
t.done()
