/*
 * Unit tests of formats/zip: every refusal rule of the directory reader on
 * a sample from corpus/zip (made by corpus/make-zip.py with Python's
 * zipfile and byte edits), the member reader's budget, size and CRC
 * checks, the libarchive cross-check, and the writer, whose output is read
 * back by unzip(1) and Python's zipfile as well as by our reader.
 */
#include "t.h"
#include "t_util.h"
#include "arcsan.h"
#include "dispatch.h"
#include "err.h"
#include "ident.h"
#include "odfsan.h"
#include "ooxmlsan.h"
#include "report.h"
#include "zip.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char JA_LINE[] = "住民票の写しの交付申請について\n";

struct sample {
    uint8_t *d;
    size_t n;
};

static struct sample load(const char *name)
{
    struct sample s = {NULL, 0};
    s.d = t_corpus_file("zip", name, &s.n);
    if (!s.d)
        t_failed++;
    return s;
}

static int read_dir(const struct sample *s, bool allow_empty, struct zip_dir *dir, char *why)
{
    struct zip_read_opts o = {.max_entries = 1000, .allow_empty = allow_empty};
    return zip_dir_read(s->d, s->n, &o, dir, why, 256);
}

/* The directory reader refuses name with rc and a reason holding `words`. */
static void expect_refused(const char *name, int rc, const char *words)
{
    struct sample s = load(name);
    if (!s.d)
        return;
    struct zip_dir dir;
    char why[256] = "";
    int got = read_dir(&s, true, &dir, why);
    CHECK_EQ_INT(got, rc);
    if (!strstr(why, words))
        fprintf(stderr, "%s: reason \"%s\" lacks \"%s\"\n", name, why, words);
    CHECK(strstr(why, words) != NULL);
    CHECK(dir.ent == NULL && dir.n == 0);
    zip_dir_free(&dir);
    free(s.d);
}

/* The directory is accepted, and reading its first member gives rc with `words`. */
static void expect_member(const char *name, uint64_t ratio, int rc, const char *words)
{
    struct sample s = load(name);
    if (!s.d)
        return;
    struct zip_dir dir;
    char why[256] = "";
    CHECK_EQ_INT(read_dir(&s, false, &dir, why), MG_OK);
    if (dir.n > 0) {
        uint64_t expanded = 0;
        struct zip_budget bud = {.ratio = ratio, .expanded = &expanded, .max_expanded = 1u << 30};
        struct buf out;
        buf_init(&out, 64u << 20);
        why[0] = 0;
        CHECK_EQ_INT(zip_member_read(s.d, s.n, &dir.ent[0], &bud, &out, why, sizeof(why)), rc);
        if (words && !strstr(why, words))
            fprintf(stderr, "%s: reason \"%s\" lacks \"%s\"\n", name, why, words);
        CHECK(!words || strstr(why, words) != NULL);
        buf_free(&out);
    }
    zip_dir_free(&dir);
    free(s.d);
}

static void test_good(void)
{
    struct sample s = load("good.zip");
    if (!s.d)
        return;
    struct zip_dir dir;
    char why[256];
    CHECK_EQ_INT(read_dir(&s, false, &dir, why), MG_OK);
    CHECK_EQ_INT(dir.n, 3);
    CHECK_EQ_INT(zip_check_libarchive(s.d, s.n, &dir, why, sizeof(why)), MG_OK);
    if (dir.n == 3) {
        CHECK(strcmp(dir.ent[0].name, "a.txt") == 0);
        CHECK(strcmp(dir.ent[1].name, "dir/b.txt") == 0);
        CHECK(strcmp(dir.ent[2].name, "c.bin") == 0);
        CHECK(dir.ent[0].lh_off == 0 && dir.ent[1].lh_off == dir.ent[0].end);
        CHECK(dir.ent[2].end == dir.cd_off);
        /* 2024-04-01 09:30:00 as zipfile wrote it */
        CHECK_EQ_INT(dir.ent[0].dos_date, ((2024 - 1980) << 9) | (4 << 5) | 1);
        CHECK_EQ_INT(dir.ent[0].dos_time, (9 << 11) | (30 << 5));
        uint64_t expanded = 0;
        struct zip_budget bud = {.ratio = 100, .expanded = &expanded, .max_expanded = 1u << 20};
        struct buf out;
        buf_init(&out, 1u << 20);
        CHECK_EQ_INT(zip_member_read(s.d, s.n, &dir.ent[0], &bud, &out, why, sizeof(why)), MG_OK);
        size_t ll = strlen(JA_LINE);
        CHECK_EQ_INT(out.len, 40 * ll);
        bool same = out.len == 40 * ll;
        for (size_t i = 0; same && i < 40; i++)
            same = memcmp(out.data + i * ll, JA_LINE, ll) == 0;
        CHECK(same);
        CHECK_EQ_INT(zip_member_read(s.d, s.n, &dir.ent[2], &bud, &out, why, sizeof(why)), MG_OK);
        CHECK_EQ_INT(out.len, 256);
        same = out.len == 256;
        for (size_t i = 0; same && i < 256; i++)
            same = out.data[i] == i;
        CHECK(same);
        CHECK_EQ_INT(expanded, 40 * ll + 256);
        /* The job's total is a limit across members. */
        expanded = (1u << 20) - 10;
        CHECK_EQ_INT(zip_member_read(s.d, s.n, &dir.ent[2], &bud, &out, why, sizeof(why)),
                     MG_ERR_LIMIT);
        /* So is the member's buffer. */
        struct buf small;
        buf_init(&small, 100);
        expanded = 0;
        CHECK_EQ_INT(zip_member_read(s.d, s.n, &dir.ent[2], &bud, &small, why, sizeof(why)),
                     MG_ERR_LIMIT);
        buf_free(&small);
        buf_free(&out);
    }
    zip_dir_free(&dir);

    /* A cap on the entry count. */
    struct zip_read_opts two = {.max_entries = 2, .allow_empty = false};
    CHECK_EQ_INT(zip_dir_read(s.d, s.n, &two, &dir, why, sizeof(why)), MG_ERR_LIMIT);
    zip_dir_free(&dir);

    /* Every truncation is refused, none crashes. */
    for (size_t cut = 0; cut < s.n; cut++) {
        struct zip_read_opts o = {.max_entries = 100, .allow_empty = true};
        int rc = zip_dir_read(s.d, cut, &o, &dir, why, sizeof(why));
        if (rc == MG_OK)
            fprintf(stderr, "truncated to %zu bytes and accepted\n", cut);
        CHECK(rc != MG_OK);
        zip_dir_free(&dir);
    }
    /* Every single-byte change: no crash, and whatever is accepted reads
     * within its declared sizes. */
    size_t accepted = 0;
    for (size_t i = 0; i < s.n; i++) {
        uint8_t keep = s.d[i];
        s.d[i] ^= 0x5A;
        struct zip_read_opts o = {.max_entries = 100, .allow_empty = true};
        if (zip_dir_read(s.d, s.n, &o, &dir, why, sizeof(why)) == MG_OK) {
            bool all = true;
            for (size_t k = 0; k < dir.n; k++) {
                uint64_t expanded = 0;
                struct zip_budget bud = {
                        .ratio = 100, .expanded = &expanded, .max_expanded = 1u << 24};
                struct buf out;
                buf_init(&out, 1u << 20);
                if (zip_member_read(s.d, s.n, &dir.ent[k], &bud, &out, why, sizeof(why)) == MG_OK)
                    CHECK(out.len == dir.ent[k].usize);
                else
                    all = false;
                buf_free(&out);
            }
            accepted += all;
        }
        zip_dir_free(&dir);
        s.d[i] = keep;
    }
    /* Only bytes no rule covers (dates, attributes, data that still
     * inflates to the CRC) may change and be accepted. */
    if (accepted >= s.n / 8)
        fprintf(stderr, "%zu of %zu single-byte changes accepted\n", accepted, s.n);
    CHECK(accepted < s.n / 8);
    free(s.d);
}

static void test_empty(void)
{
    struct sample s = load("empty.zip");
    if (!s.d)
        return;
    struct zip_dir dir;
    char why[256];
    CHECK_EQ_INT(read_dir(&s, true, &dir, why), MG_OK);
    CHECK_EQ_INT(dir.n, 0);
    CHECK_EQ_INT(zip_check_libarchive(s.d, s.n, &dir, why, sizeof(why)), MG_OK);
    zip_dir_free(&dir);
    CHECK_EQ_INT(read_dir(&s, false, &dir, why), MG_ERR_PARSE);
    CHECK(strstr(why, "empty zip") != NULL);
    zip_dir_free(&dir);
    free(s.d);
}

static void test_stored_and_descriptor(void)
{
    expect_member("stored.zip", 100, MG_OK, NULL);
    expect_member("descriptor.zip", 100, MG_OK, NULL);
    struct sample s = load("descriptor.zip");
    if (s.d) {
        struct zip_dir dir;
        char why[256];
        CHECK_EQ_INT(read_dir(&s, false, &dir, why), MG_OK);
        CHECK(dir.n == 1 && (dir.ent[0].flags & ZIP_FLAG_DESCRIPTOR));
        CHECK(dir.n == 1 && dir.ent[0].end == dir.cd_off &&
              dir.ent[0].end > dir.ent[0].data_off + dir.ent[0].csize);
        zip_dir_free(&dir);
        free(s.d);
    }
}

/* Both readers of one zip would see different things: refused. */
static void test_refusals(void)
{
    expect_refused("prepended.zip", MG_ERR_PARSE, "data before the first entry");
    expect_refused("appended.zip", MG_ERR_PARSE, "data after the end of the zip");
    expect_refused("local-name.zip", MG_ERR_PARSE, "local header name differs");
    expect_refused("local-method.zip", MG_ERR_PARSE, "flags or method differ");
    expect_refused("local-crc.zip", MG_ERR_PARSE, "sizes or CRC differ");
    expect_refused("gap.zip", MG_ERR_PARSE, "unreferenced data between entries");
    expect_refused("overlap.zip", MG_ERR_PARSE, "overlapping entries");
    /* A second end record sits where the directory should end. */
    expect_refused("two-eocd.zip", MG_ERR_PARSE, "central directory is not where");
    expect_refused("descriptor-bad.zip", MG_ERR_PARSE, "data descriptor");
    expect_refused("docx-prepended.docx", MG_ERR_PARSE, "data before the first entry");
    expect_refused("docx-appended.docx", MG_ERR_PARSE, "data after the end of the zip");
    expect_refused("docx-local-name.docx", MG_ERR_PARSE, "local header name differs");
    expect_refused("odt-prepended.odt", MG_ERR_PARSE, "data before the first entry");
    expect_refused("odt-appended.odt", MG_ERR_PARSE, "data after the end of the zip");
    expect_refused("odt-local-name.odt", MG_ERR_PARSE, "local header name differs");
}

static void test_members(void)
{
    expect_member("bad-crc.zip", 100, MG_ERR_PARSE, "CRC");
    expect_member("short-deflate.zip", 100, MG_ERR_PARSE, "a.txt");
    expect_member("bomb.zip", 100, MG_ERR_LIMIT, "compression bomb");
    expect_member("bomb.zip", 100000, MG_OK, NULL);
    expect_member("method14.zip", 100, MG_ERR_UNSUPPORTED, "method 14");
    expect_member("encrypted.zip", 100, MG_ERR_ENCRYPTED, "encrypted");
    CHECK_EQ_INT(zip_ratio_allowed(10, 100), ZIP_RATIO_FLOOR);
    CHECK(zip_ratio_allowed(1u << 20, 100) == 100ull << 20);
    CHECK(zip_ratio_allowed(UINT64_MAX / 2, 100) == UINT64_MAX);
}

/* Run a shell command on a file; its exit status. */
static int run_on(const char *fmt, const char *path)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), fmt, path);
    return system(cmd);
}

static void test_writer(void)
{
    struct buf out;
    buf_init(&out, 1u << 20);
    struct zip_writer w;
    zip_writer_init(&w, &out, 6);
    uint8_t big[5000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)("abcdefgh"[i % 8]);
    uint16_t t, d;
    zip_dos_time_from_unix(0, &t, &d); /* 1970: clamped to 1980-01-01 */
    CHECK_EQ_INT(d, (1 << 5) | 1);
    CHECK(zip_dos_time_valid(t, d));
    CHECK(!zip_dos_time_valid(0, 0));
    CHECK_EQ_INT(zip_writer_add(&w, "mimetype", (const uint8_t *)"text/plain", 10, false, 0, 0),
                 MG_OK);
    CHECK_EQ_INT(zip_writer_add(&w, "資料/報告.txt", (const uint8_t *)JA_LINE, strlen(JA_LINE),
                                true, (9 << 11), ((2024 - 1980) << 9) | (4 << 5) | 1),
                 MG_OK);
    CHECK_EQ_INT(zip_writer_add(&w, "big.txt", big, sizeof(big), true, 0, 0), MG_OK);
    CHECK_EQ_INT(zip_writer_add(&w, "empty", NULL, 0, true, 0, 0), MG_OK);
    CHECK_EQ_INT(zip_writer_add(&w, "", big, 1, true, 0, 0), MG_ERR_LIMIT);
    CHECK_EQ_INT(zip_writer_finish(&w), MG_OK);
    zip_writer_free(&w);
    /* The stored first member's data sits at byte 38 (30 + "mimetype"). */
    CHECK(out.len > 48 && memcmp(out.data + 38, "text/plain", 10) == 0);

    /* Our reader: every rule holds, and the data comes back. */
    struct sample s = {out.data, out.len};
    struct zip_dir dir;
    char why[256];
    CHECK_EQ_INT(read_dir(&s, false, &dir, why), MG_OK);
    CHECK_EQ_INT(dir.n, 4);
    CHECK_EQ_INT(zip_check_libarchive(out.data, out.len, &dir, why, sizeof(why)), MG_OK);
    for (size_t i = 0; i < dir.n; i++) {
        CHECK(dir.ent[i].flags == ZIP_FLAG_UTF8);
        uint64_t expanded = 0;
        struct zip_budget bud = {.ratio = 100, .expanded = &expanded, .max_expanded = 1u << 20};
        struct buf m;
        buf_init(&m, 1u << 20);
        CHECK_EQ_INT(zip_member_read(out.data, out.len, &dir.ent[i], &bud, &m, why, sizeof(why)),
                     MG_OK);
        if (i == 2)
            CHECK(m.len == sizeof(big) && memcmp(m.data, big, sizeof(big)) == 0);
        buf_free(&m);
    }
    if (dir.n == 4) {
        CHECK_EQ_INT(dir.ent[0].method, ZIP_METHOD_STORE);
        CHECK_EQ_INT(dir.ent[2].method, ZIP_METHOD_DEFLATE);
        CHECK(dir.ent[2].csize < 200);
        CHECK_EQ_INT(dir.ent[3].usize, 0);
    }
    zip_dir_free(&dir);

    /* Independent readers: unzip -t and Python's zipfile. */
    char path[] = "/tmp/t_zip_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, out.data, out.len) == (ssize_t)out.len);
        close(fd);
        CHECK_EQ_INT(run_on("unzip -tqq %s >/dev/null", path), 0);
        CHECK_EQ_INT(run_on("python3 -c 'import sys, zipfile\n"
                            "z = zipfile.ZipFile(sys.argv[1])\n"
                            "assert z.testzip() is None\n"
                            "i = z.infolist()\n"
                            "assert [x.filename for x in i] == "
                            "[\"mimetype\", \"資料/報告.txt\", \"big.txt\", \"empty\"], i\n"
                            "assert all(x.flag_bits == 0x800 and x.extra == b\"\" for x in i)\n"
                            "assert i[1].date_time == (2024, 4, 1, 9, 0, 0)\n"
                            "assert z.read(\"big.txt\") == b\"abcdefgh\" * 625\n"
                            "assert z.read(\"資料/報告.txt\").decode() == "
                            "\"住民票の写しの交付申請について\\n\"' %s",
                            path),
                     0);
        unlink(path);
    }
    buf_free(&out);
}

typedef int (*sanitize_fn)(struct san_ctx *, const uint8_t *, size_t, struct buf *,
                           struct report_node *);

/*
 * The three families that read zips, each given the same malformed zip:
 * each refuses it with the same structure reason, and releases nothing
 * (the output buffer stays empty). Control: the unedited document passes
 * its own family, so the refusal is the edit's doing.
 */
static void test_families(void)
{
    struct policy pol;
    static const struct t_limits lim = {.input = 64u << 20,
                                        .depth = 5,
                                        .members = 10000,
                                        .expanded = 1u << 30,
                                        .ratio = 100,
                                        .output = 64u << 20};
    t_policy_limits(&pol, &lim, NULL, 0);
    static const struct {
        const char *name;
        sanitize_fn fn;
    } fams[] = {
            {"archive", arcsan_sanitize}, {"ooxml", ooxmlsan_sanitize}, {"odf", odfsan_sanitize}};
    static const struct {
        const char *file, *words;
    } bad[] = {
            {"docx-prepended.docx", "data before the first entry"},
            {"docx-appended.docx", "data after the end of the zip"},
            {"docx-local-name.docx", "local header name differs"},
            {"odt-prepended.odt", "data before the first entry"},
            {"odt-appended.odt", "data after the end of the zip"},
            {"odt-local-name.odt", "local header name differs"},
    };
    for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
        struct sample s = load(bad[b].file);
        if (!s.d)
            continue;
        for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
            struct san_ctx ctx = {.pol = &pol};
            struct report_node *node = report_new(bad[b].file);
            struct buf out;
            buf_init(&out, pol.max_output_size);
            int rc = fams[f].fn(&ctx, s.d, s.n, &out, node);
            const char *why = node && node->reason ? node->reason : "";
            if (rc != MG_ERR_PARSE || !strstr(why, bad[b].words))
                fprintf(stderr, "%s through %s: rc %d, \"%s\"\n", bad[b].file, fams[f].name, rc,
                        why);
            CHECK_EQ_INT(rc, MG_ERR_PARSE);
            CHECK(strstr(why, bad[b].words) != NULL);
            CHECK(node && node->verdict == VERDICT_BLOCKED);
            CHECK_EQ_INT(out.len, 0);
            buf_free(&out);
            report_free(node);
        }
        free(s.d);
    }
    static const struct {
        const char *dir, *file;
        sanitize_fn fn;
    } ok[] = {{"office", "benign-letter.docx", ooxmlsan_sanitize},
              {"odf", "benign.odt", odfsan_sanitize},
              {"office", "benign-letter.docx", arcsan_sanitize}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        size_t n;
        uint8_t *d = t_corpus_file(ok[i].dir, ok[i].file, &n);
        if (!d) {
            t_failed++;
            continue;
        }
        struct san_ctx ctx = {.pol = &pol};
        struct report_node *node = report_new(ok[i].file);
        struct buf out;
        buf_init(&out, pol.max_output_size);
        CHECK_EQ_INT(ok[i].fn(&ctx, d, n, &out, node), MG_OK);
        CHECK(out.len > 0);
        buf_free(&out);
        report_free(node);
        free(d);
    }
}

int main(void)
{
    /* What the CLI does before it forks workers. */
    CHECK_EQ_INT(ident_init(), MG_OK);
    CHECK_EQ_INT(dispatch_global_init(), MG_OK);
    zip_global_init();
    test_families();
    test_good();
    test_empty();
    test_stored_and_descriptor();
    test_refusals();
    test_members();
    test_writer();
    return t_done();
}
