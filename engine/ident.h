/*
 * ident - identify a file by its content.
 *
 * libmagic (loaded once by ident_init(), before any worker is forked) gives
 * the first answer; our own structural checks refine it where libmagic is
 * coarse: a zip that is really an application's package (OOXML, Visio,
 * XPS, ODF, EPUB, JAR, APK, APPX, NuGet, ... by its member names, read with
 * libarchive), an OLE2 file that is doc / xls / ppt / msi
 * (by its root CLSID and stream names), text that is CSV or a script.
 * The name is used only to record what it claims (ident.declared) so that
 * a mismatch can be reported; it never makes a file look safer.
 */
#ifndef MUGAI_IDENT_H
#define MUGAI_IDENT_H

#include "ftype.h"

#include <stddef.h>
#include <stdint.h>

struct ident {
    enum ftype type;     /* by content */
    enum ftype declared; /* by the name's extension; FT_UNKNOWN when none or unknown */
    char mime[96];       /* libmagic's MIME type */
    char detail[160];    /* how it was decided, e.g. "zip holding word/document.xml" */
};

/* Load the libmagic database. Call once per process, before forking workers. */
int ident_init(void);
void ident_done(void);
/* Compile libmagic's expressions before forking many workers (ident.c). */
void ident_prime(void);

/* Identify data. name may be NULL. Returns MG_OK (type may be FT_UNKNOWN). */
int ident_buffer(const uint8_t *data, size_t len, const char *name, struct ident *out);

/* The type a file name's extension claims (case-insensitive); FT_UNKNOWN if none. */
enum ftype ident_ext_type(const char *name);

#endif
