/*
 * fuzz_rtf - rtfsan_sanitize() on arbitrary bytes, then on every output it
 * produces: rtfsan_verify() must accept it, and a walk with the tokenizer
 * must find balanced groups and none of the control words that carry
 * active content (abort() otherwise, so AFL++ records a crash). Pictures
 * go through dispatch_file() to the PNG and JPEG sanitizers, as in a job.
 */
#include "buf.h"
#include "dispatch.h"
#include "err.h"
#include "ident.h"
#include "report.h"
#include "rtf_tok.h"
#include "rtfsan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct policy fuzz_pol;

int fuzz_init(void)
{
    memset(&fuzz_pol, 0, sizeof(fuzz_pol));
    fuzz_pol.max_input_size = 4u << 20;
    fuzz_pol.max_depth = 3;
    fuzz_pol.max_members = 200;
    fuzz_pol.max_expanded = 16u << 20;
    fuzz_pol.max_ratio = 100;
    fuzz_pol.max_output_size = 16u << 20;
    fuzz_pol.max_pixels = 1u << 20;
    fuzz_pol.max_dimension = 4096;
    fuzz_pol.jpeg_max_scans = 50;
    fuzz_pol.keep_hyperlinks = true;
    fuzz_pol.action[FT_PNG] = fuzz_pol.action[FT_JPEG] = POL_SANITIZE;
    return ident_init() == MG_OK ? 0 : -1;
}

/* Abort if out holds an unbalanced group or a word that must never be written. */
static void check_output(const struct buf *out)
{
    static const char *const banned[] = {"object",   "objdata", "objclass",   "objupdate",
                                         "objemb",   "objlink", "objautlink", "datastore",
                                         "template", "bin",     "wmetafile",  "emfblip",
                                         "shp",      "result",  "uc"};
    struct rtf_lexer lx;
    struct rtf_tok t;
    rtf_lex_init(&lx, out->data, out->len);
    do {
        if (rtf_next(&lx, &t) != MG_OK || t.kind == RTF_TOK_BIN)
            abort();
        for (size_t i = 0; t.kind == RTF_TOK_WORD && i < sizeof(banned) / sizeof(banned[0]); i++)
            if (strcmp(t.word, banned[i]) == 0)
                abort();
    } while (t.kind != RTF_TOK_EOF);
    if (lx.depth != 0)
        abort();
}

int fuzz_one(const uint8_t *data, size_t len)
{
    struct san_ctx ctx = {.pol = &fuzz_pol};
    struct report_node *node = report_new("fuzz.rtf");
    struct buf out;
    buf_init(&out, fuzz_pol.max_output_size);
    if (node) {
        int rc = rtfsan_sanitize(&ctx, data, len, &out, node);
        if (rc == MG_OK) {
            struct san_ctx vctx = {.pol = &fuzz_pol};
            if (rtfsan_verify(&vctx, out.data, out.len) != MG_OK)
                abort();
            check_output(&out);
        } else if (node->verdict != VERDICT_BLOCKED || node->reason_code == REASON_NONE) {
            abort();
        }
        if (ctx.depth != 0)
            abort();
    }
    report_free(node);
    buf_free(&out);
    return 0;
}
