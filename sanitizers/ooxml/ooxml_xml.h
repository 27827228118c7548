/*
 * ooxml_xml - parse and write the XML parts of a package with libxml2,
 * safely and silently.
 *
 * Parsing refuses what ECMA-376 Part 2 forbids and what could make libxml2
 * reach outside the process: any <!DOCTYPE (so no DTD, no entity
 * declarations, no external subset: XXE and billion laughs cannot start),
 * encodings other than UTF-8 and UTF-16 (libxml2 would open iconv
 * converters, which is fatal in the sandbox), and documents that are not
 * namespace-well-formed (our rules match elements by namespace; a prefix
 * without a declaration would slip past them). UTF-16 parts are converted
 * to UTF-8 here first, so that the DOCTYPE check reads the real text.
 * libxml2 runs with XML_PARSE_NONET and without NOENT, DTDLOAD, DTDATTR,
 * XINCLUDE or HUGE; its messages go to a handler that records them instead
 * of stderr.
 *
 * Writing serializes a document as UTF-8 into a capped struct buf.
 */
#ifndef MUGAI_OOXML_XML_H
#define MUGAI_OOXML_XML_H

#include "buf.h"

#include <libxml/tree.h>

#include <stdbool.h>

#include <stddef.h>
#include <stdint.h>

/* Once per process, before any fork: libxml2's globals. */
void ooxml_xml_global_init(void);

/*
 * Parse data[0..len) into *doc. Returns MG_OK, or MG_ERR_BLOCKED for a
 * DOCTYPE (why says so), MG_ERR_PARSE for anything else that is not
 * well-formed XML we accept, MG_ERR_NOMEM.
 */
int ooxml_xml_parse(const uint8_t *data, size_t len, xmlDocPtr *doc, char *why, size_t whylen);

/* "<!DOCTYPE" anywhere in d, in UTF-8, UTF-16LE or UTF-16BE. */
bool ooxml_xml_has_doctype(const uint8_t *d, size_t n);
/* Whether a part name looks like it holds XML (.xml, .rels, .vml): the
 * DOCTYPE rule refuses a package holding such a member with a DOCTYPE. */
bool ooxml_xml_name_looks_xml(const char *key);

/* Serialize doc as UTF-8 (with an XML declaration) into out. */
int ooxml_xml_save(xmlDocPtr doc, struct buf *out);

/* Append s to out escaped for an XML attribute value in double quotes. */
int ooxml_xml_escape_attr(struct buf *out, const char *s);

#endif
