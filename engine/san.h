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
 * A sanitizer that meets a container member hands it to san_member() with
 * the context it was given, so depth, limits, policy and the report tree
 * are the engine's at every level (the member protocol, below).
 *
 * Each family exports one struct san_family (below) naming the types it
 * takes; engine/families.c lists the families, and dispatch finds a type's
 * functions there.
 */
#ifndef MUGAI_SAN_H
#define MUGAI_SAN_H

#include "buf.h"
#include "ftype.h"
#include "policy.h"
#include "report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct san_ctx;

/*
 * How one member goes through the pipeline: the engine's own (dispatch),
 * or a stand-in a fuzz harness plugs in. given is the type the container's
 * structure says the member is (an attached message/rfc822), FT_UNKNOWN to
 * identify it by content. Same contract as dispatch_file().
 */
typedef int (*san_member_fn)(struct san_ctx *ctx, const char *name, enum ftype given,
                             const uint8_t *in, size_t len, struct buf *out,
                             struct report_node *node, enum ftype *out_type);

/*
 * One san_ctx per job, passed down by pointer: san_member() raises depth
 * around a member and lowers it after, and the totals accumulate over the
 * whole job, so bomb limits hold across levels.
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
     * applies to members (a container that knows a member's type says so
     * with san_member_given()).
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
    /*
     * What san_member() runs a member through. NULL: the engine's own
     * pipeline (identification, name checks, policy, the member's family,
     * verification). Fuzz harnesses of one container set a stub here so
     * the time goes into the container's own parser.
     */
    san_member_fn member;
    /*
     * Set by the job's sanitize worker: the top-level output is verified
     * by the job in a fresh worker (re-identified, re-parsed with its
     * members), so dispatch does not verify it a second time in the
     * process that wrote it. Members are verified here all the same.
     */
    bool verify_elsewhere;
};

typedef int (*san_fn)(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                      struct report_node *node);
typedef int (*san_verify_fn)(struct san_ctx *ctx, const uint8_t *in, size_t len);

/*
 * A family's descriptor: what it takes and with which functions. One row
 * per input type; a family whose functions differ by type (text and CSV,
 * BMP/TIFF/WebP rebuilt as PNG, HTML/SVG/XML) says so row by row.
 *   out      the type the output is verified as; a sanitizer whose output
 *            type depends on the content (a .gz holding a docm) sets
 *            ctx->out_type instead;
 *   verify   re-parses a finished file of the row's type (the output
 *            verifier looks verifiers up by the type it re-identified);
 *   flatten  to UTF-8 text for policy "flatten"; NULL when not offered.
 * global_init runs once per process before any worker is forked (what the
 * family would otherwise load lazily inside the sandbox); NULL for none.
 */
struct san_type {
    enum ftype in, out;
    san_fn sanitize;
    san_verify_fn verify;
    san_fn flatten;
};

struct san_family {
    const char *name;
    const struct san_type *types;
    size_t n_types;
    int (*global_init)(void);
};

#define SAN_TYPES(rows) (rows), (sizeof(rows) / sizeof((rows)[0]))

/*
 * The member protocol. A container hands every member it would release
 * (an archive entry, an image part, an attachment, an RTF picture) to
 * san_member(); it never calls dispatch itself. san_member():
 *   - raises ctx->depth for the member and lowers it after;
 *   - makes the member's report node and attaches it to parent (parent
 *     NULL: a scratch node, freed before returning); when there is no
 *     memory for it, the result is MG_ERR_NOMEM, fatal;
 *   - runs ctx->member, or the engine's pipeline when that is NULL, with
 *     the sanitized member in out (the caller's buffer and cap);
 *   - fills *res, and returns res->rc.
 * The container keeps what is its own: counting members against
 * max_members where it reads them, which output types it can hold (ODF
 * keeps JPEG, PNG and GIF images), names and media types in its output,
 * its notice. On res->fatal it fails itself (with res->code and res->why);
 * otherwise a failed member is left out and the container goes on.
 *
 * The one rule for fatal (san_member_fatal() in dispatch.c): a member's
 * failure fails its container when it is
 *   - out of memory (MG_ERR_NOMEM), or
 *   - a limit (MG_ERR_LIMIT) and one of:
 *     a. a job budget is spent: members_total >= max_members or
 *        expanded_total >= max_expanded (every further member would fail
 *        too, and the container is the bomb);
 *     b. the member is an archive: an archive below that hit a limit is a
 *        bomb in a box, and its own members already ruled on it;
 *     c. the member was refused before it was identified (nesting depth,
 *        size, the job's virus-scan budget) and the container is itself a
 *        member (depth >= 1): containers inside containers up to the
 *        limits are a nesting bomb (42.zip). Directly under the top-level
 *        file such a refusal is about that member alone (with max_depth 0
 *        no member is opened at all), and the file is released without it.
 */
struct san_member_result {
    int rc;                   /* MG_OK: out holds the member as released */
    enum ftype in_type;       /* as identified; FT_UNKNOWN if refused before */
    enum ftype out_type;      /* on MG_OK: the type out holds */
    enum reason code;         /* on failure: why (never REASON_NONE) */
    char why[REPORT_STR_MAX]; /* on failure: the member node's reason text */
    bool fatal;               /* the failure must fail the container (the rule above) */
    /* The member's node, attached to parent; NULL when parent was NULL or
     * already held REPORT_MAX_CHILDREN (counted there). A container that
     * refuses a released member afterwards (a clashing name) blocks it. */
    struct report_node *node;
};

int san_member(struct san_ctx *ctx, struct report_node *parent, const char *name,
               const uint8_t *data, size_t len, struct buf *out, struct san_member_result *res);

/* The same for a member whose type the container's structure states (an
 * attached message/rfc822 is a message whatever its first lines look like). */
int san_member_given(struct san_ctx *ctx, struct report_node *parent, const char *name,
                     enum ftype given, const uint8_t *data, size_t len, struct buf *out,
                     struct san_member_result *res);

#endif
