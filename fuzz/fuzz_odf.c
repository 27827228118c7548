/*
 * fuzz_odf - odfsan_sanitize() on arbitrary bytes, then odfsan_verify() on
 * every output it produces: the sanitizer must never crash or leak, and it
 * must never release a package its own verifier rejects (abort() if it
 * does, so AFL++ records it as a crash).
 *
 * Before sanitizing, the CRC-32 of every stored member is recomputed and
 * written into its central and local headers: otherwise nearly every
 * mutation of a member's bytes would be refused by the CRC check and the
 * XML parsing and filtering behind it would never be reached. The seeds
 * (corpus/seeds/odf) are stored packages for the same reason. Images go
 * to the stub member handler (fuzz_member.h).
 */
#include "fuzz_member.h"
#include "odfsan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static struct policy fuzz_pol;

int fuzz_init(void)
{
    fuzz_container_policy(&fuzz_pol);
    fuzz_pol.keep_hyperlinks = true;
    static const enum ftype allow[] = {FT_PNG, FT_JPEG, FT_GIF};
    for (size_t i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
        fuzz_pol.action[allow[i]] = POL_SANITIZE;
    return odfsan_global_init() == MG_OK ? 0 : -1;
}

static uint32_t rd(const uint8_t *p, int n)
{
    uint32_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Patch the CRC of every stored member whose records are in bounds. */
static void fix_crcs(uint8_t *d, size_t n)
{
    if (n < 22)
        return;
    size_t e = n - 22;
    if (memcmp(d + e, "PK\5\6", 4) != 0)
        return;
    size_t count = rd(d + e + 10, 2), p = rd(d + e + 16, 4);
    for (size_t i = 0; i < count && i < 1000; i++) {
        if (p > n || n - p < 46 || memcmp(d + p, "PK\1\2", 4) != 0)
            return;
        size_t nl = rd(d + p + 28, 2), xl = rd(d + p + 30, 2), cl = rd(d + p + 32, 2);
        size_t lh = rd(d + p + 42, 4), size = rd(d + p + 20, 4);
        if (rd(d + p + 10, 2) == 0 && lh < n && n - lh >= 30 && memcmp(d + lh, "PK\3\4", 4) == 0) {
            size_t data = lh + 30 + rd(d + lh + 26, 2) + rd(d + lh + 28, 2);
            if (data <= n && size <= n - data) {
                uint32_t crc = (uint32_t)crc32(0, d + data, (uInt)size);
                wr32(d + p + 16, crc);
                wr32(d + lh + 14, crc);
            }
        }
        p += 46 + nl + xl + cl;
    }
}

int fuzz_one(const uint8_t *data, size_t len)
{
    uint8_t *in = malloc(len ? len : 1);
    if (!in)
        return 0;
    memcpy(in, data, len);
    fix_crcs(in, len);
    struct buf out;
    enum ftype ot;
    if (fuzz_container_run(odfsan_sanitize, &fuzz_pol, fuzz_member_stub, "fuzz.odt", FT_ODT, in,
                           len, &out, &ot) == MG_OK) {
        struct san_ctx vctx = {.pol = &fuzz_pol};
        if (odfsan_verify(&vctx, out.data, out.len) != MG_OK)
            abort();
    }
    buf_free(&out);
    free(in);
    return 0;
}
