/*
 * t_utf8 - the shared strict UTF-8 decoder: what RFC 3629 allows and the
 * forms it forbids (overlong, surrogates, past U+10FFFF, truncated).
 */
#include "t.h"
#include "utf8.h"

#include <string.h>

static int32_t one(const char *s, size_t *used)
{
    return utf8_next((const uint8_t *)s, strlen(s), used);
}

static bool valid(const char *s)
{
    return utf8_valid((const uint8_t *)s, strlen(s));
}

int main(void)
{
    size_t u = 0;
    CHECK_EQ_INT(one("A", &u), 'A');
    CHECK_EQ_INT(u, 1);
    CHECK_EQ_INT(one("\xC3\xA9", &u), 0xE9);
    CHECK_EQ_INT(u, 2);
    CHECK_EQ_INT(one("\xE8\xAB\x8B", &u), 0x8ACB); /* 請 */
    CHECK_EQ_INT(u, 3);
    CHECK_EQ_INT(one("\xF0\x9F\x98\x80", &u), 0x1F600);
    CHECK_EQ_INT(u, 4);
    CHECK_EQ_INT(one("\xF4\x8F\xBF\xBF", &u), 0x10FFFF);

    CHECK_EQ_INT(one("\xC0\xAF", &u), -1);         /* overlong '/' */
    CHECK_EQ_INT(one("\xE0\x80\xAF", &u), -1);     /* overlong */
    CHECK_EQ_INT(one("\xF0\x80\x80\xAF", &u), -1); /* overlong */
    CHECK_EQ_INT(one("\xED\xA0\x80", &u), -1);     /* surrogate U+D800 */
    CHECK_EQ_INT(one("\xF4\x90\x80\x80", &u), -1); /* U+110000 */
    CHECK_EQ_INT(one("\xF5\x80\x80\x80", &u), -1);
    CHECK_EQ_INT(one("\x80", &u), -1);     /* lone continuation */
    CHECK_EQ_INT(one("\xE8\xAB", &u), -1); /* truncated */
    CHECK_EQ_INT(one("\xE8\x41\x8B", &u), -1);

    CHECK(valid("請求書_ｶﾅ_全角ＡＢＣ.txt"));
    CHECK(valid("invoice\xE2\x80\xAE"
                "fdp.exe")); /* valid UTF-8; names.c judges the bidi */
    CHECK(!valid("abc\xFF"));
    CHECK_EQ_INT(utf8_check((const uint8_t *)"ab\xC0\xAF", 4), 2);
    CHECK_EQ_INT(utf8_check((const uint8_t *)"", 0), 0);
    return t_done();
}
