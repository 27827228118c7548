/*
 * outdir - atomic, non-overwriting output and quarantine (see outdir.h).
 */
#include "outdir.h"
#include "err.h"
#include "ftype.h"
#include "ident.h"
#include "fdio.h"
#include "ident.h"
#include "names.h"
#include "sealed.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

void outdir_name(const char *in_name, const char *out_type, char *dst, size_t cap)
{
    names_release_name(in_name, ftype_by_name(out_type), dst, cap);
}

int outdir_open(struct outdir *od, const char *path, int private_root, char *err, size_t errcap)
{
    struct stat st;
    od->fd = -1;
    snprintf(od->path, sizeof(od->path), "%s", path);
    if (strlen(path) >= sizeof(od->path)) {
        snprintf(err, errcap, "%s: path too long", path);
        return MG_ERR_USAGE;
    }
    if (mkdir(path, private_root ? 0700 : 0755) != 0 && errno != EEXIST) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return MG_ERR_IO;
    }
    od->fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (od->fd < 0) {
        snprintf(err, errcap, "%s: %s", path,
                 errno == ELOOP || errno == ENOTDIR ? "not a directory (symbolic links are not "
                                                      "followed)"
                                                    : strerror(errno));
        return MG_ERR_IO;
    }
    const char *bad = NULL;
    if (fstat(od->fd, &st) != 0)
        bad = strerror(errno);
    else if (st.st_uid != geteuid())
        bad = "owned by another user";
    else if (private_root && (st.st_mode & 077))
        bad = "open to group or others (must be mode 0700)";
    else if (!private_root && (st.st_mode & S_IWOTH))
        bad = "writable by others";
    if (bad) {
        snprintf(err, errcap, "%s: %s", path, bad);
        outdir_close(od);
        return MG_ERR_USAGE;
    }
    return MG_OK;
}

void outdir_close(struct outdir *od)
{
    if (od->fd >= 0)
        close(od->fd);
    od->fd = -1;
}

/* fd given mode (unless 0), filled with mem or src, made durable before it is put in place. */
static int outdir_fill(int fd, int src, const void *mem, uint64_t len, mode_t mode)
{
    int rc = mode && fchmod(fd, mode) != 0 ? MG_ERR_IO : MG_OK;
    if (rc == MG_OK)
        rc = mem ? fdio_write_all(fd, mem, (size_t)len) : fdio_copy(fd, src, len);
    return rc == MG_OK && fsync(fd) != 0 ? MG_ERR_IO : rc;
}

int outdir_place(int dirfd, int fd, const char *tmp, const char *final, int src_fd, const void *mem,
                 uint64_t len, mode_t mode, bool replace, int *existed)
{
    int rc = outdir_fill(fd, src_fd, mem, len, mode);
    if (existed)
        *existed = 0;
    if (rc == MG_OK && replace) {
        if (renameat(dirfd, tmp, dirfd, final) == 0)
            return MG_OK;
        rc = MG_ERR_IO;
    } else if (rc == MG_OK && linkat(dirfd, tmp, dirfd, final, 0) != 0) {
        if (errno != EEXIST)
            rc = MG_ERR_IO;
        else if (existed)
            *existed = 1;
    }
    int e = errno;
    unlinkat(dirfd, tmp, 0);
    errno = e;
    return rc;
}

/* "a.txt" -> "a (3).txt", the stem shortened (at a character boundary)
 * when the name would pass the 255 bytes a file system allows. */
static void outdir_variant(const char *name, unsigned i, char *dst, size_t cap)
{
    char tag[24] = "";
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        dot = name + strlen(name);
    if (i)
        snprintf(tag, sizeof(tag), " (%u)", i);
    size_t stem = (size_t)(dot - name), tail = strlen(tag) + strlen(dot);
    if (stem + tail > 255)
        stem = tail < 255 ? 255 - tail : 0;
    while (stem > 0 && ((unsigned char)name[stem] & 0xC0) == 0x80)
        stem--;
    snprintf(dst, cap, "%.*s%s%s", (int)stem, name, tag, dot);
}

/* A new temp file in dirfd with a random name no one can predict. */
static int outdir_temp(int dirfd, const char *prefix, char *name, size_t cap)
{
    for (int tries = 0; tries < 16; tries++) {
        uint64_t r = 0;
        if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
            return -1;
        snprintf(name, cap, "%s%016llx", prefix, (unsigned long long)r);
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

int outdir_release(const struct outdir *od, const char *name, int src_fd, uint64_t len,
                   char *final_path, size_t cap)
{
    char tmp[64], v[1024];
    int rc = MG_ERR_IO;
    int fd = outdir_temp(od->fd, ".mugai-tmp-", tmp, sizeof(tmp));
    if (fd < 0)
        return MG_ERR_IO;
    if (outdir_fill(fd, src_fd, NULL, len, 0644) != MG_OK)
        goto out;
    for (unsigned i = 0; i < OUTDIR_MAX_VARIANTS; i++) {
        outdir_variant(name, i, v, sizeof(v));
        if ((size_t)snprintf(final_path, cap, "%s/%s", od->path, v) >= cap) {
            rc = MG_ERR_USAGE;
            goto out;
        }
        if (linkat(od->fd, tmp, od->fd, v, 0) == 0) {
            rc = MG_OK;
            goto out;
        }
        if (errno != EEXIST)
            goto out;
    }
out:
    close(fd);
    int e = errno;
    unlinkat(od->fd, tmp, 0);
    if (rc == MG_OK && fsync(od->fd) != 0)
        rc = MG_ERR_IO;
    errno = e;
    return rc;
}

/* Is the entry name in dirfd a regular file of ours holding len bytes with
 * this SHA-256? */
static int outdir_is_original(int dirfd, const char *name, const char *sha256, uint64_t len)
{
    struct stat st;
    char hex[65];
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
             (uint64_t)st.st_size == len;
    if (ok) {
        sealed_sha256(fd, len, hex);
        ok = strcmp(hex, sha256) == 0;
    }
    close(fd);
    return ok;
}

/* Write len bytes of src (or mem) as dirfd/final, through a temp file and
 * linkat: a crash never leaves a half-written final. *existed: final was
 * already there (nothing written). */
static int outdir_put(int dirfd, const char *final, int src, const void *mem, uint64_t len,
                      int *existed)
{
    char tmp[64];
    *existed = 0;
    int fd = outdir_temp(dirfd, ".tmp-", tmp, sizeof(tmp));
    if (fd < 0)
        return MG_ERR_IO;
    int rc = outdir_place(dirfd, fd, tmp, final, src, mem, len, 0, false, existed);
    close(fd);
    return rc;
}

/* The original in the entry directory: kept if it is really ours and
 * right, replaced if anything else sits under its name. */
static int outdir_keep_original(int sfd, const char *sha256, int in_fd, uint64_t len)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        int existed;
        if (outdir_is_original(sfd, "original", sha256, len))
            return MG_OK;
        if (unlinkat(sfd, "original", 0) != 0 && errno != ENOENT)
            return MG_ERR_IO; /* e.g. a directory planted under the name */
        if (outdir_put(sfd, "original", in_fd, NULL, len, &existed) != MG_OK)
            return MG_ERR_IO;
        /* existed: a concurrent runner linked it first; check that one. */
    }
    return outdir_is_original(sfd, "original", sha256, len) ? MG_OK : MG_ERR_IO;
}

/* The entry directory QDIR/SHA256, ours and private, opened. */
static int outdir_entry(const struct outdir *qd, const char *sha256)
{
    struct stat st;
    if (mkdirat(qd->fd, sha256, 0700) != 0 && errno != EEXIST)
        return -1;
    int sfd = openat(qd->fd, sha256, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sfd < 0)
        return -1;
    if (fstat(sfd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 077)) {
        close(sfd);
        errno = EPERM;
        return -1;
    }
    return sfd;
}

int outdir_quarantine(const struct outdir *qd, const char *sha256, const char *name, int in_fd,
                      uint64_t len, const char *report_json, size_t report_len, char *path,
                      size_t cap)
{
    char p[64];
    int rc = MG_ERR_IO, existed;

    if (strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64)
        return MG_ERR_INTERNAL;
    if ((size_t)snprintf(path, cap, "%s/%s", qd->path, sha256) >= cap)
        return MG_ERR_USAGE;
    int sfd = outdir_entry(qd, sha256);
    if (sfd < 0)
        return MG_ERR_IO;
    if ((rc = outdir_keep_original(sfd, sha256, in_fd, len)) != MG_OK)
        goto out;
    /* The name is a note for people; the first one written stays. */
    if ((rc = outdir_put(sfd, "name", -1, name, strlen(name), &existed)) != MG_OK)
        goto out;
    /* Several runners may block copies of the same file at once: linkat
     * decides who gets which number, and a loser tries the next one. */
    rc = MG_ERR_IO;
    for (unsigned i = 1; i < 100000; i++) {
        snprintf(p, sizeof(p), "report-%u.json", i);
        if (faccessat(sfd, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
            continue;
        rc = outdir_put(sfd, p, -1, report_json, report_len, &existed);
        if (rc != MG_OK || !existed)
            break;
    }
    if (rc == MG_OK && (fsync(sfd) != 0 || fsync(qd->fd) != 0))
        rc = MG_ERR_IO;
out:
    close(sfd);
    return rc;
}
