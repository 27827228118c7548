#!/usr/bin/env python3
"""End-to-end: BMP, TIFF and WebP through the mugai binary come out as PNG.

Each output is read with a PNG decoder written here (zlib and struct only):
only IHDR/PLTE/tRNS/IDAT/IEND chunks, nothing after IEND, the input's
dimensions and the input's pixels. The inputs are decoded independently:
BMP and the uncompressed TIFF samples by small readers in this file, WebP by
`dwebp -pam` (Debian's webp package). Hostile samples must be blocked with
the right reason, and no metadata marker may survive.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mugaitest as mt  # noqa: E402

t = mt.Checker("bitmap")
SRC = os.path.join(mt.CORPUS, "bitmap")
MARK = b"MUGAI-META-MARKER"
ALLOWED = {"IHDR", "PLTE", "tRNS", "IDAT", "IEND"}


def png_decode(data):
    """(width, height, rows of (r, g, b, a)) for 8-bit RGB/RGBA, non-interlaced."""
    chunks, trailing = mt.png_chunks(data)
    ihdr = chunks[0][1]
    w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", ihdr)
    assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(d for n, d in chunks if n == "IDAT"))
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    pos = 0
    for _ in range(h):
        f = raw[pos]
        cur = bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                cur[i] = (cur[i] + a) & 255
            elif f == 2:
                cur[i] = (cur[i] + b) & 255
            elif f == 3:
                cur[i] = (cur[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(cur[x * bpp:x * bpp + 3]) + ((cur[x * bpp + 3],) if bpp == 4 else (255,))
                     for x in range(w)])
        prev = cur
    return w, h, rows, chunks, trailing


def bmp_decode(data):
    """Independent reader for the corpus BMPs: (w, h, rows of (r, g, b, a))."""
    off, = struct.unpack_from("<I", data, 10)
    hs, w, h, _, bpp, comp = struct.unpack_from("<IiiHHI", data, 14)
    ncol, = struct.unpack_from("<I", data, 46)
    top_down = h < 0
    h = abs(h)
    stride = ((w * bpp + 31) // 32) * 4
    pal_at = 14 + hs
    masks = None
    if comp == 3:
        if hs == 40:
            masks = struct.unpack_from("<III", data, 54) + (0,)
        else:
            masks = struct.unpack_from("<IIII", data, 54)
    rows = []
    for y in range(h):
        sy = y if top_down else h - 1 - y
        row = data[off + sy * stride:off + (sy + 1) * stride]
        px = []
        for x in range(w):
            if bpp <= 8:
                bit = x * bpp
                idx = (row[bit // 8] >> (8 - bpp - bit % 8)) & ((1 << bpp) - 1)
                b, g, r = data[pal_at + 4 * idx:pal_at + 4 * idx + 3]
                px.append((r, g, b, 255))
            elif bpp == 24:
                b, g, r = row[3 * x:3 * x + 3]
                px.append((r, g, b, 255))
            else:
                v, = struct.unpack_from("<I", row, 4 * x)
                if masks:
                    def ch(m):
                        if not m:
                            return 255
                        s = (m & -m).bit_length() - 1
                        mx = m >> s
                        return ((v & m) >> s) * 255 // mx
                    px.append(tuple(ch(m) for m in masks))
                else:
                    px.append(((v >> 16) & 255, (v >> 8) & 255, v & 255, 255))
        rows.append(px)
    return w, h, rows


def tiff_decode(data):
    """Independent reader for the corpus TIFFs (little-endian, one uncompressed RGB strip)."""
    ifd, = struct.unpack_from("<I", data, 4)
    n, = struct.unpack_from("<H", data, ifd)
    tags = {}
    for k in range(n):
        tag, typ, cnt, val = struct.unpack_from("<HHII", data, ifd + 2 + 12 * k)
        if typ == 3 and cnt == 1:
            val &= 0xFFFF
        tags[tag] = val
    w, h, strip = tags[256], tags[257], tags[273]
    rows = [[tuple(data[strip + 3 * (y * w + x):strip + 3 * (y * w + x) + 3]) + (255,)
             for x in range(w)] for y in range(h)]
    return w, h, rows


def pam_decode(data):
    head, _, body = data.partition(b"ENDHDR\n")
    fields = dict(line.split(b" ", 1) for line in head.splitlines()[1:] if b" " in line)
    w, h, d = int(fields[b"WIDTH"]), int(fields[b"HEIGHT"]), int(fields[b"DEPTH"])
    rows = []
    for y in range(h):
        rows.append([tuple(body[(y * w + x) * d:(y * w + x) * d + d]) + ((255,) if d == 3 else ())
                     for x in range(w)])
    return w, h, rows


def check_png(name, out, want):
    w, h, rows = want
    ow, oh, orows, chunks, trailing = png_decode(out)
    kinds = {n for n, _ in chunks}
    t.check(kinds <= ALLOWED, f"{name}: only pixel chunks in the output {sorted(kinds)}")
    t.check(trailing == 0, f"{name}: nothing after IEND ({trailing} bytes)")
    t.check((ow, oh) == (w, h), f"{name}: dimensions {ow}x{oh} == input {w}x{h}")
    t.check(orows == rows, f"{name}: every pixel equal to the input's")
    t.check(MARK not in out, f"{name}: no metadata marker in the output")


def sanitize(names, *extra):
    return mt.run([os.path.join(SRC, n) for n in names], *extra)


def by_input(r):
    return {os.path.basename(rep["input"]): rep for rep in r.reports}


# --- benign BMP: pixels equal to the input's, decoded here -------------------
bmps = ["rgb24.bmp", "rgb24_topdown.bmp", "pal8.bmp", "pal4.bmp", "pal1.bmp", "rgba32_v5.bmp",
        "rgb32_bitfields.bmp", "rgb32.bmp", "trailing_garbage.bmp"]
r = sanitize(bmps)
reps = by_input(r)
t.check(r.code == 0, f"benign BMPs: exit 0 ({r.code}) {r.stderr[-300:]}")
for n in bmps:
    rep = reps.get(n, {})
    t.check(rep.get("verdict") == "sanitized" and rep.get("output_type") == "png",
            f"{n}: sanitized to PNG ({rep.get('verdict')}, {rep.get('output_type')})")
    outname = n[:-4] + ".png"
    t.check(outname in r.outputs(), f"{n}: released as {outname} ({r.outputs()})")
    if outname in r.outputs():
        with open(os.path.join(SRC, n), "rb") as f:
            src = f.read()
        with open(os.path.join(r.outdir, outname), "rb") as f:
            check_png(n, f.read(), bmp_decode(src))
acts = reps.get("trailing_garbage.bmp", {}).get("report", {}).get("actions", [])
t.check(any(a["action"] == "removed" and "after the bitmap" in a["what"] for a in acts),
        "trailing_garbage.bmp: removal of the appended data reported")
with open(os.path.join(r.outdir, "rgba32_v5.png"), "rb") as f:
    t.check(f.read()[25] == 6, "rgba32_v5.bmp: alpha channel kept (RGBA PNG)")

# --- TIFF: first page, no tags, report says what went --------------------------
r = sanitize(["rgb.tif", "meta_2pages.tif"])
reps = by_input(r)
t.check(r.code == 0 and r.outputs() == ["meta_2pages.png", "rgb.png"],
        f"TIFFs released as PNG: {r.outputs()} {r.stderr[-300:]}")
for n in ("rgb.tif", "meta_2pages.tif"):
    with open(os.path.join(SRC, n), "rb") as f:
        src = f.read()
    p = os.path.join(r.outdir, n[:-4] + ".png")
    if os.path.exists(p):
        with open(p, "rb") as f:
            check_png(n, f.read(), tiff_decode(src))
acts = reps.get("meta_2pages.tif", {}).get("report", {}).get("actions", [])
whats = " | ".join(a["what"] for a in acts)
t.check("TIFF pages after the first (1)" in whats, f"second page reported as removed: {whats}")
t.check("Exif" in whats and "XMP" in whats, f"Exif and XMP reported as removed: {whats}")
# Compressed by tiffcp: the same pixels as rgb.tif (JPEG: lossy, dimensions only).
codecs = ["rgb_lzw.tif", "rgb_deflate.tif", "rgb_packbits.tif", "rgb_jpeg.tif"]
r = sanitize(codecs)
t.check(r.code == 0 and len(r.outputs()) == 4, f"compressed TIFFs released: {r.outputs()} {r.stderr[-300:]}")
with open(os.path.join(SRC, "rgb.tif"), "rb") as f:
    plain = tiff_decode(f.read())
for n in codecs:
    p = os.path.join(r.outdir, n[:-4] + ".png")
    if not os.path.exists(p):
        continue
    with open(p, "rb") as f:
        out = f.read()
    if n == "rgb_jpeg.tif":
        w, h, _, _, _ = png_decode(out)
        t.check((w, h) == plain[:2], f"{n}: dimensions {w}x{h}")
    else:
        check_png(n, out, plain)
if shutil.which("tiffinfo"):
    info = subprocess.run(["tiffinfo", os.path.join(SRC, "meta_2pages.tif")],
                          capture_output=True).stdout
    t.check(info.count(b"TIFF Directory at") >= 3 and MARK in info,
            "tiffinfo: the input really has two pages, Exif and the marker")

# --- WebP: pixels compared with dwebp's ------------------------------------------
webps = ["lossless.webp", "meta.webp", "trailing_garbage.webp"]
r = sanitize(webps)
reps = by_input(r)
t.check(r.code == 0, f"WebPs: exit 0 ({r.code}) {r.stderr[-300:]}")
work = tempfile.mkdtemp(prefix="mugai-bitmap-")
for n in webps:
    p = os.path.join(r.outdir, n[:-5] + ".png")
    t.check(os.path.exists(p), f"{n}: released as PNG")
    if not os.path.exists(p):
        continue
    with open(p, "rb") as f:
        out = f.read()
    if shutil.which("dwebp"):
        pam = os.path.join(work, n + ".pam")
        subprocess.run(["dwebp", "-quiet", os.path.join(SRC, n), "-pam", "-o", pam], check=True)
        with open(pam, "rb") as f:
            check_png(n, out, pam_decode(f.read()))
    else:
        t.check(MARK not in out, f"{n}: no metadata marker in the output")
whats = " | ".join(a["what"] for a in reps.get("meta.webp", {}).get("report", {}).get("actions", []))
t.check("Exif" in whats and "XMP" in whats, f"meta.webp: Exif and XMP reported removed: {whats}")
with open(os.path.join(SRC, "meta.webp"), "rb") as f:
    t.check(MARK in f.read(), "meta.webp really carries the marker")

# --- hostile: blocked with the right reason ----------------------------------------
hostile = {"bomb.bmp": "limit", "bomb_pixels.bmp": "limit", "negative_width.bmp": "parse-error",
           "int32min_height.bmp": "parse-error", "truncated.bmp": "parse-error",
           "palette_overrun.bmp": "parse-error", "rle8.bmp": "unsupported",
           "embedded_png.bmp": "unsupported", "huge.tif": "limit",
           "truncated.tif": "parse-error", "truncated.webp": "parse-error",
           "huge_canvas.webp": ("limit", "parse-error"), "animated.webp": "unsupported"}
r = sanitize(sorted(hostile))
t.check(r.code == 1 and r.outputs() == [], f"hostile: nothing released {r.outputs()}")
reps = by_input(r)
for n, want in hostile.items():
    got = reps.get(n, {}).get("reason_code")
    ok = got in want if isinstance(want, tuple) else got == want
    t.check(ok and reps[n]["verdict"] == "blocked", f"{n}: blocked as {want} ({got})")

# --- the policy's caps apply to WebP and TIFF as they do to PNG ----------------------
pol = mt.write(work, "small.conf", b"[limits]\nmax_dimension = 32\n")
r = sanitize(["lossless.webp", "rgb.tif", "rgb24.bmp"], "--policy", pol)
reps = by_input(r)
t.check(reps.get("lossless.webp", {}).get("reason_code") == "limit",
        "40x24 WebP over max_dimension 32: limit")
t.check(reps.get("rgb.tif", {}).get("verdict") == "sanitized", "12x9 TIFF under the cap passes")
pol = mt.write(work, "pixels.conf", b"[limits]\nmax_pixels = 100\n")
r = sanitize(["rgb.tif", "rgb24.bmp", "pal1.bmp"], "--policy", pol)
reps = by_input(r)
t.check(reps.get("rgb.tif", {}).get("reason_code") == "limit", "108-pixel TIFF over max_pixels 100")
t.check(reps.get("rgb24.bmp", {}).get("verdict") == "sanitized", "91-pixel BMP under max_pixels")

# --- a name that claims another type takes .png --------------------------------------
with open(os.path.join(SRC, "rgb24.bmp"), "rb") as f:
    p = mt.write(work, "holiday.jpg", f.read())
r = mt.run([p])
t.check(r.outputs() == ["holiday.png"], f"a BMP named .jpg comes out as .png: {r.outputs()}")

t.done()
