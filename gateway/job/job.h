/*
 * job - one input through the whole pipeline, each step in its own worker:
 *
 *   parent: copy the input once into a sealed memfd (bounded, no mmap)
 *   worker 1 (SANDBOX_STRICT, sees the input): identify, policy, sanitize
 *            -> output memfd, members memfd, report
 *   parent: seal output and members; check the worker's record (hostile
 *           until proven otherwise) and the output's first bytes
 *   worker 2 (SANDBOX_STRICT, sees only the sealed output): identify it by
 *            content and run the claimed type's verifier, members included
 *   worker 3 (SANDBOX_SCRATCH): virus-scan input, output and every member
 *            as we extracted it
 *   parent: release only if all agree
 *
 * A compromised sanitizer can make its own job fail, nothing else: its
 * output is judged by a process that never saw the input and scanned by
 * another, and neither can change it. The engine (policy, libmagic,
 * ClamAV) is loaded once in job_engine_init; every worker forks from it.
 */
#ifndef MUGAI_JOB_H
#define MUGAI_JOB_H

#include "buf.h"
#include "caps.h"
#include "ftype.h"
#include "policy.h"
#include "report.h"
#include "scan.h"

#include <stdint.h>

/* What a scan is asked to look at: read-only descriptors, -1 when absent. */
struct job_scan_req {
    int in_fd, out_fd, members_fd;
    uint64_t members_len;
    int scan_in, scan_out;
};

struct job_scan_rec;

/*
 * A scanner other than a worker forked by the job itself: the daemon's
 * pool. A job asks for the scan of its input at once, so that it runs
 * while the input is sanitized, and for the output and members after
 * verification: begin() sends a request and returns a handle, end() waits
 * for its record (and releases the handle either way).
 */
struct job_scanner {
    int (*begin)(void *arg, const struct job_scan_req *req, int *handle, char *why, size_t why_cap);
    int (*end)(void *arg, int handle, struct job_scan_rec *rec, char *why, size_t why_cap);
    void *arg;
};

struct job_engine {
    struct policy pol;
    struct scan_engine *scan;          /* the engine, for scans in a worker forked here */
    const struct job_scanner *scanner; /* or: this scanner (then scan may be NULL) */
    /* One of the two is required: we never release unscanned. */
    char tmpdir[CONFIG_PATH_MAX]; /* parent of per-job scratch directories */
    /* Passwords tried on encrypted containers (--password-file), owned by the caller. */
    const char *const *passwords;
    size_t n_passwords;
};

struct job_request {
    const char *name; /* the input's base name: reports, name checks, output name */
    int in_fd;        /* the caller's file, read once from its current offset */
    /* FT_UNKNOWN: identify by content; FT_EML for the mail pipe mode, where
     * the input is a message by definition. */
    enum ftype force_type;
};

struct job_result {
    enum verdict verdict;
    int released; /* out_fd holds the file to release */
    char type[TYPE_NAME_MAX];
    char out_type[TYPE_NAME_MAX];
    enum reason reason_code; /* REASON_NONE until blocked */
    char reason[REASON_TEXT_MAX];
    char summary[1024]; /* human-readable list of what was removed or rewritten */
    char sha256_in[SHA256_HEX_MAX], sha256_out[SHA256_HEX_MAX];
    uint64_t size_in, size_out;
    int scanned_in, scanned_out;
    struct scan_result scan_in, scan_out;
    /* Members scanned as we extracted them; the worst result and its name. */
    uint32_t members_scanned;
    struct scan_result scan_member;
    char member_name[256];
    int in_fd;         /* sealed copy of the input (for quarantine), -1 when none */
    int out_fd;        /* sealed memfd with the released bytes, -1 when none */
    struct buf report; /* the worker's report tree (validated JSON), may be empty */
    int64_t store_id;  /* mugaid kept the original in its quarantine store (0: no) */
};

/*
 * Who the workers run as: when we are root, the user named (e.g.
 * "nobody"), never root; otherwise our own uid (there is nothing to drop
 * to). allow_unconfined lets the scan worker run without path confinement
 * where neither Landlock nor a mount namespace is available. Call before
 * job_engine_init. MG_OK, or MG_ERR_USAGE with the reason in err.
 */
int job_configure_workers(const char *user, int allow_unconfined, char *err, size_t errcap);

/* Load libmagic and warm up what must not be loaded inside a worker. */
int job_engine_init(struct job_engine *je, const struct policy *pol, struct scan_engine *scan);
void job_engine_done(struct job_engine *je);

/*
 * Run one job. Returns MG_OK when the job ran to a verdict (released or
 * blocked, see res); another code for an internal failure, in which case
 * nothing is released. Free res with job_result_free in both cases.
 */
int job_run(struct job_engine *je, const struct job_request *req, struct job_result *res);
void job_result_free(struct job_result *res);

/* An empty result: blocked, no reason yet, nothing to free but the report. */
void job_result_init(struct job_result *res);

/* Block a result after the fact (e.g. the release failed): the first reason
 * stands unless code is REASON_INFECTED, which outranks every other. */
void job_block(struct job_result *res, enum reason code, const char *fmt, const char *arg);

/* The same sanitizing work without a worker or scanning, for benchmarks
 * that measure what the sandbox costs. Never used to release files. */
int job_sanitize_inprocess(struct job_engine *je, const char *name, const uint8_t *in, size_t len,
                           struct buf *out, enum verdict *verdict);

/* The JSON line for one input (format documented in README.md). */
int job_result_json(const struct job_result *res, const char *input, const char *output,
                    const char *quarantined, struct buf *out);

#endif
