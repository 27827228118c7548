/*
 * json - the JSON writer (see json.h).
 */
#include "json.h"
#include "err.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

enum { LV_OBJ = 1, LV_ARR = 2, LV_KIND = 3, LV_MORE = 4 };

static void fail(struct json *j, int rc)
{
    if (j->err == MG_OK && rc != MG_OK)
        j->err = rc;
}

/* Append to the output unless an earlier call failed. */
static void app(struct json *j, const void *p, size_t n)
{
    int rc = j->err == MG_OK ? buf_append(j->out, p, n) : MG_OK;
    fail(j, rc);
}

static void app_c(struct json *j, char c)
{
    app(j, &c, 1);
}

static void app_s(struct json *j, const char *s)
{
    app(j, s, strlen(s));
}

/* The string s, quoted and escaped (rules in json.h); runs of bytes that
 * need nothing are appended at once. */
static void put_string(struct json *j, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    app_c(j, '"');
    while (j->err == MG_OK && *p) {
        const unsigned char *run = p;
        while (*p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\')
            p++;
        if (p > run)
            app(j, run, (size_t)(p - run));
        if (j->err != MG_OK || !*p)
            break;
        unsigned char c = *p;
        size_t n;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            app(j, esc, 2);
            p++;
        } else if (c < 0x20 || c == 0x7F) {
            char esc[8];
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            app_s(j, esc);
            p++;
        } else if (utf8_next(p, strnlen((const char *)p, 4), &n) < 0) {
            app_s(j, "\\ufffd");
            p++;
        } else {
            app(j, p, n);
            p += n;
        }
    }
    app_c(j, '"');
}

void json_init(struct json *j, struct buf *out)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
    j->err = MG_OK;
}

void json_fields(struct json *j, struct buf *out)
{
    json_init(j, out);
    j->depth = j->base = 1;
    j->level[1] = LV_OBJ | LV_MORE;
}

/* Before a value: the comma, or nothing after a key; 0 when no value may
 * be written here (or an earlier call failed). */
static int value_start(struct json *j)
{
    if (j->err != MG_OK)
        return 0;
    if (j->after_key) {
        j->after_key = 0;
        return 1;
    }
    uint8_t *lv = &j->level[j->depth];
    if (j->depth == 0 ? (*lv & LV_MORE) != 0 : (*lv & LV_KIND) != LV_ARR) {
        fail(j, MG_ERR_INTERNAL); /* a second top-level value, or a value without a key */
        return 0;
    }
    if (*lv & LV_MORE)
        app_c(j, ',');
    *lv |= LV_MORE;
    return j->err == MG_OK;
}

static void open_container(struct json *j, uint8_t kind, char c)
{
    if (!value_start(j))
        return;
    if (j->depth >= JSON_DEPTH_MAX) {
        fail(j, MG_ERR_LIMIT);
        return;
    }
    app_c(j, c);
    if (j->err == MG_OK)
        j->level[++j->depth] = kind;
}

static void close_container(struct json *j, uint8_t kind, char c)
{
    if (j->err != MG_OK)
        return;
    if (j->depth <= j->base || j->after_key || (j->level[j->depth] & LV_KIND) != kind) {
        fail(j, MG_ERR_INTERNAL);
        return;
    }
    app_c(j, c);
    if (j->err == MG_OK)
        j->depth--;
}

void json_obj(struct json *j)
{
    open_container(j, LV_OBJ, '{');
}

void json_obj_end(struct json *j)
{
    close_container(j, LV_OBJ, '}');
}

void json_arr(struct json *j)
{
    open_container(j, LV_ARR, '[');
}

void json_arr_end(struct json *j)
{
    close_container(j, LV_ARR, ']');
}

void json_key(struct json *j, const char *key)
{
    if (j->err != MG_OK)
        return;
    uint8_t *lv = &j->level[j->depth];
    if (j->after_key || j->depth == 0 || (*lv & LV_KIND) != LV_OBJ || !key) {
        fail(j, MG_ERR_INTERNAL);
        return;
    }
    if (*lv & LV_MORE)
        app_c(j, ',');
    *lv |= LV_MORE;
    put_string(j, key);
    app_c(j, ':');
    j->after_key = 1;
}

void json_str(struct json *j, const char *s)
{
    if (!s)
        json_null(j);
    else if (value_start(j))
        put_string(j, s);
}

void json_int(struct json *j, long long v)
{
    char d[24];
    snprintf(d, sizeof(d), "%lld", v);
    if (value_start(j))
        app_s(j, d);
}

void json_uint(struct json *j, unsigned long long v)
{
    char d[24];
    snprintf(d, sizeof(d), "%llu", v);
    if (value_start(j))
        app_s(j, d);
}

void json_bool(struct json *j, int v)
{
    if (value_start(j))
        app_s(j, v ? "true" : "false");
}

void json_null(struct json *j)
{
    if (value_start(j))
        app_s(j, "null");
}

void json_raw(struct json *j, const void *p, size_t len, json_check_fn check)
{
    if (!value_start(j))
        return;
    if (!check || !check(p, len, JSON_DEPTH_MAX - j->depth))
        fail(j, MG_ERR_PARSE);
    else
        app(j, p, len);
}

void json_raw_fields(struct json *j, const char *fields, size_t len, json_check_fn check)
{
    if (j->err != MG_OK || len == 0)
        return;
    uint8_t *lv = &j->level[j->depth];
    if (j->after_key || j->depth == 0 || (*lv & LV_KIND) != LV_OBJ || !(*lv & LV_MORE)) {
        fail(j, MG_ERR_INTERNAL); /* the fields need a member before them */
        return;
    }
    /* Checked as an object with one member before them, as they will be
     * ("," alone is not members). */
    static const char head[] = "{\"\":0";
    struct buf whole;
    buf_init(&whole, sizeof(head) + len);
    int rc = buf_append(&whole, head, sizeof(head) - 1);
    if (rc == MG_OK)
        rc = buf_append(&whole, fields, len);
    if (rc == MG_OK)
        rc = buf_putc(&whole, '}');
    if (rc == MG_OK && (fields[0] != ',' || !check ||
                        !check(whole.data, whole.len, JSON_DEPTH_MAX - j->depth + 1)))
        rc = MG_ERR_PARSE;
    buf_free(&whole);
    fail(j, rc);
    app(j, fields, len);
}

void json_kv_str(struct json *j, const char *key, const char *s)
{
    json_key(j, key);
    json_str(j, s);
}

void json_kv_int(struct json *j, const char *key, long long v)
{
    json_key(j, key);
    json_int(j, v);
}

void json_kv_uint(struct json *j, const char *key, unsigned long long v)
{
    json_key(j, key);
    json_uint(j, v);
}

void json_kv_bool(struct json *j, const char *key, int v)
{
    json_key(j, key);
    json_bool(j, v);
}

void json_kv_obj(struct json *j, const char *key)
{
    json_key(j, key);
    json_obj(j);
}

void json_kv_arr(struct json *j, const char *key)
{
    json_key(j, key);
    json_arr(j);
}

int json_end(const struct json *j)
{
    if (j->err != MG_OK)
        return j->err;
    return j->depth != j->base || j->after_key ? MG_ERR_INTERNAL : MG_OK;
}
