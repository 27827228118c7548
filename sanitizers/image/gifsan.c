/*
 * gifsan - GIF sanitizer.
 *
 * A GIF is decoded with giflib record by record (never DGifSlurp, which
 * would allocate every frame before we could look at it) and a new file is
 * encoded as it goes: logical screen and global colour table, then per frame
 * its graphic control extension (animation timing, disposal, transparency),
 * its local colour table and its pixels, and the NETSCAPE2.0 loop extension
 * when the input has a well-formed one. Comments, plain-text extensions,
 * every other application extension (XMP, ICC, unknown), unknown extension
 * labels and anything after the trailer are not carried over: the encoder
 * only sees what we hand it.
 *
 * Every image descriptor is checked before its raster is decoded: the frame
 * must lie inside the logical screen (which is itself within the policy's
 * dimension and pixel limits) and the frame count must stay within
 * gif_max_frames. A frame that sticks out of the screen is refused rather
 * than clipped, and so is a raster giflib cannot decode completely: fail
 * closed.
 *
 * Rows are decoded one at a time and encoded straight away in the order they
 * were read, with the frame's interlace flag kept, so interlaced frames come
 * out identical and memory stays at one row. giflib masks pixel values to
 * the colour table's bit width when encoding; values beyond that width
 * (undefined colours) are the only pixels that can change, and the report
 * says how many did.
 */
#include "gifsan.h"
#include "err.h"

#include <gif_lib.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GIFSAN_MAX_DROPS 16 /* distinct kinds of removal tallied by name */
#define GIFSAN_GCE_LEN   4
#define GIFSAN_APP_ID    11 /* application identifier + authentication code */

struct gifsan_drop {
    char what[96];
    const char *why;
    uint32_t count;
    uint64_t bytes;
};

struct gifsan_state {
    const struct policy *pol;
    struct report_node *node; /* NULL when verifying */
    const uint8_t *in;
    size_t len, off; /* read cursor */
    struct buf *out; /* NULL when verifying */
    bool out_full;

    GifFileType *din, *eout;
    GifPixelType *line;
    uint32_t frames;
    bool gce_pending;
    GifByteType gce[GIFSAN_GCE_LEN];
    bool loop_written;
    bool loop_renamed; /* ANIMEXTS1.0 written as NETSCAPE2.0 */
    uint64_t masked_pixels;

    struct gifsan_drop drops[GIFSAN_MAX_DROPS];
    size_t n_drops;
    uint32_t more_count; /* drops that did not fit in drops[] */
    uint64_t more_bytes;
    size_t trailing;
};

static int gifsan_read_fn(GifFileType *gif, GifByteType *dst, int n)
{
    struct gifsan_state *st = gif->UserData;
    if (n <= 0)
        return 0;
    size_t k = (size_t)n;
    if (k > st->len - st->off)
        k = st->len - st->off;
    memcpy(dst, st->in + st->off, k);
    st->off += k;
    return (int)k;
}

static int gifsan_write_fn(GifFileType *gif, const GifByteType *src, int n)
{
    struct gifsan_state *st = gif->UserData;
    /* giflib ignores many write results, so remember the failure ourselves. */
    if (n < 0 || st->out_full)
        return 0;
    if (buf_append(st->out, src, (size_t)n) != MG_OK) {
        st->out_full = true;
        return 0;
    }
    return n;
}

static int gifsan_fail(struct gifsan_state *st, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int gifsan_fail(struct gifsan_state *st, int rc, const char *fmt, ...)
{
    char msg[REPORT_STR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (st->node)
        report_block(st->node, reason_from_err(rc), "GIF: %s", msg);
    return rc;
}

/* A giflib call on the reader failed: malformed input, or out of memory. */
static int gifsan_fail_read(struct gifsan_state *st, const char *what)
{
    int e = st->din->Error;
    int rc = e == D_GIF_ERR_NOT_ENOUGH_MEM ? MG_ERR_NOMEM : MG_ERR_PARSE;
    const char *s = GifErrorString(e);
    return gifsan_fail(st, rc, "%s (frame %u): %s", what, st->frames, s ? s : "giflib error");
}

/* A giflib call on the writer failed: our output cap, or a bug. */
static int gifsan_fail_write(struct gifsan_state *st)
{
    if (st->out_full)
        return gifsan_fail(st, MG_ERR_LIMIT, "rebuilt image exceeds the output size limit");
    int e = st->eout->Error;
    if (e == E_GIF_ERR_NOT_ENOUGH_MEM)
        return gifsan_fail(st, MG_ERR_NOMEM, "out of memory while encoding");
    const char *s = GifErrorString(e);
    return gifsan_fail(st, MG_ERR_INTERNAL, "encoder: %s", s ? s : "giflib error");
}

static void gifsan_drop(struct gifsan_state *st, const char *what, const char *why, uint64_t bytes)
{
    for (size_t i = 0; i < st->n_drops; i++) {
        if (strcmp(st->drops[i].what, what) == 0) {
            st->drops[i].count++;
            st->drops[i].bytes += bytes;
            return;
        }
    }
    if (st->n_drops < GIFSAN_MAX_DROPS) {
        struct gifsan_drop *d = &st->drops[st->n_drops++];
        snprintf(d->what, sizeof(d->what), "%s", what);
        d->why = why;
        d->count = 1;
        d->bytes = bytes;
        return;
    }
    st->more_count++;
    st->more_bytes += bytes;
}

/* The application identifier as printable text for the report. */
static void gifsan_app_name(const GifByteType *id, char name[GIFSAN_APP_ID + 1])
{
    for (int i = 0; i < GIFSAN_APP_ID; i++)
        name[i] =
                id[i] >= 0x20 && id[i] < 0x7f && id[i] != '"' && id[i] != '\\' ? (char)id[i] : '?';
    name[GIFSAN_APP_ID] = 0;
}

static int gifsan_put_loop(struct gifsan_state *st, const GifByteType *sub)
{
    static const char app[GIFSAN_APP_ID] = "NETSCAPE2.0";
    const GifByteType loop[3] = {1, sub[1], sub[2]};
    if (!st->eout)
        return MG_OK;
    if (EGifPutExtensionLeader(st->eout, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
        EGifPutExtensionBlock(st->eout, GIFSAN_APP_ID, app) == GIF_ERROR ||
        EGifPutExtensionBlock(st->eout, 3, loop) == GIF_ERROR ||
        EGifPutExtensionTrailer(st->eout) == GIF_ERROR || st->out_full)
        return gifsan_fail_write(st);
    return MG_OK;
}

/*
 * One extension: read all its sub-blocks (keeping the first two, which is
 * all an allowed extension has), then keep it in canonical form or drop it.
 */
static int gifsan_extension(struct gifsan_state *st)
{
    GifByteType first[256], second[256];
    int first_len = -1, second_len = -1;
    uint32_t blocks = 0;
    uint64_t bytes = 0;
    int code;
    GifByteType *blk;

    if (DGifGetExtension(st->din, &code, &blk) == GIF_ERROR)
        return gifsan_fail_read(st, "bad extension");
    while (blk) {
        blocks++;
        bytes += blk[0];
        if (blocks == 1) {
            first_len = blk[0];
            memcpy(first, blk + 1, blk[0]);
        } else if (blocks == 2) {
            second_len = blk[0];
            memcpy(second, blk + 1, blk[0]);
        }
        if (DGifGetExtensionNext(st->din, &blk) == GIF_ERROR)
            return gifsan_fail_read(st, "truncated extension");
    }

    switch (code) {
    case GRAPHICS_EXT_FUNC_CODE: {
        GraphicsControlBlock gcb;
        if (blocks != 1 || DGifExtensionToGCB((size_t)first_len, first, &gcb) == GIF_ERROR) {
            gifsan_drop(st, "malformed graphic control extension",
                        "not the 4-byte block the format defines", bytes);
            return MG_OK;
        }
        if (st->gce_pending)
            gifsan_drop(st, "extra graphic control extension",
                        "only one may precede a frame; the last one is kept", GIFSAN_GCE_LEN);
        /* Re-rendered from the parsed fields: reserved bits do not survive. */
        EGifGCBToExtension(&gcb, st->gce);
        st->gce_pending = true;
        return MG_OK;
    }
    case APPLICATION_EXT_FUNC_CODE: {
        char name[GIFSAN_APP_ID + 1] = "?";
        char what[96];
        if (first_len == GIFSAN_APP_ID)
            gifsan_app_name(first, name);
        bool looping =
                first_len == GIFSAN_APP_ID && (memcmp(first, "NETSCAPE2.0", GIFSAN_APP_ID) == 0 ||
                                               memcmp(first, "ANIMEXTS1.0", GIFSAN_APP_ID) == 0);
        if (looping && blocks == 2 && second_len == 3 && second[0] == 1) {
            if (st->loop_written) {
                gifsan_drop(st, "extra loop extension", "only the first one counts", bytes);
                return MG_OK;
            }
            st->loop_written = true;
            st->loop_renamed = memcmp(first, "ANIMEXTS1.0", GIFSAN_APP_ID) == 0;
            return gifsan_put_loop(st, second);
        }
        snprintf(what, sizeof(what), "application extension \"%s\"", name);
        gifsan_drop(st, what,
                    looping ? "not a well-formed loop extension"
                            : "application extensions (XMP, ICC, private) can carry payloads",
                    bytes);
        return MG_OK;
    }
    case COMMENT_EXT_FUNC_CODE:
        gifsan_drop(st, "comment extension", "comments can carry payloads", bytes);
        return MG_OK;
    case PLAINTEXT_EXT_FUNC_CODE:
        gifsan_drop(st, "plain text extension", "text rendered over the image; can carry payloads",
                    bytes);
        if (st->gce_pending) {
            /* The control block belonged to the text, not to the next frame. */
            gifsan_drop(st, "graphic control extension of dropped text",
                        "it applied to the removed plain text", GIFSAN_GCE_LEN);
            st->gce_pending = false;
        }
        return MG_OK;
    default: {
        char what[96];
        snprintf(what, sizeof(what), "unknown extension 0x%02x", (unsigned)code & 0xff);
        gifsan_drop(st, what, "not part of the GIF89a format", bytes);
        return MG_OK;
    }
    }
}

/* One frame: check the descriptor, then decode and encode it row by row. */
static int gifsan_image(struct gifsan_state *st)
{
    GifFileType *din = st->din;

    if (st->frames >= st->pol->gif_max_frames)
        return gifsan_fail(st, MG_ERR_LIMIT, "more than %u frames", st->pol->gif_max_frames);
    if (DGifGetImageDesc(din) == GIF_ERROR)
        return gifsan_fail_read(st, "bad image descriptor");
    st->frames++;

    const GifImageDesc *d = &din->Image;
    if (d->Width <= 0 || d->Height <= 0)
        return gifsan_fail(st, MG_ERR_PARSE, "frame %u is empty (%dx%d)", st->frames, d->Width,
                           d->Height);
    /* GifWord is int and every value is 16-bit, so the sums cannot overflow. */
    if (d->Left + d->Width > din->SWidth || d->Top + d->Height > din->SHeight)
        return gifsan_fail(st, MG_ERR_LIMIT,
                           "frame %u (%dx%d at %d,%d) extends outside the %dx%d logical screen",
                           st->frames, d->Width, d->Height, d->Left, d->Top, din->SWidth,
                           din->SHeight);
    const ColorMapObject *cmap = d->ColorMap ? d->ColorMap : din->SColorMap;
    if (!cmap)
        return gifsan_fail(st, MG_ERR_PARSE, "frame %u has no colour table", st->frames);

    if (st->eout) {
        if (st->gce_pending && EGifPutExtension(st->eout, GRAPHICS_EXT_FUNC_CODE, GIFSAN_GCE_LEN,
                                                st->gce) == GIF_ERROR)
            return gifsan_fail_write(st);
        /*
         * giflib 5.2 forgets (leaks) the previous frame's local colour table
         * when the next frame has none; free it here instead.
         */
        if (!d->ColorMap && st->eout->Image.ColorMap) {
            GifFreeMapObject(st->eout->Image.ColorMap);
            st->eout->Image.ColorMap = NULL;
        }
        if (EGifPutImageDesc(st->eout, d->Left, d->Top, d->Width, d->Height, d->Interlace,
                             d->ColorMap) == GIF_ERROR ||
            st->out_full)
            return gifsan_fail_write(st);
    }
    st->gce_pending = false;

    /* giflib encodes with at least 2 bits per pixel and masks to that width. */
    int bits = cmap->BitsPerPixel < 2 ? 2 : cmap->BitsPerPixel;
    GifPixelType mask = (GifPixelType)((1u << bits) - 1);
    for (int y = 0; y < d->Height; y++) {
        if (DGifGetLine(din, st->line, d->Width) == GIF_ERROR)
            return gifsan_fail_read(st, "raster truncated or corrupt");
        if (!st->eout)
            continue;
        for (int x = 0; x < d->Width; x++)
            st->masked_pixels += (st->line[x] & ~mask) != 0;
        if (EGifPutLine(st->eout, st->line, d->Width) == GIF_ERROR || st->out_full)
            return gifsan_fail_write(st);
    }
    return MG_OK;
}

/* Read the whole input; write the output when st->eout is set. */
static int gifsan_records(struct gifsan_state *st)
{
    GifFileType *din = st->din;
    const struct policy *pol = st->pol;
    int rc;

    if (din->SWidth <= 0 || din->SHeight <= 0)
        return gifsan_fail(st, MG_ERR_PARSE, "empty logical screen (%dx%d)", din->SWidth,
                           din->SHeight);
    if ((uint32_t)din->SWidth > pol->max_dimension || (uint32_t)din->SHeight > pol->max_dimension)
        return gifsan_fail(st, MG_ERR_LIMIT, "logical screen is %dx%d; the limit is %u per side",
                           din->SWidth, din->SHeight, pol->max_dimension);
    if ((uint64_t)din->SWidth * (uint64_t)din->SHeight > pol->max_pixels)
        return gifsan_fail(st, MG_ERR_LIMIT, "logical screen has %llu pixels; the limit is %llu",
                           (unsigned long long)din->SWidth * (unsigned long long)din->SHeight,
                           (unsigned long long)pol->max_pixels);
    /* Frames lie inside the screen, so one screen row holds any frame row. */
    st->line = malloc((size_t)din->SWidth);
    if (!st->line)
        return gifsan_fail(st, MG_ERR_NOMEM, "out of memory");

    if (st->eout) {
        EGifSetGifVersion(st->eout, true);
        st->eout->AspectByte = din->AspectByte;
        if (EGifPutScreenDesc(st->eout, din->SWidth, din->SHeight, din->SColorResolution,
                              din->SBackGroundColor, din->SColorMap) == GIF_ERROR ||
            st->out_full)
            return gifsan_fail_write(st);
    }

    for (;;) {
        GifRecordType type;
        if (DGifGetRecordType(din, &type) == GIF_ERROR)
            return gifsan_fail_read(st, "bad record or missing trailer");
        if (type == TERMINATE_RECORD_TYPE)
            break;
        if (type == IMAGE_DESC_RECORD_TYPE)
            rc = gifsan_image(st);
        else if (type == EXTENSION_RECORD_TYPE)
            rc = gifsan_extension(st);
        else
            rc = gifsan_fail(st, MG_ERR_PARSE, "unknown record type");
        if (rc != MG_OK)
            return rc;
    }
    if (st->frames == 0)
        return gifsan_fail(st, MG_ERR_PARSE, "no image in the file");
    if (st->gce_pending) {
        gifsan_drop(st, "graphic control extension without a frame",
                    "nothing follows it to control", GIFSAN_GCE_LEN);
        st->gce_pending = false;
    }
    st->trailing = st->len - st->off;
    return MG_OK;
}

static int gifsan_report(struct gifsan_state *st)
{
    struct report_node *node = st->node;
    int rc = MG_OK;
    for (size_t i = 0; i < st->n_drops && rc == MG_OK; i++) {
        const struct gifsan_drop *d = &st->drops[i];
        rc = report_actionf(node, ACTION_REMOVED, d->why, "%s (%u, %llu bytes)", d->what, d->count,
                            (unsigned long long)d->bytes);
    }
    if (rc == MG_OK && st->more_count)
        rc = report_actionf(node, ACTION_REMOVED, "not on the allowlist",
                            "further extensions (%u, %llu bytes)", st->more_count,
                            (unsigned long long)st->more_bytes);
    if (rc == MG_OK && st->trailing)
        rc = report_actionf(node, ACTION_REMOVED,
                            "data after the trailer: polyglot/appended archive",
                            "data after the trailer (%zu bytes)", st->trailing);
    if (rc == MG_OK && st->masked_pixels)
        rc = report_actionf(node, ACTION_REWROTE, "these indices are beyond the colour table",
                            "%llu pixel values masked to the colour table width",
                            (unsigned long long)st->masked_pixels);
    if (rc == MG_OK && st->loop_renamed)
        rc = report_action(node, ACTION_REWROTE,
                           "ANIMEXTS1.0 loop extension written as NETSCAPE2.0",
                           "the canonical form every viewer reads");
    if (rc == MG_OK)
        rc = report_actionf(node, ACTION_REWROTE,
                            "only decoded pixels, colour tables, timing and the loop count are "
                            "carried over",
                            "image data (%dx%d screen, %u frame%s) re-encoded", st->din->SWidth,
                            st->din->SHeight, st->frames, st->frames == 1 ? "" : "s");
    return rc;
}

static void gifsan_state_free(struct gifsan_state *st)
{
    if (st->eout)
        EGifCloseFile(st->eout, NULL);
    if (st->din)
        DGifCloseFile(st->din, NULL);
    free(st->line);
    st->eout = NULL;
    st->din = NULL;
    st->line = NULL;
}

int gifsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node)
{
    struct gifsan_state *st = NULL;
    int gerr = 0;
    int rc;

    st = calloc(1, sizeof(*st));
    if (!st) {
        report_block(node, REASON_NO_MEMORY, "GIF: out of memory");
        return MG_ERR_NOMEM;
    }
    st->pol = ctx->pol;
    st->node = node;
    st->in = in;
    st->len = len;
    st->out = out;

    st->din = DGifOpen(st, gifsan_read_fn, &gerr);
    if (!st->din) {
        const char *s = GifErrorString(gerr);
        rc = gifsan_fail(st, gerr == D_GIF_ERR_NOT_ENOUGH_MEM ? MG_ERR_NOMEM : MG_ERR_PARSE,
                         "not a readable GIF: %s", s ? s : "giflib error");
        goto out;
    }
    st->eout = EGifOpen(st, gifsan_write_fn, &gerr);
    if (!st->eout) {
        rc = gifsan_fail(st, MG_ERR_NOMEM, "cannot start the encoder");
        goto out;
    }
    rc = gifsan_records(st);
    if (rc != MG_OK)
        goto out;
    /* Writes the trailer and frees the encoder. */
    gerr = EGifCloseFile(st->eout, NULL);
    st->eout = NULL;
    if (gerr == GIF_ERROR || st->out_full) {
        rc = gifsan_fail(st, st->out_full ? MG_ERR_LIMIT : MG_ERR_INTERNAL,
                         "could not finish the rebuilt file");
        goto out;
    }
    rc = gifsan_report(st);
    if (rc != MG_OK)
        report_block(node, reason_from_err(rc), "GIF: could not record the report");
out:
    gifsan_state_free(st);
    free(st);
    return rc;
}

/*
 * Our own walk over the block structure, independent of giflib: only the
 * blocks the sanitizer writes, in canonical form, and the trailer as the
 * very last byte.
 */
static int gifsan_walk_blocks(const uint8_t *p, size_t len)
{
    size_t off = 13;
    if (len < 14 || (memcmp(p, "GIF89a", 6) != 0 && memcmp(p, "GIF87a", 6) != 0))
        return MG_ERR_VERIFY;
    if (p[10] & 0x80)
        off += 3u * (2u << (p[10] & 7));
    while (off < len) {
        uint8_t intro = p[off++];
        if (intro == 0x3b)
            return off == len ? MG_OK : MG_ERR_VERIFY;
        if (intro == 0x2c) {
            if (len - off < 10)
                return MG_ERR_VERIFY;
            uint8_t flags = p[off + 8];
            off += 9;
            if (flags & 0x80) {
                size_t lct = 3u * (2u << (flags & 7));
                if (lct > len - off)
                    return MG_ERR_VERIFY;
                off += lct;
            }
            if (len - off < 1 || p[off] < 2 || p[off] > 8)
                return MG_ERR_VERIFY;
            off++;
        } else if (intro == 0x21) {
            if (len - off < 2)
                return MG_ERR_VERIFY;
            uint8_t label = p[off++];
            if (label == GRAPHICS_EXT_FUNC_CODE) {
                if (p[off] != GIFSAN_GCE_LEN || len - off < 6 || p[off + 5] != 0)
                    return MG_ERR_VERIFY;
                off += 6;
                continue;
            }
            if (label != APPLICATION_EXT_FUNC_CODE || len - off < 17 || p[off] != GIFSAN_APP_ID ||
                memcmp(p + off + 1, "NETSCAPE2.0", 11) != 0 || p[off + 12] != 3 ||
                p[off + 13] != 1 || p[off + 16] != 0)
                return MG_ERR_VERIFY;
            off += 17;
            continue;
        } else {
            return MG_ERR_VERIFY;
        }
        /* Image data sub-blocks up to the terminator. */
        for (;;) {
            if (off >= len)
                return MG_ERR_VERIFY;
            uint8_t n = p[off++];
            if (n == 0)
                break;
            if (n > len - off)
                return MG_ERR_VERIFY;
            off += n;
        }
    }
    return MG_ERR_VERIFY; /* no trailer */
}

int gifsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    struct gifsan_state *st = NULL;
    int gerr = 0;
    int rc;

    if (gifsan_walk_blocks(in, len) != MG_OK)
        return MG_ERR_VERIFY;
    st = calloc(1, sizeof(*st));
    if (!st)
        return MG_ERR_NOMEM;
    st->pol = ctx->pol;
    st->in = in;
    st->len = len;
    st->din = DGifOpen(st, gifsan_read_fn, &gerr);
    if (!st->din) {
        rc = MG_ERR_VERIFY;
        goto out;
    }
    rc = gifsan_records(st);
    if (rc == MG_ERR_NOMEM)
        goto out;
    /* Anything the sanitizer would have dropped means this is not its output. */
    if (rc != MG_OK || st->n_drops || st->more_count || st->trailing)
        rc = MG_ERR_VERIFY;
out:
    gifsan_state_free(st);
    free(st);
    return rc;
}
