/* gifsan - placeholder until the GIF sanitizer lands; refuses everything. */
#include "gifsan.h"
#include "err.h"

int gifsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                  struct report_node *node)
{
    (void)ctx, (void)in, (void)len, (void)out;
    report_block(node, "unsupported", "GIF sanitizer not built");
    return MG_ERR_UNSUPPORTED;
}

int gifsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    (void)ctx, (void)in, (void)len;
    return MG_ERR_UNSUPPORTED;
}
