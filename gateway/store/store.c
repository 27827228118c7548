/*
 * store - the quarantine store (see store.h).
 *
 * Durability: an original is written to tmp/, fsynced, renamed into
 * objects/ and the directory fsynced before its row is committed, so a
 * committed row always has its file; a crash in between leaves at most an
 * unreferenced file. State changes are single UPDATEs guarded by the
 * expected old state, so a repeated or concurrent action changes nothing.
 */
#include "store.h"
#include "err.h"
#include "fdio.h"
#include "jsoncheck.h"
#include "report.h"
#include "store_index.h"

#include <openssl/evp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct store {
    struct store_index *ix;
    int dir_fd, obj_fd, tmp_fd;
    unsigned retention_days;
    char node[64];
};

static void say(char *err, size_t cap, const char *fmt, const char *a, const char *b)
{
    if (err && cap)
        snprintf(err, cap, fmt, a, b);
}

static int open_dir_at(int at, const char *name)
{
    if (mkdirat(at, name, 0700) != 0 && errno != EEXIST)
        return -1;
    return openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int store_open(struct store **out, const struct store_config *cfg, char *err, size_t cap)
{
    struct store *s = calloc(1, sizeof(*s));
    char path[4096];
    *out = NULL;
    if (!s)
        return MG_ERR_NOMEM;
    s->retention_days = cfg->retention_days ? cfg->retention_days : STORE_DEFAULT_DAYS;
    snprintf(s->node, sizeof(s->node), "%s", cfg->node ? cfg->node : "");
    s->dir_fd = s->obj_fd = s->tmp_fd = -1;
    if (mkdir(cfg->dir, 0700) != 0 && errno != EEXIST) {
        say(err, cap, "%s: %s", cfg->dir, strerror(errno));
        goto fail;
    }
    s->dir_fd = open(cfg->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s->dir_fd < 0 || (s->obj_fd = open_dir_at(s->dir_fd, "objects")) < 0 ||
        (s->tmp_fd = open_dir_at(s->dir_fd, "tmp")) < 0) {
        say(err, cap, "%s: %s", cfg->dir, strerror(errno));
        goto fail;
    }
    if (cfg->database && *cfg->database) {
        if (idx_pg_open(cfg->database, &s->ix, err, cap) != MG_OK)
            goto fail;
    } else {
        if ((size_t)snprintf(path, sizeof(path), "%s/index.sqlite", cfg->dir) >= sizeof(path)) {
            say(err, cap, "%s: %s", cfg->dir, "path too long");
            goto fail;
        }
        if (idx_sqlite_open(path, &s->ix, err, cap) != MG_OK)
            goto fail;
    }
    *out = s;
    return MG_OK;
fail:
    store_close(s);
    return MG_ERR_IO;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->ix)
        s->ix->close(s->ix);
    if (s->dir_fd >= 0)
        close(s->dir_fd);
    if (s->obj_fd >= 0)
        close(s->obj_fd);
    if (s->tmp_fd >= 0)
        close(s->tmp_fd);
    free(s);
}

static int run(struct store *s, const char *sql, const struct idx_arg *a, size_t n,
               struct idx_rows *rows, int64_t *changes)
{
    return s->ix->exec(s->ix, sql, a, n, rows, changes);
}

#define NARGS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- objects ---- */

static void object_name(const char *sha, char sub[3], char name[68])
{
    snprintf(sub, 3, "%.2s", sha);
    snprintf(name, 68, "%.2s/%s", sha, sha);
}

/* Copy fd into tmp/, hashing; then into objects/ under its hash. */
static int object_write(struct store *s, int fd, uint64_t len, char sha[SHA256_HEX_MAX], char *err,
                        size_t cap)
{
    char tmp[64], sub[3], name[68];
    uint8_t chunk[65536], md[32];
    unsigned mdlen = 0;
    int rc = MG_ERR_IO, out = -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    snprintf(tmp, sizeof(tmp), "put-%d-%ld", (int)getpid(), (long)random());
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
        (out = openat(s->tmp_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
        say(err, cap, "cannot write into the store: %s%s", strerror(errno), "");
        goto done;
    }
    for (uint64_t off = 0; off < len;) {
        size_t want = len - off < sizeof(chunk) ? (size_t)(len - off) : sizeof(chunk);
        ssize_t r = pread(fd, chunk, want, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || fdio_write_all(out, chunk, (size_t)r) != MG_OK ||
            !EVP_DigestUpdate(ctx, chunk, (size_t)r)) {
            say(err, cap, "cannot copy the original into the store%s%s", "", "");
            goto done;
        }
        off += (uint64_t)r;
    }
    if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || fsync(out) != 0) {
        say(err, cap, "cannot write into the store: %s%s", strerror(errno), "");
        goto done;
    }
    for (unsigned i = 0; i < 32; i++)
        snprintf(sha + 2 * i, 3, "%02x", md[i]);
    object_name(sha, sub, name);
    if ((mkdirat(s->obj_fd, sub, 0700) != 0 && errno != EEXIST) ||
        renameat(s->tmp_fd, tmp, s->obj_fd, name) != 0) {
        say(err, cap, "cannot file the original: %s%s", strerror(errno), "");
        goto done;
    }
    tmp[0] = 0;
    int subfd = openat(s->obj_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (subfd < 0 || fsync(subfd) != 0 || fsync(s->obj_fd) != 0) {
        if (subfd >= 0)
            close(subfd);
        say(err, cap, "cannot make the original durable: %s%s", strerror(errno), "");
        goto done;
    }
    close(subfd);
    rc = MG_OK;
done:
    if (out >= 0)
        close(out);
    if (tmp[0] && out >= 0)
        unlinkat(s->tmp_fd, tmp, 0);
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* Remove an original no other live item refers to. */
static void object_drop(struct store *s, const char *sha)
{
    struct idx_rows r;
    struct idx_arg a[] = {IDX_S(sha)};
    if (run(s, "SELECT count(*) FROM items WHERE sha256=?1 AND state NOT IN ('deleted','expired')",
            a, NARGS(a), &r, NULL) != MG_OK)
        return;
    const char *c = idx_cell(&r, 0, 0);
    if (c && strcmp(c, "0") == 0) {
        char sub[3], name[68];
        object_name(sha, sub, name);
        unlinkat(s->obj_fd, name, 0);
    }
    idx_rows_free(&r);
}

int store_open_original(struct store *s, const struct store_item *it, int *fd)
{
    char sub[3], name[68];
    *fd = -1;
    if (strcmp(it->state, "deleted") == 0 || strcmp(it->state, "expired") == 0)
        return MG_ERR_USAGE;
    object_name(it->sha256, sub, name);
    *fd = openat(s->obj_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    return *fd >= 0 ? MG_OK : MG_ERR_IO;
}

/* ---- rows ---- */

/* The item an intake already made with this content: its id, or 0. */
static int64_t intake_item(struct store *s, const char *intake, const char *sha)
{
    struct idx_rows r;
    struct idx_arg a[] = {IDX_S(intake), IDX_S(sha)};
    int64_t id = 0;
    if (run(s, "SELECT id FROM items WHERE intake=?1 AND sha256=?2", a, NARGS(a), &r, NULL) ==
        MG_OK) {
        const char *c = idx_cell(&r, 0, 0);
        id = c ? strtoll(c, NULL, 10) : 0;
        idx_rows_free(&r);
    }
    return id;
}

int store_put(struct store *s, int fd, uint64_t len, const struct store_meta *m, int64_t *id,
              char *err, size_t cap)
{
    char sha[SHA256_HEX_MAX];
    struct idx_rows r;
    int64_t now = (int64_t)time(NULL);
    const char *intake = m->intake ? m->intake : "";
    int rc = object_write(s, fd, len, sha, err, cap);
    if (rc != MG_OK)
        return rc;
    /* A job repeated after a crash (the client never got the first
     * answer) keeps its original once. */
    if (intake[0] && (*id = intake_item(s, intake, sha)) > 0)
        return MG_OK;
    struct idx_arg a[] = {
            IDX_I(now),
            IDX_S(m->source),
            IDX_I(m->owner_uid == (uid_t)-1 ? -1 : (int64_t)m->owner_uid),
            IDX_S(m->sender ? m->sender : ""),
            IDX_S(m->recipients ? m->recipients : ""),
            IDX_S(m->name ? m->name : ""),
            IDX_S(m->type ? m->type : ""),
            IDX_S(m->reason ? m->reason : ""),
            IDX_S(sha),
            IDX_I(len),
            IDX_S(m->report ? m->report : "{}"),
            IDX_I(now + (int64_t)s->retention_days * 86400),
            IDX_S(s->node),
            IDX_S(m->kept ? "kept" : "held"),
            IDX_S(m->path ? m->path : ""),
            IDX_S(intake),
    };
    rc = run(s,
             "INSERT INTO items(created,source,owner_uid,sender,recipients,name,type,reason,"
             "sha256,size,report,state,retain_until,node,changed,path,intake) VALUES"
             "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?14,?12,?13,?1,?15,?16) RETURNING id",
             a, NARGS(a), &r, NULL);
    const char *c = rc == MG_OK ? idx_cell(&r, 0, 0) : NULL;
    if (!c && intake[0] && (*id = intake_item(s, intake, sha)) > 0) {
        /* Another node put the same intake meanwhile (the unique index). */
        idx_rows_free(&r);
        return MG_OK;
    }
    if (!c) {
        say(err, cap, "cannot index the original: %s%s", s->ix->error(s->ix), "");
        rc = MG_ERR_IO;
    } else {
        *id = strtoll(c, NULL, 10);
    }
    idx_rows_free(&r);
    return rc;
}

#define ITEM_COLUMNS                                                                               \
    "id,created,retain_until,source,state,type,reason,sha256,name,sender,recipients,size,"         \
    "owner_uid,requested_by,decided_by,released_by,request_reason,decision_reason,report,node,"    \
    "path"

static void cell_text(const struct idx_rows *r, size_t row, size_t col, char *dst, size_t cap)
{
    const char *t = idx_cell(r, row, col);
    snprintf(dst, cap, "%s", t ? t : "");
}

static int64_t cell_int(const struct idx_rows *r, size_t row, size_t col)
{
    const char *t = idx_cell(r, row, col);
    return t ? strtoll(t, NULL, 10) : 0;
}

static void item_from_row(const struct idx_rows *r, size_t row, struct store_item *it)
{
    memset(it, 0, sizeof(*it));
    it->id = cell_int(r, row, 0);
    it->created = cell_int(r, row, 1);
    it->retain_until = cell_int(r, row, 2);
    cell_text(r, row, 3, it->source, sizeof(it->source));
    cell_text(r, row, 4, it->state, sizeof(it->state));
    cell_text(r, row, 5, it->type, sizeof(it->type));
    cell_text(r, row, 6, it->reason, sizeof(it->reason));
    cell_text(r, row, 7, it->sha256, sizeof(it->sha256));
    cell_text(r, row, 8, it->name, sizeof(it->name));
    cell_text(r, row, 9, it->sender, sizeof(it->sender));
    cell_text(r, row, 10, it->recipients, sizeof(it->recipients));
    it->size = (uint64_t)cell_int(r, row, 11);
    it->owner_uid = cell_int(r, row, 12);
    it->requested_by = cell_int(r, row, 13);
    it->decided_by = cell_int(r, row, 14);
    it->released_by = cell_int(r, row, 15);
    cell_text(r, row, 16, it->request_reason, sizeof(it->request_reason));
    cell_text(r, row, 17, it->decision_reason, sizeof(it->decision_reason));
    cell_text(r, row, 19, it->node, sizeof(it->node));
    cell_text(r, row, 20, it->path, sizeof(it->path));
}

int store_get(struct store *s, int64_t id, struct store_item *it, struct buf *report)
{
    struct idx_rows r;
    struct idx_arg a[] = {IDX_I(id)};
    if (run(s, "SELECT " ITEM_COLUMNS " FROM items WHERE id=?1", a, NARGS(a), &r, NULL) != MG_OK)
        return MG_ERR_IO;
    int rc = MG_ERR_USAGE;
    if (r.nrows == 1) {
        item_from_row(&r, 0, it);
        rc = MG_OK;
        if (report) {
            const char *t = idx_cell(&r, 0, 18);
            rc = buf_puts(report, t ? t : "{}");
        }
    }
    idx_rows_free(&r);
    return rc;
}

int store_may_see(const struct store_item *it, const struct store_actor *who)
{
    return who->approver || (it->owner_uid >= 0 && (uid_t)it->owner_uid == who->uid) ||
           (it->requested_by >= 0 && (uid_t)it->requested_by == who->uid);
}

void store_item_fields(struct json *j, const struct store_item *it, const char *report)
{
    /* The members in order: a string s, else the number n; a row without
     * a key is left out (path, for an item that has none). */
    const struct {
        const char *key, *s;
        long long n;
    } f[] = {
            {"id", NULL, it->id},
            {"created", NULL, it->created},
            {"state", it->state, 0},
            {"source", it->source, 0},
            {"node", it->node, 0},
            {"name", it->name, 0},
            {it->path[0] ? "path" : NULL, it->path, 0},
            {"type", it->type, 0},
            {"reason", it->reason, 0},
            {"sha256", it->sha256, 0},
            {"size", NULL, (long long)it->size},
            {"sender", it->sender, 0},
            {"recipients", it->recipients, 0},
            {"owner_uid", NULL, it->owner_uid},
            {"retain_until", NULL, it->retain_until},
            {"requested_by", NULL, it->requested_by},
            {"request_reason", it->request_reason, 0},
            {"decided_by", NULL, it->decided_by},
            {"decision_reason", it->decision_reason, 0},
            {"released_by", NULL, it->released_by},
    };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        if (f[i].key && f[i].s)
            json_kv_str(j, f[i].key, f[i].s);
        else if (f[i].key)
            json_kv_int(j, f[i].key, f[i].n);
    }
    if (report) {
        json_key(j, "report");
        json_raw(j, report, strlen(report), jsoncheck_valid);
    }
}

int store_item_json(const struct store_item *it, const char *report, struct buf *o)
{
    struct json j;
    json_init(&j, o);
    json_obj(&j);
    store_item_fields(&j, it, report);
    json_obj_end(&j);
    return json_end(&j);
}

int store_history_write(struct store *s, int64_t id, struct json *j)
{
    struct idx_rows r;
    struct idx_arg a[] = {IDX_I(id)};
    if (run(s, "SELECT at,uid,action,reason FROM actions WHERE item=?1 ORDER BY id", a, NARGS(a),
            &r, NULL) != MG_OK)
        return MG_ERR_IO;
    json_arr(j);
    for (size_t i = 0; i < r.nrows; i++) {
        json_obj(j);
        json_kv_int(j, "at", cell_int(&r, i, 0));
        json_kv_int(j, "uid", cell_int(&r, i, 1));
        json_kv_str(j, "action", idx_cell(&r, i, 2) ? idx_cell(&r, i, 2) : "");
        json_kv_str(j, "reason", idx_cell(&r, i, 3) ? idx_cell(&r, i, 3) : "");
        json_obj_end(j);
    }
    json_arr_end(j);
    idx_rows_free(&r);
    return MG_OK;
}

int store_history_json(struct store *s, int64_t id, struct buf *o)
{
    struct json j;
    json_init(&j, o);
    int rc = store_history_write(s, id, &j);
    return rc == MG_OK ? json_end(&j) : rc;
}

/* One line of the human list: id, state, time (UTC), source, type, reason, name. */
static int item_line(const struct store_item *it, struct buf *o)
{
    char when[32];
    struct tm tm;
    time_t t = (time_t)it->created;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
    return buf_printf(o, "%6lld  %-9s  %s  %-5s  %-8s  %-16s  %s\n", (long long)it->id, it->state,
                      when, it->source, it->type, it->reason, it->name);
}

int store_list(struct store *s, const struct store_actor *who, const char *state, int64_t since,
               unsigned limit, int human, struct buf *out)
{
    struct idx_rows r;
    struct idx_arg a[] = {IDX_S(state ? state : ""), IDX_I(since)};
    if (run(s,
            "SELECT " ITEM_COLUMNS " FROM items WHERE (?1='' OR state=?1) AND created>=?2"
            " ORDER BY id DESC",
            a, NARGS(a), &r, NULL) != MG_OK)
        return MG_ERR_IO;
    struct store_item *it = malloc(sizeof(*it));
    int rc = it ? MG_OK : MG_ERR_NOMEM;
    unsigned n = 0;
    for (size_t i = 0; rc == MG_OK && n < limit && i < r.nrows; i++) {
        item_from_row(&r, i, it);
        if (!store_may_see(it, who))
            continue;
        rc = human ? item_line(it, out) : store_item_json(it, NULL, out);
        if (rc == MG_OK && !human)
            rc = buf_putc(out, '\n');
        n++;
    }
    free(it);
    idx_rows_free(&r);
    return rc;
}

/* ---- the rules ---- */

const char *store_action_name(enum store_action a)
{
    static const char *const names[] = {"request-release", "approve", "reject",
                                        "release",         "delete",  "unlock"};
    return (unsigned)a < 6 ? names[a] : "?";
}

/* The one rule table: from which state, to which, who, reason needed. */
static int rule_check(const struct store_item *it, enum store_action a,
                      const struct store_actor *who, const char *reason, const char **to, char *why,
                      size_t cap)
{
    int has_reason = reason && *reason;
    int owner = it->owner_uid >= 0 && (uid_t)it->owner_uid == who->uid;
    int requester = it->requested_by >= 0 && (uid_t)it->requested_by == who->uid;
    const char *need = NULL;
    switch (a) {
    case STORE_REQUEST:
        *to = "requested";
        if (strcmp(it->state, "held") != 0 && strcmp(it->state, "kept") != 0)
            need = "only a held or kept item can be requested for release";
        else if (!owner && !who->approver)
            need = "only its owner or an approver can request its release";
        else if (!has_reason)
            need = "a request needs a reason";
        break;
    case STORE_APPROVE:
        *to = "approved";
        if (strcmp(it->state, "requested") != 0)
            need = "only a requested item can be approved";
        else if (!who->approver)
            need = "only a member of the approver group can approve";
        else if (requester)
            need = "the requester cannot approve their own request (two-person rule)";
        break;
    case STORE_REJECT:
        *to = "rejected";
        if (strcmp(it->state, "requested") != 0)
            need = "only a requested item can be rejected";
        else if (!who->approver)
            need = "only a member of the approver group can reject";
        else if (!has_reason)
            need = "a rejection needs a reason";
        break;
    case STORE_RELEASE:
        *to = "released";
        if (strcmp(it->state, "approved") != 0)
            need = "only an approved item can be released";
        else if (!requester && !who->approver)
            need = "only the requester or an approver can release it";
        break;
    case STORE_DELETE:
        *to = "deleted";
        if (strcmp(it->state, "deleted") == 0 || strcmp(it->state, "expired") == 0)
            need = "the original is already gone";
        else if (!who->approver)
            need = "only a member of the approver group can delete";
        else if (!has_reason)
            need = "a deletion needs a reason";
        break;
    case STORE_UNLOCK:
        *to = "unlocking"; /* the caller ends it: unlocked, or back as it was */
        if (strcmp(it->state, "held") != 0 && strcmp(it->state, "kept") != 0)
            need = "only a held or kept item can be unlocked";
        else if (!owner && !who->approver)
            need = "only its owner or an approver can unlock it";
        break;
    default:
        need = "unknown action";
    }
    if (need) {
        snprintf(why, cap, "%s (item %lld is %s)", need, (long long)it->id, it->state);
        return MG_ERR_USAGE;
    }
    return MG_OK;
}

int store_act(struct store *s, int64_t id, enum store_action a, const struct store_actor *who,
              const char *reason, char *why, size_t cap)
{
    struct store_item *it = malloc(sizeof(*it));
    const char *to = NULL;
    int rc, in_tx = 0;
    int64_t changed = 0, now = (int64_t)time(NULL);
    if (!it)
        return MG_ERR_NOMEM;
    if ((rc = store_get(s, id, it, NULL)) != MG_OK) {
        snprintf(why, cap, "no item %lld", (long long)id);
        goto out;
    }
    if (!store_may_see(it, who) && !who->approver) {
        snprintf(why, cap, "no item %lld", (long long)id); /* not theirs: not there */
        rc = MG_ERR_USAGE;
        goto out;
    }
    if ((rc = rule_check(it, a, who, reason, &to, why, cap)) != MG_OK)
        goto out;
    /* The columns that record who did it and why. */
    static const char *const sets[] = {
            ", requested_by=?3, request_reason=?4",
            ", decided_by=?3, decision_reason=?4",
            ", decided_by=?3, decision_reason=?4",
            ", released_by=?3",
            "",                                   /* delete: the actions table says who and why */
            ", released_by=?3, prev_state=state", /* unlock: where to go back to */
    };
    char sql[256];
    snprintf(sql, sizeof(sql), "UPDATE items SET state=?1%s, changed=?5 WHERE id=?2 AND state=?6",
             sets[a]);
    struct idx_arg up[] = {IDX_S(to),       IDX_I(id),
                           IDX_I(who->uid), IDX_S(reason ? reason : ""),
                           IDX_I(now),      IDX_S(it->state)};
    struct idx_arg log[] = {IDX_I(id), IDX_I(now), IDX_I(who->uid), IDX_S(store_action_name(a)),
                            IDX_S(reason ? reason : "")};
    rc = MG_ERR_IO;
    if (run(s, s->ix->postgres ? "BEGIN" : "BEGIN IMMEDIATE", NULL, 0, NULL, NULL) != MG_OK) {
        snprintf(why, cap, "the index is busy: %s", s->ix->error(s->ix));
        goto out;
    }
    in_tx = 1;
    if (run(s, sql, up, NARGS(up), NULL, &changed) != MG_OK) {
        snprintf(why, cap, "the index refused the change: %s", s->ix->error(s->ix));
        goto out;
    }
    if (changed != 1) {
        snprintf(why, cap, "item %lld changed meanwhile; look again", (long long)id);
        rc = MG_ERR_USAGE;
        goto out;
    }
    if (run(s, "INSERT INTO actions(item,at,uid,action,reason) VALUES(?1,?2,?3,?4,?5)", log,
            NARGS(log), NULL, NULL) != MG_OK ||
        run(s, "COMMIT", NULL, 0, NULL, NULL) != MG_OK) {
        snprintf(why, cap, "the index refused the change: %s", s->ix->error(s->ix));
        goto out;
    }
    in_tx = 0;
    if (a == STORE_DELETE)
        object_drop(s, it->sha256);
    rc = MG_OK;
out:
    if (in_tx)
        run(s, "ROLLBACK", NULL, 0, NULL, NULL);
    free(it);
    return rc;
}

int store_undo(struct store *s, int64_t id, const char *from, const char *to)
{
    struct idx_arg a[] = {IDX_I(id), IDX_S(from), IDX_S(to)};
    return run(s, "UPDATE items SET state=?3, released_by=-1 WHERE id=?1 AND state=?2", a, NARGS(a),
               NULL, NULL);
}

int store_recover(struct store *s, unsigned *n)
{
    struct idx_rows r;
    *n = 0;
    if (run(s,
            "UPDATE items SET state=prev_state WHERE state='unlocking' AND prev_state IN "
            "('held','kept') RETURNING id",
            NULL, 0, &r, NULL) != MG_OK)
        return MG_ERR_IO;
    *n = (unsigned)r.nrows;
    idx_rows_free(&r);
    return MG_OK;
}

int store_release_failed(struct store *s, int64_t id)
{
    struct idx_arg a[] = {IDX_I(id)};
    return run(s,
               "UPDATE items SET state='approved', released_by=-1 WHERE id=?1 AND "
               "state='released'",
               a, NARGS(a), NULL, NULL);
}

int store_find_encrypted(struct store *s, const char *sender, const char *recipients, int64_t since,
                         int64_t *ids, size_t max, size_t *n)
{
    struct idx_rows r;
    struct idx_arg a[] = {IDX_S(sender), IDX_S(recipients), IDX_I(since)};
    *n = 0;
    if (run(s,
            "SELECT id FROM items WHERE source='mail' AND sender=?1 AND recipients=?2 AND "
            "created>=?3 AND state IN ('held','kept') AND "
            "report LIKE '%\"reason_code\":\"encrypted\"%' ORDER BY id",
            a, NARGS(a), &r, NULL) != MG_OK)
        return MG_ERR_IO;
    for (size_t i = 0; i < r.nrows && *n < max; i++)
        ids[(*n)++] = cell_int(&r, i, 0);
    idx_rows_free(&r);
    return MG_OK;
}

int store_purge_expired(struct store *s, int64_t now, unsigned *n)
{
    *n = 0;
    /* One row at a time: mark it, then drop its file if nothing else holds
     * it. The state is checked again in the UPDATE itself, so two nodes
     * purging at once count and drop each item once. */
    for (;;) {
        struct idx_rows r;
        struct idx_arg a[] = {IDX_I(now)};
        if (run(s,
                "UPDATE items SET state='expired', changed=?1 WHERE id=(SELECT id FROM items "
                "WHERE retain_until<?1 AND state IN ('held','kept','rejected','released',"
                "'unlocked') LIMIT 1) AND retain_until<?1 AND state IN ('held','kept',"
                "'rejected','released','unlocked') "
                "RETURNING sha256",
                a, NARGS(a), &r, NULL) != MG_OK)
            return MG_ERR_IO;
        const char *sha = idx_cell(&r, 0, 0);
        if (!sha) {
            idx_rows_free(&r);
            break;
        }
        object_drop(s, sha);
        idx_rows_free(&r);
        (*n)++;
    }
    return MG_OK;
}

/* A CSV cell; one that a spreadsheet would read as a formula gets a quote. */
static int csv_cell(struct buf *o, const char *v, int last)
{
    int rc = buf_putc(o, '"');
    if (rc == MG_OK && strchr("=+-@\t\r", *v) && *v)
        rc = buf_putc(o, '\'');
    for (; rc == MG_OK && *v; v++)
        rc = *v == '"' ? buf_puts(o, "\"\"") : buf_putc(o, (uint8_t)*v);
    if (rc == MG_OK)
        rc = buf_puts(o, last ? "\"\r\n" : "\",");
    return rc;
}

int store_export_csv(struct store *s, int64_t since, struct buf *out)
{
    static const char *const head[] = {
            "id",         "created_utc",  "state",          "source",     "name",
            "type",       "reason",       "sha256",         "size",       "sender",
            "recipients", "requested_by", "request_reason", "decided_by", "decision_reason",
            "released_by"};
    const size_t nh = sizeof(head) / sizeof(head[0]);
    struct idx_rows r;
    int rc = buf_puts(out, "\xEF\xBB\xBF"); /* Excel reads UTF-8 only with a BOM */
    for (size_t i = 0; rc == MG_OK && i < nh; i++)
        rc = csv_cell(out, head[i], i + 1 == nh);
    if (rc != MG_OK)
        return rc;
    struct idx_arg a[] = {IDX_I(since)};
    if (run(s, "SELECT " ITEM_COLUMNS " FROM items WHERE created>=?1 ORDER BY id", a, NARGS(a), &r,
            NULL) != MG_OK)
        return MG_ERR_IO;
    struct store_item *it = malloc(sizeof(*it));
    if (!it)
        rc = MG_ERR_NOMEM;
    for (size_t row = 0; rc == MG_OK && row < r.nrows; row++) {
        char num[6][32];
        struct tm tm;
        item_from_row(&r, row, it);
        time_t t = (time_t)it->created;
        gmtime_r(&t, &tm);
        snprintf(num[0], 32, "%lld", (long long)it->id);
        strftime(num[1], 32, "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(num[2], 32, "%llu", (unsigned long long)it->size);
        snprintf(num[3], 32, "%lld", (long long)it->requested_by);
        snprintf(num[4], 32, "%lld", (long long)it->decided_by);
        snprintf(num[5], 32, "%lld", (long long)it->released_by);
        const char *cells[] = {
                num[0],         num[1],     it->state,          it->source, it->name,
                it->type,       it->reason, it->sha256,         num[2],     it->sender,
                it->recipients, num[3],     it->request_reason, num[4],     it->decision_reason,
                num[5]};
        for (size_t i = 0; rc == MG_OK && i < nh; i++)
            rc = csv_cell(out, cells[i], i + 1 == nh);
    }
    free(it);
    idx_rows_free(&r);
    return rc;
}
