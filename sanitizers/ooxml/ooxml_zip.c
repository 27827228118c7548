/*
 * ooxml_zip - read a package into memory under limits, write a new one
 * (see ooxml_zip.h).
 *
 * The ratio check follows the compressed bytes libarchive has consumed for
 * the member (archive_filter_bytes), so a member that inflates past
 * max_ratio times its compressed size is refused while it is being read,
 * not after. Small members are never judged by ratio: below OOXML_RATIO_FLOOR
 * of output a high ratio is normal (a page of repeated XML) and harmless.
 */
#include "ooxml_zip.h"
#include "err.h"

#include <archive.h>
#include <archive_entry.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OOXML_CHUNK       (64u * 1024u)
#define OOXML_RATIO_FLOOR (1u << 20)
/*
 * Deflate level: XML at level 1 comes out a fifth larger than at the
 * default 6 and is written about three times faster; a gateway sanitizes
 * far more documents than it stores.
 */
#define OOXML_ZIP_LEVEL "1"
/* 1980-01-02 00:00 UTC: inside the DOS date range in every time zone. */
#define OOXML_ZIP_MTIME 315619200

struct ooxml_zip_writer {
    struct archive *a;
    struct buf *out;
};

void ooxml_zip_global_init(void)
{
    /* libarchive converts times with localtime_r/mktime, whose first call
     * reads /etc/localtime: do that before any sandbox. */
    tzset();
}

static int zip_fail(char *why, size_t whylen, int rc, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int zip_fail(char *why, size_t whylen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (whylen > 0)
        vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return rc;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    if (a != 0 && b > UINT64_MAX / a)
        return UINT64_MAX;
    return a * b;
}

/* A part's zip item name: printable ASCII without backslash (ECMA-376 Part 2, annex B). */
static const char *zip_name_problem(const char *p)
{
    if (p == NULL || *p == '\0')
        return "member without a usable name";
    size_t n = strlen(p);
    if (n > OOXML_NAME_MAX)
        return "member name too long";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= 0x20 || c >= 0x7F)
            return "member name is not printable ASCII";
        if (c == '\\')
            return "member name contains a backslash";
    }
    return NULL;
}

/* A name for the report: printable ASCII as is, other bytes as \xNN, capped. */
static void zip_escape_name(const char *p, char *dst, size_t cap)
{
    size_t o = 0;
    if (p == NULL)
        p = "?";
    for (; *p && o + 5 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        if (c > 0x20 && c < 0x7F && c != '\\') {
            dst[o++] = (char)c;
        } else {
            snprintf(dst + o, cap - o, "\\x%02X", c);
            o += 4;
        }
    }
    dst[o] = '\0';
}

static int zip_add(struct ooxml_zip *z, const char *name, uint8_t *data, size_t len,
                   const char *skip)
{
    if (z->n == z->alloc) {
        size_t na = z->alloc ? z->alloc * 2 : 32;
        struct ooxml_member *m = realloc(z->m, na * sizeof(*m));
        if (m == NULL)
            return MG_ERR_NOMEM;
        z->m = m;
        z->alloc = na;
    }
    char *nm = strdup(name ? name : "");
    if (nm == NULL)
        return MG_ERR_NOMEM;
    z->m[z->n].name = nm;
    z->m[z->n].data = data;
    z->m[z->n].len = len;
    z->m[z->n].skip = skip;
    z->n++;
    return MG_OK;
}

void ooxml_zip_free(struct ooxml_zip *z)
{
    for (size_t i = 0; i < z->n; i++) {
        free(z->m[i].name);
        free(z->m[i].data);
    }
    free(z->m);
    memset(z, 0, sizeof(*z));
}

/* Read the current member's data into dst, checking totals and ratio per chunk. */
static int zip_read_data(struct archive *a, const struct ooxml_zip_budget *bud, uint8_t *chunk,
                         struct buf *dst, const char *name, char *why, size_t whylen)
{
    const struct policy *pol = bud->pol;
    uint64_t ratio = pol->max_ratio ? pol->max_ratio : 1;
    la_int64_t start = archive_filter_bytes(a, 0);
    uint64_t got = 0;
    for (;;) {
        la_ssize_t n = archive_read_data(a, chunk, OOXML_CHUNK);
        if (n == 0)
            break;
        if (n < 0) {
            const char *msg = archive_error_string(a);
            return zip_fail(why, whylen, MG_ERR_PARSE, "cannot read member \"%s\": %s", name,
                            msg ? msg : "damaged data");
        }
        got += (uint64_t)n;
        *bud->expanded_total += (uint64_t)n;
        if (*bud->expanded_total > pol->max_expanded)
            return zip_fail(why, whylen, MG_ERR_LIMIT,
                            "decompressed data exceeds the limit of %llu bytes for the whole job "
                            "(at member \"%s\")",
                            (unsigned long long)pol->max_expanded, name);
        la_int64_t pos = archive_filter_bytes(a, 0);
        uint64_t used = pos > start ? (uint64_t)(pos - start) : 0;
        uint64_t allowed = sat_mul(ratio, used);
        if (allowed < OOXML_RATIO_FLOOR)
            allowed = OOXML_RATIO_FLOOR;
        if (got > allowed)
            return zip_fail(why, whylen, MG_ERR_LIMIT,
                            "member \"%s\" expands more than %llu times its compressed size "
                            "(compression bomb)",
                            name, (unsigned long long)ratio);
        if (buf_append(dst, chunk, (size_t)n) != MG_OK)
            return zip_fail(why, whylen, MG_ERR_LIMIT,
                            "member \"%s\" is larger than the limit of %llu bytes", name,
                            (unsigned long long)pol->max_input_size);
    }
    return MG_OK;
}

int ooxml_zip_read(const struct ooxml_zip_budget *bud, const uint8_t *in, size_t len,
                   struct ooxml_zip *z, char *why, size_t whylen)
{
    const struct policy *pol = bud->pol;
    struct archive *a = NULL;
    uint8_t *chunk = NULL;
    struct buf data;
    int rc;

    buf_init(&data, pol->max_input_size);
    chunk = malloc(OOXML_CHUNK);
    a = archive_read_new();
    if (chunk == NULL || a == NULL) {
        rc = zip_fail(why, whylen, MG_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
        archive_read_open_memory(a, in, len) != ARCHIVE_OK) {
        const char *msg = archive_error_string(a);
        rc = zip_fail(why, whylen, MG_ERR_PARSE, "not a readable zip package: %s",
                      msg ? msg : "libarchive error");
        goto out;
    }
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            const char *msg = archive_error_string(a);
            rc = zip_fail(why, whylen, MG_ERR_PARSE, "damaged zip package: %s",
                          msg ? msg : "libarchive error");
            goto out;
        }
        if (z->n >= OOXML_MEMBERS_MAX) {
            rc = zip_fail(why, whylen, MG_ERR_LIMIT, "more than %u members in the package",
                          OOXML_MEMBERS_MAX);
            goto out;
        }
        (*bud->members_total)++;
        if (*bud->members_total > pol->max_members) {
            rc = zip_fail(why, whylen, MG_ERR_LIMIT, "more than %llu members in the whole job",
                          (unsigned long long)pol->max_members);
            goto out;
        }
        const char *name = archive_entry_pathname(e);
        if (archive_entry_is_encrypted(e)) {
            rc = zip_fail(why, whylen, MG_ERR_ENCRYPTED, "member \"%s\" is encrypted",
                          name ? name : "?");
            goto out;
        }
        const char *skip = zip_name_problem(name);
        if (skip == NULL && archive_entry_filetype(e) == AE_IFDIR)
            skip = "directory entry";
        else if (skip == NULL && archive_entry_filetype(e) != AE_IFREG)
            skip = "not a regular file (link or special file)";
        if (skip != NULL) {
            char shown[160];
            zip_escape_name(name, shown, sizeof(shown));
            rc = zip_add(z, shown, NULL, 0, skip);
            if (rc != MG_OK) {
                zip_fail(why, whylen, rc, "out of memory");
                goto out;
            }
            continue;
        }
        if (archive_entry_size_is_set(e) && (uint64_t)archive_entry_size(e) > pol->max_input_size) {
            rc = zip_fail(why, whylen, MG_ERR_LIMIT,
                          "member \"%s\" declares %llu bytes, over the limit of %llu", name,
                          (unsigned long long)archive_entry_size(e),
                          (unsigned long long)pol->max_input_size);
            goto out;
        }
        buf_reset(&data);
        rc = zip_read_data(a, bud, chunk, &data, name, why, whylen);
        if (rc != MG_OK)
            goto out;
        if (archive_entry_size_is_set(e) && (uint64_t)archive_entry_size(e) != data.len) {
            rc = zip_fail(why, whylen, MG_ERR_PARSE,
                          "member \"%s\" has %zu bytes but declares %llu", name, data.len,
                          (unsigned long long)archive_entry_size(e));
            goto out;
        }
        size_t dlen;
        uint8_t *d = buf_steal(&data, &dlen);
        if (d == NULL) {
            d = malloc(1);
            dlen = 0;
            if (d == NULL) {
                rc = zip_fail(why, whylen, MG_ERR_NOMEM, "out of memory");
                goto out;
            }
        }
        rc = zip_add(z, name, d, dlen, NULL);
        if (rc != MG_OK) {
            free(d);
            zip_fail(why, whylen, rc, "out of memory");
            goto out;
        }
    }
    rc = MG_OK;
out:
    if (a != NULL)
        archive_read_free(a);
    free(chunk);
    buf_free(&data);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Writing */

static la_ssize_t zip_write_cb(struct archive *a, void *cd, const void *p, size_t n)
{
    struct buf *out = cd;
    if (buf_append(out, p, n) != MG_OK) {
        archive_set_error(a, ENOSPC, "output larger than the policy's max_output_size");
        return -1;
    }
    return (la_ssize_t)n;
}

int ooxml_zip_write_open(struct ooxml_zip_writer **wp, struct buf *out)
{
    *wp = NULL;
    struct ooxml_zip_writer *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return MG_ERR_NOMEM;
    w->out = out;
    w->a = archive_write_new();
    if (w->a == NULL) {
        free(w);
        return MG_ERR_NOMEM;
    }
    if (archive_write_set_format_zip(w->a) != ARCHIVE_OK ||
        archive_write_zip_set_compression_deflate(w->a) != ARCHIVE_OK ||
        archive_write_set_format_option(w->a, "zip", "compression-level", OOXML_ZIP_LEVEL) !=
                ARCHIVE_OK ||
        archive_write_set_bytes_per_block(w->a, 0) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
        archive_write_open2(w->a, out, NULL, zip_write_cb, NULL, NULL) != ARCHIVE_OK) {
        ooxml_zip_write_free(w);
        return MG_ERR_INTERNAL;
    }
    *wp = w;
    return MG_OK;
}

int ooxml_zip_write_member(struct ooxml_zip_writer *w, const char *name, const uint8_t *data,
                           size_t len)
{
    if (zip_name_problem(name) != NULL)
        return MG_ERR_INTERNAL;
    struct archive_entry *e = archive_entry_new();
    if (e == NULL)
        return MG_ERR_NOMEM;
    int rc = MG_OK;
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_mtime(e, (time_t)OOXML_ZIP_MTIME, 0);
    if (archive_write_header(w->a, e) != ARCHIVE_OK) {
        rc = MG_ERR_LIMIT;
        goto out;
    }
    size_t off = 0;
    while (off < len) {
        la_ssize_t n = archive_write_data(w->a, data + off, len - off);
        if (n <= 0) {
            rc = MG_ERR_LIMIT;
            goto out;
        }
        off += (size_t)n;
    }
    if (archive_write_finish_entry(w->a) != ARCHIVE_OK)
        rc = MG_ERR_LIMIT;
out:
    archive_entry_free(e);
    return rc;
}

int ooxml_zip_write_close(struct ooxml_zip_writer *w)
{
    return archive_write_close(w->a) == ARCHIVE_OK ? MG_OK : MG_ERR_LIMIT;
}

void ooxml_zip_write_free(struct ooxml_zip_writer *w)
{
    if (w == NULL)
        return;
    if (w->a != NULL)
        archive_write_free(w->a);
    free(w);
}
