/*
 * setup.h — the one set-up path: variables → pool → store → scheduler →
 * engine, used by the tools (bin/tool.c) and the public API (manyllm.c).
 * Like all of lib/ it never prints: the caller hears of each step through a
 * hook (for its own messages), and of a failure by the step and its text.
 */
#ifndef MLM_SETUP_H
#define MLM_SETUP_H

#include "mlm.h"

/* The members of an open set-up; bin/tool.h lays the same members over
 * its tool_pool, so a tool reads t->pool, t->engine... as before. */
#define MLM_SETUP_FIELDS \
	mlm_env *env; \
	mlm_pool pool; \
	mlm_store *store; \
	mlm_sched *sched; \
	mlm_engine *engine;

typedef struct mlm_setup {
	MLM_SETUP_FIELDS
} mlm_setup;

/* The steps, in order; a failure names the one that failed. */
enum mlm_setup_step {
	MLM_SETUP_ENV_FILE,   /* a file of variables was read (what: its path) */
	MLM_SETUP_ENV,        /* every variable is read: the hook may set provider, model, strategy */
	MLM_SETUP_POOL,       /* the pool is read (what: the pool file) or built from the variables (NULL) */
	MLM_SETUP_FILTER,     /* only the entries matching provider and model are kept */
	MLM_SETUP_STORE,      /* the state store is open */
	MLM_SETUP_ENGINE,     /* the scheduler and the engine exist */
};

typedef struct mlm_setup_opts {
	int user_env;            /* read the user file ($XDG_CONFIG_HOME/many-llm/env) if it exists */
	int dot_env;             /* read ./.env if it exists */
	const char *env_file;    /* then this file, which must exist */
	const char *pool_file;   /* the pool file, else $LLM_POOL, else the variables */
	int need_entries;        /* a pool file without entries is an error */
	const char *provider;    /* keep the entries these globs match (NULL: all) */
	const char *model;
	int strategy;            /* MLM_STRAT_* */
	/* Called after each step that succeeded; a nonzero return stops the
	 * set-up as a failure of that step (err: the hook's own text, if any). */
	int (*hook)(void *u, int step, const char *what, struct mlm_setup_opts *o);
	void *u;
	const char *pool_from;   /* out: the pool file read, or NULL (the variables) */
} mlm_setup_opts;

/* Fills s (zeroed by the caller) step by step. 0, or -1 with err set, *failed
 * set to the step that failed and s holding what was opened until then
 * (mlm_setup_close frees it). */
int mlm_setup_open(mlm_setup *s, mlm_setup_opts *o, int *failed, char *err, size_t errlen);
/* The variables only (the first two steps): for a tool that builds its pool
 * its own way (llm-pool reads pool lines from files and standard input). */
int mlm_setup_env(mlm_setup *s, mlm_setup_opts *o, char *err, size_t errlen);
/* The state store and the scheduler over the pool the caller built (s->pool):
 * llm-pool's --status, --reset and --check. 0, or -1 with err. */
int mlm_setup_state(mlm_setup *s, int strategy, char *err, size_t errlen);
void mlm_setup_close(mlm_setup *s);

/* The user file: $XDG_CONFIG_HOME/many-llm/env, else $HOME/.config/many-llm/env;
 * 0 when neither is set (or the path does not fit). */
int mlm_user_env_path(char *out, size_t n);

#endif
