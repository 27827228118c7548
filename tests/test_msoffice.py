#!/usr/bin/env python3
"""End-to-end: Word, Excel and PowerPoint 97-2003 files through `mugai sanitize`.

Every sample in corpus/msoffice/ (made by corpus/make-msoffice.py from
LibreOffice output) goes through the real CLI, in its sandbox. Outputs are
looked at here, never with Mugai's code:

  - Python's olefile lists every storage and stream: only the streams a
    document needs may be there (no Macros, _VBA_PROJECT_CUR, ObjectPool,
    MBD..., Ole10Native, Equation Native, unknown streams);
  - Excel: a BIFF8 record walk of this file's own (no macro or VB module
    sheet, no macro BOF, no Auto_* or command-macro name, no OBPROJ, no
    link SUPBOOK, BOUNDSHEET and EXTSST positions right) and xlrd (the
    cells of every sheet the input showed are unchanged);
  - Word: the piece table and field tables read by this file's own code
    (no field but allowlisted ones, http/https/mailto hyperlinks; the
    results of removed fields still in the text);
  - PowerPoint: a record walk of this file's own (no macro, program or OLE
    action, no hyperlink outside http/https/mailto);
  - the CFB writer's fixtures (tests/t_cfb --write) list in olefile exactly
    as written.

Fidelity: for the benign LibreOffice-made samples (Japanese text), the text
LibreOffice exports from the output (txt for Word, csv for Excel, PDF then
pdftotext for PowerPoint) must equal what it exports from the input. Needs
soffice and pdftotext; without them that part is skipped with a message.
Files of other compound-file programs (MSI, Ichitaro, unknown) stay blocked.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mugaitest as mt  # noqa: E402
import debmods  # noqa: E402

olefile = debmods.load("olefile")
xlrd = debmods.load("xlrd")

t = mt.Checker("msoffice")
work = tempfile.mkdtemp(prefix="mugai-msoffice-")
SAMPLES = os.path.join(mt.CORPUS, "msoffice")
POLICY = mt.write(work, "mso.conf", b"[actions]\ndoc = sanitize\nxls = sanitize\nppt = sanitize\n")
POLICY_NOLINKS = mt.write(work, "mso-nolinks.conf",
                          b"[actions]\ndoc = sanitize\nxls = sanitize\nppt = sanitize\n"
                          b"[options]\nkeep_hyperlinks = no\n")

ALLOWED = {
    "doc": {"WordDocument", "0Table", "1Table", "Data"},
    "xls": {"Workbook"},
    "ppt": {"PowerPoint Document", "Current User", "Pictures"},
}
COMMON = {"\x05SummaryInformation", "\x05DocumentSummaryInformation", "\x01CompObj"}

# sample -> (verdict, reason code or None)
EXPECT = {
    "benign-letter.doc": ("sanitized", None),
    "benign-report.doc": ("sanitized", None),
    "benign-minutes.doc": ("sanitized", None),
    "benign-budget.xls": ("sanitized", None),
    "benign-population.xls": ("sanitized", None),
    "benign-slides.ppt": ("sanitized", None),
    "lo-dde-fields.doc": ("sanitized", None),
    "lo-include-fields.doc": ("sanitized", None),
    "lo-hyperlinks.doc": ("sanitized", None),
    "doc-vba.doc": ("sanitized", None),
    "doc-objectpool.doc": ("sanitized", None),
    "doc-stale-table.doc": ("sanitized", None),
    "doc-jsrv-streams.doc": ("sanitized", None),
    "doc-remote-template.doc": ("sanitized", None),
    "doc-encrypted-fib.doc": ("blocked", "encrypted"),
    "doc-encryptioninfo.doc": ("blocked", "encrypted"),
    "doc-word95.doc": ("blocked", "unsupported"),
    "doc-field-unlisted.doc": ("blocked", "parse-error"),
    "doc-msi-clsid.doc": ("blocked", "executable"),
    "xls-macrosheet.xls": ("sanitized", None),
    "xls-macrosheet-visible.xls": ("sanitized", None),
    "xls-vbmodule.xls": ("sanitized", None),
    "xls-bof-macro.xls": ("sanitized", None),
    "xls-vba.xls": ("sanitized", None),
    "xls-mbd-object.xls": ("sanitized", None),
    "xls-dde.xls": ("blocked", "unsupported"),
    "xls-external-link.xls": ("blocked", "unsupported"),
    "xls-filepass.xls": ("blocked", "encrypted"),
    "xls-biff5-book.xls": ("blocked", "unsupported"),
    "xls-hidden-bytes.xls": ("blocked", "parse-error"),
    "ppt-actions.ppt": ("sanitized", None),
    "ppt-actions-many.ppt": ("sanitized", None),
    "ppt-olestg.ppt": ("blocked", "unsupported"),
    "ppt-cryptsession.ppt": ("blocked", "encrypted"),
    "ppt-encrypted.ppt": ("blocked", "encrypted"),
}

# Fields a released document may hold (a short list on purpose: anything else
# found with an instruction left is a problem).
SAFE_FIELDS = {"PAGE", "NUMPAGES", "DATE", "TIME", "TOC", "REF", "PAGEREF", "SEQ", "QUOTE",
               "FORMTEXT", "FORMCHECKBOX", "AUTHOR", "TITLE", "HYPERLINK"}


# --- Excel: BIFF8 ----------------------------------------------------------------

def biff(data):
    """[(offset, type, payload)] up to zero padding."""
    out, i = [], 0
    while i + 4 <= len(data):
        typ, ln = struct.unpack_from("<HH", data, i)
        if typ == 0 and ln == 0 and not any(data[i:]):
            break
        out.append((i, typ, data[i + 4:i + 4 + ln]))
        i += 4 + ln
    return out


def xls_problems(data):
    recs = biff(data)
    probs = []
    starts = {off: p for off, typ, p in recs if typ == 0x0809}
    for off, typ, p in recs:
        if typ == 0x0809 and struct.unpack_from("<H", p, 2)[0] in (0x40, 0x06):
            probs.append("macro BOF")
        if typ == 0x85:
            pos, hs, dt = struct.unpack_from("<IBB", p)
            if dt in (1, 6):
                probs.append("macro BOUNDSHEET")
            if pos not in starts:
                probs.append("BOUNDSHEET position not at a BOF")
        if typ == 0x18:
            flags, _k, cch = struct.unpack_from("<HBB", p)
            raw = p[15:15 + cch * (2 if p[14] & 1 else 1)]
            name = raw.decode("utf-16-le" if p[14] & 1 else "latin-1")
            if flags & 0x20 and name[:1] in ("\x01", "\x02", "\x0a", "\x0b"):
                probs.append("built-in auto name")
            if name.lower().startswith(("auto_open", "auto_close", "auto_activate",
                                        "auto_deactivate")):
                probs.append("auto name " + name)
            if flags & 0x08:
                probs.append("command macro name")
        if typ == 0xD3:
            probs.append("OBPROJ")
        if typ == 0x2F:
            probs.append("FILEPASS")
        if typ == 0x01AE and struct.unpack_from("<H", p, 2)[0] not in (0x0401, 0x3A01):
            probs.append("link SUPBOOK")
        if typ == 0xFF:
            sst = [(o, len(q)) for o, ty, q in recs if ty in (0xFC, 0x3C)]
            for k in range(2, len(p) - 7, 8):
                ib = struct.unpack_from("<I", p, k)[0]
                if not any(o <= ib < o + 4 + ln for o, ln in sst):
                    probs.append("EXTSST outside the strings")
    return probs


def xls_cells(path):
    """{sheet name: rows} of the sheets xlrd shows (it skips macro sheets itself)."""
    book = xlrd.open_workbook(path)
    return {s.name: [s.row_values(r) for r in range(s.nrows)] for s in book.sheets()}


# --- Word: FIB, piece table, fields ----------------------------------------------------

def word_text_and_fields(ole):
    wd = ole.openstream("WordDocument").read()
    flags = struct.unpack_from("<H", wd, 0x0A)[0]
    tb = ole.openstream("1Table" if flags & 0x200 else "0Table").read()
    csw = struct.unpack_from("<H", wd, 0x20)[0]
    lw = 0x22 + csw * 2 + 2
    cslw = struct.unpack_from("<H", wd, lw - 2)[0]
    fcl = lw + cslw * 4 + 2
    ccp = [struct.unpack_from("<I", wd, lw + 4 * i)[0] for i in range(3, 11)]
    fc, lcb = struct.unpack_from("<II", wd, fcl + 8 * 33)
    clx = tb[fc:fc + lcb]
    i = 0
    while clx[i] == 1:
        i += 3 + struct.unpack_from("<h", clx, i + 1)[0]
    plen = struct.unpack_from("<I", clx, i + 1)[0]
    plc = clx[i + 5:i + 5 + plen]
    n = (plen - 4) // 12
    cps = struct.unpack_from("<%dI" % (n + 1), plc, 0)
    text = ""
    for k in range(n):
        f = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * k + 2)[0]
        cnt = cps[k + 1] - cps[k]
        if f & 0x40000000:
            off = (f & 0x3FFFFFFF) // 2
            text += wd[off:off + cnt].decode("cp1252", "replace")
        else:
            off = f & 0x3FFFFFFF
            text += wd[off:off + 2 * cnt].decode("utf-16-le", "replace")
    fields, start = [], 0
    for ln in ccp:
        seg, stack = text[start:start + ln], []
        for j, ch in enumerate(seg):
            if ch == "\x13":
                # inside another field's instruction (not its result)?
                stack.append([j, None, bool(stack) and stack[-1][1] is None])
            elif ch == "\x14" and stack:
                stack[-1][1] = j
            elif ch == "\x15" and stack:
                b, s, nested = stack.pop()
                code = seg[b + 1:(s if s is not None else j)]
                fields.append((code, seg[s + 1:j] if s is not None else "", nested))
        start += ln
    return text, fields


def field_problems(fields):
    probs = []
    for code, _res, _nested in fields:
        top = code.split("\x13")[0]
        words = top.split()
        if not words and not code.strip(" \x13\x14\x15"):
            continue  # blanked
        kw = words[0].upper() if words else "(nested)"
        if kw not in SAFE_FIELDS:
            probs.append("field " + kw)
        if kw == "HYPERLINK":
            url = next((w.strip('"') for w in words[1:] if not w.startswith("\\")), "")
            if not url.lower().startswith(("http://", "https://", "mailto:")):
                probs.append("hyperlink " + url)
    return probs


# --- PowerPoint: records --------------------------------------------------------------

def ppt_records(d, off, end, out):
    while off + 8 <= end:
        vi, typ, ln = struct.unpack_from("<HHI", d, off)
        if ln > end - off - 8:
            break
        out.append((typ, vi >> 4, d[off + 8:off + 8 + ln]))
        if vi & 0xF == 0xF:
            ppt_records(d, off + 8, off + 8 + ln, out)
        off += 8 + ln
    return out


def ppt_problems(data):
    probs = []
    for typ, inst, body in ppt_records(data, 0, len(data), []):
        if typ == 0x0FF3 and body[8] in (1, 2, 5):
            probs.append("action %d" % body[8])
        if typ in (0x1011, 0x0FCC, 0x0FCE, 0x0FEE):
            probs.append("OLE record 0x%04X" % typ)
        if typ == 0x0FBA and inst == 1:
            url = body.decode("utf-16-le", "replace")
            if url.strip() and not url.lower().startswith(("http://", "https://", "mailto:")):
                probs.append("hyperlink " + url)
    return probs


# --- the run ------------------------------------------------------------------------

names = sorted(EXPECT)
missing = [n for n in names if not os.path.isfile(os.path.join(SAMPLES, n))]
t.check(not missing, f"samples present (missing: {missing})")
r = mt.run([os.path.join(SAMPLES, n) for n in names], "--policy", POLICY)
reports = {os.path.basename(x["input"]): x for x in r.reports}
out = {}
for n in names:
    rep = reports.get(n)
    want, code = EXPECT[n]
    t.check(rep is not None and rep["verdict"] == want and rep["reason_code"] == code,
            f"{n}: {want} {code or ''} (got {rep and rep['verdict']} {rep and rep['reason_code']}: "
            f"{rep and rep['reason']})")
    if rep and rep["verdict"] == "blocked":
        t.check(bool(rep["reason"]) and len(rep["reason"]) > 20, f"{n}: a clear reason")
    if rep and rep["output"]:
        out[n] = rep["output"]
        t.check(rep["output_type"] == n.rsplit(".", 1)[1], f"{n}: released as its own type")
t.check(r.outputs() == sorted(os.path.basename(p) for p in out.values()),
        f"nothing but the sanitized outputs released: {r.outputs()}")

# Every output: only the streams the document needs, at the root.
for n, path in out.items():
    ext = n.rsplit(".", 1)[1]
    ole = olefile.OleFileIO(path)
    entries = ole.listdir(streams=True, storages=True)
    bad = [e for e in entries if len(e) != 1 or e[0] not in ALLOWED[ext] | COMMON]
    t.check(not bad, f"{n}: only allowed streams ({bad})")
    t.check(not any(ole.get_type(e) == olefile.STGTY_STORAGE for e in entries), f"{n}: no storage")
    if ext == "xls":
        probs = xls_problems(ole.openstream("Workbook").read())
        t.check(not probs, f"{n}: BIFF clean ({probs})")
    if ext == "doc":
        text, fields = word_text_and_fields(ole)
        probs = field_problems(fields)
        t.check(not probs, f"{n}: fields clean ({probs})")
    if ext == "ppt":
        probs = ppt_problems(ole.openstream("PowerPoint Document").read())
        t.check(not probs, f"{n}: records clean ({probs})")
    ole.close()

# The hostile inputs did hold what the outputs no longer do (the tests can fail).
def listing(path):
    ole = olefile.OleFileIO(path)
    e = ["/".join(x) for x in ole.listdir(streams=True, storages=True)]
    ole.close()
    return e


for n, what in [("doc-vba.doc", "Macros/VBA/dir"), ("doc-objectpool.doc",
                                                   "ObjectPool/_1234567890/\x01Ole10Native"),
                ("doc-objectpool.doc", "ObjectPool/_1234567891/Equation Native"),
                ("xls-vba.xls", "_VBA_PROJECT_CUR/VBA/_VBA_PROJECT"),
                ("xls-mbd-object.xls", "MBD0046A1B2/\x01Ole10Native"),
                ("doc-stale-table.doc", "0Table"), ("doc-jsrv-streams.doc", "JSRV_SegmentList")]:
    t.check(what in listing(os.path.join(SAMPLES, n)), f"{n} holds {what!r}")
    if n in out:
        t.check(what.split("/")[0] not in listing(out[n]), f"{n}: {what.split('/')[0]!r} gone")

for n in ("xls-macrosheet.xls", "xls-macrosheet-visible.xls", "xls-vbmodule.xls",
          "xls-bof-macro.xls", "xls-vba.xls"):
    ole = olefile.OleFileIO(os.path.join(SAMPLES, n))
    t.check(xls_problems(ole.openstream("Workbook").read()), f"{n}: the input has XLM/VBA traces")
    ole.close()
    if n in out:
        after = xls_cells(out[n])  # must read
        try:
            before = xls_cells(os.path.join(SAMPLES, n))
        except xlrd.XLRDError:  # xlrd refuses a macro BOF under a worksheet's name
            before = {s: rows for s, rows in after.items() if rows}
        t.check(all(after.get(s) == rows for s, rows in before.items()),
                f"{n}: every sheet's cells unchanged")
# The macro sheet is now an empty sheet of the same name; other names keep their place.
if "xls-macrosheet.xls" in out:
    book = xlrd.open_workbook(out["xls-macrosheet.xls"])
    t.check([s.name for s in book.sheets()][-1] == "Macro1" and book.sheets()[-1].nrows == 0,
            "macro sheet replaced by an empty sheet")
    t.check([x.name for x in book.name_obj_list][0] == "Total", "ordinary names keep their index")
for n in ("benign-budget.xls", "benign-population.xls"):
    if n in out:
        t.check(xls_cells(os.path.join(SAMPLES, n)) == xls_cells(out[n]), f"{n}: cells unchanged")

# Word: the risky fields are gone, their results stay; allowed ones stay as they were.
for n, gone, kept in [
        ("lo-dde-fields.doc", 4, ["MUGAI-RESULT-DDEAUTO", "MUGAI-RESULT-SIMPLE",
                                  "MUGAI-RESULT-NESTED"]),
        ("lo-include-fields.doc", 2, ["MUGAI-RESULT-LINK", "MUGAI-RESULT-INCLUDETEXT"]),
        ("lo-hyperlinks.doc", 4, ["DROP-JS", "DROP-FILE", "DROP-UNC", "KEEP-HTTPS"])]:
    ole = olefile.OleFileIO(os.path.join(SAMPLES, n))
    _, fin = word_text_and_fields(ole)
    ole.close()
    t.check(len(field_problems(fin)) >= gone, f"{n}: the input has {gone} risky fields")
    if n in out:
        ole = olefile.OleFileIO(out[n])
        text, fout = word_text_and_fields(ole)
        ole.close()
        t.check(all(k in text for k in kept), f"{n}: field results kept")
        t.check(len(fout) == len(fin), f"{n}: fields keep their place")
        safe_in = [f for f in fin if not field_problems([f]) and not f[2]]
        t.check(all(f in fout for f in safe_in), f"{n}: allowed fields unchanged")
        rep = reports[n]
        t.check(sum(a["what"].startswith("field ") for a in rep["report"]["actions"]) == gone,
                f"{n}: each removed field reported")

# PowerPoint: actions and the UNC link gone, the https link kept.
if "ppt-actions.ppt" in out:
    ole = olefile.OleFileIO(os.path.join(SAMPLES, "ppt-actions.ppt"))
    t.check(len(ppt_problems(ole.openstream("PowerPoint Document").read())) == 4,
            "ppt-actions.ppt: the input has 3 actions and a UNC link")
    ole.close()
    ole = olefile.OleFileIO(out["ppt-actions.ppt"])
    doc = ole.openstream("PowerPoint Document").read()
    ole.close()
    t.check("https://www.example.jp/".encode("utf-16-le") in doc, "https hyperlink kept")
    t.check(b"c\x00a\x00l\x00c\x00" not in doc, "program name blanked")

# The remote attached template is blanked (it was there in the input).
def attached_template(path):
    ole = olefile.OleFileIO(path)
    wd = ole.openstream("WordDocument").read()
    flags = struct.unpack_from("<H", wd, 0x0A)[0]
    tb = ole.openstream("1Table" if flags & 0x200 else "0Table").read()
    ole.close()
    csw = struct.unpack_from("<H", wd, 0x20)[0]
    cslw = struct.unpack_from("<H", wd, 0x22 + csw * 2)[0]
    fc, lcb = struct.unpack_from("<II", wd, 0x22 + csw * 2 + 2 + cslw * 4 + 2 + 8 * 32)
    if lcb == 0:
        return ""
    o, strings = fc + 6, []
    for _ in range(2):
        cch = struct.unpack_from("<H", tb, o)[0]
        strings.append(tb[o + 2:o + 2 + 2 * cch].decode("utf-16-le"))
        o += 2 + 2 * cch
    return strings[1]


t.check(attached_template(os.path.join(SAMPLES, "doc-remote-template.doc")).startswith("\\\\"),
        "doc-remote-template.doc: the input has a UNC template")
if "doc-remote-template.doc" in out:
    t.check(attached_template(out["doc-remote-template.doc"]).strip() == "",
            "doc-remote-template.doc: the template path is blanked")

# The presentation's thumbnail (a picture in the summary properties) goes; its title stays.
if "benign-slides.ppt" in out:
    m_in = olefile.OleFileIO(os.path.join(SAMPLES, "benign-slides.ppt")).get_metadata()
    m_out = olefile.OleFileIO(out["benign-slides.ppt"]).get_metadata()
    t.check(m_in.thumbnail is not None and m_out.thumbnail is None, "thumbnail removed")
    t.check(m_in.title and m_out.title == m_in.title, "title kept")

if "ppt-actions-many.ppt" in out:
    ole = olefile.OleFileIO(os.path.join(SAMPLES, "ppt-actions-many.ppt"))
    t.check(len(ppt_problems(ole.openstream("PowerPoint Document").read())) == 2,
            "ppt-actions-many.ppt: the input has an action and a UNC link behind 20 records")
    ole.close()

# keep_hyperlinks = no: the http links go too.
r2 = mt.run([os.path.join(SAMPLES, "lo-hyperlinks.doc"), os.path.join(SAMPLES, "ppt-actions.ppt")],
            "--policy", POLICY_NOLINKS)
for rep in r2.reports:
    t.check(rep["verdict"] == "sanitized", f"no links: {rep['input']} sanitized")
    if rep["output"] and rep["output"].endswith(".doc"):
        ole = olefile.OleFileIO(rep["output"])
        _, f = word_text_and_fields(ole)
        ole.close()
        t.check(not any("HYPERLINK" in c for c, _, _ in f), "no links: every HYPERLINK field blanked")
    if rep["output"] and rep["output"].endswith(".ppt"):
        ole = olefile.OleFileIO(rep["output"])
        t.check("https://".encode("utf-16-le") not in ole.openstream("PowerPoint Document").read(),
                "no links: https target blanked")
        ole.close()

# --- the default policy sanitizes all three ---------------------------------------------------
r4 = mt.run([os.path.join(SAMPLES, n) for n in ("benign-letter.doc", "xls-macrosheet.xls",
                                               "ppt-actions.ppt")])
t.check(r4.code == 0 and len(r4.outputs()) == 3 and all(x["verdict"] == "sanitized"
                                                        for x in r4.reports),
        f"default policy: doc, xls, ppt sanitized ({[x['reason'] for x in r4.reports]})")

# --- other compound files stay blocked ---------------------------------------------------
blocked = os.path.join(mt.CORPUS, "blocked")
others = {os.path.join(blocked, "setup.msi"): ("msi", "executable"),
          os.path.join(blocked, "benign", "minimal.jtd"): ("jtd", "policy"),
          os.path.join(blocked, "benign", "other.ole"): ("ole2", "policy")}
r3 = mt.run(list(others), "--policy", POLICY)
t.check(r3.code == 1 and r3.outputs() == [], f"MSI, Ichitaro, other OLE: nothing released {r3.outputs()}")
for rep in r3.reports:
    typ, code = others[rep["input"]]
    t.check(rep["type"] == typ and rep["reason_code"] == code and rep["reason"],
            f"{os.path.basename(rep['input'])}: {typ} held ({rep['reason_code']}: {rep['reason']})")

# --- the CFB writer's files, listed by olefile -------------------------------------------------
tcfb = os.path.join(os.environ.get("MUGAI_BUILD", "build"), "tests", "t_cfb")
wdir = os.path.join(work, "cfb")
p = subprocess.run([tcfb, "--write", wdir], capture_output=True, env=dict(os.environ))
t.check(p.returncode == 0, f"t_cfb --write ran ({p.stderr[-300:]!r})")
if p.returncode == 0:
    ole = olefile.OleFileIO(os.path.join(wdir, "tree.cfb"))
    got = sorted("/".join(e) for e in ole.listdir(streams=True, storages=True))
    want = sorted(["WordDocument", "1Table", "\x05SummaryInformation", "empty", "ObjectPool",
                   "ObjectPool/_1234", "ObjectPool/_1234/\x01Ole10Native", "ObjectPool/資料",
                   "ObjectPool/a"])
    t.check(got == want, f"olefile lists what the writer wrote: {got}")
    t.check(ole.get_size("WordDocument") == 10000 and ole.get_size("1Table") == 3000
            and ole.get_size("ObjectPool/資料") == 4095 and ole.get_size("empty") == 0,
            "olefile: stream sizes")
    t.check(ole.openstream("WordDocument").read() == bytes((1 + i * 7) % 251 for i in range(10000)),
            "olefile: a large stream's bytes")
    t.check(ole.openstream("ObjectPool/資料").read() == bytes((2 + i * 7) % 251 for i in range(4095)),
            "olefile: a mini stream's bytes")
    t.check(ole.getclsid("ObjectPool").upper().startswith("00002211"), "olefile: storage CLSID")
    t.check(ole.root.clsid.upper() == "00020906-0000-0000-C000-000000000046", "olefile: root CLSID")
    ole.close()
    ole = olefile.OleFileIO(os.path.join(wdir, "siblings.cfb"))
    t.check(len(ole.listdir()) == 300, "olefile: 300 siblings")
    ole.close()
    ole = olefile.OleFileIO(os.path.join(wdir, "empty.cfb"))
    t.check(ole.listdir(streams=True, storages=True) == [], "olefile: an empty file")
    ole.close()

# --- fidelity: LibreOffice's text of input and output ----------------------------------------
lo = mt.libreoffice()
if lo:
    soffice, pdftotext = lo
    FILTERS = {"doc": "txt:Text (encoded):UTF8", "xls": "csv:Text - txt - csv (StarCalc):44,34,76",
               "ppt": "pdf"}

    def export(paths, outdir):
        os.makedirs(outdir, exist_ok=True)
        res = {}
        for ext, flt in FILTERS.items():
            staged = []
            for i, pth in enumerate(x for x in paths if x.endswith("." + ext)):
                dst = os.path.join(outdir, f"f{len(res) + i:03d}.{ext}")
                shutil.copy(pth, dst)
                staged.append((pth, dst))
            if not staged:
                continue
            mt.soffice_convert(soffice, work, flt, outdir, [d for _, d in staged])
            for pth, dst in staged:
                base = dst.rsplit(".", 1)[0]
                o = base + "." + flt.split(":")[0]
                if ext == "ppt" and os.path.isfile(o):
                    res[pth] = mt.pdf_text(pdftotext, o)
                elif os.path.isfile(o):
                    with open(o, encoding="utf-8", errors="replace") as fh:
                        res[pth] = fh.read()
        return res

    benign = sorted(n for n in out if n.startswith("benign-"))
    t.check(len(benign) == 6, f"benign samples released ({benign})")
    # One LibreOffice start per filter for everything: inputs, outputs and
    # the released hostile outputs (each start costs seconds).
    rest = [out[n] for n in out if not n.startswith("benign-")]
    every = export([os.path.join(SAMPLES, n) for n in benign] + [out[n] for n in benign] + rest,
                   os.path.join(work, "lo"))
    tin = tout = opened = every
    for n in benign:
        a, b = tin.get(os.path.join(SAMPLES, n)), tout.get(out[n])
        t.check(a is not None and len(a) > 50, f"{n}: LibreOffice exports the input")
        t.check(a is not None and a == b, f"{n}: LibreOffice's text of the output equals the input's")
        t.check(a is not None and any(0x3040 <= ord(c) <= 0x9FFF for c in a),
                f"{n}: the text is Japanese")
    # Every released hostile output opens too.
    for pth in rest:
        t.check(pth in opened and opened[pth].strip() != "", f"LibreOffice opens {os.path.basename(pth)}")

shutil.rmtree(work, ignore_errors=True)
t.done()
