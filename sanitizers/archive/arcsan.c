/*
 * arcsan - archive sanitizer (see arcsan.h).
 *
 * Order of work for one archive:
 *   1. zip only: parse the central directory ourselves with a bounded
 *      cursor and refuse any layout that two readers could see differently
 *      (overlap, gaps, mismatching local headers, stray end records). The
 *      declared sizes give early bomb checks and the raw name bytes.
 *   2. open libarchive on the memory with only the reader for the type
 *      identification found (a file is parsed as what it was identified as);
 *   3. for each member: drop links, special files and bad paths; stream
 *      its data in 64 KiB chunks into a capped buffer, checking job totals
 *      and the expansion ratio after every chunk; send it through
 *      dispatch_file() with depth + 1; write what comes back into the
 *      output zip (libarchive writer on a callback into the output buf);
 *   4. add MUGAI-NOTICE.txt when anything was dropped, close the zip and
 *      set the UTF-8 flag on every entry ourselves (libarchive only sets it
 *      under a UTF-8 locale, and only for non-ASCII names).
 * A single-file compressor whose payload is not a tar or cpio is read with
 * libarchive's "raw" format and the sanitized payload is the output.
 *
 * Fail closed: when a bomb limit is hit anywhere below, the whole archive
 * is blocked; a member blocked for what it is (an executable, a bad name)
 * is only dropped and listed.
 */
#include "arcsan.h"
#include "bytes.h"
#include "cp932.h"
#include "dispatch.h"
#include "err.h"
#include "utf8.h"
#include "ident.h"

#include <archive.h>
#include <archive_entry.h>

#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#define ARC_CHUNK         (64u * 1024u)
#define ARC_RATIO_FLOOR   (1u << 20) /* expansion below this is never judged by ratio */
#define ARC_PATH_MAX      1024u      /* bytes of a member path, decoded */
#define ARC_RAW_NAME_MAX  4096u      /* bytes of a raw name we are willing to decode */
#define ARC_COMPONENT_MAX 255u
#define ARC_DEPTH_MAX     64u        /* path components */
#define ARC_ZIP_MAX       (1u << 20) /* central directory entries we parse at all */
#define ARC_OUT_MAX       65535u     /* entries in an output zip (no zip64) */
#define ARC_NOTICE_MAX    (256u << 10)
#define ARC_TIME_MIN      315619200LL  /* 1980-01-02: DOS time starts in 1980 */
#define ARC_TIME_MAX      4102444800LL /* 2100-01-01 */

#define ZIP_FLAG_ENCRYPTED  0x0001u
#define ZIP_FLAG_DESCRIPTOR 0x0008u
#define ZIP_FLAG_STRONG     0x0040u
#define ZIP_FLAG_UTF8       0x0800u
#define ZIP_FLAG_CDENC      0x2000u
#define ZIP_METHOD_AES      99u

/* ------------------------------------------------------------------ */
/* Start-up state */

static locale_t arc_utf8_locale = (locale_t)0;
static bool arc_inited;

void arcsan_init(void)
{
    if (arc_inited)
        return;
    arc_inited = true;
    /*
     * libarchive converts DOS times with mktime() (readers) and
     * localtime_r() (zip writer). glibc's mktime() re-checks the zone on
     * every call, and with TZ unset that is a stat() of /etc/localtime,
     * which the worker sandbox kills. ":/etc/localtime" names the same
     * zone but is compared as a string, so once loaded here it is never
     * looked up again.
     */
    if (getenv("TZ") == NULL)
        setenv("TZ", ":/etc/localtime", 0);
    tzset();
    arc_utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (arc_utf8_locale == (locale_t)0)
        arc_utf8_locale = newlocale(LC_CTYPE_MASK, "C.utf8", (locale_t)0);
}

__attribute__((constructor)) static void arc_constructor(void)
{
    arcsan_init();
}

/* Switch this thread to the UTF-8 LC_CTYPE for libarchive; returns the previous one. */
static locale_t arc_locale_on(void)
{
    if (arc_utf8_locale == (locale_t)0)
        return (locale_t)0;
    return uselocale(arc_utf8_locale);
}

static void arc_locale_off(locale_t saved)
{
    if (saved != (locale_t)0)
        uselocale(saved);
}

/* ------------------------------------------------------------------ */
/* Little helpers */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    if (a != 0 && b > UINT64_MAX / a)
        return UINT64_MAX;
    return a * b;
}

/* Raw bytes for reports: printable ASCII as is, everything else as \xNN. */
static void escape_raw(const uint8_t *s, size_t n, char *dst, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return;
    for (size_t i = 0; i < n && o + 5 < cap; i++) {
        if (s[i] >= 0x20 && s[i] < 0x7F && s[i] != '\\') {
            dst[o++] = (char)s[i];
        } else {
            snprintf(dst + o, cap - o, "\\x%02X", s[i]);
            o += 4;
        }
    }
    dst[o] = 0;
}

/* ------------------------------------------------------------------ */
/* Zip structure: our own bounded parse of the central directory */

struct zip_ent {
    uint64_t lh_off;   /* local header */
    uint64_t data_off; /* first byte of the (possibly encrypted) data */
    uint64_t end;      /* one past the entry, data descriptor included */
    uint64_t csize, usize;
    uint64_t cd_pos; /* this entry's central directory record */
    uint32_t crc, ext_attr;
    uint16_t flags, method, made_by, name_len;
    const uint8_t *name; /* central directory copy */
};

struct zip_dir {
    struct zip_ent *ent; /* sorted by local header offset */
    size_t n;
    uint64_t cd_off, cd_end;
};

static void zip_dir_free(struct zip_dir *zd)
{
    free(zd->ent);
    memset(zd, 0, sizeof(*zd));
}

static int zip_fail(char *why, size_t whylen, int rc, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int zip_fail(char *why, size_t whylen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return rc;
}

static bool zip_sig(const uint8_t *in, size_t len, uint64_t off, uint32_t sig)
{
    return off <= len && len - off >= 4 && bytes_le32(in + off) == sig;
}

/*
 * Walk extra fields [p, p+n); for the zip64 field (0x0001) fill the values
 * whose 32-bit (or 16-bit disk) field was saturated, in the order APPNOTE
 * gives. Returns false on a malformed field list.
 */
static bool zip_extra64(const uint8_t *p, size_t n, uint64_t *usize, uint64_t *csize, uint64_t *off,
                        bool want_u, bool want_c, bool want_o, bool *seen)
{
    size_t i = 0;
    *seen = false;
    while (i < n) {
        if (n - i < 4)
            return false;
        uint16_t id = bytes_le16(p + i), sz = bytes_le16(p + i + 2);
        i += 4;
        if (sz > n - i)
            return false;
        if (id == 0x0001) {
            size_t j = 0;
            *seen = true;
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
                j += 8;
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

/*
 * Parse and check a zip's structure. On MG_OK zd holds the entries sorted
 * by offset (free with zip_dir_free). Otherwise why says what is wrong:
 * MG_ERR_PARSE for a layout we refuse, MG_ERR_LIMIT for more entries than
 * max_entries, MG_ERR_UNSUPPORTED for multi-volume archives.
 */
static int zip_parse(const uint8_t *in, size_t len, uint64_t max_entries, struct zip_dir *zd,
                     char *why, size_t whylen)
{
    memset(zd, 0, sizeof(*zd));
    if (len < 22)
        return zip_fail(why, whylen, MG_ERR_PARSE, "too short for a zip");

    /* The end record: the last signature in the final 64 KiB, and its
     * comment must reach exactly to the end of the file. */
    size_t lo = len - 22 > 0xFFFF ? len - 22 - 0xFFFF : 0;
    size_t eocd = SIZE_MAX;
    for (size_t i = len - 22 + 1; i-- > lo;) {
        if (bytes_le32(in + i) == 0x06054b50u) {
            eocd = i;
            break;
        }
    }
    if (eocd == SIZE_MAX)
        return zip_fail(why, whylen, MG_ERR_PARSE, "no end-of-central-directory record");
    if (eocd + 22 + bytes_le16(in + eocd + 20) != len)
        return zip_fail(why, whylen, MG_ERR_PARSE,
                        "data after the end of the zip (appended or concatenated archive)");

    uint64_t disk = bytes_le16(in + eocd + 4), cd_disk = bytes_le16(in + eocd + 6);
    uint64_t n_disk = bytes_le16(in + eocd + 8), n_total = bytes_le16(in + eocd + 10);
    uint64_t cd_size = bytes_le32(in + eocd + 12), cd_off = bytes_le32(in + eocd + 16);
    uint64_t cd_end = eocd;
    if (eocd >= 20 && bytes_le32(in + eocd - 20) == 0x07064b50u) {
        const uint8_t *loc = in + eocd - 20;
        uint64_t z64 = bytes_le64(loc + 8);
        if (bytes_le32(loc + 4) != 0 || bytes_le32(loc + 16) > 1)
            return zip_fail(why, whylen, MG_ERR_UNSUPPORTED, "multi-volume zip64 archive");
        if (z64 > eocd - 20 || eocd - 20 - z64 < 56 || !zip_sig(in, len, z64, 0x06064b50u))
            return zip_fail(why, whylen, MG_ERR_PARSE, "bad zip64 end record");
        const uint8_t *r = in + z64;
        if (bytes_le64(r + 4) != eocd - 20 - z64 - 12)
            return zip_fail(why, whylen, MG_ERR_PARSE,
                            "zip64 end record does not end at its locator");
        disk = bytes_le32(r + 16);
        cd_disk = bytes_le32(r + 20);
        n_disk = bytes_le64(r + 24);
        n_total = bytes_le64(r + 32);
        cd_size = bytes_le64(r + 40);
        cd_off = bytes_le64(r + 48);
        cd_end = z64;
    } else if (n_total == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu) {
        return zip_fail(why, whylen, MG_ERR_PARSE, "zip64 markers without a zip64 end record");
    }
    if (disk != 0 || cd_disk != 0 || n_disk != n_total)
        return zip_fail(why, whylen, MG_ERR_UNSUPPORTED, "multi-volume zip");
    if (cd_off > cd_end || cd_size != cd_end - cd_off)
        return zip_fail(why, whylen, MG_ERR_PARSE,
                        "central directory is not where the end record says "
                        "(prepended or concatenated archive)");
    for (uint64_t i = cd_end; i < eocd; i++)
        if (i + 4 <= len && bytes_le32(in + i) == 0x06054b50u)
            return zip_fail(why, whylen, MG_ERR_PARSE, "two end-of-central-directory records");
    if (n_total > max_entries)
        return zip_fail(why, whylen, MG_ERR_LIMIT, "%llu entries exceed the limit of %llu",
                        (unsigned long long)n_total, (unsigned long long)max_entries);
    if (n_total > cd_size / 46)
        return zip_fail(why, whylen, MG_ERR_PARSE, "entry count does not fit the directory");

    if (n_total) {
        zd->ent = calloc((size_t)n_total, sizeof(*zd->ent));
        if (!zd->ent)
            return zip_fail(why, whylen, MG_ERR_NOMEM, "out of memory");
    }
    zd->n = (size_t)n_total;
    zd->cd_off = cd_off;
    zd->cd_end = cd_end;

    uint64_t p = cd_off;
    for (size_t i = 0; i < zd->n; i++) {
        struct zip_ent *e = &zd->ent[i];
        if (cd_end - p < 46 || bytes_le32(in + p) != 0x02014b50u)
            goto bad_cd;
        const uint8_t *h = in + p;
        uint16_t nlen = bytes_le16(h + 28), xlen = bytes_le16(h + 30), clen = bytes_le16(h + 32);
        if (cd_end - p - 46 < (uint64_t)nlen + xlen + clen)
            goto bad_cd;
        e->cd_pos = p;
        e->made_by = bytes_le16(h + 4);
        e->flags = bytes_le16(h + 8);
        e->method = bytes_le16(h + 10);
        e->crc = bytes_le32(h + 16);
        e->csize = bytes_le32(h + 20);
        e->usize = bytes_le32(h + 24);
        e->ext_attr = bytes_le32(h + 38);
        e->lh_off = bytes_le32(h + 42);
        e->name_len = nlen;
        e->name = h + 46;
        if (bytes_le16(h + 34) != 0 && bytes_le16(h + 34) != 0xFFFF) {
            zip_dir_free(zd);
            return zip_fail(why, whylen, MG_ERR_UNSUPPORTED, "member on another volume");
        }
        bool seen;
        if (!zip_extra64(h + 46 + nlen, xlen, &e->usize, &e->csize, &e->lh_off,
                         e->usize == 0xFFFFFFFFu, e->csize == 0xFFFFFFFFu, e->lh_off == 0xFFFFFFFFu,
                         &seen))
            goto bad_cd;
        p += 46 + (uint64_t)nlen + xlen + clen;
    }
    if (p != cd_end)
        goto bad_cd;

    if (zd->n > 1)
        qsort(zd->ent, zd->n, sizeof(*zd->ent), zip_ent_cmp);
    uint64_t prev_end = 0;
    for (size_t i = 0; i < zd->n; i++) {
        struct zip_ent *e = &zd->ent[i];
        if (e->lh_off < prev_end) {
            zip_dir_free(zd);
            return zip_fail(why, whylen, MG_ERR_PARSE,
                            "overlapping entries (a zip bomb technique)");
        }
        if (e->lh_off > prev_end) {
            zip_dir_free(zd);
            return zip_fail(why, whylen, MG_ERR_PARSE, "%s",
                            i == 0 ? "data before the first entry (prepended or concatenated "
                                     "archive)"
                                   : "unreferenced data between entries (hidden content or "
                                     "concatenated archive)");
        }
        if (e->lh_off > cd_off || cd_off - e->lh_off < 30 ||
            bytes_le32(in + e->lh_off) != 0x04034b50u) {
            zip_dir_free(zd);
            return zip_fail(why, whylen, MG_ERR_PARSE,
                            "central directory points at no local header");
        }
        const uint8_t *l = in + e->lh_off;
        uint16_t lflags = bytes_le16(l + 6), lmethod = bytes_le16(l + 8);
        uint32_t lcrc = bytes_le32(l + 14);
        uint64_t lcsize = bytes_le32(l + 18), lusize = bytes_le32(l + 22);
        uint16_t lnlen = bytes_le16(l + 26), lxlen = bytes_le16(l + 28);
        if (cd_off - e->lh_off - 30 < (uint64_t)lnlen + lxlen) {
            zip_dir_free(zd);
            return zip_fail(why, whylen, MG_ERR_PARSE, "local header runs into the directory");
        }
        if (lnlen != e->name_len || memcmp(l + 30, e->name, lnlen) != 0) {
            zip_dir_free(zd);
            return zip_fail(why, whylen, MG_ERR_PARSE,
                            "local header name differs from the central directory");
        }
        const uint16_t mask = ZIP_FLAG_ENCRYPTED | ZIP_FLAG_DESCRIPTOR | ZIP_FLAG_STRONG |
                              ZIP_FLAG_UTF8 | ZIP_FLAG_CDENC;
        if ((lflags & mask) != (e->flags & mask) || lmethod != e->method) {
            zip_dir_free(zd);
            return zip_fail(why, whylen, MG_ERR_PARSE,
                            "local header flags or method differ from the central directory");
        }
        bool l64;
        if (!zip_extra64(l + 30 + lnlen, lxlen, &lusize, &lcsize, NULL, lusize == 0xFFFFFFFFu,
                         lcsize == 0xFFFFFFFFu, false, &l64)) {
            zip_dir_free(zd);
            return zip_fail(why, whylen, MG_ERR_PARSE, "bad local extra field");
        }
        /* With a data descriptor, a local field may be 0 (not known yet
         * when it was written); any other value must agree. */
        bool dd = (e->flags & ZIP_FLAG_DESCRIPTOR) != 0;
        if ((lcrc != e->crc && !(dd && lcrc == 0)) ||
            (lcsize != e->csize && !(dd && lcsize == 0)) ||
            (lusize != e->usize && !(dd && lusize == 0))) {
            {
                zip_dir_free(zd);
                return zip_fail(why, whylen, MG_ERR_PARSE,
                                "local header sizes or CRC differ from the central directory");
            }
        }
        e->data_off = e->lh_off + 30 + lnlen + lxlen;
        if (e->csize > cd_off - e->data_off) {
            zip_dir_free(zd);
            return zip_fail(why, whylen, MG_ERR_PARSE, "member data runs into the directory");
        }
        uint64_t end = e->data_off + e->csize;
        if (e->flags & ZIP_FLAG_DESCRIPTOR) {
            /* Signature optional, sizes 4 or 8 bytes: take the form whose
             * values agree with the central directory. */
            uint64_t dlen = 0;
            for (int sig = 1; sig >= 0 && !dlen; sig--) {
                uint64_t b = end;
                if (sig) {
                    if (!zip_sig(in, (size_t)cd_off, b, 0x08074b50u))
                        continue;
                    b += 4;
                }
                for (int w = 4; w <= 8 && !dlen; w += 4) {
                    uint64_t need = 4 + 2 * (uint64_t)w;
                    if (b > cd_off || cd_off - b < need || bytes_le32(in + b) != e->crc)
                        continue;
                    uint64_t c = w == 4 ? bytes_le32(in + b + 4) : bytes_le64(in + b + 4);
                    uint64_t u = w == 4 ? bytes_le32(in + b + 8) : bytes_le64(in + b + 12);
                    if (c == e->csize && u == e->usize)
                        dlen = (b - end) + need;
                }
            }
            if (!dlen) {
                zip_dir_free(zd);
                return zip_fail(why, whylen, MG_ERR_PARSE,
                                "data descriptor missing or disagreeing with the directory");
            }
            end += dlen;
        }
        e->end = end;
        prev_end = end;
    }
    if (prev_end != cd_off) {
        zip_dir_free(zd);
        return zip_fail(why, whylen, MG_ERR_PARSE,
                        zd->n ? "unreferenced data before the central directory"
                              : "data in a zip without entries");
    }
    return MG_OK;

bad_cd:
    zip_dir_free(zd);
    return zip_fail(why, whylen, MG_ERR_PARSE, "malformed central directory");
}

/* Unix file type from a central entry, 0 when the entry has none. */
static unsigned zip_unix_type(const struct zip_ent *e)
{
    if ((e->made_by >> 8) != 3)
        return 0;
    return (e->ext_attr >> 16) & 0170000u;
}

/* ------------------------------------------------------------------ */
/* Names */

static bool name_ieq_ascii(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* libarchive's name for a zip entry against the raw one: it turns '\\' into '/'. */
static bool name_same_path(const char *lib, const uint8_t *raw, size_t n)
{
    if (strlen(lib) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = lib[i] == '\\' ? '/' : lib[i];
        char b = raw[i] == '\\' ? '/' : (char)raw[i];
        if (a != b)
            return false;
    }
    return true;
}

/* CON, PRN, AUX, NUL, COM1-9, LPT1-9, with or without an extension. */
static bool name_dos_device(const char *c, size_t n)
{
    static const char *const dev[] = {"con", "prn", "aux", "nul"};
    const char *dot = memchr(c, '.', n);
    size_t stem = dot ? (size_t)(dot - c) : n;
    for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); i++)
        if (name_ieq_ascii(c, stem, dev[i]))
            return true;
    if (stem == 4 && (name_ieq_ascii(c, 3, "com") || name_ieq_ascii(c, 3, "lpt")) && c[3] >= '1' &&
        c[3] <= '9')
        return true;
    return false;
}

/* A bidi control (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) at s. */
static bool name_bidi_at(const uint8_t *s, size_t n)
{
    if (n >= 2 && s[0] == 0xD8 && s[1] == 0x9C)
        return true;
    if (n < 3 || s[0] != 0xE2)
        return false;
    if (s[1] == 0x80 && (s[2] == 0x8E || s[2] == 0x8F || (s[2] >= 0xAA && s[2] <= 0xAE)))
        return true;
    return s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9;
}

/*
 * Decide a member's name: UTF-8 as is, else CP932 unless the zip UTF-8
 * flag is set (utf8_flag 1; 0 not set; -1 unknown). Returns NULL and the
 * NUL-terminated UTF-8 name in dst, or the reason it was refused.
 */
static const char *name_decode(const uint8_t *raw, size_t n, int utf8_flag, char *dst, size_t cap,
                               bool *was_cp932)
{
    *was_cp932 = false;
    dst[0] = 0;
    if (raw == NULL)
        return "the name could not be read";
    if (n == 0)
        return "empty name";
    if (n > ARC_RAW_NAME_MAX)
        return "name too long";
    if (memchr(raw, 0, n))
        return "NUL byte in the name";
    if (utf8_valid(raw, n)) {
        if (n >= cap)
            return "name too long";
        memcpy(dst, raw, n);
        dst[n] = 0;
        return NULL;
    }
    if (utf8_flag == 1)
        return "marked as UTF-8 but not valid UTF-8";
    int rc = cp932_to_utf8(raw, n, dst, cap, NULL);
    if (rc == MG_ERR_LIMIT)
        return "name too long";
    if (rc != MG_OK)
        return "neither UTF-8 nor CP932 (Shift_JIS)";
    *was_cp932 = true;
    return NULL;
}

/*
 * Normalize a decoded path into dst: '\\' becomes '/', "." and empty
 * components go. Returns REASON_NONE, or the reason and a message in why
 * when the path must not be released. *is_dir for a trailing '/'.
 */
static enum reason name_normalize(const char *name, char *dst, size_t cap, bool *is_dir, char *why,
                                  size_t whylen)
{
    char tmp[ARC_PATH_MAX + 1];
    size_t n = strlen(name);
    *is_dir = false;
    dst[0] = 0;
    if (n > ARC_PATH_MAX) {
        snprintf(why, whylen, "path longer than %u bytes", ARC_PATH_MAX);
        return REASON_BAD_NAME;
    }
    for (size_t i = 0; i <= n; i++)
        tmp[i] = name[i] == '\\' ? '/' : name[i];
    if (tmp[0] == '/') {
        snprintf(why, whylen, "absolute path");
        return REASON_PATH_TRAVERSAL;
    }
    if (((tmp[0] >= 'A' && tmp[0] <= 'Z') || (tmp[0] >= 'a' && tmp[0] <= 'z')) && tmp[1] == ':') {
        snprintf(why, whylen, "path with a drive letter");
        return REASON_PATH_TRAVERSAL;
    }
    *is_dir = n > 0 && tmp[n - 1] == '/';

    size_t o = 0, depth = 0;
    const char *p = tmp;
    while (*p) {
        const char *q = strchr(p, '/');
        size_t cl = q ? (size_t)(q - p) : strlen(p);
        if (cl == 0 || (cl == 1 && p[0] == '.')) {
            p += cl + (q ? 1 : 0);
            continue;
        }
        if (cl == 2 && p[0] == '.' && p[1] == '.') {
            snprintf(why, whylen, "\"..\" leaves the archive folder");
            return REASON_PATH_TRAVERSAL;
        }
        if (cl > ARC_COMPONENT_MAX) {
            snprintf(why, whylen, "path component longer than %u bytes", ARC_COMPONENT_MAX);
            return REASON_BAD_NAME;
        }
        if (++depth > ARC_DEPTH_MAX) {
            snprintf(why, whylen, "more than %u nested folders", ARC_DEPTH_MAX);
            return REASON_BAD_NAME;
        }
        for (size_t i = 0; i < cl; i++) {
            uint8_t c = (uint8_t)p[i];
            if (c < 0x20 || c == 0x7F || (c == 0xC2 && i + 1 < cl && (uint8_t)p[i + 1] < 0xA0)) {
                snprintf(why, whylen, "control character in the path");
                return REASON_BAD_NAME;
            }
            if (c == ':') {
                snprintf(why, whylen, "':' in the path (NTFS alternate data stream)");
                return REASON_BAD_NAME;
            }
            if (name_bidi_at((const uint8_t *)p + i, cl - i)) {
                snprintf(why, whylen, "bidirectional control character in the path");
                return REASON_BIDI_CONTROL;
            }
        }
        bool last = q == NULL || q[1] == 0;
        if (!last || *is_dir) {
            /* Folder names: Windows drops trailing dots and spaces. The
             * file name itself is judged by dispatch's name checks. */
            char t = p[cl - 1];
            bool ideo = cl >= 3 && (uint8_t)p[cl - 3] == 0xE3 && (uint8_t)p[cl - 2] == 0x80 &&
                        (uint8_t)p[cl - 1] == 0x80;
            if (t == '.' || t == ' ' || ideo) {
                snprintf(why, whylen, "folder name ending in a dot or space");
                return REASON_TRAILING_DOT_OR_SPACE;
            }
        }
        if (name_dos_device(p, cl)) {
            snprintf(why, whylen, "reserved Windows device name");
            return REASON_BAD_NAME;
        }
        if (o + cl + 2 > cap) {
            snprintf(why, whylen, "path too long");
            return REASON_BAD_NAME;
        }
        if (o)
            dst[o++] = '/';
        memcpy(dst + o, p, cl);
        o += cl;
        p += cl + (q ? 1 : 0);
    }
    dst[o] = 0;
    if (o == 0 && !*is_dir) {
        snprintf(why, whylen, "empty path");
        return REASON_BAD_NAME;
    }
    return REASON_NONE;
}

static bool name_is_compressor(enum ftype t)
{
    return t == FT_GZIP || t == FT_BZIP2 || t == FT_XZ || t == FT_ZSTD;
}

/*
 * path without a compressor's extension (".gz", ".bz2", ".xz", ".zst");
 * ".tgz" and friends become ".tar". Anything else is copied as it is.
 */
static void name_strip_compressor(const char *path, char *dst, size_t cap)
{
    snprintf(dst, cap, "%s", path);
    char *base = strrchr(dst, '/');
    base = base ? base + 1 : dst;
    char *dot = strrchr(base, '.');
    if (!dot || dot == base || !name_is_compressor(ident_ext_type(base)))
        return;
    static const char *const tarry[] = {".tgz", ".tbz", ".tbz2", ".txz", ".tzst"};
    for (size_t i = 0; i < sizeof(tarry) / sizeof(tarry[0]); i++) {
        if (name_ieq_ascii(dot, strlen(dot), tarry[i])) {
            snprintf(dot, cap - (size_t)(dot - dst), ".tar");
            return;
        }
    }
    *dot = 0;
}

/*
 * The name a member gets after dispatch turned it into type out: a
 * compressor's extension goes when the content came out of it, and an
 * extension claiming another type than out is replaced by out's.
 */
static void name_for_output(const char *path, enum ftype out, char *dst, size_t cap)
{
    char tmp[ARC_PATH_MAX + 16];
    snprintf(tmp, sizeof(tmp), "%s", path);
    char *base = strrchr(tmp, '/');
    base = base ? base + 1 : tmp;
    enum ftype claim = ident_ext_type(base);
    if (name_is_compressor(claim) && out != claim) {
        char stripped[ARC_PATH_MAX + 16];
        name_strip_compressor(tmp, stripped, sizeof(stripped));
        snprintf(tmp, sizeof(tmp), "%s", stripped);
        base = strrchr(tmp, '/');
        base = base ? base + 1 : tmp;
        claim = ident_ext_type(base);
    }
    char *dot = strrchr(base, '.');
    bool same = claim == out ||
                ((claim == FT_TEXT || claim == FT_CSV) && (out == FT_TEXT || out == FT_CSV));
    if (claim != FT_UNKNOWN && !same && dot && dot != base)
        snprintf(dot, sizeof(tmp) - (size_t)(dot - tmp), ".%s", ftype_info(out)->ext);
    snprintf(dst, cap, "%s", tmp);
}

/* ------------------------------------------------------------------ */
/* Output names already used: no duplicates, no file where a folder is */

/* Bytes of names (files and the folders they imply) one archive may hold. */
#define ARC_NAMES_MAX (16u << 20)

struct nameset {
    char **key;
    uint8_t *kind; /* 1 file, 2 folder */
    size_t cap, n, bytes;
};

static uint64_t nameset_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (uint8_t)(c - 'A' + 'a');
        h = (h ^ c) * 1099511628211ull;
    }
    return h;
}

static bool nameset_eq(const char *k, const char *s, size_t n)
{
    return name_ieq_ascii(s, n, k);
}

/* The kind stored for s[0..n), 0 if absent. */
static int nameset_find(const struct nameset *ns, const char *s, size_t n)
{
    if (ns->cap == 0)
        return 0;
    size_t i = (size_t)nameset_hash(s, n) & (ns->cap - 1);
    while (ns->key[i]) {
        if (nameset_eq(ns->key[i], s, n))
            return ns->kind[i];
        i = (i + 1) & (ns->cap - 1);
    }
    return 0;
}

static int nameset_put(struct nameset *ns, const char *s, size_t n, uint8_t kind)
{
    if (n + 1 > ARC_NAMES_MAX - ns->bytes)
        return MG_ERR_LIMIT;
    ns->bytes += n + 1;
    if ((ns->n + 1) * 2 > ns->cap) {
        size_t nc = ns->cap ? ns->cap * 2 : 64;
        char **nk = calloc(nc, sizeof(*nk));
        uint8_t *nd = calloc(nc, 1);
        if (!nk || !nd) {
            free(nk);
            free(nd);
            return MG_ERR_NOMEM;
        }
        for (size_t i = 0; i < ns->cap; i++) {
            if (!ns->key[i])
                continue;
            size_t j = (size_t)nameset_hash(ns->key[i], strlen(ns->key[i])) & (nc - 1);
            while (nk[j])
                j = (j + 1) & (nc - 1);
            nk[j] = ns->key[i];
            nd[j] = ns->kind[i];
        }
        free(ns->key);
        free(ns->kind);
        ns->key = nk;
        ns->kind = nd;
        ns->cap = nc;
    }
    char *k = malloc(n + 1);
    if (!k)
        return MG_ERR_NOMEM;
    memcpy(k, s, n);
    k[n] = 0;
    size_t i = (size_t)nameset_hash(s, n) & (ns->cap - 1);
    while (ns->key[i])
        i = (i + 1) & (ns->cap - 1);
    ns->key[i] = k;
    ns->kind[i] = kind;
    ns->n++;
    return MG_OK;
}

static void nameset_free(struct nameset *ns)
{
    for (size_t i = 0; i < ns->cap; i++)
        free(ns->key[i]);
    free(ns->key);
    free(ns->kind);
    memset(ns, 0, sizeof(*ns));
}

/*
 * Claim path for a file. MG_OK, MG_ERR_BLOCKED when it clashes (same name
 * ignoring ASCII case, as Windows sees it, or a file where a folder must
 * be), MG_ERR_LIMIT past ARC_NAMES_MAX bytes of names, MG_ERR_NOMEM.
 */
static int nameset_claim(struct nameset *ns, const char *path)
{
    size_t n = strlen(path);
    if (nameset_find(ns, path, n))
        return MG_ERR_BLOCKED;
    for (size_t i = 0; i < n; i++)
        if (path[i] == '/' && nameset_find(ns, path, i) == 1)
            return MG_ERR_BLOCKED;
    for (size_t i = 0; i < n; i++) {
        if (path[i] == '/' && nameset_find(ns, path, i) == 0) {
            int rc = nameset_put(ns, path, i, 2);
            if (rc != MG_OK)
                return rc;
        }
    }
    return nameset_put(ns, path, n, 1);
}

/* ------------------------------------------------------------------ */
/* The notice */

/* ------------------------------------------------------------------ */
/* One archive being sanitized */

struct arc {
    struct san_ctx *ctx;
    const struct policy *pol;
    struct report_node *node;
    const uint8_t *in;
    size_t len;
    enum ftype type;
    struct archive *r, *w;
    struct buf *out;
    struct zip_dir zd;
    size_t zi; /* next zip entry */
    bool zip_encrypted;
    bool filtered;     /* a decompression filter sits under the format */
    bool cheap_skip;   /* skipping a member costs no decompression */
    uint64_t produced; /* member bytes this archive's reader delivered */
    uint8_t *chunk;
    struct buf member, san, notice;
    struct nameset names;
    size_t n_released, n_dropped, n_listed, n_cp932;
    int64_t newest; /* latest member mtime, for the notice */
    locale_t saved; /* the caller's locale, for the sanitizers dispatch runs */
    int fatal;      /* the archive's failure, already on the node */
};

static int arc_fail(struct arc *arc, int rc, enum reason code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int arc_fail(struct arc *arc, int rc, enum reason code, const char *fmt, ...)
{
    /* Out of memory is the gateway's failure, whatever the caller guessed. */
    if (rc == MG_ERR_NOMEM)
        code = REASON_NO_MEMORY;
    if (arc->fatal)
        return arc->fatal;
    char msg[REPORT_STR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    report_block(arc->node, code, "%s", msg);
    arc->fatal = rc;
    return rc;
}

/* Record a dropped member: a line in the notice and an action on the archive. */
static void arc_note_drop(struct arc *arc, const char *name, enum reason code, const char *why)
{
    /* The name as a person may see it: a removed member's name is the
     * attacker's text, and the notice must not display it reordered (RTLO)
     * or with control characters. */
    char shown[ARC_PATH_MAX * 4];
    utf8_printable(name, shown, sizeof(shown));
    arc->n_dropped++;
    if (code == REASON_NONE)
        code = REASON_BLOCKED;
    report_actionf(arc->node, ACTION_REMOVED, why ? why : "", "member \"%s\" (%s)", shown,
                   reason_code(code));
    if (arc->notice.len + 1024 + strlen(shown) > ARC_NOTICE_MAX)
        return;
    arc->n_listed++;
    buf_printf(&arc->notice,
               "%zu. %s\r\n   理由: %s のため削除しました。\r\n   Reason: %s%s%s\r\n\r\n",
               arc->n_listed, shown, reason_ja(code), reason_code(code), why && *why ? " - " : "",
               why ? why : "");
}

/* A member refused before dispatch: a report child saying why. */
static void arc_drop(struct arc *arc, const char *name, enum reason code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void arc_drop(struct arc *arc, const char *name, enum reason code, const char *fmt, ...)
{
    char why[REPORT_STR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    struct report_node *child = report_new(name);
    if (child) {
        report_block(child, code, "%s", why);
        report_add_child(arc->node, child);
    }
    arc_note_drop(arc, name, code, why);
}

/* After every chunk: job totals and expansion ratio. */
static int arc_check_growth(struct arc *arc, const struct zip_ent *ze, uint64_t member_got,
                            const char *name)
{
    const struct policy *pol = arc->pol;
    uint64_t ratio = pol->max_ratio ? pol->max_ratio : 1;
    if (arc->ctx->expanded_total > pol->max_expanded)
        return arc_fail(arc, MG_ERR_LIMIT, REASON_LIMIT,
                        "decompressed data exceeds the limit of %llu bytes for the whole job "
                        "(at member \"%s\")",
                        (unsigned long long)pol->max_expanded, name);
    if (ze) {
        /* Per member: against its compressed size, and while streaming
         * against the compressed bytes consumed so far. */
        uint64_t allowed = sat_mul(ratio, ze->csize);
        if (allowed < ARC_RATIO_FLOOR)
            allowed = ARC_RATIO_FLOOR;
        la_int64_t pos = archive_filter_bytes(arc->r, 0);
        uint64_t used = pos > 0 && (uint64_t)pos > ze->lh_off ? (uint64_t)pos - ze->lh_off : 0;
        uint64_t now = sat_mul(ratio, used);
        if (now < ARC_RATIO_FLOOR)
            now = ARC_RATIO_FLOOR;
        if (member_got > allowed || member_got > now)
            return arc_fail(arc, MG_ERR_LIMIT, REASON_LIMIT,
                            "member \"%s\" expands more than %llu times its compressed size "
                            "(compression bomb)",
                            name, (unsigned long long)ratio);
        if (member_got > ze->usize)
            return arc_fail(arc, MG_ERR_LIMIT, REASON_LIMIT,
                            "member \"%s\" expands past its declared size of %llu bytes", name,
                            (unsigned long long)ze->usize);
        return MG_OK;
    }
    if (arc->filtered) {
        la_int64_t outb = archive_filter_bytes(arc->r, 0);
        la_int64_t inb = archive_filter_bytes(arc->r, -1);
        uint64_t allowed = sat_mul(ratio, inb > 0 ? (uint64_t)inb : 0);
        if (allowed < ARC_RATIO_FLOOR)
            allowed = ARC_RATIO_FLOOR;
        uint64_t o = outb > 0 ? (uint64_t)outb : 0;
        if (o < arc->produced)
            o = arc->produced;
        if (o > allowed)
            return arc_fail(arc, MG_ERR_LIMIT, REASON_LIMIT,
                            "the compressed stream expands more than %llu times its size "
                            "(compression bomb)",
                            (unsigned long long)ratio);
        return MG_OK;
    }
    uint64_t allowed = sat_mul(ratio, arc->len);
    if (allowed < ARC_RATIO_FLOOR)
        allowed = ARC_RATIO_FLOOR;
    if (arc->produced > allowed)
        return arc_fail(arc, MG_ERR_LIMIT, REASON_LIMIT,
                        "the archive expands more than %llu times its size (compression bomb)",
                        (unsigned long long)ratio);
    return MG_OK;
}

/* What went wrong reading a member's data, for a member-level refusal. */
struct member_err {
    enum reason code; /* REASON_NONE: the data was read */
    char why[256];
};

/*
 * Read the current member's data. With dst, collect it (up to dst's cap;
 * past that the rest is read and thrown away and err says "limit"); without,
 * only drain it. Returns MG_OK (look at err->code) or the archive's failure.
 */
static int arc_read_data(struct arc *arc, struct buf *dst, const struct zip_ent *ze, bool encrypted,
                         const char *name, struct member_err *err)
{
    uint64_t got = 0;
    bool over = false;
    err->code = REASON_NONE;
    err->why[0] = 0;
    for (;;) {
        la_ssize_t n = archive_read_data(arc->r, arc->chunk, ARC_CHUNK);
        if (n == 0)
            break;
        if (n < 0) {
            const char *msg = archive_error_string(arc->r);
            if (encrypted) {
                if (arc->ctx->n_passwords == 0)
                    return arc_fail(arc, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                                    "member \"%s\" is encrypted", name);
                return arc_fail(arc, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                                "wrong password: none of the %zu passwords given opens member "
                                "\"%s\" (%s)",
                                arc->ctx->n_passwords, name, msg ? msg : "decryption failed");
            }
            if (n == ARCHIVE_FATAL)
                return arc_fail(arc, MG_ERR_PARSE, REASON_PARSE_ERROR,
                                "cannot read member \"%s\": %s", name,
                                msg ? msg : "libarchive error");
            err->code = REASON_PARSE_ERROR;
            snprintf(err->why, sizeof(err->why), "damaged data: %s",
                     msg ? msg : "libarchive error");
            return MG_OK;
        }
        got += (uint64_t)n;
        arc->produced += (uint64_t)n;
        arc->ctx->expanded_total += (uint64_t)n;
        int rc = arc_check_growth(arc, ze, got, name);
        if (rc != MG_OK)
            return rc;
        if (dst && !over && buf_append(dst, arc->chunk, (size_t)n) != MG_OK) {
            over = true;
            buf_reset(dst);
        }
    }
    if (ze && got != ze->usize)
        return arc_fail(arc, MG_ERR_PARSE, REASON_PARSE_ERROR,
                        "member \"%s\" has %llu bytes but declares %llu", name,
                        (unsigned long long)got, (unsigned long long)ze->usize);
    if (over) {
        err->code = REASON_LIMIT;
        snprintf(err->why, sizeof(err->why), "larger than the limit of %llu bytes",
                 (unsigned long long)arc->pol->max_input_size);
    }
    return MG_OK;
}

/* Skip the current member's data: free where the format allows, else drained with checks. */
static int arc_skip(struct arc *arc, const struct zip_ent *ze, bool encrypted, const char *name)
{
    if (arc->cheap_skip)
        return archive_read_data_skip(arc->r) == ARCHIVE_OK
                       ? MG_OK
                       : arc_fail(arc, MG_ERR_PARSE, REASON_PARSE_ERROR,
                                  "cannot skip member \"%s\"", name);
    struct member_err err;
    return arc_read_data(arc, NULL, ze, encrypted, name, &err);
}

static la_ssize_t arc_write_cb(struct archive *a, void *cd, const void *p, size_t n)
{
    struct buf *out = cd;
    if (buf_append(out, p, n) != MG_OK) {
        archive_set_error(a, ENOSPC, "output larger than the policy's max_output_size");
        return -1;
    }
    return (la_ssize_t)n;
}

static int arc_open_writer(struct arc *arc)
{
    arc->w = archive_write_new();
    if (!arc->w)
        return arc_fail(arc, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    if (archive_write_set_format_zip(arc->w) != ARCHIVE_OK ||
        archive_write_zip_set_compression_deflate(arc->w) != ARCHIVE_OK ||
        archive_write_set_bytes_per_block(arc->w, 0) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(arc->w, 1) != ARCHIVE_OK ||
        archive_write_open2(arc->w, arc->out, NULL, arc_write_cb, NULL, NULL) != ARCHIVE_OK)
        return arc_fail(arc, MG_ERR_INTERNAL, REASON_INTERNAL, "cannot set up the zip writer: %s",
                        archive_error_string(arc->w) ? archive_error_string(arc->w) : "?");
    return MG_OK;
}

static int64_t arc_clamp_time(int64_t t)
{
    return t < ARC_TIME_MIN ? ARC_TIME_MIN : t > ARC_TIME_MAX ? ARC_TIME_MAX : t;
}

/*
 * Images we rebuilt are stored: deflate would only cost time. Anything
 * else is deflated, zips and Office files included: stored, their bytes
 * would sit in the clear right after the first local header, and libmagic,
 * which peeks there ("[Content_Types].xml", "mimetype"), would take our
 * zip for the document inside it.
 */
static bool arc_precompressed(enum ftype t)
{
    return t == FT_JPEG || t == FT_PNG || t == FT_GIF || t == FT_WEBP;
}

static int arc_write_entry(struct arc *arc, const char *path, const uint8_t *data, size_t n,
                           int64_t mtime, enum ftype type)
{
    if (arc->n_released >= ARC_OUT_MAX)
        return arc_fail(arc, MG_ERR_LIMIT, REASON_LIMIT, "more than %u members to write",
                        ARC_OUT_MAX);
    /* The method is taken per entry, at the next header. */
    if ((arc_precompressed(type) ? archive_write_zip_set_compression_store(arc->w)
                                 : archive_write_zip_set_compression_deflate(arc->w)) != ARCHIVE_OK)
        return arc_fail(arc, MG_ERR_INTERNAL, REASON_INTERNAL, "cannot choose the zip method");
    struct archive_entry *e = archive_entry_new();
    if (!e)
        return arc_fail(arc, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)n);
    archive_entry_set_mtime(e, (time_t)arc_clamp_time(mtime), 0);
    int rc = MG_OK;
    if (archive_write_header(arc->w, e) != ARCHIVE_OK) {
        rc = MG_ERR_LIMIT;
        goto out;
    }
    size_t off = 0;
    while (off < n) {
        la_ssize_t w = archive_write_data(arc->w, data + off, n - off);
        if (w <= 0) {
            rc = MG_ERR_LIMIT;
            goto out;
        }
        off += (size_t)w;
    }
    if (archive_write_finish_entry(arc->w) != ARCHIVE_OK)
        rc = MG_ERR_LIMIT;
out:
    archive_entry_free(e);
    if (rc != MG_OK) {
        const char *msg = archive_error_string(arc->w);
        return arc_fail(arc, rc, REASON_LIMIT, "cannot write the output zip: %s",
                        msg ? msg : "write failed");
    }
    arc->n_released++;
    return MG_OK;
}

/* Whether a member's failure means the whole archive must fail (a bomb below). */
static bool arc_propagates(struct arc *arc, int rc, const struct report_node *child)
{
    if (rc == MG_ERR_NOMEM)
        return true;
    if (rc != MG_ERR_LIMIT)
        return false;
    /* refused before identification: the nesting depth */
    if (child->type == NULL || strcmp(child->type, "unknown") == 0)
        return true;
    enum ftype t = ftype_by_name(child->type);
    if (t != FT_UNKNOWN && ftype_info(t)->cls == FTC_ARCHIVE)
        return true;
    return arc->ctx->expanded_total >= arc->pol->max_expanded ||
           arc->ctx->members_total >= arc->pol->max_members;
}

/* Run one member's bytes through dispatch and write what comes back. */
static int arc_dispatch_member(struct arc *arc, const char *path, int64_t mtime)
{
    struct san_ctx *ctx = arc->ctx;
    enum ftype ct = FT_UNKNOWN;
    struct report_node *child = report_new(path);
    if (!child)
        return arc_fail(arc, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    ctx->depth++;
    arc_locale_off(arc->saved);
    int rc = dispatch_file(ctx, path, arc->member.data, arc->member.len, &arc->san, child, &ct);
    arc_locale_on();
    ctx->depth--;

    if (rc != MG_OK) {
        enum reason code =
                child->reason_code != REASON_NONE ? child->reason_code : reason_from_err(rc);
        char why[REPORT_STR_MAX];
        snprintf(why, sizeof(why), "%s", child->reason ? child->reason : err_str(rc));
        bool fatal = arc_propagates(arc, rc, child);
        report_add_child(arc->node, child);
        if (fatal)
            return arc_fail(arc, rc == MG_ERR_NOMEM ? MG_ERR_NOMEM : MG_ERR_LIMIT,
                            rc == MG_ERR_NOMEM ? REASON_NO_MEMORY : REASON_LIMIT,
                            "member \"%s\": %s", path, why);
        arc_note_drop(arc, path, code, why);
        return MG_OK;
    }

    char outname[ARC_PATH_MAX + 32];
    name_for_output(path, ct, outname, sizeof(outname));
    if (strcmp(outname, path) != 0)
        report_actionf(arc->node, ACTION_REWROTE, "the name now says what the member is",
                       "member \"%s\" renamed to \"%s\"", path, outname);
    if (name_ieq_ascii(outname, strlen(outname), ARCSAN_NOTICE_NAME)) {
        report_block(child, REASON_RESERVED_NAME, "the name is reserved for Mugai's notice");
        report_add_child(arc->node, child);
        arc_note_drop(arc, path, REASON_RESERVED_NAME, "the name is reserved for Mugai's notice");
        return MG_OK;
    }
    rc = nameset_claim(&arc->names, outname);
    if (rc == MG_ERR_NOMEM || rc == MG_ERR_LIMIT) {
        report_free(child);
        return arc_fail(arc, rc, REASON_LIMIT, "%s",
                        rc == MG_ERR_LIMIT ? "more than 16 MiB of member and folder names"
                                           : "out of memory");
    }
    if (rc != MG_OK) {
        report_block(child, REASON_DUPLICATE_NAME,
                     "another member already has this name (ignoring case) or it clashes "
                     "with a folder");
        report_add_child(arc->node, child);
        arc_note_drop(arc, path, REASON_DUPLICATE_NAME,
                      "another member already has this name (ignoring case) or it clashes "
                      "with a folder");
        return MG_OK;
    }
    report_add_child(arc->node, child);
    if (mtime > arc->newest)
        arc->newest = mtime;
    return arc_write_entry(arc, outname, arc->san.data, arc->san.len, mtime, ct);
}

/* Everything about one archive member, from its header to the output zip. */
static int arc_member(struct arc *arc, struct archive_entry *e)
{
    const struct policy *pol = arc->pol;
    const struct zip_ent *ze = NULL;
    const uint8_t *raw;
    size_t rawlen;
    int utf8_flag = -1;
    char disp[ARC_PATH_MAX + 64], dec[ARC_PATH_MAX + 64], path[ARC_PATH_MAX + 64];
    char why[REPORT_STR_MAX];

    if (arc->type == FT_ZIP) {
        if (arc->zi >= arc->zd.n)
            return arc_fail(arc, MG_ERR_PARSE, REASON_PARSE_ERROR,
                            "the reader sees more members than the central directory lists");
        ze = &arc->zd.ent[arc->zi++];
        raw = ze->name;
        rawlen = ze->name_len;
        utf8_flag = (ze->flags & ZIP_FLAG_UTF8) ? 1 : 0;
    } else {
        const char *p = archive_entry_pathname(e);
        raw = (const uint8_t *)p;
        rawlen = p ? strnlen(p, ARC_RAW_NAME_MAX + 1) : 0;
    }
    if (++arc->ctx->members_total > pol->max_members)
        return arc_fail(arc, MG_ERR_LIMIT, REASON_LIMIT,
                        "more than %llu members in the job (max_members)",
                        (unsigned long long)pol->max_members);

    bool cp932;
    const char *bad = name_decode(raw, rawlen, utf8_flag, dec, sizeof(dec), &cp932);
    if (bad)
        escape_raw(raw ? raw : (const uint8_t *)"", raw ? rawlen : 0, disp, sizeof(disp));
    else
        snprintf(disp, sizeof(disp), "%s", dec);
    if (ze && !bad) {
        /* Both readers must see the same member here. */
        const char *lp = archive_entry_pathname(e);
        if ((lp && !name_same_path(lp, raw, rawlen)) ||
            (archive_entry_size_is_set(e) && archive_entry_filetype(e) == AE_IFREG &&
             (uint64_t)archive_entry_size(e) != ze->usize))
            return arc_fail(arc, MG_ERR_PARSE, REASON_PARSE_ERROR,
                            "the zip reads differently from its central directory at \"%s\"", disp);
    }

    bool encrypted = ze ? (ze->flags & ZIP_FLAG_ENCRYPTED) || ze->method == ZIP_METHOD_AES
                        : archive_entry_is_encrypted(e) != 0;
    if (encrypted && arc->ctx->n_passwords == 0)
        return arc_fail(arc, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                        "encrypted archive (member \"%s\"): its content cannot be inspected; "
                        "give the password with --password-file",
                        disp);
    if (encrypted && !ze)
        return arc_fail(arc, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                        "encrypted %s (member \"%s\"): only zip archives can be decrypted; ask "
                        "the sender for a zip or an unencrypted copy",
                        ftype_info(arc->type)->label, disp);

    unsigned ztype = ze ? zip_unix_type(ze) : 0;
    mode_t ft = archive_entry_filetype(e);
    if (ft == AE_IFLNK || ztype == 0120000u) {
        const char *t = archive_entry_symlink(e);
        char tdisp[256];
        escape_raw((const uint8_t *)(t ? t : ""), t ? strlen(t) : 0, tdisp, sizeof(tdisp));
        arc_drop(arc, disp, REASON_SYMLINK, "symbolic link to \"%s\"", tdisp);
        return arc_skip(arc, ze, encrypted, disp);
    }
    if (archive_entry_hardlink(e) != NULL) {
        const char *t = archive_entry_hardlink(e);
        char tdisp[256];
        escape_raw((const uint8_t *)t, strlen(t), tdisp, sizeof(tdisp));
        arc_drop(arc, disp, REASON_HARDLINK, "hard link to \"%s\"", tdisp);
        return arc_skip(arc, ze, encrypted, disp);
    }
    if (ft == AE_IFDIR || (ztype == 0040000u)) {
        /* Folders are kept implicitly through their files' paths. */
        return arc_skip(arc, ze, encrypted, disp);
    }
    if (ft != AE_IFREG || (ztype != 0 && ztype != 0100000u)) {
        arc_drop(arc, disp, REASON_SPECIAL_FILE, "device, FIFO or socket (type %o)",
                 (unsigned)(ft ? ft : ztype));
        return arc_skip(arc, ze, encrypted, disp);
    }
    if (bad) {
        arc_drop(arc, disp, REASON_BAD_NAME, "file name: %s", bad);
        return arc_skip(arc, ze, encrypted, disp);
    }
    bool is_dir;
    enum reason code = name_normalize(dec, path, sizeof(path), &is_dir, why, sizeof(why));
    if (code != REASON_NONE) {
        arc_drop(arc, disp, code, "%s", why);
        return arc_skip(arc, ze, encrypted, disp);
    }
    if (is_dir) /* a "file" whose name ends in '/' */
        return arc_skip(arc, ze, encrypted, disp);
    if (name_ieq_ascii(path, strlen(path), ARCSAN_NOTICE_NAME)) {
        arc_drop(arc, disp, REASON_RESERVED_NAME, "the name is reserved for Mugai's notice");
        return arc_skip(arc, ze, encrypted, disp);
    }
    if (cp932)
        arc->n_cp932++;

    uint64_t declared = ze                             ? ze->usize
                        : archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e)
                                                       : 0;
    if (declared > pol->max_input_size) {
        arc_drop(arc, disp, REASON_LIMIT, "declares %llu bytes, over the limit of %llu",
                 (unsigned long long)declared, (unsigned long long)pol->max_input_size);
        return arc_skip(arc, ze, encrypted, disp);
    }

    /* Room for what the header declares, up to 32 MiB: a lying header
     * must not make every nesting level reserve the whole cap. */
    buf_reset(&arc->member);
    if (declared && buf_reserve(&arc->member,
                                (size_t)(declared < (32u << 20) ? declared : (32u << 20))) != MG_OK)
        return arc_fail(arc, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    struct member_err err;
    int rc = arc_read_data(arc, &arc->member, ze, encrypted, disp, &err);
    if (rc != MG_OK)
        return rc;
    if (err.code != REASON_NONE) {
        arc_drop(arc, disp, err.code, "%s", err.why);
        return MG_OK;
    }
    int64_t mtime = archive_entry_mtime_is_set(e) ? (int64_t)archive_entry_mtime(e) : 0;
    return arc_dispatch_member(arc, path, mtime);
}

/* The UTF-8 flag on every entry of the zip we wrote, in both headers. */
static int arc_flag_utf8(struct buf *out, char *why, size_t whylen)
{
    struct zip_dir zd;
    int rc = zip_parse(out->data, out->len, ARC_OUT_MAX + 1, &zd, why, whylen);
    if (rc != MG_OK)
        return rc;
    for (size_t i = 0; i < zd.n; i++) {
        struct zip_ent *e = &zd.ent[i];
        uint16_t f = (uint16_t)(e->flags | ZIP_FLAG_UTF8);
        put16(out->data + e->cd_pos + 8, f);
        put16(out->data + e->lh_off + 6, f);
    }
    zip_dir_free(&zd);
    return MG_OK;
}

static int arc_write_notice(struct arc *arc)
{
    struct buf text;
    buf_init(&text, ARC_NOTICE_MAX + 4096);
    int rc = buf_printf(&text,
                        "\xEF\xBB\xBFMugai 無害化のお知らせ / Mugai sanitization notice\r\n\r\n"
                        "このアーカイブから次の %zu 個のファイルを取り除きました。\r\n"
                        "元のファイルが必要な場合は、送信者またはシステム管理者に"
                        "お問い合わせください。\r\n"
                        "The following %zu file(s) were removed from this archive.\r\n"
                        "If you need them, ask the sender or your system administrator.\r\n\r\n",
                        arc->n_dropped, arc->n_dropped);
    if (rc == MG_OK)
        rc = buf_append(&text, arc->notice.data, arc->notice.len);
    if (rc == MG_OK && arc->n_listed < arc->n_dropped)
        rc = buf_printf(&text, "... ほか %zu 件 / and %zu more\r\n", arc->n_dropped - arc->n_listed,
                        arc->n_dropped - arc->n_listed);
    if (rc != MG_OK) {
        buf_free(&text);
        return arc_fail(arc, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    }
    rc = arc_write_entry(arc, ARCSAN_NOTICE_NAME, text.data, text.len,
                         arc->newest ? arc->newest : ARC_TIME_MIN, FT_TEXT);
    buf_free(&text);
    if (rc == MG_OK)
        report_actionf(arc->node, ACTION_ADDED, "removed members are listed inside the archive",
                       "%s listing %zu removed member(s)", ARCSAN_NOTICE_NAME, arc->n_dropped);
    return rc;
}

/* The payload of a single-file compressor: sanitized, it is the output. */
static int arc_raw(struct arc *arc)
{
    struct san_ctx *ctx = arc->ctx;
    char name[ARC_PATH_MAX + 64];
    const char *outer = arc->node->name ? arc->node->name : "data";
    const char *base = strrchr(outer, '/');
    base = base ? base + 1 : outer;
    /* The payload's name is the compressed file's minus the compressor's
     * extension; the name stored in a gzip header is not trusted. */
    name_strip_compressor(base, name, sizeof(name));
    if (name[0] == 0)
        snprintf(name, sizeof(name), "data");

    if (++ctx->members_total > arc->pol->max_members)
        return arc_fail(arc, MG_ERR_LIMIT, REASON_LIMIT, "more than %llu members in the job",
                        (unsigned long long)arc->pol->max_members);
    struct member_err err;
    int rc = arc_read_data(arc, &arc->member, NULL, false, name, &err);
    if (rc != MG_OK)
        return rc;
    if (err.code != REASON_NONE)
        return arc_fail(arc, err.code == REASON_LIMIT ? MG_ERR_LIMIT : MG_ERR_PARSE, err.code,
                        "compressed content \"%s\": %s", name, err.why);
    struct archive_entry *next;
    if (archive_read_next_header(arc->r, &next) != ARCHIVE_EOF)
        return arc_fail(arc, MG_ERR_PARSE, REASON_PARSE_ERROR, "data after the compressed stream");

    struct report_node *child = report_new(name);
    if (!child)
        return arc_fail(arc, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    enum ftype ct = FT_UNKNOWN;
    ctx->depth++;
    arc_locale_off(arc->saved);
    rc = dispatch_file(ctx, name, arc->member.data, arc->member.len, &arc->san, child, &ct);
    arc_locale_on();
    ctx->depth--;
    if (rc != MG_OK) {
        enum reason code =
                child->reason_code != REASON_NONE ? child->reason_code : reason_from_err(rc);
        char why[REPORT_STR_MAX];
        snprintf(why, sizeof(why), "%s", child->reason ? child->reason : err_str(rc));
        report_add_child(arc->node, child);
        return arc_fail(arc, rc, code, "compressed content \"%s\": %s", name, why);
    }
    report_add_child(arc->node, child);
    if (buf_append(arc->out, arc->san.data, arc->san.len) != MG_OK)
        return arc_fail(arc, MG_ERR_LIMIT, REASON_LIMIT, "output larger than the limit");
    ctx->out_type = ct;
    report_actionf(arc->node, ACTION_REMOVED,
                   "a compressed file is released as its sanitized content",
                   "the %s layer around \"%s\" (%s inside)", ftype_info(arc->type)->label, name,
                   ftype_info(ct)->label);
    return MG_OK;
}

enum { ARC_INNER_RAW, ARC_INNER_TAR, ARC_INNER_CPIO };

/* A filter that is built in returns ARCHIVE_OK; ARCHIVE_WARN would mean
 * running an external program, which the sandbox forbids. */
static int arc_support_filter(struct archive *r, enum ftype t)
{
    return t == FT_GZIP    ? archive_read_support_filter_gzip(r)
           : t == FT_BZIP2 ? archive_read_support_filter_bzip2(r)
           : t == FT_XZ    ? archive_read_support_filter_xz(r)
                           : archive_read_support_filter_zstd(r);
}

/* A tar header: "ustar" magic, or a v7 header whose checksum is right. */
static bool arc_looks_tar(const uint8_t *p, size_t n)
{
    if (n < 512 || p[0] == 0)
        return false;
    if (memcmp(p + 257, "ustar", 5) == 0)
        return true;
    unsigned long sum = 0, want = 0;
    for (size_t i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : p[i];
    size_t i = 148;
    while (i < 156 && p[i] == ' ')
        i++;
    if (i == 156 || p[i] < '0' || p[i] > '7')
        return false;
    for (; i < 156 && p[i] >= '0' && p[i] <= '7'; i++)
        want = want * 8 + (unsigned long)(p[i] - '0');
    return sum == want;
}

/*
 * What a compressed stream holds: decide from its first bytes, as
 * identification does for files, instead of letting libarchive's bidders
 * guess (its tar reader takes a stream of zeros for an empty archive and
 * would silently drop the payload).
 */
static int arc_peek_inner(struct arc *arc, int *inner)
{
    struct archive *r = archive_read_new();
    struct archive_entry *e;
    uint8_t head[1024];
    size_t got = 0;
    *inner = ARC_INNER_RAW;
    if (!r)
        return arc_fail(arc, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    int ok = arc_support_filter(r, arc->type);
    if (ok == ARCHIVE_OK)
        ok = archive_read_support_format_raw(r);
    if (ok == ARCHIVE_OK)
        ok = archive_read_open_memory(r, arc->in, arc->len);
    if (ok == ARCHIVE_OK)
        ok = archive_read_next_header(r, &e);
    while (ok == ARCHIVE_OK && got < sizeof(head)) {
        la_ssize_t n = archive_read_data(r, head + got, sizeof(head) - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    archive_read_free(r);
    if (arc_looks_tar(head, got))
        *inner = ARC_INNER_TAR;
    else if (got >= 6 && (memcmp(head, "070701", 6) == 0 || memcmp(head, "070702", 6) == 0 ||
                          memcmp(head, "070707", 6) == 0))
        *inner = ARC_INNER_CPIO;
    else if (got >= 2 &&
             ((head[0] == 0xC7 && head[1] == 0x71) || (head[0] == 0x71 && head[1] == 0xC7)))
        *inner = ARC_INNER_CPIO;
    return MG_OK;
}

/* libarchive reader for exactly the type identification found. */
static int arc_open_reader(struct arc *arc, int inner)
{
    struct archive *r = archive_read_new();
    int ok = ARCHIVE_OK;
    arc->r = r;
    if (!r)
        return arc_fail(arc, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    switch (arc->type) {
    case FT_ZIP:
        ok = archive_read_support_format_zip_seekable(r);
        arc->cheap_skip = true;
        break;
    case FT_7Z:
        ok = archive_read_support_format_7zip(r);
        break;
    case FT_TAR:
        ok = archive_read_support_format_tar(r);
        arc->cheap_skip = true;
        break;
    case FT_CPIO:
        ok = archive_read_support_format_cpio(r);
        arc->cheap_skip = true;
        break;
    case FT_LZH:
        ok = archive_read_support_format_lha(r);
        break;
    case FT_RAR:
        ok = archive_read_support_format_rar(r);
        if (ok == ARCHIVE_OK)
            ok = archive_read_support_format_rar5(r);
        break;
    case FT_CAB:
        ok = archive_read_support_format_cab(r);
        break;
    case FT_GZIP:
    case FT_BZIP2:
    case FT_XZ:
    case FT_ZSTD:
        ok = arc_support_filter(r, arc->type);
        if (ok == ARCHIVE_OK)
            ok = inner == ARC_INNER_TAR    ? archive_read_support_format_tar(r)
                 : inner == ARC_INNER_CPIO ? archive_read_support_format_cpio(r)
                                           : archive_read_support_format_raw(r);
        arc->filtered = true;
        break;
    default:
        return arc_fail(arc, MG_ERR_UNSUPPORTED, REASON_UNSUPPORTED, "%s is not an archive type",
                        ftype_info(arc->type)->label);
    }
    if (ok != ARCHIVE_OK)
        return arc_fail(arc, MG_ERR_UNSUPPORTED, REASON_UNSUPPORTED,
                        "this libarchive cannot read %s in-process", ftype_info(arc->type)->label);
    for (size_t i = 0; i < arc->ctx->n_passwords; i++)
        if (archive_read_add_passphrase(r, arc->ctx->passwords[i]) != ARCHIVE_OK)
            return arc_fail(arc, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    if (archive_read_open_memory(r, arc->in, arc->len) != ARCHIVE_OK) {
        const char *msg = archive_error_string(r);
        return arc_fail(arc, MG_ERR_PARSE, REASON_PARSE_ERROR, "not a readable %s: %s",
                        ftype_info(arc->type)->label, msg ? msg : "?");
    }
    return MG_OK;
}

/* Zip only: structure and the checks its central directory allows before any inflating. */
static int arc_zip_precheck(struct arc *arc)
{
    const struct policy *pol = arc->pol;
    char why[256];
    uint64_t room = pol->max_members > arc->ctx->members_total
                            ? pol->max_members - arc->ctx->members_total
                            : 0;
    int rc = zip_parse(arc->in, arc->len, room < ARC_ZIP_MAX ? room : ARC_ZIP_MAX, &arc->zd, why,
                       sizeof(why));
    if (rc != MG_OK)
        return arc_fail(arc, rc, rc == MG_ERR_LIMIT ? REASON_LIMIT : reason_from_err(rc),
                        "zip structure: %s", why);
    if (arc->ctx->members_total + arc->zd.n > pol->max_members)
        return arc_fail(arc, MG_ERR_LIMIT, REASON_LIMIT,
                        "%zu members would exceed the limit of %llu members in the job", arc->zd.n,
                        (unsigned long long)pol->max_members);
    uint64_t ratio = pol->max_ratio ? pol->max_ratio : 1, total = 0;
    for (size_t i = 0; i < arc->zd.n; i++) {
        const struct zip_ent *e = &arc->zd.ent[i];
        char disp[256];
        escape_raw(e->name, e->name_len, disp, sizeof(disp));
        if (e->flags & (ZIP_FLAG_ENCRYPTED | ZIP_FLAG_STRONG | ZIP_FLAG_CDENC) ||
            e->method == ZIP_METHOD_AES)
            arc->zip_encrypted = true;
        if ((e->flags & (ZIP_FLAG_STRONG | ZIP_FLAG_CDENC)) && arc->ctx->n_passwords)
            return arc_fail(arc, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                            "PKWARE strong encryption cannot be decrypted (member \"%s\")", disp);
        if (e->usize > ARC_RATIO_FLOOR && e->usize > sat_mul(ratio, e->csize))
            return arc_fail(arc, MG_ERR_LIMIT, REASON_LIMIT,
                            "member \"%s\" declares %llu bytes from %llu compressed, more than "
                            "%llu times (compression bomb)",
                            disp, (unsigned long long)e->usize, (unsigned long long)e->csize,
                            (unsigned long long)ratio);
        if (e->usize <= pol->max_input_size)
            total += e->usize;
    }
    if (arc->zip_encrypted && arc->ctx->n_passwords == 0)
        return arc_fail(arc, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                        "encrypted zip: its content cannot be inspected; give the password "
                        "with --password-file");
    if (total > pol->max_expanded || arc->ctx->expanded_total > pol->max_expanded - total)
        return arc_fail(arc, MG_ERR_LIMIT, REASON_LIMIT,
                        "members declare %llu bytes in all, over the limit of %llu decompressed "
                        "bytes for the job",
                        (unsigned long long)total, (unsigned long long)pol->max_expanded);
    return MG_OK;
}

static enum ftype arc_type_of(const struct report_node *node, const uint8_t *in, size_t len)
{
    enum ftype t = node->type ? ftype_by_name(node->type) : FT_UNKNOWN;
    if (t != FT_UNKNOWN && ftype_info(t)->cls == FTC_ARCHIVE)
        return t;
    /* Called without dispatch (tests, tools): go by the magic numbers. */
    static const struct {
        size_t off;
        const char *magic;
        size_t n;
        enum ftype type;
    } m[] = {
            {0, "PK\x03\x04", 4, FT_ZIP},
            {0, "PK\x05\x06", 4, FT_ZIP},
            {0, "7z\xBC\xAF\x27\x1C", 6, FT_7Z},
            {0, "\x1F\x8B", 2, FT_GZIP},
            {0, "BZh", 3, FT_BZIP2},
            {0,
             "\xFD"
             "7zXZ",
             5, FT_XZ},
            {0, "\x28\xB5\x2F\xFD", 4, FT_ZSTD},
            {0, "Rar!\x1A\x07", 6, FT_RAR},
            {0, "MSCF", 4, FT_CAB},
            {0, "07070", 5, FT_CPIO},
            {257, "ustar", 5, FT_TAR},
            {2, "-lh", 3, FT_LZH},
    };
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
        if (len >= m[i].off + m[i].n && memcmp(in + m[i].off, m[i].magic, m[i].n) == 0)
            return m[i].type;
    /* A zip behind something else (self-extractors): its end record. */
    if (len >= 22) {
        size_t lo = len - 22 > 0xFFFF ? len - 22 - 0xFFFF : 0;
        for (size_t i = len - 22 + 1; i-- > lo;)
            if (bytes_le32(in + i) == 0x06054b50u)
                return FT_ZIP;
    }
    return FT_UNKNOWN;
}

int arcsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node)
{
    struct arc arc;
    locale_t saved = arc_locale_on();
    int rc;

    memset(&arc, 0, sizeof(arc));
    arc.ctx = ctx;
    arc.pol = ctx->pol;
    arc.node = node;
    arc.in = in;
    arc.len = len;
    arc.out = out;
    arc.saved = saved;
    arc.type = arc_type_of(node, in, len);
    buf_init(&arc.member, ctx->pol->max_input_size);
    buf_init(&arc.san, ctx->pol->max_output_size);
    buf_init(&arc.notice, ARC_NOTICE_MAX);
    buf_reset(out);

    arc.chunk = malloc(ARC_CHUNK);
    if (!arc.chunk) {
        arc_fail(&arc, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
        goto out;
    }
    if (arc.type == FT_ZIP && arc_zip_precheck(&arc) != MG_OK)
        goto out;
    /* libarchive 3.6 does not recognise a zip that is only an end record;
     * there is nothing to read in it anyway. */
    if (arc.type == FT_ZIP && arc.zd.n == 0)
        goto finish;
    int inner = ARC_INNER_RAW;
    if (name_is_compressor(arc.type) && arc_peek_inner(&arc, &inner) != MG_OK)
        goto out;
    if (arc_open_reader(&arc, inner) != MG_OK)
        goto out;

    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(arc.r, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            const char *msg = archive_error_string(arc.r);
            if (archive_read_has_encrypted_entries(arc.r) > 0)
                arc_fail(&arc, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                         "encrypted archive (%s): its content cannot be inspected%s",
                         msg ? msg : "encrypted headers",
                         ctx->n_passwords ? "; Mugai can decrypt only zip archives" : "");
            else
                arc_fail(&arc, MG_ERR_PARSE, REASON_PARSE_ERROR, "cannot read the archive: %s",
                         msg ? msg : "libarchive error");
            goto out;
        }
        if (archive_format(arc.r) == ARCHIVE_FORMAT_RAW) {
            arc_raw(&arc);
            goto out;
        }
        if (!arc.w && arc_open_writer(&arc) != MG_OK)
            goto out;
        if (arc_member(&arc, e) != MG_OK)
            goto out;
    }
    if (arc.type == FT_ZIP && arc.zi != arc.zd.n) {
        arc_fail(&arc, MG_ERR_PARSE, REASON_PARSE_ERROR,
                 "the reader saw %zu members, the central directory lists %zu", arc.zi, arc.zd.n);
        goto out;
    }
finish:
    if (!arc.w && arc_open_writer(&arc) != MG_OK)
        goto out;
    if (arc.n_dropped && arc_write_notice(&arc) != MG_OK)
        goto out;
    if (archive_write_close(arc.w) != ARCHIVE_OK) {
        const char *msg = archive_error_string(arc.w);
        arc_fail(&arc, MG_ERR_LIMIT, REASON_LIMIT, "cannot finish the output zip: %s",
                 msg ? msg : "write failed");
        goto out;
    }
    char why[256];
    if (arc_flag_utf8(out, why, sizeof(why)) != MG_OK) {
        arc_fail(&arc, MG_ERR_INTERNAL, REASON_INTERNAL, "the zip just written does not parse: %s",
                 why);
        goto out;
    }
    ctx->out_type = FT_ZIP;
    report_actionf(node, ACTION_REWROTE, "archives are rebuilt from what was released",
                   "%s as a zip with UTF-8 names: %zu member(s) released, %zu removed",
                   ftype_info(arc.type)->label, arc.n_released, arc.n_dropped);
    if (arc.n_cp932)
        report_actionf(node, ACTION_REWROTE,
                       "Japanese Windows stores names in CP932 without saying so; the output "
                       "says UTF-8",
                       "%zu member name(s) decoded from CP932 (Shift_JIS)", arc.n_cp932);

out:
    rc = arc.fatal;
    if (arc.r)
        archive_read_free(arc.r);
    if (arc.w)
        archive_write_free(arc.w); /* may still write the end of the zip into out */
    if (rc != MG_OK)
        buf_reset(out);
    zip_dir_free(&arc.zd);
    nameset_free(&arc.names);
    buf_free(&arc.member);
    buf_free(&arc.san);
    buf_free(&arc.notice);
    free(arc.chunk);
    arc_locale_off(saved);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Verification of our own output */

int arcsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    struct zip_dir zd;
    struct nameset ns;
    struct archive *r = NULL;
    struct buf member;
    uint8_t *chunk = NULL;
    char why[256];
    locale_t saved = arc_locale_on();
    buf_init(&member, ctx && ctx->pol ? (size_t)ctx->pol->max_output_size : 0);
    int rc = zip_parse(in, len, ARC_OUT_MAX, &zd, why, sizeof(why));

    memset(&ns, 0, sizeof(ns));
    if (rc != MG_OK)
        goto out;
    rc = MG_ERR_VERIFY;
    for (size_t i = 0; i < zd.n; i++) {
        const struct zip_ent *e = &zd.ent[i];
        char dec[ARC_PATH_MAX + 64], norm[ARC_PATH_MAX + 64];
        bool cp932, is_dir;
        if (!(e->flags & ZIP_FLAG_UTF8) ||
            (e->flags & (ZIP_FLAG_ENCRYPTED | ZIP_FLAG_STRONG | ZIP_FLAG_CDENC)) ||
            (e->method != 0 && e->method != 8))
            goto out;
        if (name_decode(e->name, e->name_len, 1, dec, sizeof(dec), &cp932) != NULL)
            goto out;
        if (name_normalize(dec, norm, sizeof(norm), &is_dir, why, sizeof(why)) != REASON_NONE ||
            is_dir || strcmp(dec, norm) != 0)
            goto out;
        unsigned t = zip_unix_type(e);
        if (t != 0 && t != 0100000u)
            goto out;
        if (nameset_claim(&ns, dec) != MG_OK)
            goto out;
    }

    if (zd.n == 0) { /* an end record only: libarchive 3.6 does not take it */
        rc = MG_OK;
        goto out;
    }
    r = archive_read_new();
    chunk = malloc(ARC_CHUNK);
    if (!r || !chunk || archive_read_support_format_zip_seekable(r) != ARCHIVE_OK ||
        archive_read_open_memory(r, in, len) != ARCHIVE_OK)
        goto out;
    size_t idx = 0;
    for (;;) {
        struct archive_entry *e;
        int h = archive_read_next_header(r, &e);
        if (h == ARCHIVE_EOF)
            break;
        if (h != ARCHIVE_OK || idx >= zd.n || archive_entry_filetype(e) != AE_IFREG ||
            archive_entry_is_encrypted(e))
            goto out;
        const struct zip_ent *ze = &zd.ent[idx++];
        const char *p = archive_entry_pathname(e);
        if (p && (strlen(p) != ze->name_len || memcmp(p, ze->name, ze->name_len) != 0))
            goto out;
        uint64_t got = 0;
        buf_reset(&member);
        for (;;) {
            la_ssize_t n = archive_read_data(r, chunk, ARC_CHUNK);
            if (n == 0)
                break;
            if (n < 0)
                goto out;
            got += (uint64_t)n;
            if (got > ze->usize)
                goto out;
            if (ctx && ctx->verify_member && buf_append(&member, chunk, (size_t)n) != MG_OK)
                goto out;
        }
        if (got != ze->usize)
            goto out;
        /* The job's output check: every member must itself be releasable. */
        if (ctx && ctx->verify_member &&
            ctx->verify_member(ctx, p ? p : "", member.data ? member.data : chunk, member.len) !=
                    MG_OK)
            goto out;
    }
    if (idx != zd.n)
        goto out;
    rc = MG_OK;
out:
    if (r)
        archive_read_free(r);
    free(chunk);
    buf_free(&member);
    nameset_free(&ns);
    zip_dir_free(&zd);
    arc_locale_off(saved);
    return rc == MG_OK ? MG_OK : MG_ERR_VERIFY;
}
