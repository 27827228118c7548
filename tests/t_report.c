/*
 * t_report - the report tree: JSON that Python's json module reads back
 * with every field, strings escaped, caps on strings and actions (with the
 * count of what was left out), the worst verdict of a tree, and
 * SHA-256 (FIPS 180-2 vectors).
 */
#include "err.h"
#include "report.h"
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Python reads the JSON and answers a question about it. */
static int python_says(const struct buf *json, const char *expr)
{
    char path[] = "/tmp/t_report.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, json->data, json->len) != (ssize_t)json->len)
        return 0;
    close(fd);
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import json,sys; r=json.load(open(\"%s\")); sys.exit(0 if (%s) else 1)'",
             path, expr);
    int rc = system(cmd);
    unlink(path);
    return rc == 0;
}

int main(void)
{
    char hex[65];
    report_sha256_hex((const uint8_t *)"abc", 3, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
    report_sha256_hex((const uint8_t *)"", 0, hex);
    CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);

    struct report_node *root = report_new("資料\"一式\".zip");
    struct report_node *a = report_new("a\tb\x01.docm"), *b = report_new("c.exe");
    CHECK(root && a && b);
    report_set_type(root, "zip");
    report_action(a, ACTION_REMOVED, "vbaProject.bin", "macros");
    a->verdict = VERDICT_SANITIZED;
    report_block(b, REASON_EXECUTABLE, "a program (%s)", "PE");
    report_add_child(root, a);
    report_add_child(root, b);
    CHECK_EQ_INT(report_worst(root), VERDICT_BLOCKED);
    struct buf j;
    buf_init(&j, 1 << 20);
    CHECK_EQ_INT(report_to_json(root, &j), MG_OK);
    CHECK(python_says(&j, "r[\"name\"] == \"資料\\\"一式\\\".zip\" and len(r[\"children\"]) == 2"));
    CHECK(python_says(&j, "r[\"children\"][0][\"name\"] == \"a\\tb\\x01.docm\""));
    CHECK(python_says(&j, "r[\"children\"][1][\"reason_code\"] == \"executable\" and "
                          "r[\"children\"][1][\"verdict\"] == \"blocked\""));
    CHECK(python_says(&j, "r[\"children\"][0][\"actions\"][0][\"action\"] == \"removed\""));
    report_free(root);

    /* Caps: a long string is cut; past REPORT_MAX_ACTIONS the report says how
     * many were not listed. */
    char longname[2000];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    struct report_node *n = report_new(longname);
    CHECK(n && strlen(n->name) <= REPORT_STR_MAX);
    for (int i = 0; i < REPORT_MAX_ACTIONS + 50; i++)
        report_actionf(n, ACTION_REMOVED, "why", "item %d", i);
    CHECK(n->n_actions <= REPORT_MAX_ACTIONS);
    CHECK(n->dropped_actions >= 50);
    buf_reset(&j);
    CHECK_EQ_INT(report_to_json(n, &j), MG_OK);
    CHECK(python_says(&j, "len(r[\"name\"]) <= 512 and len(r[\"actions\"]) <= 256 and "
                          "r[\"actions_not_listed\"] >= 50"));
    report_free(n);
    buf_free(&j);
    printf("t_report: %d passed, %d failed\n", t_passed, t_failed);
    return t_failed ? 1 : 0;
}
