/*
 * t_gifsan - GIF sanitizer tests.
 *
 * Samples come from corpus/gif/ (made by corpus/make-gif.py). Every output
 * is checked with this file's own block walker (only image blocks, graphic
 * control extensions and the NETSCAPE2.0 loop extension; nothing after the
 * trailer; payload strings gone) and decoded here with giflib's DGifSlurp,
 * input and output alike, to compare screens, frames, colour tables,
 * pixels, timing and the loop count.
 */
#include "err.h"
#include "gifsan.h"
#include "t.h"
#include "t_util.h"

#include <gif_lib.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void pol_init(struct policy *p)
{
    t_image_policy(p);
}

/* ---- test-local block walker -------------------------------------------- */

struct twalk {
    int n_images;
    int ext_count[256]; /* by label */
    int n_loop;         /* NETSCAPE2.0 / ANIMEXTS1.0 with a 3-byte loop sub-block */
    int loop_count;
    int n_other_app; /* any other application extension */
    size_t end;      /* offset just past the trailer */
};

static size_t skip_subblocks(const uint8_t *p, size_t len, size_t off)
{
    while (off < len) {
        uint8_t n = p[off++];
        if (n == 0)
            return off;
        off += n;
    }
    return 0;
}

static bool gwalk(const uint8_t *p, size_t len, struct twalk *w)
{
    memset(w, 0, sizeof(*w));
    w->loop_count = -1;
    if (len < 13 || memcmp(p, "GIF8", 4) != 0)
        return false;
    size_t off = 13;
    if (p[10] & 0x80)
        off += 3u * (2u << (p[10] & 7));
    while (off < len) {
        uint8_t intro = p[off++];
        if (intro == 0x3b) {
            w->end = off;
            return true;
        }
        if (intro == 0x2c) {
            if (off + 10 > len)
                return false;
            uint8_t flags = p[off + 8];
            off += 9;
            if (flags & 0x80)
                off += 3u * (2u << (flags & 7));
            off += 1; /* LZW minimum code size */
            off = skip_subblocks(p, len, off);
            if (!off)
                return false;
            w->n_images++;
        } else if (intro == 0x21) {
            if (off >= len)
                return false;
            uint8_t label = p[off++];
            w->ext_count[label]++;
            if (label == 0xff && off + 12 <= len && p[off] == 11) {
                bool loop = memcmp(p + off + 1, "NETSCAPE2.0", 11) == 0 ||
                            memcmp(p + off + 1, "ANIMEXTS1.0", 11) == 0;
                size_t s = off + 12;
                if (loop && s + 4 < len && p[s] == 3 && p[s + 1] == 1) {
                    w->n_loop++;
                    w->loop_count = p[s + 2] | p[s + 3] << 8;
                } else {
                    w->n_other_app++;
                }
            } else if (label == 0xff) {
                w->n_other_app++;
            }
            off = skip_subblocks(p, len, off);
            if (!off)
                return false;
        } else {
            return false;
        }
    }
    return false;
}

/* ---- test-side decoding ------------------------------------------------- */

struct tsrc {
    const uint8_t *p;
    size_t len, off;
};

static int tsrc_read(GifFileType *g, GifByteType *d, int n)
{
    struct tsrc *s = g->UserData;
    size_t k = (size_t)n > s->len - s->off ? s->len - s->off : (size_t)n;
    memcpy(d, s->p + s->off, k);
    s->off += k;
    return (int)k;
}

static GifFileType *slurp(const uint8_t *p, size_t len, struct tsrc *src)
{
    int err;
    src->p = p;
    src->len = len;
    src->off = 0;
    GifFileType *g = DGifOpen(src, tsrc_read, &err);
    if (!g)
        return NULL;
    if (DGifSlurp(g) != GIF_OK) {
        DGifCloseFile(g, &err);
        return NULL;
    }
    return g;
}

static bool same_map(const ColorMapObject *a, const ColorMapObject *b)
{
    if (!a || !b)
        return a == b;
    return a->ColorCount == b->ColorCount &&
           memcmp(a->Colors, b->Colors, (size_t)a->ColorCount * sizeof(GifColorType)) == 0;
}

static bool same_gif(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, bool compare_gcb)
{
    struct tsrc sa, sb;
    GifFileType *x = slurp(a, alen, &sa), *y = slurp(b, blen, &sb);
    bool ok = x && y && x->SWidth == y->SWidth && x->SHeight == y->SHeight &&
              x->ImageCount == y->ImageCount && x->ImageCount > 0 &&
              x->SBackGroundColor == y->SBackGroundColor && same_map(x->SColorMap, y->SColorMap);
    for (int i = 0; ok && i < x->ImageCount; i++) {
        const SavedImage *u = &x->SavedImages[i], *v = &y->SavedImages[i];
        const GifImageDesc *d = &u->ImageDesc, *e = &v->ImageDesc;
        ok = d->Left == e->Left && d->Top == e->Top && d->Width == e->Width &&
             d->Height == e->Height && d->Interlace == e->Interlace &&
             same_map(d->ColorMap, e->ColorMap) &&
             memcmp(u->RasterBits, v->RasterBits, (size_t)d->Width * d->Height) == 0;
        if (ok && compare_gcb) {
            GraphicsControlBlock g1, g2;
            int r1 = DGifSavedExtensionToGCB(x, i, &g1), r2 = DGifSavedExtensionToGCB(y, i, &g2);
            ok = r1 == r2 && (r1 == GIF_ERROR ||
                              (g1.DelayTime == g2.DelayTime && g1.DisposalMode == g2.DisposalMode &&
                               g1.TransparentColor == g2.TransparentColor &&
                               g1.UserInputFlag == g2.UserInputFlag));
        }
    }
    int err;
    if (x)
        DGifCloseFile(x, &err);
    if (y)
        DGifCloseFile(y, &err);
    return ok;
}

static int frame_count(const uint8_t *p, size_t len)
{
    struct tsrc s;
    GifFileType *g = slurp(p, len, &s);
    int n = g ? g->ImageCount : -1;
    int err;
    if (g)
        DGifCloseFile(g, &err);
    return n;
}

/* ---- running the sanitizer ---------------------------------------------- */

struct result {
    struct t_run t;
    struct twalk in_w, out_w;
    bool in_ok, out_ok;
};

static struct result *run_pol(const char *name, const struct policy *pol, size_t outmax)
{
    struct result *r = calloc(1, sizeof(*r));
    t_run_sample(&r->t, gifsan_sanitize, pol, "gif", name, outmax);
    r->in_ok = r->t.in && gwalk(r->t.in, r->t.inlen, &r->in_w);
    r->out_ok = r->t.rc == MG_OK && gwalk(r->t.out.data, r->t.out.len, &r->out_w);
    return r;
}

static struct result *run(const char *name)
{
    struct policy pol;
    pol_init(&pol);
    return run_pol(name, &pol, 64u << 20);
}

static void result_free(struct result *r)
{
    t_run_free(&r->t);
    free(r);
}

static bool only_allowed(const struct twalk *w)
{
    for (int l = 0; l < 256; l++)
        if (w->ext_count[l] && l != 0xf9 && l != 0xff)
            return false;
    return w->n_other_app == 0 && w->n_loop <= 1;
}

static bool has(const struct buf *b, const char *s)
{
    return memmem(b->data, b->len, s, strlen(s)) != NULL;
}

/* The checks every released output must pass. */
static void check_released(struct result *r, bool compare_gcb)
{
    CHECK_EQ_INT(r->t.rc, MG_OK);
    if (r->t.rc != MG_OK) {
        fprintf(stderr, "  %s: %s\n", r->t.node->name, r->t.node->reason ? r->t.node->reason : "?");
        return;
    }
    CHECK(r->out_ok);
    CHECK(r->out_w.end == r->t.out.len); /* nothing after the trailer */
    CHECK(only_allowed(&r->out_w));
    CHECK(r->t.node->verdict == VERDICT_SANITIZED);
    CHECK(t_has_action(r->t.node, "rewrote", "re-encoded"));
    bool same = same_gif(r->t.in, r->t.inlen, r->t.out.data, r->t.out.len, compare_gcb);
    CHECK(same);
    if (!same)
        fprintf(stderr, "  %s: decoded images differ\n", r->t.node->name);
    /* The loop extension survives exactly when the input had a valid one. */
    CHECK_EQ_INT(r->out_w.n_loop, r->in_w.n_loop > 0);
    CHECK_EQ_INT(r->out_w.loop_count, r->in_w.n_loop > 0 ? r->in_w.loop_count : -1);
    struct policy pol;
    pol_init(&pol);
    struct san_ctx ctx = {.pol = &pol};
    CHECK_EQ_INT(gifsan_verify(&ctx, r->t.out.data, r->t.out.len), MG_OK);
}

static void check_blocked_pol(const char *name, const struct policy *pol, int want_rc,
                              const char *want_code)
{
    struct result *r = run_pol(name, pol, 64u << 20);
    t_check_blocked(&r->t, want_rc, want_code);
    result_free(r);
}

/* ---- tests -------------------------------------------------------------- */

static void test_benign(void)
{
    static const char *const names[] = {"static.gif",       "static_2colour.gif", "anim_loop.gif",
                                        "animexts.gif",     "interlaced.gif",     "local_only.gif",
                                        "lzw_fulltable.gif"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct result *r = run(names[i]);
        check_released(r, true);
        result_free(r);
    }
}

static void test_animation(void)
{
    struct result *r = run("anim_loop.gif");
    CHECK(r->in_ok && r->in_w.n_loop == 1 && r->in_w.ext_count[0xf9] == 3);
    check_released(r, true);
    if (r->t.rc == MG_OK) {
        CHECK_EQ_INT(frame_count(r->t.out.data, r->t.out.len), 3);
        CHECK_EQ_INT(r->out_w.ext_count[0xf9], 3);
        CHECK_EQ_INT(r->out_w.loop_count, 0);
    }
    result_free(r);

    /* ANIMEXTS1.0 comes out as the canonical NETSCAPE2.0 with the same count. */
    r = run("animexts.gif");
    check_released(r, true);
    if (r->t.rc == MG_OK) {
        CHECK_EQ_INT(r->out_w.loop_count, 3);
        CHECK(has(&r->t.out, "NETSCAPE2.0"));
        CHECK(!has(&r->t.out, "ANIMEXTS"));
    }
    result_free(r);
}

static void test_interlaced(void)
{
    struct result *r = run("interlaced.gif");
    /* Not vacuous: the input frame really is interlaced (flag byte of the descriptor). */
    CHECK(r->t.in && r->t.inlen > 13 + 96 + 10 && (r->t.in[13 + 96 + 9] & 0x40));
    check_released(r, true);
    result_free(r);
}

static void test_comment(void)
{
    struct result *r = run("comment_script.gif");
    CHECK(r->in_ok && r->in_w.ext_count[0xfe] == 2);
    check_released(r, true);
    if (r->t.rc == MG_OK) {
        CHECK_EQ_INT(r->out_w.ext_count[0xfe], 0);
        CHECK(!has(&r->t.out, "<script>"));
        CHECK(!has(&r->t.out, "COMMENT-PAYLOAD"));
        CHECK(t_has_action(r->t.node, "removed", "comment"));
    }
    result_free(r);
}

static void test_plain_text(void)
{
    struct result *r = run("plaintext.gif");
    CHECK(r->in_ok && r->in_w.ext_count[0x01] == 1);
    /* The input's control block belongs to the text, so do not compare it. */
    check_released(r, false);
    if (r->t.rc == MG_OK) {
        CHECK_EQ_INT(r->out_w.ext_count[0x01], 0);
        CHECK_EQ_INT(r->out_w.ext_count[0xf9], 0);
        CHECK(!has(&r->t.out, "PLAINTEXT-PAYLOAD"));
        CHECK(t_has_action(r->t.node, "removed", "plain text"));
    }
    result_free(r);
}

static void test_application_extensions(void)
{
    static const struct {
        const char *name, *payload;
    } cases[] = {
            {"xmp.gif", "XMP-PAYLOAD"},
            {"icc_app.gif", "ICC-PAYLOAD"},
            {"unknown_ext.gif", "UNKNOWN-PAYLOAD"},
            {"netscape_bad.gif", "NETSCAPE-PAYLOAD"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct result *r = run(cases[i].name);
        CHECK(r->t.in && memmem(r->t.in, r->t.inlen, cases[i].payload, strlen(cases[i].payload)));
        check_released(r, true);
        if (r->t.rc == MG_OK) {
            CHECK(!has(&r->t.out, cases[i].payload));
            CHECK(!has(&r->t.out, "<script>"));
            CHECK_EQ_INT(r->out_w.n_other_app, 0);
            CHECK_EQ_INT(r->out_w.ext_count[0x99], 0);
            CHECK(t_has_action(r->t.node, "removed", "extension"));
        }
        result_free(r);
    }
    struct result *r = run("xmp.gif");
    CHECK(t_has_action(r->t.node, "removed", "XMP DataXMP"));
    result_free(r);
}

static void test_gifar(void)
{
    struct result *r = run("gifar.gif");
    CHECK(r->in_ok && r->in_w.end < r->t.inlen); /* the sample has a tail */
    check_released(r, true);
    if (r->t.rc == MG_OK) {
        CHECK(!has(&r->t.out, "PK\x03\x04"));
        CHECK(!has(&r->t.out, "META-INF"));
        CHECK(t_has_action(r->t.node, "removed", "after the trailer"));
    }
    result_free(r);
}

static void test_blocked(void)
{
    static const struct t_blocked cases[] = {
            {"frame_too_big.gif", MG_ERR_LIMIT, "limit"},
            {"frame_offset_out.gif", MG_ERR_LIMIT, "limit"},
            {"huge_screen.gif", MG_ERR_LIMIT, "limit"},
            {"truncated_raster.gif", MG_ERR_PARSE, "parse-error"},
            {"lzw_short.gif", MG_ERR_PARSE, "parse-error"},
            {"no_trailer.gif", MG_ERR_PARSE, "parse-error"},
            {"no_colour_table.gif", MG_ERR_PARSE, "parse-error"},
            {"no_image.gif", MG_ERR_PARSE, "parse-error"},
    };
    struct policy pol;
    pol_init(&pol);
    t_check_blocked_all(gifsan_sanitize, &pol, "gif", cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_frame_limit(void)
{
    struct policy pol;
    pol_init(&pol);
    pol.gif_max_frames = 10;
    check_blocked_pol("many_frames.gif", &pol, MG_ERR_LIMIT, "limit");
    /* The limit is inclusive: 12 frames pass at 12 and are refused at 11. */
    pol.gif_max_frames = 11;
    check_blocked_pol("many_frames.gif", &pol, MG_ERR_LIMIT, "limit");
    pol.gif_max_frames = 12;
    struct result *at = run_pol("many_frames.gif", &pol, 1 << 20);
    CHECK_EQ_INT(at->t.rc, MG_OK);
    result_free(at);
    pol.gif_max_frames = 10;

    struct result *r = run("many_frames.gif");
    check_released(r, true);
    if (r->t.rc == MG_OK)
        CHECK_EQ_INT(frame_count(r->t.out.data, r->t.out.len), 12);
    /* Our own output with 12 frames does not verify under a 10-frame policy. */
    struct san_ctx ctx = {.pol = &pol};
    if (r->t.rc == MG_OK)
        CHECK(gifsan_verify(&ctx, r->t.out.data, r->t.out.len) != MG_OK);
    result_free(r);
}

static void test_policy_limits(void)
{
    struct policy pol;
    pol_init(&pol);
    pol.max_dimension = 39; /* static.gif is 40x30 */
    check_blocked_pol("static.gif", &pol, MG_ERR_LIMIT, "limit");
    pol_init(&pol);
    pol.max_pixels = 1199;
    check_blocked_pol("static.gif", &pol, MG_ERR_LIMIT, "limit");

    /* Output cap. */
    pol_init(&pol);
    struct result *r = run_pol("static.gif", &pol, 100);
    CHECK_EQ_INT(r->t.rc, MG_ERR_LIMIT);
    CHECK(r->t.node->verdict == VERDICT_BLOCKED);
    result_free(r);
}

static void test_not_gif(void)
{
    struct policy pol;
    pol_init(&pol);
    struct san_ctx ctx = {.pol = &pol};
    struct buf out;
    buf_init(&out, 1 << 20);
    struct report_node *n = report_new("x");
    static const uint8_t junk[] = "\x89PNG\r\n\x1a\n not a gif";
    CHECK_EQ_INT(gifsan_sanitize(&ctx, junk, sizeof(junk), &out, n), MG_ERR_PARSE);
    CHECK(n->verdict == VERDICT_BLOCKED);
    CHECK_EQ_INT(gifsan_sanitize(&ctx, junk, 0, &out, n), MG_ERR_PARSE);
    CHECK(gifsan_verify(&ctx, junk, sizeof(junk)) != MG_OK);
    report_free(n);
    buf_free(&out);
}

static void test_verify_rejects(void)
{
    struct policy pol;
    pol_init(&pol);
    static const char *const bad[] = {
            "comment_script.gif",   "gifar.gif",    "xmp.gif",           "plaintext.gif",
            "truncated_raster.gif", "animexts.gif", "frame_too_big.gif", NULL};
    t_check_verify(gifsan_verify, &pol, "gif", bad, "static.gif");
}

int main(void)
{
    test_benign();
    test_animation();
    test_interlaced();
    test_comment();
    test_plain_text();
    test_application_extensions();
    test_gifar();
    test_blocked();
    test_frame_limit();
    test_policy_limits();
    test_not_gif();
    test_verify_rejects();
    return t_done();
}
