/*
 * t_arcsan - archive sanitizer: hostile archives in, and an independent
 * look at the zip that comes out.
 *
 * The output zip is read by a central-directory walker written here (not
 * arcsan's) and members are inflated with zlib directly: names, the UTF-8
 * flag (bit 11), no "..", no absolute paths, no symlink attributes, the
 * content of what was released, and MUGAI-NOTICE.txt listing what was
 * dropped. Blocked samples must come back with the right error and reason
 * code. Samples come from corpus/archive (corpus/make-archive.py); bombs
 * too big for the repository are built here in memory.
 *
 * Members go through dispatch, so the test fills a policy allowing the
 * types the samples hold and calls ident_init() first. The last test runs
 * the sanitizer inside the real worker sandbox (SANDBOX_STRICT): no file
 * may be opened, no iconv module loaded.
 */
#include "t.h"
#include "t_util.h"

#include "arcsan.h"
#include "cp932.h"
#include "dispatch.h"
#include "err.h"
#include "ident.h"
#include "report.h"
#include "sandbox.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

/* ---- test-local helpers ------------------------------------------------- */

static uint16_t g16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t g32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#define ZW_MAX 64

struct zmember {
    char name[1100];
    uint16_t flags, method, made_by;
    uint32_t ext_attr, crc, csize, usize, lh;
};

struct zwalk {
    bool ok;
    int n;
    struct zmember m[ZW_MAX];
};

/* The central directory of a zip without a comment, cross-checked with each local header. */
static struct zwalk zwalk(const uint8_t *p, size_t n)
{
    struct zwalk w;
    memset(&w, 0, sizeof(w));
    if (n < 22 || g32(p + n - 22) != 0x06054b50u)
        return w;
    const uint8_t *e = p + n - 22;
    uint32_t cnt = g16(e + 10), cdsize = g32(e + 12), cdoff = g32(e + 16);
    if ((uint64_t)cdoff + cdsize != n - 22 || cnt > ZW_MAX)
        return w;
    size_t i = cdoff;
    for (uint32_t k = 0; k < cnt; k++) {
        if (i + 46 > n || g32(p + i) != 0x02014b50u)
            return w;
        struct zmember *m = &w.m[w.n++];
        m->made_by = g16(p + i + 4);
        m->flags = g16(p + i + 8);
        m->method = g16(p + i + 10);
        m->crc = g32(p + i + 16);
        m->csize = g32(p + i + 20);
        m->usize = g32(p + i + 24);
        uint16_t nl = g16(p + i + 28), xl = g16(p + i + 30), cl = g16(p + i + 32);
        m->ext_attr = g32(p + i + 38);
        m->lh = g32(p + i + 42);
        if (nl >= sizeof(m->name) || i + 46 + nl > n)
            return w;
        memcpy(m->name, p + i + 46, nl);
        m->name[nl] = 0;
        /* the local header carries the same name and flags */
        if ((size_t)m->lh + 30 + nl > n || g32(p + m->lh) != 0x04034b50u ||
            g16(p + m->lh + 26) != nl || memcmp(p + m->lh + 30, m->name, nl) != 0 ||
            g16(p + m->lh + 6) != m->flags)
            return w;
        i += 46 + (size_t)nl + xl + cl;
    }
    w.ok = i == cdoff + cdsize;
    return w;
}

static const struct zmember *zfind(const struct zwalk *w, const char *name)
{
    for (int i = 0; i < w->n; i++)
        if (strcmp(w->m[i].name, name) == 0)
            return &w->m[i];
    return NULL;
}

/* A member's bytes, inflated with zlib here; caller frees. */
static uint8_t *zread(const uint8_t *p, size_t n, const struct zmember *m, size_t *len)
{
    size_t off = m->lh + 30 + g16(p + m->lh + 26) + g16(p + m->lh + 28);
    if (off + m->csize > n)
        return NULL;
    uint8_t *out = malloc(m->usize + 1);
    if (!out)
        return NULL;
    if (m->method == 0) {
        memcpy(out, p + off, m->usize);
    } else {
        z_stream zs;
        memset(&zs, 0, sizeof(zs));
        if (inflateInit2(&zs, -15) != Z_OK) {
            free(out);
            return NULL;
        }
        zs.next_in = (Bytef *)(p + off);
        zs.avail_in = m->csize;
        zs.next_out = out;
        zs.avail_out = m->usize;
        int r = inflate(&zs, Z_FINISH);
        inflateEnd(&zs);
        if (r != Z_STREAM_END || zs.total_out != m->usize) {
            free(out);
            return NULL;
        }
    }
    if (crc32(0, out, m->usize) != m->crc) {
        free(out);
        return NULL;
    }
    out[m->usize] = 0;
    *len = m->usize;
    return out;
}

/* Every entry: UTF-8 flag, relative path, no "..", no backslash, no symlink or special file. */
static bool zclean(const struct zwalk *w)
{
    if (!w->ok)
        return false;
    for (int i = 0; i < w->n; i++) {
        const struct zmember *m = &w->m[i];
        if (!(m->flags & 0x800) || (m->flags & 1))
            return false;
        if (m->name[0] == '/' || strstr(m->name, "..") || strchr(m->name, '\\') ||
            strchr(m->name, ':'))
            return false;
        if ((m->made_by >> 8) == 3) {
            unsigned t = (m->ext_attr >> 16) & 0170000u;
            if (t != 0 && t != 0100000u)
                return false;
        }
    }
    return true;
}

/* ---- running the sanitizer ---------------------------------------------- */

static struct policy pol;

static void policy_for_tests(void)
{
    static const struct t_limits lim = {.input = 100u << 20,
                                        .depth = 5,
                                        .members = 10000,
                                        .expanded = 1u << 30,
                                        .ratio = 100,
                                        .output = 256u << 20,
                                        .pixels = 100000000,
                                        .dimension = 30000,
                                        .scans = 100,
                                        .frames = 1000};
    static const enum ftype allowed[] = {FT_TEXT, FT_CSV, FT_JPEG, FT_PNG,   FT_GIF, FT_ZIP,
                                         FT_7Z,   FT_TAR, FT_GZIP, FT_BZIP2, FT_XZ,  FT_ZSTD,
                                         FT_LZH,  FT_RAR, FT_CAB,  FT_CPIO};
    t_policy_limits(&pol, &lim, allowed, sizeof(allowed) / sizeof(allowed[0]));
    pol.worker_memory = 1u << 30;
}

struct run {
    int rc;
    enum ftype out_type;
    struct buf out;
    struct report_node *node;
    struct zwalk w;
    uint8_t *notice;
    size_t notice_len;
};

static void run_free(struct run *r)
{
    buf_free(&r->out);
    report_free(r->node);
    free(r->notice);
    memset(r, 0, sizeof(*r));
}

/* dispatch_file on a corpus sample (the way the worker calls it). */
static void run_data(struct run *r, const char *name, const uint8_t *d, size_t n,
                     const struct policy *p, const char *const *pw, size_t npw)
{
    memset(r, 0, sizeof(*r));
    struct san_ctx ctx = {.pol = p, .passwords = pw, .n_passwords = npw};
    buf_init(&r->out, p->max_output_size);
    r->node = report_new(name);
    r->rc = dispatch_file(&ctx, name, d, n, &r->out, r->node, &r->out_type);
    if (r->rc == MG_OK && r->out_type == FT_ZIP) {
        r->w = zwalk(r->out.data, r->out.len);
        const struct zmember *m = zfind(&r->w, ARCSAN_NOTICE_NAME);
        if (m)
            r->notice = zread(r->out.data, r->out.len, m, &r->notice_len);
    }
}

static void run_sample(struct run *r, const char *name, const struct policy *p,
                       const char *const *pw, size_t npw)
{
    size_t n;
    uint8_t *d = t_load("archive", name, &n);
    run_data(r, name, d, n, p, pw, npw);
    free(d);
}

static bool reason_has(const struct report_node *n, const char *s)
{
    return n->reason && strstr(n->reason, s);
}

static bool code_is(const struct report_node *n, const char *code)
{
    return n->verdict == VERDICT_BLOCKED && strcmp(reason_code(n->reason_code), code) == 0;
}

/* run_sample, CHECKing that it was released (the reason shown when not). */
static void run_released(struct run *r, const char *name, const struct policy *p,
                         const char *const *pw, size_t npw)
{
    run_sample(r, name, p, pw, npw);
    if (r->rc != MG_OK)
        fprintf(stderr, "  %s: %s\n", name, r->node->reason ? r->node->reason : "?");
    CHECK_EQ_INT(r->rc, MG_OK);
}

/* run_sample, CHECKing that it was blocked with rc and code; r stays for
 * the caller's further checks. */
static void run_blocked(struct run *r, const char *name, const struct policy *p,
                        const char *const *pw, size_t npw, int rc, const char *code)
{
    run_sample(r, name, p, pw, npw);
    CHECK_EQ_INT(r->rc, rc);
    CHECK(code_is(r->node, code));
}

/* A child of node with this name, blocked with this code. */
static bool child_blocked(const struct report_node *n, const char *name, const char *code)
{
    for (size_t i = 0; i < n->n_children; i++) {
        const struct report_node *c = n->children[i];
        if (c->name && strcmp(c->name, name) == 0)
            return code_is(c, code);
    }
    return false;
}

static bool member_is(const struct run *r, const char *name, const char *want)
{
    const struct zmember *m = zfind(&r->w, name);
    if (!m)
        return false;
    size_t n;
    uint8_t *d = zread(r->out.data, r->out.len, m, &n);
    bool ok = d && n == strlen(want) && memcmp(d, want, n) == 0;
    free(d);
    return ok;
}

static bool member_starts(const struct run *r, const char *name, const void *magic, size_t mlen)
{
    const struct zmember *m = zfind(&r->w, name);
    if (!m)
        return false;
    size_t n;
    uint8_t *d = zread(r->out.data, r->out.len, m, &n);
    bool ok = d && n >= mlen && memcmp(d, magic, mlen) == 0;
    free(d);
    return ok;
}

static const char TEXT_EN[] = "Quarterly report\nAll figures are final.\n";
static const char TEXT_JA[] = "請求書の控えです。\r\n金額: 12,345円\r\n";
static const uint8_t PNG_MAGIC[] = {0x89, 'P', 'N', 'G'};

/*
 * A sample released as a zip with some members dropped: its output is
 * clean (when clean), holds members entries (the notice included), each kept
 * member with its text (NULL: only there), each dropped one blocked in the
 * report with its code (or alt), and the notice names each of notice.
 */
struct released {
    const char *sample;
    bool clean;
    int members;
    const char *kept[2][2];    /* name, text */
    const char *blocked[6][3]; /* name, code, alt */
    const char *notice[4];
};

/* Runs c's sample into r (the caller checks what is particular to it, then frees r). */
static void check_released(struct run *r, const struct released *c)
{
    run_released(r, c->sample, &pol, NULL, 0);
    if (c->clean)
        CHECK(zclean(&r->w));
    CHECK_EQ_INT(r->w.n, c->members);
    for (size_t i = 0; i < 2 && c->kept[i][0]; i++) {
        if (c->kept[i][1])
            CHECK(member_is(r, c->kept[i][0], c->kept[i][1]));
        else
            CHECK(zfind(&r->w, c->kept[i][0]) != NULL);
    }
    for (size_t i = 0; i < 6 && c->blocked[i][0]; i++) {
        const char *const *b = c->blocked[i];
        bool blocked =
                child_blocked(r->node, b[0], b[1]) || (b[2] && child_blocked(r->node, b[0], b[2]));
        CHECK(blocked);
        if (!blocked)
            fprintf(stderr, "  %s: %s not blocked as %s\n", c->sample, b[0], b[1]);
    }
    for (size_t i = 0; i < 4 && c->notice[i]; i++)
        CHECK(t_has(r->notice, r->notice_len, c->notice[i]));
}

/* ---- tests ---------------------------------------------------------------- */

static void test_normal_zip(void)
{
    struct run r;
    run_released(&r, "normal.zip", &pol, NULL, 0);
    CHECK_EQ_INT(r.out_type, FT_ZIP);
    CHECK(zclean(&r.w));
    CHECK_EQ_INT(r.w.n, 5);
    CHECK(member_is(&r, "docs/readme.txt", TEXT_EN));
    CHECK(member_is(&r, "docs/請求書.txt", TEXT_JA));
    CHECK(member_starts(&r, "images/pic.png", PNG_MAGIC, 4));
    CHECK(member_starts(&r, "images/photo.jpg", "\xFF\xD8\xFF", 3));
    /* images are stored (already compressed), text deflated */
    CHECK(zfind(&r.w, "images/pic.png") && zfind(&r.w, "images/pic.png")->method == 0);
    CHECK(zfind(&r.w, "docs/readme.txt") && zfind(&r.w, "docs/readme.txt")->method == 8);
    CHECK(zfind(&r.w, "data/table.csv") != NULL);
    CHECK(zfind(&r.w, ARCSAN_NOTICE_NAME) == NULL);
    CHECK_EQ_INT(r.node->n_children, 5);
    CHECK(r.node->verdict == VERDICT_SANITIZED);
    /* dispatch verified the output; our verifier agrees, and refuses the input zip
     * (no UTF-8 flag on its ASCII names) */
    struct san_ctx ctx = {.pol = &pol};
    CHECK_EQ_INT(arcsan_verify(&ctx, r.out.data, r.out.len), MG_OK);
    size_t n;
    uint8_t *in = t_load("archive", "normal.zip", &n);
    CHECK(arcsan_verify(&ctx, in, n) != MG_OK);
    free(in);
    run_free(&r);
}

static void test_japanese_names(void)
{
    struct run r;
    run_released(&r, "utf8-names.zip", &pol, NULL, 0);
    CHECK(zclean(&r.w));
    CHECK(member_is(&r, "フォルダ/請求書_ｶﾅ_全角ＡＢＣ.txt", TEXT_JA));
    CHECK(zfind(&r.w, "報告書（令和６年度）.txt") != NULL);
    CHECK(member_starts(&r, "画像/写真①.png", PNG_MAGIC, 4));
    run_free(&r);

    /* CP932 without the flag: decoded, the hidden programs dropped and listed */
    static const struct released cp932 = {
            "cp932-names.zip",
            true,
            4,
            {{"請求書_ｶﾅ_全角ＡＢＣ.txt", TEXT_JA}},
            {{"画像.jpg", "executable", NULL},
             /* by content or by name, whichever dispatch looks at first */
             {"説明書.pdf.exe", "executable", "dangerous-extension"}},
            {"説明書.pdf.exe", "画像.jpg", "executable", "理由"},
    };
    check_released(&r, &cp932);
    CHECK(zfind(&r.w, "資料/表計算①.csv") != NULL); /* 表 is 0x95 0x5C: no folder split */
    CHECK(member_starts(&r, "資料/画像.png", PNG_MAGIC, 4));
    CHECK(zfind(&r.w, "説明書.pdf.exe") == NULL);
    CHECK(zfind(&r.w, "画像.jpg") == NULL);
    run_free(&r);

    static const struct released more[] = {
            /* the same names as Info-ZIP stores them (file-system bytes, no flag) */
            {"cp932-infozip.zip",
             true,
             2,
             {{"請求書_ｶﾅ_全角ＡＢＣ.txt", TEXT_JA}, {"資料/表計算①.csv", NULL}},
             {{NULL}},
             {NULL}},
            /* flag set on CP932 bytes: refused, not guessed; bytes that are neither: refused */
            {"utf8-flag-wrong.zip", false, 2, {{"ok.txt", NULL}}, {{NULL}}, {"bad-name"}},
            {"bad-bytes-name.zip", false, 2, {{NULL}}, {{NULL}}, {"bad\\x81\\xFF.txt"}},
    };
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
        check_released(&r, &more[i]);
        run_free(&r);
    }
}

static void test_cp932_decoder(void)
{
    const char *s = "請求書_ｶﾅ_全角ＡＢＣ①髙﨑～";
    /* the CP932 bytes of s, from Python's codec */
    static const uint8_t b[] = {0x90, 0xbf, 0x8b, 0x81, 0x8f, 0x91, 0x5f, 0xb6, 0xc5, 0x5f,
                                0x91, 0x53, 0x8a, 0x70, 0x82, 0x60, 0x82, 0x61, 0x82, 0x62,
                                0x87, 0x40, 0xfb, 0xfc, 0xfa, 0xb1, 0x81, 0x60};
    char out[128];
    size_t n;
    CHECK_EQ_INT(cp932_to_utf8(b, sizeof(b), out, sizeof(out), &n), MG_OK);
    CHECK(strcmp(out, s) == 0);
    CHECK(cp932_valid(b, sizeof(b)));
    CHECK(!cp932_valid(b, sizeof(b) - 1)); /* truncated lead byte */
    static const uint8_t bad[] = {'a', 0x81, 0x7f};
    CHECK_EQ_INT(cp932_to_utf8(bad, sizeof(bad), out, sizeof(out), &n), MG_ERR_PARSE);
    CHECK_EQ_INT(cp932_to_utf8(b, sizeof(b), out, 10, &n), MG_ERR_LIMIT);
    CHECK(out[0] == 0);
    static const uint8_t ff[] = {0xff};
    CHECK(!cp932_valid(ff, 1));
}

static void test_paths_and_links(void)
{
    static const struct released cases[] = {
            {"zip-slip.zip",
             true,
             2,
             {{"ok/good.txt", TEXT_EN}},
             {{"../../evil.txt", "path-traversal"},
              {"/etc/cron.d/evil", "path-traversal"},
              {"C:\\Windows\\evil.txt", "path-traversal"},
              {"a/../../b.txt", "path-traversal"},
              {"..\\..\\win-evil.txt", "path-traversal"}},
             {"../../evil.txt", "path-traversal"}},
            {"symlink.zip",
             true,
             2,
             {{"regular.txt", TEXT_EN}},
             {{"passwd-link", "symlink"}, {"dir-link", "symlink"}, {"fifo", "special-file"}},
             {NULL}},
            {"links.tar",
             true,
             2,
             {{"regular.txt", TEXT_EN}},
             {{"link-to-passwd", "symlink"},
              {"hard-to-regular", "hardlink"},
              {"null-device", "special-file"},
              {"disk-device", "special-file"},
              {"a-fifo", "special-file"},
              {"../outside.txt", "path-traversal"}},
             {"/abs/path.txt"}},
            {"odd-names.zip",
             true,
             3,
             {{"kept.txt", TEXT_EN}, {"Same.txt", TEXT_EN}},
             {{"same.TXT", "duplicate-name"},
              {"CON.txt", "bad-name"},
              {"data.txt:hidden.exe", "bad-name"},
              {"folder./x.txt", "trailing-dot-or-space"},
              {"MUGAI-NOTICE.txt", "reserved-name"}},
             {NULL}},
            {"program-inside.zip",
             false,
             2,
             {{"readme.txt", TEXT_EN}},
             {{"invoice.pdf", "executable"}, {"setup.exe", "executable", "dangerous-extension"}},
             {"tools/run.bat"}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct run r;
        check_released(&r, &cases[i]);
        if (strcmp(cases[i].sample, "odd-names.zip") == 0) {
            /* the notice in the output is ours, not the archive's */
            CHECK(r.notice && r.notice_len > 3 && memcmp(r.notice, "\xEF\xBB\xBFMugai", 8) == 0);
            CHECK(!t_has(r.notice, r.notice_len, "fake notice"));
        }
        run_free(&r);
    }
}

static void test_structure_attacks(void)
{
    static const struct {
        const char *name, *why;
    } bad[] = {
            {"overlap-dup.zip", "overlapping"},
            {"overlap-bomb.zip", "overlapping"},
            {"name-mismatch.zip", "local header name"},
            {"concatenated.zip", ""},
            {"concatenated-fixed.zip", "before the first entry"},
            {"appended.zip", "after the end"},
            {"eocd-in-comment.zip", ""},
            {"gap.zip", "between entries"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct run r;
        run_blocked(&r, bad[i].name, &pol, NULL, 0, MG_ERR_PARSE, "parse-error");
        if (!reason_has(r.node, bad[i].why))
            fprintf(stderr, "%s: reason \"%s\"\n", bad[i].name, r.node->reason);
        CHECK(reason_has(r.node, bad[i].why));
        CHECK_EQ_INT(r.out.len, 0);
        run_free(&r);
    }
}

/* A self-extractor: a program with a zip after it. Identification calls it
 * a program; the zip reader alone refuses the data in front. */
static void test_prepended(void)
{
    struct run r;
    run_sample(&r, "prepended.zip", &pol, NULL, 0);
    CHECK(r.rc != MG_OK);
    CHECK(code_is(r.node, "executable"));
    run_free(&r);
    size_t n;
    uint8_t *d = t_load("archive", "prepended.zip", &n);
    struct san_ctx ctx = {.pol = &pol};
    struct report_node *node = report_new("prepended.zip");
    struct buf out;
    buf_init(&out, 1 << 20);
    CHECK_EQ_INT(arcsan_sanitize(&ctx, d, n, &out, node), MG_ERR_PARSE);
    CHECK(reason_has(node, "before the first entry"));
    CHECK_EQ_INT(out.len, 0);
    buf_free(&out);
    report_free(node);
    free(d);
}

static void test_bombs(void)
{
    struct run r;
    run_blocked(&r, "ratio-bomb.zip", &pol, NULL, 0, MG_ERR_LIMIT, "limit");
    CHECK(reason_has(r.node, "times"));
    run_free(&r);

    run_blocked(&r, "size-lie.zip", &pol, NULL, 0, MG_ERR_LIMIT, "limit");
    run_free(&r);

    /* a compressed stream of zeros: stopped by the ratio while streaming */
    run_blocked(&r, "zeros.bin.gz", &pol, NULL, 0, MG_ERR_LIMIT, "limit");
    run_free(&r);

    /* 42.zip in miniature: 8 levels; with max_depth 5 the nesting stops it */
    run_blocked(&r, "nested-bomb.zip", &pol, NULL, 0, MG_ERR_LIMIT, "limit");
    CHECK_EQ_INT(r.out.len, 0);
    run_free(&r);
    /* with the depth allowed, the job's expansion budget stops it (2^7 MiB) */
    struct policy deep = pol;
    deep.max_depth = 20;
    deep.max_expanded = 16u << 20;
    run_sample(&r, "nested-bomb.zip", &deep, NULL, 0);
    CHECK_EQ_INT(r.rc, MG_ERR_LIMIT);
    CHECK(reason_has(r.node, "limit"));
    run_free(&r);
    /* member count over the job */
    struct policy few = pol;
    few.max_members = 3;
    run_blocked(&r, "normal.zip", &few, NULL, 0, MG_ERR_LIMIT, "limit");
    run_free(&r);
}

/* A zip whose one member deflates `giga` GiB of zeros, built here with
 * Z_FULL_FLUSH so that one compressed MiB is repeated. declared: the size
 * in the headers (0 = the true size, zip64). */
static uint8_t *zero_bomb(unsigned giga, uint64_t declared, size_t *len)
{
    static uint8_t zeros[1 << 20];
    uint8_t first[4096], rep[4096];
    size_t nfirst, nrep;
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
    zs.next_in = zeros;
    zs.avail_in = sizeof(zeros);
    zs.next_out = first;
    zs.avail_out = sizeof(first);
    deflate(&zs, Z_FULL_FLUSH);
    nfirst = sizeof(first) - zs.avail_out;
    zs.next_in = zeros;
    zs.avail_in = sizeof(zeros);
    zs.next_out = rep;
    zs.avail_out = sizeof(rep);
    deflate(&zs, Z_FULL_FLUSH);
    nrep = sizeof(rep) - zs.avail_out;
    deflateEnd(&zs);
    uint64_t mib = (uint64_t)giga << 10;
    size_t comp = nfirst + nrep * (size_t)(mib - 1) + 2;
    uint64_t usize = mib << 20;
    uint32_t crc = 0;
    {
        uint32_t c1 = (uint32_t)crc32(0, zeros, sizeof(zeros)); /* crc of 1 MiB of zeros */
        crc = c1;
        for (uint64_t i = 1; i < mib; i++)
            crc = (uint32_t)crc32_combine(crc, c1, sizeof(zeros));
    }
    bool z64 = declared == 0;
    uint64_t dsize = z64 ? usize : declared;
    const char *name = "zeros.bin";
    size_t nl = strlen(name), xl = z64 ? 20 : 0;
    size_t total = 30 + nl + xl + comp + 46 + nl + (z64 ? 12 : 0) + 22;
    uint8_t *z = malloc(total), *p = z;
#define P16(v) (p[0] = (uint8_t)(v), p[1] = (uint8_t)((v) >> 8), p += 2)
#define P32(v) (P16((v)&0xFFFF), P16(((uint64_t)(v) >> 16) & 0xFFFF))
#define P64(v) (P32((v)&0xFFFFFFFFu), P32((uint64_t)(v) >> 32))
    P32(0x04034b50u);
    P16(45);
    P16(0);
    P16(8);
    P32(0);
    P32(crc);
    P32(z64 ? 0xFFFFFFFFu : comp);
    P32(z64 ? 0xFFFFFFFFu : (uint32_t)dsize);
    P16(nl);
    P16(xl);
    memcpy(p, name, nl);
    p += nl;
    if (z64) {
        P16(1);
        P16(16);
        P64(dsize);
        P64((uint64_t)comp);
    }
    memcpy(p, first, nfirst);
    p += nfirst;
    for (uint64_t i = 1; i < mib; i++) {
        memcpy(p, rep, nrep);
        p += nrep;
    }
    *p++ = 0x03; /* final empty fixed block */
    *p++ = 0x00;
    size_t cdoff = (size_t)(p - z);
    P32(0x02014b50u);
    P16(45);
    P16(45);
    P16(0);
    P16(8);
    P32(0);
    P32(crc);
    P32(comp);
    P32(z64 ? 0xFFFFFFFFu : (uint32_t)dsize);
    P16(nl);
    P16(z64 ? 12 : 0);
    P16(0);
    P16(0);
    P16(0);
    P32(0);
    P32(0);
    memcpy(p, name, nl);
    p += nl;
    if (z64) {
        P16(1);
        P16(8);
        P64(dsize);
    }
    size_t cdsize = (size_t)(p - z) - cdoff;
    P32(0x06054b50u);
    P16(0);
    P16(0);
    P16(1);
    P16(1);
    P32(cdsize);
    P32(cdoff);
    P16(0);
#undef P16
#undef P32
#undef P64
    *len = (size_t)(p - z);
    return z;
}

static void test_big_bombs(void)
{
    size_t n;
    struct run r;
    /* 10 GiB declared honestly (zip64): refused before inflating anything */
    uint8_t *z = zero_bomb(10, 0, &n);
    run_data(&r, "bomb.zip", z, n, &pol, NULL, 0);
    CHECK_EQ_INT(r.rc, MG_ERR_LIMIT);
    CHECK(reason_has(r.node, "declares"));
    run_free(&r);
    free(z);
    /* declared as 50 MB: the stream is stopped by the ratio while inflating */
    z = zero_bomb(10, 50000000, &n);
    struct san_ctx ctx = {.pol = &pol};
    struct report_node *node = report_new("bomb.zip");
    struct buf out;
    buf_init(&out, pol.max_output_size);
    CHECK_EQ_INT(arcsan_sanitize(&ctx, z, n, &out, node), MG_ERR_LIMIT);
    CHECK(code_is(node, "limit"));
    CHECK(ctx.expanded_total < (16u << 20)); /* stopped early, not at 50 MB or 1 GiB */
    buf_free(&out);
    report_free(node);
    free(z);
}

static void test_encrypted(void)
{
    static const char *const good[] = {"wrong-first", "mugai"};
    static const char *const wrong[] = {"nope", "still-wrong"};
    static const char *const zips[] = {"encrypted-zipcrypto.zip", "encrypted-aes.zip"};
    for (size_t i = 0; i < 2; i++) {
        struct run r;
        run_blocked(&r, zips[i], &pol, NULL, 0, MG_ERR_ENCRYPTED, "encrypted");
        run_free(&r);

        run_released(&r, zips[i], &pol, good, 2);
        CHECK(zclean(&r.w));
        CHECK(member_is(&r, "資料/報告書.txt", TEXT_JA));
        CHECK(member_starts(&r, "pic.png", PNG_MAGIC, 4));
        CHECK_EQ_INT(r.w.n, 2);
        run_free(&r);

        run_blocked(&r, zips[i], &pol, wrong, 2, MG_ERR_ENCRYPTED, "encrypted");
        CHECK(reason_has(r.node, "wrong password"));
        run_free(&r);
    }
    /* 7z encryption: libarchive cannot decrypt it, with or without a password */
    static const char *const sevens[] = {"encrypted.7z", "encrypted-headers.7z"};
    for (size_t i = 0; i < 2; i++) {
        struct run r;
        run_blocked(&r, sevens[i], &pol, NULL, 0, MG_ERR_ENCRYPTED, "encrypted");
        run_free(&r);
        run_sample(&r, sevens[i], &pol, good, 2);
        CHECK(r.rc != MG_OK);
        CHECK(code_is(r.node, "encrypted"));
        run_free(&r);
    }
}

static void test_formats(void)
{
    static const char *const tars[] = {"normal.tar",     "gnu-names.tar", "normal.tar.gz",
                                       "normal.tar.bz2", "normal.tar.xz", "normal.tar.zst"};
    for (size_t i = 0; i < sizeof(tars) / sizeof(tars[0]); i++) {
        struct run r;
        run_sample(&r, tars[i], &pol, NULL, 0);
        if (r.rc != MG_OK)
            fprintf(stderr, "%s: %s\n", tars[i], r.node->reason);
        CHECK_EQ_INT(r.rc, MG_OK);
        CHECK_EQ_INT(r.out_type, FT_ZIP);
        CHECK(zclean(&r.w));
        CHECK(member_is(&r, "docs/報告書.txt", TEXT_JA));
        CHECK(member_is(&r, "docs/readme.txt", TEXT_EN));
        CHECK(member_starts(&r, "images/pic.png", PNG_MAGIC, 4));
        CHECK_EQ_INT(r.w.n, 3);
        run_free(&r);
    }
    struct run r;
    run_released(&r, "normal.7z", &pol, NULL, 0);
    CHECK(zclean(&r.w));
    CHECK(member_is(&r, "資料/報告書.txt", TEXT_JA));
    CHECK(member_starts(&r, "pic.png", PNG_MAGIC, 4));
    CHECK_EQ_INT(r.w.n, 2);
    run_free(&r);

    run_released(&r, "program.7z", &pol, NULL, 0);
    CHECK(member_is(&r, "資料/報告書.txt", TEXT_JA));
    CHECK(zfind(&r.w, "setup.exe") == NULL);
    CHECK(t_has(r.notice, r.notice_len, "setup.exe"));
    run_free(&r);

    run_released(&r, "normal.cpio", &pol, NULL, 0);
    CHECK(member_is(&r, "docs/報告書.txt", TEXT_JA));
    CHECK(member_starts(&r, "pic.png", PNG_MAGIC, 4));
    CHECK(child_blocked(r.node, "link", "symlink"));
    run_free(&r);

    run_sample(&r, "normal.cab", &pol, NULL, 0);
    if (r.rc != MG_OK)
        fprintf(stderr, "cab: %s\n", r.node->reason);
    CHECK_EQ_INT(r.rc, MG_OK);
    CHECK(member_is(&r, "資料/報告書.txt", TEXT_JA));
    CHECK(member_starts(&r, "pic.png", PNG_MAGIC, 4));
    run_free(&r);

    run_released(&r, "normal.lzh", &pol, NULL, 0);
    CHECK(member_is(&r, "report.txt", TEXT_JA));
    CHECK(member_is(&r, "docs/readme.txt", TEXT_EN));
    run_free(&r);

    /* libarchive 3.6 refuses level-0 LZH headers whose names are not
     * valid in the locale (CP932 here): blocked whole, never guessed */
    run_blocked(&r, "cp932-names.lzh", &pol, NULL, 0, MG_ERR_PARSE, "parse-error");
    run_free(&r);

    run_released(&r, "empty.zip", &pol, NULL, 0);
    CHECK(r.w.ok && r.w.n == 0);
    run_free(&r);
    run_released(&r, "dirs-only.zip", &pol, NULL, 0);
    CHECK(r.w.ok && r.w.n == 0);
    run_free(&r);
}

static void test_compressors(void)
{
    struct run r;
    run_released(&r, "note.txt.gz", &pol, NULL, 0);
    CHECK_EQ_INT(r.out_type, FT_TEXT);
    CHECK(r.out.len == strlen(TEXT_JA) && memcmp(r.out.data, TEXT_JA, r.out.len) == 0);
    CHECK_EQ_INT(r.node->n_children, 1);
    CHECK(r.node->n_children == 1 && strcmp(r.node->children[0]->name, "note.txt") == 0);
    run_free(&r);

    run_released(&r, "note.txt.bz2", &pol, NULL, 0);
    CHECK(r.out.len == strlen(TEXT_EN) && memcmp(r.out.data, TEXT_EN, r.out.len) == 0);
    run_free(&r);
    run_released(&r, "note.txt.xz", &pol, NULL, 0);
    CHECK_EQ_INT(r.out_type, FT_TEXT);
    run_free(&r);

    run_released(&r, "pic.png.zst", &pol, NULL, 0);
    CHECK_EQ_INT(r.out_type, FT_PNG);
    CHECK(r.out.len > 4 && memcmp(r.out.data, PNG_MAGIC, 4) == 0);
    run_free(&r);

    run_sample(&r, "program.txt.gz", &pol, NULL, 0);
    CHECK(r.rc != MG_OK);
    CHECK(code_is(r.node, "executable"));
    CHECK_EQ_INT(r.out.len, 0);
    run_free(&r);

    run_released(&r, "inner.zip.gz", &pol, NULL, 0);
    CHECK_EQ_INT(r.out_type, FT_ZIP);
    CHECK(zclean(&r.w));
    CHECK(member_is(&r, "a.txt", TEXT_EN));
    run_free(&r);
}

static void test_nested(void)
{
    struct run r;
    /* zip > 7z > tar.gz: the 7z and the tar.gz come out as zips, renamed */
    run_released(&r, "nested.zip", &pol, NULL, 0);
    CHECK(zclean(&r.w));
    CHECK(member_is(&r, "top.txt", TEXT_EN));
    const struct zmember *m = zfind(&r.w, "inner.zip");
    CHECK(m != NULL);
    /* deflated, not stored: stored, its headers would be read as ours by
     * content sniffers (a docx inside made the whole zip look like a docx) */
    CHECK(m && m->method == 8);
    CHECK(zfind(&r.w, "inner.7z") == NULL);
    if (m) {
        size_t n1;
        uint8_t *inner = zread(r.out.data, r.out.len, m, &n1);
        struct zwalk w1 = zwalk(inner, n1);
        CHECK(zclean(&w1));
        const struct zmember *m2 = zfind(&w1, "deep.zip");
        CHECK(m2 != NULL);
        if (m2) {
            size_t n2;
            uint8_t *deep = zread(inner, n1, m2, &n2);
            struct zwalk w2 = zwalk(deep, n2);
            CHECK(zclean(&w2));
            CHECK(zfind(&w2, "deep.txt") != NULL);
            CHECK(zfind(&w2, "deep.exe") == NULL);
            const struct zmember *nt = zfind(&w2, ARCSAN_NOTICE_NAME);
            CHECK(nt != NULL);
            if (nt) {
                size_t nn;
                uint8_t *t = zread(deep, n2, nt, &nn);
                CHECK(t_has(t, nn, "deep.exe"));
                free(t);
            }
            free(deep);
        }
        free(inner);
    }
    run_free(&r);
    /* the same with max_depth 2: the tar.gz sits at depth 2, its members at 3 */
    struct policy shallow = pol;
    shallow.max_depth = 2;
    run_blocked(&r, "nested.zip", &shallow, NULL, 0, MG_ERR_LIMIT, "limit");
    run_free(&r);
}

static void test_verify(void)
{
    struct san_ctx ctx = {.pol = &pol};
    static const char *const refuse[] = {"cp932-names.zip", "zip-slip.zip",
                                         "symlink.zip",     "encrypted-zipcrypto.zip",
                                         "overlap-dup.zip", "normal.zip"};
    for (size_t i = 0; i < sizeof(refuse) / sizeof(refuse[0]); i++) {
        size_t n;
        uint8_t *d = t_load("archive", refuse[i], &n);
        if (arcsan_verify(&ctx, d, n) == MG_OK)
            fprintf(stderr, "verify accepted %s\n", refuse[i]);
        CHECK(arcsan_verify(&ctx, d, n) != MG_OK);
        free(d);
    }
    /* our own output, then the same with one flag bit cleared or a byte flipped */
    struct run r;
    run_released(&r, "utf8-names.zip", &pol, NULL, 0);
    CHECK_EQ_INT(arcsan_verify(&ctx, r.out.data, r.out.len), MG_OK);
    uint8_t *copy = malloc(r.out.len);
    memcpy(copy, r.out.data, r.out.len);
    const struct zmember *m = &r.w.m[0];
    copy[m->lh + 7] &= (uint8_t)~0x08; /* local flags: bit 11 off */
    CHECK(arcsan_verify(&ctx, copy, r.out.len) != MG_OK);
    memcpy(copy, r.out.data, r.out.len);
    size_t data = m->lh + 30 + g16(copy + m->lh + 26) + g16(copy + m->lh + 28);
    copy[data + 2] ^= 0x55; /* member data: CRC or inflate fails */
    CHECK(arcsan_verify(&ctx, copy, r.out.len) != MG_OK);
    free(copy);
    run_free(&r);
}

/* ---- inside the worker sandbox ---------------------------------------- */

static const char *const sandbox_samples[] = {
        "cp932-names.zip",
        "utf8-names.zip",
        "normal.7z",
        "normal.tar.gz",
        "normal.tar.xz",
        "normal.tar.zst",
        "normal.cab",
        "normal.cpio",
        "nested.zip",
        "note.txt.gz",
        "zip-slip.zip",
        "encrypted-aes.zip",
        "encrypted-zipcrypto.zip",
        "ratio-bomb.zip",
        "overlap-bomb.zip",
        "normal.lzh",
};
#define N_SANDBOX (sizeof(sandbox_samples) / sizeof(sandbox_samples[0]))
static uint8_t *sb_data[N_SANDBOX];
static size_t sb_len[N_SANDBOX];

static int sandbox_job(void *arg, int in_fd, int out_fd, int res_fd)
{
    (void)arg, (void)in_fd, (void)out_fd;
    static const char *const pw[] = {"mugai"};
    char result[N_SANDBOX + 1];
    for (size_t i = 0; i < N_SANDBOX; i++) {
        struct run r;
        run_data(&r, sandbox_samples[i], sb_data[i], sb_len[i], &pol, pw, 1);
        result[i] = r.rc == MG_OK          ? 'o'
                    : r.rc == MG_ERR_LIMIT ? 'l'
                    : r.rc == MG_ERR_PARSE ? 'p'
                                           : 'x';
        run_free(&r);
    }
    result[N_SANDBOX] = 0;
    return write(res_fd, result, N_SANDBOX) == (ssize_t)N_SANDBOX ? 0 : 1;
}

static void test_in_sandbox(void)
{
    for (size_t i = 0; i < N_SANDBOX; i++)
        sb_data[i] = t_load("archive", sandbox_samples[i], &sb_len[i]);
    struct sandbox_limits lim = {.cpu_seconds = 60,
                                 .deadline_seconds = 120,
                                 .memory_bytes = 4ull << 30,
                                 .output_bytes = 1 << 20,
                                 .result_max = 4096};
    struct sandbox_outcome oc;
    int rc = sandbox_run(&lim, SANDBOX_STRICT, NULL, sandbox_job, NULL, -1, -1, -1, &oc);
    CHECK_EQ_INT(rc, MG_OK);
    if (!oc.ok)
        fprintf(stderr, "sandboxed run: %s\n", oc.why);
    CHECK(oc.ok);
    CHECK(oc.result != NULL && oc.result_len == N_SANDBOX);
    if (oc.result)
        fprintf(stderr, "sandbox results: %s\n", (const char *)oc.result);
    /* expected: released, except the ratio bomb (limit) and the overlap (parse) */
    CHECK(oc.result && memcmp(oc.result, "ooooooooooooolpo", N_SANDBOX) == 0);
    sandbox_outcome_free(&oc);
    for (size_t i = 0; i < N_SANDBOX; i++)
        free(sb_data[i]);
}

int main(void)
{
    /* What the CLI does before it forks workers: libmagic, the format
     * modules' globals, and one hash so that libcrypto has read its
     * configuration file (the sandbox would kill an open() later). */
    CHECK_EQ_INT(ident_init(), MG_OK);
    CHECK_EQ_INT(dispatch_global_init(), MG_OK);
    char hex[65];
    report_sha256_hex((const uint8_t *)"", 0, hex);
    policy_for_tests();
    test_in_sandbox();
    test_cp932_decoder();
    test_normal_zip();
    test_japanese_names();
    test_paths_and_links();
    test_structure_attacks();
    test_prepended();
    test_bombs();
    test_big_bombs();
    test_encrypted();
    test_formats();
    test_compressors();
    test_nested();
    test_verify();
    ident_done();
    return t_done();
}
