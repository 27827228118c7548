/* textsan - placeholder until the text sanitizer lands; refuses everything. */
#include "textsan.h"
#include "err.h"

enum text_enc textsan_detect(const uint8_t *in, size_t len)
{
    (void)in, (void)len;
    return TEXT_ENC_UNKNOWN;
}

const char *textsan_enc_name(enum text_enc e)
{
    (void)e;
    return "unknown";
}

int textsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                     struct report_node *node)
{
    (void)ctx, (void)in, (void)len, (void)out;
    report_block(node, "unsupported", "text sanitizer not built");
    return MG_ERR_UNSUPPORTED;
}

int textsan_sanitize_csv(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                         struct report_node *node)
{
    return textsan_sanitize(ctx, in, len, out, node);
}

int textsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    (void)ctx, (void)in, (void)len;
    return MG_ERR_UNSUPPORTED;
}
