# Word, Excel and PowerPoint 97-2003 sanitizer: unit tests on corpus/msoffice
# (made by corpus/make-msoffice.py) and the end-to-end run through the CLI
# with olefile, xlrd and LibreOffice as the independent readers.
mugai_unit_test(msoffice)
mugai_py_test(msoffice)
