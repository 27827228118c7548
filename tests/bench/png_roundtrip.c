/*
 * png_roundtrip - the peer for the PNG benchmark: a plain libpng decode and
 * re-encode (simplified API), one file per argument pair, no checks, no
 * sandbox, no scan. The floor any PNG rebuild has to pay.
 *
 *   png_roundtrip IN OUT [IN OUT]...
 */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int rc = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        png_image img;
        memset(&img, 0, sizeof(img));
        img.version = PNG_IMAGE_VERSION;
        if (!png_image_begin_read_from_file(&img, argv[i])) {
            fprintf(stderr, "%s: %s\n", argv[i], img.message);
            rc = 1;
            continue;
        }
        png_bytep buf = malloc(PNG_IMAGE_SIZE(img));
        if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL) ||
            !png_image_write_to_file(&img, argv[i + 1], 0, buf, 0, NULL)) {
            fprintf(stderr, "%s: %s\n", argv[i], img.message);
            rc = 1;
        }
        png_image_free(&img);
        free(buf);
    }
    return rc;
}
