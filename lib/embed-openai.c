/*
 * embed-openai.c — OpenAI-compatible POST BASE/embeddings (OpenAI, Zhipu,
 * Gemini's OpenAI endpoint, any compatible host): {"model", "input": [...],
 * "dimensions"?, "encoding_format"?} → {"data": [{"index", "embedding"}],
 * "usage": {"prompt_tokens"}}. Errors are classified as chat errors are.
 */
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "adapter.h"

static int
oe_build(const mlm_entry *e, const char *key, jv req, int stream, mlm_httpreq *out,
    char *err, size_t errlen)
{
	jv in;
	if (mlm_embed_begin(e, req, out, &in, err, errlen) < 0)
		return -1;
	jv b = jv_object_set(jv_object(), jv_string("model"), jv_string(e->model));
	b = jv_object_set(b, jv_string("input"), in);
	long d = mlm_embed_dimensions(req);
	if (d)
		b = jv_object_set(b, jv_string("dimensions"), jv_number((double)d));
	jv f = mlm_jpath(req, "encoding_format");
	if (jv_get_kind(f) == JV_KIND_STRING)
		b = jv_object_set(b, jv_string("encoding_format"), f);
	else
		jv_free(f);
	out->url = mlm_url_join(e->base_url, "/embeddings");
	return mlm_httpreq_finish(out, b, "Authorization: Bearer", key, 0, err, errlen);
}

static int
oe_parse(const mlm_entry *e, const char *body, size_t len, mlm_answer *a, mlm_outcome *o)
{
	jv x = mlm_parse_body(body, len);
	jv data = mlm_jpath(x, "data");
	if (jv_get_kind(data) != JV_KIND_ARRAY) {
		jv_free(x), jv_free(data);
		mlm_classify_generic(200, NULL, body, len, o);
		if (o->kind == MLM_OK || o->kind == MLM_SERVER)
			mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: no \"data\" in the answer");
		return -1;
	}
	/* in the order of "index" (the answer may list them in any order) */
	int n = jv_array_length(jv_copy(data));
	jv vecs = jv_array();
	for (int i = 0; i < n; i++)
		vecs = jv_array_set(vecs, i, jv_null());
	jv_array_foreach(data, i, d) {
		jv ix = mlm_jpath(d, "index");
		int k = jv_get_kind(ix) == JV_KIND_NUMBER ? (int)jv_number_value(ix) : i;
		jv_free(ix);
		if (k < 0 || k >= n)
			k = n + i;      /* out of range: vector_of fails on a hole */
		vecs = jv_array_set(vecs, k, mlm_jpath(d, "embedding"));
		jv_free(d);
	}
	jv_free(data);
	jv pt = mlm_jpath(x, "usage.prompt_tokens");
	long in_tok = jv_get_kind(pt) == JV_KIND_NUMBER ? (long)jv_number_value(pt) : -1;
	jv_free(pt);
	jv_free(x);
	return mlm_embed_answer(vecs, in_tok, a, o);
}

static void
oe_classify(const mlm_entry *e, long status, const mlm_headers *h, const char *body,
    size_t len, mlm_outcome *o)
{
	mlm_adapter_openai.classify(e, status, h, body, len, o);
}

const mlm_adapter mlm_embed_adapter_openai = {
	"openai-embeddings", oe_build, oe_parse, mlm_embed_no_event, oe_classify,
};
