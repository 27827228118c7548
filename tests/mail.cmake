# Mail: the sanitizer and its helpers (unit), mugai mail and mugai sanitize on the mail corpus,
# the real messages of corpus/mail-real (end to end).
mugai_unit_test(mailsan)
mugai_py_test(mail)
mugai_py_test(postfix)
mugai_py_test(mail_real)
