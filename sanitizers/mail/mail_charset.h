/*
 * mail_charset - text of any declared charset into UTF-8, for the mail
 * sanitizer, without loading anything inside the sandboxed worker.
 *
 * The Japanese encodings (ISO-2022-JP and its CP5022x/-2 variants,
 * Shift_JIS/CP932, EUC-JP) are decoded by our own code (util/textdec.c,
 * shared with the web family) through the CP932 table (cp932.c): JIS X 0208 rows map arithmetically
 * to Shift_JIS, so the NEC and IBM extensions that Japanese mail uses (circled digits, "㈱")
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

/*
 * What the message says about charsets, for readings that do not fit:
 * others are the charsets its parts declare (pointers owned by the
 * caller). used and fell_back tell what the last call did.
 */
#define MAIL_CS_OTHERS_MAX 8
struct mail_cs_hint {
    const char *others[MAIL_CS_OTHERS_MAX];
    size_t n_others;
    const char *used; /* the charset read instead of the declared one */
    bool fell_back;
};

/*
 * Append in[0..len) as UTF-8, declared as charset (NULL or "" when
 * undeclared: ASCII assumed). When the declared reading does not fit the
 * bytes (undecodable sequences; 8-bit bytes in a 7-bit charset), the
 * readings tried are: strict UTF-8; the charsets hint->others lists;
 * Shift_JIS (CP932) and EUC-JP when plausible (no user-defined
 * characters, not single characters between Latin letters); for 7-bit
 * text with escapes, ISO-2022-JP. When none fits: the declared reading
 * if only a few bytes are bad, else ISO-8859-1, which keeps every byte.
 * hint (may be NULL) gets what was used. *replaced (may be NULL) counts
 * U+FFFD written. Errors: MG_ERR_LIMIT or MG_ERR_NOMEM from out only.
 */
int mail_charset_decode(const char *charset, struct mail_cs_hint *hint, const uint8_t *in,
                        size_t len, struct buf *out, size_t *replaced);

/* Whether text in this charset keeps ASCII bytes as ASCII (so ASCII markers can be searched). */
bool mail_charset_ascii_compatible(const char *charset);

/*
 * Decode an unfolded header value: RFC 2047 encoded words (adjacent words
 * of one charset joined before decoding, so a character split across two
 * words survives); every run read with mail_charset_decode (encoded words
 * as their charset, raw text as undeclared). Appends UTF-8 to out; hint
 * (may be NULL) has fell_back set when any run did not fit.
 */
int mail_header_decode(const char *raw, size_t len, struct mail_cs_hint *hint, struct buf *out,
                       size_t *replaced);

/* Append code point cp as UTF-8. */
int mail_put_utf8(struct buf *out, uint32_t cp);

/* Value of a base64 alphabet character (RFC 4648), -1 for anything else. */
int mail_b64_value(int c);

#endif
