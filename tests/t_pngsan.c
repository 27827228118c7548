/*
 * t_pngsan - PNG sanitizer tests.
 *
 * Samples come from corpus/png/ (made by corpus/make-png.py). Every output
 * is checked with this file's own chunk walker (allowed chunk types only,
 * nothing after IEND, payload strings gone) and decoded here with libpng,
 * both raw (no transformations, all samples compared byte for byte) and
 * through the simplified png_image API (rendered RGBA compared), against the
 * decoded input.
 */
#include "err.h"
#include "pngsan.h"
#include "t.h"
#include "t_util.h"

#include <png.h>

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void pol_init(struct policy *p, bool keep_icc)
{
    t_image_policy(p);
    p->png_keep_icc = keep_icc;
}

/* ---- test-local chunk walker -------------------------------------------- */

struct tchunk {
    char type[5];
    const uint8_t *data;
    uint32_t len;
};

#define TMAX_CHUNKS 256

/* Returns the number of chunks up to and including IEND, or -1; *end is the offset after IEND. */
static int twalk(const uint8_t *p, size_t len, struct tchunk *c, size_t *end)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len < 8 || memcmp(p, sig, 8) != 0)
        return -1;
    size_t off = 8;
    int n = 0;
    while (n < TMAX_CHUNKS) {
        if (len - off < 12)
            return -1;
        uint32_t l = (uint32_t)p[off] << 24 | p[off + 1] << 16 | p[off + 2] << 8 | p[off + 3];
        if (l > len - off - 12)
            return -1;
        memcpy(c[n].type, p + off + 4, 4);
        c[n].type[4] = 0;
        c[n].data = p + off + 8;
        c[n].len = l;
        off += 12 + (size_t)l;
        if (strcmp(c[n++].type, "IEND") == 0) {
            *end = off;
            return n;
        }
    }
    return -1;
}

static int count_type(const struct tchunk *c, int n, const char *type)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += strcmp(c[i].type, type) == 0;
    return k;
}

static const struct tchunk *find_type(const struct tchunk *c, int n, const char *type)
{
    for (int i = 0; i < n; i++)
        if (strcmp(c[i].type, type) == 0)
            return &c[i];
    return NULL;
}

static bool same_chunk(const struct tchunk *a, int na, const struct tchunk *b, int nb,
                       const char *type)
{
    const struct tchunk *x = find_type(a, na, type), *y = find_type(b, nb, type);
    if (!x || !y)
        return x == y;
    return x->len == y->len && memcmp(x->data, y->data, x->len) == 0;
}

/* ---- test-side decoding ------------------------------------------------- */

struct tsrc {
    const uint8_t *p;
    size_t len, off;
};

static void tsrc_read(png_structp png, png_bytep d, size_t n)
{
    struct tsrc *s = png_get_io_ptr(png);
    if (n > s->len - s->off)
        png_error(png, "short");
    memcpy(d, s->p + s->off, n);
    s->off += n;
}

static void tquiet(png_structp png, png_const_charp m)
{
    (void)png, (void)m;
}

/* All samples, no transformations, de-interlaced: rowbytes * height bytes. */
static uint8_t *raw_samples(const uint8_t *p, size_t len, size_t *outlen)
{
    struct tsrc src = {p, len, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, tquiet);
    png_infop info = png_create_info_struct(png);
    uint8_t *volatile px = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(px);
        free(rows);
        return NULL;
    }
    png_set_read_fn(png, &src, tsrc_read);
    png_read_info(png, info);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t rb = png_get_rowbytes(png, info);
    png_uint_32 h = png_get_image_height(png, info);
    px = calloc(h, rb); /* libpng leaves the padding bits of a row as they were */
    rows = malloc(h * sizeof(png_bytep));
    for (png_uint_32 y = 0; y < h; y++)
        rows[y] = px + y * rb;
    png_read_image(png, rows);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    *outlen = rb * h;
    return px;
}

/* Rendered pixels through the simplified API. */
static uint8_t *rendered(const uint8_t *p, size_t len, bool linear, size_t *outlen)
{
    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&img, p, len))
        return NULL;
    img.format = linear ? PNG_FORMAT_LINEAR_RGB_ALPHA : PNG_FORMAT_RGBA;
    size_t n = PNG_IMAGE_SIZE(img);
    uint8_t *px = malloc(n);
    if (!px || !png_image_finish_read(&img, NULL, px, 0, NULL)) {
        png_image_free(&img);
        free(px);
        return NULL;
    }
    *outlen = n;
    return px;
}

static bool same_pixels(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, int depth)
{
    size_t n1, n2, r1, r2;
    uint8_t *x = raw_samples(a, alen, &n1), *y = raw_samples(b, blen, &n2);
    uint8_t *u = rendered(a, alen, depth == 16, &r1), *v = rendered(b, blen, depth == 16, &r2);
    if (getenv("TDEBUG"))
        fprintf(stderr, "  raw %d/%d %zu/%zu rendered %d/%d\n", !!x, !!y, n1, n2, !!u, !!v);
    bool ok = x && y && u && v && n1 == n2 && memcmp(x, y, n1) == 0 && r1 == r2 &&
              memcmp(u, v, r1) == 0;
    free(x);
    free(y);
    free(u);
    free(v);
    return ok;
}

/* ---- running the sanitizer ---------------------------------------------- */

struct result {
    struct t_run t;
    struct tchunk in_c[TMAX_CHUNKS], out_c[TMAX_CHUNKS];
    int in_n, out_n;
    size_t in_end, out_end;
};

static struct result *run_pol(const char *name, const struct policy *pol, size_t outmax)
{
    struct result *r = calloc(1, sizeof(*r));
    t_run_sample(&r->t, pngsan_sanitize, pol, "png", name, outmax);
    r->in_n = r->t.in ? twalk(r->t.in, r->t.inlen, r->in_c, &r->in_end) : -1;
    r->out_n = r->t.rc == MG_OK ? twalk(r->t.out.data, r->t.out.len, r->out_c, &r->out_end) : -1;
    return r;
}

static struct result *run(const char *name, bool keep_icc)
{
    struct policy pol;
    pol_init(&pol, keep_icc);
    return run_pol(name, &pol, 64u << 20);
}

static void result_free(struct result *r)
{
    t_run_free(&r->t);
    free(r);
}

static bool only_allowed(const struct tchunk *c, int n, bool keep_icc)
{
    static const char *const allow[] = {"IHDR", "PLTE", "tRNS", "IDAT", "IEND", "gAMA",
                                        "cHRM", "sRGB", "sBIT", "pHYs", "bKGD"};
    for (int i = 0; i < n; i++) {
        bool ok = keep_icc && strcmp(c[i].type, "iCCP") == 0;
        for (size_t k = 0; k < sizeof(allow) / sizeof(allow[0]); k++)
            ok = ok || strcmp(c[i].type, allow[k]) == 0;
        if (!ok) {
            fprintf(stderr, "  chunk %s not allowed in output\n", c[i].type);
            return false;
        }
    }
    return true;
}

/* The checks every released output must pass. */
static void check_released(struct result *r, bool keep_icc)
{
    CHECK_EQ_INT(r->t.rc, MG_OK);
    if (r->t.rc != MG_OK) {
        fprintf(stderr, "  %s: %s\n", r->t.node->name, r->t.node->reason ? r->t.node->reason : "?");
        return;
    }
    CHECK(r->out_n > 0);
    if (r->out_n <= 0 || r->in_n <= 0)
        return;
    CHECK(r->out_end == r->t.out.len); /* nothing after IEND */
    CHECK(only_allowed(r->out_c, r->out_n, keep_icc));
    CHECK(r->t.node->verdict == VERDICT_SANITIZED);
    CHECK(t_has_action(r->t.node, "rewrote", "re-encoded"));
    /* Same IHDR, except that the output is never interlaced. */
    const struct tchunk *a = find_type(r->in_c, r->in_n, "IHDR");
    const struct tchunk *b = find_type(r->out_c, r->out_n, "IHDR");
    CHECK(a && b && a->len == 13 && b->len == 13);
    if (a && b) {
        CHECK(memcmp(a->data, b->data, 12) == 0);
        CHECK_EQ_INT(b->data[12], 0);
    }
    int depth = a ? a->data[8] : 8;
    bool same = same_pixels(r->t.in, r->t.inlen, r->t.out.data, r->t.out.len, depth);
    CHECK(same);
    if (!same)
        fprintf(stderr, "  %s: pixels differ\n", r->t.node->name);
    CHECK(same_chunk(r->in_c, r->in_n, r->out_c, r->out_n, "PLTE"));
    CHECK(same_chunk(r->in_c, r->in_n, r->out_c, r->out_n, "tRNS"));
    struct policy pol;
    pol_init(&pol, keep_icc);
    struct san_ctx ctx = {.pol = &pol};
    CHECK_EQ_INT(pngsan_verify(&ctx, r->t.out.data, r->t.out.len), MG_OK);
}

/* ---- tests -------------------------------------------------------------- */

static void test_benign(void)
{
    static const char *const names[] = {
            "rgb8.png",       "rgba8.png",           "palette4_trns.png",    "palette1.png",
            "gray16.png",     "gray2.png",           "graya8.png",           "rgba16.png",
            "gray8_trns.png", "interlaced_rgb8.png", "interlaced_gray1.png", "meta_allowed.png",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct result *r = run(names[i], false);
        check_released(r, false);
        result_free(r);
    }
}

static void test_interlaced_input_flag(void)
{
    /* The test above would be vacuous if the sample were not interlaced. */
    struct result *r = run("interlaced_rgb8.png", false);
    const struct tchunk *a = r->in_n > 0 ? find_type(r->in_c, r->in_n, "IHDR") : NULL;
    CHECK(a && a->data[12] == 1);
    result_free(r);
}

static void test_display_chunks_kept(void)
{
    struct result *r = run("meta_allowed.png", false);
    check_released(r, false);
    if (r->t.rc == MG_OK && r->out_n > 0) {
        static const char *const kept[] = {"sRGB", "gAMA", "cHRM", "sBIT", "pHYs", "bKGD"};
        for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
            CHECK_EQ_INT(count_type(r->out_c, r->out_n, kept[i]), 1);
            CHECK(same_chunk(r->in_c, r->in_n, r->out_c, r->out_n, kept[i]));
        }
    }
    result_free(r);
}

static void test_icc(void)
{
    struct result *r = run("iccp.png", false);
    check_released(r, false);
    CHECK(r->in_n > 0 && count_type(r->in_c, r->in_n, "iCCP") == 1);
    CHECK(r->out_n > 0 && count_type(r->out_c, r->out_n, "iCCP") == 0);
    CHECK(t_has_action(r->t.node, "removed", "iCCP"));
    result_free(r);

    r = run("iccp.png", true);
    check_released(r, true);
    CHECK(r->out_n > 0 && count_type(r->out_c, r->out_n, "iCCP") == 1);
    /* An output with iCCP does not verify under a policy that drops it. */
    struct policy pol;
    pol_init(&pol, false);
    struct san_ctx ctx = {.pol = &pol};
    if (r->t.rc == MG_OK)
        CHECK(pngsan_verify(&ctx, r->t.out.data, r->t.out.len) != MG_OK);
    result_free(r);
}

static void test_text_chunks(void)
{
    struct result *r = run("text_script.png", false);
    CHECK(memmem(r->t.in, r->t.inlen, "<script>", 8) != NULL);
    CHECK(r->in_n > 0 && count_type(r->in_c, r->in_n, "tEXt") == 2);
    check_released(r, false);
    if (r->t.rc == MG_OK) {
        CHECK(count_type(r->out_c, r->out_n, "tEXt") == 0);
        CHECK(count_type(r->out_c, r->out_n, "zTXt") == 0);
        CHECK(count_type(r->out_c, r->out_n, "iTXt") == 0);
        CHECK(memmem(r->t.out.data, r->t.out.len, "<script>", 8) == NULL);
        CHECK(memmem(r->t.out.data, r->t.out.len, "TEXT-AFTER-IDAT", 15) == NULL);
        CHECK(t_has_action(r->t.node, "removed", "tEXt"));
        CHECK(t_has_action(r->t.node, "removed", "zTXt"));
        CHECK(t_has_action(r->t.node, "removed", "iTXt"));
    }
    result_free(r);
}

static void test_exif_time(void)
{
    struct result *r = run("exif.png", false);
    CHECK(memmem(r->t.in, r->t.inlen, "EXIF-PAYLOAD", 12) != NULL);
    check_released(r, false);
    if (r->t.rc == MG_OK) {
        CHECK(count_type(r->out_c, r->out_n, "eXIf") == 0);
        CHECK(count_type(r->out_c, r->out_n, "tIME") == 0);
        CHECK(memmem(r->t.out.data, r->t.out.len, "EXIF-PAYLOAD", 12) == NULL);
        CHECK(t_has_action(r->t.node, "removed", "eXIf"));
    }
    result_free(r);
}

static void test_private_chunks(void)
{
    struct result *r = run("private_chunk.png", false);
    CHECK(memmem(r->t.in, r->t.inlen, "PRIVATE-PAYLOAD", 15) != NULL);
    check_released(r, false);
    if (r->t.rc == MG_OK) {
        CHECK(count_type(r->out_c, r->out_n, "puNK") == 0);
        CHECK(count_type(r->out_c, r->out_n, "zzZz") == 0);
        CHECK(memmem(r->t.out.data, r->t.out.len, "PRIVATE-PAYLOAD", 15) == NULL);
        CHECK(t_has_action(r->t.node, "removed", "puNK"));
    }
    result_free(r);
}

static void test_appended_data(void)
{
    static const char *const names[] = {"polyglot_zip.png", "trailing_garbage.png"};
    for (size_t i = 0; i < 2; i++) {
        struct result *r = run(names[i], false);
        CHECK(r->in_n > 0 && r->in_end < r->t.inlen); /* the sample has a tail */
        check_released(r, false);
        if (r->t.rc == MG_OK) {
            CHECK(memmem(r->t.out.data, r->t.out.len, "PK\x03\x04", 4) == NULL);
            CHECK(memmem(r->t.out.data, r->t.out.len, "PAYLOAD", 7) == NULL);
            CHECK(t_has_action(r->t.node, "removed", "after IEND"));
        }
        result_free(r);
    }
}

static void test_apng(void)
{
    struct result *r = run("apng.png", false);
    CHECK(r->in_n > 0 && count_type(r->in_c, r->in_n, "fdAT") == 1);
    check_released(r, false); /* pixels equal the default image */
    if (r->t.rc == MG_OK) {
        CHECK(count_type(r->out_c, r->out_n, "acTL") == 0);
        CHECK(count_type(r->out_c, r->out_n, "fcTL") == 0);
        CHECK(count_type(r->out_c, r->out_n, "fdAT") == 0);
        CHECK(t_has_action(r->t.node, "removed", "fdAT"));
    }
    result_free(r);
}

static void test_blocked(void)
{
    static const struct t_blocked cases[] = {
            {"badcrc_ancillary.png", MG_ERR_PARSE, "parse-error"},
            {"truncated_idat.png", MG_ERR_PARSE, "parse-error"},
            {"truncated_file.png", MG_ERR_PARSE, "parse-error"},
            {"no_iend.png", MG_ERR_PARSE, "parse-error"},
            {"critical_unknown.png", MG_ERR_PARSE, "parse-error"},
            {"huge_ihdr.png", MG_ERR_LIMIT, "limit"},
            {"huge_pixels.png", MG_ERR_LIMIT, "limit"},
    };
    struct policy pol;
    pol_init(&pol, false);
    t_check_blocked_all(pngsan_sanitize, &pol, "png", cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_limits_from_policy(void)
{
    /* 48x32 is over a 40-pixel side limit and over a 1000-pixel area limit. */
    struct policy pol;
    pol_init(&pol, false);
    pol.max_dimension = 40;
    struct result *r = run_pol("rgb8.png", &pol, 1 << 20);
    CHECK_EQ_INT(r->t.rc, MG_ERR_LIMIT);
    CHECK(strcmp(reason_code(r->t.node->reason_code), "limit") == 0);
    result_free(r);

    pol_init(&pol, false);
    pol.max_pixels = 1000;
    r = run_pol("rgb8.png", &pol, 1 << 20);
    CHECK_EQ_INT(r->t.rc, MG_ERR_LIMIT);
    result_free(r);

    /* Output cap: the rebuilt file does not fit in 200 bytes. */
    pol_init(&pol, false);
    r = run_pol("rgb8.png", &pol, 200);
    CHECK_EQ_INT(r->t.rc, MG_ERR_LIMIT);
    CHECK(r->t.node->verdict == VERDICT_BLOCKED);
    result_free(r);
}

static void test_not_png(void)
{
    struct policy pol;
    pol_init(&pol, false);
    struct san_ctx ctx = {.pol = &pol};
    struct buf out;
    buf_init(&out, 1 << 20);
    struct report_node *n = report_new("x");
    static const uint8_t junk[] = "GIF89a not a png at all";
    CHECK_EQ_INT(pngsan_sanitize(&ctx, junk, sizeof(junk), &out, n), MG_ERR_PARSE);
    CHECK(n->verdict == VERDICT_BLOCKED);
    CHECK_EQ_INT(pngsan_sanitize(&ctx, junk, 0, &out, n), MG_ERR_PARSE);
    CHECK(pngsan_verify(&ctx, junk, sizeof(junk)) != MG_OK);
    report_free(n);
    buf_free(&out);
}

static void test_verify_rejects(void)
{
    struct policy pol;
    pol_init(&pol, false);
    static const char *const bad[] = {
            "text_script.png", "polyglot_zip.png",   "exif.png", "private_chunk.png",
            "apng.png",        "truncated_idat.png", NULL};
    t_check_verify(pngsan_verify, &pol, "png", bad, "rgb8.png");
}

int main(void)
{
    test_benign();
    test_interlaced_input_flag();
    test_display_chunks_kept();
    test_icc();
    test_text_chunks();
    test_exif_time();
    test_private_chunks();
    test_appended_data();
    test_apng();
    test_blocked();
    test_limits_from_policy();
    test_not_png();
    test_verify_rejects();
    return t_done();
}
