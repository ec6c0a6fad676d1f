/*
 * serve-embed.c — POST /v1/embeddings for llm-serve, as OpenAI's API has
 * it: "input" a string or an array of strings, "model", "dimensions",
 * "encoding_format" ("float", the default, or "base64": little-endian
 * float32). The model must name entries of one model: vectors of
 * different models do not mix, so no "auto". A request of more inputs
 * or tokens than the model's providers take in one call (the catalog's
 * max_batch and max_batch_tokens, tokens by mlm_embed_tokens_guess) goes
 * upstream in parts of that size, one after another, each a call of its
 * own with its own failover; the answer joins them in input order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve-embed.h"
#include "serve.h"

static jv
field(jv o, const char *k)
{
	return jv_object_get(jv_copy(o), jv_string(k));
}

static int
check_input(jv in, char *err, size_t errlen)
{
	if (jv_get_kind(in) == JV_KIND_STRING)
		return jv_string_length_bytes(jv_copy(in)) ? 0 :
		    mlm_err(err, errlen, "input: must not be an empty string");
	if (jv_get_kind(in) != JV_KIND_ARRAY || jv_array_length(jv_copy(in)) == 0)
		return mlm_err(err, errlen, "input: expected a string or a non-empty array of strings");
	int n = jv_array_length(jv_copy(in));
	for (int i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(in), i);
		int k = jv_get_kind(x), empty = k == JV_KIND_STRING && !jv_string_length_bytes(jv_copy(x));
		jv_free(x);
		if (k == JV_KIND_NUMBER || k == JV_KIND_ARRAY)
			return mlm_err(err, errlen, "input[%d]: token arrays are not supported; send text", i);
		if (k != JV_KIND_STRING || empty)
			return mlm_err(err, errlen, "input[%d]: expected a non-empty string", i);
	}
	return 0;
}

/* The one model the glob names; the smallest batch limits of its entries:
 * inputs, and tokens (a request's, at most a minute's; 0 none). */
static int
model_of(const mlm_pool *p, const char *glob, long *limit, long *tokens, char *err, size_t errlen)
{
	const char *one = NULL;
	*limit = *tokens = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (!mlm_glob(glob, p->v[i].model))
			continue;
		if (one && strcmp(one, p->v[i].model))
			return mlm_err(err, errlen, "model: '%s' matches entries of several models (%s, %s); "
			    "vectors of different models do not mix: name one", glob, one, p->v[i].model);
		one = p->v[i].model;
		long b = mlm_embed_batch_max(&p->v[i]);
		if (!*limit || b < *limit)
			*limit = b;
		long t = mlm_embed_batch_tokens(&p->v[i]), tpm = p->v[i].lim.tpm;
		if (tpm && (!t || tpm < t))
			t = tpm;
		if (t && (!*tokens || t < *tokens))
			*tokens = t;
	}
	if (!one) {
		mlm_err(err, errlen, "The model `%s` does not exist in this pool (GET /v1/models lists them)",
		    glob);
		return -2;
	}
	return 0;
}

int
serve_embed_request(const mlm_pool *p, jv body, jv *req, char *model_glob, size_t mlen,
    int *b64, long *limit_out, long *tokens_out, char *err, size_t errlen)
{
	*req = jv_invalid();
	*b64 = 0;
	if (jv_get_kind(body) != JV_KIND_OBJECT)
		return mlm_err(err, errlen, "the request body must be a JSON object");
	jv m = field(body, "model");
	if (jv_get_kind(m) != JV_KIND_STRING || !jv_string_length_bytes(jv_copy(m)) ||
	    (size_t)jv_string_length_bytes(jv_copy(m)) >= mlen) {
		jv_free(m);
		return mlm_err(err, errlen, "model: expected the name of an embedding model");
	}
	snprintf(model_glob, mlen, "%s", jv_string_value(m));
	jv_free(m);
	long limit, tokens;
	int r = model_of(p, model_glob, &limit, &tokens, err, errlen);
	if (r < 0)
		return r;
	jv in = field(body, "input");
	if (check_input(in, err, errlen) < 0) {
		jv_free(in);
		return -1;
	}
	long dims = 0;
	jv d = field(body, "dimensions");
	if (jv_get_kind(d) == JV_KIND_NUMBER) {
		double v = jv_number_value(d);
		if (v < 1 || v > 65536 || v != (double)(long)v) {
			jv_free(d), jv_free(in);
			return mlm_err(err, errlen, "dimensions: expected an integer from 1 to 65536");
		}
		dims = (long)v;
	} else if (jv_get_kind(d) != JV_KIND_NULL && jv_is_valid(d)) {
		jv_free(d), jv_free(in);
		return mlm_err(err, errlen, "dimensions: expected an integer");
	}
	jv_free(d);
	jv f = field(body, "encoding_format");
	if (jv_get_kind(f) == JV_KIND_STRING && !strcmp(jv_string_value(f), "base64"))
		*b64 = 1;
	else if (!(!jv_is_valid(f) || jv_get_kind(f) == JV_KIND_NULL || (jv_get_kind(f) == JV_KIND_STRING &&
	    !strcmp(jv_string_value(f), "float")))) {
		jv_free(f), jv_free(in);
		return mlm_err(err, errlen, "encoding_format: expected \"float\" or \"base64\"");
	}
	jv_free(f);
	*req = mlm_req_embed(in, dims, NULL);
	*limit_out = limit;
	*tokens_out = tokens;
	return 0;
}

/* A part's estimated tokens (mlm_embed_tokens_guess, as llm-map --embed),
 * at most the model's tokens limit: what the scheduler charges it against
 * tokens per minute, so that parts are paced, not refused upstream. */
static long
part_need(jv req, long tokens)
{
	jv in = jv_object_get(jv_copy(req), jv_string("embed"));
	int n = jv_get_kind(in) == JV_KIND_ARRAY ? jv_array_length(jv_copy(in)) : 0;
	long sum = 0;
	for (int i = 0; i < n; i++) {
		jv t = jv_array_get(jv_copy(in), i);
		if (jv_get_kind(t) == JV_KIND_STRING)
			sum += mlm_embed_tokens_guess((size_t)jv_string_length_bytes(jv_copy(t)));
		jv_free(t);
	}
	jv_free(in);
	return tokens > 0 && sum > tokens ? tokens : sum;
}

/* The first part of req (consumed) of at most limit inputs and tokens
 * estimated tokens (mlm_embed_fit) as the call to make; the rest, the
 * limits and the vectors so far go into *keep. */
static jv
first_part(jv req, long limit, long tokens, int b64, jv *keep)
{
	jv in = jv_object_get(jv_copy(req), jv_string("embed"));
	int n = jv_array_length(jv_copy(in)), take = mlm_embed_fit(in, limit, tokens);
	jv k = jv_object();
	k = jv_object_set(k, jv_string("b64"), jv_bool(b64));
	k = jv_object_set(k, jv_string("limit"), jv_number((double)limit));
	k = jv_object_set(k, jv_string("tokens"), jv_number((double)tokens));
	k = jv_object_set(k, jv_string("vecs"), jv_array());
	k = jv_object_set(k, jv_string("in_tok"), jv_number(0));
	if (take < n) {
		k = jv_object_set(k, jv_string("rest"), jv_array_slice(jv_copy(in), take, n));
		k = jv_object_set(k, jv_string("req"), jv_copy(req));
		req = jv_object_set(req, jv_string("embed"), jv_array_slice(jv_copy(in), 0, take));
	}
	jv_free(in);
	*keep = k;
	return req;
}

jv
serve_embed_next(serve_call *sc, const mlm_result *r)
{
	jv k = sc->keep;
	jv rest = jv_object_get(jv_copy(k), jv_string("rest"));
	if (jv_get_kind(rest) != JV_KIND_ARRAY || !jv_array_length(jv_copy(rest)) || !r->ok) {
		jv_free(rest);
		return jv_invalid();
	}
	/* keep this part's vectors and tokens */
	jv got = jv_parse(r->text ? r->text : "[]");
	jv vecs = jv_object_get(jv_copy(k), jv_string("vecs"));
	vecs = jv_array_concat(vecs, jv_get_kind(got) == JV_KIND_ARRAY ? got : (jv_free(got), jv_array()));
	jv t = jv_object_get(jv_copy(k), jv_string("in_tok"));
	double tok = jv_number_value(t) + (r->in_tok > 0 ? (double)r->in_tok : 0);
	jv_free(t);
	jv lim = jv_object_get(jv_copy(k), jv_string("limit"));
	jv ltok = jv_object_get(jv_copy(k), jv_string("tokens"));
	int n = jv_array_length(jv_copy(rest));
	long maxtok = (long)jv_number_value(ltok);
	int take = mlm_embed_fit(rest, (long)jv_number_value(lim), maxtok);
	jv_free(lim), jv_free(ltok);
	jv req = jv_object_get(jv_copy(k), jv_string("req"));
	req = jv_object_set(req, jv_string("embed"), jv_array_slice(jv_copy(rest), 0, take));
	k = jv_object_set(k, jv_string("vecs"), vecs);
	k = jv_object_set(k, jv_string("in_tok"), jv_number(tok));
	k = jv_object_set(k, jv_string("rest"), jv_array_slice(rest, take, n));
	sc->keep = k;
	sc->need_tokens = part_need(req, maxtok);
	return req;
}

static int
put_b64(mlm_buf *out, jv v)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int n = jv_array_length(jv_copy(v)), e = mlm_buf_puts(out, "\"");
	unsigned char q[3];
	int nq = 0;
	for (int i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(v), i);
		float f = (float)jv_number_value(x);
		jv_free(x);
		uint32_t u;
		memcpy(&u, &f, sizeof u);
		for (int k = 0; k < 4; k++) {
			q[nq++] = (unsigned char)(u >> (8 * k));
			if (nq == 3) {
				char s[4] = { al[q[0] >> 2], al[(q[0] & 3) << 4 | q[1] >> 4],
				    al[(q[1] & 15) << 2 | q[2] >> 6], al[q[2] & 63] };
				e |= mlm_buf_add(out, s, 4);
				nq = 0;
			}
		}
	}
	if (nq == 1) {
		char s[4] = { al[q[0] >> 2], al[(q[0] & 3) << 4], '=', '=' };
		e |= mlm_buf_add(out, s, 4);
	} else if (nq == 2) {
		char s[4] = { al[q[0] >> 2], al[(q[0] & 3) << 4 | q[1] >> 4], al[(q[1] & 15) << 2], '=' };
		e |= mlm_buf_add(out, s, 4);
	}
	return e | mlm_buf_puts(out, "\"");
}

int
serve_embed_answer(mlm_buf *out, const mlm_result *r, const char *model, int b64)
{
	jv vecs = jv_parse(r->text ? r->text : "[]");
	int e = mlm_buf_puts(out, "{\"object\":\"list\",\"data\":[");
	int n = jv_get_kind(vecs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(vecs)) : 0;
	for (int i = 0; i < n; i++) {
		jv v = jv_array_get(jv_copy(vecs), i);
		e |= mlm_buf_printf(out, "%s{\"object\":\"embedding\",\"index\":%d,\"embedding\":",
		    i ? "," : "", i);
		e |= b64 ? put_b64(out, v) : mlm_json_dump(out, v);
		e |= mlm_buf_puts(out, "}");
		jv_free(v);
	}
	jv_free(vecs);
	long t = r->in_tok > 0 ? r->in_tok : 0;
	e |= mlm_buf_puts(out, "],\"model\":");
	e |= mlm_json_str(out, model, strlen(model));
	e |= mlm_buf_printf(out, ",\"usage\":{\"prompt_tokens\":%ld,\"total_tokens\":%ld}}", t, t);
	return e ? -1 : 0;
}

/* ---- the wire format: POST /v1/embeddings (never streamed) ---- */

static int
embed_parse(serve_call *sc, jv body, char *err, size_t errlen)
{
	int b64 = 0;
	long limit = 0, tokens = 0;
	int r = serve_embed_request(serve_pool(), body, &sc->req, sc->model_glob,
	    sizeof sc->model_glob, &b64, &limit, &tokens, err, errlen);
	if (r < 0)
		return r;
	sc->stream = 0;
	snprintf(sc->asked, sizeof sc->asked, "%s", sc->model_glob);
	jv_free(sc->keep);
	sc->req = first_part(sc->req, limit, tokens, b64, &sc->keep);
	sc->need_tokens = part_need(sc->req, tokens);
	return 0;
}

/* the last part's answer after the vectors of the parts before it */
static void
embed_whole(serve_call *sc, mlm_buf *out, const mlm_result *r)
{
	jv k = sc->keep;
	jv b = jv_object_get(jv_copy(k), jv_string("b64"));
	jv vecs = jv_object_get(jv_copy(k), jv_string("vecs"));
	jv t = jv_object_get(jv_copy(k), jv_string("in_tok"));
	mlm_result all = *r;
	if (jv_array_length(jv_copy(vecs)) > 0) {
		jv last = jv_parse(r->text ? r->text : "[]");
		vecs = jv_array_concat(vecs, jv_get_kind(last) == JV_KIND_ARRAY ? last :
		    (jv_free(last), jv_array()));
		jv d = jv_dump_string(vecs, 0);
		all.text = mlm_strdup(jv_string_value(d));
		jv_free(d);
		all.in_tok = (long)jv_number_value(t) + (r->in_tok > 0 ? r->in_tok : 0);
		serve_embed_answer(out, &all, sc->model, jv_get_kind(b) == JV_KIND_TRUE);
		free(all.text);
	} else {
		jv_free(vecs);
		serve_embed_answer(out, r, sc->model, jv_get_kind(b) == JV_KIND_TRUE);
	}
	jv_free(b), jv_free(t);
}

const serve_wire serve_embeddings = {
	.name = "/v1/embeddings",
	.path = "/v1/embeddings",
	.alias = "/embeddings",
	.id_prefix = "embd-",
	.parse = embed_parse,
	.whole = embed_whole,
	.next = serve_embed_next,
	.error = serve_openai_error,
};
