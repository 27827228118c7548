/*
 * mso_ppt - PowerPoint 97-2003: the Current User and PowerPoint Document
 * streams.
 *
 * The PowerPoint Document stream is a sequence of records, containers
 * nesting records (recVer 0xF), found partly through offsets (the persist
 * directory, user edit atoms). Every record of the stream is walked,
 * incremental saves included, and nothing is moved: changes are made in
 * place, so every offset stays right.
 *
 * Made harmless in place: an action setting (InteractiveInfoAtom) that
 * runs a macro, a program or an OLE verb becomes "no action" and its
 * macro or program name is blanked; a hyperlink whose target is not http,
 * https or mailto (or every hyperlink, when the policy keeps none) has
 * its target blanked, and the actions that follow it become "no action".
 * Refused: an embedded or linked OLE object, ActiveX control or VBA
 * project (ExOleObjStg and the records that describe them), which cannot
 * be cut out without rewriting the persist directory; and encryption.
 */
#include "bytes.h"
#include "err.h"
#include "mso.h"
#include "textout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RT_CSTRING         0x0FBA
#define RT_EXHYPERLINKATOM 0x0FD3
#define RT_EXHYPERLINK     0x0FD7
#define RT_EXOLEEMBED      0x0FCC
#define RT_EXOLELINK       0x0FCE
#define RT_EXCONTROL       0x0FEE
#define RT_INTERACTIVEINFO 0x0FF2
#define RT_INTERACTIVEATOM 0x0FF3
#define RT_CURRENTUSERATOM 0x0FF6
#define RT_EXOLEOBJSTG     0x1011
#define RT_CRYPTSESSION    0x2F14
#define RT_VBAINFOATOM     0x0400

#define TOKEN_PLAIN     0xE391C05Fu
#define TOKEN_ENCRYPTED 0xF3D1C4DFu

#define ACTION_NONE    0
#define ACTION_MACRO   1
#define ACTION_PROGRAM 2
#define ACTION_LINK    4
#define ACTION_OLE     5

#define DEPTH_MAX  64
#define BLANKS_MAX 4096

struct ppt {
    struct mso *m;
    uint8_t *d;
    size_t n;
    uint32_t blanked[BLANKS_MAX]; /* hyperlink ids whose target was blanked */
    size_t nblanked;
    unsigned actions, links;
};

static int bad(struct mso *m, const char *what)
{
    return mso_fail(m, m->fix ? MG_ERR_PARSE : MG_ERR_VERIFY,
                    m->fix ? REASON_PARSE_ERROR : REASON_VERIFY_FAILED,
                    "PowerPoint presentation: %s", what);
}

static int refuse_object(struct ppt *p, uint16_t type)
{
    const char *what = type == RT_EXOLELINK    ? "a linked OLE object"
                       : type == RT_EXCONTROL  ? "an ActiveX control"
                       : type == RT_EXOLEEMBED ? "an embedded OLE object"
                                               : "an embedded OLE object, ActiveX control or VBA "
                                                 "project (ExOleObjStg)";
    return mso_fail(p->m, p->m->fix ? MG_ERR_UNSUPPORTED : MG_ERR_VERIFY, REASON_UNSUPPORTED,
                    "PowerPoint presentation with %s: these cannot be taken out of .ppt yet; held",
                    what);
}

/* A CString atom's text as ASCII ('?' for anything else), for checks and reports. */
static void cstring(const uint8_t *d, uint32_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (uint32_t i = 0; i + 1 < len && o + 1 < cap; i += 2) {
        uint16_t c = bytes_le16(d + i);
        out[o++] = c >= 0x20 && c < 0x7F ? (char)c : (c < 0x20 ? '\x7F' : '?');
    }
    out[o] = 0;
}

static bool cstring_blank(const uint8_t *d, uint32_t len)
{
    for (uint32_t i = 0; i + 1 < len; i += 2)
        if (bytes_le16(d + i) != ' ')
            return false;
    return true;
}

static void cstring_blank_out(uint8_t *d, uint32_t len)
{
    for (uint32_t i = 0; i + 1 < len; i += 2) {
        d[i] = ' ';
        d[i + 1] = 0;
    }
}

/* The next child record of a container [*off, end), or false at its end. */
struct child {
    uint16_t type, inst;
    uint8_t *data;
    uint32_t len;
};

static bool next_child(struct ppt *p, size_t *off, size_t end, struct child *c)
{
    if (*off + 8 > end)
        return false;
    uint32_t len = bytes_le32(p->d + *off + 4);
    if (len > end - *off - 8)
        return false; /* the walk refuses it */
    *c = (struct child){bytes_le16(p->d + *off + 2), (uint16_t)(bytes_le16(p->d + *off) >> 4),
                        p->d + *off + 8, len};
    *off += 8 + (size_t)len;
    return true;
}

static bool link_ok(struct ppt *p, const char *s)
{
    return mso_link_ok(p->m, s, strlen(s));
}

/* ExHyperlinkContainer: the target (instance 1) must be an allowed link. */
static int hyperlink(struct ppt *p, size_t off, size_t end)
{
    struct child c;
    uint32_t id = 0;
    for (size_t o = off; next_child(p, &o, end, &c);)
        if (c.type == RT_EXHYPERLINKATOM && c.len >= 4)
            id = bytes_le32(c.data);
    for (size_t o = off; next_child(p, &o, end, &c);) {
        if (c.type != RT_CSTRING || c.inst != 1 || c.len == 0)
            continue;
        char url[512];
        cstring(c.data, c.len, url, sizeof(url));
        if (cstring_blank(c.data, c.len) || link_ok(p, url))
            continue;
        if (!p->m->fix)
            return bad(p->m, "a hyperlink with a disallowed target is left");
        cstring_blank_out(c.data, c.len);
        if (p->nblanked < BLANKS_MAX)
            p->blanked[p->nblanked++] = id;
        mso_action(p->m, ACTION_REMOVED,
                   "only http, https and mailto links are kept (and none when keep_hyperlinks "
                   "is no); the target is blanked",
                   "hyperlink target \"%.120s\"", url);
        p->links++;
    }
    return MG_OK;
}

static bool was_blanked(const struct ppt *p, uint32_t id)
{
    for (size_t i = 0; i < p->nblanked; i++)
        if (p->blanked[i] == id)
            return true;
    return false;
}

static bool action_risky(const struct ppt *p, const uint8_t *atom)
{
    uint8_t act = atom[8];
    return act == ACTION_MACRO || act == ACTION_PROGRAM || act == ACTION_OLE ||
           (act == ACTION_LINK && was_blanked(p, bytes_le32(atom + 4)));
}

/*
 * An InteractiveInfoAtom, wherever it is: a macro, program or OLE action,
 * or a link to a blanked target, becomes "no action". name is the macro or
 * program name of its container, for the report.
 */
static int action_atom(struct ppt *p, uint8_t *atom, uint32_t len, const char *name)
{
    if (len < 16 || !action_risky(p, atom))
        return MG_OK;
    if (!p->m->fix)
        return bad(p->m, "a macro, program or OLE action is left");
    uint8_t act = atom[8];
    atom[8] = ACTION_NONE;
    if (act != ACTION_LINK)
        mso_action(p->m, ACTION_REMOVED,
                   "action settings that run macros, programs or OLE verbs run code on a click; "
                   "the action becomes \"none\"",
                   "%s action%s%.120s%s",
                   act == ACTION_MACRO     ? "macro"
                   : act == ACTION_PROGRAM ? "run-program"
                                           : "OLE",
                   name[0] ? " \"" : "", name, name[0] ? "\"" : "");
    p->actions++;
    return MG_OK;
}

/* InteractiveInfoContainer: its macro or program name goes with a risky action. */
static int interactive(struct ppt *p, size_t off, size_t end)
{
    struct child c;
    bool risky = false;
    char name[256] = "";
    for (size_t o = off; next_child(p, &o, end, &c);)
        if (c.type == RT_INTERACTIVEATOM && c.len >= 16 && action_risky(p, c.data))
            risky = true;
    if (!risky)
        return MG_OK;
    if (!p->m->fix)
        return bad(p->m, "a macro, program or OLE action is left");
    for (size_t o = off; next_child(p, &o, end, &c);)
        if (c.type == RT_CSTRING) {
            cstring(c.data, c.len, name, sizeof(name));
            cstring_blank_out(c.data, c.len);
        }
    for (size_t o = off; next_child(p, &o, end, &c);)
        if (c.type == RT_INTERACTIVEATOM) {
            int rc = action_atom(p, c.data, c.len, name);
            if (rc != MG_OK)
                return rc;
        }
    return MG_OK;
}

/* Every record in [off, end); containers recursively. pass 0: links, pass 1: actions. */
static int walk(struct ppt *p, size_t off, size_t end, int depth, int pass)
{
    if (depth > DEPTH_MAX)
        return bad(p->m, "records nested too deep");
    while (off < end) {
        if (end - off < 8)
            return bad(p->m, "record header cut short");
        uint16_t vi = bytes_le16(p->d + off), type = bytes_le16(p->d + off + 2);
        uint32_t len = bytes_le32(p->d + off + 4);
        if (len > end - off - 8)
            return bad(p->m, "record longer than its container");
        size_t body = off + 8;
        int rc = MG_OK;
        if (type == RT_CRYPTSESSION)
            return mso_fail(p->m, p->m->fix ? MG_ERR_ENCRYPTED : MG_ERR_VERIFY, REASON_ENCRYPTED,
                            "PowerPoint presentation protected by a password (CryptSession): it "
                            "is encrypted and cannot be inspected");
        if (type == RT_EXOLEOBJSTG || type == RT_EXOLEEMBED || type == RT_EXOLELINK ||
            type == RT_EXCONTROL)
            return refuse_object(p, type);
        if (type == RT_VBAINFOATOM && len >= 8 && bytes_le32(p->d + body + 4) != 0)
            return refuse_object(p, type);
        if (pass == 1 && type == RT_INTERACTIVEATOM && (vi & 0xF) != 0xF)
            rc = action_atom(p, p->d + body, len, "");
        if (rc == MG_OK && (vi & 0xF) == 0xF) {
            if (pass == 0 && type == RT_EXHYPERLINK)
                rc = hyperlink(p, body, body + len);
            if (pass == 1 && type == RT_INTERACTIVEINFO)
                rc = interactive(p, body, body + len);
            if (rc == MG_OK)
                rc = walk(p, body, body + len, depth + 1, pass);
        }
        if (rc != MG_OK)
            return rc;
        off = body + len;
    }
    return MG_OK;
}

static int current_user(struct mso *m, const struct mso_stream *cur)
{
    if (cur->len < 16 || bytes_le16(cur->data + 2) != RT_CURRENTUSERATOM)
        return bad(m, "Current User stream without its record");
    uint32_t token = bytes_le32(cur->data + 12);
    if (token == TOKEN_ENCRYPTED)
        return mso_fail(m, m->fix ? MG_ERR_ENCRYPTED : MG_ERR_VERIFY, REASON_ENCRYPTED,
                        "PowerPoint presentation protected by a password (Current User says "
                        "encrypted): it cannot be inspected");
    if (token != TOKEN_PLAIN)
        return bad(m, "Current User stream with an unknown header token");
    return MG_OK;
}

/* Streams end with their last record; writers may pad with zeros. */
static size_t records_end(const uint8_t *d, size_t n)
{
    size_t off = 0;
    while (off + 8 <= n) {
        uint32_t len = bytes_le32(d + off + 4);
        if (len > n - off - 8)
            break;
        if (bytes_le32(d + off) == 0 && len == 0) {
            size_t z = off;
            while (z < n && d[z] == 0)
                z++;
            if (z == n)
                return off;
        }
        off += 8 + (size_t)len;
    }
    return n; /* anything else is the walk's to refuse */
}

int mso_ppt(struct mso *m, struct mso_stream *doc, const struct mso_stream *cur)
{
    int rc = current_user(m, cur);
    if (rc != MG_OK)
        return rc;
    struct ppt *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return MG_ERR_NOMEM;
    p->m = m;
    p->d = doc->data;
    p->n = records_end(doc->data, doc->len);
    if (p->n == 0)
        rc = bad(m, "empty PowerPoint Document stream");
    for (int pass = 0; pass < 2 && rc == MG_OK; pass++)
        rc = walk(p, 0, p->n, 0, pass);
    free(p);
    return rc;
}

/* ---- text (policy flatten) ------------------------------------------------------- */

#define RT_DOCUMENT          0x03E8
#define RT_SLIDE             0x03EE
#define RT_SLIDEPERSISTATOM  0x03F3
#define RT_OUTLINETEXTREF    0x0F9E
#define RT_TEXTHEADERATOM    0x0F9F
#define RT_TEXTCHARSATOM     0x0FA0
#define RT_TEXTBYTESATOM     0x0FA8
#define RT_SLIDELISTWITHTEXT 0x0FF0
#define RT_USEREDITATOM      0x0FF5
#define RT_PERSISTDIRECTORY  0x1772
#define RT_CLIENTTEXTBOX     0xF00D

/* Edits followed back from the current one (a file saved fast many times),
 * and persist directory entries read over all of them. */
#define EDITS_MAX        4096
#define PERSIST_WORK_MAX (1u << 22)
/* persistId is 20 bits. */
#define PERSIST_MAX (1u << 20)
/* Texts of one slide in the slide list. */
#define SLIDE_TEXTS_MAX 65536u

struct ptext {
    struct mso *m;
    const uint8_t *d;
    size_t n;
    struct textout *to;
    uint32_t *persist; /* offset + 1 per persistId; 0: none */
    size_t n_persist;
    /* the slide list's texts of the slide being written */
    struct stext {
        size_t off, len;
        uint16_t type;
        bool used;
    } * texts;
    size_t n_texts;
    size_t *by_header; /* the text after the Nth TextHeaderAtom, or SIZE_MAX */
    size_t n_headers;
    unsigned deep;
};

/* The record at off: its type, instance, body and length; false if it does not fit. */
static bool rec_at(const struct ptext *t, size_t off, size_t end, uint16_t *type, uint16_t *inst,
                   size_t *body, size_t *len)
{
    if (off > end || end - off < 8 || end > t->n)
        return false;
    uint32_t l = bytes_le32(t->d + off + 4);
    if (l > end - off - 8)
        return false;
    *type = bytes_le16(t->d + off + 2);
    *inst = (uint16_t)(bytes_le16(t->d + off) >> 4);
    *body = off + 8;
    *len = l;
    return true;
}

static bool is_container(const struct ptext *t, size_t off)
{
    return (bytes_le16(t->d + off) & 0xF) == 0xF;
}

/* Characters of a TextCharsAtom (UTF-16LE) or TextBytesAtom (the low bytes), then a line end. */
static int ptext_atom(struct ptext *t, uint16_t type, size_t off, size_t len)
{
    int rc = MG_OK;
    uint16_t pend = 0;
    size_t w = type == RT_TEXTCHARSATOM ? 2 : 1;
    for (size_t i = 0; i + w <= len && rc == MG_OK; i += w) {
        uint32_t c = w == 2 ? bytes_le16(t->d + off + i) : t->d[off + i];
        if (c >= 0xD800 && c <= 0xDBFF) {
            pend = (uint16_t)c;
            continue;
        }
        if (c >= 0xDC00 && c <= 0xDFFF)
            c = pend ? 0x10000u + (((uint32_t)pend - 0xD800u) << 10) + (c - 0xDC00u) : 0xFFFDu;
        pend = 0;
        /* CR ends a paragraph, VT a line */
        rc = textout_char(t->to, c == 0x0D || c == 0x0B ? '\n' : c);
    }
    if (rc == MG_OK)
        rc = textout_end_line(t->to);
    return rc;
}

/* The persist directory of every edit, the newest entry for each id winning. */
static int ptext_persist(struct ptext *t, uint32_t edit, uint32_t *doc_ref)
{
    t->persist = calloc(PERSIST_MAX, sizeof(*t->persist));
    if (t->persist == NULL)
        return MG_ERR_NOMEM;
    t->n_persist = PERSIST_MAX;
    size_t work = 0;
    for (unsigned k = 0;; k++) {
        uint16_t type, inst;
        size_t body, len;
        if (k == EDITS_MAX)
            return bad(t->m, "too many edits");
        if (!rec_at(t, edit, t->n, &type, &inst, &body, &len) || type != RT_USEREDITATOM ||
            len < 28)
            return bad(t->m, "no user edit where the Current User stream points");
        const uint8_t *u = t->d + body;
        if (k == 0) {
            *doc_ref = bytes_le32(u + 16);
            if (len >= 32 && bytes_le32(u + 28) != 0)
                return mso_fail(t->m, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                                "PowerPoint presentation protected by a password: it is "
                                "encrypted and cannot be read");
        }
        size_t dir;
        uint16_t dtype;
        size_t dbody, dlen;
        if (!rec_at(t, bytes_le32(u + 12), t->n, &dtype, &inst, &dbody, &dlen) ||
            dtype != RT_PERSISTDIRECTORY)
            return bad(t->m, "no persist directory where a user edit points");
        for (dir = 0; dir + 4 <= dlen;) {
            uint32_t v = bytes_le32(t->d + dbody + dir);
            uint32_t id = v & 0xFFFFF, count = v >> 20;
            dir += 4;
            if ((size_t)count * 4 > dlen - dir)
                return bad(t->m, "persist directory cut short");
            if ((work += count) > PERSIST_WORK_MAX)
                return mso_fail(t->m, MG_ERR_LIMIT, REASON_LIMIT,
                                "PowerPoint presentation: persist directories larger than any "
                                "presentation needs");
            for (uint32_t j = 0; j < count; j++, dir += 4)
                if (id + j < PERSIST_MAX && t->persist[id + j] == 0)
                    t->persist[id + j] = bytes_le32(t->d + dbody + dir) + 1;
        }
        uint32_t last = bytes_le32(u + 8);
        if (last == 0)
            return MG_OK;
        /* Each save appends: an older edit lies before the newer one (no loops). */
        if (last >= edit)
            return bad(t->m, "a user edit that does not point back to an earlier one");
        edit = last;
    }
}

/* The record a persist id names, when it is of type want. */
static bool ptext_object(const struct ptext *t, uint32_t ref, uint16_t want, size_t *body,
                         size_t *len)
{
    uint16_t type, inst;
    if (ref >= t->n_persist || t->persist[ref] == 0)
        return false;
    return rec_at(t, t->persist[ref] - 1, t->n, &type, &inst, body, len) && type == want;
}

/* Text boxes of a slide's drawing, in drawing order. */
static int ptext_walk(struct ptext *t, size_t off, size_t end, int depth)
{
    int rc = MG_OK;
    if (depth > DEPTH_MAX) {
        t->deep++;
        return MG_OK;
    }
    while (off < end && rc == MG_OK) {
        uint16_t type, inst;
        size_t body, len;
        if (!rec_at(t, off, end, &type, &inst, &body, &len))
            break; /* a slide that does not parse to the end: what was read stands */
        if (type == RT_TEXTCHARSATOM || type == RT_TEXTBYTESATOM) {
            rc = ptext_atom(t, type, body, len);
        } else if (type == RT_OUTLINETEXTREF && len >= 4) {
            /* the index-th text of this slide in the slide list */
            uint32_t want = bytes_le32(t->d + body);
            size_t i = want < t->n_headers ? t->by_header[want] : SIZE_MAX;
            if (i != SIZE_MAX && !t->texts[i].used) {
                t->texts[i].used = true;
                rc = ptext_atom(t, t->texts[i].type, t->texts[i].off, t->texts[i].len);
            }
        } else if (is_container(t, off)) {
            rc = ptext_walk(t, body, body + len, depth + 1);
        }
        off = body + len;
    }
    return rc;
}

/* One slide: its drawing's text boxes, then slide-list texts none of them referred to. */
static int ptext_slide(struct ptext *t, uint32_t ref)
{
    size_t body, len;
    int rc = MG_OK;
    if (ptext_object(t, ref, RT_SLIDE, &body, &len))
        rc = ptext_walk(t, body, body + len, 1);
    for (size_t i = 0; i < t->n_texts && rc == MG_OK; i++)
        if (t->texts[i].type != RT_TEXTHEADERATOM && !t->texts[i].used)
            rc = ptext_atom(t, t->texts[i].type, t->texts[i].off, t->texts[i].len);
    return rc;
}

/* The slides of the slide list (SlideListWithText, instance 0), in order. */
static int ptext_slides(struct ptext *t, size_t off, size_t end, unsigned *slides)
{
    int rc = MG_OK;
    uint32_t ref = 0;
    bool have = false;
    t->texts = calloc(SLIDE_TEXTS_MAX, sizeof(*t->texts));
    t->by_header = calloc(SLIDE_TEXTS_MAX, sizeof(*t->by_header));
    if (t->texts == NULL || t->by_header == NULL)
        return MG_ERR_NOMEM;
    for (;;) {
        uint16_t type, inst;
        size_t body, len;
        bool more = rec_at(t, off, end, &type, &inst, &body, &len);
        if (!more || type == RT_SLIDEPERSISTATOM) {
            if (have) {
                (*slides)++;
                if (*slides > 1 && (rc = textout_end_line(t->to)) == MG_OK)
                    rc = buf_printf(t->to->out, "--- slide %u ---\n", *slides);
                if (rc == MG_OK)
                    rc = ptext_slide(t, ref);
                if (rc != MG_OK)
                    return rc;
            }
            if (!more)
                return MG_OK;
            have = len >= 4;
            ref = have ? bytes_le32(t->d + body) : 0;
            t->n_texts = t->n_headers = 0;
        } else if ((type == RT_TEXTHEADERATOM || type == RT_TEXTCHARSATOM ||
                    type == RT_TEXTBYTESATOM) &&
                   t->n_texts < SLIDE_TEXTS_MAX) {
            if (type == RT_TEXTHEADERATOM)
                t->by_header[t->n_headers++] = SIZE_MAX;
            else if (t->n_headers && t->by_header[t->n_headers - 1] == SIZE_MAX)
                t->by_header[t->n_headers - 1] = t->n_texts;
            t->texts[t->n_texts++] = (struct stext){body, len, type, false};
        }
        off = body + len;
    }
}

/* Whether any record in [off, end) is a CryptSession (an encrypted presentation). */
static bool ptext_crypt(const struct ptext *t, size_t off, size_t end, int depth)
{
    while (depth <= DEPTH_MAX && off < end) {
        uint16_t type, inst;
        size_t body, len;
        if (!rec_at(t, off, end, &type, &inst, &body, &len))
            return false;
        if (type == RT_CRYPTSESSION ||
            (is_container(t, off) && ptext_crypt(t, body, body + len, depth + 1)))
            return true;
        off = body + len;
    }
    return false;
}

int mso_ppt_text(struct mso *m, const struct mso_stream *doc, const struct mso_stream *cur,
                 struct textout *to, unsigned *slides)
{
    int rc = current_user(m, cur);
    if (rc != MG_OK)
        return rc;
    struct ptext t = {.m = m, .d = doc->data, .n = doc->len, .to = to};
    uint32_t doc_ref = 0;
    size_t body, len;
    if (cur->len < 20)
        return bad(m, "Current User stream cut short");
    if (ptext_crypt(&t, 0, records_end(doc->data, doc->len), 0))
        return mso_fail(m, MG_ERR_ENCRYPTED, REASON_ENCRYPTED,
                        "PowerPoint presentation protected by a password (CryptSession): it is "
                        "encrypted and cannot be read");
    if ((rc = ptext_persist(&t, bytes_le32(cur->data + 16), &doc_ref)) != MG_OK)
        goto out;
    if (!ptext_object(&t, doc_ref, RT_DOCUMENT, &body, &len)) {
        rc = bad(m, "no document record where the persist directory points");
        goto out;
    }
    for (size_t off = body; off < body + len && rc == MG_OK;) {
        uint16_t type, inst;
        size_t b, l;
        if (!rec_at(&t, off, body + len, &type, &inst, &b, &l))
            break;
        if (type == RT_SLIDELISTWITHTEXT && inst == 0) {
            rc = ptext_slides(&t, b, b + l, slides);
            break;
        }
        off = b + l;
    }
out:
    free(t.persist);
    free(t.texts);
    free(t.by_header);
    return rc;
}
