/*
 * t_audit - the audit log module on its own: the chain survives rotation
 * and a crash in the middle of a write, and verify finds a removed or
 * edited rotated file. (The daemon's use of it, and each kind of tampering
 * on a real log, are in test_audit.py.)
 */
#include "audit.h"
#include "err.h"
#include "t.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/t_audit.XXXXXX";

static unsigned verify_files(const char *const *files, size_t n, int with_key, int with_head,
                             struct buf *out)
{
    char pub[256], head[256];
    unsigned problems = 99;
    snprintf(pub, sizeof(pub), "%s/k.pub", dir);
    snprintf(head, sizeof(head), "%s/log.head", dir);
    buf_reset(out);
    int rc = audit_verify(files, n, with_key ? pub : NULL, with_head ? head : NULL, out, &problems);
    CHECK_EQ_INT(rc, MG_OK);
    return problems;
}

static void write_events(struct audit_writer *w, int n)
{
    for (int i = 0; i < n; i++) {
        char f[64];
        snprintf(f, sizeof(f), ",\"i\":%d", i);
        CHECK_EQ_INT(audit_append(w, "job", f), MG_OK);
    }
    CHECK_EQ_INT(audit_sync(w), MG_OK);
}

int main(void)
{
    char log[200], key[200], rotated[256], err[512];
    struct audit_writer w;
    struct buf out;

    if (!mkdtemp(dir))
        return 1;
    snprintf(log, sizeof(log), "%s/log", dir);
    snprintf(key, sizeof(key), "%s/k", dir);
    buf_init(&out, 1 << 20);

    /* A field that is not JSON is refused, not written. */
    CHECK_EQ_INT(audit_open(&w, log, key, "n1", err, sizeof(err)), MG_OK);
    CHECK(audit_append(&w, "job", ",\"x\":") != MG_OK);
    CHECK(audit_append(&w, "job", "\"no-comma\":1") != MG_OK);
    /* Valid JSON, but a line break would split the event over two lines. */
    CHECK(audit_append(&w, "job", ",\"a\":1\n,\"b\":2") != MG_OK);
    write_events(&w, 5);
    CHECK_EQ_INT(audit_checkpoint(&w), MG_OK);
    uint64_t before = w.seq;
    CHECK_EQ_INT(audit_rotate(&w, err, sizeof(err)), MG_OK);
    snprintf(rotated, sizeof(rotated), "%s.%llu", log, (unsigned long long)before);
    CHECK(access(rotated, R_OK) == 0);
    write_events(&w, 3);
    audit_close(&w);

    /* The two files, oldest first, are one chain. */
    const char *both[] = {rotated, log};
    CHECK_EQ_INT(verify_files(both, 2, 1, 1, &out), 0);
    /* The new file alone does not start a chain: a removed rotated file. */
    const char *newest[] = {log};
    CHECK(verify_files(newest, 1, 1, 1, &out) > 0);
    CHECK(strstr((const char *)out.data, "removed") != NULL);

    /* Reopened after a crash mid-write: the partial line is cut off and
     * the cut is itself recorded; the chain goes on. */
    int fd = open(log, O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "{\"seq\":99,\"par", 14) == 14);
    close(fd);
    CHECK_EQ_INT(audit_open(&w, log, key, "n1", err, sizeof(err)), MG_OK);
    write_events(&w, 1);
    audit_close(&w);
    CHECK_EQ_INT(verify_files(both, 2, 1, 1, &out), 0);
    size_t len = 0;
    uint8_t *text = t_read_file(log, &len);
    CHECK(text && strstr((const char *)text, "\"event\":\"recover\",\"dropped_bytes\":14"));
    free(text);

    /* An edit in the rotated file is found there. */
    text = t_read_file(rotated, &len);
    char *hit = text ? strstr((char *)text, "\"i\":2") : NULL;
    CHECK(hit != NULL);
    if (hit) {
        hit[4] = '7';
        fd = open(rotated, O_WRONLY | O_TRUNC);
        CHECK(fd >= 0 && write(fd, text, len) == (ssize_t)len);
        close(fd);
    }
    free(text);
    CHECK(verify_files(both, 2, 1, 1, &out) > 0);
    CHECK(strstr((const char *)out.data, "was changed") != NULL);
    CHECK(strstr((const char *)out.data, rotated) != NULL);

    /* Without the key, verify says the signatures went unchecked. */
    verify_files(both, 2, 0, 0, &out);
    CHECK(strstr((const char *)out.data, "signatures not checked") != NULL);

    buf_free(&out);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return t_done();
}
