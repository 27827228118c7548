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
 *
 * The released name (names_release_name) must end in an extension that
 * Windows and Office open as the type that was released: an extension the
 * content does not back ("meeting.rdp" holding text, which Remote Desktop
 * would otherwise open with its drive redirections) is not kept. The
 * allowlist per type is in ftype.c; the rule is here, in one place, so
 * that every path that releases a file (command line, mail, archive
 * members) can name it alike.
 */
#include "names.h"
#include "err.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

static int refuse(enum reason c, enum reason *code, char *why, size_t whylen, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

static int refuse(enum reason c, enum reason *code, char *why, size_t whylen, const char *fmt, ...)
{
    if (code != NULL)
        *code = c;
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

int names_check(const char *name, enum reason *code, char *why, size_t whylen)
{
    if (code != NULL)
        *code = REASON_NONE;
    if (why != NULL && whylen > 0)
        why[0] = '\0';
    if (name == NULL)
        return refuse(REASON_BAD_NAME, code, why, whylen, "the file has no name");
    const char *base = names_basename(name);
    const unsigned char *s = (const unsigned char *)base;
    size_t len = strlen(base);
    if (len == 0)
        return refuse(REASON_BAD_NAME, code, why, whylen, "the file name is empty");
    if (len > NAMES_MAX_BYTES)
        return refuse(REASON_BAD_NAME, code, why, whylen,
                      "the file name is %zu bytes long; at most %d are allowed", len,
                      NAMES_MAX_BYTES);

    long last = -1;
    for (size_t i = 0; i < len;) {
        size_t at = i, used = 0;
        long cp = utf8_next(s + i, len - i, &used);
        i += used;
        if (cp < 0)
            return refuse(REASON_BAD_NAME, code, why, whylen,
                          "the file name is not valid UTF-8 (byte 0x%02X at offset %zu)", s[at],
                          at);
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
            return refuse(REASON_BAD_NAME, code, why, whylen,
                          "the file name contains the control character U+%04lX", cp);
        if (cp == ':')
            return refuse(REASON_BAD_NAME, code, why, whylen,
                          "the file name contains ':', which Windows reads as a stream name");
        if (is_bidi(cp))
            return refuse(REASON_BIDI_CONTROL, code, why, whylen,
                          "the file name contains the bidirectional control U+%04lX, which can "
                          "make its extension display reversed",
                          cp);
        last = cp;
    }
    if (last == '.' || last == ' ' || last == 0x3000)
        return refuse(REASON_TRAILING_DOT_OR_SPACE, code, why, whylen,
                      "the file name ends with %s, which Windows removes or hides, so the real "
                      "extension is not the one shown",
                      last == '.' ? "a dot" : "a space");

    const char *dot = strrchr(base, '.');
    if (dot != NULL) {
        const char *ext = dot + 1;
        if (names_ext_dangerous(ext))
            return refuse(REASON_DANGEROUS_EXTENSION, code, why, whylen,
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

/* ------------------------------------------------------------------ */
/* The released name                                                   */

/*
 * Length of base[0, n) without compressor suffixes, when the output is not
 * that compressor: "note.txt.gz" came out as a text file, "a.tar.gz" as a
 * zip. Repeated, so "a.txt.gz.xz" that held text is "a.txt".
 */
static size_t names_strip_compressors(const char *base, size_t n, enum ftype out)
{
    static const struct {
        const char *suffix;
        enum ftype type;
    } comp[] = {{".gz", FT_GZIP}, {".bz2", FT_BZIP2}, {".xz", FT_XZ}, {".zst", FT_ZSTD}};
    bool again = true;
    while (again) {
        again = false;
        for (size_t i = 0; i < sizeof(comp) / sizeof(comp[0]) && !again; i++) {
            size_t sl = strlen(comp[i].suffix);
            if (out != comp[i].type && n > sl &&
                strncasecmp(base + n - sl, comp[i].suffix, sl) == 0) {
                n -= sl;
                again = true;
            }
        }
    }
    return n;
}

/* The type the extension ext[0, len) claims; FT_UNKNOWN when none or too long to be one. */
static enum ftype names_ext_claim(const char *ext, size_t len)
{
    char probe[40];
    if (len == 0 || len > sizeof(probe) - 2)
        return FT_UNKNOWN;
    probe[0] = '.';
    memcpy(probe + 1, ext, len);
    probe[len + 1] = '\0';
    return ftype_by_ext(probe);
}

/*
 * stem "." ext into dst, at most NAMES_MAX_BYTES and cap - 1 bytes: the
 * stem gives way (at a UTF-8 character boundary) so the extension, which
 * decides how the file is opened, is always whole; "" if no stem byte fits.
 */
static void names_join(const char *stem, size_t sl, const char *ext, size_t el, char *dst,
                       size_t cap)
{
    size_t limit = cap - 1 < NAMES_MAX_BYTES ? cap - 1 : NAMES_MAX_BYTES;
    dst[0] = '\0';
    if (el + 2 > limit)
        return;
    if (sl > limit - 1 - el) {
        sl = limit - 1 - el;
        while (sl > 0 && ((unsigned char)stem[sl] & 0xC0) == 0x80)
            sl--;
    }
    if (sl == 0)
        return;
    memcpy(dst, stem, sl);
    dst[sl] = '.';
    memcpy(dst + sl + 1, ext, el);
    dst[sl + 1 + el] = '\0';
}

void names_release_name(const char *in_name, enum ftype out, char *dst, size_t cap)
{
    if (dst == NULL || cap == 0)
        return;
    const char *base = in_name != NULL ? names_basename(in_name) : "";
    size_t n = names_strip_compressors(base, strlen(base), out);
    /* A program or unidentified data is never released; should one slip
     * through, its name must not make Windows run it. */
    const char *canon = ftype_is_executable(out) ? "bin" : ftype_info(out)->ext;
    if (n == 0) {
        /* No name at all: the extension still says what the file is. */
        base = "file";
        n = 4;
    }
    /* The last '.' not at the start (".profile" has no extension) with something after it. */
    size_t dot = n;
    while (dot > 0 && base[dot - 1] != '.')
        dot--;
    if (dot <= 1 || dot == n) {
        names_join(base, n, canon, strlen(canon), dst, cap);
        return;
    }
    const char *ext = base + dot;
    size_t el = n - dot;
    if (ftype_release_ext(out, ext, el))
        names_join(base, dot - 1, ext, el, dst, cap);
    else if (names_ext_claim(ext, el) != FT_UNKNOWN)
        names_join(base, dot - 1, canon, strlen(canon), dst, cap);
    else
        names_join(base, n, canon, strlen(canon), dst, cap);
}
