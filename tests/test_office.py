"""End-to-end: Office Open XML documents through `mugai sanitize`.

Every sample in corpus/office/ (made by corpus/make-office.py) goes through
the real CLI, in its sandbox. The outputs are opened here with Python's
zipfile and xml.etree, never with Mugai's code, and checked for what must
be gone (macros, OLE, ActiveX, external relationships, risky fields and
formulas, Auto_Open names, PowerPoint program actions...) and for what
must stay (text, field results, cached values, preview pictures, http
links). Macro-enabled inputs must come out under the macro-free name.

Fidelity: every released output must open in LibreOffice (converted to
PDF), and for the benign LibreOffice-made samples the text pdftotext finds
in the output's PDF must equal the input's. Needs soffice and pdftotext
(Debian: libreoffice-writer-nogui, libreoffice-calc-nogui,
libreoffice-impress-nogui, fonts-noto-cjk, poppler-utils); without them
that part is skipped with a message and the rest still runs.
"""
import glob
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402

t = mt.Checker("office")
work = tempfile.mkdtemp(prefix="mugai-office-")
SAMPLES = os.path.join(mt.CORPUS, "office")

OFFICE_TYPES = ["docx", "docm", "dotx", "dotm", "xlsx", "xlsm", "xltx", "xltm",
                "pptx", "pptm", "ppsx", "ppsm", "potx", "potm"]


def policy(extra=""):
    text = "[actions]\n" + "".join(f"{k} = sanitize\n" for k in OFFICE_TYPES + ["jpeg", "png", "gif"])
    return mt.write(work, f"office{abs(hash(extra))}.conf", (text + extra).encode())


POLICY = policy()
POLICY_NOLINKS = policy("[options]\nkeep_hyperlinks = no\n")

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WS = "{http://purl.oclc.org/ooxml/wordprocessingml/main}"
X = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
O = "{urn:schemas-microsoft-com:office:office}"
V = "{urn:schemas-microsoft-com:vml}"
XV = "{urn:schemas-microsoft-com:office:excel}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CTNS = "{http://schemas.openxmlformats.org/package/2006/content-types}"

# Relationship types a sanitized package may contain (the last path segment).
ALLOWED_RELS = {
    "officeDocument", "extended-properties", "extendedProperties", "custom-properties", "customProperties",
    "core-properties", "thumbnail", "image", "hyperlink", "package", "theme", "themeOverride", "styles",
    "comments", "chart", "chartUserShapes", "chartStyle", "chartColorStyle", "diagramData", "diagramLayout",
    "diagramQuickStyle", "diagramColors", "diagramDrawing", "drawing", "vmlDrawing", "numbering", "settings",
    "webSettings", "fontTable", "header", "footer", "footnotes", "endnotes", "glossaryDocument",
    "commentsExtended", "commentsIds", "commentsExtensible", "people", "worksheet", "chartsheet",
    "sharedStrings", "table", "sheetMetadata", "threadedComment", "person", "slide", "slideLayout",
    "slideMaster", "notesSlide", "notesMaster", "handoutMaster", "presProps", "viewProps", "tableStyles",
    "commentAuthors", "authors",
}
RISKY_FIELDS = {"DDE", "DDEAUTO", "INCLUDETEXT", "INCLUDEPICTURE", "INCLUDE", "LINK", "IMPORT", "MACROBUTTON",
                "DATABASE", "EMBED", "PRINT"}


# --- an independent look at a package ------------------------------------------

class Package:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.raw = f.read()
        self.zip = zipfile.ZipFile(io.BytesIO(self.raw))
        self.names = [i.filename for i in self.zip.infolist()]
        self.data = {n: self.zip.read(n) for n in self.names}

    def xml(self, name):
        return ET.fromstring(self.data[name])

    def rels(self):
        """{rels part: [(Id, Type, Target, external)]}"""
        out = {}
        for n in self.names:
            if n.endswith(".rels"):
                root = self.xml(n)
                out[n] = [(r.get("Id"), r.get("Type"), r.get("Target"), r.get("TargetMode") == "External")
                          for r in root.iter(RELS + "Relationship")]
        return out

    def content_types(self):
        root = self.xml("[Content_Types].xml")
        d = {e.get("Extension").lower(): e.get("ContentType") for e in root.iter(CTNS + "Default")}
        o = {e.get("PartName").lstrip("/").lower(): e.get("ContentType") for e in root.iter(CTNS + "Override")}
        return d, o

    def ctype(self, name):
        d, o = self.content_types()
        return o.get(name.lower()) or d.get(name.rsplit(".", 1)[-1].lower())

    def xml_parts(self):
        for n in self.names:
            if n.endswith((".xml", ".rels", ".vml")):
                yield n


def source_of(rels_name):
    d, _, b = rels_name.rpartition("_rels/")
    return d + b[:-5]


def resolve(source, target):
    if target.startswith("/"):
        parts = target[1:].split("/")
    else:
        parts = source.split("/")[:-1] + target.split("/")
    out = []
    for p in parts:
        if p == "..":
            out.pop()
        elif p not in ("", "."):
            out.append(p)
    return "/".join(out)


def formula_risky(f):
    f = re.sub(r'"(?:[^"]|"")*"', '""', f or "")
    return "|" in f or re.search(r"\[\d+\]", f) is not None or re.search(
        r"\b(WEBSERVICE|RTD|CALL|REGISTER|EXEC|HYPERLINK)\s*\(", f, re.I) is not None


def field_keyword(instr):
    m = re.match(r"\s*([^\s\\\"]+)", instr or "")
    return m.group(1).upper() if m else ""


def check_clean(pkg, label):
    """Everything that must hold for any sanitized package."""
    t.check(pkg.names and pkg.names[0] == "[Content_Types].xml", f"{label}: [Content_Types].xml first ({pkg.names[:1]})")
    t.check(len(set(n.lower() for n in pkg.names)) == len(pkg.names), f"{label}: no duplicate names")
    d, o = pkg.content_types()
    for ct in list(d.values()) + list(o.values()):
        t.check(not re.search(r"macroEnabled|vba|macrosheet|activex|oleObject", ct, re.I),
                f"{label}: forbidden content type {ct}")
    for n in pkg.names:
        data = pkg.data[n]
        t.check(not data.startswith(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), f"{label}: {n} has OLE2 magic")
        t.check(not data.startswith(b"MZ") and not data.startswith(b"\x7fELF"), f"{label}: {n} is a program")
        t.check(not re.search(r"vbaProject|vbaData|macrosheets/|activeX/|customUI/|externalLinks/|connections\.xml|"
                              r"queryTables/|customXml/|embeddings/.*\.bin$|\.emf$|\.wmf$", n, re.I),
                f"{label}: forbidden part {n}")
        if n != "[Content_Types].xml":
            t.check(pkg.ctype(n) is not None, f"{label}: {n} has a content type")
    for rn, lst in pkg.rels().items():
        src = source_of(rn)
        t.check(src == "" or src in pkg.names, f"{label}: {rn} belongs to an existing part")
        for rid, typ, target, ext in lst:
            short = typ.rsplit("/", 1)[-1]
            t.check(short in ALLOWED_RELS, f"{label}: relationship type {typ} in {rn}")
            if ext:
                t.check(short == "hyperlink" and re.match(r"(?i)(https?://|mailto:)", target or ""),
                        f"{label}: external {short} {target} in {rn}")
            else:
                t.check(resolve(src, target) in pkg.names, f"{label}: {rn} {rid} -> {target} exists")
    for n in pkg.xml_parts():
        data = pkg.data[n]
        t.check(b"<!DOCTYPE" not in data, f"{label}: {n} has a DOCTYPE")
        try:
            root = ET.fromstring(data)
        except ET.ParseError as e:
            t.check(False, f"{label}: {n} does not parse: {e}")
            continue
        for e in root.iter():
            tag = e.tag
            if tag in (W + "instrText", WS + "instrText", W + "delInstrText"):
                t.check(field_keyword(e.text) not in RISKY_FIELDS, f"{label}: field {e.text!r} in {n}")
            if tag in (W + "fldSimple", WS + "fldSimple"):
                instr = e.get(W + "instr") or e.get(WS + "instr")
                t.check(field_keyword(instr) not in RISKY_FIELDS, f"{label}: fldSimple {instr!r} in {n}")
            if tag in (O + "OLEObject", P + "oleObj", W + "control", X + "oleObjects", X + "controls",
                       P + "controls", W + "attachedTemplate", W + "entryMacro", W + "exitMacro",
                       XV + "FmlaMacro", W + "subDoc", W + "altChunk"):
                t.check(False, f"{label}: {tag} in {n}")
            if tag in (A + "hlinkClick", A + "hlinkHover", A + "hlinkMouseOver"):
                act = e.get("action") or ""
                t.check(not re.match(r"ppaction://(program|macro|ole|hlinkfile)", act),
                        f"{label}: action {act} in {n}")
            if tag == X + "definedName":
                nm = (e.get("name") or "").lower().replace("_xlnm.", "")
                t.check(not nm.startswith(("auto_open", "auto_close")), f"{label}: name {e.get('name')} in {n}")
            if tag == X + "f":
                t.check(not formula_risky(e.text), f"{label}: formula {e.text!r} in {n}")
            if tag.startswith((V, O, XV)):
                for k in e.attrib:
                    t.check(k.rsplit("}", 1)[-1] not in ("href", "src"), f"{label}: VML link {k} in {n}")


def text_of(pkg, name):
    return pkg.data.get(name, b"").decode("utf-8", "replace")


# --- run every sample ------------------------------------------------------------

samples = sorted(glob.glob(os.path.join(SAMPLES, "*")))
t.check(len(samples) >= 40, f"office corpus present ({len(samples)} files)")
r = mt.run(samples, "--policy", POLICY)
reports = {os.path.basename(rep["input"]): rep for rep in r.reports}
t.check(len(reports) == len(samples), f"one report per sample ({len(reports)})")
out = {}
for name, rep in reports.items():
    if rep.get("verdict") in ("sanitized", "clean"):
        path = rep.get("output")
        t.check(path and os.path.isfile(path), f"{name}: output written")
        if path and os.path.isfile(path):
            out[name] = path

BLOCKED = {"billion-laughs.docx": "active-content", "xxe-content-types.docx": "active-content",
           "xxe-utf16.docx": "active-content", "dup-names.docx": "parse-error", "bomb.docx": "limit",
           "no-main.docx": "parse-error",
           # ClamAV's heuristics may stop it first, which is just as good.
           "encrypted-member.docx": ("encrypted", "infected")}
for name, code in BLOCKED.items():
    rep = reports.get(name, {})
    t.check(rep.get("verdict") == "blocked" and rep.get("reason_code") in
            ((code,) if isinstance(code, str) else code),
            f"{name}: blocked as {code} ({rep.get('verdict')}, {rep.get('reason_code')}: {rep.get('reason')})")
    t.check(name not in out, f"{name}: nothing released")
released = [n for n in reports if n not in BLOCKED]
for name in released:
    t.check(name in out, f"{name}: released ({reports[name].get('verdict')}: {reports[name].get('reason')})")
t.check(r.code == 1, f"exit 1 when something was blocked (got {r.code})")

pk = {}
for name, path in out.items():
    try:
        pk[name] = Package(path)
    except zipfile.BadZipFile as e:
        t.check(False, f"{name}: output is not a zip: {e}")
        continue
    check_clean(pk[name], name)

# Macro-enabled types come out macro-free, under the macro-free name.
RENAME = {"docm": "docx", "dotm": "dotx", "xlsm": "xlsx", "xltm": "xltx", "pptm": "pptx", "ppsm": "ppsx",
          "potm": "potx"}
MAIN_CT = {"docx": "wordprocessingml.document.main+xml", "dotx": "wordprocessingml.template.main+xml",
           "xlsx": "spreadsheetml.sheet.main+xml", "xltx": "spreadsheetml.template.main+xml",
           "pptx": "presentationml.presentation.main+xml", "ppsx": "presentationml.slideshow.main+xml",
           "potx": "presentationml.template.main+xml"}
for name, path in out.items():
    ext = name.rsplit(".", 1)[-1]
    want = RENAME.get(ext, ext)
    t.check(path.endswith("." + want), f"{name}: output named .{want} ({os.path.basename(path)})")
    t.check(reports[name].get("output_type") == want, f"{name}: output type {want}")
    if name in pk:
        mains = [target for _, typ, target, _ in pk[name].rels().get("_rels/.rels", [])
                 if typ.endswith("/officeDocument")]
        t.check(len(mains) == 1, f"{name}: one main part")
        if mains:
            ct = pk[name].ctype(resolve("", mains[0])) or ""
            t.check(ct.endswith(MAIN_CT[want]), f"{name}: main content type {ct}")

# --- sample by sample: what went and what stayed ------------------------------------


def doc(name):
    return text_of(pk.get(name), "word/document.xml") if name in pk else ""


if "vba.docm" in pk:
    t.check("MUGAI-TEXT-VBA" in doc("vba.docm"), "vba: text kept")
if "vba-renamed.docm" in pk:
    t.check("word/media/image9.png" not in pk["vba-renamed.docm"].names, "renamed VBA project dropped")
    t.check("MUGAI-TEXT-RENAMED" in doc("vba-renamed.docm"), "renamed VBA: text kept")
for name in ("ole-mhtml-cve-2021-40444.docx", "ole-msdt-follina.docx", "ole-equation.docx", "activex.docx"):
    if name in pk:
        root = pk[name].xml("word/document.xml")
        imgs = list(root.iter(V + "imagedata"))
        t.check(len(imgs) == 1 and list(root.iter(W + "pict")), f"{name}: preview picture kept as w:pict")
        t.check(not list(root.iter(W + "object")), f"{name}: w:object gone")
        t.check(any(n.startswith("word/media/") and pk[name].data[n].startswith(b"\x89PNG")
                    for n in pk[name].names), f"{name}: preview image part kept")
        t.check(not any("mhtml:" in tg or "ms-msdt" in tg for lst in pk[name].rels().values()
                        for _, _, tg, _ in lst), f"{name}: no mhtml:/ms-msdt: target")
if "ppt-ole.pptx" in pk:
    root = pk["ppt-ole.pptx"].xml("ppt/slides/slide1.xml")
    pics = list(root.iter(P + "pic"))
    t.check(len(pics) == 1 and not list(root.iter(P + "graphicFrame")), "ppt OLE frame became its picture")
    if pics:
        ids = [c.get("id") for c in pics[0].iter(P + "cNvPr")]
        t.check(ids == ["9"], f"ppt OLE picture keeps the frame's id ({ids})")
if "remote-template.docx" in pk:
    s = text_of(pk["remote-template.docx"], "word/settings.xml")
    t.check("attachedTemplate" not in s and "mailMerge" not in s and "updateFields" not in s and
            "MUGAI-DOCVAR" not in s, "remote template: settings cleaned")
    t.check(not any(ext for lst in pk["remote-template.docx"].rels().values() for *_, ext in lst),
            "remote template: no external relationship")
if "frame-subdoc.docx" in pk:
    t.check("frameset" not in text_of(pk["frame-subdoc.docx"], "word/webSettings.xml"), "frameset removed")
    t.check("word/afchunk.mht" not in pk["frame-subdoc.docx"].names, "altChunk part removed")
if "linked-image.docx" in pk:
    root = pk["linked-image.docx"].xml("word/document.xml")
    blips = list(root.iter(A + "blip"))
    R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    t.check(len(blips) == 1 and blips[0].get(R + "embed") and not blips[0].get(R + "link"),
            "linked image: embedded copy kept, link removed")
    t.check("mugai.invalid" not in doc("linked-image.docx"), "linked image: no remote URL left")
if "dde-fields.docx" in pk:
    d = doc("dde-fields.docx")
    for s in ("MUGAI-RESULT-DDEAUTO", "MUGAI-RESULT-SIMPLE", "MUGAI-RESULT-NESTED", "MUGAI-RESULT-MACROBUTTON",
              "MUGAI-TEXT dde fields", "form value"):
        t.check(s in d, f"dde fields: {s} kept")
    t.check("cmd.exe" not in d and "MUGAI-DDEAUTO" not in d and "MUGAI-NESTED" not in d,
            "dde fields: instructions gone")
    t.check("> PAGE <" in d or " PAGE " in d, "dde fields: PAGE field kept")
    t.check("FORMTEXT" in d and "MUGAI_ENTRY" not in d and "MUGAI_EXIT" not in d, "form field kept, macros gone")
if "include-fields.docx" in pk:
    p = pk["include-fields.docx"]
    for part, res in (("word/header1.xml", "INCLUDETEXT"), ("word/footer1.xml", "INCLUDEPICTURE"),
                      ("word/footnotes.xml", "LINK"), ("word/comments.xml", "IMPORT"),
                      ("word/endnotes.xml", "ENDNOTE-DDE")):
        s = text_of(p, part)
        t.check(f"MUGAI-RESULT-{res}" in s, f"{part}: result kept")
        t.check("instrText" not in s and "mugai.invalid" not in s, f"{part}: {res} instruction gone")
    t.check("TIME" in doc("include-fields.docx"), "TIME field kept")
if "hyperlinks.docx" in pk:
    targets = [tg for lst in pk["hyperlinks.docx"].rels().values() for _, _, tg, ext in lst if ext]
    t.check(sorted(targets) == sorted(["http://www.example.jp/ok-http", "https://www.example.jp/ok-https",
                                       "mailto:info@example.jp"]), f"hyperlinks kept: {targets}")
    d = doc("hyperlinks.docx")
    for s in ("KEEP-HTTP", "DROP-JS", "DROP-FILE", "DROP-UNC", "MUGAI-RESULT-FILELINK", "KEEP-FIELD-LINK"):
        t.check(s in d, f"hyperlink text {s} kept")
    t.check("HYPERLINK \"https://www.example.jp/field\"" in d and "file://" not in d, "hyperlink fields")
if "images-emf-exif.docx" in pk:
    p = pk["images-emf-exif.docx"]
    jpgs = [n for n in p.names if n.endswith(".jpeg")]
    t.check(len(jpgs) == 1, "JPEG kept")
    for n in jpgs:
        markers, trailing = mt.jpeg_markers(p.data[n])
        t.check(all(m != 0xE1 for m, _ in markers) and b"MUGAI-EXIF" not in p.data[n], "JPEG: EXIF removed")
    root = p.xml("word/document.xml")
    t.check(len(list(root.iter(V + "imagedata"))) == 1, "EMF picture element removed, JPEG one kept")
if "image-via-hyperlink.docx" in pk:
    root = pk["image-via-hyperlink.docx"].xml("word/document.xml")
    t.check(not list(root.iter(A + "blip")) and not list(root.iter(V + "imagedata")),
            "a web link is never a picture source")
    t.check(len(list(root.iter(W + "hyperlink"))) == 1 and len(list(root.iter(A + "hlinkClick"))) == 1,
            "the same link stays on the text and the picture frame")
if "printer-settings.xlsx" in pk:
    root = pk["printer-settings.xlsx"].xml("xl/worksheets/sheet1.xml")
    ps = list(root.iter(X + "pageSetup"))
    t.check(len(ps) == 1 and ps[0].get("orientation") == "landscape" and len(ps[0].attrib) == 2,
            f"page setup kept without printer data: {ps[0].attrib if ps else None}")
    t.check(not any("printerSettings" in n for n in pk["printer-settings.xlsx"].names), "printer settings dropped")
if "embedded-workbook.docx" in pk:
    p = pk["embedded-workbook.docx"]
    emb = [n for n in p.names if n.startswith("word/embeddings/")]
    t.check(emb == ["word/embeddings/Microsoft_Excel_Worksheet.xlsx"], f"embedded workbook renamed: {emb}")
    for n in emb:
        inner_path = mt.write(work, "inner.xlsx", p.data[n])
        inner = Package(inner_path)
        check_clean(inner, "embedded workbook")
        t.check("MUGAI-TEXT-INNER" in text_of(inner, "xl/worksheets/sheet1.xml"), "embedded workbook: data kept")
        t.check(p.ctype(n).endswith("spreadsheetml.sheet"), f"embedded workbook content type {p.ctype(n)}")
    chart_rels = p.rels().get("word/charts/_rels/chart1.xml.rels", [])
    t.check(any(tg.endswith("Microsoft_Excel_Worksheet.xlsx") for _, _, tg, _ in chart_rels),
            "chart points at the renamed workbook")
if "xlm-macrosheet.xlsm" in pk:
    p = pk["xlm-macrosheet.xlsm"]
    root = p.xml("xl/workbook.xml")
    sheets = [s.get("name") for s in root.iter(X + "sheet")]
    names = {n.get("name"): n.get("localSheetId") for n in root.iter(X + "definedName")}
    t.check(sheets == ["Data"], f"macro and dialog sheets gone from the sheet list: {sheets}")
    t.check(not any("sheets/" in n and "worksheets/" not in n for n in p.names), "macro/dialog sheet parts gone")
    t.check(names == {"KeepName": None, "LocalToData": "0"}, f"defined names: {names}")
    views = [v.get("activeTab") for v in root.iter(X + "workbookView")]
    t.check(views == ["0"], f"active tab renumbered: {views}")
if "dde-formula.xlsx" in pk:
    root = pk["dde-formula.xlsx"].xml("xl/worksheets/sheet1.xml")
    cells = {c.get("r"): c for c in root.iter(X + "c")}

    def f(ref):
        e = cells[ref].find(X + "f")
        return None if e is None else (e.text or "")

    def v(ref):
        e = cells[ref].find(X + "v")
        return None if e is None else e.text
    t.check(f("B1") is None and v("B1") == "0", "DDE formula gone, value kept")
    t.check(f("C1") == "SUM(1,6)" and v("C1") == "7", "SUM kept")
    t.check(f("B2") is not None, "a | inside a string is not DDE")
    t.check(f("C2") is None and v("C2") == "42", "external reference gone, value kept")
    t.check(f("B3") is None and f("B4") is None, "shared DDE formula group gone")
    t.check(f("C4") == "C3+1" and f("C5") == "", "benign shared formula kept")
    t.check(cells["A3"].get("t") == "inlineStr" and "MUGAI-CACHED-WS" in ET.tostring(cells["A3"]).decode(),
            "WEBSERVICE string result kept as text")
    t.check(not list(root.iter(X + "conditionalFormatting")), "DDE conditional format removed")
if "connections-powerquery.xlsx" in pk:
    p = pk["connections-powerquery.xlsx"]
    tbl = p.xml("xl/tables/table1.xml")
    t.check(tbl.get("tableType") is None, "query table became a plain table")
if "button-ole-activex.xlsx" in pk:
    p = pk["button-ole-activex.xlsx"]
    vml = text_of(p, "xl/drawings/vmlDrawing1.vml")
    t.check("MUGAI_BUTTON_MACRO" not in vml and "vml.exe" not in vml, "VML button macro and link gone")
    t.check("o:relid" in vml and "xl/media/image1.png" in p.names, "VML picture kept")
if "ppt-actions.pptm" in pk:
    root = pk["ppt-actions.pptm"].xml("ppt/slides/slide1.xml")
    acts = sorted((e.get("action") or "") for e in root.iter() if e.tag in (A + "hlinkClick", A + "hlinkHover"))
    t.check(acts == ["", "ppaction://hlinkshowjump?jump=nextslide"], f"ppt actions left: {acts}")
    t.check("DROP-PROGRAM" in text_of(pk["ppt-actions.pptm"], "ppt/slides/slide1.xml"), "ppt text kept")
if "strict-external.docx" in pk:
    d = doc("strict-external.docx")
    t.check("purl.oclc.org/ooxml/wordprocessingml/main" in d, "Strict namespace kept")
    t.check("MUGAI-RESULT-STRICT" in d and "MUGAI-STRICT-DDE" not in d, "Strict DDE field replaced by its result")
    t.check("attachedTemplate" not in text_of(pk["strict-external.docx"], "word/settings.xml"),
            "Strict attached template removed")
if "utf16-part.docx" in pk:
    t.check("UTF16-KEPT 日本語" in doc("utf16-part.docx"), "UTF-16 part kept and converted")
if "benign-minutes-pydocx.docx" in pk:
    p = pk["benign-minutes-pydocx.docx"]
    words = "".join(e.text or "" for e in p.xml("word/document.xml").iter(W + "t"))
    t.check("まちづくり委員会" in words and "Artist's impression" in words, "python-docx document: text kept")
    t.check("word/theme/theme1.xml" in p.names and "docProps/thumbnail.jpeg" in p.names,
            "python-docx document: theme and thumbnail kept")
if "benign-population-openpyxl.xlsx" in pk:
    p = pk["benign-population-openpyxl.xlsx"]
    t.check(any(n.startswith("xl/charts/") for n in p.names) and any(n.endswith(".vml") for n in p.names),
            "openpyxl workbook: chart and comment shape kept")
    t.check("SUM(B2:B5)" in text_of(p, "xl/worksheets/sheet1.xml"), "openpyxl workbook: formulas kept")
for name in [n for n in pk if n.startswith("benign-report")]:
    d = doc(name)
    words = "".join(e.text or "" for e in pk[name].xml("word/document.xml").iter(W + "t"))
    t.check("令和6年度" in words and "Annual Report" in words, "benign report: Japanese and English text")
    for part in ("word/header1.xml", "word/footer1.xml", "word/footnotes.xml", "word/comments.xml",
                 "word/numbering.xml", "word/styles.xml", "word/media/image1.png"):
        t.check(part in pk[name].names, f"benign report: {part} kept")
    t.check("w:ins " in d and "w:del " in d, "benign report: tracked changes kept")
    t.check(any(tg.startswith("https://") for lst in pk[name].rels().values() for _, _, tg, _ in lst),
            "benign report: web link kept")

# --- keep_hyperlinks = no: every link goes -------------------------------------------
r2 = mt.run([os.path.join(SAMPLES, "hyperlinks.docx"), os.path.join(SAMPLES, "xlsx-hyperlinks.xlsx")],
            "--policy", POLICY_NOLINKS)
t.check(r2.code == 0, f"no-links policy run (exit {r2.code})")
for rep in r2.reports:
    if rep.get("output"):
        p = Package(rep["output"])
        check_clean(p, "nolinks " + os.path.basename(rep["input"]))
        t.check(not any(ext for lst in p.rels().values() for *_, ext in lst), "nolinks: no external relationship")
        t.check(not any(f.startswith("HYPERLINK") for f in re.findall(r"<w:instrText[^>]*>\s*([^<]*)",
                                                                      text_of(p, "word/document.xml"))),
                "nolinks: no HYPERLINK field")

# --- the built-in default policy sanitizes Office files (no --policy given) -------------
r3 = mt.run([os.path.join(SAMPLES, "benign-report.docx")])
t.check(r3.reports and r3.reports[0]["verdict"] == "sanitized", "default policy sanitizes docx")
r3 = mt.run([os.path.join(SAMPLES, "vba.docm")])
t.check(r3.reports and r3.reports[0]["verdict"] == "sanitized" and r3.outputs() == ["vba.docx"],
        f"default policy: docm comes out as docx ({r3.outputs()})")

# --- fidelity: outputs open in LibreOffice, benign text unchanged -----------------------
lo = mt.libreoffice(fonts=True)
if lo:
    soffice, pdftotext = lo

    def to_pdf(paths, outdir):
        os.makedirs(outdir, exist_ok=True)
        # One output per base name: copy under unique names first.
        staged = []
        for i, pth in enumerate(paths):
            dst = os.path.join(outdir, f"f{i:03d}." + pth.rsplit(".", 1)[-1])
            shutil.copy(pth, dst)
            staged.append(dst)
        mt.soffice_convert(soffice, work, "pdf", outdir, staged)
        return {pth: os.path.join(outdir, f"f{i:03d}.pdf") for i, pth in enumerate(paths)}

    def pdf_text(pdf):
        return " ".join(mt.pdf_text(pdftotext, pdf).split())

    outs = sorted(out.values())
    pdf_out = to_pdf(outs, os.path.join(work, "pdf-out"))
    for pth, pdf in pdf_out.items():
        t.check(os.path.isfile(pdf) and os.path.getsize(pdf) > 0, f"LibreOffice opens {os.path.basename(pth)}")
    benign = sorted(glob.glob(os.path.join(SAMPLES, "benign-*")))
    t.check(len(benign) >= 5, f"benign samples present ({len(benign)})")
    pdf_in = to_pdf(benign, os.path.join(work, "pdf-in"))
    for src in benign:
        name = os.path.basename(src)
        if name not in out:
            continue
        a, b = pdf_text(pdf_in[src]), pdf_text(pdf_out[out[name]])
        t.check(a != "" and a == b, f"{name}: same text after sanitizing ({len(a)} vs {len(b)} chars)")
        t.check(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", b) is not None, f"{name}: Japanese text in the PDF")

t.done()
