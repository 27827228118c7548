/* dispatch - placeholder. */
#include "dispatch.h"
#include "err.h"

int dispatch_file(struct san_ctx *ctx, const char *name, const uint8_t *in, size_t len,
                  struct buf *out, struct report_node *node, enum ftype *out_type)
{
    (void)ctx, (void)name, (void)in, (void)len, (void)out, (void)out_type;
    report_block(node, "internal", "dispatch not built");
    return MG_ERR_INTERNAL;
}
