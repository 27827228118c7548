/*
 * t - the smallest test harness that does the job: CHECK() records a
 * failure with file and line and goes on; t_done() prints the summary line
 * ctest shows and returns the exit status. The counters live in t_util.c,
 * linked into every unit test, so checks made by shared helpers count.
 */
#ifndef MUGAI_T_H
#define MUGAI_T_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

extern int t_failed, t_passed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            t_passed++;                                                                            \
        } else {                                                                                   \
            t_failed++;                                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long t_a_ = (long long)(a), t_b_ = (long long)(b);                                    \
        if (t_a_ == t_b_) {                                                                        \
            t_passed++;                                                                            \
        } else {                                                                                   \
            t_failed++;                                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__,  \
                    #a, #b, t_a_, t_b_);                                                           \
        }                                                                                          \
    } while (0)

/* A whole file in memory, NUL-terminated one byte past *len; NULL (and a
 * message) when it cannot be read. */
static inline uint8_t *t_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p = NULL;
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
        p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    if (f)
        fclose(f);
    if (!p) {
        fprintf(stderr, "cannot read %s\n", path);
        return NULL;
    }
    p[n] = 0;
    *len = (size_t)n;
    return p;
}

/* $MUGAI_CORPUS/DIR/NAME (DIR may be ""), read as t_read_file does. */
static inline uint8_t *t_corpus_file(const char *dir, const char *name, size_t *len)
{
    const char *corpus = getenv("MUGAI_CORPUS");
    char path[4096];
    snprintf(path, sizeof(path), "%s%s%s/%s", corpus ? corpus : "corpus", *dir ? "/" : "", dir,
             name);
    return t_read_file(path, len);
}

static inline int t_done(void)
{
    printf("%d passed, %d failed\n", t_passed, t_failed);
    return t_failed ? 1 : 0;
}

#endif
