/* pngsan - placeholder until the PNG sanitizer lands; refuses everything. */
#include "pngsan.h"
#include "err.h"

int pngsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                  struct report_node *node)
{
    (void)ctx, (void)in, (void)len, (void)out;
    report_block(node, "unsupported", "PNG sanitizer not built");
    return MG_ERR_UNSUPPORTED;
}

int pngsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    (void)ctx, (void)in, (void)len;
    return MG_ERR_UNSUPPORTED;
}
