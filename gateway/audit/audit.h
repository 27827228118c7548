/*
 * audit - the tamper-evident audit log.
 *
 * One JSON object per line:
 *   {"seq":N,"time":"2026-12-02T09:30:57.123456Z","node":"gw1","prev":"<hex>",
 *    "event":"job",...}
 * seq counts every line ever written, across rotated files; time is UTC
 * with microseconds; prev is the SHA-256 of the previous line's bytes (the
 * line before, in this file or, for the first line of a rotated file, the
 * last line of the file before it), so editing, removing, inserting or
 * moving a line breaks the chain where it happened.
 *
 * A chain alone can be rewritten whole by whoever can write the file. So
 * the writer, and only the writer, holds an Ed25519 key: at a fixed
 * interval it appends a checkpoint line signing the chain so far, and it
 * keeps a signed head (the last seq and hash) in a file of its own, which
 * also shows a log cut short. `mugai audit verify` checks all of it with
 * the public key and names the first place each rule breaks.
 */
#ifndef MUGAI_AUDIT_H
#define MUGAI_AUDIT_H

#include "buf.h"
#include "caps.h"

#include <stddef.h>
#include <stdint.h>

struct audit_writer {
    int fd;
    char path[CONFIG_PATH_MAX];
    char head_path[CONFIG_PATH_MAX];
    char node[128];
    uint64_t seq;              /* of the last line written */
    char prev[SHA256_HEX_MAX]; /* SHA-256 of the last line written */
    void *key;                 /* EVP_PKEY *, the private signing key; NULL: no signatures */
    struct buf pending;        /* lines written but not yet synced */
    unsigned pending_lines;
    char last_rid[64]; /* the "rid" field of the last line, if it had one */
};

/*
 * Open (creating) the log at path; the chain continues from its last line
 * (or, for a new file, from the signed head left by the file before it).
 * key_path: the private key (made, mode 0600, when missing, with the public
 * key beside it as KEY.pub); NULL for an unsigned log (tests).
 */
int audit_open(struct audit_writer *w, const char *path, const char *key_path, const char *node,
               char *err, size_t errcap);
void audit_close(struct audit_writer *w);

/*
 * Append an event; fields is "" or a run of JSON members that starts with a
 * comma (",\"verdict\":\"blocked\",..."), checked to be valid JSON. The line
 * is kept in memory until audit_sync.
 */
int audit_append(struct audit_writer *w, const char *event, const char *fields);

/* Write what is pending to the file (it survives our death, not the
 * machine's). */
int audit_flush(struct audit_writer *w);

/* Write what is pending, fsync, and update the signed head. */
int audit_sync(struct audit_writer *w);

/* The value of key in one of our lines (a number, or a string without
 * escapes); 1 when found. */
int audit_line_field(const char *line, size_t len, const char *key, char *dst, size_t cap);

/* Append a checkpoint: the chain so far, signed. */
int audit_checkpoint(struct audit_writer *w);

/* Close the file, rename it to path.<seq>, go on in a new file at path
 * whose first line is a "rotate" event chained to the last. */
int audit_rotate(struct audit_writer *w, char *err, size_t errcap);

/*
 * Check files (oldest first: a rotated file, then the next ...). pub_path:
 * the public key, or NULL (signatures then unchecked and said so);
 * head_path: the signed head, or NULL. Writes one line per problem (and a
 * summary) to out; *problems counts them. MG_OK when the files could be
 * read (problems or not).
 */
int audit_verify(const char *const *files, size_t n, const char *pub_path, const char *head_path,
                 struct buf *out, unsigned *problems);

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" for now. */
void audit_now(char *dst, size_t cap);

#endif
