/*
 * bench_audit - lines per second the audit writer sustains: fsync per line
 * (audit_fsync = line) against one fsync per batch (batch), with a signed
 * head after each sync as the writer does.
 *
 *   bench_audit DIR [LINES] [BATCH]
 */
#include "audit.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double run(const char *dir, const char *name, int lines, int batch)
{
    char log[1024], key[1024], err[512];
    struct audit_writer w;
    snprintf(log, sizeof(log), "%s/%s.log", dir, name);
    snprintf(key, sizeof(key), "%s/%s.key", dir, name);
    if (audit_open(&w, log, key, "bench", err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    /* A job line of the usual size (~600 bytes). */
    const char *fields =
            ",\"uid\":1000,\"pid\":4242,\"name\":\"report-2026.docx\",\"type\":\"docx\","
            "\"verdict\":\"sanitized\",\"sha256_in\":"
            "\"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\","
            "\"size_in\":118233,\"out_type\":\"docx\",\"sha256_out\":"
            "\"9f2981a7cc4d40a2a409dc895de64253acd819d7c0011c8e80b86fe899464e31\","
            "\"size_out\":101877,\"policy_sha256\":"
            "\"bd85e13220d747901dba03da75a96698ed6d7749f560eae93ec93b708316d52d\","
            "\"db_version\":\"daily 27000 main 62\"";
    double t0 = now();
    for (int i = 0; i < lines; i++) {
        if (audit_append(&w, "job", fields) != MG_OK)
            exit(1);
        if ((i + 1) % batch == 0 && audit_sync(&w) != MG_OK)
            exit(1);
    }
    audit_sync(&w);
    double took = now() - t0;
    audit_close(&w);
    return lines / took;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_audit DIR [LINES] [BATCH]\n");
        return 2;
    }
    int lines = argc > 2 ? atoi(argv[2]) : 2000;
    int batch = argc > 3 ? atoi(argv[3]) : 64;
    printf("audit writer, %d job lines of ~600 bytes, in %s\n", lines, argv[1]);
    printf("  fsync per line:        %8.0f lines/s\n", run(argv[1], "line", lines, 1));
    printf("  fsync per %3d lines:   %8.0f lines/s\n", batch, run(argv[1], "batch", lines, batch));
    return 0;
}
