/*
 * config - mugaid's configuration: a file of "key = value" lines
 * (/etc/mugai/mugaid.conf by default), every key also a command-line
 * option (--socket, --db, ...) that wins over the file. A bad file is
 * refused whole with "FILE:LINE: reason".
 */
#ifndef MUGAI_DAEMON_CONFIG_H
#define MUGAI_DAEMON_CONFIG_H

#include "caps.h"

#include <stddef.h>
#include <stdint.h>

#ifndef MUGAI_CONFDIR
#define MUGAI_CONFDIR "/etc/mugai"
#endif
#define CONFIG_DEFAULT_FILE MUGAI_CONFDIR "/mugaid.conf"
/* Names in the share that are never taken: Office lock and temp files,
 * browsers' partial downloads, LibreOffice locks, hidden and system files. */
#define CONFIG_SHARE_IGNORE                                                                        \
    "~$* ~*.tmp *.tmp *.part *.partial *.crdownload *.download .~lock.*# .* Thumbs.db desktop.ini"

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
    /* The inbound share (mugai-share, which reads this file too). Empty
     * share_user: no share; mugaid then honours no "on behalf of" request. */
    char share_user[64];                  /* the user mugai-share runs as */
    char share_inbound[CONFIG_PATH_MAX];  /* inbound/USER/... (staff write) */
    char share_outbound[CONFIG_PATH_MAX]; /* outbound/USER/... (staff read) */
    char share_spool[CONFIG_PATH_MAX];    /* same file system as share_inbound */
    char share_ignore[1024];              /* names never taken (fnmatch patterns) */
    char share_contact[256];              /* who to ask, printed in notices */
    unsigned share_settle_seconds;        /* unchanged this long before it is taken */
    unsigned share_empty_seconds;         /* the same for an empty file */
    unsigned share_rescan_seconds;        /* full walk of the tree (inotify can overflow) */
    unsigned share_jobs;                  /* files sanitized at once */
    unsigned share_min_free_mb;           /* below this, intake stops (alert) */
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
