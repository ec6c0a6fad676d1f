/*
 * pool.c — the pool: entries built from variables or read as NDJSON lines.
 *
 * An entry is one (provider, model, key) that can be asked. It carries the
 * name of the variable holding its key (key_env) or a command printing it
 * (key_cmd), never the key itself unless the pool line had one inline. The
 * pool owns its entries and their strings; resolved keys live only in
 * memory and are scrubbed on free.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "mlm.h"
#include "lines.h"

#define POOL_LINE_MAX (1 << 20)    /* one entry: its JSON, 1 MiB at most */

static void
entry_free(mlm_entry *e)
{
	free(e->id), free(e->provider), free(e->model), free(e->base_url);
	free(e->key_env), free(e->key_cmd), free(e->quota), free(e->origin);
	if (e->key) {
		memset(e->key, 0, strlen(e->key));
		free(e->key);
	}
	memset(e, 0, sizeof *e);
}

void
mlm_pool_free(mlm_pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		entry_free(&p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
	mlm_strindex_free(&p->ids);
	p->nids = 0;
}

static mlm_entry *
pool_push(mlm_pool *p)
{
	if (p->n == p->cap) {
		size_t c = p->cap ? p->cap * 2 : 16;
		mlm_entry *v = realloc(p->v, c * sizeof *v);
		if (!v)
			return NULL;
		p->v = v;
		p->cap = c;
	}
	mlm_entry *e = &p->v[p->n++];
	memset(e, 0, sizeof *e);
	e->weight = 1;
	return e;
}

/* Whether an entry has this id: a hash look-up (a pool of 20,000 keys was
 * 20,000 linear scans); entries added since the last call are indexed
 * first. Returns -1 when the index cannot grow. */
static int
pool_has_id(mlm_pool *p, const char *id)
{
	for (; p->nids < p->n; p->nids++)
		if (mlm_strindex_put(&p->ids, p->v[p->nids].id, p->nids) < 0)
			return -1;
	return mlm_strindex_find(&p->ids, id, strlen(id)) != SIZE_MAX;
}

/* A key goes raw into an HTTP header: CR or LF there would end the header
 * and start another, and no provider's key holds any control byte. */
static int
key_has_ctl(const char *k)
{
	for (const unsigned char *c = (const unsigned char *)k; c && *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return 1;
	return 0;
}

#define KEY_CTL "holds a control character (CR, LF, or another byte below 0x20, or DEL): refused"

static void
apply_catalog(mlm_entry *e)
{
	const mlm_catalog_model *m = mlm_catalog_model_find(mlm_provider_find(e->provider), e->model);
	if (m) {
		e->lim = m->lim;
		e->window = m->window;
		e->features = m->features;
	} else {
		const mlm_provider *prov = mlm_provider_find(e->provider);
		if (prov)       /* the provider's published defaults, if any */
			e->lim = prov->lim;
		/* unknown models: try native schemas; a refusal is remembered as
		 * unsupported (not penalised) and the schema goes in the prompt */
		e->features = MLM_FEAT_STREAM | MLM_FEAT_JSON | MLM_FEAT_TOOLS |
		    (strcmp(e->provider, "zhipu") ? MLM_FEAT_SCHEMA : 0);
		/* images are tried too (a refusal is learned, caps.c), except on
		 * Workers AI, whose text models answer an image with a schema
		 * error that says nothing of images */
		if (strcmp(e->provider, "cloudflare"))
			e->features |= MLM_FEAT_VISION;
	}
}

static char *
lower(const char *s, size_t n)
{
	char *r = mlm_strndup(s, n);
	for (char *p = r; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}

/* "NAME_API_KEY" → 0, "NAME_API_KEY_12" → 12, else -1; *plen = len of NAME */
static long
key_var(const char *v, const char *suffix, size_t *plen)
{
	const char *s = strstr(v, suffix);
	while (s) {
		const char *after = s + strlen(suffix);
		if (s > v && s[-1] == '_') {
			*plen = (size_t)(s - v - 1);
			if (!*after)
				return 0;
			if (*after == '_' && isdigit((unsigned char)after[1])) {
				char *end;
				long n = strtol(after + 1, &end, 10);
				if (!*end && n > 0 && n < 100000)
					return n;
			}
		}
		s = strstr(s + 1, suffix);
	}
	return -1;
}

/* "K" → 0, "K_12" → 12, else -1 */
static long
key_exact(const char *v, const char *k)
{
	size_t l = strlen(k);
	if (strncmp(v, k, l))
		return -1;
	if (!v[l])
		return 0;
	if (v[l] == '_' && isdigit((unsigned char)v[l + 1])) {
		char *end;
		long n = strtol(v + l + 1, &end, 10);
		if (!*end && n > 0 && n < 100000)
			return n;
	}
	return -1;
}

/* key n of provider NAME in variable v: the catalog's key names, else
 * NAME_API_KEY[_N] (and NAME_API_TOKEN[_N] for Cloudflare) */
static long
key_of(const char *v, const char *NAME, const mlm_provider *known, int cf)
{
	if (known && known->nkeys) {
		for (size_t i = 0; i < known->nkeys; i++) {
			long n = key_exact(v, known->keys[i]);
			if (n >= 0)
				return n;
		}
		return -1;
	}
	size_t pl;
	long n = key_var(v, "API_KEY", &pl);
	if (n < 0 && cf)
		n = key_var(v, "API_TOKEN", &pl);
	if (n < 0 || pl != strlen(NAME) || strncmp(v, NAME, pl))
		return -1;
	return n;
}

struct keyref { char *var; long n; };

static int
cmpkey(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	return (x->n > y->n) - (x->n < y->n);
}

/* models for a provider: NAME_MODELS, else what --discover found at this
 * base URL, else the catalog's */
static size_t
models_for(const mlm_env *env, const char *NAME, const mlm_provider *prov, const char *base,
    char ***out)
{
	char var[256];
	snprintf(var, sizeof var, "%s_MODELS", NAME);
	const char *list = mlm_env_get(env, var);
	char **v = NULL;
	size_t n = 0;
	if (list && *list) {
		const char *s = list;
		while (*s) {
			while (*s == ',' || *s == ' ')
				s++;
			const char *e = s;
			while (*e && *e != ',')
				e++;
			const char *t = e;
			while (t > s && t[-1] == ' ')
				t--;
			if (t > s) {
				char **nv = realloc(v, (n + 1) * sizeof *v);
				if (!nv)
					break;
				v = nv;
				v[n++] = mlm_strndup(s, (size_t)(t - s));
			}
			s = e;
		}
	} else {
		char *low = lower(NAME, strlen(NAME));
		n = low ? mlm_discover_cached(low, base, &v) : 0;
		free(low);
	}
	if (!n && !(list && *list) && prov) {
		for (const mlm_catalog_model *m = prov->models; m->model; m++) {
			/* a provider's default models are its chat models: an
			 * embedding model joins the pool when NAME_MODELS names
			 * it, so a chat call never lands on one */
			if (m->features & MLM_FEAT_EMBED)
				continue;
			char **nv = realloc(v, (n + 1) * sizeof *v);
			if (!nv)
				break;
			v = nv;
			v[n++] = mlm_strdup(m->model);
		}
	}
	*out = v;
	return n;
}

static char *
trim_slash(const char *s)
{
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		n--;
	return mlm_strndup(s, n);
}

/* quota owner of key n of NAME: NAME_PROJECT_N / NAME_ACCOUNT_N / NAME_QUOTA_N */
static char *
owner_for(const mlm_env *env, const char *NAME, const char *prov, long n, const char *keyid,
    const char *base)
{
	static const char *const kinds[] = { "QUOTA", "PROJECT", "ACCOUNT", "ORG" };
	char var[256];
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		if (n)
			snprintf(var, sizeof var, "%s_%s_%ld", NAME, kinds[k], n);
		else
			snprintf(var, sizeof var, "%s_%s", NAME, kinds[k]);
		const char *v = mlm_env_get(env, var);
		if (v && *v) {
			char buf[300];
			snprintf(buf, sizeof buf, "%s:%s", prov, v);
			return mlm_strdup(buf);
		}
	}
	if (!strcmp(prov, "cloudflare") && base) {
		/* every token of one account shares the account's neurons */
		const char *a = strstr(base, "/accounts/");
		if (a) {
			a += 10;
			const char *e = strchr(a, '/');
			size_t l = e ? (size_t)(e - a) : strlen(a);
			char buf[300];
			snprintf(buf, sizeof buf, "cloudflare:%.*s", (int)(l > 200 ? 200 : l), a);
			return mlm_strdup(buf);
		}
	}
	return mlm_strdup(keyid);
}

static int
add_provider(mlm_pool *p, const mlm_env *env, const char *NAME, const char *const *names,
    size_t nnames, char *err, size_t errlen)
{
	char *prov = lower(NAME, strlen(NAME));
	const mlm_provider *known = mlm_provider_find(prov);
	char var[256];
	const char *base = NULL;
	int cf = known && known->wire == MLM_WIRE_CLOUDFLARE;
	int added = 0;

	if (cf) {
		base = mlm_env_get(env, "CLOUDFLARE_API_BASE_URL");
		if (!base)
			base = mlm_env_get(env, "CLOUDFLARE_BASE_URL");
	} else {
		snprintf(var, sizeof var, "%s_BASE_URL", NAME);
		base = mlm_env_get(env, var);
		if ((!base || !*base) && known)
			base = known->base_url;
	}
	if (!base || !*base) {
		free(prov);
		return 0;
	}

	/* collect key variables: NAME_API_KEY[_N] (cloudflare: NAME_API_TOKEN[_N]) */
	struct keyref *keys = NULL;
	size_t nk = 0, capk = 0;
	for (size_t i = 0; i < nnames; i++) {
		long n = key_of(names[i], NAME, known, cf);
		if (n < 0)
			continue;
		const char *v = mlm_env_get(env, names[i]);
		if (!v || !*v)
			continue;
		if (key_has_ctl(v)) {
			const char *from = mlm_env_origin(env, names[i]);
			mlm_err(err, errlen, "%s (%s): the key " KEY_CTL, names[i], from ? from : "environment");
			for (size_t k = 0; k < nk; k++)
				free(keys[k].var);
			free(keys);
			free(prov);
			return -1;
		}
		if (nk == capk) {
			/* grows by doubling: thousands of keys are not copied n times */
			size_t c = capk ? capk * 2 : 16;
			struct keyref *nkp = realloc(keys, c * sizeof *keys);
			if (!nkp)
				break;
			keys = nkp;
			capk = c;
		}
		keys[nk].var = mlm_strdup(names[i]);
		keys[nk].n = n;
		nk++;
	}
	if (nk)
		qsort(keys, nk, sizeof *keys, cmpkey);

	char *b = cf ? mlm_strdup(base) : trim_slash(base);
	if (cf && b && b[strlen(b) - 1] != '/') {
		char *nb = malloc(strlen(b) + 2);
		if (nb)
			sprintf(nb, "%s/", b);
		free(b);
		b = nb;
	}
	char **models = NULL;
	size_t nm = models_for(env, NAME, known, b, &models);

	for (size_t k = 0; k < nk; k++) {
		char keyid[300];
		if (keys[k].n)
			snprintf(keyid, sizeof keyid, "%s-%ld", prov, keys[k].n);
		else
			snprintf(keyid, sizeof keyid, "%s", prov);
		for (size_t m = 0; m < nm; m++) {
			char id[600];
			snprintf(id, sizeof id, "%s:%s", keyid, models[m]);
			int dup = pool_has_id(p, id);
			if (dup > 0)
				continue;
			mlm_entry *e = dup < 0 ? NULL : pool_push(p);
			if (!e || !(e->id = mlm_strdup(id)))
				goto oom;
			e->provider = mlm_strdup(prov);
			e->wire = known ? known->wire : MLM_WIRE_OPENAI;
			e->model = mlm_strdup(models[m]);
			e->base_url = mlm_strdup(b);
			e->key_env = mlm_strdup(keys[k].var);
			e->quota = owner_for(env, NAME, prov, keys[k].n, keyid, b);
			e->quota_auto = e->quota && !strcmp(e->quota, keyid);
			e->priority = 0;
			char origin[300];
			snprintf(origin, sizeof origin, "env:%s", keys[k].var);
			e->origin = mlm_strdup(origin);
			apply_catalog(e);
			added++;
		}
	}
	for (size_t k = 0; k < nk; k++)
		free(keys[k].var);
	free(keys);
	for (size_t m = 0; m < nm; m++)
		free(models[m]);
	free(models);
	free(b);
	free(prov);
	return added;
oom:
	free(prov);
	return mlm_err(err, errlen, "out of memory");
}

int
mlm_pool_from_env(mlm_pool *p, const mlm_env *env, char *err, size_t errlen)
{
	const char *const *names;
	size_t nn = mlm_env_names((mlm_env *)env, &names);
	int total = 0;
	p->env = env;

	/* known providers first, in catalog order (the seed's priority order) */
	for (size_t i = 0; mlm_provider_at(i); i++) {
		char NAME[64];
		const char *n = mlm_provider_at(i)->name;
		size_t j;
		for (j = 0; n[j] && j < sizeof NAME - 1; j++)
			NAME[j] = (char)toupper((unsigned char)n[j]);
		NAME[j] = 0;
		int r = add_provider(p, env, NAME, names, nn, err, errlen);
		if (r < 0)
			return -1;
		total += r;
	}
	/* then any NAME with NAME_BASE_URL and NAME_API_KEY[_N] */
	for (size_t i = 0; i < nn; i++) {
		size_t l = strlen(names[i]);
		if (l <= 9 || strcmp(names[i] + l - 9, "_BASE_URL"))
			continue;
		char NAME[128];
		if (l - 9 >= sizeof NAME)
			continue;
		memcpy(NAME, names[i], l - 9);
		NAME[l - 9] = 0;
		char *low = lower(NAME, strlen(NAME));
		int known = mlm_provider_find(low) != NULL || !strcmp(NAME, "CLOUDFLARE_API");
		free(low);
		if (known)
			continue;
		int r = add_provider(p, env, NAME, names, nn, err, errlen);
		if (r < 0)
			return -1;
		total += r;
	}
	if (!total)
		return mlm_err(err, errlen,
		    "no usable (model, key) pair: looked for GEMINI_API_KEY[_N], OPENAI_API_KEY[_N], "
		    "CLOUDFLARE_API_BASE_URL with CLOUDFLARE_API_TOKEN[_N], ZHIPU_API_KEY[_N], "
		    "and NAME_API_KEY[_N] with NAME_BASE_URL");
	return total;
}

static const char *
jstr(jv o, const char *k)
{
	jv v = mlm_jfield(o, k);
	const char *s = NULL;
	if (jv_get_kind(v) == JV_KIND_STRING)
		s = jv_string_value(v);
	jv_free(v);     /* the string stays alive inside o */
	return s;
}

static int
jnum(jv o, const char *k, double *out)
{
	jv v = mlm_jfield(o, k);
	int ok = jv_get_kind(v) == JV_KIND_NUMBER;
	if (ok)
		*out = jv_number_value(v);
	jv_free(v);
	return ok;
}

/* the pool line's names of the windows beyond rpm, rpd, tpm and conc */
static const struct { const char *k; int kind; } pool_wins[] = {
	{ "rph", MLM_WIN_RPH }, { "rpmo", MLM_WIN_RPMO }, { "tpd", MLM_WIN_TPD },
	{ "tpmo", MLM_WIN_TPMO }, { "npd", MLM_WIN_NPD },
};

/* A pool line's entry id when it names none: the id the environment would
 * give (GEMINI_API_KEY_2 → gemini-2:MODEL), else KEY_ENV or PROVIDER:MODEL. */
static void
line_id(char *idbuf, size_t n, const char *kenv, const char *prov, const char *model)
{
	size_t pl = 0;
	long kn = kenv ? key_var(kenv, "API_KEY", &pl) : -1;
	if (kenv && kn < 0)
		kn = key_var(kenv, "API_TOKEN", &pl);
	if (kn > 0)
		snprintf(idbuf, n, "%.*s-%ld:%s", (int)pl, kenv, kn, model);
	else if (kn == 0)
		snprintf(idbuf, n, "%.*s:%s", (int)pl, kenv, model);
	else
		snprintf(idbuf, n, "%s:%s", kenv ? kenv : prov, model);
	/* lower-case the key part only; models keep their case */
	for (char *c = idbuf; *c && *c != ':'; c++)
		*c = (char)tolower((unsigned char)*c);
}

/* A pool line's priority, weight, limits, windows, daily reset and
 * capabilities, over what the catalog gave the entry. */
static void
line_limits(mlm_entry *e, jv o)
{
	double d;
	if (jnum(o, "priority", &d))
		e->priority = (int)d;
	if (jnum(o, "weight", &d) && d >= 0)
		e->weight = d;
	if (jnum(o, "rpm", &d))
		e->lim.rpm = (long)d;
	if (jnum(o, "rpd", &d))
		e->lim.rpd = (long)d;
	if (jnum(o, "tpm", &d))
		e->lim.tpm = (long)d;
	if (jnum(o, "conc", &d))
		e->lim.conc = (long)d;
	/* the windows beyond those four (windows.c) */
	for (size_t i = 0; i < sizeof pool_wins / sizeof pool_wins[0]; i++)
		if (jnum(o, pool_wins[i].k, &d))
			e->lim.wmax[pool_wins[i].kind] = d > 0 ? (long)d : 0;
	if (jnum(o, "window", &d))
		e->window = (long)d;
	jv pm = mlm_jfield(o, "per_model");
	if (jv_get_kind(pm) == JV_KIND_TRUE || jv_get_kind(pm) == JV_KIND_FALSE)
		e->lim.per_model = jv_get_kind(pm) == JV_KIND_TRUE;
	jv_free(pm);
	const char *reset = jstr(o, "reset");
	if (reset) {
		e->lim.reset = !strcmp(reset, "utc") ? MLM_RESET_UTC :
		    !strcmp(reset, "pacific") ? MLM_RESET_PACIFIC : MLM_RESET_NONE;
		/* the line's daily reset is every day window's */
		e->lim.wreset[MLM_WIN_TPD] = e->lim.wreset[MLM_WIN_NPD] = (unsigned char)e->lim.reset;
	}
	jv sch = mlm_jfield(o, "schema");
	if (jv_get_kind(sch) == JV_KIND_TRUE)
		e->features |= MLM_FEAT_SCHEMA;
	else if (jv_get_kind(sch) == JV_KIND_FALSE)
		e->features &= ~(unsigned)MLM_FEAT_SCHEMA;
	jv_free(sch);
	static const struct { const char *k; unsigned f; } caps[] = {
		{ "vision", MLM_FEAT_VISION }, { "tools", MLM_FEAT_TOOLS } };
	for (size_t i = 0; i < sizeof caps / sizeof *caps; i++) {   /* caps.c */
		jv c = mlm_jfield(o, caps[i].k);
		if (jv_get_kind(c) == JV_KIND_TRUE)
			e->features |= caps[i].f;
		else if (jv_get_kind(c) == JV_KIND_FALSE)
			e->features &= ~caps[i].f;
		jv_free(c);
	}
}

int
mlm_pool_add_line(mlm_pool *p, const char *line, size_t len, const char *origin,
    char *err, size_t errlen)
{
	jv o = jv_parse_sized(line, (int)len);
	if (!jv_is_valid(o)) {
		jv m = jv_invalid_get_msg(o);
		int r = mlm_err(err, errlen, "%s: invalid JSON: %s", origin,
		    jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "?");
		jv_free(m);
		return r;
	}
	if (jv_get_kind(o) != JV_KIND_OBJECT) {
		jv_free(o);
		return mlm_err(err, errlen, "%s: a pool line is a JSON object", origin);
	}
	const char *prov = jstr(o, "provider"), *model = jstr(o, "model");
	const char *base = jstr(o, "base_url"), *wire = jstr(o, "wire");
	const char *kenv = jstr(o, "key_env"), *kcmd = jstr(o, "key_cmd"), *key = jstr(o, "key");
	if (!prov || !*prov) {
		jv_free(o);
		return mlm_err(err, errlen, "%s: missing \"provider\"", origin);
	}
	if (!model || !*model) {
		jv_free(o);
		return mlm_err(err, errlen, "%s: missing \"model\"", origin);
	}
	const mlm_provider *known = mlm_provider_find(prov);
	int w = wire ? mlm_wire_parse(wire) : known ? known->wire : MLM_WIRE_OPENAI;
	if (w < 0) {
		/* wire lives inside o: the message is made before o is freed */
		mlm_err(err, errlen, "%s: unknown wire \"%s\" (%s)", origin, wire, mlm_wire_names());
		jv_free(o);
		return -1;
	}
	if (!base)
		base = known ? known->base_url : NULL;
	if (!base || !*base) {
		mlm_err(err, errlen, "%s: missing \"base_url\" for provider %s", origin, prov);
		jv_free(o);
		return -1;
	}
	if (!kenv && !kcmd && !key && !(known && !strcmp(known->name, "ollama"))) {
		jv_free(o);
		return mlm_err(err, errlen, "%s: needs one of \"key_env\", \"key_cmd\" or \"key\"", origin);
	}
	const char *kv = kenv && p->env ? mlm_env_get(p->env, kenv) : NULL;
	if (key_has_ctl(kv) || (!kenv && !kcmd && key_has_ctl(key))) {
		if (kv && key_has_ctl(kv))
			mlm_err(err, errlen, "%s: %s: the key " KEY_CTL, origin, kenv);
		else
			mlm_err(err, errlen, "%s: \"key\" " KEY_CTL, origin);
		jv_free(o);
		return -1;
	}
	const char *id = jstr(o, "id");
	char idbuf[600];
	if (!id || !*id) {
		line_id(idbuf, sizeof idbuf, kenv, prov, model);
		id = idbuf;
	}
	int dup = pool_has_id(p, id);
	if (dup > 0) {
		jv_free(o);
		return 1;
	}
	mlm_entry *e = dup < 0 ? NULL : pool_push(p);
	if (!e || !(e->id = mlm_strdup(id))) {
		jv_free(o);
		return mlm_err(err, errlen, "out of memory");
	}
	e->provider = mlm_strdup(prov);
	e->wire = w;
	e->model = mlm_strdup(model);
	e->base_url = w == MLM_WIRE_CLOUDFLARE ? mlm_strdup(base) : trim_slash(base);
	e->key_env = mlm_strdup(kenv);
	e->key_cmd = mlm_strdup(kcmd);
	if (key && !kenv && !kcmd) {
		e->key = mlm_strdup(key);
		e->key_inline = 1;
	}
	const char *q = jstr(o, "quota");
	/* no owner declared: the key is its own (a key_cmd is never a name) */
	e->quota = mlm_strdup(q && *q ? q : kenv ? kenv : e->id);
	e->quota_auto = !(q && *q);
	e->origin = mlm_strdup(origin);
	apply_catalog(e);
	line_limits(e, o);
	jv_free(o);
	return 0;
}

int
mlm_pool_load(mlm_pool *p, const char *path, char *err, size_t errlen)
{
	return mlm_pool_load_cb(p, path, NULL, NULL, err, errlen);
}

int
mlm_pool_load_cb(mlm_pool *p, const char *path, void (*dup)(void *u, const char *origin),
    void *u, char *err, size_t errlen)
{
	/* the record reader (lines.h): file:line positions, one CR/LF rule */
	mlm_lines *lr = mlm_lines_open(path, POOL_LINE_MAX, err, errlen);
	if (!lr)
		return -2;
	mlm_line l;
	int k, r = 0;
	while ((k = mlm_lines_next(lr, &l, err, errlen)) == 1) {
		char origin[600];
		mlm_lines_pos(lr, origin, sizeof origin);
		if (l.toolong) {
			r = mlm_err(err, errlen, "%s: line longer than %d bytes (%zu)", origin,
			    POOL_LINE_MAX, l.len);
			break;
		}
		const char *s = l.text;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		int a = mlm_pool_add_line(p, l.text, l.len, origin, err, errlen);
		if (a < 0) {
			r = -1;
			break;
		}
		if (a == 1 && dup)
			dup(u, origin);
	}
	if (k < 0)
		r = -2;     /* a read error: err says "name: reason" */
	mlm_lines_close(lr);
	return r;
}

jv
mlm_entry_json(const mlm_entry *e, int with_key)
{
	jv o = jv_object();
#define SET(k, v) o = jv_object_set(o, jv_string(k), v)
	SET("id", jv_string(e->id));
	SET("provider", jv_string(e->provider));
	SET("wire", jv_string(mlm_wire_name(e->wire)));
	SET("model", jv_string(e->model));
	SET("base_url", jv_string(e->base_url));
	if (e->key_env)
		SET("key_env", jv_string(e->key_env));
	if (e->key_cmd)
		SET("key_cmd", jv_string(e->key_cmd));
	if (with_key && e->key_inline && e->key)
		SET("key", jv_string(e->key));
	/* an owner only when one was declared: a key without is its own, and
	 * a line read back must not turn the variable's name into an owner */
	if (e->quota && !e->quota_auto)
		SET("quota", jv_string(e->quota));
	SET("priority", jv_number(e->priority));
	SET("weight", jv_number(e->weight));
	if (e->lim.rpm)
		SET("rpm", jv_number((double)e->lim.rpm));
	if (e->lim.rpd)
		SET("rpd", jv_number((double)e->lim.rpd));
	if (e->lim.tpm)
		SET("tpm", jv_number((double)e->lim.tpm));
	if (e->lim.conc)
		SET("conc", jv_number((double)e->lim.conc));
	for (size_t i = 0; i < sizeof pool_wins / sizeof pool_wins[0]; i++)
		if (e->lim.wmax[pool_wins[i].kind])
			SET(pool_wins[i].k, jv_number((double)e->lim.wmax[pool_wins[i].kind]));
	SET("per_model", jv_bool(e->lim.per_model));
	if (e->lim.reset)
		SET("reset", jv_string(e->lim.reset == MLM_RESET_UTC ? "utc" : "pacific"));
	if (e->window)
		SET("window", jv_number((double)e->window));
	SET("schema", jv_bool(!!(e->features & MLM_FEAT_SCHEMA)));
#undef SET
	return o;
}

/* key_cmd results are cached per process: one run per distinct command */
static struct { char *cmd, *key; } kcache[64];
static int nkcache;

static char *
run_key_cmd(const char *cmd, char *err, size_t errlen)
{
	for (int i = 0; i < nkcache; i++)
		if (!strcmp(kcache[i].cmd, cmd))
			return mlm_strdup(kcache[i].key);
	FILE *f = popen(cmd, "r");
	if (!f) {
		mlm_err(err, errlen, "key_cmd: %s", strerror(errno));
		return NULL;
	}
	char buf[4096];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	int st = pclose(f);
	buf[n] = 0;
	char *nl = strpbrk(buf, "\r\n");
	if (nl)
		*nl = 0;
	if (st != 0 || !*buf) {
		memset(buf, 0, sizeof buf);
		mlm_err(err, errlen, "key_cmd failed (status %d) or printed nothing",
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return NULL;
	}
	char *k = mlm_strdup(buf);
	memset(buf, 0, sizeof buf);
	if (nkcache < 64) {
		kcache[nkcache].cmd = mlm_strdup(cmd);
		kcache[nkcache].key = mlm_strdup(k);
		nkcache++;
	}
	return k;
}

int
mlm_entry_key(mlm_entry *e, const mlm_env *env, char *err, size_t errlen)
{
	if (e->key)
		return 0;
	if (e->key_env) {
		const char *v = mlm_env_get(env, e->key_env);
		if (!v || !*v)
			return mlm_err(err, errlen, "%s: %s is not set", e->id, e->key_env);
		if (key_has_ctl(v))
			return mlm_err(err, errlen, "%s: %s: the key " KEY_CTL, e->id, e->key_env);
		e->key = mlm_strdup(v);
	} else if (e->key_cmd) {
		char buf[MLM_ERRLEN];
		e->key = run_key_cmd(e->key_cmd, buf, sizeof buf);
		if (!e->key)
			return mlm_err(err, errlen, "%s: %s", e->id, buf);
		if (key_has_ctl(e->key)) {
			memset(e->key, 0, strlen(e->key));
			free(e->key);
			e->key = NULL;
			return mlm_err(err, errlen, "%s: the output of key_cmd " KEY_CTL, e->id);
		}
	} else {
		e->key = mlm_strdup("none");    /* local hosts without auth */
	}
	return e->key ? 0 : mlm_err(err, errlen, "out of memory");
}

void
mlm_pool_filter(mlm_pool *p, const unsigned char *keep)
{
	/* the index borrows ids that may be freed here: rebuilt on next use */
	mlm_strindex_free(&p->ids);
	p->nids = 0;
	size_t w = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (keep[i])
			p->v[w++] = p->v[i];
		else
			entry_free(&p->v[i]);
	}
	p->n = w;
}

const char **
mlm_pool_keys(const mlm_pool *p, size_t *n)
{
	const char **k = calloc(p->n + (size_t)nkcache + 1, sizeof *k);
	*n = 0;
	if (!k)
		return NULL;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].key)
			k[(*n)++] = p->v[i].key;
	for (int i = 0; i < nkcache; i++)
		k[(*n)++] = kcache[i].key;
	return k;
}
