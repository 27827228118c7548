/*
 * fuzz_cfb - the compound file reader on arbitrary bytes, and the writer
 * on whatever it reads: every stream of a file cfb_open() accepts must be
 * readable, and writing the same storages and streams must give a file
 * that reads back to the same entries and bytes (abort() otherwise, so
 * AFL++ records it as a crash).
 *
 * Built with fuzz/driver.c for AFL++ (fuzz/run.sh cfb) and for the ctest
 * replay of corpus/seeds/cfb; LLVMFuzzerTestOneInput serves libFuzzer-style
 * drivers.
 */
#include "cfb.h"
#include "err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int fuzz_init(void);
int fuzz_one(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define FUZZ_MAX_OUT (64u << 20)

int fuzz_init(void)
{
    return 0;
}

/* Rewrite what c holds; the copy must read back the same. */
static void roundtrip(const struct cfb *c, uint8_t **data)
{
    struct cfb_wnode *w = calloc(c->n ? c->n : 1, sizeof(*w));
    size_t *map = calloc(c->n ? c->n : 1, sizeof(*map)); /* entry -> node, then -> entry of c2 */
    if (!w || !map)
        abort();
    for (size_t i = 1; i < c->n; i++) {
        const struct cfb_entry *e = &c->entries[i];
        struct cfb_wnode *n = &w[i - 1];
        map[i] = i - 1;
        n->name = e->name;
        n->name_len = e->name_len;
        n->type = e->type;
        n->parent = e->parent == 0 ? CFB_NONE : map[e->parent];
        memcpy(n->clsid, e->clsid, 16);
        n->state_bits = e->state_bits;
        n->data = data[i];
        n->size = e->type == CFB_STREAM ? (size_t)e->size : 0;
    }
    uint8_t *out = NULL;
    size_t len = 0;
    int rc = cfb_write(w, c->n - 1, c->entries[0].clsid, FUZZ_MAX_OUT, &out, &len);
    if (rc == MG_ERR_LIMIT)
        goto done;
    if (rc != MG_OK)
        abort();
    struct cfb c2;
    if (cfb_open(&c2, out, len) != MG_OK || c2.n != c->n)
        abort();
    /* Entries come parents first, so each parent is matched before its children. */
    map[0] = 0;
    for (size_t i = 1; i < c->n; i++) {
        const struct cfb_entry *e = &c->entries[i];
        size_t k = CFB_NONE;
        for (size_t j = 1; j < c2.n && k == CFB_NONE; j++)
            if (c2.entries[j].parent == map[e->parent] &&
                cfb_name_cmp(c2.entries[j].name, c2.entries[j].name_len, e->name, e->name_len) == 0)
                k = j;
        if (k == CFB_NONE || c2.entries[k].type != e->type || c2.entries[k].size != e->size)
            abort();
        map[i] = k;
        if (e->type == CFB_STREAM) {
            uint8_t *d = NULL;
            size_t dn = 0;
            if (cfb_read(&c2, k, &d, &dn) != MG_OK || dn != e->size ||
                (dn && memcmp(d, data[i], dn) != 0))
                abort();
            free(d);
        }
    }
    cfb_close(&c2);
done:
    free(out);
    free(w);
    free(map);
}

int fuzz_one(const uint8_t *data, size_t len)
{
    struct cfb c;
    if (cfb_open(&c, data, len) != MG_OK)
        return 0;
    uint8_t **streams = calloc(c.n, sizeof(*streams));
    if (!streams)
        abort();
    for (size_t i = 1; i < c.n; i++) {
        if (c.entries[i].type != CFB_STREAM)
            continue;
        size_t n = 0;
        if (cfb_read(&c, i, &streams[i], &n) != MG_OK || n != c.entries[i].size)
            abort();
    }
    roundtrip(&c, streams);
    for (size_t i = 0; i < c.n; i++)
        free(streams[i]);
    free(streams);
    cfb_close(&c);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    return fuzz_one(data, len);
}
