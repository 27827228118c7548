/*
 * t_rtf - the RTF tokenizer and sanitizer on small documents written here:
 * the tokenizer's limits, each removed construct gone from the output
 * (looked for with plain substring searches, which cannot be fooled by
 * the sanitizer's own reading), text kept, and every output accepted by
 * rtfsan_verify() and unchanged by a second pass.
 */
#include "t.h"

#include "dispatch.h"
#include "err.h"
#include "ident.h"
#include "policy.h"
#include "rtf_tok.h"
#include "rtfsan.h"
#include "utf8.h"

#include <string.h>

static struct policy pol;

/* Sanitize s; on success the output (NUL-terminated) is in *out. */
static int san(const char *s, struct buf *out)
{
    struct san_ctx ctx = {.pol = &pol};
    struct report_node *node = report_new("t.rtf");
    buf_init(out, 1u << 20);
    int rc = rtfsan_sanitize(&ctx, (const uint8_t *)s, strlen(s), out, node);
    if (rc == MG_OK) {
        struct san_ctx v = {.pol = &pol};
        CHECK(rtfsan_verify(&v, out->data, out->len) == MG_OK);
        /* A second pass changes nothing. */
        struct buf again;
        struct report_node *n2 = report_new("again.rtf");
        buf_init(&again, 1u << 20);
        CHECK(rtfsan_sanitize(&ctx, out->data, out->len, &again, n2) == MG_OK);
        CHECK(again.len == out->len && memcmp(again.data, out->data, out->len) == 0);
        buf_free(&again);
        report_free(n2);
    }
    report_free(node);
    return rc;
}

static int has(const struct buf *b, const char *s)
{
    return b->data && strstr((const char *)b->data, s) != NULL;
}

static void test_tables(void)
{
    CHECK(rtfsan_tables_sorted());
    CHECK(rtfsan_word_allowed("par"));
    CHECK(rtfsan_word_allowed("clFitText"));
    CHECK(rtfsan_word_allowed("trftsWidth"));
    CHECK(!rtfsan_word_allowed("objupdate"));
    CHECK(!rtfsan_word_allowed("bin"));
    CHECK(!rtfsan_word_allowed("uc"));
}

static int lex_all(const char *s, unsigned *depth)
{
    struct rtf_lexer lx;
    struct rtf_tok t;
    int rc;
    rtf_lex_init(&lx, (const uint8_t *)s, strlen(s));
    do
        rc = rtf_next(&lx, &t);
    while (rc == MG_OK && t.kind != RTF_TOK_EOF);
    *depth = lx.depth;
    return rc;
}

static void test_tokenizer(void)
{
    struct rtf_lexer lx;
    struct rtf_tok t;
    unsigned d;
    const char *s = "\\fs-24 x\\'8a\\bin3 {}\\\\}\\\n";
    rtf_lex_init(&lx, (const uint8_t *)s, strlen(s));
    CHECK(rtf_next(&lx, &t) == MG_OK && t.kind == RTF_TOK_WORD && strcmp(t.word, "fs") == 0 &&
          t.has_param && t.param == -24);
    CHECK(rtf_next(&lx, &t) == MG_OK && t.kind == RTF_TOK_TEXT && t.len == 1 && t.data[0] == 'x');
    CHECK(rtf_next(&lx, &t) == MG_OK && t.kind == RTF_TOK_HEX && t.ch == 0x8a);
    CHECK(rtf_next(&lx, &t) == MG_OK && t.kind == RTF_TOK_BIN && t.len == 3 &&
          memcmp(t.data, "{}\\", 3) == 0);
    CHECK(rtf_next(&lx, &t) == MG_OK && t.kind == RTF_TOK_SYMBOL && t.ch == '}');
    CHECK(rtf_next(&lx, &t) == MG_OK && t.kind == RTF_TOK_SYMBOL && t.ch == '\n');
    CHECK(rtf_next(&lx, &t) == MG_OK && t.kind == RTF_TOK_EOF);

    CHECK_EQ_INT(lex_all("\\fs2147483647 \\fs-2147483648", &d), MG_OK);
    CHECK_EQ_INT(lex_all("\\fs2147483648", &d), MG_ERR_PARSE);
    CHECK_EQ_INT(lex_all("\\fs-2147483649", &d), MG_ERR_PARSE);
    CHECK_EQ_INT(lex_all("\\fs00000000001", &d), MG_ERR_PARSE);             /* 11 digits */
    CHECK_EQ_INT(lex_all("\\abcdefghijklmnopqrstuvwxyzabcdef", &d), MG_OK); /* 32 letters */
    CHECK_EQ_INT(lex_all("\\abcdefghijklmnopqrstuvwxyzabcdefg", &d), MG_ERR_PARSE);
    CHECK_EQ_INT(lex_all("\\'4", &d), MG_ERR_PARSE);
    CHECK_EQ_INT(lex_all("\\'zz", &d), MG_ERR_PARSE);
    CHECK_EQ_INT(lex_all("\\bin5 ab", &d), MG_ERR_PARSE);
    CHECK_EQ_INT(lex_all("\\bin-1 ab", &d), MG_ERR_PARSE);
    CHECK_EQ_INT(lex_all("\\", &d), MG_ERR_PARSE);
    CHECK_EQ_INT(lex_all("{}}", &d), MG_ERR_PARSE);
    CHECK(lex_all("{{", &d) == MG_OK && d == 2);

    char deep[2 * RTF_MAX_DEPTH + 4];
    memset(deep, '{', RTF_MAX_DEPTH);
    memset(deep + RTF_MAX_DEPTH, '}', RTF_MAX_DEPTH);
    deep[2 * RTF_MAX_DEPTH] = 0;
    CHECK(lex_all(deep, &d) == MG_OK && d == 0);
    memset(deep, '{', RTF_MAX_DEPTH + 1);
    deep[RTF_MAX_DEPTH + 1] = 0;
    CHECK_EQ_INT(lex_all(deep, &d), MG_ERR_LIMIT);
}

#define HEAD "{\\rtf1\\ansi\\ansicpg932{\\fonttbl{\\f0\\fnil\\fcharset128 MS Mincho;}}\\f0 "

static void test_objects(void)
{
    struct buf b;
    CHECK(san(HEAD "a{\\object\\objemb\\objupdate{\\*\\objclass Equation.3}{\\*\\objdata "
                   "01050000 4d5a9000}{\\result{\\b cached}}}z}",
              &b) == MG_OK);
    CHECK(!has(&b, "obj") && !has(&b, "4d5a") && !has(&b, "Equation") && !has(&b, "result"));
    CHECK(has(&b, "\\b cached") && has(&b, "a") && has(&b, "z}"));
    buf_free(&b);

    /* Behind formatting words, hidden in an unknown destination, hex with escapes and \bin. */
    CHECK(san(HEAD "x{\\b\\i\\objdata 4d5a}y{\\*\\zz{\\*\\objdata 4d5a}}"
                   "{\\*\\objdata 4d\\'35a \\par 90\\bin2 }{}w}",
              &b) == MG_OK);
    CHECK(!has(&b, "objdata") && !has(&b, "4d") && !has(&b, "zz") && has(&b, "x") && has(&b, "y") &&
          has(&b, "w}"));
    buf_free(&b);

    CHECK(san(HEAD "{\\*\\datastore 0105}{\\*\\template http://192.0.2.1/t.dotm}"
                   "{\\*\\fontemb{\\*\\fontfile c:\\\\x.ttf}}{\\*\\docvar {a}{b}}t}",
              &b) == MG_OK);
    CHECK(!has(&b, "datastore") && !has(&b, "template") && !has(&b, "192.0.2.1") &&
          !has(&b, "fontemb") && !has(&b, "fontfile") && !has(&b, "docvar") && has(&b, " t}"));
    buf_free(&b);
}

static void test_fields(void)
{
    struct buf b;
    CHECK(san(HEAD "{\\field{\\*\\fldinst {DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/c "
                   "calc\"}}{\\fldrslt {shown}}}}",
              &b) == MG_OK);
    CHECK(!has(&b, "field") && !has(&b, "fldinst") && !has(&b, "DDE") && !has(&b, "cmd") &&
          has(&b, "shown"));
    buf_free(&b);

    /* Split across groups and hex escapes: still DDEAUTO. */
    CHECK(san(HEAD "{\\field{\\*\\fldinst {D}{\\'44E}AUTO x}{\\fldrslt r}}}", &b) == MG_OK);
    CHECK(!has(&b, "fldinst") && has(&b, "r}"));
    buf_free(&b);

    static const char *const bad[] = {
            "INCLUDEPICTURE \"http://192.0.2.1/a.png\"",
            "INCLUDETEXT \"c:\\\\a.doc\"",
            "IMPORT x",
            "LINK Excel.Sheet.8 \"a\"",
            "HYPERLINK \"file://192.0.2.1/x\"",
            "HYPERLINK \"http:\\\\\\\\192.0.2.1\\\\x\"",
            "HYPERLINK \"https://a/\" \"https://b/\"",
            "QUOTE {\\field{\\*\\fldinst PAGE}}",
            " =1+1",
            "MACROBUTTON x y",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char doc[512];
        snprintf(doc, sizeof(doc), HEAD "{\\field{\\*\\fldinst %s}{\\fldrslt kept%zu}}}", bad[i],
                 i);
        char want[16];
        snprintf(want, sizeof(want), "kept%zu", i);
        CHECK(san(doc, &b) == MG_OK);
        CHECK(!has(&b, "fldinst") && has(&b, want));
        buf_free(&b);
    }

    static const char *const good[] = {
            "PAGE",
            " page \\\\* MERGEFORMAT",
            "HYPERLINK \"https://www.example.jp/\"",
            "HYPERLINK \"mailto:a@example.jp\"",
            "HYPERLINK \\\\l \"bm1\"",
            "HYPERLINK \"http://a.example/\" \\\\o \"tip\"",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char doc[512];
        snprintf(doc, sizeof(doc), HEAD "{\\field{\\*\\fldinst %s}{\\fldrslt r}}}", good[i]);
        CHECK(san(doc, &b) == MG_OK);
        CHECK(has(&b, "{\\field{\\*\\fldinst{") && has(&b, "{\\fldrslt r}"));
        buf_free(&b);
    }
    pol.keep_hyperlinks = false;
    CHECK(san(HEAD "{\\field{\\*\\fldinst HYPERLINK \"https://a.example/\"}{\\fldrslt r}}}", &b) ==
          MG_OK);
    CHECK(!has(&b, "HYPERLINK") && has(&b, "r}"));
    buf_free(&b);
    pol.keep_hyperlinks = true;
}

static void test_text(void)
{
    struct buf b;
    /* \uc2: both fallback bytes dropped; output uses \uN? throughout. */
    CHECK(san(HEAD "{\\uc2\\u12354\\'82\\'a0}\\'82\\'a2{\\uc0\\u12356 x}\\tab\\{\\}\\\\\r\n}",
              &b) == MG_OK);
    CHECK(has(&b, "{\\u12354?}\\'82\\'a2{\\u12356?x}\\tab\\{\\}\\\\}"));
    CHECK(!has(&b, "uc"));
    buf_free(&b);

    /* Header without 1, a control word needing its delimiter, a table. */
    CHECK(san("{\\rtf\\ansi\\b bold\\b0 1\\trowd\\cellx1000\\pard\\intbl a\\cell\\row}", &b) ==
          MG_OK);
    CHECK(strncmp((const char *)b.data, "{\\rtf1\\ansi\\b bold\\b0 1\\trowd\\cellx1000", 37) == 0);
    CHECK(has(&b, "\\intbl a\\cell\\row"));
    buf_free(&b);

    /* Unknown control words and \bin outside pictures are dropped; text stays. */
    CHECK(san(HEAD "a\\zzunknown b{\\bin3 MZ\x01}c}", &b) == MG_OK);
    CHECK(!has(&b, "zz") && !has(&b, "MZ") && has(&b, "\\f0 abc}"));
    buf_free(&b);

    /* Metafiles go; data after the end goes; } after the end blocks. */
    CHECK(san(HEAD "p{\\pict\\wmetafile8 0100}q}MZ", &b) == MG_OK);
    CHECK(!has(&b, "pict") && !has(&b, "MZ") && has(&b, "pq}"));
    buf_free(&b);
    CHECK_EQ_INT(san(HEAD "x}}", &b), MG_ERR_PARSE);
    buf_free(&b);
}

static void test_blocked(void)
{
    struct buf b;
    static const char *const bad[] = {
            "{\\rt",
            "{\\rtfXYZ x}",
            "{\\rtf2 x}",
            " {\\rtf1 x}",
            "{\\rtf1 x",
            "{\\rtf1 \\'4",
            "{\\rtf1 \\fs99999999999 x}",
            "{\\rtf1 {\\pict\\pngblip\\bin100 x}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(san(bad[i], &b) != MG_OK);
        buf_free(&b);
    }
    /* An object in the output is refused by the verifier. */
    struct san_ctx v = {.pol = &pol};
    const char *obj = "{\\rtf1 {\\object\\objemb{\\*\\objdata 4d5a}}}";
    CHECK(rtfsan_verify(&v, (const uint8_t *)obj, strlen(obj)) != MG_OK);
    const char *odd = "{\\rtf1 a  b}"; /* not canonical: a second pass would differ */
    CHECK(rtfsan_verify(&v, (const uint8_t *)odd, strlen(odd)) == MG_OK);
    const char *crlf = "{\\rtf1 a\r\nb}";
    CHECK(rtfsan_verify(&v, (const uint8_t *)crlf, strlen(crlf)) != MG_OK);
}

static void test_picture(void)
{
    size_t len;
    uint8_t *png = t_corpus_file("png", "text_script.png", &len);
    if (!png)
        return;
    struct buf doc, b;
    buf_init(&doc, 1u << 20);
    CHECK(buf_puts(&doc, HEAD "{\\*\\shppict{\\pict\\pngblip\\picw8\\pich8 ") == MG_OK);
    for (size_t i = 0; i < len; i++)
        CHECK(buf_printf(&doc, "%02x%s", png[i], i % 40 == 39 ? "\r\n" : "") == MG_OK);
    CHECK(buf_puts(&doc, "}}{\\nonshppict{\\pict\\wmetafile8 0100}}}") == MG_OK);
    CHECK(san((const char *)doc.data, &b) == MG_OK);
    CHECK(has(&b, "{\\*\\shppict{\\pict\\pngblip\\picw8\\pich8"));
    CHECK(has(&b, "89504e470d0a1a0a") && !has(&b, "wmetafile"));
    /* The PNG's text chunk (tEXt = 74455874) went with pngsan. */
    CHECK(!has(&b, "74455874"));
    buf_free(&b);
    buf_free(&doc);
    free(png);
}

/* Flatten s; on success the text (NUL-terminated) is in *out, valid UTF-8 without controls. */
static int flat(const char *s, struct buf *out)
{
    struct san_ctx ctx = {.pol = &pol};
    struct report_node *node = report_new("t.rtf");
    buf_init(out, 1u << 20);
    int rc = rtfsan_flatten(&ctx, (const uint8_t *)s, strlen(s), out, node);
    if (rc == MG_OK) {
        CHECK(utf8_valid(out->data, out->len));
        for (size_t i = 0; i < out->len; i++)
            CHECK(out->data[i] >= 0x20 || out->data[i] == '\n' || out->data[i] == '\t');
        CHECK(node->verdict != VERDICT_BLOCKED && ctx.out_type == FT_TEXT);
    } else {
        CHECK(node->verdict == VERDICT_BLOCKED && node->reason_code != REASON_NONE);
    }
    report_free(node);
    return rc;
}

static void test_flatten(void)
{
    struct buf b;
    /* CP932 through the font's charset, split over two escapes; \u with its fallback. */
    CHECK(flat(HEAD "\\'82\\'a0\\'82\\'a2 \\u12358?\\uc2\\u12360??\\par next}", &b) == MG_OK);
    CHECK(strcmp((char *)b.data, "\xe3\x81\x82\xe3\x81\x84 \xe3\x81\x86\xe3\x81\x88\nnext\n") == 0);
    buf_free(&b);
    /* A surrogate pair in two \u words (U+1F340), a tab, a cell per line. */
    CHECK(flat("{\\rtf1 a\\u-10180?\\u-8384?\\tab b\\cell c\\cell\\row d}", &b) == MG_OK);
    CHECK(strcmp((char *)b.data, "a\xf0\x9f\x8d\x80\tb\nc\nd\n") == 0);
    buf_free(&b);
    /* Field instructions go, results stay; an object keeps only its result. */
    CHECK(flat(HEAD "x{\\field{\\*\\fldinst DDEAUTO c:\\\\windows\\\\cmd.exe \"/c calc\"}"
                    "{\\fldrslt shown}}y{\\object\\objemb{\\*\\objclass Equation.3}"
                    "{\\*\\objdata 4d5a9000}{\\result cached}}z}",
               &b) == MG_OK);
    CHECK(strcmp((char *)b.data, "xshownycachedz\n") == 0);
    buf_free(&b);
    /* \objdata hidden behind formatting, \datastore, \template, pictures, headers: no text. */
    CHECK(flat(HEAD "a{\\b\\objdata 4d5a}b{\\*\\datastore 0105}{\\*\\template \\\\\\\\srv\\\\t.dot}"
                    "{\\header HEADER}{\\pict\\pngblip 89504e47}{\\*\\unknown secret}c}",
               &b) == MG_OK);
    CHECK(strcmp((char *)b.data, "abc\n") == 0);
    buf_free(&b);
    /* A footnote comes after the body; a text box's text stays, its properties do not. */
    CHECK(flat("{\\rtf1 body{\\footnote note}more{\\shp{\\*\\shpinst{\\sp{\\sn x}{\\sv 4d5a}}"
               "{\\shptxt box}}{\\shprslt dup}}}",
               &b) == MG_OK);
    CHECK(strcmp((char *)b.data, "bodymorebox\nnote\n") == 0);
    buf_free(&b);
    /* Controls and bidi overrides are not text. */
    CHECK(flat("{\\rtf1 a\\'01\\'1bb\\u8238?c}", &b) == MG_OK);
    CHECK(strcmp((char *)b.data, "abc\n") == 0);
    buf_free(&b);
    /* Refused as the sanitizer refuses them. */
    CHECK(flat("{\\rt x}", &b) == MG_ERR_PARSE);
    buf_free(&b);
    CHECK(flat("{\\rtf1 {a}", &b) == MG_ERR_PARSE);
    buf_free(&b);
    CHECK(flat("{\\rtf1 a}}", &b) == MG_ERR_PARSE);
    buf_free(&b);
    CHECK(flat("{\\rtf1 \\'4g}", &b) == MG_ERR_PARSE);
    buf_free(&b);
    /* The output cap: an error, never a cut text. */
    struct san_ctx ctx = {.pol = &pol};
    struct report_node *node = report_new("cap.rtf");
    buf_init(&b, 4);
    const char *big = "{\\rtf1 0123456789}";
    CHECK(rtfsan_flatten(&ctx, (const uint8_t *)big, strlen(big), &b, node) == MG_ERR_LIMIT);
    CHECK(node->verdict == VERDICT_BLOCKED && b.len == 0);
    report_free(node);
    buf_free(&b);
}

int main(void)
{
    policy_defaults(&pol);
    if (ident_init() != MG_OK)
        return 1;
    test_tables();
    test_tokenizer();
    test_objects();
    test_fields();
    test_text();
    test_blocked();
    test_picture();
    test_flatten();
    return t_done();
}
