/*
 * scand - the scan engine of mugaid: one process that loads the ClamAV
 * engine (seconds and over a gigabyte with a real database) and keeps a
 * pool of scanner processes forked from it, so the engine is shared copy
 * on write and no job waits for a load or a fork of this large process.
 *
 * Sessions connect to its private socket for each scan; scand hands the
 * connection to an idle scanner, which reads the request (the job's sealed,
 * read-only input, output and members), scans and answers on it directly.
 * A scanner is a SANDBOX_SCANNER worker: seccomp, rlimits, its own scratch
 * directory (Landlock or a private mount namespace), no network. scand
 * kills a scanner that passes the deadline and replaces a scanner after any
 * result that is not clean and after cfg->scanner_jobs jobs, so an exploit
 * of libclamav by one input lives at most until the end of that job when
 * it shows, and for a bounded number of jobs when it hides (see README).
 *
 * A new database is a new scand: it loads next to the old one, takes over
 * the socket path when ready, and the old one finishes its scans and exits.
 */
#ifndef MUGAI_DAEMON_SCAND_H
#define MUGAI_DAEMON_SCAND_H

#include "config.h"
#include "policy.h"
#include "stats.h"

/* Path of the scan socket in a runtime directory. */
void scand_socket_path(const char *run_dir, char *path, size_t cap);

/*
 * Run the engine process of generation gen: load the database, start the
 * pool, bind the socket, write one byte to ready_fd (and close it) once it
 * serves, and serve until SIGTERM, then finish the scans under way.
 * Returns the process's exit status (3 when the database cannot be used).
 */
int scand_main(const struct config *cfg, const struct policy *pol, struct stats *st,
               const char *run_dir, unsigned gen, int ready_fd);

#endif
