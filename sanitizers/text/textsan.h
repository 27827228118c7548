/*
 * textsan - plain text and CSV: detect the encoding, reject binary, drop
 * control characters, neutralize CSV formula cells; the output keeps the
 * input's encoding.
 *
 * Detection is by validity, with byte-accurate steppers for every encoding
 * (no iconv: it dlopens gconv modules, which the sandbox forbids), in this
 * order: byte order mark (UTF-8, UTF-16LE, UTF-16BE); ISO-2022-JP (7-bit
 * bytes only and at least one valid designation); ASCII; UTF-8; then
 * Shift_JIS (CP932) and EUC-JP. A byte string that is valid in both of
 * the last two is labelled by character frequencies (see textsan.c) and
 * sanitized in the EUC-JP reading, which sees every formula cell the
 * Shift_JIS reading sees. NUL bytes (outside UTF-16), invalidity in every
 * encoding, or control characters (other than TAB, LF, CR, FF, ESC) making
 * up more than 2 % of the characters (and more than 8) mean "not text".
 */
#ifndef MUGAI_TEXTSAN_H
#define MUGAI_TEXTSAN_H

#include "san.h"

#include <stdbool.h>

enum text_enc {
    TEXT_ENC_UNKNOWN = 0,
    TEXT_ENC_ASCII,
    TEXT_ENC_UTF8,
    TEXT_ENC_UTF8_BOM,
    TEXT_ENC_UTF16LE, /* with BOM */
    TEXT_ENC_UTF16BE, /* with BOM */
    TEXT_ENC_SJIS,    /* Shift_JIS / CP932 */
    TEXT_ENC_EUCJP,
    TEXT_ENC_ISO2022JP,
};

/* Detect the encoding; TEXT_ENC_UNKNOWN means "not text" (binary or invalid). */
enum text_enc textsan_detect(const uint8_t *in, size_t len);
/* "ascii", "utf-8", "utf-8-bom", "utf-16le", "utf-16be", "shift_jis", "euc-jp", "iso-2022-jp". */
const char *textsan_enc_name(enum text_enc e);

/*
 * Whether a sanitized output detected as out may come from an input
 * detected as in: the same encoding, or plain ASCII from UTF-8 (dropping
 * every C1 and bidi control of a UTF-8 text can leave only ASCII).
 */
bool textsan_enc_compatible(enum text_enc in, enum text_enc out);

/*
 * Sanitize text: the output is the input, in the same encoding, without
 * C0 controls other than TAB, LF and CR, without DEL, and (UTF-8, UTF-16)
 * without C1 controls and bidi overrides/isolates; ISO-2022-JP keeps only
 * valid designation escapes and ends in ASCII.
 */
int textsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                     struct report_node *node);
/* As textsan_sanitize, and when the policy says so a quote before every formula cell. */
int textsan_sanitize_csv(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                         struct report_node *node);
/* MG_OK if in detects as text and holds nothing textsan_sanitize() would drop. */
int textsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);
/* textsan_verify(), and no formula cell left when the policy neutralizes them. */
int textsan_verify_csv(struct san_ctx *ctx, const uint8_t *in, size_t len);

#endif
