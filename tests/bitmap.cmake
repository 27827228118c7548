mugai_py_test(bitmap)
