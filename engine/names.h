/*
 * names - file-name checks that apply whatever the content is, and the one
 * rule for the name a released file gets.
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

#include "ftype.h"
#include "reason.h"

#include <stddef.h>

/*
 * MG_OK if the name may be released; MG_ERR_BLOCKED with a one-line English
 * reason in why (and the reason, REASON_BIDI_CONTROL, REASON_DANGEROUS_EXTENSION,
 * REASON_TRAILING_DOT_OR_SPACE or REASON_BAD_NAME, in *code when code is not
 * NULL) otherwise.
 */
int names_check(const char *name, enum reason *code, char *why, size_t whylen);

/* The base name (after the last '/' or '\\') of a path, pointing into path. */
const char *names_basename(const char *path);

/*
 * The name a released file gets, for the CLI, archives and mail alike, into
 * dst (always NUL-terminated; "" only when cap cannot hold a name at all):
 *   1. the base name of in_name;
 *   2. without compressor suffixes (.gz .bz2 .xz .zst) when out is not that
 *      compressor: "note.txt.gz" came out as a text file;
 *   3. kept when its last extension is one out may keep (ftype's
 *      release_exts): "photo.JPG" that is a JPEG stays "photo.JPG";
 *   4. with the extension replaced by out's canonical one when it claims a
 *      type Mugai knows (ftype_by_ext): a PNG named "photo.jpg" becomes
 *      "photo.png", "report.docm" rebuilt as docx becomes "report.docx";
 *   5. otherwise with out's canonical extension appended: "meeting.rdp"
 *      that is text becomes "meeting.rdp.txt", "README" becomes
 *      "README.txt".
 * The result is at most 255 bytes; a longer one loses bytes at the end of
 * the stem, never inside a UTF-8 sequence and never from the extension.
 * An executable or unknown out (never released) gets ".bin".
 */
void names_release_name(const char *in_name, enum ftype out, char *dst, size_t cap);

#endif
