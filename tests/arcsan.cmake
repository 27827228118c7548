# Archive sanitizer: samples from corpus/archive (made by corpus/make-archive.py).
# The unit test inflates output members with zlib itself, independently of
# libarchive, so it links zlib directly.
mugai_unit_test(arcsan)
target_link_libraries(t_arcsan PRIVATE z)
set_tests_properties(unit_arcsan PROPERTIES TIMEOUT 600)
