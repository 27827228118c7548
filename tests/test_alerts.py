"""End-to-end: alert mail to the security staff.

mugaid with alert_to set, a short batch, at most one mail an hour, a
stand-in sendmail that records what it is given, and a virus database
whose files are 30 days old under a policy that allows 7. Malware, an
encrypted file and the old database make one bilingual mail; a clean file
makes none; what comes after the hour's one mail waits. The mail is read
with the email package.
"""
import email
import email.policy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402
import daemon as dm  # noqa: E402
import review as rv  # noqa: E402

t = mt.Checker("alerts")
work = tempfile.mkdtemp(prefix="mugai-alerts-")
os.chmod(work, 0o755)
fake = rv.FakeSendmail(work)
policy = os.path.join(work, "policy.conf")
with open(policy, "w") as f:
    f.write("[limits]\ndb_max_age_days = 7\n")
db = os.path.join(work, "db")
shutil.copytree(mt.TESTDB, db)
old = time.time() - 30 * 86400
for n in os.listdir(db):
    os.utime(os.path.join(db, n), (old, old))


def sent():
    return fake.sent()


def sanitize(name, data):
    p = os.path.join(work, name)
    with open(p, "wb") as f:
        f.write(data)
    return subprocess.run([mt.MUGAI, "sanitize", "--socket", d.sock, "--out",
                           os.path.join(work, "out"), p], capture_output=True, timeout=120)


os.makedirs(os.path.join(work, "d"))
d = dm.Daemon(os.path.join(work, "d"), ["--policy", policy, "--alert-to", "sec@example.lg.jp",
                                        "--alert-batch-seconds", "2", "--alert-max-per-hour", "1",
                                        "--sendmail", fake.path], db=db)
d.start()
try:
    sanitize("clean.txt", "お知らせ\n".encode())
    time.sleep(3)
    before = sent()
    t.check(len(before) == 1, f"the old database alone makes one mail: {len(before)}")
    r = sanitize("eicar.com.txt", mt.EICAR)
    t.check(r.returncode == 1, "EICAR is blocked")
    with open(os.path.join(mt.CORPUS, "archive", "encrypted-zipcrypto.zip"), "rb") as f:
        sanitize("見積書.zip", f.read())
    time.sleep(4)
    after = sent()
    t.check(len(after) == 1, f"no second mail within the hour (limit 1): {len(after)}")
    if before:
        argv, raw = before[0]["argv"], before[0]["msg"]
        t.check(argv[-1] == "sec@example.lg.jp", f"to the staff address: {argv}")
        m = email.message_from_bytes(raw.encode("latin-1"), policy=email.policy.default)
        t.check("警告" in m["Subject"] and "alert" in m["Subject"], f"subject: {m['Subject']}")
        body = m.get_content()
        t.check("ウイルス定義が古い" in body and "database is old" in body and "30 days" in body,
                f"the old database, in both languages: {body[-600:]}")
        t.check("clean.txt" not in body, "nothing about the clean file")
    # The waiting alerts are sent when the daemon stops (nothing is dropped);
    # a loaded machine may take a while to stop it.
    d.proc.terminate()
    try:
        d.proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        pass
    final = sent()
    if len(final) != 2:
        print(d.read_log()[-3000:], file=sys.stderr)
    t.check(len(final) == 2, f"the waiting alerts go out when it stops: {len(final)}")
    if len(final) == 2:
        body = email.message_from_bytes(final[1]["msg"].encode("latin-1"), policy=email.policy.default).get_content()
        t.check("マルウェア" in body and "malware found" in body and "eicar.com.txt" in body,
                f"malware, with the file: {body[-800:]}")
        t.check("encrypted" in body and "見積書.zip" in body, "the encrypted zip too")
        t.check("clean.txt" not in body, "and not the clean file")
finally:
    d.stop()

shutil.rmtree(work, ignore_errors=True)
t.done()
