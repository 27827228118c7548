/*
 * spool - the original of every mail message, kept for retrieval.
 *
 * Until the quarantine store exists, originals live in a plain directory:
 *   DIR/SHA256.eml    the message byte for byte (mode 0600)
 *   DIR/SHA256.json   the result of the last run on it (mode 0600)
 * The original is written to a temporary file, fsynced, linked under its
 * final name (link() never replaces: the same hash means the same bytes)
 * and the directory is fsynced, all before the message is sanitized; so
 * whatever happens later (a crash, a kill, a full disk while writing the
 * output), a message that was handed over is never lost. Originals older
 * than the retention period are removed by spool_expire(), at most once an
 * hour.
 */
#ifndef MUGAI_SPOOL_H
#define MUGAI_SPOOL_H

#include <stddef.h>
#include <stdint.h>

/* Keep len bytes of fd (from offset 0) as DIR/sha256.eml; the path goes into path. */
int spool_keep(const char *dir, int fd, uint64_t len, const char *sha256, char *path, size_t cap);

/* Write (replace) DIR/sha256.json with the run's result. */
int spool_note(const char *dir, const char *sha256, const char *json, size_t len);

/* The sweep runs at most once in this many seconds per spool; DIR/.swept
 * holds the time of the last one. */
#define SPOOL_SWEEP_SECONDS 3600
#define SPOOL_STAMP         ".swept"

/* Remove DIR/<64 hex>.eml and .json files older than days (unless the last
 * sweep was less than SPOOL_SWEEP_SECONDS ago); *removed counts .eml files. */
int spool_expire(const char *dir, unsigned days, unsigned *removed);

#endif
