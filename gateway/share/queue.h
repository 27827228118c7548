/*
 * queue - mugai-share's spool: every file taken from the inbound share
 * stays here until what became of it is in the outbound share and in the
 * audit log. The spool is on the inbound share's file system, so a file
 * is moved in by rename(): it is in exactly one of the two places at any
 * moment, and a crash can neither lose it nor leave a second copy.
 *
 *   SPOOL/lock        flock()ed: one mugai-share per spool
 *   SPOOL/E/          one entry per file taken (E: its intake name, 24 hex
 *                     digits that sort in the order files were taken)
 *     meta            USER and PATH (inbound/USER/PATH), fsynced before
 *                     the file moves in
 *     file            the file, renamed from the share
 *     out             released: the sanitized output (written and fsynced
 *                     before result names it)
 *     result          what mugaid decided; written once and never asked
 *                     again, so a later run cannot contradict a decision
 *                     someone may already have seen
 *
 * An entry without its file is an intake that did not happen (the file is
 * still in the share) or a removal a crash interrupted (its file goes
 * first, once everything else is done): either way it is dropped when the
 * spool is opened.
 */
#ifndef MUGAI_SHARE_QUEUE_H
#define MUGAI_SHARE_QUEUE_H

#include "request.h"

#include <stddef.h>
#include <stdint.h>

#define QUEUE_INTAKE_LEN 24
#define QUEUE_TAKE_MAX   16 /* files taken in one batch */

struct queue {
    int fd;      /* SPOOL */
    int lock_fd; /* SPOOL/lock, flock()ed while we run */
    char path[1024];
};

/* Open (making it when missing, mode 0700) and lock the spool; drop the
 * entries without their file (see above). */
int queue_open(struct queue *q, const char *path, char *err, size_t cap);
void queue_close(struct queue *q);

/* A file to take: parentfd/name is INBOUND/USER/PATH. */
struct queue_take {
    const char *user, *path, *name;
    int parentfd;
    char intake[QUEUE_INTAKE_LEN + 1]; /* set when taken */
    int taken;
};

/* Move each file into a new entry: every entry's meta is written, the
 * file system synced, every file renamed in, synced again (two syncs for
 * the batch, not five per file). A file that could not be taken is still
 * where it was (logged). How many were taken. */
size_t queue_take(struct queue *q, struct queue_take *t, size_t n);

/* The entries, oldest first (names into a malloc'd array of strings). */
int queue_list(struct queue *q, char ***names, size_t *n);
void queue_list_free(char **names, size_t n);

/* An entry's USER and PATH (intake set to its name). */
int queue_meta(struct queue *q, const char *intake, struct share_ref *ref);

/* Small files of an entry: written whole (temporary, fsync, rename, the
 * entry fsynced), read whole (at most cap - 1 bytes, NUL-terminated). */
int queue_put(int efd, const char *name, const void *p, size_t len);
int queue_get(int efd, const char *name, char *dst, size_t cap);

/* The entry is done: removed, its file first (see above). Nothing is
 * synced: a removal lost in a power cut is done again, to the same end. */
int queue_finish(struct queue *q, const char *intake);

#endif
