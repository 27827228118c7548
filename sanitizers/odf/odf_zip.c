/*
 * odf_zip - central directory parse and zip writer for odfsan (see odf_zip.h).
 *
 * The parse is strict on purpose: an OpenDocument package comes from an
 * office suite, so anything two readers could see differently (local and
 * central names that differ, overlapping members, data after the end
 * record) is refused rather than interpreted.
 */
#include "odf_zip.h"
#include "bytes.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define ODFZIP_CD_FIXED    46u
#define ODFZIP_LH_FIXED    30u
#define ODFZIP_EOCD_FIXED  22u
#define ODFZIP_OUT_ENTRIES 65535u
#define ODFZIP_OUT_MAX     0xFFFFFFFEu /* offsets and sizes must fit 32 bits: no zip64 */

static bool sig_at(const uint8_t *d, size_t n, uint64_t off, uint8_t a, uint8_t b)
{
    return off <= n && n - off >= 4 && d[off] == 'P' && d[off + 1] == 'K' && d[off + 2] == a &&
           d[off + 3] == b;
}

static int fail(char *why, size_t whylen, int rc, const char *msg)
{
    if (whylen)
        snprintf(why, whylen, "%s", msg);
    return rc;
}

void odfzip_dir_free(struct odfzip_dir *dir)
{
    if (dir->ent) {
        for (size_t i = 0; i < dir->n; i++)
            free(dir->ent[i].name);
        free(dir->ent);
    }
    dir->ent = NULL;
    dir->n = 0;
}

/* Values a zip64 extra field (id 1) replaces, in the order the format gives. */
static void zip64_extra(const uint8_t *x, size_t xlen, struct odfzip_ent *e, bool want_u,
                        bool want_c, bool want_off, bool *bad)
{
    while (xlen >= 4) {
        uint16_t id = bytes_le16(x), sz = bytes_le16(x + 2);
        if ((size_t)sz > xlen - 4) {
            *bad = true;
            return;
        }
        if (id == 1) {
            const uint8_t *p = x + 4;
            size_t left = sz;
            if (want_u) {
                if (left < 8)
                    goto short_field;
                e->usize = bytes_le64(p);
                p += 8;
                left -= 8;
            }
            if (want_c) {
                if (left < 8)
                    goto short_field;
                e->csize = bytes_le64(p);
                p += 8;
                left -= 8;
            }
            if (want_off) {
                if (left < 8)
                    goto short_field;
                e->lh_off = bytes_le64(p);
            }
            return;
        }
        x += 4 + sz;
        xlen -= 4 + (size_t)sz;
    }
    if (want_u || want_c || want_off)
        *bad = true;
    return;
short_field:
    *bad = true;
}

struct span {
    uint64_t start, end;
};

static int span_cmp(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

int odfzip_read_dir(const uint8_t *d, size_t n, size_t max_entries, struct odfzip_dir *dir,
                    char *why, size_t whylen)
{
    struct span *spans = NULL;
    int rc = MG_ERR_PARSE;
    dir->ent = NULL;
    dir->n = 0;
    if (n < ODFZIP_EOCD_FIXED)
        return fail(why, whylen, MG_ERR_PARSE, "too short to be a zip");

    /* The last end record whose comment runs exactly to the end of the data. */
    size_t eocd = SIZE_MAX;
    size_t lo = n - ODFZIP_EOCD_FIXED > 65535 ? n - ODFZIP_EOCD_FIXED - 65535 : 0;
    for (size_t off = n - ODFZIP_EOCD_FIXED + 1; off-- > lo;) {
        if (sig_at(d, n, off, 5, 6) && off + ODFZIP_EOCD_FIXED + bytes_le16(d + off + 20) == n) {
            eocd = off;
            break;
        }
    }
    if (eocd == SIZE_MAX)
        return fail(why, whylen, MG_ERR_PARSE,
                    "no end-of-central-directory record at the end of the zip");
    uint64_t total = bytes_le16(d + eocd + 10), cd_size = bytes_le32(d + eocd + 12),
             cd_off = bytes_le32(d + eocd + 16);
    uint64_t cd_limit = eocd;
    if (bytes_le16(d + eocd + 4) != 0 || bytes_le16(d + eocd + 6) != 0 ||
        bytes_le16(d + eocd + 8) != total)
        return fail(why, whylen, MG_ERR_PARSE, "multi-disk zip");
    if (total == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu) {
        if (eocd < 20 || !sig_at(d, n, eocd - 20, 6, 7))
            return fail(why, whylen, MG_ERR_PARSE, "zip64 end record locator missing");
        uint64_t z = bytes_le64(d + eocd - 20 + 8);
        if (z > eocd - 20 || eocd - 20 - z < 56 || !sig_at(d, n, z, 6, 6))
            return fail(why, whylen, MG_ERR_PARSE, "zip64 end record missing");
        total = bytes_le64(d + z + 32);
        cd_size = bytes_le64(d + z + 40);
        cd_off = bytes_le64(d + z + 48);
        cd_limit = z;
    }
    if (cd_off > cd_limit || cd_size > cd_limit - cd_off)
        return fail(why, whylen, MG_ERR_PARSE, "central directory outside the data");
    if (total > max_entries)
        return fail(why, whylen, MG_ERR_LIMIT, "more members than the limit");
    if (total == 0)
        return fail(why, whylen, MG_ERR_PARSE, "empty zip");
    if (total > cd_size / ODFZIP_CD_FIXED)
        return fail(why, whylen, MG_ERR_PARSE, "central directory too small for its entries");

    dir->ent = calloc((size_t)total, sizeof(*dir->ent));
    spans = calloc((size_t)total, sizeof(*spans));
    if (!dir->ent || !spans) {
        rc = fail(why, whylen, MG_ERR_NOMEM, "out of memory");
        goto out;
    }
    uint64_t p = cd_off, end = cd_off + cd_size;
    for (uint64_t i = 0; i < total; i++) {
        if (end - p < ODFZIP_CD_FIXED || !sig_at(d, n, p, 1, 2)) {
            rc = fail(why, whylen, MG_ERR_PARSE, "damaged central directory record");
            goto out;
        }
        const uint8_t *c = d + p;
        struct odfzip_ent *e = &dir->ent[i];
        size_t nlen = bytes_le16(c + 28), xlen = bytes_le16(c + 30), clen = bytes_le16(c + 32);
        if (end - p - ODFZIP_CD_FIXED < (uint64_t)nlen + xlen + clen) {
            rc = fail(why, whylen, MG_ERR_PARSE, "central directory record runs past its end");
            goto out;
        }
        if (nlen == 0 || nlen > ODFZIP_NAME_MAX || memchr(c + ODFZIP_CD_FIXED, 0, nlen)) {
            rc = fail(why, whylen, MG_ERR_PARSE, "empty, overlong or NUL-holding member name");
            goto out;
        }
        e->flags = bytes_le16(c + 8);
        e->method = bytes_le16(c + 10);
        e->dos_time = bytes_le16(c + 12);
        e->dos_date = bytes_le16(c + 14);
        e->crc = bytes_le32(c + 16);
        e->csize = bytes_le32(c + 20);
        e->usize = bytes_le32(c + 24);
        e->lh_off = bytes_le32(c + 42);
        e->name = malloc(nlen + 1);
        if (!e->name) {
            rc = fail(why, whylen, MG_ERR_NOMEM, "out of memory");
            goto out;
        }
        memcpy(e->name, c + ODFZIP_CD_FIXED, nlen);
        e->name[nlen] = '\0';
        e->name_len = nlen;
        dir->n++;
        bool bad = false;
        if (e->usize == 0xFFFFFFFFu || e->csize == 0xFFFFFFFFu || e->lh_off == 0xFFFFFFFFu)
            zip64_extra(c + ODFZIP_CD_FIXED + nlen, xlen, e, e->usize == 0xFFFFFFFFu,
                        e->csize == 0xFFFFFFFFu, e->lh_off == 0xFFFFFFFFu, &bad);
        if (bad) {
            rc = fail(why, whylen, MG_ERR_PARSE, "damaged zip64 extra field");
            goto out;
        }
        /* The local header must exist, name the same member and keep its
         * data before the central directory. */
        uint64_t lh = e->lh_off;
        if (lh > cd_off || cd_off - lh < ODFZIP_LH_FIXED || !sig_at(d, n, lh, 3, 4)) {
            rc = fail(why, whylen, MG_ERR_PARSE, "member without a local header");
            goto out;
        }
        size_t lnlen = bytes_le16(d + lh + 26), lxlen = bytes_le16(d + lh + 28);
        uint64_t data = lh + ODFZIP_LH_FIXED + lnlen + lxlen;
        if (data > cd_off || lnlen != nlen ||
            memcmp(d + lh + ODFZIP_LH_FIXED, e->name, nlen) != 0) {
            rc = fail(why, whylen, MG_ERR_PARSE,
                      "a local header names a different member than the central directory");
            goto out;
        }
        if (e->csize > cd_off - data) {
            rc = fail(why, whylen, MG_ERR_PARSE, "member data runs into the central directory");
            goto out;
        }
        spans[i].start = lh;
        spans[i].end = data + e->csize;
        p += ODFZIP_CD_FIXED + nlen + xlen + clen;
    }
    if (p != end) {
        rc = fail(why, whylen, MG_ERR_PARSE, "central directory size does not match its entries");
        goto out;
    }
    qsort(spans, (size_t)total, sizeof(*spans), span_cmp);
    for (uint64_t i = 1; i < total; i++)
        if (spans[i].start < spans[i - 1].end) {
            rc = fail(why, whylen, MG_ERR_PARSE, "members overlap (a zip bomb layout)");
            goto out;
        }
    rc = MG_OK;
out:
    free(spans);
    return rc;
}

bool odfzip_dos_time_valid(uint16_t t, uint16_t dte)
{
    unsigned sec = (t & 31u) * 2, min = (t >> 5) & 63u, hour = t >> 11;
    unsigned day = dte & 31u, mon = (dte >> 5) & 15u;
    return sec < 60 && min < 60 && hour < 24 && day >= 1 && day <= 31 && mon >= 1 && mon <= 12;
}

void odfzip_writer_init(struct odfzip_writer *w, struct buf *out)
{
    w->out = out;
    buf_init(&w->cd, (size_t)ODFZIP_OUT_ENTRIES * (ODFZIP_CD_FIXED + ODFZIP_NAME_MAX));
    w->n = 0;
}

void odfzip_writer_free(struct odfzip_writer *w)
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

/* Raw deflate of data; *res is malloc'd. MG_ERR_LIMIT when it does not shrink. */
static int deflate_all(const uint8_t *data, size_t len, uint8_t **res, size_t *rlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    *res = NULL;
    if (len == 0 || len > UINT32_MAX)
        return MG_ERR_LIMIT;
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
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
    if (zs.total_out >= len) {
        rc = MG_ERR_LIMIT;
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

int odfzip_add(struct odfzip_writer *w, const char *name, const uint8_t *data, size_t len,
               bool deflate, uint16_t dos_time, uint16_t dos_date)
{
    size_t nlen = strlen(name);
    uint8_t *packed = NULL;
    size_t plen = 0;
    int rc;
    if (w->n >= ODFZIP_OUT_ENTRIES || nlen == 0 || nlen > ODFZIP_NAME_MAX)
        return MG_ERR_LIMIT;
    if (len > ODFZIP_OUT_MAX || w->out->len > ODFZIP_OUT_MAX)
        return MG_ERR_LIMIT;
    if (!odfzip_dos_time_valid(dos_time, dos_date)) {
        dos_time = 0;
        dos_date = (1u << 5) | 1u; /* 1980-01-01 */
    }
    uint16_t method = 0;
    if (deflate) {
        rc = deflate_all(data, len, &packed, &plen);
        if (rc == MG_OK)
            method = 8;
        else if (rc != MG_ERR_LIMIT)
            return rc;
    }
    const uint8_t *body = method == 8 ? packed : data;
    size_t blen = method == 8 ? plen : len;
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), data, (uInt)len);
    uint16_t flags = 0;
    for (size_t i = 0; i < nlen; i++)
        if ((unsigned char)name[i] >= 0x80)
            flags = ODFZIP_FLAG_UTF8;
    uint16_t version = method == 8 ? 20 : 10;
    uint32_t lh_off = (uint32_t)w->out->len;
    rc = MG_OK;
    struct buf *o = w->out;
    if (put32(o, 0x04034b50u) || put16(o, version) || put16(o, flags) || put16(o, method) ||
        put16(o, dos_time) || put16(o, dos_date) || put32(o, crc) || put32(o, (uint32_t)blen) ||
        put32(o, (uint32_t)len) || put16(o, (uint16_t)nlen) || put16(o, 0) ||
        buf_append(o, name, nlen) || buf_append(o, body, blen)) {
        rc = MG_ERR_LIMIT;
        goto out;
    }
    struct buf *c = &w->cd;
    if (put32(c, 0x02014b50u) || put16(c, 20) || put16(c, version) || put16(c, flags) ||
        put16(c, method) || put16(c, dos_time) || put16(c, dos_date) || put32(c, crc) ||
        put32(c, (uint32_t)blen) || put32(c, (uint32_t)len) || put16(c, (uint16_t)nlen) ||
        put16(c, 0) || put16(c, 0) || put16(c, 0) || put16(c, 0) || put32(c, 0) ||
        put32(c, lh_off) || buf_append(c, name, nlen)) {
        rc = MG_ERR_LIMIT;
        goto out;
    }
    w->n++;
out:
    free(packed);
    return rc;
}

int odfzip_finish(struct odfzip_writer *w)
{
    struct buf *o = w->out;
    if (o->len > ODFZIP_OUT_MAX || w->cd.len > ODFZIP_OUT_MAX - o->len)
        return MG_ERR_LIMIT;
    uint32_t cd_off = (uint32_t)o->len;
    if (buf_append(o, w->cd.data, w->cd.len) || put32(o, 0x06054b50u) || put16(o, 0) ||
        put16(o, 0) || put16(o, (uint16_t)w->n) || put16(o, (uint16_t)w->n) ||
        put32(o, (uint32_t)w->cd.len) || put32(o, cd_off) || put16(o, 0))
        return MG_ERR_LIMIT;
    return MG_OK;
}
