"""Helpers for the end-to-end tests: run the real `mugai` binary and look
at what it wrote with parsers of our own (never with Mugai's code)."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

MUGAI = os.environ.get("MUGAI", "")
TESTDB = os.environ.get("MUGAI_TESTDB", "")
CORPUS = os.environ.get("MUGAI_CORPUS", "")
SOURCE = os.environ.get("MUGAI_SOURCE", "")

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR"
         b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")


def in_chroot():
    """True where the root directory is not a mount point (inside a chroot,
    e.g. a debootstrap root): no private mount namespace can be made there
    for the scan worker."""
    try:
        with open("/proc/self/mountinfo") as f:
            return not any(ln.split()[4] == "/" for ln in f if len(ln.split()) > 4)
    except OSError:
        return False


class Result:
    def __init__(self, proc, outdir):
        self.code = proc.returncode
        self.stdout = proc.stdout.decode("utf-8", "replace")
        self.stderr = proc.stderr.decode("utf-8", "replace")
        self.outdir = outdir
        self.reports = []
        for line in self.stdout.splitlines():
            if line.startswith("{"):
                self.reports.append(json.loads(line))

    def outputs(self):
        return sorted(f for f in os.listdir(self.outdir) if not f.startswith("."))


def run(inputs, *extra, json_out=True, db=None, outdir=None, timeout=300):
    outdir = outdir or tempfile.mkdtemp(prefix="mugai-out-")
    cmd = [MUGAI, "sanitize", "--out", outdir, "--db", db or TESTDB]
    if json_out:
        cmd.append("--json")
    cmd += list(extra) + list(inputs)
    proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
    return Result(proc, outdir)


def write(dirpath, name, data):
    p = os.path.join(dirpath, name)
    with open(p, "wb") as f:
        f.write(data)
    return p


class Checker:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {what}", file=sys.stderr)

    def done(self):
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)


# --- independent format walkers -------------------------------------------

def jpeg_markers(data):
    """List (marker, payload) up to EOI, and the number of bytes after EOI."""
    out = []
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            raise ValueError(f"bad marker at {i}")
        m = data[i + 1]
        if m == 0xFF:
            i += 1
            continue
        if m == 0xD9:
            out.append((m, b""))
            return out, len(data) - (i + 2)
        if 0xD0 <= m <= 0xD7 or m == 0x01:
            out.append((m, b""))
            i += 2
            continue
        ln = struct.unpack(">H", data[i + 2:i + 4])[0]
        out.append((m, data[i + 4:i + 2 + ln]))
        i += 2 + ln
        if m == 0xDA:  # entropy-coded data: skip to the next real marker
            while i < len(data) - 1:
                if data[i] == 0xFF and data[i + 1] not in (0x00,) and not (0xD0 <= data[i + 1] <= 0xD7):
                    break
                i += 1
    raise ValueError("no EOI")


def png_chunks(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    i = 8
    chunks = []
    while i + 8 <= len(data):
        ln, typ = struct.unpack(">I4s", data[i:i + 8])
        chunks.append((typ.decode("latin-1"), data[i + 8:i + 8 + ln]))
        i += 12 + ln
        if typ == b"IEND":
            return chunks, len(data) - i
    raise ValueError("no IEND")


def make_png(w=16, h=8, extra_chunks=(), trailer=b""):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + bytes((x * 16 + y * 8) & 255 for x in range(w) for _ in range(3))
                   for y in range(h))
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    for t, d in extra_chunks:
        out += chunk(t, d)
    out += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return out + trailer


def make_png_zero(w, h):
    """A large all-black RGB PNG that compresses to almost nothing."""
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    c = zlib.compressobj(9)
    row = b"\0" * (1 + 3 * w)
    idat = b"".join(c.compress(row) for _ in range(h)) + c.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def gif_blocks(data):
    """Walk a GIF: list of ('ext', label, payload) / ('img', ...); return (blocks, trailing)."""
    assert data[:6] in (b"GIF87a", b"GIF89a")
    flags = data[10]
    i = 13
    if flags & 0x80:
        i += 3 * (2 << (flags & 7))
    blocks = []

    def subblocks(j):
        payload = b""
        while True:
            n = data[j]
            j += 1
            if n == 0:
                return payload, j
            payload += data[j:j + n]
            j += n
    while i < len(data):
        b = data[i]
        if b == 0x3B:
            return blocks, len(data) - i - 1
        if b == 0x21:
            label = data[i + 1]
            payload, i = subblocks(i + 2)
            blocks.append(("ext", label, payload))
        elif b == 0x2C:
            lf = data[i + 9]
            i += 10
            if lf & 0x80:
                i += 3 * (2 << (lf & 7))
            i += 1  # LZW minimum code size
            payload, i = subblocks(i)
            blocks.append(("img", 0, payload))
        else:
            raise ValueError(f"bad GIF block {b:#x} at {i}")
    raise ValueError("no trailer")


# --- LibreOffice as the independent reader of office files ---------------------------

def libreoffice(fonts=False):
    """(soffice, pdftotext), or None after a SKIP line when either is missing."""
    soffice, pdftotext = shutil.which("soffice"), shutil.which("pdftotext")
    if soffice and pdftotext:
        return soffice, pdftotext
    print("SKIP fidelity: soffice or pdftotext missing (install libreoffice-writer-nogui, "
          "libreoffice-calc-nogui, libreoffice-impress-nogui, " + ("fonts-noto-cjk, " if fonts else "")
          + "poppler-utils)")
    return None


def soffice_convert(soffice, work, target, outdir, files, timeout=600):
    """soffice --convert-to target of files into outdir, in one run, with a
    profile of its own under work (the first run there pays for its setup)."""
    profile = "file://" + os.path.join(work, "lo-profile")
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                    target, "--outdir", outdir] + list(files), capture_output=True, timeout=timeout)


def pdf_text(pdftotext, pdf):
    """pdftotext's UTF-8 text of a PDF."""
    return subprocess.run([pdftotext, "-enc", "UTF-8", pdf, "-"],
                          capture_output=True).stdout.decode("utf-8", "replace")
