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
#include "bytes.h"
#include "err.h"
#include "mso.h"
#include "textdec.h"
#include "textout.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RT_FORMULA    0x0006
#define RT_EOF        0x000A
#define RT_DATEMODE   0x0022
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
#define RT_MULRK      0x00BD
#define RT_SST        0x00FC
#define RT_LABELSST   0x00FD
#define RT_RSTRING    0x00D6
#define RT_XF         0x00E0
#define RT_NUMBER     0x0203
#define RT_LABEL      0x0204
#define RT_BOOLERR    0x0205
#define RT_STRING     0x0207
#define RT_RK         0x027E
#define RT_FORMAT     0x041E
#define RT_ARRAY      0x0221
#define RT_TABLE      0x0236
#define RT_SHRFMLA    0x04BC

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
        uint16_t type = bytes_le16(x->d + off), len = bytes_le16(x->d + off + 2);
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
        if (bytes_le16(b->d) != 0x0600)
            return mso_fail(x->m, x->m->fix ? MG_ERR_UNSUPPORTED : MG_ERR_VERIFY,
                            REASON_UNSUPPORTED,
                            "Excel workbook in BIFF version 0x%04X: only BIFF8 (Excel 97-2003) "
                            "can be sanitized; held",
                            bytes_le16(b->d));
        struct sub *s = &x->sub[x->nsub++];
        s->first = i;
        s->start = b->off;
        s->dt = bytes_le16(b->d + 2);
        s->sheet = SIZE_MAX;
        int depth = 0;
        for (; i < x->nr; i++) {
            const struct rec *r = &x->r[i];
            if (r->type == RT_BOF && r->len >= 4) {
                /* Only a chart may sit inside a sheet (an embedded chart). */
                if (depth > 0 && bytes_le16(r->d + 2) != BOF_CHART)
                    return mso_fail(x->m, x->m->fix ? MG_ERR_UNSUPPORTED : MG_ERR_VERIFY,
                                    REASON_UNSUPPORTED,
                                    "Excel workbook: a substream of type 0x%04X inside a sheet",
                                    bytes_le16(r->d + 2));
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
            x->rup_build = bytes_le16(b->d + 4);
            x->rup_year = bytes_le16(b->d + 6);
            x->bof_flags1 = bytes_le32(b->d + 8);
            x->bof_flags2 = bytes_le32(b->d + 12);
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
        unsigned c = high ? bytes_le16(p + k * w) : p[k];
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
        s->pos = bytes_le32(r->d);
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
    uint16_t flags = bytes_le16(r->d);
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
    bytes_put16(h, RT_NAME);
    bytes_put16(h + 2, (uint16_t)body);
    uint8_t *d = h + 4;
    memset(d, 0, 15);
    bytes_put16(d, (uint16_t)(bytes_le16(r->d) & NAME_FHIDDEN));
    d[3] = (uint8_t)nl;
    bytes_put16(d + 4, 2);
    bytes_put16(d + 8, bytes_le16(r->d + 8)); /* itab: the scope stays */
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
    uint16_t cch = bytes_le16(r->d + 2);
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
        if ((high ? bytes_le16(r->d + at) : r->d[at]) == 0x03)
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

/* Room for n records in each of the three arrays; map_free() after, even on false. */
static bool map_alloc(struct map *mp, size_t n)
{
    mp->old = malloc(n * sizeof(size_t));
    mp->neu = malloc(n * sizeof(size_t));
    mp->rec = malloc(n * sizeof(size_t));
    return mp->old && mp->neu && mp->rec;
}

static void map_free(struct map *mp)
{
    free(mp->old);
    free(mp->neu);
    free(mp->rec);
}

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
            if (r->len >= 2 && (bytes_le16(r->d) & 0x0018))
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
    bytes_put16(p, RT_BOF);
    bytes_put16(p + 2, 16);
    bytes_put16(p + 4, 0x0600);
    bytes_put16(p + 6, BOF_SHEET);
    bytes_put16(p + 8, x->rup_build);
    bytes_put16(p + 10, x->rup_year);
    bytes_put32(p + 12, x->bof_flags1);
    bytes_put32(p + 16, x->bof_flags2);
    p += 20;
    bytes_put16(p, RT_DIMENSIONS);
    bytes_put16(p + 2, 14);
    p += 18;
    bytes_put16(p, RT_WINDOW2);
    bytes_put16(p + 2, 18);
    bytes_put16(p + 4, 0x00B6); /* grid, headers, zeros, default colours, outline symbols */
    bytes_put16(p + 10, 64);    /* icvHdr: the default colour */
    p += 22;
    bytes_put16(p, RT_EOF);
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
            uint32_t v = bytes_le32(d + k);
            if (v >= u->start && v < u->end)
                bytes_put32(d + k, (uint32_t)(v - u->start + at));
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
    uint16_t len = bytes_le16(b->data + at + 2);
    uint8_t *d = b->data + at + 4;
    for (size_t k = 2; k + 8 <= len; k += 8) {
        uint32_t v = bytes_le32(d + k);
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
        bytes_put32(d + k, (uint32_t)(mp->neu[j] + (v - r->off)));
    }
    return MG_OK;
}

static int rebuild(struct xls *x, struct buf *b)
{
    struct map mp = {0};
    size_t *sheet_at = calloc(x->nsh + 1, sizeof(*sheet_at));
    bool room = map_alloc(&mp, x->globals_end + 1);
    int rc = MG_ERR_NOMEM;
    if (!sheet_at || !room)
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
        bytes_put32(bs, (uint32_t)b->len);
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
    map_free(&mp);
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
    bool room = map_alloc(&mp, x->globals_end + 1);
    int rc = MG_ERR_NOMEM;
    if (sheet_at && room)
        rc = rebuild_globals(x, &b, &mp, sheet_at);
    buf_free(&b);
    free(sheet_at);
    map_free(&mp);
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

/* ---- text (policy flatten) ------------------------------------------------------- */

/* Cells and shared strings read from one workbook. */
#define TEXT_CELLS_MAX   (16u << 20)
#define TEXT_STRINGS_MAX (16u << 20)

/* A cursor over a record and the CONTINUE records after it, read as one. */
struct seq {
    const struct xls *x;
    size_t rec;  /* record being read */
    size_t pos;  /* in its data */
    size_t last; /* last record of the sequence */
};

static bool seq_byte(struct seq *q, uint8_t *b)
{
    while (q->pos >= q->x->r[q->rec].len) {
        if (q->rec >= q->last)
            return false;
        q->rec++;
        q->pos = 0;
    }
    *b = q->x->r[q->rec].d[q->pos++];
    return true;
}

static bool seq_u16(struct seq *q, uint16_t *v)
{
    uint8_t a, b;
    if (!seq_byte(q, &a) || !seq_byte(q, &b))
        return false;
    *v = (uint16_t)(a | b << 8);
    return true;
}

static bool seq_u32(struct seq *q, uint32_t *v)
{
    uint16_t a, b;
    if (!seq_u16(q, &a) || !seq_u16(q, &b))
        return false;
    *v = (uint32_t)a | (uint32_t)b << 16;
    return true;
}

static bool seq_skip(struct seq *q, uint64_t n)
{
    while (n > 0) {
        size_t here = q->x->r[q->rec].len - q->pos;
        if (here == 0) {
            if (q->rec >= q->last)
                return false;
            q->rec++;
            q->pos = 0;
            continue;
        }
        size_t k = n < here ? (size_t)n : here;
        q->pos += k;
        n -= k;
    }
    return true;
}

/*
 * cch characters of a BIFF8 string into to: 8-bit (the low byte of UTF-16)
 * or UTF-16LE as high says; where the characters go on in a CONTINUE
 * record, that record starts with a new flags byte (fHighByte).
 */
static int seq_chars(struct seq *q, uint32_t cch, bool high, struct textout *to, bool *ok)
{
    uint16_t pend = 0; /* a high surrogate */
    *ok = false;
    for (uint32_t k = 0; k < cch; k++) {
        if (q->pos >= q->x->r[q->rec].len) {
            uint8_t f;
            if (q->rec >= q->last || q->x->r[q->rec + 1].type != RT_CONTINUE)
                return MG_OK;
            q->rec++;
            q->pos = 0;
            if (!seq_byte(q, &f))
                return MG_OK;
            high = f & 1;
        }
        uint16_t c;
        uint8_t b;
        if (high) {
            if (!seq_u16(q, &c))
                return MG_OK;
        } else {
            if (!seq_byte(q, &b))
                return MG_OK;
            c = b;
        }
        uint32_t cp = c;
        if (c >= 0xD800 && c <= 0xDBFF) {
            pend = c;
            continue;
        }
        if (c >= 0xDC00 && c <= 0xDFFF)
            cp = pend ? 0x10000u + (((uint32_t)pend - 0xD800u) << 10) + (c - 0xDC00u) : 0xFFFDu;
        pend = 0;
        int rc = textout_char(to, cp);
        if (rc != MG_OK)
            return rc;
    }
    *ok = true;
    return pend ? textout_char(to, 0xFFFD) : MG_OK;
}

/* An XLUnicodeRichExtendedString (SST), XLUnicodeString (cch16) or ShortXLUnicodeString (cch8). */
static int seq_string(struct seq *q, bool cch8, bool rich_ext, struct textout *to, bool *ok)
{
    uint16_t cch = 0, runs = 0;
    uint32_t ext = 0;
    uint8_t f, b;
    *ok = false;
    if (cch8) {
        if (!seq_byte(q, &b))
            return MG_OK;
        cch = b;
    } else if (!seq_u16(q, &cch)) {
        return MG_OK;
    }
    if (!seq_byte(q, &f))
        return MG_OK;
    if (rich_ext && (f & 0x08) && !seq_u16(q, &runs))
        return MG_OK;
    if (rich_ext && (f & 0x04) && !seq_u32(q, &ext))
        return MG_OK;
    int rc = seq_chars(q, cch, f & 1, to, ok);
    if (rc != MG_OK || !*ok)
        return rc;
    *ok = seq_skip(q, (uint64_t)runs * 4 + ext); /* formatting runs, phonetic data */
    return MG_OK;
}

struct xcell {
    uint32_t row, seq;
    uint16_t col;
    size_t off, len; /* in the text buffer */
};

struct xtext {
    struct xls x;
    struct textout *to;
    bool neutralize, d1904;
    struct buf strings; /* the SST, one string after another */
    size_t *str_off;    /* n_str + 1 */
    size_t n_str, cap_str;
    uint8_t *xf_kind; /* per XF: bit 0 date, bit 1 time */
    size_t n_xf;
    struct fmt {
        uint16_t id;
        size_t off, len; /* in codes */
    } * fmts;
    size_t n_fmts;
    struct buf codes;
    struct buf cells_text;
    struct xcell *cells;
    size_t n_cells, cap_cells;
    unsigned bad_strings;
};

static int xt_limit(struct xtext *t, const char *what)
{
    return mso_fail(t->x.m, MG_ERR_LIMIT, REASON_LIMIT, "Excel workbook: %s", what);
}

static int xt_sst(struct xtext *t, size_t i)
{
    const struct rec *r = &t->x.r[i];
    size_t last = i;
    while (last + 1 < t->x.nr && t->x.r[last + 1].type == RT_CONTINUE)
        last++;
    struct seq q = {&t->x, i, 8, last};
    if (r->len < 8)
        return bad(&t->x, "SST record too short");
    uint32_t unique = bytes_le32(r->d + 4);
    struct textout to;
    textout_init(&to, &t->strings);
    for (uint32_t k = 0; k < unique; k++) {
        if (t->n_str + 2 > t->cap_str) {
            size_t nc = t->cap_str ? t->cap_str * 2 : 256;
            if (nc > TEXT_STRINGS_MAX)
                return xt_limit(t, "too many shared strings");
            size_t *p = realloc(t->str_off, nc * sizeof(*p));
            if (p == NULL)
                return MG_ERR_NOMEM;
            t->str_off = p;
            t->cap_str = nc;
            t->str_off[0] = 0;
        }
        bool ok;
        int rc = seq_string(&q, false, true, &to, &ok);
        if (rc != MG_OK)
            return rc;
        if (!ok)
            break; /* the table ends early: the strings read so far stand */
        t->str_off[++t->n_str] = t->strings.len;
    }
    t->to->dropped += to.dropped;
    return MG_OK;
}

/* FORMAT and XF records: which cell formats show dates and times. */
static int xt_formats(struct xtext *t)
{
    size_t nxf = 0;
    for (size_t i = 0; i < t->x.globals_end; i++)
        nxf += t->x.r[i].type == RT_XF;
    t->fmts = calloc(t->x.globals_end + 1, sizeof(*t->fmts));
    t->xf_kind = calloc(nxf + 1, 1);
    if (t->fmts == NULL || t->xf_kind == NULL)
        return MG_ERR_NOMEM;
    struct textout to;
    textout_init(&to, &t->codes);
    for (size_t i = 0; i < t->x.globals_end; i++) {
        const struct rec *r = &t->x.r[i];
        if (r->type == RT_DATEMODE && r->len >= 2)
            t->d1904 = bytes_le16(r->d) == 1;
        if (r->type != RT_FORMAT || r->len < 5)
            continue;
        struct seq q = {&t->x, i, 2, i};
        size_t at = t->codes.len;
        bool ok;
        int rc = seq_string(&q, false, false, &to, &ok);
        if (rc == MG_OK)
            rc = buf_putc(&t->codes, 0);
        if (rc != MG_OK)
            return rc;
        t->fmts[t->n_fmts++] = (struct fmt){bytes_le16(r->d), at, t->codes.len - at - 1};
    }
    for (size_t i = 0; i < t->x.globals_end; i++) {
        const struct rec *r = &t->x.r[i];
        if (r->type != RT_XF || r->len < 4)
            continue;
        uint16_t ifmt = bytes_le16(r->d + 2);
        const char *code = NULL;
        for (size_t k = 0; k < t->n_fmts; k++)
            if (t->fmts[k].id == ifmt)
                code = (const char *)t->codes.data + t->fmts[k].off;
        bool date, time;
        textout_numfmt_kind(code ? -1 : ifmt, code, &date, &time);
        t->xf_kind[t->n_xf++] = (uint8_t)((date ? 1 : 0) | (time ? 2 : 0));
    }
    return MG_OK;
}

/* Start a cell: its text goes into cells_text until xt_cell_end. */
static int xt_cell_begin(struct xtext *t, uint16_t row, uint16_t col)
{
    if (t->n_cells == t->cap_cells) {
        size_t nc = t->cap_cells ? t->cap_cells * 2 : 256;
        if (nc > TEXT_CELLS_MAX)
            return xt_limit(t, "too many cells");
        struct xcell *p = realloc(t->cells, nc * sizeof(*p));
        if (p == NULL)
            return MG_ERR_NOMEM;
        t->cells = p;
        t->cap_cells = nc;
    }
    t->cells[t->n_cells] = (struct xcell){row, (uint32_t)t->n_cells, col, t->cells_text.len, 0};
    return MG_OK;
}

static void xt_cell_end(struct xtext *t)
{
    struct xcell *c = &t->cells[t->n_cells];
    c->len = t->cells_text.len - c->off;
    if (c->len)
        t->n_cells++;
}

static int xt_number(struct xtext *t, uint16_t row, uint16_t col, uint16_t ixfe, double v)
{
    int rc = xt_cell_begin(t, row, col);
    if (rc != MG_OK)
        return rc;
    uint8_t kind = ixfe < t->n_xf ? t->xf_kind[ixfe] : 0;
    rc = kind ? textout_serial_date(&t->cells_text, v, t->d1904, kind & 1, kind & 2)
              : textout_number(&t->cells_text, v);
    xt_cell_end(t);
    return rc;
}

static double rk_value(uint32_t rk)
{
    double v;
    if (rk & 2) {
        v = (double)((int32_t)rk >> 2);
    } else {
        uint64_t bits = (uint64_t)(rk & 0xFFFFFFFCu) << 32;
        memcpy(&v, &bits, sizeof(v));
    }
    return (rk & 1) ? v / 100 : v;
}

static double f64(const uint8_t *p)
{
    uint64_t bits = (uint64_t)bytes_le32(p) | (uint64_t)bytes_le32(p + 4) << 32;
    double v;
    memcpy(&v, &bits, sizeof(v));
    return v;
}

static const char *error_text(uint8_t e)
{
    switch (e) {
    case 0x00:
        return "#NULL!";
    case 0x07:
        return "#DIV/0!";
    case 0x0F:
        return "#VALUE!";
    case 0x17:
        return "#REF!";
    case 0x1D:
        return "#NAME?";
    case 0x24:
        return "#NUM!";
    case 0x2A:
        return "#N/A";
    default:
        return "#N/A";
    }
}

static int xt_literal(struct xtext *t, uint16_t row, uint16_t col, const char *s)
{
    int rc = xt_cell_begin(t, row, col);
    if (rc == MG_OK)
        rc = buf_puts(&t->cells_text, s);
    xt_cell_end(t);
    return rc;
}

/* A string cell from the record at i (LABEL, RSTRING: XLUnicodeString after 6 bytes). */
static int xt_string_cell(struct xtext *t, size_t i, size_t at, uint16_t row, uint16_t col)
{
    struct textout to;
    textout_init(&to, &t->cells_text);
    struct seq q = {&t->x, i, at, i};
    bool ok;
    int rc = xt_cell_begin(t, row, col);
    if (rc == MG_OK)
        rc = seq_string(&q, false, false, &to, &ok);
    xt_cell_end(t);
    t->to->dropped += to.dropped;
    return rc;
}

/* The cells of substream u, in the order Excel shows them. */
static int xt_sheet_cells(struct xtext *t, const struct sub *u)
{
    int rc = MG_OK, depth = 0;
    bool pending = false; /* a formula whose string result is in the next STRING */
    uint16_t prow = 0, pcol = 0;
    t->n_cells = 0;
    buf_reset(&t->cells_text);
    for (size_t i = u->first; i <= u->last && rc == MG_OK; i++) {
        const struct rec *r = &t->x.r[i];
        if (r->type == RT_BOF) {
            depth++;
            continue;
        }
        if (r->type == RT_EOF) {
            depth--;
            continue;
        }
        if (depth != 1)
            continue; /* an embedded chart */
        const uint8_t *d = r->d;
        uint16_t row = r->len >= 6 ? bytes_le16(d) : 0, col = r->len >= 6 ? bytes_le16(d + 2) : 0;
        uint16_t ixfe = r->len >= 6 ? bytes_le16(d + 4) : 0;
        if (r->type != RT_STRING && r->type != RT_SHRFMLA && r->type != RT_ARRAY &&
            r->type != RT_TABLE && r->type != RT_CONTINUE)
            pending = false;
        switch (r->type) {
        case RT_LABELSST:
            if (r->len >= 10) {
                uint32_t k = bytes_le32(d + 6);
                if (k < t->n_str) {
                    rc = xt_cell_begin(t, row, col);
                    if (rc == MG_OK)
                        rc = buf_append(&t->cells_text, t->strings.data + t->str_off[k],
                                        t->str_off[k + 1] - t->str_off[k]);
                    xt_cell_end(t);
                } else {
                    t->bad_strings++;
                }
            }
            break;
        case RT_LABEL:
        case RT_RSTRING:
            if (r->len >= 9)
                rc = xt_string_cell(t, i, 6, row, col);
            break;
        case RT_NUMBER:
            if (r->len >= 14)
                rc = xt_number(t, row, col, ixfe, f64(d + 6));
            break;
        case RT_RK:
            if (r->len >= 10)
                rc = xt_number(t, row, col, ixfe, rk_value(bytes_le32(d + 6)));
            break;
        case RT_MULRK:
            /* row, first column, (ixfe, rk) per column, last column */
            for (size_t k = 0; r->len >= 6 && 4 + 6 * (k + 1) + 2 <= r->len && rc == MG_OK; k++)
                rc = xt_number(t, row, (uint16_t)(col + k), bytes_le16(d + 4 + 6 * k),
                               rk_value(bytes_le32(d + 6 + 6 * k)));
            break;
        case RT_BOOLERR:
            if (r->len >= 8)
                rc = xt_literal(t, row, col, d[7] ? error_text(d[6]) : d[6] ? "TRUE" : "FALSE");
            break;
        case RT_FORMULA:
            /* The last result, never the formula. */
            if (r->len < 14)
                break;
            if (bytes_le16(d + 12) != 0xFFFF)
                rc = xt_number(t, row, col, ixfe, f64(d + 6));
            else if (d[6] == 0)
                pending = true, prow = row, pcol = col;
            else if (d[6] == 1)
                rc = xt_literal(t, row, col, d[8] ? "TRUE" : "FALSE");
            else if (d[6] == 2)
                rc = xt_literal(t, row, col, error_text(d[8]));
            break;
        case RT_STRING:
            if (pending && r->len >= 3)
                rc = xt_string_cell(t, i, 0, prow, pcol);
            pending = false;
            break;
        default:
            break;
        }
    }
    return rc;
}

static int xcell_cmp(const void *a, const void *b)
{
    const struct xcell *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The collected cells as CSV lines: rows from the first, columns from A. */
static int xt_write_cells(struct xtext *t)
{
    struct buf *out = t->to->out;
    if (t->n_cells > 1)
        qsort(t->cells, t->n_cells, sizeof(*t->cells), xcell_cmp);
    uint32_t row = 0; /* the row the next line is */
    uint32_t col = 0; /* fields written on the current line */
    int rc = MG_OK;
    bool open = false;
    for (size_t i = 0; i < t->n_cells && rc == MG_OK; i++) {
        const struct xcell *c = &t->cells[i];
        if (i > 0 && c->row == t->cells[i - 1].row && c->col == t->cells[i - 1].col)
            continue; /* the same cell twice: the first stands */
        if (open && c->row != row) {
            rc = buf_putc(out, '\n');
            row++;
            open = false;
        }
        for (; rc == MG_OK && row < c->row; row++)
            rc = buf_putc(out, '\n');
        if (!open) {
            open = true;
            col = 0;
        }
        for (uint32_t k = col == 0 ? c->col : (uint32_t)c->col - col + 1; rc == MG_OK && k > 0; k--)
            rc = buf_putc(out, ',');
        if (rc == MG_OK)
            rc = textout_csv_field(out, t->cells_text.data + c->off, c->len, t->neutralize);
        col = (uint32_t)c->col + 1;
    }
    if (rc == MG_OK && open)
        rc = buf_putc(out, '\n');
    return rc;
}

/* A BOUNDSHEET's name into to. */
static int xt_sheet_name(struct xtext *t, const struct sheet *s)
{
    struct seq q = {&t->x, s->rec, 6, s->rec};
    bool ok;
    return seq_string(&q, true, false, t->to, &ok);
}

int mso_xls_text(struct mso *m, const struct mso_stream *wb, bool neutralize, struct textout *to,
                 unsigned *sheets, unsigned *skipped)
{
    struct xtext t;
    memset(&t, 0, sizeof(t));
    t.x = (struct xls){.m = m, .d = wb->data, .n = wb->len};
    t.to = to;
    t.neutralize = neutralize;
    buf_init(&t.strings, to->out->max);
    buf_init(&t.codes, to->out->max);
    buf_init(&t.cells_text, to->out->max);
    int rc;
    if ((rc = read_records(&t.x)) != MG_OK || (rc = find_substreams(&t.x)) != MG_OK ||
        (rc = find_sheets(&t.x)) != MG_OK)
        goto out;
    for (size_t i = 0; i < t.x.globals_end; i++) {
        if (t.x.r[i].type == RT_FILEPASS) {
            rc = mso_fail(m, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                          "Excel workbook protected by a password (FILEPASS): it is encrypted "
                          "and cannot be read");
            goto out;
        }
        if (t.x.r[i].type == RT_SST && t.n_str == 0 && (rc = xt_sst(&t, i)) != MG_OK)
            goto out;
    }
    if ((rc = xt_formats(&t)) != MG_OK)
        goto out;
    for (size_t k = 0; k < t.x.nsh && rc == MG_OK; k++) {
        const struct sheet *s = &t.x.sh[k];
        const struct sub *u = &t.x.sub[s->sub];
        bool ws = !u->macro && u->dt == BOF_SHEET && s->dt == 0;
        rc = textout_end_line(to);
        if (rc == MG_OK)
            rc = buf_printf(to->out, "--- sheet %zu: ", k + 1);
        if (rc == MG_OK)
            rc = xt_sheet_name(&t, s);
        if (rc == MG_OK)
            rc = buf_printf(to->out, "%s%s ---\n", (s->hs & 3) ? " (hidden)" : "",
                            ws ? "" : " (not a worksheet: no text taken)");
        if (!ws) {
            (*skipped)++;
            continue;
        }
        if (rc == MG_OK)
            rc = xt_sheet_cells(&t, u);
        if (rc == MG_OK)
            rc = xt_write_cells(&t);
        (*sheets)++;
    }
out:
    buf_free(&t.strings);
    buf_free(&t.codes);
    buf_free(&t.cells_text);
    free(t.str_off);
    free(t.xf_kind);
    free(t.fmts);
    free(t.cells);
    free(t.x.r);
    free(t.x.sub);
    free(t.x.sh);
    return rc;
}
