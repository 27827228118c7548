/*
 * fuzz_ident - identification and name rules on arbitrary bytes.
 *
 * The input is identified under a name picked from its length (so the
 * name-dependent rules for scripts, shortcuts and CSV are reached too), and
 * its first bytes, as a string, go through names_check(), ident_ext_type()
 * and names_release_name() for an output type and a buffer size also taken
 * from the input. The release name's promises are checked, and a broken
 * one aborts (a finding): terminated within the buffer, at most 255 bytes,
 * and for a name names_check() accepts, a result it accepts too, ending in
 * an extension the output type may keep.
 */
#include "err.h"
#include "ftype.h"
#include "ident.h"
#include "names.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int fuzz_init(void);
int fuzz_one(const uint8_t *data, size_t len);

int fuzz_init(void)
{
    return ident_init() == MG_OK ? 0 : 1;
}

static void check_release_name(const char *name, enum ftype out, size_t cap)
{
    char dst[512];
    memset(dst, 'x', sizeof(dst));
    names_release_name(name, out, dst, cap);
    const char *end = memchr(dst, '\0', cap);
    if (end == NULL || (size_t)(end - dst) > 255)
        abort();
    if (dst[0] == '\0' || names_check(name, NULL, NULL, 0) != MG_OK)
        return;
    const char *dot = strrchr(dst, '.');
    const struct ftype_info *fi = ftype_info(out);
    if (names_check(dst, NULL, NULL, 0) != MG_OK || dot == NULL ||
        (fi->release_exts[0] != '\0' && !ftype_release_ext(out, dot + 1, strlen(dot + 1))))
        abort();
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
    enum reason code;
    char why[256];
    names_check(name, &code, why, sizeof(why));
    ident_ext_type(name);
    /* The last two bytes choose the output type and the buffer size. */
    enum ftype out = len >= 1 ? (enum ftype)(data[len - 1] % FT_COUNT) : FT_TEXT;
    size_t cap = len >= 2 ? 1 + data[len - 2] % 300 : 512;
    check_release_name(name, out, cap);
    check_release_name(name, out, 512);
    return 0;
}
