/*
 * satmath - saturating arithmetic for limits: "ratio times size" must not
 * wrap to a small number and let a bomb through.
 */
#ifndef MUGAI_SATMATH_H
#define MUGAI_SATMATH_H

#include <stdint.h>

static inline uint64_t sat_mul_u64(uint64_t a, uint64_t b)
{
    if (a != 0 && b > UINT64_MAX / a)
        return UINT64_MAX;
    return a * b;
}

static inline uint64_t sat_add_u64(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

#endif
