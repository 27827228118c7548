/*
 * odf_text - see odf_text.h.
 */
#include "odf_text.h"
#include "err.h"

#include <stdlib.h>
#include <string.h>

#define NS_OFFICE "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
#define NS_TEXT   "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
#define NS_TABLE  "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
#define NS_DRAW   "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
#define NS_PRES   "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
#define NS_SVG    "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"

/* Deepest element nesting walked (libxml2 refuses more than 256 itself). */
#define ODF_TEXT_DEPTH 256
/* Spaces one text:s may stand for (an office suite writes a handful). */
#define ODF_SPACES_MAX 1000u
/* Notes kept for after the body. */
#define ODF_NOTES_MAX 100000u
/* A spreadsheet's grid (LibreOffice's largest). */
#define ODF_COLS_MAX 16384u
#define ODF_ROWS_MAX 1048576u

struct walk {
    struct textout *to;
    struct odf_text_stats *st;
    bool neutralize;
    const xmlNode **notes; /* note bodies, written after the text */
    size_t n_notes, cap_notes;
    struct buf cell, row;
};

static bool ns_is(const xmlNode *n, const char *uri)
{
    return n->ns && n->ns->href && strcmp((const char *)n->ns->href, uri) == 0;
}

static bool is_el(const xmlNode *n, const char *uri, const char *local)
{
    return n->type == XML_ELEMENT_NODE && ns_is(n, uri) &&
           strcmp((const char *)n->name, local) == 0;
}

static const char *attr(const xmlNode *n, const char *uri, const char *local)
{
    for (const xmlAttr *a = n->properties; a; a = a->next)
        if (a->ns && a->ns->href && strcmp((const char *)a->ns->href, uri) == 0 &&
            strcmp((const char *)a->name, local) == 0)
            return a->children && a->children->type == XML_TEXT_NODE && a->children->content
                           ? (const char *)a->children->content
                           : "";
    return NULL;
}

/* A count attribute: 1 when absent or odd, at most max. */
static unsigned long count_attr(const xmlNode *n, const char *uri, const char *local,
                                unsigned long max)
{
    const char *v = attr(n, uri, local);
    if (v == NULL || *v < '1' || *v > '9')
        return 1;
    char *end;
    unsigned long c = strtoul(v, &end, 10);
    return *end != '\0' || c == 0 ? 1 : c > max ? max : c;
}

/* Elements whose content is not the document's text. */
static bool skipped(const xmlNode *n)
{
    static const struct {
        const char *ns, *local;
    } skip[] = {
            {NS_OFFICE, "annotation"},
            {NS_OFFICE, "annotation-end"},
            {NS_OFFICE, "forms"},
            {NS_OFFICE, "event-listeners"},
            {NS_TEXT, "tracked-changes"},
            {NS_TEXT, "ruby-text"},
            {NS_TEXT, "sequence-decls"},
            {NS_TEXT, "variable-decls"},
            {NS_TEXT, "user-field-decls"},
            {NS_TEXT, "dde-connection-decls"},
            {NS_TABLE, "table-columns"},
            {NS_TABLE, "table-column"},
            {NS_TABLE, "named-expressions"},
            {NS_TABLE, "database-ranges"},
            {NS_TABLE, "dde-links"},
            {NS_TABLE, "content-validations"},
            {NS_DRAW, "object"},
            {NS_DRAW, "object-ole"},
            {NS_PRES, "notes"},
            {NS_SVG, "title"},
            {NS_SVG, "desc"},
    };
    for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
        if (is_el(n, skip[i].ns, skip[i].local))
            return true;
    return false;
}

/* Text in a paragraph: white space runs read as one space (ODF 6.1.2). */
static int put_text(struct walk *w, const xmlChar *s)
{
    const uint8_t *p = s, *run = s;
    int rc = MG_OK;
    for (; *p && rc == MG_OK; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            continue;
        rc = textout_utf8(w->to, run, (size_t)(p - run));
        const struct buf *o = w->to->out;
        bool after_space = o->len == 0 || o->data[o->len - 1] == ' ' || o->data[o->len - 1] == '\n';
        if (rc == MG_OK && !after_space)
            rc = textout_char(w->to, ' ');
        run = p + 1;
    }
    return rc == MG_OK ? textout_utf8(w->to, run, (size_t)(p - run)) : rc;
}

static int note_keep(struct walk *w, const xmlNode *body)
{
    if (w->n_notes == w->cap_notes) {
        size_t nc = w->cap_notes ? w->cap_notes * 2 : 16;
        if (nc > ODF_NOTES_MAX)
            return MG_ERR_LIMIT;
        const xmlNode **p = realloc(w->notes, nc * sizeof(*p));
        if (p == NULL)
            return MG_ERR_NOMEM;
        w->notes = p;
        w->cap_notes = nc;
    }
    w->notes[w->n_notes++] = body;
    return MG_OK;
}

static int walk(struct walk *w, const xmlNode *parent, int depth, bool in_para);

static int walk_el(struct walk *w, const xmlNode *n, int depth, bool in_para)
{
    int rc = MG_OK;
    if (skipped(n))
        return MG_OK;
    if (is_el(n, NS_TEXT, "p") || is_el(n, NS_TEXT, "h")) {
        /* A paragraph inside one (a text box anchored in it) gets lines of its own. */
        if (in_para && (rc = textout_end_line(w->to)) != MG_OK)
            return rc;
        rc = walk(w, n, depth + 1, true);
        return rc == MG_OK ? textout_char(w->to, '\n') : rc;
    }
    if (is_el(n, NS_TEXT, "s")) {
        unsigned long k = count_attr(n, NS_TEXT, "c", ODF_SPACES_MAX);
        for (; rc == MG_OK && k > 0 && in_para; k--)
            rc = textout_char(w->to, ' ');
        return rc;
    }
    if (is_el(n, NS_TEXT, "tab"))
        return in_para ? textout_char(w->to, '\t') : MG_OK;
    if (is_el(n, NS_TEXT, "line-break"))
        return in_para ? textout_char(w->to, '\n') : MG_OK;
    if (is_el(n, NS_TEXT, "note")) {
        for (const xmlNode *c = n->children; c && rc == MG_OK; c = c->next) {
            if (is_el(c, NS_TEXT, "note-citation"))
                rc = walk(w, c, depth + 1, in_para);
            else if (is_el(c, NS_TEXT, "note-body"))
                rc = note_keep(w, c);
        }
        return rc;
    }
    return walk(w, n, depth + 1, in_para);
}

static int walk(struct walk *w, const xmlNode *parent, int depth, bool in_para)
{
    if (depth > ODF_TEXT_DEPTH) {
        w->st->deep++;
        return MG_OK;
    }
    int rc = MG_OK;
    for (const xmlNode *n = parent->children; n && rc == MG_OK; n = n->next) {
        if (n->type == XML_TEXT_NODE && in_para && n->content)
            rc = put_text(w, n->content);
        else if (n->type == XML_ELEMENT_NODE)
            rc = walk_el(w, n, depth, in_para);
    }
    return rc;
}

/* Notes found so far, each after a line end; notes inside notes come after them. */
static int write_notes(struct walk *w)
{
    int rc = MG_OK;
    for (size_t i = 0; i < w->n_notes && rc == MG_OK; i++) {
        rc = textout_end_line(w->to);
        if (rc == MG_OK)
            rc = walk(w, w->notes[i], 1, false);
        w->st->notes++;
    }
    return rc;
}

/* ---- spreadsheets -------------------------------------------------------------- */

/* A cell's shown text into w->cell: its paragraphs, one line each. */
static int cell_text(struct walk *w, const xmlNode *c)
{
    struct buf *keep = w->to->out;
    buf_reset(&w->cell);
    w->to->out = &w->cell;
    int rc = walk(w, c, 1, false);
    while (rc == MG_OK && w->cell.len && w->cell.data[w->cell.len - 1] == '\n')
        w->cell.data[--w->cell.len] = 0;
    if (rc == MG_OK && w->cell.len == 0) {
        /* No paragraph: the value itself, as some producers write only that. */
        static const char *const vals[] = {"string-value", "value", "date-value", "time-value",
                                           "boolean-value"};
        for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
            const char *v = attr(c, NS_OFFICE, vals[i]);
            if (v) {
                rc = textout_utf8(w->to, (const uint8_t *)v, strlen(v));
                break;
            }
        }
    }
    w->to->out = keep;
    return rc;
}

/* One row's CSV line into w->row (empty when no cell shows anything). */
static int sheet_row(struct walk *w, const xmlNode *row)
{
    unsigned long written = 0, pending = 0; /* fields written; empty fields not yet */
    int rc = MG_OK;
    buf_reset(&w->row);
    for (const xmlNode *c = row->children; c && rc == MG_OK; c = c->next) {
        if (!is_el(c, NS_TABLE, "table-cell") && !is_el(c, NS_TABLE, "covered-table-cell"))
            continue;
        unsigned long rep = count_attr(c, NS_TABLE, "number-columns-repeated", ODF_COLS_MAX);
        if (written + pending >= ODF_COLS_MAX)
            break;
        if ((rc = cell_text(w, c)) != MG_OK)
            break;
        if (w->cell.len == 0) {
            pending += rep;
            continue;
        }
        if (rep > ODF_COLS_MAX - written - pending)
            rep = ODF_COLS_MAX - written - pending;
        for (unsigned long k = written ? pending + 1 : pending; rc == MG_OK && k > 0; k--)
            rc = buf_putc(&w->row, ',');
        written += pending;
        pending = 0;
        for (unsigned long r = 0; rc == MG_OK && r < rep; r++) {
            if (r > 0)
                rc = buf_putc(&w->row, ',');
            if (rc == MG_OK)
                rc = textout_csv_field(&w->row, w->cell.data, w->cell.len, w->neutralize);
        }
        written += rep;
    }
    return rc;
}

struct sheet_pos {
    unsigned long rows;    /* rows so far */
    unsigned long pending; /* empty rows not written yet */
};

static int sheet_rows(struct walk *w, const xmlNode *parent, struct sheet_pos *pos, int depth)
{
    int rc = MG_OK;
    if (depth > 8)
        return MG_OK; /* row groups do not nest deeper in any real sheet */
    for (const xmlNode *n = parent->children; n && rc == MG_OK; n = n->next) {
        if (is_el(n, NS_TABLE, "table-row-group") || is_el(n, NS_TABLE, "table-header-rows") ||
            is_el(n, NS_TABLE, "table-rows")) {
            rc = sheet_rows(w, n, pos, depth + 1);
            continue;
        }
        if (!is_el(n, NS_TABLE, "table-row") || pos->rows >= ODF_ROWS_MAX)
            continue;
        unsigned long rep = count_attr(n, NS_TABLE, "number-rows-repeated", ODF_ROWS_MAX);
        if (rep > ODF_ROWS_MAX - pos->rows)
            rep = ODF_ROWS_MAX - pos->rows;
        pos->rows += rep;
        if ((rc = sheet_row(w, n)) != MG_OK)
            break;
        if (w->row.len == 0) {
            pos->pending += rep; /* written only if a row with text follows */
            continue;
        }
        for (; rc == MG_OK && pos->pending > 0; pos->pending--)
            rc = buf_putc(w->to->out, '\n');
        for (unsigned long r = 0; rc == MG_OK && r < rep; r++) {
            rc = buf_append(w->to->out, w->row.data, w->row.len);
            if (rc == MG_OK)
                rc = buf_putc(w->to->out, '\n');
        }
    }
    return rc;
}

static int spreadsheet(struct walk *w, const xmlNode *body)
{
    int rc = MG_OK;
    for (const xmlNode *t = body->children; t && rc == MG_OK; t = t->next) {
        if (!is_el(t, NS_TABLE, "table"))
            continue;
        const char *name = attr(t, NS_TABLE, "name");
        w->st->tables++;
        rc = textout_end_line(w->to);
        if (rc == MG_OK)
            rc = buf_printf(w->to->out, "--- sheet %u: ", w->st->tables);
        if (rc == MG_OK && name)
            rc = textout_utf8(w->to, (const uint8_t *)name, strlen(name));
        if (rc == MG_OK)
            rc = buf_puts(w->to->out, " ---\n");
        struct sheet_pos pos = {0, 0};
        if (rc == MG_OK)
            rc = sheet_rows(w, t, &pos, 0);
    }
    return rc;
}

/* ---- presentations ----------------------------------------------------------------- */

static int presentation(struct walk *w, const xmlNode *body)
{
    int rc = MG_OK;
    for (const xmlNode *p = body->children; p && rc == MG_OK; p = p->next) {
        if (!is_el(p, NS_DRAW, "page"))
            continue;
        w->st->pages++;
        if (w->st->pages > 1 && (rc = textout_end_line(w->to)) == MG_OK)
            rc = buf_printf(w->to->out, "--- slide %u ---\n", w->st->pages);
        if (rc == MG_OK)
            rc = walk(w, p, 1, false);
    }
    return rc;
}

int odf_text(xmlDocPtr doc, enum ftype kind, bool neutralize, struct textout *to,
             struct odf_text_stats *st)
{
    const char *want = kind == FT_ODS || kind == FT_OTS   ? "spreadsheet"
                       : kind == FT_ODP || kind == FT_OTP ? "presentation"
                                                          : "text";
    const xmlNode *root = xmlDocGetRootElement(doc), *body = NULL;
    for (const xmlNode *n = root ? root->children : NULL; n && !body; n = n->next)
        if (is_el(n, NS_OFFICE, "body"))
            for (const xmlNode *c = n->children; c && !body; c = c->next)
                if (is_el(c, NS_OFFICE, want))
                    body = c;
    if (root == NULL || !is_el(root, NS_OFFICE, "document-content") || body == NULL)
        return MG_ERR_PARSE;
    struct walk w = {.to = to, .st = st, .neutralize = neutralize};
    buf_init(&w.cell, to->out->max);
    buf_init(&w.row, to->out->max);
    int rc;
    if (strcmp(want, "spreadsheet") == 0)
        rc = spreadsheet(&w, body);
    else if (strcmp(want, "presentation") == 0)
        rc = presentation(&w, body);
    else
        rc = walk(&w, body, 1, false);
    if (rc == MG_OK)
        rc = write_notes(&w);
    if (rc == MG_OK)
        rc = textout_end_line(to);
    free(w.notes);
    buf_free(&w.cell);
    buf_free(&w.row);
    return rc;
}
