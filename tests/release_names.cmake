# The names released files get (names_release_name), through the mugai binary.
mugai_py_test(release_names)
