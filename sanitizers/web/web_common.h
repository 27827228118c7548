/*
 * web_common - what the HTML, SVG and XML sanitizers share: decoding to
 * UTF-8, the URL and CSS rules, escaping for output.
 */
#ifndef MUGAI_WEB_COMMON_H
#define MUGAI_WEB_COMMON_H

#include "buf.h"
#include "report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest element nesting written; deeper input is blocked (libxml2 stops at 256 anyway). */
#define WEB_DEPTH_MAX 512
/* Longest charset name looked at. */
#define WEB_CHARSET_MAX 40

/*
 * in[0..len) as UTF-8 into out, without iconv (util/textdec): a BOM
 * decides first (UTF-8, UTF-16LE/BE; UTF-16 without BOM when it starts
 * with "<" and a NUL), then the charset declared by the XML declaration
 * or, for HTML (xml false), by <meta> in the first 4 KiB; undeclared text
 * is guessed among UTF-8, ISO-2022-JP, Shift_JIS (CP932) and EUC-JP. NUL
 * characters become spaces (libxml2 stops at them). cs gets the name of
 * the reading used. *bad counts replaced sequences. MG_ERR_UNSUPPORTED
 * for a declared charset we do not decode (cs says which).
 */
int web_decode(const uint8_t *in, size_t len, bool xml, struct buf *out, char cs[WEB_CHARSET_MAX],
               size_t *bad);

enum web_url_kind {
    WEB_URL_LINK,      /* http, https, mailto, cid or relative */
    WEB_URL_IMAGE,     /* those, or data:image/png, jpeg, gif */
    WEB_URL_LOCAL,     /* "#id" in the same document only */
    WEB_URL_LOCAL_IMG, /* "#id", or data:image/png, jpeg, gif */
};

/*
 * Whether a URL (entities already decoded by the parser) is allowed.
 * White space and control characters are ignored wherever they are, as
 * browsers strip tabs and line ends inside URLs ("java\nscript:"); any
 * other scheme is refused, and so are network-path references ("//host",
 * "\\host"), which a page opened from disk resolves to file://host (SMB).
 */
bool web_url_ok(const char *url, enum web_url_kind kind);

/*
 * CSS, simplest safe rule: comments removed, then a text is refused when
 * it holds a backslash (escapes hide the rest), "<", expression,
 * behavior, -moz-binding, binding, @import, javascript:, vbscript:,
 * image-set, or a url() whose target fails web_url_ok (kind LINK, or
 * LOCAL when local_only). web_css_sheet appends a whole <style> sheet
 * (comments removed) and sets *ok, or appends nothing and clears *ok; web_css_decls writes the
 * declarations of a style attribute that pass, "; "-separated, and counts
 * the others in *dropped.
 */
int web_css_sheet(const char *css, bool local_only, struct buf *out, bool *ok);
int web_css_decls(const char *style, bool local_only, struct buf *out, unsigned *dropped);
/* Whether one value (an SVG presentation attribute) passes the same rule. */
bool web_css_value_ok(const char *value, bool local_only);

/* web_decode, a charset it does not read blocked in node (when not NULL): what names the format. */
int web_decode_report(const uint8_t *in, size_t len, bool xml, struct buf *out,
                      char cs[WEB_CHARSET_MAX], size_t *bad, struct report_node *node,
                      const char *what);

/* Append s escaped for text (& < >) or for a double-quoted attribute (also "). */
int web_escape(struct buf *out, const char *s, bool attr);

/* The list's (NULL-terminated) own spelling of name, exactly or in any case; NULL if absent. */
const char *web_find(const char *name, const char *const *list, bool any_case);

/* Whether name is one of list (NULL-terminated), exactly. */
bool web_in(const char *name, const char *const *list);

/* Whether an attribute name is an event handler (on...), any case. */
bool web_is_handler(const char *name);

/*
 * The writer the HTML and SVG rebuilders share: every piece goes to out
 * until the first error, which stays in rc (later pieces are dropped).
 * verify: walking our own output, where anything that would be removed
 * sets bad.
 */
struct web_writer {
    struct buf *out;
    int rc;
    unsigned depth;
    bool verify;
    bool bad;
};

void web_put(struct web_writer *w, const char *s);
/* s escaped as web_escape does. */
void web_put_escaped(struct web_writer *w, const char *s, bool attr);
/* " name=\"value\"", the value escaped. */
void web_put_attr(struct web_writer *w, const char *name, const char *value);
/* "</name>" */
void web_put_end(struct web_writer *w, const char *name);
/* One level deeper (rc MG_ERR_LIMIT past WEB_DEPTH_MAX), and back. */
void web_enter(struct web_writer *w);
void web_leave(struct web_writer *w);

/*
 * A style attribute: the declarations of style that pass web_css_decls,
 * written as one style="..." (nothing when none passes). Returns how many
 * were dropped.
 */
unsigned web_put_style_attr(struct web_writer *w, const char *style, bool local_only);

/*
 * A <style> element holding css: written when the sheet passes
 * web_css_sheet (escaped as an attribute value is when escape, as it is in
 * XML; as it is in HTML otherwise). false when it does not pass (nothing
 * written; bad set when verifying).
 */
bool web_put_sheet(struct web_writer *w, const char *css, bool local_only, bool escape);

/* One kind of thing a rebuild removed: how many, what, why. */
struct web_removed {
    unsigned n;
    const char *what, *why;
};

/*
 * The report of a rebuild: an action for each row with a count (a page may
 * hold thousands of each), then the rewrite to UTF-8 (web_report_utf8).
 */
int web_report(struct report_node *node, const struct web_removed *rows, size_t n_rows,
               const char *why_utf8, const char *cs, size_t bad);

/* "written as UTF-8 (read as CS[, with replacements])", for why. */
int web_report_utf8(struct report_node *node, const char *why, const char *cs, size_t bad);

#endif
