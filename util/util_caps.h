/*
 * util_caps - the fixed caps of the generic helpers, in one place. Each is a
 * bound a hostile input can reach but not pass (the caller gets
 * MG_ERR_LIMIT). The engine's and the gateway's caps are in engine/caps.h.
 */
#ifndef MUGAI_UTIL_CAPS_H
#define MUGAI_UTIL_CAPS_H

/* Containers open at once in one JSON writer (json.h): room for a report
 * tree of 100 nested containers (two levels each) and what wraps it. */
#define JSON_DEPTH_MAX 256u

/* A SHA-256 in hex, with its NUL. */
#define SHA256_HEX_MAX 65

#endif
