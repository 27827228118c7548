/*
 * fdio - whole reads and writes on descriptors, retried on EINTR and short
 * transfers. Used wherever a partial write would lose data (outputs, the
 * spool, worker results).
 */
#ifndef MUGAI_FDIO_H
#define MUGAI_FDIO_H

#include <stddef.h>
#include <stdint.h>

/* Write all n bytes; MG_OK or MG_ERR_IO. */
int fdio_write_all(int fd, const void *p, size_t n);

/* Read exactly n bytes from offset 0 with pread (the file offset is left
 * alone: it may be shared with another process); MG_OK or MG_ERR_IO. */
int fdio_pread_all(int fd, uint8_t *p, size_t n);

/* Copy len bytes of src (from offset 0, its file offset untouched) to dst
 * with sendfile; MG_OK or MG_ERR_IO (src shorter than len included). */
int fdio_copy(int dst, int src, uint64_t len);

#endif
