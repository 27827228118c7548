/*
 * t_textout - util/textout: the characters extracted text may not hold,
 * CSV quoting and formula neutralizing, General numbers, serial dates and
 * which number formats show dates or times. Expected values are written
 * out here (dates checked against Excel's own serials).
 */
#include "t.h"

#include "buf.h"
#include "err.h"
#include "textout.h"

#include <string.h>

static void test_chars(void)
{
    struct buf b;
    struct textout t;
    buf_init(&b, 256);
    textout_init(&t, &b);
    /* TAB and LF stay; CR, other C0, DEL, C1, bidi overrides, BOM and noncharacters go. */
    const uint32_t in[] = {'a',  '\t',   'b',    '\n',   '\r',   0x01,   0x1B,   0x7F,   0x85,
                           0x9B, 0x202E, 0x2066, 0xFEFF, 0xFFFE, 0x200F, 0x3042, 0x1F340};
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
        CHECK_EQ_INT(textout_char(&t, in[i]), MG_OK);
    CHECK(strcmp((char *)b.data, "a\tb\n\xe2\x80\x8f\xe3\x81\x82\xf0\x9f\x8d\x80") == 0);
    CHECK_EQ_INT(t.dropped, 10);
    /* A lone surrogate and an out-of-range value become U+FFFD. */
    buf_reset(&b);
    CHECK_EQ_INT(textout_char(&t, 0xD800), MG_OK);
    CHECK_EQ_INT(textout_char(&t, 0x110000), MG_OK);
    CHECK(strcmp((char *)b.data, "\xef\xbf\xbd\xef\xbf\xbd") == 0);
    /* UTF-8 in: invalid bytes as U+FFFD, controls dropped, runs copied. */
    buf_reset(&b);
    CHECK_EQ_INT(textout_utf8(&t, (const uint8_t *)"ok\xff\x1b[2Jz\xc2\x9b", 10), MG_OK);
    CHECK(strcmp((char *)b.data, "ok\xef\xbf\xbd[2Jz") == 0);
    /* Line ends: one where the text does not end with one. */
    CHECK(!textout_at_line_start(&t));
    CHECK_EQ_INT(textout_end_line(&t), MG_OK);
    CHECK_EQ_INT(textout_end_line(&t), MG_OK);
    CHECK(b.len > 0 && b.data[b.len - 1] == '\n' && b.data[b.len - 2] != '\n');
    /* The cap: an error, never a partial character. */
    struct buf small;
    buf_init(&small, 2);
    textout_init(&t, &small);
    CHECK_EQ_INT(textout_char(&t, 0x3042), MG_ERR_LIMIT);
    CHECK_EQ_INT(small.len, 0);
    buf_free(&small);
    buf_free(&b);
}

static void csv(const char *in, bool neutralize, const char *want)
{
    struct buf b;
    buf_init(&b, 256);
    CHECK_EQ_INT(textout_csv_field(&b, (const uint8_t *)in, strlen(in), neutralize), MG_OK);
    bool same = b.data && strcmp((char *)b.data, want) == 0;
    if (!same)
        fprintf(stderr, "csv(%s): got [%s] want [%s]\n", in, b.data ? (char *)b.data : "", want);
    CHECK(same);
    buf_free(&b);
}

static void test_csv(void)
{
    csv("plain", false, "plain");
    csv("a,b", false, "\"a,b\"");
    csv("say \"hi\"", false, "\"say \"\"hi\"\"\"");
    csv("two\nlines", false, "\"two\nlines\"");
    csv("=1+1", false, "=1+1");
    csv("=1+1", true, "'=1+1");
    csv("  @SUM(A1)", true, "'  @SUM(A1)");
    csv("+81 3", true, "'+81 3");
    csv("\xef\xbc\x9d"
        "1",
        true,
        "'\xef\xbc\x9d"
        "1"); /* full-width = */
    csv("=HYPERLINK(\"x\",\"y\")", true, "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
    /* Numbers and a lone sign stay as they are. */
    csv("-12.5", true, "-12.5");
    csv("-1,000", true, "\"-1,000\"");
    csv("+1e3", true, "+1e3");
    csv("50%", true, "50%");
    csv("-", true, "-");
    csv("", true, "");
}

static void num(double v, const char *want)
{
    struct buf b;
    buf_init(&b, 64);
    CHECK_EQ_INT(textout_number(&b, v), MG_OK);
    bool same = b.data && strcmp((char *)b.data, want) == 0;
    if (!same)
        fprintf(stderr, "number: got [%s] want [%s]\n", b.data ? (char *)b.data : "", want);
    CHECK(same);
    buf_free(&b);
}

static void date(double serial, bool d1904, bool d, bool t, const char *want)
{
    struct buf b;
    buf_init(&b, 64);
    CHECK_EQ_INT(textout_serial_date(&b, serial, d1904, d, t), MG_OK);
    bool same = b.data && strcmp((char *)b.data, want) == 0;
    if (!same)
        fprintf(stderr, "date(%g): got [%s] want [%s]\n", serial, b.data ? (char *)b.data : "",
                want);
    CHECK(same);
    buf_free(&b);
}

static void kind(int id, const char *code, bool want_date, bool want_time)
{
    bool d, t;
    textout_numfmt_kind(id, code, &d, &t);
    if (d != want_date || t != want_time)
        fprintf(stderr, "numfmt %d %s: date %d time %d\n", id, code ? code : "-", d, t);
    CHECK(d == want_date && t == want_time);
}

static void test_numbers(void)
{
    num(0.1 + 0.2, "0.3");
    num(1200, "1200");
    num(-0.0, "0");
    num(-150, "-150");
    num(1.0 / 3, "0.333333333333333");
    num(1e20, "1e+20");
    num(0.0 / 0.0, "#NUM!");
    /* Excel: 1 = 1900-01-01, 59 = 1900-02-28, 60 = 1900-02-29 (Lotus), 61 = 1900-03-01. */
    date(1, false, true, false, "1900/01/01");
    date(59, false, true, false, "1900/02/28");
    date(60, false, true, false, "1900/02/29");
    date(61, false, true, false, "1900/03/01");
    date(45413, false, true, false, "2024/05/01");
    date(45413.75, false, true, true, "2024/05/01 18:00:00");
    date(0.5, false, false, true, "12:00:00");
    date(0.99999999, false, false, true, "00:00:00"); /* rounds into the next day */
    date(0, true, true, false, "1904/01/01");
    date(2958465, false, true, false, "9999/12/31");
    date(2958466, false, true, false, "2958466"); /* past 9999: a number */
    date(-1, false, true, false, "-1");
    kind(0, NULL, false, false);
    kind(14, NULL, true, false);
    kind(22, NULL, true, true);
    kind(20, NULL, false, true);
    kind(31, NULL, true, false); /* yyyy"年"m"月"d"日" */
    kind(32, NULL, false, true); /* h"時"mm"分" */
    kind(164, "General", false, false);
    kind(164, "0.00E+00", false, false);
    kind(164, "#,##0\"円\"", false, false);
    kind(164, "yyyy\"年\"m\"月\"d\"日\"", true, false);
    kind(164, "[$-411]ggge\"年\"m\"月\"d\"日\"", true, false);
    kind(164, "h:mm AM/PM", false, true);
    kind(164, "mm:ss", false, true);
    kind(164, "[h]:mm", false, true);
    kind(164, "yyyy/m/d h:mm", true, true);
    kind(164, "[Red]0.00;\"d\"0", false, false);
}

int main(void)
{
    test_chars();
    test_csv();
    test_numbers();
    return t_done();
}
