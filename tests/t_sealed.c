/*
 * t_sealed - the sealed copies a job works on cannot change once made.
 */
#include "err.h"
#include "sealed.h"
#include "t.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int temp_file(const char *content, size_t n, char *path, size_t cap)
{
    snprintf(path, cap, "/tmp/t_sealed.XXXXXX");
    int fd = mkstemp(path);
    if (fd >= 0 && write(fd, content, n) != (ssize_t)n) {
        close(fd);
        fd = -1;
    }
    if (fd >= 0)
        lseek(fd, 0, SEEK_SET);
    return fd;
}

/* The copy keeps the bytes it took, whatever happens to the source. */
static void test_copy_survives_source(void)
{
    char path[64], hex_before[65], hex_after[65];
    const char text[] = "the original content, long enough to notice a truncation\n";
    int src = temp_file(text, sizeof(text) - 1, path, sizeof(path));
    CHECK(src >= 0);
    int fd = -1, too_big = 1;
    uint64_t len = 0;
    CHECK_EQ_INT(sealed_copy(src, 1 << 20, &fd, &len, &too_big), MG_OK);
    CHECK(fd >= 0 && !too_big);
    CHECK_EQ_INT(len, sizeof(text) - 1);
    CHECK_EQ_INT(lseek(fd, 0, SEEK_CUR), 0);
    sealed_sha256(fd, len, hex_before);
    /* The caller's file shrinks and changes after the copy. */
    CHECK(ftruncate(src, 3) == 0);
    CHECK(pwrite(src, "XYZ", 3, 0) == 3);
    sealed_sha256(fd, len, hex_after);
    CHECK(hex_before[0] && strcmp(hex_before, hex_after) == 0);
    uint8_t head[8];
    CHECK_EQ_INT(sealed_head(fd, head, sizeof(head)), sizeof(head));
    CHECK(memcmp(head, text, sizeof(head)) == 0);
    close(src);
    unlink(path);
    close(fd);
}

/* Nothing can write, shrink, grow or unseal it, not even through a
 * read-write descriptor of its own, and the reopened one is read-only. */
static void test_seals_hold(void)
{
    int fd = sealed_new("t");
    CHECK(fd >= 0);
    CHECK(write(fd, "0123456789", 10) == 10);
    CHECK(!sealed_is_sealed(fd));
    CHECK_EQ_INT(sealed_seal(fd), MG_OK);
    CHECK(sealed_is_sealed(fd));
    CHECK(pwrite(fd, "X", 1, 0) < 0 && errno == EPERM);
    CHECK(ftruncate(fd, 0) < 0 && errno == EPERM);
    CHECK(ftruncate(fd, 100) < 0 && errno == EPERM);
    CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) < 0 && errno == EPERM);
    CHECK(mmap(NULL, 10, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
    int ro = sealed_reopen_ro(fd);
    CHECK(ro >= 0);
    CHECK((fcntl(ro, F_GETFL) & O_ACCMODE) == O_RDONLY);
    CHECK(pwrite(ro, "X", 1, 0) < 0 && errno == EBADF);
    CHECK(ftruncate(ro, 0) < 0);
    uint64_t len = 0;
    CHECK_EQ_INT(sealed_size(ro, &len), MG_OK);
    CHECK_EQ_INT(len, 10);
    close(ro);
    close(fd);
}

/* More than the cap: nothing kept, no descriptor, and it says why. */
static void test_too_big(void)
{
    char path[64];
    static char big[200000];
    memset(big, 'a', sizeof(big));
    int src = temp_file(big, sizeof(big), path, sizeof(path));
    int fd = 7, too_big = 0;
    uint64_t len = 1;
    CHECK_EQ_INT(sealed_copy(src, 100000, &fd, &len, &too_big), MG_OK);
    CHECK(too_big && fd == -1 && len == 0);
    lseek(src, 0, SEEK_SET);
    CHECK_EQ_INT(sealed_copy(src, sizeof(big), &fd, &len, &too_big), MG_OK);
    CHECK(!too_big && fd >= 0 && len == sizeof(big));
    close(fd);
    close(src);
    unlink(path);
}

int main(void)
{
    test_copy_survives_source();
    test_seals_hold();
    test_too_big();
    return t_done();
}
