/*
 * outdir - put released files and quarantined originals on disk safely.
 *
 * Released files are written to a temporary file in the destination
 * directory and then linked into place under their final name with link(),
 * which fails instead of replacing: an existing file is never overwritten;
 * "name (1).ext", "name (2).ext", ... are tried instead. A reader never sees
 * a half-written file.
 *
 * Quarantine keeps the untouched original and its report:
 *   QDIR/SHA256/original      the input, byte for byte (mode 0600)
 *   QDIR/SHA256/name          the name it arrived under
 *   QDIR/SHA256/report-N.json one per time it was blocked
 */
#ifndef MUGAI_OUTDIR_H
#define MUGAI_OUTDIR_H

#include <stddef.h>
#include <stdint.h>

/*
 * The name a released file gets: the input's base name, with the extension
 * replaced by new_ext only when the name claims a different type than the
 * output's (a .docm that comes out as docx becomes .docx).
 */
void outdir_name(const char *in_name, const char *out_type, const char *new_ext, char *dst,
                 size_t cap);

/* Copy len bytes of src_fd into DIR under name (or a free variant); the
 * path used goes into final_path. */
int outdir_release(const char *dir, const char *name, int src_fd, uint64_t len, char *final_path,
                   size_t cap);

/* Keep the original (in_fd) and report_json in the quarantine directory. */
int outdir_quarantine(const char *qdir, const char *sha256, const char *name, int in_fd,
                      const char *report_json, size_t report_len, char *path, size_t cap);

#endif
