/*
 * request - what mugaid's clients ask and what they get back: the payloads
 * of the proto.h frames, written and read field by field (wire.h) with a
 * cap on every field. Shared by the daemon and its clients, so the two
 * cannot drift apart.
 */
#ifndef MUGAI_REQUEST_H
#define MUGAI_REQUEST_H

#include "buf.h"
#include "ftype.h"
#include "job.h"

#include <stddef.h>
#include <stdint.h>

#define REQUEST_NAME_MAX      1024u
#define REQUEST_PASSWORDS_MAX 1000u
#define REQUEST_PASSWORD_MAX  1024u
/* Largest payload a daemon reads from a client (names and passwords). */
#define REQUEST_MAX (REQUEST_PASSWORDS_MAX * (REQUEST_PASSWORD_MAX + 4) + 8192)
/* Largest reply a client reads (the report tree and fixed fields). */
#define REPLY_MAX (JOB_REPORT_MAX + 16384)

/* PROTO_SANITIZE: one file; its descriptor travels with the frame. */
struct sanitize_request {
    char name[REQUEST_NAME_MAX];
    enum ftype force_type;
    char **passwords; /* owned by the request after a decode */
    size_t n_passwords;
};

int request_sanitize_encode(const char *name, enum ftype force, const char *const *passwords,
                            size_t n_passwords, struct buf *out);
int request_sanitize_decode(const uint8_t *p, size_t n, struct sanitize_request *r);
void request_sanitize_free(struct sanitize_request *r);

/* PROTO_RESULT: a job_result (its descriptors travel with the frame:
 * first the sealed input copy when has_in, then the output when released). */
int request_result_encode(const struct job_result *res, struct buf *out);
int request_result_decode(const uint8_t *p, size_t n, struct job_result *res);

/* PROTO_MAIL_RESULT: the pipe mode's answer (status 0, 1 or 75) and, for
 * 0 and 1, the message to deliver as a descriptor; json is the result line
 * kept beside the original. */
struct mail_reply {
    int status;
    enum reason reason_code;
    char reason[512];
    char sha256[65];
    struct buf json;
};

int request_mail_reply_encode(const struct mail_reply *m, struct buf *out);
int request_mail_reply_decode(const uint8_t *p, size_t n, struct mail_reply *m);

/* PROTO_ERROR: why a request was refused. */
int request_error_encode(const char *code, const char *reason, struct buf *out);
int request_error_decode(const uint8_t *p, size_t n, char *code, size_t ccap, char *reason,
                         size_t rcap);

/* PROTO_SCAN: what to scan (the descriptors travel with the frame, in the
 * order in, out, members, each only when its bit is in the mask). */
#define SCAN_HAS_IN      1u
#define SCAN_HAS_OUT     2u
#define SCAN_HAS_MEMBERS 4u
int request_scan_encode(const struct job_scan_req *req, uint32_t mask, struct buf *out);
int request_scan_decode(const uint8_t *p, size_t n, struct job_scan_req *req, uint32_t *mask);

#endif
