/*
 * audit - the tamper-evident audit log (see audit.h).
 */
#include "audit.h"
#include "err.h"
#include "fdio.h"
#include "json.h"
#include "jsoncheck.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#define ZERO_HASH      "0000000000000000000000000000000000000000000000000000000000000000"
#define SIG_CHECKPOINT "mugai-audit-checkpoint\n"
#define SIG_HEAD       "mugai-audit-head\n"

void audit_now(char *dst, size_t cap)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    /* Formatted in a buffer wide enough for any field value, then copied:
     * the caller's cap may cut it, never the format. */
    char t[96];
    snprintf(t, sizeof(t), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec);
    snprintf(dst, cap, "%s", t);
}

/* ---- keys and signatures ---- */

static EVP_PKEY *key_load_or_make(const char *path, char *err, size_t cap)
{
    EVP_PKEY *k = NULL;
    FILE *f = fopen(path, "r");
    if (f) {
        k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
        if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
            snprintf(err, cap, "%s: not an Ed25519 private key", path);
            EVP_PKEY_free(k);
            return NULL;
        }
        return k;
    }
    /* First start: a new key, readable only by us; the public half beside
     * it for whoever verifies. */
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (!c || EVP_PKEY_keygen_init(c) <= 0 || EVP_PKEY_keygen(c, &k) <= 0) {
        EVP_PKEY_CTX_free(c);
        snprintf(err, cap, "cannot make an Ed25519 key");
        return NULL;
    }
    EVP_PKEY_CTX_free(c);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    char pub[AUDIT_FILE_MAX];
    snprintf(pub, sizeof(pub), "%s.pub", path);
    FILE *po = fopen(pub, "w");
    int ok = out && po && PEM_write_PrivateKey(out, k, NULL, NULL, 0, NULL, NULL) == 1 &&
             PEM_write_PUBKEY(po, k) == 1;
    if (out)
        ok = fclose(out) == 0 && ok;
    else if (fd >= 0)
        close(fd);
    if (po)
        ok = fclose(po) == 0 && ok;
    if (!ok) {
        snprintf(err, cap, "%s: cannot write the key: %s", path, strerror(errno));
        EVP_PKEY_free(k);
        return NULL;
    }
    return k;
}

static EVP_PKEY *key_load_public(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    EVP_PKEY *k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    return k;
}

/* base64 of the Ed25519 signature of what (SIG_HEAD or SIG_CHECKPOINT)
 * followed by the writer's seq and last hash into b64 (at least 100 bytes). */
static int sign(const struct audit_writer *w, const char *what, char *b64)
{
    char msg[160];
    unsigned char sig[64];
    size_t n = sizeof(sig);
    snprintf(msg, sizeof(msg), "%s%llu\n%s", what, (unsigned long long)w->seq, w->prev);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestSignInit(c, NULL, NULL, NULL, w->key) == 1 &&
             EVP_DigestSign(c, sig, &n, (const unsigned char *)msg, strlen(msg)) == 1;
    EVP_MD_CTX_free(c);
    if (!ok)
        return MG_ERR_INTERNAL;
    EVP_EncodeBlock((unsigned char *)b64, sig, (int)n);
    return MG_OK;
}

static int sig_ok(EVP_PKEY *k, const char *msg, const char *b64)
{
    unsigned char sig[96];
    size_t l = strlen(b64);
    if (l != 88)
        return 0;
    if (EVP_DecodeBlock(sig, (const unsigned char *)b64, (int)l) != 66) /* 64 + 2 padding */
        return 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) == 1 &&
             EVP_DigestVerify(c, sig, 64, (const unsigned char *)msg, strlen(msg)) == 1;
    EVP_MD_CTX_free(c);
    return ok;
}

/* ---- reading lines back ---- */

/* The value of "key" in a line we wrote: a number or a string without
 * escapes (all our own fields of that kind are). */
int audit_line_field(const char *line, size_t len, const char *key, char *dst, size_t cap)
{
    char pat[64];
    int pl = snprintf(pat, sizeof(pat), "\"%s\":", key);
    const char *p = memmem(line, len, pat, (size_t)pl);
    if (!p)
        return 0;
    p += pl;
    const char *end = line + len;
    size_t n = 0;
    if (p < end && *p == '"') {
        for (p++; p < end && *p != '"' && *p != '\\' && n + 1 < cap; p++)
            dst[n++] = *p;
        if (p >= end || *p != '"')
            return 0;
    } else {
        for (; p < end && ((*p >= '0' && *p <= '9') || *p == '-') && n + 1 < cap; p++)
            dst[n++] = *p;
    }
    dst[n] = 0;
    return n > 0;
}

static void line_hash(const char *line, size_t len, char hex[SHA256_HEX_MAX])
{
    report_sha256_hex((const uint8_t *)line, len, hex);
}

/* ---- the signed head ---- */

/* The writer's state, signed: for the head file the object
 * {"seq":N,"hash":H,"sig":S}, for a checkpoint the fields
 * ,"head_seq":N,"sig":S (the hash is the line's own prev). */
static int signed_state(const struct audit_writer *w, int head, struct buf *out)
{
    char sigb[128];
    struct json j;
    if (sign(w, head ? SIG_HEAD : SIG_CHECKPOINT, sigb) != MG_OK)
        return MG_ERR_INTERNAL;
    if (head) {
        json_init(&j, out);
        json_obj(&j);
        json_kv_uint(&j, "seq", (unsigned long long)w->seq);
        json_kv_str(&j, "hash", w->prev);
    } else {
        json_fields(&j, out);
        json_kv_uint(&j, "head_seq", (unsigned long long)w->seq);
    }
    json_kv_str(&j, "sig", sigb);
    if (head)
        json_obj_end(&j);
    return json_end(&j);
}

static int head_write(struct audit_writer *w)
{
    char tmp[AUDIT_FILE_MAX];
    if (!w->key || !w->head_path[0])
        return MG_OK;
    struct buf text;
    buf_init(&text, 400);
    int rc = signed_state(w, 1, &text);
    if (rc == MG_OK)
        rc = buf_putc(&text, '\n');
    snprintf(tmp, sizeof(tmp), "%s.tmp", w->head_path);
    int fd = rc == MG_OK ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    if (rc == MG_OK && fd < 0)
        rc = MG_ERR_IO;
    if (rc == MG_OK && (fdio_write_all(fd, text.data, text.len) != MG_OK || fsync(fd) != 0))
        rc = MG_ERR_IO;
    if (fd >= 0)
        close(fd);
    buf_free(&text);
    if (rc == MG_OK && rename(tmp, w->head_path) != 0)
        rc = MG_ERR_IO;
    return rc;
}

/* The head file's seq and hash, when its signature holds (pub may be NULL:
 * then it is read unchecked and *signed_ok is 0). */
static int head_read(const char *path, EVP_PKEY *pub, uint64_t *seq, char hash[SHA256_HEX_MAX],
                     int *signed_ok)
{
    char text[512], s[32], sigb[128], msg[160];
    FILE *f = fopen(path, "r");
    if (!f)
        return MG_ERR_IO;
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = 0;
    if (!audit_line_field(text, n, "seq", s, sizeof(s)) ||
        !audit_line_field(text, n, "hash", hash, 65) ||
        !audit_line_field(text, n, "sig", sigb, sizeof(sigb)))
        return MG_ERR_PARSE;
    *seq = strtoull(s, NULL, 10);
    snprintf(msg, sizeof(msg), SIG_HEAD "%s\n%s", s, hash);
    *signed_ok = pub && sig_ok(pub, msg, sigb);
    return MG_OK;
}

/* ---- writing ---- */

/* Find the last complete line of fd; a partial one after it (a crash in
 * the middle of a write) is cut off, *dropped says how many bytes. */
static int last_line(int fd, struct buf *line, uint64_t *dropped)
{
    struct stat st;
    *dropped = 0;
    if (fstat(fd, &st) != 0)
        return MG_ERR_IO;
    if (st.st_size == 0)
        return MG_OK;
    size_t want =
            st.st_size > (off_t)(AUDIT_LINE_MAX + 2) ? AUDIT_LINE_MAX + 2 : (size_t)st.st_size;
    off_t from = st.st_size - (off_t)want;
    char *b = malloc(want);
    if (!b)
        return MG_ERR_NOMEM;
    int rc = MG_ERR_IO;
    if (pread(fd, b, want, from) != (ssize_t)want)
        goto out;
    size_t end = want;
    while (end > 0 && b[end - 1] != '\n')
        end--;
    if (end != want) {
        *dropped = want - end;
        if (ftruncate(fd, from + (off_t)end) != 0)
            goto out;
    }
    if (end == 0) {
        rc = *dropped == (size_t)st.st_size ? MG_OK : MG_ERR_PARSE;
        goto out;
    }
    size_t start = end - 1;
    while (start > 0 && b[start - 1] != '\n')
        start--;
    rc = buf_append(line, b + start, end - 1 - start);
out:
    free(b);
    return rc;
}

int audit_open(struct audit_writer *w, const char *path, const char *key_path, const char *node,
               char *err, size_t errcap)
{
    struct buf last;
    uint64_t dropped = 0;
    memset(w, 0, sizeof(*w));
    w->fd = -1;
    buf_init(&w->pending, 64u << 20);
    buf_init(&last, AUDIT_LINE_MAX + 1);
    snprintf(w->path, sizeof(w->path), "%s", path);
    snprintf(w->head_path, sizeof(w->head_path), "%s.head", path);
    snprintf(w->node, sizeof(w->node), "%s", node);
    memcpy(w->prev, ZERO_HASH, 65);
    if (key_path && !(w->key = key_load_or_make(key_path, err, errcap)))
        return MG_ERR_USAGE;
    w->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (w->fd < 0) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return MG_ERR_IO;
    }
    int rc = last_line(w->fd, &last, &dropped);
    if (rc != MG_OK) {
        snprintf(err, errcap, "%s: cannot read its last line", path);
        buf_free(&last);
        return rc;
    }
    char s[32];
    if (last.len && audit_line_field((const char *)last.data, last.len, "seq", s, sizeof(s))) {
        w->seq = strtoull(s, NULL, 10);
        line_hash((const char *)last.data, last.len, w->prev);
        audit_line_field((const char *)last.data, last.len, "rid", w->last_rid,
                         sizeof(w->last_rid));
    } else if (!last.len) {
        /* A new file: go on from the head the file before it left. */
        uint64_t hs;
        char hh[SHA256_HEX_MAX];
        int signed_ok;
        if (head_read(w->head_path, NULL, &hs, hh, &signed_ok) == MG_OK && strlen(hh) == 64) {
            w->seq = hs;
            memcpy(w->prev, hh, 65);
        }
    } else {
        snprintf(err, errcap, "%s: its last line is not an audit line", path);
        buf_free(&last);
        return MG_ERR_PARSE;
    }
    buf_free(&last);
    if (dropped) {
        struct buf f;
        struct json j;
        buf_init(&f, 64);
        json_fields(&j, &f);
        json_kv_uint(&j, "dropped_bytes", (unsigned long long)dropped);
        if ((rc = json_end(&j)) == MG_OK &&
            (rc = audit_append(w, "recover", (char *)f.data)) == MG_OK)
            rc = audit_sync(w);
        buf_free(&f);
        return rc;
    }
    return MG_OK;
}

void audit_close(struct audit_writer *w)
{
    if (w->fd >= 0) {
        audit_sync(w);
        close(w->fd);
    }
    w->fd = -1;
    EVP_PKEY_free(w->key);
    w->key = NULL;
    buf_free(&w->pending);
}

/* The caller's fields as an object: the line's own members are strings and
 * a number, so the line is nested as deep as this object. */
static int fields_ok(const uint8_t *p, size_t len, unsigned max_depth)
{
    (void)max_depth;
    return jsoncheck_valid(p, len, AUDIT_JSON_DEPTH);
}

int audit_append(struct audit_writer *w, const char *event, const char *fields)
{
    char now[40];
    struct buf line;
    size_t flen = strlen(fields);
    if (flen && (fields[0] != ',' || flen > AUDIT_LINE_MAX - 512))
        return MG_ERR_USAGE;
    /* One event, one line: JSON allows line breaks between tokens, the log
     * does not (a fuzzed record found it). */
    if (strpbrk(fields, "\r\n"))
        return MG_ERR_USAGE;
    audit_now(now, sizeof(now));
    buf_init(&line, AUDIT_LINE_MAX);
    struct json j;
    json_init(&j, &line);
    json_obj(&j);
    json_kv_uint(&j, "seq", (unsigned long long)w->seq + 1);
    json_kv_str(&j, "time", now);
    json_kv_str(&j, "node", w->node);
    json_kv_str(&j, "prev", w->prev);
    json_kv_str(&j, "event", event);
    /* What goes in must be one JSON object: a caller's bad field is refused
     * here, not discovered by the next verify. */
    json_raw_fields(&j, fields, flen, fields_ok);
    json_obj_end(&j);
    int rc = json_end(&j);
    if (rc == MG_ERR_PARSE)
        rc = MG_ERR_USAGE;
    if (rc == MG_OK)
        rc = buf_append(&w->pending, line.data, line.len);
    if (rc == MG_OK)
        rc = buf_putc(&w->pending, '\n');
    if (rc == MG_OK) {
        w->seq++;
        line_hash((const char *)line.data, line.len, w->prev);
        w->pending_lines++;
        if (!audit_line_field(fields, flen, "rid", w->last_rid, sizeof(w->last_rid)))
            w->last_rid[0] = 0;
    }
    buf_free(&line);
    return rc;
}

int audit_flush(struct audit_writer *w)
{
    if (w->pending.len) {
        /* One write with O_APPEND: the lines land whole, together. */
        if (fdio_write_all(w->fd, w->pending.data, w->pending.len) != MG_OK)
            return MG_ERR_IO;
        buf_reset(&w->pending);
        w->pending_lines = 0;
    }
    return MG_OK;
}

int audit_sync(struct audit_writer *w)
{
    if (audit_flush(w) != MG_OK || fsync(w->fd) != 0)
        return MG_ERR_IO;
    return head_write(w);
}

int audit_checkpoint(struct audit_writer *w)
{
    if (!w->key)
        return MG_OK;
    struct buf f;
    buf_init(&f, 300);
    int rc = signed_state(w, 0, &f);
    if (rc == MG_OK)
        rc = audit_append(w, "checkpoint", (const char *)f.data);
    buf_free(&f);
    return rc == MG_OK ? audit_sync(w) : rc;
}

int audit_rotate(struct audit_writer *w, char *err, size_t errcap)
{
    char old[AUDIT_FILE_MAX];
    int rc = audit_sync(w);
    if (rc != MG_OK)
        return rc;
    snprintf(old, sizeof(old), "%s.%llu", w->path, (unsigned long long)w->seq);
    if (rename(w->path, old) != 0) {
        snprintf(err, errcap, "cannot rotate %s: %s", w->path, strerror(errno));
        return MG_ERR_IO;
    }
    close(w->fd);
    w->fd = open(w->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (w->fd < 0) {
        snprintf(err, errcap, "%s: %s", w->path, strerror(errno));
        return MG_ERR_IO;
    }
    const char *base = strrchr(old, '/');
    struct buf b;
    struct json j;
    buf_init(&b, sizeof(old) * 6 + 32); /* every byte escaped as \ufffd at worst */
    json_fields(&j, &b);
    json_kv_str(&j, "rotated_from", base ? base + 1 : old);
    rc = json_end(&j);
    if (rc == MG_OK)
        rc = audit_append(w, "rotate", (const char *)b.data);
    buf_free(&b);
    return rc == MG_OK ? audit_checkpoint(w) : rc;
}

/* ---- verifying ---- */

struct verify {
    struct buf *out;
    unsigned problems;
    EVP_PKEY *pub;
    int have_prev;
    char prev[SHA256_HEX_MAX];
    uint64_t seq;
    char time[40];
    unsigned checkpoints, bad_checkpoints;
    uint64_t lines; /* read so far, in every file */
};

static void problem(struct verify *v, const char *file, size_t ln, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void problem(struct verify *v, const char *file, size_t ln, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    v->problems++;
    buf_printf(v->out, "%s:%zu: %s\n", file, ln, msg);
}

static void verify_line(struct verify *v, const char *file, size_t ln, const char *line, size_t len)
{
    char s[32], prev[80], ev[32], t[40], hs[32], sigb[128], msg[200], h[SHA256_HEX_MAX];
    if (!jsoncheck_valid((const uint8_t *)line, len, AUDIT_JSON_DEPTH) ||
        !audit_line_field(line, len, "seq", s, sizeof(s)) ||
        !audit_line_field(line, len, "prev", prev, sizeof(prev)) ||
        !audit_line_field(line, len, "event", ev, sizeof(ev)) ||
        !audit_line_field(line, len, "time", t, sizeof(t)) || strlen(prev) != 64) {
        problem(v, file, ln, "not an audit line (changed by hand?)");
        v->have_prev = 0;
        return;
    }
    uint64_t seq = strtoull(s, NULL, 10);
    if (v->have_prev) {
        int chained = strcmp(prev, v->prev) == 0;
        if (seq == v->seq + 1 && !chained)
            problem(v, file, ln - 1,
                    "line (seq %llu) was changed: the next line does not chain "
                    "to it",
                    (unsigned long long)v->seq);
        else if (seq > v->seq + 1)
            problem(v, file, ln, "%llu line(s) removed before this one (seq %llu follows %llu)",
                    (unsigned long long)(seq - v->seq - 1), (unsigned long long)seq,
                    (unsigned long long)v->seq);
        else if (seq == v->seq)
            problem(v, file, ln, "line inserted (seq %llu twice)", (unsigned long long)seq);
        else if (seq < v->seq)
            problem(v, file, ln, "lines out of order (seq %llu after %llu): moved or inserted",
                    (unsigned long long)seq, (unsigned long long)v->seq);
    } else if (seq == 1 && strcmp(prev, ZERO_HASH) != 0) {
        problem(v, file, ln, "the first line does not start a chain");
    } else if (seq != 1 && v->lines == 0) {
        problem(v, file, ln,
                "the chain starts at seq %llu: the lines before it are in none of the files "
                "given (an earlier rotated file removed?)",
                (unsigned long long)seq);
    }
    v->lines++;
    if (v->time[0] && strcmp(t, v->time) < 0)
        buf_printf(v->out, "%s:%zu: note: time goes back (%s after %s)\n", file, ln, t, v->time);
    if (strcmp(ev, "checkpoint") == 0) {
        v->checkpoints++;
        if (!audit_line_field(line, len, "head_seq", hs, sizeof(hs)) ||
            !audit_line_field(line, len, "sig", sigb, sizeof(sigb))) {
            problem(v, file, ln, "checkpoint without a signature");
            v->bad_checkpoints++;
        } else if (v->pub) {
            snprintf(msg, sizeof(msg), SIG_CHECKPOINT "%s\n%s", hs, prev);
            if (!sig_ok(v->pub, msg, sigb) || strtoull(hs, NULL, 10) + 1 != seq) {
                problem(v, file, ln,
                        "checkpoint signature does not match (the log before it was "
                        "rewritten, or the checkpoint forged)");
                v->bad_checkpoints++;
            }
        }
    }
    line_hash(line, len, h);
    memcpy(v->prev, h, 65);
    v->have_prev = 1;
    v->seq = seq;
    snprintf(v->time, sizeof(v->time), "%s", t);
}

static int verify_file(struct verify *v, const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        buf_printf(v->out, "%s: cannot read: %s\n", file, strerror(errno));
        return MG_ERR_IO;
    }
    char *line = NULL;
    size_t cap = 0, ln = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        ln++;
        if (line[n - 1] != '\n') {
            problem(v, file, ln, "the last line is cut short");
            break;
        }
        verify_line(v, file, ln, line, (size_t)n - 1);
    }
    free(line);
    fclose(f);
    return MG_OK;
}

int audit_verify(const char *const *files, size_t n, const char *pub_path, const char *head_path,
                 struct buf *out, unsigned *problems)
{
    struct verify v;
    int rc = MG_OK;
    memset(&v, 0, sizeof(v));
    v.out = out;
    if (pub_path && !(v.pub = key_load_public(pub_path))) {
        buf_printf(out, "%s: cannot read the public key\n", pub_path);
        *problems = 1;
        return MG_ERR_IO;
    }
    for (size_t i = 0; i < n && rc == MG_OK; i++)
        rc = verify_file(&v, files[i]);
    if (rc == MG_OK && head_path) {
        uint64_t hs = 0;
        char hh[SHA256_HEX_MAX] = "";
        int signed_ok = 0;
        if (head_read(head_path, v.pub, &hs, hh, &signed_ok) != MG_OK) {
            problem(&v, head_path, 1, "the signed head cannot be read");
        } else if (v.pub && !signed_ok) {
            problem(&v, head_path, 1, "the head's signature does not match (rewritten?)");
        } else if (hs > v.seq) {
            problem(&v, files[n - 1], 0,
                    "the log ends at seq %llu but the writer had written up to %llu: "
                    "%llu line(s) removed from the end (truncated)",
                    (unsigned long long)v.seq, (unsigned long long)hs,
                    (unsigned long long)(hs - v.seq));
        } else if (hs == v.seq && strcmp(hh, v.prev) != 0) {
            problem(&v, files[n - 1], 0,
                    "the last line (seq %llu) was changed, or the whole log "
                    "rewritten",
                    (unsigned long long)v.seq);
        } else if (hs < v.seq) {
            problem(&v, files[n - 1], 0,
                    "%llu line(s) after the writer's last (seq %llu) were "
                    "added by someone else",
                    (unsigned long long)(v.seq - hs), (unsigned long long)hs);
        }
    }
    if (v.pub && v.checkpoints == 0 && v.seq > 0)
        problem(&v, n ? files[0] : "-", 0, "no signed checkpoint in the log");
    if (!pub_path)
        buf_printf(out, "note: no public key given: signatures not checked\n");
    buf_printf(out, "%s: %llu line(s) through seq %llu, %u checkpoint(s), %u problem(s)\n",
               v.problems ? "FAILED" : "OK", (unsigned long long)v.seq, (unsigned long long)v.seq,
               v.checkpoints, v.problems);
    *problems = v.problems;
    EVP_PKEY_free(v.pub);
    return rc;
}
