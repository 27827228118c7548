/*
 * ident - identify a file by its content.
 *
 * Order of the checks, and why:
 *   1. Programs and mountable images by their magic bytes (MZ, ELF, Mach-O,
 *      Java class, LNK, Chrome extension, a #! line before a zip, CHM,
 *      VHDX, OneNote at offset 0; ISO 9660/UDF descriptors at 0x8001 +
 *      k * 0x800; a VHD footer at the end). These come first so that no
 *      other reading of a polyglot can hide them.
 *   2. Containers whose type depends on what they hold: OLE2 (root CLSID
 *      and root-level stream names) and zip (by member names, taken both
 *      from the central directory, read with libarchive from memory, and
 *      from a walk over the local headers, because a hostile zip can show
 *      each reader different names). Only a plain zip is FT_ZIP: in this
 *      order, programs (APPX/MSIX, Android, VSIX, NuGet, browser
 *      extensions, Python zips, JAR/WAR/EAR), an Office add-in, a package
 *      naming itself in a "mimetype" member (OpenDocument of every kind,
 *      OpenOffice.org 1.x, EPUB, any other), Office Open XML and Visio,
 *      XPS/OpenXPS, any other OPC package ([Content_Types].xml), KMZ.
 *   3. Other formats by magic: archives and compressors, PDF, RTF, images.
 *   4. Raw disk images (boot sector or partition table with 0x55AA), after
 *      the formats above so that it cannot misfire on them.
 *   5. Text, as libmagic judges it: scripts (shebang, HTA, or a script
 *      extension), shortcut-like files (.url, .iqy, .slk, .library-ms by
 *      content or name), HTML, XML, SVG, CSV, mail, plain text.
 *   6. Whatever libmagic's MIME type maps to.
 * Finally, when libmagic's MIME type names a program and the checks above
 * did not, libmagic wins: between two readings the stricter one is kept.
 *
 * The name only ever makes text stricter (a script or shortcut extension
 * makes text FT_SCRIPT / FT_SHORTCUT, .csv makes text CSV); it never makes
 * anything look safer, so a PE named .txt is FT_PE.
 *
 * OOXML rule: the main part's content type in [Content_Types].xml (the
 * first Override whose ContentType is one of the known main-part types, or
 * an add-in's wherever it is) decides document, template, slide show,
 * add-in and macro-enabled; without one, the member names
 * word/document.xml, xl/workbook.xml, xl/workbook.bin,
 * ppt/presentation.xml, visio/document.xml, ppt/slides/ or
 * theme/theme/theme1.xml decide the family and the plain document type is
 * taken. Either way the file counts as macro-enabled when any member is
 * named vbaProject.bin or the content types mention vbaProject.
 *
 * Sandbox: ident_init() runs before the worker is forked and loads the
 * libmagic database; it also runs one tiny zip with a UTF-8 name through
 * libarchive so that glibc's iconv module cache, which libarchive's name
 * conversion opens on first use, is loaded before any seccomp filter is in
 * place. ident_buffer() itself only uses magic_buffer(), libarchive from
 * memory and its own bounds-checked parsing.
 *
 * libmagic compiles a regular expression the first time a test reaches it
 * and keeps it in the loaded set. A worker is a fresh fork that exits after
 * one job, so without priming every job compiled the same few hundred
 * expressions again (a fifth of a daemon job's CPU). ident_prime() runs
 * our own samples through magic_buffer() once so that the workers inherit
 * the compiled set; it costs ~5 ms and ~8 MiB, so only processes that fork
 * many workers (mugaid, a batch) call it.
 */
#include "ident.h"
#include "bytes.h"
#include "err.h"
#include "names.h"

#include <archive.h>
#include <archive_entry.h>
#include <magic.h>

#include <stdarg.h>
#include <stdbool.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* libmagic looks at no more than this many bytes. */
#define IDENT_MAGIC_BYTES (1u << 20)
/* Zip members whose headers are inspected; past this the verdict stands on what was seen. */
#define IDENT_ZIP_MAX_ENTRIES 20000u
/* [Content_Types].xml is a few KiB in practice. */
#define IDENT_ZIP_CT_MAX (256u * 1024u)
/* The ODF "mimetype" member. */
#define IDENT_ZIP_MIMETYPE_MAX 128u
/* OLE2 directory entries read (128 bytes each). */
#define IDENT_OLE_MAX_ENTRIES 4096u
/* Text inspected for content rules (HTA, shortcuts, XML root). */
#define IDENT_TEXT_MAX (1u << 20)

static magic_t ident_magic;

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static bool at(const uint8_t *d, size_t n, size_t off, const void *magic, size_t mlen)
{
    return off <= n && mlen <= n - off && memcmp(d + off, magic, mlen) == 0;
}

static void detail(struct ident *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void detail(struct ident *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
    va_end(ap);
}

enum ftype ident_ext_type(const char *name)
{
    return ftype_by_ext(name);
}

/* ------------------------------------------------------------------ */
/* libmagic MIME types                                                 */

struct mime_map {
    const char *mime;
    enum ftype type;
};

static const struct mime_map mime_table[] = {
        {"image/jpeg", FT_JPEG},
        {"image/png", FT_PNG},
        {"image/gif", FT_GIF},
        {"image/bmp", FT_BMP},
        {"image/x-ms-bmp", FT_BMP},
        {"image/tiff", FT_TIFF},
        {"image/webp", FT_WEBP},
        {"image/svg+xml", FT_SVG},
        {"application/pdf", FT_PDF},
        {"text/rtf", FT_RTF},
        {"application/rtf", FT_RTF},
        {"message/rfc822", FT_EML},
        {"application/msword", FT_DOC},
        {"application/vnd.ms-excel", FT_XLS},
        {"application/vnd.ms-powerpoint", FT_PPT},
        {"application/vnd.ms-outlook", FT_OLE2},
        {"application/x-ole-storage", FT_OLE2},
        {"application/CDFV2", FT_OLE2},
        {"application/x-ichitaro4", FT_JTD},
        {"application/x-ichitaro5", FT_JTD},
        {"application/x-ichitaro6", FT_JTD},
        {"application/zip", FT_ZIP},
        {"application/x-7z-compressed", FT_7Z},
        {"application/x-tar", FT_TAR},
        {"application/x-gtar", FT_TAR},
        {"application/x-ustar", FT_TAR},
        {"application/gzip", FT_GZIP},
        {"application/x-gzip", FT_GZIP},
        {"application/x-bzip2", FT_BZIP2},
        {"application/x-xz", FT_XZ},
        {"application/zstd", FT_ZSTD},
        {"application/x-lzh-compressed", FT_LZH},
        {"application/x-lha", FT_LZH},
        {"application/x-rar", FT_RAR},
        {"application/vnd.rar", FT_RAR},
        {"application/vnd.ms-cab-compressed", FT_CAB},
        {"application/x-cpio", FT_CPIO},
        {"application/vnd.ms-xpsdocument", FT_XPS},
        {"application/oxps", FT_OXPS},
        {"application/epub+zip", FT_EPUB},
        {"application/vnd.google-earth.kmz", FT_KMZ},
        {"application/vnd.oasis.opendocument.graphics", FT_ODG},
        {"application/vnd.oasis.opendocument.graphics-template", FT_OTG},
        {"application/vnd.oasis.opendocument.formula", FT_ODF_FORMULA},
        {"application/vnd.oasis.opendocument.database", FT_ODB},
        {"application/vnd.sun.xml.writer", FT_SUN_XML},
        {"application/vnd.sun.xml.calc", FT_SUN_XML},
        {"application/vnd.sun.xml.impress", FT_SUN_XML},
        {"application/vnd.sun.xml.draw", FT_SUN_XML},
        {"application/vnd.ms-visio.drawing.main+xml", FT_VSDX},
        /* programs and mountable images */
        {"application/x-dosexec", FT_PE},
        {"application/vnd.microsoft.portable-executable", FT_PE},
        {"application/x-ms-ne-executable", FT_PE},
        {"application/x-ms-w3-executable", FT_PE},
        {"application/x-ms-w4-executable", FT_PE},
        {"application/x-dosdriver", FT_PE},
        {"application/x-lx-executable", FT_PE},
        {"application/x-executable", FT_ELF},
        {"application/x-sharedlib", FT_ELF},
        {"application/x-pie-executable", FT_ELF},
        {"application/x-object", FT_ELF},
        {"application/x-coredump", FT_ELF},
        {"application/x-mach-binary", FT_MACHO},
        {"application/x-java-applet", FT_JAVA_CLASS},
        {"application/java-archive", FT_JAR},
        {"application/x-msi", FT_MSI},
        {"application/x-ms-shortcut", FT_LNK},
        {"application/vnd.ms-htmlhelp", FT_CHM},
        {"application/x-iso9660-image", FT_ISO},
        {"application/x-virtualbox-vhd", FT_VHD},
        {"application/msonenote", FT_ONENOTE},
        {"application/vnd.android.package-archive", FT_APK},
        {"application/x-chrome-extension", FT_BROWSER_EXT},
        {"application/x-xpinstall", FT_BROWSER_EXT},
        {"application/x-mswinurl", FT_SHORTCUT},
        {"application/x-sylk", FT_SHORTCUT},
        {"text/x-ms-scf", FT_SHORTCUT},
};

static enum ftype mime_type(const char *mime)
{
    for (size_t i = 0; i < sizeof(mime_table) / sizeof(mime_table[0]); i++)
        if (strcasecmp(mime_table[i].mime, mime) == 0)
            return mime_table[i].type;
    return FT_UNKNOWN;
}

static bool mime_is_text(const char *mime)
{
    static const char *const textual[] = {
            "application/json",       "application/javascript",
            "application/xml",        "application/x-setupscript",
            "application/x-mswinurl", "image/svg+xml",
            "message/rfc822",         "application/x-wine-extension-ini",
            "application/x-sylk",
    };
    if (strncasecmp(mime, "text/", 5) == 0)
        return true;
    for (size_t i = 0; i < sizeof(textual) / sizeof(textual[0]); i++)
        if (strcasecmp(mime, textual[i]) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* Programs and images by magic                                        */

static const uint8_t onenote_guid[16] = {0xE4, 0x52, 0x5C, 0x7B, 0x8C, 0xD8, 0xA7, 0x4D,
                                         0xAE, 0xB1, 0x53, 0x78, 0xD0, 0x29, 0x96, 0xD3};
/* {43FF2FA1-EFD9-4C76-9EE2-10EA5722765F}: OneNote table of contents (.onetoc2). */
static const uint8_t onetoc_guid[16] = {0xA1, 0x2F, 0xFF, 0x43, 0xD9, 0xEF, 0x76, 0x4C,
                                        0x9E, 0xE2, 0x10, 0xEA, 0x57, 0x22, 0x76, 0x5F};

static enum ftype ident_programs(const uint8_t *d, size_t n, struct ident *out)
{
    if (at(d, n, 0, "MZ", 2) || (at(d, n, 0, "ZM", 2) && n >= 0x40)) {
        uint32_t lfa = n >= 0x40 ? bytes_le32(d + 0x3C) : 0;
        if (lfa >= 2 && at(d, n, lfa, "PE\0\0", 4)) {
            detail(out, "MZ header, PE signature at 0x%x", (unsigned)lfa);
            return FT_PE;
        }
        if (d[0] == 'M') {
            detail(out, "MZ header (DOS executable)");
            return FT_PE;
        }
    }
    if (at(d, n, 0,
           "\x7f"
           "ELF",
           4)) {
        detail(out, "ELF header");
        return FT_ELF;
    }
    if (n >= 4) {
        uint32_t m = be32(d);
        if (m == 0xFEEDFACEu || m == 0xFEEDFACFu || m == 0xCEFAEDFEu || m == 0xCFFAEDFEu) {
            detail(out, "Mach-O header");
            return FT_MACHO;
        }
        if (m == 0xCAFEBABFu) {
            detail(out, "fat Mach-O header (64-bit)");
            return FT_MACHO;
        }
        if (m == 0xCAFEBABEu) {
            /* Java class files put minor/major version here, which is >= 45. */
            uint32_t v = n >= 8 ? be32(d + 4) : 0xFFFFFFFFu;
            if (v <= 30) {
                detail(out, "fat Mach-O header, %u architectures", (unsigned)v);
                return FT_MACHO;
            }
            if (n >= 8)
                detail(out, "Java class header, version %u.%u", (unsigned)(v & 0xFFFF),
                       (unsigned)(v >> 16));
            else
                detail(out, "Java class header (truncated)");
            return FT_JAVA_CLASS;
        }
    }
    if (at(d, n, 0, "\x4C\x00\x00\x00\x01\x14\x02\x00", 8)) {
        detail(out, "LNK header (shell link CLSID)");
        return FT_LNK;
    }
    /* A #! line and then a zip: a zip application its interpreter runs (python x.pyz). */
    if (at(d, n, 0, "#!", 2)) {
        const uint8_t *nl = memchr(d, '\n', n < 512 ? n : 512);
        if (nl != NULL && at(d, n, (size_t)(nl - d) + 1, "PK\x03\x04", 4)) {
            detail(out, "#! line followed by a zip (runnable zip application)");
            return FT_PYTHON_ZIP;
        }
    }
    /* Chrome extension: "Cr24", format version 2 or 3, then a zip. */
    if (at(d, n, 0, "Cr24", 4) && n >= 8 && (d[4] == 2 || d[4] == 3) && d[5] == 0 && d[6] == 0 &&
        d[7] == 0) {
        detail(out, "Cr24 header (Chrome extension, format %u)", (unsigned)d[4]);
        return FT_BROWSER_EXT;
    }
    if (at(d, n, 0, "ITSF", 4) && n >= 8 && d[5] == 0 && d[6] == 0 && d[7] == 0) {
        detail(out, "ITSF header (compiled HTML help), version %u", (unsigned)d[4]);
        return FT_CHM;
    }
    if (at(d, n, 0, "vhdxfile", 8)) {
        detail(out, "VHDX file identifier");
        return FT_VHDX;
    }
    if (at(d, n, 0, onenote_guid, 16) || at(d, n, 0, onetoc_guid, 16)) {
        detail(out, "OneNote file GUID");
        return FT_ONENOTE;
    }
    /* ISO 9660 and UDF volume recognition sequences start at sector 16 (2048-byte sectors). */
    static const char *const vsd[] = {"CD001", "BEA01", "NSR02", "NSR03", "TEA01"};
    for (size_t k = 0; k < 4; k++) {
        size_t off = 0x8001 + k * 0x800;
        for (size_t i = 0; i < sizeof(vsd) / sizeof(vsd[0]); i++)
            if (at(d, n, off, vsd[i], 5)) {
                detail(out, "%s volume descriptor at 0x%zx", vsd[i], off);
                return FT_ISO;
            }
    }
    if (at(d, n, 0, "conectix", 8)) {
        detail(out, "VHD footer copy at the start");
        return FT_VHD;
    }
    /* The footer is 512 bytes; disks made before Virtual PC 2004 have a 511-byte one. */
    if ((n >= 512 && at(d, n, n - 512, "conectix", 8)) ||
        (n >= 511 && at(d, n, n - 511, "conectix", 8))) {
        detail(out, "VHD footer at the end");
        return FT_VHD;
    }
    return FT_UNKNOWN;
}

/* ------------------------------------------------------------------ */
/* OLE2 compound files                                                 */

static const uint8_t ole_magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
/* {000C10xx-0000-0000-C000-000000000046}: 84 package (msi/msm), 86 patch, 82 transform. */
static const uint8_t msi_clsid_tail[14] = {0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0,
                                           0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};

#define OLE_NOSTREAM   0xFFFFFFFFu
#define OLE_MAXREGSECT 0xFFFFFFFAu

struct ole_dir {
    const uint8_t *e[IDENT_OLE_MAX_ENTRIES];
    uint32_t n;
};

/* Next sector in a chain, from the FAT sectors the header lists (no DIFAT sectors). */
static uint32_t ole_next(const uint8_t *d, size_t n, uint32_t shift, uint32_t sect)
{
    size_t ssz = (size_t)1 << shift;
    uint32_t per = (uint32_t)(ssz / 4);
    uint32_t idx = sect / per;
    if (idx >= 109)
        return OLE_NOSTREAM;
    uint32_t fs = bytes_le32(d + 0x4C + 4 * idx);
    if (fs > OLE_MAXREGSECT)
        return OLE_NOSTREAM;
    size_t off = ((size_t)fs + 1) * ssz + (size_t)(sect % per) * 4;
    if (off > n || n - off < 4)
        return OLE_NOSTREAM;
    return bytes_le32(d + off);
}

static void ole_read_dir(const uint8_t *d, size_t n, uint32_t shift, struct ole_dir *dir)
{
    size_t ssz = (size_t)1 << shift;
    uint32_t sect = bytes_le32(d + 0x30);
    dir->n = 0;
    /* Each step adds ssz/128 entries, so the entry cap also bounds a looping chain. */
    while (sect <= OLE_MAXREGSECT && dir->n < IDENT_OLE_MAX_ENTRIES) {
        size_t off = ((size_t)sect + 1) * ssz;
        if (off > n || n - off < ssz)
            break;
        for (size_t i = 0; i < ssz / 128 && dir->n < IDENT_OLE_MAX_ENTRIES; i++)
            dir->e[dir->n++] = d + off + i * 128;
        sect = ole_next(d, n, shift, sect);
    }
}

/* Compare an entry's UTF-16LE name with ASCII s, ignoring ASCII case; prefix allows a longer name.
 */
static bool ole_name_is(const uint8_t *e, const char *s, bool prefix)
{
    size_t nb = bytes_le16(e + 0x40);
    if (nb < 2 || nb > 64)
        return false;
    size_t chars = nb / 2 - 1, sl = strlen(s);
    if (prefix ? chars < sl : chars != sl)
        return false;
    for (size_t i = 0; i < sl; i++) {
        uint16_t c = bytes_le16(e + 2 * i);
        if (c > 0x7F)
            return false;
        char a = (char)c, b = s[i];
        if (a >= 'a' && a <= 'z')
            a = (char)(a - 32);
        if (b >= 'a' && b <= 'z')
            b = (char)(b - 32);
        if (a != b)
            return false;
    }
    return true;
}

enum ole_seen {
    OLE_WORD = 1 << 0,
    OLE_EXCEL = 1 << 1,
    OLE_PPT = 1 << 2,
    OLE_JSRV = 1 << 3,
    OLE_OUTLOOK = 1 << 4,
    OLE_ENCRYPTED = 1 << 5,
};

/* Names of the entries directly under the root storage (its child's sibling tree). */
static unsigned ole_root_names(const struct ole_dir *dir)
{
    unsigned seen = 0;
    /* Each entry is visited once and pushes at most two more. */
    size_t sp = 0, cap = 2 * (size_t)dir->n + 1;
    uint32_t *stack = malloc(cap * sizeof(*stack));
    uint8_t *visited = calloc(dir->n ? dir->n : 1, 1);
    if (stack == NULL || visited == NULL) {
        free(stack);
        free(visited);
        return 0;
    }
    uint32_t first = bytes_le32(dir->e[0] + 0x4C);
    if (first < dir->n)
        stack[sp++] = first;
    while (sp > 0) {
        uint32_t i = stack[--sp];
        if (i >= dir->n || visited[i])
            continue;
        visited[i] = 1;
        const uint8_t *e = dir->e[i];
        uint8_t type = e[0x42];
        if (type == 2) {
            if (ole_name_is(e, "WordDocument", false))
                seen |= OLE_WORD;
            if (ole_name_is(e, "Workbook", false) || ole_name_is(e, "Book", false))
                seen |= OLE_EXCEL;
            if (ole_name_is(e, "PowerPoint Document", false))
                seen |= OLE_PPT;
            if (ole_name_is(e, "EncryptedPackage", false))
                seen |= OLE_ENCRYPTED;
            if (ole_name_is(e, "__properties_version1.0", false))
                seen |= OLE_OUTLOOK;
        }
        if (type == 1 && ole_name_is(e, "__nameid_version1.0", false))
            seen |= OLE_OUTLOOK;
        if ((type == 1 || type == 2) && ole_name_is(e, "JSRV_", true))
            seen |= OLE_JSRV;
        uint32_t l = bytes_le32(e + 0x44), r = bytes_le32(e + 0x48);
        if (l < dir->n && !visited[l] && sp < cap)
            stack[sp++] = l;
        if (r < dir->n && !visited[r] && sp < cap)
            stack[sp++] = r;
    }
    free(stack);
    free(visited);
    return seen;
}

static enum ftype ident_ole2(const uint8_t *d, size_t n, struct ident *out)
{
    if (!at(d, n, 0, ole_magic, 8))
        return FT_UNKNOWN;
    enum ftype t = FT_UNKNOWN;
    struct ole_dir *dir = NULL;
    uint16_t shift = n >= 512 ? bytes_le16(d + 0x1E) : 0;
    if (shift != 9 && shift != 12) {
        detail(out, "OLE2 header with a bad sector size");
        goto fallback;
    }
    dir = malloc(sizeof(*dir));
    if (dir == NULL)
        goto fallback;
    ole_read_dir(d, n, shift, dir);
    if (dir->n == 0 || dir->e[0][0x42] != 5) {
        detail(out, "OLE2 without a readable root entry");
        goto fallback;
    }
    const uint8_t *clsid = dir->e[0] + 0x50;
    if ((clsid[0] == 0x84 || clsid[0] == 0x86 || clsid[0] == 0x82) && clsid[1] == 0x10 &&
        memcmp(clsid + 2, msi_clsid_tail, sizeof(msi_clsid_tail)) == 0) {
        detail(out, "OLE2 with Windows Installer root CLSID {000C10%02X-...}", clsid[0]);
        t = FT_MSI;
        goto out;
    }
    unsigned seen = ole_root_names(dir);
    unsigned office = seen & (OLE_WORD | OLE_EXCEL | OLE_PPT);
    if (seen & OLE_ENCRYPTED) {
        detail(out, "OLE2 holding EncryptedPackage (encrypted OOXML)");
        t = FT_OLE2;
    } else if (office != 0 && (office & (office - 1)) != 0) {
        detail(out, "OLE2 holding streams of more than one Office application");
        t = FT_OLE2;
    } else if (office == OLE_WORD) {
        detail(out, "OLE2 holding a WordDocument stream");
        t = FT_DOC;
    } else if (office == OLE_EXCEL) {
        detail(out, "OLE2 holding a Workbook stream");
        t = FT_XLS;
    } else if (office == OLE_PPT) {
        detail(out, "OLE2 holding a PowerPoint Document stream");
        t = FT_PPT;
    } else if (seen & OLE_JSRV) {
        detail(out, "OLE2 holding JSRV_ streams (Ichitaro)");
        t = FT_JTD;
    } else if (seen & OLE_OUTLOOK) {
        detail(out, "OLE2 holding Outlook message properties");
        t = FT_OLE2;
    }
    if (t != FT_UNKNOWN)
        goto out;
fallback:
    t = mime_type(out->mime);
    if (t == FT_DOC || t == FT_XLS || t == FT_PPT || t == FT_MSI || t == FT_JTD) {
        detail(out, "OLE2, libmagic: %s", out->mime);
    } else {
        if (out->detail[0] == '\0')
            detail(out, "OLE2 compound file of no known application");
        t = FT_OLE2;
    }
out:
    free(dir);
    return t;
}

/* ------------------------------------------------------------------ */
/* Zip: which application a package belongs to                         */

/*
 * Only plain zips are archives. A zip whose members say it belongs to an
 * application (an Office Open XML or other OPC package, an OpenDocument,
 * EPUB or other "mimetype" package, a KMZ map, an installer, an add-in, a
 * program) gets a type of its own, so that it is held as what it is and
 * never unpacked and released as an archive of its parts.
 */
struct zipscan {
    unsigned entries;
    bool capped, broken;
    /* OPC: Office Open XML, Visio, XPS, and the markers of the others */
    bool content_types, opc_rels, word, xl, xlsb, ppt, slides, visio, theme, vba, xps_part;
    /* programs and add-ins */
    bool manifest, klass, web_inf, ear, appx, android, aab, vsix, nuspec, psmdcp, pymain, pydist,
            xpi;
    bool kml;
    bool first_mimetype; /* the first local header is "mimetype" (ODF, EPUB, UCF rule) */
    bool have_mimetype;
    char mimetype[IDENT_ZIP_MIMETYPE_MAX + 1];
    char *ct, *rels;
    size_t ct_len, rels_len;
};

static const char *member_trim(const char *name)
{
    while (*name == '/' || *name == '\\')
        name++;
    return name;
}

static char lower_ascii(char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* Compare a member name with s, ignoring case, leading slashes and '\\' vs '/'. */
static bool member_is(const char *name, const char *s)
{
    name = member_trim(name);
    for (; *name && *s; name++, s++) {
        char a = *name == '\\' ? '/' : *name;
        if (lower_ascii(a) != lower_ascii(*s))
            return false;
    }
    return *name == '\0' && *s == '\0';
}

/* Whether a member name starts with the folder prefix (as member_is compares). */
static bool member_under(const char *name, const char *prefix)
{
    name = member_trim(name);
    for (; *prefix; name++, prefix++) {
        char a = *name == '\\' ? '/' : *name;
        if (a == '\0' || lower_ascii(a) != lower_ascii(*prefix))
            return false;
    }
    return true;
}

/* Whether a member sits at the root of the package, in no folder. */
static bool member_at_root(const char *name)
{
    name = member_trim(name);
    return strchr(name, '/') == NULL && strchr(name, '\\') == NULL;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* "NAME.dist-info/WHEEL" at the root: a Python wheel. */
static bool member_is_wheel_tag(const char *name)
{
    name = member_trim(name);
    const char *slash = strpbrk(name, "/\\");
    if (slash == NULL || (size_t)(slash - name) <= 10)
        return false;
    return strncasecmp(slash - 10, ".dist-info", 10) == 0 && member_is(slash + 1, "WHEEL");
}

/*
 * OPC lets a part be stored as pieces, "PART/[0].piece" ... "PART/[n].last.piece"
 * (XPS writers use it): the name of the part a piece belongs to, copied
 * into buf; name itself when it is no piece or the part name does not fit.
 */
static const char *member_piece_owner(const char *name, char *buf, size_t cap)
{
    const char *slash = strrchr(name, '/');
    if (slash == NULL || slash[1] != '[' || !ends_with_ci(slash, ".piece") ||
        (size_t)(slash - name) >= cap)
        return name;
    memcpy(buf, name, (size_t)(slash - name));
    buf[slash - name] = '\0';
    return buf;
}

/* Read at most max bytes of the current member; returns bytes read, -1 on error. */
static long zip_read_member(struct archive *a, char *dst, size_t max)
{
    size_t got = 0;
    while (got < max) {
        la_ssize_t r = archive_read_data(a, dst + got, max - got);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (long)got;
}

/* The current member into a new NUL-terminated buffer of at most IDENT_ZIP_CT_MAX bytes. */
static void zip_read_capped(struct archive *a, char **dst, size_t *len)
{
    *dst = malloc(IDENT_ZIP_CT_MAX + 1);
    if (*dst == NULL)
        return;
    long got = zip_read_member(a, *dst, IDENT_ZIP_CT_MAX);
    *len = got > 0 ? (size_t)got : 0;
    (*dst)[*len] = '\0';
}

/* Markers of Office Open XML and the other OPC packages. */
static void zip_note_opc(struct zipscan *z, const char *n)
{
    if (member_is(n, "[Content_Types].xml"))
        z->content_types = true;
    else if (member_is(n, "_rels/.rels"))
        z->opc_rels = true;
    else if (member_is(n, "word/document.xml"))
        z->word = true;
    else if (member_is(n, "xl/workbook.xml"))
        z->xl = true;
    else if (member_is(n, "xl/workbook.bin"))
        z->xlsb = true;
    else if (member_is(n, "ppt/presentation.xml"))
        z->ppt = true;
    else if (member_is(n, "visio/document.xml"))
        z->visio = true;
    else if (member_is(n, "theme/theme/theme1.xml"))
        z->theme = true;
    if (member_under(n, "ppt/slides/"))
        z->slides = true;
    if (ends_with_ci(n, ".fdseq") || ends_with_ci(n, ".fdoc") || ends_with_ci(n, ".fpage"))
        z->xps_part = true;
    if (member_at_root(n) && ends_with_ci(n, ".nuspec"))
        z->nuspec = true;
    if (member_under(n, "package/services/metadata/core-properties/"))
        z->psmdcp = true;
    if (ends_with_ci(n, "vbaProject.bin"))
        z->vba = true;
}

/* Markers of programs: Java, Android, Windows packages, extensions, Python. */
static void zip_note_program(struct zipscan *z, const char *n)
{
    if (member_is(n, "META-INF/MANIFEST.MF"))
        z->manifest = true;
    else if (member_is(n, "META-INF/application.xml"))
        z->ear = true;
    else if (member_is(n, "WEB-INF/web.xml") || member_under(n, "WEB-INF/classes/") ||
             member_under(n, "WEB-INF/lib/"))
        z->web_inf = true;
    else if (member_is(n, "AppxManifest.xml") || member_is(n, "AppxBlockMap.xml") ||
             member_is(n, "AppxSignature.p7x") ||
             member_is(n, "AppxMetadata/AppxBundleManifest.xml"))
        z->appx = true;
    else if (member_is(n, "AndroidManifest.xml") || member_is(n, "classes.dex"))
        z->android = true;
    else if (member_is(n, "BundleConfig.pb") || member_is(n, "base/manifest/AndroidManifest.xml"))
        z->aab = true;
    else if (member_is(n, "extension.vsixmanifest"))
        z->vsix = true;
    else if (member_is(n, "install.rdf") || member_is(n, "META-INF/mozilla.rsa") ||
             member_is(n, "META-INF/mozilla.sf"))
        z->xpi = true;
    else if (member_is(n, "__main__.py") || member_is(n, "__main__.pyc"))
        z->pymain = true;
    else if (member_is(n, "EGG-INFO/PKG-INFO") || member_is_wheel_tag(n))
        z->pydist = true;
    if (ends_with_ci(n, ".class"))
        z->klass = true;
}

/* Record what a member name says about the package. */
static void zip_note_name(struct zipscan *z, const char *p)
{
    char buf[512];
    const char *n = member_piece_owner(p, buf, sizeof(buf));
    zip_note_opc(z, n);
    zip_note_program(z, n);
    /* Google Earth opens the first .kml at the root of a zip as the map. */
    if (member_at_root(n) && ends_with_ci(n, ".kml"))
        z->kml = true;
}

/*
 * The number of entries the end-of-central-directory record announces
 * (zip64 aware); 0 when there is none. libarchive's seekable reader loads
 * the whole central directory at once, so a huge count is refused before.
 */
static uint64_t zip_eocd_entries(const uint8_t *d, size_t n)
{
    if (n < 22)
        return 0;
    size_t lo = n - 22 > 65535 ? n - 22 - 65535 : 0;
    for (size_t off = n - 22 + 1; off-- > lo;) {
        if (!at(d, n, off, "PK\x05\x06", 4))
            continue;
        uint64_t total = bytes_le16(d + off + 10);
        if (total == 0xFFFF && off >= 20 && at(d, n, off - 20, "PK\x06\x07", 4)) {
            uint64_t z64 = bytes_le64(d + off - 20 + 8);
            if (z64 <= n - 56 && n >= 56 && at(d, n, (size_t)z64, "PK\x06\x06", 4))
                total = bytes_le64(d + z64 + 32);
        }
        return total;
    }
    return 0;
}

/*
 * The central directory, through libarchive's seekable reader (what Office
 * and Java read). Reads the data of [Content_Types].xml and mimetype, capped.
 */
static void zip_central_pass(const uint8_t *d, size_t n, struct zipscan *z)
{
    struct archive *a = archive_read_new();
    if (a == NULL) {
        z->broken = true;
        return;
    }
    archive_read_support_format_zip_seekable(a);
    if (archive_read_open_memory(a, d, n) != ARCHIVE_OK) {
        z->broken = true;
        goto out;
    }
    for (unsigned seen = 0;; seen++) {
        if (seen >= IDENT_ZIP_MAX_ENTRIES) {
            z->capped = true;
            break;
        }
        struct archive_entry *e;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            z->broken = true;
            break;
        }
        if (seen >= z->entries)
            z->entries = seen + 1;
        const char *p = archive_entry_pathname(e);
        if (p == NULL)
            p = archive_entry_pathname_utf8(e);
        if (p == NULL)
            continue;
        zip_note_name(z, p);
        if (archive_entry_is_encrypted(e))
            continue;
        if (member_is(p, "[Content_Types].xml") && z->ct == NULL) {
            zip_read_capped(a, &z->ct, &z->ct_len);
        } else if (member_is(p, "_rels/.rels") && z->rels == NULL) {
            zip_read_capped(a, &z->rels, &z->rels_len);
        } else if (member_is(p, "mimetype") && !z->have_mimetype) {
            long got = zip_read_member(a, z->mimetype, IDENT_ZIP_MIMETYPE_MAX);
            if (got > 0) {
                z->mimetype[got] = '\0';
                z->have_mimetype = true;
            }
        }
    }
out:
    archive_read_free(a);
}

/* The next local, central or descriptor signature at or after off; n if none. */
static size_t zip_next_sig(const uint8_t *d, size_t n, size_t off)
{
    while (off + 4 <= n) {
        const uint8_t *p = memchr(d + off, 'P', n - off);
        if (p == NULL)
            return n;
        off = (size_t)(p - d);
        if (off + 4 <= n && p[1] == 'K' &&
            ((p[2] == 3 && p[3] == 4) || (p[2] == 1 && p[3] == 2) || (p[2] == 7 && p[3] == 8)))
            return off;
        off++;
    }
    return n;
}

/*
 * The local headers, walked front to back as a streaming extractor would.
 * Linear in the input and decompresses nothing: where a header does not
 * give the compressed size (data descriptor), the walk resumes at the next
 * signature.
 */
static void zip_local_pass(const uint8_t *d, size_t n, struct zipscan *z)
{
    size_t off = 0;
    unsigned seen = 0;
    while (off + 30 <= n) {
        if (seen >= IDENT_ZIP_MAX_ENTRIES) {
            z->capped = true;
            break;
        }
        if (at(d, n, off, "PK\x07\x08", 4) || at(d, n, off, "PK00", 4)) {
            off = zip_next_sig(d, n, off + 4);
            continue;
        }
        if (!at(d, n, off, "PK\x03\x04", 4))
            break;
        seen++;
        uint16_t flags = bytes_le16(d + off + 6);
        uint64_t csize = bytes_le32(d + off + 18);
        size_t nlen = bytes_le16(d + off + 26), xlen = bytes_le16(d + off + 28);
        size_t body = off + 30 + nlen + xlen;
        if (body > n)
            break;
        char name[1024];
        size_t cl = nlen < sizeof(name) - 1 ? nlen : sizeof(name) - 1;
        memcpy(name, d + off + 30, cl);
        name[cl] = '\0';
        zip_note_name(z, name);
        if (seen == 1 && member_is(name, "mimetype"))
            z->first_mimetype = true;
        bool known = (flags & 0x08) == 0;
        if (csize == 0xFFFFFFFFu) {
            known = false;
            /* Zip64 extra field: original size, then compressed size. */
            const uint8_t *x = d + off + 30 + nlen, *xe = x + xlen;
            while (xe - x >= 4) {
                uint16_t id = bytes_le16(x), sz = bytes_le16(x + 2);
                if ((size_t)(xe - x - 4) < sz)
                    break;
                if (id == 1 && sz >= 16) {
                    csize = bytes_le64(x + 12);
                    known = (flags & 0x08) == 0;
                    break;
                }
                x += 4 + sz;
            }
        }
        /* OpenDocument and EPUB store it uncompressed; the central pass may have failed. */
        if (!z->have_mimetype && known && bytes_le16(d + off + 8) == 0 &&
            csize <= IDENT_ZIP_MIMETYPE_MAX && csize <= n - body && member_is(name, "mimetype")) {
            memcpy(z->mimetype, d + body, (size_t)csize);
            z->mimetype[csize] = '\0';
            z->have_mimetype = csize > 0;
        }
        if (known && csize <= n - body)
            off = body + (size_t)csize;
        else
            off = zip_next_sig(d, n, body);
    }
    if (seen > z->entries)
        z->entries = seen;
}

struct opc_main {
    const char *content_type;
    enum ftype type;
};

/* Content types that only a package's main part has. */
static const struct opc_main opc_mains[] = {
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
         FT_DOCX},
        {"application/vnd.ms-word.document.macroEnabled.main+xml", FT_DOCM},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
         FT_DOTX},
        {"application/vnd.ms-word.template.macroEnabledTemplate.main+xml", FT_DOTM},
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", FT_XLSX},
        {"application/vnd.ms-excel.sheet.macroEnabled.main+xml", FT_XLSM},
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml", FT_XLTX},
        {"application/vnd.ms-excel.template.macroEnabled.main+xml", FT_XLTM},
        {"application/vnd.ms-excel.sheet.binary.macroEnabled.main", FT_XLSB},
        {"application/vnd.ms-excel.addin.macroEnabled.main+xml", FT_XLAM},
        {"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
         FT_PPTX},
        {"application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml", FT_PPTM},
        {"application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml",
         FT_PPSX},
        {"application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml", FT_PPSM},
        {"application/vnd.openxmlformats-officedocument.presentationml.template.main+xml", FT_POTX},
        {"application/vnd.ms-powerpoint.template.macroEnabled.main+xml", FT_POTM},
        {"application/vnd.ms-powerpoint.addin.macroEnabled.main+xml", FT_PPAM},
        {"application/vnd.ms-powerpoint.slide.macroEnabled.main+xml", FT_SLDM},
        {"application/vnd.ms-visio.drawing.main+xml", FT_VSDX},
        {"application/vnd.ms-visio.drawing.macroEnabled.main+xml", FT_VSDM},
        {"application/vnd.ms-visio.stencil.main+xml", FT_VSSX},
        {"application/vnd.ms-visio.stencil.macroEnabled.main+xml", FT_VSSM},
        {"application/vnd.ms-visio.template.main+xml", FT_VSTX},
        {"application/vnd.ms-visio.template.macroEnabled.main+xml", FT_VSTM},
};

/* The value of attribute name in the element text [p, end), into v (capped); false if absent. */
static bool xml_attr(const char *p, const char *end, const char *name, char *v, size_t vlen)
{
    size_t nl = strlen(name);
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
            p++;
        const char *an = p;
        while (p < end && *p != '=' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' &&
               *p != '/' && *p != '>')
            p++;
        size_t al = (size_t)(p - an);
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
            p++;
        if (p >= end || *p != '=') {
            if (p < end)
                p++;
            continue;
        }
        p++;
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
            p++;
        if (p >= end || (*p != '"' && *p != '\''))
            continue;
        char q = *p++;
        const char *vs = p;
        while (p < end && *p != q)
            p++;
        if (p >= end)
            return false;
        size_t vl = (size_t)(p - vs);
        p++;
        if (al == nl && strncmp(an, name, nl) == 0) {
            if (vl >= vlen)
                vl = vlen - 1;
            memcpy(v, vs, vl);
            v[vl] = '\0';
            return true;
        }
    }
    return false;
}

/*
 * The first <Override> in [Content_Types].xml whose ContentType is a known
 * main-part type, or an add-in's wherever it is (between two readings the
 * stricter one); FT_UNKNOWN if none. part gets its PartName.
 */
static enum ftype opc_main_from_ct(const char *ct, size_t len, char *part, size_t partlen)
{
    enum ftype found = FT_UNKNOWN;
    size_t i = 0;
    while (i < len && !ftype_is_executable(found)) {
        const char *lt = memchr(ct + i, '<', len - i);
        if (lt == NULL)
            break;
        size_t ns = (size_t)(lt - ct) + 1, ne = ns;
        while (ne < len && ct[ne] != ' ' && ct[ne] != '\t' && ct[ne] != '\r' && ct[ne] != '\n' &&
               ct[ne] != '/' && ct[ne] != '>')
            ne++;
        size_t local = ns;
        for (size_t c = ns; c < ne; c++)
            if (ct[c] == ':')
                local = c + 1;
        const char *gt = ne < len ? memchr(ct + ne, '>', len - ne) : NULL;
        if (gt == NULL)
            break;
        char type[160];
        if (ne - local == 8 && strncmp(ct + local, "Override", 8) == 0 &&
            xml_attr(ct + ne, gt, "ContentType", type, sizeof(type))) {
            for (size_t k = 0; k < sizeof(opc_mains) / sizeof(opc_mains[0]); k++) {
                enum ftype t = opc_mains[k].type;
                if (strcasecmp(type, opc_mains[k].content_type) != 0 ||
                    (found != FT_UNKNOWN && !ftype_is_executable(t)))
                    continue;
                found = t;
                if (!xml_attr(ct + ne, gt, "PartName", part, partlen))
                    part[0] = '\0';
            }
        }
        i = (size_t)(gt - ct) + 1;
    }
    return found;
}

static enum ftype opc_macro_variant(enum ftype t)
{
    static const enum ftype pairs[][2] = {
            {FT_DOCX, FT_DOCM}, {FT_DOTX, FT_DOTM}, {FT_XLSX, FT_XLSM}, {FT_XLTX, FT_XLTM},
            {FT_PPTX, FT_PPTM}, {FT_PPSX, FT_PPSM}, {FT_POTX, FT_POTM}, {FT_SLDX, FT_SLDM},
            {FT_VSDX, FT_VSDM}, {FT_VSSX, FT_VSSM}, {FT_VSTX, FT_VSTM},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        if (pairs[i][0] == t)
            return pairs[i][1];
    return t;
}

/* Every OpenDocument kind; one not listed (a later version's) is FT_ODF_OTHER. */
static enum ftype odf_type(const char *mt)
{
    static const struct mime_map odf[] = {
            {"application/vnd.oasis.opendocument.text", FT_ODT},
            {"application/vnd.oasis.opendocument.spreadsheet", FT_ODS},
            {"application/vnd.oasis.opendocument.presentation", FT_ODP},
            {"application/vnd.oasis.opendocument.text-template", FT_OTT},
            {"application/vnd.oasis.opendocument.spreadsheet-template", FT_OTS},
            {"application/vnd.oasis.opendocument.presentation-template", FT_OTP},
            {"application/vnd.oasis.opendocument.graphics", FT_ODG},
            {"application/vnd.oasis.opendocument.graphics-template", FT_OTG},
            {"application/vnd.oasis.opendocument.formula", FT_ODF_FORMULA},
            {"application/vnd.oasis.opendocument.formula-template", FT_ODF_FORMULA},
            {"application/vnd.oasis.opendocument.base", FT_ODB},
            {"application/vnd.oasis.opendocument.database", FT_ODB},
    };
    for (size_t i = 0; i < sizeof(odf) / sizeof(odf[0]); i++)
        if (strcmp(mt, odf[i].mime) == 0)
            return odf[i].type;
    return FT_ODF_OTHER;
}

static bool zip_magic(const uint8_t *d, size_t n)
{
    return at(d, n, 0, "PK\x03\x04", 4) || at(d, n, 0, "PK\x05\x06", 4) ||
           at(d, n, 0, "PK00PK\x03\x04", 8) || at(d, n, 0, "PK\x07\x08PK\x03\x04", 8);
}

/* Programs and packages of programs, by the members that make them so. */
static enum ftype zip_program(const struct zipscan *z, struct ident *out, const char *note)
{
    if (z->appx) {
        detail(out, "zip holding AppxManifest.xml, AppxBlockMap.xml or a bundle manifest%s", note);
        return FT_APPX;
    }
    if (z->android || z->aab) {
        detail(out, "zip holding %s%s",
               z->aab ? "BundleConfig.pb or base/manifest/AndroidManifest.xml (App Bundle)"
                      : "AndroidManifest.xml or classes.dex at its root",
               note);
        return FT_APK;
    }
    if (z->vsix) {
        detail(out, "zip holding extension.vsixmanifest%s", note);
        return FT_VSIX;
    }
    /* A .nuspec alone could be a project folder; with OPC parts it is a package. */
    if (z->nuspec && (z->content_types || z->psmdcp)) {
        detail(out, "OPC zip holding a .nuspec manifest at its root%s", note);
        return FT_NUGET;
    }
    if (z->xpi) {
        detail(out, "zip holding install.rdf or a META-INF/mozilla signature (XPI)%s", note);
        return FT_BROWSER_EXT;
    }
    if (z->pymain || z->pydist) {
        detail(out, "zip holding %s%s",
               z->pymain ? "__main__.py at its root (python runs it)"
                         : "a wheel or egg description (NAME.dist-info/WHEEL, EGG-INFO/PKG-INFO)",
               note);
        return FT_PYTHON_ZIP;
    }
    if (z->manifest || z->klass || z->web_inf || z->ear) {
        detail(out, "zip holding %s%s",
               z->manifest  ? "META-INF/MANIFEST.MF"
               : z->klass   ? "a .class member"
               : z->web_inf ? "WEB-INF/ code (Java web application, WAR)"
                            : "META-INF/application.xml (Java enterprise application, EAR)",
               note);
        return FT_JAR;
    }
    return FT_UNKNOWN;
}

/* Without a known main-part content type: the family by a main part's name. */
static const char *zip_opc_by_names(const struct zipscan *z, enum ftype *t)
{
    const struct {
        bool seen;
        enum ftype type;
        const char *how;
    } by_name[] = {
            {z->word, FT_DOCX, "word/document.xml"},
            {z->xlsb, FT_XLSB, "xl/workbook.bin"},
            {z->xl, FT_XLSX, "xl/workbook.xml"},
            {z->ppt, FT_PPTX, "ppt/presentation.xml"},
            {z->visio, FT_VSDX, "visio/document.xml"},
            {z->slides, FT_SLDX, "ppt/slides/ without a presentation"},
            {z->theme, FT_THMX, "theme/theme/theme1.xml"},
    };
    for (size_t i = 0; i < sizeof(by_name) / sizeof(by_name[0]); i++)
        if (by_name[i].seen) {
            *t = by_name[i].type;
            return by_name[i].how;
        }
    *t = FT_UNKNOWN;
    return NULL;
}

/*
 * Office Open XML and Visio: the main part's content type decides document,
 * template, slide show, add-in and macro-enabled; without one, the member
 * names of a main part decide the family and the plain type is taken.
 * Either way the file counts as macro-enabled when any member is named
 * vbaProject.bin or the content types mention vbaProject. FT_UNKNOWN when
 * neither says anything.
 */
static enum ftype zip_opc(const struct zipscan *z, struct ident *out, const char *note)
{
    char part[128] = "";
    enum ftype t = z->ct ? opc_main_from_ct(z->ct, z->ct_len, part, sizeof(part)) : FT_UNKNOWN;
    bool vba = z->vba || (z->ct && strstr(z->ct, "vbaProject") != NULL);
    const char *how = "main part content type";
    if (t == FT_UNKNOWN)
        how = zip_opc_by_names(z, &t);
    if (t == FT_UNKNOWN)
        return FT_UNKNOWN;
    enum ftype m = vba ? opc_macro_variant(t) : t;
    detail(out, "zip, %s%s%s%s%s: %s", how, part[0] ? " " : "", part, vba ? ", macro-enabled" : "",
           note, ftype_info(m)->name);
    return m;
}

/* XPS and OpenXPS: the same content types; the start relationship tells them apart. */
static enum ftype zip_xps(const struct zipscan *z, struct ident *out, const char *note)
{
    bool oxps = z->rels && strstr(z->rels, "schemas.openxps.org/oxps/v1.0/fixedrepresentation");
    bool xps = z->rels && strstr(z->rels, "schemas.microsoft.com/xps/2005/06/fixedrepresentation");
    bool ct = z->ct && strcasestr(z->ct, "xps-fixeddocumentsequence") != NULL;
    if (!oxps && !xps && !ct && !z->xps_part)
        return FT_UNKNOWN;
    detail(out, "zip with %s%s",
           oxps  ? "an OpenXPS fixed-representation relationship"
           : xps ? "an XPS fixed-representation relationship"
                 : "XPS fixed document parts",
           note);
    return oxps && !xps ? FT_OXPS : FT_XPS;
}

/* Whether s reads as a MIME type: type/subtype in printable ASCII without spaces. */
static bool mime_like(const char *s)
{
    const char *slash = strchr(s, '/');
    if (slash == NULL || slash == s || slash[1] == '\0')
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7F)
            return false;
    return true;
}

/*
 * Packages that name their kind in a "mimetype" member: OpenDocument,
 * OpenOffice.org 1.x, EPUB; any other MIME type in a first member named
 * "mimetype" (the convention those formats share) is a package of an
 * application Mugai does not know.
 */
static enum ftype zip_mimetype(struct zipscan *z, struct ident *out, const char *note)
{
    if (!z->have_mimetype)
        return FT_UNKNOWN;
    /* Strip trailing white space some writers add. */
    size_t ml = strlen(z->mimetype);
    while (ml > 0 && (z->mimetype[ml - 1] == '\n' || z->mimetype[ml - 1] == '\r' ||
                      z->mimetype[ml - 1] == ' '))
        z->mimetype[--ml] = '\0';
    const char *mt = z->mimetype;
    enum ftype t = FT_UNKNOWN;
    if (strncasecmp(mt, "application/vnd.oasis.opendocument.", 35) == 0)
        t = odf_type(mt);
    else if (strcasecmp(mt, "application/epub+zip") == 0)
        t = FT_EPUB;
    else if (strncasecmp(mt, "application/vnd.sun.xml.", 24) == 0)
        t = FT_SUN_XML;
    else if (z->first_mimetype && mime_like(mt))
        t = FT_PACKAGE;
    if (t != FT_UNKNOWN)
        detail(out, "zip with mimetype %.100s%s", mt, note);
    return t;
}

static enum ftype ident_zip(const uint8_t *d, size_t n, struct ident *out)
{
    if (!zip_magic(d, n))
        return FT_UNKNOWN;
    struct zipscan z;
    memset(&z, 0, sizeof(z));
    /* The central directory and the local headers can disagree: take what either shows. */
    if (zip_eocd_entries(d, n) > IDENT_ZIP_MAX_ENTRIES)
        z.capped = true;
    else
        zip_central_pass(d, n, &z);
    zip_local_pass(d, n, &z);
    const char *note = z.capped ? ", member list capped" : z.broken ? ", damaged" : "";
    bool opc = z.content_types || z.opc_rels;

    /*
     * Programs first, whatever else the zip holds; then an OPC add-in;
     * then a "mimetype" package before an OPC document (the order
     * OpenDocument detection always had); then the rest of OPC.
     */
    enum ftype t = zip_program(&z, out, note), office = FT_UNKNOWN;
    char office_detail[sizeof(out->detail)] = "";
    if (t == FT_UNKNOWN && opc) {
        office = zip_opc(&z, out, note);
        snprintf(office_detail, sizeof(office_detail), "%s", out->detail);
        if (ftype_is_executable(office))
            t = office;
    }
    if (t == FT_UNKNOWN)
        t = zip_mimetype(&z, out, note);
    if (t == FT_UNKNOWN && office != FT_UNKNOWN) {
        t = office;
        detail(out, "%s", office_detail);
    }
    if (t == FT_UNKNOWN)
        t = zip_xps(&z, out, note);
    if (t == FT_UNKNOWN && opc) {
        detail(out,
               "zip with [Content_Types].xml or _rels/.rels but no main part of a type Mugai "
               "rebuilds%s",
               note);
        t = FT_OPC;
    }
    if (t == FT_UNKNOWN && z.kml) {
        detail(out, "zip holding a .kml file at its root (KMZ)%s", note);
        t = FT_KMZ;
    }
    if (t == FT_UNKNOWN) {
        detail(out, "zip archive, %u members seen%s", z.entries, note);
        t = FT_ZIP;
    }
    free(z.ct);
    free(z.rels);
    return t;
}

/* ------------------------------------------------------------------ */
/* Other formats by magic                                              */

/*
 * ASCII cpio: the magic alone ("070701" could start a line of numbers) is
 * not enough; the whole header must be hex (newc, crc: 110 bytes) or octal
 * (odc: 76 bytes) digits.
 */
static bool cpio_ascii_header(const uint8_t *d, size_t n)
{
    bool newc = at(d, n, 0, "070701", 6) || at(d, n, 0, "070702", 6);
    bool odc = at(d, n, 0, "070707", 6);
    size_t hl = newc ? 110 : 76;
    if ((!newc && !odc) || n < hl)
        return false;
    for (size_t i = 6; i < hl; i++) {
        uint8_t c = d[i];
        bool ok =
                newc ? ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'))
                     : (c >= '0' && c <= '7');
        if (!ok)
            return false;
    }
    return true;
}

static enum ftype ident_formats(const uint8_t *d, size_t n, struct ident *out)
{
    static const struct {
        size_t off;
        const char *magic;
        size_t len;
        enum ftype type;
        const char *what;
    } tab[] = {
            {0, "7z\xBC\xAF\x27\x1C", 6, FT_7Z, "7-Zip signature"},
            {0, "\x1F\x8B", 2, FT_GZIP, "gzip magic"},
            {0,
             "\xFD"
             "7zXZ\x00",
             6, FT_XZ, "xz magic"},
            {0, "\x28\xB5\x2F\xFD", 4, FT_ZSTD, "zstd frame magic"},
            {0, "Rar!\x1A\x07\x00", 7, FT_RAR, "RAR 4 signature"},
            {0, "Rar!\x1A\x07\x01\x00", 8, FT_RAR, "RAR 5 signature"},
            {0, "MSCF\0\0\0\0", 8, FT_CAB, "MSCF cabinet header"},
            {257, "ustar", 5, FT_TAR, "ustar at 257"},
            {0, "{\\rt", 4, FT_RTF, "{\\rt start"},
            {0, "\xFF\xD8\xFF", 3, FT_JPEG, "JPEG SOI marker"},
            {0, "\x89PNG\r\n\x1A\n", 8, FT_PNG, "PNG signature"},
            {0, "GIF87a", 6, FT_GIF, "GIF87a signature"},
            {0, "GIF89a", 6, FT_GIF, "GIF89a signature"},
            {0, "II*\0", 4, FT_TIFF, "TIFF header (little-endian)"},
            {0, "MM\0*", 4, FT_TIFF, "TIFF header (big-endian)"},
            {0, "II+\0", 4, FT_TIFF, "BigTIFF header (little-endian)"},
            {0, "MM\0+", 4, FT_TIFF, "BigTIFF header (big-endian)"},
    };
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (at(d, n, tab[i].off, tab[i].magic, tab[i].len)) {
            detail(out, "%s", tab[i].what);
            return tab[i].type;
        }
    if (cpio_ascii_header(d, n)) {
        detail(out, "cpio %s header", d[5] == '7' ? "odc" : "newc");
        return FT_CPIO;
    }
    if (at(d, n, 0, "BZh", 3) && n >= 4 && d[3] >= '1' && d[3] <= '9') {
        detail(out, "bzip2 magic");
        return FT_BZIP2;
    }
    if (n >= 7 && d[2] == '-' && d[3] == 'l' && (d[4] == 'h' || d[4] == 'z') && d[6] == '-') {
        detail(out, "LHA method id -%c%c%c- at 2", d[3], d[4], d[5]);
        return FT_LZH;
    }
    /* Old binary cpio: magic 070707 as a 16-bit word in either byte order, 26-byte header. */
    if (n >= 26 && ((d[0] == 0xC7 && d[1] == 0x71) || (d[0] == 0x71 && d[1] == 0xC7))) {
        detail(out, "binary cpio header");
        return FT_CPIO;
    }
    if (at(d, n, 0, "RIFF", 4) && at(d, n, 8, "WEBP", 4)) {
        detail(out, "RIFF WEBP header");
        return FT_WEBP;
    }
    if (at(d, n, 0, "BM", 2) && n >= 18) {
        uint32_t hs = bytes_le32(d + 14);
        if (hs == 12 || hs == 16 || hs == 40 || hs == 52 || hs == 56 || hs == 64 || hs == 108 ||
            hs == 124) {
            detail(out, "BMP header, DIB header of %u bytes", (unsigned)hs);
            return FT_BMP;
        }
    }
    /* Readers accept the PDF header anywhere in the first 1024 bytes. */
    size_t lim = n < 1024 ? n : 1024;
    const uint8_t *pdf = lim >= 5 ? memmem(d, lim, "%PDF-", 5) : NULL;
    if (pdf != NULL) {
        detail(out, "%%PDF- at offset %zu", (size_t)(pdf - d));
        return FT_PDF;
    }
    return FT_UNKNOWN;
}

/* ------------------------------------------------------------------ */
/* Raw disk images                                                     */

static bool mbr_partitions_valid(const uint8_t *d)
{
    int used = 0;
    for (int i = 0; i < 4; i++) {
        const uint8_t *p = d + 446 + 16 * i;
        if (p[0] != 0x00 && p[0] != 0x80)
            return false;
        if (p[4] == 0)
            continue;
        if (bytes_le32(p + 8) == 0 || bytes_le32(p + 12) == 0)
            return false;
        used++;
    }
    return used > 0;
}

static enum ftype ident_disk(const uint8_t *d, size_t n, struct ident *out)
{
    if (at(d, n, 512, "EFI PART", 8) || at(d, n, 4096, "EFI PART", 8)) {
        detail(out, "GPT header");
        return FT_DISK_IMAGE;
    }
    if (n < 512 || d[510] != 0x55 || d[511] != 0xAA)
        return FT_UNKNOWN;
    bool jump = (d[0] == 0xEB && d[2] == 0x90) || d[0] == 0xE9;
    if (jump && (at(d, n, 3, "NTFS    ", 8) || at(d, n, 3, "EXFAT   ", 8))) {
        detail(out, "%.4s boot sector", (const char *)d + 3);
        return FT_DISK_IMAGE;
    }
    if (jump) {
        uint16_t bps = bytes_le16(d + 11);
        uint8_t spc = d[13];
        if ((bps == 512 || bps == 1024 || bps == 2048 || bps == 4096) && spc != 0 &&
            (spc & (spc - 1)) == 0 && bytes_le16(d + 14) != 0 && d[16] != 0) {
            detail(out, "FAT boot sector (OEM id %.8s)", (const char *)d + 3);
            return FT_DISK_IMAGE;
        }
    }
    if (mbr_partitions_valid(d)) {
        detail(out, "MBR with a partition table");
        return FT_DISK_IMAGE;
    }
    return FT_UNKNOWN;
}

/* ------------------------------------------------------------------ */
/* Text                                                                */

/*
 * An ASCII projection of the start of a text: UTF-16 (with a BOM) is
 * reduced to its ASCII characters, anything else is copied; non-ASCII
 * UTF-16 characters become 0x01 so that they match no needle.
 */
struct textview {
    char *s;
    size_t len;
};

static int textview_make(const uint8_t *d, size_t n, struct textview *tv)
{
    size_t start = 0;
    int wide = 0; /* 0: bytes, 1: UTF-16LE, 2: UTF-16BE */
    if (n >= 2 && d[0] == 0xFF && d[1] == 0xFE)
        wide = 1, start = 2;
    else if (n >= 2 && d[0] == 0xFE && d[1] == 0xFF)
        wide = 2, start = 2;
    else if (n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
        start = 3;
    /* UTF-16 markup without a BOM: "<" then an ASCII character, as XML 1.0
     * appendix F detects it. */
    else if (n >= 4 && d[0] == '<' && d[1] == 0 && d[2] != 0 && d[3] == 0)
        wide = 1;
    else if (n >= 4 && d[0] == 0 && d[1] == '<' && d[2] == 0 && d[3] != 0)
        wide = 2;
    size_t avail = n - start;
    size_t out = wide ? avail / 2 : avail;
    if (out > IDENT_TEXT_MAX)
        out = IDENT_TEXT_MAX;
    tv->s = malloc(out + 1);
    if (tv->s == NULL)
        return MG_ERR_NOMEM;
    for (size_t i = 0; i < out; i++) {
        if (!wide) {
            tv->s[i] = (char)d[start + i];
        } else {
            uint8_t lo = d[start + 2 * i + (wide == 1 ? 0 : 1)];
            uint8_t hi = d[start + 2 * i + (wide == 1 ? 1 : 0)];
            tv->s[i] = (char)(hi == 0 && lo != 0 && lo < 0x80 ? lo : 0x01);
        }
    }
    tv->s[out] = '\0';
    tv->len = out;
    return MG_OK;
}

static bool starts_ci(const char *s, size_t len, const char *prefix)
{
    size_t pl = strlen(prefix);
    return len >= pl && strncasecmp(s, prefix, pl) == 0;
}

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/*
 * Case-insensitive search for needle; at_line_start: only at the start or
 * after a line end. Every text file and every message passes here several
 * times, so the first byte is compared inline before strncasecmp() is
 * called (a call per byte of a 20 KB message was a tenth of its job).
 */
static bool find_ci(const char *s, size_t len, size_t lim, const char *needle, bool at_line_start)
{
    size_t nl = strlen(needle);
    unsigned char first = ascii_lower((unsigned char)needle[0]);
    if (len > lim)
        len = lim;
    for (size_t i = 0; i + nl <= len; i++) {
        if (ascii_lower((unsigned char)s[i]) != first)
            continue;
        if (at_line_start && i > 0 && s[i - 1] != '\n' && s[i - 1] != '\r')
            continue;
        if (strncasecmp(s + i, needle, nl) == 0)
            return true;
    }
    return false;
}

static size_t skip_ws(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    return i;
}

/* Whether the first element of an XML text is svg (any prefix). */
static bool xml_root_is_svg(const char *s, size_t len)
{
    size_t i = skip_ws(s, len, 0);
    for (int guard = 0; guard < 10000 && i < len; guard++) {
        if (s[i] != '<')
            return false;
        if (starts_ci(s + i, len - i, "<?")) {
            const char *e = memmem(s + i, len - i, "?>", 2);
            if (e == NULL)
                return false;
            i = (size_t)(e - s) + 2;
        } else if (starts_ci(s + i, len - i, "<!--")) {
            const char *e = memmem(s + i, len - i, "-->", 3);
            if (e == NULL)
                return false;
            i = (size_t)(e - s) + 3;
        } else if (starts_ci(s + i, len - i, "<!")) {
            /* DOCTYPE, possibly with an internal subset in brackets. */
            int depth = 0;
            i += 2;
            while (i < len && (s[i] != '>' || depth > 0)) {
                if (s[i] == '[')
                    depth++;
                else if (s[i] == ']' && depth > 0)
                    depth--;
                i++;
            }
            if (i >= len)
                return false;
            i++;
        } else {
            size_t ns = i + 1, ne = ns;
            while (ne < len && s[ne] != ' ' && s[ne] != '\t' && s[ne] != '\r' && s[ne] != '\n' &&
                   s[ne] != '>' && s[ne] != '/')
                ne++;
            size_t local = ns;
            for (size_t k = ns; k < ne; k++)
                if (s[k] == ':')
                    local = k + 1;
            return ne - local == 3 && strncasecmp(s + local, "svg", 3) == 0;
        }
        i = skip_ws(s, len, i);
    }
    return false;
}

/* A whole text that is one element: "<name ...>...</name>" or "<name/>". */
static bool markup_element(const char *s, size_t len, size_t i)
{
    char name[64], end[70];
    size_t n = 0, e = len;
    if (len >= IDENT_TEXT_MAX || i + 1 >= len || s[i] != '<' || !isalpha((unsigned char)s[i + 1]))
        return false;
    for (size_t k = i + 1; k < len && n + 1 < sizeof(name) &&
                           (isalnum((unsigned char)s[k]) || strchr("-_.:", s[k]) != NULL);
         k++)
        name[n++] = s[k];
    name[n] = 0;
    while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n'))
        e--;
    snprintf(end, sizeof(end), "</%s>", name);
    size_t el = strlen(end);
    return n + 1 < sizeof(name) && ((e - i >= el && strncasecmp(s + e - el, end, el) == 0) ||
                                    (e - i >= 2 && memcmp(s + e - 2, "/>", 2) == 0 &&
                                     memchr(s + i, '>', e - i) == s + e - 1));
}

/*
 * HTML, SVG and XML by content, in any encoding the text view reads:
 * libmagic calls UTF-16 SVG or XML plain text (or data), and a page it
 * does not call text/html would go out as text under an .html name. An
 * XML declaration or an svg root makes markup; so do a DOCTYPE html or
 * a first element html, head or body (comments before it skipped).
 * Markup named .html is HTML, as a browser opening it reads it; a text
 * named .xml that is one element is XML.
 */
static enum ftype markup_kind(const char *s, size_t len, enum ftype declared)
{
    size_t i = skip_ws(s, len, 0);
    /* Named .html and starting with markup: read as a browser would. */
    if (declared == FT_HTML && i < len && s[i] == '<')
        return FT_HTML;
    if (xml_root_is_svg(s, len))
        return FT_SVG;
    if (starts_ci(s + i, len - i, "<?xml"))
        return FT_XML;
    for (int guard = 0; guard < 64 && starts_ci(s + i, len - i, "<!--"); guard++) {
        const char *e = memmem(s + i, len - i, "-->", 3);
        if (e == NULL)
            return FT_UNKNOWN;
        i = skip_ws(s, len, (size_t)(e - s) + 3);
    }
    static const char *const html[] = {"<!doctype html", "<html", "<head", "<body"};
    for (size_t k = 0; k < sizeof(html) / sizeof(html[0]); k++) {
        size_t l = strlen(html[k]);
        if (starts_ci(s + i, len - i, html[k]) &&
            (i + l >= len || strchr(" \t\r\n>", s[i + l]) != NULL))
            return FT_HTML;
    }
    /* Named .xml (or .svg) and one element, with no declaration: XML, in
     * UTF-16 as in UTF-8. Unnamed, such text stays text ("<b>hi</b>"). */
    if ((declared == FT_XML || declared == FT_SVG) && markup_element(s, len, i))
        return FT_XML;
    return FT_UNKNOWN;
}

/*
 * libmagic calls text mail only when it starts with a few header names
 * (Received:, From:, Return-Path:, Date: ...); messages as MUAs and MTAs
 * hand them over often start with Message-ID:, MIME-Version:, DKIM-Signature:
 * or X-...: fields, and libmagic's verdict on the rest (HTML, BinHex,
 * message/news, octet-stream for 8-bit text) says nothing about the
 * message. Text is mail when it starts with a header block: only
 * "Name: value" lines (field names of printable ASCII without ':', white
 * space allowed before the colon as RFC 5322's obsolete syntax does) and
 * their folded continuations, ended by an empty line, with at least two
 * fields (one when the name says .eml, which also lets a broken line after
 * the first field pass), one of them a field every message has or a MIME
 * one. Lines end in LF, CR LF or a lone CR (old Mac mailers
 * and some bounce generators). A leading mbox "From " separator line, as
 * Postfix pipe (flags=F), procmail and .forward pipes hand a message over,
 * is skipped. No NUL may appear in the block.
 */
static size_t mail_line_end(const char *s, size_t lim, size_t i, size_t *next)
{
    size_t e = i;
    while (e < lim && s[e] != '\n' && s[e] != '\r')
        e++;
    *next = e + 1;
    if (e < lim && s[e] == '\r' && e + 1 < lim && s[e + 1] == '\n')
        *next = e + 2;
    return e;
}

static bool mail_header_block(const char *s, size_t len, bool named_eml)
{
    static const char *const core[] = {"from",         "to",           "subject",  "date",
                                       "message-id",   "mime-version", "received", "return-path",
                                       "content-type", "reply-to",     "sender",   "cc"};
    size_t i = 0, next, fields = 0, lim = len < 256 * 1024 ? len : 256 * 1024;
    size_t need = named_eml ? 1 : 2;
    bool core_seen = false;
    if (lim >= 5 && strncmp(s, "From ", 5) == 0) {
        size_t e = mail_line_end(s, lim, 0, &next), c = 4;
        while (c < e && (s[c] == ' ' || s[c] == '\t'))
            c++;
        if (c >= e || s[c] != ':') /* not "From  : name", a field in obsolete syntax */
            i = next;
    }
    while (i < lim) {
        size_t e = mail_line_end(s, lim, i, &next), n = e - i;
        if (memchr(s + i, 0, n))
            return false;
        if (n == 0)
            return fields >= need && core_seen && e < lim;
        if (s[i] == ' ' || s[i] == '\t') {
            if (fields == 0)
                return false;
        } else {
            size_t k = 0, c = 0;
            while (k < n && s[i + k] != ':' && (unsigned char)s[i + k] > 0x20 &&
                   (unsigned char)s[i + k] < 0x7F)
                k++;
            for (c = k; c < n && (s[i + c] == ' ' || s[i + c] == '\t');)
                c++;
            /* Named .eml: a broken line after the first field is skipped, as
             * mail parsers do (GMime among them); otherwise it is not mail. */
            if ((k == 0 || c >= n || s[i + c] != ':' || k > 76) && !(named_eml && fields)) {
                return false;
            } else if (k == 0 || c >= n || s[i + c] != ':' || k > 76) {
                i = next;
                continue;
            }
            for (size_t f = 0; f < sizeof(core) / sizeof(core[0]) && !core_seen; f++)
                core_seen = strlen(core[f]) == k && strncasecmp(s + i, core[f], k) == 0;
            fields++;
        }
        i = next;
    }
    /* The block did not end within the look-ahead: a very long header block. */
    return lim < len && fields >= need && core_seen;
}

/* No NUL and no C0 control but tab, line ends, form feed and ESC (ISO-2022-JP) in the start. */
static bool looks_text(const uint8_t *d, size_t n)
{
    size_t lim = n < 65536 ? n : 65536;
    for (size_t i = 0; i < lim; i++)
        if (d[i] < 0x20 && d[i] != '\t' && d[i] != '\n' && d[i] != '\r' && d[i] != '\f' &&
            d[i] != 0x1B)
            return false;
    return true;
}

static enum ftype ident_text(const uint8_t *d, size_t n, struct ident *out)
{
    /*
     * libmagic calls anything starting with "070701" cpio; when the header
     * is not one (see cpio_ascii_header) and the bytes are text, it is text.
     */
    if (strcasecmp(out->mime, "application/x-cpio") == 0 && looks_text(d, n))
        snprintf(out->mime, sizeof(out->mime), "text/plain");
    struct textview tv;
    if (textview_make(d, n, &tv) != MG_OK)
        return FT_UNKNOWN;
    const char *s = tv.s;
    size_t len = tv.len;
    enum ftype t = FT_UNKNOWN;
    /* A message is a message whatever libmagic makes of its body. */
    bool mail = mail_header_block(s, len, out->declared == FT_EML);
    enum ftype markup = mail ? FT_UNKNOWN : markup_kind(s, len, out->declared);
    if (!mime_is_text(out->mime) && !mail && markup == FT_UNKNOWN) {
        free(tv.s);
        return FT_UNKNOWN;
    }

    if (starts_ci(s, len, "#!")) {
        detail(out, "text with a #! line");
        t = FT_SCRIPT;
    } else if (find_ci(s, len, len, "<hta:application", false)) {
        detail(out, "text holding <HTA:APPLICATION>");
        t = FT_SCRIPT;
    } else if (find_ci(s, len, 64 * 1024, "[InternetShortcut]", true)) {
        detail(out, "text holding an [InternetShortcut] section");
        t = FT_SHORTCUT;
    } else if (starts_ci(s, len, "ID;")) {
        detail(out, "text starting with a SYLK ID record");
        t = FT_SHORTCUT;
    } else if (starts_ci(s, len, "WEB\r\n1\r\n") || starts_ci(s, len, "WEB\n1\n")) {
        detail(out, "text starting like an Excel web query (IQY)");
        t = FT_SHORTCUT;
    } else if (find_ci(s, len, 64 * 1024, "schemas.microsoft.com/windows/2009/library", false) ||
               find_ci(s, len, 64 * 1024, "schemas.microsoft.com/windows/2009/searchConnector",
                       false)) {
        detail(out, "XML in the Windows library or search connector namespace");
        t = FT_SHORTCUT;
    } else if (out->declared == FT_SCRIPT || out->declared == FT_SHORTCUT) {
        detail(out, "text named as a %s", ftype_info(out->declared)->name);
        t = out->declared;
    } else {
        enum ftype m = mime_type(out->mime);
        if (mail) {
            t = FT_EML;
        } else if (markup != FT_UNKNOWN) {
            t = markup;
        } else if (strcasecmp(out->mime, "text/html") == 0) {
            t = FT_HTML;
        } else if (m == FT_SVG || strcasecmp(out->mime, "text/xml") == 0 ||
                   strcasecmp(out->mime, "application/xml") == 0) {
            t = xml_root_is_svg(s, len) ? FT_SVG : FT_XML;
        } else if (strcasecmp(out->mime, "text/csv") == 0 || out->declared == FT_CSV) {
            t = FT_CSV;
        } else if (m == FT_EML || m == FT_RTF) {
            t = m;
        } else {
            t = FT_TEXT;
        }
        detail(out, "libmagic: %s%s", out->mime,
               markup != FT_UNKNOWN && m != markup                     ? ", by its markup"
               : t == FT_SVG && m != FT_SVG                            ? ", root element svg"
               : t == FT_CSV && strcasecmp(out->mime, "text/csv") != 0 ? ", named .csv"
               : t == FT_EML && m != FT_EML ? ", starting with a mail header block"
                                            : "");
    }
    free(tv.s);
    return t;
}

/* ------------------------------------------------------------------ */

/* A zip with a UTF-8 named member, run through libarchive once before any sandbox. */
static void ident_prime_libarchive(void)
{
    static const uint8_t zip[] = {
            0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x08, 0x00, 0x00, 0xD9, 0xAB, 0x75,
            0x5D, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x03, 0x00, 0x00, 0x00, 0xE3, 0x81, 0x82, 0x50, 0x4B, 0x01, 0x02, 0x14, 0x03,
            0x14, 0x00, 0x00, 0x08, 0x00, 0x00, 0xD9, 0xAB, 0x75, 0x5D, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00,
            0x00, 0xE3, 0x81, 0x82, 0x50, 0x4B, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x01,
            0x00, 0x01, 0x00, 0x31, 0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    struct zipscan z;
    memset(&z, 0, sizeof(z));
    zip_central_pass(zip, sizeof(zip), &z);
    free(z.ct);
    free(z.rels);
}

/*
 * Samples that walk libmagic through its text and no-match paths, where the
 * regular expressions are: ASCII and UTF-8 prose (tried against every text
 * test), CSV, HTML, XML and a mail header.
 */
static void ident_prime_magic(magic_t m)
{
    static const char *const samples[] = {
            "notice 1\nthe office hours change from April\n",
            "\xE3\x81\x8A\xE7\x9F\xA5\xE3\x82\x89\xE3\x81\x9B 1\nFpqEfRLSjF/sy5V1p\n",
            "name,date,amount\n\xE5\xB1\xB1\xE5\xBD\xA2,2026-04-01,100\n",
            "<!DOCTYPE html><html><head><title>t</title></head><body>x</body></html>\n",
            "<?xml version=\"1.0\"?><root><a>1</a></root>\n",
            "From: a@example.jp\nTo: b@example.jp\nSubject: s\n\nbody\n",
    };
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
        (void)magic_buffer(m, samples[i], strlen(samples[i]));
}

int ident_init(void)
{
    if (ident_magic != NULL)
        return MG_OK;
    /*
     * MIME type only; never look inside compressed data, never fork a
     * decompressor (MAGIC_COMPRESS is deliberately not set).
     */
    magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_COMPRESS_FORK);
    if (m == NULL)
        return MG_ERR_NOMEM;
    if (magic_load(m, NULL) != 0) {
        magic_close(m);
        return MG_ERR_IO;
    }
    size_t bytes = IDENT_MAGIC_BYTES;
    magic_setparam(m, MAGIC_PARAM_BYTES_MAX, &bytes);
    ident_magic = m;
    ident_prime_libarchive();
    return MG_OK;
}

void ident_prime(void)
{
    if (ident_magic != NULL)
        ident_prime_magic(ident_magic);
}

void ident_done(void)
{
    if (ident_magic != NULL)
        magic_close(ident_magic);
    ident_magic = NULL;
}

int ident_buffer(const uint8_t *data, size_t len, const char *name, struct ident *out)
{
    memset(out, 0, sizeof(*out));
    out->declared = ident_ext_type(name);
    if (ident_magic == NULL)
        return MG_ERR_INTERNAL;
    if (data == NULL)
        len = 0;
    const char *mime = magic_buffer(ident_magic, len ? data : (const void *)"", len);
    snprintf(out->mime, sizeof(out->mime), "%s", mime ? mime : "application/octet-stream");

    if (len == 0) {
        detail(out, "empty");
        out->type = FT_TEXT;
        return MG_OK;
    }

    enum ftype t = ident_programs(data, len, out);
    if (t == FT_UNKNOWN)
        t = ident_ole2(data, len, out);
    if (t == FT_UNKNOWN)
        t = ident_zip(data, len, out);
    if (t == FT_UNKNOWN)
        t = ident_formats(data, len, out);
    if (t == FT_UNKNOWN)
        t = ident_disk(data, len, out);
    if (t == FT_UNKNOWN)
        t = ident_text(data, len, out);
    enum ftype m = mime_type(out->mime);
    if (t == FT_UNKNOWN && m != FT_UNKNOWN) {
        detail(out, "libmagic: %s", out->mime);
        t = m;
    } else if (t == FT_UNKNOWN) {
        detail(out, "no known format (libmagic: %s)", out->mime);
    } else if (ftype_is_executable(m) && !ftype_is_executable(t)) {
        /* Two readings: keep the stricter one. */
        char was[sizeof(out->detail)];
        snprintf(was, sizeof(was), "%s", out->detail);
        detail(out, "libmagic: %s (structure said %s: %.100s)", out->mime, ftype_info(t)->name,
               was);
        t = m;
    }
    out->type = t;
    return MG_OK;
}
