#!/usr/bin/env python3
"""Write the compound file (OLE2) samples for the CFB reader.

corpus/cfb/valid-*.cfb     well-formed files (version 3 and 4, mini and
                           regular streams, a nested storage, an empty
                           stream, a last sector cut short) that must read
corpus/cfb/bad-*.cfb       one structural fault each that must be refused:
                           loops, chains past the end, sectors used twice,
                           sizes that disagree with chains, directory
                           loops and orphans, duplicate names, bad headers,
                           oversized directories, storages nested too deep
corpus/seeds/cfb/          every sample under 64 KB, as fuzzing seeds (crash-* files
                           there are fuzzer finds, kept)

The files are built here by a writer of this script's own (not Mugai's),
laid out as: header, FAT, directory, mini FAT, mini stream, large streams;
each stream's sectors consecutive. Every fault is a precise patch of a
valid file, so each sample differs from a readable one in one place.

Run from anywhere: python3 corpus/make-cfb.py
"""

import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cfb")
SEEDS = os.path.join(HERE, "seeds", "cfb")

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
CLSID_WORD = bytes.fromhex("0609020000000000C000000000000046")
CLSID_STORAGE = bytes.fromhex("11223344556677889900AABBCCDDEEFF")


def dir_entry(name, typ, left=NOSTREAM, right=NOSTREAM, child=NOSTREAM, clsid=bytes(16),
              start=0, size=0, color=1):
    e = bytearray(128)
    if name is not None:
        raw = name.encode("utf-16-le")
        e[0:len(raw)] = raw
        struct.pack_into("<H", e, 64, len(raw) + 2)
    e[66] = typ
    e[67] = color
    struct.pack_into("<III", e, 68, left, right, child)
    e[80:96] = clsid
    struct.pack_into("<II", e, 116, start, size)
    return bytes(e)


class Layout:
    """Where build() put things: sector numbers and directory ids."""


def build(tree, version=3, extra_dir=0, root_clsid=CLSID_WORD):
    """tree: list of (name, kind, parent_index or None, data, clsid); kind 's' stream,
    'd' storage. Children of each storage are chained through right-sibling
    links in name order (a valid binary search tree of one branch)."""
    ssz = 512 if version == 3 else 4096
    per = ssz // 4
    n = len(tree)
    # directory ids: root 0, tree[i] -> i + 1
    ents = [None] * (n + 1)
    small = [i for i, t in enumerate(tree) if t[1] == "s" and 0 < len(t[3]) < 4096]
    big = [i for i, t in enumerate(tree) if t[1] == "s" and len(t[3]) >= 4096]
    # mini stream
    mini = b""
    mini_start = {}
    minifat = []
    for i in small:
        d = tree[i][3]
        units = (len(d) + 63) // 64
        mini_start[i] = len(minifat)
        for u in range(units):
            minifat.append(len(minifat) + 1 if u + 1 < units else ENDOFCHAIN)
        mini += d + bytes(units * 64 - len(d))
    ndir = ((n + 1 + extra_dir) * 128 + ssz - 1) // ssz
    nminifat = (len(minifat) * 4 + ssz - 1) // ssz
    nmini = (len(mini) + ssz - 1) // ssz
    nbig = sum((len(tree[i][3]) + ssz - 1) // ssz for i in big)
    nfat = 1
    while nfat * per < nfat + ndir + nminifat + nmini + nbig:
        nfat += 1
    assert nfat <= 109
    L = Layout()
    L.ssz, L.nfat = ssz, nfat
    L.dir0 = nfat
    L.minifat0 = L.dir0 + ndir
    L.mini0 = L.minifat0 + nminifat
    s = L.mini0 + nmini
    fat = [FATSECT] * nfat
    def chain(first, count):
        for k in range(count):
            fat.append(first + k + 1 if k + 1 < count else ENDOFCHAIN)
    chain(L.dir0, ndir)
    chain(L.minifat0, nminifat)
    chain(L.mini0, nmini)
    L.start = {}
    for i in big:
        cnt = (len(tree[i][3]) + ssz - 1) // ssz
        L.start[i] = s
        chain(s, cnt)
        s += cnt
    total = s
    fat += [FREESECT] * (nfat * per - len(fat))
    # directory tree: right-sibling chains in CFB order
    def key(i):
        nm = tree[i][0]
        return (len(nm.encode("utf-16-le")), nm.upper())
    kids = {}
    for i, t in enumerate(tree):
        kids.setdefault(t[2], []).append(i)
    first_child = {}
    right = {}
    for p, lst in kids.items():
        lst.sort(key=key)
        first_child[p] = lst[0] + 1
        for a, b in zip(lst, lst[1:]):
            right[a] = b + 1
    ents[0] = dir_entry("Root Entry", 5, child=first_child.get(None, NOSTREAM), clsid=root_clsid,
                        start=L.mini0 if nmini else ENDOFCHAIN, size=len(mini))
    for i, (name, kind, parent, data, clsid) in enumerate(tree):
        if kind == "d":
            ents[i + 1] = dir_entry(name, 1, right=right.get(i, NOSTREAM),
                                    child=first_child.get(i, NOSTREAM), clsid=clsid)
        else:
            st = mini_start.get(i, L.start.get(i, ENDOFCHAIN))
            ents[i + 1] = dir_entry(name, 2, right=right.get(i, NOSTREAM), start=st, size=len(data))
    raw_dir = b"".join(ents)
    raw_dir += dir_entry(None, 0) * ((ndir * ssz - len(raw_dir)) // 128)
    hdr = bytearray(ssz)
    hdr[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", hdr, 0x18, 0x3E, version, 0xFFFE, 9 if version == 3 else 12, 6)
    struct.pack_into("<IIIIIIIII", hdr, 0x28, ndir if version == 4 else 0, nfat, L.dir0, 0, 4096,
                     L.minifat0 if nminifat else ENDOFCHAIN, nminifat, ENDOFCHAIN, 0)
    for k in range(109):
        struct.pack_into("<I", hdr, 0x4C + 4 * k, k if k < nfat else FREESECT)
    body = bytearray(total * ssz)
    def put(sec, data):
        body[sec * ssz:sec * ssz + len(data)] = data
    put(0, struct.pack("<%dI" % len(fat), *fat))
    put(L.dir0, raw_dir)
    if minifat:
        mf = minifat + [FREESECT] * (nminifat * per - len(minifat))
        put(L.minifat0, struct.pack("<%dI" % len(mf), *mf))
    put(L.mini0, mini)
    for i in big:
        put(L.start[i], tree[i][3])
    L.fat_off = ssz  # byte offset of FAT sector 0
    L.dir_off = ssz + L.dir0 * ssz
    L.minifat_off = ssz + L.minifat0 * ssz
    L.total = total
    return bytearray(bytes(hdr) + bytes(body)), L


def text(n, seed):
    return bytes((seed + i * 7) % 251 for i in range(n))


BASE = [
    ("WordDocument", "s", None, text(5000, 1), None),      # 0: large
    ("1Table", "s", None, text(700, 2), None),             # 1: mini
    ("\x05SummaryInformation", "s", None, text(200, 3), None),  # 2: mini
    ("empty", "s", None, b"", None),                       # 3: empty
    ("ObjectPool", "d", None, b"", CLSID_STORAGE),         # 4: storage
    ("資料", "s", 4, text(9000, 4), None),                  # 5: large, Japanese name
    ("\x01CompObj", "s", 4, text(90, 5), None),            # 6: mini
]


def tree():
    return [tuple(t) for t in BASE]


def fat_off(L, sec):
    return L.fat_off + 4 * sec


def dir_off(L, ident):
    return L.dir_off + 128 * ident


def samples():
    out = {}
    f, L = build(tree())
    out["valid-v3.cfb"] = f
    f, _ = build(tree(), version=4)
    out["valid-v4.cfb"] = f
    f, _ = build(tree())
    out["valid-truncated-tail.cfb"] = f[:-200]  # last sector cut within its padding
    out["bad-truncated-data.cfb"] = f[:-300]  # cut into the last stream's bytes
    f, _ = build([("only", "s", None, text(10, 9), None)])
    out["valid-one-mini.cfb"] = f
    f, _ = build([])
    out["valid-empty.cfb"] = f

    # FAT chains
    big0 = L.start[0]
    f, L = build(tree())
    struct.pack_into("<I", f, fat_off(L, big0 + 3), big0)  # WordDocument loops to its start
    out["bad-fat-loop.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, fat_off(L, big0 + 4), ENDOFCHAIN)
    struct.pack_into("<I", f, fat_off(L, big0 + 3), 5000)  # next sector beyond the file
    out["bad-chain-past-end.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, dir_off(L, 6) + 116, L.start[0])  # 資料 starts inside WordDocument
    out["bad-shared-sector.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, dir_off(L, 1) + 120, 7000)  # WordDocument says 7000 bytes
    out["bad-size-longer.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, dir_off(L, 1) + 120, 4096)  # 10 sectors of chain for 8
    out["bad-size-shorter.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, fat_off(L, big0 + 2), FREESECT)  # chain falls into free space
    out["bad-chain-free.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, fat_off(L, 0), 7)  # the FAT sector not marked FATSECT
    out["bad-fat-unmarked.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, 0x4C + 4, 3)  # header lists a second FAT sector past the count
    out["bad-difat-extra.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, 0x2C, 200)  # more FAT sectors than the file has
    out["bad-fat-count.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<II", f, 0x44, 3, 1)  # a DIFAT sector with no need for one
    out["bad-difat-count.cfb"] = f

    # mini stream
    f, L = build(tree())
    struct.pack_into("<I", f, L.minifat_off + 4 * 11, 0)  # SummaryInformation runs into 1Table
    out["bad-mini-loop.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, dir_off(L, 3) + 116, 9)  # SummaryInformation inside 1Table
    out["bad-mini-shared.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, dir_off(L, 3) + 116, 400)  # beyond the mini stream
    out["bad-mini-past-end.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, dir_off(L, 2) + 120, 900)  # 1Table needs 15 mini sectors, has 11
    out["bad-mini-size.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, 0x40, 3)  # three mini FAT sectors declared, one chained
    out["bad-minifat-count.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, dir_off(L, 0) + 120, 64 * 1000000)  # mini stream beyond the file
    out["bad-ministream-size.cfb"] = f

    # directory
    f, L = build(tree())
    struct.pack_into("<I", f, dir_off(L, 3) + 72, 4)  # the last sibling links to the first
    out["bad-dir-loop.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, dir_off(L, 5) + 76, 0)  # storage's child is the root
    out["bad-dir-root-link.cfb"] = f
    f, L = build(tree(), extra_dir=1)
    f[dir_off(L, 8):dir_off(L, 8) + 128] = dir_entry("Hidden", 2, start=ENDOFCHAIN, size=0)
    out["bad-dir-orphan.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, dir_off(L, 6) + 72, 99)  # link to an entry that does not exist
    out["bad-dir-link-range.cfb"] = f
    t = tree()
    t[3] = ("1TABLE", "s", None, b"", None)
    f, L = build(t)
    out["bad-dir-duplicate.cfb"] = f
    f, L = build(tree())
    f[dir_off(L, 3) + 2 * 3] = ord("/")  # '/' in "\x05Su/..."
    out["bad-dir-name-char.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<H", f, dir_off(L, 2) + 64, 13)  # odd name length
    out["bad-dir-name-length.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<H", f, dir_off(L, 2) + 64, 10)  # name not terminated where it says
    out["bad-dir-name-unterminated.cfb"] = f
    f, L = build(tree())
    f[dir_off(L, 0) + 66] = 1  # first entry is not the root
    out["bad-dir-no-root.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, dir_off(L, 2) + 76, 4)  # a stream with a child
    out["bad-dir-stream-child.cfb"] = f
    f, L = build(tree())
    f[dir_off(L, 4) + 66] = 3  # a lock-bytes entry in the tree
    out["bad-dir-type.cfb"] = f
    f, L = build(tree())
    struct.pack_into("<I", f, dir_off(L, 1) + 120, 0x90000000)  # more than a v3 stream can hold
    out["bad-size-huge.cfb"] = f
    # 20 storages, each inside the one before
    t = [("s%02d" % i, "d", None if i == 0 else i - 1, b"", bytes(16)) for i in range(20)]
    f, L = build(t)
    out["bad-deep-storages.cfb"] = f
    # 4200 directory entries (more than the reader takes): root and one stream, the rest unused
    f, L = build([("a", "s", None, b"x", None)], extra_dir=4200)
    out["bad-dir-too-large.cfb"] = f

    # header
    f, _ = build(tree())
    struct.pack_into("<H", f, 0x1E, 12)  # version 3 with 4096-byte sectors
    out["bad-hdr-shift.cfb"] = f
    f, _ = build(tree())
    struct.pack_into("<H", f, 0x1C, 0xFEFF)
    out["bad-hdr-byteorder.cfb"] = f
    f, _ = build(tree())
    struct.pack_into("<H", f, 0x20, 7)
    out["bad-hdr-minishift.cfb"] = f
    f, _ = build(tree())
    struct.pack_into("<I", f, 0x38, 512)
    out["bad-hdr-cutoff.cfb"] = f
    f, _ = build(tree(), version=4)
    struct.pack_into("<I", f, 0x28, 3)  # version 4 directory sector count wrong
    out["bad-hdr-v4-ndir.cfb"] = f
    f, _ = build(tree())
    out["bad-hdr-short.cfb"] = f[:300]
    return out


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    # Seeds named crash-* are inputs the fuzzer found; they stay.
    os.makedirs(SEEDS, exist_ok=True)
    for f in os.listdir(SEEDS):
        if not f.startswith("crash-"):
            os.remove(os.path.join(SEEDS, f))
    for name, data in sorted(samples().items()):
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(data)
        if len(data) < 65536:
            with open(os.path.join(SEEDS, name), "wb") as fh:
                fh.write(data)
    print(f"wrote {len(os.listdir(OUT))} files into {OUT}")


if __name__ == "__main__":
    main()
