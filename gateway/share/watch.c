/*
 * watch - the inbound tree (see watch.h).
 */
#include "watch.h"
#include "err.h"
#include "request.h"
#include "sharedir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define WATCH_DEPTH_MAX  32
#define WATCH_BUCKETS    4096
#define WATCH_WARNED_MAX 256
#define WATCH_PATTERNS   64
#define WATCH_BUSY_MS    2000 /* a file still open for writing is looked at again after */

#define DIR_EVENTS                                                                                 \
    (IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |            \
     IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)

struct wdir {
    int used;
    char user[REQUEST_USER_MAX]; /* "" for the inbound root itself */
    char *rel;                   /* under INBOUND/USER; "" for USER's folder */
    int fd, wd;
    dev_t dev;
    ino_t ino;
    unsigned gen;
};

struct cand {
    struct cand *next;
    size_t dir;
    char *name;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
    int64_t since;      /* when it last changed (monotonic ms) */
    int64_t not_before; /* busy: not before this */
    int open_seen;      /* inotify saw a write and no close yet */
    unsigned gen;
};

struct watch {
    const struct config *cfg;
    int ifd;
    struct wdir *dirs;
    size_t n_dirs, cap_dirs;
    struct cand *bucket[WATCH_BUCKETS];
    size_t n_cands;
    unsigned gen;
    int64_t next_rescan;
    size_t next_bucket; /* where the next tick starts */
    int rescan_asked;
    int lease; /* 1 leases work, 0 they do not (no CAP_LEASE), -1 not known yet */
    char *patterns[WATCH_PATTERNS];
    size_t n_patterns;
    char *warned[WATCH_WARNED_MAX];
    size_t n_warned;
    char ignore_text[1024];
};

/* A warning for something that stays wrong until someone fixes it: once. */
static void warn_once(struct watch *w, const char *key, const char *fmt, const char *a,
                      const char *b)
{
    for (size_t i = 0; i < w->n_warned; i++)
        if (strcmp(w->warned[i], key) == 0)
            return;
    if (w->n_warned < WATCH_WARNED_MAX)
        w->warned[w->n_warned++] = strdup(key);
    char msg[1024];
    snprintf(msg, sizeof(msg), fmt, a, b);
    fprintf(stderr, "mugai-share: warning: %s\n", msg);
    syslog(LOG_WARNING, "%s", msg);
}

static int ignored(const struct watch *w, const char *name)
{
    for (size_t i = 0; i < w->n_patterns; i++)
        if (fnmatch(w->patterns[i], name, 0) == 0)
            return 1;
    return 0;
}

int watch_open(struct watch **out, const struct config *cfg, char *err, size_t cap)
{
    struct watch *w = calloc(1, sizeof(*w));
    *out = NULL;
    if (!w)
        return MG_ERR_NOMEM;
    w->cfg = cfg;
    w->lease = -1;
    snprintf(w->ignore_text, sizeof(w->ignore_text), "%s", cfg->share_ignore);
    for (char *save = NULL, *p = strtok_r(w->ignore_text, " \t,", &save);
         p && w->n_patterns < WATCH_PATTERNS; p = strtok_r(NULL, " \t,", &save))
        w->patterns[w->n_patterns++] = p;
    w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->ifd < 0) {
        snprintf(err, cap, "inotify: %s", strerror(errno));
        free(w);
        return MG_ERR_IO;
    }
    *out = w;
    return MG_OK;
}

/* ---- candidates ---- */

static size_t hash(size_t dir, const char *name)
{
    uint64_t h = 1469598103934665603ull ^ dir;
    for (const char *c = name; *c; c++)
        h = (h ^ (uint8_t)*c) * 1099511628211ull;
    return (size_t)(h % WATCH_BUCKETS);
}

static struct cand *cand_find(struct watch *w, size_t dir, const char *name, struct cand ***link)
{
    struct cand **p = &w->bucket[hash(dir, name)];
    for (; *p; p = &(*p)->next)
        if ((*p)->dir == dir && strcmp((*p)->name, name) == 0)
            break;
    if (link)
        *link = p;
    return *p;
}

static void cand_unlink(struct watch *w, struct cand **link)
{
    struct cand *c = *link;
    *link = c->next;
    free(c->name);
    free(c);
    w->n_cands--;
}

static void cand_drop(struct watch *w, size_t dir, const char *name)
{
    struct cand **link;
    if (cand_find(w, dir, name, &link))
        cand_unlink(w, link);
}

static int stat_differs(const struct cand *c, const struct stat *st)
{
    return c->ino != st->st_ino || c->size != st->st_size ||
           c->mtime.tv_sec != st->st_mtim.tv_sec || c->mtime.tv_nsec != st->st_mtim.tv_nsec ||
           c->ctime.tv_sec != st->st_ctim.tv_sec || c->ctime.tv_nsec != st->st_ctim.tv_nsec;
}

static void cand_set_stat(struct cand *c, const struct stat *st)
{
    c->ino = st->st_ino;
    c->size = st->st_size;
    c->mtime = st->st_mtim;
    c->ctime = st->st_ctim;
}

/* A file seen (by the walk or an event): new, or its state brought up to
 * date. A file found by the walk has been still since its ctime. */
static struct cand *cand_see(struct watch *w, size_t dir, const char *name, const struct stat *st,
                             int64_t now)
{
    struct cand *c = cand_find(w, dir, name, NULL);
    if (!c) {
        if (!(c = calloc(1, sizeof(*c))) || !(c->name = strdup(name))) {
            free(c);
            return NULL;
        }
        size_t h = hash(dir, name);
        c->dir = dir;
        c->next = w->bucket[h];
        w->bucket[h] = c;
        w->n_cands++;
        cand_set_stat(c, st);
        struct timespec rt;
        clock_gettime(CLOCK_REALTIME, &rt);
        int64_t age = ((int64_t)rt.tv_sec - (int64_t)st->st_ctim.tv_sec) * 1000;
        c->since = now - (age > 0 ? age : 0);
    } else if (stat_differs(c, st)) {
        cand_set_stat(c, st);
        c->since = now;
    }
    c->gen = w->gen;
    return c;
}

/* ---- folders ---- */

static struct wdir *dir_find(struct watch *w, const char *user, const char *rel, size_t *idx)
{
    for (size_t i = 0; i < w->n_dirs; i++)
        if (w->dirs[i].used && strcmp(w->dirs[i].user, user) == 0 &&
            strcmp(w->dirs[i].rel, rel) == 0) {
            if (idx)
                *idx = i;
            return &w->dirs[i];
        }
    return NULL;
}

static void dir_drop(struct watch *w, size_t i)
{
    struct wdir *d = &w->dirs[i];
    for (size_t b = 0; b < WATCH_BUCKETS; b++)
        for (struct cand **p = &w->bucket[b]; *p;)
            if ((*p)->dir == i)
                cand_unlink(w, p);
            else
                p = &(*p)->next;
    if (d->wd >= 0) {
        /* Another folder may share the watch (the same inode seen again
         * under a new name): remove it only when no one else uses it. */
        int shared = 0;
        for (size_t j = 0; j < w->n_dirs; j++)
            shared |= j != i && w->dirs[j].used && w->dirs[j].wd == d->wd;
        if (!shared)
            inotify_rm_watch(w->ifd, d->wd);
    }
    close(d->fd);
    free(d->rel);
    memset(d, 0, sizeof(*d));
}

/* Keep fd as the folder user/rel (taking it over), watched. */
static struct wdir *dir_add(struct watch *w, const char *user, const char *rel, int fd,
                            const struct stat *st, size_t *idx)
{
    size_t i = 0;
    while (i < w->n_dirs && w->dirs[i].used)
        i++;
    if (i == w->n_dirs) {
        if (w->n_dirs == w->cap_dirs) {
            size_t nc = w->cap_dirs ? w->cap_dirs * 2 : 64;
            struct wdir *p = realloc(w->dirs, nc * sizeof(*p));
            if (!p)
                return NULL;
            w->dirs = p;
            w->cap_dirs = nc;
        }
        w->n_dirs++;
    }
    struct wdir *d = &w->dirs[i];
    memset(d, 0, sizeof(*d));
    if (!(d->rel = strdup(rel)))
        return NULL;
    d->used = 1;
    snprintf(d->user, sizeof(d->user), "%s", user);
    d->fd = fd;
    d->dev = st->st_dev;
    d->ino = st->st_ino;
    /* The watch goes on the folder we opened, not on a path that could be
     * swapped for a link meanwhile. */
    char proc[64];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    d->wd = inotify_add_watch(w->ifd, proc, user[0] ? DIR_EVENTS : DIR_EVENTS & ~IN_MODIFY);
    if (d->wd < 0)
        warn_once(w, "inotify", "cannot watch %s (%s): files are found by the periodic walk only",
                  rel[0] ? rel : user, strerror(errno));
    *idx = i;
    return d;
}

/* The folder at user/rel, open as fd (taken over): the same one as before
 * (kept), or a new one. */
static struct wdir *dir_visit(struct watch *w, const char *user, const char *rel, int fd,
                              size_t *idx)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return NULL;
    }
    struct wdir *d = dir_find(w, user, rel, idx);
    if (d && d->dev == st.st_dev && d->ino == st.st_ino) {
        close(fd);
    } else {
        if (d)
            dir_drop(w, *idx);
        if (!(d = dir_add(w, user, rel, fd, &st, idx))) {
            close(fd);
            return NULL;
        }
    }
    d->gen = w->gen;
    return d;
}

static void walk(struct watch *w, const char *user, const char *rel, int fd, int depth, int64_t now)
{
    size_t idx;
    struct wdir *d = dir_visit(w, user, rel, fd, &idx);
    if (!d)
        return;
    DIR *ds = fdopendir(dup(d->fd));
    if (!ds)
        return;
    rewinddir(ds);
    struct dirent *e;
    char path[REQUEST_PATH_MAX];
    while ((e = readdir(ds)) != NULL) {
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            fstatat(w->dirs[idx].fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if ((size_t)snprintf(path, sizeof(path), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >=
                    sizeof(path) ||
            !request_share_path_ok(path) || ignored(w, e->d_name))
            continue;
        if (S_ISDIR(st.st_mode) && depth < WATCH_DEPTH_MAX) {
            int cfd = openat(w->dirs[idx].fd, e->d_name,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (cfd >= 0)
                walk(w, user, path, cfd, depth + 1, now); /* may move w->dirs */
        } else if (S_ISREG(st.st_mode)) {
            cand_see(w, idx, e->d_name, &st, now);
        }
    }
    closedir(ds);
}

/* A user's folder is taken only when it is theirs and has its outbound
 * twin (made by mugai-share --add-user). */
static int user_ok(struct watch *w, int rootfd, int outfd, const char *name)
{
    struct stat st, ost;
    if (!request_share_user_ok(name)) {
        warn_once(w, name, "%s/%s: not a user name; left alone", w->cfg->share_inbound, name);
        return 0;
    }
    struct passwd *pw = getpwnam(name);
    if (fstatat(rootfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    if (!pw || pw->pw_uid != st.st_uid) {
        warn_once(w, name, "%s/%s: not owned by a user of that name; left alone",
                  w->cfg->share_inbound, name);
        return 0;
    }
    if (outfd < 0 || fstatat(outfd, name, &ost, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISDIR(ost.st_mode)) {
        warn_once(w, name, "%s/%s is missing (mugai-share --add-user makes it); left alone",
                  w->cfg->share_outbound, name);
        return 0;
    }
    return 1;
}

void watch_rescan(struct watch *w, int64_t now, int force)
{
    if (!force && !w->rescan_asked && now < w->next_rescan)
        return;
    w->rescan_asked = 0;
    w->next_rescan = now + (int64_t)w->cfg->share_rescan_seconds * 1000;
    w->gen++;
    int rootfd = open(w->cfg->share_inbound, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int outfd = open(w->cfg->share_outbound, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        warn_once(w, "", "%s: %s", w->cfg->share_inbound, strerror(errno));
    } else {
        size_t idx;
        int dfd = dup(rootfd);
        if (dfd >= 0)
            dir_visit(w, "", "", dfd, &idx); /* new user folders are events here */
        DIR *ds = fdopendir(dup(rootfd));
        if (ds)
            rewinddir(ds);
        struct dirent *e;
        while (ds && (e = readdir(ds)) != NULL) {
            if (e->d_name[0] == '.' || !user_ok(w, rootfd, outfd, e->d_name))
                continue;
            int ufd = openat(rootfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (ufd >= 0)
                walk(w, e->d_name, "", ufd, 0, now);
        }
        if (ds)
            closedir(ds);
        close(rootfd);
    }
    if (outfd >= 0)
        close(outfd);
    /* What the walk did not see is gone. */
    for (size_t i = 0; i < w->n_dirs; i++)
        if (w->dirs[i].used && w->dirs[i].gen != w->gen)
            dir_drop(w, i);
    for (size_t b = 0; b < WATCH_BUCKETS; b++)
        for (struct cand **p = &w->bucket[b]; *p;)
            if ((*p)->gen != w->gen)
                cand_unlink(w, p);
            else
                p = &(*p)->next;
}

/* ---- events ---- */

void watch_read(struct watch *w, int64_t now)
{
    _Alignas(struct inotify_event) char buf[65536];
    for (;;) {
        ssize_t n = read(w->ifd, buf, sizeof(buf));
        if (n <= 0)
            return;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            p += sizeof(*ev) + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                w->rescan_asked = 1;
                continue;
            }
            size_t i = 0;
            while (i < w->n_dirs && !(w->dirs[i].used && w->dirs[i].wd == ev->wd))
                i++;
            if (i == w->n_dirs)
                continue;
            struct wdir *d = &w->dirs[i];
            if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
                if (ev->mask & IN_IGNORED)
                    d->wd = -1;
                w->rescan_asked = 1;
                continue;
            }
            if (!d->user[0] || (ev->mask & IN_ISDIR)) {
                /* A user folder or a subfolder came or went: walk again. */
                w->rescan_asked = 1;
                continue;
            }
            if (!ev->len || ignored(w, ev->name))
                continue;
            if (ev->mask & (IN_MOVED_FROM | IN_DELETE)) {
                cand_drop(w, i, ev->name);
                continue;
            }
            struct stat st;
            char path[REQUEST_PATH_MAX];
            if (fstatat(d->fd, ev->name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
                (size_t)snprintf(path, sizeof(path), "%s%s%s", d->rel, d->rel[0] ? "/" : "",
                                 ev->name) >= sizeof(path) ||
                !request_share_path_ok(path))
                continue;
            struct cand *c = cand_see(w, i, ev->name, &st, now);
            if (!c)
                continue;
            if (ev->mask & (IN_CREATE | IN_MODIFY)) {
                c->open_seen = 1;
                c->since = now;
            } else if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
                c->open_seen = 0;
                c->since = now;
            }
        }
    }
}

/* ---- taking ---- */

/* Whether a lease shows the file open for writing: 1 busy, 0 not (the
 * lease is then held on fd), -1 cannot tell (no lease possible). */
static int busy(struct watch *w, int fd)
{
    if (w->lease == 0)
        return -1;
    if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
        w->lease = 1;
        return 0;
    }
    if (errno == EAGAIN)
        return 1;
    w->lease = 0;
    warn_once(w, "lease",
              "no read lease (%s%s): whether a file is still open for writing is judged by the "
              "settle time only (give mugai-share CAP_LEASE)",
              strerror(errno), "");
    return -1;
}

unsigned watch_tick(struct watch *w, int64_t now, int intake, unsigned max, watch_take_fn take,
                    void *arg)
{
    static struct queue_take t[QUEUE_TAKE_MAX];
    static char paths[QUEUE_TAKE_MAX][REQUEST_PATH_MAX];
    struct cand *picked[QUEUE_TAKE_MAX];
    int fds[QUEUE_TAKE_MAX], leased[QUEUE_TAKE_MAX];
    size_t n = 0;
    if (max > QUEUE_TAKE_MAX)
        max = QUEUE_TAKE_MAX;
    /* Once max are picked the look ends, and the next one starts where
     * this one stopped: a large drop costs a few candidates a tick, not
     * all of them, and every bucket gets its turn. */
    size_t b = w->next_bucket;
    for (size_t k = 0; k < WATCH_BUCKETS && n < max; k++) {
        b = (w->next_bucket + k) % WATCH_BUCKETS;
        for (struct cand **p = &w->bucket[b]; *p;) {
            struct cand *c = *p;
            struct wdir *d = &w->dirs[c->dir];
            struct stat st;
            if (fstatat(d->fd, c->name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
                cand_unlink(w, p);
                continue;
            }
            p = &c->next;
            if (stat_differs(c, &st)) {
                cand_set_stat(c, &st);
                c->since = now;
                continue;
            }
            int64_t settle = (int64_t)(c->size ? w->cfg->share_settle_seconds
                                               : w->cfg->share_empty_seconds) *
                             1000;
            if (!intake || n >= max || now - c->since < settle || now < c->not_before)
                continue;
            /* Written and not closed, as far as inotify saw: without a
             * lease to ask, only a long silence says it is done. */
            if (c->open_seen && w->lease != 1 && now - c->since < 10 * settle)
                continue;
            int fd = openat(d->fd, c->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || stat_differs(c, &st)) {
                if (fd >= 0)
                    close(fd);
                c->since = now;
                continue;
            }
            int state = busy(w, fd);
            if (state == 1) {
                close(fd);
                c->not_before = now + WATCH_BUSY_MS;
                continue;
            }
            /* Held (with its lease, when there is one) until it is moved:
             * no writer can open it in between. */
            snprintf(paths[n], sizeof(paths[n]), "%s%s%s", d->rel, d->rel[0] ? "/" : "", c->name);
            t[n] = (struct queue_take){
                    .user = d->user, .path = paths[n], .name = c->name, .parentfd = d->fd};
            picked[n] = c;
            fds[n] = fd;
            leased[n] = state == 0;
            n++;
        }
    }
    if (n >= max)
        w->next_bucket = b;
    unsigned taken = n ? (unsigned)take(arg, t, n) : 0;
    for (size_t i = 0; i < n; i++) {
        if (leased[i])
            fcntl(fds[i], F_SETLEASE, F_UNLCK);
        close(fds[i]);
        struct cand **link;
        if (!t[i].taken)
            picked[i]->not_before = now + 5000;
        else if (cand_find(w, picked[i]->dir, picked[i]->name, &link))
            cand_unlink(w, link); /* in the spool: the name is free for a new file */
    }
    return taken;
}

size_t watch_pending(const struct watch *w)
{
    return w->n_cands;
}

int watch_fd(const struct watch *w)
{
    return w->ifd;
}

void watch_close(struct watch *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n_dirs; i++)
        if (w->dirs[i].used)
            dir_drop(w, i);
    free(w->dirs);
    for (size_t i = 0; i < w->n_warned; i++)
        free(w->warned[i]);
    close(w->ifd);
    free(w);
}

void watch_forget(struct watch *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n_dirs; i++)
        if (w->dirs[i].used)
            close(w->dirs[i].fd);
    close(w->ifd);
}
