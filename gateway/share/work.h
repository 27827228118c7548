/*
 * work - mugai-share's workers: each a process of its own with its own
 * connection to mugaid, taking one spool entry at a time from the watcher
 * (an intake name over a SEQPACKET socket) and answering when it is done
 * or must be tried again later:
 *
 *   no result yet  the file goes to mugaid as a share file (on behalf of
 *                  USER, with its PATH and intake); the answer is written
 *                  to the entry: released (with the output, first) or held
 *                  (with the quarantine id; a blocked file the store could
 *                  not keep is tried again, never noticed without an id);
 *                  a file that changed while it was sanitized (still being
 *                  written) is tried again from the start
 *   result         the output (OUTBOUND/USER/DIR/release name) or the
 *                  notice (OUTBOUND/USER/PATH.mugai-notice.txt) is put in
 *                  place atomically (sharedir.h); then the audit line goes
 *                  to mugaid (share-placed or share-held), and once it is
 *                  written the entry is removed
 * A worker killed anywhere resumes at the step it was in: before the
 * result, the job is asked again; after it, the same file is placed again
 * under the same name (never a second one) and the line sent again. The
 * spool is ordered so that an older file of the same name is done first.
 */
#ifndef MUGAI_SHARE_WORK_H
#define MUGAI_SHARE_WORK_H

#include "config.h"
#include "queue.h"

/* What a worker says: "job INTAKE" (done with mugaid, placing now), then
 * "ok INTAKE", "retry INTAKE SECONDS WHY", or "down INTAKE SECONDS WHY"
 * (mugaid is not there: the watcher waits before sending more). */
#define WORK_MSG_MAX 1024

/* Serve the watcher on sock until it closes; exit status. */
int work_main(const struct config *cfg, struct queue *q, int sock);

#endif
