/*
 * batch - runners for independent items, output in order (see batch.h).
 */
#include "batch.h"
#include "err.h"
#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define BATCH_MAX_JOBS 64
#define BATCH_LINE_MAX (16u << 20) /* a JSON report line is capped well below this */

struct batch_rec {
    uint32_t index;
    int32_t status;
    uint32_t len;
};

static int batch_read_full(int fd, void *p, size_t n)
{
    uint8_t *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return MG_ERR_IO;
        c += r;
        n -= (size_t)r;
    }
    return MG_OK;
}

static void batch_runner(int n, batch_item_fn fn, void *arg, int *next, int wfd)
{
    struct buf line;
    buf_init(&line, BATCH_LINE_MAX);
    for (;;) {
        int i = __atomic_fetch_add(next, 1, __ATOMIC_SEQ_CST);
        if (i >= n)
            break;
        buf_reset(&line);
        struct batch_rec rec = {(uint32_t)i, fn(i, arg, &line), 0};
        rec.len = (uint32_t)line.len;
        if (fdio_write_all(wfd, &rec, sizeof(rec)) != MG_OK ||
            (line.len && fdio_write_all(wfd, line.data, line.len) != MG_OK))
            _exit(1);
    }
    buf_free(&line);
    _exit(0);
}

static int batch_inline(int n, batch_item_fn fn, void *arg, batch_worse_fn worse, FILE *out)
{
    struct buf line;
    int status = 0;
    buf_init(&line, BATCH_LINE_MAX);
    for (int i = 0; i < n; i++) {
        buf_reset(&line);
        status = worse(status, fn(i, arg, &line));
        fwrite(line.data ? line.data : (const uint8_t *)"", 1, line.len, out);
        fflush(out);
    }
    buf_free(&line);
    return status;
}

int batch_run(int n, int jobs, batch_item_fn fn, void *arg, batch_worse_fn worse,
              int internal_status, FILE *out)
{
    if (jobs > n)
        jobs = n;
    if (jobs > BATCH_MAX_JOBS)
        jobs = BATCH_MAX_JOBS;
    if (jobs <= 1)
        return batch_inline(n, fn, arg, worse, out);

    int status = 0, printed = 0, open_pipes = 0;
    pid_t pids[BATCH_MAX_JOBS];
    struct pollfd pfd[BATCH_MAX_JOBS];
    struct buf *lines = calloc((size_t)n, sizeof(*lines));
    uint8_t *done = calloc((size_t)n, 1);
    int *next = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!lines || !done || next == MAP_FAILED) {
        free(lines);
        free(done);
        if (next != MAP_FAILED)
            munmap(next, sizeof(int));
        return batch_inline(n, fn, arg, worse, out);
    }
    *next = 0;
    fflush(out);
    for (int k = 0; k < jobs; k++) {
        int p[2];
        pids[k] = -1;
        pfd[k].fd = -1;
        pfd[k].events = POLLIN;
        if (pipe2(p, O_CLOEXEC) != 0)
            continue;
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            for (int j = 0; j < k; j++)
                if (pfd[j].fd >= 0)
                    close(pfd[j].fd);
            batch_runner(n, fn, arg, next, p[1]);
        }
        close(p[1]);
        if (pid < 0) {
            close(p[0]);
            continue;
        }
        pids[k] = pid;
        pfd[k].fd = p[0];
        open_pipes++;
    }
    if (open_pipes == 0) {
        munmap(next, sizeof(int));
        free(lines);
        free(done);
        return batch_inline(n, fn, arg, worse, out);
    }

    while (open_pipes > 0) {
        if (poll(pfd, (nfds_t)jobs, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int k = 0; k < jobs; k++) {
            if (pfd[k].fd < 0 || !(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            struct batch_rec rec;
            if (batch_read_full(pfd[k].fd, &rec, sizeof(rec)) != MG_OK ||
                rec.index >= (uint32_t)n || done[rec.index] || rec.len > BATCH_LINE_MAX) {
                close(pfd[k].fd);
                pfd[k].fd = -1;
                open_pipes--;
                continue;
            }
            struct buf *l = &lines[rec.index];
            buf_init(l, BATCH_LINE_MAX);
            if (rec.len && (buf_reserve(l, rec.len) != MG_OK ||
                            batch_read_full(pfd[k].fd, l->data, rec.len) != MG_OK)) {
                close(pfd[k].fd);
                pfd[k].fd = -1;
                open_pipes--;
                continue;
            }
            l->len = rec.len;
            done[rec.index] = 1;
            status = worse(status, rec.status);
            /* Print whatever is now contiguous from the front. */
            while (printed < n && done[printed]) {
                fwrite(lines[printed].data ? lines[printed].data : (const uint8_t *)"", 1,
                       lines[printed].len, out);
                buf_free(&lines[printed]);
                printed++;
            }
            fflush(out);
        }
    }
    for (int k = 0; k < jobs; k++) {
        if (pids[k] < 0)
            continue;
        int ws;
        while (waitpid(pids[k], &ws, 0) < 0 && errno == EINTR)
            ;
    }
    /* Items no runner reported: a runner died. */
    for (int i = printed; i < n; i++) {
        if (done[i]) {
            fwrite(lines[i].data ? lines[i].data : (const uint8_t *)"", 1, lines[i].len, out);
        } else {
            status = worse(status, internal_status);
            fprintf(stderr, "mugai: item %d: its runner process failed; its result is unknown\n",
                    i + 1);
        }
        buf_free(&lines[i]);
    }
    fflush(out);
    munmap(next, sizeof(int));
    free(lines);
    free(done);
    return status;
}
