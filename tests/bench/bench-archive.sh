#!/bin/sh
# Archive benchmark, side by side on the same archives:
#   mugai CLI   `mugai sanitize` on every archive: a worker per archive, each
#               member identified, sanitized (JPEG, PNG, text, PDF) and
#               verified, the zip rebuilt; ClamAV on the input and the output
#               (and once with scan_input = no)
#   bsdtar      the floor for any rebuild: `bsdtar -xf` into a directory and
#               `bsdtar -a -cf out.zip` of it, one pair of processes per archive
#               (no inspection at all)
# Archives: zip, 7z and tar.gz holding JPEG photos, PNG images, text files
# and a PDF, made here (cjpeg, 7zz, Python). Prints wall time, members/s,
# peak RSS (GNU time) and the ratios.
#
#   tests/bench/bench-archive.sh [BUILD_DIR]      (default: build)
# Needs: libarchive-tools (bsdtar), 7zip (7zz), libjpeg-turbo-progs (cjpeg).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
mugai="$build/mugai"
db="$build/testdb"
. "$root/tests/bench/lib.sh"
need_built "$mugai"
for tool in bsdtar 7zz cjpeg; do
    need_tool $tool
done
bench_work archive

# --- the archives -------------------------------------------------------------
python3 - "$work" "$root" <<'PY'
import io, os, shutil, struct, subprocess, sys, tarfile, zipfile, zlib
work, root = sys.argv[1], sys.argv[2]
src = os.path.join(work, "src")
os.makedirs(src)

def jpeg(w, h, seed):
    px = bytes(v for y in range(h) for x in range(w)
               for v in ((x * 7 + seed * 13) & 255, (y * 5 + seed) & 255, ((x ^ y) + seed * 3) & 255))
    return subprocess.run(["cjpeg", "-quality", "85"], input=b"P6\n%d %d\n255\n" % (w, h) + px,
                          capture_output=True, check=True).stdout

def png(w, h, seed):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    raw = b"".join(b"\0" + bytes(((x * 3 + y + seed) & 255) for x in range(w) for _ in range(3))
                   for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))

pdfs = sorted(f for f in os.listdir(os.path.join(root, "corpus", "pdf")) if f.startswith("doc-"))
text = ("会議録 第%d回\r\n" + "議題: 予算の執行状況について。担当課から説明があった。\r\n" * 300)
members = []
for i in range(4):
    members.append(("photos/photo-%d.jpg" % i, jpeg(800, 600, i)))
for i in range(4):
    members.append(("images/chart-%d.png" % i, png(400, 300, i)))
for i in range(3):
    members.append(("docs/議事録-%d.txt" % i, (text % i).encode("utf-8")))
if pdfs:
    with open(os.path.join(root, "corpus", "pdf", pdfs[0]), "rb") as f:
        members.append(("docs/report.pdf", f.read()))
for name, data in members:
    p = os.path.join(src, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
inp = os.path.join(work, "in")
os.makedirs(inp)
names = [m[0] for m in members]
for k in range(10):
    with zipfile.ZipFile(os.path.join(inp, "set-%02d.zip" % k), "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    with tarfile.open(os.path.join(inp, "set-%02d.tar.gz" % k), "w:gz") as t:
        for name in names:
            t.add(os.path.join(src, name), arcname=name)
    subprocess.run(["7zz", "a", "-bd", "-bso0", "-bsp0", os.path.join(inp, "set-%02d.7z" % k)]
                   + names, cwd=src, check=True)
with open(os.path.join(work, "members"), "w") as f:
    f.write("%d\n" % (len(members) * 30))
PY
n=$(ls "$work/in" | wc -l)
members=$(cat "$work/members")
bytes=$(cat "$work"/in/* | wc -c)
echo "archives: $n (zip, 7z, tar.gz), $members members, $((bytes / 1024)) KiB"

cat > "$work/policy.conf" <<'EOF'
[actions]
zip = sanitize
7z = sanitize
gzip = sanitize
tar = sanitize
pdf = sanitize
EOF
cp "$work/policy.conf" "$work/noscan.conf"
printf '[options]\nscan_input = no\n' >> "$work/noscan.conf"

mkdir -p "$work/o1" "$work/o2" "$work/o3"
m1=$(measure mugai "$mugai" sanitize --db "$db" --policy "$work/policy.conf" --out "$work/o1" \
        "$work"/in/*)
released=$(ls "$work/o1" | wc -l)
m2=$(measure mugai-noscan "$mugai" sanitize --db "$db" --policy "$work/noscan.conf" \
        --out "$work/o2" "$work"/in/*)
p=$(measure bsdtar sh -c "for a in $work/in/*; do d=\$(mktemp -d $work/x-XXXXXX); \
        bsdtar -xf \$a -C \$d && bsdtar -a -cf $work/o3/\$(basename \$a).zip -C \$d . ; \
        rm -rf \$d; done")
echo "mugai released $released of $n archives"
python3 - "$n" "$members" "$m1" "$m2" "$p" <<'PY'
import sys
n, members = int(sys.argv[1]), int(sys.argv[2])
rows = [a.split() for a in sys.argv[3:]]
peer = rows[-1]
ps, pr = float(peer[1]), float(peer[2])
for label, s, r in rows:
    s, r = float(s), float(r)
    print(f"  {label:13s} {s:7.2f} s  {n / s:6.1f} archives/s  {members / s:7.1f} members/s  "
          f"peak RSS {r / 1024:6.1f} MiB  time x{s / ps:.1f}  memory x{r / pr:.1f}")
PY
