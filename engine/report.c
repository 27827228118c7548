/*
 * report - the report tree and its JSON form (see report.h).
 */
#include "report.h"
#include "err.h"
#include "json.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copy at most REPORT_STR_MAX bytes, cutting on a UTF-8 boundary. */
static char *report_strdup(const char *s)
{
    size_t n = strlen(s);
    if (n > REPORT_STR_MAX) {
        n = REPORT_STR_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static int report_set_str(char **dst, const char *s)
{
    char *p = report_strdup(s ? s : "");
    if (!p)
        return MG_ERR_NOMEM;
    free(*dst);
    *dst = p;
    return MG_OK;
}

struct report_node *report_new(const char *name)
{
    struct report_node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    if (report_set_str(&n->name, name ? name : "") != MG_OK ||
        report_set_str(&n->type, "unknown") != MG_OK) {
        report_free(n);
        return NULL;
    }
    n->verdict = VERDICT_CLEAN;
    return n;
}

void report_free(struct report_node *n)
{
    if (!n)
        return;
    free(n->name);
    free(n->type);
    free(n->declared_type);
    free(n->out_type);
    free(n->reason);
    for (size_t i = 0; i < n->n_actions; i++) {
        free(n->actions[i].what);
        free(n->actions[i].why);
    }
    free(n->actions);
    for (size_t i = 0; i < n->n_children; i++)
        report_free(n->children[i]);
    free(n->children);
    free(n);
}

int report_set_type(struct report_node *n, const char *type)
{
    return report_set_str(&n->type, type);
}

int report_set_declared_type(struct report_node *n, const char *type)
{
    return report_set_str(&n->declared_type, type);
}

int report_set_out_type(struct report_node *n, const char *type)
{
    return report_set_str(&n->out_type, type);
}

int report_action(struct report_node *n, enum report_act action, const char *what, const char *why)
{
    if ((action == ACTION_REMOVED || action == ACTION_REWROTE) && n->verdict == VERDICT_CLEAN)
        n->verdict = VERDICT_SANITIZED;
    if (n->n_actions >= REPORT_MAX_ACTIONS) {
        n->dropped_actions++;
        return MG_OK;
    }
    if (n->n_actions % 16 == 0) {
        struct report_action *a =
                realloc(n->actions, (n->n_actions + 16) * sizeof(struct report_action));
        if (!a)
            return MG_ERR_NOMEM;
        n->actions = a;
    }
    struct report_action *a = &n->actions[n->n_actions];
    a->action = (unsigned)action < ACTION_COUNT ? action : ACTION_FOUND;
    a->what = report_strdup(what ? what : "");
    a->why = report_strdup(why ? why : "");
    if (!a->what || !a->why) {
        free(a->what);
        free(a->why);
        return MG_ERR_NOMEM;
    }
    n->n_actions++;
    return MG_OK;
}

int report_actionf(struct report_node *n, enum report_act action, const char *why, const char *fmt,
                   ...)
{
    char what[REPORT_STR_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return report_action(n, action, what, why);
}

int report_block(struct report_node *n, enum reason code, const char *fmt, ...)
{
    char msg[REPORT_STR_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    n->verdict = VERDICT_BLOCKED;
    /* The first reason is the one that matters; later ones are consequences. */
    if (n->reason_code != REASON_NONE)
        return MG_OK;
    /* Blocking without a reason is a bug; the report still needs a code. */
    n->reason_code = reason_code(code)[0] ? code : REASON_INTERNAL;
    return report_set_str(&n->reason, msg);
}

int report_vfail(struct report_node *n, int rc, enum reason code, char *why, size_t whylen,
                 const char *fmt, va_list ap)
{
    if (rc == MG_ERR_NOMEM)
        code = REASON_NO_MEMORY;
    if (whylen > 0)
        vsnprintf(why, whylen, fmt, ap);
    if (n != NULL && n->verdict != VERDICT_BLOCKED)
        report_block(n, code, "%s", whylen > 0 ? why : "");
    return rc;
}

int report_add_child(struct report_node *parent, struct report_node *child)
{
    if (parent->n_children >= REPORT_MAX_CHILDREN) {
        parent->dropped_children++;
        report_free(child);
        return MG_OK;
    }
    if (parent->n_children % 16 == 0) {
        struct report_node **c = realloc(parent->children, (parent->n_children + 16) * sizeof(*c));
        if (!c) {
            report_free(child);
            return MG_ERR_NOMEM;
        }
        parent->children = c;
    }
    parent->children[parent->n_children++] = child;
    return MG_OK;
}

enum verdict report_worst(const struct report_node *n)
{
    enum verdict v = n->verdict;
    for (size_t i = 0; i < n->n_children; i++) {
        enum verdict c = report_worst(n->children[i]);
        if (c > v)
            v = c;
    }
    return v;
}

const char *report_verdict_name(enum verdict v)
{
    switch (v) {
    case VERDICT_CLEAN:
        return "clean";
    case VERDICT_SANITIZED:
        return "sanitized";
    case VERDICT_FLATTENED:
        return "flattened";
    case VERDICT_BLOCKED:
        return "blocked";
    }
    return "blocked";
}

/* One node as a JSON object: the fields of README's report format, the
 * children nested. */
static void report_json_node(struct json *j, const struct report_node *n)
{
    json_obj(j);
    json_kv_str(j, "name", n->name);
    json_kv_str(j, "type", n->type ? n->type : "unknown");
    if (n->declared_type)
        json_kv_str(j, "declared_type", n->declared_type);
    if (n->out_type)
        json_kv_str(j, "output_type", n->out_type);
    json_kv_str(j, "verdict", report_verdict_name(n->verdict));
    if (n->reason_code != REASON_NONE)
        json_kv_str(j, "reason_code", reason_code(n->reason_code));
    if (n->reason)
        json_kv_str(j, "reason", n->reason);
    json_kv_uint(j, "size", n->size_in);
    if (n->verdict != VERDICT_BLOCKED)
        json_kv_uint(j, "size_out", n->size_out);
    if (n->sha256_in[0])
        json_kv_str(j, "sha256", n->sha256_in);
    if (n->sha256_out[0] && n->verdict != VERDICT_BLOCKED)
        json_kv_str(j, "sha256_out", n->sha256_out);
    json_kv_arr(j, "actions");
    for (size_t i = 0; i < n->n_actions; i++) {
        const struct report_action *a = &n->actions[i];
        json_obj(j);
        json_kv_str(j, "action", action_word(a->action));
        json_kv_str(j, "what", a->what);
        json_kv_str(j, "why", a->why);
        json_obj_end(j);
    }
    json_arr_end(j);
    if (n->dropped_actions)
        json_kv_uint(j, "actions_not_listed", n->dropped_actions);
    if (n->n_children || n->dropped_children) {
        json_kv_arr(j, "children");
        for (size_t i = 0; i < n->n_children; i++)
            report_json_node(j, n->children[i]);
        json_arr_end(j);
        if (n->dropped_children)
            json_kv_uint(j, "children_not_listed", n->dropped_children);
    }
    json_obj_end(j);
}

int report_to_json(const struct report_node *n, struct buf *out)
{
    struct json j;
    json_init(&j, out);
    report_json_node(&j, n);
    return json_end(&j);
}

void report_sha256_hex(const uint8_t *data, size_t len, char hex[SHA256_HEX_MAX])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        hex[0] = 0;
        return;
    }
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = 0;
}
