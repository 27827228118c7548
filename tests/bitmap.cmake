mugai_unit_test(bitmap)
mugai_py_test(bitmap)
