/*
 * fuzz_wordfield - wordfield_hyperlink_target() on arbitrary instruction
 * text (what follows HYPERLINK in a .doc or .docx field).
 *
 * Besides memory errors it abort()s when a promise is broken: a target
 * lies inside the input, and it is either a quoted argument (no quote
 * inside) or a bare one (no white space inside; a quote within a bare
 * argument is part of it, as Word reads it), so never holds both a quote
 * and white space; the same input always gives the same answer.
 */
#include "wordfield.h"

#include <stdint.h>
#include <stdlib.h>

int fuzz_init(void)
{
    return 0;
}

static void require(int cond)
{
    if (!cond)
        abort();
}

int fuzz_one(const uint8_t *data, size_t len)
{
    const char *s = (const char *)data;
    size_t start = 0, n = 0, start2 = 0, n2 = 0;
    bool found = wordfield_hyperlink_target(s, len, &start, &n);
    require(found == wordfield_hyperlink_target(s, len, &start2, &n2));
    if (!found)
        return 0;
    require(start == start2 && n == n2);
    require(start <= len && n <= len - start);
    bool quote = false, space = false;
    for (size_t i = start; i < start + n; i++) {
        quote |= s[i] == '"';
        space |= s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n';
    }
    require(!(quote && space));
    return 0;
}
