/*
 * ooxml_zip - the zip layer of the OOXML sanitizer: read every member of a
 * package into memory under the job's limits, and add members to a new one.
 *
 * The structure is read by formats/zip, as strictly as for any zip (a
 * package with data in front, behind or between its members is refused),
 * and each member is inflated there under the job's totals and the ratio
 * rule. Members that cannot be parts of a package (directories, links,
 * names that are not printable ASCII) are listed with a reason and no
 * data; the caller reports and drops them.
 *
 * Writing goes through formats/zip's writer into a struct buf (deflate,
 * a fixed 1980 timestamp), in the order the caller writes members: the
 * sanitizer puts [Content_Types].xml first.
 */
#ifndef MUGAI_OOXML_ZIP_H
#define MUGAI_OOXML_ZIP_H

#include "buf.h"
#include "policy.h"
#include "zip.h"

#include <stddef.h>
#include <stdint.h>

/* Longest member name we accept, in bytes. */
#define OOXML_NAME_MAX 1024u
/* Most members in one package, whatever the policy allows over the job. */
#define OOXML_MEMBERS_MAX 20000u

struct ooxml_member {
    char *name;    /* as stored in the zip */
    uint8_t *data; /* NULL when skip is set */
    size_t len;
    const char *skip; /* why the member is not usable, or NULL */
};

struct ooxml_zip {
    struct ooxml_member *m;
    size_t n, alloc;
};

/* Job-wide counters the reader adds to, and the limits it checks them against. */
struct ooxml_zip_budget {
    const struct policy *pol;
    uint64_t *members_total;
    uint64_t *expanded_total;
};

/*
 * Read every member of the zip in[0..len). Returns MG_OK, or MG_ERR_PARSE,
 * MG_ERR_LIMIT, MG_ERR_ENCRYPTED, MG_ERR_NOMEM with a sentence in why.
 * On error z holds what was read so far; free it with ooxml_zip_free().
 */
int ooxml_zip_read(const struct ooxml_zip_budget *bud, const uint8_t *in, size_t len,
                   struct ooxml_zip *z, char *why, size_t whylen);
void ooxml_zip_free(struct ooxml_zip *z);

/* Add one deflated member to w; the name must be printable ASCII. */
int ooxml_zip_add(struct zip_writer *w, const char *name, const uint8_t *data, size_t len);

/* Load what the zip code would otherwise load inside the sandbox (time zone). */
void ooxml_zip_global_init(void);

#endif
