/*
 * utf8 - strict UTF-8 decoding (RFC 3629): no overlong forms, no
 * surrogates, nothing above U+10FFFF. One decoder for every module that
 * has to decide whether bytes are UTF-8 (names, policy, reports, mail,
 * archives, the JSON check), so they cannot disagree.
 */
#ifndef MUGAI_UTF8_H
#define MUGAI_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode the sequence at s (n bytes available, n >= 1): the code point, with
 * its length in *used; -1 when the bytes there are not valid UTF-8. */
int32_t utf8_next(const uint8_t *s, size_t n, size_t *used);

/* Offset of the first byte that does not start a valid sequence, or n. */
size_t utf8_check(const uint8_t *s, size_t n);

static inline bool utf8_valid(const uint8_t *s, size_t n)
{
    return utf8_check(s, n) == n;
}

/* Encode cp into u (room for 4 bytes) and return the length; a surrogate or
 * anything above U+10FFFF is written as U+FFFD. */
size_t utf8_encode(uint32_t cp, uint8_t u[4]);

/* Whether cp reorders text on display (bidi embeddings, overrides,
 * isolates and marks): Trojan Source, RTLO file names. */
bool utf8_is_bidi(int32_t cp);

/*
 * s as text that is safe to show to a person and to print: control
 * characters (C0, DEL, C1), bidi controls and bytes that are not UTF-8 are
 * written as <U+XXXX> (<XX> for a bad byte). Always NUL-terminated;
 * truncated at a character boundary when dst is too small.
 */
void utf8_printable(const char *s, char *dst, size_t cap);

#endif
