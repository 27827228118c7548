/*
 * cfb_write - build a version 3 compound file (see cfb.h).
 *
 * Layout, in sector order: FAT, DIFAT (only past 109 FAT sectors),
 * directory, mini FAT, mini stream, then each large stream. Everything is
 * computed before anything is written, so the size is known and checked
 * against the cap first.
 *
 * Each storage's children form a binary search tree in CFB name order,
 * built balanced from the sorted list (the middle element at the top). All
 * nodes are black except those on the one level that is not full, which
 * are red: every path from the top to a missing child then passes the same
 * number of black nodes, and no red node has a red child, as [MS-CFB]
 * 2.6.4 requires.
 */
#include "cfb.h"
#include "bytes.h"
#include "err.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SSZ         512u
#define MINI_SIZE   64u
#define PER_FAT     (SSZ / 4)
#define PER_DIFAT   (SSZ / 4 - 1)
#define HDR_DIFAT   109u
#define DIRENT_SIZE 128u
#define DIFSECT     0xFFFFFFFCu
#define FATSECT     0xFFFFFFFDu
#define ENDOFCHAIN  0xFFFFFFFEu
#define FREESECT    0xFFFFFFFFu
#define NOSTREAM    0xFFFFFFFFu

static const uint8_t cfb_magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

struct wentry {
    uint32_t left, right, child;
    uint8_t color; /* 0 red, 1 black */
    uint32_t start;
    uint64_t size;
};

struct wctx {
    const struct cfb_wnode *nodes;
    size_t n;
    struct wentry *ent; /* n + 1: the root first */
    size_t *kids;       /* scratch: children of one storage */
};

static size_t div_up(size_t a, size_t b)
{
    return a / b + (a % b != 0);
}

static int check_nodes(const struct cfb_wnode *nodes, size_t n)
{
    if (n + 1 > CFB_MAX_ENTRIES)
        return MG_ERR_LIMIT;
    for (size_t i = 0; i < n; i++) {
        const struct cfb_wnode *w = &nodes[i];
        if (w->name_len == 0 || w->name_len > CFB_NAME_MAX || w->name == NULL)
            return MG_ERR_USAGE;
        for (size_t k = 0; k < w->name_len; k++) {
            uint16_t ch = w->name[k];
            if (ch == 0 || ch == '/' || ch == '\\' || ch == ':' || ch == '!')
                return MG_ERR_USAGE;
        }
        if (w->type != CFB_STORAGE && w->type != CFB_STREAM)
            return MG_ERR_USAGE;
        if (w->parent != CFB_NONE && (w->parent >= i || nodes[w->parent].type != CFB_STORAGE))
            return MG_ERR_USAGE;
        if (w->type == CFB_STREAM && (w->size > CFB_MAX_STREAM || (w->size && !w->data)))
            return MG_ERR_USAGE;
    }
    return MG_OK;
}

static int kid_cmp(const void *a, const void *b, void *arg)
{
    const struct cfb_wnode *nodes = arg;
    const struct cfb_wnode *x = &nodes[*(const size_t *)a];
    const struct cfb_wnode *y = &nodes[*(const size_t *)b];
    return cfb_name_cmp(x->name, x->name_len, y->name, y->name_len);
}

static unsigned full_levels(size_t n)
{
    unsigned k = 0;
    while (((size_t)2 << k) - 1 <= n)
        k++;
    return k; /* floor(log2(n + 1)) */
}

/* Directory id of kids[lo..hi) arranged as a tree; NOSTREAM when empty. */
static uint32_t build_tree(struct wctx *w, size_t lo, size_t hi, unsigned depth, unsigned red)
{
    if (lo >= hi)
        return NOSTREAM;
    size_t mid = lo + (hi - lo) / 2;
    uint32_t id = (uint32_t)(w->kids[mid] + 1);
    w->ent[id].color = depth >= red ? 0 : 1;
    w->ent[id].left = build_tree(w, lo, mid, depth + 1, red);
    w->ent[id].right = build_tree(w, mid + 1, hi, depth + 1, red);
    return id;
}

/* Every storage's (and the root's) child tree; refuses duplicate names. */
static int build_trees(struct wctx *w)
{
    for (size_t p = 0; p <= w->n; p++) {
        size_t parent = p == 0 ? CFB_NONE : p - 1;
        if (p > 0 && w->nodes[p - 1].type != CFB_STORAGE)
            continue;
        size_t k = 0;
        for (size_t i = 0; i < w->n; i++)
            if (w->nodes[i].parent == parent)
                w->kids[k++] = i;
        qsort_r(w->kids, k, sizeof(*w->kids), kid_cmp, (void *)w->nodes);
        for (size_t i = 1; i < k; i++)
            if (kid_cmp(&w->kids[i - 1], &w->kids[i], (void *)w->nodes) == 0)
                return MG_ERR_USAGE;
        w->ent[p].child = build_tree(w, 0, k, 0, full_levels(k));
    }
    return MG_OK;
}

struct layout {
    size_t nfat, ndifat, ndir, nminifat, nmini_sect, nministream, nbig;
    size_t nsect;
    size_t dir0, minifat0, mini0, big0;
};

static int plan(const struct wctx *w, struct layout *L, size_t max_out)
{
    size_t mini_units = 0, big = 0;
    memset(L, 0, sizeof(*L));
    for (size_t i = 0; i < w->n; i++) {
        const struct cfb_wnode *nd = &w->nodes[i];
        if (nd->type != CFB_STREAM || nd->size == 0)
            continue;
        if (nd->size < CFB_MINI_CUTOFF)
            mini_units += div_up(nd->size, MINI_SIZE);
        else
            big += div_up(nd->size, SSZ);
    }
    L->nmini_sect = mini_units;
    L->nministream = div_up(mini_units * MINI_SIZE, SSZ);
    L->nminifat = div_up(mini_units * 4, SSZ);
    L->ndir = div_up((w->n + 1) * DIRENT_SIZE, SSZ);
    L->nbig = big;
    size_t data = L->ndir + L->nminifat + L->nministream + L->nbig;
    if (data > max_out / SSZ)
        return MG_ERR_LIMIT;
    /* The FAT covers itself and the DIFAT: grow both until they fit. */
    for (;;) {
        size_t difat = L->nfat > HDR_DIFAT ? div_up(L->nfat - HDR_DIFAT, PER_DIFAT) : 0;
        if (L->nfat * PER_FAT >= data + L->nfat + difat) {
            L->ndifat = difat;
            break;
        }
        L->nfat++;
    }
    L->nsect = L->nfat + L->ndifat + data;
    if (L->nsect >= max_out / SSZ || L->nsect > 0xFFFFFFF0u)
        return MG_ERR_LIMIT;
    L->dir0 = L->nfat + L->ndifat;
    L->minifat0 = L->dir0 + L->ndir;
    L->mini0 = L->minifat0 + L->nminifat;
    L->big0 = L->mini0 + L->nministream;
    return MG_OK;
}

static uint8_t *sect(uint8_t *file, size_t s)
{
    return file + (s + 1) * SSZ;
}

/* A chain of count sectors from first, one after another. */
static void chain(uint8_t *file, size_t first, size_t count, uint32_t mark)
{
    for (size_t i = 0; i < count; i++) {
        size_t s = first + i;
        uint32_t v = mark ? mark : (i + 1 < count ? (uint32_t)(s + 1) : ENDOFCHAIN);
        bytes_put32(sect(file, s / PER_FAT) + (s % PER_FAT) * 4, v);
    }
}

static void write_header(uint8_t *file, const struct layout *L)
{
    memcpy(file, cfb_magic, 8);
    bytes_put16(file + 24, 0x003E);
    bytes_put16(file + 26, 3);
    bytes_put16(file + 28, 0xFFFE);
    bytes_put16(file + 30, 9);
    bytes_put16(file + 32, 6);
    bytes_put32(file + 44, (uint32_t)L->nfat);
    bytes_put32(file + 48, (uint32_t)L->dir0);
    bytes_put32(file + 56, CFB_MINI_CUTOFF);
    bytes_put32(file + 60, L->nminifat ? (uint32_t)L->minifat0 : ENDOFCHAIN);
    bytes_put32(file + 64, (uint32_t)L->nminifat);
    bytes_put32(file + 68, L->ndifat ? (uint32_t)L->nfat : ENDOFCHAIN);
    bytes_put32(file + 72, (uint32_t)L->ndifat);
    for (size_t i = 0; i < HDR_DIFAT; i++)
        bytes_put32(file + 76 + 4 * i, i < L->nfat ? (uint32_t)i : FREESECT);
    /* DIFAT sectors follow the FAT sectors, each pointing to the next. */
    size_t k = HDR_DIFAT;
    for (size_t d = 0; d < L->ndifat; d++) {
        uint8_t *p = sect(file, L->nfat + d);
        for (size_t i = 0; i < PER_DIFAT; i++, k++)
            bytes_put32(p + 4 * i, k < L->nfat ? (uint32_t)k : FREESECT);
        bytes_put32(p + 4 * PER_DIFAT,
                    d + 1 < L->ndifat ? (uint32_t)(L->nfat + d + 1) : ENDOFCHAIN);
    }
}

/* Place stream data and fill the FAT, the mini FAT and each entry's start. */
static void write_streams(struct wctx *w, uint8_t *file, const struct layout *L)
{
    size_t mini = 0, big = L->big0;
    uint8_t *fatp = file + SSZ;
    for (size_t s = 0; s < L->nfat * PER_FAT; s++)
        bytes_put32(fatp + 4 * s, FREESECT); /* FAT sectors are contiguous from sector 0 */
    chain(file, 0, L->nfat, FATSECT);
    chain(file, L->nfat, L->ndifat, DIFSECT);
    chain(file, L->dir0, L->ndir, 0);
    chain(file, L->minifat0, L->nminifat, 0);
    chain(file, L->mini0, L->nministream, 0);
    uint8_t *mfat = L->nminifat ? sect(file, L->minifat0) : NULL;
    for (size_t s = 0; s < L->nminifat * PER_FAT; s++)
        bytes_put32(mfat + 4 * s, FREESECT);
    for (size_t i = 0; i < w->n; i++) {
        const struct cfb_wnode *nd = &w->nodes[i];
        struct wentry *e = &w->ent[i + 1];
        e->start = nd->type == CFB_STREAM ? ENDOFCHAIN : 0;
        e->size = nd->type == CFB_STREAM ? nd->size : 0;
        if (nd->type != CFB_STREAM || nd->size == 0)
            continue;
        if (nd->size < CFB_MINI_CUTOFF) {
            size_t units = div_up(nd->size, MINI_SIZE);
            e->start = (uint32_t)mini;
            memcpy(sect(file, L->mini0) + mini * MINI_SIZE, nd->data, nd->size);
            for (size_t u = 0; u < units; u++, mini++)
                bytes_put32(mfat + 4 * mini, u + 1 < units ? (uint32_t)(mini + 1) : ENDOFCHAIN);
        } else {
            size_t count = div_up(nd->size, SSZ);
            e->start = (uint32_t)big;
            memcpy(sect(file, big), nd->data, nd->size);
            chain(file, big, count, 0);
            big += count;
        }
    }
    w->ent[0].start = L->nministream ? (uint32_t)L->mini0 : ENDOFCHAIN;
    w->ent[0].size = (uint64_t)L->nmini_sect * MINI_SIZE;
}

static void write_entry(uint8_t *p, const uint16_t *name, size_t nlen, uint8_t type,
                        const struct wentry *e, const uint8_t *clsid, uint32_t state)
{
    for (size_t i = 0; i < nlen; i++)
        bytes_put16(p + 2 * i, name[i]);
    bytes_put16(p + 64, (uint16_t)((nlen + 1) * 2));
    p[66] = type;
    p[67] = e->color;
    bytes_put32(p + 68, e->left);
    bytes_put32(p + 72, e->right);
    bytes_put32(p + 76, e->child);
    if (clsid)
        memcpy(p + 80, clsid, 16);
    bytes_put32(p + 96, state);
    bytes_put32(p + 116, e->start);
    bytes_put32(p + 120, (uint32_t)e->size);
}

static void write_directory(const struct wctx *w, uint8_t *file, const struct layout *L)
{
    uint8_t *dir = sect(file, L->dir0);
    for (size_t i = 0; i < L->ndir * (SSZ / DIRENT_SIZE); i++) {
        uint8_t *p = dir + i * DIRENT_SIZE;
        bytes_put32(p + 68, NOSTREAM);
        bytes_put32(p + 72, NOSTREAM);
        bytes_put32(p + 76, NOSTREAM);
    }
    for (size_t i = 0; i < w->n; i++) {
        const struct cfb_wnode *nd = &w->nodes[i];
        write_entry(dir + (i + 1) * DIRENT_SIZE, nd->name, nd->name_len, nd->type, &w->ent[i + 1],
                    nd->type == CFB_STORAGE ? nd->clsid : NULL, nd->state_bits);
    }
}

int cfb_write(const struct cfb_wnode *nodes, size_t n, const uint8_t *root_clsid, size_t max_out,
              uint8_t **out, size_t *out_len)
{
    static const uint16_t root_name[] = {'R', 'o', 'o', 't', ' ', 'E', 'n', 't', 'r', 'y'};
    struct wctx w = {.nodes = nodes, .n = n};
    struct layout L;
    uint8_t *file = NULL;
    *out = NULL;
    *out_len = 0;
    int rc = check_nodes(nodes, n);
    if (rc != MG_OK)
        return rc;
    w.ent = calloc(n + 1, sizeof(*w.ent));
    w.kids = malloc((n ? n : 1) * sizeof(*w.kids));
    if (!w.ent || !w.kids) {
        rc = MG_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i <= n; i++) {
        w.ent[i].left = w.ent[i].right = w.ent[i].child = NOSTREAM;
        w.ent[i].color = 1;
    }
    if ((rc = build_trees(&w)) != MG_OK || (rc = plan(&w, &L, max_out)) != MG_OK)
        goto out;
    size_t total = (L.nsect + 1) * SSZ;
    file = calloc(1, total);
    if (file == NULL) {
        rc = MG_ERR_NOMEM;
        goto out;
    }
    write_header(file, &L);
    write_streams(&w, file, &L);
    write_directory(&w, file, &L);
    write_entry(sect(file, L.dir0), root_name, 10, CFB_ROOT, &w.ent[0], root_clsid, 0);
    *out = file;
    *out_len = total;
    file = NULL;
out:
    free(file);
    free(w.ent);
    free(w.kids);
    return rc;
}
