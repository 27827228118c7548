# The reason table: codes, texts, lookups, and the report built on it.
mugai_unit_test(reason)
