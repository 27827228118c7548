/*
 * Unit tests for the web family (sanitizers/web) and the decoders it
 * shares with mail (util/textdec): URL and CSS rules on the spellings
 * the XSS cheat sheets use, each hostile construct gone from the output
 * (checked by byte search on what the browser would read, not by our
 * parser), Japanese pages decoded, the verifiers refusing outputs that
 * break the allowlist, SVG/XML DOCTYPEs and entities blocked.
 */
#include "t.h"
#include "err.h"
#include "report.h"
#include "textdec.h"
#include "web_common.h"
#include "websan.h"

#include <string.h>
#include <strings.h>

static struct policy pol;
static struct san_ctx ctx;

typedef int (*san_run)(struct san_ctx *, const uint8_t *, size_t, struct buf *,
                       struct report_node *);

/* Run a sanitizer on a C string; the output (NUL-terminated) or NULL when refused. */
static char *run(san_run fn, const char *in, size_t len, int *rcp)
{
    static struct buf out;
    struct report_node *node = report_new("t");
    buf_free(&out);
    buf_init(&out, 1 << 22);
    int rc = fn(&ctx, (const uint8_t *)in, len ? len : strlen(in), &out, node);
    report_free(node);
    if (rcp)
        *rcp = rc;
    return rc == MG_OK ? (char *)(out.data ? out.data : (uint8_t *)"") : NULL;
}

/* CHECKs that none of gone (NULL-terminated) is in the output o, in any case when any_case. */
static void check_gone(const char *o, const char *const *gone, bool any_case)
{
    for (int i = 0; gone[i]; i++) {
        bool there = (any_case ? strcasestr(o, gone[i]) : strstr(o, gone[i])) != NULL;
        if (there)
            fprintf(stderr, "still there: %s\n", gone[i]);
        CHECK(!there);
    }
}

static void test_urls(void)
{
    static const char *const bad[] = {"javascript:alert(1)",
                                      "JaVaScRiPt:alert(1)",
                                      " javascript:x",
                                      "java\nscript:x",
                                      "java\tscript:x",
                                      "\x0e javascript:x",
                                      "vbscript:x",
                                      "data:text/html,x",
                                      "file:///etc/passwd",
                                      "//evil/x",
                                      "\\\\evil\\x",
                                      "/\\evil",
                                      "jar:http://x!/",
                                      "ms-msdt:x",
                                      "foo:bar",
                                      NULL};
    static const char *const good[] = {"http://example.jp/",
                                       "HTTPS://x/",
                                       "mailto:a@b",
                                       "cid:part1",
                                       "page.html",
                                       "/a/b:c",
                                       "#frag",
                                       "?q=1",
                                       NULL};
    for (int i = 0; bad[i]; i++) {
        CHECK(!web_url_ok(bad[i], WEB_URL_LINK));
        CHECK(!web_url_ok(bad[i], WEB_URL_IMAGE));
    }
    for (int i = 0; good[i]; i++)
        CHECK(web_url_ok(good[i], WEB_URL_LINK));
    CHECK(web_url_ok("data:image/png;base64,AAAA", WEB_URL_IMAGE));
    CHECK(!web_url_ok("data:image/png;base64,AAAA", WEB_URL_LINK));
    CHECK(!web_url_ok("data:image/svg+xml;base64,AAAA", WEB_URL_IMAGE));
    CHECK(web_url_ok("#a", WEB_URL_LOCAL));
    CHECK(!web_url_ok("x.svg#a", WEB_URL_LOCAL));
    CHECK(!web_url_ok("http://x/#a", WEB_URL_LOCAL));
    CHECK(web_url_ok("data:image/gif,x", WEB_URL_LOCAL_IMG));
}

static void test_css(void)
{
    struct buf b;
    unsigned dropped = 0;
    buf_init(&b, 4096);
    CHECK_EQ_INT(web_css_decls("color: red; width: expression(alert(1)); background: "
                               "url(javascript:x); -moz-binding: url(x); behavior: url(a.htc); "
                               "w: expr/**/ession(1); b: url(java\\73 cript:x); "
                               "background: url('https://x/a.png')",
                               false, &b, &dropped),
                 MG_OK);
    CHECK(strcmp((const char *)b.data, "color: red; background: url('https://x/a.png')") == 0);
    CHECK_EQ_INT(dropped, 6);
    buf_reset(&b);
    bool ok = true;
    CHECK_EQ_INT(web_css_sheet("@import 'x.css'; p{}", false, &b, &ok), MG_OK);
    CHECK(!ok && b.len == 0);
    CHECK_EQ_INT(web_css_sheet("p { color: red } /* c */", false, &b, &ok), MG_OK);
    CHECK(ok && strstr((const char *)b.data, "/*") == NULL);
    CHECK(web_css_value_ok("url(#g)", true));
    CHECK(!web_css_value_ok("url(http://x/#g)", true));
    CHECK(!web_css_value_ok("url( 'x.svg#g' )", true));
    buf_free(&b);
}

static void test_html(void)
{
    const char *page =
            "<html><head><title>t</title><script>alert(1)</script><meta http-equiv=refresh "
            "content='0;url=javascript:alert(1)'><base href='http://evil/'></head>"
            "<body onload=alert(1)><p onclick='x'>本文</p><a href='jav&#x61;script:alert(1)'>a</a>"
            "<a href='https://ok.example/'>ok</a><iframe src='http://evil'></iframe>"
            "<IMG SRC=JaVaScRiPt:alert(1)><img src='data:image/png;base64,AA'>"
            "<form action='http://evil'><input value=v><button>送信</button></form>"
            "<div style='width:expression(alert(1));color:red'>d</div>"
            "<!--[if IE]><script>x</script><![endif]--><embed src=x.swf>後</body></html>";
    char *o = run(websan_html_sanitize, page, 0, NULL);
    CHECK(o != NULL);
    if (!o)
        return;
    CHECK(strncmp(o, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">", 49) == 0);
    static const char *const gone[] = {"script",     "onload", "onclick", "javascript", "iframe",
                                       "refresh",    "<base",  "form",    "input",      "button",
                                       "expression", "embed",  "<!--",    "evil",       NULL};
    check_gone(o, gone, true);
    CHECK(strstr(o, "本文") && strstr(o, "送信") && strstr(o, "後"));
    CHECK(strstr(o, "<a href=\"https://ok.example/\">ok</a>") != NULL);
    CHECK(strstr(o, "src=\"data:image/png;base64,AA\"") != NULL);
    CHECK(strstr(o, "style=\"color:red\"") != NULL);
    CHECK_EQ_INT(websan_html_verify(&ctx, (const uint8_t *)o, strlen(o)), MG_OK);
}

static void test_html_charsets(void)
{
    /* 日本 in Shift_JIS, EUC-JP, ISO-2022-JP; declared and undeclared. */
    static const struct {
        const char *page;
    } pages[] = {
            {"<meta charset=\"Shift_JIS\"><p>\x93\xfa\x96\x7b</p>"},
            {"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=EUC-JP\"><p>"
             "\xc6\xfc\xcb\xdc</p>"},
            {"<meta charset=\"ISO-2022-JP\"><p>\x1b$BF|K\\\x1b(B</p>"},
            {"<p>\x93\xfa\x96\x7b</p>"},
            {"<p>\xe6\x97\xa5\xe6\x9c\xac</p>"},
    };
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        char *o = run(websan_html_sanitize, pages[i].page, 0, NULL);
        CHECK(o && strstr(o, "<p>\xe6\x97\xa5\xe6\x9c\xac</p>"));
    }
    /* UTF-16LE with a BOM. */
    static const char u16[] = "\xff\xfe<\0p\0>\0\xe5\x65\x2c\x67<\0/\0p\0>\0";
    char *o = run(websan_html_sanitize, u16, sizeof(u16) - 1, NULL);
    CHECK(o && strstr(o, "<p>\xe6\x97\xa5\xe6\x9c\xac</p>"));
    int rc;
    CHECK(run(websan_html_sanitize, "<meta charset=utf-7><p>+ADw-script+AD4-</p>", 0, &rc) == NULL);
    CHECK_EQ_INT(rc, MG_ERR_UNSUPPORTED);
}

static void test_html_verify(void)
{
    static const char *const bad[] = {
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body><script>x</script>"
            "</body></html>",
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body><p onclick=x>a</p>"
            "</body></html>",
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body><a "
            "href=\"javascript:x\">a</a></body></html>",
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta http-equiv=refresh>"
            "</head><body></body></html>",
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body><!-- c -->"
            "</body></html>",
            "<html><body></body></html>",
    };
    static const char good[] = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>"
                               "\n<body><p>a</p></body></html>\n";
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_EQ_INT(websan_html_verify(&ctx, (const uint8_t *)bad[i], strlen(bad[i])),
                     MG_ERR_VERIFY);
    CHECK_EQ_INT(websan_html_verify(&ctx, (const uint8_t *)good, strlen(good)), MG_OK);
}

static void test_svg(void)
{
    const char *svg =
            "<?xml version=\"1.0\"?><?xml-stylesheet href=\"x.xsl\"?>"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\""
            " onload=\"alert(1)\"><script>alert(1)</script><foreignObject><p>x</p></foreignObject>"
            "<a xlink:href=\"javascript:alert(1)\"><text>t</text></a>"
            "<set attributeName=\"href\" to=\"javascript:alert(1)\"/>"
            "<animate attributeName=\"fill\" values=\"url(http://evil/#a)\"/>"
            "<animate attributeName=\"r\" from=\"1\" to=\"2\" dur=\"1s\"/>"
            "<image href=\"http://evil/track.png\"/><use xlink:href=\"#k\"/>"
            "<rect fill=\"url(http://evil/#p)\" stroke=\"url(#g)\" style=\"fill:url(x.svg#a);"
            "stroke:blue\"/></svg>";
    char *o = run(websan_svg_sanitize, svg, 0, NULL);
    CHECK(o != NULL);
    if (!o)
        return;
    static const char *const gone[] = {"script",         "onload", "foreignObject",
                                       "javascript",     "evil",   "<set",
                                       "xml-stylesheet", "x.svg",  NULL};
    check_gone(o, gone, false);
    CHECK(strstr(o, "<animate attributeName=\"r\"") && strstr(o, "xlink:href=\"#k\"") &&
          strstr(o, "stroke=\"url(#g)\"") && strstr(o, "style=\"stroke:blue\""));
    CHECK_EQ_INT(websan_svg_verify(&ctx, (const uint8_t *)o, strlen(o)), MG_OK);
    static const char bad[] = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\">"
                              "<script>x</script></svg>";
    CHECK_EQ_INT(websan_svg_verify(&ctx, (const uint8_t *)bad, sizeof(bad) - 1), MG_ERR_VERIFY);

    int rc;
    CHECK(run(websan_svg_sanitize,
              "<!DOCTYPE svg [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><svg "
              "xmlns=\"http://www.w3.org/2000/svg\"><text>&x;</text></svg>",
              0, &rc) == NULL);
    CHECK(run(websan_svg_sanitize, "<svg xmlns=\"http://www.w3.org/2000/svg\">&x;</svg>", 0, &rc) ==
          NULL);
    o = run(websan_svg_sanitize,
            "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/"
            "1.1/DTD/svg11.dtd\"><svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            0, NULL);
    CHECK(o && !strstr(o, "DOCTYPE"));
    CHECK(run(websan_svg_sanitize, "<html xmlns=\"http://www.w3.org/1999/xhtml\"/>", 0, NULL) ==
          NULL);
}

static void test_xml(void)
{
    int rc;
    char *o = run(websan_xml_sanitize,
                  "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><?xml-stylesheet href=\"x\"?>"
                  "<a b=\"\x93\xfa\">\x96\x7b</a>",
                  0, NULL);
    CHECK(o && strstr(o, "encoding=\"UTF-8\"") && !strstr(o, "stylesheet") &&
          strstr(o, "<a b=\"\xe6\x97\xa5\">\xe6\x9c\xac</a>"));
    if (o)
        CHECK_EQ_INT(websan_xml_verify(&ctx, (const uint8_t *)o, strlen(o)), MG_OK);
    static const char *const blocked[] = {
            "<!DOCTYPE a SYSTEM \"http://x/a.dtd\"><a/>",
            "<!DOCTYPE a [<!ENTITY b \"c\">]><a>&b;</a>",
            "<a xmlns=\"http://www.w3.org/1999/xhtml\"><script>x</script></a>",
            "<a xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include "
            "href=\"/etc/passwd\"/></a>",
            "<a><b></a>",
            "<a>&undeclared;</a>",
    };
    for (size_t i = 0; i < sizeof(blocked) / sizeof(blocked[0]); i++) {
        CHECK(run(websan_xml_sanitize, blocked[i], 0, &rc) == NULL);
        CHECK(rc != MG_OK);
    }
}

static void test_textdec(void)
{
    struct buf b;
    size_t bad = 0;
    buf_init(&b, 256);
    /* ①㈱ are NEC extensions: in CP932, reached from ISO-2022-JP row 13 too. */
    CHECK_EQ_INT(textdec_cp932((const uint8_t *)"\x87\x40\x87\x8a", 4, &b, &bad), MG_OK);
    CHECK(bad == 0 && strcmp((const char *)b.data, "\xe2\x91\xa0\xe3\x88\xb1") == 0);
    buf_reset(&b);
    bad = 0;
    CHECK_EQ_INT(textdec_iso2022jp((const uint8_t *)"\x1b$B-!\x1b(B", 8, &b, &bad), MG_OK);
    CHECK(bad == 0 && strcmp((const char *)b.data, "\xe2\x91\xa0") == 0);
    buf_reset(&b);
    bad = 0;
    /* A lone surrogate and an odd byte are replaced and counted. */
    CHECK_EQ_INT(textdec_utf16((const uint8_t *)"\x00\xd8"
                                                "A\x00"
                                                "B",
                               5, true, &b, &bad),
                 MG_OK);
    CHECK(bad == 2 && strcmp((const char *)b.data, "\xef\xbf\xbd"
                                                   "A\xef\xbf\xbd") == 0);
    buf_free(&b);
}

int main(void)
{
    memset(&pol, 0, sizeof(pol));
    pol.max_output_size = 1 << 22;
    memset(&ctx, 0, sizeof(ctx));
    ctx.pol = &pol;
    websan_global_init();
    test_urls();
    test_css();
    test_html();
    test_html_charsets();
    test_html_verify();
    test_svg();
    test_xml();
    test_textdec();
    return t_done();
}
