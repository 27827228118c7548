"""End-to-end: a released file's name ends in an extension of its real type.

Text released under "meeting.rdp" would open in Remote Desktop with the
file's drive redirections; under "root.cer" in the certificate import
wizard; under ".shtml", ".mht", ".xht", ".php", ".desktop", ".command" in
whatever program claims those. The real `mugai sanitize` runs on files with
such names, and the names it writes into --out are checked: an extension
the released type may keep stays (any case), one that claims another known
type is replaced by the released type's own, any other gets it appended, a
compressor's suffix goes when its content came out. Names that run code on
Windows stay blocked. Contents are checked with Python's own gzip, zipfile
and byte comparisons.
"""
import gzip
import hashlib
import io
import os
import shutil
import sys
import tarfile
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402

t = mt.Checker("release_names")
work = tempfile.mkdtemp(prefix="mugai-names-")

RDP = (b"screen mode id:i:2\r\nfull address:s:192.0.2.10\r\n"
       b"drivestoredirect:s:*\r\nredirectclipboard:i:1\r\n")
PEM = (b"-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIUQmVzdCBub3QgYSByZWFsIGNlcnQwCgYIKoZIzj0EAwIw\r\n"
       b"-----END CERTIFICATE-----\r\n")
TEXT = "お知らせ: 会議は 10 時からです。\r\nNotice: the meeting starts at 10.\r\n".encode("utf-8")
CSV = b"name,amount\r\nA,100\r\nB,200\r\n"


def gz(data):
    return gzip.compress(data, mtime=0)


def tar_gz(name, data):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w:gz") as tf:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 0
        tf.addfile(info, io.BytesIO(data))
    return b.getvalue()


def corpus(*parts):
    with open(os.path.join(mt.CORPUS, *parts), "rb") as f:
        return f.read()


# input name -> (content, released name); None: blocked with the code given
CASES = {
    # text under names of other programs: the text extension is appended
    "meeting.rdp": (RDP, "meeting.rdp.txt"),
    "root.cer": (PEM, "root.cer.txt"),
    "page.shtml": (TEXT, "page.shtml.txt"),
    "x.mht": (TEXT, "x.mht.txt"),
    "x.xht": (TEXT, "x.xht.txt"),
    "a.php": (TEXT, "a.php.txt"),
    "a.desktop": (TEXT, "a.desktop.txt"),
    "a.command": (TEXT, "a.command.txt"),
    "update.appinstaller": (TEXT, "update.appinstaller.txt"),
    "desktop.ini": (TEXT, "desktop.ini.txt"),
    "README": (TEXT, "README.txt"),
    "\u4f1a\u8b70.rdp": (RDP, "\u4f1a\u8b70.rdp.txt"),
    # extensions of the released type are kept as they are
    "notes.txt": (TEXT, "notes.txt"),
    "NOTES2.TXT": (TEXT, "NOTES2.TXT"),
    "app.log": (TEXT, "app.log"),
    "data.csv": (CSV, "data.csv"),
    # a name claiming another known type gets the released type's extension
    "photo.JPG": (TEXT, "photo.txt"),
    "picture.svg": (TEXT, "picture.txt"),
    # compressors: the suffix goes with the layer, then the same rule
    "note.txt.gz": (gz(TEXT), "note.txt"),
    "meeting2.rdp.gz": (gz(RDP), "meeting2.rdp.txt"),
    "bundle.tar.gz": (tar_gz("inner.txt", TEXT), "bundle.zip"),
    # names that run code on Windows stay blocked
    "a.hta": (TEXT, ("executable",)),
    "a.reg": (TEXT, ("dangerous-extension",)),
    "a.url": (TEXT, ("executable",)),
}

BINARY = {
    # a real JPEG keeps its name, upper case included
    "photo2.JPG": (corpus("jpeg", "exif.jpg"), "photo2.JPG"),
    # a PNG named .jpg is released as what it is
    "photo3.jpg": (mt.make_png(), "photo3.png"),
    # a macro-enabled document comes out macro-free, and so does its name
    "report.docm": (corpus("office", "vba.docm"), "report.docx"),
}

paths, wants = [], []
for name, (data, want) in list(CASES.items()) + list(BINARY.items()):
    paths.append(mt.write(work, name, data))
    wants.append(want)

r = mt.run(paths)
t.check(len(r.reports) == len(paths), f"one report per input ({len(r.reports)})")
released = set(r.outputs())
expected = {w for w in wants if isinstance(w, str)}
t.check(released == expected, f"released names {sorted(released)}, want {sorted(expected)}")
for path, want, rep in zip(paths, wants, r.reports):
    name = os.path.basename(path)
    if isinstance(want, tuple):
        t.check(rep.get("verdict") == "blocked" and rep.get("reason_code") == want[0],
                f"{name}: blocked as {want[0]} ({rep.get('verdict')}, {rep.get('reason_code')})")
        continue
    out = rep.get("output") or ""
    t.check(os.path.basename(out) == want, f"{name}: released as {os.path.basename(out)!r}, want {want!r}")
    # every released name ends in an extension of the released type
    t.check(rep.get("verdict") in ("clean", "sanitized"), f"{name}: verdict {rep.get('verdict')}")

# The bytes behind the renamed text files are the text, unchanged.
for name in ("meeting.rdp", "root.cer", "a.php", "README", "desktop.ini"):
    rel = CASES[name][1]
    p = os.path.join(r.outdir, rel)
    if os.path.isfile(p):
        with open(p, "rb") as f:
            t.check(hashlib.sha256(f.read()).digest() == hashlib.sha256(CASES[name][0]).digest(),
                    f"{rel}: the text unchanged")
p = os.path.join(r.outdir, "note.txt")
if os.path.isfile(p):
    with open(p, "rb") as f:
        t.check(f.read() == TEXT, "note.txt.gz released as its text")
p = os.path.join(r.outdir, "bundle.zip")
if os.path.isfile(p):
    with zipfile.ZipFile(p) as z:
        t.check("inner.txt" in z.namelist() and z.read("inner.txt") == TEXT,
                f"bundle.zip holds inner.txt: {z.namelist()}")
p = os.path.join(r.outdir, "photo3.png")
if os.path.isfile(p):
    with open(p, "rb") as f:
        t.check(f.read(8) == b"\x89PNG\r\n\x1a\n", "photo3.png is a PNG")
p = os.path.join(r.outdir, "report.docx")
if os.path.isfile(p):
    with zipfile.ZipFile(p) as z:
        t.check(not any(n.lower().endswith("vbaproject.bin") for n in z.namelist()),
                "report.docx: no VBA project")

# A second run into the same folder: renamed files still never overwrite.
r2 = mt.run([paths[0]], outdir=r.outdir)
t.check(r2.reports and os.path.basename(r2.reports[0].get("output") or "") == "meeting.rdp (1).txt",
        f"second meeting.rdp: {r2.reports[0].get('output') if r2.reports else None}")

shutil.rmtree(work, ignore_errors=True)
t.done()
