/*
 * t_jsoncheck - the parent's check of what workers send: RFC 8259 values
 * (the RFC's own examples), the edge cases parsers disagree on, the
 * nesting cap, UTF-8 rules, and report trees whose reason codes and action
 * words must come from the table.
 */
#include "jsoncheck.h"
#include "t.h"

#include <string.h>

static int ok(const char *s, unsigned depth)
{
    return jsoncheck_valid((const uint8_t *)s, strlen(s), depth);
}

static int report(const char *s)
{
    return jsoncheck_report((const uint8_t *)s, strlen(s), 64);
}

int main(void)
{
    /* RFC 8259 section 13's examples. */
    CHECK(ok("{\"Image\": {\"Width\": 800, \"Height\": 600, \"Title\": \"View from 15th Floor\","
             " \"Thumbnail\": {\"Url\": \"http://www.example.com/image/481989943\", \"Height\":"
             " 125, \"Width\": 100}, \"Animated\" : false, \"IDs\": [116, 943, 234, 38793]}}",
             8));
    CHECK(ok("[{\"precision\": \"zip\", \"Latitude\": 37.7668, \"Longitude\": -122.3959}]", 8));
    CHECK(ok("\"Hello world!\"", 8) && ok("42", 8) && ok("true", 8) && ok(" null \n", 8));
    CHECK(ok("-0.5e+10", 8) && ok("1E-2", 8) && ok("0", 8));
    /* Not JSON. */
    const char *bad[] = {"",          "{",         "[1,]",     "{\"a\":1,}", "01",  "1.",
                         ".5",        "+1",        "0x10",     "'a'",        "NaN", "[1 2]",
                         "{a:1}",     "\"\\x41\"", "\"\t\"",   "tru",        "[]]", "1 2",
                         "\"\\u12\"", "{\"a\" 1}", "[\"a\":1]"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK(!ok(bad[i], 8));
    /* UTF-8: well-formed only; escaped surrogates must pair. */
    CHECK(ok("\"\xE7\x84\xA1\xE5\xAE\xB3\"", 8)); /* 無害 */
    CHECK(!ok("\"\xC0\xAF\"", 8));                /* overlong */
    CHECK(!ok("\"\xED\xA0\x80\"", 8));            /* a surrogate in UTF-8 */
    CHECK(!ok("\"\xE7\x84\"", 8));                /* cut */
    CHECK(ok("\"\\ud83d\\ude00\"", 8));           /* a pair */
    /* Embedded NUL in the bytes is not a value. */
    CHECK(!jsoncheck_valid((const uint8_t *)"[1]\0", 4, 8));
    /* Nesting: at the cap, and one past it. */
    CHECK(ok("[[[[1]]]]", 4));
    CHECK(!ok("[[[[[1]]]]]", 4));
    CHECK(ok("{\"a\":{\"b\":{\"c\":{}}}}", 4));
    CHECK(!ok("{\"a\":{\"b\":{\"c\":{\"d\":[]}}}}", 4));
    /* Reports: codes and words from the table only, also when escaped. */
    CHECK(report("{\"name\":\"a\",\"reason_code\":\"encrypted\",\"actions\":[{\"action\":"
                 "\"removed\"}]}"));
    CHECK(report("{\"reason_code\":null}"));
    CHECK(!report("{\"reason_code\":\"made-up\"}"));
    CHECK(!report("{\"children\":[{\"reason_code\":\"infected \"}]}"));
    CHECK(!report("{\"a\":{\"action\":\"exploded\"}}"));
    CHECK(!report("{\"reason\\u005fcode\":\"made-up\"}")); /* the key, escaped */
    CHECK(report("{\"reason\\u005fcode\":\"encr\\u0079pted\"}"));
    printf("t_jsoncheck: %d passed, %d failed\n", t_passed, t_failed);
    return t_failed ? 1 : 0;
}
