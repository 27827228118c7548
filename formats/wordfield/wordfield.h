/*
 * wordfield - Word field instructions (ECMA-376 Part 1, 17.16), the syntax
 * the binary .doc and the .docx families both read: structure only, what
 * may stay is theirs to decide.
 */
#ifndef MUGAI_WORDFIELD_H
#define MUGAI_WORDFIELD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The target of a HYPERLINK field: s (n bytes) is the instruction after
 * the keyword. The target is the first argument that is not the value of
 * a \l (bookmark), \o (tooltip) or \t (target frame) switch, quoted ("...",
 * without the quotes) or up to the next white space; its offset in s into
 * *start, its length into *len. False when there is none (only a bookmark).
 */
bool wordfield_hyperlink_target(const char *s, size_t n, size_t *start, size_t *len);

#endif
