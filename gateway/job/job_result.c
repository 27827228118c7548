/*
 * job_result - a job's result: made, blocked, freed, and written as the
 * JSON line for one input (format documented in README.md). Apart from the
 * pipeline (job.c) so that clients of the daemon can use it alone.
 */
#include "err.h"
#include "job.h"
#include "report.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void job_strlcpy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

void job_result_init(struct job_result *res)
{
    memset(res, 0, sizeof(*res));
    res->in_fd = -1;
    res->out_fd = -1;
    res->verdict = VERDICT_BLOCKED;
    buf_init(&res->report, JOB_REPORT_MAX);
    job_strlcpy(res->type, sizeof(res->type), "unknown");
}

void job_result_free(struct job_result *res)
{
    if (res->out_fd >= 0)
        close(res->out_fd);
    if (res->in_fd >= 0)
        close(res->in_fd);
    res->out_fd = res->in_fd = -1;
    buf_free(&res->report);
}

void job_block(struct job_result *res, enum reason code, const char *fmt, const char *arg)
{
    /* The first reason stands, except that finding malware outranks any
     * other reason: that is what a reviewer must see first. */
    if (res->verdict == VERDICT_BLOCKED && res->reason_code != REASON_NONE &&
        code != REASON_INFECTED)
        return;
    res->verdict = VERDICT_BLOCKED;
    res->released = 0;
    res->reason_code = code != REASON_NONE ? code : REASON_INTERNAL;
    snprintf(res->reason, sizeof(res->reason), fmt, arg);
}

static int job_json_kv(struct buf *out, const char *key, const char *val)
{
    int rc = buf_printf(out, ",\"%s\":", key);
    if (rc == MG_OK)
        rc = val ? report_json_string(out, val) : buf_puts(out, "null");
    return rc;
}

static int job_json_scan(struct buf *out, const char *key, int did, const struct scan_result *s)
{
    if (!did)
        return buf_printf(out, ",\"%s\":null", key);
    int rc = buf_printf(out, ",\"%s\":{\"status\":\"%s\"", key, scan_status_name(s->status));
    if (rc == MG_OK && s->status != SCAN_CLEAN)
        rc = job_json_kv(out, "name", s->name);
    if (rc == MG_OK)
        rc = buf_putc(out, '}');
    return rc;
}

/* "members": how many members were scanned as extracted, and the worst. */
static int job_json_members(struct buf *out, const struct job_result *res)
{
    int rc = buf_printf(out, ",\"members\":{\"scanned\":%u,\"status\":\"%s\"",
                        (unsigned)res->members_scanned, scan_status_name(res->scan_member.status));
    if (rc == MG_OK && res->scan_member.status != SCAN_CLEAN) {
        rc = job_json_kv(out, "name", res->scan_member.name);
        if (rc == MG_OK)
            rc = job_json_kv(out, "member", res->member_name);
    }
    if (rc == MG_OK)
        rc = buf_putc(out, '}');
    return rc;
}

int job_result_json(const struct job_result *res, const char *input, const char *output,
                    const char *quarantined, struct buf *out)
{
    int blocked = res->verdict == VERDICT_BLOCKED;
    int rc = buf_puts(out, "{\"input\":");
    if (rc == MG_OK)
        rc = report_json_string(out, input);
    if (rc == MG_OK)
        rc = job_json_kv(out, "output", output);
    if (rc == MG_OK)
        rc = job_json_kv(out, "verdict", report_verdict_name(res->verdict));
    if (rc == MG_OK)
        rc = job_json_kv(out, "type", res->type);
    if (rc == MG_OK)
        rc = job_json_kv(out, "output_type", res->released ? res->out_type : NULL);
    if (rc == MG_OK)
        rc = job_json_kv(out, "reason_code", blocked ? reason_code(res->reason_code) : NULL);
    if (rc == MG_OK)
        rc = job_json_kv(out, "reason", blocked ? res->reason : NULL);
    if (rc == MG_OK)
        rc = buf_printf(out, ",\"size\":%llu", (unsigned long long)res->size_in);
    if (rc == MG_OK)
        rc = job_json_kv(out, "sha256", res->sha256_in[0] ? res->sha256_in : NULL);
    if (rc == MG_OK && res->released)
        rc = buf_printf(out, ",\"size_out\":%llu", (unsigned long long)res->size_out);
    if (rc == MG_OK)
        rc = job_json_kv(out, "sha256_out", res->released ? res->sha256_out : NULL);
    if (rc == MG_OK)
        rc = buf_puts(out, ",\"scan\":{\"engine\":\"clamav\"");
    if (rc == MG_OK)
        rc = job_json_scan(out, "input", res->scanned_in, &res->scan_in);
    if (rc == MG_OK)
        rc = job_json_scan(out, "output", res->scanned_out, &res->scan_out);
    if (rc == MG_OK)
        rc = job_json_members(out, res);
    if (rc == MG_OK)
        rc = buf_putc(out, '}');
    if (rc == MG_OK)
        rc = job_json_kv(out, "quarantine", quarantined);
    if (rc == MG_OK && res->store_id > 0)
        rc = buf_printf(out, ",\"quarantine_id\":%lld", (long long)res->store_id);
    if (rc == MG_OK)
        rc = buf_puts(out, ",\"report\":");
    if (rc == MG_OK)
        rc = res->report.len ? buf_append(out, res->report.data, res->report.len)
                             : buf_puts(out, "null");
    if (rc == MG_OK)
        rc = buf_putc(out, '}');
    return rc;
}
