mugai_unit_test(ident)
