/* pdfsan - placeholder until the PDF sanitizer lands; refuses everything. */
#include "pdfsan.h"
#include "err.h"

int pdfsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node)
{
    (void)ctx, (void)in, (void)len, (void)out;
    report_block(node, "unsupported", "PDF sanitizer not built");
    return MG_ERR_UNSUPPORTED;
}

int pdfsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    (void)ctx, (void)in, (void)len;
    return MG_ERR_UNSUPPORTED;
}

int pdfsan_flatten(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                   struct report_node *node)
{
    return pdfsan_sanitize(ctx, in, len, out, node);
}
