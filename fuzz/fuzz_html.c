/*
 * fuzz_html - the HTML sanitizer: websan_html_sanitize and websan_html_flatten (charset detection,
 * libxml2's HTML parser, the allowlist writer).
 *
 * Beyond not crashing, the properties checked (abort() on failure):
 *   - every failure leaves a blocked report node, every success none;
 *   - every output passes websan_html_verify, which re-parses it and walks the same
 *     allowlist;
 *   - sanitizing an output again succeeds, and that output verifies too.
 *     (Not byte for byte: a tree that libxml2 built from broken markup, a
 *     <p> inside a <p>, is written as it is and re-parsed in another shape;
 *     that changes no element or attribute, which is what the verifier
 *     checks.)
 */
#include "err.h"
#include "report.h"
#include "websan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct policy pol;
static struct san_ctx ctx;

int fuzz_init(void)
{
    memset(&pol, 0, sizeof(pol));
    pol.max_output_size = 16u << 20;
    memset(&ctx, 0, sizeof(ctx));
    ctx.pol = &pol;
    return websan_global_init();
}

static int run(const uint8_t *data, size_t len, struct buf *out)
{
    struct report_node *node = report_new("fuzz");
    if (!node)
        return MG_ERR_NOMEM;
    buf_init(out, pol.max_output_size);
    int rc = websan_html_sanitize(&ctx, data, len, out, node);
    if ((rc != MG_OK) != (node->verdict == VERDICT_BLOCKED))
        abort();
    report_free(node);
    return rc;
}

int fuzz_one(const uint8_t *data, size_t len)
{
    struct buf out, again;
    if (run(data, len, &out) == MG_OK) {
        if (websan_html_verify(&ctx, out.data, out.len) != MG_OK)
            abort();
        if (run(out.data, out.len, &again) != MG_OK ||
            websan_html_verify(&ctx, again.data, again.len) != MG_OK)
            abort();
        buf_free(&again);
    }
    buf_free(&out);
    struct report_node *node = report_new("fuzz");
    if (node) {
        buf_init(&out, pol.max_output_size);
        if (websan_html_flatten(&ctx, data, len, &out, node) != MG_OK &&
            node->verdict != VERDICT_BLOCKED)
            abort();
        buf_free(&out);
        report_free(node);
    }
    return 0;
}
