/*
 * t_names - file-name checks.
 *
 * Each rule is exercised with names that must be refused (and the code
 * that says why) and with near misses that must pass, Japanese names in
 * particular, which are the normal case for Mugai's users.
 */
#include "t.h"

#include "err.h"
#include "names.h"

#include <stdio.h>
#include <string.h>

static void expect_block(const char *name, const char *want_code)
{
    char code[32], why[256];
    memset(code, 'x', sizeof(code));
    memset(why, 'x', sizeof(why));
    int rc = names_check(name, code, sizeof(code), why, sizeof(why));
    if (rc != MG_ERR_BLOCKED || strcmp(code, want_code) != 0)
        fprintf(stderr, "name \"%s\": rc %d code \"%.31s\", want blocked %s\n",
                name ? name : "(null)", rc, code, want_code);
    CHECK_EQ_INT(rc, MG_ERR_BLOCKED);
    CHECK(strcmp(code, want_code) == 0);
    /* a one-line English reason */
    CHECK(memchr(why, '\0', sizeof(why)) != NULL);
    CHECK(strlen(why) > 10);
    CHECK(strchr(why, '\n') == NULL);
}

static void expect_ok(const char *name)
{
    char code[32] = "junk", why[256] = "junk";
    int rc = names_check(name, code, sizeof(code), why, sizeof(why));
    if (rc != MG_OK)
        fprintf(stderr, "name \"%s\": rc %d (%s: %s), want OK\n", name, rc, code, why);
    CHECK_EQ_INT(rc, MG_OK);
}

static void test_japanese_pass(void)
{
    expect_ok("\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8.pdf"); /* 請求書.pdf */
    expect_ok("\xe4\xbc\x9a\xe8\xad\xb0\xe8\xb3\x87\xe6\x96\x99\xef\xbc\x88\xe6\xa1\x88"
              "\xef\xbc\x89.docx");                        /* 会議資料（案）.docx */
    expect_ok("\xef\xbe\x83\xef\xbd\xbd\xef\xbe\x84.txt"); /* ﾃｽﾄ.txt (half-width) */
    expect_ok("\xe3\x80\x80\xe5\x85\x88\xe9\xa0\xad\xe7\xa9\xba\xe7\x99\xbd.xlsx"); /* leading
                                                                                       U+3000 */
    expect_ok("\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3.csv");               /* ＡＢＣ.csv */
    expect_ok("\xe3\x83\x95\xe3\x82\xa1\xe3\x82\xa4\xe3\x83\xab 1.jpg"); /* ファイル 1.jpg */
    expect_ok("report.docx");
    expect_ok("archive.tar.gz");
    expect_ok("README");
    expect_ok(".hidden");
    expect_ok("a.exe.txt");
    expect_ok("exe");
    expect_ok("a.exe1");
    expect_ok("a.jsx");
    expect_ok("dir.exe/inner.txt");    /* only the base name counts */
    expect_ok("\xf0\x9f\x98\x80.png"); /* 4-byte UTF-8 */
}

static void test_dangerous_extensions(void)
{
    static const char *const exts[] = {
            "exe",         "com",        "scr",        "pif",
            "cpl",         "dll",        "ocx",        "sys",
            "drv",         "msi",        "msp",        "mst",
            "lnk",         "url",        "library-ms", "searchconnector-ms",
            "iqy",         "slk",        "hta",        "js",
            "jse",         "vbs",        "vbe",        "wsf",
            "wsh",         "wsc",        "ps1",        "psm1",
            "psd1",        "bat",        "cmd",        "sct",
            "jar",         "chm",        "reg",        "inf",
            "application", "gadget",     "msc",        "xll",
            "xla",         "xlam",       "appx",       "msix",
            "appxbundle",  "msixbundle", "iso",        "img",
            "vhd",         "vhdx",       "one",        "settingcontent-ms",
    };
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "file.%s", exts[i]);
        expect_block(name, "dangerous-extension");
        /* upper case */
        for (char *p = name; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 32);
        expect_block(name, "dangerous-extension");
    }
    expect_block("setup.msu", "dangerous-extension");
    expect_block("tool.PYW", "dangerous-extension");
    expect_block("\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8.pdf.exe", "dangerous-extension");
    expect_block("Invoice.PDF.Exe", "dangerous-extension");
    expect_block(".exe", "dangerous-extension");
    expect_block("dir/sub\\setup.msi", "dangerous-extension");
}

static void test_bidi(void)
{
    /* "invoice<RLO>fdp.exe" shows as invoiceexe.pdf */
    expect_block("invoice\xe2\x80\xae"
                 "fdp.exe",
                 "bidi-control");
    expect_block("invoice\xe2\x80\xae"
                 "cod.txt",
                 "bidi-control");
    expect_block("a\xe2\x80\xaa.txt", "bidi-control"); /* U+202A */
    expect_block("a\xe2\x80\xac.txt", "bidi-control"); /* U+202C */
    expect_block("a\xe2\x81\xa6.txt", "bidi-control"); /* U+2066 */
    expect_block("a\xe2\x81\xa9.txt", "bidi-control"); /* U+2069 */
    expect_block("a\xe2\x80\x8e.txt", "bidi-control"); /* U+200E */
    expect_block("a\xe2\x80\x8f.txt", "bidi-control"); /* U+200F */
    expect_block("a\xd8\x9c.txt", "bidi-control");     /* U+061C */
    expect_ok("a\xe2\x80\x8d.txt");                    /* U+200D is not a bidi control */
    expect_ok("a\xe2\x81\xa5.txt");                    /* U+2065 neither */
}

static void test_trailing(void)
{
    expect_block("a.exe.", "trailing-dot-or-space");
    expect_block("a.pdf ", "trailing-dot-or-space");
    expect_block("a.pdf\xe3\x80\x80", "trailing-dot-or-space"); /* U+3000 */
    expect_block("a.txt...", "trailing-dot-or-space");
    expect_block("..", "trailing-dot-or-space");
    expect_block("dir/name.", "trailing-dot-or-space");
}

static void test_bad_names(void)
{
    expect_block("", "bad-name");
    expect_block(NULL, "bad-name");
    expect_block("dir/", "bad-name");
    expect_block("a\x01.txt", "bad-name");
    expect_block("a\t.txt", "bad-name");
    expect_block("a\x7f.txt", "bad-name");
    expect_block("a\xc2\x85.txt", "bad-name");         /* U+0085 NEL (C1) */
    expect_block("a\xc2\x9b.txt", "bad-name");         /* U+009B CSI (C1) */
    expect_block("a\xff.txt", "bad-name");             /* invalid byte */
    expect_block("\x90\xbf\x8b\x81.txt", "bad-name");  /* Shift_JIS 請求, not UTF-8 */
    expect_block("a\xc0\xae.txt", "bad-name");         /* overlong '.' */
    expect_block("a\xe0\x80\xae.txt", "bad-name");     /* overlong, 3 bytes */
    expect_block("a\xed\xa0\x80.txt", "bad-name");     /* surrogate */
    expect_block("a\xf4\x90\x80\x80.txt", "bad-name"); /* past U+10FFFF */
    expect_block("a\xe3\x81.txt", "bad-name");         /* truncated sequence */
    expect_block("a\xe3\x81", "bad-name");             /* truncated at the end */
    expect_block("a.txt:evil.exe", "bad-name");
    expect_block("a.exe::$DATA", "bad-name");
    char longname[300];
    memset(longname, 'a', 252);
    memcpy(longname + 252, ".txt", 5); /* 256 bytes */
    expect_block(longname, "bad-name");
    longname[251] = '\0';
    memcpy(longname + 251, ".txt", 5); /* 255 bytes */
    expect_ok(longname);
    /* 85 three-byte characters = 255 bytes: passes; one more byte does not */
    char jp[300] = "";
    for (int i = 0; i < 84; i++)
        strcat(jp, "\xe3\x81\x82");
    strcat(jp, "a.txt"); /* 252 + 5 = 257 */
    expect_block(jp, "bad-name");
}

static void test_small_buffers(void)
{
    char code[4], why[8];
    CHECK_EQ_INT(names_check("a.exe", code, sizeof(code), why, sizeof(why)), MG_ERR_BLOCKED);
    CHECK(strlen(code) == 3 && strlen(why) == 7);
    CHECK_EQ_INT(names_check("a.exe", NULL, 0, NULL, 0), MG_ERR_BLOCKED);
    CHECK_EQ_INT(names_check("a.txt", NULL, 0, NULL, 0), MG_OK);
}

static void test_basename(void)
{
    CHECK(strcmp(names_basename("a/b/c.txt"), "c.txt") == 0);
    CHECK(strcmp(names_basename("a\\b\\c.txt"), "c.txt") == 0);
    CHECK(strcmp(names_basename("c.txt"), "c.txt") == 0);
    CHECK(strcmp(names_basename("dir/"), "") == 0);
}

int main(void)
{
    test_japanese_pass();
    test_dangerous_extensions();
    test_bidi();
    test_trailing();
    test_bad_names();
    test_small_buffers();
    test_basename();
    return t_done();
}
