/*
 * front - mugaid's front process: it holds what every job needs but the
 * scan engine (policy, libmagic, sanitizer globals, compiled filters), so
 * the sessions it forks, one per client connection, start with all of it
 * and fork their workers from a process far smaller than the engine. It
 * accepts on the socket the master bound, learns the caller's identity
 * (SO_PEERCRED), and limits how many sessions run at once (more wait in
 * the listen backlog). The master sends the policy text (it reads the file,
 * which need not be readable by the worker user): at start, and again on
 * a reload, for the sessions started after it.
 */
#ifndef MUGAI_DAEMON_FRONT_H
#define MUGAI_DAEMON_FRONT_H

#include "config.h"
#include "stats.h"

/* ctl: the master's socket, on which every policy text arrives (the first
 * before the front serves). */
int front_main(const struct config *cfg, struct stats *st, int listen_fd, int ctl,
               const char *run_dir);

#endif
