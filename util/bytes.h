/*
 * bytes - little-endian field readers and writers for the binary formats
 * we walk or write ourselves (zip headers, OLE2 and the Office records in
 * it, disk-image signatures, the client protocol's frames). Callers
 * bound-check first: these only assemble or split the bytes.
 */
#ifndef MUGAI_BYTES_H
#define MUGAI_BYTES_H

#include <stdint.h>

static inline uint16_t bytes_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t bytes_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t bytes_le64(const uint8_t *p)
{
    return (uint64_t)bytes_le32(p) | ((uint64_t)bytes_le32(p + 4) << 32);
}

static inline void bytes_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void bytes_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#endif
