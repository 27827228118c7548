/*
 * stored - mugaid's quarantine process (service user): the only process
 * that reads or writes the store (gateway/store). It takes originals from
 * sessions over a private channel and serves `mugai quarantine` on the
 * review socket, where it reads each caller's uid itself (SO_PEERCRED): no
 * other process can act in someone's name. Every review action goes to the
 * audit log; a release is recorded as an exception.
 *
 * Sessions hand it a connection (a socketpair end) over put_rx, one
 * SEQPACKET record each, and send the PUT on that connection; the store
 * answers on it with the item's id. Review connections are served each in
 * a child of their own, so a slow client cannot hold up the puts.
 */
#ifndef MUGAI_DAEMON_STORED_H
#define MUGAI_DAEMON_STORED_H

#include "config.h"

#include <stdint.h>

int stored_main(const struct config *cfg, int put_rx, int review_fd);

/*
 * From a session: keep the original at fd (a sealed, read-only copy) with
 * what is known of it. MG_OK with *id, or an error with why; put_tx is the
 * session's end of the channel.
 */
struct store_put_request;
int stored_put(int put_tx, const struct store_put_request *req, int fd, int64_t *id, char *why,
               size_t cap);

/* From a session: password candidates a delivered message gave (PPAP);
 * the store tries them later, on its own. MG_OK once it took them. */
struct ppap_request;
int stored_ppap(int put_tx, const struct ppap_request *req);

#endif
