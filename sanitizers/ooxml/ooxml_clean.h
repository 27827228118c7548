/*
 * ooxml_clean - rewrite one parsed XML part of an OOXML package so that
 * nothing in it can run, fetch or point at what was not kept.
 *
 * The package layer (ooxmlsan) has already decided which relationships
 * stay; this layer removes, in every XML part:
 *   - elements that refer (r:id, r:embed, r:link, ..., o:relid) to a
 *     relationship that was not kept: the OLE object, ActiveX control,
 *     linked image, subdocument, external workbook... (a hyperlink is
 *     unwrapped to its text; an external image link is just cut; a page
 *     setup only loses its printer settings); a kept external hyperlink
 *     counts only for hyperlink elements, so a picture cannot name a web
 *     address as its image;
 *   - OLE objects (o:OLEObject, p:oleObj: the preview picture stays, a
 *     Word object becomes a plain VML picture, a PowerPoint OLE frame
 *     becomes its p:pic), ActiveX controls, form-field and VML button macros;
 *   - Word fields that fetch, include, link or run (DDE, DDEAUTO,
 *     INCLUDETEXT, INCLUDEPICTURE, LINK, IMPORT, MACROBUTTON, DATABASE,
 *     and any field not on the allowlist, or whose name is built from a
 *     nested field): the field code goes, its cached result stays;
 *   - Excel formulas with DDE (a '|' outside strings), external workbook
 *     references ([n]) or fetching/calling functions (WEBSERVICE, RTD,
 *     CALL, ...): the formula goes, the cached value stays; defined names
 *     Auto_Open/Auto_Close/... and macro names; sheet entries whose sheet
 *     was dropped (sheet indexes in names and views are renumbered);
 *   - PowerPoint click and hover actions other than slide jumps
 *     (ppaction://program, macro, ole, hlinkfile, ...);
 *   - settings that pull data in or update on open: attached template,
 *     mail merge data sources, XSLT, web frames, updateFields, document
 *     variables, hyperlink base;
 *   - processing instructions and comments.
 * Every removal is counted by reason; ooxml_clean_report() turns the
 * counts into report actions. With no report node (verification), the
 * counts alone say whether anything forbidden was still there.
 */
#ifndef MUGAI_OOXML_CLEAN_H
#define MUGAI_OOXML_CLEAN_H

#include "report.h"

#include <libxml/tree.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ooxml_clean_reason {
    OOXML_CR_RELREF,
    OOXML_CR_FIELD,
    OOXML_CR_FORMULA,
    OOXML_CR_NAME,
    OOXML_CR_ACTION,
    OOXML_CR_OLE,
    OOXML_CR_ACTIVEX,
    OOXML_CR_MACRO,
    OOXML_CR_EXTDATA,
    OOXML_CR_VMLLINK,
    OOXML_CR_FONT,
    OOXML_CR_COUNT
};

/* What a relationship id of the part being cleaned leads to. */
enum ooxml_rel_use {
    OOXML_REL_NONE, /* no such relationship, or it was not kept */
    OOXML_REL_PART, /* a kept part inside the package */
    OOXML_REL_LINK, /* a kept external hyperlink: only hyperlink elements may use it */
};

struct ooxml_clean {
    /* in */
    bool keep_hyperlinks;
    enum ooxml_rel_use (*rel_use)(void *arg, const char *id);
    void *rel_arg;
    /* out */
    unsigned count[OOXML_CR_COUNT];
    char why[200]; /* when ooxml_clean_doc() fails */
};

/*
 * Clean doc in place. Returns MG_OK, MG_ERR_LIMIT (too deeply nested
 * fields, too many nodes), MG_ERR_UNSUPPORTED (a workbook left without a
 * sheet) or MG_ERR_NOMEM, with cc->why set.
 */
int ooxml_clean_doc(struct ooxml_clean *cc, xmlDocPtr doc);

/* Sum of the counts: removals of something that must not be released. */
unsigned ooxml_clean_total(const struct ooxml_clean *cc);

/* One "removed" action per reason with a count, naming the part. */
void ooxml_clean_report(const struct ooxml_clean *cc, struct report_node *node, const char *part);

/* Exposed for tests and the verifier: the decisions on their own. */
bool ooxml_clean_field_risky(const char *instr, size_t len, bool keep_hyperlinks);
bool ooxml_clean_formula_risky(const char *f);

#endif
