/*
 * proto - frames between mugaid and its clients (mugai, mugai-milter) and
 * between mugaid's own processes, over Unix stream sockets.
 *
 * A frame is a 12-byte header (magic, type, payload length; little-endian)
 * followed by the payload, a wire.h record. Descriptors travel with the
 * header (SCM_RIGHTS), at most PROTO_MAX_FDS per frame. The receiver says
 * how long it waits and how large a payload of each type may be; a frame
 * with a bad magic, an unexpected size, truncated control data or more
 * descriptors than allowed is an error and every descriptor that came with
 * it is closed. Reads never block past the deadline, so a slow or silent
 * peer costs its own connection only.
 */
#ifndef MUGAI_PROTO_H
#define MUGAI_PROTO_H

#include "buf.h"
#include "caps.h"

#include <stddef.h>
#include <stdint.h>

#define PROTO_MAGIC 0x3150474du /* "MGP1" */

enum proto_type {
    PROTO_SANITIZE = 1, /* client: a file to sanitize; fd: the input */
    PROTO_RESULT,       /* daemon: the job's result; fds: input copy, output */
    PROTO_MAIL,         /* client: a message (pipe mode); fd: the message */
    PROTO_MAIL_RESULT,  /* daemon: status, reason; fd: message to deliver */
    PROTO_STATUS,       /* client: how is the daemon? */
    PROTO_STATUS_REPLY, /* daemon: a JSON object */
    PROTO_ERROR,        /* daemon: the request was refused; code, reason */
    PROTO_SCAN,         /* session -> scanner pool: fds input, output, members */
    PROTO_SCAN_RESULT,  /* scanner pool -> session: a job_scan_rec */
    PROTO_POLICY,       /* mugaid master -> front: fd: the policy text */
    PROTO_STORE_PUT,    /* session -> store: an original to keep; fd: it */
    PROTO_STORE_ID,     /* store -> session: its quarantine id (or an error) */
    PROTO_REVIEW,       /* review client -> store: list, show, approve, ... */
    PROTO_REVIEW_REPLY, /* store -> review client: text; fd: a released original */
    PROTO_STORE_PPAP,   /* session -> store: password candidates from a delivered message */
    PROTO_SHARE_NOTE,   /* mugai-share: what became of a file (an audit line) */
    PROTO_SHARE_ACK,    /* daemon: the line is written in the audit log */
    PROTO_TYPES
};

struct proto_frame {
    uint32_t type;
    struct buf payload;
    int fds[PROTO_MAX_FDS];
    size_t n_fds;
};

/* Send one frame; n_fds descriptors go with it (they stay open here). */
int proto_send(int sock, uint32_t type, const void *payload, size_t len, const int *fds,
               size_t n_fds);

/*
 * Receive one frame within timeout_ms (< 0: block, using nothing but
 * recvmsg). A payload over
 * max_payload or more than max_fds descriptors is refused. MG_OK; MG_ERR_IO
 * for end of file, a timeout or a read error; MG_ERR_PARSE for a bad frame.
 * On error nothing is left open.
 */
int proto_recv(int sock, int timeout_ms, size_t max_payload, size_t max_fds, struct proto_frame *f);

/* Take descriptor i out of the frame (the caller closes it); -1 if none. */
int proto_take_fd(struct proto_frame *f, size_t i);

/* Close the descriptors still in the frame and free the payload. */
void proto_frame_free(struct proto_frame *f);

#endif
