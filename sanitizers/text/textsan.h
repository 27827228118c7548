/*
 * textsan - plain text and CSV: detect the encoding, reject binary, drop
 * control characters, neutralize CSV formula cells; the output keeps the
 * input's encoding.
 *
 * Detection is util/textenc (see textenc.h for the order and rules). A
 * byte string valid as both Shift_JIS and EUC-JP is sanitized in the
 * EUC-JP reading, which sees every formula cell the Shift_JIS reading
 * sees.
 */
#ifndef MUGAI_TEXTSAN_H
#define MUGAI_TEXTSAN_H

#include "san.h"
#include "textenc.h"

#include <stdbool.h>

/*
 * Whether a sanitized output detected as out may come from an input
 * detected as in: the same encoding, or plain ASCII from UTF-8 (dropping
 * every C1 and bidi control of a UTF-8 text can leave only ASCII).
 */
bool textsan_enc_compatible(enum text_enc in, enum text_enc out);

/*
 * Sanitize text: the output is the input, in the same encoding, without
 * C0 controls other than TAB, LF and CR, without DEL, and (UTF-8, UTF-16)
 * without C1 controls and bidi overrides/isolates; ISO-2022-JP keeps only
 * valid designation escapes and ends in ASCII.
 */
int textsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                     struct report_node *node);
/* As textsan_sanitize, and when the policy says so a quote before every formula cell. */
int textsan_sanitize_csv(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                         struct report_node *node);
/* MG_OK if in detects as text and holds nothing textsan_sanitize() would drop. */
int textsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);
/* textsan_verify(), and no formula cell left when the policy neutralizes them. */
int textsan_verify_csv(struct san_ctx *ctx, const uint8_t *in, size_t len);

/* The family's descriptor (san.h): text and CSV. */
extern const struct san_family san_family_text;

#endif
