/*
 * odfsan - OpenDocument (odt, ods, odp and templates) sanitizer: rebuild without active content.
 */
#ifndef MUGAI_ODFSAN_H
#define MUGAI_ODFSAN_H

#include "san.h"

/* Load what must not be loaded inside a worker; called once before any fork. */
int odfsan_global_init(void);
int odfsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node);
int odfsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

#endif
