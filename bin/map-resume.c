/*
 * map-resume.c — llm-map -o FILE and --resume: the journal opened and
 * locked for the run, compacted to one record per input, and the set of
 * inputs it has answered already (skipped when resuming).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "map-resume.h"

/* --resume: the answered (i, id) pairs, sorted */
typedef struct done_set { char (*ids)[24]; size_t n, cap; } done_set;
static done_set answered;

static int
cmp24(const void *a, const void *b)
{
	return memcmp(a, b, 24);
}

static void
done_key(char out[24], long i, const char *id)
{
	memset(out, 0, 24);
	snprintf(out, 24, "%lx:%.16s", (unsigned long)i, id);
}

int
map_answered(long i, const char *id)
{
	if (!answered.n)
		return 0;
	char k[24];
	done_key(k, i, id);
	return bsearch(k, answered.ids, answered.n, 24, cmp24) != NULL;
}

/* --resume: an answered record */
static void
answered_add(void *u, long i, const char *id)
{
	if (answered.n == answered.cap) {
		answered.cap = answered.cap ? answered.cap * 2 : 1024;
		if (!(answered.ids = realloc(answered.ids, answered.cap * 24)))
			die(EX_SOMEFAIL, "%s: out of memory", (const char *)u);
	}
	done_key(answered.ids[answered.n++], i, id);
}

/*
 * Rewrites the journal with one record per input: the last whole record
 * for each i (an input that changed since was asked again and appended).
 * Loading (--resume) also drops failed records with --retry-failed and
 * fills the answered set. The journal stays locked throughout.
 */
void
map_journal_rewrite(mlm_journal *journal, const char *path, int loading, int retry_failed)
{
	char err[MLM_ERRLEN];
	if (mlm_journal_compact(journal, loading && retry_failed, loading ? answered_add : NULL,
	    (void *)path, err, sizeof err) < 0)
		die(EX_SOMEFAIL, "%s", err);
	if (loading && answered.n)
		qsort(answered.ids, answered.n, 24, cmp24);
}

/* -o: the journal, locked for the whole run (another run on it: exit 75) */
mlm_journal *
map_journal_open(const char *path, int resume)
{
	char err[MLM_ERRLEN];
	int why;
	mlm_journal *j = mlm_journal_open(path, resume, &why, err, sizeof err);
	if (j)
		return j;
	if (why == MLM_JOURNAL_LOCKED)
		die(EX_TEMPFAIL, "%s", err);
	if (why == MLM_JOURNAL_EXISTS)
		die(EX_USAGE_, "-o %s: the file exists; use --resume to continue it, or remove it", path);
	die(EX_CONFIG_, "%s", err);
}
