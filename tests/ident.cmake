mugai_unit_test(ident)
mugai_py_test(ident)
