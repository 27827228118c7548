/*
 * wordfield - see wordfield.h.
 */
#include "wordfield.h"

static bool wf_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool wordfield_hyperlink_target(const char *s, size_t n, size_t *start, size_t *len)
{
    size_t i = 0;
    bool want_arg = false;
    while (i < n) {
        while (i < n && wf_space(s[i]))
            i++;
        if (i >= n)
            break;
        if (s[i] == '\\' && i + 1 < n) {
            char sw = (char)(s[i + 1] | 0x20);
            i += 2;
            want_arg = sw == 'l' || sw == 'o' || sw == 't'; /* anchor, tooltip, frame */
            continue;
        }
        size_t from, end;
        if (s[i] == '"') {
            from = ++i;
            while (i < n && s[i] != '"')
                i++;
            end = i;
            if (i < n)
                i++;
        } else {
            from = i;
            while (i < n && !wf_space(s[i]))
                i++;
            end = i;
        }
        if (want_arg) {
            want_arg = false;
            continue;
        }
        *start = from;
        *len = end - from;
        return true;
    }
    return false;
}
