/* names - placeholder until name checks land. */
#include "names.h"
#include "err.h"

#include <string.h>

int names_check(const char *name, char *code, size_t codelen, char *why, size_t whylen)
{
    (void)name, (void)code, (void)codelen, (void)why, (void)whylen;
    return MG_OK;
}

const char *names_basename(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\')
            b = p + 1;
    return b;
}
