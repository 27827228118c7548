/*
 * t_bitmap - BMP, TIFF and WebP to PNG (bitmapsan) tests.
 *
 * Samples come from corpus/bitmap/ (made by corpus/make-bitmap.py), whose
 * pixels follow a formula (tpixel below). Every output is decoded here with
 * libpng's simplified API and compared with that formula, not with anything
 * Mugai computes. Hand-made BMP headers probe each size and offset check:
 * dimensions at the edges of int32, palettes and pixel offsets past the end,
 * masks that are not one run of bits.
 */
#include "bitmapsan.h"
#include "bytes.h"
#include "err.h"
#include "t.h"

#include <png.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void pol_init(struct policy *p)
{
    memset(p, 0, sizeof(*p));
    p->max_dimension = 30000;
    p->max_pixels = 100000000;
    p->max_output_size = 64u << 20;
}

/* The corpus's test pattern (make-bitmap.py: pixel()). */
static void tpixel(uint32_t x, uint32_t y, uint8_t rgb[3])
{
    rgb[0] = (uint8_t)((x * 37 + y * 11) & 255);
    rgb[1] = (uint8_t)((x * 5 + y * 53) & 255);
    rgb[2] = (uint8_t)((x * y + 90) & 255);
}

typedef int (*bitmap_fn)(struct san_ctx *, const uint8_t *, size_t, struct buf *,
                         struct report_node *);

struct run {
    int rc;
    struct buf out;
    struct report_node *node;
};

static void run_on(struct run *r, bitmap_fn fn, const struct policy *pol, const uint8_t *in,
                   size_t len)
{
    struct san_ctx ctx = {.pol = pol, .out_type = FT_PNG};
    buf_init(&r->out, pol->max_output_size);
    r->node = report_new("x");
    r->rc = fn(&ctx, in, len, &r->out, r->node);
}

static void run_free(struct run *r)
{
    buf_free(&r->out);
    report_free(r->node);
}

/* fn on the corpus sample name under the test policy; false (a failed
 * CHECK) when the sample cannot be read. */
static bool run_sample(struct run *r, const char *name, bitmap_fn fn)
{
    struct policy pol;
    size_t len = 0;
    pol_init(&pol);
    uint8_t *in = t_corpus_file("bitmap", name, &len);
    CHECK(in != NULL);
    if (!in)
        return false;
    run_on(r, fn, &pol, in, len);
    free(in);
    return true;
}

/* Decode r's PNG to RGBA; NULL if libpng refuses it. */
static uint8_t *decode_png(const struct run *r, uint32_t *w, uint32_t *h)
{
    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&img, r->out.data, r->out.len))
        return NULL;
    img.format = PNG_FORMAT_RGBA;
    uint8_t *px = malloc(PNG_IMAGE_SIZE(img));
    if (!px || !png_image_finish_read(&img, NULL, px, 0, NULL)) {
        free(px);
        png_image_free(&img);
        return NULL;
    }
    *w = img.width;
    *h = img.height;
    return px;
}

/* A corpus sample whose pixels are tpixel(x, y), opaque. */
static void check_pattern(const char *name, bitmap_fn fn, uint32_t want_w, uint32_t want_h)
{
    struct run r;
    if (!run_sample(&r, name, fn))
        return;
    CHECK_EQ_INT(r.rc, MG_OK);
    uint32_t w = 0, h = 0;
    uint8_t *px = r.rc == MG_OK ? decode_png(&r, &w, &h) : NULL;
    CHECK(px != NULL);
    CHECK_EQ_INT(w, want_w);
    CHECK_EQ_INT(h, want_h);
    bool same = px && w == want_w && h == want_h;
    for (uint32_t y = 0; same && y < h; y++) {
        for (uint32_t x = 0; x < w; x++) {
            uint8_t rgb[3];
            tpixel(x, y, rgb);
            const uint8_t *p = px + ((size_t)y * w + x) * 4;
            if (memcmp(p, rgb, 3) != 0 || p[3] != 255) {
                fprintf(stderr, "%s: pixel %u,%u differs\n", name, x, y);
                same = false;
                break;
            }
        }
    }
    CHECK(same);
    CHECK(r.out.len > 0 && !memmem(r.out.data, r.out.len, "MUGAI-META", 10));
    free(px);
    run_free(&r);
}

static void check_blocked(const char *name, bitmap_fn fn, int want)
{
    struct run r;
    if (!run_sample(&r, name, fn))
        return;
    if (r.rc != want)
        fprintf(stderr, "%s: rc %d, want %d\n", name, r.rc, want);
    CHECK_EQ_INT(r.rc, want);
    CHECK_EQ_INT(r.node->verdict, VERDICT_BLOCKED);
    run_free(&r);
}

/* ---- hand-made BMP headers ------------------------------------------------ */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}

/* A 40-byte-header BMP of w x h (as stored) and bpp, pixel data at off, len bytes in all. */
static size_t mkbmp(uint8_t *b, size_t cap, uint32_t w, uint32_t h, uint16_t bpp, uint32_t comp,
                    uint32_t off, size_t len)
{
    memset(b, 0, cap);
    b[0] = 'B', b[1] = 'M';
    put32(b + 2, (uint32_t)len);
    put32(b + 10, off);
    put32(b + 14, 40);
    put32(b + 18, w);
    put32(b + 22, h);
    b[26] = 1;
    b[28] = (uint8_t)bpp;
    put32(b + 30, comp);
    return len;
}

static int bmp_rc(const uint8_t *b, size_t len, const struct policy *pol)
{
    struct run r;
    run_on(&r, bitmapsan_sanitize_bmp, pol, b, len);
    int rc = r.rc;
    run_free(&r);
    return rc;
}

static void test_bmp_edges(void)
{
    static uint8_t b[4096];
    struct policy pol;
    pol_init(&pol);
    pol.max_dimension = 0xffffffffu; /* let the size checks, not the cap, decide */
    pol.max_pixels = UINT64_MAX / 2;

    /* A 1x1 24-bit image is fine. */
    size_t n = mkbmp(b, sizeof(b), 1, 1, 24, 0, 54, 58);
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_OK);
    /* Width 2^31-1: the row alone needs 6 GB; the file has 4 bytes. */
    n = mkbmp(b, sizeof(b), 0x7fffffffu, 1, 24, 0, 54, 58);
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_ERR_PARSE);
    /* Width x height that wraps 32 bits. */
    n = mkbmp(b, sizeof(b), 0x10000, 0x10000, 32, 0, 54, 58);
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_ERR_PARSE);
    /* Pixel offset at 2^32-1. */
    n = mkbmp(b, sizeof(b), 1, 1, 24, 0, 0xffffffffu, 58);
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_ERR_PARSE);
    /* Pixel offset inside the headers. */
    n = mkbmp(b, sizeof(b), 1, 1, 24, 0, 20, 58);
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_ERR_PARSE);
    /* Palette count 2^32-1 for 8 bpp. */
    n = mkbmp(b, sizeof(b), 1, 1, 8, 0, 54 + 1024, 54 + 1024 + 4);
    put32(b + 46, 0xffffffffu);
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_ERR_PARSE);
    /* A palette of 2 colours and an index of 5. */
    n = mkbmp(b, sizeof(b), 1, 1, 8, 0, 54 + 8, 54 + 8 + 4);
    put32(b + 46, 2);
    b[54 + 8] = 5;
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_ERR_PARSE);
    /* BI_BITFIELDS with a mask that is not one run of bits. */
    n = mkbmp(b, sizeof(b), 1, 1, 32, 3, 66, 70);
    put32(b + 54, 0x00ff00ffu);
    put32(b + 58, 0x0000ff00u);
    put32(b + 62, 0x000000ffu);
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_ERR_PARSE);
    /* ... and with masks that are fine. */
    put32(b + 54, 0x00ff0000u);
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_OK);
    /* A header cut short, an unknown header size, 16 bpp, zero planes. */
    CHECK_EQ_INT(bmp_rc(b, 30, &pol), MG_ERR_PARSE);
    n = mkbmp(b, sizeof(b), 1, 1, 24, 0, 54, 58);
    put32(b + 14, 12);
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_ERR_UNSUPPORTED);
    n = mkbmp(b, sizeof(b), 1, 1, 16, 0, 54, 58);
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_ERR_UNSUPPORTED);
    n = mkbmp(b, sizeof(b), 1, 1, 24, 0, 54, 58);
    b[26] = 0;
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_ERR_PARSE);
    /* The policy caps, before the missing pixels are noticed. */
    pol_init(&pol);
    n = mkbmp(b, sizeof(b), 30001, 1, 24, 0, 54, 58);
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_ERR_LIMIT);
    n = mkbmp(b, sizeof(b), 20000, 20000, 24, 0, 54, 58);
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_ERR_LIMIT);
    /* Top-down with height -1 works; height 0 does not. */
    n = mkbmp(b, sizeof(b), 1, 0xffffffffu, 24, 0, 54, 58);
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_OK);
    n = mkbmp(b, sizeof(b), 1, 0, 24, 0, 54, 58);
    CHECK_EQ_INT(bmp_rc(b, n, &pol), MG_ERR_PARSE);
}

/* The output holds only the chunks an RGB(A) PNG needs. */
static void test_chunks_only(void)
{
    struct policy pol;
    pol_init(&pol);
    size_t len = 0;
    uint8_t *in = t_corpus_file("bitmap", "meta_2pages.tif", &len);
    CHECK(in != NULL);
    if (!in)
        return;
    struct run r;
    run_on(&r, bitmapsan_sanitize_tiff, &pol, in, len);
    CHECK_EQ_INT(r.rc, MG_OK);
    size_t off = 8;
    bool ok = r.out.len > 8;
    while (ok && off + 12 <= r.out.len) {
        uint32_t l = (uint32_t)r.out.data[off] << 24 | (uint32_t)r.out.data[off + 1] << 16 |
                     (uint32_t)r.out.data[off + 2] << 8 | r.out.data[off + 3];
        const char *t = (const char *)r.out.data + off + 4;
        ok = !memcmp(t, "IHDR", 4) || !memcmp(t, "IDAT", 4) || !memcmp(t, "IEND", 4);
        off += (size_t)l + 12;
        if (!memcmp(t, "IEND", 4))
            break;
    }
    CHECK(ok && off == r.out.len);
    run_free(&r);
    free(in);
}

int main(void)
{
    check_pattern("rgb24.bmp", bitmapsan_sanitize_bmp, 13, 7);
    check_pattern("rgb24_topdown.bmp", bitmapsan_sanitize_bmp, 9, 5);
    check_pattern("rgb32.bmp", bitmapsan_sanitize_bmp, 8, 3);
    check_pattern("rgb32_bitfields.bmp", bitmapsan_sanitize_bmp, 6, 4);
    check_pattern("trailing_garbage.bmp", bitmapsan_sanitize_bmp, 5, 5);
    check_pattern("rgb.tif", bitmapsan_sanitize_tiff, 12, 9);
    check_pattern("meta_2pages.tif", bitmapsan_sanitize_tiff, 12, 9);
    check_pattern("lossless.webp", bitmapsan_sanitize_webp, 40, 24);
    check_pattern("meta.webp", bitmapsan_sanitize_webp, 40, 24);
    check_blocked("bomb.bmp", bitmapsan_sanitize_bmp, MG_ERR_LIMIT);
    check_blocked("bomb_pixels.bmp", bitmapsan_sanitize_bmp, MG_ERR_LIMIT);
    check_blocked("negative_width.bmp", bitmapsan_sanitize_bmp, MG_ERR_PARSE);
    check_blocked("int32min_height.bmp", bitmapsan_sanitize_bmp, MG_ERR_PARSE);
    check_blocked("truncated.bmp", bitmapsan_sanitize_bmp, MG_ERR_PARSE);
    check_blocked("palette_overrun.bmp", bitmapsan_sanitize_bmp, MG_ERR_PARSE);
    check_blocked("rle8.bmp", bitmapsan_sanitize_bmp, MG_ERR_UNSUPPORTED);
    check_blocked("embedded_png.bmp", bitmapsan_sanitize_bmp, MG_ERR_UNSUPPORTED);
    check_blocked("huge.tif", bitmapsan_sanitize_tiff, MG_ERR_LIMIT);
    check_blocked("truncated.tif", bitmapsan_sanitize_tiff, MG_ERR_PARSE);
    check_blocked("truncated.webp", bitmapsan_sanitize_webp, MG_ERR_PARSE);
    test_bmp_edges();
    test_chunks_only();
    return t_done();
}
