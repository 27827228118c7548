/*
 * textenc - which encoding a byte string is text in, and byte-accurate
 * character steppers for each (no iconv: it dlopens gconv modules, which
 * the sandbox forbids).
 *
 * Detection is by validity, in this order: byte order mark (UTF-8,
 * UTF-16LE, UTF-16BE); ISO-2022-JP (7-bit bytes only and at least one
 * valid designation); ASCII; UTF-8; then Shift_JIS (CP932) and EUC-JP. A
 * byte string valid in both of the last two is labelled by character
 * frequencies (see textenc.c) and flagged as ambiguous. NUL bytes (outside
 * UTF-16), invalidity in every encoding, Shift_JIS that holds the UTF-8
 * bytes of a bidi control, or control characters (other than TAB, LF, CR,
 * FF, ESC) making up more than 2 % of the characters (and more than 8)
 * mean "not text" (TEXT_ENC_UNKNOWN).
 *
 * A stepper reads one character (in ISO-2022-JP also one escape sequence)
 * and says how many bytes it took. Characters are decoded only as far as a
 * caller looking for controls and spreadsheet formula starts needs: ASCII,
 * the Unicode code points in UTF-8 and UTF-16, and in the legacy encodings
 * the ideographic space and the full-width = + - @; every other character
 * is TEXTENC_CP_OTHER.
 */
#ifndef MUGAI_TEXTENC_H
#define MUGAI_TEXTENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum text_enc {
    TEXT_ENC_UNKNOWN = 0,
    TEXT_ENC_ASCII,
    TEXT_ENC_UTF8,
    TEXT_ENC_UTF8_BOM,
    TEXT_ENC_UTF16LE, /* with BOM */
    TEXT_ENC_UTF16BE, /* with BOM */
    TEXT_ENC_SJIS,    /* Shift_JIS / CP932 */
    TEXT_ENC_EUCJP,
    TEXT_ENC_ISO2022JP,
};

#define TEXTENC_CP_OTHER 0x110000u /* a character the stepper does not name */

enum textenc_kind {
    TEXTENC_CHAR,  /* a character */
    TEXTENC_DESIG, /* ISO-2022-JP designation: ESC ( B, ( J, ( I, $ B, $ @ */
    TEXTENC_ESC,   /* any other ISO-2022-JP escape sequence, taken whole */
};

struct textenc_char {
    uint32_t cp; /* TEXTENC_CHAR: the code point, or TEXTENC_CP_OTHER */
    size_t len;  /* bytes taken */
    enum textenc_kind kind;
};

/* ISO-2022-JP: what G0 holds. */
enum textenc_jis {
    TEXTENC_JIS_ASCII,
    TEXTENC_JIS_ROMAN, /* JIS X 0201 Roman, ESC ( J */
    TEXTENC_JIS_KANA,  /* JIS X 0201 katakana, ESC ( I */
    TEXTENC_JIS_KANJI, /* JIS X 0208, ESC $ B or ESC $ @ */
};

/* A reading of a byte string: the encoding and, in ISO-2022-JP, the state. */
struct textenc_dec {
    enum text_enc enc;
    enum textenc_jis st;
    uint8_t kanji_final; /* 'B' or '@', to return to the same designation */
};

struct textenc_info {
    bool ambiguous;  /* valid as both Shift_JIS and EUC-JP */
    const char *why; /* for TEXT_ENC_UNKNOWN: a phrase saying why */
    size_t nbin;     /* control characters typical of binary data */
    size_t nchars;   /* characters (escapes not counted) */
};

/* Detect the encoding; TEXT_ENC_UNKNOWN means "not text" (binary or invalid). */
enum text_enc textenc_detect(const uint8_t *in, size_t len);
/* textenc_detect, with the details in *info. */
enum text_enc textenc_detect_info(const uint8_t *in, size_t len, struct textenc_info *info);
/* "ascii", "utf-8", "utf-8-bom", "utf-16le", "utf-16be", "shift_jis", "euc-jp", "iso-2022-jp". */
const char *textenc_name(enum text_enc e);

/* Bytes of byte order mark the encoding starts with (0, 2 or 3). */
size_t textenc_bom_len(enum text_enc e);
/* ASCII, UTF-8 and UTF-16: the characters are Unicode code points. */
bool textenc_is_unicode(enum text_enc e);

/* Start reading in encoding e (in ISO-2022-JP, in ASCII). */
void textenc_dec_init(struct textenc_dec *d, enum text_enc e);
/* One character (or escape) at p, with n > 0 bytes left; false if invalid there. */
bool textenc_step(struct textenc_dec *d, const uint8_t *p, size_t n, struct textenc_char *c);

#endif
