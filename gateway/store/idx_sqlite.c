/*
 * idx_sqlite - the quarantine index in SQLite, one node's own (see
 * store_index.h). WAL mode: review commands read while puts write.
 */
#include "err.h"
#include "store_index.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define IDX_CELLS_MAX (1u << 22) /* a result larger than this is refused */

struct idx_sqlite {
    struct store_index ix;
    sqlite3 *db;
};

static const char SCHEMA[] =
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE IF NOT EXISTS items("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " created INTEGER NOT NULL, source TEXT NOT NULL, owner_uid INTEGER NOT NULL,"
        " sender TEXT NOT NULL, recipients TEXT NOT NULL, name TEXT NOT NULL,"
        " type TEXT NOT NULL, reason TEXT NOT NULL, sha256 TEXT NOT NULL,"
        " size INTEGER NOT NULL, report TEXT NOT NULL, state TEXT NOT NULL,"
        " retain_until INTEGER NOT NULL, node TEXT NOT NULL DEFAULT '',"
        " requested_by INTEGER NOT NULL DEFAULT -1, request_reason TEXT NOT NULL DEFAULT '',"
        " decided_by INTEGER NOT NULL DEFAULT -1, decision_reason TEXT NOT NULL DEFAULT '',"
        " released_by INTEGER NOT NULL DEFAULT -1, changed INTEGER NOT NULL DEFAULT 0,"
        " prev_state TEXT NOT NULL DEFAULT '', path TEXT NOT NULL DEFAULT '',"
        " intake TEXT NOT NULL DEFAULT '');"
        "CREATE TABLE IF NOT EXISTS actions("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, item INTEGER NOT NULL, at INTEGER NOT NULL, uid "
        "INTEGER NOT NULL,"
        " action TEXT NOT NULL, reason TEXT NOT NULL);"
        "CREATE INDEX IF NOT EXISTS items_state ON items(state, created);"
        "CREATE INDEX IF NOT EXISTS items_sha ON items(sha256);"
        "CREATE INDEX IF NOT EXISTS actions_item ON actions(item);";

/* Columns added since the first schema: an index made before gets them
 * (SQLite has no ADD COLUMN IF NOT EXISTS; "duplicate column" is fine). */
static const char *const MIGRATE[] = {
        "ALTER TABLE items ADD COLUMN path TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE items ADD COLUMN intake TEXT NOT NULL DEFAULT ''",
};
static const char SCHEMA_LATE[] =
        "CREATE UNIQUE INDEX IF NOT EXISTS items_intake ON items(intake, sha256) WHERE intake<>'';";

static int sq_exec(struct store_index *ix, const char *sql, const struct idx_arg *a, size_t n,
                   struct idx_rows *rows, int64_t *changes)
{
    struct idx_sqlite *s = (struct idx_sqlite *)ix;
    sqlite3_stmt *st;
    size_t cap = 0;
    if (rows)
        memset(rows, 0, sizeof(*rows));
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return MG_ERR_IO;
    for (size_t i = 0; i < n; i++) {
        if (a[i].t == IDX_INT)
            sqlite3_bind_int64(st, (int)i + 1, a[i].i);
        else
            sqlite3_bind_text(st, (int)i + 1, a[i].s ? a[i].s : "", -1, SQLITE_STATIC);
    }
    int rc = MG_OK, r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (!rows)
            continue;
        size_t nc = (size_t)sqlite3_column_count(st);
        rows->ncols = nc;
        if ((rows->nrows + 1) * nc > cap) {
            size_t want = cap ? cap * 2 : 64 * (nc ? nc : 1);
            char **p = want <= IDX_CELLS_MAX ? realloc(rows->cells, want * sizeof(char *)) : NULL;
            if (!p) {
                rc = MG_ERR_LIMIT;
                break;
            }
            rows->cells = p;
            cap = want;
        }
        for (size_t c = 0; c < nc; c++) {
            const unsigned char *t = sqlite3_column_text(st, (int)c);
            char *copy = t ? strdup((const char *)t) : NULL;
            if (t && !copy)
                rc = MG_ERR_NOMEM;
            rows->cells[rows->nrows * nc + c] = copy;
        }
        rows->nrows++;
        if (rc != MG_OK)
            break;
    }
    if (rc == MG_OK && r != SQLITE_DONE)
        rc = MG_ERR_IO;
    if (changes)
        *changes = sqlite3_changes(s->db);
    sqlite3_finalize(st);
    if (rc != MG_OK && rows)
        idx_rows_free(rows);
    return rc;
}

static const char *sq_error(struct store_index *ix)
{
    return sqlite3_errmsg(((struct idx_sqlite *)ix)->db);
}

static void sq_close(struct store_index *ix)
{
    struct idx_sqlite *s = (struct idx_sqlite *)ix;
    if (s->db)
        sqlite3_close(s->db);
    free(s);
}

static int migrate(sqlite3 *db)
{
    for (size_t i = 0; i < sizeof(MIGRATE) / sizeof(MIGRATE[0]); i++)
        sqlite3_exec(db, MIGRATE[i], NULL, NULL, NULL);
    return sqlite3_exec(db, SCHEMA_LATE, NULL, NULL, NULL);
}

int idx_sqlite_open(const char *path, struct store_index **out, char *err, size_t cap)
{
    struct idx_sqlite *s = calloc(1, sizeof(*s));
    *out = NULL;
    if (!s)
        return MG_ERR_NOMEM;
    s->ix.exec = sq_exec;
    s->ix.error = sq_error;
    s->ix.close = sq_close;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
                SQLITE_OK ||
        sqlite3_busy_timeout(s->db, 10000) != SQLITE_OK ||
        sqlite3_exec(s->db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK || migrate(s->db) != SQLITE_OK) {
        snprintf(err, cap, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
        sq_close(&s->ix);
        return MG_ERR_IO;
    }
    chmod(path, 0600);
    *out = &s->ix;
    return MG_OK;
}

void idx_rows_free(struct idx_rows *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->cells && i < r->nrows * r->ncols; i++)
        free(r->cells[i]);
    free(r->cells);
    memset(r, 0, sizeof(*r));
}

const char *idx_cell(const struct idx_rows *r, size_t row, size_t col)
{
    if (row >= r->nrows || col >= r->ncols)
        return NULL;
    return r->cells[row * r->ncols + col];
}
