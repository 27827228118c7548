# Compound file (OLE2) reader and writer: unit tests on corpus/cfb (made by
# corpus/make-cfb.py) and on files the writer makes; tests/test_msoffice.py
# lists the written files with Python's olefile.
mugai_unit_test(cfb)
