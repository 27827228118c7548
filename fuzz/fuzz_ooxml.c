/*
 * fuzz_ooxml - ooxmlsan_sanitize on arbitrary bytes (embedded images and
 * documents recurse through dispatch as in production), then
 * ooxmlsan_verify and identification on whatever it released. A released
 * output that our own verifier refuses (a forbidden part, relationship,
 * field or formula survived, or the package is inconsistent) or that does
 * not re-identify as the promised type is a bug, so it aborts; everything
 * else must simply not crash or leak.
 */
#include "buf.h"
#include "dispatch.h"
#include "err.h"
#include "ident.h"
#include "ooxmlsan.h"
#include "report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct policy fuzz_pol;

int fuzz_init(void)
{
    memset(&fuzz_pol, 0, sizeof(fuzz_pol));
    fuzz_pol.max_input_size = 16u << 20;
    fuzz_pol.max_depth = 3;
    fuzz_pol.max_members = 5000;
    fuzz_pol.max_expanded = 64u << 20;
    fuzz_pol.max_ratio = 100;
    fuzz_pol.max_output_size = 64u << 20;
    fuzz_pol.max_pixels = 4u << 20;
    fuzz_pol.max_dimension = 4096;
    fuzz_pol.jpeg_max_scans = 50;
    fuzz_pol.gif_max_frames = 50;
    fuzz_pol.keep_hyperlinks = true;
    static const enum ftype allowed[] = {FT_DOCX, FT_DOCM, FT_DOTX, FT_DOTM, FT_XLSX, FT_XLSM,
                                         FT_XLTX, FT_XLTM, FT_PPTX, FT_PPTM, FT_PPSX, FT_PPSM,
                                         FT_POTX, FT_POTM, FT_JPEG, FT_PNG,  FT_GIF};
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        fuzz_pol.action[allowed[i]] = POL_SANITIZE;
    if (ident_init() != MG_OK)
        return -1;
    return dispatch_global_init() == MG_OK ? 0 : -1;
}

int fuzz_one(const uint8_t *data, size_t len)
{
    struct san_ctx ctx = {.pol = &fuzz_pol, .out_type = FT_DOCX};
    struct report_node *node = report_new("fuzz.docx");
    if (!node)
        return 0;
    struct buf out;
    buf_init(&out, fuzz_pol.max_output_size);
    if (ooxmlsan_sanitize(&ctx, data, len, &out, node) == MG_OK) {
        /* What the sanitizer releases must pass its own verifier and
         * re-identify as the type it promised. */
        struct ident id;
        if (ooxmlsan_verify(&ctx, out.data, out.len) != MG_OK)
            abort();
        if (ident_buffer(out.data, out.len, "fuzz.docx", &id) != MG_OK || id.type != ctx.out_type)
            abort();
        if (node->verdict == VERDICT_BLOCKED)
            abort();
    } else if (node->verdict != VERDICT_BLOCKED) {
        abort();
    }
    report_free(node);
    buf_free(&out);
    return 0;
}
