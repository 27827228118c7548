/*
 * sharedir - the outbound side of the inbound share, written by two
 * processes: mugai-share (sanitized files, notices for held ones) and
 * mugaid's store process (a released original, or a PPAP file opened and
 * sanitized). Both go through here, so a file appears the same way
 * whoever puts it there:
 *
 *   OUTBOUND/USER           made by the administrator (mugai-share
 *                           --add-user), owned by USER, group the service
 *                           group, mode 2770; never made here
 *   OUTBOUND/USER/a/b/      made when missing, mode 2775 (USER is not in
 *                           the group: the folder above keeps others out)
 *   .../name                written as .mugai-tmp-TAG in the same folder,
 *                           fsynced, mode 0644, renamed over name, the
 *                           folder fsynced: a reader sees the whole file or
 *                           nothing, and writing the same TAG again after a
 *                           crash starts that temporary file over
 *   .../name.mugai-notice.txt  a held file's notice, in Japanese and
 *                           English (UTF-8 with BOM, CRLF: Notepad reads it)
 *
 * Every step is relative to a descriptor opened with O_NOFOLLOW: a
 * symlink planted anywhere under OUTBOUND/USER is refused, not followed.
 */
#ifndef MUGAI_SHAREDIR_H
#define MUGAI_SHAREDIR_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

#define SHAREDIR_NOTICE_SUFFIX ".mugai-notice.txt"
#define SHAREDIR_TMP_PREFIX    ".mugai-tmp-"

/*
 * Open ROOT/USER (it must exist and be a directory) and below it every
 * folder of rel but its last component, made when missing. *dirfd is the
 * last folder; *base points at rel's last component. rel must pass
 * request_share_path_ok. MG_OK, or an error with the reason in err.
 */
int sharedir_open_parent(const char *root, const char *user, const char *rel, int *dirfd,
                         const char **base, char *err, size_t cap);

/* Put len bytes (of src_fd, read with pread from 0, or of mem) as name in
 * dirfd, atomically (see above); tag names the temporary file. */
int sharedir_place(int dirfd, const char *name, const char *tag, int src_fd, const void *mem,
                   uint64_t len, char *err, size_t cap);

/* The notice for name, held as quarantine item id for reason_code
 * (detail: the engine's words); contact: who to ask ("" for none). */
int sharedir_notice(const char *name, const char *reason_code, const char *detail, int64_t id,
                    const char *contact, struct buf *out);

/* Remove name's notice in dirfd if it is the notice of item id (the item
 * was released: the notice is no longer true). */
void sharedir_drop_notice(int dirfd, const char *name, int64_t id);

#endif
