/*
 * auditcmd - `mugai audit verify` (see auditcmd.h).
 */
#include "auditcmd.h"
#include "audit.h"
#include "err.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AUDITCMD_FILES_MAX 4096 /* rotated files considered */

struct rotated {
    unsigned long long seq;
    char *path;
};

static int by_seq(const void *a, const void *b)
{
    const struct rotated *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* LOG.<digits> in LOG's directory, oldest first, then LOG itself. */
static int collect(const char *log, char ***files, size_t *n)
{
    char dir[1024];
    const char *slash = strrchr(log, '/');
    const char *base = slash ? slash + 1 : log;
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - log) : 1, slash ? log : ".");
    if (slash == log)
        snprintf(dir, sizeof(dir), "/");
    struct rotated *r = calloc(AUDITCMD_FILES_MAX + 1, sizeof(*r));
    if (!r)
        return MG_ERR_NOMEM;
    size_t k = 0, bl = strlen(base);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) && k < AUDITCMD_FILES_MAX) {
        const char *nm = e->d_name;
        if (strncmp(nm, base, bl) != 0 || nm[bl] != '.' || !nm[bl + 1] ||
            strspn(nm + bl + 1, "0123456789") != strlen(nm + bl + 1))
            continue;
        size_t need = strlen(dir) + strlen(nm) + 2;
        if (!(r[k].path = malloc(need)))
            break;
        snprintf(r[k].path, need, "%s/%s", dir, nm);
        r[k].seq = strtoull(nm + bl + 1, NULL, 10);
        k++;
    }
    if (d)
        closedir(d);
    qsort(r, k, sizeof(*r), by_seq);
    r[k].path = strdup(log);
    *files = calloc(k + 1, sizeof(char *));
    if (!*files || !r[k].path) {
        for (size_t i = 0; i <= k; i++)
            free(r[i].path);
        free(r);
        free(*files);
        return MG_ERR_NOMEM;
    }
    for (size_t i = 0; i <= k; i++)
        (*files)[i] = r[i].path;
    *n = k + 1;
    free(r);
    return MG_OK;
}

static int usage(FILE *f, int rc)
{
    fprintf(f, "usage: mugai audit verify [--key PUB] [--head FILE] [LOG | FILE...]\n"
               "  LOG (default " AUDITCMD_DEFAULT_LOG ") and the files rotated out of it;\n"
               "  the signed head LOG.head and the key LOG's directory/audit.key.pub by default\n");
    return rc;
}

static int verify(int argc, char **argv)
{
    static const struct option opts[] = {
            {"key", required_argument, NULL, 'k'},
            {"head", required_argument, NULL, 'H'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    const char *key = NULL, *head = NULL;
    char key_default[1100], head_default[1100];
    int ch;
    while ((ch = getopt_long(argc, argv, "k:H:h", opts, NULL)) != -1) {
        if (ch == 'k')
            key = optarg;
        else if (ch == 'H')
            head = optarg;
        else
            return usage(ch == 'h' ? stdout : stderr, ch == 'h' ? 0 : 2);
    }
    char **files = NULL;
    size_t n = 0;
    int owned = argc - optind <= 1;
    if (owned) {
        const char *log = optind < argc ? argv[optind] : AUDITCMD_DEFAULT_LOG;
        if (access(log, R_OK) != 0) {
            fprintf(stderr, "mugai audit verify: %s: cannot read\n", log);
            return 2;
        }
        if (collect(log, &files, &n) != MG_OK)
            return 2;
        /* The writer always leaves a head: a missing one is a problem. */
        if (!head) {
            snprintf(head_default, sizeof(head_default), "%s.head", log);
            head = head_default;
        }
        if (!key) {
            const char *slash = strrchr(log, '/');
            snprintf(key_default, sizeof(key_default), "%.*s/audit.key.pub",
                     slash ? (int)(slash - log) : 1, slash ? log : ".");
            key = access(key_default, R_OK) == 0 ? key_default : NULL;
        }
    } else {
        files = argv + optind;
        n = (size_t)(argc - optind);
    }
    struct buf out;
    unsigned problems = 0;
    buf_init(&out, 1u << 20);
    int rc = audit_verify((const char *const *)files, n, key, head, &out, &problems);
    fwrite(out.data, 1, out.len, stdout);
    if (out.len + 1024 > out.max)
        printf("(more problems not shown)\n");
    buf_free(&out);
    if (owned) {
        for (size_t i = 0; i < n; i++)
            free(files[i]);
        free(files);
    }
    if (rc != MG_OK)
        return 2;
    return problems ? 1 : 0;
}

int auditcmd_main(int argc, char **argv)
{
    /* argv[0] is "audit" */
    if (argc >= 2 && strcmp(argv[1], "verify") == 0)
        return verify(argc - 1, argv + 1);
    return usage(stderr, 2);
}
