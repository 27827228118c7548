# RTF sanitizer: unit tests of the tokenizer and the writer (t_rtf.c) and
# the end-to-end run of corpus/rtf (made by corpus/make-rtf.py) through the
# CLI, checked with a scanner of the test's own and LibreOffice.
mugai_unit_test(rtf)
mugai_py_test(rtf)
