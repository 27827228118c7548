/*
 * job_worker - the three workers of a job (see job.h), run under the
 * sandbox. Each reads only the descriptors it was given, writes one record
 * on its result pipe (job_wire.c) and exits.
 *
 * Test builds (-DMUGAI_TEST_HOOKS, the mugai-hooked binary the tests use,
 * never installed) can make a worker misbehave the way an exploited
 * library could, when the input starts with "MUGAI-TEST-HOOK:"; the tests
 * then check that the parent's defences hold. Normal builds have none of
 * that code.
 */
#include "dispatch.h"
#include "err.h"
#include "fdio.h"
#include "job_wire.h"
#include "report.h"
#include "sandbox.h"
#include "scan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the sanitize worker ---- */

/* Members as extracted, appended to the aux memfd for the scan worker. */
struct member_sink {
    int fd;
    uint64_t written, cap;
    uint32_t failed;
};

static int job_member_sink(void *argp, const char *name, const uint8_t *data, size_t len)
{
    struct member_sink *s = argp;
    size_t nl = strlen(name);
    uint8_t hdr[12];

    if (s->failed)
        return MG_ERR_LIMIT;
    if (nl > JOB_MEMBER_NAME_MAX)
        nl = JOB_MEMBER_NAME_MAX;
    uint64_t need = sizeof(hdr) + nl + (uint64_t)len;
    if (need > s->cap - s->written) {
        s->failed = 1;
        return MG_ERR_LIMIT;
    }
    for (int i = 0; i < 4; i++)
        hdr[i] = (uint8_t)(nl >> (8 * i));
    for (int i = 0; i < 8; i++)
        hdr[4 + i] = (uint8_t)((uint64_t)len >> (8 * i));
    if (fdio_write_all(s->fd, hdr, sizeof(hdr)) != MG_OK ||
        fdio_write_all(s->fd, name, nl) != MG_OK || fdio_write_all(s->fd, data, len) != MG_OK) {
        s->failed = 1;
        return MG_ERR_IO;
    }
    s->written += need;
    return MG_OK;
}

/* "removed X; removed Y; ..." from the top node's actions, for one-line output. */
static void job_summary(const struct report_node *n, char *s, size_t cap)
{
    size_t used = 0;
    s[0] = 0;
    for (size_t i = 0; i < n->n_actions && used + 1 < cap; i++) {
        const struct report_action *a = &n->actions[i];
        if (a->action == ACTION_KEPT)
            continue;
        int w = snprintf(s + used, cap - used, "%s%s %s", used ? "; " : "", action_word(a->action),
                         a->what);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (used >= cap && cap > 4)
        memcpy(s + cap - 4, "...", 4);
}

static void job_fill_rec(struct job_san_rec *rec, const struct report_node *node, int rc,
                         struct buf *json)
{
    rec->rc = rc;
    if (!node) {
        rec->verdict = VERDICT_BLOCKED;
        rec->reason_code = reason_from_err(rc);
        snprintf(rec->reason, sizeof(rec->reason), "%s", err_str(rc));
        return;
    }
    rec->verdict = node->verdict;
    rec->in_type = (uint32_t)ftype_by_name(node->type ? node->type : "unknown");
    rec->reason_code = node->reason_code;
    snprintf(rec->reason, sizeof(rec->reason), "%s", node->reason ? node->reason : "");
    job_summary(node, rec->summary, sizeof(rec->summary));
    if (report_to_json(node, json) != MG_OK)
        buf_reset(json); /* too big: the parent reports without the tree */
    rec->report = json->data;
    rec->report_len = json->len;
}

#ifdef MUGAI_TEST_HOOKS
static int hook_sanitize(const uint8_t *in, size_t len, int out_fd, struct job_san_rec *rec);
static void hook_scan(int in_fd);
#endif

int job_worker_sanitize(void *argp, int in_fd, int out_fd, int res_fd)
{
    struct job_arg *arg = argp;
    const struct policy *pol = &arg->je->pol;
    struct job_san_rec rec;
    struct report_node *node = NULL;
    struct member_sink sink = {SANDBOX_FD_AUX, 0, pol->max_expanded + pol->max_input_size, 0};
    struct buf out, json;
    uint8_t *in = NULL;
    enum ftype out_type = FT_UNKNOWN;
    int rc;

    memset(&rec, 0, sizeof(rec));
    buf_init(&out, pol->max_output_size);
    buf_init(&json, JOB_REPORT_MAX);
    node = report_new(arg->name);
    if (!node) {
        rc = MG_ERR_NOMEM;
        goto out;
    }
    if (arg->in_len > pol->max_input_size) {
        report_block(node, REASON_LIMIT, "input larger than the policy limit");
        rc = MG_ERR_LIMIT;
        goto out;
    }
    in = malloc(arg->in_len ? arg->in_len : 1);
    if (!in) {
        report_block(node, REASON_NO_MEMORY, "cannot allocate %llu bytes for the input",
                     (unsigned long long)arg->in_len);
        rc = MG_ERR_NOMEM;
        goto out;
    }
    rc = fdio_pread_all(in_fd, in, arg->in_len);
    if (rc != MG_OK) {
        report_block(node, REASON_IO_ERROR, "cannot read the input");
        goto out;
    }
#ifdef MUGAI_TEST_HOOKS
    if (hook_sanitize(in, arg->in_len, out_fd, &rec)) {
        free(in);
        buf_free(&out);
        buf_free(&json);
        report_free(node);
        return job_san_rec_write(res_fd, &rec) == MG_OK ? 0 : 1;
    }
#endif
    struct san_ctx ctx = {
            .pol = pol,
            .passwords = arg->je->passwords,
            .n_passwords = arg->je->n_passwords,
            .force_type = arg->force_type,
            .member_sink = job_member_sink,
            .member_sink_arg = &sink,
            .verify_elsewhere = true, /* job_verify(), in a worker of its own */
    };
    rc = dispatch_file(&ctx, arg->name, in, arg->in_len, &out, node, &out_type);
    if (rc == MG_OK)
        rc = fdio_write_all(out_fd, out.data, out.len);
    if (rc == MG_OK) {
        rec.out_len = out.len;
        rec.out_type = out_type;
    }

out:
    if (node && rc != MG_OK && node->verdict != VERDICT_BLOCKED)
        report_block(node, reason_from_err(rc), "%s", err_str(rc));
    job_fill_rec(&rec, node, rc, &json);
    rec.members_len = sink.written;
    rec.members_failed = sink.failed;
    int wrc = job_san_rec_write(res_fd, &rec);
    report_free(node);
    buf_free(&out);
    buf_free(&json);
    free(in);
    return wrc == MG_OK ? 0 : 1;
}

/* ---- the verify worker: sees only the sealed output ---- */

int job_worker_verify(void *argp, int in_fd, int out_fd, int res_fd)
{
    struct job_arg *arg = argp;
    struct job_verify_rec rec;
    enum ftype got = FT_UNKNOWN;
    uint8_t *data = malloc(arg->out_len ? arg->out_len : 1);
    (void)out_fd;

    memset(&rec, 0, sizeof(rec));
    rec.rc = MG_ERR_NOMEM;
    if (data && fdio_pread_all(in_fd, data, arg->out_len) != MG_OK)
        rec.rc = MG_ERR_IO;
    else if (data) {
        struct san_ctx ctx = {.pol = &arg->je->pol};
        rec.rc = dispatch_verify_output(&ctx, arg->claimed, data, arg->out_len, 1, &got, rec.why,
                                        sizeof(rec.why));
    }
    rec.got_type = got;
    free(data);
    return job_verify_rec_write(res_fd, &rec) == MG_OK ? 0 : 1;
}

/* ---- the scan worker ---- */

/* Scan every member record in the aux memfd (written by the sanitize
 * worker, so parsed with care); the worst result and its name go to rec. */
static void scan_members(struct scan_engine *se, int fd, uint64_t total, struct job_scan_rec *rec)
{
    struct stat st;
    rec->member.status = SCAN_CLEAN;
    if (total == 0)
        return;
    if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != total || total > SIZE_MAX) {
        rec->member.status = SCAN_ERROR;
        snprintf(rec->member.name, sizeof(rec->member.name), "member records missing");
        return;
    }
    const uint8_t *m = mmap(NULL, (size_t)total, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        rec->member.status = SCAN_ERROR;
        snprintf(rec->member.name, sizeof(rec->member.name), "cannot map the member records");
        return;
    }
    for (uint64_t off = 0; off < total;) {
        uint64_t nl = 0, dl = 0;
        if (total - off < 12)
            goto bad;
        for (int i = 0; i < 4; i++)
            nl |= (uint64_t)m[off + (uint64_t)i] << (8 * i);
        for (int i = 0; i < 8; i++)
            dl |= (uint64_t)m[off + 4 + (uint64_t)i] << (8 * i);
        off += 12;
        if (nl > JOB_MEMBER_NAME_MAX || nl > total - off || dl > total - off - nl)
            goto bad;
        char name[JOB_MEMBER_NAME_MAX + 1];
        memcpy(name, m + off, (size_t)nl);
        name[nl] = 0;
        off += nl;
        struct scan_result r;
        scan_mem(se, ".", m + off, (size_t)dl, name, &r);
        off += dl;
        rec->members_scanned++;
        if (scan_worse(&rec->member, &r) == &r && r.status != SCAN_CLEAN) {
            rec->member = r;
            snprintf(rec->member_name, sizeof(rec->member_name), "%.200s", name);
        }
    }
    munmap((void *)m, (size_t)total);
    return;
bad:
    munmap((void *)m, (size_t)total);
    rec->member.status = SCAN_ERROR;
    snprintf(rec->member.name, sizeof(rec->member.name), "malformed member records");
}

void job_scan_fds(struct scan_engine *se, const struct job_scan_req *req, struct job_scan_rec *rec)
{
    memset(rec, 0, sizeof(*rec));
#ifdef MUGAI_TEST_HOOKS
    if (req->in_fd >= 0)
        hook_scan(req->in_fd);
#endif
    /* "." is the scratch directory: the worker starts there (Landlock) or
     * it is the whole file system the worker has (mount namespace). */
    if (req->scan_in && req->in_fd >= 0) {
        scan_fd(se, ".", req->in_fd, &rec->in);
        rec->did_in = 1;
    }
    if (req->scan_out && req->out_fd >= 0) {
        scan_fd(se, ".", req->out_fd, &rec->out);
        rec->did_out = 1;
    }
    scan_members(se, req->members_fd, req->members_len, rec);
}

int job_worker_scan(void *argp, int in_fd, int out_fd, int res_fd)
{
    struct job_arg *arg = argp;
    struct job_scan_rec rec;
    struct job_scan_req req = {
            .in_fd = in_fd,
            .out_fd = out_fd,
            .members_fd = arg->members_len ? SANDBOX_FD_AUX : -1,
            .members_len = arg->members_len,
            .scan_in = arg->je->pol.scan_input,
            .scan_out = arg->scan_out,
    };
    job_scan_fds(arg->je->scan, &req, &rec);
    return job_scan_rec_write(res_fd, &rec) == MG_OK ? 0 : 1;
}

/* ---- test hooks (test builds only) ---- */

#ifdef MUGAI_TEST_HOOKS
#include <fcntl.h>

#define HOOK_PREFIX "MUGAI-TEST-HOOK:"

/* The hook's word and argument, from "MUGAI-TEST-HOOK:word[:arg]\n". */
static int hook_parse(const uint8_t *in, size_t len, char *word, size_t wcap, char *argv,
                      size_t acap, size_t *body)
{
    size_t pl = strlen(HOOK_PREFIX);
    if (len < pl || memcmp(in, HOOK_PREFIX, pl) != 0)
        return 0;
    const uint8_t *nl = memchr(in, '\n', len);
    if (!nl)
        return 0;
    size_t end = (size_t)(nl - in), colon = end;
    for (size_t i = pl; i < end; i++)
        if (in[i] == ':') {
            colon = i;
            break;
        }
    snprintf(word, wcap, "%.*s", (int)(colon - pl), (const char *)in + pl);
    snprintf(argv, acap, "%.*s", colon < end ? (int)(end - colon - 1) : 0,
             (const char *)in + colon + 1);
    *body = end + 1;
    return 1;
}

/* emit:TYPE writes the rest of the input as the output and claims TYPE,
 * as a parser under an attacker's control could; stderr tries to read the
 * terminal and to write escape sequences and a flood to it. */
static int hook_sanitize(const uint8_t *in, size_t len, int out_fd, struct job_san_rec *rec)
{
    char word[32], arg[64], msg[128];
    size_t body;
    if (!hook_parse(in, len, word, sizeof(word), arg, sizeof(arg), &body))
        return 0;
    rec->verdict = VERDICT_SANITIZED;
    rec->in_type = FT_TEXT;
    if (strcmp(word, "emit") == 0) {
        rec->out_type = (uint32_t)ftype_by_name(arg);
        rec->rc = fdio_write_all(out_fd, in + body, len - body);
        rec->out_len = len - body;
        return 1;
    }
    if (strcmp(word, "stderr") == 0) {
        char c;
        errno = 0;
        ssize_t r = read(2, &c, 1);
        int e = errno;
        static const char esc[] = "\x1b]0;mugai-pwned\x07\x1b[2J\x9b"
                                  "31m forged line\n";
        ssize_t w = write(2, esc, sizeof(esc) - 1);
        char flood[4096];
        memset(flood, 'A', sizeof(flood));
        for (int i = 0; i < 256 && w >= 0; i++)
            w = write(2, flood, sizeof(flood));
        int n = snprintf(msg, sizeof(msg), "stderr-read=%zd errno=%d uid=%d\n", r, e,
                         (int)getuid());
        rec->out_type = FT_TEXT;
        rec->rc = fdio_write_all(out_fd, msg, (size_t)n);
        rec->out_len = (uint64_t)n;
        return 1;
    }
    return 0;
}

/* scan-tamper writes to the output it was given (the filter kills it);
 * scan-tamper-dup does so through a copy of the descriptor, which the
 * filter allows, so only the seals and the read-only open stop it;
 * scan-escape:PATH creates a file outside the scratch directory. Each then
 * goes on to report "clean". */
static void hook_scan(int in_fd)
{
    uint8_t head[512];
    char word[32], arg[256];
    size_t body;
    ssize_t n = pread(in_fd, head, sizeof(head), 0);
    if (n <= 0 || !hook_parse(head, (size_t)n, word, sizeof(word), arg, sizeof(arg), &body))
        return;
    if (strcmp(word, "scan-tamper") == 0) {
        ssize_t w = pwrite(4, "EVIL", 4, 0);
        (void)w;
    } else if (strcmp(word, "scan-tamper-dup") == 0) {
        for (int fd = 3; fd <= 4; fd++) {
            int d = dup(fd);
            ssize_t w = pwrite(d, "EVIL", 4, 0);
            int t = ftruncate(d, 0);
            void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
            fprintf(stderr, "hook: fd %d pwrite=%zd ftruncate=%d mmap=%s\n", fd, w, t,
                    m == MAP_FAILED ? "failed" : "mapped");
            close(d);
        }
    } else if (strcmp(word, "scan-escape") == 0) {
        int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        fprintf(stderr, "hook: open %s: %s\n", arg, fd >= 0 ? "created" : strerror(errno));
        if (fd >= 0) {
            ssize_t w = write(fd, "escaped\n", 8);
            (void)w;
            close(fd);
        }
    }
}
#endif
