"""End-to-end: the `mugai sanitize` command as a user runs it.

Exit statuses, JSON reports, output naming (no overwrite, extension change),
quarantine, virus scanning, database checks, policy errors, blocked types and
file-name tricks. Outputs are inspected with the walkers in lib/mugaitest.py.
"""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402

t = mt.Checker("cli")
work = tempfile.mkdtemp(prefix="mugai-cli-")


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# --- usage and configuration errors: exit 2 --------------------------------
p = subprocess.run([mt.MUGAI], capture_output=True)
t.check(p.returncode == 2, "no arguments -> exit 2")
p = subprocess.run([mt.MUGAI, "sanitize", "--db", mt.TESTDB], capture_output=True)
t.check(p.returncode == 2 and b"no input" in p.stderr, "no inputs -> exit 2")
p = subprocess.run([mt.MUGAI, "sanitize", "--bogus", "x"], capture_output=True)
t.check(p.returncode == 2, "unknown option -> exit 2")

txt = mt.write(work, "note.txt", "こんにちは Mugai\n".encode("utf-8"))
empty_db = tempfile.mkdtemp(prefix="mugai-nodb-")
r = mt.run([txt], db=empty_db)
t.check(r.code == 2, f"empty database dir -> exit 2 (got {r.code})")
t.check("signature" in r.stderr or "database" in r.stderr, "missing db message: " + r.stderr)
t.check(r.outputs() == [], "nothing written without a database")
r = mt.run([txt], db="/nonexistent/db")
t.check(r.code == 2 and "freshclam" in r.stderr, "nonexistent db dir -> exit 2 with a hint")

bad_policy = mt.write(work, "bad.conf", b"[limits]\nmax_depth = 3\nnot a line\n")
r = mt.run([txt], "--policy", bad_policy)
t.check(r.code == 2, "bad policy -> exit 2")
t.check("bad.conf:3" in r.stderr, "bad policy error names file and line: " + r.stderr)
t.check(r.outputs() == [], "nothing written with a bad policy")

missing = os.path.join(work, "does-not-exist.txt")
r = mt.run([missing])
t.check(r.code == 2, "missing input -> exit 2")

# --- an old database gives a warning but works -------------------------------
old_db = tempfile.mkdtemp(prefix="mugai-olddb-")
for f in os.listdir(mt.TESTDB):
    shutil.copy(os.path.join(mt.TESTDB, f), old_db)
    old = time.time() - 40 * 86400
    os.utime(os.path.join(old_db, f), (old, old))
r = mt.run([txt], db=old_db)
t.check(r.code == 0, f"old database still runs (exit {r.code}) {r.stderr}")
t.check("days old" in r.stderr, "old database warns: " + r.stderr)

# --- a clean text file is released unchanged ---------------------------------
r = mt.run([txt])
t.check(r.code == 0, f"text released (exit {r.code}): {r.stdout} {r.stderr}")
t.check(r.outputs() == ["note.txt"], f"output name kept: {r.outputs()}")
if r.outputs() == ["note.txt"]:
    t.check(sha(os.path.join(r.outdir, "note.txt")) == sha(txt), "clean text unchanged")
rep = r.reports[0] if r.reports else {}
t.check(rep.get("verdict") == "clean", f"verdict clean: {rep.get('verdict')}")
t.check(rep.get("type") == "text", "type text")
t.check(rep.get("sha256") == sha(txt), "sha256 of input in report")
t.check(rep.get("scan", {}).get("input", {}).get("status") == "clean", "input scanned clean")
t.check(rep.get("scan", {}).get("output", {}).get("status") == "clean", "output scanned clean")
t.check(isinstance(rep.get("report"), dict) and rep["report"].get("name") == "note.txt",
        "report tree present")

# --- never overwrite: the second run gets "note (1).txt" ---------------------
r2 = mt.run([txt], outdir=r.outdir)
t.check(r2.code == 0, "second run released")
t.check(r2.outputs() == ["note (1).txt", "note.txt"], f"no overwrite: {r2.outputs()}")
t.check(r2.reports and r2.reports[0]["output"].endswith("note (1).txt"), "report names variant")

# --- human-readable output: one line per input -------------------------------
r = mt.run([txt], json_out=False)
lines = r.stdout.strip().splitlines()
t.check(len(lines) == 1 and lines[0].startswith("clean") and "note.txt" in lines[0],
        f"one human line: {r.stdout!r}")

# --- EICAR in a text file: the virus scan blocks it ------------------------
eicar = mt.write(work, "readme.txt", b"hello\n" + mt.EICAR + b"\n")
qdir = os.path.join(work, "quarantine")
r = mt.run([eicar], "--quarantine", qdir)
t.check(r.code == 1, f"eicar blocked (exit {r.code}) {r.stdout}")
t.check(r.outputs() == [], "eicar: nothing released")
rep = r.reports[0] if r.reports else {}
t.check(rep.get("verdict") == "blocked" and rep.get("reason_code") == "infected",
        f"eicar reason infected: {rep}")
t.check("Mugai.Test.EICAR" in rep.get("reason", ""), "virus name in reason")
t.check(rep.get("scan", {}).get("input", {}).get("name", "").startswith("Mugai.Test.EICAR"),
        "virus name in scan result")
qorig = os.path.join(qdir, sha(eicar), "original")
t.check(os.path.isfile(qorig) and sha(qorig) == sha(eicar), "original kept in quarantine")
t.check(rep.get("quarantine") == os.path.join(qdir, sha(eicar)), "report names quarantine")
qreps = glob.glob(os.path.join(qdir, sha(eicar), "report-*.json"))
t.check(len(qreps) == 1 and json.load(open(qreps[0]))["verdict"] == "blocked",
        "quarantine has the report")

# --- clam.exe (Debian clamav-testfiles): executable, blocked -----------------
clam = "/usr/share/clamav-testfiles/clam.exe"
disguised = mt.write(work, "請求書.pdf", open(clam, "rb").read())
r = mt.run([clam, disguised])
t.check(r.code == 1 and r.outputs() == [], "clam.exe blocked, nothing released")
for rep in r.reports:
    t.check(rep["verdict"] == "blocked" and rep["reason_code"] in ("executable", "infected"),
            f"clam.exe blocked as executable: {rep.get('reason_code')}")
    t.check(rep["type"] == "pe", f"clam.exe detected as pe: {rep['type']}")
    t.check(rep["scan"]["input"]["status"] == "infected", "clam.exe input infected")
if len(r.reports) == 2:
    t.check("disguised" in r.reports[1]["reason"] or
            r.reports[1]["report"].get("declared_type") == "pdf",
            "PE behind a .pdf name: mismatch recorded")

# --- file-name tricks are blocked whatever the content -----------------------
names = ["請求書.pdf.exe", "invoice\u202efdp.txt", "report.txt.", "report.txt ",
         "script.js", "run.bat", "macro.vbs", "page.hta", "link.url"]
paths = [mt.write(work, n, b"just text\n") for n in names]
r = mt.run(paths)
t.check(r.code == 1 and r.outputs() == [], f"name tricks blocked: {r.outputs()}")
t.check(len(r.reports) == len(names), "one report per input")
for n, rep in zip(names, r.reports):
    t.check(rep["verdict"] == "blocked", f"{n!r} blocked")

# --- every blocked-outright sample in the corpus is blocked ------------------
blocked = sorted(glob.glob(os.path.join(mt.CORPUS, "blocked", "*")))
blocked = [b for b in blocked if os.path.isfile(b) and not b.endswith((".md", ".py"))]
t.check(len(blocked) >= 15, f"blocked corpus present ({len(blocked)} files)")
if blocked:
    r = mt.run(blocked)
    t.check(r.code == 1, "blocked corpus: exit 1")
    t.check(r.outputs() == [], f"blocked corpus: nothing released: {r.outputs()}")
    for rep in r.reports:
        t.check(rep["verdict"] == "blocked", f"{rep['input']} blocked ({rep['type']})")

# --- a mix: exit 1 when anything is blocked, the rest still released --------
r = mt.run([txt, eicar])
t.check(r.code == 1, "mixed -> exit 1")
t.check(r.outputs() == ["note.txt"], f"clean one released in a mixed run: {r.outputs()}")

# --- an unknown type is blocked ---------------------------------------------
blob = mt.write(work, "data.bin", bytes(range(256)) * 16)
r = mt.run([blob])
t.check(r.code == 1 and r.reports and r.reports[0]["reason_code"] in ("unknown-type", "policy"),
        "unknown binary blocked")

# --- types with no sanitizer are held, never passed through ------------------
benign = os.path.join(mt.CORPUS, "blocked", "benign")
nosan = {"minimal.xlsb": "xlsb", "minimal.jtd": "jtd"}
r = mt.run([os.path.join(benign, n) for n in nosan])
t.check(r.code == 1 and r.outputs() == [], f"no-sanitizer types: nothing released {r.outputs()}")
for rep in r.reports:
    name = os.path.basename(rep["input"])
    t.check(rep["type"] == nosan[name] and rep["reason_code"] == "policy",
            f"{name}: {rep['type']} held by policy ({rep['reason_code']})")

# --- a policy that blocks a type ------------------------------------------------
pol = mt.write(work, "strict.conf", b"[actions]\ntext = block\n")
r = mt.run([txt], "--policy", pol)
t.check(r.code == 1 and r.reports and r.reports[0]["reason_code"] == "policy",
        "policy block honoured")

# --- too large by policy: blocked without parsing -----------------------------
pol = mt.write(work, "small.conf", b"[limits]\nmax_input_size = 1K\n[actions]\ntext = sanitize\n")
big = mt.write(work, "big.txt", b"a" * 4096)
r = mt.run([big], "--policy", pol)
t.check(r.code == 1 and r.reports and r.reports[0]["reason_code"] == "limit",
        "max_input_size enforced")

# --- several inputs side by side: same lines, same order, no name clash ----
many = []
for k in range(12):
    d = os.path.join(work, f"batch{k}")
    os.makedirs(d, exist_ok=True)
    many.append(mt.write(d, "same.txt", f"line {k}\n".encode()))
many.insert(5, eicar)
r1 = mt.run(many, "--jobs", "1")
r4 = mt.run(many, "--jobs", "4")
t.check(r1.code == 1 and r4.code == 1, f"batch exit status ({r1.code}, {r4.code})")
t.check([x["input"] for x in r4.reports] == many, "--jobs 4 reports in input order")
t.check([x["verdict"] for x in r4.reports] == [x["verdict"] for x in r1.reports],
        "--jobs 4 gives the same verdicts as --jobs 1")
t.check(len(r4.outputs()) == 12 and len(set(r4.outputs())) == 12,
        f"12 same-named inputs, 12 distinct outputs: {r4.outputs()}")
contents = sorted(open(os.path.join(r4.outdir, f), "rb").read() for f in r4.outputs())
t.check(contents == sorted(f"line {k}\n".encode() for k in range(12)), "every output intact")
# Six copies of one blocked file at once: one quarantine entry, six reports.
dups = []
for k in range(6):
    d = os.path.join(work, f"dup{k}")
    os.makedirs(d, exist_ok=True)
    dups.append(mt.write(d, "readme.txt", b"hello\n" + mt.EICAR + b"\n"))
qdup = os.path.join(work, "quarantine-dup")
r = mt.run(dups, "--jobs", "4", "--quarantine", qdup)
reps = glob.glob(os.path.join(qdup, sha(dups[0]), "report-*.json"))
t.check(r.code == 1 and len(reps) == 6, f"every blocked copy keeps its report ({len(reps)})")
p = subprocess.run([mt.MUGAI, "sanitize", "--jobs", "0", txt], capture_output=True)
t.check(p.returncode == 2, "--jobs 0 refused")

# --- a worker over its CPU budget is killed and the file blocked -----------
# 30000x10000 RGB of zeros: 0.9 MB on disk, several seconds of decoding
# and re-encoding (the worker no longer verifies its own output, so the
# 60-megapixel image this was could finish inside a second on a fast
# machine), far past a 1 s CPU limit; max_pixels raised to let it in.
big_png = mt.write(work, "huge.png", mt.make_png_zero(30000, 10000))
pol = mt.write(work, "cpu.conf",
               b"[limits]\nworker_cpu_seconds = 1\nworker_deadline_seconds = 30\n"
               b"max_pixels = 1000000000\n")
t0 = time.time()
r = mt.run([big_png], "--policy", pol)
rep = r.reports[0] if r.reports else {}
t.check(r.code == 1 and r.outputs() == [], f"CPU-limited job blocked: {r.stdout} {r.stderr}")
t.check(rep.get("reason_code") in ("worker-failed", "timeout"),
        f"killed worker reported as such: {rep.get('reason_code')}")
t.check("CPU time limit" in rep.get("reason", ""), f"reason names the CPU limit: {rep}")
t.check(time.time() - t0 < 25, "killed long before the deadline")

pol = mt.write(work, "deadline.conf",
               b"[limits]\nworker_cpu_seconds = 60\nworker_deadline_seconds = 1\n"
               b"max_pixels = 1000000000\n")
r = mt.run([big_png], "--policy", pol)
rep = r.reports[0] if r.reports else {}
t.check(r.code == 1 and rep.get("reason_code") == "timeout" and "deadline" in rep.get("reason", ""),
        f"wall-clock deadline enforced: {rep}")

t.done()
