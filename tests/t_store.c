/*
 * t_store - the quarantine store on its own: the two-person rule and every
 * other transition rule, retention, content addressing, the CSV export.
 * What it checks on disk (files, modes) and in the index (rows) it reads
 * with stat() and the sqlite3 command-line tool, not through the store.
 * (The daemon's review commands, by real users, are in test_quarantine.py.)
 */
#include "err.h"
#include "store.h"
#include "t.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[] = "/tmp/t_store.XXXXXX";

/* A new input file dir/name holding len bytes of data, open for reading and writing. */
static int input(const char *name, const char *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, data, len) == (ssize_t)len);
    return fd;
}

static int64_t put_text(struct store *s, const char *text, uid_t owner)
{
    int fd = input("in", text, strlen(text));
    struct store_meta m = {"cli",   owner,       "", "", "a=1.xlsm", "xlsm",
                           "macro", "{\"v\":1}", 0,  "", ""};
    int64_t id = -1;
    char err[256];
    CHECK_EQ_INT(store_put(s, fd, strlen(text), &m, &id, err, sizeof(err)), MG_OK);
    close(fd);
    return id;
}

static int act(struct store *s, int64_t id, enum store_action a, uid_t uid, int approver,
               const char *reason)
{
    struct store_actor who = {uid, approver};
    char why[512] = "";
    int rc = store_act(s, id, a, &who, reason, why, sizeof(why));
    if (rc != MG_OK)
        fprintf(stderr, "  (refused as expected or not: %s)\n", why);
    return rc;
}

static const char *state_of(struct store *s, int64_t id, struct store_item *it)
{
    CHECK_EQ_INT(store_get(s, id, it, NULL), MG_OK);
    return it->state;
}

/* An independent count of rows in a state, with the sqlite3 tool. */
static int rows_in_state(const char *state)
{
    char cmd[1024];
    const char *pg = getenv("MUGAI_TEST_PG");
    if (pg)
        snprintf(cmd, sizeof(cmd), "psql '%s' -Atc \"select count(*) from items where state='%s'\"",
                 pg, state);
    else
        snprintf(cmd, sizeof(cmd),
                 "sqlite3 %s/index.sqlite \"select count(*) from items where state='%s'\"", dir,
                 state);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p && fscanf(p, "%d", &n) != 1)
        n = -1;
    if (p)
        pclose(p);
    return n;
}

static void test_two_person(struct store *s)
{
    struct store_item it;
    int64_t id = put_text(s, "held original 1", 1001);
    CHECK(strcmp(state_of(s, id, &it), "held") == 0);
    /* Someone else's item: a stranger can neither ask nor see it. */
    CHECK_EQ_INT(act(s, id, STORE_REQUEST, 1002, 0, "mine"), MG_ERR_USAGE);
    CHECK_EQ_INT(act(s, id, STORE_REQUEST, 1001, 0, ""), MG_ERR_USAGE); /* no reason */
    CHECK_EQ_INT(act(s, id, STORE_REQUEST, 1001, 0, "the invoice from our supplier"), MG_OK);
    CHECK_EQ_INT(act(s, id, STORE_REQUEST, 1001, 0, "again"), MG_ERR_USAGE); /* not held now */
    /* The requester, even an approver, cannot approve; a non-member cannot. */
    CHECK_EQ_INT(act(s, id, STORE_APPROVE, 1001, 1, NULL), MG_ERR_USAGE);
    CHECK_EQ_INT(act(s, id, STORE_APPROVE, 1003, 0, NULL), MG_ERR_USAGE);
    CHECK(strcmp(state_of(s, id, &it), "requested") == 0);
    CHECK_EQ_INT(act(s, id, STORE_RELEASE, 1001, 0, NULL), MG_ERR_USAGE); /* not approved */
    CHECK_EQ_INT(act(s, id, STORE_APPROVE, 1004, 1, NULL), MG_OK);
    CHECK_EQ_INT(act(s, id, STORE_APPROVE, 1005, 1, NULL), MG_ERR_USAGE); /* once */
    CHECK(strcmp(state_of(s, id, &it), "approved") == 0);
    CHECK_EQ_INT(it.requested_by, 1001);
    CHECK_EQ_INT(it.decided_by, 1004);
    CHECK_EQ_INT(act(s, id, STORE_RELEASE, 1002, 0, NULL), MG_ERR_USAGE); /* a stranger */
    CHECK_EQ_INT(act(s, id, STORE_RELEASE, 1001, 0, NULL), MG_OK);
    CHECK_EQ_INT(act(s, id, STORE_RELEASE, 1001, 0, NULL), MG_ERR_USAGE); /* twice: no */
    CHECK(strcmp(state_of(s, id, &it), "released") == 0);
    CHECK_EQ_INT(it.released_by, 1001);
    /* A failed delivery puts it back, and it can be released again. */
    CHECK_EQ_INT(store_release_failed(s, id), MG_OK);
    CHECK(strcmp(state_of(s, id, &it), "approved") == 0);
    struct buf h;
    buf_init(&h, 1 << 16);
    CHECK_EQ_INT(store_history_json(s, id, &h), MG_OK);
    CHECK(h.len && strstr((char *)h.data, "\"action\":\"approve\",\"reason\":\"\"") != NULL);
    CHECK(strstr((char *)h.data, "\"uid\":1004") != NULL);
    buf_free(&h);
}

static void test_reject_delete(struct store *s)
{
    struct store_item it;
    int64_t id = put_text(s, "held original 2", 1001);
    CHECK_EQ_INT(act(s, id, STORE_REQUEST, 1004, 1, "asked by phone"), MG_OK);
    CHECK_EQ_INT(act(s, id, STORE_REJECT, 1005, 1, ""), MG_ERR_USAGE);   /* reason needed */
    CHECK_EQ_INT(act(s, id, STORE_REJECT, 1001, 0, "no"), MG_ERR_USAGE); /* not approver */
    CHECK_EQ_INT(act(s, id, STORE_REJECT, 1005, 1, "a macro from an unknown sender"), MG_OK);
    CHECK(strcmp(state_of(s, id, &it), "rejected") == 0);
    int fd = -1;
    CHECK_EQ_INT(store_open_original(s, &it, &fd), MG_OK);
    char b[64] = "";
    CHECK(fd >= 0 && read(fd, b, sizeof(b) - 1) == 15 && strcmp(b, "held original 2") == 0);
    if (fd >= 0)
        close(fd);
    char obj[512];
    struct stat st;
    snprintf(obj, sizeof(obj), "%s/objects/%.2s/%s", dir, it.sha256, it.sha256);
    CHECK(stat(obj, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_EQ_INT(act(s, id, STORE_DELETE, 1001, 0, "mine"), MG_ERR_USAGE);
    CHECK_EQ_INT(act(s, id, STORE_DELETE, 1005, 1, ""), MG_ERR_USAGE);
    CHECK_EQ_INT(act(s, id, STORE_DELETE, 1005, 1, "reported to the CSIRT"), MG_OK);
    CHECK(stat(obj, &st) != 0); /* the original is gone */
    CHECK(strcmp(state_of(s, id, &it), "deleted") == 0);
    CHECK_EQ_INT(store_open_original(s, &it, &fd), MG_ERR_USAGE);
}

static void test_dedup_and_purge(struct store *s)
{
    struct store_item a, b, c;
    int64_t ia = put_text(s, "same bytes", 1001), ib = put_text(s, "same bytes", 1002);
    int64_t ic = put_text(s, "pending bytes", 1001);
    state_of(s, ia, &a);
    state_of(s, ib, &b);
    CHECK(strcmp(a.sha256, b.sha256) == 0);
    CHECK_EQ_INT(act(s, ic, STORE_REQUEST, 1001, 0, "needed"), MG_OK);
    /* Deleting one keeps the file the other still refers to. */
    CHECK_EQ_INT(act(s, ia, STORE_DELETE, 1004, 1, "duplicate"), MG_OK);
    int fd = -1;
    state_of(s, ib, &b);
    CHECK_EQ_INT(store_open_original(s, &b, &fd), MG_OK);
    if (fd >= 0)
        close(fd);
    /* Nothing has expired yet; a year on, every held, rejected or released
     * item has, but not the one waiting for a decision. */
    unsigned n = 99;
    int held_before = rows_in_state("held");
    CHECK_EQ_INT(store_purge_expired(s, (int64_t)time(NULL), &n), MG_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(store_purge_expired(s, (int64_t)time(NULL) + 366 * 86400, &n), MG_OK);
    CHECK(held_before > 0);
    CHECK_EQ_INT(rows_in_state("held"), 0);
    CHECK_EQ_INT(rows_in_state("rejected"), 0);
    CHECK_EQ_INT(rows_in_state("requested"), 1);
    CHECK_EQ_INT(rows_in_state("approved"), 1); /* test_two_person's, waiting */
    CHECK(n >= 1);
    state_of(s, ib, &b);
    CHECK(strcmp(b.state, "expired") == 0);
    char obj[512];
    struct stat st;
    snprintf(obj, sizeof(obj), "%s/objects/%.2s/%s", dir, b.sha256, b.sha256);
    CHECK(stat(obj, &st) != 0);
    state_of(s, ic, &c);
    snprintf(obj, sizeof(obj), "%s/objects/%.2s/%s", dir, c.sha256, c.sha256);
    CHECK(stat(obj, &st) == 0);
}

/* The original of a message delivered sanitized: kept, and its release
 * may be asked for like a held one's. */
static void test_kept(struct store *s)
{
    char err[128];
    struct store_item it;
    int fd = input("in3", "Subject: x\r\n\r\nbody\r\n", 21);
    struct store_meta m = {
            "mail", (uid_t)-1, "a@example.jp", "b@example.lg.jp", "message", "eml", "", "{}", 1,
            "",     ""};
    int64_t id = 0;
    CHECK_EQ_INT(store_put(s, fd, 21, &m, &id, err, sizeof(err)), MG_OK);
    close(fd);
    CHECK(strcmp(state_of(s, id, &it), "kept") == 0);
    CHECK_EQ_INT(act(s, id, STORE_REQUEST, 1001, 0, "mine"), MG_ERR_USAGE); /* nobody's own */
    CHECK_EQ_INT(act(s, id, STORE_REQUEST, 1004, 1, "the recipient asks for the original"), MG_OK);
    CHECK(strcmp(state_of(s, id, &it), "requested") == 0);
    CHECK_EQ_INT(act(s, id, STORE_REJECT, 1005, 1, "not needed"), MG_OK);

    /* An unlock claims the item; a store killed before it ended puts it
     * back where it was when it starts again. */
    fd = input("in4", "zip", 3);
    struct store_meta z = {"cli", 1001, "", "", "a.zip", "zip", "encrypted", "{}", 0, "", ""};
    CHECK_EQ_INT(store_put(s, fd, 3, &z, &id, err, sizeof(err)), MG_OK);
    close(fd);
    CHECK_EQ_INT(act(s, id, STORE_UNLOCK, 1002, 0, ""), MG_ERR_USAGE); /* not theirs */
    CHECK_EQ_INT(act(s, id, STORE_UNLOCK, 1001, 0, ""), MG_OK);
    CHECK(strcmp(state_of(s, id, &it), "unlocking") == 0);
    CHECK_EQ_INT(act(s, id, STORE_UNLOCK, 1001, 0, ""), MG_ERR_USAGE); /* once at a time */
    unsigned back = 0;
    CHECK_EQ_INT(store_recover(s, &back), MG_OK);
    CHECK_EQ_INT(back, 1);
    CHECK(strcmp(state_of(s, id, &it), "held") == 0);
}

static void test_list_export(struct store *s)
{
    struct buf o;
    buf_init(&o, 1 << 20);
    struct store_actor stranger = {2000, 0}, owner = {1001, 0}, staff = {1004, 1};
    CHECK_EQ_INT(store_list(s, &stranger, NULL, 0, 1000, 0, &o), MG_OK);
    CHECK_EQ_INT(o.len, 0);
    CHECK_EQ_INT(store_list(s, &owner, "requested", 0, 1000, 0, &o), MG_OK);
    CHECK(o.len > 0 && strstr((char *)o.data, "\"state\":\"requested\"") != NULL);
    buf_reset(&o);
    CHECK_EQ_INT(store_list(s, &staff, NULL, 0, 1000, 0, &o), MG_OK);
    size_t lines = 0;
    for (size_t i = 0; i < o.len; i++)
        lines += o.data[i] == '\n';
    CHECK_EQ_INT(lines, 7);
    buf_reset(&o);
    /* A name that a spreadsheet would run as a formula is quoted. */
    int fd = input("in2", "x", 1);
    struct store_meta m = {"mail",
                           (uid_t)-1,
                           "a@example.jp",
                           "b@example.lg.jp\nc@example.lg.jp",
                           "=HYPERLINK(\"http://x\")",
                           "xlsx",
                           "macro",
                           "{}",
                           0,
                           "",
                           ""};
    int64_t id;
    char err[128];
    CHECK_EQ_INT(store_put(s, fd, 1, &m, &id, err, sizeof(err)), MG_OK);
    close(fd);
    CHECK_EQ_INT(store_export_csv(s, 0, &o), MG_OK);
    CHECK(o.len > 3 && memcmp(o.data, "\xEF\xBB\xBF\"id\",", 8) == 0);
    CHECK(strstr((char *)o.data, "\"'=HYPERLINK(\"\"http://x\"\")\"") != NULL);
    CHECK(strstr((char *)o.data, "\"b@example.lg.jp\nc@example.lg.jp\"") != NULL);
    buf_free(&o);
}

/* A share file: the path is kept, and a put repeated for the same intake
 * and content (a job run again after a crash) gives the first item back;
 * new content under the same intake is a new item. */
static void test_share_intake(struct store *s)
{
    char err[128];
    struct store_item it;
    int fd = input("in5", "WScript.Echo(1)", 15);
    struct store_meta m = {"share",      1001, "", "",        "a.js",       "script",
                           "executable", "{}", 0,  "課/a.js", "0123abcd-01"};
    int64_t id = 0, again = 0, other = 0;
    CHECK_EQ_INT(store_put(s, fd, 15, &m, &id, err, sizeof(err)), MG_OK);
    CHECK_EQ_INT(store_put(s, fd, 15, &m, &again, err, sizeof(err)), MG_OK);
    CHECK(id > 0 && again == id);
    CHECK_EQ_INT(store_get(s, id, &it, NULL), MG_OK);
    CHECK(strcmp(it.path, "課/a.js") == 0 && strcmp(it.source, "share") == 0);
    CHECK(write(fd, ";", 1) == 1);
    CHECK_EQ_INT(store_put(s, fd, 16, &m, &other, err, sizeof(err)), MG_OK);
    CHECK(other > 0 && other != id);
    m.intake = "";
    CHECK_EQ_INT(store_put(s, fd, 16, &m, &again, err, sizeof(err)), MG_OK);
    CHECK(again != other); /* without an intake every put is an item */
    close(fd);
}

int main(void)
{
    struct store *s = NULL;
    char err[256];
    if (!mkdtemp(dir))
        return 1;
    struct store_config cfg = {dir, getenv("MUGAI_TEST_PG"), 30, "t"};
    CHECK_EQ_INT(store_open(&s, &cfg, err, sizeof(err)), MG_OK);
    if (!s)
        return 1;
    test_two_person(s);
    test_reject_delete(s);
    test_dedup_and_purge(s);
    test_kept(s);
    test_list_export(s);
    test_share_intake(s);
    store_close(s);
    /* Reopened, the index still has every row (WAL checkpointed or not). */
    CHECK_EQ_INT(store_open(&s, &cfg, err, sizeof(err)), MG_OK);
    struct store_item it;
    CHECK_EQ_INT(store_get(s, 1, &it, NULL), MG_OK);
    store_close(s);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    printf("t_store: %d passed, %d failed\n", t_passed, t_failed);
    return t_failed ? 1 : 0;
}
