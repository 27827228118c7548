# PDF sanitizer: samples from corpus/pdf (made by corpus/make-pdf.py).
mugai_unit_test(pdfsan)
mugai_py_test(pdf)
