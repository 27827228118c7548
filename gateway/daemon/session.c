/*
 * session - one client of mugaid (see session.h).
 */
#include "session.h"
#include "audit_send.h"
#include "err.h"
#include "job_wire.h"
#include "json.h"
#include "jsoncheck.h"
#include "mailjob.h"
#include "proto.h"
#include "report.h"
#include "request.h"
#include "sealed.h"
#include "stored.h"

#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SESSION_FRAME_MS  10000  /* a request, once begun, arrives within this */
#define SESSION_ENGINE_MS 120000 /* how long a scan waits for an engine still loading */
#define SESSION_AUDIT_MS  10000  /* a share note waits this long for its line to be written */

/* ---- the scan, done by the engine process's pool ---- */

static int scan_connect(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return -1;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    for (int waited = 0; waited <= SESSION_ENGINE_MS; waited += 250) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            return fd;
        int e = errno;
        close(fd);
        /* Not there yet, or between two engines: wait a little. */
        if (e != ENOENT && e != ECONNREFUSED)
            return -1;
        usleep(250000);
    }
    return -1;
}

/* Send a scan request to the pool; the connection is the handle. */
static int session_scan_begin(void *arg, const struct job_scan_req *req, int *handle, char *why,
                              size_t cap)
{
    struct session_env *env = arg;
    struct buf p;
    int fds[3];
    size_t n = 0;
    uint32_t mask = 0;

    if (req->in_fd >= 0)
        mask |= SCAN_HAS_IN, fds[n++] = req->in_fd;
    if (req->out_fd >= 0)
        mask |= SCAN_HAS_OUT, fds[n++] = req->out_fd;
    if (req->members_fd >= 0)
        mask |= SCAN_HAS_MEMBERS, fds[n++] = req->members_fd;
    int sock = scan_connect(env->scan_socket);
    if (sock < 0) {
        snprintf(why, cap, "the scan engine is not available");
        return MG_ERR_SANDBOX;
    }
    buf_init(&p, 256);
    int rc = request_scan_encode(req, mask, &p);
    if (rc == MG_OK)
        rc = proto_send(sock, PROTO_SCAN, p.data, p.len, fds, n);
    buf_free(&p);
    if (rc != MG_OK) {
        close(sock);
        snprintf(why, cap, "cannot send the scan request");
        return rc;
    }
    *handle = sock;
    return MG_OK;
}

static int session_scan_end(void *arg, int sock, struct job_scan_rec *rec, char *why, size_t cap)
{
    struct session_env *env = arg;
    struct proto_frame f;
    int wait_ms = (int)env->je->pol.worker_deadline_seconds * 1000 + 30000;
    int rc = proto_recv(sock, wait_ms, JOB_RECORD_EXTRA, 0, &f);
    if (rc == MG_OK) {
        if (f.type != PROTO_SCAN_RESULT ||
            job_scan_rec_parse(f.payload.data, f.payload.len, rec) != MG_OK)
            rc = MG_ERR_SANDBOX;
        proto_frame_free(&f);
    }
    close(sock);
    if (rc != MG_OK)
        snprintf(why, cap, "the scanner did not answer (killed at its deadline, or crashed)");
    return rc;
}

/* ---- the quarantine store ---- */

static int session_store_fd = -1;

void session_set_store(int fd)
{
    session_store_fd = fd;
}

/* Keep a blocked original in the store; its id, or 0 when it could not be
 * kept (logged; the caller decides what that means for the job). */
static int64_t session_keep(int sealed, const char *source, int64_t owner, const char *sender,
                            const char *recipients, const char *name, const char *type,
                            enum reason reason, const struct buf *report, int kept,
                            const struct share_ref *share)
{
    struct store_put_request *r = calloc(1, sizeof(*r));
    char why[REASON_TEXT_MAX] = "out of memory";
    int64_t id = 0;
    int ro = sealed_reopen_ro(sealed);
    if (r && ro >= 0) {
        snprintf(r->source, sizeof(r->source), "%s", source);
        r->owner_uid = owner;
        if (share) {
            snprintf(r->path, sizeof(r->path), "%s", share->path);
            snprintf(r->intake, sizeof(r->intake), "%s", share->intake);
        }
        snprintf(r->sender, sizeof(r->sender), "%s", sender ? sender : "");
        snprintf(r->recipients, sizeof(r->recipients), "%s", recipients ? recipients : "");
        snprintf(r->name, sizeof(r->name), "%s", name);
        snprintf(r->type, sizeof(r->type), "%s", type);
        r->reason_code = reason;
        r->kept = (uint32_t)kept;
        buf_init(&r->report, JOB_REPORT_MAX);
        if (report && report->len)
            buf_append(&r->report, report->data, report->len);
        if (stored_put(session_store_fd, r, ro, &id, why, sizeof(why)) != MG_OK)
            id = 0;
        buf_free(&r->report);
    }
    if (!id)
        fprintf(stderr, "mugaid: warning: %s was not kept in the quarantine store: %s\n", name,
                why);
    if (ro >= 0)
        close(ro);
    free(r);
    return id;
}

/* Whether a request may skip the store: only the store's own (an unlock of
 * an item it already holds), recognised by the caller's uid. */
static int session_no_keep(uint32_t flags, const struct ucred *peer, const struct config *cfg)
{
    if (!(flags & REQUEST_NO_KEEP))
        return 0;
    struct passwd *pw = getpwnam(cfg->user);
    return pw ? peer->uid == pw->pw_uid : peer->uid == getuid();
}

/* Whether the caller is the configured share watcher (mugai-share), the
 * only one who may send a file on behalf of someone else (the user whose
 * share folder it came from). */
static int session_share_caller(const struct ucred *peer, const struct config *cfg)
{
    if (!cfg->share_user[0])
        return 0;
    struct passwd *pw = getpwnam(cfg->share_user);
    return pw && peer->uid == pw->pw_uid;
}

/* ---- requests ---- */

static void session_error(int conn, const char *code, const char *reason)
{
    struct buf b;
    buf_init(&b, 1024);
    if (request_error_encode(code, reason, &b) == MG_OK)
        proto_send(conn, PROTO_ERROR, b.data, b.len, NULL, 0);
    buf_free(&b);
}

static void session_count(struct stats *st, enum verdict v)
{
    __atomic_fetch_add(&st->jobs_done, 1, __ATOMIC_RELAXED);
    if ((unsigned)v < 4)
        __atomic_fetch_add(&st->by_verdict[v], 1, __ATOMIC_RELAXED);
}

static void session_log(const struct ucred *peer, const char *what, const char *name,
                        const struct job_result *r)
{
    fprintf(stderr,
            "mugaid: %s uid=%u pid=%d name=\"%s\" type=%s verdict=%s%s%s sha256=%s size=%llu\n",
            what, (unsigned)peer->uid, (int)peer->pid, name, r->type,
            report_verdict_name(r->verdict), r->verdict == VERDICT_BLOCKED ? " reason=" : "",
            r->verdict == VERDICT_BLOCKED ? reason_code(r->reason_code) : "", r->sha256_in,
            (unsigned long long)r->size_in);
}

/* The job's line in the audit log: who asked, what came in, what went out,
 * under which policy and database. */
static void session_audit(const struct ucred *peer, const char *event, const char *name,
                          const struct job_result *r, const struct stats *st,
                          const struct share_ref *share)
{
    struct buf f;
    struct json j;
    buf_init(&f, 16384);
    json_fields(&j, &f);
    json_kv_uint(&j, "uid", peer->uid);
    json_kv_uint(&j, "pid", (unsigned long long)peer->pid);
    if (share) {
        json_kv_str(&j, "share_user", share->user);
        json_kv_str(&j, "share_path", share->path);
        json_kv_str(&j, "intake", share->intake);
    }
    json_kv_str(&j, "name", name);
    json_kv_str(&j, "type", r->type);
    json_kv_str(&j, "verdict", report_verdict_name(r->verdict));
    if (r->verdict == VERDICT_BLOCKED)
        json_kv_str(&j, "reason_code", reason_code(r->reason_code));
    json_kv_str(&j, "sha256_in", r->sha256_in);
    json_kv_uint(&j, "size_in", r->size_in);
    if (r->released) {
        json_kv_str(&j, "out_type", r->out_type);
        json_kv_str(&j, "sha256_out", r->sha256_out);
        json_kv_uint(&j, "size_out", r->size_out);
    }
    json_kv_str(&j, "policy_sha256", st->policy_sha256);
    json_kv_str(&j, "db_version", st->db_version);
    if (json_end(&j) == MG_OK)
        audit_event(event, (const char *)f.data);
    buf_free(&f);
}

static int session_sanitize(int conn, struct proto_frame *f, const struct ucred *peer,
                            struct session_env *env)
{
    struct sanitize_request req;
    struct job_result res;
    struct buf out;
    int fds[2], n = 0;

    if (f->n_fds != 1 || request_sanitize_decode(f->payload.data, f->payload.len, &req) != MG_OK ||
        (req.force_type != FT_UNKNOWN && req.force_type != FT_EML)) {
        session_error(conn, "bad-request", "a sanitize request with one file");
        return MG_ERR_PARSE;
    }
    /* A share file: its owner is the user of the folder it came from, and
     * only mugai-share may say so. */
    const struct share_ref *share = NULL;
    int64_t owner = (int64_t)peer->uid;
    if (req.flags & REQUEST_SHARE) {
        struct passwd *pw = NULL;
        if (!session_share_caller(peer, env->cfg) || !(pw = getpwnam(req.share.user))) {
            session_error(conn, "bad-request",
                          pw ? "a share file from a caller other than share_user"
                             : "a share file of an unknown user");
            request_sanitize_free(&req);
            return MG_ERR_PARSE;
        }
        share = &req.share;
        owner = (int64_t)pw->pw_uid;
    }
    int in = proto_take_fd(f, 0);
    env->je->passwords = (const char *const *)req.passwords;
    env->je->n_passwords = req.n_passwords;
    struct job_request jr = {req.name, in, req.force_type};
    __atomic_fetch_add(&env->st->jobs_in_flight, 1, __ATOMIC_RELAXED);
    int rc = job_run(env->je, &jr, &res);
    __atomic_fetch_sub(&env->st->jobs_in_flight, 1, __ATOMIC_RELAXED);
    close(in);
    env->je->passwords = NULL;
    env->je->n_passwords = 0;
    if (rc != MG_OK) {
        session_error(conn, "internal", err_str(rc));
        job_result_free(&res);
        request_sanitize_free(&req);
        return MG_OK;
    }
    session_count(env->st, res.verdict);
    if (res.verdict == VERDICT_BLOCKED && res.in_fd >= 0 &&
        !session_no_keep(req.flags, peer, env->cfg))
        res.store_id = session_keep(res.in_fd, share ? "share" : "cli", owner, NULL, NULL, req.name,
                                    res.type, res.reason_code, &res.report, 0, share);
    session_log(peer, "job", req.name, &res);
    session_audit(peer, "job", req.name, &res, env->st, share);
    /* The client gets read-only descriptors: the sealed input copy (for its
     * quarantine) and the output to release. */
    if (res.in_fd >= 0 && (fds[n] = sealed_reopen_ro(res.in_fd)) >= 0)
        n++;
    else
        res.in_fd = -1;
    if (res.released && (fds[n] = sealed_reopen_ro(res.out_fd)) >= 0)
        n++;
    else if (res.released)
        job_block(&res, REASON_RELEASE_FAILED, "%s", "cannot hand the output over");
    buf_init(&out, REPLY_MAX);
    rc = request_result_encode(&res, &out);
    if (rc == MG_OK)
        rc = proto_send(conn, PROTO_RESULT, out.data, out.len, fds, (size_t)n);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    buf_free(&out);
    job_result_free(&res);
    request_sanitize_free(&req);
    return rc;
}

/* PPAP: password candidates in the message we deliver (a worker reads its
 * text) go to the store, which tries them on what the same sender sent the
 * same recipients just before. Best effort: the message is delivered
 * whatever happens here. */
static void session_ppap(struct session_env *env, const struct mail_envelope *e, int msg_fd,
                         const char *sha)
{
    static struct ppap_request r;
    uint64_t len = 0;
    if (sealed_size(msg_fd, &len) != MG_OK ||
        mailjob_ppap_candidates(env->je, msg_fd, len, &r.passwords, &r.n_passwords) != MG_OK ||
        !r.n_passwords)
        return;
    snprintf(r.sender, sizeof(r.sender), "%s", e->sender);
    snprintf(r.recipients, sizeof(r.recipients), "%s", e->recipients);
    r.window_seconds = env->je->pol.mail_ppap_window_minutes * 60u;
    snprintf(r.exclude_sha256, sizeof(r.exclude_sha256), "%s", sha);
    if (stored_ppap(session_store_fd, &r) != MG_OK)
        fprintf(stderr, "mugaid: warning: password candidates not handed to the store\n");
    request_ppap_free(&r);
}

/* A held message goes to the store with its envelope. */
struct mail_keep {
    const struct mail_envelope *env;
};

static int64_t session_keep_mail(void *arg, int sealed_fd, const struct job_result *r)
{
    const struct mail_keep *k = arg;
    char name[96];
    snprintf(name, sizeof(name), "message %.12s", r->sha256_in);
    return session_keep(sealed_fd, "mail", -1, k->env->sender, k->env->recipients, name, "eml",
                        r->reason_code, &r->report, 0, NULL);
}

static int session_mail(int conn, struct proto_frame *f, const struct ucred *peer,
                        struct session_env *env)
{
    static struct mail_envelope envelope; /* large: one per session process */
    struct mail_reply reply;
    struct buf out;
    struct stat st;
    char sha[SHA256_HEX_MAX];
    uint64_t len = 0;
    int too_big = 0, sealed_fd = -1, deliver = -1, rc;

    if (f->n_fds != 1 || request_mail_decode(f->payload.data, f->payload.len, &envelope) != MG_OK) {
        session_error(conn, "bad-request", "a mail request with one message");
        return MG_ERR_PARSE;
    }
    struct mail_keep keep = {&envelope};
    struct mailjob_keeper keeper = {session_keep_mail, &keep};
    int no_keep = session_no_keep(envelope.flags, peer, env->cfg);
    int in = proto_take_fd(f, 0);
    if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode) ||
        sealed_copy(in, env->je->pol.mail_max_size, &sealed_fd, &len, &too_big) != MG_OK ||
        too_big) {
        close(in);
        session_error(conn, too_big ? "limit" : "bad-request",
                      too_big ? "the message is larger than mail_max_size"
                              : "the message must be a regular file or memfd");
        request_mail_free(&envelope);
        return MG_OK;
    }
    close(in);
    sealed_sha256(sealed_fd, len, sha);
    memset(&reply, 0, sizeof(reply));
    buf_init(&reply.json, 2 * JOB_REPORT_MAX);
    __atomic_fetch_add(&env->st->jobs_in_flight, 1, __ATOMIC_RELAXED);
    env->je->passwords = (const char *const *)envelope.passwords;
    env->je->n_passwords = envelope.n_passwords;
    mailjob_run(env->je, sealed_fd, len, sha, NULL, no_keep ? NULL : &keeper, &reply, &deliver);
    env->je->passwords = NULL;
    env->je->n_passwords = 0;
    if (reply.status == MAILJOB_EXIT_OK && !no_keep) {
        /* Delivered sanitized: the original is kept for retention (and for
         * a later request for the original, or a PPAP unlock). The sending
         * side has its own copy (the milter's or mugai mail's spool), so a
         * store that cannot take it is a warning, not a failure. */
        char name[96];
        snprintf(name, sizeof(name), "message %.12s", sha);
        session_keep(sealed_fd, "mail", -1, envelope.sender, envelope.recipients, name, "eml",
                     REASON_NONE, &reply.json, 1, NULL);
        if (env->je->pol.mail_ppap_auto && envelope.sender[0] && envelope.recipients[0])
            session_ppap(env, &envelope, deliver, sha);
    }
    __atomic_fetch_sub(&env->st->jobs_in_flight, 1, __ATOMIC_RELAXED);
    session_count(env->st, reply.status == MAILJOB_EXIT_OK ? VERDICT_SANITIZED : VERDICT_BLOCKED);
    fprintf(stderr, "mugaid: mail uid=%u pid=%d status=%d%s%s sha256=%s size=%llu\n",
            (unsigned)peer->uid, (int)peer->pid, reply.status,
            reply.reason_code != REASON_NONE ? " reason=" : "", reason_code(reply.reason_code), sha,
            (unsigned long long)len);
    {
        struct buf a;
        struct json j;
        buf_init(&a, 4096);
        json_fields(&j, &a);
        json_kv_uint(&j, "uid", peer->uid);
        json_kv_uint(&j, "status", (unsigned long long)reply.status);
        if (reply.reason_code != REASON_NONE)
            json_kv_str(&j, "reason_code", reason_code(reply.reason_code));
        json_kv_str(&j, "sha256_in", sha);
        json_kv_uint(&j, "size_in", len);
        json_kv_str(&j, "policy_sha256", env->st->policy_sha256);
        json_kv_str(&j, "db_version", env->st->db_version);
        if (json_end(&j) == MG_OK)
            audit_event("mail", (const char *)a.data);
        buf_free(&a);
    }
    int ro = deliver >= 0 ? sealed_reopen_ro(deliver) : -1;
    if (deliver >= 0 && ro < 0)
        reply.status = MAILJOB_EXIT_TEMPFAIL;
    buf_init(&out, REPLY_MAX + 2 * JOB_REPORT_MAX);
    rc = request_mail_reply_encode(&reply, &out);
    if (rc == MG_OK)
        rc = proto_send(conn, PROTO_MAIL_RESULT, out.data, out.len, &ro,
                        reply.status == MAILJOB_EXIT_TEMPFAIL ? 0 : 1);
    if (ro >= 0)
        close(ro);
    if (deliver >= 0)
        close(deliver);
    close(sealed_fd);
    request_mail_free(&envelope);
    buf_free(&out);
    buf_free(&reply.json);
    return rc;
}

/* Whether the kernel clock is kept in step (NTP): 1, 0, or -1 unknown. */
static int clock_synced(void)
{
    struct timex tx;
    memset(&tx, 0, sizeof(tx));
    int state = adjtimex(&tx);
    if (state < 0)
        return -1;
    return state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

static int session_status(int conn, struct session_env *env)
{
    struct buf j;
    buf_init(&j, 16384);
    int rc = stats_json(env->st, clock_synced(), &j);
    if (rc == MG_OK)
        rc = proto_send(conn, PROTO_STATUS_REPLY, j.data, j.len, NULL, 0);
    buf_free(&j);
    return rc;
}

/* mugai-share's account of a file (placed, held) or of its intake
 * (stopped, resumed), for the audit log; answered once it is written. */
static int session_share_note(int conn, struct proto_frame *f, const struct ucred *peer,
                              struct session_env *env)
{
    static const char *const events[] = {"share-placed", "share-held", "share-intake-stopped",
                                         "share-intake-resumed"};
    static struct share_note n;
    size_t i = 0;
    if (f->n_fds != 0 || !session_share_caller(peer, env->cfg) ||
        request_share_note_decode(f->payload.data, f->payload.len, &n) != MG_OK) {
        session_error(conn, "bad-request", "a share note from share_user");
        return MG_ERR_PARSE;
    }
    while (i < sizeof(events) / sizeof(events[0]) && strcmp(events[i], n.event) != 0)
        i++;
    if (i == sizeof(events) / sizeof(events[0])) {
        session_error(conn, "bad-request", "an unknown share event");
        return MG_ERR_PARSE;
    }
    struct buf a;
    struct json j;
    buf_init(&a, 16384);
    json_fields(&j, &a);
    json_kv_uint(&j, "uid", peer->uid);
    const struct {
        const char *k, *v;
    } strs[] = {{"share_user", n.share.user}, {"share_path", n.share.path},
                {"intake", n.share.intake},   {"output", n.output},
                {"sha256_in", n.sha256},      {"sha256_out", n.sha256_out},
                {"reason_code", n.reason},    {"detail", n.detail}};
    for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
        if (strs[k].v[0])
            json_kv_str(&j, strs[k].k, strs[k].v);
    if (n.size)
        json_kv_uint(&j, "size", n.size);
    if (n.store_id)
        json_kv_uint(&j, "quarantine_id", (unsigned long long)n.store_id);
    int rc = json_end(&j);
    if (rc == MG_OK)
        rc = audit_event(n.event, (const char *)a.data);
    buf_free(&a);
    /* The watcher removes its spool entry on our answer: answer once the
     * line is in the log, not merely queued (a mugaid killed meanwhile
     * would lose the queue). */
    if (rc == MG_OK)
        rc = audit_wait_written(SESSION_AUDIT_MS);
    if (rc != MG_OK) {
        session_error(conn, "busy", "the audit line is not written yet");
        return MG_OK;
    }
    return proto_send(conn, PROTO_SHARE_ACK, NULL, 0, NULL, 0);
}

void session_main(int conn, const struct ucred *peer, struct session_env *env)
{
    /* Workers forked from here must not inherit the writable status page. */
    stats_hide_from_children(env->st);
    signal(SIGPIPE, SIG_IGN);
    static struct job_scanner pool = {session_scan_begin, session_scan_end, NULL};
    pool.arg = env;
    env->je->scanner = &pool;
    __atomic_fetch_add(&env->st->sessions, 1, __ATOMIC_RELAXED);
    /* One request's whole work is bounded: three workers and a margin. */
    unsigned bound = 3 * env->je->pol.worker_deadline_seconds + 120;
    for (;;) {
        struct pollfd pf = {.fd = conn, .events = POLLIN};
        int r = poll(&pf, 1, (int)env->cfg->idle_seconds * 1000);
        if (r <= 0)
            break;
        struct proto_frame f;
        if (proto_recv(conn, SESSION_FRAME_MS, REQUEST_MAX, 1, &f) != MG_OK)
            break;
        alarm(bound);
        int rc = MG_ERR_PARSE;
        switch (f.type) {
        case PROTO_SANITIZE:
            rc = session_sanitize(conn, &f, peer, env);
            break;
        case PROTO_MAIL:
            rc = session_mail(conn, &f, peer, env);
            break;
        case PROTO_STATUS:
            rc = f.n_fds == 0 ? session_status(conn, env) : MG_ERR_PARSE;
            break;
        case PROTO_SHARE_NOTE:
            rc = session_share_note(conn, &f, peer, env);
            break;
        default:
            session_error(conn, "bad-request", "unknown request");
        }
        alarm(0);
        proto_frame_free(&f);
        if (rc != MG_OK)
            break;
    }
    __atomic_fetch_sub(&env->st->sessions, 1, __ATOMIC_RELAXED);
    close(conn);
}
