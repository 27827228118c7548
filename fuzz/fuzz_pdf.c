/*
 * fuzz_pdf - pdfsan_sanitize on arbitrary bytes, then pdfsan_verify on
 * whatever it produced. A sanitized output that fails our own verification
 * (a forbidden construct survived, or qpdf wrote something it cannot read
 * back) is a bug, so it aborts; everything else must simply not crash or
 * leak.
 *
 * The policy is the built-in default, so every stream is decoded under
 * the real limits (max_expanded, max_ratio, max_pixels, max_dimension,
 * jpeg_max_scans); only the sizes are lowered to the fuzzer's scale.
 *
 * When the last input byte has its low three bits set, the input also goes
 * through pdfsan_flatten (qpdf rewrite, then poppler's text extraction);
 * one input in eight keeps the slower poppler path from dominating. Bit 3
 * turns the policy's keep_hyperlinks off, so both link paths get fuzzed.
 */
#include "buf.h"
#include "err.h"
#include "pdfsan.h"
#include "report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct policy fuzz_pol;

int fuzz_init(void)
{
    policy_defaults(&fuzz_pol);
    fuzz_pol.max_input_size = 16u << 20;
    fuzz_pol.max_output_size = 64u << 20;
    fuzz_pol.worker_memory = 512ull << 20;
    return pdfsan_global_init() == MG_OK ? 0 : -1;
}

int fuzz_one(const uint8_t *data, size_t len)
{
    static const char *const passwords[] = {"user", "owner"};
    struct policy pol = fuzz_pol;
    pol.keep_hyperlinks = !(len > 0 && (data[len - 1] & 8));
    struct san_ctx ctx = {.pol = &pol, .passwords = passwords, .n_passwords = 2};
    struct report_node *node = report_new("fuzz");
    if (!node)
        return 0;
    struct buf out;
    buf_init(&out, 64u << 20);
    if (pdfsan_sanitize(&ctx, data, len, &out, node) == MG_OK) {
        if (pdfsan_verify(&ctx, out.data, out.len) != MG_OK)
            abort();
        if (node->verdict != VERDICT_SANITIZED)
            abort();
    } else if (node->verdict != VERDICT_BLOCKED) {
        abort();
    }
    report_free(node);
    if (len > 0 && (data[len - 1] & 7) == 7) {
        node = report_new("fuzz-flatten");
        if (node) {
            if (pdfsan_flatten(&ctx, data, len, &out, node) != MG_OK &&
                node->verdict != VERDICT_BLOCKED)
                abort();
            report_free(node);
        }
    }
    buf_free(&out);
    return 0;
}
