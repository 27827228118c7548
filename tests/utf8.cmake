mugai_unit_test(utf8)
