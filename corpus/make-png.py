#!/usr/bin/env python3
"""Make the PNG samples in corpus/png/ and the fuzzing seeds in corpus/seeds/png/.

Every file is written by hand with zlib and struct (no imaging library), so
the samples do exactly what their name says: benign images in each colour
type and bit depth, and hostile variants (text chunks carrying "<script>",
Exif, private chunks, a ZIP appended after IEND, a bad CRC, a truncated
IDAT, absurd dimensions, an APNG).

Usage: corpus/make-png.py   (from anywhere; writes next to this script)
"""
import io
import os
import struct
import zipfile

import corpuslib
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "png")
SEEDS = os.path.join(HERE, "seeds", "png")
SIG = b"\x89PNG\r\n\x1a\n"
SCRIPT = b"<script>alert('png')</script>"


def chunk(ctype, data, crc=None):
    if crc is None:
        crc = zlib.crc32(ctype + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", crc)


def ihdr(w, h, depth, ctype, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace))


def channels(ctype):
    return {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_rows(rows, bpp):
    """Filter each row with a different filter type (0..4, cycling), so the
    decoder's unfiltering is exercised and the output must match exactly."""
    out = bytearray()
    prev = bytes(len(rows[0])) if rows else b""
    for y, row in enumerate(rows):
        ft = y % 5
        out.append(ft)
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][ft]
            out.append((x - pred) & 0xFF)
        prev = row
    return bytes(out)


def pack_row(samples, depth):
    """Pack one row of samples (ints) at the given bit depth."""
    if depth == 8:
        return bytes(samples)
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    out = bytearray()
    per = 8 // depth
    for i in range(0, len(samples), per):
        byte = 0
        group = samples[i:i + per]
        for j, s in enumerate(group):
            byte |= s << (8 - depth * (j + 1))
        out.append(byte)
    return bytes(out)


def image_samples(w, h, depth, ctype, seed=0):
    """Deterministic, non-trivial pixel samples, one list per row."""
    maxv = (1 << depth) - 1
    n = channels(ctype)
    rows = []
    for y in range(h):
        row = []
        for x in range(w):
            for c in range(n):
                v = (x * 37 + y * 91 + c * 53 + seed * 17 + (x * y) % 13) * 2654435761
                row.append((v >> 7) % (maxv + 1))
        rows.append(row)
    return rows


def idat_data(w, h, depth, ctype, seed=0, interlace=0):
    samples = image_samples(w, h, depth, ctype, seed)
    n = channels(ctype)
    bpp = max(1, n * depth // 8)
    if not interlace:
        rows = [pack_row(r, depth) for r in samples]
        return zlib.compress(filter_rows(rows, bpp), 9)
    # Adam7: each pass is a small image of its own, filtered separately.
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
              (0, 1, 1, 2)]
    raw = bytearray()
    for x0, y0, dx, dy in passes:
        rows = []
        for y in range(y0, h, dy):
            row = []
            for x in range(x0, w, dx):
                row.extend(samples[y][x * n:(x + 1) * n])
            if row:
                rows.append(pack_row(row, depth))
        if rows:
            raw += filter_rows(rows, bpp)
    return zlib.compress(bytes(raw), 9)


def png(w, h, depth, ctype, before=(), after=(), interlace=0, seed=0, plte=None, idat=None):
    data = idat if idat is not None else idat_data(w, h, depth, ctype, seed, interlace)
    out = SIG + ihdr(w, h, depth, ctype, interlace)
    if plte is not None:
        out += chunk(b"PLTE", plte)
    for c in before:
        out += c
    # Two IDAT chunks: decoders must join them.
    half = len(data) // 2
    out += chunk(b"IDAT", data[:half]) + chunk(b"IDAT", data[half:])
    for c in after:
        out += c
    return out + chunk(b"IEND", b"")


def palette(n):
    return b"".join(bytes(((i * 67) & 0xFF, (i * 131 + 40) & 0xFF, (255 - i * 29) & 0xFF))
                    for i in range(n))


def minimal_icc():
    """A small, well-formed ICC v2 display profile with one tag (the media
    white point): enough for libpng's checks, so keep_icc has something to
    keep."""
    size = 128 + 4 + 12 + 20
    body = bytearray(size)
    struct.pack_into(">I", body, 0, size)            # profile size
    struct.pack_into(">I", body, 8, 0x02100000)      # version 2.1
    body[12:16] = b"mntr"                            # display device class
    body[16:20] = b"RGB "                            # data colour space
    body[20:24] = b"XYZ "                            # profile connection space
    struct.pack_into(">HHHHHH", body, 24, 2024, 1, 1, 0, 0, 0)
    body[36:40] = b"acsp"
    struct.pack_into(">iii", body, 68, 0x0000F6D6, 0x00010000, 0x0000D32D)  # D50
    struct.pack_into(">I", body, 128, 1)             # tag count
    struct.pack_into(">4sII", body, 132, b"wtpt", 144, 20)
    struct.pack_into(">4sIiii", body, 144, b"XYZ ", 0, 0x0000F6D6, 0x00010000, 0x0000D32D)
    return bytes(body)


def tiny_zip():
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("payload/run.js", "WScript.Shell.Run('calc');\n")
    return b.getvalue()


def samples():
    s = {}
    # ---- benign ----
    s["rgb8.png"] = png(48, 32, 8, 2)
    s["rgba8.png"] = png(40, 30, 8, 6, seed=1)
    pal = palette(16)
    trns = bytes(range(0, 256, 32))  # alpha for the first 8 entries
    s["palette4_trns.png"] = png(37, 21, 4, 3, plte=pal, before=[chunk(b"tRNS", trns)], seed=2)
    s["palette1.png"] = png(29, 11, 1, 3, plte=palette(2), seed=3)
    s["gray16.png"] = png(33, 17, 16, 0, seed=4)
    s["gray2.png"] = png(19, 9, 2, 0, seed=5)
    s["graya8.png"] = png(25, 19, 8, 4, seed=6)
    s["rgba16.png"] = png(21, 13, 16, 6, seed=7)
    s["gray8_trns.png"] = png(16, 16, 8, 0, before=[chunk(b"tRNS", struct.pack(">H", 7))], seed=8)
    s["interlaced_rgb8.png"] = png(35, 29, 8, 2, interlace=1, seed=9)
    s["interlaced_gray1.png"] = png(23, 14, 1, 0, interlace=1, seed=10)
    srgb_chrm = struct.pack(">8I", 31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000)
    s["meta_allowed.png"] = png(24, 24, 8, 2, seed=11, before=[
        chunk(b"sRGB", b"\x00"),
        chunk(b"gAMA", struct.pack(">I", 45455)),
        chunk(b"cHRM", srgb_chrm),
        chunk(b"sBIT", b"\x05\x06\x05"),
        chunk(b"pHYs", struct.pack(">IIB", 3780, 3780, 1)),
        chunk(b"bKGD", struct.pack(">HHH", 10, 20, 30)),
    ])
    icc = minimal_icc()
    # Stored, not deflated: libpng ignores an iCCP chunk shorter than 92 bytes.
    s["iccp.png"] = png(20, 20, 8, 2, seed=12, before=[
        chunk(b"iCCP", b"test profile\x00\x00" + zlib.compress(icc, 0))])

    # ---- hostile: dropped, file released ----
    itxt = b"Description\x00\x00\x00en\x00Description\x00" + SCRIPT
    s["text_script.png"] = png(32, 32, 8, 2, seed=13, before=[
        chunk(b"tEXt", b"Comment\x00" + SCRIPT),
        chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(SCRIPT * 4)),
        chunk(b"iTXt", itxt),
    ], after=[chunk(b"tEXt", b"Author\x00TEXT-AFTER-IDAT " + SCRIPT)])
    exif = b"MM\x00\x2a\x00\x00\x00\x08\x00\x00" + b"EXIF-PAYLOAD " + SCRIPT
    s["exif.png"] = png(24, 16, 8, 6, seed=14, before=[chunk(b"eXIf", exif),
                                                        chunk(b"tIME", b"\x07\xe8\x01\x02\x03\x04\x05")])
    s["private_chunk.png"] = png(24, 16, 8, 2, seed=15, before=[
        chunk(b"puNK", b"PRIVATE-PAYLOAD " + SCRIPT)], after=[chunk(b"zzZz", b"\x00" * 64)])
    s["polyglot_zip.png"] = png(30, 20, 8, 2, seed=16) + tiny_zip()
    s["trailing_garbage.png"] = png(10, 10, 8, 0, seed=17) + b"TRAILING-PAYLOAD " + SCRIPT
    # APNG: acTL, fcTL before IDAT (default image is frame 0), then fcTL + fdAT.
    w, h = 20, 20
    fctl0 = struct.pack(">IIIIIHHBB", 0, w, h, 0, 0, 1, 10, 0, 0)
    fctl1 = struct.pack(">IIIIIHHBB", 2, w, h, 0, 0, 1, 10, 0, 0)
    fdat = struct.pack(">I", 3) + idat_data(w, h, 8, 6, seed=99)
    s["apng.png"] = png(w, h, 8, 6, seed=18, before=[
        chunk(b"acTL", struct.pack(">II", 2, 0)), chunk(b"fcTL", fctl0)],
        after=[chunk(b"fcTL", fctl1), chunk(b"fdAT", fdat)])

    # ---- hostile: blocked ----
    good = chunk(b"tEXt", b"Comment\x00hello")
    bad = good[:-4] + struct.pack(">I", (struct.unpack(">I", good[-4:])[0] ^ 0x1) & 0xFFFFFFFF)
    s["badcrc_ancillary.png"] = png(16, 16, 8, 2, seed=19, before=[bad])
    full = idat_data(40, 40, 8, 2, seed=20)
    s["truncated_idat.png"] = png(40, 40, 8, 2, idat=full[:len(full) // 3])
    whole = png(40, 40, 8, 2, seed=21)
    s["truncated_file.png"] = whole[:len(whole) - 40]
    tiny = zlib.compress(b"\x00" * 16)
    s["huge_ihdr.png"] = png(100000, 100000, 8, 2, idat=tiny)
    s["huge_pixels.png"] = png(15000, 15000, 8, 0, idat=tiny)
    s["critical_unknown.png"] = png(8, 8, 8, 2, seed=22, before=[chunk(b"CRIT", b"x" * 8)])
    s["no_iend.png"] = png(8, 8, 8, 2, seed=23)[:-12]
    return s


def main():
    corpuslib.write_samples(samples(), OUT, SEEDS, lambda name, data: len(data) < 10 * 1024, verbose=True)


if __name__ == "__main__":
    main()
