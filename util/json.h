/*
 * json - the one JSON writer: a capped buf, commas and colons placed by the
 * writer, nesting capped (JSON_DEPTH_MAX), and a sticky error.
 *
 * The first failure (the buf's cap, memory, a misuse such as a value
 * without a key inside an object) is kept and every later call does
 * nothing, so a writer is a plain run of calls and one check at the end:
 *
 *     struct json j;
 *     json_init(&j, out);
 *     json_obj(&j);
 *     json_kv_str(&j, "name", name);
 *     json_kv_uint(&j, "size", size);
 *     json_obj_end(&j);
 *     return json_end(&j);
 *
 * Strings come out as valid UTF-8 JSON whatever the bytes: '"' and '\'
 * after a backslash, C0 controls and DEL as \u00xx, a byte that does not
 * start a valid UTF-8 sequence as \ufffd; everything else as it is ('/'
 * and non-ASCII characters unescaped). What went in before a failure stays
 * in the buf: the caller discards it.
 */
#ifndef MUGAI_JSON_H
#define MUGAI_JSON_H

#include "buf.h"
#include "util_caps.h"

#include <stddef.h>
#include <stdint.h>

/* A validator for json_raw(): nonzero when p[0..len) is one JSON value
 * nested no deeper than max_depth. */
typedef int (*json_check_fn)(const uint8_t *p, size_t len, unsigned max_depth);

struct json {
    struct buf *out;
    int err;                           /* the first failure, MG_OK until then */
    unsigned depth;                    /* containers open */
    unsigned base;                     /* 0, or 1 for a fragment (json_fields) */
    int after_key;                     /* a key was written: its value comes next */
    uint8_t level[JSON_DEPTH_MAX + 1]; /* per depth: object or array, and whether it has members */
};

/* A writer of one JSON value appended to out. */
void json_init(struct json *j, struct buf *out);

/* A writer of members for an object that is already open and has members:
 * each key is written as ,"key": (text for a caller that splices the
 * fields into an object written elsewhere). json_end checks that every
 * container opened here was closed. */
void json_fields(struct json *j, struct buf *out);

void json_obj(struct json *j);
void json_obj_end(struct json *j);
void json_arr(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);

/* A string; NULL writes null. */
void json_str(struct json *j, const char *s);
void json_int(struct json *j, long long v);
void json_uint(struct json *j, unsigned long long v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
/* Bytes that are already JSON (written elsewhere), appended only when
 * check() accepts them within the depth left: else MG_ERR_PARSE. */
void json_raw(struct json *j, const void *p, size_t len, json_check_fn check);
/* Members written elsewhere by json_fields() (",\"k\":v,...", or ""),
 * appended to the object j has open when check() accepts them as an
 * object's members: else MG_ERR_PARSE. */
void json_raw_fields(struct json *j, const char *fields, size_t len, json_check_fn check);

/* key and value in one call. */
void json_kv_str(struct json *j, const char *key, const char *s);
void json_kv_int(struct json *j, const char *key, long long v);
void json_kv_uint(struct json *j, const char *key, unsigned long long v);
void json_kv_bool(struct json *j, const char *key, int v);
void json_kv_obj(struct json *j, const char *key); /* "key":{ */
void json_kv_arr(struct json *j, const char *key); /* "key":[ */

/* MG_OK, or the first failure; MG_ERR_INTERNAL when a container is still
 * open or a key has no value. */
int json_end(const struct json *j);

#endif
