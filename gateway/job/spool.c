/*
 * spool - originals of mail messages on disk (see spool.h).
 *
 * Only names of the form <64 lower-case hex>.eml / .json are ever created
 * or removed, so a spool pointed at the wrong directory by mistake cannot
 * delete anything else.
 */
#include "spool.h"
#include "err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool spool_hex64(const char *s, size_t n)
{
    if (n != 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static int spool_dir(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return MG_ERR_IO;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return MG_ERR_IO;
    return MG_OK;
}

static int spool_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return MG_ERR_IO;
    int rc = fsync(fd) == 0 ? MG_OK : MG_ERR_IO;
    close(fd);
    return rc;
}

static int spool_copy(int dst, int src, uint64_t len)
{
    char b[65536];
    uint64_t off = 0;
    while (off < len) {
        size_t want = len - off < sizeof(b) ? (size_t)(len - off) : sizeof(b);
        ssize_t r = pread(src, b, want, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return MG_ERR_IO;
        for (ssize_t w = 0; w < r;) {
            ssize_t k = write(dst, b + w, (size_t)(r - w));
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                return MG_ERR_IO;
            w += k;
        }
        off += (uint64_t)r;
    }
    return MG_OK;
}

/* Write through a temp file and link it as final; replace when asked. */
static int spool_write(const char *dir, const char *final, int src_fd, const void *mem,
                       uint64_t len, bool replace)
{
    char tmp[4200];
    struct stat st;
    if (!replace && lstat(final, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == len) {
        /* Same hash, same bytes: already kept; the retention starts again. */
        return utimensat(AT_FDCWD, final, NULL, AT_SYMLINK_NOFOLLOW) == 0 ? MG_OK : MG_ERR_IO;
    }
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.spool-XXXXXX", dir) >= sizeof(tmp))
        return MG_ERR_USAGE;
    int fd = mkstemp(tmp);
    if (fd < 0)
        return MG_ERR_IO;
    int rc = fchmod(fd, 0600) == 0 ? MG_OK : MG_ERR_IO;
    if (rc == MG_OK) {
        if (mem) {
            const char *p = mem;
            for (uint64_t w = 0; w < len && rc == MG_OK;) {
                ssize_t k = write(fd, p + w, (size_t)(len - w));
                if (k < 0 && errno == EINTR)
                    continue;
                if (k <= 0)
                    rc = MG_ERR_IO;
                else
                    w += (uint64_t)k;
            }
        } else {
            rc = spool_copy(fd, src_fd, len);
        }
    }
    if (rc == MG_OK && fsync(fd) != 0)
        rc = MG_ERR_IO;
    close(fd);
    if (rc == MG_OK) {
        if (replace) {
            if (rename(tmp, final) != 0)
                rc = MG_ERR_IO;
        } else if (link(tmp, final) != 0 && errno != EEXIST) {
            rc = MG_ERR_IO;
        }
    }
    unlink(tmp);
    if (rc == MG_OK)
        rc = spool_fsync_dir(dir);
    return rc;
}

int spool_keep(const char *dir, int fd, uint64_t len, const char *sha256, char *path, size_t cap)
{
    if (!spool_hex64(sha256, strlen(sha256)))
        return MG_ERR_INTERNAL;
    int rc = spool_dir(dir);
    if (rc != MG_OK)
        return rc;
    if ((size_t)snprintf(path, cap, "%s/%s.eml", dir, sha256) >= cap)
        return MG_ERR_USAGE;
    return spool_write(dir, path, fd, NULL, len, false);
}

int spool_note(const char *dir, const char *sha256, const char *json, size_t len)
{
    char path[4200];
    if (!spool_hex64(sha256, strlen(sha256)))
        return MG_ERR_INTERNAL;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s.json", dir, sha256) >= sizeof(path))
        return MG_ERR_USAGE;
    return spool_write(dir, path, -1, json, len, true);
}

/*
 * Whether the last sweep is recent enough to skip this one. Every message
 * calls spool_expire(), and a sweep stats every file: with a month of mail
 * kept that is tens of thousands of stats per message. The stamp is a file
 * whose name no sweep matches; its mtime is the last sweep's time (one in
 * the future, a clock set back, does not count as recent).
 */
static bool spool_swept_recently(const char *dir)
{
    char stamp[4200];
    struct stat st;
    if ((size_t)snprintf(stamp, sizeof(stamp), "%s/%s", dir, SPOOL_STAMP) >= sizeof(stamp))
        return false;
    time_t now = time(NULL);
    if (lstat(stamp, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime <= now &&
        now - st.st_mtime < SPOOL_SWEEP_SECONDS)
        return true;
    int fd = open(stamp, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
        (void)futimens(fd, NULL);
        close(fd);
    }
    return false;
}

int spool_expire(const char *dir, unsigned days, unsigned *removed)
{
    *removed = 0;
    if (spool_swept_recently(dir))
        return MG_OK;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? MG_OK : MG_ERR_IO;
    time_t cutoff = time(NULL) - (time_t)days * 86400;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        bool eml = n == 68 && strcmp(e->d_name + 64, ".eml") == 0;
        bool json = n == 69 && strcmp(e->d_name + 64, ".json") == 0;
        if ((!eml && !json) || !spool_hex64(e->d_name, 64))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (st.st_mtime >= cutoff)
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0 && eml)
            (*removed)++;
    }
    closedir(d);
    return MG_OK;
}
