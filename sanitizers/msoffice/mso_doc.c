/*
 * mso_doc - Word 97-2003: the FIB, the piece table and fields.
 *
 * A field sits in the document text as 0x13 (begin), its instruction,
 * optionally 0x14 (separator) and the cached result, then 0x15 (end); the
 * table stream lists every such character's position in one PlcFld per
 * document part (main text, footnotes, headers, comments, endnotes, text
 * boxes, header text boxes). The text itself is reached through the piece
 * table (the Clx), each piece one run of characters, 8-bit or UTF-16, at
 * some offset of the WordDocument stream.
 *
 * The walk reads every part's text, checks that its field characters are
 * exactly those its PlcFld lists (a character Word would take for a field
 * that we did not see is how a field would slip past), pairs them into
 * nested fields, and reads each instruction's keyword. A field whose
 * keyword is not on the allowlist (fields that only compute or show
 * document data), or whose keyword is built by a nested field, or a
 * HYPERLINK to anything but http, https or mailto, is made inert: every
 * character of its instruction other than nested field marks becomes a
 * space (in the piece's own encoding), its PlcFld type becomes "unknown"
 * and it is locked so that Word does not update it. The cached result is
 * left as it is, and no character moves, so no other structure of the
 * file needs to change.
 */
#include "bytes.h"
#include "err.h"
#include "mso.h"
#include "textdec.h"
#include "textout.h"
#include "wordfield.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIB_IDENT        0xA5EC
#define FIB_MIN_NFIB     0xC0 /* Word 97; Word 6 and 95 use 0x65 to 0x68 */
#define FIB_FENCRYPTED   0x0100
#define FIB_FWHICHTBLSTM 0x0200
#define FIB_FOBFUSCATED  0x8000

#define FLD_BEGIN 0x13
#define FLD_SEP   0x14
#define FLD_END   0x15

#define FLT_UNKNOWN 0x01
#define FLD_LOCKED  0x10

/* Fields reported one by one; past this, a count. */
#define FIELD_REPORT_MAX 32
/* Pieces in a piece table (each 12 bytes of table stream). */
#define PIECES_MAX (1u << 20)

/* Fields that only compute, format, number, cross-reference or show
 * document data; the same list the OOXML sanitizer uses. */
static const char *const field_allow[] = {
        "ADDRESSBLOCK", "ADVANCE",     "ASK",         "AUTHOR",       "AUTONUM",
        "AUTONUMLGL",   "AUTONUMOUT",  "AUTOTEXT",    "AUTOTEXTLIST", "BARCODE",
        "BIBLIOGRAPHY", "BIDIOUTLINE", "CITATION",    "COMMENTS",     "COMPARE",
        "CREATEDATE",   "DATE",        "DOCPROPERTY", "DOCVARIABLE",  "EDITTIME",
        "EQ",           "FILENAME",    "FILESIZE",    "FILLIN",       "FORMCHECKBOX",
        "FORMDROPDOWN", "FORMTEXT",    "GOTOBUTTON",  "GREETINGLINE", "HYPERLINK",
        "IF",           "INDEX",       "INFO",        "KEYWORDS",     "LASTSAVEDBY",
        "LISTNUM",      "MERGEFIELD",  "MERGEREC",    "MERGESEQ",     "NEXT",
        "NEXTIF",       "NOTEREF",     "NUMCHARS",    "NUMPAGES",     "NUMWORDS",
        "PAGE",         "PAGEREF",     "PRINTDATE",   "QUOTE",        "REF",
        "REVNUM",       "SAVEDATE",    "SECTION",     "SECTIONPAGES", "SEQ",
        "SET",          "SHAPE",       "SKIPIF",      "STYLEREF",     "SUBJECT",
        "SYMBOL",       "TA",          "TC",          "TEMPLATE",     "TIME",
        "TITLE",        "TOA",         "TOC",         "USERADDRESS",  "USERINITIALS",
        "USERNAME",     "XE",          "=",
};

struct piece {
    uint32_t cp, ncp;
    size_t off; /* in WordDocument */
    bool compressed;
};

/* One document part: its CP range and the FibRgFcLcb97 index of its PlcFld. */
struct part {
    const char *name;
    unsigned ccp_index; /* in FibRgLw97 */
    unsigned plc_index; /* in FibRgFcLcb97 */
};

static const struct part parts[] = {
        {"main text", 3, 16},  {"footnotes", 4, 18},          {"headers", 5, 17},
        {"macros", 6, 20},     {"comments", 7, 19},           {"endnotes", 8, 48},
        {"text boxes", 9, 57}, {"header text boxes", 10, 59},
};
#define NPARTS (sizeof(parts) / sizeof(parts[0]))

struct doc {
    struct mso *m;
    uint8_t *wd;
    size_t wn;
    uint8_t *tb;
    size_t tn;
    size_t lw, fclcb; /* offsets of FibRgLw97 and FibRgFcLcb97 */
    unsigned nfclcb;
    struct piece *pc;
    size_t npc;
    unsigned reported, more;
};

static int bad(struct mso *m, const char *what)
{
    return mso_fail(m, m->fix ? MG_ERR_PARSE : MG_ERR_VERIFY,
                    m->fix ? REASON_PARSE_ERROR : REASON_VERIFY_FAILED, "Word document: %s", what);
}

/* ---- FIB ------------------------------------------------------------------- */

int mso_doc_table(struct mso *m, const uint8_t *wd, size_t n, const char **table)
{
    if (n < 0x20 || bytes_le16(wd) != FIB_IDENT)
        return bad(m, "no Word 97-2003 header (FIB)");
    uint16_t nfib = bytes_le16(wd + 2), flags = bytes_le16(wd + 0x0A);
    if (nfib < FIB_MIN_NFIB)
        return mso_fail(m, m->fix ? MG_ERR_UNSUPPORTED : MG_ERR_VERIFY, REASON_UNSUPPORTED,
                        "Word 6.0/95 document (nFib 0x%04X): only Word 97-2003 documents can "
                        "be sanitized; held",
                        nfib);
    if (flags & (FIB_FENCRYPTED | FIB_FOBFUSCATED))
        return mso_fail(m, m->fix ? MG_ERR_ENCRYPTED : MG_ERR_VERIFY, REASON_ENCRYPTED,
                        "Word document protected by a password (fEncrypted): it is encrypted and "
                        "cannot be inspected");
    *table = (flags & FIB_FWHICHTBLSTM) ? "1Table" : "0Table";
    return MG_OK;
}

static int read_fib(struct doc *d)
{
    size_t o = 0x20;
    if (d->wn < o + 2)
        return bad(d->m, "FIB cut short");
    size_t csw = bytes_le16(d->wd + o);
    o += 2 + csw * 2;
    if (csw < 14 || d->wn < o + 2)
        return bad(d->m, "FIB cut short");
    size_t cslw = bytes_le16(d->wd + o);
    d->lw = o + 2;
    o += 2 + cslw * 4;
    if (cslw < 22 || d->wn < o + 2)
        return bad(d->m, "FIB cut short");
    d->nfclcb = bytes_le16(d->wd + o);
    d->fclcb = o + 2;
    if (d->nfclcb < 93 || d->wn < d->fclcb + (size_t)d->nfclcb * 8)
        return bad(d->m, "FIB cut short");
    return MG_OK;
}

static uint32_t fib_lw(const struct doc *d, unsigned i)
{
    return bytes_le32(d->wd + d->lw + 4 * i);
}

/* fc/lcb pair i of FibRgFcLcb97: a range of the table stream. */
static int fib_range(struct doc *d, unsigned i, size_t *fc, size_t *lcb)
{
    *fc = bytes_le32(d->wd + d->fclcb + 8 * i);
    *lcb = bytes_le32(d->wd + d->fclcb + 8 * i + 4);
    if (*lcb && (*fc > d->tn || d->tn - *fc < *lcb))
        return bad(d->m, "a table structure lies outside the table stream");
    return MG_OK;
}

/* ---- piece table -------------------------------------------------------------------- */

static int read_pieces(struct doc *d, uint64_t total)
{
    size_t fc, lcb;
    int rc = fib_range(d, 33, &fc, &lcb); /* Clx */
    if (rc != MG_OK)
        return rc;
    const uint8_t *p = d->tb + fc, *end = p + lcb;
    while (p < end && *p == 0x01) { /* Prc: formatting the pieces refer to */
        if (end - p < 3)
            return bad(d->m, "piece table cut short");
        int16_t cb = (int16_t)bytes_le16(p + 1);
        if (cb < 0 || end - p - 3 < cb)
            return bad(d->m, "piece table cut short");
        p += 3 + cb;
    }
    if (end - p < 5 || *p != 0x02)
        return bad(d->m, "no piece table");
    size_t plen = bytes_le32(p + 1);
    p += 5;
    if ((size_t)(end - p) < plen || plen < 16 || (plen - 4) % 12 != 0)
        return bad(d->m, "piece table of a bad size");
    d->npc = (plen - 4) / 12;
    if (d->npc > PIECES_MAX)
        return bad(d->m, "too many pieces");
    d->pc = calloc(d->npc, sizeof(*d->pc));
    if (d->pc == NULL)
        return MG_ERR_NOMEM;
    const uint8_t *pcd = p + 4 * (d->npc + 1);
    for (size_t i = 0; i < d->npc; i++) {
        uint32_t cp = bytes_le32(p + 4 * i), next = bytes_le32(p + 4 * i + 4);
        uint32_t fcv = bytes_le32(pcd + 8 * i + 2);
        if ((i == 0 && cp != 0) || next <= cp)
            return bad(d->m, "piece table positions out of order");
        struct piece *pc = &d->pc[i];
        pc->cp = cp;
        pc->ncp = next - cp;
        pc->compressed = (fcv & 0x40000000u) != 0;
        uint32_t f = fcv & 0x3FFFFFFFu;
        pc->off = pc->compressed ? f / 2 : f;
        size_t bytes = (size_t)pc->ncp * (pc->compressed ? 1 : 2);
        if (pc->off > d->wn || d->wn - pc->off < bytes)
            return bad(d->m, "a piece of text lies outside the WordDocument stream");
    }
    if ((uint64_t)d->pc[d->npc - 1].cp + d->pc[d->npc - 1].ncp < total)
        return bad(d->m, "the piece table does not cover the text");
    return MG_OK;
}

/* The piece holding cp (pieces are sorted; binary search). */
static const struct piece *piece_at(const struct doc *d, uint32_t cp)
{
    size_t lo = 0, hi = d->npc;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < d->pc[mid].cp)
            hi = mid;
        else if (cp - d->pc[mid].cp >= d->pc[mid].ncp)
            lo = mid + 1;
        else
            return &d->pc[mid];
    }
    return NULL;
}

static uint16_t char_at(const struct doc *d, uint32_t cp)
{
    const struct piece *p = piece_at(d, cp);
    if (p == NULL)
        return 0xFFFF;
    size_t k = cp - p->cp;
    return p->compressed ? d->wd[p->off + k] : bytes_le16(d->wd + p->off + 2 * k);
}

static void set_space(struct doc *d, uint32_t cp)
{
    const struct piece *p = piece_at(d, cp);
    if (p == NULL)
        return;
    size_t k = cp - p->cp;
    if (p->compressed) {
        d->wd[p->off + k] = ' ';
    } else {
        d->wd[p->off + 2 * k] = ' ';
        d->wd[p->off + 2 * k + 1] = 0;
    }
}

/* ---- fields ----------------------------------------------------------------------------- */

struct mark {
    uint32_t cp; /* absolute */
    uint8_t ch;
    uint8_t *fld; /* its Fld in the table stream (2 bytes) */
};

struct field {
    size_t b, s, e; /* mark indexes; s == SIZE_MAX without a separator */
    size_t parent;  /* enclosing field whose instruction holds this one, or SIZE_MAX */
    bool inert;
};

static bool is_marker(uint16_t c)
{
    return c == FLD_BEGIN || c == FLD_SEP || c == FLD_END;
}

/* The part's field characters must be exactly those its PlcFld lists. */
static int read_marks(struct doc *d, const struct part *pt, uint32_t start, uint32_t len,
                      struct mark **out, size_t *nout)
{
    size_t fc, lcb, n = 0;
    int rc = fib_range(d, pt->plc_index, &fc, &lcb);
    if (rc != MG_OK)
        return rc;
    if (lcb != 0 && (lcb < 4 || (lcb - 4) % 6 != 0))
        return bad(d->m, "field table of a bad size");
    size_t nfld = lcb ? (lcb - 4) / 6 : 0;
    const uint8_t *plc = d->tb + fc;
    struct mark *mk = calloc(nfld + 1, sizeof(*mk));
    if (mk == NULL)
        return MG_ERR_NOMEM;
    for (uint32_t cp = 0; cp < len; cp++) {
        uint16_t c = char_at(d, start + cp);
        if (!is_marker(c))
            continue;
        if (n >= nfld || bytes_le32(plc + 4 * n) != cp ||
            (plc[4 * (nfld + 1) + 2 * n] & 0x1F) != c) {
            free(mk);
            return mso_fail(d->m, d->m->fix ? MG_ERR_PARSE : MG_ERR_VERIFY, REASON_PARSE_ERROR,
                            "Word document: a field character in the %s that the field table "
                            "does not list",
                            pt->name);
        }
        mk[n] = (struct mark){start + cp, (uint8_t)c, (uint8_t *)plc + 4 * (nfld + 1) + 2 * n};
        n++;
    }
    if (n != nfld) {
        free(mk);
        return bad(d->m, "the field table lists characters that are not fields");
    }
    *out = mk;
    *nout = n;
    return MG_OK;
}

/* Pair the marks into fields; nesting must balance. */
static int pair_fields(struct doc *d, const struct mark *mk, size_t n, struct field **out,
                       size_t *nout)
{
    struct field *f = calloc(n / 2 + 1, sizeof(*f));
    size_t *stack = calloc(n + 1, sizeof(*stack));
    size_t nf = 0, sp = 0;
    int rc = MG_OK;
    if (!f || !stack) {
        rc = MG_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n && rc == MG_OK; i++) {
        if (mk[i].ch == FLD_BEGIN) {
            f[nf] = (struct field){i, SIZE_MAX, SIZE_MAX, SIZE_MAX, false};
            /* Inside another field's instruction (not its result)? */
            if (sp > 0 && f[stack[sp - 1]].s == SIZE_MAX)
                f[nf].parent = stack[sp - 1];
            stack[sp++] = nf++;
        } else if (sp == 0) {
            rc = bad(d->m, "a field separator or end outside any field");
        } else if (mk[i].ch == FLD_SEP) {
            if (f[stack[sp - 1]].s != SIZE_MAX)
                rc = bad(d->m, "a field with two separators");
            f[stack[sp - 1]].s = i;
        } else {
            f[stack[--sp]].e = i;
        }
    }
    if (rc == MG_OK && sp != 0)
        rc = bad(d->m, "a field without its end");
out:
    free(stack);
    if (rc != MG_OK) {
        free(f);
        return rc;
    }
    *out = f;
    *nout = nf;
    return MG_OK;
}

/* Instruction of field f as ASCII (nested fields as \x01, others as '?'). */
static size_t instruction(const struct doc *d, const struct mark *mk, const struct field *f,
                          char *buf, size_t cap, bool *blank)
{
    uint32_t from = mk[f->b].cp + 1;
    uint32_t to = mk[f->s != SIZE_MAX ? f->s : f->e].cp;
    size_t o = 0;
    int depth = 0;
    *blank = true;
    for (uint32_t cp = from; cp < to; cp++) {
        uint16_t c = char_at(d, cp);
        if (c != ' ' && !is_marker(c))
            *blank = false;
        if (c == FLD_BEGIN) {
            if (depth++ == 0 && o + 1 < cap)
                buf[o++] = '\x01';
            continue;
        }
        if (c == FLD_END) {
            depth--;
            continue;
        }
        if (depth > 0 || o + 1 >= cap)
            continue;
        buf[o++] = c < 0x80 && c >= 0x20 ? (char)c : (c == '\t' ? ' ' : '?');
    }
    buf[o] = 0;
    return o;
}

/* Whether a HYPERLINK instruction's target may stay. */
static bool hyperlink_ok(const struct doc *d, const char *s, size_t n)
{
    if (memchr(s, '\x01', n) != NULL)
        return false; /* the target would be computed */
    size_t start, len;
    if (!wordfield_hyperlink_target(s, n, &start, &len))
        return true; /* only a bookmark: stays inside the document */
    return mso_link_ok(d->m, s + start, len);
}

/* The keyword if the field may stay as it is, NULL (and *kw set) if not. */
static bool field_ok(const struct doc *d, const char *ins, size_t n, char *kw, size_t kwcap)
{
    size_t i = 0, k = 0;
    while (i < n && ins[i] == ' ')
        i++;
    if (i < n && ins[i] == '=') {
        snprintf(kw, kwcap, "=");
        return true;
    }
    while (i < n && ins[i] != ' ' && ins[i] != '\\' && ins[i] != '"' && ins[i] != '\x01' &&
           k + 1 < kwcap)
        kw[k++] = ins[i++];
    kw[k] = 0;
    if (k == 0) {
        snprintf(kw, kwcap, "%s", i < n && ins[i] == '\x01' ? "(built by a nested field)" : "?");
        return false;
    }
    for (size_t a = 0; a < sizeof(field_allow) / sizeof(field_allow[0]); a++) {
        if (strcasecmp(kw, field_allow[a]) != 0)
            continue;
        if (strcasecmp(kw, "HYPERLINK") == 0)
            return hyperlink_ok(d, ins + i, n - i);
        return true;
    }
    return false;
}

static void make_inert(struct doc *d, struct mark *mk, struct field *f, size_t nf, size_t k)
{
    struct field *x = &f[k];
    uint32_t from = mk[x->b].cp + 1, to = mk[x->s != SIZE_MAX ? x->s : x->e].cp;
    for (uint32_t cp = from; cp < to; cp++)
        if (!is_marker(char_at(d, cp)))
            set_space(d, cp);
    /* This field and every field inside its instruction: type unknown, locked. */
    for (size_t j = k; j < nf; j++) {
        if (mk[f[j].b].cp > to)
            break;
        if (j != k && mk[f[j].b].cp < from)
            continue;
        mk[f[j].b].fld[1] = FLT_UNKNOWN;
        mk[f[j].e].fld[1] |= FLD_LOCKED;
        f[j].inert = true;
    }
}

static const char *WHY_FIELD = "fields such as DDE, INCLUDETEXT, INCLUDEPICTURE, LINK and IMPORT "
                               "run programs or fetch files when the document is opened or "
                               "updated; the instruction is blanked and the field locked, its "
                               "last result stays";

static int check_part(struct doc *d, const struct part *pt, uint32_t start, uint32_t len)
{
    struct mark *mk = NULL;
    struct field *f = NULL;
    size_t nm = 0, nf = 0;
    char ins[1024], kw[64];
    int rc = read_marks(d, pt, start, len, &mk, &nm);
    if (rc == MG_OK)
        rc = pair_fields(d, mk, nm, &f, &nf);
    for (size_t k = 0; k < nf && rc == MG_OK; k++) {
        if (f[k].inert)
            continue;
        bool blank;
        size_t n = instruction(d, mk, &f[k], ins, sizeof(ins), &blank);
        if (blank || field_ok(d, ins, n, kw, sizeof(kw)))
            continue;
        if (!d->m->fix) {
            rc = bad(d->m, "a field that runs or fetches something is left");
            break;
        }
        make_inert(d, mk, f, nf, k);
        if (d->reported++ < FIELD_REPORT_MAX)
            mso_action(d->m, ACTION_REMOVED, WHY_FIELD,
                       "field %s in the %s (instruction \"%.80s\")", kw, pt->name, ins);
        else
            d->more++;
    }
    free(mk);
    free(f);
    return rc;
}

/*
 * The attached template (SttbfAssoc, string 1): Word looks for it when the
 * document opens, so a path on another machine (\\server\share, a URL)
 * makes Word connect there, handing over the user's credentials. Such a
 * path is blanked in place (spaces: no length changes); a local path stays.
 */
#define ASSOC_DOT 1

static bool remote_path(const uint8_t *p, size_t cch)
{
    char s[256];
    size_t n = cch < sizeof(s) - 1 ? cch : sizeof(s) - 1;
    for (size_t i = 0; i < n; i++) {
        uint16_t c = bytes_le16(p + 2 * i);
        s[i] = c < 0x80 ? (char)c : '?';
    }
    s[n] = 0;
    const char *t = s;
    while (*t == ' ')
        t++;
    if (*t == 0)
        return false;
    return (t[0] == '\\' || t[0] == '/') && (t[1] == '\\' || t[1] == '/')
                   ? true
                   : strstr(t, "://") != NULL || strncasecmp(t, "file:", 5) == 0 ||
                             strncasecmp(t, "http", 4) == 0;
}

static int attached_template(struct doc *d)
{
    size_t fc, lcb;
    int rc = fib_range(d, 32, &fc, &lcb);
    if (rc != MG_OK || lcb == 0)
        return rc;
    uint8_t *p = d->tb + fc;
    if (lcb < 6 || bytes_le16(p) != 0xFFFF)
        return bad(d->m, "attached template table of an unknown form");
    size_t count = bytes_le16(p + 2), o = 6;
    for (size_t i = 0; i < count && i <= ASSOC_DOT; i++) {
        if (lcb - o < 2)
            return bad(d->m, "attached template table cut short");
        size_t cch = bytes_le16(p + o);
        if ((lcb - o - 2) / 2 < cch)
            return bad(d->m, "attached template table cut short");
        if (i == ASSOC_DOT && remote_path(p + o + 2, cch)) {
            if (!d->m->fix)
                return bad(d->m, "a remote attached template is left");
            char path[160];
            size_t k = 0;
            for (; k < cch && k + 1 < sizeof(path); k++) {
                uint16_t c = bytes_le16(p + o + 2 + 2 * k);
                path[k] = c >= 0x20 && c < 0x7F ? (char)c : '?';
            }
            path[k] = 0;
            for (size_t j = 0; j < cch; j++) {
                p[o + 2 + 2 * j] = ' ';
                p[o + 3 + 2 * j] = 0;
            }
            mso_action(d->m, ACTION_REMOVED,
                       "Word opens the attached template with the document: a remote path "
                       "fetches it (and hands over the user's credentials)",
                       "attached template \"%.120s\"", path);
        }
        o += 2 + 2 * cch;
    }
    return MG_OK;
}

/* The FIB and the piece table for all the text parts, as sanitizing and
 * flatten both need them. */
static int open_text(struct doc *d)
{
    int rc = read_fib(d);
    if (rc != MG_OK)
        return rc;
    uint64_t total = 0, extra = 0;
    for (size_t i = 0; i < NPARTS; i++) {
        total += fib_lw(d, parts[i].ccp_index);
        if (i > 0)
            extra |= fib_lw(d, parts[i].ccp_index);
    }
    /* Every character takes at least a byte of WordDocument: a longer text
     * would be pieces read over and over (work without end). */
    if (total > 0x7FFFFFFF || total > d->wn)
        return bad(d->m, "text longer than the WordDocument stream holds");
    /* With anything besides the main text, one more paragraph mark ends it all. */
    return read_pieces(d, total + (extra ? 1 : 0));
}

int mso_doc(struct mso *m, struct mso_stream *wd, struct mso_stream *table)
{
    struct doc d = {.m = m, .wd = wd->data, .wn = wd->len, .tb = table->data, .tn = table->len};
    int rc = open_text(&d);
    if (rc != MG_OK)
        goto out;
    uint32_t start = 0;
    for (size_t i = 0; i < NPARTS && rc == MG_OK; i++) {
        uint32_t len = fib_lw(&d, parts[i].ccp_index);
        rc = check_part(&d, &parts[i], start, len);
        start += len;
    }
    if (rc == MG_OK && d.more)
        mso_action(m, ACTION_REMOVED, WHY_FIELD, "%u more fields", d.more);
    if (rc == MG_OK)
        rc = attached_template(&d);
out:
    free(d.pc);
    return rc;
}

/* ---- text (policy flatten) ------------------------------------------------------- */

/* Nested fields followed while writing text; deeper ones are left out whole. */
#define TEXT_FIELD_DEPTH 64

struct text_state {
    struct textout *to;
    /* Per open field: 1 while in its instruction (nothing written), 0 in its result. */
    uint8_t fld[TEXT_FIELD_DEPTH];
    unsigned depth, too_deep;
    uint16_t high; /* a high surrogate waiting for its low half, or 0 */
    uint16_t prev; /* the last character written */
};

static bool text_hidden(const struct text_state *ts)
{
    if (ts->too_deep)
        return true;
    for (unsigned i = 0; i < ts->depth; i++)
        if (ts->fld[i])
            return true;
    return false;
}

/* One character of the document text, as Word's special characters say. */
static int text_char(struct text_state *ts, uint16_t c)
{
    switch (c) {
    case FLD_BEGIN:
        if (ts->too_deep || ts->depth == TEXT_FIELD_DEPTH)
            ts->too_deep++;
        else
            ts->fld[ts->depth++] = 1;
        return MG_OK;
    case FLD_SEP:
        if (!ts->too_deep && ts->depth)
            ts->fld[ts->depth - 1] = 0;
        return MG_OK;
    case FLD_END:
        if (ts->too_deep)
            ts->too_deep--;
        else if (ts->depth)
            ts->depth--;
        return MG_OK;
    default:
        break;
    }
    if (text_hidden(ts))
        return MG_OK; /* a field instruction: DDE, INCLUDETEXT, HYPERLINK "..." */
    if (c >= 0xD800 && c <= 0xDBFF) {
        ts->high = c;
        return MG_OK;
    }
    uint32_t cp = c;
    if (c >= 0xDC00 && c <= 0xDFFF) {
        cp = ts->high ? 0x10000u + (((uint32_t)ts->high - 0xD800u) << 10) + (c - 0xDC00u) : 0xFFFDu;
    } else if (ts->high) {
        int rc = textout_char(ts->to, 0xFFFD);
        if (rc != MG_OK)
            return rc;
    }
    ts->high = 0;
    uint16_t prev = ts->prev;
    ts->prev = c;
    switch (cp) {
    case 0x07:
        /* A cell's end mark ends its line, as LibreOffice writes cells; the
         * row's own mark right after the last cell's adds nothing. */
        return prev == 0x07 ? MG_OK : textout_char(ts->to, '\n');
    case 0x0D: /* paragraph end */
    case 0x0B: /* line break */
    case 0x0C: /* page or section break */
    case 0x0E: /* column break */
        return textout_char(ts->to, '\n');
    case 0x1E: /* non-breaking hyphen */
        return textout_char(ts->to, '-');
    case 0x1F: /* optional hyphen: not shown */
        return MG_OK;
    default:
        /* 0x01 picture, 0x02 note number, 0x05 comment mark, 0x08 drawing ...:
         * anchors, not text; textout drops every control. */
        return textout_char(ts->to, cp);
    }
}

/* The text of CPs [start, start + len). */
static int text_range(struct doc *d, struct text_state *ts, uint32_t start, uint32_t len)
{
    uint32_t cp = start, end = start + len;
    while (cp < end) {
        const struct piece *p = piece_at(d, cp);
        if (p == NULL)
            return bad(d->m, "text outside the piece table");
        uint32_t k = cp - p->cp, stop = p->ncp - k < end - cp ? p->ncp : k + (end - cp);
        for (; k < stop; k++) {
            uint16_t c = p->compressed ? (uint16_t)textdec_cp1252_char(d->wd[p->off + k])
                                       : bytes_le16(d->wd + p->off + 2 * k);
            int rc = text_char(ts, c);
            if (rc != MG_OK)
                return rc;
        }
        cp = p->cp + stop;
    }
    return MG_OK;
}

int mso_doc_text(struct mso *m, const struct mso_stream *wd, const struct mso_stream *table,
                 struct textout *to, unsigned *notes)
{
    struct doc d = {.m = m, .wd = wd->data, .wn = wd->len, .tb = table->data, .tn = table->len};
    struct text_state ts = {.to = to};
    int rc = open_text(&d);
    if (rc != MG_OK)
        goto out;
    /* The main text, then footnotes and endnotes, each part on its own lines
     * (field state does not carry from one part to the next). */
    uint32_t start = 0;
    for (size_t i = 0; i < NPARTS && rc == MG_OK; i++) {
        uint32_t len = fib_lw(&d, parts[i].ccp_index);
        bool want = i == 0 || strcmp(parts[i].name, "footnotes") == 0 ||
                    strcmp(parts[i].name, "endnotes") == 0;
        if (want && len > 0) {
            ts.depth = ts.too_deep = 0;
            ts.high = ts.prev = 0;
            rc = textout_end_line(to);
            if (rc == MG_OK)
                rc = text_range(&d, &ts, start, len);
            if (i > 0)
                (*notes)++; /* a part of notes */
        }
        start += len;
    }
out:
    free(d.pc);
    return rc;
}
