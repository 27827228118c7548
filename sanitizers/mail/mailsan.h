/*
 * mailsan - MIME mail messages: parse with GMime, rebuild from what is
 * known safe.
 *
 * The output is a new RFC 5322 message, never the input patched:
 *   - a kept set of headers (trace, Date, From, Sender, Reply-To, To, Cc,
 *     Subject, Message-ID, In-Reply-To, References), decoded and written
 *     again as ASCII with RFC 2047 UTF-8 words; the policy's subject tag;
 *     X-Mugai-Result: verdict, counts and the original's reference;
 *   - one text/plain; charset=UTF-8 body: the text parts in order, HTML
 *     converted to text (formats/html/html2text), notices first (Japanese and
 *     English) for everything removed;
 *   - each attachment (every non-text leaf, wherever it sits, including
 *     inside multipart/alternative and multipart/related, and files found
 *     uuencoded, yEnc'd or BinHex'd in text) run through san_member()
 *     (the pipeline one level down) and attached again as what it
 *     released, base64; a blocked one is left out and named in a notice;
 *   - nested message/rfc822 parts through san_member() too, given as
 *     messages (whatever identification makes of their first lines), and
 *     attached as message/rfc822.
 * Encrypted messages (S/MIME enveloped or opaque-signed, PGP/MIME, inline
 * PGP) are held whole by default (MG_ERR_ENCRYPTED); multipart/signed loses
 * its signature. Ambiguous structure (duplicate boundary or Content-Type
 * parameters, a boundary not at the start of a line, conflicting
 * Content-Type headers) is refused: when two readings are possible we do
 * not guess which one the recipient's reader takes.
 */
#ifndef MUGAI_MAILSAN_H
#define MUGAI_MAILSAN_H

#include "san.h"

/* Load what must not be loaded inside a worker; called once before any fork. */
int mailsan_global_init(void);
int mailsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                     struct report_node *node);
int mailsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

/* Password candidates (mail_ppap.h) in the text body of a message this
 * module wrote; runs in a worker. */
int mailsan_ppap_candidates(const uint8_t *in, size_t len, struct buf *out, size_t *n);

/*
 * The message a recipient gets instead of a held one: the original's
 * Date, From, To, Cc, Subject and Message-ID (decoded and re-encoded as in
 * a sanitized message; none when the original cannot be parsed), and a
 * bilingual text body giving the reason and the reference of the kept
 * original (the SHA-256 of in), and when the gateway's quarantine keeps it
 * (quarantine_id > 0) the item's number and how to ask for its release.
 * Runs in a worker like mailsan_sanitize.
 */
int mailsan_notice(const struct policy *pol, const uint8_t *in, size_t len, enum reason code,
                   const char *reason, int64_t quarantine_id, struct buf *out);

/* The family's descriptor (san.h). */
extern const struct san_family san_family_mail;

#endif
