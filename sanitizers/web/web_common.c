/*
 * web_common - decoding, URL and CSS rules, escaping (see web_common.h).
 */
#include "web_common.h"
#include "websan.h"
#include "err.h"
#include "html2text.h"
#include "textdec.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- decoding ---- */

enum web_cs { CS_NONE, CS_UTF8, CS_UTF16LE, CS_UTF16BE, CS_CP1252, CS_CP932, CS_EUCJP, CS_JIS };

static const struct {
    const char *name;
    enum web_cs cs;
} web_charsets[] = {
        {"utf-8", CS_UTF8},
        {"utf8", CS_UTF8},
        {"unicode-1-1-utf-8", CS_UTF8},
        {"us-ascii", CS_NONE},
        {"ascii", CS_NONE},
        {"iso-8859-1", CS_CP1252}, /* as browsers read it */
        {"iso8859-1", CS_CP1252},
        {"latin1", CS_CP1252},
        {"windows-1252", CS_CP1252},
        {"cp1252", CS_CP1252},
        {"shift_jis", CS_CP932},
        {"shift-jis", CS_CP932},
        {"sjis", CS_CP932},
        {"x-sjis", CS_CP932},
        {"ms_kanji", CS_CP932},
        {"csshiftjis", CS_CP932},
        {"windows-31j", CS_CP932},
        {"cp932", CS_CP932},
        {"euc-jp", CS_EUCJP},
        {"x-euc-jp", CS_EUCJP},
        {"eucjp", CS_EUCJP},
        {"cseucpkdfmtjapanese", CS_EUCJP},
        {"iso-2022-jp", CS_JIS},
        {"csiso2022jp", CS_JIS},
        {"iso-2022-jp-2", CS_JIS},
        {"cp50220", CS_JIS},
        {"cp50221", CS_JIS},
        {"cp50222", CS_JIS},
        /* Declared UTF-16 in bytes without a BOM: browsers ignore the
         * declaration (the bytes could not have been read to find it). */
        {"utf-16", CS_NONE},
        {"utf-16le", CS_NONE},
        {"utf-16be", CS_NONE},
};

/* The encoding="..." of an XML declaration at the start, "" if none. */
static void web_xml_encoding(const uint8_t *in, size_t len, char cs[WEB_CHARSET_MAX])
{
    const char *s = (const char *)in;
    size_t lim = len < 512 ? len : 512;
    cs[0] = 0;
    if (lim < 6 || strncmp(s, "<?xml", 5) != 0)
        return;
    const char *end = memmem(s, lim, "?>", 2);
    const char *e = memmem(s, end ? (size_t)(end - s) : lim, "encoding", 8);
    if (!e)
        return;
    size_t i = (size_t)(e - s) + 8, stop = end ? (size_t)(end - s) : lim, o = 0;
    while (i < stop && (s[i] == ' ' || s[i] == '=' || s[i] == '"' || s[i] == '\''))
        i++;
    while (i < stop && o + 1 < WEB_CHARSET_MAX &&
           (isalnum((unsigned char)s[i]) || strchr("-_.:", s[i])))
        cs[o++] = s[i++];
    cs[o] = 0;
}

static int web_decode_as(enum web_cs k, const uint8_t *in, size_t len, struct buf *out, size_t *bad)
{
    switch (k) {
    case CS_UTF8:
        return textdec_utf8(in, len, out, bad);
    case CS_UTF16LE:
    case CS_UTF16BE:
        return textdec_utf16(in, len, k == CS_UTF16LE, out, bad);
    case CS_CP1252:
        return textdec_cp1252(in, len, out, bad);
    case CS_CP932:
        return textdec_cp932(in, len, out, bad);
    case CS_EUCJP:
        return textdec_eucjp(in, len, out, bad);
    case CS_JIS:
        return textdec_iso2022jp(in, len, out, bad);
    case CS_NONE:
    default:
        return textdec_guess(in, len, out, bad);
    }
}

int web_decode(const uint8_t *in, size_t len, bool xml, struct buf *out, char cs[WEB_CHARSET_MAX],
               size_t *bad)
{
    enum web_cs k = CS_NONE;
    size_t skip = 0;
    int rc;

    cs[0] = 0;
    if (len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF)
        k = CS_UTF8, skip = 3;
    else if (len >= 2 && in[0] == 0xFF && in[1] == 0xFE)
        k = CS_UTF16LE, skip = 2;
    else if (len >= 2 && in[0] == 0xFE && in[1] == 0xFF)
        k = CS_UTF16BE, skip = 2;
    else if (len >= 2 && in[0] == '<' && in[1] == 0)
        k = CS_UTF16LE;
    else if (len >= 2 && in[0] == 0 && in[1] == '<')
        k = CS_UTF16BE;
    if (k != CS_NONE) {
        snprintf(cs, WEB_CHARSET_MAX, "%s",
                 k == CS_UTF8      ? "UTF-8 (BOM)"
                 : k == CS_UTF16LE ? "UTF-16LE"
                                   : "UTF-16BE");
    } else {
        web_xml_encoding(in, len, cs);
        if (!cs[0] && !xml)
            html2text_meta_charset(in, len, cs, WEB_CHARSET_MAX);
        if (cs[0]) {
            size_t i = 0, n = sizeof(web_charsets) / sizeof(web_charsets[0]);
            while (i < n && strcasecmp(web_charsets[i].name, cs) != 0)
                i++;
            if (i == n)
                return MG_ERR_UNSUPPORTED;
            k = web_charsets[i].cs;
        }
        if (!cs[0])
            snprintf(cs, WEB_CHARSET_MAX, "%s", "undeclared");
    }
    rc = web_decode_as(k, in + skip, len - skip, out, bad);
    /* libxml2 reads a NUL as the end of the input. */
    for (size_t i = 0; rc == MG_OK && i < out->len; i++)
        if (out->data[i] == 0)
            out->data[i] = ' ';
    return rc;
}

int web_decode_report(const uint8_t *in, size_t len, bool xml, struct buf *out,
                      char cs[WEB_CHARSET_MAX], size_t *bad, struct report_node *node,
                      const char *what)
{
    int rc = web_decode(in, len, xml, out, cs, bad);
    if (rc == MG_ERR_UNSUPPORTED && node)
        report_block(node, REASON_UNSUPPORTED, "%s in charset \"%s\", which Mugai does not decode",
                     what, cs);
    return rc;
}

/* ---- URLs ---- */

static bool web_data_image(const char *s)
{
    static const char *const ok[] = {"data:image/png;",  "data:image/png,", "data:image/jpeg;",
                                     "data:image/jpeg,", "data:image/gif;", "data:image/gif,"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (strncasecmp(s, ok[i], strlen(ok[i])) == 0)
            return true;
    return false;
}

bool web_url_ok(const char *url, enum web_url_kind kind)
{
    char head[32]; /* enough for the longest scheme we compare */
    size_t o = 0;
    bool image = kind == WEB_URL_IMAGE || kind == WEB_URL_LOCAL_IMG;

    /* The first non-blank characters, control characters and spaces dropped. */
    for (const unsigned char *p = (const unsigned char *)url; *p && o + 1 < sizeof(head); p++)
        if (*p > 0x20 && *p != 0x7F)
            head[o++] = (char)*p;
    head[o] = 0;
    if (image && web_data_image(head))
        return true;
    if (kind == WEB_URL_LOCAL || kind == WEB_URL_LOCAL_IMG)
        return head[0] == '#' && strchr(url, ':') == NULL;
    if ((head[0] == '/' || head[0] == '\\') && (head[1] == '/' || head[1] == '\\'))
        return false;
    /* A scheme is what comes before a ':' that precedes any '/', '?' or '#'. */
    size_t i = strcspn(url, ":/?#\\");
    if (url[i] != ':')
        return true; /* relative */
    static const char *const schemes[] = {"http:", "https:", "mailto:", "cid:"};
    for (size_t k = 0; k < sizeof(schemes) / sizeof(schemes[0]); k++)
        if (strncasecmp(head, schemes[k], strlen(schemes[k])) == 0)
            return true;
    return false;
}

/* ---- CSS ---- */

/* css without comments, into out. */
static int web_css_strip(const char *css, struct buf *out)
{
    int rc = MG_OK;
    for (const char *p = css; *p && rc == MG_OK;) {
        if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            if (!e)
                break;
            p = e + 2;
            continue;
        }
        rc = buf_putc(out, (uint8_t)*p++);
    }
    return rc;
}

static bool web_css_clean(const char *s, bool local_only)
{
    static const char *const banned[] = {"\\",        "<",       "expression", "behavior",
                                         "binding",   "@import", "javascript", "vbscript",
                                         "image-set", "src(",    NULL};
    for (int i = 0; banned[i]; i++)
        if (strcasestr(s, banned[i]))
            return false;
    for (const char *u = strcasestr(s, "url("); u; u = strcasestr(u + 4, "url(")) {
        const char *p = u + 4;
        char target[2048];
        size_t o = 0;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
            p++;
        char q = (*p == '"' || *p == '\'') ? *p++ : 0;
        while (*p && (q ? *p != q : *p != ')') && o + 1 < sizeof(target))
            target[o++] = *p++;
        target[o] = 0;
        if (!*p || o + 1 >= sizeof(target) ||
            !web_url_ok(target, local_only ? WEB_URL_LOCAL : WEB_URL_LINK))
            return false;
    }
    return true;
}

int web_css_sheet(const char *css, bool local_only, struct buf *out, bool *ok)
{
    struct buf t;
    buf_init(&t, out->max);
    int rc = web_css_strip(css, &t);
    *ok = false;
    if (rc == MG_OK && web_css_clean(t.len ? (const char *)t.data : "", local_only)) {
        *ok = true;
        rc = buf_append(out, t.data, t.len);
    }
    buf_free(&t);
    return rc;
}

bool web_css_value_ok(const char *value, bool local_only)
{
    struct buf t;
    buf_init(&t, strlen(value) + 1);
    bool ok = web_css_strip(value, &t) == MG_OK &&
              web_css_clean(t.len ? (const char *)t.data : "", local_only);
    buf_free(&t);
    return ok;
}

int web_css_decls(const char *style, bool local_only, struct buf *out, unsigned *dropped)
{
    struct buf t;
    buf_init(&t, out->max);
    int rc = web_css_strip(style, &t);
    char *s = t.len ? (char *)t.data : NULL;
    bool first = true;
    for (char *save = NULL, *d = s ? strtok_r(s, ";", &save) : NULL; d && rc == MG_OK;
         d = strtok_r(NULL, ";", &save)) {
        while (isspace((unsigned char)*d))
            d++;
        size_t n = strlen(d);
        while (n && isspace((unsigned char)d[n - 1]))
            d[--n] = 0;
        if (!n)
            continue;
        /* property: value, the property a plain name. */
        size_t p = strspn(d, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
        size_t c = p + strspn(d + p, " \t\r\n\f");
        if (p == 0 || d[c] != ':' || !web_css_clean(d, local_only)) {
            (*dropped)++;
            continue;
        }
        if (!first)
            rc = buf_puts(out, "; ");
        if (rc == MG_OK)
            rc = buf_puts(out, d);
        first = false;
    }
    buf_free(&t);
    return rc;
}

/* ---- output ---- */

int web_escape(struct buf *out, const char *s, bool attr)
{
    int rc = MG_OK;
    while (*s && rc == MG_OK) {
        size_t n = strcspn(s, attr ? "&<>\"" : "&<>");
        rc = buf_append(out, s, n);
        s += n;
        if (!*s || rc != MG_OK)
            break;
        rc = buf_puts(out, *s == '&'   ? "&amp;"
                           : *s == '<' ? "&lt;"
                           : *s == '>' ? "&gt;"
                                       : "&quot;");
        s++;
    }
    return rc;
}

const char *web_find(const char *name, const char *const *list, bool any_case)
{
    for (int i = 0; list[i]; i++)
        if ((any_case ? strcasecmp(name, list[i]) : strcmp(name, list[i])) == 0)
            return list[i];
    return NULL;
}

bool web_in(const char *name, const char *const *list)
{
    return web_find(name, list, false) != NULL;
}

bool web_is_handler(const char *name)
{
    return (name[0] == 'o' || name[0] == 'O') && (name[1] == 'n' || name[1] == 'N');
}

/* ---- the writer ---- */

void web_put(struct web_writer *w, const char *s)
{
    if (w->rc == MG_OK)
        w->rc = buf_puts(w->out, s);
}

void web_put_escaped(struct web_writer *w, const char *s, bool attr)
{
    if (w->rc == MG_OK)
        w->rc = web_escape(w->out, s, attr);
}

void web_put_attr(struct web_writer *w, const char *name, const char *value)
{
    web_put(w, " ");
    web_put(w, name);
    web_put(w, "=\"");
    web_put_escaped(w, value, true);
    web_put(w, "\"");
}

void web_put_end(struct web_writer *w, const char *name)
{
    web_put(w, "</");
    web_put(w, name);
    web_put(w, ">");
}

void web_enter(struct web_writer *w)
{
    if (++w->depth > WEB_DEPTH_MAX && w->rc == MG_OK)
        w->rc = MG_ERR_LIMIT;
}

void web_leave(struct web_writer *w)
{
    w->depth--;
}

unsigned web_put_style_attr(struct web_writer *w, const char *style, bool local_only)
{
    struct buf css;
    unsigned dropped = 0;
    buf_init(&css, w->out->max);
    if (w->rc == MG_OK)
        w->rc = web_css_decls(style, local_only, &css, &dropped);
    if (css.len)
        web_put_attr(w, "style", (const char *)css.data);
    buf_free(&css);
    if (w->verify && dropped)
        w->bad = true;
    return dropped;
}

bool web_put_sheet(struct web_writer *w, const char *css, bool local_only, bool escape)
{
    struct buf sheet;
    bool ok = false;
    buf_init(&sheet, w->out->max);
    if (w->rc == MG_OK)
        w->rc = web_css_sheet(css, local_only, &sheet, &ok);
    if (ok) {
        web_put(w, "<style>");
        if (escape)
            web_put_escaped(w, sheet.len ? (const char *)sheet.data : "", true);
        else if (w->rc == MG_OK)
            w->rc = buf_append(w->out, sheet.data, sheet.len);
        web_put(w, "</style>");
    } else if (w->verify) {
        w->bad = true;
    }
    buf_free(&sheet);
    return ok;
}

/* ---- the report ---- */

int web_report_utf8(struct report_node *node, const char *why, const char *cs, size_t bad)
{
    return report_actionf(node, ACTION_REWROTE, why, "written as UTF-8 (read as %s%s)", cs,
                          bad ? ", with replacements" : "");
}

int web_report(struct report_node *node, const struct web_removed *rows, size_t n_rows,
               const char *why_utf8, const char *cs, size_t bad)
{
    int rc = MG_OK;
    for (size_t i = 0; i < n_rows && rc == MG_OK; i++)
        if (rows[i].n)
            rc = report_actionf(node, ACTION_REMOVED, rows[i].why, "%u %s", rows[i].n,
                                rows[i].what);
    return rc == MG_OK ? web_report_utf8(node, why_utf8, cs, bad) : rc;
}

/* Rebuilt through allowlists, written as UTF-8. */
static const struct san_type web_types[] = {
        {FT_HTML, FT_HTML, websan_html_sanitize, websan_html_verify, websan_html_flatten},
        {FT_SVG, FT_SVG, websan_svg_sanitize, websan_svg_verify, NULL},
        {FT_XML, FT_XML, websan_xml_sanitize, websan_xml_verify, NULL},
};

const struct san_family san_family_web = {"web", SAN_TYPES(web_types), websan_global_init};
