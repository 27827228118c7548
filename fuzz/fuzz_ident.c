/*
 * fuzz_ident - identification and name checks on arbitrary bytes.
 *
 * The input is identified under a name picked from its length (so the
 * name-dependent rules for scripts, shortcuts and CSV are reached too), and
 * its first bytes, as a string, go through names_check() and
 * ident_ext_type().
 */
#include "err.h"
#include "ident.h"
#include "names.h"

#include <stdint.h>
#include <string.h>

int fuzz_init(void);
int fuzz_one(const uint8_t *data, size_t len);

int fuzz_init(void)
{
    return ident_init() == MG_OK ? 0 : 1;
}

int fuzz_one(const uint8_t *data, size_t len)
{
    static const char *const names[] = {
            "sample.bin", "sample.txt",  "sample.csv", "sample.js",
            "sample.url", "sample.docx", NULL,         "dir/sample.exe. ",
    };
    struct ident id;
    ident_buffer(data, len, names[len % (sizeof(names) / sizeof(names[0]))], &id);

    char name[1024];
    size_t n = len < sizeof(name) - 1 ? len : sizeof(name) - 1;
    memcpy(name, data, n);
    name[n] = '\0';
    char code[32], why[256];
    names_check(name, code, sizeof(code), why, sizeof(why));
    ident_ext_type(name);
    return 0;
}
