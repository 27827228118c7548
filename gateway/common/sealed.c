/*
 * sealed - memfds that are sealed before anyone else sees them (see sealed.h).
 */
#include "sealed.h"
#include "err.h"
#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define SEALED_ALL   (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
#define SEALED_CHUNK 65536

int sealed_new(const char *name)
{
    return memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

int sealed_seal(int fd)
{
    /* F_SEAL_WRITE fails with EBUSY while a writable shared mapping exists:
     * that would be a worker still alive, so it is an error, not a retry. */
    if (fcntl(fd, F_ADD_SEALS, SEALED_ALL) != 0)
        return MG_ERR_IO;
    return sealed_is_sealed(fd) ? MG_OK : MG_ERR_IO;
}

int sealed_is_sealed(int fd)
{
    int s = fcntl(fd, F_GET_SEALS);
    return s >= 0 && (s & SEALED_ALL) == SEALED_ALL;
}

int sealed_reopen_ro(int fd)
{
    char p[64];
    snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
    return open(p, O_RDONLY | O_CLOEXEC);
}

int sealed_size(int fd, uint64_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 0)
        return MG_ERR_IO;
    *len = (uint64_t)st.st_size;
    return MG_OK;
}

int sealed_copy(int src_fd, uint64_t max, int *fd, uint64_t *len, int *too_big)
{
    uint8_t chunk[SEALED_CHUNK];
    int mfd = -1, rc = MG_ERR_IO;
    uint64_t n = 0;

    *fd = -1;
    *len = 0;
    *too_big = 0;
    if ((mfd = sealed_new("mugai-in")) < 0)
        goto out;
    for (;;) {
        ssize_t r = read(src_fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto out;
        if (r == 0)
            break;
        if ((uint64_t)r > max - n) {
            *too_big = 1;
            rc = MG_OK;
            goto out;
        }
        if (fdio_write_all(mfd, chunk, (size_t)r) != MG_OK)
            goto out;
        n += (uint64_t)r;
    }
    /* Readers that use the file offset start at the beginning. */
    if (lseek(mfd, 0, SEEK_SET) != 0 || (rc = sealed_seal(mfd)) != MG_OK) {
        rc = MG_ERR_IO;
        goto out;
    }
    *fd = mfd;
    *len = n;
    mfd = -1;
out:
    if (mfd >= 0)
        close(mfd);
    return rc;
}

void sealed_sha256(int fd, uint64_t len, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t chunk[SEALED_CHUNK], md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;

    hex[0] = 0;
    for (uint64_t off = 0; ok && off < len;) {
        size_t want = len - off < sizeof(chunk) ? (size_t)(len - off) : sizeof(chunk);
        ssize_t r = pread(fd, chunk, want, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        ok = r > 0 && EVP_DigestUpdate(c, chunk, (size_t)r) == 1;
        off += r > 0 ? (uint64_t)r : 0;
    }
    ok = ok && EVP_DigestFinal_ex(c, md, &mdlen) == 1 && mdlen == 32;
    EVP_MD_CTX_free(c);
    if (!ok)
        return;
    for (unsigned i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = 0;
}

size_t sealed_head(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, p + got, n - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return 0;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return got;
}
