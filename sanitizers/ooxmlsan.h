/*
 * ooxmlsan - Office Open XML (docx, xlsx, pptx and their macro/template variants) sanitizer:
 * rebuild without active content.
 */
#ifndef MUGAI_OOXMLSAN_H
#define MUGAI_OOXMLSAN_H

#include "san.h"

/* Load what must not be loaded inside a worker; called once before any fork. */
int ooxmlsan_global_init(void);
int ooxmlsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                      struct report_node *node);
int ooxmlsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

#endif
