/*
 * mail_ppap - password candidates in a message's text (see mail_ppap.h).
 */
#include "mail_ppap.h"
#include "err.h"

#include <string.h>

/* Keywords that introduce a password, matched case-insensitively for ASCII. */
static const char *const keywords[] = {
        "\xE3\x83\x91\xE3\x82\xB9\xE3\x83\xAF\xE3\x83\xBC\xE3\x83\x89", /* パスワード */
        "\xE6\x9A\x97\xE8\xA8\xBC\xE7\x95\xAA\xE5\x8F\xB7",             /* 暗証番号 */
        "\xE8\xA7\xA3\xE5\x87\x8D",                                     /* 解凍 */
        "password",
        "passwd",
        "pass",
        "pw",
};

/* Separators between a keyword and its token, besides spaces and tabs. */
static const char *const separators[] = {
        ":",
        "=",
        "\xEF\xBC\x9A" /* ： */,
        "\xE3\x81\xAF" /* は */,
        "\xE3\x80\x80" /* 全角空白 */,
        "\xEF\xBC\x9D" /* ＝ */,
};

static int is_token_char(unsigned char c)
{
    return c > 0x20 && c < 0x7F;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int starts_with_ci(const char *p, const char *end, const char *kw)
{
    size_t n = strlen(kw);
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)p[i]) != lower((unsigned char)kw[i]))
            return 0;
    return 1;
}

/* Append a token unless it is there already; LIMIT past the cap. */
static int add(struct buf *out, size_t *n, const char *tok, size_t len)
{
    if (len < MAIL_PPAP_TOKEN_MIN || len > MAIL_PPAP_TOKEN_MAX)
        return MG_OK;
    for (size_t off = 0; off < out->len;) {
        const char *have = (const char *)out->data + off;
        size_t hl = strlen(have);
        if (hl == len && memcmp(have, tok, len) == 0)
            return MG_OK;
        off += hl + 1;
    }
    if (*n >= MAIL_PPAP_MAX)
        return MG_ERR_LIMIT;
    int rc = buf_append(out, tok, len);
    if (rc == MG_OK)
        rc = buf_putc(out, 0);
    if (rc == MG_OK)
        (*n)++;
    return rc;
}

/* After a keyword at p: skip separators, take the token. */
static int after_keyword(const char *p, const char *end, struct buf *out, size_t *n)
{
    for (int moved = 1; moved && p < end;) {
        moved = 0;
        if (*p == ' ' || *p == '\t') {
            p++;
            moved = 1;
            continue;
        }
        for (size_t i = 0; i < sizeof(separators) / sizeof(separators[0]); i++) {
            size_t sl = strlen(separators[i]);
            if ((size_t)(end - p) >= sl && memcmp(p, separators[i], sl) == 0) {
                p += sl;
                moved = 1;
                break;
            }
        }
    }
    const char *t = p;
    while (p < end && is_token_char((unsigned char)*p))
        p++;
    /* A token ends at white space or the end of the line, not inside
     * other text ("password is below" has no token). */
    if (p < end && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
        return MG_OK;
    return add(out, n, t, (size_t)(p - t));
}

static int one_line(const char *p, const char *end, int lone_pass, struct buf *out, size_t *n)
{
    /* A lone token on the line. */
    const char *a = p, *b = end;
    while (a < b && (*a == ' ' || *a == '\t'))
        a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
        b--;
    int lone = lone_pass && b > a;
    for (const char *q = a; q < b && lone; q++)
        lone = is_token_char((unsigned char)*q);
    if (lone) {
        int rc = add(out, n, a, (size_t)(b - a));
        if (rc != MG_OK)
            return rc;
    }
    /* Tokens after keywords anywhere on the line; an ASCII keyword only at
     * a word start ("bypass" is not "pass"). */
    for (const char *q = p; q < end && !lone_pass; q++) {
        for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++) {
            const char *kw = keywords[k];
            int ascii = (unsigned char)kw[0] < 0x80;
            if (ascii && q > p &&
                ((lower((unsigned char)q[-1]) >= 'a' && lower((unsigned char)q[-1]) <= 'z')))
                continue;
            if (!starts_with_ci(q, end, kw))
                continue;
            const char *r = q + strlen(kw);
            /* "password" is not "pass" + "word"; the longest keyword wins. */
            if (ascii && r < end && lower((unsigned char)*r) >= 'a' &&
                lower((unsigned char)*r) <= 'z')
                continue;
            int rc = after_keyword(r, end, out, n);
            if (rc != MG_OK)
                return rc;
            break;
        }
    }
    return MG_OK;
}

int mail_ppap_candidates(const char *text, size_t len, struct buf *out, size_t *n)
{
    *n = 0;
    /* Tokens after keywords first, then lone ones: a signature line must
     * not crowd out the password. */
    for (int lone_pass = 0; lone_pass < 2; lone_pass++) {
        const char *p = text, *end = text + len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *le = nl ? nl : end;
            int rc = one_line(p, le, lone_pass, out, n);
            if (rc == MG_ERR_LIMIT)
                return MG_OK; /* enough candidates */
            if (rc != MG_OK)
                return rc;
            p = nl ? nl + 1 : end;
        }
    }
    return MG_OK;
}
