"""End-to-end: zip-based packages of applications are held as what they are.

Every sample in corpus/ident/ (corpus/make-ident.py) goes through the real
`mugai sanitize`. A package that is a program (APK, NuGet, VSIX, add-ins,
Python zips, browser extensions, WAR/EAR) is blocked as "executable"; a
document package Mugai cannot rebuild (Visio, XPS, EPUB, KMZ, other
OpenDocument and Office Open XML kinds, ...) is held by the default policy
and, when a policy allows it, as "unsupported": never unpacked and released
as a zip. The reason names what the file is. The near misses (plain-*.zip)
are released as zips, checked with Python's zipfile.
"""
import os
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402

t = mt.Checker("ident")
IDENT = os.path.join(mt.CORPUS, "ident")

# sample -> (type, reason_code, words the reason must contain)
HELD = {
    "drawing.vsdx": ("vsdx", "policy", "Visio drawing"),
    "drawing.vsdm": ("vsdm", "policy", "Visio drawing (macro-enabled)"),
    "stencil.vssx": ("vssx", "policy", "Visio stencil"),
    "stencil.vssm": ("vssm", "policy", "Visio stencil (macro-enabled)"),
    "template.vstx": ("vstx", "policy", "Visio template"),
    "template.vstm": ("vstm", "policy", "Visio template (macro-enabled)"),
    "names-only-macro.vsdx": ("vsdm", "policy", "Visio drawing (macro-enabled)"),
    "drawings.zip": ("vsdm", "policy", "Visio drawing (macro-enabled)"),
    "theme.thmx": ("thmx", "policy", "Office theme"),
    "slide.sldx": ("sldx", "policy", "PowerPoint slide"),
    "slide.sldm": ("sldm", "policy", "PowerPoint slide (macro-enabled)"),
    "document.xps": ("xps", "policy", "XPS document"),
    "document.oxps": ("oxps", "policy", "OpenXPS document"),
    "pieces.xps": ("xps", "policy", "XPS document"),
    "model.3mf": ("opc", "policy", "Office Open XML package"),
    "rels-only.zip": ("opc", "policy", "Office Open XML package"),
    "drawing.odg": ("odg", "policy", "OpenDocument drawing"),
    "drawing.otg": ("otg", "policy", "OpenDocument drawing template"),
    "formula.odf": ("odf-formula", "policy", "OpenDocument formula"),
    "database.odb": ("odb", "policy", "OpenDocument database"),
    "chart.odc": ("odf-other", "policy", "OpenDocument file of a kind"),
    "master.odm": ("odf-other", "policy", "OpenDocument file of a kind"),
    "future.odx": ("odf-other", "policy", "OpenDocument file of a kind"),
    "writer.sxw": ("sun-xml", "policy", "OpenOffice.org 1.x document"),
    "calc.sxc": ("sun-xml", "policy", "OpenOffice.org 1.x document"),
    "book.epub": ("epub", "policy", "EPUB e-book"),
    "image.ora": ("package", "policy", "zip-based package"),
    "map.kmz": ("kmz", "policy", "KMZ map"),
    "real/bpmn.otg": ("otg", "policy", "OpenDocument drawing template"),
    "real/bpmn.odg": ("odg", "policy", "OpenDocument drawing"),
    "real/hello.epub": ("epub", "policy", "EPUB e-book"),
    "addin.xlam": ("xlam", "executable", "Excel add-in (macro-enabled)"),
    "addin.ppam": ("ppam", "executable", "PowerPoint add-in (macro-enabled)"),
    "addin-in-docx.docx": ("xlam", "executable", "Excel add-in"),
    "app.apk": ("apk", "executable", "Android application package"),
    "unsigned.apk": ("apk", "executable", "Android application package"),
    "bundle.aab": ("apk", "executable", "App Bundle"),
    "package.nupkg": ("nupkg", "executable", "NuGet package"),
    "extension.vsix": ("vsix", "executable", "Visual Studio extension"),
    "app.pyz": ("python-zip", "executable", "Python zip application"),
    "app-shebang.pyz": ("python-zip", "executable", "Python zip application"),
    "sample-1.0-py3-none-any.whl": ("python-zip", "executable", "wheel"),
    "addon.xpi": ("browser-extension", "executable", "browser extension"),
    "extension.crx": ("browser-extension", "executable", "browser extension"),
    "webapp.war": ("jar", "executable", "WAR"),
    "enterprise.ear": ("jar", "executable", "EAR"),
}
# The XML members (an empty <package/> and <kml/>) are plain XML, released
# by the web family's XML rules.
PLAIN = {
    "plain-nuspec.zip": {"readme.txt", "Sample.nuspec"},
    "plain-late-mimetype.zip": {"notes.txt", "mimetype"},
    "plain-kml-in-folder.zip": {"readme.txt", "maps/route.kml"},
}

# Every sample file is listed here, so that a new one cannot go untested.
on_disk = set()
for root, _, files in os.walk(IDENT):
    for f in files:
        if not f.endswith(".md"):
            on_disk.add(os.path.relpath(os.path.join(root, f), IDENT))
t.check(on_disk == set(HELD) | set(PLAIN),
        f"every corpus/ident sample has an expectation: {sorted(on_disk ^ (set(HELD) | set(PLAIN)))}")

# --- held with the default policy ---------------------------------------------
names = sorted(HELD)
r = mt.run([os.path.join(IDENT, n) for n in names])
t.check(r.code == 1, f"packages: exit 1 (got {r.code}) {r.stderr}")
t.check(r.outputs() == [], f"packages: nothing released: {r.outputs()}")
t.check(len(r.reports) == len(names), "one report per package")
for n, rep in zip(names, r.reports):
    want_type, want_code, words = HELD[n]
    t.check(rep.get("verdict") == "blocked" and rep.get("output") is None, f"{n}: blocked")
    t.check(rep.get("type") == want_type, f"{n}: type {rep.get('type')}, want {want_type}")
    t.check(rep.get("reason_code") == want_code,
            f"{n}: reason_code {rep.get('reason_code')}, want {want_code}")
    t.check(words in (rep.get("reason") or ""), f"{n}: reason {rep.get('reason')!r} names {words!r}")

# --- a policy that allows the document kinds: still held, as unsupported -------
doc_types = sorted({ty for ty, code, _ in HELD.values() if code == "policy"})
work = tempfile.mkdtemp(prefix="mugai-ident-")
pol = mt.write(work, "allow.conf",
               ("[actions]\n" + "".join(f"{ty} = sanitize\n" for ty in doc_types)).encode())
docs = sorted(n for n in HELD if HELD[n][1] == "policy")
r = mt.run([os.path.join(IDENT, n) for n in docs], "--policy", pol)
t.check(r.code == 1 and r.outputs() == [], f"allowed by policy, still nothing released: {r.outputs()}")
for n, rep in zip(docs, r.reports):
    t.check(rep.get("reason_code") == "unsupported",
            f"{n}: allowed by policy -> unsupported ({rep.get('reason_code')})")
    t.check(HELD[n][2] in (rep.get("reason") or ""), f"{n}: reason {rep.get('reason')!r}")

# A policy cannot allow a program package.
for ty in sorted({ty for ty, code, _ in HELD.values() if code == "executable"}):
    p = mt.write(work, f"allow-{ty}.conf", f"[actions]\n{ty} = sanitize\n".encode())
    r = mt.run([os.path.join(IDENT, "app.apk")], "--policy", p)
    t.check(r.code == 2 and "cannot be released by policy" in r.stderr,
            f"policy allowing {ty} refused: {r.code} {r.stderr.strip()}")

# --- near misses: plain zips stay archives ---------------------------------------
for n, want in PLAIN.items():
    r = mt.run([os.path.join(IDENT, n)])
    rep = r.reports[0] if r.reports else {}
    t.check(rep.get("type") == "zip" and rep.get("output_type") == "zip",
            f"{n}: a plain zip ({rep.get('type')} -> {rep.get('output_type')}: {rep.get('reason')})")
    outs = r.outputs()
    t.check(outs == [n], f"{n}: released under its name: {outs}")
    if outs == [n]:
        with zipfile.ZipFile(os.path.join(r.outdir, n)) as z:
            got = {i.filename for i in z.infolist()} - {"MUGAI-NOTICE.txt"}
            t.check(got == want, f"{n}: members {sorted(got)}, want {sorted(want)}")
            t.check(z.testzip() is None, f"{n}: output zip intact")

t.done()
