/*
 * bitmapsan - BMP, TIFF and WebP to PNG (see bitmapsan.h).
 *
 * Three decoders fill one RGBA image (8 bits per channel, rows top-down);
 * one encoder writes it as a PNG with IHDR, IDAT and IEND only. Every
 * decoder checks the declared dimensions against the policy before it
 * allocates anything, and every size or offset it computes from the file is
 * done in 64 bits and compared against the input's length.
 *
 * Why PNG and not the same format: the output must be something we write
 * entirely ourselves from pixels; writing BMP would be possible but its
 * readers differ on many variants, and TIFF or WebP output would mean
 * linking their encoders and trusting their containers. PNG is the image
 * format we already verify (pngsan_verify runs on every output).
 */
#include "bitmapsan.h"
#include "bytes.h"
#include "err.h"
#include "pngsan.h"

#include <png.h>
#include <tiffio.h>
#include <webp/decode.h>

#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bitmap_image {
    uint32_t width, height;
    uint8_t *rgba; /* width * height * 4 bytes */
};

static void bitmap_image_free(struct bitmap_image *img)
{
    free(img->rgba);
    img->rgba = NULL;
}

/* The policy's size caps, before any allocation. */
static int bitmap_check_dims(const struct policy *pol, const char *fmt, uint64_t w, uint64_t h,
                             struct report_node *node)
{
    if (w > pol->max_dimension || h > pol->max_dimension) {
        report_block(node, REASON_LIMIT, "%s is %llux%llu; the limit is %u pixels per side", fmt,
                     (unsigned long long)w, (unsigned long long)h, pol->max_dimension);
        return MG_ERR_LIMIT;
    }
    if (w * h > pol->max_pixels) {
        report_block(node, REASON_LIMIT, "%s has %llu pixels; the limit is %llu", fmt,
                     (unsigned long long)(w * h), (unsigned long long)pol->max_pixels);
        return MG_ERR_LIMIT;
    }
    return MG_OK;
}

/* Allocate the RGBA canvas; dimensions already checked against the policy. */
static int bitmap_image_alloc(struct bitmap_image *img, uint32_t w, uint32_t h)
{
    img->width = w;
    img->height = h;
    /* calloc refuses a product that overflows. */
    img->rgba = calloc((size_t)w * h, 4);
    return img->rgba ? MG_OK : MG_ERR_NOMEM;
}

/* ---- PNG encoder -------------------------------------------------------- */

struct bitmap_png {
    struct pngsan_sink sink;
    jmp_buf jb;
    png_structp wr;
    png_infop info;
    uint8_t *row;
};

static void bitmap_png_error(png_structp png, png_const_charp msg)
{
    (void)msg;
    struct bitmap_png *j = png_get_error_ptr(png);
    longjmp(j->jb, 1);
}

static void bitmap_png_warning(png_structp png, png_const_charp msg)
{
    /* The sandbox wants no output and a warning is no reason to stop. */
    (void)png, (void)msg;
}

static bool bitmap_opaque(const struct bitmap_image *img)
{
    size_t n = (size_t)img->width * img->height;
    for (size_t i = 0; i < n; i++)
        if (img->rgba[i * 4 + 3] != 255)
            return false;
    return true;
}

/* Errors longjmp to bitmap_png_run; all state lives in *j. */
static void bitmap_png_encode(struct bitmap_png *j, const struct bitmap_image *img)
{
    bool opaque = bitmap_opaque(img);
    j->wr = png_create_write_struct(PNG_LIBPNG_VER_STRING, j, bitmap_png_error, bitmap_png_warning);
    if (!j->wr)
        longjmp(j->jb, 1);
    j->info = png_create_info_struct(j->wr);
    if (!j->info)
        png_error(j->wr, "out of memory");
    png_set_write_fn(j->wr, &j->sink, pngsan_sink_write, pngsan_sink_flush);
    png_set_compression_level(j->wr, 3); /* as pngsan: throughput over size */
    png_set_IHDR(j->wr, j->info, img->width, img->height, 8,
                 opaque ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(j->wr, j->info);
    j->row = malloc((size_t)img->width * 4);
    if (!j->row)
        png_error(j->wr, "out of memory");
    for (uint32_t y = 0; y < img->height; y++) {
        const uint8_t *src = img->rgba + (size_t)y * img->width * 4;
        if (opaque) {
            for (uint32_t x = 0; x < img->width; x++)
                memcpy(j->row + (size_t)x * 3, src + (size_t)x * 4, 3);
        } else {
            memcpy(j->row, src, (size_t)img->width * 4);
        }
        png_write_row(j->wr, j->row);
    }
    png_write_end(j->wr, NULL);
}

/* The only function that calls setjmp; it has no locals to clobber. */
static int bitmap_png_run(struct bitmap_png *j, const struct bitmap_image *img)
{
    if (setjmp(j->jb))
        return j->sink.full ? MG_ERR_LIMIT : MG_ERR_NOMEM;
    bitmap_png_encode(j, img);
    return MG_OK;
}

/* Encode img into out and record the rewrite; blocks on failure. */
static int bitmap_write_png(const char *fmt, const struct bitmap_image *img, struct buf *out,
                            struct report_node *node)
{
    struct bitmap_png j;
    memset(&j, 0, sizeof(j));
    j.sink.out = out;
    int rc = bitmap_png_run(&j, img);
    if (j.wr)
        png_destroy_write_struct(&j.wr, j.info ? &j.info : NULL);
    free(j.row);
    if (rc == MG_ERR_LIMIT) {
        report_block(node, REASON_LIMIT, "%s: rebuilt image exceeds the output size limit", fmt);
        return rc;
    }
    if (rc != MG_OK) {
        report_block(node, REASON_NO_MEMORY, "%s: PNG encoder failed", fmt);
        return rc;
    }
    rc = report_actionf(node, ACTION_REWROTE,
                        "only decoded pixels are carried over; the format cannot be rebuilt "
                        "safely in place",
                        "%s image data (%ux%u) re-encoded as PNG", fmt, img->width, img->height);
    if (rc != MG_OK)
        report_block(node, REASON_INTERNAL, "%s: could not record the report", fmt);
    return rc;
}

/* ---- BMP ---------------------------------------------------------------- */

#define BMP_FILE_HDR     14
#define BMP_BI_RGB       0
#define BMP_BI_RLE8      1
#define BMP_BI_RLE4      2
#define BMP_BI_BITFIELDS 3
#define BMP_BI_JPEG      4
#define BMP_BI_PNG       5

struct bmp_mask {
    uint32_t mask;
    unsigned shift, bits;
};

struct bmp_info {
    uint32_t hdr_size, width, height, bpp, compression, n_colours;
    bool top_down, has_alpha;
    uint64_t pix_off, stride;
    struct bmp_mask masks[4]; /* R G B A */
    const uint8_t *palette;   /* 4 bytes per entry, B G R x */
};

/* A channel mask must be one run of at most 32 set bits (or empty for alpha). */
static bool bmp_mask_init(struct bmp_mask *m, uint32_t mask)
{
    m->mask = mask;
    m->shift = m->bits = 0;
    if (!mask)
        return true;
    while (!(mask & 1u)) {
        mask >>= 1;
        m->shift++;
    }
    while (mask & 1u) {
        mask >>= 1;
        m->bits++;
    }
    return mask == 0;
}

static uint8_t bmp_mask_get(const struct bmp_mask *m, uint32_t px)
{
    if (!m->bits)
        return 0;
    uint64_t v = (px & m->mask) >> m->shift;
    uint64_t max = (m->bits >= 32) ? 0xffffffffu : ((1u << m->bits) - 1);
    return (uint8_t)((v * 255 + max / 2) / max);
}

static int bmp_header(const uint8_t *in, size_t len, struct bmp_info *bi, char *err, size_t errlen)
{
    memset(bi, 0, sizeof(*bi));
    if (len < BMP_FILE_HDR + 4 || in[0] != 'B' || in[1] != 'M') {
        snprintf(err, errlen, "no BMP header");
        return MG_ERR_PARSE;
    }
    bi->pix_off = bytes_le32(in + 10);
    bi->hdr_size = bytes_le32(in + 14);
    uint32_t hs = bi->hdr_size;
    if (hs != 40 && hs != 52 && hs != 56 && hs != 108 && hs != 124) {
        snprintf(err, errlen, "DIB header of %u bytes (OS/2 and unknown headers not supported)",
                 hs);
        return MG_ERR_UNSUPPORTED;
    }
    if (len - BMP_FILE_HDR < hs) {
        snprintf(err, errlen, "truncated DIB header");
        return MG_ERR_PARSE;
    }
    const uint8_t *h = in + BMP_FILE_HDR;
    int32_t w = (int32_t)bytes_le32(h + 4), ht = (int32_t)bytes_le32(h + 8);
    if (w <= 0 || ht == 0 || ht == INT32_MIN) {
        snprintf(err, errlen, "invalid dimensions %d x %d", w, ht);
        return MG_ERR_PARSE;
    }
    bi->width = (uint32_t)w;
    bi->top_down = ht < 0;
    bi->height = (uint32_t)(ht < 0 ? -(int64_t)ht : ht);
    if (bytes_le16(h + 12) != 1) {
        snprintf(err, errlen, "planes is not 1");
        return MG_ERR_PARSE;
    }
    bi->bpp = bytes_le16(h + 14);
    bi->compression = bytes_le32(h + 16);
    bi->n_colours = bytes_le32(h + 32);
    return MG_OK;
}

static int bmp_compression(struct bmp_info *bi, char *err, size_t errlen)
{
    switch (bi->compression) {
    case BMP_BI_RGB:
        if (bi->bpp == 1 || bi->bpp == 4 || bi->bpp == 8 || bi->bpp == 24 || bi->bpp == 32)
            return MG_OK;
        snprintf(err, errlen, "%u bits per pixel not supported", bi->bpp);
        return bi->bpp == 16 ? MG_ERR_UNSUPPORTED : MG_ERR_PARSE;
    case BMP_BI_BITFIELDS:
        if (bi->bpp == 32)
            return MG_OK;
        snprintf(err, errlen, "BI_BITFIELDS with %u bits per pixel not supported", bi->bpp);
        return MG_ERR_UNSUPPORTED;
    case BMP_BI_RLE8:
    case BMP_BI_RLE4:
        snprintf(err, errlen, "RLE-compressed bitmaps not supported");
        return MG_ERR_UNSUPPORTED;
    case BMP_BI_JPEG:
    case BMP_BI_PNG:
        snprintf(err, errlen, "embedded JPEG/PNG (BI_JPEG/BI_PNG) not supported");
        return MG_ERR_UNSUPPORTED;
    default:
        snprintf(err, errlen, "compression %u not supported", bi->compression);
        return MG_ERR_UNSUPPORTED;
    }
}

/* Masks (BI_BITFIELDS) and palette (up to 8 bpp): where they are, that they fit. */
static int bmp_tables(const uint8_t *in, size_t len, struct bmp_info *bi, char *err, size_t errlen)
{
    uint64_t after_hdr = BMP_FILE_HDR + (uint64_t)bi->hdr_size;
    if (bi->compression == BMP_BI_BITFIELDS) {
        /* In the header from 52 bytes on; after a 40-byte header as 3 dwords. */
        uint64_t moff = BMP_FILE_HDR + 40;
        uint64_t mend = bi->hdr_size >= 52 ? after_hdr : moff + 12;
        if (mend > len) {
            snprintf(err, errlen, "truncated colour masks");
            return MG_ERR_PARSE;
        }
        bool ok = true;
        for (int c = 0; c < 3; c++)
            ok = ok && bmp_mask_init(&bi->masks[c], bytes_le32(in + moff + 4 * (uint64_t)c));
        uint32_t amask = bi->hdr_size >= 56 ? bytes_le32(in + moff + 12) : 0;
        ok = ok && bmp_mask_init(&bi->masks[3], amask);
        if (!ok || !bi->masks[0].mask || !bi->masks[1].mask || !bi->masks[2].mask) {
            snprintf(err, errlen, "invalid colour masks");
            return MG_ERR_PARSE;
        }
        bi->has_alpha = amask != 0;
        after_hdr = mend;
    } else if (bi->bpp == 32) {
        /* BI_RGB 32-bit: B G R and an unused byte that many writers leave 0. */
        bmp_mask_init(&bi->masks[0], 0x00ff0000u);
        bmp_mask_init(&bi->masks[1], 0x0000ff00u);
        bmp_mask_init(&bi->masks[2], 0x000000ffu);
    }
    if (bi->bpp <= 8) {
        uint32_t max = 1u << bi->bpp;
        if (bi->n_colours == 0)
            bi->n_colours = max;
        if (bi->n_colours > max) {
            snprintf(err, errlen, "palette of %u colours for %u bits per pixel", bi->n_colours,
                     bi->bpp);
            return MG_ERR_PARSE;
        }
        uint64_t pend = after_hdr + 4 * (uint64_t)bi->n_colours;
        if (pend > len || pend > bi->pix_off) {
            snprintf(err, errlen, "palette overlaps the pixels or the end of the file");
            return MG_ERR_PARSE;
        }
        bi->palette = in + after_hdr;
        after_hdr = pend;
    }
    if (bi->pix_off < after_hdr) {
        snprintf(err, errlen, "pixel data offset %llu inside the headers",
                 (unsigned long long)bi->pix_off);
        return MG_ERR_PARSE;
    }
    return MG_OK;
}

static int bmp_rows(size_t len, struct bmp_info *bi, char *err, size_t errlen)
{
    bi->stride = ((uint64_t)bi->width * bi->bpp + 31) / 32 * 4;
    uint64_t need = bi->stride * bi->height; /* both under 2^32 * 4: no overflow */
    if (bi->pix_off > len || need > len - bi->pix_off) {
        snprintf(err, errlen, "truncated: pixel data needs %llu bytes at offset %llu, file is %zu",
                 (unsigned long long)need, (unsigned long long)bi->pix_off, len);
        return MG_ERR_PARSE;
    }
    return MG_OK;
}

static int bmp_decode_row(const struct bmp_info *bi, const uint8_t *src, uint8_t *dst)
{
    for (uint32_t x = 0; x < bi->width; x++, dst += 4) {
        if (bi->bpp <= 8) {
            uint64_t bit = (uint64_t)x * bi->bpp;
            unsigned shift = 8 - bi->bpp - (unsigned)(bit % 8);
            uint32_t idx = (src[bit / 8] >> shift) & ((1u << bi->bpp) - 1);
            if (idx >= bi->n_colours)
                return MG_ERR_PARSE;
            const uint8_t *c = bi->palette + 4 * (size_t)idx;
            dst[0] = c[2], dst[1] = c[1], dst[2] = c[0], dst[3] = 255;
        } else if (bi->bpp == 24) {
            const uint8_t *p = src + (size_t)x * 3;
            dst[0] = p[2], dst[1] = p[1], dst[2] = p[0], dst[3] = 255;
        } else {
            uint32_t px = bytes_le32(src + (size_t)x * 4);
            for (int c = 0; c < 3; c++)
                dst[c] = bmp_mask_get(&bi->masks[c], px);
            dst[3] = bi->has_alpha ? bmp_mask_get(&bi->masks[3], px) : 255;
        }
    }
    return MG_OK;
}

int bitmapsan_sanitize_bmp(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                           struct report_node *node)
{
    struct bitmap_image img = {0};
    struct bmp_info bi;
    char err[200];
    int rc = bmp_header(in, len, &bi, err, sizeof(err));
    if (rc == MG_OK)
        rc = bmp_compression(&bi, err, sizeof(err));
    if (rc != MG_OK) {
        report_block(node, reason_from_err(rc), "BMP: %s", err);
        return rc;
    }
    rc = bitmap_check_dims(ctx->pol, "BMP", bi.width, bi.height, node);
    if (rc != MG_OK)
        return rc;
    rc = bmp_tables(in, len, &bi, err, sizeof(err));
    if (rc == MG_OK)
        rc = bmp_rows(len, &bi, err, sizeof(err));
    if (rc != MG_OK) {
        report_block(node, reason_from_err(rc), "BMP: %s", err);
        return rc;
    }
    rc = bitmap_image_alloc(&img, bi.width, bi.height);
    if (rc != MG_OK) {
        report_block(node, REASON_NO_MEMORY, "BMP: out of memory");
        goto out;
    }
    for (uint32_t y = 0; y < bi.height; y++) {
        uint32_t sy = bi.top_down ? y : bi.height - 1 - y;
        const uint8_t *src = in + bi.pix_off + bi.stride * sy;
        rc = bmp_decode_row(&bi, src, img.rgba + (size_t)y * bi.width * 4);
        if (rc != MG_OK) {
            report_block(node, REASON_PARSE_ERROR, "BMP: palette index out of range in row %u", sy);
            goto out;
        }
    }
    rc = bitmap_write_png("BMP", &img, out, node);
    uint64_t end = bi.pix_off + bi.stride * bi.height;
    if (rc == MG_OK && end < len)
        rc = report_actionf(node, ACTION_REMOVED, "data after the pixels: polyglot/appended data",
                            "data after the bitmap (%llu bytes)", (unsigned long long)(len - end));
out:
    bitmap_image_free(&img);
    return rc;
}

/* ---- TIFF --------------------------------------------------------------- */

struct tiff_mem {
    const uint8_t *in;
    size_t len;
    uint64_t off;
};

static tmsize_t tiff_read(thandle_t h, void *dst, tmsize_t n)
{
    struct tiff_mem *m = (struct tiff_mem *)h;
    if (n < 0 || m->off >= m->len)
        return 0;
    uint64_t left = m->len - m->off;
    uint64_t take = (uint64_t)n < left ? (uint64_t)n : left;
    memcpy(dst, m->in + m->off, (size_t)take);
    m->off += take;
    return (tmsize_t)take;
}

static tmsize_t tiff_write(thandle_t h, void *src, tmsize_t n)
{
    (void)h, (void)src, (void)n;
    return -1; /* read-only */
}

static toff_t tiff_seek(thandle_t h, toff_t off, int whence)
{
    struct tiff_mem *m = (struct tiff_mem *)h;
    uint64_t base = whence == SEEK_CUR ? m->off : whence == SEEK_END ? m->len : 0;
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
        return (toff_t)-1;
    if (off > UINT64_MAX - base)
        return (toff_t)-1;
    m->off = base + off; /* past the end is allowed; reads there return 0 */
    return m->off;
}

static int tiff_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t tiff_size(thandle_t h)
{
    return ((struct tiff_mem *)h)->len;
}

static int tiff_map(thandle_t h, void **base, toff_t *size)
{
    (void)h, (void)base, (void)size;
    return 0; /* no mapping: every read goes through tiff_read */
}

static void tiff_unmap(thandle_t h, void *base, toff_t size)
{
    (void)h, (void)base, (void)size;
}

static int tiff_quiet(TIFF *tif, void *arg, const char *module, const char *fmt, va_list ap)
{
    (void)tif, (void)module;
    char *msg = arg;
    if (msg && !msg[0])
        vsnprintf(msg, 200, fmt, ap);
    return 1; /* handled: libtiff must not print */
}

void bitmapsan_global_init(void)
{
    /* libtiff's default handlers print to stderr; the worker has none to spare. */
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
}

/* Metadata the first page carried; all of it stays behind. */
static int tiff_report_meta(TIFF *tif, struct report_node *node)
{
    static const struct {
        ttag_t tag;
        const char *what;
    } meta[] = {
            {TIFFTAG_EXIFIFD, "Exif metadata"},      {TIFFTAG_XMLPACKET, "XMP metadata"},
            {TIFFTAG_ICCPROFILE, "ICC profile"},     {TIFFTAG_PHOTOSHOP, "Photoshop resources"},
            {TIFFTAG_RICHTIFFIPTC, "IPTC metadata"},
    };
    int rc = MG_OK;
    for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]) && rc == MG_OK; i++) {
        uint32_t count = 0;
        void *data = NULL;
        uint64_t off = 0;
        int got = meta[i].tag == TIFFTAG_EXIFIFD ? TIFFGetField(tif, meta[i].tag, &off)
                                                 : TIFFGetField(tif, meta[i].tag, &count, &data);
        if (got)
            rc = report_action(node, ACTION_REMOVED, meta[i].what,
                               "metadata can carry payloads and personal data");
    }
    return rc;
}

static int tiff_decode(TIFF *tif, const struct policy *pol, struct bitmap_image *img,
                       const char *msg, struct report_node *node)
{
    uint32_t w = 0, h = 0;
    char emsg[1024];
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h) ||
        w == 0 || h == 0) {
        report_block(node, REASON_PARSE_ERROR, "TIFF: no image dimensions");
        return MG_ERR_PARSE;
    }
    int rc = bitmap_check_dims(pol, "TIFF", w, h, node);
    if (rc != MG_OK)
        return rc;
    if (!TIFFRGBAImageOK(tif, emsg)) {
        report_block(node, REASON_UNSUPPORTED, "TIFF: %.150s", emsg);
        return MG_ERR_UNSUPPORTED;
    }
    rc = bitmap_image_alloc(img, w, h);
    if (rc != MG_OK) {
        report_block(node, REASON_NO_MEMORY, "TIFF: out of memory");
        return rc;
    }
    /* libtiff fills uint32 ABGR words; the canvas has exactly w*h of them. */
    uint32_t *raster = (uint32_t *)(void *)img->rgba;
    if (!TIFFReadRGBAImageOriented(tif, w, h, raster, ORIENTATION_TOPLEFT, 1)) {
        report_block(node, REASON_PARSE_ERROR, "TIFF: %s", msg[0] ? msg : "image data unreadable");
        return MG_ERR_PARSE;
    }
    size_t n = (size_t)w * h;
    for (size_t i = 0; i < n; i++) {
        uint32_t px = raster[i];
        uint8_t *d = img->rgba + i * 4;
        d[0] = (uint8_t)TIFFGetR(px), d[1] = (uint8_t)TIFFGetG(px);
        d[2] = (uint8_t)TIFFGetB(px), d[3] = (uint8_t)TIFFGetA(px);
    }
    return MG_OK;
}

int bitmapsan_sanitize_tiff(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                            struct report_node *node)
{
    struct tiff_mem mem = {in, len, 0};
    struct bitmap_image img = {0};
    char msg[200] = "";
    TIFF *tif = NULL;
    int rc;

    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts) {
        report_block(node, REASON_NO_MEMORY, "TIFF: out of memory");
        return MG_ERR_NOMEM;
    }
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_quiet, msg);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_quiet, NULL);
    /* No single libtiff buffer larger than the biggest image we accept. */
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)(ctx->pol->max_pixels * 8 + 65536));
    /* "m": never memory-map (there is no file); "h": header only is not enough. */
    tif = TIFFClientOpenExt("mem", "rm", (thandle_t)&mem, tiff_read, tiff_write, tiff_seek,
                            tiff_close, tiff_size, tiff_map, tiff_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (!tif) {
        report_block(node, REASON_PARSE_ERROR, "TIFF: %s", msg[0] ? msg : "not a readable TIFF");
        return MG_ERR_PARSE;
    }
    rc = tiff_decode(tif, ctx->pol, &img, msg, node);
    if (rc != MG_OK)
        goto out;
    rc = tiff_report_meta(tif, node);
    tdir_t pages = TIFFNumberOfDirectories(tif);
    if (rc == MG_OK && pages > 1)
        rc = report_actionf(node, ACTION_REMOVED, "only the first page is converted",
                            "TIFF pages after the first (%u)", (unsigned)(pages - 1));
    if (rc != MG_OK) {
        report_block(node, REASON_INTERNAL, "TIFF: could not record the report");
        goto out;
    }
    rc = bitmap_write_png("TIFF", &img, out, node);
out:
    TIFFClose(tif);
    bitmap_image_free(&img);
    return rc;
}

/* ---- WebP --------------------------------------------------------------- */

/* What the VP8X header says the file carries besides pixels. */
static int webp_report_extras(const uint8_t *in, size_t len, struct report_node *node)
{
    int rc = MG_OK;
    uint64_t riff_end = 8 + (uint64_t)bytes_le32(in + 4);
    if (len >= 21 && memcmp(in + 12, "VP8X", 4) == 0) {
        uint8_t flags = in[20];
        if (flags & 0x20)
            rc = report_action(node, ACTION_REMOVED, "ICC profile",
                               "ICC profiles are complex parsed data");
        if (rc == MG_OK && (flags & 0x08))
            rc = report_action(node, ACTION_REMOVED, "Exif metadata",
                               "metadata can carry payloads and personal data");
        if (rc == MG_OK && (flags & 0x04))
            rc = report_action(node, ACTION_REMOVED, "XMP metadata",
                               "metadata can carry payloads and personal data");
    }
    if (rc == MG_OK && riff_end < len)
        rc = report_actionf(
                node, ACTION_REMOVED, "data after the RIFF chunk: polyglot/appended data",
                "data after the image (%llu bytes)", (unsigned long long)(len - riff_end));
    return rc;
}

int bitmapsan_sanitize_webp(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                            struct report_node *node)
{
    struct bitmap_image img = {0};
    WebPBitstreamFeatures f;
    int rc;

    if (len < 12 || WebPGetFeatures(in, len, &f) != VP8_STATUS_OK) {
        report_block(node, REASON_PARSE_ERROR, "WebP: header unreadable");
        return MG_ERR_PARSE;
    }
    if (f.has_animation) {
        report_block(node, REASON_UNSUPPORTED, "WebP: animated images are not supported");
        return MG_ERR_UNSUPPORTED;
    }
    if (f.width <= 0 || f.height <= 0) {
        report_block(node, REASON_PARSE_ERROR, "WebP: invalid dimensions");
        return MG_ERR_PARSE;
    }
    rc = bitmap_check_dims(ctx->pol, "WebP", (uint64_t)f.width, (uint64_t)f.height, node);
    if (rc != MG_OK)
        return rc;
    rc = bitmap_image_alloc(&img, (uint32_t)f.width, (uint32_t)f.height);
    if (rc != MG_OK) {
        report_block(node, REASON_NO_MEMORY, "WebP: out of memory");
        return rc;
    }
    size_t size = (size_t)img.width * img.height * 4;
    if (!WebPDecodeRGBAInto(in, len, img.rgba, size, (int)img.width * 4)) {
        report_block(node, REASON_PARSE_ERROR, "WebP: image data unreadable");
        rc = MG_ERR_PARSE;
        goto out;
    }
    rc = webp_report_extras(in, len, node);
    if (rc != MG_OK) {
        report_block(node, REASON_INTERNAL, "WebP: could not record the report");
        goto out;
    }
    rc = bitmap_write_png("WebP", &img, out, node);
out:
    bitmap_image_free(&img);
    return rc;
}
