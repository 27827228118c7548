/*
 * t_json - the JSON writer: escaping (fixed expected bytes, and Python's
 * json module reading the values back), commas and colons, fragments, the
 * nesting cap, the sticky error on a full buffer, misuse refused, and raw
 * JSON (a value, or members) only when its check accepts it.
 */
#include "err.h"
#include "json.h"
#include "jsoncheck.h"
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Python's json module reads the bytes from its standard input and
 * answers a question about the value r. */
static int python_says(const struct buf *json, const char *expr)
{
    char cmd[4096];
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import json,sys; r=json.loads(sys.stdin.buffer.read().decode(\"utf-8\"));"
             " sys.exit(0 if (%s) else 1)'",
             expr);
    FILE *py = popen(cmd, "w");
    if (!py)
        return 0;
    size_t put = fwrite(json->data, 1, json->len, py);
    int status = pclose(py);
    return put == json->len && status == 0;
}

static int is(const struct buf *b, const char *want)
{
    if (b->len == strlen(want) && memcmp(b->data, want, b->len) == 0)
        return 1;
    fprintf(stderr, "got  %.*s\nwant %s\n", (int)b->len, (const char *)b->data, want);
    return 0;
}

/* A check for json_raw that accepts only "[1]" and records the depth. */
static unsigned raw_depth;
static int only_one(const uint8_t *p, size_t len, unsigned max_depth)
{
    raw_depth = max_depth;
    return len == 3 && memcmp(p, "[1]", 3) == 0;
}

int main(void)
{
    struct buf b;
    struct json j;

    /* Escaping: quote, backslash, C0 and DEL as \u00xx, '/' and UTF-8 as
     * they are, each byte that does not start a valid sequence as \ufffd
     * (a stray continuation, an overlong form, a surrogate, a cut sequence). */
    const char *s = "q\"b\\s/t\tn\n\x01\x1f\x7f 無害 \xff \xc0\xaf \xed\xa0\x80 \xe7\x84";
    buf_init(&b, 4096);
    json_init(&j, &b);
    json_str(&j, s);
    CHECK_EQ_INT(json_end(&j), MG_OK);
    CHECK(is(&b, "\"q\\\"b\\\\s/t\\u0009n\\u000a\\u0001\\u001f\\u007f 無害 \\ufffd \\ufffd\\ufffd "
                 "\\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\""));
    CHECK(python_says(&b, "r == \"q\\\"b\\\\s/t\\tn\\n\\x01\\x1f\\x7f \\u7121\\u5bb3 \\ufffd "
                          "\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\""));

    /* Every kind of value, nested; keys escaped like strings. */
    buf_reset(&b);
    json_init(&j, &b);
    json_obj(&j);
    json_kv_str(&j, "name", "資料\"一式\".zip");
    json_kv_str(&j, "none", NULL);
    json_kv_int(&j, "neg", -9223372036854775807LL - 1);
    json_kv_uint(&j, "big", 18446744073709551615ULL);
    json_kv_bool(&j, "yes", 1);
    json_kv_bool(&j, "no", 0);
    json_kv_arr(&j, "list");
    json_int(&j, 1);
    json_str(&j, "two");
    json_obj(&j);
    json_obj_end(&j);
    json_arr(&j);
    json_arr_end(&j);
    json_null(&j);
    json_arr_end(&j);
    json_kv_obj(&j, "k\"ey");
    json_kv_uint(&j, "x", 0);
    json_obj_end(&j);
    json_obj_end(&j);
    CHECK_EQ_INT(json_end(&j), MG_OK);
    CHECK(is(&b, "{\"name\":\"資料\\\"一式\\\".zip\",\"none\":null,\"neg\":-9223372036854775808,"
                 "\"big\":18446744073709551615,\"yes\":true,\"no\":false,"
                 "\"list\":[1,\"two\",{},[],null],\"k\\\"ey\":{\"x\":0}}"));
    CHECK(python_says(&b, "r == {\"name\": \"\\u8cc7\\u6599\\\"\\u4e00\\u5f0f\\\".zip\", "
                          "\"none\": None, \"neg\": -2**63, \"big\": 2**64 - 1, \"yes\": True, "
                          "\"no\": False, \"list\": [1, \"two\", {}, [], None], "
                          "\"k\\\"ey\": {\"x\": 0}}"));

    /* A fragment: members for an object opened elsewhere. */
    buf_reset(&b);
    buf_puts(&b, "{\"seq\":1");
    json_fields(&j, &b);
    json_kv_str(&j, "a", "x");
    json_kv_arr(&j, "b");
    json_uint(&j, 2);
    json_arr_end(&j);
    CHECK_EQ_INT(json_end(&j), MG_OK);
    buf_putc(&b, '}');
    CHECK(is(&b, "{\"seq\":1,\"a\":\"x\",\"b\":[2]}"));
    /* ... which must not close the object it was given. */
    json_fields(&j, &b);
    json_obj_end(&j);
    CHECK_EQ_INT(json_end(&j), MG_ERR_INTERNAL);

    /* The nesting cap: JSON_DEPTH_MAX containers, not one more. */
    struct buf deep;
    buf_init(&deep, 1u << 16);
    json_init(&j, &deep);
    for (unsigned i = 0; i < JSON_DEPTH_MAX; i++)
        json_arr(&j);
    CHECK_EQ_INT(json_end(&j), MG_ERR_INTERNAL); /* still open */
    for (unsigned i = 0; i < JSON_DEPTH_MAX; i++)
        json_arr_end(&j);
    CHECK_EQ_INT(json_end(&j), MG_OK);
    CHECK_EQ_INT(deep.len, 2 * JSON_DEPTH_MAX);
    CHECK(python_says(&deep, "isinstance(r, list)"));
    buf_reset(&deep);
    json_init(&j, &deep);
    for (unsigned i = 0; i < JSON_DEPTH_MAX + 1; i++)
        json_obj(&j), json_key(&j, "a");
    CHECK_EQ_INT(json_end(&j), MG_ERR_LIMIT);
    size_t at_cap = deep.len;
    for (unsigned i = 0; i < JSON_DEPTH_MAX + 1; i++)
        json_obj_end(&j);
    CHECK_EQ_INT(json_end(&j), MG_ERR_LIMIT);
    CHECK_EQ_INT(deep.len, at_cap); /* nothing written after the failure */
    buf_free(&deep);

    /* A full buffer: the first failure sticks, nothing after it is written,
     * one check at the end finds it. */
    struct buf small;
    buf_init(&small, 16);
    json_init(&j, &small);
    json_obj(&j);
    json_kv_str(&j, "name", "a string longer than the cap");
    size_t full = small.len;
    CHECK(is(&small, "{\"name\":\"")); /* the string did not fit: not even its closing quote */
    json_kv_uint(&j, "n", 1);
    json_obj_end(&j);
    CHECK_EQ_INT(small.len, full);
    CHECK_EQ_INT(json_end(&j), MG_ERR_LIMIT);
    buf_free(&small);

    /* Misuse is refused, not written: a value without a key in an object,
     * a key in an array, a second top-level value, a mismatched close, a
     * key without a value. */
    buf_reset(&b);
    json_init(&j, &b);
    json_obj(&j);
    json_uint(&j, 1);
    CHECK_EQ_INT(json_end(&j), MG_ERR_INTERNAL);
    CHECK(is(&b, "{"));
    buf_reset(&b);
    json_init(&j, &b);
    json_arr(&j);
    json_key(&j, "a");
    CHECK_EQ_INT(json_end(&j), MG_ERR_INTERNAL);
    json_init(&j, &b);
    json_null(&j);
    json_null(&j);
    CHECK_EQ_INT(json_end(&j), MG_ERR_INTERNAL);
    json_init(&j, &b);
    json_arr(&j);
    json_obj_end(&j);
    CHECK_EQ_INT(json_end(&j), MG_ERR_INTERNAL);
    json_init(&j, &b);
    json_obj(&j);
    json_key(&j, "a");
    json_obj_end(&j);
    CHECK_EQ_INT(json_end(&j), MG_ERR_INTERNAL);

    /* Raw JSON: appended when the check accepts it, with the depth left. */
    buf_reset(&b);
    json_init(&j, &b);
    json_obj(&j);
    json_key(&j, "r");
    json_raw(&j, "[1]", 3, only_one);
    json_obj_end(&j);
    CHECK_EQ_INT(json_end(&j), MG_OK);
    CHECK_EQ_INT(raw_depth, JSON_DEPTH_MAX - 1);
    CHECK(is(&b, "{\"r\":[1]}"));
    buf_reset(&b);
    json_init(&j, &b);
    json_arr(&j);
    json_raw(&j, "[1", 2, only_one);
    CHECK_EQ_INT(json_end(&j), MG_ERR_PARSE);
    CHECK(is(&b, "["));
    json_init(&j, &b);
    json_raw(&j, "[1]", 3, NULL);
    CHECK_EQ_INT(json_end(&j), MG_ERR_PARSE);

    /* Members written elsewhere: appended after the object's own when the
     * check accepts them as members; "," alone, a closed object or bytes
     * that are not members are refused. */
    buf_reset(&b);
    json_init(&j, &b);
    json_obj(&j);
    json_kv_uint(&j, "seq", 1);
    const char *members = ",\"a\":[1,{\"b\":null}]";
    json_raw_fields(&j, members, strlen(members), jsoncheck_valid);
    json_kv_str(&j, "c", "d");
    json_obj_end(&j);
    CHECK_EQ_INT(json_end(&j), MG_OK);
    CHECK(python_says(&b, "r == {\"seq\": 1, \"a\": [1, {\"b\": None}], \"c\": \"d\"}"));
    const char *not_members[] = {",",      ", ", "\"a\":1", ",\"a\":1}", ",\"a\":1},{\"b\":2",
                                 ",\"a\":"};
    for (size_t i = 0; i < sizeof(not_members) / sizeof(not_members[0]); i++) {
        buf_reset(&b);
        json_init(&j, &b);
        json_obj(&j);
        json_kv_uint(&j, "seq", 1);
        json_raw_fields(&j, not_members[i], strlen(not_members[i]), jsoncheck_valid);
        CHECK_EQ_INT(json_end(&j), MG_ERR_PARSE);
        CHECK(is(&b, "{\"seq\":1"));
    }
    buf_reset(&b);
    json_init(&j, &b);
    json_obj(&j);
    json_raw_fields(&j, ",\"a\":1", 6, jsoncheck_valid); /* no member before them */
    CHECK_EQ_INT(json_end(&j), MG_ERR_INTERNAL);

    buf_free(&b);
    return t_done();
}
