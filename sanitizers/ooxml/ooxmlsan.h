/*
 * ooxmlsan - Office Open XML (docx, xlsx, pptx and their macro/template variants) sanitizer:
 * rebuild without active content.
 *
 * ooxmlsan_sanitize() rebuilds a package from the parts an allowlist of
 * relationship types reaches (Transitional and Strict), with every XML part
 * re-parsed, cleaned (see ooxml_clean.h) and re-serialized, images and
 * embedded documents sent through san_member() (one level down),
 * and [Content_Types].xml written first. Macro-enabled inputs come out as
 * their macro-free type: ctx->out_type is set to docx, dotx, xlsx, xltx,
 * pptx, ppsx or potx. A DOCTYPE in any XML part, two members with one part
 * name, an encrypted member or a limit hit refuses the whole file; a part
 * that cannot be kept is dropped with the elements that refer to it, and
 * every removal is recorded on the report node.
 *
 * ooxmlsan_verify() re-reads an output and accepts it only when the zip
 * reads, [Content_Types].xml comes first and types every part, no member
 * has OLE2 or executable magic, every relationship is of an allowed type,
 * internal targets exist, external ones are http/https/mailto hyperlinks
 * (and only if the policy keeps links), every XML part parses without a
 * DOCTYPE, and the cleaning rules find nothing left to remove.
 *
 * ooxmlsan_global_init() initializes libxml2 and the time zone libarchive
 * reads, before any worker is forked (both would open files otherwise).
 */
#ifndef MUGAI_OOXMLSAN_H
#define MUGAI_OOXMLSAN_H

#include "san.h"

/* Load what must not be loaded inside a worker; called once before any fork. */
int ooxmlsan_global_init(void);
int ooxmlsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                      struct report_node *node);
int ooxmlsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

/*
 * Policy "flatten": the document's text as UTF-8 (ooxml_text.c): Word's
 * body, footnotes and endnotes; each Excel worksheet under a heading
 * "--- sheet N: NAME ---" with its rows as CSV lines; each PowerPoint
 * slide, from the second under "--- slide N ---". Only the parts holding
 * text are read; macros, embedded objects and links never reach it.
 */
int ooxmlsan_flatten(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                     struct report_node *node);

/* The family's descriptor (san.h): Word, Excel and PowerPoint 2007+. */
extern const struct san_family san_family_ooxml;

#endif
