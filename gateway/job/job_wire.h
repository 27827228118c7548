/*
 * job_wire - what the job's workers send back, and how the parent reads it
 * (internal to job.c and job_worker.c).
 *
 * Each worker writes one record (wire.h) on its result pipe; the parent
 * parses it field by field with the caps below and refuses anything else.
 * Text fields are also cleaned of control bytes before they are used.
 */
#ifndef MUGAI_JOB_WIRE_H
#define MUGAI_JOB_WIRE_H

#include "job.h"
#include "scan.h"

#include <stdint.h>

#define JOB_SAN_MAGIC    0x3252474du /* "MGR2" */
#define JOB_VERIFY_MAGIC 0x3156474du /* "MGV1" */
#define JOB_SCAN_MAGIC   0x3253474du /* "MGS2" */

/* Slack for the fixed fields of a record around the report tree. */
#define JOB_RECORD_EXTRA 4096u

/* What every worker of one job is told. */
struct job_arg {
    struct job_engine *je;
    const char *name;
    uint64_t in_len;
    enum ftype force_type;
    /* verify worker: the claimed output type and its length */
    enum ftype claimed;
    uint64_t out_len;
    /* scan worker: what to scan besides the input */
    int scan_out;
    uint64_t members_len;
};

/* The sanitize worker's record. */
struct job_san_rec {
    int32_t rc;
    uint32_t verdict;
    uint32_t in_type, out_type;
    uint64_t out_len;
    uint64_t members_len;    /* bytes of member records in the aux memfd */
    uint32_t members_failed; /* a member could not be recorded for scanning */
    enum reason reason_code; /* checked against the table when parsed */
    char reason[512];
    char summary[1024];
    const uint8_t *report; /* points into the record */
    size_t report_len;
};

struct job_verify_rec {
    int32_t rc;
    uint32_t got_type;
    char why[256];
};

struct job_scan_rec {
    uint32_t did_in, did_out;
    struct scan_result in, out;
    uint32_t members_scanned;
    struct scan_result member; /* the worst member result */
    char member_name[256];
};

/* Worker side: run under the sandbox (job_worker.c). */
/* Scan what req names (in the worker of a job, or a scanner of the pool). */
void job_scan_fds(struct scan_engine *se, const struct job_scan_req *req, struct job_scan_rec *rec);
int job_worker_sanitize(void *arg, int in_fd, int out_fd, int res_fd);
int job_worker_verify(void *arg, int in_fd, int out_fd, int res_fd);
int job_worker_scan(void *arg, int in_fd, int out_fd, int res_fd);

/* Worker side: write one record on fd. */
int job_san_rec_write(int fd, const struct job_san_rec *r);
int job_verify_rec_write(int fd, const struct job_verify_rec *r);
int job_scan_rec_write(int fd, const struct job_scan_rec *r);
/* The same record into a buffer (a frame's payload). */
int job_scan_rec_encode(const struct job_scan_rec *r, struct buf *b);

/* Parent side: MG_OK only for a well-formed record. */
int job_san_rec_parse(const uint8_t *p, size_t n, struct job_san_rec *r);
int job_verify_rec_parse(const uint8_t *p, size_t n, struct job_verify_rec *r);
int job_scan_rec_parse(const uint8_t *p, size_t n, struct job_scan_rec *r);

/* One member record in the aux memfd: u32 name length, u64 data length,
 * the name, the data. The scan worker reads names of at most
 * JOB_MEMBER_NAME_MAX bytes (caps.h). */

#endif
