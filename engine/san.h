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

/*
 * One san_ctx per job, passed down by pointer: a container raises depth
 * around its dispatch_file() calls for members and lowers it after, and the
 * totals accumulate over the whole job, so bomb limits hold across levels.
 */
struct san_ctx {
    const struct policy *pol;
    uint32_t depth;          /* 0 for the top-level input */
    uint64_t members_total;  /* members seen over the whole job */
    uint64_t expanded_total; /* decompressed bytes over the whole job */
    /*
     * The type of the file the sanitizer writes. dispatch sets it to the
     * table's output type before calling the sanitizer; a sanitizer whose
     * output type depends on the content (a .gz holding a docm comes out as
     * a docx) sets it. dispatch verifies the output as this type.
     */
    enum ftype out_type;
    /* Passwords to try on encrypted containers (--password-file); may be empty. */
    const char *const *passwords;
    size_t n_passwords;
    /*
     * The type of the top-level file when the caller knows it better than
     * content identification (the mail pipe mode: what the MTA hands over
     * is a message by definition). FT_UNKNOWN: identify by content. Never
     * applies to members.
     */
    enum ftype force_type;
    /*
     * Called by dispatch for every member (depth > 0) with its bytes as
     * extracted, before it is identified, so that the job can virus-scan
     * members in our reading of the container (ClamAV's may differ, or it
     * may not open the container at all). An error blocks the member. NULL:
     * members are not collected.
     */
    int (*member_sink)(void *arg, const char *name, const uint8_t *data, size_t len);
    void *member_sink_arg;
    /*
     * Set by the output verifier of a job (never while sanitizing): a
     * container's verify function calls it for each member it holds, which
     * must then identify by content as a releasable type and pass that
     * type's verifier. NULL: verify the container's structure only.
     */
    int (*verify_member)(struct san_ctx *ctx, const char *name, const uint8_t *data, size_t len);
};

typedef int (*san_fn)(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                      struct report_node *node);
typedef int (*san_verify_fn)(struct san_ctx *ctx, const uint8_t *in, size_t len);

#endif
