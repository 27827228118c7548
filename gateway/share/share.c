/*
 * mugai-share - the inbound share: files staff drop into INBOUND/USER/...
 * come out sanitized in OUTBOUND/USER/..., or as a notice beside where
 * they would have been, with the original in mugaid's quarantine store
 * under USER's name.
 *
 *   mugai-share [--config FILE] [--socket PATH]
 *   mugai-share --add-user USER [--config FILE]     (as root)
 *
 * It is a client of mugaid, configured by the share_* keys of mugaid.conf
 * (the same file: one place for both), and runs as share_user, the one
 * caller mugaid lets send a file on behalf of the user whose folder it
 * came from. One process watches the tree (watch.h) and moves complete
 * files into the spool (queue.h); workers (work.h) take them through
 * mugaid, at most share_jobs at a time. Intake stops, with an alert, while
 * the spool's or the outbound share's file system has less than
 * share_min_free_mb free: files then wait in the share, where their
 * owners still see them.
 *
 * It keeps no state but the spool: killed at any point and started again,
 * it resumes every file where it was (work.h), and takes nothing twice.
 */
#include "client.h"
#include "config.h"
#include "err.h"
#include "queue.h"
#include "request.h"
#include "watch.h"
#include "work.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define SHARE_VERSION     "0.1.0"
#define SHARE_TICK_MS     250
#define SHARE_TAKE_MAX    QUEUE_TAKE_MAX /* files taken per tick (one batch) */
#define SHARE_SPACE_EVERY 2000           /* ms between free-space checks */
#define SHARE_JOBS_MAX    128            /* workers: twice share_jobs (at most 64) */

static volatile sig_atomic_t stop_requested;

static void on_term(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the entries waiting in the spool ---- */

struct entry {
    char intake[QUEUE_INTAKE_LEN + 1];
    char *key; /* USER/PATH: one at a time per name, in the order taken */
    int64_t not_before;
    int busy; /* with a worker */
};

struct worker_slot {
    pid_t pid;
    int sock;
    char intake[QUEUE_INTAKE_LEN + 1]; /* "" when idle */
    int in_job;                        /* its file is with mugaid */
};

struct share {
    struct config cfg;
    struct queue q;
    struct watch *w;
    struct entry *entries;
    size_t n, cap;
    struct worker_slot workers[SHARE_JOBS_MAX];
    unsigned n_workers;
    unsigned in_jobs; /* workers whose file is with mugaid: at most share_jobs */
    int intake_stopped;
    int stop_noted, resume_noted; /* the audit lines about it were taken */
    char stop_why[512];
    int64_t next_space;
    int64_t daemon_back; /* mugaid went away: nothing is sent before this */
    int daemon_down;     /* said so in the log (once per outage) */
};

static int entry_add(struct share *s, const char *intake, const struct share_ref *ref)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 256;
        struct entry *p = realloc(s->entries, nc * sizeof(*p));
        if (!p)
            return MG_ERR_NOMEM;
        s->entries = p;
        s->cap = nc;
    }
    struct entry *e = &s->entries[s->n];
    memset(e, 0, sizeof(*e));
    snprintf(e->intake, sizeof(e->intake), "%s", intake);
    size_t kl = strlen(ref->user) + strlen(ref->path) + 2;
    if (!(e->key = malloc(kl)))
        return MG_ERR_NOMEM;
    snprintf(e->key, kl, "%s/%s", ref->user, ref->path);
    s->n++;
    return MG_OK;
}

static struct entry *entry_find(struct share *s, const char *intake, size_t *idx)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->entries[i].intake, intake) == 0) {
            *idx = i;
            return &s->entries[i];
        }
    return NULL;
}

static void entry_remove(struct share *s, size_t i)
{
    free(s->entries[i].key);
    memmove(&s->entries[i], &s->entries[i + 1], (s->n - i - 1) * sizeof(s->entries[0]));
    s->n--;
}

/* ---- workers ---- */

static int start_worker(struct share *s, unsigned i)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return MG_ERR_IO;
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        for (unsigned k = 0; k < s->n_workers; k++)
            if (k != i && s->workers[k].sock >= 0)
                close(s->workers[k].sock);
        watch_forget(s->w);
        _exit(work_main(&s->cfg, &s->q, sv[1]));
    }
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        return MG_ERR_IO;
    }
    s->workers[i].pid = pid;
    s->workers[i].sock = sv[0];
    s->workers[i].intake[0] = 0;
    s->workers[i].in_job = 0;
    return MG_OK;
}

/* The worker's file is no longer with mugaid: another may go. */
static void job_over(struct share *s, struct worker_slot *k)
{
    if (k->in_job) {
        k->in_job = 0;
        s->in_jobs--;
    }
}

/* A worker that went away: its entry waits a little and goes again. */
static void worker_lost(struct share *s, unsigned i)
{
    struct worker_slot *k = &s->workers[i];
    size_t idx;
    struct entry *e = k->intake[0] ? entry_find(s, k->intake, &idx) : NULL;
    if (e) {
        e->busy = 0;
        e->not_before = now_ms() + 1000;
    }
    job_over(s, k);
    k->intake[0] = 0;
    close(k->sock);
    kill(k->pid, SIGKILL);
    waitpid(k->pid, NULL, 0);
    fprintf(stderr, "mugai-share: a worker ended%s%s; starting another\n", e ? " while on " : "",
            e ? e->key : "");
    k->sock = -1;
    if (!stop_requested && start_worker(s, i) != MG_OK)
        fprintf(stderr, "mugai-share: cannot start a worker: %s\n", strerror(errno));
}

static void worker_answer(struct share *s, unsigned i)
{
    struct worker_slot *k = &s->workers[i];
    char msg[WORK_MSG_MAX + 1], intake[QUEUE_INTAKE_LEN + 1];
    ssize_t n = recv(k->sock, msg, WORK_MSG_MAX, 0);
    if (n <= 0) {
        worker_lost(s, i);
        return;
    }
    msg[n] = 0;
    unsigned secs = 0;
    int off = 0;
    size_t idx;
    struct entry *e = NULL;
    if (sscanf(msg, "job %24s", intake) == 1 && strcmp(intake, k->intake) == 0) {
        job_over(s, k); /* it goes on placing the result; the next job may start */
        return;
    }
    if (sscanf(msg, "ok %24s", intake) == 1 && strcmp(intake, k->intake) == 0 &&
        (e = entry_find(s, intake, &idx))) {
        entry_remove(s, idx);
        if (s->daemon_down) {
            fprintf(stderr, "mugai-share: mugaid answers again\n");
            s->daemon_down = 0;
        }
    } else if (sscanf(msg, "down %24s %u %n", intake, &secs, &off) == 2 &&
               strcmp(intake, k->intake) == 0 && (e = entry_find(s, intake, &idx))) {
        /* One line per outage, not one per file: every file waits. */
        e->busy = 0;
        e->not_before = now_ms() + (int64_t)secs * 1000;
        s->daemon_back = e->not_before;
        if (!s->daemon_down)
            fprintf(stderr, "mugai-share: warning: %s; files wait\n", off ? msg + off : "");
        s->daemon_down = 1;
    } else if (sscanf(msg, "retry %24s %u %n", intake, &secs, &off) == 2 &&
               strcmp(intake, k->intake) == 0 && (e = entry_find(s, intake, &idx))) {
        e->busy = 0;
        e->not_before = now_ms() + (int64_t)secs * 1000;
        fprintf(stderr, "mugai-share: %s: %s; again in %u s\n", e->key, off ? msg + off : "", secs);
    } else {
        worker_lost(s, i);
        return;
    }
    job_over(s, k);
    k->intake[0] = 0;
}

/* Idle workers get the oldest entries that are due, one per name, while
 * fewer than share_jobs files are with mugaid: there are twice as many
 * workers, so that placing one result overlaps the next job. */
static void dispatch(struct share *s, int64_t now)
{
    if (now < s->daemon_back)
        return;
    for (unsigned i = 0; i < s->n_workers && s->in_jobs < s->cfg.share_jobs; i++) {
        struct worker_slot *k = &s->workers[i];
        if (k->sock < 0 || k->intake[0])
            continue;
        for (size_t j = 0; j < s->n; j++) {
            struct entry *e = &s->entries[j];
            if (e->busy || now < e->not_before)
                continue;
            int earlier = 0; /* an older file of the same name goes first */
            for (size_t m = 0; m < j && !earlier; m++)
                earlier = strcmp(s->entries[m].key, e->key) == 0;
            if (earlier)
                continue;
            if (send(k->sock, e->intake, strlen(e->intake), MSG_NOSIGNAL) < 0)
                break;
            e->busy = 1;
            snprintf(k->intake, sizeof(k->intake), "%s", e->intake);
            k->in_job = 1;
            s->in_jobs++;
            break;
        }
    }
}

/* ---- intake ---- */

static size_t take(void *arg, struct queue_take *t, size_t n)
{
    struct share *s = arg;
    size_t taken = queue_take(&s->q, t, n);
    for (size_t i = 0; i < n; i++) {
        struct share_ref ref;
        if (!t[i].taken)
            continue;
        memset(&ref, 0, sizeof(ref));
        snprintf(ref.user, sizeof(ref.user), "%s", t[i].user);
        snprintf(ref.path, sizeof(ref.path), "%s", t[i].path);
        if (entry_add(s, t[i].intake, &ref) != MG_OK)
            fprintf(stderr,
                    "mugai-share: out of memory: %s/%s waits in the spool until a restart\n",
                    t[i].user, t[i].path);
    }
    return taken;
}

/* An audit line about intake, from this process (the workers send the
 * others). MG_OK once mugaid took it. */
static int intake_note(struct share *s, const char *event, const char *detail)
{
    static struct share_note n;
    char err[512];
    memset(&n, 0, sizeof(n));
    snprintf(n.event, sizeof(n.event), "%s", event);
    snprintf(n.detail, sizeof(n.detail), "%s", detail);
    int sock = client_connect(s->cfg.socket, err, sizeof(err));
    if (sock < 0)
        return MG_ERR_IO;
    int rc = client_share_note(sock, &n, 30000, err, sizeof(err));
    close(sock);
    return rc;
}

static uint64_t free_mb(const char *path)
{
    struct statvfs v;
    if (statvfs(path, &v) != 0)
        return UINT64_MAX; /* cannot tell: do not stop for that */
    return (uint64_t)v.f_bavail * v.f_frsize >> 20;
}

/* Back-pressure: below share_min_free_mb on the spool's or the outbound
 * share's file system, no file is taken (they wait in the share); taking
 * starts again once there is a quarter more than that. */
static void check_space(struct share *s, int64_t now)
{
    if (now < s->next_space)
        return;
    s->next_space = now + SHARE_SPACE_EVERY;
    uint64_t min = s->cfg.share_min_free_mb, spool = free_mb(s->cfg.share_spool),
             out = free_mb(s->cfg.share_outbound);
    uint64_t least = spool < out ? spool : out;
    const char *where = spool < out ? s->cfg.share_spool : s->cfg.share_outbound;
    if (!s->intake_stopped && least < min) {
        s->intake_stopped = 1;
        s->stop_noted = 0;
        snprintf(s->stop_why, sizeof(s->stop_why),
                 "%.400s has %llu MiB free, less than share_min_free_mb (%llu)", where,
                 (unsigned long long)least, (unsigned long long)min);
        fprintf(stderr, "mugai-share: warning: intake stopped: %s\n", s->stop_why);
        syslog(LOG_WARNING, "intake stopped: %s", s->stop_why);
    } else if (s->intake_stopped && least >= min + min / 4) {
        s->intake_stopped = 0;
        s->resume_noted = 0;
        fprintf(stderr, "mugai-share: intake resumed: %llu MiB free\n", (unsigned long long)least);
        syslog(LOG_NOTICE, "intake resumed: %llu MiB free", (unsigned long long)least);
    }
    /* The audit lines (and through them the alert), until mugaid takes them. */
    if (s->intake_stopped && !s->stop_noted)
        s->stop_noted = intake_note(s, "share-intake-stopped", s->stop_why) == MG_OK;
    if (!s->intake_stopped && !s->resume_noted) {
        char d[64];
        snprintf(d, sizeof(d), "%llu MiB free", (unsigned long long)least);
        s->resume_noted = intake_note(s, "share-intake-resumed", d) == MG_OK;
    }
}

/* ---- setting up ---- */

/* INBOUND/USER and OUTBOUND/USER for a new user: theirs, group the
 * service user's group (which share_user and the store process are in),
 * mode 2770. */
static int add_user(const struct config *cfg, const char *user)
{
    if (geteuid() != 0) {
        fprintf(stderr, "mugai-share --add-user: must be run as root\n");
        return 2;
    }
    struct passwd *pw = getpwnam(user);
    if (!pw || !request_share_user_ok(user)) {
        fprintf(stderr, "mugai-share --add-user: %s: %s\n", user,
                pw ? "not a name the share accepts" : "no such user");
        return 2;
    }
    uid_t uid = pw->pw_uid; /* before the next getpwnam reuses its buffer */
    struct passwd *svc = getpwnam(cfg->user);
    if (!svc) {
        fprintf(stderr, "mugai-share --add-user: the service user %s does not exist\n", cfg->user);
        return 2;
    }
    gid_t gid = svc->pw_gid;
    const char *roots[] = {cfg->share_inbound, cfg->share_outbound};
    for (int i = 0; i < 2; i++) {
        char path[CONFIG_PATH_MAX + REQUEST_USER_MAX + 2];
        snprintf(path, sizeof(path), "%s/%s", roots[i], user);
        struct stat st;
        if ((mkdir(path, 02770) != 0 && errno != EEXIST) || lstat(path, &st) != 0 ||
            !S_ISDIR(st.st_mode) || chown(path, uid, gid) != 0 || chmod(path, 02770) != 0) {
            fprintf(stderr, "mugai-share --add-user: %s: %s\n", path,
                    errno ? strerror(errno) : "not a folder");
            return 1;
        }
        printf("%s: owner %s, group %s, mode 2770\n", path, user,
               getgrgid(gid) ? getgrgid(gid)->gr_name : "?");
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: mugai-share [--config FILE] [--socket PATH]\n"
               "       mugai-share --add-user USER [--config FILE]   (as root)\n"
               "The share_* keys of the configuration file (default " CONFIG_DEFAULT_FILE
               ")\nsay where the shares and the spool are; see the README.\n");
}

static int check_config(const struct config *cfg)
{
    const char *need[] = {cfg->share_inbound, cfg->share_outbound, cfg->share_spool};
    const char *names[] = {"share_inbound", "share_outbound", "share_spool"};
    for (int i = 0; i < 3; i++)
        if (!need[i][0]) {
            fprintf(stderr, "mugai-share: %s is not set in the configuration\n", names[i]);
            return 2;
        }
    return 0;
}

int main(int argc, char **argv)
{
    static struct share s;
    static const struct option opts[] = {
            {"config", required_argument, NULL, 'c'},   {"socket", required_argument, NULL, 's'},
            {"add-user", required_argument, NULL, 'a'}, {"version", no_argument, NULL, 'V'},
            {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    const char *file = NULL, *socket_path = NULL, *new_user = NULL;
    char err[1024];
    int ch;
    while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            file = optarg;
            break;
        case 's':
            socket_path = optarg;
            break;
        case 'a':
            new_user = optarg;
            break;
        case 'V':
            printf("mugai-share %s\n", SHARE_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    config_defaults(&s.cfg);
    if (!file && access(CONFIG_DEFAULT_FILE, F_OK) == 0)
        file = CONFIG_DEFAULT_FILE;
    if (file && config_load(&s.cfg, file, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai-share: configuration refused: %s\n", err);
        return 2;
    }
    if (socket_path && config_set(&s.cfg, "socket", socket_path, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai-share: --socket: %s\n", err);
        return 2;
    }
    config_finish(&s.cfg);
    if (config_check(&s.cfg, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai-share: %s\n", err);
        return 2;
    }
    if (check_config(&s.cfg) != 0)
        return 2;
    if (new_user)
        return add_user(&s.cfg, new_user);

    /* Only share_user's files are taken by mugaid as someone else's. */
    struct passwd *me = s.cfg.share_user[0] ? getpwnam(s.cfg.share_user) : NULL;
    if (!me || me->pw_uid != geteuid() || geteuid() == 0) {
        fprintf(stderr,
                "mugai-share: must run as share_user (%s, not root), the user mugaid takes "
                "share files from\n",
                s.cfg.share_user[0] ? s.cfg.share_user : "not set");
        return 2;
    }
    openlog("mugai-share", LOG_PID, LOG_DAEMON);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGIO, SIG_IGN); /* a lease being broken must not end us */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    /* Every watched folder is an open descriptor. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (queue_open(&s.q, s.cfg.share_spool, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai-share: spool: %s\n", err);
        return 1;
    }
    struct stat a, b;
    if (stat(s.cfg.share_inbound, &a) != 0 || fstat(s.q.fd, &b) != 0 || a.st_dev != b.st_dev) {
        fprintf(stderr,
                "mugai-share: %s and %s must be on one file system (files are moved, "
                "not copied)\n",
                s.cfg.share_spool, s.cfg.share_inbound);
        return 2;
    }
    if (watch_open(&s.w, &s.cfg, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai-share: %s\n", err);
        return 1;
    }
    /* What a previous run left in the spool goes first. */
    char **names;
    size_t n;
    if (queue_list(&s.q, &names, &n) != MG_OK) {
        fprintf(stderr, "mugai-share: cannot read the spool\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        struct share_ref ref;
        if (queue_meta(&s.q, names[i], &ref) == MG_OK)
            entry_add(&s, names[i], &ref);
        else
            fprintf(stderr, "mugai-share: warning: spool entry %s is unreadable; left there\n",
                    names[i]);
    }
    queue_list_free(names, n);
    s.n_workers = 2 * s.cfg.share_jobs < SHARE_JOBS_MAX ? 2 * s.cfg.share_jobs : SHARE_JOBS_MAX;
    for (unsigned i = 0; i < s.n_workers; i++)
        s.workers[i].sock = -1;
    for (unsigned i = 0; i < s.n_workers; i++)
        if (start_worker(&s, i) != MG_OK) {
            fprintf(stderr, "mugai-share: cannot start a worker: %s\n", strerror(errno));
            return 1;
        }
    fprintf(stderr,
            "mugai-share %s: %s -> %s through %s; %zu file(s) in the spool from before, %u "
            "worker(s)\n",
            SHARE_VERSION, s.cfg.share_inbound, s.cfg.share_outbound, s.cfg.socket, s.n,
            s.n_workers);
    watch_rescan(s.w, now_ms(), 1);
    s.resume_noted = 1; /* nothing to say about intake until it stops */
    int64_t next_tick = 0;
    while (!stop_requested) {
        struct pollfd pf[SHARE_JOBS_MAX + 1];
        pf[0].fd = watch_fd(s.w);
        pf[0].events = POLLIN;
        for (unsigned i = 0; i < s.n_workers; i++) {
            pf[i + 1].fd = s.workers[i].sock;
            pf[i + 1].events = POLLIN;
        }
        int r = poll(pf, s.n_workers + 1, SHARE_TICK_MS);
        if (r < 0 && errno != EINTR)
            break;
        int64_t now = now_ms();
        if (r > 0 && (pf[0].revents & POLLIN))
            watch_read(s.w, now);
        for (unsigned i = 0; r > 0 && i < s.n_workers; i++)
            if (pf[i + 1].revents & (POLLIN | POLLHUP | POLLERR))
                worker_answer(&s, i);
        dispatch(&s, now); /* first: a free job slot does not wait for intake */
        check_space(&s, now);
        watch_rescan(s.w, now, 0);
        if (now >= next_tick) {
            /* Every candidate is looked at again: a few times a second,
             * however busy the workers keep this loop. */
            next_tick = now + SHARE_TICK_MS;
            if (watch_tick(s.w, now, !s.intake_stopped, SHARE_TAKE_MAX, take, &s) == SHARE_TAKE_MAX)
                next_tick = now; /* more are ready: go on after a dispatch */
        }
        dispatch(&s, now);
    }
    /* Whatever a worker is doing is resumed by the next run. */
    for (unsigned i = 0; i < s.n_workers; i++)
        if (s.workers[i].sock >= 0) {
            kill(s.workers[i].pid, SIGTERM);
            close(s.workers[i].sock);
            waitpid(s.workers[i].pid, NULL, 0);
        }
    fprintf(stderr, "mugai-share: stopped; %zu file(s) wait in the spool\n", s.n);
    for (size_t i = 0; i < s.n; i++)
        free(s.entries[i].key);
    free(s.entries);
    watch_close(s.w);
    queue_close(&s.q);
    return 0;
}
