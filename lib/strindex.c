/*
 * strindex.c — a string → index hash table (open addressing, FNV-1a), for
 * look-ups that were linear scans: the .env table's names and the pool's
 * entry ids. It borrows the strings: the owner keeps them alive and clears
 * the index before freeing them.
 */
#include <stdlib.h>
#include <string.h>

#include "mlm.h"

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int
same(const char *k, const char *s, size_t n)
{
	return !strncmp(k, s, n) && !k[n];
}

size_t
mlm_strindex_find(const mlm_strindex *x, const char *s, size_t n)
{
	if (!x->cap)
		return SIZE_MAX;
	size_t m = x->cap - 1;
	for (size_t i = (size_t)hash(s, n) & m;; i = (i + 1) & m) {
		const char *k = x->slot[i].key;
		if (!k)
			return SIZE_MAX;
		if (same(k, s, n))
			return x->slot[i].idx;
	}
}

static int
grow(mlm_strindex *x)
{
	size_t cap = x->cap ? x->cap * 2 : 64;
	struct mlm_strslot *v = calloc(cap, sizeof *v);
	if (!v)
		return -1;
	for (size_t j = 0; j < x->cap; j++) {
		const char *k = x->slot[j].key;
		if (!k)
			continue;
		size_t i = (size_t)hash(k, strlen(k)) & (cap - 1);
		while (v[i].key)
			i = (i + 1) & (cap - 1);
		v[i] = x->slot[j];
	}
	free(x->slot);
	x->slot = v;
	x->cap = cap;
	return 0;
}

int
mlm_strindex_put(mlm_strindex *x, const char *key, size_t idx)
{
	if ((x->n + 1) * 4 > x->cap * 3 && grow(x) < 0)
		return -1;
	size_t n = strlen(key), m = x->cap - 1;
	size_t i = (size_t)hash(key, n) & m;
	for (; x->slot[i].key; i = (i + 1) & m)
		if (same(x->slot[i].key, key, n)) {
			x->slot[i].key = key;
			x->slot[i].idx = idx;
			return 0;
		}
	x->slot[i].key = key;
	x->slot[i].idx = idx;
	x->n++;
	return 0;
}

void
mlm_strindex_free(mlm_strindex *x)
{
	free(x->slot);
	memset(x, 0, sizeof *x);
}
