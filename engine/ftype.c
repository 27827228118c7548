/*
 * ftype - the table behind ftype.h. Order must follow enum ftype; the
 * self-check in ftype_info() catches a table that drifted.
 */
#include "ftype.h"

#include <stddef.h>
#include <string.h>

static const struct ftype_info ftype_table[FT_COUNT] = {
        {FT_UNKNOWN, "unknown", "bin", FTC_OTHER, "unknown data", ""},
        /* Not csv, tsv, md, ini, json: a spreadsheet runs formulas in a CSV,
         * a Markdown viewer may render HTML, and other programs read .ini
         * (desktop.ini) and .json as their own settings. */
        {FT_TEXT, "text", "txt", FTC_TEXT, "plain text", "txt text log"},
        /* Cells that start a formula are neutralized, so Notepad's .txt is
         * as safe as .csv. */
        {FT_CSV, "csv", "csv", FTC_TEXT, "CSV text", "csv txt"},
        /* Not shtml, mht, xht, hta: server-side includes, MHTML and HTA
         * are handled by other programs than a browser showing a page. */
        {FT_HTML, "html", "html", FTC_TEXT, "HTML document", "html htm"},
        {FT_XML, "xml", "xml", FTC_TEXT, "XML document", "xml"},
        {FT_SVG, "svg", "svg", FTC_IMAGE, "SVG image", "svg"},
        {FT_RTF, "rtf", "rtf", FTC_DOCUMENT, "RTF document", "rtf"},
        /* Not mht or mhtml (opened by the browser as a web archive). */
        {FT_EML, "eml", "eml", FTC_DOCUMENT, "mail message", "eml"},
        {FT_JPEG, "jpeg", "jpg", FTC_IMAGE, "JPEG image", "jpg jpeg jpe jfif"},
        {FT_PNG, "png", "png", FTC_IMAGE, "PNG image", "png"},
        {FT_GIF, "gif", "gif", FTC_IMAGE, "GIF image", "gif"},
        {FT_BMP, "bmp", "bmp", FTC_IMAGE, "BMP image", "bmp dib"},
        {FT_TIFF, "tiff", "tif", FTC_IMAGE, "TIFF image", "tif tiff"},
        {FT_WEBP, "webp", "webp", FTC_IMAGE, "WebP image", "webp"},
        {FT_PDF, "pdf", "pdf", FTC_DOCUMENT, "PDF document", "pdf"},
        /* Office: each type keeps only its own extension, so a template or
         * a macro-enabled name never sits on a file of another kind. */
        {FT_DOCX, "docx", "docx", FTC_DOCUMENT, "Word document", "docx"},
        {FT_DOCM, "docm", "docm", FTC_DOCUMENT, "Word macro-enabled document", "docm"},
        {FT_DOTX, "dotx", "dotx", FTC_DOCUMENT, "Word template", "dotx"},
        {FT_DOTM, "dotm", "dotm", FTC_DOCUMENT, "Word macro-enabled template", "dotm"},
        {FT_XLSX, "xlsx", "xlsx", FTC_DOCUMENT, "Excel workbook", "xlsx"},
        {FT_XLSM, "xlsm", "xlsm", FTC_DOCUMENT, "Excel macro-enabled workbook", "xlsm"},
        {FT_XLTX, "xltx", "xltx", FTC_DOCUMENT, "Excel template", "xltx"},
        {FT_XLTM, "xltm", "xltm", FTC_DOCUMENT, "Excel macro-enabled template", "xltm"},
        {FT_XLSB, "xlsb", "xlsb", FTC_DOCUMENT, "Excel binary workbook", "xlsb"},
        {FT_PPTX, "pptx", "pptx", FTC_DOCUMENT, "PowerPoint presentation", "pptx"},
        {FT_PPTM, "pptm", "pptm", FTC_DOCUMENT, "PowerPoint macro-enabled presentation", "pptm"},
        {FT_PPSX, "ppsx", "ppsx", FTC_DOCUMENT, "PowerPoint slide show", "ppsx"},
        {FT_PPSM, "ppsm", "ppsm", FTC_DOCUMENT, "PowerPoint macro-enabled slide show", "ppsm"},
        {FT_POTX, "potx", "potx", FTC_DOCUMENT, "PowerPoint template", "potx"},
        {FT_POTM, "potm", "potm", FTC_DOCUMENT, "PowerPoint macro-enabled template", "potm"},
        {FT_SLDX, "sldx", "sldx", FTC_DOCUMENT, "PowerPoint slide", "sldx"},
        {FT_SLDM, "sldm", "sldm", FTC_DOCUMENT, "PowerPoint slide (macro-enabled)", "sldm"},
        {FT_THMX, "thmx", "thmx", FTC_DOCUMENT, "Office theme", "thmx"},
        {FT_VSDX, "vsdx", "vsdx", FTC_DOCUMENT, "Visio drawing", "vsdx"},
        {FT_VSDM, "vsdm", "vsdm", FTC_DOCUMENT, "Visio drawing (macro-enabled)", "vsdm"},
        {FT_VSSX, "vssx", "vssx", FTC_DOCUMENT, "Visio stencil", "vssx"},
        {FT_VSSM, "vssm", "vssm", FTC_DOCUMENT, "Visio stencil (macro-enabled)", "vssm"},
        {FT_VSTX, "vstx", "vstx", FTC_DOCUMENT, "Visio template", "vstx"},
        {FT_VSTM, "vstm", "vstm", FTC_DOCUMENT, "Visio template (macro-enabled)", "vstm"},
        {FT_XPS, "xps", "xps", FTC_DOCUMENT, "XPS document", "xps"},
        {FT_OXPS, "oxps", "oxps", FTC_DOCUMENT, "OpenXPS document", "oxps"},
        {FT_OPC, "opc", "bin", FTC_DOCUMENT,
         "Office Open XML package of a kind Mugai does not rebuild", ""},
        {FT_ODT, "odt", "odt", FTC_DOCUMENT, "OpenDocument text", "odt"},
        {FT_ODS, "ods", "ods", FTC_DOCUMENT, "OpenDocument spreadsheet", "ods"},
        {FT_ODP, "odp", "odp", FTC_DOCUMENT, "OpenDocument presentation", "odp"},
        {FT_OTT, "ott", "ott", FTC_DOCUMENT, "OpenDocument text template", "ott"},
        {FT_OTS, "ots", "ots", FTC_DOCUMENT, "OpenDocument spreadsheet template", "ots"},
        {FT_OTP, "otp", "otp", FTC_DOCUMENT, "OpenDocument presentation template", "otp"},
        {FT_ODG, "odg", "odg", FTC_DOCUMENT, "OpenDocument drawing", "odg"},
        {FT_OTG, "otg", "otg", FTC_DOCUMENT, "OpenDocument drawing template", "otg"},
        {FT_ODF_FORMULA, "odf-formula", "odf", FTC_DOCUMENT, "OpenDocument formula", "odf"},
        {FT_ODB, "odb", "odb", FTC_DOCUMENT, "OpenDocument database", "odb"},
        {FT_ODF_OTHER, "odf-other", "bin", FTC_DOCUMENT,
         "OpenDocument file of a kind Mugai does not rebuild (chart, image, master document, "
         "web page)",
         ""},
        {FT_SUN_XML, "sun-xml", "sxw", FTC_DOCUMENT, "OpenOffice.org 1.x document",
         "sxw stw sxg sxc stc sxi sti sxd std sxm"},
        {FT_EPUB, "epub", "epub", FTC_DOCUMENT, "EPUB e-book", "epub"},
        {FT_KMZ, "kmz", "kmz", FTC_DOCUMENT, "KMZ map (zipped KML)", "kmz"},
        {FT_PACKAGE, "package", "bin", FTC_DOCUMENT,
         "zip-based package of an application Mugai does not know", ""},
        {FT_DOC, "doc", "doc", FTC_DOCUMENT, "Word 97-2003 document", "doc"},
        {FT_XLS, "xls", "xls", FTC_DOCUMENT, "Excel 97-2003 workbook", "xls"},
        {FT_PPT, "ppt", "ppt", FTC_DOCUMENT, "PowerPoint 97-2003 presentation", "ppt"},
        {FT_OLE2, "ole2", "bin", FTC_DOCUMENT, "OLE2 compound file", ""},
        {FT_JTD, "jtd", "jtd", FTC_DOCUMENT, "Ichitaro document", "jtd"},
        {FT_ZIP, "zip", "zip", FTC_ARCHIVE, "zip archive", "zip"},
        {FT_7Z, "7z", "7z", FTC_ARCHIVE, "7-Zip archive", "7z"},
        {FT_TAR, "tar", "tar", FTC_ARCHIVE, "tar archive", "tar"},
        {FT_GZIP, "gzip", "gz", FTC_ARCHIVE, "gzip compressed data", "gz"},
        {FT_BZIP2, "bzip2", "bz2", FTC_ARCHIVE, "bzip2 compressed data", "bz2"},
        {FT_XZ, "xz", "xz", FTC_ARCHIVE, "xz compressed data", "xz"},
        {FT_ZSTD, "zstd", "zst", FTC_ARCHIVE, "zstd compressed data", "zst"},
        {FT_LZH, "lzh", "lzh", FTC_ARCHIVE, "LHA archive", "lzh lha"},
        {FT_RAR, "rar", "rar", FTC_ARCHIVE, "RAR archive", "rar"},
        {FT_CAB, "cab", "cab", FTC_ARCHIVE, "Microsoft cabinet", "cab"},
        {FT_CPIO, "cpio", "cpio", FTC_ARCHIVE, "cpio archive", "cpio"},
        /* Never released: no extension is kept on them. */
        {FT_PE, "pe", "exe", FTC_EXECUTABLE, "Windows executable (PE)", ""},
        {FT_ELF, "elf", "elf", FTC_EXECUTABLE, "ELF executable", ""},
        {FT_MACHO, "macho", "macho", FTC_EXECUTABLE, "Mach-O executable", ""},
        {FT_JAVA_CLASS, "java-class", "class", FTC_EXECUTABLE, "Java class file", ""},
        {FT_JAR, "jar", "jar", FTC_EXECUTABLE, "Java archive", ""},
        {FT_MSI, "msi", "msi", FTC_EXECUTABLE, "Windows Installer package", ""},
        {FT_LNK, "lnk", "lnk", FTC_EXECUTABLE, "Windows shortcut (LNK)", ""},
        {FT_CHM, "chm", "chm", FTC_EXECUTABLE, "compiled HTML help", ""},
        {FT_ISO, "iso", "iso", FTC_EXECUTABLE, "ISO 9660 disk image", ""},
        {FT_DISK_IMAGE, "disk-image", "img", FTC_EXECUTABLE, "raw disk image", ""},
        {FT_VHD, "vhd", "vhd", FTC_EXECUTABLE, "VHD disk image", ""},
        {FT_VHDX, "vhdx", "vhdx", FTC_EXECUTABLE, "VHDX disk image", ""},
        {FT_ONENOTE, "onenote", "one", FTC_EXECUTABLE, "OneNote section", ""},
        {FT_APPX, "appx", "appx", FTC_EXECUTABLE, "APPX/MSIX package", ""},
        {FT_SCRIPT, "script", "txt", FTC_EXECUTABLE, "script", ""},
        {FT_SHORTCUT, "shortcut", "url", FTC_EXECUTABLE, "shortcut or web query file", ""},
        {FT_APK, "apk", "apk", FTC_EXECUTABLE, "Android application package", ""},
        {FT_NUGET, "nupkg", "nupkg", FTC_EXECUTABLE, "NuGet package", ""},
        {FT_VSIX, "vsix", "vsix", FTC_EXECUTABLE, "Visual Studio extension (VSIX)", ""},
        {FT_XLAM, "xlam", "xlam", FTC_EXECUTABLE, "Excel add-in (macro-enabled)", ""},
        {FT_PPAM, "ppam", "ppam", FTC_EXECUTABLE, "PowerPoint add-in (macro-enabled)", ""},
        {FT_PYTHON_ZIP, "python-zip", "pyz", FTC_EXECUTABLE,
         "Python zip application or package (pyz, wheel, egg)", ""},
        {FT_BROWSER_EXT, "browser-extension", "xpi", FTC_EXECUTABLE, "browser extension (XPI, CRX)",
         ""},
};

const struct ftype_info *ftype_info(enum ftype t)
{
    if ((int)t < 0 || t >= FT_COUNT || ftype_table[t].type != t)
        return &ftype_table[FT_UNKNOWN];
    return &ftype_table[t];
}

enum ftype ftype_by_name(const char *name)
{
    for (int i = 0; i < FT_COUNT; i++)
        if (strcmp(ftype_table[i].name, name) == 0)
            return (enum ftype)i;
    return FT_UNKNOWN;
}

bool ftype_is_executable(enum ftype t)
{
    return ftype_info(t)->cls == FTC_EXECUTABLE;
}

bool ftype_release_ext(enum ftype t, const char *ext, size_t len)
{
    if (len == 0)
        return false;
    for (const char *p = ftype_info(t)->release_exts; *p;) {
        size_t n = strcspn(p, " ");
        if (n == len) {
            size_t i = 0;
            while (i < n) {
                char c = ext[i];
                if (c >= 'A' && c <= 'Z')
                    c = (char)(c + 32);
                if (c != p[i])
                    break;
                i++;
            }
            if (i == n)
                return true;
        }
        p += n;
        while (*p == ' ')
            p++;
    }
    return false;
}
