# Text and CSV sanitizer: encoding detection, control characters, CSV formula cells.
mugai_unit_test(textsan)
