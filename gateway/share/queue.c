/*
 * queue - mugai-share's spool (see queue.h).
 */
#include "queue.h"
#include "err.h"
#include "fdio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int is_intake(const char *s)
{
    if (strlen(s) != QUEUE_INTAKE_LEN)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

/* Remove an entry's files, "file" first, and the entry (no subfolders
 * are ever made). */
static int remove_entry(int spoolfd, const char *name)
{
    int efd = openat(spoolfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (efd < 0)
        return errno == ENOENT ? MG_OK : MG_ERR_IO;
    if (unlinkat(efd, "file", 0) != 0 && errno != ENOENT) {
        close(efd);
        return MG_ERR_IO;
    }
    DIR *d = fdopendir(efd);
    if (!d) {
        close(efd);
        return MG_ERR_IO;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
    if (unlinkat(spoolfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        return MG_ERR_IO;
    return MG_OK;
}

int queue_open(struct queue *q, const char *path, char *err, size_t cap)
{
    q->fd = q->lock_fd = -1;
    snprintf(q->path, sizeof(q->path), "%s", path);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return MG_ERR_IO;
    }
    q->fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (q->fd < 0 || fstat(q->fd, &st) != 0) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        queue_close(q);
        return MG_ERR_IO;
    }
    if (st.st_uid != geteuid() || (st.st_mode & 077)) {
        snprintf(err, cap, "%s: must be ours and private (mode 0700)", path);
        queue_close(q);
        return MG_ERR_USAGE;
    }
    q->lock_fd = openat(q->fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (q->lock_fd < 0 || flock(q->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, cap, "%s: %s", path,
                 errno == EWOULDBLOCK ? "another mugai-share is using this spool"
                                      : strerror(errno));
        queue_close(q);
        return MG_ERR_USAGE;
    }
    /* Intakes that did not happen; removals a crash interrupted. */
    DIR *d = fdopendir(dup(q->fd));
    if (!d) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        queue_close(q);
        return MG_ERR_IO;
    }
    rewinddir(d); /* a dup shares the position with q->fd: start from the top */
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (is_intake(e->d_name)) {
            struct stat fs;
            int efd = openat(q->fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            int has_file = efd >= 0 && fstatat(efd, "file", &fs, AT_SYMLINK_NOFOLLOW) == 0;
            if (efd >= 0)
                close(efd);
            if (efd >= 0 && !has_file)
                remove_entry(q->fd, e->d_name);
        }
    }
    closedir(d);
    return MG_OK;
}

void queue_close(struct queue *q)
{
    if (q->lock_fd >= 0)
        close(q->lock_fd);
    if (q->fd >= 0)
        close(q->fd);
    q->fd = q->lock_fd = -1;
}

int queue_put(int efd, const char *name, const void *p, size_t len)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%.40s.tmp", name);
    int fd = openat(efd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return MG_ERR_IO;
    int rc = fdio_write_all(fd, p, len);
    if (rc == MG_OK && fsync(fd) != 0)
        rc = MG_ERR_IO;
    close(fd);
    if (rc == MG_OK && renameat(efd, tmp, efd, name) != 0)
        rc = MG_ERR_IO;
    if (rc == MG_OK && fsync(efd) != 0)
        rc = MG_ERR_IO;
    if (rc != MG_OK)
        unlinkat(efd, tmp, 0);
    return rc;
}

int queue_get(int efd, const char *name, char *dst, size_t cap)
{
    int fd = openat(efd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? MG_ERR_USAGE : MG_ERR_IO;
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, dst + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    dst[n] = 0;
    return MG_OK;
}

/* A new entry with its meta (not synced yet: queue_take syncs the batch). */
static int new_entry(struct queue *q, struct queue_take *t)
{
    struct timespec ts;
    uint32_t r = 0;
    char meta[REQUEST_USER_MAX + REQUEST_PATH_MAX + 8];
    clock_gettime(CLOCK_REALTIME, &ts);
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = (uint32_t)getpid();
    snprintf(t->intake, sizeof(t->intake), "%016llx%08x",
             (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec,
             (unsigned)r);
    if (mkdirat(q->fd, t->intake, 0700) != 0)
        return MG_ERR_IO;
    int efd = openat(q->fd, t->intake, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int fd = efd < 0 ? -1
                     : openat(efd, "meta", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                              0600);
    int n = snprintf(meta, sizeof(meta), "%s\n%s\n", t->user, t->path);
    int rc = fd >= 0 && fdio_write_all(fd, meta, (size_t)n) == MG_OK ? MG_OK : MG_ERR_IO;
    if (fd >= 0)
        close(fd);
    if (efd >= 0)
        close(efd);
    if (rc != MG_OK)
        remove_entry(q->fd, t->intake);
    return rc;
}

size_t queue_take(struct queue *q, struct queue_take *t, size_t n)
{
    size_t taken = 0;
    int made[QUEUE_TAKE_MAX] = {0};
    if (n > QUEUE_TAKE_MAX)
        n = QUEUE_TAKE_MAX;
    for (size_t i = 0; i < n; i++) {
        t[i].taken = 0;
        if (!(made[i] = new_entry(q, &t[i]) == MG_OK))
            fprintf(stderr, "mugai-share: cannot make a spool entry for %s/%s: %s\n", t[i].user,
                    t[i].path, strerror(errno));
    }
    /* Every meta is on disk before any file moves: an entry never holds a
     * file without saying whose it is. */
    if (syncfs(q->fd) != 0) {
        fprintf(stderr, "mugai-share: cannot sync the spool: %s\n", strerror(errno));
        for (size_t i = 0; i < n; i++)
            if (made[i])
                remove_entry(q->fd, t[i].intake);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!made[i])
            continue;
        int efd = openat(q->fd, t[i].intake, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (efd >= 0 && renameat(t[i].parentfd, t[i].name, efd, "file") == 0) {
            t[i].taken = 1;
            taken++;
        } else {
            int e = errno;
            fprintf(stderr, "mugai-share: cannot move %s/%s into the spool: %s\n", t[i].user,
                    t[i].path,
                    e == EXDEV ? "the spool must be on the inbound share's file system"
                               : strerror(e));
            remove_entry(q->fd, t[i].intake);
        }
        if (efd >= 0)
            close(efd);
    }
    /* The moves are durable on both sides: the entries have the files,
     * the share no longer (a failure is logged: the files are in the
     * spool either way, and the next sync carries the moves). */
    if (taken && syncfs(q->fd) != 0)
        fprintf(stderr, "mugai-share: warning: cannot sync the spool: %s\n", strerror(errno));
    return taken;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int queue_list(struct queue *q, char ***names, size_t *n)
{
    size_t cap = 0;
    *names = NULL;
    *n = 0;
    DIR *d = fdopendir(dup(q->fd));
    if (!d)
        return MG_ERR_IO;
    rewinddir(d);
    struct dirent *e;
    int rc = MG_OK;
    while (rc == MG_OK && (e = readdir(d)) != NULL) {
        if (!is_intake(e->d_name))
            continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            char **p = realloc(*names, nc * sizeof(char *));
            if (!p) {
                rc = MG_ERR_NOMEM;
                break;
            }
            *names = p;
            cap = nc;
        }
        if (!((*names)[*n] = strdup(e->d_name)))
            rc = MG_ERR_NOMEM;
        else
            (*n)++;
    }
    closedir(d);
    if (rc != MG_OK) {
        queue_list_free(*names, *n);
        *names = NULL;
        *n = 0;
        return rc;
    }
    if (*n)
        qsort(*names, *n, sizeof(char *), cmp_names);
    return MG_OK;
}

void queue_list_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int queue_meta(struct queue *q, const char *intake, struct share_ref *ref)
{
    char text[REQUEST_USER_MAX + REQUEST_PATH_MAX + 8];
    memset(ref, 0, sizeof(*ref));
    int efd = openat(q->fd, intake, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (efd < 0)
        return MG_ERR_IO;
    int rc = queue_get(efd, "meta", text, sizeof(text));
    close(efd);
    if (rc != MG_OK)
        return rc;
    char *nl = strchr(text, '\n'), *end = nl ? strchr(nl + 1, '\n') : NULL;
    if (!nl || !end)
        return MG_ERR_PARSE;
    *nl = *end = 0;
    if (!request_share_user_ok(text) || !request_share_path_ok(nl + 1))
        return MG_ERR_PARSE;
    /* Both were checked for length (request_share_*_ok). */
    memcpy(ref->user, text, strlen(text) + 1);
    memcpy(ref->path, nl + 1, strlen(nl + 1) + 1);
    snprintf(ref->intake, sizeof(ref->intake), "%.*s", QUEUE_INTAKE_LEN, intake);
    return MG_OK;
}

int queue_finish(struct queue *q, const char *intake)
{
    return remove_entry(q->fd, intake);
}
