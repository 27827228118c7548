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
#include "err.h"
#include "ident.h"
#include "names.h"

#include <stdio.h>
#include <string.h>

/* What can be sanitized: the families' rows (families.c). A type missing
 * there is blocked even when the policy asks for it, with a reason that
 * says so. */
const struct san_type *dispatch_type(enum ftype t)
{
    for (size_t f = 0; f < san_n_families; f++)
        for (size_t i = 0; i < san_families[f]->n_types; i++)
            if (san_families[f]->types[i].in == t)
                return &san_families[f]->types[i];
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
    const struct san_type *e = dispatch_type(want);
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
    const struct san_type *e = dispatch_type(want);

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
    const struct san_type *e = dispatch_type(id.type);
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
    for (size_t f = 0; f < san_n_families; f++) {
        int rc = san_families[f]->global_init ? san_families[f]->global_init() : MG_OK;
        if (rc != MG_OK)
            return rc;
    }
    return MG_OK;
}

/* The pipeline for one file; given: its type when the caller knows it
 * better than content identification (the top-level force_type, or a
 * container's san_member_given()). */
static int dispatch_run(struct san_ctx *ctx, const char *name, enum ftype given, const uint8_t *in,
                        size_t len, struct buf *out, struct report_node *node, enum ftype *out_type)
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
    if (given != FT_UNKNOWN && id.type != given) {
        /* The caller knows what this is (a message handed over by the MTA,
         * an attached message/rfc822), whatever its content looks like to
         * libmagic. */
        snprintf(id.detail, sizeof(id.detail), "given as %s by the caller (content looked like %s)",
                 ftype_info(given)->name, ftype_info(id.type)->name);
        id.type = given;
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
    const struct san_type *e = dispatch_type(id.type);
    if (!e) {
        report_block(node, REASON_UNSUPPORTED, "no sanitizer for %s yet; held rather than passed",
                     ti->label);
        return MG_ERR_UNSUPPORTED;
    }
    /* Text types are already flat: flattening them is sanitizing them
     * (markup, which has a flattener, is not). */
    san_fn run = e->sanitize;
    enum ftype want = e->out;
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
    /* The job verifies the top-level output again in a fresh worker that
     * never saw the input (the stronger check); doing it here as well cost
     * every job a second identification and parse of its output. */
    if (ctx->depth > 0 || !ctx->verify_elsewhere) {
        rc = dispatch_verify(ctx, produced, name, out, node);
        if (rc != MG_OK)
            return rc;
    }

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

int dispatch_file(struct san_ctx *ctx, const char *name, const uint8_t *in, size_t len,
                  struct buf *out, struct report_node *node, enum ftype *out_type)
{
    return dispatch_run(ctx, name, ctx->depth == 0 ? ctx->force_type : FT_UNKNOWN, in, len, out,
                        node, out_type);
}

/*
 * Whether a member's failure fails its container: the one rule, written
 * out in san.h. Memory is gone for everyone. A limit is the container's
 * problem when the job's budgets are spent (the container is what spent
 * them), when the member is an archive (a bomb in a box: what was inside
 * it already hit the limits), or when a member nested in a member was
 * refused unopened (depth, size, scan budget: containers nested up to the
 * limits). Any other failure concerns the member alone: the container
 * leaves it out, says why, and releases the rest.
 */
static bool san_member_fatal(const struct san_ctx *ctx, int rc, enum ftype in_type)
{
    const struct policy *pol = ctx->pol;
    if (rc == MG_ERR_NOMEM)
        return true;
    if (rc != MG_ERR_LIMIT)
        return false;
    if (ctx->members_total >= pol->max_members || ctx->expanded_total >= pol->max_expanded)
        return true;
    if (in_type != FT_UNKNOWN && ftype_info(in_type)->cls == FTC_ARCHIVE)
        return true;
    return in_type == FT_UNKNOWN && ctx->depth >= 1;
}

int san_member_given(struct san_ctx *ctx, struct report_node *parent, const char *name,
                     enum ftype given, const uint8_t *data, size_t len, struct buf *out,
                     struct san_member_result *res)
{
    memset(res, 0, sizeof(*res));
    res->in_type = res->out_type = FT_UNKNOWN;
    res->code = REASON_NONE;
    struct report_node *child = report_new(name);
    if (!child) {
        res->rc = MG_ERR_NOMEM;
        res->code = REASON_NO_MEMORY;
        snprintf(res->why, sizeof(res->why), "%s", "out of memory");
        res->fatal = true;
        return res->rc;
    }
    san_member_fn run = ctx->member ? ctx->member : dispatch_run;
    enum ftype got = FT_UNKNOWN;
    ctx->depth++;
    int rc = run(ctx, name, given, data ? data : (const uint8_t *)"", len, out, child, &got);
    ctx->depth--;

    res->rc = rc;
    res->in_type = child->type ? ftype_by_name(child->type) : FT_UNKNOWN;
    if (rc == MG_OK) {
        res->out_type = got;
    } else {
        res->code = child->reason_code != REASON_NONE ? child->reason_code : reason_from_err(rc);
        snprintf(res->why, sizeof(res->why), "%s", child->reason ? child->reason : err_str(rc));
        res->fatal = san_member_fatal(ctx, rc, res->in_type);
    }
    if (!parent) {
        report_free(child);
        return res->rc;
    }
    size_t before = parent->n_children;
    if (report_add_child(parent, child) != MG_OK) {
        /* The member's node is gone, and with it what the report would
         * say about a released member: the container cannot go on. */
        res->rc = MG_ERR_NOMEM;
        res->code = REASON_NO_MEMORY;
        snprintf(res->why, sizeof(res->why), "%s", "out of memory");
        res->fatal = true;
        return res->rc;
    }
    res->node = parent->n_children > before ? child : NULL;
    return res->rc;
}

int san_member(struct san_ctx *ctx, struct report_node *parent, const char *name,
               const uint8_t *data, size_t len, struct buf *out, struct san_member_result *res)
{
    return san_member_given(ctx, parent, name, FT_UNKNOWN, data, len, out, res);
}
