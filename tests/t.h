/*
 * t - the smallest test harness that does the job: CHECK() records a
 * failure with file and line and goes on; t_done() prints the summary line
 * ctest shows and returns the exit status.
 */
#ifndef MUGAI_T_H
#define MUGAI_T_H

#include <stdio.h>
#include <stdlib.h>

static int t_failed, t_passed;

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

static inline int t_done(void)
{
    printf("%d passed, %d failed\n", t_passed, t_failed);
    return t_failed ? 1 : 0;
}

#endif
