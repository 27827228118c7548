/*
 * t_pdfsan - PDF sanitizer: hostile samples in, and an independent look at
 * what comes out.
 *
 * Every output is written to a temp file and examined with tools that are
 * not pdfsan: `qpdf --check` must pass without warnings, `qpdf --qdf
 * --object-streams=disable` expands it (object streams unpacked, streams
 * decoded) and a name scanner written here (#xx escapes decoded) looks for
 * the forbidden names; the raw bytes are searched for clam.exe and for
 * trailing data. Benign real PDFs must keep their page count (qpdf
 * --show-npages) and their pdftotext text. Blocked samples must come back
 * with the right error, verdict and reason code.
 */
#include "t.h"
#include "t_util.h"

#include "err.h"
#include "pdfsan.h"
#include "report.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/t_pdfsan-XXXXXX";
static struct policy pol;

/* ---- test-local helpers ------------------------------------------------- */

static void write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    fclose(f);
}

/* Exit status of a shell command (-1 if it did not exit). */
static int run(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Capture a command's stdout. */
static char *capture(const char *cmd, size_t *len)
{
    FILE *p = popen(cmd, "r");
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    if (!p || !b) {
        fprintf(stderr, "cannot run %s\n", cmd);
        exit(2);
    }
    size_t r;
    while ((r = fread(b + n, 1, cap - n, p)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            b = realloc(b, cap + 1);
            if (!b)
                exit(2);
        }
    }
    pclose(p);
    b[n] = 0;
    if (len)
        *len = n;
    return b;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Does the PDF text contain the name /want (want without the slash),
 * written plainly or with #xx escapes? A scanner of our own. */
static bool has_name(const char *t, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i] != '/')
            continue;
        char name[256];
        size_t k = 0, j = i + 1;
        while (j < n && k + 1 < sizeof(name)) {
            unsigned char c = (unsigned char)t[j];
            if (c <= ' ' || strchr("/()<>[]{}%", c))
                break;
            if (c == '#' && j + 2 < n && hexval(t[j + 1]) >= 0 && hexval(t[j + 2]) >= 0) {
                name[k++] = (char)(hexval(t[j + 1]) * 16 + hexval(t[j + 2]));
                j += 3;
                continue;
            }
            name[k++] = (char)c;
            j++;
        }
        name[k] = 0;
        if (strcmp(name, want) == 0)
            return true;
    }
    return false;
}

struct result {
    int rc;
    struct report_node *node;
    uint8_t *out;
    size_t out_len;
    char path[256]; /* the output as a file */
    char *qdf;      /* qpdf --qdf --object-streams=disable of it */
    size_t qdf_len;
};

static void result_free(struct result *r)
{
    report_free(r->node);
    free(r->out);
    free(r->qdf);
    memset(r, 0, sizeof(*r));
}

static int sanitize_with(const char *name, const char *const *pw, size_t npw, struct result *r)
{
    size_t len;
    uint8_t *in = t_load("pdf", name, &len);
    struct san_ctx ctx = {.pol = &pol, .passwords = pw, .n_passwords = npw};
    struct buf out;
    memset(r, 0, sizeof(*r));
    buf_init(&out, 64u << 20);
    r->node = report_new(name);
    r->rc = pdfsan_sanitize(&ctx, in, len, &out, r->node);
    free(in);
    if (r->rc == MG_OK) {
        r->out = buf_steal(&out, &r->out_len);
        snprintf(r->path, sizeof(r->path), "%s/%s", tmpdir, name);
        write_file(r->path, r->out, r->out_len);
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "qpdf --qdf --object-streams=disable '%s' - 2>/dev/null",
                 r->path);
        r->qdf = capture(cmd, &r->qdf_len);
    }
    buf_free(&out);
    return r->rc;
}

static int sanitize(const char *name, struct result *r)
{
    return sanitize_with(name, NULL, 0, r);
}

/* qpdf --check with exit 0: no errors and no warnings. */
static bool qpdf_check_clean(const char *path)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "qpdf --check '%s' >/dev/null 2>&1", path);
    return run(cmd) == 0;
}

static bool report_has(const struct report_node *n, const char *action, const char *what)
{
    for (size_t i = 0; i < n->n_actions; i++)
        if (strcmp(action_word(n->actions[i].action), action) == 0 &&
            strstr(n->actions[i].what, what))
            return true;
    return false;
}

/* Sanitize a hostile sample; the output must be a clean, checked PDF in
 * which none of the names in gone[] occur. */
static void expect_gone(const char *name, const char *const *gone)
{
    struct result r;
    sanitize(name, &r);
    CHECK_EQ_INT(r.rc, MG_OK);
    if (r.rc != MG_OK) {
        fprintf(stderr, "  %s: %s\n", name, r.node->reason ? r.node->reason : "?");
        result_free(&r);
        return;
    }
    CHECK(r.node->verdict == VERDICT_SANITIZED);
    CHECK(r.node->n_actions > 0);
    CHECK(qpdf_check_clean(r.path));
    CHECK(r.qdf_len > 0 && t_has(r.out, r.out_len, "%PDF-"));
    CHECK(pdfsan_verify(NULL, r.out, r.out_len) == MG_OK);
    for (const char *const *g = gone; *g; g++) {
        bool found = has_name(r.qdf, r.qdf_len, *g);
        if (found)
            fprintf(stderr, "  %s: /%s still in the output\n", name, *g);
        CHECK(!found);
    }
    result_free(&r);
}

static const char *const JSNAMES[] = {"JavaScript", "JS", "AA", "OpenAction", "Launch", NULL};

/* ---- hostile constructs ------------------------------------------------------ */

static void test_javascript(void)
{
    size_t len;
    uint8_t *in;

    expect_gone("js-openaction.pdf", JSNAMES);
    expect_gone("js-names.pdf", JSNAMES);
    expect_gone("catalog-aa.pdf", JSNAMES);
    expect_gone("page-aa.pdf", JSNAMES);
    expect_gone("annot-aa.pdf", JSNAMES);
    expect_gone("outline-js.pdf", JSNAMES);
    expect_gone("trailer-key.pdf",
                (const char *const[]){"JavaScript", "JS", "OpenAction", "Evil", NULL});

    /* The escaped sample really is escaped, and the escapes do not help. */
    in = t_load("pdf", "js-escaped.pdf", &len);
    CHECK(t_has(in, len, "/J#61vaScript") && !t_has(in, len, "/JavaScript"));
    free(in);
    expect_gone("js-escaped.pdf", JSNAMES);

    /* JavaScript that only exists inside a compressed object stream. */
    in = t_load("pdf", "js-objstm.pdf", &len);
    CHECK(t_has(in, len, "/ObjStm") && !t_has(in, len, "JavaScript"));
    free(in);
    expect_gone("js-objstm.pdf", JSNAMES);

    /* An incremental update that adds /OpenAction: one revision comes out. */
    in = t_load("pdf", "incremental-openaction.pdf", &len);
    CHECK(t_has(in, len, "/Prev") && t_has(in, len, "/OpenAction"));
    free(in);
    expect_gone("incremental-openaction.pdf", JSNAMES);
    struct result r;
    sanitize("incremental-openaction.pdf", &r);
    if (r.rc == MG_OK) {
        CHECK(!t_has(r.out, r.out_len, "/Prev"));
        size_t n = 0;
        for (const uint8_t *p = r.out;
             (p = memmem(p, r.out_len - (size_t)(p - r.out), "startxref", 9)) != NULL; p += 9)
            n++;
        CHECK_EQ_INT(n, 1);
        CHECK(report_has(r.node, "rewrote", "revisions"));
    }
    result_free(&r);
}

static void test_actions(void)
{
    static const struct {
        const char *file, *name;
    } cases[] = {
            {"action-launch.pdf", "Launch"},
            {"action-submitform.pdf", "SubmitForm"},
            {"action-importdata.pdf", "ImportData"},
            {"action-gotor.pdf", "GoToR"},
            {"action-gotoe.pdf", "GoToE"},
            {"action-rendition.pdf", "Rendition"},
            {"action-richmediaexecute.pdf", "RichMediaExecute"},
            {"action-named-print.pdf", "Print"},
            {"action-uri-javascript.pdf", "URI"},
            {"action-uri-file.pdf", "URI"},
            {"action-uri-smb.pdf", "URI"},
            {"action-uri-unc.pdf", "URI"},
            {"action-uri-hex-upper.pdf", "URI"},
            {"action-uri-space.pdf", "URI"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len;
        uint8_t *in = t_load("pdf", cases[i].file, &len);
        CHECK(has_name((const char *)in, len, cases[i].name));
        free(in);
        expect_gone(cases[i].file,
                    (const char *const[]){cases[i].name, "JS", "JavaScript", "RichMedia", NULL});
        /* The link annotation stays; only its action goes. */
        struct result r;
        sanitize(cases[i].file, &r);
        if (r.rc == MG_OK)
            CHECK(has_name(r.qdf, r.qdf_len, "Link"));
        result_free(&r);
    }

    /* /Next chains: the allowed GoTo and FirstPage stay, both Launches go. */
    expect_gone("next-launch.pdf", (const char *const[]){"Launch", "Win", NULL});
    struct result r;
    sanitize("next-launch.pdf", &r);
    if (r.rc == MG_OK) {
        CHECK(has_name(r.qdf, r.qdf_len, "GoTo"));
        CHECK(has_name(r.qdf, r.qdf_len, "FirstPage"));
    }
    result_free(&r);
}

static void test_annotations_and_files(void)
{
    static const char *const media[] = {
            "RichMedia",    "Screen", "Movie", "Sound",     "3D", "FileAttachment",
            "EmbeddedFile", "EF",     "U3D",   "Rendition", NULL};
    expect_gone("annot-richmedia.pdf", media);
    expect_gone("annot-screen.pdf", media);
    expect_gone("annot-movie.pdf", media);
    expect_gone("annot-sound.pdf", media);
    expect_gone("annot-3d.pdf", media);
    expect_gone("annot-fileattachment.pdf", media);
    expect_gone("embedded-clam.pdf",
                (const char *const[]){"EmbeddedFiles", "EmbeddedFile", "EF", "Filespec", NULL});
    expect_gone("ps-xobject.pdf", (const char *const[]){"PS", NULL});
    expect_gone("hidden-kinds.pdf",
                (const char *const[]){"Launch", "JavaScript", "JS", "Frobnicate", NULL});
    expect_gone("xfa.pdf", (const char *const[]){"XFA", "JavaScript", "JS", "AA", "SubmitForm",
                                                 "NeedsRendering", NULL});
    expect_gone("everything.pdf", (const char *const[]){"JavaScript", "JS", "AA", "OpenAction",
                                                        "Launch", "EmbeddedFiles", "EF", "XFA",
                                                        "FileAttachment", "GoToR", "URI", NULL});

    /* clam.exe is in the input and nowhere in the output, expanded or not. */
    size_t clen;
    uint8_t *clam = t_read_file("/usr/share/clamav-testfiles/clam.exe", &clen);
    CHECK(clam != NULL && clen > 64);
    const char *files[] = {"embedded-clam.pdf", "annot-fileattachment.pdf", "everything.pdf"};
    for (size_t i = 0; clam && i < 3; i++) {
        struct result r;
        size_t len;
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "qpdf --qdf --object-streams=disable '%s/pdf/%s' - 2>/dev/null",
                 getenv("MUGAI_CORPUS") ? getenv("MUGAI_CORPUS") : "corpus", files[i]);
        char *in = capture(cmd, &len);
        bool in_input = memmem(in, len, clam + 64, 32) != NULL;
        free(in);
        sanitize(files[i], &r);
        CHECK(r.rc == MG_OK);
        if (r.rc == MG_OK) {
            CHECK(in_input);
            CHECK(memmem(r.out, r.out_len, clam + 64, 32) == NULL);
            CHECK(memmem(r.qdf, r.qdf_len, clam + 64, 32) == NULL);
        }
        result_free(&r);
    }
    free(clam);

    /* The form survives without XFA: fields are drawn. */
    struct result r;
    sanitize("xfa.pdf", &r);
    if (r.rc == MG_OK) {
        CHECK(has_name(r.qdf, r.qdf_len, "AcroForm"));
        CHECK(has_name(r.qdf, r.qdf_len, "Widget"));
    }
    result_free(&r);
    /* Static annotations stay. */
    sanitize("annot-aa.pdf", &r);
    if (r.rc == MG_OK)
        CHECK(has_name(r.qdf, r.qdf_len, "Square"));
    result_free(&r);
}

/* ---- what must be kept -------------------------------------------------------- */

static void test_kept(void)
{
    struct result r;
    sanitize("uri-http.pdf", &r);
    CHECK_EQ_INT(r.rc, MG_OK);
    if (r.rc == MG_OK) {
        CHECK(strstr(r.qdf, "(https://www.example.jp/)") != NULL);
        CHECK(strstr(r.qdf, "(http://www.example.jp/a?b=c)") != NULL);
        CHECK(strstr(r.qdf, "(mailto:zeimu@example.jp)") != NULL);
        CHECK(has_name(r.qdf, r.qdf_len, "NextPage"));
        CHECK(qpdf_check_clean(r.path));
    }
    result_free(&r);
    /* keep_hyperlinks = no: every link goes, and the checker agrees. */
    pol.keep_hyperlinks = false;
    sanitize("uri-http.pdf", &r);
    CHECK_EQ_INT(r.rc, MG_OK);
    if (r.rc == MG_OK) {
        CHECK(!has_name(r.qdf, r.qdf_len, "URI"));
        CHECK(has_name(r.qdf, r.qdf_len, "Link"));
        CHECK(report_has(r.node, "removed", "https://www.example.jp/"));
    }
    result_free(&r);
    struct san_ctx nolinks = {.pol = &pol};
    size_t ulen;
    uint8_t *u = t_load("pdf", "uri-http.pdf", &ulen);
    struct buf ub;
    buf_init(&ub, 1u << 20);
    struct report_node *un = report_new("u");
    pol.keep_hyperlinks = true;
    CHECK(pdfsan_sanitize(&nolinks, u, ulen, &ub, un) == MG_OK);
    CHECK(pdfsan_verify(&nolinks, ub.data, ub.len) == MG_OK);
    pol.keep_hyperlinks = false;
    CHECK(pdfsan_verify(&nolinks, ub.data, ub.len) != MG_OK);
    pol.keep_hyperlinks = true;
    report_free(un);
    buf_free(&ub);
    free(u);

    const char *opens[] = {"goto-openaction.pdf", "dest-openaction.pdf"};
    for (int i = 0; i < 2; i++) {
        sanitize(opens[i], &r);
        CHECK_EQ_INT(r.rc, MG_OK);
        if (r.rc == MG_OK)
            CHECK(has_name(r.qdf, r.qdf_len, "OpenAction"));
        result_free(&r);
    }
    /* A Flate image is decoded and compressed anew: the stored bytes are
     * not the input's, the pixels qpdf expands from the output are the
     * ones corpus/make-pdf.py drew. */
    size_t ilen;
    uint8_t *img = t_load("pdf", "image.pdf", &ilen);
    const uint8_t *st = memmem(img, ilen, "/Subtype /Image", 15);
    st = st ? memmem(st, ilen - (size_t)(st - img), "stream\n", 7) : NULL;
    const uint8_t *en = st ? memmem(st, ilen - (size_t)(st - img), "\nendstream", 10) : NULL;
    uint8_t pixels[8 * 8 * 3];
    for (size_t i = 0; i < sizeof(pixels); i++)
        pixels[i] = (uint8_t)((i / 3 % 8) * 32);
    sanitize("image.pdf", &r);
    CHECK_EQ_INT(r.rc, MG_OK);
    CHECK(st && en && en - st > 20);
    if (r.rc == MG_OK && st && en) {
        CHECK(memmem(r.out, r.out_len, st + 7, (size_t)(en - st - 7)) == NULL);
        CHECK(memmem(r.qdf, r.qdf_len, pixels, sizeof(pixels)) != NULL);
        CHECK(report_has(r.node, "rewrote", "streams decoded and compressed again"));
        CHECK(has_name(r.qdf, r.qdf_len, "Image"));
    }
    free(img);
    result_free(&r);
    /* Unreferenced objects are not written. */
    sanitize("orphan.pdf", &r);
    CHECK_EQ_INT(r.rc, MG_OK);
    if (r.rc == MG_OK) {
        CHECK(!strstr(r.qdf, "MUGAI-ORPHAN-MARKER"));
        CHECK(!has_name(r.qdf, r.qdf_len, "JavaScript"));
        CHECK(strstr(r.qdf, "Hello from Mugai") != NULL);
    }
    result_free(&r);
    sanitize("outline-js.pdf", &r);
    if (r.rc == MG_OK) {
        CHECK(has_name(r.qdf, r.qdf_len, "Outlines"));
        CHECK(strstr(r.qdf, "(Start)") && strstr(r.qdf, "(Page 1)"));
    }
    result_free(&r);
}

/* ---- encryption ------------------------------------------------------------------ */

static void test_encryption(void)
{
    struct result r;
    char cmd[1024];

    sanitize("encrypted-user.pdf", &r);
    CHECK_EQ_INT(r.rc, MG_ERR_ENCRYPTED);
    CHECK(r.node->verdict == VERDICT_BLOCKED);
    CHECK(strcmp(reason_code(r.node->reason_code), "encrypted") == 0);
    result_free(&r);

    const char *wrong[] = {"nope", "owner?"};
    sanitize_with("encrypted-user.pdf", wrong, 2, &r);
    CHECK_EQ_INT(r.rc, MG_ERR_ENCRYPTED);
    result_free(&r);

    /* With the user password from the password file it opens. */
    const char *right[] = {"nope", "user"};
    sanitize_with("encrypted-user.pdf", right, 2, &r);
    CHECK_EQ_INT(r.rc, MG_OK);
    if (r.rc == MG_OK) {
        snprintf(cmd, sizeof(cmd), "qpdf --is-encrypted '%s'", r.path);
        CHECK_EQ_INT(run(cmd), 2); /* 2: not encrypted */
        CHECK(!has_name(r.qdf, r.qdf_len, "JavaScript"));
        CHECK(report_has(r.node, "removed", "supplied password"));
    }
    result_free(&r);

    const char *owner[] = {"encrypted-owner.pdf", "encrypted-rc4-owner.pdf"};
    for (int i = 0; i < 2; i++) {
        size_t len;
        uint8_t *in = t_load("pdf", owner[i], &len);
        CHECK(t_has(in, len, "/Encrypt"));
        free(in);
        sanitize(owner[i], &r);
        CHECK_EQ_INT(r.rc, MG_OK);
        if (r.rc == MG_OK) {
            snprintf(cmd, sizeof(cmd), "qpdf --is-encrypted '%s'", r.path);
            CHECK_EQ_INT(run(cmd), 2);
            CHECK(!t_has(r.out, r.out_len, "/Encrypt"));
            CHECK(!has_name(r.qdf, r.qdf_len, "JavaScript"));
            CHECK(!has_name(r.qdf, r.qdf_len, "OpenAction"));
            CHECK(report_has(r.node, "removed", "owner password only"));
            CHECK(qpdf_check_clean(r.path));
        }
        result_free(&r);
    }
}

/* ---- damaged files --------------------------------------------------------------- */

static void test_damaged(void)
{
    struct result r;
    size_t len;
    uint8_t *in = t_load("pdf", "trailing-data.pdf", &len);
    CHECK(t_has(in, len, "PK\x03\x04"));
    free(in);
    sanitize("trailing-data.pdf", &r);
    CHECK_EQ_INT(r.rc, MG_OK);
    if (r.rc == MG_OK) {
        CHECK(!t_has(r.out, r.out_len, "PK\x03\x04"));
        CHECK(r.out_len > 6 && memcmp(r.out + r.out_len - 6, "%%EOF\n", 6) == 0);
        CHECK(report_has(r.node, "removed", "after %%EOF"));
    }
    result_free(&r);

    const char *repaired[] = {"broken-xref.pdf", "no-xref.pdf"};
    for (int i = 0; i < 2; i++) {
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "qpdf --check '%s/pdf/%s' >/dev/null 2>&1",
                 getenv("MUGAI_CORPUS") ? getenv("MUGAI_CORPUS") : "corpus", repaired[i]);
        CHECK(run(cmd) != 0); /* the input is really damaged */
        expect_gone(repaired[i], JSNAMES);
        sanitize(repaired[i], &r);
        if (r.rc == MG_OK)
            CHECK(report_has(r.node, "rewrote", "repaired"));
        result_free(&r);
    }

    /* Not a PDF at all, and truncations of a real one: blocked or clean,
     * never a crash, never an output that fails verification. */
    struct san_ctx ctx = {.pol = &pol};
    struct buf out;
    buf_init(&out, 64u << 20);
    struct report_node *node = report_new("junk");
    CHECK(pdfsan_sanitize(&ctx, (const uint8_t *)"%PDF-1.4\nnothing", 16, &out, node) ==
          MG_ERR_PARSE);
    CHECK(node->verdict == VERDICT_BLOCKED &&
          strcmp(reason_code(node->reason_code), "parse-error") == 0);
    report_free(node);
    in = t_load("pdf", "everything.pdf", &len);
    for (size_t cut = 16; cut < len; cut += len / 23) {
        node = report_new("cut");
        int rc = pdfsan_sanitize(&ctx, in, cut, &out, node);
        if (rc == MG_OK)
            CHECK(pdfsan_verify(NULL, out.data, out.len) == MG_OK);
        else
            CHECK(node->verdict == VERDICT_BLOCKED);
        report_free(node);
    }
    free(in);
    buf_free(&out);
}

/* The visit cap: a million and one empty arrays. */
static void test_limit(void)
{
    size_t n = 1000001;
    char *p = malloc(n * 3 + 1024), *q = p;
    q += sprintf(q, "%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n3 0 obj<</X[");
    for (size_t i = 0; i < n; i++) {
        memcpy(q, "[] ", 3);
        q += 3;
    }
    q += sprintf(q, "]>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
                    "trailer<</Root 1 0 R/Info 3 0 R>>\n%%%%EOF\n");
    struct san_ctx ctx = {.pol = &pol};
    struct buf out;
    buf_init(&out, 64u << 20);
    struct report_node *node = report_new("many");
    int rc = pdfsan_sanitize(&ctx, (uint8_t *)p, (size_t)(q - p), &out, node);
    CHECK_EQ_INT(rc, MG_ERR_LIMIT);
    CHECK(strcmp(reason_code(node->reason_code), "limit") == 0);
    report_free(node);
    buf_free(&out);
    free(p);
}

/* ---- verification ------------------------------------------------------------------ */

static void test_verify(void)
{
    /* The checker must see what the sanitizer removes: hostile inputs fail. */
    const char *bad[] = {"js-openaction.pdf",
                         "js-escaped.pdf",
                         "js-objstm.pdf",
                         "annot-aa.pdf",
                         "embedded-clam.pdf",
                         "encrypted-owner.pdf",
                         "incremental-openaction.pdf",
                         "trailing-data.pdf",
                         "action-uri-file.pdf"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t len;
        uint8_t *in = t_load("pdf", bad[i], &len);
        CHECK(pdfsan_verify(NULL, in, len) != MG_OK);
        free(in);
    }
    size_t len;
    uint8_t *in = t_load("pdf", "plain.pdf", &len);
    CHECK(pdfsan_verify(NULL, (const uint8_t *)"%PDF-1.4\n", 9) != MG_OK);
    free(in);
}

/* ---- streams ------------------------------------------------------------------------ */

/* Images in a PDF as poppler lists them: one "type width height enc" line
 * each (pdfimages -list). */
static char *image_list(const char *path, size_t *n)
{
    char cmd[1200];
    snprintf(cmd, sizeof(cmd),
             "pdfimages -list '%.1000s' 2>/dev/null | tail -n +3 | awk '{print $4, $5, $9}'", path);
    char *t = capture(cmd, NULL);
    *n = 0;
    for (const char *p = t; *p; p++)
        *n += *p == '\n';
    return t;
}

static void expect_blocked(const char *name, int rc, const char *code, const char *reason)
{
    struct result r;
    sanitize(name, &r);
    CHECK_EQ_INT(r.rc, rc);
    CHECK(r.node->verdict == VERDICT_BLOCKED);
    CHECK(strcmp(reason_code(r.node->reason_code), code) == 0);
    CHECK(r.node->reason && strstr(r.node->reason, reason));
    if (!r.node->reason || !strstr(r.node->reason, reason))
        fprintf(stderr, "  %s: reason \"%s\"\n", name, r.node->reason ? r.node->reason : "");
    result_free(&r);
}

static void test_streams(void)
{
    const char *corpus = getenv("MUGAI_CORPUS") ? getenv("MUGAI_CORPUS") : "corpus";
    char path[1024];
    size_t n_in, n_out, len;

    /* Bombs are refused from the dictionary or the codec header, before
     * anything is decoded. */
    expect_blocked("stream-jbig2-bomb.pdf", MG_ERR_LIMIT, "limit", "100000 x 100000");
    expect_blocked("stream-jbig2-inside.pdf", MG_ERR_LIMIT, "limit", "JBIG2 page 60000 x 60000");
    expect_blocked("stream-dct-huge.pdf", MG_ERR_LIMIT, "limit", "JPEG frame 60000 x 60000");
    expect_blocked("stream-ccitt-huge.pdf", MG_ERR_LIMIT, "limit", "200000 x 100000");
    expect_blocked("stream-jpx-huge.pdf", MG_ERR_LIMIT, "limit", "JPEG 2000 image 50000 x 50000");
    expect_blocked("stream-flate-bomb.pdf", MG_ERR_LIMIT, "limit", "decompression bomb");
    /* A page whose content does not decode is not released blank. */
    expect_blocked("stream-lzw-damaged.pdf", MG_ERR_PARSE, "parse-error", "page content stream");

    /* An image that does not decode, and one whose /Length lies, are
     * dropped; the other image stays. */
    const char *dropped[] = {"stream-flate-damaged.pdf", "stream-length-lie.pdf"};
    for (int i = 0; i < 2; i++) {
        struct result r;
        snprintf(path, sizeof(path), "%s/pdf/%s", corpus, dropped[i]);
        free(image_list(path, &n_in));
        sanitize(dropped[i], &r);
        CHECK_EQ_INT(r.rc, MG_OK);
        if (r.rc == MG_OK) {
            free(image_list(r.path, &n_out));
            CHECK(n_in == 2 && n_out == 1);
            CHECK(qpdf_check_clean(r.path));
            CHECK(report_has(r.node, "removed", "image object 10 0"));
            CHECK(pdfsan_verify(NULL, r.out, r.out_len) == MG_OK);
        }
        result_free(&r);
    }

    /* Bytes after the Flate data are not copied. */
    struct result r;
    uint8_t *in = t_load("pdf", "stream-flate-trailing.pdf", &len);
    CHECK(t_has(in, len, "EICAR-STANDARD-ANTIVIRUS-TEST-FILE"));
    CHECK(pdfsan_verify(NULL, in, len) != MG_OK);
    free(in);
    sanitize("stream-flate-trailing.pdf", &r);
    CHECK_EQ_INT(r.rc, MG_OK);
    if (r.rc == MG_OK) {
        CHECK(!t_has(r.out, r.out_len, "EICAR"));
        CHECK(!t_has((const uint8_t *)r.qdf, r.qdf_len, "EICAR"));
        CHECK(strstr(r.qdf, "Hello from Mugai") != NULL);
    }
    result_free(&r);

    /* Every codec within limits is kept; generic filters are decoded and
     * compressed anew: no LZW, no predictor, no Flate in front of DCT. */
    snprintf(path, sizeof(path), "%s/pdf/image-codecs.pdf", corpus);
    char *list_in = image_list(path, &n_in);
    CHECK(n_in == 5 && strstr(list_in, "jbig2") && strstr(list_in, "ccitt") &&
          strstr(list_in, "jpeg"));
    in = t_load("pdf", "image-codecs.pdf", &len);
    CHECK(t_has(in, len, "/LZWDecode") && t_has(in, len, "/Predictor") &&
          t_has(in, len, "[/FlateDecode /DCTDecode]"));
    free(in);
    sanitize("image-codecs.pdf", &r);
    CHECK_EQ_INT(r.rc, MG_OK);
    if (r.rc == MG_OK) {
        char *list_out = image_list(r.path, &n_out);
        CHECK(strcmp(list_in, list_out) == 0);
        free(list_out);
        CHECK(!t_has(r.out, r.out_len, "LZWDecode") && !t_has(r.out, r.out_len, "Predictor") &&
              !t_has(r.out, r.out_len, "[/FlateDecode /DCTDecode]"));
        CHECK(report_has(r.node, "kept", "4 images"));
        CHECK(qpdf_check_clean(r.path));
        char cmd[2048];
        snprintf(cmd, sizeof(cmd), "pdftoppm -r 36 '%s' | sha256sum", path);
        char *px_in = capture(cmd, NULL);
        snprintf(cmd, sizeof(cmd), "pdftoppm -r 36 '%s' | sha256sum", r.path);
        char *px_out = capture(cmd, NULL);
        CHECK(strlen(px_in) > 64 && strcmp(px_in, px_out) == 0);
        free(px_in);
        free(px_out);
    }
    free(list_in);
    result_free(&r);

    /* The verifier refuses what the sanitizer refuses. */
    const char *bad[] = {"stream-jbig2-bomb.pdf", "stream-dct-huge.pdf", "stream-length-lie.pdf",
                         "stream-lzw-damaged.pdf", "image-codecs.pdf"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        in = t_load("pdf", bad[i], &len);
        CHECK(pdfsan_verify(NULL, in, len) != MG_OK);
        free(in);
    }
}

/* The limits come from the policy, and the expanded bytes count over the
 * whole job. */
static void test_stream_limits(void)
{
    struct policy saved = pol;
    struct result r;
    pol.max_dimension = 60;
    expect_blocked("image-codecs.pdf", MG_ERR_LIMIT, "limit", "exceeds max_dimension 60");
    pol = saved;
    pol.max_pixels = 64 * 64 - 1;
    expect_blocked("image-codecs.pdf", MG_ERR_LIMIT, "limit", "max_pixels");
    pol = saved;
    pol.jpeg_max_scans = 1; /* cjpeg writes a baseline JPEG: one scan */
    sanitize("image-codecs.pdf", &r);
    CHECK_EQ_INT(r.rc, MG_OK);
    result_free(&r);
    pol = saved;
    /* With a ratio that lets it through, the 60 MB form is decoded... */
    pol.max_ratio = 1000;
    sanitize("stream-flate-bomb.pdf", &r);
    CHECK_EQ_INT(r.rc, MG_OK);
    result_free(&r);
    /* ...unless the job has already used its budget. */
    size_t len;
    uint8_t *in = t_load("pdf", "stream-flate-bomb.pdf", &len);
    struct san_ctx ctx = {.pol = &pol, .expanded_total = pol.max_expanded - (50u << 20)};
    struct buf out;
    buf_init(&out, 64u << 20);
    struct report_node *node = report_new("budget");
    CHECK_EQ_INT(pdfsan_sanitize(&ctx, in, len, &out, node), MG_ERR_LIMIT);
    CHECK(node->reason && strstr(node->reason, "job limit"));
    CHECK(ctx.expanded_total > pol.max_expanded - (50u << 20));
    report_free(node);
    /* A benign file counts what it decoded. */
    node = report_new("count");
    ctx.expanded_total = 0;
    free(in);
    in = t_load("pdf", "image-codecs.pdf", &len);
    CHECK_EQ_INT(pdfsan_sanitize(&ctx, in, len, &out, node), MG_OK);
    CHECK(ctx.expanded_total > 0);
    report_free(node);
    free(in);
    buf_free(&out);
    pol = saved;
}

/* ---- benign real documents --------------------------------------------------------- */

static void test_benign(void)
{
    static const char *const docs[] = {"plain.pdf",
                                       "multipage.pdf",
                                       "doc-optipng.man.pdf",
                                       "doc-fontconfig-user.pdf",
                                       "doc-shared-mime-info-spec.pdf",
                                       "doc-manual.pdf",
                                       "doc-camlidl-1.04.doc.pdf",
                                       "ja-notice.pdf",
                                       "ja-table.pdf",
                                       "ja-sjis-cmap.pdf",
                                       "image.pdf",
                                       "image-codecs.pdf"};
    const char *corpus = getenv("MUGAI_CORPUS") ? getenv("MUGAI_CORPUS") : "corpus";
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        struct result r;
        char cmd[2048];
        sanitize(docs[i], &r);
        CHECK_EQ_INT(r.rc, MG_OK);
        if (r.rc != MG_OK) {
            result_free(&r);
            continue;
        }
        CHECK(qpdf_check_clean(r.path));
        CHECK(pdfsan_verify(NULL, r.out, r.out_len) == MG_OK);
        snprintf(cmd, sizeof(cmd), "qpdf --show-npages '%s/pdf/%s'", corpus, docs[i]);
        char *np_in = capture(cmd, NULL);
        snprintf(cmd, sizeof(cmd), "qpdf --show-npages '%s'", r.path);
        char *np_out = capture(cmd, NULL);
        CHECK(atoi(np_in) > 0 && strcmp(np_in, np_out) == 0);
        snprintf(cmd, sizeof(cmd), "pdftotext -q '%s/pdf/%s' -", corpus, docs[i]);
        size_t tl_in, tl_out;
        char *t_in = capture(cmd, &tl_in);
        snprintf(cmd, sizeof(cmd), "pdftotext -q '%s' -", r.path);
        char *t_out = capture(cmd, &tl_out);
        CHECK(tl_in > 10 && tl_in == tl_out && memcmp(t_in, t_out, tl_in) == 0);
        if (tl_in != tl_out)
            fprintf(stderr, "  %s: text differs (%zu vs %zu bytes)\n", docs[i], tl_in, tl_out);
        if (strncmp(docs[i], "ja-", 3) == 0)
            CHECK(strstr(t_out, "令和") || strstr(t_out, "会議室") || strstr(t_out, "日本語"));
        free(np_in);
        free(np_out);
        free(t_in);
        free(t_out);
        result_free(&r);
    }
}

/* ---- flatten ------------------------------------------------------------------------ */

static int flatten(const char *name, struct buf *out, struct report_node **node)
{
    size_t len;
    uint8_t *in = t_load("pdf", name, &len);
    struct san_ctx ctx = {.pol = &pol, .out_type = FT_TEXT};
    *node = report_new(name);
    buf_reset(out);
    int rc = pdfsan_flatten(&ctx, in, len, out, *node);
    free(in);
    return rc;
}

static void test_flatten(void)
{
    struct buf out;
    struct report_node *node;
    buf_init(&out, 16u << 20);

    /* Refused until poppler's tables are loaded outside the sandbox. */
    CHECK_EQ_INT(flatten("ja-notice.pdf", &out, &node), MG_ERR_UNSUPPORTED);
    CHECK(node->verdict == VERDICT_BLOCKED);
    report_free(node);

    CHECK_EQ_INT(pdfsan_global_init(), MG_OK);
    CHECK_EQ_INT(pdfsan_global_init(), MG_OK);
    CHECK_EQ_INT(flatten("ja-notice.pdf", &out, &node), MG_OK);
    const char *t = (const char *)out.data;
    CHECK(t && strstr(t, "住民税の納付について"));
    CHECK(t && strstr(t, "令和六年度の住民税納付通知書を送付します。"));
    CHECK(t && strstr(t, "二ページ目"));
    /* Page 2 comes after its separator. */
    const char *sep = t ? strstr(t, "--- page 2 ---\n") : NULL;
    CHECK(sep && strstr(t, "住民税の納付について") < sep && strstr(sep, "二ページ目"));
    for (size_t i = 0; i < out.len; i++)
        if (out.data[i] < 0x20 && out.data[i] != '\n' && out.data[i] != '\t') {
            CHECK(!"control character in flattened text");
            break;
        }
    report_free(node);

    CHECK_EQ_INT(flatten("ja-table.pdf", &out, &node), MG_OK);
    CHECK(out.data && strstr((char *)out.data, "情報政策課") &&
          strstr((char *)out.data, "ＡＢＣ１２３"));
    report_free(node);

    /* A font poppler could only decode with its CMap files (which the
     * sandbox would not let it open) is refused with a reason. */
    CHECK_EQ_INT(flatten("ja-sjis-cmap.pdf", &out, &node), MG_ERR_UNSUPPORTED);
    CHECK(strcmp(reason_code(node->reason_code), "unsupported") == 0);
    CHECK(node->reason && strstr(node->reason, "90ms-RKSJ-H"));
    report_free(node);

    /* Hostile files flatten to their text only. */
    CHECK_EQ_INT(flatten("everything.pdf", &out, &node), MG_OK);
    CHECK(out.data && strstr((char *)out.data, "Hello from Mugai") &&
          !strstr((char *)out.data, "alert"));
    report_free(node);
    CHECK_EQ_INT(flatten("encrypted-user.pdf", &out, &node), MG_ERR_ENCRYPTED);
    report_free(node);
    buf_free(&out);
}

int main(void)
{
    policy_defaults(&pol);
    pol.max_input_size = 64u << 20;
    pol.max_output_size = 64u << 20;
    pol.max_depth = 4;
    pol.keep_hyperlinks = true;
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    test_javascript();
    test_actions();
    test_annotations_and_files();
    test_kept();
    test_encryption();
    test_damaged();
    test_limit();
    test_verify();
    test_streams();
    test_stream_limits();
    test_benign();
    test_flatten();
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    run(cmd);
    return t_done();
}
