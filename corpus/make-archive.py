#!/usr/bin/env python3
"""Make the archive samples in corpus/archive/ and the fuzzing seeds in
corpus/seeds/archive/.

Zips are built byte by byte here (struct + zlib) so that names, flags,
offsets and headers are exactly what each test needs: CP932 names without
the UTF-8 flag, local headers that disagree with the central directory,
overlapping entries, concatenations. Other formats come from the standard
library (tarfile, gzip, bz2, lzma) and Debian tools: zstd, cpio, gcab (cab),
7zz (package 7zip: 7z and AES zip), zip (Info-ZIP: ZipCrypto). LZH is
written by hand (level-0 headers, stored method); nothing here writes RAR.

Every payload is harmless: text, tiny images, and a 1 KiB "program" that is
only a PE header (MZ/PE signatures, one ret instruction). The EICAR string
and the large bombs (10 GiB) are made by the tests at run time, never
committed.

Run from anywhere: python3 corpus/make-archive.py
"""
import bz2
import gzip
import io
import lzma
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "archive")
SEEDS = os.path.join(HERE, "seeds", "archive")

PASSWORD = "mugai"
DOS_TIME, DOS_DATE = (12 << 11) | (0 << 5), ((2024 - 1980) << 9) | (4 << 5) | 1
FIXED_MTIME = 1711940400  # 2024-04-01 03:00 UTC

TEXT_JA = "請求書の控えです。\r\n金額: 12,345円\r\n".encode("utf-8")
TEXT_EN = b"Quarterly report\nAll figures are final.\n"
CSV = "氏名,金額\r\n山田太郎,1000\r\n".encode("utf-8")


# --------------------------------------------------------------------------
# Small payloads


def png(w=8, h=8):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    raw = b"".join(b"\0" + bytes((x * 30 + y * 7) & 255 for x in range(w) for _ in range(3))
                   for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg(w=16, h=16):
    ppm = b"P6\n%d %d\n255\n" % (w, h) + bytes(
        v for y in range(h) for x in range(w)
        for v in ((x * 255) // (w - 1), (y * 255) // (h - 1), (x * y) & 255))
    p = subprocess.run(["cjpeg", "-quality", "80"], input=ppm, capture_output=True, check=True)
    return p.stdout


def program():
    """A 1 KiB PE32 image: MZ header, PE signature, one section holding `ret`."""
    d = bytearray(1024)
    d[0:2] = b"MZ"
    struct.pack_into("<I", d, 0x3C, 0x80)
    d[0x40:0x40 + 30] = b"This program cannot be run in "
    d[0x80:0x84] = b"PE\0\0"
    struct.pack_into("<HHIIIHH", d, 0x84, 0x14C, 1, 0x66000000, 0, 0, 0xE0, 0x0102)
    opt = 0x98
    struct.pack_into("<HBB", d, opt, 0x10B, 14, 0)
    struct.pack_into("<I", d, opt + 16, 0x1000)
    struct.pack_into("<I", d, opt + 28, 0x400000)
    struct.pack_into("<II", d, opt + 32, 0x1000, 0x200)
    struct.pack_into("<HH", d, opt + 40, 6, 0)
    struct.pack_into("<HH", d, opt + 48, 6, 0)
    struct.pack_into("<I", d, opt + 56, 0x2000)
    struct.pack_into("<I", d, opt + 60, 0x200)
    struct.pack_into("<H", d, opt + 68, 3)
    struct.pack_into("<I", d, opt + 92, 16)
    sec = opt + 0xE0
    d[sec:sec + 8] = b".text\0\0\0"
    struct.pack_into("<IIII", d, sec + 8, 0x10, 0x1000, 0x200, 0x200)
    struct.pack_into("<I", d, sec + 36, 0x60000020)
    d[0x200:0x201] = b"\xC3"
    return bytes(d)


# --------------------------------------------------------------------------
# A zip writer with every field under control


def deflate_raw(data, level=9):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


class Entry:
    def __init__(self, name, data=b"", method=8, flags=0, made_by=20, ext_attr=0,
                 comp=None, crc=None, usize=None, local_name=None, extra=b""):
        self.name = name if isinstance(name, bytes) else name.encode("utf-8")
        self.data = data
        self.method = method
        self.flags = flags
        self.made_by = made_by
        self.ext_attr = ext_attr
        self.comp = comp if comp is not None else (deflate_raw(data) if method == 8 else data)
        self.crc = zlib.crc32(data) if crc is None else crc
        self.usize = len(data) if usize is None else usize
        self.local_name = self.name if local_name is None else local_name
        self.extra = extra
        self.offset = None


def local_header(e):
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, e.flags, e.method, DOS_TIME, DOS_DATE,
                       e.crc, len(e.comp), e.usize, len(e.local_name), len(e.extra)) + \
        e.local_name + e.extra


def central_header(e, offset=None):
    off = e.offset if offset is None else offset
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, e.made_by, 20, e.flags, e.method,
                       DOS_TIME, DOS_DATE, e.crc, len(e.comp), e.usize, len(e.name),
                       len(e.extra), 0, 0, 0, e.ext_attr, off) + e.name + e.extra


def eocd(n, cd_size, cd_off, comment=b""):
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, cd_size, cd_off, len(comment)) + comment


def build_zip(entries, comment=b"", base=0):
    """Local headers and data in order, then the central directory. base shifts
    every recorded offset (for archives meant to sit after other data)."""
    body = b""
    for e in entries:
        e.offset = base + len(body)
        body += local_header(e) + e.comp
    cd = b"".join(central_header(e) for e in entries)
    return body + cd + eocd(len(entries), len(cd), base + len(body), comment)


UTF8 = 0x800
UNIX = (3 << 8) | 20


def unix_attr(mode):
    return (mode & 0xFFFF) << 16


# --------------------------------------------------------------------------
# Samples


def cp932(s):
    return s.encode("cp932")


def samples_zip(out):
    png_data, jpg_data, exe = png(), jpeg(), program()

    out["normal.zip"] = build_zip([
        Entry("docs/readme.txt", TEXT_EN),
        Entry("docs/請求書.txt", TEXT_JA, flags=UTF8),
        Entry("data/table.csv", CSV),
        Entry("images/pic.png", png_data, method=0),
        Entry("images/photo.jpg", jpg_data),
    ])
    # Japanese names the way Python, 7-Zip and macOS write them: UTF-8 with the flag.
    out["utf8-names.zip"] = build_zip([
        Entry("フォルダ/請求書_ｶﾅ_全角ＡＢＣ.txt", TEXT_JA, flags=UTF8),
        Entry("報告書（令和６年度）.txt", TEXT_JA, flags=UTF8),
        Entry("画像/写真①.png", png_data, flags=UTF8),
    ])
    # The way Explorer on Japanese Windows writes them: CP932, no flag. The
    # program hides behind a double extension and behind an image name.
    out["cp932-names.zip"] = build_zip([
        Entry(cp932("請求書_ｶﾅ_全角ＡＢＣ.txt"), TEXT_JA),
        Entry(cp932("資料/表計算①.csv"), CSV),
        Entry(cp932("資料/画像.png"), png_data),
        Entry(cp932("説明書.pdf.exe"), exe),
        Entry(cp932("画像.jpg"), exe),
    ])
    # The UTF-8 flag set on bytes that are not UTF-8: refused, not guessed.
    out["utf8-flag-wrong.zip"] = build_zip([
        Entry(cp932("請求書.txt"), TEXT_JA, flags=UTF8),
        Entry("ok.txt", TEXT_EN),
    ])
    # A name that is neither UTF-8 nor CP932 (lone lead byte, 0xFF).
    out["bad-bytes-name.zip"] = build_zip([
        Entry(b"bad\x81\xff.txt", TEXT_EN),
        Entry("ok.txt", TEXT_EN),
    ])
    out["program-inside.zip"] = build_zip([
        Entry("readme.txt", TEXT_EN),
        Entry("setup.exe", exe),
        Entry("invoice.pdf", exe),
        Entry("tools/run.bat", b"@echo off\r\nstart calc\r\n"),
    ])
    out["zip-slip.zip"] = build_zip([
        Entry("../../evil.txt", b"escaped\n"),
        Entry("/etc/cron.d/evil", b"* * * * * root true\n"),
        Entry("C:\\Windows\\evil.txt", b"drive\n"),
        Entry("a/../../b.txt", b"sneaky\n"),
        Entry("..\\..\\win-evil.txt", b"backslashes\n"),
        Entry("ok/good.txt", TEXT_EN),
    ])
    out["symlink.zip"] = build_zip([
        Entry("passwd-link", b"/etc/passwd", method=0, made_by=UNIX, ext_attr=unix_attr(0o120777)),
        Entry("dir-link", b"../../..", method=0, made_by=UNIX, ext_attr=unix_attr(0o120755)),
        Entry("fifo", b"", method=0, made_by=UNIX, ext_attr=unix_attr(0o010644)),
        Entry("regular.txt", TEXT_EN, made_by=UNIX, ext_attr=unix_attr(0o100644)),
    ])
    out["odd-names.zip"] = build_zip([
        Entry("report\u202efdp.txt", TEXT_EN, flags=UTF8),
        Entry("data.txt:hidden.exe", TEXT_EN),
        Entry("CON.txt", TEXT_EN),
        Entry("folder./x.txt", TEXT_EN),
        Entry("Same.txt", TEXT_EN),
        Entry("same.TXT", b"second\n"),
        Entry("MUGAI-NOTICE.txt", b"fake notice\n"),
        Entry("kept.txt", TEXT_EN),
    ])

    # Structure attacks.
    a = Entry("first.txt", TEXT_EN)
    b = Entry("second.txt", b"second file\n")
    z = build_zip([a, b])
    # Two central entries pointing at the same local header.
    cd = central_header(a) + central_header(Entry("first.txt", TEXT_EN), offset=a.offset)
    body_end = b.offset + len(local_header(b)) + len(b.comp)
    out["overlap-dup.zip"] = z[:body_end] + cd + eocd(2, len(cd), body_end)
    out["overlap-bomb.zip"] = overlap_bomb(files=24, kernel=1 << 20)
    # Local header name differs from the central directory (same length).
    e = Entry("invoice.exe", exe, local_name=b"invoice.txt")
    out["name-mismatch.zip"] = build_zip([Entry("readme.txt", TEXT_EN), e])
    za = build_zip([Entry("visible.txt", TEXT_EN)])
    zb = build_zip([Entry("hidden.exe", exe)])
    out["concatenated.zip"] = za + zb
    out["concatenated-fixed.zip"] = za + build_zip([Entry("hidden.exe", exe)], base=len(za))
    out["prepended.zip"] = b"MZ" + bytes(200) + build_zip([Entry("x.txt", TEXT_EN)], base=202)
    out["appended.zip"] = build_zip([Entry("x.txt", TEXT_EN)]) + b"trailing payload"
    eo = build_zip([Entry("x.txt", TEXT_EN)])
    fake = eocd(0, 0, 0)
    out["eocd-in-comment.zip"] = eo[:-2] + struct.pack("<H", len(fake) + 4) + fake + b"tail"
    g = [Entry("one.txt", TEXT_EN), Entry("two.txt", TEXT_EN)]
    zg = build_zip(g)
    # A gap between the entries holding a hidden local entry.
    hidden = local_header(Entry("hidden.exe", exe)) + Entry("hidden.exe", exe).comp
    split = g[1].offset
    cdg = b"".join(central_header(x, offset=x.offset + (len(hidden) if x is g[1] else 0)) for x in g)
    body = zg[:split] + hidden + zg[split:split + len(local_header(g[1])) + len(g[1].comp)]
    out["gap.zip"] = body + cdg + eocd(2, len(cdg), len(body))
    # Declared sizes lie: a small declared size hiding 4 MiB.
    big = bytes(4 << 20)
    out["size-lie.zip"] = build_zip([Entry("small.txt", big, usize=100, crc=zlib.crc32(big[:100]))])
    # High ratio: 64 MiB of zeros, honest sizes.
    out["ratio-bomb.zip"] = build_zip([Entry("zeros.txt", bytes(64 << 20))])
    out["nested-bomb.zip"] = nested_bomb(levels=8, copies=2)
    out["empty.zip"] = build_zip([])
    out["dirs-only.zip"] = build_zip([Entry("a/", b"", method=0), Entry("a/b/", b"", method=0)])


def overlap_bomb(files, kernel):
    """David Fifield's overlapping-file zip bomb, small. File i's deflate
    stream is a stored block quoting file i+1's local header, then file
    i+1's own stream; all of them end in one shared kernel of zeros. So
    file i inflates to the headers of files i+1.. plus the kernel, while
    the kernel is stored once."""
    kern = deflate_raw(bytes(kernel))
    names = [("%02d" % i).encode() for i in range(files)]
    datas, outs, headers = [None] * files, [None] * files, [None] * files
    datas[-1], outs[-1] = kern, bytes(kernel)
    for i in range(files - 1, -1, -1):
        headers[i] = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, DOS_TIME, DOS_DATE,
                                 zlib.crc32(outs[i]), len(datas[i]), len(outs[i]),
                                 len(names[i]), 0) + names[i]
        if i:
            h = headers[i]
            datas[i - 1] = b"\x00" + struct.pack("<HH", len(h), len(h) ^ 0xFFFF) + h + datas[i]
            outs[i - 1] = h + outs[i]
    body = headers[0] + datas[0]
    offsets = [0]
    for i in range(1, files):
        offsets.append(offsets[-1] + len(headers[i - 1]) + 5)
    cd = b""
    for i in range(files):
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, DOS_TIME, DOS_DATE,
                          zlib.crc32(outs[i]), len(datas[i]), len(outs[i]), len(names[i]),
                          0, 0, 0, 0, 0, offsets[i]) + names[i]
    data = body + cd + eocd(files, len(cd), len(body))
    # Self-check: each file's bytes at its offset inflate to what it declares.
    for i in range(files):
        start = offsets[i] + len(headers[i])
        raw = data[start:start + len(datas[i])]
        assert zlib.decompressobj(-15).decompress(raw) == outs[i]
    return data


def nested_bomb(levels, copies):
    """42.zip in miniature: each level holds `copies` copies of the level below;
    the bottom is 1 MiB of zeros."""
    inner = build_zip([Entry("0.txt", bytes(1 << 20))])
    for lvl in range(1, levels):
        inner = build_zip([Entry("%d-%d.zip" % (lvl, c), inner) for c in range(copies)])
    return inner


def samples_tar(out, workdir):
    png_data = png()

    def add(t, name, data, **kw):
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        ti.mtime = FIXED_MTIME
        for k, v in kw.items():
            setattr(ti, k, v)
        t.addfile(ti, io.BytesIO(data))

    def tar_bytes(fmt=tarfile.PAX_FORMAT, members=None):
        bio = io.BytesIO()
        with tarfile.open(fileobj=bio, mode="w", format=fmt) as t:
            for name, data in members:
                add(t, name, data)
        return bio.getvalue()

    plain = [("docs/報告書.txt", TEXT_JA), ("docs/readme.txt", TEXT_EN), ("images/pic.png", png_data)]
    tar = tar_bytes(members=plain)
    out["normal.tar"] = tar
    out["gnu-names.tar"] = tar_bytes(fmt=tarfile.GNU_FORMAT, members=plain)
    out["normal.tar.gz"] = gzip.compress(tar, mtime=0)
    out["normal.tar.bz2"] = bz2.compress(tar)
    out["normal.tar.xz"] = lzma.compress(tar)
    out["normal.tar.zst"] = subprocess.run(["zstd", "-q", "-c"], input=tar, capture_output=True,
                                           check=True).stdout
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.GNU_FORMAT) as t:
        add(t, "regular.txt", TEXT_EN)
        for name, typ, extra in (("link-to-passwd", tarfile.SYMTYPE, {"linkname": "/etc/passwd"}),
                                 ("hard-to-regular", tarfile.LNKTYPE, {"linkname": "regular.txt"}),
                                 ("null-device", tarfile.CHRTYPE, {"devmajor": 1, "devminor": 3}),
                                 ("disk-device", tarfile.BLKTYPE, {"devmajor": 8, "devminor": 0}),
                                 ("a-fifo", tarfile.FIFOTYPE, {})):
            ti = tarfile.TarInfo(name)
            ti.type = typ
            ti.mtime = FIXED_MTIME
            for k, v in extra.items():
                setattr(ti, k, v)
            t.addfile(ti)
        add(t, "../outside.txt", b"escaped\n")
        add(t, "/abs/path.txt", b"absolute\n")
    out["links.tar"] = bio.getvalue()

    # cpio (newc) of a small tree, made by cpio -o.
    tree = os.path.join(workdir, "cpio")
    os.makedirs(os.path.join(tree, "docs"))
    with open(os.path.join(tree, "docs", "報告書.txt"), "wb") as f:
        f.write(TEXT_JA)
    with open(os.path.join(tree, "pic.png"), "wb") as f:
        f.write(png_data)
    os.symlink("/etc/passwd", os.path.join(tree, "link"))
    listing = b"docs\ndocs/\xe5\xa0\xb1\xe5\x91\x8a\xe6\x9b\xb8.txt\npic.png\nlink\n"
    out["normal.cpio"] = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input=listing,
                                        cwd=tree, capture_output=True, check=True).stdout

    # Single-file compressors.
    out["note.txt.gz"] = gzip.compress(TEXT_JA, mtime=0)
    out["note.txt.bz2"] = bz2.compress(TEXT_EN)
    out["note.txt.xz"] = lzma.compress(TEXT_EN)
    out["pic.png.zst"] = subprocess.run(["zstd", "-q", "-c"], input=png_data, capture_output=True,
                                        check=True).stdout
    out["program.txt.gz"] = gzip.compress(program(), mtime=0)
    out["inner.zip.gz"] = gzip.compress(build_zip([Entry("a.txt", TEXT_EN)]), mtime=0)
    out["zeros.bin.gz"] = gzip.compress(bytes(64 << 20), 9, mtime=0)


def samples_7z(out, workdir):
    tree = os.path.join(workdir, "7z")
    os.makedirs(os.path.join(tree, "資料"))
    with open(os.path.join(tree, "資料", "報告書.txt"), "wb") as f:
        f.write(TEXT_JA)
    with open(os.path.join(tree, "pic.png"), "wb") as f:
        f.write(png())
    with open(os.path.join(tree, "setup.exe"), "wb") as f:
        f.write(program())

    def sz(name, *opts, files=(".",)):
        dst = os.path.join(workdir, name)
        subprocess.run(["7zz", "a", "-bd", "-bso0", "-bsp0", *opts, dst, *files], cwd=tree,
                       check=True)
        with open(dst, "rb") as f:
            out[name] = f.read()

    sz("normal.7z", files=("資料", "pic.png"))
    sz("program.7z", files=("資料", "setup.exe"))
    sz("encrypted.7z", "-p" + PASSWORD, files=("資料",))
    sz("encrypted-headers.7z", "-p" + PASSWORD, "-mhe=on", files=("資料",))
    sz("encrypted-aes.zip", "-tzip", "-p" + PASSWORD, "-mem=AES256", files=("資料", "pic.png"))
    # ZipCrypto, as Windows Explorer and most PPAP mails make it.
    dst = os.path.join(workdir, "encrypted-zipcrypto.zip")
    subprocess.run(["zip", "-q", "-r", "-P", PASSWORD, dst, "資料", "pic.png"], cwd=tree,
                   check=True)
    with open(dst, "rb") as f:
        out["encrypted-zipcrypto.zip"] = f.read()

    # CP932 names written by a real tool: Info-ZIP stores the file-system
    # bytes as they are, without the UTF-8 flag, as Windows zips have them.
    jp = os.path.join(workdir, "infozip")
    os.makedirs(os.path.join(jp.encode(), cp932("資料")))
    with open(os.path.join(jp.encode(), cp932("請求書_ｶﾅ_全角ＡＢＣ.txt")), "wb") as f:
        f.write(TEXT_JA)
    with open(os.path.join(jp.encode(), cp932("資料"), cp932("表計算①.csv")), "wb") as f:
        f.write(CSV)
    dst = os.path.join(workdir, "cp932-infozip.zip")
    subprocess.run(["zip", "-q", "-r", "-X", dst, "."], cwd=jp, check=True,
                   env=dict(os.environ, LANG="C", LC_ALL="C"))
    with open(dst, "rb") as f:
        out["cp932-infozip.zip"] = f.read()

    # cab with gcab.
    dst = os.path.join(workdir, "normal.cab")
    subprocess.run(["gcab", "-c", "-z", dst, "資料/報告書.txt", "pic.png"], cwd=tree, check=True)
    with open(dst, "rb") as f:
        out["normal.cab"] = f.read()

    # zip in 7z in tar.gz in zip: every level goes through dispatch.
    deep = io.BytesIO()
    with tarfile.open(fileobj=deep, mode="w:gz") as t:
        for name, data in (("deep.txt", TEXT_EN), ("deep.exe", program())):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = FIXED_MTIME
            t.addfile(ti, io.BytesIO(data))
    with open(os.path.join(tree, "deep.tar.gz"), "wb") as f:
        f.write(deep.getvalue())
    sz("inner.7z", files=("deep.tar.gz",))
    out["nested.zip"] = build_zip([Entry("top.txt", TEXT_EN), Entry("inner.7z", out["inner.7z"])])
    del out["inner.7z"]


def lzh_level0(entries):
    """LHA level-0 headers, method -lh0- (stored), then the end-of-archive
    zero byte. Names are ASCII: libarchive 3.6 refuses level-0 headers whose
    names have bytes past 0x7F (so a CP932-named LZH is blocked whole)."""
    def crc16(data):
        crc = 0
        for b in data:
            crc ^= b
            for _ in range(8):
                crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        return crc
    out = b""
    for name, data in entries:
        body = b"-lh0-" + struct.pack("<IIHHBB", len(data), len(data), DOS_TIME, DOS_DATE, 0x20, 0)
        body += bytes([len(name)]) + name + struct.pack("<H", crc16(data))
        out += bytes([len(body), sum(body) & 0xFF]) + body + data
    return out + b"\0"


def samples_other(out):
    out["normal.lzh"] = lzh_level0([(b"report.txt", TEXT_JA), (b"docs\\readme.txt", TEXT_EN)])
    out["cp932-names.lzh"] = lzh_level0([(cp932("請求書_ｶﾅ.txt"), TEXT_JA)])


def write_all(out):
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(out.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        if len(data) > 200 * 1024:
            print("warning: %s is %d bytes" % (name, len(data)), file=sys.stderr)
    with open(os.path.join(OUT, "passwords.txt"), "w") as f:
        f.write("wrong-first\n%s\n" % PASSWORD)
    with open(os.path.join(OUT, "wrong-passwords.txt"), "w") as f:
        f.write("nope\nstill-wrong\n")
    # Small seeds for the fuzzer: the structural variety, not the bulk.
    if os.path.isdir(SEEDS):
        shutil.rmtree(SEEDS)
    os.makedirs(SEEDS)
    for name in ("normal.tar", "gnu-names.tar", "normal.tar.gz", "normal.tar.bz2",
                 "normal.tar.xz", "normal.tar.zst", "normal.cpio", "normal.7z", "normal.cab",
                 "normal.lzh", "utf8-names.zip", "cp932-names.zip", "cp932-infozip.zip",
                 "zip-slip.zip",
                 "symlink.zip", "links.tar", "overlap-dup.zip", "name-mismatch.zip",
                 "concatenated.zip", "gap.zip", "encrypted-zipcrypto.zip", "encrypted-aes.zip",
                 "encrypted.7z", "note.txt.gz", "note.txt.xz", "inner.zip.gz", "odd-names.zip",
                 "empty.zip", "dirs-only.zip", "program-inside.zip"):
        data = out[name]
        if len(data) <= 16 * 1024:
            with open(os.path.join(SEEDS, name), "wb") as f:
                f.write(data)


def main():
    out = {}
    with tempfile.TemporaryDirectory() as wd:
        samples_zip(out)
        samples_tar(out, wd)
        samples_7z(out, wd)
        samples_other(out)
    write_all(out)
    print("wrote %d samples to %s" % (len(out), OUT))


if __name__ == "__main__":
    main()
