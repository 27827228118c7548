/*
 * audit_send - events to the audit process (see audit_send.h).
 */
#include "audit_send.h"
#include "err.h"
#include "json.h"

#include <errno.h>
#include <linux/sockios.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <stdio.h>

static int audit_fd = -1;
static int audit_flags = MSG_NOSIGNAL;

void audit_send_set_fd(int fd, int nonblocking)
{
    audit_fd = fd;
    audit_flags = MSG_NOSIGNAL | (nonblocking ? MSG_DONTWAIT : 0);
}

static int event_name_ok(const char *e, size_t n)
{
    if (n == 0 || n > AUDIT_EVENT_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((e[i] >= 'a' && e[i] <= 'z') || e[i] == '-'))
            return 0;
    return 1;
}

int audit_event(const char *event, const char *fields)
{
    struct buf r;
    if (audit_fd < 0)
        return MG_OK;
    size_t en = strlen(event);
    if (!event_name_ok(event, en))
        return MG_ERR_USAGE;
    /* The record's id (process, its first event's time, a count): lets the
     * writer recognise a record it wrote just before it was killed. */
    static unsigned long long epoch, count;
    if (!epoch) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        epoch = (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000;
    }
    buf_init(&r, AUDIT_RECORD_MAX);
    char rid[80];
    snprintf(rid, sizeof(rid), "%d-%llu-%llu", (int)getpid(), epoch, ++count);
    int rc = buf_append(&r, event, en + 1);
    struct json j;
    json_fields(&j, &r);
    json_kv_str(&j, "rid", rid);
    if (rc == MG_OK)
        rc = json_end(&j);
    if (rc == MG_OK)
        rc = buf_append(&r, fields, strlen(fields));
    if (rc == MG_OK) {
        ssize_t s;
        do
            s = send(audit_fd, r.data, r.len, audit_flags);
        while (s < 0 && errno == EINTR);
        rc = s == (ssize_t)r.len ? MG_OK : MG_ERR_IO;
        if (rc != MG_OK)
            fprintf(stderr, "mugaid: audit event %s lost: %s\n", event, strerror(errno));
    }
    buf_free(&r);
    return rc;
}

int audit_wait_written(int timeout_ms)
{
    if (audit_fd < 0)
        return MG_OK;
    for (int waited_us = 0;; waited_us += 100) {
        int queued = 0;
        if (ioctl(audit_fd, SIOCOUTQ, &queued) != 0)
            return MG_ERR_IO;
        /* An empty queue means written only while someone reads it: when
         * the last reader goes (the daemon killed), the kernel marks our
         * end hung up first, then throws the queue away. */
        struct pollfd pf = {.fd = audit_fd, .events = POLLOUT};
        if (poll(&pf, 1, 0) < 0 || (pf.revents & (POLLHUP | POLLERR)))
            return MG_ERR_IO;
        if (queued == 0)
            return MG_OK;
        if (waited_us >= timeout_ms * 1000)
            return MG_ERR_IO;
        usleep(100); /* the writer takes a batch within a few hundred µs */
    }
}

int audit_record_parse(const uint8_t *p, size_t n, char event[AUDIT_EVENT_MAX + 1],
                       const char **fields)
{
    const uint8_t *z = memchr(p, 0, n);
    if (!z || !event_name_ok((const char *)p, (size_t)(z - p)))
        return MG_ERR_PARSE;
    size_t en = (size_t)(z - p), fn = n - en - 1;
    /* The fields are text up to the end of the record: no NUL inside. */
    if (memchr(z + 1, 0, fn))
        return MG_ERR_PARSE;
    memcpy(event, p, en);
    event[en] = 0;
    *fields = (const char *)z + 1;
    return MG_OK;
}
