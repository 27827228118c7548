/*
 * mugai - the command line.
 *
 *   mugai sanitize [--out DIR] [--policy FILE] [--db DIR] [--json]
 *                  [--quarantine DIR] [--password-file F] [--jobs N] INPUT...
 *
 * Loads the policy, libmagic and the ClamAV engine once, then runs every
 * input through its own sandboxed workers (job.c). Exit status: 0 all
 * released, 1 at least one blocked, 2 usage or configuration error,
 * 3 internal error (nothing released for the input that failed).
 */
#include "batch.h"
#include "client.h"
#include "err.h"
#include "job.h"
#include "mailcmd.h"
#include "auditcmd.h"
#include "pwfile.h"
#include "quarcmd.h"
#include "ident.h"
#include "names.h"
#include "outdir.h"
#include "policy.h"
#include "sandbox.h"
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MUGAI_DEFAULT_DB  "/var/lib/clamav"
#define MUGAI_DEFAULT_OUT "sanitized"
/* Workers never run as root: when we are root they switch to this user. */
#define MUGAI_DEFAULT_WORKER_USER "nobody"

enum {
    EXIT_RELEASED = 0,
    EXIT_BLOCKED = 1,
    EXIT_USAGE = 2,
    EXIT_INTERNAL = 3,
};

struct cli {
    const char *out_dir;
    const char *policy_file;
    const char *db_dir;
    const char *quarantine_dir;
    const char *password_file;
    const char *worker_user;
    const char *socket_path; /* through mugaid */
    int standalone;          /* never through mugaid */
    const char *const *passwords;
    size_t n_passwords;
    int json;
    int jobs;
    struct outdir out, quarantine; /* opened once, before any job */
};

#define MUGAI_MAX_PASSWORDS 1000

/*
 * Read one password per line (CR LF or LF; empty lines ignored). The list
 * lives until exit; workers inherit it. Returns the count, or -1.
 */

static void usage(FILE *f)
{
    fprintf(f, "usage: mugai sanitize [--out DIR] [--policy FILE] [--db DIR] [--json]\n"
               "                      [--quarantine DIR] [--password-file F] [--jobs N]\n"
               "                      [--worker-user U] [--socket PATH | --standalone] INPUT...\n"
               "       mugai mail [--policy FILE] [--db DIR] [--spool DIR]\n"
               "                  [--socket PATH | --standalone] < in.eml > out.eml\n"
               "       mugai status [--socket PATH] [--json]\n"
               "       mugai audit verify [--key PUB] [--head FILE] [LOG | FILE...]\n"
               "       mugai quarantine [--socket PATH] COMMAND ... (mugai quarantine --help)\n"
               "       mugai --version\n"
               "\n"
               "  --out DIR         where released files go (default: ./" MUGAI_DEFAULT_OUT ")\n"
               "  --policy FILE     policy file (default: built-in, = policy/default.conf)\n"
               "  --db DIR          ClamAV database directory (default: " MUGAI_DEFAULT_DB ")\n"
               "  --json            one JSON report per input (JSON Lines) on stdout\n"
               "  --quarantine DIR  keep originals of blocked inputs here\n"
               "  --password-file F passwords for encrypted archives, one per line\n"
               "  --jobs N          inputs processed side by side (default: CPUs, at most 16)\n"
               "  --socket PATH     sanitize through mugaid (default: " CLIENT_DEFAULT_SOCKET "\n"
               "                    when it exists); the daemon's policy and database apply\n"
               "  --standalone      never use mugaid: load the engine in this process\n"
               "  --worker-user U   user the sandboxed workers run as when started as root\n"
               "                    (default: " MUGAI_DEFAULT_WORKER_USER ")\n"
               "\n"
               "exit status: 0 all released, 1 some blocked, 2 usage/configuration error,\n"
               "3 internal error\n");
}

static int worse(int a, int b)
{
    /* internal > usage > blocked > released */
    static const int rank[] = {0, 1, 2, 3};
    return rank[b] > rank[a] ? b : a;
}

static void print_human(struct buf *line, const char *input, const struct job_result *r,
                        const char *output, const char *quarantined)
{
    buf_printf(line, "%-9s %-6s %s", report_verdict_name(r->verdict), r->type, input);
    if (output)
        buf_printf(line, " -> %s", output);
    if (r->verdict == VERDICT_BLOCKED) {
        buf_printf(line, ": %s: %s", reason_code(r->reason_code), r->reason);
        if (quarantined)
            buf_printf(line, " [quarantined: %s]", quarantined);
        if (r->store_id > 0)
            buf_printf(line, " [quarantine id %lld: mugai quarantine show %lld]",
                       (long long)r->store_id, (long long)r->store_id);
    } else if (r->summary[0]) {
        buf_printf(line, " (%s)", r->summary);
    }
    buf_putc(line, '\n');
}

/*
 * The input, opened for one read: a symlink is not followed and a FIFO or
 * device does not block us (job_run then refuses anything but a regular
 * file). -1 with *not_file set when it is not a file we take.
 */
static int open_input(const char *input, int *not_file)
{
    *not_file = 0;
    int fd = open(input, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && (errno == ELOOP || errno == ENXIO))
        *not_file = 1;
    return fd;
}

/* Release the output; a failure blocks the input (release-failed). */
static void release(const struct cli *c, const char *input, struct job_result *r, char *outpath,
                    size_t cap, const char **output)
{
    char name[1024], why[600];
    outdir_name(input, r->out_type, name, sizeof(name));
    if (outdir_release(&c->out, name, r->out_fd, r->size_out, outpath, cap) == MG_OK) {
        *output = outpath;
        return;
    }
    snprintf(why, sizeof(why), "%s",
             errno == EEXIST ? "every variant of the name is taken" : strerror(errno));
    job_block(r, REASON_RELEASE_FAILED, "cannot write the output into the output directory: %s",
              why);
}

/* The job by mugaid: one connection per runner process, made at first use. */
static int daemon_job(const struct cli *c, const char *input, int fd, struct job_result *r,
                      char *err, size_t cap)
{
    static int conn = -1;
    static pid_t conn_pid;
    if (conn >= 0 && conn_pid != getpid()) {
        close(conn); /* a runner forked after the first use: its own, please */
        conn = -1;
    }
    if (conn < 0 && (conn = client_connect(c->socket_path, err, cap)) < 0) {
        job_result_init(r);
        return MG_ERR_IO;
    }
    conn_pid = getpid();
    int rc = client_sanitize(conn, names_basename(input), fd, c->passwords, c->n_passwords, 0, -1,
                             r, err, cap);
    if (rc != MG_OK) {
        close(conn);
        conn = -1;
    }
    return rc;
}

/* One input, start to finish; what it prints goes into line. */
static int sanitize_one(struct job_engine *je, const struct cli *c, const char *input,
                        struct buf *line)
{
    struct job_result r;
    char outpath[4200], qpath[4200];
    const char *output = NULL, *quarantined = NULL;
    int status, not_file;

    int fd = open_input(input, &not_file);
    if (fd < 0 && !not_file) {
        fprintf(stderr, "mugai: %s: %s\n", input, strerror(errno));
        return EXIT_USAGE;
    }
    if (fd < 0) {
        job_result_init(&r);
        job_block(&r, REASON_NOT_A_FILE, "%s",
                  "not a regular file (symbolic links are not followed)");
    } else {
        char err[MSG_MAX] = "";
        int rc;
#ifdef MUGAI_THIN
        (void)je;
        rc = daemon_job(c, input, fd, &r, err, sizeof(err));
#else
        if (c->socket_path) {
            rc = daemon_job(c, input, fd, &r, err, sizeof(err));
        } else {
            struct job_request req = {names_basename(input), fd, FT_UNKNOWN};
            rc = job_run(je, &req, &r);
            snprintf(err, sizeof(err), "%s", err_str(rc));
        }
#endif
        close(fd);
        if (rc != MG_OK) {
            fprintf(stderr, "mugai: %s: internal error: %s; nothing released\n", input, err);
            job_result_free(&r);
            return EXIT_INTERNAL;
        }
    }
    if (r.released)
        release(c, input, &r, outpath, sizeof(outpath), &output);
    status = output ? EXIT_RELEASED : EXIT_BLOCKED;

    struct buf json;
    buf_init(&json, 2 * JOB_REPORT_MAX);
    if (!output && c->quarantine_dir && r.in_fd >= 0) {
        /* The stored report names no quarantine path: it is beside it. */
        if (job_result_json(&r, input, NULL, NULL, &json) != MG_OK ||
            outdir_quarantine(&c->quarantine, r.sha256_in, names_basename(input), r.in_fd,
                              r.size_in, (const char *)json.data, json.len, qpath,
                              sizeof(qpath)) != MG_OK) {
            fprintf(stderr, "mugai: %s: cannot quarantine into %s: %s\n", input, c->quarantine_dir,
                    strerror(errno));
            status = EXIT_INTERNAL;
        } else {
            quarantined = qpath;
        }
        buf_reset(&json);
    }
    if (c->json) {
        if (job_result_json(&r, input, output, quarantined, &json) == MG_OK &&
            buf_append(line, json.data, json.len) == MG_OK)
            buf_putc(line, '\n');
        else
            status = EXIT_INTERNAL;
    } else {
        print_human(line, input, &r, output, quarantined);
    }
    buf_free(&json);
    job_result_free(&r);
    return status;
}

/* What batch_run hands to each item. */
struct sanitize_batch {
    struct job_engine *je;
    const struct cli *c;
    char **inputs;
};

static int sanitize_item(int i, void *arg, struct buf *line)
{
    struct sanitize_batch *b = arg;
    return sanitize_one(b->je, b->c, b->inputs[i], line);
}

#ifndef MUGAI_THIN
/* Everything in this process: policy, libmagic and the ClamAV engine. */
static int sanitize_standalone(struct cli *c, const struct policy *pol, int n, char **inputs)
{
    char err[MSG_MAX];
    struct scan_engine *se = NULL;
    unsigned sigs = 0;
    int age = -1;
    if (job_configure_workers(c->worker_user, pol->allow_unconfined_scan, err, sizeof(err)) !=
        MG_OK) {
        fprintf(stderr, "mugai: %s\n", err);
        return EXIT_USAGE;
    }
    if (scan_load(c->db_dir, pol, &se, &sigs, &age, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai: %s; refusing to run without virus scanning\n", err);
        return EXIT_USAGE;
    }
    if (age > (int)pol->db_max_age_days)
        fprintf(stderr,
                "mugai: warning: the newest virus database in %s is %d days old "
                "(policy: %u); run freshclam\n",
                c->db_dir, age, pol->db_max_age_days);
    struct job_engine je;
    if (job_engine_init(&je, pol, se) != MG_OK) {
        fprintf(stderr, "mugai: cannot initialize the engine: %s\n",
                sandbox_error()[0] ? sandbox_error() : "libmagic database missing?");
        scan_free(se);
        return EXIT_USAGE;
    }
    if (n > 4)
        ident_prime(); /* a batch: many workers fork from here */
    je.passwords = c->passwords;
    je.n_passwords = c->n_passwords;
    struct sanitize_batch b = {&je, c, inputs};
    int status = batch_run(n, c->jobs, sanitize_item, &b, worse, EXIT_INTERNAL, stdout);
    job_engine_done(&je);
    scan_free(se);
    return status;
}

#endif

static int cmd_sanitize(int argc, char **argv)
{
    static const struct option opts[] = {
            {"out", required_argument, NULL, 'o'},
            {"policy", required_argument, NULL, 'p'},
            {"db", required_argument, NULL, 'd'},
            {"json", no_argument, NULL, 'j'},
            {"quarantine", required_argument, NULL, 'q'},
            {"password-file", required_argument, NULL, 'P'},
            {"jobs", required_argument, NULL, 'J'},
            {"worker-user", required_argument, NULL, 'U'},
            {"socket", required_argument, NULL, 'S'},
            {"standalone", no_argument, NULL, 'A'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    struct cli c = {
            .out_dir = MUGAI_DEFAULT_OUT,
            .db_dir = MUGAI_DEFAULT_DB,
            .worker_user = MUGAI_DEFAULT_WORKER_USER,
            .jobs = ncpu < 1                  ? 1
                    : ncpu > JOBS_DEFAULT_MAX ? JOBS_DEFAULT_MAX
                                              : (int)ncpu,
            .out = {.fd = -1},
            .quarantine = {.fd = -1},
    };
    int ch;
    int db_given = 0;
    while ((ch = getopt_long(argc, argv, "o:p:d:jq:P:J:U:S:Ah", opts, NULL)) != -1) {
        switch (ch) {
        case 'o':
            c.out_dir = optarg;
            break;
        case 'p':
            c.policy_file = optarg;
            break;
        case 'd':
            c.db_dir = optarg;
            db_given = 1;
            break;
        case 'S':
            c.socket_path = optarg;
            break;
        case 'A':
            c.standalone = 1;
            break;
        case 'j':
            c.json = 1;
            break;
        case 'q':
            c.quarantine_dir = optarg;
            break;
        case 'P':
            c.password_file = optarg;
            break;
        case 'U':
            c.worker_user = optarg;
            break;
        case 'J': {
            char *end;
            long j = strtol(optarg, &end, 10);
            if (*optarg == 0 || *end != 0 || j < 1 || j > JOBS_MAX) {
                fprintf(stderr, "mugai sanitize: --jobs takes a number from 1 to %d\n", JOBS_MAX);
                return EXIT_USAGE;
            }
            c.jobs = (int)j;
            break;
        }
        case 'h':
            usage(stdout);
            return EXIT_RELEASED;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "mugai sanitize: no input files\n");
        usage(stderr);
        return EXIT_USAGE;
    }

    /* The daemon when asked, or when its socket is there; else here. */
    if (!c.socket_path && !c.standalone && !c.policy_file && !db_given &&
        access(CLIENT_DEFAULT_SOCKET, F_OK) == 0)
        c.socket_path = CLIENT_DEFAULT_SOCKET;
    if (c.socket_path && (c.standalone || c.policy_file || db_given)) {
        fprintf(stderr, "mugai sanitize: --socket uses the daemon's policy and database; it "
                        "excludes --standalone, --policy and --db\n");
        return EXIT_USAGE;
    }
    struct policy pol;
    char err[MSG_MAX];
    policy_defaults(&pol);
    if (c.policy_file && policy_load_file(&pol, c.policy_file, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai: policy refused: %s\n", err);
        return EXIT_USAGE;
    }
    if (outdir_open(&c.out, c.out_dir, 0, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai: output directory %s\n", err);
        return EXIT_USAGE;
    }
    if (c.quarantine_dir &&
        outdir_open(&c.quarantine, c.quarantine_dir, 1, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai: quarantine directory %s\n", err);
        outdir_close(&c.out);
        return EXIT_USAGE;
    }
    char **passwords = NULL;
    int n_passwords = 0;
    if (c.password_file) {
        n_passwords = pwfile_read(c.password_file, MUGAI_MAX_PASSWORDS, &passwords);
        if (n_passwords < 0) {
            fprintf(stderr, "mugai: password file %s: %s\n", c.password_file, strerror(errno));
            return EXIT_USAGE;
        }
    }
    c.passwords = (const char *const *)passwords;
    c.n_passwords = (size_t)n_passwords;
    if (c.socket_path) {
        /* Is the daemon there? A socket left behind by one that is not is
         * not a reason to fail: the default one is then ignored. */
        int probe = client_connect(c.socket_path, err, sizeof(err));
        if (probe >= 0) {
            close(probe);
        } else if (strcmp(c.socket_path, CLIENT_DEFAULT_SOCKET) == 0) {
            fprintf(stderr, "mugai: warning: mugaid not reachable (%s); running standalone\n", err);
            c.socket_path = NULL;
        } else {
            fprintf(stderr, "mugai: cannot reach mugaid: %s\n", err);
            pwfile_free(passwords, n_passwords);
            return EXIT_USAGE;
        }
    }
    int status;
    if (c.socket_path) {
        struct sanitize_batch b = {NULL, &c, argv + optind};
        status = batch_run(argc - optind, c.jobs, sanitize_item, &b, worse, EXIT_INTERNAL, stdout);
    } else {
#ifdef MUGAI_THIN
        cli_exec_standalone(); /* nothing written yet: the full command takes over */
        status = EXIT_USAGE;
#else
        status = sanitize_standalone(&c, &pol, argc - optind, argv + optind);
#endif
    }
    pwfile_free(passwords, n_passwords);
    outdir_close(&c.out);
    outdir_close(&c.quarantine);
    return status;
}

/* `mugai status`: 0 when the daemon serves, 1 while its engine loads, 2
 * when it cannot be reached. Scripts wait on it. */
static int cmd_status(int argc, char **argv)
{
    static const struct option opts[] = {
            {"socket", required_argument, NULL, 'S'},
            {"json", no_argument, NULL, 'j'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    const char *path = CLIENT_DEFAULT_SOCKET;
    int json = 0, ch;
    char err[MSG_MAX];
    while ((ch = getopt_long(argc, argv, "S:jh", opts, NULL)) != -1) {
        if (ch == 'S')
            path = optarg;
        else if (ch == 'j')
            json = 1;
        else {
            fprintf(ch == 'h' ? stdout : stderr, "usage: mugai status [--socket PATH] [--json]\n");
            return ch == 'h' ? EXIT_RELEASED : EXIT_USAGE;
        }
    }
    struct buf j;
    buf_init(&j, 1 << 20);
    int sock = client_connect(path, err, sizeof(err));
    if (sock < 0 || client_status(sock, 10000, &j, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai status: %s\n", sock < 0 || err[0] ? err : "bad answer");
        if (sock >= 0)
            close(sock);
        buf_free(&j);
        return EXIT_USAGE;
    }
    close(sock);
    int ready = strstr((const char *)j.data, "\"ready\":true") != NULL;
    if (json) {
        printf("%s\n", (const char *)j.data);
    } else {
        /* One line per field, for people. */
        printf("mugaid %s\n", ready ? "ready" : "loading its engine");
        const char *p = (const char *)j.data + 1;
        while (*p && *p != '}') {
            const char *comma = p;
            int depth = 0, quoted = 0;
            for (; *comma && (depth || quoted || (*comma != ',' && *comma != '}')); comma++) {
                if (*comma == '"' && comma[-1] != '\\')
                    quoted = !quoted;
                else if (!quoted && *comma == '{')
                    depth++;
                else if (!quoted && *comma == '}')
                    depth--;
            }
            printf("  %.*s\n", (int)(comma - p), p);
            p = *comma == ',' ? comma + 1 : comma;
        }
    }
    buf_free(&j);
    return ready ? EXIT_RELEASED : EXIT_BLOCKED;
}

static char **saved_argv;

#ifdef MUGAI_THIN
/*
 * This program talks to mugaid and loads no parser. Where the engine must
 * run here (no daemon, --standalone, --policy or --db), the same command
 * built with everything, mugai-standalone, takes over with the same
 * arguments: $MUGAI_STANDALONE, else beside this program, else in the
 * installed helper directory.
 */
void cli_exec_standalone(void)
{
    char self[4096], path[4200];
    const char *env = getenv("MUGAI_STANDALONE");
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (env && *env) {
        snprintf(path, sizeof(path), "%s", env);
    } else if (n > 0) {
        self[n] = 0;
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = 0;
        snprintf(path, sizeof(path), "%s/mugai-standalone", self);
        if (access(path, X_OK) != 0)
            snprintf(path, sizeof(path), "%s/mugai-standalone", MUGAI_LIBEXECDIR);
    } else {
        snprintf(path, sizeof(path), "%s/mugai-standalone", MUGAI_LIBEXECDIR);
    }
    fflush(stdout);
    execv(path, saved_argv);
    fprintf(stderr, "mugai: cannot run %s: %s\n", path, strerror(errno));
}
#endif

int main(int argc, char **argv)
{
    saved_argv = argv;
    /* A worker dying mid-write must not take the parent with it. */
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("mugai %s\n", MUGAI_VERSION);
        return EXIT_RELEASED;
    }
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
        usage(stdout);
        return EXIT_RELEASED;
    }
    if (argc >= 2 && strcmp(argv[1], "sanitize") == 0)
        return cmd_sanitize(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "audit") == 0)
        return auditcmd_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "quarantine") == 0)
        return quarcmd_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "status") == 0)
        return cmd_status(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "mail") == 0)
        return mailcmd_main(argc - 1, argv + 1);
    usage(stderr);
    return EXIT_USAGE;
}
