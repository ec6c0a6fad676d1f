/*
 * sim-embed.c — llm-sim's embeddings.
 *
 * Endpoints: OpenAI-compatible POST .../embeddings (OpenAI, Zhipu: "input"
 * a string or an array of strings, "dimensions", "encoding_format" float or
 * base64); Gemini POST .../models/M:embedContent and :batchEmbedContents
 * ("taskType", "outputDimensionality"); Cloudflare POST .../ai/run/@cf/baai/
 * bge-* ({"text": str or [str]} → result.shape / result.data).
 *
 * A vector is a unit vector of float32 values drawn from a generator seeded
 * by FNV-1a 64 over "MODEL\0TEXT": the same text and model always give the
 * same vector, any other text or model another. Its length is the asked
 * dimensions (Cloudflare's models have fixed ones), else the model's own.
 * Batch limits: OpenAI 2048 inputs, Gemini 100, Cloudflare 100, Zhipu 64.
 * Token limits (a token for every 4 bytes, rounded up), each the provider's
 * published figure: an input at most OpenAI 8192, Gemini 2048, Zhipu
 * embedding-2 512 and embedding-3 3072, Cloudflare bge-m3 8192 and the
 * other bge models 512; a request at most OpenAI 300,000 over its inputs,
 * Zhipu embedding-2 8192. An input over its limit is refused with the
 * provider's context error (OpenAI with its embedding wording).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim-embed.h"

long
sim_embed_limit(int fl)
{
	switch (fl) {
	case SIM_EMB_OPENAI: return 2048;
	case SIM_EMB_GEMINI: return 100;
	case SIM_EMB_CLOUDFLARE: return 100;
	case SIM_EMB_ZHIPU: return 64;
	}
	return 64;
}

static int
ends(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

int
sim_embed_route(const char *path, int fl, char **model)
{
	*model = NULL;
	if (fl == SIM_EMB_GEMINI) {
		const char *m = strstr(path, "/models/"), *colon = m ? strrchr(m, ':') : NULL;
		if (!colon || (strcmp(colon, ":embedContent") && strcmp(colon, ":batchEmbedContents")))
			return 0;
		*model = strndup(m + 8, (size_t)(colon - m - 8));
		return 1;
	}
	if (fl == SIM_EMB_CLOUDFLARE) {
		const char *r = strstr(path, "/ai/run/");
		if (!r || !strstr(r, "@cf/baai/bge-"))
			return 0;
		*model = strdup(r + 8);
		return 1;
	}
	return ends(path, "/embeddings");
}

/* The model's own dimensions. */
static long
model_dims(const char *m)
{
	static const struct { const char *pat; long d; } t[] = {
		{ "text-embedding-3-large", 3072 }, { "text-embedding-3-small", 1536 },
		{ "text-embedding-ada-002", 1536 }, { "gemini-embedding-001", 3072 },
		{ "text-embedding-004", 768 }, { "embedding-3", 2048 }, { "embedding-2", 1024 },
		{ "bge-small", 384 }, { "bge-base", 768 }, { "bge-large", 1024 }, { "bge-m3", 1024 },
	};
	for (size_t i = 0; m && i < sizeof t / sizeof t[0]; i++)
		if (strstr(m, t[i].pat))
			return t[i].d;
	return 8;
}

static jv
get(jv o, const char *k)
{
	return jv_get_kind(o) == JV_KIND_OBJECT ? jv_object_get(jv_copy(o), jv_string(k)) : jv_invalid();
}

static long
num(jv o, const char *k)
{
	jv v = get(o, k);
	long r = jv_get_kind(v) == JV_KIND_NUMBER ? (long)jv_number_value(v) : 0;
	jv_free(v);
	return r;
}

/* The texts of a request, as an array of strings, or jv_invalid with msg. */
static jv
gemini_text(jv r, char *msg, size_t n)
{
	jv parts = get(r, "content");
	jv p = get(parts, "parts");
	jv_free(parts);
	if (jv_get_kind(p) != JV_KIND_ARRAY || jv_array_length(jv_copy(p)) < 1) {
		jv_free(p);
		snprintf(msg, n, "* EmbedContentRequest.content: contents is not specified");
		return jv_invalid();
	}
	jv t = jv_string("");
	jv_array_foreach(p, i, x) {
		jv s = get(x, "text");
		if (jv_get_kind(s) == JV_KIND_STRING)
			t = jv_string_concat(t, s);
		else
			jv_free(s);
		jv_free(x);
	}
	jv_free(p);
	return t;
}

static jv
texts(int fl, const char *path, jv req, char *msg, size_t n)
{
	jv in;
	if (fl == SIM_EMB_GEMINI) {
		if (!ends(path, ":batchEmbedContents")) {
			jv t = gemini_text(req, msg, n);
			return jv_is_valid(t) ? jv_array_append(jv_array(), t) : t;
		}
		jv rs = get(req, "requests");
		if (jv_get_kind(rs) != JV_KIND_ARRAY || jv_array_length(jv_copy(rs)) < 1) {
			jv_free(rs);
			snprintf(msg, n, "* BatchEmbedContentsRequest.requests: requests is not specified");
			return jv_invalid();
		}
		in = jv_array();
		jv_array_foreach(rs, i, r) {
			jv t = jv_is_valid(in) ? gemini_text(r, msg, n) : jv_invalid();
			jv_free(r);
			if (!jv_is_valid(t) || !jv_is_valid(in)) {
				jv_free(t);
				jv_free(in);
				in = jv_invalid();
				continue;
			}
			in = jv_array_append(in, t);
		}
		jv_free(rs);
		return in;
	}
	in = get(req, fl == SIM_EMB_CLOUDFLARE ? "text" : "input");
	if (jv_get_kind(in) == JV_KIND_STRING)
		in = jv_array_append(jv_array(), in);
	int bad = jv_get_kind(in) != JV_KIND_ARRAY || jv_array_length(jv_copy(in)) < 1;
	if (!bad)
		jv_array_foreach(in, i, x) {
			if (jv_get_kind(x) != JV_KIND_STRING || jv_string_length_bytes(jv_copy(x)) == 0)
				bad = 1;
			jv_free(x);
		}
	if (bad) {
		jv_free(in);
		snprintf(msg, n, fl == SIM_EMB_CLOUDFLARE ? "'text' must be a non-empty string or array of strings"
		    : "'$.input' is invalid: a non-empty string or array of non-empty strings is required");
		return jv_invalid();
	}
	return in;
}

/* A text's tokens as llm-sim counts them: one for every 4 bytes, rounded up. */
static long
tokens_of(jv t)
{
	return ((long)jv_string_length_bytes(jv_copy(t)) + 3) / 4;
}

long
sim_embed_input_max(int fl, const char *model)
{
	switch (fl) {
	case SIM_EMB_GEMINI: return 2048;
	case SIM_EMB_ZHIPU: return model && strstr(model, "embedding-2") ? 512 : 3072;
	case SIM_EMB_CLOUDFLARE: return model && strstr(model, "bge-m3") ? 8192 : 512;
	}
	return 8192;    /* OpenAI, and any OpenAI-compatible host */
}

long
sim_embed_request_max(int fl, const char *model)
{
	if (fl == SIM_EMB_OPENAI)
		return 300000;
	if (fl == SIM_EMB_ZHIPU && model && strstr(model, "embedding-2"))
		return 8192;
	return 0;
}

/* The request's inputs against the model's token limits: 0 with *tokens
 * the request's tokens, -1 with msg, -2 with *tokens and *max for one
 * input over the model's limit (answered as the flavour's context error). */
static int
check_tokens(int fl, const char *model, jv in, char *msg, size_t n, long *tokens, long *max)
{
	long tok = 0, big = 0, lim = sim_embed_input_max(fl, model), rmax = sim_embed_request_max(fl, model);
	jv_array_foreach(in, i, t) {
		long k = tokens_of(t);
		tok += k;
		if (k > lim && !big)
			big = k;
		jv_free(t);
	}
	jv_free(in);
	*tokens = tok;
	if (big && fl == SIM_EMB_OPENAI) {
		/* as OpenAI words it for an embedding input */
		snprintf(msg, n, "This model's maximum context length is %ld tokens, however you "
		    "requested %ld tokens (%ld in your prompt; 0 for the completion). Please reduce "
		    "your prompt; or completion length.", lim, big, big);
		return -1;
	}
	if (big) {
		*tokens = big;
		*max = lim;
		return -2;
	}
	if (rmax && tok > rmax) {
		if (fl == SIM_EMB_OPENAI)
			snprintf(msg, n, "Requested %ld tokens, max %ld tokens per request", tok, rmax);
		else
			snprintf(msg, n, "输入数组总长度 %ld tokens，超过上限 %ld", tok, rmax);
		return -1;
	}
	return 0;
}

int
sim_embed_check(int fl, const char *path, const char *model, jv req, char *msg, size_t n,
    long *tokens, long *max)
{
	*tokens = *max = 0;
	jv in = texts(fl, path, req, msg, n);
	if (!jv_is_valid(in))
		return -1;
	long k = jv_array_length(jv_copy(in)), lim = sim_embed_limit(fl);
	if (k > lim) {
		jv_free(in);
		if (fl == SIM_EMB_GEMINI)
			snprintf(msg, n, "* BatchEmbedContentsRequest.requests: at most %ld requests can be in one batch", lim);
		else
			snprintf(msg, n, "too many inputs: %ld, at most %ld in one request", k, lim);
		return -1;
	}
	return check_tokens(fl, model, in, msg, n, tokens, max);
}

static uint64_t
seed_of(const char *model, const char *text)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *s = model ? model : ""; ; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
		if (!*s)
			break;
	}
	for (const char *s = text; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The vector of text under model: float32 values, unit length. */
static float *
vector(const char *model, const char *text, long d)
{
	float *v = malloc((size_t)d * sizeof *v);
	uint64_t s = seed_of(model, text);
	double sum = 0;
	for (long i = 0; i < d; i++) {
		double u = (double)(splitmix(&s) >> 11) / 9007199254740992.0 * 2 - 1;
		v[i] = (float)u;
		sum += u * u;
	}
	double norm = sqrt(sum);
	for (long i = 0; i < d; i++)
		v[i] = (float)(v[i] / (norm > 0 ? norm : 1));
	return v;
}

static jv
as_numbers(const float *v, long d)
{
	jv a = jv_array();
	for (long i = 0; i < d; i++)
		a = jv_array_append(a, jv_number((double)v[i]));
	return a;
}

static jv
as_base64(const float *v, long d)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = (size_t)d * 4;
	unsigned char *b = malloc(n);
	for (long i = 0; i < d; i++) {
		uint32_t u;
		memcpy(&u, &v[i], 4);
		for (int k = 0; k < 4; k++)
			b[i * 4 + k] = (unsigned char)(u >> (8 * k));
	}
	char *o = malloc(n / 3 * 4 + 8), *p = o;
	size_t i = 0;
	for (; i + 2 < n; i += 3) {
		uint32_t x = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];
		*p++ = al[x >> 18], *p++ = al[(x >> 12) & 63], *p++ = al[(x >> 6) & 63], *p++ = al[x & 63];
	}
	if (n - i == 1) {
		uint32_t x = (uint32_t)b[i] << 16;
		*p++ = al[x >> 18], *p++ = al[(x >> 12) & 63], *p++ = '=', *p++ = '=';
	} else if (n - i == 2) {
		uint32_t x = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8;
		*p++ = al[x >> 18], *p++ = al[(x >> 12) & 63], *p++ = al[(x >> 6) & 63], *p++ = '=';
	}
	*p = 0;
	jv s = jv_string(o);
	free(o), free(b);
	return s;
}

/* The asked dimensions (0: the model's own). */
static long
asked(int fl, const char *path, jv req)
{
	if (fl == SIM_EMB_CLOUDFLARE)
		return 0;       /* fixed dimensions */
	if (fl != SIM_EMB_GEMINI)
		return num(req, "dimensions");
	if (!ends(path, ":batchEmbedContents"))
		return num(req, "outputDimensionality");
	jv rs = get(req, "requests");
	jv r0 = jv_array_get(rs, 0);
	long d = num(r0, "outputDimensionality");
	jv_free(r0);
	return d;
}

jv
sim_embed_answer(int fl, const char *path, const char *model, jv req)
{
	char msg[200];
	jv in = texts(fl, path, req, msg, sizeof msg);
	long d = asked(fl, path, req);
	if (d <= 0)
		d = model_dims(model);
	jv f = get(req, "encoding_format");
	int b64 = jv_get_kind(f) == JV_KIND_STRING && !strcmp(jv_string_value(f), "base64");
	jv_free(f);
	jv data = jv_array();
	long tok = 0;
	jv_array_foreach(in, i, t) {
		const char *s = jv_string_value(t);
		tok += ((long)strlen(s) + 3) / 4;
		float *v = vector(model, s, d);
		jv vec = b64 ? as_base64(v, d) : as_numbers(v, d);
		free(v);
		jv_free(t);
		if (fl == SIM_EMB_GEMINI)
			data = jv_array_append(data, jv_object_set(jv_object(), jv_string("values"), vec));
		else if (fl == SIM_EMB_CLOUDFLARE)
			data = jv_array_append(data, vec);
		else
			data = jv_array_append(data, jv_object_set(jv_object_set(jv_object_set(jv_object(),
			    jv_string("object"), jv_string("embedding")), jv_string("index"), jv_number(i)),
			    jv_string("embedding"), vec));
	}
	long n = jv_array_length(in);
	if (fl == SIM_EMB_GEMINI) {
		if (!ends(path, ":batchEmbedContents")) {
			jv one = jv_array_get(data, 0);
			return jv_object_set(jv_object(), jv_string("embedding"), one);
		}
		return jv_object_set(jv_object(), jv_string("embeddings"), data);
	}
	if (fl == SIM_EMB_CLOUDFLARE) {
		jv shape = jv_array_append(jv_array_append(jv_array(), jv_number(n)), jv_number(d));
		jv res = jv_object_set(jv_object_set(jv_object_set(jv_object(), jv_string("shape"), shape),
		    jv_string("data"), data), jv_string("pooling"), jv_string("mean"));
		jv o = jv_object_set(jv_object(), jv_string("result"), res);
		o = jv_object_set(o, jv_string("success"), jv_true());
		o = jv_object_set(o, jv_string("errors"), jv_array());
		return jv_object_set(o, jv_string("messages"), jv_array());
	}
	jv u = jv_object_set(jv_object_set(jv_object(), jv_string("prompt_tokens"), jv_number(tok)),
	    jv_string("total_tokens"), jv_number(tok));
	jv o = jv_object_set(jv_object(), jv_string("object"), jv_string("list"));
	o = jv_object_set(o, jv_string("data"), data);
	o = jv_object_set(o, jv_string("model"), jv_string(model ? model : ""));
	return jv_object_set(o, jv_string("usage"), u);
}

long
sim_embed_cost(int fl, const char *path, jv req)
{
	if (fl != SIM_EMB_GEMINI || !ends(path, ":batchEmbedContents"))
		return 1;
	jv rs = get(req, "requests");
	long n = jv_get_kind(rs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(rs)) : 1;
	jv_free(rs);
	return n > 1 ? n : 1;
}
