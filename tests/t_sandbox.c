/*
 * t_sandbox - the worker sandbox bites: each hostile job below tries one
 * thing the sandbox must stop, and the test looks at how the worker ended
 * and at the world outside it (files, descriptors, its own survival), not
 * at what the sandbox says it did.
 */
#include "err.h"
#include "sandbox.h"
#include "t.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

/* ---- helpers ----------------------------------------------------------- */

static struct sandbox_limits limits(void)
{
    struct sandbox_limits l;
    memset(&l, 0, sizeof(l));
    l.cpu_seconds = 10;
    l.deadline_seconds = 20;
    l.memory_bytes = 1ULL << 30;
    l.output_bytes = 1 << 20;
    l.result_max = 4096;
    return l;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int memfd_with(const char *name, const void *data, size_t len)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd >= 0 && len && write(fd, data, len) != (ssize_t)len) {
        close(fd);
        return -1;
    }
    return fd;
}

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* Write a C string to the result pipe (no stdio in the worker). */
static void res_puts(int res, const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(res, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static int run(const struct sandbox_limits *l, enum sandbox_profile prof, const char *dir,
               sandbox_job_fn fn, void *arg, int in, int out, struct sandbox_outcome *oc)
{
    int rc = sandbox_run(l, prof, dir, fn, arg, in, out, -1, oc);
    if (rc != MG_OK)
        fprintf(stderr, "sandbox_run: %d (%s)\n", rc, oc->why);
    return rc;
}

/* ---- jobs -------------------------------------------------------------- */

/* Benign: upper-case the input into the output, report sizes and fds. */
static int job_echo(void *arg, int in, int out, int res)
{
    char buf[256], msg[128];
    size_t total = 0;
    ssize_t n;
    (void)arg;
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] >= 'a' && buf[i] <= 'z')
                buf[i] = (char)(buf[i] - 'a' + 'A');
        if (write(out, buf, (size_t)n) != n)
            return 2;
        total += (size_t)n;
    }
    if (n < 0)
        return 3;
    struct stat st; /* glibc's fstat is newfstatat(AT_EMPTY_PATH): allowed */
    if (fstat(in, &st) != 0 || (size_t)st.st_size != total)
        return 4;
    snprintf(msg, sizeof(msg), "len=%zu in=%d out=%d res=%d", total, in, out, res);
    res_puts(res, msg);
    return 0;
}

static int job_true(void *arg, int in, int out, int res)
{
    (void)arg, (void)in, (void)out, (void)res;
    return 0;
}

static int job_status(void *arg, int in, int out, int res)
{
    (void)in, (void)out, (void)res;
    return *(int *)arg;
}

/* Each forbidden job returns 0 after the call, so surviving it shows. */
static int job_open_passwd(void *arg, int in, int out, int res)
{
    (void)arg, (void)in, (void)out;
    int fd = open("/etc/passwd", O_RDONLY);
    res_puts(res, fd >= 0 ? "opened" : "open failed");
    return 0;
}

static int job_openat_raw(void *arg, int in, int out, int res)
{
    (void)arg, (void)in, (void)out;
    long fd = syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
    res_puts(res, fd >= 0 ? "opened" : "openat failed");
    return 0;
}

static int job_socket(void *arg, int in, int out, int res)
{
    (void)arg, (void)in, (void)out;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    res_puts(res, s >= 0 ? "socket" : "socket failed");
    return 0;
}

static int job_connect(void *arg, int in, int out, int res)
{
    struct sockaddr_in sa;
    (void)arg, (void)in, (void)out;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(80);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    long r = syscall(SYS_connect, res, &sa, sizeof(sa));
    res_puts(res, r == 0 ? "connected" : "connect failed");
    return 0;
}

static int job_execve(void *arg, int in, int out, int res)
{
    char *argv[] = {"/bin/sh", "-c", "true", NULL};
    char *envp[] = {NULL};
    (void)arg, (void)in, (void)out;
    execve("/bin/sh", argv, envp);
    res_puts(res, "execve failed");
    return 0;
}

static int job_fork(void *arg, int in, int out, int res)
{
    (void)arg, (void)in, (void)out;
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    res_puts(res, p > 0 ? "forked" : "fork failed");
    return 0;
}

static int job_ptrace(void *arg, int in, int out, int res)
{
    (void)arg, (void)in, (void)out;
    long r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    res_puts(res, r == 0 ? "traced" : "ptrace failed");
    return 0;
}

static int job_write_stdout(void *arg, int in, int out, int res)
{
    (void)arg, (void)in, (void)out;
    ssize_t w = write(1, "x", 1);
    res_puts(res, w == 1 ? "wrote stdout" : "stdout failed");
    return 0;
}

static int job_mmap_exec(void *arg, int in, int out, int res)
{
    (void)arg, (void)in, (void)out;
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                   0);
    res_puts(res, p != MAP_FAILED ? "mapped exec" : "mmap failed");
    return 0;
}

static int job_mprotect_exec(void *arg, int in, int out, int res)
{
    (void)arg, (void)in, (void)out;
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    int r = mprotect(p, 4096, PROT_READ | PROT_EXEC);
    res_puts(res, r == 0 ? "made exec" : "mprotect failed");
    return 0;
}

/* Raising its own limits: prlimit64 with a new value. */
static int job_setrlimit(void *arg, int in, int out, int res)
{
    struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
    (void)arg, (void)in, (void)out;
    int r = setrlimit(RLIMIT_FSIZE, &rl);
    res_puts(res, r == 0 ? "raised" : "setrlimit failed");
    return 0;
}

#if defined(__x86_64__)
/* The same open through the x32 and i386 entry points, which a filter
 * written for x86_64 numbers alone would miss. */
static int job_x32_open(void *arg, int in, int out, int res)
{
    (void)arg, (void)in, (void)out;
    long fd = syscall(0x40000000L | SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
    res_puts(res, fd >= 0 ? "opened" : "x32 openat failed");
    return 0;
}

static int job_int80_open(void *arg, int in, int out, int res)
{
    static const char path[] = "/etc/passwd";
    long r = 5; /* i386 open */
    (void)arg, (void)in, (void)out;
    __asm__ volatile("int $0x80" : "+a"(r) : "b"(path), "c"(0) : "memory");
    res_puts(res, r >= 0 ? "opened" : "int80 open failed");
    return 0;
}
#endif

static int job_symlink(void *arg, int in, int out, int res)
{
    (void)arg, (void)in, (void)out;
    int r = symlink("/etc/passwd", "link");
    res_puts(res, r == 0 ? "linked" : "symlink failed");
    return 0;
}

/* Signalling the parent must fail (EPERM); it must not kill the parent. */
static int job_kill_parent(void *arg, int in, int out, int res)
{
    char msg[64];
    (void)in, (void)out;
    int r = kill(*(pid_t *)arg, SIGKILL);
    snprintf(msg, sizeof(msg), "kill=%d errno=%d", r, r ? errno : 0);
    res_puts(res, msg);
    return 0;
}

static int job_clone3(void *arg, int in, int out, int res)
{
    char msg[64];
    (void)arg, (void)in, (void)out;
    long r = syscall(435 /* clone3 */, NULL, 0);
    snprintf(msg, sizeof(msg), "clone3=%ld errno=%d", r, r ? errno : 0);
    res_puts(res, msg);
    return 0;
}

static int job_spin(void *arg, int in, int out, int res)
{
    volatile unsigned long x = 0;
    (void)arg, (void)in, (void)out, (void)res;
    for (;;)
        x++;
    return 0;
}

static int job_spin_ignore_xcpu(void *arg, int in, int out, int res)
{
    (void)arg;
    signal(SIGXCPU, SIG_IGN);
    return job_spin(arg, in, out, res);
}

/* Stop talking, keep running: the deadline must still hold. */
static int job_close_and_spin(void *arg, int in, int out, int res)
{
    close(res);
    return job_spin(arg, in, out, -1);
}

/* Wait for input that never comes: no CPU used, only the deadline helps. */
static int job_block(void *arg, int in, int out, int res)
{
    char c;
    (void)arg, (void)out, (void)res;
    return read(in, &c, 1) >= 0 ? 0 : 1;
}

static int job_alloc(void *arg, int in, int out, int res)
{
    size_t n = *(size_t *)arg;
    (void)in, (void)out, (void)res;
    char *p = malloc(n);
    if (!p)
        return 3;
    for (size_t i = 0; i < n; i += 4096)
        p[i] = 1;
    res_puts(res, "allocated");
    free(p);
    return 0;
}

static int job_big_output(void *arg, int in, int out, int res)
{
    char buf[1024];
    (void)arg, (void)in, (void)res;
    memset(buf, 'A', sizeof(buf));
    for (int i = 0; i < 8; i++)
        if (write(out, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
            return 4;
    return 0;
}

static int job_big_result(void *arg, int in, int out, int res)
{
    char buf[1000];
    size_t total = *(size_t *)arg;
    (void)in, (void)out;
    memset(buf, 'R', sizeof(buf));
    for (size_t done = 0; done < total; done += sizeof(buf))
        if (write(res, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
            return 5;
    return 0;
}

static int job_segv(void *arg, int in, int out, int res)
{
    (void)arg, (void)in, (void)out, (void)res;
    volatile int *p = NULL;
    *p = 1;
    return 0;
}

static int job_abort(void *arg, int in, int out, int res)
{
    (void)arg, (void)in, (void)out, (void)res;
    abort();
}

/* List the descriptors the worker holds; say whether 0 and 1 are /dev/null. */
static int job_probe_fds(void *arg, int in, int out, int res)
{
    char msg[512];
    size_t n = 0;
    (void)arg, (void)in, (void)out;
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) >= 0 && n < sizeof(msg) - 16)
            n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%d ", fd);
    static const int slots[] = {0, 1, 3, 4, 6};
    for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
        struct stat st;
        int fd = slots[i];
        int null = fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
        n += (size_t)snprintf(msg + n, sizeof(msg) - n, "null%d=%d ", fd, null);
    }
    /* stderr is a pipe to the parent, never the caller's terminal. */
    struct stat st;
    n += (size_t)snprintf(msg + n, sizeof(msg) - n, "pipe2=%d ",
                          fstat(2, &st) == 0 && S_ISFIFO(st.st_mode));
    res_puts(res, msg);
    return 0;
}

/* Write a file in the worker, report its pid, then wait to be killed. */
static int job_pid_then_block(void *arg, int in, int out, int res)
{
    char msg[32];
    (void)arg, (void)res;
    int n = snprintf(msg, sizeof(msg), "%d", (int)getpid());
    if (write(out, msg, (size_t)n) != n)
        return 1;
    return job_block(arg, in, out, res);
}

/* SCRATCH: ordinary temp-file work inside the scratch directory. */
static int job_scratch_files(void *arg, int in, int out, int res)
{
    const char data[] = "scratch data";
    char back[sizeof(data)];
    (void)arg, (void)in, (void)out;
    int fd = open("work.tmp", O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return 10;
    if (write(fd, data, sizeof(data)) != (ssize_t)sizeof(data))
        return 11;
    if (lseek(fd, 0, SEEK_SET) != 0 || read(fd, back, sizeof(back)) != (ssize_t)sizeof(back) ||
        memcmp(back, data, sizeof(data)) != 0)
        return 12;
    if (ftruncate(fd, 4) != 0)
        return 13;
    close(fd);
    if (mkdir("sub", 0700) != 0 || rename("work.tmp", "sub/moved.tmp") != 0)
        return 14;
    struct stat st;
    if (stat("sub/moved.tmp", &st) != 0 || st.st_size != 4)
        return 15;
    if (unlink("sub/moved.tmp") != 0 || rmdir("sub") != 0)
        return 16;
    /* Leave one file, so the test can see the work happened where it should. */
    if ((fd = open("left.txt", O_CREAT | O_WRONLY | O_TRUNC, 0600)) < 0)
        return 17;
    if (write(fd, "left", 4) != 4)
        return 18;
    close(fd);
    res_puts(res, "scratch ok");
    return 0;
}

/* SCRATCH: try to get out of the scratch directory. */
static int job_scratch_escape(void *arg, int in, int out, int res)
{
    char msg[256];
    const char *outside = arg;
    (void)in, (void)out;
    int a = open("/etc/passwd", O_RDONLY);
    int ea = a < 0 ? errno : 0;
    int b = open(outside, O_CREAT | O_WRONLY, 0600);
    int eb = b < 0 ? errno : 0;
    int c = mkdir("../escaped-dir", 0700);
    int ec = c < 0 ? errno : 0;
    int d = open("/", O_RDONLY | O_DIRECTORY);
    int ed = d < 0 ? errno : 0;
    snprintf(msg, sizeof(msg), "passwd=%d create=%d mkdir=%d root=%d", ea, eb, ec, ed);
    res_puts(res, msg);
    return 0;
}

/* Who the worker runs as. */
static int job_whoami(void *arg, int in, int out, int res)
{
    char msg[96];
    (void)arg, (void)in, (void)out;
    snprintf(msg, sizeof(msg), "uid=%d gid=%d groups=%d", (int)getuid(), (int)getgid(),
             getgroups(0, NULL));
    res_puts(res, msg);
    return 0;
}

/* ---- tests ------------------------------------------------------------- */

/* Built as t_sandbox_ns (with the test hooks): no Landlock, so SCRATCH
 * gets a private mount namespace; as root, workers run as nobody. */
#ifdef T_SANDBOX_NS
static const int ns_mode = 1;
#else
static const int ns_mode = 0;
#endif
static int drop_uid;

static void test_user(void)
{
    struct sandbox_limits l = limits();
    struct sandbox_outcome oc;
    char want[96];
    if (drop_uid)
        snprintf(want, sizeof(want), "uid=65534 gid=65534 groups=0");
    else
        snprintf(want, sizeof(want), "uid=%d gid=%d groups=%d", (int)getuid(), (int)getgid(),
                 getgroups(0, NULL));
    for (int prof = 0; prof < 2; prof++) {
        char dir[] = "/tmp/t_sandbox_user.XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        CHECK(run(&l, (enum sandbox_profile)prof, dir, job_whoami, NULL, -1, -1, &oc) == MG_OK);
        CHECK(oc.ok && oc.result && strcmp((char *)oc.result, want) == 0);
        if (oc.result)
            fprintf(stderr, "worker identity (%s): %s\n", prof ? "scratch" : "strict",
                    (char *)oc.result);
        sandbox_outcome_free(&oc);
        rmdir(dir);
    }
}

static void test_benign(void)
{
    struct sandbox_limits l = limits();
    struct sandbox_outcome oc;
    const char text[] = "hello sandbox";
    int in = memfd_with("in", text, strlen(text));
    int out = memfd_with("out", NULL, 0);
    lseek(in, 0, SEEK_SET);

    CHECK(run(&l, SANDBOX_STRICT, NULL, job_echo, NULL, in, out, &oc) == MG_OK);
    CHECK(oc.ok);
    CHECK_EQ_INT(oc.exit_code, 0);
    CHECK_EQ_INT(oc.term_signal, 0);
    CHECK(oc.result && strcmp((char *)oc.result, "len=13 in=3 out=4 res=5") == 0);
    char back[64] = {0};
    CHECK_EQ_INT(pread(out, back, sizeof(back) - 1, 0), 13);
    CHECK(strcmp(back, "HELLO SANDBOX") == 0);
    if (!oc.ok || !oc.result)
        fprintf(stderr, "benign: why=%s result=%s\n", oc.why, oc.result ? (char *)oc.result : "");
    sandbox_outcome_free(&oc);

    int st = 7;
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_status, &st, -1, -1, &oc) == MG_OK);
    CHECK(!oc.ok);
    CHECK_EQ_INT(oc.exit_code, 7);
    CHECK(strstr(oc.why, "exited with status 7") != NULL);
    sandbox_outcome_free(&oc);
    st = 300; /* out of range: reported as 125, never as success */
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_status, &st, -1, -1, &oc) == MG_OK);
    CHECK(!oc.ok);
    CHECK_EQ_INT(oc.exit_code, 125);
    sandbox_outcome_free(&oc);

    close(in);
    close(out);
}

static void test_bad_args(void)
{
    struct sandbox_limits l = limits();
    struct sandbox_outcome oc;
    CHECK(sandbox_run(&l, SANDBOX_SCRATCH, NULL, job_true, NULL, -1, -1, -1, &oc) == MG_ERR_USAGE);
    CHECK(!oc.ok && oc.result == NULL);
    l.deadline_seconds = 0;
    CHECK(sandbox_run(&l, SANDBOX_STRICT, NULL, job_true, NULL, -1, -1, -1, &oc) == MG_ERR_USAGE);
    l = limits();
    CHECK(sandbox_run(&l, SANDBOX_STRICT, NULL, job_true, NULL, 1000, -1, -1, &oc) == MG_ERR_USAGE);
}

struct forbidden {
    const char *name;
    sandbox_job_fn fn;
    int scratch_too; /* also forbidden in SCRATCH */
    /* Another signal that also means "stopped before the call did
     * anything": int 0x80 on a kernel without IA-32 emulation is a general
     * protection fault (SIGSEGV), not a system call the filter sees. */
    int alt_signal;
};

static void test_forbidden(void)
{
    static const struct forbidden jobs[] = {
        {"open /etc/passwd", job_open_passwd, 0, 0},
        {"raw openat", job_openat_raw, 0, 0},
        {"socket", job_socket, 1, 0},
        {"connect", job_connect, 1, 0},
        {"execve /bin/sh", job_execve, 1, 0},
        {"fork", job_fork, 1, 0},
        {"ptrace", job_ptrace, 1, 0},
        {"write to stdout", job_write_stdout, 0, 0},
        {"mmap PROT_EXEC", job_mmap_exec, 1, 0},
        {"mprotect PROT_EXEC", job_mprotect_exec, 1, 0},
        {"raise an rlimit", job_setrlimit, 1, 0},
#if defined(__x86_64__)
        {"x32 openat", job_x32_open, 1, 0},
        {"i386 int 0x80 open", job_int80_open, 1, SIGSEGV},
#endif
    };
    struct sandbox_limits l = limits();
    char dir[] = "/tmp/t_sandbox_forbid.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);

    for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
        for (int prof = 0; prof < 2; prof++) {
            if (prof == SANDBOX_SCRATCH && !jobs[i].scratch_too)
                continue;
            struct sandbox_outcome oc;
            CHECK(run(&l, (enum sandbox_profile)prof, dir, jobs[i].fn, NULL, -1, -1, &oc) == MG_OK);
            CHECK(!oc.ok);
            int stopped = oc.term_signal == SIGSYS ||
                          (jobs[i].alt_signal && oc.term_signal == jobs[i].alt_signal);
            CHECK(stopped);
            CHECK(oc.term_signal != SIGSYS || strstr(oc.why, "forbidden system call") != NULL);
            CHECK_EQ_INT(oc.result_len, 0); /* it never got past the call */
            if (!stopped)
                fprintf(stderr, "%s (%s): why=%s result=%.*s\n", jobs[i].name,
                        prof ? "scratch" : "strict", oc.why, (int)oc.result_len,
                        oc.result ? (char *)oc.result : "");
            sandbox_outcome_free(&oc);
        }
    }
    struct sandbox_outcome oc;
    CHECK(run(&l, SANDBOX_SCRATCH, dir, job_symlink, NULL, -1, -1, &oc) == MG_OK);
    CHECK_EQ_INT(oc.term_signal, SIGSYS);
    sandbox_outcome_free(&oc);
    rmdir(dir);

    /* Signals: refused, and we are still here to check. */
    pid_t me = getpid();
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_kill_parent, &me, -1, -1, &oc) == MG_OK);
    CHECK(oc.ok);
    CHECK(oc.result && strcmp((char *)oc.result, "kill=-1 errno=1") == 0);
    sandbox_outcome_free(&oc);
    /* clone3 is probed by glibc: ENOSYS, not death. */
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_clone3, NULL, -1, -1, &oc) == MG_OK);
    CHECK(oc.ok);
    CHECK(oc.result && strcmp((char *)oc.result, "clone3=-1 errno=38") == 0);
    sandbox_outcome_free(&oc);
}

static void test_crashes(void)
{
    struct sandbox_limits l = limits();
    struct sandbox_outcome oc;
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_segv, NULL, -1, -1, &oc) == MG_OK);
    CHECK(!oc.ok);
#ifndef MUGAI_HAVE_ASAN /* ASan turns the fault into its own report */
    CHECK_EQ_INT(oc.term_signal, SIGSEGV);
    CHECK(strstr(oc.why, "crashed (signal 11: SIGSEGV)") != NULL);
#endif
    sandbox_outcome_free(&oc);
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_abort, NULL, -1, -1, &oc) == MG_OK);
    CHECK(!oc.ok);
    CHECK(oc.term_signal != 0 || oc.exit_code != 0);
#ifndef MUGAI_HAVE_ASAN              /* ASan's report of the crash dies on its open() */
    CHECK(oc.term_signal != SIGSYS); /* abort() is a crash, not a forbidden call */
#endif
    fprintf(stderr, "abort() ends as: %s\n", oc.why);
    sandbox_outcome_free(&oc);
}

static void test_time(void)
{
    struct sandbox_limits l = limits();
    struct sandbox_outcome oc;
    double t0;

    l.deadline_seconds = 2;
    l.cpu_seconds = 10;
    t0 = now_s();
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_spin, NULL, -1, -1, &oc) == MG_OK);
    double took = now_s() - t0;
    CHECK(!oc.ok);
    CHECK(oc.timed_out);
    CHECK_EQ_INT(oc.term_signal, SIGKILL);
    CHECK(strstr(oc.why, "deadline of 2 s exceeded") != NULL);
    CHECK(took >= 1.9 && took < 3.0);
    sandbox_outcome_free(&oc);

    /* No CPU used, pipe closed early: the deadline alone must end it. */
    int p[2];
    CHECK(pipe(p) == 0);
    t0 = now_s();
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_block, NULL, p[0], -1, &oc) == MG_OK);
    CHECK(oc.timed_out && !oc.ok);
    CHECK(now_s() - t0 < 3.0);
    sandbox_outcome_free(&oc);
    close(p[0]);
    close(p[1]);
    t0 = now_s();
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_close_and_spin, NULL, -1, -1, &oc) == MG_OK);
    CHECK(oc.timed_out && !oc.ok);
    CHECK(now_s() - t0 < 3.0);
    sandbox_outcome_free(&oc);

    /* CPU limit: SIGXCPU at 1 s, long before the deadline. */
    l.deadline_seconds = 30;
    l.cpu_seconds = 1;
    t0 = now_s();
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_spin, NULL, -1, -1, &oc) == MG_OK);
    CHECK(!oc.ok && !oc.timed_out);
    CHECK_EQ_INT(oc.term_signal, SIGXCPU);
    CHECK(strstr(oc.why, "CPU time limit exceeded") != NULL);
    CHECK(now_s() - t0 < 30.0); /* before the deadline, however busy the machine */
    sandbox_outcome_free(&oc);
    /* Ignoring SIGXCPU only buys a second: the hard limit is SIGKILL. */
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_spin_ignore_xcpu, NULL, -1, -1, &oc) == MG_OK);
    CHECK(!oc.ok && !oc.timed_out);
    CHECK_EQ_INT(oc.term_signal, SIGKILL);
    CHECK(strstr(oc.why, "CPU time limit exceeded") != NULL);
    sandbox_outcome_free(&oc);
}

static void test_memory(void)
{
    struct sandbox_limits l = limits();
    struct sandbox_outcome oc;
    size_t big = (size_t)1 << 30, small = (size_t)32 << 20;
    l.memory_bytes = 256ULL << 20;
#ifdef MUGAI_HAVE_ASAN
    (void)big;
    printf("memory limit: skipped (ASan build has no address-space limit)\n");
#else
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_alloc, &big, -1, -1, &oc) == MG_OK);
    CHECK(!oc.ok);
    CHECK_EQ_INT(oc.exit_code, 3); /* malloc returned NULL: the limit bit */
    sandbox_outcome_free(&oc);
#endif
    /* A smaller need passes: the limit is not blanket, and the allocator
     * (ASan's too) gets what it needs from the filter. */
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_alloc, &small, -1, -1, &oc) == MG_OK);
    CHECK(oc.ok);
    if (!oc.ok)
        fprintf(stderr, "32 MiB allocation: %s\n", oc.why);
    sandbox_outcome_free(&oc);
}

static void test_output_limit(void)
{
    struct sandbox_limits l = limits();
    struct sandbox_outcome oc;
    int out = memfd_with("out", NULL, 0);
    struct stat st;

    l.output_bytes = 4096;
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_big_output, NULL, -1, out, &oc) == MG_OK);
    CHECK(!oc.ok);
    CHECK_EQ_INT(oc.term_signal, SIGXFSZ);
    CHECK(strstr(oc.why, "output size limit exceeded") != NULL);
    CHECK(fstat(out, &st) == 0 && st.st_size <= 4096);
    sandbox_outcome_free(&oc);
    close(out);
}

static void test_result_limit(void)
{
    struct sandbox_limits l = limits();
    struct sandbox_outcome oc;
    size_t n = 1000;

    l.result_max = 100;
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_big_result, &n, -1, -1, &oc) == MG_OK);
    CHECK(!oc.ok);
    CHECK(oc.result_truncated);
    CHECK_EQ_INT(oc.result_len, 100);
    CHECK_EQ_INT(oc.exit_code, 0);
    CHECK(strstr(oc.why, "result too large") != NULL);
    sandbox_outcome_free(&oc);

    /* Far more than a pipe holds: drained, so the worker can finish. */
    n = 8 << 20;
    double t0 = now_s();
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_big_result, &n, -1, -1, &oc) == MG_OK);
    CHECK(!oc.ok && oc.result_truncated && !oc.timed_out);
    CHECK_EQ_INT(oc.exit_code, 0);
    CHECK_EQ_INT(oc.result_len, 100);
    CHECK(now_s() - t0 < 5.0);
    sandbox_outcome_free(&oc);

    /* Exactly result_max is fine. */
    n = 1000;
    l.result_max = 1000;
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_big_result, &n, -1, -1, &oc) == MG_OK);
    CHECK(oc.ok && !oc.result_truncated);
    CHECK_EQ_INT(oc.result_len, 1000);
    sandbox_outcome_free(&oc);
}

static void test_fds(void)
{
    struct sandbox_limits l = limits();
    struct sandbox_outcome oc;
    char want[128];

    /* Descriptors the parent holds and did not pass, low and high. */
    int secret = open("/etc/passwd", O_RDONLY); /* no CLOEXEC on purpose */
    CHECK(secret >= 0);
    int high = fcntl(secret, F_DUPFD, 40);
    CHECK(high >= 40);

    CHECK(run(&l, SANDBOX_STRICT, NULL, job_probe_fds, NULL, -1, -1, &oc) == MG_OK);
    CHECK(oc.ok);
    CHECK(oc.result && strcmp((char *)oc.result, "0 1 2 3 4 5 6 null0=1 null1=1 null3=1 null4=1 "
                                                 "null6=1 pipe2=1 ") == 0);
    if (oc.result)
        fprintf(stderr, "worker fds without in/out: %s\n", (char *)oc.result);
    sandbox_outcome_free(&oc);

    int in = memfd_with("in", "x", 1), out = memfd_with("out", NULL, 0);
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_probe_fds, NULL, in, out, &oc) == MG_OK);
    CHECK(oc.ok);
    snprintf(want, sizeof(want), "0 1 2 3 4 5 6 null0=1 null1=1 null3=0 null4=0 null6=1 pipe2=1 ");
    CHECK(oc.result && strcmp((char *)oc.result, want) == 0);
    sandbox_outcome_free(&oc);

    close(secret);
    close(high);

    /* The caller's descriptors sit on the numbers the worker uses, crosswise:
     * output on 3, input on 4. The worker must still get in=3, out=4. */
    int a = fcntl(in, F_DUPFD_CLOEXEC, 60), b = fcntl(out, F_DUPFD_CLOEXEC, 61);
    close(in);
    close(out);
    CHECK(dup2(b, 3) == 3 && dup2(a, 4) == 4);
    lseek(4, 0, SEEK_SET);
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_echo, NULL, 4, 3, &oc) == MG_OK);
    CHECK(oc.ok);
    CHECK(oc.result && strcmp((char *)oc.result, "len=1 in=3 out=4 res=5") == 0);
    char back[8] = {0};
    CHECK(pread(3, back, sizeof(back) - 1, 0) == 1 && strcmp(back, "X") == 0);
    sandbox_outcome_free(&oc);
    /* The same descriptor as input and output. */
    CHECK(run(&l, SANDBOX_STRICT, NULL, job_probe_fds, NULL, a, a, &oc) == MG_OK);
    CHECK(oc.ok && oc.result && strncmp((char *)oc.result, "0 1 2 3 4 5 ", 12) == 0);
    sandbox_outcome_free(&oc);
    close(3);
    close(4);
    close(a);
    close(b);
}

static int dir_entries(const char *dir, char *names, size_t cap)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    names[0] = 0;
    if (!d)
        return -1;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        size_t used = strlen(names), len = strlen(e->d_name);
        if (used + len + 2 <= cap) {
            memcpy(names + used, e->d_name, len);
            memcpy(names + used + len, " ", 2);
        }
    }
    closedir(d);
    return n;
}

static void test_scratch(void)
{
    struct sandbox_limits l = limits();
    struct sandbox_outcome oc;
    char dir[] = "/tmp/t_sandbox_scratch.XXXXXX", names[256], path[300];
    CHECK(mkdtemp(dir) != NULL);

    CHECK(run(&l, SANDBOX_SCRATCH, dir, job_scratch_files, NULL, -1, -1, &oc) == MG_OK);
    CHECK(oc.ok);
    if (!oc.ok)
        fprintf(stderr, "scratch: %s\n", oc.why);
    sandbox_outcome_free(&oc);
    if (ns_mode) {
        /* The work happened on a tmpfs of the worker's own, gone with it. */
        CHECK_EQ_INT(dir_entries(dir, names, sizeof(names)), 0);
    } else {
        /* The work happened in the scratch directory, and only its one
         * deliberate leftover remains there. */
        CHECK_EQ_INT(dir_entries(dir, names, sizeof(names)), 1);
        CHECK(strcmp(names, "left.txt ") == 0);
        snprintf(path, sizeof(path), "%s/left.txt", dir);
        char buf[16] = {0};
        int fd = open(path, O_RDONLY);
        CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) == 4 && strcmp(buf, "left") == 0);
        if (fd >= 0)
            close(fd);
        unlink(path);
    }

    /* Escape attempts. */
    char outside[300];
    snprintf(outside, sizeof(outside), "%s.escaped", dir);
    CHECK(run(&l, SANDBOX_SCRATCH, dir, job_scratch_escape, outside, -1, -1, &oc) == MG_OK);
    if (sandbox_have_landlock()) {
        CHECK(oc.ok);
        char want[128];
        snprintf(want, sizeof(want), "passwd=%d create=%d mkdir=%d root=%d", EACCES, EACCES, EACCES,
                 EACCES);
        CHECK(oc.result && strcmp((char *)oc.result, want) == 0);
        if (oc.result)
            fprintf(stderr, "escape attempts (Landlock ABI %d): %s\n", sandbox_have_landlock(),
                    (char *)oc.result);
        struct stat st;
        CHECK(stat(outside, &st) != 0 && errno == ENOENT);
        snprintf(path, sizeof(path), "%s/../escaped-dir", dir);
        CHECK(stat(path, &st) != 0 && errno == ENOENT);
    } else if (ns_mode) {
        /* Nothing but the empty tmpfs exists: no /etc, no /tmp; ".." of
         * its root is itself, so the mkdir lands on the tmpfs. */
        CHECK(oc.ok);
        CHECK(strcmp(sandbox_scratch_confinement(), "mount-namespace") == 0);
        char want[128];
        snprintf(want, sizeof(want), "passwd=%d create=%d mkdir=0 root=0", ENOENT, ENOENT);
        CHECK(oc.result && strcmp((char *)oc.result, want) == 0);
        if (oc.result)
            fprintf(stderr, "escape attempts (mount namespace): %s\n", (char *)oc.result);
        struct stat st;
        CHECK(stat(outside, &st) != 0 && errno == ENOENT);
        snprintf(path, sizeof(path), "%s/../escaped-dir", dir);
        CHECK(stat(path, &st) != 0 && errno == ENOENT);
    } else {
        printf("scratch confinement: skipped (no Landlock: SCRATCH paths are not confined)\n");
    }
    sandbox_outcome_free(&oc);
    unlink(outside);
    rmdir("/tmp/escaped-dir");
    CHECK(rmdir(dir) == 0);
}

/* The worker dies with its parent (PR_SET_PDEATHSIG). We become a
 * subreaper so the orphaned worker comes back to us to be examined. */
static void test_parent_death(void)
{
    struct sandbox_limits l = limits();
    int out = memfd_with("pid", NULL, 0), p[2];
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
    CHECK(pipe(p) == 0);

    pid_t middle = fork();
    if (middle == 0) {
        struct sandbox_outcome oc;
        close(p[1]);
        sandbox_run(&l, SANDBOX_STRICT, NULL, job_pid_then_block, NULL, p[0], out, -1, &oc);
        _exit(0);
    }
    close(p[0]);
    /* Wait for the worker to say who it is. */
    char buf[32] = {0};
    double t0 = now_s();
    while (pread(out, buf, sizeof(buf) - 1, 0) <= 0 && now_s() - t0 < 10)
        usleep(10000);
    pid_t worker = (pid_t)atoi(buf);
    CHECK(worker > 0);
    kill(middle, SIGKILL);
    int st;
    CHECK(waitpid(middle, &st, 0) == middle);
    if (worker > 0) {
        /* The worker now belongs to us; it must be dead of SIGKILL, soon. */
        pid_t w = -1;
        t0 = now_s();
        while ((w = waitpid(worker, &st, WNOHANG)) == 0 && now_s() - t0 < 5)
            usleep(10000);
        CHECK(w == worker);
        CHECK(w == worker && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        if (w == 0)
            kill(worker, SIGKILL), waitpid(worker, &st, 0);
    }
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    close(p[1]);
    close(out);
}

static void test_many_and_bench(void)
{
    struct sandbox_limits l = limits();
    struct sandbox_outcome oc;
    const char text[] = "some input";
    int in = memfd_with("in", text, sizeof(text) - 1);
    int out = memfd_with("out", NULL, 0);

    int before = count_fds();
    int good = 0;
    for (int i = 0; i < 200; i++) {
        lseek(in, 0, SEEK_SET);
        if (ftruncate(out, 0) != 0)
            break;
        lseek(out, 0, SEEK_SET);
        if (sandbox_run(&l, SANDBOX_STRICT, NULL, job_echo, NULL, in, out, -1, &oc) == MG_OK &&
            oc.ok && oc.result && strncmp((char *)oc.result, "len=10 ", 7) == 0)
            good++;
        sandbox_outcome_free(&oc);
    }
    CHECK_EQ_INT(good, 200);
    CHECK_EQ_INT(count_fds(), before);
    close(in);
    close(out);

    /* Cost of the sandbox per job: 1000 trivial jobs vs 1000 direct calls. */
    enum { N = 1000 };
    double t0 = now_s();
    int okn = 0;
    for (int i = 0; i < N; i++) {
        if (sandbox_run(&l, SANDBOX_STRICT, NULL, job_true, NULL, -1, -1, -1, &oc) == MG_OK &&
            oc.ok)
            okn++;
        sandbox_outcome_free(&oc);
    }
    double t_box = now_s() - t0;
    CHECK_EQ_INT(okn, N);

    char dir[] = "/tmp/t_sandbox_bench.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    t0 = now_s();
    for (int i = 0; i < N; i++) {
        sandbox_run(&l, SANDBOX_SCRATCH, dir, job_true, NULL, -1, -1, -1, &oc);
        sandbox_outcome_free(&oc);
    }
    double t_scr = now_s() - t0;
    rmdir(dir);

    volatile int sink = 0;
    sandbox_job_fn volatile direct = job_true;
    t0 = now_s();
    for (int i = 0; i < N; i++)
        sink += direct(NULL, -1, -1, -1);
    double t_direct = now_s() - t0;
    printf("per job: sandboxed STRICT %.1f us, SCRATCH %.1f us, direct call %.3f us\n",
           t_box * 1e6 / N, t_scr * 1e6 / N, t_direct * 1e6 / N);
}

/* Inside a chroot: the root directory is not a mount point (no line of
 * mountinfo has "/" as its mount point, the fifth field). */
static int in_chroot(void)
{
    char line[4096];
    int found = 0;
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof(line), f)) {
        char *p = line;
        for (int field = 0; field < 4 && p; field++)
            p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
        found = p && strncmp(p, "/ ", 2) == 0;
    }
    fclose(f);
    return !found;
}

int main(void)
{
    /* Nothing here writes to a closed pipe, but the parent must not die of
     * SIGPIPE by accident either: run with the default disposition. */
    signal(SIGPIPE, SIG_DFL);
    if (ns_mode && in_chroot()) {
        /* No private mount namespace in a chroot: without Landlock the
         * sandbox must refuse to start, and say why. */
        setenv("MUGAI_TEST_NO_LANDLOCK", "1", 1);
        CHECK(sandbox_init() == MG_ERR_SANDBOX);
        CHECK(strstr(sandbox_error(), "not inside a chroot") != NULL);
        fprintf(stderr, "in a chroot: the namespace cases cannot run; refusal checked\n");
        return t_done();
    }
    if (ns_mode) {
        setenv("MUGAI_TEST_NO_LANDLOCK", "1", 1);
        if (geteuid() == 0) {
            struct sandbox_config cfg = {.drop_uid = 1, .uid = 65534, .gid = 65534};
            CHECK(sandbox_configure(&cfg) == MG_OK);
            drop_uid = 1;
        }
    }
    CHECK(sandbox_init() == MG_OK);
    test_user();
    test_bad_args();
    test_benign();
    test_forbidden();
    test_crashes();
    test_fds();
    test_output_limit();
    test_result_limit();
    test_memory();
    test_scratch();
    test_parent_death();
    test_time();
    test_many_and_bench();
    return t_done();
}
