/*
 * stats - the shared status page (see stats.h).
 */
#include "stats.h"
#include "err.h"
#include "json.h"

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

/* A string copied first (another process may be writing it); an empty
 * one is written as if_empty (NULL: null). */
static void kv_copy(struct json *j, const char *key, const char *v, size_t cap,
                    const char *if_empty)
{
    char copy[CONFIG_PATH_MAX];
    snprintf(copy, sizeof(copy), "%.*s", (int)(cap < sizeof(copy) ? cap : sizeof(copy)), v);
    json_kv_str(j, key, copy[0] ? copy : if_empty);
}

int stats_json(const struct stats *st, int clock_synced, struct buf *out)
{
    static const char *verdicts[4] = {"clean", "sanitized", "flattened", "blocked"};
    int64_t now = (int64_t)time(NULL);
    struct json j;
    json_init(&j, out);
    json_obj(&j);
    json_kv_bool(&j, "ready", st->engine_ready);
    json_kv_int(&j, "uptime_seconds", now - st->started_at);
    kv_copy(&j, "policy_file", st->policy_file, sizeof(st->policy_file), "(built-in)");
    kv_copy(&j, "policy_sha256", st->policy_sha256, sizeof(st->policy_sha256), NULL);
    kv_copy(&j, "db_dir", st->db_dir, sizeof(st->db_dir), NULL);
    kv_copy(&j, "db_version", st->db_version, sizeof(st->db_version), NULL);
    json_kv_int(&j, "db_age_days", st->db_built_at ? (now - st->db_built_at) / 86400 : -1);
    json_kv_uint(&j, "db_signatures", st->db_signatures);
    json_kv_uint(&j, "db_generation", st->db_generation);
    json_kv_uint(&j, "db_reload_failures", st->db_reload_failures);
    json_kv_uint(&j, "policy_reload_failures", st->policy_reload_failures);
    json_kv_uint(&j, "scanners", st->scanners);
    json_kv_uint(&j, "scanners_busy", st->scanners_busy);
    json_kv_uint(&j, "scan_queue", st->scan_queue);
    json_kv_uint(&j, "scanners_started", st->scanners_started);
    json_kv_uint(&j, "sessions", st->sessions);
    json_kv_uint(&j, "jobs_in_flight", st->jobs_in_flight);
    json_kv_uint(&j, "jobs_done", st->jobs_done);
    json_key(&j, "clock_synchronized");
    if (clock_synced < 0)
        json_null(&j);
    else
        json_bool(&j, clock_synced);
    json_kv_obj(&j, "verdicts");
    for (int i = 0; i < 4; i++)
        json_kv_uint(&j, verdicts[i], st->by_verdict[i]);
    json_obj_end(&j);
    json_obj_end(&j);
    return json_end(&j);
}
