/*
 * stats - what `mugai status` reports, in one shared page that mugaid's
 * master maps before it starts the other processes. Each field has one
 * writer (master: start time; front: policy; scan pool: database and pool;
 * sessions: job counters, with atomic adds). Readers may see a field in
 * the middle of a change: the page is for people and scripts, never for a
 * decision. Processes that fork content workers unmap it from their
 * children first (MADV_DONTFORK), so no worker can write to it.
 */
#ifndef MUGAI_DAEMON_STATS_H
#define MUGAI_DAEMON_STATS_H

#include "buf.h"
#include "caps.h"

#include <stdint.h>

struct stats {
    int64_t started_at; /* unix time */
    /* the policy in force */
    char policy_file[CONFIG_PATH_MAX];
    char policy_sha256[65];
    int64_t policy_loaded_at;
    uint32_t policy_reload_failures;
    /* the scan engine in force */
    char db_dir[CONFIG_PATH_MAX];
    char db_version[96]; /* e.g. "daily 27000 main 62" */
    int64_t db_built_at; /* newest database's build (or file) time */
    int64_t db_loaded_at;
    uint32_t db_signatures;
    uint32_t db_generation;
    uint32_t db_reload_failures;
    int32_t engine_ready;
    /* the scanner pool of the engine in force */
    uint32_t scanners, scanners_busy, scan_queue;
    uint64_t scanners_started;
    /* jobs */
    uint64_t sessions;
    uint64_t jobs_in_flight;
    uint64_t jobs_done;
    uint64_t by_verdict[4]; /* enum verdict */
};

/* The shared page (MAP_SHARED | MAP_ANONYMOUS), NULL on failure. */
struct stats *stats_create(void);

/* Keep it out of children forked from here on (workers). */
void stats_hide_from_children(struct stats *st);

/* The JSON object `mugai status --json` prints; clock_synced: -1 unknown. */
int stats_json(const struct stats *st, int clock_synced, struct buf *out);

#endif
