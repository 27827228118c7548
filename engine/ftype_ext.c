/*
 * ftype_ext - the type a file name's extension claims (ftype_by_ext).
 *
 * Kept apart from identification by content (ident.c, which needs
 * libmagic and libarchive) so that naming and the command line can use it
 * without them.
 */
#include "ftype.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

struct ext_map {
    const char *ext;
    enum ftype type;
};

static const struct ext_map ext_table[] = {
        {"txt", FT_TEXT},
        {"text", FT_TEXT},
        {"log", FT_TEXT},
        {"csv", FT_CSV},
        {"html", FT_HTML},
        {"htm", FT_HTML},
        {"xhtml", FT_HTML},
        {"xml", FT_XML},
        {"svg", FT_SVG},
        {"rtf", FT_RTF},
        {"eml", FT_EML},
        {"msg", FT_OLE2},
        {"jpg", FT_JPEG},
        {"jpeg", FT_JPEG},
        {"jpe", FT_JPEG},
        {"jfif", FT_JPEG},
        {"png", FT_PNG},
        {"gif", FT_GIF},
        {"bmp", FT_BMP},
        {"dib", FT_BMP},
        {"tif", FT_TIFF},
        {"tiff", FT_TIFF},
        {"webp", FT_WEBP},
        {"pdf", FT_PDF},
        {"docx", FT_DOCX},
        {"docm", FT_DOCM},
        {"dotx", FT_DOTX},
        {"dotm", FT_DOTM},
        {"xlsx", FT_XLSX},
        {"xlsm", FT_XLSM},
        {"xltx", FT_XLTX},
        {"xltm", FT_XLTM},
        {"xlsb", FT_XLSB},
        {"pptx", FT_PPTX},
        {"pptm", FT_PPTM},
        {"ppsx", FT_PPSX},
        {"ppsm", FT_PPSM},
        {"potx", FT_POTX},
        {"potm", FT_POTM},
        {"sldx", FT_SLDX},
        {"sldm", FT_SLDM},
        {"thmx", FT_THMX},
        {"vsdx", FT_VSDX},
        {"vsdm", FT_VSDM},
        {"vssx", FT_VSSX},
        {"vssm", FT_VSSM},
        {"vstx", FT_VSTX},
        {"vstm", FT_VSTM},
        {"vsd", FT_OLE2},
        {"vss", FT_OLE2},
        {"vst", FT_OLE2},
        {"xps", FT_XPS},
        {"oxps", FT_OXPS},
        {"odt", FT_ODT},
        {"ods", FT_ODS},
        {"odp", FT_ODP},
        {"ott", FT_OTT},
        {"ots", FT_OTS},
        {"otp", FT_OTP},
        {"odg", FT_ODG},
        {"otg", FT_OTG},
        {"odf", FT_ODF_FORMULA},
        {"otf", FT_ODF_FORMULA},
        {"odb", FT_ODB},
        {"odc", FT_ODF_OTHER},
        {"otc", FT_ODF_OTHER},
        {"odi", FT_ODF_OTHER},
        {"oti", FT_ODF_OTHER},
        {"odm", FT_ODF_OTHER},
        {"otm", FT_ODF_OTHER},
        {"oth", FT_ODF_OTHER},
        {"sxw", FT_SUN_XML},
        {"stw", FT_SUN_XML},
        {"sxg", FT_SUN_XML},
        {"sxc", FT_SUN_XML},
        {"stc", FT_SUN_XML},
        {"sxi", FT_SUN_XML},
        {"sti", FT_SUN_XML},
        {"sxd", FT_SUN_XML},
        {"std", FT_SUN_XML},
        {"sxm", FT_SUN_XML},
        {"epub", FT_EPUB},
        {"kmz", FT_KMZ},
        {"doc", FT_DOC},
        {"dot", FT_DOC},
        {"xls", FT_XLS},
        {"xlt", FT_XLS},
        {"ppt", FT_PPT},
        {"pps", FT_PPT},
        {"pot", FT_PPT},
        {"jtd", FT_JTD},
        {"jtt", FT_JTD},
        {"jtdc", FT_JTD},
        {"zip", FT_ZIP},
        {"7z", FT_7Z},
        {"tar", FT_TAR},
        {"gz", FT_GZIP},
        {"tgz", FT_GZIP},
        {"bz2", FT_BZIP2},
        {"tbz", FT_BZIP2},
        {"tbz2", FT_BZIP2},
        {"xz", FT_XZ},
        {"txz", FT_XZ},
        {"zst", FT_ZSTD},
        {"lzh", FT_LZH},
        {"lha", FT_LZH},
        {"rar", FT_RAR},
        {"cab", FT_CAB},
        {"cpio", FT_CPIO},
        {"exe", FT_PE},
        {"dll", FT_PE},
        {"scr", FT_PE},
        {"cpl", FT_PE},
        {"sys", FT_PE},
        {"ocx", FT_PE},
        {"xll", FT_PE},
        {"drv", FT_PE},
        {"efi", FT_PE},
        {"com", FT_PE},
        {"pif", FT_PE},
        {"so", FT_ELF},
        {"elf", FT_ELF},
        {"dylib", FT_MACHO},
        {"class", FT_JAVA_CLASS},
        {"jar", FT_JAR},
        {"war", FT_JAR},
        {"ear", FT_JAR},
        {"msi", FT_MSI},
        {"msp", FT_MSI},
        {"mst", FT_MSI},
        {"lnk", FT_LNK},
        {"chm", FT_CHM},
        {"iso", FT_ISO},
        {"udf", FT_ISO},
        {"img", FT_DISK_IMAGE},
        {"vhd", FT_VHD},
        {"vhdx", FT_VHDX},
        {"one", FT_ONENOTE},
        {"onetoc2", FT_ONENOTE},
        {"appx", FT_APPX},
        {"msix", FT_APPX},
        {"appxbundle", FT_APPX},
        {"msixbundle", FT_APPX},
        {"js", FT_SCRIPT},
        {"jse", FT_SCRIPT},
        {"vbs", FT_SCRIPT},
        {"vbe", FT_SCRIPT},
        {"wsf", FT_SCRIPT},
        {"wsh", FT_SCRIPT},
        {"wsc", FT_SCRIPT},
        {"ps1", FT_SCRIPT},
        {"psm1", FT_SCRIPT},
        {"psd1", FT_SCRIPT},
        {"bat", FT_SCRIPT},
        {"cmd", FT_SCRIPT},
        {"hta", FT_SCRIPT},
        {"sct", FT_SCRIPT},
        {"url", FT_SHORTCUT},
        {"library-ms", FT_SHORTCUT},
        {"searchconnector-ms", FT_SHORTCUT},
        {"settingcontent-ms", FT_SHORTCUT},
        {"iqy", FT_SHORTCUT},
        {"slk", FT_SHORTCUT},
        {"scf", FT_SHORTCUT},
        {"apk", FT_APK},
        {"aab", FT_APK},
        {"apks", FT_APK},
        {"xapk", FT_APK},
        {"nupkg", FT_NUGET},
        {"snupkg", FT_NUGET},
        {"vsix", FT_VSIX},
        {"xlam", FT_XLAM},
        {"ppam", FT_PPAM},
        {"pyz", FT_PYTHON_ZIP},
        {"pyzw", FT_PYTHON_ZIP},
        {"whl", FT_PYTHON_ZIP},
        {"egg", FT_PYTHON_ZIP},
        {"xpi", FT_BROWSER_EXT},
        {"crx", FT_BROWSER_EXT},
};

enum ftype ftype_by_ext(const char *name)
{
    if (name == NULL)
        return FT_UNKNOWN;
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t n = strlen(base);
    /* Windows drops trailing dots and spaces, so "a.exe. " claims exe. */
    while (n > 0 && (base[n - 1] == '.' || base[n - 1] == ' '))
        n--;
    size_t dot = n;
    while (dot > 0 && base[dot - 1] != '.')
        dot--;
    if (dot == 0)
        return FT_UNKNOWN;
    const char *ext = base + dot;
    size_t elen = n - dot;
    for (size_t i = 0; i < sizeof(ext_table) / sizeof(ext_table[0]); i++)
        if (strlen(ext_table[i].ext) == elen && strncasecmp(ext_table[i].ext, ext, elen) == 0)
            return ext_table[i].type;
    return FT_UNKNOWN;
}
