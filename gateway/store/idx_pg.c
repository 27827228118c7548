/*
 * idx_pg - the quarantine index in PostgreSQL, shared by several nodes
 * (see store_index.h). Statements come written for SQLite (?1, ?2, ...);
 * the placeholders become $1, $2 here. Parameters go separately from the
 * text (PQexecParams), never into it.
 */
#include "err.h"
#include "store_index.h"

#include <libpq-fe.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDX_PG_SQL_MAX 4096
#define IDX_PG_ARGS    32
#define IDX_CELLS_MAX  (1u << 22)

struct idx_pg {
    struct store_index ix;
    PGconn *conn;
    char why[512];
};

static const char SCHEMA[] =
        "CREATE TABLE IF NOT EXISTS items("
        " id BIGSERIAL PRIMARY KEY,"
        " created BIGINT NOT NULL, source TEXT NOT NULL, owner_uid BIGINT NOT NULL,"
        " sender TEXT NOT NULL, recipients TEXT NOT NULL, name TEXT NOT NULL,"
        " type TEXT NOT NULL, reason TEXT NOT NULL, sha256 TEXT NOT NULL,"
        " size BIGINT NOT NULL, report TEXT NOT NULL, state TEXT NOT NULL,"
        " retain_until BIGINT NOT NULL, node TEXT NOT NULL DEFAULT '',"
        " requested_by BIGINT NOT NULL DEFAULT -1, request_reason TEXT NOT NULL DEFAULT '',"
        " decided_by BIGINT NOT NULL DEFAULT -1, decision_reason TEXT NOT NULL DEFAULT '',"
        " released_by BIGINT NOT NULL DEFAULT -1, changed BIGINT NOT NULL DEFAULT 0,"
        " prev_state TEXT NOT NULL DEFAULT '', path TEXT NOT NULL DEFAULT '',"
        " intake TEXT NOT NULL DEFAULT '');"
        "CREATE TABLE IF NOT EXISTS actions("
        " id BIGSERIAL PRIMARY KEY, item BIGINT NOT NULL, at BIGINT NOT NULL, uid BIGINT NOT NULL,"
        " action TEXT NOT NULL, reason TEXT NOT NULL);"
        "CREATE INDEX IF NOT EXISTS items_state ON items(state, created);"
        "CREATE INDEX IF NOT EXISTS items_sha ON items(sha256);"
        "CREATE INDEX IF NOT EXISTS actions_item ON actions(item);"
        /* Columns added since the first schema, for an index made before. */
        "ALTER TABLE items ADD COLUMN IF NOT EXISTS path TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE items ADD COLUMN IF NOT EXISTS intake TEXT NOT NULL DEFAULT '';"
        "CREATE UNIQUE INDEX IF NOT EXISTS items_intake ON items(intake, sha256) WHERE intake<>'';";

/* ?N -> $N, outside quoted strings. */
static int placeholders(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    int quoted = 0;
    for (const char *p = in; *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        char c = (!quoted && *p == '?' && isdigit((unsigned char)p[1])) ? '$' : *p;
        if (o + 1 >= cap)
            return MG_ERR_LIMIT;
        out[o++] = c;
    }
    out[o] = 0;
    return MG_OK;
}

static int pg_exec(struct store_index *ix, const char *sql, const struct idx_arg *a, size_t n,
                   struct idx_rows *rows, int64_t *changes)
{
    struct idx_pg *s = (struct idx_pg *)ix;
    char text[IDX_PG_SQL_MAX], nums[IDX_PG_ARGS][24];
    const char *vals[IDX_PG_ARGS];
    Oid types[IDX_PG_ARGS];
    if (rows)
        memset(rows, 0, sizeof(*rows));
    if (n > IDX_PG_ARGS || placeholders(sql, text, sizeof(text)) != MG_OK)
        return MG_ERR_LIMIT;
    for (size_t i = 0; i < n; i++) {
        if (a[i].t == IDX_INT) {
            snprintf(nums[i], sizeof(nums[i]), "%lld", (long long)a[i].i);
            vals[i] = nums[i];
            types[i] = 20; /* int8: a parameter a statement does not use still has a type */
        } else {
            vals[i] = a[i].s ? a[i].s : "";
            types[i] = 25; /* text */
        }
    }
    PGresult *res = PQexecParams(s->conn, text, (int)n, types, vals, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    int rc = MG_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        snprintf(s->why, sizeof(s->why), "%s", PQresultErrorMessage(res));
        rc = MG_ERR_IO;
    } else {
        if (changes) {
            const char *t = PQcmdTuples(res);
            *changes = t && *t ? strtoll(t, NULL, 10) : 0;
        }
        if (rows && st == PGRES_TUPLES_OK) {
            size_t nr = (size_t)PQntuples(res), nc = (size_t)PQnfields(res);
            if (nr * nc > IDX_CELLS_MAX) {
                rc = MG_ERR_LIMIT;
            } else if (nr && nc) {
                rows->cells = calloc(nr * nc, sizeof(char *));
                if (!rows->cells)
                    rc = MG_ERR_NOMEM;
                for (size_t r = 0; rc == MG_OK && r < nr; r++)
                    for (size_t c = 0; rc == MG_OK && c < nc; c++)
                        if (!PQgetisnull(res, (int)r, (int)c) &&
                            !(rows->cells[r * nc + c] = strdup(PQgetvalue(res, (int)r, (int)c))))
                            rc = MG_ERR_NOMEM;
                rows->nrows = nr;
                rows->ncols = nc;
            }
        }
    }
    PQclear(res);
    if (rc != MG_OK && rows)
        idx_rows_free(rows);
    return rc;
}

static void quiet(void *arg, const char *message)
{
    (void)arg, (void)message;
}

static const char *pg_error(struct store_index *ix)
{
    struct idx_pg *s = (struct idx_pg *)ix;
    return s->why[0] ? s->why : PQerrorMessage(s->conn);
}

static void pg_close(struct store_index *ix)
{
    struct idx_pg *s = (struct idx_pg *)ix;
    if (s->conn)
        PQfinish(s->conn);
    free(s);
}

int idx_pg_open(const char *conninfo, struct store_index **out, char *err, size_t cap)
{
    struct idx_pg *s = calloc(1, sizeof(*s));
    *out = NULL;
    if (!s)
        return MG_ERR_NOMEM;
    s->ix.exec = pg_exec;
    s->ix.error = pg_error;
    s->ix.close = pg_close;
    s->ix.postgres = 1;
    s->conn = PQconnectdb(conninfo);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        snprintf(err, cap, "PostgreSQL: %s", PQerrorMessage(s->conn));
        pg_close(&s->ix);
        return MG_ERR_IO;
    }
    PQsetNoticeProcessor(s->conn, quiet, NULL); /* "already exists, skipping" */
    /* Two nodes starting at once both try to create the schema: the
     * advisory lock lets one do it while the other waits. */
    PGresult *r = PQexec(s->conn, "SELECT pg_advisory_lock(7405211)");
    PQclear(r);
    r = PQexec(s->conn, SCHEMA);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(err, cap, "PostgreSQL schema: %s", PQresultErrorMessage(r));
    PQclear(r);
    PQclear(PQexec(s->conn, "SELECT pg_advisory_unlock(7405211)"));
    if (!ok) {
        pg_close(&s->ix);
        return MG_ERR_IO;
    }
    *out = &s->ix;
    return MG_OK;
}
