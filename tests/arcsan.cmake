# Archive sanitizer: samples from corpus/archive (made by corpus/make-archive.py).
# The unit test inflates output members with zlib itself, independently of
# libarchive, so it links zlib directly.
mugai_unit_test(arcsan)
target_link_libraries(t_arcsan PRIVATE z)
set_tests_properties(unit_arcsan PROPERTIES TIMEOUT 600)
# End to end through the CLI: released zips read back with Python's zipfile
# and 7-Zip, 10 GiB bombs with peak RSS, clamav-testfiles scanned after.
mugai_py_test(archive)
set_tests_properties(e2e_archive PROPERTIES TIMEOUT 1800)
