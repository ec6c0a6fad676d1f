/*
 * catalog.c — what Many-LLM knows about each provider: wire format, default
 * address, key variables, free-tier models and their published limits.
 *
 * The catalog is data, data/catalog.ndjson (format in many-llm(5)): one
 * line per provider and per model. The copy compiled in (catalog-data.c,
 * generated from that file) is read first, then the installed file, the
 * user's $XDG_CONFIG_HOME/many-llm/catalog.ndjson, $LLM_CATALOG and any file
 * a tool names; a later line for the same provider (and model) replaces the
 * earlier one. A bad line is a warning naming its file and line, kept for
 * the tool to print; the library itself never prints.
 *
 * Loaded once, on first use, and kept for the life of the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "lines.h"

#define CATALOG_LINE_MAX (1 << 20)     /* bytes of one catalog line */

#include "catalog-datadir.h"         /* MLM_DATADIR, written by make */

extern const char mlm_catalog_builtin[];     /* catalog-data.c */

static const char *const win_names[MLM_WIN__N] = {
	"rpm", "rph", "rpd", "rpmo", "tpm", "tpd", "tpmo", "conc", "npd",
};
static const char *const reset_names[MLM_WRESET__N] = { "rolling", "utc", "pacific", "month" };

const char *
mlm_window_name(int kind)
{
	return kind >= 0 && kind < MLM_WIN__N ? win_names[kind] : "?";
}

const char *
mlm_wreset_name(int reset)
{
	return reset >= 0 && reset < MLM_WRESET__N ? reset_names[reset] : "?";
}

static int
name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

struct cprov {
	mlm_provider p;
	mlm_catalog_model *models;         /* nm used, cap allocated, +1 sentinel */
	size_t nm, cap;
};

static struct cprov *provs;
static size_t nprov, provcap;
static const mlm_provider **plist;   /* stable pointers, for mlm_provider_at */
static char *warns[64];
static size_t nwarns;
static const char *extra_files[8];
static size_t nextra;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
warn(const char *origin, const char *fmt, ...)
{
	size_t cap = sizeof warns / sizeof *warns;
	if (nwarns >= cap)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (nwarns == cap - 1)
		snprintf(msg, sizeof msg, "more bad lines; warnings stop here");
	size_t n = strlen(origin) + strlen(msg) + 3;
	char *w = malloc(n);
	if (w) {
		snprintf(w, n, "%s: %s", origin, msg);
		warns[nwarns++] = w;
	}
}

static struct cprov *
prov_find(const char *name)
{
	for (size_t i = 0; i < nprov; i++)
		if (!strcmp(provs[i].p.name, name))
			return &provs[i];
	return NULL;
}

static const char *
jstr(jv o, const char *k, int *bad)
{
	jv v = mlm_jfield(o, k);
	const char *s = NULL;
	if (jv_get_kind(v) == JV_KIND_STRING)
		s = mlm_strdup(jv_string_value(v));
	else if (jv_get_kind(v) != JV_KIND_INVALID && jv_get_kind(v) != JV_KIND_NULL)
		*bad = 1;
	jv_free(v);
	return s;
}

/* a whole non-negative number; -1 when absent, -2 when another number;
 * *bad when not a number */
static long
jlong(jv o, const char *k, int *bad)
{
	jv v = mlm_jfield(o, k);
	long r = -1;
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		double d = jv_number_value(v);
		r = d >= 0 && d < 1e15 && d == (double)(long)d ? (long)d : -2;
	} else if (jv_get_kind(v) != JV_KIND_INVALID && jv_get_kind(v) != JV_KIND_NULL) {
		*bad = 1;
	}
	jv_free(v);
	return r;
}

/* "limits": [{"window","max","reset","source","read"}]; -1 with a reason */
static int
parse_windows(jv o, mlm_window **out, size_t *nout, char *why, size_t wl)
{
	jv a = mlm_jfield(o, "limits");
	*out = NULL;
	*nout = 0;
	if (jv_get_kind(a) == JV_KIND_INVALID || jv_get_kind(a) == JV_KIND_NULL) {
		jv_free(a);
		return 0;
	}
	if (jv_get_kind(a) != JV_KIND_ARRAY) {
		jv_free(a);
		return mlm_err(why, wl, "\"limits\" is not an array");
	}
	int n = jv_array_length(jv_copy(a));
	mlm_window *w = calloc((size_t)n + 1, sizeof *w);
	for (int i = 0; w && i < n; i++) {
		jv l = jv_array_get(jv_copy(a), i);
		int bad = jv_get_kind(l) != JV_KIND_OBJECT;
		const char *kind = bad ? NULL : jstr(l, "window", &bad);
		const char *reset = bad ? NULL : jstr(l, "reset", &bad);
		long max = bad ? -1 : jlong(l, "max", &bad);
		w[i].source = bad ? NULL : jstr(l, "source", &bad);
		w[i].read = bad ? NULL : jstr(l, "read", &bad);
		w[i].kind = name_index(win_names, MLM_WIN__N, kind);
		w[i].reset = reset ? name_index(reset_names, MLM_WRESET__N, reset) : MLM_WRESET_ROLLING;
		w[i].max = max;
		jv_free(l);
		int r = 0;
		if (bad)
			r = mlm_err(why, wl, "limit %d: not an object of strings and numbers", i + 1);
		else if (w[i].kind < 0)
			r = mlm_err(why, wl, "limit %d: unknown window \"%s\" (rpm, rph, rpd, rpmo, "
			    "tpm, tpd, tpmo, conc, npd)", i + 1, kind ? kind : "");
		else if (w[i].reset < 0)
			r = mlm_err(why, wl, "limit %d: unknown reset \"%s\" (rolling, utc, pacific, "
			    "month)", i + 1, reset);
		else if (max < 0)
			r = mlm_err(why, wl, "limit %d: \"max\" is not a whole number", i + 1);
		free((char *)kind), free((char *)reset);
		if (r < 0) {
			jv_free(a);
			free(w);
			return -1;
		}
	}
	jv_free(a);
	*out = w;
	*nout = (size_t)n;
	return 0;
}

/* what the scheduler honours today, from the windows */
static mlm_limits
limits_of(const mlm_window *w, size_t n, int per_model)
{
	mlm_limits l = { 0 };
	l.per_model = per_model;
	for (size_t i = 0; i < n; i++) {
		switch (w[i].kind) {
		case MLM_WIN_RPM: l.rpm = w[i].max; break;
		case MLM_WIN_RPD: l.rpd = w[i].max; break;
		case MLM_WIN_TPM: l.tpm = w[i].max; break;
		case MLM_WIN_CONC: l.conc = w[i].max; break;
		default: break;
		}
		if (w[i].kind >= 0 && w[i].kind < MLM_WIN__N) {
			l.wmax[w[i].kind] = w[i].max;
			l.wreset[w[i].kind] = (unsigned char)w[i].reset;
		}
		int daily = w[i].kind == MLM_WIN_RPD || w[i].kind == MLM_WIN_TPD ||
		    w[i].kind == MLM_WIN_NPD;
		if (daily && !l.reset && (w[i].reset == MLM_WRESET_UTC || w[i].reset == MLM_WRESET_PACIFIC))
			l.reset = w[i].reset;
	}
	return l;
}

/* "neurons": {"in": N, "out": N}, Cloudflare's neurons per million input
 * and output tokens (windows.c charges the daily neuron budget with them) */
static int
parse_neurons(jv o, mlm_limits *l)
{
	jv n = mlm_jfield(o, "neurons");
	int k = jv_get_kind(n), bad = 0;
	if (k == JV_KIND_OBJECT) {
		long in = jlong(n, "in", &bad), out = jlong(n, "out", &bad);
		if (in < 0 || out == -2)
			bad = 1;
		l->neu_in = in > 0 ? in : 0;
		l->neu_out = out > 0 ? out : 0;
	} else if (k != JV_KIND_INVALID && k != JV_KIND_NULL) {
		bad = 1;
	}
	jv_free(n);
	return bad ? -1 : 0;
}

static unsigned
parse_caps(jv o, int *bad)
{
	jv a = mlm_jfield(o, "caps");
	unsigned f = 0;
	if (jv_get_kind(a) == JV_KIND_ARRAY) {
		int n = jv_array_length(jv_copy(a));
		for (int i = 0; i < n; i++) {
			jv c = jv_array_get(jv_copy(a), i);
			const char *s = jv_get_kind(c) == JV_KIND_STRING ? jv_string_value(c) : "";
			if (!strcmp(s, "schema"))
				f |= MLM_FEAT_SCHEMA;
			else if (!strcmp(s, "json"))
				f |= MLM_FEAT_JSON;
			else if (!strcmp(s, "stream"))
				f |= MLM_FEAT_STREAM;
			else if (!strcmp(s, "embedding"))
				f |= MLM_FEAT_EMBED;
			else if (!strcmp(s, "vision"))
				f |= MLM_FEAT_VISION;
			else if (!strcmp(s, "tools"))
				f |= MLM_FEAT_TOOLS;
			else
				*bad = 1;
			jv_free(c);
		}
	} else if (jv_get_kind(a) != JV_KIND_INVALID) {
		*bad = 1;
	}
	jv_free(a);
	return f;
}

static const char *const *
parse_keys(jv o, size_t *n, int *bad)
{
	jv a = mlm_jfield(o, "keys");
	char **k = NULL;
	*n = 0;
	if (jv_get_kind(a) == JV_KIND_ARRAY) {
		int len = jv_array_length(jv_copy(a));
		k = calloc((size_t)len + 1, sizeof *k);
		for (int i = 0; k && i < len; i++) {
			jv s = jv_array_get(jv_copy(a), i);
			if (jv_get_kind(s) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(s)) > 0)
				k[(*n)++] = mlm_strdup(jv_string_value(s));
			else
				*bad = 1;
			jv_free(s);
		}
	} else if (jv_get_kind(a) != JV_KIND_INVALID) {
		*bad = 1;
	}
	jv_free(a);
	return (const char *const *)k;
}

static int
add_provider_line(jv o, const char *name, const char *origin)
{
	int bad = 0;
	const char *wire = jstr(o, "wire", &bad);
	struct cprov *c = prov_find(name);
	int w = wire ? mlm_wire_parse(wire) : c ? c->p.wire : MLM_WIRE_OPENAI;
	if (w < 0) {
		warn(origin, "unknown wire \"%s\" (%s): line ignored", wire, mlm_wire_names());
		free((char *)wire);
		return -1;
	}
	free((char *)wire);
	mlm_provider p = { 0 };
	p.wire = w;
	p.base_url = jstr(o, "base_url", &bad);
	p.source = jstr(o, "source", &bad);
	p.read = jstr(o, "read", &bad);
	p.keys = parse_keys(o, &p.nkeys, &bad);
	char why[256];
	mlm_window *win;
	if (bad || parse_windows(o, &win, &p.nwindows, why, sizeof why) < 0) {
		warn(origin, "%s: line ignored", bad ? "a field has the wrong type" : why);
		return -1;
	}
	p.windows = win;
	p.lim = limits_of(win, p.nwindows, 0);
	p.origin = mlm_strdup(origin);
	if (!c) {
		if (nprov == provcap) {
			size_t nc = provcap ? provcap * 2 : 32;
			struct cprov *np = realloc(provs, nc * sizeof *np);
			if (!np)
				return -1;
			provs = np;
			provcap = nc;
		}
		c = &provs[nprov++];
		memset(c, 0, sizeof *c);
	}
	p.name = c->p.name ? c->p.name : mlm_strdup(name);
	c->p = p;
	return 0;
}

static int
add_model_line(jv o, const char *name, const char *model, const char *origin)
{
	struct cprov *c = prov_find(name);
	if (!c) {
		warn(origin, "model %s of unknown provider \"%s\" (no provider line before it): "
		    "line ignored", model, name);
		return -1;
	}
	int bad = 0;
	mlm_catalog_model m = { 0 };
	long ctx = jlong(o, "context", &bad);
	if (ctx == -2)
		bad = 1;
	m.window = ctx > 0 ? ctx : 0;
	m.features = parse_caps(o, &bad);
	long *num[] = { &m.dims, &m.max_batch, &m.max_input_tokens, &m.max_batch_tokens };
	const char *numk[] = { "dims", "max_batch", "max_input_tokens", "max_batch_tokens" };
	for (int i = 0; i < 4; i++) {
		long v = jlong(o, numk[i], &bad);
		if (v == -2)
			bad = 1;
		*num[i] = v > 0 ? v : 0;
	}
	jv pm = mlm_jfield(o, "per_model");
	int per_model = jv_get_kind(pm) == JV_KIND_TRUE;
	if (jv_get_kind(pm) != JV_KIND_INVALID && jv_get_kind(pm) != JV_KIND_TRUE &&
	    jv_get_kind(pm) != JV_KIND_FALSE)
		bad = 1;
	jv_free(pm);
	char why[256];
	mlm_window *win;
	if (bad || parse_windows(o, &win, &m.nwindows, why, sizeof why) < 0) {
		warn(origin, "%s: line ignored", bad ? "a field has the wrong type" : why);
		return -1;
	}
	m.windows = win;
	m.lim = limits_of(win, m.nwindows, per_model);
	if (parse_neurons(o, &m.lim) < 0) {
		warn(origin, "\"neurons\" is not {\"in\": N, \"out\": N} of whole numbers: line ignored");
		free(win);
		return -1;
	}
	m.origin = mlm_strdup(origin);
	for (size_t i = 0; i < c->nm; i++)
		if (!strcmp(c->models[i].model, model)) {
			m.model = c->models[i].model;
			c->models[i] = m;
			return 0;
		}
	if (c->nm + 1 >= c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 8;
		mlm_catalog_model *nm = realloc(c->models, nc * sizeof *nm);
		if (!nm)
			return -1;
		c->models = nm;
		c->cap = nc;
	}
	m.model = mlm_strdup(model);
	c->models[c->nm++] = m;
	return 0;
}

static void
add_line(const char *line, size_t len, const char *origin)
{
	const char *s = line;
	while (s < line + len && (*s == ' ' || *s == '\t'))
		s++;
	if (s == line + len || *s == '#')
		return;
	jv o = jv_parse_sized(line, (int)len);
	if (!jv_is_valid(o)) {
		/* jq's reason, without its quote of the line (which may be binary) */
		jv m = jv_invalid_get_msg(o);
		const char *r = jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "?";
		const char *q = strstr(r, " (while parsing");
		warn(origin, "invalid JSON (%.*s): line ignored", (int)(q ? (size_t)(q - r) : strlen(r)), r);
		jv_free(m);
		return;
	}
	if (jv_get_kind(o) != JV_KIND_OBJECT) {
		warn(origin, "a catalog line is a JSON object: line ignored");
		jv_free(o);
		return;
	}
	int bad = 0;
	char *prov = (char *)jstr(o, "provider", &bad);
	char *model = (char *)jstr(o, "model", &bad);
	if (!prov || !*prov || bad)
		warn(origin, "missing \"provider\": line ignored");
	else if (model && !*model)
		warn(origin, "empty \"model\": line ignored");
	else if (model)
		add_model_line(o, prov, model, origin);
	else
		add_provider_line(o, prov, origin);
	free(prov), free(model);
	jv_free(o);
}

/* the built-in text, with the same reader and rules as the files */
static void
add_text(const char *text, const char *name)
{
	mlm_lines *r = mlm_lines_mem(text, strlen(text), name, CATALOG_LINE_MAX);
	char origin[600], err[MLM_ERRLEN];
	mlm_line l;
	while (r && mlm_lines_next(r, &l, err, sizeof err) > 0) {
		mlm_lines_pos(r, origin, sizeof origin);
		if (l.toolong)
			warn(origin, "longer than %d bytes: line ignored", CATALOG_LINE_MAX);
		else
			add_line(l.text, l.len, origin);
	}
	mlm_lines_close(r);
}

/* a file layer; quiet when absent unless required. Read with the one
 * bounded line reader (lines.h): file:line positions, one CR/LF rule. */
static void
add_file(const char *path, int required)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (required || errno != ENOENT)
			warn(path, "%s: catalog file not read", strerror(errno));
		return;
	}
	mlm_lines *r = mlm_lines_fd(fd, path, CATALOG_LINE_MAX);
	char origin[600], err[MLM_ERRLEN];
	mlm_line l;
	int k;
	while (r && (k = mlm_lines_next(r, &l, err, sizeof err)) > 0) {
		mlm_lines_pos(r, origin, sizeof origin);
		if (l.toolong)
			warn(origin, "longer than %d bytes: line ignored", CATALOG_LINE_MAX);
		else if (memchr(l.text, 0, l.len))
			warn(origin, "a NUL byte: line ignored");
		else
			add_line(l.text, l.len, origin);
	}
	if (r && k < 0)
		warn(path, "%s: catalog file not read to its end", err);
	mlm_lines_close(r);
	close(fd);
}

static void
load(void)
{
	add_text(mlm_catalog_builtin, "catalog.ndjson (built in)");
	add_file(MLM_DATADIR "/many-llm/catalog.ndjson", 0);
	char path[4096];
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	if (x && *x == '/')
		snprintf(path, sizeof path, "%s/many-llm/catalog.ndjson", x);
	else if (h && *h)
		snprintf(path, sizeof path, "%s/.config/many-llm/catalog.ndjson", h);
	else
		*path = 0;
	if (*path)
		add_file(path, 0);
	const char *l = getenv("LLM_CATALOG");
	if (l && *l)
		add_file(l, 1);
	for (size_t i = 0; i < nextra; i++)
		add_file(extra_files[i], 1);
	/* sentinels and stable pointers */
	plist = calloc(nprov + 1, sizeof *plist);
	for (size_t i = 0; i < nprov; i++) {
		struct cprov *c = &provs[i];
		if (c->nm + 1 > c->cap) {
			mlm_catalog_model *nm = realloc(c->models, (c->nm + 1) * sizeof *nm);
			if (nm)
				c->models = nm, c->cap = c->nm + 1;
		}
		if (c->models)
			memset(&c->models[c->nm], 0, sizeof *c->models);
		static const mlm_catalog_model none[1];
		c->p.models = c->models ? c->models : none;
		if (plist)
			plist[i] = &c->p;
	}
}

static void
ensure(void)
{
	pthread_once(&once, load);
}

void
mlm_catalog_add_file(const char *path)
{
	if (path && nextra < sizeof extra_files / sizeof *extra_files)
		extra_files[nextra++] = path;
}

size_t
mlm_catalog_warnings(const char *const **w)
{
	ensure();
	*w = (const char *const *)warns;
	return nwarns;
}

const mlm_provider *
mlm_provider_find(const char *name)
{
	ensure();
	for (size_t i = 0; name && i < nprov; i++)
		if (!strcmp(provs[i].p.name, name))
			return &provs[i].p;
	return NULL;
}

const mlm_provider *
mlm_provider_at(size_t i)
{
	ensure();
	return plist && i < nprov ? plist[i] : NULL;
}

const mlm_catalog_model *
mlm_catalog_model_find(const mlm_provider *p, const char *model)
{
	if (!p || !model)
		return NULL;
	for (const mlm_catalog_model *m = p->models; m->model; m++)
		if (!strcmp(m->model, model))
			return m;
	return NULL;
}

static jv
windows_json(const mlm_window *w, size_t n)
{
	jv a = jv_array();
	for (size_t i = 0; i < n; i++) {
		jv o = jv_object();
		o = jv_object_set(o, jv_string("window"), jv_string(mlm_window_name(w[i].kind)));
		o = jv_object_set(o, jv_string("max"), jv_number((double)w[i].max));
		o = jv_object_set(o, jv_string("reset"), jv_string(mlm_wreset_name(w[i].reset)));
		if (w[i].source)
			o = jv_object_set(o, jv_string("source"), jv_string(w[i].source));
		if (w[i].read)
			o = jv_object_set(o, jv_string("read"), jv_string(w[i].read));
		a = jv_array_append(a, o);
	}
	return a;
}

static jv
provider_json(const mlm_provider *p)
{
	jv o = jv_object();
#define SET(k, v) o = jv_object_set(o, jv_string(k), v)
	SET("provider", jv_string(p->name));
	SET("wire", jv_string(mlm_wire_name(p->wire)));
	if (p->base_url)
		SET("base_url", jv_string(p->base_url));
	jv k = jv_array();
	for (size_t i = 0; i < p->nkeys; i++)
		k = jv_array_append(k, jv_string(p->keys[i]));
	SET("keys", k);
	if (p->source)
		SET("source", jv_string(p->source));
	if (p->read)
		SET("read", jv_string(p->read));
	if (p->nwindows)
		SET("limits", windows_json(p->windows, p->nwindows));
	SET("from", jv_string(p->origin));
	return o;
}

static jv
model_json(const mlm_provider *p, const mlm_catalog_model *m)
{
	jv o = jv_object();
	SET("provider", jv_string(p->name));
	SET("model", jv_string(m->model));
	if (m->window)
		SET("context", jv_number((double)m->window));
	jv c = jv_array();
	if (m->features & MLM_FEAT_SCHEMA)
		c = jv_array_append(c, jv_string("schema"));
	if (m->features & MLM_FEAT_JSON)
		c = jv_array_append(c, jv_string("json"));
	if (m->features & MLM_FEAT_STREAM)
		c = jv_array_append(c, jv_string("stream"));
	if (m->features & MLM_FEAT_EMBED)
		c = jv_array_append(c, jv_string("embedding"));
	if (m->features & MLM_FEAT_VISION)
		c = jv_array_append(c, jv_string("vision"));
	if (m->features & MLM_FEAT_TOOLS)
		c = jv_array_append(c, jv_string("tools"));
	SET("caps", c);
	if (m->dims)
		SET("dims", jv_number((double)m->dims));
	if (m->max_batch)
		SET("max_batch", jv_number((double)m->max_batch));
	if (m->max_input_tokens)
		SET("max_input_tokens", jv_number((double)m->max_input_tokens));
	if (m->max_batch_tokens)
		SET("max_batch_tokens", jv_number((double)m->max_batch_tokens));
	SET("per_model", jv_bool(m->lim.per_model));
	if (m->lim.neu_in) {
		jv n = jv_object_set(jv_object(), jv_string("in"), jv_number((double)m->lim.neu_in));
		if (m->lim.neu_out)
			n = jv_object_set(n, jv_string("out"), jv_number((double)m->lim.neu_out));
		SET("neurons", n);
	}
	SET("limits", windows_json(m->windows, m->nwindows));
	SET("from", jv_string(m->origin));
#undef SET
	return o;
}

jv
mlm_catalog_json(void)
{
	ensure();
	jv a = jv_array();
	for (size_t i = 0; i < nprov; i++) {
		a = jv_array_append(a, provider_json(&provs[i].p));
		for (const mlm_catalog_model *m = provs[i].p.models; m->model; m++)
			a = jv_array_append(a, model_json(&provs[i].p, m));
	}
	return a;
}
