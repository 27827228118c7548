/*
 * jsoncheck - is this byte string exactly one well-formed JSON value?
 *
 * The parent embeds the report a worker sends into its own JSON output.
 * A compromised worker could send anything, so the parent checks the
 * syntax (RFC 8259, UTF-8, nesting capped) before passing it on.
 */
#ifndef MUGAI_JSONCHECK_H
#define MUGAI_JSONCHECK_H

#include <stddef.h>
#include <stdint.h>

/* 1 if p[0..len) is one JSON value (surrounding whitespace allowed), else 0. */
int jsoncheck_valid(const uint8_t *p, size_t len, unsigned max_depth);

/* jsoncheck_valid, and also: wherever an object has the key "reason_code"
 * or "action" (compared after unescaping), its value is a code or word from
 * the reason table (reason_code may be null). For a worker's report tree:
 * it cannot put a reason into the parent's output that the table lacks. */
int jsoncheck_report(const uint8_t *p, size_t len, unsigned max_depth);

#endif
