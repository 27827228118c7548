/*
 * imagesan - the image family's descriptor: one row per type it takes.
 */
#include "imagesan.h"
#include "bitmapsan.h"
#include "err.h"
#include "gifsan.h"
#include "jpegsan.h"
#include "pngsan.h"

static int image_global_init(void)
{
    bitmapsan_global_init();
    return MG_OK;
}

/* Formats that cannot be rebuilt safely in place come out as PNG (and are
 * verified as PNG: the verifier is looked up by the output's type). */
static const struct san_type image_types[] = {
        {FT_JPEG, FT_JPEG, jpegsan_sanitize, jpegsan_verify, NULL},
        {FT_PNG, FT_PNG, pngsan_sanitize, pngsan_verify, NULL},
        {FT_GIF, FT_GIF, gifsan_sanitize, gifsan_verify, NULL},
        {FT_BMP, FT_PNG, bitmapsan_sanitize_bmp, pngsan_verify, NULL},
        {FT_TIFF, FT_PNG, bitmapsan_sanitize_tiff, pngsan_verify, NULL},
        {FT_WEBP, FT_PNG, bitmapsan_sanitize_webp, pngsan_verify, NULL},
};

const struct san_family san_family_image = {"image", SAN_TYPES(image_types), image_global_init};
