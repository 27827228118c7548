#!/usr/bin/env python3
"""End-to-end: policy "flatten" (テキスト化) for every document type, through
the real CLI in its sandbox.

Fidelity, checked against LibreOffice, never against Mugai's code: for a
LibreOffice-made file with Japanese text of each type (docx, xlsx, pptx,
odt, ods, odp, doc, xls, ppt, rtf; the benign samples of corpus/office,
corpus/odf, corpus/msoffice, corpus/rtf), the text Mugai writes must be
similar to LibreOffice's own export of the same file (SequenceMatcher ratio
>= 0.9 once all white space is removed): `soffice --convert-to txt` for
documents, `csv` for spreadsheets (every sheet, compared sheet by sheet,
LibreOffice's padding commas at line ends removed), PDF then pdftotext for
presentations (LibreOffice has no text export for them). Mugai's own sheet
and slide headings are taken out before comparing; the sheet names in them
must be LibreOffice's sheet names. Needs soffice and pdftotext; without
them the fidelity part is skipped with a message.

Every output: verdict "flattened", a .txt name, strict UTF-8 without
control characters other than TAB and LF.

Hostile samples flattened contain none of their active parts, which are
first shown to be in the input by reading it here (zipfile, olefile): a
docm's VBA project (AutoOpen, Shell, the command), an xlsm's Excel 4.0
macro sheet (EXEC, its command), an xls with an XLM macro sheet (the
EXEC("calc.exe") formula; xlrd reads the real sheets' values, which must
all be in the text), DDE and INCLUDE fields in doc and docx (their
instructions; their shown results stay), an RTF with an OLE object and a
DDE field. Encrypted files are refused with "encrypted".

Mail: with mail_attachment_text = yes, a message with a docx and an xls
attachment comes out (read with Python's email package) with both
attachments and, after the body, each attachment's text under a heading
naming it; lines of LibreOffice's export of each attachment are in it.
With the option off (the default), none of that text is in the body.
"""
import difflib
import email
import email.policy
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from email.message import EmailMessage

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mugaitest as mt  # noqa: E402
import debmods  # noqa: E402

olefile = debmods.load("olefile")
xlrd = debmods.load("xlrd")

t = mt.Checker("flatten")
work = tempfile.mkdtemp(prefix="mugai-flatten-")
TYPES = ["docx", "docm", "xlsx", "xlsm", "pptx", "pptm", "odt", "ods", "odp", "doc", "xls",
         "ppt", "rtf"]
POLICY = mt.write(work, "flatten.conf",
                  ("[actions]\n" + "".join(f"{x} = flatten\n" for x in TYPES)).encode())


def corpus(d, name):
    return os.path.join(mt.CORPUS, d, name)


# sample -> how LibreOffice exports it ("txt", "csv" or "pdf")
BENIGN = {
    corpus("office", "benign-letter.docx"): "txt",
    corpus("office", "benign-report.docx"): "txt",
    corpus("office", "benign-budget.xlsx"): "csv",
    corpus("office", "benign-slides.pptx"): "pdf",
    corpus("odf", "benign.odt"): "txt",
    corpus("odf", "benign.ods"): "csv",
    corpus("odf", "benign.odp"): "pdf",
    corpus("msoffice", "benign-letter.doc"): "txt",
    corpus("msoffice", "benign-report.doc"): "txt",
    corpus("msoffice", "benign-budget.xls"): "csv",
    corpus("msoffice", "benign-population.xls"): "csv",
    corpus("msoffice", "benign-slides.ppt"): "pdf",
    corpus("rtf", "lo-japanese.rtf"): "txt",
}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HEADING = re.compile(r"^--- (?:sheet (\d+): (.*?)(?: \(hidden\))?(?: \(not a worksheet: no text "
                     r"taken\))?|slide \d+) ---$", re.M)


def flatten(path):
    """Run the CLI; the output text, or None (with the checks recorded)."""
    name = os.path.basename(path)
    r = mt.run([path], "--policy", POLICY)
    rep = r.reports[0] if r.reports else {}
    t.check(r.code == 0 and rep.get("verdict") == "flattened",
            f"{name}: flattened (exit {r.code}, verdict {rep.get('verdict')}, "
            f"{rep.get('reason')}) {r.stderr.strip()[:300]}")
    outs = r.outputs()
    t.check(len(outs) == 1 and outs[0].endswith(".txt"), f"{name}: one .txt output: {outs}")
    if len(outs) != 1:
        return None
    with open(os.path.join(r.outdir, outs[0]), "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        t.check(False, f"{name}: output is UTF-8 ({e})")
        return None
    t.check(not CONTROL.search(text), f"{name}: no control or bidi control characters")
    return text


def squeeze(s):
    return re.sub(r"\s+", "", s.replace("\ufeff", ""))


def similar(a, b):
    return difflib.SequenceMatcher(None, squeeze(a), squeeze(b), autojunk=False).ratio()


def sections(text):
    """Mugai's sheets: name -> text of the section."""
    out, pos, name = {}, 0, None
    for m in HEADING.finditer(text):
        if name is not None:
            out[name] = text[pos:m.start()]
        name, pos = m.group(2), m.end()
    if name is not None:
        out[name] = text[pos:]
    return out


def strip_padding(csv_text):
    return "\n".join(line.rstrip(",") for line in csv_text.splitlines())


def lo_export(paths):
    """LibreOffice's text of each file: path -> text (documents, presentations)
    or {sheet name: csv} (spreadsheets). Files it could not convert are missing."""
    soffice, pdftotext = shutil.which("soffice"), shutil.which("pdftotext")
    res = {}
    filters = {"txt": "txt:Text (encoded):UTF8",
               "csv": "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,"
                      "false,-1",
               "pdf": "pdf"}
    for kind, flt in filters.items():
        batch = [p for p, k in paths.items() if k == kind]
        if not batch:
            continue
        indir, outdir = os.path.join(work, "lo-in-" + kind), os.path.join(work, "lo-out-" + kind)
        os.makedirs(indir, exist_ok=True)
        staged = []
        for i, p in enumerate(batch):  # distinct names: benign-letter.docx and .doc
            dst = os.path.join(indir, f"f{i}." + p.rsplit(".", 1)[1])
            shutil.copyfile(p, dst)
            staged.append((p, f"f{i}"))
        mt.soffice_convert(soffice, work, flt, outdir,
                           [os.path.join(indir, d) for d in sorted(os.listdir(indir))], timeout=900)
        for p, base in staged:
            if kind == "csv":
                sheets = {}
                for f in os.listdir(outdir):
                    if f.startswith(base + "-") and f.endswith(".csv"):
                        with open(os.path.join(outdir, f), encoding="utf-8",
                                  errors="replace") as fh:
                            sheets[f[len(base) + 1:-4]] = fh.read()
                if sheets:
                    res[p] = sheets
            elif kind == "pdf":
                o = os.path.join(outdir, base + ".pdf")
                if os.path.isfile(o):
                    res[p] = mt.pdf_text(pdftotext, o)
            else:
                o = os.path.join(outdir, base + ".txt")
                if os.path.isfile(o):
                    with open(o, encoding="utf-8", errors="replace") as fh:
                        res[p] = fh.read()
    return res


# --- fidelity against LibreOffice ----------------------------------------------------------
texts = {p: flatten(p) for p in BENIGN}
have_lo = shutil.which("soffice") and shutil.which("pdftotext")
lo = {}
if not have_lo:
    print("SKIP fidelity: soffice or pdftotext missing (install libreoffice-writer-nogui, "
          "libreoffice-calc-nogui, libreoffice-impress-nogui, poppler-utils)")
else:
    lo = lo_export(BENIGN)
    for p, kind in BENIGN.items():
        name, ours = os.path.basename(p), texts.get(p)
        t.check(p in lo, f"{name}: LibreOffice exported it")
        if ours is None or p not in lo:
            continue
        t.check(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ours) is not None,
                f"{name}: Japanese text in the output")
        if kind == "csv":
            mine = sections(ours)
            t.check(sorted(mine) == sorted(lo[p]),
                    f"{name}: the sheets are LibreOffice's: {sorted(mine)} == {sorted(lo[p])}")
            for sheet, csv_text in lo[p].items():
                r = similar(mine.get(sheet, ""), strip_padding(csv_text))
                print(f"similarity {name} {sheet}: {r:.3f}")
                t.check(r >= 0.9, f"{name} sheet {sheet}: similarity to LibreOffice's CSV "
                                  f"{r:.3f} >= 0.9")
        else:
            r = similar(HEADING.sub("", ours), lo[p])
            print(f"similarity {name}: {r:.3f}")
            t.check(r >= 0.9, f"{name}: similarity to LibreOffice's {kind} export {r:.3f} >= 0.9")

# --- hostile samples: none of the active parts ----------------------------------------------


def zip_member(path, name):
    with zipfile.ZipFile(path) as z:
        return z.read(name)


# A docm whose VBA project runs a command on open.
def check_text(name, where, src, text, banned, wanted):
    """Each of banned is in src (where: what src is) and not in the text;
    each of wanted is in the text."""
    for b in banned:
        t.check(b in src, f"{name}: {where} holds {b!r}")
        t.check(text is not None and b not in text, f"{name}: {b!r} not in the text")
    for w in wanted:
        t.check(text is not None and w in text, f"{name}: {w!r} in the text")


p = corpus("office", "vba.docm")
vba = zip_member(p, "word/vbaProject.bin")
ole = olefile.OleFileIO(vba)
streams = b"".join(ole.openstream(s).read() for s in ole.listdir() if ole.get_type(s) == 2)
raw = (vba + streams).decode("latin-1")
text = flatten(p)
check_text("vba.docm", "the input's VBA project", raw, text, ["AutoOpen", "MUGAI-VBA-MACRO"],
           ["MUGAI-TEXT-VBA document body"])

# An xlsm with an Excel 4.0 macro sheet.
p = corpus("office", "xlm-macrosheet.xlsm")
with zipfile.ZipFile(p) as z:
    macro = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                    if "macrosheet" in n.lower() or "intlsheet" in n.lower())
text = flatten(p)
check_text("xlm-macrosheet.xlsm", "the macro sheet", macro, text, ["EXEC", "MUGAI-XLM"],
           ["MUGAI-TEXT-DATA"])

# An xls with an XLM macro sheet: xlrd reads the real sheets, the macro is nowhere.
p = corpus("msoffice", "xls-macrosheet.xls")
wb_stream = olefile.OleFileIO(p).openstream("Workbook").read()
text = flatten(p)
t.check(b"calc.exe" in wb_stream, "xls-macrosheet.xls: the Workbook stream holds calc.exe")
t.check(text is not None and "calc" not in text and "EXEC" not in text,
        "xls-macrosheet.xls: no macro in the text")
book = xlrd.open_workbook(p)
for sh in book.sheets():
    if sh.name == "Macro1":
        continue
    for r in range(sh.nrows):
        for c in range(sh.ncols):
            v = sh.cell_value(r, c)
            if v == "":
                continue
            s = (str(int(v)) if isinstance(v, float) and v == int(v) else str(v))
            t.check(text is not None and s in text, f"xls-macrosheet.xls: {sh.name}!{r},{c} "
                                                    f"{s!r} in the text")
t.check(text is not None and re.search(r"^--- sheet \d+: Macro1 .*not a worksheet", text, re.M),
        "xls-macrosheet.xls: the macro sheet is named, not read")

# DDE and INCLUDE fields: instructions gone, shown results kept.
for d, name, banned, wanted in [
        ("office", "dde-fields.docx", ["cmd.exe", "MUGAI-DDEAUTO", "MUGAI-NESTED"],
         ["MUGAI-RESULT-DDEAUTO", "MUGAI-RESULT-SIMPLE"]),
        ("msoffice", "lo-dde-fields.doc", ["cmd.exe"], ["MUGAI-RESULT-DDEAUTO"]),
        ("rtf", "field-dde.rtf", ["DDEAUTO"], ["dde result one"]),
        ("rtf", "obj-equation-pe.rtf", ["Equation", "objdata"], ["before"])]:
    p = corpus(d, name)
    if name.endswith(".docx"):
        src = zip_member(p, "word/document.xml").decode("utf-8", "replace")
    elif name.endswith(".doc"):
        o = olefile.OleFileIO(p)
        src = o.openstream("WordDocument").read().decode("utf-16-le", "replace")
    else:
        with open(p, encoding="latin-1") as f:
            src = f.read()
    check_text(name, "the input", src, text=flatten(p), banned=banned, wanted=wanted)

# Encrypted: refused with the reason.
for d, name in [("msoffice", "doc-encrypted-fib.doc"), ("msoffice", "xls-filepass.xls"),
                ("msoffice", "ppt-encrypted.ppt"), ("office", "encrypted-member.docx"),
                ("odf", "encrypted.odt")]:
    r = mt.run([corpus(d, name)], "--policy", POLICY)
    rep = r.reports[0] if r.reports else {}
    t.check(rep.get("verdict") == "blocked" and rep.get("reason_code") == "encrypted"
            and not r.outputs(), f"{name}: blocked as encrypted ({rep.get('reason_code')})")

# --- mail: the attachments' text after the body -----------------------------------------------
att = [corpus("office", "benign-letter.docx"), corpus("msoffice", "benign-budget.xls")]
msg = EmailMessage()
msg["From"], msg["To"], msg["Subject"] = "a@example.jp", "b@example.jp", "添付のテキスト"
msg.set_content("本文です。\n")
for p in att:
    with open(p, "rb") as f:
        msg.add_attachment(f.read(), maintype="application", subtype="octet-stream",
                           filename=os.path.basename(p))
eml = mt.write(work, "att.eml", bytes(msg))
for on in (False, True):
    pol = mt.write(work, f"mail-{on}.conf",
                   b"[actions]\neml = sanitize\ndocx = sanitize\nxls = sanitize\n"
                   + (b"[options]\nmail_attachment_text = yes\n" if on else b""))
    r = mt.run([eml], "--policy", pol)
    outs = r.outputs()
    t.check(r.code == 0 and len(outs) == 1, f"mail ({on}): released ({r.stderr.strip()[:200]})")
    if len(outs) != 1:
        continue
    with open(os.path.join(r.outdir, outs[0]), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    body = m.get_body(("plain",)).get_content()
    names = sorted(a.get_filename() for a in m.iter_attachments())
    t.check(names == sorted(os.path.basename(p) for p in att), f"mail ({on}): attachments {names}")
    t.check("本文です。" in body, f"mail ({on}): the body")
    for p in att:
        heading = f"添付ファイル「{os.path.basename(p)}」のテキスト"
        t.check((heading in body) == on, f"mail ({on}): heading for {os.path.basename(p)}")
        if on:
            t.check(body.index("本文です。") < body.index(heading), "mail: after the body")
    if have_lo and on:
        exp = lo_export({att[0]: "txt", att[1]: "csv"})
        lines = [ln.strip().lstrip("\ufeff") for ln in exp.get(att[0], "").splitlines()
                 if len(ln.strip()) > 6][:5]
        lines += [strip_padding(ln) for s in exp.get(att[1], {}).values()
                  for ln in s.splitlines() if "," in ln][:3]
        t.check(len(lines) >= 6, f"mail: LibreOffice's lines of the attachments: {len(lines)}")
        for ln in lines:
            t.check(ln in body, f"mail: LibreOffice's line {ln!r} in the body")
    if not on:
        t.check("ごみ収集日の変更" not in body, "mail (off): no attachment text in the body")

shutil.rmtree(work, ignore_errors=True)
t.done()
