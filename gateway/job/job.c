/*
 * job - the per-input pipeline (see job.h).
 *
 * Trust boundary: everything that touches the input's bytes as a format
 * (identification, parsing, rebuilding, verifying, unpacking for the virus
 * scan) runs in a worker. The parent only copies bytes, hashes them, seals
 * them, looks at the first few bytes of the output, and checks the records
 * the workers send back.
 */
#include "job.h"
#include "dispatch.h"
#include "err.h"
#include "fdio.h"
#include "ident.h"
#include "job_wire.h"
#include "jsoncheck.h"
#include "sandbox.h"
#include "sealed.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void job_strlcpy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

int job_configure_workers(const char *user, int allow_unconfined, char *err, size_t errcap)
{
    struct sandbox_config cfg = {.allow_unconfined = allow_unconfined};
    if (geteuid() == 0) {
        struct passwd *pw = user && *user ? getpwnam(user) : NULL;
        if (!pw || pw->pw_uid == 0) {
            snprintf(err, errcap, "worker user %s: %s", user ? user : "(none)",
                     pw ? "is root; workers never run as root" : "no such user");
            return MG_ERR_USAGE;
        }
        cfg.drop_uid = 1;
        cfg.uid = pw->pw_uid;
        cfg.gid = pw->pw_gid;
    }
    if (sandbox_configure(&cfg) != MG_OK) {
        snprintf(err, errcap, "cannot configure the workers: %s", sandbox_error());
        return MG_ERR_USAGE;
    }
    return MG_OK;
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

static int job_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void job_limits(const struct job_engine *je, struct sandbox_limits *lim, uint64_t fsize,
                       size_t result_max)
{
    const struct policy *pol = &je->pol;
    lim->cpu_seconds = pol->worker_cpu_seconds;
    lim->deadline_seconds = pol->worker_deadline_seconds;
    lim->memory_bytes = sandbox_inherited_vm() + pol->worker_memory;
    lim->output_bytes = fsize;
    lim->result_max = result_max;
}

/* ---- checks the parent makes itself ---- */

/*
 * The first bytes of an output, checked without parsing: never a program,
 * and the signature its claimed type must start with. Cheap, and true even
 * if every worker lied.
 */
static int job_magic_ok(enum ftype t, const uint8_t *h, size_t n, const char **why)
{
    static const struct {
        enum ftype type;
        const char *sig;
        size_t len;
    } sigs[] = {
            {FT_JPEG, "\xFF\xD8\xFF", 3},
            {FT_PNG, "\x89PNG\r\n\x1A\n", 8},
            {FT_GIF, "GIF8", 4},
            {FT_PDF, "%PDF-", 5},
    };
    if ((n >= 2 && memcmp(h, "MZ", 2) == 0) ||
        (n >= 4 && memcmp(h,
                          "\x7F"
                          "ELF",
                          4) == 0) ||
        (n >= 2 && memcmp(h, "#!", 2) == 0)) {
        *why = "it starts like a program (MZ, ELF or #!)";
        return 0;
    }
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        if (sigs[i].type == t && (n < sigs[i].len || memcmp(h, sigs[i].sig, sigs[i].len) != 0)) {
            *why = "it does not start with its type's signature";
            return 0;
        }
    }
    /* Zip-based outputs (archives, Office, OpenDocument) start with a local
     * header, or are an empty zip (end record only). */
    int zipped = t == FT_ZIP || (t >= FT_DOCX && t <= FT_POTM) || (t >= FT_ODT && t <= FT_OTP);
    if (zipped && !(n >= 4 && (memcmp(h, "PK\3\4", 4) == 0 ||
                               (t == FT_ZIP && memcmp(h, "PK\5\6", 4) == 0)))) {
        *why = "it does not start with a zip header";
        return 0;
    }
    return 1;
}

/* ---- the three workers, seen from the parent ---- */

/* Worker 1. On success res holds the claim; *members_len what to scan. */
static int job_sanitize(struct job_engine *je, struct job_arg *arg, int in_ro, int out_fd,
                        int members_fd, struct job_result *res, uint64_t *members_len)
{
    struct sandbox_outcome oc;
    struct sandbox_limits lim;
    struct job_san_rec rec;
    const struct policy *pol = &je->pol;
    uint64_t sink = pol->max_expanded + pol->max_input_size;

    *members_len = 0;
    job_limits(je, &lim, sink > pol->max_output_size ? sink : pol->max_output_size,
               JOB_REPORT_MAX + JOB_RECORD_EXTRA);
    int rc = sandbox_run(&lim, SANDBOX_STRICT, NULL, job_worker_sanitize, arg, in_ro, out_fd,
                         members_fd, &oc);
    if (rc != MG_OK)
        return rc;
    if (!oc.ok) {
        job_block(res, oc.timed_out ? REASON_TIMEOUT : REASON_WORKER_FAILED, "sanitizer worker: %s",
                  oc.why);
        goto out;
    }
    /* Nothing may change output or members from here on. */
    if (sealed_seal(out_fd) != MG_OK || sealed_seal(members_fd) != MG_OK ||
        job_san_rec_parse(oc.result, oc.result_len, &rec) != MG_OK ||
        (rec.report_len && !jsoncheck_report(rec.report, rec.report_len, REPORT_JSON_DEPTH)) ||
        buf_append(&res->report, rec.report ? rec.report : (const uint8_t *)"", rec.report_len) !=
                MG_OK) {
        buf_reset(&res->report);
        job_block(res, REASON_WORKER_FAILED, "%s", "sanitizer worker sent an invalid result");
        goto out;
    }
    res->verdict = (enum verdict)rec.verdict;
    job_strlcpy(res->type, sizeof(res->type), ftype_info((enum ftype)rec.in_type)->name);
    res->reason_code = rec.reason_code;
    job_strlcpy(res->reason, sizeof(res->reason), rec.reason);
    job_strlcpy(res->summary, sizeof(res->summary), rec.summary);

    uint64_t got_members = 0, got_out = 0;
    if (sealed_size(members_fd, &got_members) != MG_OK || got_members != rec.members_len ||
        sealed_size(out_fd, &got_out) != MG_OK) {
        job_block(res, REASON_WORKER_FAILED, "%s",
                  "sanitizer worker's files do not match its result");
        goto out;
    }
    *members_len = rec.members_len;
    if (rec.members_failed)
        job_block(res, REASON_SCAN_LIMIT, "%s",
                  "the members are too large to virus-scan one by one; not known clean");
    if (rec.rc != MG_OK || rec.verdict == VERDICT_BLOCKED) {
        if (res->reason_code == REASON_NONE)
            res->reason_code = REASON_BLOCKED;
        res->verdict = VERDICT_BLOCKED;
        goto out;
    }
    /* A release claim: a type we release, of the size of the output file. */
    enum ftype ot = (enum ftype)rec.out_type;
    if (ot == FT_UNKNOWN || ftype_is_executable(ot) || got_out != rec.out_len ||
        rec.out_len > pol->max_output_size) {
        job_block(res, REASON_WORKER_FAILED, "%s", "sanitizer worker sent an invalid result");
        goto out;
    }
    if (res->verdict == VERDICT_BLOCKED) /* members_failed */
        goto out;
    res->released = 1;
    res->size_out = rec.out_len;
    job_strlcpy(res->out_type, sizeof(res->out_type), ftype_info(ot)->name);
out:
    sandbox_outcome_free(&oc);
    return MG_OK;
}

/* Worker 2, after the parent's own look at the first bytes. */
static int job_verify(struct job_engine *je, struct job_arg *arg, int out_fd,
                      struct job_result *res)
{
    uint8_t head[16];
    const char *why = NULL;
    enum ftype claimed = ftype_by_name(res->out_type);
    size_t n = sealed_head(out_fd, head, sizeof(head));
    if (!job_magic_ok(claimed, head, n, &why)) {
        job_block(res, REASON_VERIFY_FAILED, "output refused: %s", why);
        return MG_OK;
    }
    int ro = sealed_reopen_ro(out_fd);
    if (ro < 0)
        return MG_ERR_IO;
    struct sandbox_outcome oc;
    struct sandbox_limits lim;
    struct job_verify_rec rec;
    arg->claimed = claimed;
    arg->out_len = res->size_out;
    job_limits(je, &lim, 1, JOB_RECORD_EXTRA);
    int rc = sandbox_run(&lim, SANDBOX_STRICT, NULL, job_worker_verify, arg, ro, -1, -1, &oc);
    close(ro);
    if (rc != MG_OK)
        return rc;
    if (!oc.ok)
        job_block(res, oc.timed_out ? REASON_TIMEOUT : REASON_VERIFY_FAILED, "output verifier: %s",
                  oc.why);
    else if (job_verify_rec_parse(oc.result, oc.result_len, &rec) != MG_OK)
        job_block(res, REASON_VERIFY_FAILED, "%s", "output verifier sent an invalid result");
    else if (rec.rc != MG_OK || !dispatch_same_kind(claimed, (enum ftype)rec.got_type))
        job_block(res, REASON_VERIFY_FAILED, "output verification failed: %s",
                  rec.why[0] ? rec.why : "type mismatch");
    sandbox_outcome_free(&oc);
    return MG_OK;
}

static void job_scan_verdict(const struct job_engine *je, const struct job_scan_rec *w,
                             struct job_result *res)
{
    static const struct {
        enum reason code;
        const char *what;
    } text[] = {
            [SCAN_INFECTED] = {REASON_INFECTED, "virus found in the %s"},
            [SCAN_LIMIT] = {REASON_SCAN_LIMIT, "virus scan of the %s hit a limit, not known clean"},
            [SCAN_ERROR] = {REASON_SCAN_FAILED, "virus scan of the %s failed"},
    };
    char fmt[160], what[400];
    if (w->did_in && w->in.status != SCAN_CLEAN && je->pol.block_infected_input) {
        snprintf(fmt, sizeof(fmt), text[w->in.status].what, "input");
        snprintf(what, sizeof(what), "%s: %%s", fmt);
        job_block(res, text[w->in.status].code, what, w->in.name);
    }
    /* A member is part of the input: the same rule. */
    if (w->member.status != SCAN_CLEAN && je->pol.block_infected_input) {
        snprintf(fmt, sizeof(fmt), text[w->member.status].what, "member");
        snprintf(what, sizeof(what), "%s \"%.200s\": %%s", fmt, w->member_name);
        job_block(res, text[w->member.status].code, what, w->member.name);
    }
    if (res->released && w->out.status != SCAN_CLEAN) {
        snprintf(fmt, sizeof(fmt), text[w->out.status].what, "output");
        snprintf(what, sizeof(what), "%s: %%s", fmt);
        job_block(res, text[w->out.status].code, what, w->out.name);
    }
}

/* Worker 3, forked here: the scan of req in the job's scratch directory. */
static int job_scan_local(struct job_engine *je, struct job_arg *arg,
                          const struct job_scan_req *req, struct job_scan_rec *w, char *why,
                          size_t cap)
{
    char scratch[1200];
    struct sandbox_outcome oc;
    struct sandbox_limits lim;

    snprintf(scratch, sizeof(scratch), "%s/mugai-scan-XXXXXX", je->tmpdir);
    if (!mkdtemp(scratch)) {
        snprintf(why, cap, "cannot create a scratch directory: %s", strerror(errno));
        return MG_ERR_IO;
    }
    job_limits(je, &lim, je->pol.max_expanded, JOB_RECORD_EXTRA);
    int rc = sandbox_run(&lim, SANDBOX_SCRATCH, scratch, job_worker_scan, arg, req->in_fd,
                         req->out_fd, req->members_fd, &oc);
    nftw(scratch, job_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (rc != MG_OK) {
        snprintf(why, cap, "%s", err_str(rc));
        return rc;
    }
    if (!oc.ok || job_scan_rec_parse(oc.result, oc.result_len, w) != MG_OK) {
        snprintf(why, cap, "%s", oc.ok ? "bad result" : oc.why);
        rc = MG_ERR_SANDBOX;
    }
    sandbox_outcome_free(&oc);
    return rc;
}

/* What the scans of one job found, put together. */
static void job_scan_result(struct job_engine *je, const struct job_scan_rec *w,
                            struct job_result *res)
{
    if ((res->released && !w->did_out) || (je->pol.scan_input && !w->did_in)) {
        job_block(res, REASON_SCAN_FAILED, "virus scan failed: %s", "bad result");
        return;
    }
    res->scanned_in = w->did_in != 0;
    res->scanned_out = w->did_out != 0;
    res->scan_in = w->in;
    res->scan_out = w->out;
    res->members_scanned = w->members_scanned;
    res->scan_member = w->member;
    job_strlcpy(res->member_name, sizeof(res->member_name), w->member_name);
    job_scan_verdict(je, w, res);
}

/* The scan of the input through an outside scanner, begun before the
 * input is sanitized; -1 when there is none to begin. */
static int job_scan_begin_input(struct job_engine *je, int in_ro, struct job_result *res)
{
    char why[256];
    int h = -1;
    struct job_scan_req req = {.in_fd = in_ro, .out_fd = -1, .members_fd = -1, .scan_in = 1};
    if (!je->scanner || !je->pol.scan_input)
        return -1;
    if (je->scanner->begin(je->scanner->arg, &req, &h, why, sizeof(why)) != MG_OK) {
        job_block(res, REASON_SCAN_FAILED, "virus scan failed: %s", why);
        return -1;
    }
    return h;
}

/*
 * Worker 3 (or the outside scanner): the input (unless its scan was begun
 * already, h_in), the output when one is to be released and differs from
 * the input (the same bytes have the same verdict), and the members.
 */
static void job_scan(struct job_engine *je, struct job_arg *arg, int in_ro, int out_fd,
                     int members_fd, int h_in, struct job_result *res)
{
    char why[256] = "";
    struct job_scan_rec w, w_in;
    int same = res->released && je->pol.scan_input && strcmp(res->sha256_in, res->sha256_out) == 0;
    struct job_scan_req req = {.in_fd = je->scanner ? -1 : in_ro,
                               .out_fd = -1,
                               .members_fd = -1,
                               .members_len = arg->members_len,
                               .scan_in = !je->scanner && je->pol.scan_input,
                               .scan_out = res->released && !same};
    int rc = MG_OK, h_out = -1;

    memset(&w, 0, sizeof(w));
    if ((req.scan_out && (req.out_fd = sealed_reopen_ro(out_fd)) < 0) ||
        (arg->members_len && (req.members_fd = sealed_reopen_ro(members_fd)) < 0)) {
        snprintf(why, sizeof(why), "cannot reopen a file to scan: %s", strerror(errno));
        rc = MG_ERR_IO;
    }
    arg->scan_out = req.scan_out;
    if (rc == MG_OK && !je->scanner) {
        rc = job_scan_local(je, arg, &req, &w, why, sizeof(why));
    } else if (rc == MG_OK && (req.scan_out || req.members_fd >= 0)) {
        rc = je->scanner->begin(je->scanner->arg, &req, &h_out, why, sizeof(why));
        if (rc == MG_OK)
            rc = je->scanner->end(je->scanner->arg, h_out, &w, why, sizeof(why));
    }
    if (h_in >= 0) {
        int rc_in = je->scanner->end(je->scanner->arg, h_in, &w_in, why, sizeof(why));
        if (rc == MG_OK && (rc = rc_in) == MG_OK) {
            w.did_in = w_in.did_in;
            w.in = w_in.in;
        }
    }
    if (rc == MG_OK && same) {
        w.did_out = w.did_in;
        w.out = w.in;
    }
    if (rc != MG_OK)
        job_block(res, REASON_SCAN_FAILED, "virus scan failed: %s", why);
    else
        job_scan_result(je, &w, res);
    if (req.out_fd >= 0)
        close(req.out_fd);
    if (req.members_fd >= 0)
        close(req.members_fd);
}

/* ---- the pipeline ---- */

/* The input, once, into a sealed memfd: the caller's file may change or
 * shrink under us; our copy cannot. */
static int job_take_input(struct job_engine *je, int fd, struct job_result *res)
{
    struct stat st;
    int too_big = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        job_block(res, REASON_NOT_A_FILE, "%s", "not a regular file");
        return MG_OK;
    }
    if ((uint64_t)st.st_size > je->pol.max_input_size) {
        res->size_in = (uint64_t)st.st_size;
        job_block(res, REASON_LIMIT, "%s", "larger than the policy's max_input_size");
        return MG_OK;
    }
    int rc = sealed_copy(fd, je->pol.max_input_size, &res->in_fd, &res->size_in, &too_big);
    if (rc != MG_OK)
        return rc;
    if (too_big) {
        job_block(res, REASON_LIMIT, "%s", "larger than the policy's max_input_size");
        return MG_OK;
    }
    /* The parent hashes again: quarantine names and the top-level report
     * must not rest on what a possibly compromised worker claims. */
    sealed_sha256(res->in_fd, res->size_in, res->sha256_in);
    return res->sha256_in[0] ? MG_OK : MG_ERR_IO;
}

int job_run(struct job_engine *je, const struct job_request *req, struct job_result *res)
{
    int in_ro = -1, members_fd = -1, h_in = -1, rc;
    uint64_t members_len = 0;
    struct job_arg arg;

    job_result_init(res);
    if ((rc = job_take_input(je, req->in_fd, res)) != MG_OK || res->in_fd < 0)
        return rc;
    res->verdict = VERDICT_CLEAN; /* until a step says otherwise */
    rc = MG_ERR_IO;
    if ((in_ro = sealed_reopen_ro(res->in_fd)) < 0 || (res->out_fd = sealed_new("mugai-out")) < 0 ||
        (members_fd = sealed_new("mugai-members")) < 0)
        goto out;

    memset(&arg, 0, sizeof(arg));
    arg.je = je;
    arg.name = req->name;
    arg.in_len = res->size_in;
    arg.force_type = req->force_type;
    /* The input's scan runs while it is sanitized and verified. */
    h_in = job_scan_begin_input(je, in_ro, res);
    if ((rc = job_sanitize(je, &arg, in_ro, res->out_fd, members_fd, res, &members_len)) != MG_OK)
        goto out;
    if (res->released && (rc = job_verify(je, &arg, res->out_fd, res)) != MG_OK)
        goto out;
    if (res->released) {
        sealed_sha256(res->out_fd, res->size_out, res->sha256_out);
        if (!res->sha256_out[0])
            job_block(res, REASON_RELEASE_FAILED, "%s", "cannot read the output back");
    }
    /* Scan even what will not be released: the report (and the people
     * reading the quarantine) should know when the original is malware. */
    arg.members_len = members_len;
    job_scan(je, &arg, in_ro, res->out_fd, members_fd, h_in, res);
    h_in = -1;
    rc = MG_OK;
out:
    if (h_in >= 0) {
        struct job_scan_rec ignored;
        char why[64];
        je->scanner->end(je->scanner->arg, h_in, &ignored, why, sizeof(why));
    }
    if (in_ro >= 0)
        close(in_ro);
    if (members_fd >= 0)
        close(members_fd);
    if (!res->released && res->out_fd >= 0) {
        close(res->out_fd);
        res->out_fd = -1;
    }
    if (rc != MG_OK)
        res->released = 0;
    return rc;
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
