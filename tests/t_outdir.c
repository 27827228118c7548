/*
 * t_outdir - writing released files and quarantined originals: an existing
 * file is never overwritten (variants "name (1).ext" ...), a root that is a
 * symlink, someone else's or open to others is refused, the quarantine
 * keeps the original byte for byte with mode 0600 and replaces a squatted
 * entry. Checked with stat() and reads, not through outdir.
 */
#include "err.h"
#include "outdir.h"
#include "t.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/t_outdir.XXXXXX";

static int src(const char *text)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/src", dir);
    int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0 && write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        close(fd);
        return -1;
    }
    return fd;
}

static int file_is(const char *path, const char *text)
{
    char b[256] = "";
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, b, sizeof(b) - 1) : -1;
    if (fd >= 0)
        close(fd);
    return n == (ssize_t)strlen(text) && memcmp(b, text, (size_t)n) == 0;
}

int main(void)
{
    struct outdir od = {.fd = -1}, qd = {.fd = -1};
    char err[512], path[4200], out[300], q[300], link[300];
    if (!mkdtemp(dir))
        return 1;
    snprintf(out, sizeof(out), "%s/out", dir);
    CHECK_EQ_INT(outdir_open(&od, out, 0, err, sizeof(err)), MG_OK);

    int fd = src("first");
    CHECK_EQ_INT(outdir_release(&od, "report.docx", fd, 5, path, sizeof(path)), MG_OK);
    CHECK(strstr(path, "/report.docx") && file_is(path, "first"));
    close(fd);
    fd = src("second");
    CHECK_EQ_INT(outdir_release(&od, "report.docx", fd, 6, path, sizeof(path)), MG_OK);
    CHECK(strstr(path, "/report (1).docx") && file_is(path, "second"));
    snprintf(path, sizeof(path), "%s/report.docx", out);
    CHECK(file_is(path, "first")); /* never overwritten */
    CHECK_EQ_INT(outdir_release(&od, "noext", fd, 6, path, sizeof(path)), MG_OK);
    CHECK_EQ_INT(outdir_release(&od, "noext", fd, 6, path, sizeof(path)), MG_OK);
    CHECK(strstr(path, "/noext (1)") != NULL);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
    close(fd);
    /* No temporary file is left behind. */
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "ls -A %s | grep -q mugai-tmp", out);
    CHECK(system(cmd) != 0);
    outdir_close(&od);

    /* Release names follow the output type. */
    outdir_name("議事録.docm", "docx", path, sizeof(path));
    CHECK(strcmp(path, "議事録.docx") == 0);
    outdir_name("meeting.rdp", "text", path, sizeof(path));
    CHECK(strcmp(path, "meeting.rdp.txt") == 0);

    /* Roots: a symlink, a quarantine open to others, an output others may write. */
    snprintf(link, sizeof(link), "%s/link", dir);
    CHECK(symlink(out, link) == 0);
    CHECK(outdir_open(&od, link, 0, err, sizeof(err)) != MG_OK);
    snprintf(q, sizeof(q), "%s/q", dir);
    CHECK(mkdir(q, 0755) == 0);
    CHECK(outdir_open(&qd, q, 1, err, sizeof(err)) != MG_OK);
    CHECK(chmod(out, 0777) == 0);
    CHECK(outdir_open(&od, out, 0, err, sizeof(err)) != MG_OK);
    CHECK(chmod(out, 0755) == 0);

    /* The quarantine: original byte for byte, 0600; a squatted entry is replaced. */
    CHECK(chmod(q, 0700) == 0);
    CHECK_EQ_INT(outdir_open(&qd, q, 1, err, sizeof(err)), MG_OK);
    const char *sha =
            "65892be10983370462badce4d0fa9c9dee0cf6f5173e07f5ea53d763c818b826"; /* of "the original"
                                                                                 */
    char sq[400];
    snprintf(sq, sizeof(sq), "%s/%s", q, sha);
    CHECK(mkdir(sq, 0700) == 0);
    snprintf(sq, sizeof(sq), "%s/%s/original", q, sha);
    int squat = open(sq, O_WRONLY | O_CREAT, 0644);
    CHECK(squat >= 0 && write(squat, "not it", 6) == 6);
    close(squat);
    fd = src("the original");
    CHECK_EQ_INT(outdir_quarantine(&qd, sha, "a.exe", fd, 12, "{}", 2, path, sizeof(path)), MG_OK);
    close(fd);
    /* "not it" does not have that SHA-256: the entry was replaced. */
    CHECK(file_is(sq, "the original"));
    CHECK(stat(sq, &st) == 0 && (st.st_mode & 0777) == 0600);
    outdir_close(&qd);

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    printf("t_outdir: %d passed, %d failed\n", t_passed, t_failed);
    return t_failed ? 1 : 0;
}
