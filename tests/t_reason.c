/*
 * t_reason - the reason table: every reason has its own code and both
 * texts, a code maps back to its reason, anything else is refused, and the
 * report JSON carries the table's words.
 */
#include "t.h"

#include "err.h"
#include "reason.h"
#include "report.h"

#include <string.h>

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

int main(void)
{
    test_codes();
    test_refused();
    test_err();
    test_actions();
    test_report();
    return t_done();
}
