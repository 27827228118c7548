/*
 * textsan - plain text and CSV sanitizer (see textsan.h).
 *
 * Every supported encoding has a stepper that reads one character (in
 * ISO-2022-JP also one escape sequence) at a cursor with a maximum length
 * and says how many bytes it took. Characters are decoded only as far as
 * the sanitizer needs: ASCII, the Unicode controls we drop, the full-width
 * forms that start a spreadsheet formula and the ideographic space; every
 * other character is "some character" (CP_OTHER).
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
 * Detection order and the Shift_JIS/EUC-JP rule are in textsan.h. The
 * label of a byte string valid in both is chosen by character frequency:
 * full-width kana and symbols count 2 and level-1 kanji 1 in each reading,
 * half-width katakana letters 1 in Shift_JIS; the higher total wins, a tie
 * goes to Shift_JIS (the Windows default). The sanitizer then walks the
 * EUC-JP reading whatever the label: ASCII bytes are characters of their
 * own there, so it sees every formula cell and control the Shift_JIS
 * reading sees, and the EUC full-width formula characters too.
 *
 * Shift_JIS that holds the UTF-8 bytes of a bidi control (E2 80 AA-AE,
 * E2 81 A6-A9) is refused: an editor that takes the file for slightly
 * broken UTF-8 would show them. The rebuilt text is detected again; if
 * dropping controls made it read as another encoding (a control between
 * bytes that join into a character of that encoding), it is refused.
 */
#include "textsan.h"
#include "err.h"

#include <string.h>

#define CP_OTHER  0x110000u /* a character the sanitizer need not name */
#define ESC       0x1B
#define NO_OFFSET SIZE_MAX

enum ch_kind {
    CH_CHAR,  /* a character */
    CH_DESIG, /* ISO-2022-JP designation we keep */
    CH_ESC,   /* any other ISO-2022-JP escape sequence */
};

struct tch {
    uint32_t cp;
    size_t len;
    enum ch_kind kind;
};

/* ISO-2022-JP: what G0 holds. */
enum jis_state {
    JS_ASCII,
    JS_ROMAN, /* JIS X 0201 Roman, ESC ( J */
    JS_KANA,  /* JIS X 0201 katakana, ESC ( I */
    JS_KANJI, /* JIS X 0208, ESC $ B or ESC $ @ */
};

struct dec {
    enum text_enc enc; /* the reading */
    enum jis_state st;
    uint8_t kanji_final; /* 'B' or '@', to return to the same designation */
};

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

struct detect_info {
    bool ambiguous;  /* valid as both Shift_JIS and EUC-JP */
    const char *why; /* for TEXT_ENC_UNKNOWN */
    size_t nbin, nchars;
};

const char *textsan_enc_name(enum text_enc e)
{
    switch (e) {
    case TEXT_ENC_ASCII:
        return "ascii";
    case TEXT_ENC_UTF8:
        return "utf-8";
    case TEXT_ENC_UTF8_BOM:
        return "utf-8-bom";
    case TEXT_ENC_UTF16LE:
        return "utf-16le";
    case TEXT_ENC_UTF16BE:
        return "utf-16be";
    case TEXT_ENC_SJIS:
        return "shift_jis";
    case TEXT_ENC_EUCJP:
        return "euc-jp";
    case TEXT_ENC_ISO2022JP:
        return "iso-2022-jp";
    case TEXT_ENC_UNKNOWN:
        break;
    }
    return "unknown";
}

bool textsan_enc_compatible(enum text_enc in, enum text_enc out)
{
    if (in == TEXT_ENC_UNKNOWN || out == TEXT_ENC_UNKNOWN)
        return false;
    if (in == out)
        return true;
    return in == TEXT_ENC_UTF8 && out == TEXT_ENC_ASCII;
}

static size_t bom_len(enum text_enc e)
{
    if (e == TEXT_ENC_UTF8_BOM)
        return 3;
    if (e == TEXT_ENC_UTF16LE || e == TEXT_ENC_UTF16BE)
        return 2;
    return 0;
}

static bool enc_is_unicode(enum text_enc e)
{
    return e == TEXT_ENC_ASCII || e == TEXT_ENC_UTF8 || e == TEXT_ENC_UTF8_BOM ||
           e == TEXT_ENC_UTF16LE || e == TEXT_ENC_UTF16BE;
}

/* JIS X 0208 row/cell bytes (0x21-0x7E each) of the characters we name. */
static uint32_t jis_cp(unsigned hi, unsigned lo)
{
    if (hi != 0x21)
        return CP_OTHER;
    switch (lo) {
    case 0x21:
        return 0x3000; /* ideographic space */
    case 0x5C:
        return 0xFF0B; /* full-width plus */
    case 0x5D:
        return 0xFF0D; /* full-width minus */
    case 0x61:
        return 0xFF1D; /* full-width equals */
    case 0x77:
        return 0xFF20; /* full-width commercial at */
    }
    return CP_OTHER;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool step_utf8(const uint8_t *p, size_t n, struct tch *c)
{
    uint8_t b = p[0];
    size_t need;
    uint32_t v, min;

    c->kind = CH_CHAR;
    if (b < 0x80) {
        c->cp = b;
        c->len = 1;
        return true;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1, v = b & 0x1F, min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2, v = b & 0x0F, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3, v = b & 0x07, min = 0x10000;
    } else {
        return false;
    }
    if (n <= need)
        return false;
    for (size_t i = 1; i <= need; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return false;
        v = v << 6 | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return false;
    c->cp = v;
    c->len = need + 1;
    return true;
}

/* UTF-16 code units; a surrogate must be half of a high-low pair. */
static bool step_utf16(const uint8_t *p, size_t n, bool be, struct tch *c)
{
    if (n < 2)
        return false;
    uint32_t u = be ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
    c->kind = CH_CHAR;
    c->cp = u;
    c->len = 2;
    if (u >= 0xDC00 && u <= 0xDFFF)
        return false;
    if (u < 0xD800 || u > 0xDBFF)
        return true;
    if (n < 4)
        return false;
    uint32_t l = be ? (uint32_t)p[2] << 8 | p[3] : (uint32_t)p[3] << 8 | p[2];
    if (l < 0xDC00 || l > 0xDFFF)
        return false;
    c->cp = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
    c->len = 4;
    return true;
}

/*
 * CP932: ASCII, half-width katakana 0xA1-0xDF, or a lead 0x81-0x9F /
 * 0xE0-0xFC with a trail 0x40-0x7E / 0x80-0xFC (user-defined rows 0xF0-0xF9
 * included: local governments use them for gaiji). The trail may be '@' or
 * '\', which is why nothing here looks at single bytes out of step.
 */
static bool step_sjis(const uint8_t *p, size_t n, struct tch *c)
{
    uint8_t b = p[0];
    c->kind = CH_CHAR;
    c->len = 1;
    if (b < 0x80) {
        c->cp = b;
        return true;
    }
    if (b >= 0xA1 && b <= 0xDF) {
        c->cp = CP_OTHER;
        return true;
    }
    if (!((b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC)))
        return false;
    if (n < 2)
        return false;
    uint8_t t = p[1];
    if (t < 0x40 || t == 0x7F || t > 0xFC)
        return false;
    c->len = 2;
    c->cp = CP_OTHER;
    /* Row 1 of JIS X 0208 is lead 0x81 with trail up to 0x9E. */
    if (b == 0x81 && t <= 0x9E)
        c->cp = jis_cp(0x21, t <= 0x7E ? t - 0x1F : t - 0x20);
    return true;
}

/* EUC-JP: ASCII, JIS X 0208 pairs, SS2 half-width kana, SS3 JIS X 0212 triples. */
static bool step_eucjp(const uint8_t *p, size_t n, struct tch *c)
{
    uint8_t b = p[0];
    c->kind = CH_CHAR;
    c->len = 1;
    c->cp = CP_OTHER;
    if (b < 0x80) {
        c->cp = b;
        return true;
    }
    if (b == 0x8E) {
        if (n < 2 || p[1] < 0xA1 || p[1] > 0xDF)
            return false;
        c->len = 2;
        return true;
    }
    if (b == 0x8F) {
        if (n < 3 || p[1] < 0xA1 || p[1] > 0xFE || p[2] < 0xA1 || p[2] > 0xFE)
            return false;
        c->len = 3;
        return true;
    }
    if (b < 0xA1 || b > 0xFE || n < 2 || p[1] < 0xA1 || p[1] > 0xFE)
        return false;
    c->len = 2;
    c->cp = jis_cp(b - 0x80, p[1] - 0x80);
    return true;
}

/* Length of an escape sequence we do not keep: a CSI, or ESC I* F (ECMA-35). */
static size_t esc_other_len(const uint8_t *p, size_t n)
{
    size_t i = 1;
    if (n > 1 && p[1] == '[') {
        i = 2;
        while (i < n && p[i] >= 0x30 && p[i] <= 0x3F)
            i++;
        while (i < n && p[i] >= 0x20 && p[i] <= 0x2F)
            i++;
        if (i < n && p[i] >= 0x40 && p[i] <= 0x7E)
            i++;
        return i;
    }
    while (i < n && p[i] >= 0x20 && p[i] <= 0x2F)
        i++;
    if (i < n && p[i] >= 0x30 && p[i] <= 0x7E)
        i++;
    return i;
}

/*
 * ISO-2022-JP (RFC 1468, plus ESC ( I). C0 controls, SP and DEL mean
 * themselves in every state (ISO 2022); in the two-byte state the other
 * bytes come in pairs of 0x21-0x7E.
 */
static bool step_2022(struct dec *d, const uint8_t *p, size_t n, struct tch *c)
{
    uint8_t b = p[0];
    c->kind = CH_CHAR;
    c->cp = b;
    c->len = 1;
    if (b >= 0x80)
        return false;
    if (b == ESC) {
        if (n >= 3 && p[1] == '(' && (p[2] == 'B' || p[2] == 'J' || p[2] == 'I')) {
            d->st = p[2] == 'B' ? JS_ASCII : p[2] == 'J' ? JS_ROMAN : JS_KANA;
            c->kind = CH_DESIG;
            c->len = 3;
            return true;
        }
        if (n >= 3 && p[1] == '$' && (p[2] == 'B' || p[2] == '@')) {
            d->st = JS_KANJI;
            d->kanji_final = p[2];
            c->kind = CH_DESIG;
            c->len = 3;
            return true;
        }
        c->kind = CH_ESC;
        c->len = esc_other_len(p, n);
        return true;
    }
    if (b < 0x21 || b == 0x7F)
        return true;
    switch (d->st) {
    case JS_ASCII:
        return true;
    case JS_ROMAN:
        if (b == 0x5C)
            c->cp = 0xA5; /* yen sign */
        else if (b == 0x7E)
            c->cp = 0x203E; /* overline */
        return true;
    case JS_KANA:
        c->cp = CP_OTHER;
        return b <= 0x5F;
    case JS_KANJI:
        if (n < 2 || p[1] < 0x21 || p[1] > 0x7E)
            return false;
        c->cp = jis_cp(b, p[1]);
        c->len = 2;
        return true;
    }
    return false;
}

/* One character (or escape) at p; n > 0 bytes remain. False if invalid. */
static bool dec_step(struct dec *d, const uint8_t *p, size_t n, struct tch *c)
{
    switch (d->enc) {
    case TEXT_ENC_ASCII:
    case TEXT_ENC_UTF8:
    case TEXT_ENC_UTF8_BOM:
        return step_utf8(p, n, c);
    case TEXT_ENC_UTF16LE:
        return step_utf16(p, n, false, c);
    case TEXT_ENC_UTF16BE:
        return step_utf16(p, n, true, c);
    case TEXT_ENC_SJIS:
        return step_sjis(p, n, c);
    case TEXT_ENC_EUCJP:
        return step_eucjp(p, n, c);
    case TEXT_ENC_ISO2022JP:
        return step_2022(d, p, n, c);
    case TEXT_ENC_UNKNOWN:
        break;
    }
    return false;
}

static void dec_init(struct dec *d, enum text_enc reading)
{
    d->enc = reading;
    d->st = JS_ASCII;
    d->kanji_final = 'B';
}

static enum drop classify(enum text_enc reading, const struct tch *c)
{
    if (c->kind == CH_ESC)
        return DROP_ESC;
    if (c->kind == CH_DESIG)
        return KEEP;
    uint32_t cp = c->cp;
    if (cp < 0x20)
        return cp == '\t' || cp == '\n' || cp == '\r' ? KEEP : DROP_C0;
    if (cp == 0x7F)
        return DROP_DEL;
    if (!enc_is_unicode(reading))
        return KEEP;
    if (cp >= 0x80 && cp <= 0x9F)
        return DROP_C1;
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
        return DROP_BIDI;
    return KEEP;
}

/* Controls that binary data is full of and text is not (ESC and FF excluded: logs, print files). */
static bool is_binary_control(enum drop k, uint32_t cp)
{
    if (k == DROP_C0)
        return cp != 0x0C && cp != ESC;
    return k == DROP_DEL || k == DROP_C1;
}

/* How typical of Japanese text a character is in each reading (see the top). */
static size_t legacy_score(enum text_enc e, const uint8_t *p, const struct tch *c)
{
    if (e == TEXT_ENC_SJIS) {
        if (c->len == 1)
            return p[0] >= 0xA6 && p[0] <= 0xDF ? 1 : 0;
        unsigned code = (unsigned)p[0] << 8 | p[1];
        if ((code >= 0x8140 && code <= 0x81AC) || (code >= 0x829F && code <= 0x82F1) ||
            (code >= 0x8340 && code <= 0x8396))
            return 2;
        return code >= 0x889F && code <= 0x9872 ? 1 : 0;
    }
    if (c->len != 2 || p[0] == 0x8E)
        return 0;
    if (p[0] >= 0xA1 && p[0] <= 0xA5)
        return 2;
    return p[0] >= 0xB0 && p[0] <= 0xCF ? 1 : 0;
}

struct scan {
    size_t nchars; /* characters (escapes not counted) */
    size_t nbin;   /* see is_binary_control() */
    size_t score;  /* Shift_JIS and EUC-JP only */
    bool desig;    /* ISO-2022-JP: a designation was seen */
};

/* Walk the whole input in one reading. False if it is not valid there. */
static bool text_scan(enum text_enc reading, const uint8_t *in, size_t len, struct scan *s)
{
    struct dec d;
    size_t pos = bom_len(reading);

    memset(s, 0, sizeof(*s));
    dec_init(&d, reading);
    if (pos > len)
        return false;
    while (pos < len) {
        struct tch c;
        if (!dec_step(&d, in + pos, len - pos, &c))
            return false;
        if (c.kind == CH_DESIG) {
            s->desig = true;
        } else if (c.kind == CH_CHAR) {
            s->nchars++;
            if (is_binary_control(classify(reading, &c), c.cp))
                s->nbin++;
            if (reading == TEXT_ENC_SJIS || reading == TEXT_ENC_EUCJP)
                s->score += legacy_score(reading, in + pos, &c);
        }
        pos += c.len;
    }
    return true;
}

/* The UTF-8 form of a bidi override or isolate, anywhere in the bytes. */
static bool has_utf8_bidi(const uint8_t *in, size_t len)
{
    for (size_t i = 0; i + 2 < len; i++) {
        if (in[i] != 0xE2)
            continue;
        if (in[i + 1] == 0x80 && in[i + 2] >= 0xAA && in[i + 2] <= 0xAE)
            return true;
        if (in[i + 1] == 0x81 && in[i + 2] >= 0xA6 && in[i + 2] <= 0xA9)
            return true;
    }
    return false;
}

static enum text_enc text_detect(const uint8_t *in, size_t len, struct detect_info *di)
{
    enum text_enc enc = TEXT_ENC_UNKNOWN;
    struct scan s;

    memset(di, 0, sizeof(*di));
    memset(&s, 0, sizeof(s));
    if (len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF) {
        if (!text_scan(TEXT_ENC_UTF8_BOM, in, len, &s)) {
            di->why = "a UTF-8 byte order mark, but not valid UTF-8";
            return TEXT_ENC_UNKNOWN;
        }
        enc = TEXT_ENC_UTF8_BOM;
    } else if (len >= 2 && ((in[0] == 0xFF && in[1] == 0xFE) || (in[0] == 0xFE && in[1] == 0xFF))) {
        enc = in[0] == 0xFF ? TEXT_ENC_UTF16LE : TEXT_ENC_UTF16BE;
        if (!text_scan(enc, in, len, &s)) {
            di->why = "a UTF-16 byte order mark, but not valid UTF-16 (odd length or unpaired "
                      "surrogate)";
            return TEXT_ENC_UNKNOWN;
        }
    } else {
        bool seven = true;
        if (len > 0 && memchr(in, 0, len)) {
            di->why = "NUL bytes (binary data)";
            return TEXT_ENC_UNKNOWN;
        }
        for (size_t i = 0; i < len && seven; i++)
            seven = in[i] < 0x80;
        if (seven) {
            if (text_scan(TEXT_ENC_ISO2022JP, in, len, &s) && s.desig)
                enc = TEXT_ENC_ISO2022JP;
            else if (text_scan(TEXT_ENC_ASCII, in, len, &s))
                enc = TEXT_ENC_ASCII;
        } else if (text_scan(TEXT_ENC_UTF8, in, len, &s)) {
            enc = TEXT_ENC_UTF8;
        } else {
            struct scan sj, eu;
            bool sj_ok = text_scan(TEXT_ENC_SJIS, in, len, &sj);
            bool eu_ok = text_scan(TEXT_ENC_EUCJP, in, len, &eu);
            if (sj_ok && eu_ok) {
                di->ambiguous = true;
                enc = eu.score > sj.score ? TEXT_ENC_EUCJP : TEXT_ENC_SJIS;
                s = eu.score > sj.score ? eu : sj;
            } else if (sj_ok) {
                enc = TEXT_ENC_SJIS;
                s = sj;
            } else if (eu_ok) {
                enc = TEXT_ENC_EUCJP;
                s = eu;
            }
            if (enc == TEXT_ENC_SJIS && has_utf8_bidi(in, len)) {
                di->why = "Shift_JIS holding the UTF-8 bytes of a bidi control, which a reader "
                          "taking it for UTF-8 would obey";
                return TEXT_ENC_UNKNOWN;
            }
        }
        if (enc == TEXT_ENC_UNKNOWN) {
            di->why = "not valid UTF-8, Shift_JIS, EUC-JP or ISO-2022-JP";
            return TEXT_ENC_UNKNOWN;
        }
    }
    di->nbin = s.nbin;
    di->nchars = s.nchars;
    if (s.nbin > 8 && s.nbin > s.nchars / 50) {
        di->why = "too many control characters (binary data)";
        return TEXT_ENC_UNKNOWN;
    }
    return enc;
}

enum text_enc textsan_detect(const uint8_t *in, size_t len)
{
    struct detect_info di;
    return text_detect(in, len, &di);
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
    bool lead;          /* nothing but lead characters seen in this cell yet */
    size_t ins_off;     /* output offset of the designations before this character */
    struct dec ins_dec; /* the decoder state there */
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
static size_t quote_bytes(const struct dec *d, uint8_t q[8])
{
    switch (d->enc) {
    case TEXT_ENC_UTF16LE:
        q[0] = '\'', q[1] = 0;
        return 2;
    case TEXT_ENC_UTF16BE:
        q[0] = 0, q[1] = '\'';
        return 2;
    case TEXT_ENC_ISO2022JP:
        if (d->st == JS_ASCII || d->st == JS_ROMAN)
            break;
        memcpy(q, "\x1b(B'\x1b", 5);
        q[5] = d->st == JS_KANA ? '(' : '$';
        q[6] = d->st == JS_KANA ? 'I' : d->kanji_final;
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
static bool cell_is_number(const struct dec *d0, const uint8_t *in, size_t len, size_t pos,
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
    struct dec d = *d0;
    bool closed = false;
    /*
     * In the TAB walk a comma-separated row's first cell goes on to the
     * end of the line ("-12,apples"). Outside quotes a comma ends the
     * number there: "-12,<anything>" is no formula a spreadsheet can parse,
     * and every comma cell after it had its own look in the comma walk.
     */
    bool comma_ends = sep == '\t';

    while (pos < len) {
        struct tch c;
        if (!dec_step(&d, in + pos, len - pos, &c))
            return false;
        pos += c.len;
        if (c.kind != CH_CHAR || classify(d.enc, &c) != KEEP)
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
static int csv_char(const struct rebuild *rb, struct csvst *cs, const struct dec *before,
                    const struct dec *after, const uint8_t *in, size_t len, size_t pos,
                    const struct tch *c, struct buf *out, size_t *run)
{
    uint32_t cp = c->cp;
    bool row_end = cp == '\r' || cp == '\n';
    size_t ins_off = cs->ins_off;
    struct dec ins_dec = cs->ins_dec;

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
    const struct dec *qd = before;
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
    struct dec d;
    struct csvst cs;
    size_t pos = bom_len(rb->reading), run = 0;
    int rc;

    dec_init(&d, rb->reading);
    csv_new_field(&cs);
    if (pos > len)
        return MG_ERR_PARSE;
    while (pos < len) {
        struct dec before = d;
        struct tch c;
        if (!dec_step(&d, in + pos, len - pos, &c))
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
        if (rb->csv && c.kind == CH_DESIG) {
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
    if (rb->reading == TEXT_ENC_ISO2022JP && d.st != JS_ASCII) {
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
    struct detect_info di, dout;
    struct counts cnt;
    struct buf tmp;
    size_t start = out->len;
    bool neutralize = csv && ctx && ctx->pol && ctx->pol->csv_neutralize_formulas;
    int rc;

    memset(&cnt, 0, sizeof(cnt));
    buf_init(&tmp, out->max);
    enum text_enc enc = text_detect(in, len, &di);
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
    enum text_enc enc2 = text_detect(out->data ? out->data + start : NULL, out->len - start, &dout);
    if (!textsan_enc_compatible(enc, enc2) ||
        !textsan_enc_compatible(rb.reading, dout.ambiguous ? TEXT_ENC_EUCJP : enc2)) {
        report_block(node, REASON_PARSE_ERROR,
                     "ambiguous encoding: the text read as %s%s, but with its control characters "
                     "removed it reads as %s%s",
                     textsan_enc_name(enc), di.ambiguous ? " (or euc-jp)" : "",
                     textsan_enc_name(enc2), dout.ambiguous ? " (or euc-jp)" : "");
        rc = MG_ERR_PARSE;
        goto out;
    }
    if (di.ambiguous) {
        rc = report_actionf(node, ACTION_FOUND,
                            "the label is a guess from character frequencies; controls and formula "
                            "cells were looked for in the EUC-JP reading, which sees all of them",
                            "bytes valid as both Shift_JIS and EUC-JP, labelled %s",
                            textsan_enc_name(enc));
        if (rc != MG_OK)
            goto out;
    }
    rc = report_counts(node, &cnt, neutralize);
    if (rc == MG_OK && !counts_changed(&cnt) && !(neutralize && cnt.formulas))
        rc = report_actionf(node, ACTION_KEPT, "valid text without control characters",
                            "%s, %s, %zu bytes, unchanged", csv ? "CSV" : "text",
                            textsan_enc_name(enc), len);
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
    struct detect_info di;
    struct counts cnt;
    bool neutralize = csv && ctx && ctx->pol && ctx->pol->csv_neutralize_formulas;

    memset(&cnt, 0, sizeof(cnt));
    enum text_enc enc = text_detect(in, len, &di);
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
