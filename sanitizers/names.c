/*
 * names - file-name checks that apply whatever the content is.
 *
 * A name is judged on its base name only (the directories a container
 * member sits in are the archive sanitizer's business). The checks run in
 * this order and the first that fails decides the code:
 *   empty or longer than 255 bytes          bad-name
 *   not valid UTF-8 (strict: no overlong     bad-name
 *   forms, surrogates or values past U+10FFFF)
 *   C0/C1 control characters, DEL            bad-name
 *   ':' (NTFS reads "a.exe::$DATA" as a.exe) bad-name
 *   bidi controls (RTLO and friends)         bidi-control
 *   trailing '.', ' ' or U+3000              trailing-dot-or-space
 *   final extension that runs on Windows     dangerous-extension
 *   (the list below; case-insensitive)
 * Windows strips trailing dots and spaces, so "a.exe." runs as a.exe; the
 * extension check therefore only sees names that have none. Japanese names
 * (kana, kanji, full-width forms) pass.
 */
#include "names.h"
#include "err.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NAMES_MAX_BYTES 255

/*
 * Final extensions Windows runs, or hands to a handler that runs code or
 * mounts an image: the project's list, then more from Outlook's Level 1
 * attachment list. Lower case, one space between, spaces at both ends.
 */
static const char names_dangerous[] =
        " exe com scr pif cpl dll ocx sys drv msi msp mst lnk url library-ms"
        " searchconnector-ms iqy slk hta js jse vbs vbe wsf wsh wsc ps1 psm1 psd1 bat cmd sct"
        " jar chm reg inf application gadget msc xll xla xlam appx msix appxbundle msixbundle"
        " iso img vhd vhdx one settingcontent-ms"
        " ade adp app appref-ms bas class cnt diagcab efi fxp grp hlp hpj htc ins isp its jnlp"
        " ksh mad maf mag mam maq mar mas mat mau mav maw mcf mda mde mdt mdw mdz msh msh1 msh2"
        " mshxml msh1xml msh2xml msu onetoc2 ops osd pcd plg prf prg printerexport ps1xml ps2"
        " ps2xml psc1 psc2 psdm1 py pyc pyo pyw pyz pyzw scf shb shs theme udf vb vbp vsmacros"
        " vsw webpnp website ws wsb xbap xnk ";

/* Whether ext (without the dot) is in names_dangerous, ignoring ASCII case. */
static bool names_ext_dangerous(const char *ext)
{
    char key[40];
    size_t n = strlen(ext);
    if (n == 0 || n > sizeof(key) - 3)
        return false;
    key[0] = ' ';
    for (size_t i = 0; i < n; i++) {
        char c = ext[i];
        if (c == ' ')
            return false;
        key[i + 1] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    key[n + 1] = ' ';
    key[n + 2] = '\0';
    return strstr(names_dangerous, key) != NULL;
}

static int refuse(const char *c, char *code, size_t codelen, char *why, size_t whylen,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int refuse(const char *c, char *code, size_t codelen, char *why, size_t whylen,
                  const char *fmt, ...)
{
    if (code != NULL && codelen > 0)
        snprintf(code, codelen, "%s", c);
    if (why != NULL && whylen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return MG_ERR_BLOCKED;
}

static bool is_bidi(long cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
           cp == 0x200F || cp == 0x061C;
}

int names_check(const char *name, char *code, size_t codelen, char *why, size_t whylen)
{
    if (code != NULL && codelen > 0)
        code[0] = '\0';
    if (why != NULL && whylen > 0)
        why[0] = '\0';
    if (name == NULL)
        return refuse("bad-name", code, codelen, why, whylen, "the file has no name");
    const char *base = names_basename(name);
    const unsigned char *s = (const unsigned char *)base;
    size_t len = strlen(base);
    if (len == 0)
        return refuse("bad-name", code, codelen, why, whylen, "the file name is empty");
    if (len > NAMES_MAX_BYTES)
        return refuse("bad-name", code, codelen, why, whylen,
                      "the file name is %zu bytes long; at most %d are allowed", len,
                      NAMES_MAX_BYTES);

    long last = -1;
    for (size_t i = 0; i < len;) {
        size_t at = i, used = 0;
        long cp = utf8_next(s + i, len - i, &used);
        i += used;
        if (cp < 0)
            return refuse("bad-name", code, codelen, why, whylen,
                          "the file name is not valid UTF-8 (byte 0x%02X at offset %zu)", s[at],
                          at);
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
            return refuse("bad-name", code, codelen, why, whylen,
                          "the file name contains the control character U+%04lX", cp);
        if (cp == ':')
            return refuse("bad-name", code, codelen, why, whylen,
                          "the file name contains ':', which Windows reads as a stream name");
        if (is_bidi(cp))
            return refuse("bidi-control", code, codelen, why, whylen,
                          "the file name contains the bidirectional control U+%04lX, which can "
                          "make its extension display reversed",
                          cp);
        last = cp;
    }
    if (last == '.' || last == ' ' || last == 0x3000)
        return refuse("trailing-dot-or-space", code, codelen, why, whylen,
                      "the file name ends with %s, which Windows removes or hides, so the real "
                      "extension is not the one shown",
                      last == '.' ? "a dot" : "a space");

    const char *dot = strrchr(base, '.');
    if (dot != NULL) {
        const char *ext = dot + 1;
        if (names_ext_dangerous(ext))
            return refuse("dangerous-extension", code, codelen, why, whylen,
                          "the file name ends in .%s, which Windows runs or opens as active "
                          "content",
                          ext);
    }
    return MG_OK;
}

const char *names_basename(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\')
            b = p + 1;
    return b;
}
