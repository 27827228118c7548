# The reason table: codes, texts, lookups, the report and the worker record
# built on it; the READMEs list the table (scripts/gen-reasons.py).
mugai_unit_test(reason)
mugai_py_test(reasons_readme)
