#!/usr/bin/env python3
"""Make the GIF samples in corpus/gif/ and the fuzzing seeds in corpus/seeds/gif/.

Every file is written by hand, including the LZW compression, so the samples
do exactly what their name says: static, animated (NETSCAPE2.0 loop,
graphic control extensions, a local colour table), interlaced, and hostile
variants (comment and plain-text extensions carrying "<script>", XMP and
other application extensions, a ZIP after the trailer (GIFAR), a frame
outside the logical screen, a truncated raster, too many frames).

Usage: corpus/make-gif.py   (from anywhere; writes next to this script)
"""
import io
import os
import struct
import zipfile

import corpuslib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "gif")
SEEDS = os.path.join(HERE, "seeds", "gif")
SCRIPT = b"<script>alert('gif')</script>"


class BitWriter:
    """LSB-first bit packing, as GIF's LZW stream wants it."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def write(self, code, size):
        self.acc |= code << self.n
        self.n += size
        while self.n >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.n -= 8

    def flush(self):
        if self.n:
            self.out.append(self.acc & 0xFF)
        return bytes(self.out)


def lzw_encode(indices, min_size):
    """Variable-width LZW as GIF defines it: a clear code first, the code
    width grows when the last assigned code needs one more bit, and a clear
    code restarts the table before it fills up."""
    clear = 1 << min_size
    eoi = clear + 1
    bits = BitWriter()

    def fresh():
        return {bytes([i]): i for i in range(clear)}, eoi + 1, min_size + 1

    table, nxt, size = fresh()
    bits.write(clear, size)
    w = b""
    for px in indices:
        wc = w + bytes([px])
        if wc in table:
            w = wc
            continue
        bits.write(table[w], size)
        table[wc] = nxt
        nxt += 1
        if nxt > (1 << size) and size < 12:
            size += 1
        if nxt >= 4094:
            bits.write(clear, size)
            table, nxt, size = fresh()
        w = bytes([px])
    if w:
        bits.write(table[w], size)
    bits.write(eoi, size)
    return bits.flush()


def subblocks(data):
    out = bytearray()
    for i in range(0, len(data), 255):
        part = data[i:i + 255]
        out.append(len(part))
        out += part
    return bytes(out) + b"\x00"


def colour_table(n, seed=0):
    return b"".join(bytes(((i * 53 + seed * 7) & 0xFF, (i * 97 + 11 + seed) & 0xFF,
                           (255 - i * 31 - seed) & 0xFF)) for i in range(n))


def table_bits(n):
    bits = 1
    while (1 << bits) < n:
        bits += 1
    return bits


def pixels(w, h, ncolours, seed=0):
    """Rows of colour indices with runs and repeats, so LZW has work to do."""
    return [[((x // 3) + (y // 2) * 5 + (x * y + seed) % 7 + seed) % ncolours for x in range(w)]
            for y in range(h)]


def interlace_order(h):
    return (list(range(0, h, 8)) + list(range(4, h, 8)) + list(range(2, h, 4)) +
            list(range(1, h, 2)))


def image(left, top, rows, ncolours, lct=None, interlace=False, data=None):
    h, w = len(rows), len(rows[0])
    min_size = max(2, table_bits(ncolours))
    flags = 0
    if lct is not None:
        flags |= 0x80 | (table_bits(len(lct) // 3) - 1)
    if interlace:
        flags |= 0x40
    order = interlace_order(h) if interlace else range(h)
    flat = [px for y in order for px in rows[y]]
    if data is None:
        data = subblocks(lzw_encode(flat, min_size))
    return (b"," + struct.pack("<HHHHB", left, top, w, h, flags) + (lct or b"") +
            bytes([min_size]) + data)


def gif(w, h, gct, blocks, trailer=True):
    flags = 0
    if gct is not None:
        flags = 0x80 | 0x70 | (table_bits(len(gct) // 3) - 1)
    out = b"GIF89a" + struct.pack("<HHBBB", w, h, flags, 0, 0) + (gct or b"")
    return out + b"".join(blocks) + (b";" if trailer else b"")


def gce(delay, transparent=None, disposal=0):
    flags = (disposal & 7) << 2 | (1 if transparent is not None else 0)
    return b"!\xf9\x04" + bytes([flags]) + struct.pack("<H", delay) + \
        bytes([transparent or 0]) + b"\x00"


def loop_ext(loops, ident=b"NETSCAPE2.0"):
    return b"!\xff\x0b" + ident + b"\x03\x01" + struct.pack("<H", loops) + b"\x00"


def app_ext(ident, data):
    assert len(ident) == 11
    return b"!\xff\x0b" + ident + subblocks(data)


def comment(text):
    return b"!\xfe" + subblocks(text)


def plain_text(text):
    grid = struct.pack("<HHHHBBBB", 0, 0, 64, 16, 8, 16, 1, 0)
    return b"!\x01" + bytes([len(grid)]) + grid + subblocks(text)


def tiny_zip():
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: Evil\n")
    return b.getvalue()


def static(w=40, h=30, n=16, seed=0, extra=(), after=()):
    gct = colour_table(n, seed)
    return gif(w, h, gct, list(extra) + [image(0, 0, pixels(w, h, n, seed), n)] + list(after))


def samples():
    s = {}
    # ---- benign ----
    s["static.gif"] = static()
    s["static_2colour.gif"] = static(17, 9, 2, seed=1)
    gct8 = colour_table(8, 2)
    lct4 = colour_table(4, 9)
    s["anim_loop.gif"] = gif(32, 32, gct8, [
        loop_ext(0),
        gce(10, disposal=1), image(0, 0, pixels(32, 32, 8, 3), 8),
        gce(20, transparent=3, disposal=2), image(8, 8, pixels(16, 16, 4, 4), 4, lct=lct4),
        gce(30, transparent=0), image(0, 0, pixels(32, 32, 8, 5), 8),
    ])
    s["animexts.gif"] = gif(16, 16, gct8, [
        loop_ext(3, b"ANIMEXTS1.0"),
        gce(5), image(0, 0, pixels(16, 16, 8, 6), 8),
        gce(5), image(4, 4, pixels(8, 8, 8, 7), 8),
    ])
    s["interlaced.gif"] = gif(37, 23, colour_table(32, 3),
                              [image(0, 0, pixels(37, 23, 32, 8), 32, interlace=True)])
    s["local_only.gif"] = gif(12, 10, None,
                              [image(0, 0, pixels(12, 10, 64, 9), 64, lct=colour_table(64, 4))])
    # Enough pixels that the LZW table fills and restarts.
    s["lzw_fulltable.gif"] = static(90, 70, 256, seed=10)

    # ---- hostile: dropped, file released ----
    s["comment_script.gif"] = static(seed=11, extra=[comment(b"COMMENT-PAYLOAD " + SCRIPT)],
                                     after=[comment(b"late comment " + SCRIPT)])
    s["plaintext.gif"] = static(seed=12, extra=[gce(0, transparent=1),
                                                plain_text(b"PLAINTEXT-PAYLOAD " + SCRIPT)])
    xmp = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
           b"XMP-PAYLOAD " + SCRIPT + b"</x:xmpmeta><?xpacket end=\"w\"?>")
    s["xmp.gif"] = static(seed=13, extra=[app_ext(b"XMP DataXMP", xmp)])
    s["icc_app.gif"] = static(seed=14, extra=[app_ext(b"ICCRGBG1012", b"ICC-PAYLOAD" * 20)])
    s["unknown_ext.gif"] = static(seed=15, extra=[b"!\x99" + subblocks(b"UNKNOWN-PAYLOAD")])
    s["netscape_bad.gif"] = static(seed=16, extra=[app_ext(b"NETSCAPE2.0",
                                                           b"\x01\x00\x00NETSCAPE-PAYLOAD")])
    s["gifar.gif"] = static(seed=17) + tiny_zip()

    # ---- hostile: blocked ----
    s["frame_too_big.gif"] = gif(20, 20, colour_table(4), [image(0, 0, pixels(40, 40, 4), 4)])
    s["frame_offset_out.gif"] = gif(20, 20, colour_table(4),
                                    [image(15, 15, pixels(10, 10, 4), 4)])
    whole = static(seed=18)
    s["truncated_raster.gif"] = whole[:len(whole) * 2 // 3]
    # The LZW stream ends (end code, block terminator) before all pixels came.
    rows = pixels(30, 30, 16, 19)
    short = subblocks(lzw_encode([px for r in rows[:10] for px in r], 4))
    s["lzw_short.gif"] = gif(30, 30, colour_table(16), [image(0, 0, rows, 16, data=short)])
    s["no_trailer.gif"] = gif(10, 10, colour_table(4), [image(0, 0, pixels(10, 10, 4), 4)],
                              trailer=False)
    s["many_frames.gif"] = gif(8, 8, colour_table(4), [loop_ext(0)] + [
        gce(2) + image(0, 0, pixels(8, 8, 4, i), 4) for i in range(12)])
    s["huge_screen.gif"] = gif(65535, 65535, colour_table(4), [image(0, 0, [[1]], 4)])
    s["no_colour_table.gif"] = gif(8, 8, None, [image(0, 0, pixels(8, 8, 4), 4)])
    s["no_image.gif"] = gif(8, 8, colour_table(4), [comment(b"nothing to see")])
    return s


def main():
    corpuslib.write_samples(samples(), OUT, SEEDS, lambda name, data: len(data) < 10 * 1024, verbose=True)


if __name__ == "__main__":
    main()
