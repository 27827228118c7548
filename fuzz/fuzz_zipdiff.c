/*
 * fuzz_zipdiff - formats/zip against libarchive on arbitrary bytes. A zip
 * is released only if our directory reader accepts it and libarchive sees
 * the same members (zip_check_libarchive); for every such zip, both must
 * also read the same bytes for every member both can read, and libarchive
 * must read every member we can. abort() on a zip we accepted that
 * libarchive reads differently: that is a zip two programs would unpack
 * differently, let through.
 *
 * Mutations of member data almost always break the CRC and stop there, so
 * the input is first given the CRCs (and, for deflate, the sizes) its
 * members' data really has, wherever a naive walk of the directory finds
 * them: what is compared is then mostly zips whose data reads.
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
#include <zlib.h>

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

static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
    return rd16(p) | rd16(p + 2) << 16;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* CRC and size of what the member's data inflates to; false when it does not. */
static bool data_crc(const uint8_t *d, size_t n, unsigned method, uint32_t *crc, uint32_t *usize)
{
    if (method == 0) {
        *crc = (uint32_t)crc32(0, d, (uInt)n);
        *usize = (uint32_t)n;
        return true;
    }
    if (method != 8)
        return false;
    static uint8_t out[1u << 20];
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, -15) != Z_OK)
        return false;
    zs.next_in = (Bytef *)(uintptr_t)d;
    zs.avail_in = (uInt)n;
    uLong c = crc32(0, Z_NULL, 0);
    int z;
    do {
        zs.next_out = out;
        zs.avail_out = sizeof(out);
        z = inflate(&zs, Z_NO_FLUSH);
        c = crc32(c, out, (uInt)(sizeof(out) - zs.avail_out));
    } while (z == Z_OK && zs.total_out < (8u << 20));
    bool ok = z == Z_STREAM_END;
    *crc = (uint32_t)c;
    *usize = (uint32_t)zs.total_out;
    inflateEnd(&zs);
    return ok;
}

/* Give every member found by a naive walk its real CRC and size, in both headers. */
static void fix_members(uint8_t *d, size_t n)
{
    if (n < 22)
        return;
    size_t eocd = n - 22;
    while (eocd > 0 && memcmp(d + eocd, "PK\x05\x06", 4) != 0)
        eocd--;
    if (memcmp(d + eocd, "PK\x05\x06", 4) != 0)
        return;
    size_t off = rd32(d + eocd + 16), count = rd16(d + eocd + 10);
    for (size_t i = 0;
         i < count && off <= n && n - off >= 46 && memcmp(d + off, "PK\x01\x02", 4) == 0; i++) {
        size_t next = off + 46 + rd16(d + off + 28) + rd16(d + off + 30) + rd16(d + off + 32);
        size_t lh = rd32(d + off + 42), csize = rd32(d + off + 20);
        unsigned method = rd16(d + off + 10);
        if (lh <= n && n - lh >= 30 && memcmp(d + lh, "PK\x03\x04", 4) == 0) {
            size_t data = lh + 30 + rd16(d + lh + 26) + rd16(d + lh + 28);
            uint32_t crc, usize;
            if (data <= n && csize <= n - data && data_crc(d + data, csize, method, &crc, &usize)) {
                wr32(d + off + 16, crc);
                wr32(d + off + 24, usize);
                wr32(d + lh + 14, crc);
                wr32(d + lh + 22, usize);
            }
        }
        off = next;
    }
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

static int diff_one(const uint8_t *in, size_t len);

int fuzz_one(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    memcpy(copy, data, len);
    fix_members(copy, len);
    diff_one(copy, len);
    free(copy);
    return diff_one(data, len);
}

static int diff_one(const uint8_t *in, size_t len)
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
