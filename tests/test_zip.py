#!/usr/bin/env python3
"""End to end: every family that reads zips refuses the same malformed zips.

A document with data hidden in front of its zip, behind it, or with a local
header that names another member than the central directory is refused
whether it is named .docx, .odt or .zip, and nothing of it is released: the
output directory stays empty (looked at with os.listdir, not Mugai's report).
The unedited documents are released, and every zip Mugai writes (archive,
OOXML, OpenDocument) is read back with Python's zipfile: CRCs good, names
flagged UTF-8, no extra fields, no data descriptors.
"""
import os
import shutil
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mugaitest as mt  # noqa: E402

C = mt.Checker("zip")
ZIPS = os.path.join(mt.CORPUS, "zip")
work = tempfile.mkdtemp(prefix="mugai-zip-")

BAD = ["docx-prepended.docx", "docx-appended.docx", "docx-local-name.docx",
       "odt-prepended.odt", "odt-appended.odt", "odt-local-name.odt"]


def released(outdir):
    return [f for f in os.listdir(outdir) if not f.startswith(".")]


for name in BAD:
    data = open(os.path.join(ZIPS, name), "rb").read()
    base, ext = os.path.splitext(name)
    for shown in (name, base + ".zip"):
        path = mt.write(work, shown, data)
        r = mt.run([path])
        rep = r.reports[0] if r.reports else {}
        C.check(rep.get("verdict") == "blocked", f"{shown}: blocked ({rep.get('verdict')})")
        C.check(rep.get("output") is None, f"{shown}: no output named in the report")
        C.check(released(r.outdir) == [], f"{shown}: nothing written ({released(r.outdir)})")
        if "prepended" not in name:
            # Identified as what it claims, then refused for its zip structure.
            C.check(rep.get("reason_code") == "parse-error",
                    f"{shown}: refused for its structure ({rep.get('reason_code')}: "
                    f"{rep.get('reason')})")
        shutil.rmtree(r.outdir, ignore_errors=True)


def check_written(path, label):
    try:
        z = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        C.check(False, f"{label}: output is a zip ({e})")
        return
    C.check(z.testzip() is None, f"{label}: every CRC good")
    for i in z.infolist():
        C.check(i.flag_bits == 0x800, f"{label}: {i.filename!r} flags {i.flag_bits:#x}")
        C.check(i.extra == b"", f"{label}: {i.filename!r} has no extra field")
    # Local headers: no extras either, and where the directory says they are.
    raw = open(path, "rb").read()
    for i in z.infolist():
        lh = raw[i.header_offset:i.header_offset + 30]
        C.check(lh[:4] == b"PK\x03\x04" and lh[28:30] == b"\0\0",
                f"{label}: {i.filename!r} local header plain")


controls = [(os.path.join(mt.CORPUS, "office", "benign-letter.docx"), "letter.docx"),
            (os.path.join(mt.CORPUS, "odf", "benign.odt"), "benign.odt"),
            (os.path.join(ZIPS, "good.zip"), "good.zip")]
for src, shown in controls:
    path = mt.write(work, shown, open(src, "rb").read())
    r = mt.run([path])
    rep = r.reports[0] if r.reports else {}
    out = released(r.outdir)
    C.check(rep.get("verdict") in ("sanitized", "clean") and len(out) == 1,
            f"{shown}: released ({rep.get('verdict')}, {rep.get('reason')})")
    if out:
        check_written(os.path.join(r.outdir, out[0]), shown)
    shutil.rmtree(r.outdir, ignore_errors=True)

shutil.rmtree(work, ignore_errors=True)
C.done()
