/*
 * mail_text - what the mail sanitizer does to body text.
 *
 * Inline encodings: text parts may carry files as uuencode ("begin 644
 * NAME" ... "end", and "begin-base64" ... "===="), yEnc ("=ybegin" ...
 * "=yend") or BinHex 4.0 ("(This file must be converted with BinHex
 * 4.0)" then ":...:"). A mail reader may offer them as attachments, so
 * they are cut out of the text and handed back as files to go through
 * dispatch like any attachment; the text keeps a one-line placeholder.
 * BinHex and multi-part yEnc are not decoded: they come back with an
 * error so they are removed with a notice. A "begin" line counts only
 * when the line after it is valid uuencode, so prose is not swallowed.
 *
 * Cleaning: the final UTF-8 body loses C0 controls but TAB and LF (CR LF
 * and lone CR become LF), DEL, C1 controls, bidi embeddings, overrides and
 * isolates (U+202A..U+202E, U+2066..U+2069) and BOMs; undecodable bytes
 * become U+FFFD. Optionally URLs are defanged (http:// -> hxxp://).
 */
#ifndef MUGAI_MAIL_TEXT_H
#define MUGAI_MAIL_TEXT_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mail_inline_kind {
    MAIL_INLINE_UU,
    MAIL_INLINE_UU64,
    MAIL_INLINE_YENC,
    MAIL_INLINE_BINHEX,
};

#define MAIL_INLINE_NAME_MAX 256

struct mail_inline {
    enum mail_inline_kind kind;
    char name[MAIL_INLINE_NAME_MAX]; /* raw bytes from the begin line, NUL-terminated */
    struct buf data;                 /* decoded file (empty when error is set) */
    const char *error;               /* why it was not decoded; NULL when data is the file */
};

const char *mail_inline_kind_name(enum mail_inline_kind k);

/*
 * Copy text (raw bytes in an ASCII-compatible charset) into rest, cutting
 * out inline encoded files into items[0..max) (their data bufs capped at
 * data_cap each; free with mail_inline_free). *n gets the number of blocks
 * found, which may exceed max: blocks past max are cut out too, without a
 * slot, and the caller reports them as removed.
 */
int mail_inline_extract(const uint8_t *text, size_t len, struct buf *rest,
                        struct mail_inline *items, size_t max, size_t *n, size_t data_cap);
void mail_inline_free(struct mail_inline *items, size_t n);

/*
 * Append the cleaned UTF-8 text to out (see above); *dropped gets the
 * number of characters removed. defang: rewrite URL schemes.
 */
int mail_text_clean(const uint8_t *in, size_t len, bool defang, struct buf *out, size_t *dropped);

#endif
