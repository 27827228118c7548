/*
 * t_jpegsan - JPEG sanitizer: hostile samples in, and an independent look
 * at what comes out.
 *
 * The output is checked with a marker walker written here (not jpegsan's):
 * no APP1/APP13/COM, APP2 only when the ICC profile is kept, nothing after
 * EOI, no payload strings, same dimensions; and libjpeg decodes input and
 * output to the very same pixels (the transcode is lossless). Blocked
 * samples must come back with the right error, verdict and reason code.
 */
#include "t.h"
#include "t_util.h"

#include "err.h"
#include "jpegsan.h"
#include "report.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

/* ---- test-local helpers ------------------------------------------------- */

struct walk {
    bool ok;
    int app[16];
    int com;
    int sos;
    unsigned width, height;
    size_t eoi_end;
    /* the APP2 ICC_PROFILE payloads (after their 14-byte headers), in file order */
    uint8_t icc[1 << 16];
    size_t icc_len;
    bool app0_is_jfif, app14_is_adobe;
};

/* A few lines of marker walking, deliberately independent of jpegsan.c. */
static struct walk walk(const uint8_t *p, size_t n)
{
    static struct walk w;
    memset(&w, 0, sizeof(w));
    w.app0_is_jfif = w.app14_is_adobe = true;
    if (n < 4 || p[0] != 0xFF || p[1] != 0xD8)
        return w;
    size_t i = 2;
    while (i + 1 < n) {
        if (p[i] != 0xFF)
            return w;
        uint8_t m = p[i + 1];
        if (m == 0xFF) {
            i++;
            continue;
        }
        if (m == 0xD9) {
            w.eoi_end = i + 2;
            w.ok = true;
            return w;
        }
        if (i + 3 >= n)
            return w;
        size_t L = (size_t)p[i + 2] << 8 | p[i + 3];
        if (L < 2 || i + 2 + L > n)
            return w;
        const uint8_t *s = p + i + 4;
        size_t sl = L - 2;
        if (m >= 0xE0 && m <= 0xEF) {
            w.app[m - 0xE0]++;
            if (m == 0xE0 && (sl < 5 || memcmp(s, "JFIF\0", 5) != 0))
                w.app0_is_jfif = false;
            if (m == 0xEE && (sl < 5 || memcmp(s, "Adobe", 5) != 0))
                w.app14_is_adobe = false;
            if (m == 0xE2 && sl > 14 && memcmp(s, "ICC_PROFILE\0", 12) == 0 &&
                w.icc_len + sl - 14 <= sizeof(w.icc)) {
                memcpy(w.icc + w.icc_len, s + 14, sl - 14);
                w.icc_len += sl - 14;
            }
        } else if (m == 0xFE) {
            w.com++;
        } else if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC && sl >= 5) {
            w.height = (unsigned)s[1] << 8 | s[2];
            w.width = (unsigned)s[3] << 8 | s[4];
        }
        i += 2 + L;
        if (m == 0xDA) {
            w.sos++;
            /* entropy data: up to a 0xFF that is not stuffing and not RSTn */
            while (i + 1 < n &&
                   !(p[i] == 0xFF && p[i + 1] != 0 && !(p[i + 1] >= 0xD0 && p[i + 1] <= 0xD7)))
                i++;
        }
    }
    return w;
}

struct err_jmp {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
};

static void t_error_exit(j_common_ptr c)
{
    longjmp(((struct err_jmp *)c->err)->jb, 1);
}

static void t_quiet(j_common_ptr c)
{
    (void)c;
}

/* Full decode to pixels with plain libjpeg. NULL when it fails. */
static uint8_t *decode(const uint8_t *p, size_t n, unsigned *w, unsigned *h, int *comps)
{
    struct jpeg_decompress_struct d;
    struct err_jmp e;
    uint8_t *volatile pix = NULL;
    d.err = jpeg_std_error(&e.pub);
    e.pub.error_exit = t_error_exit;
    e.pub.output_message = t_quiet;
    if (setjmp(e.jb)) {
        jpeg_destroy_decompress(&d);
        free(pix);
        return NULL;
    }
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, p, (unsigned long)n);
    jpeg_read_header(&d, TRUE);
    jpeg_start_decompress(&d);
    size_t stride = (size_t)d.output_width * (size_t)d.output_components;
    pix = malloc(stride * d.output_height);
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = pix + stride * d.output_scanline;
        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    *w = d.output_width;
    *h = d.output_height;
    *comps = d.output_components;
    jpeg_destroy_decompress(&d);
    return pix;
}

static void policy_for_test(struct policy *pol, bool keep_icc)
{
    memset(pol, 0, sizeof(*pol));
    pol->max_dimension = 20000;
    pol->max_pixels = 100000000;
    pol->jpeg_max_scans = 100;
    pol->worker_memory = 512ull << 20;
    pol->max_output_size = 64u << 20;
    pol->jpeg_keep_icc = keep_icc;
}

/* Strings planted by corpus/make-jpeg.py that must never reach an output. */
static const char *const payloads[] = {
        "PK\x03\x04",  "MUGAI-EXIF", "MUGAI-XMP",  "MUGAI-IPTC",  "MUGAI-COM",
        "MUGAI-TEST",  "MUGAI-ZIP",  "MUGAI-APP1", "<script>",    "Exif",
        "Photoshop 3", "8BIM",       "xpacket",    "payload.txt",
};

/* ---- the sanitized samples ---------------------------------------------- */

struct good {
    const char *name;
    int icc;             /* 0: none, 1: a valid profile, 2: a malformed one */
    const char *removed; /* a "removed" action that must be reported, or NULL */
};

static const struct good goods[] = {
        {"baseline.jpg", 0, "APP0 marker (JFIF"},
        {"rgb.jpg", 0, "APP14 marker (Adobe"},
        {"icc-split.jpg", 1, NULL},
        {"icc-bad.jpg", 2, "APP2 marker (ICC_PROFILE"},
        {"progressive.jpg", 0, NULL},
        {"gray.jpg", 0, NULL},
        {"arith.jpg", 0, NULL},
        {"arith-progressive.jpg", 0, NULL},
        {"restart.jpg", 0, NULL},
        {"scans-100.jpg", 0, NULL},
        {"exif.jpg", 0, "APP1 marker (Exif"},
        {"xmp.jpg", 0, "APP1 marker (http://ns.adobe.com/xap/1.0/"},
        {"com-script.jpg", 0, "COM marker"},
        {"app13.jpg", 0, "APP13 marker (Photoshop 3.0"},
        {"icc.jpg", 1, NULL},
        {"zip-appended.jpg", 0, "bytes after EOI (ZIP"},
        {"marker-com.jpg", 0, "COM marker"},
        {"everything.jpg", 1, "bytes after EOI (ZIP"},
        {"between-scans.jpg", 0, "APP1 marker (MUGAI-APP1-BEFORE-EOI"},
};

static void test_good(const struct good *g, bool keep_icc)
{
    struct policy pol;
    policy_for_test(&pol, keep_icc);
    struct san_ctx ctx = {.pol = &pol};
    size_t len;
    uint8_t *in = t_load("jpeg", g->name, &len);
    struct report_node *node = report_new(g->name);
    struct buf out;
    buf_init(&out, pol.max_output_size);

    int rc = jpegsan_sanitize(&ctx, in, len, &out, node);
    CHECK_EQ_INT(rc, MG_OK);
    if (rc != MG_OK) {
        fprintf(stderr, "  %s: %s\n", g->name, node->reason ? node->reason : "");
        goto out;
    }
    CHECK_EQ_INT(node->verdict, VERDICT_SANITIZED);
    CHECK(t_has_action(node, "rewrote", "losslessly"));
    if (g->removed)
        CHECK(t_has_action(node, "removed", g->removed));

    static struct walk wi, wo;
    wi = walk(in, len);
    wo = walk(out.data, out.len);
    CHECK(wi.ok);
    CHECK(wo.ok);
    /* nothing after EOI, and EOI is the last two bytes */
    CHECK_EQ_INT(wo.eoi_end, out.len);
    CHECK(out.len >= 2 && out.data[out.len - 2] == 0xFF && out.data[out.len - 1] == 0xD9);
    /* only encoder-written segments */
    CHECK_EQ_INT(wo.com, 0);
    for (int a = 0; a < 16; a++)
        if (a != 0 && a != 14 && a != 2)
            CHECK_EQ_INT(wo.app[a], 0);
    CHECK(wo.app0_is_jfif && wo.app14_is_adobe);
    CHECK(wo.app[0] + wo.app[14] >= 1);
    for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++)
        if (t_has(out.data, out.len, payloads[i])) {
            CHECK(!"payload found in output");
            fprintf(stderr, "  %s: %s\n", g->name, payloads[i]);
        }
    if (keep_icc && g->icc == 1) {
        CHECK_EQ_INT(wo.app[2], 1);
        CHECK(wi.icc_len > 0 && wo.icc_len == wi.icc_len &&
              memcmp(wo.icc, wi.icc, wi.icc_len) == 0);
        CHECK(t_has_action(node, "kept", "ICC colour profile"));
    } else {
        CHECK_EQ_INT(wo.app[2], 0);
        CHECK(!t_has(out.data, out.len, "MUGAI-ICC"));
        CHECK(!t_has(out.data, out.len, "ICC_PROFILE"));
        CHECK(!t_has_action(node, "kept", "ICC"));
        if (g->icc)
            CHECK(t_has_action(node, "removed", "APP2 marker (ICC_PROFILE"));
    }
    /* same frame */
    CHECK_EQ_INT(wo.width, wi.width);
    CHECK_EQ_INT(wo.height, wi.height);
    /* progressive inputs come out sequential: one scan per... at most 4 components */
    CHECK(wo.sos >= 1 && wo.sos <= 4);

    /* lossless: both decode to the same pixels */
    unsigned w1 = 0, h1 = 0, w2 = 0, h2 = 0;
    int c1 = 0, c2 = 0;
    uint8_t *p1 = decode(in, len, &w1, &h1, &c1);
    uint8_t *p2 = decode(out.data, out.len, &w2, &h2, &c2);
    CHECK(p1 != NULL);
    CHECK(p2 != NULL);
    if (p1 && p2) {
        CHECK_EQ_INT(w1, w2);
        CHECK_EQ_INT(h1, h2);
        CHECK_EQ_INT(c1, c2);
        if (w1 == w2 && h1 == h2 && c1 == c2)
            CHECK(memcmp(p1, p2, (size_t)w1 * h1 * (size_t)c1) == 0);
    }
    free(p1);
    free(p2);

    /* our own output verifies, and sanitizing it again changes nothing */
    CHECK_EQ_INT(jpegsan_verify(&ctx, out.data, out.len), MG_OK);
    struct buf again;
    buf_init(&again, pol.max_output_size);
    struct report_node *n2 = report_new("again");
    CHECK_EQ_INT(jpegsan_sanitize(&ctx, out.data, out.len, &again, n2), MG_OK);
    CHECK(again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
    report_free(n2);
    buf_free(&again);
out:
    report_free(node);
    buf_free(&out);
    free(in);
}

/* ---- blocked samples ---------------------------------------------------- */

static void expect_block(const char *name, const struct policy *pol, int want, const char *reason)
{
    struct t_run r;
    t_run_sample(&r, jpegsan_sanitize, pol, "jpeg", name,
                 pol->max_output_size ? pol->max_output_size : (64u << 20));
    CHECK(r.in != NULL);
    t_check_blocked(&r, want, reason_code(reason_from_err(want)));
    if (reason)
        CHECK(r.node->reason && strstr(r.node->reason, reason));
    if (r.rc != want)
        fprintf(stderr, "  %s: %s: %s\n", name, reason_code(r.node->reason_code),
                r.node->reason ? r.node->reason : "");
    /* a refused file lists no removals: nothing was released */
    CHECK_EQ_INT(r.node->n_actions, 0);
    t_run_free(&r);
}

static void test_blocked(void)
{
    struct policy pol;
    policy_for_test(&pol, false);
    expect_block("truncated.jpg", &pol, MG_ERR_PARSE, "truncated");
    expect_block("cut-scan.jpg", &pol, MG_ERR_PARSE, "Corrupt JPEG data");
    expect_block("extraneous.jpg", &pol, MG_ERR_PARSE, "extraneous");
    expect_block("huge-sof.jpg", &pol, MG_ERR_LIMIT, "60000x60000");
    expect_block("lossless.jpg", &pol, MG_ERR_UNSUPPORTED, "lossless");
    expect_block("twelve-bit.jpg", &pol, MG_ERR_UNSUPPORTED, "12-bit");
    expect_block("scan-flood.jpg", &pol, MG_ERR_LIMIT, "scans");

    /* the policy's limits are the ones applied */
    policy_for_test(&pol, false);
    pol.max_dimension = 63;
    expect_block("baseline.jpg", &pol, MG_ERR_LIMIT, "max_dimension");
    policy_for_test(&pol, false);
    pol.max_pixels = 64 * 48 - 1;
    expect_block("baseline.jpg", &pol, MG_ERR_LIMIT, "max_pixels");
    policy_for_test(&pol, false);
    pol.jpeg_max_scans = 99;
    expect_block("scans-100.jpg", &pol, MG_ERR_LIMIT, "scans");
    policy_for_test(&pol, false);
    pol.worker_memory = 16u << 10; /* libjpeg may use half: too little for the coefficients */
    expect_block("baseline.jpg", &pol, MG_ERR_LIMIT, "memory");
    policy_for_test(&pol, false);
    pol.max_output_size = 200;
    expect_block("baseline.jpg", &pol, MG_ERR_LIMIT, "output");
}

static void test_not_jpeg(void)
{
    struct policy pol;
    policy_for_test(&pol, false);
    struct san_ctx ctx = {.pol = &pol};
    static const uint8_t junk[] = "PK\x03\x04 not a jpeg at all";
    static const uint8_t soi_only[] = {0xFF, 0xD8, 0xFF, 0xD9};
    struct buf out;
    buf_init(&out, 1 << 20);
    struct report_node *node = report_new("junk");
    CHECK_EQ_INT(jpegsan_sanitize(&ctx, junk, sizeof(junk) - 1, &out, node), MG_ERR_PARSE);
    CHECK_EQ_INT(node->verdict, VERDICT_BLOCKED);
    report_free(node);
    node = report_new("soi");
    CHECK_EQ_INT(jpegsan_sanitize(&ctx, soi_only, sizeof(soi_only), &out, node), MG_ERR_PARSE);
    report_free(node);
    node = report_new("empty");
    CHECK_EQ_INT(jpegsan_sanitize(&ctx, soi_only, 0, &out, node), MG_ERR_PARSE);
    report_free(node);
    buf_free(&out);
    CHECK_EQ_INT(jpegsan_verify(&ctx, junk, sizeof(junk) - 1), MG_ERR_VERIFY);
}

/* ---- verify ------------------------------------------------------------- */

static void test_verify_rejects(void)
{
    static const char *const hostile[] = {
            "exif.jpg",         "xmp.jpg",        "com-script.jpg", "app13.jpg",
            "zip-appended.jpg", "marker-com.jpg", "everything.jpg", "between-scans.jpg",
            "icc.jpg",          "truncated.jpg",  "cut-scan.jpg",   "extraneous.jpg",
            "huge-sof.jpg",     "scan-flood.jpg", "lossless.jpg",   "twelve-bit.jpg",
    };
    struct policy pol;
    policy_for_test(&pol, false);
    struct san_ctx ctx = {.pol = &pol};
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        size_t len;
        uint8_t *in = t_load("jpeg", hostile[i], &len);
        int rc = jpegsan_verify(&ctx, in, len);
        CHECK_EQ_INT(rc, MG_ERR_VERIFY);
        if (rc != MG_ERR_VERIFY)
            fprintf(stderr, "  verify accepted %s\n", hostile[i]);
        free(in);
    }
    /* with ICC profiles allowed, a malformed one is still refused */
    policy_for_test(&pol, true);
    {
        size_t n;
        uint8_t *bad = t_load("jpeg", "icc-bad.jpg", &n);
        CHECK_EQ_INT(jpegsan_verify(&ctx, bad, n), MG_ERR_VERIFY);
        free(bad);
        bad = t_load("jpeg", "icc.jpg", &n);
        CHECK_EQ_INT(jpegsan_verify(&ctx, bad, n), MG_OK);
        free(bad);
    }
    policy_for_test(&pol, false);
    /* cjpeg's plain output has only JFIF APP0: acceptable as it is */
    size_t len;
    uint8_t *in = t_load("jpeg", "baseline.jpg", &len);
    CHECK_EQ_INT(jpegsan_verify(&ctx, in, len), MG_OK);
    /* ... but not with one byte appended */
    uint8_t *more = malloc(len + 1);
    memcpy(more, in, len);
    more[len] = 0;
    CHECK_EQ_INT(jpegsan_verify(&ctx, more, len + 1), MG_ERR_VERIFY);
    free(more);
    free(in);
}

int main(void)
{
    for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
        test_good(&goods[i], false);
        test_good(&goods[i], true);
    }
    test_blocked();
    test_not_jpeg();
    test_verify_rejects();
    return t_done();
}
