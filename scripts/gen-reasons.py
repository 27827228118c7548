#!/usr/bin/env python3
"""The README's lists of reason codes and action words, from engine/reasons.def.

    scripts/gen-reasons.py en|ja      print the list for README.md or README.ja.md
    scripts/gen-reasons.py --write    put the lists into both READMEs
    scripts/gen-reasons.py --check    exit 1 when a README's list differs from the table

The lists sit between the markers BEGIN and END below; everything else in
the READMEs is left as it is. The table is the C preprocessor's X-macro file:
each row is REASON(enum, "code", CLASS, "English", "Japanese") or
ACTION(enum, "word", "English", "Japanese"), strings possibly split into
adjacent literals. A row this script cannot read is an error, not a silent
omission (the count of rows must match the count of REASON( and ACTION(
at the start of a line).
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = "<!-- reason codes: generated from engine/reasons.def by scripts/gen-reasons.py -->"
END = "<!-- end of reason codes -->"

STR = r'((?:"(?:[^"\\]|\\.)*"\s*)+)'
REASON_RE = re.compile(r'^REASON\(\s*(\w+)\s*,\s*' + STR + r',\s*(\w+)\s*,\s*' + STR + r',\s*' +
                       STR + r'\)', re.M)
ACTION_RE = re.compile(r'^ACTION\(\s*(\w+)\s*,\s*' + STR + r',\s*' + STR + r',\s*' + STR + r'\)',
                       re.M)

HEAD = {
    "en": ("Why a file was not released (`reason_code` in the JSON report, the `reason=` of a "
           "held message's `X-Mugai-Result` header, the notices). The class says what kind of "
           "cause it is: `internal` means the gateway failed, not that the file is bad.",
           "| code | class | meaning |",
           "What was done to part of a file (`action` in the report's `actions`):",
           "| action | meaning |"),
    "ja": ("ファイルを通さなかった理由 (JSON レポートの `reason_code`、保留したメールの "
           "`X-Mugai-Result` ヘッダーの `reason=`、通知)。種類 (class) は原因の分類で、"
           "`internal` はファイルではなくゲートウェイ側の失敗を表します。",
           "| コード | 種類 | 意味 |",
           "ファイルの一部に対して行った処理 (レポートの `actions` の `action`):",
           "| action | 意味 |"),
}


def literal(s):
    """The value of adjacent C string literals (the table uses no escapes but \\" and \\\\)."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', s)
    return "".join(re.sub(r"\\(.)", r"\1", p) for p in parts)


def read_table(path=os.path.join(ROOT, "engine", "reasons.def")):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    reasons = [(m.group(1), literal(m.group(2)), m.group(3).lower(), literal(m.group(4)),
                literal(m.group(5))) for m in REASON_RE.finditer(text)]
    actions = [(m.group(1), literal(m.group(2)), literal(m.group(3)), literal(m.group(4)))
               for m in ACTION_RE.finditer(text)]
    n_reason = len(re.findall(r"^REASON\(", text, re.M))
    n_action = len(re.findall(r"^ACTION\(", text, re.M))
    if len(reasons) != n_reason or len(actions) != n_action or not reasons or not actions:
        sys.exit(f"{path}: read {len(reasons)} of {n_reason} REASON rows and "
                 f"{len(actions)} of {n_action} ACTION rows")
    return reasons, actions


CLASS_WORDS = {"active": "active-content"}  # as reason_class_name() spells them


def md_list(lang, reasons, actions):
    intro, rhead, aintro, ahead = HEAD[lang]
    out = [BEGIN, intro, "", rhead, "|---|---|---|"]
    for _, code, cls, en, ja in reasons:
        out.append(f"| `{code}` | `{CLASS_WORDS.get(cls, cls)}` | {en if lang == 'en' else ja} |")
    out += ["", aintro, "", ahead, "|---|---|"]
    for _, word, en, ja in actions:
        out.append(f"| `{word}` | {en if lang == 'en' else ja} |")
    out.append(END)
    return "\n".join(out) + "\n"


def readme_path(lang):
    return os.path.join(ROOT, "README.md" if lang == "en" else "README.ja.md")


def split_readme(text, path):
    b, e = text.find(BEGIN), text.find(END)
    if b < 0 or e < b:
        sys.exit(f"{path}: no generated reason list (markers missing)")
    return text[:b], text[b:e + len(END) + 1], text[e + len(END) + 1:]


def main(argv):
    reasons, actions = read_table()
    if len(argv) == 2 and argv[1] in ("en", "ja"):
        sys.stdout.write(md_list(argv[1], reasons, actions))
        return 0
    if len(argv) == 2 and argv[1] in ("--check", "--write"):
        bad = 0
        for lang in ("en", "ja"):
            path = readme_path(lang)
            text = open(path, encoding="utf-8").read()
            head, cur, tail = split_readme(text, path)
            want = md_list(lang, reasons, actions)
            if cur == want:
                continue
            if argv[1] == "--write":
                open(path, "w", encoding="utf-8").write(head + want + tail)
                print(f"{path}: updated")
            else:
                print(f"{path}: the reason list differs from engine/reasons.def; "
                      f"run scripts/gen-reasons.py --write")
                bad = 1
        return bad
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
