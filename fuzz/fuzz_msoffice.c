/*
 * fuzz_msoffice - msofficesan_sanitize() on arbitrary bytes, then
 * msofficesan_verify() on every output it produces: the sanitizer must
 * never crash or leak, must say why when it refuses, and must never
 * release a file its own verifier rejects (abort() if it does, so AFL++
 * records it as a crash).
 *
 * A compound file (D0 CF 11 E0 ...) is sanitized as it is, as the
 * application whose main stream it holds. Anything else is taken as one
 * application's main stream, wrapped into a compound file first, so that
 * mutations reach the BIFF, Word and PowerPoint walks instead of dying in
 * the CFB reader: the first byte picks the application (0 Excel, 1
 * PowerPoint, 2 Word); for Word the next four bytes say where the
 * WordDocument stream ends and the table stream begins.
 *
 * Built with fuzz/driver.c for AFL++ (fuzz/run.sh msoffice) and for the
 * ctest replay of corpus/seeds/msoffice; LLVMFuzzerTestOneInput serves
 * libFuzzer-style drivers.
 */
#include "buf.h"
#include "cfb.h"
#include "err.h"
#include "msofficesan.h"
#include "report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int fuzz_init(void);
int fuzz_one(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static struct policy fuzz_pol;

int fuzz_init(void)
{
    memset(&fuzz_pol, 0, sizeof(fuzz_pol));
    fuzz_pol.max_input_size = 8u << 20;
    fuzz_pol.max_output_size = 16u << 20;
    fuzz_pol.keep_hyperlinks = true;
    return 0;
}

static const uint8_t magic[4] = {0xD0, 0xCF, 0x11, 0xE0};

static void u16s(const char *s, uint16_t *out, size_t *n)
{
    *n = strlen(s);
    for (size_t i = 0; i < *n; i++)
        out[i] = (uint8_t)s[i];
}

/* A compound file around one application's streams; NULL if it cannot be made. */
static uint8_t *wrap(const uint8_t *d, size_t n, enum ftype *type, size_t *out_len)
{
    static const uint8_t current_user[] = {0x00, 0x00, 0xF6, 0x0F, 0x14, 0x00, 0x00, 0x00,
                                           0x14, 0x00, 0x00, 0x00, 0x5F, 0xC0, 0x91, 0xE3,
                                           0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    uint16_t names[3][32];
    size_t nl[3];
    struct cfb_wnode w[3];
    size_t k = 0;
    if (n < 1)
        return NULL;
    unsigned app = d[0] % 3;
    d++;
    n--;
    memset(w, 0, sizeof(w));
    if (app == 0) {
        *type = FT_XLS;
        u16s("Workbook", names[0], &nl[0]);
        w[k++] = (struct cfb_wnode){names[0], nl[0], CFB_STREAM, CFB_NONE, {0}, 0, d, n};
    } else if (app == 1) {
        *type = FT_PPT;
        u16s("PowerPoint Document", names[0], &nl[0]);
        u16s("Current User", names[1], &nl[1]);
        w[k++] = (struct cfb_wnode){names[0], nl[0], CFB_STREAM, CFB_NONE, {0}, 0, d, n};
        w[k++] = (struct cfb_wnode){names[1], nl[1], CFB_STREAM,   CFB_NONE,
                                    {0},      0,     current_user, sizeof(current_user)};
    } else {
        if (n < 4)
            return NULL;
        size_t split = (size_t)(d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24);
        d += 4;
        n -= 4;
        if (split > n)
            split = n;
        *type = FT_DOC;
        u16s("WordDocument", names[0], &nl[0]);
        u16s("0Table", names[1], &nl[1]);
        u16s("1Table", names[2], &nl[2]);
        w[k++] = (struct cfb_wnode){names[0], nl[0], CFB_STREAM, CFB_NONE, {0}, 0, d, split};
        w[k++] = (struct cfb_wnode){names[1], nl[1], CFB_STREAM, CFB_NONE,
                                    {0},      0,     d + split,  n - split};
        w[k++] = (struct cfb_wnode){names[2], nl[2], CFB_STREAM, CFB_NONE,
                                    {0},      0,     d + split,  n - split};
    }
    uint8_t *out = NULL;
    if (cfb_write(w, k, NULL, 32u << 20, &out, out_len) != MG_OK)
        return NULL;
    return out;
}

/* The application whose main stream a compound file holds. */
static int type_of(const uint8_t *d, size_t n, enum ftype *type)
{
    struct cfb c;
    if (cfb_open(&c, d, n) != MG_OK)
        return -1;
    *type = cfb_find(&c, 0, "WordDocument") != CFB_NONE          ? FT_DOC
            : cfb_find(&c, 0, "PowerPoint Document") != CFB_NONE ? FT_PPT
                                                                 : FT_XLS;
    cfb_close(&c);
    return 0;
}

int fuzz_one(const uint8_t *data, size_t len)
{
    enum ftype type = FT_XLS;
    uint8_t *owned = NULL;
    if (len >= 4 && memcmp(data, magic, 4) == 0) {
        if (type_of(data, len, &type) != 0)
            type = FT_DOC; /* the sanitizer must refuse it */
    } else {
        owned = wrap(data, len, &type, &len);
        if (owned == NULL)
            return 0;
        data = owned;
    }
    struct san_ctx ctx = {.pol = &fuzz_pol, .out_type = type};
    struct report_node *node = report_new("fuzz");
    struct buf out;
    buf_init(&out, fuzz_pol.max_output_size);
    if (node) {
        int rc = msofficesan_sanitize(&ctx, data, len, &out, node);
        if (rc == MG_OK) {
            struct san_ctx vctx = {.pol = &fuzz_pol};
            if (node->verdict == VERDICT_BLOCKED ||
                msofficesan_verify(&vctx, out.data, out.len) != MG_OK)
                abort();
        } else if (node->verdict != VERDICT_BLOCKED || node->reason_code == REASON_NONE) {
            abort();
        }
    }
    report_free(node);
    buf_free(&out);
    free(owned);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    return fuzz_one(data, len);
}
