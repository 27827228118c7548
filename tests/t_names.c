/*
 * t_names - file-name checks.
 *
 * Each rule is exercised with names that must be refused (and the code
 * that says why) and with near misses that must pass, Japanese names in
 * particular, which are the normal case for Mugai's users.
 */
#include "t.h"

#include "err.h"
#include "ftype.h"
#include "names.h"
#include "utf8.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void expect_block(const char *name, const char *want_code)
{
    enum reason code = REASON_INTERNAL;
    char why[256];
    memset(why, 'x', sizeof(why));
    int rc = names_check(name, &code, why, sizeof(why));
    if (rc != MG_ERR_BLOCKED || strcmp(reason_code(code), want_code) != 0)
        fprintf(stderr, "name \"%s\": rc %d code \"%s\", want blocked %s\n", name ? name : "(null)",
                rc, reason_code(code), want_code);
    CHECK_EQ_INT(rc, MG_ERR_BLOCKED);
    CHECK(strcmp(reason_code(code), want_code) == 0);
    /* a one-line English reason */
    CHECK(memchr(why, '\0', sizeof(why)) != NULL);
    CHECK(strlen(why) > 10);
    CHECK(strchr(why, '\n') == NULL);
}

static void expect_ok(const char *name)
{
    enum reason code = REASON_INTERNAL;
    char why[256] = "junk";
    int rc = names_check(name, &code, why, sizeof(why));
    if (rc != MG_OK)
        fprintf(stderr, "name \"%s\": rc %d (%s: %s), want OK\n", name, rc, reason_code(code), why);
    CHECK_EQ_INT(rc, MG_OK);
    CHECK(code == REASON_NONE);
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
    enum reason code;
    char why[8];
    CHECK_EQ_INT(names_check("a.exe", &code, why, sizeof(why)), MG_ERR_BLOCKED);
    CHECK(code == REASON_DANGEROUS_EXTENSION && strlen(why) == 7);
    CHECK_EQ_INT(names_check("a.exe", NULL, NULL, 0), MG_ERR_BLOCKED);
    CHECK_EQ_INT(names_check("a.txt", NULL, NULL, 0), MG_OK);
}

static void test_basename(void)
{
    CHECK(strcmp(names_basename("a/b/c.txt"), "c.txt") == 0);
    CHECK(strcmp(names_basename("a\\b\\c.txt"), "c.txt") == 0);
    CHECK(strcmp(names_basename("c.txt"), "c.txt") == 0);
    CHECK(strcmp(names_basename("dir/"), "") == 0);
}

/* names_release_name into a buffer of cap bytes, all the rest of it poisoned. */
static const char *release(const char *in, enum ftype out, size_t cap)
{
    static char buf[1024];
    memset(buf, 'x', sizeof(buf));
    names_release_name(in, out, buf, cap);
    CHECK(memchr(buf, '\0', cap) != NULL); /* terminated within cap */
    return buf;
}

static void expect_release(const char *in, enum ftype out, const char *want)
{
    const char *got = release(in, out, 1024);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "release name of \"%s\" as %s: \"%s\", want \"%s\"\n", in ? in : "(null)",
                ftype_info(out)->name, got, want);
    CHECK(strcmp(got, want) == 0);
}

/* Release names, each from a name and an output type. */
struct release_case {
    const char *in;
    enum ftype out;
    const char *want;
};

static void check_releases(const struct release_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        expect_release(c[i].in, c[i].out, c[i].want);
}

/* The names the review found released unchanged as "clean" text. */
static void test_release_unknown_extensions(void)
{
    static const struct release_case cases[] = {
            {"meeting.rdp", FT_TEXT, "meeting.rdp.txt"},
            {"root.cer", FT_TEXT, "root.cer.txt"},
            {"page.shtml", FT_TEXT, "page.shtml.txt"},
            {"x.mht", FT_TEXT, "x.mht.txt"},
            {"x.xht", FT_TEXT, "x.xht.txt"},
            {"a.php", FT_TEXT, "a.php.txt"},
            {"a.desktop", FT_TEXT, "a.desktop.txt"},
            {"a.command", FT_TEXT, "a.command.txt"},
            {"desktop.ini", FT_TEXT, "desktop.ini.txt"},
            {"notes.md", FT_TEXT, "notes.md.txt"},
            {"data.json", FT_TEXT, "data.json.txt"},
            {"run.sh", FT_TEXT, "run.sh.txt"},
            {"\xe4\xbc\x9a\xe8\xad\xb0.rdp", FT_TEXT,
             "\xe4\xbc\x9a\xe8\xad\xb0.rdp.txt"}, /* 会議.rdp */
            /* Only the last extension counts, as on Windows. */
            {"invoice.pdf.rdp", FT_TEXT, "invoice.pdf.rdp.txt"},
            {"dir/sub/meeting.rdp", FT_TEXT, "meeting.rdp.txt"},
            {"C:\\Users\\a\\a.php", FT_TEXT, "a.php.txt"},
            /* An image's allowlist is its own: a JPEG named .rdp is no exception. */
            {"meeting.rdp", FT_JPEG, "meeting.rdp.jpg"},
            {"x.mht", FT_EML, "x.mht.eml"},
    };
    check_releases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_release_allowed_kept(void)
{
    static const struct release_case cases[] = {
            {"notes.txt", FT_TEXT, "notes.txt"},
            {"NOTES.TXT", FT_TEXT, "NOTES.TXT"},
            {"app.log", FT_TEXT, "app.log"},
            {"a.text", FT_TEXT, "a.text"},
            {"data.csv", FT_CSV, "data.csv"},
            {"data.txt", FT_CSV, "data.txt"}, /* formulas neutralized: safe in Notepad */
            {"photo.JPG", FT_JPEG, "photo.JPG"},
            {"photo.jpeg", FT_JPEG, "photo.jpeg"},
            {"photo.jpe", FT_JPEG, "photo.jpe"},
            {"photo.jfif", FT_JPEG, "photo.jfif"},
            {"a.png", FT_PNG, "a.png"},
            {"a.gif", FT_GIF, "a.gif"},
            {"a.pdf", FT_PDF, "a.pdf"},
            {"report.docx", FT_DOCX, "report.docx"},
            {"book.xlsx", FT_XLSX, "book.xlsx"},
            {"slides.pptx", FT_PPTX, "slides.pptx"},
            {"a.odt", FT_ODT, "a.odt"},
            {"mail.eml", FT_EML, "mail.eml"},
            {"files.zip", FT_ZIP, "files.zip"},
            {"\xe5\x86\x99\xe7\x9c\x9f.JPG", FT_JPEG,
             "\xe5\x86\x99\xe7\x9c\x9f.JPG"}, /* 写真.JPG */
    };
    check_releases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_release_other_type_replaced(void)
{
    static const struct release_case cases[] = {
            {"photo.jpg", FT_PNG, "photo.png"},
            {"\xe5\x86\x99\xe7\x9c\x9f.JPG", FT_PNG, "\xe5\x86\x99\xe7\x9c\x9f.png"},
            {"report.docm", FT_DOCX, "report.docx"},
            {"report.doc", FT_DOCX, "report.docx"},
            {"template.dotx", FT_DOCX, "template.docx"},
            {"book.xlsm", FT_XLSX, "book.xlsx"},
            {"data.csv", FT_TEXT, "data.txt"},     /* text is not neutralized: no .csv */
            {"report.pdf", FT_TEXT, "report.txt"}, /* flattened */
            {"mail.txt", FT_EML, "mail.eml"},
            {"mail.msg", FT_EML, "mail.eml"},
            {"page.html", FT_TEXT, "page.txt"},
            {"page.xhtml", FT_TEXT, "page.txt"},
            {"archive.7z", FT_ZIP, "archive.zip"},
            {"archive.rar", FT_ZIP, "archive.zip"},
            {"archive.tgz", FT_ZIP, "archive.zip"},
            {"drawing.vsdm", FT_ZIP, "drawing.zip"},
    };
    check_releases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_release_compressors(void)
{
    static const struct release_case cases[] = {
            {"note.txt.gz", FT_TEXT, "note.txt"},
            {"NOTE.TXT.GZ", FT_TEXT, "NOTE.TXT"},
            {"note.txt.bz2", FT_TEXT, "note.txt"},
            {"note.txt.xz", FT_TEXT, "note.txt"},
            {"note.txt.zst", FT_TEXT, "note.txt"},
            {"note.txt.gz.xz", FT_TEXT, "note.txt"},
            {"hello.gz", FT_TEXT, "hello.txt"},
            {"archive.tar.gz", FT_ZIP, "archive.zip"},
            {"photo.jpg.gz", FT_JPEG, "photo.jpg"},
            {"meeting.rdp.gz", FT_TEXT, "meeting.rdp.txt"},
            {".gz", FT_TEXT, ".gz.txt"}, /* nothing before it: not a suffix */
            /* The compressor itself (never an output today) keeps its suffix. */
            {"a.gz", FT_GZIP, "a.gz"},
    };
    check_releases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_release_no_extension(void)
{
    static const struct release_case cases[] = {
            /* No extension: Windows would ask which program to use, and a mail
             * client or browser guesses from the content; the canonical extension
             * says what Mugai released, so it is appended as for an unknown one. */
            {"README", FT_TEXT, "README.txt"},
            {".profile", FT_TEXT, ".profile.txt"}, /* a leading dot starts no extension */
            {"a.", FT_TEXT, "a..txt"},
            {"dir/", FT_TEXT, "file.txt"},
            {"", FT_PNG, "file.png"},
            {NULL, FT_TEXT, "file.txt"},
    };
    check_releases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_release_never_released_types(void)
{
    static const struct release_case cases[] = {
            /* Programs and unknown data are never released; if one were, not as a program. */
            {"a.exe", FT_PE, "a.bin"},
            {"a.js", FT_SCRIPT, "a.bin"},
            {"a", FT_SCRIPT, "a.bin"},
            {"a.dat", FT_UNKNOWN, "a.dat.bin"},
            {"a.txt", (enum ftype)FT_COUNT, "a.bin"},
    };
    check_releases(cases, sizeof(cases) / sizeof(cases[0]));
}

static bool valid_utf8(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t used = 0;
        if (utf8_next((const unsigned char *)s + i, n - i, &used) < 0)
            return false;
        i += used;
    }
    return true;
}

static void test_release_bounds(void)
{
    /* 251 + ".rdp" = 255 bytes; ".txt" appended cuts the stem to keep 255. */
    char in[600], want[600];
    memset(in, 'a', 251);
    memcpy(in + 251, ".rdp", 5);
    memset(want, 'a', 251);
    memcpy(want + 251, ".txt", 5);
    expect_release(in, FT_TEXT, want);
    /* A kept name of 255 bytes stays whole. */
    memcpy(in + 251, ".txt", 5);
    expect_release(in, FT_TEXT, in);
    /* Japanese stem: cut between characters, never inside one. */
    in[0] = '\0';
    for (int i = 0; i < 84; i++)
        strcat(in, "\xe3\x81\x82"); /* あ x 84 = 252 bytes */
    strcat(in, ".rdp");
    const char *got = release(in, FT_TEXT, 1024);
    CHECK(strlen(got) <= 255);
    CHECK(strlen(got) == 83 * 3 + 4);
    CHECK(valid_utf8(got));
    CHECK(strlen(got) >= 4 && strcmp(got + strlen(got) - 4, ".txt") == 0);
    /* Small buffers: the extension always whole, or nothing. */
    CHECK(strcmp(release("meeting.rdp", FT_TEXT, 8), "mee.txt") == 0);
    CHECK(strcmp(release("meeting.rdp", FT_TEXT, 6), "m.txt") == 0);
    CHECK(strcmp(release("meeting.rdp", FT_TEXT, 5), "") == 0);
    CHECK(strcmp(release("meeting.rdp", FT_TEXT, 1), "") == 0);
    CHECK(strcmp(release("\xe3\x81\x82\xe3\x81\x84.rdp", FT_TEXT, 10), "\xe3\x81\x82.txt") == 0);
    CHECK(strcmp(release("\xe3\x81\x82.rdp", FT_TEXT, 7), "") == 0);
    names_release_name("a.txt", FT_TEXT, NULL, 10); /* no buffer: nothing written, no crash */
    char one[1] = {'x'};
    names_release_name("a.txt", FT_TEXT, one, 0);
    CHECK(one[0] == 'x');
}

/* The table itself: a type's own extension is on its list, and no listed one runs code. */
static void test_release_table(void)
{
    for (int t = 0; t < FT_COUNT; t++) {
        const struct ftype_info *fi = ftype_info((enum ftype)t);
        if (fi->release_exts[0] == '\0')
            continue;
        CHECK(!ftype_is_executable((enum ftype)t));
        if (!ftype_release_ext((enum ftype)t, fi->ext, strlen(fi->ext)))
            fprintf(stderr, "%s: canonical .%s not on its list\n", fi->name, fi->ext);
        CHECK(ftype_release_ext((enum ftype)t, fi->ext, strlen(fi->ext)));
        char list[128];
        snprintf(list, sizeof(list), "%s", fi->release_exts);
        for (char *e = strtok(list, " "); e != NULL; e = strtok(NULL, " ")) {
            char name[64];
            snprintf(name, sizeof(name), "a.%s", e);
            expect_ok(name);
        }
    }
    CHECK(!ftype_release_ext(FT_TEXT, "csv", 3));
    CHECK(!ftype_release_ext(FT_TEXT, "tx", 2));
    CHECK(!ftype_release_ext(FT_TEXT, "txtx", 4));
    CHECK(!ftype_release_ext(FT_TEXT, "", 0));
    CHECK(ftype_release_ext(FT_JPEG, "JFIF", 4));
    CHECK(!ftype_release_ext(FT_EML, "mht", 3));
    CHECK(!ftype_release_ext(FT_PE, "exe", 3));
}

/*
 * Whatever the name, for every type Mugai releases: a name names_check
 * accepts comes out as one it accepts too, at most 255 bytes, ending in an
 * extension on that type's list.
 */
static void test_release_always_allowed(void)
{
    static const char *const stems[] = {
            "a", "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8", ".x", "a.b", "x y", "a.pdf"};
    static const char *const exts[] = {"",        ".txt", ".csv", ".rdp",  ".JPG", ".png",
                                       ".docm",   ".pdf", ".eml", ".mht",  ".zip", ".gz",
                                       ".tar.gz", ".odt", ".7z",  ".html", ".svg", ".TXT.GZ"};
    static const enum ftype outs[] = {FT_TEXT, FT_CSV,  FT_JPEG, FT_PNG, FT_GIF, FT_PDF,
                                      FT_DOCX, FT_XLSX, FT_PPTX, FT_ODT, FT_EML, FT_ZIP};
    int bad = 0;
    for (size_t i = 0; i < sizeof(stems) / sizeof(stems[0]); i++)
        for (size_t j = 0; j < sizeof(exts) / sizeof(exts[0]); j++)
            for (size_t k = 0; k < sizeof(outs) / sizeof(outs[0]); k++) {
                char in[64];
                snprintf(in, sizeof(in), "%s%s", stems[i], exts[j]);
                if (names_check(in, NULL, NULL, 0) != MG_OK)
                    continue;
                const char *got = release(in, outs[k], 1024);
                const char *dot = strrchr(got, '.');
                bool ok = names_check(got, NULL, NULL, 0) == MG_OK && strlen(got) <= 255 &&
                          dot != NULL && dot != got &&
                          ftype_release_ext(outs[k], dot + 1, strlen(dot + 1));
                if (!ok) {
                    fprintf(stderr, "release name of \"%s\" as %s: \"%s\"\n", in,
                            ftype_info(outs[k])->name, got);
                    bad++;
                }
            }
    CHECK_EQ_INT(bad, 0);
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
    test_release_unknown_extensions();
    test_release_allowed_kept();
    test_release_other_type_replaced();
    test_release_compressors();
    test_release_no_extension();
    test_release_never_released_types();
    test_release_bounds();
    test_release_table();
    test_release_always_allowed();
    return t_done();
}
