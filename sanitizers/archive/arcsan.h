/*
 * arcsan - archives and single-file compressors: unpack with libarchive
 * while streaming under the policy's bomb limits, send every member
 * through dispatch (depth + 1), repack what was released as one zip with
 * UTF-8 names; a compressed single file comes out as its sanitized content.
 *
 * Input types: zip, 7z, tar (all variants), cpio, lzh, rar/rar5, cab, and
 * gzip, bzip2, xz, zstd (a tar or cpio inside becomes a zip; any other
 * payload comes out as itself, sanitized, with ctx->out_type set to its type).
 *
 * What is refused, and how:
 *   - the whole archive is blocked ("limit") when a bomb limit is reached:
 *     members over the job (max_members), bytes expanded over the job
 *     (max_expanded), expansion ratio (max_ratio, judged once a member or
 *     stream has produced more than 1 MiB), nesting depth (max_depth);
 *   - a zip is blocked ("parse-error") when its structure can be read two
 *     ways: overlapping entries, gaps, data before the first entry or after
 *     the end record (concatenated or prepended archives), local headers
 *     that disagree with the central directory;
 *   - encrypted archives are blocked ("encrypted") unless passwords were
 *     given; a zip (ZipCrypto or WinZip AES) is then decrypted with them and
 *     a wrong password is reported as such;
 *   - a member is dropped, listed in the report and in MUGAI-NOTICE.txt
 *     (Japanese and English) at the root of the output zip when it is a
 *     symlink, hardlink or special file, has a path that leaves the archive
 *     ("..", absolute, drive letter), a name that is neither UTF-8 nor CP932,
 *     or when dispatch blocks it (executable, unknown type, ...).
 * Member names: valid UTF-8 is taken as is; otherwise, unless a zip entry
 * carries the UTF-8 flag, valid CP932 is decoded (Japanese Windows zips).
 *
 * Sandbox: no file is opened. libarchive reads and writes memory; its name
 * conversions run under a C.UTF-8 LC_CTYPE (uselocale, per thread) created
 * at start-up, so UTF-8 and UTF-16 names need no iconv; CP932 is decoded
 * with our own table. If the locale is missing, zip names still work (they
 * come from our own central-directory parse); other formats' non-ASCII
 * Unicode names are then refused as bad names.
 */
#ifndef MUGAI_ARCSAN_H
#define MUGAI_ARCSAN_H

#include "san.h"

/* Name of the notice member listing what was removed. */
#define ARCSAN_NOTICE_NAME "MUGAI-NOTICE.txt"

/*
 * Prepare what must not be done inside the sandbox (the C.UTF-8 locale
 * object, the time-zone state libarchive's DOS-time conversion needs).
 * Runs automatically at program start; calling it again does nothing.
 */
void arcsan_init(void);

int arcsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node);

/*
 * MG_OK only for a zip as arcsan writes them: consistent structure (the
 * same checks as on input), every entry stored or deflated, not encrypted,
 * with the UTF-8 flag, a valid UTF-8 relative path without "..", no
 * symlinks or special files, no duplicate names, and every member's data
 * readable with the right size and CRC.
 */
int arcsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

/* The family's descriptor (san.h). */
extern const struct san_family san_family_archive;

#endif
