# OpenDocument sanitizer: unit tests on corpus/odf (made by corpus/make-odf.py)
# and end-to-end tests through the CLI (tests/test_odf.py).
mugai_unit_test(odfsan)
mugai_py_test(odf)
