/*
 * textsan - plain text and CSV: detect the encoding, reject binary, drop
 * control characters, neutralize CSV formula cells; the output keeps the
 * input's encoding.
 */
#ifndef MUGAI_TEXTSAN_H
#define MUGAI_TEXTSAN_H

#include "san.h"

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
const char *textsan_enc_name(enum text_enc e);

int textsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                     struct report_node *node);
int textsan_sanitize_csv(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                         struct report_node *node);
int textsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

#endif
