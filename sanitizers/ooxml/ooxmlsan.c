/*
 * ooxmlsan - Office Open XML sanitizer: rebuild a package from what is
 * known safe (see ooxmlsan.h).
 *
 * Order of work:
 *   1. Read every member into memory under the job's limits (ooxml_zip).
 *      Members with OLE2, MZ or ELF magic are set aside whatever their
 *      name says: that is how a VBA project or an OLE object renamed to
 *      image9.png is caught. Two members with one name (OPC compares names
 *      percent-decoded and ignoring case) refuse the package: two readers
 *      could pick different ones. Any XML-looking member with a DOCTYPE
 *      refuses the package (XXE, billion laughs).
 *   2. Walk the relationship graph breadth first from _rels/.rels. A part
 *      is kept only when a relationship of a type on the allowlist
 *      (ooxml_rels) reaches it, its content type is right for that type,
 *      and, for XML, its root element is the one that type names. External
 *      targets are kept only for hyperlinks with http, https or mailto
 *      when the policy keeps hyperlinks.
 *   3. Parse the kept XML parts; send images and embedded documents
 *      through san_member() (depth + 1): an image must come back as an image
 *      Office shows (JPEG, PNG, GIF, BMP, TIFF), an embedded package as
 *      OOXML or ODF, rebuilt by its own sanitizer (an embedded .xlsm comes
 *      back as .xlsx and is renamed). What fails is dropped, and so is
 *      whatever only it led to (a second walk over what survived).
 *   4. Clean each kept XML part (ooxml_clean) knowing exactly which of
 *      its relationships survive, and serialize it.
 *   5. Write a new zip: [Content_Types].xml first (rebuilt for the parts
 *      written, the main part's type macro-free), _rels/.rels, then each
 *      part followed by its rebuilt relationships (absolute targets).
 * A macro-enabled input (docm, xlsm, pptm, dotm, xltm, ppsm, potm) comes
 * out as its macro-free type; ctx->out_type says which.
 *
 * EMF, WMF, SVG and other images without a sanitizer are dropped with the
 * element that shows them (EMF/WMF parsers have a long exploit history);
 * embedded font files, media, OLE binaries, customXml, pivot caches and
 * every other part type off the allowlist are dropped the same way.
 */
#include "ooxmlsan.h"
#include "err.h"
#include "ooxml_clean.h"
#include "ooxml_rels.h"
#include "ooxml_xml.h"
#include "ooxml_zip.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NO_PART SIZE_MAX
/*
 * Deflate level: XML at level 1 comes out a fifth larger than at the
 * default 6 and is written about three times faster; a gateway sanitizes
 * far more documents than it stores.
 */
#define OOXML_ZIP_LEVEL 1
/*
 * Parsed XML parts are kept between the first look (root element) and the
 * cleaning while they are small; larger ones are parsed again, so that a
 * workbook of several big sheets never holds all their trees at once.
 */
#define DOM_KEEP_PART  (4u << 20)
#define DOM_KEEP_TOTAL (16u << 20)
/* Individual report lines for members with executable or OLE2 magic. */
#define MAGIC_REPORT_MAX 32

enum part_state { P_UNSEEN, P_KEEP, P_DROP };

struct relstate {
    bool keep;
    bool dup;      /* another relationship of the part has the same id */
    size_t target; /* part index for internal targets */
};

struct part {
    char *name; /* zip member name (borrowed from the zip) */
    char *key;  /* canonical name */
    const uint8_t *data;
    size_t len;
    const char *skip; /* why the member cannot be a part */
    bool is_rels, is_ct, targeted, reached;
    bool rels_bad; /* its relationship part exists but could not be read */
    enum part_state state;
    const struct ooxml_reltype *rt;
    const char *ctype; /* from [Content_Types].xml (borrowed) */
    const char *out_ctype;
    char *out_name; /* NULL: same as name */
    struct buf out;
    xmlDocPtr doc;
    /* this part's relationships */
    struct ooxml_rels rels;
    struct relstate *rs;
    size_t *by_id; /* indexes of rels sorted by id */
};

struct pkg {
    struct san_ctx *ctx;
    const struct policy *pol;
    struct report_node *node;
    struct ooxml_zip zip;
    struct part *parts;
    size_t n;
    size_t *sorted; /* part indexes sorted by key */
    struct ooxml_ct ct;
    struct part root; /* pseudo-part for _rels/.rels */
    size_t main;
    enum ftype out_type;
    size_t *order; /* kept parts in the order found */
    size_t n_order;
    size_t dom_bytes; /* input bytes of the parsed trees being kept */
    unsigned magic_reported;
};

/* ------------------------------------------------------------------ */
/* Types */

struct ooxml_doctype {
    enum ftype type, macro_free;
    char fam; /* 'w', 'x', 'p' */
    const char *main_ct;
};

static const struct ooxml_doctype doctypes[] = {
        {FT_DOCX, FT_DOCX, 'w',
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"},
        {FT_DOCM, FT_DOCX, 'w', "application/vnd.ms-word.document.macroEnabled.main+xml"},
        {FT_DOTX, FT_DOTX, 'w',
         "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"},
        {FT_DOTM, FT_DOTX, 'w', "application/vnd.ms-word.template.macroEnabledTemplate.main+xml"},
        {FT_XLSX, FT_XLSX, 'x',
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"},
        {FT_XLSM, FT_XLSX, 'x', "application/vnd.ms-excel.sheet.macroEnabled.main+xml"},
        {FT_XLTX, FT_XLTX, 'x',
         "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"},
        {FT_XLTM, FT_XLTX, 'x', "application/vnd.ms-excel.template.macroEnabled.main+xml"},
        {FT_PPTX, FT_PPTX, 'p',
         "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"},
        {FT_PPTM, FT_PPTX, 'p', "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"},
        {FT_PPSX, FT_PPSX, 'p',
         "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml"},
        {FT_PPSM, FT_PPSX, 'p', "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml"},
        {FT_POTX, FT_POTX, 'p',
         "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"},
        {FT_POTM, FT_POTX, 'p', "application/vnd.ms-powerpoint.template.macroEnabled.main+xml"},
};

static const struct ooxml_doctype *doctype_by_ct(const char *ct)
{
    for (size_t i = 0; ct && i < sizeof(doctypes) / sizeof(doctypes[0]); i++)
        if (strcasecmp(ct, doctypes[i].main_ct) == 0)
            return &doctypes[i];
    return NULL;
}

static const struct ooxml_doctype *doctype_by_type(enum ftype t)
{
    for (size_t i = 0; i < sizeof(doctypes) / sizeof(doctypes[0]); i++)
        if (doctypes[i].type == t)
            return &doctypes[i];
    return NULL;
}

/* Content types for what dispatch hands back. */
static const struct {
    enum ftype type;
    enum ooxml_kind kind;
    const char *ct;
} out_cts[] = {
        {FT_JPEG, OOXML_KIND_IMAGE, "image/jpeg"},
        {FT_PNG, OOXML_KIND_IMAGE, "image/png"},
        {FT_GIF, OOXML_KIND_IMAGE, "image/gif"},
        {FT_BMP, OOXML_KIND_IMAGE, "image/bmp"},
        {FT_TIFF, OOXML_KIND_IMAGE, "image/tiff"},
        {FT_DOCX, OOXML_KIND_PACKAGE,
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        {FT_DOTX, OOXML_KIND_PACKAGE,
         "application/vnd.openxmlformats-officedocument.wordprocessingml.template"},
        {FT_XLSX, OOXML_KIND_PACKAGE,
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {FT_XLTX, OOXML_KIND_PACKAGE,
         "application/vnd.openxmlformats-officedocument.spreadsheetml.template"},
        {FT_PPTX, OOXML_KIND_PACKAGE,
         "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
        {FT_PPSX, OOXML_KIND_PACKAGE,
         "application/vnd.openxmlformats-officedocument.presentationml.slideshow"},
        {FT_POTX, OOXML_KIND_PACKAGE,
         "application/vnd.openxmlformats-officedocument.presentationml.template"},
        {FT_ODT, OOXML_KIND_PACKAGE, "application/vnd.oasis.opendocument.text"},
        {FT_ODS, OOXML_KIND_PACKAGE, "application/vnd.oasis.opendocument.spreadsheet"},
        {FT_ODP, OOXML_KIND_PACKAGE, "application/vnd.oasis.opendocument.presentation"},
        {FT_OTT, OOXML_KIND_PACKAGE, "application/vnd.oasis.opendocument.text-template"},
        {FT_OTS, OOXML_KIND_PACKAGE, "application/vnd.oasis.opendocument.spreadsheet-template"},
        {FT_OTP, OOXML_KIND_PACKAGE, "application/vnd.oasis.opendocument.presentation-template"},
};

static const char *out_ct_for(enum ftype t, enum ooxml_kind kind)
{
    for (size_t i = 0; i < sizeof(out_cts) / sizeof(out_cts[0]); i++)
        if (out_cts[i].type == t && out_cts[i].kind == kind)
            return out_cts[i].ct;
    return NULL;
}

#define CT_RELS "application/vnd.openxmlformats-package.relationships+xml"
#define CT_VML  "application/vnd.openxmlformats-officedocument.vmlDrawing"

/* Content types whose very name says macro, VBA, OLE or ActiveX. */
static bool ct_names_active(const char *ct)
{
    static const char *const bad[] = {"macro", "vba", "activex", "oleobject", "binary"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (strcasestr(ct, bad[i]) != NULL)
            return true;
    return false;
}

/* A content type an XML part may carry. */
static bool ct_xml_ok(const char *ct)
{
    size_t n = strlen(ct);
    if (n == 0 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)ct[i];
        if (c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '&')
            return false;
    }
    if (ct_names_active(ct))
        return false;
    return (n > 4 && strcasecmp(ct + n - 4, "+xml") == 0) ||
           strcasecmp(ct, "application/xml") == 0 || strcasecmp(ct, "text/xml") == 0 ||
           strcasecmp(ct, CT_VML) == 0;
}

/* ------------------------------------------------------------------ */
/* Small helpers */

static bool magic_ole2(const uint8_t *d, size_t n)
{
    return n >= 8 && memcmp(d, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0;
}

/* What a member's first bytes say it is, when that rules it out as a part. */
static const char *magic_problem(const uint8_t *d, size_t n)
{
    if (magic_ole2(d, n))
        return "OLE2 compound file (a VBA project or OLE object, whatever its name)";
    if (n >= 2 && d[0] == 'M' && d[1] == 'Z')
        return "Windows executable (MZ)";
    if (n >= 4 && memcmp(d,
                         "\x7F"
                         "ELF",
                         4) == 0)
        return "ELF executable";
    return NULL;
}

/* The part name a report shows: the zip name. */
static const char *pname(const struct part *p)
{
    return p->out_name ? p->out_name : p->name;
}

static int pkg_fail(struct pkg *pk, int rc, enum reason code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int pkg_fail(struct pkg *pk, int rc, enum reason code, const char *fmt, ...)
{
    char msg[REPORT_STR_MAX];
    va_list ap;
    va_start(ap, fmt);
    rc = report_vfail(pk->node, rc, code, msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return rc;
}

static void note(struct pkg *pk, enum report_act action, const char *why, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* A report line; verification runs without a report node. */
static void note(struct pkg *pk, enum report_act action, const char *why, const char *fmt, ...)
{
    if (pk->node == NULL)
        return;
    char what[REPORT_STR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    report_action(pk->node, action, what, why);
}

static enum reason rc_code(int rc)
{
    switch (rc) {
    case MG_ERR_NOMEM:
        return REASON_NO_MEMORY;
    case MG_ERR_LIMIT:
        return REASON_LIMIT;
    case MG_ERR_ENCRYPTED:
        return REASON_ENCRYPTED;
    case MG_ERR_UNSUPPORTED:
        return REASON_UNSUPPORTED;
    case MG_ERR_BLOCKED:
        return REASON_ACTIVE_CONTENT;
    default:
        return REASON_PARSE_ERROR;
    }
}

/* ------------------------------------------------------------------ */
/* Members to parts */

static int part_cmp(const void *a, const void *b, void *arg)
{
    const struct pkg *pk = arg;
    return strcmp(pk->parts[*(const size_t *)a].key, pk->parts[*(const size_t *)b].key);
}

static size_t find_part(const struct pkg *pk, const char *key)
{
    size_t lo = 0, hi = pk->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(pk->parts[pk->sorted[mid]].key, key);
        if (c == 0)
            return pk->sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NO_PART;
}

/*
 * Whether key names a relationship part (DIR/_rels/NAME.rels), and if so the
 * key of the part it belongs to (DIR/NAME; "" for the package's _rels/.rels).
 */
static bool rels_source(const char *key, char *src, size_t srclen)
{
    size_t n = strlen(key);
    const char *base = strrchr(key, '/');
    if (n < 11 || base == NULL || strcmp(key + n - 5, ".rels") != 0)
        return false;
    size_t dir = (size_t)(base - key); /* ".../_rels" */
    if (dir < 5 || memcmp(base - 5, "_rels", 5) != 0 || (dir > 5 && base[-6] != '/'))
        return false;
    size_t prefix = dir - 5, bl = strlen(base + 1) - 5;
    if (prefix + bl + 1 > srclen)
        return false;
    memcpy(src, key, prefix);
    memcpy(src + prefix, base + 1, bl);
    src[prefix + bl] = '\0';
    return true;
}

static bool key_is_rels(const char *key)
{
    char src[OOXML_KEY_MAX];
    return rels_source(key, src, sizeof(src));
}

static int pkg_members(struct pkg *pk)
{
    pk->parts = calloc(pk->zip.n ? pk->zip.n : 1, sizeof(*pk->parts));
    pk->sorted = calloc(pk->zip.n ? pk->zip.n : 1, sizeof(*pk->sorted));
    if (pk->parts == NULL || pk->sorted == NULL)
        return pkg_fail(pk, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < pk->zip.n; i++) {
        struct ooxml_member *m = &pk->zip.m[i];
        if (m->skip != NULL) {
            note(pk, ACTION_REMOVED, m->skip, "zip member \"%s\"", m->name);
            continue;
        }
        char key[OOXML_KEY_MAX];
        if (!ooxml_part_key(m->name, key, sizeof(key))) {
            note(pk, ACTION_REMOVED, "not a valid part name", "zip member \"%s\"", m->name);
            continue;
        }
        if (ooxml_xml_has_doctype(m->data, m->len) && ooxml_xml_name_looks_xml(key))
            return pkg_fail(pk, MG_ERR_BLOCKED, REASON_ACTIVE_CONTENT,
                            "part %s declares a DOCTYPE (DTDs are forbidden in packages; "
                            "used for external entities and entity expansion bombs)",
                            m->name);
        struct part *p = &pk->parts[pk->n];
        p->name = m->name;
        p->key = strdup(key);
        if (p->key == NULL)
            return pkg_fail(pk, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
        p->data = m->data;
        p->len = m->len;
        p->skip = magic_problem(m->data, m->len);
        p->is_ct = strcmp(key, "[content_types].xml") == 0;
        p->is_rels = key_is_rels(key);
        buf_init(&p->out, pk->pol->max_output_size);
        if (p->skip != NULL && pk->magic_reported++ < MAGIC_REPORT_MAX)
            note(pk, ACTION_REMOVED,
                 "parts are judged by content; this one is not document content", "part %s: %s",
                 m->name, p->skip);
        pk->sorted[pk->n] = pk->n;
        pk->n++;
    }
    qsort_r(pk->sorted, pk->n, sizeof(*pk->sorted), part_cmp, pk);
    for (size_t i = 1; i < pk->n; i++)
        if (strcmp(pk->parts[pk->sorted[i - 1]].key, pk->parts[pk->sorted[i]].key) == 0)
            return pkg_fail(pk, MG_ERR_PARSE, REASON_PARSE_ERROR,
                            "two members are the same part (%s and %s): readers could disagree",
                            pk->parts[pk->sorted[i - 1]].name, pk->parts[pk->sorted[i]].name);
    return MG_OK;
}

static void part_free(struct part *p)
{
    free(p->key);
    free(p->out_name);
    buf_free(&p->out);
    if (p->doc != NULL)
        xmlFreeDoc(p->doc);
    ooxml_rels_free(&p->rels);
    free(p->rs);
    free(p->by_id);
}

static void pkg_free(struct pkg *pk)
{
    for (size_t i = 0; i < pk->n; i++)
        part_free(&pk->parts[i]);
    part_free(&pk->root);
    free(pk->parts);
    free(pk->sorted);
    free(pk->order);
    ooxml_ct_free(&pk->ct);
    ooxml_zip_free(&pk->zip);
}

/* Parse an XML member; a DOCTYPE anywhere refuses the package. */
static int pkg_parse(struct pkg *pk, const struct part *p, xmlDocPtr *doc, bool *dropped)
{
    char why[256];
    *dropped = false;
    int rc = ooxml_xml_parse(p->data, p->len, doc, why, sizeof(why));
    if (rc == MG_OK)
        return MG_OK;
    if (rc == MG_ERR_BLOCKED)
        return pkg_fail(pk, rc, REASON_ACTIVE_CONTENT, "part %s: %s", p->name, why);
    if (rc == MG_ERR_NOMEM || rc == MG_ERR_LIMIT)
        return pkg_fail(pk, rc, REASON_LIMIT, "part %s: %s", p->name, why);
    *dropped = true;
    note(pk, ACTION_REMOVED, why, "part %s (not usable XML)", p->name);
    return MG_OK;
}

/* ------------------------------------------------------------------ */
/* Relationships */

static int rel_id_cmp(const void *a, const void *b, void *arg)
{
    const struct part *src = arg;
    const char *ia = src->rels.r[*(const size_t *)a].id;
    const char *ib = src->rels.r[*(const size_t *)b].id;
    return strcmp(ia ? ia : "", ib ? ib : "");
}

/* Read a part's relationships (its _rels/NAME.rels member) and index them by id. */
static int part_load_rels(struct pkg *pk, struct part *src, const char *src_key)
{
    char rname[OOXML_KEY_MAX + 16], rkey[OOXML_KEY_MAX];
    if (!ooxml_rels_name(src_key, rname, sizeof(rname)) ||
        !ooxml_part_key(rname, rkey, sizeof(rkey)))
        return MG_OK;
    size_t ri = find_part(pk, rkey);
    if (ri == NO_PART)
        return MG_OK;
    struct part *rp = &pk->parts[ri];
    rp->reached = true;
    if (rp->skip != NULL)
        return MG_OK;
    xmlDocPtr doc = NULL;
    bool dropped;
    int rc = pkg_parse(pk, rp, &doc, &dropped);
    if (rc != MG_OK || dropped) {
        src->rels_bad = dropped;
        return rc;
    }
    char why[256];
    rc = ooxml_rels_parse(doc, &src->rels, why, sizeof(why));
    xmlFreeDoc(doc);
    if (rc == MG_ERR_NOMEM || rc == MG_ERR_LIMIT)
        return pkg_fail(pk, rc, REASON_LIMIT, "%s: %s", rp->name, why);
    if (rc != MG_OK) {
        src->rels_bad = true;
        note(pk, ACTION_REMOVED, why, "relationships %s", rp->name);
        return MG_OK;
    }
    size_t n = src->rels.n;
    src->rs = calloc(n ? n : 1, sizeof(*src->rs));
    src->by_id = calloc(n ? n : 1, sizeof(*src->by_id));
    if (src->rs == NULL || src->by_id == NULL)
        return pkg_fail(pk, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++) {
        src->by_id[i] = i;
        src->rs[i].target = NO_PART;
    }
    qsort_r(src->by_id, n, sizeof(*src->by_id), rel_id_cmp, src);
    /* Two relationships with one id: which one an element means is
     * ambiguous, so neither is kept. */
    for (size_t k = 1; k < n; k++) {
        const char *a = src->rels.r[src->by_id[k - 1]].id, *b = src->rels.r[src->by_id[k]].id;
        if (strcmp(a ? a : "", b ? b : "") == 0) {
            src->rs[src->by_id[k - 1]].dup = true;
            src->rs[src->by_id[k]].dup = true;
        }
    }
    return MG_OK;
}

static size_t rel_find(const struct part *src, const char *id)
{
    size_t lo = 0, hi = src->rels.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *mid_id = src->rels.r[src->by_id[mid]].id;
        int c = strcmp(mid_id ? mid_id : "", id);
        if (c == 0)
            return src->by_id[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NO_PART;
}

/* An id a relationship may have: unique in its part and a plausible XML ID. */
static bool rel_id_ok(const struct part *src, size_t i)
{
    const char *id = src->rels.r[i].id;
    if (id == NULL || id[0] == '\0' || strlen(id) > 255)
        return false;
    for (const char *p = id; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c == '"' || c == '<' || c == '>' || c == '&' || c == 0x7F)
            return false;
    }
    return !src->rs[i].dup;
}

static void rel_drop(struct pkg *pk, const struct part *src, size_t i, const char *why)
{
    const struct ooxml_rel *r = &src->rels.r[i];
    char target[160];
    snprintf(target, sizeof(target), "%s", r->target ? r->target : "");
    if (r->target && strlen(r->target) >= sizeof(target))
        memcpy(target + sizeof(target) - 4, "...", 4);
    note(pk, ACTION_REMOVED, why, "relationship %s (%s%s) from %s to %s", r->id ? r->id : "?",
         ooxml_reltype_short(r->type), r->external ? ", external" : "",
         src == &pk->root ? "the package" : pname(src), target);
}

static int queue_push(struct pkg *pk, size_t idx)
{
    if (pk->order == NULL) {
        pk->order = calloc(pk->n ? pk->n : 1, sizeof(*pk->order));
        if (pk->order == NULL)
            return MG_ERR_NOMEM;
    }
    if (pk->n_order >= pk->n)
        return MG_ERR_INTERNAL;
    pk->order[pk->n_order++] = idx;
    return MG_OK;
}

/* Decide one relationship of src; may add its target to the walk. */
static int rel_decide(struct pkg *pk, struct part *src, size_t i)
{
    struct ooxml_rel *r = &src->rels.r[i];
    bool at_root = src == &pk->root;
    if (!rel_id_ok(src, i)) {
        rel_drop(pk, src, i, "missing, malformed or duplicate relationship id");
        return MG_OK;
    }
    const struct ooxml_reltype *rt = ooxml_reltype_find(r->type);
    if (rt == NULL) {
        rel_drop(pk, src, i, ooxml_reltype_why(r->type));
        return MG_OK;
    }
    if ((rt->flags & OOXML_RT_ROOT) && !at_root) {
        rel_drop(pk, src, i, "this relationship type belongs to the package only");
        return MG_OK;
    }
    if (r->external || rt->kind == OOXML_KIND_HYPERLINK) {
        if (!r->external) {
            rel_drop(pk, src, i, "a hyperlink relationship must point outside the package");
            return MG_OK;
        }
        if (rt->kind != OOXML_KIND_HYPERLINK) {
            rel_drop(pk, src, i,
                     "external target: content fetched from elsewhere when the file opens");
            return MG_OK;
        }
        if (!pk->pol->keep_hyperlinks) {
            rel_drop(pk, src, i, "the policy removes hyperlinks (keep_hyperlinks = no)");
            return MG_OK;
        }
        if (!ooxml_link_scheme_ok(r->target)) {
            rel_drop(pk, src, i, "hyperlink scheme other than http, https or mailto");
            return MG_OK;
        }
        src->rs[i].keep = true;
        return MG_OK;
    }
    char key[OOXML_KEY_MAX];
    if (!ooxml_resolve_target(at_root ? "" : src->key, r->target, key, sizeof(key))) {
        rel_drop(pk, src, i, "target is not a part name inside the package");
        return MG_OK;
    }
    size_t ti = find_part(pk, key);
    if (ti == NO_PART) {
        rel_drop(pk, src, i, "target part does not exist");
        return MG_OK;
    }
    struct part *t = &pk->parts[ti];
    t->targeted = true;
    if (t->is_ct || t->is_rels || t == src) {
        rel_drop(pk, src, i, "target is package structure, not content");
        return MG_OK;
    }
    if (t->skip != NULL) {
        rel_drop(pk, src, i, t->skip);
        return MG_OK;
    }
    if (t->state == P_DROP) {
        rel_drop(pk, src, i, "target part was not kept");
        return MG_OK;
    }
    if ((rt->flags & OOXML_RT_MAIN) && pk->main != NO_PART && pk->main != ti)
        return pkg_fail(pk, MG_ERR_PARSE, REASON_PARSE_ERROR,
                        "the package has more than one main document part");
    if (t->state == P_KEEP) {
        /* Reached again: fine if for the same purpose. */
        if (t->rt->kind != rt->kind ||
            (rt->kind == OOXML_KIND_XML && strcmp(t->rt->roots, rt->roots) != 0)) {
            rel_drop(pk, src, i, "target part is already used as another kind of part");
            return MG_OK;
        }
        src->rs[i].keep = true;
        src->rs[i].target = ti;
        if (rt->flags & OOXML_RT_MAIN)
            pk->main = ti;
        return MG_OK;
    }
    t->ctype = ooxml_ct_lookup(&pk->ct, t->key);
    if (t->ctype == NULL) {
        t->state = P_DROP;
        rel_drop(pk, src, i, "target part has no content type");
        return MG_OK;
    }
    if (rt->kind == OOXML_KIND_XML && !(rt->flags & OOXML_RT_MAIN) && !ct_xml_ok(t->ctype)) {
        t->state = P_DROP;
        char why[REPORT_STR_MAX];
        snprintf(why, sizeof(why), "content type %.200s is not an allowed %s part", t->ctype,
                 ooxml_reltype_short(rt->type));
        rel_drop(pk, src, i, why);
        return MG_OK;
    }
    t->state = P_KEEP;
    t->rt = rt;
    src->rs[i].keep = true;
    src->rs[i].target = ti;
    if (rt->flags & OOXML_RT_MAIN)
        pk->main = ti;
    int rc = queue_push(pk, ti);
    if (rc != MG_OK)
        return pkg_fail(pk, rc, REASON_LIMIT, "out of memory");
    return MG_OK;
}

static int pkg_walk(struct pkg *pk)
{
    int rc = part_load_rels(pk, &pk->root, "");
    if (rc != MG_OK)
        return rc;
    if (pk->root.rels.n == 0)
        return pkg_fail(pk, MG_ERR_PARSE, REASON_PARSE_ERROR,
                        "no package relationships (_rels/.rels): not an Office document");
    for (size_t i = 0; i < pk->root.rels.n; i++) {
        rc = rel_decide(pk, &pk->root, i);
        if (rc != MG_OK)
            return rc;
    }
    for (size_t q = 0; q < pk->n_order; q++) {
        struct part *p = &pk->parts[pk->order[q]];
        if (p->rt->kind != OOXML_KIND_XML)
            continue;
        rc = part_load_rels(pk, p, p->key);
        if (rc != MG_OK)
            return rc;
        for (size_t i = 0; i < p->rels.n; i++) {
            rc = rel_decide(pk, p, i);
            if (rc != MG_OK)
                return rc;
        }
    }
    if (pk->main == NO_PART)
        return pkg_fail(pk, MG_ERR_PARSE, REASON_PARSE_ERROR,
                        "no main document part (officeDocument relationship)");
    return MG_OK;
}

/* ------------------------------------------------------------------ */
/* Parts: XML parsing, dispatch of images and embedded documents */

static const char *const fam_ns[3][2] = {
        {"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
         "http://purl.oclc.org/ooxml/wordprocessingml/main"},
        {"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
         "http://purl.oclc.org/ooxml/spreadsheetml/main"},
        {"http://schemas.openxmlformats.org/presentationml/2006/main",
         "http://purl.oclc.org/ooxml/presentationml/main"},
};

static int pkg_main_type(struct pkg *pk, struct part *m, xmlNodePtr root)
{
    const struct ooxml_doctype *dt = doctype_by_ct(m->ctype);
    if (dt == NULL)
        return pkg_fail(pk, MG_ERR_UNSUPPORTED, REASON_UNSUPPORTED,
                        "main part %s has content type %.200s, not a document, workbook or "
                        "presentation this sanitizer rebuilds",
                        m->name, m->ctype ? m->ctype : "(none)");
    int f = dt->fam == 'w' ? 0 : dt->fam == 'x' ? 1 : 2;
    static const char *const roots[3] = {"document", "workbook", "presentation"};
    const char *href = root->ns && root->ns->href ? (const char *)root->ns->href : "";
    if (strcmp((const char *)root->name, roots[f]) != 0 ||
        (strcmp(href, fam_ns[f][0]) != 0 && strcmp(href, fam_ns[f][1]) != 0))
        return pkg_fail(pk, MG_ERR_PARSE, REASON_PARSE_ERROR,
                        "main part %s does not hold what its content type says", m->name);
    pk->out_type = dt->macro_free;
    const struct ooxml_doctype *out = doctype_by_type(dt->macro_free);
    m->out_ctype = out->main_ct;
    if (dt->type != dt->macro_free)
        note(pk, ACTION_REWROTE, "the rebuilt document has no macros",
             "main part content type %s to %s (%s to %s)", dt->main_ct, out->main_ct,
             ftype_info(dt->type)->name, ftype_info(dt->macro_free)->name);
    return MG_OK;
}

static int pkg_parse_xml(struct pkg *pk, size_t idx)
{
    struct part *p = &pk->parts[idx];
    if (p->state != P_KEEP || p->rt == NULL)
        return pkg_fail(pk, MG_ERR_INTERNAL, REASON_INTERNAL, "part %s parsed but not kept",
                        p->name);
    bool dropped;
    int rc = pkg_parse(pk, p, &p->doc, &dropped);
    if (rc != MG_OK)
        return rc;
    if (dropped) {
        p->state = P_DROP;
        if (idx == pk->main)
            return pkg_fail(pk, MG_ERR_PARSE, REASON_PARSE_ERROR, "main part %s is not usable XML",
                            p->name);
        return MG_OK;
    }
    xmlNodePtr root = xmlDocGetRootElement(p->doc);
    if (!ooxml_reltype_root_ok(p->rt, (const char *)root->name)) {
        if (idx == pk->main)
            return pkg_fail(pk, MG_ERR_PARSE, REASON_PARSE_ERROR,
                            "main part %s has root element <%s>", p->name, root->name);
        p->state = P_DROP;
        note(pk, ACTION_REMOVED, "a part must hold what its relationship type says",
             "part %s (root element <%.60s> in a %s part)", p->name, root->name,
             ooxml_reltype_short(p->rt->type));
        return MG_OK;
    }
    if (idx == pk->main)
        rc = pkg_main_type(pk, p, root);
    else
        p->out_ctype = p->ctype;
    if (p->len > DOM_KEEP_PART || pk->dom_bytes + p->len > DOM_KEEP_TOTAL) {
        xmlFreeDoc(p->doc);
        p->doc = NULL;
    } else {
        pk->dom_bytes += p->len;
    }
    return rc;
}

/* A unique name for a renamed embedded package: same folder and stem, new extension. */
static int pkg_rename(struct pkg *pk, struct part *p, enum ftype t)
{
    const char *ext = ftype_info(t)->ext;
    const char *old_ext = ooxml_part_ext(p->name);
    if (strcasecmp(old_ext, ext) == 0)
        return MG_OK;
    size_t stem = strlen(p->name) - (*old_ext ? strlen(old_ext) + 1 : 0);
    for (int k = 0; k < 100; k++) {
        char name[OOXML_NAME_MAX + 32], key[OOXML_KEY_MAX];
        if (k == 0)
            snprintf(name, sizeof(name), "%.*s.%s", (int)stem, p->name, ext);
        else
            snprintf(name, sizeof(name), "%.*s_%d.%s", (int)stem, p->name, k, ext);
        if (!ooxml_part_key(name, key, sizeof(key)) || strlen(name) > OOXML_NAME_MAX)
            return MG_ERR_LIMIT;
        bool taken = find_part(pk, key) != NO_PART;
        for (size_t i = 0; !taken && i < pk->n; i++)
            taken = pk->parts[i].out_name && strcasecmp(pk->parts[i].out_name, name) == 0;
        if (taken)
            continue;
        p->out_name = strdup(name);
        if (p->out_name == NULL)
            return MG_ERR_NOMEM;
        note(pk, ACTION_REWROTE, "the name now says what the part is",
             "embedded document %s renamed to %s", p->name, name);
        return MG_OK;
    }
    return MG_ERR_LIMIT;
}

static int pkg_dispatch(struct pkg *pk, size_t idx)
{
    struct part *p = &pk->parts[idx];
    struct san_member_result res;
    int rc = san_member(pk->ctx, pk->node, p->name, p->data, p->len, &p->out, &res);
    if (rc != MG_OK) {
        if (res.fatal)
            return pkg_fail(pk, rc, rc == MG_ERR_NOMEM ? REASON_NO_MEMORY : REASON_LIMIT,
                            "part %s: %s", p->name, res.why);
        p->state = P_DROP;
        note(pk, ACTION_REMOVED, res.why, "%s %s (could not be sanitized)",
             p->rt->kind == OOXML_KIND_IMAGE ? "image" : "embedded document", p->name);
        return MG_OK;
    }
    enum ftype t = res.out_type;
    p->out_ctype = out_ct_for(t, p->rt->kind);
    if (p->out_ctype == NULL) {
        p->state = P_DROP;
        note(pk, ACTION_REMOVED,
             p->rt->kind == OOXML_KIND_IMAGE
                     ? "Office cannot show this image type in a document"
                     : "only Office and OpenDocument files are kept as embeddings",
             "%s %s (%s)", p->rt->kind == OOXML_KIND_IMAGE ? "image" : "embedding", p->name,
             ftype_info(t)->label);
        return MG_OK;
    }
    if (p->rt->kind == OOXML_KIND_PACKAGE) {
        rc = pkg_rename(pk, p, t);
        if (rc != MG_OK)
            return pkg_fail(pk, rc, REASON_LIMIT, "cannot name the embedded document %s", p->name);
    }
    return MG_OK;
}

/*
 * Second walk over what survived parsing and dispatch: a relationship to a
 * dropped part is dropped, and a part no surviving relationship reaches
 * goes too.
 */
static int pkg_prune(struct pkg *pk)
{
    size_t *queue = calloc(pk->n ? pk->n : 1, sizeof(*queue));
    if (queue == NULL)
        return pkg_fail(pk, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    size_t qn = 0;
    for (size_t i = 0; i < pk->n; i++)
        pk->parts[i].reached = false;
    struct part *src = &pk->root;
    for (size_t q = 0;; q++) {
        for (size_t i = 0; i < src->rels.n; i++) {
            struct relstate *rs = &src->rs[i];
            if (!rs->keep || rs->target == NO_PART)
                continue;
            struct part *t = &pk->parts[rs->target];
            if (t->state != P_KEEP) {
                rs->keep = false;
                rel_drop(pk, src, i, "its target was removed");
                continue;
            }
            if (!t->reached) {
                t->reached = true;
                queue[qn++] = rs->target;
            }
        }
        if (q >= qn)
            break;
        src = &pk->parts[queue[q]];
    }
    free(queue);
    if (pk->parts[pk->main].state != P_KEEP || !pk->parts[pk->main].reached)
        return pkg_fail(pk, MG_ERR_PARSE, REASON_PARSE_ERROR, "the main document part was removed");
    for (size_t q = 0; q < pk->n_order; q++) {
        struct part *p = &pk->parts[pk->order[q]];
        if (p->state == P_KEEP && !p->reached) {
            p->state = P_DROP;
            note(pk, ACTION_REMOVED, "only what the document still refers to is kept",
                 "part %s (no longer referenced)", p->name);
        }
    }
    return MG_OK;
}

/* ------------------------------------------------------------------ */
/* Cleaning and writing */

static enum ooxml_rel_use part_rel_use(void *arg, const char *id)
{
    const struct part *p = arg;
    size_t i = rel_find(p, id);
    /* A duplicate id was never kept (rel_id_ok). */
    if (i == NO_PART || !p->rs[i].keep)
        return OOXML_REL_NONE;
    return p->rels.r[i].external ? OOXML_REL_LINK : OOXML_REL_PART;
}

static int pkg_clean(struct pkg *pk, size_t idx)
{
    struct part *p = &pk->parts[idx];
    struct ooxml_clean cc;
    memset(&cc, 0, sizeof(cc));
    cc.keep_hyperlinks = pk->pol->keep_hyperlinks;
    cc.rel_use = part_rel_use;
    cc.rel_arg = p;
    int rc;
    if (p->doc == NULL) {
        char why[256];
        rc = ooxml_xml_parse(p->data, p->len, &p->doc, why, sizeof(why));
        if (rc != MG_OK)
            return pkg_fail(pk, rc, rc_code(rc), "part %s: %s", p->name, why);
    }
    rc = ooxml_clean_doc(&cc, p->doc);
    if (rc != MG_OK)
        return pkg_fail(pk, rc, rc_code(rc), "part %s: %s", p->name, cc.why);
    ooxml_clean_report(&cc, pk->node, p->name);
    rc = ooxml_xml_save(p->doc, &p->out);
    xmlFreeDoc(p->doc);
    p->doc = NULL;
    if (rc != MG_OK)
        return pkg_fail(pk, rc, REASON_LIMIT, "cannot write part %s (%s)", p->name, err_str(rc));
    return MG_OK;
}

static int put_rels(const struct pkg *pk, const struct part *src, struct buf *out, bool *any)
{
    int rc = buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
                           "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/"
                           "2006/relationships\">");
    *any = false;
    for (size_t i = 0; rc == MG_OK && i < src->rels.n; i++) {
        if (!src->rs[i].keep)
            continue;
        const struct ooxml_rel *r = &src->rels.r[i];
        *any = true;
        rc = buf_puts(out, "<Relationship Id=\"");
        if (rc == MG_OK)
            rc = ooxml_xml_escape_attr(out, r->id);
        if (rc == MG_OK)
            rc = buf_puts(out, "\" Type=\"");
        if (rc == MG_OK)
            rc = ooxml_xml_escape_attr(out, r->type);
        if (rc == MG_OK)
            rc = buf_puts(out, "\" Target=\"");
        if (rc == MG_OK) {
            if (r->external)
                rc = ooxml_xml_escape_attr(out, r->target);
            else {
                rc = buf_putc(out, '/');
                if (rc == MG_OK)
                    rc = ooxml_xml_escape_attr(out, pname(&pk->parts[src->rs[i].target]));
            }
        }
        if (rc == MG_OK)
            rc = buf_puts(out, r->external ? "\" TargetMode=\"External\"/>" : "\"/>");
    }
    if (rc == MG_OK)
        rc = buf_puts(out, "</Relationships>");
    return rc;
}

/* [Content_Types].xml for the parts written: Defaults where an extension has one type. */
static int put_content_types(struct pkg *pk, struct buf *out)
{
    int rc = buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
                           "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
                           "content-types\"><Default Extension=\"rels\" ContentType=\"" CT_RELS
                           "\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>");
    /* Defaults: an extension (other than rels and xml) whose parts all share one type. */
    char **exts = calloc(pk->n_order ? pk->n_order : 1, sizeof(*exts));
    const char **types = calloc(pk->n_order ? pk->n_order : 1, sizeof(*types));
    bool *mixed = calloc(pk->n_order ? pk->n_order : 1, sizeof(*mixed));
    size_t ne = 0;
    if (exts == NULL || types == NULL || mixed == NULL)
        rc = MG_ERR_NOMEM;
    for (size_t q = 0; rc == MG_OK && q < pk->n_order; q++) {
        struct part *p = &pk->parts[pk->order[q]];
        if (p->state != P_KEEP)
            continue;
        const char *ext = ooxml_part_ext(pname(p));
        if (*ext == '\0' || strcasecmp(ext, "xml") == 0 || strcasecmp(ext, "rels") == 0)
            continue;
        size_t k = 0;
        while (k < ne && strcasecmp(exts[k], ext) != 0)
            k++;
        if (k == ne) {
            exts[ne] = strdup(ext);
            if (exts[ne] == NULL) {
                rc = MG_ERR_NOMEM;
                break;
            }
            for (char *c = exts[ne]; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c + 32);
            types[ne++] = p->out_ctype;
        } else if (strcasecmp(types[k], p->out_ctype) != 0) {
            mixed[k] = true;
        }
    }
    for (size_t k = 0; rc == MG_OK && k < ne; k++) {
        if (mixed[k])
            continue;
        rc = buf_puts(out, "<Default Extension=\"");
        if (rc == MG_OK)
            rc = ooxml_xml_escape_attr(out, exts[k]);
        if (rc == MG_OK)
            rc = buf_puts(out, "\" ContentType=\"");
        if (rc == MG_OK)
            rc = ooxml_xml_escape_attr(out, types[k]);
        if (rc == MG_OK)
            rc = buf_puts(out, "\"/>");
    }
    /* Overrides: the main part first (readers take the first main type they see). */
    for (size_t pass = 0; pass < 2 && rc == MG_OK; pass++) {
        for (size_t q = 0; rc == MG_OK && q < pk->n_order; q++) {
            size_t idx = pk->order[q];
            struct part *p = &pk->parts[idx];
            if (p->state != P_KEEP || (pass == 0) != (idx == pk->main))
                continue;
            const char *ext = ooxml_part_ext(pname(p));
            size_t k = 0;
            while (k < ne && strcasecmp(exts[k], ext) != 0)
                k++;
            if (k < ne && !mixed[k])
                continue;
            rc = buf_puts(out, "<Override PartName=\"/");
            if (rc == MG_OK)
                rc = ooxml_xml_escape_attr(out, pname(p));
            if (rc == MG_OK)
                rc = buf_puts(out, "\" ContentType=\"");
            if (rc == MG_OK)
                rc = ooxml_xml_escape_attr(out, p->out_ctype);
            if (rc == MG_OK)
                rc = buf_puts(out, "\"/>");
        }
    }
    if (rc == MG_OK)
        rc = buf_puts(out, "</Types>");
    for (size_t k = 0; exts && k < ne; k++)
        free(exts[k]);
    free(exts);
    free(types);
    free(mixed);
    return rc;
}

static int pkg_write(struct pkg *pk, struct buf *out)
{
    struct zip_writer zw, *w = &zw;
    struct buf tmp;
    buf_init(&tmp, pk->pol->max_output_size);
    bool any;
    zip_writer_init(w, out, OOXML_ZIP_LEVEL);
    int rc = put_content_types(pk, &tmp);
    if (rc == MG_OK)
        rc = ooxml_zip_add(w, "[Content_Types].xml", tmp.data, tmp.len);
    buf_reset(&tmp);
    if (rc == MG_OK)
        rc = put_rels(pk, &pk->root, &tmp, &any);
    if (rc == MG_OK)
        rc = ooxml_zip_add(w, "_rels/.rels", tmp.data, tmp.len);
    for (size_t q = 0; rc == MG_OK && q < pk->n_order; q++) {
        struct part *p = &pk->parts[pk->order[q]];
        if (p->state != P_KEEP)
            continue;
        rc = ooxml_zip_add(w, pname(p), p->out.data ? p->out.data : (const uint8_t *)"",
                           p->out.len);
        if (rc != MG_OK || p->rels.n == 0)
            continue;
        buf_reset(&tmp);
        rc = put_rels(pk, p, &tmp, &any);
        if (rc != MG_OK || !any)
            continue;
        char rname[OOXML_NAME_MAX + 32];
        if (!ooxml_rels_name(pname(p), rname, sizeof(rname))) {
            rc = MG_ERR_LIMIT;
            break;
        }
        rc = ooxml_zip_add(w, rname, tmp.data, tmp.len);
    }
    if (rc == MG_OK)
        rc = zip_writer_finish(w);
    zip_writer_free(w);
    buf_free(&tmp);
    if (rc != MG_OK)
        return pkg_fail(pk, rc, REASON_LIMIT, "cannot write the rebuilt package (%s)", err_str(rc));
    return MG_OK;
}

/* ------------------------------------------------------------------ */

int ooxmlsan_global_init(void)
{
    ooxml_xml_global_init();
    ooxml_zip_global_init();
    return MG_OK;
}

static int pkg_read(struct pkg *pk, const uint8_t *in, size_t len)
{
    char why[REPORT_STR_MAX];
    struct ooxml_zip_budget bud = {.pol = pk->pol,
                                   .members_total = &pk->ctx->members_total,
                                   .expanded_total = &pk->ctx->expanded_total};
    int rc = ooxml_zip_read(&bud, in, len, &pk->zip, why, sizeof(why));
    if (rc != MG_OK)
        return pkg_fail(pk, rc, rc_code(rc), "%s", why);
    rc = pkg_members(pk);
    if (rc != MG_OK)
        return rc;
    size_t ci = find_part(pk, "[content_types].xml");
    if (ci == NO_PART)
        return pkg_fail(pk, MG_ERR_PARSE, REASON_PARSE_ERROR,
                        "no [Content_Types].xml: not an Office Open XML package");
    xmlDocPtr doc = NULL;
    bool dropped;
    rc = pkg_parse(pk, &pk->parts[ci], &doc, &dropped);
    if (rc != MG_OK)
        return rc;
    if (dropped)
        return pkg_fail(pk, MG_ERR_PARSE, REASON_PARSE_ERROR,
                        "[Content_Types].xml is not usable XML");
    rc = ooxml_ct_parse(doc, &pk->ct, why, sizeof(why));
    xmlFreeDoc(doc);
    if (rc != MG_OK)
        return pkg_fail(pk, rc, rc_code(rc), "%s", why);
    return MG_OK;
}

int ooxmlsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                      struct report_node *node)
{
    struct pkg pk;
    memset(&pk, 0, sizeof(pk));
    pk.ctx = ctx;
    pk.pol = ctx->pol;
    pk.node = node;
    pk.main = NO_PART;
    buf_init(&pk.root.out, 0);
    int rc = pkg_read(&pk, in, len);
    if (rc == MG_OK)
        rc = pkg_walk(&pk);
    /* Parse the main part first: it says what the document is. */
    if (rc == MG_OK)
        rc = pkg_parse_xml(&pk, pk.main);
    for (size_t q = 0; rc == MG_OK && q < pk.n_order; q++) {
        size_t idx = pk.order[q];
        struct part *p = &pk.parts[idx];
        if (idx == pk.main || p->state != P_KEEP)
            continue;
        rc = p->rt->kind == OOXML_KIND_XML ? pkg_parse_xml(&pk, idx) : pkg_dispatch(&pk, idx);
    }
    if (rc == MG_OK)
        rc = pkg_prune(&pk);
    for (size_t q = 0; rc == MG_OK && q < pk.n_order; q++) {
        size_t idx = pk.order[q];
        struct part *p = &pk.parts[idx];
        if (p->state == P_KEEP && p->rt->kind == OOXML_KIND_XML)
            rc = pkg_clean(&pk, idx);
    }
    if (rc == MG_OK) {
        /* Members nothing pointed at: one line, a few names. */
        size_t n_un = 0;
        char names[256] = "";
        for (size_t i = 0; i < pk.n; i++) {
            struct part *p = &pk.parts[i];
            if (p->targeted || p->is_ct || p->is_rels || p->skip != NULL)
                continue;
            if (n_un++ < 4) {
                size_t l = strlen(names);
                snprintf(names + l, sizeof(names) - l, "%s%s", l ? ", " : "", p->name);
            }
        }
        if (n_un > 0)
            report_actionf(node, ACTION_REMOVED, "only parts the document refers to are kept",
                           "%zu part(s) no relationship points at (%s%s)", n_un, names,
                           n_un > 4 ? ", ..." : "");
        rc = pkg_write(&pk, out);
    }
    if (rc == MG_OK) {
        ctx->out_type = pk.out_type;
        /* A rebuild is a rewrite even when nothing was removed. */
        if (node->verdict == VERDICT_CLEAN)
            report_action(node, ACTION_REWROTE, "package rebuilt from its known-safe parts",
                          "every part is re-read and re-written");
    } else {
        buf_reset(out);
        if (node->verdict != VERDICT_BLOCKED)
            report_block(node, rc_code(rc), "%s", err_str(rc));
    }
    pkg_free(&pk);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Verification: re-read the output and check what must hold. */

static enum ooxml_rel_use vrf_rel_use(void *arg, const char *id)
{
    const struct part *p = arg;
    size_t i = rel_find(p, id);
    if (i == NO_PART)
        return OOXML_REL_NONE;
    return p->rels.r[i].external ? OOXML_REL_LINK : OOXML_REL_PART;
}

static int vrf_part_rels(struct pkg *pk, struct part *src, const char *src_key)
{
    int rc = part_load_rels(pk, src, src_key);
    if (rc != MG_OK)
        return MG_ERR_VERIFY;
    for (size_t i = 0; i < src->rels.n; i++) {
        const struct ooxml_rel *r = &src->rels.r[i];
        const struct ooxml_reltype *rt = ooxml_reltype_find(r->type);
        if (!rel_id_ok(src, i) || rt == NULL)
            return MG_ERR_VERIFY;
        if (r->external || rt->kind == OOXML_KIND_HYPERLINK) {
            if (!r->external || rt->kind != OOXML_KIND_HYPERLINK || !pk->pol->keep_hyperlinks ||
                !ooxml_link_scheme_ok(r->target))
                return MG_ERR_VERIFY;
            continue;
        }
        char key[OOXML_KEY_MAX];
        if (!ooxml_resolve_target(src_key, r->target, key, sizeof(key)))
            return MG_ERR_VERIFY;
        size_t ti = find_part(pk, key);
        if (ti == NO_PART || pk->parts[ti].is_ct || pk->parts[ti].is_rels)
            return MG_ERR_VERIFY;
        if (rt->flags & OOXML_RT_MAIN) {
            if (src != &pk->root || (pk->main != NO_PART && pk->main != ti))
                return MG_ERR_VERIFY;
            pk->main = ti;
        }
    }
    return MG_OK;
}

int ooxmlsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    struct pkg pk;
    uint64_t members = 0, expanded = 0;
    char why[REPORT_STR_MAX];
    memset(&pk, 0, sizeof(pk));
    pk.ctx = ctx;
    pk.pol = ctx->pol;
    pk.main = NO_PART;
    buf_init(&pk.root.out, 0);
    struct ooxml_zip_budget bud = {
            .pol = pk.pol, .members_total = &members, .expanded_total = &expanded};
    int rc = MG_ERR_VERIFY;
    if (ooxml_zip_read(&bud, in, len, &pk.zip, why, sizeof(why)) != MG_OK)
        goto out;
    if (pk.zip.n == 0 || strcmp(pk.zip.m[0].name, "[Content_Types].xml") != 0)
        goto out;
    for (size_t i = 0; i < pk.zip.n; i++)
        if (pk.zip.m[i].skip != NULL || strcasestr(pk.zip.m[i].name, "vbaProject") != NULL ||
            strcasestr(pk.zip.m[i].name, "vbaData") != NULL)
            goto out;
    if (pkg_members(&pk) != MG_OK || pk.n != pk.zip.n)
        goto out;
    for (size_t i = 0; i < pk.n; i++)
        if (pk.parts[i].skip != NULL)
            goto out;
    xmlDocPtr doc = NULL;
    if (ooxml_xml_parse(pk.parts[0].data, pk.parts[0].len, &doc, why, sizeof(why)) != MG_OK)
        goto out;
    int crc = ooxml_ct_parse(doc, &pk.ct, why, sizeof(why));
    xmlFreeDoc(doc);
    if (crc != MG_OK)
        goto out;
    for (size_t i = 0; i < pk.ct.n_def; i++)
        if (ct_names_active(pk.ct.def[i].type))
            goto out;
    for (size_t i = 0; i < pk.ct.n_ovr; i++)
        if (ct_names_active(pk.ct.ovr[i].type))
            goto out;
    /* Every relationship part: it belongs to a part that exists, it reads,
     * and every relationship in it is allowed and resolves. */
    if (vrf_part_rels(&pk, &pk.root, "") != MG_OK || pk.root.rels_bad || pk.main == NO_PART)
        goto out;
    for (size_t i = 0; i < pk.n; i++) {
        char src[OOXML_KEY_MAX];
        if (!pk.parts[i].is_rels || !rels_source(pk.parts[i].key, src, sizeof(src)) || !src[0])
            continue;
        size_t si = find_part(&pk, src);
        if (si == NO_PART || pk.parts[si].is_rels || pk.parts[si].is_ct)
            goto out;
        struct part *sp = &pk.parts[si];
        if (vrf_part_rels(&pk, sp, sp->key) != MG_OK || sp->rels_bad)
            goto out;
    }
    if (doctype_by_ct(ooxml_ct_lookup(&pk.ct, pk.parts[pk.main].key)) == NULL ||
        ct_names_active(ooxml_ct_lookup(&pk.ct, pk.parts[pk.main].key)))
        goto out;
    for (size_t i = 0; i < pk.n; i++) {
        struct part *p = &pk.parts[i];
        if (p->is_ct || p->is_rels)
            continue;
        p->ctype = ooxml_ct_lookup(&pk.ct, p->key);
        if (p->ctype == NULL)
            goto out;
        bool xml = ct_xml_ok(p->ctype) || i == pk.main;
        if (!xml)
            continue; /* images and embeddings were verified by dispatch when made */
        if (ooxml_xml_parse(p->data, p->len, &p->doc, why, sizeof(why)) != MG_OK)
            goto out;
        struct ooxml_clean cc;
        memset(&cc, 0, sizeof(cc));
        cc.keep_hyperlinks = pk.pol->keep_hyperlinks;
        cc.rel_use = vrf_rel_use;
        cc.rel_arg = p;
        if (ooxml_clean_doc(&cc, p->doc) != MG_OK || ooxml_clean_total(&cc) != 0)
            goto out;
        xmlFreeDoc(p->doc);
        p->doc = NULL;
    }
    rc = MG_OK;
out:
    pkg_free(&pk);
    return rc;
}

/* Macro-enabled documents come out macro-free: the sanitizer sets
 * ctx->out_type (docm -> docx). */
#define OOXML_TYPE(t)                                                                              \
    {                                                                                              \
        FT_##t, FT_##t, ooxmlsan_sanitize, ooxmlsan_verify, ooxmlsan_flatten                       \
    }
static const struct san_type ooxml_types[] = {
        OOXML_TYPE(DOCX), OOXML_TYPE(DOCM), OOXML_TYPE(DOTX), OOXML_TYPE(DOTM), OOXML_TYPE(XLSX),
        OOXML_TYPE(XLSM), OOXML_TYPE(XLTX), OOXML_TYPE(XLTM), OOXML_TYPE(PPTX), OOXML_TYPE(PPTM),
        OOXML_TYPE(PPSX), OOXML_TYPE(PPSM), OOXML_TYPE(POTX), OOXML_TYPE(POTM)};
#undef OOXML_TYPE

const struct san_family san_family_ooxml = {"ooxml", SAN_TYPES(ooxml_types), ooxmlsan_global_init};
