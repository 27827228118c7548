/*
 * cfb - strict compound file reader (see cfb.h).
 *
 * Order of work: header; FAT sector list from the header's DIFAT and the
 * DIFAT chain; the FAT itself; the directory chain; the directory tree from
 * the root, as a plain list; the mini stream and mini FAT; every stream's
 * chain. Every sector a chain passes through is marked in one ownership
 * map, so a sector in two chains (and hence any loop) is refused wherever
 * it is met, and so is a chain that leaves the file.
 */
#include "cfb.h"
#include "bytes.h"
#include "err.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXREGSECT 0xFFFFFFFAu
#define DIFSECT    0xFFFFFFFCu
#define FATSECT    0xFFFFFFFDu
#define ENDOFCHAIN 0xFFFFFFFEu
#define FREESECT   0xFFFFFFFFu
#define NOSTREAM   0xFFFFFFFFu

#define HDR_DIFAT   109u
#define DIRENT_SIZE 128u
#define MINI_SIZE   64u

static const uint8_t cfb_magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

__attribute__((format(printf, 2, 3))) static int fail(struct cfb *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof(c->err), fmt, ap);
    va_end(ap);
    return MG_ERR_PARSE;
}

static const uint8_t *sector(const struct cfb *c, uint32_t s)
{
    return c->data + ((size_t)s + 1) * c->ssz;
}

/* ---- header ------------------------------------------------------------ */

struct hdr {
    uint32_t ndir, nfat, dirstart, minifatstart, nminifat, difatstart, ndifat;
};

static int read_header(struct cfb *c, const uint8_t *d, size_t len, struct hdr *h)
{
    if (len < 512 || memcmp(d, cfb_magic, 8) != 0)
        return fail(c, "not a compound file (no D0 CF 11 E0 signature)");
    uint16_t major = bytes_le16(d + 26), order = bytes_le16(d + 28);
    uint16_t shift = bytes_le16(d + 30), mshift = bytes_le16(d + 32);
    if (order != 0xFFFE)
        return fail(c, "byte order mark is 0x%04X, not 0xFFFE", order);
    if (!((major == 3 && shift == 9) || (major == 4 && shift == 12)))
        return fail(c, "version %u with sector shift %u (only 3/9 and 4/12 exist)", major, shift);
    if (mshift != 6)
        return fail(c, "mini sector shift %u, not 6", mshift);
    if (bytes_le32(d + 56) != CFB_MINI_CUTOFF)
        return fail(c, "mini stream cutoff %u, not 4096", bytes_le32(d + 56));
    c->version = major;
    c->ssz = 1u << shift;
    if (len < c->ssz)
        return fail(c, "file shorter than its header sector");
    h->ndir = bytes_le32(d + 40);
    h->nfat = bytes_le32(d + 44);
    h->dirstart = bytes_le32(d + 48);
    h->minifatstart = bytes_le32(d + 60);
    h->nminifat = bytes_le32(d + 64);
    h->difatstart = bytes_le32(d + 68);
    h->ndifat = bytes_le32(d + 72);
    if (major == 3 && h->ndir != 0)
        return fail(c, "version 3 header with a directory sector count");
    return MG_OK;
}

/*
 * The sectors after the header. Some writers leave the last sector short;
 * it is read from a zero-padded copy, but only a stream may own it, and
 * only if the stream's bytes end before the file does (check_tail).
 */
static int map_sectors(struct cfb *c, const uint8_t *d, size_t len)
{
    size_t body = len - c->ssz;
    size_t ns = body / c->ssz + (body % c->ssz != 0);
    if (ns > MAXREGSECT)
        return fail(c, "too many sectors");
    c->nsect = (uint32_t)ns;
    c->data = d;
    c->len = len;
    if (body % c->ssz != 0) {
        size_t full = (ns + 1) * c->ssz;
        c->tail = (uint32_t)(body % c->ssz);
        c->owned = calloc(1, full);
        if (c->owned == NULL)
            return MG_ERR_NOMEM;
        memcpy(c->owned, d, len);
        c->data = c->owned;
        c->len = full;
    }
    return MG_OK;
}

/* ---- ownership of sectors ------------------------------------------------ */

enum owner { OWN_FREE, OWN_FAT, OWN_DIFAT, OWN_DIR, OWN_MINIFAT, OWN_MINI, OWN_STREAM };

static const char *owner_name(uint8_t o)
{
    static const char *const names[] = {"free",     "FAT",         "DIFAT", "directory",
                                        "mini FAT", "mini stream", "stream"};
    return o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

static int claim(struct cfb *c, uint8_t *own, uint32_t s, uint8_t who)
{
    if (s >= c->nsect)
        return fail(c, "%s sector %u lies beyond the end of the file (%u sectors)", owner_name(who),
                    s, c->nsect);
    if (own[s] != OWN_FREE)
        return fail(c, "sector %u used twice (%s and %s)", s, owner_name(own[s]), owner_name(who));
    if (c->tail && s == c->nsect - 1 && who != OWN_STREAM && who != OWN_MINI)
        return fail(c, "%s sector %u is cut short by the end of the file", owner_name(who), s);
    own[s] = who;
    return MG_OK;
}

/*
 * Follow a FAT chain from start, claiming each sector for who. want is the
 * exact length the chain must have (0: any length up to max). The sectors
 * are stored in *list when list is not NULL (malloc'd).
 */
static int follow(struct cfb *c, uint8_t *own, uint32_t start, uint8_t who, size_t want, size_t max,
                  uint32_t **list, size_t *count)
{
    size_t n = 0, cap = 0;
    uint32_t *l = NULL;
    uint32_t s = start;
    int rc = MG_OK;

    while (s != ENDOFCHAIN) {
        if (s > MAXREGSECT) {
            rc = fail(c, "%s chain holds the special value 0x%08X", owner_name(who), s);
            goto out;
        }
        if ((want && n >= want) || n >= max) {
            rc = want ? fail(c, "%s chain longer than its size (%zu sectors)", owner_name(who),
                             want)
                      : fail(c, "%s chain longer than %zu sectors", owner_name(who), max);
            goto out;
        }
        if ((rc = claim(c, own, s, who)) != MG_OK)
            goto out;
        if (s >= c->nfat) {
            rc = fail(c, "sector %u has no FAT entry", s);
            goto out;
        }
        if (list) {
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 16;
                uint32_t *p = realloc(l, nc * sizeof(*p));
                if (p == NULL) {
                    rc = MG_ERR_NOMEM;
                    goto out;
                }
                l = p;
                cap = nc;
            }
            l[n] = s;
        }
        n++;
        s = c->fat[s];
    }
    if (want && n != want) {
        rc = fail(c, "%s chain of %zu sectors for a size that needs %zu", owner_name(who), n, want);
        goto out;
    }
    *count = n;
    if (list) {
        *list = l;
        l = NULL;
    }
out:
    free(l);
    return rc;
}

/* ---- FAT and DIFAT ------------------------------------------------------- */

/* The FAT sector numbers, in order, from the header and the DIFAT chain. */
static int read_difat(struct cfb *c, uint8_t *own, const struct hdr *h, uint32_t *fatsect)
{
    const uint8_t *d = c->data;
    uint32_t per = c->ssz / 4 - 1; /* FAT sector numbers per DIFAT sector */
    uint32_t got = 0;

    for (uint32_t i = 0; i < HDR_DIFAT; i++) {
        uint32_t v = bytes_le32(d + 76 + 4 * i);
        if (i < h->nfat)
            fatsect[got++] = v;
        else if (v != FREESECT)
            return fail(c, "header DIFAT entry %u set past the FAT sector count", i);
    }
    uint32_t rest = h->nfat > HDR_DIFAT ? h->nfat - HDR_DIFAT : 0;
    uint32_t need = rest / per + (rest % per != 0);
    if (h->ndifat != need)
        return fail(c, "%u DIFAT sectors declared, %u needed", h->ndifat, need);
    uint32_t s = h->difatstart;
    for (uint32_t k = 0; k < need; k++) {
        if (s > MAXREGSECT)
            return fail(c, "DIFAT chain ends after %u of %u sectors", k, need);
        int rc = claim(c, own, s, OWN_DIFAT);
        if (rc != MG_OK)
            return rc;
        const uint8_t *p = sector(c, s);
        for (uint32_t i = 0; i < per; i++) {
            uint32_t v = bytes_le32(p + 4 * i);
            if (got < h->nfat)
                fatsect[got++] = v;
            else if (v != FREESECT)
                return fail(c, "DIFAT sector %u lists more FAT sectors than declared", s);
        }
        s = bytes_le32(p + 4 * per);
    }
    if (s != ENDOFCHAIN && s != FREESECT)
        return fail(c, "DIFAT chain does not end where the count says");
    return MG_OK;
}

static int read_fat(struct cfb *c, uint8_t *own, const struct hdr *h)
{
    if (h->nfat == 0)
        return fail(c, "no FAT sectors");
    if (h->nfat > c->nsect)
        return fail(c, "%u FAT sectors declared in a file of %u sectors", h->nfat, c->nsect);
    uint32_t *fatsect = malloc((size_t)h->nfat * sizeof(*fatsect));
    if (fatsect == NULL)
        return MG_ERR_NOMEM;
    int rc = read_difat(c, own, h, fatsect);
    if (rc != MG_OK)
        goto out;
    uint32_t per = c->ssz / 4;
    c->nfat = (size_t)h->nfat * per;
    c->fat = malloc(c->nfat * sizeof(*c->fat));
    if (c->fat == NULL) {
        rc = MG_ERR_NOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < h->nfat; i++) {
        if (fatsect[i] > MAXREGSECT) {
            rc = fail(c, "FAT sector %u has the special number 0x%08X", i, fatsect[i]);
            goto out;
        }
        if ((rc = claim(c, own, fatsect[i], OWN_FAT)) != MG_OK)
            goto out;
        const uint8_t *p = sector(c, fatsect[i]);
        for (uint32_t j = 0; j < per; j++)
            c->fat[(size_t)i * per + j] = bytes_le32(p + 4 * j);
    }
    /* The FAT must mark its own sectors and the DIFAT's for what they are. */
    for (uint32_t s = 0; s < c->nsect; s++) {
        if ((own[s] == OWN_FAT || own[s] == OWN_DIFAT) && s >= c->nfat)
            rc = fail(c, "sector %u of the FAT or DIFAT has no FAT entry", s);
        else if (own[s] == OWN_FAT && c->fat[s] != FATSECT)
            rc = fail(c, "FAT sector %u is not marked FATSECT", s);
        else if (own[s] == OWN_DIFAT && c->fat[s] != DIFSECT)
            rc = fail(c, "DIFAT sector %u is not marked DIFSECT", s);
        if (rc != MG_OK)
            goto out;
    }
out:
    free(fatsect);
    return rc;
}

/* ---- directory ----------------------------------------------------------- */

struct dir {
    const uint8_t **e; /* raw entries */
    size_t n;
    uint8_t *seen;
};

static int entry_name(struct cfb *c, const uint8_t *e, uint32_t id, struct cfb_entry *out)
{
    uint16_t nb = bytes_le16(e + 64);
    if (nb < 4 || nb > 64 || nb % 2 != 0)
        return fail(c, "directory entry %u has a name length of %u bytes", id, nb);
    size_t n = nb / 2 - 1;
    if (bytes_le16(e + 2 * n) != 0)
        return fail(c, "directory entry %u: name not terminated", id);
    for (size_t i = 0; i < n; i++) {
        uint16_t ch = bytes_le16(e + 2 * i);
        if (ch == 0 || ch == '/' || ch == '\\' || ch == ':' || ch == '!')
            return fail(c, "directory entry %u: character U+%04X not allowed in a name", id, ch);
        out->name[i] = ch;
    }
    out->name[n] = 0;
    out->name_len = (uint8_t)n;
    return MG_OK;
}

static int entry_fill(struct cfb *c, const uint8_t *e, uint32_t id, struct cfb_entry *out)
{
    memset(out, 0, sizeof(*out));
    int rc = entry_name(c, e, id, out);
    if (rc != MG_OK)
        return rc;
    out->type = e[66];
    memcpy(out->clsid, e + 80, 16);
    out->state_bits = bytes_le32(e + 96);
    out->start = bytes_le32(e + 116);
    /* Version 3 writers left the high half of the size uninitialized;
     * [MS-CFB] says to ignore it there. */
    out->size = c->version == 3 ? bytes_le32(e + 120) : bytes_le64(e + 120);
    /* A storage's size field means nothing; some writers leave garbage there. */
    if (out->type != CFB_STREAM && out->type != CFB_ROOT)
        out->size = 0;
    if (out->type == CFB_STREAM && out->size > CFB_MAX_STREAM)
        return fail(c, "stream entry %u declares %llu bytes", id, (unsigned long long)out->size);
    return MG_OK;
}

static int add_entry(struct cfb *c, const struct cfb_entry *e)
{
    if (c->n >= CFB_MAX_ENTRIES) {
        snprintf(c->err, sizeof(c->err), "more than %u directory entries", CFB_MAX_ENTRIES);
        return MG_ERR_LIMIT;
    }
    c->entries[c->n++] = *e;
    return MG_OK;
}

/*
 * The sibling tree under storage parent, rooted at id, appended to the
 * entry list as a plain list (an explicit stack: a tree can legally be a
 * chain of thousands of entries).
 */
static int walk_siblings(struct cfb *c, struct dir *d, uint32_t id, size_t parent, uint32_t *stack)
{
    size_t sp = 0;
    if (id == NOSTREAM)
        return MG_OK;
    stack[sp++] = id;
    while (sp > 0) {
        uint32_t i = stack[--sp];
        if (i >= d->n)
            return fail(c, "directory link to entry %u of %zu", i, d->n);
        if (d->seen[i])
            return fail(c, "directory entry %u reached twice (a loop or a shared subtree)", i);
        d->seen[i] = 1;
        const uint8_t *e = d->e[i];
        struct cfb_entry ent;
        int rc = entry_fill(c, e, i, &ent);
        if (rc != MG_OK)
            return rc;
        if (ent.type != CFB_STORAGE && ent.type != CFB_STREAM)
            return fail(c, "directory entry %u of type %u inside the tree", i, ent.type);
        ent.parent = parent;
        ent.depth = (uint8_t)(c->entries[parent].depth + 1);
        if (ent.type == CFB_STORAGE && ent.depth > CFB_MAX_DEPTH) {
            snprintf(c->err, sizeof(c->err), "storages nested deeper than %u", CFB_MAX_DEPTH);
            return MG_ERR_LIMIT;
        }
        /* The child link is followed later, from the entry list. */
        ent.start = ent.type == CFB_STORAGE ? bytes_le32(e + 76) : ent.start;
        if ((rc = add_entry(c, &ent)) != MG_OK)
            return rc;
        uint32_t l = bytes_le32(e + 68), r = bytes_le32(e + 72);
        if (ent.type == CFB_STREAM && bytes_le32(e + 76) != NOSTREAM)
            return fail(c, "stream entry %u has a child", i);
        /* Each entry is pushed only once it is popped unseen, so the stack
         * never holds more than two per seen entry. */
        if (l != NOSTREAM)
            stack[sp++] = l;
        if (r != NOSTREAM)
            stack[sp++] = r;
        if (sp > 2 * d->n + 2)
            return fail(c, "directory tree too large");
    }
    return MG_OK;
}

static int name_order(const void *a, const void *b, void *arg);

/* No two children of one storage may share a name (compared as CFB does). */
static int check_duplicates(struct cfb *c)
{
    size_t *idx = malloc(c->n * sizeof(*idx));
    if (idx == NULL)
        return MG_ERR_NOMEM;
    for (size_t i = 0; i < c->n; i++)
        idx[i] = i;
    qsort_r(idx, c->n, sizeof(*idx), name_order, c);
    int rc = MG_OK;
    for (size_t i = 1; i < c->n && rc == MG_OK; i++) {
        if (name_order(&idx[i - 1], &idx[i], c) == 0) {
            char nm[96];
            cfb_name_print(&c->entries[idx[i]], nm, sizeof(nm));
            rc = fail(c, "two entries named \"%s\" in one storage", nm);
        }
    }
    free(idx);
    return rc;
}

static int name_order(const void *a, const void *b, void *arg)
{
    struct cfb *c = arg;
    const struct cfb_entry *x = &c->entries[*(const size_t *)a];
    const struct cfb_entry *y = &c->entries[*(const size_t *)b];
    if (x->parent != y->parent)
        return x->parent < y->parent ? -1 : 1;
    return cfb_name_cmp(x->name, x->name_len, y->name, y->name_len);
}

static int read_directory(struct cfb *c, uint8_t *own, const struct hdr *h)
{
    uint32_t *secs = NULL, *stack = NULL;
    size_t nsecs = 0;
    struct dir d = {0};
    size_t per = c->ssz / DIRENT_SIZE;
    size_t max = (CFB_MAX_ENTRIES + per - 1) / per;
    int rc = follow(c, own, h->dirstart, OWN_DIR, 0, max, &secs, &nsecs);
    if (rc != MG_OK) {
        if (strstr(c->err, "longer than") != NULL) {
            snprintf(c->err, sizeof(c->err), "directory of more than %u entries", CFB_MAX_ENTRIES);
            rc = MG_ERR_LIMIT;
        }
        goto out;
    }
    if (nsecs == 0) {
        rc = fail(c, "empty directory");
        goto out;
    }
    if (c->version == 4 && h->ndir != nsecs) {
        rc = fail(c, "%u directory sectors declared, chain has %zu", h->ndir, nsecs);
        goto out;
    }
    d.n = nsecs * per;
    d.e = malloc(d.n * sizeof(*d.e));
    d.seen = calloc(d.n, 1);
    stack = malloc((2 * d.n + 4) * sizeof(*stack));
    c->entries = malloc((d.n < CFB_MAX_ENTRIES ? d.n : CFB_MAX_ENTRIES) * sizeof(*c->entries));
    if (!d.e || !d.seen || !stack || !c->entries) {
        rc = MG_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < d.n; i++)
        d.e[i] = sector(c, secs[i / per]) + (i % per) * DIRENT_SIZE;

    struct cfb_entry root;
    if ((rc = entry_fill(c, d.e[0], 0, &root)) != MG_OK)
        goto out;
    if (root.type != CFB_ROOT) {
        rc = fail(c, "first directory entry is not the root (type %u)", root.type);
        goto out;
    }
    if (bytes_le32(d.e[0] + 68) != NOSTREAM || bytes_le32(d.e[0] + 72) != NOSTREAM) {
        rc = fail(c, "root entry has siblings");
        goto out;
    }
    root.parent = CFB_NONE;
    root.depth = 0;
    root.size = bytes_le32(d.e[0] + 120) | (c->version == 4 ? bytes_le64(d.e[0] + 120) : 0);
    d.seen[0] = 1;
    uint32_t child = bytes_le32(d.e[0] + 76);
    root.start = bytes_le32(d.e[0] + 116);
    c->ministream_size = root.size;
    root.start = child; /* child link, replaced below */
    if ((rc = add_entry(c, &root)) != MG_OK)
        goto out;
    /* Storages are appended as found, so this loop reaches every level. */
    for (size_t i = 0; i < c->n; i++) {
        if (c->entries[i].type == CFB_STREAM)
            continue;
        uint32_t first = c->entries[i].start;
        c->entries[i].start = 0;
        if ((rc = walk_siblings(c, &d, first, i, stack)) != MG_OK)
            goto out;
    }
    c->entries[0].start = bytes_le32(d.e[0] + 116);
    for (size_t i = 0; i < d.n; i++) {
        if (!d.seen[i] && d.e[i][66] != 0) {
            rc = fail(c, "directory entry %zu (type %u) is not reachable from the root", i,
                      d.e[i][66]);
            goto out;
        }
    }
    rc = check_duplicates(c);
out:
    free(secs);
    free(stack);
    free(d.e);
    free(d.seen);
    return rc;
}

/* ---- mini stream and streams ------------------------------------------------ */

static size_t sectors_for(uint64_t size, uint32_t unit)
{
    return (size_t)((size + unit - 1) / unit);
}

/* A chain ending in the short last sector must need no byte past the file. */
static int check_tail(struct cfb *c, const uint32_t *list, size_t n, uint64_t size)
{
    if (c->tail == 0 || n == 0 || list[n - 1] != c->nsect - 1)
        return MG_OK;
    if (size - (uint64_t)(n - 1) * c->ssz > c->tail)
        return fail(c, "data runs past the end of the file");
    return MG_OK;
}

static int read_mini(struct cfb *c, uint8_t *own, const struct hdr *h)
{
    size_t n = 0;
    int rc;
    if (c->ministream_size > (uint64_t)c->nsect * c->ssz)
        return fail(c, "mini stream larger than the file");
    size_t want = sectors_for(c->ministream_size, c->ssz);
    if (want > 0) {
        rc = follow(c, own, c->entries[0].start, OWN_MINI, want, want, &c->ministream, &n);
        if (rc == MG_OK)
            rc = check_tail(c, c->ministream, n, c->ministream_size);
        if (rc != MG_OK)
            return rc;
    }
    c->nministream = n;
    if (h->nminifat == 0) {
        if (h->minifatstart != ENDOFCHAIN && h->minifatstart != FREESECT)
            return fail(c, "mini FAT start set with no mini FAT sectors");
        return MG_OK;
    }
    if (h->nminifat > c->nsect)
        return fail(c, "%u mini FAT sectors declared", h->nminifat);
    uint32_t *secs = NULL;
    rc = follow(c, own, h->minifatstart, OWN_MINIFAT, h->nminifat, h->nminifat, &secs, &n);
    if (rc != MG_OK)
        return rc;
    uint32_t per = c->ssz / 4;
    c->nminifat = n * per;
    c->minifat = malloc(c->nminifat * sizeof(*c->minifat));
    if (c->minifat == NULL) {
        free(secs);
        return MG_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = sector(c, secs[i]);
        for (uint32_t j = 0; j < per; j++)
            c->minifat[i * per + j] = bytes_le32(p + 4 * j);
    }
    free(secs);
    return MG_OK;
}

static int check_mini_chain(struct cfb *c, uint8_t *mown, size_t nmini, const struct cfb_entry *e)
{
    size_t want = sectors_for(e->size, MINI_SIZE), n = 0;
    uint32_t s = e->start;
    char nm[96];
    const char *why = NULL;
    while (s != ENDOFCHAIN && why == NULL) {
        if (s > MAXREGSECT || s >= nmini || s >= c->nminifat)
            why = "a mini sector outside the mini stream";
        else if (mown[s])
            why = "a mini sector used twice";
        else if (n >= want)
            why = "a mini chain longer than its size";
        else {
            mown[s] = 1;
            n++;
            s = c->minifat[s];
        }
    }
    if (why == NULL && n != want)
        why = "a mini chain shorter than its size";
    if (why == NULL)
        return MG_OK;
    cfb_name_print(e, nm, sizeof(nm));
    return fail(c, "stream \"%s\" (%llu bytes): %s", nm, (unsigned long long)e->size, why);
}

static int check_streams(struct cfb *c, uint8_t *own)
{
    size_t nmini = sectors_for(c->ministream_size, MINI_SIZE);
    uint8_t *mown = calloc(nmini ? nmini : 1, 1);
    if (mown == NULL)
        return MG_ERR_NOMEM;
    int rc = MG_OK;
    for (size_t i = 1; i < c->n && rc == MG_OK; i++) {
        const struct cfb_entry *e = &c->entries[i];
        if (e->type != CFB_STREAM || e->size == 0)
            continue; /* an empty stream's start sector is never read */
        if (e->size < CFB_MINI_CUTOFF) {
            rc = check_mini_chain(c, mown, nmini, e);
        } else {
            size_t n = 0, want = sectors_for(e->size, c->ssz);
            uint32_t *list = NULL;
            rc = follow(c, own, e->start, OWN_STREAM, want, want, &list, &n);
            if (rc == MG_OK)
                rc = check_tail(c, list, n, e->size);
            free(list);
            if (rc != MG_OK) {
                char nm[64], why[96];
                cfb_name_print(e, nm, sizeof(nm));
                memcpy(why, c->err, sizeof(why) - 1);
                why[sizeof(why) - 1] = 0;
                fail(c, "stream \"%s\": %s", nm, why);
            }
        }
    }
    free(mown);
    return rc;
}

int cfb_open(struct cfb *c, const uint8_t *data, size_t len)
{
    struct hdr h = {0};
    uint8_t *own = NULL;
    memset(c, 0, sizeof(*c));
    int rc = read_header(c, data, len, &h);
    if (rc == MG_OK)
        rc = map_sectors(c, data, len);
    if (rc != MG_OK)
        goto out;
    own = calloc(c->nsect ? c->nsect : 1, 1);
    if (own == NULL) {
        rc = MG_ERR_NOMEM;
        goto out;
    }
    if ((rc = read_fat(c, own, &h)) != MG_OK || (rc = read_directory(c, own, &h)) != MG_OK ||
        (rc = read_mini(c, own, &h)) != MG_OK || (rc = check_streams(c, own)) != MG_OK)
        goto out;
out:
    free(own);
    if (rc != MG_OK) {
        char why[sizeof(c->err)];
        snprintf(why, sizeof(why), "%s", c->err);
        cfb_close(c);
        snprintf(c->err, sizeof(c->err), "%s", why[0] ? why : "out of memory");
    }
    return rc;
}

void cfb_close(struct cfb *c)
{
    free(c->owned);
    free(c->fat);
    free(c->minifat);
    free(c->ministream);
    free(c->entries);
    memset(c, 0, sizeof(*c));
}

int cfb_read(const struct cfb *c, size_t idx, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (idx >= c->n || c->entries[idx].type != CFB_STREAM)
        return MG_ERR_INTERNAL;
    const struct cfb_entry *e = &c->entries[idx];
    size_t size = (size_t)e->size;
    uint8_t *p = malloc(size ? size : 1);
    if (p == NULL)
        return MG_ERR_NOMEM;
    /* cfb_open checked every chain: lengths, bounds and ownership hold. */
    size_t done = 0;
    uint32_t s = e->start;
    while (done < size) {
        const uint8_t *src;
        size_t unit;
        if (size < CFB_MINI_CUTOFF) {
            size_t off = (size_t)s * MINI_SIZE;
            src = sector(c, c->ministream[off / c->ssz]) + off % c->ssz;
            unit = MINI_SIZE;
            s = c->minifat[s];
        } else {
            src = sector(c, s);
            unit = c->ssz;
            s = c->fat[s];
        }
        size_t take = size - done < unit ? size - done : unit;
        memcpy(p + done, src, take);
        done += take;
    }
    *out = p;
    *len = size;
    return MG_OK;
}

/* ---- names ------------------------------------------------------------------ */

/* Upper case as CFB compares names: ASCII and Latin-1 letters (the names
 * Office uses are ASCII; others keep their code unit). */
static uint16_t cfb_upper(uint16_t ch)
{
    if (ch >= 'a' && ch <= 'z')
        return (uint16_t)(ch - 32);
    if (ch >= 0xE0 && ch <= 0xFE && ch != 0xF7)
        return (uint16_t)(ch - 32);
    return ch;
}

int cfb_name_cmp(const uint16_t *a, size_t alen, const uint16_t *b, size_t blen)
{
    if (alen != blen)
        return alen < blen ? -1 : 1;
    for (size_t i = 0; i < alen; i++) {
        uint16_t x = cfb_upper(a[i]), y = cfb_upper(b[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

int cfb_name_is(const struct cfb_entry *e, const char *ascii)
{
    size_t n = strlen(ascii);
    if (n != e->name_len)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (cfb_upper(e->name[i]) != cfb_upper((uint8_t)ascii[i]))
            return 0;
    return 1;
}

size_t cfb_find(const struct cfb *c, size_t parent, const char *ascii)
{
    for (size_t i = 1; i < c->n; i++)
        if (c->entries[i].parent == parent && cfb_name_is(&c->entries[i], ascii))
            return i;
    return CFB_NONE;
}

void cfb_name_print(const struct cfb_entry *e, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return;
    for (size_t i = 0; i < e->name_len; i++) {
        char tmp[8];
        size_t n;
        uint32_t ch = e->name[i];
        if (ch < 0x20) {
            n = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02X", ch);
        } else if (ch < 0x80) {
            tmp[0] = (char)ch;
            n = 1;
        } else if (ch < 0x800) {
            tmp[0] = (char)(0xC0 | ch >> 6);
            tmp[1] = (char)(0x80 | (ch & 0x3F));
            n = 2;
        } else if (ch >= 0xD800 && ch <= 0xDFFF) {
            n = (size_t)snprintf(tmp, sizeof(tmp), "\\u%04X", ch);
        } else {
            tmp[0] = (char)(0xE0 | ch >> 12);
            tmp[1] = (char)(0x80 | ((ch >> 6) & 0x3F));
            tmp[2] = (char)(0x80 | (ch & 0x3F));
            n = 3;
        }
        if (o + n >= cap)
            break;
        memcpy(out + o, tmp, n);
        o += n;
    }
    out[o] = 0;
}
