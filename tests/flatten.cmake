# Policy flatten for every document type: the text against LibreOffice's own
# export, hostile samples without their active parts, mail_attachment_text.
mugai_py_test(flatten)
