mugai_unit_test(names)
