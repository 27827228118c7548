/*
 * zip_write - a plain PKZIP 2.0 writer (see zip.h).
 *
 * Local header, data, and at the end the central directory: no extra
 * fields, no data descriptors, no zip64 (sizes and offsets must fit 32
 * bits, entries 16), every name flagged UTF-8. What it writes is exactly
 * what zip_dir_read() accepts.
 */
#include "zip.h"
#include "err.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define ZIP_CD_FIXED 46u
#define ZIP_NAME_MAX 0xFFFFu
#define ZIP_OUT_MAX  0xFFFFFFFEu /* offsets and sizes must fit 32 bits */

bool zip_dos_time_valid(uint16_t t, uint16_t dte)
{
    unsigned sec = (t & 31u) * 2, min = (t >> 5) & 63u, hour = t >> 11;
    unsigned day = dte & 31u, mon = (dte >> 5) & 15u;
    return sec < 60 && min < 60 && hour < 24 && day >= 1 && day <= 31 && mon >= 1 && mon <= 12;
}

void zip_dos_time_from_unix(int64_t t, uint16_t *dos_time, uint16_t *dos_date)
{
    struct tm tm;
    time_t tt = (time_t)t;
    *dos_time = 0;
    *dos_date = (1u << 5) | 1u; /* 1980-01-01 */
    if (localtime_r(&tt, &tm) == NULL || tm.tm_year < 80)
        return;
    if (tm.tm_year > 207) {
        *dos_time = (23u << 11) | (59u << 5) | 29u;
        *dos_date = (127u << 9) | (12u << 5) | 31u;
        return;
    }
    *dos_time = (uint16_t)((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
    *dos_date = (uint16_t)(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
}

void zip_writer_init(struct zip_writer *w, struct buf *out, int level)
{
    w->out = out;
    buf_init(&w->cd, (size_t)ZIP_WRITE_MAX * (ZIP_CD_FIXED + 1024u));
    w->n = 0;
    w->level = level;
}

void zip_writer_free(struct zip_writer *w)
{
    buf_free(&w->cd);
}

static int put16(struct buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return buf_append(b, x, 2);
}

static int put32(struct buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return buf_append(b, x, 4);
}

/* Raw deflate of data; *res is malloc'd. */
static int deflate_all(int level, const uint8_t *data, size_t len, uint8_t **res, size_t *rlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    *res = NULL;
    if (len > ZIP_OUT_MAX)
        return MG_ERR_LIMIT;
    if (deflateInit2(&zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return MG_ERR_NOMEM;
    uLong bound = deflateBound(&zs, (uLong)len);
    uint8_t *o = malloc(bound);
    int rc = MG_ERR_NOMEM;
    if (!o)
        goto out;
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = o;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
        rc = MG_ERR_INTERNAL;
        goto out;
    }
    *rlen = zs.total_out;
    *res = o;
    o = NULL;
    rc = MG_OK;
out:
    deflateEnd(&zs);
    free(o);
    return rc;
}

int zip_writer_add(struct zip_writer *w, const char *name, const uint8_t *data, size_t len,
                   bool deflate, uint16_t dos_time, uint16_t dos_date)
{
    size_t nlen = strlen(name);
    uint8_t *packed = NULL;
    size_t plen = 0;
    int rc;
    if (w->n >= ZIP_WRITE_MAX || nlen == 0 || nlen > ZIP_NAME_MAX)
        return MG_ERR_LIMIT;
    if (len > ZIP_OUT_MAX || w->out->len > ZIP_OUT_MAX)
        return MG_ERR_LIMIT;
    if (!data)
        data = (const uint8_t *)"";
    if (!zip_dos_time_valid(dos_time, dos_date)) {
        dos_time = 0;
        dos_date = (1u << 5) | 1u; /* 1980-01-01 */
    }
    uint16_t method = ZIP_METHOD_STORE;
    if (deflate) {
        rc = deflate_all(w->level, data, len, &packed, &plen);
        if (rc != MG_OK)
            return rc;
        method = ZIP_METHOD_DEFLATE;
    }
    const uint8_t *body = method == ZIP_METHOD_DEFLATE ? packed : data;
    size_t blen = method == ZIP_METHOD_DEFLATE ? plen : len;
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), data, (uInt)len);
    uint16_t flags = ZIP_FLAG_UTF8;
    uint16_t version = method == ZIP_METHOD_DEFLATE ? 20 : 10;
    uint32_t lh_off = (uint32_t)w->out->len;
    rc = MG_ERR_LIMIT;
    struct buf *o = w->out;
    if (blen > ZIP_OUT_MAX - w->out->len)
        goto out;
    if (put32(o, 0x04034b50u) || put16(o, version) || put16(o, flags) || put16(o, method) ||
        put16(o, dos_time) || put16(o, dos_date) || put32(o, crc) || put32(o, (uint32_t)blen) ||
        put32(o, (uint32_t)len) || put16(o, (uint16_t)nlen) || put16(o, 0) ||
        buf_append(o, name, nlen) || buf_append(o, body, blen))
        goto out;
    struct buf *c = &w->cd;
    if (put32(c, 0x02014b50u) || put16(c, 20) || put16(c, version) || put16(c, flags) ||
        put16(c, method) || put16(c, dos_time) || put16(c, dos_date) || put32(c, crc) ||
        put32(c, (uint32_t)blen) || put32(c, (uint32_t)len) || put16(c, (uint16_t)nlen) ||
        put16(c, 0) || put16(c, 0) || put16(c, 0) || put16(c, 0) || put32(c, 0) ||
        put32(c, lh_off) || buf_append(c, name, nlen))
        goto out;
    w->n++;
    rc = MG_OK;
out:
    free(packed);
    return rc;
}

int zip_writer_finish(struct zip_writer *w)
{
    struct buf *o = w->out;
    if (o->len > ZIP_OUT_MAX || w->cd.len > ZIP_OUT_MAX - o->len)
        return MG_ERR_LIMIT;
    uint32_t cd_off = (uint32_t)o->len;
    if (buf_append(o, w->cd.data, w->cd.len) || put32(o, 0x06054b50u) || put16(o, 0) ||
        put16(o, 0) || put16(o, (uint16_t)w->n) || put16(o, (uint16_t)w->n) ||
        put32(o, (uint32_t)w->cd.len) || put32(o, cd_off) || put16(o, 0))
        return MG_ERR_LIMIT;
    return MG_OK;
}
