/*
 * fuzz_jsoncheck - jsoncheck_valid() and jsoncheck_report() on arbitrary
 * bytes, against a second, independent recursive-descent checker written
 * here from RFC 8259 and RFC 3629 (it shares no code with jsoncheck.c).
 *
 * abort() (a crash for AFL++) when the two disagree:
 *   - jsoncheck_valid(cap) must accept exactly the inputs the reference
 *     finds well-formed with at most cap levels of nesting (caps 1, 4, 64);
 *   - jsoncheck_report() must accept exactly those that are also well-formed
 *     reports: every "reason_code" key (after unescaping) has null or a code
 *     from the table, every "action" key a word from the table.
 * Each input is copied into a buffer of its exact size, so a read past len
 * is an ASan error rather than a read of AFL++'s larger buffer.
 */
#include "jsoncheck.h"
#include "reason.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Deeper than any cap the harness passes; bounds the reference's recursion. */
#define REF_DEPTH_LIMIT 200
#define REF_STR_MAX     128

struct ref {
    const uint8_t *s;
    size_t n, i;
    unsigned depth, max_seen;
    bool bad_report; /* a reason_code or action value not from the table */
};

struct ref_str {
    uint32_t u[REF_STR_MAX];
    size_t n;
    bool long_;
};

static bool ref_more(const struct ref *r)
{
    return r->i < r->n;
}

static void ref_skip_ws(struct ref *r)
{
    while (ref_more(r)) {
        uint8_t c = r->s[r->i];
        if (c != 0x20 && c != 0x09 && c != 0x0A && c != 0x0D)
            return;
        r->i++;
    }
}

/* One UTF-8 sequence (RFC 3629 table of well-formed byte sequences). */
static bool ref_utf8(struct ref *r, uint32_t *cp)
{
    const uint8_t *s = r->s + r->i;
    size_t left = r->n - r->i;
    uint8_t b0 = s[0];
    size_t k;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF)
        k = 2;
    else if (b0 >= 0xE0 && b0 <= 0xEF)
        k = 3;
    else if (b0 >= 0xF0 && b0 <= 0xF4)
        k = 4;
    else
        return false;
    if (b0 == 0xE0)
        lo = 0xA0;
    else if (b0 == 0xED)
        hi = 0x9F;
    else if (b0 == 0xF0)
        lo = 0x90;
    else if (b0 == 0xF4)
        hi = 0x8F;
    if (left < k)
        return false;
    if (s[1] < lo || s[1] > hi)
        return false;
    for (size_t t = 2; t < k; t++)
        if (s[t] < 0x80 || s[t] > 0xBF)
            return false;
    *cp = 0x80; /* the value does not matter: above ASCII, in no code */
    r->i += k;
    return true;
}

static int ref_hexdigit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void ref_str_add(struct ref_str *v, uint32_t u)
{
    if (v->n < REF_STR_MAX)
        v->u[v->n++] = u;
    else
        v->long_ = true;
}

/* A string at r->i (which is on the opening quote), unescaped into v. */
static bool ref_string(struct ref *r, struct ref_str *v)
{
    static const char esc_from[] = "\"\\/bfnrt";
    static const uint8_t esc_to[] = {'"', '\\', '/', 8, 12, 10, 13, 9};
    v->n = 0;
    v->long_ = false;
    r->i++;
    for (;;) {
        if (!ref_more(r))
            return false;
        uint8_t c = r->s[r->i];
        if (c == '"') {
            r->i++;
            return true;
        }
        if (c <= 0x1F)
            return false;
        if (c >= 0x80) {
            uint32_t cp;
            if (!ref_utf8(r, &cp))
                return false;
            ref_str_add(v, cp);
            continue;
        }
        r->i++;
        if (c != '\\') {
            ref_str_add(v, c);
            continue;
        }
        if (!ref_more(r))
            return false;
        c = r->s[r->i++];
        const char *e = c ? strchr(esc_from, c) : NULL;
        if (e) {
            ref_str_add(v, esc_to[e - esc_from]);
            continue;
        }
        if (c != 'u' || r->n - r->i < 4)
            return false;
        uint32_t u = 0;
        for (int k = 0; k < 4; k++) {
            int h = ref_hexdigit(r->s[r->i++]);
            if (h < 0)
                return false;
            u = u * 16 + (uint32_t)h;
        }
        ref_str_add(v, u);
    }
}

/* v as a C string when it is short, printable ASCII; else false. */
static bool ref_str_c(const struct ref_str *v, char *out, size_t cap)
{
    if (v->long_ || v->n + 1 > cap)
        return false;
    for (size_t k = 0; k < v->n; k++) {
        if (v->u[k] < 0x20 || v->u[k] > 0x7E)
            return false;
        out[k] = (char)v->u[k];
    }
    out[v->n] = 0;
    return true;
}

static bool ref_str_is(const struct ref_str *v, const char *w)
{
    char s[REF_STR_MAX + 1];
    return ref_str_c(v, s, sizeof(s)) && strcmp(s, w) == 0;
}

static bool ref_word(const char *w, const char *lit)
{
    return strcmp(w, lit) == 0;
}

static bool ref_number(struct ref *r)
{
    size_t start;
    if (r->s[r->i] == '-')
        r->i++;
    if (!ref_more(r))
        return false;
    if (r->s[r->i] == '0') {
        r->i++;
    } else if (r->s[r->i] >= '1' && r->s[r->i] <= '9') {
        while (ref_more(r) && r->s[r->i] >= '0' && r->s[r->i] <= '9')
            r->i++;
    } else {
        return false;
    }
    if (ref_more(r) && r->s[r->i] == '.') {
        r->i++;
        start = r->i;
        while (ref_more(r) && r->s[r->i] >= '0' && r->s[r->i] <= '9')
            r->i++;
        if (r->i == start)
            return false;
    }
    if (ref_more(r) && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
        r->i++;
        if (ref_more(r) && (r->s[r->i] == '+' || r->s[r->i] == '-'))
            r->i++;
        start = r->i;
        while (ref_more(r) && r->s[r->i] >= '0' && r->s[r->i] <= '9')
            r->i++;
        if (r->i == start)
            return false;
    }
    return true;
}

static bool ref_literal(struct ref *r, const char *lit)
{
    size_t k = strlen(lit);
    if (r->n - r->i < k || memcmp(r->s + r->i, lit, k) != 0)
        return false;
    r->i += k;
    return true;
}

enum ref_kind { RK_PLAIN, RK_REASON, RK_ACTION };

static bool ref_value(struct ref *r, enum ref_kind kind);

/* Objects and arrays; depth counts the containers open around a value. */
static bool ref_container(struct ref *r, bool object)
{
    uint8_t close = object ? '}' : ']';
    r->depth++;
    if (r->depth > r->max_seen)
        r->max_seen = r->depth;
    if (r->depth > REF_DEPTH_LIMIT)
        return false;
    r->i++;
    ref_skip_ws(r);
    if (ref_more(r) && r->s[r->i] == close) {
        r->i++;
        r->depth--;
        return true;
    }
    for (;;) {
        enum ref_kind kind = RK_PLAIN;
        ref_skip_ws(r);
        if (object) {
            struct ref_str key;
            if (!ref_more(r) || r->s[r->i] != '"' || !ref_string(r, &key))
                return false;
            if (ref_str_is(&key, "reason_code"))
                kind = RK_REASON;
            else if (ref_str_is(&key, "action"))
                kind = RK_ACTION;
            ref_skip_ws(r);
            if (!ref_more(r) || r->s[r->i] != ':')
                return false;
            r->i++;
        }
        if (!ref_value(r, kind))
            return false;
        ref_skip_ws(r);
        if (!ref_more(r))
            return false;
        uint8_t c = r->s[r->i++];
        if (c == close) {
            r->depth--;
            return true;
        }
        if (c != ',')
            return false;
    }
}

static bool ref_code_ok(const struct ref_str *v, enum ref_kind kind)
{
    char s[REF_STR_MAX + 1];
    if (!ref_str_c(v, s, sizeof(s)))
        return false;
    if (kind == RK_REASON)
        return reason_from_code(s) != REASON_NONE;
    for (int a = 0; a < ACTION_COUNT; a++)
        if (ref_word(s, action_word((enum report_act)a)))
            return true;
    return false;
}

static bool ref_value(struct ref *r, enum ref_kind kind)
{
    ref_skip_ws(r);
    if (!ref_more(r))
        return false;
    uint8_t c = r->s[r->i];
    if (c == '"') {
        struct ref_str v;
        if (!ref_string(r, &v))
            return false;
        if (kind != RK_PLAIN && !ref_code_ok(&v, kind))
            r->bad_report = true;
        return true;
    }
    if (c == 'n' && ref_literal(r, "null")) {
        if (kind == RK_ACTION)
            r->bad_report = true;
        return true;
    }
    if (kind != RK_PLAIN)
        r->bad_report = true; /* a number, literal or container as a code */
    if (c == '{' || c == '[')
        return ref_container(r, c == '{');
    if (c == 't')
        return ref_literal(r, "true");
    if (c == 'f')
        return ref_literal(r, "false");
    if (c == '-' || (c >= '0' && c <= '9'))
        return ref_number(r);
    return false;
}

/* Well-formed? *depth gets the deepest nesting seen. */
static bool ref_check(const uint8_t *s, size_t n, unsigned *depth, bool *bad_report)
{
    struct ref r = {.s = s, .n = n};
    bool ok = ref_value(&r, RK_PLAIN);
    if (ok) {
        ref_skip_ws(&r);
        ok = r.i == r.n;
    }
    *depth = r.max_seen;
    *bad_report = r.bad_report;
    return ok;
}

int fuzz_init(void)
{
    return 0;
}

int fuzz_one(const uint8_t *data, size_t len)
{
    static const unsigned caps[] = {1, 4, 64};
    uint8_t *p = malloc(len ? len : 1);
    if (!p)
        return 0;
    memcpy(p, data, len);

    unsigned depth;
    bool bad_report;
    bool ok = ref_check(p, len, &depth, &bad_report);
    for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
        bool want = ok && depth <= caps[k];
        if ((jsoncheck_valid(p, len, caps[k]) != 0) != want)
            abort();
    }
    bool want_report = ok && depth <= 64 && !bad_report;
    if ((jsoncheck_report(p, len, 64) != 0) != want_report)
        abort();
    free(p);
    return 0;
}
