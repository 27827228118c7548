/*
 * pdfsan - PDF sanitizer on qpdf's C API, text flattening with poppler
 * (see pdfsan.h).
 *
 * Why a graph walk: qpdf parses every PDF construct (object streams, all
 * revisions, broken xref tables, #xx escapes in names) but removes nothing.
 * Its writer, told not to keep unreferenced objects, writes exactly what is
 * reachable from the trailer. So we visit exactly that set, once, before
 * writing (explicit stack, visited set, visit cap). Every dictionary
 * visited loses its dangerous keys (/JS, /JavaScript, /AA, /XFA,
 * /EmbeddedFiles, /EF...) and is then judged by its /Type, /Subtype and /S:
 * a known action type that is not allowed, an annotation that does not
 * just draw, a multimedia, 3D, PostScript or embedded-file object goes,
 * wherever it sits. Where a viewer acts on what it finds (under /A,
 * /OpenAction, /PA, /NA, /Next, and in /Annots) the value is judged at the
 * reference too, by allowlist: an unknown action or annotation kind goes
 * there. A dropped indirect object is replaced by null, so no second
 * reference to it survives; a dropped direct dictionary is emptied. What is
 * left unreferenced is not written. The same walk in check mode verifies
 * an output: it must find nothing to remove.
 *
 * What stays (allowlist): GoTo actions, URI actions to http, https and
 * mailto (none when the policy's keep_hyperlinks is off), Named
 * actions NextPage/PrevPage/FirstPage/LastPage; annotation subtypes that
 * only draw (Text, Link, Widget, markup...); catalog keys for structure,
 * navigation, forms without XFA, metadata; name trees /Dests and /AP.
 * AcroForm is kept without /XFA (a form still shows its fields); the form
 * actions and /AA on fields are removed like any other.
 *
 * Everything here runs in the sandbox: qpdf reads from and writes to
 * memory, its logger discards, and poppler's disk data is loaded by
 * pdfsan_global_init() before the fork.
 */
#include "pdfsan.h"
#include "err.h"

#include <poppler.h>
#include <qpdf/qpdf-c.h>
#include <qpdf/qpdflogger-c.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PDFSAN_MAX_VISITS   1000000u /* containers walked per file */
#define PDFSAN_MAX_PAGES    100000
#define PDFSAN_SEEN_INITIAL 1024u

enum pdfsan_mode {
    PDFSAN_CLEAN, /* remove and report */
    PDFSAN_CHECK, /* count what would be removed (verify) */
};

/* How a value is referenced: decides how a dictionary is judged. */
enum pdfsan_ref {
    REF_OTHER,
    REF_ACTION, /* /A /OpenAction /PA /NA /Next, or an item of a /Next array */
    REF_ANNOT,  /* an item of an /Annots array */
};

struct pdfsan_frame {
    qpdf_oh oh;
    uint8_t items; /* for arrays: enum pdfsan_ref of the items */
};

struct pdfsan_walk {
    qpdf_data q;
    enum pdfsan_mode mode;
    bool flatten;    /* also drop annotations and forms (text is all we keep) */
    bool keep_links; /* policy keep_hyperlinks: http, https and mailto URIs stay */
    struct report_node *node;
    int err; /* first hard error (MG_ERR_LIMIT, MG_ERR_NOMEM, MG_ERR_PARSE) */
    uint64_t visits;
    size_t findings; /* CHECK: constructs that should not be there */
    char first_finding[200];
    struct pdfsan_frame *stack;
    size_t n_stack, cap_stack;
    uint64_t *seen; /* indirect objects pushed: open addressing, key + 1 */
    size_t seen_cap, seen_n;
    unsigned long images;
    bool font_needs_data; /* a font poppler could only read with its data files */
    char font_why[160];
};

/* ---- name sets --------------------------------------------------------- */

static bool name_in(const char *name, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(name, *set) == 0)
            return true;
    return false;
}

/* Keys removed wherever they appear, with the reason. */
static const char *pdfsan_drop_key(const char *k)
{
    static const struct {
        const char *key, *why;
    } keys[] = {
            {"/JS", "JavaScript"},
            {"/JavaScript", "JavaScript"},
            {"/AA", "additional actions run on open, close, focus, print and other events"},
            {"/XFA", "XFA forms carry scripts and fetch data"},
            {"/EmbeddedFiles", "embedded files can carry executables"},
            {"/EF", "embedded file streams can carry executables"},
            {"/RF", "related files of an embedded file"},
            {"/AF", "associated (attached) files"},
            {"/RichMediaContent", "rich media (Flash, video) content"},
            {"/RichMediaSettings", "rich media activation"},
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(k, keys[i].key) == 0)
            return keys[i].why;
    return NULL;
}

/* Every action type the standard defines, so that an action is recognised
 * wherever it is put, not only under the keys a viewer looks at. */
static const char *const pdfsan_action_types[] = {
        "/GoTo",        "/GoToR",      "/GoToE",     "/GoToDp",     "/Launch",
        "/Thread",      "/URI",        "/Sound",     "/Movie",      "/Hide",
        "/Named",       "/SubmitForm", "/ResetForm", "/ImportData", "/JavaScript",
        "/SetOCGState", "/Rendition",  "/Trans",     "/GoTo3DView", "/RichMediaExecute",
        "/ECMAScript",  NULL};

static const char *const pdfsan_named_ok[] = {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage",
                                              NULL};

static const char *const pdfsan_annot_ok[] = {
        "/Text",    "/Link",      "/FreeText",  "/Line",      "/Square",   "/Circle",
        "/Polygon", "/PolyLine",  "/Highlight", "/Underline", "/Squiggly", "/StrikeOut",
        "/Stamp",   "/Caret",     "/Ink",       "/Popup",     "/Widget",   "/PrinterMark",
        "/TrapNet", "/Watermark", "/Redact",    NULL};

/* Subtypes that are dropped wherever they appear: annotations that play or
 * carry content, PostScript XObjects, 3D streams. */
static const char *const pdfsan_subtype_bad[] = {
        "/FileAttachment", "/Sound", "/Movie", "/Screen", "/3D", "/RichMedia",
        "/Projection",     "/PS",    "/U3D",   "/PRC",    NULL};

/* Object types dropped wherever they appear. */
static const char *const pdfsan_type_bad[] = {"/EmbeddedFile", "/Sound", "/3D", "/RichMediaContent",
                                              NULL};

static const char *const pdfsan_catalog_ok[] = {
        "/Type",       "/Version",  "/Extensions",    "/Pages",
        "/PageLabels", "/Names",    "/Dests",         "/ViewerPreferences",
        "/PageLayout", "/PageMode", "/Outlines",      "/Threads",
        "/OpenAction", "/AcroForm", "/Metadata",      "/StructTreeRoot",
        "/MarkInfo",   "/Lang",     "/OutputIntents", "/OCProperties",
        NULL};

static const char *const pdfsan_names_ok[] = {"/Dests", "/AP", NULL};

/* Trailer keys the writer recomputes or drops itself; not walked. */
static const char *const pdfsan_trailer_internal[] = {
        "/Size",  "/Prev",   "/XRefStm", "/Encrypt",     "/Type", "/W",
        "/Index", "/Length", "/Filter",  "/DecodeParms", NULL};

/* ---- findings ---------------------------------------------------------- */

static void pdfsan_found(struct pdfsan_walk *w, const char *why, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void pdfsan_found(struct pdfsan_walk *w, const char *why, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (w->mode == PDFSAN_CHECK) {
        if (w->findings++ == 0)
            snprintf(w->first_finding, sizeof(w->first_finding), "%s", what);
        return;
    }
    if (w->node)
        report_action(w->node, "removed", what, why);
}

/* ---- small qpdf helpers ------------------------------------------------ */

/* The name at key in dict, copied into buf ("" when absent or not a name). */
static const char *pdfsan_name_at(qpdf_data q, qpdf_oh dict, const char *key, char *buf, size_t cap)
{
    const char *name = NULL;
    size_t n = 0;
    buf[0] = '\0';
    qpdf_oh v = qpdf_oh_get_key(q, dict, key);
    if (qpdf_oh_get_value_as_name(q, v, &name, &n) && name) {
        if (n >= cap)
            n = cap - 1;
        memcpy(buf, name, n);
        buf[n] = '\0';
    }
    qpdf_oh_release(q, v);
    return buf;
}

/* "object 12 0" or "a direct object" for the report. */
static void pdfsan_where(qpdf_data q, qpdf_oh oh, char *buf, size_t cap)
{
    int id = qpdf_oh_get_object_id(q, oh);
    if (id > 0)
        snprintf(buf, cap, "object %d %d", id, qpdf_oh_get_generation(q, oh));
    else
        snprintf(buf, cap, "direct object");
}

/* splitmix64's finaliser: every input bit reaches the low bits we mask. */
static size_t pdfsan_hash(uint64_t k)
{
    k ^= k >> 30;
    k *= 0xBF58476D1CE4E5B9ull;
    k ^= k >> 27;
    k *= 0x94D049BB133111EBull;
    k ^= k >> 31;
    return (size_t)k;
}

static int pdfsan_seen_grow(struct pdfsan_walk *w)
{
    size_t ncap = w->seen_cap ? w->seen_cap * 2 : PDFSAN_SEEN_INITIAL;
    uint64_t *n = calloc(ncap, sizeof(*n));
    if (!n)
        return MG_ERR_NOMEM;
    for (size_t i = 0; i < w->seen_cap; i++) {
        uint64_t k = w->seen[i];
        if (!k)
            continue;
        size_t j = pdfsan_hash(k) & (ncap - 1);
        while (n[j])
            j = (j + 1) & (ncap - 1);
        n[j] = k;
    }
    free(w->seen);
    w->seen = n;
    w->seen_cap = ncap;
    return MG_OK;
}

/* Mark an indirect object; returns 1 if it was new, 0 if seen, < 0 on error. */
static int pdfsan_seen_add(struct pdfsan_walk *w, int id, int gen)
{
    if ((w->seen_n + 1) * 2 > w->seen_cap) {
        int rc = pdfsan_seen_grow(w);
        if (rc != MG_OK)
            return rc;
    }
    uint64_t k = ((uint64_t)(uint32_t)id << 32 | (uint32_t)gen) + 1;
    size_t j = pdfsan_hash(k) & (w->seen_cap - 1);
    while (w->seen[j]) {
        if (w->seen[j] == k)
            return 0;
        j = (j + 1) & (w->seen_cap - 1);
    }
    w->seen[j] = k;
    w->seen_n++;
    return 1;
}

/* Take ownership of oh: push it to be walked, or release it. */
static void pdfsan_push(struct pdfsan_walk *w, qpdf_oh oh, enum pdfsan_ref items)
{
    qpdf_data q = w->q;
    if (w->err) {
        qpdf_oh_release(q, oh);
        return;
    }
    int id = qpdf_oh_get_object_id(q, oh);
    if (id > 0) {
        int rc = pdfsan_seen_add(w, id, qpdf_oh_get_generation(q, oh));
        if (rc <= 0) {
            if (rc < 0)
                w->err = rc;
            qpdf_oh_release(q, oh);
            return;
        }
    }
    if (++w->visits > PDFSAN_MAX_VISITS) {
        w->err = MG_ERR_LIMIT;
        qpdf_oh_release(q, oh);
        return;
    }
    if (w->n_stack == w->cap_stack) {
        size_t ncap = w->cap_stack ? w->cap_stack * 2 : 256;
        struct pdfsan_frame *n = realloc(w->stack, ncap * sizeof(*n));
        if (!n) {
            w->err = MG_ERR_NOMEM;
            qpdf_oh_release(q, oh);
            return;
        }
        w->stack = n;
        w->cap_stack = ncap;
    }
    w->stack[w->n_stack].oh = oh;
    w->stack[w->n_stack].items = (uint8_t)items;
    w->n_stack++;
}

/* ---- judging ------------------------------------------------------------- */

/* A URI a user may follow: http, https or mailto (the policy's
 * keep_hyperlinks promise for documents), printable ASCII, no spaces. */
static bool pdfsan_uri_ok(const char *s, size_t n)
{
    size_t skip;
    if (n >= 7 && strncasecmp(s, "http://", 7) == 0)
        skip = 7;
    else if (n >= 8 && strncasecmp(s, "https://", 8) == 0)
        skip = 8;
    else if (n >= 7 && strncasecmp(s, "mailto:", 7) == 0)
        skip = 7;
    else
        return false;
    if (n == skip)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7F || s[i] == '\\')
            return false;
    return true;
}

/* NULL when the action may stay, else why it goes; what names it. */
static const char *pdfsan_action_verdict(struct pdfsan_walk *w, qpdf_oh d, const char *s,
                                         char *what, size_t cap)
{
    qpdf_data q = w->q;
    if (!s[0]) {
        snprintf(what, cap, "action without a type");
        return "only GoTo, http(s) URI and page-turning actions are kept";
    }
    if (strcmp(s, "/GoTo") == 0)
        return NULL;
    if (strcmp(s, "/Named") == 0) {
        char n[64];
        pdfsan_name_at(q, d, "/N", n, sizeof(n));
        if (name_in(n, pdfsan_named_ok))
            return NULL;
        snprintf(what, cap, "Named action %.40s", n[0] ? n : "(none)");
        return "only the page-turning Named actions are kept";
    }
    if (strcmp(s, "/URI") == 0) {
        qpdf_oh u = qpdf_oh_get_key(q, d, "/URI");
        bool ok = false;
        char shown[64] = "";
        if (qpdf_oh_is_string(q, u)) {
            size_t n = 0;
            const char *v = qpdf_oh_get_binary_string_value(q, u, &n);
            ok = w->keep_links && v && pdfsan_uri_ok(v, n);
            size_t j = 0;
            for (size_t i = 0; v && i < n && j + 1 < sizeof(shown); i++)
                shown[j++] = (v[i] > 0x20 && v[i] < 0x7F) ? v[i] : '?';
            shown[j] = '\0';
        }
        qpdf_oh_release(q, u);
        if (ok)
            return NULL;
        snprintf(what, cap, "URI action to \"%s\"", shown);
        if (!w->keep_links)
            return "policy: keep_hyperlinks is off";
        return "links are kept only to http, https and mailto";
    }
    snprintf(what, cap, "%.60s action", s + 1);
    if (strcmp(s, "/JavaScript") == 0 || strcmp(s, "/ECMAScript") == 0)
        return "JavaScript";
    if (strcmp(s, "/Launch") == 0)
        return "launches a program or opens a file";
    if (strcmp(s, "/SubmitForm") == 0 || strcmp(s, "/ImportData") == 0)
        return "sends or loads form data";
    if (strcmp(s, "/GoToR") == 0 || strcmp(s, "/GoToE") == 0 || strcmp(s, "/GoToDp") == 0)
        return "opens another (remote or embedded) document";
    if (strcmp(s, "/Rendition") == 0 || strcmp(s, "/RichMediaExecute") == 0 ||
        strcmp(s, "/Sound") == 0 || strcmp(s, "/Movie") == 0)
        return "plays media or runs rich media commands";
    return "only GoTo, http(s) URI and page-turning actions are kept";
}

/* Check a Type0 font for what poppler would read from its data files. */
static void pdfsan_check_font(struct pdfsan_walk *w, qpdf_oh d)
{
    qpdf_data q = w->q;
    char enc[96];
    if (w->font_needs_data)
        return;
    pdfsan_name_at(q, d, "/Encoding", enc, sizeof(enc));
    if (enc[0] && strcmp(enc, "/Identity-H") != 0 && strcmp(enc, "/Identity-V") != 0) {
        w->font_needs_data = true;
        snprintf(w->font_why, sizeof(w->font_why), "a font uses the predefined CMap %s", enc);
        return;
    }
    qpdf_oh e = qpdf_oh_get_key(q, d, "/Encoding");
    if (qpdf_oh_is_stream(q, e)) {
        qpdf_oh ed = qpdf_oh_get_dict(q, e);
        qpdf_oh use = qpdf_oh_get_key(q, ed, "/UseCMap");
        if (!qpdf_oh_is_null(q, use)) {
            w->font_needs_data = true;
            snprintf(w->font_why, sizeof(w->font_why), "a font's CMap uses another CMap");
        }
        qpdf_oh_release(q, use);
        qpdf_oh_release(q, ed);
    }
    qpdf_oh_release(q, e);
    qpdf_oh tu = qpdf_oh_get_key(q, d, "/ToUnicode");
    bool has_tu = qpdf_oh_is_stream(q, tu);
    qpdf_oh_release(q, tu);
    if (has_tu || w->font_needs_data)
        return;
    /* Without ToUnicode poppler maps CIDs through a cidToUnicode file of
     * the font's character collection, unless it is Adobe-Identity. */
    qpdf_oh df = qpdf_oh_get_key(q, d, "/DescendantFonts");
    qpdf_oh f0 = qpdf_oh_get_array_item(q, df, 0);
    qpdf_oh si = qpdf_oh_get_key(q, f0, "/CIDSystemInfo");
    qpdf_oh ord = qpdf_oh_get_key(q, si, "/Ordering");
    if (qpdf_oh_is_string(q, ord)) {
        const char *o = qpdf_oh_get_string_value(q, ord);
        if (o && strcmp(o, "Identity") != 0 && strcmp(o, "UCS") != 0) {
            w->font_needs_data = true;
            snprintf(w->font_why, sizeof(w->font_why), "a %.40s font has no ToUnicode map", o);
        }
    }
    qpdf_oh_release(q, ord);
    qpdf_oh_release(q, si);
    qpdf_oh_release(q, f0);
    qpdf_oh_release(q, df);
}

/* The names a dictionary is judged by. */
struct pdfsan_kind {
    char type[64], sub[64], s[64];
    bool has_s;
};

/*
 * Judge a dictionary (or a stream's dictionary) by its names. ref says how
 * it was reached: under an action key or in /Annots the allowlists apply
 * (only kept actions, only drawing annotations); anywhere else the known
 * action types and the bad types and subtypes are caught. Returns NULL to
 * keep it, else the reason; what describes it.
 */
static const char *pdfsan_judge(struct pdfsan_walk *w, qpdf_oh d, const struct pdfsan_kind *kd,
                                enum pdfsan_ref ref, char *what, size_t cap)
{
    const char *type = kd->type, *sub = kd->sub, *s = kd->s;
    if (strcmp(type, "/Action") == 0 || name_in(s, pdfsan_action_types) ||
        (ref == REF_ACTION && kd->has_s))
        return pdfsan_action_verdict(w, d, s, what, cap);

    if (ref == REF_ANNOT || strcmp(type, "/Annot") == 0) {
        if (w->flatten) {
            snprintf(what, cap, "annotation %.40s", sub[0] ? sub + 1 : "(no subtype)");
            return "text extraction keeps page content only";
        }
        if (name_in(sub, pdfsan_annot_ok))
            return NULL;
        snprintf(what, cap, "%.40s annotation", sub[0] ? sub + 1 : "untyped");
        if (strcmp(sub, "/FileAttachment") == 0)
            return "file attachments can carry executables";
        return "only annotations that draw are kept (media, 3D and attachments are not)";
    }
    if (name_in(sub, pdfsan_subtype_bad)) {
        snprintf(what, cap, "%.40s object", sub + 1);
        if (strcmp(sub, "/PS") == 0)
            return "PostScript XObjects are code";
        if (strcmp(sub, "/FileAttachment") == 0)
            return "file attachments can carry executables";
        return "multimedia and 3D objects can carry scripts and run players";
    }
    if (name_in(type, pdfsan_type_bad)) {
        snprintf(what, cap, "%.40s object", type + 1);
        if (strcmp(type, "/EmbeddedFile") == 0)
            return "embedded files can carry executables";
        return "multimedia and 3D objects can carry scripts and run players";
    }
    return NULL;
}

/* ---- cutting ------------------------------------------------------------- */

/* The value v (owned) is not allowed: cut the reference, null the object. */
static void pdfsan_cut(struct pdfsan_walk *w, qpdf_oh v)
{
    qpdf_data q = w->q;
    int id = qpdf_oh_get_object_id(q, v);
    if (w->mode == PDFSAN_CLEAN && id > 0) {
        qpdf_oh null = qpdf_oh_new_null(q);
        qpdf_replace_object(q, id, qpdf_oh_get_generation(q, v), null);
        qpdf_oh_release(q, null);
    }
    qpdf_oh_release(q, v);
}

/*
 * Decide about value v (owned) referenced from container c under key.
 * Under an action key and in /Annots the value is judged here, at the
 * reference, because there the allowlists apply; everything else is judged
 * when it is visited. Returns true when the reference must be cut.
 */
static bool pdfsan_visit_value(struct pdfsan_walk *w, qpdf_oh c, const char *key, qpdf_oh v,
                               enum qpdf_object_type_e t, enum pdfsan_ref ref)
{
    qpdf_data q = w->q;
    if (t == ot_dictionary || t == ot_stream) {
        if (ref != REF_OTHER) {
            qpdf_oh d = t == ot_stream ? qpdf_oh_get_dict(q, v) : v;
            struct pdfsan_kind kd;
            char what[128], where[48];
            pdfsan_name_at(q, d, "/Type", kd.type, sizeof(kd.type));
            pdfsan_name_at(q, d, "/Subtype", kd.sub, sizeof(kd.sub));
            pdfsan_name_at(q, d, "/S", kd.s, sizeof(kd.s));
            kd.has_s = kd.s[0] || qpdf_oh_has_key(q, d, "/S");
            const char *why = pdfsan_judge(w, d, &kd, ref, what, sizeof(what));
            if (d != v)
                qpdf_oh_release(q, d);
            if (why) {
                pdfsan_where(q, c, where, sizeof(where));
                pdfsan_found(w, why, "%s (under %.40s in %s)", what, key, where);
                pdfsan_cut(w, v);
                return true;
            }
        }
        pdfsan_push(w, v, REF_OTHER);
    } else if (t == ot_array) {
        enum pdfsan_ref items = REF_OTHER;
        if (strcmp(key, "/Annots") == 0)
            items = REF_ANNOT;
        else if (strcmp(key, "/Next") == 0)
            items = REF_ACTION;
        pdfsan_push(w, v, items);
    } else {
        qpdf_oh_release(q, v);
    }
    return false;
}

static enum pdfsan_ref pdfsan_ref_of_key(const char *k)
{
    if (strcmp(k, "/A") == 0 || strcmp(k, "/OpenAction") == 0 || strcmp(k, "/PA") == 0 ||
        strcmp(k, "/NA") == 0 || strcmp(k, "/Next") == 0)
        return REF_ACTION;
    return REF_OTHER;
}

/* A key list taken from a dictionary (see pdfsan_keys). */
struct pdfsan_keys {
    char **k;
    size_t n;
};

static void pdfsan_keys_free(struct pdfsan_keys *ks)
{
    for (size_t i = 0; i < ks->n; i++)
        free(ks->k[i]);
    free(ks->k);
    ks->k = NULL;
    ks->n = 0;
}

/*
 * A key holding a NUL byte (from #00) cannot be named through the C API:
 * it could be neither judged nor removed, so the walk stops (MG_ERR_PARSE).
 */
static bool pdfsan_key_addressable(struct pdfsan_walk *w, qpdf_oh d, const char *k)
{
    if (k && qpdf_oh_has_key(w->q, d, k))
        return true;
    w->err = MG_ERR_PARSE;
    return false;
}

/* The keys of d not in skip, copied, for the catalog and the trailer,
 * whose values are looked into while their keys are removed. */
static int pdfsan_keys(struct pdfsan_walk *w, qpdf_oh d, const char *const *skip,
                       struct pdfsan_keys *ks)
{
    qpdf_data q = w->q;
    size_t cap = 0;
    ks->k = NULL;
    ks->n = 0;
    qpdf_oh_begin_dict_key_iter(q, d);
    while (qpdf_oh_dict_more_keys(q)) {
        const char *k = qpdf_oh_dict_next_key(q);
        if (!pdfsan_key_addressable(w, d, k))
            break;
        if (skip && name_in(k, skip))
            continue;
        if (ks->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nk = realloc(ks->k, ncap * sizeof(*nk));
            if (!nk) {
                w->err = MG_ERR_NOMEM;
                break;
            }
            ks->k = nk;
            cap = ncap;
        }
        if (!(ks->k[ks->n] = strdup(k))) {
            w->err = MG_ERR_NOMEM;
            break;
        }
        ks->n++;
    }
    if (w->err)
        pdfsan_keys_free(ks);
    return w->err;
}

/* Take every key out of a direct dictionary that must go (it has no
 * object number to be replaced by null). */
static void pdfsan_empty_dict(struct pdfsan_walk *w, qpdf_oh d)
{
    struct pdfsan_keys ks;
    if (pdfsan_keys(w, d, NULL, &ks) != MG_OK)
        return;
    for (size_t i = 0; i < ks.n; i++)
        qpdf_oh_remove_key(w->q, d, ks.k[i]);
    pdfsan_keys_free(&ks);
}

static void pdfsan_copy_name(qpdf_data q, qpdf_oh v, char *buf, size_t cap)
{
    const char *name = NULL;
    size_t n = 0;
    if (qpdf_oh_get_value_as_name(q, v, &name, &n) && name) {
        if (n >= cap)
            n = cap - 1;
        memcpy(buf, name, n);
        buf[n] = '\0';
    }
}

/*
 * Visit a dictionary (self is the object: the dictionary itself, or the
 * stream whose dictionary d is). Keys are handled while iterating (the
 * iteration runs over a copy of the key set, and nothing below starts
 * another one); the names that say what the dictionary is are picked up on
 * the way and judged at the end.
 */
static void pdfsan_walk_dict(struct pdfsan_walk *w, qpdf_oh self, qpdf_oh d)
{
    qpdf_data q = w->q;
    struct pdfsan_kind kd = {.has_s = false};
    qpdf_oh_begin_dict_key_iter(q, d);
    while (qpdf_oh_dict_more_keys(q) && !w->err) {
        const char *k = qpdf_oh_dict_next_key(q);
        if (!k) {
            w->err = MG_ERR_PARSE;
            break;
        }
        const char *why = pdfsan_drop_key(k);
        if (why && !pdfsan_key_addressable(w, d, k))
            break;
        if (why) {
            char where[48];
            pdfsan_where(q, d, where, sizeof(where));
            pdfsan_found(w, why, "%.60s entry in %s", k, where);
            if (w->mode == PDFSAN_CLEAN)
                qpdf_oh_remove_key(q, d, k);
            continue;
        }
        qpdf_oh v = qpdf_oh_get_key(q, d, k);
        enum qpdf_object_type_e t = qpdf_oh_get_type_code(q, v);
        /* qpdf lists no key whose value is null, so a null here may be a
         * key we cannot address. */
        if (t == ot_null && !pdfsan_key_addressable(w, d, k)) {
            qpdf_oh_release(q, v);
            break;
        }
        if (k[1] == 'T' && strcmp(k, "/Type") == 0)
            pdfsan_copy_name(q, v, kd.type, sizeof(kd.type));
        else if (k[1] == 'S' && strcmp(k, "/Subtype") == 0)
            pdfsan_copy_name(q, v, kd.sub, sizeof(kd.sub));
        else if (k[1] == 'S' && k[2] == '\0') {
            kd.has_s = true;
            pdfsan_copy_name(q, v, kd.s, sizeof(kd.s));
        }
        if (pdfsan_visit_value(w, d, k, v, t, pdfsan_ref_of_key(k)) && w->mode == PDFSAN_CLEAN)
            qpdf_oh_remove_key(q, d, k);
    }
    if (w->err)
        return;

    char what[128], where[48];
    const char *why = pdfsan_judge(w, d, &kd, REF_OTHER, what, sizeof(what));
    if (why) {
        pdfsan_where(q, self, where, sizeof(where));
        pdfsan_found(w, why, "%s (%s)", what, where);
        if (w->mode != PDFSAN_CLEAN)
            return;
        if (qpdf_oh_get_object_id(q, self) > 0)
            pdfsan_cut(w, qpdf_oh_new_object(q, self));
        else
            pdfsan_empty_dict(w, d);
    } else if (strcmp(kd.sub, "/Image") == 0) {
        w->images++;
    } else if (strcmp(kd.sub, "/Type0") == 0) {
        pdfsan_check_font(w, d);
    }
}

static void pdfsan_walk_array(struct pdfsan_walk *w, qpdf_oh a, enum pdfsan_ref items)
{
    qpdf_data q = w->q;
    int n = qpdf_oh_get_array_n_items(q, a);
    const char *key = items == REF_ANNOT ? "/Annots" : items == REF_ACTION ? "/Next" : "array";
    for (int i = 0; i < n && !w->err;) {
        qpdf_oh v = qpdf_oh_get_array_item(q, a, i);
        if (!pdfsan_visit_value(w, a, key, v, qpdf_oh_get_type_code(q, v), items) ||
            w->mode != PDFSAN_CLEAN) {
            i++;
            continue;
        }
        /* In /Annots and /Next the item goes; elsewhere a null keeps the
         * positions (name trees pair keys with values). */
        if (items != REF_OTHER) {
            qpdf_oh_erase_item(q, a, i);
            n--;
        } else {
            qpdf_oh null = qpdf_oh_new_null(q);
            qpdf_oh_set_array_item(q, a, i, null);
            qpdf_oh_release(q, null);
            i++;
        }
    }
}

static void pdfsan_walk_all(struct pdfsan_walk *w)
{
    qpdf_data q = w->q;
    while (w->n_stack && !w->err) {
        struct pdfsan_frame f = w->stack[--w->n_stack];
        enum qpdf_object_type_e t = qpdf_oh_get_type_code(q, f.oh);
        if (t == ot_dictionary) {
            pdfsan_walk_dict(w, f.oh, f.oh);
        } else if (t == ot_stream) {
            qpdf_oh d = qpdf_oh_get_dict(q, f.oh);
            pdfsan_walk_dict(w, f.oh, d);
            qpdf_oh_release(q, d);
        } else if (t == ot_array) {
            pdfsan_walk_array(w, f.oh, (enum pdfsan_ref)f.items);
        }
        qpdf_oh_release(q, f.oh);
    }
    while (w->n_stack)
        qpdf_oh_release(q, w->stack[--w->n_stack].oh);
}

/* The catalog and its /Names by allowlist, before the generic walk. */
static void pdfsan_catalog(struct pdfsan_walk *w, qpdf_oh root)
{
    qpdf_data q = w->q;
    if (!qpdf_oh_is_dictionary(q, root))
        return;
    for (int pass = 0; pass < 2 && !w->err; pass++) {
        qpdf_oh d = pass == 0 ? qpdf_oh_new_object(q, root) : qpdf_oh_get_key(q, root, "/Names");
        const char *const *ok = pass == 0 ? pdfsan_catalog_ok : pdfsan_names_ok;
        struct pdfsan_keys ks;
        if (!qpdf_oh_is_dictionary(q, d) || pdfsan_keys(w, d, ok, &ks) != MG_OK) {
            qpdf_oh_release(q, d);
            continue;
        }
        for (size_t i = 0; i < ks.n; i++) {
            const char *why = pdfsan_drop_key(ks.k[i]);
            pdfsan_found(w, why ? why : "not on the list of document-level entries kept",
                         "%s %.60s", pass == 0 ? "catalog entry" : "name tree", ks.k[i]);
            if (w->mode == PDFSAN_CLEAN)
                qpdf_oh_remove_key(q, d, ks.k[i]);
        }
        pdfsan_keys_free(&ks);
        qpdf_oh_release(q, d);
    }
    /* For text, forms go too: poppler would build field appearances, which
     * can make it look for system fonts. */
    if (w->flatten && w->mode == PDFSAN_CLEAN && qpdf_oh_has_key(q, root, "/AcroForm")) {
        report_action(w->node, "removed", "interactive form (AcroForm)",
                      "text extraction keeps page content only");
        qpdf_oh_remove_key(q, root, "/AcroForm");
    }
}

static void pdfsan_walk_trailer(struct pdfsan_walk *w)
{
    qpdf_data q = w->q;
    qpdf_oh tr = qpdf_get_trailer(q);
    struct pdfsan_keys ks;
    if (pdfsan_keys(w, tr, pdfsan_trailer_internal, &ks) != MG_OK) {
        qpdf_oh_release(q, tr);
        return;
    }
    for (size_t i = 0; i < ks.n; i++) {
        const char *k = ks.k[i];
        if (!w->err &&
            (strcmp(k, "/Root") == 0 || strcmp(k, "/Info") == 0 || strcmp(k, "/ID") == 0)) {
            qpdf_oh v = qpdf_oh_get_key(q, tr, k);
            if (pdfsan_visit_value(w, tr, k, v, qpdf_oh_get_type_code(q, v), REF_OTHER) &&
                w->mode == PDFSAN_CLEAN)
                qpdf_oh_remove_key(q, tr, k);
        } else if (!w->err) {
            pdfsan_found(w, "not on the list of trailer entries kept", "trailer entry %.60s", k);
            if (w->mode == PDFSAN_CLEAN)
                qpdf_oh_remove_key(q, tr, k);
        }
    }
    pdfsan_keys_free(&ks);
    /* qpdf writes /Size only over an existing one: a repaired file without
     * it would come out without it. */
    if (w->mode == PDFSAN_CLEAN && !qpdf_oh_has_key(q, tr, "/Size")) {
        qpdf_oh size = qpdf_oh_new_integer(q, 0);
        qpdf_oh_replace_key(q, tr, "/Size", size);
        qpdf_oh_release(q, size);
    }
    qpdf_oh_release(q, tr);
}

/* Walk everything the writer would write. */
static int pdfsan_walk_doc(struct pdfsan_walk *w)
{
    qpdf_data q = w->q;
    qpdf_oh root = qpdf_get_root(q);
    pdfsan_catalog(w, root);
    qpdf_oh_release(q, root);
    if (!w->err)
        pdfsan_walk_trailer(w);
    pdfsan_walk_all(w);
    free(w->stack);
    free(w->seen);
    w->stack = NULL;
    w->seen = NULL;
    return w->err;
}

/* ---- opening and writing ------------------------------------------------ */

static int pdfsan_discard(const char *data, size_t len, void *udata)
{
    (void)data, (void)len, (void)udata;
    return 0;
}

/* A qpdf_data that never writes to stdout or stderr. */
static qpdf_data pdfsan_new_qpdf(void)
{
    qpdf_data q = qpdf_init();
    if (!q)
        return NULL;
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    qpdflogger_handle l = qpdflogger_create();
    qpdflogger_set_info(l, qpdf_log_dest_custom, pdfsan_discard, NULL);
    qpdflogger_set_warn(l, qpdf_log_dest_custom, pdfsan_discard, NULL);
    qpdflogger_set_error(l, qpdf_log_dest_custom, pdfsan_discard, NULL);
    qpdf_set_logger(q, l);
    qpdflogger_cleanup(&l);
    return q;
}

/* Free q; an error nobody fetched would be printed on stderr by cleanup. */
static void pdfsan_free_qpdf(qpdf_data *q)
{
    if (!*q)
        return;
    while (qpdf_has_error(*q))
        qpdf_get_error(*q);
    qpdf_cleanup(q);
}

/* Count and forget qpdf's warnings; keep the first one's text. */
static unsigned long pdfsan_drain_warnings(qpdf_data q, char *first, size_t cap)
{
    unsigned long n = 0;
    while (qpdf_more_warnings(q)) {
        qpdf_error e = qpdf_next_warning(q);
        if (n++ == 0 && first && e)
            snprintf(first, cap, "%s", qpdf_get_error_message_detail(q, e));
    }
    return n;
}

/* Open in, trying the empty password and then the supplied ones. */
static int pdfsan_open(struct san_ctx *ctx, const uint8_t *in, size_t len, struct report_node *node,
                       qpdf_data *qp, bool *supplied)
{
    size_t tries = 1 + (ctx && ctx->passwords ? ctx->n_passwords : 0);
    *qp = NULL;
    *supplied = false;
    for (size_t i = 0; i < tries; i++) {
        const char *pw = i == 0 ? "" : ctx->passwords[i - 1];
        qpdf_data q = pdfsan_new_qpdf();
        if (!q)
            return MG_ERR_NOMEM;
        if (!(qpdf_read_memory(q, "input", (const char *)in, len, pw ? pw : "") & QPDF_ERRORS)) {
            *qp = q;
            *supplied = i > 0;
            return MG_OK;
        }
        qpdf_error e = qpdf_get_error(q);
        enum qpdf_error_code_e code = e ? qpdf_get_error_code(q, e) : qpdf_e_internal;
        if (code != qpdf_e_password) {
            report_block(node, "parse-error", "not a readable PDF: %s",
                         e ? qpdf_get_error_message_detail(q, e) : "unknown error");
            pdfsan_free_qpdf(&q);
            return MG_ERR_PARSE;
        }
        pdfsan_free_qpdf(&q);
    }
    report_block(node, "encrypted", "the PDF needs a password to open%s",
                 tries > 1 ? " (none of the supplied passwords fits)" : "");
    return MG_ERR_ENCRYPTED;
}

static const uint8_t *pdfsan_memrmem(const uint8_t *h, size_t hl, const char *n)
{
    size_t nl = strlen(n);
    for (size_t i = hl; i >= nl; i--)
        if (memcmp(h + i - nl, n, nl) == 0)
            return h + i - nl;
    return NULL;
}

/* What the rewrite drops from the file layout itself, for the report. */
static void pdfsan_report_layout(const uint8_t *in, size_t len, struct report_node *node)
{
    size_t revisions = 0;
    for (const uint8_t *p = in, *end = in + len;
         (p = memmem(p, (size_t)(end - p), "startxref", 9)) != NULL; p += 9)
        revisions++;
    if (revisions > 1)
        report_actionf(node, "rewrote", "earlier revisions can hide content a viewer still reads",
                       "%zu revisions (incremental updates) merged into one", revisions);
    const uint8_t *eof = pdfsan_memrmem(in, len, "%%EOF");
    if (eof) {
        size_t junk = 0;
        for (const uint8_t *p = eof + 5; p < in + len; p++)
            if (*p != '\r' && *p != '\n' && *p != ' ' && *p != '\t' && *p != '\0')
                junk++;
        if (junk)
            report_actionf(node, "removed", "data after the end of a PDF can be another file",
                           "%zu bytes after %%%%EOF", (size_t)(in + len - (eof + 5)));
    }
}

/*
 * Read, walk and write: the shared part of sanitize and flatten. On
 * success *qp is the cleaned document (for flatten's font checks) and out
 * holds the rewritten file.
 */
static int pdfsan_rewrite(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                          struct report_node *node, bool flatten, struct pdfsan_walk *w)
{
    qpdf_data q = NULL;
    bool supplied = false;
    char warn[200] = "";
    int rc = pdfsan_open(ctx, in, len, node, &q, &supplied);
    if (rc != MG_OK)
        return rc;
    memset(w, 0, sizeof(*w));
    w->q = q;
    w->mode = PDFSAN_CLEAN;
    w->keep_links = !ctx || !ctx->pol || ctx->pol->keep_hyperlinks;
    w->flatten = flatten;
    w->node = node;

    if (qpdf_is_encrypted(q))
        report_action(node, "removed",
                      supplied ? "encryption (opened with a supplied password)"
                               : "encryption (owner password only)",
                      "written unencrypted so that it can be inspected and scanned");
    unsigned long nwarn = pdfsan_drain_warnings(q, warn, sizeof(warn));
    rc = pdfsan_walk_doc(w);
    if (rc == MG_ERR_LIMIT) {
        report_block(node, "limit", "more than %u objects", PDFSAN_MAX_VISITS);
        goto out;
    }
    if (rc == MG_ERR_PARSE) {
        report_block(node, "parse-error",
                     "a dictionary key contains a NUL byte (#00), which "
                     "cannot be inspected");
        goto out;
    }
    if (rc != MG_OK)
        goto out;
    if (qpdf_has_error(q)) {
        qpdf_error e = qpdf_get_error(q);
        report_block(node, "parse-error", "PDF object unreadable: %s",
                     e ? qpdf_get_error_message_detail(q, e) : "unknown error");
        rc = MG_ERR_PARSE;
        goto out;
    }
    /* The page tree is read after the walk: cutting a forbidden object out
     * of a damaged tree can leave one that a viewer cannot read (refused
     * rather than written), and the copies qpdf makes of pages that occur
     * twice are copies of cleaned pages. */
    if (qpdf_get_num_pages(q) < 0) {
        report_block(node, "parse-error", "page tree unreadable after sanitizing");
        rc = MG_ERR_PARSE;
        goto out;
    }
    nwarn += pdfsan_drain_warnings(q, nwarn ? NULL : warn, sizeof(warn));
    if (nwarn)
        report_actionf(node, "rewrote", "the file is rewritten from what the parser recovered",
                       "damaged structure repaired (%lu parser warnings; first: %.120s)", nwarn,
                       warn);
    pdfsan_report_layout(in, len, node);

    if (qpdf_init_write_memory(q) & QPDF_ERRORS) {
        report_block(node, "internal", "PDF writer could not start");
        rc = MG_ERR_INTERNAL;
        goto out;
    }
    qpdf_set_preserve_unreferenced_objects(q, QPDF_FALSE);
    qpdf_set_preserve_encryption(q, QPDF_FALSE);
    qpdf_set_linearization(q, QPDF_FALSE);
    qpdf_set_qdf_mode(q, QPDF_FALSE);
    qpdf_set_object_stream_mode(q, qpdf_o_preserve);
    /* Streams are copied as they are: no decoding means no decompression
     * bombs in the writer; uncompressed ones get compressed. */
    qpdf_set_decode_level(q, qpdf_dl_none);
    qpdf_set_compress_streams(q, QPDF_TRUE);
    qpdf_set_deterministic_ID(q, QPDF_TRUE);
    if (qpdf_write(q) & QPDF_ERRORS) {
        qpdf_error e = qpdf_get_error(q);
        report_block(node, "parse-error", "PDF could not be rewritten: %s",
                     e ? qpdf_get_error_message_detail(q, e) : "unknown error");
        rc = MG_ERR_PARSE;
        goto out;
    }
    pdfsan_drain_warnings(q, NULL, 0);
    size_t olen = qpdf_get_buffer_length(q);
    const unsigned char *obuf = qpdf_get_buffer(q);
    buf_reset(out);
    rc = obuf ? buf_append(out, obuf, olen) : MG_ERR_INTERNAL;
    if (rc == MG_ERR_LIMIT)
        report_block(node, "limit", "rewritten PDF larger than %zu bytes", out->max);
    if (rc != MG_OK)
        goto out;
    if (w->images && !flatten)
        report_actionf(node, "kept", "images inside PDFs are not re-encoded",
                       "%lu images as they were", w->images);
out:
    if (rc != MG_OK) {
        pdfsan_free_qpdf(&q);
        w->q = NULL;
    }
    return rc;
}

int pdfsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node)
{
    struct pdfsan_walk w;
    int rc = pdfsan_rewrite(ctx, in, len, out, node, false, &w);
    if (rc == MG_OK) {
        pdfsan_free_qpdf(&w.q);
        if (ctx)
            ctx->out_type = FT_PDF;
        /* Even a file with nothing to remove was rewritten. */
        if (node->verdict == VERDICT_CLEAN)
            report_action(node, "rewrote", "whole file",
                          "written anew by the PDF writer: one revision, referenced objects only");
    }
    return rc;
}

/* ---- verify -------------------------------------------------------------- */

int pdfsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    (void)ctx;
    int rc = MG_ERR_VERIFY;
    qpdf_data q = pdfsan_new_qpdf();
    struct pdfsan_walk w;
    if (!q)
        return MG_ERR_NOMEM;
    /* Our own output must parse as written, without xref repair. */
    qpdf_set_attempt_recovery(q, QPDF_FALSE);
    if (qpdf_read_memory(q, "output", (const char *)in, len, "") & QPDF_ERRORS)
        goto out;
    if (qpdf_is_encrypted(q) || qpdf_get_num_pages(q) < 0)
        goto out;
    /* One revision, ending at %%EOF. */
    size_t end = len;
    while (end > 0 && (in[end - 1] == '\n' || in[end - 1] == '\r'))
        end--;
    if (end < 5 || memcmp(in + end - 5, "%%EOF", 5) != 0)
        goto out;
    qpdf_oh tr = qpdf_get_trailer(q);
    bool prev = qpdf_oh_has_key(q, tr, "/Prev") || qpdf_oh_has_key(q, tr, "/XRefStm");
    qpdf_oh_release(q, tr);
    if (prev)
        goto out;
    memset(&w, 0, sizeof(w));
    w.q = q;
    w.mode = PDFSAN_CHECK;
    w.keep_links = !ctx || !ctx->pol || ctx->pol->keep_hyperlinks;
    if (pdfsan_walk_doc(&w) != MG_OK || w.findings || qpdf_has_error(q))
        goto out;
    /* Warnings left are about meaning (a page tree entry of the wrong type
     * in a damaged input), not syntax: recovery is off, so a syntax
     * problem in our output would have been an error. */
    pdfsan_drain_warnings(q, NULL, 0);
    rc = MG_OK;
out:
    pdfsan_free_qpdf(&q);
    return rc;
}

/* ---- flatten --------------------------------------------------------------- */

static PopplerDocument *pdfsan_poppler_keeper;

static void pdfsan_glib_quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg,
                              gpointer data)
{
    (void)domain, (void)level, (void)msg, (void)data;
}

int pdfsan_global_init(void)
{
    /* The smallest document poppler accepts. While one document lives,
     * poppler keeps its global tables (read from /usr/share/poppler at
     * creation); a worker forked afterwards inherits them and never needs
     * to open those directories itself. */
    static const char tiny[] = "%PDF-1.4\n"
                               "1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                               "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                               "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
                               "trailer<</Root 1 0 R>>\n%%EOF\n";
    if (pdfsan_poppler_keeper)
        return MG_OK;
    g_log_set_handler("Poppler",
                      (GLogLevelFlags)(G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION),
                      pdfsan_glib_quiet, NULL);
    GBytes *b = g_bytes_new_static(tiny, sizeof(tiny) - 1);
    pdfsan_poppler_keeper = poppler_document_new_from_bytes(b, NULL, NULL);
    g_bytes_unref(b);
    if (!pdfsan_poppler_keeper)
        return MG_ERR_INTERNAL;
    /* Run the text path once, so its lazily built tables exist too. */
    PopplerPage *p = poppler_document_get_page(pdfsan_poppler_keeper, 0);
    if (p) {
        g_free(poppler_page_get_text(p));
        g_object_unref(p);
    }
    return MG_OK;
}

/* Append page text, dropping the controls the text verifier refuses. */
static int pdfsan_append_text(struct buf *out, const char *t)
{
    const char *run = t;
    for (const char *p = t;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\0' || (c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
            int rc = buf_append(out, run, (size_t)(p - run));
            if (rc != MG_OK)
                return rc;
            if (c == '\0')
                return MG_OK;
            if (c == '\r' && p[1] != '\n') {
                rc = buf_putc(out, '\n');
                if (rc != MG_OK)
                    return rc;
            }
            run = p + 1;
        }
    }
}

int pdfsan_flatten(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                   struct report_node *node)
{
    struct pdfsan_walk w;
    struct buf clean;
    PopplerDocument *doc = NULL;
    GBytes *bytes = NULL;
    int rc;

    buf_init(&clean, out->max ? out->max : 1);
    if (!pdfsan_poppler_keeper) {
        report_block(node, "unsupported",
                     "PDF text extraction is not initialised (pdfsan_global_init)");
        rc = MG_ERR_UNSUPPORTED;
        goto out;
    }
    rc = pdfsan_rewrite(ctx, in, len, &clean, node, true, &w);
    if (rc != MG_OK)
        goto out;
    pdfsan_free_qpdf(&w.q);
    if (w.font_needs_data) {
        report_block(node, "unsupported",
                     "cannot extract the text: %s, which needs encoding data files the "
                     "sandbox does not allow",
                     w.font_why);
        rc = MG_ERR_UNSUPPORTED;
        goto out;
    }
    /* poppler parses only what qpdf wrote: one clean revision, no scripts. */
    bytes = g_bytes_new_static(clean.data, clean.len);
    doc = poppler_document_new_from_bytes(bytes, NULL, NULL);
    if (!doc) {
        report_block(node, "parse-error", "the text extractor could not read the PDF");
        rc = MG_ERR_PARSE;
        goto out;
    }
    int pages = poppler_document_get_n_pages(doc);
    if (pages < 0 || pages > PDFSAN_MAX_PAGES) {
        report_block(node, "limit", "%d pages", pages);
        rc = MG_ERR_LIMIT;
        goto out;
    }
    buf_reset(out);
    for (int i = 0; i < pages && rc == MG_OK; i++) {
        PopplerPage *p = poppler_document_get_page(doc, i);
        if (i > 0)
            rc = buf_printf(out, "%s--- page %d ---\n",
                            out->len && out->data[out->len - 1] != '\n' ? "\n" : "", i + 1);
        if (p) {
            char *t = poppler_page_get_text(p);
            if (t && rc == MG_OK)
                rc = pdfsan_append_text(out, t);
            g_free(t);
            g_object_unref(p);
        }
    }
    if (rc == MG_OK && out->len && out->data[out->len - 1] != '\n')
        rc = buf_putc(out, '\n');
    if (rc == MG_ERR_LIMIT)
        report_block(node, "limit", "extracted text larger than %zu bytes", out->max);
    if (rc != MG_OK)
        goto out;
    report_actionf(node, "rewrote", "policy: PDF is flattened to text",
                   "converted to UTF-8 text (%d pages)", pages);
    if (ctx)
        ctx->out_type = FT_TEXT;
out:
    if (doc)
        g_object_unref(doc);
    if (bytes)
        g_bytes_unref(bytes);
    buf_free(&clean);
    return rc;
}
