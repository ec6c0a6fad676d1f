/*
 * setup.c — the one set-up path (see setup.h): variables, pool, filter,
 * store, scheduler, engine, each step reported to the caller's hook.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setup.h"

int
mlm_user_env_path(char *out, size_t n)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	if (x && *x == '/')
		return snprintf(out, n, "%s/many-llm/env", x) < (int)n;
	if (h && *h)
		return snprintf(out, n, "%s/.config/many-llm/env", h) < (int)n;
	return 0;
}

static int
hook(mlm_setup_opts *o, int step, const char *what, char *err, size_t errlen)
{
	if (!o->hook || o->hook(o->u, step, what, o) == 0)
		return 0;
	if (!err[0])
		mlm_err(err, errlen, "set-up stopped");
	return -1;
}

/* One file of variables; a file named twice (--env .env) is read once. */
static int
env_file(mlm_setup *s, mlm_setup_opts *o, const char *path, struct stat *seen, int *nseen,
    char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		for (int i = 0; i < *nseen; i++)
			if (seen[i].st_dev == st.st_dev && seen[i].st_ino == st.st_ino)
				return 0;
		seen[(*nseen)++] = st;
	}
	if (mlm_env_load(s->env, path, err, errlen) < 0)
		return -1;
	return hook(o, MLM_SETUP_ENV_FILE, path, err, errlen);
}

int
mlm_setup_env(mlm_setup *s, mlm_setup_opts *o, char *err, size_t errlen)
{
	char user[PATH_MAX];
	struct stat seen[3];
	int nseen = 0;
	err[0] = 0;
	s->env = mlm_env_new();
	if (!s->env)
		return mlm_err(err, errlen, "out of memory");
	s->pool.env = s->env;
	/* the least binding first: each later file replaces what it sets */
	if (o->user_env && mlm_user_env_path(user, sizeof user) && access(user, F_OK) == 0 &&
	    env_file(s, o, user, seen, &nseen, err, errlen) < 0)
		return -1;
	if (o->dot_env && access(".env", F_OK) == 0 &&
	    env_file(s, o, ".env", seen, &nseen, err, errlen) < 0)
		return -1;
	if (o->env_file && env_file(s, o, o->env_file, seen, &nseen, err, errlen) < 0)
		return -1;
	return hook(o, MLM_SETUP_ENV, NULL, err, errlen);
}

/* Keeps the entries matching o->provider and o->model. */
static int
filter(mlm_setup *s, mlm_setup_opts *o, char *err, size_t errlen)
{
	if (!o->provider && !o->model)
		return 0;
	unsigned char *keep = calloc(s->pool.n + 1, 1);
	if (!keep)
		return mlm_err(err, errlen, "out of memory");
	size_t kept = 0;
	for (size_t i = 0; i < s->pool.n; i++)
		if (mlm_glob(o->provider, s->pool.v[i].provider) && mlm_glob(o->model, s->pool.v[i].model))
			keep[i] = 1, kept++;
	if (kept)
		mlm_pool_filter(&s->pool, keep);
	free(keep);
	if (!kept)
		return mlm_err(err, errlen, "no pool entry matches");
	return 0;
}

int
mlm_setup_open(mlm_setup *s, mlm_setup_opts *o, int *failed, char *err, size_t errlen)
{
	int step = MLM_SETUP_ENV;
	*failed = -1;
	if (mlm_setup_env(s, o, err, errlen) < 0)
		goto fail;
	step = MLM_SETUP_POOL;
	const char *pf = o->pool_file ? o->pool_file : getenv("LLM_POOL");
	o->pool_from = pf && *pf ? pf : NULL;
	if (o->pool_from ? mlm_pool_load(&s->pool, pf, err, errlen) < 0 :
	    mlm_pool_from_env(&s->pool, s->env, err, errlen) < 0)
		goto fail;
	if (hook(o, step, o->pool_from, err, errlen) < 0)
		goto fail;
	if (o->pool_from && o->need_entries && !s->pool.n) {
		mlm_err(err, errlen, "%s: the pool is empty", o->pool_from);
		goto fail;
	}
	step = MLM_SETUP_FILTER;
	if (filter(s, o, err, errlen) < 0 || hook(o, step, NULL, err, errlen) < 0)
		goto fail;
	step = MLM_SETUP_STORE;
	s->store = mlm_store_open(NULL, err, errlen);
	if (!s->store || hook(o, step, NULL, err, errlen) < 0)
		goto fail;
	step = MLM_SETUP_ENGINE;
	s->sched = mlm_sched_new(&s->pool, s->store, o->strategy);
	s->engine = mlm_engine_new(&s->pool, s->sched, err, errlen);
	if (!s->sched || !s->engine || hook(o, step, NULL, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	*failed = step;
	return -1;
}

int
mlm_setup_state(mlm_setup *s, int strategy, char *err, size_t errlen)
{
	s->store = mlm_store_open(NULL, err, errlen);
	if (!s->store)
		return -1;
	s->sched = mlm_sched_new(&s->pool, s->store, strategy);
	if (!s->sched)
		return mlm_err(err, errlen, "out of memory");
	return 0;
}

void
mlm_setup_close(mlm_setup *s)
{
	mlm_engine_free(s->engine);
	mlm_sched_free(s->sched);
	mlm_store_close(s->store);
	mlm_pool_free(&s->pool);
	mlm_env_free(s->env);
	memset(s, 0, sizeof *s);
}
