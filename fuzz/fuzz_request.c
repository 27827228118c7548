/*
 * fuzz_request - the decoders of what mugaid's clients, sessions, store
 * and share watcher send one another (gateway/common/request.c), on
 * arbitrary bytes: the first byte picks the decoder.
 *
 * Besides memory errors and leaks it abort()s when a decoded record does
 * not survive a round trip: encode what was decoded, decode it again, and
 * the two must agree (a decoder that accepts what its encoder would not
 * write, or loses a field, is a bug). Each input is copied into a buffer
 * of its exact size, so a read past the end is an ASan error.
 */
#include "buf.h"
#include "err.h"
#include "request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int fuzz_init(void)
{
    return 0;
}

static void require(int cond)
{
    if (!cond)
        abort();
}

static int same_list(char **a, size_t na, char **b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 0;
    return 1;
}

static void sanitize(const uint8_t *p, size_t n)
{
    struct sanitize_request r, r2;
    struct buf b;
    if (request_sanitize_decode(p, n, &r) != MG_OK)
        return;
    buf_init(&b, n + 64);
    if (request_sanitize_encode(r.name, r.force_type, (const char *const *)r.passwords,
                                r.n_passwords, r.flags, &b) == MG_OK) {
        require(request_sanitize_decode(b.data, b.len, &r2) == MG_OK);
        require(strcmp(r.name, r2.name) == 0 && r.force_type == r2.force_type &&
                r.flags == r2.flags &&
                same_list(r.passwords, r.n_passwords, r2.passwords, r2.n_passwords));
        request_sanitize_free(&r2);
    }
    buf_free(&b);
    request_sanitize_free(&r);
}

static void review(const uint8_t *p, size_t n)
{
    static struct review_request r, r2;
    struct buf b;
    if (request_review_decode(p, n, &r) != MG_OK)
        return;
    buf_init(&b, n + 64);
    require(request_review_encode(&r, &b) == MG_OK);
    require(request_review_decode(b.data, b.len, &r2) == MG_OK);
    require(strcmp(r.verb, r2.verb) == 0 && r.id == r2.id && strcmp(r.reason, r2.reason) == 0 &&
            strcmp(r.state, r2.state) == 0 && r.since == r2.since && r.json == r2.json &&
            same_list(r.passwords, r.n_passwords, r2.passwords, r2.n_passwords));
    request_review_free(&r2);
    buf_free(&b);
    request_review_free(&r);
}

static void envelope(const uint8_t *p, size_t n)
{
    static struct mail_envelope e, e2;
    struct buf b;
    if (request_mail_decode(p, n, &e) != MG_OK)
        return;
    buf_init(&b, n + 64);
    require(request_mail_encode(&e, &b) == MG_OK);
    require(request_mail_decode(b.data, b.len, &e2) == MG_OK);
    require(strcmp(e.sender, e2.sender) == 0 && strcmp(e.recipients, e2.recipients) == 0 &&
            e.flags == e2.flags &&
            same_list(e.passwords, e.n_passwords, e2.passwords, e2.n_passwords));
    request_mail_free(&e2);
    buf_free(&b);
    request_mail_free(&e);
}

static void ppap(const uint8_t *p, size_t n)
{
    static struct ppap_request r, r2;
    struct buf b;
    if (request_ppap_decode(p, n, &r) != MG_OK)
        return;
    buf_init(&b, n + 64);
    require(request_ppap_encode(&r, &b) == MG_OK);
    require(request_ppap_decode(b.data, b.len, &r2) == MG_OK);
    require(strcmp(r.sender, r2.sender) == 0 && strcmp(r.recipients, r2.recipients) == 0 &&
            r.window_seconds == r2.window_seconds &&
            strcmp(r.exclude_sha256, r2.exclude_sha256) == 0 &&
            same_list(r.passwords, r.n_passwords, r2.passwords, r2.n_passwords));
    request_ppap_free(&r2);
    buf_free(&b);
    request_ppap_free(&r);
}

static void others(unsigned which, const uint8_t *p, size_t n)
{
    switch (which) {
    case 0: {
        struct job_result res;
        if (request_result_decode(p, n, &res) == MG_OK)
            require(res.in_fd == -1 || res.in_fd == -2);
        job_result_free(&res);
        break;
    }
    case 1: {
        struct mail_reply m;
        memset(&m, 0, sizeof(m));
        buf_init(&m.json, 1 << 20);
        if (request_mail_reply_decode(p, n, &m) == MG_OK)
            require(m.status == 0 || m.status == 1 || m.status == 75);
        buf_free(&m.json);
        break;
    }
    case 2: {
        char code[64], reason[512];
        (void)request_error_decode(p, n, code, sizeof(code), reason, sizeof(reason));
        break;
    }
    case 3: {
        static struct store_put_request r;
        if (request_store_put_decode(p, n, &r) == MG_OK)
            require(r.report.len <= r.report.max && r.report.data[r.report.len] == 0);
        buf_free(&r.report);
        break;
    }
    case 4: {
        int64_t id;
        char why[256];
        if (request_store_id_decode(p, n, &id, why, sizeof(why)) == MG_OK)
            require(id >= 0);
        break;
    }
    case 5: {
        uint32_t ok;
        char name[256];
        struct buf t;
        buf_init(&t, 1 << 20);
        (void)request_review_reply_decode(p, n, &ok, name, sizeof(name), &t);
        buf_free(&t);
        break;
    }
    default: {
        static struct share_note note;
        (void)request_share_note_decode(p, n, &note);
        break;
    }
    }
}

int fuzz_one(const uint8_t *data, size_t len)
{
    if (len < 1)
        return 0;
    uint8_t *p = malloc(len - 1 ? len - 1 : 1);
    if (!p)
        return 0;
    memcpy(p, data + 1, len - 1);
    unsigned which = data[0] % 11;
    if (which == 0)
        sanitize(p, len - 1);
    else if (which == 1)
        review(p, len - 1);
    else if (which == 2)
        envelope(p, len - 1);
    else if (which == 3)
        ppap(p, len - 1);
    else
        others(which - 4, p, len - 1);
    free(p);
    return 0;
}
