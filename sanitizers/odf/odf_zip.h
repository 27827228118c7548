/*
 * odf_zip - the zip structure work of the OpenDocument sanitizer that is
 * not left to libarchive: a bounded parse of the central directory (the
 * compressed sizes, flags and DOS times that libarchive does not expose),
 * and a small zip writer.
 *
 * Why a writer of our own: an ODF package must start with a "mimetype"
 * member that is stored, has no extra field and no data descriptor, so
 * that its text sits at byte 38 where type sniffers look for it.
 * libarchive's zip writer (3.6) always adds its "UT" and "ux" extra fields
 * and a data descriptor, so it cannot write a valid ODF package. The
 * writer here emits only plain PKZIP 2.0 records (no zip64, no extras, no
 * descriptors) with deflate from zlib.
 */
#ifndef MUGAI_ODF_ZIP_H
#define MUGAI_ODF_ZIP_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ODFZIP_FLAG_ENCRYPTED  0x0001u
#define ODFZIP_FLAG_DESCRIPTOR 0x0008u
#define ODFZIP_FLAG_STRONG     0x0040u
#define ODFZIP_FLAG_UTF8       0x0800u
#define ODFZIP_FLAG_CDENC      0x2000u
#define ODFZIP_METHOD_AES      99u
#define ODFZIP_NAME_MAX        1024u

struct odfzip_ent {
    char *name; /* NUL-terminated copy of the raw name bytes */
    size_t name_len;
    uint64_t csize, usize, lh_off;
    uint32_t crc;
    uint16_t flags, method, dos_time, dos_date;
};

struct odfzip_dir {
    struct odfzip_ent *ent;
    size_t n;
};

/*
 * Parse the central directory of d[0..n) (zip64 aware). Refuses more than
 * max_entries entries, names longer than ODFZIP_NAME_MAX or holding NUL,
 * records running past the end, and local header offsets outside the data.
 * Returns MG_OK, MG_ERR_PARSE or MG_ERR_LIMIT (why says which); free with
 * odfzip_dir_free() in every case.
 */
int odfzip_read_dir(const uint8_t *d, size_t n, size_t max_entries, struct odfzip_dir *dir,
                    char *why, size_t whylen);
void odfzip_dir_free(struct odfzip_dir *dir);

/* Whether a DOS date/time pair is a real date (1980..2107, valid fields). */
bool odfzip_dos_time_valid(uint16_t dos_time, uint16_t dos_date);

struct odfzip_writer {
    struct buf *out;
    struct buf cd; /* central directory records, appended at the end */
    size_t n;
};

void odfzip_writer_init(struct odfzip_writer *w, struct buf *out);
void odfzip_writer_free(struct odfzip_writer *w);
/* Append one member; deflate is tried when asked and kept only if smaller. */
int odfzip_add(struct odfzip_writer *w, const char *name, const uint8_t *data, size_t len,
               bool deflate, uint16_t dos_time, uint16_t dos_date);
/* Write the central directory and its end record. */
int odfzip_finish(struct odfzip_writer *w);

#endif
