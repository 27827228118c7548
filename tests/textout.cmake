# The writer of extracted text (util/textout): what it drops, CSV fields,
# numbers and dates as a spreadsheet shows them.
mugai_unit_test(textout)
