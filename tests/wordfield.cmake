# Word field instructions (formats/wordfield): the HYPERLINK target reader
# against targets written out by hand.
mugai_unit_test(wordfield)
target_link_libraries(t_wordfield PRIVATE mugai_wordfield)
