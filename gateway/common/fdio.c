/*
 * fdio - whole reads and writes on descriptors (see fdio.h).
 */
#include "fdio.h"
#include "err.h"

#include <errno.h>
#include <sys/sendfile.h>
#include <sys/types.h>
#include <unistd.h>

int fdio_write_all(int fd, const void *p, size_t n)
{
    const uint8_t *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return MG_ERR_IO;
        c += w;
        n -= (size_t)w;
    }
    return MG_OK;
}

int fdio_pread_all(int fd, uint8_t *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t r = pread(fd, p + off, n - off, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return MG_ERR_IO;
        off += (size_t)r;
    }
    return MG_OK;
}

int fdio_copy(int dst, int src, uint64_t len)
{
    off_t off = 0;
    while ((uint64_t)off < len) {
        ssize_t n = sendfile(dst, src, &off, (size_t)(len - (uint64_t)off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EINVAL || errno == ENOSYS))
            break; /* e.g. dst opened O_APPEND: copy the rest by hand */
        if (n <= 0)
            return MG_ERR_IO;
    }
    uint8_t b[65536];
    while ((uint64_t)off < len) {
        size_t want = len - (uint64_t)off < sizeof(b) ? (size_t)(len - (uint64_t)off) : sizeof(b);
        ssize_t r = pread(src, b, want, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || fdio_write_all(dst, b, (size_t)r) != MG_OK)
            return MG_ERR_IO;
        off += r;
    }
    return MG_OK;
}
