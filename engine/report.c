/*
 * report - the report tree and its JSON form (see report.h).
 */
#include "report.h"
#include "err.h"
#include "utf8.h"

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

int report_json_string(struct buf *out, const char *s)
{
    int rc = buf_putc(out, '"');
    const unsigned char *p = (const unsigned char *)s;
    while (rc == MG_OK && *p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            rc = buf_putc(out, '\\');
            if (rc == MG_OK)
                rc = buf_putc(out, c);
            p++;
        } else if (c < 0x20 || c == 0x7F) {
            rc = buf_printf(out, "\\u%04x", c);
            p++;
        } else if (c < 0x80) {
            rc = buf_putc(out, c);
            p++;
        } else {
            size_t n;
            if (utf8_next(p, strnlen((const char *)p, 4), &n) < 0) {
                rc = buf_puts(out, "\\ufffd");
                p++;
            } else {
                rc = buf_append(out, p, n);
                p += n;
            }
        }
    }
    if (rc == MG_OK)
        rc = buf_putc(out, '"');
    return rc;
}

static int json_field_str(struct buf *out, const char *key, const char *val)
{
    int rc = buf_printf(out, ",\"%s\":", key);
    if (rc == MG_OK)
        rc = report_json_string(out, val);
    return rc;
}

int report_to_json(const struct report_node *n, struct buf *out)
{
    int rc = buf_puts(out, "{\"name\":");
    if (rc == MG_OK)
        rc = report_json_string(out, n->name);
    if (rc == MG_OK)
        rc = json_field_str(out, "type", n->type ? n->type : "unknown");
    if (rc == MG_OK && n->declared_type)
        rc = json_field_str(out, "declared_type", n->declared_type);
    if (rc == MG_OK && n->out_type)
        rc = json_field_str(out, "output_type", n->out_type);
    if (rc == MG_OK)
        rc = json_field_str(out, "verdict", report_verdict_name(n->verdict));
    if (rc == MG_OK && n->reason_code != REASON_NONE)
        rc = json_field_str(out, "reason_code", reason_code(n->reason_code));
    if (rc == MG_OK && n->reason)
        rc = json_field_str(out, "reason", n->reason);
    if (rc == MG_OK)
        rc = buf_printf(out, ",\"size\":%llu", (unsigned long long)n->size_in);
    if (rc == MG_OK && n->verdict != VERDICT_BLOCKED)
        rc = buf_printf(out, ",\"size_out\":%llu", (unsigned long long)n->size_out);
    if (rc == MG_OK && n->sha256_in[0])
        rc = json_field_str(out, "sha256", n->sha256_in);
    if (rc == MG_OK && n->sha256_out[0] && n->verdict != VERDICT_BLOCKED)
        rc = json_field_str(out, "sha256_out", n->sha256_out);
    if (rc == MG_OK)
        rc = buf_puts(out, ",\"actions\":[");
    for (size_t i = 0; rc == MG_OK && i < n->n_actions; i++) {
        const struct report_action *a = &n->actions[i];
        rc = buf_puts(out, i ? ",{\"action\":" : "{\"action\":");
        if (rc == MG_OK)
            rc = report_json_string(out, action_word(a->action));
        if (rc == MG_OK)
            rc = json_field_str(out, "what", a->what);
        if (rc == MG_OK)
            rc = json_field_str(out, "why", a->why);
        if (rc == MG_OK)
            rc = buf_putc(out, '}');
    }
    if (rc == MG_OK)
        rc = buf_putc(out, ']');
    if (rc == MG_OK && n->dropped_actions)
        rc = buf_printf(out, ",\"actions_not_listed\":%zu", n->dropped_actions);
    if (rc == MG_OK && (n->n_children || n->dropped_children)) {
        rc = buf_puts(out, ",\"children\":[");
        for (size_t i = 0; rc == MG_OK && i < n->n_children; i++) {
            if (i)
                rc = buf_putc(out, ',');
            if (rc == MG_OK)
                rc = report_to_json(n->children[i], out);
        }
        if (rc == MG_OK)
            rc = buf_putc(out, ']');
        if (rc == MG_OK && n->dropped_children)
            rc = buf_printf(out, ",\"children_not_listed\":%zu", n->dropped_children);
    }
    if (rc == MG_OK)
        rc = buf_putc(out, '}');
    return rc;
}

void report_sha256_hex(const uint8_t *data, size_t len, char hex[65])
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
