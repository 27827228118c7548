"""End-to-end: PDFs through `mugai sanitize`, as a user runs it.

Hostile samples from corpus/pdf go in with a policy that allows PDF; what
comes out is examined with tools that are not Mugai: `qpdf --check` must
pass, `qpdf --qdf --object-streams=disable` expands it and a name scanner
written here (#xx escapes decoded) looks for the forbidden names; clamscan
with the test database must find clam.exe in the input and nothing in the
output. Encrypted files are blocked with reason "encrypted" unless the
password file opens them. The flatten policy gives a .txt with the
Japanese text of the document, in page order.

Streams: bombs in every image codec and in Flate are blocked with reason
"limit", a page whose LZW content does not decode with "parse-error";
an image that does not decode or whose /Length lies is gone (poppler's
pdfimages lists one image where there were two); bytes after the Flate
data (the EICAR string) are in no output byte and clamscan finds nothing;
a page with images in every codec keeps them (pdfimages lists the same,
pdftoppm renders the same pixels). Every PDF released anywhere in this
test passes `qpdf --check`.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402

t = mt.Checker("pdf")
work = tempfile.mkdtemp(prefix="mugai-pdf-")
PDF = os.path.join(mt.CORPUS, "pdf")
# ClamAV's PDF heuristics flag several hostile inputs (obfuscated names) and
# the test database finds clam.exe in others; the gateway then refuses to
# release even the sanitized copy. Here the sanitized copy is the subject,
# so that rule is off; the last section checks it with it on.
sanitize_policy = mt.write(work, "sanitize.conf",
                           b"[actions]\npdf = sanitize\n[options]\nblock_infected_input = no\n")
strict_policy = mt.write(work, "strict.conf", b"[actions]\npdf = sanitize\n")
flatten_policy = mt.write(work, "flatten.conf",
                          b"[actions]\npdf = flatten\n[options]\nblock_infected_input = no\n")


def sample(name):
    return os.path.join(PDF, name)


def qdf(path):
    p = subprocess.run(["qpdf", "--qdf", "--object-streams=disable", path, "-"],
                       capture_output=True)
    return p.stdout


NAME = re.compile(rb"/([^\s/()<>\[\]{}%]*)")


def names(data):
    """Every name in PDF text, #xx escapes decoded."""
    out = set()
    for m in NAME.finditer(data):
        raw = m.group(1)
        out.add(re.sub(rb"#([0-9A-Fa-f]{2})", lambda h: bytes([int(h.group(1), 16)]), raw))
    return out


def qpdf_check(path):
    return subprocess.run(["qpdf", "--check", path], capture_output=True).returncode == 0


def clamscan(path):
    """True when the test database finds something."""
    p = subprocess.run(["clamscan", "--no-summary", "--database=" + mt.TESTDB, path],
                       capture_output=True)
    return p.returncode == 1


def only_output(r, what):
    outs = r.outputs()
    t.check(len(outs) == 1, f"{what}: one output ({outs}) {r.stderr.strip()}")
    return os.path.join(r.outdir, outs[0]) if len(outs) == 1 else None


FORBIDDEN = {b"JavaScript", b"JS", b"AA", b"Launch", b"EmbeddedFiles", b"EmbeddedFile",
             b"EF", b"XFA", b"SubmitForm", b"ImportData", b"GoToR", b"GoToE", b"Rendition",
             b"RichMedia", b"RichMediaExecute", b"Screen", b"Movie", b"Sound",
             b"FileAttachment", b"3D", b"PS"}

HOSTILE = {
    "js-openaction.pdf": {b"OpenAction"},
    "js-escaped.pdf": {b"OpenAction"},
    "js-objstm.pdf": {b"OpenAction"},
    "incremental-openaction.pdf": {b"OpenAction"},
    "catalog-aa.pdf": set(),
    "page-aa.pdf": set(),
    "annot-aa.pdf": set(),
    "outline-js.pdf": set(),
    "next-launch.pdf": set(),
    "action-launch.pdf": set(),
    "action-submitform.pdf": set(),
    "action-importdata.pdf": set(),
    "action-gotor.pdf": set(),
    "action-gotoe.pdf": set(),
    "action-rendition.pdf": set(),
    "action-richmediaexecute.pdf": set(),
    "action-uri-javascript.pdf": {b"URI"},
    "action-uri-file.pdf": {b"URI"},
    "action-uri-smb.pdf": {b"URI"},
    "action-uri-unc.pdf": {b"URI"},
    "annot-richmedia.pdf": set(),
    "annot-screen.pdf": set(),
    "annot-movie.pdf": set(),
    "annot-sound.pdf": set(),
    "annot-3d.pdf": set(),
    "annot-fileattachment.pdf": set(),
    "embedded-clam.pdf": {b"Filespec"},
    "xfa.pdf": {b"NeedsRendering"},
    "ps-xobject.pdf": set(),
    "everything.pdf": {b"OpenAction", b"URI"},
    "encrypted-owner.pdf": {b"OpenAction", b"Encrypt"},
    "broken-xref.pdf": {b"OpenAction"},
    "trailing-data.pdf": set(),
}

# --- every hostile sample, one at a time --------------------------------------
for name, extra in HOSTILE.items():
    r = mt.run([sample(name)], "--policy", sanitize_policy)
    t.check(r.code == 0, f"{name}: released (exit {r.code}) {r.stderr.strip()}")
    rep = r.reports[0] if r.reports else {}
    t.check(rep.get("verdict") == "sanitized", f"{name}: verdict {rep.get('verdict')}")
    actions = rep.get("report", {}).get("actions", [])
    t.check(any(a.get("action") == "removed" for a in actions), f"{name}: removals reported")
    out = only_output(r, name)
    if not out:
        continue
    t.check(out.endswith(".pdf"), f"{name}: output is a .pdf ({out})")
    t.check(qpdf_check(out), f"{name}: output passes qpdf --check")
    expanded = qdf(out)
    t.check(expanded.startswith(b"%PDF-"), f"{name}: qpdf expands the output")
    left = names(expanded) & (FORBIDDEN | extra)
    t.check(not left, f"{name}: forbidden names left: {sorted(left)}")
    with open(out, "rb") as f:
        raw = f.read()
    t.check(raw.rstrip(b"\r\n").endswith(b"%%EOF"), f"{name}: output ends at %%EOF")
    t.check(raw.count(b"startxref") == 1, f"{name}: one revision")
    t.check(not clamscan(out), f"{name}: clamscan finds nothing in the output")

# --- the escapes were really there, and the test can tell ------------------------
with open(sample("js-escaped.pdf"), "rb") as f:
    raw = f.read()
t.check(b"/J#61vaScript" in raw and b"JavaScript" in names(raw), "escaped sample escapes")
t.check(b"JavaScript" in names(qdf(sample("js-objstm.pdf"))), "objstm sample has JavaScript")

# --- clam.exe: found in the inputs, not in the outputs -------------------------------
for name in ["embedded-clam.pdf", "annot-fileattachment.pdf", "everything.pdf"]:
    t.check(clamscan(sample(name)), f"{name}: clamscan finds clam.exe in the input")
r = mt.run([sample("embedded-clam.pdf")], "--policy", sanitize_policy)
rep = r.reports[0] if r.reports else {}
t.check(rep.get("scan", {}).get("input", {}).get("status") == "infected",
        f"embedded clam: input scanned infected: {rep.get('scan')}")
t.check(rep.get("scan", {}).get("output", {}).get("status") == "clean",
        f"embedded clam: output scanned clean: {rep.get('scan')}")
# With block_infected_input (the default), nothing of it is released.
r = mt.run([sample("embedded-clam.pdf")], "--policy", strict_policy)
t.check(r.code == 1 and r.outputs() == [], f"infected input not released: {r.outputs()}")

# --- kept: http(s) links, GoTo, page navigation ---------------------------------------
r = mt.run([sample("uri-http.pdf")], "--policy", sanitize_policy)
out = only_output(r, "uri-http")
if out:
    expanded = qdf(out)
    t.check(b"(https://www.example.jp/)" in expanded, "https link kept")
    t.check(b"NextPage" in names(expanded), "Named NextPage kept")
    t.check(b"(mailto:zeimu@example.jp)" in expanded, "mailto link kept")
    t.check(qpdf_check(out), "uri-http: qpdf --check")
nolinks = mt.write(work, "nolinks.conf",
                   b"[actions]\npdf = sanitize\n[options]\nkeep_hyperlinks = no\n")
r = mt.run([sample("uri-http.pdf")], "--policy", nolinks)
out = only_output(r, "uri-http without links")
if out:
    t.check(b"URI" not in names(qdf(out)), "keep_hyperlinks = no: every link removed")
    t.check(qpdf_check(out), "uri-http without links: qpdf --check")

# --- encryption ---------------------------------------------------------------------------
r = mt.run([sample("encrypted-user.pdf")], "--policy", sanitize_policy)
rep = r.reports[0] if r.reports else {}
t.check(r.code == 1, f"user-password PDF blocked (exit {r.code})")
t.check(rep.get("verdict") == "blocked", "user-password PDF: verdict blocked")
t.check(rep.get("reason_code") == "encrypted", f"reason encrypted: {rep.get('reason_code')}")
t.check(r.outputs() == [], "user-password PDF: nothing released")

pwfile = mt.write(work, "pw.txt", b"wrong\nuser\n")
r = mt.run([sample("encrypted-user.pdf")], "--policy", sanitize_policy, "--password-file", pwfile)
out = only_output(r, "encrypted-user with password")
if out:
    p = subprocess.run(["qpdf", "--is-encrypted", out])
    t.check(p.returncode == 2, "opened with the password file: written unencrypted")
    t.check(b"JavaScript" not in names(qdf(out)), "and sanitized")
    t.check(qpdf_check(out), "encrypted-user with password: qpdf --check")

r = mt.run([sample("encrypted-owner.pdf")], "--policy", sanitize_policy)
out = only_output(r, "encrypted-owner")
if out:
    p = subprocess.run(["qpdf", "--is-encrypted", out])
    t.check(p.returncode == 2, "owner-only PDF written unencrypted")
    t.check(qpdf_check(out), "encrypted-owner: qpdf --check")

# --- PDF is blocked by the default policy ----------------------------------------------------
r = mt.run([sample("plain.pdf")])
rep = r.reports[0] if r.reports else {}
if rep.get("verdict") == "blocked":
    t.check(r.outputs() == [], "default policy: blocked PDF not released")

# --- benign documents: pages and text survive ---------------------------------------------
BENIGN = ["doc-optipng.man.pdf", "doc-fontconfig-user.pdf", "doc-shared-mime-info-spec.pdf",
          "doc-manual.pdf", "doc-camlidl-1.04.doc.pdf", "ja-notice.pdf", "ja-table.pdf",
          "image.pdf", "image-codecs.pdf"]
r = mt.run([sample(n) for n in BENIGN], "--policy", sanitize_policy)
t.check(r.code == 0, f"benign PDFs released (exit {r.code}) {r.stderr.strip()}")
for name in BENIGN:
    out = os.path.join(r.outdir, name)
    if not os.path.exists(out):
        t.check(False, f"{name}: output missing ({r.outputs()})")
        continue
    t.check(qpdf_check(out), f"{name}: qpdf --check")
    pages = [subprocess.run(["qpdf", "--show-npages", p], capture_output=True).stdout
             for p in (sample(name), out)]
    t.check(pages[0] == pages[1] and int(pages[0]) > 0, f"{name}: page count {pages}")
    text = [subprocess.run(["pdftotext", "-q", p, "-"], capture_output=True).stdout
            for p in (sample(name), out)]
    t.check(len(text[0]) > 10 and text[0] == text[1], f"{name}: pdftotext text unchanged")
kept = [a for x in r.reports for a in x.get("report", {}).get("actions", [])
        if a.get("action") == "kept"]
t.check(any("not re-encoded" in a.get("why", "") for a in kept), "images reported as kept")

# --- streams: bombs, damaged data, lying lengths, payloads after the data --------------


def images(path):
    """(type, width, height, encoding) of every image, as poppler lists them."""
    p = subprocess.run(["pdfimages", "-list", path], capture_output=True, text=True)
    return [tuple(ln.split()[2:5] + ln.split()[8:9]) for ln in p.stdout.splitlines()[2:]]


def render(path):
    return subprocess.run(["pdftoppm", "-r", "36", path], capture_output=True).stdout


STREAM_BLOCKED = {
    "stream-jbig2-bomb.pdf": ("limit", "100000 x 100000"),
    "stream-jbig2-inside.pdf": ("limit", "60000 x 60000"),
    "stream-dct-huge.pdf": ("limit", "60000 x 60000"),
    "stream-ccitt-huge.pdf": ("limit", "200000 x 100000"),
    "stream-jpx-huge.pdf": ("limit", "50000 x 50000"),
    "stream-flate-bomb.pdf": ("limit", "decompression bomb"),
    "stream-lzw-damaged.pdf": ("parse-error", "page content stream"),
}
for name, (code, why) in STREAM_BLOCKED.items():
    r = mt.run([sample(name)], "--policy", sanitize_policy)
    rep = r.reports[0] if r.reports else {}
    t.check(r.code == 1 and rep.get("verdict") == "blocked", f"{name}: blocked (exit {r.code})")
    t.check(rep.get("reason_code") == code and why in (rep.get("reason") or ""),
            f"{name}: reason {rep.get('reason_code')} {rep.get('reason')}")
    t.check(r.outputs() == [], f"{name}: nothing released ({r.outputs()})")
# The JBIG2 bomb is three images of 100000 x 100000 pixels in the input.
t.check(images(sample("stream-jbig2-bomb.pdf")).count(("image", "100000", "100000", "jbig2")) == 3,
        "the JBIG2 bomb declares three 100000 x 100000 images")

for name in ["stream-flate-damaged.pdf", "stream-length-lie.pdf"]:
    r = mt.run([sample(name)], "--policy", sanitize_policy)
    out = only_output(r, name)
    if not out:
        continue
    t.check(len(images(sample(name))) == 2 and len(images(out)) == 1,
            f"{name}: the bad image is gone ({images(sample(name))} -> {images(out)})")
    t.check(qpdf_check(out), f"{name}: output passes qpdf --check")
    actions = r.reports[0].get("report", {}).get("actions", [])
    t.check(any(a.get("action") == "removed" and "image object 10 0" in a.get("what", "")
                for a in actions), f"{name}: the removal is reported")

name = "stream-flate-trailing.pdf"
with open(sample(name), "rb") as f:
    t.check(mt.EICAR in f.read(), f"{name}: EICAR follows the Flate data in the input")
t.check(clamscan(sample(name)), f"{name}: clamscan finds EICAR in the input")
r = mt.run([sample(name)], "--policy", sanitize_policy)
out = only_output(r, name)
if out:
    with open(out, "rb") as f:
        raw = f.read()
    t.check(b"EICAR" not in raw and b"EICAR" not in qdf(out), f"{name}: EICAR not in the output")
    t.check(not clamscan(out), f"{name}: clamscan finds nothing in the output")
    t.check(qpdf_check(out), f"{name}: output passes qpdf --check")
    text = subprocess.run(["pdftotext", "-q", out, "-"], capture_output=True).stdout
    t.check(b"Hello from Mugai" in text, f"{name}: the page text is still there")

name = "image-codecs.pdf"
r = mt.run([sample(name)], "--policy", sanitize_policy)
out = only_output(r, name)
if out:
    before = images(sample(name))
    t.check(len(before) == 5 and {"jpeg", "jbig2", "ccitt", "image"} <= {i[3] for i in before},
            f"{name}: images in every codec ({before})")
    t.check(images(out) == before, f"{name}: the same images come out ({images(out)})")
    t.check(render(out) == render(sample(name)) and len(render(out)) > 1000,
            f"{name}: pdftoppm renders the same pixels")
    with open(sample(name), "rb") as f:
        raw_in = f.read()
    with open(out, "rb") as f:
        raw = f.read()
    t.check(b"/LZWDecode" in raw_in and b"/Predictor" in raw_in, f"{name}: input has LZW, predictor")
    t.check(b"LZWDecode" not in raw and b"Predictor" not in raw and b"[/FlateDecode /DCTDecode]"
            not in raw, f"{name}: generic filters decoded and compressed anew")

# --- flatten: Japanese text in page order -------------------------------------------------------
r = mt.run([sample("ja-notice.pdf")], "--policy", flatten_policy)
rep = r.reports[0] if r.reports else {}
t.check(r.code == 0, f"flatten released (exit {r.code}) {r.stderr.strip()} {rep.get('reason')}")
t.check(rep.get("verdict") == "flattened", f"verdict flattened: {rep.get('verdict')}")
out = only_output(r, "flatten")
if out:
    t.check(out.endswith(".txt"), f"flattened output is .txt: {out}")
    with open(out, "rb") as f:
        text = f.read().decode("utf-8")
    t.check("住民税の納付について" in text, "Japanese heading extracted")
    t.check("令和六年度の住民税納付通知書を送付します。" in text, "Japanese sentence extracted")
    i1, i2, i3 = (text.find("住民税の納付について"), text.find("--- page 2 ---"),
                  text.find("二ページ目"))
    t.check(0 <= i1 < i2 < i3, "page 2 text after the page separator")

r = mt.run([sample("everything.pdf")], "--policy", flatten_policy)
out = only_output(r, "flatten hostile")
if out:
    with open(out, "rb") as f:
        text = f.read()
    t.check(b"Hello from Mugai" in text and b"alert" not in text, "hostile PDF: text only")

r = mt.run([sample("ja-sjis-cmap.pdf")], "--policy", flatten_policy)
rep = r.reports[0] if r.reports else {}
t.check(r.code == 1 and rep.get("reason_code") == "unsupported",
        f"predefined CMap refused for flatten: {rep.get('reason_code')} {rep.get('reason')}")

t.done()
