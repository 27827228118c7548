/*
 * rtf_text - policy "flatten" for RTF: the document's text as UTF-8.
 *
 * The same strict tokenizer as the sanitizer (rtf_tok.h), so a file the
 * sanitizer refuses as malformed is refused here too, then one pass with
 * a stack of groups. Text is taken only from the body and from the
 * destinations that are text a reader sees: field results (\fldrslt,
 * never \fldinst), an object's \result, a shape's \shptxt, list numbers
 * (\listtext, \pntext), footnotes (written after the body). Every other
 * destination is skipped whole: font, colour and style tables (the font
 * table is read for the character sets), \info, pictures, \objdata and
 * the rest of objects, \datastore, \template, headers and footers,
 * comments, shape properties, and every \* destination not named above.
 *
 * Characters: \uN (with its \ucN fallback characters skipped, surrogate
 * pairs joined), \'hh and 8-bit text in the code page of the current
 * font's \fcharset (128: CP932, decoded with our own table; 0 and 1: the
 * document's \ansicpg, 1252 when absent); bytes of other multi-byte code
 * pages come out as U+FFFD. \par, \line, \sect, \page and \cell end a
 * line, \tab is a TAB, \emdash, \lquote, \~ ... their characters.
 */
#include "cp932.h"
#include "err.h"
#include "rtf_tok.h"
#include "rtfsan.h"
#include "textdec.h"
#include "textout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fonts whose character set is remembered (\fN beyond this: the default). */
#define RT_FONTS 4096

enum rt_mode {
    RT_TEXT,    /* text of the document */
    RT_SKIP,    /* not text: dropped to the group's end */
    RT_FONTTBL, /* the font table: \fN \fcharsetN pairs */
    RT_OBJECT,  /* an object: only its \result */
    RT_FIELD,   /* a field: only its \fldrslt */
    RT_SHAPE,   /* a shape: only its \shptxt */
    RT_PART,    /* a group of an object, field or shape: its first word says which */
};

struct rt_frame {
    enum rt_mode mode;
    uint8_t uc;
    bool star;
    bool note;     /* inside a footnote: text goes after the body */
    uint16_t font; /* \fN in effect */
};

struct rt_walk {
    struct rt_frame fr[RTF_MAX_DEPTH + 1];
    unsigned n;
    struct textout body, notes;
    unsigned ansicpg;
    int16_t font_cs[RT_FONTS]; /* \fcharset per font; -1 unknown */
    int fonttbl_font;          /* the font being defined in the font table */
    unsigned skip;             /* \u fallback characters still to drop */
    uint8_t lead;              /* a CP932 lead byte waiting for its trail, or 0 */
    uint16_t high;             /* a high surrogate from \u, or 0 */
    bool after_cell;           /* the last thing written was a cell's end */
    unsigned notes_n;
    char why[200];
};

static struct rt_frame *top(struct rt_walk *w)
{
    return &w->fr[w->n - 1];
}

static struct textout *sink(struct rt_walk *w)
{
    return top(w)->note ? &w->notes : &w->body;
}

/* The code page of the current font. */
static unsigned codepage(struct rt_walk *w)
{
    uint16_t f = top(w)->font;
    int cs = f < RT_FONTS ? w->font_cs[f] : -1;
    switch (cs) {
    case 128:
        return 932;
    case 129:
        return 949;
    case 134:
        return 936;
    case 136:
        return 950;
    case 2:
        return 1252; /* Symbol: its glyphs sit at Latin positions */
    case 0:
    case 1:
    case -1:
    default:
        return w->ansicpg ? w->ansicpg : 1252;
    }
}

static int put(struct rt_walk *w, uint32_t cp)
{
    w->after_cell = false;
    return textout_char(sink(w), cp);
}

/* A lead byte left without its trail byte. */
static int flush_lead(struct rt_walk *w)
{
    if (!w->lead)
        return MG_OK;
    w->lead = 0;
    return put(w, 0xFFFD);
}

/* One byte of text (a literal or \'hh) in the current code page. */
static int put_byte(struct rt_walk *w, uint8_t b)
{
    unsigned cp = codepage(w);
    if (cp == 932) {
        if (w->lead) {
            uint8_t two[2] = {w->lead, b};
            size_t used;
            int32_t c = cp932_decode_one(two, 2, &used);
            w->lead = 0;
            if (c >= 0 && used == 2)
                return put(w, (uint32_t)c);
            int rc = put(w, 0xFFFD);
            return rc == MG_OK ? put_byte(w, b) : rc;
        }
        if ((b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC)) {
            w->lead = b;
            return MG_OK;
        }
        size_t used;
        int32_t c = cp932_decode_one(&b, 1, &used);
        return put(w, c >= 0 ? (uint32_t)c : 0xFFFD);
    }
    if (b < 0x80)
        return put(w, b);
    if (cp == 1252 || cp == 10000 || cp == 28591)
        return put(w, textdec_cp1252_char(b));
    return put(w, 0xFFFD); /* a code page we do not decode */
}

static int put_unicode(struct rt_walk *w, int32_t v)
{
    int rc = flush_lead(w);
    if (rc != MG_OK)
        return rc;
    uint32_t u = (uint32_t)(v < 0 ? v + 65536 : v);
    if (u >= 0xD800 && u <= 0xDBFF) {
        w->high = (uint16_t)u;
        return MG_OK;
    }
    if (u >= 0xDC00 && u <= 0xDFFF) {
        u = w->high ? 0x10000u + (((uint32_t)w->high - 0xD800u) << 10) + (u - 0xDC00u) : 0xFFFDu;
    } else if (w->high && (rc = put(w, 0xFFFD)) != MG_OK) {
        return rc;
    }
    w->high = 0;
    return put(w, u);
}

/* Destinations (group-opening words) and what becomes of them. */
static const struct {
    const char *word;
    enum rt_mode mode;
} dests[] = {
        {"fonttbl", RT_FONTTBL},
        {"colortbl", RT_SKIP},
        {"stylesheet", RT_SKIP},
        {"info", RT_SKIP},
        {"pict", RT_SKIP},
        {"object", RT_OBJECT},
        {"objdata", RT_SKIP},
        {"objclass", RT_SKIP},
        {"objname", RT_SKIP},
        {"datastore", RT_SKIP},
        {"template", RT_SKIP},
        {"header", RT_SKIP},
        {"headerl", RT_SKIP},
        {"headerr", RT_SKIP},
        {"headerf", RT_SKIP},
        {"footer", RT_SKIP},
        {"footerl", RT_SKIP},
        {"footerr", RT_SKIP},
        {"footerf", RT_SKIP},
        {"field", RT_FIELD},
        {"fldinst", RT_SKIP},
        {"shp", RT_SHAPE},
        {"shpgrp", RT_SHAPE},
        {"shprslt", RT_SKIP},
        {"nonshppict", RT_SKIP},
        {"annotation", RT_SKIP},
        {"atnid", RT_SKIP},
        {"atnauthor", RT_SKIP},
        {"listtable", RT_SKIP},
        {"listoverridetable", RT_SKIP},
        {"revtbl", RT_SKIP},
        {"rsidtbl", RT_SKIP},
        {"generator", RT_SKIP},
        {"themedata", RT_SKIP},
        {"colorschememapping", RT_SKIP},
        {"latentstyles", RT_SKIP},
        {"docvar", RT_SKIP},
        {"xmlnstbl", RT_SKIP},
        {"ftnsep", RT_SKIP},
        {"ftnsepc", RT_SKIP},
        {"aftnsep", RT_SKIP},
        {"aftnsepc", RT_SKIP},
        {"ftncn", RT_SKIP},
        {"aftncn", RT_SKIP},
        {"bkmkstart", RT_SKIP},
        {"bkmkend", RT_SKIP},
        {"falt", RT_SKIP},
        {"panose", RT_SKIP},
        {"userprops", RT_SKIP},
        {"mmathPr", RT_SKIP},
        {"pgdsctbl", RT_SKIP},
        {"defchp", RT_SKIP},
        {"defpap", RT_SKIP},
        {"xe", RT_SKIP},
        {"tc", RT_SKIP},
        {"sp", RT_SKIP},
        {"do", RT_SKIP},
        {"formfield", RT_SKIP},
        {"background", RT_SKIP},
        {"passwordhash", RT_SKIP},
};

/* Words that put a character in the text. */
static const struct {
    const char *word;
    uint32_t cp;
} chars[] = {
        {"par", '\n'},       {"line", '\n'},      {"sect", '\n'},        {"page", '\n'},
        {"column", '\n'},    {"tab", '\t'},       {"emdash", 0x2014},    {"endash", 0x2013},
        {"emspace", 0x2003}, {"enspace", 0x2002}, {"qmspace", 0x2005},   {"bullet", 0x2022},
        {"lquote", 0x2018},  {"rquote", 0x2019},  {"ldblquote", 0x201C}, {"rdblquote", 0x201D},
        {"zwj", 0x200D},     {"zwnj", 0x200C},    {"lbr", '\n'},
};

/* The first word of a group inside an object, field or shape: the part that is text, or not. */
static void rt_part(struct rt_walk *w, struct rt_frame *f, const char *word)
{
    enum rt_mode up = w->fr[w->n - 2].mode;
    if ((up == RT_OBJECT && strcmp(word, "result") == 0) ||
        (up == RT_FIELD && strcmp(word, "fldrslt") == 0) ||
        (up == RT_SHAPE && strcmp(word, "shptxt") == 0))
        f->mode = RT_TEXT;
    else if (up == RT_SHAPE && (strcmp(word, "shpinst") == 0 || strcmp(word, "shp") == 0))
        f->mode = RT_SHAPE; /* its groups are parts again: \sp goes, \shptxt stays */
    else
        f->mode = RT_SKIP;
}

/* A word in a text group: a destination switches the group's mode wherever it stands. */
static int rt_dest(struct rt_walk *w, struct rt_frame *f, const char *word, bool star)
{
    if (strcmp(word, "footnote") == 0) {
        if (!f->note) {
            f->note = true;
            w->notes_n++;
        }
        return textout_end_line(&w->notes);
    }
    for (size_t i = 0; i < sizeof(dests) / sizeof(dests[0]); i++)
        if (strcmp(word, dests[i].word) == 0) {
            f->mode = dests[i].mode;
            if (f->mode == RT_FONTTBL)
                w->fonttbl_font = -1;
            return MG_OK;
        }
    /* \listtext, \pntext, \result, \fldrslt, \shptxt standing alone are text;
     * any other ignorable destination we do not know is not. */
    if (star && strcmp(word, "listtext") != 0 && strcmp(word, "pntext") != 0 &&
        strcmp(word, "result") != 0 && strcmp(word, "fldrslt") != 0 && strcmp(word, "shptxt") != 0)
        f->mode = RT_SKIP;
    return MG_OK;
}

static int rt_word(struct rt_walk *w, const struct rtf_tok *t)
{
    struct rt_frame *f = top(w);
    bool star = f->star;
    f->star = false;
    if (f->mode == RT_SKIP)
        return MG_OK;
    if (f->mode == RT_PART) {
        rt_part(w, f, t->word);
        return MG_OK;
    }
    if (f->mode == RT_FONTTBL) {
        if (strcmp(t->word, "f") == 0 && t->has_param)
            w->fonttbl_font = t->param;
        else if (strcmp(t->word, "fcharset") == 0 && t->has_param && w->fonttbl_font >= 0 &&
                 w->fonttbl_font < RT_FONTS)
            w->font_cs[w->fonttbl_font] = (int16_t)(t->param & 0x7FFF);
        else if (star || strcmp(t->word, "panose") == 0 || strcmp(t->word, "falt") == 0 ||
                 strcmp(t->word, "fontemb") == 0 || strcmp(t->word, "fontfile") == 0)
            f->mode = RT_SKIP;
        return MG_OK;
    }
    if (f->mode != RT_TEXT)
        return MG_OK;  /* the owner's own words: \objemb, \fldlock, \shpleft ... */
    if (w->skip > 0) { /* a control word counts as one \u fallback character */
        w->skip--;
        return MG_OK;
    }
    if (strcmp(t->word, "uc") == 0) {
        f->uc = t->has_param && t->param >= 0 && t->param <= 255 ? (uint8_t)t->param : 1;
        return MG_OK;
    }
    if (strcmp(t->word, "u") == 0) {
        int rc = put_unicode(w, t->has_param ? t->param : 0);
        w->skip = f->uc;
        return rc;
    }
    if (strcmp(t->word, "ansicpg") == 0 && t->has_param && t->param > 0)
        w->ansicpg = (unsigned)t->param;
    if (strcmp(t->word, "f") == 0 && t->has_param && t->param >= 0 && t->param <= 0xFFFF) {
        int rc = flush_lead(w);
        f->font = (uint16_t)t->param;
        return rc;
    }
    int rc = rt_dest(w, f, t->word, star);
    if (rc != MG_OK || f->mode != RT_TEXT)
        return rc;
    if ((rc = flush_lead(w)) != MG_OK)
        return rc;
    if (strcmp(t->word, "cell") == 0 || strcmp(t->word, "nestcell") == 0) {
        /* each cell a line, as LibreOffice's text export writes them */
        rc = textout_char(sink(w), '\n');
        w->after_cell = true;
        return rc;
    }
    if (strcmp(t->word, "row") == 0 || strcmp(t->word, "nestrow") == 0)
        return w->after_cell ? MG_OK : put(w, '\n');
    for (size_t i = 0; i < sizeof(chars) / sizeof(chars[0]); i++)
        if (strcmp(t->word, chars[i].word) == 0)
            return put(w, chars[i].cp);
    return MG_OK; /* formatting */
}

static int rt_symbol(struct rt_walk *w, const struct rtf_tok *t)
{
    struct rt_frame *f = top(w);
    if (t->ch == '*') {
        f->star = true;
        return MG_OK;
    }
    if (f->mode == RT_PART)
        f->mode = RT_SKIP;
    if (f->mode != RT_TEXT)
        return MG_OK;
    if (w->skip > 0) {
        w->skip--;
        return MG_OK;
    }
    if (t->ch == '\\' || t->ch == '{' || t->ch == '}')
        return put_byte(w, t->ch);
    int rc = flush_lead(w);
    if (rc != MG_OK)
        return rc;
    switch (t->ch) {
    case '\n':
        return put(w, '\n'); /* a backslash before a line end: \par */
    case '~':
        return put(w, 0x00A0);
    case '_':
        return put(w, '-'); /* non-breaking hyphen */
    default:
        return MG_OK; /* \- optional hyphen, \| \: index marks */
    }
}

static int rt_text(struct rt_walk *w, const uint8_t *p, size_t n, bool hex)
{
    struct rt_frame *f = top(w);
    f->star = false;
    if (f->mode == RT_FONTTBL) {
        /* a font's name ends with ';': the next entry starts afresh */
        if (memchr(p, ';', n))
            w->fonttbl_font = -1;
        return MG_OK;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (!hex && (c == '\r' || c == '\n'))
            continue; /* line breaks in RTF are not text */
        if (f->mode == RT_PART)
            f->mode = RT_SKIP; /* text before any word: not a part we know */
        if (f->mode != RT_TEXT)
            return MG_OK;
        if (w->skip > 0) {
            w->skip--;
            continue;
        }
        int rc = !hex && c == '\t' ? put(w, '\t') : put_byte(w, c);
        if (rc != MG_OK)
            return rc;
    }
    return MG_OK;
}

static int rt_token(struct rt_walk *w, const struct rtf_tok *t)
{
    switch (t->kind) {
    case RTF_TOK_OPEN: {
        int rc = flush_lead(w);
        struct rt_frame *up = top(w);
        struct rt_frame *f = &w->fr[w->n++];
        *f = *up;
        f->star = false;
        /* A group inside an object, field or shape is one of its parts: its
         * first word says whether it is the one that is text. */
        if (up->mode == RT_OBJECT || up->mode == RT_FIELD || up->mode == RT_SHAPE)
            f->mode = RT_PART;
        else if (up->mode == RT_PART)
            f->mode = RT_SKIP;
        else if (up->mode == RT_FONTTBL)
            w->fonttbl_font = -1;
        w->skip = 0;
        return rc;
    }
    case RTF_TOK_CLOSE: {
        int rc = flush_lead(w);
        w->n--;
        w->skip = 0;
        return rc;
    }
    case RTF_TOK_WORD:
        return rt_word(w, t);
    case RTF_TOK_SYMBOL:
        return rt_symbol(w, t);
    case RTF_TOK_HEX:
        return rt_text(w, &t->ch, 1, true);
    case RTF_TOK_TEXT:
        return rt_text(w, t->data, t->len, false);
    case RTF_TOK_BIN:
        if (top(w)->mode == RT_PART)
            top(w)->mode = RT_SKIP;
        if (w->skip > 0)
            w->skip--; /* \bin data counts as one fallback character */
        return MG_OK;
    case RTF_TOK_EOF:
        break;
    }
    return MG_OK;
}

int rtfsan_flatten(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                   struct report_node *node)
{
    struct rt_walk *w = calloc(1, sizeof(*w));
    struct buf notes;
    struct rtf_lexer lx;
    struct rtf_tok t;
    int rc = MG_OK;
    buf_init(&notes, out->max);
    buf_reset(out);
    if (!w) {
        rc = MG_ERR_NOMEM;
        goto out;
    }
    textout_init(&w->body, out);
    textout_init(&w->notes, &notes);
    for (size_t i = 0; i < RT_FONTS; i++)
        w->font_cs[i] = -1;
    w->fonttbl_font = -1;
    rtf_lex_init(&lx, in, len);
    /* {\rtf or {\rtf1 first, as for sanitizing */
    rc = rtf_next(&lx, &t);
    if (rc == MG_OK && t.kind == RTF_TOK_OPEN)
        rc = rtf_next(&lx, &t);
    if (rc != MG_OK || t.kind != RTF_TOK_WORD || t.off != 1 || strcmp(t.word, "rtf") != 0 ||
        (t.has_param && t.param != 1)) {
        snprintf(w->why, sizeof(w->why), "the file does not start with {\\rtf1");
        rc = MG_ERR_PARSE;
        goto out;
    }
    w->n = 1;
    w->fr[0] = (struct rt_frame){.mode = RT_TEXT, .uc = 1};
    while (w->n > 0) {
        if ((rc = rtf_next(&lx, &t)) != MG_OK) {
            snprintf(w->why, sizeof(w->why), "%s", lx.why);
            goto out;
        }
        if (t.kind == RTF_TOK_EOF) {
            snprintf(w->why, sizeof(w->why), "unbalanced braces: %u groups not closed", lx.depth);
            rc = MG_ERR_PARSE;
            goto out;
        }
        if ((rc = rt_token(w, &t)) != MG_OK)
            goto out;
    }
    /* Bytes after the document's closing brace are no part of it; a } there
     * means the braces do not balance, which the sanitizer refuses too. */
    for (size_t i = lx.off; i < len; i++)
        if (in[i] == '}') {
            snprintf(w->why, sizeof(w->why), "unbalanced braces: } after the document's end");
            rc = MG_ERR_PARSE;
            goto out;
        }
    if (w->notes_n && (rc = textout_end_line(&w->body)) == MG_OK)
        rc = buf_append(out, notes.data, notes.len);
    if (rc == MG_OK)
        rc = textout_end_line(&w->body);
    if (rc != MG_OK)
        goto out;
    report_actionf(node, ACTION_REWROTE, "policy: flatten RTF to text",
                   "converted to UTF-8 text%s; objects, field instructions, pictures, "
                   "headers and footers are not carried over",
                   w->notes_n ? ", footnotes after the body" : "");
    if (w->body.dropped + w->notes.dropped)
        report_actionf(
                node, ACTION_REMOVED, "control characters can hide content or drive terminals",
                "%zu control or bidi control characters", w->body.dropped + w->notes.dropped);
    ctx->out_type = FT_TEXT;
out:
    if (rc != MG_OK) {
        buf_reset(out);
        if (rc == MG_ERR_LIMIT && (!w || !w->why[0]))
            report_block(node, REASON_LIMIT, "extracted text larger than %zu bytes", out->max);
        else
            report_block(node, reason_from_err(rc), "RTF: %s",
                         w && w->why[0] ? w->why : err_str(rc));
    }
    buf_free(&notes);
    free(w);
    return rc;
}
