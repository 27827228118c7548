/*
 * fuzz_svg - the SVG sanitizer: websan_svg_sanitize (charset detection,
 * libxml2's XML parser without DTD or entities, the SVG allowlist writer).
 * Properties checked: see web_fuzz.h (the writer is a fixed point).
 */
#include "web_fuzz.h"

int fuzz_one(const uint8_t *data, size_t len)
{
    web_check(websan_svg_sanitize, websan_svg_verify, data, len, 1);
    return 0;
}
