/*
 * dispatch - one file through name checks, identification, policy,
 * its sanitizer and verification (see dispatch.h).
 *
 * The order matters: cheap checks that need no parsing come first (depth,
 * size, name), identification is by content only, and an output is released
 * only after it re-identifies as the type the sanitizer promised and its
 * verifier re-parses it.
 */
#include "dispatch.h"
#include "bitmapsan.h"
#include "err.h"
#include "gifsan.h"
#include "ident.h"
#include "jpegsan.h"
#include "arcsan.h"
#include "mailsan.h"
#include "msofficesan.h"
#include "names.h"
#include "odfsan.h"
#include "ooxmlsan.h"
#include "pdfsan.h"
#include "pngsan.h"
#include "rtfsan.h"
#include "textsan.h"
#include "websan.h"

#include <stdio.h>
#include <string.h>

struct dispatch_entry {
    enum ftype type;
    san_fn sanitize;
    san_verify_fn verify;
    enum ftype out_type;
    san_fn flatten; /* to UTF-8 text, for policy "flatten"; NULL when not offered */
};

/* What can be sanitized today. A type missing here is blocked even when the
 * policy asks for it, with a reason that says so. */
static const struct dispatch_entry dispatch_table[] = {
        {FT_TEXT, textsan_sanitize, textsan_verify, FT_TEXT, NULL},
        {FT_CSV, textsan_sanitize_csv, textsan_verify_csv, FT_CSV, NULL},
        {FT_JPEG, jpegsan_sanitize, jpegsan_verify, FT_JPEG, NULL},
        {FT_PNG, pngsan_sanitize, pngsan_verify, FT_PNG, NULL},
        {FT_GIF, gifsan_sanitize, gifsan_verify, FT_GIF, NULL},
        /* Formats that cannot be rebuilt safely in place come out as PNG. */
        {FT_BMP, bitmapsan_sanitize_bmp, pngsan_verify, FT_PNG, NULL},
        {FT_TIFF, bitmapsan_sanitize_tiff, pngsan_verify, FT_PNG, NULL},
        {FT_WEBP, bitmapsan_sanitize_webp, pngsan_verify, FT_PNG, NULL},
        {FT_PDF, pdfsan_sanitize, pdfsan_verify, FT_PDF, pdfsan_flatten},
        /* Office documents: macro-enabled ones come out macro-free (the
         * sanitizer sets ctx->out_type, e.g. docm -> docx). */
        {FT_DOCX, ooxmlsan_sanitize, ooxmlsan_verify, FT_DOCX, ooxmlsan_flatten},
        {FT_DOCM, ooxmlsan_sanitize, ooxmlsan_verify, FT_DOCM, ooxmlsan_flatten},
        {FT_DOTX, ooxmlsan_sanitize, ooxmlsan_verify, FT_DOTX, ooxmlsan_flatten},
        {FT_DOTM, ooxmlsan_sanitize, ooxmlsan_verify, FT_DOTM, ooxmlsan_flatten},
        {FT_XLSX, ooxmlsan_sanitize, ooxmlsan_verify, FT_XLSX, ooxmlsan_flatten},
        {FT_XLSM, ooxmlsan_sanitize, ooxmlsan_verify, FT_XLSM, ooxmlsan_flatten},
        {FT_XLTX, ooxmlsan_sanitize, ooxmlsan_verify, FT_XLTX, ooxmlsan_flatten},
        {FT_XLTM, ooxmlsan_sanitize, ooxmlsan_verify, FT_XLTM, ooxmlsan_flatten},
        {FT_PPTX, ooxmlsan_sanitize, ooxmlsan_verify, FT_PPTX, ooxmlsan_flatten},
        {FT_PPTM, ooxmlsan_sanitize, ooxmlsan_verify, FT_PPTM, ooxmlsan_flatten},
        {FT_PPSX, ooxmlsan_sanitize, ooxmlsan_verify, FT_PPSX, ooxmlsan_flatten},
        {FT_PPSM, ooxmlsan_sanitize, ooxmlsan_verify, FT_PPSM, ooxmlsan_flatten},
        {FT_POTX, ooxmlsan_sanitize, ooxmlsan_verify, FT_POTX, ooxmlsan_flatten},
        {FT_POTM, ooxmlsan_sanitize, ooxmlsan_verify, FT_POTM, ooxmlsan_flatten},
        /* Office 97-2003: rebuilt from the streams they need (templates too). */
        {FT_DOC, msofficesan_sanitize, msofficesan_verify, FT_DOC, msofficesan_flatten},
        {FT_XLS, msofficesan_sanitize, msofficesan_verify, FT_XLS, msofficesan_flatten},
        {FT_PPT, msofficesan_sanitize, msofficesan_verify, FT_PPT, msofficesan_flatten},
        {FT_ODT, odfsan_sanitize, odfsan_verify, FT_ODT, odfsan_flatten},
        {FT_ODS, odfsan_sanitize, odfsan_verify, FT_ODS, odfsan_flatten},
        {FT_ODP, odfsan_sanitize, odfsan_verify, FT_ODP, odfsan_flatten},
        {FT_OTT, odfsan_sanitize, odfsan_verify, FT_OTT, odfsan_flatten},
        {FT_OTS, odfsan_sanitize, odfsan_verify, FT_OTS, odfsan_flatten},
        {FT_OTP, odfsan_sanitize, odfsan_verify, FT_OTP, odfsan_flatten},
        {FT_EML, mailsan_sanitize, mailsan_verify, FT_EML, NULL},
        /* RTF: rewritten without objects, DDE and remote fields; pictures as members. */
        {FT_RTF, rtfsan_sanitize, rtfsan_verify, FT_RTF, rtfsan_flatten},
        /* Web: rebuilt through allowlists, written as UTF-8. */
        {FT_HTML, websan_html_sanitize, websan_html_verify, FT_HTML, websan_html_flatten},
        {FT_SVG, websan_svg_sanitize, websan_svg_verify, FT_SVG, NULL},
        {FT_XML, websan_xml_sanitize, websan_xml_verify, FT_XML, NULL},
        /* Archives are rebuilt as one zip; single-file compressors come out
         * as their sanitized content (arcsan sets ctx->out_type). */
        {FT_ZIP, arcsan_sanitize, arcsan_verify, FT_ZIP, NULL},
        {FT_7Z, arcsan_sanitize, arcsan_verify, FT_ZIP, NULL},
        {FT_TAR, arcsan_sanitize, arcsan_verify, FT_ZIP, NULL},
        {FT_CPIO, arcsan_sanitize, arcsan_verify, FT_ZIP, NULL},
        {FT_LZH, arcsan_sanitize, arcsan_verify, FT_ZIP, NULL},
        {FT_RAR, arcsan_sanitize, arcsan_verify, FT_ZIP, NULL},
        {FT_CAB, arcsan_sanitize, arcsan_verify, FT_ZIP, NULL},
        {FT_GZIP, arcsan_sanitize, arcsan_verify, FT_ZIP, NULL},
        {FT_BZIP2, arcsan_sanitize, arcsan_verify, FT_ZIP, NULL},
        {FT_XZ, arcsan_sanitize, arcsan_verify, FT_ZIP, NULL},
        {FT_ZSTD, arcsan_sanitize, arcsan_verify, FT_ZIP, NULL},
};

static const struct dispatch_entry *dispatch_lookup(enum ftype t)
{
    for (size_t i = 0; i < sizeof(dispatch_table) / sizeof(dispatch_table[0]); i++)
        if (dispatch_table[i].type == t)
            return &dispatch_table[i];
    return NULL;
}

/* Text and CSV are one family: re-identifying a CSV output may well say
 * "text" (and the other way round) without anything being wrong. */
int dispatch_same_kind(enum ftype want, enum ftype got)
{
    if (want == got)
        return 1;
    return (want == FT_TEXT || want == FT_CSV) && (got == FT_TEXT || got == FT_CSV);
}

static int dispatch_verify(struct san_ctx *ctx, enum ftype want, const char *name,
                           const struct buf *out, struct report_node *node)
{
    const struct dispatch_entry *e = dispatch_lookup(want);
    if (!e) {
        report_block(node, REASON_VERIFY_FAILED, "no verifier for output type %s",
                     ftype_info(want)->name);
        return MG_ERR_VERIFY;
    }
    struct ident id;
    int rc = ident_buffer(out->data, out->len, name, &id);
    if (rc != MG_OK) {
        report_block(node, REASON_VERIFY_FAILED, "output could not be re-identified");
        return MG_ERR_VERIFY;
    }
    if (!dispatch_same_kind(want, id.type)) {
        report_block(node, REASON_VERIFY_FAILED, "output re-identified as %s, expected %s",
                     ftype_info(id.type)->name, ftype_info(want)->name);
        return MG_ERR_VERIFY;
    }
    rc = e->verify(ctx, out->data, out->len);
    if (rc != MG_OK) {
        report_block(node, REASON_VERIFY_FAILED, "output failed re-parsing as %s (%s)",
                     ftype_info(want)->name, err_str(rc));
        return MG_ERR_VERIFY;
    }
    return MG_OK;
}

/* Deepest container nesting the output verifier follows. */
#define DISPATCH_VERIFY_DEPTH 32

static int dispatch_verify_member(struct san_ctx *ctx, const char *name, const uint8_t *data,
                                  size_t len);

int dispatch_verify_output(struct san_ctx *ctx, enum ftype want, const uint8_t *data, size_t len,
                           int members_too, enum ftype *got, char *why, size_t why_cap)
{
    struct ident id;
    const struct dispatch_entry *e = dispatch_lookup(want);

    *got = FT_UNKNOWN;
    snprintf(why, why_cap, "%s", "");
    if (!e || ftype_is_executable(want)) {
        snprintf(why, why_cap, "no verifier for output type %s", ftype_info(want)->name);
        return MG_ERR_VERIFY;
    }
    if (ident_buffer(data, len, NULL, &id) != MG_OK) {
        snprintf(why, why_cap, "output could not be identified");
        return MG_ERR_VERIFY;
    }
    *got = id.type;
    if (!dispatch_same_kind(want, id.type)) {
        snprintf(why, why_cap, "output identified as %s (%s), expected %s",
                 ftype_info(id.type)->name, id.detail, ftype_info(want)->name);
        return MG_ERR_VERIFY;
    }
    ctx->verify_member = members_too ? dispatch_verify_member : NULL;
    int rc = e->verify(ctx, data, len);
    ctx->verify_member = NULL;
    if (rc != MG_OK) {
        snprintf(why, why_cap, "output failed re-parsing as %s (%s)", ftype_info(want)->name,
                 err_str(rc));
        return MG_ERR_VERIFY;
    }
    return MG_OK;
}

/* A member of a verified container: by its content alone it must be a type
 * we release, and pass that type's verifier (its own members included). */
static int dispatch_verify_member(struct san_ctx *ctx, const char *name, const uint8_t *data,
                                  size_t len)
{
    struct ident id;
    (void)name;
    if (ctx->depth >= DISPATCH_VERIFY_DEPTH || ident_buffer(data, len, NULL, &id) != MG_OK)
        return MG_ERR_VERIFY;
    const struct dispatch_entry *e = dispatch_lookup(id.type);
    if (!e || ftype_is_executable(id.type) || policy_action(ctx->pol, id.type) == POL_BLOCK)
        return MG_ERR_VERIFY;
    ctx->depth++;
    int rc = e->verify(ctx, data, len);
    ctx->depth--;
    /* A verifier may clear the hook for its own members; ours stays on. */
    ctx->verify_member = dispatch_verify_member;
    return rc == MG_OK ? MG_OK : MG_ERR_VERIFY;
}

int dispatch_global_init(void)
{
    arcsan_init();
    bitmapsan_global_init();
    int rc = pdfsan_global_init();
    if (rc == MG_OK)
        rc = ooxmlsan_global_init();
    if (rc == MG_OK)
        rc = odfsan_global_init();
    if (rc == MG_OK)
        rc = mailsan_global_init();
    if (rc == MG_OK)
        rc = websan_global_init();
    return rc;
}

int dispatch_file(struct san_ctx *ctx, const char *name, const uint8_t *in, size_t len,
                  struct buf *out, struct report_node *node, enum ftype *out_type)
{
    const struct policy *pol = ctx->pol;
    enum reason code;
    char why[256];
    int rc;

    *out_type = FT_UNKNOWN;
    buf_reset(out);
    node->size_in = len;
    report_sha256_hex(in, len, node->sha256_in);

    if (ctx->depth > pol->max_depth) {
        report_block(node, REASON_LIMIT, "nesting depth %u exceeds the limit of %u", ctx->depth,
                     pol->max_depth);
        return MG_ERR_LIMIT;
    }
    if (len > pol->max_input_size) {
        report_block(node, REASON_LIMIT, "size %zu bytes exceeds the limit of %llu bytes", len,
                     (unsigned long long)pol->max_input_size);
        return MG_ERR_LIMIT;
    }
    /* Every member is scanned as we extracted it, whatever becomes of it. */
    if (ctx->depth > 0 && ctx->member_sink &&
        ctx->member_sink(ctx->member_sink_arg, name, in, len) != MG_OK) {
        report_block(node, REASON_SCAN_LIMIT, "too much member data to virus-scan in one job");
        return MG_ERR_LIMIT;
    }

    struct ident id;
    rc = ident_buffer(in, len, name, &id);
    if (rc != MG_OK) {
        report_block(node, REASON_PARSE_ERROR, "could not identify the file (%s)", err_str(rc));
        return rc;
    }
    if (ctx->depth == 0 && ctx->force_type != FT_UNKNOWN && id.type != ctx->force_type) {
        /* The caller knows what this is (a message handed over by the MTA),
         * whatever its content looks like to libmagic. */
        snprintf(id.detail, sizeof(id.detail), "given as %s by the caller (content looked like %s)",
                 ftype_info(ctx->force_type)->name, ftype_info(id.type)->name);
        id.type = ctx->force_type;
    }
    const struct ftype_info *ti = ftype_info(id.type);
    report_set_type(node, ti->name);
    if (id.declared != FT_UNKNOWN && !dispatch_same_kind(id.declared, id.type)) {
        report_set_declared_type(node, ftype_info(id.declared)->name);
        report_actionf(node, ACTION_FOUND, "identification is by content; the name is not trusted",
                       "name says %s but content is %s (%s)", ftype_info(id.declared)->label,
                       ti->label, id.detail);
    }
    if (ftype_is_executable(id.type)) {
        report_block(node, REASON_EXECUTABLE, "%s (%s)%s", ti->label, id.detail,
                     id.declared != FT_UNKNOWN && id.declared != id.type
                             ? " disguised under another file type's name"
                             : "");
        return MG_ERR_BLOCKED;
    }
    /* After identification so the report says what the file is, before
     * anything else so a disguised name is reported as such. */
    if (names_check(name, &code, why, sizeof(why)) != MG_OK) {
        report_block(node, code, "file name: %s", why);
        return MG_ERR_BLOCKED;
    }
    if (id.type == FT_UNKNOWN) {
        report_block(node, REASON_UNKNOWN_TYPE,
                     "unknown file type (%s); only known types are released",
                     id.mime[0] ? id.mime : "no match");
        return MG_ERR_BLOCKED;
    }

    enum pol_action act = policy_action(pol, id.type);
    if (act == POL_BLOCK) {
        report_block(node, REASON_POLICY, "%s is not allowed by policy", ti->label);
        return MG_ERR_BLOCKED;
    }
    const struct dispatch_entry *e = dispatch_lookup(id.type);
    if (!e) {
        report_block(node, REASON_UNSUPPORTED, "no sanitizer for %s yet; held rather than passed",
                     ti->label);
        return MG_ERR_UNSUPPORTED;
    }
    /* Text types are already flat: flattening them is sanitizing them
     * (markup, which has a flattener, is not). */
    san_fn run = e->sanitize;
    enum ftype want = e->out_type;
    if (act == POL_FLATTEN && (ti->cls != FTC_TEXT || e->flatten)) {
        if (!e->flatten) {
            report_block(node, REASON_UNSUPPORTED, "flattening %s is not supported", ti->label);
            return MG_ERR_UNSUPPORTED;
        }
        run = e->flatten;
        want = FT_TEXT;
    }

    enum ftype saved_out_type = ctx->out_type;
    ctx->out_type = want;
    rc = run(ctx, in, len, out, node);
    enum ftype produced = ctx->out_type;
    ctx->out_type = saved_out_type;
    if (rc != MG_OK) {
        if (node->verdict != VERDICT_BLOCKED)
            report_block(node, reason_from_err(rc), "%s", err_str(rc));
        return rc;
    }
    if (node->verdict == VERDICT_BLOCKED) /* a sanitizer must not block and succeed */
        return MG_ERR_INTERNAL;
    rc = dispatch_verify(ctx, produced, name, out, node);
    if (rc != MG_OK)
        return rc;

    node->size_out = out->len;
    report_sha256_hex(out->data, out->len, node->sha256_out);
    report_set_out_type(node, ftype_info(produced)->name);
    /* Identical bytes out means nothing was changed, whatever was recorded. */
    if (node->verdict == VERDICT_SANITIZED && out->len == len && memcmp(out->data, in, len) == 0)
        node->verdict = VERDICT_CLEAN;
    if (run == e->flatten)
        node->verdict = VERDICT_FLATTENED;
    *out_type = produced;
    return MG_OK;
}
