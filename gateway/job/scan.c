/*
 * scan - libclamav engine wrapper (see scan.h).
 */
#include "scan.h"
#include "err.h"

#include <clamav.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct scan_engine {
    struct cl_engine *engine;
    struct cl_scan_options opts;
};

static int scan_initialized;

static int scan_newest_db_time(const char *dbdir, time_t *newest)
{
    DIR *d = opendir(dbdir);
    if (!d)
        return MG_ERR_IO;
    struct dirent *e;
    *newest = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dbdir, e->d_name) >= sizeof(path))
            continue;
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        time_t t = st.st_mtime;
        size_t n = strlen(e->d_name);
        /* For official databases the build time in the CVD header is the
         * truth; the mtime only says when it was copied. */
        if (n > 4 &&
            (strcmp(e->d_name + n - 4, ".cvd") == 0 || strcmp(e->d_name + n - 4, ".cld") == 0)) {
            struct cl_cvd *cvd = cl_cvdhead(path);
            if (cvd) {
                t = (time_t)cvd->stime;
                cl_cvdfree(cvd);
            }
        }
        if (t > *newest)
            *newest = t;
    }
    closedir(d);
    return MG_OK;
}

int scan_load(const char *dbdir, const struct policy *pol, struct scan_engine **out, unsigned *sigs,
              int *age_days, char *err, size_t errlen)
{
    struct scan_engine *se = NULL;
    int rc = MG_ERR_USAGE;
    cl_error_t cr;

    *out = NULL;
    *sigs = 0;
    if (!scan_initialized) {
        cr = cl_init(CL_INIT_DEFAULT);
        if (cr != CL_SUCCESS) {
            snprintf(err, errlen, "cannot initialize libclamav: %s", cl_strerror(cr));
            goto out;
        }
        scan_initialized = 1;
    }
    struct stat st;
    if (stat(dbdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen,
                 "no virus signature database at %s (install clamav-freshclam and run "
                 "freshclam, or pass --db DIR)",
                 dbdir);
        goto out;
    }
    se = calloc(1, sizeof(*se));
    if (!se) {
        rc = MG_ERR_NOMEM;
        goto out;
    }
    se->engine = cl_engine_new();
    if (!se->engine) {
        snprintf(err, errlen, "cannot create the ClamAV engine");
        goto out;
    }
    cr = cl_load(dbdir, se->engine, sigs, CL_DB_STDOPT);
    if (cr != CL_SUCCESS || *sigs == 0) {
        snprintf(err, errlen, "no usable virus signatures in %s%s%s", dbdir,
                 cr != CL_SUCCESS ? ": " : "", cr != CL_SUCCESS ? cl_strerror(cr) : "");
        goto out;
    }
    /* Scan at least everything the policy lets through; past that the
     * EXCEEDS_MAX heuristic makes the file "not clean". */
    uint64_t filesize =
            pol->max_input_size > pol->max_output_size ? pol->max_input_size : pol->max_output_size;
    cl_engine_set_num(se->engine, CL_ENGINE_MAX_FILESIZE, (long long)filesize);
    cl_engine_set_num(se->engine, CL_ENGINE_MAX_SCANSIZE,
                      (long long)(pol->max_expanded > filesize ? pol->max_expanded : filesize));
    cl_engine_set_num(se->engine, CL_ENGINE_MAX_RECURSION, 16);
    cl_engine_set_num(se->engine, CL_ENGINE_MAX_FILES, (long long)pol->max_members);
    cl_engine_set_num(se->engine, CL_ENGINE_MAX_SCANTIME,
                      (long long)pol->worker_deadline_seconds * 1000);
    cr = cl_engine_compile(se->engine);
    if (cr != CL_SUCCESS) {
        snprintf(err, errlen, "cannot compile the ClamAV engine: %s", cl_strerror(cr));
        goto out;
    }
    memset(&se->opts, 0, sizeof(se->opts));
    /* Every parser, except the image fuzzy hash: it decodes every pixel of
     * every image (most of the scan time for photos) to match a handful of
     * logo signatures, and the images we release are re-encoded anyway. */
    se->opts.parse = ~0u & ~(unsigned)CL_SCAN_PARSE_IMAGE_FUZZY_HASH;
    se->opts.general = CL_SCAN_GENERAL_HEURISTICS;
    /* Not the encrypted-archive/document heuristics: encryption is the
     * sanitizers' call (blocked as "encrypted", or opened with
     * --password-file and then scanned as the rebuilt output). */
    se->opts.heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX | CL_SCAN_HEURISTIC_BROKEN;

    time_t newest;
    *age_days = -1;
    if (scan_newest_db_time(dbdir, &newest) == MG_OK && newest > 0)
        *age_days = (int)((time(NULL) - newest) / 86400);

    *out = se;
    se = NULL;
    rc = MG_OK;
out:
    scan_free(se);
    return rc;
}

void scan_db_info(const char *dbdir, char *version, size_t cap, int64_t *built)
{
    size_t used = 0;
    unsigned others = 0;
    time_t newest = 0;
    DIR *d = opendir(dbdir);
    version[0] = 0;
    *built = 0;
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' ||
            (size_t)snprintf(path, sizeof(path), "%s/%s", dbdir, e->d_name) >= sizeof(path))
            continue;
        int cvd = n > 4 && (strcmp(e->d_name + n - 4, ".cvd") == 0 ||
                            strcmp(e->d_name + n - 4, ".cld") == 0);
        struct cl_cvd *h = cvd ? cl_cvdhead(path) : NULL;
        if (h) {
            int w = snprintf(version + used, cap - used, "%s%.*s %u", used ? ", " : "",
                             (int)(n - 4), e->d_name, h->version);
            if (w > 0 && (size_t)w < cap - used)
                used += (size_t)w;
            cl_cvdfree(h);
        } else {
            others++;
        }
    }
    closedir(d);
    if (others && used < cap)
        snprintf(version + used, cap - used, "%s%u other file(s)", used ? ", " : "", others);
    if (scan_newest_db_time(dbdir, &newest) == MG_OK)
        *built = (int64_t)newest;
}

void scan_free(struct scan_engine *se)
{
    if (!se)
        return;
    if (se->engine)
        cl_engine_free(se->engine);
    free(se);
}

/* The worker's copy of the engine: pointing its temp dir at this job's
 * scratch directory touches nothing in the parent. */
static int scan_tmpdir(struct scan_engine *se, const char *scratch, struct scan_result *res)
{
    memset(res, 0, sizeof(*res));
    if (cl_engine_set_str(se->engine, CL_ENGINE_TMPDIR, scratch) != CL_SUCCESS) {
        res->status = SCAN_ERROR;
        snprintf(res->name, sizeof(res->name), "cannot set the scan temp directory");
        return MG_ERR_IO;
    }
    return MG_OK;
}

static void scan_result_of(cl_error_t cr, const char *virname, struct scan_result *res)
{
    if (cr == CL_CLEAN) {
        res->status = SCAN_CLEAN;
    } else if (cr == CL_VIRUS) {
        const char *v = virname ? virname : "unknown";
        res->status = strstr(v, "Heuristics.Limits.Exceeded") ? SCAN_LIMIT : SCAN_INFECTED;
        snprintf(res->name, sizeof(res->name), "%s", v);
    } else {
        res->status = SCAN_ERROR;
        snprintf(res->name, sizeof(res->name), "%s", cl_strerror(cr));
    }
}

void scan_fd(struct scan_engine *se, const char *scratch, int fd, struct scan_result *res)
{
    const char *virname = NULL;
    unsigned long scanned = 0;

    if (scan_tmpdir(se, scratch, res) != MG_OK)
        return;
    if (lseek(fd, 0, SEEK_SET) != 0) {
        res->status = SCAN_ERROR;
        snprintf(res->name, sizeof(res->name), "cannot rewind: %s", strerror(errno));
        return;
    }
    struct cl_scan_options opts = se->opts;
    cl_error_t cr = cl_scandesc(fd, NULL, &virname, &scanned, se->engine, &opts);
    scan_result_of(cr, virname, res);
}

void scan_mem(struct scan_engine *se, const char *scratch, const uint8_t *p, size_t n,
              const char *name, struct scan_result *res)
{
    const char *virname = NULL;
    unsigned long scanned = 0;

    if (scan_tmpdir(se, scratch, res) != MG_OK)
        return;
    /* libclamav wants a non-empty map; an empty member has nothing to find. */
    if (n == 0) {
        res->status = SCAN_CLEAN;
        return;
    }
    cl_fmap_t *map = cl_fmap_open_memory(p, n);
    if (!map) {
        res->status = SCAN_ERROR;
        snprintf(res->name, sizeof(res->name), "cannot map the member");
        return;
    }
    struct cl_scan_options opts = se->opts;
    cl_error_t cr = cl_scanmap_callback(map, name, &virname, &scanned, se->engine, &opts, NULL);
    cl_fmap_close(map);
    scan_result_of(cr, virname, res);
}
