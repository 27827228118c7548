/*
 * ftype - the table behind ftype.h. Order must follow enum ftype; the
 * self-check in ftype_info() catches a table that drifted.
 */
#include "ftype.h"

#include <stddef.h>
#include <string.h>

static const struct ftype_info ftype_table[FT_COUNT] = {
        {FT_UNKNOWN, "unknown", "bin", FTC_OTHER, "unknown data"},
        {FT_TEXT, "text", "txt", FTC_TEXT, "plain text"},
        {FT_CSV, "csv", "csv", FTC_TEXT, "CSV text"},
        {FT_HTML, "html", "html", FTC_TEXT, "HTML document"},
        {FT_XML, "xml", "xml", FTC_TEXT, "XML document"},
        {FT_SVG, "svg", "svg", FTC_IMAGE, "SVG image"},
        {FT_RTF, "rtf", "rtf", FTC_DOCUMENT, "RTF document"},
        {FT_EML, "eml", "eml", FTC_DOCUMENT, "mail message"},
        {FT_JPEG, "jpeg", "jpg", FTC_IMAGE, "JPEG image"},
        {FT_PNG, "png", "png", FTC_IMAGE, "PNG image"},
        {FT_GIF, "gif", "gif", FTC_IMAGE, "GIF image"},
        {FT_BMP, "bmp", "bmp", FTC_IMAGE, "BMP image"},
        {FT_TIFF, "tiff", "tif", FTC_IMAGE, "TIFF image"},
        {FT_WEBP, "webp", "webp", FTC_IMAGE, "WebP image"},
        {FT_PDF, "pdf", "pdf", FTC_DOCUMENT, "PDF document"},
        {FT_DOCX, "docx", "docx", FTC_DOCUMENT, "Word document"},
        {FT_DOCM, "docm", "docm", FTC_DOCUMENT, "Word macro-enabled document"},
        {FT_DOTX, "dotx", "dotx", FTC_DOCUMENT, "Word template"},
        {FT_DOTM, "dotm", "dotm", FTC_DOCUMENT, "Word macro-enabled template"},
        {FT_XLSX, "xlsx", "xlsx", FTC_DOCUMENT, "Excel workbook"},
        {FT_XLSM, "xlsm", "xlsm", FTC_DOCUMENT, "Excel macro-enabled workbook"},
        {FT_XLTX, "xltx", "xltx", FTC_DOCUMENT, "Excel template"},
        {FT_XLTM, "xltm", "xltm", FTC_DOCUMENT, "Excel macro-enabled template"},
        {FT_XLSB, "xlsb", "xlsb", FTC_DOCUMENT, "Excel binary workbook"},
        {FT_PPTX, "pptx", "pptx", FTC_DOCUMENT, "PowerPoint presentation"},
        {FT_PPTM, "pptm", "pptm", FTC_DOCUMENT, "PowerPoint macro-enabled presentation"},
        {FT_PPSX, "ppsx", "ppsx", FTC_DOCUMENT, "PowerPoint slide show"},
        {FT_PPSM, "ppsm", "ppsm", FTC_DOCUMENT, "PowerPoint macro-enabled slide show"},
        {FT_POTX, "potx", "potx", FTC_DOCUMENT, "PowerPoint template"},
        {FT_POTM, "potm", "potm", FTC_DOCUMENT, "PowerPoint macro-enabled template"},
        {FT_ODT, "odt", "odt", FTC_DOCUMENT, "OpenDocument text"},
        {FT_ODS, "ods", "ods", FTC_DOCUMENT, "OpenDocument spreadsheet"},
        {FT_ODP, "odp", "odp", FTC_DOCUMENT, "OpenDocument presentation"},
        {FT_OTT, "ott", "ott", FTC_DOCUMENT, "OpenDocument text template"},
        {FT_OTS, "ots", "ots", FTC_DOCUMENT, "OpenDocument spreadsheet template"},
        {FT_OTP, "otp", "otp", FTC_DOCUMENT, "OpenDocument presentation template"},
        {FT_DOC, "doc", "doc", FTC_DOCUMENT, "Word 97-2003 document"},
        {FT_XLS, "xls", "xls", FTC_DOCUMENT, "Excel 97-2003 workbook"},
        {FT_PPT, "ppt", "ppt", FTC_DOCUMENT, "PowerPoint 97-2003 presentation"},
        {FT_OLE2, "ole2", "bin", FTC_DOCUMENT, "OLE2 compound file"},
        {FT_JTD, "jtd", "jtd", FTC_DOCUMENT, "Ichitaro document"},
        {FT_ZIP, "zip", "zip", FTC_ARCHIVE, "zip archive"},
        {FT_7Z, "7z", "7z", FTC_ARCHIVE, "7-Zip archive"},
        {FT_TAR, "tar", "tar", FTC_ARCHIVE, "tar archive"},
        {FT_GZIP, "gzip", "gz", FTC_ARCHIVE, "gzip compressed data"},
        {FT_BZIP2, "bzip2", "bz2", FTC_ARCHIVE, "bzip2 compressed data"},
        {FT_XZ, "xz", "xz", FTC_ARCHIVE, "xz compressed data"},
        {FT_ZSTD, "zstd", "zst", FTC_ARCHIVE, "zstd compressed data"},
        {FT_LZH, "lzh", "lzh", FTC_ARCHIVE, "LHA archive"},
        {FT_RAR, "rar", "rar", FTC_ARCHIVE, "RAR archive"},
        {FT_CAB, "cab", "cab", FTC_ARCHIVE, "Microsoft cabinet"},
        {FT_CPIO, "cpio", "cpio", FTC_ARCHIVE, "cpio archive"},
        {FT_PE, "pe", "exe", FTC_EXECUTABLE, "Windows executable (PE)"},
        {FT_ELF, "elf", "elf", FTC_EXECUTABLE, "ELF executable"},
        {FT_MACHO, "macho", "macho", FTC_EXECUTABLE, "Mach-O executable"},
        {FT_JAVA_CLASS, "java-class", "class", FTC_EXECUTABLE, "Java class file"},
        {FT_JAR, "jar", "jar", FTC_EXECUTABLE, "Java archive"},
        {FT_MSI, "msi", "msi", FTC_EXECUTABLE, "Windows Installer package"},
        {FT_LNK, "lnk", "lnk", FTC_EXECUTABLE, "Windows shortcut (LNK)"},
        {FT_CHM, "chm", "chm", FTC_EXECUTABLE, "compiled HTML help"},
        {FT_ISO, "iso", "iso", FTC_EXECUTABLE, "ISO 9660 disk image"},
        {FT_DISK_IMAGE, "disk-image", "img", FTC_EXECUTABLE, "raw disk image"},
        {FT_VHD, "vhd", "vhd", FTC_EXECUTABLE, "VHD disk image"},
        {FT_VHDX, "vhdx", "vhdx", FTC_EXECUTABLE, "VHDX disk image"},
        {FT_ONENOTE, "onenote", "one", FTC_EXECUTABLE, "OneNote section"},
        {FT_APPX, "appx", "appx", FTC_EXECUTABLE, "APPX/MSIX package"},
        {FT_SCRIPT, "script", "txt", FTC_EXECUTABLE, "script"},
        {FT_SHORTCUT, "shortcut", "url", FTC_EXECUTABLE, "shortcut or web query file"},
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
