/*
 * mso_xls - Excel 97-2003 (BIFF8) Workbook stream: XLM macro sheets,
 * auto-run names, VBA marker, encryption, DDE/OLE/external links.
 *
 * The stream is a sequence of substreams, each from a BOF record to its
 * EOF: the workbook globals first, then one per sheet, found through the
 * globals' BOUNDSHEET records (lbPlyPos, an absolute offset). The walk
 * insists that the substreams tile the stream in order, each reached by
 * exactly one BOUNDSHEET, with only zero padding after the last: bytes no
 * sheet owns would be invisible to us and maybe not to Excel.
 *
 * A macro sheet (BOUNDSHEET type 1 or 6, or a BOF of type 0x40) becomes
 * an empty worksheet of the same name and visibility, so that every sheet
 * index in formulas and names still points where it did. A name Excel
 * would run on open (built-in Auto_Open, Auto_Close, Auto_Activate,
 * Auto_Deactivate, the same spelled out, possibly with more characters
 * after, or any command-macro name) keeps its place in the name table,
 * so PtgName indexes stay valid, but is renamed and points to #REF!.
 * Records change size, so the stream is written anew and the absolute
 * offsets in it (BOUNDSHEET, EXTSST, INDEX) are translated.
 */
#include "err.h"
#include "mso.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RT_FORMULA    0x0006
#define RT_EOF        0x000A
#define RT_NAME       0x0018
#define RT_EXTERNNAME 0x0023
#define RT_FILEPASS   0x002F
#define RT_CONTINUE   0x003C
#define RT_BOUNDSHEET 0x0085
#define RT_OBPROJ     0x00D3
#define RT_EXTSST     0x00FF
#define RT_SUPBOOK    0x01AE
#define RT_DIMENSIONS 0x0200
#define RT_INDEX      0x020B
#define RT_WINDOW2    0x023E
#define RT_BOF        0x0809

#define BOF_GLOBALS 0x0005
#define BOF_SHEET   0x0010
#define BOF_CHART   0x0020
#define BOF_MACRO   0x0040

/* [MS-XLS] 2.1.4: a record holds at most 8224 bytes. */
#define REC_MAX 8224u

#define NAME_FHIDDEN  0x0001
#define NAME_FPROC    0x0008
#define NAME_FBUILTIN 0x0020

struct rec {
    size_t off;
    uint16_t type, len;
    const uint8_t *d;
};

struct sub {
    size_t first, last; /* record indexes, BOF .. EOF */
    size_t start, end;  /* byte range */
    uint16_t dt;
    size_t sheet; /* BOUNDSHEET index that reaches it */
    bool macro;
};

struct sheet {
    size_t rec;
    uint32_t pos;
    uint8_t hs, dt;
    char name[96];
    size_t sub;
};

struct xls {
    struct mso *m;
    const uint8_t *d;
    size_t n;
    struct rec *r;
    size_t nr;
    struct sub *sub;
    size_t nsub;
    struct sheet *sh;
    size_t nsh;
    size_t globals_end; /* record index one past the globals' EOF */
    uint16_t rup_build, rup_year;
    uint32_t bof_flags1, bof_flags2;
};

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int bad(struct xls *x, const char *what)
{
    return mso_fail(x->m, x->m->fix ? MG_ERR_PARSE : MG_ERR_VERIFY,
                    x->m->fix ? REASON_PARSE_ERROR : REASON_VERIFY_FAILED, "Excel workbook: %s",
                    what);
}

/* ---- records and substreams --------------------------------------------------- */

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static int read_records(struct xls *x)
{
    size_t cap = x->n / 4 + 1;
    x->r = malloc(cap * sizeof(*x->r));
    if (x->r == NULL)
        return MG_ERR_NOMEM;
    size_t off = 0;
    while (off < x->n) {
        /* Excel pads the stream with zeros after the last EOF. */
        if (x->nr > 0 && x->r[x->nr - 1].type == RT_EOF && all_zero(x->d + off, x->n - off))
            break;
        if (x->n - off < 4)
            return bad(x, "record header cut short");
        uint16_t type = le16(x->d + off), len = le16(x->d + off + 2);
        if (len > REC_MAX || x->n - off - 4 < len)
            return bad(x, "record longer than the stream or than BIFF8 allows");
        x->r[x->nr++] = (struct rec){off, type, len, x->d + off + 4};
        off += 4 + (size_t)len;
    }
    return MG_OK;
}

/* Split the records into the globals and the substreams after them. */
static int find_substreams(struct xls *x)
{
    x->sub = calloc(x->nr + 1, sizeof(*x->sub));
    if (x->sub == NULL)
        return MG_ERR_NOMEM;
    size_t i = 0;
    while (i < x->nr) {
        const struct rec *b = &x->r[i];
        if (b->type != RT_BOF || b->len < 16)
            return bad(x, "a substream does not start with a BIFF8 BOF record");
        if (le16(b->d) != 0x0600)
            return mso_fail(x->m, x->m->fix ? MG_ERR_UNSUPPORTED : MG_ERR_VERIFY,
                            REASON_UNSUPPORTED,
                            "Excel workbook in BIFF version 0x%04X: only BIFF8 (Excel 97-2003) "
                            "can be sanitized; held",
                            le16(b->d));
        struct sub *s = &x->sub[x->nsub++];
        s->first = i;
        s->start = b->off;
        s->dt = le16(b->d + 2);
        s->sheet = SIZE_MAX;
        int depth = 0;
        for (; i < x->nr; i++) {
            const struct rec *r = &x->r[i];
            if (r->type == RT_BOF && r->len >= 4) {
                /* Only a chart may sit inside a sheet (an embedded chart). */
                if (depth > 0 && le16(r->d + 2) != BOF_CHART)
                    return mso_fail(x->m, x->m->fix ? MG_ERR_UNSUPPORTED : MG_ERR_VERIFY,
                                    REASON_UNSUPPORTED,
                                    "Excel workbook: a substream of type 0x%04X inside a sheet",
                                    le16(r->d + 2));
                if (depth > 0 && s->dt != BOF_SHEET)
                    return bad(x, "a substream inside something other than a worksheet");
                depth++;
            } else if (r->type == RT_BOF) {
                return bad(x, "BOF record too short");
            } else if (r->type == RT_EOF && --depth == 0) {
                break;
            }
        }
        if (i >= x->nr)
            return bad(x, "a substream without its EOF record");
        s->last = i;
        s->end = x->r[i].off + 4 + x->r[i].len;
        i++;
        if (x->nsub == 1) {
            if (s->dt != BOF_GLOBALS)
                return bad(x, "the stream does not start with the workbook globals");
            x->globals_end = i;
            x->rup_build = le16(b->d + 4);
            x->rup_year = le16(b->d + 6);
            x->bof_flags1 = le32(b->d + 8);
            x->bof_flags2 = le32(b->d + 12);
        } else if (s->dt == BOF_GLOBALS) {
            return bad(x, "workbook globals twice");
        }
    }
    if (x->nsub == 0)
        return bad(x, "empty Workbook stream");
    return MG_OK;
}

/* A BIFF8 string's characters as UTF-8 for messages (controls as '?'). */
static void str_print(const uint8_t *p, size_t avail, size_t cch, bool high, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t k = 0; k < cch; k++) {
        size_t w = high ? 2 : 1;
        if ((k + 1) * w > avail)
            break;
        unsigned c = high ? le16(p + k * w) : p[k];
        char t[3];
        size_t n = 1;
        if (c < 0x20 || c == 0x7F || (c >= 0xD800 && c <= 0xDFFF)) {
            t[0] = '?';
        } else if (c < 0x80) {
            t[0] = (char)c;
        } else if (c < 0x800) {
            t[0] = (char)(0xC0 | c >> 6);
            t[1] = (char)(0x80 | (c & 0x3F));
            n = 2;
        } else {
            t[0] = (char)(0xE0 | c >> 12);
            t[1] = (char)(0x80 | ((c >> 6) & 0x3F));
            t[2] = (char)(0x80 | (c & 0x3F));
            n = 3;
        }
        if (o + n >= cap)
            break;
        memcpy(out + o, t, n);
        o += n;
    }
    out[o] = 0;
}

/* BOUNDSHEET records; each must lead to exactly one substream after the globals. */
static int find_sheets(struct xls *x)
{
    x->sh = calloc(x->globals_end + 1, sizeof(*x->sh));
    if (x->sh == NULL)
        return MG_ERR_NOMEM;
    for (size_t i = 0; i < x->globals_end; i++) {
        const struct rec *r = &x->r[i];
        if (r->type != RT_BOUNDSHEET)
            continue;
        if (r->len < 8)
            return bad(x, "BOUNDSHEET record too short");
        struct sheet *s = &x->sh[x->nsh++];
        s->rec = i;
        s->pos = le32(r->d);
        s->hs = r->d[4];
        s->dt = r->d[5];
        str_print(r->d + 8, r->len - 8, r->d[6], r->d[7] & 1, s->name, sizeof(s->name));
        s->sub = SIZE_MAX;
        for (size_t k = 1; k < x->nsub; k++)
            if (x->sub[k].start == s->pos)
                s->sub = k;
        if (s->sub == SIZE_MAX || x->sub[s->sub].sheet != SIZE_MAX)
            return bad(x, "a sheet whose position is not the start of its own substream");
        x->sub[s->sub].sheet = x->nsh - 1;
        if (s->dt != 0 && s->dt != 1 && s->dt != 2 && s->dt != 6)
            return bad(x, "a sheet of unknown type");
    }
    for (size_t k = 1; k < x->nsub; k++) {
        struct sub *u = &x->sub[k];
        if (u->sheet == SIZE_MAX)
            return bad(x, "a substream no sheet refers to");
        if (u->dt != BOF_SHEET && u->dt != BOF_CHART && u->dt != BOF_MACRO)
            return mso_fail(x->m, x->m->fix ? MG_ERR_UNSUPPORTED : MG_ERR_VERIFY,
                            REASON_UNSUPPORTED, "Excel workbook: a sheet substream of type 0x%04X",
                            u->dt);
        uint8_t dt = x->sh[u->sheet].dt;
        u->macro = u->dt == BOF_MACRO || dt == 1 || dt == 6;
    }
    return MG_OK;
}

/* ---- names and links --------------------------------------------------------------- */

static const char *const auto_names[] = {"auto_open", "auto_close", "auto_activate",
                                         "auto_deactivate"};

/* Whether a NAME record names something Excel runs by itself. */
static bool name_runs(const struct rec *r, const char **label)
{
    if (r->len < 15)
        return false;
    uint16_t flags = le16(r->d);
    size_t cch = r->d[3];
    bool high = r->d[14] & 1;
    const uint8_t *p = r->d + 15;
    size_t avail = r->len - 15;
    if (flags & NAME_FBUILTIN) {
        unsigned c = cch >= 1 && avail >= 1 ? p[0] : 0xFF;
        static const char *const builtin[] = {[0x01] = "Auto_Open",
                                              [0x02] = "Auto_Close",
                                              [0x0A] = "Auto_Activate",
                                              [0x0B] = "Auto_Deactivate"};
        if (c < sizeof(builtin) / sizeof(builtin[0]) && builtin[c]) {
            *label = builtin[c];
            return true;
        }
    }
    char name[300];
    str_print(p, avail, cch, high, name, sizeof(name));
    const char *s = name;
    if (strncasecmp(s, "_xlnm.", 6) == 0)
        s += 6;
    for (size_t k = 0; k < sizeof(auto_names) / sizeof(auto_names[0]); k++)
        if (strncasecmp(s, auto_names[k], strlen(auto_names[k])) == 0) {
            *label = auto_names[k];
            return true;
        }
    if (flags & NAME_FPROC) {
        *label = "command macro";
        return true;
    }
    return false;
}

/* A renamed, inert NAME record: same scope, formula #REF!. */
static int name_inert(const struct rec *r, unsigned k, struct buf *b)
{
    char nm[32];
    int nl = snprintf(nm, sizeof(nm), "Mugai_Removed_%u", k);
    uint8_t h[4 + 15 + 32 + 2];
    size_t body = 15 + (size_t)nl + 2;
    put16(h, RT_NAME);
    put16(h + 2, (uint16_t)body);
    uint8_t *d = h + 4;
    memset(d, 0, 15);
    put16(d, (uint16_t)(le16(r->d) & NAME_FHIDDEN));
    d[3] = (uint8_t)nl;
    put16(d + 4, 2);
    put16(d + 8, le16(r->d + 8)); /* itab: the scope stays */
    memcpy(d + 15, nm, (size_t)nl);
    d[15 + nl] = 0x1C; /* PtgErr */
    d[16 + nl] = 0x17; /* #REF! */
    return buf_append(b, h, 4 + body);
}

/* SUPBOOK: the workbook itself and add-ins are fine; anything else is a link. */
static int check_supbook(struct xls *x, const struct rec *r)
{
    if (r->len < 4)
        return bad(x, "SUPBOOK record too short");
    uint16_t cch = le16(r->d + 2);
    if (cch == 0x0401 || cch == 0x3A01)
        return MG_OK;
    char path[120];
    bool high = r->len > 4 && (r->d[4] & 1);
    str_print(r->d + 5, r->len > 5 ? r->len - 5u : 0, cch, high, path, sizeof(path));
    bool dde = false;
    for (size_t k = 0; k < cch; k++) {
        size_t at = 5 + k * (high ? 2 : 1);
        if (at + (high ? 2 : 1) > r->len)
            break;
        if ((high ? le16(r->d + at) : r->d[at]) == 0x03)
            dde = true;
    }
    return mso_fail(x->m, x->m->fix ? MG_ERR_UNSUPPORTED : MG_ERR_VERIFY, REASON_UNSUPPORTED,
                    "Excel workbook with %s \"%s\": links cannot be taken out of .xls yet; held",
                    dde ? "a DDE or OLE link to" : "a link to the external workbook", path);
}

/* ---- the new stream ------------------------------------------------------------------- */

/* EXTSST records fixed after the globals are written (one is usual). */
#define EXTSST_MAX 8

struct map {
    size_t *old, *neu; /* record offsets in the globals, old and new, ascending */
    size_t *rec;       /* the record's index */
    size_t n;
    size_t extsst[EXTSST_MAX]; /* their offsets in the new stream */
    size_t nextsst;
};

static int emit(struct buf *b, const struct rec *r)
{
    return buf_append(b, r->d - 4, 4 + (size_t)r->len);
}

/* The globals with names made inert and the VBA marker gone. */
static int rebuild_globals(struct xls *x, struct buf *b, struct map *mp, size_t *sheet_at)
{
    unsigned renamed = 0;
    int rc = MG_OK;
    bool skip_continue = false;
    for (size_t i = 0; i < x->globals_end && rc == MG_OK; i++) {
        const struct rec *r = &x->r[i];
        const char *label = NULL;
        if (r->type == RT_CONTINUE && skip_continue)
            continue;
        skip_continue = false;
        mp->old[mp->n] = r->off;
        mp->rec[mp->n] = i;
        mp->neu[mp->n++] = b->len;
        switch (r->type) {
        case RT_FILEPASS:
            return mso_fail(x->m, x->m->fix ? MG_ERR_ENCRYPTED : MG_ERR_VERIFY, REASON_ENCRYPTED,
                            "Excel workbook protected by a password (FILEPASS): it is encrypted "
                            "and cannot be inspected");
        case RT_SUPBOOK:
            if ((rc = check_supbook(x, r)) != MG_OK)
                return rc;
            rc = emit(b, r);
            break;
        case RT_EXTERNNAME:
            if (r->len >= 2 && (le16(r->d) & 0x0018))
                return mso_fail(x->m, x->m->fix ? MG_ERR_UNSUPPORTED : MG_ERR_VERIFY,
                                REASON_UNSUPPORTED,
                                "Excel workbook with an OLE link (EXTERNNAME): links cannot be "
                                "taken out of .xls yet; held");
            rc = emit(b, r);
            break;
        case RT_OBPROJ:
            if (!x->m->fix)
                return bad(x, "VBA project marker (OBPROJ) left");
            mso_action(x->m, ACTION_REMOVED, "the VBA project it announces is removed",
                       "VBA project marker (OBPROJ record)");
            mp->n--;
            break;
        case RT_NAME:
            if (!name_runs(r, &label)) {
                rc = emit(b, r);
                break;
            }
            if (!x->m->fix)
                return bad(x, "a name Excel would run as a macro is left");
            mso_action(x->m, ACTION_REWROTE,
                       "Excel runs these names as macros; renamed and pointed at #REF! so that "
                       "formulas using names keep their targets",
                       "defined name %s (now Mugai_Removed_%u)", label, renamed + 1);
            rc = name_inert(r, ++renamed, b);
            skip_continue = true;
            break;
        case RT_EXTSST:
            if (mp->nextsst == EXTSST_MAX)
                return bad(x, "too many EXTSST records");
            mp->extsst[mp->nextsst++] = b->len;
            rc = emit(b, r);
            break;
        case RT_BOUNDSHEET:
            for (size_t k = 0; k < x->nsh; k++)
                if (x->sh[k].rec == i)
                    sheet_at[k] = b->len;
            rc = emit(b, r);
            break;
        default:
            rc = emit(b, r);
        }
    }
    return rc;
}

/* An empty worksheet in place of a macro sheet. */
static int empty_sheet(struct xls *x, struct buf *b)
{
    uint8_t s[4 + 16 + 4 + 14 + 4 + 18 + 4];
    memset(s, 0, sizeof(s));
    uint8_t *p = s;
    put16(p, RT_BOF);
    put16(p + 2, 16);
    put16(p + 4, 0x0600);
    put16(p + 6, BOF_SHEET);
    put16(p + 8, x->rup_build);
    put16(p + 10, x->rup_year);
    put32(p + 12, x->bof_flags1);
    put32(p + 16, x->bof_flags2);
    p += 20;
    put16(p, RT_DIMENSIONS);
    put16(p + 2, 14);
    p += 18;
    put16(p, RT_WINDOW2);
    put16(p + 2, 18);
    put16(p + 4, 0x00B6); /* grid, headers, zeros, default colours, outline symbols */
    put16(p + 10, 64);    /* icvHdr: the default colour */
    p += 22;
    put16(p, RT_EOF);
    return buf_append(b, s, sizeof(s));
}

/* A sheet copied as it is, moved by delta: its INDEX offsets move with it. */
static int copy_sheet(struct xls *x, const struct sub *u, struct buf *b)
{
    size_t at = b->len;
    int rc = buf_append(b, x->d + u->start, u->end - u->start);
    if (rc != MG_OK)
        return rc;
    for (size_t i = u->first; i <= u->last; i++) {
        const struct rec *r = &x->r[i];
        if (r->type != RT_INDEX || r->len < 16)
            continue;
        uint8_t *d = b->data + at + (r->off - u->start) + 4;
        for (size_t k = 12; k + 4 <= r->len; k += 4) {
            uint32_t v = le32(d + k);
            if (v >= u->start && v < u->end)
                put32(d + k, (uint32_t)(v - u->start + at));
        }
    }
    return MG_OK;
}

/*
 * EXTSST gives the absolute position of each bucket's first string, inside
 * an SST or CONTINUE record; those are copied as they are, so the position
 * keeps its distance from the start of its record.
 */
static int fix_extsst(struct xls *x, struct buf *b, size_t at, const struct map *mp)
{
    uint16_t len = le16(b->data + at + 2);
    uint8_t *d = b->data + at + 4;
    for (size_t k = 2; k + 8 <= len; k += 8) {
        uint32_t v = le32(d + k);
        size_t lo = 0, hi = mp->n; /* the last record starting at or before v */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (mp->old[mid] <= v)
                lo = mid + 1;
            else
                hi = mid;
        }
        const struct rec *r = lo > 0 ? &x->r[mp->rec[lo - 1]] : NULL;
        size_t j = lo - 1;
        if (r == NULL || (r->type != 0x00FC && r->type != RT_CONTINUE) ||
            v - r->off >= 4 + (size_t)r->len)
            return bad(x, "EXTSST points outside the shared strings");
        put32(d + k, (uint32_t)(mp->neu[j] + (v - r->off)));
    }
    return MG_OK;
}

static int rebuild(struct xls *x, struct buf *b)
{
    struct map mp = {0};
    size_t *sheet_at = calloc(x->nsh + 1, sizeof(*sheet_at));
    mp.old = malloc((x->globals_end + 1) * sizeof(size_t));
    mp.neu = malloc((x->globals_end + 1) * sizeof(size_t));
    mp.rec = malloc((x->globals_end + 1) * sizeof(size_t));
    int rc = MG_ERR_NOMEM;
    if (!sheet_at || !mp.old || !mp.neu || !mp.rec)
        goto out;
    if ((rc = rebuild_globals(x, b, &mp, sheet_at)) != MG_OK)
        goto out;
    for (size_t k = 0; k < mp.nextsst; k++)
        if ((rc = fix_extsst(x, b, mp.extsst[k], &mp)) != MG_OK)
            goto out;
    for (size_t k = 1; k < x->nsub && rc == MG_OK; k++) {
        const struct sub *u = &x->sub[k];
        const struct sheet *s = &x->sh[u->sheet];
        uint8_t *bs = b->data + sheet_at[u->sheet] + 4;
        put32(bs, (uint32_t)b->len);
        if (!u->macro) {
            rc = copy_sheet(x, u, b);
            continue;
        }
        bs = b->data + sheet_at[u->sheet] + 4;
        bs[5] = 0; /* a worksheet now */
        mso_action(x->m, ACTION_REMOVED,
                   "Excel 4.0 macro sheets and VB modules hold code Excel runs; an empty "
                   "worksheet keeps the sheet order",
                   "%s \"%s\"%s (%zu bytes)",
                   u->dt == BOF_MACRO || s->dt == 1 ? "macro sheet" : "VB module sheet", s->name,
                   (s->hs & 3) == 2   ? ", very hidden"
                   : (s->hs & 3) == 1 ? ", hidden"
                                      : "",
                   u->end - u->start);
        rc = empty_sheet(x, b);
        bs = NULL;
    }
out:
    free(sheet_at);
    free(mp.old);
    free(mp.neu);
    free(mp.rec);
    return rc;
}

/* Verifying: the same constructs looked for, nothing changed. */
static int check_only(struct xls *x)
{
    for (size_t k = 1; k < x->nsub; k++)
        if (x->sub[k].macro)
            return bad(x, "a macro sheet is left");
    struct buf b;
    buf_init(&b, x->n + 64);
    struct map mp = {0};
    size_t *sheet_at = calloc(x->nsh + 1, sizeof(*sheet_at));
    mp.old = malloc((x->globals_end + 1) * sizeof(size_t));
    mp.neu = malloc((x->globals_end + 1) * sizeof(size_t));
    mp.rec = malloc((x->globals_end + 1) * sizeof(size_t));
    int rc = MG_ERR_NOMEM;
    if (sheet_at && mp.old && mp.neu && mp.rec)
        rc = rebuild_globals(x, &b, &mp, sheet_at);
    buf_free(&b);
    free(sheet_at);
    free(mp.old);
    free(mp.neu);
    free(mp.rec);
    return rc;
}

int mso_xls(struct mso *m, struct mso_stream *wb)
{
    struct xls x = {.m = m, .d = wb->data, .n = wb->len};
    struct buf b;
    buf_init(&b, m->max_out);
    int rc;
    if ((rc = read_records(&x)) != MG_OK || (rc = find_substreams(&x)) != MG_OK ||
        (rc = find_sheets(&x)) != MG_OK)
        goto out;
    if (!m->fix) {
        rc = check_only(&x);
        goto out;
    }
    if ((rc = rebuild(&x, &b)) != MG_OK)
        goto out;
    size_t len;
    uint8_t *p = buf_steal(&b, &len);
    free(wb->data);
    wb->data = p;
    wb->len = len;
out:
    if (rc == MG_ERR_LIMIT && m->fix)
        mso_fail(m, rc, REASON_LIMIT, "Excel workbook larger than the output limit");
    buf_free(&b);
    free(x.r);
    free(x.sub);
    free(x.sh);
    return rc;
}
