/*
 * policy - what Mugai does with each file type, and the limits it works in.
 *
 * The policy file is a small INI-like text format (see policy/default.conf
 * for the documented defaults):
 *
 *     # comment
 *     [limits]
 *     max_input_size = 100M
 *     [actions]
 *     jpeg = sanitize
 *     [options]
 *     jpeg_keep_icc = yes
 *
 * The policy is an allowlist. A file is read over the built-in defaults,
 * in which every type is blocked except text, csv, jpeg, png, gif and eml
 * (sanitize); so a type that has no line in [actions] is blocked unless it
 * is one of those six. Executable types (ftype class FTC_EXECUTABLE) and
 * unidentified data are blocked whatever the policy says; the loader refuses
 * a line that tries to release them so that an administrator is not misled.
 *
 * A bad file is refused as a whole with "FILE:LINE: reason"; a half-read
 * policy is never used.
 */
#ifndef MUGAI_POLICY_H
#define MUGAI_POLICY_H

#include "ftype.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/* A policy file larger than this is refused unread. */
#define POLICY_MAX_TEXT (1024u * 1024u)
/* Longest line, in bytes, not counting the line end. */
#define POLICY_MAX_LINE 4096u
/* Longest string value (mail_subject_tag), in bytes of UTF-8. */
#define POLICY_MAX_STRING 64u

enum pol_action {
    POL_BLOCK = 0,
    POL_SANITIZE,
    POL_FLATTEN,
};

struct policy {
    /* [limits] */
    uint64_t max_input_size; /* bytes; larger inputs are blocked unread */
    uint32_t max_depth;      /* container nesting; the top-level file is depth 0 */
    uint64_t max_members;    /* members over the whole job */
    uint64_t max_expanded;   /* bytes produced by decompression over the whole job */
    uint32_t max_ratio;      /* per member: expanded size / compressed size */
    uint32_t worker_cpu_seconds;
    uint32_t worker_deadline_seconds; /* wall clock */
    uint64_t worker_memory;           /* bytes of address space */
    uint64_t max_output_size;         /* bytes a worker may write */
    uint64_t max_pixels;              /* width * height of any image */
    uint32_t max_dimension;           /* width or height of any image */
    uint32_t jpeg_max_scans;          /* progressive JPEG scans */
    uint32_t gif_max_frames;
    uint32_t db_max_age_days;          /* warn when the newest ClamAV database is older */
    uint64_t mail_max_size;            /* bytes; larger messages are refused, never truncated */
    uint32_t mail_retention_days;      /* days the original of every message is kept */
    uint32_t mail_ppap_window_minutes; /* a password mail unlocks what came this recently */

    /* [options] */
    bool jpeg_keep_icc; /* keep the ICC colour profile (APP2) */
    bool png_keep_icc;  /* keep iCCP */
    bool csv_neutralize_formulas;
    bool scan_input;           /* virus-scan the input, not only the output */
    bool block_infected_input; /* an infected input is never released, even sanitized */
    bool keep_hyperlinks;      /* keep http/https/mailto links in documents; no drops every link */
    bool mail_defang_urls;     /* write URLs in mail bodies as hxxp:// so they are not clickable */
    bool mail_hold_encrypted;  /* hold a whole encrypted message; no: drop the encrypted part */
    /* Append the text of each released document attachment (the types
     * that can be flattened) to the message's text body. */
    bool mail_attachment_text;
    /* PPAP: a message whose text holds password candidates unlocks the
     * encrypted attachments the same sender sent the same recipients in
     * the window before (mugaid only); their sanitized content is
     * delivered, never the raw file. */
    bool mail_ppap_auto;
    /* Run the virus-scan worker even where its file access cannot be
     * confined (no Landlock, no mount namespace); no: refuse to run. */
    bool allow_unconfined_scan;
    /* Prepended to the Subject of every sanitized message; "" for none.
     * UTF-8 without control characters, at most POLICY_MAX_STRING bytes. */
    char mail_subject_tag[POLICY_MAX_STRING + 1];

    /* [actions], indexed by enum ftype */
    enum pol_action action[FT_COUNT];
};

/* The built-in defaults (identical to policy/default.conf). */
void policy_defaults(struct policy *pol);

/*
 * Parse policy text over the defaults. On error returns MG_ERR_USAGE and
 * writes "FNAME:LINE: reason" into err (or "FNAME: reason" for the whole
 * text, e.g. too large); pol is then left at the defaults. fname may be
 * NULL; err may be NULL when errlen is 0.
 */
int policy_parse(struct policy *pol, const char *text, size_t len, const char *fname, char *err,
                 size_t errlen);

/*
 * Read and parse a policy file: a regular file of at most POLICY_MAX_TEXT
 * bytes. Errors as for policy_parse(), and "PATH: cannot read: REASON" when
 * the file cannot be opened or read; pol is then left at the defaults.
 */
int policy_load_file(struct policy *pol, const char *path, char *err, size_t errlen);

/*
 * The action for a type. Executables and FT_UNKNOWN are always POL_BLOCK,
 * and so is anything a hand-filled struct gets wrong (a value outside the
 * enum, or POL_FLATTEN for a type that cannot be flattened).
 */
enum pol_action policy_action(const struct policy *pol, enum ftype t);

const char *policy_action_name(enum pol_action a);

/* Whether Mugai has a flattening (conversion to text) for the type. */
bool policy_can_flatten(enum ftype t);

/*
 * Append the policy to out as canonical policy text: every key, every type
 * with its action. For a policy that policy_parse() accepted (or the
 * defaults), policy_parse() of the result gives the same policy. For
 * `mugai policy show`. Returns MG_OK or the buf error (MG_ERR_LIMIT when
 * out's cap is too small).
 */
int policy_to_text(const struct policy *pol, struct buf *out);

#endif
