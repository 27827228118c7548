/*
 * buf - growable byte buffer with a hard cap fixed at creation.
 *
 * Every buffer that grows with input has a maximum, so a hostile file can
 * make us fail (MG_ERR_LIMIT) but never make us allocate without bound.
 * The content is always NUL-terminated one byte past len, so text built in a
 * buf can be used as a C string.
 */
#ifndef MUGAI_BUF_H
#define MUGAI_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    uint8_t *data;
    size_t len;   /* bytes in use */
    size_t alloc; /* bytes allocated */
    size_t max;   /* len may never exceed this */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
/* Forget the content, keep the allocation and the cap. */
void buf_reset(struct buf *b);

int buf_append(struct buf *b, const void *p, size_t n);
int buf_putc(struct buf *b, uint8_t c);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Make room for n more bytes without changing len. */
int buf_reserve(struct buf *b, size_t n);

/* Hand the data to the caller (who frees it) and reset b to empty. */
uint8_t *buf_steal(struct buf *b, size_t *len);

#endif
