/*
 * mail_text - inline encoded files in text, and body text cleaning
 * (see mail_text.h).
 *
 * The scanners walk lines with a cursor; every decoded byte is appended to
 * a capped buf, so a block can make us fail but not grow without bound.
 */
#include "mail_text.h"
#include "err.h"
#include "mail_charset.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *mail_inline_kind_name(enum mail_inline_kind k)
{
    switch (k) {
    case MAIL_INLINE_UU:
        return "uuencode";
    case MAIL_INLINE_UU64:
        return "uuencode (base64)";
    case MAIL_INLINE_YENC:
        return "yEnc";
    case MAIL_INLINE_BINHEX:
        return "BinHex";
    }
    return "inline data";
}

/* One line: [start, end) without the line end; *next is after the line end. */
struct line {
    const uint8_t *p;
    size_t n;
    size_t next;
};

static bool line_at(const uint8_t *t, size_t len, size_t pos, struct line *l)
{
    if (pos >= len)
        return false;
    const uint8_t *nl = memchr(t + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - t) : len;
    l->p = t + pos;
    l->n = end - pos;
    if (l->n && l->p[l->n - 1] == '\r')
        l->n--;
    l->next = nl ? end + 1 : len;
    return true;
}

static bool line_starts(const struct line *l, const char *prefix)
{
    size_t k = strlen(prefix);
    return l->n >= k && memcmp(l->p, prefix, k) == 0;
}

static bool line_is(const struct line *l, const char *s)
{
    return l->n == strlen(s) && memcmp(l->p, s, l->n) == 0;
}

static void copy_name(char *dst, const uint8_t *p, size_t n)
{
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n >= MAIL_INLINE_NAME_MAX)
        n = MAIL_INLINE_NAME_MAX - 1;
    memcpy(dst, p, n);
    dst[n] = 0;
}

/* "begin 644 name" / "begin-base64 644 name": mode digits and a name (maybe empty). */
static bool uu_begin(const struct line *l, bool *b64, char *name)
{
    size_t i;
    if (line_starts(l, "begin-base64 ")) {
        *b64 = true;
        i = 13;
    } else if (line_starts(l, "begin ")) {
        *b64 = false;
        i = 6;
    } else {
        return false;
    }
    size_t d = 0;
    while (i < l->n && l->p[i] >= '0' && l->p[i] <= '7') {
        i++;
        d++;
    }
    /* The name may be missing ("begin 644" alone): the data is a file all
     * the same, and is cut out and checked like any other. */
    name[0] = 0;
    if (d < 3 || d > 4 || (i < l->n && l->p[i] != ' '))
        return false;
    if (i + 1 < l->n)
        copy_name(name, l->p + i + 1, l->n - i - 1);
    return true;
}

/* Decode one classic uuencode line into out; false when it is not one. */
static bool uu_line(const struct line *l, struct buf *out, int *rc)
{
    if (l->n == 0)
        return false;
    unsigned c0 = l->p[0];
    if (c0 < 0x20 || c0 > 0x60)
        return false;
    size_t count = (c0 - 0x20) & 0x3F;
    size_t need = (count + 2) / 3 * 4;
    /* Some encoders trim trailing spaces: missing characters read as 0. */
    if (l->n - 1 > need + 2 || (count > 0 && l->n - 1 < (count * 4 + 2) / 3))
        return false;
    uint8_t q[4];
    size_t got = 0, ci = 1;
    while (got < count) {
        for (int k = 0; k < 4; k++) {
            unsigned c = ci < l->n ? l->p[ci] : ' ';
            ci++;
            if (c < 0x20 || c > 0x60)
                return false;
            q[k] = (uint8_t)((c - 0x20) & 0x3F);
        }
        uint8_t b[3] = {(uint8_t)(q[0] << 2 | q[1] >> 4), (uint8_t)(q[1] << 4 | q[2] >> 2),
                        (uint8_t)(q[2] << 6 | q[3])};
        size_t take = count - got < 3 ? count - got : 3;
        if (out && *rc == MG_OK)
            *rc = buf_append(out, b, take);
        got += take;
    }
    return true;
}

/* Strict base64 of one line (begin-base64 bodies). */
static bool b64_line(const struct line *l, struct buf *out, int *rc)
{
    if (l->n == 0 || l->n % 4 != 0)
        return false;
    for (size_t i = 0; i < l->n; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            int c = l->p[i + k];
            if (c == '=' && i + 4 == l->n && k >= 2) {
                v[k] = 0;
                pad++;
            } else if (pad || (v[k] = mail_b64_value(c)) < 0) {
                return false;
            }
        }
        uint8_t b[3] = {(uint8_t)(v[0] << 2 | v[1] >> 4), (uint8_t)(v[1] << 4 | v[2] >> 2),
                        (uint8_t)(v[2] << 6 | v[3])};
        if (out && *rc == MG_OK)
            *rc = buf_append(out, b, (size_t)(3 - pad));
    }
    return true;
}

/* "name=" parameter of a yEnc header line: the rest of the line. */
static bool yenc_param(const struct line *l, const char *key, const uint8_t **v, size_t *vn)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl <= l->n; i++) {
        if ((i == 0 || l->p[i - 1] == ' ') && memcmp(l->p + i, key, kl) == 0) {
            size_t s = i + kl, e = s;
            if (strcmp(key, "name=") == 0) {
                e = l->n;
            } else {
                while (e < l->n && l->p[e] != ' ')
                    e++;
            }
            *v = l->p + s;
            *vn = e - s;
            return true;
        }
    }
    return false;
}

static bool yenc_num(const struct line *l, const char *key, unsigned long long *out)
{
    const uint8_t *v;
    size_t n;
    if (!yenc_param(l, key, &v, &n) || n == 0 || n > 18)
        return false;
    unsigned long long x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit(v[i]))
            return false;
        x = x * 10 + (v[i] - '0');
    }
    *out = x;
    return true;
}

static int put_placeholder(struct buf *rest, const struct mail_inline *it)
{
    return buf_printf(rest, "[Mugai: %s data \"%s\" removed from the text; see the notice]\n",
                      mail_inline_kind_name(it->kind), it->name[0] ? it->name : "(no name)");
}

int mail_inline_extract(const uint8_t *t, size_t len, struct buf *rest, struct mail_inline *items,
                        size_t max, size_t *n, size_t data_cap)
{
    size_t pos = 0;
    int rc = MG_OK;
    struct line l;
    struct mail_inline spare;

    *n = 0;
    while (rc == MG_OK && line_at(t, len, pos, &l)) {
        bool b64;
        char name[MAIL_INLINE_NAME_MAX];
        struct mail_inline *it = *n < max ? &items[*n] : &spare;
        struct line nx;

        if (uu_begin(&l, &b64, name) && line_at(t, len, l.next, &nx) &&
            (b64 ? b64_line(&nx, NULL, &rc) : uu_line(&nx, NULL, &rc))) {
            memset(it, 0, sizeof(*it));
            it->kind = b64 ? MAIL_INLINE_UU64 : MAIL_INLINE_UU;
            snprintf(it->name, sizeof(it->name), "%s", name);
            buf_init(&it->data, data_cap);
            size_t p = l.next;
            bool ended = false, bad = false;
            while (rc == MG_OK && line_at(t, len, p, &nx)) {
                p = nx.next;
                if (b64 ? line_is(&nx, "====") : line_is(&nx, "end")) {
                    ended = true;
                    break;
                }
                if (bad)
                    continue;
                if (!b64 && (nx.n == 0 || line_is(&nx, "`") || line_is(&nx, " ")))
                    continue;
                if (!(b64 ? b64_line(&nx, &it->data, &rc) : uu_line(&nx, &it->data, &rc)))
                    bad = true;
            }
            if (rc == MG_ERR_LIMIT) {
                rc = MG_OK;
                it->error = "larger than the limit for inline data";
            } else if (bad) {
                it->error = "malformed uuencode data";
            } else if (!ended) {
                it->error = "uuencode data without its end line";
            }
            if (it->error)
                buf_free(&it->data);
            if (it == &spare)
                buf_free(&spare.data);
            (*n)++;
            if (rc == MG_OK)
                rc = put_placeholder(rest, it);
            pos = p;
            continue;
        }
        if (line_starts(&l, "=ybegin ")) {
            memset(it, 0, sizeof(*it));
            it->kind = MAIL_INLINE_YENC;
            const uint8_t *v;
            size_t vn;
            if (yenc_param(&l, "name=", &v, &vn))
                copy_name(it->name, v, vn);
            else
                snprintf(it->name, sizeof(it->name), "yenc-data");
            unsigned long long size = 0, endsize = 0;
            bool have_size = yenc_num(&l, "size=", &size);
            bool multipart = yenc_param(&l, "part=", &v, &vn);
            buf_init(&it->data, data_cap);
            size_t p = l.next;
            bool ended = false;
            while (line_at(t, len, p, &nx)) {
                p = nx.next;
                if (line_starts(&nx, "=ypart ")) {
                    multipart = true;
                    continue;
                }
                if (line_starts(&nx, "=yend")) {
                    ended = true;
                    if (!yenc_num(&nx, "size=", &endsize))
                        endsize = (unsigned long long)-1;
                    break;
                }
                for (size_t i = 0; i < nx.n && rc == MG_OK; i++) {
                    uint8_t c = nx.p[i];
                    if (c == '=' && i + 1 < nx.n) {
                        c = (uint8_t)(nx.p[++i] - 64 - 42);
                    } else {
                        c = (uint8_t)(c - 42);
                    }
                    rc = buf_putc(&it->data, c);
                }
            }
            if (rc == MG_ERR_LIMIT) {
                rc = MG_OK;
                it->error = "larger than the limit for inline data";
            } else if (multipart) {
                it->error = "multi-part yEnc is not reassembled";
            } else if (!ended || !have_size || size != endsize || size != it->data.len) {
                it->error = "malformed yEnc data (size does not match)";
            }
            if (it->error || it == &spare)
                buf_free(&it->data);
            (*n)++;
            if (rc == MG_OK)
                rc = put_placeholder(rest, it);
            pos = p;
            continue;
        }
        if (l.n >= 40 && memmem(l.p, l.n, "(This file must be converted with BinHex", 40)) {
            memset(it, 0, sizeof(*it));
            it->kind = MAIL_INLINE_BINHEX;
            snprintf(it->name, sizeof(it->name), "binhex-data.hqx");
            it->error = "BinHex 4.0 data is not decoded";
            size_t p = l.next;
            bool in_data = false;
            /* Skip blank lines, then the ":..." block up to the line ending in ':'. */
            while (line_at(t, len, p, &nx)) {
                if (!in_data && nx.n == 0) {
                    p = nx.next;
                    continue;
                }
                if (!in_data && (nx.n == 0 || nx.p[0] != ':'))
                    break;
                in_data = true;
                p = nx.next;
                if (nx.n >= 2 && nx.p[nx.n - 1] == ':')
                    break;
            }
            (*n)++;
            rc = put_placeholder(rest, it);
            pos = p;
            continue;
        }
        rc = buf_append(rest, l.p, l.next - pos);
        pos = l.next;
    }
    return rc;
}

void mail_inline_free(struct mail_inline *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_free(&items[i].data);
}

/* ---- cleaning ---- */

static bool drop_cp(int32_t cp)
{
    if (cp < 0x20)
        return cp != '\t' && cp != '\n';
    if (cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
        return true;
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF)
        return true;
    return false;
}

static bool defang_at(const uint8_t *s, size_t n, const char *scheme)
{
    size_t k = strlen(scheme);
    return n >= k && strncasecmp((const char *)s, scheme, k) == 0;
}

int mail_text_clean(const uint8_t *in, size_t len, bool defang, struct buf *out, size_t *dropped)
{
    size_t i = 0, u;
    int rc = MG_OK;
    while (i < len && rc == MG_OK) {
        uint8_t c = in[i];
        if (c == '\r') {
            rc = buf_putc(out, '\n');
            i += (i + 1 < len && in[i + 1] == '\n') ? 2 : 1;
            continue;
        }
        if (defang && (c == 'h' || c == 'H' || c == 'f' || c == 'F')) {
            if (defang_at(in + i, len - i, "http://") || defang_at(in + i, len - i, "https://")) {
                rc = buf_puts(out, "hxxp");
                i += 4;
                continue;
            }
            if (defang_at(in + i, len - i, "ftp://")) {
                rc = buf_puts(out, "fxp");
                i += 3;
                continue;
            }
        }
        int32_t cp = utf8_next(in + i, len - i, &u);
        if (cp < 0) {
            rc = mail_put_utf8(out, 0xFFFD);
            i++;
            continue;
        }
        if (drop_cp(cp)) {
            (*dropped)++;
        } else {
            rc = buf_append(out, in + i, u);
        }
        i += u;
    }
    return rc;
}
