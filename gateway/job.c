/*
 * job - the per-input pipeline (see job.h).
 *
 * Trust boundary: everything that touches the input's bytes as a format
 * (identification, parsing, rebuilding, unpacking for the virus scan) runs
 * in a worker. The parent only copies bytes, hashes them and checks the
 * fixed-size result record the worker sends back.
 */
#include "job.h"
#include "dispatch.h"
#include "err.h"
#include "fdio.h"
#include "ident.h"
#include "jsoncheck.h"
#include "names.h"
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOB_WIRE_MAGIC 0x3152474du /* "MGR1" */
#define JOB_SCAN_MAGIC 0x3153474du /* "MGS1" */

/* What the sanitize worker sends back, followed by report_len bytes of JSON. */
struct job_wire {
    uint32_t magic;
    int32_t rc;
    uint32_t verdict;
    uint32_t in_type;
    uint32_t out_type;
    uint32_t report_len;
    uint64_t out_len;
    char reason_code[48];
    char reason[512];
    char summary[1024];
};

struct job_scan_wire {
    uint32_t magic;
    uint32_t did_in, did_out;
    struct scan_result in, out;
};

struct job_arg {
    struct job_engine *je;
    const char *name;
    uint64_t in_len;
    int scan_out;
    const char *scratch;
};

/* Copy src into a fixed field, always NUL-terminated. */
static void job_strlcpy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

/* A field from the worker: force termination and replace control bytes,
 * so it is safe to print to a terminal or a log. */
static void job_clean_field(char *s, size_t n)
{
    s[n - 1] = 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            *s = '?';
}

/* "removed X; removed Y; ..." from the top node's actions, for one-line output. */
static void job_summary(const struct report_node *n, char *s, size_t cap)
{
    size_t used = 0;
    s[0] = 0;
    for (size_t i = 0; i < n->n_actions && used + 1 < cap; i++) {
        const struct report_action *a = &n->actions[i];
        if (strcmp(a->action, "kept") == 0)
            continue;
        int w = snprintf(s + used, cap - used, "%s%s %s", used ? "; " : "", a->action, a->what);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (used >= cap && cap > 4)
        memcpy(s + cap - 4, "...", 4);
}

/* The sanitize worker: runs under SANDBOX_STRICT. */
static int job_worker_sanitize(void *argp, int in_fd, int out_fd, int res_fd)
{
    struct job_arg *arg = argp;
    const struct policy *pol = &arg->je->pol;
    struct job_wire w;
    struct report_node *node = NULL;
    struct buf out, json;
    uint8_t *in = NULL;
    enum ftype out_type = FT_UNKNOWN;
    int rc;

    memset(&w, 0, sizeof(w));
    w.magic = JOB_WIRE_MAGIC;
    buf_init(&out, pol->max_output_size);
    buf_init(&json, JOB_REPORT_MAX);

    node = report_new(arg->name);
    if (!node) {
        rc = MG_ERR_NOMEM;
        goto out;
    }
    if (arg->in_len > pol->max_input_size) {
        report_block(node, "limit", "input larger than the policy limit");
        rc = MG_ERR_LIMIT;
        goto out;
    }
    in = malloc(arg->in_len ? arg->in_len : 1);
    if (!in) {
        report_block(node, "limit", "cannot allocate %llu bytes for the input",
                     (unsigned long long)arg->in_len);
        rc = MG_ERR_NOMEM;
        goto out;
    }
    rc = fdio_pread_all(in_fd, in, arg->in_len);
    if (rc != MG_OK) {
        report_block(node, "io-error", "cannot read the input");
        goto out;
    }
    struct san_ctx ctx = {
            .pol = pol, .passwords = arg->je->passwords, .n_passwords = arg->je->n_passwords};
    rc = dispatch_file(&ctx, arg->name, in, arg->in_len, &out, node, &out_type);
    if (rc == MG_OK)
        rc = fdio_write_all(out_fd, out.data, out.len);
    if (rc == MG_OK)
        w.out_len = out.len;

out:
    w.rc = rc;
    if (node) {
        if (rc != MG_OK && node->verdict != VERDICT_BLOCKED)
            report_block(node, err_code(rc), "%s", err_str(rc));
        w.verdict = node->verdict;
        w.in_type = (uint32_t)ftype_by_name(node->type ? node->type : "unknown");
        w.out_type = out_type;
        job_strlcpy(w.reason_code, sizeof(w.reason_code), node->reason_code);
        job_strlcpy(w.reason, sizeof(w.reason), node->reason);
        job_summary(node, w.summary, sizeof(w.summary));
        if (report_to_json(node, &json) != MG_OK)
            buf_reset(&json); /* too big: the parent reports without the tree */
    } else {
        w.verdict = VERDICT_BLOCKED;
        job_strlcpy(w.reason_code, sizeof(w.reason_code), err_code(rc));
        job_strlcpy(w.reason, sizeof(w.reason), err_str(rc));
    }
    w.report_len = (uint32_t)json.len;
    int wrc = fdio_write_all(res_fd, &w, sizeof(w));
    if (wrc == MG_OK && json.len)
        wrc = fdio_write_all(res_fd, json.data, json.len);
    report_free(node);
    buf_free(&out);
    buf_free(&json);
    free(in);
    return wrc == MG_OK ? 0 : 1;
}

/* The scan worker: runs under SANDBOX_SCRATCH, in the job's scratch dir. */
static int job_worker_scan(void *argp, int in_fd, int out_fd, int res_fd)
{
    struct job_arg *arg = argp;
    struct job_scan_wire w;
    memset(&w, 0, sizeof(w));
    w.magic = JOB_SCAN_MAGIC;
    if (arg->je->pol.scan_input) {
        scan_fd(arg->je->scan, arg->scratch, in_fd, &w.in);
        w.did_in = 1;
    }
    if (arg->scan_out) {
        scan_fd(arg->je->scan, arg->scratch, out_fd, &w.out);
        w.did_out = 1;
    }
    return fdio_write_all(res_fd, &w, sizeof(w)) == MG_OK ? 0 : 1;
}

int job_engine_init(struct job_engine *je, const struct policy *pol, struct scan_engine *scan)
{
    memset(je, 0, sizeof(*je));
    je->pol = *pol;
    je->scan = scan;
    const char *t = getenv("TMPDIR");
    job_strlcpy(je->tmpdir, sizeof(je->tmpdir), t && *t ? t : "/tmp");
    int rc = ident_init();
    if (rc != MG_OK)
        return rc;
    rc = dispatch_global_init();
    if (rc != MG_OK)
        return rc;
    /* Compile both seccomp filters now; workers only load them. */
    rc = sandbox_init();
    if (rc != MG_OK)
        return rc;
    /* OpenSSL loads its configuration and providers on first use; that
     * must happen here, not in a worker where opening files is fatal. */
    char hex[65];
    report_sha256_hex((const uint8_t *)"", 0, hex);
    return hex[0] ? MG_OK : MG_ERR_INTERNAL;
}

void job_engine_done(struct job_engine *je)
{
    ident_done();
    (void)je;
}

/* Address space already mapped: worker memory limits are on top of it,
 * because the worker inherits the engine (ClamAV's can be over 1 GiB). */
static uint64_t job_current_vm(void)
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

static int job_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void job_block(struct job_result *res, const char *code, const char *fmt, const char *arg)
{
    /* The first reason stands, except that finding malware outranks any
     * other reason: that is what a reviewer must see first. */
    if (res->verdict == VERDICT_BLOCKED && res->reason_code[0] && strcmp(code, "infected") != 0)
        return;
    res->verdict = VERDICT_BLOCKED;
    res->released = 0;
    job_strlcpy(res->reason_code, sizeof(res->reason_code), code);
    snprintf(res->reason, sizeof(res->reason), fmt, arg);
}

static void job_sha256_fd(int fd, uint64_t len, char hex[65])
{
    hex[0] = 0;
    if (len == 0) {
        report_sha256_hex((const uint8_t *)"", 0, hex);
        return;
    }
    void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED)
        return;
    report_sha256_hex(m, len, hex);
    munmap(m, len);
}

/* Check the sanitize worker's record; on success fill res from it. */
static int job_take_wire(const struct sandbox_outcome *oc, int out_fd, struct job_result *res)
{
    struct job_wire w;
    if (oc->result_len < sizeof(w))
        return MG_ERR_SANDBOX;
    memcpy(&w, oc->result, sizeof(w));
    if (w.magic != JOB_WIRE_MAGIC || w.verdict > VERDICT_BLOCKED || w.in_type >= FT_COUNT ||
        w.out_type >= FT_COUNT || w.report_len != oc->result_len - sizeof(w))
        return MG_ERR_SANDBOX;
    if (w.report_len && !jsoncheck_valid(oc->result + sizeof(w), w.report_len, 64))
        return MG_ERR_SANDBOX;
    job_clean_field(w.reason_code, sizeof(w.reason_code));
    job_clean_field(w.reason, sizeof(w.reason));
    job_clean_field(w.summary, sizeof(w.summary));

    res->verdict = (enum verdict)w.verdict;
    job_strlcpy(res->type, sizeof(res->type), ftype_info((enum ftype)w.in_type)->name);
    job_strlcpy(res->reason_code, sizeof(res->reason_code), w.reason_code);
    job_strlcpy(res->reason, sizeof(res->reason), w.reason);
    job_strlcpy(res->summary, sizeof(res->summary), w.summary);
    buf_reset(&res->report);
    if (w.report_len && buf_append(&res->report, oc->result + sizeof(w), w.report_len) != MG_OK)
        return MG_ERR_NOMEM;

    if (w.rc != MG_OK || w.verdict == VERDICT_BLOCKED) {
        res->verdict = VERDICT_BLOCKED;
        if (!res->reason_code[0])
            job_strlcpy(res->reason_code, sizeof(res->reason_code), "blocked");
        return MG_OK;
    }
    /* A release claim must match what is really in the output file. */
    struct stat st;
    if (w.out_type == FT_UNKNOWN || ftype_is_executable((enum ftype)w.out_type) ||
        fstat(out_fd, &st) != 0 || (uint64_t)st.st_size != w.out_len)
        return MG_ERR_SANDBOX;
    res->released = 1;
    res->size_out = w.out_len;
    const struct ftype_info *oi = ftype_info((enum ftype)w.out_type);
    job_strlcpy(res->out_type, sizeof(res->out_type), oi->name);
    job_strlcpy(res->out_ext, sizeof(res->out_ext), oi->ext);
    return MG_OK;
}

static void job_limits(const struct job_engine *je, struct sandbox_limits *lim, uint64_t fsize)
{
    const struct policy *pol = &je->pol;
    lim->cpu_seconds = pol->worker_cpu_seconds;
    lim->deadline_seconds = pol->worker_deadline_seconds;
    lim->memory_bytes = job_current_vm() + pol->worker_memory;
    lim->output_bytes = fsize;
    lim->result_max = sizeof(struct job_wire) + JOB_REPORT_MAX;
}

static void job_scan(struct job_engine *je, struct job_arg *arg, int in_fd, int out_fd,
                     struct job_result *res)
{
    char scratch[1200];
    snprintf(scratch, sizeof(scratch), "%s/mugai-scan-XXXXXX", je->tmpdir);
    if (!mkdtemp(scratch)) {
        job_block(res, "scan-failed", "cannot create a scratch directory: %s", strerror(errno));
        return;
    }
    arg->scratch = scratch;
    arg->scan_out = res->released;
    struct sandbox_limits lim;
    job_limits(je, &lim, je->pol.max_expanded);
    lim.result_max = sizeof(struct job_scan_wire);
    struct sandbox_outcome oc;
    int rc = sandbox_run(&lim, SANDBOX_SCRATCH, scratch, job_worker_scan, arg, in_fd,
                         res->released ? out_fd : -1, &oc);
    nftw(scratch, job_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (rc != MG_OK || !oc.ok || oc.result_len != sizeof(struct job_scan_wire)) {
        job_block(res, "scan-failed", "virus scan failed: %s",
                  rc != MG_OK ? err_str(rc)
                  : oc.ok     ? "bad result"
                              : oc.why);
        sandbox_outcome_free(&oc);
        return;
    }
    struct job_scan_wire w;
    memcpy(&w, oc.result, sizeof(w));
    sandbox_outcome_free(&oc);
    job_clean_field(w.in.name, sizeof(w.in.name));
    job_clean_field(w.out.name, sizeof(w.out.name));
    if (w.magic != JOB_SCAN_MAGIC || w.in.status > SCAN_ERROR || w.out.status > SCAN_ERROR ||
        (res->released && !w.did_out)) {
        job_block(res, "scan-failed", "virus scan failed: %s", "bad result");
        return;
    }
    res->scanned_in = w.did_in != 0;
    res->scanned_out = w.did_out != 0;
    res->scan_in = w.in;
    res->scan_out = w.out;
    if (res->scanned_in && w.in.status != SCAN_CLEAN && je->pol.block_infected_input) {
        if (w.in.status == SCAN_INFECTED)
            job_block(res, "infected", "virus found in the input: %s", w.in.name);
        else if (w.in.status == SCAN_LIMIT)
            job_block(res, "scan-limit", "virus scan hit a limit, not known clean: %s", w.in.name);
        else
            job_block(res, "scan-failed", "virus scan of the input failed: %s", w.in.name);
    }
    if (res->released && w.out.status != SCAN_CLEAN) {
        if (w.out.status == SCAN_INFECTED)
            job_block(res, "infected", "virus found in the output: %s", w.out.name);
        else if (w.out.status == SCAN_LIMIT)
            job_block(res, "scan-limit", "virus scan hit a limit, not known clean: %s", w.out.name);
        else
            job_block(res, "scan-failed", "virus scan of the output failed: %s", w.out.name);
    }
}

int job_run(struct job_engine *je, const char *name, int in_fd, struct job_result *res)
{
    struct sandbox_outcome oc;
    struct job_arg arg;
    struct stat st;
    int rc;

    memset(res, 0, sizeof(*res));
    memset(&oc, 0, sizeof(oc));
    res->out_fd = -1;
    res->verdict = VERDICT_BLOCKED;
    buf_init(&res->report, JOB_REPORT_MAX);
    job_strlcpy(res->type, sizeof(res->type), "unknown");

    if (fstat(in_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        job_block(res, "not-a-file", "%s", "not a regular file");
        return MG_OK;
    }
    res->size_in = (uint64_t)st.st_size;
    /* The worker hashes too, for its report tree; the parent hashes again
     * because quarantine names and the top-level report must not rest on
     * what a possibly compromised worker claims. */
    job_sha256_fd(in_fd, res->size_in, res->sha256_in);
    if (res->size_in > je->pol.max_input_size) {
        job_block(res, "limit", "%s", "larger than the policy's max_input_size");
        return MG_OK;
    }

    res->out_fd = memfd_create("mugai-out", MFD_CLOEXEC);
    if (res->out_fd < 0)
        return MG_ERR_IO;
    memset(&arg, 0, sizeof(arg));
    arg.je = je;
    arg.name = name;
    arg.in_len = res->size_in;
    struct sandbox_limits lim;
    job_limits(je, &lim, je->pol.max_output_size);
    rc = sandbox_run(&lim, SANDBOX_STRICT, NULL, job_worker_sanitize, &arg, in_fd, res->out_fd,
                     &oc);
    if (rc != MG_OK)
        goto out;
    if (!oc.ok) {
        job_block(res, oc.timed_out ? "timeout" : "worker-failed", "sanitizer worker: %s", oc.why);
    } else if (job_take_wire(&oc, res->out_fd, res) != MG_OK) {
        job_block(res, "worker-failed", "%s", "sanitizer worker sent an invalid result");
    }
    sandbox_outcome_free(&oc);

    /* Scan even what will not be released: the report (and the people
     * reading the quarantine) should know when the original is malware. */
    job_scan(je, &arg, in_fd, res->out_fd, res);
    if (res->released)
        job_sha256_fd(res->out_fd, res->size_out, res->sha256_out);
    rc = MG_OK;
out:
    if (!res->released && res->out_fd >= 0) {
        close(res->out_fd);
        res->out_fd = -1;
    }
    return rc;
}

void job_result_free(struct job_result *res)
{
    if (res->out_fd >= 0)
        close(res->out_fd);
    res->out_fd = -1;
    buf_free(&res->report);
}

int job_sanitize_inprocess(struct job_engine *je, const char *name, const uint8_t *in, size_t len,
                           struct buf *out, enum verdict *verdict)
{
    struct report_node *node = report_new(name);
    if (!node)
        return MG_ERR_NOMEM;
    struct san_ctx ctx = {
            .pol = &je->pol, .passwords = je->passwords, .n_passwords = je->n_passwords};
    enum ftype ot;
    int rc = dispatch_file(&ctx, name, in, len, out, node, &ot);
    *verdict = node->verdict;
    report_free(node);
    return rc;
}

static int job_json_kv(struct buf *out, const char *key, const char *val)
{
    int rc = buf_printf(out, ",\"%s\":", key);
    if (rc == MG_OK)
        rc = val ? report_json_string(out, val) : buf_puts(out, "null");
    return rc;
}

static int job_json_scan(struct buf *out, const char *key, int did, const struct scan_result *s)
{
    if (!did)
        return buf_printf(out, ",\"%s\":null", key);
    int rc = buf_printf(out, ",\"%s\":{\"status\":\"%s\"", key, scan_status_name(s->status));
    if (rc == MG_OK && s->status != SCAN_CLEAN)
        rc = job_json_kv(out, "name", s->name);
    if (rc == MG_OK)
        rc = buf_putc(out, '}');
    return rc;
}

int job_result_json(const struct job_result *res, const char *input, const char *output,
                    const char *quarantined, struct buf *out)
{
    int rc = buf_puts(out, "{\"input\":");
    if (rc == MG_OK)
        rc = report_json_string(out, input);
    if (rc == MG_OK)
        rc = job_json_kv(out, "output", output);
    if (rc == MG_OK)
        rc = job_json_kv(out, "verdict", report_verdict_name(res->verdict));
    if (rc == MG_OK)
        rc = job_json_kv(out, "type", res->type);
    if (rc == MG_OK)
        rc = job_json_kv(out, "output_type", res->released ? res->out_type : NULL);
    if (rc == MG_OK)
        rc = job_json_kv(out, "reason_code",
                         res->verdict == VERDICT_BLOCKED ? res->reason_code : NULL);
    if (rc == MG_OK)
        rc = job_json_kv(out, "reason", res->verdict == VERDICT_BLOCKED ? res->reason : NULL);
    if (rc == MG_OK)
        rc = buf_printf(out, ",\"size\":%llu", (unsigned long long)res->size_in);
    if (rc == MG_OK)
        rc = job_json_kv(out, "sha256", res->sha256_in);
    if (rc == MG_OK && res->released)
        rc = buf_printf(out, ",\"size_out\":%llu", (unsigned long long)res->size_out);
    if (rc == MG_OK)
        rc = job_json_kv(out, "sha256_out", res->released ? res->sha256_out : NULL);
    if (rc == MG_OK)
        rc = buf_puts(out, ",\"scan\":{\"engine\":\"clamav\"");
    if (rc == MG_OK)
        rc = job_json_scan(out, "input", res->scanned_in, &res->scan_in);
    if (rc == MG_OK)
        rc = job_json_scan(out, "output", res->scanned_out, &res->scan_out);
    if (rc == MG_OK)
        rc = buf_putc(out, '}');
    if (rc == MG_OK)
        rc = job_json_kv(out, "quarantine", quarantined);
    if (rc == MG_OK)
        rc = buf_puts(out, ",\"report\":");
    if (rc == MG_OK)
        rc = res->report.len ? buf_append(out, res->report.data, res->report.len)
                             : buf_puts(out, "null");
    if (rc == MG_OK)
        rc = buf_putc(out, '}');
    return rc;
}
