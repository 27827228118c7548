"""The README's list of fuzz targets (both languages) is the list of
harnesses in fuzz/: a harness added or removed without the README fails."""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402

t = mt.Checker("readme-lists")
have = sorted(os.path.basename(p)[len("fuzz_"):-2]
              for p in glob.glob(os.path.join(mt.SOURCE, "fuzz", "fuzz_*.c")))
t.check(len(have) >= 10, f"harnesses found: {have}")
for readme, marker in (("README.md", r"Targets:\s*(.*?)\. Seeds"),
                       ("README.ja.md", r"対象:\s*(.*?)。シード")):
    with open(os.path.join(mt.SOURCE, readme), encoding="utf-8") as f:
        text = f.read()
    m = re.search(marker, text, re.S)
    listed = sorted(re.findall(r"`([a-z0-9]+)`", m.group(1))) if m else []
    t.check(listed == have, f"{readme}: fuzz targets {listed} == harnesses {have}")
t.done()
