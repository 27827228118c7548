/*
 * mailjob - one message through the pipeline, as the pipe mode (`mugai
 * mail`) and the daemon's MAIL request both need it: the job with the
 * input taken as a message, and for a message that is held, a notice for
 * the recipient built from the original's headers in a sandboxed worker
 * (or, if that fails, one without them). The caller keeps the original
 * before calling and delivers what comes back.
 */
#ifndef MUGAI_MAILJOB_H
#define MUGAI_MAILJOB_H

#include "job.h"
#include "request.h"

#include <stdint.h>

#define MAILJOB_EXIT_OK       0
#define MAILJOB_EXIT_HELD     1
#define MAILJOB_EXIT_TEMPFAIL 75

/* Where a held original goes for review (mugaid's store): keep() returns
 * its id, or <= 0 when it could not be kept (the message is then a
 * temporary failure). */
struct mailjob_keeper {
    int64_t (*keep)(void *arg, int sealed_fd, const struct job_result *r);
    void *arg;
};

/*
 * in_fd: the sealed message (len bytes, SHA-256 sha). kept: where the
 * original is kept, for the result line. On return reply->status is 0
 * (*deliver_fd: the sanitized message), 1 (*deliver_fd: the notice) or 75
 * (nothing to deliver, *deliver_fd -1); reply->json is the result line.
 */
void mailjob_run(struct job_engine *je, int in_fd, uint64_t len, const char *sha, const char *kept,
                 const struct mailjob_keeper *keeper, struct mail_reply *reply, int *deliver_fd);

/*
 * Password candidates (PPAP) in the text of a message we delivered
 * (msg_fd, our sanitized output), found by a sandboxed worker and checked
 * here: at most MAIL_PPAP_MAX printable tokens. *cands is malloc'd.
 */
int mailjob_ppap_candidates(struct job_engine *je, int msg_fd, uint64_t len, char ***cands,
                            size_t *n);

#endif
