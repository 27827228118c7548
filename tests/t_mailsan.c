/*
 * t_mailsan - unit tests of the mail sanitizer and its helpers.
 *
 * Outputs are checked with a few lines of test-local code (header lookup,
 * part content types, base64 decoding), never with mailsan's own parser.
 * One test runs the sanitizer in a real SANDBOX_STRICT worker on a message
 * naming many charsets, some unknown to us: it must finish, not be killed
 * for opening a gconv module.
 */
#include "buf.h"
#include "err.h"
#include "ident.h"
#include "mail_charset.h"
#include "html2text.h"
#include "mail_text.h"
#include "mail_ppap.h"
#include "mailsan.h"
#include "report.h"
#include "sandbox.h"
#include "t.h"
#include "t_util.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct policy pol;

static void setup_policy(void)
{
    static const struct t_limits lim = {.input = 8u << 20,
                                        .depth = 5,
                                        .members = 1000,
                                        .expanded = 64u << 20,
                                        .ratio = 100,
                                        .output = 32u << 20,
                                        .pixels = 1u << 24,
                                        .dimension = 8192,
                                        .scans = 100,
                                        .frames = 100};
    static const enum ftype allowed[] = {FT_TEXT, FT_CSV, FT_JPEG, FT_EML};
    t_policy_limits(&pol, &lim, allowed, sizeof(allowed) / sizeof(allowed[0]));
    pol.worker_cpu_seconds = 30;
    pol.worker_deadline_seconds = 60;
    pol.worker_memory = 1ull << 30;
    pol.mail_max_size = 8u << 20;
    pol.mail_hold_encrypted = true;
}

/* ---- test-local readers of our output ---- */

static int b64val(int c)
{
    const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(a, c) : NULL;
    return p ? (int)(p - a) : -1;
}

/* Decode the base64 body that follows the first blank line after from. */
static char *body_after(const char *msg, const char *from)
{
    const char *p = strstr(msg, from);
    if (!p)
        return NULL;
    p = strstr(p, "\r\n\r\n");
    if (!p)
        return NULL;
    p += 4;
    char *out = calloc(1, strlen(p) + 1);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (; *p && !(p[0] == '\r' && p[1] == '\n' && (p[2] == '\r' || p[2] == '-')); p++) {
        int v = b64val((unsigned char)*p);
        if (v < 0)
            continue;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return out;
}

static int run(const char *msg, struct buf *out, struct report_node **node)
{
    struct san_ctx ctx = {.pol = &pol, .out_type = FT_EML};
    *node = report_new("t.eml");
    buf_init(out, pol.max_output_size);
    return mailsan_sanitize(&ctx, (const uint8_t *)msg, strlen(msg), out, *node);
}

/* ---- charsets ---- */

static void test_charsets(void)
{
    struct buf b;
    size_t bad = 0;
    bool known;
    /* ISO-2022-JP with NEC row 13 (circled one, 0x2D21) and half-width kana via ESC ( I. */
    const char jis[] = "\x1b$B-!$\"\x1b(B x \x1b(I1\x1b(B";
    buf_init(&b, 1024);
    CHECK_EQ_INT(mail_charset_to_utf8("ISO-2022-JP", (const uint8_t *)jis, strlen(jis), &b, &bad,
                                      &known),
                 MG_OK);
    CHECK(known);
    CHECK(b.len > 0 && strcmp((char *)b.data, "\xe2\x91\xa0\xe3\x81\x82 x \xef\xbd\xb1") == 0);
    CHECK_EQ_INT((int)bad, 0);
    /* Shift_JIS and EUC-JP for "日本". */
    buf_reset(&b);
    mail_charset_to_utf8("Shift_JIS", (const uint8_t *)"\x93\xfa\x96\x7b", 4, &b, &bad, NULL);
    CHECK(strcmp((char *)b.data, "\xe6\x97\xa5\xe6\x9c\xac") == 0);
    buf_reset(&b);
    mail_charset_to_utf8("euc-jp", (const uint8_t *)"\xc6\xfc\xcb\xdc", 4, &b, &bad, NULL);
    CHECK(strcmp((char *)b.data, "\xe6\x97\xa5\xe6\x9c\xac") == 0);
    /* Unknown charset: guessed (here valid CP932), known reported false. */
    buf_reset(&b);
    mail_charset_to_utf8("x-no-such", (const uint8_t *)"\x93\xfa\x96\x7b", 4, &b, &bad, &known);
    CHECK(!known);
    CHECK(strcmp((char *)b.data, "\xe6\x97\xa5\xe6\x9c\xac") == 0);
    /* Invalid UTF-8 becomes U+FFFD, counted. */
    buf_reset(&b);
    bad = 0;
    mail_charset_to_utf8("utf-8", (const uint8_t *)"a\xffz", 3, &b, &bad, NULL);
    CHECK(strcmp((char *)b.data, "a\xef\xbf\xbdz") == 0);
    CHECK_EQ_INT((int)bad, 1);
    /* iconv-backed: KOI8-R "Мир". */
    buf_reset(&b);
    mail_charset_to_utf8("koi8-r", (const uint8_t *)"\xed\xc9\xd2", 3, &b, &bad, NULL);
    CHECK(strcmp((char *)b.data, "\xd0\x9c\xd0\xb8\xd1\x80") == 0);

    /* A Shift_JIS character split over two encoded words survives. */
    buf_reset(&b);
    const char *hdr = "=?Shift_JIS?B?k/o=?= =?Shift_JIS?B?lns=?= tail";
    CHECK_EQ_INT(mail_header_decode(hdr, strlen(hdr), NULL, &b, NULL), MG_OK);
    CHECK(strcmp((char *)b.data, "\xe6\x97\xa5\xe6\x9c\xac tail") == 0);
    buf_free(&b);
}

/* Readings that do not fit the declared charset (real mail: UTF-8 labelled ISO-2022-JP, raw Latin-1
 * headers). */
static void test_charset_fallback(void)
{
    struct buf b;
    struct mail_cs_hint h;
    size_t bad = 0;
    memset(&h, 0, sizeof(h));
    buf_init(&b, 1024);
    /* UTF-8 "送信" labelled ISO-2022-JP: UTF-8, no U+FFFD, and said so. */
    const char *u = "\xe9\x80\x81\xe4\xbf\xa1";
    CHECK_EQ_INT(mail_charset_decode("ISO-2022-JP", &h, (const uint8_t *)u, strlen(u), &b, &bad),
                 MG_OK);
    CHECK(b.data && strcmp((char *)b.data, u) == 0);
    CHECK(h.fell_back && h.used && strcmp(h.used, "UTF-8") == 0);
    CHECK_EQ_INT((int)bad, 0);
    /* Undeclared Latin-1 "Fr\xf6sche": not CP932 user-defined characters. */
    buf_reset(&b);
    CHECK_EQ_INT(mail_charset_decode(NULL, &h, (const uint8_t *)"Fr\xf6sche", 8, &b, NULL), MG_OK);
    CHECK(b.data && strcmp((char *)b.data, "Fr\xc3\xb6sche") == 0);
    /* "Forma\xe7\xe3o": not one kanji between Latin letters. */
    buf_reset(&b);
    CHECK_EQ_INT(mail_charset_decode(NULL, &h, (const uint8_t *)"Forma\xe7\xe3o", 8, &b, NULL),
                 MG_OK);
    CHECK(b.data && strcmp((char *)b.data, "Forma\xc3\xa7\xc3\xa3o") == 0);
    /* A charset the rest of the message declares comes before the Japanese guesses. */
    buf_reset(&b);
    h.others[0] = "koi8-r";
    h.n_others = 1;
    CHECK_EQ_INT(mail_charset_decode("us-ascii", &h, (const uint8_t *)"\xed\xc9\xd2", 3, &b, NULL),
                 MG_OK);
    CHECK(b.data && strcmp((char *)b.data, "\xd0\x9c\xd0\xb8\xd1\x80") == 0);
    CHECK(h.used && strcmp(h.used, "koi8-r") == 0);
    /* Undeclared Shift_JIS "日本語です" is still read as Japanese. */
    buf_reset(&b);
    h.n_others = 0;
    const char *sj = "\x93\xfa\x96\x7b\x8c\xea\x82\xc5\x82\xb7";
    CHECK_EQ_INT(mail_charset_decode(NULL, &h, (const uint8_t *)sj, strlen(sj), &b, NULL), MG_OK);
    CHECK(b.data && strcmp((char *)b.data, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xa7"
                                           "\xe3\x81\x99") == 0);
    /* UTF-8 with one stray byte keeps UTF-8 and one U+FFFD, not Latin-1 mojibake. */
    buf_reset(&b);
    bad = 0;
    const char *st = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"
                     "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"
                     "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"
                     "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"
                     "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"
                     "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"
                     "\xff";
    CHECK_EQ_INT(mail_charset_decode("utf-8", &h, (const uint8_t *)st, strlen(st), &b, &bad),
                 MG_OK);
    CHECK_EQ_INT((int)bad, 1);
    CHECK(b.data && strncmp((char *)b.data, "\xe6\x97\xa5", 3) == 0);
    /* A raw Latin-1 header with an ISO-8859-1 part elsewhere in the message. */
    buf_reset(&b);
    h.others[0] = "iso-8859-1";
    h.n_others = 1;
    const char *hdr = "Re: Forma\xe7\xe3o =?UTF-8?B?44OG44K544OI?=";
    CHECK_EQ_INT(mail_header_decode(hdr, strlen(hdr), &h, &b, NULL), MG_OK);
    CHECK(b.data && strcmp((char *)b.data,
                           "Re: Forma\xc3\xa7\xc3\xa3o \xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88") == 0);
    CHECK(h.fell_back);
    buf_free(&b);
}

/* Messages as they really arrive are messages whatever libmagic says of them. */
static void test_ident_messages(void)
{
    static const char *const mails[] = {
            /* mbox From line, as Postfix pipe flags=F and procmail hand it over */
            "From MAILER-DAEMON Thu Jan  2 03:04:05 2025\nReceived: from a\nSubject: x\n\nbody\n",
            /* lone CR line ends (old Mac mailers, real bounces) */
            "From: a@example.jp\rTo: b@example.jp\rSubject: x\r\rbody\r",
            /* an HTML alternative libmagic calls text/html */
            "Message-ID: <1@x>\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n"
            "<html><body><p>hello</p></body></html>\r\n",
            /* obsolete syntax: white space before the colon */
            "From  : John Doe <jdoe@example>\r\nTo    : Mary\r\nSubject     : hi\r\n\r\nbody\r\n",
            /* BinHex in the body (libmagic: application/mac-binhex40) */
            "(This file must be converted with BinHex 4.0)\n",
    };
    struct ident id;
    for (size_t i = 0; i < 4; i++) {
        CHECK_EQ_INT(ident_buffer((const uint8_t *)mails[i], strlen(mails[i]), NULL, &id), MG_OK);
        CHECK_EQ_INT(id.type, FT_EML);
    }
    char binhex[512];
    snprintf(binhex, sizeof(binhex),
             "Date: Mon, 1 Jul 2024 09:00:00 +0900\nFrom: a@example.jp\n\n%s"
             ":$f*TEQKPH#jdCA0d,R0TG!\"298dj!&4%%p!N!3\"B!!!!!:\n",
             mails[4]);
    CHECK_EQ_INT(ident_buffer((const uint8_t *)binhex, strlen(binhex), NULL, &id), MG_OK);
    CHECK_EQ_INT(id.type, FT_EML);
    /* Not messages: one field without the .eml name, prose starting with "From me". */
    const char *one = "Subject: only one field\n\nbody\n";
    CHECK_EQ_INT(ident_buffer((const uint8_t *)one, strlen(one), NULL, &id), MG_OK);
    CHECK_EQ_INT(id.type, FT_TEXT);
    CHECK_EQ_INT(ident_buffer((const uint8_t *)one, strlen(one), "message.eml", &id), MG_OK);
    CHECK_EQ_INT(id.type, FT_EML);
    const char *prose = "From me to you\nwith love\n\n";
    CHECK_EQ_INT(ident_buffer((const uint8_t *)prose, strlen(prose), NULL, &id), MG_OK);
    CHECK_EQ_INT(id.type, FT_TEXT);
}

/* In a forked child an unknown charset fails with EINVAL instead of loading a module. */
static void test_iconv_guard(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        iconv_t a = iconv_open("UTF-8", "IBM1047");
        int e = errno;
        iconv_t b = iconv_open("UTF-8", "ISO-2022-JP");
        _exit(a == (iconv_t)-1 && e == EINVAL && b != (iconv_t)-1 ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* The parent itself is not restricted. */
    iconv_t c = iconv_open("UTF-8", "IBM1047");
    CHECK(c != (iconv_t)-1);
    if (c != (iconv_t)-1)
        iconv_close(c);
}

static void test_html(void)
{
    struct buf b;
    struct html2text_stats st;
    const char *h = "<p>A&amp;B <a href=\" java\tscript:alert(1)\">x</a> "
                    "<a href=\"https://e.jp/\">site</a></p><script>evil()</script>"
                    "<ol><li>one<li>two</ol>";
    buf_init(&b, 4096);
    CHECK_EQ_INT(html2text((const uint8_t *)h, strlen(h), &b, &st), MG_OK);
    const char *s = (const char *)b.data;
    CHECK(strstr(s, "A&B") != NULL);
    CHECK(strstr(s, "site <https://e.jp/>") != NULL);
    CHECK(strstr(s, "script") == NULL && strstr(s, "evil") == NULL && strstr(s, "alert") == NULL);
    CHECK(strstr(s, "1. one\n2. two") != NULL);
    CHECK_EQ_INT((int)st.bad_links, 1);
    buf_free(&b);
}

static void test_inline(void)
{
    struct buf rest;
    struct mail_inline items[4];
    size_t n;
    /* "hi\n" uuencoded. */
    const char *t = "text\nbegin 644 a.txt\n#:&D*\n`\nend\nafter\n";
    buf_init(&rest, 4096);
    CHECK_EQ_INT(mail_inline_extract((const uint8_t *)t, strlen(t), &rest, items, 4, &n, 1024),
                 MG_OK);
    CHECK_EQ_INT((int)n, 1);
    CHECK(n == 1 && items[0].error == NULL && items[0].data.len == 3 &&
          memcmp(items[0].data.data, "hi\n", 3) == 0);
    CHECK(strstr((char *)rest.data, "begin 644") == NULL && strstr((char *)rest.data, "after"));
    mail_inline_free(items, n);
    /* Prose that starts with "begin 644" is not swallowed. */
    buf_reset(&rest);
    t = "begin 644 the meeting\nwe will talk\nend\n";
    mail_inline_extract((const uint8_t *)t, strlen(t), &rest, items, 4, &n, 1024);
    CHECK_EQ_INT((int)n, 0);
    CHECK(rest.len == strlen(t));
    buf_free(&rest);
}

/* ---- whole messages ---- */

static void test_message(void)
{
    struct buf out;
    struct report_node *node;
    const char *msg =
            "From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <y@example.jp>\r\n"
            "To: a@example.jp\r\nSubject: =?UTF-8?B?44OG44K544OI?=\r\n"
            "X-Evil: drop me\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
            "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            "<b>Hi</b><script>x()</script>\r\n"
            "--b\r\nContent-Type: application/octet-stream; name=a.exe\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
            "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            "gAAAAA==\r\n"
            "--b\r\nContent-Type: text/plain; name=n.txt\r\n"
            "Content-Disposition: attachment; filename=n.txt\r\n\r\nnote\r\n--b--\r\n";
    CHECK_EQ_INT(run(msg, &out, &node), MG_OK);
    const char *o = (const char *)out.data;
    CHECK(o && strstr(o, "X-Evil") == NULL);
    CHECK(o && strstr(o, "Subject: =?UTF-8?B?44OG44K544OI?=") != NULL);
    CHECK(o && strstr(o, "From: =?UTF-8?B?5bGx55Sw?= <y@example.jp>") != NULL);
    CHECK(o && strstr(o, "X-Mugai-Result: verdict=sanitized; attachments=1; removed=1;") != NULL);
    CHECK(o && strstr(o, "text/html") == NULL && strstr(o, "octet-stream") == NULL);
    CHECK(o && strstr(o, "filename=\"n.txt\"") != NULL);
    char *body = o ? body_after(o, "Content-Type: text/plain; charset=UTF-8") : NULL;
    CHECK(body && strstr(body, "Hi") && !strstr(body, "x()"));
    CHECK(body && strstr(body, "\xe3\x80\x8c"
                               "a.exe"
                               "\xe3\x80\x8d"));
    free(body);
    /* Our own output verifies; the input does not. */
    struct san_ctx ctx = {.pol = &pol};
    CHECK_EQ_INT(mailsan_verify(&ctx, out.data, out.len), MG_OK);
    CHECK(mailsan_verify(&ctx, (const uint8_t *)msg, strlen(msg)) != MG_OK);
    buf_free(&out);
    report_free(node);

    /* Encrypted: held, with the reason code. */
    const char *enc = "From: a@example.jp\r\nMIME-Version: 1.0\r\n"
                      "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
                      "Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIA=\r\n";
    CHECK_EQ_INT(run(enc, &out, &node), MG_ERR_ENCRYPTED);
    CHECK(node->verdict == VERDICT_BLOCKED &&
          strcmp(reason_code(node->reason_code), "encrypted") == 0);
    buf_free(&out);
    report_free(node);

    /* Duplicate boundary parameters: refused as ambiguous. */
    const char *dup = "From: a@example.jp\r\nMIME-Version: 1.0\r\n"
                      "Content-Type: multipart/mixed; boundary=a; boundary=b\r\n\r\n"
                      "--a\r\nContent-Type: text/plain\r\n\r\nx\r\n--a--\r\n";
    CHECK(run(dup, &out, &node) != MG_OK);
    CHECK(strcmp(reason_code(node->reason_code), "ambiguous") == 0);
    buf_free(&out);
    report_free(node);

    /* Over mail_max_size: refused, never truncated. */
    pol.mail_max_size = 16;
    CHECK_EQ_INT(run("From: a@example.jp\r\n\r\nmore than sixteen bytes\r\n", &out, &node),
                 MG_ERR_LIMIT);
    CHECK_EQ_INT((int)out.len, 0);
    pol.mail_max_size = 8u << 20;
    buf_free(&out);
    report_free(node);

    /* The held notice keeps the subject and names the reference. */
    buf_init(&out, 1 << 20);
    const char *held = "From: a@example.jp\r\nSubject: =?UTF-8?B?44OG44K544OI?=\r\n\r\nx\r\n";
    CHECK_EQ_INT(mailsan_notice(&pol, (const uint8_t *)held, strlen(held), REASON_ENCRYPTED,
                                "encrypted message", 0, &out),
                 MG_OK);
    char ref[65];
    report_sha256_hex((const uint8_t *)held, strlen(held), ref);
    CHECK(out.data && strstr((char *)out.data, "verdict=held; reason=encrypted"));
    CHECK(out.data && strstr((char *)out.data, ref));
    CHECK(out.data && strstr((char *)out.data, "Subject: =?UTF-8?B?"));
    buf_free(&out);
}

/* ---- policy mail_attachment_text ---- */

static void b64_put(struct buf *b, const uint8_t *p, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        char q[4] = {a[v >> 18], a[(v >> 12) & 63], i + 1 < n ? a[(v >> 6) & 63] : '=',
                     i + 2 < n ? a[v & 63] : '='};
        CHECK(buf_append(b, q, 4) == MG_OK);
        if (i % 57 == 54)
            CHECK(buf_puts(b, "\r\n") == MG_OK);
    }
    CHECK(buf_puts(b, "\r\n") == MG_OK);
}

static void test_attachment_text(void)
{
    size_t xls_len;
    uint8_t *xls = t_corpus_file("msoffice", "benign-budget.xls", &xls_len);
    if (!xls) {
        CHECK(xls != NULL);
        return;
    }
    const char *rtf = "{\\rtf1\\ansi\\ansicpg932{\\fonttbl{\\f0\\fcharset128 M;}}\\f0 "
                      "\\'82\\'a8\\'92\\'6d\\'82\\'e7\\'82\\'b9 see http://example.jp/x"
                      "{\\field{\\*\\fldinst DDEAUTO cmd.exe}{\\fldrslt shown}}\\par}";
    struct buf msg;
    buf_init(&msg, 1u << 20);
    CHECK(buf_puts(&msg, "From: a@example.jp\r\nTo: b@example.jp\r\nMIME-Version: 1.0\r\n"
                         "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                         "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                         "body text\r\n"
                         "--b\r\nContent-Type: application/rtf; name=a.rtf\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\n") == MG_OK);
    b64_put(&msg, (const uint8_t *)rtf, strlen(rtf));
    CHECK(buf_puts(&msg, "--b\r\nContent-Type: application/vnd.ms-excel; name=b.xls\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\n") == MG_OK);
    b64_put(&msg, xls, xls_len);
    CHECK(buf_puts(&msg, "--b\r\nContent-Type: text/plain; name=n.txt\r\n"
                         "Content-Disposition: attachment; filename=n.txt\r\n\r\nnote\r\n"
                         "--b--\r\n") == MG_OK);
    free(xls);
    pol.action[FT_RTF] = pol.action[FT_XLS] = POL_SANITIZE;

    for (int on = 0; on < 2; on++) {
        struct buf out;
        struct report_node *node;
        pol.mail_attachment_text = on;
        pol.mail_defang_urls = on;
        CHECK_EQ_INT(run((const char *)msg.data, &out, &node), MG_OK);
        const char *o = (const char *)out.data;
        CHECK(o && strstr(o, "filename=\"a.rtf\"") && strstr(o, "filename=\"b.xls\"") &&
              strstr(o, "filename=\"n.txt\""));
        char *body = o ? body_after(o, "Content-Type: text/plain; charset=UTF-8") : NULL;
        CHECK(body && strstr(body, "body text"));
        const char *ra = body ? strstr(body, "\xe3\x80\x8c"
                                             "a.rtf"
                                             "\xe3\x80\x8d")
                              : NULL;
        const char *xa = body ? strstr(body, "\xe3\x80\x8c"
                                             "b.xls"
                                             "\xe3\x80\x8d")
                              : NULL;
        if (!on) {
            CHECK(body && !ra && !xa && !strstr(body, "\xe3\x81\x8a\xe7\x9f\xa5"));
        } else {
            /* After the body, in attachment order, each under its heading. */
            CHECK(body && ra && xa && strstr(body, "body text") < ra && ra < xa);
            CHECK(ra && strstr(ra, "\xe3\x81\x8a\xe7\x9f\xa5\xe3\x82\x89\xe3\x81\x9b see "
                                   "hxxp://example.jp/xshown") != NULL);
            CHECK(xa && strstr(xa, "--- sheet 1: ") &&
                  strstr(xa, "\xe7\xb7\x8f\xe5\x8b\x99\xe8\xaa\xb2 General Affairs,1200,1185,15"));
            CHECK(body && !strstr(body, "cmd.exe") && !strstr(body, "\xe3\x80\x8cn.txt"));
        }
        free(body);
        struct san_ctx ctx = {.pol = &pol};
        CHECK_EQ_INT(mailsan_verify(&ctx, out.data, out.len), MG_OK);
        buf_free(&out);
        report_free(node);
    }
    pol.mail_attachment_text = pol.mail_defang_urls = false;
    pol.action[FT_RTF] = pol.action[FT_XLS] = POL_BLOCK;
    buf_free(&msg);
}

/* A message naming charsets we know and some we do not, in a real worker. */
struct worker_arg {
    const char *msg;
};

static int charset_worker(void *argp, int in_fd, int out_fd, int res_fd)
{
    struct worker_arg *a = argp;
    struct buf out;
    struct report_node *node;
    (void)in_fd, (void)out_fd;
    int rc = run(a->msg, &out, &node);
    char r = rc == MG_OK ? 'Y' : 'N';
    buf_free(&out);
    report_free(node);
    return write(res_fd, &r, 1) == 1 ? 0 : 1;
}

static void test_under_seccomp(void)
{
    static const char msg[] =
            "From: =?IBM037?B?wcLD?= <a@example.jp>\r\nSubject: =?x-mac-japanese?B?QUJD?= "
            "=?KOI8-R?B?7cnS?= =?EUC-KR?B?x9Gxuw==?= =?ISO-2022-JP?B?GyRCRnxLXBsoQg==?=\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n"
            "--z\r\nContent-Type: text/plain; charset=IBM1047\r\n\r\nabc\r\n"
            "--z\r\nContent-Type: text/plain; charset=big5\r\n\r\nabc\r\n"
            "--z\r\nContent-Type: application/octet-stream; name*=IBM1047''%C1%C2\r\n"
            "Content-Disposition: attachment; filename=\"=?CP1047?B?wcLD?=\"\r\n\r\nabc\r\n"
            "--z\r\nContent-Type: text/plain; name*=x-unknown-cs'ja'%C1\r\n"
            "Content-Disposition: attachment; filename*=ISO-2022-JP''%1B%24BF%7CK%5C%1B%28B.txt"
            "\r\n\r\nabc\r\n--z--\r\n";
    struct worker_arg a = {msg};
    struct sandbox_limits lim = {.cpu_seconds = 30,
                                 .deadline_seconds = 60,
                                 .memory_bytes = 8ull << 30,
                                 .output_bytes = 1 << 20,
                                 .result_max = 16};
    struct sandbox_outcome oc;
    CHECK_EQ_INT(sandbox_run(&lim, SANDBOX_STRICT, NULL, charset_worker, &a, -1, -1, -1, &oc),
                 MG_OK);
    if (!oc.ok)
        fprintf(stderr, "worker: %s\n", oc.why);
    CHECK(oc.ok && oc.result_len == 1 && oc.result[0] == 'Y');
    sandbox_outcome_free(&oc);
}

/* The candidates as one string "a|b|c" for comparison. */
static void ppap(const char *text, char *got, size_t cap)
{
    struct buf out;
    size_t n = 0, off = 0;
    buf_init(&out, 4096);
    CHECK_EQ_INT(mail_ppap_candidates(text, strlen(text), &out, &n), MG_OK);
    got[0] = 0;
    for (size_t i = 0; i < n && off < out.len; i++) {
        const char *c = (const char *)out.data + off;
        snprintf(got + strlen(got), cap - strlen(got), "%s%s", i ? "|" : "", c);
        off += strlen(c) + 1;
    }
    buf_free(&out);
}

static void test_ppap(void)
{
    static const struct {
        const char *text, *want; /* the candidates found, "|"-separated */
    } cases[] = {
            {"パスワード：Abc-1234\n", "Abc-1234"},
            {"解凍パスワードは QwErTy99 です\n", "QwErTy99"},
            {"PW: x9y8z7\npassword = hunter22\n", "x9y8z7|hunter22"},
            /* A lone token on a line, after the keyword ones. */
            {"お世話になっております。\n\nmugai\n\nパスワード: first1\n", "first1|mugai"},
            /* Not keywords: "bypass", or "password" followed by more words. */
            {"bypass zzzz1\nthe password is below\n", ""},
            /* Too short, too long, once each, at most 16. */
            {"pw abc\nabcd\nabcd\n", "abcd"},
    };
    char got[2048];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ppap(cases[i].text, got, sizeof(got));
        if (strcmp(got, cases[i].want) != 0)
            fprintf(stderr, "ppap case %zu: \"%s\", want \"%s\"\n", i, got, cases[i].want);
        CHECK(strcmp(got, cases[i].want) == 0);
    }
    char many[4096] = "";
    for (int i = 0; i < 30; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "tok%02d\n", i);
    ppap(many, got, sizeof(got));
    CHECK(strncmp(got, "tok00|tok01|", 12) == 0 && strstr(got, "tok15") && !strstr(got, "tok16"));
}

int main(void)
{
    setup_policy();
    CHECK_EQ_INT(ident_init(), MG_OK);
    CHECK_EQ_INT(mailsan_global_init(), MG_OK);
    CHECK_EQ_INT(sandbox_init(), MG_OK);
    test_under_seccomp();
    test_charsets();
    test_charset_fallback();
    test_ident_messages();
    test_iconv_guard();
    test_html();
    test_inline();
    test_message();
    test_attachment_text();
    test_ppap();
    ident_done();
    return t_done();
}
