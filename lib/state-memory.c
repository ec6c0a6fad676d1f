/*
 * state-memory.c — the per-process scheduler store: a small open table of
 * scope records. Used with LLM_STATE=memory and as the fallback when a
 * shared store cannot be opened.
 */
#include <stdlib.h>
#include <string.h>

#include "mlm.h"

typedef struct memstore {
	mlm_store base;
	mlm_srec *v;
	size_t n, cap;
	uint64_t next_lease;
} memstore;

static mlm_srec *
find(memstore *m, const char *scope, int create)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].scope, scope))
			return &m->v[i];
	if (!create)
		return NULL;
	if (m->n == m->cap) {
		size_t c = m->cap ? m->cap * 2 : 32;
		mlm_srec *v = realloc(m->v, c * sizeof *v);
		if (!v)
			return NULL;
		m->v = v;
		m->cap = c;
	}
	mlm_srec *r = &m->v[m->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->scope, sizeof r->scope, "%s", scope);
	return r;
}

static int mem_begin(mlm_store *s) { return 0; }
static void mem_commit(mlm_store *s) { }

static int
mem_load(mlm_store *s, const char *scope, mlm_srec *r)
{
	mlm_srec *x = find((memstore *)s, scope, 0);
	if (x)
		*r = *x;
	else {
		memset(r, 0, sizeof *r);
		snprintf(r->scope, sizeof r->scope, "%s", scope);
	}
	return 0;
}

static int
mem_save(mlm_store *s, const mlm_srec *r)
{
	mlm_srec *x = find((memstore *)s, r->scope, 1);
	if (!x)
		return -1;
	long inflight = x->inflight;
	*x = *r;
	x->inflight = inflight;         /* leases own this field */
	return 0;
}

static int
mem_lease(mlm_store *s, const char *scope, int64_t ttl_ms, uint64_t *id)
{
	memstore *m = (memstore *)s;
	mlm_srec *x = find(m, scope, 1);
	if (!x)
		return -1;
	x->inflight++;
	*id = ++m->next_lease;
	return 0;
}

static void
mem_unlease(mlm_store *s, const char *scope, uint64_t id)
{
	mlm_srec *x = find((memstore *)s, scope, 0);
	if (x && x->inflight > 0)
		x->inflight--;
}

static int
mem_each(mlm_store *s, void (*cb)(void *u, const mlm_srec *r), void *u)
{
	memstore *m = (memstore *)s;
	for (size_t i = 0; i < m->n; i++)
		cb(u, &m->v[i]);
	return 0;
}

static int
mem_reset(mlm_store *s, const char *scope)
{
	memstore *m = (memstore *)s;
	if (!scope) {
		m->n = 0;
		return 0;
	}
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].scope, scope)) {
			m->v[i] = m->v[--m->n];
			break;
		}
	return 0;
}

static void
mem_close(mlm_store *s)
{
	memstore *m = (memstore *)s;
	free(m->v);
	free(m);
}

static const mlm_store_ops mem_ops = {
	"memory", mem_begin, mem_commit, mem_load, mem_save, mem_lease, mem_unlease,
	mem_each, mem_reset, mem_close,
};

mlm_store *
mlm_store_memory(void)
{
	memstore *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->base.ops = &mem_ops;
	return &m->base;
}

void
mlm_store_close(mlm_store *s)
{
	if (s)
		s->ops->close(s);
}
