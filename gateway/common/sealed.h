/*
 * sealed - byte containers that cannot change once handed on.
 *
 * Every file a job works on lives in a memfd: the input (copied once from
 * the caller's file, so a caller that truncates or rewrites it meanwhile
 * changes nothing), the sanitized output and the extracted members. As soon
 * as the process that fills one is done, the parent seals it (no write, no
 * shrink, no grow, no further seal changes), and every later process gets a
 * read-only descriptor (a fresh open of the memfd, so not even the access
 * mode is shared). A compromised worker can then neither change what is
 * released nor make the parent fault by truncating a file it has mapped.
 *
 * The parent reads these files only with pread() and length checks, never
 * through mmap(): a descriptor a worker has held is not trusted to keep its
 * size (seals protect it, but nothing should depend on one mechanism).
 */
#ifndef MUGAI_SEALED_H
#define MUGAI_SEALED_H

#include <stddef.h>
#include <stdint.h>

/* A new, empty, sealable memfd (close-on-exec). -1 and errno on failure. */
int sealed_new(const char *name);

/*
 * Copy what src_fd holds (read from its current position until end of
 * file) into a new memfd, seal it and leave its offset at 0. More than max bytes is not an error:
 * *too_big is set, nothing is kept and *fd is -1. MG_OK or MG_ERR_IO.
 */
int sealed_copy(int src_fd, uint64_t max, int *fd, uint64_t *len, int *too_big);

/* Seal fd against every change; MG_OK or MG_ERR_IO (e.g. a mapping is left). */
int sealed_seal(int fd);

/* Whether fd carries the full set of seals that sealed_seal() applies. */
int sealed_is_sealed(int fd);

/* A read-only descriptor of the same file (close-on-exec), -1 on failure. */
int sealed_reopen_ro(int fd);

/* The size of fd; MG_OK or MG_ERR_IO. */
int sealed_size(int fd, uint64_t *len);

/* SHA-256 of the first len bytes of fd, read with pread; hex "" on failure. */
void sealed_sha256(int fd, uint64_t len, char hex[65]);

/* Up to n bytes from offset 0; returns how many were read (0 on error). */
size_t sealed_head(int fd, uint8_t *p, size_t n);

#endif
