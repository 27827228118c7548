/*
 * jsoncheck - a validating JSON scanner with a nesting cap (see jsoncheck.h).
 * Recursion depth is bounded by max_depth, so hostile nesting cannot
 * exhaust the stack.
 */
#include "jsoncheck.h"
#include "utf8.h"

struct jc {
    const uint8_t *p, *end;
    unsigned depth, max_depth;
};

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

static int jc_string(struct jc *j)
{
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
                for (int i = 0; i < 4; i++, j->p++)
                    if (j->p >= j->end || !jc_hex(*j->p))
                        return 0;
            } else if (!(c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' ||
                         c == 'r' || c == 't')) {
                return 0;
            }
        } else if (c < 0x80) {
            j->p++;
        } else if (!jc_utf8(j)) {
            return 0;
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
        if (is_object) {
            if (j->p >= j->end || *j->p != '"' || !jc_string(j))
                return 0;
            jc_ws(j);
            if (j->p >= j->end || *j->p != ':')
                return 0;
            j->p++;
        }
        if (!jc_value(j))
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
        return jc_string(j);
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

int jsoncheck_valid(const uint8_t *p, size_t len, unsigned max_depth)
{
    struct jc j = {p, p + len, 0, max_depth};
    if (!jc_value(&j))
        return 0;
    jc_ws(&j);
    return j.p == j.end;
}
