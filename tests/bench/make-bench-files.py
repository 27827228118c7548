"""Make the benchmark inputs: photo-sized JPEGs with EXIF and a comment,
PNGs with text chunks, and 1000 small mixed files."""
import os
import random
import struct
import subprocess
import sys
import zlib

out = sys.argv[1]
rnd = random.Random(42)
for d in ("jpeg", "png", "small"):
    os.makedirs(os.path.join(out, d), exist_ok=True)


def ppm(w, h, seed):
    r = random.Random(seed)
    noise = bytes(r.getrandbits(8) for _ in range(4096))
    rows = []
    for y in range(h):
        row = bytearray(w * 3)
        for x in range(w):
            n = noise[(x * 7 + y * 13) & 4095] >> 3
            row[3 * x] = (x * 255 // w + n) & 255
            row[3 * x + 1] = (y * 255 // h + n) & 255
            row[3 * x + 2] = ((x + y) & 255) ^ n
        rows.append(bytes(row))
    return b"P6\n%d %d\n255\n" % (w, h) + b"".join(rows)


def with_exif(jpg):
    exif = b"Exif\0\0" + b"MM\0*\0\0\0\x08" + bytes(2000)
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    com = b"\xff\xfe" + struct.pack(">H", 42) + b"x" * 40
    return jpg[:2] + app1 + com + jpg[2:]


base = ppm(1600, 1200, 1)
for i in range(40):
    jpg = subprocess.run(["cjpeg", "-quality", str(70 + i % 25)], input=base,
                         capture_output=True, check=True).stdout
    open(os.path.join(out, "jpeg", f"photo{i:03}.jpg"), "wb").write(with_exif(jpg))


def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)


def png(w, h, seed, level=6):
    r = random.Random(seed)
    raw = b"".join(b"\0" + bytes(((x ^ y) + r.getrandbits(3)) & 255 for x in range(w * 3))
                   for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"tEXt", b"Comment\0hello") + chunk(b"IDAT", zlib.compress(raw, level))
            + chunk(b"IEND", b""))


big = png(1024, 768, 2)
for i in range(40):
    open(os.path.join(out, "png", f"image{i:03}.png"), "wb").write(big)

# Every small file is different: ClamAV caches verdicts by hash inside one
# process, which would flatter the in-process side of the sandbox benchmark.
def small_gif(i):
    # 2x2, two-colour global table whose second colour varies with i.
    return (b"GIF89a\x02\x00\x02\x00\x80\x00\x00\x00\x00\x00"
            + bytes((i & 255, (i >> 8) & 255, 0x5A))
            + b",\x00\x00\x00\x00\x02\x00\x02\x00\x00\x02\x02\x44\x01\x00;")


for i in range(1000):
    k = i % 4
    if k == 0:
        data, ext = ("これはテスト %d\n" % i).encode("utf-8") * 40, "txt"
    elif k == 1:
        data, ext = png(32, 32, 1000 + i), "png"
    elif k == 2:
        data, ext = small_gif(i), "gif"
    else:
        data, ext = subprocess.run(["cjpeg"], input=ppm(32, 32, 2000 + i), capture_output=True,
                                   check=True).stdout, "jpg"
    open(os.path.join(out, "small", f"f{i:04}.{ext}"), "wb").write(data)
