#!/usr/bin/env python3
"""Make the JPEG samples in corpus/jpeg/ and the fuzzing seeds in corpus/seeds/jpeg/.

Base images come from cjpeg (Debian package libjpeg-turbo-progs) fed with a
PPM/PGM gradient written here; the hostile variants are made by byte surgery
on those: metadata segments carrying marker strings, data appended after EOI,
broken or oversized frames, a progressive scan flood. Every payload is a
harmless marker string (MUGAI-...), never real malware or the EICAR string.

Run from anywhere: python3 corpus/make-jpeg.py
"""
import io
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "jpeg")
SEEDS = os.path.join(HERE, "seeds", "jpeg")


def ppm(w, h):
    px = bytearray()
    for y in range(h):
        for x in range(w):
            px += bytes(((x * 255) // max(w - 1, 1), (y * 255) // max(h - 1, 1), (x * y * 7) & 255))
    return b"P6\n%d %d\n255\n" % (w, h) + bytes(px)


def pgm(w, h):
    px = bytes(((x * 3 + y * 5) & 255) for y in range(h) for x in range(w))
    return b"P5\n%d %d\n255\n" % (w, h) + px


def cjpeg(src, *opts, scans=None):
    with tempfile.TemporaryDirectory() as td:
        inp = os.path.join(td, "in.pnm")
        with open(inp, "wb") as f:
            f.write(src)
        args = ["cjpeg", "-quality", "85"] + list(opts)
        if scans is not None:
            sp = os.path.join(td, "scans.txt")
            with open(sp, "w") as f:
                f.write(scans)
            args += ["-scans", sp]
        return subprocess.run(args + [inp], check=True, stdout=subprocess.PIPE).stdout


def seg(marker, payload):
    assert len(payload) + 2 <= 0xFFFF
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def segments(jpeg):
    """(marker, offset, total length) of each segment up to the first SOS."""
    out, pos = [], 2
    while True:
        assert jpeg[pos] == 0xFF
        m = jpeg[pos + 1]
        n = struct.unpack(">H", jpeg[pos + 2:pos + 4])[0]
        out.append((m, pos, n + 2))
        if m == 0xDA:
            return out
        pos += n + 2


def after_app0(jpeg):
    """Offset just past SOI and the JFIF APP0 cjpeg writes."""
    m, off, n = segments(jpeg)[0]
    assert m == 0xE0
    return off + n


def insert(jpeg, data, at=None):
    at = after_app0(jpeg) if at is None else at
    return jpeg[:at] + data + jpeg[at:]


def sof(jpeg):
    for m, off, n in segments(jpeg):
        if m in (0xC0, 0xC1, 0xC2):
            return off
    raise ValueError("no SOF")


def exif_payload():
    text = b"MUGAI-EXIF-PAYLOAD <?php system($_GET['c']); ?>\0"
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8)
    tiff += struct.pack(">H", 1)  # one IFD0 entry: ImageDescription, ASCII
    tiff += struct.pack(">HHII", 0x010E, 2, len(text), 8 + 2 + 12 + 4)
    tiff += struct.pack(">I", 0) + text
    return b"Exif\0\0" + tiff


def xmp_payload():
    return (b"http://ns.adobe.com/xap/1.0/\0"
            b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description dc:title="MUGAI-XMP-PAYLOAD" '
            b'xmlns:dc="http://purl.org/dc/elements/1.1/"/></rdf:RDF></x:xmpmeta>'
            b'<?xpacket end="w"?>')


def photoshop_payload():
    iptc = b"\x1c\x02\x78" + struct.pack(">H", 18) + b"MUGAI-IPTC-PAYLOAD"
    res = b"8BIM" + struct.pack(">H", 0x0404) + b"\0\0" + struct.pack(">I", len(iptc)) + iptc
    if len(res) % 2:
        res += b"\0"
    return b"Photoshop 3.0\0" + res


def icc_profile():
    """A tiny ICC v2 profile: header, one 'desc' tag, self-consistent sizes."""
    text = b"MUGAI-ICC-PROFILE\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(text)) + text
    desc += struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\0" * 67
    while len(desc) % 4:
        desc += b"\0"
    tag_off = 128 + 4 + 12
    size = tag_off + len(desc)
    hdr = struct.pack(">I", size) + b"\0\0\0\0" + struct.pack(">I", 0x02100000)
    hdr += b"mntrRGB XYZ " + b"\0" * 12 + b"acsp" + b"\0" * 4
    hdr += b"\0" * 4 + b"\0" * 4 + b"\0" * 4 + b"\0" * 8 + struct.pack(">I", 0)
    hdr += struct.pack(">iii", 0xF6D6, 0x10000, 0xD32D) + b"\0" * 4 + b"\0" * 16 + b"\0" * 28
    assert len(hdr) == 128
    return hdr + struct.pack(">I", 1) + b"desc" + struct.pack(">II", tag_off, len(desc)) + desc


def icc_segment(icc):
    return seg(0xE2, b"ICC_PROFILE\0\x01\x01" + icc)


def zip_bytes():
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_STORED) as z:
        zi = zipfile.ZipInfo("payload.txt", date_time=(2024, 1, 1, 0, 0, 0))
        z.writestr(zi, b"MUGAI-ZIP-PAYLOAD: this archive was appended after EOI\n")
    return bio.getvalue()


def script_100():
    """A valid progressive script of exactly 100 scans (cjpeg's own maximum)."""
    lines = ["0,1,2: 0 0 0 0;"]
    lines += ["0: %d %d 0 0;" % (k, k) for k in range(1, 64)]
    lines += ["1: %d %d 0 0;" % (k, k) for k in range(1, 19)] + ["1: 19 63 0 0;"]
    lines += ["2: %d %d 0 0;" % (k, k) for k in range(1, 17)] + ["2: 17 63 0 0;"]
    assert len(lines) == 100
    return "\n".join(lines) + "\n"


def scan_offsets(jpeg):
    """Offsets of every SOS marker (walks the entropy data too)."""
    offs, pos = [], 2
    while pos < len(jpeg):
        assert jpeg[pos] == 0xFF
        m = jpeg[pos + 1]
        if m == 0xD9:
            break
        n = struct.unpack(">H", jpeg[pos + 2:pos + 4])[0]
        if m != 0xDA:
            pos += n + 2
            continue
        offs.append(pos)
        pos += n + 2
        while not (jpeg[pos] == 0xFF and jpeg[pos + 1] not in (0x00, *range(0xD0, 0xD8))):
            pos += 1
    return offs


def samples(w, h):
    base = cjpeg(ppm(w, h))
    prog = cjpeg(ppm(w, h), "-progressive")
    icc = icc_profile()
    s = {
        "baseline.jpg": base,
        "progressive.jpg": prog,
        "gray.jpg": cjpeg(pgm(w, h)),
        "arith.jpg": cjpeg(ppm(w, h), "-arithmetic"),
        "arith-progressive.jpg": cjpeg(ppm(w, h), "-arithmetic", "-progressive"),
        "restart.jpg": cjpeg(ppm(w, h), "-restart", "1", "-sample", "1x1"),
        "exif.jpg": insert(base, seg(0xE1, exif_payload())),
        "xmp.jpg": insert(base, seg(0xE1, xmp_payload())),
        "com-script.jpg": insert(base, seg(0xFE, b"<script>alert('MUGAI-COM-SCRIPT')</script>")),
        "app13.jpg": insert(base, seg(0xED, photoshop_payload())),
        "rgb.jpg": cjpeg(ppm(w, h), "-rgb"),
        "icc.jpg": insert(base, icc_segment(icc)),
        # The same profile in two APP2 segments, to be reassembled.
        "icc-split.jpg": insert(base, seg(0xE2, b"ICC_PROFILE\0\x01\x02" + icc[:100]) +
                                seg(0xE2, b"ICC_PROFILE\0\x02\x02" + icc[100:])),
        # A profile whose header lies about its size: never kept.
        "icc-bad.jpg": insert(base, icc_segment(b"\0\0\x10\0" + icc[4:])),
        "zip-appended.jpg": base + zip_bytes(),
        "marker-com.jpg": insert(base, seg(0xFE, b"MUGAI-TEST-SIGNATURE-NOT-A-VIRUS")),
    }
    s["everything.jpg"] = insert(base, seg(0xE1, exif_payload()) + seg(0xE1, xmp_payload()) +
                                 seg(0xED, photoshop_payload()) + icc_segment(icc) +
                                 seg(0xFE, b"<script>alert('MUGAI-COM-SCRIPT')</script>")) \
        + zip_bytes()
    # Segments between scans and just before EOI are legal and must go too.
    offs = scan_offsets(prog)
    mid = insert(prog, seg(0xFE, b"MUGAI-COM-BETWEEN-SCANS"), offs[2])
    s["between-scans.jpg"] = mid[:-2] + seg(0xE1, b"MUGAI-APP1-BEFORE-EOI\0") + b"\xff\xd9"
    return s


def hostile_structure(w, h):
    base = cjpeg(ppm(w, h))
    s = {}
    s["truncated.jpg"] = base[:len(base) * 2 // 3]
    # Scan data cut short but properly ended: the walk passes, libjpeg warns.
    s["cut-scan.jpg"] = base[:len(base) * 2 // 3] + b"\xff\xd9"
    # Junk bytes after the scan data: libjpeg warns "extraneous bytes".
    s["extraneous.jpg"] = base[:-2] + b"\x12\x34\x56\x78" + b"\xff\xd9"
    off = sof(base)
    huge = bytearray(base)
    huge[off + 5:off + 9] = struct.pack(">HH", 60000, 60000)
    s["huge-sof.jpg"] = bytes(huge)
    lossless = bytearray(base)
    lossless[off + 1] = 0xC3
    s["lossless.jpg"] = bytes(lossless)
    twelve = bytearray(base)
    twelve[off + 4] = 12
    s["twelve-bit.jpg"] = bytes(twelve)
    s["scans-100.jpg"] = cjpeg(ppm(w, h), scans=script_100())
    # Scan flood: the last scan repeated until there are 150 (cjpeg stops at 100).
    offs = scan_offsets(s["scans-100.jpg"])
    last = s["scans-100.jpg"][offs[-1]:-2]
    s["scan-flood.jpg"] = s["scans-100.jpg"][:-2] + last * 50 + b"\xff\xd9"
    return s


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    allsamples = dict(samples(64, 48))
    allsamples.update(hostile_structure(64, 48))
    for name, data in sorted(allsamples.items()):
        assert len(data) < 200 * 1024, name
        write(OUT, name, data)
    # Seeds: the same recipes on a small image, so the fuzzer spends its time on structure.
    seeds = dict(samples(16, 8))
    seeds.update(hostile_structure(16, 8))
    for name, data in sorted(seeds.items()):
        assert len(data) < 10 * 1024, name
        write(SEEDS, name, data)
    print("wrote %d samples to %s and %d seeds to %s" % (len(allsamples), OUT, len(seeds), SEEDS))


if __name__ == "__main__":
    sys.exit(main())
