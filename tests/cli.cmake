mugai_py_test(cli)
