/*
 * fuzz_gif - gifsan_sanitize() on arbitrary bytes, then gifsan_verify() on
 * every output it produces: the sanitizer must never crash or leak, and it
 * must never release a file its own verifier rejects (abort() if it does, so
 * AFL++ records it as a crash).
 */
#include "err.h"
#include "gifsan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct policy pol;

int fuzz_init(void)
{
    /* Small limits keep each run fast; the code paths are the same. */
    memset(&pol, 0, sizeof(pol));
    pol.max_dimension = 4096;
    pol.max_pixels = 1u << 22;
    pol.gif_max_frames = 64;
    pol.max_output_size = 16u << 20;
    pol.png_keep_icc = true;
    return 0;
}

int fuzz_one(const uint8_t *data, size_t len)
{
    struct san_ctx ctx = {.pol = &pol};
    struct buf out;
    buf_init(&out, pol.max_output_size);
    struct report_node *node = report_new("fuzz.gif");
    if (!node)
        return 0;
    int rc = gifsan_sanitize(&ctx, data, len, &out, node);
    if (rc == MG_OK && gifsan_verify(&ctx, out.data, out.len) != MG_OK)
        abort();
    report_free(node);
    buf_free(&out);
    return 0;
}
