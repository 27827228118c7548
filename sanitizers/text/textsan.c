/*
 * textsan - plain text and CSV sanitizer (see textsan.h).
 *
 * Detection and the character steppers are util/textenc: a stepper reads
 * one character (in ISO-2022-JP also one escape sequence) and says how
 * many bytes it took, naming only ASCII, the Unicode controls we drop, the
 * full-width forms that start a spreadsheet formula and the ideographic
 * space; every other character is "some character" (TEXTENC_CP_OTHER).
 *
 * The output is built character by character from what the stepper
 * accepted: a character is written only if it is a valid character of the
 * encoding and not one we drop (an invalid byte refuses the whole file; it
 * is never copied). Runs of kept characters are copied in one append. The
 * encoding is never changed, so what the user sees is byte for byte what
 * was sent, minus the controls.
 *
 * Dropped, each kind counted and reported once:
 *   - C0 controls other than TAB, LF and CR; form feed too (no reader
 *     needs it, terminals and printers act on it); DEL;
 *   - in UTF-8 and UTF-16 also the C1 controls U+0080-U+009F (8-bit CSI
 *     and OSC drive terminals) and the bidi embeddings, overrides and
 *     isolates U+202A-U+202E, U+2066-U+2069 (Trojan Source);
 *   - in ISO-2022-JP every escape sequence but the designations ESC ( B,
 *     ESC ( J, ESC ( I, ESC $ B and ESC $ @, taken whole (ECMA-35 form, or
 *     a CSI up to its final byte); a text that ends outside ASCII gets
 *     ESC ( B appended.
 *
 * CSV (when the policy says so): a quote (') is put before the first
 * character of every cell that starts with = + - @ (or the full-width
 * forms U+FF1D U+FF0B U+FF0D U+FF20) or CR, after leading spaces, TABs,
 * ideographic spaces and LFs, unless the cell is a plain number (-12.5,
 * "-1,000", +1e3) or a lone sign ("-" is a common "none" in Japanese
 * tables). A spreadsheet sees the cell as text then. TAB is skipped as a
 * lead rather than quoted itself: it can only hide a formula character
 * that comes after it, and that one gets the quote. Fields are parsed as
 * Excel does (RFC 4180 quoting, "" inside quotes, LF, CRLF or CR rows,
 * text after a closing quote appended), and a cell whose content starts
 * with a quote after spaces (` "=x"`) is looked into as well, since a
 * lenient reader takes it as quoted. The file is walked twice, with ','
 * and then with TAB as the separator, because Excel opens UTF-16 "CSV"
 * and pasted text as tab-separated: every cell of either reading is
 * covered. In ISO-2022-JP the quote is written in ASCII: before the
 * designations that lead up to the cell's first character, or as
 * ESC ( B ' ESC $ B when the cell starts in a two-byte state.
 *
 * Detection order, the Shift_JIS/EUC-JP label and the refusal of
 * Shift_JIS holding UTF-8 bidi bytes are in textenc.h. A byte string valid
 * in both Shift_JIS and EUC-JP is walked in the EUC-JP reading whatever
 * its label: ASCII bytes are characters of their own there, so it sees
 * every formula cell and control the Shift_JIS reading sees, and the EUC
 * full-width formula characters too.
 *
 * The rebuilt text is detected again; if dropping controls made it read
 * as another encoding (a control between bytes that join into a character
 * of that encoding), it is refused.
 */
#include "textsan.h"
#include "err.h"

#include <string.h>

#define NO_OFFSET SIZE_MAX

enum drop {
    KEEP,
    DROP_C0,
    DROP_DEL,
    DROP_C1,
    DROP_BIDI,
    DROP_ESC,
};

struct counts {
    size_t c0, del, c1, bidi, esc;
    size_t formulas; /* cells neutralized (or found, when not neutralizing) */
    bool reset;      /* ESC ( B appended */
};

bool textsan_enc_compatible(enum text_enc in, enum text_enc out)
{
    if (in == TEXT_ENC_UNKNOWN || out == TEXT_ENC_UNKNOWN)
        return false;
    if (in == out)
        return true;
    return in == TEXT_ENC_UTF8 && out == TEXT_ENC_ASCII;
}

static enum drop classify(enum text_enc reading, const struct textenc_char *c)
{
    if (c->kind == TEXTENC_ESC)
        return DROP_ESC;
    if (c->kind == TEXTENC_DESIG)
        return KEEP;
    uint32_t cp = c->cp;
    if (cp < 0x20)
        return cp == '\t' || cp == '\n' || cp == '\r' ? KEEP : DROP_C0;
    if (cp == 0x7F)
        return DROP_DEL;
    if (!textenc_is_unicode(reading))
        return KEEP;
    if (cp >= 0x80 && cp <= 0x9F)
        return DROP_C1;
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
        return DROP_BIDI;
    return KEEP;
}

/* ---- rebuilding ---- */

struct rebuild {
    enum text_enc reading;
    bool csv;
    uint32_t sep;
    bool neutralize; /* insert quotes; otherwise formula cells are only counted */
    struct counts *cnt;
};

enum fstate {
    FS_START,  /* before the first character of a field */
    FS_UNQ,    /* in an unquoted field (or after a quoted part) */
    FS_QUOTED, /* inside quotes */
    FS_QQ,     /* a quote inside quotes: closes the part or starts "" */
};

struct csvst {
    enum fstate fs;
    bool lead;                  /* nothing but lead characters seen in this cell yet */
    size_t ins_off;             /* output offset of the designations before this character */
    struct textenc_dec ins_dec; /* the decoder state there */
};

/* Copy the pending input bytes [*run, upto) to out (none in a dry run). */
static int flush(struct buf *out, const uint8_t *in, size_t *run, size_t upto)
{
    int rc = MG_OK;
    if (out && upto > *run)
        rc = buf_append(out, in + *run, upto - *run);
    *run = upto;
    return rc;
}

static int buf_insert(struct buf *b, size_t at, const uint8_t *p, size_t n)
{
    int rc = buf_reserve(b, n);
    if (rc != MG_OK)
        return rc;
    memmove(b->data + at + n, b->data + at, b->len - at);
    memcpy(b->data + at, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return MG_OK;
}

/* The quote character in the reading, written in state d. */
static size_t quote_bytes(const struct textenc_dec *d, uint8_t q[8])
{
    switch (d->enc) {
    case TEXT_ENC_UTF16LE:
        q[0] = '\'', q[1] = 0;
        return 2;
    case TEXT_ENC_UTF16BE:
        q[0] = 0, q[1] = '\'';
        return 2;
    case TEXT_ENC_ISO2022JP:
        if (d->st == TEXTENC_JIS_ASCII || d->st == TEXTENC_JIS_ROMAN)
            break;
        memcpy(q, "\x1b(B'\x1b", 5);
        q[5] = d->st == TEXTENC_JIS_KANA ? '(' : '$';
        q[6] = d->st == TEXTENC_JIS_KANA ? 'I' : d->kanji_final;
        return 7;
    default:
        break;
    }
    q[0] = '\'';
    return 1;
}

static bool is_space(uint32_t cp)
{
    return cp == ' ' || cp == 0x3000;
}

/*
 * Whether the rest of a cell, from pos just after a sign, makes it a plain
 * number: digits with ',' groups (inside quotes, where ',' is not the
 * separator), an optional fraction and exponent, spaces after; or nothing
 * (a lone sign).
 * A full-width sign is let through only alone.
 */
static bool cell_is_number(const struct textenc_dec *d0, const uint8_t *in, size_t len, size_t pos,
                           bool quoted, uint32_t sep, bool ascii_sign)
{
    enum {
        N_START,
        N_LONE,
        N_INT,
        N_COMMA,
        N_DOT0,
        N_FRAC,
        N_E,
        N_ES,
        N_EXP,
        N_TRAIL
    } st = N_START;
    struct textenc_dec d = *d0;
    bool closed = false;
    /*
     * In the TAB walk a comma-separated row's first cell goes on to the
     * end of the line ("-12,apples"). Outside quotes a comma ends the
     * number there: "-12,<anything>" is no formula a spreadsheet can parse,
     * and every comma cell after it had its own look in the comma walk.
     */
    bool comma_ends = sep == '\t';

    while (pos < len) {
        struct textenc_char c;
        if (!textenc_step(&d, in + pos, len - pos, &c))
            return false;
        pos += c.len;
        if (c.kind != TEXTENC_CHAR || classify(d.enc, &c) != KEEP)
            continue;
        uint32_t cp = c.cp;
        bool end = cp == sep || cp == '\r' || cp == '\n' || (comma_ends && cp == ',');
        if (closed) {
            if (end)
                break;
            return false; /* "" or text after the closing quote */
        }
        if (quoted && cp == '"') {
            closed = true;
            continue;
        }
        if (!quoted && end)
            break;
        if (is_space(cp)) {
            if (st == N_START || st == N_LONE)
                st = N_LONE;
            else if (st == N_INT || st == N_FRAC || st == N_EXP || st == N_TRAIL)
                st = N_TRAIL;
            else
                return false;
            continue;
        }
        if (!ascii_sign)
            return false;
        bool digit = cp >= '0' && cp <= '9';
        switch (st) {
        case N_START:
            if (digit)
                st = N_INT;
            else if (cp == '.')
                st = N_DOT0;
            else
                return false;
            break;
        case N_INT:
            if (digit)
                break;
            if (cp == ',') /* only inside quotes: outside, a comma ends the cell or the number */
                st = N_COMMA;
            else if (cp == '.')
                st = N_FRAC;
            else if (cp == 'e' || cp == 'E')
                st = N_E;
            else
                return false;
            break;
        case N_COMMA:
        case N_DOT0:
            if (!digit)
                return false;
            st = st == N_COMMA ? N_INT : N_FRAC;
            break;
        case N_FRAC:
            if (digit)
                break;
            if (cp == 'e' || cp == 'E')
                st = N_E;
            else
                return false;
            break;
        case N_E:
            if (cp == '+' || cp == '-')
                st = N_ES;
            else if (digit)
                st = N_EXP;
            else
                return false;
            break;
        case N_ES:
        case N_EXP:
            if (!digit)
                return false;
            st = N_EXP;
            break;
        case N_LONE:
        case N_TRAIL:
            return false;
        }
    }
    return st == N_START || st == N_LONE || st == N_INT || st == N_FRAC || st == N_EXP ||
           st == N_TRAIL;
}

static void csv_new_field(struct csvst *cs)
{
    cs->fs = FS_START;
    cs->lead = true;
    cs->ins_off = NO_OFFSET;
}

/*
 * One kept character c at in[pos] for the CSV walk; before and after are
 * the decoder states around it. May put a quote before it into out.
 */
static int csv_char(const struct rebuild *rb, struct csvst *cs, const struct textenc_dec *before,
                    const struct textenc_dec *after, const uint8_t *in, size_t len, size_t pos,
                    const struct textenc_char *c, struct buf *out, size_t *run)
{
    uint32_t cp = c->cp;
    bool row_end = cp == '\r' || cp == '\n';
    size_t ins_off = cs->ins_off;
    struct textenc_dec ins_dec = cs->ins_dec;

    /* Designations only lead up to the very next character. */
    cs->ins_off = NO_OFFSET;
    if (cs->fs == FS_QQ) {
        if (cp == '"') {
            cs->fs = FS_QUOTED;
            cs->lead = false;
            return MG_OK;
        }
        cs->fs = FS_UNQ; /* a reader appends what follows the closing quote */
    }
    if (cs->fs == FS_START) {
        if (cp == '"') {
            cs->fs = FS_QUOTED;
            return MG_OK;
        }
        cs->fs = FS_UNQ;
    }
    if (cs->fs == FS_UNQ) {
        if (cp == rb->sep || row_end) {
            csv_new_field(cs);
            return MG_OK;
        }
    } else if (cp == '"') {
        cs->fs = FS_QQ;
        return MG_OK;
    }
    if (!cs->lead)
        return MG_OK;
    if (is_space(cp) || cp == '\t' || cp == '\n' || (cs->fs == FS_UNQ && cp == '"'))
        return MG_OK;
    cs->lead = false;

    bool sign = cp == '+' || cp == '-';
    bool wide_sign = cp == 0xFF0B || cp == 0xFF0D;
    if (!sign && !wide_sign && cp != '=' && cp != '@' && cp != '\r' && cp != 0xFF1D && cp != 0xFF20)
        return MG_OK;
    if ((sign || wide_sign) &&
        cell_is_number(after, in, len, pos + c->len, cs->fs == FS_QUOTED, rb->sep, sign))
        return MG_OK;
    rb->cnt->formulas++;
    if (!rb->neutralize || !out)
        return MG_OK;

    int rc = flush(out, in, run, pos);
    if (rc != MG_OK)
        return rc;
    uint8_t q[8];
    size_t at = out->len;
    const struct textenc_dec *qd = before;
    if (ins_off != NO_OFFSET) {
        at = ins_off;
        qd = &ins_dec;
    }
    size_t n = quote_bytes(qd, q);
    return buf_insert(out, at, q, n);
}

static void count_drop(struct counts *cnt, enum drop k)
{
    switch (k) {
    case DROP_C0:
        cnt->c0++;
        break;
    case DROP_DEL:
        cnt->del++;
        break;
    case DROP_C1:
        cnt->c1++;
        break;
    case DROP_BIDI:
        cnt->bidi++;
        break;
    case DROP_ESC:
        cnt->esc++;
        break;
    case KEEP:
        break;
    }
}

/*
 * One walk over in: copy kept characters to out (NULL for a dry run that
 * only counts), drop the rest, and in a CSV walk handle formula cells.
 */
static int rebuild(const struct rebuild *rb, const uint8_t *in, size_t len, struct buf *out)
{
    struct textenc_dec d;
    struct csvst cs;
    size_t pos = textenc_bom_len(rb->reading), run = 0;
    int rc;

    textenc_dec_init(&d, rb->reading);
    csv_new_field(&cs);
    if (pos > len)
        return MG_ERR_PARSE;
    while (pos < len) {
        struct textenc_dec before = d;
        struct textenc_char c;
        if (!textenc_step(&d, in + pos, len - pos, &c))
            return MG_ERR_PARSE;
        enum drop k = classify(rb->reading, &c);
        if (k != KEEP) {
            if ((rc = flush(out, in, &run, pos)) != MG_OK)
                return rc;
            count_drop(rb->cnt, k);
            pos += c.len;
            run = pos;
            continue;
        }
        if (rb->csv && c.kind == TEXTENC_DESIG) {
            if (cs.lead && cs.ins_off == NO_OFFSET && out) {
                cs.ins_off = out->len + (pos - run);
                cs.ins_dec = before;
            }
        } else if (rb->csv) {
            rc = csv_char(rb, &cs, &before, &d, in, len, pos, &c, out, &run);
            if (rc != MG_OK)
                return rc;
        }
        pos += c.len;
    }
    if ((rc = flush(out, in, &run, len)) != MG_OK)
        return rc;
    if (rb->reading == TEXT_ENC_ISO2022JP && d.st != TEXTENC_JIS_ASCII) {
        rb->cnt->reset = true;
        if (out && (rc = buf_append(out, "\x1b(B", 3)) != MG_OK)
            return rc;
    }
    return MG_OK;
}

static bool counts_changed(const struct counts *cnt)
{
    return cnt->c0 || cnt->del || cnt->c1 || cnt->bidi || cnt->esc || cnt->reset;
}

static int report_counts(struct report_node *node, const struct counts *cnt, bool neutralized)
{
    int rc = MG_OK;
    if (cnt->c0 && rc == MG_OK)
        rc = report_actionf(node, ACTION_REMOVED,
                            "control characters can hide content or drive terminals and printers",
                            "%zu control characters (U+0000-U+001F other than tab, line feed "
                            "and carriage return)",
                            cnt->c0);
    if (cnt->del && rc == MG_OK)
        rc = report_actionf(node, ACTION_REMOVED, "DEL is a control character, not text",
                            "%zu DEL characters (U+007F)", cnt->del);
    if (cnt->c1 && rc == MG_OK)
        rc = report_actionf(node, ACTION_REMOVED,
                            "C1 controls (e.g. U+009B, a CSI) drive terminals and hide content",
                            "%zu C1 control characters (U+0080-U+009F)", cnt->c1);
    if (cnt->bidi && rc == MG_OK)
        rc = report_actionf(node, ACTION_REMOVED,
                            "they make text display in another order than it is read by programs "
                            "and people copying it (Trojan Source, CVE-2021-42574)",
                            "%zu bidirectional embedding, override and isolate characters "
                            "(U+202A-U+202E, U+2066-U+2069)",
                            cnt->bidi);
    if (cnt->esc && rc == MG_OK)
        rc = report_actionf(node, ACTION_REMOVED,
                            "escape sequences other than character set designations drive "
                            "terminals",
                            "%zu escape sequences other than ISO-2022-JP designations", cnt->esc);
    if (cnt->reset && rc == MG_OK)
        rc = report_action(node, ACTION_REWROTE, "appended ESC ( B so that the text ends in ASCII",
                           "ISO-2022-JP text must end in ASCII, or what is read after it is "
                           "garbled");
    if (cnt->formulas && neutralized && rc == MG_OK)
        rc = report_actionf(node, ACTION_REWROTE,
                            "a spreadsheet would run them as formulas (CSV injection, DDE e.g. "
                            "=cmd|'/c calc'!A0)",
                            "%zu CSV cells starting with a formula character (a ' put before it)",
                            cnt->formulas);
    if (cnt->formulas && !neutralized && rc == MG_OK)
        rc = report_actionf(node, ACTION_FOUND,
                            "the policy has csv_neutralize_formulas off; a spreadsheet would run "
                            "them as formulas",
                            "%zu CSV cells starting with a formula character, left as they are",
                            cnt->formulas);
    return rc;
}

static int text_run(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node, bool csv)
{
    struct textenc_info di, dout;
    struct counts cnt;
    struct buf tmp;
    size_t start = out->len;
    bool neutralize = csv && ctx && ctx->pol && ctx->pol->csv_neutralize_formulas;
    int rc;

    memset(&cnt, 0, sizeof(cnt));
    buf_init(&tmp, out->max);
    enum text_enc enc = textenc_detect_info(in, len, &di);
    if (enc == TEXT_ENC_UNKNOWN) {
        if (di.nbin)
            report_block(node, REASON_NOT_TEXT, "not text: %s (%zu in %zu characters, %zu bytes)",
                         di.why, di.nbin, di.nchars, len);
        else
            report_block(node, REASON_NOT_TEXT, "not text: %s (%zu bytes)", di.why, len);
        rc = MG_ERR_PARSE;
        goto out;
    }
    struct rebuild rb = {
            .reading = di.ambiguous ? TEXT_ENC_EUCJP : enc,
            .csv = csv,
            .sep = ',',
            .neutralize = neutralize,
            .cnt = &cnt,
    };
    if (neutralize) {
        rc = rebuild(&rb, in, len, &tmp);
        rb.sep = '\t';
        if (rc == MG_OK)
            rc = rebuild(&rb, tmp.data, tmp.len, out);
    } else {
        rc = rebuild(&rb, in, len, out);
    }
    if (rc == MG_ERR_LIMIT) {
        report_block(node, REASON_LIMIT,
                     "the rebuilt text is larger than the output limit (%zu bytes)", out->max);
        goto out;
    }
    if (rc != MG_OK) {
        report_block(node, reason_from_err(rc), "text rebuild failed: %s", err_str(rc));
        goto out;
    }

    /*
     * The output must read as the input did, and in the same reading: a
     * Shift_JIS text that a dropped control makes valid EUC-JP as well
     * would be looked at in the EUC-JP reading from now on, which this
     * walk did not do.
     */
    enum text_enc enc2 =
            textenc_detect_info(out->data ? out->data + start : NULL, out->len - start, &dout);
    if (!textsan_enc_compatible(enc, enc2) ||
        !textsan_enc_compatible(rb.reading, dout.ambiguous ? TEXT_ENC_EUCJP : enc2)) {
        report_block(node, REASON_PARSE_ERROR,
                     "ambiguous encoding: the text read as %s%s, but with its control characters "
                     "removed it reads as %s%s",
                     textenc_name(enc), di.ambiguous ? " (or euc-jp)" : "", textenc_name(enc2),
                     dout.ambiguous ? " (or euc-jp)" : "");
        rc = MG_ERR_PARSE;
        goto out;
    }
    if (di.ambiguous) {
        rc = report_actionf(node, ACTION_FOUND,
                            "the label is a guess from character frequencies; controls and formula "
                            "cells were looked for in the EUC-JP reading, which sees all of them",
                            "bytes valid as both Shift_JIS and EUC-JP, labelled %s",
                            textenc_name(enc));
        if (rc != MG_OK)
            goto out;
    }
    rc = report_counts(node, &cnt, neutralize);
    if (rc == MG_OK && !counts_changed(&cnt) && !(neutralize && cnt.formulas))
        rc = report_actionf(node, ACTION_KEPT, "valid text without control characters",
                            "%s, %s, %zu bytes, unchanged", csv ? "CSV" : "text", textenc_name(enc),
                            len);
    if (rc != MG_OK)
        report_block(node, reason_from_err(rc), "%s", err_str(rc));
out:
    buf_free(&tmp);
    return rc;
}

int textsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                     struct report_node *node)
{
    return text_run(ctx, in, len, out, node, false);
}

int textsan_sanitize_csv(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                         struct report_node *node)
{
    return text_run(ctx, in, len, out, node, true);
}

static int verify_run(struct san_ctx *ctx, const uint8_t *in, size_t len, bool csv)
{
    struct textenc_info di;
    struct counts cnt;
    bool neutralize = csv && ctx && ctx->pol && ctx->pol->csv_neutralize_formulas;

    memset(&cnt, 0, sizeof(cnt));
    enum text_enc enc = textenc_detect_info(in, len, &di);
    if (enc == TEXT_ENC_UNKNOWN)
        return MG_ERR_VERIFY;
    struct rebuild rb = {
            .reading = di.ambiguous ? TEXT_ENC_EUCJP : enc,
            .csv = neutralize,
            .sep = ',',
            .neutralize = false,
            .cnt = &cnt,
    };
    if (rebuild(&rb, in, len, NULL) != MG_OK || counts_changed(&cnt) || cnt.formulas)
        return MG_ERR_VERIFY;
    if (neutralize) {
        rb.sep = '\t';
        if (rebuild(&rb, in, len, NULL) != MG_OK || cnt.formulas)
            return MG_ERR_VERIFY;
    }
    return MG_OK;
}

int textsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    return verify_run(ctx, in, len, false);
}

int textsan_verify_csv(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    return verify_run(ctx, in, len, true);
}

static const struct san_type text_types[] = {
        {FT_TEXT, FT_TEXT, textsan_sanitize, textsan_verify, NULL},
        {FT_CSV, FT_CSV, textsan_sanitize_csv, textsan_verify_csv, NULL},
};

const struct san_family san_family_text = {"text", SAN_TYPES(text_types), NULL};
