/*
 * san - the interface every format sanitizer implements.
 *
 * A sanitizer is pure: bytes in, bytes out and a report. It never opens a
 * file, a socket or a policy file; it runs inside the sandboxed worker, so
 * anything else it tried would kill the worker.
 *
 * Contract for a sanitize function:
 *   - read only in[0..len), write the rebuilt file into out (whose cap is the
 *     policy's max_output_size), record every removal or rewrite on node with
 *     report_action() and say why;
 *   - return MG_OK, or an error code after report_block(node, ...) explaining
 *     it; on error the caller discards out;
 *   - build the output from what is known safe (allowlist), never by copying
 *     the input and deleting what is known bad.
 *
 * A verify function re-parses a finished output and returns MG_OK only if it
 * is a well-formed file of the type; dispatch runs it on every output.
 *
 * A sanitizer that meets a container member calls dispatch_member() with the
 * context it was given, so depth, limits and policy apply at every level.
 */
#ifndef MUGAI_SAN_H
#define MUGAI_SAN_H

#include "buf.h"
#include "ftype.h"
#include "policy.h"
#include "report.h"

#include <stddef.h>
#include <stdint.h>

struct san_ctx {
    const struct policy *pol;
    uint32_t depth;          /* 0 for the top-level input */
    uint64_t members_total;  /* members seen over the whole job */
    uint64_t expanded_total; /* decompressed bytes over the whole job */
};

typedef int (*san_fn)(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                      struct report_node *node);
typedef int (*san_verify_fn)(struct san_ctx *ctx, const uint8_t *in, size_t len);

#endif
