"""End-to-end: two mugaid nodes sharing one quarantine, the index in a real
PostgreSQL server started by this test (initdb into a temporary directory,
its own port) and the originals in one directory both nodes use, as a
shared mount would be in production.

A file blocked on node A is listed, approved and released from node B; the
two-person rule holds across nodes; two releases of one item from both
nodes at the same moment deliver it once. The store's rules are also run
against PostgreSQL on their own (t_store with MUGAI_TEST_PG). Rows are read
back with psql, originals with hashlib.
"""
import concurrent.futures
import hashlib
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402
import daemon as dm  # noqa: E402
import pg as pgs  # noqa: E402
import review as rv  # noqa: E402

t = mt.Checker("twonode")
GROUP = "mugaitest-2n-approvers"
work = tempfile.mkdtemp(prefix="mugai-twonode-")
os.chmod(work, 0o755)
BUILD = os.environ.get("MUGAI_BUILD", os.path.dirname(mt.MUGAI))


as_user = rv.as_user


def user_dir(user):
    return rv.user_dir(work, user)


server = pgs.Server(os.path.join(work, "pg")).start()
nodes = []
try:
    # --- the rules, against PostgreSQL --------------------------------------------
    server.createdb("mugai_unit")
    p = subprocess.run([os.path.join(BUILD, "tests", "t_store")], capture_output=True, text=True,
                       env=dict(os.environ, MUGAI_TEST_PG=server.conninfo("mugai_unit")),
                       timeout=120)
    t.check(p.returncode == 0, "t_store passes with the index in PostgreSQL: %s %s" %
            (p.stdout[-200:], p.stderr[-1500:]))

    # --- two nodes ------------------------------------------------------------------
    server.createdb("mugai")
    rv.make_group(GROUP, ["lp", "sys"])
    shared = os.path.join(work, "shared-store")
    for name in ("a", "b"):
        d = dm.Daemon(os.path.join(work, name),
                      ["--store-dir", shared, "--store-database", server.conninfo("mugai"),
                       "--approver-group", GROUP, "--audit-node", "node-" + name])
        d.start()
        nodes.append(d)
    a, b = nodes

    def q(node, user, *args):
        return as_user(user, "quarantine", "--socket", node.review, *args)

    home = user_dir("man")
    data = b"WScript.Echo('two nodes');\n"
    src = os.path.join(work, "report.js")
    with open(src, "wb") as f:
        f.write(data)
    os.chmod(src, 0o644)
    rc, out = as_user("man", "sanitize", "--json", "--socket", a.sock, "--out",
                      os.path.join(home, "out"), src)
    rep = json.loads(out.splitlines()[0]) if out.startswith("{") else {}
    qid = str(rep.get("quarantine_id", 0))
    t.check(rc == 1 and qid != "0", f"blocked on node A and kept: {out[:300]}")
    r = server.psql("mugai", f"select state, node, sha256 from items where id={qid}")
    t.check(r.stdout.strip() == "held|node-a|" + hashlib.sha256(data).hexdigest(),
            f"one row in PostgreSQL, from node A: {r.stdout!r} {r.stderr}")

    rc, out = q(b, "lp", "list")
    t.check(rc == 0 and "report.js" in out, f"node B lists it: {out}")
    rc, out = q(b, "man", "request-release", qid, "--reason", "業務で必要")
    t.check(rc == 0, f"requested on node B: {out}")
    rc, out = q(a, "man", "approve", qid)
    t.check(rc == 1, f"not approved by the requester on node A: {out}")
    rc, out = q(b, "lp", "approve", qid)
    t.check(rc == 0, f"approved on node B: {out}")
    rc, out = q(b, "man", "release", qid, "--out", os.path.join(home, "rel"))
    got = os.path.join(home, "rel", "report.js")
    t.check(rc == 0 and os.path.exists(got), f"released from node B: {out}")
    if os.path.exists(got):
        with open(got, "rb") as f:
            t.check(f.read() == data, "the original, as node A kept it")
    r = server.psql("mugai", f"select action from actions where item={qid} order by id")
    t.check(r.stdout.split() == ["request-release", "approve", "release"],
            f"the history in PostgreSQL: {r.stdout!r}")

    # Two-person rule across nodes: an approver asks on A, cannot approve on B.
    src2 = os.path.join(work, "second.js")
    with open(src2, "wb") as f:
        f.write(b"WScript.Echo(2);\n")
    os.chmod(src2, 0o644)
    rc, out = as_user("man", "sanitize", "--json", "--socket", b.sock, "--out",
                      os.path.join(home, "out"), src2)
    qid2 = str(json.loads(out.splitlines()[0]).get("quarantine_id", 0))
    rc, out = q(a, "lp", "request-release", qid2, "--reason", "check")
    t.check(rc == 0, out)
    rc, out = q(b, "lp", "approve", qid2)
    t.check(rc == 1 and "two-person" in out, f"no self-approval on another node: {out}")
    rc, out = q(a, "sys", "approve", qid2)
    t.check(rc == 0, out)

    # Both nodes release the same item at once: one delivers, one is refused.
    def rel(node):
        return q(node, "sys", "release", qid2, "--out", user_dir("sys"))
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        results = list(ex.map(rel, [a, b]))
    codes = sorted(rc for rc, _ in results)
    t.check(codes == [0, 1], f"released once from two nodes at once: {results}")
    files = [n for n in os.listdir(user_dir("sys")) if n.startswith("second")]
    t.check(len(files) == 1, f"one copy written: {files}")
finally:
    for d in nodes:
        d.stop()
    server.stop()
    rv.delete_group(GROUP)

shutil.rmtree(work, ignore_errors=True)
t.done()
