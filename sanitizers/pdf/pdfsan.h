/*
 * pdfsan - PDF sanitizer: walk the whole object graph with qpdf, remove
 * every active construct, write a clean single-revision file; or flatten
 * to UTF-8 text.
 *
 * Sanitize: qpdf parses the file from memory (all revisions, object
 * streams, damaged xref tables; owner-password-only encryption is opened
 * with the empty password, a user password from ctx->passwords when one
 * fits). Every object reachable from the trailer is visited once (explicit
 * stack, visit cap); what can run, fetch, launch or carry a file is removed
 * and recorded on the report: JavaScript anywhere, /AA, /XFA, the
 * /JavaScript and /EmbeddedFiles name trees, embedded file streams, actions
 * other than GoTo, http(s) URI and the four page-turning Named actions,
 * annotations other than the static kinds, PostScript XObjects, 3D and
 * multimedia objects, catalog and trailer keys outside an allowlist. Names
 * are compared as qpdf decodes them, so #xx escapes do not hide anything.
 * Then every stream kept is checked and decoded under the job's limits
 * (max_expanded over the job, max_ratio per stream, max_pixels and
 * max_dimension for images, checked from the image dictionary before
 * anything is decoded): generic filters with qpdf's decoders, image codecs
 * (JPEG, JPEG 2000, JBIG2, CCITT) by their headers, which must agree with
 * the dictionary. A limit refuses the file; a stream that does not decode
 * or whose /Length lies is dropped (a page's content stream refuses the
 * file). qpdf then writes one revision with only the objects still
 * referenced, unencrypted, nothing after %%EOF, every generic stream
 * decoded and compressed anew with Flate; codec images stay encoded (the
 * report says so).
 *
 * Verify: the output parses without repair, the same walk and stream
 * checks find nothing, and qpdf's own check (qpdf_check_pdf, the write at
 * decode level all that `qpdf --check` runs) passes without a warning.
 *
 * Flatten: the same rewrite without annotations and forms, then poppler
 * extracts the text of each page in reading order, UTF-8. Pages are
 * separated by a line "--- page N ---" rather than a form feed, because the
 * text verifier refuses control characters. Poppler must be initialised
 * before the sandbox (pdfsan_global_init); fonts that would make poppler
 * read its CMap data files (predefined CJK CMaps, CID fonts without a
 * ToUnicode map) are refused with reason "unsupported" instead of letting
 * the worker be killed.
 */
#ifndef MUGAI_PDFSAN_H
#define MUGAI_PDFSAN_H

#include "san.h"

int pdfsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node);
int pdfsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);
/* Policy "flatten": the text of every page, UTF-8, pages separated by a
 * line "--- page N ---". */
int pdfsan_flatten(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                   struct report_node *node);

/*
 * Load what the PDF text extractor reads from disk (poppler's encoding
 * tables) and keep it loaded. Call once in the parent, before any sandboxed
 * worker is forked; without it pdfsan_flatten refuses. Safe to call twice.
 * Returns MG_OK or MG_ERR_INTERNAL.
 */
int pdfsan_global_init(void);

/* The family's descriptor (san.h). */
extern const struct san_family san_family_pdf;

#endif
