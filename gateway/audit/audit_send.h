/*
 * audit_send - how mugaid's processes hand events to the audit process.
 *
 * One SOCK_SEQPACKET socket pair per daemon: the audit process reads one
 * end, every other process (master, front, sessions) writes to the other,
 * one record per event ("EVENT\0FIELDS"), so a record arrives whole or not
 * at all. The master keeps the reading end too, so that records queue in
 * the kernel while a killed audit process is restarted (nothing lost);
 * when the queue is full, a sender waits rather than drop a line. Content
 * workers never hold either end (the sandbox closes every descriptor).
 */
#ifndef MUGAI_AUDIT_SEND_H
#define MUGAI_AUDIT_SEND_H

#include "buf.h"
#include "caps.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The descriptor this process sends on (-1: no audit log, events dropped).
 * nonblocking: never wait for room (the master, which must stay free to
 * restart a dead audit process); an event that finds the queue full is
 * then reported on stderr and lost. Everyone else waits. */
void audit_send_set_fd(int fd, int nonblocking);

/* Send one event; fields as for audit_append (""/",\"k\":v,..."), written
 * with json_fields() (json.h). */
int audit_event(const char *event, const char *fields);

/* Wait until every record sent so far, by any process, has been taken by
 * the audit writer, which takes a record only once its line is written
 * (the queue is empty: SIOCOUTQ of the shared sending socket, whose
 * reading end is still open). MG_OK, or MG_ERR_IO when that did not
 * happen within timeout_ms (the writer is behind or being restarted, or
 * the daemon is going). With no audit log, at once. */
int audit_wait_written(int timeout_ms);

/* Split a received record; MG_OK when the event name and the fields are
 * well-formed (the writer checks the fields' JSON again). */
int audit_record_parse(const uint8_t *p, size_t n, char event[AUDIT_EVENT_MAX + 1],
                       const char **fields);

#endif
