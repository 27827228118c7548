/*
 * libfuzzer - the libFuzzer entry points for the same harnesses (built
 * with -DMUGAI_LIBFUZZER=ON and clang in place of driver.c): the
 * harness's fuzz_init() once, fuzz_one() per input. Keeps every harness
 * usable by libFuzzer-based services (e.g. OSS-Fuzz) as well as AFL++.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int fuzz_init(void);
int fuzz_one(const uint8_t *data, size_t len);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (fuzz_init() != 0) {
        fprintf(stderr, "fuzz_init failed\n");
        exit(2);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_one(data, size);
    return 0;
}
