/*
 * fuzz_html - the HTML sanitizer: websan_html_sanitize and websan_html_flatten (charset detection,
 * libxml2's HTML parser, the allowlist writer).
 *
 * Beyond not crashing, the properties checked (abort() on failure):
 *   - every failure leaves a blocked report node, every success none;
 *   - every output passes websan_html_verify, which re-parses it and walks the same
 *     allowlist;
 *   - sanitizing an output again succeeds, and that output verifies too.
 *     (Not byte for byte: a tree that libxml2 built from broken markup, a
 *     <p> inside a <p>, is written as it is and re-parsed in another shape;
 *     that changes no element or attribute, which is what the verifier
 *     checks.)
 */
#include "web_fuzz.h"

int fuzz_one(const uint8_t *data, size_t len)
{
    struct buf out;
    web_check(websan_html_sanitize, websan_html_verify, data, len, 0);
    struct report_node *node = report_new("fuzz");
    if (node) {
        buf_init(&out, pol.max_output_size);
        if (websan_html_flatten(&ctx, data, len, &out, node) != MG_OK &&
            node->verdict != VERDICT_BLOCKED)
            abort();
        buf_free(&out);
        report_free(node);
    }
    return 0;
}
