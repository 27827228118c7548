#!/usr/bin/env python3
"""Write the fuzzing seeds of the flatten harness (corpus/seeds/flatten/).

fuzz/fuzz_flatten.c picks the flattener by the first bytes, so the seeds
are whole files of each family, taken from the committed samples (the
LibreOffice-made Japanese documents and hostile ones that carry macros,
fields, objects and macro sheets), and raw main streams of the legacy
Office samples, each behind the byte that tells the harness's wrapper
which application it is (0 Excel, 1 PowerPoint, 2 Word; for Word the
four bytes after it say where the table stream starts), and XML parts
the harness packages itself (xml-*.xml). Only files below 64 KB are
taken: the fuzzer wants variety, not bulk.

Run from anywhere: python3 corpus/make-flatten-seeds.py
(needs olefile; Debian: python3-olefile).
"""
import os
import shutil
import struct
import sys

try:
    import olefile
except ImportError:  # Debian's package, when another Python runs this
    sys.path.append("/usr/lib/python3/dist-packages")
    import olefile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "seeds", "flatten")
MAX = 64 << 10

FILES = {
    "office": ["benign-letter.docx", "benign-report.docx", "benign-budget.xlsx",
               "benign-slides.pptx", "vba.docm", "xlm-macrosheet.xlsm", "dde-fields.docx",
               "include-fields.docx", "strict-external.docx", "utf16-part.docx",
               "ppt-actions.pptm", "xxe-content-types.docx"],
    "odf": ["benign.odt", "benign.ods", "benign.odp", "macro.odt", "dde.odt", "objects.odt"],
    "msoffice": ["benign-letter.doc", "benign-budget.xls", "benign-population.xls",
                 "benign-slides.ppt", "lo-dde-fields.doc", "xls-macrosheet.xls", "doc-vba.doc",
                 "ppt-actions.ppt", "xls-filepass.xls", "ppt-cryptsession.ppt"],
    "rtf": ["lo-japanese.rtf", "benign-cp932.rtf", "benign-unicode.rtf", "field-dde.rtf",
            "obj-equation-pe.rtf", "obj-hidden-ignorable.rtf", "pict-metafiles.rtf"],
}


def raw_streams():
    """Main streams behind the wrapper's application byte."""
    src = os.path.join(HERE, "msoffice")
    out = {}
    o = olefile.OleFileIO(os.path.join(src, "benign-budget.xls"))
    out["raw-excel-budget.bin"] = b"\x00" + o.openstream("Workbook").read()
    o = olefile.OleFileIO(os.path.join(src, "benign-slides.ppt"))
    out["raw-powerpoint-slides.bin"] = b"\x01" + o.openstream("PowerPoint Document").read()
    o = olefile.OleFileIO(os.path.join(src, "benign-letter.doc"))
    wd = o.openstream("WordDocument").read()
    table = "1Table" if struct.unpack_from("<H", wd, 0x0A)[0] & 0x0200 else "0Table"
    tb = o.openstream(table).read()
    out["raw-word-letter.bin"] = b"\x02" + struct.pack("<I", len(wd)) + wd + tb
    return out


def xml_parts():
    """XML parts the harness packages itself (inputs starting with "<"): a
    Word body, a slide, a worksheet with its shared strings and styles after
    NUL bytes, and OpenDocument content of each kind."""
    import zipfile

    def member(d, name, part):
        with zipfile.ZipFile(os.path.join(HERE, d, name)) as z:
            return z.read(part)
    sheet = b"\x00".join(member("office", "benign-budget.xlsx", p)
                         for p in ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
                                   "xl/styles.xml"))
    return {
        "xml-word-report.xml": member("office", "benign-report.docx", "word/document.xml"),
        "xml-word-dde.xml": member("office", "dde-fields.docx", "word/document.xml"),
        "xml-slide.xml": member("office", "benign-slides.pptx", "ppt/slides/slide2.xml"),
        "xml-sheet.xml": sheet,
        "xml-odt.xml": member("odf", "benign.odt", "content.xml"),
        "xml-ods.xml": member("odf", "benign.ods", "content.xml"),
        "xml-odp.xml": member("odf", "benign.odp", "content.xml"),
    }


def empty_sheet():
    """A workbook whose one worksheet has no cells (found by replaying the
    fuzzer's queue under UBSan: sorting no cells passed qsort a null array)."""
    def rec(t, body):
        return struct.pack("<HH", t, len(body)) + body

    def bof(dt):
        return rec(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0, 1997, 0, 6))
    name = b"S"
    glob_len = len(bof(5)) + 4 + 8 + len(name) + 4
    sheet = struct.pack("<IBBBB", glob_len, 0, 0, len(name), 0) + name
    return b"\x00" + bof(5) + rec(0x0085, sheet) + rec(0x000A, b"") + bof(0x10) + rec(0x000A, b"")


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.unlink(os.path.join(OUT, f))
    for d, names in FILES.items():
        for n in names:
            p = os.path.join(HERE, d, n)
            if os.path.getsize(p) <= MAX:
                shutil.copyfile(p, os.path.join(OUT, n))
    fixtures = raw_streams()
    fixtures["crash-xls-empty-sheet.bin"] = empty_sheet()
    fixtures.update(xml_parts())
    for n, data in fixtures.items():
        if len(data) <= MAX:
            with open(os.path.join(OUT, n), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
