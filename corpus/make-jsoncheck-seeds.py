#!/usr/bin/env python3
"""Make the fuzzing seeds for fuzz/fuzz_jsoncheck.c in corpus/seeds/jsoncheck/.

Report trees in the shape engine/report.c writes (with reason codes and
action words from engine/reasons.def), the escaped spellings of their keys
and values, reports with codes the table lacks, deep nesting around the
harness's depth caps, and a few malformed values (bad escapes, invalid
UTF-8, bad numbers).

    python3 corpus/make-jsoncheck-seeds.py

Python standard library only; deterministic.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "seeds", "jsoncheck")


def report(name, verdict, reason_code=None, actions=(), children=()):
    node = {"name": name, "type": "zip", "declared_type": "zip", "verdict": verdict,
            "size": 1234}
    if reason_code is not None:
        node["reason_code"] = reason_code
        node["reason"] = "a program"
    if actions:
        node["actions"] = [{"action": a, "what": "macros", "why": "they run code"} for a in actions]
    if children:
        node["children"] = list(children)
    return node


SEEDS = {
    "report-clean.json": json.dumps(report("a.txt", "clean", actions=["kept"])),
    "report-tree.json": json.dumps(report(
        "a.zip", "sanitized", actions=["added"],
        children=[report("b.exe", "blocked", "executable"),
                  report("c.docx", "sanitized", actions=["removed", "rewrote"]),
                  report("d.csv", "sanitized", reason_code=None, actions=["found"])]),
        ensure_ascii=False),
    "report-null-reason.json": '{"name":"x","reason_code":null,"actions":[]}',
    "report-ja.json": json.dumps(report("名簿.csv", "blocked", "not-text"), ensure_ascii=False),
    "report-ja-escaped.json": json.dumps(report("名簿.csv", "blocked", "not-text")),
    "escaped-key.json": '{"reason\\u005fcode":"\\u006cimit"}',
    "escaped-key-bad.json": '{"reason\\u005fcode":"pwned"}',
    "escaped-action.json": '{"actions":[{"\\u0061ction":"rem\\u006fved"}]}',
    "bad-code.json": '{"children":[{"reason_code":"Limit"}]}',
    "bad-action.json": '{"actions":[{"action":null}]}',
    "code-number.json": '{"reason_code":3}',
    "code-nul.json": '{"reason_code":"limit\\u0000x"}',
    "escapes.json": '["\\"\\\\\\/\\b\\f\\n\\r\\t\\ud83d\\ude00\\u00e9", "\\udc00"]',
    "numbers.json": '[0,-0,1.5,-2e10,3E+2,4e-3,12345678901234567890]',
    "literals.json": ' \t\r\n[true,false,null,{},[],""] \n',
    "deep-4.json": "[" * 4 + "]" * 4,
    "deep-5.json": "[" * 5 + "]" * 5,
    "deep-64.json": '{"a":' * 63 + "[]" + "}" * 63,
    "deep-65.json": "[" * 65 + "]" * 65,
    "deep-unclosed.json": "[{\"a\":" * 40,
    "bad-utf8.json": b'["\xc0\xaf", "\xed\xa0\x80"]',
    "bad-number.json": "[01, 1., .5, -]",
    "bad-escape.json": '["\\x41", "\\u12G4"]',
    "trailing.json": '{"a":1} {"b":2}',
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, text in sorted(SEEDS.items()):
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
