/*
 * textout - text taken out of documents, written as UTF-8 a person can
 * read and any text reader accepts.
 *
 * Every extractor (Word, Excel, PowerPoint, OpenDocument, RTF, each with
 * its own way of storing characters) hands code points or UTF-8 here, so
 * that one rule decides what text output may hold: C0 controls other
 * than TAB and LF, CR (a line end is LF), DEL, the C1 controls, the bidi
 * embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069: they
 * reorder what is shown), U+FEFF and the noncharacters U+FFFE and U+FFFF
 * are left out and counted; surrogates and bytes that are not UTF-8
 * become U+FFFD. The same characters are what the text sanitizer refuses
 * in an output, so an extracted text always passes its verifier.
 *
 * Rows of a table are written as CSV lines: textout_csv_field() quotes a
 * field when it holds a comma, a quote or a line end (RFC 4180) and, when
 * asked to, puts a ' before a text cell that a spreadsheet would read as
 * a formula.
 *
 * Every append goes to a capped struct buf: MG_ERR_LIMIT when the text
 * would pass the cap, MG_ERR_NOMEM; nothing is ever cut silently.
 */
#ifndef MUGAI_TEXTOUT_H
#define MUGAI_TEXTOUT_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct textout {
    struct buf *out;
    size_t dropped; /* characters left out (controls, bidi controls, noncharacters) */
};

void textout_init(struct textout *t, struct buf *out);

/* Whether a code point is one textout leaves out (see above). */
bool textout_drops(uint32_t cp);

/* One code point: dropped, replaced (surrogates, > U+10FFFF) or appended. */
int textout_char(struct textout *t, uint32_t cp);
/* UTF-8 text (bytes that are not UTF-8 become U+FFFD), character by character. */
int textout_utf8(struct textout *t, const uint8_t *s, size_t n);
/* A line end, unless the text is empty or already ends with one. */
int textout_end_line(struct textout *t);
/* Whether the text so far ends with a line end (or is empty). */
bool textout_at_line_start(const struct textout *t);

/*
 * One CSV field: s[0..n) (UTF-8 written by textout already) quoted when
 * it holds , " CR or LF (quotes doubled). With neutralize, a field whose
 * first character after spaces is = + - @ (or their full-width forms) is
 * written with a ' in front unless it is a plain number or a lone sign.
 */
int textout_csv_field(struct buf *out, const uint8_t *s, size_t n, bool neutralize);

/*
 * A spreadsheet number as a spreadsheet shows it in General format: at
 * most 15 significant digits ("0.1+0.2" is 0.3, as %.15g writes it), "-0"
 * as 0; NaN and infinities as #NUM!.
 */
int textout_number(struct buf *out, double v);

/*
 * A spreadsheet serial date (days since 1899-12-30, Lotus's 1900-02-29
 * kept as Excel keeps it; since 1904-01-01 when d1904) as YYYY/MM/DD
 * (date), HH:MM:SS (time) or both. A serial outside 0 to 2958465 (the
 * year 9999) is written as a number.
 */
int textout_serial_date(struct buf *out, double serial, bool d1904, bool date, bool time);

/*
 * Whether a spreadsheet number format shows a date or a time: Excel's
 * built-in ids 14-22, 27-36, 45-47, 50-58 (id >= 0, code NULL), or a format code
 * (code != NULL) with date or time letters (y m d e g, h s) outside
 * quotes, escapes and [brackets]. Sets *date and *time.
 */
void textout_numfmt_kind(int id, const char *code, bool *date, bool *time);

#endif
