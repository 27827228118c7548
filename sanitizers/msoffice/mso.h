/*
 * mso - what the legacy Office sanitizer's parts share (msofficesan.c
 * drives; mso_xls.c, mso_doc.c and mso_ppt.c know one application each).
 *
 * Each application module has one function that walks its main stream.
 * In sanitizing mode (m->fix set) it rewrites what it finds and reports
 * each change; in verifying mode it only looks, and anything it would
 * have changed makes it fail with the reason in m->why. The same walk
 * serves both, so the verifier checks exactly what the sanitizer removes.
 */
#ifndef MUGAI_MSO_H
#define MUGAI_MSO_H

#include "san.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A stream being rebuilt: owned bytes, replaced or changed in place. */
struct mso_stream {
    uint8_t *data;
    size_t len;
};

struct mso {
    const struct policy *pol;
    struct report_node *node; /* NULL when verifying */
    bool fix;                 /* sanitize (rewrite and report) or only verify */
    size_t max_out;           /* cap on any stream we build */
    char why[256];            /* why verification or sanitizing failed */
};

/* Record a removal or rewrite on the report (sanitizing only). */
void mso_action(struct mso *m, enum report_act action, const char *why, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/*
 * Refuse: in sanitizing mode block the node with code (a reason code of
 * the report) and the message; in both modes keep the message in m->why.
 * Returns rc.
 */
int mso_fail(struct mso *m, int rc, enum reason code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Whether a hyperlink target may stay (http, https, mailto, when the policy keeps links). */
bool mso_link_ok(const struct mso *m, const char *url, size_t n);

/* A summary property set (name is its stream name): only plain properties
 * stay. Sets *drop when the stream is to go whole (it does not parse). */
int mso_props(struct mso *m, struct mso_stream *s, const char *name, bool *drop);

/* Excel: the Workbook stream (BIFF8). May replace wb->data. */
int mso_xls(struct mso *m, struct mso_stream *wb);

/* Word: which table stream the FIB of WordDocument names ("0Table" or
 * "1Table"); fails for encrypted, too old or malformed FIBs. */
int mso_doc_table(struct mso *m, const uint8_t *wd, size_t n, const char **table);
/* Word: fields in WordDocument's text, with the FIB and tables of table. */
int mso_doc(struct mso *m, struct mso_stream *wd, struct mso_stream *table);

/* PowerPoint: Current User (encryption) and the PowerPoint Document stream. */
int mso_ppt(struct mso *m, struct mso_stream *doc, const struct mso_stream *cur);

/*
 * Policy "flatten": each application's text from its own structures,
 * appended to to (see msofficesan.h for what each writes). They read
 * only; errors are reported through mso_fail like the walks above.
 */
struct textout;
/* Word: the main text, footnotes and endnotes through the piece table;
 * *notes counts the note parts written. */
int mso_doc_text(struct mso *m, const struct mso_stream *wd, const struct mso_stream *table,
                 struct textout *to, unsigned *notes);
/* Excel: every worksheet's cells as CSV lines under a heading per sheet. */
int mso_xls_text(struct mso *m, const struct mso_stream *wb, bool neutralize, struct textout *to,
                 unsigned *sheets, unsigned *skipped);
/* PowerPoint: each slide's text, through the current edit's persist directory. */
int mso_ppt_text(struct mso *m, const struct mso_stream *doc, const struct mso_stream *cur,
                 struct textout *to, unsigned *slides);

#endif
