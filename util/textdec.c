/*
 * textdec - decoders into UTF-8 without iconv (see textdec.h).
 */
#include "textdec.h"
#include "cp932.h"
#include "err.h"
#include "utf8.h"

/* ---- UTF-8 ---- */

int textdec_put_utf8(struct buf *out, uint32_t cp)
{
    uint8_t u[4];
    return buf_append(out, u, utf8_encode(cp, u));
}

int textdec_utf8(const uint8_t *in, size_t len, struct buf *out, size_t *bad)
{
    size_t i = 0, u;
    int rc = MG_OK;
    while (i < len && rc == MG_OK) {
        /* Runs of ASCII in one append. */
        size_t j = i;
        while (j < len && in[j] < 0x80)
            j++;
        if (j > i) {
            rc = buf_append(out, in + i, j - i);
            i = j;
            continue;
        }
        if (utf8_next(in + i, len - i, &u) < 0) {
            (*bad)++;
            rc = textdec_put_utf8(out, 0xFFFD);
            i++;
        } else {
            rc = buf_append(out, in + i, u);
            i += u;
        }
    }
    return rc;
}

/* ---- single-byte ---- */

static const uint16_t cp1252_c1[32] = {
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

uint32_t textdec_cp1252_char(uint8_t b)
{
    return b >= 0x80 && b < 0xA0 ? cp1252_c1[b - 0x80] : b;
}

int textdec_cp1252(const uint8_t *in, size_t len, struct buf *out, size_t *bad)
{
    int rc = MG_OK;
    for (size_t i = 0; i < len && rc == MG_OK; i++) {
        uint32_t cp = textdec_cp1252_char(in[i]);
        if (cp == 0xFFFD)
            (*bad)++;
        rc = textdec_put_utf8(out, cp);
    }
    return rc;
}

/* ---- Japanese ---- */

/* JIS X 0208 row/cell (0x21..0x7E each) to the Shift_JIS pair. */
static bool jis_to_sjis(uint8_t j1, uint8_t j2, uint8_t s[2])
{
    if (j1 < 0x21 || j1 > 0x7E || j2 < 0x21 || j2 > 0x7E)
        return false;
    s[0] = (uint8_t)(((j1 + 1) >> 1) + (j1 <= 0x5E ? 0x70 : 0xB0));
    if (j1 & 1)
        s[1] = (uint8_t)(j2 + (j2 >= 0x60 ? 0x20 : 0x1F));
    else
        s[1] = (uint8_t)(j2 + 0x7E);
    return true;
}

static int put_jis(struct buf *out, uint8_t j1, uint8_t j2, size_t *bad)
{
    uint8_t s[2];
    size_t used;
    int32_t cp = -1;
    if (jis_to_sjis(j1, j2, s))
        cp = cp932_decode_one(s, 2, &used);
    if (cp < 0) {
        (*bad)++;
        cp = 0xFFFD;
    }
    return textdec_put_utf8(out, (uint32_t)cp);
}

/* One CP932 character at in (len > 0) as UTF-8, or U+FFFD for one bad
 * byte; how many bytes it took into *used. */
static int put_cp932_char(const uint8_t *in, size_t len, struct buf *out, size_t *bad, size_t *used)
{
    int32_t cp = cp932_decode_one(in, len, used);
    if (cp < 0) {
        (*bad)++;
        cp = 0xFFFD;
        *used = 1;
    }
    return textdec_put_utf8(out, (uint32_t)cp);
}

int textdec_cp932(const uint8_t *in, size_t len, struct buf *out, size_t *bad)
{
    size_t i = 0, used;
    int rc = MG_OK;
    while (i < len && rc == MG_OK) {
        rc = put_cp932_char(in + i, len - i, out, bad, &used);
        i += used;
    }
    return rc;
}

int textdec_eucjp(const uint8_t *in, size_t len, struct buf *out, size_t *bad)
{
    size_t i = 0;
    int rc = MG_OK;
    while (i < len && rc == MG_OK) {
        uint8_t b = in[i];
        if (b < 0x80) {
            rc = buf_putc(out, b);
            i++;
        } else if (b == 0x8E && i + 1 < len && in[i + 1] >= 0xA1 && in[i + 1] <= 0xDF) {
            rc = textdec_put_utf8(out, 0xFF61u + (in[i + 1] - 0xA1u));
            i += 2;
        } else if (b == 0x8F && i + 2 < len && in[i + 1] >= 0xA1 && in[i + 2] >= 0xA1) {
            /* JIS X 0212: no table; one replacement for the character. */
            (*bad)++;
            rc = textdec_put_utf8(out, 0xFFFD);
            i += 3;
        } else if (b >= 0xA1 && b <= 0xFE && i + 1 < len && in[i + 1] >= 0xA1 &&
                   in[i + 1] <= 0xFE) {
            rc = put_jis(out, (uint8_t)(b - 0x80), (uint8_t)(in[i + 1] - 0x80), bad);
            i += 2;
        } else {
            (*bad)++;
            rc = textdec_put_utf8(out, 0xFFFD);
            i++;
        }
    }
    return rc;
}

enum jis_mode { JIS_ASCII, JIS_0208, JIS_KANA, JIS_OTHER2 };

int textdec_iso2022jp(const uint8_t *in, size_t len, struct buf *out, size_t *bad)
{
    enum jis_mode mode = JIS_ASCII, saved = JIS_ASCII;
    size_t i = 0;
    int rc = MG_OK;
    while (i < len && rc == MG_OK) {
        uint8_t b = in[i];
        if (b == 0x1B) {
            const uint8_t *e = in + i + 1;
            size_t r = len - i - 1;
            if (r >= 2 && e[0] == '(' && (e[1] == 'B' || e[1] == 'J')) {
                mode = JIS_ASCII;
                i += 3;
            } else if (r >= 2 && e[0] == '(' && e[1] == 'I') {
                mode = JIS_KANA;
                i += 3;
            } else if (r >= 2 && e[0] == '$' && (e[1] == '@' || e[1] == 'B')) {
                mode = JIS_0208;
                i += 3;
            } else if (r >= 3 && e[0] == '$' && e[1] == '(' &&
                       (e[2] == 'Q' || e[2] == 'O' || e[2] == 'B')) {
                mode = JIS_0208; /* JIS X 0213 plane 1 is a superset of 0208 */
                i += 4;
            } else if (r >= 3 && e[0] == '$' && e[1] == '(') {
                mode = JIS_OTHER2; /* JIS X 0212, KS C 5601, ... */
                i += 4;
            } else if (r >= 2 && e[0] == '$' && e[1] == 'A') {
                mode = JIS_OTHER2;
                i += 3;
            } else if (r >= 2 && e[0] == '&' && e[1] == '@') {
                i += 3; /* announcer before ESC $ B */
            } else if (r >= 2 && (e[0] == '.' || e[0] == 'N')) {
                i += 3; /* ISO-2022-JP-2 G2 designations and single shifts */
            } else {
                (*bad)++;
                rc = textdec_put_utf8(out, 0xFFFD);
                i++;
            }
            continue;
        }
        if (b == 0x0E) { /* SO: half-width katakana until SI */
            saved = mode;
            mode = JIS_KANA;
            i++;
            continue;
        }
        if (b == 0x0F) {
            mode = saved == JIS_KANA ? JIS_ASCII : saved;
            i++;
            continue;
        }
        if (b == '\r' || b == '\n' || b >= 0x80 || b < 0x21) {
            if (b >= 0x80) {
                /* Raw 8-bit inside ISO-2022-JP: a mailer sent Shift_JIS. */
                size_t used;
                rc = put_cp932_char(in + i, len - i, out, bad, &used);
                i += used;
            } else {
                rc = buf_putc(out, b);
                i++;
            }
            continue;
        }
        switch (mode) {
        case JIS_ASCII:
            rc = buf_putc(out, b);
            i++;
            break;
        case JIS_KANA:
            if (b <= 0x5F) {
                rc = textdec_put_utf8(out, 0xFF61u + (b - 0x21u));
            } else {
                (*bad)++;
                rc = textdec_put_utf8(out, 0xFFFD);
            }
            i++;
            break;
        case JIS_0208:
        case JIS_OTHER2:
            if (i + 1 < len && in[i + 1] >= 0x21 && in[i + 1] <= 0x7E) {
                if (mode == JIS_0208) {
                    rc = put_jis(out, b, in[i + 1], bad);
                } else {
                    (*bad)++;
                    rc = textdec_put_utf8(out, 0xFFFD);
                }
                i += 2;
            } else {
                (*bad)++;
                rc = textdec_put_utf8(out, 0xFFFD);
                i++;
            }
            break;
        }
    }
    return rc;
}

/* ---- guessing ---- */

bool textdec_has_iso2022_escape(const uint8_t *in, size_t len)
{
    for (size_t i = 0; i + 2 < len; i++)
        if (in[i] == 0x1B && ((in[i + 1] == '$' && (in[i + 2] == 'B' || in[i + 2] == '@')) ||
                              (in[i + 1] == '(' && (in[i + 2] == 'B' || in[i + 2] == 'J'))))
            return true;
    return false;
}

bool textdec_eucjp_valid(const uint8_t *in, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t b = in[i];
        if (b < 0x80) {
            i++;
        } else if (b == 0x8E && i + 1 < len && in[i + 1] >= 0xA1 && in[i + 1] <= 0xDF) {
            i += 2;
        } else if (b >= 0xA1 && b <= 0xFE && i + 1 < len && in[i + 1] >= 0xA1 &&
                   in[i + 1] <= 0xFE) {
            i += 2;
        } else {
            return false;
        }
    }
    return true;
}

int textdec_guess(const uint8_t *in, size_t len, struct buf *out, size_t *bad)
{
    bool high = false;
    for (size_t i = 0; i < len && !high; i++)
        high = in[i] >= 0x80;
    if (!high && textdec_has_iso2022_escape(in, len))
        return textdec_iso2022jp(in, len, out, bad);
    if (!high || utf8_valid(in, len))
        return textdec_utf8(in, len, out, bad);
    /* Valid in both: EUC-JP text is rarely valid CP932 and vice versa; CP932 first
     * because Japanese Windows mailers are the usual source of unlabelled text. */
    if (cp932_valid(in, len))
        return textdec_cp932(in, len, out, bad);
    if (textdec_eucjp_valid(in, len))
        return textdec_eucjp(in, len, out, bad);
    return textdec_utf8(in, len, out, bad);
}

/* ---- UTF-16 ---- */

int textdec_utf16(const uint8_t *in, size_t len, bool le, struct buf *out, size_t *bad)
{
    int rc = MG_OK;
    size_t i = 0;
    while (i + 1 < len && rc == MG_OK) {
        uint32_t u = le ? (uint32_t)(in[i] | in[i + 1] << 8) : (uint32_t)(in[i] << 8 | in[i + 1]);
        i += 2;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < len) {
            uint32_t v =
                    le ? (uint32_t)(in[i] | in[i + 1] << 8) : (uint32_t)(in[i] << 8 | in[i + 1]);
            if (v >= 0xDC00 && v <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
                i += 2;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF) {
            (*bad)++;
            u = 0xFFFD;
        }
        rc = textdec_put_utf8(out, u);
    }
    if (rc == MG_OK && i < len) {
        (*bad)++;
        rc = textdec_put_utf8(out, 0xFFFD);
    }
    return rc;
}

int textdec_latin1(const uint8_t *in, size_t len, struct buf *out, size_t *bad)
{
    int rc = MG_OK;
    (void)bad;
    for (size_t i = 0; i < len && rc == MG_OK; i++)
        rc = textdec_put_utf8(out, in[i]);
    return rc;
}
