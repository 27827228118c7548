/*
 * sandbox - run one job in a forked, confined worker process.
 *
 * The caller (a process that has already loaded libmagic, the policy and
 * the ClamAV engine) forks a worker per job. In the worker, before the job
 * function runs: every descriptor but in_fd, out_fd, aux_fd and the result
 * pipe is closed; 0 and 1 become /dev/null and 2 a pipe to the parent, so
 * the worker can neither read the caller's terminal nor write escape
 * sequences or floods to it; signal handlers and the signal mask are
 * reset; with a worker user configured (sandbox_configure) it switches to
 * that uid and gid with no supplementary groups; rlimits are set (CPU,
 * FSIZE, NOFILE, NPROC 0, CORE 0, MEMLOCK 0, address space);
 * PR_SET_PDEATHSIG (SIGKILL), PR_SET_DUMPABLE 0 and PR_SET_NO_NEW_PRIVS;
 * then Landlock (when the kernel has it) and a seccomp filter with default
 * action "kill process". The filters are compiled once per process
 * (sandbox_init) and only loaded in the worker.
 *
 * In the worker the job sees its descriptors at fixed numbers:
 * in_fd as 3, out_fd as 4, the result pipe as 5, aux_fd as 6
 * (SANDBOX_FD_AUX); -1 is passed for one not given.
 *
 * Two profiles:
 *   SANDBOX_STRICT   no path is opened at all: read on any descriptor,
 *                    write only on 2, out, aux and result, memory
 *                    management without PROT_EXEC, exit. For parsers.
 *                    Landlock, when present, additionally denies every
 *                    filesystem access.
 *   SANDBOX_SCANNER  SCRATCH for a long-lived worker that takes jobs: also
 *                    recvmsg() on in_fd, its control socket.
 *   SANDBOX_SCRATCH  additionally file operations relative to a per-job
 *                    scratch directory (the worker starts there). For
 *                    libclamav, which writes temp files while unpacking.
 *                    Writes only to 2, the result and descriptors it opened
 *                    itself (not to in, out or aux). Paths are confined by
 *                    Landlock when the kernel has it; without Landlock the
 *                    worker gets a private mount namespace whose root is an
 *                    empty tmpfs mounted over the scratch directory (as root,
 *                    or in a user namespace), so nothing else exists for it.
 *                    When neither is possible sandbox_init() fails, unless
 *                    the configuration allows running unconfined
 *                    (sandbox_scratch_confinement() then says "none").
 *                    With Landlock, stat() of any path works in SCRATCH:
 *                    Landlock does not hide metadata.
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

#include "caps.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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
    SANDBOX_SCANNER, /* SCRATCH, long-lived: recvmsg on in_fd for its jobs */
    SANDBOX_PROFILES
};

/* The number at which a worker finds aux_fd (in_fd 3, out_fd 4, result 5). */
#define SANDBOX_FD_AUX 6

/*
 * The job, run in the worker after confinement. Reads in_fd, writes its
 * output to out_fd (either may be -1), may use SANDBOX_FD_AUX when the
 * caller passed an aux_fd, and writes its result record to res_fd.
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
    /* What the worker wrote on stderr, with every byte outside printable
     * ASCII (but newline) written as \xNN, at most SANDBOX_STDERR_MAX bytes
     * of it; NULL if nothing. Also written, line by line and prefixed
     * "mugai worker: ", to the caller's stderr. Freed with the outcome. */
    char *errlog;
    int errlog_truncated;
};

/* Who workers run as, and whether SCRATCH may run unconfined. */
struct sandbox_config {
    int drop_uid; /* 1: switch to uid/gid (needs root; refused otherwise) */
    uid_t uid;
    gid_t gid;
    int allow_unconfined; /* run SCRATCH without path confinement when
                             neither Landlock nor a namespace is available */
};

/*
 * Set before sandbox_init() (or the first sandbox_run()); later calls are
 * refused with MG_ERR_USAGE. Without it workers keep the caller's uid and
 * SCRATCH must be confinable.
 */
int sandbox_configure(const struct sandbox_config *cfg);

/* How SCRATCH workers are kept to their directory: "landlock",
 * "mount-namespace" or "none"; valid after sandbox_init(). */
const char *sandbox_scratch_confinement(void);

/* Why sandbox_init() failed, for the user ("" when it did not). */
const char *sandbox_error(void);

/*
 * Compile the seccomp filters for both profiles once. Optional: the first
 * sandbox_run() does it; a daemon calls it at start-up so that a broken
 * filter shows before the first job and nothing is compiled per job.
 */
int sandbox_init(void);

/*
 * Run fn in a worker. scratch_dir is required for SANDBOX_SCRATCH and
 * ignored otherwise; with a worker uid configured it is chowned to it. Returns MG_OK when the
 * worker ran (look at oc->ok) or an error if it could not be started (MG_ERR_USAGE for bad
 * arguments, MG_ERR_SANDBOX when pipe/fork failed, MG_ERR_NOMEM). On error oc is zeroed with why
 * set and nothing to free.
 */
int sandbox_run(const struct sandbox_limits *lim, enum sandbox_profile profile,
                const char *scratch_dir, sandbox_job_fn fn, void *arg, int in_fd, int out_fd,
                int aux_fd, struct sandbox_outcome *oc);

void sandbox_outcome_free(struct sandbox_outcome *oc);

/* A worker started with sandbox_spawn, for a caller that supervises
 * several at once (the daemon's scanner pool). */
struct sandbox_child {
    pid_t pid;
    int pidfd;  /* readable when it has exited; -1 on kernels before 5.3 */
    int err_fd; /* read end of its stderr pipe (non-blocking) */
    size_t err_seen;
    int err_capped;
};

/*
 * Start fn in a worker like sandbox_run, but return at once: the caller
 * gives the result descriptor (res_fd, e.g. a socket it keeps the other end
 * of), watches ch->pidfd, drains stderr with sandbox_child_stderr, enforces
 * its own deadlines (kill) and reaps the worker (waitpid). lim->deadline
 * is not enforced here.
 */
int sandbox_spawn(const struct sandbox_limits *lim, enum sandbox_profile profile,
                  const char *scratch_dir, sandbox_job_fn fn, void *arg, int in_fd, int out_fd,
                  int aux_fd, int res_fd, struct sandbox_child *ch);

/* Pass on what the worker wrote on stderr so far, escaped and marked, at
 * most SANDBOX_STDERR_MAX bytes over its life. Returns 1 at end of file. */
int sandbox_child_stderr(struct sandbox_child *ch);

/* Close the descriptors kept for a spawned worker (after reaping it). */
void sandbox_child_close(struct sandbox_child *ch);

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

/* The address space this process has mapped now (/proc/self/statm; 0 if it
 * cannot be read). A worker inherits it, so its RLIMIT_AS is this plus what
 * the policy gives the worker (the engine, ClamAV's above all, can be over
 * 1 GiB). */
uint64_t sandbox_inherited_vm(void);

#endif
