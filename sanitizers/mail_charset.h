/*
 * mail_charset - text of any declared charset into UTF-8, for the mail
 * sanitizer, without loading anything inside the sandboxed worker.
 *
 * The Japanese encodings (ISO-2022-JP and its CP5022x/-2 variants,
 * Shift_JIS/CP932, EUC-JP) are decoded by our own code through the CP932
 * table (cp932.c): JIS X 0208 rows map arithmetically to Shift_JIS, so the
 * NEC and IBM extensions that Japanese mail uses (circled digits, "㈱")
 * survive, where glibc's ISO-2022-JP would fail on them. UTF-8, US-ASCII,
 * ISO-8859-1 and windows-1252 are decoded directly. Every other charset we
 * know (UTF-16, ISO-8859-x, windows-125x, KOI8, GB2312/GBK/GB18030, Big5,
 * EUC-KR, ...) goes through an iconv descriptor opened once in the parent
 * by mail_charset_init() and reused by every worker.
 *
 * An undeclared or unknown charset is guessed: UTF-8 when the bytes are
 * valid UTF-8, else ISO-2022-JP when they carry its escapes, else CP932 or
 * EUC-JP when valid in one of them; bytes that fit no reading become
 * U+FFFD. Conversion never fails on content: undecodable bytes are replaced
 * and counted, so a part is never lost to a charset, and never mis-decoded
 * silently.
 *
 * iconv_open guard: GMime converts RFC 2231 / RFC 2047 parameter values
 * with iconv while it parses, for whatever charset a hostile message names.
 * glibc's iconv_open dlopen()s the gconv module for a charset not used
 * before, and opening a file kills a sandboxed worker. So this module
 * interposes iconv_open: in the parent every call passes through and the
 * names that opened successfully are remembered (their modules stay loaded:
 * mail_charset_init keeps its descriptors open for the process lifetime);
 * in a forked child a name that was never opened in the parent (and is not
 * one of glibc's built-in converters) fails with EINVAL, as an unknown
 * charset does, instead of reaching dlopen.
 */
#ifndef MUGAI_MAIL_CHARSET_H
#define MUGAI_MAIL_CHARSET_H

#include "buf.h"
#include "utf8.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Once per process, before any fork: open the iconv descriptors. */
int mail_charset_init(void);

/*
 * Append in[0..len), declared as charset (NULL or "" when undeclared), to
 * out as UTF-8. *replaced (may be NULL) is increased by the number of
 * undecodable sequences written as U+FFFD. *known (may be NULL) is set to
 * whether the charset name was recognized. Errors: MG_ERR_LIMIT or
 * MG_ERR_NOMEM from out only.
 */
int mail_charset_to_utf8(const char *charset, const uint8_t *in, size_t len, struct buf *out,
                         size_t *replaced, bool *known);

/* Whether text in this charset keeps ASCII bytes as ASCII (so ASCII markers can be searched). */
bool mail_charset_ascii_compatible(const char *charset);

/*
 * Decode an unfolded header value: RFC 2047 encoded words (adjacent words
 * of one charset joined before decoding, so a character split across two
 * words survives), raw 8-bit bytes guessed as above. Appends UTF-8 to out.
 */
int mail_header_decode(const char *raw, size_t len, struct buf *out, size_t *replaced);

/* Append code point cp as UTF-8. */
int mail_put_utf8(struct buf *out, uint32_t cp);

/* Value of a base64 alphabet character (RFC 4648), -1 for anything else. */
int mail_b64_value(int c);

#endif
