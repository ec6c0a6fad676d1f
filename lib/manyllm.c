/*
 * manyllm.c — the small public API of manyllm.h over the internal library.
 */
#include <stdlib.h>
#include <string.h>

#include "manyllm.h"
#include "mlm.h"
#include "setup.h"

struct manyllm {
	mlm_setup s;
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
	/* ./.env unless a file is named; $LLM_POOL, else the pool the variables make */
	mlm_setup_opts o = { .dot_env = !env_file, .env_file = env_file, .strategy = MLM_STRAT_SMART };
	int failed;
	if (mlm_setup_open(&m->s, &o, &failed, err, errlen) < 0) {
		manyllm_close(m);
		return NULL;
	}
	return m;
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
	mlm_call(m->s.engine, mlm_req_prompt(system, prompt), &o, NULL, NULL, &r);
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

/* The one model of the entries m->model matches, and its batch size: inputs
 * and estimated tokens (0: no limit) a request. */
static const char *
embed_model(manyllm *m, long *batch, long *tokens, char *err, size_t errlen)
{
	const char *one = NULL;
	*batch = *tokens = 0;
	for (size_t i = 0; i < m->s.pool.n; i++) {
		const mlm_entry *e = &m->s.pool.v[i];
		if (!mlm_glob(m->model, e->model))
			continue;
		if (one && strcmp(one, e->model)) {
			mlm_err(err, errlen, "embed: entries of several models (%s, %s); vectors of "
			    "different models do not mix: choose one with manyllm_set_model", one, e->model);
			return NULL;
		}
		one = e->model;
		long b = mlm_embed_batch_max(e);
		if (!*batch || b < *batch)
			*batch = b;
		long t = mlm_embed_batch_tokens(e);
		if (t && (!*tokens || t < *tokens))
			*tokens = t;
	}
	if (!one)
		mlm_err(err, errlen, "embed: no entry matches");
	return one;
}

/* One batch into rows [at, at + k) of *out (allocated at the first). */
static int
embed_batch(manyllm *m, const char *model, const char *const *texts, size_t at, size_t k,
    size_t n, int dimensions, float **out, int *dims, char *err, size_t errlen)
{
	jv in = jv_array();
	for (size_t i = at; i < at + k; i++)
		in = jv_array_append(in, jv_string(texts[i] ? texts[i] : ""));
	mlm_call_opts o;
	mlm_call_opts_init(&o);
	o.pick.model = model;
	mlm_result r;
	mlm_call(m->s.engine, mlm_req_embed(in, dimensions, NULL), &o, NULL, NULL, &r);
	if (!r.ok) {
		mlm_err(err, errlen, "%s: %s", mlm_kind_name(r.kind), r.msg);
		mlm_result_free(&r);
		return -1;
	}
	jv v = jv_parse(r.text ? r.text : "");
	mlm_result_free(&r);
	int rc = 0;
	for (size_t i = 0; i < k && rc == 0; i++) {
		jv row = jv_array_get(jv_copy(v), (int)i);
		int d = jv_get_kind(row) == JV_KIND_ARRAY ? jv_array_length(jv_copy(row)) : 0;
		if (!*out) {
			*dims = d;
			if (!d || !(*out = malloc(n * (size_t)d * sizeof **out)))
				rc = mlm_err(err, errlen, "embed: out of memory");
		}
		if (!rc && d != *dims)
			rc = mlm_err(err, errlen, "embed: vectors of %d and %d dimensions", *dims, d);
		for (int j = 0; !rc && j < d; j++) {
			jv x = jv_array_get(jv_copy(row), j);
			(*out)[(at + i) * (size_t)d + (size_t)j] = (float)jv_number_value(x);
			jv_free(x);
		}
		jv_free(row);
	}
	jv_free(v);
	return rc;
}

float *
manyllm_embed(manyllm *m, const char *const *texts, size_t n, int dimensions, int *dims,
    char **model, char *err, size_t errlen)
{
	if (model)
		*model = NULL;
	if (!m || !texts || !n || !dims) {
		mlm_err(err, errlen, "embed: no pool or no texts");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (!texts[i] || !*texts[i]) {
			mlm_err(err, errlen, "embed: text %zu is empty", i + 1);
			return NULL;
		}
	long batch, tokens;
	const char *mo = embed_model(m, &batch, &tokens, err, errlen);
	if (!mo)
		return NULL;
	float *out = NULL;
	for (size_t at = 0, k; at < n; at += k) {
		/* as many as a request takes, of inputs and of estimated tokens */
		long sum = 0;
		for (k = 0; at + k < n && k < (size_t)batch; k++) {
			long t = mlm_embed_tokens_guess(strlen(texts[at + k]));
			if (k && tokens && sum + t > tokens)
				break;
			sum += t;
		}
		if (embed_batch(m, mo, texts, at, k, n, dimensions, &out, dims, err, errlen) < 0) {
			free(out);
			return NULL;
		}
	}
	if (model)
		*model = mlm_strdup(mo);
	return out;
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
	return m ? m->s.pool.n : 0;
}

void
manyllm_close(manyllm *m)
{
	if (!m)
		return;
	mlm_setup_close(&m->s);
	free(m->model);
	free(m);
}
