/*
 * pngsan - PNG sanitizer.
 *
 * A PNG is decoded with libpng and a new file is encoded from the pixels and
 * from a short allowlist of chunks that only describe how to display them
 * (PLTE, tRNS, gAMA, cHRM, sRGB, sBIT, pHYs, bKGD, and iCCP when the policy
 * keeps ICC profiles). Text chunks, Exif, timestamps, APNG animation, private
 * chunks and anything after IEND never reach the output because nothing
 * copies them: the encoder only sees what we hand it.
 *
 * Before libpng sees a byte, our own bounded chunk walk checks the signature,
 * every chunk length and every CRC (critical and ancillary alike: a file with
 * a bad CRC is refused, never "repaired") and the IHDR dimensions against
 * the policy, so an oversized image is refused without allocating anything.
 * The same walk, run on input and output, tells the report what was dropped.
 *
 * libpng runs with limits (user width/height, chunk allocation and cache
 * caps), reads from memory through a cursor and writes into a capped buf; its
 * error and warning functions never print (the sandbox has no stderr to
 * spare and a message is not a reason to stop) and errors longjmp back to one
 * place, from where everything is freed.
 *
 * Pixels are copied row by row without transformations, so the output holds
 * exactly the input's samples (bit depth, colour type, palette, 16-bit order).
 * Interlaced input is written non-interlaced; that needs the whole image in
 * memory, which the pixel limit bounds.
 */
#include "pngsan.h"
#include "err.h"

#include <png.h>

#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PNGSAN_SIG_LEN       8
#define PNGSAN_MAX_TYPES     32          /* distinct chunk types tallied by name */
#define PNGSAN_CHUNK_MALLOC  (8u << 20)  /* largest chunk libpng may buffer (iCCP) */
#define PNGSAN_CHUNK_CACHE   128         /* ancillary chunks libpng may keep */
#define PNGSAN_CHUNK_LEN_MAX 0x7fffffffu /* PNG spec: lengths fit in 31 bits */

static const uint8_t pngsan_sig[PNGSAN_SIG_LEN] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

/* ---- chunk walk --------------------------------------------------------- */

struct pngsan_tally {
    char type[5];
    uint32_t count;
    uint64_t bytes; /* data bytes, without length, type and CRC */
};

struct pngsan_walk {
    uint32_t width, height;
    uint8_t bit_depth, colour_type, interlace;
    size_t end; /* offset just past IEND's CRC */
    struct pngsan_tally types[PNGSAN_MAX_TYPES];
    size_t n_types;
    uint32_t other_count; /* chunks whose type did not fit in types[] */
    uint64_t other_bytes;
};

static uint32_t pngsan_crc_table[256];
static bool pngsan_crc_ready;

static void pngsan_crc_init(void)
{
    if (pngsan_crc_ready)
        return;
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        pngsan_crc_table[n] = c;
    }
    pngsan_crc_ready = true;
}

static uint32_t pngsan_crc(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        c = pngsan_crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static uint32_t pngsan_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool pngsan_type_ok(const uint8_t *t)
{
    for (int i = 0; i < 4; i++) {
        bool upper = t[i] >= 'A' && t[i] <= 'Z';
        bool lower = t[i] >= 'a' && t[i] <= 'z';
        if (!upper && !lower)
            return false;
    }
    return true;
}

static void pngsan_tally_add(struct pngsan_walk *w, const uint8_t *type, uint32_t len)
{
    for (size_t i = 0; i < w->n_types; i++) {
        if (memcmp(w->types[i].type, type, 4) == 0) {
            w->types[i].count++;
            w->types[i].bytes += len;
            return;
        }
    }
    if (w->n_types < PNGSAN_MAX_TYPES) {
        struct pngsan_tally *t = &w->types[w->n_types++];
        memcpy(t->type, type, 4);
        t->type[4] = 0;
        t->count = 1;
        t->bytes = len;
        return;
    }
    w->other_count++;
    w->other_bytes += len;
}

static const struct pngsan_tally *pngsan_tally_find(const struct pngsan_walk *w, const char *type)
{
    for (size_t i = 0; i < w->n_types; i++)
        if (memcmp(w->types[i].type, type, 4) == 0)
            return &w->types[i];
    return NULL;
}

/*
 * Walk the chunk sequence from the signature to IEND: every length within
 * the input, every type four letters, every CRC right, IHDR first. Fills w;
 * on failure writes the reason into err and returns MG_ERR_PARSE.
 */
static int pngsan_walk_chunks(const uint8_t *in, size_t len, struct pngsan_walk *w, char *err,
                              size_t errlen)
{
    memset(w, 0, sizeof(*w));
    pngsan_crc_init();
    if (len < PNGSAN_SIG_LEN || memcmp(in, pngsan_sig, PNGSAN_SIG_LEN) != 0) {
        snprintf(err, errlen, "no PNG signature");
        return MG_ERR_PARSE;
    }
    size_t off = PNGSAN_SIG_LEN;
    bool first = true;
    for (;;) {
        if (len - off < 12) {
            snprintf(err, errlen, "truncated: chunk header or CRC missing at offset %zu", off);
            return MG_ERR_PARSE;
        }
        uint32_t clen = pngsan_be32(in + off);
        const uint8_t *type = in + off + 4;
        if (clen > PNGSAN_CHUNK_LEN_MAX || clen > len - off - 12) {
            snprintf(err, errlen, "truncated: chunk at offset %zu claims %u bytes", off, clen);
            return MG_ERR_PARSE;
        }
        if (!pngsan_type_ok(type)) {
            snprintf(err, errlen, "invalid chunk type at offset %zu", off);
            return MG_ERR_PARSE;
        }
        uint32_t crc = pngsan_be32(in + off + 8 + clen);
        if (pngsan_crc(type, (size_t)clen + 4) != crc) {
            snprintf(err, errlen, "bad CRC in %.4s chunk at offset %zu", (const char *)type, off);
            return MG_ERR_PARSE;
        }
        if (first) {
            if (memcmp(type, "IHDR", 4) != 0 || clen != 13) {
                snprintf(err, errlen, "first chunk is not a 13-byte IHDR");
                return MG_ERR_PARSE;
            }
            const uint8_t *d = type + 4;
            w->width = pngsan_be32(d);
            w->height = pngsan_be32(d + 4);
            w->bit_depth = d[8];
            w->colour_type = d[9];
            w->interlace = d[12];
            first = false;
        }
        pngsan_tally_add(w, type, clen);
        off += (size_t)clen + 12;
        if (memcmp(type, "IEND", 4) == 0)
            break;
    }
    w->end = off;
    return MG_OK;
}

/* The chunks the output may hold. */
static bool pngsan_allowed(const char *type, bool keep_icc)
{
    static const char *const allow[] = {"IHDR", "PLTE", "tRNS", "IDAT", "IEND", "gAMA",
                                        "cHRM", "sRGB", "sBIT", "pHYs", "bKGD"};
    for (size_t i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
        if (memcmp(type, allow[i], 4) == 0)
            return true;
    return keep_icc && memcmp(type, "iCCP", 4) == 0;
}

static const char *pngsan_why(const char *type, bool allowed)
{
    static const struct {
        const char *type, *why;
    } whys[] = {
            {"tEXt", "text chunks can carry payloads"},
            {"zTXt", "text chunks can carry payloads"},
            {"iTXt", "text chunks can carry payloads (XMP among them)"},
            {"eXIf", "Exif metadata can carry payloads and personal data"},
            {"tIME", "metadata not needed to display the image"},
            {"iCCP", "ICC profiles are complex parsed data; the policy does not keep them"},
            {"acTL", "APNG animation: only the default image is kept"},
            {"fcTL", "APNG animation: only the default image is kept"},
            {"fdAT", "APNG animation: only the default image is kept"},
            {"sPLT", "ancillary chunk not on the allowlist"},
            {"hIST", "ancillary chunk not on the allowlist"},
            {"oFFs", "ancillary chunk not on the allowlist"},
            {"pCAL", "ancillary chunk not on the allowlist"},
            {"sCAL", "ancillary chunk not on the allowlist"},
            {"sTER", "ancillary chunk not on the allowlist"},
            {"dSIG", "ancillary chunk not on the allowlist"},
    };
    if (allowed)
        return "invalid or redundant chunk discarded by the decoder";
    for (size_t i = 0; i < sizeof(whys) / sizeof(whys[0]); i++)
        if (memcmp(type, whys[i].type, 4) == 0)
            return whys[i].why;
    return "unknown or private chunk: could carry a payload";
}

/* ---- libpng glue -------------------------------------------------------- */

struct pngsan_job {
    const struct policy *pol;
    const uint8_t *in;
    size_t len, off;         /* read cursor */
    struct pngsan_sink sink; /* sink.out NULL when only decoding (verify) */
    jmp_buf jb;
    char msg[200]; /* libpng's error message */

    png_structp rd, wr;
    png_infop rinfo, winfo;
    uint8_t *pixels; /* row buffer, or the whole image when interlaced */
    png_bytep *rows; /* row pointers into pixels (interlaced only) */
    png_uint_32 width, height;
    int bit_depth, colour_type, interlace;
};

static void pngsan_error_fn(png_structp png, png_const_charp msg)
{
    struct pngsan_job *j = png_get_error_ptr(png);
    snprintf(j->msg, sizeof(j->msg), "%s", msg ? msg : "libpng error");
    longjmp(j->jb, 1);
}

static void pngsan_warning_fn(png_structp png, png_const_charp msg)
{
    /* A warning is not a reason to refuse, and the sandbox wants no output. */
    (void)png, (void)msg;
}

/* For failures where no png_struct exists to call png_error() on. */
static void pngsan_fail(struct pngsan_job *j, const char *msg)
{
    snprintf(j->msg, sizeof(j->msg), "%s", msg);
    longjmp(j->jb, 1);
}

static void pngsan_read_fn(png_structp png, png_bytep data, size_t n)
{
    struct pngsan_job *j = png_get_io_ptr(png);
    if (n > j->len - j->off)
        png_error(png, "unexpected end of data");
    memcpy(data, j->in + j->off, n);
    j->off += n;
}

void pngsan_sink_write(png_structp png, png_bytep data, size_t n)
{
    struct pngsan_sink *s = png_get_io_ptr(png);
    if (buf_append(s->out, data, n) != MG_OK) {
        s->full = true;
        png_error(png, "output size limit reached");
    }
}

void pngsan_sink_flush(png_structp png)
{
    /* Must exist: libpng's default flush calls fflush() on the io pointer. */
    (void)png;
}

static void pngsan_job_free(struct pngsan_job *j)
{
    if (j->rd)
        png_destroy_read_struct(&j->rd, j->rinfo ? &j->rinfo : NULL, NULL);
    if (j->wr)
        png_destroy_write_struct(&j->wr, j->winfo ? &j->winfo : NULL);
    free(j->rows);
    free(j->pixels);
    j->rows = NULL;
    j->pixels = NULL;
}

/*
 * Set up the reader with its limits. Everything that is not going to be
 * copied is ignored by libpng (handled as "unknown, never keep"), so it is
 * CRC-checked and skipped but never decompressed or parsed.
 */
static void pngsan_setup_reader(struct pngsan_job *j)
{
    static const png_byte ignore[] = "tEXt\0zTXt\0iTXt\0tIME\0eXIf\0sPLT\0hIST\0oFFs\0"
                                     "pCAL\0sCAL\0sTER\0";
    static const png_byte ignore_icc[] = "iCCP";

    j->rd = png_create_read_struct(PNG_LIBPNG_VER_STRING, j, pngsan_error_fn, pngsan_warning_fn);
    if (!j->rd)
        pngsan_fail(j, "out of memory");
    j->rinfo = png_create_info_struct(j->rd);
    if (!j->rinfo)
        png_error(j->rd, "out of memory");
    png_set_read_fn(j->rd, j, pngsan_read_fn);
    png_set_user_limits(j->rd, j->pol->max_dimension, j->pol->max_dimension);
    png_set_chunk_malloc_max(j->rd, PNGSAN_CHUNK_MALLOC);
    png_set_chunk_cache_max(j->rd, PNGSAN_CHUNK_CACHE);
    png_set_crc_action(j->rd, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    png_set_keep_unknown_chunks(j->rd, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_set_keep_unknown_chunks(j->rd, PNG_HANDLE_CHUNK_NEVER, ignore, 11);
    if (!j->pol->png_keep_icc)
        png_set_keep_unknown_chunks(j->rd, PNG_HANDLE_CHUNK_NEVER, ignore_icc, 1);
}

static void pngsan_read_header(struct pngsan_job *j)
{
    int compression, filter;
    png_read_info(j->rd, j->rinfo);
    png_get_IHDR(j->rd, j->rinfo, &j->width, &j->height, &j->bit_depth, &j->colour_type,
                 &j->interlace, &compression, &filter);
    /* Checked again here, before any row is allocated: libpng's own view. */
    if ((uint64_t)j->width * j->height > j->pol->max_pixels)
        png_error(j->rd, "image exceeds the pixel limit");
}

/* Allocate the row buffer (or whole image for interlaced input). */
static void pngsan_alloc_rows(struct pngsan_job *j, bool whole_image)
{
    size_t rowbytes = png_get_rowbytes(j->rd, j->rinfo);
    if (rowbytes == 0)
        png_error(j->rd, "empty rows");
    if (!whole_image) {
        j->pixels = calloc(1, rowbytes);
        if (!j->pixels)
            png_error(j->rd, "out of memory");
        return;
    }
    /* calloc refuses a product that overflows. */
    j->pixels = calloc(j->height, rowbytes);
    j->rows = calloc(j->height, sizeof(png_bytep));
    if (!j->pixels || !j->rows)
        png_error(j->rd, "out of memory");
    for (png_uint_32 y = 0; y < j->height; y++)
        j->rows[y] = j->pixels + (size_t)y * rowbytes;
}

/* Hand the encoder the allowlisted chunks the decoder accepted. */
static void pngsan_copy_ancillary(struct pngsan_job *j)
{
    png_structp rd = j->rd, wr = j->wr;
    png_infop ri = j->rinfo, wi = j->winfo;

    png_colorp palette;
    int n_palette;
    if (png_get_PLTE(rd, ri, &palette, &n_palette) & PNG_INFO_PLTE)
        png_set_PLTE(wr, wi, palette, n_palette);

    png_bytep trans;
    int n_trans;
    png_color_16p trans_colour;
    if (png_get_tRNS(rd, ri, &trans, &n_trans, &trans_colour) & PNG_INFO_tRNS)
        png_set_tRNS(wr, wi, trans, n_trans, trans_colour);

    png_fixed_point gamma;
    if (png_get_gAMA_fixed(rd, ri, &gamma) & PNG_INFO_gAMA)
        png_set_gAMA_fixed(wr, wi, gamma);

    png_fixed_point wx, wy, rx, ry, gx, gy, bx, by;
    if (png_get_cHRM_fixed(rd, ri, &wx, &wy, &rx, &ry, &gx, &gy, &bx, &by) & PNG_INFO_cHRM)
        png_set_cHRM_fixed(wr, wi, wx, wy, rx, ry, gx, gy, bx, by);

    int intent;
    if (png_get_sRGB(rd, ri, &intent) & PNG_INFO_sRGB)
        png_set_sRGB(wr, wi, intent);

    if (j->pol->png_keep_icc) {
        png_charp name;
        int comp;
        png_bytep profile;
        png_uint_32 proflen;
        if (png_get_iCCP(rd, ri, &name, &comp, &profile, &proflen) & PNG_INFO_iCCP)
            png_set_iCCP(wr, wi, name, comp, profile, proflen);
    }

    png_color_8p sig_bit;
    if (png_get_sBIT(rd, ri, &sig_bit) & PNG_INFO_sBIT)
        png_set_sBIT(wr, wi, sig_bit);

    png_uint_32 res_x, res_y;
    int unit;
    if (png_get_pHYs(rd, ri, &res_x, &res_y, &unit) & PNG_INFO_pHYs)
        png_set_pHYs(wr, wi, res_x, res_y, unit);

    png_color_16p background;
    if (png_get_bKGD(rd, ri, &background) & PNG_INFO_bKGD)
        png_set_bKGD(wr, wi, background);
}

/* Decode the input and encode the output; errors longjmp to pngsan_run. */
static void pngsan_transcode(struct pngsan_job *j)
{
    pngsan_setup_reader(j);
    pngsan_read_header(j);
    bool interlaced = j->interlace != PNG_INTERLACE_NONE;
    if (interlaced)
        (void)png_set_interlace_handling(j->rd);
    png_read_update_info(j->rd, j->rinfo);
    pngsan_alloc_rows(j, interlaced);

    j->wr = png_create_write_struct(PNG_LIBPNG_VER_STRING, j, pngsan_error_fn, pngsan_warning_fn);
    if (!j->wr)
        pngsan_fail(j, "out of memory");
    j->winfo = png_create_info_struct(j->wr);
    if (!j->winfo)
        png_error(j->wr, "out of memory");
    png_set_write_fn(j->wr, &j->sink, pngsan_sink_write, pngsan_sink_flush);
    /* Out-of-range palette indices are kept as they are, not refused on write. */
    png_set_check_for_invalid_index(j->wr, 0);
    /* zlib level 3 instead of 6: about a third less CPU per image for
     * files some 10% larger; a gateway is throughput-bound, not size-bound. */
    png_set_compression_level(j->wr, 3);
    png_set_IHDR(j->wr, j->winfo, j->width, j->height, j->bit_depth, j->colour_type,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    pngsan_copy_ancillary(j);
    png_write_info(j->wr, j->winfo);

    if (interlaced) {
        png_read_image(j->rd, j->rows);
        png_write_image(j->wr, j->rows);
    } else {
        for (png_uint_32 y = 0; y < j->height; y++) {
            png_read_row(j->rd, j->pixels, NULL);
            png_write_row(j->wr, j->pixels);
        }
    }
    /* Read to IEND so a broken tail (bad CRC, missing IEND) is refused too. */
    png_read_end(j->rd, NULL);
    png_write_end(j->wr, NULL);
}

/* Decode everything, write nothing (verify). */
static void pngsan_decode_only(struct pngsan_job *j)
{
    pngsan_setup_reader(j);
    pngsan_read_header(j);
    int passes = png_set_interlace_handling(j->rd);
    png_read_update_info(j->rd, j->rinfo);
    pngsan_alloc_rows(j, false);
    for (int p = 0; p < passes; p++)
        for (png_uint_32 y = 0; y < j->height; y++)
            png_read_row(j->rd, j->pixels, NULL);
    png_read_end(j->rd, NULL);
}

/*
 * The only function that calls setjmp: it has no locals, so nothing can be
 * clobbered by the longjmp; all state lives in *j.
 */
static int pngsan_run(struct pngsan_job *j, void (*work)(struct pngsan_job *))
{
    if (setjmp(j->jb))
        return j->sink.full ? MG_ERR_LIMIT : MG_ERR_PARSE;
    work(j);
    return MG_OK;
}

/*
 * Map libpng's message to an error code: its limit messages ("exceeds user
 * limit", "chunk data is too large", "no space in chunk cache") and our own
 * mean "limit", allocation failures "no-memory", everything else is a
 * malformed file.
 */
static int pngsan_msg_err(const char *msg)
{
    if (strstr(msg, "memory"))
        return MG_ERR_NOMEM;
    if (strstr(msg, "limit") || strstr(msg, "too large") || strstr(msg, "chunk cache"))
        return MG_ERR_LIMIT;
    return MG_ERR_PARSE;
}

static int pngsan_check_dims(const struct policy *pol, const struct pngsan_walk *w,
                             struct report_node *node)
{
    if (w->width > pol->max_dimension || w->height > pol->max_dimension) {
        if (node)
            report_block(node, REASON_LIMIT, "PNG is %ux%u; the limit is %u pixels per side",
                         w->width, w->height, pol->max_dimension);
        return MG_ERR_LIMIT;
    }
    if ((uint64_t)w->width * w->height > pol->max_pixels) {
        if (node)
            report_block(node, REASON_LIMIT, "PNG has %llu pixels; the limit is %llu",
                         (unsigned long long)w->width * w->height,
                         (unsigned long long)pol->max_pixels);
        return MG_ERR_LIMIT;
    }
    return MG_OK;
}

/* Report what the input had and the output does not. */
static int pngsan_report_drops(const struct pngsan_walk *in_w, const struct pngsan_walk *out_w,
                               bool keep_icc, size_t trailing, struct report_node *node)
{
    int rc = MG_OK;
    for (size_t i = 0; i < in_w->n_types && rc == MG_OK; i++) {
        const struct pngsan_tally *t = &in_w->types[i];
        if (memcmp(t->type, "IDAT", 4) == 0 || memcmp(t->type, "IHDR", 4) == 0 ||
            memcmp(t->type, "IEND", 4) == 0)
            continue;
        const struct pngsan_tally *o = pngsan_tally_find(out_w, t->type);
        uint32_t kept = o ? o->count : 0;
        if (kept >= t->count)
            continue;
        bool allowed = pngsan_allowed(t->type, keep_icc);
        /* Chunk types are four ASCII letters: safe to print. */
        rc = report_actionf(node, ACTION_REMOVED, pngsan_why(t->type, allowed),
                            "%s chunk (%u of %u, %llu bytes)", t->type, t->count - kept, t->count,
                            (unsigned long long)t->bytes);
    }
    if (rc == MG_OK && in_w->other_count)
        rc = report_actionf(node, ACTION_REMOVED,
                            "unknown or private chunks: could carry a payload",
                            "chunks of further types (%u, %llu bytes)", in_w->other_count,
                            (unsigned long long)in_w->other_bytes);
    if (rc == MG_OK && trailing)
        rc = report_actionf(node, ACTION_REMOVED, "data after IEND: polyglot/appended archive",
                            "data after IEND (%zu bytes)", trailing);
    return rc;
}

int pngsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node)
{
    const struct policy *pol = ctx->pol;
    struct pngsan_walk *in_w = NULL, *out_w = NULL;
    struct pngsan_job j;
    char err[200];
    int rc;

    memset(&j, 0, sizeof(j));
    in_w = calloc(1, sizeof(*in_w));
    out_w = calloc(1, sizeof(*out_w));
    if (!in_w || !out_w) {
        report_block(node, REASON_NO_MEMORY, "PNG: out of memory");
        rc = MG_ERR_NOMEM;
        goto out;
    }
    rc = pngsan_walk_chunks(in, len, in_w, err, sizeof(err));
    if (rc != MG_OK) {
        report_block(node, REASON_PARSE_ERROR, "PNG: %s", err);
        goto out;
    }
    rc = pngsan_check_dims(pol, in_w, node);
    if (rc != MG_OK)
        goto out;

    j.pol = pol;
    j.in = in;
    j.len = in_w->end; /* libpng never sees what follows IEND */
    j.sink.out = out;
    rc = pngsan_run(&j, pngsan_transcode);
    if (rc != MG_OK) {
        if (j.sink.full) {
            report_block(node, REASON_LIMIT, "PNG: rebuilt image exceeds the output size limit");
        } else {
            rc = pngsan_msg_err(j.msg);
            report_block(node, reason_from_err(rc), "PNG: %s", j.msg);
        }
        goto out;
    }

    /* Our own output must walk cleanly; if it does not, that is a bug. */
    rc = pngsan_walk_chunks(out->data, out->len, out_w, err, sizeof(err));
    if (rc != MG_OK) {
        rc = MG_ERR_INTERNAL;
        report_block(node, REASON_INTERNAL, "PNG: rebuilt file does not parse: %s", err);
        goto out;
    }
    rc = pngsan_report_drops(in_w, out_w, pol->png_keep_icc, len - in_w->end, node);
    if (rc == MG_OK)
        rc = report_actionf(node, ACTION_REWROTE,
                            "only decoded pixels and display chunks are carried over",
                            "image data (%ux%u, %d-bit, colour type %d%s) re-encoded", j.width,
                            j.height, j.bit_depth, j.colour_type,
                            j.interlace != PNG_INTERLACE_NONE ? ", de-interlaced" : "");
    if (rc != MG_OK)
        report_block(node, REASON_INTERNAL, "PNG: could not record the report");
out:
    pngsan_job_free(&j);
    free(in_w);
    free(out_w);
    return rc;
}

int pngsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    const struct policy *pol = ctx->pol;
    struct pngsan_walk *w = NULL;
    struct pngsan_job j;
    char err[200];
    int rc;

    memset(&j, 0, sizeof(j));
    w = calloc(1, sizeof(*w));
    if (!w) {
        rc = MG_ERR_NOMEM;
        goto out;
    }
    if (pngsan_walk_chunks(in, len, w, err, sizeof(err)) != MG_OK || w->end != len) {
        rc = MG_ERR_VERIFY;
        goto out;
    }
    if (w->other_count) {
        rc = MG_ERR_VERIFY;
        goto out;
    }
    for (size_t i = 0; i < w->n_types; i++) {
        if (!pngsan_allowed(w->types[i].type, pol->png_keep_icc)) {
            rc = MG_ERR_VERIFY;
            goto out;
        }
    }
    if (pngsan_check_dims(pol, w, NULL) != MG_OK) {
        rc = MG_ERR_VERIFY;
        goto out;
    }
    j.pol = pol;
    j.in = in;
    j.len = len;
    rc = pngsan_run(&j, pngsan_decode_only) == MG_OK ? MG_OK : MG_ERR_VERIFY;
out:
    pngsan_job_free(&j);
    free(w);
    return rc;
}
