/*
 * cache.c — answers kept by request hash, so an identical request is
 * answered without a call. SQLite beside the scheduler state
 * ($XDG_STATE_HOME/many-llm/cache.db, or LLM_CACHE=PATH). A cache that
 * cannot be opened or written is simply not used: it never stops work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "mlm.h"
#include "fmt.h"
#include "sha256.h"

struct mlm_cache {
	sqlite3 *db;
	sqlite3_stmt *get, *put;
};

static int
cache_path(char *out, size_t n, char *why, size_t wl)
{
	const char *p = getenv("LLM_CACHE");
	if (p && *p) {
		snprintf(out, n, "%s", p);
		return 0;
	}
	return mlm_state_path_why("cache.db", out, n, why, wl);
}

mlm_cache *
mlm_cache_open(char *err, size_t errlen)
{
	char path[4200], why[MLM_ERRLEN];
	if (cache_path(path, sizeof path, why, sizeof why) < 0) {
		mlm_err(err, errlen, "%.400s (set LLM_CACHE)", why);
		return NULL;
	}
	mlm_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto fail;
	chmod(path, 0600);
	sqlite3_busy_timeout(c->db, 5000);
	sqlite3_exec(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL);
	if (sqlite3_exec(c->db, "CREATE TABLE IF NOT EXISTS answers (hash TEXT PRIMARY KEY, "
	    "t INTEGER NOT NULL, record TEXT NOT NULL)", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(c->db, "SELECT t, record FROM answers WHERE hash = ?", -1, &c->get, NULL) ||
	    sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO answers (hash, t, record) VALUES (?, ?, ?)",
	    -1, &c->put, NULL))
		goto fail;
	return c;
fail:
	mlm_err(err, errlen, "%s: %s", path, c->db ? sqlite3_errmsg(c->db) : "cannot open");
	mlm_cache_close(c);
	return NULL;
}

jv
mlm_cache_get(mlm_cache *c, const char *hash, int64_t max_age_ms)
{
	jv r = jv_invalid();
	if (!c)
		return r;
	sqlite3_reset(c->get);
	sqlite3_bind_text(c->get, 1, hash, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(c->get) == SQLITE_ROW) {
		int64_t t = sqlite3_column_int64(c->get, 0);
		const char *rec = (const char *)sqlite3_column_text(c->get, 1);
		if (rec && (max_age_ms <= 0 || mlm_now_ms() - t <= max_age_ms)) {
			jv_free(r);
			r = jv_parse(rec);
		}
	}
	sqlite3_reset(c->get);
	return r;
}

void
mlm_cache_put(mlm_cache *c, const char *hash, const char *record, size_t len)
{
	if (!c)
		return;
	sqlite3_reset(c->put);
	sqlite3_bind_text(c->put, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(c->put, 2, mlm_now_ms());
	sqlite3_bind_text(c->put, 3, record, (int)len, SQLITE_TRANSIENT);
	sqlite3_step(c->put);
	sqlite3_reset(c->put);
}

void
mlm_cache_close(mlm_cache *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->get);
	sqlite3_finalize(c->put);
	sqlite3_close(c->db);
	free(c);
}

/* The request's content hash: the JSON of the neutral request, without
 * "stream". Stable across runs and machines. */
void
mlm_req_hash(jv req_borrowed, char out[17])
{
	/* requests are built field by field in a fixed order, so their plain
	 * dump is already canonical: no key sort */
	jv r = jv_copy(req_borrowed), st = mlm_jfield(r, "stream");
	if (jv_is_valid(st))
		r = jv_object_delete(r, jv_string("stream"));
	jv_free(st);
	mlm_buf s = { 0 };
	if (mlm_json_dump(&s, r) == 0) {
		mlm_hash_hex(s.p ? s.p : "", s.len, out);
	} else {	/* past the buffer's cap: libjq's dump, the same text, never a cut one */
		jv d = jv_dump_string(jv_copy(r), 0);
		mlm_hash_hex(jv_string_value(d), (size_t)jv_string_length_bytes(jv_copy(d)), out);
		jv_free(d);
	}
	mlm_buf_free(&s);
	jv_free(r);
}

/* The key's text is one JSON object, its fields in a fixed order (the
 * request is already canonical, see above): a change to any of them, or
 * to the version, makes another key. */
int
mlm_cache_key(jv req_borrowed, const char *model, const char *provider,
    const struct mlm_schema *schema, int multi, char out[65])
{
	jv r = jv_copy(req_borrowed);
	if (jv_object_has(jv_copy(r), jv_string("stream")))
		r = jv_object_delete(r, jv_string("stream"));
	jv k = jv_object();
	k = jv_object_set(k, jv_string("v"), jv_number(2));
	k = jv_object_set(k, jv_string("request"), r);
	k = jv_object_set(k, jv_string("model"), model ? jv_string(model) : jv_null());
	k = jv_object_set(k, jv_string("provider"), provider ? jv_string(provider) : jv_null());
	k = jv_object_set(k, jv_string("schema"), schema ? mlm_schema_jsonschema(schema) : jv_null());
	k = jv_object_set(k, jv_string("multi"), jv_bool(multi));
	mlm_buf s = { 0 };
	int rc = mlm_json_dump(&s, k);
	jv_free(k);
	if (rc < 0) {
		mlm_buf_free(&s);
		return -1;
	}
	unsigned char d[32];
	mlm_sha256(s.p ? s.p : "", s.len, d);
	mlm_sha256_hex(d, out);
	mlm_buf_free(&s);
	return 0;
}
