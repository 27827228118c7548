/*
 * t_textenc - unit tests for the text encoding detector and steppers
 * (util/textenc.h).
 *
 * The byte strings are written out here, with the expected reading worked
 * out by hand from the encodings' tables (and checked against Python's
 * codecs where they have one), not produced by the code under test.
 */
#include "t.h"
#include "t_util.h"

#include "textenc.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define B(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static void check_detect(const char *what, const uint8_t *p, size_t n, enum text_enc want,
                         bool ambiguous)
{
    struct textenc_info info;
    enum text_enc got = textenc_detect_info(p, n, &info);
    if (got != want)
        fprintf(stderr, "%s: detected %s, want %s\n", what, textenc_name(got), textenc_name(want));
    CHECK_EQ_INT(got, want);
    CHECK_EQ_INT(textenc_detect(p, n), want);
    CHECK_EQ_INT(info.ambiguous, ambiguous);
    CHECK((info.why != NULL) == (want == TEXT_ENC_UNKNOWN));
}

/* One sample of each encoding, unambiguous. */
static void test_each_encoding(void)
{
    check_detect("ascii", (const uint8_t *)"a,b\r\n", 5, TEXT_ENC_ASCII, false);
    check_detect("empty", (const uint8_t *)"", 0, TEXT_ENC_ASCII, false);
    /* 日本語 */
    check_detect("utf-8", B(0xE6, 0x97, 0xA5, 0xE6, 0x9C, 0xAC, 0xE8, 0xAA, 0x9E, '\n'),
                 TEXT_ENC_UTF8, false);
    check_detect("utf-8 bom", B(0xEF, 0xBB, 0xBF, 'a', 0xE3, 0x81, 0x82), TEXT_ENC_UTF8_BOM, false);
    /* "a" and U+1F600 as a surrogate pair */
    check_detect("utf-16le", B(0xFF, 0xFE, 'a', 0, 0x3D, 0xD8, 0x00, 0xDE), TEXT_ENC_UTF16LE,
                 false);
    check_detect("utf-16be", B(0xFE, 0xFF, 0, 'a', 0x30, 0x42), TEXT_ENC_UTF16BE, false);
    /* 日本 in CP932: 0x7B trail is no EUC-JP byte */
    check_detect("shift_jis", B(0x93, 0xFA, 0x96, 0x7B, '\n'), TEXT_ENC_SJIS, false);
    /* 乳 in EUC-JP: 0xFD is no Shift_JIS lead byte */
    check_detect("euc-jp", B(0xC6, 0xFD, '\n'), TEXT_ENC_EUCJP, false);
    /* EUC-JP SS2 half-width katakana and an SS3 JIS X 0212 triple */
    check_detect("euc-jp ss3", B(0x8E, 0xB1, 0x8F, 0xB0, 0xA1, 0xC6, 0xFD), TEXT_ENC_EUCJP, false);
    static const char jis[] = "\x1b$B$3$s$K$A$O\x1b(B\n"; /* こんにちは */
    check_detect("iso-2022-jp", (const uint8_t *)jis, strlen(jis), TEXT_ENC_ISO2022JP, false);
    /* 7-bit with only a terminal escape, no designation: ASCII */
    static const char csi[] = "red \x1b[31m text\n";
    check_detect("ascii esc", (const uint8_t *)csi, strlen(csi), TEXT_ENC_ASCII, false);
}

/* Valid as both Shift_JIS and EUC-JP: the frequency rule picks the label. */
static void test_ambiguous(void)
{
    /* テキスト in EUC-JP: full-width katakana (2 each) beats the half-width reading */
    check_detect("euc kana", B(0xA5, 0xC6, 0xA5, 0xAD, 0xA5, 0xB9, 0xA5, 0xC8), TEXT_ENC_EUCJP,
                 true);
    /* ｱｲｳｴ in Shift_JIS: four half-width letters (4) beat two EUC kanji (2) */
    check_detect("sjis kana", B(0xB1, 0xB2, 0xB3, 0xB4), TEXT_ENC_SJIS, true);
    /* C0 A1: one half-width letter against one level-1 kanji; a tie goes to Shift_JIS */
    check_detect("tie", B(0xC0, 0xA1), TEXT_ENC_SJIS, true);
}

static void test_not_text(void)
{
    check_detect("lone 0x80", B('a', 0x80, 'b'), TEXT_ENC_UNKNOWN, false);
    check_detect("nul", B('a', 0, 'b'), TEXT_ENC_UNKNOWN, false);
    check_detect("utf-16 odd length", B(0xFF, 0xFE, 'a', 0, 'b'), TEXT_ENC_UNKNOWN, false);
    check_detect("utf-16 lone low surrogate", B(0xFE, 0xFF, 0xDC, 0x00), TEXT_ENC_UNKNOWN, false);
    check_detect("utf-8 bom, bad utf-8", B(0xEF, 0xBB, 0xBF, 0xC0, 0xAF), TEXT_ENC_UNKNOWN, false);
    /* EUC-JP FE A1, then a lone FE; no Shift_JIS byte either */
    check_detect("truncated euc", B(0xFE, 0xA1, 0xFE), TEXT_ENC_UNKNOWN, false);
    /* Shift_JIS E2 80 | AA | 83 40: the UTF-8 bytes of U+202A inside */
    check_detect("sjis with utf-8 bidi", B(0xE2, 0x80, 0xAA, 0x83, 0x40), TEXT_ENC_UNKNOWN, false);

    /* 9 binary controls in 9 characters; 8 are let through; FF and ESC never count */
    uint8_t bin[400];
    memset(bin, 0x01, 9);
    check_detect("controls", bin, 9, TEXT_ENC_UNKNOWN, false);
    check_detect("8 controls", bin, 8, TEXT_ENC_ASCII, false);
    memset(bin, 0x0C, 20);
    check_detect("form feeds", bin, 20, TEXT_ENC_ASCII, false);
    /* 9 in 450 characters is 2 %: text; 10 is more */
    uint8_t many[450];
    memset(many, 'x', sizeof(many));
    memset(many, 0x7F, 9);
    check_detect("2 %", many, sizeof(many), TEXT_ENC_ASCII, false);
    many[9] = 0x7F;
    check_detect("over 2 %", many, sizeof(many), TEXT_ENC_UNKNOWN, false);
    struct textenc_info info;
    textenc_detect_info(many, sizeof(many), &info);
    CHECK_EQ_INT(info.nbin, 10);
    CHECK_EQ_INT(info.nchars, 450);
}

/* Walk p in reading e; the lengths, kinds and code points seen must be want. */
static void check_walk(enum text_enc e, const uint8_t *p, size_t n, const struct textenc_char *want,
                       size_t nwant)
{
    struct textenc_dec d;
    size_t pos = textenc_bom_len(e), k = 0;
    textenc_dec_init(&d, e);
    while (pos < n && k < nwant) {
        struct textenc_char c;
        CHECK(textenc_step(&d, p + pos, n - pos, &c));
        CHECK_EQ_INT(c.len, want[k].len);
        CHECK_EQ_INT(c.kind, want[k].kind);
        if (c.kind == TEXTENC_CHAR)
            CHECK_EQ_INT(c.cp, want[k].cp);
        pos += c.len ? c.len : 1;
        k++;
    }
    CHECK_EQ_INT(pos, n);
    CHECK_EQ_INT(k, nwant);
}

static void test_steppers(void)
{
    const uint32_t other = TEXTENC_CP_OTHER;
    /* Shift_JIS: 'ァ' is 83 40 (trail '@'), '表' 95 5C (trail '\'), '＝' 81 81, 'ｱ' B1 */
    struct textenc_char sjw[] = {{other, 2, TEXTENC_CHAR},
                                 {other, 2, TEXTENC_CHAR},
                                 {0xFF1D, 2, TEXTENC_CHAR},
                                 {other, 1, TEXTENC_CHAR},
                                 {'=', 1, TEXTENC_CHAR}};
    check_walk(TEXT_ENC_SJIS, B(0x83, 0x40, 0x95, 0x5C, 0x81, 0x81, 0xB1, '='), sjw, 5);

    /* EUC-JP: '＝' A1 E1, '　' A1 A1, SS2 kana, SS3 triple */
    struct textenc_char eu[] = {{0xFF1D, 2, TEXTENC_CHAR},
                                {0x3000, 2, TEXTENC_CHAR},
                                {other, 2, TEXTENC_CHAR},
                                {other, 3, TEXTENC_CHAR}};
    check_walk(TEXT_ENC_EUCJP, B(0xA1, 0xE1, 0xA1, 0xA1, 0x8E, 0xB1, 0x8F, 0xB0, 0xA1), eu, 4);

    /* ISO-2022-JP: designation, '＋' (21 5C) in the two-byte state, a CSI, back to ASCII */
    struct textenc_char jw[] = {{0, 3, TEXTENC_DESIG},   {0xFF0B, 2, TEXTENC_CHAR},
                                {0, 5, TEXTENC_ESC},     {0, 3, TEXTENC_DESIG},
                                {'\\', 1, TEXTENC_CHAR}, {0, 3, TEXTENC_DESIG},
                                {0xA5, 1, TEXTENC_CHAR}};
    static const char j[] = "\x1b$B!\\\x1b[31m\x1b(B\\\x1b(J\\";
    check_walk(TEXT_ENC_ISO2022JP, (const uint8_t *)j, strlen(j), jw, 7);

    /* UTF-16LE after its BOM: U+202E, then U+1F600 as a pair */
    struct textenc_char uw[] = {{0x202E, 2, TEXTENC_CHAR}, {0x1F600, 4, TEXTENC_CHAR}};
    check_walk(TEXT_ENC_UTF16LE, B(0xFF, 0xFE, 0x2E, 0x20, 0x3D, 0xD8, 0x00, 0xDE), uw, 2);

    /* UTF-8 after its BOM: C1 control U+009B, U+2066 */
    struct textenc_char u8[] = {{0x9B, 2, TEXTENC_CHAR}, {0x2066, 3, TEXTENC_CHAR}};
    check_walk(TEXT_ENC_UTF8_BOM, B(0xEF, 0xBB, 0xBF, 0xC2, 0x9B, 0xE2, 0x81, 0xA6), u8, 2);

    /* Invalid at the cursor: overlong UTF-8, truncated Shift_JIS, a kanji half in 2022 */
    struct textenc_dec d;
    struct textenc_char c;
    textenc_dec_init(&d, TEXT_ENC_UTF8);
    CHECK(!textenc_step(&d, B(0xC0, 0xAF), &c));
    CHECK(!textenc_step(&d, B(0xED, 0xA0, 0x80), &c)); /* a surrogate */
    textenc_dec_init(&d, TEXT_ENC_SJIS);
    CHECK(!textenc_step(&d, B(0x81), &c));
    CHECK(!textenc_step(&d, B(0x81, 0x7F), &c));
    textenc_dec_init(&d, TEXT_ENC_ISO2022JP);
    CHECK(textenc_step(&d, (const uint8_t *)"\x1b$@", 3, &c) && c.kind == TEXTENC_DESIG);
    CHECK_EQ_INT(d.st, TEXTENC_JIS_KANJI);
    CHECK_EQ_INT(d.kanji_final, '@');
    CHECK(!textenc_step(&d, (const uint8_t *)"!", 1, &c));
    CHECK(!textenc_step(&d, B(0xA4, 0xA2), &c)); /* 8-bit bytes */
}

static void test_names(void)
{
    t_check_textenc_names();
    CHECK_EQ_INT(textenc_bom_len(TEXT_ENC_UTF8_BOM), 3);
    CHECK_EQ_INT(textenc_bom_len(TEXT_ENC_UTF16BE), 2);
    CHECK_EQ_INT(textenc_bom_len(TEXT_ENC_SJIS), 0);
    CHECK(textenc_is_unicode(TEXT_ENC_UTF16LE) && !textenc_is_unicode(TEXT_ENC_EUCJP));
}

int main(void)
{
    test_each_encoding();
    test_ambiguous();
    test_not_text();
    test_steppers();
    test_names();
    return t_done();
}
