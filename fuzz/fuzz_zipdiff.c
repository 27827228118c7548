/*
 * fuzz_zipdiff - formats/zip against libarchive on arbitrary bytes. A zip
 * is released only if our directory reader accepts it and libarchive sees
 * the same members (zip_check_libarchive); for every such zip, both must
 * also read the same bytes for every member both can read, and libarchive
 * must read every member we can. abort() on a zip we accepted that
 * libarchive reads differently: that is a zip two programs would unpack
 * differently, let through.
 *
 * Built with fuzz/driver.c for AFL++ (fuzz/run.sh zipdiff) and for the
 * ctest replay of corpus/seeds/zipdiff.
 */
#include "err.h"
#include "zip.h"

#include <archive.h>
#include <archive_entry.h>

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int fuzz_init(void);
int fuzz_one(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define FUZZ_MEMBER_MAX (16u << 20)

int fuzz_init(void)
{
    zip_global_init();
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (l != (locale_t)0)
        uselocale(l);
    return 0;
}

/* libarchive's bytes for the current entry; false when it cannot read them. */
static bool la_read(struct archive *a, struct buf *dst)
{
    uint8_t chunk[65536];
    buf_reset(dst);
    for (;;) {
        la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));
        if (n == 0)
            return true;
        if (n < 0 || buf_append(dst, chunk, (size_t)n) != MG_OK)
            return false;
    }
}

int fuzz_one(const uint8_t *in, size_t len)
{
    struct zip_dir dir;
    char why[256];
    struct zip_read_opts opts = {.max_entries = 4096, .allow_empty = true};
    if (zip_dir_read(in, len, &opts, &dir, why, sizeof(why)) != MG_OK)
        return 0;
    if (zip_check_libarchive(in, len, &dir, why, sizeof(why)) != MG_OK || dir.n == 0) {
        zip_dir_free(&dir);
        return 0; /* refused: fine */
    }
    struct archive *a = archive_read_new();
    if (!a || archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
        archive_read_open_memory(a, in, len) != ARCHIVE_OK)
        abort(); /* the cross-check just opened it */
    struct buf ours, theirs;
    buf_init(&ours, FUZZ_MEMBER_MAX);
    buf_init(&theirs, FUZZ_MEMBER_MAX);
    for (size_t i = 0; i < dir.n; i++) {
        struct archive_entry *ae;
        int r = archive_read_next_header(a, &ae);
        if (r < ARCHIVE_WARN)
            abort(); /* the cross-check walked every header */
        const struct zip_ent *e = &dir.ent[i];
        uint64_t expanded = 0;
        struct zip_budget bud = {
                .ratio = UINT64_MAX, .expanded = &expanded, .max_expanded = UINT64_MAX};
        if (zip_member_read(in, len, e, &bud, &ours, why, sizeof(why)) != MG_OK)
            continue; /* we refuse the member: nothing of it is released */
        if (archive_entry_filetype(ae) != AE_IFREG)
            continue; /* directories and links: the families drop them */
        if (!la_read(a, &theirs) || theirs.len != ours.len ||
            (ours.len && memcmp(ours.data, theirs.data, ours.len) != 0))
            abort();
    }
    buf_free(&ours);
    buf_free(&theirs);
    archive_read_free(a);
    zip_dir_free(&dir);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    return fuzz_one(data, len);
}
