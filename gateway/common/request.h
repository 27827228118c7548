/*
 * request - what mugaid's clients ask and what they get back: the payloads
 * of the proto.h frames, written and read field by field (wire.h) with a
 * cap on every field. Shared by the daemon and its clients, so the two
 * cannot drift apart.
 */
#ifndef MUGAI_REQUEST_H
#define MUGAI_REQUEST_H

#include "buf.h"
#include "caps.h"
#include "ftype.h"
#include "job.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* PROTO_SANITIZE: one file; its descriptor travels with the frame. */
/* Flags of a request. NO_KEEP: do not put a blocked original in the
 * quarantine store (honoured for the store's own requests only: an unlock
 * of an item already there). */
#define REQUEST_NO_KEEP 1u
/* SHARE: a file from the inbound share, sent by mugai-share on behalf of
 * the user whose folder it came from (honoured for the configured
 * share_user only); the share fields follow the flags. */
#define REQUEST_SHARE 2u

/* A file's place in the share: inbound/USER/PATH; intake names the one
 * time it was taken (mugai-share's spool entry), so that a job repeated
 * after a crash keeps its original once. */
struct share_ref {
    char user[REQUEST_USER_MAX];
    char path[REQUEST_PATH_MAX];
    char intake[REQUEST_INTAKE_MAX];
};

struct sanitize_request {
    char name[REQUEST_NAME_MAX];
    enum ftype force_type;
    uint32_t flags;
    char **passwords; /* owned by the request after a decode */
    size_t n_passwords;
    struct share_ref share; /* with REQUEST_SHARE */
};

int request_sanitize_encode(const char *name, enum ftype force, const char *const *passwords,
                            size_t n_passwords, uint32_t flags, struct buf *out);
/* The same with REQUEST_SHARE and where the file came from. */
int request_sanitize_encode_share(const char *name, const struct share_ref *share, struct buf *out);

/* Whether a relative path is one the share may use: components separated
 * by single '/', none empty, "." or "..", no control bytes or backslash,
 * shorter than REQUEST_PATH_MAX. A user name: [A-Za-z0-9._-], not
 * starting with '-' or '.', shorter than REQUEST_USER_MAX. */
int request_share_path_ok(const char *path);
int request_share_user_ok(const char *user);
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

/* PROTO_MAIL's payload: the envelope, when the caller knows it (the milter
 * does; Postfix's pipe gives it as arguments). Empty for none. */
struct mail_envelope {
    char sender[REQUEST_NAME_MAX];
    char recipients[REQUEST_RECIPIENTS_MAX]; /* one per line */
    uint32_t flags;                          /* REQUEST_NO_KEEP */
    char **passwords;                        /* for encrypted attachments (PPAP unlock) */
    size_t n_passwords;
};
int request_mail_encode(const struct mail_envelope *e, struct buf *out);
int request_mail_decode(const uint8_t *p, size_t n, struct mail_envelope *e);
void request_mail_free(struct mail_envelope *e);

/* PROTO_STORE_PUT: what the store records beside an original. */
struct store_put_request {
    char source[16];
    int64_t owner_uid; /* -1: nobody in particular (mail) */
    char sender[REQUEST_NAME_MAX];
    char recipients[REQUEST_RECIPIENTS_MAX];
    char name[REQUEST_NAME_MAX];
    char type[32];
    enum reason reason_code;
    uint32_t kept;                   /* delivered sanitized: kept for retention, not held */
    struct buf report;               /* JSON */
    char path[REQUEST_PATH_MAX];     /* share: the file's path under its owner's folder */
    char intake[REQUEST_INTAKE_MAX]; /* share: kept once per intake and content */
};
int request_store_put_encode(const struct store_put_request *r, struct buf *out);
int request_store_put_decode(const uint8_t *p, size_t n, struct store_put_request *r);

/* PROTO_STORE_PPAP: a message from sender to recipients gave these
 * password candidates; try them on what they sent in the window. */
struct ppap_request {
    char sender[REQUEST_NAME_MAX];
    char recipients[REQUEST_RECIPIENTS_MAX];
    uint32_t window_seconds;
    char exclude_sha256[65]; /* the message that gave them */
    char **passwords;
    size_t n_passwords;
};
int request_ppap_encode(const struct ppap_request *r, struct buf *out);
int request_ppap_decode(const uint8_t *p, size_t n, struct ppap_request *r);
void request_ppap_free(struct ppap_request *r);

/* PROTO_STORE_ID: the new item's id, 0 with why when it could not be kept. */
int request_store_id_encode(int64_t id, const char *why, struct buf *out);
int request_store_id_decode(const uint8_t *p, size_t n, int64_t *id, char *why, size_t cap);

/* PROTO_REVIEW: one review command (mugai quarantine VERB). */
struct review_request {
    char verb[24]; /* list show request-release approve reject release delete purge export
                      unlock */
    int64_t id;    /* show .. delete */
    char reason[1024];
    char state[16];   /* list: "" for any */
    int64_t since;    /* list, export: Unix time */
    uint32_t json;    /* list, show: JSON instead of a table */
    char **passwords; /* unlock: owned by the request after a decode */
    size_t n_passwords;
};
void request_review_free(struct review_request *r);
int request_review_encode(const struct review_request *r, struct buf *out);
int request_review_decode(const uint8_t *p, size_t n, struct review_request *r);

/* PROTO_REVIEW_REPLY: ok (1) or refused (0), the text to print, and for a
 * released original of a file (not mail) its name; the fd travels along. */
int request_review_reply_encode(uint32_t ok, const char *name, const void *text, size_t len,
                                struct buf *out);
int request_review_reply_decode(const uint8_t *p, size_t n, uint32_t *ok, char *name,
                                size_t namecap, struct buf *text);

/* PROTO_SHARE_NOTE: what mugai-share did with a file, or with its intake
 * (event share-placed, share-held, share-intake-stopped,
 * share-intake-resumed); the daemon answers once it is in the audit log. */
struct share_note {
    char event[32];
    struct share_ref share;
    char output[REQUEST_PATH_MAX]; /* placed: the output's path; held: the notice's */
    char sha256[65];               /* the input's */
    char sha256_out[65];           /* placed: the output's */
    uint64_t size;
    int64_t store_id; /* held: the quarantine id */
    char reason[64];  /* held: the reason code */
    char detail[512]; /* intake-stopped: why */
};
int request_share_note_encode(const struct share_note *n, struct buf *out);
int request_share_note_decode(const uint8_t *p, size_t n, struct share_note *note);

#endif
