/*
 * t_msoffice - the Word/Excel/PowerPoint 97-2003 sanitizer on the samples
 * of corpus/msoffice (made by corpus/make-msoffice.py).
 *
 * Each sample must be sanitized or refused with the expected reason code;
 * every output must pass msofficesan_verify() and be a fixed point
 * (sanitizing it again removes nothing); the verifier must refuse the
 * hostile inputs themselves and outputs tampered with afterwards (a VBA
 * storage added back, a macro sheet type restored, a DDE field code put
 * back). The independent look at the outputs (olefile, xlrd, LibreOffice)
 * is tests/test_msoffice.py.
 */
#include "t.h"
#include "t_util.h"

#include "cfb.h"
#include "err.h"
#include "msofficesan.h"
#include "report.h"
#include "utf8.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct policy pol;

struct sample {
    const char *name;
    enum ftype type;
    const char *code;   /* NULL: sanitized */
    const char *action; /* a word one of the actions must hold, or NULL */
};

static const struct sample samples[] = {
        {"benign-letter.doc", FT_DOC, NULL, NULL},
        {"benign-budget.xls", FT_XLS, NULL, NULL},
        {"benign-slides.ppt", FT_PPT, NULL, "1 properties of \"SummaryInformation\""},
        {"doc-vba.doc", FT_DOC, NULL, "VBA project (storage \"Macros\""},
        {"doc-objectpool.doc", FT_DOC, NULL, "storage \"ObjectPool\""},
        {"doc-stale-table.doc", FT_DOC, NULL, "table stream \"0Table\""},
        {"doc-remote-template.doc", FT_DOC, NULL, "attached template \"\\\\192.0.2.1"},
        {"lo-dde-fields.doc", FT_DOC, NULL, "field DDEAUTO"},
        {"lo-include-fields.doc", FT_DOC, NULL, "field INCLUDETEXT in the headers"},
        {"lo-hyperlinks.doc", FT_DOC, NULL, "field HYPERLINK"},
        {"doc-encrypted-fib.doc", FT_DOC, "encrypted", NULL},
        {"doc-encryptioninfo.doc", FT_DOC, "encrypted", NULL},
        {"doc-word95.doc", FT_DOC, "unsupported", NULL},
        {"doc-field-unlisted.doc", FT_DOC, "parse-error", NULL},
        {"xls-macrosheet.xls", FT_XLS, NULL, "macro sheet \"Macro1\", very hidden"},
        {"xls-macrosheet-visible.xls", FT_XLS, NULL, "defined name auto_open"},
        {"xls-vbmodule.xls", FT_XLS, NULL, "VB module sheet"},
        {"xls-bof-macro.xls", FT_XLS, NULL, "Auto_Deactivate"},
        {"xls-vba.xls", FT_XLS, NULL, "OBPROJ"},
        {"xls-mbd-object.xls", FT_XLS, NULL, "embedded object"},
        {"xls-dde.xls", FT_XLS, "unsupported", NULL},
        {"xls-external-link.xls", FT_XLS, "unsupported", NULL},
        {"xls-filepass.xls", FT_XLS, "encrypted", NULL},
        {"xls-biff5-book.xls", FT_XLS, "unsupported", NULL},
        {"xls-hidden-bytes.xls", FT_XLS, "parse-error", NULL},
        {"ppt-actions.ppt", FT_PPT, NULL, "run-program action"},
        {"ppt-actions-many.ppt", FT_PPT, NULL, "hyperlink target \"\\\\192.0.2.2"},
        {"ppt-olestg.ppt", FT_PPT, "unsupported", NULL},
        {"ppt-cryptsession.ppt", FT_PPT, "encrypted", NULL},
        {"ppt-encrypted.ppt", FT_PPT, "encrypted", NULL},
};

static bool has_action(const struct report_node *n, const char *word)
{
    for (size_t i = 0; i < n->n_actions; i++)
        if (strstr(n->actions[i].what, word))
            return true;
    return false;
}

static size_t removals(const struct report_node *n)
{
    size_t k = 0;
    for (size_t i = 0; i < n->n_actions; i++)
        k += strcmp(action_word(n->actions[i].action), "removed") == 0;
    return k;
}

static int sanitize(const uint8_t *in, size_t len, enum ftype type, struct buf *out,
                    struct report_node **node)
{
    struct san_ctx ctx = {.pol = &pol, .out_type = type};
    *node = report_new("t");
    buf_init(out, 64u << 20);
    return msofficesan_sanitize(&ctx, in, len, out, *node);
}

static int verify(const uint8_t *d, size_t n)
{
    struct san_ctx ctx = {.pol = &pol};
    return msofficesan_verify(&ctx, d, n);
}

static void test_samples(void)
{
    for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
        const struct sample *s = &samples[k];
        size_t len;
        uint8_t *in = t_load("msoffice", s->name, &len);
        struct buf out;
        struct report_node *node;
        int rc = sanitize(in, len, s->type, &out, &node);
        bool ok = s->code ? rc != MG_OK && node->verdict == VERDICT_BLOCKED &&
                                    strcmp(reason_code(node->reason_code), s->code) == 0
                          : rc == MG_OK && node->verdict == VERDICT_SANITIZED;
        if (!ok)
            fprintf(stderr, "%s: rc %d, %s: %s\n", s->name, rc, reason_code(node->reason_code),
                    node->reason ? node->reason : "-");
        CHECK(ok);
        if (s->action && !has_action(node, s->action)) {
            fprintf(stderr, "%s: no action about \"%s\"\n", s->name, s->action);
            CHECK(false);
        }
        if (rc == MG_OK) {
            CHECK_EQ_INT(verify(out.data, out.len), MG_OK);
            /* Sanitizing the output again finds nothing to remove. */
            struct buf again;
            struct report_node *n2;
            CHECK_EQ_INT(sanitize(out.data, out.len, s->type, &again, &n2), MG_OK);
            if (removals(n2) != 0)
                fprintf(stderr, "%s: the output still had %zu things to remove\n", s->name,
                        removals(n2));
            CHECK_EQ_INT(removals(n2), 0);
            report_free(n2);
            buf_free(&again);
            /* Hostile inputs themselves fail verification. */
            if (s->action)
                CHECK(verify(in, len) != MG_OK);
        }
        report_free(node);
        buf_free(&out);
        free(in);
    }
}

/* ---- tampering with a sanitized output ---------------------------------------------- */

struct copy {
    struct cfb c;
    uint8_t *data[16];
    size_t len[16];
};

static bool open_copy(const struct buf *b, struct copy *cp)
{
    memset(cp, 0, sizeof(*cp));
    if (cfb_open(&cp->c, b->data, b->len) != MG_OK || cp->c.n > 16)
        return false;
    for (size_t i = 1; i < cp->c.n; i++)
        if (cfb_read(&cp->c, i, &cp->data[i], &cp->len[i]) != MG_OK)
            return false;
    return true;
}

/* Write the copy back, with extra nodes after the root's streams. */
static int write_copy(struct copy *cp, const struct cfb_wnode *extra, size_t nextra, uint8_t **out,
                      size_t *len)
{
    struct cfb_wnode w[32];
    size_t n = 0;
    for (size_t i = 1; i < cp->c.n; i++)
        w[n++] = (struct cfb_wnode){cp->c.entries[i].name,
                                    cp->c.entries[i].name_len,
                                    CFB_STREAM,
                                    CFB_NONE,
                                    {0},
                                    0,
                                    cp->data[i],
                                    cp->len[i]};
    size_t base = n;
    for (size_t i = 0; i < nextra; i++) {
        w[n] = extra[i];
        if (w[n].parent != CFB_NONE)
            w[n].parent += base;
        n++;
    }
    return cfb_write(w, n, cp->c.entries[0].clsid, 64u << 20, out, len);
}

static void close_copy(struct copy *cp)
{
    for (size_t i = 0; i < 16; i++)
        free(cp->data[i]);
    cfb_close(&cp->c);
}

static size_t find(const struct copy *cp, const char *name)
{
    return cfb_find(&cp->c, 0, name);
}

static void test_tampered(void)
{
    static const uint16_t macros[] = {'M', 'a', 'c', 'r', 'o', 's'};
    static const uint16_t dir[] = {'d', 'i', 'r'};
    size_t len;
    uint8_t *in = t_load("msoffice", "doc-vba.doc", &len);
    struct buf out;
    struct report_node *node;
    CHECK_EQ_INT(sanitize(in, len, FT_DOC, &out, &node), MG_OK);
    struct copy cp;
    CHECK(open_copy(&out, &cp));
    uint8_t *f = NULL;
    size_t fl = 0;
    /* the clean copy verifies; with a VBA storage added back it does not */
    CHECK(write_copy(&cp, NULL, 0, &f, &fl) == MG_OK && verify(f, fl) == MG_OK);
    free(f);
    struct cfb_wnode vba[] = {{macros, 6, CFB_STORAGE, CFB_NONE, {0}, 0, NULL, 0},
                              {dir, 3, CFB_STREAM, 0, {0}, 0, (const uint8_t *)"x", 1}};
    CHECK(write_copy(&cp, vba, 2, &f, &fl) == MG_OK && verify(f, fl) != MG_OK);
    free(f);
    close_copy(&cp);
    report_free(node);
    buf_free(&out);
    free(in);

    /* a macro sheet's type restored in the BOUNDSHEET */
    in = t_load("msoffice", "xls-macrosheet.xls", &len);
    CHECK_EQ_INT(sanitize(in, len, FT_XLS, &out, &node), MG_OK);
    CHECK(open_copy(&out, &cp));
    size_t wb = find(&cp, "Workbook");
    bool patched = false;
    for (size_t off = 0; wb != CFB_NONE && off + 4 <= cp.len[wb];) {
        uint8_t *r = cp.data[wb] + off;
        unsigned type = r[0] | r[1] << 8, rl = r[2] | r[3] << 8;
        if (type == 0 && rl == 0)
            break;
        if (type == 0x85 && rl > 16 &&
            memcmp(r + 4 + 8,
                   "M\0a\0c\0r\0o\0"
                   "1",
                   11) == 0) {
            r[4 + 5] = 1;
            patched = true;
        }
        off += 4 + rl;
    }
    CHECK(patched);
    CHECK(write_copy(&cp, NULL, 0, &f, &fl) == MG_OK && verify(f, fl) != MG_OK);
    free(f);
    close_copy(&cp);
    report_free(node);
    buf_free(&out);
    free(in);

    /* a blanked DDE field code written back */
    in = t_load("msoffice", "lo-dde-fields.doc", &len);
    CHECK_EQ_INT(sanitize(in, len, FT_DOC, &out, &node), MG_OK);
    CHECK(open_copy(&out, &cp));
    size_t wd = find(&cp, "WordDocument");
    static const char dde[] = "DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe";
    uint8_t *orig_wd = NULL;
    size_t owl = 0;
    struct cfb oc;
    CHECK(cfb_open(&oc, in, len) == MG_OK);
    CHECK(cfb_read(&oc, cfb_find(&oc, 0, "WordDocument"), &orig_wd, &owl) == MG_OK);
    cfb_close(&oc);
    /* the instruction as the piece holds it: 8-bit or UTF-16 */
    char dde16[2 * sizeof(dde)];
    for (size_t i = 0; i < sizeof(dde); i++) {
        dde16[2 * i] = dde[i];
        dde16[2 * i + 1] = 0;
    }
    size_t dl = sizeof(dde) - 1;
    uint8_t *at = orig_wd ? memmem(orig_wd, owl, dde, dl) : NULL;
    if (at == NULL && orig_wd) {
        dl = 2 * (sizeof(dde) - 1);
        at = memmem(orig_wd, owl, dde16, dl);
    }
    CHECK(at != NULL && wd != CFB_NONE && owl == cp.len[wd]);
    if (at && wd != CFB_NONE && owl == cp.len[wd]) {
        memcpy(cp.data[wd] + (at - orig_wd), at, dl);
        CHECK(write_copy(&cp, NULL, 0, &f, &fl) == MG_OK && verify(f, fl) != MG_OK);
        free(f);
    }
    free(orig_wd);
    close_copy(&cp);
    report_free(node);
    buf_free(&out);
    free(in);
}

/* A summary property set that does not parse goes whole; the document stays. */
static void test_bad_props(void)
{
    size_t len;
    uint8_t *in = t_load("msoffice", "benign-letter.doc", &len);
    struct buf out, out2;
    struct report_node *node, *n2;
    CHECK_EQ_INT(sanitize(in, len, FT_DOC, &out, &node), MG_OK);
    struct copy cp;
    CHECK(open_copy(&out, &cp));
    size_t si = find(&cp, "\005SummaryInformation");
    CHECK(si != CFB_NONE);
    uint8_t *f = NULL;
    size_t fl = 0;
    if (si != CFB_NONE) {
        cp.data[si][0] = 0; /* byte order mark */
        CHECK(write_copy(&cp, NULL, 0, &f, &fl) == MG_OK);
        CHECK(verify(f, fl) != MG_OK);
        CHECK_EQ_INT(sanitize(f, fl, FT_DOC, &out2, &n2), MG_OK);
        CHECK(has_action(n2, "property set \"SummaryInformation\""));
        struct cfb c;
        CHECK(cfb_open(&c, out2.data, out2.len) == MG_OK);
        CHECK(cfb_find(&c, 0, "\005SummaryInformation") == CFB_NONE);
        CHECK(cfb_find(&c, 0, "WordDocument") != CFB_NONE);
        cfb_close(&c);
        report_free(n2);
        buf_free(&out2);
        free(f);
    }
    close_copy(&cp);
    report_free(node);
    buf_free(&out);
    free(in);
}

/* Limits and wrong inputs. */
static void test_limits(void)
{
    size_t len;
    uint8_t *in = t_load("msoffice", "benign-letter.doc", &len);
    struct san_ctx ctx = {.pol = &pol, .out_type = FT_DOC};
    struct report_node *node = report_new("t");
    struct buf out;
    buf_init(&out, 4096);
    CHECK(msofficesan_sanitize(&ctx, in, len, &out, node) != MG_OK);
    CHECK(node->verdict == VERDICT_BLOCKED);
    report_free(node);
    buf_free(&out);
    /* a Word document given as Excel: no Workbook stream */
    struct report_node *n2;
    CHECK(sanitize(in, len, FT_XLS, &out, &n2) == MG_ERR_PARSE);
    report_free(n2);
    buf_free(&out);
    /* not a compound file at all */
    CHECK(sanitize((const uint8_t *)"hello", 5, FT_DOC, &out, &n2) == MG_ERR_PARSE &&
          strcmp(reason_code(n2->reason_code), "parse-error") == 0);
    report_free(n2);
    buf_free(&out);
    CHECK(verify((const uint8_t *)"hello", 5) != MG_OK);
    free(in);
    size_t ol;
    uint8_t *other = t_corpus_file("blocked/benign", "other.ole", &ol);
    CHECK(other != NULL && verify(other, ol) != MG_OK);
    free(other);
}

/* Policy flatten: what the text holds and must not hold, per sample. */
struct flat_case {
    const char *name;
    const char *code;      /* NULL: flattened */
    const char *want[4];   /* substrings of the text, in this order */
    const char *banned[4]; /* substrings it must not hold */
};

static const struct flat_case flat_cases[] = {
        {"benign-letter.doc",
         NULL,
         {"令和6年5月10日\n", "ごみ収集日の変更について", "北地区 North\n火・金 Tue/Fri\n",
          "環境課 Environment Division"},
         {"\n\n\n"}},
        {"benign-report.doc",
         NULL,
         {"事業報告書", "学校 Schools\n80,000\n", "問い合わせ先",
          "別表は財政課が作成しました"}, /* the footnote, after the body */
         {NULL}},
        {"benign-budget.xls",
         NULL,
         {"--- sheet 1: 予算 Budget ---\n",
          "部署 Department,予算 Budget,執行 Spent,残額 Remaining\n",
          "総務課 General Affairs,1200,1185,15\n", "--- sheet 2: メモ Notes ---\n"},
         {NULL}},
        {"benign-population.xls",
         NULL,
         {"南地区 South,9900,9800,-100\n", "合計 Total,38100,38300,200\n\n出典 Source\n"},
         {NULL}},
        {"benign-slides.ppt",
         NULL,
         {"防災計画の概要", "--- slide 2 ---\n地区別人口", "--- slide 3 ---\n今後の予定",
          "九月 総合訓練"},
         {"--- slide 4"}},
        /* The field results stay, the commands in their instructions do not. */
        {"lo-dde-fields.doc", NULL, {"MUGAI-RESULT-DDEAUTO"}, {"cmd", "system32", "echo"}},
        {"lo-include-fields.doc", NULL, {NULL}, {"INCLUDE", "192.0.2", "\\\\"}},
        {"doc-vba.doc", NULL, {"ごみ収集日"}, {"calc", "Shell", "Sub "}},
        {"doc-objectpool.doc", NULL, {NULL}, {"calc"}},
        {"doc-remote-template.doc", NULL, {NULL}, {"192.0.2", "MUGAI-template"}},
        {"doc-jsrv-streams.doc", NULL, {NULL}, {"MUGAI-JSRV"}},
        {"xls-macrosheet.xls",
         NULL,
         {"総務課", "--- sheet 3: Macro1 (hidden) (not a worksheet: no text taken) ---\n"},
         {"calc", "EXEC"}},
        {"xls-vbmodule.xls", NULL, {"not a worksheet"}, {"calc", "Sub "}},
        {"xls-macrosheet-visible.xls", NULL, {NULL}, {"calc", "auto_open"}},
        {"xls-mbd-object.xls", NULL, {NULL}, {"calc"}},
        {"xls-dde.xls", NULL, {"総務課"}, {"cmd", "calc"}},
        {"ppt-actions.ppt", NULL, {"防災計画"}, {"calc", "192.0.2", "AutoOpen"}},
        {"ppt-olestg.ppt", NULL, {NULL}, {"calc"}},
        {"doc-encrypted-fib.doc", "encrypted", {NULL}, {NULL}},
        {"doc-encryptioninfo.doc", "encrypted", {NULL}, {NULL}},
        {"xls-filepass.xls", "encrypted", {NULL}, {NULL}},
        {"ppt-encrypted.ppt", "encrypted", {NULL}, {NULL}},
        {"ppt-cryptsession.ppt", "encrypted", {NULL}, {NULL}},
        {"doc-word95.doc", "unsupported", {NULL}, {NULL}},
        {"xls-biff5-book.xls", "unsupported", {NULL}, {NULL}},
        {"xls-hidden-bytes.xls", "parse-error", {NULL}, {NULL}},
};

static void test_flatten(void)
{
    for (size_t i = 0; i < sizeof(flat_cases) / sizeof(flat_cases[0]); i++) {
        const struct flat_case *fc = &flat_cases[i];
        size_t len;
        uint8_t *in = t_load("msoffice", fc->name, &len);
        if (!in) {
            CHECK(in != NULL);
            continue;
        }
        struct san_ctx ctx = {.pol = &pol, .out_type = FT_TEXT};
        struct report_node *node = report_new(fc->name);
        struct buf out;
        buf_init(&out, 1u << 20);
        int rc = msofficesan_flatten(&ctx, in, len, &out, node);
        bool ok = fc->code ? rc != MG_OK && node->verdict == VERDICT_BLOCKED &&
                                     strcmp(reason_code(node->reason_code), fc->code) == 0 &&
                                     out.len == 0
                           : rc == MG_OK && node->verdict != VERDICT_BLOCKED;
        if (!ok)
            fprintf(stderr, "%s: rc %d, reason %s (%s)\n", fc->name, rc,
                    reason_code(node->reason_code), node->reason ? node->reason : "");
        CHECK(ok);
        const char *text = (const char *)(out.data ? out.data : (uint8_t *)"");
        if (rc == MG_OK) {
            CHECK(utf8_valid(out.data, out.len));
            for (size_t k = 0; k < out.len; k++)
                CHECK(out.data[k] >= 0x20 || out.data[k] == '\n' || out.data[k] == '\t');
            const char *at = text;
            for (size_t k = 0; k < 4 && fc->want[k]; k++) {
                const char *f = strstr(at, fc->want[k]);
                if (!f)
                    fprintf(stderr, "%s: \"%s\" not found (in order)\n", fc->name, fc->want[k]);
                CHECK(f != NULL);
                if (f)
                    at = f + strlen(fc->want[k]);
            }
            for (size_t k = 0; k < 4 && fc->banned[k]; k++) {
                if (strstr(text, fc->banned[k]))
                    fprintf(stderr, "%s: \"%s\" is in the text\n", fc->name, fc->banned[k]);
                CHECK(strstr(text, fc->banned[k]) == NULL);
            }
        }
        report_free(node);
        buf_free(&out);
        free(in);
    }
    /* The cap on the text: refused with limit, nothing released. */
    size_t len;
    uint8_t *in = t_load("msoffice", "benign-budget.xls", &len);
    if (in) {
        struct san_ctx ctx = {.pol = &pol, .out_type = FT_TEXT};
        struct report_node *node = report_new("cap");
        struct buf out;
        buf_init(&out, 64);
        CHECK(msofficesan_flatten(&ctx, in, len, &out, node) == MG_ERR_LIMIT);
        CHECK(node->verdict == VERDICT_BLOCKED && node->reason_code == REASON_LIMIT);
        report_free(node);
        buf_free(&out);
        free(in);
    }
}

int main(void)
{
    memset(&pol, 0, sizeof(pol));
    pol.keep_hyperlinks = true;
    pol.max_output_size = 64u << 20;
    test_samples();
    test_tampered();
    test_bad_props();
    test_limits();
    test_flatten();
    return t_done();
}
