/*
 * gifsan - GIF sanitizer: decode with limits and re-encode without metadata,
 * trailing data or anything else not on the allowlist.
 */
#ifndef MUGAI_GIFSAN_H
#define MUGAI_GIFSAN_H

#include "san.h"

int gifsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                  struct report_node *node);
int gifsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

#endif
