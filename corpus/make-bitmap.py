#!/usr/bin/env python3
"""Make the BMP, TIFF and WebP samples in corpus/bitmap/ and the fuzzing
seeds in corpus/seeds/bitmap/.

BMP and TIFF files are written by hand with struct (no imaging library), so
each sample does exactly what its name says. WebP files are made with
`cwebp -lossless` and `webpmux` from Debian's webp package (lossless, so a
test can compare pixels exactly), from a PNG this script writes.

Benign: BMP 24-bit, 32-bit (BI_BITFIELDS with alpha), 8-bit and 1-bit
palette, top-down; TIFF RGB with an ImageDescription, XMP and an Exif IFD
carrying a marker, and a second page; the RGB TIFF recompressed with LZW,
Deflate, PackBits and JPEG by `tiffcp` (libtiff-tools); WebP lossless, with Exif and XMP.
Hostile: BMP pixel bomb, negative width, INT32_MIN height, truncated
pixels, a palette that runs past the pixels, RLE and embedded PNG
(unsupported), garbage after the image; TIFF declaring 100000x100000;
WebP whose VP8X canvas claims 40000x40000, a truncated WebP; an animated
WebP (img2webp), which is refused as unsupported.

Usage: corpus/make-bitmap.py   (from anywhere; writes next to this script)
"""
import os
import shutil
import struct
import subprocess
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "bitmap")
SEEDS = os.path.join(HERE, "seeds", "bitmap")
MARK = b"MUGAI-META-MARKER<script>alert(1)</script>"


def pixel(x, y):
    """The test pattern every sample carries (RGB)."""
    return ((x * 37 + y * 11) & 255, (x * 5 + y * 53) & 255, (x * y + 90) & 255)


# ---- BMP -----------------------------------------------------------------

def bmp(w, h, bpp=24, top_down=False, compression=0, palette=None, masks=None,
        hdr_size=40, pixels=None, trailer=b"", declared_w=None, declared_h=None):
    rows = []
    stride = ((w * bpp + 31) // 32) * 4
    for y in range(h):
        sy = y if top_down else h - 1 - y
        row = bytearray()
        if bpp == 24:
            for x in range(w):
                r, g, b = pixel(x, sy)
                row += bytes((b, g, r))
        elif bpp == 32:
            for x in range(w):
                r, g, b = pixel(x, sy)
                a = (x * 255) // max(1, w - 1)
                row += struct.pack("<I", (a << 24) | (r << 16) | (g << 8) | b)
        else:
            bits = 0
            nbits = 0
            for x in range(w):
                idx = (x + sy) % (1 << bpp)
                bits = (bits << bpp) | idx
                nbits += bpp
                if nbits == 8:
                    row.append(bits)
                    bits = nbits = 0
            if nbits:
                row.append(bits << (8 - nbits))
        row += b"\0" * (stride - len(row))
        rows.append(bytes(row))
    data = pixels if pixels is not None else b"".join(rows)
    extra = b""
    if masks and hdr_size == 40:
        extra = struct.pack("<III", *masks[:3])
    pal = b""
    if palette:
        pal = b"".join(bytes((b, g, r, 0)) for (r, g, b) in palette)
    off = 14 + hdr_size + len(extra) + len(pal)
    hw = w if declared_w is None else declared_w
    hh = (-h if top_down else h) if declared_h is None else declared_h
    info = struct.pack("<IiiHHIIiiII", hdr_size, hw, hh, 1, bpp, compression, len(data),
                       2835, 2835, len(palette) if palette else 0, 0)
    if hdr_size > 40:
        m = list(masks or (0, 0, 0, 0)) + [0] * 4
        info += struct.pack("<IIII", *m[:4])
        info += b"\0" * (hdr_size - len(info))
    info = info[:hdr_size]
    body = info + extra + pal + data
    head = b"BM" + struct.pack("<IHHI", 14 + len(body), 0, 0, off)
    return head + body + trailer


def palette_of(n):
    return [pixel(i, i * 3) for i in range(n)]


# ---- TIFF ----------------------------------------------------------------

SHORT, LONG, ASCII, BYTE, UNDEFINED = 3, 4, 2, 1, 7
TSIZE = {SHORT: 2, LONG: 4, ASCII: 1, BYTE: 1, UNDEFINED: 1}


def ifd_bytes(entries, at, next_ifd):
    """One IFD at file offset `at`, its out-of-line values right after it."""
    entries = sorted(entries)
    n = len(entries)
    data_at = at + 2 + 12 * n + 4
    head = struct.pack("<H", n)
    data = b""
    for tag, typ, count, value in entries:
        if len(value) <= 4:
            head += struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\0")
        else:
            head += struct.pack("<HHII", tag, typ, count, data_at + len(data))
            data += value
            if len(data) % 2:
                data += b"\0"
    return head + struct.pack("<I", next_ifd) + data


def tiff(pages, meta=False, trailer=b""):
    """pages: list of (declared w, h, pixel bytes RGB)."""
    out = bytearray(b"II*\0" + struct.pack("<I", 0))
    prev_next_pos = 4
    for k, (w, h, pix) in enumerate(pages):
        strip_at = len(out)
        out += pix
        if len(out) % 2:
            out += b"\0"
        entries = [
            (256, LONG, 1, struct.pack("<I", w)),
            (257, LONG, 1, struct.pack("<I", h)),
            (258, SHORT, 3, struct.pack("<HHH", 8, 8, 8)),
            (259, SHORT, 1, struct.pack("<H", 1)),
            (262, SHORT, 1, struct.pack("<H", 2)),
            (273, LONG, 1, struct.pack("<I", strip_at)),
            (277, SHORT, 1, struct.pack("<H", 3)),
            (278, LONG, 1, struct.pack("<I", h)),
            (279, LONG, 1, struct.pack("<I", len(pix))),
            (284, SHORT, 1, struct.pack("<H", 1)),
        ]
        if meta and k == 0:
            desc = b"description " + MARK + b"\0"
            xmp = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>" + MARK + b"</x:xmpmeta>"
            entries.append((270, ASCII, len(desc), desc))
            entries.append((700, BYTE, len(xmp), xmp))
            # The Exif IFD: one UserComment carrying the marker.
            exif_at = len(out)
            comment = b"ASCII\0\0\0" + MARK
            exif = ifd_bytes([(0x9286, UNDEFINED, len(comment), comment)], exif_at, 0)
            out += exif
            if len(out) % 2:
                out += b"\0"
            entries.append((34665, LONG, 1, struct.pack("<I", exif_at)))
        ifd_at = len(out)
        struct.pack_into("<I", out, prev_next_pos, ifd_at)
        blob = ifd_bytes(entries, ifd_at, 0)
        out += blob
        prev_next_pos = ifd_at + 2 + 12 * len(entries)
    return bytes(out) + trailer


def rgb_pixels(w, h, shift=0):
    return b"".join(bytes(pixel(x + shift, y)) for y in range(h) for x in range(w))


# ---- WebP ----------------------------------------------------------------

def png_rgb(w, h, shift=0):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + bytes(c for x in range(w) for c in pixel(x + shift, y)) for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def webp_files(tmp):
    """Returns {name: bytes}; empty when cwebp/webpmux are missing."""
    if not shutil.which("cwebp") or not shutil.which("webpmux"):
        print("cwebp/webpmux not found (Debian package webp): WebP samples not rebuilt")
        return {}
    src = os.path.join(tmp, "src.png")
    with open(src, "wb") as f:
        f.write(png_rgb(40, 24))
    plain = os.path.join(tmp, "plain.webp")
    subprocess.run(["cwebp", "-quiet", "-lossless", "-exact", src, "-o", plain], check=True)
    exif = os.path.join(tmp, "exif.bin")
    with open(exif, "wb") as f:
        f.write(b"Exif\0\0" + MARK)
    xmp = os.path.join(tmp, "xmp.bin")
    with open(xmp, "wb") as f:
        f.write(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>" + MARK + b"</x:xmpmeta>")
    withexif = os.path.join(tmp, "e.webp")
    meta = os.path.join(tmp, "meta.webp")
    subprocess.run(["webpmux", "-set", "exif", exif, plain, "-o", withexif], check=True,
                   capture_output=True)
    subprocess.run(["webpmux", "-set", "xmp", xmp, withexif, "-o", meta], check=True,
                   capture_output=True)
    files = {}
    with open(plain, "rb") as f:
        files["lossless.webp"] = f.read()
    with open(meta, "rb") as f:
        files["meta.webp"] = f.read()
    if shutil.which("img2webp"):
        anim = os.path.join(tmp, "anim.webp")
        src2 = os.path.join(tmp, "src2.png")
        with open(src2, "wb") as f:
            f.write(png_rgb(40, 24, shift=9))
        subprocess.run(["img2webp", "-loop", "0", "-lossless", src, "-d", "100", src2, "-o", anim],
                       check=True, capture_output=True)
        with open(anim, "rb") as f:
            files["animated.webp"] = f.read()
    files["trailing_garbage.webp"] = files["lossless.webp"] + b"PK\x03\x04" + MARK
    files["truncated.webp"] = files["lossless.webp"][:len(files["lossless.webp"]) // 2]
    # VP8X canvas of 40000x40000 around the small lossless bitstream.
    vp8l = files["lossless.webp"][12:]
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\0\0\0\0" + (40000 - 1).to_bytes(3, "little") \
        + (40000 - 1).to_bytes(3, "little")
    body = b"WEBP" + vp8x + vp8l
    files["huge_canvas.webp"] = b"RIFF" + struct.pack("<I", len(body)) + body
    return files


def tiff_codecs(tmp, plain):
    """rgb.tif recompressed by tiffcp (libtiff-tools): the codecs libtiff runs in the worker."""
    if not shutil.which("tiffcp"):
        print("tiffcp not found (Debian package libtiff-tools): compressed TIFFs not rebuilt")
        return {}
    src = os.path.join(tmp, "rgb.tif")
    with open(src, "wb") as f:
        f.write(plain)
    files = {}
    for codec, name in (("lzw", "rgb_lzw.tif"), ("zip", "rgb_deflate.tif"),
                        ("packbits", "rgb_packbits.tif"), ("jpeg", "rgb_jpeg.tif")):
        dst = os.path.join(tmp, name)
        subprocess.run(["tiffcp", "-c", codec, src, dst], check=True, capture_output=True)
        with open(dst, "rb") as f:
            files[name] = f.read()
    return files


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(SEEDS, exist_ok=True)
    files = {}
    # Benign BMP.
    files["rgb24.bmp"] = bmp(13, 7)
    files["rgb24_topdown.bmp"] = bmp(9, 5, top_down=True)
    files["pal8.bmp"] = bmp(11, 6, bpp=8, palette=palette_of(256))
    files["pal4.bmp"] = bmp(7, 3, bpp=4, palette=palette_of(16))
    files["pal1.bmp"] = bmp(19, 4, bpp=1, palette=[(0, 0, 0), (255, 255, 255)])
    files["rgba32_v5.bmp"] = bmp(10, 6, bpp=32, compression=3, hdr_size=124,
                                 masks=(0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000))
    files["rgb32_bitfields.bmp"] = bmp(6, 4, bpp=32, compression=3,
                                      masks=(0x00FF0000, 0x0000FF00, 0x000000FF))
    files["rgb32.bmp"] = bmp(8, 3, bpp=32)
    # Hostile BMP.
    files["trailing_garbage.bmp"] = bmp(5, 5, trailer=b"PK\x03\x04" + MARK)
    files["bomb.bmp"] = bmp(4, 4, declared_w=50000, declared_h=50000)
    files["bomb_pixels.bmp"] = bmp(4, 4, declared_w=29000, declared_h=29000)
    files["negative_width.bmp"] = bmp(4, 4, declared_w=-4)
    files["int32min_height.bmp"] = bmp(4, 4, declared_h=-2**31)
    files["truncated.bmp"] = bmp(64, 64)[:2000]
    files["palette_overrun.bmp"] = bmp(4, 4, bpp=8, palette=palette_of(256))[:14 + 40 + 500]
    files["rle8.bmp"] = bmp(4, 4, bpp=8, compression=1, palette=palette_of(256), pixels=b"\0\1")
    files["embedded_png.bmp"] = bmp(4, 4, bpp=0, compression=5,
                                    pixels=png_rgb(4, 4))
    # TIFF.
    files["rgb.tif"] = tiff([(12, 9, rgb_pixels(12, 9))])
    files["meta_2pages.tif"] = tiff([(12, 9, rgb_pixels(12, 9)), (5, 5, rgb_pixels(5, 5, 7))],
                                    meta=True)
    files["huge.tif"] = tiff([(100000, 100000, rgb_pixels(8, 8))])
    files["truncated.tif"] = tiff([(64, 64, rgb_pixels(64, 64))])[:3000]
    with tempfile.TemporaryDirectory() as tmp:
        files.update(webp_files(tmp))
        files.update(tiff_codecs(tmp, files["rgb.tif"]))
    for name, data in sorted(files.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    # Seeds: the small ones, each format and each branch.
    for name in ("rgb24.bmp", "pal8.bmp", "pal1.bmp", "rgba32_v5.bmp", "rgb32.bmp",
                 "rgb.tif", "meta_2pages.tif", "rgb_lzw.tif", "rgb_jpeg.tif", "lossless.webp", "meta.webp"):
        if name in files:
            with open(os.path.join(SEEDS, name), "wb") as f:
                f.write(files[name])
    print(f"wrote {len(files)} samples to {OUT}")


if __name__ == "__main__":
    main()
