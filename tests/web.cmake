# HTML, SVG and XML: allowlist rebuild, checked with Python parsers.
mugai_py_test(web)
mugai_unit_test(web)
