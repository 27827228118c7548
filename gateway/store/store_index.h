/*
 * store_index - where the quarantine's index lives: SQLite on this node
 * (the default), or PostgreSQL shared by several nodes. store.c holds the
 * rules and writes its SQL once; a backend only runs a statement with
 * typed parameters (written ?1, ?2, ...) and hands back the rows as text.
 */
#ifndef MUGAI_STORE_INDEX_H
#define MUGAI_STORE_INDEX_H

#include <stddef.h>
#include <stdint.h>

enum idx_type { IDX_INT, IDX_TEXT };

struct idx_arg {
    enum idx_type t;
    int64_t i;
    const char *s;
};

#define IDX_I(v) ((struct idx_arg){IDX_INT, (int64_t)(v), NULL})
#define IDX_S(v) ((struct idx_arg){IDX_TEXT, 0, (v)})

/* Result rows as text, cells[r * ncols + c]; NULL for an SQL NULL. */
struct idx_rows {
    size_t nrows, ncols;
    char **cells;
};

struct store_index {
    /* Run sql; rows (may be NULL) gets what it returns, *changes (may be
     * NULL) how many rows it changed. MG_OK or MG_ERR_IO (see error). */
    int (*exec)(struct store_index *ix, const char *sql, const struct idx_arg *args, size_t n,
                struct idx_rows *rows, int64_t *changes);
    const char *(*error)(struct store_index *ix);
    void (*close)(struct store_index *ix);
    int postgres; /* the dialect, for the few statements that differ */
};

/* Open (creating the schema when missing). MG_OK or an error with err. */
int idx_sqlite_open(const char *path, struct store_index **ix, char *err, size_t cap);
int idx_pg_open(const char *conninfo, struct store_index **ix, char *err, size_t cap);

void idx_rows_free(struct idx_rows *r);
const char *idx_cell(const struct idx_rows *r, size_t row, size_t col);

#endif
