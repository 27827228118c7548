/*
 * quarcmd - `mugai quarantine`: the review commands, answered by mugaid's
 * store process on the review socket. The store reads who we are from
 * the socket (SO_PEERCRED); nothing here claims an identity, so this
 * command needs no privilege and decides nothing.
 */
#include "quarcmd.h"
#include "client.h"
#include "err.h"
#include "fdio.h"
#include "names.h"
#include "outdir.h"
#include "proto.h"
#include "pwfile.h"
#include "request.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define QUARCMD_REPLY_MS 120000 /* a release through sendmail may take a while */

static void quarcmd_usage(FILE *f)
{
    fprintf(f, "usage: mugai quarantine [--socket PATH] COMMAND\n"
               "  list [--state S] [--since T] [--json]   items you may see, newest first\n"
               "  show ID [--json]                        one item, its report and history\n"
               "  request-release ID --reason TEXT        ask for an item's release\n"
               "  approve ID                              approve someone else's request\n"
               "  reject ID --reason TEXT                 refuse a request\n"
               "  release ID [--out DIR]                  deliver an approved item: mail to its\n"
               "                                          recipients, a file into DIR (default .)\n"
               "  delete ID --reason TEXT                 remove the original for good\n"
               "  unlock ID --password-file F [--out DIR] open an encrypted item (PPAP) with\n"
               "                                          the passwords in F (one per line) and\n"
               "                                          deliver its sanitized content: a file\n"
               "                                          into DIR, a message to its recipients\n"
               "  purge --expired                         remove originals past retention\n"
               "  export [--since T] --format csv         every item as CSV (UTF-8 with BOM)\n"
               "\n"
               "  --socket PATH  the review socket (default: " QUARCMD_DEFAULT_SOCKET ")\n"
               "  T is a date (YYYY-MM-DD, UTC) or seconds since 1970.\n"
               "Approving, rejecting, deleting, purging and exporting need membership of the\n"
               "approver group in mugaid's configuration; nobody approves their own request.\n"
               "\n"
               "exit status: 0 done, 1 refused, 2 usage error, 3 the daemon is not reachable\n");
}

static int parse_time(const char *s, int64_t *t)
{
    struct tm tm;
    char *end;
    memset(&tm, 0, sizeof(tm));
    end = strptime(s, "%Y-%m-%d", &tm);
    if (end && !*end) {
        *t = (int64_t)timegm(&tm);
        return 0;
    }
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < 0)
        return -1;
    *t = v;
    return 0;
}

/* A released file: into out_dir, never over an existing file. */
static int save_released(const char *out_dir, const char *name, int fd)
{
    struct outdir od = {.fd = -1};
    char err[1024], path[4400];
    off_t len = lseek(fd, 0, SEEK_END);
    if (len < 0 || outdir_open(&od, out_dir, 0, err, sizeof(err)) != MG_OK) {
        fprintf(stderr, "mugai quarantine: %s: %s\n", out_dir, len < 0 ? "unreadable" : err);
        return 3;
    }
    int rc = outdir_release(&od, names_basename(name), fd, (uint64_t)len, path, sizeof(path));
    outdir_close(&od);
    if (rc != MG_OK) {
        fprintf(stderr, "mugai quarantine: cannot write the original into %s\n", out_dir);
        return 3;
    }
    printf("written to %s\n", path);
    return 0;
}

/* --password-file: 0, or -1 when unreadable, empty or too many. */
static int read_passwords(const char *path, struct review_request *r)
{
    int n = pwfile_read(path, REVIEW_PASSWORDS_MAX, &r->passwords);
    r->n_passwords = n > 0 ? (size_t)n : 0;
    return n > 0 ? 0 : -1;
}

int quarcmd_main(int argc, char **argv)
{
    static const struct option opts[] = {
            {"socket", required_argument, NULL, 's'},
            {"state", required_argument, NULL, 'S'},
            {"since", required_argument, NULL, 't'},
            {"json", no_argument, NULL, 'j'},
            {"reason", required_argument, NULL, 'r'},
            {"out", required_argument, NULL, 'o'},
            {"expired", no_argument, NULL, 'e'},
            {"format", required_argument, NULL, 'f'},
            {"password-file", required_argument, NULL, 'P'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    const char *password_file = NULL;
    const char *sock_path = QUARCMD_DEFAULT_SOCKET, *out_dir = ".", *format = NULL;
    struct review_request r;
    int ch, expired = 0;
    memset(&r, 0, sizeof(r));
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 's':
            sock_path = optarg;
            break;
        case 'S':
            snprintf(r.state, sizeof(r.state), "%s", optarg);
            break;
        case 't':
            if (parse_time(optarg, &r.since) != 0) {
                fprintf(stderr, "mugai quarantine: --since: not a date or a number: %s\n", optarg);
                return 2;
            }
            break;
        case 'j':
            r.json = 1;
            break;
        case 'r':
            if (strlen(optarg) >= sizeof(r.reason)) {
                fprintf(stderr, "mugai quarantine: --reason: at most %zu bytes\n",
                        sizeof(r.reason) - 1);
                return 2;
            }
            snprintf(r.reason, sizeof(r.reason), "%s", optarg);
            break;
        case 'o':
            out_dir = optarg;
            break;
        case 'e':
            expired = 1;
            break;
        case 'f':
            format = optarg;
            break;
        case 'P':
            password_file = optarg;
            break;
        case 'h':
            quarcmd_usage(stdout);
            return 0;
        default:
            quarcmd_usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        quarcmd_usage(stderr);
        return 2;
    }
    snprintf(r.verb, sizeof(r.verb), "%s", argv[optind++]);
    int needs_id = strcmp(r.verb, "list") != 0 && strcmp(r.verb, "purge") != 0 &&
                   strcmp(r.verb, "export") != 0;
    if (needs_id) {
        char *end;
        long long id = optind < argc ? strtoll(argv[optind], &end, 10) : 0;
        if (optind >= argc || *end || id <= 0) {
            fprintf(stderr, "mugai quarantine %s: an item id is needed\n", r.verb);
            return 2;
        }
        r.id = id;
        optind++;
    }
    if (optind != argc || (strcmp(r.verb, "purge") == 0 && !expired) ||
        (strcmp(r.verb, "export") == 0 && (!format || strcmp(format, "csv") != 0))) {
        quarcmd_usage(stderr);
        return 2;
    }
    if (strcmp(r.verb, "unlock") == 0 &&
        (!password_file || read_passwords(password_file, &r) != 0)) {
        fprintf(stderr,
                "mugai quarantine unlock: --password-file F with at most %u passwords "
                "is needed\n",
                REVIEW_PASSWORDS_MAX);
        request_review_free(&r);
        return 2;
    }
    char err[1024];
    int sock = client_connect(sock_path, err, sizeof(err));
    if (sock < 0) {
        fprintf(stderr, "mugai quarantine: cannot reach mugaid: %s\n", err);
        return 3;
    }
    struct buf p, text;
    struct proto_frame f;
    uint32_t ok = 0;
    char name[1024] = "";
    int status = 3;
    buf_init(&p, 8192);
    buf_init(&text, REVIEW_REPLY_MAX);
    if (request_review_encode(&r, &p) != MG_OK ||
        proto_send(sock, PROTO_REVIEW, p.data, p.len, NULL, 0) != MG_OK ||
        proto_recv(sock, QUARCMD_REPLY_MS, REVIEW_REPLY_MAX + 4096, 1, &f) != MG_OK) {
        fprintf(stderr, "mugai quarantine: the daemon did not answer\n");
        goto out;
    }
    if (f.type != PROTO_REVIEW_REPLY ||
        request_review_reply_decode(f.payload.data, f.payload.len, &ok, name, sizeof(name),
                                    &text) != MG_OK) {
        fprintf(stderr, "mugai quarantine: a malformed answer\n");
        proto_frame_free(&f);
        goto out;
    }
    fdio_write_all(ok ? 1 : 2, text.data ? text.data : (const uint8_t *)"", text.len);
    status = ok ? 0 : 1;
    if (ok && f.n_fds == 1 && (strcmp(r.verb, "release") == 0 || strcmp(r.verb, "unlock") == 0)) {
        int fd = proto_take_fd(&f, 0);
        status = save_released(out_dir, name, fd);
        close(fd);
    }
    proto_frame_free(&f);
out:
    request_review_free(&r);
    buf_free(&p);
    buf_free(&text);
    close(sock);
    return status;
}
