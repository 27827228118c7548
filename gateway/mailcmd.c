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
#include "err.h"
#include "fdio.h"
#include "job.h"
#include "mailsan.h"
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
#define MAILCMD_NOTICE_MAX (4u << 20)

struct mailcmd_opts {
    const char *policy_file;
    const char *db_dir;
    const char *spool_dir;
    const char *worker_user;
};

static void mailcmd_usage(FILE *f)
{
    fprintf(f, "usage: mugai mail [--policy FILE] [--db DIR] [--spool DIR] [--worker-user U]\n"
               "                  < in.eml > out.eml\n"
               "\n"
               "  --policy FILE  policy file (default: built-in)\n"
               "  --db DIR       ClamAV database directory (default: " MAILCMD_DEFAULT_DB ")\n"
               "  --spool DIR    where originals are kept (default: " MAILCMD_DEFAULT_SPOOL ")\n"
               "  --worker-user U  user the sandboxed workers run as when started as root\n"
               "                 (default: nobody)\n"
               "\n"
               "exit status: 0 sanitized message on stdout; 1 held (notice message on stdout)\n"
               "or refused as too large (stdout empty); 75 temporary failure, retry later\n");
}

static int copy_fd(int dst, int src, uint64_t len)
{
    char b[65536];
    for (uint64_t off = 0; off < len;) {
        size_t want = len - off < sizeof(b) ? (size_t)(len - off) : sizeof(b);
        ssize_t r = pread(src, b, want, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || fdio_write_all(dst, b, (size_t)r) != MG_OK)
            return MG_ERR_IO;
        off += (uint64_t)r;
    }
    return MG_OK;
}

/* ---- the held notice ---- */

struct notice_arg {
    const struct policy *pol;
    uint64_t len;
    const char *code, *reason;
};

#define NOTICE_MAGIC 0x314e474du /* "MGN1" */

struct notice_wire {
    uint32_t magic;
    uint64_t out_len;
};

/* Runs under SANDBOX_STRICT: parse the original's headers, write the notice. */
static int notice_worker(void *argp, int in_fd, int out_fd, int res_fd)
{
    struct notice_arg *a = argp;
    struct notice_wire w = {NOTICE_MAGIC, 0};
    struct buf out;
    uint8_t *in = malloc(a->len ? a->len : 1);
    int rc = in ? MG_OK : MG_ERR_NOMEM;
    for (uint64_t off = 0; rc == MG_OK && off < a->len;) {
        ssize_t r = pread(in_fd, in + off, a->len - off, (off_t)off);
        if (r <= 0)
            rc = MG_ERR_IO;
        else
            off += (uint64_t)r;
    }
    buf_init(&out, MAILCMD_NOTICE_MAX);
    if (rc == MG_OK)
        rc = mailsan_notice(a->pol, in, a->len, a->code, a->reason, &out);
    if (rc == MG_OK)
        rc = fdio_write_all(out_fd, out.data, out.len);
    w.out_len = out.len;
    if (rc == MG_OK)
        rc = fdio_write_all(res_fd, &w, sizeof(w));
    buf_free(&out);
    free(in);
    return rc == MG_OK ? 0 : 1;
}

static uint64_t current_vm(void)
{
    unsigned long long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The notice from a worker; MG_OK with *nfd set, or an error (use the fallback). */
static int notice_from_worker(const struct policy *pol, int in_fd, uint64_t len,
                              const struct job_result *r, int *nfd)
{
    struct notice_arg a = {pol, len, r->reason_code, r->reason};
    struct sandbox_limits lim = {
            .cpu_seconds = pol->worker_cpu_seconds,
            .deadline_seconds = pol->worker_deadline_seconds,
            .memory_bytes = current_vm() + pol->worker_memory,
            .output_bytes = MAILCMD_NOTICE_MAX,
            .result_max = sizeof(struct notice_wire),
    };
    struct sandbox_outcome oc;
    int fd = sealed_new("mugai-notice");
    if (fd < 0)
        return MG_ERR_IO;
    int rc = sandbox_run(&lim, SANDBOX_STRICT, NULL, notice_worker, &a, in_fd, fd, -1, &oc);
    int ran = rc == MG_OK;
    if (rc == MG_OK && (!oc.ok || oc.result_len != sizeof(struct notice_wire)))
        rc = MG_ERR_SANDBOX;
    struct notice_wire w;
    struct stat st;
    if (rc == MG_OK) {
        memcpy(&w, oc.result, sizeof(w));
        if (w.magic != NOTICE_MAGIC || fstat(fd, &st) != 0 || (uint64_t)st.st_size != w.out_len ||
            w.out_len == 0 || w.out_len > MAILCMD_NOTICE_MAX)
            rc = MG_ERR_SANDBOX;
    }
    if (rc == MG_OK && sealed_seal(fd) != MG_OK)
        rc = MG_ERR_SANDBOX;
    if (rc == MG_OK) {
        /* From a worker: accept only what our writer produces, 7-bit text. */
        uint8_t chunk[65536];
        for (uint64_t off = 0; off < w.out_len && rc == MG_OK;) {
            size_t want =
                    w.out_len - off < sizeof(chunk) ? (size_t)(w.out_len - off) : sizeof(chunk);
            ssize_t got = pread(fd, chunk, want, (off_t)off);
            if (got <= 0) {
                rc = MG_ERR_IO;
                break;
            }
            for (ssize_t i = 0; i < got && rc == MG_OK; i++)
                if ((chunk[i] < 0x20 && chunk[i] != '\r' && chunk[i] != '\n' && chunk[i] != '\t') ||
                    chunk[i] > 0x7E)
                    rc = MG_ERR_SANDBOX;
            off += (uint64_t)got;
        }
    }
    if (ran)
        sandbox_outcome_free(&oc);
    if (rc != MG_OK) {
        close(fd);
        return rc;
    }
    *nfd = fd;
    return MG_OK;
}

/* Without the original's headers, when the notice worker failed. */
static int notice_fallback(const char *sha256, const struct job_result *r)
{
    char b[4096];
    char code[48];
    snprintf(code, sizeof(code), "%s", r->reason_code);
    for (char *c = code; *c; c++)
        if (*c == ';' || (unsigned char)*c < 0x21 || (unsigned char)*c > 0x7E)
            *c = '-';
    int n = snprintf(b, sizeof(b),
                     "Subject: [Mugai] message held\r\n"
                     "MIME-Version: 1.0\r\n"
                     "X-Mugai-Result: verdict=held; reason=%s;\r\n original=sha256:%s\r\n"
                     "Content-Type: text/plain; charset=us-ascii\r\n"
                     "Content-Transfer-Encoding: 7bit\r\n\r\n"
                     "[Mugai] A message to you was held because it could not be made safe\r\n"
                     "(reason: %s). The original is kept by the gateway, reference:\r\n"
                     "%s\r\n",
                     code, sha256, code, sha256);
    return fdio_write_all(1, b, (size_t)n);
}

/* ---- main ---- */

int mailcmd_main(int argc, char **argv)
{
    static const struct option opts[] = {
            {"policy", required_argument, NULL, 'p'}, {"db", required_argument, NULL, 'd'},
            {"spool", required_argument, NULL, 's'},  {"worker-user", required_argument, NULL, 'U'},
            {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    struct mailcmd_opts o = {NULL, MAILCMD_DEFAULT_DB, MAILCMD_DEFAULT_SPOOL, "nobody"};
    struct policy pol;
    struct scan_engine *se = NULL;
    struct job_engine je;
    struct job_result r;
    char err[1024], sha[65], kept[4200];
    int in_fd = -1, status = MAILCMD_EXIT_TEMPFAIL, ch, too_big, engine = 0, have_result = 0;
    uint64_t len;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "p:d:s:U:h", opts, NULL)) != -1) {
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
    sealed_sha256(in_fd, len, sha);
    if (!sha[0] || spool_keep(o.spool_dir, in_fd, len, sha, kept, sizeof(kept)) != MG_OK) {
        fprintf(stderr, "mugai mail: cannot keep the original in %s: %s\n", o.spool_dir,
                strerror(errno));
        goto out;
    }
    unsigned expired = 0;
    if (spool_expire(o.spool_dir, pol.mail_retention_days, &expired) != MG_OK)
        fprintf(stderr, "mugai mail: warning: cannot expire old originals in %s\n", o.spool_dir);

    unsigned sigs = 0;
    int age = -1;
    if (scan_load(o.db_dir, &pol, &se, &sigs, &age, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai mail: %s; refusing to run without virus scanning\n", err);
        goto out;
    }
    if (job_configure_workers(o.worker_user, pol.allow_unconfined_scan, err, sizeof(err)) !=
        MG_OK) {
        fprintf(stderr, "mugai mail: %s\n", err);
        goto out;
    }
    if (job_engine_init(&je, &pol, se) != MG_OK) {
        fprintf(stderr, "mugai mail: cannot initialize the engine\n");
        goto out;
    }
    engine = 1;
    /* What the MTA hands over is a message, whatever libmagic would say
     * about its content. */
    struct job_request req = {"message.eml", in_fd, FT_EML};
    if (job_run(&je, &req, &r) != MG_OK) {
        fprintf(stderr, "mugai mail: internal error; the message is kept as %s\n", kept);
        goto out;
    }
    have_result = 1;
    if (r.released && strcmp(r.out_type, "eml") != 0) {
        /* Not read as a message (e.g. text without a header block): do not
         * deliver something that is not a message. */
        r.released = 0;
        r.verdict = VERDICT_BLOCKED;
        snprintf(r.reason_code, sizeof(r.reason_code), "not-a-message");
        snprintf(r.reason, sizeof(r.reason), "the input was identified as %s, not as a message",
                 r.out_type);
    }

    struct buf json;
    buf_init(&json, 2 * JOB_REPORT_MAX);
    if (job_result_json(&r, "message.eml", NULL, kept, &json) == MG_OK)
        spool_note(o.spool_dir, sha, (const char *)json.data, json.len);
    buf_free(&json);

    if (r.released) {
        if (copy_fd(1, r.out_fd, r.size_out) != MG_OK) {
            fprintf(stderr, "mugai mail: cannot write the sanitized message\n");
            goto out;
        }
        status = MAILCMD_EXIT_OK;
        goto out;
    }
    fprintf(stderr, "mugai mail: held: %s: %s; the original is kept as %s\n", r.reason_code,
            r.reason, kept);
    int nfd = -1;
    struct stat st;
    if (notice_from_worker(&je.pol, in_fd, len, &r, &nfd) == MG_OK && fstat(nfd, &st) == 0) {
        int wrc = copy_fd(1, nfd, (uint64_t)st.st_size);
        close(nfd);
        if (wrc != MG_OK)
            goto out;
    } else if (notice_fallback(sha, &r) != MG_OK) {
        goto out;
    }
    status = MAILCMD_EXIT_HELD;
out:
    if (have_result)
        job_result_free(&r);
    if (engine)
        job_engine_done(&je);
    if (se)
        scan_free(se);
    if (in_fd >= 0)
        close(in_fd);
    return status;
}
