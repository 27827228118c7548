/*
 * mugaid - the Mugai daemon: loads the engine once and serves every front
 * end (mugai sanitize/mail --socket, mugai-milter, mugai status).
 *
 *   mugaid [--config FILE] [--foreground] [--socket PATH] [--db DIR]
 *          [--policy FILE] [--state-dir DIR] [--user U] [--worker-user U]
 *          [--scanners N] [--scanner-jobs N] [--max-sessions N]
 *          [--db-check-seconds N] [--socket-group G] [--socket-mode MODE]
 *
 * Processes, in the spirit of Postfix's master:
 *   master (this one)  root when started as root: binds the socket, makes
 *                      the directories, starts and restarts the others,
 *                      watches the database and turns SIGHUP into a policy
 *                      and engine reload. It never touches content.
 *   front              (worker user) accepts clients, forks a session each
 *   sessions           (worker user) run jobs; workers forked from them
 *   scan engine        (worker user) the ClamAV engine and scanner pool;
 *                      a new database is loaded by a new engine process
 *                      while the old one keeps serving, then they switch
 *   audit              (service user) the only writer of the audit log and
 *                      reader of its key; the others send it events
 *   store              (service user) the quarantine: keeps blocked
 *                      originals from sessions, serves `mugai quarantine`
 *                      on the review socket (stored.h)
 * The master keeps root (when it has it) only to start the others under
 * their user; everything that parses runs as the worker user, in sandboxed
 * workers.
 */
#include "config.h"
#include "audit_send.h"
#include "auditd.h"
#include "err.h"
#include "fdio.h"
#include "json.h"
#include "proto.h"
#include "sealed.h"
#include "front.h"
#include "policy.h"
#include "scand.h"
#include "session.h"
#include "stored.h"
#include "stats.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <libgen.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

struct ids {
    int drop; /* switch to uid/gid (we are root) */
    uid_t uid;
    gid_t gid;
};

struct master {
    struct config cfg;
    struct policy pol; /* the one the current engine was started with */
    struct stats *st;
    struct ids worker;
    struct ids service;     /* the audit process's user */
    int audit_rx, audit_tx; /* the audit socket pair (audit_send.h) */
    pid_t auditd;
    int store_rx, store_tx; /* sessions hand the store their puts here */
    int review_fd;          /* the review socket, served by the store */
    pid_t stored;
    dev_t review_dev;
    ino_t review_ino;
    char run_dir[CONFIG_PATH_MAX];
    int listen_fd, sig_fd;
    int policy_fd; /* the text of the policy in force (sealed memfd) */
    int front_ctl; /* to the front: new policies */
    pid_t front;
    pid_t scand, scand_new; /* in force; loading */
    int ready_fd;           /* the loading engine says "ready" here */
    unsigned gen;
    uint64_t db_print;
    time_t next_db_check;
    int stopping;
    dev_t sock_dev; /* the socket file we made, so we remove only that one */
    ino_t sock_ino;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mugaid [--config FILE] [--foreground] [--socket PATH] [--db DIR]\n"
            "              [--policy FILE] [--state-dir DIR] [--user U] [--worker-user U]\n"
            "              [--scanners N] [--scanner-jobs N] [--max-sessions N]\n"
            "              [--db-check-seconds N] [--socket-group G] [--socket-mode MODE]\n"
            "              [--idle-seconds N] [--audit-log FILE] [--audit-key FILE]\n"
            "              [--audit-node NAME] [--audit-fsync line|batch]\n"
            "              [--audit-checkpoint-seconds N] [--audit-rotate-mb N]\n"
            "              [--store-dir DIR] [--review-socket PATH] [--approver-group G]\n"
            "              [--retention-days N] [--sendmail PATH] [--store-database CONNINFO]\n"
            "              [--alert-to ADDR] [--alert-batch-seconds N] [--alert-max-per-hour N]\n"
            "Every option is also a key of the configuration file (default " CONFIG_DEFAULT_FILE
            ",\nread when present); options win over the file.\n");
}

static int lookup_user(const char *name, struct ids *ids, char *err, size_t cap)
{
    ids->drop = 0;
    if (geteuid() != 0)
        return MG_OK; /* nothing to drop to: everything runs as us */
    struct passwd *pw = getpwnam(name);
    if (!pw || pw->pw_uid == 0) {
        snprintf(err, cap, "user %s: %s", name, pw ? "is root" : "no such user");
        return MG_ERR_USAGE;
    }
    ids->drop = 1;
    ids->uid = pw->pw_uid;
    ids->gid = pw->pw_gid;
    return MG_OK;
}

/* In a child: become the given user for good, die with the master. */
static void child_become(const struct ids *ids)
{
    if (ids->drop && (setgroups(0, NULL) != 0 || setresgid(ids->gid, ids->gid, ids->gid) != 0 ||
                      setresuid(ids->uid, ids->uid, ids->uid) != 0)) {
        fprintf(stderr, "mugaid: cannot switch user: %s\n", strerror(errno));
        _exit(1);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_DUMPABLE, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* A directory of ours: made if missing, given to the user with mode. */
static int own_dir(const char *path, const struct ids *ids, mode_t mode)
{
    struct stat st;
    if (mkdir(path, mode) != 0 && errno != EEXIST)
        return -1;
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return -1;
    if (ids->drop && chown(path, ids->uid, ids->gid) != 0)
        return -1;
    return chmod(path, mode);
}

static int bind_socket(const char *path, const char *group, unsigned mode, int *out, dev_t *dev,
                       ino_t *ino, char *err, size_t cap)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, strlen(path) + 1);
    /* A socket left by a previous run is replaced; a live one (another
     * mugaid answers on it) or anything else is not. */
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
        snprintf(err, cap, "%s exists and is not a socket", path);
        return MG_ERR_USAGE;
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        close(probe);
        snprintf(err, cap, "%s: another mugaid is running there", path);
        return MG_ERR_USAGE;
    }
    if (probe >= 0)
        close(probe);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return MG_ERR_IO;
    }
    gid_t gid = (gid_t)-1;
    if (group[0]) {
        struct group *g = getgrnam(group);
        if (!g && geteuid() == 0) {
            snprintf(err, cap, "group %s: no such group", group);
            close(fd);
            return MG_ERR_USAGE;
        }
        gid = g ? g->gr_gid : (gid_t)-1;
    }
    if ((gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) != 0 && geteuid() == 0) ||
        chmod(path, mode) != 0) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        close(fd);
        return MG_ERR_IO;
    }
    *out = fd;
    if (stat(path, &st) == 0) {
        *dev = st.st_dev;
        *ino = st.st_ino;
    }
    return MG_OK;
}

/* What the database directory holds, as one number: names, sizes, times. */
static uint64_t db_fingerprint(const char *dir)
{
    uint64_t h = 1469598103934665603ull;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char p[4096];
        struct stat st;
        if (e->d_name[0] == '.' ||
            (size_t)snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >= sizeof(p) ||
            stat(p, &st) != 0)
            continue;
        uint64_t x = (uint64_t)st.st_size ^ ((uint64_t)st.st_mtim.tv_sec << 20) ^
                     (uint64_t)st.st_mtim.tv_nsec;
        for (const char *c = e->d_name; *c; c++)
            x = (x ^ (uint8_t)*c) * 1099511628211ull;
        h += x * 0x9E3779B97F4A7C15ull; /* order of entries does not matter */
    }
    closedir(d);
    return h;
}

/*
 * Read and check the policy file here (it need not be readable by the
 * worker user); the text goes to the front in a sealed memfd. MG_OK with
 * *pol and *fd set, or an error with FILE:LINE: reason in err.
 */
static int read_policy(const struct config *cfg, struct policy *pol, int *fd, char *err, size_t cap)
{
    struct buf text;
    int mfd = sealed_new("mugai-policy"), rc = MG_ERR_IO;
    buf_init(&text, POLICY_MAX_TEXT + 1);
    policy_defaults(pol);
    if (mfd < 0) {
        snprintf(err, cap, "cannot make a memfd: %s", strerror(errno));
        goto out;
    }
    if (cfg->policy[0]) {
        FILE *f = fopen(cfg->policy, "rb");
        uint8_t chunk[8192];
        size_t n;
        if (!f) {
            snprintf(err, cap, "%.900s: cannot read: %s", cfg->policy, strerror(errno));
            goto out;
        }
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && buf_append(&text, chunk, n) == MG_OK)
            ;
        int bad = ferror(f) || !feof(f);
        fclose(f);
        if (bad) {
            snprintf(err, cap, "%.900s: larger than %u bytes or unreadable", cfg->policy,
                     POLICY_MAX_TEXT);
            goto out;
        }
        if ((rc = policy_parse(pol, (const char *)text.data, text.len, cfg->policy, err, cap)) !=
            MG_OK)
            goto out;
    }
    rc = MG_ERR_IO;
    if (fdio_write_all(mfd, text.data ? text.data : (const uint8_t *)"", text.len) != MG_OK ||
        sealed_seal(mfd) != MG_OK) {
        snprintf(err, cap, "cannot keep the policy text");
        goto out;
    }
    *fd = mfd;
    mfd = -1;
    rc = MG_OK;
out:
    if (mfd >= 0)
        close(mfd);
    buf_free(&text);
    return rc;
}

static void send_policy(struct master *m)
{
    if (m->front_ctl >= 0 &&
        proto_send(m->front_ctl, PROTO_POLICY, NULL, 0, &m->policy_fd, 1) != MG_OK)
        fprintf(stderr, "mugaid: cannot hand the policy to the front process\n");
}

static pid_t start_front(struct master *m)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        close(m->sig_fd);
        if (m->ready_fd >= 0)
            close(m->ready_fd);
        if (m->front_ctl >= 0)
            close(m->front_ctl);
        close(m->policy_fd);
        if (m->audit_rx >= 0)
            close(m->audit_rx);
        audit_send_set_fd(m->audit_tx, 0); /* sessions wait for room */
        close(m->store_rx);
        close(m->review_fd);
        session_set_store(m->store_tx);
        child_become(&m->worker);
        _exit(front_main(&m->cfg, m->st, m->listen_fd, sv[1], m->run_dir));
    }
    close(sv[1]);
    if (m->front_ctl >= 0)
        close(m->front_ctl);
    m->front_ctl = pid > 0 ? sv[0] : -1;
    if (pid < 0)
        close(sv[0]);
    else
        send_policy(m);
    return pid;
}

/* A new engine process; it says "ready" on a pipe when it serves. */
static int start_scand(struct master *m)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return MG_ERR_IO;
    m->gen++;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        close(m->sig_fd);
        close(m->listen_fd);
        close(m->policy_fd);
        if (m->ready_fd >= 0)
            close(m->ready_fd);
        if (m->front_ctl >= 0)
            close(m->front_ctl);
        if (m->audit_rx >= 0)
            close(m->audit_rx);
        if (m->audit_tx >= 0)
            close(m->audit_tx);
        audit_send_set_fd(-1, 0);
        close(m->store_rx);
        close(m->store_tx);
        close(m->review_fd);
        child_become(&m->worker);
        _exit(scand_main(&m->cfg, &m->pol, m->st, m->run_dir, m->gen, p[1]));
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return MG_ERR_IO;
    }
    if (m->ready_fd >= 0)
        close(m->ready_fd);
    m->ready_fd = p[0];
    m->scand_new = pid;
    return MG_OK;
}

/* The audit writer, as the service user, with only the receiving end. */
static pid_t start_auditd(struct master *m)
{
    if (m->audit_rx < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(m->sig_fd);
        close(m->listen_fd);
        close(m->policy_fd);
        close(m->audit_tx);
        if (m->ready_fd >= 0)
            close(m->ready_fd);
        if (m->front_ctl >= 0)
            close(m->front_ctl);
        close(m->store_rx);
        close(m->store_tx);
        close(m->review_fd);
        child_become(&m->service);
        _exit(auditd_main(&m->cfg, m->audit_rx));
    }
    return pid;
}

/* The store, as the service user, with the receiving end of the puts and
 * the review socket. */
static pid_t start_stored(struct master *m)
{
    pid_t pid = fork();
    if (pid == 0) {
        close(m->sig_fd);
        close(m->listen_fd);
        close(m->policy_fd);
        close(m->store_tx);
        if (m->audit_rx >= 0)
            close(m->audit_rx);
        audit_send_set_fd(m->audit_tx, 0);
        if (m->ready_fd >= 0)
            close(m->ready_fd);
        if (m->front_ctl >= 0)
            close(m->front_ctl);
        child_become(&m->service);
        _exit(stored_main(&m->cfg, m->store_rx, m->review_fd));
    }
    return pid;
}

/* SIGHUP: the policy again (refused whole when wrong), and a new engine. */
static void reload(struct master *m, const char *why)
{
    char err[1024];
    struct policy p;
    int fd = -1;
    if (read_policy(&m->cfg, &p, &fd, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugaid: reload refused, nothing changed: %s\n", err);
        m->st->policy_reload_failures++;
        struct buf f;
        struct json j;
        buf_init(&f, 2048);
        json_fields(&j, &f);
        json_kv_str(&j, "why", why);
        json_kv_str(&j, "error", err);
        if (json_end(&j) == MG_OK)
            audit_event("reload-refused", (const char *)f.data);
        buf_free(&f);
        return;
    }
    struct buf f;
    struct json j;
    buf_init(&f, 2048);
    json_fields(&j, &f);
    json_kv_str(&j, "why", why);
    json_kv_str(&j, "policy", m->cfg.policy);
    if (json_end(&j) == MG_OK)
        audit_event("reload", (const char *)f.data);
    buf_free(&f);
    m->pol = p;
    close(m->policy_fd);
    m->policy_fd = fd;
    send_policy(m);
    if (m->scand_new > 0) {
        fprintf(stderr, "mugaid: %s: an engine is already loading; it will be checked again\n",
                why);
        m->next_db_check = time(NULL);
        return;
    }
    fprintf(stderr, "mugaid: %s: loading a new engine, the current one keeps serving\n", why);
    if (start_scand(m) != MG_OK)
        fprintf(stderr, "mugaid: cannot start a new engine: %s\n", strerror(errno));
}

static void on_ready(struct master *m)
{
    char c;
    ssize_t r = read(m->ready_fd, &c, 1);
    close(m->ready_fd);
    m->ready_fd = -1;
    if (r != 1)
        return; /* it died while loading: handled when it is reaped */
    if (m->scand > 0)
        kill(m->scand, SIGTERM); /* finishes the scans under way, then goes */
    struct buf f;
    struct json j;
    buf_init(&f, 512);
    json_fields(&j, &f);
    json_kv_uint(&j, "generation", m->gen);
    json_kv_str(&j, "db", m->cfg.db);
    if (m->st->db_built_at > 0) {
        time_t now = time(NULL);
        json_kv_uint(&j, "db_age_days",
                     (unsigned long long)(now > m->st->db_built_at
                                                  ? (now - m->st->db_built_at) / 86400
                                                  : 0));
        json_kv_uint(&j, "db_max_age_days", m->pol.db_max_age_days);
    }
    if (json_end(&j) == MG_OK)
        audit_event("engine-loaded", (const char *)f.data);
    buf_free(&f);
    m->scand = m->scand_new;
    m->scand_new = -1;
}

static void on_child(struct master *m)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (pid == m->auditd) {
            m->auditd = -1;
            if (!m->stopping) {
                /* Records wait in the socket meanwhile: none is lost. */
                fprintf(stderr, "mugaid: the audit process ended (status %d); restarting it\n",
                        status);
                sleep(1);
                m->auditd = start_auditd(m);
            }
        } else if (pid == m->stored) {
            m->stored = -1;
            if (!m->stopping) {
                /* Puts wait in the socket meanwhile; sessions time out on
                 * theirs only if it stays away for a minute. */
                fprintf(stderr, "mugaid: the store process ended (status %d); restarting it\n",
                        status);
                sleep(1);
                m->stored = start_stored(m);
            }
        } else if (pid == m->front) {
            m->front = -1;
            if (m->front_ctl >= 0)
                close(m->front_ctl);
            m->front_ctl = -1;
            if (!m->stopping) {
                fprintf(stderr, "mugaid: the front process ended (status %d); restarting it\n",
                        status);
                sleep(1);
                m->front = start_front(m);
            }
        } else if (pid == m->scand_new) {
            m->scand_new = -1;
            if (m->ready_fd >= 0) {
                close(m->ready_fd);
                m->ready_fd = -1;
            }
            m->st->db_reload_failures++;
            audit_event("engine-failed", "");
            fprintf(stderr, "mugaid: error: the new engine did not load (status %d); %s\n", status,
                    m->scand > 0 ? "the previous engine keeps serving" : "no engine is serving");
            if (m->scand <= 0 && !m->stopping) {
                m->st->engine_ready = 0;
                m->next_db_check = time(NULL) + 10;
            }
        } else if (pid == m->scand) {
            m->scand = -1;
            if (!m->stopping) {
                m->st->engine_ready = 0;
                fprintf(stderr, "mugaid: the engine process ended (status %d); restarting it\n",
                        status);
                if (m->scand_new <= 0)
                    start_scand(m);
            }
        } else if (!ok) {
            fprintf(stderr, "mugaid: an old engine process ended with status %d\n", status);
        }
    }
}

static int master_loop(struct master *m)
{
    for (;;) {
        if (m->stopping && m->front <= 0 && m->scand <= 0 && m->scand_new <= 0) {
            /* No session is left to put anything: the store goes; then the
             * last line, and the audit writer drains and goes. */
            if (m->stored > 0) {
                kill(m->stored, SIGTERM);
                waitpid(m->stored, NULL, 0);
            }
            audit_event("stop", "");
            if (m->auditd > 0) {
                kill(m->auditd, SIGTERM);
                waitpid(m->auditd, NULL, 0);
            }
            return 0;
        }
        struct pollfd pf[2] = {{.fd = m->sig_fd, .events = POLLIN},
                               {.fd = m->ready_fd, .events = POLLIN}};
        if (poll(pf, m->ready_fd >= 0 ? 2 : 1, 1000) < 0 && errno != EINTR)
            return 1;
        if (m->ready_fd >= 0 && pf[1].revents)
            on_ready(m);
        struct signalfd_siginfo si;
        while (read(m->sig_fd, &si, sizeof(si)) == sizeof(si)) {
            if (si.ssi_signo == SIGCHLD) {
                on_child(m);
            } else if (si.ssi_signo == SIGHUP) {
                m->db_print = db_fingerprint(m->cfg.db);
                reload(m, "SIGHUP");
            } else if ((si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) && !m->stopping) {
                m->stopping = 1;
                pid_t kids[3] = {m->front, m->scand, m->scand_new};
                for (int i = 0; i < 3; i++)
                    if (kids[i] > 0)
                        kill(kids[i], SIGTERM);
            }
        }
        time_t now = time(NULL);
        if (!m->stopping && now >= m->next_db_check) {
            m->next_db_check = now + m->cfg.db_check_seconds;
            uint64_t fp = db_fingerprint(m->cfg.db);
            if (fp != m->db_print || (m->scand <= 0 && m->scand_new <= 0)) {
                m->db_print = fp;
                reload(m, "the virus database changed");
            }
        }
    }
}

static int parse_args(int argc, char **argv, struct config *cfg, int *foreground)
{
    static const struct option opts[] = {
            {"config", required_argument, NULL, 'c'},
            {"foreground", no_argument, NULL, 'f'},
            {"socket", required_argument, NULL, 1},
            {"db", required_argument, NULL, 2},
            {"policy", required_argument, NULL, 3},
            {"state-dir", required_argument, NULL, 4},
            {"user", required_argument, NULL, 5},
            {"worker-user", required_argument, NULL, 6},
            {"scanners", required_argument, NULL, 7},
            {"scanner-jobs", required_argument, NULL, 8},
            {"max-sessions", required_argument, NULL, 9},
            {"db-check-seconds", required_argument, NULL, 10},
            {"socket-group", required_argument, NULL, 11},
            {"socket-mode", required_argument, NULL, 12},
            {"idle-seconds", required_argument, NULL, 13},
            {"audit-log", required_argument, NULL, 14},
            {"audit-key", required_argument, NULL, 15},
            {"audit-node", required_argument, NULL, 16},
            {"audit-fsync", required_argument, NULL, 17},
            {"audit-checkpoint-seconds", required_argument, NULL, 18},
            {"audit-rotate-mb", required_argument, NULL, 19},
            {"store-dir", required_argument, NULL, 20},
            {"review-socket", required_argument, NULL, 21},
            {"approver-group", required_argument, NULL, 22},
            {"retention-days", required_argument, NULL, 23},
            {"sendmail", required_argument, NULL, 24},
            {"store-database", required_argument, NULL, 25},
            {"alert-to", required_argument, NULL, 26},
            {"alert-batch-seconds", required_argument, NULL, 27},
            {"alert-max-per-hour", required_argument, NULL, 28},
            {"version", no_argument, NULL, 'V'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    static const char *keys[] = {NULL,
                                 "socket",
                                 "db",
                                 "policy",
                                 "state_dir",
                                 "user",
                                 "worker_user",
                                 "scanners",
                                 "scanner_jobs",
                                 "max_sessions",
                                 "db_check_seconds",
                                 "socket_group",
                                 "socket_mode",
                                 "idle_seconds",
                                 "audit_log",
                                 "audit_key",
                                 "audit_node",
                                 "audit_fsync",
                                 "audit_checkpoint_seconds",
                                 "audit_rotate_mb",
                                 "store_dir",
                                 "review_socket",
                                 "approver_group",
                                 "retention_days",
                                 "sendmail",
                                 "store_database",
                                 "alert_to",
                                 "alert_batch_seconds",
                                 "alert_max_per_hour"};
    const char *file = NULL;
    char err[1024];
    int ch;

    /* The file first, then the options over it, in one more pass. */
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "c:fVh", opts, NULL)) != -1)
        if (ch == 'c')
            file = optarg;
    if (!file && access(CONFIG_DEFAULT_FILE, F_OK) == 0)
        file = CONFIG_DEFAULT_FILE;
    if (file && config_load(cfg, file, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugaid: configuration refused: %s\n", err);
        return 2;
    }
    optind = 1;
    opterr = 1;
    while ((ch = getopt_long(argc, argv, "c:fVh", opts, NULL)) != -1) {
        if (ch == 'c')
            continue;
        if (ch == 'f') {
            *foreground = 1;
        } else if (ch == 'V') {
            printf("mugaid %s\n", MUGAI_VERSION);
            return 0;
        } else if (ch == 'h') {
            usage(stdout);
            return 0;
        } else if (ch >= 1 && ch <= 28) {
            if (config_set(cfg, keys[ch], optarg, err, sizeof(err)) != MG_OK) {
                fprintf(stderr, "mugaid: --%s: %s\n", opts[ch + 1].name, err);
                return 2;
            }
        } else {
            usage(stderr);
            return 2;
        }
    }
    config_finish(cfg);
    if (optind != argc || config_check(cfg, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugaid: %s\n", optind != argc ? "unexpected argument" : err);
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    struct master m;
    char err[1024], sock_copy[CONFIG_PATH_MAX], tmp[CONFIG_PATH_MAX + 16];
    int foreground = 0;
    sigset_t mask;

    memset(&m, 0, sizeof(m));
    config_defaults(&m.cfg);
    int rc = parse_args(argc, argv, &m.cfg, &foreground);
    if (rc >= 0)
        return rc;
    m.front_ctl = -1;
    if (read_policy(&m.cfg, &m.pol, &m.policy_fd, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugaid: policy refused: %s\n", err);
        return 2;
    }
    if (lookup_user(m.cfg.worker_user, &m.worker, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugaid: worker %s\n", err);
        return 2;
    }
    if (lookup_user(m.cfg.user, &m.service, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugaid: service %s\n", err);
        return 2;
    }
    /* The worker user must not be able to read the audit key. */
    if (m.service.drop && m.worker.drop && m.service.uid == m.worker.uid) {
        fprintf(stderr, "mugaid: user and worker_user must be different users\n");
        return 2;
    }
    m.audit_rx = m.audit_tx = -1;
    if (m.cfg.audit_log[0]) {
        char dir[CONFIG_PATH_MAX];
        snprintf(dir, sizeof(dir), "%s", m.cfg.audit_log);
        if (own_dir(dirname(dir), &m.service, 0750) != 0) {
            fprintf(stderr, "mugaid: cannot prepare the audit log's directory %s: %s\n", dir,
                    strerror(errno));
            return 2;
        }
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
            fprintf(stderr, "mugaid: cannot make the audit socket: %s\n", strerror(errno));
            return 1;
        }
        m.audit_rx = sv[0];
        m.audit_tx = sv[1];
        audit_send_set_fd(m.audit_tx, 1);
    }
    snprintf(sock_copy, sizeof(sock_copy), "%s", m.cfg.socket);
    snprintf(m.run_dir, sizeof(m.run_dir), "%s", dirname(sock_copy));
    struct ids root_ids = {0, 0, 0};
    snprintf(tmp, sizeof(tmp), "%s/private", m.run_dir);
    /* The state directory is root's: the worker user's scratch and the
     * service user's store sit side by side in it, neither able to rename
     * the other's away. */
    if (own_dir(m.run_dir, &root_ids, 0755) != 0 || own_dir(tmp, &m.worker, 0700) != 0 ||
        own_dir(m.cfg.state_dir, &root_ids, 0755) != 0) {
        fprintf(stderr, "mugaid: cannot prepare %s and %s: %s\n", m.run_dir, m.cfg.state_dir,
                strerror(errno));
        return 2;
    }
    snprintf(tmp, sizeof(tmp), "%s/tmp", m.cfg.state_dir);
    if (own_dir(tmp, &m.worker, 0700) != 0) {
        fprintf(stderr, "mugaid: cannot prepare %s: %s\n", tmp, strerror(errno));
        return 2;
    }
    if (own_dir(m.cfg.store_dir, &m.service, 0700) != 0) {
        fprintf(stderr, "mugaid: cannot prepare the store %s: %s\n", m.cfg.store_dir,
                strerror(errno));
        return 2;
    }
    if (bind_socket(m.cfg.socket, m.cfg.socket_group, m.cfg.socket_mode, &m.listen_fd, &m.sock_dev,
                    &m.sock_ino, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugaid: cannot listen: %s\n", err);
        return 2;
    }
    /* Anyone may connect to the review socket: what each caller may see and
     * do is decided by the store from their uid. */
    if (bind_socket(m.cfg.review_socket, "", 0666, &m.review_fd, &m.review_dev, &m.review_ino, err,
                    sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugaid: cannot listen for review: %s\n", err);
        return 2;
    }
    {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
            fprintf(stderr, "mugaid: cannot make the store socket: %s\n", strerror(errno));
            return 1;
        }
        m.store_rx = sv[0];
        m.store_tx = sv[1];
    }
    if (!foreground && daemon(0, 1) != 0) {
        fprintf(stderr, "mugaid: cannot go to the background: %s\n", strerror(errno));
        return 1;
    }
    if (!(m.st = stats_create()))
        return 1;
    m.st->started_at = (int64_t)time(NULL);
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    m.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    m.ready_fd = -1;
    m.scand = m.scand_new = -1;
    m.db_print = db_fingerprint(m.cfg.db);
    m.next_db_check = time(NULL) + m.cfg.db_check_seconds;
    fprintf(stderr, "mugaid %s: listening on %s; loading the engine from %s\n", MUGAI_VERSION,
            m.cfg.socket, m.cfg.db);
    m.auditd = -1;
    if (m.audit_rx >= 0 && (m.auditd = start_auditd(&m)) < 0) {
        fprintf(stderr, "mugaid: cannot start the audit process: %s\n", strerror(errno));
        return 1;
    }
    {
        struct buf f;
        struct json j;
        buf_init(&f, 4096);
        json_fields(&j, &f);
        json_kv_str(&j, "version", MUGAI_VERSION);
        json_kv_str(&j, "policy", m.cfg.policy);
        json_kv_str(&j, "db", m.cfg.db);
        if (json_end(&j) == MG_OK)
            audit_event("start", (const char *)f.data);
        buf_free(&f);
    }
    if (m.sig_fd < 0 || (m.stored = start_stored(&m)) < 0 || start_scand(&m) != MG_OK ||
        (m.front = start_front(&m)) < 0) {
        fprintf(stderr, "mugaid: cannot start: %s\n", strerror(errno));
        return 1;
    }
    rc = master_loop(&m);
    /* Remove the socket file only if it is still ours (a newer mugaid may
     * have replaced it). */
    struct stat st;
    if (stat(m.cfg.socket, &st) == 0 && st.st_dev == m.sock_dev && st.st_ino == m.sock_ino)
        unlink(m.cfg.socket);
    if (stat(m.cfg.review_socket, &st) == 0 && st.st_dev == m.review_dev &&
        st.st_ino == m.review_ino)
        unlink(m.cfg.review_socket);
    fprintf(stderr, "mugaid: stopped\n");
    return rc;
}
