"""End-to-end: mail through a real Postfix with mugai-milter.

The test starts its own Postfix (tests/postfix/instance.py: config and
queue under a temporary directory, smtpd on free ports of 127.0.0.1,
smtpd_milters = the mugai-milter it also starts, delivery by virtual(8)
into a Maildir), sends messages with swaks (the real ones with smtplib,
byte for byte: swaks reads a literal backslash-n as a line break) and reads
what was delivered with Python's email package, never with Mugai's code:

  - a Japanese ISO-2022-JP HTML mail with a JPEG carrying Exif, an .exe
    hidden in multipart/alternative, an S/MIME encrypted message (held:
    the notice is delivered), EICAR (held), a plain ISO-2022-JP mail:
    no text/html, no multipart/alternative, the exe gone and named in the
    notice, the JPEG without APP1, Japanese subject and body intact,
    X-Mugai-Result on every delivered message, the original in the spool;
  - over the milter's mail_max_size: 552 5.3.4; more header fields than
    the milter can delete: 554 5.6.0; nothing delivered;
  - an engine run longer than Postfix's milter_content_timeout (8 s here):
    the milter's progress messages keep Postfix waiting, it is delivered;
  - mugai-milter killed (SIGKILL) while the engine works on a message
    that Postfix's own queue relays to the milter-protected smtpd: the
    message is deferred in the queue (451), a direct SMTP client gets a
    4xx, nothing unsanitized is delivered; after a restart and a queue
    flush the message is delivered sanitized and the queue is empty.

  - real messages from corpus/mail-real, one or more per class of issue
    15 (REAL below says which), sent as an SMTP client sends them (no mbox
    From line; CR LF on the wire, a CR-only original too; Postfix's
    Received: first): each delivered message is compared with what was
    sent by tests/lib/mailcheck.py (subject, visible text >= 0.9, no
    U+FFFD, Japanese lines, attachment names, no uuencoded block left), the
    same checks as tests/test_mail_real.py; and Outlook's inline uuencode
    message with its three file names blanked (no real sample has an empty
    name): three PNGs attached, nothing left inline;
  - the same kind of real messages through Postfix's pipe(8) with flags=F,
    as user nobody (the pipe mode's input: a `From ` line first, LF line
    ends): `mugai mail` releases each, without the From line, and the
    output passes the same comparison with what pipe(8) handed over.

Postfix and swaks are required (scripts/install-deps.sh): the test fails,
it does not skip, when they are missing.
"""
import email.header
import email.message
import io
import json
import zipfile
import hashlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, os.path.join(HERE, "postfix"))
import mugaitest as mt  # noqa: E402
import instance as pfx  # noqa: E402
import daemon as dm  # noqa: E402
import mailcheck as mc  # noqa: E402
import review as rv  # noqa: E402

pfx.require_tools()
t = mt.Checker("postfix")
MILTER = os.path.join(os.path.dirname(mt.MUGAI), "mugai-milter")
SLOW = os.path.join(HERE, "postfix", "slow-mugai.sh")
PIPE = os.path.join(HERE, "postfix", "pipe-mugai.sh")
if not (os.access(mt.MUGAI, os.X_OK) and os.access(MILTER, os.X_OK)):
    raise SystemExit("FAIL: need $MUGAI and mugai-milter beside it (got %r)" % mt.MUGAI)

root = tempfile.mkdtemp(prefix="mugai-postfix-")
APPROVERS = "mugaitest-pf-approvers"
spool = os.path.join(root, "spool")
# pipe(8) runs as nobody: its output directory and spool are nobody's.
pipe_out = os.path.join(root, "pipe")
pipe_spool = os.path.join(root, "pipe-spool")
for d in (pipe_out, pipe_spool):
    os.makedirs(d)
    os.chown(d, pfx.MAILBOX_UID, pfx.MAILBOX_GID)
milter_port = pfx.free_port()
pf = pfx.Postfix(root, milter_port, pipe_argv=[PIPE, pipe_out, mt.MUGAI, mt.TESTDB, pipe_spool,
                                               "${queue_id}"])
policy = os.path.join(root, "policy.conf")
with open(policy, "w") as f:
    # mail_ppap_auto matters only through mugaid (the PPAP part below).
    f.write("[limits]\nmail_max_size = 2M\n[options]\nmail_ppap_auto = yes\n")


milters = []
daemons = []


def milter(engine=None, env=None):
    m = pfx.Milter(MILTER, engine or mt.MUGAI, mt.TESTDB, spool, milter_port,
                   os.path.join(root, "milter.log"), env=env)
    m.cmd += ["--policy", policy]
    milters.append(m)
    return m


def kill_slow_engine(mark):
    """The slow engine stand-in outlives a killed milter; it is ours to end."""
    try:
        with open(mark) as f:
            os.kill(int(f.read()), signal.SIGKILL)
    except (OSError, ValueError):
        pass


def corpus(name):
    return os.path.join(mt.CORPUS, "mail", name)


# Real messages through the milter, by the classes of issue 15.
REAL = [
    # A Japanese carrier's UTF-8 bounce labelled ISO-2022-JP (mislabelled
    # charset, Japanese intact), and Lotus Notes' (CR LF original).
    "sisimai/bsd-lhost-kddi-01.eml", "sisimai/dos-lhost-notes-01.eml",
    # A CR-only original (au/KDDI, Japanese), as a client sends it: CR LF.
    "sisimai/mac-lhost-kddi-01.eml",
    # Office 365 bounces and a multipart without a boundary (Verizon), which
    # killed the worker with a forbidden system call; Apache James.
    "sisimai/bsd-lhost-office365-09.eml", "sisimai/bsd-lhost-verizon-02.eml",
    "sisimai/bsd-lhost-apachejames-01.eml",
    # multipart/alternative with HTML, once held as "HTML document": Netscape
    # (an mbox original, its From line dropped by the client) and Eudora.
    "mimekit/content-length-mbox-04.eml", "hunnysoft/m2004.eml",
    # Raw Latin-1 header text (Frösche, Jürgen Schmürgen), once read as CP932.
    "hunnysoft/m0001.eml",
    # Eudora with BinHex attachments: those removed, the text released.
    "hunnysoft/m2011.eml",
    # Outlook's inline uuencode: three PNGs cut out of the text, released.
    "hunnysoft/m0018.eml",
    # Content-Type without a subtype ("application-x-gzip; name=..."): the
    # name kept.
    "mimekit/missing-subtype.eml",
    # An Exchange bounce labelled GB2312 holding GBK bytes.
    "php-mime-mail-parser/failure.eml",
    # Shift_JIS; a PDF attachment (an mbox original); a Word 97-2003 one.
    "mail-gem/multi_charset-japanese_shift_jis.eml",
    "mail-gem/attachment_emails-attachment_pdf.eml", "php-mime-mail-parser/m0024.eml",
]
# Through pipe(8) with flags=F: what the pipe mode gets from Postfix.
PIPED = ["sisimai/bsd-lhost-kddi-01.eml", "hunnysoft/m0001.eml", "hunnysoft/m1005.eml",
         "mail-gem/attachment_emails-attachment_pdf.eml"]


def real(rel):
    """A real message as an SMTP client sends it: without an mbox From line,
    with CR LF line ends (a CR-only original included: SMTP knows no other)."""
    with open(os.path.join(mt.CORPUS, "mail-real", rel), "rb") as f:
        data = f.read()
    if data.startswith(b"From ") and b"\n" in data:
        data = data.split(b"\n", 1)[1]
    data = re.sub(rb"\r(?!\n)", b"\r\n", data)
    return data, mt.write(root, "real-" + rel.replace("/", "-"), data)


def uu_nameless():
    """Outlook's inline uuencode (hunnysoft m0018) with "begin 666 NAME"
    made "begin 666": the only change."""
    data, _ = real("hunnysoft/m0018.eml")
    data, n = re.subn(rb"(?m)^begin 666 [^\r\n]+\r$", b"begin 666\r", data)
    t.check(n == 3, "m0018 has three uuencoded blocks (%d)" % n)
    return data, mt.write(root, "uu-nameless.eml", data)


def iso2022(s):
    return s.encode("iso-2022-jp")


def make_jp_html_photo():
    """ISO-2022-JP HTML body with a script and remote content, and a JPEG with Exif."""
    with open(os.path.join(mt.CORPUS, "jpeg", "exif.jpg"), "rb") as f:
        jpeg = f.read()
    t.check(0xE1 in [mk for mk, _ in mt.jpeg_markers(jpeg)[0]], "sample JPEG has APP1 (Exif)")
    b64 = __import__("base64").encodebytes(jpeg).replace(b"\n", b"\r\n")
    subject = email.header.Header("現地写真の送付", "iso-2022-jp").encode().encode()
    name = email.header.Header("山田 太郎", "iso-2022-jp").encode().encode()
    html = iso2022("<html><head><script>alert('x')</script></head><body>"
                   "<p>現地の写真を送ります。ご確認ください。</p>"
                   "<img src=\"https://tracker.example/p.gif\">"
                   "<p><a href=\"https://evil.example/login\">こちら</a></p></body></html>")
    msg = (b"Received: from mx.example.jp (mx.example.jp [192.0.2.1])\r\n"
           b"\tby gw.example.lg.jp with ESMTP id 4AbC; Mon, 1 Jul 2024 09:00:00 +0900\r\n"
           b"Date: Mon, 1 Jul 2024 09:00:00 +0900\r\n"
           b"From: " + name + b" <yamada@example.jp>\r\n"
           b"To: test@localhost\r\n"
           b"Subject: " + subject + b"\r\n"
           b"Message-ID: <jp-html-photo@example.jp>\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=\"b-jp\"\r\n\r\n"
           b"--b-jp\r\n"
           b"Content-Type: text/html; charset=ISO-2022-JP\r\n"
           b"Content-Transfer-Encoding: 7bit\r\n\r\n" + html + b"\r\n"
           b"--b-jp\r\n"
           b"Content-Type: image/jpeg; name=\"photo.jpg\"\r\n"
           b"Content-Disposition: attachment; filename=\"photo.jpg\"\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + b64 +
           b"--b-jp--\r\n")
    return mt.write(root, "jp-html-photo.eml", msg)


def looks_executable(data):
    return (data.startswith(b"MZ") or data.startswith(b"\x7fELF") or data.startswith(b"#!")
            or mt.EICAR in data)


def check_clean(data, label):
    """What every delivered message must pass; returns the parsed message."""
    msg = pfx.parse(data)
    t.check(msg["X-Mugai-Result"] is not None, label + ": X-Mugai-Result present")
    for ok, what in mc.released_checks(msg, lambda p: p.get_payload(decode=True) or b"",
                                       looks_executable):
        t.check(ok, label + ": " + what)
    return msg


def body_text(msg):
    b = msg.get_body(preferencelist=("plain",))
    return b.get_content() if b is not None else ""


def attachments(msg):
    return [p for p in msg.walk() if p.get_content_disposition() == "attachment"]


def spooled(msg):
    """The original the X-Mugai-Result header points at is in the spool."""
    res = (msg["X-Mugai-Result"] or "").replace(" ", "").replace("\r", "").replace("\n", "")
    i = res.find("original=sha256:")
    sha = res[i + 16:i + 80] if i >= 0 else ""
    path = os.path.join(spool, sha + ".eml")
    if not sha or not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        data = f.read()
    t.check(hashlib.sha256(data).hexdigest() == sha, "spooled original matches its name")
    return data


def send(path, label, port=None):
    """swaks into Postfix, checking that Postfix accepted the message."""
    r = pf.swaks(path, port=port)
    ok = r.returncode == 0 and "250 2.0.0 Ok: queued" in r.stdout
    t.check(ok, "%s: accepted by Postfix (swaks %d)\n%s%s" % (label, r.returncode, r.stdout[-600:],
                                                              r.stderr))
    return r


def deliver_one(path, label, port=None):
    """Send one message and return the newly delivered one (bytes or None)."""
    before = len(pf.delivered())
    send(path, label, port)
    got = pf.wait_delivered(before + 1)
    t.check(len(got) == before + 1, "%s: one message delivered (%d)" % (label, len(got) - before))
    return got[before][1] if len(got) > before else None


def deliver_bytes(data, label):
    """Send raw bytes (real messages: no swaks, which rewrites a literal
    backslash-n) and return the newly delivered message (bytes or None)."""
    before = len(pf.delivered())
    code, reply = pfx.smtp_send(pf.port, data)
    t.check(code == 250 and "queued" in reply, "%s: accepted by Postfix (%s %s)" %
            (label, code, reply))
    got = pf.wait_delivered(before + 1)
    t.check(len(got) == before + 1, "%s: one message delivered (%d)" % (label, len(got) - before))
    return got[before][1] if len(got) > before else None


def refused(r, code, label):
    t.check(r.returncode != 0 and code in r.stdout, "%s: refused with %s (swaks %d)\n%s" %
            (label, code, r.returncode, r.stdout[-400:]))


m = milter()
started = time.monotonic()
try:
    pf.start()
    m.start()

    # --- sanitized on the way through ----------------------------------------
    data = deliver_one(make_jp_html_photo(), "jp html + photo")
    if data:
        msg = check_clean(data, "jp html + photo")
        t.check(msg["Subject"] == "現地写真の送付", "ISO-2022-JP subject intact: %r" % msg["Subject"])
        t.check(msg["From"].addresses[0].display_name == "山田 太郎", "From display name intact")
        b = body_text(msg)
        t.check("現地の写真を送ります。ご確認ください。" in b, "Japanese HTML text as plain text: %r" % b)
        for bad in ("alert", "tracker.example", "\ufffd"):
            t.check(bad not in b, "jp html: %r gone" % bad)
        atts = attachments(msg)
        t.check(len(atts) == 1 and atts[0].get_content_type() == "image/jpeg", "photo delivered")
        if atts:
            marks = [mk for mk, _ in mt.jpeg_markers(atts[0].get_payload(decode=True))[0]]
            t.check(0xE1 not in marks and 0xDA in marks, "photo without APP1: %r" % marks[:8])
        orig = spooled(msg)
        t.check(orig is not None and b"jp-html-photo@example.jp" in orig, "original in the spool")
        t.check("by gw.example.lg.jp" in data.decode("ascii", "replace"), "trace fields kept")
        t.check(all(c < 0x80 for c in data), "delivered message is 7-bit")

    data = deliver_one(corpus("alternative-hidden-exe.eml"), "hidden exe")
    if data:
        msg = check_clean(data, "hidden exe")
        b = body_text(msg)
        t.check("plain version" in b and "html version" not in b, "plain alternative kept")
        t.check("update.exe" in b and "削除しました" in b, "notice names update.exe: %r" % b)
        t.check(attachments(msg) == [], "no attachment left")

    data = deliver_one(corpus("iso-2022-jp.eml"), "iso-2022-jp")
    if data:
        msg = check_clean(data, "iso-2022-jp")
        t.check(msg["Subject"] == "会議資料のご送付", "subject: %r" % msg["Subject"])
        t.check("会議の資料を送付いたします。" in body_text(msg) and "①議事録 ②日程表" in body_text(msg),
                "ISO-2022-JP body with NEC digits intact")

    # A trace field the sender wrote with 8-bit bytes is not kept as a trace.
    forged = ("Received: from evil (\u6b63\u898f) by mx; Mon, 1 Dec 2026 10:00:00 +0900\r\n"
              "From: a@example.jp\r\nTo: test@localhost\r\nSubject: forged trace\r\n"
              "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
              "body\r\n").encode("utf-8")
    data = deliver_bytes(forged, "8-bit Received")
    if data:
        check_clean(data, "8-bit Received")
        head = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        t.check(all(b < 0x80 for b in head), "no 8-bit byte left in the header block: %r" %
                [ln for ln in head.split(b"\n") if any(c >= 0x80 for c in ln)])
        t.check(b"from evil" not in head, "the forged trace field is gone")

    for rel in REAL:
        sent, path = real(rel)
        data = deliver_bytes(sent, rel)
        if data:
            check_clean(data, rel)
            for p in mc.compare(sent, data, rel):
                t.check(False, p)
            t.check(b"verdict=sanitized" in data, rel + ": delivered sanitized")

    sent, path = uu_nameless()
    data = deliver_bytes(sent, "uuencode without names")
    if data:
        msg = check_clean(data, "uuencode without names")
        for p in mc.compare(sent, data, "uuencode without names"):
            t.check(False, p)
        pngs = [a.get_payload(decode=True) for a in attachments(msg)
                if a.get_content_type() == "image/png"]
        t.check(len(pngs) == 3 and all(b.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in b
                                       for b in pngs),
                "three nameless uuencoded PNGs released as PNGs (%d)" % len(pngs))
        t.check("begin 666" not in body_text(msg), "no uuencoded block left in the text")

    for name, reason in (("smime-encrypted.eml", "encrypted"), ("eicar.eml", "infected")):
        data = deliver_one(corpus(name), name)
        if data:
            msg = check_clean(data, name)
            res = msg["X-Mugai-Result"] or ""
            t.check("verdict=held" in res and reason in res, name + ": held notice: " + res)
            nb = body_text(msg)
            t.check("保留" in nb and "held" in nb, name + ": notice in Japanese and English")
            t.check(not any("pkcs7" in p.get_content_type() for p in msg.walk()),
                    name + ": nothing of the original attached")
            t.check(spooled(msg) is not None, name + ": original in the spool")

    # --- refused in the SMTP dialogue, nothing delivered --------------------------
    before = len(pf.delivered())
    with open(corpus("plain.eml"), "rb") as f:
        plain = f.read()
    big = mt.write(root, "big.eml", plain + (b"x" * 998 + b"\r\n") * 3000)
    refused(pf.swaks(big), "552 5.3.4", "over mail_max_size")
    many = mt.write(root, "many.eml", b"".join(b"X-F-%d: v\r\n" % i for i in range(4200)) + plain)
    refused(pf.swaks(many), "554 5.6.0", "4200 header fields")
    t.check(len(pf.delivered()) == before, "refused messages not delivered")

    t.check(m.stop() == 0, "mugai-milter exits 0 on SIGTERM:\n" + m.read_log()[-2000:])

    # --- an engine slower than milter_content_timeout ---------------------------------
    mark = os.path.join(root, "slow-run")
    m = milter(SLOW, {"MUGAI_REAL": mt.MUGAI, "MUGAI_SLOW_MARK": mark, "MUGAI_SLOW_SECONDS": "12"})
    m.start()
    t0 = time.monotonic()
    data = deliver_one(corpus("alternative-hidden-exe.eml"), "slow engine")
    took = time.monotonic() - t0
    t.check(os.path.exists(mark) and took >= 12, "went through the slow engine (%.1f s)" % took)
    if data:
        t.check("update.exe" in body_text(check_clean(data, "slow engine")),
                "delivered sanitized after 12 s with an 8 s milter_content_timeout")
    t.check(m.stop() == 0, "mugai-milter exits 0 on SIGTERM after the slow run")

    # --- mugai-milter killed with a message in flight -------------------------------
    before = len(pf.delivered())
    mark = os.path.join(root, "in-flight")
    slow = milter(SLOW, {"MUGAI_REAL": mt.MUGAI, "MUGAI_SLOW_MARK": mark})
    slow.start()
    # Through the relay smtpd: the message is in Postfix's own queue and
    # smtp(8) hands it to the milter-protected smtpd.
    r = send(corpus("alternative-hidden-exe.eml"), "relayed", port=pf.relay_port)
    qid = r.stdout.split("queued as ")[-1].split()[0] if "queued as " in r.stdout else "?"
    end = time.monotonic() + 60
    while not os.path.exists(mark) and time.monotonic() < end:
        time.sleep(0.05)
    t.check(os.path.exists(mark), "the engine got the relayed message")
    slow.kill()
    kill_slow_engine(mark)
    end = time.monotonic() + 60
    while "deferred" not in pf.queued() and time.monotonic() < end:
        time.sleep(0.1)
    q = pf.queued()
    t.check(q.get("deferred") == [qid], "message deferred in the queue: %r (%s)" % (q, qid))
    log = pf.read_log()
    t.check(any(qid in ln and "status=deferred" in ln and "451" in ln for ln in log.splitlines()),
            "the milter's smtpd answered 451 and smtp(8) deferred")
    r = pf.swaks(corpus("plain.eml"))
    t.check(r.returncode != 0 and re.search(r"^<\*\*\s+4\d\d ", r.stdout, re.M),
            "direct SMTP without a milter: 4xx (swaks %d)\n%s" % (r.returncode, r.stdout[-400:]))
    down = len(pf.delivered())
    t.check(down == before, "nothing delivered while the milter is down (%d)" % (down - before))

    m = milter()
    m.start()
    pf.flush()
    got = pf.wait_delivered(before + 1, timeout=120)
    t.check(len(got) == before + 1, "delivered after restart and flush (%d)" % (len(got) - before))
    if len(got) > before:
        msg = check_clean(got[before][1], "after restart")
        b = body_text(msg)
        t.check("update.exe" in b and "html version" not in b, "delivered sanitized: %r" % b)
    end = time.monotonic() + 30
    while pf.queued() and time.monotonic() < end:
        time.sleep(0.1)
    t.check(pf.queued() == {}, "queue empty at the end: %r" % pf.queued())

    # --- through mugaid, and mugaid killed with a message in flight ---------------
    t.check(m.stop() == 0, "mugai-milter (mugai mail per message) stopped")
    droot = os.path.join(root, "mugaid")
    os.makedirs(droot)
    os.chmod(droot, 0o755)
    # Approvers for the release below: root and lp, in a group of the test's own.
    rv.make_group(APPROVERS, ["root", "lp"])
    release_sendmail = os.path.join(root, "sendmail")
    with open(release_sendmail, "w") as f:
        # A sendmail-compatible submission into this Postfix without the
        # milter (a released message must not be held again).
        f.write("#!/usr/bin/python3\nimport smtplib, sys\n"
                "a = sys.argv[1:]\nsender = a[a.index('-f') + 1]\n"
                "rcpts = a[a.index('--') + 1:]\n"
                f"s = smtplib.SMTP('127.0.0.1', {pf.release_port})\n"
                "s.sendmail(sender, rcpts, sys.stdin.buffer.read())\ns.quit()\n")
    os.chmod(release_sendmail, 0o755)
    d = dm.Daemon(droot, ["--policy", policy, "--approver-group", APPROVERS,
                          "--sendmail", release_sendmail])
    d.start()
    daemons.append(d)
    m = milter()
    m.cmd += ["--mugaid", d.sock]
    m.start()
    data = deliver_one(corpus("alternative-hidden-exe.eml"), "through mugaid")
    if data:
        t.check("update.exe" in body_text(check_clean(data, "through mugaid")),
                "sanitized by mugaid, the exe named in the notice")
    t.check("mugaid: mail uid=" in d.read_log(), "mugaid logged the message and its client")
    before = len(pf.delivered())
    spooled_before = set(os.listdir(spool))
    # Frozen first, so the message is certainly in flight when it is killed.
    os.killpg(d.proc.pid, signal.SIGSTOP)
    r = send(corpus("alternative-hidden-exe.eml"), "relayed to a stopped mugaid", port=pf.relay_port)
    qid = r.stdout.split("queued as ")[-1].split()[0] if "queued as " in r.stdout else "?"
    end = time.monotonic() + 60
    while set(os.listdir(spool)) == spooled_before and time.monotonic() < end:
        time.sleep(0.05)
    time.sleep(0.5)
    t.check(set(os.listdir(spool)) != spooled_before, "the milter kept the original, then asked mugaid")
    os.kill(d.proc.pid, signal.SIGKILL)  # the master; the others die with it
    d.proc.wait()
    os.killpg(d.proc.pid, signal.SIGCONT)
    end = time.monotonic() + 60
    while "deferred" not in pf.queued() and time.monotonic() < end:
        time.sleep(0.1)
    q = pf.queued()
    t.check(q.get("deferred") == [qid], "mugaid killed: the message is deferred: %r (%s)" % (q, qid))
    t.check(len(pf.delivered()) == before, "nothing delivered while mugaid is down")
    d.start()
    pf.flush()
    got = pf.wait_delivered(before + 1, timeout=120)
    t.check(len(got) == before + 1, "delivered once after mugaid restarted (%d)" % (len(got) - before))
    if len(got) > before:
        b = body_text(check_clean(got[before][1], "after mugaid restart"))
        t.check("update.exe" in b and "html version" not in b, "delivered sanitized: %r" % b)
    end = time.monotonic() + 30
    while pf.queued() and time.monotonic() < end:
        time.sleep(0.1)
    t.check(pf.queued() == {}, "queue empty after the mugaid restart: %r" % pf.queued())
    time.sleep(2)
    t.check(len(pf.delivered()) == before + 1, "and exactly once")

    # --- held by mugaid, kept in its store, released by two people -----------------
    with open(corpus("eicar.eml"), "rb") as f:
        eicar_msg = f.read()
    data = deliver_one(corpus("eicar.eml"), "an infected message through mugaid")
    notice = check_clean(data, "the held notice") if data else None
    text = body_text(notice) if notice else ""
    qm = re.search(r"Quarantine id: (\d+)", text)
    t.check(qm is not None, "the notice gives the quarantine id: %r" % text[-400:])
    mid = qm.group(1) if qm else "0"

    def review(user, *args):
        cmd = [mt.MUGAI, "quarantine", "--socket", d.review] + list(args)
        if user != "root":
            pw = pwd.getpwnam(user)
            cmd = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}",
                   "--init-groups"] + cmd
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout + p.stderr

    rc, out = review("root", "show", mid, "--json")
    t.check(rc == 0 and '"recipients":"test@localhost"' in out and
            '"sender":"sender@example.jp"' in out, "kept with its envelope: %s" % out[:400])
    rc, out = review("root", "request-release", mid, "--reason", "誤検知を確認済み")
    t.check(rc == 0, "requested: " + out)
    rc, out = review("root", "approve", mid)
    t.check(rc == 1 and "two-person" in out, "the requester cannot approve: " + out)
    rc, out = review("lp", "approve", mid)
    t.check(rc == 0, "approved by another approver: " + out)
    before = len(pf.delivered())
    rc, out = review("root", "release", mid)
    t.check(rc == 0, "released: " + out)
    got = pf.wait_delivered(before + 1, timeout=60)
    t.check(len(got) == before + 1, "the released message arrives (%d)" % (len(got) - before))
    released_names = set()
    if len(got) > before:
        n, data = got[before]
        released_names.add(n)
        msg = pfx.parse(data)
        t.check("released by root, approved by lp" in (msg["X-Mugai-Released"] or ""),
                "with a field naming who released and approved it: %r" % msg["X-Mugai-Released"])
        norm = eicar_msg.replace(b"\r\n", b"\n")
        orig_body = norm.split(b"\n\n", 1)[1]
        got_body = data.replace(b"\r\n", b"\n").split(b"\n\n", 1)[1]
        t.check(got_body.rstrip() == orig_body.rstrip() and
                msg["Subject"] == pfx.parse(eicar_msg)["Subject"],
                "the original, as it came: %r %r" % (got_body[-200:], orig_body[-200:]))
    rc, out = review("root", "release", mid)
    time.sleep(2)
    t.check(rc == 1 and len(pf.delivered()) == before + 1, "not twice: " + out)

    # --- PPAP: a zip, then its password, as two SMTP messages --------------------------
    def ppap_mail(name, subject, text, zip_name=None):
        msg = email.message.EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "sender@example.jp", "test@localhost", subject
        msg.set_content(text)
        if zip_name:
            with open(os.path.join(mt.CORPUS, "archive", zip_name), "rb") as f:
                msg.add_attachment(f.read(), maintype="application", subtype="zip",
                                   filename="資料.zip")
        return mt.write(root, name, msg.as_bytes())

    def audit_unlocks():
        with open(d.audit_log, "rb") as f:
            return [json.loads(ln) for ln in f if b'"quarantine-unlock"' in ln]

    before = len(pf.delivered())
    got = deliver_one(ppap_mail("ppap1.eml", "資料送付", "資料を送ります。",
                                "encrypted-zipcrypto.zip"), "the zip mail")
    if got:
        t.check(not [p for p in pfx.parse(got).walk() if p.get_filename() == "資料.zip"],
                "delivered without the encrypted zip")
    # A wrong password first: nothing more arrives, the refusal is logged.
    deliver_one(ppap_mail("ppap2.eml", "パスワード", "パスワード: nope-nope"),
                "a wrong password mail")
    end = time.monotonic() + 30
    while time.monotonic() < end and not audit_unlocks():
        time.sleep(0.2)
    un = audit_unlocks()
    t.check(len(un) == 1 and un[0]["result"] == "refused", "the wrong password is refused: %r" % un)
    t.check(len(pf.delivered()) == before + 2, "and nothing else was delivered")
    # The right one: the sanitized zip arrives as a third message.
    # The password mail and the unlocked one arrive in either order.
    send(ppap_mail("ppap3.eml", "パスワード", "先ほどの資料のパスワードです。\n\nmugai\n"),
         "the password mail")
    got = pf.wait_delivered(before + 4, timeout=60)
    t.check(len(got) == before + 4, "the unlocked message arrives (%d)" % (len(got) - before))
    unlocked = [(n, data) for n, data in got[before + 2:before + 4]
                if pfx.parse(data)["X-Mugai-Unlocked"]]
    t.check(len(unlocked) == 1, "one of the two is the unlocked message")
    if unlocked:
        n, data = unlocked[0]
        released_names.add(n)
        msg = pfx.parse(data)
        t.check((msg["X-Mugai-Unlocked"] or "").startswith("quarantine item"),
                "marked as unlocked: %r" % msg["X-Mugai-Unlocked"])
        zips = [p for p in msg.walk() if (p.get_filename() or "").endswith(".zip")]
        if zips:
            z = zipfile.ZipFile(io.BytesIO(zips[0].get_content()))
            t.check("pic.png" in z.namelist() and not any(i.flag_bits & 1 for i in z.infolist()),
                    "with the zip sanitized and no longer encrypted")
        else:
            t.check(False, "the unlocked message has the zip")
        check_clean(data, "the unlocked message")

    # --- pipe(8) with flags=F: the pipe mode as Postfix runs it -----------------------
    for rel in PIPED:
        sent, path = real(rel)
        code, reply = pfx.smtp_send(pf.pipe_port, sent, to="test@pipe.localhost")
        qid = reply.split("queued as ")[-1].split()[0] if "queued as " in reply else "?"
        t.check(code == 250 and qid != "?", "%s: accepted for pipe(8) (%s %s)" % (rel, code, reply))
        rc_file = os.path.join(pipe_out, qid + ".rc")
        end = time.monotonic() + 60
        while not os.path.exists(rc_file) and time.monotonic() < end:
            time.sleep(0.1)
        time.sleep(0.1)
        try:
            with open(os.path.join(pipe_out, qid + ".in"), "rb") as f:
                given = f.read()
            with open(os.path.join(pipe_out, qid + ".out"), "rb") as f:
                out = f.read()
            with open(rc_file) as f:
                code = int(f.read().strip() or -1)
        except (OSError, ValueError) as e:
            t.check(False, "%s: pipe(8) ran mugai mail: %s" % (rel, e))
            continue
        t.check(given.startswith(b"From sender@example.jp ") and b"\r\n" not in given,
                rel + ": pipe(8) handed over a From line and LF line ends: %r" % given[:60])
        t.check(code == 0, "%s: released in pipe mode (exit %d)" % (rel, code))
        if code == 0:
            check_clean(out, rel + " (pipe)")
            t.check(not out.startswith(b"From "), rel + ": no From line in the output")
            for p in mc.compare(given, out, rel + " (pipe)"):
                t.check(False, p)

    # --- every message in the mailbox went through the milter ---------------------
    # (but the one released from quarantine, on purpose)
    final = pf.delivered()
    t.check(len(final) == 17 + len(REAL), "%d messages delivered in all (%d)" %
            (17 + len(REAL), len(final)))
    for n, data in final:
        if n not in released_names:
            check_clean(data, "mailbox " + n)
    t.check(m.stop() == 0, "mugai-milter exits 0 on SIGTERM at the end")
finally:
    for x in milters:
        x.stop()
    for x in daemons:
        x.stop()
    rv.delete_group(APPROVERS)
    kill_slow_engine(os.path.join(root, "in-flight"))
    pf.stop()
    t.check(pf.processes() == [], "no Postfix process left")
    if t.failed:
        sys.stderr.write("--- maillog (%s)\n%s\n--- milter log\n%s\n" %
                         (root, pf.read_log()[-6000:], m.read_log()[-3000:]))
print("postfix test took %.1f s" % (time.monotonic() - started))
if not t.failed:
    shutil.rmtree(root, ignore_errors=True)
t.done()
