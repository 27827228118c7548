/*
 * web_fuzz - what the HTML, SVG and XML harnesses share: the set-up and the
 * properties checked on every input (abort() on failure):
 *   - every failure leaves a blocked report node, every success none;
 *   - every output passes the family's verifier, which re-parses it and
 *     walks the same allowlist;
 *   - sanitizing an output again succeeds and verifies; with fixed_point,
 *     it gives the same bytes (the writer is a fixed point: nothing it
 *     writes is read differently the second time).
 */
#ifndef MUGAI_FUZZ_WEB_FUZZ_H
#define MUGAI_FUZZ_WEB_FUZZ_H

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

static int web_run(san_fn san, const uint8_t *data, size_t len, struct buf *out)
{
    struct report_node *node = report_new("fuzz");
    if (!node)
        return MG_ERR_NOMEM;
    buf_init(out, pol.max_output_size);
    int rc = san(&ctx, data, len, out, node);
    if ((rc != MG_OK) != (node->verdict == VERDICT_BLOCKED))
        abort();
    report_free(node);
    return rc;
}

static void web_check(san_fn san, san_verify_fn verify, const uint8_t *data, size_t len,
                      int fixed_point)
{
    struct buf out, again;
    if (web_run(san, data, len, &out) == MG_OK) {
        if (verify(&ctx, out.data, out.len) != MG_OK)
            abort();
        if (web_run(san, out.data, out.len, &again) != MG_OK ||
            verify(&ctx, again.data, again.len) != MG_OK)
            abort();
        if (fixed_point && (again.len != out.len || memcmp(again.data, out.data, out.len) != 0))
            abort();
        buf_free(&again);
    }
    buf_free(&out);
}

#endif
