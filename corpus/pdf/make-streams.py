#!/usr/bin/env python3
"""Make the stream samples in corpus/pdf/ (stream-*.pdf, image-codecs.pdf)
and add the small ones to the fuzzing seeds in corpus/seeds/pdf/.

Hostile samples, one construct each, written as raw PDF syntax with the
helpers of corpus/make-pdf.py:

  stream-jbig2-bomb.pdf     a page drawing three JBIG2 images whose
                            dictionaries declare 100000 x 100000 pixels (the
                            JBIG2 data is a few bytes: the dictionary is the
                            bomb for every viewer that allocates the page)
  stream-jbig2-inside.pdf   a JBIG2 image whose dictionary says 64 x 64 and
                            whose page information segment says 60000 x 60000
  stream-dct-huge.pdf       a DCT image whose dictionary says 64 x 64 and
                            whose JPEG frame header says 60000 x 60000
  stream-ccitt-huge.pdf     a CCITT fax image 200000 x 100000 pixels
  stream-jpx-huge.pdf       a JPX image whose SIZ marker says 50000 x 50000
  stream-flate-bomb.pdf     a 120 KB Flate stream (a form XObject) that
                            expands to 60 MB: five hundred times its size
  stream-lzw-damaged.pdf    a page content stream in LZW with a code that is
                            not in the table (qpdf: "bad code received")
  stream-flate-damaged.pdf  an image whose Flate data is damaged in the
                            middle ("invalid distance too far back"), beside
                            an image that decodes
  stream-length-lie.pdf     an image whose /Length is 5 while its data is
                            longer (qpdf recovers the length by searching for
                            endstream; another reader would not)
  stream-flate-trailing.pdf a content stream whose Flate data is followed,
                            inside the stream, by the EICAR test string:
                            decoders stop at the end of the deflate data, so
                            copying the stream would copy the payload

Benign: image-codecs.pdf, one page of text with images in every codec kept
encoded, all valid and within limits: a JPEG made by cjpeg (libjpeg-turbo
progs) from a generated picture, the same JPEG behind a Flate filter, a
64 x 64 white JBIG2 page (generic region, MMR coding: one V0 code per row),
the same white image in CCITT group 4; and an RGB image in Flate with a PNG
predictor, and a content stream in LZW.

Usage: corpus/pdf/make-streams.py   (from anywhere; writes next to this script)
"""
import importlib.util
import os
import shutil
import subprocess
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "..", "seeds", "pdf")
_spec = importlib.util.spec_from_file_location("make_pdf", os.path.join(HERE, "..", "make-pdf.py"))
mp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mp)

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR"
         b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")


def image(w, h, filt, data, extra=b"", cs=b"/DeviceGray", bpc=8):
    return mp.stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
                     b"/BitsPerComponent %d /Filter %s %s" % (w, h, cs, bpc, filt, extra), data)


def page_with_images(images, text=mp.CONTENT, content_filter=None):
    """A one-page document drawing the image objects given {num: body}."""
    names = b"".join(b"/Im%d %d 0 R " % (n, n) for n in images)
    objs = mp.base(resources=b"<< /Font << /F1 5 0 R >> /XObject << " + names + b">> >>",
                   extra=images)
    draw = b"".join(b"q 64 0 0 64 %d 500 cm /Im%d Do Q\n" % (72 + 70 * i, n)
                    for i, n in enumerate(images))
    data = text + draw
    if content_filter:
        objs[4] = mp.stream(b"/Filter " + content_filter[0], content_filter[1](data))
    else:
        objs[4] = mp.stream(b"", data)
    return objs


# --- encoders for valid samples ---------------------------------------------

def lzw(data):
    """LZW as PDF writes it (EarlyChange 1, clear code first, EOD last)."""
    table = {bytes([i]): i for i in range(256)}
    codes, w = [256], b""
    for c in data:
        wc = w + bytes([c])
        if wc in table:
            w = wc
            continue
        codes.append(table[w])
        table[wc] = len(table) + 2
        w = bytes([c])
    codes += [table[w], 257]
    out, acc, nbits, size = bytearray(), 0, 0, 258
    width = 9
    for i, code in enumerate(codes):
        acc, nbits = (acc << width) | code, nbits + width
        while nbits >= 8:
            out.append((acc >> (nbits - 8)) & 255)
            nbits -= 8
        if i >= 2:
            size += 1
        width = 12 if size + 1 >= 2048 else 11 if size + 1 >= 1024 else 10 if size + 1 >= 512 else 9
    if nbits:
        out.append((acc << (8 - nbits)) & 255)
    return bytes(out)


def bits(s):
    """'1011...' to bytes, zero-padded."""
    s += "0" * (-len(s) % 8)
    return bytes(int(s[i:i + 8], 2) for i in range(0, len(s), 8))


def g4_white(w, h):
    """CCITT group 4 of an all-white image: one vertical-0 code per row,
    then EOFB (two EOLs)."""
    return bits("1" * h + "000000000001" * 2)


def jbig2_segment(num, seg_type, data, page=1):
    return (num.to_bytes(4, "big") + bytes([seg_type, 0, page]) +
            len(data).to_bytes(4, "big") + data)


def jbig2_page_info(w, h):
    return jbig2_segment(0, 48, w.to_bytes(4, "big") + h.to_bytes(4, "big") +
                         bytes(8) + b"\x00" + b"\x00\x00")


def jbig2_white(w, h):
    """Page information and one immediate lossless generic region in MMR: an
    all-white w x h page (no end-of-page segment: poppler does not take one
    inside a PDF)."""
    region = (w.to_bytes(4, "big") + h.to_bytes(4, "big") + bytes(8) + b"\x00" +
              b"\x01" + g4_white(w, h))
    return jbig2_page_info(w, h) + jbig2_segment(1, 39, region)


def jpeg(w, h):
    """A real JPEG from libjpeg-turbo's cjpeg (package libjpeg-turbo-progs)."""
    pix = bytes(((x * 255) // w) ^ ((y * 255) // h) for y in range(h) for x in range(w)
                for _ in range(3))
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in.ppm")
        with open(src, "wb") as f:
            f.write(b"P6\n%d %d\n255\n" % (w, h) + pix)
        return subprocess.run(["cjpeg", "-quality", "80", src], check=True,
                              capture_output=True).stdout


def png_predicted(w, h, rgb):
    """Rows with PNG filter byte 2 (Up), as /Predictor 12 expects."""
    rows, prev = [], bytes(w * 3)
    for y in range(h):
        row = rgb[y * w * 3:(y + 1) * w * 3]
        rows.append(b"\x02" + bytes((a - b) & 255 for a, b in zip(row, prev)))
        prev = row
    return b"".join(rows)


def jpeg_with_frame(jpg, w, h):
    """The same JPEG with its frame header saying w x h."""
    i = 2
    while True:
        assert jpg[i] == 0xFF
        m, ln = jpg[i + 1], int.from_bytes(jpg[i + 2:i + 4], "big")
        if m in (0xC0, 0xC1, 0xC2):
            return jpg[:i + 5] + h.to_bytes(2, "big") + w.to_bytes(2, "big") + jpg[i + 9:]
        i += 2 + ln


def jpx_codestream(w, h):
    """SOC and a SIZ marker for a one-component w x h image, one tile."""
    siz = (b"\x00\x00" + w.to_bytes(4, "big") + h.to_bytes(4, "big") + bytes(8) +
           w.to_bytes(4, "big") + h.to_bytes(4, "big") + bytes(8) + b"\x00\x01" + b"\x07\x01\x01")
    return b"\xff\x4f\xff\x51" + (len(siz) + 2).to_bytes(2, "big") + siz + b"\xff\xd9"


# --- the samples ---------------------------------------------------------------

def samples():
    s = {}
    jpg = jpeg(64, 48)
    bomb = image(100000, 100000, b"/JBIG2Decode", b"\x00\x00\x00\x00\x30\x00\x01", bpc=1)
    s["stream-jbig2-bomb.pdf"] = mp.serialize(page_with_images({10: bomb, 11: bomb, 12: bomb}))
    s["stream-jbig2-inside.pdf"] = mp.serialize(page_with_images(
        {10: image(64, 64, b"/JBIG2Decode", jbig2_page_info(60000, 60000), bpc=1)}))
    s["stream-dct-huge.pdf"] = mp.serialize(page_with_images(
        {10: image(64, 48, b"/DCTDecode", jpeg_with_frame(jpg, 60000, 60000),
                   cs=b"/DeviceRGB")}))
    s["stream-ccitt-huge.pdf"] = mp.serialize(page_with_images(
        {10: image(200000, 100000, b"/CCITTFaxDecode", g4_white(8, 8),
                   b"/DecodeParms << /K -1 /Columns 200000 /Rows 100000 >>", bpc=1)}))
    s["stream-jpx-huge.pdf"] = mp.serialize(page_with_images(
        {10: image(100, 100, b"/JPXDecode", jpx_codestream(50000, 50000))}))
    form = (b"q 0 g " + b"0 0 1 1 re f " * 6000000)[:60 << 20]
    objs = mp.base(resources=b"<< /Font << /F1 5 0 R >> /XObject << /Fm0 10 0 R >> >>",
                   extra={10: mp.stream(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
                                        b"/Filter /FlateDecode", zlib.compress(form, 9))})
    objs[4] = mp.stream(b"", mp.CONTENT + b"/Fm0 Do\n")
    s["stream-flate-bomb.pdf"] = mp.serialize(objs)
    good = lzw(mp.CONTENT)
    s["stream-lzw-damaged.pdf"] = mp.serialize(page_with_images(
        {}, content_filter=(b"/LZWDecode", lambda d: good[:12] + b"\xff\xff\xff" + good[12:])))
    gray = bytes((x * 4) & 255 for y in range(64) for x in range(64))
    z = bytearray(zlib.compress(gray * 4))
    z[12:20] = b"\xff" * 8
    s["stream-flate-damaged.pdf"] = mp.serialize(page_with_images(
        {10: image(64, 64, b"/FlateDecode", bytes(z)),
         11: image(64, 64, b"/FlateDecode", zlib.compress(gray))}))
    lie = image(64, 64, b"/FlateDecode", zlib.compress(gray))
    s["stream-length-lie.pdf"] = mp.serialize(page_with_images(
        {10: lie.replace(b"/Length %d " % len(zlib.compress(gray)), b"/Length 5 "),
         11: image(64, 64, b"/FlateDecode", zlib.compress(gray))}))
    s["stream-flate-trailing.pdf"] = mp.serialize(page_with_images(
        {}, content_filter=(b"/FlateDecode", lambda d: zlib.compress(d) + b"\n" + EICAR)))

    rgb = bytes(((x * 8) & 255, (y * 8) & 255, 128)[c] for y in range(32) for x in range(32)
                for c in range(3))
    s["image-codecs.pdf"] = mp.serialize(page_with_images({
        10: image(64, 48, b"/DCTDecode", jpg, cs=b"/DeviceRGB"),
        11: image(64, 48, b"[/FlateDecode /DCTDecode]", zlib.compress(jpg), cs=b"/DeviceRGB"),
        12: image(64, 64, b"/JBIG2Decode", jbig2_white(64, 64), bpc=1),
        13: image(64, 64, b"/CCITTFaxDecode", g4_white(64, 64),
                  b"/DecodeParms << /K -1 /Columns 64 /Rows 64 >>", bpc=1),
        14: image(32, 32, b"/FlateDecode", zlib.compress(png_predicted(32, 32, rgb)),
                  b"/DecodeParms << /Predictor 12 /Colors 3 /Columns 32 >>", cs=b"/DeviceRGB"),
    }, text=b"BT /F1 24 Tf 72 720 Td (Images in every codec) Tj ET\n",
        content_filter=(b"/LZWDecode", lzw)))
    return s


def main():
    os.makedirs(SEEDS, exist_ok=True)
    for name, data in samples().items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        if len(data) < 8192:
            shutil.copy(os.path.join(HERE, name), os.path.join(SEEDS, name))


if __name__ == "__main__":
    main()
