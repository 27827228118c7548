/*
 * sandbox - run one job in a forked, confined worker process.
 *
 * The caller (a process that has already loaded libmagic, the policy and
 * the ClamAV engine) forks a worker per job. In the worker, before the job
 * function runs: every descriptor but in_fd, out_fd, the result pipe and
 * stderr is closed; rlimits are set (CPU, FSIZE, NOFILE, NPROC 0, CORE 0,
 * address space); PR_SET_NO_NEW_PRIVS and PR_SET_PDEATHSIG(SIGKILL); then a
 * seccomp filter with default action "kill process" is loaded.
 *
 * Two profiles:
 *   SANDBOX_STRICT   no path is opened at all: read/write on the given
 *                    descriptors, memory management, exit. For parsers.
 *   SANDBOX_SCRATCH  additionally file operations relative to a per-job
 *                    scratch directory (the worker chdirs there; Landlock
 *                    confines it when the kernel has Landlock). For
 *                    libclamav, which writes temp files while unpacking.
 * Neither allows socket(), execve(), fork/clone, ptrace or any network call.
 *
 * The parent enforces a wall-clock deadline (SIGKILL), reads at most
 * result_max bytes from the result pipe, and reports how the worker ended.
 * It treats everything the worker sent as hostile.
 */
#ifndef MUGAI_SANDBOX_H
#define MUGAI_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

struct sandbox_limits {
    uint32_t cpu_seconds;      /* RLIMIT_CPU */
    uint32_t deadline_seconds; /* wall clock, enforced by the parent */
    uint64_t memory_bytes;     /* RLIMIT_AS (not set in ASan builds) */
    uint64_t output_bytes;     /* RLIMIT_FSIZE */
    size_t result_max;         /* cap on bytes read from the result pipe */
};

enum sandbox_profile {
    SANDBOX_STRICT,
    SANDBOX_SCRATCH,
};

/*
 * The job, run in the worker after confinement. Reads in_fd, writes its
 * output to out_fd (either may be -1) and its result record to res_fd.
 * Its return value becomes the worker's exit status.
 */
typedef int (*sandbox_job_fn)(void *arg, int in_fd, int out_fd, int res_fd);

struct sandbox_outcome {
    int ok;            /* 1: exited 0 and the result fits; 0: see why */
    char why[192];     /* e.g. "killed by the sandbox: forbidden system call" */
    int exit_code;     /* when it exited */
    int term_signal;   /* when a signal ended it */
    int timed_out;     /* the parent killed it at the deadline */
    uint8_t *result;   /* bytes read from the result pipe (caller frees) */
    size_t result_len;
    int result_truncated; /* it sent more than result_max */
};

/*
 * Run fn in a worker. scratch_dir is required for SANDBOX_SCRATCH and
 * ignored otherwise. Returns MG_OK when the worker ran (look at oc->ok) or
 * an error if it could not be started.
 */
int sandbox_run(const struct sandbox_limits *lim, enum sandbox_profile profile,
                const char *scratch_dir, sandbox_job_fn fn, void *arg, int in_fd, int out_fd,
                struct sandbox_outcome *oc);

void sandbox_outcome_free(struct sandbox_outcome *oc);

/* Whether this kernel supports Landlock (used by SANDBOX_SCRATCH). */
int sandbox_have_landlock(void);

#endif
