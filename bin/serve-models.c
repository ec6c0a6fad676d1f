/*
 * serve-models.c — the model names llm-serve answers to: the pool's
 * models, "auto", and the names clients send mapped onto them
 * (--model-map, LLM_SERVE_MODELS); the body of GET /v1/models.
 */
#include <stdlib.h>
#include <string.h>

#include "serve-int.h"

char *models_json;       /* GET /v1/models, built once */
size_t models_len;

model_map *maps;
size_t nmaps;

static int
pool_has(const char *glob)
{
	for (size_t i = 0; i < tp.pool.n; i++)
		if (mlm_glob(glob, tp.pool.v[i].model))
			return 1;
	return 0;
}

/* "NAME=TARGET[,NAME=TARGET]..." from what (an option or a variable) */
void
add_maps(const char *what, const char *spec, int code)
{
	for (const char *p = spec; *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *one = mlm_strndup(p, n), *eq = strchr(one, '=');
		char *nm = one, *tg = eq ? eq + 1 : NULL;
		if (eq)
			*eq = 0;
		if (!eq || !*nm || !*tg || strchr(tg, '='))
			die(code, "%s: expected NAME=TARGET (e.g. 'claude-*=auto'), got '%s'", what, one);
		maps = realloc(maps, (nmaps + 1) * sizeof *maps);
		maps[nmaps].name = mlm_strdup(nm);
		maps[nmaps].target = mlm_strdup(strcmp(tg, "auto") ? tg : "");
		nmaps++;
		free(one);
		p += n + (e ? 1 : 0);
	}
}

/* after the pool is open: every target must name some entry */
void
check_maps(size_t from_option)
{
	for (size_t i = 0; i < nmaps; i++)
		if (maps[i].target[0] && !pool_has(maps[i].target))
			die(i < from_option ? EX_USAGE_ : EX_CONFIG_, "%s: '%s=%s': no entry of the "
			    "pool has a model matching '%s'", i < from_option ? "--model-map" :
			    "LLM_SERVE_MODELS", maps[i].name, maps[i].target, maps[i].target);
}

const mlm_pool *
serve_pool(void)
{
	return &tp.pool;
}

int
serve_pick_model(serve_call *sc, const char *name, char *err, size_t errlen)
{
	snprintf(sc->asked, sizeof sc->asked, "%s", name);
	sc->model_glob[0] = 0;
	if (!*name || !strcmp(name, "auto"))
		return 0;
	if (pool_has(name)) {
		snprintf(sc->model_glob, sizeof sc->model_glob, "%s", name);
		return 0;
	}
	for (size_t i = 0; i < nmaps; i++)
		if (mlm_glob(maps[i].name, name)) {
			snprintf(sc->model_glob, sizeof sc->model_glob, "%s", maps[i].target);
			return 0;
		}
	snprintf(err, errlen, "The model `%s` does not exist in this pool (GET /v1/models lists "
	    "them; \"auto\" takes any; map a client's names with llm-serve --model-map "
	    "'%s=auto' or LLM_SERVE_MODELS)", name, name);
	return -2;
}

static void
model_item(mlm_buf *b, const char *id, const char *owner, int embed)
{
	sv_puts(b, ",{\"id\":");
	serve_json_strz(b, id);
	sv_puts(b, ",\"object\":\"model\",\"created\":0,\"owned_by\":");
	serve_json_strz(b, owner);
	/* an embedding model (the catalog's "embedding"), for POST /v1/embeddings */
	sv_puts(b, embed ? ",\"type\":\"embedding\"}" : "}");
}

void
build_models(void)
{
	mlm_buf b = { 0 };
	sv_puts(&b, "{\"object\":\"list\",\"data\":[{\"id\":\"auto\",\"object\":\"model\","
	    "\"created\":0,\"owned_by\":\"many-llm\"}");
	for (size_t i = 0; i < tp.pool.n; i++) {
		size_t k;
		for (k = 0; k < i; k++)
			if (!strcmp(tp.pool.v[k].model, tp.pool.v[i].model))
				break;
		if (k < i)
			continue;
		model_item(&b, tp.pool.v[i].model, tp.pool.v[i].provider,
		    (tp.pool.v[i].features & MLM_FEAT_EMBED) != 0);
	}
	/* the names clients may send (not globs: they name no one model) */
	for (size_t i = 0; i < nmaps; i++) {
		size_t k;
		for (k = 0; k < i; k++)
			if (!strcmp(maps[k].name, maps[i].name))
				break;
		if (k == i && !strpbrk(maps[i].name, "*?[") && !pool_has(maps[i].name))
			model_item(&b, maps[i].name, "many-llm", 0);
	}
	sv_puts(&b, "]}");
	if (b.over)
		die(EX_CONFIG_, "the list of models is larger than %u bytes", MLM_BUF_DEFAULT_MAX);
	models_json = b.p;
	models_len = b.len;
}
