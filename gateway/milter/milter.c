/*
 * mugai-milter - the libmilter front end for Postfix (smtpd_milters,
 * non_smtpd_milters).
 *
 *   mugai-milter -p inet:PORT@127.0.0.1 | -p unix:/path
 *                [--mugai PATH] [--policy FILE] [--db DIR] [--spool DIR]
 *
 * It never parses content. Per message it collects the header fields and
 * body libmilter hands over into a memfd (refusing with 552 5.3.4 once the
 * message passes the policy's mail_max_size: refused, never truncated),
 * and at end of message keeps the original in the spool and hands it to
 * mugaid (--mugaid), or, where no daemon runs, to `mugai mail` in a
 * separate process (fork+exec from a threaded program is safe with
 * posix_spawn; the engine's own sandboxed workers then fork from a
 * single-threaded process). Then, by the pipe mode's status:
 *   exit 0            replace the message: every original header field is
 *                     deleted but the trace (Received, Return-Path), the
 *                     engine's header fields are added, the body replaced;
 *   exit 1 + output   held: the same with the notice message, so the
 *                     recipient learns of it (the original is in the spool);
 *   exit 1, no output refused as too large: 552 5.3.4;
 *   anything else     (crash, timeout, exit 75, bad output) 451 4.3.0
 *                     tempfail, so the MTA keeps the message and retries.
 * There is no path that accepts a message unchanged: a message with more
 * header fields than the milter can remember (and so delete) is refused.
 * While the engine runs, the MTA is told about progress so its
 * milter_content_timeout does not expire on a large message; the engine
 * gets only its two memfds and stderr, none of libmilter's descriptors.
 *
 * Runs in the foreground (a service manager daemonizes it).
 */
#include "client.h"
#include "err.h"
#include "fdio.h"
#include "policy.h"
#include "sealed.h"
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libmilter/mfapi.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MILTER_HEADERS_MAX 4096 /* header fields remembered per message */
#define MILTER_OUT_MAX     (2ull << 30)
#define MILTER_PROGRESS_MS 5000 /* how often the MTA hears we are alive */

static struct {
    const char *mugai;
    const char *policy_file;
    const char *db;
    const char *spool;
    uint64_t max_size;
    unsigned timeout;   /* seconds for one message */
    const char *mugaid; /* the daemon's socket; NULL: run `mugai mail` */
} cfg = {"mugai", NULL, "/var/lib/clamav", "/var/spool/mugai", 50u << 20, 600, NULL};

struct hdr_name {
    char *name;
    int plain_trace; /* a trace field (Received, Return-Path) that is 7-bit text */
};

struct msgstate {
    int fd; /* the message as received, -1 when none */
    uint64_t size;
    int too_big;
    struct hdr_name *hdrs;
    size_t n_hdrs;
    struct mail_envelope env; /* kept with a held message, for its release */
};

static void state_reset(struct msgstate *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->size = 0;
    s->too_big = 0;
    for (size_t i = 0; i < s->n_hdrs; i++)
        free(s->hdrs[i].name);
    free(s->hdrs);
    s->hdrs = NULL;
    s->n_hdrs = 0;
    s->env.sender[0] = 0;
    s->env.recipients[0] = 0;
}

/* An envelope address as the MTA gives it ("<a@b>"), without the brackets. */
static void bare_address(const char *in, char *out, size_t cap)
{
    size_t n = strlen(in);
    if (n >= 2 && in[0] == '<' && in[n - 1] == '>')
        snprintf(out, cap, "%.*s", (int)(n - 2), in + 1);
    else
        snprintf(out, cap, "%s", in);
}

static struct msgstate *state_get(SMFICTX *ctx)
{
    return smfi_getpriv(ctx);
}

static int put(struct msgstate *s, const void *p, size_t n)
{
    if (s->too_big)
        return 0;
    if (s->size + n > cfg.max_size) {
        s->too_big = 1;
        return 0;
    }
    const char *c = p;
    while (n) {
        ssize_t w = write(s->fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
        s->size += (uint64_t)w;
    }
    return 0;
}

static sfsistat tempfail(SMFICTX *ctx, const char *why)
{
    fprintf(stderr, "mugai-milter: tempfail: %s\n", why);
    smfi_setreply(ctx, "451", "4.3.0", "Message could not be sanitized now, try again later");
    return SMFIS_TEMPFAIL;
}

static sfsistat mf_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    (void)host, (void)addr;
    struct msgstate *s = calloc(1, sizeof(*s));
    if (!s)
        return SMFIS_TEMPFAIL;
    s->fd = -1;
    smfi_setpriv(ctx, s);
    return SMFIS_CONTINUE;
}

static sfsistat mf_envfrom(SMFICTX *ctx, char **argv)
{
    struct msgstate *s = state_get(ctx);
    if (!s)
        return tempfail(ctx, "no connection state");
    state_reset(s);
    if (argv && argv[0])
        bare_address(argv[0], s->env.sender, sizeof(s->env.sender));
    s->fd = memfd_create("mugai-milter-msg", MFD_CLOEXEC);
    if (s->fd < 0)
        return tempfail(ctx, "memfd_create failed");
    return SMFIS_CONTINUE;
}

static sfsistat mf_envrcpt(SMFICTX *ctx, char **argv)
{
    struct msgstate *s = state_get(ctx);
    char a[REQUEST_NAME_MAX];
    if (!s || s->fd < 0 || !argv || !argv[0])
        return tempfail(ctx, "recipient outside a message");
    bare_address(argv[0], a, sizeof(a));
    size_t have = strlen(s->env.recipients);
    /* Past the cap the release reaches the first ones only; the audit log
     * and the original's headers still name everyone. */
    if (have + strlen(a) + 2 < sizeof(s->env.recipients))
        snprintf(s->env.recipients + have, sizeof(s->env.recipients) - have, "%s%s",
                 have ? "\n" : "", a);
    return SMFIS_CONTINUE;
}

/* Header values come with bare LF folding; the message file gets CR LF. */
static int put_value(struct msgstate *s, const char *v)
{
    for (const char *p = v; *p; p++) {
        if (*p == '\n' && (p == v || p[-1] != '\r')) {
            if (put(s, "\r\n", 2) != 0)
                return -1;
        } else if (put(s, p, 1) != 0) {
            return -1;
        }
    }
    return 0;
}

static bool trace_header(const char *name)
{
    return strcasecmp(name, "Received") == 0 || strcasecmp(name, "Return-Path") == 0;
}

/* A value as MTAs write trace fields: printable ASCII, tabs, and folding
 * (LF or CR LF followed by white space), no line over 998 bytes. */
static bool plain_value(const char *v)
{
    size_t line = 0;
    for (const char *p = v; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\r' && p[1] == '\n')
            continue;
        if (c == '\n') {
            if (p[1] != ' ' && p[1] != '\t')
                return false;
            line = 0;
            continue;
        }
        if ((c < 0x20 && c != '\t') || c > 0x7E || ++line > 998)
            return false;
    }
    return true;
}

static sfsistat mf_header(SMFICTX *ctx, char *name, char *value)
{
    struct msgstate *s = state_get(ctx);
    if (!s || s->fd < 0)
        return tempfail(ctx, "header outside a message");
    /* A field not remembered could not be deleted: it would reach the
     * recipient as it came. */
    if (s->n_hdrs >= MILTER_HEADERS_MAX) {
        smfi_setreply(ctx, "554", "5.6.0", "Too many header fields");
        return SMFIS_REJECT;
    }
    struct hdr_name *n = realloc(s->hdrs, (s->n_hdrs + 1) * sizeof(*n));
    if (!n)
        return tempfail(ctx, "out of memory");
    s->hdrs = n;
    s->hdrs[s->n_hdrs].name = strdup(name);
    s->hdrs[s->n_hdrs].plain_trace = trace_header(name) && plain_value(value);
    if (!s->hdrs[s->n_hdrs].name)
        return tempfail(ctx, "out of memory");
    s->n_hdrs++;
    if (put(s, name, strlen(name)) != 0 || put(s, ": ", 2) != 0 || put_value(s, value) != 0 ||
        put(s, "\r\n", 2) != 0)
        return tempfail(ctx, "cannot buffer the message");
    if (s->too_big) {
        smfi_setreply(ctx, "552", "5.3.4", "Message size exceeds the gateway's limit");
        return SMFIS_REJECT;
    }
    return SMFIS_CONTINUE;
}

static sfsistat mf_eoh(SMFICTX *ctx)
{
    struct msgstate *s = state_get(ctx);
    if (!s || s->fd < 0 || put(s, "\r\n", 2) != 0)
        return tempfail(ctx, "cannot buffer the message");
    return SMFIS_CONTINUE;
}

static sfsistat mf_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct msgstate *s = state_get(ctx);
    if (!s || s->fd < 0 || put(s, chunk, len) != 0)
        return tempfail(ctx, "cannot buffer the message");
    if (s->too_big) {
        smfi_setreply(ctx, "552", "5.3.4", "Message size exceeds the gateway's limit");
        return SMFIS_REJECT;
    }
    return SMFIS_CONTINUE;
}

/* Wait for the engine, telling the MTA we are alive; the wait status or -1. */
static int wait_engine(SMFICTX *ctx, pid_t pid)
{
    time_t deadline = time(NULL) + cfg.timeout;
    int st = 0;
    int pfd = pidfd_open(pid, 0);
    struct timespec last;
    clock_gettime(CLOCK_MONOTONIC, &last);
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            st = -1;
            break;
        }
        if (time(NULL) > deadline) {
            fprintf(stderr, "mugai-milter: the engine took more than %u s, killed\n", cfg.timeout);
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            st = -1;
            break;
        }
        if (pfd >= 0) {
            struct pollfd p = {.fd = pfd, .events = POLLIN};
            poll(&p, 1, 1000);
        } else {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 >=
            MILTER_PROGRESS_MS) {
            smfi_progress(ctx);
            last = now;
        }
    }
    if (pfd >= 0)
        close(pfd);
    return st;
}

/* Run `mugai mail` on in_fd; output in *out_fd; returns the exit status or -1. */
static int run_engine(SMFICTX *ctx, int in_fd, int *out_fd)
{
    int ofd = memfd_create("mugai-milter-out", MFD_CLOEXEC);
    if (ofd < 0)
        return -1;
    lseek(in_fd, 0, SEEK_SET);
    const char *argv[12];
    int a = 0;
    argv[a++] = cfg.mugai;
    argv[a++] = "mail";
    argv[a++] = "--db";
    argv[a++] = cfg.db;
    argv[a++] = "--spool";
    argv[a++] = cfg.spool;
    if (cfg.policy_file) {
        argv[a++] = "--policy";
        argv[a++] = cfg.policy_file;
    }
    argv[a] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    posix_spawn_file_actions_adddup2(&fa, ofd, 1);
    /* libmilter's sockets and pipes are not the engine's business; nor
     * should an engine left running keep a connection to the MTA open. */
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    pid_t pid;
    int rc = posix_spawnp(&pid, cfg.mugai, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        close(ofd);
        return -1;
    }
    int st = wait_engine(ctx, pid);
    if (st == -1 || !WIFEXITED(st)) {
        close(ofd);
        return -1;
    }
    *out_fd = ofd;
    return WEXITSTATUS(st);
}

static void tick(void *ctx)
{
    smfi_progress(ctx);
}

/* The message through mugaid: the original kept in the spool first, as
 * `mugai mail` does; returns the pipe mode's status (0, 1, 75) with the
 * message to deliver in *out_fd for 0 and 1, or -1. */
static int run_daemon(SMFICTX *ctx, int in_fd, uint64_t len, const struct mail_envelope *env,
                      int *out_fd)
{
    char sha[65], kept[4200], err[1024];
    struct mail_reply reply;
    int sock = -1, status = -1;
    memset(&reply, 0, sizeof(reply));
    buf_init(&reply.json, 8u << 20);
    sealed_sha256(in_fd, len, sha);
    if (!sha[0] || spool_keep(cfg.spool, in_fd, len, sha, kept, sizeof(kept)) != MG_OK) {
        fprintf(stderr, "mugai-milter: cannot keep the original in %s\n", cfg.spool);
        goto out;
    }
    lseek(in_fd, 0, SEEK_SET);
    if ((sock = client_connect(cfg.mugaid, err, sizeof(err))) < 0 ||
        client_mail(sock, in_fd, env, (int)cfg.timeout * 1000, tick, ctx, &reply, out_fd, err,
                    sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai-milter: mugaid: %s\n", err);
        goto out;
    }
    if (reply.json.len)
        spool_note(cfg.spool, sha, (const char *)reply.json.data, reply.json.len);
    status = reply.status == 75 ? -1 : reply.status;
out:
    if (sock >= 0)
        close(sock);
    buf_free(&reply.json);
    return status;
}

/* The whole of fd (from the daemon or `mugai mail`), read with length
 * checks rather than mapped. NULL when empty, too large or unreadable. */
static char *read_output(int fd, size_t *n)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size <= 0 || (uint64_t)st.st_size >= MILTER_OUT_MAX)
        return NULL;
    char *m = malloc((size_t)st.st_size);
    if (m && fdio_pread_all(fd, (uint8_t *)m, (size_t)st.st_size) != MG_OK) {
        free(m);
        m = NULL;
    }
    *n = (size_t)st.st_size;
    return m;
}

/* Replace the message in the MTA with the engine's output (ASCII, CR LF). */
static sfsistat apply(SMFICTX *ctx, struct msgstate *s, const char *m, size_t n)
{
    const char *end = NULL;
    for (size_t i = 0; i + 3 < n; i++)
        if (memcmp(m + i, "\r\n\r\n", 4) == 0) {
            end = m + i + 2;
            break;
        }
    if (!end)
        return tempfail(ctx, "engine output without a header block");
    /* The engine writes 7-bit CR LF header blocks; anything else (a bare
     * LF would start a field of its own in the MTA) is not applied. */
    for (const char *c = m; c < end; c++)
        if (*c == 0 || (unsigned char)*c > 0x7E || (*c == '\n' && (c == m || c[-1] != '\r')) ||
            (*c == '\r' && c[1] != '\n'))
            return tempfail(ctx, "engine output with a malformed header block");
    /* Delete every original field but the trace, last occurrence first. */
    for (size_t i = s->n_hdrs; i-- > 0;) {
        const char *name = s->hdrs[i].name;
        /* Trace fields stay where the MTAs put them; but one with 8-bit
         * bytes, control characters or an overlong line is the sender's
         * text, not a trace, and goes like any other field. */
        if (s->hdrs[i].plain_trace)
            continue;
        int idx = 0;
        for (size_t j = 0; j <= i; j++)
            if (strcasecmp(s->hdrs[j].name, name) == 0)
                idx++;
        if (smfi_chgheader(ctx, (char *)name, idx, NULL) != MI_SUCCESS)
            return tempfail(ctx, "cannot delete a header field");
    }
    /* Add the engine's fields, folded with LF + space as libmilter wants. */
    const char *p = m;
    while (p < end) {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        const char *le = p;
        for (;;) {
            const char *crlf = strstr(le, "\r\n");
            if (!crlf || crlf >= end) {
                le = end;
                break;
            }
            le = crlf + 2;
            if (le >= end || (*le != ' ' && *le != '\t'))
                break;
        }
        if (!colon || colon > le)
            return tempfail(ctx, "malformed header field in engine output");
        char name[128];
        size_t nl = (size_t)(colon - p);
        if (nl == 0 || nl >= sizeof(name))
            return tempfail(ctx, "malformed header name in engine output");
        memcpy(name, p, nl);
        name[nl] = 0;
        const char *v = colon + 1;
        while (v < le && *v == ' ')
            v++;
        size_t vl = (size_t)(le - v);
        char *val = malloc(vl + 1);
        if (!val)
            return tempfail(ctx, "out of memory");
        size_t o = 0;
        for (size_t k = 0; k < vl; k++)
            if (v[k] != '\r')
                val[o++] = v[k];
        while (o && val[o - 1] == '\n')
            o--;
        val[o] = 0;
        int ok = trace_header(name) || smfi_addheader(ctx, name, val) == MI_SUCCESS;
        free(val);
        if (!ok)
            return tempfail(ctx, "cannot add a header field");
        p = le;
    }
    const unsigned char *body = (const unsigned char *)end + 2;
    size_t blen = n - (size_t)((const char *)body - m);
    for (size_t off = 0; off < blen || off == 0; off += 65536) {
        size_t c = blen - off < 65536 ? blen - off : 65536;
        if (smfi_replacebody(ctx, (unsigned char *)body + off, (int)c) != MI_SUCCESS)
            return tempfail(ctx, "cannot replace the body");
        if (blen == 0)
            break;
    }
    return SMFIS_CONTINUE;
}

static sfsistat mf_eom(SMFICTX *ctx)
{
    struct msgstate *s = state_get(ctx);
    if (!s || s->fd < 0)
        return tempfail(ctx, "end of message without a message");
    if (s->too_big) {
        smfi_setreply(ctx, "552", "5.3.4", "Message size exceeds the gateway's limit");
        state_reset(s);
        return SMFIS_REJECT;
    }
    int ofd = -1;
    int code = cfg.mugaid ? run_daemon(ctx, s->fd, s->size, &s->env, &ofd)
                          : run_engine(ctx, s->fd, &ofd);
    sfsistat r;
    size_t n = 0;
    char *m = (code == 0 || code == 1) && ofd >= 0 ? read_output(ofd, &n) : NULL;
    if (m) {
        r = apply(ctx, s, m, n);
        free(m);
    } else if (code == 1 && !cfg.mugaid) {
        smfi_setreply(ctx, "552", "5.3.4", "Message size exceeds the gateway's limit");
        r = SMFIS_REJECT;
    } else {
        char why[64];
        snprintf(why, sizeof(why), "engine exit status %d", code);
        r = tempfail(ctx, why);
    }
    if (ofd >= 0)
        close(ofd);
    state_reset(s);
    return r;
}

static sfsistat mf_abort(SMFICTX *ctx)
{
    struct msgstate *s = state_get(ctx);
    if (s)
        state_reset(s);
    return SMFIS_CONTINUE;
}

static sfsistat mf_close(SMFICTX *ctx)
{
    struct msgstate *s = state_get(ctx);
    if (s) {
        state_reset(s);
        free(s);
        smfi_setpriv(ctx, NULL);
    }
    return SMFIS_CONTINUE;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: mugai-milter -p SOCKET [--mugaid PATH] [--spool DIR] [--timeout SECONDS]\n"
               "                    [--mugai PATH] [--policy FILE] [--db DIR]\n"
               "  SOCKET: inet:PORT@HOST or unix:/path (as in Postfix smtpd_milters)\n"
               "  --mugaid PATH: the daemon's socket (default " CLIENT_DEFAULT_SOCKET
               " when it exists);\n"
               "  without a daemon each message runs `mugai mail` (--mugai, --policy, --db)\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
            {"socket", required_argument, NULL, 'p'},
            {"mugai", required_argument, NULL, 'm'},
            {"policy", required_argument, NULL, 'P'},
            {"db", required_argument, NULL, 'd'},
            {"spool", required_argument, NULL, 's'},
            {"timeout", required_argument, NULL, 't'},
            {"mugaid", required_argument, NULL, 'D'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    const char *sock = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, "p:fh", opts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            sock = optarg;
            break;
        case 'm':
            cfg.mugai = optarg;
            break;
        case 'P':
            cfg.policy_file = optarg;
            break;
        case 'd':
            cfg.db = optarg;
            break;
        case 's':
            cfg.spool = optarg;
            break;
        case 't':
            cfg.timeout = (unsigned)atoi(optarg);
            break;
        case 'D':
            cfg.mugaid = optarg;
            break;
        case 'f':
            break; /* always in the foreground */
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!sock || cfg.timeout == 0) {
        usage(stderr);
        return 2;
    }
    if (!cfg.mugaid && access(CLIENT_DEFAULT_SOCKET, F_OK) == 0)
        cfg.mugaid = CLIENT_DEFAULT_SOCKET;
    struct policy pol;
    char err[1024];
    policy_defaults(&pol);
    if (cfg.policy_file && policy_load_file(&pol, cfg.policy_file, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai-milter: policy refused: %s\n", err);
        return 2;
    }
    cfg.max_size = pol.mail_max_size;
    signal(SIGPIPE, SIG_IGN);
    struct smfiDesc desc = {
            .xxfi_name = "mugai-milter",
            .xxfi_version = SMFI_VERSION,
            .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY,
            .xxfi_connect = mf_connect,
            .xxfi_envfrom = mf_envfrom,
            .xxfi_envrcpt = mf_envrcpt,
            .xxfi_header = mf_header,
            .xxfi_eoh = mf_eoh,
            .xxfi_body = mf_body,
            .xxfi_eom = mf_eom,
            .xxfi_abort = mf_abort,
            .xxfi_close = mf_close,
    };
    if (smfi_setconn((char *)sock) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS) {
        fprintf(stderr, "mugai-milter: cannot set up libmilter on %s\n", sock);
        return 1;
    }
    if (strncmp(sock, "unix:", 5) == 0 || strncmp(sock, "local:", 6) == 0)
        unlink(strchr(sock, ':') + 1);
    if (smfi_opensocket(true) != MI_SUCCESS) {
        fprintf(stderr, "mugai-milter: cannot open %s\n", sock);
        return 1;
    }
    fprintf(stderr, "mugai-milter: listening on %s\n", sock);
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
