/*
 * fuzz_ppap - mail_ppap_candidates() on arbitrary bytes (the text of a
 * message, the sender's words).
 *
 * Besides memory errors it abort()s when a promise is broken: at most
 * MAIL_PPAP_MAX candidates, each 4 to 64 printable ASCII characters
 * without spaces, each found as it is in the input, none twice, and the
 * output exactly the candidates one after another, NUL-terminated.
 */
#include "buf.h"
#include "err.h"
#include "mail_ppap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    /* The text as the worker has it: a C string (GMime's decoded text). */
    char *text = malloc(len + 1);
    if (!text)
        return 0;
    memcpy(text, data, len);
    text[len] = 0;
    size_t tlen = strlen(text);
    struct buf out;
    size_t n = 0;
    buf_init(&out, MAIL_PPAP_MAX * (MAIL_PPAP_TOKEN_MAX + 1));
    int rc = mail_ppap_candidates(text, tlen, &out, &n);
    require(rc == MG_OK);
    require(n <= MAIL_PPAP_MAX);
    size_t off = 0, seen = 0;
    while (off < out.len) {
        const char *c = (const char *)out.data + off;
        size_t cl = strnlen(c, out.len - off);
        require(off + cl < out.len); /* NUL-terminated */
        require(cl >= MAIL_PPAP_TOKEN_MIN && cl <= MAIL_PPAP_TOKEN_MAX);
        for (size_t i = 0; i < cl; i++)
            require((unsigned char)c[i] > 0x20 && (unsigned char)c[i] < 0x7F);
        require(memmem(text, tlen, c, cl) != NULL);
        for (size_t o2 = 0; o2 < off;) {
            const char *d = (const char *)out.data + o2;
            require(!(strlen(d) == cl && memcmp(d, c, cl) == 0));
            o2 += strlen(d) + 1;
        }
        off += cl + 1;
        seen++;
    }
    require(seen == n);
    buf_free(&out);
    free(text);
    return 0;
}
