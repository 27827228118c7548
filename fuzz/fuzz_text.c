/*
 * fuzz_text - the text and CSV sanitizer: detection, textsan_sanitize and
 * textsan_sanitize_csv on the same input.
 *
 * Beyond not crashing, the properties checked (abort() on failure):
 *   - an input detected as not text is refused by both sanitizers;
 *   - every failure leaves a blocked report node;
 *   - every output passes textsan_verify (and textsan_verify_csv for the
 *     CSV output), so it holds no control character the sanitizer drops
 *     and no formula cell;
 *   - every output detects as an encoding compatible with the input's
 *     (the same, or ASCII from UTF-8).
 */
#include "err.h"
#include "report.h"
#include "textsan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct policy pol;
static struct san_ctx ctx;

int fuzz_init(void)
{
    memset(&pol, 0, sizeof(pol));
    pol.csv_neutralize_formulas = true;
    pol.max_output_size = 64u << 20;
    memset(&ctx, 0, sizeof(ctx));
    ctx.pol = &pol;
    return 0;
}

static void check_one(const uint8_t *data, size_t len, enum text_enc in_enc, bool csv)
{
    struct report_node *node = report_new("fuzz");
    struct buf out;
    if (!node)
        return;
    buf_init(&out, pol.max_output_size);
    int rc = csv ? textsan_sanitize_csv(&ctx, data, len, &out, node)
                 : textsan_sanitize(&ctx, data, len, &out, node);
    if (rc != MG_OK) {
        if (node->verdict != VERDICT_BLOCKED)
            abort();
    } else {
        if (in_enc == TEXT_ENC_UNKNOWN)
            abort();
        if (textsan_verify(&ctx, out.data, out.len) != MG_OK)
            abort();
        if (csv && textsan_verify_csv(&ctx, out.data, out.len) != MG_OK)
            abort();
        if (!textsan_enc_compatible(in_enc, textenc_detect(out.data, out.len)))
            abort();
        if (node->verdict == VERDICT_BLOCKED)
            abort();
    }
    buf_free(&out);
    report_free(node);
}

int fuzz_one(const uint8_t *data, size_t len)
{
    enum text_enc e = textenc_detect(data, len);
    check_one(data, len, e, false);
    check_one(data, len, e, true);
    return 0;
}
