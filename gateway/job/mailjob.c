/*
 * mailjob - a message through the job, and the notice when it is held
 * (see mailjob.h). The process running this never parses the message
 * itself: the job's workers do, and so does the notice worker.
 */
#include "mailjob.h"
#include "err.h"
#include "fdio.h"
#include "mail_ppap.h"
#include "mailsan.h"
#include "sandbox.h"
#include "sealed.h"
#include "wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAILJOB_NOTICE_MAX (4u << 20)
#define NOTICE_MAGIC       0x314e474du /* "MGN1" */

struct notice_arg {
    const struct policy *pol;
    uint64_t len;
    enum reason code;
    const char *reason;
    int64_t quarantine_id;
};

/* A worker's end, the same for the notice and the PPAP candidates: what it
 * made into out_fd, then its record (magic, count, length) into res_fd;
 * the exit status the sandbox reports. Frees out and in. */
static int worker_reply(int rc, int out_fd, int res_fd, uint32_t magic, uint32_t count,
                        struct buf *out, uint8_t *in)
{
    struct buf rec;
    struct wire_w w;
    buf_init(&rec, 64);
    if (rc == MG_OK && out->len)
        rc = fdio_write_all(out_fd, out->data, out->len);
    wire_w_init(&w, &rec);
    wire_put_u32(&w, magic);
    wire_put_u32(&w, count);
    wire_put_u64(&w, out->len);
    if (rc == MG_OK && w.err == MG_OK)
        rc = fdio_write_all(res_fd, rec.data, rec.len);
    buf_free(out);
    buf_free(&rec);
    free(in);
    return rc == MG_OK ? 0 : 1;
}

/* Runs under SANDBOX_STRICT: parse the original's headers, write the notice. */
static int notice_worker(void *argp, int in_fd, int out_fd, int res_fd)
{
    struct notice_arg *a = argp;
    struct buf out;
    uint8_t *in = malloc(a->len ? a->len : 1);
    int rc = in ? fdio_pread_all(in_fd, in, a->len) : MG_ERR_NOMEM;
    buf_init(&out, MAILJOB_NOTICE_MAX);
    if (rc == MG_OK)
        rc = mailsan_notice(a->pol, in, a->len, a->code, a->reason, a->quarantine_id, &out);
    return worker_reply(rc, out_fd, res_fd, NOTICE_MAGIC, 1, &out, in);
}

/* What a notice worker wrote: only what our writer produces, 7-bit text. */
static int notice_is_ascii(int fd, uint64_t len)
{
    uint8_t chunk[65536];
    for (uint64_t off = 0; off < len;) {
        size_t want = len - off < sizeof(chunk) ? (size_t)(len - off) : sizeof(chunk);
        ssize_t got = pread(fd, chunk, want, (off_t)off);
        if (got <= 0)
            return 0;
        for (ssize_t i = 0; i < got; i++)
            if ((chunk[i] < 0x20 && chunk[i] != '\r' && chunk[i] != '\n' && chunk[i] != '\t') ||
                chunk[i] > 0x7E)
                return 0;
        off += (uint64_t)got;
    }
    return 1;
}

/* The notice from a worker; MG_OK with *nfd set, or an error (use the fallback). */
static int notice_from_worker(const struct policy *pol, int in_fd, uint64_t len,
                              const struct job_result *r, int *nfd)
{
    struct notice_arg a = {pol, len, r->reason_code, r->reason, r->store_id};
    struct sandbox_limits lim = {
            .cpu_seconds = pol->worker_cpu_seconds,
            .deadline_seconds = pol->worker_deadline_seconds,
            .memory_bytes = sandbox_inherited_vm() + pol->worker_memory,
            .output_bytes = MAILJOB_NOTICE_MAX,
            .result_max = 64,
    };
    struct sandbox_outcome oc;
    uint64_t size = 0;
    int fd = sealed_new("mugai-notice");
    if (fd < 0)
        return MG_ERR_IO;
    int rc = sandbox_run(&lim, SANDBOX_STRICT, NULL, notice_worker, &a, in_fd, fd, -1, &oc);
    if (rc == MG_OK) {
        struct wire_r rd;
        wire_r_init(&rd, oc.result, oc.result_len);
        uint32_t magic = wire_get_u32(&rd), one = wire_get_u32(&rd);
        uint64_t out_len = wire_get_u64(&rd);
        if (!oc.ok || wire_end(&rd) != MG_OK || magic != NOTICE_MAGIC || one != 1 ||
            sealed_seal(fd) != MG_OK || sealed_size(fd, &size) != MG_OK || size != out_len ||
            size == 0 || size > MAILJOB_NOTICE_MAX || !notice_is_ascii(fd, size))
            rc = MG_ERR_SANDBOX;
        sandbox_outcome_free(&oc);
    }
    if (rc != MG_OK) {
        close(fd);
        return rc;
    }
    *nfd = fd;
    return MG_OK;
}

/* Without the original's headers, when the notice worker failed. */
static int notice_fallback(const char *sha256, const struct job_result *r, int *nfd)
{
    char b[4096];
    /* A code from the table: a plain token, safe in a header. */
    const char *code = r->reason_code != REASON_NONE ? reason_code(r->reason_code) : "blocked";
    int n = snprintf(b, sizeof(b),
                     "Subject: [Mugai] message held\r\n"
                     "MIME-Version: 1.0\r\n"
                     "X-Mugai-Result: verdict=held; reason=%s;\r\n original=sha256:%s\r\n"
                     "Content-Type: text/plain; charset=us-ascii\r\n"
                     "Content-Transfer-Encoding: 7bit\r\n\r\n"
                     "[Mugai] A message to you was held because it could not be made safe\r\n"
                     "(reason: %s). The original is kept by the gateway, reference:\r\n"
                     "%s\r\n"
                     "Quarantine id: %lld (0: not in the quarantine store)\r\n",
                     code, sha256, code, sha256, (long long)r->store_id);
    int fd = sealed_new("mugai-notice");
    if (fd < 0 || fdio_write_all(fd, b, (size_t)n) != MG_OK || sealed_seal(fd) != MG_OK) {
        if (fd >= 0)
            close(fd);
        return MG_ERR_IO;
    }
    *nfd = fd;
    return MG_OK;
}

/* ---- PPAP: password candidates in a delivered message ---- */

#define PPAP_MAGIC   0x31505047u /* "GPP1" */
#define PPAP_OUT_MAX (MAIL_PPAP_MAX * (MAIL_PPAP_TOKEN_MAX + 1))

struct ppap_arg {
    uint64_t len;
};

/* Runs under SANDBOX_STRICT: the message's text, its candidates. */
static int ppap_worker(void *argp, int in_fd, int out_fd, int res_fd)
{
    struct ppap_arg *a = argp;
    struct buf out;
    size_t n = 0;
    uint8_t *in = malloc(a->len ? a->len : 1);
    int rc = in ? fdio_pread_all(in_fd, in, a->len) : MG_ERR_NOMEM;
    buf_init(&out, PPAP_OUT_MAX);
    if (rc == MG_OK)
        rc = mailsan_ppap_candidates(in, a->len, &out, &n);
    return worker_reply(rc, out_fd, res_fd, PPAP_MAGIC, (uint32_t)n, &out, in);
}

int mailjob_ppap_candidates(struct job_engine *je, int msg_fd, uint64_t len, char ***cands,
                            size_t *n)
{
    struct ppap_arg a = {len};
    struct sandbox_limits lim = {
            .cpu_seconds = je->pol.worker_cpu_seconds,
            .deadline_seconds = je->pol.worker_deadline_seconds,
            .memory_bytes = sandbox_inherited_vm() + je->pol.worker_memory,
            .output_bytes = PPAP_OUT_MAX,
            .result_max = 64,
    };
    struct sandbox_outcome oc;
    uint64_t size = 0;
    uint8_t text[PPAP_OUT_MAX + 1];
    *cands = NULL;
    *n = 0;
    int fd = sealed_new("mugai-ppap");
    if (fd < 0)
        return MG_ERR_IO;
    int rc = sandbox_run(&lim, SANDBOX_STRICT, NULL, ppap_worker, &a, msg_fd, fd, -1, &oc);
    if (rc == MG_OK) {
        struct wire_r rd;
        wire_r_init(&rd, oc.result, oc.result_len);
        uint32_t magic = wire_get_u32(&rd), count = wire_get_u32(&rd);
        uint64_t out_len = wire_get_u64(&rd);
        /* The worker read the sender's text: its answer is checked like
         * any other, token by token. */
        if (!oc.ok || wire_end(&rd) != MG_OK || magic != PPAP_MAGIC || count > MAIL_PPAP_MAX ||
            sealed_seal(fd) != MG_OK || sealed_size(fd, &size) != MG_OK || size != out_len ||
            size > PPAP_OUT_MAX || (size && fdio_pread_all(fd, text, size) != MG_OK))
            rc = MG_ERR_SANDBOX;
        sandbox_outcome_free(&oc);
        if (rc == MG_OK && count) {
            *cands = calloc(count, sizeof(char *));
            size_t off = 0;
            for (uint32_t i = 0; *cands && i < count && rc == MG_OK; i++) {
                size_t l = strnlen((char *)text + off, size - off);
                int good = off + l < size && l >= MAIL_PPAP_TOKEN_MIN && l <= MAIL_PPAP_TOKEN_MAX;
                for (size_t k = 0; good && k < l; k++)
                    good = text[off + k] > 0x20 && text[off + k] < 0x7F;
                if (!good || !((*cands)[(*n)++] = strndup((char *)text + off, l)))
                    rc = MG_ERR_SANDBOX;
                off += l + 1;
            }
            if (!*cands)
                rc = MG_ERR_NOMEM;
        }
    }
    close(fd);
    if (rc != MG_OK) {
        for (size_t i = 0; *cands && i < *n; i++)
            free((*cands)[i]);
        free(*cands);
        *cands = NULL;
        *n = 0;
    }
    return rc;
}

void mailjob_run(struct job_engine *je, int in_fd, uint64_t len, const char *sha, const char *kept,
                 const struct mailjob_keeper *keeper, struct mail_reply *reply, int *deliver_fd)
{
    struct job_result r;
    *deliver_fd = -1;
    reply->status = MAILJOB_EXIT_TEMPFAIL;
    snprintf(reply->sha256, sizeof(reply->sha256), "%s", sha);
    reply->reason_code = REASON_INTERNAL;
    snprintf(reply->reason, sizeof(reply->reason), "internal error");
    buf_reset(&reply->json);
    if (lseek(in_fd, 0, SEEK_SET) != 0)
        return;
    /* What the MTA hands over is a message, whatever libmagic would say
     * about its content. */
    struct job_request req = {"message.eml", in_fd, FT_EML};
    if (job_run(je, &req, &r) != MG_OK) {
        job_result_free(&r);
        return;
    }
    if (r.released && strcmp(r.out_type, "eml") != 0) {
        /* Not read as a message (e.g. text without a header block): do not
         * deliver something that is not a message. */
        job_block(&r, REASON_NOT_A_MESSAGE, "the input was identified as %s, not as a message",
                  r.out_type);
    }
    if (job_result_json(&r, "message.eml", NULL, kept, &reply->json) != MG_OK)
        buf_reset(&reply->json);
    reply->reason_code = r.released ? REASON_NONE : r.reason_code;
    snprintf(reply->reason, sizeof(reply->reason), "%s", r.released ? "" : r.reason);
    if (r.released) {
        *deliver_fd = r.out_fd;
        r.out_fd = -1;
        reply->status = MAILJOB_EXIT_OK;
    } else if (keeper && (r.store_id = keeper->keep(keeper->arg, in_fd, &r)) <= 0) {
        /* Held, but not kept where staff can review it: the MTA keeps the
         * message and tries again rather than deliver a notice for an
         * original nobody could release. */
        reply->status = MAILJOB_EXIT_TEMPFAIL;
    } else if (notice_from_worker(&je->pol, in_fd, len, &r, deliver_fd) == MG_OK ||
               notice_fallback(sha, &r, deliver_fd) == MG_OK) {
        reply->status = MAILJOB_EXIT_HELD;
    }
    job_result_free(&r);
}
