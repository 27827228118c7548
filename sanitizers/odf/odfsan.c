/*
 * odfsan - OpenDocument sanitizer (see odfsan.h).
 *
 * Rebuild, never patch. For one package:
 *   1. parse the central directory (formats/zip): the strict layout every
 *      family shares, sizes for the bomb checks, encryption flags,
 *      duplicate names; libarchive must see the same members;
 *   2. inflate the members (formats/zip), each under the per-part, per-job
 *      and ratio limits; only the members on the allowlist are read at all:
 *        mimetype, META-INF/manifest.xml, content.xml, styles.xml,
 *        meta.xml, settings.xml, Pictures/NAME, ObjectReplacements/NAME,
 *        Thumbnails/thumbnail.png;
 *      everything else (Basic/, Scripts/, Dialogs/, Object N/ and OLE
 *      objects, Configurations2/, signatures, fonts, media, RDF metadata,
 *      the layout cache) is dropped and listed on the report;
 *   3. refuse encrypted packages (zip encryption, manifest encryption data,
 *      an encrypted-package member);
 *   4. images go through san_member() one level down; only JPEG, PNG
 *      and GIF come back into the package (SVG, WMF, EMF, SVM, BMP, TIFF
 *      are dropped together with the elements that show them);
 *   5. each XML part is parsed safely and filtered (odf_xml) against the
 *      set of parts kept, then serialized anew;
 *   6. a new zip is written (formats/zip): the canonical mimetype first, stored,
 *      without extra field; then the parts; then a manifest generated from
 *      what was written, so it lists exactly the members.
 * A part must also be listed in the input manifest to be kept: a member
 * the manifest does not know is not part of the document.
 *
 * Embedded objects (charts, formulas, OLE) are dropped rather than
 * sanitized recursively; their preview image stays when it is a JPEG, PNG
 * or GIF, so the page still shows what the object looked like.
 */
#include "odfsan.h"
#include "err.h"
#include "odf_text.h"
#include "odf_xml.h"
#include "zip.h"

#include <libxml/tree.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ODF_MEMBERS_MAX  20000u /* members in one package, whatever the policy */
#define ODF_IMG_NAME_MAX 200u
#define ODF_NAME_MAX     1024u
#define ODF_ZIP_LEVEL    6 /* zlib's default: documents are written once, kept long */
#define ODF_MANIFEST_NS  "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"

struct odf_kind {
    const char *mime;
    enum ftype type;
};

static const struct odf_kind odf_kinds[] = {
        {"application/vnd.oasis.opendocument.text", FT_ODT},
        {"application/vnd.oasis.opendocument.spreadsheet", FT_ODS},
        {"application/vnd.oasis.opendocument.presentation", FT_ODP},
        {"application/vnd.oasis.opendocument.text-template", FT_OTT},
        {"application/vnd.oasis.opendocument.spreadsheet-template", FT_OTS},
        {"application/vnd.oasis.opendocument.presentation-template", FT_OTP},
};

/* The XML parts kept, in the order they are written, with their root element. */
static const struct odf_xml_part {
    const char *name;
    const char *root;
} odf_xml_parts[] = {
        {"content.xml", "document-content"},
        {"styles.xml", "document-styles"},
        {"meta.xml", "document-meta"},
        {"settings.xml", "document-settings"},
};
#define ODF_N_XML (sizeof(odf_xml_parts) / sizeof(odf_xml_parts[0]))

enum part_kind {
    PK_DIR,      /* directory entry: no content */
    PK_MIMETYPE, /* "mimetype" */
    PK_MANIFEST, /* META-INF/manifest.xml */
    PK_XML,      /* one of odf_xml_parts */
    PK_IMAGE,    /* Pictures/, ObjectReplacements/, the thumbnail */
    PK_DROP,     /* not on the allowlist */
};

struct odf_member {
    const struct zip_ent *ze;
    enum part_kind kind;
    int xml_index;   /* PK_XML: index into odf_xml_parts */
    bool have;       /* data read */
    bool kept;       /* goes into the output */
    struct buf data; /* input bytes, then the sanitized bytes */
    const char *media_type;
};

struct mf_entry {
    char *path;
    char *media;
};

struct odf {
    struct san_ctx *ctx;
    const struct policy *pol;
    struct report_node *node; /* NULL in verify */
    bool verify;
    uint64_t expanded; /* verify: bytes read, not charged to the job */
    const uint8_t *in;
    size_t len;
    struct zip_dir dir;
    struct odf_member *m;
    const struct odf_kind *kind;
    char version[8]; /* manifest:version of the input, "" when absent or odd */
    struct mf_entry *mf;
    size_t n_mf;
    const char **all_names;  /* every member, sorted */
    const char **kept_names; /* sorted, for odfxml_part_fn */
    size_t n_kept;
    char why[REPORT_STR_MAX];
};

int odfsan_global_init(void)
{
    zip_global_init();
    return odfxml_global_init();
}

/* Refuse the whole package (sanitize) or just fail (verify). */
static int odf_fail(struct odf *o, int rc, enum reason code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int odf_fail(struct odf *o, int rc, enum reason code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rc = report_vfail(o->node, rc, code, o->why, sizeof(o->why), fmt, ap);
    va_end(ap);
    return rc;
}

static void odf_free(struct odf *o)
{
    if (o->m) {
        for (size_t i = 0; i < o->dir.n; i++)
            buf_free(&o->m[i].data);
        free(o->m);
    }
    for (size_t i = 0; i < o->n_mf; i++) {
        free(o->mf[i].path);
        free(o->mf[i].media);
    }
    free(o->mf);
    free(o->kept_names);
    free(o->all_names);
    zip_dir_free(&o->dir);
}

/* ------------------------------------------------------------------ */
/* Names */

static bool starts_with(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* One plain file name: printable ASCII or UTF-8, no separators or Windows specials. */
static bool odf_plain_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > ODF_IMG_NAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F || strchr("/\\:*?\"<>|%", c))
            return false;
    }
    return s[n - 1] != '.' && s[n - 1] != ' ';
}

static enum part_kind odf_classify(const char *name, int *xml_index)
{
    size_t n = strlen(name);
    *xml_index = -1;
    if (n > 0 && name[n - 1] == '/')
        return PK_DIR;
    if (strcmp(name, "mimetype") == 0)
        return PK_MIMETYPE;
    if (strcmp(name, "META-INF/manifest.xml") == 0)
        return PK_MANIFEST;
    for (size_t i = 0; i < ODF_N_XML; i++)
        if (strcmp(name, odf_xml_parts[i].name) == 0) {
            *xml_index = (int)i;
            return PK_XML;
        }
    if (strcmp(name, "Thumbnails/thumbnail.png") == 0)
        return PK_IMAGE;
    if (starts_with(name, "Pictures/") && odf_plain_name(name + 9))
        return PK_IMAGE;
    if (starts_with(name, "ObjectReplacements/") && odf_plain_name(name + 19))
        return PK_IMAGE;
    return PK_DROP;
}

/* Why a member that is not on the allowlist goes, in words. */
static const char *odf_drop_reason(const char *name)
{
    if (starts_with(name, "Basic/"))
        return "Basic macros are not kept";
    if (starts_with(name, "Scripts/"))
        return "scripts (BeanShell, JavaScript, Python) are not kept";
    if (starts_with(name, "Dialogs/"))
        return "macro dialogs are not kept";
    if (starts_with(name, "Object "))
        return "embedded objects are not kept (only their preview image)";
    if (starts_with(name, "Configurations2/"))
        return "user-interface configuration can bind macros to menus, toolbars and keys";
    if (starts_with(name, "META-INF/") && strstr(name, "signature"))
        return "signatures cannot hold for a rebuilt document";
    if (starts_with(name, "Fonts/"))
        return "embedded fonts are not kept";
    if (strcmp(name, "manifest.rdf") == 0)
        return "RDF metadata is not needed to show the document";
    if (strcmp(name, "layout-cache") == 0)
        return "layout cache (binary, rebuilt by the application)";
    if (starts_with(name, "Pictures/") || starts_with(name, "ObjectReplacements/"))
        return "image member with an unusual name";
    return "not a part an OpenDocument needs (kept: content, styles, metadata, settings, "
           "images)";
}

/* ------------------------------------------------------------------ */
/* Reading */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int odf_check_dir(struct odf *o)
{
    const struct policy *pol = o->pol;
    if (!o->verify) {
        o->ctx->members_total += o->dir.n;
        if (o->ctx->members_total > pol->max_members)
            return odf_fail(o, MG_ERR_LIMIT, REASON_LIMIT,
                            "more than %llu members in the job (max_members)",
                            (unsigned long long)pol->max_members);
    }
    uint64_t ratio = pol->max_ratio ? pol->max_ratio : 1, total = 0;
    for (size_t i = 0; i < o->dir.n; i++) {
        const struct zip_ent *e = &o->dir.ent[i];
        /* Names are compared as C strings from here on. */
        if (e->name_len == 0 || e->name_len > ODF_NAME_MAX || strlen(e->name) != e->name_len)
            return odf_fail(o, MG_ERR_PARSE, REASON_PARSE_ERROR,
                            "zip: empty, overlong or NUL-holding member name");
        if ((e->flags & (ZIP_FLAG_ENCRYPTED | ZIP_FLAG_STRONG | ZIP_FLAG_CDENC)) ||
            e->method == ZIP_METHOD_AES)
            return odf_fail(o, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                            "encrypted zip member \"%.200s\": the content cannot be inspected",
                            e->name);
        if (strcmp(e->name, "encrypted-package") == 0)
            return odf_fail(o, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                            "encrypted OpenDocument package (encrypted-package member)");
        if (e->method != 0 && e->method != 8)
            return odf_fail(o, MG_ERR_UNSUPPORTED, REASON_UNSUPPORTED,
                            "member \"%.200s\" uses compression method %u (OpenDocument uses "
                            "stored or deflate)",
                            e->name, e->method);
        if (e->method == 0 && e->csize != e->usize)
            return odf_fail(o, MG_ERR_PARSE, REASON_PARSE_ERROR,
                            "stored member \"%.200s\" has different sizes", e->name);
        if (e->usize > pol->max_input_size)
            return odf_fail(o, MG_ERR_LIMIT, REASON_LIMIT,
                            "member \"%.200s\" is %llu bytes, over the limit of %llu", e->name,
                            (unsigned long long)e->usize, (unsigned long long)pol->max_input_size);
        if (e->usize > zip_ratio_allowed(e->csize, ratio))
            return odf_fail(o, MG_ERR_LIMIT, REASON_LIMIT,
                            "member \"%.200s\" expands more than %llu times its compressed size "
                            "(compression bomb)",
                            e->name, (unsigned long long)ratio);
        total += e->usize;
    }
    uint64_t used = o->verify ? 0 : o->ctx->expanded_total;
    if (total > pol->max_expanded || used > pol->max_expanded - total)
        return odf_fail(o, MG_ERR_LIMIT, REASON_LIMIT,
                        "the package expands to %llu bytes, over the job limit of %llu",
                        (unsigned long long)total, (unsigned long long)pol->max_expanded);

    /* Two members of one name: readers would disagree on which is meant. */
    const char **names = malloc(o->dir.n * sizeof(*names));
    if (!names)
        return odf_fail(o, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < o->dir.n; i++)
        names[i] = o->dir.ent[i].name;
    qsort(names, o->dir.n, sizeof(*names), name_cmp);
    o->all_names = names;
    for (size_t i = 1; i < o->dir.n; i++)
        if (strcmp(names[i - 1], names[i]) == 0)
            return odf_fail(o, MG_ERR_PARSE, REASON_PARSE_ERROR, "two members are named \"%.200s\"",
                            names[i]);
    return MG_OK;
}

/* The data of the members on the allowlist, each under every limit. */
static int odf_read_members(struct odf *o)
{
    char why[REPORT_STR_MAX];
    int rc = zip_check_libarchive(o->in, o->len, &o->dir, why, sizeof(why));
    if (rc != MG_OK)
        return odf_fail(o, rc, rc == MG_ERR_NOMEM ? REASON_NO_MEMORY : REASON_PARSE_ERROR, "%s",
                        why);
    struct zip_budget bud = {
            .ratio = o->pol->max_ratio,
            .expanded = o->verify ? &o->expanded : &o->ctx->expanded_total,
            .max_expanded = o->pol->max_expanded,
    };
    for (size_t i = 0; i < o->dir.n; i++) {
        struct odf_member *m = &o->m[i];
        if (m->kind == PK_DIR || m->kind == PK_DROP)
            continue;
        buf_init(&m->data, (size_t)o->pol->max_input_size);
        rc = zip_member_read(o->in, o->len, m->ze, &bud, &m->data, why, sizeof(why));
        if (rc != MG_OK)
            return odf_fail(o, rc,
                            rc == MG_ERR_NOMEM   ? REASON_NO_MEMORY
                            : rc == MG_ERR_LIMIT ? REASON_LIMIT
                                                 : reason_from_err(rc),
                            "%s", why);
        m->have = true;
    }
    return MG_OK;
}

static struct odf_member *odf_find(struct odf *o, enum part_kind kind)
{
    for (size_t i = 0; i < o->dir.n; i++)
        if (o->m[i].kind == kind)
            return &o->m[i];
    return NULL;
}

static int odf_read_mimetype(struct odf *o)
{
    struct odf_member *m = odf_find(o, PK_MIMETYPE);
    if (!m || !m->have)
        return odf_fail(o, MG_ERR_PARSE, REASON_PARSE_ERROR, "no mimetype member");
    size_t n = m->data.len;
    while (n > 0 && (m->data.data[n - 1] == '\n' || m->data.data[n - 1] == '\r' ||
                     m->data.data[n - 1] == ' '))
        n--;
    for (size_t i = 0; i < sizeof(odf_kinds) / sizeof(odf_kinds[0]); i++)
        if (strlen(odf_kinds[i].mime) == n && memcmp(odf_kinds[i].mime, m->data.data, n) == 0) {
            o->kind = &odf_kinds[i];
            return MG_OK;
        }
    return odf_fail(o, MG_ERR_UNSUPPORTED, REASON_UNSUPPORTED,
                    "mimetype is not a text, spreadsheet or presentation document or template");
}

/* ------------------------------------------------------------------ */
/* Manifest */

static bool is_manifest_el(xmlNodePtr n, const char *local)
{
    return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, ODF_MANIFEST_NS) == 0 &&
           strcmp((const char *)n->name, local) == 0;
}

/* Any element that says the package is encrypted, anywhere below n. */
static bool manifest_has_encryption(xmlNodePtr n, int depth)
{
    static const char *const enc[] = {"encryption-data", "keyinfo", "encrypted-key",
                                      "start-key-generation", "key-derivation"};
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        for (size_t i = 0; i < sizeof(enc) / sizeof(enc[0]); i++)
            if (strcmp((const char *)c->name, enc[i]) == 0)
                return true;
        if (depth < 64 && manifest_has_encryption(c, depth + 1))
            return true;
    }
    return false;
}

static int mf_cmp(const void *a, const void *b)
{
    return strcmp(((const struct mf_entry *)a)->path, ((const struct mf_entry *)b)->path);
}

static int odf_read_manifest(struct odf *o)
{
    struct odf_member *m = odf_find(o, PK_MANIFEST);
    xmlDocPtr doc = NULL;
    char why[256];
    bool dtd;
    int rc;
    if (!m || !m->have)
        return odf_fail(o, MG_ERR_PARSE, REASON_PARSE_ERROR, "no META-INF/manifest.xml");
    rc = odfxml_parse(m->data.data, m->data.len, &doc, &dtd, why, sizeof(why));
    if (rc != MG_OK)
        return odf_fail(o, rc, reason_from_err(rc), "META-INF/manifest.xml: %s", why);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!is_manifest_el(root, "manifest")) {
        rc = odf_fail(o, MG_ERR_PARSE, REASON_PARSE_ERROR,
                      "META-INF/manifest.xml: the root is not manifest:manifest");
        goto out;
    }
    if (manifest_has_encryption(root, 0)) {
        rc = odf_fail(o, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                      "encrypted OpenDocument (the manifest has encryption data): the content "
                      "cannot be inspected");
        goto out;
    }
    xmlChar *ver = xmlGetNsProp(root, BAD_CAST "version", BAD_CAST ODF_MANIFEST_NS);
    if (ver && (strcmp((const char *)ver, "1.2") == 0 || strcmp((const char *)ver, "1.3") == 0 ||
                strcmp((const char *)ver, "1.4") == 0))
        snprintf(o->version, sizeof(o->version), "%s", (const char *)ver);
    xmlFree(ver);
    size_t cap = 0;
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (!is_manifest_el(c, "file-entry"))
            continue;
        xmlChar *path = xmlGetNsProp(c, BAD_CAST "full-path", BAD_CAST ODF_MANIFEST_NS);
        xmlChar *media = xmlGetNsProp(c, BAD_CAST "media-type", BAD_CAST ODF_MANIFEST_NS);
        if (!path) {
            xmlFree(media);
            continue;
        }
        if (o->n_mf == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            if (ncap > 4u * ODF_MEMBERS_MAX) {
                xmlFree(path);
                xmlFree(media);
                rc = odf_fail(o, MG_ERR_LIMIT, REASON_LIMIT, "manifest with too many entries");
                goto out;
            }
            struct mf_entry *nm = realloc(o->mf, ncap * sizeof(*nm));
            if (!nm) {
                xmlFree(path);
                xmlFree(media);
                rc = odf_fail(o, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
                goto out;
            }
            o->mf = nm;
            cap = ncap;
        }
        struct mf_entry *e = &o->mf[o->n_mf];
        e->path = strdup((const char *)path);
        e->media = strdup(media ? (const char *)media : "");
        xmlFree(path);
        xmlFree(media);
        if (!e->path || !e->media) {
            free(e->path);
            free(e->media);
            rc = odf_fail(o, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
            goto out;
        }
        o->n_mf++;
    }
    if (o->n_mf)
        qsort(o->mf, o->n_mf, sizeof(*o->mf), mf_cmp);
    rc = MG_OK;
out:
    xmlFreeDoc(doc);
    return rc;
}

static const struct mf_entry *mf_lookup(const struct odf *o, const char *path)
{
    if (!o->n_mf)
        return NULL;
    struct mf_entry key = {.path = (char *)path};
    return bsearch(&key, o->mf, o->n_mf, sizeof(*o->mf), mf_cmp);
}

/* ------------------------------------------------------------------ */
/* Images and XML parts */

static bool odf_part_kept(void *cd, const char *path)
{
    struct odf *o = cd;
    if (!o->n_kept)
        return false;
    return bsearch(&path, o->kept_names, o->n_kept, sizeof(*o->kept_names), name_cmp) != NULL;
}

static int odf_index_kept(struct odf *o)
{
    free(o->kept_names);
    o->n_kept = 0;
    o->kept_names = malloc((o->dir.n ? o->dir.n : 1) * sizeof(*o->kept_names));
    if (!o->kept_names)
        return odf_fail(o, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < o->dir.n; i++)
        if (o->m[i].kept)
            o->kept_names[o->n_kept++] = o->m[i].ze->name;
    qsort(o->kept_names, o->n_kept, sizeof(*o->kept_names), name_cmp);
    return MG_OK;
}

static const char *image_media_type(enum ftype t)
{
    return t == FT_JPEG ? "image/jpeg" : t == FT_PNG ? "image/png" : "image/gif";
}

/* One image member through the member protocol; kept only as JPEG, PNG or GIF. */
static int odf_image(struct odf *o, struct odf_member *m)
{
    const char *name = m->ze->name;
    struct buf san;
    struct san_member_result res;
    buf_init(&san, (size_t)o->pol->max_output_size);
    int rc = san_member(o->ctx, o->node, name, m->data.data, m->data.len, &san, &res);
    enum ftype ot = res.out_type;
    bool thumb = m->ze->name[0] == 'T';
    if (rc == MG_OK && (ot == FT_JPEG || ot == FT_PNG || ot == FT_GIF) &&
        (!thumb || ot == FT_PNG)) {
        buf_free(&m->data);
        m->data = san;
        m->kept = true;
        m->media_type = image_media_type(ot);
        return MG_OK;
    }
    buf_free(&san);
    if (rc == MG_OK) {
        if (res.node)
            report_block(res.node, REASON_UNSUPPORTED, "%s is not kept inside an OpenDocument",
                         ftype_info(ot)->label);
        report_actionf(o->node, ACTION_REMOVED,
                       "only JPEG, PNG and GIF images are kept (with the elements showing them)",
                       "%s (%s)", name, ftype_info(ot)->label);
        return MG_OK;
    }
    bool other = res.in_type != FT_JPEG && res.in_type != FT_PNG && res.in_type != FT_GIF;
    report_actionf(o->node, ACTION_REMOVED,
                   other ? "only JPEG, PNG and GIF images are kept (with the elements "
                           "showing them)"
                         : "the image could not be made safe",
                   "%s (%s: %s)", name, reason_code(res.code), res.why);
    if (res.fatal)
        return odf_fail(o, rc == MG_ERR_NOMEM ? MG_ERR_NOMEM : MG_ERR_LIMIT,
                        rc == MG_ERR_NOMEM ? REASON_NO_MEMORY : REASON_LIMIT,
                        "member \"%.200s\": %s", name, res.why);
    return MG_OK;
}

/* Parse, filter and re-serialize one XML part (sanitize), or check it (verify). */
static int odf_xml(struct odf *o, struct odf_member *m)
{
    const struct odf_xml_part *xp = &odf_xml_parts[m->xml_index];
    xmlDocPtr doc = NULL;
    char why[256];
    bool dtd;
    int rc = odfxml_parse(m->data.data, m->data.len, &doc, &dtd, why, sizeof(why));
    if (rc != MG_OK)
        return odf_fail(o, rc, dtd ? REASON_PARSE_ERROR : reason_from_err(rc), "%s: %s", xp->name,
                        why);
    struct odfxml_filter f;
    memset(&f, 0, sizeof(f));
    f.pol = o->pol;
    f.check_only = o->verify;
    f.part_kept = odf_part_kept;
    f.cd = o;
    f.part = xp->name;
    f.expect_root = xp->root;
    f.node = o->node;
    rc = odfxml_filter(doc, &f);
    if (rc != MG_OK) {
        rc = odf_fail(o, rc, reason_from_err(rc), "%s: the root element is not office:%s", xp->name,
                      xp->root);
        goto out;
    }
    if (o->verify) {
        if (f.violations)
            rc = odf_fail(o, MG_ERR_VERIFY, REASON_VERIFY_FAILED, "%s still holds %u items (%s)",
                          xp->name, f.violations, f.first_violation);
        goto out;
    }
    buf_reset(&m->data);
    m->data.max = (size_t)o->pol->max_output_size;
    rc = odfxml_serialize(doc, &m->data);
    if (rc != MG_OK) {
        rc = odf_fail(o, MG_ERR_LIMIT, REASON_LIMIT, "%s: cannot serialize", xp->name);
        goto out;
    }
    m->kept = true;
    m->media_type = "text/xml";
out:
    xmlFreeDoc(doc);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Output */

static int xml_escape(struct buf *b, const char *s)
{
    int rc = MG_OK;
    for (; *s && rc == MG_OK; s++) {
        switch (*s) {
        case '&':
            rc = buf_puts(b, "&amp;");
            break;
        case '<':
            rc = buf_puts(b, "&lt;");
            break;
        case '>':
            rc = buf_puts(b, "&gt;");
            break;
        case '"':
            rc = buf_puts(b, "&quot;");
            break;
        default:
            rc = buf_putc(b, (uint8_t)*s);
        }
    }
    return rc;
}

static int odf_build_manifest(struct odf *o, struct buf *mf)
{
    int rc = buf_printf(mf,
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<manifest:manifest xmlns:manifest=\"%s\"%s%s%s>\n"
                        " <manifest:file-entry manifest:full-path=\"/\"%s%s%s "
                        "manifest:media-type=\"%s\"/>\n",
                        ODF_MANIFEST_NS, o->version[0] ? " manifest:version=\"" : "", o->version,
                        o->version[0] ? "\"" : "", o->version[0] ? " manifest:version=\"" : "",
                        o->version, o->version[0] ? "\"" : "", o->kind->mime);
    for (size_t i = 0; i < o->dir.n && rc == MG_OK; i++) {
        struct odf_member *m = &o->m[i];
        if (!m->kept || m->kind == PK_MIMETYPE || m->kind == PK_MANIFEST)
            continue;
        rc = buf_puts(mf, " <manifest:file-entry manifest:full-path=\"");
        if (rc == MG_OK)
            rc = xml_escape(mf, m->ze->name);
        if (rc == MG_OK)
            rc = buf_printf(mf, "\" manifest:media-type=\"%s\"/>\n", m->media_type);
    }
    if (rc == MG_OK)
        rc = buf_puts(mf, "</manifest:manifest>\n");
    return rc;
}

static int odf_write(struct odf *o, struct buf *out)
{
    struct zip_writer w;
    struct buf mf;
    buf_init(&mf, 64u << 20);
    zip_writer_init(&w, out, ODF_ZIP_LEVEL);
    uint16_t t = 0, d = 0;
    for (size_t i = 0; i < o->dir.n; i++)
        if (o->m[i].kind == PK_XML && o->m[i].xml_index == 0) {
            t = o->m[i].ze->dos_time;
            d = o->m[i].ze->dos_date;
        }
    int rc = zip_writer_add(&w, "mimetype", (const uint8_t *)o->kind->mime, strlen(o->kind->mime),
                            false, t, d);
    for (size_t x = 0; x < ODF_N_XML && rc == MG_OK; x++)
        for (size_t i = 0; i < o->dir.n && rc == MG_OK; i++) {
            struct odf_member *m = &o->m[i];
            if (m->kept && m->kind == PK_XML && m->xml_index == (int)x)
                rc = zip_writer_add(&w, m->ze->name, m->data.data, m->data.len, true,
                                    m->ze->dos_time, m->ze->dos_date);
        }
    for (size_t i = 0; i < o->dir.n && rc == MG_OK; i++) {
        struct odf_member *m = &o->m[i];
        if (m->kept && m->kind == PK_IMAGE)
            rc = zip_writer_add(&w, m->ze->name, m->data.data, m->data.len, false, m->ze->dos_time,
                                m->ze->dos_date);
    }
    if (rc == MG_OK)
        rc = odf_build_manifest(o, &mf);
    if (rc == MG_OK)
        rc = zip_writer_add(&w, "META-INF/manifest.xml", mf.data, mf.len, true, t, d);
    if (rc == MG_OK)
        rc = zip_writer_finish(&w);
    zip_writer_free(&w);
    buf_free(&mf);
    if (rc != MG_OK)
        return odf_fail(o, rc, REASON_LIMIT, "cannot write the rebuilt package (%s)", err_str(rc));
    return MG_OK;
}

/* ------------------------------------------------------------------ */
/* The common front half of sanitize and verify */

static int odf_open(struct odf *o)
{
    char why[200];
    size_t cap =
            o->pol->max_members < ODF_MEMBERS_MAX ? (size_t)o->pol->max_members : ODF_MEMBERS_MAX;
    struct zip_read_opts opts = {.max_entries = cap, .allow_empty = false};
    int rc = zip_dir_read(o->in, o->len, &opts, &o->dir, why, sizeof(why));
    if (rc != MG_OK)
        return odf_fail(o, rc, rc == MG_ERR_LIMIT ? REASON_LIMIT : reason_from_err(rc), "zip: %s",
                        why);
    rc = odf_check_dir(o);
    if (rc != MG_OK)
        return rc;
    o->m = calloc(o->dir.n, sizeof(*o->m));
    if (!o->m)
        return odf_fail(o, MG_ERR_NOMEM, REASON_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < o->dir.n; i++) {
        o->m[i].ze = &o->dir.ent[i];
        o->m[i].kind = odf_classify(o->dir.ent[i].name, &o->m[i].xml_index);
        buf_init(&o->m[i].data, 0);
    }
    rc = odf_read_members(o);
    if (rc == MG_OK)
        rc = odf_read_mimetype(o);
    if (rc == MG_OK)
        rc = odf_read_manifest(o);
    return rc;
}

int odfsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node)
{
    struct odf o;
    memset(&o, 0, sizeof(o));
    o.ctx = ctx;
    o.pol = ctx->pol;
    o.node = node;
    o.in = in;
    o.len = len;
    int rc = odf_open(&o);
    if (rc != MG_OK)
        goto out;
    if (ctx->out_type != FT_UNKNOWN && ctx->out_type != o.kind->type) {
        rc = odf_fail(&o, MG_ERR_PARSE, REASON_PARSE_ERROR,
                      "the mimetype member says %s but the package was identified as %s",
                      ftype_info(o.kind->type)->label, ftype_info(ctx->out_type)->label);
        goto out;
    }
    ctx->out_type = o.kind->type;

    /* Members not on the allowlist, or not in the manifest. */
    for (size_t i = 0; i < o.dir.n; i++) {
        struct odf_member *m = &o.m[i];
        const char *name = m->ze->name;
        if (m->kind == PK_DROP) {
            report_actionf(node, ACTION_REMOVED, odf_drop_reason(name), "%s", name);
        } else if ((m->kind == PK_XML || m->kind == PK_IMAGE) && !mf_lookup(&o, name)) {
            report_actionf(node, ACTION_REMOVED,
                           "a member the manifest does not list is not part "
                           "of the document",
                           "%s", name);
            m->kind = PK_DROP;
        }
    }
    for (size_t i = 0; i < o.dir.n && rc == MG_OK; i++)
        if (o.m[i].kind == PK_IMAGE)
            rc = odf_image(&o, &o.m[i]);
    if (rc == MG_OK)
        rc = odf_index_kept(&o);
    bool content = false;
    for (size_t i = 0; i < o.dir.n && rc == MG_OK; i++)
        if (o.m[i].kind == PK_XML) {
            rc = odf_xml(&o, &o.m[i]);
            content |= o.m[i].xml_index == 0;
        }
    if (rc != MG_OK)
        goto out;
    if (!content) {
        rc = odf_fail(&o, MG_ERR_PARSE, REASON_PARSE_ERROR,
                      "no content.xml listed in the manifest");
        goto out;
    }
    /* Entries of the manifest that name nothing kept are not written again. */
    for (size_t i = 0; i < o.n_mf; i++) {
        const char *p = o.mf[i].path;
        size_t pl = strlen(p);
        if (strcmp(p, "/") == 0 || (pl && p[pl - 1] == '/') ||
            bsearch(&p, o.all_names, o.dir.n, sizeof(*o.all_names), name_cmp))
            continue; /* a directory, or a member already reported */
        report_actionf(node, ACTION_REMOVED, "the manifest listed a part the package does not hold",
                       "manifest entry %.200s (%.80s)", p, o.mf[i].media);
    }
    rc = odf_write(&o, out);
    if (rc == MG_OK) {
        size_t kept = 0;
        for (size_t i = 0; i < o.dir.n; i++)
            kept += o.m[i].kept;
        report_actionf(node, ACTION_REWROTE,
                       "the output is built from the parts kept, never copied",
                       "package rebuilt: mimetype first and stored, %zu parts, new manifest", kept);
    }
out:
    odf_free(&o);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Flatten */

int odfsan_flatten(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                   struct report_node *node)
{
    struct odf o;
    struct odf_text_stats st;
    struct textout to;
    xmlDocPtr doc = NULL;
    memset(&o, 0, sizeof(o));
    memset(&st, 0, sizeof(st));
    o.ctx = ctx;
    o.pol = ctx->pol;
    o.node = node;
    o.in = in;
    o.len = len;
    buf_reset(out);
    textout_init(&to, out);
    int rc = odf_open(&o);
    if (rc != MG_OK)
        goto out;
    /* The same content.xml the sanitizer would keep: on the allowlist and in the manifest. */
    struct odf_member *m = NULL;
    for (size_t i = 0; i < o.dir.n && !m; i++)
        if (o.m[i].kind == PK_XML && o.m[i].xml_index == 0 && o.m[i].have &&
            mf_lookup(&o, o.m[i].ze->name))
            m = &o.m[i];
    if (!m) {
        rc = odf_fail(&o, MG_ERR_PARSE, REASON_PARSE_ERROR,
                      "no content.xml listed in the manifest");
        goto out;
    }
    char why[256];
    bool dtd;
    rc = odfxml_parse(m->data.data, m->data.len, &doc, &dtd, why, sizeof(why));
    if (rc != MG_OK) {
        rc = odf_fail(&o, rc, dtd ? REASON_PARSE_ERROR : reason_from_err(rc), "content.xml: %s",
                      why);
        goto out;
    }
    rc = odf_text(doc, o.kind->type, o.pol->csv_neutralize_formulas, &to, &st);
    if (rc == MG_ERR_PARSE) {
        rc = odf_fail(&o, rc, REASON_PARSE_ERROR, "content.xml has no office:body for %s",
                      ftype_info(o.kind->type)->label);
        goto out;
    }
    if (rc == MG_ERR_LIMIT) {
        rc = odf_fail(&o, rc, REASON_LIMIT, "extracted text larger than %zu bytes", out->max);
        goto out;
    }
    if (rc != MG_OK) {
        rc = odf_fail(&o, rc, reason_from_err(rc), "%s", err_str(rc));
        goto out;
    }
    char detail[96] = "";
    if (st.tables)
        snprintf(detail, sizeof(detail), ", %u sheet(s) as CSV lines", st.tables);
    else if (st.pages)
        snprintf(detail, sizeof(detail), ", %u slide(s)", st.pages);
    else if (st.notes)
        snprintf(detail, sizeof(detail), ", %u note(s)", st.notes);
    report_actionf(node, ACTION_REWROTE, "policy: flatten OpenDocument files to text",
                   "%s converted to UTF-8 text%s; macros, scripts, embedded objects and links "
                   "are not carried over",
                   o.kind->type == FT_ODS || o.kind->type == FT_OTS   ? "spreadsheet"
                   : o.kind->type == FT_ODP || o.kind->type == FT_OTP ? "presentation"
                                                                      : "text document",
                   detail);
    if (to.dropped)
        report_actionf(node, ACTION_REMOVED,
                       "control characters can hide content or drive terminals",
                       "%zu control or bidi control characters", to.dropped);
    if (st.deep)
        report_actionf(node, ACTION_REMOVED, "nesting deeper than any document needs",
                       "%u element(s) nested too deep to read", st.deep);
    ctx->out_type = FT_TEXT;
out:
    if (doc)
        xmlFreeDoc(doc);
    if (rc != MG_OK)
        buf_reset(out);
    odf_free(&o);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Verify */

static bool image_magic_ok(const struct buf *b)
{
    const uint8_t *d = b->data;
    size_t n = b->len;
    return (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) ||
           (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) ||
           (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0));
}

int odfsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    struct odf o;
    memset(&o, 0, sizeof(o));
    o.ctx = ctx;
    o.pol = ctx->pol;
    o.verify = true;
    o.in = in;
    o.len = len;
    int rc = odf_open(&o);
    if (rc != MG_OK)
        goto out;
    rc = MG_ERR_VERIFY;
    /* mimetype first, stored, no extra field, no descriptor, its text at 38. */
    const struct zip_ent *e0 = &o.dir.ent[0];
    size_t ml = strlen(o.kind->mime);
    if (strcmp(e0->name, "mimetype") != 0 || e0->lh_off != 0 || e0->method != 0 ||
        (e0->flags & ZIP_FLAG_DESCRIPTOR) || len < 38 + ml || in[26] != 8 || in[27] != 0 ||
        in[28] != 0 || in[29] != 0 || e0->usize != ml || memcmp(in + 38, o.kind->mime, ml) != 0)
        goto out;
    for (size_t i = 0; i < o.dir.n; i++) {
        struct odf_member *m = &o.m[i];
        if (m->kind == PK_DROP || m->kind == PK_DIR)
            goto out;
        if (m->kind == PK_IMAGE && !image_magic_ok(&m->data))
            goto out;
        m->kept = true;
    }
    if (odf_index_kept(&o) != MG_OK)
        goto out;
    bool content = false;
    for (size_t i = 0; i < o.dir.n; i++)
        if (o.m[i].kind == PK_XML) {
            if (odf_xml(&o, &o.m[i]) != MG_OK)
                goto out;
            content |= o.m[i].xml_index == 0;
        }
    if (!content)
        goto out;
    /* The manifest lists exactly the members (and the root), no more. */
    size_t listed = 0;
    for (size_t i = 0; i < o.n_mf; i++) {
        const char *p = o.mf[i].path;
        if (strcmp(p, "/") == 0) {
            if (strcmp(o.mf[i].media, o.kind->mime) != 0)
                goto out;
            continue;
        }
        if (i > 0 && strcmp(o.mf[i - 1].path, p) == 0)
            goto out;
        if (!odf_part_kept(&o, p) || strcmp(p, "mimetype") == 0 ||
            strcmp(p, "META-INF/manifest.xml") == 0)
            goto out;
        listed++;
    }
    if (listed + 2 != o.dir.n)
        goto out;
    rc = MG_OK;
out:
    odf_free(&o);
    return rc == MG_OK ? MG_OK : MG_ERR_VERIFY;
}

#define ODF_TYPE(t)                                                                                \
    {                                                                                              \
        FT_##t, FT_##t, odfsan_sanitize, odfsan_verify, odfsan_flatten                             \
    }
static const struct san_type odf_types[] = {ODF_TYPE(ODT), ODF_TYPE(ODS), ODF_TYPE(ODP),
                                            ODF_TYPE(OTT), ODF_TYPE(OTS), ODF_TYPE(OTP)};
#undef ODF_TYPE

const struct san_family san_family_odf = {"odf", SAN_TYPES(odf_types), odfsan_global_init};
