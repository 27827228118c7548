/*
 * jpegsan - JPEG sanitizer: decode with limits and re-encode without metadata,
 * trailing data or anything else not on the allowlist.
 */
#ifndef MUGAI_JPEGSAN_H
#define MUGAI_JPEGSAN_H

#include "san.h"

int jpegsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                  struct report_node *node);
int jpegsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

#endif
