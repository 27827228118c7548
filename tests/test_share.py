"""End-to-end: the inbound share with a real Samba server.

The test starts its own smbd (its own smb.conf in a temporary folder, the
share definitions of dist/samba/smb.conf, 127.0.0.1 on a free port, a
private password database with two staff users, man and games), its own
mugaid and mugai-share (as news, a user of its own, with the service
group and CAP_LEASE, as the systemd unit runs it). Staff upload with
smbclient into the inbound share; what comes out is read back with
smbclient from the outbound share and checked with our own readers: a
JPEG's segments (its EXIF gone), bytes and SHA-256, the notice as UTF-8
text, the store's index with sqlite3, the audit log as JSON lines (and
`mugai audit verify`), the released zip with zipfile.

  - files come out sanitized, in their subfolders; a blocked one gives its
    notice (both languages, the quarantine id) and a store entry owned by
    the uploader with its path; lock and partial-download names are left
    alone; each user sees only their own folder
  - a release (two people) and a PPAP unlock put the file where it would
    have gone; the notice goes
  - only share_user may send a file on someone's behalf
  - a large upload in progress (pausing longer than the settle time) is
    not taken until it is complete
  - 500 files dropped while the watcher and mugaid are killed with
    SIGKILL at random points and started again: every file comes out
    exactly once, released or held, checked against the input list
  - the outbound file system nearly full: intake stops with an alert, the
    files wait in the share, and go once there is room again
"""
import hashlib
import io
import json
import os
import pwd
import random
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402
import daemon as dm  # noqa: E402
import review as rv  # noqa: E402

t = mt.Checker("share")
SHARE = os.path.join(os.path.dirname(mt.MUGAI), "mugai-share")
SOURCE = mt.SOURCE or os.path.join(os.path.dirname(__file__), "..")
GROUP = "mugaitest-share-approvers"
STAFF = {"man": "Man-pw-1", "games": "Games-pw-2"}
WATCHER = "news"
SERVICE_GID = pwd.getpwnam("daemon").pw_gid  # mugaid --user daemon
SEED = int(os.environ.get("MUGAI_SHARE_SEED", str(int(time.time()))))
rng = random.Random(SEED)
print(f"seed {SEED} (MUGAI_SHARE_SEED to repeat)")

for tool in ("smbd", "smbclient", "smbpasswd"):
    if not shutil.which(tool):
        print(f"{tool} is missing (scripts/install-deps.sh installs samba and smbclient)")
        sys.exit(1)

work = tempfile.mkdtemp(prefix="mugai-share-")
os.chmod(work, 0o755)
root = os.path.join(work, "share")
inbound, outbound, spool = (os.path.join(root, n) for n in ("inbound", "outbound", "spool"))
for p in (root, inbound, outbound):
    os.makedirs(p, exist_ok=True)
    os.chmod(p, 0o755)
# The outbound share on a small file system of its own, so that the test
# can fill it (the spool must be on the inbound one; outbound need not).
mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160m,mode=0755", "mugai-test",
                          outbound], capture_output=True).returncode == 0
if not mounted:
    print("no tmpfs could be mounted: the disk-full part is skipped")
os.makedirs(spool)
os.chown(spool, pwd.getpwnam(WATCHER).pw_uid, pwd.getpwnam(WATCHER).pw_gid)
os.chmod(spool, 0o700)

sent_dir = os.path.join(work, "sent")
os.makedirs(sent_dir)
os.chmod(sent_dir, 0o777)
fake = os.path.join(work, "sendmail")
with open(fake, "w") as f:
    f.write("#!/usr/bin/python3\nimport sys, json, os, time\n"
            f"p = os.path.join({sent_dir!r}, '%d-%d.json' % (time.time_ns(), os.getpid()))\n"
            "msg = sys.stdin.buffer.read().decode('utf-8', 'replace')\n"
            "json.dump({'argv': sys.argv[1:], 'msg': msg}, open(p, 'w'))\n")
os.chmod(fake, 0o755)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- mugaid, with the share keys in its configuration file ----------------------------
subprocess.run(["groupdel", GROUP], capture_output=True)
subprocess.run(["groupadd", "-U", "lp,sys", GROUP], check=True, capture_output=True)
os.makedirs(os.path.join(work, "d"))
d = dm.Daemon(os.path.join(work, "d"), ["--approver-group", GROUP, "--sendmail", fake,
                                        "--alert-to", "sec@example.lg.jp",
                                        "--alert-batch-seconds", "1"])
conf = os.path.join(work, "mugaid.conf")
with open(conf, "w") as f:
    f.write(f"socket = {d.sock}\nuser = daemon\nworker_user = nobody\n"
            f"share_user = {WATCHER}\nshare_inbound = {inbound}\nshare_outbound = {outbound}\n"
            f"share_spool = {spool}\nshare_settle_seconds = 1\nshare_empty_seconds = 3\n"
            f"share_rescan_seconds = 5\nshare_jobs = 2\nshare_min_free_mb = 24\n"
            "share_contact = 情報政策課 情報セキュリティ係 (内線 1234)\n")
os.chmod(conf, 0o644)
d.cmd[1:1] = ["--config", conf]

# --- Samba: the sample's share definitions, our own [global] ---------------------------
port = free_port()
sdir = os.path.join(work, "samba")
for sub in ("private", "lock", "state", "cache", "pid", "ncalrpc", "log"):
    os.makedirs(os.path.join(sdir, sub))
sample = open(os.path.join(SOURCE, "dist", "samba", "smb.conf"), encoding="utf-8").read()
shares = sample[sample.index("[inbound]"):].replace("/srv/mugai", root)
smbconf = os.path.join(sdir, "smb.conf")
with open(smbconf, "w", encoding="utf-8") as f:
    f.write(f"""[global]
   server role = standalone server
   interfaces = 127.0.0.1
   bind interfaces only = yes
   smb ports = {port}
   disable netbios = yes
   passdb backend = tdbsam:{sdir}/private/passdb.tdb
   private dir = {sdir}/private
   lock directory = {sdir}/lock
   state directory = {sdir}/state
   cache directory = {sdir}/cache
   pid directory = {sdir}/pid
   ncalrpc dir = {sdir}/ncalrpc
   log file = {sdir}/log/smbd.log
   log level = 1
   map to guest = never
   load printers = no
   printcap name = /dev/null
   disable spoolss = yes
   unix extensions = no
   wide links = no
   follow symlinks = no

{shares}""")
p = subprocess.run(["testparm", "-s", os.path.join(SOURCE, "dist", "samba", "smb.conf")],
                   capture_output=True, text=True)
t.check(p.returncode == 0 and "[inbound]" in p.stdout and "[outbound]" in p.stdout,
        f"the sample smb.conf is valid (testparm): {p.stderr[-300:]}")
for user, pw in STAFF.items():
    p = subprocess.run(["smbpasswd", "-c", smbconf, "-a", "-s", user],
                       input=f"{pw}\n{pw}\n", capture_output=True, text=True)
    t.check(p.returncode == 0, f"smbpasswd -a {user}: {p.stderr}")
smbd = subprocess.Popen(["smbd", "--foreground", "--no-process-group", "--configfile", smbconf],
                        stdout=subprocess.DEVNULL, stderr=open(os.path.join(sdir, "smbd.err"), "wb"),
                        start_new_session=True)


def smb(user, share, cmds, cwd=None, timeout=120):
    return subprocess.run(["smbclient", f"//127.0.0.1/{share}", "-p", str(port), "-s", smbconf,
                           "-U", f"{user}%{STAFF[user]}", "-c", cmds], capture_output=True,
                          cwd=cwd, timeout=timeout)


def upload(user, local, remote):
    r = smb(user, "inbound", f'put "{local}" "{remote}"')
    return r.returncode == 0, r.stdout.decode("utf-8", "replace") + r.stderr.decode(
        "utf-8", "replace")


def fetch(user, remote):
    """A file from the user's outbound share, through Samba; None if absent."""
    local = os.path.join(work, "got-" + hashlib.sha256(remote.encode()).hexdigest()[:16])
    if os.path.exists(local):
        os.unlink(local)
    r = smb(user, "outbound", f'get "{remote}" "{local}"')
    if r.returncode != 0 or not os.path.exists(local):
        return None
    with open(local, "rb") as f:
        return f.read()


def listing(user, share, folder=""):
    r = smb(user, share, f'ls "{folder}\\*"' if folder else "ls")
    names = []
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        parts = line.strip().rsplit(None, 7)
        if len(parts) == 8 and parts[0] not in (".", ".."):
            names.append(parts[0])
    return names


# --- mugai-share, as share_user with the service group and CAP_LEASE -------------------
share_log = os.path.join(work, "mugai-share.log")


class Watcher:
    def __init__(self):
        self.proc = None

    def start(self):
        pw = pwd.getpwnam(WATCHER)
        self.log = open(share_log, "ab")
        self.proc = subprocess.Popen(
            ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}",
             f"--groups={SERVICE_GID}", "--inh-caps=+lease", "--ambient-caps=+lease",
             SHARE, "--config", conf], stdout=self.log, stderr=self.log, start_new_session=True)

    def kill(self, sig=signal.SIGKILL):
        """The main process only (its workers die with it, PR_SET_PDEATHSIG);
        returns once the whole group is gone (the spool lock is free)."""
        pid = self.proc.pid
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
        self.proc.wait()
        wait_group_gone(pid)
        self.log.close()


def wait_group_gone(pgid, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        r = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True)
        if r.returncode != 0:
            return True
        time.sleep(0.05)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return False


def kill_mugaid():
    pid = d.proc.pid
    os.kill(pid, signal.SIGKILL)
    d.proc.wait()
    wait_group_gone(pid)
    d.logf.close()


def index_rows(where="1=1"):
    con = sqlite3.connect(os.path.join(d.state, "store", "index.sqlite"))
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute(f"select * from items where {where} order by id")]
    con.close()
    return rows


def audit_events():
    out = []
    with open(d.audit_log, "rb") as f:
        for ln in f:
            try:
                out.append(json.loads(ln))
            except ValueError:
                pass
    return out


def wait_for(cond, timeout=60, step=0.2):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


def files_under(path):
    out = []
    for dp, dn, fn in os.walk(path):
        for n in fn:
            out.append(os.path.relpath(os.path.join(dp, n), path))
    return sorted(out)


def jpeg_segments(data):
    """(marker, payload) of a JPEG's segments up to the scan; None if not a JPEG."""
    if data[:2] != b"\xff\xd8":
        return None
    segs, i = [], 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        m = data[i + 1]
        if m == 0xD9:
            break
        n = struct.unpack(">H", data[i + 2:i + 4])[0]
        segs.append((m, data[i + 4:i + 2 + n]))
        if m == 0xDA:
            break
        i += 2 + n
    return segs


def has_exif(data):
    segs = jpeg_segments(data) or []
    return any(m == 0xE1 and p.startswith(b"Exif\0") for m, p in segs)


def local(name, data):
    p = os.path.join(work, "up-" + hashlib.sha256(name.encode()).hexdigest()[:16])
    with open(p, "wb") as f:
        f.write(data)
    return p


w = Watcher()
try:
    d.start()

    # --- setting up: per-user folders; the watcher only as share_user ------------------
    for user in STAFF:
        p = subprocess.run([SHARE, "--config", conf, "--add-user", user], capture_output=True,
                           text=True)
        t.check(p.returncode == 0, f"--add-user {user}: {p.stderr}")
        for side in (inbound, outbound):
            st = os.stat(os.path.join(side, user))
            t.check(st.st_uid == pwd.getpwnam(user).pw_uid and st.st_gid == SERVICE_GID and
                    (st.st_mode & 0o7777) == 0o2770,
                    f"{side}/{user} is {user}'s, the service group's, mode 2770: {oct(st.st_mode)}")
    p = subprocess.run(["setpriv", "--reuid=games", "--regid=games", "--clear-groups", SHARE,
                        "--config", conf], capture_output=True, text=True, timeout=30)
    t.check(p.returncode == 2 and "share_user" in p.stderr,
            f"mugai-share will not run as someone else: {p.returncode} {p.stderr}")
    w.start()
    # Samba answers once smbd has bound its port.
    t.check(wait_for(lambda: smb("man", "inbound", "ls").returncode == 0, 30),
            f"smbd serves the inbound share: {open(os.path.join(sdir, 'smbd.err')).read()[-500:]}")

    # --- files through Samba --------------------------------------------------------
    with open(os.path.join(mt.CORPUS, "jpeg", "exif.jpg"), "rb") as f:
        photo = f.read()
    t.check(has_exif(photo), "the sample JPEG has EXIF to begin with")
    memo = "会議メモ\n明日 10 時から。\n".encode("utf-8")
    script = b"WScript.Echo('invoice');\r\n" * 4
    r = smb("man", "inbound", "mkdir 現場; mkdir 現場\\写真")
    ok1, o1 = upload("man", local("photo", photo), "現場\\写真\\現場.jpg")
    ok2, o2 = upload("man", local("memo", memo), "メモ.txt")
    ok3, o3 = upload("man", local("script", script), "現場\\請求書.js")
    ok4, o4 = upload("man", local("lock", b"x" * 100), "~$見積書.docx")
    ok5, o5 = upload("man", local("part", b"y" * 100), "setup.exe.part")
    ok6, o6 = upload("games", local("games", b"games' own\n"), "games.txt")
    t.check(ok1 and ok2 and ok3 and ok4 and ok5 and ok6, f"uploads: {o1} {o2} {o3} {o6}")

    got = wait_for(lambda: fetch("man", "現場\\写真\\現場.jpg"), 60)
    t.check(got is not None and jpeg_segments(got) is not None and got.endswith(b"\xff\xd9"),
            "the photo comes out, a whole JPEG, in its subfolder")
    t.check(got is not None and not has_exif(got), "without its EXIF")
    got = wait_for(lambda: fetch("man", "メモ.txt"), 30)
    t.check(got == memo, f"the text comes out as it was: {got!r}")
    notice = wait_for(lambda: fetch("man", "現場\\請求書.js.mugai-notice.txt"), 30)
    t.check(notice is not None and notice.startswith(b"\xef\xbb\xbf"),
            "the blocked script gives a notice (UTF-8 with BOM)")
    text = notice.decode("utf-8-sig") if notice else ""
    rows = index_rows("source='share'")
    held = [r for r in rows if r["name"] == "請求書.js"]
    t.check(len(held) == 1, f"one store entry for it: {rows}")
    qid = held[0]["id"] if held else 0
    if held:
        h = held[0]
        t.check(h["state"] == "held" and h["owner_uid"] == pwd.getpwnam("man").pw_uid and
                h["path"] == "現場/請求書.js" and
                h["sha256"] == hashlib.sha256(script).hexdigest(),
                f"held, owned by man (not the watcher), with its path and hash: {h}")
    t.check(f"隔離番号: {qid}\r\n" in text and f"Quarantine id: {qid}\r\n" in text and
            "ファイル名: 請求書.js" in text and "Name: 請求書.js" in text and
            "(executable)" in text and "内線 1234" in text,
            f"the notice names the file, the reason and the id in both languages: {text[:400]}")
    t.check(not os.path.exists(os.path.join(outbound, "man", "現場", "請求書.js")),
            "the script itself is not in outbound")
    got = wait_for(lambda: fetch("games", "games.txt"), 30)
    t.check(got == b"games' own\n", "games gets their file in their own folder")
    t.check("games.txt" not in listing("man", "outbound") and
            fetch("man", "..\\games\\games.txt") is None, "man does not see games' folder")
    time.sleep(3)
    left = files_under(os.path.join(inbound, "man"))
    t.check(left == sorted(["setup.exe.part", "~$見積書.docx"]),
            f"lock files and partial downloads are left alone, the rest taken: {left}")
    t.check(not any(n.startswith(".mugai-tmp") for n in files_under(outbound)),
            "no temporary file is left in outbound")
    t.check(sorted(os.listdir(spool)) == ["lock"], f"the spool is empty: {os.listdir(spool)}")
    ev = audit_events()
    placed = [e for e in ev if e["event"] == "share-placed" and e.get("share_user") == "man"]
    t.check(any(e.get("output") == "現場/写真/現場.jpg" and
                e.get("sha256_in") == hashlib.sha256(photo).hexdigest() for e in placed),
            f"the audit log has the placement: {placed[:2]}")
    t.check(any(e["event"] == "share-held" and e.get("quarantine_id") == qid and
                e.get("share_path") == "現場/請求書.js" for e in ev),
            "and the held file with its quarantine id")
    t.check(any(e["event"] == "job" and e.get("share_user") == "man" and
                e.get("uid") == pwd.getpwnam(WATCHER).pw_uid for e in ev),
            "the job lines name the watcher as the caller and man as the share user")

    # --- release: two people; the original goes where it would have gone --------------
    def q(user, *args):
        return rv.as_user(user, "quarantine", "--socket", d.review, *args)

    rc, out = q("games", "show", str(qid))
    t.check(rc == 1, f"games cannot see man's item: {out}")
    rc, out = q("man", "show", str(qid))
    t.check(rc == 0 and "path:       現場/請求書.js" in out, f"man sees it with its path: {out}")
    rc, out = q("man", "request-release", str(qid), "--reason", "取引先からの正規の請求書")
    t.check(rc == 0, f"man asks for its release: {out}")
    rc, out = q("man", "approve", str(qid))
    t.check(rc == 1, f"not approved by man: {out}")
    rc, out = q("lp", "approve", str(qid))
    t.check(rc == 0, f"approved by lp: {out}")
    rc, out = q("man", "release", str(qid))
    t.check(rc == 0 and "share folder" in out, f"released into the share: {out}")
    t.check(fetch("man", "現場\\請求書.js") == script, "the original is in man's outbound folder")
    t.check(fetch("man", "現場\\請求書.js.mugai-notice.txt") is None, "and its notice is gone")
    rc, out = q("man", "release", str(qid))
    t.check(rc == 1, f"not twice: {out}")

    # --- PPAP: an encrypted zip, unlocked by its owner ------------------------------------
    with open(os.path.join(mt.CORPUS, "archive", "encrypted-zipcrypto.zip"), "rb") as f:
        enc = f.read()
    upload("man", local("enc", enc), "見積書.zip")
    wait_for(lambda: fetch("man", "見積書.zip.mugai-notice.txt"), 30)
    zrows = index_rows("source='share' and name='見積書.zip'")
    zid = zrows[0]["id"] if zrows else 0
    t.check(len(zrows) == 1 and zrows[0]["reason"] == "encrypted", f"the zip is held: {zrows}")
    pwfile = os.path.join(work, "pw.txt")
    with open(pwfile, "w") as f:
        f.write("mugai\n")
    os.chmod(pwfile, 0o644)
    rc, out = q("man", "unlock", str(zid), "--password-file", pwfile)
    t.check(rc == 0 and "share folder" in out, f"man unlocks it: {out}")
    got = fetch("man", "見積書.zip")
    try:
        zf = zipfile.ZipFile(io.BytesIO(got or b""))
        infos = zf.infolist()
        t.check(infos and not any(i.flag_bits & 1 for i in infos) and
                all(zf.read(i) is not None for i in infos),
                f"the sanitized zip is in outbound, not encrypted: {[i.filename for i in infos]}")
    except zipfile.BadZipFile:
        t.check(False, f"the unlocked file is a zip: {got[:40] if got else None}")
    t.check(got != enc, "and it is not the encrypted original")

    # --- only share_user may speak for someone else ------------------------------------
    probe = os.path.join(work, "probe.py")
    with open(probe, "w") as f:
        f.write(r'''
import array, os, socket, struct, sys
def s(b):
    b = b.encode()
    return struct.pack("<I", len(b)) + b
payload = (struct.pack("<I", 0x31515352) + s("x.js") + struct.pack("<III", 0, 0, 2) +
           s("man") + s("x.js") + s("0123456789abcdef01234567"))
fd = os.open(sys.argv[2], os.O_RDONLY)
c = socket.socket(socket.AF_UNIX)
c.connect(sys.argv[1])
hdr = struct.pack("<III", 0x3150474d, 1, len(payload))
c.sendmsg([hdr], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])
c.sendall(payload)
h = b""
while len(h) < 12:
    b = c.recv(12 - len(h))
    if not b:
        break
    h += b
print(struct.unpack("<III", h)[1] if len(h) == 12 else 0)
''')
    xjs = local("xjs", b"WScript.Echo(5);\n")
    os.chmod(xjs, 0o644)
    before = len(index_rows())
    p = subprocess.run(["setpriv", "--reuid=games", "--regid=games", "--clear-groups",
                        "python3", probe, d.sock, xjs], capture_output=True, text=True)
    t.check(p.stdout.strip() == "7" and len(index_rows()) == before,
            f"a share file from games on man's behalf is refused, nothing kept: {p.stdout}")

    # --- a large upload in progress is not taken -----------------------------------------
    fifo = os.path.join(work, "slow.fifo")
    os.mkfifo(fifo)
    chunk = b"".join(b"%08d large upload line, plain text\n" % i for i in range(230000))
    parts = 4
    whole = chunk * parts
    feeder_done = threading.Event()

    def feed():
        with open(fifo, "wb") as f:
            for i in range(parts):
                f.write(chunk)
                f.flush()
                if i + 1 < parts:
                    time.sleep(3)  # three settle times without a byte
        feeder_done.set()

    th = threading.Thread(target=feed)
    th.start()
    up = subprocess.Popen(["smbclient", "//127.0.0.1/inbound", "-p", str(port), "-s", smbconf,
                           "-U", f"man%{STAFF['man']}", "-c", f'put "{fifo}" "大きな資料.txt"'],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen_partial = False
    big_in = os.path.join(inbound, "man", "大きな資料.txt")
    big_out = os.path.join(outbound, "man", "大きな資料.txt")
    taken_early = False
    while up.poll() is None:
        if os.path.exists(big_in) and 0 < os.path.getsize(big_in) < len(whole):
            seen_partial = True
        if os.path.exists(big_out) or (seen_partial and not os.path.exists(big_in)):
            taken_early = True
        time.sleep(0.1)
    th.join()
    t.check(up.returncode == 0, f"the slow upload went through: {up.stdout.read()[-300:]}")
    t.check(seen_partial, "the file was seen partly written, pausing longer than the settle time")
    t.check(not taken_early, "and it was not taken before the upload ended")
    got = wait_for(lambda: os.path.exists(big_out) and os.path.getsize(big_out) == len(whole)
                   and fetch("man", "大きな資料.txt"), 90)
    t.check(got and hashlib.sha256(got).digest() == hashlib.sha256(whole).digest(),
            f"once complete it comes out whole: {len(got) if got else None} of {len(whole)}")

    # --- 500 files, the watcher and mugaid killed at random points ------------------------
    src = os.path.join(work, "drop")
    expect = {}  # path under man's folder -> "out" or "held"
    datas = {}
    for i in range(500):
        sub = f"crash/d{i % 10}"
        if i % 25 == 7:
            name, data, kind = f"macro{i}.js", b"WScript.Echo(%d);\n" % i, "held"
        elif i % 25 == 11:
            name, data, kind = f"photo{i}.jpg", photo, "out"
        else:
            name = f"note{i}.txt"
            data, kind = ("note %d %s\n" % (i, rng.random())).encode() * (1 + i % 7), "out"
        os.makedirs(os.path.join(src, sub), exist_ok=True)
        with open(os.path.join(src, sub, name), "wb") as f:
            f.write(data)
        expect[f"{sub}/{name}"] = kind
        datas[f"{sub}/{name}"] = data
    store_before = {r["id"] for r in index_rows()}
    kills = []
    drop_done = threading.Event()

    def killer():
        # Alternately the watcher and mugaid, each at a random moment while
        # files arrive and are worked on, then started again.
        for round_ in range(3):
            for who in ("watcher", "mugaid"):
                time.sleep(rng.uniform(0.3, 2.5))
                if who == "watcher":
                    w.kill()
                    kills.append(("watcher", time.time()))
                    time.sleep(rng.uniform(0.1, 1.0))
                    w.start()
                else:
                    kill_mugaid()
                    kills.append(("mugaid", time.time()))
                    time.sleep(rng.uniform(0.1, 1.0))
                    d.start(wait=False)

    kt = threading.Thread(target=killer)
    kt.start()
    r = smb("man", "inbound", "prompt OFF; recurse ON; mkdir crash; cd crash; lcd crash; mput *",
            cwd=src, timeout=300)
    drop_ok = r.returncode == 0
    kt.join()
    d.wait_ready()
    t.check(drop_ok, f"500 files dropped through Samba: {r.stderr[-300:]}")
    t.check(len([k for k in kills if k[0] == 'watcher']) == 3 and
            len([k for k in kills if k[0] == 'mugaid']) == 3, f"six kills: {kills}")

    crash_in = os.path.join(inbound, "man", "crash")
    crash_out = os.path.join(outbound, "man", "crash")

    def settled():
        return (not files_under(crash_in) and sorted(os.listdir(spool)) == ["lock"] and
                len(files_under(crash_out)) >= 500)

    t.check(wait_for(settled, 240, 0.5),
            f"everything went through: inbound {len(files_under(crash_in))}, spool "
            f"{len(os.listdir(spool)) - 1}, outbound {len(files_under(crash_out))}")
    outs = set("crash/" + p for p in files_under(crash_out))
    once = wrong = 0
    problems = []
    for path, kind in expect.items():
        has_out = path in outs
        has_notice = path + ".mugai-notice.txt" in outs
        if has_out + has_notice == 1:
            once += 1
        else:
            problems.append((path, has_out, has_notice))
        if (kind == "out") != has_out:
            wrong += 1
    extra = outs - set(expect) - {p + ".mugai-notice.txt" for p in expect}
    t.check(once == 500 and not extra,
            f"every file exactly once, released or held: {once}/500, {problems[:5]}, "
            f"extra {sorted(extra)[:5]}")
    t.check(wrong == 0, f"each the way it should have gone: {wrong} not")
    bad = [p for p, k in expect.items() if k == "out" and p.endswith(".txt") and
           open(os.path.join(outbound, "man", p), "rb").read() != datas[p]]
    t.check(not bad, f"the texts are whole and the same: {bad[:5]}")
    bad = [p for p, k in expect.items() if p.endswith(".jpg") and
           has_exif(open(os.path.join(outbound, "man", p), "rb").read())]
    t.check(not bad, f"the photos lost their EXIF: {bad[:5]}")
    new_rows = [r for r in index_rows("source='share'") if r["id"] not in store_before]
    by_path = {}
    for r in new_rows:
        by_path.setdefault(r["path"], []).append(r)
    held_paths = {p for p, k in expect.items() if k == "held"}
    t.check(set(by_path) == held_paths and all(len(v) == 1 for v in by_path.values()),
            f"one store entry per held file, none for the others: "
            f"{len(by_path)} paths, {sum(len(v) for v in by_path.values())} rows for "
            f"{len(held_paths)} held files")
    bad = []
    for p in held_paths:
        text = open(os.path.join(outbound, "man", p + ".mugai-notice.txt"),
                    encoding="utf-8-sig").read()
        ids = [r["id"] for r in by_path.get(p, [])]
        if not ids or f"Quarantine id: {ids[0]}\n" not in text.replace("\r\n", "\n"):
            bad.append(p)
    t.check(not bad, f"each notice names its own store entry: {bad[:5]}")
    t.check(not any(n.startswith(".mugai-tmp") for n in files_under(outbound)),
            "no temporary file is left in outbound")
    ev = audit_events()
    noted = {e.get("share_path") for e in ev if e["event"] in ("share-placed", "share-held")}
    t.check(set(expect) <= noted, f"the audit log has each placement: "
            f"{len(set(expect) - noted)} missing: {sorted(set(expect) - noted)[:5]}")
    p = subprocess.run([mt.MUGAI, "audit", "verify", d.audit_log], capture_output=True, text=True)
    t.check(p.returncode == 0, f"the audit log verifies after the kills: {p.stdout[-300:]}")

    # --- the outbound file system nearly full: intake stops, then goes on -----------------
    if mounted:
        st = os.statvfs(outbound)
        free = st.f_bavail * st.f_frsize
        filler = os.path.join(outbound, "filler")
        with open(filler, "wb") as f:
            os.posix_fallocate(f.fileno(), 0, free - 12 * 1024 * 1024)  # 12 MiB left < 24
        stopped = wait_for(lambda: [e for e in audit_events()
                                    if e["event"] == "share-intake-stopped"], 20)
        t.check(stopped and "share_min_free_mb" in stopped[0].get("detail", ""),
                f"intake stops, in the audit log: {stopped}")
        ok, o = upload("man", local("wait", b"waits in the share\n"), "待機.txt")
        time.sleep(4)
        t.check(os.path.exists(os.path.join(inbound, "man", "待機.txt")) and
                not os.path.exists(os.path.join(outbound, "man", "待機.txt")),
                "a file dropped meanwhile waits in the share")
        mails = wait_for(lambda: [s for s in (json.load(open(os.path.join(sent_dir, n)))
                                              for n in sorted(os.listdir(sent_dir)))
                                  if "共有フォルダー" in s["msg"]], 20)
        t.check(mails and "inbound share stopped" in mails[0]["msg"],
                f"the security staff get an alert mail: {len(mails or [])}")
        os.unlink(filler)
        got = wait_for(lambda: fetch("man", "待機.txt"), 30)
        t.check(got == b"waits in the share\n", "with room again, it goes through")
        t.check(any(e["event"] == "share-intake-resumed" for e in audit_events()),
                "and the audit log says intake resumed")
finally:
    if w.proc and w.proc.poll() is None:
        w.kill(signal.SIGTERM)
    d.stop()
    try:
        os.killpg(smbd.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        smbd.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(smbd.pid, signal.SIGKILL)
    wait_group_gone(smbd.pid, 10)
    subprocess.run(["groupdel", GROUP], capture_output=True)
    if t.failed:
        # What the programs said, less the lines about each file done.
        for name in (share_log, d.log):
            try:
                lines = [ln for ln in open(name, errors="replace")
                         if not ln.startswith(("mugai-share: placed", "mugai-share: held",
                                               "mugaid: job"))]
                print(f"--- {name}\n" + "".join(lines[-80:]))
            except OSError:
                pass
    if mounted:
        subprocess.run(["umount", "-l", outbound], capture_output=True)
    if os.environ.get("MUGAI_SHARE_KEEP"):
        print(f"kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
t.done()
