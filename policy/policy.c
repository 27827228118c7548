/* policy - placeholder until the policy loader lands. */
#include "policy.h"
#include "err.h"

#include <string.h>

void policy_defaults(struct policy *pol)
{
    memset(pol, 0, sizeof(*pol));
}

int policy_parse(struct policy *pol, const char *text, size_t len, const char *fname, char *err,
                 size_t errlen)
{
    (void)pol, (void)text, (void)len, (void)fname, (void)err, (void)errlen;
    return MG_ERR_USAGE;
}

int policy_load_file(struct policy *pol, const char *path, char *err, size_t errlen)
{
    (void)pol, (void)path, (void)err, (void)errlen;
    return MG_ERR_USAGE;
}

enum pol_action policy_action(const struct policy *pol, enum ftype t)
{
    if (ftype_is_executable(t))
        return POL_BLOCK;
    return pol->action[t];
}

const char *policy_action_name(enum pol_action a)
{
    return a == POL_SANITIZE ? "sanitize" : a == POL_FLATTEN ? "flatten" : "block";
}
