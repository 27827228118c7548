/*
 * mailsan - rebuild a MIME message from its safe parts (see mailsan.h).
 *
 * Three passes over one message:
 *   1. cheap checks on the raw bytes before GMime sees them: size, header
 *      block size, and a count of multipart and message/rfc822 openings
 *      (GMime's parser recurses, so nesting is capped before it runs);
 *   2. GMime parses; a walk over the tree decides for every leaf whether
 *      it is body text (decoded to UTF-8, HTML converted) or a file (sent
 *      to san_member()), refusing ambiguous structure and holding encrypted
 *      content;
 *   3. the output is written from scratch by mail_write: kept headers,
 *      notices and body, the released attachments.
 * mailsan_verify re-parses an output with GMime and accepts only the shape
 * pass 3 writes.
 */
#include "mailsan.h"
#include "mail_ppap.h"
#include "err.h"
#include "ident.h"
#include "mail_charset.h"
#include "html2text.h"
#include "mail_text.h"
#include "mail_write.h"
#include "names.h"
#include "textenc.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAIL_HEADER_BLOCK_MAX (1u << 20)  /* bytes of one header block */
#define MAIL_HEADER_FIELD_MAX (64u << 10) /* bytes of one header field, unfolded */
#define MAIL_HEADER_COUNT_MAX 2000        /* fields in one header block */
#define MAIL_NEST_MAX         64          /* multipart openings along one path */
#define MAIL_OPENINGS_MAX     2000        /* multipart/message openings in one message */
#define MAIL_INLINE_MAX       32          /* inline encoded files per text part */
#define MAIL_RECEIVED_MAX     100
#define MAIL_NOTICE_MAX       (256u << 10)
/* Text of attachments appended to the body (policy mail_attachment_text). */
#define MAIL_ATT_TEXT_MAX   (1u << 20) /* per attachment */
#define MAIL_ATT_TEXT_TOTAL (4u << 20) /* per message */

/* The outermost message of the current job: notices refer to it. */
static char mail_ref[65];
static unsigned mail_level;

struct mail_att {
    char *name;
    enum ftype type;
    uint8_t *data;
    size_t len;
};

struct mail_job {
    struct san_ctx *ctx;
    const struct policy *pol;
    struct report_node *node;
    const uint8_t *in;
    size_t in_len;
    struct buf body;     /* UTF-8 */
    struct buf notices;  /* UTF-8 lines */
    struct buf att_text; /* attachments' text, after the body (mail_attachment_text) */
    struct mail_att *atts;
    size_t n_atts, cap_atts;
    unsigned removed, html_converted, signatures, unnamed;
    int fatal;              /* an error that fails the whole message */
    struct mail_cs_hint cs; /* the charsets the message declares */
    bool text_seen;         /* a body text part had visible characters */
};

/* ---- small helpers ---- */

/*
 * UTF-8 copy of s without control characters or bidi controls (they would
 * reorder a notice around the attacker's name), and without path
 * separators when path_chars is false, at most cap-1 bytes on a character
 * boundary.
 */
static void clean_str(const char *s, char *dst, size_t cap, bool path_chars)
{
    size_t o = 0, i = 0, n = s ? strlen(s) : 0, u;
    while (i < n && o + 4 < cap) {
        int32_t cp = utf8_next((const uint8_t *)s + i, n - i, &u);
        if (cp < 0) {
            i++;
            continue;
        }
        if (cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp < 0xA0) && !utf8_is_bidi(cp) &&
            (path_chars || (cp != '/' && cp != '\\'))) {
            memcpy(dst + o, s + i, u);
            o += u;
        }
        i += u;
    }
    dst[o] = 0;
}

static void clean_name(const char *s, char *dst, size_t cap)
{
    clean_str(s, dst, cap, false);
}

static int notice(struct mail_job *mj, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int notice(struct mail_job *mj, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    int rc = buf_puts(&mj->notices, line);
    if (rc == MG_ERR_LIMIT)
        rc = MG_OK; /* notices beyond the cap are in the report */
    return rc;
}

static int notice_removed(struct mail_job *mj, const char *name, enum reason code, const char *why)
{
    mj->removed++;
    if (code == REASON_NONE)
        code = REASON_BLOCKED;
    return notice(mj,
                  "- 添付ファイル「%s」を削除しました (理由: %s)。原本の参照番号: %s\n"
                  "  The attachment \"%s\" was removed (reason: %s). Original kept, reference: "
                  "%s\n",
                  name, reason_ja(code), mail_ref, name, why ? why : reason_en(code), mail_ref);
}

/* A raw header value by name: first occurrence, and how many there are. */
static const char *raw_header(GMimeObject *obj, const char *name, int *count)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
    const char *first = NULL;
    int c = 0;
    if (hl) {
        int n = g_mime_header_list_get_count(hl);
        for (int i = 0; i < n; i++) {
            GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
            if (h && g_ascii_strcasecmp(g_mime_header_get_name(h), name) == 0) {
                if (!first)
                    first = g_mime_header_get_raw_value(h);
                c++;
            }
        }
    }
    if (count)
        *count = c;
    return first;
}

/* Unfold a raw value into dst: line ends dropped, leading white space trimmed. */
static int unfold(const char *raw, struct buf *dst)
{
    int rc = MG_OK;
    size_t n = raw ? strlen(raw) : 0, i = 0;
    while (i < n && (raw[i] == ' ' || raw[i] == '\t'))
        i++;
    for (; i < n && rc == MG_OK; i++) {
        if (raw[i] == '\r' || raw[i] == '\n')
            continue;
        rc = buf_putc(dst, (uint8_t)raw[i]);
    }
    while (dst->len && (dst->data[dst->len - 1] == ' ' || dst->data[dst->len - 1] == '\t'))
        dst->len--;
    if (dst->data)
        dst->data[dst->len] = 0;
    return rc;
}

/* Size and count caps on one header block. */
static int check_headers(struct mail_job *mj, GMimeObject *obj)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
    if (!hl)
        return MG_OK;
    int n = g_mime_header_list_get_count(hl);
    size_t total = 0;
    if (n > MAIL_HEADER_COUNT_MAX) {
        report_block(mj->node, REASON_LIMIT, "a header block has %d fields (limit %d)", n,
                     MAIL_HEADER_COUNT_MAX);
        return MG_ERR_LIMIT;
    }
    for (int i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *v = h ? g_mime_header_get_raw_value(h) : NULL;
        size_t l = v ? strlen(v) : 0;
        if (l > MAIL_HEADER_FIELD_MAX) {
            report_block(mj->node, REASON_LIMIT, "header field %s is %zu bytes (limit %u)",
                         g_mime_header_get_name(h), l, MAIL_HEADER_FIELD_MAX);
            return MG_ERR_LIMIT;
        }
        total += l;
    }
    if (total > MAIL_HEADER_BLOCK_MAX) {
        report_block(mj->node, REASON_LIMIT, "a header block is %zu bytes (limit %u)", total,
                     MAIL_HEADER_BLOCK_MAX);
        return MG_ERR_LIMIT;
    }
    return MG_OK;
}

/* Two values of one parameter, or two Content-Type fields that differ, are two readings. */
static int check_ambiguous(struct mail_job *mj, GMimeObject *obj)
{
    int count;
    const char *first = raw_header(obj, "Content-Type", &count);
    if (count > 1) {
        GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
        int n = g_mime_header_list_get_count(hl);
        for (int i = 0; i < n; i++) {
            GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
            if (g_ascii_strcasecmp(g_mime_header_get_name(h), "Content-Type") == 0 &&
                strcmp(g_mime_header_get_raw_value(h), first) != 0) {
                report_block(mj->node, REASON_AMBIGUOUS,
                             "two different Content-Type fields in one part: readers disagree "
                             "on which applies");
                return MG_ERR_PARSE;
            }
        }
    }
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    GMimeParamList *pl = ct ? g_mime_content_type_get_parameters(ct) : NULL;
    int np = pl ? g_mime_param_list_length(pl) : 0;
    for (int i = 0; i < np; i++) {
        GMimeParam *a = g_mime_param_list_get_parameter_at(pl, i);
        for (int j = i + 1; j < np; j++) {
            GMimeParam *b = g_mime_param_list_get_parameter_at(pl, j);
            const char *an = g_mime_param_get_name(a), *bn = g_mime_param_get_name(b);
            const char *av = g_mime_param_get_value(a), *bv = g_mime_param_get_value(b);
            if (an && bn && g_ascii_strcasecmp(an, bn) == 0 &&
                (!av || !bv || strcmp(av, bv) != 0)) {
                report_block(mj->node, REASON_AMBIGUOUS,
                             "parameter \"%s\" given twice with different values in a "
                             "Content-Type field",
                             an);
                return MG_ERR_PARSE;
            }
        }
    }
    return MG_OK;
}

/* A delimiter "--boundary" that does not start a line: another reader may split there. */
static int check_boundary(struct mail_job *mj, const char *boundary)
{
    char delim[256];
    if (!boundary || !*boundary)
        return MG_OK;
    int dl = snprintf(delim, sizeof(delim), "--%s", boundary);
    if (dl < 0 || (size_t)dl >= sizeof(delim))
        return MG_OK;
    const uint8_t *p = mj->in, *end = mj->in + mj->in_len;
    while (p < end) {
        const uint8_t *hit = memmem(p, (size_t)(end - p), delim, (size_t)dl);
        if (!hit)
            break;
        if (hit > mj->in && hit[-1] != '\n') {
            report_block(mj->node, REASON_AMBIGUOUS,
                         "MIME boundary \"%.60s\" appears where a line does not start: readers "
                         "disagree on where the part ends",
                         boundary);
            return MG_ERR_PARSE;
        }
        p = hit + dl;
    }
    return MG_OK;
}

static bool ct_is(GMimeObject *obj, const char *type, const char *sub)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    return ct && g_mime_content_type_is_type(ct, type, sub);
}

static const char *ct_param(GMimeObject *obj, const char *name)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    return ct ? g_mime_content_type_get_parameter(ct, name) : NULL;
}

/* ---- decoding part content ---- */

/*
 * Base64 with a verdict: *malformed when a character outside the alphabet
 * and white space appears, data follows padding, or a lone sextet is left.
 * Lenient decoding (bad characters skipped) is what readers do, so the
 * bytes are the same either way; the verdict decides whether we may rely
 * on them.
 */
static int b64_decode(const uint8_t *p, size_t n, struct buf *out, bool *malformed)
{
    uint32_t acc = 0;
    int bits = 0, rc = MG_OK, sextets = 0;
    bool pad = false;
    *malformed = false;
    for (size_t i = 0; i < n && rc == MG_OK; i++) {
        int c = p[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            pad = true;
            continue;
        }
        int v = mail_b64_value(c);
        if (v < 0 || pad) {
            *malformed = true;
            if (v < 0)
                continue;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        sextets++;
        if (bits >= 8) {
            bits -= 8;
            rc = buf_putc(out, (uint8_t)(acc >> bits));
            acc &= (1u << bits) - 1;
        }
    }
    if (sextets % 4 == 1)
        *malformed = true;
    return rc;
}

static int stream_read_all(GMimeStream *s, struct buf *b)
{
    char tmp[65536];
    ssize_t n;
    int rc = MG_OK;
    g_mime_stream_reset(s);
    while (rc == MG_OK && (n = g_mime_stream_read(s, tmp, sizeof(tmp))) > 0)
        rc = buf_append(b, tmp, (size_t)n);
    return rc;
}

static bool cte_known(const char *raw)
{
    static const char *const known[] = {
            "7bit",       "8bit",     "binary", "base64", "quoted-printable",
            "x-uuencode", "uuencode", "x-uue"};
    struct buf v;
    buf_init(&v, 256);
    bool ok = false;
    if (unfold(raw, &v) == MG_OK && v.data) {
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && !ok; i++)
            ok = g_ascii_strcasecmp((const char *)v.data, known[i]) == 0;
    }
    buf_free(&v);
    return ok;
}

/*
 * The decoded bytes of a leaf. *malformed: base64 that is not clean, or a
 * transfer encoding we do not know (the bytes are then the raw content).
 */
static int part_bytes(GMimePart *part, struct buf *out, bool *malformed)
{
    int rc = MG_OK;
    *malformed = false;
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    if (!w)
        return MG_OK;
    GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(w);
    const char *cte = raw_header(GMIME_OBJECT(part), "Content-Transfer-Encoding", NULL);
    if (cte && !cte_known(cte))
        *malformed = true;
    GMimeStream *raw = g_mime_data_wrapper_get_stream(w);
    if (!raw)
        return MG_OK;
    if (enc == GMIME_CONTENT_ENCODING_BASE64) {
        struct buf r;
        buf_init(&r, out->max + out->max / 2 + 1024);
        rc = stream_read_all(raw, &r);
        if (rc == MG_OK)
            rc = b64_decode(r.data, r.len, out, malformed);
        buf_free(&r);
        return rc;
    }
    GMimeStream *ms = g_mime_stream_mem_new();
    if (g_mime_data_wrapper_write_to_stream(w, ms) < 0) {
        *malformed = true;
    } else {
        GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
        if (ba && ba->len)
            rc = buf_append(out, ba->data, ba->len);
    }
    g_object_unref(ms);
    return rc;
}

/* The content as it stands in the message, still transfer-encoded. */
static int part_raw(GMimePart *part, struct buf *out)
{
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    GMimeStream *raw = w ? g_mime_data_wrapper_get_stream(w) : NULL;
    return raw ? stream_read_all(raw, out) : MG_OK;
}

/* Whether a part labelled base64 is not clean base64. */
static bool b64_broken(GMimePart *part)
{
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    if (!w || g_mime_data_wrapper_get_encoding(w) != GMIME_CONTENT_ENCODING_BASE64)
        return false;
    struct buf r, d;
    bool malformed = true;
    buf_init(&r, MAIL_NOTICE_MAX * 64);
    buf_init(&d, MAIL_NOTICE_MAX * 64);
    if (part_raw(part, &r) == MG_OK)
        b64_decode(r.data, r.len, &d, &malformed);
    buf_free(&r);
    buf_free(&d);
    return malformed;
}

/* Whether a part has anything but white space in it (an empty plain twin loses to HTML). */
static bool has_content(GMimePart *part)
{
    struct buf r;
    buf_init(&r, MAIL_NOTICE_MAX * 64);
    bool any = part_raw(part, &r) == MG_OK && r.len;
    for (size_t i = 0; any && i < r.len; i++)
        if (r.data[i] > 0x20)
            break;
        else if (i + 1 == r.len)
            any = false;
    buf_free(&r);
    return any;
}

/* Decoded bytes that read as text: valid UTF-8 or 8-bit text, few control bytes. */
static bool plausible_text(const uint8_t *p, size_t n)
{
    size_t ctl = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' && p[i] != 0x1B &&
            p[i] != '\f')
            ctl++;
    return ctl * 50 <= n && (utf8_valid(p, n) || n == 0);
}

/* ---- attachments ---- */

static int att_add(struct mail_job *mj, const char *name, enum ftype t, const struct buf *data)
{
    if (mj->n_atts == mj->cap_atts) {
        size_t nc = mj->cap_atts ? mj->cap_atts * 2 : 8;
        struct mail_att *na = realloc(mj->atts, nc * sizeof(*na));
        if (!na)
            return MG_ERR_NOMEM;
        mj->atts = na;
        mj->cap_atts = nc;
    }
    struct mail_att *a = &mj->atts[mj->n_atts];
    a->name = strdup(name);
    a->data = malloc(data->len ? data->len : 1);
    if (!a->name || !a->data) {
        free(a->name);
        free(a->data);
        return MG_ERR_NOMEM;
    }
    if (data->len) /* an empty part has no data pointer at all */
        memcpy(a->data, data->data, data->len);
    a->len = data->len;
    a->type = t;
    mj->n_atts++;
    return MG_OK;
}

/* The released file's name: the extension follows the output type. */
static void out_name(const char *in, enum ftype t, char *dst, size_t cap)
{
    names_release_name(in, t, dst, cap);
}

static int count_member(struct mail_job *mj)
{
    if (++mj->ctx->members_total > mj->pol->max_members) {
        report_block(mj->node, REASON_LIMIT, "more than %llu parts and members in the job",
                     (unsigned long long)mj->pol->max_members);
        return MG_ERR_LIMIT;
    }
    return MG_OK;
}

/*
 * policy mail_attachment_text: the text of a released document attachment
 * (in_type: what it was; out_type and data: what is attached) after the
 * body. A flattened attachment is text already; any other is flattened
 * here from the released bytes, through the pipeline with a policy that says
 * "flatten" for the type, so the text comes from the same code and the
 * same checks as policy flatten. The pass reads our own output: its
 * member and expansion counts are its own, not the job's, and nothing of
 * it is sent to the virus-scan sink again (the attachment was). Failure
 * only means no text: the attachment is delivered all the same.
 */
static int attachment_text(struct mail_job *mj, const char *shown, enum ftype in_type,
                           enum ftype out_type, const struct buf *data)
{
    if (!mj->pol->mail_attachment_text || in_type == FT_TEXT || in_type == FT_CSV ||
        !policy_can_flatten(in_type) || !policy_can_flatten(out_type))
        return MG_OK;
    struct buf text;
    buf_init(&text, mj->pol->max_output_size);
    const struct buf *src = data;
    int rc = MG_OK;
    if (out_type != FT_TEXT && out_type != FT_CSV) {
        struct policy tp = *mj->pol;
        for (int t = 0; t < FT_COUNT; t++)
            tp.action[t] = POL_BLOCK;
        tp.action[out_type] = POL_FLATTEN;
        struct san_ctx c = *mj->ctx;
        c.pol = &tp;
        c.member_sink = NULL;
        c.verify_member = NULL;
        c.force_type = FT_UNKNOWN;
        c.out_type = FT_UNKNOWN;
        /* A scratch node (no parent): the attachment has its own already. */
        struct san_member_result res;
        rc = san_member(&c, NULL, shown, data->data, data->len, &text, &res);
        if (rc == MG_OK && res.out_type != FT_TEXT && res.out_type != FT_CSV)
            rc = MG_ERR_VERIFY;
        if (rc != MG_OK && rc != MG_ERR_NOMEM)
            report_actionf(mj->node, ACTION_FOUND, "policy: mail_attachment_text",
                           "no text could be taken from attachment \"%s\" (%s)", shown,
                           res.rc != MG_OK ? res.why : err_str(rc));
        src = &text;
    }
    size_t room = MAIL_ATT_TEXT_TOTAL - mj->att_text.len, n = src->len;
    if (rc == MG_OK && room < 512) {
        report_actionf(mj->node, ACTION_FOUND, "policy: mail_attachment_text",
                       "text of attachment \"%s\" not appended: %u bytes of attachment text "
                       "already in the body",
                       shown, MAIL_ATT_TEXT_TOTAL);
        rc = MG_ERR_LIMIT;
    }
    if (rc == MG_OK) {
        size_t cap = room - 512 < MAIL_ATT_TEXT_MAX ? room - 512 : MAIL_ATT_TEXT_MAX;
        if (n > cap) { /* cut on a character boundary */
            n = cap;
            while (n > 0 && (src->data[n] & 0xC0) == 0x80)
                n--;
        }
        size_t dropped = 0;
        rc = buf_printf(&mj->att_text,
                        "\n----- 添付ファイル「%s」のテキスト / Text of the attachment \"%s\" "
                        "-----\n",
                        shown, shown);
        if (rc == MG_OK && n)
            rc = mail_text_clean(src->data, n, mj->pol->mail_defang_urls, &mj->att_text, &dropped);
        if (rc == MG_OK && n < src->len)
            rc = buf_printf(&mj->att_text,
                            "\n(以下 %zu バイト省略 / %zu more bytes of text not shown)\n",
                            src->len - n, src->len - n);
        else if (rc == MG_OK &&
                 (mj->att_text.len == 0 || mj->att_text.data[mj->att_text.len - 1] != '\n'))
            rc = buf_putc(&mj->att_text, '\n');
        if (rc == MG_OK)
            report_actionf(mj->node, ACTION_ADDED, "policy: mail_attachment_text",
                           "text of attachment \"%s\" appended to the body (%zu bytes%s)", shown, n,
                           n < src->len ? ", cut" : "");
    }
    buf_free(&text);
    return rc == MG_ERR_NOMEM ? rc : MG_OK;
}

/* Run one file through the member protocol; attach it or write a notice. */
static int attach_file(struct mail_job *mj, const char *name, const uint8_t *data, size_t len)
{
    struct buf san;
    struct san_member_result res;
    int rc = count_member(mj);
    if (rc != MG_OK)
        return rc;
    buf_init(&san, mj->pol->max_output_size);
    rc = san_member(mj->ctx, mj->node, name, data, len, &san, &res);
    if (rc == MG_OK) {
        char oname[600], shown[600];
        out_name(name, res.out_type, oname, sizeof(oname));
        rc = att_add(mj, oname, res.out_type, &san);
        if (rc == MG_OK) {
            clean_name(oname, shown, sizeof(shown));
            rc = attachment_text(mj, shown, res.in_type, res.out_type, &san);
        }
        buf_free(&san);
        return rc;
    }
    buf_free(&san);
    if (res.fatal) {
        report_block(mj->node, rc == MG_ERR_NOMEM ? REASON_NO_MEMORY : REASON_LIMIT,
                     "attachment \"%s\": %s", name, res.why);
        return rc;
    }
    report_actionf(mj->node, ACTION_REMOVED, res.why, "attachment \"%s\"", name);
    return notice_removed(mj, name, res.code, res.why);
}

/* A blocked file that never reached san_member() (TNEF, malformed, inline BinHex). */
static int refuse_file(struct mail_job *mj, const char *name, enum reason code, const char *why)
{
    int rc = count_member(mj);
    if (rc != MG_OK)
        return rc;
    struct report_node *child = report_new(name);
    if (!child)
        return MG_ERR_NOMEM;
    report_block(child, code, "%s", why);
    report_add_child(mj->node, child);
    report_actionf(mj->node, ACTION_REMOVED, why, "attachment \"%s\"", name);
    return notice_removed(mj, name, code, why);
}

static void default_name(struct mail_job *mj, char *dst, size_t cap)
{
    snprintf(dst, cap, "attachment-%u", ++mj->unnamed);
}

/* ---- body text ---- */

static int body_sep(struct mail_job *mj)
{
    if (mj->body.len == 0)
        return MG_OK;
    return buf_puts(&mj->body, "\n");
}

static bool has_pgp_message(const uint8_t *p, size_t n)
{
    /* An empty text has no data pointer at all. */
    return n && memmem(p, n, "-----BEGIN PGP MESSAGE-----", 27) != NULL;
}

/* Whether decoded bytes of a text part read as text (else: a file in disguise). */
static bool reads_as_text(const uint8_t *p, size_t n, const char *charset)
{
    struct ident id;
    if (!mail_charset_ascii_compatible(charset))
        return true; /* UTF-16/32: NULs are expected; decoding replaces junk */
    if (ident_buffer(p, n, NULL, &id) != MG_OK)
        return false;
    switch (id.type) {
    case FT_TEXT:
    case FT_CSV:
    case FT_HTML:
    case FT_XML:
    case FT_SVG:
    case FT_EML:
    case FT_RTF:
    case FT_SCRIPT:
    case FT_SHORTCUT:
        return true;
    case FT_UNKNOWN: {
        size_t ctl = 0;
        /* A stray NUL (a quoted-printable "=00" in a real bounce) does
         * not make text a file: the cleaning drops it. */
        for (size_t i = 0; i < n; i++)
            if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' && p[i] != 0x1B &&
                p[i] != '\f')
                ctl++;
        return ctl * 50 <= n;
    }
    default:
        return false;
    }
}

static int handle_encrypted(struct mail_job *mj, const char *what)
{
    if (mj->pol->mail_hold_encrypted) {
        report_block(mj->node, REASON_ENCRYPTED,
                     "%s: the message is encrypted and cannot be inspected; held whole", what);
        return MG_ERR_ENCRYPTED;
    }
    report_actionf(mj->node, ACTION_REMOVED, "encrypted content cannot be inspected", "%s", what);
    mj->removed++;
    return notice(mj,
                  "- 暗号化された部分 (%s) は検査できないため削除しました。原本の参照番号: %s\n"
                  "  The encrypted part (%s) could not be inspected and was removed. Original "
                  "kept, reference: %s\n",
                  what, mail_ref, what, mail_ref);
}

/* Whether text has a character a reader sees (not white space or a control). */
static bool visible(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] > 0x20 && p[i] != 0x7F)
            return true;
    return false;
}

/* Say which charset a text was read in when the declared one did not fit. */
static void report_charset(struct mail_job *mj, const char *declared)
{
    if (!mj->cs.fell_back || !mj->cs.used)
        return;
    report_actionf(mj->node, ACTION_REWROTE, "the bytes do not fit the declared charset",
                   "text declared as %s read as %s", declared && *declared ? declared : "US-ASCII",
                   mj->cs.used);
}

/* The charsets the message's parts declare: readings to try when one does not fit. */
static void collect_charsets(GMimeObject *obj, struct mail_cs_hint *hint, unsigned depth)
{
    if (!obj || depth > MAIL_NEST_MAX)
        return;
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n; i++)
            collect_charsets(g_mime_multipart_get_part(mp, i), hint, depth + 1);
        return;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        if (m)
            collect_charsets(g_mime_message_get_mime_part(m), hint, depth + 1);
        return;
    }
    const char *cs = ct_param(obj, "charset");
    if (!cs || !*cs || g_ascii_strcasecmp(cs, "us-ascii") == 0)
        return;
    for (size_t i = 0; i < hint->n_others; i++)
        if (g_ascii_strcasecmp(hint->others[i], cs) == 0)
            return;
    if (hint->n_others < MAIL_CS_OTHERS_MAX)
        hint->others[hint->n_others++] = cs;
}

/* Text of a text/plain part: inline files cut out, charset decoded, cleaned. */
static int body_plain(struct mail_job *mj, const uint8_t *p, size_t n, const char *charset)
{
    struct buf rest, utf8;
    struct mail_inline items[MAIL_INLINE_MAX];
    size_t n_items = 0, replaced = 0, dropped = 0;
    int rc;

    buf_init(&rest, n + 4096);
    buf_init(&utf8, 4 * n + 4096);
    if (mail_charset_ascii_compatible(charset)) {
        rc = mail_inline_extract(p, n, &rest, items, MAIL_INLINE_MAX, &n_items,
                                 mj->pol->max_input_size);
    } else {
        rc = buf_append(&rest, p, n);
    }
    size_t slots = n_items < MAIL_INLINE_MAX ? n_items : MAIL_INLINE_MAX;
    for (size_t i = 0; i < slots && rc == MG_OK; i++) {
        char nm[MAIL_INLINE_NAME_MAX * 2];
        struct buf nb;
        buf_init(&nb, sizeof(nm) * 2);
        mail_charset_decode(charset, &mj->cs, (const uint8_t *)items[i].name, strlen(items[i].name),
                            &nb, NULL);
        clean_name(nb.data ? (const char *)nb.data : "", nm, sizeof(nm));
        buf_free(&nb);
        if (!nm[0])
            default_name(mj, nm, sizeof(nm));
        report_actionf(mj->node, ACTION_FOUND, "files encoded in text are handled as attachments",
                       "%s data \"%s\" in the text", mail_inline_kind_name(items[i].kind), nm);
        if (items[i].error)
            rc = refuse_file(mj, nm, REASON_UNSUPPORTED, items[i].error);
        else
            rc = attach_file(mj, nm, items[i].data.data, items[i].data.len);
    }
    if (rc == MG_OK && n_items > slots) {
        char nm[64];
        snprintf(nm, sizeof(nm), "%zu more inline files", n_items - slots);
        rc = refuse_file(mj, nm, REASON_LIMIT, "too many inline encoded files in one text part");
    }
    mail_inline_free(items, slots);
    if (rc == MG_OK)
        rc = mail_charset_decode(charset, &mj->cs, rest.data, rest.len, &utf8, &replaced);
    if (rc == MG_OK)
        report_charset(mj, charset);
    if (rc == MG_OK && has_pgp_message(utf8.data, utf8.len))
        rc = handle_encrypted(mj, "inline PGP message");
    if (rc == MG_OK)
        rc = body_sep(mj);
    if (rc == MG_OK)
        rc = mail_text_clean(utf8.data, utf8.len, mj->pol->mail_defang_urls, &mj->body, &dropped);
    mj->text_seen = mj->text_seen || visible(utf8.data, utf8.len);
    if (rc == MG_OK && replaced)
        report_actionf(mj->node, ACTION_REWROTE, "bytes that are not text in the declared charset",
                       "%zu undecodable sequences in the text as U+FFFD", replaced);
    if (rc == MG_OK && dropped)
        report_actionf(mj->node, ACTION_REMOVED,
                       "control and bidi characters can hide or reorder text",
                       "%zu control characters from the text", dropped);
    buf_free(&rest);
    buf_free(&utf8);
    return rc;
}

static int body_html(struct mail_job *mj, const uint8_t *p, size_t n, const char *charset)
{
    struct buf utf8, text;
    struct html2text_stats st;
    char meta[64];
    size_t replaced = 0, dropped = 0;
    int rc;

    if (!charset || !*charset) {
        html2text_meta_charset(p, n, meta, sizeof(meta));
        charset = meta;
    }
    buf_init(&utf8, 4 * n + 4096);
    buf_init(&text, 4 * n + 4096);
    rc = mail_charset_decode(charset, &mj->cs, p, n, &utf8, &replaced);
    if (rc == MG_OK)
        report_charset(mj, charset);
    if (rc == MG_OK && has_pgp_message(utf8.data, utf8.len))
        rc = handle_encrypted(mj, "inline PGP message");
    if (rc == MG_OK)
        rc = html2text(utf8.data, utf8.len, &text, &st);
    if (rc == MG_OK)
        rc = body_sep(mj);
    if (rc == MG_OK)
        rc = mail_text_clean(text.data, text.len, mj->pol->mail_defang_urls, &mj->body, &dropped);
    mj->text_seen = mj->text_seen || visible(text.data, text.len);
    if (rc == MG_OK) {
        mj->html_converted++;
        report_actionf(mj->node, ACTION_REWROTE,
                       "HTML can run scripts, fetch remote content and hide link targets",
                       "HTML body as plain text (%u scripts/frames/objects, %u images, %u form "
                       "controls dropped; %u link targets written out, %u unsafe links dropped)",
                       st.scripts, st.images, st.forms, st.links, st.bad_links);
    }
    buf_free(&utf8);
    buf_free(&text);
    return rc;
}

/* ---- the walk ---- */

enum walk_mode {
    WALK_BODY,   /* text leaves are body text */
    WALK_ATTACH, /* an alternative we do not show: text leaves dropped, files attached */
};

static int walk(struct mail_job *mj, GMimeObject *obj, enum walk_mode mode, unsigned nest);

/*
 * The name= parameter of a Content-Type GMime could not parse (a type
 * without a subtype, "application-x-gzip; name=..."): GMime then falls back
 * to text/plain and drops the parameters, but readers still show the name.
 * Copied into dst (UTF-8), "" when there is none.
 */
static void raw_ct_name(GMimeObject *obj, char *dst, size_t cap)
{
    const char *raw = raw_header(obj, "Content-Type", NULL);
    const char *semi = raw ? strchr(raw, ';') : NULL;
    dst[0] = 0;
    if (!semi || ct_param(obj, "name"))
        return;
    GMimeParamList *pl = g_mime_param_list_parse(NULL, semi + 1);
    GMimeParam *pm = pl ? g_mime_param_list_get_parameter(pl, "name") : NULL;
    const char *v = pm ? g_mime_param_get_value(pm) : NULL;
    if (v)
        snprintf(dst, cap, "%s", v);
    if (pl)
        g_object_unref(pl);
}

static bool is_attachment(GMimeObject *obj)
{
    char nm[8];
    GMimeContentDisposition *d = g_mime_object_get_content_disposition(obj);
    if (d && g_mime_content_disposition_is_attachment(d))
        return true;
    if (!GMIME_IS_PART(obj))
        return false;
    if (g_mime_part_get_filename(GMIME_PART(obj)) != NULL)
        return true;
    raw_ct_name(obj, nm, sizeof(nm));
    return nm[0] != 0;
}

static void part_name(struct mail_job *mj, GMimePart *part, char *dst, size_t cap)
{
    clean_name(g_mime_part_get_filename(part), dst, cap);
    if (!dst[0]) {
        char raw[600];
        raw_ct_name(GMIME_OBJECT(part), raw, sizeof(raw));
        clean_name(raw, dst, cap);
    }
    if (!dst[0])
        default_name(mj, dst, cap);
}

static bool is_smime_opaque(GMimeObject *obj)
{
    if (ct_is(obj, "application", "pkcs7-mime") || ct_is(obj, "application", "x-pkcs7-mime"))
        return true;
    if (GMIME_IS_PART(obj)) {
        const char *fn = g_mime_part_get_filename(GMIME_PART(obj));
        size_t l = fn ? strlen(fn) : 0;
        if (l >= 4 && g_ascii_strcasecmp(fn + l - 4, ".p7m") == 0)
            return true;
    }
    return false;
}

static bool is_signature(GMimeObject *obj)
{
    return ct_is(obj, "application", "pkcs7-signature") ||
           ct_is(obj, "application", "x-pkcs7-signature") ||
           ct_is(obj, "application", "pgp-signature");
}

static bool is_tnef(GMimeObject *obj)
{
    if (ct_is(obj, "application", "ms-tnef") || ct_is(obj, "application", "vnd.ms-tnef"))
        return true;
    const char *fn = GMIME_IS_PART(obj) ? g_mime_part_get_filename(GMIME_PART(obj)) : NULL;
    return fn && g_ascii_strcasecmp(fn, "winmail.dat") == 0;
}

static int walk_leaf(struct mail_job *mj, GMimePart *part, enum walk_mode mode)
{
    GMimeObject *obj = GMIME_OBJECT(part);
    char name[600];
    struct buf data;
    bool malformed;
    int rc;

    if (is_smime_opaque(obj))
        return handle_encrypted(mj, "S/MIME (application/pkcs7-mime)");
    if (ct_is(obj, "application", "pgp-encrypted"))
        return handle_encrypted(mj, "PGP/MIME");
    if (is_signature(obj)) {
        mj->signatures++;
        report_action(mj->node, ACTION_REMOVED, "digital signature",
                      "a signature cannot stay valid on a rebuilt message");
        return count_member(mj);
    }
    bool text = !is_attachment(obj) && (ct_is(obj, "text", "plain") || ct_is(obj, "text", "html"));
    if (text && mode == WALK_ATTACH) {
        report_action(mj->node, ACTION_REMOVED, "alternative text representation",
                      "the message keeps one text body");
        return count_member(mj);
    }
    part_name(mj, part, name, sizeof(name));
    if (is_tnef(obj))
        return refuse_file(mj, name, REASON_UNSUPPORTED,
                           "TNEF (winmail.dat) is not unpacked; its attachments cannot be "
                           "checked");

    buf_init(&data, mj->pol->max_input_size);
    rc = part_bytes(part, &data, &malformed);
    if (rc != MG_OK) {
        buf_free(&data);
        report_block(mj->node, REASON_LIMIT, "a part is larger than the input limit");
        return rc;
    }
    const char *charset = ct_param(obj, "charset");
    if (text && malformed &&
        g_mime_part_get_content_encoding(part) == GMIME_CONTENT_ENCODING_BASE64 &&
        !plausible_text(data.data, data.len)) {
        /* Labelled base64, but the content is plain text (a real mailer's
         * mistake): a reader that fails to decode shows it as it is. */
        buf_reset(&data);
        rc = part_raw(part, &data);
        if (rc != MG_OK) {
            buf_free(&data);
            return rc;
        }
        malformed = false;
        report_action(mj->node, ACTION_FOUND, "a text part labelled base64 that holds plain text",
                      "shown as it stands");
    }
    if (text && !reads_as_text(data.data, data.len, charset)) {
        report_action(mj->node, ACTION_FOUND, "a part declared as text whose content is not text",
                      "handled as an attachment");
        text = false;
    }
    if (text) {
        rc = count_member(mj);
        if (rc == MG_OK && malformed)
            report_action(mj->node, ACTION_FOUND, "malformed transfer encoding in a text part",
                          "decoded what could be decoded");
        if (rc == MG_OK)
            rc = ct_is(obj, "text", "html") ? body_html(mj, data.data, data.len, charset)
                                            : body_plain(mj, data.data, data.len, charset);
    } else if (malformed) {
        rc = refuse_file(mj, name, REASON_PARSE_ERROR,
                         "malformed transfer encoding (base64 with characters outside the "
                         "alphabet, data after padding, or an unknown encoding)");
    } else {
        rc = attach_file(mj, name, data.data, data.len);
    }
    buf_free(&data);
    return rc;
}

/*
 * GMime writes a multipart that has no boundary parameter with one made
 * up from /dev/urandom (an open() that kills the worker): give each one a
 * fixed boundary before a nested message is written out.
 */
static void name_boundaries(GMimeObject *obj, unsigned depth, unsigned *k)
{
    if (!obj || depth > MAIL_NEST_MAX + 8)
        return;
    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        if (m)
            name_boundaries(g_mime_message_get_mime_part(m), depth + 1, k);
        return;
    }
    if (!GMIME_IS_MULTIPART(obj))
        return;
    GMimeMultipart *mp = GMIME_MULTIPART(obj);
    if (!ct_param(obj, "boundary")) {
        char b[64];
        snprintf(b, sizeof(b), "=_mugai_unsplit_%u", (*k)++);
        g_mime_multipart_set_boundary(mp, b);
    }
    int n = g_mime_multipart_get_count(mp);
    for (int i = 0; i < n; i++)
        name_boundaries(g_mime_multipart_get_part(mp, i), depth + 1, k);
}

/* message/rfc822: sanitized on its own, attached as a message. */
static int walk_message(struct mail_job *mj, GMimeMessagePart *mp)
{
    char name[600];
    GMimeObject *obj = GMIME_OBJECT(mp);
    GMimeMessage *inner = g_mime_message_part_get_message(mp);
    GMimeStream *ms = NULL;
    struct buf san;
    int rc = count_member(mj);
    if (rc != MG_OK)
        return rc;

    const char *fn = NULL;
    GMimeContentDisposition *d = g_mime_object_get_content_disposition(obj);
    if (d)
        fn = g_mime_content_disposition_get_parameter(d, "filename");
    if (!fn)
        fn = ct_param(obj, "name");
    clean_name(fn, name, sizeof(name));
    if (!name[0])
        snprintf(name, sizeof(name), "attached-message-%u.eml", ++mj->unnamed);
    if (!inner) {
        report_action(mj->node, ACTION_REMOVED, "empty message/rfc822 part", "nothing to attach");
        return MG_OK;
    }
    unsigned k = 0;
    name_boundaries(g_mime_message_get_mime_part(inner), 0, &k);
    ms = g_mime_stream_mem_new();
    g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, ms);
    GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
    /* A message by its MIME type, whatever its first lines look like to
     * identification: the whole pipeline (name, policy, this family,
     * verification) one level down. */
    struct san_member_result res;
    buf_init(&san, mj->pol->max_output_size);
    rc = san_member_given(mj->ctx, mj->node, name, FT_EML, ba ? ba->data : NULL, ba ? ba->len : 0,
                          &san, &res);
    g_object_unref(ms);
    if (rc == MG_OK) {
        rc = att_add(mj, name, FT_EML, &san);
    } else if (res.fatal) {
        report_block(mj->node, rc == MG_ERR_NOMEM ? REASON_NO_MEMORY : REASON_LIMIT,
                     "attached message \"%s\": %s", name, res.why);
    } else {
        report_actionf(mj->node, ACTION_REMOVED, res.why, "attached message \"%s\"", name);
        rc = notice_removed(mj, name, res.code, res.why);
    }
    buf_free(&san);
    return rc;
}

/*
 * A multipart GMime could not split: no boundary parameter, a boundary
 * that never occurs, or nesting past GMime's limit. Everything is then in
 * its prologue, and a reader shows that as text (Python's email package
 * does the same): it becomes body text, never silently nothing.
 */
static int walk_unsplit(struct mail_job *mj, GMimeMultipart *mp, enum walk_mode mode)
{
    const char *pro = g_mime_multipart_get_prologue(mp);
    size_t n = pro ? strlen(pro) : 0;
    int rc = count_member(mj);
    if (rc != MG_OK)
        return rc;
    report_action(mj->node, ACTION_FOUND, "a multipart without parts (no or unused boundary)",
                  "its content is read as text");
    if (mode != WALK_BODY) {
        report_action(mj->node, ACTION_REMOVED, "alternative text representation",
                      "the message keeps one text body");
        return MG_OK;
    }
    return n ? body_plain(mj, (const uint8_t *)pro, n, NULL) : MG_OK;
}

/* The child of a multipart/alternative shown as the body: plain text first. */
static int pick_alternative(GMimeMultipart *mp)
{
    int n = g_mime_multipart_get_count(mp);
    /* First a part whose transfer encoding is clean: a plain text twin
     * with broken base64 must not win over an HTML one that decodes. */
    for (int clean = 1; clean >= 0; clean--) {
        for (int html = 0; html <= 1; html++) {
            for (int i = 0; i < n; i++) {
                GMimeObject *c = g_mime_multipart_get_part(mp, i);
                if (GMIME_IS_PART(c) && ct_is(c, "text", html ? "html" : "plain") &&
                    !is_attachment(c) &&
                    (!clean || (!b64_broken(GMIME_PART(c)) && has_content(GMIME_PART(c)))))
                    return i;
            }
        }
    }
    for (int i = 0; i < n; i++)
        if (GMIME_IS_MULTIPART(g_mime_multipart_get_part(mp, i)))
            return i;
    return -1;
}

static int walk_multipart(struct mail_job *mj, GMimeMultipart *mp, enum walk_mode mode,
                          unsigned nest)
{
    GMimeObject *obj = GMIME_OBJECT(mp);
    int n = g_mime_multipart_get_count(mp), rc = MG_OK;

    /* Not g_mime_multipart_get_boundary(): for a multipart without one it
     * makes one up from /dev/urandom, and opening a file kills the worker. */
    rc = check_boundary(mj, ct_param(obj, "boundary"));
    if (rc != MG_OK)
        return rc;
    if (n == 0)
        return walk_unsplit(mj, mp, mode);
    if (GMIME_IS_MULTIPART_ENCRYPTED(obj) || ct_is(obj, "multipart", "encrypted"))
        return handle_encrypted(mj, "PGP/MIME or S/MIME multipart/encrypted");
    if (GMIME_IS_MULTIPART_SIGNED(obj) || ct_is(obj, "multipart", "signed")) {
        mj->signatures++;
        report_action(mj->node, ACTION_REMOVED, "digital signature (multipart/signed)",
                      "a signature cannot stay valid on a rebuilt message");
        for (int i = 0; i < n && rc == MG_OK; i++) {
            GMimeObject *c = g_mime_multipart_get_part(mp, i);
            if (i == 0)
                rc = walk(mj, c, mode, nest + 1);
            else
                rc = count_member(mj); /* the signature */
        }
        return rc;
    }
    if (ct_is(obj, "multipart", "alternative")) {
        int pick = mode == WALK_BODY ? pick_alternative(mp) : -1;
        if (n > 1)
            report_action(mj->node, ACTION_REMOVED, "multipart/alternative",
                          "one text body is kept; files inside any alternative are attachments");
        for (int i = 0; i < n && rc == MG_OK; i++)
            rc = walk(mj, g_mime_multipart_get_part(mp, i), i == pick ? WALK_BODY : WALK_ATTACH,
                      nest + 1);
        return rc;
    }
    if (ct_is(obj, "multipart", "related")) {
        /* The root (start parameter, else the first part) is the body;
         * the rest (inline images and the like) are attachments. */
        const char *start = ct_param(obj, "start");
        int root = 0;
        for (int i = 0; start && i < n; i++) {
            const char *cid = g_mime_object_get_content_id(g_mime_multipart_get_part(mp, i));
            if (cid && strstr(start, cid))
                root = i;
        }
        for (int i = 0; i < n && rc == MG_OK; i++)
            rc = walk(mj, g_mime_multipart_get_part(mp, i), i == root ? mode : WALK_ATTACH,
                      nest + 1);
        return rc;
    }
    for (int i = 0; i < n && rc == MG_OK; i++)
        rc = walk(mj, g_mime_multipart_get_part(mp, i), mode, nest + 1);
    return rc;
}

static int walk(struct mail_job *mj, GMimeObject *obj, enum walk_mode mode, unsigned nest)
{
    int rc;
    if (!obj)
        return MG_OK;
    if (nest > MAIL_NEST_MAX) {
        report_block(mj->node, REASON_LIMIT, "MIME parts nested deeper than %d", MAIL_NEST_MAX);
        return MG_ERR_LIMIT;
    }
    if ((rc = check_headers(mj, obj)) != MG_OK || (rc = check_ambiguous(mj, obj)) != MG_OK)
        return rc;
    if (GMIME_IS_MULTIPART(obj))
        return walk_multipart(mj, GMIME_MULTIPART(obj), mode, nest);
    if (GMIME_IS_MESSAGE_PART(obj))
        return walk_message(mj, GMIME_MESSAGE_PART(obj));
    if (GMIME_IS_PART(obj))
        return walk_leaf(mj, GMIME_PART(obj), mode);
    report_action(mj->node, ACTION_REMOVED, "a MIME object of unknown kind", "not understood");
    return MG_OK;
}

/* ---- pre-parse checks ---- */

static size_t count_ci(const uint8_t *p, size_t n, const char *needle)
{
    size_t k = strlen(needle), c = 0;
    for (size_t i = 0; i + k <= n; i++)
        if ((p[i] | 0x20) == needle[0] && strncasecmp((const char *)p + i, needle, k) == 0)
            c++;
    return c;
}

static int precheck(struct mail_job *mj)
{
    const struct policy *pol = mj->pol;
    if (pol->mail_max_size && mj->in_len > pol->mail_max_size) {
        report_block(mj->node, REASON_LIMIT,
                     "the message is %zu bytes, over the mail size limit of %llu bytes; refused "
                     "whole, not truncated",
                     mj->in_len, (unsigned long long)pol->mail_max_size);
        return MG_ERR_LIMIT;
    }
    /* The top-level header block ends at the first empty line. */
    size_t lim = mj->in_len < (size_t)MAIL_HEADER_BLOCK_MAX + 2 ? mj->in_len
                                                                : (size_t)MAIL_HEADER_BLOCK_MAX + 2;
    bool found = false;
    for (size_t i = 0; i + 1 < lim && !found; i++)
        if (mj->in[i] == '\n' &&
            (mj->in[i + 1] == '\n' ||
             (mj->in[i + 1] == '\r' && i + 2 < mj->in_len && mj->in[i + 2] == '\n')))
            found = true;
    if (!found && mj->in_len > MAIL_HEADER_BLOCK_MAX) {
        report_block(mj->node, REASON_LIMIT, "the header block is larger than %u bytes",
                     MAIL_HEADER_BLOCK_MAX);
        return MG_ERR_LIMIT;
    }
    size_t opens = count_ci(mj->in, mj->in_len, "multipart/") +
                   count_ci(mj->in, mj->in_len, "message/rfc822");
    if (opens > MAIL_OPENINGS_MAX) {
        report_block(mj->node, REASON_LIMIT, "more than %d multipart or message/rfc822 parts",
                     MAIL_OPENINGS_MAX);
        return MG_ERR_LIMIT;
    }
    return MG_OK;
}

/* ---- output ---- */

struct kept_header {
    const char *name;
    enum mail_hdr_kind kind;
    bool many; /* may appear more than once */
};

static const struct kept_header kept_headers[] = {
        {"Return-Path", MAIL_HDR_ASCII, false}, {"Received", MAIL_HDR_ASCII, true},
        {"Date", MAIL_HDR_ASCII, false},        {"From", MAIL_HDR_ADDRESS, false},
        {"Sender", MAIL_HDR_ADDRESS, false},    {"Reply-To", MAIL_HDR_ADDRESS, false},
        {"To", MAIL_HDR_ADDRESS, false},        {"Cc", MAIL_HDR_ADDRESS, false},
        {"Subject", MAIL_HDR_TEXT, false},      {"Message-ID", MAIL_HDR_ASCII, false},
        {"In-Reply-To", MAIL_HDR_ASCII, false}, {"References", MAIL_HDR_ASCII, false},
};

/* Write one kept field from a decoded value; a value that cannot be written is dropped. */
static int put_header(struct report_node *node, struct buf *out, const char *name,
                      const struct buf *val, enum mail_hdr_kind kind)
{
    int rc = mail_write_header(out, name, val->data ? (const char *)val->data : "", val->len, kind);
    if (rc == MG_ERR_PARSE) {
        if (node)
            report_actionf(node, ACTION_REMOVED, "a line longer than 998 bytes", "header field %s",
                           name);
        return MG_OK;
    }
    return rc;
}

/* Decoded (UTF-8) value of a raw header. */
static int decode_value(const char *raw, enum mail_hdr_kind kind, struct mail_cs_hint *hint,
                        struct buf *val)
{
    struct buf u;
    buf_init(&u, MAIL_HEADER_FIELD_MAX + 1);
    int rc = unfold(raw, &u);
    if (rc == MG_OK) {
        if (kind == MAIL_HDR_ASCII)
            rc = buf_append(val, u.data, u.len);
        else
            rc = mail_header_decode((const char *)u.data, u.len, hint, val, NULL);
    }
    if (rc == MG_OK && val->data)
        val->data[val->len] = 0;
    buf_free(&u);
    return rc;
}

/* The kept headers of msg; subject tag applied when tag is non-empty. */
static int write_kept_headers(struct report_node *node, GMimeMessage *msg, struct buf *out,
                              const char *tag_prefix, const char *tag)
{
    GMimeObject *obj = GMIME_OBJECT(msg);
    GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
    int n = hl ? g_mime_header_list_get_count(hl) : 0, rc = MG_OK;
    bool subject_done = false, fell_back = false;
    struct mail_cs_hint hint;

    memset(&hint, 0, sizeof(hint));
    collect_charsets(g_mime_message_get_mime_part(msg), &hint, 0);

    for (size_t k = 0; k < sizeof(kept_headers) / sizeof(kept_headers[0]) && rc == MG_OK; k++) {
        const struct kept_header *kh = &kept_headers[k];
        int seen = 0;
        for (int i = 0; i < n && rc == MG_OK; i++) {
            GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
            if (g_ascii_strcasecmp(g_mime_header_get_name(h), kh->name) != 0)
                continue;
            if (seen && !kh->many) {
                if (node)
                    report_actionf(node, ACTION_REMOVED,
                                   "a second copy of a field readers show one of (spoofing)",
                                   "duplicate %s field", kh->name);
                continue;
            }
            if (++seen > MAIL_RECEIVED_MAX)
                continue;
            struct buf val;
            buf_init(&val, 4 * MAIL_HEADER_FIELD_MAX + 1024);
            if (strcmp(kh->name, "Subject") == 0 && (tag[0] || tag_prefix[0])) {
                struct buf dec;
                buf_init(&dec, 4 * MAIL_HEADER_FIELD_MAX + 1024);
                rc = decode_value(g_mime_header_get_raw_value(h), kh->kind, &hint, &dec);
                const char *ds = dec.data ? (const char *)dec.data : "";
                if (rc == MG_OK)
                    rc = buf_puts(&val, tag_prefix);
                if (rc == MG_OK && tag[0] && strncmp(ds, tag, strlen(tag)) != 0)
                    rc = buf_printf(&val, "%s ", tag);
                if (rc == MG_OK)
                    rc = buf_append(&val, dec.data, dec.len);
                buf_free(&dec);
                subject_done = true;
            } else {
                rc = decode_value(g_mime_header_get_raw_value(h), kh->kind, &hint, &val);
            }
            if (rc == MG_OK)
                rc = put_header(node, out, kh->name, &val, kh->kind);
            buf_free(&val);
            if (hint.fell_back && !fell_back && node)
                report_actionf(node, ACTION_REWROTE, "the bytes do not fit the declared charset",
                               "header text read as %s", hint.used ? hint.used : "?");
            fell_back = fell_back || hint.fell_back;
        }
    }
    if (rc == MG_OK && !subject_done && (tag[0] || tag_prefix[0])) {
        struct buf val;
        buf_init(&val, 1024);
        rc = buf_printf(&val, "%s%s", tag_prefix, tag);
        if (rc == MG_OK)
            rc = put_header(node, out, "Subject", &val, MAIL_HDR_TEXT);
        buf_free(&val);
    }
    return rc;
}

/* The types an attachment is released as, with the Content-Type it is
 * written with; the output verifier accepts these and nothing else. Every
 * output type of the families' descriptors (san.h) must be here, or a
 * message with such an attachment is written as application/octet-stream
 * and then held by its own verification. */
static const struct {
    enum ftype type;
    const char *mime;
} mail_types[] = {
        {FT_TEXT, "text/plain"},
        {FT_CSV, "text/csv"},
        {FT_JPEG, "image/jpeg"},
        {FT_PNG, "image/png"},
        {FT_GIF, "image/gif"},
        {FT_PDF, "application/pdf"},
        {FT_DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        {FT_DOTX, "application/vnd.openxmlformats-officedocument.wordprocessingml.template"},
        {FT_XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {FT_XLTX, "application/vnd.openxmlformats-officedocument.spreadsheetml.template"},
        {FT_PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
        {FT_PPSX, "application/vnd.openxmlformats-officedocument.presentationml.slideshow"},
        {FT_POTX, "application/vnd.openxmlformats-officedocument.presentationml.template"},
        {FT_DOC, "application/msword"},
        {FT_XLS, "application/vnd.ms-excel"},
        {FT_PPT, "application/vnd.ms-powerpoint"},
        {FT_ODT, "application/vnd.oasis.opendocument.text"},
        {FT_ODS, "application/vnd.oasis.opendocument.spreadsheet"},
        {FT_ODP, "application/vnd.oasis.opendocument.presentation"},
        {FT_OTT, "application/vnd.oasis.opendocument.text-template"},
        {FT_OTS, "application/vnd.oasis.opendocument.spreadsheet-template"},
        {FT_OTP, "application/vnd.oasis.opendocument.presentation-template"},
        {FT_RTF, "application/rtf"},
        {FT_ZIP, "application/zip"},
        {FT_HTML, "text/html"},
        {FT_SVG, "image/svg+xml"},
        {FT_XML, "application/xml"},
};

static const char *mime_of(enum ftype t)
{
    if (t == FT_EML)
        return "message/rfc822";
    for (size_t i = 0; i < sizeof(mail_types) / sizeof(mail_types[0]); i++)
        if (mail_types[i].type == t)
            return mail_types[i].mime;
    return "application/octet-stream";
}

static const char *text_charset(const uint8_t *p, size_t n)
{
    switch (textenc_detect(p, n)) {
    case TEXT_ENC_ASCII:
        return "us-ascii";
    case TEXT_ENC_UTF16LE:
    case TEXT_ENC_UTF16BE:
        return "utf-16";
    case TEXT_ENC_SJIS:
        return "Shift_JIS";
    case TEXT_ENC_EUCJP:
        return "EUC-JP";
    case TEXT_ENC_ISO2022JP:
        return "ISO-2022-JP";
    default:
        return "utf-8";
    }
}

static int write_text_part_headers(struct buf *out)
{
    return buf_puts(out, "Content-Type: text/plain; charset=UTF-8\r\n"
                         "Content-Transfer-Encoding: base64\r\n");
}

/* Body text with CR LF line ends, base64. */
static int write_body(struct buf *out, const struct buf *text)
{
    struct buf crlf;
    buf_init(&crlf, 2 * text->len + 16);
    int rc = MG_OK;
    for (size_t i = 0; i < text->len && rc == MG_OK; i++) {
        if (text->data[i] == '\n')
            rc = buf_putc(&crlf, '\r');
        if (rc == MG_OK)
            rc = buf_putc(&crlf, text->data[i]);
    }
    if (rc == MG_OK && (crlf.len == 0 || crlf.data[crlf.len - 1] != '\n'))
        rc = buf_puts(&crlf, "\r\n");
    if (rc == MG_OK)
        rc = mail_write_base64(out, crlf.data, crlf.len);
    buf_free(&crlf);
    return rc;
}

/* The rest of an attachment's header after its Content-Type, and the blank line. */
static int write_disposition(struct buf *out, const char *name, const char *cte)
{
    int rc = buf_puts(out, "\r\nContent-Disposition: attachment");
    if (rc == MG_OK)
        rc = mail_write_param(out, "filename", name);
    if (rc == MG_OK)
        rc = buf_printf(out, "\r\nContent-Transfer-Encoding: %s\r\n\r\n", cte);
    return rc;
}

static int write_attachment(struct buf *out, const struct mail_att *a)
{
    int rc;
    if (a->type == FT_EML) {
        /* Our own output: 7-bit, short lines; message/rfc822 may not be base64. */
        rc = buf_puts(out, "Content-Type: message/rfc822");
        if (rc == MG_OK)
            rc = write_disposition(out, a->name, "7bit");
        if (rc == MG_OK)
            rc = buf_append(out, a->data, a->len);
        if (rc == MG_OK && (a->len == 0 || a->data[a->len - 1] != '\n'))
            rc = buf_puts(out, "\r\n");
        return rc;
    }
    rc = buf_printf(out, "Content-Type: %s", mime_of(a->type));
    if (rc == MG_OK && (a->type == FT_TEXT || a->type == FT_CSV))
        rc = buf_printf(out, "; charset=%s", text_charset(a->data, a->len));
    if (rc == MG_OK) {
        /* Outlook reads RFC 2047 in name=; everyone else RFC 2231 in filename*. */
        bool ascii = true;
        for (const char *s = a->name; *s; s++)
            if ((unsigned char)*s >= 0x80 || *s == '"' || *s == '\\')
                ascii = false;
        if (ascii && strlen(a->name) < 60) {
            rc = mail_write_param(out, "name", a->name);
        } else {
            size_t col = 8;
            rc = buf_puts(out, ";\r\n name=\"");
            if (rc == MG_OK)
                rc = mail_write_encoded_words(out, a->name, strlen(a->name), &col);
            if (rc == MG_OK)
                rc = buf_putc(out, '"');
        }
    }
    if (rc == MG_OK)
        rc = write_disposition(out, a->name, "base64");
    if (rc == MG_OK)
        rc = mail_write_base64(out, a->data, a->len);
    return rc;
}

static bool boundary_free(const struct mail_job *mj, const char *b)
{
    size_t bl = strlen(b);
    for (size_t i = 0; i < mj->n_atts; i++)
        if (mj->atts[i].type == FT_EML && memmem(mj->atts[i].data, mj->atts[i].len, b, bl))
            return false;
    return true;
}

static int write_message(struct mail_job *mj, GMimeMessage *msg, struct buf *out)
{
    const struct policy *pol = mj->pol;
    struct buf text;
    char boundary[64];
    int rc;

    rc = write_kept_headers(mj->node, msg, out, "", pol->mail_subject_tag);
    if (rc != MG_OK)
        return rc;
    rc = buf_printf(out,
                    "MIME-Version: 1.0\r\n"
                    "X-Mugai-Result: verdict=sanitized; attachments=%zu; removed=%u;\r\n"
                    " original=sha256:%s\r\n",
                    mj->n_atts, mj->removed, mail_ref);
    if (rc != MG_OK)
        return rc;

    /* Notices first, then the text. */
    buf_init(&text, mj->body.len + mj->notices.len + mj->att_text.len + 4096);
    if (mj->removed || mj->html_converted || mj->signatures) {
        rc = buf_puts(&text,
                      "[Mugai] このメールは無害化されました。 / This message was sanitized.\n");
        if (rc == MG_OK && mj->html_converted)
            rc = buf_puts(&text,
                          "- HTML の本文をテキストに変換しました (リンク先は < > 内に表示、画像は"
                          "読み込みません)。\n"
                          "  The HTML body was converted to plain text (link targets shown in "
                          "< >, no images loaded).\n");
        if (rc == MG_OK && mj->signatures)
            rc = buf_puts(&text, "- 電子署名を削除しました (署名は検証されていません)。\n"
                                 "  The digital signature was removed (it was not verified).\n");
        if (rc == MG_OK)
            rc = buf_append(&text, mj->notices.data, mj->notices.len);
        if (rc == MG_OK)
            rc = buf_puts(&text, "========================================================"
                                 "==============\n\n");
    }
    if (rc == MG_OK)
        rc = buf_append(&text, mj->body.data, mj->body.len);
    if (rc == MG_OK && mj->att_text.len)
        rc = buf_append(&text, mj->att_text.data, mj->att_text.len);

    if (rc == MG_OK && mj->n_atts == 0) {
        rc = write_text_part_headers(out);
        if (rc == MG_OK)
            rc = buf_puts(out, "\r\n");
        if (rc == MG_OK)
            rc = write_body(out, &text);
        buf_free(&text);
        return rc;
    }
    for (unsigned v = 0;; v++) {
        snprintf(boundary, sizeof(boundary), "=_mugai_%.24s_%u", mail_ref, v);
        if (boundary_free(mj, boundary) || v > 1000)
            break;
    }
    if (rc == MG_OK)
        rc = buf_printf(out,
                        "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n"
                        "This is a multi-part message in MIME format.\r\n\r\n--%s\r\n",
                        boundary, boundary);
    if (rc == MG_OK)
        rc = write_text_part_headers(out);
    if (rc == MG_OK)
        rc = buf_puts(out, "\r\n");
    if (rc == MG_OK)
        rc = write_body(out, &text);
    for (size_t i = 0; i < mj->n_atts && rc == MG_OK; i++) {
        rc = buf_printf(out, "\r\n--%s\r\n", boundary);
        if (rc == MG_OK)
            rc = write_attachment(out, &mj->atts[i]);
    }
    if (rc == MG_OK)
        rc = buf_printf(out, "\r\n--%s--\r\n", boundary);
    buf_free(&text);
    return rc;
}

/* ---- entry points ---- */

/* Whether a line is a header field: a name of printable ASCII, optional white space, ':'. */
static bool header_line(const uint8_t *p, size_t n)
{
    size_t k = 0;
    while (k < n && p[k] > 0x20 && p[k] < 0x7F && p[k] != ':')
        k++;
    size_t c = k;
    while (c < n && (p[c] == ' ' || p[c] == '\t'))
        c++;
    return k > 0 && c < n && p[c] == ':';
}

/* The end of the line at i (its terminator excluded) and the start of the next. */
static size_t line_end(const uint8_t *p, size_t n, size_t i, size_t *next)
{
    const uint8_t *nl = memchr(p + i, '\n', n - i);
    size_t e = nl ? (size_t)(nl - p) : n;
    *next = nl ? e + 1 : n;
    return e > i && p[e - 1] == '\r' ? e - 1 : e;
}

/*
 * Offsets where a message/rfc822 part's content starts with a line that
 * is no header field ("[original message goes here]", "REDACTED" in real
 * bounces). GMime skips such lines as broken headers, so that text would
 * vanish; a reader (Python's email package too) shows the content as the
 * body of a message without headers. An empty line inserted there gives
 * GMime that reading. Encoded message parts are left alone.
 */
static size_t headerless_messages(const uint8_t *p, size_t n, size_t *at, size_t max)
{
    size_t k = 0, i = 0, next;
    while (i < n && k < max) {
        size_t e = line_end(p, n, i, &next);
        if (e - i >= 13 && strncasecmp((const char *)p + i, "content-type:", 13) == 0 &&
            count_ci(p + i, e - i, "message/rfc822") > 0) {
            bool encoded = false;
            size_t j = next;
            while (j < n) { /* the rest of this header block */
                size_t je = line_end(p, n, j, &next);
                if (je == j)
                    break;
                encoded = encoded || count_ci(p + j, je - j, "base64") ||
                          count_ci(p + j, je - j, "quoted-printable");
                j = next;
            }
            if (j < n && next < n && !encoded) {
                size_t fe = line_end(p, n, next, &i);
                if (fe > next && p[next] != ' ' && p[next] != '\t' &&
                    !header_line(p + next, fe - next) &&
                    !(fe - next >= 5 && memcmp(p + next, "From ", 5) == 0))
                    at[k++] = next;
                continue;
            }
        }
        i = next;
    }
    return k;
}

/*
 * Offsets of lines that continue a parameter list without the leading
 * white space folding needs ("Content-Type: multipart/alternative;" then
 * "boundary=..." at the start of the next line, as in real Office 365
 * bounces). GMime skips such a line as a broken header, losing the
 * boundary and with it every part; a space in front makes it the
 * continuation its writer meant.
 */
static size_t broken_folds(const uint8_t *p, size_t n, size_t *at, size_t max)
{
    size_t k = 0, i = 0, next;
    bool prev_semi = false;
    while (i < n && k < max) {
        size_t e = line_end(p, n, i, &next), t = e;
        bool field = header_line(p + i, e - i) || (e > i && (p[i] == ' ' || p[i] == '\t'));
        if (!field && prev_semi && e > i) {
            size_t c = i;
            while (c < e && (isalnum(p[c]) || p[c] == '-' || p[c] == '_' || p[c] == '*'))
                c++;
            if (c > i && c < e && p[c] == '=') {
                at[k++] = i;
                field = true;
            }
        }
        while (t > i && (p[t - 1] == ' ' || p[t - 1] == '\t'))
            t--;
        prev_semi = field && t > i && p[t - 1] == ';';
        i = next;
    }
    return k;
}

/*
 * A zone offset in a Date: line that is no offset ("+0980": minutes past
 * 59, hours past 23). GMime hands "+0980" to GLib as a time zone name, and
 * GLib looks for it in /usr/share/zoneinfo: a stat() that kills the
 * worker. Returns the offset of the sign of the first such token in the
 * line, or (size_t)-1.
 */
static size_t bad_zone(const uint8_t *p, size_t n)
{
    if (n < 5 || strncasecmp((const char *)p, "date", 4) != 0)
        return (size_t)-1;
    for (size_t i = 4; i + 5 <= n; i++) {
        if ((p[i] != '+' && p[i] != '-') || (i > 0 && p[i - 1] != ' ' && p[i - 1] != '\t'))
            continue;
        if (!isdigit(p[i + 1]) || !isdigit(p[i + 2]) || !isdigit(p[i + 3]) || !isdigit(p[i + 4]) ||
            (i + 5 < n && p[i + 5] > ' '))
            continue;
        int hh = (p[i + 1] - '0') * 10 + (p[i + 2] - '0'),
            mm = (p[i + 3] - '0') * 10 + (p[i + 4] - '0');
        if (hh > 23 || mm > 59)
            return i;
    }
    return (size_t)-1;
}

/* Rewrite such offsets to "+0000" in norm (copying *p there first). */
static int fix_zones(struct buf *norm, const uint8_t **p, size_t *n, bool *fixed)
{
    size_t i = 0, next;
    int rc = MG_OK;
    *fixed = false;
    while (i < *n && rc == MG_OK) {
        size_t e = line_end(*p, *n, i, &next), z = bad_zone(*p + i, e - i);
        if (z != (size_t)-1) {
            if (*p != norm->data) {
                buf_reset(norm);
                rc = buf_append(norm, *p, *n);
                if (rc != MG_OK)
                    break;
                *p = norm->data;
            }
            memcpy(norm->data + i + z, "+0000", 5);
            *fixed = true;
            continue; /* the same line again: there may be another */
        }
        i = next;
    }
    return rc;
}

/*
 * The bytes GMime is given. A leading mbox "From " separator (what Postfix
 * pipe with flags=F, procmail and .forward pipes hand over) is not part of
 * the message: dropped. GMime knows LF and CR LF line ends only; a message
 * whose header block ends its lines with a lone CR (old Mac mailers, some
 * bounce generators) would parse as one long header and an empty body, so
 * there every lone CR becomes LF. Other messages keep their bytes: a lone
 * CR inside a binary part is data. Attached messages without a header
 * block get an empty one (headerless_messages). *p and *n point into in
 * or into norm.
 */
static int mail_normalise(const uint8_t *in, size_t len, struct buf *norm, const uint8_t **p,
                          size_t *n, bool *from_line, bool *cr_only)
{
    size_t start = 0, at[64], folds[64];
    struct buf tmp;
    int rc = MG_OK;
    *from_line = *cr_only = false;
    size_t first = 0;
    while (first < len && in[first] != '\r' && in[first] != '\n')
        first++;
    /* "From  : name" is a From field in RFC 5322's obsolete syntax, not a separator. */
    if (len >= 5 && memcmp(in, "From ", 5) == 0 && !header_line(in, first)) {
        while (start < len && in[start] != '\r' && in[start] != '\n')
            start++;
        if (start < len && in[start] == '\r' && start + 1 < len && in[start + 1] == '\n')
            start++;
        if (start < len)
            start++;
        *from_line = true;
    }
    size_t e = start;
    while (e < len && in[e] != '\r' && in[e] != '\n')
        e++;
    *cr_only = e + 1 < len && in[e] == '\r' && in[e + 1] != '\n';
    *p = in + start;
    *n = len - start;
    buf_init(&tmp, norm->max);
    if (*cr_only) {
        for (size_t i = start; i < len && rc == MG_OK; i++)
            rc = buf_putc(&tmp,
                          in[i] == '\r' && (i + 1 >= len || in[i + 1] != '\n') ? '\n' : in[i]);
        *p = tmp.data ? tmp.data : (const uint8_t *)"";
        *n = tmp.len;
    }
    size_t k = rc == MG_OK ? headerless_messages(*p, *n, at, sizeof(at) / sizeof(at[0])) : 0;
    size_t kf = rc == MG_OK ? broken_folds(*p, *n, folds, sizeof(folds) / sizeof(folds[0])) : 0;
    if (rc == MG_OK && (k || kf || *cr_only)) {
        size_t from = 0, a = 0, f = 0;
        while ((a < k || f < kf) && rc == MG_OK) {
            bool fold = f < kf && (a >= k || folds[f] < at[a]);
            size_t off = fold ? folds[f++] : at[a++];
            rc = buf_append(norm, *p + from, off - from);
            if (rc == MG_OK && fold)
                rc = buf_putc(norm, ' ');
            else if (rc == MG_OK)
                rc = buf_puts(norm, off >= 2 && (*p)[off - 2] == '\r' ? "\r\n" : "\n");
            from = off;
        }
        if (rc == MG_OK)
            rc = buf_append(norm, *p + from, *n - from);
        *p = norm->data ? norm->data : (const uint8_t *)"";
        *n = norm->len;
    }
    buf_free(&tmp);
    bool fixed;
    if (rc == MG_OK)
        rc = fix_zones(norm, p, n, &fixed);
    return rc;
}

/* Where the body starts: after the first empty line (the end of the header block). */
static const uint8_t *body_start(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '\n' &&
            (p[i + 1] == '\n' || (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n')))
            return p + i + 1;
    return p + n;
}

static GMimeMessage *parse_message(const uint8_t *in, size_t len)
{
    GMimeStream *s = g_mime_stream_mem_new_with_buffer((const char *)in, len);
    GMimeParser *p = g_mime_parser_new_with_stream(s);
    GMimeParserOptions *o = g_mime_parser_options_new();
    g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
    g_mime_parser_set_respect_content_length(p, FALSE);
    GMimeMessage *m = g_mime_parser_construct_message(p, o);
    g_mime_parser_options_free(o);
    g_object_unref(p);
    g_object_unref(s);
    return m;
}

int mailsan_ppap_candidates(const uint8_t *in, size_t len, struct buf *out, size_t *n)
{
    *n = 0;
    GMimeMessage *m = parse_message(in, len);
    if (!m)
        return MG_ERR_PARSE;
    int rc = MG_OK;
    GMimeObject *body = g_mime_message_get_body(m);
    /* Our own output: the text body is the first text/plain part. */
    GMimeObject *part = body;
    if (body && GMIME_IS_MULTIPART(body) && g_mime_multipart_get_count(GMIME_MULTIPART(body)) > 0)
        part = g_mime_multipart_get_part(GMIME_MULTIPART(body), 0);
    if (part && GMIME_IS_TEXT_PART(part)) {
        char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
        if (text) {
            /* Only the sender's words: our notice block ("[Mugai] ..." up
             * to the line of '=') names files and reasons, not passwords. */
            const char *t = text;
            if (strncmp(t, "[Mugai]", 7) == 0) {
                const char *sep = strstr(t, "\n==========");
                const char *after = sep ? strchr(sep + 1, '\n') : NULL;
                t = after ? after + 1 : t + strlen(t);
            }
            rc = mail_ppap_candidates(t, strlen(t), out, n);
        }
        g_free(text);
    }
    g_object_unref(m);
    return rc;
}

int mailsan_global_init(void)
{
    static int done;
    if (done)
        return MG_OK;
    g_mime_init();
    int rc = mail_charset_init();
    if (rc != MG_OK)
        return rc;
    /* GMime converts parameter values during parsing: have iconv open
     * every name it would use for the charsets we know, and the locale's,
     * so that those modules are loaded before any worker exists. */
    static const char *const names[] = {
            "iso-2022-jp", "shift_jis",    "euc-jp",         "utf-8",        "iso-8859-1",
            "us-ascii",    "windows-1252", "cp932",          "utf-16",       "iso-8859-2",
            "iso-8859-15", "koi8-r",       "gb2312",         "gbk",          "gb18030",
            "big5",        "euc-kr",       "ks_c_5601-1987", "windows-1251", "windows-1250",
            "iso-8859-5",  "iso-8859-7",   "tis-620",        "windows-874"};
    static iconv_t keep[2 * sizeof(names) / sizeof(names[0]) + 2];
    size_t k = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *in = g_mime_charset_iconv_name(names[i]);
        iconv_t cd = iconv_open("UTF-8", in);
        if (cd != (iconv_t)-1)
            keep[k++] = cd;
        cd = iconv_open(in, "UTF-8");
        if (cd != (iconv_t)-1)
            keep[k++] = cd;
    }
    iconv_t cd = iconv_open("UTF-8", g_mime_locale_charset());
    if (cd != (iconv_t)-1)
        keep[k++] = cd;
    (void)keep;
    /* Run the parser and writer once over a message with encoded
     * parameters so GLib's lazy initializations (type classes, charset
     * tables) happen here. */
    static const char warm[] =
            "From: =?ISO-2022-JP?B?GyRCJF8kcyQ/GyhC?= <a@example.jp>\r\n"
            "Subject: =?UTF-8?B?44OG44K544OI?=\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
            "--b\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\ntext\r\n"
            "--b\r\nContent-Type: application/octet-stream; name=\"=?UTF-8?B?44GC?=\"\r\n"
            "Content-Disposition: attachment; filename*=iso-2022-jp''%1B%24B%24%22%1B%28B\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n";
    GMimeMessage *m = parse_message((const uint8_t *)warm, sizeof(warm) - 1);
    if (m) {
        GMimeStream *ms = g_mime_stream_mem_new();
        g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, ms);
        g_object_unref(ms);
        g_object_unref(m);
    }
    /* The notices' reference is a SHA-256: OpenSSL reads its configuration
     * on first use, which must happen here, not in a worker. */
    char hex[65];
    report_sha256_hex((const uint8_t *)"", 0, hex);
    done = 1;
    return MG_OK;
}

int mailsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                     struct report_node *node)
{
    struct mail_job mj;
    GMimeMessage *msg = NULL;
    struct buf norm;
    bool from_line, cr_only;
    int rc;

    memset(&mj, 0, sizeof(mj));
    mj.ctx = ctx;
    mj.pol = ctx->pol;
    mj.node = node;
    buf_init(&mj.body, ctx->pol->max_output_size);
    buf_init(&mj.notices, MAIL_NOTICE_MAX);
    buf_init(&mj.att_text, MAIL_ATT_TEXT_TOTAL + 1024);
    buf_init(&norm, len + 256);
    if (mail_level++ == 0)
        report_sha256_hex(in, len, mail_ref);

    rc = mail_normalise(in, len, &norm, &mj.in, &mj.in_len, &from_line, &cr_only);
    if (rc == MG_OK)
        rc = precheck(&mj);
    if (rc != MG_OK)
        goto out;
    if (from_line)
        report_action(node, ACTION_REMOVED, "mbox \"From \" separator line",
                      "a mailbox separator, not part of the message");
    if (cr_only)
        report_action(node, ACTION_REWROTE, "line ends",
                      "lines ended by a lone CR read as lines (old Mac line ends)");
    msg = parse_message(mj.in, mj.in_len);
    if (!msg) {
        report_block(node, REASON_PARSE_ERROR, "not a MIME message");
        rc = MG_ERR_PARSE;
        goto out;
    }
    rc = check_headers(&mj, GMIME_OBJECT(msg));
    if (rc != MG_OK)
        goto out;
    collect_charsets(g_mime_message_get_mime_part(msg), &mj.cs, 0);
    rc = walk(&mj, g_mime_message_get_mime_part(msg), WALK_BODY, 0);
    if (rc != MG_OK) {
        if (node->verdict != VERDICT_BLOCKED)
            report_block(node, reason_from_err(rc), "%s", err_str(rc));
        goto out;
    }
    /* Never release a message emptied by the rebuild: text that was
     * there and is gone, or content of which nothing at all is left. */
    if ((mj.text_seen && !visible(mj.body.data, mj.body.len)) ||
        (!visible(mj.body.data, mj.body.len) && !mj.n_atts && !mj.removed && !mj.signatures &&
         visible(body_start(mj.in, mj.in_len),
                 mj.in_len - (size_t)(body_start(mj.in, mj.in_len) - mj.in)))) {
        report_block(node, REASON_VERIFY_FAILED,
                     "the rebuilt message would lose the text of the original; held");
        rc = MG_ERR_VERIFY;
        goto out;
    }
    buf_reset(out);
    rc = write_message(&mj, msg, out);
    if (rc != MG_OK) {
        report_block(node, REASON_LIMIT, "the rebuilt message does not fit the output limit");
        goto out;
    }
    report_action(node, ACTION_REWROTE, "message",
                  "rebuilt from its parts: kept headers, one text body, sanitized attachments");
    ctx->out_type = FT_EML;
out:
    if (msg)
        g_object_unref(msg);
    for (size_t i = 0; i < mj.n_atts; i++) {
        free(mj.atts[i].name);
        free(mj.atts[i].data);
    }
    free(mj.atts);
    buf_free(&mj.body);
    buf_free(&mj.notices);
    buf_free(&mj.att_text);
    buf_free(&norm);
    if (--mail_level == 0)
        mail_ref[0] = 0;
    return rc;
}

/* ---- verification ---- */

static int verify_message(struct san_ctx *ctx, GMimeMessage *m, unsigned depth);

static bool verify_leaf_type(GMimeObject *o)
{
    GMimeContentType *ct = g_mime_object_get_content_type(o);
    if (!ct)
        return false;
    char *mt = g_mime_content_type_get_mime_type(ct);
    bool ok = false;
    for (size_t i = 0; mt && i < sizeof(mail_types) / sizeof(mail_types[0]) && !ok; i++)
        ok = g_ascii_strcasecmp(mt, mail_types[i].mime) == 0;
    g_free(mt);
    return ok;
}

/* The job's output check: an attachment must itself be a file we release. */
static int verify_attachment(struct san_ctx *ctx, GMimeObject *c)
{
    struct buf data;
    bool malformed = false;
    if (!ctx || !ctx->verify_member)
        return MG_OK;
    buf_init(&data, ctx->pol ? (size_t)ctx->pol->max_output_size : 0);
    const char *name = g_mime_part_get_filename(GMIME_PART(c));
    int rc = part_bytes(GMIME_PART(c), &data, &malformed);
    if (rc == MG_OK && !malformed)
        rc = ctx->verify_member(ctx, name ? name : "", data.data ? data.data : (const uint8_t *)"",
                                data.len);
    buf_free(&data);
    return rc == MG_OK && !malformed ? MG_OK : MG_ERR_VERIFY;
}

static int verify_message(struct san_ctx *ctx, GMimeMessage *m, unsigned depth)
{
    if (!m || depth > 100)
        return MG_ERR_VERIFY;
    GMimeObject *top = g_mime_message_get_mime_part(m);
    if (!top)
        return MG_ERR_VERIFY;
    if (GMIME_IS_PART(top))
        return ct_is(top, "text", "plain") ? MG_OK : MG_ERR_VERIFY;
    if (!GMIME_IS_MULTIPART(top) || !ct_is(top, "multipart", "mixed"))
        return MG_ERR_VERIFY;
    GMimeMultipart *mp = GMIME_MULTIPART(top);
    int n = g_mime_multipart_get_count(mp);
    if (n < 1)
        return MG_ERR_VERIFY;
    for (int i = 0; i < n; i++) {
        GMimeObject *c = g_mime_multipart_get_part(mp, i);
        if (i == 0) {
            if (!GMIME_IS_PART(c) || !ct_is(c, "text", "plain"))
                return MG_ERR_VERIFY;
            continue;
        }
        if (GMIME_IS_MESSAGE_PART(c)) {
            int rc = verify_message(ctx, g_mime_message_part_get_message(GMIME_MESSAGE_PART(c)),
                                    depth + 1);
            if (rc != MG_OK)
                return rc;
            continue;
        }
        if (!GMIME_IS_PART(c) || !verify_leaf_type(c))
            return MG_ERR_VERIFY;
        if (g_mime_part_get_content_encoding(GMIME_PART(c)) != GMIME_CONTENT_ENCODING_BASE64)
            return MG_ERR_VERIFY;
        if (verify_attachment(ctx, c) != MG_OK)
            return MG_ERR_VERIFY;
    }
    return MG_OK;
}

int mailsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    (void)ctx;
    /* What we write is printable ASCII, tabs and CR LF, lines of at most 998. */
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = in[i];
        if (c == '\n') {
            if (i == 0 || in[i - 1] != '\r')
                return MG_ERR_VERIFY;
            col = 0;
            continue;
        }
        if (c == '\r') {
            if (i + 1 >= len || in[i + 1] != '\n')
                return MG_ERR_VERIFY;
            continue;
        }
        if ((c < 0x20 && c != '\t') || c > 0x7E || ++col > 998)
            return MG_ERR_VERIFY;
    }
    GMimeMessage *m = parse_message(in, len);
    int rc = verify_message(ctx, m, 0);
    if (m) {
        int n;
        if (!raw_header(GMIME_OBJECT(m), "X-Mugai-Result", &n) || n != 1)
            rc = MG_ERR_VERIFY;
        g_object_unref(m);
    } else {
        rc = MG_ERR_VERIFY;
    }
    return rc;
}

int mailsan_notice(const struct policy *pol, const uint8_t *in, size_t len, enum reason code,
                   const char *reason, int64_t quarantine_id, struct buf *out)
{
    char ref[65];
    struct buf text;
    int rc = MG_OK;
    (void)pol;

    report_sha256_hex(in, len, ref);
    buf_reset(out);
    GMimeMessage *m = NULL;
    struct buf norm;
    const uint8_t *p;
    size_t n;
    bool from_line, cr_only;
    buf_init(&norm, len + 256);
    /* Only the header block matters; a huge or broken message gets a notice without it. */
    if (len <= (pol && pol->mail_max_size ? pol->mail_max_size : len) &&
        mail_normalise(in, len, &norm, &p, &n, &from_line, &cr_only) == MG_OK)
        m = parse_message(p, n);
    buf_free(&norm);
    if (m) {
        rc = write_kept_headers(NULL, m, out, "[Mugai] ", "");
        g_object_unref(m);
    } else {
        rc = buf_puts(out, "Subject: [Mugai] message held\r\n");
    }
    if (rc != MG_OK)
        return rc;
    /* A code from the table is a plain token, safe in a header. */
    if (code == REASON_NONE)
        code = REASON_BLOCKED;
    rc = buf_printf(out,
                    "MIME-Version: 1.0\r\n"
                    "X-Mugai-Result: verdict=held; reason=%s;\r\n original=sha256:%s\r\n",
                    reason_code(code), ref);
    if (rc != MG_OK)
        return rc;
    char why[REPORT_STR_MAX];
    clean_str(reason ? reason : "", why, sizeof(why), true);
    buf_init(&text, 8192);
    rc = buf_printf(&text,
                    "[Mugai] このメールは安全を確認できなかったため、配送を保留しました。\n"
                    "理由: %s (%s)\n"
                    "原本はゲートウェイに保管されています。参照番号: %s\n"
                    "必要な場合は、この参照番号を添えてシステム管理者に連絡してください。\n"
                    "\n"
                    "[Mugai] This message was held because it could not be made safe.\n"
                    "Reason: %s (%s)\n"
                    "The original is kept by the gateway, reference: %s\n"
                    "Contact your administrator with this reference if you need it.\n",
                    reason_ja(code), why, ref, reason_code(code), why, ref);
    if (rc == MG_OK && quarantine_id > 0)
        rc = buf_printf(&text,
                        "\n"
                        "隔離番号: %lld\n"
                        "取り出しが必要な場合は、この番号と理由を添えて申請してください\n"
                        "(mugai quarantine request-release %lld --reason \"...\")。\n"
                        "取り出しには、申請者以外の承認者による承認が必要です。\n"
                        "\n"
                        "Quarantine id: %lld\n"
                        "To ask for its release, give this id and your reason\n"
                        "(mugai quarantine request-release %lld --reason \"...\").\n"
                        "A release needs the approval of someone other than the requester.\n",
                        (long long)quarantine_id, (long long)quarantine_id,
                        (long long)quarantine_id, (long long)quarantine_id);
    if (rc == MG_OK)
        rc = write_text_part_headers(out);
    if (rc == MG_OK)
        rc = buf_puts(out, "\r\n");
    if (rc == MG_OK)
        rc = write_body(out, &text);
    buf_free(&text);
    return rc;
}

static const struct san_type mail_family_types[] = {
        {FT_EML, FT_EML, mailsan_sanitize, mailsan_verify, NULL},
};

const struct san_family san_family_mail = {"mail", SAN_TYPES(mail_family_types),
                                           mailsan_global_init};
