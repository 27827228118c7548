/*
 * textenc - encoding detection and character steppers (see textenc.h).
 *
 * The label of a byte string valid as both Shift_JIS and EUC-JP is chosen
 * by character frequency: full-width kana and symbols count 2 and level-1
 * kanji 1 in each reading, half-width katakana letters 1 in Shift_JIS; the
 * higher total wins, a tie goes to Shift_JIS (the Windows default).
 *
 * Shift_JIS that holds the UTF-8 bytes of a bidi control (E2 80 AA-AE,
 * E2 81 A6-A9) is not text: an editor that takes the file for slightly
 * broken UTF-8 would show them.
 */
#include "textenc.h"

#include <string.h>

#define ESC 0x1B

const char *textenc_name(enum text_enc e)
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

size_t textenc_bom_len(enum text_enc e)
{
    if (e == TEXT_ENC_UTF8_BOM)
        return 3;
    if (e == TEXT_ENC_UTF16LE || e == TEXT_ENC_UTF16BE)
        return 2;
    return 0;
}

bool textenc_is_unicode(enum text_enc e)
{
    return e == TEXT_ENC_ASCII || e == TEXT_ENC_UTF8 || e == TEXT_ENC_UTF8_BOM ||
           e == TEXT_ENC_UTF16LE || e == TEXT_ENC_UTF16BE;
}

/* JIS X 0208 row/cell bytes (0x21-0x7E each) of the characters we name. */
static uint32_t jis_cp(unsigned hi, unsigned lo)
{
    if (hi != 0x21)
        return TEXTENC_CP_OTHER;
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
    return TEXTENC_CP_OTHER;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool step_utf8(const uint8_t *p, size_t n, struct textenc_char *c)
{
    uint8_t b = p[0];
    size_t need;
    uint32_t v, min;

    c->kind = TEXTENC_CHAR;
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
static bool step_utf16(const uint8_t *p, size_t n, bool be, struct textenc_char *c)
{
    if (n < 2)
        return false;
    uint32_t u = be ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
    c->kind = TEXTENC_CHAR;
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
static bool step_sjis(const uint8_t *p, size_t n, struct textenc_char *c)
{
    uint8_t b = p[0];
    c->kind = TEXTENC_CHAR;
    c->len = 1;
    if (b < 0x80) {
        c->cp = b;
        return true;
    }
    if (b >= 0xA1 && b <= 0xDF) {
        c->cp = TEXTENC_CP_OTHER;
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
    c->cp = TEXTENC_CP_OTHER;
    /* Row 1 of JIS X 0208 is lead 0x81 with trail up to 0x9E. */
    if (b == 0x81 && t <= 0x9E)
        c->cp = jis_cp(0x21, t <= 0x7E ? t - 0x1F : t - 0x20);
    return true;
}

/* EUC-JP: ASCII, JIS X 0208 pairs, SS2 half-width kana, SS3 JIS X 0212 triples. */
static bool step_eucjp(const uint8_t *p, size_t n, struct textenc_char *c)
{
    uint8_t b = p[0];
    c->kind = TEXTENC_CHAR;
    c->len = 1;
    c->cp = TEXTENC_CP_OTHER;
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
static bool step_2022(struct textenc_dec *d, const uint8_t *p, size_t n, struct textenc_char *c)
{
    uint8_t b = p[0];
    c->kind = TEXTENC_CHAR;
    c->cp = b;
    c->len = 1;
    if (b >= 0x80)
        return false;
    if (b == ESC) {
        if (n >= 3 && p[1] == '(' && (p[2] == 'B' || p[2] == 'J' || p[2] == 'I')) {
            d->st = p[2] == 'B'   ? TEXTENC_JIS_ASCII
                    : p[2] == 'J' ? TEXTENC_JIS_ROMAN
                                  : TEXTENC_JIS_KANA;
            c->kind = TEXTENC_DESIG;
            c->len = 3;
            return true;
        }
        if (n >= 3 && p[1] == '$' && (p[2] == 'B' || p[2] == '@')) {
            d->st = TEXTENC_JIS_KANJI;
            d->kanji_final = p[2];
            c->kind = TEXTENC_DESIG;
            c->len = 3;
            return true;
        }
        c->kind = TEXTENC_ESC;
        c->len = esc_other_len(p, n);
        return true;
    }
    if (b < 0x21 || b == 0x7F)
        return true;
    switch (d->st) {
    case TEXTENC_JIS_ASCII:
        return true;
    case TEXTENC_JIS_ROMAN:
        if (b == 0x5C)
            c->cp = 0xA5; /* yen sign */
        else if (b == 0x7E)
            c->cp = 0x203E; /* overline */
        return true;
    case TEXTENC_JIS_KANA:
        c->cp = TEXTENC_CP_OTHER;
        return b <= 0x5F;
    case TEXTENC_JIS_KANJI:
        if (n < 2 || p[1] < 0x21 || p[1] > 0x7E)
            return false;
        c->cp = jis_cp(b, p[1]);
        c->len = 2;
        return true;
    }
    return false;
}

/* One character (or escape) at p; n > 0 bytes remain. False if invalid. */
bool textenc_step(struct textenc_dec *d, const uint8_t *p, size_t n, struct textenc_char *c)
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

void textenc_dec_init(struct textenc_dec *d, enum text_enc reading)
{
    d->enc = reading;
    d->st = TEXTENC_JIS_ASCII;
    d->kanji_final = 'B';
}

/*
 * Controls that binary data is full of and text is not: C0 other than TAB,
 * LF, CR, FF and ESC (logs and print files have those), DEL, and in the
 * Unicode encodings C1.
 */
static bool is_binary_control(enum text_enc reading, uint32_t cp)
{
    if (cp < 0x20)
        return cp != '\t' && cp != '\n' && cp != '\r' && cp != 0x0C && cp != ESC;
    if (cp == 0x7F)
        return true;
    return textenc_is_unicode(reading) && cp >= 0x80 && cp <= 0x9F;
}

/* How typical of Japanese text a character is in each reading (see the top). */
static size_t legacy_score(enum text_enc e, const uint8_t *p, const struct textenc_char *c)
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
    struct textenc_dec d;
    size_t pos = textenc_bom_len(reading);

    memset(s, 0, sizeof(*s));
    textenc_dec_init(&d, reading);
    if (pos > len)
        return false;
    while (pos < len) {
        struct textenc_char c;
        if (!textenc_step(&d, in + pos, len - pos, &c))
            return false;
        if (c.kind == TEXTENC_DESIG) {
            s->desig = true;
        } else if (c.kind == TEXTENC_CHAR) {
            s->nchars++;
            if (is_binary_control(reading, c.cp))
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

enum text_enc textenc_detect_info(const uint8_t *in, size_t len, struct textenc_info *di)
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

enum text_enc textenc_detect(const uint8_t *in, size_t len)
{
    struct textenc_info di;
    return textenc_detect_info(in, len, &di);
}
