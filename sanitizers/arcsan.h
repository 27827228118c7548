/*
 * arcsan - archives and single-file compressors: unpack with libarchive
 * while streaming under the policy's bomb limits, send every member
 * through dispatch (depth + 1), repack what was released as one zip with
 * UTF-8 names; a compressed single file comes out as its sanitized content.
 */
#ifndef MUGAI_ARCSAN_H
#define MUGAI_ARCSAN_H

#include "san.h"

int arcsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node);
int arcsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

#endif
