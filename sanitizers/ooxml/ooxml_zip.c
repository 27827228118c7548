/*
 * ooxml_zip - a package's members through formats/zip, under the job's
 * limits, with the names a package may hold (see ooxml_zip.h).
 *
 * The structure rules, the bomb rule (declared size against compressed
 * size, the job's running total) and the CRC are formats/zip's, the same
 * for every family; what is OOXML's own is which names can be parts.
 */
#include "ooxml_zip.h"
#include "err.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1980-01-01 00:00, the first DOS date: no time from the input is kept. */
#define OOXML_ZIP_TIME 0u
#define OOXML_ZIP_DATE ((1u << 5) | 1u)

void ooxml_zip_global_init(void)
{
    zip_global_init();
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

/* Why a member cannot be a part (skipped and listed), or NULL. */
static const char *zip_member_problem(const struct zip_ent *e)
{
    if (strlen(e->name) != e->name_len)
        return "member without a usable name";
    const char *skip = zip_name_problem(e->name);
    if (skip != NULL)
        return skip;
    unsigned t = zip_unix_type(e);
    if (e->name[e->name_len - 1] == '/' || t == 0040000u)
        return "directory entry";
    if (t != 0 && t != 0100000u)
        return "not a regular file (link or special file)";
    return NULL;
}

/* One member's data, inflated under the job's budget, into z. */
static int zip_take_member(const struct ooxml_zip_budget *bud, const uint8_t *in, size_t len,
                           const struct zip_ent *e, struct buf *data, struct ooxml_zip *z,
                           char *why, size_t whylen)
{
    const struct policy *pol = bud->pol;
    if (e->usize > pol->max_input_size)
        return err_fail(why, whylen, MG_ERR_LIMIT,
                        "member \"%s\" declares %llu bytes, over the limit of %llu", e->name,
                        (unsigned long long)e->usize, (unsigned long long)pol->max_input_size);
    struct zip_budget zb = {.ratio = pol->max_ratio,
                            .expanded = bud->expanded_total,
                            .max_expanded = pol->max_expanded};
    int rc = zip_member_read(in, len, e, &zb, data, why, whylen);
    if (rc != MG_OK)
        return rc;
    size_t dlen;
    uint8_t *d = buf_steal(data, &dlen);
    if (d == NULL) {
        d = malloc(1);
        dlen = 0;
        if (d == NULL)
            return err_fail(why, whylen, MG_ERR_NOMEM, "out of memory");
    }
    rc = zip_add(z, e->name, d, dlen, NULL);
    if (rc != MG_OK) {
        free(d);
        return err_fail(why, whylen, rc, "out of memory");
    }
    return MG_OK;
}

int ooxml_zip_read(const struct ooxml_zip_budget *bud, const uint8_t *in, size_t len,
                   struct ooxml_zip *z, char *why, size_t whylen)
{
    const struct policy *pol = bud->pol;
    struct zip_read_opts opts = {.max_entries = OOXML_MEMBERS_MAX, .allow_empty = false};
    struct zip_dir dir;
    struct buf data;
    buf_init(&data, pol->max_input_size);
    int rc = zip_dir_read(in, len, &opts, &dir, why, whylen);
    if (rc == MG_OK)
        rc = zip_check_libarchive(in, len, &dir, why, whylen);
    for (size_t i = 0; rc == MG_OK && i < dir.n; i++) {
        const struct zip_ent *e = &dir.ent[i];
        (*bud->members_total)++;
        if (*bud->members_total > pol->max_members) {
            rc = err_fail(why, whylen, MG_ERR_LIMIT, "more than %llu members in the whole job",
                          (unsigned long long)pol->max_members);
            break;
        }
        char shown[160];
        zip_escape_name(e->name, shown, sizeof(shown));
        if (zip_encrypted(e)) {
            rc = err_fail(why, whylen, MG_ERR_ENCRYPTED, "member \"%s\" is encrypted", shown);
            break;
        }
        const char *skip = zip_member_problem(e);
        if (skip != NULL) {
            rc = zip_add(z, shown, NULL, 0, skip);
            if (rc != MG_OK)
                err_fail(why, whylen, rc, "out of memory");
            continue;
        }
        rc = zip_take_member(bud, in, len, e, &data, z, why, whylen);
    }
    zip_dir_free(&dir);
    buf_free(&data);
    return rc;
}

int ooxml_zip_add(struct zip_writer *w, const char *name, const uint8_t *data, size_t len)
{
    if (zip_name_problem(name) != NULL)
        return MG_ERR_INTERNAL;
    return zip_writer_add(w, name, data, len, true, OOXML_ZIP_TIME, OOXML_ZIP_DATE);
}
