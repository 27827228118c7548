/*
 * sharedir - the outbound side of the inbound share (see sharedir.h).
 */
#include "sharedir.h"
#include "err.h"
#include "outdir.h"
#include "reason.h"
#include "request.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHAREDIR_DIR_MODE 02775

int sharedir_open_parent(const char *root, const char *user, const char *rel, int *dirfd,
                         const char **base, char *err, size_t cap)
{
    char comp[256];
    *dirfd = -1;
    if (!request_share_user_ok(user) || !request_share_path_ok(rel)) {
        snprintf(err, cap, "not a share path: %s/%s", user, rel);
        return MG_ERR_USAGE;
    }
    int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rfd < 0) {
        snprintf(err, cap, "%s: %s", root, strerror(errno));
        return MG_ERR_IO;
    }
    int fd = openat(rfd, user, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    close(rfd);
    if (fd < 0) {
        snprintf(err, cap, "%s/%s: %s", root, user,
                 e == ENOENT ? "no such folder (mugai-share --add-user makes it)" : strerror(e));
        return MG_ERR_IO;
    }
    const char *c = rel;
    for (const char *slash; (slash = strchr(c, '/')) != NULL; c = slash + 1) {
        size_t len = (size_t)(slash - c);
        memcpy(comp, c, len);
        comp[len] = 0;
        int made = mkdirat(fd, comp, SHAREDIR_DIR_MODE) == 0;
        if (!made && errno != EEXIST) {
            snprintf(err, cap, "%s/%s: cannot make %s: %s", root, user, comp, strerror(errno));
            close(fd);
            return MG_ERR_IO;
        }
        int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        e = errno;
        close(fd);
        if (next < 0) {
            snprintf(err, cap, "%s/%s: %s: %s", root, user, comp,
                     e == ELOOP || e == ENOTDIR ? "not a folder (links are not followed)"
                                                : strerror(e));
            return MG_ERR_IO;
        }
        /* The umask (0077 under systemd) must not close it to the user. */
        if (made && fchmod(next, SHAREDIR_DIR_MODE) != 0) {
            snprintf(err, cap, "%s/%s: %s: %s", root, user, comp, strerror(errno));
            close(next);
            return MG_ERR_IO;
        }
        fd = next;
    }
    *dirfd = fd;
    *base = c;
    return MG_OK;
}

int sharedir_place(int dirfd, const char *name, const char *tag, int src_fd, const void *mem,
                   uint64_t len, char *err, size_t cap)
{
    char tmp[128];
    if ((size_t)snprintf(tmp, sizeof(tmp), SHAREDIR_TMP_PREFIX "%s", tag) >= sizeof(tmp)) {
        snprintf(err, cap, "tag too long");
        return MG_ERR_USAGE;
    }
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, cap, "cannot write %s: %s", tmp, strerror(errno));
        return MG_ERR_IO;
    }
    int rc = outdir_place(dirfd, fd, tmp, name, src_fd, mem, len, 0644, true, NULL);
    int e = errno;
    close(fd);
    if (rc != MG_OK) {
        snprintf(err, cap, "cannot write %s: %s", name, strerror(e));
        return rc;
    }
    if (fsync(dirfd) != 0) {
        snprintf(err, cap, "cannot make %s durable: %s", name, strerror(errno));
        return MG_ERR_IO;
    }
    return MG_OK;
}

int sharedir_notice(const char *name, const char *reason_code, const char *detail, int64_t id,
                    const char *contact, struct buf *out)
{
    enum reason r = reason_from_code(reason_code);
    const char *ja = r != REASON_NONE ? reason_ja(r) : "",
               *en = r != REASON_NONE ? reason_en(r) : "";
    int encrypted = r == REASON_ENCRYPTED;
    long long n = (long long)id;
    int rc = buf_puts(out, "\xEF\xBB\xBF");
    if (rc == MG_OK)
        rc = buf_printf(out,
                        "【無害化ゲートウェイ】このファイルは保留されました\r\n"
                        "\r\n"
                        "ファイル名: %s\r\n"
                        "理由: %s (%s)\r\n"
                        "詳細: %s\r\n"
                        "隔離番号: %lld\r\n"
                        "\r\n"
                        "このファイルは安全な形に無害化できなかったため、ここには置かず、"
                        "ゲートウェイの隔離領域に保管しています。\r\n"
                        "必要な場合は、隔離番号 %lld を添えて情報セキュリティ担当者%s%s%sに"
                        "取り出しを依頼してください。\r\n"
                        "取り出しには申請と、申請者とは別の担当者の承認が必要です。"
                        "承認されると、元のファイルがこのフォルダーに置かれます。\r\n",
                        name, ja, reason_code, detail, n, n, contact[0] ? " (" : "", contact,
                        contact[0] ? ")" : "");
    if (rc == MG_OK && encrypted)
        rc = buf_printf(out, "パスワード付きのファイルは、パスワードを担当者に伝えると、"
                             "開いて無害化した内容をこのフォルダーに置くことができます。\r\n");
    if (rc == MG_OK)
        rc = buf_printf(out,
                        "\r\n"
                        "[Sanitization gateway] This file was held\r\n"
                        "\r\n"
                        "Name: %s\r\n"
                        "Reason: %s (%s)\r\n"
                        "Detail: %s\r\n"
                        "Quarantine id: %lld\r\n"
                        "\r\n"
                        "The file could not be made safe, so it is kept in the gateway's "
                        "quarantine instead of being put here.\r\n"
                        "If you need it, ask your information security staff%s%s%s for its "
                        "release, quoting quarantine id %lld.\r\n"
                        "A release needs a request and the approval of a second person; once "
                        "approved, the original file is put in this folder.\r\n",
                        name, en, reason_code, detail, n, contact[0] ? " (" : "", contact,
                        contact[0] ? ")" : "", n);
    if (rc == MG_OK && encrypted)
        rc = buf_printf(out, "For a password-protected file, give the staff its password: the "
                             "file can then be opened, sanitized and put here.\r\n");
    if (rc == MG_OK)
        rc = buf_printf(out,
                        "\r\n(staff: mugai quarantine show %lld; mugai quarantine request-release "
                        "%lld --reason TEXT)\r\n",
                        n, n);
    if (rc == MG_OK && encrypted)
        rc = buf_printf(out, "(staff: mugai quarantine unlock %lld --password-file FILE)\r\n", n);
    return rc;
}

void sharedir_drop_notice(int dirfd, const char *name, int64_t id)
{
    char notice[512], want[64], text[16384];
    if ((size_t)snprintf(notice, sizeof(notice), "%s" SHAREDIR_NOTICE_SUFFIX, name) >=
        sizeof(notice))
        return;
    int fd = openat(dirfd, notice, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    ssize_t n =
            fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? pread(fd, text, sizeof(text) - 1, 0) : -1;
    close(fd);
    if (n <= 0)
        return;
    text[n] = 0;
    snprintf(want, sizeof(want), "Quarantine id: %lld\r\n", (long long)id);
    if (strstr(text, want) && unlinkat(dirfd, notice, 0) == 0)
        fsync(dirfd);
}
