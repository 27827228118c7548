/*
 * client - talk to mugaid: one connection, requests in order (used by
 * `mugai sanitize --socket`, `mugai mail --socket`, `mugai status` and
 * mugai-milter). The daemon's answers are parsed like any other input.
 */
#ifndef MUGAI_CLIENT_H
#define MUGAI_CLIENT_H

#include "buf.h"
#include "job.h"
#include "request.h"

#define CLIENT_DEFAULT_SOCKET "/run/mugai/mugaid.sock"

/* Connect to the daemon's socket; the fd, or -1 with the reason in err. */
int client_connect(const char *path, char *err, size_t errcap);

/*
 * Sanitize the file open on in_fd (read from offset 0 by the daemon) as
 * name. On MG_OK res is filled as job_run would fill it, with res->in_fd
 * the daemon's sealed copy of the input and res->out_fd the output when
 * released. timeout_ms bounds the wait for the answer (< 0: none).
 */
int client_sanitize(int sock, const char *name, int in_fd, const char *const *passwords,
                    size_t n_passwords, uint32_t flags, int timeout_ms, struct job_result *res,
                    char *err, size_t errcap);

/* mugai-share: the file at in_fd, from the inbound share (the daemon
 * honours this for its configured share_user only); as client_sanitize. */
int client_sanitize_share(int sock, const char *name, int in_fd, const struct share_ref *share,
                          int timeout_ms, struct job_result *res, char *err, size_t errcap);

/* mugai-share: an audit line; MG_OK once the daemon's audit writer has
 * written it. */
int client_share_note(int sock, const struct share_note *note, int timeout_ms, char *err,
                      size_t errcap);

/* The mail pipe mode through the daemon: reply->status 0 or 1 with
 * *deliver_fd set, or 75. While it waits, tick(tick_arg) is called about
 * once a second when given (the milter tells the MTA it is alive). */
int client_mail(int sock, int in_fd, const struct mail_envelope *env, int timeout_ms,
                void (*tick)(void *), void *tick_arg, struct mail_reply *reply, int *deliver_fd,
                char *err, size_t errcap);

/* The daemon's status as a JSON object, refused (MG_ERR_PARSE) unless it is
 * one well-formed value nested at most STATUS_JSON_DEPTH deep. */
int client_status(int sock, int timeout_ms, struct buf *json, char *err, size_t errcap);

#endif
