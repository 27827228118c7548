/*
 * rtfsan - RTF documents, rewritten token by token into canonical RTF.
 *
 * The input is split by our own tokenizer (rtf_tok.h: no library copes
 * with the evasions seen in the wild) and a new document is written from
 * what is on the allowlists: formatting control words, and the
 * destinations that hold text, fonts, colours, styles, lists, tables,
 * headers, footnotes, bookmarks and comments. Whatever is not written is
 * reported; nothing is copied as bytes.
 *
 * Removed: embedded objects (\object and its \objdata, \objclass,
 * \objupdate ...; an object's cached \result is kept), \datastore,
 * \template, embedded and linked fonts, document variables and custom
 * properties, custom XML, HTML and mail-merge data sources, shapes (their
 * \shprslt fallback is kept), \bin data outside a picture, every
 * ignorable destination not on the list, control words not on the list,
 * and data after the document's closing brace. Fields keep their result
 * text; the field itself is kept only when its instruction is one of a
 * short list (PAGE, DATE, REF, TOC, ...) or a HYPERLINK to http, https or
 * mailto (and the policy keeps hyperlinks): DDE, DDEAUTO, INCLUDETEXT,
 * INCLUDEPICTURE, IMPORT, LINK and the rest go. Pictures are kept only as
 * PNG or JPEG, each sanitized as a member by its own sanitizer; WMF, EMF
 * and the other metafile and bitmap kinds are removed (metafiles are
 * records replayed by the reader, with a long history of exploits).
 *
 * Blocked: a file that does not start with {\rtf or {\rtf1 (Word opens
 * anything starting {\rt), unbalanced braces, groups deeper than 256,
 * control words longer than 32 letters, parameters beyond int32 or of
 * more than 10 digits, malformed \' escapes and \bin lengths.
 *
 * The output: {\rtf1 first, \uN always followed by one ? fallback (no
 * \uc is written; the default of 1 holds everywhere), bytes outside
 * printable ASCII as \'hh, a space after a control word only before text,
 * CR LF after \par and \row and in picture data, pictures as hex.
 */
#ifndef MUGAI_RTFSAN_H
#define MUGAI_RTFSAN_H

#include "san.h"

int rtfsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node);
/*
 * MG_OK if in is an RTF document rtfsan_sanitize() would write unchanged
 * and without removing anything: re-tokenized, braces balanced, nothing
 * outside the allowlists, every picture passing ctx->verify_member (when
 * set).
 */
int rtfsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

/*
 * Policy "flatten": the document's text as UTF-8 (rtf_text.c): the body,
 * field results, objects' results, text boxes and list numbers, then the
 * footnotes; fonts' character sets decide how \'hh bytes read (CP932 for
 * \fcharset128). Tokenized as strictly as for sanitizing, so the same
 * malformed files are refused.
 */
int rtfsan_flatten(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                   struct report_node *node);

/* For tests: whether word is on the formatting allowlist; whether the tables are sorted. */
int rtfsan_word_allowed(const char *word);
int rtfsan_tables_sorted(void);

/* The family's descriptor (san.h). */
extern const struct san_family san_family_rtf;

#endif
