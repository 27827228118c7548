/*
 * policy - the policy model, its built-in defaults and the loader.
 *
 * The loader is a single pass over the text with a cursor: it allocates
 * nothing, looks at each line at most a few times, and refuses the whole
 * file on the first thing it does not understand. A policy that was only
 * partly understood would be worse than none: an administrator who writes
 * "max_depht = 2" must hear about it, not run with the default. So every
 * unknown section, key, type or value is an error with file and line, and
 * the caller is left with the built-in defaults.
 *
 * Values are checked against a range per key, so that a typo such as
 * "max_depth = 50000" or "worker_deadline_seconds = 0" is caught here and
 * not discovered as a mysteriously blocked (or unbounded) job later.
 *
 * The text must be UTF-8 (comments may be Japanese) without NUL bytes or
 * control characters other than tab and a CR before the line end; a UTF-8
 * byte order mark at the very start is skipped because common Windows
 * editors write one.
 */
#include "policy.h"
#include "buf.h"
#include "err.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KIB ((uint64_t)1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)

/* How much of an offending key or value is quoted back in an error. */
#define ECHO_MAX 48

enum val_kind {
    VAL_SIZE,  /* bytes, optional K/M/G suffix (1024-based) */
    VAL_COUNT, /* plain decimal integer */
};

struct limit_key {
    const char *name;
    enum val_kind kind;
    size_t off;   /* offset in struct policy */
    size_t width; /* sizeof the field: 4 or 8 */
    uint64_t min, max;
};

#define FIELD_SIZE(f) sizeof(((struct policy *)0)->f)
#define LIMIT(f, k, lo, hi)                                                                        \
    {                                                                                              \
        .name = #f, .kind = k, .off = offsetof(struct policy, f), .width = FIELD_SIZE(f),          \
        .min = lo, .max = hi                                                                       \
    }

/*
 * Ranges: the lower bound rejects values that would make Mugai useless or
 * that mean nothing (a deadline of 0 s); the upper bound rejects values no
 * office gateway needs and that would only turn a cap into no cap. Keep
 * policy/default.conf in step when changing one.
 */
static const struct limit_key limit_keys[] = {
        LIMIT(max_input_size, VAL_SIZE, 1, 16 * GIB),
        LIMIT(max_depth, VAL_COUNT, 0, 100),
        LIMIT(max_members, VAL_COUNT, 1, 10000000),
        LIMIT(max_expanded, VAL_SIZE, 1, 64 * GIB),
        LIMIT(max_ratio, VAL_COUNT, 1, 100000),
        LIMIT(worker_cpu_seconds, VAL_COUNT, 1, 86400),
        LIMIT(worker_deadline_seconds, VAL_COUNT, 1, 86400),
        LIMIT(worker_memory, VAL_SIZE, 16 * MIB, 64 * GIB),
        LIMIT(max_output_size, VAL_SIZE, 1, 16 * GIB),
        LIMIT(max_pixels, VAL_COUNT, 1, 1000000000),
        LIMIT(max_dimension, VAL_COUNT, 1, 1000000),
        LIMIT(jpeg_max_scans, VAL_COUNT, 1, 10000),
        LIMIT(gif_max_frames, VAL_COUNT, 1, 100000),
        LIMIT(db_max_age_days, VAL_COUNT, 1, 365),
        LIMIT(mail_max_size, VAL_SIZE, 1 * KIB, 16 * GIB),
        LIMIT(mail_retention_days, VAL_COUNT, 1, 3650),
        LIMIT(mail_ppap_window_minutes, VAL_COUNT, 1, 10080),
};
#define N_LIMITS (sizeof(limit_keys) / sizeof(limit_keys[0]))

struct option_key {
    const char *name;
    size_t off;
};

#define OPTION(f)                                                                                  \
    {                                                                                              \
        .name = #f, .off = offsetof(struct policy, f)                                              \
    }

static const struct option_key option_keys[] = {
        OPTION(jpeg_keep_icc),    OPTION(png_keep_icc),         OPTION(csv_neutralize_formulas),
        OPTION(scan_input),       OPTION(block_infected_input), OPTION(keep_hyperlinks),
        OPTION(mail_defang_urls), OPTION(mail_hold_encrypted),  OPTION(allow_unconfined_scan),
        OPTION(mail_ppap_auto),   OPTION(mail_attachment_text),
};
#define N_OPTIONS (sizeof(option_keys) / sizeof(option_keys[0]))

enum section {
    SEC_NONE,
    SEC_LIMITS,
    SEC_OPTIONS,
    SEC_ACTIONS,
};

/* A piece of the policy text; never NUL-terminated. */
struct span {
    const char *p;
    size_t n;
};

struct parser {
    const char *fname;
    char *err;
    size_t errlen;
    size_t lineno;
    enum section sec;
    /* Line of the first setting of each key, 0 when not yet set. */
    size_t limit_line[N_LIMITS];
    size_t option_line[N_OPTIONS];
    size_t tag_line; /* mail_subject_tag, the one string option */
    size_t action_line[FT_COUNT];
    struct policy pol;
};

void policy_defaults(struct policy *pol)
{
    /* memset first so that padding is zero too and two defaults compare equal. */
    memset(pol, 0, sizeof(*pol));
    pol->max_input_size = 100 * MIB;
    pol->max_depth = 5;
    pol->max_members = 10000;
    pol->max_expanded = 1 * GIB;
    pol->max_ratio = 100;
    pol->worker_cpu_seconds = 60;
    pol->worker_deadline_seconds = 120;
    pol->worker_memory = 1 * GIB;
    pol->max_output_size = 256 * MIB;
    pol->max_pixels = 100000000;
    pol->max_dimension = 30000;
    pol->jpeg_max_scans = 100;
    pol->gif_max_frames = 1000;
    pol->db_max_age_days = 7;
    pol->mail_max_size = 50 * MIB;
    pol->mail_retention_days = 30;
    pol->mail_ppap_window_minutes = 60;

    pol->jpeg_keep_icc = true;
    pol->png_keep_icc = true;
    pol->csv_neutralize_formulas = true;
    pol->scan_input = true;
    pol->block_infected_input = true;
    pol->keep_hyperlinks = true;
    pol->mail_defang_urls = false;
    pol->mail_hold_encrypted = true;
    pol->allow_unconfined_scan = false;
    pol->mail_attachment_text = false;
    pol->mail_subject_tag[0] = 0;

    for (int i = 0; i < FT_COUNT; i++)
        pol->action[i] = POL_BLOCK;
    pol->action[FT_TEXT] = POL_SANITIZE;
    pol->action[FT_CSV] = POL_SANITIZE;
    pol->action[FT_JPEG] = POL_SANITIZE;
    pol->action[FT_PNG] = POL_SANITIZE;
    pol->action[FT_GIF] = POL_SANITIZE;
    /* Re-encoded as PNG (sanitizers/image/bitmapsan.c). */
    pol->action[FT_BMP] = pol->action[FT_TIFF] = pol->action[FT_WEBP] = POL_SANITIZE;
    /* Documents and archives: everything that has a sanitizer. */
    static const enum ftype sanitized[] = {
            FT_PDF,  FT_DOCX, FT_DOTX, FT_XLSX, FT_XLTX, FT_PPTX,  FT_PPSX, FT_POTX,
            FT_DOCM, FT_DOTM, FT_XLSM, FT_XLTM, FT_PPTM, FT_PPSM,  FT_POTM, FT_ODT,
            FT_ODS,  FT_ODP,  FT_OTT,  FT_OTS,  FT_OTP,  FT_ZIP,   FT_7Z,   FT_TAR,
            FT_CPIO, FT_LZH,  FT_RAR,  FT_CAB,  FT_GZIP, FT_BZIP2, FT_XZ,   FT_ZSTD,
    };
    for (size_t i = 0; i < sizeof(sanitized) / sizeof(sanitized[0]); i++)
        pol->action[sanitized[i]] = POL_SANITIZE;
    pol->action[FT_EML] = POL_SANITIZE;
    /* Office 97-2003 (sanitizers/msoffice): rebuilt from the streams they need. */
    pol->action[FT_DOC] = pol->action[FT_XLS] = pol->action[FT_PPT] = POL_SANITIZE;
    pol->action[FT_RTF] = POL_SANITIZE; /* sanitizers/rtf: rewritten token by token */
    /* Web (sanitizers/web): HTML, SVG and XML rebuilt through allowlists. */
    pol->action[FT_HTML] = pol->action[FT_SVG] = pol->action[FT_XML] = POL_SANITIZE;
}

/*
 * The types Mugai can flatten (convert to text), and the one place that
 * says so: a policy line asking for "flatten" on any other type is refused
 * when the file is loaded, and the refusal names these. Each has a
 * flattener in engine/dispatch.c's table. Text types are flat already
 * (flattening them is sanitizing them). Images, archives and the rest
 * have none: a picture reduced to text would lose all it is for.
 */
static const enum ftype flattenable[] = {
        FT_PDF,  FT_HTML, FT_RTF, /* */
        FT_DOCX, FT_DOCM, FT_DOTX, FT_DOTM, FT_XLSX, FT_XLSM, FT_XLTX,
        FT_XLTM, FT_PPTX, FT_PPTM, FT_PPSX, FT_PPSM, FT_POTX, FT_POTM, /* Office Open XML */
        FT_ODT,  FT_ODS,  FT_ODP,  FT_OTT,  FT_OTS,  FT_OTP,           /* OpenDocument */
        FT_DOC,  FT_XLS,  FT_PPT,                                      /* Office 97-2003 */
        FT_TEXT, FT_CSV,                                               /* flat already */
};

bool policy_can_flatten(enum ftype t)
{
    for (size_t i = 0; i < sizeof(flattenable) / sizeof(flattenable[0]); i++)
        if (flattenable[i] == t)
            return true;
    return false;
}

enum pol_action policy_action(const struct policy *pol, enum ftype t)
{
    if ((int)t <= (int)FT_UNKNOWN || (int)t >= (int)FT_COUNT || ftype_is_executable(t))
        return POL_BLOCK;
    switch (pol->action[t]) {
    case POL_SANITIZE:
        return POL_SANITIZE;
    case POL_FLATTEN:
        return policy_can_flatten(t) ? POL_FLATTEN : POL_BLOCK;
    default:
        return POL_BLOCK;
    }
}

const char *policy_action_name(enum pol_action a)
{
    return a == POL_SANITIZE ? "sanitize" : a == POL_FLATTEN ? "flatten" : "block";
}

/* ---- small text helpers ---- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static struct span span_trim(struct span s)
{
    while (s.n > 0 && is_blank(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && is_blank(s.p[s.n - 1]))
        s.n--;
    return s;
}

static bool span_eq(struct span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Words in values (yes, sanitize, ...) are matched without regard to case. */
static bool span_eq_word(struct span s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(s.p[i]) != lit[i])
            return false;
    return true;
}

static bool span_has_upper(struct span s)
{
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] >= 'A' && s.p[i] <= 'Z')
            return true;
    return false;
}

static bool span_has_nonascii(struct span s)
{
    for (size_t i = 0; i < s.n; i++)
        if ((unsigned char)s.p[i] >= 0x80)
            return true;
    return false;
}

/*
 * Quote a key or value for an error message: at most ECHO_MAX bytes, cut
 * on a UTF-8 character boundary (the line was validated), with anything
 * that could upset a terminal replaced.
 */
static void span_echo(char *dst, size_t dstlen, struct span s)
{
    size_t n = s.n;
    bool cut = false;
    if (n > ECHO_MAX) {
        n = ECHO_MAX;
        while (n > 0 && ((unsigned char)s.p[n] & 0xC0) == 0x80)
            n--;
        cut = true;
    }
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < dstlen; i++) {
        unsigned char c = (unsigned char)s.p[i];
        dst[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (cut)
        for (int i = 0; i < 3 && o + 1 < dstlen; i++)
            dst[o++] = '.';
    if (dstlen)
        dst[o] = 0;
}

/* Largest exact binary suffix, so that 104857600 reads "100M". */
static void fmt_size(char *dst, size_t dstlen, uint64_t v)
{
    if (v != 0 && v % GIB == 0)
        snprintf(dst, dstlen, "%" PRIu64 "G", v / GIB);
    else if (v != 0 && v % MIB == 0)
        snprintf(dst, dstlen, "%" PRIu64 "M", v / MIB);
    else if (v != 0 && v % KIB == 0)
        snprintf(dst, dstlen, "%" PRIu64 "K", v / KIB);
    else
        snprintf(dst, dstlen, "%" PRIu64, v);
}

/* ---- errors ---- */

static void vset_err(char *err, size_t errlen, const char *where, size_t line, const char *fmt,
                     va_list ap)
{
    char reason[512];
    if (!err || errlen == 0)
        return;
    vsnprintf(reason, sizeof(reason), fmt, ap);
    if (line)
        snprintf(err, errlen, "%s:%zu: %s", where, line, reason);
    else
        snprintf(err, errlen, "%s: %s", where, reason);
}

static int file_err(char *err, size_t errlen, const char *where, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int file_err(char *err, size_t errlen, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset_err(err, errlen, where, 0, fmt, ap);
    va_end(ap);
    return MG_ERR_USAGE;
}

static int line_err(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int line_err(struct parser *ps, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset_err(ps->err, ps->errlen, ps->fname, ps->lineno, fmt, ap);
    va_end(ap);
    return MG_ERR_USAGE;
}

/* A hint for a key or type name that is almost right. */
static const char *name_hint(struct span key)
{
    if (span_has_nonascii(key))
        return " (it contains non-ASCII characters, e.g. a full-width letter or space)";
    if (span_has_upper(key))
        return " (names are lower-case)";
    return "";
}

/* ---- values ---- */

/* Decimal digits only: no sign, no spaces, no separators. */
static bool parse_decimal(struct span v, uint64_t *out)
{
    uint64_t x = 0;
    if (v.n == 0)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return false;
        unsigned d = (unsigned)(v.p[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *out = x;
    return true;
}

static bool parse_size(struct span v, uint64_t *out)
{
    unsigned shift = 0;
    uint64_t x;
    if (v.n > 0) {
        switch (v.p[v.n - 1]) {
        case 'K':
        case 'k':
            shift = 10;
            break;
        case 'M':
        case 'm':
            shift = 20;
            break;
        case 'G':
        case 'g':
            shift = 30;
            break;
        default:
            break;
        }
        if (shift)
            v.n--;
    }
    if (!parse_decimal(v, &x))
        return false;
    if (x > (UINT64_MAX >> shift))
        return false;
    *out = x << shift;
    return true;
}

static bool parse_bool(struct span v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (span_eq_word(v, yes[i])) {
            *out = true;
            return true;
        }
        if (span_eq_word(v, no[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool parse_action(struct span v, enum pol_action *out)
{
    if (span_eq_word(v, "sanitize"))
        *out = POL_SANITIZE;
    else if (span_eq_word(v, "flatten"))
        *out = POL_FLATTEN;
    else if (span_eq_word(v, "block"))
        *out = POL_BLOCK;
    else
        return false;
    return true;
}

static void limit_store(struct policy *pol, const struct limit_key *k, uint64_t v)
{
    unsigned char *p = (unsigned char *)pol + k->off;
    if (k->width == sizeof(uint32_t)) {
        uint32_t v32 = (uint32_t)v;
        memcpy(p, &v32, sizeof(v32));
    } else {
        memcpy(p, &v, sizeof(v));
    }
}

static uint64_t limit_load(const struct policy *pol, const struct limit_key *k)
{
    const unsigned char *p = (const unsigned char *)pol + k->off;
    if (k->width == sizeof(uint32_t)) {
        uint32_t v32;
        memcpy(&v32, p, sizeof(v32));
        return v32;
    }
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static bool option_load(const struct policy *pol, const struct option_key *k)
{
    bool b;
    memcpy(&b, (const unsigned char *)pol + k->off, sizeof(b));
    return b;
}

/* ---- lines ---- */

/* Which section a misplaced key really belongs to, for the error message. */
static const char *home_section(struct span key)
{
    for (size_t i = 0; i < N_LIMITS; i++)
        if (span_eq(key, limit_keys[i].name))
            return "limits";
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (span_eq(key, option_keys[i].name))
            return "options";
    if (span_eq(key, "mail_subject_tag"))
        return "options";
    char name[32];
    if (key.n > 0 && key.n < sizeof(name)) {
        memcpy(name, key.p, key.n);
        name[key.n] = 0;
        if (ftype_by_name(name) != FT_UNKNOWN || strcmp(name, "unknown") == 0)
            return "actions";
    }
    return NULL;
}

static int unknown_key(struct parser *ps, struct span key, const char *sec)
{
    char k[ECHO_MAX * 2];
    const char *home = home_section(key);
    span_echo(k, sizeof(k), key);
    if (home)
        return line_err(ps, "unknown key '%s' in [%s] (it belongs in [%s])", k, sec, home);
    return line_err(ps, "unknown key '%s' in [%s]%s", k, sec, name_hint(key));
}

static int duplicate_key(struct parser *ps, struct span key, const char *sec, size_t first)
{
    char k[ECHO_MAX * 2];
    span_echo(k, sizeof(k), key);
    return line_err(ps, "duplicate key '%s' in [%s] (first set on line %zu)", k, sec, first);
}

static int bad_value(struct parser *ps, const char *key, struct span v, const char *expected)
{
    char e[ECHO_MAX * 2];
    if (v.n == 0)
        return line_err(ps, "missing value for %s: expected %s", key, expected);
    span_echo(e, sizeof(e), v);
    return line_err(ps, "bad value '%s' for %s: expected %s", e, key, expected);
}

static int set_limit(struct parser *ps, struct span key, struct span val)
{
    for (size_t i = 0; i < N_LIMITS; i++) {
        const struct limit_key *k = &limit_keys[i];
        if (!span_eq(key, k->name))
            continue;
        if (ps->limit_line[i])
            return duplicate_key(ps, key, "limits", ps->limit_line[i]);
        ps->limit_line[i] = ps->lineno;

        uint64_t v;
        char expected[160];
        if (k->kind == VAL_SIZE) {
            char lo[32], hi[32];
            fmt_size(lo, sizeof(lo), k->min);
            fmt_size(hi, sizeof(hi), k->max);
            snprintf(expected, sizeof(expected),
                     "a size from %s to %s: bytes, or a number with a K, M or G suffix "
                     "(1024-based)",
                     lo, hi);
            if (!parse_size(val, &v) || v < k->min || v > k->max)
                return bad_value(ps, k->name, val, expected);
        } else {
            snprintf(expected, sizeof(expected), "a whole number from %" PRIu64 " to %" PRIu64,
                     k->min, k->max);
            if (!parse_decimal(val, &v) || v < k->min || v > k->max)
                return bad_value(ps, k->name, val, expected);
        }
        limit_store(&ps->pol, k, v);
        return MG_OK;
    }
    return unknown_key(ps, key, "limits");
}

/*
 * The subject tag is the one string value. It lands in a mail header, so
 * besides the line checks already done (UTF-8, no controls) it is capped
 * in length; a tag cannot contain " #" or " ;" (a trailing comment starts
 * there), which no sensible tag needs.
 */
static int set_subject_tag(struct parser *ps, struct span key, struct span val)
{
    if (ps->tag_line)
        return duplicate_key(ps, key, "options", ps->tag_line);
    ps->tag_line = ps->lineno;
    if (val.n > POLICY_MAX_STRING) {
        char e[ECHO_MAX * 2];
        span_echo(e, sizeof(e), val);
        return line_err(ps,
                        "bad value '%s' for mail_subject_tag: expected at most %u bytes of text", e,
                        POLICY_MAX_STRING);
    }
    memcpy(ps->pol.mail_subject_tag, val.p, val.n);
    ps->pol.mail_subject_tag[val.n] = 0;
    return MG_OK;
}

static int set_option(struct parser *ps, struct span key, struct span val)
{
    if (span_eq(key, "mail_subject_tag"))
        return set_subject_tag(ps, key, val);
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option_key *k = &option_keys[i];
        if (!span_eq(key, k->name))
            continue;
        if (ps->option_line[i])
            return duplicate_key(ps, key, "options", ps->option_line[i]);
        ps->option_line[i] = ps->lineno;

        bool b;
        if (!parse_bool(val, &b))
            return bad_value(ps, k->name, val, "yes or no (also true/false, on/off, 1/0)");
        memcpy((unsigned char *)&ps->pol + k->off, &b, sizeof(b));
        return MG_OK;
    }
    return unknown_key(ps, key, "options");
}

/* "jpg = sanitize" most likely meant the type whose extension is jpg. */
static const char *type_by_ext(const char *ext)
{
    for (int i = FT_UNKNOWN + 1; i < FT_COUNT; i++) {
        const struct ftype_info *fi = ftype_info((enum ftype)i);
        if (strcmp(fi->ext, ext) == 0)
            return fi->name;
    }
    return NULL;
}

static int set_action(struct parser *ps, struct span key, struct span val)
{
    char name[32], k[ECHO_MAX * 2];
    enum ftype t = FT_UNKNOWN;
    bool known = false;

    span_echo(k, sizeof(k), key);
    if (key.n < sizeof(name)) {
        memcpy(name, key.p, key.n);
        name[key.n] = 0;
        t = ftype_by_name(name);
        known = t != FT_UNKNOWN || strcmp(name, "unknown") == 0;
    }
    if (!known) {
        const char *guess = key.n < sizeof(name) ? type_by_ext(name) : NULL;
        if (guess)
            return line_err(ps, "unknown file type '%s' in [actions] (did you mean '%s'?)", k,
                            guess);
        return line_err(ps, "unknown file type '%s' in [actions]%s", k, name_hint(key));
    }
    if (ps->action_line[t])
        return duplicate_key(ps, key, "actions", ps->action_line[t]);
    ps->action_line[t] = ps->lineno;

    enum pol_action a;
    if (!parse_action(val, &a))
        return bad_value(ps, ftype_info(t)->name, val, "sanitize, flatten or block");
    if (a != POL_BLOCK && (t == FT_UNKNOWN || ftype_is_executable(t)))
        return line_err(ps,
                        "'%s' (%s) cannot be released by policy: it is always blocked, so "
                        "only 'block' is allowed",
                        k, ftype_info(t)->label);
    if (a == POL_FLATTEN && !policy_can_flatten(t)) {
        char list[512];
        size_t o = 0;
        list[0] = 0;
        for (size_t i = 0; i < sizeof(flattenable) / sizeof(flattenable[0]); i++) {
            if (flattenable[i] == FT_TEXT || flattenable[i] == FT_CSV)
                continue;
            int w = snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "",
                             ftype_info(flattenable[i])->name);
            if (w < 0 || (size_t)w >= sizeof(list) - o)
                break;
            o += (size_t)w;
        }
        return line_err(ps,
                        "'%s' cannot be flattened: flatten is available for %s (and text, "
                        "csv, where it equals sanitize); use sanitize or block",
                        k, list);
    }
    ps->pol.action[t] = a;
    return MG_OK;
}

static int parse_section(struct parser *ps, struct span s)
{
    const char *close = memchr(s.p, ']', s.n);
    if (!close)
        return line_err(ps, "section header without ']'");
    struct span name = span_trim((struct span){s.p + 1, (size_t)(close - s.p - 1)});
    struct span rest = span_trim((struct span){close + 1, s.n - (size_t)(close - s.p) - 1});
    char e[ECHO_MAX * 2];
    span_echo(e, sizeof(e), name);
    if (rest.n > 0 && rest.p[0] != '#' && rest.p[0] != ';')
        return line_err(ps, "unexpected text after section header [%s]", e);
    if (span_eq(name, "limits"))
        ps->sec = SEC_LIMITS;
    else if (span_eq(name, "options"))
        ps->sec = SEC_OPTIONS;
    else if (span_eq(name, "actions"))
        ps->sec = SEC_ACTIONS;
    else
        return line_err(ps, "unknown section [%s]%s (expected [limits], [options] or [actions])", e,
                        name_hint(name));
    return MG_OK;
}

static int parse_line(struct parser *ps, const char *p, size_t n)
{
    if (n > POLICY_MAX_LINE)
        return line_err(ps, "line is longer than %u bytes", POLICY_MAX_LINE);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == 0)
            return line_err(ps, "NUL byte in the policy text");
        if ((c < 0x20 && c != '\t' && !(c == '\r' && i == n - 1)) || c == 0x7f)
            return line_err(ps, "control character 0x%02x in the policy text", c);
    }
    size_t bad = utf8_check((const uint8_t *)p, n);
    if (bad < n)
        return line_err(ps, "invalid UTF-8 (byte 0x%02x at column %zu)", (unsigned char)p[bad],
                        bad + 1);

    if (n > 0 && p[n - 1] == '\r')
        n--;
    struct span s = span_trim((struct span){p, n});
    if (s.n == 0 || s.p[0] == '#' || s.p[0] == ';')
        return MG_OK;
    if (s.p[0] == '[')
        return parse_section(ps, s);

    const char *eq = memchr(s.p, '=', s.n);
    if (!eq)
        return line_err(ps, "expected 'key = value' or '[section]'");
    struct span key = span_trim((struct span){s.p, (size_t)(eq - s.p)});
    struct span val = {eq + 1, s.n - (size_t)(eq - s.p) - 1};
    /* A trailing comment starts at '#' or ';' after whitespace. */
    for (size_t i = 0; i < val.n; i++) {
        if ((val.p[i] == '#' || val.p[i] == ';') && (i == 0 || is_blank(val.p[i - 1]))) {
            val.n = i;
            break;
        }
    }
    val = span_trim(val);
    if (key.n == 0)
        return line_err(ps, "missing key before '='");

    switch (ps->sec) {
    case SEC_LIMITS:
        return set_limit(ps, key, val);
    case SEC_OPTIONS:
        return set_option(ps, key, val);
    case SEC_ACTIONS:
        return set_action(ps, key, val);
    case SEC_NONE:
    default:
        break;
    }
    char k[ECHO_MAX * 2];
    const char *home = home_section(key);
    span_echo(k, sizeof(k), key);
    if (home)
        return line_err(ps, "key '%s' is outside a section (it belongs in [%s])", k, home);
    return line_err(ps,
                    "key '%s' is outside a section (expected [limits], [options] or [actions] "
                    "before it)",
                    k);
}

int policy_parse(struct policy *pol, const char *text, size_t len, const char *fname, char *err,
                 size_t errlen)
{
    struct parser ps;
    const char *p, *end;
    int rc = MG_OK;

    if (err && errlen)
        err[0] = 0;
    memset(&ps, 0, sizeof(ps));
    ps.fname = fname ? fname : "<policy>";
    ps.err = err;
    ps.errlen = errlen;
    policy_defaults(&ps.pol);

    if (len > POLICY_MAX_TEXT) {
        rc = file_err(err, errlen, ps.fname, "policy text is larger than %u bytes",
                      POLICY_MAX_TEXT);
        goto out;
    }
    if (len > 0 && !text) {
        rc = file_err(err, errlen, ps.fname, "no policy text");
        goto out;
    }

    /* Not text + len on a NULL text: that is undefined even for len 0. */
    p = text;
    end = len ? text + len : text;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        ps.lineno++;
        rc = parse_line(&ps, p, (size_t)(le - p));
        if (rc != MG_OK)
            goto out;
        p = nl ? nl + 1 : end;
    }
    memcpy(pol, &ps.pol, sizeof(*pol));
    return MG_OK;
out:
    policy_defaults(pol);
    return rc;
}

int policy_load_file(struct policy *pol, const char *path, char *err, size_t errlen)
{
    int fd = -1, rc;
    char *text = NULL;
    struct stat st;
    size_t got = 0, cap;

    policy_defaults(pol);
    if (err && errlen)
        err[0] = 0;
    if (!path)
        return file_err(err, errlen, "<policy>", "no policy file named");
    /* O_NONBLOCK: opening a FIFO by mistake must not hang the daemon's start. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        rc = file_err(err, errlen, path, "cannot read: %s", strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        rc = file_err(err, errlen, path, "cannot read: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = file_err(err, errlen, path, "cannot read: not a regular file");
        goto out;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > POLICY_MAX_TEXT) {
        rc = file_err(err, errlen, path, "cannot read: larger than %u bytes (%jd bytes)",
                      POLICY_MAX_TEXT, (intmax_t)st.st_size);
        goto out;
    }
    /* One byte more than fstat promised, to notice a file that grew. */
    cap = (size_t)st.st_size + 1;
    text = malloc(cap);
    if (!text) {
        rc = file_err(err, errlen, path, "cannot read: out of memory");
        goto out;
    }
    while (got < cap) {
        ssize_t r = read(fd, text + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = file_err(err, errlen, path, "cannot read: %s", strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got > (size_t)st.st_size) {
        rc = file_err(err, errlen, path, "cannot read: the file changed while being read");
        goto out;
    }
    rc = policy_parse(pol, text, got, path, err, errlen);
out:
    if (rc != MG_OK)
        policy_defaults(pol);
    free(text);
    if (fd >= 0)
        close(fd);
    return rc;
}

int policy_to_text(const struct policy *pol, struct buf *out)
{
    int rc;
    char v[32];

    if ((rc = buf_puts(out, "# Mugai policy, canonical form (sizes are 1024-based)\n[limits]\n")))
        return rc;
    for (size_t i = 0; i < N_LIMITS; i++) {
        const struct limit_key *k = &limit_keys[i];
        uint64_t x = limit_load(pol, k);
        if (k->kind == VAL_SIZE)
            fmt_size(v, sizeof(v), x);
        else
            snprintf(v, sizeof(v), "%" PRIu64, x);
        if ((rc = buf_printf(out, "%s = %s\n", k->name, v)))
            return rc;
    }
    if ((rc = buf_puts(out, "\n[options]\n")))
        return rc;
    for (size_t i = 0; i < N_OPTIONS; i++)
        if ((rc = buf_printf(out, "%s = %s\n", option_keys[i].name,
                             option_load(pol, &option_keys[i]) ? "yes" : "no")))
            return rc;
    if ((rc = buf_printf(out, "mail_subject_tag = %.*s\n",
                         (int)strnlen(pol->mail_subject_tag, POLICY_MAX_STRING),
                         pol->mail_subject_tag)))
        return rc;
    if ((rc = buf_puts(out, "\n[actions]\n")))
        return rc;
    for (int i = FT_UNKNOWN + 1; i < FT_COUNT; i++) {
        enum ftype t = (enum ftype)i;
        if ((rc = buf_printf(out, "%s = %s%s\n", ftype_info(t)->name,
                             policy_action_name(policy_action(pol, t)),
                             ftype_is_executable(t) ? "  # executable: always blocked" : "")))
            return rc;
    }
    return MG_OK;
}
