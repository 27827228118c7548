/*
 * cfb_wrap - what the legacy Office harnesses (fuzz_msoffice, fuzz_flatten)
 * share: one application's main stream wrapped into a compound file, so
 * that mutations reach the BIFF, Word and PowerPoint walks instead of
 * dying in the compound-file reader.
 *
 * The first byte picks the application (0 Excel, 1 PowerPoint, 2 Word);
 * for Word the next four bytes say where the WordDocument stream ends and
 * the table stream (written as 0Table and 1Table) begins. PowerPoint gets
 * a Current User stream whose offsetToCurrentEdit points at the last
 * UserEditAtom record header found in the stream (0 when there is none),
 * so the persist directory walk of the text path has somewhere to start.
 */
#ifndef MUGAI_FUZZ_CFB_WRAP_H
#define MUGAI_FUZZ_CFB_WRAP_H

#include "cfb.h"
#include "err.h"
#include "ftype.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void cfb_wrap_name(const char *s, uint16_t *out, size_t *n)
{
    *n = strlen(s);
    for (size_t i = 0; i < *n; i++)
        out[i] = (uint8_t)s[i];
}

/* A compound file around one application's streams; NULL if it cannot be made. */
static uint8_t *cfb_wrap(const uint8_t *d, size_t n, enum ftype *type, size_t *out_len)
{
    uint8_t current_user[] = {0x00, 0x00, 0xF6, 0x0F, 0x14, 0x00, 0x00, 0x00,
                              0x14, 0x00, 0x00, 0x00, 0x5F, 0xC0, 0x91, 0xE3,
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    uint16_t names[3][32];
    size_t nl[3];
    struct cfb_wnode w[3];
    size_t k = 0;
    if (n < 1)
        return NULL;
    unsigned app = d[0] % 3;
    d++;
    n--;
    memset(w, 0, sizeof(w));
    if (app == 0) {
        *type = FT_XLS;
        cfb_wrap_name("Workbook", names[0], &nl[0]);
        w[k++] = (struct cfb_wnode){names[0], nl[0], CFB_STREAM, CFB_NONE, {0}, 0, d, n};
    } else if (app == 1) {
        *type = FT_PPT;
        for (size_t i = 0; i + 8 <= n; i++) /* a UserEditAtom header: F5 0F after two bytes */
            if (d[i + 2] == 0xF5 && d[i + 3] == 0x0F) {
                current_user[16] = (uint8_t)i;
                current_user[17] = (uint8_t)(i >> 8);
                current_user[18] = (uint8_t)(i >> 16);
                current_user[19] = (uint8_t)(i >> 24);
            }
        cfb_wrap_name("PowerPoint Document", names[0], &nl[0]);
        cfb_wrap_name("Current User", names[1], &nl[1]);
        w[k++] = (struct cfb_wnode){names[0], nl[0], CFB_STREAM, CFB_NONE, {0}, 0, d, n};
        w[k++] = (struct cfb_wnode){names[1], nl[1], CFB_STREAM,   CFB_NONE,
                                    {0},      0,     current_user, sizeof(current_user)};
    } else {
        if (n < 4)
            return NULL;
        size_t split = (size_t)(d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24);
        d += 4;
        n -= 4;
        if (split > n)
            split = n;
        *type = FT_DOC;
        cfb_wrap_name("WordDocument", names[0], &nl[0]);
        cfb_wrap_name("0Table", names[1], &nl[1]);
        cfb_wrap_name("1Table", names[2], &nl[2]);
        w[k++] = (struct cfb_wnode){names[0], nl[0], CFB_STREAM, CFB_NONE, {0}, 0, d, split};
        w[k++] = (struct cfb_wnode){names[1], nl[1], CFB_STREAM, CFB_NONE,
                                    {0},      0,     d + split,  n - split};
        w[k++] = (struct cfb_wnode){names[2], nl[2], CFB_STREAM, CFB_NONE,
                                    {0},      0,     d + split,  n - split};
    }
    uint8_t *out = NULL;
    if (cfb_write(w, k, NULL, 32u << 20, &out, out_len) != MG_OK)
        return NULL;
    return out;
}

#endif
