mugai_unit_test(pngsan)
