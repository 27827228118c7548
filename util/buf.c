/*
 * buf - growable byte buffer with a hard cap (see buf.h).
 */
#include "buf.h"
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->max = max;
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

int buf_reserve(struct buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return MG_ERR_LIMIT;
    size_t need = b->len + n + 1; /* +1 for the terminating NUL */
    if (need <= b->alloc)
        return MG_OK;
    size_t a = b->alloc ? b->alloc : 256;
    while (a < need)
        a = a > SIZE_MAX / 2 ? need : a * 2;
    /* Never hold much more than the cap allows. */
    if (a > b->max + 1)
        a = b->max + 1;
    if (a < need)
        a = need;
    uint8_t *p = realloc(b->data, a);
    if (!p)
        return MG_ERR_NOMEM;
    b->data = p;
    b->alloc = a;
    return MG_OK;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
    int rc = buf_reserve(b, n);
    if (rc != MG_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return MG_OK;
}

int buf_putc(struct buf *b, uint8_t c)
{
    return buf_append(b, &c, 1);
}

int buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MG_ERR_INTERNAL;
    int rc = buf_reserve(b, (size_t)n);
    if (rc != MG_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return MG_OK;
}

uint8_t *buf_steal(struct buf *b, size_t *len)
{
    uint8_t *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    return p;
}
