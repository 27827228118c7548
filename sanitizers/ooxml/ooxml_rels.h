/*
 * ooxml_rels - the package structure of OOXML: [Content_Types].xml, the
 * relationship parts (_rels/NAME.rels), part names and how a relationship
 * target resolves to one, and the allowlist of relationship types.
 *
 * Part names are compared the way OPC says they are equivalent: without
 * the leading '/', percent-decoded, ignoring ASCII case. Relationship types
 * are matched as whole strings, in both the Transitional
 * (schemas.openxmlformats.org/officeDocument/2006/relationships/...) and
 * the Strict (purl.oclc.org/ooxml/officeDocument/relationships/...)
 * spellings; a type that is not in the table is not kept.
 */
#ifndef MUGAI_OOXML_RELS_H
#define MUGAI_OOXML_RELS_H

#include <libxml/tree.h>

#include <stdbool.h>
#include <stddef.h>

/* Longest canonical part name we handle. */
#define OOXML_KEY_MAX 1100u

/* What a kept relationship points at, and so how the target is handled. */
enum ooxml_kind {
    OOXML_KIND_XML,       /* an XML part: parsed, cleaned, written back */
    OOXML_KIND_IMAGE,     /* an image: through dispatch, must come back as an image */
    OOXML_KIND_PACKAGE,   /* an embedded document: through dispatch, must come back OOXML/ODF */
    OOXML_KIND_HYPERLINK, /* external only: http, https, mailto when the policy keeps links */
};

/* Only from the package relationships (_rels/.rels). */
#define OOXML_RT_ROOT 1u
/* The main document (officeDocument). */
#define OOXML_RT_MAIN 2u

struct ooxml_reltype {
    const char *type; /* full relationship type URI */
    enum ooxml_kind kind;
    const char *roots; /* for XML: accepted root element local names, '|' separated */
    unsigned flags;
};

/* The allowlist entry for a relationship type, or NULL: not kept. */
const struct ooxml_reltype *ooxml_reltype_find(const char *type);
/* The last path segment of a type URI, for reports ("vbaProject"). */
const char *ooxml_reltype_short(const char *type);
/* Why a type that is not kept is dropped: a specific reason for known risks. */
const char *ooxml_reltype_why(const char *type);
/* Whether an XML root element local name is one the type accepts. */
bool ooxml_reltype_root_ok(const struct ooxml_reltype *rt, const char *local);

/* ---- part names ---- */

/* Canonical key of a part name ("/Word/Document%2Exml" -> "word/document.xml"); false if invalid.
 */
bool ooxml_part_key(const char *name, char *key, size_t keylen);
/*
 * Resolve an internal relationship target against its source part (""
 * for the package) into a canonical key; false when the target is not a
 * valid part reference (escapes the root, has a query, fragment, scheme...).
 */
bool ooxml_resolve_target(const char *source, const char *target, char *key, size_t keylen);
/* The relationship part of a part: "word/_rels/document.xml.rels"; "_rels/.rels" for "". */
bool ooxml_rels_name(const char *part, char *out, size_t outlen);
/* The extension of a part name (after the last '.' of the last segment), or "". */
const char *ooxml_part_ext(const char *name);

/* ---- [Content_Types].xml ---- */

struct ooxml_ct_entry {
    char *key; /* Default: extension in lower case; Override: canonical part key */
    char *type;
};

struct ooxml_ct {
    struct ooxml_ct_entry *def, *ovr;
    size_t n_def, n_ovr;
};

int ooxml_ct_parse(xmlDocPtr doc, struct ooxml_ct *ct, char *why, size_t whylen);
/* The content type of a part (by key), Override first then Default by extension; NULL if none. */
const char *ooxml_ct_lookup(const struct ooxml_ct *ct, const char *key);
void ooxml_ct_free(struct ooxml_ct *ct);

/* ---- relationship parts ---- */

struct ooxml_rel {
    char *id, *type, *target;
    bool external;
};

struct ooxml_rels {
    struct ooxml_rel *r;
    size_t n;
};

int ooxml_rels_parse(xmlDocPtr doc, struct ooxml_rels *rels, char *why, size_t whylen);
void ooxml_rels_free(struct ooxml_rels *rels);

/* The scheme of an external target is one a kept hyperlink may have (http, https, mailto). */
bool ooxml_link_scheme_ok(const char *target);

#endif
