/*
 * job_wire - the records the job's workers send (see job_wire.h).
 */
#include "job_wire.h"
#include "err.h"
#include "fdio.h"
#include "ftype.h"
#include "wire.h"

#include <stdbool.h>
#include <string.h>

/* Control bytes in a text field become '?': safe for a terminal or a log. */
static void clean_text(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            *s = '?';
}

static int send_rec(int fd, struct wire_w *w)
{
    if (w->err != MG_OK)
        return w->err;
    return fdio_write_all(fd, w->b->data, w->b->len);
}

/* Starts reading a record: true if it begins with the magic expected. */
static bool rec_open(struct wire_r *rd, const uint8_t *p, size_t n, uint32_t magic)
{
    wire_r_init(rd, p, n);
    return wire_get_u32(rd) == magic;
}

static void put_scan(struct wire_w *w, const struct scan_result *s)
{
    wire_put_u32(w, (uint32_t)s->status);
    wire_put_str(w, s->name);
}

static void get_scan(struct wire_r *r, struct scan_result *s)
{
    s->status = (enum scan_status)wire_get_enum(r, SCAN_ERROR + 1);
    wire_get_str(r, s->name, sizeof(s->name));
    clean_text(s->name);
}

int job_san_rec_write(int fd, const struct job_san_rec *r)
{
    struct buf b;
    struct wire_w w;
    buf_init(&b, JOB_REPORT_MAX + JOB_RECORD_EXTRA);
    wire_w_init(&w, &b);
    wire_put_u32(&w, JOB_SAN_MAGIC);
    wire_put_u32(&w, (uint32_t)r->rc);
    wire_put_u32(&w, r->verdict);
    wire_put_u32(&w, r->in_type);
    wire_put_u32(&w, r->out_type);
    wire_put_u64(&w, r->out_len);
    wire_put_u64(&w, r->members_len);
    wire_put_u32(&w, r->members_failed);
    wire_put_reason(&w, r->reason_code);
    wire_put_str(&w, r->reason);
    wire_put_str(&w, r->summary);
    wire_put_bytes(&w, r->report, r->report_len);
    int rc = send_rec(fd, &w);
    buf_free(&b);
    return rc;
}

int job_san_rec_parse(const uint8_t *p, size_t n, struct job_san_rec *r)
{
    struct wire_r rd;
    memset(r, 0, sizeof(*r));
    if (!rec_open(&rd, p, n, JOB_SAN_MAGIC))
        return MG_ERR_SANDBOX;
    r->rc = (int32_t)wire_get_u32(&rd);
    r->verdict = wire_get_enum(&rd, VERDICT_BLOCKED + 1);
    r->in_type = wire_get_enum(&rd, FT_COUNT);
    r->out_type = wire_get_enum(&rd, FT_COUNT);
    r->out_len = wire_get_u64(&rd);
    r->members_len = wire_get_u64(&rd);
    r->members_failed = wire_get_enum(&rd, 2);
    r->reason_code = wire_get_reason(&rd);
    wire_get_str(&rd, r->reason, sizeof(r->reason));
    wire_get_str(&rd, r->summary, sizeof(r->summary));
    r->report = wire_get_bytes(&rd, JOB_REPORT_MAX, &r->report_len);
    if (wire_end(&rd) != MG_OK)
        return MG_ERR_SANDBOX;
    clean_text(r->reason);
    clean_text(r->summary);
    return MG_OK;
}

int job_verify_rec_write(int fd, const struct job_verify_rec *r)
{
    struct buf b;
    struct wire_w w;
    buf_init(&b, JOB_RECORD_EXTRA);
    wire_w_init(&w, &b);
    wire_put_u32(&w, JOB_VERIFY_MAGIC);
    wire_put_u32(&w, (uint32_t)r->rc);
    wire_put_u32(&w, r->got_type);
    wire_put_str(&w, r->why);
    int rc = send_rec(fd, &w);
    buf_free(&b);
    return rc;
}

int job_verify_rec_parse(const uint8_t *p, size_t n, struct job_verify_rec *r)
{
    struct wire_r rd;
    memset(r, 0, sizeof(*r));
    if (!rec_open(&rd, p, n, JOB_VERIFY_MAGIC))
        return MG_ERR_SANDBOX;
    r->rc = (int32_t)wire_get_u32(&rd);
    r->got_type = wire_get_enum(&rd, FT_COUNT);
    wire_get_str(&rd, r->why, sizeof(r->why));
    if (wire_end(&rd) != MG_OK)
        return MG_ERR_SANDBOX;
    clean_text(r->why);
    return MG_OK;
}

int job_scan_rec_encode(const struct job_scan_rec *r, struct buf *b)
{
    struct wire_w w;
    wire_w_init(&w, b);
    wire_put_u32(&w, JOB_SCAN_MAGIC);
    wire_put_u32(&w, r->did_in);
    put_scan(&w, &r->in);
    wire_put_u32(&w, r->did_out);
    put_scan(&w, &r->out);
    wire_put_u32(&w, r->members_scanned);
    put_scan(&w, &r->member);
    wire_put_str(&w, r->member_name);
    return w.err;
}

int job_scan_rec_write(int fd, const struct job_scan_rec *r)
{
    struct buf b;
    buf_init(&b, JOB_RECORD_EXTRA);
    int rc = job_scan_rec_encode(r, &b);
    if (rc == MG_OK)
        rc = fdio_write_all(fd, b.data, b.len);
    buf_free(&b);
    return rc;
}

int job_scan_rec_parse(const uint8_t *p, size_t n, struct job_scan_rec *r)
{
    struct wire_r rd;
    memset(r, 0, sizeof(*r));
    if (!rec_open(&rd, p, n, JOB_SCAN_MAGIC))
        return MG_ERR_SANDBOX;
    r->did_in = wire_get_enum(&rd, 2);
    get_scan(&rd, &r->in);
    r->did_out = wire_get_enum(&rd, 2);
    get_scan(&rd, &r->out);
    r->members_scanned = wire_get_u32(&rd);
    get_scan(&rd, &r->member);
    wire_get_str(&rd, r->member_name, sizeof(r->member_name));
    if (wire_end(&rd) != MG_OK)
        return MG_ERR_SANDBOX;
    clean_text(r->member_name);
    return MG_OK;
}
