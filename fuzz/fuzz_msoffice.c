/*
 * fuzz_msoffice - msofficesan_sanitize() on arbitrary bytes, then
 * msofficesan_verify() on every output it produces: the sanitizer must
 * never crash or leak, must say why when it refuses, and must never
 * release a file its own verifier rejects (abort() if it does, so AFL++
 * records it as a crash).
 *
 * A compound file (D0 CF 11 E0 ...) is sanitized as it is, as the
 * application whose main stream it holds. Anything else is taken as one
 * application's main stream and wrapped into a compound file first (see
 * cfb_wrap.h).
 *
 * Built with fuzz/driver.c for AFL++ (fuzz/run.sh msoffice) and for the
 * ctest replay of corpus/seeds/msoffice; LLVMFuzzerTestOneInput serves
 * libFuzzer-style drivers.
 */
#include "buf.h"
#include "cfb.h"
#include "cfb_wrap.h"
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
        owned = cfb_wrap(data, len, &type, &len);
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
