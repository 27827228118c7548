/*
 * fuzz_zip - formats/zip's directory reader and member reader on arbitrary
 * bytes, and the writer on whatever they accept. What the reader accepts
 * must hold its promises (members in order, tiling the bytes up to the
 * directory; data read to exactly the declared size), and writing the
 * members read must give a zip that reads back to the same names and
 * bytes: abort() otherwise, so AFL++ records it as a crash.
 *
 * Built with fuzz/driver.c for AFL++ (fuzz/run.sh zip) and for the ctest
 * replay of corpus/seeds/zip.
 */
#include "err.h"
#include "zip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int fuzz_init(void);
int fuzz_one(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define FUZZ_MEMBER_MAX (16u << 20)
#define FUZZ_TOTAL_MAX  (64u << 20)

int fuzz_init(void)
{
    zip_global_init();
    return 0;
}

static void check_layout(const struct zip_dir *dir)
{
    uint64_t at = 0;
    for (size_t i = 0; i < dir->n; i++) {
        const struct zip_ent *e = &dir->ent[i];
        if (e->lh_off != at || e->data_off < e->lh_off + 30 || e->data_off + e->csize > e->end)
            abort();
        if (e->name[e->name_len] != '\0')
            abort();
        at = e->end;
    }
    if (at != dir->cd_off || dir->cd_off > dir->cd_end)
        abort();
}

/* Write the members read into a new zip; it must read back the same. */
static void roundtrip(const struct zip_dir *dir, struct buf *data, size_t n)
{
    struct buf out;
    buf_init(&out, 4 * FUZZ_TOTAL_MAX);
    struct zip_writer w;
    zip_writer_init(&w, &out, 1);
    size_t written = 0;
    for (size_t i = 0; i < n; i++) {
        const struct zip_ent *e = &dir->ent[i];
        if (e->name_len == 0 || strlen(e->name) != e->name_len)
            continue;
        if (zip_writer_add(&w, e->name, data[i].data, data[i].len, i % 2 == 0, e->dos_time,
                           e->dos_date) != MG_OK)
            abort();
        written++;
    }
    if (zip_writer_finish(&w) != MG_OK)
        abort();
    zip_writer_free(&w);
    struct zip_dir back;
    char why[256];
    struct zip_read_opts opts = {.max_entries = 65535, .allow_empty = true};
    if (zip_dir_read(out.data, out.len, &opts, &back, why, sizeof(why)) != MG_OK ||
        back.n != written ||
        zip_check_libarchive(out.data, out.len, &back, why, sizeof(why)) != MG_OK)
        abort();
    size_t k = 0;
    uint64_t expanded = 0;
    struct zip_budget bud = {
            .ratio = UINT64_MAX, .expanded = &expanded, .max_expanded = UINT64_MAX};
    struct buf m;
    buf_init(&m, FUZZ_MEMBER_MAX);
    for (size_t i = 0; i < n; i++) {
        const struct zip_ent *e = &dir->ent[i];
        if (e->name_len == 0 || strlen(e->name) != e->name_len)
            continue;
        const struct zip_ent *b = &back.ent[k++];
        if (strcmp(b->name, e->name) != 0 ||
            zip_member_read(out.data, out.len, b, &bud, &m, why, sizeof(why)) != MG_OK ||
            m.len != data[i].len || (m.len && memcmp(m.data, data[i].data, m.len) != 0))
            abort();
    }
    buf_free(&m);
    zip_dir_free(&back);
    buf_free(&out);
}

int fuzz_one(const uint8_t *in, size_t len)
{
    struct zip_dir dir;
    char why[256];
    struct zip_read_opts opts = {.max_entries = 4096, .allow_empty = true};
    if (zip_dir_read(in, len, &opts, &dir, why, sizeof(why)) != MG_OK) {
        if (dir.ent || dir.n)
            abort();
        return 0;
    }
    check_layout(&dir);
    struct buf *data = calloc(dir.n ? dir.n : 1, sizeof(*data));
    if (!data)
        abort();
    uint64_t expanded = 0;
    struct zip_budget bud = {.ratio = 100, .expanded = &expanded, .max_expanded = FUZZ_TOTAL_MAX};
    bool all = true;
    for (size_t i = 0; i < dir.n; i++) {
        buf_init(&data[i], FUZZ_MEMBER_MAX);
        int rc = zip_member_read(in, len, &dir.ent[i], &bud, &data[i], why, sizeof(why));
        if (rc == MG_OK && data[i].len != dir.ent[i].usize)
            abort();
        if (rc != MG_OK)
            all = false;
        if (expanded > FUZZ_TOTAL_MAX + (64u << 10))
            abort();
    }
    if (all)
        roundtrip(&dir, data, dir.n);
    for (size_t i = 0; i < dir.n; i++)
        buf_free(&data[i]);
    free(data);
    zip_dir_free(&dir);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    return fuzz_one(data, len);
}
