/*
 * watch - the inbound tree as mugai-share sees it: which files are there
 * and which of them are complete.
 *
 * INBOUND/USER/... is walked (no symlink is followed: every folder is
 * opened with O_NOFOLLOW relative to its parent's descriptor, and kept
 * open) and watched with inotify; USER must be a user name whose folder is
 * owned by that user, with OUTBOUND/USER beside it, or the folder is left
 * alone (logged once). The walk is done again every share_rescan_seconds,
 * and at once when inotify overflows or a folder appears, moves or goes,
 * so a lost event delays a file but never loses it.
 *
 * A regular file whose name no share_ignore pattern matches is a
 * candidate; it is taken when
 *   - it has not changed (size, times, inode) for share_settle_seconds
 *     (share_empty_seconds while it is empty: a client may create a file,
 *     close it and open it again to write);
 *   - no process has it open for writing: a read lease (F_SETLEASE) can
 *     only be had on a file nobody writes to, which is exact, unlike any
 *     time limit. A lease on someone else's file needs CAP_LEASE (the
 *     systemd unit gives it); without it, a file inotify saw written but
 *     not closed waits ten settle times more.
 * The lease is held while the file is renamed into the spool, so no writer
 * can open it in between.
 */
#ifndef MUGAI_SHARE_WATCH_H
#define MUGAI_SHARE_WATCH_H

#include "config.h"
#include "queue.h"

#include <stddef.h>
#include <stdint.h>

struct watch;

/* Take the files (queue_take: each marked taken or not); how many. */
typedef size_t (*watch_take_fn)(void *arg, struct queue_take *t, size_t n);

int watch_open(struct watch **w, const struct config *cfg, char *err, size_t cap);
void watch_close(struct watch *w);
/* In a forked child: close the descriptors, leave the watches (they are
 * the parent's too) alone. */
void watch_forget(struct watch *w);

/* The inotify descriptor, to poll for input; then watch_read. */
int watch_fd(const struct watch *w);
void watch_read(struct watch *w, int64_t now_ms);

/* Walk the tree when it is due (or was asked for by an event). */
void watch_rescan(struct watch *w, int64_t now_ms, int force);

/* Look at the candidates again; take those that are complete, at most
 * max (QUEUE_TAKE_MAX) in one batch, when intake is allowed. How many
 * were taken. */
unsigned watch_tick(struct watch *w, int64_t now_ms, int intake, unsigned max, watch_take_fn take,
                    void *arg);

/* Candidates not taken yet. */
size_t watch_pending(const struct watch *w);

#endif
