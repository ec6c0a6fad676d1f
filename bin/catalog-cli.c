/*
 * catalog-cli.c — the tools' side of the catalog: its load warnings on
 * stderr (once per process) and `llm-pool --catalog`.
 */
#include <string.h>

#include "tool.h"

void
tool_catalog_warn(void)
{
	static int done;
	const char *const *w;
	size_t n = mlm_catalog_warnings(&w);
	if (done)
		return;
	done = 1;
	for (size_t i = 0; i < n; i++)
		warnmsg("warning: %s", w[i]);
}

int
tool_catalog_print(const char *provider, const char *model)
{
	jv a = mlm_catalog_json();
	tool_catalog_warn();
	int n = jv_array_length(jv_copy(a));
	for (int i = 0; i < n; i++) {
		jv o = jv_array_get(jv_copy(a), i);
		jv p = jv_object_get(jv_copy(o), jv_string("provider"));
		jv m = jv_object_get(jv_copy(o), jv_string("model"));
		int keep = mlm_glob(provider, jv_string_value(p)) &&
		    (!model || (jv_get_kind(m) == JV_KIND_STRING && mlm_glob(model, jv_string_value(m))));
		jv_free(p);
		jv_free(m);
		if (keep)
			out_json(o, 0);
		else
			jv_free(o);
	}
	jv_free(a);
	return 0;
}

/* llm-pool --discover: one listing per provider of the pool (its first
 * entry's key), one NDJSON line each, the cache updated with what answered.
 * 0 when every provider answered, 1 otherwise. */
int
tool_discover(tool_pool *t)
{
	char err[MLM_ERRLEN];
	jv cache = mlm_discover_cache_read();
	int failed = 0, asked = 0;
	for (size_t i = 0; i < t->pool.n; i++) {
		mlm_entry *e = &t->pool.v[i];
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(t->pool.v[j].provider, e->provider);
		if (seen)
			continue;
		asked++;
		jv models;
		if (mlm_entry_key(e, t->env, err, sizeof err) < 0 ||
		    mlm_discover(e, e->key, &models, err, sizeof err) < 0) {
			warnmsg("--discover: %s (%s): %s", e->provider, e->base_url, err);
			jv o = jv_object();
			o = jv_object_set(o, jv_string("provider"), jv_string(e->provider));
			o = jv_object_set(o, jv_string("base_url"), jv_string(e->base_url));
			o = jv_object_set(o, jv_string("error"), jv_string(err));
			out_json(o, 0);
			failed = 1;
			continue;
		}
		jv rec = mlm_discover_record(e, models);
		cache = jv_object_set(cache, jv_string(e->provider), jv_copy(rec));
		out_json(rec, 0);
	}
	if (!asked)
		warnmsg("--discover: no provider to ask");
	if (mlm_discover_cache_write(cache, err, sizeof err) < 0) {
		warnmsg("--discover: %s", err);
		failed = 1;
	}
	return failed ? EX_SOMEFAIL : 0;
}
