/*
 * t_wordfield - the HYPERLINK target reader the .doc and .docx families
 * share: quoted and bare targets, the switches whose values are not the
 * target (\l \o \t, either case), switches without values (\h), and
 * instructions with no target at all. Expected targets are written out
 * here by hand.
 */
#include "t.h"
#include "wordfield.h"

#include <string.h>

/* The target of s as a string ("" when there is none), into out. */
static bool target(const char *s, char *out, size_t cap)
{
    size_t start = 0, len = 0;
    out[0] = 0;
    if (!wordfield_hyperlink_target(s, strlen(s), &start, &len))
        return false;
    if (len >= cap)
        len = cap - 1;
    memcpy(out, s + start, len);
    out[len] = 0;
    return true;
}

static void check_target(const char *instr, const char *want)
{
    char got[256];
    bool found = target(instr, got, sizeof(got));
    CHECK(found);
    if (strcmp(got, want) != 0)
        printf("instruction [%s]: target [%s], expected [%s]\n", instr, got, want);
    CHECK(strcmp(got, want) == 0);
}

static void check_none(const char *instr)
{
    char got[256];
    bool found = target(instr, got, sizeof(got));
    if (found)
        printf("instruction [%s]: target [%s], expected none\n", instr, got);
    CHECK(!found);
}

int main(void)
{
    check_target(" \"https://www.example.lg.jp/news\" ", "https://www.example.lg.jp/news");
    check_target("https://example.jp/a?b=c \\o \"tip\"", "https://example.jp/a?b=c");
    check_target(" \\o \"ツールチップ\" \\t \"_blank\" \"http://example.jp/x\"",
                 "http://example.jp/x");
    check_target(" \\L \"bm\" \\O \"tip\" http://example.jp/y", "http://example.jp/y");
    check_target(" \\h \"file:///C:/Windows/calc.exe\"", "file:///C:/Windows/calc.exe");
    check_target("\t\r\n\"a b c\"\\o x", "a b c");
    check_target(" \"http://example.jp/open", "http://example.jp/open");
    check_target(" \"\" \\o x", "");
    check_none("");
    check_none("   \t");
    check_none(" \\l \"section2\" ");
    check_none(" \\o \"only a tooltip\"");
    /* A lone backslash at the end is no switch: it is read as the target,
     * which the callers then judge by their link rules like any other. */
    check_target(" \\", "\\");
    return t_done();
}
