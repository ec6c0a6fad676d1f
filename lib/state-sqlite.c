/*
 * state-sqlite.c — the scheduler store shared by the processes of one
 * machine: a SQLite file in WAL mode. Table rec holds one row per scope,
 * one column per mlm_srec field; table lease holds in-flight leases
 * (scope, id, pid, expires_ms), and a record's inflight is the number of
 * its unexpired leases, so a process that dies gives its capacity back
 * after the lease ttl. begin() is BEGIN IMMEDIATE, commit() COMMIT; load,
 * save and lease outside begin/commit are transactions of their own.
 *
 * A store in trouble never stops work: a file that is not a database is
 * moved aside to PATH.corrupt-EPOCH and rebuilt; an error at run time
 * (corrupt, I/O, read-only, busy past the timeout) switches this store for
 * good to an internal memory store, and s->warn says so once.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "mlm.h"
#include "flights.h"

mlm_store *mlm_store_sqlite(const char *path, char *err, size_t errlen);

#define SCHEMA_VERSION 5   /* 4: the windows columns, or the flight table; 5: both */
#define SCHEMA_VERSION_S "5"
#define BUSY_MS 5000            /* how long a writer waits for the lock */
#define PURGE_EVERY 64          /* leases between purges of expired ones */

/* the record's columns: mlm_srec_fields in state.c */
#define fields mlm_srec_fields
#define NFIELDS mlm_srec_nfields
enum { F_I64 = MLM_F_I64, F_INT = MLM_F_INT, F_LONG = MLM_F_LONG, F_DBL = MLM_F_DBL,
	F_STR = MLM_F_STR };

enum {
	Q_LOAD, Q_COUNT, Q_SAVE, Q_TOUCH, Q_FLY, Q_LAND, Q_PURGE, Q_PURGEF, Q_EACH,
	Q_RESET1, Q_RESETL1, Q_RESETF1, Q_RESETALL, Q_RESETLALL, Q_RESETFALL, Q_BYE,
	Q_BEGIN, Q_COMMIT, Q_ROLLBACK, Q_DATAVER, Q__N
};

typedef struct sqstore {
	mlm_store base;
	sqlite3 *db;
	sqlite3_stmt *q[Q__N];
	char *sql[Q__N];
	char *path;
	int intx;               /* inside begin/commit */
	unsigned nlease;
	mlm_flights fl;         /* this connection's own leases (flights.c) */
	int64_t holder;         /* its id in table flight: pid and a counter */
	int64_t busy_start;
	uint32_t rnd;           /* jitter for the busy handler */
	mlm_store *mem;         /* set once the file failed: everything goes here */
	/* A read mirror of records: valid while no other connection has
	 * committed (PRAGMA data_version unchanged), so a busy process does not
	 * query what it wrote itself. Entries older than MIRROR_MS are reloaded
	 * (leases of dead processes expire by time, not by writes). */
	struct mirror { mlm_srec r; int64_t until; int dirty; } *mir;
	size_t nmir, capmir;
	size_t ndirty;          /* mirror records saved in this transaction, unwritten */
	mlm_strindex mix;       /* scope → index in mir (keys borrowed from mir) */
	int64_t dataver;
	dev_t dev;              /* the file we opened, to notice it deleted or replaced */
	ino_t ino;
	int64_t checked_ms;
} sqstore;

#define MIRROR_MS 1000

static void mir_clear(sqstore *s);
static int flush(sqstore *s);
static int flush_flights(sqstore *s);

/* A hash look-up: with a pool of 20,000 keys a linear scan per record made
 * every call quadratic. */
static struct mirror *
mir_find(sqstore *s, const char *scope)
{
	size_t i = mlm_strindex_find(&s->mix, scope, strlen(scope));
	return i < s->nmir ? &s->mir[i] : NULL;
}

static void
mir_put(sqstore *s, const mlm_srec *r, int keep_inflight)
{
	struct mirror *m = mir_find(s, r->scope);
	if (!m) {
		if (s->nmir == s->capmir) {
			size_t c = s->capmir ? s->capmir * 2 : 32;
			struct mirror *v = realloc(s->mir, c * sizeof *v);
			if (!v)
				return;
			s->mir = v;
			s->capmir = c;
			/* the index borrowed the old array's scopes: rebuilt */
			mlm_strindex_free(&s->mix);
			for (size_t i = 0; i < s->nmir; i++)
				if (mlm_strindex_put(&s->mix, s->mir[i].r.scope, i) < 0) {
					mir_clear(s);
					return;
				}
		}
		m = &s->mir[s->nmir];
		m->until = mlm_now_ms() + MIRROR_MS;
		m->r = *r;
		m->dirty = 0;
		if (mlm_strindex_put(&s->mix, m->r.scope, s->nmir) == 0)
			s->nmir++;
		return;
	}
	long inflight = m->r.inflight;
	m->r = *r;
	if (keep_inflight)
		m->r.inflight = inflight;
}

static void
mir_clear(sqstore *s)
{
	s->nmir = 0;
	s->ndirty = 0;
	mlm_strindex_free(&s->mix);
}

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS rec(scope TEXT PRIMARY KEY NOT NULL,"
	" until_ms INTEGER NOT NULL DEFAULT 0, kind TEXT NOT NULL DEFAULT '',"
	" why TEXT NOT NULL DEFAULT '', dead INTEGER NOT NULL DEFAULT 0,"
	" fails INTEGER NOT NULL DEFAULT 0, win_start INTEGER NOT NULL DEFAULT 0,"
	" win_count REAL NOT NULL DEFAULT 0, win_prev REAL NOT NULL DEFAULT 0,"
	" tok_count REAL NOT NULL DEFAULT 0, tok_prev REAL NOT NULL DEFAULT 0,"
	" day_start INTEGER NOT NULL DEFAULT 0, day_count REAL NOT NULL DEFAULT 0,"
	" lat_ms REAL NOT NULL DEFAULT 0, lat_dev REAL NOT NULL DEFAULT 0,"
	" n_ok INTEGER NOT NULL DEFAULT 0, n_err INTEGER NOT NULL DEFAULT 0,"
	" learned_rpm REAL NOT NULL DEFAULT 0, updated_ms INTEGER NOT NULL DEFAULT 0,"
	" learned_conc REAL NOT NULL DEFAULT 0, since_ms INTEGER NOT NULL DEFAULT 0);"
	/* in flight: a row per scope and holder (a store connection) with its
	 * count, written at its commits; lease, a row per request, is what
	 * versions before it wrote, still counted while one runs */
	"CREATE TABLE IF NOT EXISTS flight(scope TEXT NOT NULL, holder INTEGER NOT NULL,"
	" pid INTEGER NOT NULL, n INTEGER NOT NULL, expires_ms INTEGER NOT NULL,"
	" PRIMARY KEY(scope, holder)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS lease(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" scope TEXT NOT NULL, pid INTEGER NOT NULL, expires_ms INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS lease_scope ON lease(scope, expires_ms);";

/* Errors after which the file is given up for memory. */
static int
fatal(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CORRUPT: case SQLITE_NOTADB: case SQLITE_IOERR:
	case SQLITE_READONLY: case SQLITE_BUSY: case SQLITE_LOCKED:
	case SQLITE_FULL: case SQLITE_CANTOPEN: case SQLITE_PROTOCOL:
		return 1;
	}
	return 0;
}

/* Waits up to BUSY_MS in short, jittered steps (the stock handler sleeps
 * up to 100 ms at a time, which makes many small writers crawl). */
static int
busy(void *u, int n)
{
	sqstore *s = u;
	int64_t now = mlm_mono_ms();
	if (n == 0)
		s->busy_start = now;
	if (now - s->busy_start >= BUSY_MS)
		return 0;
	s->rnd ^= s->rnd << 13;
	s->rnd ^= s->rnd >> 17;
	s->rnd ^= s->rnd << 5;
	long us = 200 + (n < 20 ? n * 50 : 1000) + (long)(s->rnd % 500);
	struct timespec ts = { 0, us * 1000 };
	nanosleep(&ts, NULL);
	return 1;
}

static void
finalize_all(sqstore *s)
{
	for (int i = 0; i < Q__N; i++) {
		sqlite3_finalize(s->q[i]);
		s->q[i] = NULL;
	}
}

/* Gives up the file: from now on every call goes to a memory store. */
static void
to_memory(sqstore *s, int rc)
{
	if (s->mem)
		return;
	snprintf(s->base.warn, sizeof s->base.warn,
	    "state file %s failed (%s); using memory from now on",
	    s->path, sqlite3_errstr(rc));
	s->base.warned = 0;
	if (s->db) {
		if (s->intx)
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		finalize_all(s);
		sqlite3_close(s->db);
		s->db = NULL;
	}
	s->mem = mlm_store_memory();
	if (s->mem && s->intx)
		s->mem->ops->begin(s->mem);
	/* what this transaction held for its commit goes on there */
	for (size_t i = 0; s->mem && s->ndirty && i < s->nmir; i++)
		if (s->mir[i].dirty)
			s->mem->ops->save(s->mem, &s->mir[i].r);
	mir_clear(s);
}

/* rc of a failed step or prepare: falls back when it is fatal; -1. */
static int
failed(sqstore *s, int rc)
{
	if (fatal(rc))
		to_memory(s, rc);
	return -1;
}

static sqlite3_stmt *
stmt(sqstore *s, int i, int *rc)
{
	static const char *const text[Q__N] = {
		/* others' leases: this connection counts its own (flights.c) */
		[Q_COUNT] = "SELECT coalesce(sum(n), 0), min(expires_ms) FROM (SELECT n, expires_ms"
		    " FROM flight WHERE scope=?1 AND expires_ms>?2 AND holder<>?3 UNION ALL"
		    " SELECT 1, expires_ms FROM lease WHERE scope=?1 AND expires_ms>?2)",
		[Q_TOUCH] = "INSERT OR IGNORE INTO rec(scope) VALUES(?1)",
		[Q_FLY] = "INSERT OR REPLACE INTO flight(scope, holder, pid, n, expires_ms)"
		    " VALUES(?1, ?2, ?3, ?4, ?5)",
		[Q_LAND] = "DELETE FROM flight WHERE scope=?1 AND holder=?2",
		[Q_PURGE] = "DELETE FROM lease WHERE expires_ms<=?1",
		[Q_PURGEF] = "DELETE FROM flight WHERE expires_ms<=?1",
		[Q_RESET1] = "DELETE FROM rec WHERE scope=?1",
		[Q_RESETL1] = "DELETE FROM lease WHERE scope=?1",
		[Q_RESETF1] = "DELETE FROM flight WHERE scope=?1",
		[Q_RESETALL] = "DELETE FROM rec",
		[Q_RESETLALL] = "DELETE FROM lease",
		[Q_RESETFALL] = "DELETE FROM flight",
		[Q_BYE] = "DELETE FROM flight WHERE holder=?1",
		[Q_BEGIN] = "BEGIN IMMEDIATE",
		[Q_DATAVER] = "PRAGMA data_version",
		[Q_COMMIT] = "COMMIT",
		[Q_ROLLBACK] = "ROLLBACK",
	};
	*rc = SQLITE_OK;
	if (s->q[i]) {
		sqlite3_reset(s->q[i]);
		sqlite3_clear_bindings(s->q[i]);
		return s->q[i];
	}
	const char *sql = text[i] ? text[i] : s->sql[i];
	*rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->q[i], NULL);
	if (*rc != SQLITE_OK) {
		sqlite3_finalize(s->q[i]);
		s->q[i] = NULL;
	}
	return s->q[i];
}

/* Builds the statements that name every field. */
static int
build_sql(sqstore *s)
{
	mlm_buf cols = { 0 }, sel = { 0 }, ins = { 0 }, each = { 0 };
	int bad = 0;
	for (size_t i = 0; i < NFIELDS; i++)
		bad |= mlm_buf_printf(&cols, "%s%s", i ? ", " : "", fields[i].name);
	if (!cols.p)
		return -1;
	bad |= mlm_buf_printf(&sel, "SELECT %s FROM rec WHERE scope=?1", cols.p);
	bad |= mlm_buf_printf(&ins, "INSERT OR REPLACE INTO rec(scope, %s) VALUES(?1", cols.p);
	for (size_t i = 0; i < NFIELDS; i++)
		bad |= mlm_buf_printf(&ins, ", ?%zu", i + 2);
	bad |= mlm_buf_puts(&ins, ")");
	bad |= mlm_buf_printf(&each, "SELECT %s, scope, (SELECT count(*) FROM lease l"
	    " WHERE l.scope=rec.scope AND l.expires_ms>?1) + (SELECT coalesce(sum(n), 0)"
	    " FROM flight f WHERE f.scope=rec.scope AND f.expires_ms>?1) FROM rec ORDER BY scope",
	    cols.p);
	mlm_buf_free(&cols);
	s->sql[Q_LOAD] = sel.p;
	s->sql[Q_SAVE] = ins.p;
	s->sql[Q_EACH] = each.p;
	return bad ? -1 : 0;
}

/* Fills r's fields from columns 0..NFIELDS-1 of a row. */
static void
row_to_rec(sqlite3_stmt *q, mlm_srec *r)
{
	for (size_t i = 0; i < NFIELDS; i++) {
		char *p = (char *)r + fields[i].off;
		int c = (int)i;
		switch (fields[i].type) {
		case F_I64: *(int64_t *)p = sqlite3_column_int64(q, c); break;
		case F_INT: *(int *)p = sqlite3_column_int(q, c); break;
		case F_LONG: *(long *)p = (long)sqlite3_column_int64(q, c); break;
		case F_DBL: *(double *)p = sqlite3_column_double(q, c); break;
		case F_STR: {
			const unsigned char *t = sqlite3_column_text(q, c);
			snprintf(p, fields[i].size, "%s", t ? (const char *)t : "");
			break;
		}
		}
	}
}

/* Runs a statement that returns no rows. */
static int
run(sqstore *s, int i, const char *scope, int64_t a, int64_t b)
{
	int rc;
	sqlite3_stmt *q = stmt(s, i, &rc);
	if (!q)
		return failed(s, rc);
	int np = sqlite3_bind_parameter_count(q);
	if (scope) {
		sqlite3_bind_text(q, 1, scope, -1, SQLITE_TRANSIENT);
		if (np >= 2)
			sqlite3_bind_int64(q, 2, a);
		if (np >= 3)
			sqlite3_bind_int64(q, 3, b);
	} else if (np >= 1)
		sqlite3_bind_int64(q, 1, a);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return failed(s, rc);
	return 0;
}

/* Drops the mirror when another connection has committed since. */
static void
mir_check(sqstore *s)
{
	int rc;
	sqlite3_stmt *q = stmt(s, Q_DATAVER, &rc);
	if (!q) {
		mir_clear(s);
		return;
	}
	int64_t v = -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (v < 0 || v != s->dataver) {
		mir_clear(s);
		s->dataver = v;
	}
}

/* A transaction of its own for a call made outside begin/commit. */
static int
auto_begin(sqstore *s)
{
	return s->intx ? 0 : run(s, Q_BEGIN, NULL, 0, 0);
}

static int
auto_end(sqstore *s, int ok)
{
	if (s->intx || !s->db)
		return ok;
	if (ok == 0) {
		if (run(s, Q_COMMIT, NULL, 0, 0) < 0) {
			if (s->db)
				sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		return 0;
	}
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return ok;
}

/* Checks the file still starts like a database: SQLite may keep serving
 * its cache from a file someone overwrote. */
static int
header_ok(sqstore *s)
{
	sqlite3_file *f = NULL;
	if (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK
	    || !f || !f->pMethods)
		return 1;
	char h[16] = { 0 };
	sqlite3_int64 size = 0;
	if (f->pMethods->xFileSize(f, &size) != SQLITE_OK || size < 16)
		return 1;
	if (f->pMethods->xRead(f, h, 16, 0) != SQLITE_OK)
		return 0;
	return !memcmp(h, "SQLite format 3", 16);
}

static int open_db(sqstore *s, char *err, size_t errlen);
static void close_db(sqstore *s);

/* The file deleted, emptied or replaced under us: SQLite would go on with the
 * unlinked inode, and nobody else would see our state. Open the path again
 * (a new file is made and shared from then on) and say so once. */
static void
check_file(sqstore *s)
{
	struct stat st;
	int64_t now = mlm_mono_ms();
	if (s->mem || s->intx || now - s->checked_ms < 100)
		return;
	s->checked_ms = now;
	if (stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino && st.st_size > 0)
		return;
	char err[MLM_ERRLEN], side[4200];
	close_db(s);
	mir_clear(s);
	if (stat(s->path, &st) < 0 || st.st_size == 0) {
		/* a stale WAL must not be replayed into the new file */
		snprintf(side, sizeof side, "%s-wal", s->path);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", s->path);
		unlink(side);
		if (stat(s->path, &st) == 0)
			unlink(s->path);
	}
	if (open_db(s, err, sizeof err) != SQLITE_OK) {
		to_memory(s, SQLITE_CANTOPEN);
		return;
	}
	snprintf(s->base.warn, sizeof s->base.warn,
	    "state file %s was deleted, emptied or replaced; made it again", s->path);
	s->base.warned = 0;
}

static int
sq_begin(mlm_store *b)
{
	sqstore *s = (sqstore *)b;
	check_file(s);
	if (!s->mem && !header_ok(s))
		to_memory(s, SQLITE_NOTADB);
	if (s->mem)
		return s->mem->ops->begin(s->mem);
	if (s->intx)
		return 0;
	if (run(s, Q_BEGIN, NULL, 0, 0) < 0)
		return s->mem ? s->mem->ops->begin(s->mem) : -1;
	s->intx = 1;
	mir_check(s);
	return 0;
}

static void
sq_commit(mlm_store *b)
{
	sqstore *s = (sqstore *)b;
	if (s->mem) {
		s->intx = 0;
		s->mem->ops->commit(s->mem);
		return;
	}
	if (!s->intx)
		return;
	if ((flush(s) < 0 || flush_flights(s) < 0) && s->mem) {   /* the file was given up */
		s->intx = 0;
		s->mem->ops->commit(s->mem);
		return;
	}
	if (run(s, Q_COMMIT, NULL, 0, 0) < 0 && s->db) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		mir_clear(s);
	}
	s->intx = 0;
}

static int
do_load(sqstore *s, const char *scope, mlm_srec *r)
{
	int rc;
	if (!s->intx)
		mir_check(s);
	struct mirror *m = mir_find(s, scope);
	if (m && (m->dirty || mlm_now_ms() < m->until)) {
		*r = m->r;
		return 0;
	}
	memset(r, 0, sizeof *r);
	snprintf(r->scope, sizeof r->scope, "%s", scope);
	sqlite3_stmt *q = stmt(s, Q_LOAD, &rc);
	if (!q)
		return failed(s, rc);
	sqlite3_bind_text(q, 1, scope, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		row_to_rec(q, r);
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return failed(s, rc);
	if (!(q = stmt(s, Q_COUNT, &rc)))
		return failed(s, rc);
	int64_t now = mlm_now_ms(), first_expiry = 0, own_first;
	sqlite3_bind_text(q, 1, scope, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, now);
	sqlite3_bind_int64(q, 3, s->holder);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		r->inflight = (long)sqlite3_column_int64(q, 0);
		if (sqlite3_column_type(q, 1) != SQLITE_NULL)
			first_expiry = sqlite3_column_int64(q, 1);
	}
	sqlite3_reset(q);
	if (rc != SQLITE_ROW)
		return failed(s, rc);
	r->inflight += mlm_flights_count(&s->fl, scope, now, &own_first);
	if (own_first && (!first_expiry || own_first < first_expiry))
		first_expiry = own_first;
	/* valid until the next write by others, a second, or a lease expiring */
	int64_t until = mlm_now_ms() + MIRROR_MS;
	if (first_expiry && first_expiry < until)
		until = first_expiry;
	if (!m) {
		mir_put(s, r, 0);
		m = mir_find(s, scope);
	} else {
		m->r = *r;
	}
	if (m)
		m->until = until;
	return 0;
}

static int
sq_load(mlm_store *b, const char *scope, mlm_srec *r)
{
	sqstore *s = (sqstore *)b;
	check_file(s);
	if (!s->mem && !s->intx && !header_ok(s))
		to_memory(s, SQLITE_NOTADB);
	if (!s->mem && do_load(s, scope, r) == 0)
		return 0;
	return s->mem ? s->mem->ops->load(s->mem, scope, r) : -1;
}

static int
write_rec(sqstore *s, const mlm_srec *r)
{
	int rc;
	sqlite3_stmt *q = stmt(s, Q_SAVE, &rc);
	if (!q)
		return failed(s, rc);
	sqlite3_bind_text(q, 1, r->scope, -1, SQLITE_TRANSIENT);
	for (size_t i = 0; i < NFIELDS; i++) {
		const char *p = (const char *)r + fields[i].off;
		int c = (int)i + 2;
		switch (fields[i].type) {
		case F_I64: sqlite3_bind_int64(q, c, *(const int64_t *)p); break;
		case F_INT: sqlite3_bind_int64(q, c, *(const int *)p); break;
		case F_LONG: sqlite3_bind_int64(q, c, *(const long *)p); break;
		case F_DBL: sqlite3_bind_double(q, c, *(const double *)p); break;
		case F_STR: sqlite3_bind_text(q, c, p, (int)strnlen(p, fields[i].size),
		    SQLITE_TRANSIENT); break;
		}
	}
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		mir_clear(s);
		return failed(s, rc);
	}
	return 0;
}

/* What other processes act on: a cooldown, ejection, death, probe hold,
 * learned limit or a new window (the counters of a full minute or day are
 * what they pace by). A save that changes none of it, only counters and
 * averages of a running window, may wait for the commit. */
static int
state_changed(const mlm_srec *a, const mlm_srec *b)
{
	return a->until_ms != b->until_ms || a->dead != b->dead || a->fails != b->fails ||
	    a->since_ms != b->since_ms || strcmp(a->kind, b->kind) || strcmp(a->why, b->why) ||
	    a->learned_rpm != b->learned_rpm || a->learned_conc != b->learned_conc ||
	    a->win_start != b->win_start || a->day_start != b->day_start;
}

/* Writes the records whose saves were held in this transaction: once
 * each, however many calls of the batch saved them. */
static int
flush(sqstore *s)
{
	for (size_t i = 0; s->ndirty && i < s->nmir; i++)
		if (s->mir[i].dirty) {
			/* on a failure to_memory takes this one too */
			if (write_rec(s, &s->mir[i].r) < 0)
				return -1;
			s->mir[i].dirty = 0;
			s->ndirty--;
		}
	return 0;
}

/* Inside a transaction, a save that changes only counters of a record
 * the mirror holds is kept there and written once at the commit (a busy
 * owner is saved twice per call); a change of state is written at once.
 * Either way other processes see it at the commit, as before. */
static int
do_save(sqstore *s, const mlm_srec *r)
{
	struct mirror *m = mir_find(s, r->scope);
	if (s->intx && m && !state_changed(&m->r, r)) {
		long inflight = m->r.inflight;
		m->r = *r;
		m->r.inflight = inflight;
		if (!m->dirty)
			s->ndirty++;
		m->dirty = 1;
		return 0;
	}
	if (write_rec(s, r) < 0)
		return -1;
	if ((m = mir_find(s, r->scope))) {
		mir_put(s, r, 1);
		if (m->dirty)
			s->ndirty--;
		m->dirty = 0;
	}
	return 0;
}


static int
sq_save(mlm_store *b, const mlm_srec *r)
{
	sqstore *s = (sqstore *)b;
	if (!s->mem && !s->intx && !header_ok(s))
		to_memory(s, SQLITE_NOTADB);
	if (!s->mem && do_save(s, r) == 0)
		return 0;
	return s->mem ? s->mem->ops->save(s->mem, r) : -1;
}

/* Writes one flight row: this holder's count of leases on the scope and
 * the latest expiry of them (no row when none). */
static int
write_flight(sqstore *s, mlm_flight *g, int64_t now)
{
	int64_t first, last = 0;
	long n = mlm_flights_count(&s->fl, g->scope, now, &first);
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].exp > last)
			last = g->v[i].exp;
	if (n == g->written && last == g->wexp)
		return 0;
	if (n == 0) {
		g->written = 0;
		g->wexp = 0;
		return run(s, Q_LAND, g->scope, s->holder, 0);
	}
	/* the record's row too, so that each() lists a scope only leased */
	if (!g->written && run(s, Q_TOUCH, g->scope, 0, 0) < 0)
		return -1;
	int rc;
	sqlite3_stmt *q = stmt(s, Q_FLY, &rc);
	if (!q)
		return failed(s, rc);
	sqlite3_bind_text(q, 1, g->scope, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, s->holder);
	sqlite3_bind_int64(q, 3, (int64_t)getpid());
	sqlite3_bind_int64(q, 4, n);
	sqlite3_bind_int64(q, 5, last);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return failed(s, rc);
	g->written = n;
	g->wexp = last;
	return 0;
}

/* Writes the flight rows of the scopes whose count changed: at a commit,
 * or at once for a lease taken outside a transaction. */
static int
flush_flights(sqstore *s)
{
	int64_t now = mlm_now_ms();
	mlm_flight *g;
	while ((g = mlm_flights_next_dirty(&s->fl)))
		if (write_flight(s, g, now) < 0)
			return -1;
	if (s->nlease >= PURGE_EVERY) {
		s->nlease = 0;
		if (run(s, Q_PURGEF, NULL, now, 0) < 0 || run(s, Q_PURGE, NULL, now, 0) < 0)
			return -1;
	}
	return 0;
}

/* A lease is noted here and written with the transaction's commit (the
 * count of the scope's leases, one row): others see it then, as before. */
static int
do_lease(sqstore *s, const char *scope, int64_t ttl_ms, uint64_t *id)
{
	int64_t now = mlm_now_ms();
	if (mlm_flights_add(&s->fl, scope, now, ttl_ms, id) < 0)
		return -1;
	s->nlease++;
	struct mirror *m = mir_find(s, scope);
	if (m) {
		m->r.inflight++;
		if (now + ttl_ms < m->until)
			m->until = now + ttl_ms;
	}
	if (s->intx)
		return 0;
	if (auto_begin(s) < 0)
		return -1;
	return auto_end(s, flush_flights(s));
}

static int
sq_lease(mlm_store *b, const char *scope, int64_t ttl_ms, uint64_t *id)
{
	sqstore *s = (sqstore *)b;
	if (!s->mem && !s->intx && !header_ok(s))
		to_memory(s, SQLITE_NOTADB);
	if (!s->mem && do_lease(s, scope, ttl_ms, id) == 0)
		return 0;
	return s->mem ? s->mem->ops->lease(s->mem, scope, ttl_ms, id) : -1;
}

static void
sq_unlease(mlm_store *b, const char *scope, uint64_t id)
{
	sqstore *s = (sqstore *)b;
	if (!s->mem && !s->intx && !header_ok(s))
		to_memory(s, SQLITE_NOTADB);
	if (!s->mem) {
		if (mlm_flights_drop(&s->fl, scope, id)) {
			struct mirror *m = mir_find(s, scope);
			if (m && m->r.inflight > 0)
				m->r.inflight--;
		}
		if (!s->intx && auto_begin(s) == 0)
			auto_end(s, flush_flights(s));
		if (!s->mem)
			return;
	}
	s->mem->ops->unlease(s->mem, scope, id);
}

static int
do_each(sqstore *s, void (*cb)(void *u, const mlm_srec *r), void *u)
{
	int rc;
	if (flush(s) < 0)
		return -1;
	if (!s->intx && auto_begin(s) == 0 && auto_end(s, flush_flights(s)) < 0)
		return -1;
	else if (s->intx && flush_flights(s) < 0)
		return -1;
	sqlite3_stmt *q = stmt(s, Q_EACH, &rc);
	if (!q)
		return failed(s, rc);
	sqlite3_bind_int64(q, 1, mlm_now_ms());
	/* Rows are copied out before the callback sees them, so that the
	 * callback may call the store. */
	mlm_srec *v = NULL;
	size_t n = 0, cap = 0;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (n == cap) {
			size_t c = cap ? cap * 2 : 16;
			mlm_srec *nv = realloc(v, c * sizeof *nv);
			if (!nv) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
			cap = c;
		}
		mlm_srec *r = &v[n++];
		memset(r, 0, sizeof *r);
		row_to_rec(q, r);
		const unsigned char *sc = sqlite3_column_text(q, (int)NFIELDS);
		snprintf(r->scope, sizeof r->scope, "%s", sc ? (const char *)sc : "");
		r->inflight = (long)sqlite3_column_int64(q, (int)NFIELDS + 1);
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		free(v);
		return failed(s, rc);
	}
	for (size_t i = 0; i < n; i++)
		cb(u, &v[i]);
	free(v);
	return 0;
}

static int
sq_each(mlm_store *b, void (*cb)(void *u, const mlm_srec *r), void *u)
{
	sqstore *s = (sqstore *)b;
	if (!s->mem && !s->intx && !header_ok(s))
		to_memory(s, SQLITE_NOTADB);
	if (!s->mem && do_each(s, cb, u) == 0)
		return 0;
	return s->mem ? s->mem->ops->each(s->mem, cb, u) : -1;
}

static int
do_reset(sqstore *s, const char *scope)
{
	if (auto_begin(s) < 0 || flush(s) < 0)
		return -1;
	mir_clear(s);
	int r;
	mlm_flights_clear(&s->fl, scope);
	if (scope)
		r = run(s, Q_RESET1, scope, 0, 0) < 0 || run(s, Q_RESETL1, scope, 0, 0) < 0 ||
		    run(s, Q_RESETF1, scope, 0, 0) < 0 ? -1 : 0;
	else
		r = run(s, Q_RESETALL, NULL, 0, 0) < 0 || run(s, Q_RESETLALL, NULL, 0, 0) < 0 ||
		    run(s, Q_RESETFALL, NULL, 0, 0) < 0 ? -1 : 0;
	return auto_end(s, r);
}

static int
sq_reset(mlm_store *b, const char *scope)
{
	sqstore *s = (sqstore *)b;
	if (!s->mem && !s->intx && !header_ok(s))
		to_memory(s, SQLITE_NOTADB);
	if (!s->mem && do_reset(s, scope) == 0)
		return 0;
	return s->mem ? s->mem->ops->reset(s->mem, scope) : -1;
}

static void
sq_close(mlm_store *b)
{
	sqstore *s = (sqstore *)b;
	if (s->db) {
		if (s->intx)
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->intx = 0;
		run(s, Q_BYE, NULL, s->holder, 0);   /* its leases end with it */
	}
	mlm_flights_free(&s->fl);
	if (s->db) {
		finalize_all(s);
		sqlite3_close(s->db);
	}
	if (s->mem)
		mlm_store_close(s->mem);
	for (int i = 0; i < Q__N; i++)
		free(s->sql[i]);
	free(s->path);
	free(s->mir);
	mlm_strindex_free(&s->mix);
	free(s);
}

static const mlm_store_ops sq_ops = {
	"sqlite", sq_begin, sq_commit, sq_load, sq_save, sq_lease, sq_unlease,
	sq_each, sq_reset, sq_close,
};

/* Adds the columns of the fields from the one named first on, where they
 * are missing (a file from before them; a column there already fails).
 * SQLITE_OK, or SQLITE_BUSY/LOCKED for the caller to try again. */
static int
add_columns(sqstore *s, const char *first)
{
	size_t i = 0;
	while (i < NFIELDS && strcmp(fields[i].name, first))
		i++;
	for (; i < NFIELDS; i++) {
		char sql[160];
		snprintf(sql, sizeof sql, "ALTER TABLE rec ADD COLUMN %s %s NOT NULL DEFAULT %s",
		    fields[i].name, fields[i].type == F_DBL ? "REAL" : fields[i].type == F_STR ?
		    "TEXT" : "INTEGER", fields[i].type == F_STR ? "''" : "0");
		int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			return rc;
	}
	return SQLITE_OK;
}

/* Opens the file and makes sure of its schema: SQLITE_OK, or the error. */
static int
open_db(sqstore *s, char *err, size_t errlen)
{
	struct stat st;
	int created = stat(s->path, &st) < 0 && errno == ENOENT;
	int rc = sqlite3_open_v2(s->path, &s->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		mlm_err(err, errlen, "%s: %s", s->path, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		return rc;
	}
	if (created)
		chmod(s->path, 0600);
	sqlite3_busy_handler(s->db, busy, s);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	int persist = 1;
	sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	sqlite3_extended_result_codes(s->db, 0);
	/* journal_mode may meet a lock the busy handler does not cover
	 * (another process recovering the WAL): try a few times. */
	int64_t start = mlm_mono_ms();
	for (;;) {
		char *msg = NULL;
		/* scheduler state is advice, not records: no fsync (a torn file
		 * after a power cut is rebuilt), and a short-lived process neither
		 * checkpoints nor deletes the WAL when it closes. But the first
		 * process to open the file reads every frame of the WAL to rebuild
		 * its index: checkpoint every 32 pages (the state is a few pages)
		 * so that stays short; at SQLite's 1000 it was ~4 ms a process. */
		rc = sqlite3_exec(s->db, "PRAGMA synchronous=OFF; PRAGMA wal_autocheckpoint=32;", NULL,
		    NULL, &msg);
		/* a file at the current schema version skips the set-up: cheap
		 * opens matter to a process per call (xargs -P) */
		int version = 0;
		sqlite3_stmt *v = NULL;
		if (rc == SQLITE_OK && sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &v, NULL) ==
		    SQLITE_OK) {
			int r2 = sqlite3_step(v);
			if (r2 == SQLITE_ROW)
				version = sqlite3_column_int(v, 0);
			else if (r2 != SQLITE_DONE)
				rc = r2;
		}
		sqlite3_finalize(v);
		if (rc == SQLITE_OK && version != SCHEMA_VERSION) {
			rc = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL;", NULL, NULL, &msg);
			if (rc == SQLITE_OK)
				rc = sqlite3_exec(s->db, schema, NULL, NULL, &msg);
			if (rc == SQLITE_OK)   /* a file from before learned_conc: add it */
				sqlite3_exec(s->db, "ALTER TABLE rec ADD COLUMN learned_conc REAL NOT NULL "
				    "DEFAULT 0", NULL, NULL, NULL);
			if (rc == SQLITE_OK)   /* and from before since_ms */
				sqlite3_exec(s->db, "ALTER TABLE rec ADD COLUMN since_ms INTEGER NOT NULL "
				    "DEFAULT 0", NULL, NULL, NULL);
			if (rc == SQLITE_OK)   /* and the windows of windows.c */
				rc = add_columns(s, "rph_start");
			if (rc == SQLITE_OK)
				rc = sqlite3_exec(s->db, "PRAGMA user_version=" SCHEMA_VERSION_S,
				    NULL, NULL, &msg);
		}
		if (rc != SQLITE_OK)
			mlm_err(err, errlen, "%s: %s", s->path, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || mlm_mono_ms() - start > BUSY_MS)
			break;
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (rc == SQLITE_OK && !header_ok(s)) {
		rc = SQLITE_NOTADB;
		mlm_err(err, errlen, "%s: %s", s->path, sqlite3_errstr(rc));
	}
	if (rc == SQLITE_OK && stat(s->path, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		s->checked_ms = mlm_mono_ms();
	}
	return rc;
}

static void
close_db(sqstore *s)
{
	finalize_all(s);
	sqlite3_close(s->db);
	s->db = NULL;
}

/* Opens (creating it 0600) the SQLite store at path. A file that is not a
 * database is moved aside to PATH.corrupt-EPOCH and rebuilt, with s->warn
 * saying so. NULL with err when the file cannot be used at all. */
mlm_store *
mlm_store_sqlite(const char *path, char *err, size_t errlen)
{
	sqstore *s = calloc(1, sizeof *s);
	if (!s || !(s->path = mlm_strdup(path)) || build_sql(s) < 0) {
		if (s)
			sq_close(&s->base);
		mlm_err(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	s->base.ops = &sq_ops;
	s->rnd = ((uint32_t)getpid() * 2654435761u ^ (uint32_t)mlm_mono_ms()) | 1;
	static unsigned opened;   /* connections of this process, to tell them apart */
	s->holder = (int64_t)getpid() << 20 | (int64_t)(opened++ & 0xfffff);
	int rc = open_db(s, err, errlen);
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
		close_db(s);
		char aside[4200], side[4300], wal[4200];
		snprintf(aside, sizeof aside, "%s.corrupt-%lld", path, (long long)time(NULL));
		if (rename(path, aside) < 0 && errno != ENOENT) {
			mlm_err(err, errlen, "%s is corrupt and cannot be moved aside: %s",
			    path, strerror(errno));
			sq_close(&s->base);
			return NULL;
		}
		snprintf(wal, sizeof wal, "%s-wal", path);
		snprintf(side, sizeof side, "%s-wal", aside);
		rename(wal, side);
		snprintf(wal, sizeof wal, "%s-shm", path);
		unlink(wal);
		rc = open_db(s, err, errlen);
		if (rc == SQLITE_OK)
			snprintf(s->base.warn, sizeof s->base.warn,
			    "state file %.200s was corrupt; moved aside to %.240s and rebuilt",
			    path, aside);
	}
	if (rc != SQLITE_OK) {
		sq_close(&s->base);
		return NULL;
	}
	/* Leases of processes long gone. */
	run(s, Q_PURGE, NULL, mlm_now_ms(), 0);
	run(s, Q_PURGEF, NULL, mlm_now_ms(), 0);
	if (s->mem) {
		/* The purge itself failed: the file is not usable after all. */
		mlm_err(err, errlen, "%s: %s", path, s->base.warn);
		sq_close(&s->base);
		return NULL;
	}
	return &s->base;
}
