/*
 * odf_xml - the XML side of the OpenDocument sanitizer: a safe parse of one
 * package part (libxml2, memory only, no network, no DTD, no entities) and
 * the filter that rebuilds a part's tree without active content.
 *
 * The filter keeps elements and attributes only in the namespaces an ODF
 * document is written in (OpenDocument, its W3C companions and LibreOffice's
 * extension namespaces); inside them it drops what runs code or fetches
 * something: scripts and event bindings, embedded and OLE objects, applets,
 * plug-ins, floating frames, DDE, linked sections and tables, database
 * queries, inline binary data, formulas that call DDE or web services, and
 * every xlink:href that does not point at a part that was kept (links may
 * also be http, https or mailto when the policy keeps hyperlinks).
 *
 * The same walk runs in check mode for odfsan_verify(): it changes nothing
 * and counts what fix mode would have removed.
 */
#ifndef MUGAI_ODF_XML_H
#define MUGAI_ODF_XML_H

#include "buf.h"
#include "policy.h"
#include "report.h"

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libxml2's globals, and an entity loader that refuses every load. */
int odfxml_global_init(void);

/*
 * Parse one XML part held in memory. Refuses, before libxml2 sees a byte,
 * any DOCTYPE or ENTITY declaration, NUL bytes (UTF-16 and UTF-32) and an
 * encoding declaration other than UTF-8 (another encoding would make
 * libxml2 load a converter). Returns MG_OK with *doc set, MG_ERR_PARSE, or
 * MG_ERR_UNSUPPORTED; why gets the reason. dtd is set when the refusal was
 * for a DOCTYPE or entity declaration.
 */
int odfxml_parse(const uint8_t *data, size_t len, xmlDocPtr *doc, bool *dtd, char *why,
                 size_t whylen);

/* UTF-8 serialization of doc, appended to out. */
int odfxml_serialize(xmlDocPtr doc, struct buf *out);

/* Whether a package path (normalized: no "./", no trailing '/') is a kept part. */
typedef bool (*odfxml_part_fn)(void *cd, const char *path);

#define ODFXML_TALLY_MAX 48

struct odfxml_tally {
    char what[160];
    const char *why;
    unsigned n;
};

struct odfxml_filter {
    const struct policy *pol;
    bool check_only;          /* verify: count, change nothing */
    odfxml_part_fn part_kept; /* may be NULL: no internal reference resolves */
    void *cd;
    const char *part;          /* part name for reports, e.g. "content.xml" */
    const char *expect_root;   /* local name of the office: root element */
    struct report_node *node;  /* fix mode: removals are recorded here */
    unsigned violations;       /* check mode: what fix mode would remove */
    char first_violation[200]; /* check mode: the first of them */
    /* private */
    unsigned removals;
    struct odfxml_tally tally[ODFXML_TALLY_MAX];
    size_t n_tally;
    unsigned tally_overflow;
};

/*
 * Filter doc in place (or check it). Returns MG_OK, or MG_ERR_PARSE when
 * the root element is not office:<expect_root>. In fix mode every removal
 * is recorded on f->node, grouped with a count.
 */
int odfxml_filter(xmlDocPtr doc, struct odfxml_filter *f);

/*
 * Normalize an href that names a package member into path (strip "./",
 * decode %XX, drop one trailing '/'); false when it is not such a
 * reference (has a scheme, is absolute, leaves the package, or is odd).
 */
bool odfxml_internal_path(const char *href, char *path, size_t pathlen);

#endif
