/*
 * jpegsan - JPEG sanitizer (see jpegsan.h).
 *
 * Two independent looks at every input:
 *
 *  1. A bounded cursor walk over the marker structure (SOI, segments, the
 *     entropy-coded data of each scan, EOI). It runs before libjpeg sees the
 *     file, so the declared size, the sample precision, the coding process
 *     and the number of scans are checked before anything is allocated, and
 *     it lists the APPn/COM segments and the bytes after EOI for the report.
 *  2. libjpeg-turbo reads the coefficients (jpeg_read_coefficients) under a
 *     memory cap and a scan cap, with every warning treated as an error:
 *     libjpeg "recovers" from corrupt data by guessing, and a guessed image
 *     is not one we should vouch for. The two looks must agree on where EOI
 *     is, or the file is refused.
 *
 * The output is written by jpeg_write_coefficients from the decoded
 * coefficients and the critical parameters only (allowlist: nothing of the
 * input's segments is copied). Arithmetic-coded inputs are read (Debian's
 * libjpeg-turbo is built with arithmetic decoding) and written Huffman-coded,
 * which every decoder supports; progressive inputs are written as sequential
 * scans. Lossless, hierarchical and 12-bit JPEGs are refused as
 * "unsupported": this libjpeg-turbo build cannot transcode them.
 *
 * libjpeg never prints or exits: error_exit and emit_message are replaced
 * and unwind with longjmp to a single setjmp in jpegsan_run().
 */
#include "jpegsan.h"
#include "err.h"

#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h> /* jpeglib.h needs FILE; no stdio function is called */
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#define M_SOF0  0xC0
#define M_SOF1  0xC1
#define M_SOF2  0xC2
#define M_DHT   0xC4
#define M_JPG   0xC8
#define M_SOF9  0xC9
#define M_SOF10 0xCA
#define M_DAC   0xCC
#define M_RST0  0xD0
#define M_RST7  0xD7
#define M_SOI   0xD8
#define M_EOI   0xD9
#define M_SOS   0xDA
#define M_DQT   0xDB
#define M_DRI   0xDD
#define M_APP0  0xE0
#define M_APP2  0xE2
#define M_APP14 0xEE
#define M_APP15 0xEF
#define M_COM   0xFE
#define M_TEM   0x01

/* An ICC profile is split over at most 255 APP2 segments (seq numbers are one byte). */
#define JPEGSAN_MAX_ICC_SEGMENTS 255
#define JPEGSAN_ICC_TAG          "ICC_PROFILE"
#define JPEGSAN_ICC_TAG_LEN      12 /* with its NUL */
/* Output is written in chunks of this size straight into the caller's buf. */
#define JPEGSAN_OUT_CHUNK (64u * 1024u)

struct jpegsan_limits {
    uint32_t max_dimension;
    uint64_t max_pixels;
    uint32_t max_scans;
    long max_memory;
    bool keep_icc;
};

/* Why a run failed: an MG_ERR_* code and the message for report_block(). */
struct jpegsan_fail {
    int rc;
    char msg[REPORT_STR_MAX];
};

/* What the structural walk found. */
struct jpegsan_walk {
    uint8_t sof_marker; /* 0 until a SOF is seen */
    uint32_t width, height;
    uint32_t n_sos;
    uint32_t n_app2;
    size_t eoi_end; /* offset just past EOI */
};

/* Called for each APPn/COM segment; p/n is the payload after the length. */
typedef int (*jpegsan_seg_fn)(void *arg, uint8_t marker, const uint8_t *p, size_t n,
                              struct jpegsan_fail *f);

enum jpegsan_icc {
    ICC_NOT_WANTED, /* policy drops it (or the input has none) */
    ICC_KEPT,
    ICC_INVALID,  /* libjpeg could not reassemble it, or its header is inconsistent */
    ICC_TOO_MANY, /* more APP2 segments than a profile can have: not saved at all */
};

struct jpegsan_errmgr {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    struct jpegsan_fail fail;
    bool soft;        /* note warnings instead of failing (ICC reassembly) */
    bool soft_warned; /* a warning was noted while soft */
};

struct jpegsan_progmgr {
    struct jpeg_progress_mgr pub;
    uint32_t max_scans;
};

struct jpegsan_destmgr {
    struct jpeg_destination_mgr pub;
    struct buf *out;
    size_t chunk; /* size of the window handed to libjpeg */
};

/*
 * Everything one libjpeg run touches. It lives in the caller's frame, not in
 * jpegsan_run() (which holds the setjmp), so nothing here is an automatic
 * variable of the setjmp function and its values survive the longjmp.
 */
struct jpegsan_job {
    const struct jpegsan_limits *lim;
    const struct jpegsan_walk *walk;
    const uint8_t *in;
    size_t len;
    struct buf *out; /* NULL: read only (verify) */
    bool icc_strict; /* verify: a bad ICC profile is an error, not a drop */
    struct jpeg_decompress_struct d;
    struct jpeg_compress_struct c;
    struct jpegsan_errmgr err;
    struct jpegsan_progmgr prog;
    struct jpegsan_destmgr dest;
    JOCTET *icc;
    unsigned int icc_len;
    enum jpegsan_icc icc_state;
};

static int jpegsan_failf(struct jpegsan_fail *f, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int jpegsan_failf(struct jpegsan_fail *f, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
    va_end(ap);
    f->rc = rc;
    return rc;
}

static void jpegsan_limits_from(const struct policy *pol, struct jpegsan_limits *lim)
{
    lim->max_dimension = pol->max_dimension ? pol->max_dimension : JPEGSAN_DEFAULT_MAX_DIMENSION;
    lim->max_pixels = pol->max_pixels ? pol->max_pixels : JPEGSAN_DEFAULT_MAX_PIXELS;
    lim->max_scans = pol->jpeg_max_scans ? pol->jpeg_max_scans : JPEGSAN_DEFAULT_MAX_SCANS;
    /* Half the worker's address space: the rest is the input, the output and the program. */
    uint64_t mem = pol->worker_memory ? pol->worker_memory / 2 : JPEGSAN_DEFAULT_MAX_MEMORY;
    if (mem == 0)
        mem = 1;
    lim->max_memory = mem > (uint64_t)LONG_MAX ? LONG_MAX : (long)mem;
    lim->keep_icc = pol->jpeg_keep_icc;
}

/* ---- structural walk ---------------------------------------------------- */

static int jpegsan_check_sof(uint8_t m, const uint8_t *p, size_t n,
                             const struct jpegsan_limits *lim, struct jpegsan_walk *w,
                             struct jpegsan_fail *f)
{
    if (w->sof_marker)
        return jpegsan_failf(f, MG_ERR_PARSE, "more than one SOF marker");
    if (n < 6)
        return jpegsan_failf(f, MG_ERR_PARSE, "SOF segment too short");
    unsigned prec = p[0];
    uint32_t h = (uint32_t)p[1] << 8 | p[2];
    uint32_t wd = (uint32_t)p[3] << 8 | p[4];
    unsigned ncomp = p[5];
    if (n != 6 + 3 * (size_t)ncomp)
        return jpegsan_failf(f, MG_ERR_PARSE, "SOF segment length does not match %u components",
                             ncomp);
    switch (m) {
    case M_SOF0:
    case M_SOF1:
    case M_SOF2:
    case M_SOF9:
    case M_SOF10:
        break;
    case 0xC3:
    case 0xCB:
        return jpegsan_failf(f, MG_ERR_UNSUPPORTED, "lossless JPEG (SOF%u) cannot be transcoded",
                             (unsigned)(m - M_SOF0));
    default:
        return jpegsan_failf(f, MG_ERR_UNSUPPORTED,
                             "hierarchical JPEG (SOF%u) cannot be transcoded",
                             (unsigned)(m - M_SOF0));
    }
    if (prec != 8)
        return jpegsan_failf(f, MG_ERR_UNSUPPORTED, "%u-bit JPEG samples are not supported", prec);
    if (h == 0)
        return jpegsan_failf(f, MG_ERR_UNSUPPORTED, "image height given by a DNL marker");
    if (wd == 0)
        return jpegsan_failf(f, MG_ERR_PARSE, "image width is zero");
    if (ncomp < 1 || ncomp > 4)
        return jpegsan_failf(f, MG_ERR_UNSUPPORTED, "%u colour components", ncomp);
    if (wd > lim->max_dimension || h > lim->max_dimension)
        return jpegsan_failf(f, MG_ERR_LIMIT,
                             "image %" PRIu32 "x%" PRIu32 " exceeds max_dimension %" PRIu32, wd, h,
                             lim->max_dimension);
    if ((uint64_t)wd * h > lim->max_pixels)
        return jpegsan_failf(f, MG_ERR_LIMIT,
                             "image %" PRIu32 "x%" PRIu32 " exceeds max_pixels %" PRIu64, wd, h,
                             lim->max_pixels);
    w->sof_marker = m;
    w->width = wd;
    w->height = h;
    return MG_OK;
}

/*
 * Skip the entropy-coded data that follows a SOS header: up to the first
 * 0xFF that starts a real marker (not a stuffed 0xFF00, not RSTn, not a fill
 * byte). Returns the offset of that 0xFF, or 0 when the data runs out.
 */
static size_t jpegsan_skip_entropy(const uint8_t *in, size_t len, size_t pos)
{
    while (pos < len) {
        const uint8_t *q = memchr(in + pos, 0xFF, len - pos);
        if (!q)
            return 0;
        size_t i = (size_t)(q - in);
        if (i + 1 >= len)
            return 0;
        uint8_t b = in[i + 1];
        if (b == 0x00 || (b >= M_RST0 && b <= M_RST7))
            pos = i + 2;
        else if (b == 0xFF)
            pos = i + 1;
        else
            return i;
    }
    return 0;
}

/*
 * Walk SOI .. EOI. Rejects anything libjpeg would reject or silently skip
 * (garbage between segments, unknown markers), checks the frame against the
 * limits and counts the scans before any decoding happens.
 */
static int jpegsan_walk(const uint8_t *in, size_t len, const struct jpegsan_limits *lim,
                        jpegsan_seg_fn seg, void *arg, struct jpegsan_walk *w,
                        struct jpegsan_fail *f)
{
    memset(w, 0, sizeof(*w));
    if (len < 4 || in[0] != 0xFF || in[1] != M_SOI)
        return jpegsan_failf(f, MG_ERR_PARSE, "not a JPEG file (no SOI marker)");
    size_t pos = 2;
    for (;;) {
        if (pos >= len)
            return jpegsan_failf(f, MG_ERR_PARSE, "truncated JPEG (no EOI marker)");
        if (in[pos] != 0xFF)
            return jpegsan_failf(f, MG_ERR_PARSE,
                                 "unexpected data at offset %zu where a marker should be", pos);
        while (pos < len && in[pos] == 0xFF)
            pos++;
        if (pos >= len)
            return jpegsan_failf(f, MG_ERR_PARSE, "truncated JPEG (no EOI marker)");
        uint8_t m = in[pos++];
        if (m == M_EOI) {
            if (w->n_sos == 0)
                return jpegsan_failf(f, MG_ERR_PARSE, "no image data before EOI");
            w->eoi_end = pos;
            return MG_OK;
        }
        if (m == M_SOI)
            return jpegsan_failf(f, MG_ERR_PARSE, "second SOI marker at offset %zu", pos - 2);
        if ((m >= M_RST0 && m <= M_RST7) || m == M_TEM)
            continue; /* parameterless; harmless outside a scan */
        if (len - pos < 2)
            return jpegsan_failf(f, MG_ERR_PARSE, "truncated JPEG (segment length cut off)");
        size_t seglen = (size_t)in[pos] << 8 | in[pos + 1];
        if (seglen < 2)
            return jpegsan_failf(f, MG_ERR_PARSE, "bad length %zu for marker 0x%02X", seglen, m);
        if (seglen > len - pos)
            return jpegsan_failf(f, MG_ERR_PARSE, "truncated JPEG (marker 0x%02X segment)", m);
        const uint8_t *p = in + pos + 2;
        size_t n = seglen - 2;
        pos += seglen;
        int rc;
        if ((m >= M_APP0 && m <= M_APP15) || m == M_COM) {
            if (m == M_APP2)
                w->n_app2++;
            if (seg && (rc = seg(arg, m, p, n, f)) != MG_OK)
                return rc;
        } else if (m == M_DQT || m == M_DHT || m == M_DAC || m == M_DRI) {
            /* Tables: their content is checked by libjpeg and regenerated on output. */
        } else if (m >= M_SOF0 && m <= 0xCF && m != M_JPG) {
            if ((rc = jpegsan_check_sof(m, p, n, lim, w, f)) != MG_OK)
                return rc;
        } else if (m == M_SOS) {
            if (!w->sof_marker)
                return jpegsan_failf(f, MG_ERR_PARSE, "SOS before SOF");
            if (++w->n_sos > lim->max_scans)
                return jpegsan_failf(f, MG_ERR_LIMIT,
                                     "more than %" PRIu32 " scans (jpeg_max_scans)",
                                     lim->max_scans);
            pos = jpegsan_skip_entropy(in, len, pos);
            if (pos == 0)
                return jpegsan_failf(f, MG_ERR_PARSE, "truncated JPEG (scan data runs to the end)");
        } else {
            return jpegsan_failf(f, MG_ERR_PARSE, "unexpected marker 0x%02X at offset %zu", m,
                                 pos - seglen - 2);
        }
    }
}

/* ---- libjpeg plumbing --------------------------------------------------- */

static void jpegsan_abort(j_common_ptr c, int rc, const char *fmt, ...)
        __attribute__((noreturn, format(printf, 3, 4)));

static void jpegsan_abort(j_common_ptr c, int rc, const char *fmt, ...)
{
    struct jpegsan_errmgr *e = (struct jpegsan_errmgr *)c->err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->fail.msg, sizeof(e->fail.msg), fmt, ap);
    va_end(ap);
    e->fail.rc = rc;
    longjmp(e->jb, 1);
}

static int jpegsan_classify(int msg_code)
{
    switch (msg_code) {
    case JERR_OUT_OF_MEMORY:
    case JERR_NO_BACKING_STORE:
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW:
        return MG_ERR_LIMIT;
    case JERR_BAD_PRECISION:
    case JERR_SOF_UNSUPPORTED:
    case JERR_NOT_COMPILED:
    case JERR_ARITH_NOTIMPL:
    case JERR_CCIR601_NOTIMPL:
    case JERR_COMPONENT_COUNT:
        return MG_ERR_UNSUPPORTED;
    default:
        return MG_ERR_PARSE;
    }
}

static void jpegsan_error_exit(j_common_ptr c)
{
    int code = c->err->msg_code;
    if ((code == JERR_NO_BACKING_STORE || code == JERR_OUT_OF_MEMORY) && c->mem)
        jpegsan_abort(c, MG_ERR_LIMIT, "decoding needs more memory than the limit of %ld bytes",
                      c->mem->max_memory_to_use);
    char msg[JMSG_LENGTH_MAX];
    (*c->err->format_message)(c, msg);
    jpegsan_abort(c, jpegsan_classify(code), "libjpeg: %s", msg);
}

/* msg_level -1 is a warning: corrupt data that libjpeg would paper over. */
static void jpegsan_emit_message(j_common_ptr c, int msg_level)
{
    struct jpegsan_errmgr *e = (struct jpegsan_errmgr *)c->err;
    if (msg_level >= 0)
        return;
    if (e->soft) {
        e->soft_warned = true;
        return;
    }
    char msg[JMSG_LENGTH_MAX];
    (*c->err->format_message)(c, msg);
    jpegsan_abort(c, MG_ERR_PARSE, "libjpeg: %s", msg);
}

static void jpegsan_output_message(j_common_ptr c)
{
    (void)c;
}

/* Called before every chunk of input is consumed, so a scan flood stops at the cap. */
static void jpegsan_progress(j_common_ptr c)
{
    struct jpegsan_progmgr *pm = (struct jpegsan_progmgr *)c->progress;
    if (c->is_decompressor) {
        j_decompress_ptr d = (j_decompress_ptr)c;
        if (d->input_scan_number > 0 && (uint32_t)d->input_scan_number > pm->max_scans)
            jpegsan_abort(c, MG_ERR_LIMIT, "more than %" PRIu32 " scans (jpeg_max_scans)",
                          pm->max_scans);
    }
}

/* Hand libjpeg the next window of the output buf, never past its cap. */
static void jpegsan_dest_window(j_compress_ptr c)
{
    struct jpegsan_destmgr *dm = (struct jpegsan_destmgr *)c->dest;
    struct buf *b = dm->out;
    size_t room = b->max > b->len ? b->max - b->len : 0;
    size_t n = room < JPEGSAN_OUT_CHUNK ? room : JPEGSAN_OUT_CHUNK;
    int rc = n ? buf_reserve(b, n) : MG_ERR_LIMIT;
    if (rc != MG_OK)
        jpegsan_abort((j_common_ptr)c, rc, "output larger than the cap of %zu bytes", b->max);
    dm->chunk = n;
    dm->pub.next_output_byte = b->data + b->len;
    dm->pub.free_in_buffer = n;
}

static void jpegsan_dest_init(j_compress_ptr c)
{
    jpegsan_dest_window(c);
}

static boolean jpegsan_dest_empty(j_compress_ptr c)
{
    struct jpegsan_destmgr *dm = (struct jpegsan_destmgr *)c->dest;
    /* libjpeg calls this only when the whole window is full. */
    dm->out->len += dm->chunk;
    jpegsan_dest_window(c);
    return TRUE;
}

static void jpegsan_dest_term(j_compress_ptr c)
{
    struct jpegsan_destmgr *dm = (struct jpegsan_destmgr *)c->dest;
    dm->out->len += dm->chunk - dm->pub.free_in_buffer;
    dm->out->data[dm->out->len] = 0; /* buf keeps a NUL past len */
    dm->chunk = 0;
    dm->pub.free_in_buffer = 0;
}

/* A reassembled ICC profile must at least be self-consistent. */
static bool jpegsan_icc_ok(const JOCTET *p, unsigned int n)
{
    if (n < 132)
        return false;
    uint32_t size = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (size != n || memcmp(p + 36, "acsp", 4) != 0)
        return false;
    uint32_t tags =
            (uint32_t)p[128] << 24 | (uint32_t)p[129] << 16 | (uint32_t)p[130] << 8 | p[131];
    if (tags > (n - 132) / 12)
        return false;
    for (uint32_t i = 0; i < tags; i++) {
        const JOCTET *t = p + 132 + 12 * (size_t)i;
        uint32_t off = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
        uint32_t len = (uint32_t)t[8] << 24 | (uint32_t)t[9] << 16 | (uint32_t)t[10] << 8 | t[11];
        if (off < 128 || off > n || len > n - off)
            return false;
    }
    return true;
}

static void jpegsan_read_icc(struct jpegsan_job *job)
{
    if (job->icc_state == ICC_TOO_MANY) {
        if (job->icc_strict)
            jpegsan_abort((j_common_ptr)&job->d, MG_ERR_PARSE, "too many APP2 segments");
        return;
    }
    job->err.soft = !job->icc_strict;
    job->err.soft_warned = false;
    boolean got = jpeg_read_icc_profile(&job->d, &job->icc, &job->icc_len);
    job->err.soft = false;
    if (job->icc_strict) {
        if (got && !jpegsan_icc_ok(job->icc, job->icc_len))
            jpegsan_abort((j_common_ptr)&job->d, MG_ERR_PARSE, "ICC profile is inconsistent");
        return;
    }
    if (got && !job->err.soft_warned && jpegsan_icc_ok(job->icc, job->icc_len)) {
        job->icc_state = ICC_KEPT;
        return;
    }
    free(job->icc);
    job->icc = NULL;
    job->icc_len = 0;
    /* A profile that was there but could not be used is reported with its segments. */
    job->icc_state = job->walk->n_app2 ? ICC_INVALID : ICC_NOT_WANTED;
}

/*
 * Read the coefficients and, when job->out is set, write the new file. The
 * only setjmp of the module: every libjpeg failure lands here with
 * job->err.fail filled in; the caller destroys the libjpeg objects.
 */
static int jpegsan_run(struct jpegsan_job *job)
{
    job->d.err = jpeg_std_error(&job->err.pub);
    job->err.pub.error_exit = jpegsan_error_exit;
    job->err.pub.emit_message = jpegsan_emit_message;
    job->err.pub.output_message = jpegsan_output_message;
    job->c.err = &job->err.pub;
    if (setjmp(job->err.jb))
        return job->err.fail.rc ? job->err.fail.rc : MG_ERR_INTERNAL;

    jpeg_create_decompress(&job->d);
    job->d.mem->max_memory_to_use = job->lim->max_memory;
    job->prog.pub.progress_monitor = jpegsan_progress;
    job->prog.max_scans = job->lim->max_scans;
    job->d.progress = &job->prog.pub;
    if (job->lim->keep_icc) {
        /* Saved segments stay in memory; a profile never needs more than 255 of them. */
        if (job->walk->n_app2 <= JPEGSAN_MAX_ICC_SEGMENTS)
            jpeg_save_markers(&job->d, M_APP2, 0xFFFF);
        else
            job->icc_state = ICC_TOO_MANY;
    }
    jpeg_mem_src(&job->d, job->in, (unsigned long)job->len);
    jpeg_read_header(&job->d, TRUE);

    /* libjpeg's reading of the frame must agree with the walk's. */
    if (job->d.image_width != job->walk->width || job->d.image_height != job->walk->height ||
        job->d.data_precision != 8)
        jpegsan_abort((j_common_ptr)&job->d, MG_ERR_PARSE, "inconsistent frame header");

    jvirt_barray_ptr *coef = jpeg_read_coefficients(&job->d);
    if (!coef)
        jpegsan_abort((j_common_ptr)&job->d, MG_ERR_PARSE, "libjpeg stopped before EOI");
    size_t consumed = job->len - job->d.src->bytes_in_buffer;
    if (consumed != job->walk->eoi_end)
        jpegsan_abort((j_common_ptr)&job->d, MG_ERR_PARSE,
                      "EOI found at offset %zu, libjpeg stopped at %zu", job->walk->eoi_end,
                      consumed);
    if (job->lim->keep_icc)
        jpegsan_read_icc(job);

    if (job->out) {
        jpeg_create_compress(&job->c);
        job->c.mem->max_memory_to_use = job->lim->max_memory;
        job->dest.out = job->out;
        job->dest.pub.init_destination = jpegsan_dest_init;
        job->dest.pub.empty_output_buffer = jpegsan_dest_empty;
        job->dest.pub.term_destination = jpegsan_dest_term;
        job->c.dest = &job->dest.pub;
        /*
         * Critical parameters only: size, sampling, quantization tables,
         * colour space (from which libjpeg writes its own JFIF or Adobe
         * segment). Huffman tables are computed afresh; arith_code stays
         * FALSE and no scan script is set, so the output is sequential
         * Huffman whatever the input was.
         */
        jpeg_copy_critical_parameters(&job->d, &job->c);
        job->c.optimize_coding = TRUE;
        jpeg_write_coefficients(&job->c, coef);
        if (job->icc_state == ICC_KEPT)
            jpeg_write_icc_profile(&job->c, job->icc, job->icc_len);
        jpeg_finish_compress(&job->c);
    }
    jpeg_finish_decompress(&job->d);
    return MG_OK;
}

static int jpegsan_transcode(const struct jpegsan_limits *lim, const struct jpegsan_walk *w,
                             const uint8_t *in, size_t len, struct buf *out, bool icc_strict,
                             struct jpegsan_fail *f, enum jpegsan_icc *icc_state,
                             unsigned int *icc_len)
{
    struct jpegsan_job *job = calloc(1, sizeof(*job));
    if (!job)
        return jpegsan_failf(f, MG_ERR_NOMEM, "out of memory");
    job->lim = lim;
    job->walk = w;
    job->in = in;
    job->len = len;
    job->out = out;
    job->icc_strict = icc_strict;
    job->icc_state = ICC_NOT_WANTED;
    int rc = jpegsan_run(job);
    if (rc != MG_OK)
        *f = job->err.fail;
    if (icc_state)
        *icc_state = job->icc_state;
    if (icc_len)
        *icc_len = job->icc_len;
    jpeg_destroy_compress(&job->c);
    jpeg_destroy_decompress(&job->d);
    free(job->icc);
    free(job);
    return rc;
}

/* ---- report ------------------------------------------------------------- */

/* The segment's identifier string ("Exif", "ICC_PROFILE", ...), tame characters only. */
static void jpegsan_seg_ident(const uint8_t *p, size_t n, char *id, size_t idlen)
{
    size_t i = 0;
    for (; i < n && i + 1 < idlen && i < 40; i++) {
        uint8_t ch = p[i];
        bool tame = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                    (ch >= '0' && ch <= '9') || ch == ' ' || ch == '.' || ch == '_' || ch == ':' ||
                    ch == '/' || ch == '-';
        if (!tame)
            break;
        id[i] = (char)ch;
    }
    while (i > 0 && id[i - 1] == ' ')
        i--;
    id[i] = 0;
}

static bool jpegsan_is_icc_seg(uint8_t m, const uint8_t *p, size_t n)
{
    return m == M_APP2 && n >= JPEGSAN_ICC_TAG_LEN + 2 &&
           memcmp(p, JPEGSAN_ICC_TAG, JPEGSAN_ICC_TAG_LEN) == 0;
}

struct jpegsan_report_arg {
    struct report_node *node;
    enum jpegsan_icc icc_state;
};

static int jpegsan_report_seg(void *arg, uint8_t m, const uint8_t *p, size_t n,
                              struct jpegsan_fail *f)
{
    struct jpegsan_report_arg *ra = arg;
    (void)f;
    if (m == M_COM)
        return report_actionf(ra->node, ACTION_REMOVED,
                              "comments can carry payloads and personal data",
                              "COM marker (%zu bytes)", n);
    const char *why = "metadata segments can carry payloads and personal data";
    char id[48];
    jpegsan_seg_ident(p, n, id, sizeof(id));
    if (jpegsan_is_icc_seg(m, p, n)) {
        if (ra->icc_state == ICC_KEPT)
            return MG_OK; /* reported once, as kept */
        if (ra->icc_state == ICC_INVALID)
            why = "the ICC profile is malformed and cannot be kept";
        else if (ra->icc_state == ICC_TOO_MANY)
            why = "more APP2 segments than an ICC profile can have";
        else
            why = "the policy does not keep ICC profiles (jpeg_keep_icc); metadata segments can "
                  "carry payloads";
    } else if ((m == M_APP0 && strcmp(id, "JFIF") == 0) ||
               (m == M_APP14 && strcmp(id, "Adobe") == 0)) {
        why = "not copied: the encoder writes its own from the decoded colour parameters "
              "(thumbnails and extra data are dropped)";
    }
    if (id[0])
        return report_actionf(ra->node, ACTION_REMOVED, why, "APP%u marker (%s, %zu bytes)",
                              (unsigned)(m - M_APP0), id, n);
    return report_actionf(ra->node, ACTION_REMOVED, why, "APP%u marker (%zu bytes)",
                          (unsigned)(m - M_APP0), n);
}

/* A hint at what trails the image, for the report; never decides anything. */
static const char *jpegsan_trailer_kind(const uint8_t *p, size_t n)
{
    if (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0)
        return " (ZIP/JAR archive)";
    if (n >= 2 && p[0] == 0xFF && p[1] == M_SOI)
        return " (another JPEG image)";
    if (n >= 4 && memcmp(p, "Rar!", 4) == 0)
        return " (RAR archive)";
    if (n >= 6 && memcmp(p, "7z\xBC\xAF\x27\x1C", 6) == 0)
        return " (7-Zip archive)";
    if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
        return " (PDF document)";
    if (n >= 2 && memcmp(p, "MZ", 2) == 0)
        return " (possible Windows executable)";
    return "";
}

/* ---- public ------------------------------------------------------------- */

int jpegsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                     struct report_node *node)
{
    struct jpegsan_limits lim;
    struct jpegsan_walk w;
    struct jpegsan_fail f = {0};
    enum jpegsan_icc icc_state = ICC_NOT_WANTED;
    unsigned int icc_len = 0;

    jpegsan_limits_from(ctx->pol, &lim);
    int rc = jpegsan_walk(in, len, &lim, NULL, NULL, &w, &f);
    if (rc == MG_OK)
        rc = jpegsan_transcode(&lim, &w, in, len, out, false, &f, &icc_state, &icc_len);
    if (rc != MG_OK) {
        report_block(node, reason_from_err(rc), "%s", f.msg);
        return rc;
    }

    /* The file is good; now say what was left behind. */
    struct jpegsan_report_arg ra = {.node = node, .icc_state = icc_state};
    struct jpegsan_walk w2;
    if (jpegsan_walk(in, len, &lim, jpegsan_report_seg, &ra, &w2, &f) != MG_OK) {
        /* report_actionf only fails on allocation; the walk itself passed before. */
        report_block(node, REASON_NO_MEMORY, "cannot record the report");
        return MG_ERR_NOMEM;
    }
    if (icc_state == ICC_KEPT)
        report_actionf(node, ACTION_KEPT,
                       "the policy keeps ICC colour profiles (jpeg_keep_icc); it is rewritten "
                       "from its reassembled bytes",
                       "ICC colour profile (%u bytes)", icc_len);
    if (w.eoi_end < len)
        report_actionf(node, ACTION_REMOVED,
                       "data after the end of the image is not part of the picture; polyglot "
                       "files hide archives or scripts there",
                       "%zu bytes after EOI%s", len - w.eoi_end,
                       jpegsan_trailer_kind(in + w.eoi_end, len - w.eoi_end));
    if (w.sof_marker == M_SOF2 || w.sof_marker == M_SOF10)
        report_actionf(node, ACTION_REWROTE, "fewer scans to decode; same picture",
                       "progressive JPEG (%" PRIu32 " scans) written as sequential", w.n_sos);
    if (w.sof_marker == M_SOF9 || w.sof_marker == M_SOF10)
        report_action(node, ACTION_REWROTE, "arithmetic coding replaced by Huffman coding",
                      "Huffman coding is what every decoder supports");
    report_action(node, ACTION_REWROTE, "re-encoded JPEG losslessly (DCT coefficients copied)",
                  "the output is built from the decoded image data only; no segment of the "
                  "input is copied");
    return MG_OK;
}

struct jpegsan_verify_arg {
    bool keep_icc;
};

/* Only what our own encoder writes may be in an output. */
static int jpegsan_verify_seg(void *arg, uint8_t m, const uint8_t *p, size_t n,
                              struct jpegsan_fail *f)
{
    struct jpegsan_verify_arg *va = arg;
    if (m == M_APP0 && n == 14 && memcmp(p, "JFIF\0", 5) == 0)
        return MG_OK; /* no thumbnail: 14 bytes exactly */
    if (m == M_APP14 && n == 12 && memcmp(p, "Adobe", 5) == 0)
        return MG_OK;
    if (va->keep_icc && jpegsan_is_icc_seg(m, p, n))
        return MG_OK;
    return jpegsan_failf(f, MG_ERR_VERIFY, "marker 0x%02X (%zu bytes) not allowed in output", m, n);
}

int jpegsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    struct jpegsan_limits lim;
    struct jpegsan_walk w;
    struct jpegsan_fail f = {0};
    jpegsan_limits_from(ctx->pol, &lim);
    struct jpegsan_verify_arg va = {.keep_icc = lim.keep_icc};

    if (jpegsan_walk(in, len, &lim, jpegsan_verify_seg, &va, &w, &f) != MG_OK)
        return MG_ERR_VERIFY;
    if (w.eoi_end != len)
        return MG_ERR_VERIFY;
    if (w.sof_marker != M_SOF0 && w.sof_marker != M_SOF1 && w.sof_marker != M_SOF2)
        return MG_ERR_VERIFY;
    if (jpegsan_transcode(&lim, &w, in, len, NULL, true, &f, NULL, NULL) != MG_OK)
        return MG_ERR_VERIFY;
    return MG_OK;
}
