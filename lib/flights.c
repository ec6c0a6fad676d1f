/*
 * flights.c — one store connection's own in-flight leases, by scope.
 *
 * The SQLite store used to insert a row per lease and delete it on return:
 * two writes per request. It now keeps its own leases here and writes, at
 * each commit, one row per scope it holds leases on (its holder id, the
 * count, the latest expiry); other processes add those rows up. A lease
 * still expires by itself: a count here leaves out expired leases, and a
 * row left by a process that died stops counting at its expiry.
 */
#include <stdlib.h>
#include <string.h>

#include "flights.h"

mlm_flight *
mlm_flights_get(mlm_flights *f, const char *scope)
{
	size_t i = mlm_strindex_find(&f->ix, scope, strlen(scope));
	return i < f->n ? &f->v[i] : NULL;
}

/* Marks g changed since it was written; queued once. */
static void
mark(mlm_flights *f, mlm_flight *g)
{
	if (g->dirty)
		return;
	if (f->ndq == f->capdq) {
		size_t c = f->capdq ? f->capdq * 2 : 16;
		size_t *v = realloc(f->dq, c * sizeof *v);
		if (!v)
			return;     /* written when it changes next */
		f->dq = v;
		f->capdq = c;
	}
	f->dq[f->ndq++] = (size_t)(g - f->v);
	g->dirty = 1;
}

mlm_flight *
mlm_flights_next_dirty(mlm_flights *f)
{
	while (f->ndq) {
		mlm_flight *g = &f->v[f->dq[--f->ndq]];
		if (g->dirty) {
			g->dirty = 0;
			return g;
		}
	}
	return NULL;
}

static mlm_flight *
get_or_add(mlm_flights *f, const char *scope)
{
	mlm_flight *g = mlm_flights_get(f, scope);
	if (g)
		return g;
	if (f->n == f->cap) {
		size_t c = f->cap ? f->cap * 2 : 16;
		mlm_flight *v = realloc(f->v, c * sizeof *v);
		if (!v)
			return NULL;
		f->v = v;   /* the index keys are the scopes' own allocations: still valid */
		f->cap = c;
	}
	g = &f->v[f->n];
	memset(g, 0, sizeof *g);
	if (!(g->scope = mlm_strdup(scope)))
		return NULL;
	if (mlm_strindex_put(&f->ix, g->scope, f->n) < 0) {
		free(g->scope);
		return NULL;
	}
	f->n++;
	return g;
}

int
mlm_flights_add(mlm_flights *f, const char *scope, int64_t now, int64_t ttl_ms, uint64_t *id)
{
	mlm_flight *g = get_or_add(f, scope);
	if (!g)
		return -1;
	if (g->n == g->cap) {
		size_t c = g->cap ? g->cap * 2 : 8;
		struct mlm_flease *v = realloc(g->v, c * sizeof *v);
		if (!v)
			return -1;
		g->v = v;
		g->cap = c;
	}
	*id = ++f->next_id;
	g->v[g->n].id = *id;
	g->v[g->n].exp = now + ttl_ms;
	g->n++;
	mark(f, g);
	return 0;
}

int
mlm_flights_drop(mlm_flights *f, const char *scope, uint64_t id)
{
	mlm_flight *g = mlm_flights_get(f, scope);
	for (size_t i = 0; g && i < g->n; i++)
		if (g->v[i].id == id) {
			g->v[i] = g->v[--g->n];
			mark(f, g);
			return 1;
		}
	return 0;
}

long
mlm_flights_count(mlm_flights *f, const char *scope, int64_t now, int64_t *first)
{
	mlm_flight *g = mlm_flights_get(f, scope);
	*first = 0;
	if (!g)
		return 0;
	for (size_t i = 0; i < g->n;) {
		if (g->v[i].exp <= now) {
			g->v[i] = g->v[--g->n];
			mark(f, g);
			continue;
		}
		if (!*first || g->v[i].exp < *first)
			*first = g->v[i].exp;
		i++;
	}
	return (long)g->n;
}

void
mlm_flights_clear(mlm_flights *f, const char *scope)
{
	if (!scope)
		f->ndq = 0;
	for (size_t i = 0; i < f->n; i++)
		if (!scope || !strcmp(f->v[i].scope, scope)) {
			f->v[i].n = 0;
			f->v[i].written = 0;
			f->v[i].wexp = 0;
			f->v[i].dirty = 0;
		}
}

void
mlm_flights_free(mlm_flights *f)
{
	mlm_strindex_free(&f->ix);
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].scope);
		free(f->v[i].v);
	}
	free(f->v);
	free(f->dq);
	memset(f, 0, sizeof *f);
}
