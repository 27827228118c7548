/*
 * rtf_tok - see rtf_tok.h.
 */
#include "rtf_tok.h"
#include "err.h"
#include "hexval.h"

#include <stdio.h>
#include <string.h>

void rtf_lex_init(struct rtf_lexer *lx, const uint8_t *in, size_t len)
{
    memset(lx, 0, sizeof(*lx));
    lx->in = in;
    lx->len = len;
}

static bool rtf_letter(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool rtf_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static int rtf_fail(struct rtf_lexer *lx, int rc, const char *why)
{
    snprintf(lx->why, sizeof(lx->why), "%s at offset %zu", why, lx->off);
    return rc;
}

/* \letters, then an optional parameter, then one space eaten as delimiter. */
static int rtf_word(struct rtf_lexer *lx, struct rtf_tok *t)
{
    size_t n = 0;
    while (lx->off < lx->len && rtf_letter(lx->in[lx->off])) {
        if (n == RTF_WORD_MAX)
            return rtf_fail(lx, MG_ERR_PARSE, "control word longer than 32 letters");
        t->word[n++] = (char)lx->in[lx->off++];
    }
    t->word[n] = 0;
    bool neg = lx->off + 1 < lx->len && lx->in[lx->off] == '-' && rtf_digit(lx->in[lx->off + 1]);
    if (neg)
        lx->off++;
    if (lx->off < lx->len && rtf_digit(lx->in[lx->off])) {
        int64_t v = 0;
        size_t digits = 0;
        while (lx->off < lx->len && rtf_digit(lx->in[lx->off])) {
            if (++digits > RTF_PARAM_DIGITS)
                return rtf_fail(lx, MG_ERR_PARSE, "control word parameter of more than 10 digits");
            v = v * 10 + (lx->in[lx->off++] - '0');
        }
        v = neg ? -v : v;
        if (v < INT32_MIN || v > INT32_MAX)
            return rtf_fail(lx, MG_ERR_PARSE, "control word parameter outside 32 bits");
        t->has_param = true;
        t->param = (int32_t)v;
    }
    if (lx->off < lx->len && lx->in[lx->off] == ' ')
        lx->off++;
    t->kind = RTF_TOK_WORD;
    if (strcmp(t->word, "bin") != 0)
        return MG_OK;
    /* \binN: N raw bytes follow, which may hold braces and backslashes. */
    if (!t->has_param || t->param < 0 || (size_t)t->param > lx->len - lx->off)
        return rtf_fail(lx, MG_ERR_PARSE, "\\bin length missing, negative or past the end");
    t->kind = RTF_TOK_BIN;
    t->data = lx->in + lx->off;
    t->len = (size_t)t->param;
    lx->off += t->len;
    return MG_OK;
}

static int rtf_escape(struct rtf_lexer *lx, struct rtf_tok *t)
{
    lx->off++; /* the backslash */
    if (lx->off >= lx->len)
        return rtf_fail(lx, MG_ERR_PARSE, "backslash at the end of the file");
    uint8_t c = lx->in[lx->off];
    if (rtf_letter(c))
        return rtf_word(lx, t);
    lx->off++;
    if (c == '\'') {
        int hi = lx->off < lx->len ? hexval(lx->in[lx->off]) : -1;
        int lo = lx->off + 1 < lx->len ? hexval(lx->in[lx->off + 1]) : -1;
        if (hi < 0 || lo < 0)
            return rtf_fail(lx, MG_ERR_PARSE, "\\' not followed by two hex digits");
        lx->off += 2;
        t->kind = RTF_TOK_HEX;
        t->ch = (uint8_t)(hi << 4 | lo);
        return MG_OK;
    }
    t->kind = RTF_TOK_SYMBOL;
    t->ch = c == '\r' ? '\n' : c;
    return MG_OK;
}

int rtf_next(struct rtf_lexer *lx, struct rtf_tok *t)
{
    memset(t, 0, sizeof(*t));
    t->off = lx->off;
    if (lx->off >= lx->len) {
        t->kind = RTF_TOK_EOF;
        return MG_OK;
    }
    uint8_t c = lx->in[lx->off];
    if (c == '{') {
        if (lx->depth >= RTF_MAX_DEPTH)
            return rtf_fail(lx, MG_ERR_LIMIT, "groups nested deeper than 256");
        lx->depth++;
        lx->off++;
        t->kind = RTF_TOK_OPEN;
        return MG_OK;
    }
    if (c == '}') {
        if (lx->depth == 0)
            return rtf_fail(lx, MG_ERR_PARSE, "} without a matching {");
        lx->depth--;
        lx->off++;
        t->kind = RTF_TOK_CLOSE;
        return MG_OK;
    }
    if (c == '\\')
        return rtf_escape(lx, t);
    size_t start = lx->off;
    while (lx->off < lx->len && lx->in[lx->off] != '{' && lx->in[lx->off] != '}' &&
           lx->in[lx->off] != '\\')
        lx->off++;
    t->kind = RTF_TOK_TEXT;
    t->data = lx->in + start;
    t->len = lx->off - start;
    return MG_OK;
}
