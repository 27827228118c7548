# Text encoding detection and character steppers (util/textenc).
mugai_unit_test(textenc)
