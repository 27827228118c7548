/*
 * outdir - atomic, non-overwriting output and quarantine (see outdir.h).
 */
#include "outdir.h"
#include "err.h"
#include "ftype.h"
#include "ident.h"
#include "names.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUTDIR_MAX_VARIANTS 1000

/* Length of base without a compressor suffix (.gz .bz2 .xz .zst), when the
 * output is not that compressor: "note.txt.gz" came out as a text file. */
static size_t outdir_strip_compressor(const char *base, enum ftype out)
{
    static const struct {
        const char *suffix;
        enum ftype type;
    } comp[] = {{".gz", FT_GZIP}, {".bz2", FT_BZIP2}, {".xz", FT_XZ}, {".zst", FT_ZSTD}};
    size_t n = strlen(base);
    for (size_t i = 0; i < sizeof(comp) / sizeof(comp[0]); i++) {
        size_t sl = strlen(comp[i].suffix);
        if (out != comp[i].type && n > sl + 1 && strcasecmp(base + n - sl, comp[i].suffix) == 0)
            return n - sl;
    }
    return n;
}

void outdir_name(const char *in_name, const char *out_type, const char *new_ext, char *dst,
                 size_t cap)
{
    char stripped[1024];
    const char *full = names_basename(in_name);
    snprintf(stripped, sizeof(stripped), "%.*s",
             (int)outdir_strip_compressor(full, ftype_by_name(out_type)), full);
    const char *base = stripped;
    const char *dot = strrchr(base, '.');
    enum ftype claimed = ident_ext_type(base);
    enum ftype out = ftype_by_name(out_type);
    int same = claimed == out ||
               ((claimed == FT_TEXT || claimed == FT_CSV) && (out == FT_TEXT || out == FT_CSV));
    if (claimed == FT_UNKNOWN || same || !dot || dot == base) {
        snprintf(dst, cap, "%s", base);
        return;
    }
    snprintf(dst, cap, "%.*s.%s", (int)(dot - base), base, new_ext);
}

static int outdir_copy(int dst, int src, uint64_t len)
{
    off_t off = 0;
    while ((uint64_t)off < len) {
        ssize_t n = sendfile(dst, src, &off, (size_t)(len - (uint64_t)off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return MG_ERR_IO;
    }
    return fsync(dst) == 0 ? MG_OK : MG_ERR_IO;
}

/* "a.txt" -> "a (3).txt" */
static void outdir_variant(const char *name, unsigned i, char *dst, size_t cap)
{
    const char *dot = strrchr(name, '.');
    if (i == 0)
        snprintf(dst, cap, "%s", name);
    else if (!dot || dot == name)
        snprintf(dst, cap, "%s (%u)", name, i);
    else
        snprintf(dst, cap, "%.*s (%u)%s", (int)(dot - name), name, i, dot);
}

int outdir_release(const char *dir, const char *name, int src_fd, uint64_t len, char *final_path,
                   size_t cap)
{
    char tmp[4096];
    int fd = -1, rc = MG_ERR_IO;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.mugai-tmp-XXXXXX", dir) >= sizeof(tmp))
        return MG_ERR_USAGE;
    fd = mkstemp(tmp);
    if (fd < 0)
        return MG_ERR_IO;
    if (fchmod(fd, 0644) != 0 || outdir_copy(fd, src_fd, len) != MG_OK)
        goto out;
    for (unsigned i = 0; i < OUTDIR_MAX_VARIANTS; i++) {
        char v[1024];
        outdir_variant(name, i, v, sizeof(v));
        if ((size_t)snprintf(final_path, cap, "%s/%s", dir, v) >= cap) {
            rc = MG_ERR_USAGE;
            goto out;
        }
        if (link(tmp, final_path) == 0) {
            rc = MG_OK;
            goto out;
        }
        if (errno != EEXIST)
            goto out;
    }
out:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return rc;
}

/* Create path exclusively; *existed says it was already there (not an error
 * for the caller to decide). */
static int outdir_write_file(const char *path, const void *p, size_t n, int *existed)
{
    *existed = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_EXCL, 0600);
    if (fd < 0 && errno == EEXIST) {
        *existed = 1;
        return MG_OK;
    }
    if (fd < 0)
        return MG_ERR_IO;
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return MG_ERR_IO;
        }
        c += w;
        n -= (size_t)w;
    }
    int rc = fsync(fd) == 0 ? MG_OK : MG_ERR_IO;
    close(fd);
    return rc;
}

int outdir_quarantine(const char *qdir, const char *sha256, const char *name, int in_fd,
                      const char *report_json, size_t report_len, char *path, size_t cap)
{
    char p[4096], tmp[4200];
    struct stat st;
    int rc, fd = -1;

    if (strlen(sha256) != 64)
        return MG_ERR_INTERNAL;
    if (mkdir(qdir, 0700) != 0 && errno != EEXIST)
        return MG_ERR_IO;
    if ((size_t)snprintf(path, cap, "%s/%s", qdir, sha256) >= cap)
        return MG_ERR_USAGE;
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return MG_ERR_IO;

    /* The original: written under a temp name and linked, so a crash never
     * leaves a truncated "original". Same hash, same bytes: keep the first. */
    snprintf(p, sizeof(p), "%s/original", path);
    if (lstat(p, &st) != 0) {
        snprintf(tmp, sizeof(tmp), "%s/.original-XXXXXX", path);
        fd = mkstemp(tmp);
        if (fd < 0)
            return MG_ERR_IO;
        if (fstat(in_fd, &st) != 0) {
            rc = MG_ERR_IO;
            goto out;
        }
        rc = outdir_copy(fd, in_fd, (uint64_t)st.st_size);
        if (rc == MG_OK && link(tmp, p) != 0 && errno != EEXIST)
            rc = MG_ERR_IO;
        unlink(tmp);
        if (rc != MG_OK)
            goto out;
    }
    snprintf(p, sizeof(p), "%s/name", path);
    int existed;
    rc = outdir_write_file(p, name, strlen(name), &existed);
    if (rc != MG_OK)
        goto out;
    /* Several runners may block copies of the same file at once: O_EXCL
     * decides who gets which number, and a loser tries the next one. */
    rc = MG_ERR_IO;
    for (unsigned i = 1; i < 100000; i++) {
        snprintf(p, sizeof(p), "%s/report-%u.json", path, i);
        if (lstat(p, &st) == 0)
            continue;
        rc = outdir_write_file(p, report_json, report_len, &existed);
        if (rc != MG_OK || !existed)
            break;
    }
out:
    if (fd >= 0)
        close(fd);
    return rc;
}
