/*
 * mso_props - the \x05SummaryInformation and \x05DocumentSummaryInformation
 * property sets ([MS-OLEPS]): title, author, dates, counts, custom fields.
 *
 * Rebuilt with only the properties whose type is plain data (numbers,
 * booleans, dates, strings and vectors of them) plus the code page and the
 * dictionary of custom property names. Dropped: clipboard data (VT_CF, the
 * thumbnail: a WMF, EMF or bitmap that Explorer and Office render), blobs,
 * streams, storages, objects and types we do not know. Each value runs
 * from its offset to the next one's (or the section's end); the values
 * are copied as they are, with new offsets. A property set that does not
 * parse is dropped whole: the document opens without it.
 */
#include "bytes.h"
#include "err.h"
#include "mso.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROPS_MAX    1024u /* properties in one section */
#define PID_DICT     0u
#define PID_CODEPAGE 1u
#define VT_VECTOR    0x1000u

struct prop {
    uint32_t id, off, end;
};

static bool type_ok(uint16_t vt)
{
    static const uint16_t plain[] = {2,  3,  4,  5,  6,  7,  10, 11, 16, 17,
                                     18, 19, 20, 21, 22, 23, 30, 31, 64};
    uint16_t base = vt & ~VT_VECTOR;
    if ((vt & VT_VECTOR) && base == 12) /* a vector of variants: each checked below */
        return true;
    if (vt & ~(VT_VECTOR | 0xFF))
        return false;
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        if (plain[i] == base)
            return true;
    return false;
}

/* A vector of variants (HeadingPairs): every element's type must be plain too. */
static bool variants_ok(const uint8_t *v, size_t n)
{
    if (n < 8)
        return false;
    uint32_t count = bytes_le32(v + 4);
    size_t o = 8;
    for (uint32_t k = 0; k < count; k++) {
        if (n - o < 4)
            return false;
        uint16_t vt = bytes_le16(v + o);
        if (!type_ok(vt) || (vt & VT_VECTOR))
            return false;
        o += 4;
        size_t sz;
        if (vt == 30 || vt == 31) { /* counted string: bytes or UTF-16 units, padded to 4 */
            if (n - o < 4)
                return false;
            size_t cch = bytes_le32(v + o);
            sz = 4 + (vt == 31 ? cch * 2 : cch);
        } else if (vt == 2 || vt == 11 || vt == 18 || vt == 16 || vt == 17) {
            sz = 4; /* two-byte and one-byte values take four */
        } else if (vt == 5 || vt == 6 || vt == 7 || vt == 20 || vt == 21 || vt == 64) {
            sz = 8;
        } else {
            sz = 4;
        }
        sz = (sz + 3) & ~(size_t)3;
        if (sz > n - o)
            return false;
        o += sz;
    }
    return true;
}

static int cmp_off(const void *a, const void *b)
{
    const struct prop *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * One section at d[0..n): the kept properties written into out (malloc'd).
 * Returns MG_OK, MG_ERR_PARSE when malformed; *dropped counts removals.
 */
static int section(const uint8_t *d, size_t n, bool fix, struct buf *out, unsigned *dropped)
{
    if (n < 8)
        return MG_ERR_PARSE;
    uint32_t size = bytes_le32(d), count = bytes_le32(d + 4);
    if (size > n || size < 8 || count > PROPS_MAX || (size - 8) / 8 < count)
        return MG_ERR_PARSE;
    struct prop *p = calloc(count + 1, sizeof(*p));
    if (p == NULL)
        return MG_ERR_NOMEM;
    int rc = MG_OK;
    uint32_t table_end = 8 + 8 * count;
    for (uint32_t i = 0; i < count; i++) {
        p[i].id = bytes_le32(d + 8 + 8 * i);
        p[i].off = bytes_le32(d + 12 + 8 * i);
        if (p[i].off < table_end || p[i].off >= size)
            rc = MG_ERR_PARSE;
    }
    qsort(p, count, sizeof(*p), cmp_off);
    for (uint32_t i = 0; i < count && rc == MG_OK; i++) {
        p[i].end = i + 1 < count ? p[i + 1].off : size;
        if (p[i].end <= p[i].off || (p[i].end - p[i].off) % 4 != 0)
            rc = MG_ERR_PARSE;
    }
    size_t keep = 0;
    for (uint32_t i = 0; i < count && rc == MG_OK; i++) {
        const uint8_t *v = d + p[i].off;
        size_t vn = p[i].end - p[i].off;
        bool ok = p[i].id == PID_DICT;
        if (!ok && vn >= 4) {
            uint16_t vt = bytes_le16(v);
            ok = type_ok(vt) && (vt != (VT_VECTOR | 12) || variants_ok(v, vn));
        }
        if (ok) {
            p[keep++] = p[i];
        } else {
            (*dropped)++;
            if (!fix)
                rc = MG_ERR_VERIFY;
        }
    }
    if (rc == MG_OK && fix) {
        size_t total = 8 + 8 * keep;
        for (size_t i = 0; i < keep; i++)
            total += p[i].end - p[i].off;
        uint8_t hdr[8];
        bytes_put32(hdr, (uint32_t)total);
        bytes_put32(hdr + 4, (uint32_t)keep);
        rc = buf_append(out, hdr, 8);
        uint32_t at = (uint32_t)(8 + 8 * keep);
        for (size_t i = 0; i < keep && rc == MG_OK; i++) {
            uint8_t e[8];
            bytes_put32(e, p[i].id);
            bytes_put32(e + 4, at);
            at += p[i].end - p[i].off;
            rc = buf_append(out, e, 8);
        }
        for (size_t i = 0; i < keep && rc == MG_OK; i++)
            rc = buf_append(out, d + p[i].off, p[i].end - p[i].off);
    }
    free(p);
    return rc;
}

int mso_props(struct mso *m, struct mso_stream *s, const char *name, bool *drop)
{
    const uint8_t *d = s->data;
    size_t n = s->len;
    unsigned dropped = 0;
    struct buf out;
    buf_init(&out, n + 64);
    int rc = MG_OK;
    *drop = false;
    uint32_t nsets = n >= 28 ? bytes_le32(d + 24) : 0;
    if (n < 28 || bytes_le16(d) != 0xFFFE || nsets < 1 || nsets > 2 ||
        n - 28 < 20 * (size_t)nsets) {
        rc = MG_ERR_PARSE;
        goto out;
    }
    size_t head = 28 + 20 * (size_t)nsets;
    if ((rc = buf_append(&out, d, head)) != MG_OK)
        goto out;
    for (uint32_t k = 0; k < nsets && rc == MG_OK; k++) {
        uint32_t off = bytes_le32(d + 28 + 20 * k + 16);
        if (off < head || off >= n) {
            rc = MG_ERR_PARSE;
            break;
        }
        bytes_put32(out.data + 28 + 20 * k + 16, (uint32_t)out.len);
        rc = section(d + off, n - off, m->fix, &out, &dropped);
    }
out:
    if (rc == MG_OK && dropped && m->fix) {
        mso_action(m, ACTION_REMOVED,
                   "only plain properties are kept: thumbnails (clipboard pictures), blobs and "
                   "embedded objects go",
                   "%u properties of \"%s\"", dropped, name + 1);
        free(s->data);
        s->data = buf_steal(&out, &s->len);
    } else if ((rc == MG_ERR_PARSE || rc == MG_ERR_LIMIT) && m->fix) {
        mso_action(m, ACTION_REMOVED, "a property set that does not parse is not kept",
                   "property set \"%s\" (%zu bytes)", name + 1, n);
        *drop = true;
        rc = MG_OK;
    } else if (rc != MG_OK && !m->fix) {
        rc = mso_fail(m, MG_ERR_VERIFY, REASON_VERIFY_FAILED, "property set \"%s\": %s", name + 1,
                      rc == MG_ERR_VERIFY ? "a property that is not plain data" : "malformed");
    }
    buf_free(&out);
    return rc;
}
