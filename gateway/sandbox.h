/*
 * sandbox - run one job in a forked, confined worker process.
 *
 * The caller (a process that has already loaded libmagic, the policy and
 * the ClamAV engine) forks a worker per job. In the worker, before the job
 * function runs: every descriptor but in_fd, out_fd, the result pipe and
 * stderr is closed (0 and 1 become /dev/null so nothing lands on the
 * caller's terminal or in a temp file that happens to get fd 1); signal
 * handlers and the signal mask are reset; rlimits are set (CPU, FSIZE,
 * NOFILE, NPROC 0, CORE 0, MEMLOCK 0, address space); PR_SET_PDEATHSIG
 * (SIGKILL), PR_SET_DUMPABLE 0 and PR_SET_NO_NEW_PRIVS; then Landlock (when
 * the kernel has it) and a seccomp filter with default action "kill
 * process". The filters are compiled once per process (sandbox_init) and
 * only loaded in the worker.
 *
 * In the worker the job sees its descriptors at fixed numbers:
 * in_fd as 3, out_fd as 4, the result pipe as 5 (or -1 when not given).
 *
 * Two profiles:
 *   SANDBOX_STRICT   no path is opened at all: read on any descriptor,
 *                    write only on 2, out and result, memory management
 *                    without PROT_EXEC, exit. For parsers. Landlock, when
 *                    present, additionally denies every filesystem access.
 *   SANDBOX_SCRATCH  additionally file operations relative to a per-job
 *                    scratch directory (the worker chdirs there; Landlock
 *                    confines opens, creates and removals to beneath it).
 *                    For libclamav, which writes temp files while
 *                    unpacking. WITHOUT Landlock (kernel < 5.13 or Landlock
 *                    disabled) paths are NOT confined: the worker can open
 *                    what its uid can. Check sandbox_have_landlock().
 *                    Neither Landlock nor seccomp can hide file metadata:
 *                    stat() of any path works in SCRATCH.
 * Neither allows socket(), execve(), fork/clone, ptrace or any network call;
 * kill/tkill/tgkill fail with EPERM (so abort() ends in a crash, not in a
 * misleading "forbidden system call").
 *
 * The parent enforces a wall-clock deadline (SIGKILL), reads at most
 * result_max bytes from the result pipe (the rest is drained and dropped
 * until the worker exits or the deadline passes), and reports how the
 * worker ended. It treats everything the worker sent as hostile.
 *
 * in_fd and out_fd are shared with the worker, open file description and
 * all: pass in_fd read-only, read results back with pread() rather than
 * trusting the file offset, and prefer a memfd or regular file for out_fd
 * (RLIMIT_FSIZE does not cap writes to a pipe).
 *
 * The caller must not reap workers behind our back (no waitpid(-1) in a
 * SIGCHLD handler). sandbox_init() and the first sandbox_run() are not
 * thread-safe; call sandbox_init() at start-up in a threaded program.
 */
#ifndef MUGAI_SANDBOX_H
#define MUGAI_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

struct sandbox_limits {
    uint32_t cpu_seconds;      /* RLIMIT_CPU: SIGXCPU, SIGKILL one second later; > 0 */
    uint32_t deadline_seconds; /* wall clock, enforced by the parent; > 0 */
    uint64_t memory_bytes;     /* RLIMIT_AS, the whole address space including
                                  what the worker inherits; > 0 (not set in ASan
                                  builds, which reserve terabytes of shadow) */
    uint64_t output_bytes;     /* RLIMIT_FSIZE: largest file offset the worker may
                                  write to (out_fd, and temp files in SCRATCH) */
    size_t result_max;         /* cap on bytes read from the result pipe */
};

enum sandbox_profile {
    SANDBOX_STRICT,
    SANDBOX_SCRATCH,
};

/*
 * The job, run in the worker after confinement. Reads in_fd, writes its
 * output to out_fd (either may be -1) and its result record to res_fd.
 * Its return value becomes the worker's exit status: 0 means success;
 * values outside 0..125 are reported as 125. Status 126 is reserved for
 * "the confinement could not be set up" (SANDBOX_EXIT_SETUP).
 */
typedef int (*sandbox_job_fn)(void *arg, int in_fd, int out_fd, int res_fd);

#define SANDBOX_EXIT_SETUP 126

struct sandbox_outcome {
    int ok;          /* 1: exited 0 and the result fits; 0: see why */
    char why[192];   /* e.g. "killed by the sandbox: forbidden system call" */
    int exit_code;   /* when it exited */
    int term_signal; /* when a signal ended it */
    int timed_out;   /* the parent killed it at the deadline */
    uint8_t *result; /* bytes read from the result pipe (caller frees);
                        NUL-terminated one past result_len; NULL if none */
    size_t result_len;
    int result_truncated; /* it sent more than result_max */
};

/*
 * Compile the seccomp filters for both profiles once. Optional: the first
 * sandbox_run() does it; a daemon calls it at start-up so that a broken
 * filter shows before the first job and nothing is compiled per job.
 */
int sandbox_init(void);

/*
 * Run fn in a worker. scratch_dir is required for SANDBOX_SCRATCH and
 * ignored otherwise. Returns MG_OK when the worker ran (look at oc->ok) or
 * an error if it could not be started (MG_ERR_USAGE for bad arguments,
 * MG_ERR_SANDBOX when pipe/fork failed, MG_ERR_NOMEM). On error oc is
 * zeroed with why set and nothing to free.
 */
int sandbox_run(const struct sandbox_limits *lim, enum sandbox_profile profile,
                const char *scratch_dir, sandbox_job_fn fn, void *arg, int in_fd, int out_fd,
                struct sandbox_outcome *oc);

void sandbox_outcome_free(struct sandbox_outcome *oc);

/*
 * Confine the calling process itself with a profile's seccomp filter
 * (after PR_SET_NO_NEW_PRIVS). Nothing else of a worker's set-up happens:
 * no descriptors moved, no limits, no Landlock. For the fuzz harnesses, so
 * that a parser path making a call the worker may not make crashes the
 * harness (SIGSYS) instead of showing up only in production. Irreversible.
 */
int sandbox_confine_self(enum sandbox_profile profile);

/* The Landlock ABI version this kernel supports, 0 if none (used by
 * SANDBOX_SCRATCH, and in STRICT as a second wall). */
int sandbox_have_landlock(void);

#endif
