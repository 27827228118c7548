/*
 * mailsan - MIME mail messages sanitizer: rebuild without active content.
 */
#ifndef MUGAI_MAILSAN_H
#define MUGAI_MAILSAN_H

#include "san.h"

/* Load what must not be loaded inside a worker; called once before any fork. */
int mailsan_global_init(void);
int mailsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                     struct report_node *node);
int mailsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

#endif
