/*
 * websan - HTML pages, SVG images and generic XML documents.
 *
 * All three are decoded to UTF-8 by our own code first (BOM, then the
 * declared charset, then a guess among UTF-8 and the Japanese encodings;
 * see web_common.h), parsed by libxml2 with the network off, no DTD
 * loading and no entity substitution, and written anew from the parsed
 * tree through an allowlist:
 *
 *   HTML  a fixed set of presentational elements and attributes; links
 *         and image sources only http, https, mailto, cid or relative
 *         (images also data:image/png, jpeg, gif); scripts, frames,
 *         objects, forms, meta, base, link and event handlers removed;
 *         style attributes keep only declarations without expression(),
 *         behavior, -moz-binding, @import, escapes or url() to other
 *         schemes, a <style> sheet with any of those is dropped whole.
 *         Output: <!DOCTYPE html>, <meta charset="utf-8">, UTF-8.
 *   SVG   SVG elements and presentation attributes only; no script,
 *         foreignObject, event handler; references (href, xlink:href,
 *         url()) only to "#id" in the same file (images also to
 *         data:image/png, jpeg, gif); animations only of presentation
 *         attributes. A DOCTYPE with an internal subset blocks the file,
 *         a bare one is dropped. Output: UTF-8 XML, no DOCTYPE.
 *   XML   released when it parses without a DOCTYPE and uses no
 *         namespace that a browser or viewer acts on (XHTML, SVG, XLink,
 *         MathML, XSLT, XInclude, VML, XUL, KML); processing instructions (xml-stylesheet) are
 *         removed. Otherwise blocked.
 *
 * The verifiers re-parse an output and check that the allowlist holds.
 */
#ifndef MUGAI_WEBSAN_H
#define MUGAI_WEBSAN_H

#include "san.h"

/* Once per process, before any fork. */
int websan_global_init(void);

int websan_html_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                         struct report_node *node);
int websan_html_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);
/* The page's text (formats/html/html2text), for policy "flatten". */
int websan_html_flatten(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                        struct report_node *node);

int websan_svg_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                        struct report_node *node);
int websan_svg_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

int websan_xml_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                        struct report_node *node);
int websan_xml_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

/* The family's descriptor (san.h): HTML, SVG and XML. */
extern const struct san_family san_family_web;

#endif
