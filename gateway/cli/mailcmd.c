/*
 * mailcmd - `mugai mail`, the pipe mode (see mailcmd.h).
 *
 * Order matters for "never lose a message": the input is read completely
 * (a message over mail_max_size is refused unread past the limit, never
 * truncated), kept in the spool and fsynced, and only then sanitized.
 * Every step that cannot complete ends in EX_TEMPFAIL with nothing usable
 * on stdout, so an MTA keeps the message and retries.
 *
 * When the job blocks the message, the recipient still hears of it: a
 * second sandboxed worker builds a notice message from the original's
 * headers (mailsan_notice), and the parent falls back to a notice without
 * them if that worker fails. The parent itself never parses the message.
 */
#include "mailcmd.h"
#include "client.h"
#include "err.h"
#include "fdio.h"
#include "job.h"
#include "mailjob.h"
#include "policy.h"
#include "report.h"
#include "sandbox.h"
#include "scan.h"
#include "sealed.h"
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAILCMD_DEFAULT_DB "/var/lib/clamav"

struct mailcmd_opts {
    const char *policy_file;
    const char *db_dir;
    const char *spool_dir;
    const char *worker_user;
    const char *socket_path; /* through mugaid */
    int standalone;          /* never through mugaid */
};

static void mailcmd_usage(FILE *f)
{
    fprintf(f,
            "usage: mugai mail [--policy FILE] [--db DIR] [--spool DIR] [--worker-user U]\n"
            "                  [--socket PATH | --standalone]\n"
            "                  [--sender ADDR] [--recipient ADDR]... < in.eml > out.eml\n"
            "\n"
            "  --policy FILE  policy file (default: built-in)\n"
            "  --db DIR       ClamAV database directory (default: " MAILCMD_DEFAULT_DB ")\n"
            "  --spool DIR    where originals are kept (default: " MAILCMD_DEFAULT_SPOOL ")\n"
            "  --worker-user U  user the sandboxed workers run as when started as root\n"
            "                 (default: nobody)\n"
            "  --socket PATH  sanitize through mugaid at PATH (default: " CLIENT_DEFAULT_SOCKET "\n"
            "                 when it exists; --policy and --db are then the daemon's)\n"
            "  --standalone   never use mugaid: load the engine in this process\n"
            "  --sender, --recipient  the envelope (Postfix pipe: ${sender}, ${recipient}),\n"
            "                 kept with a held message so a release reaches its recipients\n"
            "\n"
            "exit status: 0 sanitized message on stdout; 1 held (notice message on stdout)\n"
            "or refused as too large (stdout empty); 75 temporary failure, retry later\n");
}

/* ---- main ---- */

/* The job through mugaid: nothing heavy is loaded here. */
static void mail_via_daemon(const char *socket_path, int in_fd, const struct mail_envelope *env,
                            struct mail_reply *reply, int *deliver_fd)
{
    char err[1024];
    reply->status = MAILJOB_EXIT_TEMPFAIL;
    int sock = client_connect(socket_path, err, sizeof(err));
    if (sock < 0 || client_mail(sock, in_fd, env, -1, NULL, NULL, reply, deliver_fd, err,
                                sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai mail: daemon: %s\n", err);
        reply->status = MAILJOB_EXIT_TEMPFAIL;
    }
    if (sock >= 0)
        close(sock);
}

#ifndef MUGAI_THIN
/* The job here: engine loaded for this one message. */
static void mail_standalone(const struct mailcmd_opts *o, const struct policy *pol, int in_fd,
                            uint64_t len, const char *sha, const char *kept,
                            struct mail_reply *reply, int *deliver_fd)
{
    struct scan_engine *se = NULL;
    struct job_engine je;
    char err[1024];
    unsigned sigs = 0;
    int age = -1;

    reply->status = MAILJOB_EXIT_TEMPFAIL;
    if (scan_load(o->db_dir, pol, &se, &sigs, &age, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai mail: %s; refusing to run without virus scanning\n", err);
        return;
    }
    if (job_configure_workers(o->worker_user, pol->allow_unconfined_scan, err, sizeof(err)) !=
        MG_OK) {
        fprintf(stderr, "mugai mail: %s\n", err);
    } else if (job_engine_init(&je, pol, se) != MG_OK) {
        fprintf(stderr, "mugai mail: cannot initialize the engine\n");
    } else {
        mailjob_run(&je, in_fd, len, sha, kept, NULL, reply, deliver_fd);
        job_engine_done(&je);
    }
    scan_free(se);
}

#endif

int mailcmd_main(int argc, char **argv)
{
    static const struct option opts[] = {
            {"policy", required_argument, NULL, 'p'}, {"db", required_argument, NULL, 'd'},
            {"spool", required_argument, NULL, 's'},  {"worker-user", required_argument, NULL, 'U'},
            {"socket", required_argument, NULL, 'S'}, {"standalone", no_argument, NULL, 'A'},
            {"sender", required_argument, NULL, 'f'}, {"recipient", required_argument, NULL, 'r'},
            {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    static struct mail_envelope env; /* large; one per process */
    int have_env = 0;
    struct mailcmd_opts o = {NULL, MAILCMD_DEFAULT_DB, MAILCMD_DEFAULT_SPOOL, "nobody", NULL, 0};
    struct policy pol;
    struct mail_reply reply;
    char err[1024], sha[65], kept[4200];
    int in_fd = -1, deliver_fd = -1, ch, too_big;
    uint64_t len;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "p:d:s:U:S:Af:r:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            o.policy_file = optarg;
            break;
        case 'd':
            o.db_dir = optarg;
            break;
        case 's':
            o.spool_dir = optarg;
            break;
        case 'U':
            o.worker_user = optarg;
            break;
        case 'S':
            o.socket_path = optarg;
            break;
        case 'A':
            o.standalone = 1;
            break;
        case 'f':
        case 'r': {
            /* The envelope, for the quarantine's release: Postfix's pipe
             * passes ${sender} and ${recipient}. */
            size_t have = strlen(env.recipients), add = strlen(optarg);
            if (ch == 'f') {
                snprintf(env.sender, sizeof(env.sender), "%s", optarg);
            } else if (have + add + 2 < sizeof(env.recipients)) {
                snprintf(env.recipients + have, sizeof(env.recipients) - have, "%s%s",
                         have ? "\n" : "", optarg);
            } else {
                fprintf(stderr, "mugai mail: too many recipients\n");
                return MAILCMD_EXIT_TEMPFAIL;
            }
            have_env = 1;
            break;
        }
        case 'h':
            mailcmd_usage(stdout);
            return MAILCMD_EXIT_OK;
        default:
            mailcmd_usage(stderr);
            return MAILCMD_EXIT_TEMPFAIL;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "mugai mail: the message is read from standard input\n");
        mailcmd_usage(stderr);
        return MAILCMD_EXIT_TEMPFAIL;
    }
    /* The daemon when asked, or when its socket is there; else here. */
    int db_given = strcmp(o.db_dir, MAILCMD_DEFAULT_DB) != 0;
    if (!o.socket_path && !o.standalone && !o.policy_file && !db_given &&
        access(CLIENT_DEFAULT_SOCKET, F_OK) == 0)
        o.socket_path = CLIENT_DEFAULT_SOCKET;
    if (o.socket_path && o.standalone) {
        fprintf(stderr, "mugai mail: --socket and --standalone exclude each other\n");
        return MAILCMD_EXIT_TEMPFAIL;
    }
#ifdef MUGAI_THIN
    if (!o.socket_path) {
        cli_exec_standalone(); /* before anything is read from standard input */
        return MAILCMD_EXIT_TEMPFAIL;
    }
#endif

    policy_defaults(&pol);
    if (o.policy_file && policy_load_file(&pol, o.policy_file, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai mail: policy refused: %s\n", err);
        return MAILCMD_EXIT_TEMPFAIL;
    }
    if (sealed_copy(0, pol.mail_max_size, &in_fd, &len, &too_big) != MG_OK) {
        fprintf(stderr, "mugai mail: cannot read the message: %s\n", strerror(errno));
        return MAILCMD_EXIT_TEMPFAIL;
    }
    if (too_big) {
        fprintf(stderr,
                "mugai mail: refused: the message is larger than mail_max_size (%llu bytes); "
                "it is not truncated\n",
                (unsigned long long)pol.mail_max_size);
        return MAILCMD_EXIT_HELD;
    }
    memset(&reply, 0, sizeof(reply));
    buf_init(&reply.json, 2 * JOB_REPORT_MAX);
    reply.status = MAILJOB_EXIT_TEMPFAIL;
    sealed_sha256(in_fd, len, sha);
    if (!sha[0] || spool_keep(o.spool_dir, in_fd, len, sha, kept, sizeof(kept)) != MG_OK) {
        fprintf(stderr, "mugai mail: cannot keep the original in %s: %s\n", o.spool_dir,
                strerror(errno));
        goto out;
    }
    unsigned expired = 0;
    if (spool_expire(o.spool_dir, pol.mail_retention_days, &expired) != MG_OK)
        fprintf(stderr, "mugai mail: warning: cannot expire old originals in %s\n", o.spool_dir);

#ifdef MUGAI_THIN
    mail_via_daemon(o.socket_path, in_fd, have_env ? &env : NULL, &reply, &deliver_fd);
#else
    if (o.socket_path)
        mail_via_daemon(o.socket_path, in_fd, have_env ? &env : NULL, &reply, &deliver_fd);
    else
        mail_standalone(&o, &pol, in_fd, len, sha, kept, &reply, &deliver_fd);
#endif
    if (reply.json.len)
        spool_note(o.spool_dir, sha, (const char *)reply.json.data, reply.json.len);
    if (reply.status == MAILJOB_EXIT_TEMPFAIL) {
        fprintf(stderr, "mugai mail: internal error; the message is kept as %s\n", kept);
        goto out;
    }
    if (reply.status == MAILJOB_EXIT_HELD)
        fprintf(stderr, "mugai mail: held: %s: %s; the original is kept as %s\n",
                reason_code(reply.reason_code), reply.reason, kept);
    uint64_t size = 0;
    if (sealed_size(deliver_fd, &size) != MG_OK || fdio_copy(1, deliver_fd, size) != MG_OK) {
        fprintf(stderr, "mugai mail: cannot write the message to deliver\n");
        reply.status = MAILJOB_EXIT_TEMPFAIL;
    }
out:
    if (deliver_fd >= 0)
        close(deliver_fd);
    if (in_fd >= 0)
        close(in_fd);
    buf_free(&reply.json);
    return reply.status;
}
