/*
 * cp932 - decode CP932 (Microsoft Shift_JIS) into UTF-8, with caps.
 *
 * Zips made on Japanese Windows store member names in CP932 without the
 * UTF-8 flag. We decode them with our own table (sanitizers/cp932_table.h,
 * generated from Python's codec) rather than iconv, because iconv loads
 * gconv modules from disk, which the sandbox forbids.
 *
 * Accepted: ASCII (0x00-0x7F as is), half-width katakana (0xA1-0xDF) and
 * every double-byte sequence the table maps, including the NEC and IBM
 * extensions and the user-defined area (mapped to private use, as Windows
 * does: Japanese local governments use such "gaiji" in names). Rejected: a
 * lone or truncated lead byte, an unmapped pair, and 0x80, 0xA0, 0xFD-0xFF.
 */
#ifndef MUGAI_CP932_H
#define MUGAI_CP932_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether in[0..len) is entirely valid CP932 (as defined above). */
bool cp932_valid(const uint8_t *in, size_t len);

/*
 * Decode in[0..len) into out as NUL-terminated UTF-8. *outlen (may be
 * NULL) gets the byte length without the NUL. Returns MG_OK, MG_ERR_PARSE
 * when the input is not valid CP932, or MG_ERR_LIMIT when the result and
 * its NUL do not fit in cap bytes. out is "" on error (when cap > 0).
 */
int cp932_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap, size_t *outlen);

/* The code point of one character at in[0..len), its length in *used; -1 if invalid. */
int32_t cp932_decode_one(const uint8_t *in, size_t len, size_t *used);

#endif
