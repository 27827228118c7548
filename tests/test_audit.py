"""End-to-end: mugaid's audit log. Every job, mail and reload is one line
of a hash chain with signed checkpoints; the writer is a process of its own
under the service user, holding the only copy of the key; killing it loses
nothing; and `mugai audit verify` names each kind of tampering: an edited,
removed, inserted or reordered line, a cut end, and a whole rewrite by
someone without the key.

The chain is recomputed here with Python's hashlib, and every tampering is
done on a copy with plain byte edits, never with Mugai's code.
"""
import glob
import hashlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402
import daemon as dm  # noqa: E402

t = mt.Checker("audit")
work = tempfile.mkdtemp(prefix="mugai-audit-")
os.chmod(work, 0o755)


def sanitize(sock, path):
    out = tempfile.mkdtemp(prefix="out-", dir=work)
    return subprocess.run([mt.MUGAI, "sanitize", "--json", "--out", out, "--socket", sock, path],
                          capture_output=True, timeout=300)


def verify(*args):
    p = subprocess.run([mt.MUGAI, "audit", "verify"] + list(args), capture_output=True,
                       timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")


def lines_of(path):
    with open(path, "rb") as f:
        return f.read().split(b"\n")[:-1]


def audit_pid(d):
    uid = pwd.getpwnam("daemon").pw_uid
    for pid in d.pids():
        try:
            with open(f"/proc/{pid}/status") as f:
                st = f.read()
        except OSError:
            continue
        uids = [ln.split()[1:] for ln in st.splitlines() if ln.startswith("Uid:")][0]
        if all(int(u) == uid for u in uids):
            return pid
    return None


# ---- a daemon, some jobs, a reload, the audit writer killed mid-stream ----
d = dm.new(extra=["--audit-checkpoint-seconds", "1"]).start()
samples = {}
for i in range(6):
    p = os.path.join(work, f"clean{i}.txt")
    with open(p, "w") as f:
        f.write(f"line {i}\n")
    samples[p] = "clean"
bad = os.path.join(work, "tool.exe")
with open(bad, "wb") as f:
    f.write(b"MZ\x90\x00" + b"\x00" * 60)
samples[bad] = "blocked"

jobs = 0
for p in list(samples)[:3]:
    t.check(sanitize(d.sock, p).returncode in (0, 1), f"job on {p} ran")
    jobs += 1
pid = audit_pid(d)
t.check(pid is not None, "an audit process runs as the service user (daemon), not as the worker")
if pid:
    os.kill(pid, signal.SIGKILL)
# While it is down (the master restarts it after a second), jobs go on and
# their lines wait in the socket.
for p in list(samples)[3:]:
    t.check(sanitize(d.sock, p).returncode in (0, 1), f"job on {p} ran with the writer down")
    jobs += 1
# Jobs from two clients while the writer is killed again and again.
more = []
for i in range(8):
    p = os.path.join(work, f"more{i}.txt")
    with open(p, "w") as f:
        f.write(f"more {i}\n")
    more.append(p)
    samples[p] = "clean"
runner = threading.Thread(target=lambda: [sanitize(d.sock, p) for p in more])
runner.start()
for _ in range(3):
    time.sleep(1.5)
    k = audit_pid(d)
    if k:
        os.kill(k, signal.SIGKILL)
runner.join()
jobs += len(more)
d.signal(signal.SIGHUP)
time.sleep(3)
mail = os.path.join(work, "m.eml")
with open(mail, "wb") as f:
    f.write(b"From: a@example.jp\r\nTo: b@example.jp\r\nSubject: hi\r\n\r\nhello\r\n")
with open(mail, "rb") as f:
    mp = subprocess.run([mt.MUGAI, "mail", "--socket", d.sock], stdin=f, capture_output=True,
                        timeout=300)
t.check(mp.returncode == 0, "a mail through the daemon")
time.sleep(2)
pid2 = audit_pid(d)
t.check(pid2 is not None and pid2 != pid, "the audit process was restarted")
d.stop()

log = d.audit_log
adir = os.path.dirname(log)
key = os.path.join(adir, "audit.key")
st = os.stat(key)
t.check(st.st_uid == pwd.getpwnam("daemon").pw_uid and (st.st_mode & 0o777) == 0o600,
        f"the signing key is the service user's alone (mode {oct(st.st_mode & 0o777)})")
nobody = pwd.getpwnam("nobody").pw_uid
dst = os.stat(adir)
t.check(dst.st_uid != nobody and not (dst.st_mode & 0o007),
        "the worker user cannot enter the audit directory")

raw = lines_of(log)
recs = [json.loads(x) for x in raw]
events = [r["event"] for r in recs]
job_lines = [r for r in recs if r["event"] == "job"]
t.check(len(job_lines) == jobs, f"one line per job, none lost or doubled ({len(job_lines)} for {jobs})")
names = sorted(r["name"] for r in job_lines)
t.check(names == sorted(os.path.basename(p) for p in samples), f"every job named once: {names}")
blocked = [r for r in job_lines if r["name"] == "tool.exe"]
t.check(blocked and blocked[0]["verdict"] == "blocked" and blocked[0].get("reason_code"),
        "the blocked job's line has its verdict and reason")
clean = [r for r in job_lines if r["verdict"] == "clean"]
t.check(clean and all(len(r["sha256_in"]) == 64 and len(r["sha256_out"]) == 64 and
                      len(r["policy_sha256"]) == 64 and r["db_version"] for r in clean),
        "job lines carry hashes in and out, the policy hash and the database version")
t.check(hashlib.sha256(b"line 0\n").hexdigest() in [r["sha256_in"] for r in clean],
        "the input hash is the file's SHA-256")
for ev in ("start", "engine-loaded", "reload", "mail", "stop", "checkpoint", "audit-start"):
    t.check(ev in events, f"a {ev} line")
t.check([r["seq"] for r in recs] == list(range(1, len(recs) + 1)), "seq counts every line")
prev = "0" * 64
chain_ok = True
for line, r in zip(raw, recs):
    chain_ok = chain_ok and r["prev"] == prev
    prev = hashlib.sha256(line).hexdigest()
t.check(chain_ok, "each line holds the SHA-256 of the line before (checked with hashlib)")
t.check(all(r["time"].endswith("Z") and len(r["time"]) == 27 for r in recs),
        "times are RFC 3339 UTC with microseconds")

rc, out = verify(log)
t.check(rc == 0 and "OK" in out, f"the untouched log verifies: {out}")


# ---- tampering, each on a fresh copy ----
def tampered(name, edit):
    dd = os.path.join(work, name)
    shutil.copytree(adir, dd)
    path = os.path.join(dd, "audit.log")
    ls = lines_of(path)
    ls = edit(ls)
    with open(path, "wb") as f:
        f.write(b"".join(x + b"\n" for x in ls))
    return verify(path)


def seq_of(line):
    return json.loads(line)["seq"]


ji = next(i for i, r in enumerate(recs) if r["event"] == "job" and r["name"] == "tool.exe")
rc, out = tampered("edit", lambda ls: ls[:ji] + [ls[ji].replace(b'"blocked"', b'"clean"')] +
                   ls[ji + 1:])
t.check(rc == 1 and f"seq {ji + 1}) was changed" in out, f"an edited line is named: {out}")
rc, out = tampered("delete", lambda ls: ls[:ji] + ls[ji + 1:])
t.check(rc == 1 and "removed" in out and f"seq {ji + 2} follows {ji}" in out,
        f"a removed line is found: {out}")
rc, out = tampered("insert", lambda ls: ls[:ji] + [ls[ji - 1]] + ls[ji:])
t.check(rc == 1 and "inserted" in out, f"an inserted line is found: {out}")
rc, out = tampered("reorder", lambda ls: ls[:ji - 1] + [ls[ji], ls[ji - 1]] + ls[ji + 1:])
t.check(rc == 1 and ("out of order" in out or "removed" in out), f"swapped lines are found: {out}")
rc, out = tampered("truncate", lambda ls: ls[:-2])
t.check(rc == 1 and "truncated" in out, f"a log cut short is found: {out}")


def rewrite(ls):
    """A whole new history with a consistent chain: the blocked job made
    clean, every hash recomputed, checkpoints kept as they were."""
    out, prev = [], "0" * 64
    for x in ls:
        r = json.loads(x)
        r["prev"] = prev
        if r.get("name") == "tool.exe":
            r["verdict"] = "clean"
        b = json.dumps(r, separators=(",", ":"), ensure_ascii=False).encode()
        out.append(b)
        prev = hashlib.sha256(b).hexdigest()
    return out


rc, out = tampered("rewrite", rewrite)
t.check(rc == 1 and "checkpoint signature does not match" in out,
        f"a whole rewrite with a consistent chain is caught by the signatures: {out}")


def rewrite_unsigned(ls):
    return rewrite([x for x in ls if json.loads(x)["event"] != "checkpoint"])


rc, out = tampered("rewrite-nocp", rewrite_unsigned)
t.check(rc == 1 and ("no signed checkpoint" in out or "head" in out),
        f"a rewrite without the checkpoints is caught: {out}")
dd = os.path.join(work, "nohead")
shutil.copytree(adir, dd)
os.unlink(os.path.join(dd, "audit.log.head"))
rc, out = verify(os.path.join(dd, "audit.log"))
t.check(rc == 1 and "head" in out, f"a removed head is a problem: {out}")
# Signed with another key: a new key pair, checkpoints forged with it.
other = os.path.join(work, "other")
os.mkdir(other)
subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out",
                os.path.join(other, "k.pem")], check=True, capture_output=True)
subprocess.run(["openssl", "pkey", "-in", os.path.join(other, "k.pem"), "-pubout", "-out",
                os.path.join(other, "k.pub")], check=True, capture_output=True)
rc, out = verify("--key", os.path.join(other, "k.pub"), log)
t.check(rc == 1 and "signature does not match" in out,
        f"the log does not verify against someone else's key: {out}")
rc, out = verify("--head", "/nonexistent", log)
t.check(rc == 1, "a head that cannot be read is a problem")

# Explicit files, in order: the same log verifies as one file list.
rc, out = verify("--head", log + ".head", log)
t.check(rc == 0, f"verify with explicit --head: {out}")

shutil.rmtree(work, ignore_errors=True)
shutil.rmtree(d.root, ignore_errors=True)
t.done()
