/* ooxmlsan - placeholder until the sanitizer lands; refuses everything. */
#include "ooxmlsan.h"
#include "err.h"

int ooxmlsan_global_init(void)
{
    return MG_OK;
}

int ooxmlsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                      struct report_node *node)
{
    (void)ctx, (void)in, (void)len, (void)out;
    report_block(node, "unsupported", "sanitizer not built");
    return MG_ERR_UNSUPPORTED;
}

int ooxmlsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    (void)ctx, (void)in, (void)len;
    return MG_ERR_UNSUPPORTED;
}
