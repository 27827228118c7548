/*
 * textout - see textout.h.
 */
#include "textout.h"
#include "err.h"
#include "textdec.h"
#include "utf8.h"

#include <string.h>
#include <strings.h>

void textout_init(struct textout *t, struct buf *out)
{
    t->out = out;
    t->dropped = 0;
}

bool textout_drops(uint32_t cp)
{
    if (cp < 0x20)
        return cp != '\t' && cp != '\n';
    return (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF;
}

int textout_char(struct textout *t, uint32_t cp)
{
    if (textout_drops(cp)) {
        t->dropped++;
        return MG_OK;
    }
    if (cp < 0x80)
        return buf_putc(t->out, (uint8_t)cp);
    return textdec_put_utf8(t->out, cp); /* surrogates and > U+10FFFF: U+FFFD */
}

int textout_utf8(struct textout *t, const uint8_t *s, size_t n)
{
    size_t i = 0, run = 0;
    while (i < n) {
        /* Printable ASCII is the common case: copied in runs. */
        if (s[i] >= 0x20 && s[i] < 0x7F) {
            i++;
            continue;
        }
        int rc = buf_append(t->out, s + run, i - run);
        if (rc != MG_OK)
            return rc;
        size_t used;
        int32_t cp = utf8_next(s + i, n - i, &used);
        if (cp < 0) {
            cp = 0xFFFD;
            used = 1;
        }
        rc = textout_char(t, (uint32_t)cp);
        if (rc != MG_OK)
            return rc;
        i += used;
        run = i;
    }
    return buf_append(t->out, s + run, i - run);
}

bool textout_at_line_start(const struct textout *t)
{
    return t->out->len == 0 || t->out->data[t->out->len - 1] == '\n';
}

int textout_end_line(struct textout *t)
{
    return textout_at_line_start(t) ? MG_OK : buf_putc(t->out, '\n');
}

/* -12.5, 1,000, +1e3, 50%: a number a spreadsheet shows as one. */
static bool plain_number(const uint8_t *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == ',' || s[i] == '.'))
        digits += s[i++] >= '0';
    if (digits == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t e = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, e++;
        if (e == 0)
            return false;
    }
    if (i < n && s[i] == '%')
        i++;
    return i == n;
}

/* Whether a spreadsheet would take the field for a formula. */
static bool formula_like(const uint8_t *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        if (i < n && s[i] == ' ') {
            i++;
        } else if (n - i >= 3 && memcmp(s + i, "\xE3\x80\x80", 3) == 0) { /* U+3000 */
            i += 3;
        } else {
            break;
        }
    }
    if (i >= n)
        return false;
    bool lead = s[i] == '=' || s[i] == '+' || s[i] == '-' || s[i] == '@';
    /* U+FF1D = U+FF0B + U+FF0D - U+FF20 @ */
    bool wide = n - i >= 3 && s[i] == 0xEF &&
                ((s[i + 1] == 0xBC && (s[i + 2] == 0x9D || s[i + 2] == 0x8B || s[i + 2] == 0x8D)) ||
                 (s[i + 1] == 0xBC && s[i + 2] == 0xA0));
    if (!lead && !wide)
        return false;
    if (lead && n - i == 1 && s[i] != '=' && s[i] != '@')
        return false; /* a lone sign is a common "none" */
    return !plain_number(s + i, n - i);
}

int textout_csv_field(struct buf *out, const uint8_t *s, size_t n, bool neutralize)
{
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    int rc = MG_OK;
    if (quote)
        rc = buf_putc(out, '"');
    if (rc == MG_OK && neutralize && formula_like(s, n))
        rc = buf_putc(out, '\'');
    size_t run = 0;
    for (size_t i = 0; i < n && rc == MG_OK; i++) {
        if (s[i] != '"')
            continue;
        rc = buf_append(out, s + run, i + 1 - run);
        if (rc == MG_OK)
            rc = buf_putc(out, '"');
        run = i + 1;
    }
    if (rc == MG_OK)
        rc = buf_append(out, s + run, n - run);
    if (rc == MG_OK && quote)
        rc = buf_putc(out, '"');
    return rc;
}

int textout_number(struct buf *out, double v)
{
    if (v != v || v > 1.7976931348623157e308 || v < -1.7976931348623157e308)
        return buf_puts(out, "#NUM!");
    if (v == 0)
        return buf_putc(out, '0');
    return buf_printf(out, "%.15g", v);
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

#define SERIAL_MAX 2958465.0 /* 9999-12-31 */
/* 1899-12-30 and 1904-01-01 as days since 1970-01-01. */
#define DAYS_1899_12_30 (-25569)
#define DAYS_1904_01_01 (-24107)

int textout_serial_date(struct buf *out, double serial, bool d1904, bool date, bool time)
{
    if (!(serial >= 0 && serial <= SERIAL_MAX) || (!date && !time))
        return textout_number(out, serial);
    int64_t days = (int64_t)serial;
    int64_t secs = (int64_t)((serial - (double)days) * 86400.0 + 0.5);
    if (secs >= 86400) {
        days++;
        secs -= 86400;
    }
    int rc = MG_OK;
    if (date) {
        int64_t y;
        unsigned m, d;
        if (!d1904 && days == 60) {
            y = 1900, m = 2, d = 29; /* the day Lotus 1-2-3 invented, which Excel keeps */
        } else {
            int64_t base = d1904 ? DAYS_1904_01_01 : DAYS_1899_12_30;
            if (!d1904 && days < 60)
                base++; /* before the invented day, serial 1 is 1900-01-01 */
            civil_from_days(base + days, &y, &m, &d);
        }
        rc = buf_printf(out, "%04lld/%02u/%02u", (long long)y, m, d);
    }
    if (rc == MG_OK && time)
        rc = buf_printf(out, "%s%02u:%02u:%02u", date ? " " : "", (unsigned)(secs / 3600),
                        (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
    return rc;
}

void textout_numfmt_kind(int id, const char *code, bool *date, bool *time)
{
    *date = *time = false;
    if (id >= 0 && !code) {
        /* 27-36 and 50-58 are the East Asian built-ins (Japanese: era dates, 年月日; 32
         * and 33 are 時分, 時分秒). */
        *date = (id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 31) ||
                (id >= 34 && id <= 36) || (id >= 50 && id <= 58);
        *time = (id >= 18 && id <= 22) || id == 32 || id == 33 || (id >= 45 && id <= 47);
        return;
    }
    if (!code)
        return;
    bool quoted = false;
    for (const char *p = code; *p; p++) {
        char c = *p;
        if (quoted) {
            quoted = c != '"';
            continue;
        }
        if (c == '"') {
            quoted = true;
        } else if (c == '\\' || c == '_' || c == '*') {
            if (p[1])
                p++; /* an escaped or spacing character */
        } else if (c == '[') {
            const char *e = strchr(p, ']');
            if (!e)
                return;
            /* [h], [mm], [ss]: elapsed time */
            if (p[1] == 'h' || p[1] == 'H' || p[1] == 'm' || p[1] == 'M' || p[1] == 's' ||
                p[1] == 'S')
                *time = true;
            p = e;
        } else if (c == ';') {
            break; /* the first section decides */
        } else if (strncasecmp(p, "general", 7) == 0) {
            p += 6;
        } else if (strncasecmp(p, "am/pm", 5) == 0 || strncasecmp(p, "a/p", 3) == 0) {
            *time = true;
            p += p[1] == '/' ? 2 : 4;
        } else if ((c == 'e' || c == 'E') && (p[1] == '+' || p[1] == '-')) {
            p++; /* scientific notation */
        } else {
            c = (char)(c | 0x20);
            if (c == 'y' || c == 'd' || c == 'e' || c == 'g')
                *date = true;
            else if (c == 'h' || c == 's')
                *time = true;
            else if (c == 'm' && !*time)
                *date = true; /* months unless after hours */
        }
    }
    /* "mm:ss" alone: minutes */
    if (*date && *time && !strpbrk(code, "yYdDeEgG"))
        *date = false;
}
