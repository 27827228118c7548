/*
 * web_html - HTML pages rebuilt from libxml2's parse tree through an
 * allowlist (see websan.h).
 *
 * libxml2's HTML parser is lenient the way browsers are (unclosed tags,
 * stray end tags, attributes without quotes), decodes character references
 * in text and attribute values ("jav&#x61;script:" arrives as
 * "javascript:") and lower-cases names. We never serialize its tree: every
 * element and attribute name written is a constant from the tables below,
 * every text and value is escaped, so nothing the input spelled reaches
 * the output as markup. An element not in the tables is unwrapped (its
 * text stays), except those whose content is active or not text, which
 * go with their content. The verifier walks a re-parse of the output with
 * the same tables.
 */
#include "err.h"
#include "html2text.h"
#include "utf8.h"
#include "web_common.h"
#include "websan.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <limits.h>
#include <string.h>
#include <strings.h>

#define HTML_OPTS                                                                                  \
    (HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC |        \
     HTML_PARSE_COMPACT)

/* Written with their content and attributes (as filtered below). */
static const char *const html_keep[] = {
        "a",     "abbr",     "acronym",    "address", "article", "aside",   "b",    "bdi",
        "bdo",   "big",      "blockquote", "br",      "caption", "center",  "cite", "code",
        "col",   "colgroup", "dd",         "del",     "details", "dfn",     "div",  "dl",
        "dt",    "em",       "figcaption", "figure",  "font",    "footer",  "h1",   "h2",
        "h3",    "h4",       "h5",         "h6",      "header",  "hr",      "i",    "img",
        "ins",   "kbd",      "li",         "main",    "mark",    "nav",     "ol",   "p",
        "pre",   "q",        "rp",         "rt",      "ruby",    "s",       "samp", "section",
        "small", "span",     "strike",     "strong",  "sub",     "summary", "sup",  "table",
        "tbody", "td",       "tfoot",      "th",      "thead",   "time",    "tr",   "tt",
        "u",     "ul",       "var",        "wbr",     NULL};
/* Elements with no end tag. */
static const char *const html_void[] = {"br", "col", "hr", "img", "wbr", NULL};
/* Dropped with everything inside: code, frames, plug-ins, navigation. */
static const char *const html_script[] = {"script", "noscript", "template", NULL};
static const char *const html_frame[] = {"iframe", "frame",       "frameset",
                                         "portal", "fencedframe", NULL};
static const char *const html_object[] = {"object", "embed",  "applet", "param", "audio",
                                          "video",  "source", "track",  "svg",   "math",
                                          "canvas", "xml",    "import", NULL};
static const char *const html_head[] = {"meta", "base", "link", NULL};
static const char *const html_form[] = {"form",     "input",    "button",   "select",
                                        "option",   "optgroup", "textarea", "keygen",
                                        "datalist", "output",   "isindex",  NULL};
/* Of those, the ones that have no content in HTML. */
static const char *const html_void_active[] = {"embed", "param",   "source", "track", "meta",
                                               "base",  "link",    "frame",  "input", "keygen",
                                               "area",  "isindex", NULL};
/* Attributes any kept element may have; URLs and style are checked on their own. */
static const char *const html_attrs[] = {
        "title",   "lang",    "dir",      "class",   "id",          "name",        "align",
        "valign",  "width",   "height",   "border",  "cellpadding", "cellspacing", "colspan",
        "rowspan", "bgcolor", "color",    "face",    "size",        "alt",         "summary",
        "headers", "scope",   "abbr",     "nowrap",  "start",       "type",        "reversed",
        "value",   "span",    "datetime", "hspace",  "vspace",      "clear",       "noshade",
        "compact", "open",    "char",     "charoff", "frame",       "rules",       "axis",
        NULL};

struct web_html_stats {
    unsigned scripts, handlers, urls, frames, objects, head, forms, styles, css, comments,
            unwrapped, attrs;
};

struct hw {
    struct web_writer w;
    struct web_html_stats st;
};

/* Which URL rule an attribute of an element follows; -1 when it is not a URL attribute. */
static int hw_url_kind(const char *elem, const char *attr)
{
    if (strcasecmp(attr, "href") == 0 && strcmp(elem, "a") == 0)
        return WEB_URL_LINK;
    if (strcasecmp(attr, "src") == 0 && strcmp(elem, "img") == 0)
        return WEB_URL_IMAGE;
    if (strcasecmp(attr, "cite") == 0 &&
        (strcmp(elem, "q") == 0 || strcmp(elem, "blockquote") == 0 || strcmp(elem, "del") == 0 ||
         strcmp(elem, "ins") == 0))
        return WEB_URL_LINK;
    return -1;
}

static void hw_attr(struct hw *h, const char *elem, xmlAttrPtr a)
{
    static const char *const url_attrs[] = {"href", "src", "cite", NULL};
    const char *an = (const char *)a->name;
    xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
    const char *val = v ? (const char *)v : "";
    const char *name = NULL;
    int kind = hw_url_kind(elem, an);

    if (web_is_handler(an)) {
        h->st.handlers++;
    } else if (strcasecmp(an, "style") == 0) {
        h->st.css += web_put_style_attr(&h->w, val, false);
        xmlFree(v);
        return;
    } else if (kind >= 0) {
        name = web_url_ok(val, (enum web_url_kind)kind) ? web_find(an, url_attrs, true) : NULL;
        h->st.urls += name == NULL;
    } else {
        name = web_find(an, html_attrs, true);
        h->st.attrs += name == NULL;
    }
    if (name)
        web_put_attr(&h->w, name, val);
    else if (h->w.verify)
        h->w.bad = true;
    xmlFree(v);
}

static void hw_nodes(struct hw *h, xmlNodePtr n);

static void hw_style(struct hw *h, xmlNodePtr n)
{
    xmlChar *css = xmlNodeGetContent(n);
    if (!web_put_sheet(&h->w, css ? (const char *)css : "", false, false))
        h->st.styles++;
    xmlFree(css);
}

static void hw_element(struct hw *h, xmlNodePtr n)
{
    const char *nm = (const char *)n->name;
    const char *keep = web_find(nm, html_keep, true);
    unsigned *count = NULL;

    if (strcasecmp(nm, "style") == 0) {
        hw_style(h, n);
        return;
    }
    if (web_find(nm, html_script, true))
        count = &h->st.scripts;
    else if (web_find(nm, html_frame, true))
        count = &h->st.frames;
    else if (web_find(nm, html_object, true))
        count = &h->st.objects;
    else if (web_find(nm, html_head, true))
        count = &h->st.head;
    if (count) {
        (*count)++;
        if (h->w.verify)
            h->w.bad = true;
        /* Void in HTML, but libxml2 2.9 nests what follows some of them
         * (embed, param, source) inside: that content is the page's. */
        if (web_find(nm, html_void_active, true))
            hw_nodes(h, n->children);
        return;
    }
    if (!keep) {
        /* Unwrapped: the tag goes, its text stays. */
        if (web_find(nm, html_form, true))
            h->st.forms++;
        else if (strcasecmp(nm, "html") != 0 && strcasecmp(nm, "body") != 0)
            h->st.unwrapped++;
        if (h->w.verify && strcasecmp(nm, "body") != 0)
            h->w.bad = true;
        hw_nodes(h, n->children);
        return;
    }
    web_put(&h->w, "<");
    web_put(&h->w, keep);
    for (xmlAttrPtr a = n->properties; a && h->w.rc == MG_OK; a = a->next)
        hw_attr(h, keep, a);
    web_put(&h->w, ">");
    if (web_in(keep, html_void))
        return;
    hw_nodes(h, n->children);
    web_put_end(&h->w, keep);
}

static void hw_one(struct hw *h, xmlNodePtr n)
{
    switch (n->type) {
    case XML_ELEMENT_NODE:
        hw_element(h, n);
        break;
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
        if (n->content)
            web_put_escaped(&h->w, (const char *)n->content, false);
        break;
    case XML_COMMENT_NODE:
        h->st.comments++; /* conditional comments are read by old IE */
        if (h->w.verify)
            h->w.bad = true;
        break;
    default:
        break; /* processing instructions, DTD nodes */
    }
}

static void hw_nodes(struct hw *h, xmlNodePtr n)
{
    web_enter(&h->w);
    for (; n && h->w.rc == MG_OK; n = n->next)
        hw_one(h, n);
    web_leave(&h->w);
}

/* What the head may hold: its title and clean sheets. */
static bool hw_head_kept(xmlNodePtr n)
{
    return n->type == XML_ELEMENT_NODE && (strcasecmp((const char *)n->name, "title") == 0 ||
                                           strcasecmp((const char *)n->name, "style") == 0);
}

/* Elements dropped wherever they are (counted when the head is written). */
static bool hw_head_dropped(xmlNodePtr n)
{
    const char *nm = (const char *)n->name;
    return n->type == XML_ELEMENT_NODE &&
           (web_find(nm, html_head, true) || web_find(nm, html_script, true) ||
            web_find(nm, html_frame, true) || web_find(nm, html_object, true));
}

/*
 * The head keeps its title and clean sheets; meta, base, link and scripts
 * are counted and dropped. Anything else libxml2 put there (body content
 * after broken markup) is written at the start of the body (in_body).
 */
static void hw_head(struct hw *h, xmlNodePtr head, bool in_body)
{
    bool meta_seen = false;
    for (xmlNodePtr n = head ? head->children : NULL; n && h->w.rc == MG_OK; n = n->next) {
        if (in_body) {
            if (!hw_head_kept(n) && !hw_head_dropped(n))
                hw_one(h, n);
            continue;
        }
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *nm = (const char *)n->name;
        if (strcasecmp(nm, "title") == 0) {
            xmlChar *t = xmlNodeGetContent(n);
            web_put(&h->w, "<title>");
            web_put_escaped(&h->w, t ? (const char *)t : "", false);
            web_put(&h->w, "</title>");
            xmlFree(t);
        } else if (strcasecmp(nm, "style") == 0) {
            hw_style(h, n);
        } else if (h->w.verify && !meta_seen && strcasecmp(nm, "meta") == 0) {
            /* Ours: exactly one, first, charset utf-8 and nothing else. */
            xmlChar *cs = xmlGetProp(n, (const xmlChar *)"charset");
            if (!cs || strcmp((const char *)cs, "utf-8") != 0 || n->properties->next)
                h->w.bad = true;
            xmlFree(cs);
            meta_seen = true;
        } else if (hw_head_dropped(n)) {
            hw_element(h, n);
        } else if (h->w.verify) {
            h->w.bad = true; /* we write nothing else in the head */
        }
    }
    if (h->w.verify && !in_body && !meta_seen)
        h->w.bad = true;
}

static xmlNodePtr hw_child(xmlNodePtr n, const char *name)
{
    for (n = n ? n->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcasecmp((const char *)n->name, name) == 0)
            return n;
    return NULL;
}

static void hw_document(struct hw *h, xmlDocPtr doc)
{
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    bool is_html = root && strcasecmp((const char *)root->name, "html") == 0;
    xmlNodePtr head = is_html ? hw_child(root, "head") : NULL;

    web_put(&h->w, "<!DOCTYPE html>\n<html><head>");
    if (!h->w.verify)
        web_put(&h->w, "<meta charset=\"utf-8\">");
    hw_head(h, head, false);
    web_put(&h->w, "</head><body>");
    hw_head(h, head, true);
    for (xmlNodePtr n = doc ? doc->children : NULL; n && h->w.rc == MG_OK; n = n->next) {
        if (n != root || !is_html) {
            hw_one(h, n);
            continue;
        }
        for (xmlNodePtr c = root->children; c && h->w.rc == MG_OK; c = c->next)
            if (c != head)
                hw_one(h, c);
    }
    web_put(&h->w, "</body></html>\n");
}

static xmlDocPtr hw_parse(const struct buf *u)
{
    if (u->len >= INT_MAX)
        return NULL;
    return htmlReadMemory(u->len ? (const char *)u->data : "", (int)u->len, NULL, "UTF-8",
                          HTML_OPTS);
}

static int hw_report(struct report_node *node, const struct web_html_stats *st, const char *cs,
                     size_t bad)
{
    const struct web_removed rows[] = {
            {st->scripts, "script or noscript element(s)", "scripts run when the page is opened"},
            {st->handlers, "event handler attribute(s) (on...)", "they run script"},
            {st->urls, "link or image source(s) with a scheme other than http, https, mailto, cid",
             "javascript:, vbscript:, data: and file URLs run code or reach local resources"},
            {st->frames, "frame or iframe element(s)", "frames load other pages"},
            {st->objects, "object, embed, applet, media, svg or math element(s)",
             "plug-ins and embedded content run or fetch code"},
            {st->head, "meta, base or link element(s)",
             "refresh redirects, base URLs and imported resources"},
            {st->forms, "form element(s) and control(s) (text kept)", "forms send data away"},
            {st->styles,
             "style sheet(s) with expression(), behavior, binding, @import or "
             "url() to another scheme",
             "CSS can run script or fetch resources"},
            {st->css, "style declaration(s) with expression(), behavior, binding or url()",
             "CSS can run script or fetch resources"},
            {st->comments, "comment(s)", "conditional comments are markup for old browsers"},
            {st->unwrapped, "element tag(s) not in the allowlist (content kept)",
             "only known presentational elements are written"},
            {st->attrs, "attribute(s) not in the allowlist", "only known attributes are written"},
    };
    return web_report(node, rows, sizeof(rows) / sizeof(rows[0]), "one encoding for every page", cs,
                      bad);
}

int websan_html_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                         struct report_node *node)
{
    struct buf u;
    char cs[WEB_CHARSET_MAX];
    size_t bad = 0;
    struct hw h = {.w = {.out = out, .rc = MG_OK}};
    xmlDocPtr doc = NULL;
    (void)ctx;

    buf_init(&u, out->max);
    int rc = web_decode_report(in, len, false, &u, cs, &bad, node, "HTML");
    if (rc != MG_OK)
        goto out;
    doc = hw_parse(&u);
    /* libxml2 returns no document for an empty page: ours is empty too. */
    if (!doc && u.len != strspn(u.len ? (const char *)u.data : "", " \t\r\n\f")) {
        rc = MG_ERR_PARSE;
        report_block(node, REASON_PARSE_ERROR, "HTML that libxml2 cannot read");
        goto out;
    }
    hw_document(&h, doc);
    rc = h.w.rc;
    if (rc == MG_OK)
        rc = hw_report(node, &h.st, cs, bad);
out:
    xmlFreeDoc(doc);
    buf_free(&u);
    return rc;
}

int websan_html_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    static const char head[] = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">";
    struct buf u, scratch;
    struct hw h = {.w = {.out = &scratch, .rc = MG_OK, .verify = true}};
    (void)ctx;

    if (len < sizeof(head) - 1 || memcmp(in, head, sizeof(head) - 1) != 0 || !utf8_valid(in, len))
        return MG_ERR_VERIFY;
    buf_init(&u, len + 1);
    buf_init(&scratch, 4 * len + 4096);
    int rc = buf_append(&u, in, len);
    xmlDocPtr doc = rc == MG_OK ? hw_parse(&u) : NULL;
    if (doc) {
        hw_document(&h, doc);
        rc = h.w.rc == MG_OK && !h.w.bad ? MG_OK : MG_ERR_VERIFY;
    } else {
        rc = MG_ERR_VERIFY;
    }
    xmlFreeDoc(doc);
    buf_free(&scratch);
    buf_free(&u);
    return rc;
}

int websan_html_flatten(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                        struct report_node *node)
{
    struct buf u;
    char cs[WEB_CHARSET_MAX];
    size_t bad = 0;
    struct html2text_stats st = {0};
    (void)ctx;

    buf_init(&u, out->max);
    int rc = web_decode_report(in, len, false, &u, cs, &bad, node, "HTML");
    if (rc == MG_OK)
        rc = html2text(u.data ? u.data : (const uint8_t *)"", u.len, out, &st);
    if (rc == MG_OK)
        rc = report_actionf(node, ACTION_REWROTE, "policy: flatten HTML to text",
                            "page converted to text (read as %s; %u script or active element(s), "
                            "%u link(s) with other schemes dropped)",
                            cs, st.scripts, st.bad_links);
    buf_free(&u);
    return rc;
}
