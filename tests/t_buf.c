/*
 * t_buf - the capped buffer: it never grows past its cap, fails with
 * MG_ERR_LIMIT and keeps what it had, stays NUL-terminated, and hands its
 * data over whole.
 */
#include "buf.h"
#include "err.h"
#include "t.h"

#include <string.h>

int main(void)
{
    struct buf b;
    buf_init(&b, 8);
    CHECK_EQ_INT(buf_puts(&b, "abc"), MG_OK);
    CHECK_EQ_INT(b.len, 3);
    CHECK(b.data && b.data[3] == 0);
    CHECK_EQ_INT(buf_append(&b, "defgh", 5), MG_OK); /* exactly the cap */
    CHECK_EQ_INT(b.len, 8);
    CHECK_EQ_INT(buf_putc(&b, 'x'), MG_ERR_LIMIT);
    CHECK_EQ_INT(buf_append(&b, "y", 1), MG_ERR_LIMIT);
    CHECK_EQ_INT(buf_printf(&b, "%d", 1), MG_ERR_LIMIT);
    CHECK(b.len == 8 && memcmp(b.data, "abcdefgh", 8) == 0 && b.data[8] == 0);
    /* A huge length cannot wrap the cap check. */
    CHECK_EQ_INT(buf_append(&b, "z", SIZE_MAX), MG_ERR_LIMIT);
    CHECK_EQ_INT(buf_reserve(&b, SIZE_MAX - 2), MG_ERR_LIMIT);
    buf_reset(&b);
    CHECK(b.len == 0 && b.data && b.data[0] == 0);
    CHECK_EQ_INT(buf_printf(&b, "%s-%d", "ab", 42), MG_OK);
    CHECK(strcmp((char *)b.data, "ab-42") == 0);
    /* printf that does not fit leaves the content as it was. */
    CHECK_EQ_INT(buf_printf(&b, "%s", "12345"), MG_ERR_LIMIT);
    CHECK(strcmp((char *)b.data, "ab-42") == 0);
    size_t n = 0;
    uint8_t *p = buf_steal(&b, &n);
    CHECK(p && n == 5 && memcmp(p, "ab-42", 5) == 0);
    CHECK(b.len == 0);
    free(p);
    buf_free(&b);
    /* A large cap grows in steps and keeps every byte. */
    buf_init(&b, 1 << 20);
    int all_ok = 1;
    for (int i = 0; i < 100000; i++)
        all_ok &= buf_putc(&b, (uint8_t)(i % 251)) == MG_OK;
    CHECK(all_ok);
    int same = 1;
    for (int i = 0; i < 100000; i++)
        same &= b.data[i] == (uint8_t)(i % 251);
    CHECK(same && b.len == 100000);
    buf_free(&b);
    printf("t_buf: %d passed, %d failed\n", t_passed, t_failed);
    return t_failed ? 1 : 0;
}
