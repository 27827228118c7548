/*
 * proto - framed records with descriptors over Unix sockets (see proto.h).
 */
#include "proto.h"
#include "bytes.h"
#include "err.h"
#include "fdio.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROTO_HDR 12

static int64_t proto_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int proto_send(int sock, uint32_t type, const void *payload, size_t len, const int *fds,
               size_t n_fds)
{
    uint8_t hdr[PROTO_HDR];
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * PROTO_MAX_FDS)];
    } ctl;
    if (n_fds > PROTO_MAX_FDS || len > UINT32_MAX)
        return MG_ERR_USAGE;
    bytes_put32(hdr, PROTO_MAGIC);
    bytes_put32(hdr + 4, type);
    bytes_put32(hdr + 8, (uint32_t)len);
    struct iovec iov = {hdr, sizeof(hdr)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (n_fds) {
        memset(&ctl, 0, sizeof(ctl));
        mh.msg_control = ctl.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
    }
    /* Without descriptors plain writes do (a sandboxed scanner may write but
     * not sendmsg); the caller then ignores SIGPIPE or dies of it. */
    ssize_t w;
    if (n_fds) {
        do
            w = sendmsg(sock, &mh, MSG_NOSIGNAL);
        while (w < 0 && errno == EINTR);
        if (w != (ssize_t)sizeof(hdr))
            return MG_ERR_IO;
    } else if (fdio_write_all(sock, hdr, sizeof(hdr)) != MG_OK) {
        return MG_ERR_IO;
    }
    return len ? fdio_write_all(sock, payload, len) : MG_OK;
}

/* Wait until sock is readable or the deadline passes; 1 readable, 0 not. */
static int proto_wait(int sock, int64_t deadline)
{
    for (;;) {
        int left = -1;
        if (deadline >= 0) {
            int64_t l = deadline - proto_now_ms();
            if (l <= 0)
                return 0;
            left = l > 1000000 ? 1000000 : (int)l;
        }
        struct pollfd pf = {.fd = sock, .events = POLLIN};
        int r = poll(&pf, 1, left);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return 0;
    }
}

/* The descriptors of a control message into f; refuses a truncated one or
 * too many, closing whatever came. */
static int proto_take_cmsg(struct msghdr *mh, size_t max_fds, struct proto_frame *f)
{
    int rc = (mh->msg_flags & MSG_CTRUNC) ? MG_ERR_PARSE : MG_OK;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            rc = MG_ERR_PARSE;
            continue;
        }
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (f->n_fds < max_fds && f->n_fds < PROTO_MAX_FDS)
                f->fds[f->n_fds++] = fd;
            else {
                close(fd);
                rc = MG_ERR_PARSE;
            }
        }
    }
    return rc;
}

int proto_recv(int sock, int timeout_ms, size_t max_payload, size_t max_fds, struct proto_frame *f)
{
    uint8_t hdr[PROTO_HDR];
    size_t got = 0;
    int64_t deadline = timeout_ms < 0 ? -1 : proto_now_ms() + timeout_ms;
    union {
        struct cmsghdr align;
        /* Room for more than we accept, so extra descriptors are seen
         * (and closed) rather than silently lost as MSG_CTRUNC. */
        char buf[CMSG_SPACE(sizeof(int) * PROTO_MAX_FDS * 4)];
    } ctl;
    int rc = MG_ERR_IO;

    memset(f, 0, sizeof(*f));
    for (size_t i = 0; i < PROTO_MAX_FDS; i++)
        f->fds[i] = -1;
    buf_init(&f->payload, max_payload);
    /* timeout_ms < 0: block (a scanner waiting for work, which may use
     * recvmsg but not poll). */
    int dontwait = timeout_ms < 0 ? 0 : MSG_DONTWAIT;
    /* The header, with the descriptors riding on its first byte. */
    while (got < sizeof(hdr)) {
        if (deadline >= 0 && !proto_wait(sock, deadline))
            goto fail;
        struct iovec iov = {hdr + got, sizeof(hdr) - got};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        if (got == 0) {
            mh.msg_control = ctl.buf;
            mh.msg_controllen = sizeof(ctl.buf);
        }
        ssize_t r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | dontwait);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            goto fail;
        if (got == 0 && proto_take_cmsg(&mh, max_fds, f) != MG_OK) {
            rc = MG_ERR_PARSE;
            goto fail;
        }
        got += (size_t)r;
    }
    f->type = bytes_le32(hdr + 4);
    uint32_t len = bytes_le32(hdr + 8);
    if (bytes_le32(hdr) != PROTO_MAGIC || f->type == 0 || f->type >= PROTO_TYPES ||
        len > max_payload) {
        rc = MG_ERR_PARSE;
        goto fail;
    }
    if (len && buf_reserve(&f->payload, len) != MG_OK) {
        rc = MG_ERR_NOMEM;
        goto fail;
    }
    while (f->payload.len < len) {
        if (deadline >= 0 && !proto_wait(sock, deadline))
            goto fail;
        struct iovec iov = {f->payload.data + f->payload.len, len - f->payload.len};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        ssize_t r = recvmsg(sock, &mh, dontwait);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            goto fail;
        f->payload.len += (size_t)r;
    }
    return MG_OK;
fail:
    proto_frame_free(f);
    return rc;
}

int proto_take_fd(struct proto_frame *f, size_t i)
{
    if (i >= f->n_fds)
        return -1;
    int fd = f->fds[i];
    f->fds[i] = -1;
    return fd;
}

void proto_frame_free(struct proto_frame *f)
{
    for (size_t i = 0; i < f->n_fds; i++)
        if (f->fds[i] >= 0)
            close(f->fds[i]);
    f->n_fds = 0;
    buf_free(&f->payload);
}
