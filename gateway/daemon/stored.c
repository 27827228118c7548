/*
 * stored - the quarantine process (see stored.h).
 */
#include "stored.h"
#include "audit_send.h"
#include "client.h"
#include "outdir.h"
#include "err.h"
#include "fdio.h"
#include "json.h"
#include "proto.h"
#include "reason.h"
#include "request.h"
#include "sharedir.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define STORED_FRAME_MS    10000 /* a request, once begun, arrives within this */
#define STORED_IDLE_MS     60000 /* a review client silent this long is dropped */
#define STORED_CHILDREN    16    /* review connections served at once */
#define STORED_PURGE_EVERY 3600  /* seconds between automatic retention purges */
#define STORED_LIST_MAX    10000 /* items in one list answer */

static volatile sig_atomic_t stop_requested;

static void on_term(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* ---- the session's side ---- */

/* A request to the store: a fresh connection handed over the put channel,
 * the frame sent on it, the store's PROTO_STORE_ID answer read back. */
static int store_request(int put_tx, uint32_t type, const struct buf *payload, const int *fds,
                         size_t n_fds, int64_t *id, char *why, size_t cap)
{
    int sv[2], rc = MG_ERR_IO;
    struct proto_frame f;
    *id = 0;
    if (put_tx < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return MG_ERR_IO;
    int handed = proto_send(put_tx, PROTO_STORE_PUT, NULL, 0, &sv[1], 1) == MG_OK;
    /* Only the store holds the other end now: if it dies, we see the end. */
    close(sv[1]);
    if (handed && proto_send(sv[0], type, payload->data, payload->len, fds, n_fds) == MG_OK &&
        proto_recv(sv[0], 60000, 4096, 0, &f) == MG_OK) {
        if (f.type == PROTO_STORE_ID &&
            request_store_id_decode(f.payload.data, f.payload.len, id, why, cap) == MG_OK &&
            *id > 0)
            rc = MG_OK;
        proto_frame_free(&f);
    }
    close(sv[0]);
    return rc;
}

int stored_put(int put_tx, const struct store_put_request *req, int fd, int64_t *id, char *why,
               size_t cap)
{
    struct buf p;
    snprintf(why, cap, "the quarantine store is not available");
    buf_init(&p, JOB_REPORT_MAX + 65536);
    int rc = request_store_put_encode(req, &p);
    if (rc == MG_OK)
        rc = store_request(put_tx, PROTO_STORE_PUT, &p, &fd, 1, id, why, cap);
    buf_free(&p);
    return rc;
}

int stored_ppap(int put_tx, const struct ppap_request *req)
{
    struct buf p;
    int64_t ack = 0;
    char why[REASON_TEXT_MAX];
    buf_init(&p, 65536 + REQUEST_RECIPIENTS_MAX);
    int rc = request_ppap_encode(req, &p);
    if (rc == MG_OK)
        rc = store_request(put_tx, PROTO_STORE_PPAP, &p, NULL, 0, &ack, why, sizeof(why));
    buf_free(&p);
    return rc;
}

/* ---- puts ---- */

static void audit_put(int64_t id, const struct store_put_request *r, const struct store_item *it)
{
    struct buf a;
    struct json j;
    buf_init(&a, 8192);
    json_fields(&j, &a);
    json_kv_uint(&j, "id", (unsigned long long)id);
    json_kv_str(&j, "source", r->source);
    json_kv_str(&j, "name", r->name);
    if (r->path[0])
        json_kv_str(&j, "path", r->path);
    json_kv_str(&j, "reason_code", reason_code(r->reason_code));
    json_kv_str(&j, "sha256", it->sha256);
    json_kv_uint(&j, "size", it->size);
    if (json_end(&j) == MG_OK)
        audit_event("quarantine-put", (const char *)a.data);
    buf_free(&a);
}

static void serve_ppap(const struct config *cfg, const struct ppap_request *r);

/* A session's connection: a put, or PPAP candidates (answered at once,
 * tried in a child, so that the session and later puts do not wait). */
static void serve_put(const struct config *cfg, struct store *s, int conn, unsigned *children)
{
    struct proto_frame f;
    struct store_put_request *r = calloc(1, sizeof(*r));
    struct buf out;
    char why[REASON_TEXT_MAX] = "";
    int64_t id = 0;
    buf_init(&out, 4096);
    if (!r || proto_recv(conn, STORED_FRAME_MS, JOB_REPORT_MAX + 65536, 1, &f) != MG_OK)
        goto out;
    if (f.type == PROTO_STORE_PPAP && f.n_fds == 0) {
        struct ppap_request pr;
        if (request_ppap_decode(f.payload.data, f.payload.len, &pr) == MG_OK) {
            id = 1;
            if (request_store_id_encode(id, "", &out) == MG_OK)
                proto_send(conn, PROTO_STORE_ID, out.data, out.len, NULL, 0);
            pid_t pid = fork();
            if (pid == 0) {
                close(conn);
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                serve_ppap(cfg, &pr);
                _exit(0);
            }
            if (pid > 0)
                (*children)++;
            request_ppap_free(&pr);
        }
        proto_frame_free(&f);
        goto out;
    }
    if (f.type != PROTO_STORE_PUT || f.n_fds != 1 ||
        request_store_put_decode(f.payload.data, f.payload.len, r) != MG_OK) {
        snprintf(why, sizeof(why), "a malformed put");
    } else {
        int fd = proto_take_fd(&f, 0);
        off_t len = lseek(fd, 0, SEEK_END);
        struct store_meta m = {r->source,
                               r->owner_uid < 0 ? (uid_t)-1 : (uid_t)r->owner_uid,
                               r->sender,
                               r->recipients,
                               r->name,
                               r->type,
                               reason_code(r->reason_code),
                               r->report.len ? (const char *)r->report.data : "{}",
                               (int)r->kept,
                               r->path,
                               r->intake};
        if (len < 0 || store_put(s, fd, (uint64_t)len, &m, &id, why, sizeof(why)) != MG_OK) {
            id = 0;
            fprintf(stderr, "mugaid: store: cannot keep %s: %s\n", r->name, why);
        } else {
            struct store_item *it = malloc(sizeof(*it));
            if (it && store_get(s, id, it, NULL) == MG_OK)
                audit_put(id, r, it);
            free(it);
        }
        close(fd);
    }
    if (request_store_id_encode(id, why, &out) == MG_OK)
        proto_send(conn, PROTO_STORE_ID, out.data, out.len, NULL, 0);
    proto_frame_free(&f);
out:
    if (r)
        buf_free(&r->report);
    free(r);
    buf_free(&out);
}

/* ---- review ---- */

/* Whether uid is in the approver group (primary or supplementary, as the
 * system's group database says; the client cannot claim it). */
static int is_approver(uid_t uid, const char *group)
{
    struct group *g = getgrnam(group);
    struct passwd *pw = getpwuid(uid);
    if (!g || !pw)
        return 0;
    gid_t gids[256];
    int n = 256;
    if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &n) < 0)
        return 0;
    for (int i = 0; i < n; i++)
        if (gids[i] == g->gr_gid)
            return 1;
    return 0;
}

static const char *user_name(int64_t uid, char *dst, size_t cap)
{
    struct passwd *pw = uid >= 0 ? getpwuid((uid_t)uid) : NULL;
    if (pw)
        snprintf(dst, cap, "%s", pw->pw_name);
    else
        snprintf(dst, cap, "%lld", (long long)uid);
    return dst;
}

static void audit_review(const char *verb, int64_t id, uid_t uid, const char *reason, int ok,
                         const char *why)
{
    struct buf a;
    struct json j;
    char ev[48];
    buf_init(&a, 8192);
    snprintf(ev, sizeof(ev), "quarantine-%s", verb);
    json_fields(&j, &a);
    json_kv_uint(&j, "id", (unsigned long long)id);
    json_kv_uint(&j, "uid", uid);
    if (reason && *reason)
        json_kv_str(&j, "reason", reason);
    json_kv_str(&j, "result", ok ? "done" : "refused");
    if (!ok)
        json_kv_str(&j, "why", why);
    if (ok && strcmp(verb, "release") == 0)
        json_kv_str(&j, "exception", "released from quarantine");
    if (json_end(&j) == MG_OK)
        audit_event(ev, (const char *)a.data);
    buf_free(&a);
}

/* Re-inject a released message to its recipients through sendmail, with
 * a header that says so. */
static int deliver_mail(const struct config *cfg, const struct store_item *it, int fd,
                        const char *hdr, char *why, size_t cap)
{
    char *argv[520], rcpts[STORE_RECIPIENTS_MAX];
    size_t n = 0;
    snprintf(rcpts, sizeof(rcpts), "%s", it->recipients);
    argv[n++] = (char *)cfg->sendmail;
    argv[n++] = "-i";
    argv[n++] = "-f";
    argv[n++] = it->sender[0] ? (char *)it->sender : "<>";
    argv[n++] = "--";
    size_t first = n;
    for (char *save = NULL, *r = strtok_r(rcpts, "\n", &save); r && n < 515;
         r = strtok_r(NULL, "\n", &save))
        if (*r && *r != '-')
            argv[n++] = r;
    argv[n] = NULL;
    if (n == first) {
        snprintf(why, cap, "no recipients were recorded for item %lld", (long long)it->id);
        return MG_ERR_USAGE;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return MG_ERR_IO;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[0], 0);
        execv(cfg->sendmail, argv);
        _exit(127);
    }
    close(p[0]);

    int rc = pid < 0 ? MG_ERR_IO : fdio_write_all(p[1], hdr, strlen(hdr));
    uint8_t b[65536];
    for (off_t off = 0; rc == MG_OK;) {
        ssize_t r = pread(fd, b, sizeof(b), off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r == 0 ? MG_OK : MG_ERR_IO;
            break;
        }
        rc = fdio_write_all(p[1], b, (size_t)r);
        off += r;
    }
    close(p[1]);
    int status = 0;
    if (pid > 0)
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    if (pid < 0 || rc != MG_OK || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(why, cap, "%.200s did not take the message (status %d)", cfg->sendmail,
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return MG_ERR_IO;
    }
    return MG_OK;
}

/* A share item's file goes back where its owner's would have gone:
 * OUTBOUND/USER/PATH, with name (the original's, or the sanitized
 * output's) as the last component; the item's notice there is removed. */
static int deliver_share(const struct config *cfg, const struct store_item *it, int fd,
                         const char *name, char *where, size_t wcap, char *why, size_t cap)
{
    char user[USER_NAME_MAX], rel[STORE_PATH_MAX + STORE_TEXT_MAX], tag[48];
    const char *base;
    int dirfd = -1;
    struct passwd *pw = it->owner_uid >= 0 ? getpwuid((uid_t)it->owner_uid) : NULL;
    off_t len = lseek(fd, 0, SEEK_END);
    if (!cfg->share_outbound[0]) {
        snprintf(why, cap, "share_outbound is not set in mugaid's configuration");
        return MG_ERR_USAGE;
    }
    if (!pw || len < 0) {
        snprintf(why, cap, "%s", pw ? "the original cannot be read" : "its owner is unknown");
        return MG_ERR_IO;
    }
    snprintf(user, sizeof(user), "%s", pw->pw_name);
    const char *slash = strrchr(it->path, '/');
    snprintf(rel, sizeof(rel), "%.*s%s", slash ? (int)(slash - it->path + 1) : 0, it->path, name);
    snprintf(tag, sizeof(tag), "release-%lld", (long long)it->id);
    if (sharedir_open_parent(cfg->share_outbound, user, rel, &dirfd, &base, why, cap) != MG_OK)
        return MG_ERR_IO;
    int rc = sharedir_place(dirfd, base, tag, fd, NULL, (uint64_t)len, why, cap);
    if (rc == MG_OK) {
        sharedir_drop_notice(dirfd, it->name, it->id);
        snprintf(where, wcap, "%s/%s/%s", cfg->share_outbound, user, rel);
    }
    close(dirfd);
    return rc;
}

struct review_ctx {
    const struct config *cfg;
    struct store *s;
    struct store_actor who;
    int conn;
};

static int reply(struct review_ctx *c, int ok, const char *name, const struct buf *text, int fd)
{
    struct buf out;
    buf_init(&out, REVIEW_REPLY_MAX + 4096);
    int rc = request_review_reply_encode((uint32_t)ok, name, text->data, text->len, &out);
    if (rc == MG_OK)
        rc = proto_send(c->conn, PROTO_REVIEW_REPLY, out.data, out.len, &fd, fd >= 0 ? 1 : 0);
    buf_free(&out);
    return rc;
}

static int review_show(struct review_ctx *c, const struct review_request *r, struct buf *t)
{
    struct store_item *it = malloc(sizeof(*it));
    struct buf rep;
    int rc = MG_ERR_USAGE;
    buf_init(&rep, STORE_REPORT_MAX);
    if (!it || store_get(c->s, r->id, it, &rep) != MG_OK || !store_may_see(it, &c->who)) {
        buf_printf(t, "no item %lld\n", (long long)r->id);
        goto out;
    }
    if (buf_putc(&rep, 0) != MG_OK)
        goto out;
    if (r->json) {
        struct json j;
        json_init(&j, t);
        json_obj(&j);
        store_item_fields(&j, it, (const char *)rep.data);
        json_key(&j, "history");
        rc = store_history_write(c->s, r->id, &j);
        json_obj_end(&j);
        if (rc == MG_OK)
            rc = json_end(&j);
        if (rc == MG_OK)
            rc = buf_putc(t, '\n');
    } else {
        char u1[USER_NAME_MAX], u2[USER_NAME_MAX], u3[USER_NAME_MAX];
        rc = buf_printf(t,
                        "id:         %lld\nstate:      %s\nsource:     %s\nname:       %s\n"
                        "path:       %s\n"
                        "type:       %s\nreason:     %s (%s)\nsha256:     %s\nsize:       "
                        "%llu\nsender:     %s\nrecipients: %s\nrequested:  %s %s\n"
                        "decided:    %s %s\nreleased:   %s\n",
                        (long long)it->id, it->state, it->source, it->name,
                        it->path[0] ? it->path : "-", it->type, it->reason,
                        reason_en(reason_from_code(it->reason)), it->sha256,
                        (unsigned long long)it->size, it->sender, it->recipients,
                        it->requested_by >= 0 ? user_name(it->requested_by, u1, sizeof(u1)) : "-",
                        it->request_reason,
                        it->decided_by >= 0 ? user_name(it->decided_by, u2, sizeof(u2)) : "-",
                        it->decision_reason,
                        it->released_by >= 0 ? user_name(it->released_by, u3, sizeof(u3)) : "-");
    }
out:
    buf_free(&rep);
    free(it);
    return rc;
}

/* request-release, approve, reject, delete, release. */
static int review_act(struct review_ctx *c, const struct review_request *r, enum store_action a,
                      struct buf *t, int *fd, char *name, size_t namecap)
{
    char why[REASON_TEXT_MAX] = "";
    struct store_item *it = malloc(sizeof(*it));
    int ok = 0;
    if (!it)
        return 0;
    if (store_act(c->s, r->id, a, &c->who, r->reason, why, sizeof(why)) != MG_OK) {
        buf_printf(t, "refused: %s\n", why);
        goto out;
    }
    ok = 1;
    if (a == STORE_RELEASE) {
        int orig = -1;
        char releaser[USER_NAME_MAX], approver[USER_NAME_MAX];
        if (store_get(c->s, r->id, it, NULL) != MG_OK ||
            store_open_original(c->s, it, &orig) != MG_OK) {
            snprintf(why, sizeof(why), "the original cannot be read");
            ok = 0;
        } else if (strcmp(it->source, "mail") == 0) {
            char hdr[512];
            snprintf(hdr, sizeof(hdr),
                     "X-Mugai-Released: quarantine item %lld released by %s, approved by %s\n",
                     (long long)it->id, user_name(c->who.uid, releaser, sizeof(releaser)),
                     user_name(it->decided_by, approver, sizeof(approver)));
            if (deliver_mail(c->cfg, it, orig, hdr, why, sizeof(why)) != MG_OK)
                ok = 0;
            else
                buf_printf(t, "item %lld: released to its recipients\n", (long long)r->id);
            close(orig);
        } else if (strcmp(it->source, "share") == 0) {
            char where[8192];
            if (deliver_share(c->cfg, it, orig, it->name, where, sizeof(where), why, sizeof(why)) !=
                MG_OK)
                ok = 0;
            else
                buf_printf(t, "item %lld: released into its owner's share folder: %s\n",
                           (long long)r->id, where);
            close(orig);
        } else {
            *fd = orig; /* the caller writes it where they choose */
            snprintf(name, namecap, "%s", it->name);
            buf_printf(t, "item %lld: released\n", (long long)r->id);
        }
        if (!ok) {
            store_release_failed(c->s, r->id);
            buf_printf(t, "release failed, the item stays approved: %s\n", why);
        }
    } else {
        buf_printf(t, "item %lld: %s\n", (long long)r->id, store_action_name(a));
    }
out:
    audit_review(store_action_name(a), r->id, c->who.uid, r->reason, ok, why);
    free(it);
    return ok;
}

/* The item's original as a job of mugaid's, with the passwords, as its
 * own client: a file comes back sanitized, a message sanitized with its
 * attachments opened. MG_OK when the encrypted parts were opened. */
static int unlock_job(const struct config *cfg, const struct store_item *it, int orig,
                      char **passwords, size_t n_passwords, int *out_fd, char *out_type,
                      size_t tcap, char *why, size_t cap)
{
    char err[MSG_MAX];
    int rc = MG_ERR_IO, sock = client_connect(cfg->socket, err, sizeof(err));
    *out_fd = -1;
    if (sock < 0) {
        snprintf(why, cap, "mugaid: %.900s", err);
        return MG_ERR_IO;
    }
    if (strcmp(it->source, "mail") == 0) {
        static struct mail_envelope env;
        struct mail_reply reply;
        memset(&reply, 0, sizeof(reply));
        buf_init(&reply.json, 2 * JOB_REPORT_MAX);
        snprintf(env.sender, sizeof(env.sender), "%s", it->sender);
        snprintf(env.recipients, sizeof(env.recipients), "%s", it->recipients);
        env.flags = REQUEST_NO_KEEP;
        env.passwords = passwords;
        env.n_passwords = n_passwords;
        if (client_mail(sock, orig, &env, 600000, NULL, NULL, &reply, out_fd, err, sizeof(err)) !=
            MG_OK) {
            snprintf(why, cap, "mugaid: %.900s", err);
        } else if (reply.status != 0 ||
                   (reply.json.data && buf_putc(&reply.json, 0) == MG_OK &&
                    strstr((char *)reply.json.data, "\"reason_code\":\"encrypted\""))) {
            snprintf(why, cap, "%s",
                     reply.status != 0 ? reply.reason
                                       : "an attachment is still encrypted (wrong password?)");
        } else {
            snprintf(out_type, tcap, "eml");
            rc = MG_OK;
        }
        if (rc != MG_OK && *out_fd >= 0) {
            close(*out_fd);
            *out_fd = -1;
        }
        buf_free(&reply.json);
    } else {
        struct job_result res;
        if (client_sanitize(sock, it->name, orig, (const char *const *)passwords, n_passwords,
                            REQUEST_NO_KEEP, 600000, &res, err, sizeof(err)) != MG_OK) {
            snprintf(why, cap, "mugaid: %.900s", err);
        } else if (!res.released) {
            snprintf(why, cap, "%s: %s", reason_code(res.reason_code), res.reason);
        } else {
            *out_fd = res.out_fd;
            res.out_fd = -1;
            snprintf(out_type, tcap, "%s", res.out_type);
            rc = MG_OK;
        }
        job_result_free(&res);
    }
    close(sock);
    return rc;
}

/* Open item id with the passwords and deliver its sanitized content: a
 * message to its recipients, a file as *fd (named name) for the caller.
 * On failure the item goes back to the state it had. 1 when done. */
static int unlock_item(const struct config *cfg, struct store *s, const struct store_actor *who,
                       int64_t id, char **passwords, size_t n_passwords, const char *how,
                       struct buf *t, int *fd, char *name, size_t namecap)
{
    struct store_item *it = malloc(sizeof(*it));
    char why[MSG_MAX] = "", prev[16] = "", type[TYPE_NAME_MAX] = "";
    int ok = 0, orig = -1, out = -1;
    if (!it)
        return 0;
    if (store_get(s, id, it, NULL) == MG_OK)
        snprintf(prev, sizeof(prev), "%s", it->state);
    if (!n_passwords) {
        snprintf(why, sizeof(why), "no passwords given");
    } else if (store_act(s, id, STORE_UNLOCK, who, how, why, sizeof(why)) != MG_OK) {
        /* refused by the rules; why says which */
    } else if (store_open_original(s, it, &orig) != MG_OK) {
        snprintf(why, sizeof(why), "the original cannot be read");
    } else if (unlock_job(cfg, it, orig, passwords, n_passwords, &out, type, sizeof(type), why,
                          sizeof(why)) != MG_OK) {
        /* still encrypted, or not made safe: it stays where it was */
    } else if (strcmp(it->source, "mail") == 0) {
        char hdr[256];
        snprintf(hdr, sizeof(hdr), "X-Mugai-Unlocked: quarantine item %lld, sanitized\n",
                 (long long)it->id);
        if (deliver_mail(cfg, it, out, hdr, why, sizeof(why)) == MG_OK) {
            ok = 1;
            buf_printf(t, "item %lld: unlocked; the sanitized message went to its recipients\n",
                       (long long)id);
        }
    } else if (strcmp(it->source, "share") == 0) {
        char where[8192], out_name[STORE_TEXT_MAX];
        outdir_name(it->name, type, out_name, sizeof(out_name));
        if (deliver_share(cfg, it, out, out_name, where, sizeof(where), why, sizeof(why)) ==
            MG_OK) {
            ok = 1;
            buf_printf(t, "item %lld: unlocked and sanitized into its owner's share folder: %s\n",
                       (long long)id, where);
        }
    } else {
        outdir_name(it->name, type, name, namecap);
        *fd = out;
        out = -1;
        ok = 1;
        buf_printf(t, "item %lld: unlocked and sanitized\n", (long long)id);
    }
    if (ok) {
        store_undo(s, id, "unlocking", "unlocked");
    } else {
        if (strcmp(prev, "held") == 0 || strcmp(prev, "kept") == 0)
            store_undo(s, id, "unlocking", prev);
        buf_printf(t, "not unlocked, the item stays %s: %s\n", prev[0] ? prev : "as it was", why);
        syslog(LOG_WARNING, "quarantine item %lld: unlock failed: %s", (long long)id, why);
    }
    audit_review("unlock", id, who->uid, how, ok, why);
    if (orig >= 0)
        close(orig);
    if (out >= 0)
        close(out);
    free(it);
    return ok;
}

static void serve_review_request(struct review_ctx *c, const struct review_request *r)
{
    static const struct {
        const char *verb;
        enum store_action a;
    } acts[] = {{"request-release", STORE_REQUEST},
                {"approve", STORE_APPROVE},
                {"reject", STORE_REJECT},
                {"release", STORE_RELEASE},
                {"delete", STORE_DELETE}};
    struct buf t;
    char name[STORE_TEXT_MAX] = "";
    int ok = 1, fd = -1;
    buf_init(&t, REVIEW_REPLY_MAX);
    for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
        if (strcmp(r->verb, acts[i].verb) == 0) {
            ok = review_act(c, r, acts[i].a, &t, &fd, name, sizeof(name));
            goto send;
        }
    if (strcmp(r->verb, "unlock") == 0) {
        ok = unlock_item(c->cfg, c->s, &c->who, r->id, r->passwords, r->n_passwords, "", &t, &fd,
                         name, sizeof(name));
    } else if (strcmp(r->verb, "list") == 0) {
        ok = store_list(c->s, &c->who, r->state[0] ? r->state : NULL, r->since, STORED_LIST_MAX,
                        !r->json, &t) == MG_OK;
    } else if (strcmp(r->verb, "show") == 0) {
        ok = review_show(c, r, &t) == MG_OK;
    } else if (strcmp(r->verb, "purge") == 0 || strcmp(r->verb, "export") == 0) {
        unsigned n = 0;
        if (!c->who.approver) {
            buf_printf(&t, "refused: only a member of the approver group (%s) can %s\n",
                       c->cfg->approver_group, r->verb);
            ok = 0;
        } else if (r->verb[0] == 'p') {
            ok = store_purge_expired(c->s, (int64_t)time(NULL), &n) == MG_OK;
            buf_printf(&t, "%u expired original(s) removed\n", n);
            audit_review("purge", n, c->who.uid, "", ok, "");
        } else {
            ok = store_export_csv(c->s, r->since, &t) == MG_OK;
            audit_review("export", 0, c->who.uid, "", ok, "");
        }
    } else {
        buf_printf(&t, "unknown command %s\n", r->verb);
        ok = 0;
    }
send:
    reply(c, ok, name, &t, fd);
    if (fd >= 0)
        close(fd);
    buf_free(&t);
}

/* A review connection, in a child of its own. */
static void serve_review(const struct config *cfg, int conn)
{
    struct ucred peer;
    socklen_t pl = sizeof(peer);
    char err[MSG_MAX];
    struct review_ctx c = {cfg, NULL, {0, 0}, conn};
    struct store_config sc = {cfg->store_dir, cfg->store_database, cfg->retention_days,
                              cfg->audit_node};
    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &pl) != 0)
        return;
    c.who.uid = peer.uid;
    c.who.approver = is_approver(peer.uid, cfg->approver_group);
    if (store_open(&c.s, &sc, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugaid: store: %s\n", err);
        return;
    }
    for (;;) {
        struct pollfd pf = {.fd = conn, .events = POLLIN};
        if (poll(&pf, 1, STORED_IDLE_MS) <= 0)
            break;
        struct proto_frame f;
        struct review_request r;
        if (proto_recv(conn, STORED_FRAME_MS, 8192, 0, &f) != MG_OK)
            break;
        int good = f.type == PROTO_REVIEW &&
                   request_review_decode(f.payload.data, f.payload.len, &r) == MG_OK;
        proto_frame_free(&f);
        if (!good)
            break;
        serve_review_request(&c, &r);
        request_review_free(&r);
    }
    store_close(c.s);
}

/* PPAP candidates: every encrypted message the same sender sent the same
 * recipients in the window, unlocked with them if they open it. */
static void serve_ppap(const struct config *cfg, const struct ppap_request *r)
{
    struct store *s = NULL;
    struct store_config sc = {cfg->store_dir, cfg->store_database, cfg->retention_days,
                              cfg->audit_node};
    struct store_actor self = {getuid(), 1}; /* the store acts for the policy */
    int64_t ids[32];
    size_t n = 0;
    char err[MSG_MAX];
    if (store_open(&s, &sc, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugaid: store: %s\n", err);
        return;
    }
    int64_t since = (int64_t)time(NULL) - (int64_t)r->window_seconds;
    if (store_find_encrypted(s, r->sender, r->recipients, since, ids, 32, &n) == MG_OK) {
        for (size_t i = 0; i < n; i++) {
            struct store_item *it = malloc(sizeof(*it));
            int self_item = it && store_get(s, ids[i], it, NULL) == MG_OK &&
                            strcmp(it->sha256, r->exclude_sha256) == 0;
            free(it);
            if (self_item)
                continue; /* the message that gave the passwords */
            struct buf t;
            char name[STORE_TEXT_MAX];
            int fd = -1;
            buf_init(&t, 4096);
            unlock_item(cfg, s, &self, ids[i], r->passwords, r->n_passwords,
                        "ppap: passwords from a later message", &t, &fd, name, sizeof(name));
            if (fd >= 0)
                close(fd);
            buf_free(&t);
        }
    }
    store_close(s);
}

/* ---- the process ---- */

static void purge_now(struct store *s)
{
    unsigned n = 0;
    if (store_purge_expired(s, (int64_t)time(NULL), &n) == MG_OK && n)
        audit_review("purge", n, getuid(), "retention", 1, "");
}

int stored_main(const struct config *cfg, int put_rx, int review_fd)
{
    struct store *s = NULL;
    char err[MSG_MAX];
    unsigned children = 0;
    struct store_config sc = {cfg->store_dir, cfg->store_database, cfg->retention_days,
                              cfg->audit_node};
    signal(SIGTERM, on_term);
    signal(SIGPIPE, SIG_IGN);
    if (store_open(&s, &sc, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugaid: store: %s\n", err);
        return 1;
    }
    unsigned back = 0;
    if (store_recover(s, &back) == MG_OK && back) {
        /* A store killed mid-unlock: the sanitized content may or may not
         * have gone out; the item is offered again rather than lost. */
        syslog(LOG_WARNING, "%u unlock(s) interrupted by a restart were put back", back);
        audit_review("recover", back, getuid(), "interrupted unlocks put back", 1, "");
    }
    purge_now(s);
    time_t next_purge = time(NULL) + STORED_PURGE_EVERY;
    while (!stop_requested) {
        while (children && waitpid(-1, NULL, WNOHANG) > 0)
            children--;
        struct pollfd pf[2] = {{.fd = put_rx, .events = POLLIN},
                               {.fd = review_fd, .events = POLLIN}};
        int n = poll(pf, children < STORED_CHILDREN ? 2 : 1, 1000);
        if (n < 0 && errno != EINTR)
            break;
        if (time(NULL) >= next_purge) {
            purge_now(s);
            next_purge = time(NULL) + STORED_PURGE_EVERY;
        }
        if (n <= 0)
            continue;
        if (pf[0].revents & POLLIN) {
            struct proto_frame f;
            if (proto_recv(put_rx, 1000, 0, 1, &f) == MG_OK) {
                if (f.type == PROTO_STORE_PUT && f.n_fds == 1) {
                    int conn = proto_take_fd(&f, 0);
                    serve_put(cfg, s, conn, &children);
                    close(conn);
                }
                proto_frame_free(&f);
            }
        }
        if (children < STORED_CHILDREN && (pf[1].revents & POLLIN)) {
            int conn = accept4(review_fd, NULL, NULL, SOCK_CLOEXEC);
            if (conn < 0)
                continue;
            pid_t pid = fork();
            if (pid == 0) {
                close(put_rx);
                close(review_fd);
                signal(SIGTERM, SIG_DFL);
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                serve_review(cfg, conn);
                _exit(0);
            }
            if (pid > 0)
                children++;
            close(conn);
        }
    }
    store_close(s);
    return 0;
}
