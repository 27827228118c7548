/*
 * report - the report tree every job produces.
 *
 * One node per file (the input, and each member of a container): its name,
 * detected type, sizes, SHA-256 before and after, verdict, the actions taken
 * (what was removed or rewritten and why) and its children. Reason codes
 * and action words are enums from the one table in reasons.def. The same tree is
 * written as JSON for the CLI, the audit log, quarantine and notices.
 *
 * Strings are copied into the node and capped (REPORT_STR_MAX); a node holds
 * at most REPORT_MAX_ACTIONS actions and REPORT_MAX_CHILDREN children, past
 * which only their count is kept (actions_not_listed, children_not_listed
 * in the JSON), so a hostile file cannot make the report grow without bound.
 */
#ifndef MUGAI_REPORT_H
#define MUGAI_REPORT_H

#include "buf.h"
#include "caps.h"
#include "reason.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum verdict {
    VERDICT_CLEAN,     /* released as it was */
    VERDICT_SANITIZED, /* rebuilt without active content */
    VERDICT_FLATTENED, /* converted to a simpler format (e.g. text) */
    VERDICT_BLOCKED,   /* not released */
};

struct report_action {
    enum report_act action; /* ACTION_REMOVED, ACTION_REWROTE, ... */
    char *what;             /* "APP1 marker (Exif, 1834 bytes)" */
    char *why;              /* "metadata segments can carry payloads" */
};

struct report_node {
    char *name;
    char *type;          /* ftype name of the input */
    char *declared_type; /* what the name's extension claims, when it differs */
    char *out_type;      /* ftype name of the output, when released */
    uint64_t size_in, size_out;
    char sha256_in[SHA256_HEX_MAX], sha256_out[SHA256_HEX_MAX]; /* hex, "" when unknown */
    enum verdict verdict;
    enum reason reason_code; /* for blocked: REASON_ENCRYPTED, ...; REASON_NONE otherwise */
    char *reason;            /* human-readable */
    struct report_action *actions;
    size_t n_actions;
    size_t dropped_actions;
    struct report_node **children;
    size_t n_children;
    size_t dropped_children;
};

/* New node, verdict VERDICT_CLEAN. NULL on allocation failure. */
struct report_node *report_new(const char *name);
void report_free(struct report_node *n);

int report_set_type(struct report_node *n, const char *type);
int report_set_declared_type(struct report_node *n, const char *type);
int report_set_out_type(struct report_node *n, const char *type);

/* Record an action; raises a clean verdict to sanitized when action is
 * ACTION_REMOVED or ACTION_REWROTE. */
int report_action(struct report_node *n, enum report_act action, const char *what, const char *why);
int report_actionf(struct report_node *n, enum report_act action, const char *why, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

/* Mark blocked with a reason from the table and a message. */
int report_block(struct report_node *n, enum reason code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* A family's failure in one call, for its *_fail() helpers: the message is
 * formatted into why (when whylen > 0), n (when not NULL and not blocked
 * yet) is blocked with code and that message, and rc is returned. Out of
 * memory is the gateway's failure whatever the caller guessed: with
 * MG_ERR_NOMEM the code is REASON_NO_MEMORY. */
int report_vfail(struct report_node *n, int rc, enum reason code, char *why, size_t whylen,
                 const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/* Take ownership of child. On failure the child is freed. */
int report_add_child(struct report_node *parent, struct report_node *child);

/* Worst verdict over the node and its children (blocked > flattened > sanitized > clean). */
enum verdict report_worst(const struct report_node *n);

const char *report_verdict_name(enum verdict v);

/* Serialize as one JSON object (no trailing newline). */
int report_to_json(const struct report_node *n, struct buf *out);

/* Hex SHA-256 of data into hex ("" when it cannot be computed). */
void report_sha256_hex(const uint8_t *data, size_t len, char hex[SHA256_HEX_MAX]);

#endif
