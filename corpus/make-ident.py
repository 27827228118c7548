#!/usr/bin/env python3
"""Write the zip-based application packages that identification must tell
apart from plain zip archives.

corpus/ident/            one small package per kind: Visio (all six
                         extensions), XPS and OpenXPS (also stored as
                         interleaved pieces), Office themes, single slides,
                         add-ins, other OPC packages (3MF), OpenDocument
                         drawings, formulas, databases and kinds without a
                         sanitizer, OpenOffice.org 1.x, EPUB, KMZ, a package
                         with an unknown "mimetype", Android APK/AAB, NuGet,
                         VSIX, Python zip applications and wheels, browser
                         extensions (XPI, CRX), WAR and EAR; plus near misses
                         that must stay plain zips.
corpus/ident/real/       real files: bpmn.otg is LibreOffice's own drawing
                         template (Debian package libreoffice-common,
                         /usr/lib/libreoffice/share/template/common/draw/,
                         MPL-2.0); bpmn.odg is that template saved as a
                         drawing, and hello.epub a two-line text exported as
                         EPUB, both by LibreOffice
                         (`soffice --headless --convert-to odg|epub`).
                         They are kept as committed; this script remakes
                         them only with --real on a machine with LibreOffice.
corpus/seeds/ident/      every sample under 40 KB, prefixed "pkg-", as
                         fuzzing seeds. corpus/make-blocked.py empties that
                         folder: run this script after it.

Each package is built with Python's zipfile from the layout its format's
specification gives (OPC: ECMA-376 Part 2; XPS: ECMA-388 and the XPS 1.0
specification; OpenDocument: OASIS ODF 1.3 part 2; EPUB: OCF 3; APK, AAB,
NuGet, VSIX, wheel, XPI as their tools write them), as small as it can be
while still being that format. The programs inside are inert placeholders:
no sample holds runnable code. When mutool (mupdf-tools) is installed, the
XPS, OpenXPS and EPUB samples are opened with it as a check that they are
real documents of their format.

Run from anywhere: python3 corpus/make-ident.py [--real]
"""

import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile

from corpuslib import make_zip

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "ident")
REAL = os.path.join(OUT, "real")
SEEDS = os.path.join(HERE, "seeds", "ident")


XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
VISIO_DOC = "http://schemas.microsoft.com/visio/2010/relationships/document"


def content_types(overrides, defaults=(("rels", "application/vnd.openxmlformats-package.relationships+xml"),
                                       ("xml", "application/xml"))):
    s = XML + f'<Types xmlns="{CT_NS}">'
    for ext, ct in defaults:
        s += f'<Default Extension="{ext}" ContentType="{ct}"/>'
    for part, ct in overrides:
        s += f'<Override PartName="{part}" ContentType="{ct}"/>'
    return s + "</Types>"


def rels(targets):
    s = XML + f'<Relationships xmlns="{REL_NS}">'
    for i, (typ, target) in enumerate(targets, 1):
        s += f'<Relationship Id="rId{i}" Type="{typ}" Target="{target}"/>'
    return s + "</Relationships>"


def vba_project():
    """The first bytes of an OLE2 file: what a vbaProject.bin starts with."""
    return bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)


# --------------------------------------------------------------------------
# OPC: Visio, themes, slides, add-ins, XPS, others

VISIO = {
    "vsdx": ("drawing", "application/vnd.ms-visio.drawing.main+xml"),
    "vsdm": ("drawing", "application/vnd.ms-visio.drawing.macroEnabled.main+xml"),
    "vssx": ("stencil", "application/vnd.ms-visio.stencil.main+xml"),
    "vssm": ("stencil", "application/vnd.ms-visio.stencil.macroEnabled.main+xml"),
    "vstx": ("template", "application/vnd.ms-visio.template.main+xml"),
    "vstm": ("template", "application/vnd.ms-visio.template.macroEnabled.main+xml"),
}
VISIO_NS = "http://schemas.microsoft.com/office/visio/2012/main"


def visio(ext, with_ct=True):
    macro = ext.endswith("m")
    overrides = [("/visio/document.xml", VISIO[ext][1]),
                 ("/visio/pages/pages.xml", "application/vnd.ms-visio.pages+xml"),
                 ("/visio/pages/page1.xml", "application/vnd.ms-visio.page+xml")]
    if macro:
        overrides.append(("/visio/vbaProject.bin", "application/vnd.ms-visio.vbaProject"))
    doc_rels = [("http://schemas.microsoft.com/visio/2010/relationships/pages", "pages/pages.xml")]
    if macro:
        doc_rels.append(("http://schemas.microsoft.com/visio/2010/relationships/vbaProject",
                         "vbaProject.bin"))
    members = []
    if with_ct:
        members.append(("[Content_Types].xml", content_types(overrides), False))
    members += [
        ("_rels/.rels", rels([(VISIO_DOC, "visio/document.xml")]), False),
        ("visio/document.xml", XML + f'<VisioDocument xmlns="{VISIO_NS}"/>', False),
        ("visio/_rels/document.xml.rels", rels(doc_rels), False),
        ("visio/pages/pages.xml", XML + f'<Pages xmlns="{VISIO_NS}"><Page ID="0" Name="Page-1">'
         '<Rel xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
         'r:id="rId1"/></Page></Pages>', False),
        ("visio/pages/_rels/pages.xml.rels",
         rels([("http://schemas.microsoft.com/visio/2010/relationships/page", "page1.xml")]), False),
        ("visio/pages/page1.xml", XML + f'<PageContents xmlns="{VISIO_NS}"/>', False),
    ]
    if macro:
        members.append(("visio/vbaProject.bin", vba_project(), False))
    return make_zip(members)


def visio_names_only_macro():
    """No [Content_Types].xml main part: visio/document.xml and a vbaProject.bin decide."""
    members = [(n, d, s) for n, d, s in zipfile_members(visio("vsdx", with_ct=False))]
    members.append(("visio/vbaProject.bin", vba_project(), False))
    return make_zip([("[Content_Types].xml", content_types([]), False)] + members)


def zipfile_members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, z.read(i), i.compress_type == zipfile.ZIP_STORED) for i in z.infolist()]


def theme():
    return make_zip([
        ("[Content_Types].xml", content_types([
            ("/theme/theme/theme1.xml", "application/vnd.openxmlformats-officedocument.theme+xml")]),
         False),
        ("_rels/.rels", rels([(OFFICE_DOC, "theme/theme/theme1.xml")]), False),
        ("theme/theme/theme1.xml", XML + '<a:theme xmlns:a="http://schemas.openxmlformats.org/'
         'drawingml/2006/main" name="Office Theme"><a:themeElements/></a:theme>', False),
    ])


def slide(macro):
    ct = ("application/vnd.ms-powerpoint.slide.macroEnabled.main+xml" if macro else
          "application/vnd.openxmlformats-officedocument.presentationml.slide+xml")
    members = [
        ("[Content_Types].xml", content_types([("/ppt/slides/slide1.xml", ct)]), False),
        ("_rels/.rels", rels([(OFFICE_DOC, "ppt/slides/slide1.xml")]), False),
        ("ppt/slides/slide1.xml", XML + '<p:sld xmlns:p="http://schemas.openxmlformats.org/'
         'presentationml/2006/main"><p:cSld><p:spTree/></p:cSld></p:sld>', False),
    ]
    return make_zip(members)


def addin(kind):
    if kind == "xlam":
        main, ct = "/xl/workbook.xml", "application/vnd.ms-excel.addin.macroEnabled.main+xml"
        body = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheets/></workbook>')
        vba = "/xl/vbaProject.bin"
    else:
        main, ct = "/ppt/presentation.xml", "application/vnd.ms-powerpoint.addin.macroEnabled.main+xml"
        body = '<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>'
        vba = "/ppt/vbaProject.bin"
    return make_zip([
        ("[Content_Types].xml", content_types([(main, ct), (vba, "application/vnd.ms-office.vbaProject")]),
         False),
        ("_rels/.rels", rels([(OFFICE_DOC, main[1:])]), False),
        (main[1:], XML + body, False),
        (vba[1:], vba_project(), False),
    ])


def addin_hidden_in_docx():
    """A Word document whose content types also name an Excel add-in main part (listed second)."""
    return make_zip([
        ("[Content_Types].xml", content_types([
            ("/word/document.xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
            ("/xl/workbook.xml", "application/vnd.ms-excel.addin.macroEnabled.main+xml")]), False),
        ("_rels/.rels", rels([(OFFICE_DOC, "word/document.xml")]), False),
        ("word/document.xml", XML + '<w:document xmlns:w="http://schemas.openxmlformats.org/'
         'wordprocessingml/2006/main"><w:body/></w:document>', False),
        ("xl/workbook.xml", XML + '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml'
         '/2006/main"/>', False),
    ])


XPS_NS = {"xps": "http://schemas.microsoft.com/xps/2005/06",
          "oxps": "http://schemas.openxps.org/oxps/v1.0"}
XPS_REL = {"xps": "http://schemas.microsoft.com/xps/2005/06/fixedrepresentation",
           "oxps": "http://schemas.openxps.org/oxps/v1.0/fixedrepresentation"}
# ECMA-388 kept the XPS 1.0 content types: only namespaces and relationship types differ.
XPS_DEFAULTS = (("rels", "application/vnd.openxmlformats-package.relationships+xml"),
                ("fdseq", "application/vnd.ms-package.xps-fixeddocumentsequence+xml"),
                ("fdoc", "application/vnd.ms-package.xps-fixeddocument+xml"),
                ("fpage", "application/vnd.ms-package.xps-fixedpage+xml"))


def xps_parts(kind):
    ns = XPS_NS[kind]
    return [
        ("[Content_Types].xml", content_types([], XPS_DEFAULTS)),
        ("_rels/.rels", rels([(XPS_REL[kind], "/FixedDocSeq.fdseq")])),
        ("FixedDocSeq.fdseq", f'<FixedDocumentSequence xmlns="{ns}">'
         '<DocumentReference Source="/Documents/1/FixedDoc.fdoc"/></FixedDocumentSequence>'),
        ("Documents/1/FixedDoc.fdoc", f'<FixedDocument xmlns="{ns}">'
         '<PageContent Source="/Documents/1/Pages/1.fpage"/></FixedDocument>'),
        ("Documents/1/Pages/1.fpage", f'<FixedPage xmlns="{ns}" Width="816" Height="1056" '
         'xml:lang="en-US"><Path Data="M 96,96 L 400,96 400,200 96,200 Z" Fill="#FF336699"/>'
         '</FixedPage>'),
    ]


def xps(kind):
    return make_zip([(n, d, False) for n, d in xps_parts(kind)])


def xps_pieces():
    """XPS with every part stored as interleaved pieces (PART/[0].piece, PART/[1].last.piece)."""
    members = []
    for name, data in xps_parts("xps"):
        raw = data.encode()
        half = len(raw) // 2
        members.append((f"{name}/[0].piece", raw[:half], False))
        members.append((f"{name}/[1].last.piece", raw[half:], False))
    return make_zip(members)


def model_3mf():
    """3D Manufacturing Format: an OPC package of no Office application."""
    return make_zip([
        ("[Content_Types].xml", content_types([], (
            ("rels", "application/vnd.openxmlformats-package.relationships+xml"),
            ("model", "application/vnd.ms-package.3dmanufacturing-3dmodel+xml"))), False),
        ("_rels/.rels", rels([("http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel",
                               "/3D/3dmodel.model")]), False),
        ("3D/3dmodel.model", XML + '<model unit="millimeter" xmlns="http://schemas.microsoft.com/'
         '3dmanufacturing/core/2015/02"><resources/><build/></model>', False),
    ])


def rels_only():
    """_rels/.rels and a part, no [Content_Types].xml: still a package, not a folder of files."""
    return make_zip([
        ("_rels/.rels", rels([(OFFICE_DOC, "main.xml")]), False),
        ("main.xml", XML + "<x/>", False),
    ])


# --------------------------------------------------------------------------
# "mimetype" packages: OpenDocument, OpenOffice.org 1.x, EPUB, others

def mimetype_package(mime, parts, manifest=True, first=True):
    members = []
    if first:
        members.append(("mimetype", mime, True))
    if manifest:
        entries = "".join(f'<manifest:file-entry manifest:full-path="{p}" manifest:media-type="text/xml"/>'
                          for p, _ in parts)
        members.append(("META-INF/manifest.xml", XML +
                        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                        'manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
                        f'manifest:media-type="{mime}"/>{entries}</manifest:manifest>', False))
    members += [(p, d, False) for p, d in parts]
    if not first:
        members.append(("mimetype", mime, True))
    return make_zip(members)


ODF_OFFICE = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
              'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" office:version="1.3"')


def odf(kind, body):
    return mimetype_package(f"application/vnd.oasis.opendocument.{kind}", [
        ("content.xml", XML + f"<office:document-content {ODF_OFFICE}><office:body>{body}"
         "</office:body></office:document-content>"),
        ("styles.xml", XML + f"<office:document-styles {ODF_OFFICE}/>"),
    ])


def sun_xml(app):
    return mimetype_package(f"application/vnd.sun.xml.{app}", [
        ("content.xml", XML + '<office:document-content xmlns:office="http://openoffice.org/2000/office" '
         'office:version="1.0"><office:body/></office:document-content>'),
    ])


def epub():
    container = (XML + '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
                 '<rootfiles><rootfile full-path="OEBPS/content.opf" '
                 'media-type="application/oebps-package+xml"/></rootfiles></container>')
    opf = (XML + '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
           '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:uuid:'
           '12345678-1234-4234-8234-123456789abc</dc:identifier><dc:title>Mugai</dc:title>'
           '<dc:language>ja</dc:language><meta property="dcterms:modified">2024-04-01T09:00:00Z</meta>'
           '</metadata><manifest><item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>'
           '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
           '</manifest><spine><itemref idref="c1"/></spine></package>')
    page = ('<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
            '<head><title>c1</title></head><body><p>\u7121\u5bb3\u5316</p></body></html>')
    nav = ('<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
           '<head><title>nav</title></head><body><nav epub:type="toc"><ol><li><a href="c1.xhtml">1</a>'
           '</li></ol></nav></body></html>')
    return make_zip([
        ("mimetype", "application/epub+zip", True),
        ("META-INF/container.xml", container, False),
        ("OEBPS/content.opf", opf, False),
        ("OEBPS/c1.xhtml", XML + page, False),
        ("OEBPS/nav.xhtml", XML + nav, False),
    ])


def openraster():
    """OpenRaster: "mimetype" first and stored, as ODF does, for an application Mugai does not know."""
    return make_zip([
        ("mimetype", "image/openraster", True),
        ("stack.xml", XML + '<image w="1" h="1"><stack/></image>', False),
    ])


def kmz():
    kml = (XML + '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Mugai</name>'
           '<Point><coordinates>139.69,35.69,0</coordinates></Point></Placemark></Document></kml>')
    return make_zip([("doc.kml", kml, False), ("files/icon.txt", "icon placeholder\n", False)])


# --------------------------------------------------------------------------
# Programs

MANIFEST_MF = "Manifest-Version: 1.0\r\nCreated-By: Mugai corpus\r\n\r\n"
# The start of a compiled (binary XML) AndroidManifest.xml: chunk type 3, header 8.
AXML = bytes.fromhex("03000800") + struct.pack("<I", 64) + bytes(56)
DEX = b"dex\n035\0" + bytes(104)


def apk():
    return make_zip([
        ("AndroidManifest.xml", AXML, False),
        ("classes.dex", DEX, False),
        ("resources.arsc", bytes.fromhex("02000C00") + bytes(8), True),
        ("META-INF/MANIFEST.MF", MANIFEST_MF, False),
    ])


def apk_without_manifest_mf():
    """An unsigned APK: no META-INF at all, so nothing Java-like either."""
    return make_zip([("AndroidManifest.xml", AXML, False), ("classes.dex", DEX, False)])


def aab():
    return make_zip([
        ("BundleConfig.pb", bytes.fromhex("0a0512032e3132"), False),
        ("base/manifest/AndroidManifest.xml", b"\x0a\x00", False),
        ("base/dex/classes.dex", DEX, False),
    ])


def nupkg():
    nuspec = (XML + '<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">'
              '<metadata><id>Mugai.Sample</id><version>1.0.0</version><authors>Mugai</authors>'
              '<description>sample</description></metadata></package>')
    return make_zip([
        ("_rels/.rels", rels([("http://schemas.microsoft.com/packaging/2010/07/manifest",
                               "/Mugai.Sample.nuspec")]), False),
        ("Mugai.Sample.nuspec", nuspec, False),
        ("tools/install.ps1", "# placeholder: a NuGet install script would run here\r\n", False),
        ("lib/net45/Mugai.Sample.dll", b"placeholder, not a DLL\n", False),
        ("package/services/metadata/core-properties/0123456789abcdef.psmdcp",
         XML + '<coreProperties xmlns="http://schemas.openxmlformats.org/package/2006/metadata/'
         'core-properties"/>', False),
        ("[Content_Types].xml", content_types([], (
            ("rels", "application/vnd.openxmlformats-package.relationships+xml"),
            ("nuspec", "application/octet"), ("ps1", "application/octet"),
            ("dll", "application/octet"),
            ("psmdcp", "application/vnd.openxmlformats-package.core-properties+xml"))), False),
    ])


def vsix():
    manifest = (XML + '<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/'
                'vsx-schema/2011"><Metadata><Identity Id="mugai.sample" Version="1.0" Language="en-US" '
                'Publisher="Mugai"/><DisplayName>sample</DisplayName></Metadata></PackageManifest>')
    return make_zip([
        ("extension.vsixmanifest", manifest, False),
        ("extension/package.json", '{"name": "sample", "main": "./extension.js"}\n', False),
        ("extension/extension.js", "// placeholder\n", False),
        ("[Content_Types].xml", content_types([], (
            ("vsixmanifest", "text/xml"), ("json", "application/json"),
            ("js", "application/javascript"))), False),
    ])


def pyz(shebang=False):
    data = make_zip([("__main__.py", "print('placeholder')\n", False)])
    return (b"#!/usr/bin/env python3\n" + data) if shebang else data


def wheel():
    return make_zip([
        ("sample/__init__.py", "VALUE = 1\n", False),
        ("sample-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: sample\nVersion: 1.0\n", False),
        ("sample-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: mugai\nRoot-Is-Purelib: true\n"
         "Tag: py3-none-any\n", False),
        ("sample-1.0.dist-info/RECORD", "", False),
    ])


def xpi():
    return make_zip([
        ("manifest.json", '{"manifest_version": 2, "name": "sample", "version": "1.0"}\n', False),
        ("background.js", "// placeholder\n", False),
        ("META-INF/mozilla.rsa", b"\x30\x82\x00\x00", False),
        ("META-INF/mozilla.sf", "Signature-Version: 1.0\n", False),
        ("META-INF/manifest.mf", "Manifest-Version: 1.0\n", False),
    ])


def crx():
    """CRX3: "Cr24", version 3, header length, a (here empty) signed header, then the zip."""
    body = make_zip([("manifest.json", '{"manifest_version": 3, "name": "s", "version": "1"}\n', False)])
    return b"Cr24" + struct.pack("<II", 3, 0) + body


def war():
    return make_zip([
        ("index.jsp", "<%-- placeholder --%>\n", False),
        ("WEB-INF/web.xml", XML + '<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="5.0"/>',
         False),
    ])


def ear():
    return make_zip([
        ("META-INF/application.xml", XML + '<application xmlns="https://jakarta.ee/xml/ns/jakartaee" '
         'version="9"><module><web><web-uri>a.war</web-uri></web></module></application>', False),
        ("a.war", war(), False),
    ])


# --------------------------------------------------------------------------
# Near misses: plain zips that merely look a little like a package

def plain_nuspec():
    """A project folder with a .nuspec beside the sources, no OPC parts: an archive."""
    return make_zip([("Sample.nuspec", XML + "<package/>", False), ("readme.txt", "hello\n", False)])


def plain_late_mimetype():
    """A file called "mimetype" that is not the first member and names no known format."""
    return make_zip([("notes.txt", "hello\n", False), ("mimetype", "text/plain", True)])


def plain_kml_in_folder():
    return make_zip([("maps/route.kml", XML + "<kml/>", False), ("readme.txt", "hello\n", False)])


SAMPLES = {
    "drawing.vsdx": lambda: visio("vsdx"),
    "drawing.vsdm": lambda: visio("vsdm"),
    "stencil.vssx": lambda: visio("vssx"),
    "stencil.vssm": lambda: visio("vssm"),
    "template.vstx": lambda: visio("vstx"),
    "template.vstm": lambda: visio("vstm"),
    "names-only-macro.vsdx": visio_names_only_macro,
    "theme.thmx": theme,
    "slide.sldx": lambda: slide(False),
    "slide.sldm": lambda: slide(True),
    "addin.xlam": lambda: addin("xlam"),
    "addin.ppam": lambda: addin("ppam"),
    "addin-in-docx.docx": addin_hidden_in_docx,
    "document.xps": lambda: xps("xps"),
    "document.oxps": lambda: xps("oxps"),
    "pieces.xps": xps_pieces,
    "model.3mf": model_3mf,
    "rels-only.zip": rels_only,
    "drawing.odg": lambda: odf("graphics", "<office:drawing/>"),
    "drawing.otg": lambda: odf("graphics-template", "<office:drawing/>"),
    "formula.odf": lambda: odf("formula", "<office:formula/>"),
    "database.odb": lambda: odf("base", "<office:database/>"),
    "chart.odc": lambda: odf("chart", "<office:chart/>"),
    "master.odm": lambda: odf("text-master", "<office:text/>"),
    "future.odx": lambda: odf("future-kind", "<office:text/>"),
    "writer.sxw": lambda: sun_xml("writer"),
    "calc.sxc": lambda: sun_xml("calc"),
    "book.epub": epub,
    "image.ora": openraster,
    "map.kmz": kmz,
    "app.apk": apk,
    "unsigned.apk": apk_without_manifest_mf,
    "bundle.aab": aab,
    "package.nupkg": nupkg,
    "extension.vsix": vsix,
    "app.pyz": pyz,
    "app-shebang.pyz": lambda: pyz(shebang=True),
    "sample-1.0-py3-none-any.whl": wheel,
    "addon.xpi": xpi,
    "extension.crx": crx,
    "webapp.war": war,
    "enterprise.ear": ear,
    # name versus content: a macro-enabled Visio drawing named as a zip
    "drawings.zip": lambda: visio("vsdm"),
    # near misses
    "plain-nuspec.zip": plain_nuspec,
    "plain-late-mimetype.zip": plain_late_mimetype,
    "plain-kml-in-folder.zip": plain_kml_in_folder,
}


def soffice(args, cwd):
    profile = tempfile.mkdtemp(prefix="mugai-lo-")
    try:
        subprocess.run(["soffice", "--headless", "--norestore",
                        f"-env:UserInstallation=file://{profile}"] + args,
                       cwd=cwd, check=True, capture_output=True, timeout=300)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def make_real():
    """Remake corpus/ident/real/ with LibreOffice (see the module docstring)."""
    src = "/usr/lib/libreoffice/share/template/common/draw/bpmn.otg"
    os.makedirs(REAL, exist_ok=True)
    shutil.copyfile(src, os.path.join(REAL, "bpmn.otg"))
    work = tempfile.mkdtemp(prefix="mugai-real-")
    try:
        shutil.copyfile(src, os.path.join(work, "bpmn.otg"))
        soffice(["--convert-to", "odg", "bpmn.otg"], work)
        shutil.copyfile(os.path.join(work, "bpmn.odg"), os.path.join(REAL, "bpmn.odg"))
        with open(os.path.join(work, "hello.txt"), "w") as f:
            f.write("Hello EPUB\nSecond line\n")
        soffice(["--convert-to", "epub", "hello.txt"], work)
        shutil.copyfile(os.path.join(work, "hello.epub"), os.path.join(REAL, "hello.epub"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_with_mutool():
    """mupdf opens XPS, OpenXPS and EPUB: a sample it cannot open is not a real one."""
    if shutil.which("mutool") is None:
        print("mutool not found: XPS/EPUB samples not cross-checked")
        return
    # The XPS page is 816 x 1056 pixels at 96 dpi: 612 x 792 points once read.
    want = {"document.xps": 'width="612"', "document.oxps": 'width="612"',
            "pieces.xps": 'width="612"', "book.epub": "\u7121\u5bb3\u5316"}
    for name, mark in want.items():
        fmt = "txt" if name.endswith(".epub") else "stext"
        p = subprocess.run(["mutool", "draw", "-F", fmt, "-o", "-", os.path.join(OUT, name)],
                           capture_output=True, text=True)
        if p.returncode != 0 or mark not in p.stdout:
            sys.exit(f"mutool cannot read {name}: {p.stderr}")
    print("mutool opened the XPS, OpenXPS and EPUB samples")


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        p = os.path.join(OUT, f)
        if os.path.isfile(p) and f != "README.md":
            os.remove(p)
    if os.path.isdir(SEEDS):
        for f in os.listdir(SEEDS):
            if f.startswith("pkg-"):
                os.remove(os.path.join(SEEDS, f))
    if "--real" in sys.argv[1:]:
        make_real()
    for name, fn in SAMPLES.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(fn())
    check_with_mutool()
    os.makedirs(SEEDS, exist_ok=True)
    made = [os.path.join(OUT, n) for n in SAMPLES]
    made += [os.path.join(REAL, n) for n in sorted(os.listdir(REAL))] if os.path.isdir(REAL) else []
    for p in made:
        if 0 < os.path.getsize(p) < 40 * 1024:
            shutil.copyfile(p, os.path.join(SEEDS, "pkg-" + os.path.basename(p)))
    print("wrote %d samples" % len(SAMPLES))


if __name__ == "__main__":
    main()
