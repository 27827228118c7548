/*
 * html2text - HTML to plain text (see html2text.h).
 *
 * A single forward pass with a cursor: tags are recognized, never
 * interpreted; nothing is built but the text. Elements whose content a
 * mail reader does not show as text (script, style, head, iframe, ...) are
 * skipped to their end tag by a case-insensitive search, as an HTML parser
 * treats their content as raw text; unclosed ones run to the end of the
 * input, which drops more rather than less.
 */
#include "html2text.h"
#include "err.h"
#include "textdec.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define H2T_URL_MAX  2048
#define H2T_LIST_MAX 16
#define H2T_NAME_MAX 16

struct h2t {
    struct buf *out;
    int rc;
    int nl_pending;     /* line ends owed before the next text */
    bool space_pending; /* a collapsed run of white space owed */
    bool line_start;    /* the last thing written ended a line (or nothing yet) */
    bool started;       /* some text was written */
    int pre;            /* inside <pre>: white space kept */
    int list_depth;
    bool list_ordered[H2T_LIST_MAX];
    unsigned list_num[H2T_LIST_MAX];
    bool cell_first;
    bool in_link;
    char href[H2T_URL_MAX];
    size_t link_start; /* out->len when the link text began */
    struct html2text_stats *st;
};

/* ---- output ---- */

static void h2t_raw(struct h2t *h, const char *s, size_t n)
{
    if (h->rc == MG_OK && n)
        h->rc = buf_append(h->out, s, n);
}

static void h2t_flush(struct h2t *h)
{
    if (h->started && h->nl_pending) {
        for (int i = 0; i < h->nl_pending; i++)
            h2t_raw(h, "\n", 1);
        h->line_start = true;
    } else if (h->space_pending && !h->line_start) {
        h2t_raw(h, " ", 1);
    }
    h->nl_pending = 0;
    h->space_pending = false;
}

static void h2t_block(struct h2t *h, int lines)
{
    if (h->line_start && lines == 1 && h->nl_pending == 0)
        return;
    if (lines > h->nl_pending)
        h->nl_pending = lines;
    h->space_pending = false;
}

/* Text that is already decoded: collapse white space unless in <pre>. */
static void h2t_text(struct h2t *h, const char *s, size_t n)
{
    for (size_t i = 0; i < n && h->rc == MG_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (h->pre) {
            if (c == '\r')
                continue;
            h2t_flush(h);
            h2t_raw(h, (const char *)&c, 1);
            h->line_start = c == '\n';
            h->started = true;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            if (!h->line_start)
                h->space_pending = true;
            continue;
        }
        h2t_flush(h);
        size_t j = i + 1;
        while (j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' && s[j] != '\f')
            j++;
        h2t_raw(h, s + i, j - i);
        h->line_start = false;
        h->started = true;
        i = j - 1;
    }
}

static void h2t_str(struct h2t *h, const char *s)
{
    h2t_text(h, s, strlen(s));
}

static void h2t_newline(struct h2t *h)
{
    h->nl_pending = 0;
    h->space_pending = false;
    h2t_raw(h, "\n", 1);
    h->line_start = true;
    h->started = true;
}

/* ---- entities ---- */

static const struct {
    const char *name;
    uint32_t cp;
} h2t_entities[] = {
        {"amp", '&'},      {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
        {"apos", '\''},    {"nbsp", ' '},      {"copy", 0xA9},     {"reg", 0xAE},
        {"trade", 0x2122}, {"hellip", 0x2026}, {"mdash", 0x2014},  {"ndash", 0x2013},
        {"lsquo", 0x2018}, {"rsquo", 0x2019},  {"ldquo", 0x201C},  {"rdquo", 0x201D},
        {"sbquo", 0x201A}, {"bdquo", 0x201E},  {"bull", 0x2022},   {"middot", 0xB7},
        {"yen", 0xA5},     {"euro", 0x20AC},   {"pound", 0xA3},    {"cent", 0xA2},
        {"laquo", 0xAB},   {"raquo", 0xBB},    {"times", 0xD7},    {"divide", 0xF7},
        {"deg", 0xB0},     {"plusmn", 0xB1},   {"para", 0xB6},     {"sect", 0xA7},
        {"iexcl", 0xA1},   {"iquest", 0xBF},   {"ensp", ' '},      {"emsp", ' '},
        {"thinsp", ' '},   {"larr", 0x2190},   {"rarr", 0x2192},   {"uarr", 0x2191},
        {"darr", 0x2193},  {"shy", 0},         {"zwnj", 0},        {"zwj", 0},
        {"lrm", 0},        {"rlm", 0},         {"micro", 0xB5},    {"frac12", 0xBD},
        {"eacute", 0xE9},  {"egrave", 0xE8},   {"agrave", 0xE0},   {"aacute", 0xE1},
        {"uuml", 0xFC},    {"ouml", 0xF6},     {"auml", 0xE4},     {"szlig", 0xDF},
        {"ccedil", 0xE7},  {"ntilde", 0xF1},   {"Uuml", 0xDC},     {"Ouml", 0xD6},
        {"Auml", 0xC4},    {"Eacute", 0xC9},   {"hearts", 0x2665}, {"star", 0x2606},
};

/* Decode the reference at s[0..n) (s[0] == '&'); *used gets its length, 0 if none. */
static int32_t h2t_entity(const char *s, size_t n, size_t *used)
{
    *used = 0;
    if (n < 3)
        return -1;
    if (s[1] == '#') {
        size_t i = 2;
        uint32_t v = 0;
        bool hex = i < n && (s[i] == 'x' || s[i] == 'X');
        if (hex)
            i++;
        size_t digits = 0;
        while (i < n && digits < 8) {
            int c = (unsigned char)s[i];
            int d = isdigit(c) ? c - '0' : hex && isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
            if (d < 0)
                break;
            v = v * (hex ? 16 : 10) + (uint32_t)d;
            i++;
            digits++;
        }
        if (digits == 0)
            return -1;
        if (i < n && s[i] == ';')
            i++;
        *used = i;
        if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            return 0xFFFD;
        return (int32_t)v;
    }
    size_t i = 1;
    while (i < n && i < 12 && isalnum((unsigned char)s[i]))
        i++;
    if (i >= n || s[i] != ';')
        return -1;
    for (size_t k = 0; k < sizeof(h2t_entities) / sizeof(h2t_entities[0]); k++) {
        if (strlen(h2t_entities[k].name) == i - 1 &&
            strncmp(h2t_entities[k].name, s + 1, i - 1) == 0) {
            *used = i + 1;
            return (int32_t)h2t_entities[k].cp;
        }
    }
    return -1;
}

/* Decode references in s[0..n) into dst (UTF-8), capped. */
static int h2t_decode(const char *s, size_t n, struct buf *dst)
{
    int rc = MG_OK;
    for (size_t i = 0; i < n && rc == MG_OK;) {
        if (s[i] == '&') {
            size_t used;
            int32_t cp = h2t_entity(s + i, n - i, &used);
            if (used) {
                if (cp > 0 && cp >= 0x20 && !(cp >= 0x7F && cp < 0xA0))
                    rc = textdec_put_utf8(dst, (uint32_t)cp);
                i += used;
                continue;
            }
        }
        size_t j = i + 1;
        while (j < n && s[j] != '&')
            j++;
        rc = buf_append(dst, s + i, j - i);
        i = j;
    }
    return rc;
}

static void h2t_text_decoded(struct h2t *h, const char *s, size_t n)
{
    struct buf tmp;
    buf_init(&tmp, n * 4 + 16);
    int rc = h2t_decode(s, n, &tmp);
    if (rc == MG_OK)
        h2t_text(h, (const char *)tmp.data, tmp.len);
    else if (h->rc == MG_OK)
        h->rc = rc;
    buf_free(&tmp);
}

/* ---- tags ---- */

struct h2t_tag {
    char name[H2T_NAME_MAX];
    bool end, self_closing;
    const char *attrs; /* raw attribute text */
    size_t attrs_len;
};

/* Find attribute name's value in the raw attribute text; decoded into val. */
static bool h2t_attr(const struct h2t_tag *t, const char *name, char *val, size_t cap)
{
    const char *s = t->attrs;
    size_t n = t->attrs_len, i = 0, nl = strlen(name);
    while (i < n) {
        while (i < n && (isspace((unsigned char)s[i]) || s[i] == '/'))
            i++;
        size_t ns = i;
        while (i < n && !isspace((unsigned char)s[i]) && s[i] != '=' && s[i] != '>' && s[i] != '/')
            i++;
        size_t ne = i;
        while (i < n && isspace((unsigned char)s[i]))
            i++;
        const char *v = NULL;
        size_t vl = 0;
        if (i < n && s[i] == '=') {
            i++;
            while (i < n && isspace((unsigned char)s[i]))
                i++;
            if (i < n && (s[i] == '"' || s[i] == '\'')) {
                char q = s[i++];
                v = s + i;
                while (i < n && s[i] != q)
                    i++;
                vl = (size_t)(s + i - v);
                if (i < n)
                    i++;
            } else {
                v = s + i;
                while (i < n && !isspace((unsigned char)s[i]) && s[i] != '>')
                    i++;
                vl = (size_t)(s + i - v);
            }
        }
        if (ne == ns) {
            i++;
            continue;
        }
        if (ne - ns == nl && strncasecmp(s + ns, name, nl) == 0) {
            struct buf b;
            buf_init(&b, cap > 1 ? cap - 1 : 0);
            if (!v || h2t_decode(v, vl, &b) != MG_OK) {
                buf_free(&b);
                val[0] = 0;
                return v != NULL;
            }
            size_t o = 0;
            for (size_t k = 0; k < b.len && o + 1 < cap; k++)
                if (b.data[k] >= 0x20 || b.data[k] >= 0x80)
                    val[o++] = (char)b.data[k];
            val[o] = 0;
            buf_free(&b);
            return true;
        }
    }
    return false;
}

static bool h2t_is(const struct h2t_tag *t, const char *name)
{
    return strcmp(t->name, name) == 0;
}

static bool h2t_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0)
            return true;
    return false;
}

/* Elements whose content is not shown as text: skipped to their end tag. */
static const char *const h2t_skip[] = {"script", "style",    "title",   "iframe", "frame",
                                       "head",   "object",   "applet",  "svg",    "math",
                                       "select", "template", "noembed", NULL};
static const char *const h2t_active[] = {"script", "style", "iframe", "frame",    "object",
                                         "applet", "svg",   "math",   "template", NULL};
static const char *const h2t_para[] = {"p",          "h1",    "h2",  "h3", "h4",     "h5", "h6",
                                       "blockquote", "table", "pre", "dl", "figure", NULL};
static const char *const h2t_line[] = {
        "div",    "tr",      "dt",      "dd",      "address",    "article",  "section",
        "header", "footer",  "nav",     "aside",   "form",       "fieldset", "center",
        "main",   "details", "summary", "caption", "figcaption", "legend",   "tbody",
        "thead",  "tfoot",   "body",    "html",    "option",     NULL};

static bool h2t_scheme_ok(const char *url)
{
    static const char *const ok[] = {"http://", "https://", "mailto:", "ftp://", NULL};
    for (int i = 0; ok[i]; i++)
        if (strncasecmp(url, ok[i], strlen(ok[i])) == 0)
            return true;
    return false;
}

/* Whether the URL has a scheme at all (javascript:, data:, ...) as opposed to a relative one. */
static bool h2t_has_scheme(const char *url)
{
    size_t i = 0;
    while (url[i] &&
           (isalnum((unsigned char)url[i]) || url[i] == '+' || url[i] == '-' || url[i] == '.'))
        i++;
    return i > 0 && url[i] == ':';
}

static void h2t_trim_url(char *u)
{
    /* Browsers strip leading/trailing controls and spaces, and tabs/newlines inside:
     * "java\tscript:" is javascript:. Do the same before judging the scheme. */
    size_t o = 0;
    for (size_t i = 0; u[i]; i++) {
        unsigned char c = (unsigned char)u[i];
        if (c <= 0x20)
            continue;
        u[o++] = (char)c;
    }
    u[o] = 0;
}

static void h2t_link_end(struct h2t *h)
{
    if (!h->in_link)
        return;
    h->in_link = false;
    if (!h->href[0])
        return;
    if (!h2t_scheme_ok(h->href)) {
        if (h2t_has_scheme(h->href))
            h->st->bad_links++;
        return;
    }
    /* The link text as written; no need to repeat a URL that is its own text. */
    const char *txt =
            h->out->len >= h->link_start ? (const char *)h->out->data + h->link_start : "";
    size_t tl = h->out->len - h->link_start;
    while (tl && isspace((unsigned char)*txt)) {
        txt++;
        tl--;
    }
    while (tl && isspace((unsigned char)txt[tl - 1]))
        tl--;
    const char *u = h->href;
    if (strncasecmp(u, "mailto:", 7) == 0 && tl == strlen(u + 7) && strncmp(txt, u + 7, tl) == 0)
        return;
    if (tl == strlen(u) && strncmp(txt, u, tl) == 0)
        return;
    h->st->links++;
    if (tl)
        h->space_pending = true;
    h2t_flush(h);
    h2t_raw(h, "<", 1);
    h2t_raw(h, u, strlen(u));
    h2t_raw(h, ">", 1);
    h->line_start = false;
    h->started = true;
}

static void h2t_start_tag(struct h2t *h, const struct h2t_tag *t)
{
    char val[H2T_URL_MAX];
    const char *n = t->name;

    if (h2t_in(n, h2t_para)) {
        h2t_block(h, 2);
        if (h2t_is(t, "pre"))
            h->pre++;
        if (h2t_is(t, "table"))
            h->cell_first = true;
    } else if (h2t_in(n, h2t_line)) {
        h2t_block(h, 1);
        if (h2t_is(t, "tr"))
            h->cell_first = true;
    } else if (h2t_is(t, "br")) {
        h2t_newline(h);
    } else if (h2t_is(t, "hr")) {
        h2t_block(h, 1);
        h2t_flush(h);
        h2t_raw(h, "----------------------------------------", 40);
        h->line_start = false;
        h->started = true;
        h2t_block(h, 1);
    } else if (h2t_is(t, "ul") || h2t_is(t, "ol")) {
        h2t_block(h, h->list_depth == 0 ? 2 : 1);
        if (h->list_depth < H2T_LIST_MAX) {
            h->list_ordered[h->list_depth] = h2t_is(t, "ol");
            h->list_num[h->list_depth] = 0;
        }
        h->list_depth++;
    } else if (h2t_is(t, "li")) {
        h2t_block(h, 1);
        h2t_flush(h);
        int d = h->list_depth > 0 ? h->list_depth - 1 : 0;
        for (int i = 0; i < d && i < H2T_LIST_MAX; i++)
            h2t_raw(h, "  ", 2);
        if (d < H2T_LIST_MAX && h->list_depth > 0 && h->list_ordered[d]) {
            char num[16];
            snprintf(num, sizeof(num), "%u. ", ++h->list_num[d]);
            h2t_raw(h, num, strlen(num));
        } else {
            h2t_raw(h, "- ", 2);
        }
        h->line_start = false;
        h->started = true;
    } else if (h2t_is(t, "td") || h2t_is(t, "th")) {
        if (!h->cell_first) {
            h2t_flush(h);
            h2t_raw(h, " | ", 3);
            h->line_start = false;
        }
        h->cell_first = false;
    } else if (h2t_is(t, "a")) {
        h2t_link_end(h);
        if (h2t_attr(t, "href", val, sizeof(val))) {
            h2t_trim_url(val);
            snprintf(h->href, sizeof(h->href), "%s", val);
            h->in_link = true;
            h2t_flush(h);
            h->link_start = h->out->len;
        }
    } else if (h2t_is(t, "img")) {
        char w[16] = "", ht[16] = "";
        h2t_attr(t, "width", w, sizeof(w));
        h2t_attr(t, "height", ht, sizeof(ht));
        h->st->images++;
        if ((strcmp(w, "1") == 0 || strcmp(w, "0") == 0) &&
            (strcmp(ht, "1") == 0 || strcmp(ht, "0") == 0))
            return; /* a tracking pixel: nothing to show */
        if (h2t_attr(t, "alt", val, sizeof(val)) && val[0]) {
            h2t_str(h, "[image: ");
            h2t_str(h, val);
            h2t_str(h, "]");
        } else {
            h2t_str(h, "[image]");
        }
    } else if (h2t_is(t, "input") || h2t_is(t, "button") || h2t_is(t, "textarea") ||
               h2t_is(t, "embed")) {
        if (h2t_is(t, "embed"))
            h->st->scripts++;
        else
            h->st->forms++;
        if (h2t_is(t, "input") && h2t_attr(t, "value", val, sizeof(val)) && val[0]) {
            char type[16] = "";
            h2t_attr(t, "type", type, sizeof(type));
            if (strcasecmp(type, "hidden") != 0 && strcasecmp(type, "password") != 0) {
                h2t_str(h, "[");
                h2t_str(h, val);
                h2t_str(h, "]");
            }
        }
    }
}

static void h2t_end_tag(struct h2t *h, const struct h2t_tag *t)
{
    const char *n = t->name;
    if (h2t_in(n, h2t_para)) {
        if (h2t_is(t, "pre") && h->pre > 0)
            h->pre--;
        h2t_block(h, 2);
    } else if (h2t_in(n, h2t_line)) {
        h2t_block(h, 1);
    } else if (h2t_is(t, "ul") || h2t_is(t, "ol")) {
        if (h->list_depth > 0)
            h->list_depth--;
        h2t_block(h, h->list_depth == 0 ? 2 : 1);
    } else if (h2t_is(t, "li")) {
        h2t_block(h, 1);
    } else if (h2t_is(t, "a")) {
        h2t_link_end(h);
    }
}

/* Parse a tag at s[0..n) (s[0] == '<'); returns its length, 0 if it is not a tag. */
static size_t h2t_parse_tag(const char *s, size_t n, struct h2t_tag *t)
{
    size_t i = 1;
    memset(t, 0, sizeof(*t));
    if (i < n && s[i] == '/') {
        t->end = true;
        i++;
    }
    if (i >= n || !isalpha((unsigned char)s[i]))
        return 0;
    size_t k = 0;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == ':')) {
        if (k + 1 < H2T_NAME_MAX)
            t->name[k++] = (char)tolower((unsigned char)s[i]);
        i++;
    }
    t->name[k] = 0;
    t->attrs = s + i;
    /* Quoted attribute values may hold '>'. */
    char q = 0;
    while (i < n) {
        if (q) {
            if (s[i] == q)
                q = 0;
        } else if (s[i] == '"' || s[i] == '\'') {
            if (i > 0 && (s[i - 1] == '=' || isspace((unsigned char)s[i - 1])))
                q = s[i];
        } else if (s[i] == '>') {
            break;
        }
        i++;
    }
    t->attrs_len = (size_t)(s + i - t->attrs);
    if (t->attrs_len && t->attrs[t->attrs_len - 1] == '/')
        t->self_closing = true;
    return i < n ? i + 1 : n;
}

/*
 * Position after the end tag "</name" (case-insensitive) from s[i], or n;
 * *tag_start (may be NULL) gets where the end tag begins (n when none).
 */
static size_t h2t_skip_to_end(const char *s, size_t n, size_t i, const char *name,
                              size_t *tag_start)
{
    size_t nl = strlen(name);
    for (; i + 2 + nl <= n; i++) {
        if (s[i] == '<' && s[i + 1] == '/' && strncasecmp(s + i + 2, name, nl) == 0 &&
            (i + 2 + nl == n || !isalnum((unsigned char)s[i + 2 + nl]))) {
            const char *gt = memchr(s + i, '>', n - i);
            if (tag_start)
                *tag_start = i;
            return gt ? (size_t)(gt - s) + 1 : n;
        }
    }
    if (tag_start)
        *tag_start = n;
    return n;
}

int html2text(const uint8_t *html, size_t len, struct buf *out, struct html2text_stats *st)
{
    struct h2t h;
    const char *s = (const char *)html;
    size_t i = 0;

    memset(&h, 0, sizeof(h));
    memset(st, 0, sizeof(*st));
    h.out = out;
    h.st = st;
    h.line_start = true;
    h.rc = MG_OK;
    size_t base = out->len;
    while (i < len && h.rc == MG_OK) {
        if (s[i] != '<') {
            size_t j = i + 1;
            while (j < len && s[j] != '<')
                j++;
            h2t_text_decoded(&h, s + i, j - i);
            i = j;
            continue;
        }
        if (len - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
            const char *e = NULL;
            for (size_t k = i + 4; k + 3 <= len; k++)
                if (memcmp(s + k, "-->", 3) == 0) {
                    e = s + k;
                    break;
                }
            i = e ? (size_t)(e - s) + 3 : len;
            continue;
        }
        if (len - i >= 2 && (s[i + 1] == '!' || s[i + 1] == '?')) {
            const char *gt = memchr(s + i, '>', len - i);
            i = gt ? (size_t)(gt - s) + 1 : len;
            continue;
        }
        struct h2t_tag t;
        size_t tl = h2t_parse_tag(s + i, len - i, &t);
        if (tl == 0) {
            h2t_text(&h, "<", 1);
            i++;
            continue;
        }
        i += tl;
        if (t.end) {
            h2t_end_tag(&h, &t);
            continue;
        }
        if (h2t_in(t.name, h2t_skip)) {
            if (h2t_in(t.name, h2t_active))
                st->scripts++;
            if (h2t_is(&t, "select"))
                st->forms++;
            if (!t.self_closing)
                i = h2t_skip_to_end(s, len, i, t.name, NULL);
            continue;
        }
        if (h2t_is(&t, "textarea")) {
            /* Shown as text in a box: keep what it says. */
            size_t body_end;
            size_t e = h2t_skip_to_end(s, len, i, "textarea", &body_end);
            st->forms++;
            h2t_block(&h, 1);
            h2t_text_decoded(&h, s + i, body_end - i);
            h2t_block(&h, 1);
            i = e;
            continue;
        }
        h2t_start_tag(&h, &t);
    }
    h2t_link_end(&h);
    if (h.rc == MG_OK && out->len > base && out->data[out->len - 1] != '\n')
        h.rc = buf_putc(out, '\n');
    return h.rc;
}

void html2text_meta_charset(const uint8_t *html, size_t len, char *cs, size_t cap)
{
    const char *s = (const char *)html;
    size_t lim = len < 4096 ? len : 4096;
    cs[0] = 0;
    for (size_t i = 0; i + 5 < lim; i++) {
        if (s[i] != '<' || strncasecmp(s + i + 1, "meta", 4) != 0)
            continue;
        const char *gt = memchr(s + i, '>', lim - i);
        size_t end = gt ? (size_t)(gt - s) : lim;
        for (size_t k = i; k + 8 <= end; k++) {
            if (strncasecmp(s + k, "charset=", 8) != 0)
                continue;
            k += 8;
            while (k < end && (s[k] == '"' || s[k] == '\'' || s[k] == ' '))
                k++;
            size_t o = 0;
            while (k < end && o + 1 < cap &&
                   (isalnum((unsigned char)s[k]) || s[k] == '-' || s[k] == '_' || s[k] == '.' ||
                    s[k] == ':'))
                cs[o++] = s[k++];
            cs[o] = 0;
            return;
        }
    }
}
