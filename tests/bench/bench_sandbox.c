/*
 * bench_sandbox - what does a worker per job cost?
 *
 *   bench_sandbox DBDIR FILE...
 *
 * Runs the same files twice: through job_run() (sanitize worker + scan
 * worker, as `mugai sanitize` does) and in-process (the same dispatch and
 * the same libclamav scans, no fork, no seccomp). Prints files/s for both
 * and the ratio.
 */
#include "err.h"
#include "job.h"
#include "names.h"
#include "policy.h"
#include "scan.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process so far (user + system), in seconds. */
static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_sandbox DBDIR FILE...\n");
        return 2;
    }
    struct policy pol;
    policy_defaults(&pol);
    struct scan_engine *se;
    unsigned sigs;
    int age;
    char err[512];
    if (scan_load(argv[1], &pol, &se, &sigs, &age, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    struct job_engine je;
    if (job_engine_init(&je, &pol, se) != MG_OK)
        return 2;
    int n = argc - 2, released_sb = 0, released_ip = 0;

    /* BENCH_INPROCESS_ONLY=1: only the in-process floor (the daemon's
     * benchmark compares its own runs against it). */
    const char *only = getenv("BENCH_INPROCESS_ONLY");
    int skip_sandboxed = only && *only == '1';
    double t0 = now();
    for (int i = 0; i < n && !skip_sandboxed; i++) {
        int fd = open(argv[i + 2], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        struct job_result r;
        struct job_request req = {names_basename(argv[i + 2]), fd, FT_UNKNOWN};
        if (job_run(&je, &req, &r) == MG_OK && r.released)
            released_sb++;
        job_result_free(&r);
        close(fd);
    }
    double t_sb = now() - t0;

    char scratch[] = "/tmp/mugai-bench-XXXXXX";
    if (!mkdtemp(scratch))
        return 3;
    t0 = now();
    double c0 = cpu_now();
    for (int i = 0; i < n; i++) {
        int fd = open(argv[i + 2], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        struct stat st;
        fstat(fd, &st);
        uint8_t *in = malloc((size_t)st.st_size + 1);
        if (in && read(fd, in, (size_t)st.st_size) == st.st_size) {
            struct buf out;
            buf_init(&out, pol.max_output_size);
            enum verdict v;
            struct scan_result sr;
            scan_fd(se, scratch, fd, &sr);
            if (job_sanitize_inprocess(&je, names_basename(argv[i + 2]), in, (size_t)st.st_size,
                                       &out, &v) == MG_OK) {
                int mfd = memfd_create("bench", MFD_CLOEXEC);
                if (mfd >= 0 && write(mfd, out.data, out.len) == (ssize_t)out.len) {
                    scan_fd(se, scratch, mfd, &sr);
                    released_ip++;
                }
                if (mfd >= 0)
                    close(mfd);
            }
            buf_free(&out);
        }
        free(in);
        close(fd);
    }
    double t_ip = now() - t0;
    double c_ip = cpu_now() - c0;
    rmdir(scratch);

    printf("files %d, released sandboxed %d, in-process %d\n", n, released_sb, released_ip);
    printf("sandboxed   %.3f s  %.1f files/s  %.0f us/file\n", t_sb, n / t_sb, t_sb * 1e6 / n);
    printf("in-process  %.3f s  %.1f files/s  %.0f us/file\n", t_ip, n / t_ip, t_ip * 1e6 / n);
    printf("in-process cpu %.3f s  %.0f us/file\n", c_ip, c_ip * 1e6 / n);
    printf("sandbox overhead ratio %.2fx\n", t_sb / t_ip);
    job_engine_done(&je);
    scan_free(se);
    return 0;
}
