/*
 * ooxml_clean - the rules applied to every XML part (see ooxml_clean.h).
 *
 * Three passes over the tree:
 *   1. Word fields, in document order. A complex field runs over several
 *      runs (fldChar begin, instrText..., fldChar separate, result runs,
 *      fldChar end), can nest, and can cross paragraphs, so the walk keeps
 *      a stack of open fields and, for each, the run contents that make up
 *      its instruction. When a field is judged risky its instruction
 *      contents and its begin/separate/end markers are removed and its
 *      result runs stay. Removal waits until the walk is over because an
 *      outer field's list holds the nodes of the fields nested in it.
 *   2. Package-specific preparation: a workbook's sheet list (sheets whose
 *      relationship was dropped go, and sheet indexes are renumbered), a
 *      worksheet's shared formula groups whose master is risky.
 *   3. Everything else, depth first: removals by element, by relationship
 *      reference, by attribute, then containers a removal left empty and
 *      are not allowed empty.
 * Elements are matched by namespace URI (both Transitional and Strict
 * spellings) and local name, never by prefix.
 */
#include "ooxml_clean.h"
#include "err.h"
#include "ooxml_rels.h"
#include "wordfield.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Nested fields deeper than this are refused (Word itself stops at 20). */
#define FLD_DEPTH_MAX 32
/* Instruction text kept per field; the decision needs only its start. */
#define FLD_INSTR_MAX (16u * 1024u)
/* Nodes held for removal or unwrapping over one part. */
#define NODES_MAX (8u * 1024u * 1024u)
/* Sheets and shared formula groups we renumber or track. */
#define SHEETS_MAX    65536u
#define SHARED_SI_MAX (1u << 22)

/* ------------------------------------------------------------------ */
/* Namespaces */

enum fam {
    F_OTHER,
    F_W,   /* WordprocessingML */
    F_X,   /* SpreadsheetML */
    F_P,   /* PresentationML */
    F_A,   /* DrawingML */
    F_R,   /* relationships (attributes) */
    F_O,   /* VML office */
    F_V,   /* VML */
    F_XV,  /* VML Excel */
    F_W10, /* VML Word */
    F_PV,  /* VML PowerPoint */
    F_XM,  /* Excel 2006 main (xm:f in extension lists) */
    F_X14, /* Excel 2009 extensions */
    F_EP,  /* extended properties (app.xml) */
};

static const struct {
    const char *uri;
    enum fam fam;
} ns_table[] = {
        {"http://schemas.openxmlformats.org/wordprocessingml/2006/main", F_W},
        {"http://purl.oclc.org/ooxml/wordprocessingml/main", F_W},
        {"http://schemas.openxmlformats.org/spreadsheetml/2006/main", F_X},
        {"http://purl.oclc.org/ooxml/spreadsheetml/main", F_X},
        {"http://schemas.openxmlformats.org/presentationml/2006/main", F_P},
        {"http://purl.oclc.org/ooxml/presentationml/main", F_P},
        {"http://schemas.openxmlformats.org/drawingml/2006/main", F_A},
        {"http://purl.oclc.org/ooxml/drawingml/main", F_A},
        {"http://schemas.openxmlformats.org/officeDocument/2006/relationships", F_R},
        {"http://purl.oclc.org/ooxml/officeDocument/relationships", F_R},
        {"urn:schemas-microsoft-com:office:office", F_O},
        {"urn:schemas-microsoft-com:vml", F_V},
        {"urn:schemas-microsoft-com:office:excel", F_XV},
        {"urn:schemas-microsoft-com:office:word", F_W10},
        {"urn:schemas-microsoft-com:office:powerpoint", F_PV},
        {"http://schemas.microsoft.com/office/excel/2006/main", F_XM},
        {"http://schemas.microsoft.com/office/spreadsheetml/2009/9/main", F_X14},
        {"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties", F_EP},
        {"http://purl.oclc.org/ooxml/officeDocument/extendedProperties", F_EP},
};

static enum fam ns_fam(const xmlNs *ns)
{
    if (ns == NULL || ns->href == NULL)
        return F_OTHER;
    for (size_t i = 0; i < sizeof(ns_table) / sizeof(ns_table[0]); i++)
        if (strcmp((const char *)ns->href, ns_table[i].uri) == 0)
            return ns_table[i].fam;
    return F_OTHER;
}

/* Per-walk cache: most elements share a handful of xmlNs structures. */
struct fam_cache {
    const xmlNs *ns[8];
    enum fam fam[8];
    unsigned next;
};

static enum fam fam_of(struct fam_cache *fc, const xmlNs *ns)
{
    if (ns == NULL)
        return F_OTHER;
    for (unsigned i = 0; i < 8; i++)
        if (fc->ns[i] == ns)
            return fc->fam[i];
    enum fam f = ns_fam(ns);
    fc->ns[fc->next] = ns;
    fc->fam[fc->next] = f;
    fc->next = (fc->next + 1) % 8;
    return f;
}

static bool is_vml(enum fam f)
{
    return f == F_V || f == F_O || f == F_XV || f == F_W10 || f == F_PV;
}

static bool name_is(const xmlNode *n, const char *local)
{
    return strcmp((const char *)n->name, local) == 0;
}

/* Whether the element's text, read as a formula, may not stay. */
static bool content_formula_risky(xmlNode *e)
{
    xmlChar *text = xmlNodeGetContent(e);
    bool bad = text != NULL && ooxml_clean_formula_risky((const char *)text);
    xmlFree(text);
    return bad;
}

/* An attribute by local name whose namespace is fam (F_OTHER: no namespace). */
static xmlAttrPtr attr_find(struct fam_cache *fc, xmlNodePtr n, const char *local, enum fam fam)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        if (strcmp((const char *)a->name, local) != 0)
            continue;
        if (fam == F_OTHER ? a->ns == NULL : fam_of(fc, a->ns) == fam)
            return a;
    }
    return NULL;
}

/* The value of an attribute (malloc'd by libxml2), or NULL. */
static xmlChar *attr_value(xmlAttrPtr a)
{
    if (a == NULL)
        return NULL;
    return xmlNodeListGetString(a->doc, a->children, 1);
}

static void node_drop(xmlNodePtr n)
{
    xmlUnlinkNode(n);
    xmlFreeNode(n);
}

static bool has_element_child(xmlNodePtr n)
{
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* Decisions */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Marks where a nested field sits inside an instruction. */
#define FLD_NESTED '\x01'

/*
 * Fields that only compute, format, number, cross-reference or show
 * document data. Anything else (DDE, DDEAUTO, INCLUDETEXT, INCLUDEPICTURE,
 * INCLUDE, LINK, IMPORT, EMBED, MACROBUTTON, DATABASE, PRINT, RD, ADDIN,
 * PRIVATE, ...) is replaced by its result.
 */
static const char *const field_allow[] = {
        "ADDRESSBLOCK", "ADVANCE",      "ASK",
        "AUTHOR",       "AUTONUM",      "AUTONUMLGL",
        "AUTONUMOUT",   "AUTOTEXT",     "AUTOTEXTLIST",
        "BARCODE",      "BIBLIOGRAPHY", "BIDIOUTLINE",
        "CITATION",     "COMMENTS",     "COMPARE",
        "CREATEDATE",   "DATE",         "DISPLAYBARCODE",
        "DOCPROPERTY",  "DOCVARIABLE",  "EDITTIME",
        "EQ",           "FILENAME",     "FILESIZE",
        "FILLIN",       "FORMCHECKBOX", "FORMDROPDOWN",
        "FORMTEXT",     "GOTOBUTTON",   "GREETINGLINE",
        "HYPERLINK",    "IF",           "INDEX",
        "INFO",         "KEYWORDS",     "LASTSAVEDBY",
        "LISTNUM",      "MERGEFIELD",   "MERGEREC",
        "MERGESEQ",     "NEXT",         "NEXTIF",
        "NOTEREF",      "NUMCHARS",     "NUMPAGES",
        "NUMWORDS",     "PAGE",         "PAGEREF",
        "PRINTDATE",    "QUOTE",        "REF",
        "REVNUM",       "SAVEDATE",     "SECTION",
        "SECTIONPAGES", "SEQ",          "SET",
        "SHAPE",        "SKIPIF",       "STYLEREF",
        "SUBJECT",      "SYMBOL",       "TA",
        "TC",           "TEMPLATE",     "TIME",
        "TITLE",        "TOA",          "TOC",
        "USERADDRESS",  "USERINITIALS", "USERNAME",
        "XE",
};

static bool hyperlink_field_risky(const char *s, size_t n, bool keep_hyperlinks)
{
    if (memchr(s, FLD_NESTED, n) != NULL)
        return true; /* the target would be computed */
    size_t start, len;
    if (!wordfield_hyperlink_target(s, n, &start, &len))
        return false; /* only a bookmark (\l): stays inside the document */
    if (!keep_hyperlinks)
        return true;
    char url[2048];
    size_t l = len < sizeof(url) - 1 ? len : sizeof(url) - 1;
    memcpy(url, s + start, l);
    url[l] = '\0';
    /* Word reads "\\" in a quoted field argument as one backslash. */
    return !ooxml_link_scheme_ok(url) || strchr(url, '\\') != NULL;
}

bool ooxml_clean_field_risky(const char *s, size_t n, bool keep_hyperlinks)
{
    size_t i = 0;
    while (i < n && is_space(s[i]))
        i++;
    if (i >= n)
        return false;
    if (s[i] == FLD_NESTED)
        return true; /* the field's name would be computed: the QUOTE-built DDE trick */
    size_t k = i;
    while (k < n && !is_space(s[k]) && s[k] != '\\' && s[k] != '"' && s[k] != FLD_NESTED)
        k++;
    if (k < n && s[k] == FLD_NESTED)
        return true;
    if (s[i] == '=')
        return false; /* a calculation */
    size_t kl = k - i;
    for (size_t j = 0; j < sizeof(field_allow) / sizeof(field_allow[0]); j++) {
        if (strlen(field_allow[j]) == kl && strncasecmp(field_allow[j], s + i, kl) == 0) {
            if (kl == 9 && strncasecmp(s + i, "HYPERLINK", 9) == 0)
                return hyperlink_field_risky(s + k, n - k, keep_hyperlinks);
            return false;
        }
    }
    return true;
}

/* Worksheet functions that fetch, call code or open links. */
static const char *const formula_deny[] = {
        "WEBSERVICE", "FILTERXML", "RTD",       "CALL",   "REGISTER",     "REGISTER.ID",
        "EXEC",       "EXECUTE",   "HYPERLINK", "IMAGE",  "STOCKHISTORY", "SQL.REQUEST",
        "INITIATE",   "REQUEST",   "POKE",      "RUN",    "FOPEN",        "FWRITE",
        "FWRITELN",   "FREAD",     "FREADLN",   "FCLOSE", "FILES",        "DDE",
};

static bool ident_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
}

bool ooxml_clean_formula_risky(const char *f)
{
    if (f == NULL)
        return false;
    size_t n = strlen(f);
    for (size_t i = 0; i < n; i++) {
        char c = f[i];
        if (c == '"') {
            /* String literal; "" is an escaped quote. */
            for (i++; i < n; i++)
                if (f[i] == '"') {
                    if (i + 1 < n && f[i + 1] == '"')
                        i++;
                    else
                        break;
                }
            continue;
        }
        if (c == '|')
            return true; /* DDE: application|topic!item */
        if (c == '[') {
            size_t j = i + 1, dot = 0;
            bool digits = true, path = false;
            while (j < n && f[j] != ']') {
                if (f[j] < '0' || f[j] > '9')
                    digits = false;
                if (f[j] == '\\' || f[j] == '/' || f[j] == ':')
                    path = true;
                if (f[j] == '.')
                    dot = j;
                j++;
            }
            /* [1]Sheet!A1 is another workbook; so is a path or a book name
             * ([book.xlsx]) in brackets. */
            if ((digits && j > i + 1) || path)
                return true;
            if (dot &&
                (strncasecmp(f + dot + 1, "xl", 2) == 0 || strncasecmp(f + dot + 1, "csv", 3) == 0))
                return true;
            continue;
        }
        if (ident_char(c) && (i == 0 || !ident_char(f[i - 1]))) {
            size_t j = i;
            while (j < n && ident_char(f[j]))
                j++;
            if (j < n && f[j] == '(') {
                const char *name = f + i;
                size_t l = j - i;
                if (l > 6 && strncasecmp(name, "_xludf.", 7) == 0)
                    return true; /* a macro or add-in function */
                if (l > 6 && strncasecmp(name, "_xlfn.", 6) == 0) {
                    name += 6;
                    l -= 6;
                }
                if (l > 6 && strncasecmp(name, "_xlws.", 6) == 0) {
                    name += 6;
                    l -= 6;
                }
                for (size_t k = 0; k < sizeof(formula_deny) / sizeof(formula_deny[0]); k++)
                    if (strlen(formula_deny[k]) == l && strncasecmp(formula_deny[k], name, l) == 0)
                        return true;
            }
            i = j - 1;
        }
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Walk state */

struct nodelist {
    xmlNodePtr *v;
    size_t n, alloc;
};

static int nodelist_push(struct nodelist *l, xmlNodePtr n)
{
    if (l->n == l->alloc) {
        if (l->alloc >= NODES_MAX)
            return MG_ERR_LIMIT;
        size_t na = l->alloc ? l->alloc * 2 : 64;
        xmlNodePtr *v = realloc(l->v, na * sizeof(*v));
        if (v == NULL)
            return MG_ERR_NOMEM;
        l->v = v;
        l->alloc = na;
    }
    l->v[l->n++] = n;
    return MG_OK;
}

static void nodelist_free(struct nodelist *l)
{
    free(l->v);
    memset(l, 0, sizeof(*l));
}

struct fld {
    bool in_result, decided, risky;
    char *instr;
    size_t instr_len;
    struct nodelist nodes; /* begin, instruction contents, separate */
};

struct walk {
    struct ooxml_clean *cc;
    xmlDocPtr doc;
    struct fam_cache fc;
    /* fields */
    struct fld stack[FLD_DEPTH_MAX];
    size_t depth;
    struct nodelist del;    /* to remove after the field walk */
    struct nodelist unwrap; /* risky fldSimple: children stay, element goes */
    /* workbook: old sheet index -> new, -1 when dropped */
    int *sheet_map;
    size_t n_sheets;
    /* worksheet: shared formula groups whose master was risky */
    uint8_t *bad_si;
    size_t n_si;
};

static int walk_fail(struct walk *w, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int walk_fail(struct walk *w, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->cc->why, sizeof(w->cc->why), fmt, ap);
    va_end(ap);
    return rc;
}

static void count(struct walk *w, enum ooxml_clean_reason r)
{
    w->cc->count[r]++;
}

/* ------------------------------------------------------------------ */
/* Pass 1: Word fields */

/* Queue a node for removal once (node->_private marks it). */
static int mark_del(struct walk *w, xmlNodePtr n)
{
    if (n->_private != NULL)
        return MG_OK;
    n->_private = (void *)w;
    int rc = nodelist_push(&w->del, n);
    if (rc != MG_OK)
        n->_private = NULL;
    return rc;
}

static void fld_free(struct fld *f)
{
    free(f->instr);
    nodelist_free(&f->nodes);
    memset(f, 0, sizeof(*f));
}

/* n belongs to the instruction of every open field still reading its instruction. */
static int fld_note(struct walk *w, xmlNodePtr n)
{
    for (size_t i = 0; i < w->depth; i++)
        if (!w->stack[i].in_result) {
            int rc = nodelist_push(&w->stack[i].nodes, n);
            if (rc != MG_OK)
                return rc;
        }
    return MG_OK;
}

static void fld_text(struct fld *f, const char *s, size_t n)
{
    if (f->instr == NULL) {
        f->instr = malloc(FLD_INSTR_MAX);
        if (f->instr == NULL)
            return;
    }
    size_t room = FLD_INSTR_MAX - f->instr_len;
    if (n > room)
        n = room;
    memcpy(f->instr + f->instr_len, s, n);
    f->instr_len += n;
}

static int fld_decide(struct walk *w, struct fld *f)
{
    if (f->decided)
        return MG_OK;
    f->decided = true;
    f->risky =
            ooxml_clean_field_risky(f->instr ? f->instr : "", f->instr_len, w->cc->keep_hyperlinks);
    if (!f->risky)
        return MG_OK;
    count(w, OOXML_CR_FIELD);
    for (size_t i = 0; i < f->nodes.n; i++) {
        int rc = mark_del(w, f->nodes.v[i]);
        if (rc != MG_OK)
            return rc;
    }
    return MG_OK;
}

/* One child of a w:r, in document order. */
static int fld_run_child(struct walk *w, xmlNodePtr c)
{
    int rc;
    if (name_is(c, "rPr"))
        return MG_OK;
    if (name_is(c, "fldChar")) {
        xmlChar *t = attr_value(attr_find(&w->fc, c, "fldCharType", F_W));
        const char *type = t ? (const char *)t : "";
        if (strcmp(type, "begin") == 0) {
            if (w->depth >= FLD_DEPTH_MAX) {
                xmlFree(t);
                return walk_fail(w, MG_ERR_LIMIT, "fields nested more than %d deep", FLD_DEPTH_MAX);
            }
            if (w->depth > 0 && !w->stack[w->depth - 1].in_result) {
                char m = FLD_NESTED;
                fld_text(&w->stack[w->depth - 1], &m, 1);
            }
            rc = fld_note(w, c);
            struct fld *f = &w->stack[w->depth++];
            memset(f, 0, sizeof(*f));
            if (rc == MG_OK)
                rc = nodelist_push(&f->nodes, c);
        } else if (strcmp(type, "separate") == 0 && w->depth > 0 &&
                   !w->stack[w->depth - 1].in_result) {
            rc = fld_note(w, c); /* the top field's own list included */
            w->stack[w->depth - 1].in_result = true;
            if (rc == MG_OK)
                rc = fld_decide(w, &w->stack[w->depth - 1]);
        } else if (strcmp(type, "end") == 0 && w->depth > 0) {
            struct fld *f = &w->stack[w->depth - 1];
            rc = fld_decide(w, f);
            if (rc == MG_OK && f->risky)
                rc = mark_del(w, c);
            fld_free(f);
            w->depth--;
            if (rc == MG_OK)
                rc = fld_note(w, c);
        } else {
            rc = mark_del(w, c); /* a separator or end with no field: meaningless */
        }
        xmlFree(t);
        return rc;
    }
    bool instr = name_is(c, "instrText") || name_is(c, "delInstrText");
    if (w->depth == 0 || w->stack[w->depth - 1].in_result) {
        /* Instruction text outside an instruction does nothing; it goes. */
        return instr ? mark_del(w, c) : MG_OK;
    }
    if (instr || name_is(c, "t") || name_is(c, "delText")) {
        xmlChar *s = xmlNodeGetContent(c);
        if (s != NULL) {
            fld_text(&w->stack[w->depth - 1], (const char *)s, strlen((const char *)s));
            xmlFree(s);
        }
    }
    return fld_note(w, c);
}

static int fld_walk(struct walk *w, xmlNodePtr n)
{
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        enum fam f = fam_of(&w->fc, c->ns);
        int rc;
        if (f == F_W && name_is(c, "r")) {
            for (xmlNodePtr rc2 = c->children; rc2; rc2 = rc2->next) {
                if (rc2->type != XML_ELEMENT_NODE || fam_of(&w->fc, rc2->ns) != F_W)
                    continue;
                rc = fld_run_child(w, rc2);
                if (rc != MG_OK)
                    return rc;
            }
            continue;
        }
        if (f == F_W && name_is(c, "fldSimple")) {
            xmlChar *instr = attr_value(attr_find(&w->fc, c, "instr", F_W));
            const char *s = instr ? (const char *)instr : "";
            if (ooxml_clean_field_risky(s, strlen(s), w->cc->keep_hyperlinks)) {
                count(w, OOXML_CR_FIELD);
                rc = nodelist_push(&w->unwrap, c);
                if (rc != MG_OK) {
                    xmlFree(instr);
                    return rc;
                }
            }
            xmlFree(instr);
        }
        rc = fld_walk(w, c);
        if (rc != MG_OK)
            return rc;
    }
    return MG_OK;
}

/* A run left with nothing but its properties is dropped too. */
static bool run_is_empty(struct walk *w, xmlNodePtr r)
{
    for (xmlNodePtr c = r->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !(fam_of(&w->fc, c->ns) == F_W && name_is(c, "rPr")))
            return false;
    return true;
}

static int fld_pass(struct walk *w, xmlNodePtr root)
{
    int rc = fld_walk(w, root);
    /* Fields never closed: judged on what their instruction held. */
    while (rc == MG_OK && w->depth > 0) {
        rc = fld_decide(w, &w->stack[w->depth - 1]);
        fld_free(&w->stack[--w->depth]);
    }
    while (w->depth > 0)
        fld_free(&w->stack[--w->depth]);
    if (rc != MG_OK)
        goto out;
    for (size_t i = 0; i < w->unwrap.n; i++) {
        xmlNodePtr s = w->unwrap.v[i];
        for (xmlNodePtr c = s->children, next; c; c = next) {
            next = c->next;
            xmlUnlinkNode(c);
            xmlAddPrevSibling(s, c);
        }
        node_drop(s);
    }
    for (size_t i = 0; i < w->del.n; i++) {
        xmlNodePtr d = w->del.v[i];
        xmlNodePtr parent = d->parent;
        node_drop(d);
        if (parent != NULL && parent->type == XML_ELEMENT_NODE &&
            fam_of(&w->fc, parent->ns) == F_W && name_is(parent, "r") && run_is_empty(w, parent))
            node_drop(parent);
    }
out:
    w->del.n = 0;
    return rc;
}

/* ------------------------------------------------------------------ */
/* Pass 2: workbook sheets, shared formulas */

static enum ooxml_rel_use rel_use(struct walk *w, const char *id)
{
    return w->cc->rel_use != NULL ? w->cc->rel_use(w->cc->rel_arg, id) : OOXML_REL_NONE;
}

static bool rel_ok(struct walk *w, const char *id)
{
    return rel_use(w, id) == OOXML_REL_PART;
}

/* Elements that follow a hyperlink: the only ones an external link may serve. */
static bool is_link_elem(enum fam fam, const xmlNode *e)
{
    if (fam == F_A)
        return name_is(e, "hlinkClick") || name_is(e, "hlinkHover") || name_is(e, "hlinkMouseOver");
    return (fam == F_W || fam == F_X) && name_is(e, "hyperlink");
}

/* The relationship id of an element (r:id), malloc'd, or NULL. */
static xmlChar *rel_id(struct walk *w, xmlNodePtr n)
{
    return attr_value(attr_find(&w->fc, n, "id", F_R));
}

static bool xml_true(const xmlChar *v)
{
    return v != NULL && (strcmp((const char *)v, "1") == 0 || strcmp((const char *)v, "true") == 0);
}

static int workbook_sheets(struct walk *w, xmlNodePtr root)
{
    xmlNodePtr sheets = NULL;
    for (xmlNodePtr c = root->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && fam_of(&w->fc, c->ns) == F_X && name_is(c, "sheets")) {
            sheets = c;
            break;
        }
    if (sheets == NULL)
        return walk_fail(w, MG_ERR_UNSUPPORTED, "workbook without a sheet list");
    size_t n = 0;
    for (xmlNodePtr c = sheets->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            n++;
    if (n > SHEETS_MAX)
        return walk_fail(w, MG_ERR_LIMIT, "more than %u sheets", SHEETS_MAX);
    w->sheet_map = calloc(n ? n : 1, sizeof(int));
    if (w->sheet_map == NULL)
        return walk_fail(w, MG_ERR_NOMEM, "out of memory");
    w->n_sheets = n;
    int kept = 0;
    size_t i = 0;
    xmlNodePtr first = NULL;
    bool visible = false;
    for (xmlNodePtr c = sheets->children, next; c; c = next) {
        next = c->next;
        if (c->type != XML_ELEMENT_NODE)
            continue;
        xmlChar *id = rel_id(w, c);
        bool ok = fam_of(&w->fc, c->ns) == F_X && name_is(c, "sheet") && id != NULL &&
                  rel_ok(w, (const char *)id);
        xmlFree(id);
        if (!ok) {
            w->sheet_map[i++] = -1;
            count(w, OOXML_CR_RELREF);
            node_drop(c);
            continue;
        }
        w->sheet_map[i++] = kept++;
        if (first == NULL)
            first = c;
        xmlChar *state = xmlGetNoNsProp(c, (const xmlChar *)"state");
        if (state == NULL || strcmp((const char *)state, "visible") == 0)
            visible = true;
        xmlFree(state);
    }
    if (kept == 0)
        return walk_fail(w, MG_ERR_UNSUPPORTED,
                         "no worksheet is left once macro and dialog sheets are removed");
    /* Excel refuses a workbook with no visible sheet. */
    if (!visible)
        xmlUnsetProp(first, (const xmlChar *)"state");
    return MG_OK;
}

/* New index for an old sheet index attribute; false when that sheet is gone. */
static bool sheet_remap(struct walk *w, xmlNodePtr n, const char *attr, bool drop_to_zero)
{
    if (w->sheet_map == NULL)
        return true;
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)attr);
    if (v == NULL)
        return true;
    char *end;
    long idx = strtol((const char *)v, &end, 10);
    bool valid = *end == '\0' && end != (char *)v && idx >= 0 && (size_t)idx < w->n_sheets;
    xmlFree(v);
    int to = valid ? w->sheet_map[idx] : -1;
    if (to < 0) {
        if (!drop_to_zero)
            return false;
        to = 0;
    }
    char buf[16];
    snprintf(buf, sizeof(buf), "%d", to);
    xmlSetProp(n, (const xmlChar *)attr, (const xmlChar *)buf);
    return true;
}

static int shared_mark(struct walk *w, unsigned long si)
{
    if (si >= SHARED_SI_MAX)
        return MG_OK; /* handled as risky on its own, see formula_bad() */
    if (si >= w->n_si) {
        size_t nn = w->n_si ? w->n_si : 64;
        while (nn <= si)
            nn *= 2;
        uint8_t *b = realloc(w->bad_si, nn);
        if (b == NULL)
            return walk_fail(w, MG_ERR_NOMEM, "out of memory");
        memset(b + w->n_si, 0, nn - w->n_si);
        w->bad_si = b;
        w->n_si = nn;
    }
    w->bad_si[si] = 1;
    return MG_OK;
}

static bool shared_si(struct walk *w, xmlNodePtr f, unsigned long *si)
{
    xmlChar *t = xmlGetNoNsProp(f, (const xmlChar *)"t");
    bool shared = t != NULL && strcmp((const char *)t, "shared") == 0;
    xmlFree(t);
    if (!shared)
        return false;
    xmlChar *v = xmlGetNoNsProp(f, (const xmlChar *)"si");
    char *end = NULL;
    *si = v ? strtoul((const char *)v, &end, 10) : SHARED_SI_MAX;
    if (v == NULL || *end != '\0')
        *si = SHARED_SI_MAX;
    xmlFree(v);
    (void)w;
    return true;
}

static int shared_scan(struct walk *w, xmlNodePtr n)
{
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || fam_of(&w->fc, c->ns) != F_X)
            continue;
        if (name_is(c, "f")) {
            unsigned long si;
            if (shared_si(w, c, &si)) {
                xmlChar *text = xmlNodeGetContent(c);
                bool bad = text != NULL && ooxml_clean_formula_risky((const char *)text);
                xmlFree(text);
                if (bad) {
                    int rc = shared_mark(w, si);
                    if (rc != MG_OK)
                        return rc;
                }
            }
            continue;
        }
        int rc = shared_scan(w, c);
        if (rc != MG_OK)
            return rc;
    }
    return MG_OK;
}

/* ------------------------------------------------------------------ */
/* Pass 3: element rules */

enum { CN_KEEP, CN_REMOVED, CN_REMOVE_PARENT };

/* Elements removed wherever they are, with their reason. */
static const struct {
    enum fam fam;
    const char *local;
    enum ooxml_clean_reason why;
} always_remove[] = {
        {F_W, "fldData", OOXML_CR_FIELD},
        {F_W, "entryMacro", OOXML_CR_MACRO},
        {F_W, "exitMacro", OOXML_CR_MACRO},
        {F_W, "mailMerge", OOXML_CR_EXTDATA},
        {F_W, "docVars", OOXML_CR_EXTDATA},
        {F_W, "saveThroughXslt", OOXML_CR_EXTDATA},
        {F_W, "updateFields", OOXML_CR_EXTDATA},
        {F_W, "frameset", OOXML_CR_EXTDATA},
        {F_W, "attachedTemplate", OOXML_CR_EXTDATA},
        {F_W, "control", OOXML_CR_ACTIVEX},
        {F_W, "objectEmbed", OOXML_CR_OLE},
        {F_W, "objectLink", OOXML_CR_OLE},
        {F_W, "subDoc", OOXML_CR_EXTDATA},
        {F_W, "altChunk", OOXML_CR_EXTDATA},
        {F_O, "OLEObject", OOXML_CR_OLE},
        {F_XV, "FmlaMacro", OOXML_CR_MACRO},
        {F_X, "oleObjects", OOXML_CR_OLE},
        {F_X, "controls", OOXML_CR_ACTIVEX},
        {F_X, "webPublishItems", OOXML_CR_EXTDATA},
        {F_X, "externalReferences", OOXML_CR_EXTDATA},
        {F_X, "xmlColumnPr", OOXML_CR_EXTDATA},
        {F_P, "controls", OOXML_CR_ACTIVEX},
        {F_P, "oleObj", OOXML_CR_OLE},
        {F_P, "embeddedFontLst", OOXML_CR_FONT},
        {F_EP, "HyperlinkBase", OOXML_CR_EXTDATA},
        {F_EP, "HLinks", OOXML_CR_EXTDATA},
};

/* Containers that must not stay empty once their content was removed. */
static const struct {
    enum fam fam;
    const char *local;
} remove_if_empty[] = {
        {F_X, "customProperties"},
        {F_X, "hyperlinks"},
        {F_X, "pivotCaches"},
        {F_X, "tableParts"},
        {F_X, "conditionalFormatting"},
        {F_X, "dataValidations"},
        {F_X, "definedNames"},
        {F_X14, "conditionalFormatting"},
        {F_X14, "conditionalFormattings"},
        {F_X14, "dataValidations"},
        {F_X14, "sparklines"},
        {F_P, "custDataLst"},
        {F_P, "sndAc"},
        {F_P, "stSnd"},
        {F_P, "custShowLst"},
};

static bool action_ok(const xmlChar *v)
{
    if (v == NULL || v[0] == '\0')
        return true;
    static const char *const ok[] = {"ppaction://hlinksldjump", "ppaction://hlinkshowjump",
                                     "ppaction://noaction", "ppaction://customshow"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (strncasecmp((const char *)v, ok[i], strlen(ok[i])) == 0)
            return true;
    return false;
}

static bool defined_name_bad(struct walk *w, xmlNodePtr n)
{
    xmlChar *name = xmlGetNoNsProp(n, (const xmlChar *)"name");
    bool bad = false;
    if (name != NULL) {
        const char *s = (const char *)name;
        if (strncasecmp(s, "_xlnm.", 6) == 0)
            s += 6;
        /* Excel runs any name that starts with these, "Auto_Open_x" too. */
        static const char *const autos[] = {"auto_open", "auto_close", "auto_activate",
                                            "auto_deactivate"};
        for (size_t i = 0; i < sizeof(autos) / sizeof(autos[0]); i++)
            if (strncasecmp(s, autos[i], strlen(autos[i])) == 0)
                bad = true;
    }
    xmlFree(name);
    static const char *const macro_attrs[] = {"function", "vbProcedure", "xlm"};
    for (size_t i = 0; !bad && i < sizeof(macro_attrs) / sizeof(macro_attrs[0]); i++) {
        xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)macro_attrs[i]);
        bad = xml_true(v);
        xmlFree(v);
    }
    if (!bad) {
        xmlChar *f = xmlNodeGetContent(n);
        bad = f != NULL && ooxml_clean_formula_risky((const char *)f);
        xmlFree(f);
    }
    (void)w;
    return bad;
}

/* A cell whose formula went keeps its cached value; a formula string becomes inline text. */
static void cell_without_formula(struct walk *w, xmlNodePtr c)
{
    xmlChar *t = xmlGetNoNsProp(c, (const xmlChar *)"t");
    bool str = t != NULL && strcmp((const char *)t, "str") == 0;
    xmlFree(t);
    if (!str)
        return;
    xmlNodePtr v = NULL;
    for (xmlNodePtr k = c->children; k; k = k->next)
        if (k->type == XML_ELEMENT_NODE && fam_of(&w->fc, k->ns) == F_X && name_is(k, "v"))
            v = k;
    if (v == NULL) {
        xmlUnsetProp(c, (const xmlChar *)"t");
        return;
    }
    xmlChar *text = xmlNodeGetContent(v);
    xmlNodePtr is = xmlNewDocNode(w->doc, v->ns, (const xmlChar *)"is", NULL);
    if (is == NULL || text == NULL) {
        xmlFree(text);
        if (is)
            xmlFreeNode(is);
        xmlUnsetProp(c, (const xmlChar *)"t");
        return;
    }
    xmlNodePtr tn = xmlNewTextChild(is, v->ns, (const xmlChar *)"t", text);
    xmlFree(text);
    if (tn == NULL) {
        xmlFreeNode(is);
        xmlUnsetProp(c, (const xmlChar *)"t");
        return;
    }
    xmlSetNsProp(tn, xmlSearchNs(w->doc, tn, (const xmlChar *)"xml"), (const xmlChar *)"space",
                 (const xmlChar *)"preserve");
    xmlAddPrevSibling(v, is);
    node_drop(v);
    xmlSetProp(c, (const xmlChar *)"t", (const xmlChar *)"inlineStr");
}

/* First descendant element in family fam named local, or NULL. */
static xmlNodePtr find_desc(struct walk *w, xmlNodePtr n, enum fam fam, const char *local)
{
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (fam_of(&w->fc, c->ns) == fam && name_is(c, local))
            return c;
        xmlNodePtr d = find_desc(w, c, fam, local);
        if (d != NULL)
            return d;
    }
    return NULL;
}

static xmlNodePtr find_child(struct walk *w, xmlNodePtr n, enum fam fam, const char *local)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && fam_of(&w->fc, c->ns) == fam && name_is(c, local))
            return c;
    return NULL;
}

static int clean_elem(struct walk *w, xmlNodePtr e);

/* Attribute rules: they never remove the element, so they apply to the root too. */
static void clean_attrs(struct walk *w, xmlNodePtr e, enum fam fam)
{
    /* VML shapes carry links outside the relationships. */
    if (is_vml(fam)) {
        for (xmlAttrPtr a = e->properties, next; a; a = next) {
            next = a->next;
            const char *an = (const char *)a->name;
            if (strcmp(an, "href") == 0 || strcmp(an, "althref") == 0 || strcmp(an, "src") == 0) {
                count(w, OOXML_CR_VMLLINK);
                xmlRemoveProp(a);
            }
        }
    }
    if (fam != F_X)
        return;
    if (name_is(e, "workbookView")) {
        sheet_remap(w, e, "activeTab", true);
        sheet_remap(w, e, "firstSheet", true);
    }
    if (name_is(e, "table") || name_is(e, "tableColumn")) {
        /* The query behind a query table is gone; the table stays a table. */
        xmlUnsetProp(e, (const xmlChar *)"tableType");
        xmlUnsetProp(e, (const xmlChar *)"connectionId");
        xmlUnsetProp(e, (const xmlChar *)"queryTableFieldId");
    }
}

/*
 * A PowerPoint OLE frame becomes the picture PowerPoint stores as its
 * preview (the p:pic inside p:oleObj), keeping the frame's id, name and
 * position; without a preview the frame goes.
 */
static int ole_frame_to_picture(struct walk *w, xmlNodePtr frame, xmlNodePtr ole)
{
    count(w, OOXML_CR_OLE);
    xmlNodePtr pic = NULL;
    /* Prefer the fallback branch's picture: it is the one every reader shows. */
    for (xmlNodePtr o = ole; o; o = NULL) {
        xmlNodePtr alt = o->parent;
        if (alt != NULL && alt->parent != NULL)
            alt = alt->parent; /* mc:Choice -> mc:AlternateContent */
        xmlNodePtr any = find_desc(w, frame, F_P, "pic");
        pic = any;
        (void)alt;
    }
    if (pic == NULL) {
        node_drop(frame);
        return CN_REMOVED;
    }
    xmlNodePtr copy = xmlDocCopyNode(pic, w->doc, 1);
    if (copy == NULL) {
        node_drop(frame);
        return CN_REMOVED;
    }
    xmlNodePtr fnv = find_child(w, frame, F_P, "nvGraphicFramePr");
    xmlNodePtr fcnv = find_child(w, fnv, F_P, "cNvPr");
    xmlNodePtr pnv = find_child(w, copy, F_P, "nvPicPr");
    xmlNodePtr pcnv = find_child(w, pnv, F_P, "cNvPr");
    if (fcnv != NULL && pcnv != NULL) {
        static const char *const keep[] = {"id", "name"};
        for (size_t i = 0; i < 2; i++) {
            xmlChar *v = xmlGetNoNsProp(fcnv, (const xmlChar *)keep[i]);
            if (v != NULL)
                xmlSetProp(pcnv, (const xmlChar *)keep[i], v);
            xmlFree(v);
        }
    }
    xmlNodePtr sppr = find_child(w, copy, F_P, "spPr");
    xmlNodePtr fx = find_child(w, frame, F_P, "xfrm");
    if (sppr != NULL && fx != NULL && find_child(w, sppr, F_A, "xfrm") == NULL) {
        xmlNodePtr off = find_child(w, fx, F_A, "off");
        xmlNs *ans = off ? off->ns : NULL;
        xmlNodePtr ax = ans ? xmlNewDocNode(w->doc, ans, (const xmlChar *)"xfrm", NULL) : NULL;
        if (ax != NULL) {
            for (xmlNodePtr k = fx->children; k; k = k->next) {
                xmlNodePtr kc = k->type == XML_ELEMENT_NODE ? xmlDocCopyNode(k, w->doc, 1) : NULL;
                if (kc != NULL)
                    xmlAddChild(ax, kc);
            }
            if (sppr->children != NULL)
                xmlAddPrevSibling(sppr->children, ax);
            else
                xmlAddChild(sppr, ax);
        }
    }
    xmlAddNextSibling(frame, copy);
    xmlReconciliateNs(w->doc, copy);
    node_drop(frame);
    int r = clean_elem(w, copy);
    return r == CN_REMOVE_PARENT ? CN_REMOVE_PARENT : CN_REMOVED;
}

static int clean_children(struct walk *w, xmlNodePtr parent)
{
    for (xmlNodePtr c = parent->children, next; c; c = next) {
        next = c->next;
        if (c->type == XML_PI_NODE || c->type == XML_COMMENT_NODE) {
            node_drop(c);
            continue;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue;
        int r = clean_elem(w, c);
        if (r < 0 || r == CN_REMOVE_PARENT)
            return r;
    }
    return CN_KEEP;
}

static unsigned total(const struct walk *w)
{
    return ooxml_clean_total(w->cc);
}

static int clean_elem(struct walk *w, xmlNodePtr e)
{
    enum fam fam = fam_of(&w->fc, e->ns);

    for (size_t i = 0; i < sizeof(always_remove) / sizeof(always_remove[0]); i++)
        if (always_remove[i].fam == fam && name_is(e, always_remove[i].local)) {
            count(w, always_remove[i].why);
            node_drop(e);
            return CN_REMOVED;
        }

    switch (fam) {
    case F_A:
        if (name_is(e, "hlinkClick") || name_is(e, "hlinkHover") || name_is(e, "hlinkMouseOver")) {
            xmlChar *act = xmlGetNoNsProp(e, (const xmlChar *)"action");
            bool ok = action_ok(act);
            xmlFree(act);
            if (!ok) {
                count(w, OOXML_CR_ACTION);
                node_drop(e);
                return CN_REMOVED;
            }
        }
        break;
    case F_X:
        if (name_is(e, "definedName")) {
            if (!sheet_remap(w, e, "localSheetId", false)) {
                count(w, OOXML_CR_RELREF);
                node_drop(e);
                return CN_REMOVED;
            }
            if (defined_name_bad(w, e)) {
                count(w, OOXML_CR_NAME);
                node_drop(e);
                return CN_REMOVED;
            }
            return CN_KEEP;
        }
        if (name_is(e, "f")) {
            unsigned long si;
            bool bad = false;
            if (shared_si(w, e, &si))
                bad = si >= SHARED_SI_MAX || (si < w->n_si && w->bad_si[si]);
            if (!bad)
                bad = content_formula_risky(e);
            if (bad) {
                /* The cell's type is fixed once its children are done (see below). */
                count(w, OOXML_CR_FORMULA);
                node_drop(e);
                return CN_REMOVED;
            }
            return CN_KEEP;
        }
        if (name_is(e, "formula") || name_is(e, "formula1") || name_is(e, "formula2")) {
            if (content_formula_risky(e)) {
                count(w, OOXML_CR_FORMULA);
                return CN_REMOVE_PARENT;
            }
            return CN_KEEP;
        }
        break;
    case F_XM:
        if (name_is(e, "f")) {
            if (content_formula_risky(e)) {
                count(w, OOXML_CR_FORMULA);
                return CN_REMOVE_PARENT;
            }
            return CN_KEEP;
        }
        break;
    case F_XV:
        if (strncmp((const char *)e->name, "Fmla", 4) == 0) {
            if (content_formula_risky(e)) {
                count(w, OOXML_CR_FORMULA);
                node_drop(e);
                return CN_REMOVED;
            }
        }
        break;
    case F_P:
        if (name_is(e, "graphicFrame")) {
            xmlNodePtr ole = find_desc(w, e, F_P, "oleObj");
            if (ole != NULL)
                return ole_frame_to_picture(w, e, ole);
        }
        break;
    default:
        break;
    }

    /* References to relationships. */
    bool unwrap = false;
    for (xmlAttrPtr a = e->properties, next; a; a = next) {
        next = a->next;
        enum fam af = fam_of(&w->fc, a->ns);
        bool ref = af == F_R || (af == F_O && strcmp((const char *)a->name, "relid") == 0);
        if (!ref)
            continue;
        xmlChar *v = attr_value(a);
        bool ok = v == NULL || v[0] == '\0';
        if (!ok) {
            enum ooxml_rel_use use = rel_use(w, (const char *)v);
            ok = use == OOXML_REL_PART || (use == OOXML_REL_LINK && is_link_elem(fam, e));
        }
        xmlFree(v);
        if (ok)
            continue;
        count(w, OOXML_CR_RELREF);
        if (strcmp((const char *)a->name, "link") == 0 || (fam == F_X && name_is(e, "pageSetup"))) {
            /* A linked picture keeps its embedded copy; a page setup its
             * settings without the printer's binary data. */
            xmlRemoveProp(a);
            continue;
        }
        if (fam == F_W && name_is(e, "hyperlink")) {
            xmlRemoveProp(a); /* the link goes, its text stays */
            unwrap = true;
            continue;
        }
        if (fam == F_P && name_is(e, "snd"))
            return CN_REMOVE_PARENT; /* p:stSnd must hold its sound */
        node_drop(e);
        return CN_REMOVED;
    }

    clean_attrs(w, e, fam);

    unsigned before = total(w), formulas = w->cc->count[OOXML_CR_FORMULA];
    int r = clean_children(w, e);
    if (r < 0)
        return r;
    if (r == CN_REMOVE_PARENT) {
        node_drop(e);
        return CN_REMOVED;
    }
    if (fam == F_X && name_is(e, "c") && w->cc->count[OOXML_CR_FORMULA] != formulas)
        cell_without_formula(w, e);
    /* Animations that pointed at something removed would not load: they go whole. */
    if (fam == F_P && name_is(e, "timing") && total(w) != before) {
        node_drop(e);
        return CN_REMOVED;
    }
    if (unwrap) {
        for (xmlNodePtr c = e->children, next; c; c = next) {
            next = c->next;
            xmlUnlinkNode(c);
            xmlAddPrevSibling(e, c);
        }
        node_drop(e);
        return CN_REMOVED;
    }
    for (size_t i = 0; i < sizeof(remove_if_empty) / sizeof(remove_if_empty[0]); i++)
        if (remove_if_empty[i].fam == fam && name_is(e, remove_if_empty[i].local) &&
            !has_element_child(e)) {
            node_drop(e);
            return CN_REMOVED;
        }
    /* A Word object without its OLE part is a picture: w:pict holds the same VML. */
    if (fam == F_W && name_is(e, "object") && find_child(w, e, F_W, "drawing") == NULL) {
        xmlNodeSetName(e, (const xmlChar *)"pict");
        for (xmlAttrPtr a = e->properties, next; a; a = next) {
            next = a->next;
            xmlRemoveProp(a);
        }
    }
    return CN_KEEP;
}

/* ------------------------------------------------------------------ */

int ooxml_clean_doc(struct ooxml_clean *cc, xmlDocPtr doc)
{
    struct walk w;
    memset(&w, 0, sizeof(w));
    w.cc = cc;
    w.doc = doc;
    cc->why[0] = '\0';
    xmlNodePtr root = xmlDocGetRootElement(doc);
    int rc;
    if (root == NULL) {
        rc = walk_fail(&w, MG_ERR_PARSE, "no root element");
        goto out;
    }
    rc = fld_pass(&w, root);
    if (rc != MG_OK) {
        if (cc->why[0] == '\0')
            walk_fail(&w, rc, "%s", rc == MG_ERR_NOMEM ? "out of memory" : "too many fields");
        goto out;
    }
    enum fam rf = fam_of(&w.fc, root->ns);
    if (rf == F_X && name_is(root, "workbook")) {
        rc = workbook_sheets(&w, root);
        if (rc != MG_OK)
            goto out;
    } else if (rf == F_X && name_is(root, "worksheet")) {
        rc = shared_scan(&w, root);
        if (rc != MG_OK)
            goto out;
    }
    /* The root itself is never removed: its rules apply to what it holds. */
    clean_attrs(&w, root, rf);
    rc = clean_children(&w, root);
    if (rc == CN_REMOVE_PARENT)
        rc = walk_fail(&w, MG_ERR_PARSE, "the part's root element holds a forbidden reference");
    else if (rc >= 0)
        rc = MG_OK;
    for (xmlNodePtr c = doc->children, next; rc == MG_OK && c; c = next) {
        next = c->next;
        if (c->type == XML_PI_NODE || c->type == XML_COMMENT_NODE)
            node_drop(c);
    }
out:
    nodelist_free(&w.del);
    nodelist_free(&w.unwrap);
    for (size_t i = 0; i < w.depth; i++)
        fld_free(&w.stack[i]);
    free(w.sheet_map);
    free(w.bad_si);
    return rc;
}

unsigned ooxml_clean_total(const struct ooxml_clean *cc)
{
    unsigned t = 0;
    for (int i = 0; i < OOXML_CR_COUNT; i++)
        t += cc->count[i];
    return t;
}

void ooxml_clean_report(const struct ooxml_clean *cc, struct report_node *node, const char *part)
{
    static const struct {
        const char *what, *why;
    } text[OOXML_CR_COUNT] = {
            [OOXML_CR_RELREF] = {"element(s) pointing at content that was not kept",
                                 "their target was removed (macros, OLE, external links, ...)"},
            [OOXML_CR_FIELD] = {"field code(s) replaced by their results (DDE, DDEAUTO, "
                                "INCLUDETEXT, INCLUDEPICTURE, LINK, IMPORT, ...)",
                                "such fields run programs or fetch files when updated"},
            [OOXML_CR_FORMULA] = {"formula(s) with DDE, external links or fetching functions; "
                                  "cached values kept",
                                  "DDE formulas run programs; external links fetch data"},
            [OOXML_CR_NAME] = {"defined name(s) that run macros (Auto_Open, Auto_Close, macro "
                               "functions) or link outside",
                               "Excel runs them when the workbook opens or closes"},
            [OOXML_CR_ACTION] = {"click or hover action(s) that run programs, macros or OLE "
                                 "verbs or open files",
                                 "ppaction:// program, macro, ole and hlinkfile actions run code"},
            [OOXML_CR_OLE] = {"OLE object(s); preview pictures kept",
                              "OLE objects run their server application (CVE-2017-11882, "
                              "CVE-2021-40444)"},
            [OOXML_CR_ACTIVEX] = {"ActiveX control(s)", "ActiveX controls run code"},
            [OOXML_CR_MACRO] = {"macro hook(s) (form field and button macros)",
                                "they start macros"},
            [OOXML_CR_EXTDATA] = {"external data setting(s) (attached template, mail merge "
                                  "source, XSLT, frames, update-on-open, document variables, "
                                  "hyperlink base)",
                                  "they fetch data from elsewhere or act when the file opens"},
            [OOXML_CR_VMLLINK] = {"link attribute(s) in VML shapes",
                                  "they fetch files from elsewhere"},
            [OOXML_CR_FONT] = {"embedded font list", "embedded font files are not kept"},
    };
    if (node == NULL)
        return;
    for (int i = 0; i < OOXML_CR_COUNT; i++)
        if (cc->count[i] > 0)
            report_actionf(node, ACTION_REMOVED, text[i].why, "%u %s in %s", cc->count[i],
                           text[i].what, part);
}
