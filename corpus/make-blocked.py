#!/usr/bin/env python3
"""Write the samples for identification and the "Blocked outright" rules.

corpus/blocked/          one small sample per kind of file Mugai never
                         releases (programs, installers, shortcuts, disk
                         images, scripts), plus name-versus-content traps
                         (a PE named .pdf / .txt, a JAR named .docx).
corpus/blocked/benign/   minimal documents, images, archives and texts that
                         identification must classify correctly (OOXML, ODF,
                         OLE2 doc/xls/ppt, ...). They are small hand-made
                         structures, not real documents.
corpus/seeds/ident/      every sample under 40 KB, as fuzzing seeds.

All samples are inert: the programs only exit, the URLs point at the
documentation address range 192.0.2.0/24.

Run from anywhere: python3 corpus/make-blocked.py
"""

import io
import os
import shutil
import struct
import zipfile
import gzip
import bz2
import lzma
import tarfile
import zlib

from corpuslib import FIXED_TIME, make_zip

HERE = os.path.dirname(os.path.abspath(__file__))
BLOCKED = os.path.join(HERE, "blocked")
BENIGN = os.path.join(BLOCKED, "benign")
SEEDS = os.path.join(HERE, "seeds", "ident")


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


# --------------------------------------------------------------------------
# Programs


def pe():
    """MZ header, PE\\0\\0 at e_lfanew 0x80, a COFF header and a PE32 optional header."""
    d = bytearray(1024)
    d[0:2] = b"MZ"
    struct.pack_into("<H", d, 2, 0x90)  # bytes on last page
    struct.pack_into("<H", d, 4, 3)  # pages
    struct.pack_into("<H", d, 8, 4)  # header paragraphs
    struct.pack_into("<H", d, 0x18, 0x40)  # relocation table offset
    struct.pack_into("<I", d, 0x3C, 0x80)  # e_lfanew
    d[0x40:0x40 + 39] = b"This program cannot be run in DOS mode.$"[:39]
    d[0x80:0x84] = b"PE\0\0"
    # COFF: i386, 1 section, optional header 0xE0, executable 32-bit
    struct.pack_into("<HHIIIHH", d, 0x84, 0x14C, 1, 0x66000000, 0, 0, 0xE0, 0x0102)
    opt = 0x98
    struct.pack_into("<HBB", d, opt, 0x10B, 14, 0)  # PE32
    struct.pack_into("<I", d, opt + 16, 0x1000)  # AddressOfEntryPoint
    struct.pack_into("<I", d, opt + 28, 0x400000)  # ImageBase
    struct.pack_into("<II", d, opt + 32, 0x1000, 0x200)  # alignments
    struct.pack_into("<HH", d, opt + 40, 6, 0)  # OS version
    struct.pack_into("<HH", d, opt + 48, 6, 0)  # subsystem version
    struct.pack_into("<I", d, opt + 56, 0x2000)  # SizeOfImage
    struct.pack_into("<I", d, opt + 60, 0x200)  # SizeOfHeaders
    struct.pack_into("<H", d, opt + 68, 3)  # console
    struct.pack_into("<I", d, opt + 92, 16)  # NumberOfRvaAndSizes
    sec = opt + 0xE0
    d[sec:sec + 8] = b".text\0\0\0"
    struct.pack_into("<IIII", d, sec + 8, 0x10, 0x1000, 0x200, 0x200)
    struct.pack_into("<I", d, sec + 36, 0x60000020)
    d[0x200:0x203] = b"\x31\xC0\xC3"  # xor eax,eax; ret
    return bytes(d)


def elf():
    """64-bit ELF executable whose only instructions are exit(0)."""
    code = b"\xB8\x3C\x00\x00\x00\x31\xFF\x0F\x05"  # mov eax,60; xor edi,edi; syscall
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, 0x400078, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    size = 64 + 56 + len(code)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, size, size, 0x1000)
    return ehdr + phdr + code


def macho64():
    hdr = struct.pack("<IiiIIIII", 0xFEEDFACF, 0x01000007, 3, 2, 0, 0, 0, 0)
    return hdr + bytes(224)


def macho_fat():
    thin = macho64()
    fat = struct.pack(">II", 0xCAFEBABE, 1)
    fat += struct.pack(">iiIII", 0x01000007, 3, 4096, len(thin), 12)
    return fat + bytes(4096 - len(fat)) + thin


def java_class():
    """A class file for an empty class A extends java.lang.Object (Java 8)."""
    cp = [
        b"\x07\x00\x02",  # 1 Class #2
        b"\x01\x00\x01A",  # 2 Utf8 A
        b"\x07\x00\x04",  # 3 Class #4
        b"\x01\x00\x10java/lang/Object",  # 4
    ]
    d = struct.pack(">IHH", 0xCAFEBABE, 0, 0x34)
    d += struct.pack(">H", len(cp) + 1) + b"".join(cp)
    d += struct.pack(">HHHHHHH", 0x21, 1, 3, 0, 0, 0, 0)
    return d


def jar():
    manifest = b"Manifest-Version: 1.0\r\nMain-Class: A\r\nCreated-By: mugai corpus\r\n\r\n"
    return make_zip([("META-INF/MANIFEST.MF", manifest, False), ("A.class", java_class(), False)])


def jar_as_docx():
    """Office-looking zip that is also a runnable JAR."""
    return make_zip([
        ("[Content_Types].xml", content_types("word/document.xml", CT_DOCX), False),
        ("_rels/.rels", RELS_DOCX, False),
        ("word/document.xml", DOCUMENT_XML, False),
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\nMain-Class: A\r\n\r\n", False),
        ("A.class", java_class(), False),
    ])


# --------------------------------------------------------------------------
# OLE2 compound files (version 3, 512-byte sectors): header, one FAT
# sector, directory sectors, no data (every stream is empty).

ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


def dir_entry(name, etype, left=NOSTREAM, right=NOSTREAM, child=NOSTREAM, clsid=bytes(16)):
    if name is None:
        return bytes(64) + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", NOSTREAM, NOSTREAM,
                                                                       NOSTREAM) + bytes(48)
    raw = name.encode("utf-16-le") + b"\0\0"
    assert len(raw) <= 64
    e = raw + bytes(64 - len(raw))
    e += struct.pack("<HBB", len(raw), etype, 1)
    e += struct.pack("<III", left, right, child)
    e += clsid + struct.pack("<I", 0) + bytes(16)
    e += struct.pack("<IQ", ENDOFCHAIN, 0)
    assert len(e) == 128
    return e


def ole2(names, root_clsid=bytes(16)):
    """Root storage whose children are streams `names` in a right-leaning sibling chain."""
    entries = [dir_entry("Root Entry", 5, child=1 if names else NOSTREAM, clsid=root_clsid)]
    for i, n in enumerate(names):
        right = i + 2 if i + 1 < len(names) else NOSTREAM
        entries.append(dir_entry(n, 2, right=right))
    while len(entries) % 4:
        entries.append(dir_entry(None, 0))
    ndir = len(entries) // 4
    hdr = bytearray(512)
    hdr[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", hdr, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", hdr, 0x28, 0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
    struct.pack_into("<I", hdr, 0x4C, 0)  # FAT in sector 0
    for i in range(1, 109):
        struct.pack_into("<I", hdr, 0x4C + 4 * i, FREESECT)
    fat = [FATSECT] + [s + 1 for s in range(1, ndir)] + [ENDOFCHAIN]
    fat += [FREESECT] * (128 - len(fat))
    fat_sector = struct.pack("<128I", *fat)
    return bytes(hdr) + fat_sector + b"".join(entries)


MSI_CLSID = bytes.fromhex("84100C0000000000C000000000000046")


def msi():
    return ole2(["\x05SummaryInformation", "\u4840\u3f7f\u4164\u422f\u4836"], MSI_CLSID)


# --------------------------------------------------------------------------
# Other programs, images and shortcuts


def lnk():
    d = struct.pack("<I", 0x4C) + bytes.fromhex("0114020000000000C000000000000046")
    d += struct.pack("<II", 0x00000080, 0x20)  # LinkFlags (IsUnicode), FILE_ATTRIBUTE_ARCHIVE
    d += bytes(24)  # times
    d += struct.pack("<IiIH", 0, 0, 1, 0) + bytes(10)
    assert len(d) == 76
    return d


def chm():
    d = b"ITSF" + struct.pack("<III", 3, 0x60, 1) + struct.pack("<I", 0x12345678)
    d += struct.pack("<I", 0x411)  # LCID ja-JP
    d += bytes.fromhex("106A227C4C9DD011 9D8A00A0C9055590".replace(" ", ""))
    d += bytes.fromhex("116A227C4C9DD0119D8A00A0C9055590")
    return d + bytes(512 - len(d))


def iso():
    d = bytearray(0x9000)
    pvd = 0x8000
    d[pvd] = 1
    d[pvd + 1:pvd + 6] = b"CD001"
    d[pvd + 6] = 1
    d[pvd + 40:pvd + 72] = b"MUGAI_TEST".ljust(32)
    term = 0x8800
    d[term] = 255
    d[term + 1:term + 6] = b"CD001"
    d[term + 6] = 1
    return bytes(d)


def disk_mbr():
    d = bytearray(1024)
    d[0:8] = bytes.fromhex("FA33C08ED0BC007C")  # cli; xor ax,ax; mov ss,ax; mov sp,7c00
    part = struct.pack("<B3sB3sII", 0x80, b"\x01\x01\x00", 0x0C, b"\xFE\xFF\xFF", 63, 0x3FC1)
    d[446:462] = part
    d[510:512] = b"\x55\xAA"
    return bytes(d)


def disk_fat():
    """A FAT16 volume boot record (no partition table)."""
    d = bytearray(512)
    d[0:3] = b"\xEB\x3C\x90"
    d[3:11] = b"MSDOS5.0"
    struct.pack_into("<HBHBHHBH", d, 11, 512, 4, 1, 2, 512, 20480, 0xF8, 20)
    d[0x36:0x3E] = b"FAT16   "
    d[510:512] = b"\x55\xAA"
    return bytes(d)


def vhd():
    size = 1024
    f = bytearray(512)
    f[0:8] = b"conectix"
    struct.pack_into(">IIQI", f, 8, 2, 0x00010000, 0xFFFFFFFFFFFFFFFF, 0x2D000000)
    f[28:32] = b"vpc "
    struct.pack_into(">I", f, 32, 0x00050003)
    f[36:40] = b"Wi2k"
    struct.pack_into(">QQ", f, 40, size, size)
    struct.pack_into(">HBB", f, 56, 1, 2, 1)  # geometry
    struct.pack_into(">I", f, 60, 2)  # fixed disk
    f[68:84] = bytes(range(16))
    checksum = (~sum(f)) & 0xFFFFFFFF
    struct.pack_into(">I", f, 64, checksum)
    return bytes(size) + bytes(f)


def vhdx():
    d = bytearray(4096)
    d[0:8] = b"vhdxfile"
    creator = "Mugai test corpus".encode("utf-16-le")
    d[8:8 + len(creator)] = creator
    return bytes(d)


def onenote():
    d = bytearray(1024)
    d[0:16] = bytes.fromhex("E4525C7B8CD8A74DAEB15378D02996D3")
    return bytes(d)


def appx():
    manifest = (b'<?xml version="1.0" encoding="utf-8"?>\r\n'
                b'<Package xmlns="http://schemas.microsoft.com/appx/manifest/foundation/windows10">'
                b'<Identity Name="Mugai.Test" Publisher="CN=Test" Version="1.0.0.0"/>'
                b'<Applications><Application Id="App" Executable="app.exe" '
                b'EntryPoint="Windows.FullTrustApplication"/></Applications></Package>\r\n')
    blockmap = (b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<BlockMap xmlns="http://schemas.microsoft.com/appx/2010/blockmap" '
                b'HashMethod="http://www.w3.org/2001/04/xmlenc#sha256"/>')
    ct = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
          b'package/2006/content-types"><Default Extension="xml" ContentType="application/vnd.ms-'
          b'appx.manifest+xml"/></Types>')
    return make_zip([("AppxManifest.xml", manifest, False), ("AppxBlockMap.xml", blockmap, False),
                     ("[Content_Types].xml", ct, False), ("app.exe", pe(), False)])


SCRIPTS = {
    "invoice.js": b'var sh = new ActiveXObject("WScript.Shell");\r\nsh.Run("calc.exe");\r\n',
    "invoice.vbs": b'Set sh = CreateObject("WScript.Shell")\r\nsh.Run "calc.exe"\r\n',
    "invoice.ps1": b"Start-Process calc.exe\r\n",
    "invoice.bat": b"@echo off\r\nstart calc.exe\r\n",
    "invoice.cmd": b"@echo off\r\nstart calc.exe\r\n",
    "invoice.wsf": (b'<job id="a"><script language="JScript">'
                    b'new ActiveXObject("WScript.Shell").Run("calc.exe");</script></job>\r\n'),
    "invoice.hta": (b"<html><head><HTA:APPLICATION ID=\"a\" WINDOWSTATE=\"minimize\">"
                    b"<script language=\"VBScript\">CreateObject(\"WScript.Shell\").Run "
                    b"\"calc.exe\"</script></head></html>\r\n"),
    # content rules, whatever the name
    "notes.txt": b"#!/bin/sh\necho hello\n",
    "page.html": (b"<html><head><title>a</title><hta:application id=\"x\"/></head>"
                  b"<body>hello</body></html>\n"),
}

SHORTCUTS = {
    "share.url": b"[InternetShortcut]\r\nURL=file://192.0.2.1/share/invoice.exe\r\n",
    "query.iqy": b"WEB\r\n1\r\nhttp://192.0.2.1/query.txt\r\n",
    "sheet.slk": b'ID;P\r\nC;X1;Y1;K"hello"\r\nE\r\n',
    "docs.library-ms": (
        b'<?xml version="1.0" encoding="UTF-8"?>\r\n'
        b'<libraryDescription xmlns="http://schemas.microsoft.com/windows/2009/library">\r\n'
        b"<name>Documents</name><searchConnectorDescriptionList><searchConnectorDescription>"
        b"<simpleLocation><url>\\\\192.0.2.1\\share</url></simpleLocation>"
        b"</searchConnectorDescription></searchConnectorDescriptionList>\r\n"
        b"</libraryDescription>\r\n"),
    # content rules, whatever the name
    "link.txt": b"; saved link\r\n[InternetShortcut]\r\nURL=file://192.0.2.1/share/a.exe\r\n",
    "data.csv": b'ID;PWXL;N;E\r\nC;X1;Y1;K"hello"\r\nE\r\n',
    "link-utf16.txt": "\ufeff[InternetShortcut]\r\nURL=file://192.0.2.1/a.exe\r\n".encode(
        "utf-16-le"),
}


# --------------------------------------------------------------------------
# OOXML and ODF

CT_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
           b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
           b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
           b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>')
CT_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CT_DOCM = "application/vnd.ms-word.document.macroEnabled.main+xml"
CT_DOTX = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_XLSB = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
CT_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
CT_PPSX = "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml"
CT_POTM = "application/vnd.ms-powerpoint.template.macroEnabled.main+xml"


def content_types(part, ctype, extra=b""):
    return (CT_HEAD + b'<Override PartName="/' + part.encode() + b'" ContentType="' +
            ctype.encode() + b'"/>' + extra + b"</Types>")


def rels(target):
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/officeDocument" Target="' + target.encode() + b'"/></Relationships>')


RELS_DOCX = rels("word/document.xml")
DOCUMENT_XML = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                b"<w:body><w:p><w:r><w:t>\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81"
                b"\xaf</w:t></w:r></w:p></w:body></w:document>")
WORKBOOK_XML = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
PRESENTATION_XML = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                    b'<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/'
                    b'2006/main"/>')
VBA_CT = (b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>')


def ooxml(part, ctype, body, vba=False, ct=True):
    members = []
    if ct:
        members.append(("[Content_Types].xml",
                        content_types(part, ctype, VBA_CT if vba else b""), False))
    members += [("_rels/.rels", rels(part), False), (part, body, False)]
    if vba:
        folder = part.split("/")[0]
        members.append((folder + "/vbaProject.bin", ole2(["PROJECT", "PROJECTwm"]), False))
    return make_zip(members)


def ooxml_names_only(part, body, vba=False):
    """[Content_Types].xml without an Override for the main part: names decide."""
    members = [("[Content_Types].xml", CT_HEAD + b"</Types>", False),
               ("_rels/.rels", rels(part), False), (part, body, False)]
    if vba:
        members.append((part.split("/")[0] + "/vbaProject.bin", ole2(["PROJECT"]), False))
    return make_zip(members)


def odf(mimetype):
    manifest = (b'<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
                b'"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                b'<manifest:file-entry manifest:full-path="/" manifest:media-type="' +
                mimetype.encode() + b'"/><manifest:file-entry manifest:full-path="content.xml" '
                b'manifest:media-type="text/xml"/></manifest:manifest>\n')
    content = (b'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content xmlns:office='
               b'"urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2">'
               b"<office:body/></office:document-content>\n")
    return make_zip([("mimetype", mimetype.encode(), True), ("content.xml", content, False),
                     ("META-INF/manifest.xml", manifest, False)])


# --------------------------------------------------------------------------
# Images, archives, text


def png():
    def chunk(t, data):
        return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def gif():
    return (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00"
            b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def jpeg_head():
    """SOI and a JFIF APP0 segment: enough for identification, not a decodable image."""
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            b"\xff\xd9")


def bmp():
    pixels = b"\x00\x00\xff\x00"
    hdr = b"BM" + struct.pack("<IHHI", 14 + 40 + len(pixels), 0, 0, 54)
    dib = struct.pack("<IiiHHIIiiII", 40, 1, 1, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return hdr + dib + pixels


def tiff():
    return b"II*\x00\x08\x00\x00\x00" + struct.pack("<H", 0) + struct.pack("<I", 0)


def webp():
    body = b"WEBPVP8L" + struct.pack("<I", 5) + b"\x2f\x00\x00\x00\x00" + b"\x00"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def pdf():
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, o in enumerate(objs):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def tar_bytes():
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.USTAR_FORMAT) as t:
        data = b"hello\n"
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        info.mtime = 1711962000
        t.addfile(info, io.BytesIO(data))
    return b.getvalue()


def cpio_newc():
    def entry(name, data, mode):
        name_b = name.encode() + b"\0"
        hdr = b"070701" + b"".join(b"%08X" % v for v in (
            1, mode, 0, 0, 1, 1711962000, len(data), 0, 0, 0, 0, len(name_b), 0))
        out = hdr + name_b
        out += b"\0" * ((4 - len(out) % 4) % 4)
        out += data + b"\0" * ((4 - len(data) % 4) % 4)
        return out
    return entry("hello.txt", b"hello\n", 0o100644) + entry("TRAILER!!!", b"", 0)


def lzh():
    """A level-0 LHA header for a stored (-lh0-) member."""
    data = b"hello\n"
    name = b"hello.txt"
    body = b"-lh0-" + struct.pack("<IIIBB", len(data), len(data), 0, 0x20, 0)
    body += bytes([len(name)]) + name + struct.pack("<H", zlib.crc32(data) & 0xFFFF)
    hdr = bytes([len(body), sum(body) & 0xFF]) + body
    return hdr + data + b"\0"


def cab():
    d = bytearray(b"MSCF\0\0\0\0")
    d += struct.pack("<IIIIBBHHHHH", 0x50, 0, 0x2C, 0, 3, 1, 1, 1, 0, 0x1234, 0)
    return bytes(d) + bytes(0x50 - len(d))


def eml():
    return (b"From: sender@example.jp\r\nTo: user@example.jp\r\nSubject: test\r\n"
            b"Date: Mon, 1 Apr 2024 09:00:00 +0900\r\nMessage-ID: <1@example.jp>\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhello\r\n")


BENIGN_FILES = {
    "minimal.docx": lambda: ooxml("word/document.xml", CT_DOCX, DOCUMENT_XML),
    "minimal.docm": lambda: ooxml("word/document.xml", CT_DOCM, DOCUMENT_XML, vba=True),
    "minimal.dotx": lambda: ooxml("word/document.xml", CT_DOTX, DOCUMENT_XML),
    "minimal.xlsx": lambda: ooxml("xl/workbook.xml", CT_XLSX, WORKBOOK_XML),
    "minimal.xlsm": lambda: ooxml("xl/workbook.xml", CT_XLSM, WORKBOOK_XML, vba=True),
    "minimal.xlsb": lambda: ooxml("xl/workbook.bin", CT_XLSB, b"\x83\x01\x00"),
    "minimal.pptx": lambda: ooxml("ppt/presentation.xml", CT_PPTX, PRESENTATION_XML),
    "minimal.ppsx": lambda: ooxml("ppt/presentation.xml", CT_PPSX, PRESENTATION_XML),
    "minimal.potm": lambda: ooxml("ppt/presentation.xml", CT_POTM, PRESENTATION_XML, vba=True),
    # the content type is docx but a vbaProject.bin is there: counts as macro-enabled
    "hidden-vba.docx": lambda: make_zip([
        ("[Content_Types].xml", content_types("word/document.xml", CT_DOCX), False),
        ("_rels/.rels", RELS_DOCX, False), ("word/document.xml", DOCUMENT_XML, False),
        ("word/vbaProject.bin", ole2(["PROJECT"]), False)]),
    "names-only.xlsx": lambda: ooxml_names_only("xl/workbook.xml", WORKBOOK_XML),
    "names-only-vba.docx": lambda: ooxml_names_only("word/document.xml", DOCUMENT_XML, vba=True),
    "minimal.odt": lambda: odf("application/vnd.oasis.opendocument.text"),
    "minimal.ods": lambda: odf("application/vnd.oasis.opendocument.spreadsheet"),
    "minimal.odp": lambda: odf("application/vnd.oasis.opendocument.presentation"),
    "minimal.ott": lambda: odf("application/vnd.oasis.opendocument.text-template"),
    "minimal.doc": lambda: ole2(["\x05SummaryInformation", "1Table", "WordDocument"]),
    "minimal.xls": lambda: ole2(["\x05SummaryInformation", "Workbook"]),
    "minimal.ppt": lambda: ole2(["Current User", "PowerPoint Document", "Pictures"]),
    # the Office stream is past the first directory sector (entries 4..)
    "deep.doc": lambda: ole2(["\x05SummaryInformation", "\x05DocumentSummaryInformation",
                              "1Table", "CompObj", "Data", "WordDocument"]),
    "minimal.jtd": lambda: ole2(["JSRV_SegmentInformation", "DocumentText"]),
    "other.ole": lambda: ole2(["Contents", "CompObj"]),
    "plain.zip": lambda: make_zip([("readme.txt", b"hello\r\n", False),
                                   ("\u8cc7\u6599/\u8868.csv", b"a,b\r\n1,2\r\n", False)]),
    "one.png": png,
    "one.gif": gif,
    "head.jpg": jpeg_head,
    "one.bmp": bmp,
    "tiny.tif": tiff,
    "tiny.webp": webp,
    "minimal.pdf": pdf,
    "minimal.rtf": lambda: b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} hello\\par}\r\n",
    "hello.txt.gz": lambda: gzip.compress(b"hello\n", mtime=0),
    "hello.txt.bz2": lambda: bz2.compress(b"hello\n"),
    "hello.txt.xz": lambda: lzma.compress(b"hello\n"),
    "hello.txt.zst": lambda: bytes.fromhex("28B52FFD2406310000") + b"hello\n" + bytes(4),
    "hello.7z": lambda: b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(24),
    "hello4.rar": lambda: b"Rar!\x1a\x07\x00" + bytes(13),
    "hello5.rar": lambda: b"Rar!\x1a\x07\x01\x00" + bytes(12),
    "hello.cab": cab,
    "hello.lzh": lzh,
    "hello.cpio": cpio_newc,
    "hello.tar": tar_bytes,
    "plain.txt": lambda: ("\u8acb\u6c42\u66f8\u3092\u304a\u9001\u308a\u3057\u307e\u3059\u3002\n"
                          "hello\n").encode("utf-8"),
    "sjis.txt": lambda: "\u8acb\u6c42\u66f8\u3092\u304a\u9001\u308a\u3057\u307e\u3059\u3002\r\n"
                        .encode("cp932") * 4,
    "table.csv": lambda: b"name,amount\r\nA,100\r\nB,200\r\nC,300\r\n",
    "page.html": lambda: (b"<!DOCTYPE html>\n<html><head><title>t</title></head>"
                          b"<body><p>hello</p></body></html>\n"),
    "data.xml": lambda: b'<?xml version="1.0" encoding="UTF-8"?>\n<root><item>1</item></root>\n',
    "pic.svg": lambda: (b'<?xml version="1.0"?>\n<!-- drawn by hand -->\n'
                        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                        b'<rect width="10" height="10"/></svg>\n'),
    "mail.eml": eml,
    "empty.txt": lambda: b"",
}

def split_names_zip():
    """Local header says Evil.class, the central directory says notes1.txt."""
    z = bytearray(make_zip([("notes1.txt", java_class(), True)]))
    assert z[30:40] == b"notes1.txt"
    z[30:40] = b"Evil.class"
    return bytes(z)


class _Unseekable(io.RawIOBase):
    """Makes zipfile write data descriptors (flag bit 3), as streaming writers do."""
    def __init__(self):
        self.buf = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.buf += b
        return len(b)


def streamed_split_zip():
    """Deflated members with data descriptors; the second one's local name is Evil.class."""
    out = _Unseekable()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("readme.txt", FIXED_TIME), b"hello\r\n" * 50)
        z.writestr(zipfile.ZipInfo("notes1.txt", FIXED_TIME), java_class() * 3)
    z = bytearray(out.buf)
    i = z.index(b"PK\x03\x04", 4)
    assert z[i + 6] & 0x08 and z[i + 30:i + 40] == b"notes1.txt"
    z[i + 30:i + 40] = b"Evil.class"
    return bytes(z)


BLOCKED_FILES = {
    "program.exe": pe,
    "program.elf": elf,
    "program.macho": macho64,
    "program-fat.macho": macho_fat,
    "A.class": java_class,
    "program.jar": jar,
    "setup.msi": msi,
    "shortcut.lnk": lnk,
    "help.chm": chm,
    "disk.iso": iso,
    "disk.img": disk_mbr,
    "volume.img": disk_fat,
    "disk.vhd": vhd,
    "disk.vhdx": vhdx,
    "notebook.one": onenote,
    "package.appx": appx,
    # name versus content
    "report.pdf": pe,
    "\u8acb\u6c42\u66f8.txt": pe,
    "\u5951\u7d04\u66f8.docx": jar_as_docx,
    "split-names.zip": split_names_zip,
    "streamed-split.zip": streamed_split_zip,
}


def main():
    for d in (BLOCKED, BENIGN, SEEDS):
        if os.path.isdir(d):
            for f in os.listdir(d):
                p = os.path.join(d, f)
                if os.path.isfile(p) and not f.startswith("crash-"):
                    os.remove(p)
    made = []
    for name, fn in BLOCKED_FILES.items():
        write(BLOCKED, name, fn())
        made.append((BLOCKED, name))
    for name, data in list(SCRIPTS.items()) + list(SHORTCUTS.items()):
        write(BLOCKED, name, data)
        made.append((BLOCKED, name))
    for name, fn in BENIGN_FILES.items():
        write(BENIGN, name, fn())
        made.append((BENIGN, name))
    os.makedirs(SEEDS, exist_ok=True)
    prefix = {BLOCKED: "blocked-", BENIGN: "benign-"}
    for d, name in made:
        p = os.path.join(d, name)
        if 0 < os.path.getsize(p) < 40 * 1024:
            shutil.copyfile(p, os.path.join(SEEDS, prefix[d] + name))
    print("wrote %d samples" % len(made))


if __name__ == "__main__":
    main()
