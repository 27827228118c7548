#!/usr/bin/env python3
"""Make the policy samples.

corpus/policy/*.conf: one bad policy per error class the loader knows; the
bad line sits below a few good lines, comments, blank lines and CRLF line
ends so that the test (tests/t_policy.c) can check the reported line number.

corpus/seeds/policy/*: fuzzing seeds, the shipped default.conf and small
variants (good ones, and a few of the bad ones).

Run from anywhere: python3 corpus/policy/make.py
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEEDS = os.path.join(ROOT, "corpus", "seeds", "policy")

# Four good lines first, so the bad line of every sample is line 5 unless
# the sample says otherwise.
HEAD = b"# sample policy\n\n[limits]\nmax_depth = 3\n"

BAD = {
    # name: bytes (expected line and reason are in tests/t_policy.c)
    "unknown-section": HEAD + b"[limit]\nmax_members = 10\n",
    "key-outside-section": b"# no section yet\n\nmax_depth = 3\n[limits]\n",
    "unknown-key": HEAD + b"max_depht = 2\n",
    "uppercase-key": HEAD + b"Max_Depth = 2\n",
    "fullwidth-space-key": HEAD + "max_members\u3000= 2\n".encode(),
    "key-in-wrong-section": HEAD + b"jpeg_keep_icc = no\n",
    "duplicate-key": HEAD + b"max_members = 10\n# again\nmax_depth = 4\n",
    "duplicate-action": b"[actions]\njpeg = block\n[options]\nscan_input = yes\n"
                        b"[actions]\n\njpeg = sanitize\n",
    "count-too-large": HEAD + b"max_ratio = 100001\n",
    "depth-absurd": b"[limits]\r\n\r\n; comment\r\n\r\nmax_depth = 101\r\n",
    "zero-deadline": HEAD + b"worker_deadline_seconds = 0\n",
    "count-with-suffix": HEAD + b"max_members = 10K\n",
    "negative-count": HEAD + b"max_dimension = -1\n",
    "size-bad-suffix": HEAD + b"max_input_size = 100MB\n",
    "size-overflow": HEAD + b"max_expanded = 99999999999999999999G\n",
    "size-shift-overflow": HEAD + b"max_expanded = 18014398509481984G\n",
    "size-too-large": HEAD + b"max_input_size = 17G\n",
    "size-space": HEAD + b"max_output_size = 100 M\n",
    "missing-value": HEAD + b"max_members =   # none\n",
    "bad-bool": b"[options]\n\n\n\njpeg_keep_icc = maybe\n",
    "bad-action": b"[actions]\n#\n#\n#\njpeg = allow\n",
    "unknown-type": b"[actions]\ntext = sanitize\n\n\nexe = sanitize\n",
    "type-by-extension": b"[actions]\ntext = sanitize\n\n\njpg = sanitize\n",
    "executable-sanitize": b"[actions]\ntext = sanitize\n\n\npe = sanitize\n",
    "executable-flatten": b"[actions]\ntext = sanitize\n\n\nscript = flatten\n",
    "unknown-release": b"[actions]\ntext = sanitize\n\n\nunknown = sanitize\n",
    "flatten-image": b"[actions]\ntext = sanitize\n\n\njpeg = flatten\n",
    "no-equals": HEAD + b"max_members 10\n",
    "missing-key": HEAD + b" = 10\n",
    "section-junk": HEAD + b"[options] yes\n",
    "section-unterminated": HEAD + b"[options\n",
    "overlong-line": HEAD + b"# " + b"x" * 4095 + b"\n",
    "nul-byte": HEAD + b"max_members = 1\x000\n",
    "invalid-utf8": HEAD + b"# \xe3\x81\n",
    "overlong-utf8": HEAD + b"# \xc0\xaf\n",
    "surrogate-utf8": HEAD + b"# \xed\xa0\x80\n",
    "control-char": HEAD + b"max_members = 1\x1b[0m\n",
}

# Good variants for the fuzzer to start from.
GOOD = {
    "minimal.conf": b"[actions]\npdf = flatten\n",
    "crlf-bom.conf": b"\xef\xbb\xbf[limits]\r\nmax_depth = 2\r\n[options]\r\nscan_input = off\r\n",
    "all-keys.conf": b"""[limits]
max_input_size = 512K
max_depth = 0
max_members = 1
max_expanded = 2G
max_ratio = 1000
worker_cpu_seconds = 30
worker_deadline_seconds = 31
worker_memory = 16M
max_output_size = 1048576
max_pixels = 1000
max_dimension = 100
jpeg_max_scans = 1
gif_max_frames = 1
db_max_age_days = 365
[options]
jpeg_keep_icc = no
png_keep_icc = false
csv_neutralize_formulas = 0
scan_input = Off
block_infected_input = TRUE
[actions]
text = block
csv = block
pdf = flatten
eml = sanitize
docx = block
xlsx = sanitize
zip = sanitize
pe = block
unknown = block
""",
    "comments-ja.conf": "; 日本語のコメント\n[limits]  # 上限\nmax_depth = 4 # 深さ\n"
                        "\t[options]\t; オプション\n\tscan_input\t=\tyes\t; 入力\n".encode(),
}


def main():
    for name, data in BAD.items():
        with open(os.path.join(HERE, name + ".conf"), "wb") as f:
            f.write(data)
    os.makedirs(SEEDS, exist_ok=True)
    shutil.copyfile(os.path.join(ROOT, "policy", "default.conf"),
                    os.path.join(SEEDS, "default.conf"))
    for name, data in GOOD.items():
        with open(os.path.join(SEEDS, name), "wb") as f:
            f.write(data)
    for name in ("duplicate-key", "executable-sanitize", "flatten-image", "size-overflow",
                 "invalid-utf8"):
        shutil.copyfile(os.path.join(HERE, name + ".conf"),
                        os.path.join(SEEDS, "bad-" + name + ".conf"))


if __name__ == "__main__":
    main()
