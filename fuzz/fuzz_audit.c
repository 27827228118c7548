/*
 * fuzz_audit - the audit log's two readers of bytes it did not write:
 * audit_record_parse() and audit_append() on a record as a session sends
 * it (the writer must refuse what is not one JSON object, never write a
 * broken line), and audit_verify() on a log file as someone may have
 * edited it (must report, never crash). Properties (abort() on failure):
 *   - a record the writer accepts becomes a line that verifies with no
 *     problem, chained to the line before;
 *   - verify of arbitrary bytes returns MG_OK and counts problems.
 */
#include "audit.h"
#include "audit_send.h"
#include "err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/fuzz_audit.XXXXXX";
static char logp[64], other[64];

int fuzz_init(void)
{
    if (!mkdtemp(dir))
        return 1;
    snprintf(logp, sizeof(logp), "%s/log", dir);
    snprintf(other, sizeof(other), "%s/edited", dir);
    return 0;
}

static void record(const uint8_t *data, size_t len)
{
    char event[AUDIT_EVENT_MAX + 1], err[256];
    const char *fields;
    uint8_t *rec = malloc(len + 1);
    if (!rec)
        return;
    memcpy(rec, data, len);
    rec[len] = 0;
    if (audit_record_parse(rec, len, event, &fields) == MG_OK) {
        struct audit_writer w;
        unlink(logp);
        if (audit_open(&w, logp, NULL, "fuzz", err, sizeof(err)) != MG_OK)
            abort();
        if (audit_append(&w, "audit-start", "") != MG_OK)
            abort();
        int accepted = audit_append(&w, event, fields) == MG_OK;
        if (audit_sync(&w) != MG_OK)
            abort();
        audit_close(&w);
        struct buf out;
        unsigned problems = 0;
        const char *files[] = {logp};
        buf_init(&out, 1 << 20);
        if (audit_verify(files, 1, NULL, NULL, &out, &problems) != MG_OK)
            abort();
        if (problems) /* accepted or refused, what was written must verify */
            abort();
        (void)accepted;
        buf_free(&out);
    }
    free(rec);
}

static void logfile(const uint8_t *data, size_t len)
{
    FILE *f = fopen(other, "wb");
    if (!f)
        return;
    fwrite(data, 1, len, f);
    fclose(f);
    struct buf out;
    unsigned problems = 0;
    const char *files[] = {other};
    buf_init(&out, 1 << 20);
    if (audit_verify(files, 1, NULL, NULL, &out, &problems) != MG_OK)
        abort();
    buf_free(&out);
}

int fuzz_one(const uint8_t *data, size_t len)
{
    record(data, len);
    logfile(data, len);
    return 0;
}
