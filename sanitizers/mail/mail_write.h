/*
 * mail_write - writing the rebuilt message: header fields as 7-bit ASCII
 * (RFC 2047 "B" words in UTF-8 for anything else), folded at 78 columns,
 * never longer than 998; base64 bodies in 76-column lines; RFC 2231
 * parameters for non-ASCII file names. Everything this module writes is
 * printable ASCII with CR LF line ends, so the output is 7bit-clean.
 */
#ifndef MUGAI_MAIL_WRITE_H
#define MUGAI_MAIL_WRITE_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mail_hdr_kind {
    MAIL_HDR_TEXT,    /* unstructured: Subject, Comments */
    MAIL_HDR_ADDRESS, /* From, To, Cc, Reply-To, Sender */
    MAIL_HDR_ASCII,   /* Date, Message-ID, References, Received: non-ASCII becomes '?' */
};

/*
 * Append "Name: value" with CR LF, value being decoded UTF-8. Returns
 * MG_OK, MG_ERR_PARSE when the value cannot be written within 998-byte
 * lines (a token longer than that: the caller drops the field), or a buf
 * error.
 */
int mail_write_header(struct buf *out, const char *name, const char *value, size_t len,
                      enum mail_hdr_kind kind);

/* Base64 of data in 76-column lines with CR LF. */
int mail_write_base64(struct buf *out, const uint8_t *data, size_t len);

/*
 * Append "; attr=..." for a parameter value in UTF-8: quoted ASCII as is,
 * otherwise attr*=UTF-8''percent-encoded (RFC 2231), folded.
 */
int mail_write_param(struct buf *out, const char *attr, const char *value);

/* Append the RFC 2047 encoded form of UTF-8 text (one or more words, folded). */
int mail_write_encoded_words(struct buf *out, const char *s, size_t len, size_t *col);

#endif
