/*
 * bytes - little-endian field readers for the binary formats we walk
 * ourselves (zip headers, OLE2, disk-image signatures). Callers bound-check
 * before reading: these only assemble the bytes.
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

#endif
