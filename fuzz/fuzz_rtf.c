/*
 * fuzz_rtf - rtfsan_sanitize() on arbitrary bytes, then on every output it
 * produces: rtfsan_verify() must accept it, and a walk with the tokenizer
 * must find balanced groups and none of the control words that carry
 * active content (abort() otherwise, so AFL++ records a crash). Pictures
 * go to the stub member handler (fuzz_member.h); the PNG and JPEG
 * sanitizers have harnesses of their own.
 */
#include "fuzz_member.h"
#include "rtf_tok.h"
#include "rtfsan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct policy fuzz_pol;

int fuzz_init(void)
{
    fuzz_container_policy(&fuzz_pol);
    fuzz_pol.gif_max_frames = 0;
    fuzz_pol.keep_hyperlinks = true;
    fuzz_pol.action[FT_PNG] = fuzz_pol.action[FT_JPEG] = POL_SANITIZE;
    return 0;
}

/* Abort if out holds an unbalanced group or a word that must never be written. */
static void check_output(const struct buf *out)
{
    static const char *const banned[] = {"object",   "objdata", "objclass",   "objupdate",
                                         "objemb",   "objlink", "objautlink", "datastore",
                                         "template", "bin",     "wmetafile",  "emfblip",
                                         "shp",      "result",  "uc"};
    struct rtf_lexer lx;
    struct rtf_tok t;
    rtf_lex_init(&lx, out->data, out->len);
    do {
        if (rtf_next(&lx, &t) != MG_OK || t.kind == RTF_TOK_BIN)
            abort();
        for (size_t i = 0; t.kind == RTF_TOK_WORD && i < sizeof(banned) / sizeof(banned[0]); i++)
            if (strcmp(t.word, banned[i]) == 0)
                abort();
    } while (t.kind != RTF_TOK_EOF);
    if (lx.depth != 0)
        abort();
}

int fuzz_one(const uint8_t *data, size_t len)
{
    struct buf out;
    enum ftype ot;
    if (fuzz_container_run(rtfsan_sanitize, &fuzz_pol, fuzz_member_stub, "fuzz.rtf", FT_RTF, data,
                           len, &out, &ot) == MG_OK) {
        struct san_ctx vctx = {.pol = &fuzz_pol};
        if (rtfsan_verify(&vctx, out.data, out.len) != MG_OK)
            abort();
        check_output(&out);
    }
    buf_free(&out);
    return 0;
}
