/*
 * fuzz_member - what the container harnesses share (archive, odf, ooxml,
 * rtf, mail):
 *   - fuzz_container_policy(): small limits, so that a mutated bomb
 *     cannot make one execution take seconds; a harness changes what its
 *     format needs after calling it;
 *   - fuzz_member_stub(): a stand-in for the member pipeline (ctx->member,
 *     san.h), so the time goes into the container's own parser rather than
 *     into libmagic and the image codecs, which have harnesses of their
 *     own. A member is typed by its name's extension (or the type the
 *     container gives), refused when no family takes that type or when
 *     its bytes lack the magic number of the output type (JPEG, PNG, GIF:
 *     what a verifier may check, as ODF's does), and otherwise "released"
 *     unchanged as the family's output type. A member
 *     whose last byte is 'L' fails with a limit and one ending in 'B' is
 *     blocked, so the containers' paths for dropped and fatal members are
 *     reached too;
 *   - fuzz_container_run(): one sanitize call with the properties every
 *     container keeps checked (abort() otherwise): a failure leaves a
 *     blocked node with a reason, a success a node that is not blocked,
 *     and the depth is back at 0.
 */
#ifndef MUGAI_FUZZ_MEMBER_H
#define MUGAI_FUZZ_MEMBER_H

#include "buf.h"
#include "dispatch.h"
#include "err.h"
#include "report.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline void fuzz_container_policy(struct policy *pol)
{
    memset(pol, 0, sizeof(*pol));
    pol->max_input_size = 4u << 20;
    pol->max_depth = 3;
    pol->max_members = 200;
    pol->max_expanded = 16u << 20;
    pol->max_ratio = 100;
    pol->max_output_size = 16u << 20;
    pol->max_pixels = 1u << 20;
    pol->max_dimension = 4096;
    pol->jpeg_max_scans = 50;
    pol->gif_max_frames = 50;
}

/* Whether the bytes start as a file of type t does (where the stub can tell). */
static inline bool fuzz_magic_ok(enum ftype t, const uint8_t *d, size_t n)
{
    switch (t) {
    case FT_JPEG:
        return n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF;
    case FT_PNG:
        return n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0;
    case FT_GIF:
        return n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0);
    default:
        return true;
    }
}

static inline int fuzz_member_stub(struct san_ctx *ctx, const char *name, enum ftype given,
                                   const uint8_t *in, size_t len, struct buf *out,
                                   struct report_node *node, enum ftype *out_type)
{
    *out_type = FT_UNKNOWN;
    buf_reset(out);
    node->size_in = len;
    if (ctx->depth > ctx->pol->max_depth || len > ctx->pol->max_input_size) {
        report_block(node, REASON_LIMIT, "stub: too deep or too big");
        return MG_ERR_LIMIT;
    }
    enum ftype t = given != FT_UNKNOWN ? given : ftype_by_ext(name ? name : "");
    const struct san_type *row = dispatch_type(t);
    report_set_type(node, ftype_info(t)->name);
    if (len > 0 && in[len - 1] == 'L') {
        report_block(node, REASON_LIMIT, "stub: a limit");
        return MG_ERR_LIMIT;
    }
    if (!row || ftype_is_executable(t) || !fuzz_magic_ok(row->out, in, len) ||
        (len > 0 && in[len - 1] == 'B')) {
        report_block(node, REASON_POLICY, "stub: blocked");
        return MG_ERR_BLOCKED;
    }
    if (buf_append(out, in, len) != MG_OK) {
        report_block(node, REASON_LIMIT, "stub: output over the cap");
        return MG_ERR_LIMIT;
    }
    report_set_out_type(node, ftype_info(row->out)->name);
    *out_type = row->out;
    return MG_OK;
}

/*
 * Run san on data with members through member (fuzz_member_stub, or NULL
 * for the engine's pipeline). On MG_OK out holds the output and *out_type
 * its type (ctx->out_type after the call); the caller frees out either way.
 */
static inline int fuzz_container_run(san_fn san, const struct policy *pol, san_member_fn member,
                                     const char *name, enum ftype type, const uint8_t *data,
                                     size_t len, struct buf *out, enum ftype *out_type)
{
    struct san_ctx ctx = {.pol = pol, .out_type = type, .member = member};
    buf_init(out, pol->max_output_size);
    *out_type = FT_UNKNOWN;
    struct report_node *node = report_new(name);
    if (!node)
        return MG_ERR_NOMEM;
    int rc = san(&ctx, data, len, out, node);
    if (rc == MG_OK ? node->verdict == VERDICT_BLOCKED
                    : node->verdict != VERDICT_BLOCKED || node->reason_code == REASON_NONE)
        abort();
    if (ctx.depth != 0)
        abort();
    *out_type = ctx.out_type;
    report_free(node);
    return rc;
}

#endif
