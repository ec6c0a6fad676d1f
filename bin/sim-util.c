/*
 * sim-util.c — llm-sim's small helpers: memory that aborts when it runs out,
 * growing strings, the clocks, Go durations as OpenAI writes them, jv
 * helpers, and the flavors' names and default models.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

/* ---------- small helpers ---------- */

static void
die_nomem(void)
{
	static const char m[] = PROG ": out of memory\n";
	if (write(2, m, sizeof m - 1) < 0) {
		/* nothing more to do */
	}
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die_nomem();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die_nomem();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

void
sb_add(struct sb *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t c = b->cap ? b->cap : 256;
		while (c < b->len + n + 1)
			c *= 2;
		b->p = xrealloc(b->p, c);
		b->cap = c;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void
sb_puts(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Go duration as OpenAI writes it: "20ms", "1.5s", "6m0s", "1h2m3s". */
void
go_dur(int64_t ms, char *out, size_t n)
{
	char sec[32];
	long long h, m, s, f;

	if (ms <= 0) {
		snprintf(out, n, "0s");
		return;
	}
	if (ms < 1000) {
		snprintf(out, n, "%lldms", (long long)ms);
		return;
	}
	h = ms / 3600000;
	m = ms / 60000 % 60;
	s = ms / 1000 % 60;
	f = ms % 1000;
	if (f) {
		size_t l;
		snprintf(sec, sizeof sec, "%lld.%03lld", s, f);
		l = strlen(sec);
		while (sec[l - 1] == '0')
			sec[--l] = 0;
	} else
		snprintf(sec, sizeof sec, "%lld", s);
	if (h)
		snprintf(out, n, "%lldh%lldm%ss", h, m, sec);
	else if (m)
		snprintf(out, n, "%lldm%ss", m, sec);
	else
		snprintf(out, n, "%ss", sec);
}

/* jv helpers. jget borrows o and returns a new reference (maybe invalid). */
jv
jget(jv o, const char *k)
{
	if (jv_get_kind(o) != JV_KIND_OBJECT)
		return jv_invalid();
	return jv_object_get(jv_copy(o), jv_string(k));
}

jv
jset(jv o, const char *k, jv v)
{
	return jv_object_set(o, jv_string(k), v);
}

/* Returns a malloc'd dump of v (consumed) and its length. */
char *
jdump(jv v, size_t *lenp)
{
	jv s = jv_dump_string(v, 0);
	const char *c = jv_string_value(s);
	size_t n = strlen(c);
	char *p = xstrndup(c, n);
	jv_free(s);
	if (lenp)
		*lenp = n;
	return p;
}

int
jbool(jv o, const char *k)
{
	jv v = jget(o, k);
	int r = jv_get_kind(v) == JV_KIND_TRUE;
	jv_free(v);
	return r;
}

/* ---------- the flavors ---------- */

const char *const flavor_names[] = { "openai", "gemini", "zhipu", "cloudflare" };
/* Listed by GET .../models unless LLM_SIM_MODELS says otherwise; the first
 * is the model an error message names when the request names none. */
const char *const default_models[4][4] = {
	{ "gpt-4o-mini", "gpt-4.1-nano", "sim-small", NULL },
	{ "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro", NULL },
	{ "glm-4.7-flash", "glm-4-flash-250414", NULL, NULL },
	{ "@cf/meta/llama-3.1-8b-instruct", "@cf/meta/llama-3.3-70b-instruct-fp8-fast", NULL, NULL },
};

const char *
model_or(struct ctx *x, const char *dflt)
{
	return x->model && *x->model ? x->model : dflt;
}
