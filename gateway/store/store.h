/*
 * store - the quarantine: blocked originals kept as content-addressed files
 * and indexed in SQLite, with the review states and the two-person rule.
 *
 * Layout under the store directory (owned by the service user, 0700):
 *   index.sqlite        the index (WAL); one row per held item, unless the
 *                       index is in PostgreSQL (several nodes: the
 *                       directory is then one they all mount)
 *   objects/ab/abcd...  the originals, named by their SHA-256, mode 0600
 *   tmp/                files being written, renamed into objects/ whole
 *
 * States and who moves an item between them (store_act is the only place
 * these rules live):
 *   held       blocked, kept; the owner (the uid that submitted it) or an
 *              approver may ask for its release   -> requested
 *   kept       the original of a message delivered sanitized (retention);
 *              its release may be asked for as for held ones
 *   requested  an approver other than the requester decides
 *                                                -> approved | rejected
 *   approved   the requester or an approver releases it -> released
 *              (taken before the caller delivers, so two releases cannot
 *              both deliver; a delivery that fails puts it back)
 *   rejected, released   kept until the retention deadline (as are held
 *              and kept items nobody asked for)
 *   deleted, expired     the original is gone (deleted by an approver
 *              with a reason; expired by purge past the deadline)
 *   unlocking  (from held or kept, by its owner or an approver) being
 *              opened with passwords; then unlocked, or back as it was
 *   unlocked   its *sanitized* content was delivered (PPAP); the raw
 *              original never leaves
 * Items waiting for a decision (requested, approved) never expire.
 * Every call takes the actor's uid from the caller (mugaid's store process
 * reads it with SO_PEERCRED); the store never trusts a uid in a request.
 */
#ifndef MUGAI_STORE_H
#define MUGAI_STORE_H

#include "buf.h"
#include "caps.h"
#include "json.h"

#include <stdint.h>
#include <sys/types.h>

#define STORE_DEFAULT_DAYS 90

struct store;

/* What is known of an original when it is put in the store. */
struct store_meta {
    const char *source;     /* "cli", "mail" or "share" */
    uid_t owner_uid;        /* who submitted it ((uid_t)-1: nobody in particular) */
    const char *sender;     /* mail: envelope sender, else "" */
    const char *recipients; /* mail: envelope recipients, one per line, else "" */
    const char *name;       /* file name, or the message's subject */
    const char *type;       /* detected type */
    const char *reason;     /* reason code (engine/reasons.def) */
    const char *report;     /* the job's JSON report */
    int kept;               /* delivered sanitized, the original kept: state kept, not held */
    const char *path;       /* share: the file's path under its owner's folder, else "" */
    const char *intake;     /* share: one item per intake and content (a repeated put
                               returns the first one's id), else "" */
};

/* One item as read back. */
struct store_item {
    int64_t id, created, retain_until;
    char source[16], state[16], type[TYPE_NAME_MAX], reason[REASON_CODE_MAX],
            sha256[SHA256_HEX_MAX], node[64];
    char name[STORE_TEXT_MAX], sender[STORE_TEXT_MAX], recipients[STORE_RECIPIENTS_MAX];
    char path[STORE_PATH_MAX]; /* share: where under the owner's folder it came from */
    uint64_t size;
    int64_t owner_uid, requested_by, decided_by, released_by;
    char request_reason[STORE_TEXT_MAX], decision_reason[STORE_TEXT_MAX];
};

enum store_action {
    STORE_REQUEST,
    STORE_APPROVE,
    STORE_REJECT,
    STORE_RELEASE,
    STORE_DELETE,
    STORE_UNLOCK
};

struct store_actor {
    uid_t uid;
    int approver; /* member of the configured approver group */
};

struct store_config {
    const char *dir;         /* originals (and the SQLite index) */
    const char *database;    /* PostgreSQL connection string; NULL or "": SQLite in dir */
    unsigned retention_days; /* 0: STORE_DEFAULT_DAYS */
    const char *node;        /* this node's name, recorded with each item */
};

/* Open (creating when missing) the store. */
int store_open(struct store **s, const struct store_config *cfg, char *err, size_t cap);
void store_close(struct store *s);

/* Keep the len bytes readable at fd (pread from 0); the new item's id
 * (with an intake: the id of the item that intake already made with the
 * same content, if there is one). */
int store_put(struct store *s, int fd, uint64_t len, const struct store_meta *m, int64_t *id,
              char *err, size_t cap);

/* One item; report (when not NULL) gets its JSON report. MG_ERR_USAGE: no such item. */
int store_get(struct store *s, int64_t id, struct store_item *it, struct buf *report);

/* The original of an item still kept, opened read-only. */
int store_open_original(struct store *s, const struct store_item *it, int *fd);

/* Whether who may see the item (approvers see all, others their own). */
int store_may_see(const struct store_item *it, const struct store_actor *who);

/*
 * Newest first: items in state (NULL: any) created at or after since, that
 * who may see; at most limit of them. JSON Lines, or with human a table.
 */
int store_list(struct store *s, const struct store_actor *who, const char *state, int64_t since,
               unsigned limit, int human, struct buf *out);

/* One item as a JSON object (no newline), the report included when given
 * (JSON the engine wrote, embedded only when it is well-formed). */
int store_item_json(const struct store_item *it, const char *report, struct buf *out);

/* The same object's members, into an object j has open (for a caller that
 * adds its own). */
void store_item_fields(struct json *j, const struct store_item *it, const char *report);

/* The actions taken on an item, oldest first, as a JSON array: into out,
 * or as the next value of j. */
int store_history_json(struct store *s, int64_t id, struct buf *out);
int store_history_write(struct store *s, int64_t id, struct json *j);

/*
 * Move an item to the action's state if the rules above allow it; reason is
 * required for request, reject and delete. MG_ERR_USAGE with why when the
 * rules refuse (the message names the rule); the change is one transaction,
 * taken only from the expected state, so two callers cannot both succeed.
 */
int store_act(struct store *s, int64_t id, enum store_action a, const struct store_actor *who,
              const char *reason, char *why, size_t cap);

/* A release that could not deliver goes back to approved. */
int store_release_failed(struct store *s, int64_t id);

/* Unlocks a killed store left half done go back where they were (at
 * start, before any new one begins); *n of them. */
int store_recover(struct store *s, unsigned *n);

/* An action whose delivery failed is undone: from state back to state. */
int store_undo(struct store *s, int64_t id, const char *from, const char *to);

/* PPAP: messages from sender to exactly these recipients, created at or
 * after since, held or kept, whose report has an encrypted part; at most
 * max ids, oldest first. */
int store_find_encrypted(struct store *s, const char *sender, const char *recipients, int64_t since,
                         int64_t *ids, size_t max, size_t *n);

/* Expired items past now: originals removed, state expired; *n of them. */
int store_purge_expired(struct store *s, int64_t now, unsigned *n);

/* Every item created at or after since, as CSV for Excel (UTF-8 with BOM). */
int store_export_csv(struct store *s, int64_t since, struct buf *out);

const char *store_action_name(enum store_action a);

#endif
