/*
 * scand - the engine process and its scanner pool (see scand.h).
 */
#include "scand.h"
#include "err.h"
#include "fdio.h"
#include "job.h"
#include "job_wire.h"
#include "proto.h"
#include "request.h"
#include "sandbox.h"
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SCAND_MAX_SCANNERS 64
#define SCAND_QUEUE_MAX    256
#define SCAND_DRAIN_MS     (10 * 60 * 1000) /* at most this long for scans under way */

struct scanner {
    struct sandbox_child ch;
    int ctl; /* our end of its control socket; -1: slot empty */
    int busy;
    int64_t deadline;
    unsigned jobs;
    char scratch[1100];
};

struct scand {
    const struct config *cfg;
    const struct policy *pol;
    struct stats *st;
    struct scan_engine *se;
    int listen_fd, sig_fd;
    struct scanner sc[SCAND_MAX_SCANNERS];
    unsigned n;
    int queue[SCAND_QUEUE_MAX];
    size_t qhead, qlen;
    int draining;
    int64_t drain_until;
};

struct scanner_arg {
    struct scan_engine *se;
    unsigned max_jobs;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void scand_socket_path(const char *run_dir, char *path, size_t cap)
{
    snprintf(path, cap, "%s/private/scan.sock", run_dir);
}

/* ---- the scanner: a sandboxed worker that serves several jobs ---- */

/* One job on the connection at SANDBOX_FD_AUX; 1 if everything was clean. */
static int scanner_one(struct scan_engine *se)
{
    struct proto_frame f;
    struct job_scan_req req;
    struct job_scan_rec rec;
    struct buf out;
    uint32_t mask = 0;
    int clean = 0;

    if (proto_recv(SANDBOX_FD_AUX, -1, 4096, 3, &f) != MG_OK)
        return 0;
    if (f.type != PROTO_SCAN || request_scan_decode(f.payload.data, f.payload.len, &req, &mask) ||
        (size_t)__builtin_popcount(mask) != f.n_fds) {
        proto_frame_free(&f);
        return 0;
    }
    size_t i = 0;
    req.in_fd = (mask & SCAN_HAS_IN) ? proto_take_fd(&f, i++) : -1;
    req.out_fd = (mask & SCAN_HAS_OUT) ? proto_take_fd(&f, i++) : -1;
    req.members_fd = (mask & SCAN_HAS_MEMBERS) ? proto_take_fd(&f, i++) : -1;
    proto_frame_free(&f);
    job_scan_fds(se, &req, &rec);
    buf_init(&out, JOB_RECORD_EXTRA);
    if (job_scan_rec_encode(&rec, &out) == MG_OK &&
        proto_send(SANDBOX_FD_AUX, PROTO_SCAN_RESULT, out.data, out.len, NULL, 0) == MG_OK)
        clean = (!rec.did_in || rec.in.status == SCAN_CLEAN) &&
                (!rec.did_out || rec.out.status == SCAN_CLEAN) && rec.member.status == SCAN_CLEAN;
    buf_free(&out);
    if (req.in_fd >= 0)
        close(req.in_fd);
    if (req.out_fd >= 0)
        close(req.out_fd);
    if (req.members_fd >= 0)
        close(req.members_fd);
    return clean;
}

/* The scanner's life: connections arrive on in_fd (its control socket),
 * one at a time; after each, a two-byte "done" goes to scand on res_fd. It
 * exits after a job that was not clean, or after max_jobs. */
static int scanner_main(void *argp, int in_fd, int out_fd, int res_fd)
{
    struct scanner_arg *a = argp;
    (void)out_fd;
    for (unsigned done = 0; done < a->max_jobs; done++) {
        struct proto_frame f;
        if (proto_recv(in_fd, -1, 0, 1, &f) != MG_OK)
            return 0; /* scand closed the socket: time to go */
        int conn = proto_take_fd(&f, 0);
        proto_frame_free(&f);
        if (conn < 0 || dup2(conn, SANDBOX_FD_AUX) != SANDBOX_FD_AUX)
            return 1;
        close(conn);
        int clean = scanner_one(a->se);
        /* Slot 6 taken again (by the /dev/null at 4), so nothing libclamav
         * opens lands where the next connection goes. */
        if (dup2(4, SANDBOX_FD_AUX) != SANDBOX_FD_AUX)
            return 1;
        uint8_t msg[2] = {'D', (uint8_t)clean};
        if (fdio_write_all(res_fd, msg, sizeof(msg)) != MG_OK || !clean)
            return 0;
    }
    return 0;
}

/* ---- the pool ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static int scanner_start(struct scand *d, struct scanner *s)
{
    int sv[2];
    struct scanner_arg arg = {d->se, d->cfg->scanner_jobs};
    const struct policy *pol = d->pol;
    uint64_t cpu = (uint64_t)pol->worker_cpu_seconds * d->cfg->scanner_jobs;
    struct sandbox_limits lim = {
            .cpu_seconds = cpu > 86400 * 30 ? 86400 * 30 : (uint32_t)cpu,
            .deadline_seconds = 1, /* not used by sandbox_spawn: scand watches */
            .memory_bytes = sandbox_inherited_vm() + pol->worker_memory,
            .output_bytes = pol->max_expanded,
            .result_max = 0,
    };
    memset(s, 0, sizeof(*s));
    s->ctl = -1;
    snprintf(s->scratch, sizeof(s->scratch), "%s/tmp/scan-XXXXXX", d->cfg->state_dir);
    if (!mkdtemp(s->scratch))
        return MG_ERR_IO;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return MG_ERR_IO;
    int rc = sandbox_spawn(&lim, SANDBOX_SCANNER, s->scratch, scanner_main, &arg, sv[1], -1, -1,
                           sv[1], &s->ch);
    close(sv[1]);
    if (rc != MG_OK) {
        close(sv[0]);
        nftw(s->scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return rc;
    }
    s->ctl = sv[0];
    d->st->scanners_started++;
    return MG_OK;
}

/* A scanner is gone (or must go): reap it, clean up, start another. */
static void scanner_replace(struct scand *d, struct scanner *s, int kill_it)
{
    if (kill_it && s->ch.pid > 0)
        kill(s->ch.pid, SIGKILL);
    if (s->ch.pid > 0) {
        sandbox_child_stderr(&s->ch);
        while (waitpid(s->ch.pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    sandbox_child_close(&s->ch);
    if (s->ctl >= 0)
        close(s->ctl);
    nftw(s->scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    s->ctl = -1;
    s->ch.pid = -1;
    s->busy = 0;
    /* Draining, a scanner is still needed for connections already queued. */
    if ((!d->draining || d->qlen) && scanner_start(d, s) != MG_OK)
        fprintf(stderr, "mugaid scan: cannot start a scanner; %u fewer in the pool\n", 1u);
}

/* Give queued connections to idle scanners. */
static void scand_dispatch(struct scand *d)
{
    for (unsigned i = 0; i < d->n && d->qlen; i++) {
        struct scanner *s = &d->sc[i];
        if (s->ctl < 0 || s->busy)
            continue;
        int conn = d->queue[d->qhead];
        d->qhead = (d->qhead + 1) % SCAND_QUEUE_MAX;
        d->qlen--;
        if (proto_send(s->ctl, PROTO_SCAN, NULL, 0, &conn, 1) != MG_OK) {
            close(conn); /* the session sees the end and fails the scan */
            scanner_replace(d, s, 1);
            continue;
        }
        close(conn);
        s->busy = 1;
        s->jobs++;
        s->deadline = now_ms() + (int64_t)d->pol->worker_deadline_seconds * 1000;
    }
}

static void scand_accept(struct scand *d)
{
    for (;;) {
        int c = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            return;
        if (d->qlen == SCAND_QUEUE_MAX) {
            close(c);
            continue;
        }
        d->queue[(d->qhead + d->qlen) % SCAND_QUEUE_MAX] = c;
        d->qlen++;
    }
}

/* A scanner said "done": idle again, unless it is leaving. */
static void scanner_done(struct scand *d, struct scanner *s)
{
    uint8_t msg[2];
    ssize_t r = read(s->ctl, msg, sizeof(msg));
    if (r == 2 && msg[0] == 'D' && s->busy) {
        s->busy = 0;
        if (msg[1] == 1 && s->jobs < d->cfg->scanner_jobs)
            return;
    }
    /* Not clean, used up, or nonsense: it exits (or is made to). */
    scanner_replace(d, s, 1);
}

static void scand_update_stats(struct scand *d)
{
    unsigned live = 0, busy = 0;
    for (unsigned i = 0; i < d->n; i++) {
        live += d->sc[i].ctl >= 0;
        busy += d->sc[i].ctl >= 0 && d->sc[i].busy;
    }
    d->st->scanners = live;
    d->st->scanners_busy = busy;
    d->st->scan_queue = (uint32_t)d->qlen;
}

static int scand_bind(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return -1;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void scand_loop(struct scand *d)
{
    for (;;) {
        struct pollfd pf[2 + 3 * SCAND_MAX_SCANNERS];
        int who[2 + 3 * SCAND_MAX_SCANNERS], what[2 + 3 * SCAND_MAX_SCANNERS];
        nfds_t n = 0;
        int64_t now = now_ms(), next = now + 1000;
        unsigned busy = 0;

        scand_update_stats(d);
        if (d->draining) {
            for (unsigned i = 0; i < d->n; i++)
                busy += d->sc[i].ctl >= 0 && d->sc[i].busy;
            if ((!busy && !d->qlen) || now > d->drain_until)
                return;
        }
        pf[n] = (struct pollfd){.fd = d->sig_fd, .events = POLLIN};
        who[n] = -1, what[n++] = 0;
        if (!d->draining) {
            pf[n] = (struct pollfd){.fd = d->listen_fd, .events = POLLIN};
            who[n] = -1, what[n++] = 1;
        }
        for (unsigned i = 0; i < d->n; i++) {
            struct scanner *s = &d->sc[i];
            if (s->ctl < 0)
                continue;
            pf[n] = (struct pollfd){.fd = s->ctl, .events = POLLIN};
            who[n] = (int)i, what[n++] = 2;
            if (s->ch.pidfd >= 0) {
                pf[n] = (struct pollfd){.fd = s->ch.pidfd, .events = POLLIN};
                who[n] = (int)i, what[n++] = 3;
            }
            if (s->ch.err_fd >= 0) {
                pf[n] = (struct pollfd){.fd = s->ch.err_fd, .events = POLLIN};
                who[n] = (int)i, what[n++] = 4;
            }
            if (s->busy && s->deadline < next)
                next = s->deadline;
        }
        int wait = next > now ? (int)(next - now) : 0;
        if (poll(pf, n, wait) < 0 && errno != EINTR)
            return;
        /* A scanner replaced in this round may have a new pidfd or socket
         * with the number the old one had: its events wait for the next. */
        uint8_t touched[SCAND_MAX_SCANNERS] = {0};
        for (nfds_t k = 0; k < n; k++) {
            if (!pf[k].revents || (who[k] >= 0 && touched[who[k]]))
                continue;
            struct scanner *s = who[k] >= 0 ? &d->sc[who[k]] : NULL;
            if (s && what[k] != 4)
                touched[who[k]] = 1;
            if (what[k] == 0) {
                struct signalfd_siginfo si;
                if (read(d->sig_fd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGTERM &&
                    !d->draining) {
                    /* A newer engine has the socket path now: every session
                     * that connected here is already in the backlog. Take
                     * them all, serve them, then go. */
                    scand_accept(d);
                    d->draining = 1;
                    d->drain_until = now_ms() + SCAND_DRAIN_MS;
                    close(d->listen_fd);
                    d->listen_fd = -1;
                }
            } else if (what[k] == 1) {
                scand_accept(d);
            } else if (s && s->ctl == pf[k].fd && what[k] == 2) {
                scanner_done(d, s);
            } else if (s && what[k] == 3 && s->ch.pidfd == pf[k].fd) {
                scanner_replace(d, s, 0); /* exited: used up, or died */
            } else if (s && what[k] == 4 && s->ch.err_fd == pf[k].fd) {
                if (sandbox_child_stderr(&s->ch) && s->ch.err_fd >= 0) {
                    close(s->ch.err_fd);
                    s->ch.err_fd = -1;
                }
            }
        }
        now = now_ms();
        for (unsigned i = 0; i < d->n; i++) {
            struct scanner *s = &d->sc[i];
            if (s->ctl >= 0 && s->busy && s->deadline <= now) {
                fprintf(stderr, "mugaid scan: a scan passed its deadline of %u s; scanner killed\n",
                        d->pol->worker_deadline_seconds);
                scanner_replace(d, s, 1);
            }
        }
        scand_dispatch(d);
    }
}

int scand_main(const struct config *cfg, const struct policy *pol, struct stats *st,
               const char *run_dir, unsigned gen, int ready_fd)
{
    struct scand d;
    char err[1024], path[1200], tmp_path[1200];
    unsigned sigs = 0;
    int age = -1;
    sigset_t mask;

    memset(&d, 0, sizeof(d));
    d.cfg = cfg;
    d.pol = pol;
    d.st = st;
    d.listen_fd = d.sig_fd = -1;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    sigdelset(&mask, SIGHUP); /* a reload is the master's business */
    d.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (scan_load(cfg->db, pol, &d.se, &sigs, &age, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugaid scan: %s\n", err);
        return 3;
    }
    if (sandbox_init() != MG_OK) {
        fprintf(stderr, "mugaid scan: %s\n", sandbox_error());
        return 3;
    }
    /* The shared status page is ours to write, not the scanners'. */
    stats_hide_from_children(st);
    scand_socket_path(run_dir, path, sizeof(path));
    snprintf(tmp_path, sizeof(tmp_path), "%s/private/scan-%u.sock", run_dir, gen);
    if ((d.listen_fd = scand_bind(tmp_path)) < 0) {
        fprintf(stderr, "mugaid scan: cannot listen on %s: %s\n", tmp_path, strerror(errno));
        return 1;
    }
    d.n = cfg->scanners > SCAND_MAX_SCANNERS ? SCAND_MAX_SCANNERS : cfg->scanners;
    for (unsigned i = 0; i < d.n; i++) {
        d.sc[i].ctl = -1;
        if (scanner_start(&d, &d.sc[i]) != MG_OK) {
            fprintf(stderr, "mugaid scan: cannot start the scanner pool\n");
            return 1;
        }
    }
    /* Serving: new connections come here from now on. */
    if (rename(tmp_path, path) != 0) {
        fprintf(stderr, "mugaid scan: cannot take over %s: %s\n", path, strerror(errno));
        return 1;
    }
    scan_db_info(cfg->db, st->db_version, sizeof(st->db_version), &st->db_built_at);
    snprintf(st->db_dir, sizeof(st->db_dir), "%s", cfg->db);
    st->db_signatures = sigs;
    st->db_loaded_at = (int64_t)time(NULL);
    st->db_generation = gen;
    st->engine_ready = 1;
    if (ready_fd >= 0) {
        ssize_t w = write(ready_fd, "R", 1);
        (void)w;
        close(ready_fd);
    }
    fprintf(stderr, "mugaid scan: engine %u ready: %u signatures (%s), %u scanners\n", gen, sigs,
            st->db_version, d.n);
    scand_loop(&d);
    for (unsigned i = 0; i < d.n; i++)
        if (d.sc[i].ctl >= 0) {
            d.draining = 1;
            scanner_replace(&d, &d.sc[i], 1);
        }
    scan_free(d.se);
    return 0;
}
