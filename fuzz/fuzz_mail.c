/*
 * fuzz_mail - mailsan_sanitize on arbitrary bytes, then mailsan_verify on
 * whatever it released. A released message that fails our own verification
 * is a bug, so it aborts; everything else must simply not crash or leak.
 *
 * Attachments go through dispatch like in a job, so the other sanitizers
 * run below the mail parser with small limits. The last input byte toggles
 * mail_hold_encrypted and URL defanging so both paths get fuzzed.
 */
#include "buf.h"
#include "err.h"
#include "ident.h"
#include "mailsan.h"
#include "report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct policy fuzz_pol;

int fuzz_init(void)
{
    if (ident_init() != MG_OK || mailsan_global_init() != MG_OK)
        return -1;
    memset(&fuzz_pol, 0, sizeof(fuzz_pol));
    fuzz_pol.max_input_size = 4u << 20;
    fuzz_pol.max_depth = 3;
    fuzz_pol.max_members = 200;
    fuzz_pol.max_expanded = 16u << 20;
    fuzz_pol.max_ratio = 100;
    fuzz_pol.max_output_size = 16u << 20;
    fuzz_pol.worker_memory = 512ull << 20;
    fuzz_pol.max_dimension = 4096;
    fuzz_pol.max_pixels = 1u << 20;
    fuzz_pol.jpeg_max_scans = 20;
    fuzz_pol.gif_max_frames = 20;
    fuzz_pol.mail_max_size = 4u << 20;
    fuzz_pol.csv_neutralize_formulas = true;
    fuzz_pol.action[FT_TEXT] = POL_SANITIZE;
    fuzz_pol.action[FT_CSV] = POL_SANITIZE;
    fuzz_pol.action[FT_JPEG] = POL_SANITIZE;
    fuzz_pol.action[FT_PNG] = POL_SANITIZE;
    fuzz_pol.action[FT_GIF] = POL_SANITIZE;
    fuzz_pol.action[FT_EML] = POL_SANITIZE;
    return 0;
}

int fuzz_one(const uint8_t *data, size_t len)
{
    struct policy pol = fuzz_pol;
    pol.mail_hold_encrypted = len > 0 && (data[len - 1] & 1);
    pol.mail_defang_urls = len > 0 && (data[len - 1] & 2);
    struct san_ctx ctx = {.pol = &pol, .out_type = FT_EML};
    struct report_node *node = report_new("fuzz.eml");
    if (!node)
        return 0;
    struct buf out;
    buf_init(&out, pol.max_output_size);
    if (mailsan_sanitize(&ctx, data, len, &out, node) == MG_OK) {
        if (mailsan_verify(&ctx, out.data, out.len) != MG_OK)
            abort();
        if (node->verdict == VERDICT_BLOCKED)
            abort();
    } else if (node->verdict != VERDICT_BLOCKED) {
        abort();
    }
    buf_free(&out);
    report_free(node);
    return 0;
}
