/*
 * client - requests to mugaid (see client.h).
 */
#include "client.h"
#include "err.h"
#include "jsoncheck.h"
#include "proto.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int client_connect(const char *path, char *err, size_t errcap)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errcap, "%s: socket path too long", path);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* An answer of the expected type, or the daemon's refusal spelled out. */
static int client_answer(int sock, int timeout_ms, uint32_t want, size_t max_fds,
                         struct proto_frame *f, char *err, size_t errcap)
{
    int rc = proto_recv(sock, timeout_ms, REPLY_MAX, max_fds, f);
    if (rc != MG_OK) {
        snprintf(err, errcap, "no answer from the daemon (%s)",
                 rc == MG_ERR_IO ? "connection closed or timed out" : "malformed answer");
        return rc;
    }
    if (f->type == PROTO_ERROR) {
        char code[REASON_CODE_MAX], reason[REASON_TEXT_MAX];
        if (request_error_decode(f->payload.data, f->payload.len, code, sizeof(code), reason,
                                 sizeof(reason)) == MG_OK)
            snprintf(err, errcap, "refused by the daemon: %s: %s", code, reason);
        else
            snprintf(err, errcap, "refused by the daemon");
        proto_frame_free(f);
        return MG_ERR_USAGE;
    }
    if (f->type != want) {
        snprintf(err, errcap, "unexpected answer from the daemon");
        proto_frame_free(f);
        return MG_ERR_PARSE;
    }
    return MG_OK;
}

/* Send one request whose payload p was encoded with result rc (p is freed),
 * naming what could not be sent. */
static int client_send(int sock, int rc, uint32_t type, struct buf *p, int *fds, size_t n_fds,
                       const char *what, char *err, size_t errcap)
{
    if (rc == MG_OK)
        rc = proto_send(sock, type, p->data, p->len, fds, n_fds);
    buf_free(p);
    if (rc != MG_OK)
        snprintf(err, errcap, "cannot send %s to the daemon", what);
    return rc;
}

static int sanitize_request(int sock, const char *name, int in_fd, const char *const *passwords,
                            size_t n_passwords, uint32_t flags, const struct share_ref *share,
                            int timeout_ms, struct job_result *res, char *err, size_t errcap)
{
    struct buf req;
    struct proto_frame f;
    buf_init(&req, REQUEST_MAX);
    job_result_init(res);
    int rc = share ? request_sanitize_encode_share(name, share, &req)
                   : request_sanitize_encode(name, FT_UNKNOWN, passwords, n_passwords, flags, &req);
    rc = client_send(sock, rc, PROTO_SANITIZE, &req, &in_fd, 1, "the request", err, errcap);
    if (rc != MG_OK)
        return rc;
    if ((rc = client_answer(sock, timeout_ms, PROTO_RESULT, 2, &f, err, errcap)) != MG_OK)
        return rc;
    buf_free(&res->report);
    rc = request_result_decode(f.payload.data, f.payload.len, res);
    /* Descriptors: the input copy when announced, then the output. */
    size_t want = (size_t)(res->in_fd == -2) + (size_t)(res->released != 0);
    if (rc == MG_OK && f.n_fds != want)
        rc = MG_ERR_PARSE;
    if (rc == MG_OK) {
        size_t i = 0;
        res->in_fd = res->in_fd == -2 ? proto_take_fd(&f, i++) : -1;
        res->out_fd = res->released ? proto_take_fd(&f, i++) : -1;
    } else {
        res->in_fd = res->out_fd = -1;
        snprintf(err, errcap, "malformed result from the daemon");
    }
    proto_frame_free(&f);
    return rc;
}

int client_sanitize(int sock, const char *name, int in_fd, const char *const *passwords,
                    size_t n_passwords, uint32_t flags, int timeout_ms, struct job_result *res,
                    char *err, size_t errcap)
{
    return sanitize_request(sock, name, in_fd, passwords, n_passwords, flags, NULL, timeout_ms, res,
                            err, errcap);
}

int client_sanitize_share(int sock, const char *name, int in_fd, const struct share_ref *share,
                          int timeout_ms, struct job_result *res, char *err, size_t errcap)
{
    return sanitize_request(sock, name, in_fd, NULL, 0, 0, share, timeout_ms, res, err, errcap);
}

int client_share_note(int sock, const struct share_note *note, int timeout_ms, char *err,
                      size_t errcap)
{
    struct buf p;
    struct proto_frame f;
    buf_init(&p, REQUEST_MAX);
    int rc = request_share_note_encode(note, &p);
    rc = client_send(sock, rc, PROTO_SHARE_NOTE, &p, NULL, 0, "the note", err, errcap);
    if (rc != MG_OK)
        return rc;
    if ((rc = client_answer(sock, timeout_ms, PROTO_SHARE_ACK, 0, &f, err, errcap)) != MG_OK)
        return rc;
    proto_frame_free(&f);
    return MG_OK;
}

int client_mail(int sock, int in_fd, const struct mail_envelope *env, int timeout_ms,
                void (*tick)(void *), void *tick_arg, struct mail_reply *reply, int *deliver_fd,
                char *err, size_t errcap)
{
    struct proto_frame f;
    struct buf p;
    *deliver_fd = -1;
    buf_init(&p, REQUEST_RECIPIENTS_MAX + REQUEST_NAME_MAX + 64);
    int rc = env ? request_mail_encode(env, &p) : MG_OK;
    rc = client_send(sock, rc, PROTO_MAIL, &p, &in_fd, 1, "the message", err, errcap);
    if (rc != MG_OK)
        return rc;
    /* Wait for the answer to begin, a second at a time. */
    for (int waited = 0; tick && (timeout_ms < 0 || waited < timeout_ms); waited += 1000) {
        struct pollfd pf = {.fd = sock, .events = POLLIN};
        if (poll(&pf, 1, 1000) != 0)
            break;
        tick(tick_arg);
    }
    if ((rc = client_answer(sock, timeout_ms, PROTO_MAIL_RESULT, 1, &f, err, errcap)) != MG_OK)
        return rc;
    rc = request_mail_reply_decode(f.payload.data, f.payload.len, reply);
    if (rc == MG_OK && f.n_fds != (reply->status == 75 ? 0u : 1u))
        rc = MG_ERR_PARSE;
    if (rc == MG_OK && reply->status != 75)
        *deliver_fd = proto_take_fd(&f, 0);
    if (rc != MG_OK)
        snprintf(err, errcap, "malformed answer from the daemon");
    proto_frame_free(&f);
    return rc;
}

int client_status(int sock, int timeout_ms, struct buf *json, char *err, size_t errcap)
{
    struct proto_frame f;
    int rc = proto_send(sock, PROTO_STATUS, NULL, 0, NULL, 0);
    if (rc != MG_OK) {
        snprintf(err, errcap, "cannot ask the daemon");
        return rc;
    }
    if ((rc = client_answer(sock, timeout_ms, PROTO_STATUS_REPLY, 0, &f, err, errcap)) != MG_OK)
        return rc;
    if (!jsoncheck_valid(f.payload.data, f.payload.len, STATUS_JSON_DEPTH)) {
        snprintf(err, errcap, "malformed answer from the daemon");
        rc = MG_ERR_PARSE;
    } else {
        rc = buf_append(json, f.payload.data, f.payload.len);
    }
    proto_frame_free(&f);
    return rc;
}
