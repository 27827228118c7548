/*
 * jpegsan - JPEG sanitizer: decode with limits and re-encode without metadata,
 * trailing data or anything else not on the allowlist.
 *
 * The image is transcoded losslessly with libjpeg-turbo: the quantized DCT
 * coefficients are copied into a freshly written file, so the picture is
 * bit-for-bit the same once decoded, while every APPn and COM segment of the
 * input and any bytes after EOI are left behind. The only segments in the
 * output are the ones the encoder writes itself (JFIF APP0 or Adobe APP14
 * from the colour space) and, when the policy keeps it, the ICC profile
 * re-written from its reassembled bytes.
 *
 * Limits come from the policy: max_dimension, max_pixels, jpeg_max_scans and
 * libjpeg's memory (half of worker_memory). A limit of 0 in the policy means
 * the module's built-in ceiling below, never "unlimited".
 */
#ifndef MUGAI_JPEGSAN_H
#define MUGAI_JPEGSAN_H

#include "san.h"

#define JPEGSAN_DEFAULT_MAX_DIMENSION 65500u /* libjpeg's own ceiling */
#define JPEGSAN_DEFAULT_MAX_PIXELS    (1ull << 27)
#define JPEGSAN_DEFAULT_MAX_SCANS     100u
#define JPEGSAN_DEFAULT_MAX_MEMORY    (256ull << 20)

/*
 * Transcode in[0..len) into out. Every dropped segment and the transcode
 * itself are recorded on node; on error node is blocked ("parse-error",
 * "limit", "unsupported") and out must be discarded.
 */
int jpegsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                     struct report_node *node);

/*
 * Re-parse an output: same limits, only encoder-written APP0 JFIF / APP14
 * Adobe (and APP2 ICC_PROFILE when the policy keeps it), no COM, nothing
 * after EOI, and all coefficients decodable. MG_OK or MG_ERR_VERIFY.
 */
int jpegsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

#endif
