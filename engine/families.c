/*
 * families - every format family the engine links, one line each (as
 * libarchive's archive_read_support_format_all.c lists its formats).
 * Each family exports its descriptor (san.h, struct san_family) from its
 * own folder; dispatch finds a type's sanitizer, verifier and flattener
 * here, and dispatch_global_init() runs each family's global_init in this
 * order. A new family is one line here and one in sanitizers/CMakeLists.txt.
 */
#include "dispatch.h"
#include "arcsan.h"
#include "imagesan.h"
#include "mailsan.h"
#include "msofficesan.h"
#include "odfsan.h"
#include "ooxmlsan.h"
#include "pdfsan.h"
#include "rtfsan.h"
#include "textsan.h"
#include "websan.h"

const struct san_family *const san_families[] = {
        &san_family_archive,  &san_family_image, &san_family_pdf, &san_family_ooxml,
        &san_family_odf,      &san_family_mail,  &san_family_web, &san_family_text,
        &san_family_msoffice, &san_family_rtf,
};

const size_t san_n_families = sizeof(san_families) / sizeof(san_families[0]);
