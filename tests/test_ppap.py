"""End-to-end: PPAP through mugaid (パスワード付き zip とパスワード別送).

With mail_ppap_auto, a message with an encrypted zip is delivered with the
zip removed and its original kept; the next message from the same sender
to the same recipients that gives the password makes the store open the
zip, sanitize it, and send the recipients the sanitized message (through a
stand-in sendmail that records what it gets). A wrong password leaves the
item as it was and is in the audit log; another sender's password does
nothing; and by hand, `mugai quarantine unlock` opens a blocked file for
its owner (wrong password: refused, right one: the sanitized file, never
the encrypted one). Checked with the email, zipfile and json modules.
"""
import email
import email.policy
import io
import json
import os
import pwd
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from email.message import EmailMessage

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402
import daemon as dm  # noqa: E402
import review as rv  # noqa: E402

t = mt.Checker("ppap")
work = tempfile.mkdtemp(prefix="mugai-ppap-")
os.chmod(work, 0o755)
ARCH = os.path.join(mt.CORPUS, "archive")

fake = rv.FakeSendmail(work)
policy = os.path.join(work, "policy.conf")
with open(policy, "w") as f:
    f.write("[limits]\nmail_ppap_window_minutes = 30\n[options]\nmail_ppap_auto = yes\n")


def message(sender, to, subject, text, zip_name=None):
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, to, subject
    m.set_content(text)
    if zip_name:
        with open(os.path.join(ARCH, zip_name), "rb") as f:
            m.add_attachment(f.read(), maintype="application", subtype="zip",
                             filename="見積書.zip")
    return m.as_bytes()


def mail(data, sender, rcpt):
    p = subprocess.run([mt.MUGAI, "mail", "--socket", d.sock, "--spool",
                        os.path.join(work, "spool"), "--sender", sender, "--recipient", rcpt],
                       input=data, capture_output=True, timeout=120)
    return p


def sent():
    return fake.sent()


def wait_sent(n, timeout=60):
    end = time.time() + timeout
    while time.time() < end and len(sent()) < n:
        time.sleep(0.2)
    return sent()


def rows():
    con = sqlite3.connect(os.path.join(d.state, "store", "index.sqlite"))
    out = {r[0]: r[1:] for r in con.execute("select id, state, sender from items")}
    con.close()
    return out


def audit():
    with open(d.audit_log, "rb") as f:
        return [json.loads(ln) for ln in f]


d = dm.Daemon(os.path.join(work, "d"), ["--policy", policy, "--sendmail", fake.path])
d.start()
try:
    # --- the zip first: delivered without it, its original kept ----------------------
    p = mail(message("tanaka@example.co.jp", "soumu@example.lg.jp", "見積書の送付",
                     "見積書を添付します。パスワードは別途お送りします。",
                     "encrypted-zipcrypto.zip"),
             "tanaka@example.co.jp", "soumu@example.lg.jp")
    t.check(p.returncode == 0, f"the zip mail is delivered: {p.stderr[-300:]}")
    got = email.message_from_bytes(p.stdout, policy=email.policy.default)
    t.check(not any(part.get_filename() == "見積書.zip" for part in got.walk()),
            "without the encrypted zip")
    kept = [k for k, v in rows().items() if v == ("kept", "tanaka@example.co.jp")]
    t.check(len(kept) == 1, f"its original is kept: {rows()}")

    # --- another sender's password does nothing ---------------------------------------
    mail(message("other@example.com", "soumu@example.lg.jp", "PW", "パスワード: mugai"),
         "other@example.com", "soumu@example.lg.jp")
    time.sleep(2)
    t.check(sent() == [], "a password from someone else opens nothing")

    # --- a wrong password: nothing delivered, the item stays, the log says so -----------
    mail(message("tanaka@example.co.jp", "soumu@example.lg.jp", "パスワード",
                 "先ほどのファイルのパスワード：nope-nope\n"),
         "tanaka@example.co.jp", "soumu@example.lg.jp")
    end = time.time() + 30
    while time.time() < end and not any(e["event"] == "quarantine-unlock" for e in audit()):
        time.sleep(0.2)
    ev = [e for e in audit() if e["event"] == "quarantine-unlock"]
    t.check(len(ev) == 1 and ev[0]["result"] == "refused" and "wrong password" in ev[0]["why"],
            f"a wrong password is refused and logged: {ev}")
    t.check(sent() == [] and rows()[kept[0]][0] == "kept", "and the item stays kept")

    # --- the right password: the sanitized message goes to the recipients ---------------
    p = mail(message("tanaka@example.co.jp", "soumu@example.lg.jp", "パスワードのお知らせ",
                     "お世話になっております。\n先ほどのファイルのパスワードです。\n\nmugai\n\n"
                     "よろしくお願いいたします。\n"),
             "tanaka@example.co.jp", "soumu@example.lg.jp")
    t.check(p.returncode == 0, "the password mail itself is delivered as text")
    out = wait_sent(1)
    t.check(len(out) == 1, f"one unlocked message sent: {len(out)}")
    if out:
        t.check(out[0]["argv"][-1] == "soumu@example.lg.jp" and
                out[0]["argv"][2] == "tanaka@example.co.jp", f"to the recipients: {out[0]['argv']}")
        raw = out[0]["msg"].encode("latin-1")
        t.check(raw.startswith(b"X-Mugai-Unlocked: quarantine item %d" % kept[0]),
                f"marked as unlocked: {raw[:80]}")
        m = email.message_from_bytes(raw.split(b"\n", 1)[1], policy=email.policy.default)
        zips = [part for part in m.walk() if (part.get_filename() or "").endswith(".zip")]
        t.check(len(zips) == 1, f"with the zip, now sanitized: {[x.get_filename() for x in m.walk()]}")
        if zips:
            z = zipfile.ZipFile(io.BytesIO(zips[0].get_content()))
            infos = z.infolist()
            t.check(infos and not any(i.flag_bits & 1 for i in infos),
                    "and not encrypted any more")
            names = [i.filename for i in infos]
            t.check(any(n.endswith(".txt") for n in names) and "pic.png" in names,
                    f"its members: {names}")
    t.check(rows()[kept[0]][0] == "unlocked", "the item is unlocked")
    ev = [e for e in audit() if e["event"] == "quarantine-unlock" and e["result"] == "done"]
    t.check(len(ev) == 1 and "ppap" in ev[0].get("reason", ""), f"logged: {ev}")
    # The same password again: nothing is sent twice.
    mail(message("tanaka@example.co.jp", "soumu@example.lg.jp", "再送", "パスワード: mugai"),
         "tanaka@example.co.jp", "soumu@example.lg.jp")
    time.sleep(2)
    t.check(len(sent()) == 1, "not twice")

    # --- by hand: a blocked encrypted file, unlocked by its owner ------------------------
    pw = pwd.getpwnam("man")
    home = os.path.join(work, "home")
    os.makedirs(home)
    os.chown(home, pw.pw_uid, pw.pw_gid)
    src = os.path.join(work, "見積書.zip")
    shutil.copy(os.path.join(ARCH, "encrypted-zipcrypto.zip"), src)
    for name in ("passwords.txt", "wrong-passwords.txt"):
        shutil.copy(os.path.join(ARCH, name), os.path.join(work, name))
        os.chmod(os.path.join(work, name), 0o644)
    os.chmod(src, 0o644)

    def as_man(*args):
        r = subprocess.run(["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}",
                            "--init-groups", mt.MUGAI] + list(args), capture_output=True,
                           timeout=120)
        return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")

    rc, out = as_man("sanitize", "--json", "--socket", d.sock, "--out",
                     os.path.join(home, "out"), src)
    qid = str(json.loads(out.splitlines()[0]).get("quarantine_id", 0)) if rc == 1 else "0"
    t.check(qid != "0", f"the encrypted zip is blocked and kept: {out[:300]}")
    rc, out = as_man("quarantine", "--socket", d.review, "unlock", qid, "--password-file",
                     os.path.join(work, "wrong-passwords.txt"), "--out", os.path.join(home, "u"))
    t.check(rc == 1 and "stays held" in out and not os.path.exists(os.path.join(home, "u")),
            f"wrong passwords: refused, nothing written: {out}")
    rc, out = as_man("quarantine", "--socket", d.review, "unlock", qid, "--password-file",
                     os.path.join(work, "passwords.txt"), "--out", os.path.join(home, "u"))
    files = os.listdir(os.path.join(home, "u")) if os.path.isdir(os.path.join(home, "u")) else []
    t.check(rc == 0 and len(files) == 1, f"the right ones: one file: {out} {files}")
    if files:
        z = zipfile.ZipFile(os.path.join(home, "u", files[0]))
        t.check(not any(i.flag_bits & 1 for i in z.infolist()) and
                "pic.png" in z.namelist(), "the sanitized zip, not the encrypted one")
    rc, out = as_man("quarantine", "--socket", d.review, "unlock", qid, "--password-file",
                     os.path.join(work, "passwords.txt"), "--out", os.path.join(home, "u2"))
    t.check(rc == 1, f"once: {out}")
    n_items = len(rows())
    t.check(n_items == 6, f"unlock jobs put nothing new in the store: {n_items}")
finally:
    d.stop()

shutil.rmtree(work, ignore_errors=True)
t.done()
