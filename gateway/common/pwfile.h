/*
 * pwfile - a password file as `--password-file` takes it: one password a
 * line, a trailing CR dropped, empty lines skipped, at most max passwords
 * and PWFILE_MAX bytes. Shared by `mugai sanitize` and `mugai quarantine
 * unlock`.
 */
#ifndef MUGAI_PWFILE_H
#define MUGAI_PWFILE_H

#include "caps.h"

#include <stddef.h>

/* The passwords, each malloc'd, in *list (malloc'd): their count, or -1
 * with errno (EFBIG past PWFILE_MAX, E2BIG past max passwords). */
int pwfile_read(const char *path, size_t max, char ***list);
void pwfile_free(char **list, int n);

#endif
