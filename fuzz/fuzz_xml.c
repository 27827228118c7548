/*
 * fuzz_xml - the generic XML check: websan_xml_sanitize (charset detection,
 * libxml2's XML parser without DTD or entities, namespace check,
 * re-serialization).
 * Properties checked: see web_fuzz.h (the writer is a fixed point).
 */
#include "web_fuzz.h"

int fuzz_one(const uint8_t *data, size_t len)
{
    web_check(websan_xml_sanitize, websan_xml_verify, data, len, 1);
    return 0;
}
