/*
 * request - payloads between mugaid and its clients (see request.h).
 */
#include "request.h"
#include "err.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

#define REQ_SANITIZE_MAGIC 0x31515352u /* "RSQ1" */
#define REQ_RESULT_MAGIC   0x31535252u /* "RRS1" */
#define REQ_MAIL_MAGIC     0x314d5252u /* "RRM1" */
#define REQ_ERROR_MAGIC    0x31455252u /* "RRE1" */
#define REQ_SCAN_MAGIC     0x31435352u /* "RSC1" */
#define REQ_PUT_MAGIC      0x31505352u /* "RSP1" */
#define REQ_ID_MAGIC       0x31495352u /* "RSI1" */
#define REQ_REVIEW_MAGIC   0x31565252u /* "RRV1" */
#define REQ_RREPLY_MAGIC   0x31595252u /* "RRY1" */

/* Control bytes in a text field become '?': safe for a terminal or a log. */
static void clean_text(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            *s = '?';
}

/* A counted list of passwords, each under REQUEST_PASSWORD_MAX. */
static void put_passwords(struct wire_w *w, const char *const *pw, size_t n)
{
    wire_put_u32(w, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        if (strlen(pw[i]) >= REQUEST_PASSWORD_MAX && w->err == MG_OK)
            w->err = MG_ERR_LIMIT;
        wire_put_str(w, pw[i]);
    }
}

static void get_passwords(struct wire_r *rd, uint32_t max, char ***out, size_t *n)
{
    uint32_t np = wire_get_enum(rd, max + 1);
    *out = NULL;
    *n = 0;
    if (rd->err != MG_OK || !np)
        return;
    if (!(*out = calloc(np, sizeof(char *)))) {
        rd->err = MG_ERR_NOMEM;
        return;
    }
    for (uint32_t i = 0; i < np && rd->err == MG_OK; i++) {
        char pw[REQUEST_PASSWORD_MAX];
        wire_get_str(rd, pw, sizeof(pw));
        if (rd->err == MG_OK && !((*out)[(*n)++] = strdup(pw)))
            rd->err = MG_ERR_NOMEM;
    }
}

static void free_passwords(char ***pw, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        free((*pw)[i]);
    free(*pw);
    *pw = NULL;
    *n = 0;
}

static int sanitize_encode(const char *name, enum ftype force, const char *const *passwords,
                           size_t n_passwords, uint32_t flags, const struct share_ref *share,
                           struct buf *out)
{
    struct wire_w w;
    if (n_passwords > REQUEST_PASSWORDS_MAX || strlen(name) >= REQUEST_NAME_MAX)
        return MG_ERR_LIMIT;
    wire_w_init(&w, out);
    wire_put_u32(&w, REQ_SANITIZE_MAGIC);
    wire_put_str(&w, name);
    wire_put_u32(&w, (uint32_t)force);
    put_passwords(&w, passwords, n_passwords);
    wire_put_u32(&w, flags | (share ? REQUEST_SHARE : 0));
    if (share) {
        wire_put_str(&w, share->user);
        wire_put_str(&w, share->path);
        wire_put_str(&w, share->intake);
    }
    return w.err;
}

int request_sanitize_encode(const char *name, enum ftype force, const char *const *passwords,
                            size_t n_passwords, uint32_t flags, struct buf *out)
{
    return sanitize_encode(name, force, passwords, n_passwords, flags & ~REQUEST_SHARE, NULL, out);
}

int request_sanitize_encode_share(const char *name, const struct share_ref *share, struct buf *out)
{
    return sanitize_encode(name, FT_UNKNOWN, NULL, 0, 0, share, out);
}

int request_share_path_ok(const char *path)
{
    size_t n = strlen(path);
    if (n == 0 || n >= REQUEST_PATH_MAX)
        return 0;
    for (const char *c = path; *c;) {
        const char *slash = strchr(c, '/');
        size_t len = slash ? (size_t)(slash - c) : strlen(c);
        if (len == 0 || len > 255 || (len == 1 && c[0] == '.') ||
            (len == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)c[i] < 0x20 || c[i] == 0x7F || c[i] == '\\')
                return 0;
        c += len;
        if (*c == '/' && !*++c)
            return 0; /* a trailing slash */
    }
    return 1;
}

int request_share_user_ok(const char *user)
{
    size_t n = strlen(user);
    if (n == 0 || n >= REQUEST_USER_MAX || user[0] == '-' || user[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = user[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* An intake name: lower-case hex and '-', as mugai-share makes them. */
static int intake_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || *s == '-'))
            return 0;
    return 1;
}

/* The last component of a share path. */
static const char *path_base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int request_sanitize_decode(const uint8_t *p, size_t n, struct sanitize_request *r)
{
    struct wire_r rd;
    memset(r, 0, sizeof(*r));
    wire_r_init(&rd, p, n);
    if (wire_get_u32(&rd) != REQ_SANITIZE_MAGIC)
        return MG_ERR_PARSE;
    wire_get_str(&rd, r->name, sizeof(r->name));
    r->force_type = (enum ftype)wire_get_enum(&rd, FT_COUNT);
    get_passwords(&rd, REQUEST_PASSWORDS_MAX, &r->passwords, &r->n_passwords);
    r->flags = wire_get_u32(&rd);
    if (r->flags & REQUEST_SHARE) {
        wire_get_str(&rd, r->share.user, sizeof(r->share.user));
        wire_get_str(&rd, r->share.path, sizeof(r->share.path));
        wire_get_str(&rd, r->share.intake, sizeof(r->share.intake));
    }
    /* A name is a base name for reports: no path, no control bytes. A
     * share file's is the last component of its path. */
    if (wire_end(&rd) != MG_OK || !r->name[0] || strchr(r->name, '/') ||
        ((r->flags & REQUEST_SHARE) &&
         (!request_share_user_ok(r->share.user) || !request_share_path_ok(r->share.path) ||
          !intake_ok(r->share.intake) || strcmp(path_base(r->share.path), r->name) != 0))) {
        request_sanitize_free(r);
        return MG_ERR_PARSE;
    }
    clean_text(r->name);
    return MG_OK;
}

void request_sanitize_free(struct sanitize_request *r)
{
    free_passwords(&r->passwords, &r->n_passwords);
}

static void put_scan(struct wire_w *w, int did, const struct scan_result *s)
{
    wire_put_u32(w, (uint32_t)did);
    wire_put_u32(w, (uint32_t)s->status);
    wire_put_str(w, s->name);
}

static int get_scan(struct wire_r *r, struct scan_result *s)
{
    int did = (int)wire_get_enum(r, 2);
    s->status = (enum scan_status)wire_get_enum(r, SCAN_ERROR + 1);
    wire_get_str(r, s->name, sizeof(s->name));
    clean_text(s->name);
    return did;
}

int request_result_encode(const struct job_result *res, struct buf *out)
{
    struct wire_w w;
    wire_w_init(&w, out);
    wire_put_u32(&w, REQ_RESULT_MAGIC);
    wire_put_u32(&w, (uint32_t)res->verdict);
    wire_put_u32(&w, (uint32_t)res->released);
    wire_put_str(&w, res->type);
    wire_put_str(&w, res->out_type);
    wire_put_reason(&w, res->reason_code);
    wire_put_str(&w, res->reason);
    wire_put_str(&w, res->summary);
    wire_put_str(&w, res->sha256_in);
    wire_put_str(&w, res->sha256_out);
    wire_put_u64(&w, res->size_in);
    wire_put_u64(&w, res->size_out);
    put_scan(&w, res->scanned_in, &res->scan_in);
    put_scan(&w, res->scanned_out, &res->scan_out);
    put_scan(&w, (int)(res->members_scanned != 0), &res->scan_member);
    wire_put_u32(&w, res->members_scanned);
    wire_put_str(&w, res->member_name);
    wire_put_u32(&w, res->in_fd >= 0);
    wire_put_u64(&w, (uint64_t)res->store_id);
    wire_put_bytes(&w, res->report.data, res->report.len);
    return w.err;
}

int request_result_decode(const uint8_t *p, size_t n, struct job_result *res)
{
    struct wire_r rd;
    size_t rlen;
    job_result_init(res);
    wire_r_init(&rd, p, n);
    if (wire_get_u32(&rd) != REQ_RESULT_MAGIC)
        return MG_ERR_PARSE;
    res->verdict = (enum verdict)wire_get_enum(&rd, VERDICT_BLOCKED + 1);
    res->released = (int)wire_get_enum(&rd, 2);
    wire_get_str(&rd, res->type, sizeof(res->type));
    wire_get_str(&rd, res->out_type, sizeof(res->out_type));
    res->reason_code = wire_get_reason(&rd);
    wire_get_str(&rd, res->reason, sizeof(res->reason));
    wire_get_str(&rd, res->summary, sizeof(res->summary));
    wire_get_str(&rd, res->sha256_in, sizeof(res->sha256_in));
    wire_get_str(&rd, res->sha256_out, sizeof(res->sha256_out));
    res->size_in = wire_get_u64(&rd);
    res->size_out = wire_get_u64(&rd);
    res->scanned_in = get_scan(&rd, &res->scan_in);
    res->scanned_out = get_scan(&rd, &res->scan_out);
    get_scan(&rd, &res->scan_member);
    res->members_scanned = wire_get_u32(&rd);
    wire_get_str(&rd, res->member_name, sizeof(res->member_name));
    int has_in = (int)wire_get_enum(&rd, 2);
    res->store_id = (int64_t)(wire_get_u64(&rd) & INT64_MAX);
    const uint8_t *rep = wire_get_bytes(&rd, JOB_REPORT_MAX, &rlen);
    if (wire_end(&rd) != MG_OK || (rlen && buf_append(&res->report, rep, rlen) != MG_OK))
        return MG_ERR_PARSE;
    /* The descriptors are attached by the caller; -2 marks "expected". */
    res->in_fd = has_in ? -2 : -1;
    clean_text(res->type);
    clean_text(res->out_type);
    clean_text(res->reason);
    clean_text(res->summary);
    clean_text(res->member_name);
    return MG_OK;
}

int request_mail_reply_encode(const struct mail_reply *m, struct buf *out)
{
    struct wire_w w;
    wire_w_init(&w, out);
    wire_put_u32(&w, REQ_MAIL_MAGIC);
    wire_put_u32(&w, (uint32_t)m->status);
    wire_put_reason(&w, m->reason_code);
    wire_put_str(&w, m->reason);
    wire_put_str(&w, m->sha256);
    wire_put_bytes(&w, m->json.data, m->json.len);
    return w.err;
}

int request_mail_reply_decode(const uint8_t *p, size_t n, struct mail_reply *m)
{
    struct wire_r rd;
    size_t jl;
    wire_r_init(&rd, p, n);
    if (wire_get_u32(&rd) != REQ_MAIL_MAGIC)
        return MG_ERR_PARSE;
    m->status = (int)wire_get_u32(&rd);
    m->reason_code = wire_get_reason(&rd);
    wire_get_str(&rd, m->reason, sizeof(m->reason));
    wire_get_str(&rd, m->sha256, sizeof(m->sha256));
    const uint8_t *j = wire_get_bytes(&rd, 2 * JOB_REPORT_MAX, &jl);
    if (wire_end(&rd) != MG_OK || (m->status != 0 && m->status != 1 && m->status != 75))
        return MG_ERR_PARSE;
    buf_reset(&m->json);
    if (jl && buf_append(&m->json, j, jl) != MG_OK)
        return MG_ERR_NOMEM;
    clean_text(m->reason);
    return MG_OK;
}

int request_error_encode(const char *code, const char *reason, struct buf *out)
{
    struct wire_w w;
    wire_w_init(&w, out);
    wire_put_u32(&w, REQ_ERROR_MAGIC);
    wire_put_str(&w, code);
    wire_put_str(&w, reason);
    return w.err;
}

int request_error_decode(const uint8_t *p, size_t n, char *code, size_t ccap, char *reason,
                         size_t rcap)
{
    struct wire_r rd;
    wire_r_init(&rd, p, n);
    if (wire_get_u32(&rd) != REQ_ERROR_MAGIC)
        return MG_ERR_PARSE;
    wire_get_str(&rd, code, ccap);
    wire_get_str(&rd, reason, rcap);
    if (wire_end(&rd) != MG_OK)
        return MG_ERR_PARSE;
    clean_text(code);
    clean_text(reason);
    return MG_OK;
}

int request_scan_encode(const struct job_scan_req *req, uint32_t mask, struct buf *out)
{
    struct wire_w w;
    wire_w_init(&w, out);
    wire_put_u32(&w, REQ_SCAN_MAGIC);
    wire_put_u32(&w, (uint32_t)req->scan_in);
    wire_put_u32(&w, (uint32_t)req->scan_out);
    wire_put_u64(&w, req->members_len);
    wire_put_u32(&w, mask);
    return w.err;
}

int request_scan_decode(const uint8_t *p, size_t n, struct job_scan_req *req, uint32_t *mask)
{
    struct wire_r rd;
    memset(req, 0, sizeof(*req));
    req->in_fd = req->out_fd = req->members_fd = -1;
    wire_r_init(&rd, p, n);
    if (wire_get_u32(&rd) != REQ_SCAN_MAGIC)
        return MG_ERR_PARSE;
    req->scan_in = (int)wire_get_enum(&rd, 2);
    req->scan_out = (int)wire_get_enum(&rd, 2);
    req->members_len = wire_get_u64(&rd);
    *mask = wire_get_enum(&rd, 8);
    return wire_end(&rd);
}

#define REQ_ENVELOPE_MAGIC 0x31455652u /* "RVE1" */

int request_mail_encode(const struct mail_envelope *e, struct buf *out)
{
    struct wire_w w;
    wire_w_init(&w, out);
    wire_put_u32(&w, REQ_ENVELOPE_MAGIC);
    wire_put_str(&w, e->sender);
    wire_put_str(&w, e->recipients);
    wire_put_u32(&w, e->flags);
    if (e->n_passwords > REVIEW_PASSWORDS_MAX)
        return MG_ERR_LIMIT;
    put_passwords(&w, (const char *const *)e->passwords, e->n_passwords);
    return w.err;
}

/* Addresses: printable, no spaces; recipients one per line. */
static void clean_address_list(char *s)
{
    for (; *s; s++)
        if ((*s != '\n' && (unsigned char)*s <= 0x20) || *s == 0x7F)
            *s = '?';
}

int request_mail_decode(const uint8_t *p, size_t n, struct mail_envelope *e)
{
    struct wire_r rd;
    memset(e, 0, sizeof(*e));
    if (n == 0)
        return MG_OK; /* no envelope given */
    wire_r_init(&rd, p, n);
    if (wire_get_u32(&rd) != REQ_ENVELOPE_MAGIC)
        return MG_ERR_PARSE;
    wire_get_str(&rd, e->sender, sizeof(e->sender));
    wire_get_str(&rd, e->recipients, sizeof(e->recipients));
    e->flags = wire_get_u32(&rd);
    get_passwords(&rd, REVIEW_PASSWORDS_MAX, &e->passwords, &e->n_passwords);
    if (wire_end(&rd) != MG_OK || strchr(e->sender, '\n')) {
        request_mail_free(e);
        return MG_ERR_PARSE;
    }
    clean_address_list(e->sender);
    clean_address_list(e->recipients);
    return MG_OK;
}

void request_mail_free(struct mail_envelope *e)
{
    free_passwords(&e->passwords, &e->n_passwords);
}

int request_store_put_encode(const struct store_put_request *r, struct buf *out)
{
    struct wire_w w;
    wire_w_init(&w, out);
    wire_put_u32(&w, REQ_PUT_MAGIC);
    wire_put_str(&w, r->source);
    wire_put_u64(&w, (uint64_t)r->owner_uid);
    wire_put_str(&w, r->sender);
    wire_put_str(&w, r->recipients);
    wire_put_str(&w, r->name);
    wire_put_str(&w, r->type);
    wire_put_reason(&w, r->reason_code);
    wire_put_u32(&w, r->kept);
    wire_put_bytes(&w, r->report.data, r->report.len);
    wire_put_str(&w, r->path);
    wire_put_str(&w, r->intake);
    return w.err;
}

int request_store_put_decode(const uint8_t *p, size_t n, struct store_put_request *r)
{
    struct wire_r rd;
    size_t rlen;
    buf_init(&r->report, JOB_REPORT_MAX + 1);
    wire_r_init(&rd, p, n);
    if (wire_get_u32(&rd) != REQ_PUT_MAGIC)
        return MG_ERR_PARSE;
    wire_get_str(&rd, r->source, sizeof(r->source));
    r->owner_uid = (int64_t)wire_get_u64(&rd);
    wire_get_str(&rd, r->sender, sizeof(r->sender));
    wire_get_str(&rd, r->recipients, sizeof(r->recipients));
    wire_get_str(&rd, r->name, sizeof(r->name));
    wire_get_str(&rd, r->type, sizeof(r->type));
    r->reason_code = wire_get_reason(&rd);
    r->kept = wire_get_enum(&rd, 2);
    const uint8_t *rep = wire_get_bytes(&rd, JOB_REPORT_MAX, &rlen);
    wire_get_str(&rd, r->path, sizeof(r->path));
    wire_get_str(&rd, r->intake, sizeof(r->intake));
    if (wire_end(&rd) != MG_OK || (r->path[0] && !request_share_path_ok(r->path)) ||
        (r->intake[0] && !intake_ok(r->intake)))
        return MG_ERR_PARSE;
    clean_text(r->name);
    clean_text(r->sender);
    clean_text(r->type);
    /* Recipients are one per line; nothing else below 0x20. */
    for (char *c = r->recipients; *c; c++)
        if (((unsigned char)*c < 0x20 && *c != '\n') || *c == 0x7F)
            *c = '?';
    if (buf_append(&r->report, rep ? rep : (const uint8_t *)"", rlen) != MG_OK ||
        buf_putc(&r->report, 0) != MG_OK)
        return MG_ERR_LIMIT;
    r->report.len--;
    return MG_OK;
}

#define REQ_PPAP_MAGIC 0x31505052u /* "RPP1" */

int request_ppap_encode(const struct ppap_request *r, struct buf *out)
{
    struct wire_w w;
    if (r->n_passwords > REVIEW_PASSWORDS_MAX)
        return MG_ERR_LIMIT;
    wire_w_init(&w, out);
    wire_put_u32(&w, REQ_PPAP_MAGIC);
    wire_put_str(&w, r->sender);
    wire_put_str(&w, r->recipients);
    wire_put_u32(&w, r->window_seconds);
    wire_put_str(&w, r->exclude_sha256);
    put_passwords(&w, (const char *const *)r->passwords, r->n_passwords);
    return w.err;
}

int request_ppap_decode(const uint8_t *p, size_t n, struct ppap_request *r)
{
    struct wire_r rd;
    memset(r, 0, sizeof(*r));
    wire_r_init(&rd, p, n);
    if (wire_get_u32(&rd) != REQ_PPAP_MAGIC)
        return MG_ERR_PARSE;
    wire_get_str(&rd, r->sender, sizeof(r->sender));
    wire_get_str(&rd, r->recipients, sizeof(r->recipients));
    r->window_seconds = wire_get_u32(&rd);
    wire_get_str(&rd, r->exclude_sha256, sizeof(r->exclude_sha256));
    get_passwords(&rd, REVIEW_PASSWORDS_MAX, &r->passwords, &r->n_passwords);
    if (wire_end(&rd) != MG_OK) {
        request_ppap_free(r);
        return MG_ERR_PARSE;
    }
    return MG_OK;
}

void request_ppap_free(struct ppap_request *r)
{
    free_passwords(&r->passwords, &r->n_passwords);
}

int request_store_id_encode(int64_t id, const char *why, struct buf *out)
{
    struct wire_w w;
    wire_w_init(&w, out);
    wire_put_u32(&w, REQ_ID_MAGIC);
    wire_put_u64(&w, (uint64_t)id);
    wire_put_str(&w, why ? why : "");
    return w.err;
}

int request_store_id_decode(const uint8_t *p, size_t n, int64_t *id, char *why, size_t cap)
{
    struct wire_r rd;
    wire_r_init(&rd, p, n);
    if (wire_get_u32(&rd) != REQ_ID_MAGIC)
        return MG_ERR_PARSE;
    *id = (int64_t)wire_get_u64(&rd);
    wire_get_str(&rd, why, cap);
    if (wire_end(&rd) != MG_OK || *id < 0)
        return MG_ERR_PARSE;
    clean_text(why);
    return MG_OK;
}

int request_review_encode(const struct review_request *r, struct buf *out)
{
    struct wire_w w;
    wire_w_init(&w, out);
    wire_put_u32(&w, REQ_REVIEW_MAGIC);
    wire_put_str(&w, r->verb);
    wire_put_u64(&w, (uint64_t)r->id);
    wire_put_str(&w, r->reason);
    wire_put_str(&w, r->state);
    wire_put_u64(&w, (uint64_t)r->since);
    wire_put_u32(&w, r->json);
    if (r->n_passwords > REVIEW_PASSWORDS_MAX)
        return MG_ERR_LIMIT;
    put_passwords(&w, (const char *const *)r->passwords, r->n_passwords);
    return w.err;
}

int request_review_decode(const uint8_t *p, size_t n, struct review_request *r)
{
    struct wire_r rd;
    memset(r, 0, sizeof(*r));
    wire_r_init(&rd, p, n);
    if (wire_get_u32(&rd) != REQ_REVIEW_MAGIC)
        return MG_ERR_PARSE;
    wire_get_str(&rd, r->verb, sizeof(r->verb));
    r->id = (int64_t)wire_get_u64(&rd);
    wire_get_str(&rd, r->reason, sizeof(r->reason));
    wire_get_str(&rd, r->state, sizeof(r->state));
    r->since = (int64_t)wire_get_u64(&rd);
    r->json = wire_get_enum(&rd, 2);
    get_passwords(&rd, REVIEW_PASSWORDS_MAX, &r->passwords, &r->n_passwords);
    if (wire_end(&rd) != MG_OK) {
        request_review_free(r);
        return MG_ERR_PARSE;
    }
    clean_text(r->reason); /* it goes into the audit log and the index */
    return MG_OK;
}

void request_review_free(struct review_request *r)
{
    free_passwords(&r->passwords, &r->n_passwords);
}

int request_review_reply_encode(uint32_t ok, const char *name, const void *text, size_t len,
                                struct buf *out)
{
    struct wire_w w;
    wire_w_init(&w, out);
    wire_put_u32(&w, REQ_RREPLY_MAGIC);
    wire_put_u32(&w, ok);
    wire_put_str(&w, name ? name : "");
    wire_put_bytes(&w, text, len);
    return w.err;
}

int request_review_reply_decode(const uint8_t *p, size_t n, uint32_t *ok, char *name,
                                size_t namecap, struct buf *text)
{
    struct wire_r rd;
    size_t tlen;
    wire_r_init(&rd, p, n);
    if (wire_get_u32(&rd) != REQ_RREPLY_MAGIC)
        return MG_ERR_PARSE;
    *ok = wire_get_enum(&rd, 2);
    wire_get_str(&rd, name, namecap);
    const uint8_t *t = wire_get_bytes(&rd, REVIEW_REPLY_MAX, &tlen);
    if (wire_end(&rd) != MG_OK)
        return MG_ERR_PARSE;
    clean_text(name);
    return buf_append(text, t ? t : (const uint8_t *)"", tlen);
}

#define REQ_NOTE_MAGIC 0x31484e52u /* "RNH1" */

int request_share_note_encode(const struct share_note *n, struct buf *out)
{
    struct wire_w w;
    wire_w_init(&w, out);
    wire_put_u32(&w, REQ_NOTE_MAGIC);
    wire_put_str(&w, n->event);
    wire_put_str(&w, n->share.user);
    wire_put_str(&w, n->share.path);
    wire_put_str(&w, n->share.intake);
    wire_put_str(&w, n->output);
    wire_put_str(&w, n->sha256);
    wire_put_str(&w, n->sha256_out);
    wire_put_u64(&w, n->size);
    wire_put_u64(&w, (uint64_t)n->store_id);
    wire_put_str(&w, n->reason);
    wire_put_str(&w, n->detail);
    return w.err;
}

int request_share_note_decode(const uint8_t *p, size_t n, struct share_note *note)
{
    struct wire_r rd;
    memset(note, 0, sizeof(*note));
    wire_r_init(&rd, p, n);
    if (wire_get_u32(&rd) != REQ_NOTE_MAGIC)
        return MG_ERR_PARSE;
    wire_get_str(&rd, note->event, sizeof(note->event));
    wire_get_str(&rd, note->share.user, sizeof(note->share.user));
    wire_get_str(&rd, note->share.path, sizeof(note->share.path));
    wire_get_str(&rd, note->share.intake, sizeof(note->share.intake));
    wire_get_str(&rd, note->output, sizeof(note->output));
    wire_get_str(&rd, note->sha256, sizeof(note->sha256));
    wire_get_str(&rd, note->sha256_out, sizeof(note->sha256_out));
    note->size = wire_get_u64(&rd);
    note->store_id = (int64_t)(wire_get_u64(&rd) & INT64_MAX);
    wire_get_str(&rd, note->reason, sizeof(note->reason));
    wire_get_str(&rd, note->detail, sizeof(note->detail));
    if (wire_end(&rd) != MG_OK ||
        (note->share.user[0] && !request_share_user_ok(note->share.user)) ||
        (note->share.path[0] && !request_share_path_ok(note->share.path)) ||
        (note->output[0] && !request_share_path_ok(note->output)) ||
        (note->share.intake[0] && !intake_ok(note->share.intake)))
        return MG_ERR_PARSE;
    clean_text(note->event);
    clean_text(note->sha256);
    clean_text(note->sha256_out);
    clean_text(note->reason);
    clean_text(note->detail);
    return MG_OK;
}
