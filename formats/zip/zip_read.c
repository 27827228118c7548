/*
 * zip_read - the strict central directory reader and the budgeted member
 * reader (see zip.h).
 *
 * Every offset and size is a uint64_t checked against the bytes it claims
 * before it is used; the structure walk never reads past len. The end
 * record is the last signature in the final 64 KiB whose comment reaches
 * exactly to the end, and the members, sorted by offset, must tile the
 * bytes from 0 to the central directory with nothing left over.
 */
#include "zip.h"
#include "bytes.h"
#include "err.h"
#include "satmath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define ZIP_EOCD_SIG   0x06054b50u
#define ZIP_CD_SIG     0x02014b50u
#define ZIP_LH_SIG     0x04034b50u
#define ZIP_DD_SIG     0x08074b50u
#define ZIP64_EOCD_SIG 0x06064b50u
#define ZIP64_LOC_SIG  0x07064b50u
#define ZIP_CHUNK      (64u * 1024u)

static bool zip_sig(const uint8_t *in, size_t len, uint64_t off, uint32_t sig)
{
    return off <= len && len - off >= 4 && bytes_le32(in + off) == sig;
}

void zip_dir_free(struct zip_dir *dir)
{
    free(dir->ent);
    free(dir->names);
    memset(dir, 0, sizeof(*dir));
}

unsigned zip_unix_type(const struct zip_ent *e)
{
    if ((e->made_by >> 8) != 3)
        return 0;
    return (e->ext_attr >> 16) & 0170000u;
}

bool zip_encrypted(const struct zip_ent *e)
{
    return (e->flags & (ZIP_FLAG_ENCRYPTED | ZIP_FLAG_STRONG | ZIP_FLAG_CDENC)) ||
           e->method == ZIP_METHOD_AES;
}

uint64_t zip_ratio_allowed(uint64_t csize, uint64_t ratio)
{
    uint64_t allowed = sat_mul_u64(ratio ? ratio : 1, csize);
    return allowed < ZIP_RATIO_FLOOR ? ZIP_RATIO_FLOOR : allowed;
}

/*
 * Walk extra fields [p, p+n); for the zip64 field (0x0001) fill the values
 * whose 32-bit field was saturated, in the order APPNOTE gives. Returns
 * false on a malformed field list or a zip64 field too short for them.
 */
static bool zip_extra64(const uint8_t *p, size_t n, uint64_t *usize, uint64_t *csize, uint64_t *off,
                        bool want_u, bool want_c, bool want_o)
{
    size_t i = 0;
    while (i < n) {
        if (n - i < 4)
            return false;
        uint16_t id = bytes_le16(p + i), sz = bytes_le16(p + i + 2);
        i += 4;
        if (sz > n - i)
            return false;
        if (id == 0x0001) {
            size_t j = 0;
            if (want_u) {
                if (sz - j < 8)
                    return false;
                *usize = bytes_le64(p + i + j);
                j += 8;
            }
            if (want_c) {
                if (sz - j < 8)
                    return false;
                *csize = bytes_le64(p + i + j);
                j += 8;
            }
            if (want_o && off) {
                if (sz - j < 8)
                    return false;
                *off = bytes_le64(p + i + j);
            }
        }
        i += sz;
    }
    return true;
}

static int zip_ent_cmp(const void *a, const void *b)
{
    const struct zip_ent *x = a, *y = b;
    return x->lh_off < y->lh_off ? -1 : x->lh_off > y->lh_off ? 1 : 0;
}

/* The end record(s): fills the directory's place and entry count. */
static int zip_find_end(const uint8_t *in, size_t len, uint64_t *n_total, uint64_t *cd_off,
                        uint64_t *cd_end, char *why, size_t whylen)
{
    if (len < 22)
        return err_fail(why, whylen, MG_ERR_PARSE, "too short for a zip");
    size_t lo = len - 22 > 0xFFFF ? len - 22 - 0xFFFF : 0;
    size_t eocd = SIZE_MAX;
    for (size_t i = len - 22 + 1; i-- > lo;) {
        if (bytes_le32(in + i) == ZIP_EOCD_SIG) {
            eocd = i;
            break;
        }
    }
    if (eocd == SIZE_MAX)
        return err_fail(why, whylen, MG_ERR_PARSE, "no end-of-central-directory record");
    if (eocd + 22 + bytes_le16(in + eocd + 20) != len)
        return err_fail(why, whylen, MG_ERR_PARSE,
                        "data after the end of the zip (appended or concatenated archive)");

    uint64_t disk = bytes_le16(in + eocd + 4), cd_disk = bytes_le16(in + eocd + 6);
    uint64_t n_disk = bytes_le16(in + eocd + 8), n = bytes_le16(in + eocd + 10);
    uint64_t cd_size = bytes_le32(in + eocd + 12), off = bytes_le32(in + eocd + 16);
    uint64_t end = eocd;
    if (eocd >= 20 && bytes_le32(in + eocd - 20) == ZIP64_LOC_SIG) {
        const uint8_t *loc = in + eocd - 20;
        uint64_t z64 = bytes_le64(loc + 8);
        if (bytes_le32(loc + 4) != 0 || bytes_le32(loc + 16) > 1)
            return err_fail(why, whylen, MG_ERR_UNSUPPORTED, "multi-volume zip64 archive");
        if (z64 > eocd - 20 || eocd - 20 - z64 < 56 || !zip_sig(in, len, z64, ZIP64_EOCD_SIG))
            return err_fail(why, whylen, MG_ERR_PARSE, "bad zip64 end record");
        const uint8_t *r = in + z64;
        if (bytes_le64(r + 4) != eocd - 20 - z64 - 12)
            return err_fail(why, whylen, MG_ERR_PARSE,
                            "zip64 end record does not end at its locator");
        disk = bytes_le32(r + 16);
        cd_disk = bytes_le32(r + 20);
        n_disk = bytes_le64(r + 24);
        n = bytes_le64(r + 32);
        cd_size = bytes_le64(r + 40);
        off = bytes_le64(r + 48);
        end = z64;
    } else if (n == 0xFFFF || cd_size == 0xFFFFFFFFu || off == 0xFFFFFFFFu) {
        return err_fail(why, whylen, MG_ERR_PARSE, "zip64 markers without a zip64 end record");
    }
    if (disk != 0 || cd_disk != 0 || n_disk != n)
        return err_fail(why, whylen, MG_ERR_UNSUPPORTED, "multi-volume zip");
    if (off > end || cd_size != end - off)
        return err_fail(why, whylen, MG_ERR_PARSE,
                        "central directory is not where the end record says "
                        "(prepended or concatenated archive)");
    for (uint64_t i = end; i < eocd; i++)
        if (i + 4 <= len && bytes_le32(in + i) == ZIP_EOCD_SIG)
            return err_fail(why, whylen, MG_ERR_PARSE, "two end-of-central-directory records");
    *n_total = n;
    *cd_off = off;
    *cd_end = end;
    return MG_OK;
}

/* The central directory records into dir->ent, in directory order. */
static int zip_read_cd(const uint8_t *in, struct zip_dir *dir, char *why, size_t whylen)
{
    uint64_t p = dir->cd_off, names_len = 0;
    for (size_t i = 0; i < dir->n; i++) {
        struct zip_ent *e = &dir->ent[i];
        if (dir->cd_end - p < 46 || bytes_le32(in + p) != ZIP_CD_SIG)
            goto bad;
        const uint8_t *h = in + p;
        uint16_t nlen = bytes_le16(h + 28), xlen = bytes_le16(h + 30), clen = bytes_le16(h + 32);
        if (dir->cd_end - p - 46 < (uint64_t)nlen + xlen + clen)
            goto bad;
        e->cd_pos = p;
        e->made_by = bytes_le16(h + 4);
        e->flags = bytes_le16(h + 8);
        e->method = bytes_le16(h + 10);
        e->dos_time = bytes_le16(h + 12);
        e->dos_date = bytes_le16(h + 14);
        e->crc = bytes_le32(h + 16);
        e->csize = bytes_le32(h + 20);
        e->usize = bytes_le32(h + 24);
        e->ext_attr = bytes_le32(h + 38);
        e->lh_off = bytes_le32(h + 42);
        e->name_len = nlen;
        if (bytes_le16(h + 34) != 0 && bytes_le16(h + 34) != 0xFFFF)
            return err_fail(why, whylen, MG_ERR_UNSUPPORTED, "member on another volume");
        if (!zip_extra64(h + 46 + nlen, xlen, &e->usize, &e->csize, &e->lh_off,
                         e->usize == 0xFFFFFFFFu, e->csize == 0xFFFFFFFFu,
                         e->lh_off == 0xFFFFFFFFu))
            goto bad;
        names_len += (uint64_t)nlen + 1;
        p += 46 + (uint64_t)nlen + xlen + clen;
    }
    if (p != dir->cd_end)
        goto bad;
    /* Names: NUL-terminated copies in one block (bounded by the directory size). */
    dir->names = malloc(names_len ? (size_t)names_len : 1);
    if (!dir->names)
        return err_fail(why, whylen, MG_ERR_NOMEM, "out of memory");
    char *np = dir->names;
    for (size_t i = 0; i < dir->n; i++) {
        struct zip_ent *e = &dir->ent[i];
        memcpy(np, in + e->cd_pos + 46, e->name_len);
        np[e->name_len] = '\0';
        e->name = np;
        np += e->name_len + 1;
    }
    return MG_OK;
bad:
    return err_fail(why, whylen, MG_ERR_PARSE, "malformed central directory");
}

/* With a data descriptor: its length after the data, 0 when none agrees. */
static uint64_t zip_descriptor_len(const uint8_t *in, uint64_t cd_off, const struct zip_ent *e,
                                   uint64_t end)
{
    /* Signature optional, sizes 4 or 8 bytes: take the form whose values
     * agree with the central directory. */
    for (int sig = 1; sig >= 0; sig--) {
        uint64_t b = end;
        if (sig) {
            if (!zip_sig(in, (size_t)cd_off, b, ZIP_DD_SIG))
                continue;
            b += 4;
        }
        for (int w = 4; w <= 8; w += 4) {
            uint64_t need = 4 + 2 * (uint64_t)w;
            if (b > cd_off || cd_off - b < need || bytes_le32(in + b) != e->crc)
                continue;
            uint64_t c = w == 4 ? bytes_le32(in + b + 4) : bytes_le64(in + b + 4);
            uint64_t u = w == 4 ? bytes_le32(in + b + 8) : bytes_le64(in + b + 12);
            if (c == e->csize && u == e->usize)
                return (b - end) + need;
        }
    }
    return 0;
}

/* One entry's local header against its directory record; sets data_off and end. */
static int zip_check_local(const uint8_t *in, uint64_t cd_off, struct zip_ent *e, char *why,
                           size_t whylen)
{
    if (e->lh_off > cd_off || cd_off - e->lh_off < 30 || bytes_le32(in + e->lh_off) != ZIP_LH_SIG)
        return err_fail(why, whylen, MG_ERR_PARSE, "central directory points at no local header");
    const uint8_t *l = in + e->lh_off;
    uint16_t lflags = bytes_le16(l + 6), lmethod = bytes_le16(l + 8);
    uint32_t lcrc = bytes_le32(l + 14);
    uint64_t lcsize = bytes_le32(l + 18), lusize = bytes_le32(l + 22);
    uint16_t lnlen = bytes_le16(l + 26), lxlen = bytes_le16(l + 28);
    if (cd_off - e->lh_off - 30 < (uint64_t)lnlen + lxlen)
        return err_fail(why, whylen, MG_ERR_PARSE, "local header runs into the directory");
    if (lnlen != e->name_len || memcmp(l + 30, e->name, lnlen) != 0)
        return err_fail(why, whylen, MG_ERR_PARSE,
                        "local header name differs from the central directory");
    const uint16_t mask = ZIP_FLAG_ENCRYPTED | ZIP_FLAG_DESCRIPTOR | ZIP_FLAG_STRONG |
                          ZIP_FLAG_UTF8 | ZIP_FLAG_CDENC;
    if ((lflags & mask) != (e->flags & mask) || lmethod != e->method)
        return err_fail(why, whylen, MG_ERR_PARSE,
                        "local header flags or method differ from the central directory");
    if (!zip_extra64(l + 30 + lnlen, lxlen, &lusize, &lcsize, NULL, lusize == 0xFFFFFFFFu,
                     lcsize == 0xFFFFFFFFu, false))
        return err_fail(why, whylen, MG_ERR_PARSE, "bad local extra field");
    /* With a data descriptor a local field may be 0 (not known yet when it
     * was written); any other value must agree. */
    bool dd = (e->flags & ZIP_FLAG_DESCRIPTOR) != 0;
    if ((lcrc != e->crc && !(dd && lcrc == 0)) || (lcsize != e->csize && !(dd && lcsize == 0)) ||
        (lusize != e->usize && !(dd && lusize == 0)))
        return err_fail(why, whylen, MG_ERR_PARSE,
                        "local header sizes or CRC differ from the central directory");
    e->data_off = e->lh_off + 30 + lnlen + lxlen;
    if (e->csize > cd_off - e->data_off)
        return err_fail(why, whylen, MG_ERR_PARSE, "member data runs into the directory");
    e->end = e->data_off + e->csize;
    if (dd) {
        uint64_t dlen = zip_descriptor_len(in, cd_off, e, e->end);
        if (!dlen)
            return err_fail(why, whylen, MG_ERR_PARSE,
                            "data descriptor missing or disagreeing with the directory");
        e->end += dlen;
    }
    return MG_OK;
}

int zip_dir_read(const uint8_t *in, size_t len, const struct zip_read_opts *opts,
                 struct zip_dir *dir, char *why, size_t whylen)
{
    uint64_t n_total = 0, cd_off = 0, cd_end = 0;
    memset(dir, 0, sizeof(*dir));
    int rc = zip_find_end(in, len, &n_total, &cd_off, &cd_end, why, whylen);
    if (rc != MG_OK)
        return rc;
    if (n_total > opts->max_entries)
        return err_fail(why, whylen, MG_ERR_LIMIT, "%llu entries exceed the limit of %llu",
                        (unsigned long long)n_total, (unsigned long long)opts->max_entries);
    if (n_total > (cd_end - cd_off) / 46)
        return err_fail(why, whylen, MG_ERR_PARSE, "entry count does not fit the directory");
    if (n_total == 0 && !opts->allow_empty)
        return err_fail(why, whylen, MG_ERR_PARSE, "empty zip");
    if (n_total) {
        dir->ent = calloc((size_t)n_total, sizeof(*dir->ent));
        if (!dir->ent)
            return err_fail(why, whylen, MG_ERR_NOMEM, "out of memory");
    }
    dir->n = (size_t)n_total;
    dir->cd_off = cd_off;
    dir->cd_end = cd_end;
    rc = zip_read_cd(in, dir, why, whylen);
    if (rc != MG_OK)
        goto fail;

    if (dir->n > 1)
        qsort(dir->ent, dir->n, sizeof(*dir->ent), zip_ent_cmp);
    uint64_t prev_end = 0;
    for (size_t i = 0; i < dir->n; i++) {
        struct zip_ent *e = &dir->ent[i];
        if (e->lh_off < prev_end) {
            rc = err_fail(why, whylen, MG_ERR_PARSE, "overlapping entries (a zip bomb technique)");
            goto fail;
        }
        if (e->lh_off > prev_end) {
            rc = err_fail(why, whylen, MG_ERR_PARSE, "%s",
                          i == 0 ? "data before the first entry (prepended or concatenated "
                                   "archive)"
                                 : "unreferenced data between entries (hidden content or "
                                   "concatenated archive)");
            goto fail;
        }
        rc = zip_check_local(in, cd_off, e, why, whylen);
        if (rc != MG_OK)
            goto fail;
        prev_end = e->end;
    }
    if (prev_end != cd_off) {
        rc = err_fail(why, whylen, MG_ERR_PARSE, "%s",
                      dir->n ? "unreferenced data before the central directory"
                             : "data in a zip without entries");
        goto fail;
    }
    return MG_OK;
fail:
    zip_dir_free(dir);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Member data */

static int zip_take(const struct zip_ent *e, const struct zip_budget *bud, struct buf *dst,
                    const uint8_t *p, size_t n, uint64_t *got, uint32_t *crc, char *why,
                    size_t whylen)
{
    *got += n;
    *bud->expanded += n;
    if (*got > e->usize)
        return err_fail(why, whylen, MG_ERR_LIMIT,
                        "member \"%.200s\" expands past its declared size of %llu bytes", e->name,
                        (unsigned long long)e->usize);
    if (*bud->expanded > bud->max_expanded)
        return err_fail(why, whylen, MG_ERR_LIMIT,
                        "decompressed data exceeds the limit of %llu bytes for the whole job "
                        "(at member \"%.200s\")",
                        (unsigned long long)bud->max_expanded, e->name);
    if (buf_append(dst, p, n) != MG_OK)
        return err_fail(why, whylen, MG_ERR_LIMIT, "member \"%.200s\" is too large", e->name);
    *crc = (uint32_t)crc32(*crc, p, (uInt)n);
    return MG_OK;
}

static int zip_inflate(const uint8_t *in, const struct zip_ent *e, const struct zip_budget *bud,
                       struct buf *dst, uint64_t *got, uint32_t *crc, char *why, size_t whylen)
{
    uint8_t chunk[ZIP_CHUNK];
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, -15) != Z_OK)
        return err_fail(why, whylen, MG_ERR_NOMEM, "out of memory");
    const uint8_t *src = in + e->data_off;
    uint64_t left = e->csize;
    int rc = MG_OK, z = Z_OK;
    while (z != Z_STREAM_END) {
        if (zs.avail_in == 0 && left > 0) {
            uInt step = left > 0x40000000u ? 0x40000000u : (uInt)left;
            zs.next_in = (Bytef *)(uintptr_t)src;
            zs.avail_in = step;
            src += step;
            left -= step;
        }
        zs.next_out = chunk;
        zs.avail_out = sizeof(chunk);
        z = inflate(&zs, Z_NO_FLUSH);
        if (z != Z_OK && z != Z_STREAM_END) {
            rc = err_fail(why, whylen, MG_ERR_PARSE, "member \"%.200s\": damaged or short data",
                          e->name);
            break;
        }
        size_t n = sizeof(chunk) - zs.avail_out;
        rc = zip_take(e, bud, dst, chunk, n, got, crc, why, whylen);
        if (rc != MG_OK)
            break;
    }
    if (rc == MG_OK && (z != Z_STREAM_END || zs.avail_in != 0 || left != 0))
        rc = err_fail(why, whylen, MG_ERR_PARSE,
                      "member \"%.200s\": its compressed data does not end where the directory "
                      "says",
                      e->name);
    inflateEnd(&zs);
    return rc;
}

int zip_member_read(const uint8_t *in, size_t len, const struct zip_ent *e,
                    const struct zip_budget *bud, struct buf *dst, char *why, size_t whylen)
{
    if (zip_encrypted(e))
        return err_fail(why, whylen, MG_ERR_ENCRYPTED, "member \"%.200s\" is encrypted", e->name);
    if (e->method != ZIP_METHOD_STORE && e->method != ZIP_METHOD_DEFLATE)
        return err_fail(why, whylen, MG_ERR_UNSUPPORTED,
                        "member \"%.200s\" uses compression method %u", e->name, e->method);
    if (e->data_off > len || e->csize > len - e->data_off)
        return err_fail(why, whylen, MG_ERR_PARSE, "member \"%.200s\" outside the zip", e->name);
    if (e->usize > zip_ratio_allowed(e->csize, bud->ratio))
        return err_fail(why, whylen, MG_ERR_LIMIT,
                        "member \"%.200s\" expands more than %llu times its compressed size "
                        "(compression bomb)",
                        e->name, (unsigned long long)(bud->ratio ? bud->ratio : 1));
    if (e->usize > dst->max)
        return err_fail(why, whylen, MG_ERR_LIMIT,
                        "member \"%.200s\" is %llu bytes, over the limit of %llu", e->name,
                        (unsigned long long)e->usize, (unsigned long long)dst->max);
    buf_reset(dst);
    uint64_t got = 0;
    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    int rc;
    if (e->method == ZIP_METHOD_STORE) {
        if (e->csize != e->usize)
            return err_fail(why, whylen, MG_ERR_PARSE,
                            "stored member \"%.200s\" has different sizes", e->name);
        rc = MG_OK;
        for (uint64_t off = 0; off < e->csize && rc == MG_OK;) {
            size_t step = e->csize - off > ZIP_CHUNK ? ZIP_CHUNK : (size_t)(e->csize - off);
            rc = zip_take(e, bud, dst, in + e->data_off + off, step, &got, &crc, why, whylen);
            off += step;
        }
    } else {
        rc = zip_inflate(in, e, bud, dst, &got, &crc, why, whylen);
    }
    if (rc != MG_OK)
        return rc;
    if (got != e->usize)
        return err_fail(why, whylen, MG_ERR_PARSE,
                        "member \"%.200s\" has %llu bytes but declares %llu", e->name,
                        (unsigned long long)got, (unsigned long long)e->usize);
    if (crc != e->crc)
        return err_fail(why, whylen, MG_ERR_PARSE, "member \"%.200s\" fails its CRC check",
                        e->name);
    return MG_OK;
}
