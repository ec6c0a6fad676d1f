/*
 * embed-cloudflare.c — Cloudflare Workers AI text embeddings (@cf/baai/bge-*),
 * POST ".../ai/run/" + model: {"text": [...]} → {"result": {"shape": [n, d],
 * "data": [[...], ...]}, "success": true}. These models have fixed
 * dimensions: a request asking for others is answered with them, and
 * mlm_embed_check() fails it over (unsupported). Errors are classified as
 * chat errors are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "adapter.h"

static int
ce_build(const mlm_entry *e, const char *key, jv req, int stream, mlm_httpreq *out,
    char *err, size_t errlen)
{
	jv in;
	if (mlm_embed_begin(e, req, out, &in, err, errlen) < 0)
		return -1;
	jv b = jv_object_set(jv_object(), jv_string("text"), in);
	size_t bl = strlen(e->base_url);
	int slash = bl && e->base_url[bl - 1] == '/';
	if (asprintf(&out->url, "%s%s%s", e->base_url, slash ? "" : "/", e->model) < 0)
		out->url = NULL;
	return mlm_httpreq_finish(out, b, "Authorization: Bearer", key, 0, err, errlen);
}

static int
ce_parse(const mlm_entry *e, const char *body, size_t len, mlm_answer *a, mlm_outcome *o)
{
	jv x = mlm_parse_body(body, len);
	jv data = mlm_jpath(x, "result.data");
	jv shape = mlm_jpath(x, "result.shape");
	jv ok = mlm_jpath(x, "success");
	int failed = jv_get_kind(ok) == JV_KIND_FALSE;
	jv_free(ok), jv_free(x);
	if (failed || jv_get_kind(data) != JV_KIND_ARRAY) {
		jv_free(data), jv_free(shape);
		mlm_classify_generic(200, NULL, body, len, o);
		if (o->kind == MLM_OK || (!failed && o->kind == MLM_SERVER))
			mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: no \"result.data\" in the answer");
		return -1;
	}
	/* shape [n, d], when given, must describe data */
	if (jv_get_kind(shape) == JV_KIND_ARRAY && jv_array_length(jv_copy(shape)) == 2) {
		jv s0 = jv_array_get(jv_copy(shape), 0);
		int n = jv_get_kind(s0) == JV_KIND_NUMBER ? (int)jv_number_value(s0) : -1;
		jv_free(s0);
		if (n != jv_array_length(jv_copy(data))) {
			jv_free(data), jv_free(shape);
			mlm_outcome_set(o, MLM_BAD_RESPONSE, 200,
			    "HTTP 200: result.shape does not match result.data");
			return -1;
		}
	}
	jv_free(shape);
	return mlm_embed_answer(data, -1, a, o);
}

static void
ce_classify(const mlm_entry *e, long status, const mlm_headers *h, const char *body,
    size_t len, mlm_outcome *o)
{
	mlm_adapter_cloudflare.classify(e, status, h, body, len, o);
}

const mlm_adapter mlm_embed_adapter_cloudflare = {
	"cloudflare-embeddings", ce_build, ce_parse, mlm_embed_no_event, ce_classify,
};
