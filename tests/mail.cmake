mugai_py_test(mail)
