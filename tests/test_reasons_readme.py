#!/usr/bin/env python3
"""The README's reason lists (both languages) are the table's.

scripts/gen-reasons.py reads engine/reasons.def; this test checks that it
reads the same rows the C code has (t_reason --list), that README.md and
README.ja.md hold exactly the list it generates, and that a reason the
binary actually reports is one the README documents."""
import importlib.util
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mugaitest  # noqa: E402

t = mugaitest.Checker("reasons_readme")
src = os.environ.get("MUGAI_SOURCE") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = os.environ["MUGAI_BUILD"]

spec = importlib.util.spec_from_file_location("gen_reasons",
                                              os.path.join(src, "scripts", "gen-reasons.py"))
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)
reasons, actions = gen.read_table()

# 1. The script reads what the compiler reads: same codes, order, classes.
out = subprocess.run([os.path.join(build, "tests", "t_reason"), "--list"], capture_output=True,
                     text=True, check=True).stdout.splitlines()
c_reasons = [tuple(line.split("\t")[1:]) for line in out if line.startswith("reason\t")]
c_actions = [line.split("\t")[1] for line in out if line.startswith("action\t")]
py_reasons = [(code, gen.CLASS_WORDS.get(cls, cls)) for _, code, cls, _, _ in reasons]
t.check(py_reasons == c_reasons, f"gen-reasons.py reads the C table: {py_reasons} vs {c_reasons}")
t.check([w for _, w, _, _ in actions] == c_actions, f"actions: {c_actions}")

# 2. Each README holds the generated list, unchanged.
documented = {}
for lang, name in (("en", "README.md"), ("ja", "README.ja.md")):
    text = open(os.path.join(src, name), encoding="utf-8").read()
    b, e = text.find(gen.BEGIN), text.find(gen.END)
    t.check(0 <= b < e, f"{name}: has the generated reason list")
    if not 0 <= b < e:
        continue
    cur = text[b:e + len(gen.END) + 1]
    want = gen.md_list(lang, reasons, actions)
    t.check(cur == want, f"{name}: reason list matches engine/reasons.def "
                         f"(run scripts/gen-reasons.py --write)")
    # Read the README's list with a plain pattern, not with the generator.
    documented[lang] = re.findall(r"^\| `([a-z-]+)` \| `[a-z-]+` \|", cur, re.M)
    t.check(documented[lang] == [c for c, _ in c_reasons], f"{name}: every code, once, in order")
    # The comparison can fail: a list missing a row is not the table's.
    t.check(gen.md_list(lang, reasons[1:], actions) != cur, f"{name}: a dropped row is noticed")
    # The texts are the table's in that language.
    for _, code, _, en, ja in reasons:
        t.check(f"| `{code}` |" in cur and (en if lang == "en" else ja) in cur,
                f"{name}: {code} with its {lang} text")
t.check(documented.get("en") == documented.get("ja"), "both READMEs list the same codes")

# 3. What the binary reports is documented: a disguised name and an unknown blob.
with tempfile.TemporaryDirectory(prefix="mugai-reasons-") as d:
    named = mugaitest.write(d, "請求書.pdf.exe", "請求書です。\n".encode("utf-8"))
    blob = mugaitest.write(d, "blob.dat", bytes((i * 131 + 7) % 251 for i in range(4096)))
    r = mugaitest.run([named, blob])
    codes = [rep.get("reason_code") for rep in r.reports]
    t.check(len(codes) == 2 and all(c in documented.get("en", []) for c in codes),
            f"reported codes are documented: {codes}")
    t.check(codes == ["dangerous-extension", "unknown-type"], f"the expected reasons: {codes}")
sys.exit(t.done())
