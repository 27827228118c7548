/*
 * ooxml_xml - libxml2 parsing and writing for package parts (see ooxml_xml.h).
 *
 * libxml2 2.9 has no per-context error handler for everything it reports,
 * so the global structured and generic handlers are pointed at a recorder
 * for the duration of each call and put back afterwards: another module in
 * the same process may have its own.
 */
#include "ooxml_xml.h"
#include "err.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* libxml2 options: never the network, never a DTD, never entity substitution. */
#define OOXML_XML_OPTIONS                                                                          \
    (XML_PARSE_NONET | XML_PARSE_IGNORE_ENC | XML_PARSE_NOCDATA | XML_PARSE_NOERROR |              \
     XML_PARSE_NOWARNING | XML_PARSE_COMPACT)

struct xml_errs {
    char first[160];
    unsigned n;
};

struct xml_handlers {
    xmlStructuredErrorFunc s;
    void *sctx;
    xmlGenericErrorFunc g;
    void *gctx;
};

static void xml_record(void *ctx, xmlErrorPtr e)
{
    struct xml_errs *errs = ctx;
    if (errs == NULL || e == NULL)
        return;
    if (errs->n++ == 0 && e->message != NULL) {
        snprintf(errs->first, sizeof(errs->first), "line %d: %s", e->line, e->message);
        size_t l = strlen(errs->first);
        while (l > 0 && (errs->first[l - 1] == '\n' || errs->first[l - 1] == ' '))
            errs->first[--l] = '\0';
    }
}

static void xml_silent(void *ctx, const char *msg, ...)
{
    (void)ctx, (void)msg;
}

static void xml_handlers_on(struct xml_handlers *saved, struct xml_errs *errs)
{
    saved->s = xmlStructuredError;
    saved->sctx = xmlStructuredErrorContext;
    saved->g = xmlGenericError;
    saved->gctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(errs, xml_record);
    xmlSetGenericErrorFunc(NULL, xml_silent);
}

static void xml_handlers_off(const struct xml_handlers *saved)
{
    xmlSetStructuredErrorFunc(saved->sctx, saved->s);
    xmlSetGenericErrorFunc(saved->gctx, saved->g);
}

bool ooxml_xml_has_doctype(const uint8_t *d, size_t n)
{
    static const char a[] = "<!DOCTYPE";
    if (memmem(d, n, a, 9) != NULL)
        return true;
    uint8_t le[18], be[18];
    for (int i = 0; i < 9; i++) {
        le[2 * i] = (uint8_t)a[i];
        le[2 * i + 1] = 0;
        be[2 * i] = 0;
        be[2 * i + 1] = (uint8_t)a[i];
    }
    return memmem(d, n, le, 18) != NULL || memmem(d, n, be, 18) != NULL;
}

bool ooxml_xml_name_looks_xml(const char *key)
{
    const char *dot = strrchr(key, '.'), *slash = strrchr(key, '/');
    if (dot == NULL || (slash != NULL && dot < slash))
        return false;
    return strcasecmp(dot, ".xml") == 0 || strcasecmp(dot, ".rels") == 0 ||
           strcasecmp(dot, ".vml") == 0;
}

void ooxml_xml_global_init(void)
{
    xmlInitParser();
}

/* UTF-16 (be or le) to UTF-8; false on an unpaired surrogate or an odd length. */
static bool xml_utf16_to_utf8(const uint8_t *p, size_t n, bool be, struct buf *out)
{
    if (n % 2 != 0)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        uint32_t c = be ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i + 1] << 8 | p[i]);
        if (c >= 0xD800 && c <= 0xDBFF) {
            if (i + 3 >= n)
                return false;
            uint32_t d = be ? (uint32_t)(p[i + 2] << 8 | p[i + 3])
                            : (uint32_t)(p[i + 3] << 8 | p[i + 2]);
            if (d < 0xDC00 || d > 0xDFFF)
                return false;
            c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
            i += 2;
        } else if (c >= 0xDC00 && c <= 0xDFFF) {
            return false;
        }
        uint8_t u[4];
        size_t k;
        if (c < 0x80) {
            u[0] = (uint8_t)c;
            k = 1;
        } else if (c < 0x800) {
            u[0] = (uint8_t)(0xC0 | c >> 6);
            u[1] = (uint8_t)(0x80 | (c & 0x3F));
            k = 2;
        } else if (c < 0x10000) {
            u[0] = (uint8_t)(0xE0 | c >> 12);
            u[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            u[2] = (uint8_t)(0x80 | (c & 0x3F));
            k = 3;
        } else {
            u[0] = (uint8_t)(0xF0 | c >> 18);
            u[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
            u[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            u[3] = (uint8_t)(0x80 | (c & 0x3F));
            k = 4;
        }
        if (buf_append(out, u, k) != MG_OK)
            return false;
    }
    return true;
}

/*
 * The encoding named in the XML declaration at p (UTF-8 text), into enc;
 * "" when there is no declaration or no encoding in it.
 */
static void xml_declared_encoding(const uint8_t *p, size_t n, char *enc, size_t enclen)
{
    enc[0] = '\0';
    if (n < 5 || memcmp(p, "<?xml", 5) != 0)
        return;
    size_t end = n < 512 ? n : 512;
    const uint8_t *q = memmem(p, end, "?>", 2);
    if (q == NULL)
        return;
    size_t dl = (size_t)(q - p);
    const uint8_t *e = memmem(p, dl, "encoding", 8);
    if (e == NULL)
        return;
    const uint8_t *s = e + 8, *lim = p + dl;
    while (s < lim && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++;
    if (s >= lim || *s != '=')
        return;
    s++;
    while (s < lim && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++;
    if (s >= lim || (*s != '"' && *s != '\''))
        return;
    uint8_t quote = *s++;
    size_t i = 0;
    while (s < lim && *s != quote && i + 1 < enclen)
        enc[i++] = (char)*s++;
    enc[i] = '\0';
    if (s >= lim || *s != quote)
        snprintf(enc, enclen, "?"); /* unterminated or too long: refused below */
}

int ooxml_xml_parse(const uint8_t *data, size_t len, xmlDocPtr *doc, char *why, size_t whylen)
{
    struct buf conv;
    struct xml_errs errs;
    struct xml_handlers saved;
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr d = NULL;
    const uint8_t *p = data;
    size_t n = len;
    bool utf16 = false;
    int rc;

    *doc = NULL;
    memset(&errs, 0, sizeof(errs));
    buf_init(&conv, len > SIZE_MAX / 2 ? SIZE_MAX : len * 2 + 16);
    if (len > INT32_MAX) {
        rc = err_fail(why, whylen, MG_ERR_LIMIT, "XML part larger than 2 GiB");
        goto out;
    }
    if (n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))) {
        bool be = p[0] == 0xFE;
        if (!xml_utf16_to_utf8(p + 2, n - 2, be, &conv)) {
            rc = err_fail(why, whylen, MG_ERR_PARSE, "damaged UTF-16 text");
            goto out;
        }
        utf16 = true;
    } else if (n >= 4 && ((p[0] == '<' && p[1] == 0 && p[2] == '?' && p[3] == 0) ||
                          (p[0] == 0 && p[1] == '<' && p[2] == 0 && p[3] == '?'))) {
        if (!xml_utf16_to_utf8(p, n, p[0] == 0, &conv)) {
            rc = err_fail(why, whylen, MG_ERR_PARSE, "damaged UTF-16 text");
            goto out;
        }
        utf16 = true;
    }
    if (utf16) {
        p = conv.data ? conv.data : (const uint8_t *)"";
        n = conv.len;
    } else if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        p += 3;
        n -= 3;
    }
    /* libxml2 sniffs the first four bytes and would switch to UCS-4 or
     * EBCDIC through iconv: only text that starts like UTF-8 XML goes on. */
    size_t ws = 0;
    while (ws < n && (p[ws] == ' ' || p[ws] == '\t' || p[ws] == '\r' || p[ws] == '\n'))
        ws++;
    if (n < 4 || ws >= n || p[ws] != '<' || memchr(p, 0, 4) != NULL) {
        rc = err_fail(why, whylen, MG_ERR_PARSE, "XML part does not start with markup");
        goto out;
    }
    char enc[32];
    xml_declared_encoding(p, n, enc, sizeof(enc));
    bool ok_enc = enc[0] == '\0' ||
                  (utf16 ? strcasecmp(enc, "UTF-16") == 0 || strcasecmp(enc, "UTF-16LE") == 0 ||
                                   strcasecmp(enc, "UTF-16BE") == 0
                         : strcasecmp(enc, "UTF-8") == 0);
    if (!ok_enc) {
        rc = err_fail(why, whylen, MG_ERR_PARSE,
                      "XML encoding \"%s\" is not allowed in a package part (UTF-8 or UTF-16 only)",
                      enc);
        goto out;
    }
    /* ECMA-376 Part 2 forbids DTDs in package parts; a DOCTYPE is how XXE
     * and entity expansion bombs begin. */
    if (memmem(p, n, "<!DOCTYPE", 9) != NULL) {
        rc = err_fail(why, whylen, MG_ERR_BLOCKED,
                      "XML part declares a DOCTYPE (DTDs are forbidden in packages; "
                      "used for external entities and entity expansion bombs)");
        goto out;
    }
    xml_handlers_on(&saved, &errs);
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        xml_handlers_off(&saved);
        rc = err_fail(why, whylen, MG_ERR_NOMEM, "out of memory");
        goto out;
    }
    d = xmlCtxtReadMemory(ctxt, (const char *)p, (int)n, NULL, "UTF-8", OOXML_XML_OPTIONS);
    bool ns_ok = ctxt->nsWellFormed != 0;
    xml_handlers_off(&saved);
    if (d == NULL) {
        rc = err_fail(why, whylen, MG_ERR_PARSE, "not well-formed XML (%s)",
                      errs.first[0] ? errs.first : "parser error");
        goto out;
    }
    if (!ns_ok) {
        rc = err_fail(why, whylen, MG_ERR_PARSE, "XML namespaces are not well-formed (%s)",
                      errs.first[0] ? errs.first : "namespace error");
        goto out;
    }
    if (d->intSubset != NULL || d->extSubset != NULL) {
        rc = err_fail(why, whylen, MG_ERR_BLOCKED, "XML part declares a DTD");
        goto out;
    }
    if (xmlDocGetRootElement(d) == NULL) {
        rc = err_fail(why, whylen, MG_ERR_PARSE, "XML part has no root element");
        goto out;
    }
    *doc = d;
    d = NULL;
    rc = MG_OK;
out:
    if (d != NULL)
        xmlFreeDoc(d);
    if (ctxt != NULL)
        xmlFreeParserCtxt(ctxt);
    buf_free(&conv);
    return rc;
}

struct xml_sink {
    struct buf *out;
    bool overflow;
};

static int xml_sink_write(void *ctx, const char *p, int n)
{
    struct xml_sink *s = ctx;
    if (n < 0 || buf_append(s->out, p, (size_t)n) != MG_OK) {
        s->overflow = true;
        return -1;
    }
    return n;
}

static int xml_sink_close(void *ctx)
{
    (void)ctx;
    return 0;
}

int ooxml_xml_save(xmlDocPtr doc, struct buf *out)
{
    struct xml_errs errs;
    struct xml_handlers saved;
    struct xml_sink sink = {.out = out, .overflow = false};
    memset(&errs, 0, sizeof(errs));
    xml_handlers_on(&saved, &errs);
    xmlSaveCtxtPtr sc = xmlSaveToIO(xml_sink_write, xml_sink_close, &sink, "UTF-8", 0);
    long r = -1;
    if (sc != NULL) {
        r = xmlSaveDoc(sc, doc);
        if (xmlSaveClose(sc) < 0)
            r = -1;
    }
    xml_handlers_off(&saved);
    if (sink.overflow)
        return MG_ERR_LIMIT;
    return r < 0 || errs.n > 0 ? MG_ERR_INTERNAL : MG_OK;
}

int ooxml_xml_escape_attr(struct buf *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int rc;
        switch (c) {
        case '&':
            rc = buf_puts(out, "&amp;");
            break;
        case '<':
            rc = buf_puts(out, "&lt;");
            break;
        case '>':
            rc = buf_puts(out, "&gt;");
            break;
        case '"':
            rc = buf_puts(out, "&quot;");
            break;
        case '\t':
        case '\n':
        case '\r':
            rc = buf_printf(out, "&#%d;", c);
            break;
        default:
            rc = c < 0x20 ? MG_ERR_PARSE : buf_putc(out, c);
        }
        if (rc != MG_OK)
            return rc;
    }
    return MG_OK;
}
