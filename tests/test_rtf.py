#!/usr/bin/env python3
"""End-to-end: RTF documents through `mugai sanitize`.

Every sample in corpus/rtf/ (made by corpus/make-rtf.py) goes through the
real CLI. Outputs are looked at with a tokenizer and text extractor of this
file's own, never with Mugai's code:

  - hostile samples come out sanitized with balanced braces, none of the
    control words that carry objects, data stores, templates, embedded
    fonts, shapes, metafiles or \\bin data, no field but allowlisted ones
    (hyperlinks only to http, https, mailto), no trace of the embedded PE
    (its hex) or of the 192.0.2.1 addresses, and the visible text that
    surrounded the removed constructs (and a field's result) still there;
  - the samples listed in corpus/rtf/blocked.txt are blocked with the
    reason code written beside them;
  - benign samples: the visible text (this file's extractor, decoding
    \\'hh in the document's code page and \\uN with its \\ucN fallbacks) is
    the same before and after, and PNG pictures are still there, decoded
    from hex as PNGs without text chunks; with LibreOffice installed, the
    text it exports from input and output must be equal too.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mugaitest as mt  # noqa: E402

t = mt.Checker("rtf")
work = tempfile.mkdtemp(prefix="mugai-rtf-")
SAMPLES = os.path.join(mt.CORPUS, "rtf")

FORBIDDEN = {"object", "objdata", "objclass", "objemb", "objlink", "objautlink", "objupdate",
             "objocx", "objhtml", "objname", "datastore", "template", "bin", "fontemb",
             "fontfile", "wmetafile", "emfblip", "macpict", "pmmetafile", "dibitmap", "wbitmap",
             "shp", "shpinst", "mmconnectstr", "mmquery", "mailmerge", "docvar", "hlinkbase",
             "userprops", "xmlopen", "htmltag", "mhtmltag", "themedata", "formfield"}
SAFE_FIELDS = {"PAGE", "NUMPAGES", "DATE", "TIME", "TOC", "REF", "PAGEREF", "SEQ", "AUTHOR",
               "TITLE", "HYPERLINK", "SECTIONPAGES", "SECTION", "NOTEREF", "STYLEREF"}
# Groups whose text is not shown.
HIDDEN = {"fonttbl", "colortbl", "stylesheet", "info", "pict", "fldinst", "listtable",
          "listoverridetable", "generator", "rsidtbl", "latentstyles", "nonshppict",
          "object", "objdata", "objclass", "datastore", "template", "header", "footer",
          "headerl", "headerr", "headerf", "footerl", "footerr", "footerf", "xmlnstbl",
          "pgdsctbl", "userprops", "docvar", "themedata", "colorschememapping", "shpinst",
          "listtext", "pntext", "bkmkstart", "bkmkend", "annotation", "atnid", "atnauthor",
          "ftnsep", "ftnsepc", "aftnsep", "aftnsepc", "revtbl", "upr", "defchp", "defpap",
          "falt", "panose", "leveltext", "levelnumbers", "listname", "mmathPr", "do"}


def tokens(data):
    """[(kind, value, param)]; raise ValueError on malformed input."""
    out, i, n = [], 0, len(data)
    while i < n:
        c = data[i:i + 1]
        if c == b"{":
            out.append(("{", None, None))
            i += 1
        elif c == b"}":
            out.append(("}", None, None))
            i += 1
        elif c == b"\\":
            m = re.compile(rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?").match(data, i)
            if m:
                word = m.group(1).decode()
                param = int(m.group(2)) if m.group(2) else None
                i = m.end()
                if word == "bin":
                    out.append(("bin", data[i:i + (param or 0)], param))
                    i += param or 0
                else:
                    out.append(("word", word, param))
            elif data[i + 1:i + 2] == b"'":
                out.append(("hex", int(data[i + 2:i + 4], 16), None))
                i += 4
            else:
                out.append(("sym", data[i + 1:i + 2], None))
                i += 2
        else:
            j = i
            while j < n and data[j:j + 1] not in (b"{", b"}", b"\\"):
                j += 1
            out.append(("text", data[i:j], None))
            i = j
    return out


def scan(data):
    """Problems an output must not have."""
    probs = []
    toks = tokens(data)
    depth, ended = 0, False
    fields, inst, inst_depth = [], None, None
    for k, v, p in toks:
        if ended and k != "text":
            probs.append("content after the end")
        if k == "{":
            depth += 1
        elif k == "}":
            depth -= 1
            if depth < 0:
                probs.append("unbalanced }")
            if inst is not None and depth < inst_depth:
                fields.append(inst)
                inst = None
            if depth == 0:
                ended = True
        elif k == "word":
            if v in FORBIDDEN:
                probs.append("\\" + v)
            if v == "fldinst":
                inst, inst_depth = "", depth
        elif k == "bin":
            probs.append("\\bin")
        elif inst is not None and k == "text":
            inst += v.decode("latin-1")
        elif inst is not None and k == "sym" and v in (b"\\", b"{", b"}"):
            inst += v.decode()
    if depth != 0:
        probs.append("unbalanced braces")
    for f in fields:
        words = f.replace("\r", "").replace("\n", "").split()
        kw = words[0].upper() if words else ""
        if kw not in SAFE_FIELDS:
            probs.append("field " + kw)
        if kw == "HYPERLINK":
            urls = [w.strip('"') for w in words[1:] if not w.startswith("\\") and w.startswith('"')]
            for u in urls[:1]:
                if not u.lower().startswith(("http://", "https://", "mailto:")):
                    probs.append("hyperlink " + u)
    low = data.lower()
    for marker in (b"4d5a9000", b"546869732070726f6772616d", b"192.0.2.1"):
        if marker in low:
            probs.append("marker " + marker.decode())
    return probs


def visible_text(data):
    """The text a reader shows: no hidden destinations, \\'hh in the code page, \\uN."""
    toks = tokens(data)
    cp = "cp1252"
    for k, v, p in toks[:40]:
        if k == "word" and v == "ansicpg" and p:
            cp = "cp%d" % p
    out = bytearray()
    text = []
    stack = [{"hidden": False, "uc": 1, "star": False, "first": True}]
    skip = 0

    def flush():
        if out:
            text.append(out.decode(cp, "replace"))
            out.clear()
    for k, v, p in toks:
        top = stack[-1]
        if k == "{":
            stack.append({"hidden": top["hidden"], "uc": top["uc"], "star": False, "first": True})
            skip = 0
            continue
        if k == "}":
            stack.pop()
            skip = 0
            if not stack:
                break
            continue
        first, top["first"] = top["first"], False
        if k == "sym" and v == b"*":
            top["star"] = True
            top["first"] = first
            continue
        if top["star"] or (k == "word" and v in HIDDEN):
            top["hidden"] = True
        top["star"] = False
        if top["hidden"]:
            continue
        if skip and k in ("text", "hex", "sym", "word"):
            if k == "text":
                v2 = v.replace(b"\r", b"").replace(b"\n", b"")
                take = min(skip, len(v2))
                skip -= take
                if take < len(v2):
                    out.extend(v2[take:])
            else:
                skip -= 1
            continue
        if k == "text":
            out.extend(v.replace(b"\r", b"").replace(b"\n", b""))
        elif k == "hex":
            out.append(v)
        elif k == "sym" and v in (b"\\", b"{", b"}"):
            out.extend(v)
        elif k == "sym" and v == b"~":
            out.extend(b" ")
        elif k == "word" and v == "uc":
            top["uc"] = p or 0
        elif k == "word" and v == "u":
            flush()
            text.append(chr((p or 0) % 65536))
            skip = top["uc"]
        elif k == "word" and v in ("par", "line", "row", "sect", "page"):
            out.extend(b"\n")
        elif k == "word" and v in ("tab", "cell"):
            out.extend(b"\t")
    flush()
    return "".join(text)


def pictures(data):
    """The PNG pictures of a document, decoded from hex."""
    out = []
    for m in re.finditer(rb"\\pict((?:\\[a-z]+-?\d*)+)\s*([0-9a-fA-F\s]+)\}", data):
        if b"\\pngblip" in m.group(1):
            out.append(bytes.fromhex(re.sub(rb"\s", b"", m.group(2)).decode()))
    return out


# --- the run ---------------------------------------------------------------------

blocked = {}
with open(os.path.join(SAMPLES, "blocked.txt")) as f:
    for line in f:
        name, code = line.split()
        blocked[name] = code
names = sorted(n for n in os.listdir(SAMPLES) if n.endswith(".rtf"))
r = mt.run([os.path.join(SAMPLES, n) for n in names], outdir=os.path.join(work, "out"))
reports = {os.path.basename(rep["input"]): rep for rep in r.reports}
t.check(set(reports) == set(names), "one report per sample")

# Text that must survive next to what is removed.
KEPT = {
    "obj-equation-pe.rtf": ["before", "after"],
    "obj-hex-evasion.rtf": ["visible"],
    "obj-hidden-ignorable.rtf": ["text", "more", "end"],
    "obj-behind-formatting.rtf": ["a", "b", "c", "fallback"],
    "obj-ole2link-autoupdate.rtf": ["cached", "tail"],
    "field-dde.rtf": ["dde result one", "dde result two", "dde result three"],
    "field-remote.rtf": ["picture result", "included text", "imported", "linked", "file link",
                         "unc link", "nested", "web link"],
    "data-datastore-template.rtf": ["kept text", "shape fallback"],
    "pict-metafiles.rtf": ["ABC"],
    "pict-bin-outside.rtf": ["text", "more"],
    "trailing-payload.rtf": ["short document"],
}

for n in names:
    rep = reports.get(n)
    if not rep:
        continue
    src = open(os.path.join(SAMPLES, n), "rb").read()
    if n in blocked:
        t.check(rep["verdict"] == "blocked" and rep["reason_code"] == blocked[n],
                f"{n}: blocked as {blocked[n]} (got {rep['verdict']} {rep['reason_code']})")
        continue
    t.check(rep["verdict"] == "sanitized" and rep["output"], f"{n}: sanitized ({rep['verdict']} "
            f"{rep['reason_code']} {rep['reason']})")
    if not rep.get("output"):
        continue
    out = open(rep["output"], "rb").read()
    t.check(out.startswith(b"{\\rtf1"), f"{n}: output starts {{\\rtf1")
    try:
        probs = scan(out)
    except (ValueError, IndexError) as e:
        probs = [f"unreadable: {e}"]
    t.check(not probs, f"{n}: output clean {probs}")
    if n.startswith("benign") or n.startswith("lo-"):
        # (a \bin picture; LibreOffice adds a WMF beside each PNG and empty userprops)
        t.check(set(scan(src)) <= {"\\bin", "\\wmetafile", "\\userprops"},
                f"{n}: the benign input scans clean")
        a, b = visible_text(src), visible_text(out)
        t.check(a == b and len(a.strip()) > 10, f"{n}: visible text unchanged\n{a!r}\n{b!r}")
    else:
        t.check(scan(src), f"{n}: the hostile input has something the scan finds")
        text = visible_text(out)
        for want in KEPT.get(n, []):
            t.check(want in text, f"{n}: {want!r} kept in {text!r}")
    pin, pout = src.count(b"\\pngblip"), pictures(out)
    t.check(pin == len(pout), f"{n}: {pin} PNG pictures in, {len(pout)} out")
    for p in pout:
        try:
            chunks, trailing = mt.png_chunks(p)
            names_ = [c for c, _ in chunks]
            t.check("IDAT" in names_ and "tEXt" not in names_ and not trailing,
                    f"{n}: picture is a PNG without text chunks {names_}")
        except (ValueError, AssertionError, IndexError) as e:
            t.check(False, f"{n}: picture is not a PNG: {e}")

# Japanese text survives by content, not only by equality.
rep = reports.get("benign-cp932.rtf")
if rep and rep.get("output"):
    t.check("住民票の写しを添付します" in visible_text(open(rep["output"], "rb").read()),
            "cp932 Japanese text kept")
rep = reports.get("benign-unicode.rtf")
if rep and rep.get("output"):
    txt = visible_text(open(rep["output"], "rb").read())
    t.check("無害化のテスト文書です" in txt and "日本" in txt and "市のホームページ" in txt,
            f"\\u Japanese text kept {txt!r}")
rep = reports.get("benign-bin-picture.rtf")
if rep and rep.get("output"):
    t.check(len(pictures(open(rep["output"], "rb").read())) == 1, "\\bin picture kept as hex")

# --- LibreOffice's reading of input and output ----------------------------------------


def soffice_text(paths, outdir):
    os.makedirs(outdir, exist_ok=True)
    env = dict(os.environ, HOME=os.path.join(work, "lohome"))
    subprocess.run(["soffice", "--headless", "--convert-to", "txt:Text (encoded):UTF8",
                    "--outdir", outdir] + paths, env=env, capture_output=True, timeout=240)
    res = {}
    for p in paths:
        q = os.path.join(outdir, os.path.splitext(os.path.basename(p))[0] + ".txt")
        res[os.path.basename(p)] = open(q, encoding="utf-8-sig").read() if os.path.exists(q) else None
    return res


# Two documents (LibreOffice's own and the cp932 one) keep soffice's time down;
# the extractor above compares every benign sample.
benign = [n for n in ("lo-japanese.rtf", "benign-cp932.rtf") if reports.get(n, {}).get("output")]
if shutil.which("soffice") and benign:
    # One soffice start for inputs and outputs (it dominates the test's time).
    both = os.path.join(work, "lo-files")
    os.makedirs(both)
    for n in benign:
        shutil.copy(os.path.join(SAMPLES, n), os.path.join(both, "in-" + n))
        shutil.copy(reports[n]["output"], os.path.join(both, "out-" + n))
    txt = soffice_text([os.path.join(both, f) for f in sorted(os.listdir(both))],
                       os.path.join(work, "lo-txt"))
    for n in benign:
        a, b = txt["in-" + n], txt["out-" + n]
        t.check(a is not None and a == b and len(a.strip()) > 10,
                f"{n}: LibreOffice reads the same text\n{a!r}\n{b!r}")
else:
    print("soffice not installed: LibreOffice comparison skipped")

shutil.rmtree(work, ignore_errors=True)
t.done()
