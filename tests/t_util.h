/*
 * t_util - what the unit tests share beyond t.h's CHECK: corpus files that
 * must be there, byte search, a sanitizer run on a sample with its report,
 * and the checks on a report (an action, a block with its reason code).
 * Linked into every unit test (tests/CMakeLists.txt, mugai_testutil).
 */
#ifndef MUGAI_T_UTIL_H
#define MUGAI_T_UTIL_H

#include "buf.h"
#include "policy.h"
#include "report.h"
#include "san.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* $MUGAI_CORPUS/DIR/NAME (t_corpus_file), or the test stops (exit 2). */
uint8_t *t_load(const char *dir, const char *name, size_t *len);

/* Whether s occurs in p[0..n) (false for p NULL). */
bool t_has(const void *p, size_t n, const char *s);

/* Whether node has an action with this word (action_word) whose text holds what_part. */
bool t_has_action(const struct report_node *n, const char *action, const char *what_part);

/* Whether node's reason code is code (reason_code), verdict aside. */
bool t_code(const struct report_node *n, const char *code);

/* Limits a test runs under; those not given stay 0. */
struct t_limits {
    uint64_t input, expanded, output, pixels;
    uint32_t depth, members, ratio, dimension, scans, frames;
};

/* p zeroed, then l's limits, and each of the n types sanitized. */
void t_policy_limits(struct policy *p, const struct t_limits *l, const enum ftype *types, size_t n);

/* The limits the image tests (GIF, PNG) run under. */
void t_image_policy(struct policy *p);

/* A sanitizer's run on one corpus sample: the input, the output, the report. */
struct t_run {
    int rc;
    uint8_t *in;
    size_t inlen;
    struct buf out;
    struct report_node *node;
};

/* fn on $MUGAI_CORPUS/DIR/NAME under pol, the output bounded by outmax
 * (rc MG_ERR_IO when the sample cannot be read). */
void t_run_sample(struct t_run *r, san_fn fn, const struct policy *pol, const char *dir,
                  const char *name, size_t outmax);
void t_run_free(struct t_run *r);

/* CHECKs that a run was blocked with want_rc and reason code want_code. */
void t_check_blocked(const struct t_run *r, int want_rc, const char *want_code);

/* A list of blocked samples: each run under one policy must be blocked with rc and code. */
struct t_blocked {
    const char *name;
    int rc;
    const char *code;
};

/* t_check_blocked on each of n samples of DIR run through fn under pol. */
void t_check_blocked_all(san_fn fn, const struct policy *pol, const char *dir,
                         const struct t_blocked *cases, size_t n);

/* CHECKs that verify refuses each sample of bad (NULL-terminated) in DIR,
 * accepts good, and refuses good with one byte more after its end. */
void t_check_verify(san_verify_fn verify, const struct policy *pol, const char *dir,
                    const char *const *bad, const char *good);

/* CHECKs each text encoding's name (textenc_name), as reports and notices spell it. */
void t_check_textenc_names(void);

#endif
