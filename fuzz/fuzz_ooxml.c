/*
 * fuzz_ooxml - ooxmlsan_sanitize on arbitrary bytes (embedded images and
 * documents go to the stub member handler, fuzz_member.h), then
 * ooxmlsan_verify and identification on whatever it released. A released
 * output that our own verifier refuses (a forbidden part, relationship,
 * field or formula survived, or the package is inconsistent) or that does
 * not re-identify as the promised type is a bug, so it aborts; everything
 * else must simply not crash or leak.
 *
 * Two input forms, so that mutations reach the XML parser and the cleaning
 * rules instead of stopping at a checksum or a shifted offset:
 *   - a zip (starts with "PK"): the seeds store their members uncompressed
 *     and the harness repairs the CRC of every stored member first;
 *   - a member list: records "\xFF\xFE\xFDname\n" followed by the data, up
 *     to the next record; the harness writes them into a valid zip (with
 *     ooxml_zip's writer) and sanitizes that.
 */
#include "fuzz_member.h"
#include "ident.h"
#include "ooxml_zip.h"
#include "ooxmlsan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static struct policy fuzz_pol;

int fuzz_init(void)
{
    fuzz_container_policy(&fuzz_pol);
    fuzz_pol.max_input_size = 16u << 20;
    fuzz_pol.max_members = 5000;
    fuzz_pol.max_expanded = 64u << 20;
    fuzz_pol.max_output_size = 64u << 20;
    fuzz_pol.max_pixels = 4u << 20;
    fuzz_pol.keep_hyperlinks = true;
    static const enum ftype allowed[] = {FT_DOCX, FT_DOCM, FT_DOTX, FT_DOTM, FT_XLSX, FT_XLSM,
                                         FT_XLTX, FT_XLTM, FT_PPTX, FT_PPTM, FT_PPSX, FT_PPSM,
                                         FT_POTX, FT_POTM, FT_JPEG, FT_PNG,  FT_GIF};
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        fuzz_pol.action[allowed[i]] = POL_SANITIZE;
    /* libmagic: the output is re-identified below. */
    if (ident_init() != MG_OK)
        return -1;
    return dispatch_global_init() == MG_OK ? 0 : -1;
}

static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
    return rd16(p) | rd16(p + 2) << 16;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Recompute the CRC-32 of every stored member, in its central directory
 * record and its local header. */
static void fix_stored_crcs(uint8_t *d, size_t n)
{
    if (n < 22)
        return;
    size_t eocd = n - 22;
    while (eocd > 0 && memcmp(d + eocd, "PK\x05\x06", 4) != 0)
        eocd--;
    if (memcmp(d + eocd, "PK\x05\x06", 4) != 0)
        return;
    size_t off = rd32(d + eocd + 16), count = rd16(d + eocd + 10);
    for (size_t i = 0; i < count && off + 46 <= n && memcmp(d + off, "PK\x01\x02", 4) == 0; i++) {
        size_t next = off + 46 + rd16(d + off + 28) + rd16(d + off + 30) + rd16(d + off + 32);
        size_t lh = rd32(d + off + 42), size = rd32(d + off + 20);
        if (rd16(d + off + 10) == 0 && lh + 30 <= n && memcmp(d + lh, "PK\x03\x04", 4) == 0) {
            size_t data = lh + 30 + rd16(d + lh + 26) + rd16(d + lh + 28);
            if (data <= n && size <= n - data) {
                uint32_t crc = (uint32_t)crc32(0, d + data, (uInt)size);
                wr32(d + off + 16, crc);
                wr32(d + off + 24, (uint32_t)size);
                wr32(d + lh + 14, crc);
                wr32(d + lh + 18, (uint32_t)size);
                wr32(d + lh + 22, (uint32_t)size);
            }
        }
        off = next;
    }
}

#define REC_MARK "\xFF\xFE\xFD"

/* Build a zip from a member list; false when the input is not one. */
static bool members_to_zip(const uint8_t *in, size_t len, struct buf *zip)
{
    if (len < 3 || memcmp(in, REC_MARK, 3) != 0)
        return false;
    struct zip_writer zw, *w = &zw;
    zip_writer_init(w, zip, 1);
    size_t pos = 0;
    bool ok = true;
    while (ok && pos + 3 <= len) {
        const uint8_t *nl = memchr(in + pos + 3, '\n', len - pos - 3);
        if (!nl || nl - (in + pos + 3) > 200 || nl == in + pos + 3)
            break;
        char name[256];
        size_t nlen = (size_t)(nl - (in + pos + 3));
        memcpy(name, in + pos + 3, nlen);
        name[nlen] = '\0';
        size_t start = (size_t)(nl - in) + 1, end = start;
        const uint8_t *next = len > start ? memmem(in + start, len - start, REC_MARK, 3) : NULL;
        end = next ? (size_t)(next - in) : len;
        ok = ooxml_zip_add(w, name, in + start, end - start) == MG_OK;
        pos = end;
    }
    ok = ok && zip_writer_finish(w) == MG_OK;
    zip_writer_free(w);
    return ok;
}

int fuzz_one(const uint8_t *input, size_t len)
{
    struct buf built;
    buf_init(&built, 16u << 20);
    if (members_to_zip(input, len, &built)) {
        input = built.data;
        len = built.len;
    }
    uint8_t *data = malloc(len ? len : 1);
    if (!data) {
        buf_free(&built);
        return 0;
    }
    memcpy(data, input, len);
    buf_free(&built);
    fix_stored_crcs(data, len);
    struct buf out;
    enum ftype ot;
    if (fuzz_container_run(ooxmlsan_sanitize, &fuzz_pol, fuzz_member_stub, "fuzz.docx", FT_DOCX,
                           data, len, &out, &ot) == MG_OK) {
        /* What the sanitizer releases must pass its own verifier and
         * re-identify as the type it promised. */
        struct san_ctx vctx = {.pol = &fuzz_pol};
        struct ident id;
        if (ooxmlsan_verify(&vctx, out.data, out.len) != MG_OK)
            abort();
        if (ident_buffer(out.data, out.len, "fuzz.docx", &id) != MG_OK || id.type != ot)
            abort();
    }
    buf_free(&out);
    free(data);
    return 0;
}
