/*
 * err - the error codes every Mugai module returns.
 *
 * Functions return MG_OK (0) or a negative code. The codes are coarse on
 * purpose: callers decide "release or not" from them, and the human-readable
 * detail travels in the report, not in the code.
 */
#ifndef MUGAI_ERR_H
#define MUGAI_ERR_H

#include <stddef.h>

enum mg_err {
    MG_OK = 0,
    MG_ERR_NOMEM = -1,       /* allocation failed */
    MG_ERR_LIMIT = -2,       /* a cap or policy limit was hit */
    MG_ERR_PARSE = -3,       /* the input is malformed */
    MG_ERR_UNSUPPORTED = -4, /* well-formed but uses something we cannot sanitize */
    MG_ERR_ENCRYPTED = -5,   /* encrypted: cannot be inspected */
    MG_ERR_BLOCKED = -6,     /* policy or content says: do not release */
    MG_ERR_IO = -7,          /* read/write on a file or descriptor failed */
    MG_ERR_VERIFY = -8,      /* the rebuilt output failed re-identification or re-parse */
    MG_ERR_SANDBOX = -9,     /* the worker died, was killed, or sent a bad result */
    MG_ERR_USAGE = -10,      /* bad arguments or configuration */
    MG_ERR_INTERNAL = -11,   /* a bug: an invariant did not hold */
};

/* Short stable token for reports and JSON, e.g. "limit", "parse-error". */
const char *err_code(int err);

/* One-line English description. */
const char *err_str(int err);

/* Formats the detail into why (when whylen > 0) and returns rc, so a
 * failure reads `return err_fail(why, whylen, MG_ERR_PARSE, "...", ...);`. */
int err_fail(char *why, size_t whylen, int rc, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

#endif
