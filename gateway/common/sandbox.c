/*
 * sandbox - run one job in a forked, confined worker (see sandbox.h).
 *
 * Why it is built this way:
 * - The seccomp programs are compiled once per process with libseccomp and
 *   kept as raw BPF (sandbox_init). The worker only hands the ready program
 *   to the kernel, so per job there is no allocation and no libseccomp call
 *   after fork() - which also keeps the child to async-signal-safe calls,
 *   safe even when the caller is threaded.
 * - The allowlist is one table (sc_rules) in the spirit of OpenSSH's
 *   sandbox-seccomp-filter.c: one line per system call, tagged with the
 *   profiles that get it. To let libclamav make another call in SCRATCH,
 *   add one line.
 * - The descriptors the job gets are moved to fixed numbers (3, 4, 5) so
 *   the filter can compare write() arguments against constants.
 * - Landlock comes before seccomp because its own system calls are not in
 *   the allowlist; NO_NEW_PRIVS comes before both because both need it.
 * - The parent never trusts the worker: it reads at most result_max bytes,
 *   polls a pidfd so a worker that closes its pipe and keeps running still
 *   meets the deadline, and kills by pid only before reaping, so the pid
 *   cannot have been reused.
 *
 * Build with -DMUGAI_SANDBOX_TRACE to make forbidden calls print
 * "sandbox trace: forbidden system call N" on stderr and fail with ENOSYS
 * instead of killing the worker: that is how to find what a library needs
 * (scmp_sys_resolver N gives the name). Never ship that build.
 */
#include "sandbox.h"
#include "buf.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <sched.h>

/* Where the job finds its descriptors in the worker. */
enum { FD_IN = 3, FD_OUT = 4, FD_RES = 5, FD_AUX = SANDBOX_FD_AUX, FD_FIRST_FREE = 7 };

/* RLIMIT_NOFILE per profile: STRICT opens nothing; libclamav opens a few. */
enum { NOFILE_STRICT = 16, NOFILE_SCRATCH = 64 };

/* ---- the seccomp allowlist ---------------------------------------------- */

/* Which profiles a rule belongs to. The scanner profile is SCRATCH plus
 * taking jobs from its control socket. */
#define IN_STRICT  1u
#define IN_SCANNER 4u
#define IN_SCRATCH (2u | IN_SCANNER)
#define IN_BOTH    (IN_STRICT | IN_SCRATCH)
static const unsigned profile_bits[SANDBOX_PROFILES] = {1u, 2u, 4u};

struct sc_rule {
    int nr;
    uint32_t action;
    unsigned profiles;
    unsigned argc;
    struct scmp_arg_cmp arg[2];
};

#define ALLOW(sys, prof)                                                                           \
    {                                                                                              \
        .nr = SCMP_SYS(sys), .action = SCMP_ACT_ALLOW, .profiles = (prof)                          \
    }
/* Allowed when argument n satisfies (op, a, b), libseccomp's comparison. */
#define ALLOW_IF(sys, prof, n, op, a, b)                                                           \
    {                                                                                              \
        .nr = SCMP_SYS(sys), .action = SCMP_ACT_ALLOW, .profiles = (prof), .argc = 1, .arg = {     \
            {(n), (op), (a), (b)}                                                                  \
        }                                                                                          \
    }
#define ALLOW_IF2(sys, prof, n, op, a, b, n2, op2, a2, b2)                                         \
    {                                                                                              \
        .nr = SCMP_SYS(sys), .action = SCMP_ACT_ALLOW, .profiles = (prof), .argc = 2, .arg = {     \
            {(n), (op), (a), (b)},                                                                 \
            {(n2), (op2), (a2), (b2)}                                                              \
        }                                                                                          \
    }
/* Not killed: fails with errno e (for calls that code probes and survives). */
#define FAIL(sys, e, prof)                                                                         \
    {                                                                                              \
        .nr = SCMP_SYS(sys), .action = SCMP_ACT_ERRNO(e), .profiles = (prof)                       \
    }

#define EQ     SCMP_CMP_EQ
#define GE     SCMP_CMP_GE
#define MASKED SCMP_CMP_MASKED_EQ /* (arg & a) == b */

static const struct sc_rule sc_rules[] = {
        /* Memory. Nothing may become executable: no JIT, no injected code. */
        ALLOW(brk, IN_BOTH),
        ALLOW_IF(mmap, IN_BOTH, 2, MASKED, PROT_EXEC, 0),
        ALLOW_IF(mprotect, IN_BOTH, 2, MASKED, PROT_EXEC, 0),
        ALLOW(munmap, IN_BOTH),
        ALLOW(mremap, IN_BOTH),
        ALLOW(madvise, IN_BOTH),

        /* Reading any descriptor the worker holds (it holds only its own). */
        ALLOW(read, IN_BOTH),
        ALLOW(readv, IN_BOTH),
        ALLOW(pread64, IN_BOTH),
        ALLOW(lseek, IN_BOTH),
        ALLOW(fstat, IN_BOTH),
        /* glibc's fstat() is newfstatat(fd, "", st, AT_EMPTY_PATH). The path
         * cannot be checked, so a hostile STRICT worker could stat a path:
         * metadata only, never content. */
        ALLOW_IF(newfstatat, IN_STRICT, 3, EQ, AT_EMPTY_PATH, 0),
        ALLOW(close, IN_BOTH),
        ALLOW_IF(fcntl, IN_BOTH, 1, EQ, F_GETFD, 0),
        ALLOW_IF(fcntl, IN_BOTH, 1, EQ, F_GETFL, 0),

        /* Writing: stderr (a pipe to the parent) and the result in both;
         * in STRICT also the output and the auxiliary file, the only files
         * it fills. In SCRATCH the descriptors it was given (input, output,
         * auxiliary) are read-only and sealed, and writes are allowed only
         * above them, on the temp files libclamav opens: a second wall. */
        ALLOW_IF(write, IN_BOTH, 0, EQ, 2, 0),
        ALLOW_IF(write, IN_BOTH, 0, EQ, FD_RES, 0),
        ALLOW_IF(writev, IN_BOTH, 0, EQ, 2, 0),
        ALLOW_IF(writev, IN_BOTH, 0, EQ, FD_RES, 0),
        ALLOW_IF(write, IN_STRICT, 0, EQ, FD_OUT, 0),
        ALLOW_IF(write, IN_STRICT, 0, EQ, FD_AUX, 0),
        ALLOW_IF(writev, IN_STRICT, 0, EQ, FD_OUT, 0),
        ALLOW_IF(writev, IN_STRICT, 0, EQ, FD_AUX, 0),
        ALLOW_IF(pwrite64, IN_STRICT, 0, EQ, FD_OUT, 0),
        ALLOW_IF(pwrite64, IN_STRICT, 0, EQ, FD_AUX, 0),
        ALLOW_IF(ftruncate, IN_STRICT, 0, EQ, FD_OUT, 0),
        ALLOW_IF(ftruncate, IN_STRICT, 0, EQ, FD_AUX, 0),
        ALLOW_IF(write, IN_SCRATCH, 0, GE, FD_FIRST_FREE, 0),
        ALLOW_IF(writev, IN_SCRATCH, 0, GE, FD_FIRST_FREE, 0),
        ALLOW_IF(pwrite64, IN_SCRATCH, 0, GE, FD_FIRST_FREE, 0),
        ALLOW_IF(ftruncate, IN_SCRATCH, 0, GE, FD_FIRST_FREE, 0),

        /* Signals, time, self, exit. */
        ALLOW(rt_sigreturn, IN_BOTH),
        ALLOW(rt_sigprocmask, IN_BOTH),
        ALLOW(rt_sigaction, IN_BOTH),
        ALLOW(sigaltstack, IN_BOTH), /* ASan/UBSan handlers run on their own stack */
        ALLOW(restart_syscall, IN_BOTH),
        ALLOW(futex, IN_BOTH),
        ALLOW(sched_yield, IN_BOTH),
        ALLOW(getrandom, IN_BOTH),
        ALLOW(clock_gettime, IN_BOTH),
        ALLOW(gettimeofday, IN_BOTH),
        ALLOW(getpid, IN_BOTH),
        ALLOW(gettid, IN_BOTH),
        ALLOW(getrlimit, IN_BOTH),
        /* Who we are: reading it changes nothing (libclamav asks; the
         * tests check that a worker is not root). */
        ALLOW(getuid, IN_BOTH),
        ALLOW(geteuid, IN_BOTH),
        ALLOW(getgid, IN_BOTH),
        ALLOW(getegid, IN_BOTH),
        ALLOW(getgroups, IN_BOTH),
        /* getrlimit() is prlimit64(0, res, NULL, old): reading own limits only. */
        ALLOW_IF2(prlimit64, IN_BOTH, 0, EQ, 0, 0, 2, EQ, 0, 0),
        ALLOW(exit, IN_BOTH),
        ALLOW(exit_group, IN_BOTH),
#ifdef MUGAI_HAVE_ASAN
        /* The sanitizer runtime asks whether stderr is a terminal before it
         * prints a report. Most reports then need /proc/self/exe or
         * /proc/self/maps, which stay forbidden: such reports end there,
         * and the worker with them. */
        ALLOW_IF2(ioctl, IN_BOTH, 0, EQ, 2, 0, 1, EQ, TCGETS, 0),
#endif

        /* Probed by glibc, which falls back when they are missing. */
        FAIL(clone3, ENOSYS, IN_BOTH),
        FAIL(statx, ENOSYS, IN_BOTH),
        FAIL(rseq, ENOSYS, IN_BOTH),
        /* No signalling anyone. EPERM rather than a kill so that abort() from a
         * failed assertion ends as a crash, not as "forbidden system call". */
        FAIL(kill, EPERM, IN_BOTH),
        FAIL(tkill, EPERM, IN_BOTH),
        FAIL(tgkill, EPERM, IN_BOTH),
        /* libclamav chmods the temp files it makes and carries on when that
         * fails; refused because Landlock cannot confine chmod to scratch. */
        FAIL(chmod, EPERM, IN_SCRATCH),

        /* SCRATCH: files, confined beneath the scratch directory by Landlock.
         * Path-based metadata changes (chmod, chown, utimes, xattrs) are left
         * out: Landlock does not confine them. fchmod is left out too: it
         * would work on in_fd, which may be the caller's original file. */
        ALLOW_IF(openat, IN_SCRATCH, 2, MASKED, O_PATH, 0),
        /* SCANNER: jobs (with their descriptors) arrive on its control
         * socket, given as in_fd; replies go out as writes on FD_RES. */
        ALLOW_IF(recvmsg, IN_SCANNER, 0, EQ, FD_IN, 0),
        /* ... and each job's connection is moved to FD_AUX, read and
         * answered there. */
        ALLOW_IF(recvmsg, IN_SCANNER, 0, EQ, FD_AUX, 0),
        ALLOW_IF(write, IN_SCANNER, 0, EQ, FD_AUX, 0),
        ALLOW(fsync, IN_SCRATCH),
        ALLOW(fdatasync, IN_SCRATCH),
        ALLOW(fadvise64, IN_SCRATCH),
        ALLOW(newfstatat, IN_SCRATCH),
        ALLOW(stat, IN_SCRATCH),
        ALLOW(lstat, IN_SCRATCH),
        ALLOW(fstatfs, IN_SCRATCH),
        ALLOW(access, IN_SCRATCH),
        ALLOW(faccessat, IN_SCRATCH),
        ALLOW(faccessat2, IN_SCRATCH),
        ALLOW(getdents64, IN_SCRATCH),
        ALLOW(getcwd, IN_SCRATCH),
        ALLOW(mkdir, IN_SCRATCH),
        ALLOW(mkdirat, IN_SCRATCH),
        ALLOW(rmdir, IN_SCRATCH),
        ALLOW(unlink, IN_SCRATCH),
        ALLOW(unlinkat, IN_SCRATCH),
        ALLOW(rename, IN_SCRATCH),
        ALLOW(renameat, IN_SCRATCH),
        ALLOW(renameat2, IN_SCRATCH),
        ALLOW(umask, IN_SCRATCH),
        ALLOW(dup, IN_SCRATCH),
        ALLOW(dup2, IN_SCRATCH),
        ALLOW(dup3, IN_SCRATCH),
        ALLOW_IF(fcntl, IN_SCRATCH, 1, EQ, F_SETFD, 0),
        ALLOW_IF(fcntl, IN_SCRATCH, 1, EQ, F_SETFL, 0),
        ALLOW_IF(fcntl, IN_SCRATCH, 1, EQ, F_DUPFD_CLOEXEC, 0),
        ALLOW(uname, IN_SCRATCH),
        ALLOW(sysinfo, IN_SCRATCH),
        ALLOW(times, IN_SCRATCH),

};

/* One compiled program per profile, made once by sandbox_init(). */
static struct sock_fprog sc_prog[SANDBOX_PROFILES];
static int sc_ready;
static int ll_abi;  /* Landlock ABI version, 0 if none */
static int ns_root; /* SCRATCH gets a private tmpfs root (no Landlock) */
static struct sandbox_config sb_cfg;
static char sb_err[256];

/* Compile the rules of one profile into raw BPF (parent side, once). */
static int filter_compile(unsigned profile_bit, struct sock_fprog *prog)
{
    int rc = MG_ERR_INTERNAL, mfd = -1;
    struct sock_filter *insns = NULL;
    scmp_filter_ctx ctx = NULL;
#ifdef MUGAI_SANDBOX_TRACE
    const uint32_t deflt = SCMP_ACT_TRAP;
#else
    const uint32_t deflt = SCMP_ACT_KILL_PROCESS;
#endif

    if (!(ctx = seccomp_init(deflt))) {
        rc = MG_ERR_NOMEM;
        goto out;
    }
    if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0 ||
        seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) != 0)
        goto out;
    for (size_t i = 0; i < sizeof(sc_rules) / sizeof(sc_rules[0]); i++) {
        const struct sc_rule *r = &sc_rules[i];
        if (!(r->profiles & profile_bit))
            continue;
        int e = seccomp_rule_add_array(ctx, r->action, r->nr, r->argc, r->arg);
        if (e != 0) {
            char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, r->nr);
            fprintf(stderr, "sandbox: seccomp rule for %s: %s\n", name ? name : "?", strerror(-e));
            free(name);
            goto out;
        }
    }
    /* libseccomp writes BPF only to a descriptor: go through a memfd. */
    if ((mfd = memfd_create("mugai-seccomp", MFD_CLOEXEC)) < 0 || seccomp_export_bpf(ctx, mfd))
        goto out;
    struct stat st;
    if (fstat(mfd, &st) != 0 || st.st_size <= 0 ||
        st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
        st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
        goto out;
    if (!(insns = malloc((size_t)st.st_size))) {
        rc = MG_ERR_NOMEM;
        goto out;
    }
    if (pread(mfd, insns, (size_t)st.st_size, 0) != st.st_size)
        goto out;
    prog->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
    prog->filter = insns;
    insns = NULL;
    rc = MG_OK;
out:
    free(insns);
    if (mfd >= 0)
        close(mfd);
    if (ctx)
        seccomp_release(ctx);
    return rc;
}

int sandbox_have_landlock(void)
{
#ifdef MUGAI_TEST_HOOKS
    /* Test builds only: behave as on a kernel without Landlock. */
    const char *off = getenv("MUGAI_TEST_NO_LANDLOCK");
    if (off && *off == '1')
        return 0;
#endif
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi > 0 ? (int)abi : 0;
}

int sandbox_configure(const struct sandbox_config *cfg)
{
    if (sc_ready || !cfg)
        return MG_ERR_USAGE;
    if (cfg->drop_uid && (geteuid() != 0 || cfg->uid == 0)) {
        snprintf(sb_err, sizeof(sb_err), "a worker user needs root to switch to, and not root");
        return MG_ERR_USAGE;
    }
    sb_cfg = *cfg;
    return MG_OK;
}

const char *sandbox_scratch_confinement(void)
{
    return ll_abi > 0 ? "landlock" : ns_root ? "mount-namespace" : "none";
}

const char *sandbox_error(void)
{
    return sb_err;
}

static void child_private_root(const char *dir, uint64_t size);

/* Can a worker get a private tmpfs root here? Try it once, in a child. */
static int probe_private_root(void)
{
    char dir[] = "/tmp/mugai-probe-XXXXXX";
    int ok = 0;
#ifdef MUGAI_TEST_HOOKS
    /* Test builds only: behave as where no namespace can be made. */
    const char *off = getenv("MUGAI_TEST_NO_NAMESPACE");
    if (off && *off == '1')
        return 0;
#endif
    if (!mkdtemp(dir))
        return 0;
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2); /* the probe's failure is reported by the caller */
        child_private_root(dir, 1 << 20);
        _exit(0);
    }
    int st = 0;
    if (pid > 0)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    ok = pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    rmdir(dir);
    return ok;
}

int sandbox_init(void)
{
    int rc;

    if (sc_ready)
        return MG_OK;
    for (int i = 0; i < SANDBOX_PROFILES; i++)
        if ((rc = filter_compile(profile_bits[i], &sc_prog[i])) != MG_OK)
            goto fail;
    ll_abi = sandbox_have_landlock();
    ns_root = ll_abi == 0 && probe_private_root();
    if (ll_abi == 0 && !ns_root && !sb_cfg.allow_unconfined) {
        snprintf(sb_err, sizeof(sb_err),
                 "cannot confine the virus-scan worker: the kernel has no Landlock and no private "
                 "mount namespace can be made (run as root, not inside a chroot, or enable "
                 "unprivileged user namespaces); allow_unconfined_scan = yes in the policy runs "
                 "it anyway");
        rc = MG_ERR_SANDBOX;
        goto fail;
    }
    sc_ready = 1;
    return MG_OK;
fail:
    for (int i = 0; i < SANDBOX_PROFILES; i++) {
        free(sc_prog[i].filter);
        sc_prog[i].filter = NULL;
    }
    if (!sb_err[0])
        snprintf(sb_err, sizeof(sb_err), "cannot compile the seccomp filters");
    return rc;
}

/* ---- the worker (after fork: async-signal-safe calls only) -------------- */

/* Landlock rights, spelled out here because older <linux/landlock.h> lack
 * the newer ones; the values are kernel ABI. */
#define LL_FS_V1       ((1ULL << 13) - 1) /* EXECUTE .. MAKE_SYM */
#define LL_FS_REFER    (1ULL << 13)       /* ABI 2 */
#define LL_FS_TRUNCATE (1ULL << 14)       /* ABI 3 */
#define LL_FS_IOCTL    (1ULL << 15)       /* ABI 5 */
#define LL_NET_ALL     3ULL               /* ABI 4: BIND_TCP, CONNECT_TCP */
#define LL_SCOPE_ALL   3ULL               /* ABI 6: abstract unix sockets, signals */

/* What the worker may do beneath its scratch directory: ordinary files and
 * directories, no devices, sockets, fifos, symlinks or execution. */
#define LL_SCRATCH_RIGHTS                                                                          \
    (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_DIR |  \
     LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                              \
     LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LL_FS_REFER | LL_FS_TRUNCATE)

struct ll_ruleset_attr { /* struct landlock_ruleset_attr as of ABI 6 */
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct child_args {
    pid_t parent;
    enum sandbox_profile profile;
    const char *scratch_dir;
    const struct sandbox_limits *lim;
    sandbox_job_fn fn;
    void *arg;
    int in_fd, out_fd, aux_fd, res_fd, err_fd;
};

static size_t put_str(char *p, size_t at, size_t cap, const char *s)
{
    while (*s && at + 1 < cap)
        p[at++] = *s++;
    return at;
}

static size_t put_num(char *p, size_t at, size_t cap, unsigned long v)
{
    char d[24];
    size_t n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < sizeof(d));
    while (n && at + 1 < cap)
        p[at++] = d[--n];
    return at;
}

/* Say which step failed on stderr (no stdio after fork) and give up. */
static _Noreturn void child_fail(const char *step)
{
    int e = errno;
    char msg[160];
    size_t n = put_str(msg, 0, sizeof(msg), "mugai sandbox: worker setup failed at ");
    n = put_str(msg, n, sizeof(msg), step);
    n = put_str(msg, n, sizeof(msg), ": errno ");
    n = put_num(msg, n, sizeof(msg), (unsigned long)e);
    n = put_str(msg, n, sizeof(msg), "\n");
    ssize_t w = write(2, msg, n);
    (void)w;
    _exit(SANDBOX_EXIT_SETUP);
}

#ifdef MUGAI_SANDBOX_TRACE
static void trace_sigsys(int sig, siginfo_t *si, void *uc)
{
    char msg[80];
    (void)sig, (void)uc;
    size_t n = put_str(msg, 0, sizeof(msg), "sandbox trace: forbidden system call ");
    n = put_num(msg, n, sizeof(msg), (unsigned long)si->si_syscall);
    n = put_str(msg, n, sizeof(msg), "\n");
    ssize_t w = write(2, msg, n);
    (void)w;
}
#endif

static void child_signals(void)
{
    struct sigaction sa;
    sigset_t all;

    /* Handlers of the caller (a daemon's SIGTERM, SIGCHLD...) must not run
     * in the worker, and SIGXCPU/SIGXFSZ/SIGPIPE must have their default,
     * fatal effect. The fault signals keep what the sanitizer runtime put
     * there in ASan builds, for its reports. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < 32; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
#ifdef MUGAI_HAVE_ASAN
        if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGABRT)
            continue;
#endif
        sigaction(sig, &sa, NULL);
    }
#ifdef MUGAI_SANDBOX_TRACE
    sa.sa_sigaction = trace_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
#endif
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
}

/* Keep in, out, result and aux as 3, 4, 5, 6; the stderr pipe as 2; 0 and
 * 1 on /dev/null; close everything else. */
static void child_fds(const struct child_args *a, int *in, int *out)
{
    int cin = -1, cout = -1, caux = -1, cres, cerr;

    /* Copies above 6 first, so that moving them cannot clobber each other. */
    if (a->in_fd >= 0 && (cin = fcntl(a->in_fd, F_DUPFD, FD_FIRST_FREE)) < 0)
        child_fail("dup in_fd");
    if (a->out_fd >= 0 && (cout = fcntl(a->out_fd, F_DUPFD, FD_FIRST_FREE)) < 0)
        child_fail("dup out_fd");
    if (a->aux_fd >= 0 && (caux = fcntl(a->aux_fd, F_DUPFD, FD_FIRST_FREE)) < 0)
        child_fail("dup aux_fd");
    if ((cres = fcntl(a->res_fd, F_DUPFD, FD_FIRST_FREE)) < 0)
        child_fail("dup result fd");
    if ((cerr = fcntl(a->err_fd, F_DUPFD, FD_FIRST_FREE)) < 0)
        child_fail("dup stderr pipe");
    /* From here on a failure report goes to the parent through the pipe. */
    if (dup2(cerr, 2) != 2)
        _exit(SANDBOX_EXIT_SETUP);
    close(0);
    close(1);
    for (int fd = FD_IN; fd < FD_FIRST_FREE; fd++)
        close(fd);
    int null = open("/dev/null", O_RDWR); /* lowest free: 0 */
    if (null >= 0) {
        if (null != 1)
            dup2(null, 1);
        if (null > 2)
            close(null);
    }
    if (cin >= 0 && dup2(cin, FD_IN) != FD_IN)
        child_fail("dup2 in_fd");
    if (cout >= 0 && dup2(cout, FD_OUT) != FD_OUT)
        child_fail("dup2 out_fd");
    if (caux >= 0 && dup2(caux, FD_AUX) != FD_AUX)
        child_fail("dup2 aux_fd");
    if (dup2(cres, FD_RES) != FD_RES)
        child_fail("dup2 result fd");
    /* Slots not given stay taken (read-only /dev/null), so that whatever
     * the worker opens itself lands at FD_FIRST_FREE or above, where the
     * SCRATCH filter expects its own files. */
    for (int fd = FD_IN; fd < FD_FIRST_FREE; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDONLY) != fd)
            child_fail("fill descriptor slot");
    if (close_range(FD_FIRST_FREE, ~0U, 0) != 0) {
        /* Kernel before 5.9: close one by one up to the descriptor limit. */
        struct rlimit rl;
        unsigned long max = 65536;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max)
            max = rl.rlim_cur;
        for (unsigned long fd = FD_FIRST_FREE; fd < max; fd++)
            close((int)fd);
    }
    *in = cin >= 0 ? FD_IN : -1;
    *out = cout >= 0 ? FD_OUT : -1;
}

/* Lower a limit; never try to raise it above the inherited hard limit. */
static void child_limit(int resource, rlim_t soft, rlim_t hard, const char *what)
{
    struct rlimit cur, rl;
    if (getrlimit(resource, &cur) != 0)
        child_fail(what);
    if (cur.rlim_max != RLIM_INFINITY && hard > cur.rlim_max)
        hard = cur.rlim_max;
    if (soft > hard)
        soft = hard;
    rl.rlim_cur = soft;
    rl.rlim_max = hard;
    if (setrlimit(resource, &rl) != 0)
        child_fail(what);
}

static void child_limits(const struct child_args *a)
{
    const struct sandbox_limits *lim = a->lim;

    /* SIGXCPU at the soft limit; the kernel sends SIGKILL at the hard one,
     * for a worker that ignores SIGXCPU. */
    child_limit(RLIMIT_CPU, lim->cpu_seconds, (rlim_t)lim->cpu_seconds + 1, "RLIMIT_CPU");
    child_limit(RLIMIT_FSIZE, lim->output_bytes, lim->output_bytes, "RLIMIT_FSIZE");
    rlim_t nofile = a->profile != SANDBOX_STRICT ? NOFILE_SCRATCH : NOFILE_STRICT;
    child_limit(RLIMIT_NOFILE, nofile, nofile, "RLIMIT_NOFILE");
    child_limit(RLIMIT_NPROC, 0, 0, "RLIMIT_NPROC");
    child_limit(RLIMIT_CORE, 0, 0, "RLIMIT_CORE");
    child_limit(RLIMIT_MEMLOCK, 0, 0, "RLIMIT_MEMLOCK");
#ifndef MUGAI_HAVE_ASAN
    child_limit(RLIMIT_AS, lim->memory_bytes, lim->memory_bytes, "RLIMIT_AS");
#endif
}

/* Landlock: in SCRATCH allow ordinary file work beneath dirfd, in STRICT
 * nothing at all; with ABI 4+ no TCP, with ABI 6+ no signals or abstract
 * unix sockets outside the worker. */
static void child_landlock(int abi, int dirfd)
{
    struct ll_ruleset_attr attr;
    size_t size = sizeof(attr.handled_access_fs);

    memset(&attr, 0, sizeof(attr));
    attr.handled_access_fs = LL_FS_V1;
    if (abi >= 2)
        attr.handled_access_fs |= LL_FS_REFER;
    if (abi >= 3)
        attr.handled_access_fs |= LL_FS_TRUNCATE;
    if (abi >= 5)
        attr.handled_access_fs |= LL_FS_IOCTL;
    if (abi >= 4) {
        attr.handled_access_net = LL_NET_ALL;
        size = offsetof(struct ll_ruleset_attr, scoped);
    }
    if (abi >= 6) {
        attr.scoped = LL_SCOPE_ALL;
        size = sizeof(attr);
    }
    int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (rs < 0)
        child_fail("landlock_create_ruleset");
    if (dirfd >= 0) {
        struct landlock_path_beneath_attr pb = {
                .allowed_access = LL_SCRATCH_RIGHTS & attr.handled_access_fs,
                .parent_fd = dirfd,
        };
        if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0)
            child_fail("landlock_add_rule");
    }
    if (syscall(SYS_landlock_restrict_self, rs, 0) != 0)
        child_fail("landlock_restrict_self");
    close(rs);
}

/* Write s to a /proc/self file (user namespace maps); fail the worker if not. */
static void child_write_file(const char *path, const char *s, size_t n)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, s, n) != (ssize_t)n)
        child_fail(path);
    close(fd);
}

/*
 * Without Landlock: a private mount namespace (in a user namespace when we
 * are not root) whose root is a fresh tmpfs mounted over dir. Inside a
 * chroot this cannot be done (the root is not a mount, so its propagation
 * cannot be made private, and a tmpfs mounted under it would show in the
 * host's namespace): the probe fails and the caller refuses to run. pivot_root
 * and a detached unmount of the old root leave nothing else reachable by
 * path, even to a process that keeps capabilities in its namespace (the
 * seccomp filter refuses mount, umount, chroot and pivot_root anyway).
 */
static void child_private_root(const char *dir, uint64_t size)
{
    uid_t uid = geteuid();
    gid_t gid = getegid();
    int userns = uid != 0;
    char opt[128], map[64];
    size_t n;

    if (unshare(CLONE_NEWNS | (userns ? CLONE_NEWUSER : 0)) != 0)
        child_fail("unshare");
    if (userns) {
        child_write_file("/proc/self/setgroups", "deny", 4);
        n = put_str(map, 0, sizeof(map), "0 ");
        n = put_num(map, n, sizeof(map), uid);
        n = put_str(map, n, sizeof(map), " 1");
        child_write_file("/proc/self/uid_map", map, n);
        n = put_str(map, 0, sizeof(map), "0 ");
        n = put_num(map, n, sizeof(map), gid);
        n = put_str(map, n, sizeof(map), " 1");
        child_write_file("/proc/self/gid_map", map, n);
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        child_fail("mount private");
    n = put_str(opt, 0, sizeof(opt), "mode=0700,size=");
    n = put_num(opt, n, sizeof(opt), (unsigned long)size);
    if (!userns && sb_cfg.drop_uid) {
        n = put_str(opt, n, sizeof(opt), ",uid=");
        n = put_num(opt, n, sizeof(opt), sb_cfg.uid);
        n = put_str(opt, n, sizeof(opt), ",gid=");
        n = put_num(opt, n, sizeof(opt), sb_cfg.gid);
    }
    opt[n] = 0;
    if (mount("mugai-scratch", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opt) != 0)
        child_fail("mount tmpfs");
    if (chdir(dir) != 0 || syscall(SYS_pivot_root, ".", ".") != 0)
        child_fail("pivot_root");
    if (umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
        child_fail("umount old root");
}

/* The worker user, when configured: no groups, then gid, then uid. */
static void child_drop_uid(void)
{
    if (!sb_cfg.drop_uid)
        return;
    if (setgroups(0, NULL) != 0 || setresgid(sb_cfg.gid, sb_cfg.gid, sb_cfg.gid) != 0 ||
        setresuid(sb_cfg.uid, sb_cfg.uid, sb_cfg.uid) != 0)
        child_fail("switch to the worker user");
    if (geteuid() != sb_cfg.uid || getegid() != sb_cfg.gid)
        child_fail("worker user check");
}

static _Noreturn void child_run(const struct child_args *a)
{
    int in, out, dirfd = -1;

    /* Die with the parent; if it is already gone, do not start. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        child_fail("PR_SET_PDEATHSIG");
    if (getppid() != a->parent)
        _exit(SANDBOX_EXIT_SETUP);
    child_signals();
    child_fds(a, &in, &out);
    if (a->profile != SANDBOX_STRICT && ll_abi == 0 && ns_root) {
        child_private_root(a->scratch_dir, a->lim->output_bytes + (1u << 20));
    } else if (a->profile != SANDBOX_STRICT) {
        /* The directory we work in and the one Landlock allows are the
         * same object, whatever happens to the path meanwhile. */
        if ((dirfd = open(a->scratch_dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
            child_fail("open scratch_dir");
        if (fchdir(dirfd) != 0)
            child_fail("chdir scratch_dir");
    }
    child_drop_uid();
    /* A change of credentials clears the parent-death signal: set it again. */
    if (sb_cfg.drop_uid && (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != a->parent))
        child_fail("PR_SET_PDEATHSIG after the user switch");
    child_limits(a);
    if (prctl(PR_SET_DUMPABLE, 0) != 0)
        child_fail("PR_SET_DUMPABLE");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        child_fail("PR_SET_NO_NEW_PRIVS");
    if (ll_abi > 0)
        child_landlock(ll_abi, dirfd);
    if (dirfd >= 0)
        close(dirfd);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &sc_prog[a->profile]) != 0)
        child_fail("seccomp");

    int rc = a->fn(a->arg, in, out, FD_RES);
    /* _exit: no atexit handlers, no stdio flush of the parent's buffers. */
    _exit(rc >= 0 && rc <= 125 ? rc : 125);
}

/* ---- the parent --------------------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Read what is there (a bounded number of chunks, so a worker that never
 * stops writing cannot keep us from the deadline check). Keeps at most
 * res->max bytes. Returns 1 at end of file, 0 otherwise.
 */
static int collect(int rfd, struct buf *res, int *truncated, int *nomem)
{
    uint8_t chunk[16384];

    for (int i = 0; i < 64; i++) {
        ssize_t n = read(rfd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n <= 0)
            return 1;
        size_t room = res->max - res->len;
        size_t take = (size_t)n < room ? (size_t)n : room;
        if (take && !*nomem && buf_append(res, chunk, take) != MG_OK)
            *nomem = 1;
        if ((size_t)n > take)
            *truncated = 1;
    }
    return 0;
}

static void set_why(struct sandbox_outcome *oc, const struct sandbox_limits *lim,
                    const struct rusage *ru)
{
    char *w = oc->why;
    size_t cap = sizeof(oc->why);
    int n = 0;

    uint64_t cpu_us = (uint64_t)ru->ru_utime.tv_sec * 1000000 + (uint64_t)ru->ru_utime.tv_usec +
                      (uint64_t)ru->ru_stime.tv_sec * 1000000 + (uint64_t)ru->ru_stime.tv_usec;
    int cpu_hit = cpu_us >= (uint64_t)lim->cpu_seconds * 1000000;

    if (oc->timed_out) {
        n = snprintf(w, cap, "deadline of %u s exceeded", lim->deadline_seconds);
    } else if (oc->term_signal == SIGSYS) {
        n = snprintf(w, cap, "killed by the sandbox: forbidden system call");
    } else if (oc->term_signal == SIGXCPU || (oc->term_signal == SIGKILL && cpu_hit)) {
        n = snprintf(w, cap, "CPU time limit exceeded (%u s)", lim->cpu_seconds);
    } else if (oc->term_signal == SIGXFSZ) {
        n = snprintf(w, cap, "output size limit exceeded (%llu bytes)",
                     (unsigned long long)lim->output_bytes);
    } else if (oc->term_signal) {
        const char *name = sigabbrev_np(oc->term_signal);
        n = snprintf(w, cap, "crashed (signal %d: %s%s)", oc->term_signal, name ? "SIG" : "",
                     name ? name : "unknown");
    } else if (oc->exit_code == SANDBOX_EXIT_SETUP) {
        n = snprintf(w, cap, "sandbox setup failed (exit status %d)", SANDBOX_EXIT_SETUP);
    } else if (oc->exit_code != 0) {
        n = snprintf(w, cap, "exited with status %d", oc->exit_code);
    }
    if (n < 0 || (size_t)n >= cap)
        n = (int)strlen(w);
    if (oc->result_truncated)
        snprintf(w + n, cap - (size_t)n, "%sresult too large (more than %zu bytes)", n ? "; " : "",
                 lim->result_max);
}

/* The worker's stderr, kept escaped: printable ASCII and newlines as they
 * are, every other byte as \xNN, so nothing it wrote can act on a terminal
 * or forge a log line of ours. */
static void errlog_add(struct buf *log, const uint8_t *p, size_t n, int *truncated)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n && !*truncated; i++) {
        uint8_t c = p[i];
        char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
        int rc = (c >= 0x20 && c < 0x7F) || c == '\n' ? buf_putc(log, c) : buf_append(log, e, 4);
        if (rc != MG_OK)
            *truncated = 1;
    }
}

static void errlog_collect(int fd, struct buf *log, int *truncated, int *eof)
{
    uint8_t chunk[4096];
    for (int i = 0; i < 16; i++) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            *eof = 1;
            return;
        }
        errlog_add(log, chunk, (size_t)n, truncated);
    }
}

/* Pass the worker's (escaped) stderr on, each line marked as the worker's. */
static void errlog_print(const char *log, int truncated)
{
    for (const char *line = log; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        fprintf(stderr, "mugai worker: %.*s\n", (int)n, line);
        line = nl ? nl + 1 : line + n;
    }
    if (truncated)
        fprintf(stderr, "mugai worker: [more output dropped after %u bytes]\n", SANDBOX_STDERR_MAX);
}

/* What the parent watches while a worker runs. */
struct watch {
    pid_t pid;
    int res_fd, err_fd, pidfd;
    int res_eof, err_eof, exited, nomem;
    struct buf res, err;
    int res_truncated, err_truncated;
};

/* Follow the worker until it is gone and both pipes are drained, or kill it
 * at the deadline. Returns 1 when it was killed for the deadline. */
static int watch_worker(struct watch *w, int64_t deadline)
{
    for (;;) {
        if (w->res_eof && w->err_eof && w->exited)
            return 0;
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            kill(w->pid, SIGKILL); /* not reaped yet: the pid is still ours */
            return 1;
        }
        struct pollfd pf[3];
        nfds_t npf = 0;
        int ir = -1, ie = -1, ip = -1;
        if (!w->res_eof) {
            pf[npf] = (struct pollfd){.fd = w->res_fd, .events = POLLIN};
            ir = (int)npf++;
        }
        if (!w->err_eof) {
            pf[npf] = (struct pollfd){.fd = w->err_fd, .events = POLLIN};
            ie = (int)npf++;
        }
        if (!w->exited && w->pidfd >= 0) {
            pf[npf] = (struct pollfd){.fd = w->pidfd, .events = POLLIN};
            ip = (int)npf++;
        }
        int wait = left > 1000 ? 1000 : (int)left;
        if (w->pidfd < 0 && wait > 10)
            wait = 10;
        if (poll(pf, npf, wait) < 0 && errno != EINTR) {
            kill(w->pid, SIGKILL);
            return 0;
        }
        if (ir >= 0 && pf[ir].revents)
            w->res_eof = collect(w->res_fd, &w->res, &w->res_truncated, &w->nomem);
        if (ie >= 0 && pf[ie].revents)
            errlog_collect(w->err_fd, &w->err, &w->err_truncated, &w->err_eof);
        if (ip >= 0 && pf[ip].revents)
            w->exited = 1;
        if (w->pidfd < 0 && !w->exited) {
            siginfo_t si;
            memset(&si, 0, sizeof(si));
            if (waitid(P_PID, (id_t)w->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                si.si_pid == w->pid)
                w->exited = 1;
        }
        /* Gone: whatever it wrote is in the pipes now; take it. A pipe still
         * open after that was passed on to no one (workers cannot fork). */
        if (w->exited) {
            if (!w->res_eof)
                w->res_eof = collect(w->res_fd, &w->res, &w->res_truncated, &w->nomem);
            if (!w->err_eof)
                errlog_collect(w->err_fd, &w->err, &w->err_truncated, &w->err_eof);
        }
    }
}

static int check_args(const struct sandbox_limits *lim, enum sandbox_profile profile,
                      const char *scratch_dir, sandbox_job_fn fn, const int fds[3],
                      struct sandbox_outcome *oc)
{
    struct sigaction chld;
    if (!lim || !fn || lim->cpu_seconds == 0 || lim->deadline_seconds == 0 ||
        lim->memory_bytes == 0 || (int)profile < 0 || profile >= SANDBOX_PROFILES ||
        (profile != SANDBOX_STRICT && (!scratch_dir || !*scratch_dir))) {
        snprintf(oc->why, sizeof(oc->why), "sandbox: bad arguments");
        return MG_ERR_USAGE;
    }
    for (int i = 0; i < 3; i++) {
        if (fds[i] < -1 || (fds[i] >= 0 && fcntl(fds[i], F_GETFD) < 0)) {
            snprintf(oc->why, sizeof(oc->why), "sandbox: in_fd, out_fd or aux_fd is not open");
            return MG_ERR_USAGE;
        }
    }
    /* With SIGCHLD ignored the kernel reaps the worker itself and we would
     * never learn how it ended. */
    if (sigaction(SIGCHLD, NULL, &chld) == 0 && chld.sa_handler == SIG_IGN) {
        snprintf(oc->why, sizeof(oc->why), "sandbox: SIGCHLD is ignored");
        return MG_ERR_USAGE;
    }
    if (sandbox_init() != MG_OK) {
        snprintf(oc->why, sizeof(oc->why), "sandbox: %.180s", sandbox_error());
        return MG_ERR_SANDBOX;
    }
    /* The worker user must be able to work in its scratch directory. */
    if (profile != SANDBOX_STRICT && sb_cfg.drop_uid &&
        chown(scratch_dir, sb_cfg.uid, sb_cfg.gid) != 0) {
        snprintf(oc->why, sizeof(oc->why), "sandbox: chown scratch: %s", strerror(errno));
        return MG_ERR_SANDBOX;
    }
    return MG_OK;
}

/* Forks a worker, the same for sandbox_run() and sandbox_spawn(): the child
 * runs fn on fds (in, out, aux) under the profile and never returns; the
 * parent gets the pid, or -1 with errno from fork(). */
static pid_t child_fork(const struct sandbox_limits *lim, enum sandbox_profile profile,
                        const char *scratch_dir, sandbox_job_fn fn, void *arg, const int fds[3],
                        int res_fd, int err_fd)
{
    struct child_args ca = {
            .parent = getpid(),
            .profile = profile,
            .scratch_dir = scratch_dir,
            .lim = lim,
            .fn = fn,
            .arg = arg,
            .in_fd = fds[0],
            .out_fd = fds[1],
            .aux_fd = fds[2],
            .res_fd = res_fd,
            .err_fd = err_fd,
    };
    pid_t pid = fork();
    if (pid == 0)
        child_run(&ca);
    return pid;
}

int sandbox_run(const struct sandbox_limits *lim, enum sandbox_profile profile,
                const char *scratch_dir, sandbox_job_fn fn, void *arg, int in_fd, int out_fd,
                int aux_fd, struct sandbox_outcome *oc)
{
    int rc, p[2] = {-1, -1}, e[2] = {-1, -1};
    const int fds[3] = {in_fd, out_fd, aux_fd};
    struct watch w;

    memset(oc, 0, sizeof(*oc));
    memset(&w, 0, sizeof(w));
    w.pidfd = -1;
    buf_init(&w.res, lim ? lim->result_max : 0);
    buf_init(&w.err, SANDBOX_STDERR_MAX);
    if ((rc = check_args(lim, profile, scratch_dir, fn, fds, oc)) != MG_OK)
        goto out;
    rc = MG_ERR_SANDBOX;
    if (pipe2(p, O_CLOEXEC) != 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) != 0 ||
        pipe2(e, O_CLOEXEC) != 0 || fcntl(e[0], F_SETFL, O_NONBLOCK) != 0) {
        snprintf(oc->why, sizeof(oc->why), "sandbox: pipe: %s", strerror(errno));
        goto out;
    }

    int64_t deadline = now_ms() + (int64_t)lim->deadline_seconds * 1000;
    pid_t pid = child_fork(lim, profile, scratch_dir, fn, arg, fds, p[1], e[1]);
    if (pid < 0) {
        snprintf(oc->why, sizeof(oc->why), "sandbox: fork: %s", strerror(errno));
        goto out;
    }
    close(p[1]);
    close(e[1]);
    p[1] = e[1] = -1;

    /* A pidfd tells us when the worker is gone even if it closed its pipes
     * early; without one (kernel < 5.3) poll waitid now and then. */
    w.pid = pid;
    w.res_fd = p[0];
    w.err_fd = e[0];
    w.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    oc->timed_out = watch_worker(&w, deadline);

    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    pid_t got;
    do
        got = wait4(pid, &status, 0, &ru);
    while (got < 0 && errno == EINTR);
    if (!w.err_eof) /* killed: take what it managed to say */
        errlog_collect(w.err_fd, &w.err, &w.err_truncated, &w.err_eof);
    if (w.err.len) {
        oc->errlog_truncated = w.err_truncated;
        oc->errlog = (char *)buf_steal(&w.err, NULL);
        errlog_print(oc->errlog, oc->errlog_truncated);
    }
    if (got != pid) {
        snprintf(oc->why, sizeof(oc->why), "sandbox: worker status lost: %s", strerror(errno));
        goto out;
    }
    if (w.nomem) {
        rc = MG_ERR_NOMEM;
        snprintf(oc->why, sizeof(oc->why), "sandbox: no memory for the result");
        goto out;
    }
    if (WIFEXITED(status))
        oc->exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        oc->term_signal = WTERMSIG(status);
    oc->result_truncated = w.res_truncated;
    oc->ok = WIFEXITED(status) && oc->exit_code == 0 && !oc->timed_out && !oc->result_truncated;
    set_why(oc, lim, &ru);
    oc->result = buf_steal(&w.res, &oc->result_len);
    rc = MG_OK;
out:
    if (rc != MG_OK) {
        /* Keep why; everything else says "nothing happened". */
        char why[sizeof(oc->why)];
        memcpy(why, oc->why, sizeof(why));
        free(oc->errlog);
        memset(oc, 0, sizeof(*oc));
        memcpy(oc->why, why, sizeof(why));
    }
    buf_free(&w.res);
    buf_free(&w.err);
    if (w.pidfd >= 0)
        close(w.pidfd);
    for (int i = 0; i < 2; i++) {
        if (p[i] >= 0)
            close(p[i]);
        if (e[i] >= 0)
            close(e[i]);
    }
    return rc;
}

int sandbox_spawn(const struct sandbox_limits *lim, enum sandbox_profile profile,
                  const char *scratch_dir, sandbox_job_fn fn, void *arg, int in_fd, int out_fd,
                  int aux_fd, int res_fd, struct sandbox_child *ch)
{
    struct sandbox_outcome oc;
    const int fds[3] = {in_fd, out_fd, aux_fd};
    int e[2] = {-1, -1};

    memset(ch, 0, sizeof(*ch));
    ch->pid = -1;
    ch->pidfd = ch->err_fd = -1;
    memset(&oc, 0, sizeof(oc));
    int rc = check_args(lim, profile, scratch_dir, fn, fds, &oc);
    if (rc == MG_OK && (res_fd < 0 || fcntl(res_fd, F_GETFD) < 0))
        rc = MG_ERR_USAGE;
    if (rc != MG_OK)
        return rc;
    if (pipe2(e, O_CLOEXEC) != 0 || fcntl(e[0], F_SETFL, O_NONBLOCK) != 0)
        goto fail;
    pid_t pid = child_fork(lim, profile, scratch_dir, fn, arg, fds, res_fd, e[1]);
    if (pid < 0)
        goto fail;
    close(e[1]);
    ch->pid = pid;
    ch->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    ch->err_fd = e[0];
    return MG_OK;
fail:
    if (e[0] >= 0)
        close(e[0]);
    if (e[1] >= 0)
        close(e[1]);
    return MG_ERR_SANDBOX;
}

int sandbox_child_stderr(struct sandbox_child *ch)
{
    struct buf log;
    int eof = 0, truncated = ch->err_seen >= SANDBOX_STDERR_MAX;
    if (ch->err_fd < 0)
        return 1;
    buf_init(&log, SANDBOX_STDERR_MAX - (truncated ? 0 : ch->err_seen));
    errlog_collect(ch->err_fd, &log, &truncated, &eof);
    ch->err_seen += log.len;
    if (log.len)
        errlog_print((const char *)log.data, truncated && !ch->err_capped);
    ch->err_capped |= truncated;
    buf_free(&log);
    return eof;
}

void sandbox_child_close(struct sandbox_child *ch)
{
    if (ch->pidfd >= 0)
        close(ch->pidfd);
    if (ch->err_fd >= 0)
        close(ch->err_fd);
    ch->pidfd = ch->err_fd = -1;
}

void sandbox_outcome_free(struct sandbox_outcome *oc)
{
    if (!oc)
        return;
    free(oc->result);
    free(oc->errlog);
    oc->result = NULL;
    oc->errlog = NULL;
    oc->result_len = 0;
}

int sandbox_confine_self(enum sandbox_profile profile)
{
    int rc;
    if ((int)profile < 0 || profile >= SANDBOX_PROFILES)
        return MG_ERR_USAGE;
    if ((rc = sandbox_init()) != MG_OK)
        return rc;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &sc_prog[profile]) != 0)
        return MG_ERR_SANDBOX;
    return MG_OK;
}

uint64_t sandbox_inherited_vm(void)
{
    unsigned long long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}
