/*
 * imagesan - the image family's descriptor (san.h): JPEG, PNG and GIF
 * rebuilt as themselves (jpegsan, pngsan, gifsan); BMP, TIFF and WebP
 * rebuilt as PNG (bitmapsan).
 */
#ifndef MUGAI_IMAGESAN_H
#define MUGAI_IMAGESAN_H

#include "san.h"

extern const struct san_family san_family_image;

#endif
