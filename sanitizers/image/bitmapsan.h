/*
 * bitmapsan - BMP, TIFF and WebP sanitizer: decode to pixels with limits and
 * encode a new PNG from them.
 *
 * The output is always a PNG (8-bit RGB, or RGBA when the image has any
 * transparency): these formats cannot be rebuilt safely in place (TIFF is a
 * tree of offsets, tags and codecs; WebP a RIFF container of chunks whose
 * metadata and animation we would have to understand to copy), while a PNG
 * holding only pixels carries nothing else by construction. EXIF, XMP, ICC
 * profiles, TIFF tags, later TIFF pages and data after the image are never
 * read into the output. The released name takes the .png extension
 * (dispatch's output type is FT_PNG and names_release_name() follows it).
 *
 * BMP: our own strict reader (BITMAPINFOHEADER, the 52/56-byte variants, V4,
 * V5; 1/4/8/24/32 bits per pixel; BI_RGB and BI_BITFIELDS). RLE, OS/2 and
 * 16-bit bitmaps and embedded JPEG/PNG (BI_JPEG/BI_PNG) are refused as
 * "unsupported". TIFF: libtiff over memory, first page only (further pages
 * are reported as removed). WebP: libwebp, still images only; an animated
 * WebP is refused as "unsupported".
 *
 * Errors: MG_ERR_LIMIT ("limit") for dimensions over pol->max_dimension,
 * pixels over pol->max_pixels or an output over the buf's cap;
 * MG_ERR_UNSUPPORTED for the variants above; MG_ERR_PARSE for anything
 * malformed or truncated.
 */
#ifndef MUGAI_BITMAPSAN_H
#define MUGAI_BITMAPSAN_H

#include "san.h"

/* Once per process before the sandbox: silences libtiff's stderr handlers. */
void bitmapsan_global_init(void);

int bitmapsan_sanitize_bmp(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                           struct report_node *node);
int bitmapsan_sanitize_tiff(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                            struct report_node *node);
int bitmapsan_sanitize_webp(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                            struct report_node *node);

#endif
