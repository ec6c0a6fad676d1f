/*
 * flights.h — one store connection's own in-flight leases, by scope, kept
 * in memory so that a shared store writes one row per scope and holder
 * (its count) at a commit instead of a row per lease (flights.c).
 */
#ifndef MLM_FLIGHTS_H
#define MLM_FLIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "mlm.h"

typedef struct mlm_flight {
	char *scope;
	struct mlm_flease { uint64_t id; int64_t exp; } *v;   /* own leases */
	size_t n, cap;
	long written;           /* the count the shared row holds, 0: no row */
	int64_t wexp;           /* and its expiry */
	int dirty;              /* the count changed since it was written */
} mlm_flight;

typedef struct mlm_flights {
	mlm_flight *v;
	size_t n, cap;
	mlm_strindex ix;        /* scope → index (keys: the flights' scopes) */
	uint64_t next_id;
	size_t *dq, ndq, capdq; /* indices of the dirty ones, to write */
} mlm_flights;

/* Adds a lease of ttl_ms at now; its id in *id. -1 out of memory. */
int mlm_flights_add(mlm_flights *f, const char *scope, int64_t now, int64_t ttl_ms, uint64_t *id);
/* Returns lease id of scope: 1, or 0 when it is not (or no longer) held. */
int mlm_flights_drop(mlm_flights *f, const char *scope, uint64_t id);
/* The scope's unexpired leases at now (expired ones are forgotten), and
 * the soonest expiry of them in *first (0 none). */
long mlm_flights_count(mlm_flights *f, const char *scope, int64_t now, int64_t *first);
/* The scope's record, NULL if it never had a lease here. */
mlm_flight *mlm_flights_get(mlm_flights *f, const char *scope);
/* The next scope whose count changed since it was written (it is then
 * taken as written: the caller writes it), NULL when none. */
mlm_flight *mlm_flights_next_dirty(mlm_flights *f);
/* Forgets the leases of a scope (NULL: all scopes); rows are the store's. */
void mlm_flights_clear(mlm_flights *f, const char *scope);
void mlm_flights_free(mlm_flights *f);

#endif
