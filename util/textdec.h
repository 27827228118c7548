/*
 * textdec - text in the encodings we decode ourselves, into UTF-8.
 *
 * UTF-8, UTF-16, ISO-8859-1, windows-1252 and the Japanese encodings
 * (Shift_JIS as CP932, EUC-JP, ISO-2022-JP and its CP5022x/-2 variants)
 * are decoded by this code, the Japanese ones through the CP932 table
 * (cp932.c): JIS X 0208 rows map arithmetically to Shift_JIS, so the NEC
 * and IBM extensions that Japanese mail and web pages use (circled digits,
 * "\u3231") survive. No iconv: a sandboxed worker cannot load gconv
 * modules, and these are the encodings Japanese users meet.
 *
 * Every decoder appends to out and never fails on content: a byte or
 * sequence that fits no character becomes U+FFFD and is counted in *bad.
 * Errors: MG_ERR_LIMIT or MG_ERR_NOMEM from out only.
 */
#ifndef MUGAI_TEXTDEC_H
#define MUGAI_TEXTDEC_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Append code point cp as UTF-8 (surrogates and out-of-range values as U+FFFD). */
int textdec_put_utf8(struct buf *out, uint32_t cp);

int textdec_utf8(const uint8_t *in, size_t len, struct buf *out, size_t *bad);
int textdec_latin1(const uint8_t *in, size_t len, struct buf *out, size_t *bad);
int textdec_cp1252(const uint8_t *in, size_t len, struct buf *out, size_t *bad);
/* One windows-1252 byte's code point (U+FFFD for the five unassigned bytes). */
uint32_t textdec_cp1252_char(uint8_t b);
int textdec_cp932(const uint8_t *in, size_t len, struct buf *out, size_t *bad);
int textdec_eucjp(const uint8_t *in, size_t len, struct buf *out, size_t *bad);
int textdec_iso2022jp(const uint8_t *in, size_t len, struct buf *out, size_t *bad);
/* UTF-16, little-endian when le; a lone surrogate or odd last byte is bad. */
int textdec_utf16(const uint8_t *in, size_t len, bool le, struct buf *out, size_t *bad);

/* Undeclared text: ISO-2022-JP when 7-bit with its escapes, UTF-8 when
 * valid, else CP932, else EUC-JP when valid in one of them, else UTF-8 with
 * replacements. */
int textdec_guess(const uint8_t *in, size_t len, struct buf *out, size_t *bad);

bool textdec_has_iso2022_escape(const uint8_t *in, size_t len);
bool textdec_eucjp_valid(const uint8_t *in, size_t len);

#endif
