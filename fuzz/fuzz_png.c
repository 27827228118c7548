/*
 * fuzz_png - pngsan_sanitize() on arbitrary bytes, then pngsan_verify() on
 * every output it produces: the sanitizer must never crash or leak, and it
 * must never release a file its own verifier rejects (abort() if it does, so
 * AFL++ records it as a crash).
 *
 * Almost every mutation breaks a chunk CRC, and a bad CRC is refused before
 * libpng runs, so for inputs of even length the harness first rewrites the
 * CRCs of a copy; odd lengths go in unchanged, which keeps the CRC checks
 * themselves under fuzzing.
 */
#include "err.h"
#include "pngsan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct policy pol;
static uint32_t crc_table[256];

int fuzz_init(void)
{
    /* Small limits keep each run fast; the code paths are the same. */
    memset(&pol, 0, sizeof(pol));
    pol.max_dimension = 4096;
    pol.max_pixels = 1u << 22;
    pol.gif_max_frames = 64;
    pol.max_output_size = 16u << 20;
    pol.png_keep_icc = true;
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
    return 0;
}

static void fix_crcs(uint8_t *p, size_t len)
{
    size_t off = 8;
    while (len >= 12 && off <= len - 12) {
        uint32_t l = (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 |
                     (uint32_t)p[off + 2] << 8 | p[off + 3];
        if (l > len - off - 12)
            return;
        uint32_t c = 0xffffffffu;
        for (size_t i = off + 4; i < off + 8 + l; i++)
            c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
        c ^= 0xffffffffu;
        p[off + 8 + l] = (uint8_t)(c >> 24);
        p[off + 9 + l] = (uint8_t)(c >> 16);
        p[off + 10 + l] = (uint8_t)(c >> 8);
        p[off + 11 + l] = (uint8_t)c;
        if (memcmp(p + off + 4, "IEND", 4) == 0)
            return;
        off += 12 + (size_t)l;
    }
}

int fuzz_one(const uint8_t *data, size_t len)
{
    struct san_ctx ctx = {.pol = &pol};
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, len);
    if (len % 2 == 0)
        fix_crcs(copy, len);
    struct buf out;
    buf_init(&out, pol.max_output_size);
    struct report_node *node = report_new("fuzz.png");
    if (node) {
        int rc = pngsan_sanitize(&ctx, copy, len, &out, node);
        if (rc == MG_OK && pngsan_verify(&ctx, out.data, out.len) != MG_OK)
            abort();
        report_free(node);
    }
    buf_free(&out);
    free(copy);
    return 0;
}
