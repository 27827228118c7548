/*
 * gifsan - GIF sanitizer: decode with limits and re-encode without metadata,
 * trailing data or anything else not on the allowlist.
 *
 * The output (GIF89a) holds the logical screen and global colour table, and
 * per frame its graphic control extension, local colour table and pixels
 * (interlace flag kept, pixels identical), plus one canonical NETSCAPE2.0
 * loop extension when the input has a well-formed NETSCAPE2.0 or
 * ANIMEXTS1.0 one.
 *
 * Errors: MG_ERR_LIMIT ("limit") for a screen over pol->max_dimension or
 * pol->max_pixels, a frame outside the logical screen, more than
 * pol->gif_max_frames frames or an output over the buf's cap; MG_ERR_PARSE
 * ("parse-error") for anything giflib cannot read completely (truncated
 * raster, missing trailer), a frame without a colour table or no frame.
 */
#ifndef MUGAI_GIFSAN_H
#define MUGAI_GIFSAN_H

#include "san.h"

int gifsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node);

/* MG_OK only for a complete GIF within the policy's limits holding only the
 * blocks gifsan writes and nothing after the trailer (MG_ERR_VERIFY otherwise). */
int gifsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

#endif
