/* ident - placeholder until identification lands. */
#include "ident.h"
#include "err.h"

#include <string.h>

int ident_init(void)
{
    return MG_OK;
}

void ident_done(void)
{
}

int ident_buffer(const uint8_t *data, size_t len, const char *name, struct ident *out)
{
    (void)data, (void)len, (void)name;
    memset(out, 0, sizeof(*out));
    return MG_OK;
}

enum ftype ident_ext_type(const char *name)
{
    (void)name;
    return FT_UNKNOWN;
}
