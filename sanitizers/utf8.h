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

#endif
