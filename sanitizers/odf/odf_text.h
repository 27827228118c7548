/*
 * odf_text - the text of an OpenDocument's content.xml, for policy
 * "flatten" (odfsan_flatten() reads the package and parses the part; this
 * walks the tree).
 *
 * Text documents: each paragraph and heading a line (table cells' and
 * text boxes' paragraphs too, as LibreOffice's text export writes them),
 * text:s as its spaces, text:tab as TAB, text:line-break as a line end;
 * footnotes and endnotes after the body; comments (office:annotation),
 * tracked deletions, ruby annotations and field declarations left out.
 * Spreadsheets: each table under "--- sheet N: NAME ---", rows as CSV
 * lines of the cells' shown text (their text:p; the office:*value only
 * when a cell has no text), repeated rows and cells written as often as
 * they repeat when they hold something and never expanded when empty.
 * Presentations: each page, from the second under "--- slide N ---", the
 * paragraphs of its frames and shapes; speaker notes left out.
 */
#ifndef MUGAI_ODF_TEXT_H
#define MUGAI_ODF_TEXT_H

#include "ftype.h"
#include "textout.h"

#include <libxml/tree.h>
#include <stdbool.h>

struct odf_text_stats {
    unsigned tables, pages, notes;
    unsigned deep; /* elements nested too deep to walk */
};

/*
 * Append the text of content.xml (doc) to to. kind says which body to
 * read (FT_ODT/OTT, FT_ODS/OTS, FT_ODP/OTP). neutralize: CSV cells that
 * look like formulas get a ' in front. Returns MG_OK, MG_ERR_PARSE (no
 * office:body of that kind), MG_ERR_LIMIT or MG_ERR_NOMEM from to.
 */
int odf_text(xmlDocPtr doc, enum ftype kind, bool neutralize, struct textout *to,
             struct odf_text_stats *st);

#endif
