/*
 * utf8 - strict UTF-8 decoding (see utf8.h).
 */
#include "utf8.h"

#include <stdio.h>
#include <string.h>

int32_t utf8_next(const uint8_t *s, size_t n, size_t *used)
{
    uint32_t c = s[0], cp;
    uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    size_t k;
    if (c < 0x80) {
        *used = 1;
        return (int32_t)c;
    } else if (c >= 0xC2 && c <= 0xDF) {
        k = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 2;
        cp = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 3;
        cp = c & 0x07;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        if (c == 0xF4)
            hi = 0x8F; /* past U+10FFFF */
    } else {
        return -1;
    }
    if (n - 1 < k || s[1] < lo || s[1] > hi)
        return -1;
    for (size_t j = 1; j <= k; j++) {
        if ((s[j] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[j] & 0x3Fu);
    }
    *used = k + 1;
    return (int32_t)cp;
}

size_t utf8_check(const uint8_t *s, size_t n)
{
    size_t i = 0, u;
    while (i < n) {
        if (utf8_next(s + i, n - i, &u) < 0)
            return i;
        i += u;
    }
    return n;
}

bool utf8_is_bidi(int32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
           cp == 0x200F || cp == 0x061C;
}

void utf8_printable(const char *s, char *dst, size_t cap)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t n = strlen(s), at = 0;
    if (cap == 0)
        return;
    for (size_t i = 0; i < n;) {
        size_t used = 1;
        int32_t cp = utf8_next(p + i, n - i, &used);
        char esc[16];
        const char *piece = (const char *)p + i;
        size_t plen = used;
        if (cp < 0) {
            snprintf(esc, sizeof(esc), "<%02X>", p[i]);
            used = 1;
        } else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || utf8_is_bidi(cp)) {
            snprintf(esc, sizeof(esc), "<U+%04X>", (unsigned)cp);
        } else {
            esc[0] = 0;
        }
        if (esc[0]) {
            piece = esc;
            plen = strlen(esc);
        }
        if (at + plen >= cap)
            break;
        memcpy(dst + at, piece, plen);
        at += plen;
        i += used;
    }
    dst[at] = 0;
}

size_t utf8_encode(uint32_t cp, uint8_t u[4])
{
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        u[0] = (uint8_t)(0xC0 | (cp >> 6));
        u[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        u[0] = (uint8_t)(0xE0 | (cp >> 12));
        u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    u[0] = (uint8_t)(0xF0 | (cp >> 18));
    u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}
