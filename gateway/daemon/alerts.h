/*
 * alerts - mail to the security staff when something they must know
 * happens: malware found, an encrypted or unreadable item held, a worker
 * stopped by the sandbox or its deadline, an engine that failed to load, a
 * virus database older than the policy allows, a PPAP password that did
 * not open its attachment, an inbound share that stopped taking files (its
 * disk is full: mugai-share's share-intake-stopped). The audit process feeds it every event it
 * writes (one place sees them all); each alert goes to syslog at once
 * (warning), and to alert_to in one bilingual mail per batch
 * (alert_batch_seconds), at most alert_max_per_hour mails an hour; alerts
 * that arrive once the hour's mails are sent wait for the next hour and go
 * in one mail (the first 100 lines, the rest counted).
 */
#ifndef MUGAI_DAEMON_ALERTS_H
#define MUGAI_DAEMON_ALERTS_H

#include "config.h"

#include <time.h>

void alerts_init(const struct config *cfg);

/* One event as written to the audit log (fields: ",\"k\":v,..."). */
void alerts_note(const char *event, const char *fields);

/* Send what is due; the time the next batch is due (0: nothing waits). */
time_t alerts_tick(time_t now);

/* Send what waits, whatever the time (the process is stopping). */
void alerts_flush(void);

#endif
