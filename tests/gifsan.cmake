mugai_unit_test(gifsan)
