/*
 * mail_charset - declared charsets to UTF-8 (see mail_charset.h).
 *
 * Every decoder appends to a capped buf and replaces what it cannot
 * decode with U+FFFD one byte at a time, so a hostile byte sequence costs
 * at most a few output bytes per input byte and never stops the part.
 */
#include "mail_charset.h"
#include "cp932.h"
#include "textdec.h"
#include "err.h"
#include "hexval.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum cs_kind {
    CS_UNKNOWN,
    CS_UTF8,
    CS_ASCII, /* declared US-ASCII: 8-bit bytes are guessed */
    CS_LATIN1,
    CS_CP1252,
    CS_ISO2022JP,
    CS_CP932,
    CS_EUCJP,
    CS_ICONV,
};

struct cs_alias {
    const char *name;
    enum cs_kind kind;
    const char *iconv_name; /* for CS_ICONV */
};

/* Names as mailers write them; matched without regard to case. */
static const struct cs_alias cs_aliases[] = {
        {"utf-8", CS_UTF8, NULL},
        {"utf8", CS_UTF8, NULL},
        {"us-ascii", CS_ASCII, NULL},
        {"ascii", CS_ASCII, NULL},
        {"ansi_x3.4-1968", CS_ASCII, NULL},
        {"iso-8859-1", CS_CP1252, NULL}, /* as browsers do: C1 bytes are cp1252 */
        {"iso8859-1", CS_CP1252, NULL},
        {"iso_8859-1", CS_CP1252, NULL},
        {"latin1", CS_CP1252, NULL},
        {"l1", CS_CP1252, NULL},
        {"windows-1252", CS_CP1252, NULL},
        {"cp1252", CS_CP1252, NULL},
        {"x-cp1252", CS_CP1252, NULL},
        {"iso-2022-jp", CS_ISO2022JP, NULL},
        {"csiso2022jp", CS_ISO2022JP, NULL},
        {"iso-2022-jp-1", CS_ISO2022JP, NULL},
        {"iso-2022-jp-2", CS_ISO2022JP, NULL},
        {"iso-2022-jp-3", CS_ISO2022JP, NULL},
        {"iso-2022-jp-ms", CS_ISO2022JP, NULL},
        {"cp50220", CS_ISO2022JP, NULL},
        {"cp50221", CS_ISO2022JP, NULL},
        {"cp50222", CS_ISO2022JP, NULL},
        {"shift_jis", CS_CP932, NULL},
        {"shift-jis", CS_CP932, NULL},
        {"sjis", CS_CP932, NULL},
        {"x-sjis", CS_CP932, NULL},
        {"ms_kanji", CS_CP932, NULL},
        {"csshiftjis", CS_CP932, NULL},
        {"windows-31j", CS_CP932, NULL},
        {"cp932", CS_CP932, NULL},
        {"ms932", CS_CP932, NULL},
        {"x-ms-cp932", CS_CP932, NULL},
        {"shift_jisx0213", CS_CP932, NULL},
        {"euc-jp", CS_EUCJP, NULL},
        {"eucjp", CS_EUCJP, NULL},
        {"x-euc-jp", CS_EUCJP, NULL},
        {"euc-jp-ms", CS_EUCJP, NULL},
        {"eucjp-ms", CS_EUCJP, NULL},
        {"cp51932", CS_EUCJP, NULL},
        {"cseucpkdfmtjapanese", CS_EUCJP, NULL},
        {"utf-16", CS_ICONV, "UTF-16"},
        {"utf-16le", CS_ICONV, "UTF-16LE"},
        {"utf-16be", CS_ICONV, "UTF-16BE"},
        {"utf-32", CS_ICONV, "UTF-32"},
        {"utf-32le", CS_ICONV, "UTF-32LE"},
        {"utf-32be", CS_ICONV, "UTF-32BE"},
        {"utf-7", CS_ICONV, "UTF-7"},
        {"iso-8859-2", CS_ICONV, "ISO-8859-2"},
        {"iso-8859-3", CS_ICONV, "ISO-8859-3"},
        {"iso-8859-4", CS_ICONV, "ISO-8859-4"},
        {"iso-8859-5", CS_ICONV, "ISO-8859-5"},
        {"iso-8859-6", CS_ICONV, "ISO-8859-6"},
        {"iso-8859-7", CS_ICONV, "ISO-8859-7"},
        {"iso-8859-8", CS_ICONV, "ISO-8859-8"},
        {"iso-8859-8-i", CS_ICONV, "ISO-8859-8"},
        {"iso-8859-9", CS_ICONV, "ISO-8859-9"},
        {"iso-8859-10", CS_ICONV, "ISO-8859-10"},
        {"iso-8859-13", CS_ICONV, "ISO-8859-13"},
        {"iso-8859-14", CS_ICONV, "ISO-8859-14"},
        {"iso-8859-15", CS_ICONV, "ISO-8859-15"},
        {"iso-8859-16", CS_ICONV, "ISO-8859-16"},
        {"windows-1250", CS_ICONV, "CP1250"},
        {"windows-1251", CS_ICONV, "CP1251"},
        {"windows-1253", CS_ICONV, "CP1253"},
        {"windows-1254", CS_ICONV, "CP1254"},
        {"windows-1255", CS_ICONV, "CP1255"},
        {"windows-1256", CS_ICONV, "CP1256"},
        {"windows-1257", CS_ICONV, "CP1257"},
        {"windows-1258", CS_ICONV, "CP1258"},
        {"cp1250", CS_ICONV, "CP1250"},
        {"cp1251", CS_ICONV, "CP1251"},
        {"koi8-r", CS_ICONV, "KOI8-R"},
        {"koi8-u", CS_ICONV, "KOI8-U"},
        {"cp866", CS_ICONV, "CP866"},
        {"ibm866", CS_ICONV, "CP866"},
        {"gb2312", CS_ICONV, "GBK"}, /* mailers label GBK text gb2312 */
        {"euc-cn", CS_ICONV, "GBK"},
        {"x-gbk", CS_ICONV, "GBK"},
        {"gbk", CS_ICONV, "GBK"},
        {"cp936", CS_ICONV, "GBK"},
        {"gb18030", CS_ICONV, "GB18030"},
        {"big5", CS_ICONV, "BIG5"},
        {"x-big5", CS_ICONV, "BIG5"},
        {"cn-big5", CS_ICONV, "BIG5"},
        {"big5-hkscs", CS_ICONV, "BIG5-HKSCS"},
        {"euc-kr", CS_ICONV, "CP949"},
        {"ks_c_5601-1987", CS_ICONV, "CP949"},
        {"ks_c_5601", CS_ICONV, "CP949"},
        {"cp949", CS_ICONV, "CP949"},
        {"iso-2022-kr", CS_ICONV, "ISO-2022-KR"},
        {"tis-620", CS_ICONV, "TIS-620"},
        {"windows-874", CS_ICONV, "CP874"},
        {"macintosh", CS_ICONV, "MACINTOSH"},
};
#define N_ALIASES (sizeof(cs_aliases) / sizeof(cs_aliases[0]))

/* One descriptor per distinct iconv name, opened by mail_charset_init. */
#define MAX_ICONV 48
static struct {
    const char *name;
    iconv_t cd;
} cs_iconv[MAX_ICONV];
static size_t cs_n_iconv;

/* ---- the iconv_open guard ---- */

typedef iconv_t (*iconv_open_fn)(const char *, const char *);
static iconv_open_fn guard_real;
static pid_t guard_parent; /* 0 until mail_charset_init */
#define GUARD_NAMES    512
#define GUARD_NAME_MAX 48
static char guard_names[GUARD_NAMES][GUARD_NAME_MAX];
static size_t guard_n;

/* glibc normalizes to upper case and looks at the part before "//". */
static void guard_norm(const char *in, char out[GUARD_NAME_MAX])
{
    size_t o = 0;
    for (; in && *in && o + 1 < GUARD_NAME_MAX; in++) {
        if (in[0] == '/' && in[1] == '/')
            break;
        out[o++] = (char)toupper((unsigned char)*in);
    }
    out[o] = 0;
}

/* Converters compiled into glibc: no module to load. */
static bool guard_builtin(const char *n)
{
    static const char *const builtin[] = {"UTF-8",
                                          "UTF8",
                                          "ISO-10646/UTF8/",
                                          "ISO-10646/UTF-8/",
                                          "UCS-2",
                                          "UCS2",
                                          "UCS-2LE",
                                          "UCS-2BE",
                                          "UCS-4",
                                          "UCS4",
                                          "UCS-4LE",
                                          "UCS-4BE",
                                          "UNICODELITTLE",
                                          "UNICODEBIG",
                                          "UTF-16",
                                          "UTF-16LE",
                                          "UTF-16BE",
                                          "UTF-32",
                                          "UTF-32LE",
                                          "UTF-32BE",
                                          "UTF-7",
                                          "UTF-7-IMAP",
                                          "WCHAR_T",
                                          "INTERNAL",
                                          "ASCII",
                                          "US-ASCII",
                                          "ANSI_X3.4-1968",
                                          "ANSI_X3.4-1986",
                                          "ANSI_X3.4",
                                          "ISO646-US",
                                          "US",
                                          "CSASCII",
                                          "IBM367",
                                          "CP367",
                                          "ISO-IR-6",
                                          "ISO_646.IRV:1991",
                                          "ISO-10646",
                                          "ISO-10646/UCS4/"};
    for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
        if (strcmp(n, builtin[i]) == 0)
            return true;
    return false;
}

static bool guard_known(const char *n)
{
    for (size_t i = 0; i < guard_n; i++)
        if (strcmp(guard_names[i], n) == 0)
            return true;
    return false;
}

static void guard_remember(const char *n)
{
    if (guard_builtin(n) || guard_known(n) || guard_n >= GUARD_NAMES)
        return;
    snprintf(guard_names[guard_n++], GUARD_NAME_MAX, "%s", n);
}

/*
 * Interposes libc's iconv_open for the whole program (see mail_charset.h):
 * libraries that call iconv_open resolve to this definition first.
 */
iconv_t iconv_open(const char *tocode, const char *fromcode)
{
    char t[GUARD_NAME_MAX], f[GUARD_NAME_MAX];
    if (!guard_real)
        guard_real = (iconv_open_fn)dlsym(RTLD_NEXT, "iconv_open");
    if (!guard_real || !tocode || !fromcode) {
        errno = EINVAL;
        return (iconv_t)-1;
    }
    guard_norm(tocode, t);
    guard_norm(fromcode, f);
    if (guard_parent != 0 && getpid() != guard_parent) {
        if ((!guard_builtin(t) && !guard_known(t)) || (!guard_builtin(f) && !guard_known(f))) {
            errno = EINVAL;
            return (iconv_t)-1;
        }
        return guard_real(tocode, fromcode);
    }
    iconv_t cd = guard_real(tocode, fromcode);
    if (cd != (iconv_t)-1) {
        guard_remember(t);
        guard_remember(f);
    }
    return cd;
}

/* ---- lookup ---- */

static const struct cs_alias *cs_find(const char *name)
{
    char n[64];
    size_t o = 0;
    if (!name)
        return NULL;
    /* Mailers write "Shift_JIS", " utf-8 ", "\"UTF-8\"". */
    for (; *name && o + 1 < sizeof(n); name++)
        if (*name != '"' && *name != '\'' && !isspace((unsigned char)*name))
            n[o++] = *name;
    n[o] = 0;
    for (size_t i = 0; i < N_ALIASES; i++)
        if (strcasecmp(cs_aliases[i].name, n) == 0)
            return &cs_aliases[i];
    return NULL;
}

static iconv_t cs_iconv_cd(const char *iconv_name)
{
    for (size_t i = 0; i < cs_n_iconv; i++)
        if (strcmp(cs_iconv[i].name, iconv_name) == 0)
            return cs_iconv[i].cd;
    return (iconv_t)-1;
}

int mail_charset_init(void)
{
    if (guard_parent)
        return MG_OK;
    guard_real = (iconv_open_fn)dlsym(RTLD_NEXT, "iconv_open");
    for (size_t i = 0; i < N_ALIASES; i++) {
        const char *in = cs_aliases[i].iconv_name;
        if (!in || cs_iconv_cd(in) != (iconv_t)-1 || cs_n_iconv >= MAX_ICONV)
            continue;
        iconv_t cd = iconv_open("UTF-8", in);
        if (cd == (iconv_t)-1)
            continue; /* the charset decodes as unknown: replaced, not fatal */
        cs_iconv[cs_n_iconv].name = in;
        cs_iconv[cs_n_iconv].cd = cd;
        cs_n_iconv++;
    }
    guard_parent = getpid();
    return MG_OK;
}

/* ---- UTF-8 ---- */

int mail_put_utf8(struct buf *out, uint32_t cp)
{
    return textdec_put_utf8(out, cp);
}

/* ---- iconv (descriptors from the parent) ---- */

static int dec_iconv(iconv_t cd, const uint8_t *in, size_t len, struct buf *out, size_t *bad)
{
    char tmp[4096];
    char *ip = (char *)(uintptr_t)in;
    size_t il = len;
    int rc = MG_OK;

    iconv(cd, NULL, NULL, NULL, NULL);
    while (il > 0 && rc == MG_OK) {
        char *op = tmp;
        size_t ol = sizeof(tmp);
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        int e = errno;
        if (op > tmp)
            rc = buf_append(out, tmp, (size_t)(op - tmp));
        if (rc != MG_OK)
            break;
        if (r == (size_t)-1) {
            if (e == E2BIG)
                continue;
            /* EILSEQ or EINVAL (truncated at the end): replace one byte. */
            (*bad)++;
            rc = textdec_put_utf8(out, 0xFFFD);
            ip++;
            il--;
            iconv(cd, NULL, NULL, NULL, NULL);
        }
    }
    if (rc == MG_OK) {
        char *op = tmp;
        size_t ol = sizeof(tmp);
        iconv(cd, NULL, NULL, &op, &ol);
        if (op > tmp)
            rc = buf_append(out, tmp, (size_t)(op - tmp));
    }
    return rc;
}

/* Decode with one kind; *bad counts replacements. */
static int dec_kind(enum cs_kind k, iconv_t cd, const uint8_t *in, size_t len, struct buf *out,
                    size_t *bad)
{
    switch (k) {
    case CS_UTF8:
        return textdec_utf8(in, len, out, bad);
    case CS_CP1252:
        return textdec_cp1252(in, len, out, bad);
    case CS_ISO2022JP:
        return textdec_iso2022jp(in, len, out, bad);
    case CS_CP932:
        return textdec_cp932(in, len, out, bad);
    case CS_EUCJP:
        return textdec_eucjp(in, len, out, bad);
    case CS_ICONV:
        return dec_iconv(cd, in, len, out, bad);
    case CS_LATIN1:
        return textdec_latin1(in, len, out, bad);
    case CS_ASCII:
    case CS_UNKNOWN:
    default:
        return textdec_guess(in, len, out, bad);
    }
}

/*
 * Whether a Japanese reading that nobody declared is plausible: no
 * private-use (user-defined) characters, and kana, or mostly runs of two
 * or more non-ASCII characters. Latin-1 words read as CP932 give single
 * kanji or half-width katakana between Latin letters ("Forma\xe7\xe3o")
 * or user-defined characters ("Fr\xf6sche").
 */
static bool japanese_plausible(const uint8_t *u, size_t n)
{
    size_t i = 0, l, runs = 0, short_runs = 0, run = 0;
    bool kana = false;
    while (i <= n) {
        int32_t cp = i < n ? utf8_next(u + i, n - i, &l) : 0;
        if (i < n && cp < 0)
            return false;
        if (i < n && cp >= 0x80) {
            if (cp >= 0xE000 && cp <= 0xF8FF)
                return false;
            if (cp >= 0x3040 && cp <= 0x30FF)
                kana = true;
            run++;
        } else if (run) {
            runs++;
            short_runs += run == 1;
            run = 0;
        }
        i += i < n ? l : 1;
    }
    return kana || short_runs * 2 <= runs;
}

static bool has_high(const uint8_t *in, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (in[i] >= 0x80)
            return true;
    return false;
}

/*
 * Try one reading: append it to out and keep it when it fits (no
 * replacement; 7-bit charsets see no 8-bit byte; an undeclared Japanese
 * guess must be plausible), else take it back. *fit tells which.
 */
static int try_kind(enum cs_kind k, iconv_t cd, bool guess, const uint8_t *in, size_t len,
                    struct buf *out, bool *fit)
{
    size_t mark = out->len, bad = 0;
    *fit = false;
    if ((k == CS_ISO2022JP || k == CS_ASCII) && has_high(in, len))
        return MG_OK;
    if (k == CS_ASCII || k == CS_UNKNOWN)
        k = CS_UTF8; /* 7-bit: ASCII, or ISO-2022-JP escapes tried separately */
    if (k == CS_UTF8 && textdec_has_iso2022_escape(in, len) && !has_high(in, len))
        return MG_OK;
    int rc = dec_kind(k, cd, in, len, out, &bad);
    if (rc == MG_OK && bad == 0 &&
        (!guess || (k != CS_CP932 && k != CS_EUCJP) ||
         japanese_plausible(out->data + mark, out->len - mark))) {
        *fit = true;
        return MG_OK;
    }
    out->len = mark;
    if (out->data)
        out->data[mark] = 0;
    return rc == MG_ERR_LIMIT || rc == MG_ERR_NOMEM ? rc : MG_OK;
}

static enum cs_kind kind_of(const char *charset, iconv_t *cd)
{
    const struct cs_alias *a = (charset && *charset) ? cs_find(charset) : NULL;
    enum cs_kind k = a ? a->kind : CS_UNKNOWN;
    *cd = (iconv_t)-1;
    if (k == CS_ICONV) {
        *cd = cs_iconv_cd(a->iconv_name);
        if (*cd == (iconv_t)-1)
            k = CS_UNKNOWN;
    }
    return k;
}

static size_t count_high(const uint8_t *in, size_t len)
{
    size_t c = 0;
    for (size_t i = 0; i < len; i++)
        c += in[i] >= 0x80;
    return c;
}

int mail_charset_decode(const char *charset, struct mail_cs_hint *hint, const uint8_t *in,
                        size_t len, struct buf *out, size_t *replaced)
{
    static const struct {
        const char *name;
        enum cs_kind kind;
    } japanese[] = {{"Shift_JIS", CS_CP932}, {"EUC-JP", CS_EUCJP}};
    iconv_t cd;
    enum cs_kind k = kind_of(charset, &cd);
    bool fit = false, high = has_high(in, len);
    const char *used = NULL;
    int rc;

    if (hint) {
        hint->used = NULL;
        hint->fell_back = false;
    }
    /* The declared (or, undeclared, the assumed: ASCII) reading first. */
    rc = try_kind(k, cd, false, in, len, out, &fit);
    if (rc != MG_OK || fit)
        return rc;
    if (high) {
        rc = try_kind(CS_UTF8, cd, false, in, len, out, &fit);
        used = "UTF-8";
    } else if (k != CS_ISO2022JP && textdec_has_iso2022_escape(in, len)) {
        rc = try_kind(CS_ISO2022JP, cd, false, in, len, out, &fit);
        used = "ISO-2022-JP";
    }
    for (size_t i = 0; rc == MG_OK && !fit && high && hint && i < hint->n_others; i++) {
        iconv_t ocd;
        enum cs_kind ok = kind_of(hint->others[i], &ocd);
        if (ok == CS_UNKNOWN || ok == CS_ASCII || (ok == k && ocd == cd))
            continue;
        rc = try_kind(ok, ocd, false, in, len, out, &fit);
        used = hint->others[i];
    }
    for (size_t i = 0; rc == MG_OK && !fit && high && i < sizeof(japanese) / sizeof(japanese[0]);
         i++) {
        if (japanese[i].kind == k)
            continue;
        rc = try_kind(japanese[i].kind, cd, true, in, len, out, &fit);
        used = japanese[i].name;
    }
    if (rc == MG_OK && !fit) {
        /* Nothing fits. A declared reading with a few bad bytes (a stray
         * byte in UTF-8, a broken escape) beats any other; when many of
         * the 8-bit bytes are bad, Latin-1 at least keeps every byte. */
        size_t mark = out->len, bad = 0;
        bool declared = k != CS_UNKNOWN && k != CS_ASCII;
        if (declared)
            rc = dec_kind(k, cd, in, len, out, &bad);
        if (rc == MG_OK && (!declared || (high && bad * 100 > count_high(in, len)))) {
            out->len = mark;
            bad = 0;
            rc = dec_kind(high ? CS_LATIN1 : CS_UTF8, cd, in, len, out, &bad);
            used = high ? "ISO-8859-1" : NULL;
        } else {
            used = NULL;
        }
        if (replaced)
            *replaced += bad;
    }
    if (hint && used) {
        hint->used = used;
        hint->fell_back = true;
    }
    return rc;
}

int mail_charset_to_utf8(const char *charset, const uint8_t *in, size_t len, struct buf *out,
                         size_t *replaced, bool *known)
{
    size_t bad = 0;
    iconv_t cd;
    enum cs_kind k = kind_of(charset, &cd);
    if (known)
        *known = k != CS_UNKNOWN || !charset || !*charset;
    int rc = dec_kind(k, cd, in, len, out, &bad);
    if (replaced)
        *replaced += bad;
    return rc;
}

bool mail_charset_ascii_compatible(const char *charset)
{
    const struct cs_alias *a = (charset && *charset) ? cs_find(charset) : NULL;
    if (!a)
        return true;
    if (a->kind != CS_ICONV)
        return true;
    return strncmp(a->iconv_name, "UTF-16", 6) != 0 && strncmp(a->iconv_name, "UTF-32", 6) != 0 &&
           strcmp(a->iconv_name, "UTF-7") != 0;
}

/* ---- RFC 2047 ---- */

int mail_b64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decode the payload of one encoded word (lenient: bad characters are skipped). */
static int ew_decode(char enc, const char *p, size_t n, struct buf *raw)
{
    int rc = MG_OK;
    if (enc == 'B' || enc == 'b') {
        uint32_t acc = 0;
        int bits = 0;
        for (size_t i = 0; i < n && rc == MG_OK; i++) {
            int v = mail_b64_value((unsigned char)p[i]);
            if (v < 0)
                continue;
            acc = (acc << 6) | (uint32_t)v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                rc = buf_putc(raw, (uint8_t)(acc >> bits));
                acc &= (1u << bits) - 1;
            }
        }
    } else {
        for (size_t i = 0; i < n && rc == MG_OK; i++) {
            if (p[i] == '_') {
                rc = buf_putc(raw, ' ');
            } else if (p[i] == '=' && i + 2 < n && hexval((unsigned char)p[i + 1]) >= 0 &&
                       hexval((unsigned char)p[i + 2]) >= 0) {
                rc = buf_putc(raw, (uint8_t)(hexval((unsigned char)p[i + 1]) * 16 +
                                             hexval((unsigned char)p[i + 2])));
                i += 2;
            } else {
                rc = buf_putc(raw, (uint8_t)p[i]);
            }
        }
    }
    return rc;
}

/* An encoded word at s[0..n): =?charset?X?text?= ; fills its parts and length. */
static bool ew_parse(const char *s, size_t n, size_t *wlen, const char **cs, size_t *cslen,
                     char *enc, const char **text, size_t *textlen)
{
    if (n < 8 || s[0] != '=' || s[1] != '?')
        return false;
    size_t i = 2;
    while (i < n && s[i] != '?' && s[i] != ' ' && s[i] != '\t' && i < 80)
        i++;
    if (i >= n || s[i] != '?' || i == 2)
        return false;
    *cs = s + 2;
    *cslen = i - 2;
    if (i + 3 >= n || s[i + 2] != '?')
        return false;
    *enc = s[i + 1];
    if (*enc != 'B' && *enc != 'b' && *enc != 'Q' && *enc != 'q')
        return false;
    size_t t = i + 3, j = t;
    while (j + 1 < n && !(s[j] == '?' && s[j + 1] == '=')) {
        if (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n')
            return false;
        j++;
    }
    if (j + 1 >= n)
        return false;
    *text = s + t;
    *textlen = j - t;
    *wlen = j + 2;
    return true;
}

/* One run of a header value; remembers in hint whether any run fell back. */
static int hdr_run(const char *cs, struct mail_cs_hint *hint, const uint8_t *p, size_t n,
                   struct buf *out, size_t *bad)
{
    bool before = hint && hint->fell_back;
    const char *used = hint ? hint->used : NULL;
    int rc = mail_charset_decode(cs, hint, p, n, out, bad);
    if (hint && !hint->fell_back && before) {
        hint->fell_back = true;
        hint->used = used;
    }
    return rc;
}

int mail_header_decode(const char *raw, size_t len, struct mail_cs_hint *hint, struct buf *out,
                       size_t *replaced)
{
    struct buf pend; /* bytes of a run of encoded words in one charset */
    char pend_cs[64] = "";
    size_t bad = 0;
    int rc = MG_OK;
    size_t i = 0;
    bool prev_ew = false;

    buf_init(&pend, len + 16);
    while (i < len && rc == MG_OK) {
        size_t wlen, cslen, textlen;
        const char *cs, *text;
        char enc;
        if (ew_parse(raw + i, len - i, &wlen, &cs, &cslen, &enc, &text, &textlen)) {
            char csname[64];
            /* RFC 2231 language suffix: charset*lang */
            size_t cl = cslen < sizeof(csname) - 1 ? cslen : sizeof(csname) - 1;
            memcpy(csname, cs, cl);
            csname[cl] = 0;
            char *star = strchr(csname, '*');
            if (star)
                *star = 0;
            if (pend.len && strcasecmp(csname, pend_cs) != 0) {
                rc = hdr_run(pend_cs, hint, pend.data, pend.len, out, &bad);
                buf_reset(&pend);
            }
            snprintf(pend_cs, sizeof(pend_cs), "%s", csname);
            if (rc == MG_OK)
                rc = ew_decode(enc, text, textlen, &pend);
            i += wlen;
            prev_ew = true;
            continue;
        }
        /* Whitespace between two encoded words is not part of the text. */
        if (prev_ew && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' || raw[i] == '\n')) {
            size_t j = i;
            while (j < len && (raw[j] == ' ' || raw[j] == '\t' || raw[j] == '\r' || raw[j] == '\n'))
                j++;
            if (j < len && ew_parse(raw + j, len - j, &wlen, &cs, &cslen, &enc, &text, &textlen)) {
                i = j;
                continue;
            }
        }
        if (pend.len) {
            rc = hdr_run(pend_cs, hint, pend.data, pend.len, out, &bad);
            buf_reset(&pend);
            if (rc != MG_OK)
                break;
        }
        prev_ew = false;
        /* A run of plain text up to the next possible encoded word. */
        size_t j = i + 1;
        while (j < len && !(raw[j] == '=' && j + 1 < len && raw[j + 1] == '?'))
            j++;
        rc = hdr_run(NULL, hint, (const uint8_t *)raw + i, j - i, out, &bad);
        i = j;
    }
    if (rc == MG_OK && pend.len)
        rc = hdr_run(pend_cs, hint, pend.data, pend.len, out, &bad);
    buf_free(&pend);
    if (replaced)
        *replaced += bad;
    return rc;
}
