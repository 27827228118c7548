/*
 * pdfsan - PDF sanitizer: walk the whole object graph with qpdf, remove
 * every active construct, write a clean single-revision file; or flatten
 * to UTF-8 text.
 */
#ifndef MUGAI_PDFSAN_H
#define MUGAI_PDFSAN_H

#include "san.h"

int pdfsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node);
int pdfsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);
/* Policy "flatten": the text of every page, UTF-8, pages separated by form feeds. */
int pdfsan_flatten(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                   struct report_node *node);

#endif
