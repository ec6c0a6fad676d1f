/*
 * manyllm.c — the small public API of manyllm.h over the internal library.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manyllm.h"
#include "mlm.h"

struct manyllm {
	mlm_env *env;
	mlm_pool pool;
	mlm_store *store;
	mlm_sched *sched;
	mlm_engine *engine;
	char *model;
};

manyllm *
manyllm_open(const char *env_file, char *err, size_t errlen)
{
	manyllm *m = calloc(1, sizeof *m);
	if (!m) {
		mlm_err(err, errlen, "out of memory");
		return NULL;
	}
	m->env = mlm_env_new();
	if (!env_file && access(".env", F_OK) == 0)
		env_file = ".env";
	if (env_file && mlm_env_load(m->env, env_file, err, errlen) < 0)
		goto fail;
	m->pool.env = m->env;
	const char *pf = getenv("LLM_POOL");
	if (pf && *pf) {
		if (mlm_pool_load(&m->pool, pf, err, errlen) < 0)
			goto fail;
	} else if (mlm_pool_from_env(&m->pool, m->env, err, errlen) < 0) {
		goto fail;
	}
	m->store = mlm_store_open(NULL, err, errlen);
	if (!m->store)
		goto fail;
	m->sched = mlm_sched_new(&m->pool, m->store, MLM_STRAT_SMART);
	m->engine = mlm_engine_new(&m->pool, m->sched, err, errlen);
	if (!m->sched || !m->engine)
		goto fail;
	return m;
fail:
	manyllm_close(m);
	return NULL;
}

char *
manyllm_ask2(manyllm *m, const char *system, const char *prompt, char **who,
    char *err, size_t errlen)
{
	if (who)
		*who = NULL;
	if (!m || !prompt) {
		mlm_err(err, errlen, "no pool or no prompt");
		return NULL;
	}
	mlm_call_opts o;
	mlm_call_opts_init(&o);
	o.pick.model = m->model;
	mlm_result r;
	mlm_call(m->engine, mlm_req_prompt(system, prompt), &o, NULL, NULL, &r);
	char *text = NULL;
	if (r.ok) {
		text = r.text;
		r.text = NULL;
		if (who && r.entry)
			*who = mlm_strdup(r.entry->id);
	} else {
		mlm_err(err, errlen, "%s: %s", mlm_kind_name(r.kind), r.msg);
	}
	mlm_result_free(&r);
	return text;
}

char *
manyllm_ask(manyllm *m, const char *system, const char *prompt, char *err, size_t errlen)
{
	return manyllm_ask2(m, system, prompt, NULL, err, errlen);
}

int
manyllm_set_model(manyllm *m, const char *glob)
{
	free(m->model);
	m->model = glob ? mlm_strdup(glob) : NULL;
	return 0;
}

size_t
manyllm_pool_size(const manyllm *m)
{
	return m ? m->pool.n : 0;
}

void
manyllm_close(manyllm *m)
{
	if (!m)
		return;
	mlm_engine_free(m->engine);
	mlm_sched_free(m->sched);
	mlm_store_close(m->store);
	mlm_pool_free(&m->pool);
	mlm_env_free(m->env);
	free(m->model);
	free(m);
}
