/*
 * embed-gemini.c — Gemini BASE/models/MODEL:embedContent for one input,
 * :batchEmbedContents for more: {"requests": [{"model": "models/MODEL",
 * "content": {"parts": [{"text"}]}, "taskType"?, "outputDimensionality"?}]}
 * → {"embeddings": [{"values": [...]}]} ({"embedding": {...}} for one).
 * The key goes in x-goog-api-key, never in the URL. Errors are classified
 * as chat errors are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "adapter.h"

static jv
one(const mlm_entry *e, jv text, jv req, int batch)
{
	jv parts = jv_array_append(jv_array(), jv_object_set(jv_object(), jv_string("text"), text));
	jv r = jv_object();
	if (batch) {
		int prefixed = strchr(e->model, '/') != NULL;
		char m[512];
		snprintf(m, sizeof m, "%s%s", prefixed ? "" : "models/", e->model);
		r = jv_object_set(r, jv_string("model"), jv_string(m));
	}
	r = jv_object_set(r, jv_string("content"),
	    jv_object_set(jv_object(), jv_string("parts"), parts));
	jv t = mlm_jpath(req, "task");
	if (jv_get_kind(t) == JV_KIND_STRING)
		r = jv_object_set(r, jv_string("taskType"), t);
	else
		jv_free(t);
	long d = mlm_embed_dimensions(req);
	if (d)
		r = jv_object_set(r, jv_string("outputDimensionality"), jv_number((double)d));
	return r;
}

static int
ge_build(const mlm_entry *e, const char *key, jv req, int stream, mlm_httpreq *out,
    char *err, size_t errlen)
{
	jv in;
	if (mlm_embed_begin(e, req, out, &in, err, errlen) < 0)
		return -1;
	int n = jv_array_length(jv_copy(in));
	jv b;
	if (n == 1) {
		b = one(e, jv_array_get(in, 0), req, 0);
	} else {
		jv rs = jv_array();
		jv_array_foreach(in, i, t)
			rs = jv_array_append(rs, one(e, t, req, 1));
		jv_free(in);
		b = jv_object_set(jv_object(), jv_string("requests"), rs);
	}
	size_t bl = strlen(e->base_url);
	while (bl && e->base_url[bl - 1] == '/')
		bl--;
	int prefixed = strchr(e->model, '/') != NULL;
	if (asprintf(&out->url, "%.*s/%s%s:%s", (int)bl, e->base_url, prefixed ? "" : "models/",
	    e->model, n == 1 ? "embedContent" : "batchEmbedContents") < 0)
		out->url = NULL;
	return mlm_httpreq_finish(out, b, "x-goog-api-key:", key, 0, err, errlen);
}

static int
ge_parse(const mlm_entry *e, const char *body, size_t len, mlm_answer *a, mlm_outcome *o)
{
	jv x = mlm_parse_body(body, len);
	jv vecs = jv_array();
	jv many = mlm_jpath(x, "embeddings");
	jv single = mlm_jpath(x, "embedding.values");
	if (jv_get_kind(many) == JV_KIND_ARRAY) {
		jv_array_foreach(many, i, v) {
			vecs = jv_array_append(vecs, mlm_jpath(v, "values"));
			jv_free(v);
		}
	} else if (jv_get_kind(single) == JV_KIND_ARRAY) {
		vecs = jv_array_append(vecs, jv_copy(single));
	} else {
		jv_free(vecs);
		vecs = jv_null();
	}
	jv_free(many), jv_free(single), jv_free(x);
	if (jv_get_kind(vecs) == JV_KIND_NULL) {
		mlm_classify_generic(200, NULL, body, len, o);
		if (o->kind == MLM_OK || o->kind == MLM_SERVER)
			mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: no embeddings in the answer");
		return -1;
	}
	return mlm_embed_answer(vecs, -1, a, o);
}

static void
ge_classify(const mlm_entry *e, long status, const mlm_headers *h, const char *body,
    size_t len, mlm_outcome *o)
{
	mlm_adapter_gemini.classify(e, status, h, body, len, o);
}

const mlm_adapter mlm_embed_adapter_gemini = {
	"gemini-embeddings", ge_build, ge_parse, mlm_embed_no_event, ge_classify,
};
