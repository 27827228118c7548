/*
 * fuzz_mail - mailsan_sanitize on arbitrary bytes, then mailsan_verify on
 * whatever it released. A released message that fails our own verification
 * is a bug, so it aborts; everything else must simply not crash or leak.
 *
 * Every input runs under the sanitize worker's seccomp filter
 * (sandbox_confine_self(SANDBOX_STRICT)), so a parser path that makes a
 * call the worker may not make (GMime opening /dev/urandom to make up a
 * boundary, iconv loading a module) is a crash here, as it is a killed
 * worker in production. The filter refuses signals, which AFL++'s
 * persistent mode needs between inputs, so this harness has its own
 * main() instead of driver.c: under AFL++ the fork server forks after
 * the set-up and each child confines itself and runs one input; replaying
 * files (ctest, crash triage), each file runs in a forked, confined child
 * and a child killed by a signal fails the run.
 *
 * Attachments go through the engine's member pipeline like in a job, not
 * the stub the other container harnesses use (fuzz_member.h): the point
 * here is that nothing a message reaches (the other sanitizers below the
 * mail parser, with small limits) makes a call the worker's filter refuses.
 * The last input byte toggles
 * mail_hold_encrypted and URL defanging so both paths get fuzzed.
 */
#include "fuzz_member.h"
#include "ident.h"
#include "mailsan.h"
#include "sandbox.h"

#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FUZZ_MAX_INPUT (8u << 20)

static struct policy fuzz_pol;

int fuzz_init(void)
{
    /* sandbox_init compiles the filters here, so that a child only loads one. */
    if (ident_init() != MG_OK || mailsan_global_init() != MG_OK || sandbox_init() != MG_OK)
        return -1;
    fuzz_container_policy(&fuzz_pol);
    fuzz_pol.worker_memory = 512ull << 20;
    fuzz_pol.jpeg_max_scans = 20;
    fuzz_pol.gif_max_frames = 20;
    fuzz_pol.mail_max_size = 4u << 20;
    fuzz_pol.csv_neutralize_formulas = true;
    fuzz_pol.action[FT_TEXT] = POL_SANITIZE;
    fuzz_pol.action[FT_CSV] = POL_SANITIZE;
    fuzz_pol.action[FT_JPEG] = POL_SANITIZE;
    fuzz_pol.action[FT_PNG] = POL_SANITIZE;
    fuzz_pol.action[FT_GIF] = POL_SANITIZE;
    fuzz_pol.action[FT_EML] = POL_SANITIZE;
    return 0;
}

int fuzz_one(const uint8_t *data, size_t len)
{
    struct policy pol = fuzz_pol;
    pol.mail_hold_encrypted = len > 0 && (data[len - 1] & 1);
    pol.mail_defang_urls = len > 0 && (data[len - 1] & 2);
    struct buf out;
    enum ftype ot;
    if (fuzz_container_run(mailsan_sanitize, &pol, NULL, "fuzz.eml", FT_EML, data, len, &out,
                           &ot) == MG_OK) {
        struct san_ctx vctx = {.pol = &pol};
        if (mailsan_verify(&vctx, out.data, out.len) != MG_OK)
            abort();
    }
    buf_free(&out);
    return 0;
}

#ifndef MUGAI_LIBFUZZER /* libfuzzer.c supplies the entry point */
/* One input in a forked child under the worker's filter; 0 when it ended normally. */
static int run_confined(const uint8_t *data, size_t len, const char *what)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        if (sandbox_confine_self(SANDBOX_STRICT) != MG_OK)
            _exit(3);
        fuzz_one(data, len);
        _exit(0);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return 1;
    if (WIFSIGNALED(st)) {
        fprintf(stderr, "%s: killed by signal %d%s\n", what, WTERMSIG(st),
                WTERMSIG(st) == SIGSYS ? " (a system call the worker may not make)" : "");
        return 1;
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    uint8_t *data = malloc(FUZZ_MAX_INPUT);
    if (!data) {
        fclose(f);
        return 1;
    }
    size_t len = fread(data, 1, FUZZ_MAX_INPUT, f);
    fclose(f);
    int rc = run_confined(data, len, path);
    free(data);
    return rc;
}

static int run_path(const char *path, int *n)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        (*n)++;
        return run_file(path);
    }
    DIR *d = opendir(path);
    if (!d)
        return 1;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char p[4096];
        struct stat es;
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
        if (stat(p, &es) == 0 && S_ISREG(es.st_mode)) {
            (*n)++;
            rc |= run_file(p);
        }
    }
    closedir(d);
    return rc;
}

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

int main(int argc, char **argv)
{
    if (fuzz_init() != 0) {
        fprintf(stderr, "fuzz_init failed\n");
        return 2;
    }
#ifdef __AFL_FUZZ_TESTCASE_LEN
    if (argc < 2) {
        /* Not persistent: the fork server forks here, once per input. */
        __AFL_INIT();
        unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
        size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
        if (sandbox_confine_self(SANDBOX_STRICT) != MG_OK)
            abort();
        fuzz_one(buf, len);
        _exit(0);
    }
#endif
    int rc = 0, n = 0;
    for (int i = 1; i < argc; i++)
        rc |= run_path(argv[i], &n);
    printf("%d inputs replayed under the worker's seccomp filter\n", n);
    return rc;
}
#endif
