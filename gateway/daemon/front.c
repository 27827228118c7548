/*
 * front - accept clients, fork a session for each (see front.h).
 */
#include "front.h"
#include "ident.h"
#include "err.h"
#include "fdio.h"
#include "proto.h"
#include "sealed.h"
#include "job.h"
#include "policy.h"
#include "report.h"
#include "sandbox.h"
#include "scand.h"
#include "session.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FRONT_STOP_MS 30000 /* sessions still running this long after SIGTERM are killed */

/* A policy text from the master (a sealed memfd; empty: the built-in
 * policy), parsed here as the master parsed it. */
static int front_policy(const struct config *cfg, int ctl, struct policy *pol, struct stats *st)
{
    char err[1024];
    struct proto_frame f;
    struct policy p;
    struct buf text;
    uint64_t len = 0;
    int rc = MG_ERR_PARSE;

    buf_init(&text, POLICY_MAX_TEXT + 1);
    if (proto_recv(ctl, 10000, 0, 1, &f) != MG_OK)
        return MG_ERR_IO;
    int fd = proto_take_fd(&f, 0);
    proto_frame_free(&f);
    if (fd < 0 || sealed_size(fd, &len) != MG_OK || len > POLICY_MAX_TEXT ||
        buf_reserve(&text, (size_t)len) != MG_OK ||
        fdio_pread_all(fd, text.data, (size_t)len) != MG_OK)
        goto out;
    text.len = (size_t)len;
    policy_defaults(&p);
    if (len && policy_parse(&p, (const char *)text.data, text.len, cfg->policy, err, sizeof(err)) !=
                       MG_OK) {
        fprintf(stderr, "mugaid: policy refused, the previous one stays: %s\n", err);
        st->policy_reload_failures++;
        goto out;
    }
    *pol = p;
    /* Its hash, for `mugai status`: the canonical text of what is in force. */
    buf_reset(&text);
    if (policy_to_text(pol, &text) == MG_OK)
        report_sha256_hex(text.data, text.len, st->policy_sha256);
    snprintf(st->policy_file, sizeof(st->policy_file), "%s", cfg->policy);
    st->policy_loaded_at = (int64_t)time(NULL);
    rc = MG_OK;
out:
    if (fd >= 0)
        close(fd);
    buf_free(&text);
    return rc;
}

static void front_session(int conn, struct session_env *env, int listen_fd, int sig_fd, int ctl)
{
    struct ucred peer;
    socklen_t pl = sizeof(peer);
    sigset_t none;
    close(listen_fd);
    close(sig_fd);
    close(ctl);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGCHLD, SIG_DFL);
    /* The session goes when the front goes (and its workers with it). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &pl) != 0)
        memset(&peer, 0xff, sizeof(peer));
    session_main(conn, &peer, env);
    _exit(0);
}

int front_main(const struct config *cfg, struct stats *st, int listen_fd, int ctl,
               const char *run_dir)
{
    struct policy pol;
    struct job_engine je;
    struct session_env env;
    unsigned sessions = 0;
    int stopping = 0;
    int64_t stop_at = 0;
    sigset_t mask;

    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGHUP, SIG_IGN); /* reloads come from the master, with the policy */
    int sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sig_fd < 0 || front_policy(cfg, ctl, &pol, st) != MG_OK)
        return 1;
    if (job_engine_init(&je, &pol, NULL) != MG_OK) {
        fprintf(stderr, "mugaid: cannot initialize the engine: %s\n",
                sandbox_error()[0] ? sandbox_error() : "libmagic database missing?");
        return 1;
    }
    ident_prime(); /* every job's workers fork from here */
    memset(&env, 0, sizeof(env));
    env.cfg = cfg;
    env.je = &je;
    env.st = st;
    scand_socket_path(run_dir, env.scan_socket, sizeof(env.scan_socket));

    for (;;) {
        struct pollfd pf[3] = {{.fd = sig_fd, .events = POLLIN},
                               {.fd = ctl, .events = POLLIN},
                               {.fd = listen_fd, .events = POLLIN}};
        /* At the session limit, new clients wait in the backlog. */
        nfds_t n = !stopping && sessions < cfg->max_sessions ? 3 : 2;
        if (stopping && (sessions == 0 || time(NULL) > stop_at))
            break;
        if (poll(pf, n, 1000) < 0 && errno != EINTR)
            break;
        if (pf[1].revents) {
            /* A new policy from the master; end of file: the master is gone. */
            if (front_policy(cfg, ctl, &pol, st) == MG_OK) {
                je.pol = pol;
                fprintf(stderr, "mugaid: policy reloaded for new sessions\n");
            } else if (pf[1].revents & POLLHUP) {
                break;
            }
        }
        if (n == 3 && (pf[2].revents & POLLIN)) {
            int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (conn >= 0) {
                pid_t pid = fork();
                if (pid == 0)
                    front_session(conn, &env, listen_fd, sig_fd, ctl);
                if (pid > 0)
                    sessions++;
                else
                    fprintf(stderr, "mugaid: cannot start a session: %s\n", strerror(errno));
                close(conn);
            }
        }
        if (!(pf[0].revents & POLLIN))
            continue;
        struct signalfd_siginfo si;
        while (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
            if (si.ssi_signo == SIGCHLD) {
                while (waitpid(-1, NULL, WNOHANG) > 0)
                    sessions--;
            } else if (si.ssi_signo == SIGTERM && !stopping) {
                stopping = 1;
                stop_at = time(NULL) + FRONT_STOP_MS / 1000;
            }
        }
    }
    /* Sessions still running die with us (their parent-death signal). */
    job_engine_done(&je);
    return 0;
}
