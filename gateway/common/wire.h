/*
 * wire - records between processes, written and parsed field by field.
 *
 * A record crosses a trust boundary (a worker's result, later a client's
 * request): the receiver never copies it into a struct. It reads each field
 * with a bounded cursor that checks the length first; the first failure
 * sticks, so a parser is a straight list of gets followed by wire_end(),
 * which also insists that nothing is left over. Integers are little-endian
 * and fixed-size; strings and byte strings carry a u32 length and have a
 * per-field cap chosen by the reader, not by the sender.
 */
#ifndef MUGAI_WIRE_H
#define MUGAI_WIRE_H

#include "buf.h"
#include "reason.h"

#include <stddef.h>
#include <stdint.h>

struct wire_w {
    struct buf *b;
    int err; /* first error (MG_ERR_*), sticky */
};

void wire_w_init(struct wire_w *w, struct buf *b);
void wire_put_u32(struct wire_w *w, uint32_t v);
void wire_put_u64(struct wire_w *w, uint64_t v);
/* A string (may be NULL: written as empty); NUL bytes are not allowed in it. */
void wire_put_str(struct wire_w *w, const char *s);
void wire_put_bytes(struct wire_w *w, const void *p, size_t n);
/* A reason as its public code ("" for REASON_NONE): the record stays
 * readable by a peer built with another enum order. */
void wire_put_reason(struct wire_w *w, enum reason r);

struct wire_r {
    const uint8_t *p;
    size_t len, off;
    int err; /* first error, sticky: MG_ERR_PARSE on a short or bad record */
};

void wire_r_init(struct wire_r *r, const void *p, size_t len);
uint32_t wire_get_u32(struct wire_r *r);
uint64_t wire_get_u64(struct wire_r *r);
/* A u32 that must be below limit (an enum, a count); 0 and an error if not. */
uint32_t wire_get_enum(struct wire_r *r, uint32_t limit);
/* A string into dst (cap bytes, always NUL-terminated on success); longer
 * than cap - 1 or holding a NUL byte is an error and dst is "". */
void wire_get_str(struct wire_r *r, char *dst, size_t cap);
/* A reason code: "" is REASON_NONE; a code the table does not have is an
 * error (a worker does not get to invent reasons) and REASON_NONE. */
enum reason wire_get_reason(struct wire_r *r);
/* A byte string of at most max bytes, pointed to inside the record. */
const uint8_t *wire_get_bytes(struct wire_r *r, size_t max, size_t *n);
/* MG_OK when every get succeeded and the whole record was consumed. */
int wire_end(const struct wire_r *r);

#endif
