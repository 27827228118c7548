/*
 * t_util - helpers shared by the unit tests (see t_util.h); also holds
 * t.h's counters, so CHECKs here and in the test add up.
 */
#include "t_util.h"
#include "err.h"
#include "reason.h"
#include "t.h"
#include "textenc.h"

#include <stdlib.h>
#include <string.h>

int t_failed, t_passed;

uint8_t *t_load(const char *dir, const char *name, size_t *len)
{
    uint8_t *p = t_corpus_file(dir, name, len);
    if (!p)
        exit(2);
    return p;
}

bool t_has(const void *p, size_t n, const char *s)
{
    return p && memmem(p, n, s, strlen(s)) != NULL;
}

bool t_has_action(const struct report_node *n, const char *action, const char *what_part)
{
    for (size_t i = 0; i < n->n_actions; i++)
        if (strcmp(action_word(n->actions[i].action), action) == 0 &&
            strstr(n->actions[i].what, what_part))
            return true;
    return false;
}

bool t_code(const struct report_node *n, const char *code)
{
    return strcmp(reason_code(n->reason_code), code) == 0;
}

void t_policy_limits(struct policy *p, const struct t_limits *l, const enum ftype *types, size_t n)
{
    memset(p, 0, sizeof(*p));
    p->max_input_size = l->input;
    p->max_expanded = l->expanded;
    p->max_output_size = l->output;
    p->max_pixels = l->pixels;
    p->max_depth = l->depth;
    p->max_members = l->members;
    p->max_ratio = l->ratio;
    p->max_dimension = l->dimension;
    p->jpeg_max_scans = l->scans;
    p->gif_max_frames = l->frames;
    for (size_t i = 0; i < n; i++)
        p->action[types[i]] = POL_SANITIZE;
}

void t_image_policy(struct policy *p)
{
    memset(p, 0, sizeof(*p));
    p->max_dimension = 20000;
    p->max_pixels = 100000000;
    p->gif_max_frames = 1000;
    p->max_output_size = 64u << 20;
}

void t_run_sample(struct t_run *r, san_fn fn, const struct policy *pol, const char *dir,
                  const char *name, size_t outmax)
{
    struct san_ctx ctx = {.pol = pol};
    memset(r, 0, sizeof(*r));
    r->in = t_corpus_file(dir, name, &r->inlen);
    buf_init(&r->out, outmax);
    r->node = report_new(name);
    r->rc = r->in ? fn(&ctx, r->in, r->inlen, &r->out, r->node) : MG_ERR_IO;
}

void t_run_free(struct t_run *r)
{
    free(r->in);
    buf_free(&r->out);
    report_free(r->node);
    memset(r, 0, sizeof(*r));
}

void t_check_blocked(const struct t_run *r, int want_rc, const char *want_code)
{
    CHECK_EQ_INT(r->rc, want_rc);
    CHECK(r->node->verdict == VERDICT_BLOCKED);
    CHECK(t_code(r->node, want_code));
    if (r->rc != want_rc)
        fprintf(stderr, "  %s: expected a block, got rc %d\n", r->node->name, r->rc);
}

void t_check_blocked_all(san_fn fn, const struct policy *pol, const char *dir,
                         const struct t_blocked *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct t_run r;
        t_run_sample(&r, fn, pol, dir, cases[i].name, pol->max_output_size);
        t_check_blocked(&r, cases[i].rc, cases[i].code);
        t_run_free(&r);
    }
}

void t_check_verify(san_verify_fn verify, const struct policy *pol, const char *dir,
                    const char *const *bad, const char *good)
{
    struct san_ctx ctx = {.pol = pol};
    size_t len;
    for (size_t i = 0; bad[i]; i++) {
        uint8_t *p = t_corpus_file(dir, bad[i], &len);
        bool refused = p && verify(&ctx, p, len) != MG_OK;
        CHECK(refused);
        if (!refused)
            fprintf(stderr, "  %s: not refused by the verifier\n", bad[i]);
        free(p);
    }
    uint8_t *p = t_corpus_file(dir, good, &len);
    CHECK(p && verify(&ctx, p, len) == MG_OK);
    /* One byte after the end is enough to be refused. */
    if (p) {
        p[len] = 0;
        CHECK(verify(&ctx, p, len + 1) != MG_OK);
    }
    free(p);
}

void t_check_textenc_names(void)
{
    static const struct {
        enum text_enc enc;
        const char *name;
    } names[] = {
            {TEXT_ENC_ASCII, "ascii"},        {TEXT_ENC_UTF8, "utf-8"},
            {TEXT_ENC_UTF8_BOM, "utf-8-bom"}, {TEXT_ENC_UTF16LE, "utf-16le"},
            {TEXT_ENC_UTF16BE, "utf-16be"},   {TEXT_ENC_SJIS, "shift_jis"},
            {TEXT_ENC_EUCJP, "euc-jp"},       {TEXT_ENC_ISO2022JP, "iso-2022-jp"},
            {TEXT_ENC_UNKNOWN, "unknown"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        bool ok = strcmp(textenc_name(names[i].enc), names[i].name) == 0;
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "  textenc_name: \"%s\", want \"%s\"\n", textenc_name(names[i].enc),
                    names[i].name);
    }
}
