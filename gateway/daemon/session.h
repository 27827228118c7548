/*
 * session - one client connection of mugaid, in a process of its own
 * (forked by the front for each connection): requests in order, each job
 * run through the same pipeline as `mugai sanitize` (job.c), with the
 * scan done by the engine process's pool. The caller's identity
 * (SO_PEERCRED) is logged with every job. A session ends when the client
 * closes, sends something malformed, or stays silent past idle_seconds;
 * whatever it does, it costs its own connection only.
 */
#ifndef MUGAI_DAEMON_SESSION_H
#define MUGAI_DAEMON_SESSION_H

#include "config.h"
#include "job.h"
#include "stats.h"

#include <sys/socket.h>

struct session_env {
    const struct config *cfg;
    struct job_engine *je; /* policy, libmagic, filters: loaded by the front */
    struct stats *st;
    char scan_socket[1200];
};

/* The store's put channel (stored.h), inherited by every session. */
void session_set_store(int fd);

/* Serve conn until it ends; never returns an error to anyone but the log. */
void session_main(int conn, const struct ucred *peer, struct session_env *env);

#endif
