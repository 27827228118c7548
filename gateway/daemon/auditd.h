/*
 * auditd - mugaid's audit process: the only writer of the audit log and
 * the only reader of its signing key. It runs as the service user (never
 * the worker user, so no process that forks content workers can read the
 * key or write the log), reads event records from the socket the master
 * made (audit_send.h), and for each batch: appends the lines (audit.h),
 * fsyncs once (or once per line with audit_fsync = line), updates the
 * signed head, and copies every line to syslog (facility authpriv) so a
 * second copy exists outside the host's disk. A signed checkpoint goes in
 * every audit_checkpoint_seconds; the file is rotated past
 * audit_rotate_mb, the chain going on in the new file.
 */
#ifndef MUGAI_DAEMON_AUDITD_H
#define MUGAI_DAEMON_AUDITD_H

#include "config.h"

/* Serve sock until SIGTERM or the socket's other end is gone; 0 on a clean
 * stop. The log and key are opened here, after the user switch. */
int auditd_main(const struct config *cfg, int sock);

#endif
