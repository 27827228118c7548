/*
 * t_ident - identification by content.
 *
 * Every sample written by corpus/make-blocked.py is identified and checked
 * against the type the format's own definition gives it (and the type its
 * name claims). Hand-built buffers cover the edges: fat Mach-O versus Java
 * class, descriptors at other ISO offsets, disk-image checks that must not
 * misfire, names that may only make text stricter, packages of
 * applications (corpus/make-ident.py) that must never pass as plain zips,
 * truncated and mangled
 * inputs (for the sanitizer builds). First of all, right after
 * ident_init(), the whole sample set is run in a child under a seccomp
 * filter that kills the process on any open, exec, fork or socket call, as
 * the worker sandbox does.
 */
#include "t.h"

#include "err.h"
#include "ftype.h"
#include "ident.h"

#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct sample {
    const char *path; /* under $MUGAI_CORPUS */
    enum ftype type;
    enum ftype declared;
};

static const struct sample samples[] = {
        /* programs, installers, images, shortcuts */
        {"blocked/program.exe", FT_PE, FT_PE},
        {"blocked/program.elf", FT_ELF, FT_ELF},
        {"blocked/program.macho", FT_MACHO, FT_UNKNOWN},
        {"blocked/program-fat.macho", FT_MACHO, FT_UNKNOWN},
        {"blocked/A.class", FT_JAVA_CLASS, FT_JAVA_CLASS},
        {"blocked/program.jar", FT_JAR, FT_JAR},
        {"blocked/setup.msi", FT_MSI, FT_MSI},
        {"blocked/shortcut.lnk", FT_LNK, FT_LNK},
        {"blocked/help.chm", FT_CHM, FT_CHM},
        {"blocked/disk.iso", FT_ISO, FT_ISO},
        {"blocked/disk.img", FT_DISK_IMAGE, FT_DISK_IMAGE},
        {"blocked/volume.img", FT_DISK_IMAGE, FT_DISK_IMAGE},
        {"blocked/disk.vhd", FT_VHD, FT_VHD},
        {"blocked/disk.vhdx", FT_VHDX, FT_VHDX},
        {"blocked/notebook.one", FT_ONENOTE, FT_ONENOTE},
        {"blocked/package.appx", FT_APPX, FT_APPX},
        /* scripts by name or content */
        {"blocked/invoice.js", FT_SCRIPT, FT_SCRIPT},
        {"blocked/invoice.vbs", FT_SCRIPT, FT_SCRIPT},
        {"blocked/invoice.ps1", FT_SCRIPT, FT_SCRIPT},
        {"blocked/invoice.bat", FT_SCRIPT, FT_SCRIPT},
        {"blocked/invoice.cmd", FT_SCRIPT, FT_SCRIPT},
        {"blocked/invoice.wsf", FT_SCRIPT, FT_SCRIPT},
        {"blocked/invoice.hta", FT_SCRIPT, FT_SCRIPT},
        {"blocked/notes.txt", FT_SCRIPT, FT_TEXT},
        {"blocked/page.html", FT_SCRIPT, FT_HTML},
        /* shortcut-like files by name or content */
        {"blocked/share.url", FT_SHORTCUT, FT_SHORTCUT},
        {"blocked/query.iqy", FT_SHORTCUT, FT_SHORTCUT},
        {"blocked/sheet.slk", FT_SHORTCUT, FT_SHORTCUT},
        {"blocked/docs.library-ms", FT_SHORTCUT, FT_SHORTCUT},
        {"blocked/link.txt", FT_SHORTCUT, FT_TEXT},
        {"blocked/link-utf16.txt", FT_SHORTCUT, FT_TEXT},
        {"blocked/data.csv", FT_SHORTCUT, FT_CSV},
        /* name versus content */
        {"blocked/report.pdf", FT_PE, FT_PDF},
        {"blocked/\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8.txt", FT_PE, FT_TEXT},
        {"blocked/\xe5\xa5\x91\xe7\xb4\x84\xe6\x9b\xb8.docx", FT_JAR, FT_DOCX},
        {"blocked/split-names.zip", FT_JAR, FT_ZIP},
        {"blocked/streamed-split.zip", FT_JAR, FT_ZIP},
        /* OOXML */
        {"blocked/benign/minimal.docx", FT_DOCX, FT_DOCX},
        {"blocked/benign/minimal.docm", FT_DOCM, FT_DOCM},
        {"blocked/benign/minimal.dotx", FT_DOTX, FT_DOTX},
        {"blocked/benign/minimal.xlsx", FT_XLSX, FT_XLSX},
        {"blocked/benign/minimal.xlsm", FT_XLSM, FT_XLSM},
        {"blocked/benign/minimal.xlsb", FT_XLSB, FT_XLSB},
        {"blocked/benign/minimal.pptx", FT_PPTX, FT_PPTX},
        {"blocked/benign/minimal.ppsx", FT_PPSX, FT_PPSX},
        {"blocked/benign/minimal.potm", FT_POTM, FT_POTM},
        {"blocked/benign/hidden-vba.docx", FT_DOCM, FT_DOCX},
        {"blocked/benign/names-only.xlsx", FT_XLSX, FT_XLSX},
        {"blocked/benign/names-only-vba.docx", FT_DOCM, FT_DOCX},
        /* ODF */
        {"blocked/benign/minimal.odt", FT_ODT, FT_ODT},
        {"blocked/benign/minimal.ods", FT_ODS, FT_ODS},
        {"blocked/benign/minimal.odp", FT_ODP, FT_ODP},
        {"blocked/benign/minimal.ott", FT_OTT, FT_OTT},
        /* OLE2 */
        {"blocked/benign/minimal.doc", FT_DOC, FT_DOC},
        {"blocked/benign/deep.doc", FT_DOC, FT_DOC},
        {"blocked/benign/minimal.xls", FT_XLS, FT_XLS},
        {"blocked/benign/minimal.ppt", FT_PPT, FT_PPT},
        {"blocked/benign/minimal.jtd", FT_JTD, FT_JTD},
        {"blocked/benign/other.ole", FT_OLE2, FT_UNKNOWN},
        /* archives and compressors */
        {"blocked/benign/plain.zip", FT_ZIP, FT_ZIP},
        {"blocked/benign/hello.7z", FT_7Z, FT_7Z},
        {"blocked/benign/hello.tar", FT_TAR, FT_TAR},
        {"blocked/benign/hello.txt.gz", FT_GZIP, FT_GZIP},
        {"blocked/benign/hello.txt.bz2", FT_BZIP2, FT_BZIP2},
        {"blocked/benign/hello.txt.xz", FT_XZ, FT_XZ},
        {"blocked/benign/hello.txt.zst", FT_ZSTD, FT_ZSTD},
        {"blocked/benign/hello4.rar", FT_RAR, FT_RAR},
        {"blocked/benign/hello5.rar", FT_RAR, FT_RAR},
        {"blocked/benign/hello.cab", FT_CAB, FT_CAB},
        {"blocked/benign/hello.lzh", FT_LZH, FT_LZH},
        {"blocked/benign/hello.cpio", FT_CPIO, FT_CPIO},
        /* images and documents */
        {"blocked/benign/one.png", FT_PNG, FT_PNG},
        {"blocked/benign/one.gif", FT_GIF, FT_GIF},
        {"blocked/benign/head.jpg", FT_JPEG, FT_JPEG},
        {"blocked/benign/one.bmp", FT_BMP, FT_BMP},
        {"blocked/benign/tiny.tif", FT_TIFF, FT_TIFF},
        {"blocked/benign/tiny.webp", FT_WEBP, FT_WEBP},
        {"blocked/benign/minimal.pdf", FT_PDF, FT_PDF},
        {"blocked/benign/minimal.rtf", FT_RTF, FT_RTF},
        /* text */
        {"blocked/benign/plain.txt", FT_TEXT, FT_TEXT},
        {"blocked/benign/sjis.txt", FT_TEXT, FT_TEXT},
        {"blocked/benign/table.csv", FT_CSV, FT_CSV},
        {"blocked/benign/page.html", FT_HTML, FT_HTML},
        {"blocked/benign/data.xml", FT_XML, FT_XML},
        {"blocked/benign/pic.svg", FT_SVG, FT_SVG},
        {"blocked/benign/mail.eml", FT_EML, FT_EML},
        {"blocked/benign/empty.txt", FT_TEXT, FT_TEXT},
        /* zip-based packages of applications (corpus/make-ident.py): never FT_ZIP */
        {"ident/drawing.vsdx", FT_VSDX, FT_VSDX},
        {"ident/drawing.vsdm", FT_VSDM, FT_VSDM},
        {"ident/stencil.vssx", FT_VSSX, FT_VSSX},
        {"ident/stencil.vssm", FT_VSSM, FT_VSSM},
        {"ident/template.vstx", FT_VSTX, FT_VSTX},
        {"ident/template.vstm", FT_VSTM, FT_VSTM},
        {"ident/names-only-macro.vsdx", FT_VSDM, FT_VSDX},
        {"ident/drawings.zip", FT_VSDM, FT_ZIP},
        {"ident/theme.thmx", FT_THMX, FT_THMX},
        {"ident/slide.sldx", FT_SLDX, FT_SLDX},
        {"ident/slide.sldm", FT_SLDM, FT_SLDM},
        {"ident/document.xps", FT_XPS, FT_XPS},
        {"ident/document.oxps", FT_OXPS, FT_OXPS},
        {"ident/pieces.xps", FT_XPS, FT_XPS},
        {"ident/model.3mf", FT_OPC, FT_UNKNOWN},
        {"ident/rels-only.zip", FT_OPC, FT_ZIP},
        {"ident/drawing.odg", FT_ODG, FT_ODG},
        {"ident/drawing.otg", FT_OTG, FT_OTG},
        {"ident/formula.odf", FT_ODF_FORMULA, FT_ODF_FORMULA},
        {"ident/database.odb", FT_ODB, FT_ODB},
        {"ident/chart.odc", FT_ODF_OTHER, FT_ODF_OTHER},
        {"ident/master.odm", FT_ODF_OTHER, FT_ODF_OTHER},
        {"ident/future.odx", FT_ODF_OTHER, FT_UNKNOWN},
        {"ident/writer.sxw", FT_SUN_XML, FT_SUN_XML},
        {"ident/calc.sxc", FT_SUN_XML, FT_SUN_XML},
        {"ident/book.epub", FT_EPUB, FT_EPUB},
        {"ident/image.ora", FT_PACKAGE, FT_UNKNOWN},
        {"ident/map.kmz", FT_KMZ, FT_KMZ},
        {"ident/real/bpmn.otg", FT_OTG, FT_OTG},
        {"ident/real/bpmn.odg", FT_ODG, FT_ODG},
        {"ident/real/hello.epub", FT_EPUB, FT_EPUB},
        /* ... and programs among them */
        {"ident/addin.xlam", FT_XLAM, FT_XLAM},
        {"ident/addin.ppam", FT_PPAM, FT_PPAM},
        {"ident/addin-in-docx.docx", FT_XLAM, FT_DOCX},
        {"ident/app.apk", FT_APK, FT_APK},
        {"ident/unsigned.apk", FT_APK, FT_APK},
        {"ident/bundle.aab", FT_APK, FT_APK},
        {"ident/package.nupkg", FT_NUGET, FT_NUGET},
        {"ident/extension.vsix", FT_VSIX, FT_VSIX},
        {"ident/app.pyz", FT_PYTHON_ZIP, FT_PYTHON_ZIP},
        {"ident/app-shebang.pyz", FT_PYTHON_ZIP, FT_PYTHON_ZIP},
        {"ident/sample-1.0-py3-none-any.whl", FT_PYTHON_ZIP, FT_PYTHON_ZIP},
        {"ident/addon.xpi", FT_BROWSER_EXT, FT_BROWSER_EXT},
        {"ident/extension.crx", FT_BROWSER_EXT, FT_BROWSER_EXT},
        {"ident/webapp.war", FT_JAR, FT_JAR},
        {"ident/enterprise.ear", FT_JAR, FT_JAR},
        /* near misses: plain zips */
        {"ident/plain-nuspec.zip", FT_ZIP, FT_ZIP},
        {"ident/plain-late-mimetype.zip", FT_ZIP, FT_ZIP},
        {"ident/plain-kml-in-folder.zip", FT_ZIP, FT_ZIP},
};
#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))

static uint8_t *slurp(const char *rel, size_t *len)
{
    return t_corpus_file("", rel, len);
}

static const char *tn(enum ftype t)
{
    return ftype_info(t)->name;
}

/* Identify and compare; on mismatch say what was decided and why. */
static int expect(const char *label, const uint8_t *d, size_t n, const char *name, enum ftype want)
{
    struct ident id;
    int rc = ident_buffer(d, n, name, &id);
    CHECK_EQ_INT(rc, MG_OK);
    if (id.type != want)
        fprintf(stderr, "%s: got %s (%s; libmagic %s), want %s\n", label, tn(id.type), id.detail,
                id.mime, tn(want));
    CHECK_EQ_INT(id.type, want);
    CHECK(id.detail[0] != '\0');
    return id.type == want;
}

static struct {
    uint8_t *data;
    size_t len;
} loaded[N_SAMPLES];

static void load_samples(void)
{
    for (size_t i = 0; i < N_SAMPLES; i++) {
        size_t len = 0;
        loaded[i].data = slurp(samples[i].path, &len);
        loaded[i].len = len;
        CHECK(loaded[i].data != NULL);
    }
}

static void test_samples(void)
{
    for (size_t i = 0; i < N_SAMPLES; i++) {
        const uint8_t *d = loaded[i].data;
        size_t len = loaded[i].len;
        if (d == NULL)
            continue;
        expect(samples[i].path, d, len, samples[i].path, samples[i].type);
        struct ident id;
        ident_buffer(d, len, samples[i].path, &id);
        if (id.declared != samples[i].declared)
            fprintf(stderr, "%s: declared %s, want %s\n", samples[i].path, tn(id.declared),
                    tn(samples[i].declared));
        CHECK_EQ_INT(id.declared, samples[i].declared);
        /* Content decides: the same bytes under a harmless or no name. */
        if (samples[i].type != FT_SCRIPT && samples[i].type != FT_SHORTCUT &&
            samples[i].type != FT_CSV) {
            expect(samples[i].path, d, len, "renamed.txt", samples[i].type);
            expect(samples[i].path, d, len, NULL, samples[i].type);
        }
    }
}

static const uint8_t *sample_data(const char *path, size_t *len)
{
    for (size_t i = 0; i < N_SAMPLES; i++)
        if (strcmp(samples[i].path, path) == 0) {
            *len = loaded[i].len;
            return loaded[i].data;
        }
    *len = 0;
    return NULL;
}

/* A copy of a sample to patch (NULL when it is missing or shorter than min);
 * *len is its length. */
static uint8_t *sample_copy(const char *path, size_t min, size_t *len)
{
    const uint8_t *d = sample_data(path, len);
    if (d == NULL || *len < min)
        return NULL;
    uint8_t *m = malloc(*len);
    CHECK(m != NULL);
    if (m != NULL)
        memcpy(m, d, *len);
    return m;
}

static void test_names_only_make_stricter(void)
{
    const char *js = "var x = 1;\r\nWScript.Echo(x);\r\n";
    size_t n = strlen(js);
    expect("js as .txt", (const uint8_t *)js, n, "a.txt", FT_TEXT);
    expect("js as .JS", (const uint8_t *)js, n, "dir/A.JS", FT_SCRIPT);
    expect("js as .vbe.", (const uint8_t *)js, n, "a.vbe.", FT_SCRIPT);
    expect("text as .url", (const uint8_t *)js, n, "a.url", FT_SHORTCUT);
    const char *csv = "a,b\r\n1,2\r\n";
    expect("csv named .csv", (const uint8_t *)csv, strlen(csv), "x.CSV", FT_CSV);
    /* An INI file whose shortcut section is not the first one. */
    const char *ini = "[General]\r\nx=1\r\n[internetshortcut]\r\nURL=file://192.0.2.1/a\r\n";
    expect("second section", (const uint8_t *)ini, strlen(ini), "a.ini", FT_SHORTCUT);
    /* Numbers that start like an ASCII cpio header are still CSV. */
    const char *codes = "070701,100\r\n070702,200\r\n";
    expect("cpio-like csv", (const uint8_t *)codes, strlen(codes), "codes.csv", FT_CSV);
    const char *iqy_lf = "WEB\n1\nhttp://192.0.2.1/q\n";
    expect("iqy with LF", (const uint8_t *)iqy_lf, strlen(iqy_lf), "a.txt", FT_SHORTCUT);
}

static void test_macho_vs_class(void)
{
    uint8_t b[64];
    memset(b, 0, sizeof(b));
    memcpy(b, "\xCA\xFE\xBA\xBE\x00\x00\x00\x02", 8);
    expect("fat 2", b, sizeof(b), "x", FT_MACHO);
    memcpy(b, "\xCA\xFE\xBA\xBE\x00\x00\x00\x1E", 8);
    expect("fat 30", b, sizeof(b), "x", FT_MACHO);
    memcpy(b, "\xCA\xFE\xBA\xBE\x00\x00\x00\x34", 8);
    expect("class 52", b, sizeof(b), "x", FT_JAVA_CLASS);
    memcpy(b, "\xCA\xFE\xBA\xBE\x00\x03\x00\x2D", 8);
    expect("class 45.3", b, sizeof(b), "x", FT_JAVA_CLASS);
    memcpy(b, "\xCE\xFA\xED\xFE", 4);
    expect("macho32le", b, sizeof(b), "x", FT_MACHO);
    memcpy(b, "\xFE\xED\xFA\xCE", 4);
    expect("macho32be", b, sizeof(b), "x", FT_MACHO);
}

static void test_iso_vhd_offsets(void)
{
    size_t n = 0xA000;
    uint8_t *b = calloc(1, n);
    CHECK(b != NULL);
    if (b == NULL)
        return;
    memcpy(b + 0x8801, "BEA01", 5);
    expect("UDF BEA01 at 0x8801", b, n, "x.bin", FT_ISO);
    memset(b + 0x8801, 0, 5);
    memcpy(b + 0x9001, "CD001", 5);
    expect("CD001 at 0x9001", b, n, "x.bin", FT_ISO);
    memset(b + 0x9001, 0, 5);
    memcpy(b + n - 511, "conectix", 8);
    expect("511-byte VHD footer", b, n, "x.bin", FT_VHD);
    memset(b + n - 511, 0, 8);
    /* zeros only: nothing */
    expect("zeros", b, n, "x.bin", FT_UNKNOWN);
    free(b);
}

static void test_disk_no_misfire(void)
{
    uint8_t b[1024];
    /* 0x55AA alone is not a disk: no boot sector, no valid partition entry. */
    memset(b, 0, sizeof(b));
    b[510] = 0x55, b[511] = 0xAA;
    expect("55AA only", b, sizeof(b), "x.bin", FT_UNKNOWN);
    /* A partition entry with a bad status byte. */
    b[446] = 0x42, b[450] = 0x07, b[454] = 1, b[458] = 1;
    expect("bad status", b, sizeof(b), "x.bin", FT_UNKNOWN);
    b[446] = 0x80;
    expect("good entry", b, sizeof(b), "x.bin", FT_DISK_IMAGE);
    /* The same partition table behind a JPEG signature stays a JPEG. */
    memcpy(b, "\xFF\xD8\xFF\xE0", 4);
    expect("jpeg with a table", b, sizeof(b), "x.jpg", FT_JPEG);
    /* GPT header in LBA 1 */
    memset(b, 0, sizeof(b));
    memcpy(b + 512, "EFI PART", 8);
    expect("gpt", b, sizeof(b), "x.bin", FT_DISK_IMAGE);
}

static void test_executable_wins(void)
{
    /* A PE whose first bytes could be read as nothing else; named .jpg it is still a PE. */
    size_t n;
    const uint8_t *pe = sample_data("blocked/program.exe", &n);
    if (pe == NULL)
        return;
    expect("pe as jpg", pe, n, "a.jpg", FT_PE);
    /* The OLE2 doc sample with the MSI root CLSID patched in is an MSI. */
    size_t dn;
    uint8_t *m = sample_copy("blocked/benign/minimal.doc", 0, &dn);
    if (m == NULL)
        return;
    /* directory at sector 1 (offset 1024), root CLSID at +0x50 */
    static const uint8_t clsid[16] = {0x84, 0x10, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
    memcpy(m + 1024 + 0x50, clsid, 16);
    expect("doc with msi clsid", m, dn, "a.doc", FT_MSI);
    free(m);
}

/* A central directory announcing more entries than are inspected: local headers still count. */
static void test_zip_entry_cap(void)
{
    size_t n;
    uint8_t *m = sample_copy("blocked/program.jar", 22, &n);
    if (m == NULL)
        return;
    CHECK(memcmp(m + n - 22, "PK\x05\x06", 4) == 0);
    m[n - 22 + 10] = 0x30, m[n - 22 + 11] = 0x75; /* 30000 entries */
    m[n - 22 + 8] = 0x30, m[n - 22 + 9] = 0x75;
    struct ident id;
    CHECK_EQ_INT(ident_buffer(m, n, "a.zip", &id), MG_OK);
    CHECK_EQ_INT(id.type, FT_JAR);
    CHECK(strstr(id.detail, "capped") != NULL);
    free(m);
}

/*
 * Packages whose central directory a reader cannot use are still told
 * apart by their local headers: the ODF "mimetype" member is read from
 * there when it is stored, as the format requires.
 */
static void test_package_local_headers(void)
{
    size_t n;
    uint8_t *m = sample_copy("ident/drawing.odg", 22, &n);
    if (m == NULL)
        return;
    CHECK(memcmp(m + n - 22, "PK\x05\x06", 4) == 0);
    m[n - 22] = 'X'; /* no end of central directory any more */
    struct ident id;
    CHECK_EQ_INT(ident_buffer(m, n, "a.zip", &id), MG_OK);
    CHECK_EQ_INT(id.type, FT_ODG);
    CHECK(strstr(id.detail, "damaged") != NULL);
    free(m);
}

/* Between two readings of one zip the stricter wins: a program's marker beats any document. */
static void test_package_program_wins(void)
{
    size_t n;
    const uint8_t *vsdm = sample_data("ident/drawing.vsdm", &n);
    if (vsdm == NULL)
        return;
    /* Append a stored root member AndroidManifest.xml by rebuilding with a new local header
     * in front: the local pass sees it first, the central directory never. */
    static const char name[] = "AndroidManifest.xml";
    size_t nl = sizeof(name) - 1, hl = 30 + nl;
    uint8_t *m = calloc(1, hl + n);
    CHECK(m != NULL);
    if (m == NULL)
        return;
    memcpy(m, "PK\x03\x04\x14", 5);
    m[26] = (uint8_t)nl;
    memcpy(m + 30, name, nl);
    memcpy(m + hl, vsdm, n);
    struct ident id;
    CHECK_EQ_INT(ident_buffer(m, hl + n, "drawing.vsdm", &id), MG_OK);
    CHECK_EQ_INT(id.type, FT_APK);
    free(m);
}

/* Messages that libmagic calls plain text because of their first header. */
static void test_mail_header_block(void)
{
    static const char *const mails[] = {
            "Message-ID: <1@example.jp>\r\nMIME-Version: 1.0\r\nSubject: hi\r\n\r\nbody\r\n",
            "X-Mailer: x\nDKIM-Signature: v=1; a=rsa-sha256;\n\tb=abc\nTo: a@example.jp\n\nbody\n",
            "MIME-Version: 1.0\nContent-Type: text/plain\n\n",
    };
    static const char *const texts[] = {
            "Subject: only one field\n\nbody\n",           /* one field */
            "Note: a\nRemark: b\n\nbody\n",                /* no message field */
            "Subject: x\nnot a header line\nTo: y\n\nz\n", /* a line that is no field */
            "Subject: x\nTo: y\n",                         /* no end of the block */
            "Dear all: hello\nSubject: x\n\n",             /* a space in a field name */
    };
    for (size_t i = 0; i < sizeof(mails) / sizeof(mails[0]); i++)
        expect("mail header block", (const uint8_t *)mails[i], strlen(mails[i]), NULL, FT_EML);
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        expect("not a mail header block", (const uint8_t *)texts[i], strlen(texts[i]), NULL,
               FT_TEXT);
}

static void test_ext_type(void)
{
    CHECK_EQ_INT(ident_ext_type("a.EXE"), FT_PE);
    CHECK_EQ_INT(ident_ext_type("a.exe. "), FT_PE);
    CHECK_EQ_INT(ident_ext_type("C:\\dir\\y.Lnk"), FT_LNK);
    CHECK_EQ_INT(ident_ext_type("x/a.tar.gz"), FT_GZIP);
    CHECK_EQ_INT(ident_ext_type("a.tgz"), FT_GZIP);
    CHECK_EQ_INT(ident_ext_type("\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8.pdf.exe"), FT_PE);
    CHECK_EQ_INT(ident_ext_type("a.library-ms"), FT_SHORTCUT);
    CHECK_EQ_INT(ident_ext_type("mail.msg"), FT_OLE2);
    CHECK_EQ_INT(ident_ext_type("a.jfif"), FT_JPEG);
    CHECK_EQ_INT(ident_ext_type("pkg.msixbundle"), FT_APPX);
    CHECK_EQ_INT(ident_ext_type("drawing.VSDM"), FT_VSDM);
    CHECK_EQ_INT(ident_ext_type("a.vsd"), FT_OLE2);
    CHECK_EQ_INT(ident_ext_type("a.oxps"), FT_OXPS);
    CHECK_EQ_INT(ident_ext_type("a.odf"), FT_ODF_FORMULA);
    CHECK_EQ_INT(ident_ext_type("a.sxc"), FT_SUN_XML);
    CHECK_EQ_INT(ident_ext_type("a.epub"), FT_EPUB);
    CHECK_EQ_INT(ident_ext_type("a.kmz"), FT_KMZ);
    CHECK_EQ_INT(ident_ext_type("a.aab"), FT_APK);
    CHECK_EQ_INT(ident_ext_type("a.nupkg"), FT_NUGET);
    CHECK_EQ_INT(ident_ext_type("a.whl"), FT_PYTHON_ZIP);
    CHECK_EQ_INT(ident_ext_type("a.xlam"), FT_XLAM);
    CHECK_EQ_INT(ident_ext_type("a.crx"), FT_BROWSER_EXT);
    CHECK_EQ_INT(ident_ext_type("noext"), FT_UNKNOWN);
    CHECK_EQ_INT(ident_ext_type("a."), FT_UNKNOWN);
    CHECK_EQ_INT(ident_ext_type("a.exe/"), FT_UNKNOWN);
    CHECK_EQ_INT(ident_ext_type("a.unknownext"), FT_UNKNOWN);
    CHECK_EQ_INT(ident_ext_type(""), FT_UNKNOWN);
    CHECK_EQ_INT(ident_ext_type(NULL), FT_UNKNOWN);
}

/* Every prefix length of every sample, and every sample with a byte flipped: no crash, MG_OK. */
static void test_mangled(void)
{
    int bad = 0;
    for (size_t i = 0; i < N_SAMPLES; i++) {
        const uint8_t *d = loaded[i].data;
        size_t n = loaded[i].len;
        if (d == NULL)
            continue;
        size_t step = n > 256 ? n / 97 : 1;
        for (size_t cut = 0; cut < n; cut += step) {
            uint8_t *c = malloc(cut ? cut : 1);
            if (c == NULL)
                continue;
            memcpy(c, d, cut);
            struct ident id;
            if (ident_buffer(c, cut, samples[i].path, &id) != MG_OK)
                bad++;
            if (cut > 0) {
                c[cut / 2] ^= 0xFF;
                if (ident_buffer(c, cut, samples[i].path, &id) != MG_OK)
                    bad++;
            }
            free(c);
        }
    }
    CHECK_EQ_INT(bad, 0);
}

/* The worker's sandbox kills on these; identification must never need them. */
static void test_under_seccomp(void)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
        static const int deny[] = {SCMP_SYS(open),   SCMP_SYS(openat), SCMP_SYS(openat2),
                                   SCMP_SYS(creat),  SCMP_SYS(execve), SCMP_SYS(execveat),
                                   SCMP_SYS(fork),   SCMP_SYS(vfork),  SCMP_SYS(socket),
                                   SCMP_SYS(connect)};
        if (f == NULL)
            _exit(10);
        for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
            if (seccomp_rule_add(f, SCMP_ACT_KILL_PROCESS, deny[i], 0) != 0)
                _exit(11);
        if (seccomp_load(f) != 0)
            _exit(12);
        int wrong = 0;
        for (size_t i = 0; i < N_SAMPLES; i++) {
            if (loaded[i].data == NULL)
                continue;
            struct ident id;
            if (ident_buffer(loaded[i].data, loaded[i].len, samples[i].path, &id) != MG_OK ||
                id.type != samples[i].type)
                wrong++;
        }
        _exit(wrong ? 13 : 0);
    }
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid);
    if (WIFSIGNALED(st))
        fprintf(stderr, "child under seccomp killed by signal %d\n", WTERMSIG(st));
    CHECK(WIFEXITED(st));
    CHECK_EQ_INT(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
}

int main(void)
{
    load_samples();
    CHECK_EQ_INT(ident_init(), MG_OK);
    /* First, so that nothing but ident_init() has run in this process yet. */
    test_under_seccomp();
    test_samples();
    test_names_only_make_stricter();
    test_macho_vs_class();
    test_iso_vhd_offsets();
    test_disk_no_misfire();
    test_executable_wins();
    test_zip_entry_cap();
    test_package_local_headers();
    test_package_program_wins();
    test_ext_type();
    test_mail_header_block();
    test_mangled();
    for (size_t i = 0; i < N_SAMPLES; i++)
        free(loaded[i].data);
    ident_done();
    return t_done();
}
