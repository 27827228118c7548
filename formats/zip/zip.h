/*
 * zip - the one zip reader and writer every family uses (archive, OOXML,
 * OpenDocument): structure only, no policy.
 *
 * Reading is strict on purpose. A zip can be read from its central
 * directory (Office, 7-Zip, libarchive's seekable reader) or by walking the
 * local headers from the front (streaming readers, some scanners); anything
 * that lets those two readings differ is refused rather than interpreted:
 * bytes before the first member or after the end record, gaps or overlaps
 * between members, a local header that disagrees with its directory record,
 * a data descriptor that disagrees with the directory, a second end record.
 * The same rule holds whatever the file is called, so a document with a
 * zip hidden in front is refused as a .docx exactly as it is as a .zip.
 *
 * Members are then inflated here with zlib under one budget rule (declared
 * size against compressed size, the job's running total, the CRC), and
 * zip_check_libarchive() confirms that libarchive, which the archive family
 * also reads with, sees the same members.
 *
 * The writer emits plain PKZIP 2.0 records only: no zip64, no extra fields,
 * no data descriptors, names flagged UTF-8. An OpenDocument package needs
 * exactly that (a stored "mimetype" first, its text at byte 38), and the
 * other families need nothing more.
 */
#ifndef MUGAI_ZIP_H
#define MUGAI_ZIP_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZIP_FLAG_ENCRYPTED  0x0001u
#define ZIP_FLAG_DESCRIPTOR 0x0008u
#define ZIP_FLAG_STRONG     0x0040u
#define ZIP_FLAG_UTF8       0x0800u
#define ZIP_FLAG_CDENC      0x2000u
#define ZIP_METHOD_STORE    0u
#define ZIP_METHOD_DEFLATE  8u
#define ZIP_METHOD_AES      99u
/* Below this many output bytes a member is never judged by its ratio: a
 * page of repeated XML compresses a thousand times and is harmless. */
#define ZIP_RATIO_FLOOR (1u << 20)
/* Most entries the writer puts in one zip (no zip64). */
#define ZIP_WRITE_MAX 65535u

struct zip_ent {
    uint64_t lh_off;   /* local header */
    uint64_t data_off; /* first byte of the (possibly encrypted) data */
    uint64_t end;      /* one past the entry, data descriptor included */
    uint64_t csize, usize;
    uint64_t cd_pos; /* this entry's central directory record */
    uint32_t crc, ext_attr;
    uint16_t flags, method, made_by, dos_time, dos_date;
    size_t name_len;
    /* The raw name bytes, NUL-terminated (a name may itself hold NUL: then
     * strlen(name) < name_len, and callers that need a C string refuse it). */
    char *name;
};

struct zip_dir {
    struct zip_ent *ent; /* sorted by local header offset: the order on disk */
    size_t n;
    uint64_t cd_off, cd_end;
    char *names; /* one block for every name */
};

struct zip_read_opts {
    uint64_t max_entries; /* more is MG_ERR_LIMIT */
    bool allow_empty;     /* a zip with no entries is MG_OK rather than MG_ERR_PARSE */
};

/*
 * Parse and check the structure of in[0..len). On MG_OK dir holds the
 * entries in their order on disk. Otherwise why says what is wrong:
 * MG_ERR_PARSE for a layout we refuse, MG_ERR_LIMIT for more entries than
 * allowed, MG_ERR_UNSUPPORTED for multi-volume archives, MG_ERR_NOMEM.
 * Free dir with zip_dir_free() in every case.
 */
int zip_dir_read(const uint8_t *in, size_t len, const struct zip_read_opts *opts,
                 struct zip_dir *dir, char *why, size_t whylen);
void zip_dir_free(struct zip_dir *dir);

/* Unix file type bits (S_IFMT) of a central entry made on Unix, else 0. */
unsigned zip_unix_type(const struct zip_ent *e);
/* Whether the entry is encrypted in any of the ways zip knows. */
bool zip_encrypted(const struct zip_ent *e);

/* The expansion rule: ratio times the compressed size, never below ZIP_RATIO_FLOOR. */
uint64_t zip_ratio_allowed(uint64_t csize, uint64_t ratio);

/* What inflating may use: the job's running total and its limit. */
struct zip_budget {
    uint64_t ratio;        /* most output bytes per compressed byte (0 taken as 1) */
    uint64_t *expanded;    /* running total, added to as data comes out */
    uint64_t max_expanded; /* the total may not pass this */
};

/*
 * Inflate (or copy) entry e of in into dst, whose cap bounds the member.
 * Refuses a declared size over the ratio rule before any work, output past
 * the declared size, the running total past its limit (MG_ERR_LIMIT), a
 * short or damaged stream, a size or CRC that differs from the directory
 * (MG_ERR_PARSE), encryption (MG_ERR_ENCRYPTED) and methods other than
 * stored and deflate (MG_ERR_UNSUPPORTED). why names the member.
 */
int zip_member_read(const uint8_t *in, size_t len, const struct zip_ent *e,
                    const struct zip_budget *bud, struct buf *dst, char *why, size_t whylen);

/*
 * libarchive's seekable zip reader must see the members of dir, in the
 * same order, with the same names and sizes. MG_OK, MG_ERR_PARSE (why says
 * where they differ) or MG_ERR_NOMEM.
 */
int zip_check_libarchive(const uint8_t *in, size_t len, const struct zip_dir *dir, char *why,
                         size_t whylen);

/* Load at start-up what zip reading would otherwise load inside a sandbox
 * (the time zone, a UTF-8 locale); also run by a constructor. */
void zip_global_init(void);

/* Whether a DOS date/time pair is a real date (valid fields). */
bool zip_dos_time_valid(uint16_t dos_time, uint16_t dos_date);
/* A Unix time as a local DOS date/time, clamped to 1980-01-01..2107. */
void zip_dos_time_from_unix(int64_t t, uint16_t *dos_time, uint16_t *dos_date);

struct zip_writer {
    struct buf *out; /* its cap bounds the zip */
    struct buf cd;   /* central directory records, appended at the end */
    size_t n;
    int level; /* zlib deflate level */
};

void zip_writer_init(struct zip_writer *w, struct buf *out, int level);
void zip_writer_free(struct zip_writer *w);
/* Append one member, deflated or stored; an invalid DOS time becomes 1980-01-01. */
int zip_writer_add(struct zip_writer *w, const char *name, const uint8_t *data, size_t len,
                   bool deflate, uint16_t dos_time, uint16_t dos_date);
/* Write the central directory and its end record. */
int zip_writer_finish(struct zip_writer *w);

#endif
