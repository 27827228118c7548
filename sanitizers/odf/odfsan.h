/*
 * odfsan - OpenDocument (odt, ods, odp and their templates ott, ots, otp)
 * sanitizer: rebuild the package from an allowlist of parts without active
 * content.
 *
 * Kept: content, styles, meta and settings XML (parsed with libxml2 and
 * filtered, see odf_xml.h) and JPEG, PNG and GIF images (sanitized through
 * dispatch), when the manifest lists them. Dropped and reported: Basic and
 * other scripts, event bindings, embedded and OLE objects (their JPEG, PNG
 * or GIF preview stays), other image types with the frames showing them,
 * DDE, linked sections and tables, external links (http, https and mailto
 * hyperlinks stay unless the policy's keep_hyperlinks is off), UI
 * configuration, signatures, fonts, RDF metadata. Refused whole: a DOCTYPE
 * or entity declaration in any part, encryption, damaged or ambiguous zips,
 * limit hits. A template stays a template. odfsan_verify() re-reads an
 * output: mimetype first, stored, no extra field; only allowlisted members;
 * XML that the filter would not change; a manifest listing exactly the
 * members.
 */
#ifndef MUGAI_ODFSAN_H
#define MUGAI_ODFSAN_H

#include "san.h"

/* Load what must not be loaded inside a worker; called once before any fork. */
int odfsan_global_init(void);
int odfsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node);
int odfsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

/*
 * Policy "flatten": the text of content.xml as UTF-8 (see odf_text.h):
 * text documents paragraph by paragraph, spreadsheets one table after
 * another under "--- sheet N: NAME ---" with rows as CSV lines,
 * presentations page by page. The package is read exactly as for
 * sanitizing (the same refusals: encryption, DOCTYPE, damaged zips,
 * limits); nothing but content.xml is parsed.
 */
int odfsan_flatten(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                   struct report_node *node);

/* The family's descriptor (san.h). */
extern const struct san_family san_family_odf;

#endif
