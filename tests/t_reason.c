/*
 * t_reason - the reason table: every reason has its own code and both
 * texts, a code maps back to its reason, anything else is refused, and the
 * report JSON carries the table's words.
 */
#include "t.h"

#include "err.h"
#include "job_wire.h"
#include "jsoncheck.h"
#include "reason.h"
#include "report.h"
#include "wire.h"

#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void test_codes(void)
{
    CHECK(strcmp(reason_code(REASON_NONE), "") == 0);
    for (int i = REASON_NONE + 1; i < REASON_COUNT; i++) {
        enum reason r = (enum reason)i;
        const char *c = reason_code(r);
        CHECK(c[0] != 0);
        CHECK(reason_en(r)[0] != 0);
        CHECK(reason_ja(r)[0] != 0);
        /* Codes are tokens: lower-case letters and dashes, nothing a
         * notice header or a log line would have to quote. */
        CHECK(strspn(c, "abcdefghijklmnopqrstuvwxyz-") == strlen(c));
        CHECK(strlen(c) < 48); /* fits the records' reason_code fields */
        CHECK(reason_from_code(c) == r);
        CHECK(strcmp(reason_class_name(reason_class(r)), "") != 0);
        for (int j = i + 1; j < REASON_COUNT; j++)
            CHECK(strcmp(c, reason_code((enum reason)j)) != 0);
    }
}

static void test_refused(void)
{
    static const char *const bad[] = {"",       "LIMIT",  "limit ",  " limit",     "limit\n",
                                      "limits", "ok",     "usage",   "sandbox",    "rewrote",
                                      "lim",    "limit;", "x-limit", "parse_error"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK(reason_from_code(bad[i]) == REASON_NONE);
    CHECK(reason_from_code(NULL) == REASON_NONE);
    /* Out-of-range values read as "no reason", never past the table. */
    CHECK(strcmp(reason_code((enum reason)REASON_COUNT), "") == 0);
    CHECK(strcmp(reason_code((enum reason) - 1), "") == 0);
}

static void test_err(void)
{
    /* Out of memory is the gateway's failure, not a limit the file hit. */
    CHECK(reason_from_err(MG_ERR_NOMEM) == REASON_NO_MEMORY);
    CHECK(strcmp(reason_code(reason_from_err(MG_ERR_NOMEM)), "no-memory") == 0);
    CHECK(reason_class(REASON_NO_MEMORY) == REASON_CLASS_INTERNAL);
    CHECK(reason_from_err(MG_ERR_LIMIT) == REASON_LIMIT);
    CHECK(reason_from_err(MG_ERR_PARSE) == REASON_PARSE_ERROR);
    CHECK(reason_from_err(MG_ERR_ENCRYPTED) == REASON_ENCRYPTED);
    CHECK(reason_from_err(MG_ERR_UNSUPPORTED) == REASON_UNSUPPORTED);
    CHECK(reason_from_err(MG_ERR_VERIFY) == REASON_VERIFY_FAILED);
    CHECK(reason_from_err(MG_ERR_SANDBOX) == REASON_WORKER_FAILED);
    CHECK(reason_from_err(MG_ERR_INTERNAL) == REASON_INTERNAL);
    CHECK(reason_from_err(-999) == REASON_INTERNAL);
    /* Whatever the error, the reason is one with a public code. */
    for (int e = MG_ERR_INTERNAL; e <= MG_OK; e++)
        CHECK(reason_code(reason_from_err(e))[0] != 0);
}

static void test_actions(void)
{
    for (int i = 0; i < ACTION_COUNT; i++) {
        const char *w = action_word((enum report_act)i);
        CHECK(w[0] != 0 && action_en((enum report_act)i)[0] && action_ja((enum report_act)i)[0]);
        for (int j = i + 1; j < ACTION_COUNT; j++)
            CHECK(strcmp(w, action_word((enum report_act)j)) != 0);
    }
    CHECK(strcmp(action_word(ACTION_REMOVED), "removed") == 0);
    CHECK(strcmp(action_word(ACTION_REWROTE), "rewrote") == 0);
}

/* The report: the first reason stands, a missing one is a bug reported as
 * internal, and the JSON shows the table's code and words. */
static void test_report(void)
{
    struct report_node *n = report_new("a.bin");
    CHECK(n != NULL);
    if (!n)
        return;
    CHECK(report_action(n, ACTION_REMOVED, "macro", "active content") == MG_OK);
    CHECK(n->verdict == VERDICT_SANITIZED);
    CHECK(report_block(n, REASON_ENCRYPTED, "first %d", 1) == MG_OK);
    CHECK(report_block(n, REASON_LIMIT, "second") == MG_OK);
    CHECK(n->verdict == VERDICT_BLOCKED && n->reason_code == REASON_ENCRYPTED);
    CHECK(strcmp(n->reason, "first 1") == 0);
    struct buf j;
    buf_init(&j, 1 << 16);
    CHECK(report_to_json(n, &j) == MG_OK && buf_putc(&j, 0) == MG_OK);
    CHECK(strstr((const char *)j.data, "\"reason_code\":\"encrypted\"") != NULL);
    CHECK(strstr((const char *)j.data, "\"action\":\"removed\"") != NULL);
    buf_free(&j);
    report_free(n);

    n = report_new("b.bin");
    CHECK(n != NULL);
    if (!n)
        return;
    CHECK(report_block(n, REASON_NONE, "no reason given") == MG_OK);
    CHECK(n->reason_code == REASON_INTERNAL);
    report_free(n);

    n = report_new("c.txt");
    CHECK(n != NULL);
    if (!n)
        return;
    buf_init(&j, 1 << 16);
    CHECK(report_to_json(n, &j) == MG_OK && buf_putc(&j, 0) == MG_OK);
    CHECK(strstr((const char *)j.data, "reason_code") == NULL);
    buf_free(&j);
    report_free(n);
}

/* A worker's record as it would arrive: written by job_san_rec_write into
 * a memfd and read back whole. */
static size_t san_record(enum reason code, uint8_t *rec, size_t cap)
{
    struct job_san_rec r;
    memset(&r, 0, sizeof(r));
    r.verdict = VERDICT_BLOCKED;
    r.reason_code = code;
    snprintf(r.reason, sizeof(r.reason), "why");
    int fd = memfd_create("t-reason", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = -1;
    if (job_san_rec_write(fd, &r) == MG_OK)
        n = pread(fd, rec, cap, 0);
    close(fd);
    return n > 0 ? (size_t)n : 0;
}

/* Replace the first occurrence of from by to (same length) in rec. */
static bool patch(uint8_t *rec, size_t n, const char *from, const char *to)
{
    size_t l = strlen(from);
    for (size_t i = 0; i + l <= n; i++)
        if (memcmp(rec + i, from, l) == 0) {
            memcpy(rec + i, to, l);
            return true;
        }
    return false;
}

/* The parent takes a worker's code only when the table has it. */
static void test_wire(void)
{
    uint8_t rec[4096];
    struct job_san_rec got;
    size_t n = san_record(REASON_PATH_TRAVERSAL, rec, sizeof(rec));
    CHECK(n > 0);
    CHECK(job_san_rec_parse(rec, n, &got) == MG_OK && got.reason_code == REASON_PATH_TRAVERSAL);
    /* On the wire it is the public code, not the enum's number. */
    CHECK(patch(rec, n, "path-traversal", "path-traversal"));
    /* A code of the same length that the table does not have. */
    CHECK(patch(rec, n, "path-traversal", "path-traverseX"));
    CHECK(job_san_rec_parse(rec, n, &got) != MG_OK);
    CHECK(got.reason_code == REASON_NONE);

    n = san_record(REASON_LIMIT, rec, sizeof(rec));
    CHECK(n > 0 && patch(rec, n, "limit", "LIMIT"));
    CHECK(job_san_rec_parse(rec, n, &got) != MG_OK);
    n = san_record(REASON_LIMIT, rec, sizeof(rec));
    CHECK(n > 0 && patch(rec, n, "limit", "usage")); /* an err.h word, not a reason */
    CHECK(job_san_rec_parse(rec, n, &got) != MG_OK);

    /* No code (not blocked) is allowed and reads as REASON_NONE. */
    n = san_record(REASON_NONE, rec, sizeof(rec));
    CHECK(n > 0 && job_san_rec_parse(rec, n, &got) == MG_OK && got.reason_code == REASON_NONE);

    /* The generic reader: every code round-trips, a bad one sets the error. */
    for (int i = REASON_NONE; i < REASON_COUNT; i++) {
        struct buf b;
        struct wire_w w;
        struct wire_r rd;
        buf_init(&b, 256);
        wire_w_init(&w, &b);
        wire_put_reason(&w, (enum reason)i);
        wire_r_init(&rd, b.data, b.len);
        CHECK(wire_get_reason(&rd) == (enum reason)i && wire_end(&rd) == MG_OK);
        buf_free(&b);
    }
    struct buf b;
    struct wire_w w;
    struct wire_r rd;
    buf_init(&b, 256);
    wire_w_init(&w, &b);
    wire_put_str(&w, "no-such-reason");
    wire_r_init(&rd, b.data, b.len);
    CHECK(wire_get_reason(&rd) == REASON_NONE && wire_end(&rd) != MG_OK);
    buf_free(&b);
}

static int report_ok(const char *json)
{
    return jsoncheck_report((const uint8_t *)json, strlen(json), 16);
}

/* The worker's report tree: its reason codes and action words must be the
 * table's too, however they are spelt in JSON. */
static void test_report_json(void)
{
    struct report_node *n = report_new("a.zip");
    struct report_node *c = report_new("b.exe");
    CHECK(n && c);
    if (!n || !c) {
        report_free(n);
        report_free(c);
        return;
    }
    report_block(c, REASON_EXECUTABLE, "a program");
    report_add_child(n, c);
    report_action(n, ACTION_ADDED, "notice", "removed members are listed");
    struct buf j;
    buf_init(&j, 1 << 16);
    CHECK(report_to_json(n, &j) == MG_OK);
    CHECK(jsoncheck_report(j.data, j.len, 16));
    buf_free(&j);
    report_free(n);

    CHECK(report_ok("{\"reason_code\":\"limit\",\"actions\":[{\"action\":\"removed\"}]}"));
    CHECK(report_ok("{\"reason_code\":null}"));
    CHECK(report_ok("{\"reason\":\"anything at all\",\"why\":\"reason_code\"}"));
    CHECK(!report_ok("{\"reason_code\":\"pwned\"}"));
    CHECK(!report_ok("{\"children\":[{\"reason_code\":\"Limit\"}]}"));
    CHECK(!report_ok("{\"reason_code\":\"\"}"));
    CHECK(!report_ok("{\"reason_code\":3}"));
    CHECK(!report_ok("{\"reason_code\":\"limit\\u0000x\"}"));
    CHECK(!report_ok("{\"reason\\u005fcode\":\"pwned\"}")); /* escaped key */
    CHECK(report_ok("{\"reason\\u005fcode\":\"\\u006cimit\"}"));
    CHECK(!report_ok("{\"actions\":[{\"action\":\"deleted\"}]}"));
    CHECK(!report_ok("{\"action\":null}"));
    /* Plain validity still applies. */
    CHECK(!report_ok("{\"reason_code\":\"limit\""));
    const char *bad = "{\"reason_code\":\"pwned\"}";
    CHECK(jsoncheck_valid((const uint8_t *)bad, strlen(bad), 16));
}

/* The table as the C code sees it, for the README test to compare with
 * what scripts/gen-reasons.py reads from reasons.def. */
static int list_table(void)
{
    for (int i = REASON_NONE + 1; i < REASON_COUNT; i++)
        printf("reason\t%s\t%s\n", reason_code((enum reason)i),
               reason_class_name(reason_class((enum reason)i)));
    for (int i = 0; i < ACTION_COUNT; i++)
        printf("action\t%s\n", action_word((enum report_act)i));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0)
        return list_table();
    test_codes();
    test_refused();
    test_err();
    test_actions();
    test_report();
    test_wire();
    test_report_json();
    return t_done();
}
