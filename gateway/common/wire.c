/*
 * wire - bounded records between processes (see wire.h).
 */
#include "wire.h"
#include "err.h"

#include <string.h>

void wire_w_init(struct wire_w *w, struct buf *b)
{
    w->b = b;
    w->err = MG_OK;
}

static void wire_put(struct wire_w *w, const void *p, size_t n)
{
    if (w->err == MG_OK && n)
        w->err = buf_append(w->b, p, n);
}

void wire_put_u32(struct wire_w *w, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    wire_put(w, b, sizeof(b));
}

void wire_put_u64(struct wire_w *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    wire_put(w, b, sizeof(b));
}

void wire_put_bytes(struct wire_w *w, const void *p, size_t n)
{
    if (n > UINT32_MAX) {
        if (w->err == MG_OK)
            w->err = MG_ERR_LIMIT;
        return;
    }
    wire_put_u32(w, (uint32_t)n);
    wire_put(w, p, n);
}

void wire_put_str(struct wire_w *w, const char *s)
{
    wire_put_bytes(w, s ? s : "", s ? strlen(s) : 0);
}

void wire_r_init(struct wire_r *r, const void *p, size_t len)
{
    r->p = p;
    r->len = p ? len : 0;
    r->off = 0;
    r->err = MG_OK;
}

/* The next n bytes, or NULL (and the error set) when they are not there. */
static const uint8_t *wire_take(struct wire_r *r, size_t n)
{
    if (r->err != MG_OK || n > r->len - r->off) {
        r->err = MG_ERR_PARSE;
        return NULL;
    }
    const uint8_t *at = r->p + r->off;
    r->off += n;
    return at;
}

uint32_t wire_get_u32(struct wire_r *r)
{
    const uint8_t *b = wire_take(r, 4);
    uint32_t v = 0;
    for (int i = 0; b && i < 4; i++)
        v |= (uint32_t)b[i] << (8 * i);
    return v;
}

uint64_t wire_get_u64(struct wire_r *r)
{
    const uint8_t *b = wire_take(r, 8);
    uint64_t v = 0;
    for (int i = 0; b && i < 8; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

uint32_t wire_get_enum(struct wire_r *r, uint32_t limit)
{
    uint32_t v = wire_get_u32(r);
    if (r->err == MG_OK && v >= limit)
        r->err = MG_ERR_PARSE;
    return r->err == MG_OK ? v : 0;
}

const uint8_t *wire_get_bytes(struct wire_r *r, size_t max, size_t *n)
{
    uint32_t len = wire_get_u32(r);
    *n = 0;
    if (r->err == MG_OK && len > max)
        r->err = MG_ERR_PARSE;
    const uint8_t *at = wire_take(r, r->err == MG_OK ? len : 0);
    if (!at || r->err != MG_OK)
        return NULL;
    *n = len;
    return at;
}

void wire_get_str(struct wire_r *r, char *dst, size_t cap)
{
    size_t n;
    const uint8_t *s = wire_get_bytes(r, cap ? cap - 1 : 0, &n);
    if (cap)
        dst[0] = 0;
    if (!s || !cap)
        return;
    if (memchr(s, 0, n)) {
        r->err = MG_ERR_PARSE;
        return;
    }
    memcpy(dst, s, n);
    dst[n] = 0;
}

void wire_put_reason(struct wire_w *w, enum reason r)
{
    wire_put_str(w, reason_code(r));
}

enum reason wire_get_reason(struct wire_r *r)
{
    char code[48];
    wire_get_str(r, code, sizeof(code));
    if (r->err != MG_OK || !code[0])
        return REASON_NONE;
    enum reason got = reason_from_code(code);
    if (got == REASON_NONE)
        r->err = MG_ERR_PARSE;
    return got;
}

int wire_end(const struct wire_r *r)
{
    if (r->err != MG_OK)
        return r->err;
    return r->off == r->len ? MG_OK : MG_ERR_PARSE;
}
