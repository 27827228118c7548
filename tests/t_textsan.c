/*
 * t_textsan - unit tests for the text and CSV sanitizer.
 *
 * Samples and their expected outputs come from corpus/make-text.py, which
 * computes the expectations on its own (in Python, on the decoded text).
 * On top of the byte comparison every output is looked at here with
 * test-local code: a scanner per encoding that counts forbidden control
 * characters, and a CSV splitter that checks that no cell starts with a
 * formula character unless it is a plain number.
 */
#include "t.h"
#include "t_util.h"

#include "err.h"
#include "report.h"
#include "textsan.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct policy pol;
static struct san_ctx ctx;

static uint8_t *slurp(const char *name, size_t *len)
{
    return t_corpus_file("text", name, len);
}

/* ---- test-local decoding: independent of textsan.c ---- */

static bool is_forbidden_cp(uint32_t cp, bool unicode)
{
    if (cp < 0x20)
        return cp != 9 && cp != 10 && cp != 13;
    if (cp == 0x7F)
        return true;
    if (!unicode)
        return false;
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* Decode one UTF-8 sequence (the output is trusted to be valid only after the check). */
static size_t t_utf8(const uint8_t *p, size_t n, uint32_t *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    size_t k = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : 2;
    if (k > n)
        return 0;
    uint32_t v = p[0] & (0x7F >> k);
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3F);
    }
    *cp = v;
    return k;
}

/*
 * Forbidden characters in data read as enc (name as in the manifest below),
 * or -1 if the data is not valid in it.
 */
static long t_forbidden(const char *enc, const uint8_t *d, size_t n)
{
    long bad = 0;
    size_t i = 0;
    if (!strcmp(enc, "utf-8") || !strcmp(enc, "ascii") || !strcmp(enc, "utf-8-bom")) {
        if (!strcmp(enc, "utf-8-bom")) {
            if (n < 3 || memcmp(d, "\xef\xbb\xbf", 3))
                return -1;
            i = 3;
        }
        while (i < n) {
            uint32_t cp;
            size_t k = t_utf8(d + i, n - i, &cp);
            if (!k)
                return -1;
            bad += is_forbidden_cp(cp, true);
            i += k;
        }
        return bad;
    }
    if (!strcmp(enc, "utf-16le") || !strcmp(enc, "utf-16be")) {
        bool be = !strcmp(enc, "utf-16be");
        if (n % 2 || n < 2 || d[0] != (be ? 0xFE : 0xFF) || d[1] != (be ? 0xFF : 0xFE))
            return -1;
        for (i = 2; i < n; i += 2) {
            uint32_t u = be ? (uint32_t)(d[i] << 8 | d[i + 1]) : (uint32_t)(d[i + 1] << 8 | d[i]);
            bad += is_forbidden_cp(u, true);
        }
        return bad;
    }
    if (!strcmp(enc, "shift_jis")) {
        while (i < n) {
            uint8_t b = d[i];
            if (b < 0x80) {
                bad += is_forbidden_cp(b, false);
                i++;
            } else if (b >= 0xA1 && b <= 0xDF) {
                i++;
            } else {
                if (i + 1 >= n || d[i + 1] < 0x40)
                    return -1;
                i += 2;
            }
        }
        return bad;
    }
    if (!strcmp(enc, "euc-jp")) {
        while (i < n) {
            uint8_t b = d[i];
            if (b < 0x80) {
                bad += is_forbidden_cp(b, false);
                i++;
            } else {
                size_t k = b == 0x8F ? 3 : 2;
                if (i + k > n)
                    return -1;
                for (size_t j = 1; j < k; j++)
                    if (d[i + j] < 0xA1)
                        return -1;
                i += k;
            }
        }
        return bad;
    }
    if (!strcmp(enc, "iso-2022-jp")) {
        bool two = false;
        while (i < n) {
            uint8_t b = d[i];
            if (b >= 0x80)
                return -1;
            if (b == 0x1B) {
                if (i + 2 < n && d[i + 1] == '(' && strchr("BJI", d[i + 2])) {
                    two = false;
                } else if (i + 2 < n && d[i + 1] == '$' && strchr("B@", d[i + 2])) {
                    two = true;
                } else {
                    bad++;
                    i++;
                    continue;
                }
                i += 3;
                continue;
            }
            if (b < 0x21 || b == 0x7F) {
                bad += is_forbidden_cp(b, false);
                i++;
                continue;
            }
            i += two ? 2 : 1;
        }
        /* Must end in ASCII: the last designation, if any, is ESC ( B. */
        for (size_t j = n; j >= 3; j--) {
            if (d[j - 3] == 0x1B && (d[j - 2] == '(' || d[j - 2] == '$')) {
                bad += !(d[j - 2] == '(' && d[j - 1] == 'B');
                break;
            }
        }
        return bad;
    }
    return -1;
}

/* ---- test-local CSV look: every cell in a UTF-8 view of the output ---- */

static void put_utf8(char *o, size_t *k, uint32_t cp)
{
    if (cp < 0x80) {
        o[(*k)++] = (char)cp;
    } else if (cp < 0x800) {
        o[(*k)++] = (char)(0xC0 | cp >> 6);
        o[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        o[(*k)++] = (char)(0xE0 | cp >> 12);
        o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        o[(*k)++] = (char)(0xF0 | cp >> 18);
        o[(*k)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[(*k)++] = (char)(0x80 | (cp & 0x3F));
    }
}

/* JIS X 0208 row 1 cells that matter; everything else becomes U+6F22. */
static uint32_t t_jis(unsigned hi, unsigned lo)
{
    static const struct {
        unsigned code;
        uint32_t cp;
    } m[] = {{0x2121, 0x3000},
             {0x215C, 0xFF0B},
             {0x215D, 0xFF0D},
             {0x2161, 0xFF1D},
             {0x2177, 0xFF20}};
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
        if (m[i].code == (hi << 8 | lo))
            return m[i].cp;
    return 0x6F22;
}

/* A UTF-8 view (malloc'd) of the output, enough to split cells and see their first character. */
static char *t_view(const char *enc, const uint8_t *d, size_t n)
{
    char *o = malloc(n * 4 + 8);
    size_t k = 0, i = 0;
    if (!o)
        return NULL;
    if (!strcmp(enc, "utf-8") || !strcmp(enc, "utf-8-bom")) {
        i = !strcmp(enc, "utf-8-bom") ? 3 : 0;
        memcpy(o, d + i, n - i);
        k = n - i;
    } else if (!strcmp(enc, "utf-16le")) {
        for (i = 2; i + 1 < n; i += 2) {
            uint32_t u = (uint32_t)(d[i + 1] << 8 | d[i]);
            if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
                uint32_t l = (uint32_t)(d[i + 3] << 8 | d[i + 2]);
                u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
                i += 2;
            }
            put_utf8(o, &k, u);
        }
    } else if (!strcmp(enc, "shift_jis")) {
        while (i < n) {
            uint8_t b = d[i];
            if (b < 0x80) {
                o[k++] = (char)b;
                i++;
            } else if (b >= 0xA1 && b <= 0xDF) {
                put_utf8(o, &k, 0xFF61 + (b - 0xA1));
                i++;
            } else {
                uint8_t t = i + 1 < n ? d[i + 1] : 0;
                uint32_t cp = 0x6F22;
                if (b == 0x81 && t >= 0x40 && t <= 0x9E)
                    cp = t_jis(0x21, t <= 0x7E ? t - 0x1F : t - 0x20);
                put_utf8(o, &k, cp);
                i += 2;
            }
        }
    } else if (!strcmp(enc, "euc-jp")) {
        while (i < n) {
            uint8_t b = d[i];
            if (b < 0x80) {
                o[k++] = (char)b;
                i++;
            } else if (b == 0x8F) {
                put_utf8(o, &k, 0x6F22);
                i += 3;
            } else {
                put_utf8(o, &k, b == 0x8E ? 0xFF76 : t_jis(b - 0x80, d[i + 1] - 0x80));
                i += 2;
            }
        }
    } else if (!strcmp(enc, "iso-2022-jp")) {
        bool two = false;
        while (i < n) {
            uint8_t b = d[i];
            if (b == 0x1B && i + 2 < n) {
                two = d[i + 1] == '$';
                i += 3;
            } else if (two && b >= 0x21 && b < 0x7F && i + 1 < n) {
                put_utf8(o, &k, t_jis(b, d[i + 1]));
                i += 2;
            } else {
                o[k++] = (char)b;
                i++;
            }
        }
    }
    o[k] = 0;
    return o;
}

static bool t_is_plain_number(const char *s)
{
    /* sign, digits with ',' groups, optional fraction and exponent, trailing spaces; or a lone sign
     */
    const char *p = s + 1;
    bool digits = false;
    while (*p == ' ')
        p++;
    if (!*p)
        return true;
    p = s + 1;
    while ((*p >= '0' && *p <= '9') || (*p == ',' && digits)) {
        digits = true;
        p++;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            digits = true;
            p++;
        }
    }
    if (!digits)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    while (*p == ' ')
        p++;
    return *p == 0;
}

static const char *const t_triggers[] = {
        "=", "+", "-", "@", "\r", "\xef\xbc\x9d", "\xef\xbc\x8b", "\xef\xbc\x8d", "\xef\xbc\xa0"};

static const char *t_trigger_at(const char *p)
{
    for (size_t i = 0; i < sizeof(t_triggers) / sizeof(t_triggers[0]); i++)
        if (!strncmp(p, t_triggers[i], strlen(t_triggers[i])))
            return t_triggers[i];
    return NULL;
}

struct t_csv {
    int formula_cells;   /* cells whose first character is a formula character and not a number */
    int quoted_formulas; /* cells that start with ' followed by a formula character */
    int numbers;         /* cells that are plain numbers starting with a sign */
    char seen[4096];     /* "|cell|cell|..." of every cell, for spot checks */
};

static void t_cell(struct t_csv *r, const char *c)
{
    const char *p = c;
    size_t sl = strlen(r->seen);
    snprintf(r->seen + sl, sizeof(r->seen) - sl, "|%s", c);
    for (;;) {
        if (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        else if (!strncmp(p, "\xe3\x80\x80", 3))
            p += 3;
        else
            break;
    }
    if (*p == '\'') {
        const char *q = p + 1;
        if (t_trigger_at(q))
            r->quoted_formulas++;
        return;
    }
    const char *t = t_trigger_at(p);
    if (!t)
        return;
    bool sign = !strcmp(t, "+") || !strcmp(t, "-");
    bool wide_sign = !strcmp(t, "\xef\xbc\x8b") || !strcmp(t, "\xef\xbc\x8d");
    if (sign && t_is_plain_number(p)) {
        r->numbers++;
        return;
    }
    if (wide_sign && strspn(p + 3, " ") == strlen(p + 3))
        return;
    fprintf(stderr, "formula cell left: [%s]\n", c);
    r->formula_cells++;
}

/* RFC 4180 with ',' (Excel-like: text after a closing quote is appended). */
static void t_csv_split(const char *s, struct t_csv *r)
{
    size_t n = strlen(s);
    char *cell = malloc(n + 1);
    size_t i = 0;
    memset(r, 0, sizeof(*r));
    if (!cell)
        return;
    while (i <= n) {
        size_t k = 0;
        if (i < n && s[i] == '"') {
            i++;
            while (i < n) {
                if (s[i] == '"' && i + 1 < n && s[i + 1] == '"') {
                    cell[k++] = '"';
                    i += 2;
                } else if (s[i] == '"') {
                    i++;
                    break;
                } else {
                    cell[k++] = s[i++];
                }
            }
        }
        while (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r')
            cell[k++] = s[i++];
        cell[k] = 0;
        t_cell(r, cell);
        i++;
    }
    free(cell);
}

/* ---- helpers ---- */

static const struct report_action *find_action(const struct report_node *n, const char *action,
                                               const char *what_part)
{
    for (size_t i = 0; i < n->n_actions; i++)
        if (!strcmp(action_word(n->actions[i].action), action) &&
            strstr(n->actions[i].what, what_part))
            return &n->actions[i];
    return NULL;
}

static size_t count_byte(const uint8_t *d, size_t n, uint8_t b)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += d[i] == b;
    return c;
}

/* C0 controls the sanitizer must drop, counted in the input by encoding. */
static long t_count_c0(const char *enc, const uint8_t *d, size_t n)
{
    long c = 0;
    if (!strncmp(enc, "utf-16", 6)) {
        bool be = !strcmp(enc, "utf-16be");
        for (size_t i = 2; i + 1 < n; i += 2) {
            uint32_t u = be ? (uint32_t)(d[i] << 8 | d[i + 1]) : (uint32_t)(d[i + 1] << 8 | d[i]);
            c += u < 0x20 && u != 9 && u != 10 && u != 13;
        }
        return c;
    }
    /*
     * In every other supported encoding a byte below 0x20 is always a
     * character of its own; in ISO-2022-JP an ESC starts a sequence that is
     * reported on its own line.
     */
    bool jis = !strcmp(enc, "iso-2022-jp");
    for (size_t i = 0; i < n; i++)
        c += d[i] < 0x20 && d[i] != 9 && d[i] != 10 && d[i] != 13 && !(jis && d[i] == 0x1B);
    return c;
}

struct sample {
    const char *name;
    const char *enc; /* expected detection */
};

static int run(const uint8_t *in, size_t len, bool csv, struct buf *out, struct report_node **node)
{
    *node = report_new("t");
    buf_init(out, 1 << 24);
    return csv ? textsan_sanitize_csv(&ctx, in, len, out, *node)
               : textsan_sanitize(&ctx, in, len, out, *node);
}

/* ---- the tests ---- */

static void test_accepted(const struct sample *s, bool csv)
{
    size_t len = 0, elen = 0;
    uint8_t *in = slurp(s->name, &len);
    char ename[256];
    snprintf(ename, sizeof(ename), "%s.expected", s->name);
    uint8_t *exp = slurp(ename, &elen);
    CHECK(in != NULL && exp != NULL);
    if (!in || !exp)
        goto out;

    enum text_enc e = textenc_detect(in, len);
    if (strcmp(textenc_name(e), s->enc))
        fprintf(stderr, "%s: detected %s, want %s\n", s->name, textenc_name(e), s->enc);
    CHECK(!strcmp(textenc_name(e), s->enc));

    struct buf out;
    struct report_node *node;
    int rc = run(in, len, csv, &out, &node);
    CHECK_EQ_INT(rc, MG_OK);
    bool same = out.len == elen && (elen == 0 || !memcmp(out.data, exp, elen));
    if (!same)
        fprintf(stderr, "%s: output (%zu bytes) differs from expected (%zu bytes)\n", s->name,
                out.len, elen);
    CHECK(same);

    /* Independent look: nothing forbidden is left, in the same encoding. */
    CHECK_EQ_INT(t_forbidden(s->enc, out.data ? out.data : (const uint8_t *)"", out.len), 0);
    CHECK(textsan_verify(&ctx, out.data, out.len) == MG_OK);
    if (csv)
        CHECK(textsan_verify_csv(&ctx, out.data, out.len) == MG_OK);

    /* Report: clean and "kept" when nothing changed, else sanitized with counts. */
    long c0 = t_count_c0(s->enc, in, len);
    bool changed = len != elen || memcmp(in, exp, len);
    CHECK_EQ_INT(node->verdict, changed ? VERDICT_SANITIZED : VERDICT_CLEAN);
    if (!changed)
        CHECK(find_action(node, "kept", s->enc) != NULL);
    if (c0) {
        const struct report_action *a = find_action(node, "removed", "control characters (U+0000");
        CHECK(a != NULL);
        if (a)
            CHECK_EQ_INT(strtol(a->what, NULL, 10), c0);
    }
    if (csv && (!strcmp(s->enc, "utf-8") || !strcmp(s->enc, "utf-8-bom") ||
                !strcmp(s->enc, "shift_jis") || !strcmp(s->enc, "euc-jp"))) {
        /* every quote added is one neutralized cell */
        const struct report_action *a = find_action(node, "rewrote", "CSV cells");
        CHECK(a != NULL);
        if (a)
            CHECK_EQ_INT(strtol(a->what, NULL, 10),
                         count_byte(out.data, out.len, '\'') - count_byte(in, len, '\''));
    }
    if (csv) {
        char *view = t_view(s->enc, out.data, out.len);
        struct t_csv r;
        CHECK(view != NULL);
        if (view) {
            t_csv_split(view, &r);
            CHECK_EQ_INT(r.formula_cells, 0);
            CHECK(r.quoted_formulas >= 12);
            CHECK(r.numbers >= 6);
            /* plain numbers stay as they are */
            CHECK(strstr(r.seen, "|-12|") && strstr(r.seen, "|+81|") &&
                  strstr(r.seen, "|-1,000|") && strstr(r.seen, "|-12.5") &&
                  strstr(r.seen, "|1e3|") && strstr(r.seen, "|+1.5e-3|"));
            CHECK(strstr(r.seen, "|'=cmd|'/c calc'!A0") != NULL);
            CHECK(strstr(r.seen, "|'@SUM(1+9)") != NULL);
            CHECK(strstr(r.seen, "|'-2+3+cmd") != NULL);
            CHECK(strstr(r.seen, "|'\xef\xbc\x9d") != NULL); /* full-width = */
            free(view);
        }
    }
    report_free(node);
    buf_free(&out);
out:
    free(in);
    free(exp);
}

static void test_refused(const char *name)
{
    size_t len;
    uint8_t *in = slurp(name, &len);
    CHECK(in != NULL);
    if (!in)
        return;
    CHECK_EQ_INT(textenc_detect(in, len), TEXT_ENC_UNKNOWN);
    for (int csv = 0; csv < 2; csv++) {
        struct buf out;
        struct report_node *node;
        int rc = run(in, len, csv, &out, &node);
        CHECK_EQ_INT(rc, MG_ERR_PARSE);
        CHECK_EQ_INT(node->verdict, VERDICT_BLOCKED);
        CHECK(!strcmp(reason_code(node->reason_code), "not-text"));
        report_free(node);
        buf_free(&out);
    }
    CHECK_EQ_INT(textsan_verify(&ctx, in, len), MG_ERR_VERIFY);
    free(in);
}

static void test_verify_rejects_raw(const char *name, bool csv)
{
    size_t len;
    uint8_t *in = slurp(name, &len);
    CHECK(in != NULL);
    if (!in)
        return;
    int rc = csv ? textsan_verify_csv(&ctx, in, len) : textsan_verify(&ctx, in, len);
    CHECK_EQ_INT(rc, MG_ERR_VERIFY);
    free(in);
}

static void test_csv_policy_off(void)
{
    size_t len;
    uint8_t *in = slurp("utf8-formulas.csv", &len);
    CHECK(in != NULL);
    if (!in)
        return;
    pol.csv_neutralize_formulas = false;
    struct buf out, tout;
    struct report_node *node, *tnode;
    CHECK_EQ_INT(run(in, len, true, &out, &node), MG_OK);
    CHECK_EQ_INT(run(in, len, false, &tout, &tnode), MG_OK);
    /* only the control character went; no quote added */
    CHECK(out.len == tout.len && !memcmp(out.data, tout.data, out.len));
    CHECK_EQ_INT(count_byte(out.data, out.len, '\''), count_byte(in, len, '\''));
    CHECK_EQ_INT(out.len, len - 1);
    CHECK(find_action(node, "found", "formula") != NULL);
    pol.csv_neutralize_formulas = true;
    report_free(node);
    report_free(tnode);
    buf_free(&out);
    buf_free(&tout);
    free(in);
}

static void test_text_mode_leaves_csv_cells(void)
{
    size_t len;
    uint8_t *in = slurp("sjis-formulas.csv", &len);
    CHECK(in != NULL);
    if (!in)
        return;
    struct buf out;
    struct report_node *node;
    CHECK_EQ_INT(run(in, len, false, &out, &node), MG_OK);
    CHECK_EQ_INT(count_byte(out.data, out.len, '\''), count_byte(in, len, '\''));
    /* clean text, but formula cells left: only the CSV verification objects */
    CHECK_EQ_INT(textsan_verify(&ctx, out.data, out.len), MG_OK);
    CHECK_EQ_INT(textsan_verify_csv(&ctx, out.data, out.len), MG_ERR_VERIFY);
    report_free(node);
    buf_free(&out);
    free(in);
}

static void test_limit(void)
{
    size_t len;
    uint8_t *in = slurp("utf8-plain.txt", &len);
    CHECK(in != NULL);
    if (!in)
        return;
    struct buf out;
    struct report_node *node = report_new("t");
    buf_init(&out, len / 2);
    CHECK_EQ_INT(textsan_sanitize(&ctx, in, len, &out, node), MG_ERR_LIMIT);
    CHECK_EQ_INT(node->verdict, VERDICT_BLOCKED);
    CHECK(!strcmp(reason_code(node->reason_code), "limit"));
    report_free(node);
    buf_free(&out);
    free(in);
}

/* Dropping a control must not let the bytes around it join into another encoding. */
static void test_no_encoding_flip(void)
{
    /* Shift_JIS E3 81 | BEL | 82 41; without the BEL, E3 81 82 is UTF-8 for U+3042. */
    static const uint8_t in[] = {0xE3, 0x81, 0x07, 0x82, 0x41, '\n'};
    CHECK_EQ_INT(textenc_detect(in, sizeof(in)), TEXT_ENC_SJIS);
    struct buf out;
    struct report_node *node;
    CHECK_EQ_INT(run(in, sizeof(in), false, &out, &node), MG_ERR_PARSE);
    CHECK_EQ_INT(node->verdict, VERDICT_BLOCKED);
    report_free(node);
    buf_free(&out);
}

static void test_small_cases(void)
{
    struct buf out;
    struct report_node *node;

    /* empty input is (empty) ASCII text */
    CHECK_EQ_INT(textenc_detect((const uint8_t *)"", 0), TEXT_ENC_ASCII);
    CHECK_EQ_INT(run((const uint8_t *)"", 0, true, &out, &node), MG_OK);
    CHECK_EQ_INT(out.len, 0);
    CHECK_EQ_INT(node->verdict, VERDICT_CLEAN);
    report_free(node);
    buf_free(&out);

    /* ISO-2022-JP: a cell starting in the two-byte state gets ESC ( B ' ESC $ B */
    static const char j[] = "a,\x1b$B!a\x1b(B1\n\x1b$B4A\n!a\x1b(B\n";
    CHECK_EQ_INT(textenc_detect((const uint8_t *)j, strlen(j)), TEXT_ENC_ISO2022JP);
    CHECK_EQ_INT(run((const uint8_t *)j, strlen(j), true, &out, &node), MG_OK);
    static const char jx[] = "a,'\x1b$B!a\x1b(B1\n\x1b$B4A\n\x1b(B'\x1b$B!a\x1b(B\n";
    CHECK(out.len == strlen(jx) && !memcmp(out.data, jx, out.len));
    CHECK_EQ_INT(t_forbidden("iso-2022-jp", out.data, out.len), 0);
    report_free(node);
    buf_free(&out);

    /* UTF-16BE: quote as 00 27 */
    static const uint8_t u[] = {0xFE, 0xFF, 0, '=', 0, '1', 0, '\n'};
    static const uint8_t ux[] = {0xFE, 0xFF, 0, '\'', 0, '=', 0, '1', 0, '\n'};
    CHECK_EQ_INT(run(u, sizeof(u), true, &out, &node), MG_OK);
    CHECK(out.len == sizeof(ux) && !memcmp(out.data, ux, sizeof(ux)));
    report_free(node);
    buf_free(&out);

    /* Shift_JIS trail bytes that look like '@' and '\' are not cell starts or escapes. */
    static const uint8_t s[] = {0x83, 0x40, ',', 0x95, 0x5C, ',', 0x81, 0x97, '1', '\n'};
    static const uint8_t sx[] = {0x83, 0x40, ',', 0x95, 0x5C, ',', '\'', 0x81, 0x97, '1', '\n'};
    CHECK_EQ_INT(textenc_detect(s, sizeof(s)), TEXT_ENC_SJIS);
    CHECK_EQ_INT(run(s, sizeof(s), true, &out, &node), MG_OK);
    CHECK(out.len == sizeof(sx) && !memcmp(out.data, sx, sizeof(sx)));
    report_free(node);
    buf_free(&out);
}

static void test_names(void)
{
    t_check_textenc_names();
}

int main(void)
{
    memset(&pol, 0, sizeof(pol));
    pol.csv_neutralize_formulas = true;
    pol.max_output_size = 1 << 24;
    memset(&ctx, 0, sizeof(ctx));
    ctx.pol = &pol;

    static const struct sample text[] = {
            {"ascii-plain.txt", "ascii"},
            {"utf8-plain.txt", "utf-8"},
            {"utf8bom-plain.txt", "utf-8-bom"},
            {"utf16le-plain.txt", "utf-16le"},
            {"utf16be-plain.txt", "utf-16be"},
            {"sjis-plain.txt", "shift_jis"},
            {"eucjp-plain.txt", "euc-jp"},
            {"iso2022jp-plain.txt", "iso-2022-jp"},
            {"iso2022jp-kana.txt", "iso-2022-jp"},
            {"ascii-controls.txt", "ascii"},
            {"utf8-controls.txt", "utf-8"},
            {"utf8bom-controls.txt", "utf-8-bom"},
            {"utf16le-controls.txt", "utf-16le"},
            {"utf16be-controls.txt", "utf-16be"},
            {"sjis-controls.txt", "shift_jis"},
            {"eucjp-controls.txt", "euc-jp"},
            {"iso2022jp-controls.txt", "iso-2022-jp"},
            {"iso2022jp-unterminated.txt", "iso-2022-jp"},
            {"utf8-trojan.c.txt", "utf-8"},
            {"ambiguous-eucjp.txt", "euc-jp"},
            {"ambiguous-sjis.txt", "shift_jis"},
    };
    static const struct sample csvs[] = {
            {"utf8-formulas.csv", "utf-8"},     {"utf8bom-formulas.csv", "utf-8-bom"},
            {"sjis-formulas.csv", "shift_jis"}, {"utf16le-formulas.csv", "utf-16le"},
            {"eucjp-formulas.csv", "euc-jp"},   {"iso2022jp-formulas.csv", "iso-2022-jp"},
    };
    static const char *const refused[] = {
            "binary-random.bin",   "binary-elf.bin",          "binary-nul.txt",
            "binary-controls.txt", "bad-utf8bom.txt",         "bad-utf16-odd.txt",
            "bad-invalid.txt",     "bad-utf16-surrogate.txt", "bad-sjis-utf8bidi.txt",
    };

    for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
        test_accepted(&text[i], false);
    for (size_t i = 0; i < sizeof(csvs) / sizeof(csvs[0]); i++)
        test_accepted(&csvs[i], true);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        test_refused(refused[i]);

    test_verify_rejects_raw("utf8-controls.txt", false);
    test_verify_rejects_raw("iso2022jp-unterminated.txt", false);
    test_verify_rejects_raw("sjis-formulas.csv", true);
    test_verify_rejects_raw("utf16le-formulas.csv", true);
    test_csv_policy_off();
    test_text_mode_leaves_csv_cells();
    test_limit();
    test_no_encoding_flip();
    test_small_cases();
    test_names();
    return t_done();
}
