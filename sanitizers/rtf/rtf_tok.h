/*
 * rtf_tok - a strict RTF tokenizer: groups, control words, control
 * symbols, hex escapes, \bin data and runs of text.
 *
 * It decides nothing about safety; it only splits the bytes the way the
 * RTF specification (1.9.1) does, and refuses what a writer never produces
 * and a reader could take two ways:
 *   - a control word longer than RTF_WORD_MAX letters;
 *   - a parameter of more than RTF_PARAM_DIGITS digits or outside int32
 *     (refused, not clamped: a clamped value would be a different
 *     document, and oversized numbers are what parser exploits use);
 *   - a \' not followed by two hex digits, a backslash at the end;
 *   - \bin with a negative length or more bytes than remain;
 *   - groups nested deeper than RTF_MAX_DEPTH, a } with no {, and a
 *     { never closed (the caller sees depth > 0 at the end).
 */
#ifndef MUGAI_RTF_TOK_H
#define MUGAI_RTF_TOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTF_WORD_MAX     32  /* the specification's limit on a control word's letters */
#define RTF_PARAM_DIGITS 10  /* enough for any int32 */
#define RTF_MAX_DEPTH    256 /* Word's own documents stay far below; deeper is a bomb */

enum rtf_tok_kind {
    RTF_TOK_EOF,
    RTF_TOK_OPEN,   /* { */
    RTF_TOK_CLOSE,  /* } */
    RTF_TOK_WORD,   /* \letters[-]digits */
    RTF_TOK_SYMBOL, /* \ and one non-letter: ch ('\n' for \ before CR or LF) */
    RTF_TOK_HEX,    /* \'hh: ch is the byte */
    RTF_TOK_BIN,    /* \binN: data, len */
    RTF_TOK_TEXT,   /* a run of bytes that are none of \ { } */
};

struct rtf_tok {
    enum rtf_tok_kind kind;
    char word[RTF_WORD_MAX + 1];
    bool has_param;
    int32_t param;
    uint8_t ch;
    const uint8_t *data; /* TEXT and BIN */
    size_t len;
    size_t off; /* where the token starts in the input */
};

struct rtf_lexer {
    const uint8_t *in;
    size_t len, off;
    unsigned depth; /* open groups */
    char why[160];  /* set when rtf_next() fails */
};

void rtf_lex_init(struct rtf_lexer *lx, const uint8_t *in, size_t len);
/* The next token into t: MG_OK, MG_ERR_PARSE or MG_ERR_LIMIT (depth), with lx->why. */
int rtf_next(struct rtf_lexer *lx, struct rtf_tok *t);

#endif
