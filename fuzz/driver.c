/*
 * driver - main() shared by every harness in fuzz/.
 *
 * A harness defines fuzz_init() (once, e.g. load libmagic) and fuzz_one().
 * Built with afl-clang-fast the driver runs AFL++'s persistent loop on
 * stdin; built normally it runs each file named on the command line (or
 * every file in a named directory), which is how ctest replays the seeds
 * and any crash AFL++ found.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fuzz_init(void);
int fuzz_one(const uint8_t *data, size_t len);

#define FUZZ_MAX_INPUT (8u << 20)

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
    fuzz_one(data, len);
    free(data);
    return 0;
}

static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path);
    DIR *d = opendir(path);
    if (!d)
        return 1;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
        struct stat es;
        if (stat(p, &es) == 0 && S_ISREG(es.st_mode))
            rc |= run_file(p);
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
        __AFL_INIT();
        unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
        while (__AFL_LOOP(10000)) {
            size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
            fuzz_one(buf, len);
        }
        return 0;
    }
#endif
    int rc = 0;
    int n = 0;
    for (int i = 1; i < argc; i++, n++)
        rc |= run_path(argv[i]);
    printf("%d inputs replayed\n", n);
    return rc;
}
