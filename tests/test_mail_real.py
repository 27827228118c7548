"""End-to-end: every real message in corpus/mail-real/ through `mugai mail`.

The messages were written by other people's software (bounces from many
MTAs and Japanese carriers, the MIME test fixtures of three mail libraries,
the Hunnysoft samples from Outlook, Netscape, Eudora and Pine; sources in
corpus/mail-real/README.md). Each goes through the real binary
in pipe mode; the output is compared with the original by
tests/lib/mailcheck.py, which reads both with Python's email package and
Python's codecs, never with Mugai's code: subject as Python decodes it,
the visible text of the original (HTML turned into text by Python's
html.parser) in the output body with similarity >= 0.9, no U+FFFD where
the original decodes cleanly, Japanese lines intact, every named
attachment released again or named in a notice, attached messages checked
the same way. Messages in EXPECTED_HELD must be held with that reason
(exit 1, a notice on stdout); every other one must be released (exit 0)
and pass every check. Then the same for a few messages given as Postfix
pipe with flags=F and procmail give them (a `From ` line first), and the
time the whole set takes.

The whole set goes through a mugaid started here (the path Postfix's
messages take); a sample of it also through the standalone command, which
must answer the same.
"""
import concurrent.futures
import os
import subprocess
import sys
import re
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mailcheck as mc  # noqa: E402
import mugaitest as mt  # noqa: E402
import daemon as dm  # noqa: E402

t = mt.Checker("mail-real")
REAL = os.path.join(mt.CORPUS, "mail-real")
work = tempfile.mkdtemp(prefix="mugai-mail-real-")
spool = os.path.join(work, "spool")

# Held on purpose, with the reason code the held notice must carry.
EXPECTED_HELD = {
    # S/MIME enveloped data: cannot be inspected (policy mail_hold_encrypted).
    "mimekit/content-length-mbox-09.eml": "encrypted",
    "mimekit/content-length-mbox-10.eml": "encrypted",
    "mimekit/content-length-mbox-12.eml": "encrypted",
    "mimekit/content-length-mbox-14.eml": "encrypted",
    "mimekit/content-length-mbox-15.eml": "encrypted",
    "mimekit/content-length-mbox-19.eml": "encrypted",
    "mimekit/content-length-mbox-21.eml": "encrypted",
    "mimekit/content-length-mbox-22.eml": "encrypted",
    "mimekit/content-length-mbox-23.eml": "encrypted",
    # Two Content-Type fields that differ: readers disagree on which applies.
    "mail-gem/error_emails-multiple_content_types.eml": "ambiguous",
    # A To: field of 135 KB, over the header field limit (64 KiB).
    "mimekit/stack-overflow.eml": "limit",
    # Two Content-Type fields that differ (as above).
    "php-mime-mail-parser/issue126.eml": "ambiguous",
    # The first line is 255 spaces: neither a field nor the continuation of
    # one, so no header block Mugai will read (Python skips it with a
    # defect; through an MTA such a line ends the header block).
    "php-mime-mail-parser/m0011.eml": "parse-error",
    "php-mime-mail-parser/m0012.eml": "parse-error",
}


def messages():
    out = []
    for d in sorted(os.listdir(REAL)):
        p = os.path.join(REAL, d)
        if os.path.isdir(p):
            out += [d + "/" + f for f in sorted(os.listdir(p)) if f.endswith(".eml")]
    return out


daemon = dm.new().start()


def run(rel, data=None, standalone=False):
    if data is None:
        with open(os.path.join(REAL, rel), "rb") as f:
            data = f.read()
    how = ["--standalone", "--db", mt.TESTDB] if standalone else ["--socket", daemon.sock]
    proc = subprocess.run([mt.MUGAI, "mail", "--spool", spool] + how, input=data,
                          capture_output=True, timeout=300)
    return rel, data, proc


names = messages()
t.check(len(names) >= 300, "at least 300 real messages (%d)" % len(names))
for rel in EXPECTED_HELD:
    t.check(rel in names, "expected-held message exists: " + rel)
if os.environ.get("MUGAI_ASAN") == "1":
    # The sanitizer build runs about four times slower: a third of the set
    # (every message kind is still there), and every held one.
    names = sorted(set(names[::3]) | set(EXPECTED_HELD))

start = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
    results = list(pool.map(run, names))
took = time.monotonic() - start

released = held = 0
for rel, data, proc in results:
    err = proc.stderr.decode("utf-8", "replace")
    want = EXPECTED_HELD.get(rel)
    if want:
        held += 1
        t.check(proc.returncode == 1 and ("held: %s:" % want) in err,
                "%s: held as %s (exit %d: %s)" % (rel, want, proc.returncode, err[:300]))
        notice = mc.parse(proc.stdout) if proc.stdout else None
        t.check(notice is not None and "verdict=held" in (notice["X-Mugai-Result"] or ""),
                rel + ": a held notice on stdout")
        continue
    released += 1
    if proc.returncode != 0:
        t.check(False, "%s: released (exit %d: %s)" % (rel, proc.returncode, err[:300]))
        continue
    problems = mc.compare(data, proc.stdout, rel)
    for p in problems:
        t.check(False, p)
    if not problems:
        t.check(True, rel)

# The standalone command gives the same answer (every 25th message).
sample = names[::25] + list(EXPECTED_HELD)[:2]
by_name = {rel: proc for rel, _, proc in results}
with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
    alone = list(pool.map(lambda rel: run(rel, standalone=True), sample))
def notice_parts(data):
    """A held notice: its result field and its text, less the quarantine
    paragraph (only mugaid keeps held messages in its store)."""
    m = mc.parse(data)
    body = m.get_body(("plain",))
    text = body.get_content() if body else ""
    return m["X-Mugai-Result"], re.sub(r"\n隔離番号: .*", "", text, flags=re.S).rstrip()


for rel, _, proc in alone:
    d = by_name[rel]
    if proc.returncode == 1 and d.returncode == 1:
        ours, theirs = notice_parts(d.stdout), notice_parts(proc.stdout)
        same = ours == theirs
        body = mc.parse(d.stdout).get_body(("plain",))
        t.check(body is not None and "Quarantine id: " in body.get_content(),
                rel + ": the daemon's notice gives the quarantine id")
        if not same:
            print("daemon: %r\nstandalone: %r" % (ours, theirs), file=sys.stderr)
    else:
        same = proc.stdout == d.stdout
    t.check(proc.returncode == d.returncode and same,
            "%s: standalone and daemon agree (exit %d / %d)" % (rel, proc.returncode,
                                                                 d.returncode))

# As Postfix pipe (flags=F), procmail and .forward pipes hand a message over.
for rel in ("sisimai/bsd-lhost-kddi-01.eml", "mail-gem/attachment_emails-attachment_pdf.eml",
            "mimekit/content-length-mbox-04.eml"):
    with open(os.path.join(REAL, rel), "rb") as f:
        data = f.read()
    if not data.startswith(b"From "):
        data = b"From MAILER-DAEMON  Thu Jan  2 03:04:05 2025\n" + data
    _, _, proc = run(rel, data)
    t.check(proc.returncode == 0, "%s with a From line: released (%d)" % (rel, proc.returncode))
    if proc.returncode == 0:
        for p in mc.compare(data, proc.stdout, rel + " (From line)"):
            t.check(False, p)
        t.check(not proc.stdout.startswith(b"From "), rel + ": From line not in the output")

daemon.stop()
print("mail-real: %d messages (%d released, %d held) in %.1f s, %.1f messages/s" %
      (len(names), released, held, took, len(names) / took if took else 0))
t.done()
