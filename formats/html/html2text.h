/*
 * html2text - HTML (a mail body, a web page) as readable plain text.
 *
 * Paragraphs, line breaks, headings, list items ("- " or "1. "), table
 * rows (cells separated by " | ") and preformatted blocks keep their
 * shape; link targets are written out after the link text as
 * "text <https://...>"; images become "[image: ALT]" and are never
 * fetched; script, style, head, template, object/embed/applet and
 * iframe/frame contents are dropped, as are forms' controls (their
 * visible text stays). Only http, https, mailto and ftp targets are
 * written; javascript:, data:, vbscript:, file: and the like are dropped
 * and counted. Character references (named ones common in mail, decimal,
 * hex) are decoded. The input must already be UTF-8; nothing is fetched.
 */
#ifndef MUGAI_HTML2TEXT_H
#define MUGAI_HTML2TEXT_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

struct html2text_stats {
    unsigned scripts;   /* script/style/iframe/object... elements dropped */
    unsigned images;    /* images replaced by their alt text */
    unsigned links;     /* link targets written as text */
    unsigned bad_links; /* links with a scheme we do not write (javascript:, data:, ...) */
    unsigned forms;     /* form controls dropped */
};

/* The charset a <meta charset> or http-equiv Content-Type in the first 4 KiB declares; "" if none.
 */
void html2text_meta_charset(const uint8_t *html, size_t len, char *cs, size_t cap);

/* Convert UTF-8 HTML to UTF-8 text, appended to out. Errors from out only. */
int html2text(const uint8_t *html, size_t len, struct buf *out, struct html2text_stats *st);

#endif
