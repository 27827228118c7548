/*
 * arcsan - archive sanitizer (see arcsan.h).
 *
 * Order of work for one archive:
 *   1. zip only: read the central directory with formats/zip, which
 *      refuses any layout that two readers could see differently (overlap,
 *      gaps, mismatching local headers, stray end records) and checks that
 *      libarchive sees the same members. The declared sizes give early
 *      bomb checks and the raw name bytes.
 *   2. open libarchive on the memory with only the reader for the type
 *      identification found (a file is parsed as what it was identified as);
 *   3. for each member: drop links, special files and bad paths; stream
 *      its data in 64 KiB chunks into a capped buffer, checking job totals
 *      and the expansion ratio after every chunk; send it through
 *      san_member() (the pipeline one level down); write what comes back into the
 *      output zip (formats/zip's writer: UTF-8 names, no extra fields);
 *   4. add MUGAI-NOTICE.txt when anything was dropped and close the zip.
 * A single-file compressor whose payload is not a tar or cpio is read with
 * libarchive's "raw" format and the sanitized payload is the output.
 *
 * Fail closed: when a member's failure is fatal by the engine's rule
 * (san.h: memory, a spent job budget, an archive below that hit a limit,
 * nesting), the whole archive is blocked; a member blocked for what it is
 * (an executable, a bad name) is only dropped and listed.
 */
#include "arcsan.h"
#include "bytes.h"
#include "cp932.h"
#include "err.h"
#include "utf8.h"
#include "ident.h"
#include "satmath.h"
#include "zip.h"

#include <archive.h>
#include <archive_entry.h>

#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#define ARC_CHUNK         (64u * 1024u)
#define ARC_RATIO_FLOOR   ZIP_RATIO_FLOOR
#define ARC_PATH_MAX      1024u /* bytes of a member path, decoded */
#define ARC_RAW_NAME_MAX  4096u /* bytes of a raw name we are willing to decode */
#define ARC_COMPONENT_MAX 255u
#define ARC_DEPTH_MAX     64u           /* path components */
#define ARC_ZIP_MAX       (1u << 20)    /* central directory entries we parse at all */
#define ARC_OUT_MAX       ZIP_WRITE_MAX /* entries in an output zip (no zip64) */
#define ARC_ZIP_LEVEL     6             /* zlib's default */
#define ARC_NOTICE_MAX    (256u << 10)
#define ARC_TIME_MIN      315619200LL  /* 1980-01-02: DOS time starts in 1980 */
#define ARC_TIME_MAX      4102444800LL /* 2100-01-01 */

/* ------------------------------------------------------------------ */
/* Start-up state */

static locale_t arc_utf8_locale = (locale_t)0;
static bool arc_inited;

void arcsan_init(void)
{
    if (arc_inited)
        return;
    arc_inited = true;
    /* The time zone for libarchive's mktime() and the writer's
     * localtime_r(), loaded before any sandbox. */
    zip_global_init();
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
    struct archive *r;
    struct zip_writer w;
    bool w_open;
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
    if (arc->fatal)
        return arc->fatal;
    char msg[REPORT_STR_MAX];
    va_list ap;
    va_start(ap, fmt);
    arc->fatal = report_vfail(arc->node, rc, code, msg, sizeof(msg), fmt, ap);
    va_end(ap);
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
        uint64_t allowed = zip_ratio_allowed(ze->csize, ratio);
        la_int64_t pos = archive_filter_bytes(arc->r, 0);
        uint64_t used = pos > 0 && (uint64_t)pos > ze->lh_off ? (uint64_t)pos - ze->lh_off : 0;
        uint64_t now = sat_mul_u64(ratio, used);
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
        uint64_t allowed = sat_mul_u64(ratio, inb > 0 ? (uint64_t)inb : 0);
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
    uint64_t allowed = sat_mul_u64(ratio, arc->len);
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

static int arc_open_writer(struct arc *arc)
{
    zip_writer_init(&arc->w, arc->out, ARC_ZIP_LEVEL);
    arc->w_open = true;
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
    uint16_t dt, dd;
    zip_dos_time_from_unix(arc_clamp_time(mtime), &dt, &dd);
    int rc = zip_writer_add(&arc->w, path, data, n, !arc_precompressed(type), dt, dd);
    if (rc != MG_OK)
        return arc_fail(arc, rc, REASON_LIMIT, "cannot write the output zip: %s",
                        rc == MG_ERR_LIMIT ? "output larger than the policy's max_output_size"
                                           : err_str(rc));
    arc->n_released++;
    return MG_OK;
}

/* Run one member's bytes through the member protocol and write what comes back. */
static int arc_dispatch_member(struct arc *arc, const char *path, int64_t mtime)
{
    struct san_member_result res;
    arc_locale_off(arc->saved);
    int rc = san_member(arc->ctx, arc->node, path, arc->member.data, arc->member.len, &arc->san,
                        &res);
    arc_locale_on();
    if (rc != MG_OK) {
        if (res.fatal)
            return arc_fail(arc, rc == MG_ERR_NOMEM ? MG_ERR_NOMEM : MG_ERR_LIMIT,
                            rc == MG_ERR_NOMEM ? REASON_NO_MEMORY : REASON_LIMIT,
                            "member \"%s\": %s", path, res.why);
        arc_note_drop(arc, path, res.code, res.why);
        return MG_OK;
    }
    enum ftype ct = res.out_type;
    struct report_node *child = res.node; /* NULL: not listed, the report is full */

    char outname[ARC_PATH_MAX + 32];
    name_for_output(path, ct, outname, sizeof(outname));
    if (strcmp(outname, path) != 0)
        report_actionf(arc->node, ACTION_REWROTE, "the name now says what the member is",
                       "member \"%s\" renamed to \"%s\"", path, outname);
    if (name_ieq_ascii(outname, strlen(outname), ARCSAN_NOTICE_NAME)) {
        if (child)
            report_block(child, REASON_RESERVED_NAME, "the name is reserved for Mugai's notice");
        arc_note_drop(arc, path, REASON_RESERVED_NAME, "the name is reserved for Mugai's notice");
        return MG_OK;
    }
    rc = nameset_claim(&arc->names, outname);
    if (rc == MG_ERR_NOMEM || rc == MG_ERR_LIMIT)
        return arc_fail(arc, rc, REASON_LIMIT, "%s",
                        rc == MG_ERR_LIMIT ? "more than 16 MiB of member and folder names"
                                           : "out of memory");
    if (rc != MG_OK) {
        if (child)
            report_block(child, REASON_DUPLICATE_NAME,
                         "another member already has this name (ignoring case) or it clashes "
                         "with a folder");
        arc_note_drop(arc, path, REASON_DUPLICATE_NAME,
                      "another member already has this name (ignoring case) or it clashes "
                      "with a folder");
        return MG_OK;
    }
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
        raw = (const uint8_t *)ze->name;
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

    /* The payload is the output: whatever fails it fails the file, fatal or not. */
    struct san_member_result res;
    arc_locale_off(arc->saved);
    rc = san_member(ctx, arc->node, name, arc->member.data, arc->member.len, &arc->san, &res);
    arc_locale_on();
    if (rc != MG_OK)
        return arc_fail(arc, rc, res.code, "compressed content \"%s\": %s", name, res.why);
    enum ftype ct = res.out_type;
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
    struct zip_read_opts opts = {.max_entries = room < ARC_ZIP_MAX ? room : ARC_ZIP_MAX,
                                 .allow_empty = true};
    int rc = zip_dir_read(arc->in, arc->len, &opts, &arc->zd, why, sizeof(why));
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
        escape_raw((const uint8_t *)e->name, e->name_len, disp, sizeof(disp));
        if (e->flags & (ZIP_FLAG_ENCRYPTED | ZIP_FLAG_STRONG | ZIP_FLAG_CDENC) ||
            e->method == ZIP_METHOD_AES)
            arc->zip_encrypted = true;
        if ((e->flags & (ZIP_FLAG_STRONG | ZIP_FLAG_CDENC)) && arc->ctx->n_passwords)
            return arc_fail(arc, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                            "PKWARE strong encryption cannot be decrypted (member \"%s\")", disp);
        if (e->usize > zip_ratio_allowed(e->csize, ratio))
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
    rc = zip_check_libarchive(arc->in, arc->len, &arc->zd, why, sizeof(why));
    if (rc != MG_OK)
        return arc_fail(arc, rc, rc == MG_ERR_NOMEM ? REASON_NO_MEMORY : REASON_PARSE_ERROR,
                        "zip structure: %s", why);
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
        if (!arc.w_open && arc_open_writer(&arc) != MG_OK)
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
    if (!arc.w_open && arc_open_writer(&arc) != MG_OK)
        goto out;
    if (arc.n_dropped && arc_write_notice(&arc) != MG_OK)
        goto out;
    if (zip_writer_finish(&arc.w) != MG_OK) {
        arc_fail(&arc, MG_ERR_LIMIT, REASON_LIMIT, "cannot finish the output zip: %s",
                 "output larger than the policy's max_output_size");
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
    if (arc.w_open)
        zip_writer_free(&arc.w);
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
    struct buf member;
    char why[256];
    locale_t saved = arc_locale_on();
    buf_init(&member, ctx && ctx->pol ? (size_t)ctx->pol->max_output_size : SIZE_MAX);
    struct zip_read_opts opts = {.max_entries = ARC_OUT_MAX, .allow_empty = true};
    int rc = zip_dir_read(in, len, &opts, &zd, why, sizeof(why));

    memset(&ns, 0, sizeof(ns));
    if (rc != MG_OK)
        goto out;
    rc = MG_ERR_VERIFY;
    for (size_t i = 0; i < zd.n; i++) {
        const struct zip_ent *e = &zd.ent[i];
        char dec[ARC_PATH_MAX + 64], norm[ARC_PATH_MAX + 64];
        bool cp932, is_dir;
        if (!(e->flags & ZIP_FLAG_UTF8) || zip_encrypted(e) ||
            (e->method != ZIP_METHOD_STORE && e->method != ZIP_METHOD_DEFLATE))
            goto out;
        if (name_decode((const uint8_t *)e->name, e->name_len, 1, dec, sizeof(dec), &cp932) != NULL)
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
    if (zip_check_libarchive(in, len, &zd, why, sizeof(why)) != MG_OK)
        goto out;
    /* Our own output: inflated with every check but the ratio (a member
     * of repeated text may well pass it, having passed the input's). */
    uint64_t expanded = 0;
    struct zip_budget bud = {
            .ratio = UINT64_MAX, .expanded = &expanded, .max_expanded = UINT64_MAX};
    for (size_t i = 0; i < zd.n; i++) {
        const struct zip_ent *e = &zd.ent[i];
        if (zip_member_read(in, len, e, &bud, &member, why, sizeof(why)) != MG_OK)
            goto out;
        /* The job's output check: every member must itself be releasable. */
        if (ctx && ctx->verify_member &&
            ctx->verify_member(ctx, e->name, member.data ? member.data : (const uint8_t *)"",
                               member.len) != MG_OK)
            goto out;
    }
    rc = MG_OK;
out:
    buf_free(&member);
    nameset_free(&ns);
    zip_dir_free(&zd);
    arc_locale_off(saved);
    return rc == MG_OK ? MG_OK : MG_ERR_VERIFY;
}

static int arcsan_family_init(void)
{
    arcsan_init();
    return MG_OK;
}

/* Archives are rebuilt as one zip; single-file compressors come out as
 * their sanitized content (arcsan sets ctx->out_type). */
#define ARC_TYPE(t)                                                                                \
    {                                                                                              \
        FT_##t, FT_ZIP, arcsan_sanitize, arcsan_verify, NULL                                       \
    }
static const struct san_type archive_types[] = {ARC_TYPE(ZIP),  ARC_TYPE(7Z),   ARC_TYPE(TAR),
                                                ARC_TYPE(CPIO), ARC_TYPE(LZH),  ARC_TYPE(RAR),
                                                ARC_TYPE(CAB),  ARC_TYPE(GZIP), ARC_TYPE(BZIP2),
                                                ARC_TYPE(XZ),   ARC_TYPE(ZSTD)};
#undef ARC_TYPE

const struct san_family san_family_archive = {"archive", SAN_TYPES(archive_types),
                                              arcsan_family_init};
