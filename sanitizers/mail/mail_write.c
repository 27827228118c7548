/*
 * mail_write - the output side of the mail sanitizer (see mail_write.h).
 *
 * Header values are rebuilt token by token into a scratch buffer of words
 * (ASCII atoms and encoded words), then folded: a line breaks only between
 * words, so an encoded word is never split and decoders see exactly the
 * words we wrote.
 */
#include "mail_write.h"
#include "err.h"
#include "mail_charset.h"

#include <stdio.h>
#include <string.h>

#define FOLD_COL  78
#define LINE_MAX_ 998
#define EW_BYTES  45 /* UTF-8 bytes per encoded word: 60 base64 chars, word <= 72 */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_chunk(struct buf *out, const uint8_t *p, size_t n)
{
    int rc = MG_OK;
    for (size_t i = 0; i < n && rc == MG_OK; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char q[4] = {b64chars[(v >> 18) & 63], b64chars[(v >> 12) & 63],
                     i + 1 < n ? b64chars[(v >> 6) & 63] : '=', i + 2 < n ? b64chars[v & 63] : '='};
        rc = buf_append(out, q, 4);
    }
    return rc;
}

int mail_write_base64(struct buf *out, const uint8_t *data, size_t len)
{
    int rc = MG_OK;
    for (size_t i = 0; i < len && rc == MG_OK; i += 57) {
        size_t n = len - i < 57 ? len - i : 57;
        rc = b64_chunk(out, data + i, n);
        if (rc == MG_OK)
            rc = buf_puts(out, "\r\n");
    }
    return rc;
}

/* A word list: words separated by NUL in a buf; a flag byte before each says
 * whether a space precedes it (encoded words that continue one text do not). */
struct words {
    struct buf b;
};

static int words_add(struct words *w, const char *s, size_t n, bool space_before)
{
    int rc = buf_putc(&w->b, space_before ? 1 : 2);
    if (rc == MG_OK)
        rc = buf_append(&w->b, s, n);
    if (rc == MG_OK)
        rc = buf_putc(&w->b, 0);
    return rc;
}

/* Encoded words for UTF-8 s, cut on character boundaries. */
static int words_add_encoded(struct words *w, const char *s, size_t len, bool space_before)
{
    int rc = MG_OK;
    size_t i = 0;
    bool first = true;
    while (i < len && rc == MG_OK) {
        size_t end = i, u;
        while (end < len) {
            if (utf8_next((const uint8_t *)s + end, len - end, &u) < 0)
                u = 1;
            if (end + u - i > EW_BYTES)
                break;
            end += u;
        }
        if (end == i)
            end = i + 1;
        struct buf e;
        buf_init(&e, 128);
        rc = buf_puts(&e, "=?UTF-8?B?");
        if (rc == MG_OK)
            rc = b64_chunk(&e, (const uint8_t *)s + i, end - i);
        if (rc == MG_OK)
            rc = buf_puts(&e, "?=");
        if (rc == MG_OK)
            rc = words_add(w, (const char *)e.data, e.len, first ? space_before : true);
        buf_free(&e);
        first = false;
        i = end;
    }
    return rc;
}

static bool is_ascii_print(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E)
            return false;
    return true;
}

static bool has_ew_lookalike(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '=' && s[i + 1] == '?')
            return true;
    return false;
}

/* Split ASCII text into atoms at white space. */
static int words_add_ascii(struct words *w, const char *s, size_t n, bool space_before)
{
    int rc = MG_OK;
    size_t i = 0;
    bool first = true;
    while (i < n && rc == MG_OK) {
        while (i < n && (s[i] == ' ' || s[i] == '\t')) {
            i++;
            first = false;
        }
        size_t j = i;
        while (j < n && s[j] != ' ' && s[j] != '\t')
            j++;
        if (j > i)
            rc = words_add(w, s + i, j - i, first ? space_before : true);
        first = false;
        i = j;
    }
    return rc;
}

/* Unstructured text: ASCII as atoms, anything else as encoded words. */
static int words_text(struct words *w, const char *s, size_t n)
{
    if (is_ascii_print(s, n) && !has_ew_lookalike(s, n))
        return words_add_ascii(w, s, n, true);
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return words_add_encoded(w, s, n, true);
}

/* One mailbox or group member: phrase <addr> or addr-spec (comment). */
static int words_mailbox(struct words *w, const char *s, size_t n, bool first)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    const char *lt = NULL;
    bool q = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' && (i == 0 || s[i - 1] != '\\'))
            q = !q;
        else if (!q && s[i] == '<')
            lt = s + i;
    }
    int rc = MG_OK;
    if (lt) {
        const char *ph = s;
        size_t pl = (size_t)(lt - s);
        while (pl && (ph[pl - 1] == ' ' || ph[pl - 1] == '\t'))
            pl--;
        if (pl) {
            if (is_ascii_print(ph, pl) && !has_ew_lookalike(ph, pl)) {
                rc = words_add_ascii(w, ph, pl, !first);
            } else {
                /* A quoted phrase becomes encoded words: RFC 2047 words are
                 * not decoded inside quotes by strict readers. */
                char tmp[1024];
                size_t o = 0;
                for (size_t i = 0; i < pl && o < sizeof(tmp); i++) {
                    if (ph[i] == '"')
                        continue;
                    if (ph[i] == '\\' && i + 1 < pl)
                        i++;
                    tmp[o++] = ph[i];
                }
                rc = words_add_encoded(w, tmp, o, !first);
            }
            first = false;
        }
        size_t al = n - (size_t)(lt - s);
        char addr[1024];
        size_t o = 0;
        for (size_t i = 0; i < al && o < sizeof(addr); i++) {
            unsigned char c = (unsigned char)lt[i];
            addr[o++] = (c < 0x21 || c > 0x7E) ? (c == ' ' ? ' ' : '?') : (char)c;
        }
        if (rc == MG_OK)
            rc = words_add_ascii(w, addr, o, !first);
        return rc;
    }
    /* No angle brackets: ASCII words as they are, others encoded one by one. */
    size_t i = 0;
    while (i < n && rc == MG_OK) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        size_t j = i;
        while (j < n && s[j] != ' ' && s[j] != '\t')
            j++;
        if (j > i) {
            if (is_ascii_print(s + i, j - i)) {
                rc = words_add(w, s + i, j - i, !first);
            } else {
                size_t a = i, b = j;
                bool par = s[a] == '(' && s[b - 1] == ')' && b - a >= 2;
                if (par) {
                    a++;
                    b--;
                }
                if (par)
                    rc = words_add(w, "(", 1, !first);
                if (rc == MG_OK)
                    rc = words_add_encoded(w, s + a, b - a, !par && !first);
                if (rc == MG_OK && par)
                    rc = words_add(w, ")", 1, false);
            }
            first = false;
        }
        i = j;
    }
    return rc;
}

/* Address lists: split at commas outside quotes, angle brackets and comments. */
static int words_addresses(struct words *w, const char *s, size_t n)
{
    size_t start = 0;
    int depth = 0, rc = MG_OK;
    bool q = false, angle = false, first = true;
    for (size_t i = 0; i <= n && rc == MG_OK; i++) {
        char c = i < n ? s[i] : ',';
        if (i < n && c == '\\') {
            i++;
            continue;
        }
        if (c == '"' && !angle && depth == 0)
            q = !q;
        else if (!q && c == '(')
            depth++;
        else if (!q && c == ')' && depth > 0)
            depth--;
        else if (!q && depth == 0 && c == '<')
            angle = true;
        else if (!q && depth == 0 && c == '>')
            angle = false;
        else if (c == ',' && !q && !angle && depth == 0) {
            if (i > start) {
                if (!first)
                    rc = words_add(w, ",", 1, false);
                if (rc == MG_OK)
                    rc = words_mailbox(w, s + start, i - start, first);
                first = false;
            }
            start = i + 1;
        }
    }
    return rc;
}

static int words_ascii_only(struct words *w, const char *s, size_t n)
{
    struct buf t;
    buf_init(&t, n + 1);
    int rc = MG_OK;
    for (size_t i = 0; i < n && rc == MG_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) == 0x80)
            continue; /* one '?' per non-ASCII character */
        rc = buf_putc(&t, (c == '\t' || c == '\r' || c == '\n') ? ' '
                                                                : (c < 0x20 || c > 0x7E ? '?' : c));
    }
    if (rc == MG_OK)
        rc = words_add_ascii(w, (const char *)t.data, t.len, true);
    buf_free(&t);
    return rc;
}

int mail_write_header(struct buf *out, const char *name, const char *value, size_t len,
                      enum mail_hdr_kind kind)
{
    struct words w;
    int rc;
    buf_init(&w.b, 4 * len + 1024);
    switch (kind) {
    case MAIL_HDR_ADDRESS:
        rc = words_addresses(&w, value, len);
        break;
    case MAIL_HDR_TEXT:
        rc = words_text(&w, value, len);
        break;
    case MAIL_HDR_ASCII:
    default:
        rc = words_ascii_only(&w, value, len);
        break;
    }
    if (rc != MG_OK)
        goto out;
    /* Check every word fits before writing anything. */
    for (size_t i = 0; i < w.b.len;) {
        size_t l = strlen((const char *)w.b.data + i + 1);
        if (l + 2 > LINE_MAX_ - 2) {
            rc = MG_ERR_PARSE;
            goto out;
        }
        i += l + 2;
    }
    size_t mark = out->len;
    rc = buf_printf(out, "%s:", name);
    size_t col = strlen(name) + 1;
    bool firstword = true;
    for (size_t i = 0; i < w.b.len && rc == MG_OK;) {
        bool space = w.b.data[i] == 1;
        const char *word = (const char *)w.b.data + i + 1;
        size_t l = strlen(word);
        i += l + 2;
        if (firstword)
            space = true;
        if (col + (space ? 1 : 0) + l > FOLD_COL && !firstword) {
            /* Fold: the line break stands for the white space (or, between
             * encoded words, for nothing at all). */
            rc = buf_puts(out, "\r\n ");
            col = 1;
        } else if (space) {
            rc = buf_putc(out, ' ');
            col++;
        }
        if (rc == MG_OK)
            rc = buf_append(out, word, l);
        col += l;
        firstword = false;
    }
    if (rc == MG_OK)
        rc = buf_puts(out, "\r\n");
    if (rc != MG_OK && out->len >= mark)
        out->len = mark;
out:
    buf_free(&w.b);
    return rc;
}

int mail_write_encoded_words(struct buf *out, const char *s, size_t len, size_t *col)
{
    struct words w;
    buf_init(&w.b, 4 * len + 256);
    int rc = words_add_encoded(&w, s, len, true);
    for (size_t i = 0; i < w.b.len && rc == MG_OK;) {
        const char *word = (const char *)w.b.data + i + 1;
        size_t l = strlen(word);
        bool first = i == 0;
        i += l + 2;
        if (!first) {
            rc = buf_puts(out, "\r\n ");
            *col = 1;
        }
        if (rc == MG_OK)
            rc = buf_append(out, word, l);
        *col += l;
    }
    buf_free(&w.b);
    return rc;
}

static bool attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$&+-.^_`|~", c) != NULL;
}

int mail_write_param(struct buf *out, const char *attr, const char *value)
{
    size_t n = strlen(value);
    int rc;
    bool quoted_ok = is_ascii_print(value, n) && n < 60;
    if (quoted_ok) {
        rc = buf_printf(out, ";\r\n %s=\"", attr);
        for (size_t i = 0; i < n && rc == MG_OK; i++) {
            if (value[i] == '"' || value[i] == '\\')
                rc = buf_putc(out, '\\');
            if (rc == MG_OK)
                rc = buf_putc(out, (uint8_t)value[i]);
        }
        if (rc == MG_OK)
            rc = buf_putc(out, '"');
        return rc;
    }
    /* RFC 2231 with continuations of at most ~60 encoded characters. */
    rc = MG_OK;
    unsigned sect = 0;
    size_t i = 0;
    while ((i < n || sect == 0) && rc == MG_OK) {
        rc = buf_printf(out, ";\r\n %s*%u*=%s", attr, sect, sect == 0 ? "UTF-8''" : "");
        size_t used = 0;
        while (i < n && used < 60 && rc == MG_OK) {
            unsigned char c = (unsigned char)value[i];
            /* Keep a UTF-8 character within one section. */
            size_t u = 1;
            if (c >= 0x80 && utf8_next((const uint8_t *)value + i, n - i, &u) < 0)
                u = 1;
            for (size_t k = 0; k < u && rc == MG_OK; k++) {
                unsigned char d = (unsigned char)value[i + k];
                if (attr_char(d)) {
                    rc = buf_putc(out, d);
                    used++;
                } else {
                    rc = buf_printf(out, "%%%02X", d);
                    used += 3;
                }
            }
            i += u;
        }
        sect++;
    }
    return rc;
}
