/*
 * ooxml_text - policy "flatten" for Office Open XML: the text of a Word
 * document, an Excel workbook or a PowerPoint presentation as UTF-8.
 *
 * Only the parts that hold the text are read, found the way Office finds
 * them: _rels/.rels names the main part (whose root element says Word,
 * Excel or PowerPoint), and the main part's relationships name the rest.
 *   Word: the body of word/document.xml, then its footnotes and endnotes;
 *     paragraphs end a line, w:tab is a TAB, w:br and w:cr end a line; a
 *     table cell's paragraphs are lines of their own (as LibreOffice's text
 *     export writes them); deleted text (w:delText), field instructions
 *     (w:instrText: DDE, INCLUDETEXT ...) and the Fallback of
 *     mc:AlternateContent (a copy of the Choice) are left out; field
 *     results and text boxes are kept.
 *   Excel: each sheet of the workbook in order, under a heading
 *     "--- sheet N: NAME ---", its rows as CSV lines (cells without a
 *     value are empty fields, rows without cells empty lines): shared and
 *     inline strings without their phonetic guide (rPh), a formula's last
 *     result (never the formula), TRUE/FALSE, error codes, numbers as a
 *     General cell shows them and dates and times as YYYY/MM/DD HH:MM:SS
 *     when the cell's number format is a date or time. Macro, chart and
 *     dialog sheets are not worksheets: their names are listed, nothing
 *     else.
 *   PowerPoint: each slide of the slide list in order, from the second on
 *     under "--- slide N ---": its shapes' and tables' paragraphs, one
 *     line each.
 * Nothing else is opened: VBA projects, OLE objects, ActiveX, embedded
 * documents, external links and custom XML never are, so none of them
 * can reach the text. Every XML part is parsed as the sanitizer parses
 * them (no DOCTYPE, no network, namespace-well-formed); members are read
 * under the job's limits; the text is capped by the output buffer.
 */
#include "err.h"
#include "ooxml_rels.h"
#include "ooxml_xml.h"
#include "ooxml_zip.h"
#include "ooxmlsan.h"
#include "textout.h"

#include <libxml/tree.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Shared strings in one workbook (each at least <si/> in the XML). */
#define OT_SST_MAX (16u << 20)
/* Sheets and slides read from one package. */
#define OT_PARTS_MAX 10000u
/* Deepest element nesting walked (libxml2 refuses more than 256 itself). */
#define OT_DEPTH_MAX 256
/* Excel's grid. */
#define OT_COLS_MAX 16384u
#define OT_ROWS_MAX 1048576u

enum ns_kind { NS_W, NS_X, NS_P, NS_A, NS_R, NS_MC, NS_OTHER };

/* Transitional and Strict spellings of the namespaces the walk looks at. */
static const struct {
    const char *uri;
    enum ns_kind kind;
} ns_uris[] = {
        {"http://schemas.openxmlformats.org/wordprocessingml/2006/main", NS_W},
        {"http://purl.oclc.org/ooxml/wordprocessingml/main", NS_W},
        {"http://schemas.openxmlformats.org/spreadsheetml/2006/main", NS_X},
        {"http://purl.oclc.org/ooxml/spreadsheetml/main", NS_X},
        {"http://schemas.openxmlformats.org/presentationml/2006/main", NS_P},
        {"http://purl.oclc.org/ooxml/presentationml/main", NS_P},
        {"http://schemas.openxmlformats.org/drawingml/2006/main", NS_A},
        {"http://purl.oclc.org/ooxml/drawingml/main", NS_A},
        {"http://schemas.openxmlformats.org/officeDocument/2006/relationships", NS_R},
        {"http://purl.oclc.org/ooxml/officeDocument/relationships", NS_R},
        {"http://schemas.openxmlformats.org/markup-compatibility/2006", NS_MC},
};

static enum ns_kind ns_of(const xmlNs *ns)
{
    if (ns == NULL || ns->href == NULL)
        return NS_OTHER;
    for (size_t i = 0; i < sizeof(ns_uris) / sizeof(ns_uris[0]); i++)
        if (strcmp((const char *)ns->href, ns_uris[i].uri) == 0)
            return ns_uris[i].kind;
    return NS_OTHER;
}

static bool is_el(const xmlNode *n, enum ns_kind ns, const char *local)
{
    return n->type == XML_ELEMENT_NODE && ns_of(n->ns) == ns &&
           strcmp((const char *)n->name, local) == 0;
}

/* An attribute by local name in namespace ns (NS_OTHER: no namespace); NULL if absent. */
static const char *attr(const xmlNode *n, enum ns_kind ns, const char *local)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (strcmp((const char *)a->name, local) != 0)
            continue;
        if ((ns == NS_OTHER) != (a->ns == NULL) || (a->ns && ns_of(a->ns) != ns))
            continue;
        /* Attribute values of a parsed document are one text node. */
        if (a->children && a->children->type == XML_TEXT_NODE && !a->children->next)
            return (const char *)a->children->content;
        return "";
    }
    return NULL;
}

struct member_key {
    char *key;
    size_t idx;
};

struct otext {
    struct san_ctx *ctx;
    struct report_node *node;
    struct ooxml_zip zip;
    struct member_key *keys;
    size_t n_keys;
    struct ooxml_ct ct;
    struct textout to;
    bool neutralize; /* CSV cells that look like formulas get a ' */
    char why[REPORT_STR_MAX];
    unsigned depth_hits; /* elements past OT_DEPTH_MAX (not walked) */
    /* Excel */
    struct buf sst;  /* the shared strings, UTF-8, one after another */
    size_t *sst_off; /* n_sst + 1 offsets into sst */
    size_t n_sst, cap_sst;
    uint8_t *xf_kind; /* per cellXfs index: bit 0 date, bit 1 time */
    size_t n_xf;
    bool d1904;
    struct buf cell; /* the cell being read */
};

static int ot_fail(struct otext *o, int rc, enum reason code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int ot_fail(struct otext *o, int rc, enum reason code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rc = report_vfail(o->node, rc, code, o->why, sizeof(o->why), fmt, ap);
    va_end(ap);
    return rc;
}

/* An append to the text failed: the cap, or memory. */
static int ot_out_fail(struct otext *o, int rc)
{
    if (rc == MG_ERR_LIMIT)
        return ot_fail(o, rc, REASON_LIMIT, "extracted text larger than %zu bytes", o->to.out->max);
    return ot_fail(o, rc, REASON_NO_MEMORY, "out of memory");
}

/* ---- the package -------------------------------------------------------- */

static int key_cmp(const void *a, const void *b)
{
    return strcmp(((const struct member_key *)a)->key, ((const struct member_key *)b)->key);
}

static int ot_index(struct otext *o)
{
    o->keys = calloc(o->zip.n ? o->zip.n : 1, sizeof(*o->keys));
    if (o->keys == NULL)
        return ot_fail(o, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < o->zip.n; i++) {
        char key[OOXML_KEY_MAX];
        if (o->zip.m[i].skip != NULL || !ooxml_part_key(o->zip.m[i].name, key, sizeof(key)))
            continue;
        /* As for sanitizing: a DOCTYPE in any XML part refuses the package, read or not. */
        if (ooxml_xml_name_looks_xml(key) &&
            ooxml_xml_has_doctype(o->zip.m[i].data, o->zip.m[i].len))
            return ot_fail(o, MG_ERR_BLOCKED, REASON_ACTIVE_CONTENT,
                           "part %s declares a DOCTYPE (DTDs are forbidden in packages; used "
                           "for external entities and entity expansion bombs)",
                           o->zip.m[i].name);
        o->keys[o->n_keys].key = strdup(key);
        if (o->keys[o->n_keys].key == NULL)
            return ot_fail(o, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
        o->keys[o->n_keys++].idx = i;
    }
    qsort(o->keys, o->n_keys, sizeof(*o->keys), key_cmp);
    for (size_t i = 1; i < o->n_keys; i++)
        if (strcmp(o->keys[i - 1].key, o->keys[i].key) == 0)
            return ot_fail(o, MG_ERR_PARSE, REASON_PARSE_ERROR,
                           "two members are the same part (%s): readers could disagree",
                           o->keys[i].key);
    return MG_OK;
}

static const struct ooxml_member *ot_member(const struct otext *o, const char *key)
{
    struct member_key k = {(char *)key, 0};
    const struct member_key *f = bsearch(&k, o->keys, o->n_keys, sizeof(*o->keys), key_cmp);
    return f ? &o->zip.m[f->idx] : NULL;
}

/* Parse a part by key; *doc NULL (and MG_OK) when the package does not hold it. */
static int ot_parse(struct otext *o, const char *key, xmlDocPtr *doc)
{
    char why[256];
    *doc = NULL;
    const struct ooxml_member *m = ot_member(o, key);
    if (m == NULL)
        return MG_OK;
    int rc = ooxml_xml_parse(m->data, m->len, doc, why, sizeof(why));
    if (rc == MG_OK)
        return MG_OK;
    return ot_fail(o, rc,
                   rc == MG_ERR_BLOCKED ? REASON_ACTIVE_CONTENT
                   : rc == MG_ERR_NOMEM ? REASON_NO_MEMORY
                                        : REASON_PARSE_ERROR,
                   "part %s: %s", m->name, why);
}

/* The relationships of a part ("" for the package); empty when it has none. */
static int ot_rels(struct otext *o, const char *src, struct ooxml_rels *rels)
{
    char rname[OOXML_KEY_MAX + 16], rkey[OOXML_KEY_MAX];
    memset(rels, 0, sizeof(*rels));
    if (!ooxml_rels_name(src, rname, sizeof(rname)) || !ooxml_part_key(rname, rkey, sizeof(rkey)))
        return MG_OK;
    xmlDocPtr doc;
    int rc = ot_parse(o, rkey, &doc);
    if (rc != MG_OK || doc == NULL)
        return rc;
    char why[256];
    rc = ooxml_rels_parse(doc, rels, why, sizeof(why));
    xmlFreeDoc(doc);
    if (rc != MG_OK)
        return ot_fail(o, rc, rc == MG_ERR_NOMEM ? REASON_NO_MEMORY : REASON_PARSE_ERROR,
                       "relationships of %s: %s", src[0] ? src : "the package", why);
    return MG_OK;
}

/*
 * The target key of relationship r of src when it is internal and of the
 * type whose last segment is short_type; false otherwise.
 */
static bool ot_target(const char *src, const struct ooxml_rel *r, const char *short_type, char *key,
                      size_t keylen)
{
    if (r->external || r->type == NULL || r->target == NULL ||
        strcmp(ooxml_reltype_short(r->type), short_type) != 0)
        return false;
    return ooxml_resolve_target(src, r->target, key, keylen);
}

/* The first target of a type among src's relationships. */
static bool ot_first_target(const char *src, const struct ooxml_rels *rels, const char *short_type,
                            char *key, size_t keylen)
{
    for (size_t i = 0; i < rels->n; i++)
        if (ot_target(src, &rels->r[i], short_type, key, keylen))
            return true;
    return false;
}

/* The target of the relationship with this id, when of the type. */
static bool ot_target_by_id(const char *src, const struct ooxml_rels *rels, const char *id,
                            const char *short_type, char *key, size_t keylen)
{
    for (size_t i = 0; id && i < rels->n; i++)
        if (rels->r[i].id && strcmp(rels->r[i].id, id) == 0)
            return ot_target(src, &rels->r[i], short_type, key, keylen);
    return false;
}

/* Text node children of an element, as they are (w:t, a:t, x:t). */
static int ot_text_of(struct otext *o, const xmlNode *el)
{
    for (const xmlNode *c = el->children; c; c = c->next) {
        if (c->type != XML_TEXT_NODE || c->content == NULL)
            continue;
        int rc = textout_utf8(&o->to, c->content, strlen((const char *)c->content));
        if (rc != MG_OK)
            return rc;
    }
    return MG_OK;
}

/* ---- Word ----------------------------------------------------------------- */

/* One reading of mc:AlternateContent: its first Choice (NULL for any other
 * markup-compatibility element, or none). */
static const xmlNode *mc_choice(const xmlNode *n)
{
    if (strcmp((const char *)n->name, "AlternateContent") != 0)
        return NULL;
    for (const xmlNode *c = n->children; c; c = c->next)
        if (is_el(c, NS_MC, "Choice"))
            return c;
    return NULL;
}

/* An element that stands for one character. */
struct ot_char {
    const char *name;
    char c;
};

/* What differs between WordprocessingML and DrawingML (PowerPoint) text:
 * the namespace of the text elements, the ones with no text in them
 * (properties, layout, deleted text, field codes) and the characters. */
struct ot_markup {
    enum ns_kind ns;
    const char *const *skip;     /* NULL-terminated */
    const struct ot_char *chars; /* ends with a NULL name */
};

static const char *const w_skip[] = {"pPr",     "rPr",       "sectPr",    "tblPr",   "trPr",
                                     "tcPr",    "tblGrid",   "instrText", "delText", "delInstrText",
                                     "fldData", "rPrChange", "pPrChange", NULL};
static const struct ot_char w_chars[] = {{"tab", '\t'}, {"ptab", '\t'},         {"br", '\n'},
                                         {"cr", '\n'},  {"noBreakHyphen", '-'}, {NULL, 0}};
static const struct ot_markup w_markup = {NS_W, w_skip, w_chars};

static const char *const a_skip[] = {"pPr", "rPr", "endParaRPr", "lstStyle", NULL};
static const struct ot_char a_chars[] = {{"br", '\n'}, {NULL, 0}};
static const struct ot_markup a_markup = {NS_A, a_skip, a_chars};

static bool ot_listed(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0)
            return true;
    return false;
}

/* The text under parent: t elements' text, a line per paragraph, the
 * markup's characters; other namespaces (drawings and VML around text
 * boxes) are walked through. */
static int ot_walk(struct otext *o, const struct ot_markup *m, const xmlNode *parent, int depth)
{
    int rc = MG_OK;
    if (depth > OT_DEPTH_MAX) {
        o->depth_hits++;
        return MG_OK;
    }
    for (const xmlNode *n = parent->children; n && rc == MG_OK; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        enum ns_kind ns = ns_of(n->ns);
        const char *name = (const char *)n->name;
        if (ns == NS_MC) {
            const xmlNode *c = mc_choice(n);
            if (c)
                rc = ot_walk(o, m, c, depth + 1);
            continue;
        }
        if (ns != m->ns) {
            rc = ot_walk(o, m, n, depth + 1);
            continue;
        }
        if (ot_listed(m->skip, name))
            continue;
        const struct ot_char *ch = m->chars;
        while (ch->name && strcmp(name, ch->name) != 0)
            ch++;
        if (strcmp(name, "t") == 0) {
            rc = ot_text_of(o, n);
        } else if (ch->name) {
            rc = textout_char(&o->to, ch->c);
        } else if (strcmp(name, "p") == 0) {
            rc = ot_walk(o, m, n, depth + 1);
            if (rc == MG_OK)
                rc = textout_char(&o->to, '\n');
        } else {
            rc = ot_walk(o, m, n, depth + 1);
        }
    }
    return rc;
}

/* Footnotes or endnotes: each note's text after the body, skipping the separators. */
static int w_notes(struct otext *o, const char *main, const struct ooxml_rels *rels,
                   const char *type, const char *el, unsigned *count)
{
    char key[OOXML_KEY_MAX];
    if (!ot_first_target(main, rels, type, key, sizeof(key)))
        return MG_OK;
    xmlDocPtr doc;
    int rc = ot_parse(o, key, &doc);
    if (rc != MG_OK || doc == NULL)
        return rc;
    const xmlNode *root = xmlDocGetRootElement(doc);
    for (const xmlNode *n = root ? root->children : NULL; n && rc == MG_OK; n = n->next) {
        if (!is_el(n, NS_W, el))
            continue;
        const char *t = attr(n, NS_W, "type");
        if (t && strcmp(t, "normal") != 0)
            continue; /* separator, continuationSeparator */
        if ((rc = textout_end_line(&o->to)) == MG_OK)
            rc = ot_walk(o, &w_markup, n, 1);
        (*count)++;
    }
    xmlFreeDoc(doc);
    return rc;
}

static int ot_word(struct otext *o, const char *main, xmlDocPtr doc, unsigned *notes)
{
    const xmlNode *root = xmlDocGetRootElement(doc);
    int rc = MG_OK;
    for (const xmlNode *n = root->children; n && rc == MG_OK; n = n->next)
        if (is_el(n, NS_W, "body"))
            rc = ot_walk(o, &w_markup, n, 1);
    if (rc != MG_OK)
        return ot_out_fail(o, rc);
    struct ooxml_rels rels;
    if ((rc = ot_rels(o, main, &rels)) != MG_OK)
        return rc;
    rc = w_notes(o, main, &rels, "footnotes", "footnote", notes);
    if (rc == MG_OK)
        rc = w_notes(o, main, &rels, "endnotes", "endnote", notes);
    ooxml_rels_free(&rels);
    if (rc == MG_ERR_LIMIT || rc == MG_ERR_NOMEM)
        return ot_out_fail(o, rc);
    return rc;
}

/* ---- Excel ---------------------------------------------------------------- */

/* The text of a string item (si, is): its t elements, runs' t elements, no rPh. */
static int x_string(struct otext *o, const xmlNode *si)
{
    int rc = MG_OK;
    for (const xmlNode *n = si->children; n && rc == MG_OK; n = n->next) {
        if (is_el(n, NS_X, "t"))
            rc = ot_text_of(o, n);
        else if (is_el(n, NS_X, "r"))
            for (const xmlNode *t = n->children; t && rc == MG_OK; t = t->next)
                if (is_el(t, NS_X, "t"))
                    rc = ot_text_of(o, t);
    }
    return rc;
}

static int x_shared_strings(struct otext *o, const char *key)
{
    xmlDocPtr doc;
    int rc = ot_parse(o, key, &doc);
    if (rc != MG_OK || doc == NULL)
        return rc;
    const xmlNode *root = xmlDocGetRootElement(doc);
    struct textout keep = o->to;
    textout_init(&o->to, &o->sst);
    for (const xmlNode *n = root ? root->children : NULL; n && rc == MG_OK; n = n->next) {
        if (!is_el(n, NS_X, "si"))
            continue;
        if (o->n_sst + 2 > o->cap_sst) {
            size_t nc = o->cap_sst ? o->cap_sst * 2 : 256;
            size_t *p = nc <= OT_SST_MAX ? realloc(o->sst_off, nc * sizeof(*p)) : NULL;
            if (p == NULL) {
                rc = nc > OT_SST_MAX ? MG_ERR_LIMIT : MG_ERR_NOMEM;
                break;
            }
            o->sst_off = p;
            o->cap_sst = nc;
        }
        o->sst_off[o->n_sst] = o->sst.len;
        rc = x_string(o, n);
        o->n_sst++;
        o->sst_off[o->n_sst] = o->sst.len;
    }
    keep.dropped += o->to.dropped;
    o->to = keep;
    xmlFreeDoc(doc);
    if (rc == MG_ERR_LIMIT)
        return ot_fail(o, rc, REASON_LIMIT, "shared strings larger than the limit");
    if (rc != MG_OK)
        return ot_fail(o, rc, REASON_NO_MEMORY, "out of memory");
    return MG_OK;
}

struct numfmt {
    long id;
    const char *code;
};

static int numfmt_cmp(const void *a, const void *b)
{
    long x = ((const struct numfmt *)a)->id, y = ((const struct numfmt *)b)->id;
    return x < y ? -1 : x > y;
}

/* Which cell formats show dates or times (styles.xml: numFmts, cellXfs). */
static int x_styles(struct otext *o, const char *key)
{
    xmlDocPtr doc;
    int rc = ot_parse(o, key, &doc);
    if (rc != MG_OK || doc == NULL)
        return rc;
    const xmlNode *root = xmlDocGetRootElement(doc);
    const xmlNode *fmts = NULL, *xfs = NULL;
    for (const xmlNode *n = root ? root->children : NULL; n; n = n->next) {
        if (is_el(n, NS_X, "numFmts"))
            fmts = n;
        else if (is_el(n, NS_X, "cellXfs"))
            xfs = n;
    }
    size_t n_xf = 0, n_fmt = 0;
    for (const xmlNode *x = xfs ? xfs->children : NULL; x; x = x->next)
        n_xf += is_el(x, NS_X, "xf");
    for (const xmlNode *f = fmts ? fmts->children : NULL; f; f = f->next)
        n_fmt += is_el(f, NS_X, "numFmt");
    struct numfmt *nf = calloc(n_fmt ? n_fmt : 1, sizeof(*nf));
    o->xf_kind = calloc(n_xf ? n_xf : 1, 1);
    if (o->xf_kind == NULL || nf == NULL) {
        free(nf);
        xmlFreeDoc(doc);
        return ot_fail(o, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    }
    n_fmt = 0;
    for (const xmlNode *f = fmts ? fmts->children : NULL; f; f = f->next) {
        const char *id = is_el(f, NS_X, "numFmt") ? attr(f, NS_OTHER, "numFmtId") : NULL;
        const char *code = id ? attr(f, NS_OTHER, "formatCode") : NULL;
        if (code)
            nf[n_fmt++] = (struct numfmt){strtol(id, NULL, 10), code};
    }
    qsort(nf, n_fmt, sizeof(*nf), numfmt_cmp);
    for (const xmlNode *x = xfs ? xfs->children : NULL; x; x = x->next) {
        if (!is_el(x, NS_X, "xf"))
            continue;
        const char *id = attr(x, NS_OTHER, "numFmtId");
        struct numfmt k = {id ? strtol(id, NULL, 10) : 0, NULL};
        const struct numfmt *f = bsearch(&k, nf, n_fmt, sizeof(*nf), numfmt_cmp);
        bool date, time;
        textout_numfmt_kind(k.id >= 0 && k.id < 164 ? (int)k.id : -1, f ? f->code : NULL, &date,
                            &time);
        o->xf_kind[o->n_xf++] = (uint8_t)((date ? 1 : 0) | (time ? 2 : 0));
    }
    free(nf);
    xmlFreeDoc(doc);
    return MG_OK;
}

/* "BC12" -> column 55 (1-based), row 12; false if it is no cell reference. */
static bool x_ref(const char *r, unsigned *col, unsigned *row)
{
    unsigned c = 0, w = 0;
    size_t i = 0;
    while (r[i] >= 'A' && r[i] <= 'Z' && c <= OT_COLS_MAX)
        c = c * 26 + (unsigned)(r[i++] - 'A' + 1);
    while (r[i] >= '0' && r[i] <= '9' && w <= OT_ROWS_MAX)
        w = w * 10 + (unsigned)(r[i++] - '0');
    if (r[i] != '\0' || c == 0 || c > OT_COLS_MAX || w > OT_ROWS_MAX)
        return false;
    *col = c;
    *row = w;
    return true;
}

/* A numeric cell's value as shown: a date or time when its format says so. */
static int x_number(struct otext *o, const char *v, const char *style)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end != '\0')
        return textout_utf8(&o->to, (const uint8_t *)v, strlen(v));
    unsigned long s = style ? strtoul(style, NULL, 10) : 0;
    uint8_t kind = o->xf_kind && s < o->n_xf ? o->xf_kind[s] : 0;
    if (kind)
        return textout_serial_date(o->to.out, d, o->d1904, kind & 1, kind & 2);
    return textout_number(o->to.out, d);
}

/* The value of one c element into o->cell (through o->to). */
static int x_cell_value(struct otext *o, const xmlNode *c)
{
    const char *t = attr(c, NS_OTHER, "t");
    const xmlNode *v = NULL, *is = NULL;
    for (const xmlNode *n = c->children; n; n = n->next) {
        if (is_el(n, NS_X, "v"))
            v = n;
        else if (is_el(n, NS_X, "is"))
            is = n;
    }
    if (t && strcmp(t, "inlineStr") == 0)
        return is ? x_string(o, is) : MG_OK;
    if (v == NULL)
        return MG_OK;
    const char *val = v->children && v->children->type == XML_TEXT_NODE
                              ? (const char *)v->children->content
                              : "";
    if (t && strcmp(t, "s") == 0) {
        char *end;
        unsigned long k = strtoul(val, &end, 10);
        if (end == val || *end != '\0' || k >= o->n_sst)
            return MG_OK; /* a reference to no string shows nothing */
        return buf_append(o->to.out, o->sst.data + o->sst_off[k],
                          o->sst_off[k + 1] - o->sst_off[k]);
    }
    if (t && strcmp(t, "b") == 0)
        return buf_puts(o->to.out, strcmp(val, "1") == 0 ? "TRUE" : "FALSE");
    if (t && (strcmp(t, "str") == 0 || strcmp(t, "e") == 0))
        return ot_text_of(o, v);
    return x_number(o, val, attr(c, NS_OTHER, "s"));
}

/* One row as a CSV line (nothing for a row without values). */
static int x_row(struct otext *o, const xmlNode *row)
{
    struct buf *out = o->to.out;
    unsigned col = 0;
    int rc = MG_OK;
    for (const xmlNode *c = row->children; c && rc == MG_OK; c = c->next) {
        if (!is_el(c, NS_X, "c"))
            continue;
        const char *r = attr(c, NS_OTHER, "r");
        unsigned want = col + 1, rn;
        if (r && !x_ref(r, &want, &rn))
            want = col + 1;
        /* Cells come in column order; one out of order goes after the last. */
        if (want <= col)
            want = col + 1;
        if (want > OT_COLS_MAX)
            break;
        buf_reset(&o->cell);
        o->to.out = &o->cell;
        rc = x_cell_value(o, c);
        o->to.out = out;
        if (rc != MG_OK || o->cell.len == 0)
            continue; /* an empty cell is an empty field, if a later one is written */
        /* want - 1 fields before this one, col of them written */
        for (unsigned k = col == 0 ? want - 1 : want - col; rc == MG_OK && k > 0; k--)
            rc = buf_putc(out, ',');
        if (rc == MG_OK)
            rc = textout_csv_field(out, o->cell.data, o->cell.len, o->neutralize);
        col = want;
    }
    return rc;
}

static int x_sheet(struct otext *o, const char *key)
{
    xmlDocPtr doc;
    int rc = ot_parse(o, key, &doc);
    if (rc != MG_OK || doc == NULL)
        return rc;
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (root == NULL || !is_el(root, NS_X, "worksheet")) {
        xmlFreeDoc(doc);
        return MG_OK; /* a macro sheet behind a worksheet relationship: no text */
    }
    unsigned at = 1; /* the row the next line is */
    for (const xmlNode *n = root ? root->children : NULL; n && rc == MG_OK; n = n->next) {
        if (!is_el(n, NS_X, "sheetData"))
            continue;
        for (const xmlNode *row = n->children; row && rc == MG_OK; row = row->next) {
            if (!is_el(row, NS_X, "row"))
                continue;
            const char *r = attr(row, NS_OTHER, "r");
            unsigned long want = r ? strtoul(r, NULL, 10) : at;
            if (want < at || want > OT_ROWS_MAX)
                want = at; /* out of order or beyond the grid: next line */
            for (; rc == MG_OK && at < want; at++)
                rc = buf_putc(o->to.out, '\n');
            size_t before = o->to.out->len;
            if (rc == MG_OK)
                rc = x_row(o, row);
            if (rc == MG_OK && o->to.out->len == before)
                continue; /* a row of formatting only: maybe no line */
            if (rc == MG_OK)
                rc = buf_putc(o->to.out, '\n');
            at++;
        }
    }
    xmlFreeDoc(doc);
    return rc;
}

static int ot_excel(struct otext *o, const char *main, xmlDocPtr doc, unsigned *sheets,
                    unsigned *skipped)
{
    const xmlNode *root = xmlDocGetRootElement(doc);
    struct ooxml_rels rels;
    char key[OOXML_KEY_MAX];
    int rc = ot_rels(o, main, &rels);
    if (rc != MG_OK)
        return rc;
    if (ot_first_target(main, &rels, "sharedStrings", key, sizeof(key)))
        rc = x_shared_strings(o, key);
    if (rc == MG_OK && ot_first_target(main, &rels, "styles", key, sizeof(key)))
        rc = x_styles(o, key);
    for (const xmlNode *n = root->children; n && rc == MG_OK; n = n->next) {
        if (is_el(n, NS_X, "workbookPr")) {
            const char *d = attr(n, NS_OTHER, "date1904");
            o->d1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
        }
        if (!is_el(n, NS_X, "sheets"))
            continue;
        for (const xmlNode *s = n->children; s && rc == MG_OK; s = s->next) {
            if (!is_el(s, NS_X, "sheet"))
                continue;
            if (*sheets + *skipped >= OT_PARTS_MAX) {
                rc = ot_fail(o, MG_ERR_LIMIT, REASON_LIMIT, "more than %u sheets", OT_PARTS_MAX);
                break;
            }
            const char *name = attr(s, NS_OTHER, "name");
            const char *state = attr(s, NS_OTHER, "state");
            const char *id = attr(s, NS_R, "id");
            bool ws = ot_target_by_id(main, &rels, id, "worksheet", key, sizeof(key));
            unsigned k = *sheets + *skipped + 1;
            if ((rc = textout_end_line(&o->to)) != MG_OK)
                break;
            rc = buf_printf(o->to.out, "--- sheet %u: ", k);
            if (rc == MG_OK)
                rc = textout_utf8(&o->to, (const uint8_t *)(name ? name : ""),
                                  name ? strlen(name) : 0);
            if (rc == MG_OK)
                rc = buf_printf(o->to.out, "%s%s ---\n",
                                state && strcmp(state, "visible") != 0 ? " (hidden)" : "",
                                ws ? "" : " (not a worksheet: no text taken)");
            if (!ws) {
                (*skipped)++;
                continue;
            }
            if (rc == MG_OK)
                rc = x_sheet(o, key);
            (*sheets)++;
        }
    }
    ooxml_rels_free(&rels);
    if (rc == MG_ERR_LIMIT || rc == MG_ERR_NOMEM)
        return ot_out_fail(o, rc);
    return rc;
}

/* ---- PowerPoint ------------------------------------------------------------ */

static int ot_powerpoint(struct otext *o, const char *main, xmlDocPtr doc, unsigned *slides)
{
    const xmlNode *root = xmlDocGetRootElement(doc);
    struct ooxml_rels rels;
    char key[OOXML_KEY_MAX];
    int rc = ot_rels(o, main, &rels);
    if (rc != MG_OK)
        return rc;
    for (const xmlNode *n = root->children; n && rc == MG_OK; n = n->next) {
        if (!is_el(n, NS_P, "sldIdLst"))
            continue;
        for (const xmlNode *s = n->children; s && rc == MG_OK; s = s->next) {
            if (!is_el(s, NS_P, "sldId") ||
                !ot_target_by_id(main, &rels, attr(s, NS_R, "id"), "slide", key, sizeof(key)))
                continue;
            if (*slides >= OT_PARTS_MAX) {
                rc = ot_fail(o, MG_ERR_LIMIT, REASON_LIMIT, "more than %u slides", OT_PARTS_MAX);
                break;
            }
            (*slides)++;
            if (*slides > 1 && (rc = textout_end_line(&o->to)) == MG_OK)
                rc = buf_printf(o->to.out, "--- slide %u ---\n", *slides);
            xmlDocPtr sd;
            if (rc != MG_OK || (rc = ot_parse(o, key, &sd)) != MG_OK || sd == NULL)
                continue;
            const xmlNode *sr = xmlDocGetRootElement(sd);
            if (sr && is_el(sr, NS_P, "sld"))
                rc = ot_walk(o, &a_markup, sr, 1);
            xmlFreeDoc(sd);
        }
    }
    ooxml_rels_free(&rels);
    if (rc == MG_ERR_LIMIT || rc == MG_ERR_NOMEM)
        return ot_out_fail(o, rc);
    return rc;
}

/* ---- the entry point ---------------------------------------------------------- */

static void ot_free(struct otext *o)
{
    for (size_t i = 0; i < o->n_keys; i++)
        free(o->keys[i].key);
    free(o->keys);
    ooxml_zip_free(&o->zip);
    ooxml_ct_free(&o->ct);
    buf_free(&o->sst);
    buf_free(&o->cell);
    free(o->sst_off);
    free(o->xf_kind);
}

/* The main part: the target of the package's officeDocument relationship. */
static int ot_main(struct otext *o, char *main, size_t mainlen)
{
    struct ooxml_rels rels;
    int rc = ot_rels(o, "", &rels);
    if (rc != MG_OK)
        return rc;
    bool found = false;
    for (size_t i = 0; i < rels.n && !found; i++) {
        const struct ooxml_reltype *rt = ooxml_reltype_find(rels.r[i].type);
        if (rt && (rt->flags & OOXML_RT_MAIN) && !rels.r[i].external)
            found = ooxml_resolve_target("", rels.r[i].target, main, mainlen);
    }
    ooxml_rels_free(&rels);
    if (!found)
        return ot_fail(o, MG_ERR_PARSE, REASON_PARSE_ERROR,
                       "no main document part (officeDocument relationship)");
    return MG_OK;
}

int ooxmlsan_flatten(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                     struct report_node *node)
{
    struct otext o;
    memset(&o, 0, sizeof(o));
    o.ctx = ctx;
    o.node = node;
    o.neutralize = ctx->pol->csv_neutralize_formulas;
    buf_init(&o.sst, out->max);
    buf_init(&o.cell, out->max);
    buf_reset(out);
    textout_init(&o.to, out);
    char main[OOXML_KEY_MAX], why[REPORT_STR_MAX];
    xmlDocPtr doc = NULL;
    struct ooxml_zip_budget bud = {.pol = ctx->pol,
                                   .members_total = &ctx->members_total,
                                   .expanded_total = &ctx->expanded_total};
    int rc = ooxml_zip_read(&bud, in, len, &o.zip, why, sizeof(why));
    if (rc != MG_OK) {
        rc = ot_fail(&o, rc,
                     rc == MG_ERR_LIMIT       ? REASON_LIMIT
                     : rc == MG_ERR_ENCRYPTED ? REASON_ENCRYPTED
                                              : reason_from_err(rc),
                     "%s", why);
        goto out;
    }
    if ((rc = ot_index(&o)) != MG_OK || (rc = ot_main(&o, main, sizeof(main))) != MG_OK ||
        (rc = ot_parse(&o, main, &doc)) != MG_OK)
        goto out;
    if (doc == NULL) {
        rc = ot_fail(&o, MG_ERR_PARSE, REASON_PARSE_ERROR, "the main part %s is missing", main);
        goto out;
    }
    const xmlNode *root = xmlDocGetRootElement(doc);
    unsigned notes = 0, sheets = 0, skipped = 0, slides = 0;
    const char *what;
    if (root && is_el(root, NS_W, "document")) {
        what = "Word document";
        rc = ot_word(&o, main, doc, &notes);
    } else if (root && is_el(root, NS_X, "workbook")) {
        what = "Excel workbook";
        rc = ot_excel(&o, main, doc, &sheets, &skipped);
    } else if (root && is_el(root, NS_P, "presentation")) {
        what = "PowerPoint presentation";
        rc = ot_powerpoint(&o, main, doc, &slides);
    } else {
        rc = ot_fail(&o, MG_ERR_PARSE, REASON_PARSE_ERROR,
                     "the main part is not a Word, Excel or PowerPoint document");
        goto out;
    }
    if (rc == MG_OK && (rc = textout_end_line(&o.to)) != MG_OK)
        rc = ot_out_fail(&o, rc);
    if (rc != MG_OK)
        goto out;
    char detail[160] = "";
    if (sheets + skipped)
        snprintf(detail, sizeof(detail), ", %u sheet(s) as CSV lines%s", sheets,
                 skipped ? ", the names only of the macro, chart and dialog sheets" : "");
    else if (slides)
        snprintf(detail, sizeof(detail), ", %u slide(s)", slides);
    else if (notes)
        snprintf(detail, sizeof(detail), ", %u footnote(s) and endnote(s)", notes);
    report_actionf(node, ACTION_REWROTE, "policy: flatten Office documents to text",
                   "%s converted to UTF-8 text%s; macros, embedded objects and links are not "
                   "carried over",
                   what, detail);
    if (o.to.dropped)
        report_actionf(node, ACTION_REMOVED,
                       "control characters can hide content or drive terminals",
                       "%zu control or bidi control characters", o.to.dropped);
    if (o.depth_hits)
        report_actionf(node, ACTION_REMOVED, "nesting deeper than any document needs",
                       "text nested more than %d elements deep (%u elements)", OT_DEPTH_MAX,
                       o.depth_hits);
    ctx->out_type = FT_TEXT;
out:
    if (doc)
        xmlFreeDoc(doc);
    if (rc != MG_OK) {
        buf_reset(out);
        if (node->verdict != VERDICT_BLOCKED)
            report_block(node, reason_from_err(rc), "%s", err_str(rc));
    }
    ot_free(&o);
    return rc;
}
