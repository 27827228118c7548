/*
 * jsoncheck - a validating JSON scanner with a nesting cap (see jsoncheck.h).
 * Recursion depth is bounded by max_depth, so hostile nesting cannot
 * exhaust the stack.
 */
#include "jsoncheck.h"
#include "reason.h"
#include "utf8.h"

#include <stdbool.h>
#include <string.h>

/* A string's value, unescaped, when it is short and ASCII: enough to
 * compare keys and codes; anything else reads as "no match". */
struct jc_str {
    char s[64];
    size_t n;
    bool other; /* longer, or not ASCII: equal to no key or code */
};

struct jc {
    const uint8_t *p, *end;
    unsigned depth, max_depth;
    bool reasons; /* check reason_code and action values */
};

static void jc_str_put(struct jc_str *v, unsigned c)
{
    if (!v)
        return;
    if (c == 0 || c >= 0x80 || v->n + 1 >= sizeof(v->s)) {
        v->other = true;
        return;
    }
    v->s[v->n++] = (char)c;
    v->s[v->n] = 0;
}

static unsigned jc_hexval(uint8_t c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

static void jc_ws(struct jc *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int jc_lit(struct jc *j, const char *s)
{
    for (; *s; s++, j->p++)
        if (j->p >= j->end || *j->p != (uint8_t)*s)
            return 0;
    return 1;
}

static int jc_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int jc_utf8(struct jc *j)
{
    size_t used;
    if (utf8_next(j->p, (size_t)(j->end - j->p), &used) < 0)
        return 0;
    j->p += used;
    return 1;
}

static int jc_string(struct jc *j, struct jc_str *v)
{
    if (v) {
        v->n = 0;
        v->s[0] = 0;
        v->other = false;
    }
    j->p++; /* opening quote */
    while (j->p < j->end) {
        uint8_t c = *j->p;
        if (c == '"') {
            j->p++;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            j->p++;
            if (j->p >= j->end)
                return 0;
            c = *j->p++;
            if (c == 'u') {
                unsigned u = 0;
                for (int i = 0; i < 4; i++, j->p++) {
                    if (j->p >= j->end || !jc_hex(*j->p))
                        return 0;
                    u = u << 4 | jc_hexval(*j->p);
                }
                jc_str_put(v, u);
            } else if (c == '"' || c == '\\' || c == '/') {
                jc_str_put(v, c);
            } else if (c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
                jc_str_put(v, 1); /* a control character: matches no key or code */
            } else {
                return 0;
            }
        } else if (c < 0x80) {
            jc_str_put(v, c);
            j->p++;
        } else if (!jc_utf8(j)) {
            return 0;
        } else {
            jc_str_put(v, 0x80);
        }
    }
    return 0;
}

static int jc_digits(struct jc *j)
{
    const uint8_t *s = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > s;
}

static int jc_number(struct jc *j)
{
    if (*j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (!jc_digits(j))
        return 0;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!jc_digits(j))
            return 0;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!jc_digits(j))
            return 0;
    }
    return 1;
}

static int jc_value(struct jc *j);

static bool jc_is_action(const char *w)
{
    for (int i = 0; i < ACTION_COUNT; i++)
        if (strcmp(w, action_word((enum report_act)i)) == 0)
            return true;
    return false;
}

/* The value of a "reason_code" or "action" key: a word from the table. */
static int jc_reason_value(struct jc *j, bool is_action)
{
    struct jc_str v;
    jc_ws(j);
    if (j->p < j->end && *j->p == 'n' && !is_action)
        return jc_lit(j, "null");
    if (j->p >= j->end || *j->p != '"' || !jc_string(j, &v) || v.other)
        return 0;
    return is_action ? jc_is_action(v.s) : reason_from_code(v.s) != REASON_NONE;
}

static int jc_container(struct jc *j, uint8_t close, int is_object)
{
    if (++j->depth > j->max_depth)
        return 0;
    j->p++;
    jc_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        j->depth--;
        return 1;
    }
    for (;;) {
        struct jc_str key = {.other = true};
        if (is_object) {
            if (j->p >= j->end || *j->p != '"' || !jc_string(j, &key))
                return 0;
            jc_ws(j);
            if (j->p >= j->end || *j->p != ':')
                return 0;
            j->p++;
        }
        bool is_reason = j->reasons && is_object && !key.other && strcmp(key.s, "reason_code") == 0;
        bool is_action = j->reasons && is_object && !key.other && strcmp(key.s, "action") == 0;
        if (is_reason || is_action ? !jc_reason_value(j, is_action) : !jc_value(j))
            return 0;
        jc_ws(j);
        if (j->p >= j->end)
            return 0;
        if (*j->p == ',') {
            j->p++;
            jc_ws(j);
            continue;
        }
        if (*j->p != close)
            return 0;
        j->p++;
        j->depth--;
        return 1;
    }
}

static int jc_value(struct jc *j)
{
    jc_ws(j);
    if (j->p >= j->end)
        return 0;
    switch (*j->p) {
    case '{':
        return jc_container(j, '}', 1);
    case '[':
        return jc_container(j, ']', 0);
    case '"':
        return jc_string(j, NULL);
    case 't':
        return jc_lit(j, "true");
    case 'f':
        return jc_lit(j, "false");
    case 'n':
        return jc_lit(j, "null");
    default:
        if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
            return jc_number(j);
        return 0;
    }
}

static int jc_check(const uint8_t *p, size_t len, unsigned max_depth, bool reasons)
{
    struct jc j = {p, p + len, 0, max_depth, reasons};
    if (!jc_value(&j))
        return 0;
    jc_ws(&j);
    return j.p == j.end;
}

int jsoncheck_valid(const uint8_t *p, size_t len, unsigned max_depth)
{
    return jc_check(p, len, max_depth, false);
}

int jsoncheck_report(const uint8_t *p, size_t len, unsigned max_depth)
{
    return jc_check(p, len, max_depth, true);
}
