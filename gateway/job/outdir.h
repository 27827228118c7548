/*
 * outdir - put released files and quarantined originals on disk safely.
 *
 * Each root (the output directory, the quarantine) is opened once
 * (outdir_open: O_DIRECTORY | O_NOFOLLOW, then owner and mode checked) and
 * every later step is relative to that descriptor (openat, mkdirat,
 * linkat), so a directory renamed or swapped for a symlink meanwhile
 * cannot redirect a write.
 *
 * Released files are written to a temporary file in the destination and
 * linked into place under their final name with linkat(), which fails
 * instead of replacing: an existing file is never overwritten; "name
 * (1).ext", "name (2).ext", ... are tried instead, up to OUTDIR_MAX_VARIANTS.
 * A reader never sees a half-written file.
 *
 * Quarantine keeps the untouched original and its report:
 *   QDIR/SHA256/original      the input, byte for byte (mode 0600)
 *   QDIR/SHA256/name          the name it arrived under
 *   QDIR/SHA256/report-N.json one per time it was blocked
 * An existing original is trusted only if it is a regular file owned by us
 * whose content has the right SHA-256; anything else there is replaced.
 */
#ifndef MUGAI_OUTDIR_H
#define MUGAI_OUTDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OUTDIR_MAX_VARIANTS 1000

struct outdir {
    int fd;
    char path[4096];
};

/*
 * Open the root at path, creating it (one level) when missing. It must be
 * a directory, not a symlink, owned by the effective user; a private root
 * (quarantine) must give no access to group or others, a public one
 * (output) must not be writable by others. MG_OK, or an error with the
 * reason in err.
 */
int outdir_open(struct outdir *od, const char *path, int private_root, char *err, size_t errcap);
void outdir_close(struct outdir *od);

/*
 * The name a released file gets (names_release_name): it ends in an
 * extension of the output's type, kept, replaced (report.docm ->
 * report.docx) or appended (meeting.rdp -> meeting.rdp.txt).
 */
void outdir_name(const char *in_name, const char *out_type, char *dst, size_t cap);

/* Copy len bytes of src_fd (from offset 0) into the root under name, or a
 * free variant; the path used goes into final_path. MG_ERR_IO with errno
 * EEXIST when every variant is taken. */
int outdir_release(const struct outdir *od, const char *name, int src_fd, uint64_t len,
                   char *final_path, size_t cap);

/*
 * Put a finished file in place (the outputs, the quarantine, the share's
 * outbound folders): fd, open on the new temporary file tmp in dirfd, is
 * given mode (unless 0), filled with len bytes of mem or, mem NULL, of
 * src_fd (from offset 0) and made durable (fsync); then it becomes final,
 * linked (never over an existing final: *existed is set and nothing
 * changes, MG_OK) or, replace, renamed over it. tmp is gone afterwards,
 * whatever happened; fd stays open and dirfd is not synced. existed may
 * be NULL with replace. MG_OK, or MG_ERR_IO with errno from the step that
 * failed.
 */
int outdir_place(int dirfd, int fd, const char *tmp, const char *final, int src_fd, const void *mem,
                 uint64_t len, mode_t mode, bool replace, int *existed);

/* Keep the original (len bytes of in_fd, from offset 0) and report_json. */
int outdir_quarantine(const struct outdir *qd, const char *sha256, const char *name, int in_fd,
                      uint64_t len, const char *report_json, size_t report_len, char *path,
                      size_t cap);

#endif
