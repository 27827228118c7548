/*
 * scan - virus scanning with libclamav.
 *
 * The engine is loaded and compiled once (scan_load) in the long-lived
 * process; scanning happens in a sandboxed worker forked from it
 * (SANDBOX_SCRATCH profile, because libclamav writes temp files while it
 * unpacks), so the engine is shared copy-on-write and never reloaded.
 *
 * ClamAV reports "clean" for a file it stopped scanning at a limit unless
 * told otherwise: we set CL_SCAN_HEURISTIC_EXCEEDS_MAX so a limit hit is a
 * detection ("Heuristics.Limits.Exceeded...") and therefore not clean.
 */
#ifndef MUGAI_SCAN_H
#define MUGAI_SCAN_H

#include "policy.h"

#include <stddef.h>
#include <stdint.h>

struct scan_engine;

enum scan_status {
    SCAN_CLEAN = 0,
    SCAN_INFECTED = 1,
    SCAN_LIMIT = 2, /* a scan limit was hit: not known to be clean */
    SCAN_ERROR = 3,
};

struct scan_result {
    enum scan_status status;
    char name[128]; /* signature name, or error text */
};

/*
 * Load every database in dbdir. Fails (MG_ERR_USAGE, message in err) when
 * the directory holds no signatures: we never run without a database.
 * Sets *age_days to the age of the newest database (by CVD build time, or
 * file mtime for plain signature files).
 */
int scan_load(const char *dbdir, const struct policy *pol, struct scan_engine **out, unsigned *sigs,
              int *age_days, char *err, size_t errlen);
void scan_free(struct scan_engine *se);

/* What databases dbdir holds, for status: "daily 27000, main 62" (CVD/CLD
 * names and versions; other files by count) and the newest build time. */
void scan_db_info(const char *dbdir, char *version, size_t cap, int64_t *built);

/* Scan one descriptor from offset 0. Call in the worker; scratch is where
 * libclamav may write temp files ("." for the worker's own directory). */
void scan_fd(struct scan_engine *se, const char *scratch, int fd, struct scan_result *res);

/* Scan bytes in memory (a member as we extracted it); name is for logs only. */
void scan_mem(struct scan_engine *se, const char *scratch, const uint8_t *p, size_t n,
              const char *name, struct scan_result *res);

/* Of two results, the one that matters more: infected > limit > error > clean. */
const struct scan_result *scan_worse(const struct scan_result *a, const struct scan_result *b);

const char *scan_status_name(enum scan_status s);

#endif
