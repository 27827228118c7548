/*
 * config - mugaid's configuration: a file of "key = value" lines
 * (/etc/mugai/mugaid.conf by default), every key also a command-line
 * option (--socket, --db, ...) that wins over the file. A bad file is
 * refused whole with "FILE:LINE: reason".
 */
#ifndef MUGAI_DAEMON_CONFIG_H
#define MUGAI_DAEMON_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#ifndef MUGAI_CONFDIR
#define MUGAI_CONFDIR "/etc/mugai"
#endif
#define CONFIG_DEFAULT_FILE MUGAI_CONFDIR "/mugaid.conf"
#define CONFIG_PATH_MAX     1024

struct config {
    char socket[CONFIG_PATH_MAX];    /* clients connect here */
    char socket_group[64];           /* group allowed to connect ("" = ours) */
    unsigned socket_mode;            /* e.g. 0660 */
    char db[CONFIG_PATH_MAX];        /* ClamAV database directory */
    char policy[CONFIG_PATH_MAX];    /* policy file ("" = built-in) */
    char state_dir[CONFIG_PATH_MAX]; /* spool, store, scratch */
    char user[64];                   /* service user (the store, later) */
    char worker_user[64];            /* every process that touches content */
    unsigned scanners;               /* scanner processes in the pool */
    unsigned scanner_jobs;           /* jobs a scanner serves before it is replaced */
    unsigned max_sessions;           /* client connections served at once */
    unsigned db_check_seconds;       /* how often the database is checked for change */
    unsigned idle_seconds;           /* a client silent this long is dropped */
    /* The audit log (written by the audit process, as user). */
    char audit_log[CONFIG_PATH_MAX]; /* "" = no audit log */
    char audit_key[CONFIG_PATH_MAX]; /* Ed25519 signing key ("" = AUDIT_LOG's dir/audit.key) */
    char audit_node[64];             /* this node's name in every line ("" = host name) */
    unsigned audit_fsync_each;       /* audit_fsync = line (1) or batch (0) */
    unsigned audit_checkpoint_seconds;
    unsigned audit_rotate_mb; /* rotate past this size; 0 = never */
    /* The quarantine store (the store process, as user). */
    char store_dir[CONFIG_PATH_MAX];      /* "" = state_dir/store */
    char store_database[CONFIG_PATH_MAX]; /* PostgreSQL conninfo; "" = SQLite in store_dir */
    char review_socket[CONFIG_PATH_MAX];  /* mugai quarantine connects here */
    char approver_group[64];              /* who may approve, reject, delete */
    unsigned retention_days;              /* originals kept this long */
    char sendmail[CONFIG_PATH_MAX];       /* re-injects released mail, sends alerts */
    /* Alerts to the security staff (alerts.h). */
    char alert_to[256]; /* "" = syslog only */
    unsigned alert_batch_seconds;
    unsigned alert_max_per_hour;
};

void config_defaults(struct config *c);

/* Read FILE over c. MG_OK, or an error with "FILE:LINE: reason" in err. */
int config_load(struct config *c, const char *file, char *err, size_t errcap);

/* Set one key (from the command line); MG_OK or an error with the reason. */
int config_set(struct config *c, const char *key, const char *value, char *err, size_t errcap);

/* Fill in the defaults that depend on other keys (after loading). */
void config_finish(struct config *c);

/* Consistency of the whole (paths absolute, counts in range). */
int config_check(const struct config *c, char *err, size_t errcap);

#endif
