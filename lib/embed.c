/*
 * embed.c — embedding calls in the neutral model.
 *
 * An embedding request is a neutral request with "embed" in place of
 * "messages":
 *   {"embed": [str, ...], "dimensions": int?, "task": str?,
 *    "encoding_format": "float"|"base64"?}
 * It goes through the same engine, scheduler and failover as a chat call;
 * mlm_adapter_for() (adapters.c) gives the engine the embedding side of an
 * entry's wire (embed-openai.c, embed-gemini.c, embed-cloudflare.c), whose
 * errors are classified by the chat adapter of the same wire. The answer's text is a
 * JSON array of vectors (arrays of numbers), one per input in input order;
 * its "finish" holds "COUNTxDIMS" so that mlm_embed_check() can hold the
 * answer to what was asked without parsing it again. A request refused as
 * too large is not asked of the model's other entries: a model's limits on
 * its inputs are the same on every key of it (engine.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"

jv
mlm_req_embed(jv texts, long dimensions, const char *task)
{
	if (jv_get_kind(texts) == JV_KIND_STRING)
		texts = jv_array_append(jv_array(), texts);
	jv r = jv_object_set(jv_object(), jv_string("embed"), texts);
	if (dimensions > 0)
		r = jv_object_set(r, jv_string("dimensions"), jv_number((double)dimensions));
	if (task && *task)
		r = jv_object_set(r, jv_string("task"), jv_string(task));
	return r;
}

long
mlm_embed_items(jv req)
{
	if (!mlm_req_is_embed(req))
		return 0;
	jv in = mlm_jpath(req, "embed");
	long n = jv_get_kind(in) == JV_KIND_ARRAY ? jv_array_length(jv_copy(in)) : 1;
	jv_free(in);
	return n;
}

int
mlm_req_is_embed(jv req)
{
	jv x = mlm_jfield(req, "embed");
	int r = jv_is_valid(x);
	jv_free(x);
	return r;
}

/* Inputs per request the model takes: the catalog's max_batch, else the
 * provider's documented limit. */
long
mlm_embed_batch_max(const mlm_entry *e)
{
	const mlm_catalog_model *cm = e->provider && e->model ?
	    mlm_catalog_model_find(mlm_provider_find(e->provider), e->model) : NULL;
	if (cm && cm->max_batch > 0)
		return cm->max_batch;
	static const struct { const char *provider; long n; } lim[] = {
		{ "openai", 2048 }, { "gemini", 100 }, { "cloudflare", 100 }, { "zhipu", 64 },
	};
	for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++)
		if (e->provider && !strcmp(e->provider, lim[i].provider))
			return lim[i].n;
	return 64;      /* any other OpenAI-compatible host: a cautious size */
}

static const mlm_catalog_model *
catalog_of(const mlm_entry *e)
{
	return e->provider && e->model ?
	    mlm_catalog_model_find(mlm_provider_find(e->provider), e->model) : NULL;
}

/* Tokens one request may carry over all its inputs: the catalog's
 * max_batch_tokens, else OpenAI's 300,000; 0 when the provider publishes
 * no such limit. */
long
mlm_embed_batch_tokens(const mlm_entry *e)
{
	const mlm_catalog_model *cm = catalog_of(e);
	if (cm && cm->max_batch_tokens > 0)
		return cm->max_batch_tokens;
	return e->provider && !strcmp(e->provider, "openai") ? 300000 : 0;
}

long
mlm_embed_input_tokens(const mlm_entry *e)
{
	const mlm_catalog_model *cm = catalog_of(e);
	return cm && cm->max_input_tokens > 0 ? cm->max_input_tokens : 0;
}

/* A cautious guess of a text's tokens: one for every 3 bytes, plus one.
 * Providers' tokenizers give about one token for 4 bytes of English text
 * and more for other scripts and code; the guess errs high, so a batch
 * packed by it stays under a per-request limit. */
long
mlm_embed_tokens_guess(size_t bytes)
{
	return (long)(bytes / 3) + 1;
}

int
mlm_embed_fit(jv texts, long max_items, long max_tokens)
{
	int n = jv_get_kind(texts) == JV_KIND_ARRAY ? jv_array_length(jv_copy(texts)) : 0, k = 0;
	long sum = 0;
	for (; k < n && (max_items <= 0 || k < max_items); k++) {
		jv t = jv_array_get(jv_copy(texts), k);
		long tok = jv_get_kind(t) == JV_KIND_STRING ?
		    mlm_embed_tokens_guess((size_t)jv_string_length_bytes(jv_copy(t))) : 0;
		jv_free(t);
		if (k && max_tokens > 0 && sum + tok > max_tokens)
			break;
		sum += tok;
	}
	return k;
}

int
mlm_embed_begin(const mlm_entry *e, jv req, mlm_httpreq *out, jv *inputs, char *err,
    size_t errlen)
{
	memset(out, 0, sizeof *out);
	*inputs = jv_invalid();
	if (!e || !e->base_url || !*e->base_url || !e->model || !*e->model)
		return mlm_err(err, errlen, "%s: needs a base URL and a model",
		    e && e->id ? e->id : "entry");
	jv in = mlm_jpath(req, "embed");
	int n = jv_get_kind(in) == JV_KIND_ARRAY ? jv_array_length(jv_copy(in)) : -1;
	if (n < 1) {
		jv_free(in);
		return mlm_err(err, errlen, "request: \"embed\" must be an array of strings");
	}
	for (int i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(in), i);
		int bad = jv_get_kind(x) != JV_KIND_STRING;
		jv_free(x);
		if (bad) {
			jv_free(in);
			return mlm_err(err, errlen, "request: embed input %d is not a string", i + 1);
		}
	}
	*inputs = in;
	return 0;
}

long
mlm_embed_dimensions(jv req)
{
	jv d = mlm_jpath(req, "dimensions");
	long r = jv_get_kind(d) == JV_KIND_NUMBER ? (long)jv_number_value(d) : 0;
	jv_free(d);
	return r > 0 ? r : 0;
}

/* base64 of little-endian float32s (OpenAI's encoding_format "base64") */
static jv
b64_floats(const char *s)
{
	jv v = jv_array();
	unsigned acc = 0;
	int bits = 0;
	unsigned char buf[4];
	int nb = 0;
	for (; *s && *s != '='; s++) {
		const char *al = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *p = strchr(al, *s);
		if (!p) {
			jv_free(v);
			return jv_invalid();
		}
		acc = (acc << 6) | (unsigned)(p - al);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[nb++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
			if (nb == 4) {
				uint32_t u = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 |
				    (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24;
				float f;
				memcpy(&f, &u, sizeof f);
				v = jv_array_append(v, jv_number((double)f));
				nb = 0;
			}
		}
	}
	if (nb) {
		jv_free(v);
		return jv_invalid();
	}
	return v;
}

/* One vector as a provider wrote it: an array of numbers (or base64). */
static jv
vector_of(jv x)
{
	if (jv_get_kind(x) == JV_KIND_STRING) {
		jv v = b64_floats(jv_string_value(x));
		jv_free(x);
		return v;
	}
	if (jv_get_kind(x) != JV_KIND_ARRAY) {
		jv_free(x);
		return jv_invalid();
	}
	int bad = 0;
	jv_array_foreach(x, i, n) {
		if (jv_get_kind(n) != JV_KIND_NUMBER)
			bad = 1;
		jv_free(n);
	}
	if (bad) {
		jv_free(x);
		return jv_invalid();
	}
	return x;
}

int
mlm_embed_answer(jv vecs, long in_tok, mlm_answer *a, mlm_outcome *o)
{
	if (jv_get_kind(vecs) != JV_KIND_ARRAY || jv_array_length(jv_copy(vecs)) < 1) {
		jv_free(vecs);
		mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: no embeddings in the answer");
		return -1;
	}
	jv out = jv_array();
	int n = jv_array_length(jv_copy(vecs)), dims = -1;
	for (int i = 0; i < n; i++) {
		jv v = vector_of(jv_array_get(jv_copy(vecs), i));
		int d = jv_is_valid(v) ? jv_array_length(jv_copy(v)) : 0;
		if (d < 1) {
			jv_free(v), jv_free(out), jv_free(vecs);
			mlm_outcome_set(o, MLM_BAD_RESPONSE, 200,
			    "HTTP 200: embedding %d is not a vector of numbers", i + 1);
			return -1;
		}
		dims = dims < 0 || dims == d ? d : 0;
		out = jv_array_append(out, v);
	}
	jv_free(vecs);
	mlm_buf_reset(&a->text);
	int e = mlm_json_dump(&a->text, out);
	jv_free(out);
	if (e < 0) {
		mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: embeddings too large");
		return -1;
	}
	snprintf(a->finish, sizeof a->finish, "%dx%d", n, dims);
	a->in_tok = in_tok;
	a->out_tok = -1;
	a->done = 1;
	return 0;
}

int
mlm_embed_check(jv req, const mlm_answer *a, mlm_outcome *o)
{
	if (!mlm_req_is_embed(req))
		return 0;
	int n = 0, dims = 0;
	if (sscanf(a->finish, "%dx%d", &n, &dims) != 2)
		return 0;
	jv in = mlm_jpath(req, "embed");
	int want = jv_get_kind(in) == JV_KIND_ARRAY ? jv_array_length(jv_copy(in)) : 0;
	jv_free(in);
	long wd = mlm_embed_dimensions(req);
	if (n != want) {
		mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: %d embeddings for %d inputs",
		    n, want);
		return -1;
	}
	if (wd && dims != wd) {
		mlm_outcome_set(o, MLM_UNSUPPORTED, 200,
		    "HTTP 200: the model gives %d dimensions, not the %ld asked for", dims, wd);
		return -1;
	}
	return 0;
}

/* Embedding calls are never streamed. */
int
mlm_embed_no_event(const mlm_entry *e, const char *event, const char *data, size_t len,
    mlm_answer *a, mlm_outcome *o)
{
	mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: an event stream for an embedding call");
	return -1;
}
