/*
 * t_sharedir - the share's paths and its outbound writer on their own:
 * which relative paths and user names a share request may carry (and that
 * a decoded request holds exactly what was sent), that a placement never
 * follows a link planted under outbound/USER, replaces whole files, and
 * that a notice is removed only when it is the notice of that item.
 * (The watcher with a real Samba server is in test_share.py.)
 */
#include "err.h"
#include "request.h"
#include "sharedir.h"
#include "t.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/t_sharedir.XXXXXX";

static void test_paths(void)
{
    static const char *const good[] = {
            "a.txt", "課/資料/見積書.docx", "a b/c.d", ".x/y", "x..y/z..", "~$a.docx"};
    static const char *const bad[] = {"",   "/a",   "a/",   "a//b",  "../a", "a/../b", "a/./b", ".",
                                      "..", "a\\b", "a\nb", "a\x7f", "a/..", "x/./",   "a\tb"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        CHECK(request_share_path_ok(good[i]));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK(!request_share_path_ok(bad[i]));
    char longname[300];
    memset(longname, 'a', 256);
    longname[256] = 0;
    CHECK(!request_share_path_ok(longname)); /* a component over 255 bytes */
    CHECK(request_share_user_ok("tanaka") && request_share_user_ok("t.suzuki-2"));
    CHECK(!request_share_user_ok("") && !request_share_user_ok("-x") &&
          !request_share_user_ok(".x") && !request_share_user_ok("a/b") &&
          !request_share_user_ok("a b") && !request_share_user_ok("田中"));
}

static void test_request(void)
{
    struct share_ref ref = {"tanaka", "課/a.js", "0123456789abcdef01234567"};
    struct sanitize_request r;
    struct buf b;
    buf_init(&b, REQUEST_MAX);
    CHECK_EQ_INT(request_sanitize_encode_share("a.js", &ref, &b), MG_OK);
    CHECK_EQ_INT(request_sanitize_decode(b.data, b.len, &r), MG_OK);
    CHECK((r.flags & REQUEST_SHARE) && strcmp(r.share.user, "tanaka") == 0 &&
          strcmp(r.share.path, "課/a.js") == 0 && strcmp(r.share.intake, ref.intake) == 0);
    request_sanitize_free(&r);
    /* The name must be the path's last component; the path must be one. */
    buf_reset(&b);
    CHECK_EQ_INT(request_sanitize_encode_share("b.js", &ref, &b), MG_OK);
    CHECK(request_sanitize_decode(b.data, b.len, &r) != MG_OK);
    struct share_ref evil = {"tanaka", "../x/a.js", "01"};
    buf_reset(&b);
    CHECK_EQ_INT(request_sanitize_encode_share("a.js", &evil, &b), MG_OK);
    CHECK(request_sanitize_decode(b.data, b.len, &r) != MG_OK);
    /* A plain request cannot smuggle the share flag in. */
    buf_reset(&b);
    CHECK_EQ_INT(request_sanitize_encode("a.js", FT_UNKNOWN, NULL, 0, REQUEST_SHARE, &b), MG_OK);
    CHECK_EQ_INT(request_sanitize_decode(b.data, b.len, &r), MG_OK);
    CHECK(!(r.flags & REQUEST_SHARE));
    request_sanitize_free(&r);
    buf_free(&b);
}

static int read_file(const char *path, char *dst, size_t cap)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, dst, cap - 1);
    close(fd);
    if (n < 0)
        return -1;
    dst[n] = 0;
    return (int)n;
}

static void test_place(void)
{
    char root[256], path[512], err[512], text[65536];
    const char *base;
    int dfd = -1;
    snprintf(root, sizeof(root), "%s/out", dir);
    CHECK(mkdir(root, 0755) == 0);
    /* No user folder: nothing is made for it. */
    CHECK(sharedir_open_parent(root, "tanaka", "a/b.txt", &dfd, &base, err, sizeof(err)) != MG_OK);
    snprintf(path, sizeof(path), "%s/tanaka", root);
    CHECK(mkdir(path, 02770) == 0);
    CHECK_EQ_INT(
            sharedir_open_parent(root, "tanaka", "課/資料/b.txt", &dfd, &base, err, sizeof(err)),
            MG_OK);
    CHECK(strcmp(base, "b.txt") == 0);
    CHECK_EQ_INT(sharedir_place(dfd, base, "t1", -1, "one\n", 4, err, sizeof(err)), MG_OK);
    CHECK_EQ_INT(sharedir_place(dfd, base, "t2", -1, "two!\n", 5, err, sizeof(err)), MG_OK);
    close(dfd);
    snprintf(path, sizeof(path), "%s/tanaka/課/資料/b.txt", root);
    struct stat st;
    CHECK(read_file(path, text, sizeof(text)) == 5 && strcmp(text, "two!\n") == 0);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
    snprintf(path, sizeof(path), "%s/tanaka/課", root);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 02775); /* whatever the umask */
    snprintf(path, sizeof(path), "%s/tanaka/課/資料/.mugai-tmp-t1", root);
    CHECK(access(path, F_OK) != 0); /* no temporary file left */
    /* A link planted as a folder is not followed. */
    snprintf(path, sizeof(path), "%s/tanaka/link", root);
    CHECK(symlink("/etc", path) == 0);
    CHECK(sharedir_open_parent(root, "tanaka", "link/passwd", &dfd, &base, err, sizeof(err)) !=
          MG_OK);
    /* A notice goes only when it is the notice of that item. */
    struct buf n;
    buf_init(&n, 65536);
    CHECK_EQ_INT(sharedir_notice("x.js", "executable", "script", 42, "内線 1234", &n), MG_OK);
    CHECK(n.len > 3 && memcmp(n.data, "\xEF\xBB\xBF", 3) == 0);
    CHECK(strstr((char *)n.data, "隔離番号: 42\r\n") &&
          strstr((char *)n.data, "Quarantine id: 42\r\n"));
    CHECK_EQ_INT(sharedir_open_parent(root, "tanaka", "x.js", &dfd, &base, err, sizeof(err)),
                 MG_OK);
    CHECK_EQ_INT(sharedir_place(dfd, "x.js" SHAREDIR_NOTICE_SUFFIX, "n", -1, n.data, n.len, err,
                                sizeof(err)),
                 MG_OK);
    snprintf(path, sizeof(path), "%s/tanaka/x.js" SHAREDIR_NOTICE_SUFFIX, root);
    sharedir_drop_notice(dfd, "x.js", 4);
    CHECK(access(path, F_OK) == 0); /* item 4's is not this one */
    sharedir_drop_notice(dfd, "x.js", 42);
    CHECK(access(path, F_OK) != 0);
    close(dfd);
    buf_free(&n);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    umask(077);
    test_paths();
    test_request();
    test_place();
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    printf("t_sharedir: %d passed, %d failed\n", t_passed, t_failed);
    return t_failed ? 1 : 0;
}
