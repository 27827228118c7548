/*
 * err - names and descriptions for the shared error codes.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
    int err;
    const char *code;
    const char *text;
} err_table[] = {
        {MG_OK, "ok", "success"},
        {MG_ERR_NOMEM, "no-memory", "out of memory"},
        {MG_ERR_LIMIT, "limit", "a size or policy limit was exceeded"},
        {MG_ERR_PARSE, "parse-error", "the file is malformed"},
        {MG_ERR_UNSUPPORTED, "unsupported", "the file uses a feature that cannot be sanitized"},
        {MG_ERR_ENCRYPTED, "encrypted", "the file is encrypted and cannot be inspected"},
        {MG_ERR_BLOCKED, "blocked", "blocked by policy"},
        {MG_ERR_IO, "io-error", "input/output error"},
        {MG_ERR_VERIFY, "verify-failed", "the rebuilt file failed verification"},
        {MG_ERR_SANDBOX, "sandbox", "the sandboxed worker failed"},
        {MG_ERR_USAGE, "usage", "bad usage or configuration"},
        {MG_ERR_INTERNAL, "internal", "internal error"},
};

const char *err_code(int err)
{
    for (unsigned i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
        if (err_table[i].err == err)
            return err_table[i].code;
    return "internal";
}

const char *err_str(int err)
{
    for (unsigned i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
        if (err_table[i].err == err)
            return err_table[i].text;
    return "internal error";
}

int err_fail(char *why, size_t whylen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (whylen > 0)
        vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return rc;
}
