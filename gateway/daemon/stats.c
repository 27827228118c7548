/*
 * stats - the shared status page (see stats.h).
 */
#include "stats.h"
#include "err.h"
#include "report.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

struct stats *stats_create(void)
{
    void *p = mmap(NULL, sizeof(struct stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    memset(p, 0, sizeof(struct stats));
    return p;
}

void stats_hide_from_children(struct stats *st)
{
    if (st)
        madvise(st, sizeof(*st), MADV_DONTFORK);
}

static int kv_str(struct buf *out, const char *key, const char *v)
{
    int rc = buf_printf(out, ",\"%s\":", key);
    return rc == MG_OK ? (v && *v ? report_json_string(out, v) : buf_puts(out, "null")) : rc;
}

int stats_json(const struct stats *st, int clock_synced, struct buf *out)
{
    static const char *verdicts[4] = {"clean", "sanitized", "flattened", "blocked"};
    char copy[1024];
    int64_t now = (int64_t)time(NULL);
    int rc = buf_printf(out, "{\"ready\":%s,\"uptime_seconds\":%lld",
                        st->engine_ready ? "true" : "false", (long long)(now - st->started_at));
    /* Strings copied first: another process may be writing them. */
    snprintf(copy, sizeof(copy), "%s", st->policy_file);
    if (rc == MG_OK)
        rc = kv_str(out, "policy_file", copy[0] ? copy : "(built-in)");
    snprintf(copy, sizeof(copy), "%s", st->policy_sha256);
    if (rc == MG_OK)
        rc = kv_str(out, "policy_sha256", copy);
    snprintf(copy, sizeof(copy), "%s", st->db_dir);
    if (rc == MG_OK)
        rc = kv_str(out, "db_dir", copy);
    snprintf(copy, sizeof(copy), "%s", st->db_version);
    if (rc == MG_OK)
        rc = kv_str(out, "db_version", copy);
    if (rc == MG_OK)
        rc = buf_printf(out,
                        ",\"db_age_days\":%lld,\"db_signatures\":%u,\"db_generation\":%u,"
                        "\"db_reload_failures\":%u,\"policy_reload_failures\":%u",
                        st->db_built_at ? (long long)((now - st->db_built_at) / 86400) : -1LL,
                        st->db_signatures, st->db_generation, st->db_reload_failures,
                        st->policy_reload_failures);
    if (rc == MG_OK)
        rc = buf_printf(out,
                        ",\"scanners\":%u,\"scanners_busy\":%u,\"scan_queue\":%u,"
                        "\"scanners_started\":%llu,\"sessions\":%llu,\"jobs_in_flight\":%llu,"
                        "\"jobs_done\":%llu,\"clock_synchronized\":%s",
                        st->scanners, st->scanners_busy, st->scan_queue,
                        (unsigned long long)st->scanners_started, (unsigned long long)st->sessions,
                        (unsigned long long)st->jobs_in_flight, (unsigned long long)st->jobs_done,
                        clock_synced < 0 ? "null"
                        : clock_synced   ? "true"
                                         : "false");
    if (rc == MG_OK)
        rc = buf_puts(out, ",\"verdicts\":{");
    for (int i = 0; i < 4 && rc == MG_OK; i++)
        rc = buf_printf(out, "%s\"%s\":%llu", i ? "," : "", verdicts[i],
                        (unsigned long long)st->by_verdict[i]);
    if (rc == MG_OK)
        rc = buf_puts(out, "}}");
    return rc;
}
