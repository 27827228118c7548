mugai_py_test(cli)
# The README lists every fuzz harness, in both languages.
mugai_py_test(readme_lists)
# The generic helpers and the report and output layers on their own.
mugai_unit_test(buf)
mugai_unit_test(json)
mugai_unit_test(jsoncheck)
mugai_unit_test(report)
mugai_unit_test(outdir)
