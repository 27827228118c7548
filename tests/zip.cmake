# formats/zip: the directory reader's refusal rules on corpus/zip (made by
# corpus/make-zip.py), the member reader's budget and CRC, the writer read
# back by unzip(1) and Python's zipfile. End to end (tests/test_zip.py):
# archive, OOXML and OpenDocument refuse the same malformed zips.
mugai_unit_test(zip)
mugai_py_test(zip)
