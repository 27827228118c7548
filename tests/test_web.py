"""End-to-end: HTML pages, SVG images and XML documents through `mugai`.

Samples come from corpus/web (corpus/make-web.py). Every released page is
read with Python's html.parser, not libxml2: no script, frame, object,
form, base, link or extra meta element, no on* attribute, no URL (after
the parser's entity decoding, with white space and control characters
removed as browsers remove them) with a scheme other than http, https,
mailto, cid or relative (data:image/png|jpeg|gif only in img src), no
network-path reference, no comment; CSS without expression, behavior,
binding, @import, escapes or url() to another scheme; the first element
of the head is <meta charset="utf-8"> and the bytes are UTF-8. Benign
pages keep their visible text, in order, in every Japanese encoding.
SVG and XML outputs are read with xml.dom.minidom / xml.etree: no
script, foreignObject, handler, on* attribute, reference outside the
file, animation of href, processing instruction or DOCTYPE. DOCTYPEs
with entities, XXE, billion laughs, XHTML, XInclude and XSLT are blocked.
"""
import html.parser
import os
import re
import sys
import tempfile
import xml.dom.minidom
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402

t = mt.Checker("web")
WEB = os.path.join(mt.CORPUS, "web")
work = tempfile.mkdtemp(prefix="mugai-web-")
flatten_policy = mt.write(work, "flatten.conf", b"[actions]\nhtml = flatten\n")

FORBIDDEN_ELEMS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
                   "input", "button", "base", "link", "svg", "math", "noscript", "template",
                   "param", "textarea", "select", "portal"}
OK_SCHEMES = ("http:", "https:", "mailto:", "cid:")
DATA_IMG = re.compile(r"^data:image/(png|jpeg|gif)[;,]", re.I)
BAD_CSS = ("expression", "behavior", "binding", "@import", "javascript", "vbscript", "\\",
           "image-set")


def url_clean(v):
    return "".join(ch for ch in v if ord(ch) > 0x20 and ord(ch) != 0x7F)


def url_ok(v, image=False):
    s = url_clean(v)
    if image and DATA_IMG.match(s):
        return True
    if s[:2] in ("//", "\\\\", "/\\", "\\/"):
        return False
    m = re.match(r"^([^:/?#\\]*):", v)
    if not m:
        return True
    return s.lower().startswith(OK_SCHEMES)


def css_ok(text):
    s = re.sub(r"/\*.*?\*/", "", text, flags=re.S).lower()
    if any(b in s for b in BAD_CSS) or "<" in s:
        return False
    for m in re.finditer(r"url\(\s*['\"]?([^'\")]*)", s):
        if not url_ok(m.group(1)):
            return False
    return True


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.elements = []
        self.text = []
        self.metas = []
        self.comments = 0
        self.skip = 0
        self.in_style = False
        self.attrs_seen = []

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)
        if tag in FORBIDDEN_ELEMS:
            self.problems.append(f"element {tag}")
        if tag == "meta":
            self.metas.append(attrs)
        for k, v in attrs:
            v = v or ""
            self.attrs_seen.append((tag, k, v))
            if k.startswith("on"):
                self.problems.append(f"handler {tag} {k}")
            if k in ("href", "src", "action", "formaction", "cite", "data", "background",
                     "poster", "srcset", "xlink:href", "lowsrc", "dynsrc"):
                if not url_ok(v, image=(tag == "img" and k == "src")):
                    self.problems.append(f"url {tag} {k}={v!r}")
            if k == "style" and not css_ok(v):
                self.problems.append(f"style attribute {v!r}")
        if tag == "style":
            self.in_style = True

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            if not css_ok(data):
                self.problems.append(f"style sheet {data!r}")
            return
        self.text.append(data)

    def handle_comment(self, data):
        self.comments += 1

    def handle_decl(self, decl):
        if decl.lower() != "doctype html":
            self.problems.append(f"declaration {decl}")

    def handle_pi(self, data):
        self.problems.append(f"processing instruction {data}")


def parse_page(data):
    p = Page()
    p.feed(data.decode("utf-8"))
    p.close()
    return p


def check_page(name, data):
    try:
        p = parse_page(data)
    except UnicodeDecodeError:
        t.check(False, f"{name}: output is not UTF-8")
        return None
    t.check(not p.problems, f"{name}: {p.problems[:5]}")
    t.check(p.comments == 0, f"{name}: comments in output")
    t.check(p.metas == [[("charset", "utf-8")]], f"{name}: meta elements {p.metas}")
    t.check(p.elements[:3] == ["html", "head", "meta"], f"{name}: starts {p.elements[:3]}")
    return p


def squash(s):
    return "".join(s.split())


def one(path, *extra):
    r = mt.run([path], *extra)
    rep = r.reports[0] if r.reports else {}
    out = None
    if rep.get("output"):
        with open(rep["output"], "rb") as f:
            out = f.read()
    return rep, out


# ---- hostile pages ----
for f in sorted(os.listdir(WEB)):
    if not f.endswith(".html") or f in ("utf7.html",):
        continue
    if not (f.startswith(("xss-", "sjis-script", "utf16", "fragment"))):
        continue
    rep, out = one(os.path.join(WEB, f))
    t.check(rep.get("type") == "html", f"{f}: identified as {rep.get('type')}")
    t.check(rep.get("verdict") == "sanitized" and out is not None,
            f"{f}: verdict {rep.get('verdict')} {rep.get('reason')}")
    if out is not None:
        check_page(f, out)

rep, out = one(os.path.join(WEB, "xss-cheatsheet.html"))
p = parse_page(out)
text = squash("".join(p.text))
t.check("最後の段落" in text and "安全なリンク" in text, "cheat sheet: benign text kept")
t.check(("a", "href", "https://safe.example/") in p.attrs_seen, "cheat sheet: https link kept")
t.check("p{color:red}" in squash(out.decode()), "cheat sheet: clean style sheet kept")
whats = " ".join(a["what"] for a in rep["report"].get("actions", []))
for w in ("script", "event handler", "frame", "form", "meta, base or link"):
    t.check(w in whats, f"cheat sheet: report names {w}")

rep, out = one(os.path.join(WEB, "sjis-script.html"))
p = parse_page(out)
t.check("令和七年度の住民税" in "".join(p.text), "Shift_JIS page with script: Japanese text decoded")

rep, out = one(os.path.join(WEB, "utf7.html"))
t.check(rep.get("verdict") == "blocked" and rep.get("reason_code") == "unsupported",
        f"UTF-7 page blocked as unsupported: {rep.get('verdict')} {rep.get('reason_code')}")

# ---- benign pages: visible text in order, every encoding ----
for f in sorted(os.listdir(WEB)):
    if not f.endswith(".html.text"):
        continue
    page = f[:-5]
    with open(os.path.join(WEB, f), encoding="utf-8") as fh:
        want = squash(fh.read())
    rep, out = one(os.path.join(WEB, page))
    t.check(rep.get("type") == "html" and out is not None, f"{page}: released as html")
    if out is None:
        continue
    p = check_page(page, out)
    if p:
        got = squash("".join(p.text))
        t.check(got == want, f"{page}: visible text\n  got  {got}\n  want {want}")

rep, out = one(os.path.join(WEB, "realworld.html"))
p = parse_page(out)
hrefs = [v for (tag, k, v) in p.attrs_seen if tag == "a" and k == "href"]
t.check(hrefs == ["https://www.city.example.lg.jp/bousai/", "map.html#north",
                  "mailto:bousai@city.example.lg.jp", "/pdf/map.pdf"], f"real page links {hrefs}")
srcs = [v for (tag, k, v) in p.attrs_seen if tag == "img" and k == "src"]
t.check(srcs == ["images/logo.png", "data:image/png;base64,iVBORw0KGgo="], f"real page images {srcs}")
t.check(p.elements.count("td") == 6 and p.elements.count("th") == 3, "real page table cells")
t.check(("p", "style", "color: #c00; font-weight: bold") in p.attrs_seen, "real page style kept")

rep, out = one(os.path.join(WEB, "sjis-script.html"), "--policy", flatten_policy)
t.check(rep.get("verdict") == "flattened" and out is not None, f"flatten: {rep.get('verdict')}")
if out:
    s = out.decode("utf-8")
    t.check("令和七年度" in s and "alert" not in s, "flatten: text without script")


# ---- SVG ----
SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"


def check_svg(name, data):
    doc = xml.dom.minidom.parseString(data)
    problems = []
    if doc.doctype is not None:
        problems.append("doctype")
    root = doc.documentElement
    if root.localName != "svg" or root.namespaceURI != SVG:
        problems.append("root")
    for n in doc.childNodes:
        if n.nodeType == n.PROCESSING_INSTRUCTION_NODE:
            problems.append("pi")
    stack = [root]
    while stack:
        e = stack.pop()
        for c in e.childNodes:
            if c.nodeType == c.ELEMENT_NODE:
                stack.append(c)
            elif c.nodeType in (c.PROCESSING_INSTRUCTION_NODE,):
                problems.append("pi")
        if e.namespaceURI != SVG:
            problems.append(f"namespace {e.namespaceURI}")
        if e.localName in ("script", "foreignObject", "handler", "iframe", "body"):
            problems.append(e.localName)
        for i in range(e.attributes.length):
            a = e.attributes.item(i)
            if a.name.startswith("xmlns"):
                continue
            v = a.value
            if a.localName.lower().startswith("on"):
                problems.append(f"handler {a.name}")
            if a.localName == "href":
                s = url_clean(v)
                if not (s.startswith("#") or (e.localName == "image" and DATA_IMG.match(s))):
                    problems.append(f"href {v}")
            if a.localName == "attributeName" and "href" in v:
                problems.append("animation of href")
            low = v.lower()
            if "javascript" in low or re.search(r"url\(\s*['\"]?[^#'\"\s]", low):
                problems.append(f"value {a.name}={v}")
        if e.localName == "style":
            css = "".join(c.data for c in e.childNodes if c.nodeType == c.TEXT_NODE).lower()
            if "@import" in css or re.search(r"url\(\s*['\"]?[^#'\"\s]", css):
                problems.append("style sheet")
    t.check(not problems, f"{name}: {problems[:5]}")
    return doc


def texts(doc):
    return squash("".join(n.data for n in doc.getElementsByTagNameNS(SVG, "*")
                          for n in n.childNodes if n.nodeType == n.TEXT_NODE))


for f, keep in [("hostile.svg", "残る文字"), ("benign.svg", "市役所はこちら"),
                ("doctype.svg", ""), ("utf16.svg", "UTF-16の図"), ("noprolog.svg", "")]:
    rep, out = one(os.path.join(WEB, f))
    t.check(rep.get("type") == "svg" and rep.get("verdict") in ("sanitized", "clean") and out,
            f"{f}: {rep.get('type')} {rep.get('verdict')} {rep.get('reason')}")
    if out:
        doc = check_svg(f, out)
        t.check(keep in texts(doc), f"{f}: text {keep} kept")
        if f == "benign.svg":
            uses = [u.getAttributeNS(XLINK, "href") for u in doc.getElementsByTagNameNS(SVG, "use")]
            t.check(uses == ["#pin"], f"benign svg: use kept {uses}")
            t.check(len(doc.getElementsByTagNameNS(SVG, "animate")) == 1, "benign svg: animate kept")
            t.check(len(doc.getElementsByTagNameNS(SVG, "image")) == 1, "benign svg: data image kept")
        if f == "hostile.svg":
            t.check(len(doc.getElementsByTagNameNS(SVG, "set")) == 0, "hostile svg: set dropped")

# libxml2 itself refuses the billion laughs (entity amplification) while parsing.
for f, codes in (("xxe.svg", ("active-content",)), ("lol.svg", ("active-content", "parse-error")),
                 ("undeclared-entity.svg", ("parse-error",))):
    rep, out = one(os.path.join(WEB, f))
    t.check(rep.get("verdict") == "blocked" and out is None and rep.get("reason_code") in codes,
            f"{f}: {rep.get('verdict')} {rep.get('reason_code')}")

# ---- XML ----
rep, out = one(os.path.join(WEB, "benign-sjis.xml"))
t.check(rep.get("type") == "xml" and out is not None, f"benign xml: {rep.get('verdict')}")
if out:
    root = ET.fromstring(out)
    t.check(root.tag == "申請書" and root.find("氏名").text == "山田 太郎", "benign xml: content")
    t.check(out.startswith(b"<?xml") and b"UTF-8" in out.split(b"?>")[0], "benign xml: UTF-8")

for f in ("utf16-noprolog.xml", "utf16le-nobom.xml"):
    rep, out = one(os.path.join(WEB, f))
    t.check(rep.get("type") == "xml" and out is not None,
            f"{f}: identified as {rep.get('type')}, {rep.get('verdict')}")
    if out:
        t.check(ET.fromstring(out).find("item").text == "一", f"{f}: content")

rep, out = one(os.path.join(WEB, "stylesheet.xml"))
t.check(out is not None, f"stylesheet.xml released: {rep.get('reason')}")
if out:
    doc = xml.dom.minidom.parseString(out)
    t.check(all(n.nodeType != n.PROCESSING_INSTRUCTION_NODE for n in doc.childNodes),
            "stylesheet.xml: processing instruction removed")

for f in ("doctype.xml", "xxe.xml", "xhtml-script.xml", "xinclude.xml", "xslt.xml"):
    rep, out = one(os.path.join(WEB, f))
    t.check(rep.get("verdict") == "blocked" and out is None and
            rep.get("reason_code") == "active-content",
            f"{f}: {rep.get('verdict')} {rep.get('reason_code')}")

t.done()
