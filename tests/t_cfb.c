/*
 * t_cfb - the compound file reader and writer.
 *
 * Reader: the samples of corpus/cfb (made by corpus/make-cfb.py with a
 * writer of its own) must read with exactly the entries and bytes the
 * script put there (valid-*), or be refused for the fault each carries
 * (bad-*). Writer: files written here must read back entry for entry and
 * byte for byte, and their directory must be a real red-black tree, which
 * is checked by a small directory walker of the test's own, not by cfb.c.
 *
 * With --write DIR the writer's fixtures are also saved in DIR, so that
 * tests/test_msoffice.py can list them with Python's olefile.
 */
#include "t.h"

#include "cfb.h"
#include "err.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *write_dir;

/* corpus/make-cfb.py's text(n, seed). */
static bool is_text(const uint8_t *p, size_t n, size_t want, unsigned seed)
{
    if (n != want)
        return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)((seed + i * 7) % 251))
            return false;
    return true;
}

static size_t find_path(const struct cfb *c, const char *parent, const char *name)
{
    size_t p = 0;
    if (parent) {
        p = cfb_find(c, 0, parent);
        if (p == CFB_NONE)
            return CFB_NONE;
    }
    return cfb_find(c, p, name);
}

static bool stream_is_text(const struct cfb *c, const char *parent, const char *name, size_t n,
                           unsigned seed)
{
    size_t i = find_path(c, parent, name);
    uint8_t *d = NULL;
    size_t len = 0;
    if (i == CFB_NONE || cfb_read(c, i, &d, &len) != MG_OK)
        return false;
    bool ok = is_text(d, len, n, seed);
    free(d);
    return ok;
}

/* ---- reader on the corpus ------------------------------------------------ */

static void test_valid(const char *file)
{
    size_t len;
    uint8_t *data = t_corpus_file("cfb", file, &len);
    struct cfb c;
    CHECK(data != NULL);
    if (!data)
        return;
    int rc = cfb_open(&c, data, len);
    if (rc != MG_OK)
        fprintf(stderr, "%s: %s\n", file, c.err);
    CHECK_EQ_INT(rc, MG_OK);
    if (rc == MG_OK) {
        CHECK_EQ_INT(c.n, 8);
        CHECK(c.entries[0].type == CFB_ROOT);
        CHECK(stream_is_text(&c, NULL, "WordDocument", 5000, 1));
        CHECK(stream_is_text(&c, NULL, "1table", 700, 2)); /* names compare ignoring case */
        CHECK(stream_is_text(&c, NULL, "\x05SummaryInformation", 200, 3));
        CHECK(stream_is_text(&c, NULL, "empty", 0, 0));
        CHECK(stream_is_text(&c, "ObjectPool", "\001CompObj", 90, 5));
        /* 資料 as UTF-16 */
        size_t pool = cfb_find(&c, 0, "ObjectPool"), ja = CFB_NONE;
        for (size_t i = 0; i < c.n; i++)
            if (c.entries[i].parent == pool && c.entries[i].name_len == 2 &&
                c.entries[i].name[0] == 0x8CC7 && c.entries[i].name[1] == 0x6599)
                ja = i;
        CHECK(ja != CFB_NONE);
        if (ja != CFB_NONE) {
            uint8_t *d;
            size_t n;
            CHECK(cfb_read(&c, ja, &d, &n) == MG_OK && is_text(d, n, 9000, 4));
            free(d);
            char nm[32];
            cfb_name_print(&c.entries[ja], nm, sizeof(nm));
            CHECK(strcmp(nm, "資料") == 0);
        }
        CHECK(pool != CFB_NONE && c.entries[pool].type == CFB_STORAGE &&
              c.entries[pool].clsid[0] == 0x11 && c.entries[pool].clsid[15] == 0xFF);
        char nm[32];
        size_t si = cfb_find(&c, 0, "\x05SummaryInformation");
        cfb_name_print(&c.entries[si], nm, sizeof(nm));
        CHECK(strcmp(nm, "\\x05SummaryInformation") == 0);
        cfb_close(&c);
    }
    free(data);
}

struct bad_case {
    const char *file;
    int rc;
    const char *why; /* a word the reason must hold */
};

static const struct bad_case bad_cases[] = {
        {"bad-fat-loop.cfb", MG_ERR_PARSE, "twice"},
        {"bad-chain-past-end.cfb", MG_ERR_PARSE, "beyond the end"},
        {"bad-shared-sector.cfb", MG_ERR_PARSE, "twice"},
        {"bad-size-longer.cfb", MG_ERR_PARSE, "chain"},
        {"bad-size-shorter.cfb", MG_ERR_PARSE, "longer than its size"},
        {"bad-chain-free.cfb", MG_ERR_PARSE, "special value"},
        {"bad-fat-unmarked.cfb", MG_ERR_PARSE, "FATSECT"},
        {"bad-difat-extra.cfb", MG_ERR_PARSE, "DIFAT"},
        {"bad-fat-count.cfb", MG_ERR_PARSE, "FAT sectors"},
        {"bad-difat-count.cfb", MG_ERR_PARSE, "DIFAT"},
        {"bad-mini-loop.cfb", MG_ERR_PARSE, "mini"},
        {"bad-mini-shared.cfb", MG_ERR_PARSE, "used twice"},
        {"bad-mini-past-end.cfb", MG_ERR_PARSE, "outside the mini stream"},
        {"bad-mini-size.cfb", MG_ERR_PARSE, "shorter"},
        {"bad-minifat-count.cfb", MG_ERR_PARSE, "mini FAT"},
        {"bad-ministream-size.cfb", MG_ERR_PARSE, "mini stream"},
        {"bad-dir-loop.cfb", MG_ERR_PARSE, "reached twice"},
        {"bad-dir-root-link.cfb", MG_ERR_PARSE, "reached twice"},
        {"bad-dir-orphan.cfb", MG_ERR_PARSE, "not reachable"},
        {"bad-dir-link-range.cfb", MG_ERR_PARSE, "link"},
        {"bad-dir-duplicate.cfb", MG_ERR_PARSE, "two entries"},
        {"bad-dir-name-char.cfb", MG_ERR_PARSE, "not allowed"},
        {"bad-dir-name-length.cfb", MG_ERR_PARSE, "name length"},
        {"bad-dir-name-unterminated.cfb", MG_ERR_PARSE, "terminated"},
        {"bad-dir-no-root.cfb", MG_ERR_PARSE, "root"},
        {"bad-dir-stream-child.cfb", MG_ERR_PARSE, "child"},
        {"bad-dir-type.cfb", MG_ERR_PARSE, "type 3"},
        {"bad-size-huge.cfb", MG_ERR_PARSE, "declares"},
        {"bad-deep-storages.cfb", MG_ERR_LIMIT, "nested"},
        {"bad-dir-too-large.cfb", MG_ERR_LIMIT, "entries"},
        {"bad-truncated-data.cfb", MG_ERR_PARSE, "past the end"},
        {"bad-hdr-shift.cfb", MG_ERR_PARSE, "sector shift"},
        {"bad-hdr-byteorder.cfb", MG_ERR_PARSE, "byte order"},
        {"bad-hdr-minishift.cfb", MG_ERR_PARSE, "mini sector shift"},
        {"bad-hdr-cutoff.cfb", MG_ERR_PARSE, "cutoff"},
        {"bad-hdr-v4-ndir.cfb", MG_ERR_PARSE, "directory sectors"},
        {"bad-hdr-short.cfb", MG_ERR_PARSE, "compound file"},
};

static void test_bad(void)
{
    for (size_t k = 0; k < sizeof(bad_cases) / sizeof(bad_cases[0]); k++) {
        const struct bad_case *b = &bad_cases[k];
        size_t len;
        uint8_t *data = t_corpus_file("cfb", b->file, &len);
        CHECK(data != NULL);
        if (!data)
            continue;
        struct cfb c;
        int rc = cfb_open(&c, data, len);
        bool ok = rc == b->rc && strstr(c.err, b->why) != NULL;
        if (!ok)
            fprintf(stderr, "%s: rc %d, \"%s\" (want %d, \"%s\")\n", b->file, rc, c.err, b->rc,
                    b->why);
        CHECK(ok);
        if (rc == MG_OK)
            cfb_close(&c);
        free(data);
    }
}

/* ---- an independent look at a written directory ----------------------------- */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Black height of the subtree at id, or -1 when it breaks a red-black or
 * search-tree rule (order by length then upper-cased ASCII, no red child
 * of a red node, equal black heights). Entries are read from the raw file,
 * directory assumed in consecutive sectors starting at dir0 (as written).
 */
static const uint8_t *dir_entry(const uint8_t *f, uint32_t dir0, uint32_t id)
{
    return f + 512 + (size_t)dir0 * 512 + (size_t)id * 128;
}

static int raw_cmp(const uint8_t *a, const uint8_t *b)
{
    unsigned la = a[64] | a[65] << 8, lb = b[64] | b[65] << 8;
    if (la != lb)
        return la < lb ? -1 : 1;
    for (unsigned i = 0; i + 2 < la; i += 2) {
        unsigned x = a[i] | a[i + 1] << 8, y = b[i] | b[i + 1] << 8;
        if (x >= 'a' && x <= 'z')
            x -= 32;
        if (y >= 'a' && y <= 'z')
            y -= 32;
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

static int rb_height(const uint8_t *f, uint32_t dir0, uint32_t id, bool parent_red, int *count,
                     const uint8_t *lo, const uint8_t *hi)
{
    if (id == 0xFFFFFFFFu)
        return 1;
    const uint8_t *e = dir_entry(f, dir0, id);
    bool red = e[67] == 0;
    if ((red && parent_red) || (lo && raw_cmp(lo, e) >= 0) || (hi && raw_cmp(e, hi) >= 0))
        return -1;
    (*count)++;
    int l = rb_height(f, dir0, le32(e + 68), red, count, lo, e);
    int r = rb_height(f, dir0, le32(e + 72), red, count, e, hi);
    if (l < 0 || r < 0 || l != r)
        return -1;
    return l + (red ? 0 : 1);
}

/* ---- writer -------------------------------------------------------------------- */

static uint16_t *u16(const char *ascii, uint16_t *buf)
{
    size_t i = 0;
    for (; ascii[i]; i++)
        buf[i] = (uint8_t)ascii[i];
    return buf;
}

static void save(const char *name, const uint8_t *d, size_t n)
{
    if (!write_dir)
        return;
    char p[4096];
    snprintf(p, sizeof(p), "%s/%s", write_dir, name);
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL && fwrite(d, 1, n, f) == n);
    if (f)
        fclose(f);
}

static void test_write_tree(void)
{
    static uint16_t nm[16][32];
    static const uint16_t ja[] = {0x8CC7, 0x6599}; /* 資料 */
    uint8_t *big = malloc(10000), *small = malloc(4096);
    for (size_t i = 0; i < 10000; i++)
        big[i] = (uint8_t)((1 + i * 7) % 251);
    for (size_t i = 0; i < 4096; i++)
        small[i] = (uint8_t)((2 + i * 7) % 251);
    struct cfb_wnode w[] = {
            {u16("WordDocument", nm[0]), 12, CFB_STREAM, CFB_NONE, {0}, 0, big, 10000},
            {u16("1Table", nm[1]), 6, CFB_STREAM, CFB_NONE, {0}, 0, small, 3000},
            {u16("\x05SummaryInformation", nm[2]), 19, CFB_STREAM, CFB_NONE, {0}, 0, small, 100},
            {u16("empty", nm[3]), 5, CFB_STREAM, CFB_NONE, {0}, 0, NULL, 0},
            {u16("ObjectPool", nm[4]), 10, CFB_STORAGE, CFB_NONE, {0x11, 0x22}, 0, NULL, 0},
            {u16("_1234", nm[5]), 5, CFB_STORAGE, 4, {0x33}, 7, NULL, 0},
            {u16("\x01Ole10Native", nm[6]), 12, CFB_STREAM, 5, {0}, 0, big, 4096},
            {ja, 2, CFB_STREAM, 4, {0}, 0, small, 4095},
            {u16("a", nm[8]), 1, CFB_STREAM, 4, {0}, 0, small, 1},
    };
    size_t n = sizeof(w) / sizeof(w[0]);
    static const uint8_t root_clsid[16] = {0x06, 0x09, 0x02, 0, 0, 0, 0, 0,
                                           0xC0, 0,    0,    0, 0, 0, 0, 0x46};
    uint8_t *out = NULL;
    size_t len = 0;
    CHECK_EQ_INT(cfb_write(w, n, root_clsid, 1u << 20, &out, &len), MG_OK);
    save("tree.cfb", out, len);
    struct cfb c;
    int rc = cfb_open(&c, out, len);
    CHECK_EQ_INT(rc, MG_OK);
    if (rc == MG_OK) {
        CHECK_EQ_INT(c.n, n + 1);
        CHECK(memcmp(c.entries[0].clsid, root_clsid, 16) == 0);
        CHECK(stream_is_text(&c, NULL, "WordDocument", 10000, 1));
        CHECK(stream_is_text(&c, NULL, "1Table", 3000, 2));
        CHECK(stream_is_text(&c, NULL, "\x05SummaryInformation", 100, 2));
        CHECK(stream_is_text(&c, NULL, "EMPTY", 0, 0));
        CHECK(stream_is_text(&c, "ObjectPool", "a", 1, 2));
        size_t pool = cfb_find(&c, 0, "ObjectPool");
        size_t sub = pool == CFB_NONE ? CFB_NONE : cfb_find(&c, pool, "_1234");
        CHECK(sub != CFB_NONE && c.entries[sub].clsid[0] == 0x33 && c.entries[sub].state_bits == 7);
        CHECK(pool != CFB_NONE && c.entries[pool].clsid[1] == 0x22);
        size_t ole = sub == CFB_NONE ? CFB_NONE : cfb_find(&c, sub, "\x01Ole10Native");
        uint8_t *d = NULL;
        size_t dn = 0;
        CHECK(ole != CFB_NONE && cfb_read(&c, ole, &d, &dn) == MG_OK && is_text(d, dn, 4096, 1));
        free(d);
        cfb_close(&c);
    }
    /* The root's tree and every storage's: root dir sector follows the FAT. */
    uint32_t dir0 = le32(out + 48);
    for (uint32_t id = 0; id <= n; id++) {
        const uint8_t *e = dir_entry(out, dir0, id);
        if (e[66] == 1 || e[66] == 5) {
            int count = 0;
            CHECK(rb_height(out, dir0, le32(e + 76), false, &count, NULL, NULL) > 0);
        }
    }
    free(out);
    free(big);
    free(small);
}

/* Sibling trees of every size up to 300: each a valid red-black search tree. */
static void test_write_siblings(void)
{
    static uint16_t names[300][8];
    struct cfb_wnode *w = calloc(300, sizeof(*w));
    uint8_t byte = 'x';
    bool all_ok = true;
    for (size_t n = 1; n <= 300; n++) {
        for (size_t i = 0; i < n; i++) {
            /* names of several lengths, written in no particular order */
            size_t k = (i * 37) % n;
            int len = snprintf((char *)names[i], 16, "%zu", k * 13 % 1000 + k);
            char tmp[16];
            memcpy(tmp, names[i], 16);
            for (int j = 0; j < len; j++)
                names[i][j] = (uint8_t)tmp[j];
            w[i] = (struct cfb_wnode){names[i], (size_t)len, CFB_STREAM, CFB_NONE,
                                      {0},      0,           &byte,      1};
        }
        uint8_t *out = NULL;
        size_t len = 0;
        int rc = cfb_write(w, n, NULL, 1u << 24, &out, &len);
        if (rc == MG_ERR_USAGE) /* a duplicate name among the generated ones */
            continue;
        struct cfb c;
        int count = 0;
        bool ok = rc == MG_OK && cfb_open(&c, out, len) == MG_OK;
        if (ok) {
            ok = c.n == n + 1;
            cfb_close(&c);
            uint32_t dir0 = le32(out + 48);
            ok = ok &&
                 rb_height(out, dir0, le32(dir_entry(out, dir0, 0) + 76), false, &count, NULL,
                           NULL) > 0 &&
                 (size_t)count == n;
        }
        if (!ok) {
            fprintf(stderr, "sibling tree of %zu entries is not a red-black tree\n", n);
            all_ok = false;
        }
        if (n == 300)
            save("siblings.cfb", out, len);
        free(out);
    }
    CHECK(all_ok);
    free(w);
}

/* A file large enough to need DIFAT sectors (more than 109 FAT sectors). */
static void test_write_difat(void)
{
    size_t big = 8u << 20;
    uint8_t *d = malloc(big);
    for (size_t i = 0; i < big; i++)
        d[i] = (uint8_t)((3 + i * 7) % 251);
    uint16_t nm[8];
    struct cfb_wnode w[] = {{u16("Big", nm), 3, CFB_STREAM, CFB_NONE, {0}, 0, d, big}};
    uint8_t *out = NULL;
    size_t len = 0;
    CHECK_EQ_INT(cfb_write(w, 1, NULL, 16u << 20, &out, &len), MG_OK);
    CHECK(out && le32(out + 44) > 109 && le32(out + 72) >= 1);
    struct cfb c;
    int rc = cfb_open(&c, out, len);
    CHECK_EQ_INT(rc, MG_OK);
    if (rc == MG_OK) {
        CHECK(stream_is_text(&c, NULL, "Big", big, 3));
        cfb_close(&c);
    }
    /* The same file cut to less than it needs, and over a cap. */
    if (out) {
        CHECK(cfb_open(&c, out, len - 4096) != MG_OK);
        uint8_t *o2 = NULL;
        size_t l2 = 0;
        CHECK_EQ_INT(cfb_write(w, 1, NULL, 4u << 20, &o2, &l2), MG_ERR_LIMIT);
        CHECK(o2 == NULL);
    }
    free(out);
    free(d);
}

static void test_write_refusals(void)
{
    uint16_t a[4] = {'a'}, A[4] = {'A'}, slash[4] = {'a', '/', 'b'}, long_name[40];
    for (int i = 0; i < 40; i++)
        long_name[i] = 'x';
    uint8_t *out = NULL;
    size_t len = 0;
    struct cfb_wnode dup[] = {{a, 1, CFB_STREAM, CFB_NONE, {0}, 0, NULL, 0},
                              {A, 1, CFB_STREAM, CFB_NONE, {0}, 0, NULL, 0}};
    CHECK_EQ_INT(cfb_write(dup, 2, NULL, 1u << 20, &out, &len), MG_ERR_USAGE);
    /* the same names under different storages are fine */
    struct cfb_wnode two[] = {{a, 1, CFB_STORAGE, CFB_NONE, {0}, 0, NULL, 0},
                              {A, 1, CFB_STREAM, 0, {0}, 0, NULL, 0}};
    CHECK_EQ_INT(cfb_write(two, 2, NULL, 1u << 20, &out, &len), MG_OK);
    free(out);
    struct cfb_wnode bad_char[] = {{slash, 3, CFB_STREAM, CFB_NONE, {0}, 0, NULL, 0}};
    CHECK_EQ_INT(cfb_write(bad_char, 1, NULL, 1u << 20, &out, &len), MG_ERR_USAGE);
    struct cfb_wnode too_long[] = {{long_name, 32, CFB_STREAM, CFB_NONE, {0}, 0, NULL, 0}};
    CHECK_EQ_INT(cfb_write(too_long, 1, NULL, 1u << 20, &out, &len), MG_ERR_USAGE);
    struct cfb_wnode late_parent[] = {{a, 1, CFB_STREAM, 1, {0}, 0, NULL, 0},
                                      {A, 1, CFB_STORAGE, CFB_NONE, {0}, 0, NULL, 0}};
    CHECK_EQ_INT(cfb_write(late_parent, 2, NULL, 1u << 20, &out, &len), MG_ERR_USAGE);
    struct cfb_wnode stream_parent[] = {{a, 1, CFB_STREAM, CFB_NONE, {0}, 0, NULL, 0},
                                        {A, 1, CFB_STREAM, 0, {0}, 0, NULL, 0}};
    CHECK_EQ_INT(cfb_write(stream_parent, 2, NULL, 1u << 20, &out, &len), MG_ERR_USAGE);
    /* nothing but the root */
    CHECK_EQ_INT(cfb_write(NULL, 0, NULL, 1u << 20, &out, &len), MG_OK);
    save("empty.cfb", out, len);
    struct cfb c;
    CHECK(out && cfb_open(&c, out, len) == MG_OK && c.n == 1);
    if (out)
        cfb_close(&c);
    free(out);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0) {
        write_dir = argv[2];
        if (mkdir(write_dir, 0755) != 0 && errno != EEXIST) {
            perror(write_dir);
            return 2;
        }
    }
    test_valid("valid-v3.cfb");
    test_valid("valid-v4.cfb");
    test_valid("valid-truncated-tail.cfb");
    test_bad();
    test_write_tree();
    test_write_siblings();
    test_write_difat();
    test_write_refusals();
    return t_done();
}
