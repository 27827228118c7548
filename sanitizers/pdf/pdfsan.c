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

#include <zlib.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PDFSAN_MAX_VISITS   1000000u /* containers walked per file */
#define PDFSAN_MAX_PAGES    100000
#define PDFSAN_SEEN_INITIAL 1024u
#define PDFSAN_RATIO_FLOOR  (1u << 20) /* expansion below this is never judged by ratio */
#define PDFSAN_MAX_FILTERS  8          /* filters in one stream's chain */
#define PDFSAN_JBIG2_SYMS   (1u << 20) /* symbols one JBIG2 dictionary may declare */
#define PDFSAN_JPX_TILES    65535u     /* the most tiles a JPEG 2000 codestream can index */
#define PDFSAN_JPX_COMPS    5u         /* colour components and alpha */

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

/* The job's limits, policy values with the built-in defaults for zeros. */
struct pdfsan_limits {
    uint64_t max_expanded, max_pixels;
    uint32_t max_ratio, max_dimension, max_scans;
};

struct pdfsan_og {
    int id, gen;
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
    bool font_needs_data; /* a font poppler could only read with its data files */
    char font_why[160];
    char why[200]; /* what the hard error is about, when a stream check set it */
    /* Streams met by the walk, checked and decoded after it (pdfsan_streams). */
    struct pdfsan_og *streams;
    size_t n_streams, cap_streams;
    int *contents; /* object numbers of page content streams, sorted */
    size_t n_contents;
    struct pdfsan_limits lim;
    bool encrypted;     /* stream lengths in the file include the cipher's padding */
    uint64_t *expanded; /* bytes decoded: the job's total, or own_expanded (verify) */
    uint64_t own_expanded;
    unsigned long recoded, repaired, dropped, codec_kept;
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
        report_action(w->node, ACTION_REMOVED, what, why);
}

/* ---- small qpdf helpers ------------------------------------------------ */

/*
 * The name v, copied into buf (unchanged when v is not a name). A name
 * that does not fit, or that holds a NUL (qpdf's mark for a '#' without
 * two hex digits), becomes "/#", which matches nothing we keep: judged by
 * its full spelling, never by a prefix.
 */
static void pdfsan_copy_name(qpdf_data q, qpdf_oh v, char *buf, size_t cap)
{
    const char *name = NULL;
    size_t n = 0;
    if (qpdf_oh_get_value_as_name(q, v, &name, &n) && name) {
        if (n >= cap || memchr(name, '\0', n))
            snprintf(buf, cap, "/#");
        else {
            memcpy(buf, name, n);
            buf[n] = '\0';
        }
    }
}

static const char *pdfsan_name_at(qpdf_data q, qpdf_oh dict, const char *key, char *buf, size_t cap)
{
    buf[0] = '\0';
    qpdf_oh v = qpdf_oh_get_key(q, dict, key);
    pdfsan_copy_name(q, v, buf, cap);
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
    /* Each step only on the type it needs: qpdf warns about any other, and
     * the verifier counts warnings. */
    qpdf_oh df = qpdf_oh_get_key(q, d, "/DescendantFonts");
    qpdf_oh f0 = qpdf_oh_is_array(q, df) ? qpdf_oh_get_array_item(q, df, 0) : qpdf_oh_new_null(q);
    qpdf_oh si = qpdf_oh_is_dictionary(q, f0) ? qpdf_oh_get_key(q, f0, "/CIDSystemInfo")
                                              : qpdf_oh_new_null(q);
    qpdf_oh ord = qpdf_oh_is_dictionary(q, si) ? qpdf_oh_get_key(q, si, "/Ordering")
                                               : qpdf_oh_new_null(q);
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
/* qpdf keeps a '#' not followed by two hex digits as a NUL inside the
 * name, writes it back as it was, and warns about it on every read. */
static bool pdfsan_name_stray(qpdf_data q, qpdf_oh v)
{
    const char *name = NULL;
    size_t n = 0;
    return qpdf_oh_get_value_as_name(q, v, &name, &n) && name && memchr(name, '\0', n);
}

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
    } else if (t == ot_name && pdfsan_name_stray(q, v)) {
        char where[48];
        pdfsan_where(q, c, where, sizeof(where));
        pdfsan_found(w, "readers disagree on what such a name is",
                     "name with a stray # (under %.40s in %s)", key, where);
        qpdf_oh_release(q, v);
        return true;
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
 * qpdf lists a dictionary's keys in byte order, so a key with a NUL inside
 * (qpdf's mark for "#00" or for a '#' without two hex digits: "/URI#")
 * comes right after the key it reads as through the C API ("/URI"). Such
 * a key would be taken for the other one, its own value never judged; a
 * key that repeats the previous one is that case (a hash and the first
 * bytes are compared, a false match only refuses the file).
 */
struct pdfsan_prevkey {
    uint64_t hash;
    size_t len;
    char head[64];
    bool set;
};

static bool pdfsan_key_repeats(struct pdfsan_prevkey *pk, const char *k)
{
    size_t len = strlen(k);
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)k[i]) * 1099511628211ull;
    bool same = pk->set && pk->hash == h && pk->len == len &&
                strncmp(pk->head, k, sizeof(pk->head) - 1) == 0;
    pk->hash = h;
    pk->len = len;
    pk->set = true;
    snprintf(pk->head, sizeof(pk->head), "%s", k);
    return same;
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
    struct pdfsan_prevkey pk = {.set = false};
    qpdf_oh_begin_dict_key_iter(q, d);
    while (qpdf_oh_dict_more_keys(q)) {
        const char *k = qpdf_oh_dict_next_key(q);
        if (!pdfsan_key_addressable(w, d, k))
            break;
        if (pdfsan_key_repeats(&pk, k)) {
            w->err = MG_ERR_PARSE;
            break;
        }
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
    struct pdfsan_prevkey pk = {.set = false};
    qpdf_oh_begin_dict_key_iter(q, d);
    while (qpdf_oh_dict_more_keys(q) && !w->err) {
        const char *k = qpdf_oh_dict_next_key(q);
        if (!k || pdfsan_key_repeats(&pk, k)) {
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

/* Remember a stream for pdfsan_streams; streams are always indirect. */
static void pdfsan_note_stream(struct pdfsan_walk *w, qpdf_oh s)
{
    int id = qpdf_oh_get_object_id(w->q, s);
    if (id <= 0)
        return;
    if (w->n_streams == w->cap_streams) {
        size_t ncap = w->cap_streams ? w->cap_streams * 2 : 64;
        struct pdfsan_og *n = realloc(w->streams, ncap * sizeof(*n));
        if (!n) {
            w->err = MG_ERR_NOMEM;
            return;
        }
        w->streams = n;
        w->cap_streams = ncap;
    }
    w->streams[w->n_streams].id = id;
    w->streams[w->n_streams].gen = qpdf_oh_get_generation(w->q, s);
    w->n_streams++;
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
            pdfsan_note_stream(w, f.oh);
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
        report_action(w->node, ACTION_REMOVED, "interactive form (AcroForm)",
                      "text extraction keeps page content only");
        qpdf_oh_remove_key(q, root, "/AcroForm");
    }
}

static bool pdfsan_info_ok(qpdf_data q, qpdf_oh tr)
{
    qpdf_oh v = qpdf_oh_get_key(q, tr, "/Info");
    bool ok = qpdf_oh_is_dictionary(q, v);
    qpdf_oh_release(q, v);
    return ok;
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
        if (!w->err && strcmp(k, "/Info") == 0 && !pdfsan_info_ok(q, tr)) {
            /* qpdf's writer warns about any other /Info, and so would the
             * verifier. */
            pdfsan_found(w, "the document information must be a dictionary",
                         "trailer entry /Info of another type");
            if (w->mode == PDFSAN_CLEAN)
                qpdf_oh_remove_key(q, tr, k);
        } else if (!w->err &&
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
            report_block(node, REASON_PARSE_ERROR, "not a readable PDF: %s",
                         e ? qpdf_get_error_message_detail(q, e) : "unknown error");
            pdfsan_free_qpdf(&q);
            return MG_ERR_PARSE;
        }
        pdfsan_free_qpdf(&q);
    }
    report_block(node, REASON_ENCRYPTED, "the PDF needs a password to open%s",
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
        report_actionf(node, ACTION_REWROTE,
                       "earlier revisions can hide content a viewer still reads",
                       "%zu revisions (incremental updates) merged into one", revisions);
    const uint8_t *eof = pdfsan_memrmem(in, len, "%%EOF");
    if (eof) {
        size_t junk = 0;
        for (const uint8_t *p = eof + 5; p < in + len; p++)
            if (*p != '\r' && *p != '\n' && *p != ' ' && *p != '\t' && *p != '\0')
                junk++;
        if (junk)
            report_actionf(node, ACTION_REMOVED, "data after the end of a PDF can be another file",
                           "%zu bytes after %%%%EOF", (size_t)(in + len - (eof + 5)));
    }
}

/* ---- streams: decoded under the job's limits ------------------------------ */

/*
 * Every stream the walk kept is read here before anything is written.
 *
 * Generic filters (Flate, LZW, RunLength, ASCII85, ASCIIHex) are decoded
 * with qpdf's own decoders, within the job's limits: the bytes decoded
 * count against max_expanded over the whole job, and one stream may expand
 * at most max_ratio times its stored size (below PDFSAN_RATIO_FLOOR, or
 * the size an image's dictionary promises, nothing is judged by ratio). A
 * chain that starts with Flate is measured with zlib before qpdf decodes
 * it, because qpdf's C API hands back the whole decoded buffer: a bomb is
 * refused before it is in memory. Other filters are decoded and then
 * measured; their worst case is bounded by the worker's memory limit. A
 * chain with two expanding filters is refused: no producer needs nested
 * compression, and it is the shape of a bomb. The writer then decodes
 * every generic stream again and compresses it with Flate (decode level
 * specialized, compress on), so the output carries no filter, predictor
 * or trailing data we did not read: qpdf would copy a stream whose only
 * filter is /FlateDecode as it is, so that name is wrapped in an array,
 * which qpdf decodes and compresses anew.
 *
 * Image codecs (DCT, JPX, JBIG2, CCITT) are kept encoded, and only on
 * image XObjects. Before anything is decoded the dictionary's /Width and
 * /Height must be within max_dimension and max_pixels (a JBIG2 image that
 * declares 100000 x 100000 is refused from its dictionary alone), and the
 * codec's own header must agree with it: the JPEG frame header (8-bit, a
 * process libjpeg reads, at most jpeg_max_scans scans), the JPEG 2000 SIZ
 * marker (and the JP2 ihdr box; tiles and components capped), every JBIG2
 * segment header (the page, every region, symbol and pattern counts,
 * halftone grids; also in /JBIG2Globals), the CCITT /Columns and /Rows. A
 * generic filter in front of the codec is decoded and the image stored
 * with the codec alone. JPEG images are decoded once more by qpdf, as
 * qpdf --check does, so that a JPEG qpdf cannot read never reaches the
 * verifier; those pixels are not counted in max_expanded (the output
 * keeps the JPEG, and max_pixels bounds each image).
 *
 * What breaks a limit refuses the file ("limit"): a bomb is hostile. What
 * cannot be decoded or does not agree with itself (a damaged LZW or Flate
 * stream, a /Length that is not the length of the data, an unknown
 * filter, a codec header that contradicts the dictionary) is dropped: the
 * object becomes null, as viewers treat a missing image or font, and the
 * report says so. A page's content stream is not dropped, since the page
 * would come out blank with nobody noticing: the file is refused
 * ("parse-error") and kept in quarantine instead. Flate data that ends
 * early (qpdf warns, decodes what is there) is kept as decoded and
 * reported as repaired: it is written anew, complete.
 */

enum pdfsan_codec { CODEC_NONE, CODEC_DCT, CODEC_JPX, CODEC_JBIG2, CODEC_CCITT };

/* What happens to a stream. */
enum pdfsan_st {
    ST_OK,
    ST_DROP,  /* cannot be decoded or checked: dropped (a page's content: file refused) */
    ST_LIMIT, /* a limit: the file is refused */
};

struct pdfsan_chain {
    int n;                   /* filters */
    int expanding;           /* of them Flate, LZW or RunLength */
    bool flate_first;        /* the first is Flate: zlib can measure it first */
    bool flate_only;         /* exactly /FlateDecode, as the writer leaves streams */
    enum pdfsan_codec codec; /* the last filter, when it is an image codec */
};

struct pdfsan_img {
    uint64_t w, h;  /* /Width and /Height */
    unsigned bpc;   /* /BitsPerComponent, 0 when absent */
    uint64_t bytes; /* the decoded size the dictionary promises */
};

static const struct {
    const char *name, *abbr;
    enum pdfsan_codec codec;
    bool expanding;
} pdfsan_filters[] = {
        {"/FlateDecode", "/Fl", CODEC_NONE, true},
        {"/LZWDecode", "/LZW", CODEC_NONE, true},
        {"/RunLengthDecode", "/RL", CODEC_NONE, true},
        {"/ASCII85Decode", "/A85", CODEC_NONE, false},
        {"/ASCIIHexDecode", "/AHx", CODEC_NONE, false},
        {"/Crypt", NULL, CODEC_NONE, false}, /* qpdf decrypts; only /Identity is left */
        {"/DCTDecode", "/DCT", CODEC_DCT, false},
        {"/JPXDecode", NULL, CODEC_JPX, false},
        {"/JBIG2Decode", NULL, CODEC_JBIG2, false},
        {"/CCITTFaxDecode", "/CCF", CODEC_CCITT, false},
};

static const char *const pdfsan_codec_names[] = {"", "JPEG", "JPEG 2000", "JBIG2", "CCITT fax"};

static uint32_t pdfsan_be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t pdfsan_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t pdfsan_sat_mul(uint64_t a, uint64_t b)
{
    return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

static void pdfsan_limits_of(const struct san_ctx *ctx, struct pdfsan_limits *lim)
{
    struct policy def;
    const struct policy *pol = ctx && ctx->pol ? ctx->pol : NULL;
    policy_defaults(&def);
    lim->max_expanded = pol && pol->max_expanded ? pol->max_expanded : def.max_expanded;
    lim->max_pixels = pol && pol->max_pixels ? pol->max_pixels : def.max_pixels;
    lim->max_ratio = pol && pol->max_ratio ? pol->max_ratio : def.max_ratio;
    lim->max_dimension = pol && pol->max_dimension ? pol->max_dimension : def.max_dimension;
    lim->max_scans = pol && pol->jpeg_max_scans ? pol->jpeg_max_scans : def.jpeg_max_scans;
}

static bool pdfsan_int_at(qpdf_data q, qpdf_oh d, const char *key, long long *v)
{
    qpdf_oh o = qpdf_oh_get_key(q, d, key);
    bool ok = qpdf_oh_is_integer(q, o);
    if (ok)
        *v = qpdf_oh_get_int_value(q, o);
    qpdf_oh_release(q, o);
    return ok;
}

static int pdfsan_cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/*
 * Page contents are a stream or an array of streams; anything else in
 * them qpdf skips with a warning on every read (and the verifier counts
 * warnings), so it goes. Returns whether item j of c (or c itself, j < 0)
 * stays.
 */
static bool pdfsan_content_item_ok(struct pdfsan_walk *w, qpdf_oh page, qpdf_oh c, int j,
                                   qpdf_oh item)
{
    qpdf_data q = w->q;
    if (qpdf_oh_is_stream(q, item) ||
        (j < 0 && (qpdf_oh_is_null(q, item) || qpdf_oh_is_array(q, item))))
        return true;
    char where[48];
    pdfsan_where(q, page, where, sizeof(where));
    pdfsan_found(w, "page contents are streams; qpdf and viewers skip anything else",
                 "%s in the /Contents of %s", qpdf_oh_get_type_name(q, item), where);
    if (w->mode == PDFSAN_CLEAN) {
        if (j < 0)
            qpdf_oh_remove_key(q, page, "/Contents");
        else
            qpdf_oh_erase_item(q, c, j);
    }
    return false;
}

/* The object numbers of every page's content streams, sorted. */
static int pdfsan_collect_contents(struct pdfsan_walk *w)
{
    qpdf_data q = w->q;
    int pages = qpdf_get_num_pages(q);
    size_t cap = 0;
    for (int i = 0; i < pages; i++) {
        qpdf_oh page = qpdf_get_page_n(q, (size_t)i);
        qpdf_oh c = qpdf_oh_get_key(q, page, "/Contents");
        if (!pdfsan_content_item_ok(w, page, c, -1, c)) {
            qpdf_oh_release(q, c);
            qpdf_oh_release(q, page);
            continue;
        }
        int n = qpdf_oh_is_array(q, c) ? qpdf_oh_get_array_n_items(q, c) : 1;
        for (int j = 0; j < n; j++) {
            qpdf_oh s = qpdf_oh_is_array(q, c) ? qpdf_oh_get_array_item(q, c, j)
                                               : qpdf_oh_new_object(q, c);
            if (qpdf_oh_is_array(q, c) && !pdfsan_content_item_ok(w, page, c, j, s)) {
                qpdf_oh_release(q, s);
                if (w->mode == PDFSAN_CLEAN) {
                    j--;
                    n--;
                }
                continue;
            }
            int id = qpdf_oh_is_stream(q, s) ? qpdf_oh_get_object_id(q, s) : 0;
            qpdf_oh_release(q, s);
            if (id <= 0)
                continue;
            if (w->n_contents == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                int *nc = realloc(w->contents, ncap * sizeof(*nc));
                if (!nc) {
                    qpdf_oh_release(q, c);
                    qpdf_oh_release(q, page);
                    return MG_ERR_NOMEM;
                }
                w->contents = nc;
                cap = ncap;
            }
            w->contents[w->n_contents++] = id;
        }
        qpdf_oh_release(q, c);
        qpdf_oh_release(q, page);
    }
    if (w->n_contents)
        qsort(w->contents, w->n_contents, sizeof(*w->contents), pdfsan_cmp_int);
    return MG_OK;
}

static bool pdfsan_is_content(const struct pdfsan_walk *w, int id)
{
    return w->n_contents &&
           bsearch(&id, w->contents, w->n_contents, sizeof(*w->contents), pdfsan_cmp_int);
}

/* ---- the filter chain ---- */

static enum pdfsan_st pdfsan_chain_of(struct pdfsan_walk *w, qpdf_oh d, struct pdfsan_chain *ch,
                                      char *why, size_t cap)
{
    qpdf_data q = w->q;
    memset(ch, 0, sizeof(*ch));
    qpdf_oh f = qpdf_oh_get_key(q, d, "/Filter");
    enum pdfsan_st st = ST_OK;
    bool arr = qpdf_oh_is_array(q, f);
    int n = arr ? qpdf_oh_get_array_n_items(q, f) : qpdf_oh_is_null(q, f) ? 0 : 1;
    if (n > PDFSAN_MAX_FILTERS) {
        snprintf(why, cap, "%d filters in one chain", n);
        st = ST_DROP;
    }
    for (int i = 0; i < n && st == ST_OK; i++) {
        qpdf_oh it = arr ? qpdf_oh_get_array_item(q, f, i) : qpdf_oh_new_object(q, f);
        char name[40] = "";
        pdfsan_copy_name(q, it, name, sizeof(name));
        qpdf_oh_release(q, it);
        size_t k = 0, nf = sizeof(pdfsan_filters) / sizeof(pdfsan_filters[0]);
        while (k < nf && strcmp(name, pdfsan_filters[k].name) != 0 &&
               !(pdfsan_filters[k].abbr && strcmp(name, pdfsan_filters[k].abbr) == 0))
            k++;
        if (k == nf) {
            snprintf(why, cap, "filter %.30s, which cannot be decoded here",
                     name[0] ? name : "(not a name)");
            st = ST_DROP;
        } else if (ch->codec != CODEC_NONE) {
            snprintf(why, cap, "filter %.30s after an image codec", name);
            st = ST_DROP;
        } else {
            ch->codec = pdfsan_filters[k].codec;
            ch->expanding += pdfsan_filters[k].expanding;
            if (i == 0)
                ch->flate_first = k == 0;
        }
    }
    ch->n = n;
    if (st == ST_OK && ch->expanding > 1) {
        snprintf(why, cap, "%d compression filters nested (the shape of a decompression bomb)",
                 ch->expanding);
        st = ST_DROP;
    }
    /* Exactly what the writer leaves: one /FlateDecode name, no parameters. */
    if (st == ST_OK && n == 1 && !arr && ch->flate_first) {
        char name[16] = "";
        pdfsan_copy_name(q, f, name, sizeof(name));
        qpdf_oh p = qpdf_oh_get_key(q, d, "/DecodeParms");
        ch->flate_only = strcmp(name, "/FlateDecode") == 0 && qpdf_oh_is_null(q, p);
        qpdf_oh_release(q, p);
    }
    qpdf_oh_release(q, f);
    return st;
}

/* The decode parameters of filter i (a new handle, maybe null). */
static qpdf_oh pdfsan_parms_at(qpdf_data q, qpdf_oh d, int i)
{
    qpdf_oh p = qpdf_oh_get_key(q, d, "/DecodeParms");
    if (!qpdf_oh_is_array(q, p))
        return p;
    qpdf_oh it = qpdf_oh_get_array_item(q, p, i);
    qpdf_oh_release(q, p);
    return it;
}

/* ---- image dictionaries ---- */

/* Colour components of an image's /ColorSpace; 4 (the most a device
 * space has) when it is absent or unknown, as for JPX. */
static unsigned pdfsan_cs_comps(qpdf_data q, qpdf_oh cs)
{
    bool arr = qpdf_oh_is_array(q, cs);
    qpdf_oh head = arr ? qpdf_oh_get_array_item(q, cs, 0) : qpdf_oh_new_object(q, cs);
    char n[32] = "";
    unsigned c = 4;
    pdfsan_copy_name(q, head, n, sizeof(n));
    qpdf_oh_release(q, head);
    static const char *const one[] = {"/DeviceGray", "/CalGray", "/Indexed", "/Separation",
                                      "/G",          "/I",       NULL};
    static const char *const three[] = {"/DeviceRGB", "/CalRGB", "/Lab", "/RGB", NULL};
    if (name_in(n, one))
        c = 1;
    else if (name_in(n, three))
        c = 3;
    else if (arr && (strcmp(n, "/ICCBased") == 0 || strcmp(n, "/DeviceN") == 0)) {
        qpdf_oh second = qpdf_oh_get_array_item(q, cs, 1);
        long long v = 0;
        if (n[1] == 'I' && qpdf_oh_is_stream(q, second)) {
            qpdf_oh sd = qpdf_oh_get_dict(q, second);
            if (pdfsan_int_at(q, sd, "/N", &v) && v >= 1 && v <= 32)
                c = (unsigned)v;
            qpdf_oh_release(q, sd);
        } else if (n[1] == 'D' && qpdf_oh_is_array(q, second)) {
            v = qpdf_oh_get_array_n_items(q, second);
            if (v >= 1 && v <= 32)
                c = (unsigned)v;
        }
        qpdf_oh_release(q, second);
    }
    return c;
}

/* /Width and /Height within the limits: checked before anything is decoded. */
static enum pdfsan_st pdfsan_image_dict(struct pdfsan_walk *w, qpdf_oh d, struct pdfsan_img *img,
                                        char *why, size_t cap)
{
    qpdf_data q = w->q;
    long long wd = 0, ht = 0, bpc = 0;
    memset(img, 0, sizeof(*img));
    if (!pdfsan_int_at(q, d, "/Width", &wd) || !pdfsan_int_at(q, d, "/Height", &ht) || wd < 1 ||
        ht < 1) {
        snprintf(why, cap, "image without a valid /Width and /Height");
        return ST_DROP;
    }
    if ((uint64_t)wd > w->lim.max_dimension || (uint64_t)ht > w->lim.max_dimension) {
        snprintf(why, cap, "image %lld x %lld exceeds max_dimension %u", wd, ht,
                 w->lim.max_dimension);
        return ST_LIMIT;
    }
    if ((uint64_t)wd * (uint64_t)ht > w->lim.max_pixels) {
        snprintf(why, cap, "image %lld x %lld exceeds max_pixels %llu", wd, ht,
                 (unsigned long long)w->lim.max_pixels);
        return ST_LIMIT;
    }
    qpdf_oh m = qpdf_oh_get_key(q, d, "/ImageMask");
    bool mask = qpdf_oh_is_bool(q, m) && qpdf_oh_get_bool_value(q, m);
    qpdf_oh_release(q, m);
    if (qpdf_oh_has_key(q, d, "/BitsPerComponent")) {
        if (!pdfsan_int_at(q, d, "/BitsPerComponent", &bpc) ||
            (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16) || (mask && bpc != 1)) {
            snprintf(why, cap, "image with %lld bits per component", bpc);
            return ST_DROP;
        }
    }
    qpdf_oh cs = qpdf_oh_get_key(q, d, "/ColorSpace");
    uint64_t comps = mask ? 1 : pdfsan_cs_comps(q, cs);
    qpdf_oh_release(q, cs);
    img->w = (uint64_t)wd;
    img->h = (uint64_t)ht;
    img->bpc = (unsigned)bpc;
    img->bytes = img->h * ((img->w * comps * (bpc ? (uint64_t)bpc : 8) + 7) / 8);
    return ST_OK;
}

/* ---- codec headers ---- */

static bool pdfsan_is_sof(uint8_t m)
{
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

/* Past the entropy-coded data of a scan: to the next marker that is
 * neither a stuffed 0xFF00 nor a restart. */
static size_t pdfsan_skip_scan(const uint8_t *p, size_t n, size_t i)
{
    while (i < n) {
        const uint8_t *ff = memchr(p + i, 0xFF, n - i);
        if (!ff || (size_t)(ff - p) + 1 >= n)
            return n;
        i = (size_t)(ff - p);
        uint8_t m = p[i + 1];
        if (m != 0x00 && !(m >= 0xD0 && m <= 0xD7))
            return i;
        i += 2;
    }
    return n;
}

struct pdfsan_sof {
    uint8_t type, precision, comps;
    uint32_t w, h;
    unsigned scans;
};

/* The JPEG's markers up to EOI: one frame header, the scans counted. */
static enum pdfsan_st pdfsan_dct_markers(const struct pdfsan_walk *w, const uint8_t *p, size_t n,
                                         struct pdfsan_sof *f, char *why, size_t cap)
{
    bool sof = false;
    size_t i = 2;
    memset(f, 0, sizeof(*f));
    if (n < 4 || p[0] != 0xFF || p[1] != 0xD8) {
        snprintf(why, cap, "JPEG data does not start with SOI");
        return ST_DROP;
    }
    while (i < n) {
        if (p[i] != 0xFF) {
            snprintf(why, cap, "JPEG marker expected at byte %zu", i);
            return ST_DROP;
        }
        while (i < n && p[i] == 0xFF)
            i++;
        if (i >= n)
            break;
        uint8_t m = p[i++];
        if (m == 0xD9)
            break;
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7))
            continue;
        size_t len = i + 2 <= n ? pdfsan_be16(p + i) : 0;
        if (m == 0x00 || m == 0xD8 || len < 2 || len > n - i) {
            snprintf(why, cap, "JPEG marker %02X at byte %zu is damaged", m, i - 1);
            return ST_DROP;
        }
        if (pdfsan_is_sof(m)) {
            if (sof || len < 8) {
                snprintf(why, cap, "JPEG with %s frame header", sof ? "a second" : "a short");
                return ST_DROP;
            }
            sof = true;
            f->type = m;
            f->precision = p[i + 2];
            f->h = pdfsan_be16(p + i + 3);
            f->w = pdfsan_be16(p + i + 5);
            f->comps = p[i + 7];
        }
        i += len;
        if (m == 0xDA) {
            if (!sof) {
                snprintf(why, cap, "JPEG scan before the frame header");
                return ST_DROP;
            }
            if (++f->scans > w->lim.max_scans) {
                snprintf(why, cap, "JPEG with more than %u scans (jpeg_max_scans)",
                         w->lim.max_scans);
                return ST_LIMIT;
            }
            i = pdfsan_skip_scan(p, n, i);
        }
    }
    if (!sof) {
        snprintf(why, cap, "JPEG without a frame header");
        return ST_DROP;
    }
    return ST_OK;
}

static enum pdfsan_st pdfsan_dct(const struct pdfsan_walk *w, const uint8_t *p, size_t n,
                                 const struct pdfsan_img *img, char *why, size_t cap)
{
    struct pdfsan_sof f;
    enum pdfsan_st st = pdfsan_dct_markers(w, p, n, &f, why, cap);
    if (st != ST_OK)
        return st;
    if (f.w > w->lim.max_dimension || f.h > w->lim.max_dimension ||
        (uint64_t)f.w * f.h > w->lim.max_pixels) {
        snprintf(why, cap, "JPEG frame %u x %u exceeds max_dimension or max_pixels", f.w, f.h);
        return ST_LIMIT;
    }
    /* Baseline, extended, progressive, Huffman or arithmetic: what libjpeg
     * decodes. Lossless and hierarchical JPEG it does not. */
    if (f.type != 0xC0 && f.type != 0xC1 && f.type != 0xC2 && f.type != 0xC9 && f.type != 0xCA) {
        snprintf(why, cap, "JPEG process SOF%u, which the decoders do not read", f.type - 0xC0u);
        return ST_DROP;
    }
    if (f.precision != 8 || (f.comps != 1 && f.comps != 3 && f.comps != 4)) {
        snprintf(why, cap, "JPEG with %u-bit samples and %u components", f.precision, f.comps);
        return ST_DROP;
    }
    if (f.w != img->w || f.h != img->h) {
        snprintf(why, cap, "JPEG frame is %u x %u, the dictionary says %llu x %llu", f.w, f.h,
                 (unsigned long long)img->w, (unsigned long long)img->h);
        return ST_DROP;
    }
    return ST_OK;
}

/* Find the contiguous codestream box of a JP2 file, and its ihdr size. */
static enum pdfsan_st pdfsan_jp2_boxes(const uint8_t *p, size_t n, const uint8_t **cs, size_t *csn,
                                       uint64_t *ih_w, uint64_t *ih_h, char *why, size_t cap)
{
    size_t i = 0;
    while (i + 8 <= n) {
        uint64_t len = pdfsan_be32(p + i);
        uint32_t type = pdfsan_be32(p + i + 4);
        size_t hdr = 8;
        if (len == 1) {
            if (i + 16 > n) {
                len = 0;
            } else {
                len = (uint64_t)pdfsan_be32(p + i + 8) << 32 | pdfsan_be32(p + i + 12);
                hdr = 16;
            }
        } else if (len == 0) {
            len = n - i;
        }
        if (len < hdr || len > n - i) {
            snprintf(why, cap, "JPEG 2000 box at byte %zu runs past the data", i);
            return ST_DROP;
        }
        if (type == 0x6A703268u) { /* jp2h: ihdr is inside */
            for (size_t j = i + hdr; j + 8 <= i + len;) {
                uint32_t bl = pdfsan_be32(p + j);
                if (bl < 8 || bl > i + len - j)
                    break;
                if (pdfsan_be32(p + j + 4) == 0x69686472u && bl >= 22) { /* ihdr */
                    *ih_h = pdfsan_be32(p + j + 8);
                    *ih_w = pdfsan_be32(p + j + 12);
                }
                j += bl;
            }
        } else if (type == 0x6A703263u) { /* jp2c */
            *cs = p + i + hdr;
            *csn = (size_t)len - hdr;
            return ST_OK;
        }
        i += (size_t)len;
    }
    snprintf(why, cap, "JPEG 2000 file without a codestream");
    return ST_DROP;
}

static enum pdfsan_st pdfsan_jpx(const struct pdfsan_walk *w, const uint8_t *p, size_t n,
                                 const struct pdfsan_img *img, char *why, size_t cap)
{
    static const uint8_t jp2_sig[12] = {0, 0, 0, 12, 'j', 'P', ' ', ' ', 13, 10, 0x87, 10};
    const uint8_t *cs = p;
    size_t csn = n;
    uint64_t ih_w = 0, ih_h = 0;
    if (n >= 12 && memcmp(p, jp2_sig, 12) == 0) {
        enum pdfsan_st st = pdfsan_jp2_boxes(p, n, &cs, &csn, &ih_w, &ih_h, why, cap);
        if (st != ST_OK)
            return st;
    }
    if (csn < 4 + 41 || pdfsan_be32(cs) != 0xFF4FFF51u) {
        snprintf(why, cap, "JPEG 2000 codestream without SOC and SIZ");
        return ST_DROP;
    }
    const uint8_t *s = cs + 4;
    uint32_t lsiz = pdfsan_be16(s), csiz = pdfsan_be16(s + 36);
    uint64_t xs = pdfsan_be32(s + 4), ys = pdfsan_be32(s + 8), xo = pdfsan_be32(s + 12),
             yo = pdfsan_be32(s + 16), xt = pdfsan_be32(s + 20), yt = pdfsan_be32(s + 24),
             xto = pdfsan_be32(s + 28), yto = pdfsan_be32(s + 32);
    if (lsiz != 38 + 3 * csiz || 2 + (size_t)lsiz > csn - 2 || xo >= xs || yo >= ys || !xt || !yt ||
        xto > xo || yto > yo || xto + xt <= xo || yto + yt <= yo) {
        snprintf(why, cap, "JPEG 2000 SIZ marker is inconsistent");
        return ST_DROP;
    }
    uint64_t wd = xs - xo, ht = ys - yo;
    uint64_t tiles = ((xs - xto + xt - 1) / xt) * ((ys - yto + yt - 1) / yt);
    if (wd > w->lim.max_dimension || ht > w->lim.max_dimension || wd * ht > w->lim.max_pixels ||
        tiles > PDFSAN_JPX_TILES || csiz > PDFSAN_JPX_COMPS) {
        snprintf(why, cap,
                 "JPEG 2000 image %llu x %llu, %llu tiles, %u components exceeds the limits",
                 (unsigned long long)wd, (unsigned long long)ht, (unsigned long long)tiles, csiz);
        return ST_LIMIT;
    }
    for (uint32_t c = 0; c < csiz; c++) {
        const uint8_t *cp = s + 38 + 3 * c;
        if (csiz == 0 || (cp[0] & 0x7F) + 1 > 16 || cp[1] == 0 || cp[2] == 0) {
            snprintf(why, cap, "JPEG 2000 component %u is malformed", c);
            return ST_DROP;
        }
    }
    if (csiz == 0 || (ih_w && (ih_w != wd || ih_h != ht)) || wd != img->w || ht != img->h) {
        snprintf(why, cap, "JPEG 2000 image is %llu x %llu, the dictionary says %llu x %llu",
                 (unsigned long long)wd, (unsigned long long)ht, (unsigned long long)img->w,
                 (unsigned long long)img->h);
        return ST_DROP;
    }
    return ST_OK;
}

struct pdfsan_jb2 {
    const struct pdfsan_walk *w;
    const struct pdfsan_img *img;
    uint64_t pw, ph; /* the page, once its information segment is read */
    bool page;
};

static bool pdfsan_jb2_region(uint8_t type)
{
    static const uint8_t r[] = {4, 6, 7, 20, 22, 23, 36, 38, 39, 40, 42, 43};
    return memchr(r, type, sizeof(r)) != NULL;
}

/* One segment's data, judged by its type. */
static enum pdfsan_st pdfsan_jb2_segment(struct pdfsan_jb2 *j, uint8_t type, const uint8_t *d,
                                         size_t dl, char *why, size_t cap)
{
    const struct pdfsan_limits *lim = &j->w->lim;
    if (type == 48) { /* page information */
        if (dl < 19 || j->page) {
            snprintf(why, cap, "JBIG2 page information is %s", j->page ? "repeated" : "short");
            return ST_DROP;
        }
        uint64_t pw = pdfsan_be32(d), ph = pdfsan_be32(d + 4);
        bool striped = ph == 0xFFFFFFFFu;
        if (pw > lim->max_dimension || (!striped && ph > lim->max_dimension) ||
            (!striped && pw * ph > lim->max_pixels)) {
            snprintf(why, cap, "JBIG2 page %llu x %llu exceeds the image limits",
                     (unsigned long long)pw, (unsigned long long)ph);
            return ST_LIMIT;
        }
        if (pw != j->img->w || (!striped && ph != j->img->h)) {
            snprintf(why, cap, "JBIG2 page is %llu x %llu, the dictionary says %llu x %llu",
                     (unsigned long long)pw, (unsigned long long)ph, (unsigned long long)j->img->w,
                     (unsigned long long)j->img->h);
            return ST_DROP;
        }
        j->page = true;
        j->pw = pw;
        j->ph = striped ? j->img->h : ph;
    } else if (pdfsan_jb2_region(type)) {
        if (dl < 17) {
            snprintf(why, cap, "JBIG2 region segment is short");
            return ST_DROP;
        }
        uint64_t rw = pdfsan_be32(d), rh = pdfsan_be32(d + 4);
        uint64_t mw = j->page ? j->pw : lim->max_dimension, mh = j->page ? j->ph : mw;
        if (rw > mw || rh > mh || rw * rh > lim->max_pixels) {
            snprintf(why, cap, "JBIG2 region %llu x %llu is larger than its page",
                     (unsigned long long)rw, (unsigned long long)rh);
            return ST_LIMIT;
        }
        if ((type == 20 || type == 22 || type == 23) &&
            (dl < 38 || (uint64_t)pdfsan_be32(d + 18) * pdfsan_be32(d + 22) > lim->max_pixels)) {
            snprintf(why, cap, "JBIG2 halftone grid is malformed or too large");
            return dl < 38 ? ST_DROP : ST_LIMIT;
        }
    } else if (type == 0) { /* symbol dictionary */
        if (dl < 2) {
            snprintf(why, cap, "JBIG2 symbol dictionary is short");
            return ST_DROP;
        }
        uint32_t fl = pdfsan_be16(d);
        size_t off = 2 + (!(fl & 1) ? (((fl >> 10) & 3) == 0 ? 8 : 2) : 0) +
                     ((fl & 2) && !((fl >> 12) & 1) ? 4 : 0);
        if (dl < off + 8) {
            snprintf(why, cap, "JBIG2 symbol dictionary is short");
            return ST_DROP;
        }
        if (pdfsan_be32(d + off) > PDFSAN_JBIG2_SYMS ||
            pdfsan_be32(d + off + 4) > PDFSAN_JBIG2_SYMS) {
            snprintf(why, cap, "JBIG2 symbol dictionary declares more than %u symbols",
                     PDFSAN_JBIG2_SYMS);
            return ST_LIMIT;
        }
    } else if (type == 16) { /* pattern dictionary */
        if (dl < 7) {
            snprintf(why, cap, "JBIG2 pattern dictionary is short");
            return ST_DROP;
        }
        if (((uint64_t)pdfsan_be32(d + 3) + 1) * d[1] * d[2] > lim->max_pixels) {
            snprintf(why, cap, "JBIG2 pattern dictionary is too large");
            return ST_LIMIT;
        }
    } else if (type < 49 || (type > 53 && type != 62)) {
        /* not end of page/stripe/file, profiles, tables or extension */
        snprintf(why, cap, "JBIG2 segment type %u is not known", type);
        return ST_DROP;
    }
    return ST_OK;
}

/* Every segment header of an embedded JBIG2 stream (T.88 7.2). */
static enum pdfsan_st pdfsan_jb2_segments(struct pdfsan_jb2 *j, const uint8_t *p, size_t n,
                                          char *why, size_t cap)
{
    size_t i = 0;
    while (i < n) {
        if (n - i < 6)
            goto short_header;
        uint32_t num = pdfsan_be32(p + i);
        uint8_t flags = p[i + 4], type = flags & 0x3F;
        i += 5;
        uint64_t refs = p[i] >> 5, rt = 1;
        if (refs == 7) {
            if (n - i < 4)
                goto short_header;
            refs = pdfsan_be32(p + i) & 0x1FFFFFFFu;
            rt = 4 + (refs + 8) / 8;
        } else if (refs > 4) {
            snprintf(why, cap, "JBIG2 segment %u has a malformed referred-to count", num);
            return ST_DROP;
        }
        uint64_t skip = rt +
                        refs * (num <= 256     ? 1
                                : num <= 65536 ? 2
                                               : 4) +
                        ((flags & 0x40) ? 4 : 1);
        if (skip + 4 > n - i)
            goto short_header;
        i += (size_t)skip;
        uint32_t dl = pdfsan_be32(p + i);
        i += 4;
        if (dl > n - i) {
            snprintf(why, cap, "JBIG2 segment %u runs past the data%s", num,
                     dl == 0xFFFFFFFFu ? " (unknown length)" : "");
            return ST_DROP;
        }
        enum pdfsan_st st = pdfsan_jb2_segment(j, type, p + i, dl, why, cap);
        if (st != ST_OK)
            return st;
        i += dl;
    }
    return ST_OK;
short_header:
    snprintf(why, cap, "JBIG2 segment header cut short at byte %zu", i);
    return ST_DROP;
}

static enum pdfsan_st pdfsan_jbig2(struct pdfsan_walk *w, qpdf_oh parms, const uint8_t *p, size_t n,
                                   const struct pdfsan_img *img, char *why, size_t cap)
{
    qpdf_data q = w->q;
    struct pdfsan_jb2 j = {.w = w, .img = img};
    enum pdfsan_st st = ST_OK;
    if (img->bpc > 1) {
        snprintf(why, cap, "JBIG2 image with %u bits per component", img->bpc);
        return ST_DROP;
    }
    qpdf_oh g = qpdf_oh_is_dictionary(q, parms) ? qpdf_oh_get_key(q, parms, "/JBIG2Globals")
                                                : qpdf_oh_new_null(q);
    if (qpdf_oh_is_stream(q, g)) {
        unsigned char *gd = NULL;
        size_t gl = 0;
        QPDF_BOOL filtered = QPDF_FALSE;
        if ((qpdf_oh_get_stream_data(q, g, qpdf_dl_specialized, &filtered, &gd, &gl) &
             QPDF_ERRORS) ||
            !filtered) {
            snprintf(why, cap, "its JBIG2 globals cannot be decoded");
            st = ST_DROP;
        } else {
            st = pdfsan_jb2_segments(&j, gd, gl, why, cap);
        }
        free(gd);
        while (qpdf_has_error(q))
            qpdf_get_error(q);
        pdfsan_drain_warnings(q, NULL, 0);
    } else if (!qpdf_oh_is_null(q, g)) {
        snprintf(why, cap, "its /JBIG2Globals is not a stream");
        st = ST_DROP;
    }
    qpdf_oh_release(q, g);
    if (st == ST_OK)
        st = pdfsan_jb2_segments(&j, p, n, why, cap);
    if (st == ST_OK && !j.page) {
        snprintf(why, cap, "JBIG2 data without page information");
        st = ST_DROP;
    }
    return st;
}

static enum pdfsan_st pdfsan_ccitt_dims(const struct pdfsan_walk *w, long long cols, long long rows,
                                        const struct pdfsan_img *img, char *why, size_t cap)
{
    if ((uint64_t)cols > w->lim.max_dimension || (uint64_t)rows > w->lim.max_dimension) {
        snprintf(why, cap, "CCITT image %lld columns, %lld rows exceeds max_dimension", cols, rows);
        return ST_LIMIT;
    }
    if ((uint64_t)cols != img->w || (rows && (uint64_t)rows != img->h) || img->bpc > 1) {
        snprintf(why, cap, "CCITT data is %lld x %lld, the dictionary says %llu x %llu", cols, rows,
                 (unsigned long long)img->w, (unsigned long long)img->h);
        return ST_DROP;
    }
    return ST_OK;
}

static enum pdfsan_st pdfsan_ccitt(struct pdfsan_walk *w, qpdf_oh parms,
                                   const struct pdfsan_img *img, char *why, size_t cap)
{
    qpdf_data q = w->q;
    long long cols = 1728, rows = 0, k = 0;
    if (!qpdf_oh_is_dictionary(q, parms)) {
        if (qpdf_oh_is_null(q, parms))
            return pdfsan_ccitt_dims(w, cols, rows, img, why, cap);
        snprintf(why, cap, "CCITT parameters are not a dictionary");
        return ST_DROP;
    }
    bool has_cols = qpdf_oh_has_key(q, parms, "/Columns"),
         has_rows = qpdf_oh_has_key(q, parms, "/Rows"), has_k = qpdf_oh_has_key(q, parms, "/K");
    if ((has_cols && !pdfsan_int_at(q, parms, "/Columns", &cols)) ||
        (has_rows && !pdfsan_int_at(q, parms, "/Rows", &rows)) ||
        (has_k && !pdfsan_int_at(q, parms, "/K", &k)) || cols < 1 || rows < 0 || img->bpc > 1) {
        snprintf(why, cap, "CCITT parameters are malformed");
        return ST_DROP;
    }
    return pdfsan_ccitt_dims(w, cols, rows, img, why, cap);
}

/* The codec's header against the dictionary; p, n: the data with any
 * generic filters in front of the codec already decoded. */
static enum pdfsan_st pdfsan_codec_check(struct pdfsan_walk *w, qpdf_oh d, int idx,
                                         enum pdfsan_codec codec, const uint8_t *p, size_t n,
                                         const struct pdfsan_img *img, char *why, size_t cap)
{
    qpdf_oh parms = pdfsan_parms_at(w->q, d, idx);
    enum pdfsan_st st = ST_OK;
    if (codec == CODEC_DCT)
        st = pdfsan_dct(w, p, n, img, why, cap);
    else if (codec == CODEC_JPX)
        st = pdfsan_jpx(w, p, n, img, why, cap);
    else if (codec == CODEC_JBIG2)
        st = pdfsan_jbig2(w, parms, p, n, img, why, cap);
    else if (codec == CODEC_CCITT)
        st = pdfsan_ccitt(w, parms, img, why, cap);
    qpdf_oh_release(w->q, parms);
    return st;
}

/* ---- decoding ---- */

/* Bytes zlib's inflate produces from p, counting no further than stop;
 * *trailing: the deflate data ended before p did. */
static uint64_t pdfsan_inflate_count(const uint8_t *p, size_t n, uint64_t stop, bool *trailing)
{
    z_stream z;
    uint8_t out[16384];
    uint64_t got = 0;
    size_t left = n;
    memset(&z, 0, sizeof(z));
    if (inflateInit(&z) != Z_OK)
        return 0;
    z.next_in = (Bytef *)(uintptr_t)p;
    for (;;) {
        if (z.avail_in == 0 && left) {
            z.avail_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
            left -= z.avail_in;
        }
        z.next_out = out;
        z.avail_out = sizeof(out);
        int zr = inflate(&z, Z_NO_FLUSH);
        got += sizeof(out) - z.avail_out;
        if (zr == Z_STREAM_END)
            *trailing = z.avail_in > 0 || left > 0;
        if (zr != Z_OK || got >= stop || (z.avail_in == 0 && !left && z.avail_out != 0))
            break;
    }
    inflateEnd(&z);
    return got;
}

/* Take qpdf's error (if any) as text, so that none is left pending. */
static void pdfsan_take_error(qpdf_data q, char *buf, size_t cap)
{
    while (qpdf_has_error(q)) {
        qpdf_error e = qpdf_get_error(q);
        if (buf && !buf[0] && e)
            snprintf(buf, cap, "%s", qpdf_get_error_message_detail(q, e));
    }
}

/*
 * Decode s's filters (those it has now) with qpdf, within the limits. The
 * budget: max_ratio times the stored size, at least PDFSAN_RATIO_FLOOR and
 * the size the image dictionary promises; and what is left of
 * max_expanded. *repaired: qpdf warned but decoded (Flate data cut short).
 */
static enum pdfsan_st pdfsan_decode(struct pdfsan_walk *w, qpdf_oh s, const uint8_t *raw,
                                    size_t rawlen, const struct pdfsan_chain *ch, uint64_t promised,
                                    unsigned char **data, size_t *len, bool *repaired, char *why,
                                    size_t cap)
{
    qpdf_data q = w->q;
    uint64_t allowed = pdfsan_sat_mul(rawlen, w->lim.max_ratio);
    if (allowed < PDFSAN_RATIO_FLOOR)
        allowed = PDFSAN_RATIO_FLOOR;
    if (allowed < promised)
        allowed = promised;
    uint64_t left = w->lim.max_expanded > *w->expanded ? w->lim.max_expanded - *w->expanded : 0;
    uint64_t got = 0;
    bool trailing = false;
    if (ch->flate_first)
        got = pdfsan_inflate_count(raw, rawlen, (allowed < left ? allowed : left) + 1, &trailing);
    *data = NULL;
    *len = 0;
    /* The writer's Flate ends where the data ends; anything after it in
     * our own output would be bytes nobody decodes. */
    if (trailing && w->mode == PDFSAN_CHECK) {
        snprintf(why, cap, "data after the end of the Flate stream");
        return ST_DROP;
    }
    if (!ch->flate_first || (got <= allowed && got <= left)) {
        QPDF_BOOL filtered = QPDF_FALSE;
        char msg[160] = "";
        QPDF_ERROR_CODE rc =
                qpdf_oh_get_stream_data(q, s, qpdf_dl_specialized, &filtered, data, len);
        unsigned long nw = pdfsan_drain_warnings(q, msg, sizeof(msg));
        pdfsan_take_error(q, msg, sizeof(msg));
        if ((rc & QPDF_ERRORS) || !filtered) {
            free(*data);
            *data = NULL;
            snprintf(why, cap, "data cannot be decoded (%.150s)", msg[0] ? msg : "qpdf");
            return ST_DROP;
        }
        *repaired = nw > 0;
        got = *len;
    }
    *w->expanded += got;
    if (got > allowed || *w->expanded > w->lim.max_expanded) {
        free(*data);
        *data = NULL;
        if (got > allowed)
            snprintf(why, cap,
                     "stream expands more than %u times its %zu bytes (decompression bomb)",
                     w->lim.max_ratio, rawlen);
        else
            snprintf(why, cap, "decompressed data exceeds the job limit of %llu bytes",
                     (unsigned long long)w->lim.max_expanded);
        return ST_LIMIT;
    }
    return ST_OK;
}

/* Decode the generic filters in front of an image codec and store the
 * image with the codec alone (qpdf_oh_replace_stream_data). */
static enum pdfsan_st pdfsan_strip_prefix(struct pdfsan_walk *w, qpdf_oh s, qpdf_oh d,
                                          const uint8_t *raw, size_t rawlen,
                                          const struct pdfsan_chain *ch, unsigned char **data,
                                          size_t *len, char *why, size_t cap)
{
    qpdf_data q = w->q;
    int k = ch->n - 1;
    qpdf_oh f = qpdf_oh_get_key(q, d, "/Filter");
    qpdf_oh p = qpdf_oh_get_key(q, d, "/DecodeParms");
    qpdf_oh codec = qpdf_oh_get_array_item(q, f, k);
    qpdf_oh codec_parms = pdfsan_parms_at(q, d, k);
    qpdf_oh pf = qpdf_oh_new_array(q), pp = qpdf_oh_new_array(q);
    for (int i = 0; i < k; i++) {
        qpdf_oh it = qpdf_oh_get_array_item(q, f, i);
        qpdf_oh_append_item(q, pf, it);
        qpdf_oh_release(q, it);
        it = pdfsan_parms_at(q, d, i);
        qpdf_oh_append_item(q, pp, it);
        qpdf_oh_release(q, it);
    }
    qpdf_oh_replace_key(q, d, "/Filter", pf);
    qpdf_oh_replace_key(q, d, "/DecodeParms", pp);
    bool repaired = false;
    enum pdfsan_st st = pdfsan_decode(w, s, raw, rawlen, ch, 0, data, len, &repaired, why, cap);
    if (st == ST_OK) {
        qpdf_oh_replace_stream_data(q, s, *data, *len, codec, codec_parms);
        w->repaired += repaired;
    } else {
        qpdf_oh_replace_key(q, d, "/Filter", f);
        qpdf_oh_replace_key(q, d, "/DecodeParms", p);
    }
    qpdf_oh_release(q, pp);
    qpdf_oh_release(q, pf);
    qpdf_oh_release(q, codec_parms);
    qpdf_oh_release(q, codec);
    qpdf_oh_release(q, p);
    qpdf_oh_release(q, f);
    return st;
}

/* qpdf's own JPEG decoder must read the image, as qpdf --check does. */
static enum pdfsan_st pdfsan_dct_decodes(qpdf_data q, qpdf_oh s, char *why, size_t cap)
{
    unsigned char *pix = NULL;
    size_t n = 0;
    QPDF_BOOL filtered = QPDF_FALSE;
    char msg[160] = "";
    QPDF_ERROR_CODE rc = qpdf_oh_get_stream_data(q, s, qpdf_dl_all, &filtered, &pix, &n);
    free(pix);
    unsigned long nw = pdfsan_drain_warnings(q, msg, sizeof(msg));
    pdfsan_take_error(q, msg, sizeof(msg));
    if ((rc & QPDF_ERRORS) || !filtered || nw) {
        snprintf(why, cap, "JPEG data cannot be decoded (%.150s)", msg[0] ? msg : "qpdf");
        return ST_DROP;
    }
    return ST_OK;
}

/* ---- one stream ---- */

/* /Length must be the length of the data qpdf found between "stream" and
 * "endstream": when it is not, qpdf searched for the end itself, and
 * another reader may take other bytes for the stream. */
static bool pdfsan_length_ok(const struct pdfsan_walk *w, qpdf_oh d, size_t rawlen)
{
    long long len = -1;
    if (!pdfsan_int_at(w->q, d, "/Length", &len) || len < 0)
        return false;
    if ((uint64_t)len == rawlen)
        return true;
    /* AES: 16 bytes of IV and 1 to 16 of padding around the plain data. */
    return w->encrypted && (uint64_t)len == 16 + (rawlen / 16 + 1) * 16;
}

/* External stream data (a file the viewer would fetch) and its filters. */
static void pdfsan_stream_external(struct pdfsan_walk *w, qpdf_oh d, const struct pdfsan_og *og)
{
    static const char *const keys[] = {"/F", "/FFilter", "/FDecodeParms", "/DL"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (!qpdf_oh_has_key(w->q, d, keys[i]))
            continue;
        pdfsan_found(w, "stream data in an external file is fetched by the viewer",
                     "%s entry of stream object %d %d", keys[i], og->id, og->gen);
        if (w->mode == PDFSAN_CLEAN)
            qpdf_oh_remove_key(w->q, d, keys[i]);
    }
}

/*
 * Check one stream (see the comment at the top of this section): in CLEAN
 * mode decode it and leave it as the writer should write it, in CHECK mode
 * require the shape the writer leaves (no filter or /FlateDecode; an image
 * codec alone on an image) and decode it.
 */
static enum pdfsan_st pdfsan_stream_check(struct pdfsan_walk *w, qpdf_oh s, qpdf_oh d, bool image,
                                          char *why, size_t cap)
{
    qpdf_data q = w->q;
    unsigned char *raw = NULL, *data = NULL;
    size_t rawlen = 0, len = 0;
    struct pdfsan_chain ch;
    struct pdfsan_img img = {0};
    enum pdfsan_st st = ST_OK;
    if (image && (st = pdfsan_image_dict(w, d, &img, why, cap)) != ST_OK)
        return st;
    if ((st = pdfsan_chain_of(w, d, &ch, why, cap)) != ST_OK)
        return st;
    if (ch.codec != CODEC_NONE && !image) {
        snprintf(why, cap, "%s data in a stream that is not an image",
                 pdfsan_codec_names[ch.codec]);
        return ST_DROP;
    }
    if (w->mode == PDFSAN_CHECK && ch.n && !ch.flate_only && !(ch.codec && ch.n == 1)) {
        snprintf(why, cap, "filters the writer does not leave");
        return ST_DROP;
    }
    if (qpdf_oh_get_stream_data(q, s, qpdf_dl_none, NULL, &raw, &rawlen) & QPDF_ERRORS) {
        char msg[160] = "";
        pdfsan_take_error(q, msg, sizeof(msg));
        pdfsan_drain_warnings(q, NULL, 0);
        snprintf(why, cap, "data unreadable (%.150s)", msg);
        return ST_DROP;
    }
    pdfsan_drain_warnings(q, NULL, 0);
    if (!pdfsan_length_ok(w, d, rawlen)) {
        snprintf(why, cap, "/Length is not the length of its %zu bytes of data", rawlen);
        st = ST_DROP;
    } else if (ch.codec == CODEC_NONE && ch.n) {
        bool repaired = false;
        st = pdfsan_decode(w, s, raw, rawlen, &ch, image ? img.bytes : 0, &data, &len, &repaired,
                           why, cap);
        if (st == ST_OK && repaired && w->mode == PDFSAN_CHECK) {
            snprintf(why, cap, "qpdf warns while decoding it");
            st = ST_DROP;
        }
        w->repaired += st == ST_OK && repaired;
    } else if (ch.codec != CODEC_NONE && ch.n > 1) {
        st = pdfsan_strip_prefix(w, s, d, raw, rawlen, &ch, &data, &len, why, cap);
    }
    if (st == ST_OK && ch.codec != CODEC_NONE) {
        st = ch.n > 1 ? pdfsan_codec_check(w, d, 0, ch.codec, data, len, &img, why, cap)
                      : pdfsan_codec_check(w, d, 0, ch.codec, raw, rawlen, &img, why, cap);
        if (st == ST_OK && ch.codec == CODEC_DCT && w->mode == PDFSAN_CLEAN)
            st = pdfsan_dct_decodes(q, s, why, cap);
    }
    free(data);
    free(raw);
    return st;
}

/* Leave a generic stream for the writer to decode and compress anew. */
static void pdfsan_mark_recode(struct pdfsan_walk *w, qpdf_oh d)
{
    qpdf_data q = w->q;
    qpdf_oh f = qpdf_oh_get_key(q, d, "/Filter");
    if (qpdf_oh_is_name(q, f)) {
        qpdf_oh a = qpdf_oh_wrap_in_array(q, f);
        qpdf_oh_replace_key(q, d, "/Filter", a);
        qpdf_oh_release(q, a);
    }
    qpdf_oh_release(q, f);
}

static void pdfsan_stream_drop(struct pdfsan_walk *w, const struct pdfsan_og *og, bool image,
                               const char *why)
{
    const char *kind = image ? "image" : "stream";
    if (w->mode == PDFSAN_CLEAN && pdfsan_is_content(w, og->id)) {
        if (!w->err) {
            w->err = MG_ERR_PARSE;
            snprintf(w->why, sizeof(w->why), "page content stream (object %d %d): %s", og->id,
                     og->gen, why);
        }
        return;
    }
    pdfsan_found(w, "data that cannot be decoded exactly cannot be checked, so it is not written",
                 "%s object %d %d (%.150s)", kind, og->id, og->gen, why);
    if (w->mode == PDFSAN_CLEAN) {
        qpdf_oh null = qpdf_oh_new_null(w->q);
        qpdf_replace_object(w->q, og->id, og->gen, null);
        qpdf_oh_release(w->q, null);
        w->dropped++;
    }
}

static void pdfsan_stream(struct pdfsan_walk *w, const struct pdfsan_og *og, bool images)
{
    qpdf_data q = w->q;
    qpdf_oh s = qpdf_get_object_by_id(q, og->id, og->gen);
    if (!qpdf_oh_is_stream(q, s)) { /* cut by the walk */
        qpdf_oh_release(q, s);
        return;
    }
    qpdf_oh d = qpdf_oh_get_dict(q, s);
    char sub[16], why[256] = "";
    bool image = strcmp(pdfsan_name_at(q, d, "/Subtype", sub, sizeof(sub)), "/Image") == 0;
    if (image == images) {
        pdfsan_stream_external(w, d, og);
        enum pdfsan_st st = pdfsan_stream_check(w, s, d, image, why, sizeof(why));
        if (st == ST_DROP) {
            pdfsan_stream_drop(w, og, image, why);
        } else if (st == ST_LIMIT) {
            if (w->mode == PDFSAN_CHECK)
                pdfsan_found(w, "limit", "object %d %d: %.150s", og->id, og->gen, why);
            else if (!w->err) {
                w->err = MG_ERR_LIMIT;
                snprintf(w->why, sizeof(w->why), "%s object %d %d: %.150s",
                         image ? "image" : "stream", og->id, og->gen, why);
            }
        } else if (w->mode == PDFSAN_CLEAN) {
            struct pdfsan_chain ch;
            pdfsan_chain_of(w, d, &ch, why, sizeof(why));
            if (ch.codec != CODEC_NONE)
                w->codec_kept++;
            else if (ch.n) {
                pdfsan_mark_recode(w, d);
                w->recoded++;
            }
        }
    }
    qpdf_oh_release(q, d);
    qpdf_oh_release(q, s);
}

/* Every stream the walk met: the others first, then images, whose JBIG2
 * globals are streams of their own. */
static int pdfsan_streams(struct pdfsan_walk *w)
{
    int rc = pdfsan_collect_contents(w);
    if (rc != MG_OK)
        return rc;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < w->n_streams && !w->err; i++)
            pdfsan_stream(w, &w->streams[i], pass == 1);
    return w->err;
}

static void pdfsan_walk_free(struct pdfsan_walk *w)
{
    free(w->streams);
    free(w->contents);
    w->streams = NULL;
    w->contents = NULL;
    w->n_streams = w->n_contents = 0;
}

/*
 * Whether qpdf reads the page tree of what we wrote without a warning.
 * Some damage (a page that was cut, a kid that is not a dictionary) is
 * only noticed when the pages are listed, and listing them in the input
 * does not repair the file; the verifier would refuse such an output, so
 * it is refused here with the reason. Cheap: only the xref and the page
 * tree are read.
 */
static bool pdfsan_pages_readable(const uint8_t *p, size_t n)
{
    qpdf_data q = pdfsan_new_qpdf();
    if (!q)
        return false;
    qpdf_set_attempt_recovery(q, QPDF_FALSE);
    bool ok = !(qpdf_read_memory(q, "output", (const char *)p, n, "") & QPDF_ERRORS) &&
              qpdf_get_num_pages(q) >= 0 && !qpdf_has_error(q) && !qpdf_more_warnings(q);
    pdfsan_free_qpdf(&q);
    return ok;
}

/* What the stream checks did, for the report. */
static void pdfsan_report_streams(const struct pdfsan_walk *w, struct report_node *node,
                                  bool flatten)
{
    if (w->recoded)
        report_actionf(node, ACTION_REWROTE,
                       "every filter is decoded and the data compressed anew, so nothing rides "
                       "in an encoding that was not read",
                       "%lu streams decoded and compressed again", w->recoded);
    if (w->repaired)
        report_actionf(node, ACTION_REWROTE, "the data was cut short; what decodes is written anew",
                       "%lu damaged streams decoded as far as they go", w->repaired);
    if (w->codec_kept && !flatten)
        report_actionf(node, ACTION_KEPT,
                       "images inside PDFs are not re-encoded; their dimensions and codec "
                       "headers were checked against the limits",
                       "%lu images (JPEG, JPEG 2000, JBIG2 or CCITT) as they were", w->codec_kept);
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
    memset(w, 0, sizeof(*w));
    int rc = pdfsan_open(ctx, in, len, node, &q, &supplied);
    if (rc != MG_OK)
        return rc;
    w->q = q;
    w->mode = PDFSAN_CLEAN;
    w->keep_links = !ctx || !ctx->pol || ctx->pol->keep_hyperlinks;
    w->flatten = flatten;
    w->node = node;
    pdfsan_limits_of(ctx, &w->lim);
    w->encrypted = qpdf_is_encrypted(q);
    w->expanded = ctx ? &ctx->expanded_total : &w->own_expanded;

    if (qpdf_is_encrypted(q))
        report_action(node, ACTION_REMOVED,
                      supplied ? "encryption (opened with a supplied password)"
                               : "encryption (owner password only)",
                      "written unencrypted so that it can be inspected and scanned");
    unsigned long nwarn = pdfsan_drain_warnings(q, warn, sizeof(warn));
    rc = pdfsan_walk_doc(w);
    if (rc == MG_ERR_LIMIT) {
        report_block(node, REASON_LIMIT, "more than %u objects", PDFSAN_MAX_VISITS);
        goto out;
    }
    if (rc == MG_ERR_PARSE) {
        report_block(node, REASON_PARSE_ERROR,
                     "a dictionary key contains a NUL byte (#00) or a stray #, which "
                     "cannot be inspected");
        goto out;
    }
    if (rc != MG_OK)
        goto out;
    if (qpdf_has_error(q)) {
        qpdf_error e = qpdf_get_error(q);
        report_block(node, REASON_PARSE_ERROR, "PDF object unreadable: %s",
                     e ? qpdf_get_error_message_detail(q, e) : "unknown error");
        rc = MG_ERR_PARSE;
        goto out;
    }
    /* The page tree is read after the walk: cutting a forbidden object out
     * of a damaged tree can leave one that a viewer cannot read (refused
     * rather than written), and the copies qpdf makes of pages that occur
     * twice are copies of cleaned pages. */
    if (qpdf_get_num_pages(q) < 0) {
        report_block(node, REASON_PARSE_ERROR, "page tree unreadable after sanitizing");
        rc = MG_ERR_PARSE;
        goto out;
    }
    nwarn += pdfsan_drain_warnings(q, nwarn ? NULL : warn, sizeof(warn));
    if (nwarn)
        report_actionf(node, ACTION_REWROTE, "the file is rewritten from what the parser recovered",
                       "damaged structure repaired (%lu parser warnings; first: %.120s)", nwarn,
                       warn);
    /* Every stream decoded under the limits before anything is written. */
    rc = pdfsan_streams(w);
    if (rc == MG_ERR_LIMIT || rc == MG_ERR_PARSE)
        report_block(node, rc == MG_ERR_LIMIT ? REASON_LIMIT : REASON_PARSE_ERROR, "%s", w->why);
    if (rc != MG_OK)
        goto out;
    pdfsan_report_layout(in, len, node);

    if (qpdf_init_write_memory(q) & QPDF_ERRORS) {
        report_block(node, REASON_INTERNAL, "PDF writer could not start");
        rc = MG_ERR_INTERNAL;
        goto out;
    }
    qpdf_set_preserve_unreferenced_objects(q, QPDF_FALSE);
    qpdf_set_preserve_encryption(q, QPDF_FALSE);
    qpdf_set_linearization(q, QPDF_FALSE);
    qpdf_set_qdf_mode(q, QPDF_FALSE);
    qpdf_set_object_stream_mode(q, qpdf_o_preserve);
    /* Generic filters are decoded again by qpdf and every such stream is
     * compressed anew with Flate (pdfsan_streams measured each one and
     * wrapped lone /FlateDecode names so that qpdf does not copy them);
     * image codecs (DCT, JPX, JBIG2, CCITT) are copied as checked. */
    qpdf_set_decode_level(q, qpdf_dl_specialized);
    qpdf_set_compress_streams(q, QPDF_TRUE);
    qpdf_set_deterministic_ID(q, QPDF_TRUE);
    if (qpdf_write(q) & QPDF_ERRORS) {
        qpdf_error e = qpdf_get_error(q);
        report_block(node, REASON_PARSE_ERROR, "PDF could not be rewritten: %s",
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
        report_block(node, REASON_LIMIT, "rewritten PDF larger than %zu bytes", out->max);
    if (rc != MG_OK)
        goto out;
    if (!pdfsan_pages_readable(out->data, out->len)) {
        report_block(node, REASON_PARSE_ERROR,
                     "the page tree is still damaged after rewriting (a viewer would have to "
                     "guess which pages there are)");
        rc = MG_ERR_PARSE;
        goto out;
    }
    pdfsan_report_streams(w, node, flatten);
out:
    pdfsan_walk_free(w);
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
            report_action(node, ACTION_REWROTE, "whole file",
                          "written anew by the PDF writer: one revision, referenced objects only");
    }
    return rc;
}

/* ---- verify -------------------------------------------------------------- */

int pdfsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    int rc = MG_ERR_VERIFY;
    struct pdfsan_walk w;
    memset(&w, 0, sizeof(w));
    qpdf_data q = pdfsan_new_qpdf();
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
    w.q = q;
    w.mode = PDFSAN_CHECK;
    w.keep_links = !ctx || !ctx->pol || ctx->pol->keep_hyperlinks;
    pdfsan_limits_of(ctx, &w.lim);
    w.expanded = &w.own_expanded; /* the job's total counted the sanitizing */
    /* A warning while reading objects (a stream whose length qpdf had to
     * find) is a failure: recovery is off, and we wrote this file. */
    if (pdfsan_walk_doc(&w) != MG_OK || w.findings || qpdf_has_error(q) || qpdf_more_warnings(q))
        goto out;
    /* Every stream in the shape the writer leaves, within the limits, and
     * decoding without a warning. */
    if (pdfsan_streams(&w) != MG_OK || w.findings || qpdf_has_error(q))
        goto out;
    /* qpdf's own check (what `qpdf --check` runs before parsing page
     * contents): a full write to nowhere at decode level all, which also
     * decodes the JPEG images. A warning is a failure: we wrote this file. */
    if (qpdf_more_warnings(q) || qpdf_check_pdf(q) != QPDF_SUCCESS || qpdf_more_warnings(q))
        goto out;
    rc = MG_OK;
out:
    pdfsan_walk_free(&w);
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
        report_block(node, REASON_UNSUPPORTED,
                     "PDF text extraction is not initialised (pdfsan_global_init)");
        rc = MG_ERR_UNSUPPORTED;
        goto out;
    }
    rc = pdfsan_rewrite(ctx, in, len, &clean, node, true, &w);
    if (rc != MG_OK)
        goto out;
    pdfsan_free_qpdf(&w.q);
    if (w.font_needs_data) {
        report_block(node, REASON_UNSUPPORTED,
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
        report_block(node, REASON_PARSE_ERROR, "the text extractor could not read the PDF");
        rc = MG_ERR_PARSE;
        goto out;
    }
    int pages = poppler_document_get_n_pages(doc);
    if (pages < 0 || pages > PDFSAN_MAX_PAGES) {
        report_block(node, REASON_LIMIT, "%d pages", pages);
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
        report_block(node, REASON_LIMIT, "extracted text larger than %zu bytes", out->max);
    if (rc != MG_OK)
        goto out;
    report_actionf(node, ACTION_REWROTE, "policy: PDF is flattened to text",
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

static const struct san_type pdf_types[] = {
        {FT_PDF, FT_PDF, pdfsan_sanitize, pdfsan_verify, pdfsan_flatten},
};

const struct san_family san_family_pdf = {"pdf", SAN_TYPES(pdf_types), pdfsan_global_init};
