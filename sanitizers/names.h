/*
 * names - file-name checks that apply whatever the content is.
 *
 * Blocks names that disguise what a file is: bidirectional controls
 * (U+202A..U+202E, U+2066..U+2069, U+200E, U+200F, U+061C), a final extension
 * that runs code on Windows (exe, scr, js, vbs, bat, cmd, ps1, hta, lnk, ...,
 * so "請求書.pdf.exe" is caught), trailing dots or spaces (Windows strips
 * them, so "a.exe." runs as "a.exe"), control characters, ':' (NTFS stream
 * syntax: "a.exe::$DATA" writes a.exe), names longer than 255 bytes, and
 * names that are not valid UTF-8.
 */
#ifndef MUGAI_NAMES_H
#define MUGAI_NAMES_H

#include <stddef.h>

/*
 * MG_OK if the name may be released; MG_ERR_BLOCKED with a one-line English
 * reason in why (and a stable code such as "bidi-control", "dangerous-extension",
 * "trailing-dot-or-space", "bad-name" in code) otherwise.
 */
int names_check(const char *name, char *code, size_t codelen, char *why, size_t whylen);

/* The base name (after the last '/' or '\\') of a path, pointing into path. */
const char *names_basename(const char *path);

#endif
