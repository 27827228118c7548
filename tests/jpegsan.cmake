# JPEG sanitizer: samples from corpus/jpeg (made by corpus/make-jpeg.py).
mugai_unit_test(jpegsan)
