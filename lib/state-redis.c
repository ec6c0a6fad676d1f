/*
 * state-redis.c — the scheduler store shared by many machines: Redis at
 * redis://[[USER]:PASS@]HOST[:PORT][/DB]. A record is the hash mlm:rec:SCOPE
 * (one field per mlm_srec field; numbers as decimal text, doubles %.17g);
 * the set mlm:scopes names every scope for each() and reset(NULL); the
 * leases of a scope are the sorted set mlm:lease:SCOPE of lease ids scored
 * by their expiry in ms, and a record's inflight is the count of unexpired
 * ones. begin() takes the lock mlm:lock (SET NX PX) with short retries and,
 * after about two seconds, goes on without it; commit() drops it only if it
 * is still ours.
 *
 * Redis going away never stops work: a connection error (at open or later)
 * switches this store to an internal memory store, marks it degraded and
 * says so once through s->warn; the next transactions try to reconnect,
 * backing off from a quarter of a second to 8 s, and the first that
 * succeeds drops the memory store, clears degraded and says Redis is back.
 * Messages name HOST:PORT only, never the password of the URL.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "mlm.h"

mlm_store *mlm_store_redis(const char *url, char *err, size_t errlen);

#define TIMEOUT_MS 1500         /* connect and per-command */
#define RETRY_FIRST_MS 250      /* first reconnection attempt after a failure */
#define RETRY_MAX_MS 8000       /* backoff cap */
#define RECONNECT_MS 500        /* connect timeout of a reconnection */
#define LOCK_MS 2000            /* lock lifetime, and how long begin() tries */
#define MAXARGS 112             /* HSET, its key, and a name and value per field */

/* the record's columns: mlm_srec_fields in state.c */
#define fields mlm_srec_fields
#define NFIELDS mlm_srec_nfields
enum { F_I64 = MLM_F_I64, F_INT = MLM_F_INT, F_LONG = MLM_F_LONG, F_DBL = MLM_F_DBL,
	F_STR = MLM_F_STR };

static const char lease_lua[] =
	"local id = redis.call('incr', KEYS[3]) "
	"redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1]) "
	"redis.call('zadd', KEYS[1], ARGV[2], id) "
	"redis.call('sadd', KEYS[2], ARGV[3]) "
	"return id";
static const char unlock_lua[] =
	"if redis.call('get', KEYS[1]) == ARGV[1] then "
	"return redis.call('del', KEYS[1]) else return 0 end";

typedef struct rstore {
	mlm_store base;
	redisContext *c;
	char where[300];        /* host:port, for messages */
	char token[64];         /* our lock value */
	char lasterr[128];
	int intx, locked;
	unsigned ntoken;
	uint32_t rnd;
	mlm_store *mem;         /* set while Redis is away */
	int64_t retry_at;       /* mono ms: next reconnection attempt */
	long backoff_ms;
	/* to reconnect */
	char host[256], user[128], pass[256];
	long port, db;
} rstore;

/* One command's arguments; numbers are formatted into num[]. */
typedef struct cmd {
	int argc;
	const char *argv[MAXARGS];
	size_t len[MAXARGS];
	char num[MAXARGS][32];
} cmd;

static void
arg(cmd *c, const char *s)
{
	if (c->argc >= MAXARGS)         /* never past the arrays: the command fails */
		return;
	c->argv[c->argc] = s;
	c->len[c->argc++] = strlen(s);
}

static void
argk(cmd *c, char *buf, size_t n, const char *prefix, const char *scope)
{
	snprintf(buf, n, "%s%s", prefix, scope);
	arg(c, buf);
}

static void
argi(cmd *c, int64_t v)
{
	if (c->argc >= MAXARGS)
		return;
	snprintf(c->num[c->argc], sizeof c->num[0], "%" PRId64, v);
	arg(c, c->num[c->argc]);
}

static void
argd(cmd *c, double v)
{
	if (c->argc >= MAXARGS)
		return;
	snprintf(c->num[c->argc], sizeof c->num[0], "%.17g", v);
	arg(c, c->num[c->argc]);
}

/* hiredis 0.14 writes with write(2): a peer that went away would raise
 * SIGPIPE in the caller. Blocks it around I/O and eats one raised there. */
static void
pipe_block(sigset_t *old, int *pending)
{
	sigset_t set, p;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigpending(&p);
	*pending = sigismember(&p, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static void
pipe_unblock(const sigset_t *old, int pending)
{
	sigset_t set, p;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigpending(&p);
	if (!pending && sigismember(&p, SIGPIPE)) {
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Redis is gone: calls go to a memory store until a reconnection works. */
static void
to_memory(rstore *s)
{
	if (s->mem)
		return;
	snprintf(s->lasterr, sizeof s->lasterr, "%s",
	    s->c && s->c->errstr[0] ? s->c->errstr : "no reply");
	snprintf(s->base.warn, sizeof s->base.warn,
	    "redis %s went away (%s); state is kept in memory, not shared, until it is back",
	    s->where, s->lasterr);
	s->base.warned = 0;
	s->base.degraded = 1;
	if (s->c)
		redisFree(s->c);
	s->c = NULL;
	s->backoff_ms = RETRY_FIRST_MS;
	s->retry_at = mlm_mono_ms() + s->backoff_ms;
	s->mem = mlm_store_memory();
	if (s->mem && s->intx)
		s->mem->ops->begin(s->mem);
}

static int connect_redis(rstore *s, long timeout_ms, char *err, size_t errlen);

/* Out of a transaction, on memory, and the backoff is over: try Redis. */
static void
maybe_reconnect(rstore *s)
{
	if (!s->mem || s->intx || mlm_mono_ms() < s->retry_at)
		return;
	char err[MLM_ERRLEN];
	if (connect_redis(s, RECONNECT_MS, err, sizeof err) < 0) {
		s->backoff_ms = s->backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : s->backoff_ms * 2;
		s->retry_at = mlm_mono_ms() + s->backoff_ms;
		return;
	}
	mlm_store_close(s->mem);
	s->mem = NULL;
	s->base.degraded = 0;
	snprintf(s->base.warn, sizeof s->base.warn, "redis %s is back; sharing state again",
	    s->where);
	s->base.warned = 0;
}

/* Sends n commands in one round trip; rep[i] get the replies (to free).
 * -1 (nothing to free) when the connection failed: the store is then on
 * memory. An error reply is a reply; callers check its type. */
static int
roundtrip(rstore *s, cmd *c, int n, redisReply **rep)
{
	sigset_t old;
	int pending, bad = 0, got = 0;
	pipe_block(&old, &pending);
	for (int i = 0; i < n && !bad; i++)
		if (redisAppendCommandArgv(s->c, c[i].argc, c[i].argv, c[i].len) != REDIS_OK)
			bad = 1;
	while (got < n && !bad) {
		void *r = NULL;
		if (redisGetReply(s->c, &r) != REDIS_OK || !r)
			bad = 1;
		else
			rep[got++] = r;
	}
	pipe_unblock(&old, pending);
	if (bad) {
		for (int i = 0; i < got; i++)
			freeReplyObject(rep[i]);
		to_memory(s);
		return -1;
	}
	return 0;
}

static void
free_all(redisReply **rep, int n)
{
	for (int i = 0; i < n; i++)
		freeReplyObject(rep[i]);
}

static int64_t
rep_int(const redisReply *r)
{
	if (r->type == REDIS_REPLY_INTEGER)
		return r->integer;
	if (r->type == REDIS_REPLY_STRING)
		return strtoll(r->str, NULL, 10);
	return 0;
}

/* Fills r from an HGETALL reply. */
static void
hash_to_rec(const redisReply *h, mlm_srec *r)
{
	if (h->type != REDIS_REPLY_ARRAY)
		return;
	for (size_t i = 0; i + 1 < h->elements; i += 2) {
		const redisReply *k = h->element[i], *v = h->element[i + 1];
		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		for (size_t f = 0; f < NFIELDS; f++) {
			if (strcmp(k->str, fields[f].name))
				continue;
			char *p = (char *)r + fields[f].off;
			switch (fields[f].type) {
			case F_I64: *(int64_t *)p = strtoll(v->str, NULL, 10); break;
			case F_INT: *(int *)p = (int)strtol(v->str, NULL, 10); break;
			case F_LONG: *(long *)p = strtol(v->str, NULL, 10); break;
			case F_DBL: *(double *)p = strtod(v->str, NULL); break;
			case F_STR: snprintf(p, fields[f].size, "%.*s", (int)v->len, v->str); break;
			}
			break;
		}
	}
}

static uint32_t
rnd(rstore *s)
{
	s->rnd ^= s->rnd << 13;
	s->rnd ^= s->rnd >> 17;
	s->rnd ^= s->rnd << 5;
	return s->rnd;
}

static int
rd_begin(mlm_store *b)
{
	rstore *s = (rstore *)b;
	maybe_reconnect(s);
	if (s->mem)
		return s->mem->ops->begin(s->mem);
	if (s->intx)
		return 0;
	snprintf(s->token, sizeof s->token, "%ld-%u-%08x", (long)getpid(), ++s->ntoken, rnd(s));
	int64_t start = mlm_mono_ms();
	for (int n = 0;; n++) {
		cmd c = { 0 };
		redisReply *r;
		arg(&c, "SET");
		arg(&c, "mlm:lock");
		arg(&c, s->token);
		arg(&c, "NX");
		arg(&c, "PX");
		argi(&c, LOCK_MS);
		if (roundtrip(s, &c, 1, &r) < 0)
			return s->mem ? s->mem->ops->begin(s->mem) : -1;
		int got = r->type == REDIS_REPLY_STATUS;
		freeReplyObject(r);
		if (got) {
			s->locked = 1;
			break;
		}
		if (mlm_mono_ms() - start >= LOCK_MS)
			break;          /* a holder that died: go on without */
		long us = 100 + (n < 20 ? n * 50 : 1000) + (long)(rnd(s) % 400);
		struct timespec ts = { 0, us * 1000 };
		nanosleep(&ts, NULL);
	}
	s->intx = 1;
	return 0;
}

static void
rd_commit(mlm_store *b)
{
	rstore *s = (rstore *)b;
	int locked = s->locked;
	s->intx = s->locked = 0;
	if (s->mem) {
		s->mem->ops->commit(s->mem);
		return;
	}
	if (!locked)
		return;
	cmd c = { 0 };
	redisReply *r;
	arg(&c, "EVAL");
	arg(&c, unlock_lua);
	arg(&c, "1");
	arg(&c, "mlm:lock");
	arg(&c, s->token);
	if (roundtrip(s, &c, 1, &r) == 0)
		freeReplyObject(r);
}

static int
rd_load(mlm_store *b, const char *scope, mlm_srec *r)
{
	rstore *s = (rstore *)b;
	if (s->mem)
		return s->mem->ops->load(s->mem, scope, r);
	char k1[300], k2[300];
	cmd c[2] = { 0 };
	redisReply *rep[2];
	arg(&c[0], "HGETALL");
	argk(&c[0], k1, sizeof k1, "mlm:rec:", scope);
	arg(&c[1], "ZCOUNT");
	argk(&c[1], k2, sizeof k2, "mlm:lease:", scope);
	snprintf(c[1].num[2], sizeof c[1].num[2], "(%" PRId64, mlm_now_ms());
	arg(&c[1], c[1].num[2]);
	arg(&c[1], "+inf");
	if (roundtrip(s, c, 2, rep) < 0)
		return s->mem ? s->mem->ops->load(s->mem, scope, r) : -1;
	memset(r, 0, sizeof *r);
	snprintf(r->scope, sizeof r->scope, "%s", scope);
	int bad = rep[0]->type == REDIS_REPLY_ERROR || rep[1]->type == REDIS_REPLY_ERROR;
	hash_to_rec(rep[0], r);
	r->inflight = (long)rep_int(rep[1]);
	free_all(rep, 2);
	return bad ? -1 : 0;
}

static int
rd_save(mlm_store *b, const mlm_srec *r)
{
	rstore *s = (rstore *)b;
	if (s->mem)
		return s->mem->ops->save(s->mem, r);
	char k1[300];
	cmd c[2] = { 0 };
	redisReply *rep[2];
	arg(&c[0], "HSET");
	argk(&c[0], k1, sizeof k1, "mlm:rec:", r->scope);
	for (size_t i = 0; i < NFIELDS; i++) {
		const char *p = (const char *)r + fields[i].off;
		arg(&c[0], fields[i].name);
		switch (fields[i].type) {
		case F_I64: argi(&c[0], *(const int64_t *)p); break;
		case F_INT: argi(&c[0], *(const int *)p); break;
		case F_LONG: argi(&c[0], *(const long *)p); break;
		case F_DBL: argd(&c[0], *(const double *)p); break;
		case F_STR:
			c[0].argv[c[0].argc] = p;
			c[0].len[c[0].argc++] = strnlen(p, fields[i].size);
			break;
		}
	}
	arg(&c[1], "SADD");
	arg(&c[1], "mlm:scopes");
	arg(&c[1], r->scope);
	if (roundtrip(s, c, 2, rep) < 0)
		return s->mem ? s->mem->ops->save(s->mem, r) : -1;
	int bad = rep[0]->type == REDIS_REPLY_ERROR || rep[1]->type == REDIS_REPLY_ERROR;
	free_all(rep, 2);
	return bad ? -1 : 0;
}

static int
rd_lease(mlm_store *b, const char *scope, int64_t ttl_ms, uint64_t *id)
{
	rstore *s = (rstore *)b;
	if (s->mem)
		return s->mem->ops->lease(s->mem, scope, ttl_ms, id);
	char k1[300];
	int64_t now = mlm_now_ms();
	cmd c = { 0 };
	redisReply *r;
	arg(&c, "EVAL");
	arg(&c, lease_lua);
	arg(&c, "3");
	argk(&c, k1, sizeof k1, "mlm:lease:", scope);
	arg(&c, "mlm:scopes");
	arg(&c, "mlm:leaseid");
	argi(&c, now);
	argi(&c, now + ttl_ms);
	arg(&c, scope);
	if (roundtrip(s, &c, 1, &r) < 0)
		return s->mem ? s->mem->ops->lease(s->mem, scope, ttl_ms, id) : -1;
	int bad = r->type != REDIS_REPLY_INTEGER;
	if (!bad)
		*id = (uint64_t)r->integer;
	freeReplyObject(r);
	return bad ? -1 : 0;
}

static void
rd_unlease(mlm_store *b, const char *scope, uint64_t id)
{
	rstore *s = (rstore *)b;
	if (s->mem) {
		s->mem->ops->unlease(s->mem, scope, id);
		return;
	}
	char k1[300];
	cmd c = { 0 };
	redisReply *r;
	arg(&c, "ZREM");
	argk(&c, k1, sizeof k1, "mlm:lease:", scope);
	argi(&c, (int64_t)id);
	if (roundtrip(s, &c, 1, &r) < 0) {
		if (s->mem)
			s->mem->ops->unlease(s->mem, scope, id);
		return;
	}
	freeReplyObject(r);
}

/* The scopes named in mlm:scopes, sorted; NULL on failure. */
static redisReply *
members(rstore *s)
{
	cmd c = { 0 };
	redisReply *r;
	arg(&c, "SMEMBERS");
	arg(&c, "mlm:scopes");
	if (roundtrip(s, &c, 1, &r) < 0)
		return NULL;
	if (r->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

static int
by_scope(const void *a, const void *b)
{
	return strcmp(((const mlm_srec *)a)->scope, ((const mlm_srec *)b)->scope);
}

static int
rd_each(mlm_store *b, void (*cb)(void *u, const mlm_srec *r), void *u)
{
	rstore *s = (rstore *)b;
	if (s->mem)
		return s->mem->ops->each(s->mem, cb, u);
	redisReply *m = members(s);
	if (!m)
		return s->mem ? s->mem->ops->each(s->mem, cb, u) : -1;
	size_t n = m->elements;
	mlm_srec *v = calloc(n ? n : 1, sizeof *v);
	int ret = v ? 0 : -1;
	char now[32];
	snprintf(now, sizeof now, "(%" PRId64, mlm_now_ms());
	/* A few records per round trip keeps the stack small. */
	enum { BATCH = 16 };
	cmd *c = malloc(2 * BATCH * sizeof *c);
	char (*keys)[300] = malloc(2 * BATCH * sizeof *keys);
	if (!c || !keys)
		ret = -1;
	for (size_t i = 0; i < n && ret == 0; i += BATCH) {
		size_t k = n - i < BATCH ? n - i : BATCH;
		redisReply *rep[2 * BATCH];
		for (size_t j = 0; j < k; j++) {
			const char *sc = m->element[i + j]->str ? m->element[i + j]->str : "";
			c[2 * j].argc = c[2 * j + 1].argc = 0;
			arg(&c[2 * j], "HGETALL");
			argk(&c[2 * j], keys[2 * j], sizeof keys[0], "mlm:rec:", sc);
			arg(&c[2 * j + 1], "ZCOUNT");
			argk(&c[2 * j + 1], keys[2 * j + 1], sizeof keys[0], "mlm:lease:", sc);
			arg(&c[2 * j + 1], now);
			arg(&c[2 * j + 1], "+inf");
		}
		if (roundtrip(s, c, (int)(2 * k), rep) < 0) {
			ret = -1;
			break;
		}
		for (size_t j = 0; j < k; j++) {
			mlm_srec *r = &v[i + j];
			const char *sc = m->element[i + j]->str ? m->element[i + j]->str : "";
			snprintf(r->scope, sizeof r->scope, "%s", sc);
			hash_to_rec(rep[2 * j], r);
			r->inflight = (long)rep_int(rep[2 * j + 1]);
		}
		free_all(rep, (int)(2 * k));
	}
	free(c);
	free(keys);
	freeReplyObject(m);
	if (ret == 0) {
		qsort(v, n, sizeof *v, by_scope);
		for (size_t i = 0; i < n; i++)
			cb(u, &v[i]);
	}
	free(v);
	if (ret < 0 && s->mem)
		return s->mem->ops->each(s->mem, cb, u);
	return ret;
}

static int
reset_one(rstore *s, const char *scope, int srem)
{
	char k1[300], k2[300];
	cmd c[2] = { 0 };
	redisReply *rep[2];
	int n = 1;
	arg(&c[0], "DEL");
	argk(&c[0], k1, sizeof k1, "mlm:rec:", scope);
	argk(&c[0], k2, sizeof k2, "mlm:lease:", scope);
	if (srem) {
		arg(&c[1], "SREM");
		arg(&c[1], "mlm:scopes");
		arg(&c[1], scope);
		n = 2;
	}
	if (roundtrip(s, c, n, rep) < 0)
		return -1;
	free_all(rep, n);
	return 0;
}

static int
rd_reset(mlm_store *b, const char *scope)
{
	rstore *s = (rstore *)b;
	if (s->mem)
		return s->mem->ops->reset(s->mem, scope);
	int ret = 0;
	if (scope)
		ret = reset_one(s, scope, 1);
	else {
		redisReply *m = members(s);
		if (!m)
			ret = -1;
		for (size_t i = 0; m && i < m->elements && ret == 0; i++)
			if (m->element[i]->str)
				ret = reset_one(s, m->element[i]->str, 0);
		if (m)
			freeReplyObject(m);
		if (ret == 0) {
			cmd c = { 0 };
			redisReply *r;
			arg(&c, "DEL");
			arg(&c, "mlm:scopes");
			if ((ret = roundtrip(s, &c, 1, &r)) == 0)
				freeReplyObject(r);
		}
	}
	if (ret < 0 && s->mem)
		return s->mem->ops->reset(s->mem, scope);
	return ret;
}

static void
rd_close(mlm_store *b)
{
	rstore *s = (rstore *)b;
	if (s->c && s->locked)
		rd_commit(b);
	if (s->c)
		redisFree(s->c);
	if (s->mem)
		mlm_store_close(s->mem);
	free(s);
}

static const mlm_store_ops rd_ops = {
	"redis", rd_begin, rd_commit, rd_load, rd_save, rd_lease, rd_unlease,
	rd_each, rd_reset, rd_close,
};

/* One command on a new connection c: 0; -1 (no reply) or -2 (an error
 * reply) with err. */
static int
command(rstore *s, redisContext *c, cmd *m, char *err, size_t errlen)
{
	sigset_t old;
	int pending;
	pipe_block(&old, &pending);
	redisReply *r = redisCommandArgv(c, m->argc, m->argv, m->len);
	pipe_unblock(&old, pending);
	if (!r) {
		mlm_err(err, errlen, "redis %s: %s", s->where, c->errstr[0] ? c->errstr : "no reply");
		return -1;
	}
	int bad = r->type == REDIS_REPLY_ERROR;
	if (bad)
		mlm_err(err, errlen, "redis %s: %s: %.*s", s->where, m->argv[0], (int)r->len, r->str);
	freeReplyObject(r);
	return bad ? -2 : 0;
}

/* Connects s->c (AUTH, SELECT or PING): 0; -1 when Redis cannot be reached,
 * -2 when it refuses us (a wrong password, a bad database), with err. */
static int
connect_redis(rstore *s, long timeout_ms, char *err, size_t errlen)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	redisContext *c = redisConnectWithTimeout(s->host, (int)s->port, tv);
	if (!c || c->err) {
		mlm_err(err, errlen, "redis %s: %s", s->where,
		    c ? c->errstr : "cannot allocate a context");
		if (c)
			redisFree(c);
		return -1;
	}
	struct timeval ct = { TIMEOUT_MS / 1000, (TIMEOUT_MS % 1000) * 1000 };
	redisSetTimeout(c, ct);
	redisEnableKeepAlive(c);
	cmd m = { 0 };
	int rc = 0;
	if (*s->pass) {
		arg(&m, "AUTH");
		if (*s->user)
			arg(&m, s->user);
		arg(&m, s->pass);
		rc = command(s, c, &m, err, errlen);
	}
	if (rc == 0) {
		m.argc = 0;
		if (s->db) {
			arg(&m, "SELECT");
			argi(&m, s->db);
		} else
			arg(&m, "PING");
		rc = command(s, c, &m, err, errlen);
	}
	if (rc < 0) {
		redisFree(c);
		return rc;
	}
	s->c = c;
	return 0;
}

/* url without its user and password, for messages */
static void
redacted(const char *url, char *out, size_t n)
{
	const char *p = url + 8, *at = strchr(p, '@'), *slash = strchr(p, '/');
	if (at && (!slash || at < slash))
		snprintf(out, n, "redis://***@%s", at + 1);
	else
		snprintf(out, n, "%s", url);
}

/* Connects to redis://[[USER]:PASS@]HOST[:PORT][/DB]. NULL with err when the
 * URL is wrong or Redis refuses us (the caller falls back to memory); when
 * Redis cannot be reached, a degraded store on memory that keeps trying. */
mlm_store *
mlm_store_redis(const char *url, char *err, size_t errlen)
{
	char host[256] = "127.0.0.1", user[128] = "", pass[256] = "", shown[300];
	long port = 6379, db = 0;
	const char *p = url;
	if (strncmp(p, "redis://", 8)) {
		mlm_err(err, errlen, "LLM_STATE: not a redis:// address");
		return NULL;
	}
	redacted(url, shown, sizeof shown);
	p += 8;
	const char *at = strchr(p, '@'), *slash = strchr(p, '/');
	if (at && (!slash || at < slash)) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		if (colon) {
			snprintf(user, sizeof user, "%.*s", (int)(colon - p), p);
			snprintf(pass, sizeof pass, "%.*s", (int)(at - colon - 1), colon + 1);
		} else
			snprintf(pass, sizeof pass, "%.*s", (int)(at - p), p);
		p = at + 1;
	}
	size_t hl;
	const char *rest;
	if (*p == '[') {
		const char *e = strchr(p, ']');
		if (!e) {
			mlm_err(err, errlen, "%s: bad host", shown);
			return NULL;
		}
		hl = (size_t)(e - p - 1);
		rest = e + 1;
		p++;
	} else {
		hl = strcspn(p, ":/");
		rest = p + hl;
	}
	if (hl >= sizeof host) {
		mlm_err(err, errlen, "%s: host name too long", shown);
		return NULL;
	}
	if (hl) {
		memcpy(host, p, hl);
		host[hl] = 0;
	}
	char *end;
	if (*rest == ':') {
		errno = 0;
		port = strtol(rest + 1, &end, 10);
		if (end == rest + 1 || errno || port < 1 || port > 65535 || (*end && *end != '/')) {
			mlm_err(err, errlen, "%s: bad port", shown);
			return NULL;
		}
		rest = end;
	}
	if (*rest == '/' && rest[1]) {
		errno = 0;
		db = strtol(rest + 1, &end, 10);
		if (end == rest + 1 || errno || db < 0 || *end) {
			mlm_err(err, errlen, "%s: bad database number", shown);
			return NULL;
		}
	} else if (*rest && strcmp(rest, "/")) {
		mlm_err(err, errlen, "%s: bad address", shown);
		return NULL;
	}

	rstore *s = calloc(1, sizeof *s);
	if (!s) {
		mlm_err(err, errlen, "%s: out of memory", shown);
		return NULL;
	}
	s->base.ops = &rd_ops;
	s->rnd = ((uint32_t)getpid() * 2654435761u ^ (uint32_t)mlm_mono_ms()) | 1;
	snprintf(s->where, sizeof s->where, "%s:%ld", host, port);
	memcpy(s->host, host, sizeof host);
	memcpy(s->user, user, sizeof user);
	memcpy(s->pass, pass, sizeof pass);
	s->port = port;
	s->db = db;
	int rc = connect_redis(s, TIMEOUT_MS, err, errlen);
	if (rc == -2) {
		rd_close(&s->base);
		return NULL;
	}
	if (rc == -1) {
		/* unreachable now: memory until it answers */
		to_memory(s);
		snprintf(s->base.warn, sizeof s->base.warn, "%s; state is kept in memory, not shared, "
		    "until it is back", err);
		if (!s->mem) {
			rd_close(&s->base);
			return NULL;
		}
	}
	return &s->base;
}

/* The secret of the keyed key digests, shared by every client of this
 * Redis as mlm:secret (64 hex digits): the first to come sets it (SET NX),
 * the others read it. -1 when Redis cannot say. */
int
mlm_store_redis_secret(mlm_store *b, const char *mine, char out[65])
{
	rstore *s = (rstore *)b;
	cmd c = { 0 };
	redisReply *r;
	if (s->mem)
		return -1;
	arg(&c, "SET");
	arg(&c, "mlm:secret");
	arg(&c, mine);
	arg(&c, "NX");
	if (roundtrip(s, &c, 1, &r) < 0)
		return -1;
	freeReplyObject(r);
	c.argc = 0;
	arg(&c, "GET");
	arg(&c, "mlm:secret");
	if (roundtrip(s, &c, 1, &r) < 0)
		return -1;
	int ok = r->type == REDIS_REPLY_STRING && r->len == 64;
	if (ok) {
		memcpy(out, r->str, 64);
		out[64] = 0;
	}
	freeReplyObject(r);
	return ok ? 0 : -1;
}
