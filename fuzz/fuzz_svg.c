/*
 * fuzz_svg - the SVG sanitizer: websan_svg_sanitize (charset detection, libxml2's XML parser
 * without DTD or entities, the SVG allowlist writer).
 *
 * Beyond not crashing, the properties checked (abort() on failure):
 *   - every failure leaves a blocked report node, every success none;
 *   - every output passes websan_svg_verify, which re-parses it and walks the same
 *     allowlist;
 *   - sanitizing an output again gives the same bytes (the writer is a
 *     fixed point: nothing it writes is read differently the second time).
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
    int rc = websan_svg_sanitize(&ctx, data, len, out, node);
    if ((rc != MG_OK) != (node->verdict == VERDICT_BLOCKED))
        abort();
    report_free(node);
    return rc;
}

int fuzz_one(const uint8_t *data, size_t len)
{
    struct buf out, again;
    if (run(data, len, &out) == MG_OK) {
        if (websan_svg_verify(&ctx, out.data, out.len) != MG_OK)
            abort();
        if (run(out.data, out.len, &again) != MG_OK || again.len != out.len ||
            memcmp(again.data, out.data, out.len) != 0)
            abort();
        buf_free(&again);
    }
    buf_free(&out);
    return 0;
}
