/*
 * pngsan - PNG sanitizer: decode with limits and re-encode without metadata,
 * trailing data or anything else not on the allowlist.
 *
 * The output holds IHDR (never interlaced), PLTE, tRNS, IDAT, IEND and the
 * display chunks gAMA, cHRM, sRGB, sBIT, pHYs, bKGD, plus iCCP when
 * pol->png_keep_icc; pixels are identical to the input's. APNG input keeps
 * only its default image.
 *
 * Errors: MG_ERR_LIMIT ("limit") for dimensions over pol->max_dimension,
 * pixels over pol->max_pixels or an output over the buf's cap;
 * MG_ERR_PARSE ("parse-error") for anything malformed, including a bad CRC
 * in any chunk, truncated image data or a missing IEND.
 */
#ifndef MUGAI_PNGSAN_H
#define MUGAI_PNGSAN_H

#include "san.h"

#include <png.h>
#include <stdbool.h>

int pngsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node);

/* MG_OK only for a complete, decodable PNG holding allowlisted chunks only
 * and nothing after IEND (MG_ERR_VERIFY otherwise). */
int pngsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

/* Where the family's PNG encoders (pngsan, and bitmapsan for BMP, TIFF and
 * WebP) have libpng write: out, whose cap sets full and raises a libpng
 * error. png_set_write_fn(wr, &sink, pngsan_sink_write, pngsan_sink_flush). */
struct pngsan_sink {
    struct buf *out;
    bool full;
};
void pngsan_sink_write(png_structp png, png_bytep data, size_t n);
void pngsan_sink_flush(png_structp png);

#endif
