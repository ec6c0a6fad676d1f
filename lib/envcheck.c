/*
 * envcheck.c — what became of each variable: the review behind the tools'
 * warnings about mistyped names and llm-pool -v's listing.
 *
 * Every NAME=value of the files is reviewed, and those names of the process
 * environment that are Many-LLM's or look like a misspelling of one. A
 * variable is used (it gave keys, an address, models or a setting), dropped
 * (a Many-LLM name that gave nothing, and why) or ignored (not a Many-LLM
 * name). A likely mistake is flagged for a warning, with the name meant
 * when one is near: GEMENI_API_KEY_1, OPENAI_KEY, GEMINI_API_KEY1,
 * OPENAI_BASEURL, an empty key, a Cloudflare token without its base URL, a
 * key with blanks around it. Nothing here prints: the tools do.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"

/* settings the tools read from the environment and the files */
static const char *const settings_env[] = { "LLM_MODEL", "LLM_PROVIDER", "LLM_STRATEGY", NULL };
/* settings read from the process environment only */
static const char *const settings_proc[] = { "LLM_POOL", "LLM_STATE", "LLM_CACHE", "LLM_LOG",
	"LLM_SERVE_TOKENS", "LLM_INSECURE_HTTP", NULL };
/* other names a provider is often given */
static const struct { const char *from, *to; } aliases[] = {
	{ "GOOGLE", "GEMINI" }, { "GOOGLE_AI", "GEMINI" }, { "GOOGLE_GENAI", "GEMINI" },
	{ "ZHIPUAI", "ZHIPU" }, { "BIGMODEL", "ZHIPU" }, { "GLM", "ZHIPU" },
	{ "CF", "CLOUDFLARE" }, { "WORKERS_AI", "CLOUDFLARE" }, { "CLOUDFLARE_AI", "CLOUDFLARE" },
	{ NULL, NULL },
};

static int
lev(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 99;
	int d[64][64];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			/* a swap of two letters is one slip */
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

static int
in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (!strcmp(*l, s))
			return 1;
	return 0;
}

static void
upper(char *out, size_t n, const char *s)
{
	size_t i;
	for (i = 0; s[i] && i + 1 < n; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	out[i] = 0;
}

/* NAME_SUFFIX or NAME_SUFFIX_N: the length of NAME, else 0 */
static size_t
split_suffix(const char *v, const char *suffix, long *n)
{
	size_t l = strlen(v), sl = strlen(suffix);
	*n = 0;
	const char *d = v + l;
	while (d > v && isdigit((unsigned char)d[-1]))
		d--;
	if (d < v + l && d > v && d[-1] == '_' && d[0] != '0') {
		*n = strtol(d, NULL, 10);
		l = (size_t)(d - 1 - v);
	}
	if (l > sl + 1 && !memcmp(v + l - sl, suffix, sl) && v[l - sl - 1] == '_')
		return l - sl - 1;
	return 0;
}

/* the known provider NAME closest to p (exact, alias or a slip), or NULL */
static const char *
provider_like(const char *p, char *buf, size_t n)
{
	for (size_t i = 0; aliases[i].from; i++)
		if (!strcmp(p, aliases[i].from))
			return aliases[i].to;
	const char *best = NULL;
	int bd = 99;
	for (size_t i = 0; mlm_provider_at(i); i++) {
		char U[64];
		upper(U, sizeof U, mlm_provider_at(i)->name);
		int d = lev(p, U);
		size_t ul = strlen(U);
		int allow = ul >= 6 ? 2 : ul >= 4 ? 1 : 0;
		if (d <= allow && d < bd) {
			bd = d;
			snprintf(buf, n, "%s", U);
			best = buf;
		}
	}
	return best;
}

static int
is_known_provider(const char *NAME)
{
	char low[64];
	size_t i;
	for (i = 0; NAME[i] && i + 1 < sizeof low; i++)
		low[i] = (char)tolower((unsigned char)NAME[i]);
	low[i] = 0;
	return mlm_provider_find(low) != NULL;
}

/* a suffix as users write it → the one read ("API_KEY", "BASE_URL", "MODELS"), or NULL */
static const char *
suffix_like(const char *r)
{
	static const char *const keyish[] = { "KEY", "APIKEY", "API", "SECRET", "SECRET_KEY",
		"API_SECRET", "TOKEN", "API_TOKEN", "ACCESS_TOKEN", "AUTH_TOKEN", "API_KEYS", NULL };
	static const char *const urlish[] = { "BASEURL", "BASE", "URL", "API_BASE", "API_URL",
		"ENDPOINT", "HOST", "API_HOST", "API_BASEURL", "BASE_URI", "API_BASE_URL", NULL };
	if (in_list(keyish, r) || lev(r, "API_KEY") <= 2)
		return "API_KEY";
	if (in_list(urlish, r) || lev(r, "BASE_URL") <= 2)
		return "BASE_URL";
	if (!strcmp(r, "MODEL") || lev(r, "MODELS") <= 1)
		return "MODELS";
	return NULL;
}

/* Worth a warning: always in a file; in the process environment (where
 * other programs' names live: GITHUB_TOKEN, GOOGLE_API_KEY) only for slips
 * of the seed's providers' names and LLM_ settings, and when the name meant
 * is not set. */
static int
warn_meant(const mlm_env *e, const char *name, const char *alt, int envv)
{
	static const char *const seed[] = { "GEMINI_", "OPENAI_", "CLOUDFLARE_", "ZHIPU_", "LLM_", NULL };
	if (!envv)
		return 1;
	if (mlm_env_get(e, alt))
		return 0;
	/* another program's name for the provider (CF_API_TOKEN, GOOGLE_API_KEY) */
	for (size_t i = 0; aliases[i].from; i++) {
		size_t l = strlen(aliases[i].from);
		if (!strncmp(name, aliases[i].from, l) && name[l] == '_')
			return 0;
	}
	for (const char *const *s = seed; *s; s++)
		if (!strncmp(alt, *s, strlen(*s)))
			return 1;
	return 0;
}

/* The name meant, written to out, for a name nothing reads; 0 if none. */
static int
meant(const char *name, char *out, size_t n)
{
	long num;
	size_t l = strlen(name);
	/* GEMINI_API_KEY1: the number without its underscore */
	const char *d = name + l;
	while (d > name && isdigit((unsigned char)d[-1]))
		d--;
	if (d < name + l && d > name && d[-1] != '_') {
		char base[256];
		snprintf(base, sizeof base, "%.*s", (int)(d - name), name);
		size_t bl = strlen(base);
		if ((bl > 8 && !strcmp(base + bl - 8, "_API_KEY")) ||
		    (bl > 10 && !strcmp(base + bl - 10, "_API_TOKEN"))) {
			snprintf(out, n, "%s_%s", base, d);
			return 1;
		}
	}
	if (!strncmp(name, "LLM_", 4)) {
		const char *const *lists[] = { settings_env, settings_proc };
		for (int k = 0; k < 2; k++)
			for (const char *const *s = lists[k]; *s; s++)
				if (lev(name, *s) <= 2) {
					snprintf(out, n, "%s", *s);
					return 1;
				}
		return 0;
	}
	/* PREFIX_REST: a provider's name (or a slip of it) and a suffix as written */
	char nn[256];
	snprintf(nn, sizeof nn, "%s", name);
	/* a trailing _N stays as it is */
	num = 0;
	d = nn + strlen(nn);
	while (d > nn && isdigit((unsigned char)d[-1]))
		d--;
	if (d < nn + strlen(nn) && d > nn + 1 && d[-1] == '_' && *d != '0') {
		num = strtol(d, NULL, 10);
		nn[d - 1 - nn] = 0;
	}
	for (char *u = strchr(nn, '_'); u; u = strchr(u + 1, '_')) {
		char prefix[128], pb[64];
		snprintf(prefix, sizeof prefix, "%.*s", (int)(u - nn), nn);
		const char *prov = provider_like(prefix, pb, sizeof pb);
		const char *suf = prov ? suffix_like(u + 1) : NULL;
		if (!suf)
			continue;
		int cf = !strcmp(prov, "CLOUDFLARE");
		if (cf && !strcmp(suf, "API_KEY"))
			suf = "API_TOKEN";
		if (cf && !strcmp(suf, "BASE_URL"))
			suf = "API_BASE_URL";
		if (num && !strcmp(suf, "BASE_URL"))
			continue;
		if (num)
			snprintf(out, n, "%s_%s_%ld", prov, suf, num);
		else
			snprintf(out, n, "%s_%s", prov, suf);
		return strcmp(out, name) != 0;
	}
	return 0;
}

typedef struct notes {
	mlm_var_note *v;
	size_t n, cap;
} notes;

static void
note(notes *ns, const char *name, const char *origin, int line, int status, int warn,
    const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void
note(notes *ns, const char *name, const char *origin, int line, int status, int warn,
    const char *fmt, ...)
{
	if (ns->n == ns->cap) {
		size_t c = ns->cap ? ns->cap * 2 : 16;
		mlm_var_note *a = realloc(ns->v, c * sizeof *a);
		if (!a)
			return;
		ns->v = a;
		ns->cap = c;
	}
	char where[600], why[600];
	if (line)
		snprintf(where, sizeof where, "%s:%d", origin, line);
	else
		snprintf(where, sizeof where, "%s", origin);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	mlm_var_note *x = &ns->v[ns->n];
	x->name = mlm_strdup(name);
	x->where = mlm_strdup(where);
	x->why = mlm_strdup(why);
	x->status = status;
	x->warn = warn;
	if (x->name && x->where && x->why)
		ns->n++;
}

/* entries of the pool whose key is in var; entries of provider NAME */
static size_t
count_key(const mlm_pool *p, const char *var)
{
	size_t k = 0;
	for (size_t i = 0; p && i < p->n; i++)
		k += p->v[i].key_env && !strcmp(p->v[i].key_env, var);
	return k;
}

static size_t
count_provider(const mlm_pool *p, const char *NAME)
{
	size_t k = 0;
	for (size_t i = 0; p && i < p->n; i++) {
		char U[128];
		upper(U, sizeof U, p->v[i].provider);
		k += !strcmp(U, NAME);
	}
	return k;
}

static int
has_blank_ends(const char *v)
{
	size_t l = strlen(v);
	return l && (isspace((unsigned char)v[0]) || isspace((unsigned char)v[l - 1]));
}

/* a key variable: NAME_API_KEY[_N], or Cloudflare's NAME_API_TOKEN[_N] */
static void
review_key(notes *ns, mlm_env *e, const mlm_pool *p, const char *name, const char *value,
    const char *origin, int line, const char *NAME, int from_pool_file)
{
	size_t used = count_key(p, name);
	if (used) {
		if (has_blank_ends(value))
			note(ns, name, origin, line, MLM_VAR_USED, 1,
			    "the key has blanks at its start or end (sent as they are)");
		else
			note(ns, name, origin, line, MLM_VAR_USED, 0, "key of %zu entr%s", used,
			    used == 1 ? "y" : "ies");
		return;
	}
	if (!*value) {
		note(ns, name, origin, line, MLM_VAR_DROPPED, 1, "empty value: no key, no entries");
		return;
	}
	if (from_pool_file) {
		note(ns, name, origin, line, MLM_VAR_DROPPED, 0, "not used: the pool comes from a pool file");
		return;
	}
	char var[300];
	if (!strcmp(NAME, "CLOUDFLARE")) {
		if (!mlm_env_get(e, "CLOUDFLARE_API_BASE_URL") && !mlm_env_get(e, "CLOUDFLARE_BASE_URL"))
			note(ns, name, origin, line, MLM_VAR_DROPPED, 1, "no entries: a Cloudflare token "
			    "needs CLOUDFLARE_API_BASE_URL=https://api.cloudflare.com/client/v4/accounts/"
			    "ACCOUNT_ID/ai/run/");
		else
			note(ns, name, origin, line, MLM_VAR_DROPPED, 0, "no entries");
		return;
	}
	snprintf(var, sizeof var, "%s_BASE_URL", NAME);
	if (!is_known_provider(NAME) && !mlm_env_get(e, var)) {
		char alt[300];
		if (meant(name, alt, sizeof alt))
			note(ns, name, origin, line, MLM_VAR_IGNORED,
			    warn_meant(e, name, alt, !strcmp(origin, "environment")), "not read; did you mean %s?", alt);
		else
			note(ns, name, origin, line, MLM_VAR_DROPPED, strcmp(origin, "environment") != 0,
			    "no entries: %s is not a known provider and %s is not set", NAME, var);
		return;
	}
	note(ns, name, origin, line, MLM_VAR_DROPPED, 0, "no entries");
}

/* one variable: status, whether to warn, and why */
static void
review_one(notes *ns, mlm_env *e, const mlm_pool *p, const char *name, const char *value,
    const char *origin, int line, int from_pool_file)
{
	int envv = !strcmp(origin, "environment");
	long num;
	size_t pl;
	char NAME[128], alt[300];
	if (in_list(settings_env, name)) {
		note(ns, name, origin, line, MLM_VAR_USED, 0, "setting");
		return;
	}
	if (in_list(settings_proc, name)) {
		if (envv)
			note(ns, name, origin, line, MLM_VAR_USED, 0, "setting");
		else
			note(ns, name, origin, line, MLM_VAR_DROPPED, 1,
			    "not read: %s is taken from the process environment only", name);
		return;
	}
	if ((pl = split_suffix(name, "API_KEY", &num)) ||
	    ((pl = split_suffix(name, "API_TOKEN", &num)) && !strncmp(name, "CLOUDFLARE_", 11) &&
	    pl == 10)) {
		snprintf(NAME, sizeof NAME, "%.*s", (int)pl, name);
		review_key(ns, e, p, name, value, origin, line, NAME, from_pool_file);
		return;
	}
	static const char *const attached[] = { "BASE_URL", "MODELS", "QUOTA", "PROJECT",
		"ACCOUNT", "ORG", NULL };
	for (const char *const *s = attached; *s; s++) {
		if (!(pl = split_suffix(name, *s, &num)) || (num && !strcmp(*s, "BASE_URL")) ||
		    (num && !strcmp(*s, "MODELS")))
			continue;
		snprintf(NAME, sizeof NAME, "%.*s", (int)pl, name);
		if (!strcmp(NAME, "CLOUDFLARE_API"))
			NAME[10] = 0;
		if (from_pool_file) {
			note(ns, name, origin, line, MLM_VAR_DROPPED, 0, "not used: the pool comes from a pool file");
		} else if (count_provider(p, NAME)) {
			note(ns, name, origin, line, MLM_VAR_USED, 0, "%s of the %s entries",
			    !strcmp(*s, "BASE_URL") ? "address" : !strcmp(*s, "MODELS") ? "models" : "quota owner",
			    NAME);
		} else if (!strcmp(*s, "BASE_URL") && !is_known_provider(NAME) && meant(name, alt, sizeof alt)) {
			note(ns, name, origin, line, MLM_VAR_IGNORED, warn_meant(e, name, alt, envv),
			    "not read; did you mean %s?", alt);
		} else {
			note(ns, name, origin, line, MLM_VAR_DROPPED, 0, "no %s entries (no %s_API_%s with a value)",
			    NAME, NAME, strcmp(NAME, "CLOUDFLARE") ? "KEY" : "TOKEN");
		}
		return;
	}
	if (meant(name, alt, sizeof alt)) {
		note(ns, name, origin, line, MLM_VAR_IGNORED, warn_meant(e, name, alt, envv),
		    "not read; did you mean %s?", alt);
		return;
	}
	if (!envv)
		note(ns, name, origin, line, MLM_VAR_IGNORED, 0, "not a Many-LLM name");
}

size_t
mlm_env_review(mlm_env *e, const mlm_pool *p, int from_pool_file, mlm_var_note **out)
{
	notes ns = { 0 };
	/* the environment: only the names that are Many-LLM's or look like one */
	const char *const *names;
	size_t nn = mlm_env_names(e, &names);
	for (size_t i = 0; i < nn; i++) {
		const char *v = getenv(names[i]);
		if (v)
			review_one(&ns, e, p, names[i], v, "environment", 0, from_pool_file);
	}
	/* the files, line by line */
	for (size_t i = 0; i < mlm_env_count(e); i++) {
		mlm_env_var v;
		mlm_env_var_at(e, i, &v);
		if (v.by_origin) {
			char by[600];
			if (v.by_line)
				snprintf(by, sizeof by, "%s:%d", v.by_origin, v.by_line);
			else
				snprintf(by, sizeof by, "the %s", v.by_origin);
			note(&ns, v.name, v.origin, v.line, MLM_VAR_DROPPED, 0, "replaced by %s", by);
			continue;
		}
		review_one(&ns, e, p, v.name, v.value, v.origin, v.line, from_pool_file);
	}
	*out = ns.v;
	return ns.n;
}

const char *
mlm_var_status_name(int status)
{
	return status == MLM_VAR_USED ? "used" : status == MLM_VAR_DROPPED ? "dropped" : "ignored";
}

void
mlm_var_notes_free(mlm_var_note *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name), free(v[i].where), free(v[i].why);
	free(v);
}
