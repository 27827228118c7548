/*
 * auditd - the audit writer process (see auditd.h).
 */
#include "auditd.h"
#include "audit.h"
#include "alerts.h"
#include "audit_send.h"
#include "err.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define AUDITD_BATCH_MAX 256 /* records appended before one fsync */

static volatile sig_atomic_t stop_requested;

static void on_term(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* One record: its line into the log and its copy to syslog. A malformed
 * record is itself an event. A record whose id is the last line's was
 * written just before a previous writer was killed, and is not written
 * twice. */
static int take_record(struct audit_writer *w, uint8_t *rec, size_t n)
{
    char event[AUDIT_EVENT_MAX + 1], rid[64];
    const char *fields;
    rec[n] = 0;
    if (audit_record_parse(rec, n, event, &fields) != MG_OK) {
        syslog(LOG_WARNING, "a malformed audit record (%zu bytes) was refused", n);
        return audit_append(w, "malformed-record", "");
    }
    if (w->last_rid[0] && audit_line_field(fields, strlen(fields), "rid", rid, sizeof(rid)) &&
        strcmp(rid, w->last_rid) == 0)
        return MG_OK;
    if (audit_append(w, event, fields) != MG_OK) {
        syslog(LOG_WARNING, "an audit record with bad fields (%zu bytes) was refused", n);
        return audit_append(w, "malformed-record", "");
    }
    alerts_note(event, fields);
    syslog(LOG_INFO, "seq=%llu event=%s%s", (unsigned long long)w->seq, event, fields);
    return MG_OK;
}

static int serve(const struct config *cfg, struct audit_writer *w, int sock, uint8_t *rec)
{
    time_t next_cp = time(NULL) + cfg->audit_checkpoint_seconds;
    uint64_t last_cp = w->seq;
    for (;;) {
        time_t due = alerts_tick(time(NULL)), until = next_cp;
        if (due && due < until)
            until = due;
        int wait_ms = (int)(until - time(NULL)) * 1000;
        struct pollfd pf = {.fd = sock, .events = POLLIN};
        /* SIGTERM stays blocked except inside ppoll: one that arrives while a
         * record is being written wakes the next wait instead of being
         * noticed only when it times out (up to a checkpoint interval). */
        struct timespec ts = {wait_ms > 0 ? wait_ms / 1000 : 0,
                              wait_ms > 0 ? (long)(wait_ms % 1000) * 1000000L : 0};
        sigset_t open_mask;
        sigemptyset(&open_mask);
        int r = stop_requested ? 0 : ppoll(&pf, 1, &ts, &open_mask);
        if (r < 0 && errno != EINTR)
            return MG_ERR_IO;
        if (stop_requested)
            return MG_OK;
        unsigned took = 0;
        while (r > 0 && took < AUDITD_BATCH_MAX) {
            /* Read the record without taking it, write its line, then take
             * it: a writer killed in between leaves it queued (its id then
             * keeps it from being written twice). */
            ssize_t n = recv(sock, rec, AUDIT_RECORD_MAX, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                break;
            if (n <= 0)
                return n == 0 ? MG_OK : MG_ERR_IO; /* every sender is gone */
            int rc = take_record(w, rec, (size_t)n > AUDIT_RECORD_MAX ? 0 : (size_t)n);
            if (rc == MG_OK)
                rc = cfg->audit_fsync_each ? audit_sync(w) : audit_flush(w);
            if (rc != MG_OK)
                return rc;
            if (recv(sock, rec, 1, MSG_DONTWAIT | MSG_TRUNC) < 0)
                return MG_ERR_IO;
            took++;
        }
        if (took && audit_sync(w) != MG_OK)
            return MG_ERR_IO;
        if (time(NULL) >= next_cp) {
            next_cp = time(NULL) + cfg->audit_checkpoint_seconds;
            /* Nothing new since the last checkpoint: nothing to sign. */
            if (w->seq != last_cp && audit_checkpoint(w) != MG_OK)
                return MG_ERR_IO;
            last_cp = w->seq;
        }
        struct stat st;
        if (cfg->audit_rotate_mb && fstat(w->fd, &st) == 0 &&
            (uint64_t)st.st_size >= (uint64_t)cfg->audit_rotate_mb << 20) {
            char err[512];
            if (audit_rotate(w, err, sizeof(err)) != MG_OK) {
                fprintf(stderr, "mugaid: audit: %s\n", err);
                return MG_ERR_IO;
            }
        }
    }
}

int auditd_main(const struct config *cfg, int sock)
{
    struct audit_writer w;
    char err[1200];
    static uint8_t rec[AUDIT_RECORD_MAX + 1];
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_SETMASK, &term, NULL); /* delivered in ppoll only (serve) */
    openlog("mugai-audit", LOG_PID, LOG_AUTHPRIV);
    alerts_init(cfg);
    if (audit_open(&w, cfg->audit_log, cfg->audit_key, cfg->audit_node, err, sizeof(err)) !=
        MG_OK) {
        fprintf(stderr, "mugaid: audit: cannot open the log: %s\n", err);
        syslog(LOG_ERR, "cannot open the audit log: %s", err);
        return 1;
    }
    int rc = audit_append(&w, "audit-start", "");
    if (rc == MG_OK)
        rc = audit_checkpoint(&w);
    if (rc == MG_OK)
        rc = serve(cfg, &w, sock, rec);
    /* What is queued when we are told to stop is written before we go. */
    ssize_t n;
    while (rc == MG_OK && (n = recv(sock, rec, AUDIT_RECORD_MAX, MSG_DONTWAIT)) > 0)
        rc = take_record(&w, rec, (size_t)n);
    if (rc == MG_OK)
        rc = audit_checkpoint(&w);
    alerts_flush();
    if (rc != MG_OK) {
        fprintf(stderr, "mugaid: audit: cannot write the log: %s\n", err_str(rc));
        syslog(LOG_ERR, "cannot write the audit log: %s", err_str(rc));
    }
    audit_close(&w);
    closelog();
    return rc == MG_OK ? 0 : 1;
}
