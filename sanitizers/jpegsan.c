/* jpegsan - placeholder until the JPEG sanitizer lands; refuses everything. */
#include "jpegsan.h"
#include "err.h"

int jpegsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                  struct report_node *node)
{
    (void)ctx, (void)in, (void)len, (void)out;
    report_block(node, "unsupported", "JPEG sanitizer not built");
    return MG_ERR_UNSUPPORTED;
}

int jpegsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    (void)ctx, (void)in, (void)len;
    return MG_ERR_UNSUPPORTED;
}
