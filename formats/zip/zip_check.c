/*
 * zip_check - does libarchive see the members our directory reader sees?
 * (see zip.h)
 *
 * The archive family reads members through libarchive (it decrypts and it
 * reads every other archive format), and the other families trust the
 * structure our reader accepted. A zip that libarchive walks differently
 * (other members, other order, other sizes) is one two programs would
 * unpack differently, so it is refused.
 */
#include "zip.h"
#include "err.h"

#include <archive.h>
#include <archive_entry.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static locale_t zip_utf8_locale = (locale_t)0;
static bool zip_inited;

void zip_global_init(void)
{
    if (zip_inited)
        return;
    zip_inited = true;
    /*
     * libarchive converts DOS times with mktime(). glibc's mktime()
     * re-checks the zone on every call, and with TZ unset that is a stat()
     * of /etc/localtime, which the worker sandbox kills. ":/etc/localtime"
     * names the same zone but is compared as a string, so once loaded here
     * it is never looked up again.
     */
    if (getenv("TZ") == NULL)
        setenv("TZ", ":/etc/localtime", 0);
    tzset();
    /* libarchive converts UTF-8 names to the locale's charset: make it UTF-8. */
    zip_utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (zip_utf8_locale == (locale_t)0)
        zip_utf8_locale = newlocale(LC_CTYPE_MASK, "C.utf8", (locale_t)0);
}

__attribute__((constructor)) static void zip_constructor(void)
{
    zip_global_init();
}

/* libarchive's name for an entry against the raw one: it turns '\\' into '/'. */
static bool zip_same_path(const char *lib, const char *raw, size_t n)
{
    if (strlen(lib) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = lib[i] == '\\' ? '/' : lib[i];
        char b = raw[i] == '\\' ? '/' : raw[i];
        if (a != b)
            return false;
    }
    return true;
}

int zip_check_libarchive(const uint8_t *in, size_t len, const struct zip_dir *dir, char *why,
                         size_t whylen)
{
    /* libarchive 3.6 does not recognise a zip that is only an end record. */
    if (dir->n == 0)
        return MG_OK;
    locale_t saved = zip_utf8_locale != (locale_t)0 ? uselocale(zip_utf8_locale) : (locale_t)0;
    struct archive *a = archive_read_new();
    int rc = MG_ERR_PARSE;
    const char *what = NULL;
    size_t i = 0;
    if (!a) {
        rc = MG_ERR_NOMEM;
        what = "out of memory";
        goto out;
    }
    if (archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
        archive_read_open_memory(a, in, len) != ARCHIVE_OK) {
        what = "libarchive cannot open the zip";
        goto out;
    }
    for (;; i++) {
        struct archive_entry *ae;
        int r = archive_read_next_header(a, &ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            what = "libarchive cannot read a member header";
            goto out;
        }
        if (i >= dir->n) {
            what = "libarchive sees more members than the central directory lists";
            goto out;
        }
        const struct zip_ent *e = &dir->ent[i];
        const char *p = archive_entry_pathname(ae);
        /* A name libarchive could not convert is left out of the comparison
         * (it reports no name); the callers judge raw names themselves. */
        if ((p && !zip_same_path(p, e->name, e->name_len)) ||
            (archive_entry_size_is_set(ae) && archive_entry_filetype(ae) == AE_IFREG &&
             (uint64_t)archive_entry_size(ae) != e->usize)) {
            what = "the zip reads differently from its central directory";
            goto out;
        }
    }
    if (i != dir->n) {
        what = "libarchive sees fewer members than the central directory lists";
        goto out;
    }
    rc = MG_OK;
out:
    if (rc != MG_OK && whylen > 0) {
        if (i < dir->n)
            snprintf(why, whylen, "%s (at member \"%.200s\")", what, dir->ent[i].name);
        else
            snprintf(why, whylen, "%s", what);
    }
    if (a)
        archive_read_free(a);
    if (saved != (locale_t)0)
        uselocale(saved);
    return rc;
}
