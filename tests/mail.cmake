# Mail: the sanitizer and its helpers (unit), mugai mail and mugai sanitize on the mail corpus (end to end).
mugai_unit_test(mailsan)
mugai_py_test(mail)
mugai_py_test(postfix)
