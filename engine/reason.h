/*
 * reason - why a file was not released, and what was done to it.
 *
 * The codes and words come from one table (reasons.def); this header turns
 * it into enums and lookups. Reports, notices and the records workers send
 * carry an enum reason, never a free string, so a code cannot be misspelt,
 * and a code received from another process is accepted only when the table
 * has it (reason_from_code).
 */
#ifndef MUGAI_REASON_H
#define MUGAI_REASON_H

/* What kind of cause a reason is: for statistics and for the review queue,
 * which treats "the file is bad" differently from "the gateway failed". */
enum reason_class {
    REASON_CLASS_LIMIT,       /* a size, count, time or depth cap */
    REASON_CLASS_MALFORMED,   /* the file does not parse, or parses two ways */
    REASON_CLASS_ACTIVE,      /* active content that cannot be removed */
    REASON_CLASS_MALWARE,     /* the virus scanner's finding */
    REASON_CLASS_ENCRYPTED,   /* cannot be inspected */
    REASON_CLASS_UNSUPPORTED, /* a type or feature we do not sanitize */
    REASON_CLASS_POLICY,      /* the policy says no */
    REASON_CLASS_NAME,        /* the file's name or archive path */
    REASON_CLASS_INTERNAL,    /* the gateway failed, not the file */
};

enum reason {
    REASON_NONE = 0, /* not blocked (no code in reports) */
#define REASON(name, code, cls, en, ja) name,
#include "reasons.def"
    REASON_COUNT,
};

enum report_act {
#define ACTION(name, word, en, ja) name,
#include "reasons.def"
    ACTION_COUNT,
};

/* The public code, e.g. "limit"; "" for REASON_NONE and out-of-range values. */
const char *reason_code(enum reason r);
/* The texts from the table; "" for REASON_NONE. */
const char *reason_en(enum reason r);
const char *reason_ja(enum reason r);
enum reason_class reason_class(enum reason r);
/* "limit", "malformed", "active-content", "malware", "encrypted", ... */
const char *reason_class_name(enum reason_class c);

/* The reason with this code, or REASON_NONE for NULL, "" and any code the
 * table does not have: a code from a worker is checked here, never trusted. */
enum reason reason_from_code(const char *code);

/* The reason for an MG_ERR_* failure with no more specific cause:
 * MG_ERR_NOMEM is no-memory, MG_ERR_LIMIT limit, MG_ERR_PARSE parse-error... */
enum reason reason_from_err(int err);

const char *action_word(enum report_act a);
const char *action_en(enum report_act a);
const char *action_ja(enum report_act a);

#endif
