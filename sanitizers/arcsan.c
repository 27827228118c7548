/* arcsan - placeholder until the archive sanitizer lands; refuses everything. */
#include "arcsan.h"
#include "err.h"

int arcsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node)
{
    (void)ctx, (void)in, (void)len, (void)out;
    report_block(node, "unsupported", "archive sanitizer not built");
    return MG_ERR_UNSUPPORTED;
}

int arcsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    (void)ctx, (void)in, (void)len;
    return MG_ERR_UNSUPPORTED;
}
