/*
 * pngsan - PNG sanitizer: decode with limits and re-encode without metadata,
 * trailing data or anything else not on the allowlist.
 */
#ifndef MUGAI_PNGSAN_H
#define MUGAI_PNGSAN_H

#include "san.h"

int pngsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                  struct report_node *node);
int pngsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

#endif
