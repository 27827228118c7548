/*
 * fuzz_bitmap - the BMP, TIFF and WebP readers of bitmapsan on arbitrary
 * bytes, then pngsan_verify() on every PNG they produce: no crash, no leak,
 * and never an output the PNG verifier rejects (abort() if so, so AFL++
 * records it as a crash).
 *
 * The first bytes choose the reader as identification would ("BM", "II"/"MM",
 * "RIFF"); anything else goes to the reader picked by the first byte, so
 * mutations that break the magic still reach all three.
 */
#include "bitmapsan.h"
#include "err.h"
#include "pngsan.h"

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
    pol.max_output_size = 16u << 20;
    bitmapsan_global_init();
    return 0;
}

static san_fn pick(const uint8_t *d, size_t len)
{
    if (len >= 2 && d[0] == 'B' && d[1] == 'M')
        return bitmapsan_sanitize_bmp;
    if (len >= 2 && ((d[0] == 'I' && d[1] == 'I') || (d[0] == 'M' && d[1] == 'M')))
        return bitmapsan_sanitize_tiff;
    if (len >= 4 && memcmp(d, "RIFF", 4) == 0)
        return bitmapsan_sanitize_webp;
    static const san_fn any[] = {bitmapsan_sanitize_bmp, bitmapsan_sanitize_tiff,
                                 bitmapsan_sanitize_webp};
    return any[len ? d[0] % 3 : 0];
}

int fuzz_one(const uint8_t *data, size_t len)
{
    struct san_ctx ctx = {.pol = &pol, .out_type = FT_PNG};
    struct buf out;
    buf_init(&out, pol.max_output_size);
    struct report_node *node = report_new("fuzz.img");
    if (node) {
        int rc = pick(data, len)(&ctx, data, len, &out, node);
        if (rc == MG_OK && pngsan_verify(&ctx, out.data, out.len) != MG_OK)
            abort();
        report_free(node);
    }
    buf_free(&out);
    return 0;
}
