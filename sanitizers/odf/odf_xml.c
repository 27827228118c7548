/*
 * odf_xml - safe parse and active-content filter for ODF package XML
 * (see odf_xml.h).
 *
 * Namespaces are compared by URI, never by prefix: a document may bind
 * any prefix to any namespace. An element in a namespace that is not on
 * the list is dropped with its subtree; an attribute in one is dropped.
 */
#include "odf_xml.h"
#include "err.h"
#include "hexval.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* Namespaces */

enum ns_id {
    NS_NONE = 0, /* no namespace */
    NS_OFFICE,
    NS_STYLE,
    NS_TEXT,
    NS_TABLE,
    NS_DRAW,
    NS_FO,
    NS_XLINK,
    NS_DC,
    NS_META,
    NS_NUMBER,
    NS_SVG,
    NS_CHART,
    NS_DR3D,
    NS_FORM,
    NS_CONFIG,
    NS_PRESENTATION,
    NS_SMIL,
    NS_ANIM,
    NS_OF,
    NS_XHTML,
    NS_GRDDL,
    NS_OOO,
    NS_OOOW,
    NS_OOOC,
    NS_OFFICEOOO,
    NS_TABLEOOO,
    NS_DRAWOOO,
    NS_CALCEXT,
    NS_LOEXT,
    NS_FIELD,
    NS_FORMX,
    NS_CSS3T,
    NS_XML,
    NS_SCRIPT,
    NS_MATH,
    NS_XFORMS,
    NS_DOM,
    NS_OTHER, /* a namespace not on the list */
};

/* Where a namespace may appear: as element, as attribute, or not at all. */
#define NS_EL   1u
#define NS_ATTR 2u

struct ns_info {
    enum ns_id id;
    const char *uri;
    const char *label;
    unsigned allow;
};

static const struct ns_info ns_table[] = {
        {NS_OFFICE, "urn:oasis:names:tc:opendocument:xmlns:office:1.0", "office", NS_EL | NS_ATTR},
        {NS_STYLE, "urn:oasis:names:tc:opendocument:xmlns:style:1.0", "style", NS_EL | NS_ATTR},
        {NS_TEXT, "urn:oasis:names:tc:opendocument:xmlns:text:1.0", "text", NS_EL | NS_ATTR},
        {NS_TABLE, "urn:oasis:names:tc:opendocument:xmlns:table:1.0", "table", NS_EL | NS_ATTR},
        {NS_DRAW, "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0", "draw", NS_EL | NS_ATTR},
        {NS_FO, "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0", "fo",
         NS_EL | NS_ATTR},
        {NS_XLINK, "http://www.w3.org/1999/xlink", "xlink", NS_ATTR},
        {NS_DC, "http://purl.org/dc/elements/1.1/", "dc", NS_EL | NS_ATTR},
        {NS_META, "urn:oasis:names:tc:opendocument:xmlns:meta:1.0", "meta", NS_EL | NS_ATTR},
        {NS_NUMBER, "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0", "number",
         NS_EL | NS_ATTR},
        {NS_SVG, "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0", "svg",
         NS_EL | NS_ATTR},
        {NS_CHART, "urn:oasis:names:tc:opendocument:xmlns:chart:1.0", "chart", NS_EL | NS_ATTR},
        {NS_DR3D, "urn:oasis:names:tc:opendocument:xmlns:dr3d:1.0", "dr3d", NS_EL | NS_ATTR},
        {NS_FORM, "urn:oasis:names:tc:opendocument:xmlns:form:1.0", "form", NS_EL | NS_ATTR},
        {NS_CONFIG, "urn:oasis:names:tc:opendocument:xmlns:config:1.0", "config", NS_EL | NS_ATTR},
        {NS_PRESENTATION, "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0", "presentation",
         NS_EL | NS_ATTR},
        {NS_SMIL, "urn:oasis:names:tc:opendocument:xmlns:smil-compatible:1.0", "smil",
         NS_EL | NS_ATTR},
        {NS_ANIM, "urn:oasis:names:tc:opendocument:xmlns:animation:1.0", "anim", NS_EL | NS_ATTR},
        {NS_OF, "urn:oasis:names:tc:opendocument:xmlns:of:1.2", "of", NS_ATTR},
        {NS_XHTML, "http://www.w3.org/1999/xhtml", "xhtml", NS_ATTR},
        {NS_GRDDL, "http://www.w3.org/2003/g/data-view#", "grddl", 0},
        {NS_OOO, "http://openoffice.org/2004/office", "ooo", NS_EL | NS_ATTR},
        {NS_OOOW, "http://openoffice.org/2004/writer", "ooow", NS_EL | NS_ATTR},
        {NS_OOOC, "http://openoffice.org/2004/calc", "oooc", NS_EL | NS_ATTR},
        {NS_OFFICEOOO, "http://openoffice.org/2009/office", "officeooo", NS_EL | NS_ATTR},
        {NS_TABLEOOO, "http://openoffice.org/2009/table", "tableooo", NS_EL | NS_ATTR},
        {NS_DRAWOOO, "http://openoffice.org/2010/draw", "drawooo", NS_EL | NS_ATTR},
        {NS_CALCEXT, "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0",
         "calcext", NS_EL | NS_ATTR},
        {NS_LOEXT, "urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0", "loext",
         NS_EL | NS_ATTR},
        {NS_FIELD, "urn:openoffice:names:experimental:ooo-ms-interop:xmlns:field:1.0", "field",
         NS_EL | NS_ATTR},
        {NS_FORMX, "urn:openoffice:names:experimental:ooxml-odf-interop:xmlns:form:1.0", "formx",
         NS_EL | NS_ATTR},
        {NS_CSS3T, "http://www.w3.org/TR/css3-text/", "css3t", NS_EL | NS_ATTR},
        {NS_XML, "http://www.w3.org/XML/1998/namespace", "xml", NS_ATTR},
        {NS_SCRIPT, "urn:oasis:names:tc:opendocument:xmlns:script:1.0", "script", 0},
        {NS_MATH, "http://www.w3.org/1998/Math/MathML", "math", 0},
        {NS_XFORMS, "http://www.w3.org/2002/xforms", "xforms", 0},
        {NS_DOM, "http://www.w3.org/2001/xml-events", "dom", 0},
};

#define NS_CACHE 64

struct ns_cache {
    const xmlNs *key[NS_CACHE];
    const struct ns_info *val[NS_CACHE];
};

static const struct ns_info ns_none = {NS_NONE, "", "(no namespace)", 0};
static const struct ns_info ns_other = {NS_OTHER, "", "unknown", 0};

static const char *ns_uri(enum ns_id id)
{
    for (size_t i = 0; i < sizeof(ns_table) / sizeof(ns_table[0]); i++)
        if (ns_table[i].id == id)
            return ns_table[i].uri;
    return "";
}

static const struct ns_info *ns_lookup(struct ns_cache *c, const xmlNs *ns)
{
    if (!ns || !ns->href)
        return &ns_none;
    size_t h = ((uintptr_t)ns >> 4) % NS_CACHE;
    if (c->key[h] == ns)
        return c->val[h];
    const struct ns_info *r = &ns_other;
    for (size_t i = 0; i < sizeof(ns_table) / sizeof(ns_table[0]); i++)
        if (strcmp((const char *)ns->href, ns_table[i].uri) == 0) {
            r = &ns_table[i];
            break;
        }
    c->key[h] = ns;
    c->val[h] = r;
    return r;
}

/* ------------------------------------------------------------------ */
/* Parsing */

static char odfxml_errbuf[200];

static void odfxml_structured_error(void *ud, xmlErrorPtr e)
{
    (void)ud;
    if (odfxml_errbuf[0] || !e || !e->message)
        return;
    snprintf(odfxml_errbuf, sizeof(odfxml_errbuf), "line %d: %s", e->line, e->message);
    size_t l = strlen(odfxml_errbuf);
    while (l > 0 && (odfxml_errbuf[l - 1] == '\n' || odfxml_errbuf[l - 1] == ' '))
        odfxml_errbuf[--l] = '\0';
}

static void odfxml_generic_error(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* Nothing is ever loaded from outside the part being parsed. */
static xmlParserInputPtr odfxml_no_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

int odfxml_global_init(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(odfxml_no_loader);
    xmlSetGenericErrorFunc(NULL, odfxml_generic_error);
    xmlSetStructuredErrorFunc(NULL, odfxml_structured_error);
    return MG_OK;
}

static bool ci_find(const uint8_t *d, size_t n, const char *s)
{
    size_t sl = strlen(s);
    if (n < sl)
        return false;
    for (size_t i = 0; i + sl <= n; i++) {
        const uint8_t *p = memchr(d + i, s[0], n - i - sl + 1);
        if (!p)
            return false;
        i = (size_t)(p - d);
        if (strncasecmp((const char *)p, s, sl) == 0)
            return true;
    }
    return false;
}

/* The encoding named in the XML declaration, if any, into enc. */
static bool xml_decl_encoding(const uint8_t *d, size_t n, char *enc, size_t enclen)
{
    if (n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) {
        d += 3;
        n -= 3;
    }
    if (n < 5 || memcmp(d, "<?xml", 5) != 0)
        return false;
    size_t lim = n < 512 ? n : 512, end = 5;
    while (end + 1 < lim && !(d[end] == '?' && d[end + 1] == '>'))
        end++;
    for (size_t i = 5; i + 8 < end; i++) {
        if (memcmp(d + i, "encoding", 8) != 0)
            continue;
        size_t j = i + 8;
        while (j < end && (d[j] == ' ' || d[j] == '\t' || d[j] == '\r' || d[j] == '\n'))
            j++;
        if (j >= end || d[j] != '=')
            return false;
        j++;
        while (j < end && (d[j] == ' ' || d[j] == '\t' || d[j] == '\r' || d[j] == '\n'))
            j++;
        if (j >= end || (d[j] != '"' && d[j] != '\''))
            return false;
        uint8_t q = d[j++];
        size_t k = 0;
        while (j < end && d[j] != q && k + 1 < enclen)
            enc[k++] = (char)d[j++];
        enc[k] = '\0';
        return true;
    }
    return false;
}

int odfxml_parse(const uint8_t *data, size_t len, xmlDocPtr *doc, bool *dtd, char *why,
                 size_t whylen)
{
    *doc = NULL;
    *dtd = false;
    if (len == 0 || len > INT_MAX) {
        snprintf(why, whylen, "%s", len ? "too large to parse" : "empty");
        return MG_ERR_PARSE;
    }
    if (memchr(data, 0, len)) {
        snprintf(why, whylen, "not UTF-8 XML (NUL bytes: UTF-16 or binary)");
        return MG_ERR_UNSUPPORTED;
    }
    if (ci_find(data, len, "<!DOCTYPE") || ci_find(data, len, "<!ENTITY")) {
        *dtd = true;
        snprintf(why, whylen,
                 "DOCTYPE or ENTITY declaration (DTDs and entities are not "
                 "allowed in package XML: XXE, entity expansion)");
        return MG_ERR_PARSE;
    }
    char enc[40];
    if (xml_decl_encoding(data, len, enc, sizeof(enc)) && strcasecmp(enc, "UTF-8") != 0 &&
        strcasecmp(enc, "UTF8") != 0) {
        snprintf(why, whylen, "XML encoding \"%s\" (only UTF-8 is accepted)", enc);
        return MG_ERR_UNSUPPORTED;
    }
    odfxml_errbuf[0] = '\0';
    xmlSetGenericErrorFunc(NULL, odfxml_generic_error);
    xmlSetStructuredErrorFunc(NULL, odfxml_structured_error);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        snprintf(why, whylen, "out of memory");
        return MG_ERR_NOMEM;
    }
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
               XML_PARSE_IGNORE_ENC;
    xmlDocPtr d = xmlCtxtReadMemory(ctxt, (const char *)data, (int)len, "part.xml", "UTF-8", opts);
    int rc = MG_OK;
    if (!d || !ctxt->wellFormed) {
        snprintf(why, whylen, "malformed XML (%s)",
                 odfxml_errbuf[0] ? odfxml_errbuf : "libxml2 gave no reason");
        rc = MG_ERR_PARSE;
    } else if (d->intSubset || d->extSubset) {
        *dtd = true;
        snprintf(why, whylen, "DOCTYPE declaration (not allowed in package XML)");
        rc = MG_ERR_PARSE;
    } else if (!xmlDocGetRootElement(d)) {
        snprintf(why, whylen, "no root element");
        rc = MG_ERR_PARSE;
    }
    xmlFreeParserCtxt(ctxt);
    if (rc != MG_OK) {
        if (d)
            xmlFreeDoc(d);
        return rc;
    }
    *doc = d;
    return MG_OK;
}

int odfxml_serialize(xmlDocPtr doc, struct buf *out)
{
    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    if (!mem || size <= 0) {
        xmlFree(mem);
        return MG_ERR_NOMEM;
    }
    int rc = buf_append(out, mem, (size_t)size);
    xmlFree(mem);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Link classification */

enum href_kind {
    HREF_ANCHOR,   /* "#name": a place in this document */
    HREF_INTERNAL, /* a package member */
    HREF_WEB,      /* http, https, mailto */
    HREF_BAD,      /* another scheme, an absolute or escaping path, or odd bytes */
};

static bool is_xml_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool odfxml_internal_path(const char *href, char *path, size_t pathlen)
{
    const char *s = href;
    while (s[0] == '.' && s[1] == '/')
        s += 2;
    if (*s == '\0' || *s == '/')
        return false;
    size_t o = 0;
    for (; *s; s++) {
        int c = (unsigned char)*s;
        if (c == '%') {
            int h = hexval((unsigned char)s[1]), l = h >= 0 ? hexval((unsigned char)s[2]) : -1;
            if (h < 0 || l < 0)
                return false;
            c = h * 16 + l;
            s += 2;
        }
        if (c < 0x20 || c == 0x7F || c == '\\' || c == ':' || c == '?' || c == '#')
            return false;
        if (o + 1 >= pathlen)
            return false;
        path[o++] = (char)c;
    }
    if (o > 0 && path[o - 1] == '/')
        o--;
    path[o] = '\0';
    if (o == 0)
        return false;
    /* No "." or ".." component, no empty one. */
    const char *p = path;
    for (;;) {
        const char *e = strchr(p, '/');
        size_t cl = e ? (size_t)(e - p) : strlen(p);
        if (cl == 0 || (cl == 1 && p[0] == '.') || (cl == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        if (!e)
            break;
        p = e + 1;
    }
    return true;
}

/*
 * Classify an href. scheme gets the lower-cased scheme for reports
 * ("javascript", "file", ...) or a short description of what is wrong.
 */
static enum href_kind href_classify(const char *v, char *path, size_t pathlen, char *scheme,
                                    size_t slen)
{
    scheme[0] = '\0';
    path[0] = '\0';
    while (is_xml_space((unsigned char)*v))
        v++;
    size_t n = strlen(v);
    while (n > 0 && is_xml_space((unsigned char)v[n - 1]))
        n--;
    if (n == 0) {
        snprintf(scheme, slen, "empty");
        return HREF_BAD;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c == 0x7F || c == '\\') {
            snprintf(scheme, slen, "control character or backslash");
            return HREF_BAD;
        }
    }
    if (v[0] == '#')
        return HREF_ANCHOR;
    size_t i = 0;
    if ((v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z')) {
        while (i < n && ((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
                         (v[i] >= '0' && v[i] <= '9') || v[i] == '+' || v[i] == '-' || v[i] == '.'))
            i++;
        if (i < n && v[i] == ':') {
            size_t k = 0;
            for (size_t j = 0; j < i && k + 1 < slen; j++)
                scheme[k++] = (char)(v[j] >= 'A' && v[j] <= 'Z' ? v[j] + 32 : v[j]);
            scheme[k] = '\0';
            if (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0 ||
                strcmp(scheme, "mailto") == 0)
                return HREF_WEB;
            return HREF_BAD;
        }
    }
    char tmp[1024];
    if (n >= sizeof(tmp)) {
        snprintf(scheme, slen, "overlong relative path");
        return HREF_BAD;
    }
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    if (!odfxml_internal_path(tmp, path, pathlen)) {
        snprintf(scheme, slen, "relative path leaving the package");
        return HREF_BAD;
    }
    return HREF_INTERNAL;
}

/* ------------------------------------------------------------------ */
/* Rules */

enum el_action { EL_KEEP, EL_DROP, EL_UNWRAP };

struct el_rule {
    enum ns_id ns;
    const char *local;
    enum el_action action;
    const char *why;
};

#define WHY_SCRIPT "scripts and event bindings run macros or programs"
#define WHY_OBJECT "embedded objects are not kept (only their preview image)"
#define WHY_DDE    "DDE links make another program run a request"
#define WHY_LINKED "linked content is fetched from outside the document"
#define WHY_DB     "database queries reach outside the document"

static const struct el_rule el_rules[] = {
        {NS_OFFICE, "scripts", EL_DROP, WHY_SCRIPT},
        {NS_OFFICE, "script", EL_DROP, WHY_SCRIPT},
        {NS_OFFICE, "event-listeners", EL_DROP, WHY_SCRIPT},
        {NS_PRESENTATION, "event-listener", EL_DROP, WHY_SCRIPT},
        {NS_TEXT, "script", EL_DROP, WHY_SCRIPT},
        {NS_TEXT, "execute-macro", EL_UNWRAP, "macro fields run macros (text kept)"},
        {NS_DRAW, "object", EL_DROP, WHY_OBJECT},
        {NS_DRAW, "object-ole", EL_DROP, WHY_OBJECT},
        {NS_DRAW, "applet", EL_DROP, "Java applets are programs"},
        {NS_DRAW, "plugin", EL_DROP, "plug-ins run external code"},
        {NS_DRAW, "floating-frame", EL_DROP, "floating frames load other documents"},
        {NS_OFFICE, "dde-source", EL_DROP, WHY_DDE},
        {NS_TEXT, "dde-connection-decls", EL_DROP, WHY_DDE},
        {NS_TEXT, "dde-connection-decl", EL_DROP, WHY_DDE},
        {NS_TEXT, "dde-connection", EL_UNWRAP, WHY_DDE " (field text kept)"},
        {NS_TABLE, "dde-links", EL_DROP, WHY_DDE},
        {NS_TABLE, "dde-link", EL_DROP, WHY_DDE},
        {NS_TEXT, "section-source", EL_DROP, WHY_LINKED " (section text kept)"},
        {NS_TABLE, "table-source", EL_DROP, WHY_LINKED " (cell values kept)"},
        {NS_TABLE, "cell-range-source", EL_DROP, WHY_LINKED " (cell values kept)"},
        {NS_TABLE, "database-source-sql", EL_DROP, WHY_DB},
        {NS_TABLE, "database-source-table", EL_DROP, WHY_DB},
        {NS_TABLE, "database-source-query", EL_DROP, WHY_DB},
        {NS_TABLE, "source-service", EL_DROP, "pivot tables backed by a named service"},
        {NS_FORM, "connection-resource", EL_DROP, WHY_DB},
        {NS_ANIM, "command", EL_DROP, "animation commands run object verbs"},
        {NS_OFFICE, "binary-data", EL_DROP, "inline binary data would bypass the image sanitizers"},
        {NS_META, "template", EL_DROP, "reference to a template file outside the document"},
        {NS_META, "auto-reload", EL_DROP, "automatic reload from another location"},
};

/* settings.xml items that reach outside the document or carry binary blobs. */
static const char *const config_drop[] = {
        "LinkUpdateMode",         "PrinterSetup",         "CurrentDatabaseDataSource",
        "CurrentDatabaseCommand", "EmbeddedDatabaseName",
};

/* Spreadsheet functions that reach outside the document. */
static const char *const formula_bad_fn[] = {"DDE", "WEBSERVICE", "HYPERLINK", "FILTERXML"};

static bool formula_is_risky(const char *v)
{
    if (strstr(v, "://") || strcasestr(v, "file:"))
        return true;
    const char *p = v;
    while (*p) {
        if (*p == '"') { /* string literal: skip, "" is an escaped quote */
            p++;
            while (*p && !(*p == '"' && p[1] != '"'))
                p += (*p == '"' && p[1] == '"') ? 2 : 1;
            if (*p)
                p++;
            continue;
        }
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_') {
            const char *s = p;
            while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                   (*p >= '0' && *p <= '9') || *p == '_' || *p == '.')
                p++;
            const char *e = p;
            while (*p == ' ')
                p++;
            if (*p != '(')
                continue;
            const char *last = s;
            for (const char *q = s; q < e; q++)
                if (*q == '.')
                    last = q + 1;
            size_t l = (size_t)(e - last);
            for (size_t k = 0; k < sizeof(formula_bad_fn) / sizeof(formula_bad_fn[0]); k++)
                if (strlen(formula_bad_fn[k]) == l && strncasecmp(last, formula_bad_fn[k], l) == 0)
                    return true;
            continue;
        }
        p++;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* The walk */

struct walk {
    struct odfxml_filter *f;
    struct ns_cache nsc;
    xmlDocPtr doc;
    xmlNodePtr root;
    bool root_refused; /* the root itself would have been removed */
};

static void tally(struct odfxml_filter *f, const char *why, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void tally(struct odfxml_filter *f, const char *why, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    f->removals++;
    if (f->check_only) {
        if (f->violations++ == 0)
            snprintf(f->first_violation, sizeof(f->first_violation), "%s: %s", what, why);
        return;
    }
    for (size_t i = 0; i < f->n_tally; i++)
        if (f->tally[i].why == why && strcmp(f->tally[i].what, what) == 0) {
            f->tally[i].n++;
            return;
        }
    if (f->n_tally >= ODFXML_TALLY_MAX) {
        f->tally_overflow++;
        return;
    }
    struct odfxml_tally *t = &f->tally[f->n_tally++];
    snprintf(t->what, sizeof(t->what), "%s", what);
    t->why = why;
    t->n = 1;
}

static void el_name(struct walk *w, xmlNodePtr el, char *dst, size_t cap)
{
    const struct ns_info *ni = ns_lookup(&w->nsc, el->ns);
    if (ni->id == NS_OTHER)
        snprintf(dst, cap, "{%.80s}%.60s", el->ns->href, (const char *)el->name);
    else if (ni->id == NS_NONE)
        snprintf(dst, cap, "%.60s", (const char *)el->name);
    else
        snprintf(dst, cap, "%s:%.60s", ni->label, (const char *)el->name);
}

static bool el_is(struct walk *w, xmlNodePtr el, enum ns_id ns, const char *local)
{
    return el && el->type == XML_ELEMENT_NODE && ns_lookup(&w->nsc, el->ns)->id == ns &&
           strcmp((const char *)el->name, local) == 0;
}

static void remove_node(struct walk *w, xmlNodePtr n)
{
    if (n == w->root) {
        w->root_refused = true;
        return;
    }
    if (w->f->check_only)
        return;
    xmlUnlinkNode(n);
    xmlFreeNode(n);
}

static void remove_attr(struct walk *w, xmlAttrPtr a)
{
    if (!w->f->check_only)
        xmlRemoveProp(a);
}

/* Replace el by its children (already filtered). */
static void unwrap(struct walk *w, xmlNodePtr el)
{
    if (el == w->root) {
        w->root_refused = true;
        return;
    }
    if (w->f->check_only)
        return;
    for (xmlNodePtr c = el->children, next; c; c = next) {
        next = c->next;
        xmlUnlinkNode(c);
        xmlAddPrevSibling(el, c);
    }
    xmlUnlinkNode(el);
    xmlFreeNode(el);
}

static char *attr_value(struct walk *w, xmlAttrPtr a)
{
    return (char *)xmlNodeListGetString(w->doc, a->children, 1);
}

static bool has_child(struct walk *w, xmlNodePtr el, enum ns_id ns, const char *const *locals,
                      size_t n)
{
    for (xmlNodePtr c = el->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && ns_lookup(&w->nsc, c->ns)->id == ns)
            for (size_t i = 0; i < n; i++)
                if (strcmp((const char *)c->name, locals[i]) == 0)
                    return true;
    return false;
}

enum link_class {
    LINK_TEXT, /* text:a, draw:a: a hyperlink; unwrap when refused */
    LINK_AREA, /* image map areas: a hyperlink; drop when refused */
    LINK_FORM, /* form elements, bibliography URLs: drop the attribute when refused */
    LINK_PART, /* anything else: must name a kept part; drop the element */
};

static enum link_class link_class_of(struct walk *w, xmlNodePtr el)
{
    enum ns_id ns = ns_lookup(&w->nsc, el->ns)->id;
    const char *l = (const char *)el->name;
    if ((ns == NS_TEXT || ns == NS_DRAW) && strcmp(l, "a") == 0)
        return LINK_TEXT;
    if (ns == NS_DRAW && strncmp(l, "area-", 5) == 0)
        return LINK_AREA;
    if (ns == NS_FORM)
        return LINK_FORM;
    return LINK_PART;
}

#define WHY_LINK  "links are kept only to http, https and mailto"
#define WHY_NOLNK "the policy keeps no hyperlinks (keep_hyperlinks = no)"
#define WHY_PART  "only references to parts kept in the package are allowed"

/* The xlink:href (or form:image-data) of el; returns what to do with el. */
static enum el_action check_href(struct walk *w, xmlNodePtr el, xmlAttrPtr a, const char *ename,
                                 bool *drop_attr)
{
    struct odfxml_filter *f = w->f;
    char *v = attr_value(w, a);
    char path[1024], scheme[64];
    enum href_kind k = href_classify(v ? v : "", path, sizeof(path), scheme, sizeof(scheme));
    xmlFree(v);
    enum link_class lc = a->name && strcmp((const char *)a->name, "href") == 0
                                 ? link_class_of(w, el)
                                 : LINK_FORM;
    bool internal_ok = k == HREF_INTERNAL && f->part_kept && f->part_kept(f->cd, path);
    char desc[96];
    if (k == HREF_ANCHOR)
        snprintf(desc, sizeof(desc), "an anchor in the document");
    else if (k == HREF_INTERNAL)
        snprintf(desc, sizeof(desc), "a missing or removed part");
    else if (strchr(scheme, ' '))
        snprintf(desc, sizeof(desc), "a %s", scheme);
    else
        snprintf(desc, sizeof(desc), "a %s: URL", scheme);
    *drop_attr = false;
    switch (lc) {
    case LINK_TEXT:
    case LINK_AREA:
        if (k == HREF_ANCHOR || k == HREF_WEB) {
            if (f->pol->keep_hyperlinks)
                return EL_KEEP;
            tally(f, WHY_NOLNK, "%s hyperlink to %s%s", ename, desc,
                  lc == LINK_TEXT ? " (text kept)" : "");
        } else {
            tally(f, WHY_LINK, "%s hyperlink to %s%s", ename, desc,
                  lc == LINK_TEXT ? " (text kept)" : "");
        }
        return lc == LINK_TEXT ? EL_UNWRAP : EL_DROP;
    case LINK_FORM:
        if (internal_ok || (k == HREF_WEB && f->pol->keep_hyperlinks &&
                            strcmp((const char *)el->name, "form") != 0))
            return EL_KEEP;
        tally(f,
              strcmp((const char *)el->name, "form") == 0 ? "form submission targets are removed"
                                                          : WHY_LINK,
              "%s %s to %s", ename, (const char *)a->name, desc);
        *drop_attr = true;
        return EL_KEEP;
    case LINK_PART:
    default:
        if (internal_ok)
            return EL_KEEP;
        tally(f, WHY_PART, "%s referring to %s", ename, desc);
        return EL_DROP;
    }
}

static const char *const frame_content[] = {"text-box", "image",  "object",        "object-ole",
                                            "applet",   "plugin", "floating-frame"};
static const char *const pilot_sources[] = {"source-cell-range", "database-source-sql",
                                            "database-source-table", "database-source-query",
                                            "source-service"};

static void filter_children(struct walk *w, xmlNodePtr parent, int depth);

static void filter_element(struct walk *w, xmlNodePtr el, int depth)
{
    struct odfxml_filter *f = w->f;
    const struct ns_info *ni = ns_lookup(&w->nsc, el->ns);
    const char *local = (const char *)el->name;
    char ename[160];
    el_name(w, el, ename, sizeof(ename));

    if (!(ni->allow & NS_EL)) {
        tally(f,
              ni->id == NS_SCRIPT   ? WHY_SCRIPT
              : ni->id == NS_XFORMS ? "XForms models submit data to other locations"
                                    : "elements outside the OpenDocument namespaces are not kept",
              "%s element", ename);
        remove_node(w, el);
        return;
    }
    enum el_action act = EL_KEEP;
    const char *why = NULL;
    for (size_t i = 0; i < sizeof(el_rules) / sizeof(el_rules[0]); i++)
        if (el_rules[i].ns == ni->id && strcmp(el_rules[i].local, local) == 0) {
            act = el_rules[i].action;
            why = el_rules[i].why;
            break;
        }
    if (act == EL_DROP) {
        /* LibreOffice writes an empty <office:scripts/> into every document:
         * removing it is not worth a line on the report. */
        if (!f->check_only && !xmlFirstElementChild(el) &&
            (strcmp(local, "scripts") == 0 || strcmp(local, "event-listeners") == 0) &&
            ni->id == NS_OFFICE) {
            remove_node(w, el);
            return;
        }
        tally(f, why, "%s element", ename);
        remove_node(w, el);
        return;
    }
    if (act == EL_UNWRAP)
        tally(f, why, "%s element", ename);

    if (ni->id == NS_CONFIG && strcmp(local, "config-item") == 0) {
        xmlChar *name = xmlGetNsProp(el, BAD_CAST "name", BAD_CAST ns_uri(NS_CONFIG));
        xmlChar *type = xmlGetNsProp(el, BAD_CAST "type", BAD_CAST ns_uri(NS_CONFIG));
        xmlChar *val = xmlNodeGetContent(el);
        const char *nm = name ? (const char *)name : "";
        bool listed = type && strcmp((const char *)type, "base64Binary") == 0;
        for (size_t i = 0; !listed && i < sizeof(config_drop) / sizeof(config_drop[0]); i++)
            listed = strcmp(nm, config_drop[i]) == 0;
        /* Empty values (what LibreOffice writes by default) do nothing. */
        bool drop = listed && val && val[strspn((const char *)val, " \t\r\n")] != '\0';
        /* Link updates: only "always update" (2) is refused; never/ask stay. */
        if (drop && strcmp(nm, "LinkUpdateMode") == 0)
            drop = strcmp((const char *)val, "2") == 0;
        if (drop)
            tally(f, "settings that reach outside the document or carry binary data",
                  "setting %.60s", nm);
        xmlFree(name);
        xmlFree(type);
        xmlFree(val);
        if (drop) {
            remove_node(w, el);
            return;
        }
    }
    if (ni->id == NS_FORM &&
        (strcmp(local, "property") == 0 || strcmp(local, "list-property") == 0)) {
        xmlChar *name = xmlGetNsProp(el, BAD_CAST "property-name", BAD_CAST ns_uri(NS_FORM));
        const char *nm = name ? (const char *)name : "";
        bool drop = strcasestr(nm, "url") || strcasestr(nm, "script") || strcasestr(nm, "macro") ||
                    strcasestr(nm, "datasource") || strcasestr(nm, "command");
        if (drop)
            tally(f, "form control properties that name scripts, URLs or data sources",
                  "form property %.60s", nm);
        xmlFree(name);
        if (drop) {
            remove_node(w, el);
            return;
        }
    }

    for (xmlAttrPtr a = el->properties, an; a; a = an) {
        an = a->next;
        const struct ns_info *ai = ns_lookup(&w->nsc, a->ns);
        const char *an_local = (const char *)a->name;
        if (!(ai->allow & NS_ATTR)) {
            const char *awhy =
                    ai->id == NS_GRDDL
                            ? "GRDDL transformations name documents to fetch"
                            : "attributes outside the OpenDocument namespaces are not kept";
            if (ai->id == NS_OTHER)
                tally(f, awhy, "attribute %.60s in namespace %.80s", an_local,
                      (const char *)a->ns->href);
            else if (ai->id == NS_NONE)
                tally(f, awhy, "attribute %.60s without a namespace", an_local);
            else
                tally(f, awhy, "%s:%.60s attribute", ai->label, an_local);
            remove_attr(w, a);
            continue;
        }
        if (ai->id == NS_XML && strcmp(an_local, "base") == 0) {
            tally(f, "xml:base changes where relative links point", "xml:base attribute");
            remove_attr(w, a);
            continue;
        }
        if ((ai->id == NS_XLINK && strcmp(an_local, "href") == 0) ||
            (ai->id == NS_FORM && strcmp(an_local, "image-data") == 0) ||
            (ai->id == NS_TEXT && strcmp(an_local, "url") == 0)) {
            bool drop_attr;
            enum el_action ha = check_href(w, el, a, ename, &drop_attr);
            if (drop_attr)
                remove_attr(w, a);
            if (ha == EL_DROP) {
                remove_node(w, el);
                return;
            }
            if (ha == EL_UNWRAP)
                act = EL_UNWRAP;
            continue;
        }
        if (ai->id == NS_FORM &&
            (strcmp(an_local, "action") == 0 || strcmp(an_local, "datasource") == 0 ||
             strcmp(an_local, "command") == 0)) {
            tally(f, "forms must not submit data or query data sources", "form:%s attribute",
                  an_local);
            remove_attr(w, a);
            continue;
        }
        if (ai->id == NS_FORM && strcmp(an_local, "control-implementation") == 0) {
            char *v = attr_value(w, a);
            bool ok = v && (strncmp(v, "ooo:com.sun.star.form.component.", 32) == 0 ||
                            strncmp(v, "com.sun.star.form.component.", 28) == 0);
            xmlFree(v);
            if (!ok) {
                tally(f, "form controls are kept only as standard components",
                      "form:control-implementation attribute");
                remove_attr(w, a);
            }
            continue;
        }
        if (ai->id == NS_DRAW && strcmp(an_local, "engine") == 0) {
            tally(f, "a shape engine names a service to run (the default engine is used)",
                  "draw:engine attribute");
            remove_attr(w, a);
            continue;
        }
        bool formula = strcmp(an_local, "formula") == 0;
        bool cond = (ai->id == NS_TABLE || ai->id == NS_STYLE || ai->id == NS_CALCEXT ||
                     ai->id == NS_TEXT) &&
                    (strcmp(an_local, "condition") == 0 || strcmp(an_local, "expression") == 0 ||
                     (ai->id == NS_CALCEXT && strcmp(an_local, "value") == 0));
        if (formula || cond) {
            char *v = attr_value(w, a);
            bool risky = v && formula_is_risky(v);
            xmlFree(v);
            if (!risky)
                continue;
            if (formula) {
                tally(f, "formulas calling DDE, web services or other files (cached value kept)",
                      "%s:%s", ai->label, an_local);
                remove_attr(w, a);
                continue;
            }
            tally(f, "conditions calling DDE, web services or other files",
                  "%s element with such a %s:%s", ename, ai->label, an_local);
            remove_node(w, el);
            return;
        }
    }

    if (depth > 2000) { /* libxml2 stops at 256 levels; never keep an unfiltered subtree */
        tally(f, "nesting too deep to inspect", "%s element", ename);
        remove_node(w, el);
        return;
    }
    unsigned before = f->removals;
    filter_children(w, el, depth);
    bool changed = f->removals != before;

    if (!f->check_only && changed) {
        /* Containers that lost what made them useful. */
        bool empty = false;
        if (ni->id == NS_DRAW && strcmp(local, "frame") == 0)
            empty = !has_child(w, el, NS_DRAW, frame_content,
                               sizeof(frame_content) / sizeof(frame_content[0])) &&
                    !has_child(w, el, NS_TABLE, (const char *const[]){"table"}, 1);
        else if (ni->id == NS_TABLE && strcmp(local, "data-pilot-table") == 0)
            empty = !has_child(w, el, NS_TABLE, pilot_sources,
                               sizeof(pilot_sources) / sizeof(pilot_sources[0]));
        if (empty) {
            tally(f, "nothing displayable was left in it", "%s element left empty", ename);
            remove_node(w, el);
            return;
        }
    }
    if (ni->id == NS_DRAW && strcmp(local, "image") == 0 && !f->check_only &&
        !xmlHasNsProp(el, BAD_CAST "href", BAD_CAST ns_uri(NS_XLINK))) {
        tally(f, WHY_PART, "%s element without a kept image", ename);
        remove_node(w, el);
        return;
    }
    if (act == EL_UNWRAP)
        unwrap(w, el);
}

static void filter_children(struct walk *w, xmlNodePtr parent, int depth)
{
    for (xmlNodePtr c = parent->children, next; c; c = next) {
        next = c->next;
        switch (c->type) {
        case XML_ELEMENT_NODE:
            filter_element(w, c, depth + 1);
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            break;
        default:
            tally(w->f, "comments and processing instructions are not kept",
                  c->type == XML_COMMENT_NODE ? "comment" : "processing instruction or other node");
            remove_node(w, c);
            break;
        }
    }
}

int odfxml_filter(xmlDocPtr doc, struct odfxml_filter *f)
{
    struct walk *w = calloc(1, sizeof(*w));
    if (!w)
        return MG_ERR_NOMEM;
    w->f = f;
    w->doc = doc;
    w->root = xmlDocGetRootElement(doc);
    f->violations = 0;
    f->first_violation[0] = '\0';
    f->removals = 0;
    f->n_tally = 0;
    f->tally_overflow = 0;
    int rc = MG_OK;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root || !el_is(w, root, NS_OFFICE, f->expect_root)) {
        rc = MG_ERR_PARSE;
        goto out;
    }
    /* Nodes beside the root (comments, processing instructions). */
    for (xmlNodePtr c = doc->children, next; c; c = next) {
        next = c->next;
        if (c != root && c->type != XML_DTD_NODE) {
            tally(f, "comments and processing instructions are not kept",
                  "node outside the root element");
            remove_node(w, c);
        }
    }
    filter_element(w, root, 0);
    if (w->root_refused) {
        rc = MG_ERR_PARSE;
        goto out;
    }
    if (!f->check_only && f->node) {
        for (size_t i = 0; i < f->n_tally; i++) {
            struct odfxml_tally *t = &f->tally[i];
            if (t->n > 1)
                report_actionf(f->node, ACTION_REMOVED, t->why, "%s in %s (%u times)", t->what,
                               f->part, t->n);
            else
                report_actionf(f->node, ACTION_REMOVED, t->why, "%s in %s", t->what, f->part);
        }
        if (f->tally_overflow)
            report_actionf(f->node, ACTION_REMOVED, "other active or unknown content",
                           "%u more items of other kinds in %s", f->tally_overflow, f->part);
    }
out:
    free(w);
    return rc;
}
