/*
 * job_result - a job's result: made, blocked, freed, and written as the
 * JSON line for one input (format documented in README.md). Apart from the
 * pipeline (job.c) so that clients of the daemon can use it alone.
 */
#include "err.h"
#include "job.h"
#include "json.h"
#include "jsoncheck.h"
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

static void job_json_scan(struct json *j, const char *key, int did, const struct scan_result *s)
{
    json_key(j, key);
    if (!did) {
        json_null(j);
        return;
    }
    json_obj(j);
    json_kv_str(j, "status", scan_status_name(s->status));
    if (s->status != SCAN_CLEAN)
        json_kv_str(j, "name", s->name);
    json_obj_end(j);
}

/* "members": how many members were scanned as extracted, and the worst. */
static void job_json_members(struct json *j, const struct job_result *res)
{
    json_kv_obj(j, "members");
    json_kv_uint(j, "scanned", res->members_scanned);
    json_kv_str(j, "status", scan_status_name(res->scan_member.status));
    if (res->scan_member.status != SCAN_CLEAN) {
        json_kv_str(j, "name", res->scan_member.name);
        json_kv_str(j, "member", res->member_name);
    }
    json_obj_end(j);
}

int job_result_json(const struct job_result *res, const char *input, const char *output,
                    const char *quarantined, struct buf *out)
{
    int blocked = res->verdict == VERDICT_BLOCKED;
    struct json j;
    json_init(&j, out);
    json_obj(&j);
    json_kv_str(&j, "input", input);
    json_kv_str(&j, "output", output);
    json_kv_str(&j, "verdict", report_verdict_name(res->verdict));
    json_kv_str(&j, "type", res->type);
    json_kv_str(&j, "output_type", res->released ? res->out_type : NULL);
    json_kv_str(&j, "reason_code", blocked ? reason_code(res->reason_code) : NULL);
    json_kv_str(&j, "reason", blocked ? res->reason : NULL);
    json_kv_uint(&j, "size", res->size_in);
    json_kv_str(&j, "sha256", res->sha256_in[0] ? res->sha256_in : NULL);
    if (res->released)
        json_kv_uint(&j, "size_out", res->size_out);
    json_kv_str(&j, "sha256_out", res->released ? res->sha256_out : NULL);
    json_kv_obj(&j, "scan");
    json_kv_str(&j, "engine", "clamav");
    job_json_scan(&j, "input", res->scanned_in, &res->scan_in);
    job_json_scan(&j, "output", res->scanned_out, &res->scan_out);
    job_json_members(&j, res);
    json_obj_end(&j);
    json_kv_str(&j, "quarantine", quarantined);
    if (res->store_id > 0)
        json_kv_int(&j, "quarantine_id", res->store_id);
    json_key(&j, "report");
    if (res->report.len)
        json_raw(&j, res->report.data, res->report.len, jsoncheck_valid);
    else
        json_null(&j);
    json_obj_end(&j);
    return json_end(&j);
}
