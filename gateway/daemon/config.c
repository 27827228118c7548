/*
 * config - mugaid.conf (see config.h).
 */
#include "config.h"
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONFIG_FILE_MAX (64u << 10)

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->socket, sizeof(c->socket), "/run/mugai/mugaid.sock");
    snprintf(c->socket_group, sizeof(c->socket_group), "mugai");
    c->socket_mode = 0660;
    snprintf(c->db, sizeof(c->db), "/var/lib/clamav");
    snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/mugai");
    snprintf(c->user, sizeof(c->user), "mugai");
    snprintf(c->worker_user, sizeof(c->worker_user), "mugai-worker");
    c->scanners = 2;
    c->scanner_jobs = 100;
    c->max_sessions = 64;
    c->db_check_seconds = 60;
    c->idle_seconds = 60;
    snprintf(c->audit_log, sizeof(c->audit_log), "/var/log/mugai/audit.log");
    c->audit_checkpoint_seconds = 300;
    c->audit_rotate_mb = 256;
    snprintf(c->review_socket, sizeof(c->review_socket), "/run/mugai/review.sock");
    snprintf(c->approver_group, sizeof(c->approver_group), "mugai-approvers");
    c->retention_days = 90;
    snprintf(c->sendmail, sizeof(c->sendmail), "/usr/sbin/sendmail");
    c->alert_batch_seconds = 300;
    c->alert_max_per_hour = 12;
    snprintf(c->share_ignore, sizeof(c->share_ignore), "%s", CONFIG_SHARE_IGNORE);
    c->share_settle_seconds = 5;
    c->share_empty_seconds = 60;
    c->share_rescan_seconds = 30;
    c->share_jobs = 2;
    c->share_min_free_mb = 256;
}

/* The derived defaults: the key beside the log, the host's name. */
void config_finish(struct config *c)
{
    if (c->audit_log[0] && !c->audit_key[0]) {
        const char *slash = strrchr(c->audit_log, '/');
        int dir = slash ? (int)(slash - c->audit_log) : 0;
        snprintf(c->audit_key, sizeof(c->audit_key), "%.*s/audit.key", dir, c->audit_log);
    }
    if (!c->store_dir[0])
        snprintf(c->store_dir, sizeof(c->store_dir), "%.1000s/store", c->state_dir);
    if (!c->audit_node[0] && gethostname(c->audit_node, sizeof(c->audit_node) - 1) != 0)
        snprintf(c->audit_node, sizeof(c->audit_node), "mugai");
}

static int set_str(char *dst, size_t cap, const char *v, char *err, size_t errcap)
{
    if (strlen(v) >= cap) {
        snprintf(err, errcap, "value too long (at most %zu bytes)", cap - 1);
        return MG_ERR_USAGE;
    }
    memcpy(dst, v, strlen(v) + 1);
    return MG_OK;
}

static int set_num(unsigned *dst, const char *v, unsigned lo, unsigned hi, int base, char *err,
                   size_t errcap)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, base);
    if (!*v || *end || errno || n < lo || n > hi) {
        snprintf(err, errcap, "'%s' is not a number from %u to %u", v, lo, hi);
        return MG_ERR_USAGE;
    }
    *dst = (unsigned)n;
    return MG_OK;
}

int config_set(struct config *c, const char *key, const char *v, char *err, size_t errcap)
{
    static const struct {
        const char *key;
        size_t off, cap;
    } strs[] = {
            {"socket", offsetof(struct config, socket), CONFIG_PATH_MAX},
            {"socket_group", offsetof(struct config, socket_group), 64},
            {"db", offsetof(struct config, db), CONFIG_PATH_MAX},
            {"policy", offsetof(struct config, policy), CONFIG_PATH_MAX},
            {"state_dir", offsetof(struct config, state_dir), CONFIG_PATH_MAX},
            {"user", offsetof(struct config, user), 64},
            {"worker_user", offsetof(struct config, worker_user), 64},
            {"audit_log", offsetof(struct config, audit_log), CONFIG_PATH_MAX},
            {"audit_key", offsetof(struct config, audit_key), CONFIG_PATH_MAX},
            {"audit_node", offsetof(struct config, audit_node), 64},
            {"store_dir", offsetof(struct config, store_dir), CONFIG_PATH_MAX},
            {"store_database", offsetof(struct config, store_database), CONFIG_PATH_MAX},
            {"review_socket", offsetof(struct config, review_socket), CONFIG_PATH_MAX},
            {"approver_group", offsetof(struct config, approver_group), 64},
            {"sendmail", offsetof(struct config, sendmail), CONFIG_PATH_MAX},
            {"alert_to", offsetof(struct config, alert_to), 256},
            {"share_user", offsetof(struct config, share_user), 64},
            {"share_inbound", offsetof(struct config, share_inbound), CONFIG_PATH_MAX},
            {"share_outbound", offsetof(struct config, share_outbound), CONFIG_PATH_MAX},
            {"share_spool", offsetof(struct config, share_spool), CONFIG_PATH_MAX},
            {"share_ignore", offsetof(struct config, share_ignore), 1024},
            {"share_contact", offsetof(struct config, share_contact), 256},
    };
    static const struct {
        const char *key;
        size_t off;
        unsigned lo, hi;
        int base;
    } nums[] = {
            {"socket_mode", offsetof(struct config, socket_mode), 0, 0777, 8},
            {"scanners", offsetof(struct config, scanners), 1, 64, 10},
            {"scanner_jobs", offsetof(struct config, scanner_jobs), 1, 1000000, 10},
            {"max_sessions", offsetof(struct config, max_sessions), 1, 4096, 10},
            {"db_check_seconds", offsetof(struct config, db_check_seconds), 1, 86400, 10},
            {"idle_seconds", offsetof(struct config, idle_seconds), 1, 86400, 10},
            {"audit_checkpoint_seconds", offsetof(struct config, audit_checkpoint_seconds), 1,
             86400, 10},
            {"audit_rotate_mb", offsetof(struct config, audit_rotate_mb), 0, 1u << 20, 10},
            {"retention_days", offsetof(struct config, retention_days), 1, 36500, 10},
            {"alert_batch_seconds", offsetof(struct config, alert_batch_seconds), 1, 86400, 10},
            {"alert_max_per_hour", offsetof(struct config, alert_max_per_hour), 1, 3600, 10},
            {"share_settle_seconds", offsetof(struct config, share_settle_seconds), 0, 86400, 10},
            {"share_empty_seconds", offsetof(struct config, share_empty_seconds), 0, 86400, 10},
            {"share_rescan_seconds", offsetof(struct config, share_rescan_seconds), 1, 86400, 10},
            {"share_jobs", offsetof(struct config, share_jobs), 1, 64, 10},
            {"share_min_free_mb", offsetof(struct config, share_min_free_mb), 0, 1u << 24, 10},
    };
    if (strcmp(key, "audit_fsync") == 0) {
        if (strcmp(v, "line") != 0 && strcmp(v, "batch") != 0) {
            snprintf(err, errcap, "'%s' is neither line nor batch", v);
            return MG_ERR_USAGE;
        }
        c->audit_fsync_each = strcmp(v, "line") == 0;
        return MG_OK;
    }
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        if (strcmp(key, strs[i].key) == 0)
            return set_str((char *)c + strs[i].off, strs[i].cap, v, err, errcap);
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        if (strcmp(key, nums[i].key) == 0)
            return set_num((unsigned *)((char *)c + nums[i].off), v, nums[i].lo, nums[i].hi,
                           nums[i].base, err, errcap);
    snprintf(err, errcap, "unknown key '%s'", key);
    return MG_ERR_USAGE;
}

/* Trim spaces and tabs at both ends, in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

int config_load(struct config *c, const char *file, char *err, size_t errcap)
{
    char why[256];
    FILE *f = fopen(file, "rb");
    if (!f) {
        snprintf(err, errcap, "%s: cannot read: %s", file, strerror(errno));
        return MG_ERR_USAGE;
    }
    char *text = calloc(1, CONFIG_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, CONFIG_FILE_MAX + 1, f) : 0;
    fclose(f);
    if (!text || n > CONFIG_FILE_MAX) {
        snprintf(err, errcap, "%s: %s", file, text ? "larger than 64 KiB" : "out of memory");
        free(text);
        return MG_ERR_USAGE;
    }
    int rc = MG_OK;
    unsigned line = 0;
    for (char *p = text, *next; p && *p && rc == MG_OK; p = next) {
        line++;
        next = strchr(p, '\n');
        if (next)
            *next++ = 0;
        char *s = trim(p);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errcap, "%s:%u: expected key = value", file, line);
            rc = MG_ERR_USAGE;
            break;
        }
        *eq = 0;
        char *key = trim(s), *val = trim(eq + 1);
        if ((rc = config_set(c, key, val, why, sizeof(why))) != MG_OK)
            snprintf(err, errcap, "%s:%u: %s", file, line, why);
    }
    free(text);
    return rc;
}

int config_check(const struct config *c, char *err, size_t errcap)
{
    if ((c->audit_log[0] && c->audit_log[0] != '/') ||
        (c->audit_key[0] && c->audit_key[0] != '/')) {
        snprintf(err, errcap, "%s: paths must be absolute",
                 c->audit_log[0] != '/' ? c->audit_log : c->audit_key);
        return MG_ERR_USAGE;
    }
    for (const char *p = c->audit_node; *p; p++) {
        if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\') {
            snprintf(err, errcap, "audit_node: printable ASCII without quotes or spaces");
            return MG_ERR_USAGE;
        }
    }
    const char *paths[] = {c->socket,        c->db,      c->state_dir, c->store_dir,
                           c->review_socket, c->sendmail};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (paths[i][0] != '/') {
            snprintf(err, errcap, "%s: paths must be absolute", paths[i][0] ? paths[i] : "\"\"");
            return MG_ERR_USAGE;
        }
    }
    if (c->policy[0] && c->policy[0] != '/') {
        snprintf(err, errcap, "%s: paths must be absolute", c->policy);
        return MG_ERR_USAGE;
    }
    const char *share[] = {c->share_inbound, c->share_outbound, c->share_spool};
    for (size_t i = 0; i < sizeof(share) / sizeof(share[0]); i++) {
        if (share[i][0] && share[i][0] != '/') {
            snprintf(err, errcap, "%s: paths must be absolute", share[i]);
            return MG_ERR_USAGE;
        }
    }
    if (strlen(c->socket) >= 100 || strlen(c->review_socket) >= 100) {
        snprintf(err, errcap, "%s: a socket path must be shorter than 100 bytes",
                 strlen(c->socket) >= 100 ? c->socket : c->review_socket);
        return MG_ERR_USAGE;
    }
    return MG_OK;
}
