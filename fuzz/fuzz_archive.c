/*
 * fuzz_archive - the archive sanitizer through dispatch_file(), the way the
 * worker calls it: identification, arcsan, dispatch for every member,
 * verification of the output.
 *
 * Inputs that identification does not call an archive are skipped, so the
 * time goes into the archive readers and arcsan. A released zip that our
 * own verifier rejects, a released output with a blocked verdict, or a
 * blocked one without a reason is a bug, so it aborts; everything else
 * must simply not crash or leak.
 *
 * Limits are small (depth 3, 100 members, 8 MiB expanded) so that a
 * mutated bomb cannot make one execution take seconds. When the last input
 * byte is odd, the password "mugai" is offered, so the decryption paths
 * are fuzzed too.
 */
#include "arcsan.h"
#include "fuzz_member.h"
#include "ident.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct policy fuzz_pol;

int fuzz_init(void)
{
    fuzz_container_policy(&fuzz_pol);
    fuzz_pol.max_input_size = 8u << 20;
    fuzz_pol.max_members = 100;
    fuzz_pol.max_expanded = 8u << 20;
    fuzz_pol.worker_memory = 512ull << 20;
    static const enum ftype allow[] = {FT_TEXT, FT_CSV, FT_PNG,  FT_JPEG,  FT_GIF, FT_ZIP,
                                       FT_7Z,   FT_TAR, FT_GZIP, FT_BZIP2, FT_XZ,  FT_ZSTD,
                                       FT_LZH,  FT_RAR, FT_CAB,  FT_CPIO};
    for (size_t i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
        fuzz_pol.action[allow[i]] = POL_SANITIZE;
    arcsan_init();
    return ident_init() == MG_OK ? 0 : -1;
}

int fuzz_one(const uint8_t *data, size_t len)
{
    static const char *const passwords[] = {"mugai"};
    struct ident id;
    if (ident_buffer(data, len, "fuzz", &id) != MG_OK || ftype_info(id.type)->cls != FTC_ARCHIVE)
        return 0;
    struct san_ctx ctx = {.pol = &fuzz_pol,
                          .passwords = passwords,
                          .n_passwords = len > 0 && (data[len - 1] & 1) ? 1 : 0};
    struct report_node *node = report_new("fuzz");
    if (!node)
        return 0;
    struct buf out;
    buf_init(&out, fuzz_pol.max_output_size);
    enum ftype out_type = FT_UNKNOWN;
    int rc = dispatch_file(&ctx, "fuzz", data, len, &out, node, &out_type);
    if (rc == MG_OK) {
        if (node->verdict == VERDICT_BLOCKED)
            abort();
        if (out_type == FT_ZIP && arcsan_verify(&ctx, out.data, out.len) != MG_OK)
            abort();
    } else if (node->verdict != VERDICT_BLOCKED || node->reason_code == REASON_NONE) {
        abort();
    }
    if (ctx.depth != 0)
        abort();
    buf_free(&out);
    report_free(node);
    return 0;
}
