/*
 * msofficesan - legacy Office sanitizer: the compound file level (see
 * msofficesan.h).
 *
 * Order of work:
 *   1. Read the compound file strictly (formats/cfb). Which application it
 *      belongs to comes from the type dispatch identified (content), and
 *      its main stream must be there, at the root.
 *   2. Refuse encryption first (EncryptionInfo and friends anywhere), so
 *      that an encrypted file is reported as such and not as "damaged".
 *   3. Keep only the root-level streams on the application's allowlist;
 *      report every other storage and stream, with why it goes.
 *   4. Let the application module rewrite its main stream (mso_*.c).
 *   5. Write a new compound file of the kept streams; the root keeps its
 *      CLSID only when it is the application's own.
 */
#include "msofficesan.h"
#include "cfb.h"
#include "err.h"
#include "mso.h"
#include "textout.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum mso_app { APP_WORD, APP_EXCEL, APP_PPT, APP_COUNT };

/* Root-level streams kept, per application. */
enum role {
    R_MAIN,
    R_TABLE0,
    R_TABLE1,
    R_DATA,
    R_CURUSER,
    R_PICTURES,
    R_SUMMARY,
    R_DOCSUMMARY,
    R_COMPOBJ,
    R_COUNT
};

struct keep {
    const char *name;
    enum role role;
    unsigned apps; /* bit per enum mso_app */
};

#define W (1u << APP_WORD)
#define X (1u << APP_EXCEL)
#define P (1u << APP_PPT)

static const struct keep keep_table[] = {
        {"WordDocument", R_MAIN, W},
        {"0Table", R_TABLE0, W},
        {"1Table", R_TABLE1, W},
        {"Data", R_DATA, W},
        {"Workbook", R_MAIN, X},
        {"PowerPoint Document", R_MAIN, P},
        {"Current User", R_CURUSER, P},
        {"Pictures", R_PICTURES, P},
        {"\x05SummaryInformation", R_SUMMARY, W | X | P},
        {"\005DocumentSummaryInformation", R_DOCSUMMARY, W | X | P},
        {"\001CompObj", R_COMPOBJ, W | X | P},
};

static const char *const app_main[APP_COUNT] = {"WordDocument", "Workbook", "PowerPoint Document"};
static const char *const app_label[APP_COUNT] = {"Word", "Excel", "PowerPoint"};

/* Root CLSIDs kept as they are (others are cleared): the applications' own. */
static const uint8_t app_clsids[][17] = {
        /* {00020906-...-46} Word.Document.8, {00020900-...} Word 6 */
        {APP_WORD, 0x06, 0x09, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46},
        {APP_WORD, 0x00, 0x09, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46},
        /* {00020820-...} Excel.Sheet.8, {00020810-...} Excel.Sheet.5 */
        {APP_EXCEL, 0x20, 0x08, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46},
        {APP_EXCEL, 0x10, 0x08, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46},
        /* {64818D10-4F9B-11CF-86EA-00AA00B929E8} PowerPoint.Show.8 */
        {APP_PPT, 0x10, 0x8D, 0x81, 0x64, 0x9B, 0x4F, 0xCF, 0x11, 0x86, 0xEA, 0x00, 0xAA, 0x00,
         0xB9, 0x29, 0xE8},
};

/* Streams that mark an encrypted file whatever the application. */
static const char *const encrypted_names[] = {"EncryptionInfo", "EncryptedPackage",
                                              "EncryptedSummary", "\006DataSpaces"};

/* Excel opens a Workbook stream only from regular sectors: pad it as Excel does. */
#define WORKBOOK_MIN 4096u

/* ---- reporting ------------------------------------------------------------ */

void mso_action(struct mso *m, enum report_act action, const char *why, const char *fmt, ...)
{
    char what[REPORT_STR_MAX];
    va_list ap;
    if (!m->fix || m->node == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    report_action(m->node, action, what, why);
}

int mso_fail(struct mso *m, int rc, enum reason code, const char *fmt, ...)
{
    /* Only sanitizing blocks the file; a verifier's failure is its answer. */
    va_list ap;
    va_start(ap, fmt);
    rc = report_vfail(m->fix ? m->node : NULL, rc, code, m->why, sizeof(m->why), fmt, ap);
    va_end(ap);
    return rc;
}

bool mso_link_ok(const struct mso *m, const char *url, size_t n)
{
    if (!m->pol->keep_hyperlinks)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)url[i];
        /* Word reads "\\" as a backslash: no UNC paths dressed as URLs. */
        if (c < 0x20 || c == 0x7F || c == '\\')
            return false;
    }
    return (n >= 7 && strncasecmp(url, "http://", 7) == 0) ||
           (n >= 8 && strncasecmp(url, "https://", 8) == 0) ||
           (n >= 7 && strncasecmp(url, "mailto:", 7) == 0);
}

/* ---- what a dropped entry is ---------------------------------------------- */

static bool storage_has(const struct cfb *c, size_t st, const char *name)
{
    for (size_t i = 1; i < c->n; i++) {
        if (!cfb_name_is(&c->entries[i], name))
            continue;
        /* anywhere below st */
        for (size_t p = c->entries[i].parent; p != CFB_NONE; p = c->entries[p].parent)
            if (p == st)
                return true;
    }
    return false;
}

static size_t count_below(const struct cfb *c, size_t st)
{
    size_t n = 0;
    for (size_t i = 1; i < c->n; i++)
        for (size_t p = c->entries[i].parent; p != CFB_NONE; p = c->entries[p].parent)
            if (p == st) {
                n += c->entries[i].type == CFB_STREAM;
                break;
            }
    return n;
}

static const char *WHY_VBA = "VBA macros can run code when the document is opened";
static const char *WHY_OLE = "embedded OLE objects and controls can run code or attack the program "
                             "that opens them";
static const char *WHY_OTHER = "not needed to show the document (only known streams are kept)";

static const char *dropped_why(const struct cfb *c, size_t i, const char **what)
{
    const struct cfb_entry *e = &c->entries[i];
    static const char *const vba[] = {"Macros", "_VBA_PROJECT_CUR", "_VBA_PROJECT",
                                      "VBA",    "PROJECT",          "PROJECTwm"};
    static const char *const ole[] = {
            "ObjectPool", "\x01Ole10Native", "Equation Native", "\x03ObjInfo",
            "Ctls",       "\001CompObj"};
    for (size_t k = 0; k < sizeof(vba) / sizeof(vba[0]); k++)
        if (cfb_name_is(e, vba[k])) {
            *what = "VBA project";
            return WHY_VBA;
        }
    if (e->type == CFB_STORAGE && (storage_has(c, i, "_VBA_PROJECT") || storage_has(c, i, "dir"))) {
        *what = "VBA project";
        return WHY_VBA;
    }
    if (e->type == CFB_STREAM && cfb_name_is(e, "\x01Ole")) {
        *what = "OLE link information";
        return "it can hold a link (moniker) to another file or a web address";
    }
    for (size_t k = 0; k < sizeof(ole) / sizeof(ole[0]); k++)
        if (cfb_name_is(e, ole[k]) || (e->type == CFB_STORAGE && storage_has(c, i, ole[k]))) {
            *what = "embedded object";
            return WHY_OLE;
        }
    /* Excel keeps embedded objects in MBD<hex> storages, Word in _<number>. */
    if (e->type == CFB_STORAGE && e->name_len >= 3 &&
        ((e->name[0] == 'M' && e->name[1] == 'B' && e->name[2] == 'D') || e->name[0] == '_')) {
        *what = "embedded object";
        return WHY_OLE;
    }
    *what = e->type == CFB_STORAGE ? "storage" : "stream";
    return WHY_OTHER;
}

/* ---- the document ------------------------------------------------------------ */

struct msodoc {
    struct mso m;
    enum mso_app app;
    struct cfb cfb;
    size_t idx[R_COUNT]; /* kept root-level streams */
    struct mso_stream s[R_COUNT];
};

static int app_of(enum ftype t, enum mso_app *app)
{
    switch (t) {
    case FT_DOC:
        *app = APP_WORD;
        return MG_OK;
    case FT_XLS:
        *app = APP_EXCEL;
        return MG_OK;
    case FT_PPT:
        *app = APP_PPT;
        return MG_OK;
    default:
        return MG_ERR_INTERNAL;
    }
}

/* From the streams present, for the verifier (which is not told the type). */
static int app_guess(const struct cfb *c, enum mso_app *app)
{
    int found = 0;
    for (int a = 0; a < APP_COUNT; a++)
        if (cfb_find(c, 0, app_main[a]) != CFB_NONE) {
            *app = (enum mso_app)a;
            found++;
        }
    return found == 1 ? MG_OK : MG_ERR_VERIFY;
}

static int check_encryption(struct msodoc *d)
{
    for (size_t i = 1; i < d->cfb.n; i++)
        for (size_t k = 0; k < sizeof(encrypted_names) / sizeof(encrypted_names[0]); k++)
            if (cfb_name_is(&d->cfb.entries[i], encrypted_names[k]))
                return mso_fail(&d->m, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                                "%s file holds %s: it is encrypted and cannot be inspected",
                                app_label[d->app], encrypted_names[k]);
    return MG_OK;
}

/* Sort the root's children into kept streams and dropped entries. */
static int select_streams(struct msodoc *d)
{
    struct cfb *c = &d->cfb;
    for (int r = 0; r < R_COUNT; r++)
        d->idx[r] = CFB_NONE;
    for (size_t i = 1; i < c->n; i++) {
        const struct cfb_entry *e = &c->entries[i];
        if (e->parent != 0)
            continue;
        bool kept = false;
        for (size_t k = 0; k < sizeof(keep_table) / sizeof(keep_table[0]) && !kept; k++) {
            const struct keep *kp = &keep_table[k];
            if ((kp->apps & (1u << d->app)) && e->type == CFB_STREAM && cfb_name_is(e, kp->name)) {
                d->idx[kp->role] = i;
                kept = true;
            }
        }
        if (kept)
            continue;
        if (!d->m.fix) {
            char nm[96];
            cfb_name_print(e, nm, sizeof(nm));
            return mso_fail(&d->m, MG_ERR_VERIFY, REASON_VERIFY_FAILED, "%s \"%s\" is not allowed",
                            e->type == CFB_STORAGE ? "storage" : "stream", nm);
        }
        const char *what;
        const char *why = dropped_why(c, i, &what);
        char nm[96];
        cfb_name_print(e, nm, sizeof(nm));
        if (e->type == CFB_STORAGE)
            mso_action(&d->m, ACTION_REMOVED, why, "%s (storage \"%s\", %zu streams)", what, nm,
                       count_below(c, i));
        else
            mso_action(&d->m, ACTION_REMOVED, why, "%s \"%s\" (%llu bytes)", what, nm,
                       (unsigned long long)e->size);
    }
    if (d->idx[R_MAIN] == CFB_NONE) {
        if (d->app == APP_EXCEL && cfb_find(c, 0, "Book") != CFB_NONE)
            return mso_fail(&d->m, MG_ERR_UNSUPPORTED, REASON_UNSUPPORTED,
                            "Excel 5.0/95 workbook (Book stream, BIFF5): only Excel 97-2003 "
                            "workbooks can be sanitized; held");
        return mso_fail(&d->m, MG_ERR_PARSE, REASON_PARSE_ERROR, "%s file without a %s stream",
                        app_label[d->app], app_main[d->app]);
    }
    return MG_OK;
}

static int load(struct msodoc *d, enum role r)
{
    if (d->idx[r] == CFB_NONE)
        return MG_OK;
    return cfb_read(&d->cfb, d->idx[r], &d->s[r].data, &d->s[r].len);
}

/* Word keeps one table stream: the one its FIB names. */
static int word_tables(struct msodoc *d)
{
    const char *table = NULL;
    int rc = mso_doc_table(&d->m, d->s[R_MAIN].data, d->s[R_MAIN].len, &table);
    if (rc != MG_OK)
        return rc;
    enum role use = table[0] == '0' ? R_TABLE0 : R_TABLE1;
    enum role other = use == R_TABLE0 ? R_TABLE1 : R_TABLE0;
    if (d->idx[use] == CFB_NONE)
        return mso_fail(&d->m, MG_ERR_PARSE, REASON_PARSE_ERROR,
                        "Word document without the %s stream its header names", table);
    if (d->idx[other] != CFB_NONE) {
        if (!d->m.fix)
            return mso_fail(&d->m, MG_ERR_VERIFY, REASON_VERIFY_FAILED, "a second table stream");
        mso_action(&d->m, ACTION_REMOVED, "the document does not use it (stale data)",
                   "table stream \"%s\" (%llu bytes)", table[0] == '0' ? "1Table" : "0Table",
                   (unsigned long long)d->cfb.entries[d->idx[other]].size);
        free(d->s[other].data);
        d->s[other].data = NULL;
        d->s[other].len = 0;
        d->idx[other] = CFB_NONE;
    }
    if ((rc = load(d, use)) != MG_OK)
        return rc;
    return mso_doc(&d->m, &d->s[R_MAIN], &d->s[use]);
}

static int summaries(struct msodoc *d)
{
    static const struct {
        enum role r;
        const char *name;
    } sets[] = {{R_SUMMARY, "\005SummaryInformation"},
                {R_DOCSUMMARY, "\005DocumentSummaryInformation"}};
    for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
        enum role r = sets[k].r;
        bool drop = false;
        if (d->idx[r] == CFB_NONE)
            continue;
        int rc = mso_props(&d->m, &d->s[r], sets[k].name, &drop);
        if (rc != MG_OK)
            return rc;
        if (drop) {
            free(d->s[r].data);
            d->s[r].data = NULL;
            d->s[r].len = 0;
            d->idx[r] = CFB_NONE;
        }
    }
    return MG_OK;
}

static int app_streams(struct msodoc *d)
{
    int rc;
    for (int r = 0; r < R_COUNT; r++)
        if (r != R_TABLE0 && r != R_TABLE1 && (rc = load(d, (enum role)r)) != MG_OK)
            return rc;
    if ((rc = summaries(d)) != MG_OK)
        return rc;
    switch (d->app) {
    case APP_WORD:
        return word_tables(d);
    case APP_EXCEL:
        return mso_xls(&d->m, &d->s[R_MAIN]);
    case APP_PPT:
        if (d->idx[R_CURUSER] == CFB_NONE)
            return mso_fail(&d->m, MG_ERR_PARSE, REASON_PARSE_ERROR,
                            "PowerPoint file without a Current User stream");
        return mso_ppt(&d->m, &d->s[R_MAIN], &d->s[R_CURUSER]);
    default:
        return MG_ERR_INTERNAL;
    }
}

static bool clsid_known(enum mso_app app, const uint8_t *clsid)
{
    static const uint8_t zero[16];
    if (memcmp(clsid, zero, 16) == 0)
        return true;
    for (size_t k = 0; k < sizeof(app_clsids) / sizeof(app_clsids[0]); k++)
        if (app_clsids[k][0] == app && memcmp(app_clsids[k] + 1, clsid, 16) == 0)
            return true;
    return false;
}

static int write_file(struct msodoc *d, struct buf *out)
{
    struct cfb_wnode nodes[R_COUNT];
    size_t n = 0;
    uint8_t clsid[16] = {0};
    const uint8_t *root = d->cfb.entries[0].clsid;
    if (clsid_known(d->app, root))
        memcpy(clsid, root, 16);
    else
        mso_action(&d->m, ACTION_REWROTE, "only the application's own class id is kept",
                   "root class id (not %s's)", app_label[d->app]);
    if (d->app == APP_EXCEL && d->s[R_MAIN].len < WORKBOOK_MIN) {
        uint8_t *p = realloc(d->s[R_MAIN].data, WORKBOOK_MIN);
        if (p == NULL)
            return MG_ERR_NOMEM;
        memset(p + d->s[R_MAIN].len, 0, WORKBOOK_MIN - d->s[R_MAIN].len);
        d->s[R_MAIN].data = p;
        d->s[R_MAIN].len = WORKBOOK_MIN;
    }
    for (int r = 0; r < R_COUNT; r++) {
        if (d->idx[r] == CFB_NONE)
            continue;
        const struct cfb_entry *e = &d->cfb.entries[d->idx[r]];
        nodes[n] = (struct cfb_wnode){.name = e->name,
                                      .name_len = e->name_len,
                                      .type = CFB_STREAM,
                                      .parent = CFB_NONE,
                                      .data = d->s[r].data,
                                      .size = d->s[r].len};
        n++;
    }
    uint8_t *file = NULL;
    size_t len = 0;
    int rc = cfb_write(nodes, n, clsid, out->max, &file, &len);
    if (rc == MG_OK)
        rc = buf_append(out, file, len);
    free(file);
    return rc;
}

static void msodoc_free(struct msodoc *d)
{
    for (int r = 0; r < R_COUNT; r++)
        free(d->s[r].data);
    cfb_close(&d->cfb);
}

static int open_cfb(struct msodoc *d, const uint8_t *in, size_t len)
{
    int rc = cfb_open(&d->cfb, in, len);
    if (rc == MG_ERR_PARSE || rc == MG_ERR_LIMIT)
        return mso_fail(&d->m, rc, rc == MG_ERR_LIMIT ? REASON_LIMIT : REASON_PARSE_ERROR,
                        "compound file: %s", d->cfb.err);
    return rc;
}

int msofficesan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                         struct report_node *node)
{
    struct msodoc d;
    memset(&d, 0, sizeof(d));
    d.m = (struct mso){.pol = ctx->pol, .node = node, .fix = true, .max_out = out->max};
    int rc = app_of(ctx->out_type, &d.app);
    if (rc != MG_OK) {
        report_block(node, REASON_INTERNAL, "no legacy Office application for this type");
        return rc;
    }
    if ((rc = open_cfb(&d, in, len)) != MG_OK || (rc = check_encryption(&d)) != MG_OK ||
        (rc = select_streams(&d)) != MG_OK || (rc = app_streams(&d)) != MG_OK)
        goto out;
    rc = write_file(&d, out);
    if (rc == MG_OK)
        report_action(node, ACTION_REWROTE, "compound file rebuilt from the streams it needs",
                      "document");
out:
    if (rc != MG_OK && node->verdict != VERDICT_BLOCKED)
        report_block(node, reason_from_err(rc), "%s", err_str(rc));
    msodoc_free(&d);
    return rc;
}

/* A root-level stream by name into s (empty when absent). */
static int load_named(struct msodoc *d, const char *name, struct mso_stream *s)
{
    size_t i = cfb_find(&d->cfb, 0, name);
    if (i == CFB_NONE || d->cfb.entries[i].type != CFB_STREAM)
        return MG_OK;
    return cfb_read(&d->cfb, i, &s->data, &s->len);
}

int msofficesan_flatten(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                        struct report_node *node)
{
    struct msodoc d;
    struct textout to;
    unsigned notes = 0, sheets = 0, skipped = 0, slides = 0;
    memset(&d, 0, sizeof(d));
    /* Sanitizing mode for its errors (reported on the node); nothing is rewritten. */
    d.m = (struct mso){.pol = ctx->pol, .node = node, .fix = true, .max_out = out->max};
    buf_reset(out);
    textout_init(&to, out);
    int rc = open_cfb(&d, in, len);
    if (rc == MG_OK && app_guess(&d.cfb, &d.app) != MG_OK &&
        cfb_find(&d.cfb, 0, "Book") != CFB_NONE)
        rc = mso_fail(&d.m, MG_ERR_UNSUPPORTED, REASON_UNSUPPORTED,
                      "Excel 5.0/95 workbook (Book stream, BIFF5): only Excel 97-2003 "
                      "workbooks can be read; held");
    else if (rc == MG_OK && app_guess(&d.cfb, &d.app) != MG_OK)
        rc = mso_fail(&d.m, MG_ERR_PARSE, REASON_PARSE_ERROR,
                      "compound file without exactly one of the WordDocument, Workbook and "
                      "PowerPoint Document streams");
    if (rc == MG_OK)
        rc = check_encryption(&d);
    if (rc == MG_OK)
        rc = load_named(&d, app_main[d.app], &d.s[R_MAIN]);
    if (rc != MG_OK)
        goto out;
    switch (d.app) {
    case APP_WORD: {
        const char *table = NULL;
        if ((rc = mso_doc_table(&d.m, d.s[R_MAIN].data, d.s[R_MAIN].len, &table)) != MG_OK)
            break;
        if ((rc = load_named(&d, table, &d.s[R_TABLE0])) != MG_OK)
            break;
        if (d.s[R_TABLE0].data == NULL) {
            rc = mso_fail(&d.m, MG_ERR_PARSE, REASON_PARSE_ERROR,
                          "Word document without the %s stream its header names", table);
            break;
        }
        rc = mso_doc_text(&d.m, &d.s[R_MAIN], &d.s[R_TABLE0], &to, &notes);
        break;
    }
    case APP_EXCEL:
        rc = mso_xls_text(&d.m, &d.s[R_MAIN], ctx->pol->csv_neutralize_formulas, &to, &sheets,
                          &skipped);
        break;
    case APP_PPT:
        if ((rc = load_named(&d, "Current User", &d.s[R_CURUSER])) != MG_OK)
            break;
        if (d.s[R_CURUSER].data == NULL) {
            rc = mso_fail(&d.m, MG_ERR_PARSE, REASON_PARSE_ERROR,
                          "PowerPoint file without a Current User stream");
            break;
        }
        rc = mso_ppt_text(&d.m, &d.s[R_MAIN], &d.s[R_CURUSER], &to, &slides);
        break;
    default:
        rc = MG_ERR_INTERNAL;
    }
    if (rc == MG_OK)
        rc = textout_end_line(&to);
    if (rc == MG_ERR_LIMIT && node->verdict != VERDICT_BLOCKED)
        report_block(node, REASON_LIMIT, "extracted text larger than %zu bytes", out->max);
    if (rc != MG_OK)
        goto out;
    char detail[160] = "";
    if (d.app == APP_EXCEL)
        snprintf(detail, sizeof(detail), ", %u sheet(s) as CSV lines%s", sheets,
                 skipped ? ", the names only of macro, module and chart sheets" : "");
    else if (d.app == APP_PPT)
        snprintf(detail, sizeof(detail), ", %u slide(s)", slides);
    else if (notes)
        snprintf(detail, sizeof(detail), ", with footnotes and endnotes");
    report_actionf(node, ACTION_REWROTE, "policy: flatten Office documents to text",
                   "%s 97-2003 file converted to UTF-8 text%s; macros, embedded objects, field "
                   "instructions and links are not carried over",
                   app_label[d.app], detail);
    if (to.dropped)
        report_actionf(node, ACTION_REMOVED,
                       "control characters can hide content or drive terminals",
                       "%zu control or bidi control characters", to.dropped);
    ctx->out_type = FT_TEXT;
out:
    if (rc != MG_OK) {
        buf_reset(out);
        if (node->verdict != VERDICT_BLOCKED)
            report_block(node, reason_from_err(rc), "%s", err_str(rc));
    }
    msodoc_free(&d);
    return rc;
}

int msofficesan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    struct msodoc d;
    memset(&d, 0, sizeof(d));
    d.m = (struct mso){.pol = ctx->pol, .fix = false, .max_out = len};
    int rc = open_cfb(&d, in, len);
    if (rc == MG_OK && (rc = app_guess(&d.cfb, &d.app)) == MG_OK &&
        !clsid_known(d.app, d.cfb.entries[0].clsid))
        rc = MG_ERR_VERIFY;
    if (rc == MG_OK && ((rc = check_encryption(&d)) != MG_OK ||
                        (rc = select_streams(&d)) != MG_OK || (rc = app_streams(&d)) != MG_OK))
        rc = MG_ERR_VERIFY;
    msodoc_free(&d);
    return rc == MG_OK ? MG_OK : MG_ERR_VERIFY;
}

/* Office 97-2003: rebuilt from the streams they need (templates too). */
#define MSO_TYPE(t)                                                                                \
    {                                                                                              \
        FT_##t, FT_##t, msofficesan_sanitize, msofficesan_verify, msofficesan_flatten              \
    }
static const struct san_type msoffice_types[] = {MSO_TYPE(DOC), MSO_TYPE(XLS), MSO_TYPE(PPT)};
#undef MSO_TYPE

const struct san_family san_family_msoffice = {"msoffice", SAN_TYPES(msoffice_types), NULL};
