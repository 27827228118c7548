/*
 * fuzz_policy - policy_parse() on arbitrary bytes.
 *
 * Besides memory errors (ASan) it checks the promises of the loader and
 * abort()s when one is broken: a parsed policy never releases executables
 * or unidentified data, never flattens a type that has no flattening, keeps
 * every limit inside its documented range, and survives a round trip
 * through policy_to_text(); a refused one leaves the defaults and a
 * "fuzz:LINE: reason" message. The ranges and the flatten list are written
 * out here again so the harness does not trust the table it is checking.
 */
#include "buf.h"
#include "err.h"
#include "ftype.h"
#include "policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KIB_ ((uint64_t)1024)
#define MIB_ (KIB_ * 1024)
#define GIB_ (MIB_ * 1024)

static struct policy defaults;

int fuzz_init(void)
{
    policy_defaults(&defaults);
    return 0;
}

static void require(bool cond)
{
    if (!cond)
        abort();
}

static bool in_range(uint64_t v, uint64_t lo, uint64_t hi)
{
    return v >= lo && v <= hi;
}

static bool flattenable(enum ftype t)
{
    static const char *const names[] = {"text", "csv", "pdf"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(ftype_info(t)->name, names[i]) == 0)
            return true;
    return false;
}

static bool is_bool(const bool *b)
{
    unsigned char c;
    memcpy(&c, b, 1);
    return c == 0 || c == 1;
}

static bool same(const struct policy *a, const struct policy *b)
{
    if (a->max_input_size != b->max_input_size || a->max_depth != b->max_depth ||
        a->max_members != b->max_members || a->max_expanded != b->max_expanded ||
        a->max_ratio != b->max_ratio || a->worker_cpu_seconds != b->worker_cpu_seconds ||
        a->worker_deadline_seconds != b->worker_deadline_seconds ||
        a->worker_memory != b->worker_memory || a->max_output_size != b->max_output_size ||
        a->max_pixels != b->max_pixels || a->max_dimension != b->max_dimension ||
        a->jpeg_max_scans != b->jpeg_max_scans || a->gif_max_frames != b->gif_max_frames ||
        a->db_max_age_days != b->db_max_age_days || a->jpeg_keep_icc != b->jpeg_keep_icc ||
        a->png_keep_icc != b->png_keep_icc ||
        a->csv_neutralize_formulas != b->csv_neutralize_formulas ||
        a->scan_input != b->scan_input || a->block_infected_input != b->block_infected_input)
        return false;
    for (int i = 0; i < FT_COUNT; i++)
        if (a->action[i] != b->action[i])
            return false;
    return true;
}

static void check_valid(const struct policy *p)
{
    require(in_range(p->max_input_size, 1, 16 * GIB_));
    require(in_range(p->max_depth, 0, 100));
    require(in_range(p->max_members, 1, 10000000));
    require(in_range(p->max_expanded, 1, 64 * GIB_));
    require(in_range(p->max_ratio, 1, 100000));
    require(in_range(p->worker_cpu_seconds, 1, 86400));
    require(in_range(p->worker_deadline_seconds, 1, 86400));
    require(in_range(p->worker_memory, 16 * MIB_, 64 * GIB_));
    require(in_range(p->max_output_size, 1, 16 * GIB_));
    require(in_range(p->max_pixels, 1, 1000000000));
    require(in_range(p->max_dimension, 1, 1000000));
    require(in_range(p->jpeg_max_scans, 1, 10000));
    require(in_range(p->gif_max_frames, 1, 100000));
    require(in_range(p->db_max_age_days, 1, 365));
    require(is_bool(&p->jpeg_keep_icc) && is_bool(&p->png_keep_icc) &&
            is_bool(&p->csv_neutralize_formulas) && is_bool(&p->scan_input) &&
            is_bool(&p->block_infected_input));
    for (int i = 0; i < FT_COUNT; i++) {
        enum ftype t = (enum ftype)i;
        enum pol_action a = p->action[i];
        require(a == POL_BLOCK || a == POL_SANITIZE || a == POL_FLATTEN);
        if (t == FT_UNKNOWN || ftype_is_executable(t))
            require(a == POL_BLOCK && policy_action(p, t) == POL_BLOCK);
        if (a == POL_FLATTEN)
            require(flattenable(t));
        require(policy_action(p, t) == a);
    }
}

int fuzz_one(const uint8_t *data, size_t len)
{
    struct policy pol, again;
    struct buf dump;
    char err[512];
    /* An exact-size copy, so that ASan sees a read past the end. */
    char *text = malloc(len ? len : 1);
    if (!text)
        return 0;
    if (len)
        memcpy(text, data, len);

    memset(err, 'Z', sizeof(err));
    memset(&pol, 0xa5, sizeof(pol));
    int rc = policy_parse(&pol, text, len, "fuzz", err, sizeof(err));
    require(memchr(err, 0, sizeof(err)) != NULL);
    if (rc != MG_OK) {
        require(rc == MG_ERR_USAGE);
        require(strncmp(err, "fuzz:", 5) == 0 && strlen(err) > 6);
        require(same(&pol, &defaults));
        free(text);
        return 0;
    }
    require(err[0] == 0);
    check_valid(&pol);

    buf_init(&dump, 1 << 16);
    require(policy_to_text(&pol, &dump) == MG_OK);
    rc = policy_parse(&again, (const char *)dump.data, dump.len, "dump", err, sizeof(err));
    require(rc == MG_OK && same(&pol, &again));
    buf_free(&dump);
    free(text);
    return 0;
}
