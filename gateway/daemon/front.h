/*
 * front - mugaid's front process: it holds what every job needs but the
 * scan engine (policy, libmagic, sanitizer globals, compiled filters), so
 * the sessions it forks, one per client connection, start with all of it
 * and fork their workers from a process far smaller than the engine. It
 * accepts on the socket the master bound, learns the caller's identity
 * (SO_PEERCRED), and limits how many sessions run at once (more wait in
 * the listen backlog). SIGHUP reloads the policy for new sessions; a bad
 * file is refused with FILE:LINE: reason and the old policy stays.
 */
#ifndef MUGAI_DAEMON_FRONT_H
#define MUGAI_DAEMON_FRONT_H

#include "config.h"
#include "stats.h"

int front_main(const struct config *cfg, struct stats *st, int listen_fd, const char *run_dir);

#endif
