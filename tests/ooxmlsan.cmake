# Office Open XML sanitizer: unit tests on corpus/office (made by
# corpus/make-office.py) and the end-to-end run through the CLI with the
# LibreOffice fidelity check.
mugai_unit_test(ooxmlsan)
mugai_py_test(office)
