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
 * out; otherwise the file is blocked and node says why. For the top-level
 * file of a job; containers hand their members to san_member() (san.h),
 * which runs the same pipeline one level down.
 */
int dispatch_file(struct san_ctx *ctx, const char *name, const uint8_t *in, size_t len,
                  struct buf *out, struct report_node *node, enum ftype *out_type);

/*
 * Verify a finished output as the type want, independently of how it was
 * made: identify it by content (it must be want, or the same kind), run
 * want's verifier, and with members_too set verify every member of a
 * container the same way (recursively, each a releasable type). Returns
 * MG_OK, or MG_ERR_VERIFY with the reason in why; *got is the type the
 * content identified as. For the fresh worker that checks a job's output.
 */
int dispatch_verify_output(struct san_ctx *ctx, enum ftype want, const uint8_t *data, size_t len,
                           int members_too, enum ftype *got, char *why, size_t why_cap);

/* Whether two types are the same kind for verification (text and CSV are). */
int dispatch_same_kind(enum ftype want, enum ftype got);

/*
 * Once per process, before any worker is forked: lets format modules load
 * what they would otherwise load lazily inside a worker (where opening a
 * file is fatal): charset converters, parser globals.
 */
int dispatch_global_init(void);

/* Every family's descriptor (families.c), in the order their global_init
 * runs. */
extern const struct san_family *const san_families[];
extern const size_t san_n_families;

/* The family row that takes type t; NULL when no family does. */
const struct san_type *dispatch_type(enum ftype t);

#endif
