/*
 * batch - run independent items on several processes, print in order.
 *
 * `mugai sanitize` with many inputs is throughput-bound and every job is
 * already its own set of worker processes, so inputs can run side by side:
 * batch forks N runners from the loaded engine (copy-on-write, nothing is
 * reloaded); each runner claims the next item from a shared counter, runs
 * it, and sends the item's output line and status back on its own pipe.
 * The parent prints the lines in input order, as if the items had run one
 * after another.
 *
 * Runners are trusted code (the same program); everything hostile still
 * happens in the sandboxed workers each job forks. A runner that dies
 * leaves its unreported items marked as internal errors.
 */
#ifndef MUGAI_BATCH_H
#define MUGAI_BATCH_H

#include "buf.h"

#include <stdio.h>

/* Run item i, append what it prints to line; return its exit status. */
typedef int (*batch_item_fn)(int i, void *arg, struct buf *line);

/* Combine two exit statuses into the one to report. */
typedef int (*batch_worse_fn)(int a, int b);

/*
 * Run n items on up to jobs processes (jobs <= 1: in this process),
 * writing each item's line to out in item order. Returns the combined
 * status, or internal_status when a runner failed.
 */
int batch_run(int n, int jobs, batch_item_fn fn, void *arg, batch_worse_fn worse,
              int internal_status, FILE *out);

#endif
