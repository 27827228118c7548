/*
 * work - mugai-share's workers (see work.h).
 */
#include "work.h"
#include "client.h"
#include "err.h"
#include "job.h"
#include "outdir.h"
#include "proto.h"
#include "reason.h"
#include "sharedir.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WORK_JOB_MS    (30 * 60 * 1000) /* mugaid bounds a job well below this */
#define WORK_NOTE_MS   60000
#define WORK_IDLE_MAX  20   /* seconds a connection is reused (mugaid drops idle ones) */
#define WORK_LINGER_MS 1000 /* an unused connection is closed after this */

struct worker {
    const struct config *cfg;
    struct queue *q;
    int sock; /* to mugaid, -1 when not connected */
    time_t used;
    int ctl;  /* to the watcher */
    int down; /* mugaid could not be reached or went away: say so, not retry */
};

static void disconnect(struct worker *w)
{
    if (w->sock >= 0)
        close(w->sock);
    w->sock = -1;
}

/* A connection to mugaid that is still open (one idle too long, or that
 * the daemon closed, is replaced). */
static int connect_daemon(struct worker *w, char *why, size_t cap)
{
    if (w->sock >= 0) {
        struct pollfd pf = {.fd = w->sock, .events = POLLIN | POLLRDHUP};
        if (time(NULL) - w->used > WORK_IDLE_MAX || poll(&pf, 1, 0) != 0)
            disconnect(w);
    }
    if (w->sock < 0) {
        char err[512];
        w->sock = client_connect(w->cfg->socket, err, sizeof(err));
        if (w->sock < 0) {
            snprintf(why, cap, "mugaid: %.400s", err);
            w->down = 1;
            return MG_ERR_IO;
        }
    }
    w->used = time(NULL);
    return MG_OK;
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* The output into the entry, whole and durable, before result names it. */
static int keep_output(int efd, int out_fd, uint64_t len)
{
    int fd = openat(efd, "out.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return MG_ERR_IO;
    int rc = MG_OK;
    for (off_t off = 0; rc == MG_OK && (uint64_t)off < len;) {
        ssize_t n = sendfile(fd, out_fd, &off, (size_t)(len - (uint64_t)off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = MG_ERR_IO;
    }
    if (rc == MG_OK && fsync(fd) != 0)
        rc = MG_ERR_IO;
    close(fd);
    if (rc == MG_OK && renameat(efd, "out.tmp", efd, "out") != 0)
        rc = MG_ERR_IO;
    return rc;
}

/*
 * The job through mugaid, its answer into the entry. 0 when result is
 * written, else the seconds to wait before trying again (why says why).
 */
static unsigned run_job(struct worker *w, int efd, const struct share_ref *ref, char *why,
                        size_t cap)
{
    struct stat before, after;
    struct job_result res;
    char err[1024], text[8192];
    unsigned retry = 0;
    int fd = openat(efd, "file", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) {
        snprintf(why, cap, "the spooled file is unreadable: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return 300;
    }
    if (connect_daemon(w, why, cap) != MG_OK) {
        close(fd);
        return 5;
    }
    int rc = client_sanitize_share(w->sock, base_of(ref->path), fd, ref, WORK_JOB_MS, &res, err,
                                   sizeof(err));
    if (rc != MG_OK) {
        /* Not answered (the daemon went away mid-job, or refused us): the
         * job is asked again; a repeated put of a blocked file is kept
         * once by the store (the intake names it). */
        disconnect(w);
        snprintf(why, cap, "%.400s", err);
        retry = rc == MG_ERR_USAGE ? 60 : 3;
        w->down = rc == MG_ERR_IO;
        goto out;
    }
    w->used = time(NULL);
    if (fstat(fd, &after) != 0 || !same_file(&before, &after)) {
        /* Someone was still writing it (through a descriptor opened before
         * it was taken): whatever was decided is about other bytes. */
        snprintf(why, cap, "it changed while it was sanitized");
        retry = 1;
        goto out;
    }
    int n;
    if (res.released) {
        char name[1024], dir[REQUEST_PATH_MAX], outrel[REQUEST_PATH_MAX + 1100];
        const char *slash = strrchr(ref->path, '/');
        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - ref->path + 1) : 0, ref->path);
        outdir_name(base_of(ref->path), res.out_type, name, sizeof(name));
        snprintf(outrel, sizeof(outrel), "%s%s", dir, name);
        if (!request_share_path_ok(outrel)) {
            snprintf(why, cap, "no valid output name for it (%.300s)", name);
            retry = 3600;
            goto out;
        }
        if (keep_output(efd, res.out_fd, res.size_out) != MG_OK) {
            snprintf(why, cap, "cannot keep the output in the spool: %s", strerror(errno));
            retry = 30;
            goto out;
        }
        n = snprintf(text, sizeof(text), "released\n%s\n%s\n%s\n%llu\n", outrel, res.sha256_in,
                     res.sha256_out, (unsigned long long)res.size_out);
    } else if (res.store_id > 0) {
        const char *code = reason_code(res.reason_code);
        n = snprintf(text, sizeof(text), "held\n%lld\n%s\n%s\n%s\n", (long long)res.store_id,
                     code[0] ? code : "-", res.sha256_in, res.reason[0] ? res.reason : "-");
    } else {
        /* A notice needs a quarantine id: without one, nothing is said
         * until the store takes it. */
        snprintf(why, cap, "blocked (%s), but the quarantine store did not keep it",
                 reason_code(res.reason_code));
        retry = 30;
        goto out;
    }
    if (queue_put(efd, "result", text, (size_t)n) != MG_OK) {
        snprintf(why, cap, "cannot record the result: %s", strerror(errno));
        retry = 30;
    }
out:
    job_result_free(&res);
    close(fd);
    return retry;
}

/* The result's fields: released OUTREL SHA_IN SHA_OUT SIZE, or held ID
 * REASON SHA_IN DETAIL (each on a line, none empty). */
struct outcome {
    int released;
    char *f[4];
};

static int parse_result(char *text, struct outcome *o)
{
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    memset(o, 0, sizeof(*o));
    if (!line)
        return MG_ERR_PARSE;
    o->released = strcmp(line, "released") == 0;
    if (!o->released && strcmp(line, "held") != 0)
        return MG_ERR_PARSE;
    for (int i = 0; i < 4; i++)
        if (!(o->f[i] = strtok_r(NULL, "\n", &save)))
            return MG_ERR_PARSE;
    return MG_OK;
}

/* The output or the notice into OUTBOUND/USER/...; 0 or seconds to wait. */
static unsigned place(const struct worker *w, int efd, const struct share_ref *ref,
                      const struct outcome *o, char *why, size_t cap)
{
    char rel[REQUEST_PATH_MAX + 64];
    const char *base;
    int dirfd = -1, rc;
    if (o->released)
        snprintf(rel, sizeof(rel), "%s", o->f[0]);
    else
        snprintf(rel, sizeof(rel), "%s" SHAREDIR_NOTICE_SUFFIX, ref->path);
    if (!request_share_path_ok(rel)) {
        snprintf(why, cap, "no valid name for the notice of %.300s", ref->path);
        return 3600;
    }
    if (sharedir_open_parent(w->cfg->share_outbound, ref->user, rel, &dirfd, &base, why, cap) !=
        MG_OK)
        return 30;
    if (o->released) {
        int out = openat(efd, "out", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (out < 0 || fstat(out, &st) != 0) {
            snprintf(why, cap, "the spooled output is missing: %s", strerror(errno));
            close(dirfd);
            if (out >= 0)
                close(out);
            return 300;
        }
        rc = sharedir_place(dirfd, base, ref->intake, out, NULL, (uint64_t)st.st_size, why, cap);
        close(out);
    } else {
        struct buf text;
        buf_init(&text, 64 * 1024);
        rc = sharedir_notice(base_of(ref->path), o->f[1], o->f[3], strtoll(o->f[0], NULL, 10),
                             w->cfg->share_contact, &text);
        if (rc == MG_OK)
            rc = sharedir_place(dirfd, base, ref->intake, -1, text.data, text.len, why, cap);
        buf_free(&text);
    }
    close(dirfd);
    return rc == MG_OK ? 0 : 30;
}

static unsigned note(struct worker *w, const struct share_ref *ref, const struct outcome *o,
                     char *why, size_t cap)
{
    static struct share_note n;
    memset(&n, 0, sizeof(n));
    snprintf(n.event, sizeof(n.event), "%s", o->released ? "share-placed" : "share-held");
    n.share = *ref;
    if (o->released) {
        snprintf(n.output, sizeof(n.output), "%s", o->f[0]);
        snprintf(n.sha256, sizeof(n.sha256), "%s", o->f[1]);
        snprintf(n.sha256_out, sizeof(n.sha256_out), "%s", o->f[2]);
        n.size = strtoull(o->f[3], NULL, 10);
    } else {
        if ((size_t)snprintf(n.output, sizeof(n.output), "%s" SHAREDIR_NOTICE_SUFFIX, ref->path) >=
            sizeof(n.output))
            n.output[0] = 0;
        n.store_id = strtoll(o->f[0], NULL, 10);
        snprintf(n.reason, sizeof(n.reason), "%s", o->f[1]);
        snprintf(n.sha256, sizeof(n.sha256), "%s", o->f[2]);
    }
    char err[512];
    if (connect_daemon(w, why, cap) != MG_OK)
        return 5;
    int rc = client_share_note(w->sock, &n, WORK_NOTE_MS, err, sizeof(err));
    if (rc != MG_OK) {
        w->down = rc == MG_ERR_IO;
        disconnect(w);
        snprintf(why, cap, "the audit line was not taken: %.400s", err);
        return 5;
    }
    w->used = time(NULL);
    return 0;
}

/* One entry as far as it goes: 0 when done, else seconds to wait. */
static unsigned process(struct worker *w, const char *intake, char *why, size_t cap)
{
    struct share_ref ref;
    struct outcome o;
    char text[8192];
    unsigned retry = 0;
    if (queue_meta(w->q, intake, &ref) != MG_OK) {
        snprintf(why, cap, "the entry cannot be read");
        return 3600;
    }
    int efd = openat(w->q->fd, intake, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (efd < 0) {
        snprintf(why, cap, "the entry cannot be opened: %s", strerror(errno));
        return 3600;
    }
    int rc = queue_get(efd, "result", text, sizeof(text));
    if (rc == MG_ERR_USAGE) {
        if ((retry = run_job(w, efd, &ref, why, cap)) != 0)
            goto out;
        rc = queue_get(efd, "result", text, sizeof(text));
    }
    /* Done with mugaid's job: the watcher may start another meanwhile. */
    char msg[QUEUE_INTAKE_LEN + 8];
    snprintf(msg, sizeof(msg), "job %s", intake);
    send(w->ctl, msg, strlen(msg), MSG_NOSIGNAL);
    if (rc != MG_OK || parse_result(text, &o) != MG_OK) {
        snprintf(why, cap, "the recorded result cannot be read");
        retry = 3600;
        goto out;
    }
    /* Placed again after a crash: the same file under the same name. */
    if ((retry = place(w, efd, &ref, &o, why, cap)) != 0)
        goto out;
    if ((retry = note(w, &ref, &o, why, cap)) != 0)
        goto out;
    close(efd);
    efd = -1;
    if (queue_finish(w->q, intake) != MG_OK) {
        snprintf(why, cap, "the entry cannot be removed: %s", strerror(errno));
        retry = 60;
    }
    fprintf(stderr, "mugai-share: %s %s/%s%s%s\n", o.released ? "placed" : "held", ref.user,
            ref.path, o.released ? " -> " : " as quarantine item ", o.f[0]);
out:
    if (efd >= 0)
        close(efd);
    return retry;
}

int work_main(const struct config *cfg, struct queue *q, int sock)
{
    struct worker w = {cfg, q, -1, 0, sock, 0};
    char msg[WORK_MSG_MAX], why[512];
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGTERM, SIG_DFL);
    for (;;) {
        /* With nothing more to do, the connection goes: an idle one would
         * keep a session of mugaid's waiting (and a stopping mugaid). */
        struct pollfd pf = {.fd = sock, .events = POLLIN};
        if (w.sock >= 0 && poll(&pf, 1, WORK_LINGER_MS) == 0)
            disconnect(&w);
        ssize_t n = recv(sock, msg, sizeof(msg) - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        msg[n] = 0;
        if (strlen(msg) != QUEUE_INTAKE_LEN)
            break;
        why[0] = 0;
        w.down = 0;
        unsigned retry = process(&w, msg, why, sizeof(why));
        char reply[WORK_MSG_MAX];
        if (retry)
            snprintf(reply, sizeof(reply), "%s %s %u %.400s", w.down ? "down" : "retry", msg, retry,
                     why);
        else
            snprintf(reply, sizeof(reply), "ok %s", msg);
        if (send(sock, reply, strlen(reply), MSG_NOSIGNAL) < 0)
            break;
    }
    disconnect(&w);
    return 0;
}
