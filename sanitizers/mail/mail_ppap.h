/*
 * mail_ppap - password candidates in a message's text, for the automatic
 * unlock of an encrypted attachment sent just before (the PPAP habit:
 * a zip in one mail, its password in the next).
 *
 * A candidate is a token of 4 to 64 printable ASCII characters without
 * spaces that follows a password keyword (パスワード, 暗証番号, PW,
 * password, pass, 解凍, with ":", "：", "=", "は" or spaces between), or
 * that stands alone on a line. At most MAIL_PPAP_MAX, each once, in the
 * order found. The text is the sender's: this runs in a sandboxed worker.
 */
#ifndef MUGAI_MAIL_PPAP_H
#define MUGAI_MAIL_PPAP_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

#define MAIL_PPAP_MAX       16
#define MAIL_PPAP_TOKEN_MIN 4
#define MAIL_PPAP_TOKEN_MAX 64

/* Candidates in UTF-8 text, written to out NUL-terminated one after the
 * other; *n how many. MG_OK or MG_ERR_NOMEM/LIMIT. */
int mail_ppap_candidates(const char *text, size_t len, struct buf *out, size_t *n);

#endif
