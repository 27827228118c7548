/*
 * fuzz_flatten - the policy "flatten" entry points on arbitrary bytes:
 * ooxmlsan_flatten(), odfsan_flatten(), msofficesan_flatten() and
 * rtfsan_flatten(), chosen by what the input starts with:
 *   "PK\3\4" with "mimetype" as its first member's name: OpenDocument;
 *   other "PK\3\4": Office Open XML;
 *   D0 CF 11 E0: a legacy Office compound file;
 *   "{\rt": RTF;
 *   "<": XML parts packaged here, so that mutations reach the XML text
 *   walks instead of failing the zip's CRC: a content.xml (root
 *   office:document-content) becomes an OpenDocument of the kind its body
 *   says; a w:document a docx; a p:sld the one slide of a pptx; anything
 *   else a worksheet of an xlsx, where NUL bytes split the input into the
 *   sheet, the shared strings and the styles;
 *   anything else: one application's main stream, wrapped into a compound
 *   file (cfb_wrap.h) so that mutations reach the Word, Excel and
 *   PowerPoint text walks.
 *
 * Properties checked on every input (abort() on failure, so AFL++ and
 * libFuzzer record a crash):
 *   - a failure leaves a blocked report node with a reason code and no
 *     output; a success leaves no blocked node and says the output is text;
 *   - every output is UTF-8 without C0 controls other than TAB and LF, DEL,
 *     C1 controls or bidi overrides, and passes the text verifier the
 *     pipeline runs on flattened outputs (textsan_verify).
 *
 * Seeds: corpus/seeds/flatten/ (corpus/make-flatten-seeds.py).
 */
#include "buf.h"
#include "cfb_wrap.h"
#include "err.h"
#include "msofficesan.h"
#include "odfsan.h"
#include "ooxmlsan.h"
#include "report.h"
#include "rtfsan.h"
#include "textsan.h"
#include "utf8.h"
#include "zip.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fuzz_init(void);
int fuzz_one(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static struct policy fuzz_pol;

int fuzz_init(void)
{
    memset(&fuzz_pol, 0, sizeof(fuzz_pol));
    fuzz_pol.max_input_size = 8u << 20;
    fuzz_pol.max_depth = 3;
    fuzz_pol.max_members = 2000;
    fuzz_pol.max_expanded = 64u << 20;
    fuzz_pol.max_ratio = 100;
    fuzz_pol.max_output_size = 4u << 20;
    fuzz_pol.keep_hyperlinks = true;
    fuzz_pol.csv_neutralize_formulas = true;
    if (ooxmlsan_global_init() != MG_OK || odfsan_global_init() != MG_OK)
        return -1;
    return 0;
}

/* What textout promises: no character a text reader must not get. */
static void check_text(const struct buf *out)
{
    if (!utf8_valid(out->data ? out->data : (const uint8_t *)"", out->len))
        abort();
    for (size_t i = 0; i < out->len;) {
        size_t used;
        int32_t cp = utf8_next(out->data + i, out->len - i, &used);
        if (cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7F && cp <= 0x9F) ||
            (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
            abort();
        i += used;
    }
    struct san_ctx v = {.pol = &fuzz_pol};
    if (out->len && textsan_verify(&v, out->data, out->len) != MG_OK)
        abort();
}

#define CT_HEAD                                                                                    \
    "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"        \
    "content-types\"><Default Extension=\"rels\" ContentType=\"application/"                       \
    "vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" "                  \
    "ContentType=\"application/xml\"/>"
#define RELS_HEAD                                                                                  \
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
#define REL(id, type, target)                                                                      \
    "<Relationship Id=\"" id "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"    \
    "relationships/" type "\" Target=\"" target "\"/>"
#define WB                                                                                         \
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "               \
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"     \
    "<sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
#define PRES                                                                                       \
    "<p:presentation xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" "      \
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><p:sldIdLst>" \
    "<p:sldId id=\"256\" r:id=\"rId1\"/></p:sldIdLst></p:presentation>"
#define MANIFEST_FMT                                                                               \
    "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" "    \
    "manifest:version=\"1.3\"><manifest:file-entry manifest:full-path=\"/\" "                      \
    "manifest:media-type=\"%s\"/><manifest:file-entry manifest:full-path=\"content.xml\" "         \
    "manifest:media-type=\"text/xml\"/></manifest:manifest>"

static int add(struct zip_writer *w, const char *name, const void *d, size_t n)
{
    return zip_writer_add(w, name, (const uint8_t *)d, n, true, 0, 0);
}

/* The input's XML packaged as a document (see above); *run says which flattener. */
static int package(const uint8_t *d, size_t n, struct buf *zip, san_fn *run)
{
    struct zip_writer w;
    int rc = MG_OK;
    zip_writer_init(&w, zip, 1);
    if (memmem(d, n, "document-content", 16)) {
        const char *mime = memmem(d, n, "office:spreadsheet", 18)
                                   ? "application/vnd.oasis.opendocument.spreadsheet"
                           : memmem(d, n, "office:presentation", 19)
                                   ? "application/vnd.oasis.opendocument.presentation"
                                   : "application/vnd.oasis.opendocument.text";
        char mf[1024];
        snprintf(mf, sizeof(mf), MANIFEST_FMT, mime);
        *run = odfsan_flatten;
        if ((rc = zip_writer_add(&w, "mimetype", (const uint8_t *)mime, strlen(mime), false, 0,
                                 0)) == MG_OK &&
            (rc = add(&w, "content.xml", d, n)) == MG_OK)
            rc = add(&w, "META-INF/manifest.xml", mf, strlen(mf));
    } else if (memmem(d, n, ":document", 9)) {
        static const char ct[] = CT_HEAD "<Override PartName=\"/word/document.xml\" ContentType=\""
                                         "application/vnd.openxmlformats-officedocument."
                                         "wordprocessingml.document.main+xml\"/></Types>";
        static const char rels[] =
                RELS_HEAD REL("rId1", "officeDocument", "word/document.xml") "</Relationships>";
        *run = ooxmlsan_flatten;
        if ((rc = add(&w, "[Content_Types].xml", ct, sizeof(ct) - 1)) == MG_OK &&
            (rc = add(&w, "_rels/.rels", rels, sizeof(rels) - 1)) == MG_OK)
            rc = add(&w, "word/document.xml", d, n);
    } else if (memmem(d, n, ":sld", 4)) {
        static const char ct[] = CT_HEAD "<Override PartName=\"/ppt/presentation.xml\" "
                                         "ContentType=\"application/vnd.openxmlformats-"
                                         "officedocument.presentationml.presentation.main+xml\"/>"
                                         "</Types>";
        static const char rels[] =
                RELS_HEAD REL("rId1", "officeDocument", "ppt/presentation.xml") "</Relationships>";
        static const char prels[] =
                RELS_HEAD REL("rId1", "slide", "slides/slide1.xml") "</Relationships>";
        *run = ooxmlsan_flatten;
        if ((rc = add(&w, "[Content_Types].xml", ct, sizeof(ct) - 1)) == MG_OK &&
            (rc = add(&w, "_rels/.rels", rels, sizeof(rels) - 1)) == MG_OK &&
            (rc = add(&w, "ppt/presentation.xml", PRES, sizeof(PRES) - 1)) == MG_OK &&
            (rc = add(&w, "ppt/_rels/presentation.xml.rels", prels, sizeof(prels) - 1)) == MG_OK)
            rc = add(&w, "ppt/slides/slide1.xml", d, n);
    } else {
        static const char ct[] = CT_HEAD "<Override PartName=\"/xl/workbook.xml\" ContentType=\""
                                         "application/vnd.openxmlformats-officedocument."
                                         "spreadsheetml.sheet.main+xml\"/></Types>";
        static const char rels[] =
                RELS_HEAD REL("rId1", "officeDocument", "xl/workbook.xml") "</Relationships>";
        static const char wrels[] = RELS_HEAD REL("rId1", "worksheet", "worksheets/sheet1.xml")
                REL("rId2", "sharedStrings", "sharedStrings.xml")
                        REL("rId3", "styles", "styles.xml") "</Relationships>";
        static const char *const names[3] = {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
                                             "xl/styles.xml"};
        *run = ooxmlsan_flatten;
        if ((rc = add(&w, "[Content_Types].xml", ct, sizeof(ct) - 1)) == MG_OK &&
            (rc = add(&w, "_rels/.rels", rels, sizeof(rels) - 1)) == MG_OK &&
            (rc = add(&w, "xl/workbook.xml", WB, sizeof(WB) - 1)) == MG_OK)
            rc = add(&w, "xl/_rels/workbook.xml.rels", wrels, sizeof(wrels) - 1);
        for (int k = 0; k < 3 && rc == MG_OK && n > 0; k++) {
            const uint8_t *z = memchr(d, 0, n);
            size_t part = z ? (size_t)(z - d) : n;
            rc = add(&w, names[k], d, part);
            d += part;
            n -= part;
            if (z)
                d++, n--;
        }
    }
    if (rc == MG_OK)
        rc = zip_writer_finish(&w);
    zip_writer_free(&w);
    return rc;
}

int fuzz_one(const uint8_t *data, size_t len)
{
    static const uint8_t ole2[4] = {0xD0, 0xCF, 0x11, 0xE0};
    san_fn run;
    uint8_t *owned = NULL;
    enum ftype type = FT_UNKNOWN;
    if (len >= 4 && memcmp(data, "PK\3\4", 4) == 0)
        run = len >= 38 && memcmp(data + 30, "mimetype", 8) == 0 ? odfsan_flatten
                                                                 : ooxmlsan_flatten;
    else if (len >= 4 && memcmp(data, ole2, 4) == 0)
        run = msofficesan_flatten;
    else if (len >= 4 && memcmp(data, "{\\rt", 4) == 0)
        run = rtfsan_flatten;
    else if (len >= 1 && data[0] == '<') {
        struct buf zip;
        buf_init(&zip, 32u << 20);
        if (package(data, len, &zip, &run) != MG_OK) {
            buf_free(&zip);
            return 0;
        }
        owned = buf_steal(&zip, &len);
        data = owned;
    } else if ((owned = cfb_wrap(data, len, &type, &len)) != NULL)
        run = msofficesan_flatten, data = owned;
    else
        return 0;
    struct san_ctx ctx = {.pol = &fuzz_pol, .out_type = FT_TEXT};
    struct report_node *node = report_new("fuzz");
    struct buf out;
    buf_init(&out, fuzz_pol.max_output_size);
    if (node) {
        int rc = run(&ctx, data, len, &out, node);
        if (rc == MG_OK) {
            if (node->verdict == VERDICT_BLOCKED || ctx.out_type != FT_TEXT)
                abort();
            check_text(&out);
        } else if (node->verdict != VERDICT_BLOCKED || node->reason_code == REASON_NONE ||
                   out.len != 0) {
            abort();
        }
    }
    report_free(node);
    buf_free(&out);
    free(owned);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    return fuzz_one(data, len);
}
