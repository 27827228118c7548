/*
 * reason - lookups over the reason table (see reason.h, reasons.def).
 */
#include "reason.h"
#include "err.h"

#include <string.h>

static const struct {
    const char *code, *en, *ja;
    enum reason_class cls;
} reasons[REASON_COUNT] = {
        [REASON_NONE] = {"", "", "", REASON_CLASS_INTERNAL},
#define REASON(name, code, cls, en, ja) [name] = {code, en, ja, REASON_CLASS_##cls},
#include "reasons.def"
};

static const struct {
    const char *word, *en, *ja;
} actions[ACTION_COUNT] = {
#define ACTION(name, word, en, ja) [name] = {word, en, ja},
#include "reasons.def"
};

static const char *const class_names[] = {
        [REASON_CLASS_LIMIT] = "limit",           [REASON_CLASS_MALFORMED] = "malformed",
        [REASON_CLASS_ACTIVE] = "active-content", [REASON_CLASS_MALWARE] = "malware",
        [REASON_CLASS_ENCRYPTED] = "encrypted",   [REASON_CLASS_UNSUPPORTED] = "unsupported",
        [REASON_CLASS_POLICY] = "policy",         [REASON_CLASS_NAME] = "name",
        [REASON_CLASS_INTERNAL] = "internal",
};

/* Out-of-range values (a corrupted enum) read as REASON_NONE, not past the table. */
static unsigned reason_index(enum reason r)
{
    return (unsigned)r < REASON_COUNT ? (unsigned)r : REASON_NONE;
}

const char *reason_code(enum reason r)
{
    return reasons[reason_index(r)].code;
}

const char *reason_en(enum reason r)
{
    return reasons[reason_index(r)].en;
}

const char *reason_ja(enum reason r)
{
    return reasons[reason_index(r)].ja;
}

enum reason_class reason_class(enum reason r)
{
    return reasons[reason_index(r)].cls;
}

const char *reason_class_name(enum reason_class c)
{
    return (unsigned)c < sizeof(class_names) / sizeof(class_names[0]) ? class_names[c] : "internal";
}

enum reason reason_from_code(const char *code)
{
    if (!code || !*code)
        return REASON_NONE;
    for (unsigned i = REASON_NONE + 1; i < REASON_COUNT; i++)
        if (strcmp(reasons[i].code, code) == 0)
            return (enum reason)i;
    return REASON_NONE;
}

enum reason reason_from_err(int err)
{
    switch (err) {
    case MG_ERR_NOMEM:
        return REASON_NO_MEMORY;
    case MG_ERR_LIMIT:
        return REASON_LIMIT;
    case MG_ERR_PARSE:
        return REASON_PARSE_ERROR;
    case MG_ERR_UNSUPPORTED:
        return REASON_UNSUPPORTED;
    case MG_ERR_ENCRYPTED:
        return REASON_ENCRYPTED;
    case MG_ERR_BLOCKED:
        return REASON_BLOCKED;
    case MG_ERR_IO:
        return REASON_IO_ERROR;
    case MG_ERR_VERIFY:
        return REASON_VERIFY_FAILED;
    case MG_ERR_SANDBOX:
        return REASON_WORKER_FAILED;
    default: /* MG_ERR_USAGE, MG_ERR_INTERNAL, and MG_OK where a failure was due */
        return REASON_INTERNAL;
    }
}

static unsigned action_index(enum report_act a)
{
    return (unsigned)a < ACTION_COUNT ? (unsigned)a : ACTION_FOUND;
}

const char *action_word(enum report_act a)
{
    return actions[action_index(a)].word;
}

const char *action_en(enum report_act a)
{
    return actions[action_index(a)].en;
}

const char *action_ja(enum report_act a)
{
    return actions[action_index(a)].ja;
}
