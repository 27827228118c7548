/*
 * fuzz_jpeg - jpegsan_sanitize on arbitrary bytes, then jpegsan_verify on
 * whatever it produced. A sanitized output that fails our own verification
 * is a bug, so it aborts; everything else must simply not crash or leak.
 *
 * The last input byte toggles jpeg_keep_icc so both ICC paths get fuzzed.
 * The limits are smaller than a real policy's so a mutated header cannot
 * make one execution take seconds.
 */
#include "buf.h"
#include "err.h"
#include "jpegsan.h"
#include "report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct policy fuzz_pol;

int fuzz_init(void)
{
    memset(&fuzz_pol, 0, sizeof(fuzz_pol));
    fuzz_pol.max_dimension = 8192;
    fuzz_pol.max_pixels = 4u << 20;
    fuzz_pol.jpeg_max_scans = 100;
    fuzz_pol.worker_memory = 512ull << 20;
    fuzz_pol.max_output_size = 64u << 20;
    return 0;
}

int fuzz_one(const uint8_t *data, size_t len)
{
    struct policy pol = fuzz_pol;
    pol.jpeg_keep_icc = len > 0 && (data[len - 1] & 1);
    struct san_ctx ctx = {.pol = &pol};
    struct report_node *node = report_new("fuzz");
    if (!node)
        return 0;
    struct buf out;
    buf_init(&out, 64u << 20);
    if (jpegsan_sanitize(&ctx, data, len, &out, node) == MG_OK) {
        if (jpegsan_verify(&ctx, out.data, out.len) != MG_OK)
            abort();
        if (node->verdict != VERDICT_SANITIZED)
            abort();
    } else if (node->verdict != VERDICT_BLOCKED) {
        abort();
    }
    buf_free(&out);
    report_free(node);
    return 0;
}
