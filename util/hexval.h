/*
 * hexval - the value of one ASCII hex digit, for the decoders that read
 * %XX, =XX and \'XX escapes. No locale: isxdigit() would depend on it.
 */
#ifndef MUGAI_HEXVAL_H
#define MUGAI_HEXVAL_H

/* 0..15 for 0-9, a-f, A-F; -1 for anything else (a negative char too). */
static inline int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
