#!/usr/bin/env python3
"""End-to-end tests of the OpenDocument sanitizer through the real CLI.

Every output is opened with Python's zipfile and ElementTree (never with
Mugai's code) and checked for the ODF packaging rules (mimetype first,
stored, no extra field; a manifest that lists exactly the members) and for
the absence of every active construct the hostile samples carry. Benign
samples must keep their Japanese text, and when LibreOffice is installed
the text of the PDF it renders from the input and from the output must be
the same.
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mugaitest as mt  # noqa: E402

ODF = os.path.join(mt.CORPUS, "odf")
C = mt.Checker("odf")

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "form": "urn:oasis:names:tc:opendocument:xmlns:form:1.0",
    "script": "urn:oasis:names:tc:opendocument:xmlns:script:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
    "xml": "http://www.w3.org/XML/1998/namespace",
}
MIMES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "ott": "application/vnd.oasis.opendocument.text-template",
}
JA = "住民票の写しの交付申請について"

# Elements that must never be in a released document.
FORBIDDEN = {(NS[p], l) for p, l in [
    ("office", "scripts"), ("office", "script"), ("office", "event-listeners"),
    ("presentation", "event-listener"), ("text", "script"), ("draw", "object"),
    ("draw", "object-ole"), ("draw", "applet"), ("draw", "plugin"), ("draw", "floating-frame"),
    ("office", "binary-data"), ("office", "dde-source"), ("text", "dde-connection-decls"),
    ("text", "dde-connection"), ("table", "dde-links"), ("text", "section-source"),
    ("table", "table-source"), ("text", "execute-macro"), ("meta", "template"),
    ("meta", "auto-reload")]}


def q(prefix, local):
    return "{%s}%s" % (NS[prefix], local)


def policy(tmp, keep_links=True):
    p = os.path.join(tmp, "odf.conf" if keep_links else "odf-nolinks.conf")
    with open(p, "w") as f:
        f.write("[actions]\n")
        for t in ("odt", "ods", "odp", "ott", "ots", "otp"):
            f.write(f"{t} = sanitize\n")
        f.write("[options]\nkeep_hyperlinks = %s\n" % ("yes" if keep_links else "no"))
    return p


def check_package(path, want_mime, label):
    """The ODF packaging rules and the absence of active content; returns the zip."""
    with open(path, "rb") as f:
        raw = f.read()
    # Local header of the first member, read by hand.
    sig, _ver, flags, method = struct.unpack("<IHHH", raw[:10])
    nlen, xlen = struct.unpack("<HH", raw[26:30])
    C.check(sig == 0x04034B50 and raw[30:30 + nlen] == b"mimetype", f"{label}: mimetype is the first member")
    C.check(method == 0 and xlen == 0 and not (flags & 8), f"{label}: mimetype stored, no extra field, no descriptor")
    C.check(raw[38:38 + len(want_mime)] == want_mime.encode(), f"{label}: mimetype text at offset 38")
    z = zipfile.ZipFile(path)
    infos = z.infolist()
    C.check(infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
            and infos[0].extra == b"", f"{label}: central directory agrees on mimetype")
    C.check(z.read("mimetype").decode() == want_mime, f"{label}: mimetype is {want_mime}")
    names = [i.filename for i in infos]
    C.check(len(names) == len(set(names)), f"{label}: no duplicate members")
    for n in names:
        C.check(not re.match(r"(Basic|Scripts|Dialogs|Configurations2|Fonts)/|Object \d", n),
                f"{label}: no macro, script, dialog, UI or object member ({n})")
    # Manifest: exactly the members.
    mf = ET.fromstring(z.read("META-INF/manifest.xml"))
    listed = {}
    for e in mf.iter(q("manifest", "file-entry")):
        listed[e.get(q("manifest", "full-path"))] = e.get(q("manifest", "media-type"))
    C.check(not list(mf.iter(q("manifest", "encryption-data"))), f"{label}: no encryption data")
    C.check(listed.get("/") == want_mime, f"{label}: manifest root entry has the document type")
    want = set(names) - {"mimetype", "META-INF/manifest.xml"}
    C.check(set(listed) - {"/"} == want, f"{label}: manifest lists exactly the members "
            f"(extra {set(listed) - {'/'} - want}, missing {want - set(listed)})")
    # Every XML part: no DTD, no forbidden element, no forbidden link.
    for n in names:
        if not n.endswith(".xml"):
            continue
        data = z.read(n)
        C.check(b"<!DOCTYPE" not in data.upper() and b"<!ENTITY" not in data.upper(), f"{label}: {n} has no DTD")
        root = ET.fromstring(data)
        for el in root.iter():
            tag = el.tag if isinstance(el.tag, str) else ""
            if tag.startswith("{"):
                ns, local = tag[1:].split("}", 1)
            else:
                ns, local = "", tag
            C.check((ns, local) not in FORBIDDEN and ns != NS["script"],
                    f"{label}: {n} holds no {tag}")
            C.check(NS["xml"] + "}base" not in "".join(el.attrib), f"{label}: {n} has no xml:base")
            href = el.get(q("xlink", "href"))
            if href is None:
                continue
            h = href.strip()
            if tag in (q("text", "a"), q("draw", "a")):
                ok = h.startswith("#") or re.match(r"(?i)(https?|mailto):", h) is not None
            else:
                ok = h.lstrip("./") in names and ".." not in h
            C.check(ok, f"{label}: {n}: allowed href on {tag}: {href}")
    return z


def sanitize(tmp, name, pol):
    out = tempfile.mkdtemp(prefix="odf-out-", dir=tmp)
    r = mt.run([os.path.join(ODF, name)], "--policy", pol, outdir=out)
    rep = r.reports[0] if r.reports else {}
    return r, rep, out


def all_actions(node):
    acts = list(node.get("actions", []))
    for c in node.get("children", []):
        acts += all_actions(c)
    return acts


def released(tmp, name, pol, ext=None):
    r, rep, out = sanitize(tmp, name, pol)
    C.check(r.code == 0 and rep.get("verdict") == "sanitized", f"{name}: released as sanitized "
            f"({rep.get('verdict')}: {rep.get('reason')})")
    outs = r.outputs()
    C.check(len(outs) == 1, f"{name}: one output")
    if len(outs) != 1:
        return None, rep
    ext = ext or name.rsplit(".", 1)[1]
    C.check(rep.get("output_type") == ext, f"{name}: output type stays {ext}")
    z = check_package(os.path.join(out, outs[0]), MIMES[ext], name)
    return z, rep


def text_of(z, part="content.xml"):
    return z.read(part).decode("utf-8")


def main():
    tmp = tempfile.mkdtemp(prefix="mugai-odf-")
    pol = policy(tmp)
    nolinks = policy(tmp, keep_links=False)

    # Benign documents keep their text, images and template-ness.
    for name in ("benign.odt", "benign.ods", "benign.odp", "benign.ott"):
        z, rep = released(tmp, name, pol)
        if not z:
            continue
        c = text_of(z)
        C.check(("住民票" in c or "予算" in c or "防災訓練" in c), f"{name}: Japanese text survives")
        C.check("styles.xml" in z.namelist(), f"{name}: styles kept")
        if name in ("benign.odt", "benign.ott"):
            C.check(JA in c and "ヘッダー" in text_of(z, "styles.xml"), f"{name}: body, header text kept")
            pics = [n for n in z.namelist() if n.startswith("Pictures/")]
            C.check(len(pics) == 1 and z.read(pics[0])[:8] == b"\x89PNG\r\n\x1a\n", f"{name}: picture kept as PNG")
            C.check("https://www.example.jp/juminhyo" in c, f"{name}: https link kept")
            C.check("manifest.rdf" not in z.namelist(), f"{name}: RDF metadata dropped")

    # Basic macros and the event that runs them.
    z, rep = released(tmp, "macro.odt", pol)
    if z:
        C.check(JA in text_of(z) and "vnd.sun.star.script" not in text_of(z), "macro.odt: text kept, binding gone")
        acts = " ".join(a["what"] for a in all_actions(rep["report"]))
        C.check("Basic/Standard/Module1.xml" in acts and "Scripts/python/evil.py" in acts,
                "macro.odt: report lists the macro members")

    # Form button: the control stays, its macro, URL action and submission target go.
    z, rep = released(tmp, "form-button.odt", pol)
    if z:
        root = ET.fromstring(z.read("content.xml"))
        buttons = list(root.iter(q("form", "button")))
        forms = list(root.iter(q("form", "form")))
        C.check(len(buttons) == 1 and buttons[0].get(q("xlink", "href")) is None, "form-button.odt: button kept without href")
        C.check(forms and forms[0].get(q("form", "action")) is None and forms[0].get(q("xlink", "href")) is None,
                "form-button.odt: form submission target removed")
        C.check(b"vnd.sun.star.script" not in z.read("content.xml"), "form-button.odt: no macro URL anywhere")

    # Embedded objects: both go, the PNG preview of the first stays and is shown.
    z, rep = released(tmp, "objects.odt", pol)
    if z:
        n = z.namelist()
        C.check("ObjectReplacements/Object 1" in n and z.read("ObjectReplacements/Object 1")[:4] == b"\x89PNG",
                "objects.odt: PNG preview kept")
        C.check("ObjectReplacements/Object 2" not in n and "Object 2" not in n, "objects.odt: OLE object and WMF gone")
        C.check(not any(b"\x02\xce\x02\x00" in z.read(m) for m in n), "objects.odt: no Equation Editor CLSID")
        imgs = [e.get(q("xlink", "href")) for e in ET.fromstring(z.read("content.xml")).iter(q("draw", "image"))]
        C.check(imgs == ["./ObjectReplacements/Object 1"], f"objects.odt: frame shows the preview ({imgs})")

    # Links: only http, https and mailto remain; the link text stays.
    z, rep = released(tmp, "links.odt", pol)
    if z:
        c = text_of(z)
        hrefs = [e.get(q("xlink", "href")) for e in ET.fromstring(c).iter(q("text", "a"))]
        C.check(sorted(hrefs) == ["https://www.example.jp/keep", "mailto:info@example.jp"],
                f"links.odt: only web links kept ({hrefs})")
        for t in ("電卓 calc", "マクロ macro link", "上位 parent", "リンクされた節", "マクロ実行 run"):
            C.check(t in c, f"links.odt: text '{t}' kept")
        C.check("evil.example" not in c and "alert" not in c, "links.odt: remote image and script gone")
        C.check("file:" not in text_of(z, "meta.xml"), "links.odt: template reference gone")
    r, rep, out = sanitize(tmp, "links.odt", nolinks)
    if r.outputs():
        z = check_package(os.path.join(out, r.outputs()[0]), MIMES["odt"], "links.odt (no links)")
        c = text_of(z)
        C.check(not list(ET.fromstring(c).iter(q("text", "a"))) and "残すリンク kept link" in c,
                "links.odt: keep_hyperlinks = no drops every link, keeps the text")

    # Spreadsheet: external table, DDE and web-service formulas go, cached values stay.
    z, rep = released(tmp, "external.ods", pol)
    if z:
        c = text_of(z)
        C.check("WEBSERVICE" not in c and "DDE(" not in c and "SUM(1;2)" in c, "external.ods: only the risky formulas go")
        C.check("cached" in c and "日本語セル" in c, "external.ods: cached values kept")

    z, rep = released(tmp, "dde.odt", pol)
    if z:
        C.check("キャッシュ cached" in text_of(z), "dde.odt: field text kept")

    # Images: EXIF goes, SVG goes with its frame, the thumbnail stays PNG.
    z, rep = released(tmp, "images.odt", pol)
    if z:
        n = z.namelist()
        C.check("Pictures/drawing.svg" not in n, "images.odt: SVG dropped")
        jpg = z.read("Pictures/photo.jpg") if "Pictures/photo.jpg" in n else b""
        markers, _ = mt.jpeg_markers(jpg) if jpg else ([], 0)
        C.check(jpg and not any(m == 0xE1 for m, _ in markers) and b"MUGAI-EXIF" not in jpg,
                "images.odt: JPEG kept without EXIF")
        C.check("drawing.svg" not in text_of(z) and "Pictures/photo.jpg" in text_of(z),
                "images.odt: frame of the SVG gone, photo still shown")
        C.check(z.read("Thumbnails/thumbnail.png")[:4] == b"\x89PNG", "images.odt: thumbnail kept")
        what = " ".join(a["what"] for a in all_actions(rep["report"]))
        C.check("drawing.svg" in what, "images.odt: SVG removal reported")

    z, rep = released(tmp, "events.odp", pol)
    if z:
        c = text_of(z)
        C.check("calc.exe" not in c and "engine" not in c and "クリックしないで" in c,
                "events.odp: click action and shape engine gone, text kept")

    z, rep = released(tmp, "foreign.odt", pol)
    if z:
        c = z.read("content.xml")
        for s in (b"MUGAI-COMMENT", b"xml-stylesheet", b"MUGAI-FOREIGN", b"MUGAI-ATTR"):
            C.check(s not in c, f"foreign.odt: {s.decode()} gone")
        # Namespace declarations may stay; no element or attribute in them does.
        for el in ET.fromstring(c).iter():
            C.check("evil.example" not in el.tag and not any("evil.example" in a for a in el.attrib),
                    f"foreign.odt: nothing in a foreign namespace ({el.tag})")
        C.check(JA.encode() in c, "foreign.odt: text kept")

    # Refused whole.
    for name, code in (("doctype.odt", "parse-error"), ("encrypted.odt", "encrypted")):
        r, rep, out = sanitize(tmp, name, pol)
        C.check(r.code == 1 and rep.get("verdict") == "blocked" and rep.get("reason_code") == code
                and not r.outputs(), f"{name}: blocked as {code} ({rep.get('reason_code')}: {rep.get('reason')})")

    fidelity(tmp, pol)
    shutil.rmtree(tmp, ignore_errors=True)
    C.done()


def fidelity(tmp, pol):
    """The text LibreOffice renders from input and output is the same."""
    exe = shutil.which("soffice")
    if not exe or not shutil.which("pdftotext"):
        print("skipped: fidelity (soffice or pdftotext not installed)")
        return
    indir = tempfile.mkdtemp(prefix="odf-fid-in-", dir=tmp)
    names = []
    for ext in ("odt", "ods", "odp", "ott"):  # distinct stems: one PDF each
        names.append(f"doc-{ext}.{ext}")
        shutil.copyfile(os.path.join(ODF, f"benign.{ext}"), os.path.join(indir, names[-1]))
    outdir = tempfile.mkdtemp(prefix="odf-fid-out-", dir=tmp)
    r = mt.run([os.path.join(indir, n) for n in names], "--policy", pol, outdir=outdir)
    C.check(r.code == 0 and sorted(r.outputs()) == sorted(names), "fidelity: all benign samples released")
    texts = {}
    prof = os.path.join(tmp, "lo-profile")
    for side, d in (("in", indir), ("out", outdir)):
        pdfdir = os.path.join(tmp, "pdf-" + side)
        subprocess.run([exe, f"-env:UserInstallation=file://{prof}", "--headless", "--convert-to", "pdf",
                        "--outdir", pdfdir] + [os.path.join(d, n) for n in names],
                       capture_output=True, timeout=500)
        for n in names:
            pdf = os.path.join(pdfdir, os.path.splitext(n)[0] + ".pdf")
            if os.path.exists(pdf):
                texts[(side, n)] = subprocess.run(["pdftotext", "-enc", "UTF-8", pdf, "-"],
                                                  capture_output=True).stdout.decode("utf-8", "replace")
    for n in names:
        a, b = texts.get(("in", n)), texts.get(("out", n))
        C.check(a is not None and b is not None, f"fidelity: {n} renders before and after")
        if a is not None and b is not None:
            C.check(a == b and len(a.strip()) > 0, f"fidelity: {n} renders the same text")
            if a != b:
                print(f"--- {n} in:\n{a}\n--- out:\n{b}", file=sys.stderr)


if __name__ == "__main__":
    main()
