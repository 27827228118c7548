/*
 * cfb - Compound File Binary format ([MS-CFB], "OLE2", "structured
 * storage"): a strict reader and a writer.
 *
 * The reader accepts a file only when every structure agrees with every
 * other: the header's counts with the chains, every sector owned by at most
 * one chain (FAT, DIFAT, directory, mini FAT, mini stream, each stream),
 * every chain ending inside the file, every stream's size matching the
 * length of its chain, every allocated directory entry reachable from the
 * root exactly once, no two siblings with the same name. A file that two
 * readers could read differently is refused rather than guessed at.
 * Version 3 (512-byte sectors) and version 4 (4096-byte sectors) are read.
 *
 * The writer builds a version 3 file (512-byte sectors, streams below 4096
 * bytes in the mini stream) from a list of storages and streams, with a
 * valid red-black directory tree, zero timestamps and nothing else in it.
 *
 * Functions return MG_OK or an error code of err.h (MG_ERR_PARSE for a
 * malformed file, MG_ERR_LIMIT for a cap, MG_ERR_NOMEM); the reader says
 * why in cfb.err.
 */
#ifndef MUGAI_CFB_H
#define MUGAI_CFB_H

#include <stddef.h>
#include <stdint.h>

/* Directory entries read; a larger directory is refused. */
#define CFB_MAX_ENTRIES 4096u
/* Storages nested inside one another below the root. */
#define CFB_MAX_DEPTH 16u
/* UTF-16 code units in a name, without the terminating NUL. */
#define CFB_NAME_MAX 31u
/* Streams below this size live in the mini stream. */
#define CFB_MINI_CUTOFF 4096u
/* Largest stream (version 3 files cannot hold more). */
#define CFB_MAX_STREAM 0x80000000u

#define CFB_NONE ((size_t)-1)

enum cfb_type {
    CFB_STORAGE = 1,
    CFB_STREAM = 2,
    CFB_ROOT = 5,
};

struct cfb_entry {
    uint16_t name[CFB_NAME_MAX + 1]; /* UTF-16 code units, NUL-terminated */
    uint8_t name_len;                /* code units, without the NUL */
    uint8_t type;                    /* enum cfb_type */
    uint8_t depth;                   /* 0 for the root, 1 for its children, ... */
    size_t parent;                   /* index in cfb.entries; CFB_NONE for the root */
    uint8_t clsid[16];
    uint32_t state_bits;
    uint64_t size; /* streams only */
    uint32_t start;
};

struct cfb {
    const uint8_t *data; /* the file, or a zero-padded copy (owned) */
    size_t len;
    uint8_t *owned;
    unsigned version; /* 3 or 4 */
    uint32_t ssz;     /* sector size */
    uint32_t nsect;   /* sectors in the file after the header */
    uint32_t tail;    /* bytes present of the last sector when the file cuts it short, else 0 */
    uint32_t *fat;
    size_t nfat; /* entries */
    uint32_t *minifat;
    size_t nminifat;
    uint32_t *ministream; /* the sectors holding the mini stream, in order */
    size_t nministream;
    uint64_t ministream_size;
    /* Reachable entries: the root first, every storage before its children. */
    struct cfb_entry *entries;
    size_t n;
    char err[160];
};

/* Read the structure of data[0..len). data must outlive c. */
int cfb_open(struct cfb *c, const uint8_t *data, size_t len);
void cfb_close(struct cfb *c);

/* The bytes of stream entries[idx] (malloc'd; the caller frees them). */
int cfb_read(const struct cfb *c, size_t idx, uint8_t **out, size_t *len);

/* Index of the child of storage parent named ascii (compared as CFB does:
 * ignoring case), or CFB_NONE. */
size_t cfb_find(const struct cfb *c, size_t parent, const char *ascii);

/* Whether the entry's name is ascii, ignoring case as CFB does. */
int cfb_name_is(const struct cfb_entry *e, const char *ascii);

/* The name as UTF-8 for messages: characters below U+0020 as \xNN,
 * truncated to fit cap (always NUL-terminated). */
void cfb_name_print(const struct cfb_entry *e, char *out, size_t cap);

/* Order of two names in a directory tree ([MS-CFB] 2.6.4): shorter first,
 * then code unit by code unit after upper-casing. */
int cfb_name_cmp(const uint16_t *a, size_t alen, const uint16_t *b, size_t blen);

/* One storage or stream to write. */
struct cfb_wnode {
    const uint16_t *name; /* UTF-16 code units, no NUL */
    size_t name_len;      /* 1 to CFB_NAME_MAX */
    uint8_t type;         /* CFB_STORAGE or CFB_STREAM */
    size_t parent;        /* index of an earlier storage node, or CFB_NONE for the root */
    uint8_t clsid[16];    /* storages only; zero for none */
    uint32_t state_bits;
    const uint8_t *data; /* streams only */
    size_t size;
};

/*
 * Build a compound file holding nodes (in any order that puts every
 * storage before its children) under a root entry with root_clsid (NULL:
 * zero). The file is malloc'd into *out; it may not exceed max_out bytes.
 * Refuses (MG_ERR_USAGE) names that are empty, too long or hold '/', '\',
 * ':', '!' or NUL, two siblings with the same name, and parents that are
 * not earlier storages.
 */
int cfb_write(const struct cfb_wnode *nodes, size_t n, const uint8_t *root_clsid, size_t max_out,
              uint8_t **out, size_t *out_len);

#endif
