/*
 * cp932 - CP932 to UTF-8 without iconv (see cp932.h).
 *
 * One table lookup per double-byte character; single bytes are decided in
 * code. Every output byte is checked against the cap before it is written.
 */
#include "cp932.h"
#include "cp932_table.h"
#include "err.h"
#include "utf8.h"

static int cp932_lead_row(uint8_t b)
{
    if (b >= 0x81 && b <= 0x9F)
        return b - 0x81;
    if (b >= 0xE0 && b <= 0xFC)
        return b - 0xE0 + 31;
    return -1;
}

int32_t cp932_decode_one(const uint8_t *in, size_t len, size_t *used)
{
    *used = 0;
    if (len == 0)
        return -1;
    uint8_t b = in[0];
    if (b < 0x80) {
        *used = 1;
        return b;
    }
    if (b >= 0xA1 && b <= 0xDF) {
        *used = 1;
        return 0xFF61 + (b - 0xA1);
    }
    int row = cp932_lead_row(b);
    if (row < 0 || len < 2)
        return -1;
    uint8_t t = in[1];
    if (t < CP932_TRAIL_FIRST || t >= CP932_TRAIL_FIRST + CP932_TRAIL_COUNT)
        return -1;
    uint16_t cp = cp932_dbcs[row][t - CP932_TRAIL_FIRST];
    if (cp == 0)
        return -1;
    *used = 2;
    return cp;
}

bool cp932_valid(const uint8_t *in, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t n;
        if (cp932_decode_one(in + i, len - i, &n) < 0)
            return false;
        i += n;
    }
    return true;
}

int cp932_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap, size_t *outlen)
{
    size_t o = 0, i = 0;
    int rc = MG_OK;

    if (outlen)
        *outlen = 0;
    if (cap == 0)
        return MG_ERR_LIMIT;
    while (i < len) {
        size_t n;
        int32_t cp = cp932_decode_one(in + i, len - i, &n);
        if (cp < 0) {
            rc = MG_ERR_PARSE;
            goto out;
        }
        i += n;
        uint8_t u[4];
        size_t k = utf8_encode((uint32_t)cp, u);
        if (k >= cap - o) { /* keep one byte for the NUL */
            rc = MG_ERR_LIMIT;
            goto out;
        }
        for (size_t j = 0; j < k; j++)
            out[o++] = (char)u[j];
    }
out:
    if (rc != MG_OK)
        o = 0;
    out[o] = 0;
    if (outlen && rc == MG_OK)
        *outlen = o;
    return rc;
}
