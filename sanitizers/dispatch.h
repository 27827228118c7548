/*
 * dispatch - route one file (the input or a container member) to its
 * sanitizer: check the name, identify by content, look up the policy
 * action, sanitize, then verify the output (re-identify and re-parse).
 */
#ifndef MUGAI_DISPATCH_H
#define MUGAI_DISPATCH_H

#include "san.h"

/*
 * Sanitize one file into out and fill node (type, sizes, hashes, verdict,
 * actions). On MG_OK the output type is *out_type and the released file is
 * out; otherwise the file is blocked and node says why. Containers call this
 * for members with ctx->depth already raised.
 */
int dispatch_file(struct san_ctx *ctx, const char *name, const uint8_t *in, size_t len,
                  struct buf *out, struct report_node *node, enum ftype *out_type);

/*
 * Once per process, before any worker is forked: lets format modules load
 * what they would otherwise load lazily inside a worker (where opening a
 * file is fatal): charset converters, parser globals.
 */
int dispatch_global_init(void);

#endif
