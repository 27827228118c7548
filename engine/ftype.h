/*
 * ftype - the file types Mugai knows, their policy names and extensions.
 *
 * This table is the vocabulary shared by identification, policy and
 * dispatch. It has no dependencies so that the policy parser (and its
 * fuzzer) can use it without libmagic.
 *
 * Types in the FTC_EXECUTABLE class are blocked whatever the policy says:
 * no setting can release a program.
 */
#ifndef MUGAI_FTYPE_H
#define MUGAI_FTYPE_H

#include <stdbool.h>
#include <stddef.h>

enum ftype {
    FT_UNKNOWN = 0,
    /* text */
    FT_TEXT,
    FT_CSV,
    FT_HTML,
    FT_XML,
    FT_SVG,
    FT_RTF,
    FT_EML,
    /* images */
    FT_JPEG,
    FT_PNG,
    FT_GIF,
    FT_BMP,
    FT_TIFF,
    FT_WEBP,
    /* documents */
    FT_PDF,
    FT_DOCX,
    FT_DOCM,
    FT_DOTX,
    FT_DOTM,
    FT_XLSX,
    FT_XLSM,
    FT_XLTX,
    FT_XLTM,
    FT_XLSB,
    FT_PPTX,
    FT_PPTM,
    FT_PPSX,
    FT_PPSM,
    FT_POTX,
    FT_POTM,
    FT_SLDX, /* single PowerPoint slide */
    FT_SLDM,
    FT_THMX, /* Office theme */
    FT_VSDX, /* Visio: drawing, stencil, template; each also macro-enabled */
    FT_VSDM,
    FT_VSSX,
    FT_VSSM,
    FT_VSTX,
    FT_VSTM,
    FT_XPS,
    FT_OXPS,
    FT_OPC, /* [Content_Types].xml package of no type Mugai rebuilds */
    FT_ODT,
    FT_ODS,
    FT_ODP,
    FT_OTT,
    FT_OTS,
    FT_OTP,
    FT_ODG,
    FT_OTG,
    FT_ODF_FORMULA,
    FT_ODB,
    FT_ODF_OTHER, /* chart, image, master document, web page, or a kind not yet defined */
    FT_SUN_XML,   /* OpenOffice.org 1.x (sxw sxc sxi sxd ...) */
    FT_EPUB,
    FT_KMZ,
    FT_PACKAGE, /* zip whose first member is "mimetype": a package of some application */
    FT_DOC,
    FT_XLS,
    FT_PPT,
    FT_OLE2, /* compound file of no known application */
    FT_JTD,  /* Ichitaro */
    /* archives and compressors */
    FT_ZIP,
    FT_7Z,
    FT_TAR,
    FT_GZIP,
    FT_BZIP2,
    FT_XZ,
    FT_ZSTD,
    FT_LZH,
    FT_RAR,
    FT_CAB,
    FT_CPIO,
    /* blocked outright */
    FT_PE,
    FT_ELF,
    FT_MACHO,
    FT_JAVA_CLASS,
    FT_JAR,
    FT_MSI,
    FT_LNK,
    FT_CHM,
    FT_ISO,
    FT_DISK_IMAGE,
    FT_VHD,
    FT_VHDX,
    FT_ONENOTE,
    FT_APPX,
    FT_SCRIPT,      /* js jse vbs vbe wsf ps1 bat cmd hta sct, shebang scripts */
    FT_SHORTCUT,    /* .url .library-ms .iqy .slk and their content */
    FT_APK,         /* Android APK, App Bundle (aab) */
    FT_NUGET,       /* NuGet package: DLLs and install scripts */
    FT_VSIX,        /* Visual Studio / VS Code extension */
    FT_XLAM,        /* Excel add-in: a workbook that exists to run its macros */
    FT_PPAM,        /* PowerPoint add-in, likewise */
    FT_PYTHON_ZIP,  /* zip application (__main__.py), wheel, egg */
    FT_BROWSER_EXT, /* Firefox XPI, Chrome CRX */
    FT_COUNT
};

enum ftype_class {
    FTC_OTHER,
    FTC_TEXT,
    FTC_IMAGE,
    FTC_DOCUMENT,
    FTC_ARCHIVE,
    FTC_EXECUTABLE, /* never released */
};

struct ftype_info {
    enum ftype type;
    const char *name; /* policy key and report "type", e.g. "jpeg" */
    const char *ext;  /* canonical extension without dot, e.g. "jpg" */
    enum ftype_class cls;
    const char *label; /* human-readable, e.g. "JPEG image" */
    /*
     * Extensions a released file of this type may keep, lower case, one
     * space between: only those that Windows and Office open as this same
     * type (see names_release_name()). Empty for types never released.
     */
    const char *release_exts;
};

const struct ftype_info *ftype_info(enum ftype t);
/* Look a type up by its policy name; FT_UNKNOWN when there is none. */
enum ftype ftype_by_name(const char *name);
bool ftype_is_executable(enum ftype t);
/* The type a file name's extension claims (case-insensitive, trailing dots
 * and spaces ignored as Windows ignores them); FT_UNKNOWN if none. */
enum ftype ftype_by_ext(const char *name);
/* Whether ext (without the dot, any ASCII case, len bytes) is in t's release_exts. */
bool ftype_release_ext(enum ftype t, const char *ext, size_t len);

#endif
