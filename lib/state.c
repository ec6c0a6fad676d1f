/*
 * state.c — opening the scheduler store named by LLM_STATE or a spec:
 * "memory", a SQLite path (the default, under $XDG_STATE_HOME/many-llm/),
 * or redis://HOST:PORT/DB. A store that cannot be opened never stops work:
 * the memory store takes over and says why once, through s->warn.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mlm.h"

/* The stored fields of a record, in mlm_srec order (inflight is computed
 * by each store from its leases): one table for every shared store. */
const mlm_srec_field mlm_srec_fields[] = {
#define FLD(n, t) { #n, t, offsetof(mlm_srec, n), sizeof(((mlm_srec *)0)->n) }
	FLD(until_ms, MLM_F_I64), FLD(kind, MLM_F_STR), FLD(why, MLM_F_STR), FLD(dead, MLM_F_INT),
	FLD(fails, MLM_F_INT), FLD(win_start, MLM_F_I64), FLD(win_count, MLM_F_DBL),
	FLD(win_prev, MLM_F_DBL), FLD(tok_count, MLM_F_DBL), FLD(tok_prev, MLM_F_DBL),
	FLD(day_start, MLM_F_I64), FLD(day_count, MLM_F_DBL), FLD(lat_ms, MLM_F_DBL),
	FLD(lat_dev, MLM_F_DBL), FLD(n_ok, MLM_F_LONG), FLD(n_err, MLM_F_LONG),
	FLD(learned_rpm, MLM_F_DBL), FLD(updated_ms, MLM_F_I64), FLD(learned_conc, MLM_F_DBL),
#undef FLD
};
const size_t mlm_srec_nfields = sizeof mlm_srec_fields / sizeof mlm_srec_fields[0];

mlm_store *mlm_store_sqlite(const char *path, char *err, size_t errlen);
mlm_store *mlm_store_redis(const char *url, char *err, size_t errlen);

/* mkdir -p dir (0700), then: is it a directory we may write in? why says
 * what failed, with the path and the system's reason. */
static int
state_dir(char *dir, char *why, size_t wl)
{
	struct stat st;
	for (char *p = dir + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;
		*p = 0;
		int bad = mkdir(dir, 0700) < 0 && errno != EEXIST;
		if (bad)
			mlm_err(why, wl, "cannot create the state directory %s: %s", dir, strerror(errno));
		*p = c;
		if (bad)
			return -1;
		if (!c)
			break;
	}
	if (stat(dir, &st) < 0)
		return mlm_err(why, wl, "state directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return mlm_err(why, wl, "state directory %s: %s", dir, strerror(ENOTDIR));
	if (access(dir, W_OK | X_OK) < 0)
		return mlm_err(why, wl, "cannot write in the state directory %s: %s", dir, strerror(errno));
	return 0;
}

int
mlm_state_path_why(const char *file, char *out, size_t n, char *why, size_t wl)
{
	const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
	char dir[4096];
	if (x && *x)
		snprintf(dir, sizeof dir, "%s/many-llm", x);
	else if (h && *h)
		snprintf(dir, sizeof dir, "%s/.local/state/many-llm", h);
	else
		return mlm_err(why, wl, "no XDG_STATE_HOME or HOME for the state file");
	if (state_dir(dir, why, wl) < 0)
		return -1;
	snprintf(out, n, "%s/%s", dir, file);
	return 0;
}

int
mlm_state_path(const char *file, char *out, size_t n)
{
	return mlm_state_path_why(file, out, n, NULL, 0);
}

mlm_store *
mlm_store_open(const char *spec, char *err, size_t errlen)
{
	char path[4200];
	if (!spec || !*spec)
		spec = getenv("LLM_STATE");
	if (spec && !strcmp(spec, "memory"))
		return mlm_store_memory();
	mlm_store *s = NULL;
	char why[MLM_ERRLEN] = "";
	if (spec && !strncmp(spec, "redis://", 8)) {
		s = mlm_store_redis(spec, why, sizeof why);
	} else {
		if (!spec || !*spec) {
			if (mlm_state_path_why("state.db", path, sizeof path, why, sizeof why) < 0)
				goto fallback;
			spec = path;
		}
		s = mlm_store_sqlite(spec, why, sizeof why);
	}
	if (s)
		return s;
fallback:
	s = mlm_store_memory();
	if (s) {
		snprintf(s->warn, sizeof s->warn, "state store unavailable (%.400s); using memory", why);
		s->degraded = 1;
	}
	return s;
}
