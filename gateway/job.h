/*
 * job - one input through the whole pipeline, in sandboxed workers:
 *
 *   parent: size check, memfd for the output
 *   worker (SANDBOX_STRICT): identify, policy, sanitize, verify -> output + report
 *   parent: check the worker's result record (hostile until proven otherwise)
 *   worker (SANDBOX_SCRATCH): virus-scan input and output with libclamav
 *   parent: final verdict
 *
 * The engine (policy, libmagic, ClamAV) is loaded once in job_engine_init;
 * every job forks from it, so nothing is reloaded per file.
 */
#ifndef MUGAI_JOB_H
#define MUGAI_JOB_H

#include "buf.h"
#include "policy.h"
#include "report.h"
#include "scan.h"

#include <stdint.h>

struct job_engine {
    struct policy pol;
    struct scan_engine *scan; /* required: we never release unscanned */
    char tmpdir[1024];        /* parent of per-job scratch directories */
    /* Passwords tried on encrypted containers (--password-file), owned by the caller. */
    const char *const *passwords;
    size_t n_passwords;
};

#define JOB_REPORT_MAX (4u << 20) /* cap on a worker's JSON report tree */

struct job_result {
    enum verdict verdict;
    int released; /* out_fd holds the file to release */
    char type[32];
    char out_type[32];
    char out_ext[16];
    char reason_code[48];
    char reason[512];
    char summary[1024]; /* human-readable list of what was removed or rewritten */
    char sha256_in[65], sha256_out[65];
    uint64_t size_in, size_out;
    int scanned_in, scanned_out;
    struct scan_result scan_in, scan_out;
    int out_fd;        /* memfd with the released bytes, -1 when none */
    struct buf report; /* the worker's report tree (validated JSON), may be empty */
};

/* Load libmagic and warm up what must not be loaded inside a worker. */
int job_engine_init(struct job_engine *je, const struct policy *pol, struct scan_engine *scan);
void job_engine_done(struct job_engine *je);

/*
 * Run one job on in_fd (a regular file). name is the file's base name.
 * Returns MG_OK when the job ran to a verdict (released or blocked, see
 * res); another code for an internal failure, in which case nothing is
 * released.
 */
int job_run(struct job_engine *je, const char *name, int in_fd, struct job_result *res);
void job_result_free(struct job_result *res);

/* The same sanitizing work without a worker or scanning, for benchmarks
 * that measure what the sandbox costs. Never used to release files. */
int job_sanitize_inprocess(struct job_engine *je, const char *name, const uint8_t *in, size_t len,
                           struct buf *out, enum verdict *verdict);

/* The JSON line for one input (format documented in README.md). */
int job_result_json(const struct job_result *res, const char *input, const char *output,
                    const char *quarantined, struct buf *out);

#endif
