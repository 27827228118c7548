"""End-to-end: mugaid's quarantine store and the review commands, used by
real Unix users (the store reads each caller's uid from the socket).

Users: man and games are staff without rights; two approvers are the
members of a group made for this test (lp and sys, as supplementary
members). A blocked file and a held message go in through the daemon;
then the two-person rule, visibility, release of a file and of a message
(through a stand-in sendmail that records what it is given), deletion,
retention purge, the CSV export and the audit trail are checked from the
outside: originals with hashlib, the index with Python's sqlite3, the
notice with the email package, the CSV with the csv module, the audit log
with `mugai audit verify` and json. Finally the store process is killed
with SIGKILL between jobs and actions: nothing is lost or done twice.
"""
import csv
import email
import email.policy
import grp
import hashlib
import io
import json
import os
import pwd
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402
import daemon as dm  # noqa: E402
import review as rv  # noqa: E402

t = mt.Checker("quarantine")
GROUP = "mugaitest-approvers"
work = tempfile.mkdtemp(prefix="mugai-quarantine-")
os.chmod(work, 0o755)


def group_setup():
    rv.make_group(GROUP, ["lp", "sys"])


as_user = rv.as_user


def q(user, *args, **kw):
    return as_user(user, "quarantine", "--socket", d.review, *args, **kw)


def user_dir(user):
    return rv.user_dir(work, user)


def put_file(name, data):
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o644)
    return path


def index_rows():
    con = sqlite3.connect(os.path.join(d.state, "store", "index.sqlite"))
    rows = {r[0]: r for r in con.execute(
        "select id, state, source, sha256, owner_uid, sender, recipients from items")}
    con.close()
    return rows


def object_path(sha):
    return os.path.join(d.state, "store", "objects", sha[:2], sha)


def verify_quiet():
    """`mugai audit verify` once the writer has signed its last batch (a
    verify between a batch's lines and its signed head sees lines the
    head does not cover yet)."""
    for _ in range(50):
        p = subprocess.run([mt.MUGAI, "audit", "verify", d.audit_log], capture_output=True)
        if p.returncode == 0:
            break
        time.sleep(0.2)
    return p


def audit_events():
    out = []
    with open(d.audit_log, "rb") as f:
        for ln in f:
            out.append(json.loads(ln))
    return out


group_setup()
fake = rv.FakeSendmail(work)
sent_dir = fake.dir

d = dm.Daemon(os.path.join(work, "d"), ["--approver-group", GROUP, "--sendmail", fake.path])
d.start()
try:
    # --- a blocked file goes in as man --------------------------------------------
    mand = user_dir("man")
    js = b"WScript.Echo('invoice');\n" * 3
    path = put_file("invoice.js", js)
    rc, out = as_user("man", "sanitize", "--json", "--socket", d.sock, "--out",
                      os.path.join(mand, "out"), path)
    t.check(rc == 1, f"the script is blocked: {out}")
    rep = json.loads(out.splitlines()[0]) if out.startswith("{") else {}
    qid = rep.get("quarantine_id", 0)
    t.check(qid > 0, f"the report names its quarantine id: {out[:300]}")
    rows = index_rows()
    sha = hashlib.sha256(js).hexdigest()
    t.check(qid in rows and rows[qid][1] == "held" and rows[qid][3] == sha and
            rows[qid][4] == pwd.getpwnam("man").pw_uid,
            f"the index holds it, held, with its hash and owner: {rows.get(qid)}")
    st = os.stat(object_path(sha))
    t.check((st.st_mode & 0o777) == 0o600 and st.st_uid == pwd.getpwnam("daemon").pw_uid,
            "the original is the service user's, mode 0600")
    with open(object_path(sha), "rb") as f:
        t.check(f.read() == js, "the kept original is the file as it came")
    # The worker user cannot reach the store.
    p = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "cat",
                        object_path(sha)], capture_output=True)
    t.check(p.returncode != 0, "the worker user cannot read the store")

    # --- visibility ------------------------------------------------------------------
    rc, out = q("man", "list")
    t.check(rc == 0 and "invoice.js" in out, f"the owner sees their item: {out}")
    rc, out = q("games", "list")
    t.check(rc == 0 and "invoice.js" not in out, f"someone else does not: {out}")
    rc, out = q("games", "show", str(qid))
    t.check(rc == 1 and "no item" in out, f"nor can they show it: {out}")
    rc, out = q("lp", "show", str(qid), "--json")
    item = json.loads(out) if rc == 0 else {}
    t.check(item.get("report", {}).get("reason_code") == "executable",
            f"an approver sees it with its report: {out[:300]}")

    # --- the two-person rule ---------------------------------------------------------
    rc, out = q("games", "request-release", str(qid), "--reason", "not mine")
    t.check(rc == 1, f"a stranger cannot ask for its release: {out}")
    rc, out = q("man", "request-release", str(qid))
    t.check(rc == 2 or rc == 1, f"a request needs a reason: {out}")
    rc, out = q("man", "request-release", str(qid), "--reason", "取引先の請求書です")
    t.check(rc == 0, f"the owner asks for its release: {out}")
    rc, out = q("man", "approve", str(qid))
    t.check(rc == 1, f"the requester, not an approver, cannot approve: {out}")
    rc, out = q("games", "approve", str(qid))
    t.check(rc == 1, f"a non-member cannot approve: {out}")
    rc, out = q("man", "release", str(qid), "--out", os.path.join(mand, "rel"))
    t.check(rc == 1 and not os.path.exists(os.path.join(mand, "rel", "invoice.js")),
            f"nothing is released before the approval: {out}")
    rc, out = q("lp", "approve", str(qid))
    t.check(rc == 0, f"an approver approves: {out}")
    rc, out = q("sys", "approve", str(qid))
    t.check(rc == 1, f"approved once only: {out}")
    rc, out = q("man", "release", str(qid), "--out", os.path.join(mand, "rel"))
    got = os.path.join(mand, "rel", "invoice.js")
    t.check(rc == 0 and os.path.exists(got), f"the requester releases it: {out}")
    if os.path.exists(got):
        with open(got, "rb") as f:
            t.check(f.read() == js, "the released file is the original")
    rc, out = q("man", "release", str(qid), "--out", os.path.join(mand, "rel2"))
    t.check(rc == 1 and not os.path.exists(os.path.join(mand, "rel2")),
            f"a second release does nothing: {out}")
    # An approver who asks cannot approve their own request either.
    path2 = put_file("macro.js", b"WScript.Echo(2);\n")
    rc, out = as_user("man", "sanitize", "--json", "--socket", d.sock, "--out",
                      os.path.join(mand, "out"), path2)
    qid2 = json.loads(out.splitlines()[0]).get("quarantine_id", 0) if out.startswith("{") else 0
    rc, out = q("lp", "request-release", str(qid2), "--reason", "needed for the audit")
    t.check(rc == 0, f"an approver may ask: {out}")
    rc, out = q("lp", "approve", str(qid2))
    t.check(rc == 1 and "two-person" in out, f"but not approve their own request: {out}")
    rc, out = q("sys", "reject", str(qid2), "--reason", "マクロは受け付けません")
    t.check(rc == 0, f"another approver rejects it: {out}")
    t.check(index_rows()[qid2][1] == "rejected", "the item is rejected")

    # --- a held message, its notice and its release through sendmail ------------------
    eml = os.path.join(mt.CORPUS, "mail", "eicar.eml")

    def approved_mail(recipient):
        """The infected message held for recipient, its release asked for and
        approved: its quarantine id."""
        with open(eml, "rb") as f:
            subprocess.run([mt.MUGAI, "mail", "--socket", d.sock, "--spool",
                            os.path.join(work, "spool"), "--recipient", recipient],
                           stdin=f, capture_output=True, timeout=120)
        mid = max(r[0] for r in index_rows().values() if r[2] == "mail")
        q("sys", "request-release", str(mid), "--reason", "checked")
        q("lp", "approve", str(mid))
        return mid

    with open(eml, "rb") as f:
        original = f.read()
    with open(eml, "rb") as f:
        p = subprocess.run([mt.MUGAI, "mail", "--socket", d.sock, "--spool",
                            os.path.join(work, "spool"), "--sender", "sender@example.jp",
                            "--recipient", "kikaku@example.lg.jp", "--recipient",
                            "soumu@example.lg.jp"], stdin=f, capture_output=True, timeout=120)
    t.check(p.returncode == 1, f"the infected message is held: {p.stderr[-300:]}")
    notice = email.message_from_bytes(p.stdout, policy=email.policy.default)
    body = notice.get_body(("plain",))
    text = body.get_content() if body else ""
    mail_rows = [r for r in index_rows().values() if r[2] == "mail"]
    mid = mail_rows[0][0] if mail_rows else 0
    t.check(len(mail_rows) == 1 and mail_rows[0][3] == hashlib.sha256(original).hexdigest(),
            f"the message is kept once, as it came: {mail_rows}")
    t.check(mid and f"Quarantine id: {mid}" in text and f"隔離番号: {mid}" in text,
            f"the notice gives the quarantine id in both languages: {text[-600:]}")
    t.check(mail_rows and mail_rows[0][5] == "sender@example.jp" and
            mail_rows[0][6] == "kikaku@example.lg.jp\nsoumu@example.lg.jp",
            f"with its envelope: {mail_rows}")
    rc, out = q("man", "request-release", str(mid), "--reason", "mine?")
    t.check(rc == 1, f"a message belongs to no local user: only approvers ask: {out}")
    rc, out = q("sys", "request-release", str(mid), "--reason", "false positive, checked")
    t.check(rc == 0, out)
    rc, out = q("lp", "approve", str(mid))
    t.check(rc == 0, out)
    rc, out = q("sys", "release", str(mid))
    t.check(rc == 0 and "recipients" in out, f"released to its recipients: {out}")
    sent = [json.load(open(os.path.join(sent_dir, n))) for n in sorted(os.listdir(sent_dir))]
    t.check(len(sent) == 1, f"sendmail ran once: {len(sent)}")
    if sent:
        argv = sent[0]["argv"]
        t.check(argv[:4] == ["-i", "-f", "sender@example.jp", "--"] and
                argv[4:] == ["kikaku@example.lg.jp", "soumu@example.lg.jp"],
                f"to the envelope's recipients, from its sender: {argv}")
        msg = sent[0]["msg"].encode("latin-1")
        head, _, rest = msg.partition(b"\n")
        t.check(head.startswith(b"X-Mugai-Released: quarantine item %d released by sys, "
                                b"approved by lp" % mid), f"with a header saying so: {head}")
        t.check(rest == original, "and the original after it, byte for byte")
    rc, out = q("sys", "release", str(mid))
    t.check(rc == 1 and len(os.listdir(sent_dir)) == 1, f"not twice: {out}")

    # --- a message delivered sanitized: its original is kept, and can be asked for -------
    plain = os.path.join(mt.CORPUS, "mail", "alternative-hidden-exe.eml")
    with open(plain, "rb") as f:
        plain_data = f.read()
    with open(plain, "rb") as f:
        p = subprocess.run([mt.MUGAI, "mail", "--socket", d.sock, "--spool",
                            os.path.join(work, "spool"), "--sender", "a@example.jp",
                            "--recipient", "jinji@example.lg.jp"], stdin=f, capture_output=True,
                           timeout=120)
    t.check(p.returncode == 0, "the message is delivered sanitized")
    kept = [r for r in index_rows().values()
            if r[3] == hashlib.sha256(plain_data).hexdigest()]
    t.check(len(kept) == 1 and kept[0][1] == "kept" and kept[0][6] == "jinji@example.lg.jp",
            f"its original is kept, with its envelope: {kept}")
    if kept:
        kid = str(kept[0][0])
        q("sys", "request-release", kid, "--reason", "受信者が原本を希望")
        q("lp", "approve", kid)
        n_before = len(os.listdir(sent_dir))
        rc, out = q("sys", "release", kid)
        sent = [json.load(open(os.path.join(sent_dir, n))) for n in sorted(os.listdir(sent_dir))]
        t.check(rc == 0 and len(sent) == n_before + 1 and
                sent[-1]["msg"].encode("latin-1").split(b"\n", 1)[1] == plain_data,
                f"the original is released to its recipient on request: {out}")

    # --- a delivery that fails leaves the item approved --------------------------------
    os.chmod(fake.path, 0o644)  # sendmail cannot run
    mid2 = approved_mail("x@example.lg.jp")
    rc, out = q("sys", "release", str(mid2))
    t.check(rc == 1 and index_rows()[mid2][1] == "approved",
            f"a failed delivery: refused, still approved: {out}")
    os.chmod(fake.path, 0o755)
    rc, out = q("lp", "release", str(mid2))
    t.check(rc == 0 and index_rows()[mid2][1] == "released", f"then released: {out}")

    # --- delete, retention, export -----------------------------------------------------
    rc, out = q("man", "delete", str(qid2), "--reason", "x")
    t.check(rc == 1, f"staff cannot delete: {out}")
    rc, out = q("lp", "delete", str(qid2), "--reason", "reported to the CSIRT")
    sha2 = hashlib.sha256(b"WScript.Echo(2);\n").hexdigest()
    t.check(rc == 0 and not os.path.exists(object_path(sha2)), f"deleted, original gone: {out}")
    # Two more held items; one of them a year old (its deadline moved back
    # in the index, as time would).
    ids = []
    for i in range(2):
        pth = put_file(f"old{i}.js", b"WScript.Echo(%d);\n" % (10 + i))
        rc, out = as_user("man", "sanitize", "--json", "--socket", d.sock, "--out",
                          os.path.join(mand, "out"), pth)
        ids.append(json.loads(out.splitlines()[0])["quarantine_id"])
    con = sqlite3.connect(os.path.join(d.state, "store", "index.sqlite"))
    con.execute("update items set retain_until = 1000 where id = ?", (ids[0],))
    con.commit()
    con.close()
    before = index_rows()
    rc, out = q("man", "purge", "--expired")
    t.check(rc == 1, f"staff cannot purge: {out}")
    rc, out = q("lp", "purge", "--expired")
    after = index_rows()
    changed = {k for k in after if after[k][1] != before[k][1]}
    t.check(rc == 0 and changed == {ids[0]} and after[ids[0]][1] == "expired",
            f"purge takes exactly the expired item: {changed} {out}")
    t.check(not os.path.exists(object_path(after[ids[0]][3])) and
            os.path.exists(object_path(after[ids[1]][3])), "its original only is gone")

    # A name a spreadsheet would run as a formula.
    pth = put_file("=cmd.js", b"WScript.Echo(99);\n")
    as_user("man", "sanitize", "--socket", d.sock, "--out", os.path.join(mand, "out"), pth)
    rc, out = q("games", "export", "--format", "csv")
    t.check(rc == 1, f"only approvers export: {out[:200]}")
    pw = pwd.getpwnam("lp")
    p = subprocess.run(["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}",
                        "--init-groups", mt.MUGAI, "quarantine", "--socket", d.review, "export",
                        "--format", "csv"], capture_output=True, timeout=60)
    t.check(p.returncode == 0 and p.stdout.startswith(b"\xef\xbb\xbf"), "CSV with a BOM")
    rows = list(csv.DictReader(io.StringIO(p.stdout.decode("utf-8-sig"))))
    t.check(len(rows) == len(index_rows()), f"one row per item: {len(rows)}")
    byid = {int(r["id"]): r for r in rows}
    t.check(byid.get(qid, {}).get("request_reason") == "取引先の請求書です",
            "Japanese reasons intact")
    t.check(any(r["name"] == "'=cmd.js" for r in rows), "a formula-like name is quoted")

    # --- the audit trail ----------------------------------------------------------------
    ev = audit_events()
    kinds = [e["event"] for e in ev]
    t.check(kinds.count("quarantine-put") == len(index_rows()), "one put line per item")
    rel = [e for e in ev if e["event"] == "quarantine-release" and e.get("result") == "done"]
    t.check(len(rel) == 4 and all(e.get("exception") for e in rel),
            f"each release is an exception in the log: {rel}")
    refused = [e for e in ev if e["event"] == "quarantine-approve" and e["result"] == "refused"]
    t.check(any(e["uid"] == pwd.getpwnam("lp").pw_uid and "two-person" in e.get("why", "")
                for e in refused), "a refused self-approval is logged with who and why")
    p = verify_quiet()
    t.check(p.returncode == 0, f"the audit log verifies: {p.stdout[-300:]} {p.stderr[-300:]}")

    # --- the store process killed: puts wait, nothing is lost or doubled ------------------
    daemon_uid = pwd.getpwnam("daemon").pw_uid

    def service_pids():
        """The master's children running as the service user: store and audit writer."""
        for pid in d.pids():
            try:
                with open(f"/proc/{pid}/status") as f:
                    stxt = f.read()
                with open(f"/proc/{pid}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            uid = int([ln.split()[1] for ln in stxt.splitlines() if ln.startswith("Uid:")][0])
            if uid == daemon_uid and ppid == d.proc.pid:
                yield pid

    before = len(index_rows())
    pids = list(service_pids())
    t.check(len(pids) == 2, f"a store and an audit process: {pids}")
    # Kill both service-user processes (store and audit writer): the master
    # restarts them; the jobs meanwhile wait for their puts.
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    outs = []
    for i in range(3):
        pth = put_file(f"k{i}.js", b"WScript.Echo(%d);\n" % (100 + i))
        rc, out = as_user("man", "sanitize", "--json", "--socket", d.sock, "--out",
                          os.path.join(mand, "out"), pth)
        outs.append(json.loads(out.splitlines()[0]).get("quarantine_id", 0) if out else 0)
    rows = index_rows()
    t.check(len(rows) == before + 3 and all(i in rows for i in outs),
            f"every job after the kill was kept once, with its id: {outs}, {len(rows)-before}")
    rc, out = q("lp", "list", "--state", "held")
    t.check(rc == 0 and "k2.js" in out, f"the restarted store answers: {out[-200:]}")
    # The audit writer was restarted too; its lines follow asynchronously.
    for _ in range(100):
        puts = [e["id"] for e in audit_events() if e["event"] == "quarantine-put"]
        if all(i in puts for i in outs):
            break
        time.sleep(0.2)
    p = verify_quiet()
    t.check(p.returncode == 0, f"the audit log still verifies: {p.stdout[-300:]}")
    t.check(sorted(puts) == sorted(set(puts)) and all(i in puts for i in outs),
            f"each put logged exactly once: {sorted(puts)} {outs}")

    # --- killed in the middle of a release: never twice, the original kept ---------------
    mid3 = approved_mail("y@example.lg.jp")
    with open(fake.path) as f:
        fast = f.read()
    with open(fake.path, "w") as f:  # a sendmail that takes its time
        f.write(fast.replace("import sys, json, os, time\n",
                             "import sys, json, os, time\ntime.sleep(4)\n"))
    n_sent = len(fake.sent())
    pw_sys = pwd.getpwnam("sys")
    rel = subprocess.Popen(["setpriv", f"--reuid={pw_sys.pw_uid}", f"--regid={pw_sys.pw_gid}",
                            "--init-groups", mt.MUGAI, "quarantine", "--socket", d.review,
                            "release", str(mid3)], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    time.sleep(1.5)
    victims = []
    for pid in d.pids():
        try:
            if os.stat(f"/proc/{pid}").st_uid == daemon_uid:
                victims.append(pid)
        except OSError:
            pass
    for pid in victims:  # the store, its review child, sendmail, the audit writer
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    rel.wait(timeout=120)
    with open(fake.path, "w") as f:
        f.write(fast)
    time.sleep(3)  # the master restarts the store and the audit writer
    row = index_rows()[mid3]
    t.check(row[1] == "released" and len(fake.sent()) <= n_sent + 1,
            f"killed mid-release: taken once, delivered at most once: {row[1]}, "
            f"{len(fake.sent()) - n_sent}")
    t.check(os.path.exists(object_path(row[3])), "and its original is still kept")
    rc, out = q("sys", "release", str(mid3))
    t.check(rc == 1 and len(fake.sent()) <= n_sent + 1, f"a second release does nothing: {out}")
finally:
    d.stop()
    rv.delete_group(GROUP)

shutil.rmtree(work, ignore_errors=True)
t.done()
