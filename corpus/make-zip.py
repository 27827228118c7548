#!/usr/bin/env python3
"""Make the zip structure samples in corpus/zip/ and the fuzzing seeds in corpus/seeds/zip/.

Each sample is a small zip written with Python's zipfile, then edited byte by
byte to break exactly one rule of formats/zip (tests/t_zip.c says which
refusal each must get). The family samples (docx-*.docx, odt-*.odt) take a
benign document from corpus/office and corpus/odf and hide data in front of
it, behind it, or make a local header disagree with the central directory:
all three families must refuse them alike (tests/test_zip.py).

Run from anywhere: python3 corpus/make-zip.py
"""
import io
import os
import struct
import zipfile
import zlib

import corpuslib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "zip")
SEEDS = os.path.join(HERE, "seeds", "zip")

TEXT = ("住民票の写しの交付申請について\n" * 40).encode()


def build(members, compression=zipfile.ZIP_DEFLATED):
    """A zip of (name, data) members with fixed dates."""
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", compression) as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=(2024, 4, 1, 9, 30, 0))
            zi.compress_type = compression
            z.writestr(zi, data)
    return bytearray(b.getvalue())


def eocd(d):
    return d.rindex(b"PK\x05\x06")


def cd_records(d):
    """Offsets of the central directory records."""
    e = eocd(d)
    off = struct.unpack_from("<I", d, e + 16)[0]
    n = struct.unpack_from("<H", d, e + 10)[0]
    out = []
    for _ in range(n):
        out.append(off)
        nl, xl, cl = struct.unpack_from("<HHH", d, off + 28)
        off += 46 + nl + xl + cl
    return out


def shift_offsets(d, by):
    """Move every offset the directory holds by `by` bytes (for prepended data)."""
    for r in cd_records(d):
        lh = struct.unpack_from("<I", d, r + 42)[0]
        struct.pack_into("<I", d, r + 42, lh + by)
    e = eocd(d)
    struct.pack_into("<I", d, e + 16, struct.unpack_from("<I", d, e + 16)[0] + by)
    return d


def prepend(d, junk):
    """Data in front, with every offset fixed so that lenient readers still read it."""
    return bytearray(junk) + shift_offsets(bytearray(d), len(junk))


def local_name_mismatch(d):
    """The first local header names another member than the directory (same length)."""
    d = bytearray(d)
    n = struct.unpack_from("<H", d, 26)[0]
    d[30 + n - 1] ^= 0x01
    return d


def samples():
    good = build([("a.txt", TEXT), ("dir/b.txt", b"hello\n"), ("c.bin", bytes(range(256)))])
    s = {"good.zip": good}
    s["stored.zip"] = build([("a.txt", TEXT), ("b.txt", b"")], zipfile.ZIP_STORED)
    s["empty.zip"] = bytearray(b"PK\x05\x06" + bytes(18))
    s["prepended.zip"] = prepend(good, b"MZ" + bytes(62))
    s["appended.zip"] = good + b"trailing data after the end record"
    # The comment length no longer reaches the end: data after the end record.
    s["local-name.zip"] = local_name_mismatch(good)
    # A local header that says "stored" where the directory says "deflate".
    d = bytearray(good)
    struct.pack_into("<H", d, 8, 0)
    s["local-method.zip"] = d
    # A local header whose CRC differs from the directory's.
    d = bytearray(good)
    struct.pack_into("<I", d, 14, struct.unpack_from("<I", d, 14)[0] ^ 1)
    s["local-crc.zip"] = d
    # Unreferenced bytes between two members.
    two = build([("a.txt", b"first"), ("b.txt", b"second")], zipfile.ZIP_STORED)
    r = cd_records(two)
    second = struct.unpack_from("<I", two, r[1] + 42)[0]
    gap = two[:second] + b"HIDDEN" + two[second:]
    gap = bytearray(gap)
    struct.pack_into("<I", gap, cd_records(gap)[1] + 42, second) if False else None
    # fix: the second member and the directory moved by 6
    rr = [x + 6 for x in r]
    struct.pack_into("<I", gap, rr[1] + 42, second + 6)
    e = eocd(gap)
    struct.pack_into("<I", gap, e + 16, struct.unpack_from("<I", gap, e + 16)[0] + 6)
    s["gap.zip"] = gap
    # Two directory records pointing at the same local header: overlap.
    d = bytearray(two)
    struct.pack_into("<I", d, r[1] + 42, 0)
    nl = struct.unpack_from("<H", d, r[0] + 28)[0]
    d[r[1] + 46:r[1] + 46 + nl] = d[r[0] + 46:r[0] + 46 + nl]
    s["overlap.zip"] = d
    # A second end record inside the comment area before the real one.
    d = bytearray(good)
    e = eocd(d)
    rec = bytes(d[e:e + 22])
    s["two-eocd.zip"] = d[:e] + rec[:20] + struct.pack("<H", 22) + rec
    # A member whose data fails its CRC (both headers agree on the wrong one).
    d = bytearray(build([("a.txt", TEXT)], zipfile.ZIP_STORED))
    d[30 + 5] ^= 0xFF
    s["bad-crc.zip"] = d
    # Deflate data that stops short: sizes shrunk in both headers, stream cut.
    d = build([("a.txt", TEXT)])
    r0 = cd_records(d)[0]
    cs = struct.unpack_from("<I", d, r0 + 20)[0]
    cut = 8
    body = d[:30 + 5 + cs - cut]
    struct.pack_into("<I", body, 18, cs - cut)
    cdr = bytearray(d[r0:eocd(d)])
    struct.pack_into("<I", cdr, 20, cs - cut)
    end = bytearray(d[eocd(d):])
    struct.pack_into("<I", end, 16, len(body))
    s["short-deflate.zip"] = body + cdr + end
    # A 16 MiB member of zeros: far more than 100 times its compressed size.
    s["bomb.zip"] = build([("zeros.bin", bytes(16 << 20))])
    # A method nobody here inflates (LZMA id 14, data copied as is).
    d = build([("a.txt", b"not really lzma")], zipfile.ZIP_STORED)
    struct.pack_into("<H", d, 8, 14)
    struct.pack_into("<H", d, cd_records(d)[0] + 10, 14)
    s["method14.zip"] = d
    # The encryption flag in both headers.
    d = build([("a.txt", b"secret")], zipfile.ZIP_STORED)
    struct.pack_into("<H", d, 6, 1)
    struct.pack_into("<H", d, cd_records(d)[0] + 8, 1)
    s["encrypted.zip"] = d
    # A data descriptor that agrees with the directory (accepted), and one that does not.
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("streamed.txt", "w", force_zip64=False) as f:
            f.write(TEXT)
    raw = bytearray(b.getvalue())
    unseekable = io.BytesIO()

    class NoSeek(io.RawIOBase):
        def __init__(self, sink):
            self.sink = sink

        def writable(self):
            return True

        def write(self, data):
            self.sink.write(data)
            return len(data)
    with zipfile.ZipFile(NoSeek(unseekable), "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("streamed.txt", "w") as f:
            f.write(TEXT)
    dd = bytearray(unseekable.getvalue())
    s["descriptor.zip"] = dd
    d = bytearray(dd)
    sig = d.index(b"PK\x07\x08")
    d[sig + 4] ^= 1
    s["descriptor-bad.zip"] = d
    return s


def family_samples():
    out = {}
    docx = open(os.path.join(HERE, "office", "benign-letter.docx"), "rb").read()
    odt = open(os.path.join(HERE, "odf", "benign.odt"), "rb").read()
    for ext, base in (("docx", docx), ("odt", odt)):
        out[f"{ext}-prepended.{ext}"] = prepend(base, b"hidden data in front of the zip " * 4)
        out[f"{ext}-appended.{ext}"] = bytearray(base) + b"PK\x03\x04 appended payload"
        out[f"{ext}-local-name.{ext}"] = local_name_mismatch(base)
    return out


def main():
    corpuslib.write_samples(samples(), OUT, SEEDS, lambda name, data: name != "bomb.zip")
    corpuslib.write_samples(family_samples(), OUT, SEEDS, lambda name, data: False)


if __name__ == "__main__":
    main()
