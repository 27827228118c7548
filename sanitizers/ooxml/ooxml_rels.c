/*
 * ooxml_rels - content types, relationships, part names and the
 * relationship-type allowlist (see ooxml_rels.h).
 *
 * The allowlist is the list of part types a document needs to look and
 * work the same: the main part, styles, numbering, settings, fonts
 * (the table, not embedded font files), themes, headers, footers, notes,
 * comments, charts, drawings, SmartArt, sheets, shared strings, tables,
 * slides with their layouts, masters and notes, document properties,
 * images and embedded documents (both sanitized through dispatch), and
 * hyperlinks. Everything else, macros, OLE, ActiveX, external data,
 * templates, frames, customUI, fonts, media, pivot caches, is not on it
 * and so not kept; the reasons below only make the report say why.
 */
#include "ooxml_rels.h"
#include "err.h"
#include "hexval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define T_    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#define S_    "http://purl.oclc.org/ooxml/officeDocument/relationships/"
#define P_    "http://schemas.openxmlformats.org/package/2006/relationships/"
#define M7_   "http://schemas.microsoft.com/office/2007/relationships/"
#define M11_  "http://schemas.microsoft.com/office/2011/relationships/"
#define M16_  "http://schemas.microsoft.com/office/2016/09/relationships/"
#define M17_  "http://schemas.microsoft.com/office/2017/10/relationships/"
#define M18A_ "http://schemas.microsoft.com/office/2018/08/relationships/"
#define M18B_ "http://schemas.microsoft.com/office/2018/10/relationships/"

#define NS_CT   "http://schemas.openxmlformats.org/package/2006/content-types"
#define NS_RELS "http://schemas.openxmlformats.org/package/2006/relationships"

/* Transitional and Strict spellings of one officeDocument relationship type. */
#define BOTH(suffix, kind, roots, flags)                                                           \
    {T_ suffix, kind, roots, flags},                                                               \
    {                                                                                              \
        S_ suffix, kind, roots, flags                                                              \
    }

#define XML_   OOXML_KIND_XML
#define IMAGE_ OOXML_KIND_IMAGE

static const struct ooxml_reltype reltypes[] = {
        /* Package level */
        BOTH("officeDocument", XML_, "document|workbook|presentation",
             OOXML_RT_ROOT | OOXML_RT_MAIN),
        {T_ "extended-properties", XML_, "Properties", OOXML_RT_ROOT},
        {S_ "extendedProperties", XML_, "Properties", OOXML_RT_ROOT},
        {T_ "custom-properties", XML_, "Properties", OOXML_RT_ROOT},
        {S_ "customProperties", XML_, "Properties", OOXML_RT_ROOT},
        {P_ "metadata/core-properties", XML_, "coreProperties", OOXML_RT_ROOT},
        {T_ "metadata/core-properties", XML_, "coreProperties", OOXML_RT_ROOT},
        {P_ "metadata/thumbnail", IMAGE_, NULL, OOXML_RT_ROOT},
        /* Shared by all three applications */
        BOTH("image", IMAGE_, NULL, 0),
        BOTH("hyperlink", OOXML_KIND_HYPERLINK, NULL, 0),
        BOTH("package", OOXML_KIND_PACKAGE, NULL, 0),
        BOTH("theme", XML_, "theme", 0),
        BOTH("themeOverride", XML_, "themeOverride", 0),
        BOTH("styles", XML_, "styles|styleSheet", 0),
        BOTH("comments", XML_, "comments|cmLst", 0),
        BOTH("chart", XML_, "chartSpace", 0),
        BOTH("chartUserShapes", XML_, "userShapes", 0),
        {M11_ "chartStyle", XML_, "chartStyle", 0},
        {M11_ "chartColorStyle", XML_, "colorStyle", 0},
        BOTH("diagramData", XML_, "dataModel", 0),
        BOTH("diagramLayout", XML_, "layoutDef", 0),
        BOTH("diagramQuickStyle", XML_, "styleDef", 0),
        BOTH("diagramColors", XML_, "colorsDef", 0),
        {M7_ "diagramDrawing", XML_, "drawing", 0},
        BOTH("drawing", XML_, "wsDr", 0),
        BOTH("vmlDrawing", XML_, "xml", 0),
        /* WordprocessingML */
        BOTH("numbering", XML_, "numbering", 0),
        BOTH("settings", XML_, "settings", 0),
        BOTH("webSettings", XML_, "webSettings", 0),
        BOTH("fontTable", XML_, "fonts", 0),
        BOTH("header", XML_, "hdr", 0),
        BOTH("footer", XML_, "ftr", 0),
        BOTH("footnotes", XML_, "footnotes", 0),
        BOTH("endnotes", XML_, "endnotes", 0),
        BOTH("glossaryDocument", XML_, "glossaryDocument", 0),
        {M11_ "commentsExtended", XML_, "commentsEx", 0},
        {M16_ "commentsIds", XML_, "commentsIds", 0},
        {M18A_ "commentsExtensible", XML_, "commentsExtensible", 0},
        {M11_ "people", XML_, "people", 0},
        /* SpreadsheetML */
        BOTH("worksheet", XML_, "worksheet", 0),
        BOTH("chartsheet", XML_, "chartsheet", 0),
        BOTH("sharedStrings", XML_, "sst", 0),
        BOTH("table", XML_, "table", 0),
        BOTH("sheetMetadata", XML_, "metadata", 0),
        {M17_ "threadedComment", XML_, "ThreadedComments", 0},
        {M17_ "person", XML_, "personList", 0},
        /* PresentationML */
        BOTH("slide", XML_, "sld", 0),
        BOTH("slideLayout", XML_, "sldLayout", 0),
        BOTH("slideMaster", XML_, "sldMaster", 0),
        BOTH("notesSlide", XML_, "notes", 0),
        BOTH("notesMaster", XML_, "notesMaster", 0),
        BOTH("handoutMaster", XML_, "handoutMaster", 0),
        BOTH("presProps", XML_, "presentationPr", 0),
        BOTH("viewProps", XML_, "viewPr", 0),
        BOTH("tableStyles", XML_, "tblStyleLst", 0),
        BOTH("commentAuthors", XML_, "cmAuthorLst", 0),
        {M18B_ "comments", XML_, "cmLst", 0},
        {M18B_ "authors", XML_, "authorLst", 0},
};

/* Reasons for types that are dropped, by the type's last segment(s). */
static const struct {
    const char *suffix;
    const char *why;
} drop_reasons[] = {
        {"vbaProject", "VBA macro project"},
        {"vbaProjectSignature", "VBA macro project signature"},
        {"wordVbaData", "VBA macro data"},
        {"ui/extensibility", "ribbon customization (customUI; its onLoad runs macros)"},
        {"attachedTemplate",
         "attached template: fetched when the document opens (remote template injection)"},
        {"oleObject", "OLE object, embedded or linked (mhtml: and ms-msdt: links run code: "
                      "CVE-2021-40444, CVE-2022-30190)"},
        {"control", "ActiveX control"},
        {"activeXControlBinary", "ActiveX control"},
        {"frame", "frame: content loaded from elsewhere"},
        {"subDocument", "subdocument: content loaded from elsewhere"},
        {"externalLink", "link to an external workbook (DDE and OLE links)"},
        {"externalLinkPath", "path of an external workbook"},
        {"connections", "data connection (external data source)"},
        {"queryTable", "query table (external data)"},
        {"xlMacrosheet", "Excel 4.0 (XLM) macro sheet"},
        {"xlIntlMacrosheet", "Excel 4.0 (XLM) international macro sheet"},
        {"dialogsheet", "Excel 5 dialog sheet (macro user interface)"},
        {"customXml", "custom XML data (carries Power Query DataMashup and data bindings)"},
        {"customXmlProps", "custom XML data properties"},
        {"aFChunk", "imported content in another format (altChunk)"},
        {"font", "embedded font file (fonts are parsed by exploitable engines)"},
        {"printerSettings", "printer settings (binary device data)"},
        {"video", "media file"},
        {"audio", "media file"},
        {"media", "media file"},
        {"pivotTable", "pivot table (its values stay in the cells)"},
        {"pivotCacheDefinition", "pivot cache (can hold external data sources)"},
        {"pivotCacheRecords", "pivot cache records"},
        {"calcChain", "calculation chain (Excel rebuilds it)"},
        {"digital-signature/origin", "digital signature (no longer valid after rebuilding)"},
        {"tags", "custom tag data"},
        {"webextension", "web add-in"},
        {"webextensiontaskpanes", "web add-in task pane"},
        {"keyMapCustomizations", "macro key assignments"},
        {"attachedToolbars", "macro toolbars"},
        {"slideUpdateInfo", "slide update link (external)"},
        {"stylesWithEffects", "duplicate styles for an old Word version"},
        {"hdphoto", "HD Photo image (no sanitizer for the format)"},
        {"customProperty", "binary custom property data"},
        {"volatileDependencies", "volatile dependencies (real-time data)"},
        {"xmlMaps", "XML maps (external schemas)"},
        {"chartEx", "extended chart (not supported)"},
        {"slicer", "slicer (pivot table filter)"},
        {"slicerCache", "slicer cache"},
        {"timeline", "timeline (pivot table filter)"},
        {"timelineCache", "timeline cache"},
        {"recipientData", "mail merge recipient data"},
        {"mailMergeSource", "mail merge data source"},
        {"mailMergeHeaderSource", "mail merge data source"},
        {"transform", "XSL transform"},
        {"usernames", "shared workbook user names"},
        {"revisionHeaders", "shared workbook revision log"},
        {"revisionLog", "shared workbook revision log"},
        {"model3d", "3D model"},
        {"classificationlabels", "classification labels"},
        {"legacyDiagramText", "legacy diagram text"},
};

const struct ooxml_reltype *ooxml_reltype_find(const char *type)
{
    if (type == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(reltypes) / sizeof(reltypes[0]); i++)
        if (strcmp(type, reltypes[i].type) == 0)
            return &reltypes[i];
    return NULL;
}

const char *ooxml_reltype_short(const char *type)
{
    if (type == NULL)
        return "?";
    const char *s = strrchr(type, '/');
    return s && s[1] ? s + 1 : type;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a > b && s[a - b - 1] == '/' && strcmp(s + a - b, suffix) == 0;
}

const char *ooxml_reltype_why(const char *type)
{
    if (type == NULL)
        return "relationship without a type";
    for (size_t i = 0; i < sizeof(drop_reasons) / sizeof(drop_reasons[0]); i++)
        if (ends_with(type, drop_reasons[i].suffix))
            return drop_reasons[i].why;
    return "relationship type not on the allowlist";
}

bool ooxml_reltype_root_ok(const struct ooxml_reltype *rt, const char *local)
{
    if (rt->roots == NULL || local == NULL)
        return false;
    size_t ll = strlen(local);
    for (const char *p = rt->roots; *p;) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == ll && strncmp(p, local, n) == 0)
            return true;
        p += n + (e ? 1 : 0);
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Part names */

bool ooxml_part_key(const char *name, char *key, size_t keylen)
{
    size_t o = 0;
    if (name == NULL || keylen == 0)
        return false;
    while (*name == '/')
        name++;
    if (*name == '\0')
        return false;
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '%') {
            int h = hexval(p[1]), l = h < 0 ? -1 : hexval(p[2]);
            if (h < 0 || l < 0)
                return false;
            c = (unsigned char)(h * 16 + l);
            /* An encoded separator or dot segment would make two spellings
             * of different paths compare equal. */
            if (c == '/' || c == '\\' || c == 0)
                return false;
            p += 2;
        } else if (c < 0x20 || c == 0x7F || c == '\\') {
            return false;
        }
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        if (o + 1 >= keylen)
            return false;
        key[o++] = (char)c;
    }
    key[o] = '\0';
    /* No empty, "." or ".." segments, no trailing slash. */
    for (const char *s = key; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        if (e == NULL)
            break;
        s = e + 1;
        if (*s == '\0')
            return false;
    }
    return true;
}

bool ooxml_resolve_target(const char *source, const char *target, char *key, size_t keylen)
{
    char path[OOXML_KEY_MAX * 2];
    size_t o = 0;
    if (target == NULL || *target == '\0')
        return false;
    for (const char *p = target; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7F || c == '\\' || c == '?' || c == '#' || c == ':')
            return false;
    }
    /* Segments of the joined path, with "." and ".." applied. */
    const char *segs[512];
    size_t lens[512], n = 0;
    const char *parts[2] = {NULL, target};
    if (target[0] != '/')
        parts[0] = source;
    for (int k = 0; k < 2; k++) {
        const char *s = parts[k];
        if (s == NULL)
            continue;
        size_t total = strlen(s);
        const char *end = s + total;
        if (k == 0) {
            /* The source's directory: drop its last segment. */
            const char *slash = strrchr(s, '/');
            end = slash ? slash : s;
        }
        while (s < end) {
            const char *e = memchr(s, '/', (size_t)(end - s));
            size_t l = e ? (size_t)(e - s) : (size_t)(end - s);
            if (l == 0) {
                if (!(k == 1 && s == target)) /* only a leading '/' may be empty */
                    return false;
            } else if (l == 1 && s[0] == '.') {
                /* stays */
            } else if (l == 2 && s[0] == '.' && s[1] == '.') {
                if (n == 0)
                    return false;
                n--;
            } else {
                if (n >= sizeof(segs) / sizeof(segs[0]))
                    return false;
                segs[n] = s;
                lens[n] = l;
                n++;
            }
            if (e == NULL)
                break;
            s = e + 1;
            if (k == 1 && s == end)
                return false; /* trailing slash: a folder, not a part */
        }
    }
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (o + lens[i] + 2 >= sizeof(path))
            return false;
        if (i > 0)
            path[o++] = '/';
        memcpy(path + o, segs[i], lens[i]);
        o += lens[i];
    }
    path[o] = '\0';
    return ooxml_part_key(path, key, keylen);
}

bool ooxml_rels_name(const char *part, char *out, size_t outlen)
{
    if (part == NULL || *part == '\0')
        return (size_t)snprintf(out, outlen, "_rels/.rels") < outlen;
    const char *slash = strrchr(part, '/');
    int r;
    if (slash == NULL)
        r = snprintf(out, outlen, "_rels/%s.rels", part);
    else
        r = snprintf(out, outlen, "%.*s/_rels/%s.rels", (int)(slash - part), part, slash + 1);
    return r > 0 && (size_t)r < outlen;
}

const char *ooxml_part_ext(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    const char *dot = strrchr(base, '.');
    return dot ? dot + 1 : "";
}

/* ------------------------------------------------------------------ */
/* Content types and relationships */

static bool is_elem(xmlNodePtr n, const char *ns, const char *local)
{
    return n->type == XML_ELEMENT_NODE && n->ns != NULL && n->ns->href != NULL &&
           strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, local) == 0;
}

/* An attribute without namespace, as a malloc'd string, or NULL. */
static char *attr_dup(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (v == NULL)
        return NULL;
    char *s = strdup((const char *)v);
    xmlFree(v);
    return s;
}

static int ct_push(struct ooxml_ct_entry **arr, size_t *n, char *key, char *type)
{
    if (*n >= 65536)
        return MG_ERR_LIMIT;
    struct ooxml_ct_entry *a = realloc(*arr, (*n + 1) * sizeof(**arr));
    if (a == NULL)
        return MG_ERR_NOMEM;
    *arr = a;
    a[*n].key = key;
    a[*n].type = type;
    (*n)++;
    return MG_OK;
}

int ooxml_ct_parse(xmlDocPtr doc, struct ooxml_ct *ct, char *why, size_t whylen)
{
    memset(ct, 0, sizeof(*ct));
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (root == NULL || !is_elem(root, NS_CT, "Types"))
        return err_fail(why, whylen, MG_ERR_PARSE,
                        "[Content_Types].xml is not a content types part");
    for (xmlNodePtr c = root->children; c; c = c->next) {
        bool def = is_elem(c, NS_CT, "Default"), ovr = is_elem(c, NS_CT, "Override");
        if (!def && !ovr)
            continue;
        char *k = attr_dup(c, def ? "Extension" : "PartName");
        char *t = attr_dup(c, "ContentType");
        char key[OOXML_KEY_MAX];
        bool ok = k != NULL && t != NULL;
        if (ok && def) {
            size_t l = strlen(k);
            ok = l > 0 && l < 64;
            for (size_t i = 0; ok && i < l; i++) {
                unsigned char ch = (unsigned char)k[i];
                if (ch <= 0x20 || ch >= 0x7F || ch == '/' || ch == '.')
                    ok = false;
                else if (ch >= 'A' && ch <= 'Z')
                    k[i] = (char)(ch + 32);
            }
        } else if (ok) {
            ok = ooxml_part_key(k, key, sizeof(key));
            if (ok) {
                free(k);
                k = strdup(key);
                ok = k != NULL;
            }
        }
        if (!ok) {
            /* An entry we cannot read gives its parts no type: they are dropped. */
            free(k);
            free(t);
            continue;
        }
        int rc = def ? ct_push(&ct->def, &ct->n_def, k, t) : ct_push(&ct->ovr, &ct->n_ovr, k, t);
        if (rc != MG_OK) {
            free(k);
            free(t);
            ooxml_ct_free(ct);
            return err_fail(why, whylen, rc, "too many content type entries");
        }
    }
    return MG_OK;
}

const char *ooxml_ct_lookup(const struct ooxml_ct *ct, const char *key)
{
    /* Two entries for one name are ambiguous: no type, so the part is dropped. */
    const char *found = NULL;
    for (size_t i = 0; i < ct->n_ovr; i++)
        if (strcmp(ct->ovr[i].key, key) == 0) {
            if (found != NULL && strcasecmp(found, ct->ovr[i].type) != 0)
                return NULL;
            found = ct->ovr[i].type;
        }
    if (found != NULL)
        return found;
    const char *ext = ooxml_part_ext(key);
    if (*ext == '\0')
        return NULL;
    for (size_t i = 0; i < ct->n_def; i++)
        if (strcmp(ct->def[i].key, ext) == 0) {
            if (found != NULL && strcasecmp(found, ct->def[i].type) != 0)
                return NULL;
            found = ct->def[i].type;
        }
    return found;
}

void ooxml_ct_free(struct ooxml_ct *ct)
{
    for (size_t i = 0; i < ct->n_def; i++) {
        free(ct->def[i].key);
        free(ct->def[i].type);
    }
    for (size_t i = 0; i < ct->n_ovr; i++) {
        free(ct->ovr[i].key);
        free(ct->ovr[i].type);
    }
    free(ct->def);
    free(ct->ovr);
    memset(ct, 0, sizeof(*ct));
}

int ooxml_rels_parse(xmlDocPtr doc, struct ooxml_rels *rels, char *why, size_t whylen)
{
    memset(rels, 0, sizeof(*rels));
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (root == NULL || !is_elem(root, NS_RELS, "Relationships"))
        return err_fail(why, whylen, MG_ERR_PARSE, "not a relationships part");
    size_t alloc = 0;
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (!is_elem(c, NS_RELS, "Relationship"))
            continue;
        if (rels->n >= 65536) {
            ooxml_rels_free(rels);
            return err_fail(why, whylen, MG_ERR_LIMIT, "more than 65536 relationships");
        }
        if (rels->n == alloc) {
            size_t na = alloc ? alloc * 2 : 16;
            struct ooxml_rel *r = realloc(rels->r, na * sizeof(*r));
            if (r == NULL) {
                ooxml_rels_free(rels);
                return err_fail(why, whylen, MG_ERR_NOMEM, "out of memory");
            }
            rels->r = r;
            alloc = na;
        }
        struct ooxml_rel *r = &rels->r[rels->n];
        memset(r, 0, sizeof(*r));
        r->id = attr_dup(c, "Id");
        r->type = attr_dup(c, "Type");
        r->target = attr_dup(c, "Target");
        char *mode = attr_dup(c, "TargetMode");
        r->external = mode != NULL && strcmp(mode, "Internal") != 0;
        free(mode);
        rels->n++;
    }
    return MG_OK;
}

void ooxml_rels_free(struct ooxml_rels *rels)
{
    for (size_t i = 0; i < rels->n; i++) {
        free(rels->r[i].id);
        free(rels->r[i].type);
        free(rels->r[i].target);
    }
    free(rels->r);
    memset(rels, 0, sizeof(*rels));
}

bool ooxml_link_scheme_ok(const char *target)
{
    if (target == NULL)
        return false;
    for (const char *p = target; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7F)
            return false;
    }
    return strncasecmp(target, "http://", 7) == 0 || strncasecmp(target, "https://", 8) == 0 ||
           strncasecmp(target, "mailto:", 7) == 0;
}
