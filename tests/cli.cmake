mugai_py_test(cli)
# The README lists every fuzz harness, in both languages.
mugai_py_test(readme_lists)
