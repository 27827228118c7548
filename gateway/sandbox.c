/* sandbox - placeholder until the sandbox lands; runs nothing. */
#include "sandbox.h"
#include "err.h"

#include <string.h>

int sandbox_run(const struct sandbox_limits *lim, enum sandbox_profile profile,
                const char *scratch_dir, sandbox_job_fn fn, void *arg, int in_fd, int out_fd,
                struct sandbox_outcome *oc)
{
    (void)lim, (void)profile, (void)scratch_dir, (void)fn, (void)arg, (void)in_fd, (void)out_fd;
    memset(oc, 0, sizeof(*oc));
    return MG_ERR_INTERNAL;
}

void sandbox_outcome_free(struct sandbox_outcome *oc)
{
    (void)oc;
}

int sandbox_have_landlock(void)
{
    return 0;
}
