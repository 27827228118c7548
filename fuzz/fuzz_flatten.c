/*
 * fuzz_flatten - the policy "flatten" entry points on arbitrary bytes:
 * ooxmlsan_flatten(), odfsan_flatten(), msofficesan_flatten() and
 * rtfsan_flatten(), chosen by what the input starts with:
 *   "PK\3\4" with "mimetype" as its first member's name: OpenDocument;
 *   other "PK\3\4": Office Open XML;
 *   D0 CF 11 E0: a legacy Office compound file;
 *   "{\rt": RTF;
 *   anything else: one application's main stream, wrapped into a compound
 *   file (cfb_wrap.h) so that mutations reach the Word, Excel and
 *   PowerPoint text walks.
 *
 * Properties checked on every input (abort() on failure, so AFL++ and
 * libFuzzer record a crash):
 *   - a failure leaves a blocked report node with a reason code and no
 *     output; a success leaves no blocked node and says the output is text;
 *   - every output is UTF-8 without C0 controls other than TAB and LF, DEL,
 *     C1 controls or bidi overrides, and passes the text verifier the
 *     pipeline runs on flattened outputs (textsan_verify).
 *
 * Seeds: corpus/seeds/flatten/ (corpus/make-flatten-seeds.py).
 */
#include "buf.h"
#include "cfb_wrap.h"
#include "err.h"
#include "msofficesan.h"
#include "odfsan.h"
#include "ooxmlsan.h"
#include "report.h"
#include "rtfsan.h"
#include "textsan.h"
#include "utf8.h"

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
    fuzz_pol.max_depth = 3;
    fuzz_pol.max_members = 2000;
    fuzz_pol.max_expanded = 64u << 20;
    fuzz_pol.max_ratio = 100;
    fuzz_pol.max_output_size = 4u << 20;
    fuzz_pol.keep_hyperlinks = true;
    fuzz_pol.csv_neutralize_formulas = true;
    if (ooxmlsan_global_init() != MG_OK || odfsan_global_init() != MG_OK)
        return -1;
    return 0;
}

/* What textout promises: no character a text reader must not get. */
static void check_text(const struct buf *out)
{
    if (!utf8_valid(out->data ? out->data : (const uint8_t *)"", out->len))
        abort();
    for (size_t i = 0; i < out->len;) {
        size_t used;
        int32_t cp = utf8_next(out->data + i, out->len - i, &used);
        if (cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7F && cp <= 0x9F) ||
            (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
            abort();
        i += used;
    }
    struct san_ctx v = {.pol = &fuzz_pol};
    if (out->len && textsan_verify(&v, out->data, out->len) != MG_OK)
        abort();
}

int fuzz_one(const uint8_t *data, size_t len)
{
    static const uint8_t ole2[4] = {0xD0, 0xCF, 0x11, 0xE0};
    san_fn run;
    uint8_t *owned = NULL;
    enum ftype type = FT_UNKNOWN;
    if (len >= 4 && memcmp(data, "PK\3\4", 4) == 0)
        run = len >= 38 && memcmp(data + 30, "mimetype", 8) == 0 ? odfsan_flatten
                                                                 : ooxmlsan_flatten;
    else if (len >= 4 && memcmp(data, ole2, 4) == 0)
        run = msofficesan_flatten;
    else if (len >= 4 && memcmp(data, "{\\rt", 4) == 0)
        run = rtfsan_flatten;
    else if ((owned = cfb_wrap(data, len, &type, &len)) != NULL)
        run = msofficesan_flatten, data = owned;
    else
        return 0;
    struct san_ctx ctx = {.pol = &fuzz_pol, .out_type = FT_TEXT};
    struct report_node *node = report_new("fuzz");
    struct buf out;
    buf_init(&out, fuzz_pol.max_output_size);
    if (node) {
        int rc = run(&ctx, data, len, &out, node);
        if (rc == MG_OK) {
            if (node->verdict == VERDICT_BLOCKED || ctx.out_type != FT_TEXT)
                abort();
            check_text(&out);
        } else if (node->verdict != VERDICT_BLOCKED || node->reason_code == REASON_NONE ||
                   out.len != 0) {
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
