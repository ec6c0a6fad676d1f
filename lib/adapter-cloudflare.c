/*
 * adapter-cloudflare.c — Cloudflare Workers AI native API, POST
 * ".../ai/run/" + model (verbatim: "@cf/meta/..." is not percent-encoded).
 *
 * Always sends max_tokens (the service defaults to 256). Passes top_p, seed
 * and the penalties; refuses stop (the models' schemas have none). JSON mode puts the
 * bare schema in response_format.json_schema and cannot stream, so a
 * request with a schema or json is built without streaming (out->stream 0).
 * Answers come as {"result":{"response":...}} (an object in JSON mode), or,
 * for newer models, as an OpenAI chat.completion inside "result"; streams
 * carry {"response":...} events, OpenAI-style delta chunks, and [DONE].
 * Tools go in the bare {name, description, parameters} form of its
 * traditional function calling (only tool_choice auto), without streaming;
 * result.tool_calls [{name, arguments}] come back with ids "call_N".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "adapter.h"

#define CF_DEFAULT_MAX_TOKENS 1024

static int
cf_build(const mlm_entry *e, const char *key, jv req, int stream,
    mlm_httpreq *out, char *err, size_t errlen)
{
	jv m;
	memset(out, 0, sizeof *out);
	if (mlm_param_refuse(req, "stop", e, err, errlen) < 0)     /* no stop words */
		return -1;
	if (mlm_build_begin(e, req, out, &m, err, errlen) < 0)
		return -1;
	jv msgs = jv_array();
	jv sys = mlm_jpath(req, "system");
	if (jv_get_kind(sys) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(sys)))
		msgs = jv_array_append(msgs, jv_object_set(jv_object_set(jv_object(),
		    jv_string("role"), jv_string("system")), jv_string("content"), sys));
	else
		jv_free(sys);
	int n = jv_array_length(jv_copy(m));
	for (int i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(m), i);
		jv role = mlm_jpath(x, "role"), content = mlm_jpath(x, "content");
		jv calls = mlm_jpath(x, "tool_calls");
		if (jv_get_kind(content) == JV_KIND_NULL && jv_get_kind(calls) == JV_KIND_ARRAY) {
			jv_free(content);
			content = jv_string("");        /* an assistant turn of tool calls only */
		}
		jv_free(calls);
		if (jv_get_kind(role) != JV_KIND_STRING || jv_get_kind(content) == JV_KIND_NULL) {
			jv_free(role), jv_free(content), jv_free(m), jv_free(msgs), jv_free(x);
			return mlm_err(err, errlen, "request: message %d needs a role and a content", i + 1);
		}
		content = mlm_parts_openai(content, e, 0, err, errlen);   /* images: parts.c */
		if (!jv_is_valid(content)) {
			jv_free(role), jv_free(m), jv_free(msgs), jv_free(x);
			return -1;
		}
		msgs = jv_array_append(msgs, mlm_tools_openai_msg(x, jv_object_set(jv_object_set(
		    jv_object(), jv_string("role"), role), jv_string("content"), content)));
		jv_free(x);
	}
	jv_free(m);

	jv b = jv_object_set(jv_object(), jv_string("messages"), msgs);
	jv mt = mlm_jpath(req, "max_tokens");
	if (jv_get_kind(mt) == JV_KIND_NUMBER && jv_number_value(mt) >= 1)
		b = jv_object_set(b, jv_string("max_tokens"), mt);
	else {
		jv_free(mt);
		b = jv_object_set(b, jv_string("max_tokens"), jv_number(CF_DEFAULT_MAX_TOKENS));
	}
	jv t = mlm_jpath(req, "temperature");
	if (jv_get_kind(t) == JV_KIND_NUMBER)
		b = jv_object_set(b, jv_string("temperature"), t);
	else
		jv_free(t);
	b = mlm_param_copy(req, b, "top_p", NULL);
	b = mlm_param_copy(req, b, "top_k", NULL);
	b = mlm_param_copy(req, b, "seed", NULL);
	b = mlm_param_copy(req, b, "presence_penalty", NULL);
	b = mlm_param_copy(req, b, "frequency_penalty", NULL);
	jv schema = mlm_jpath(req, "schema"), json = mlm_jpath(req, "json");
	if (jv_get_kind(schema) == JV_KIND_OBJECT) {
		jv rf = jv_object_set(jv_object(), jv_string("type"), jv_string("json_schema"));
		b = jv_object_set(b, jv_string("response_format"),
		    jv_object_set(rf, jv_string("json_schema"), schema));
		stream = 0;
	} else {
		jv_free(schema);
		if (jv_get_kind(json) == JV_KIND_TRUE) {
			b = jv_object_set(b, jv_string("response_format"),
			    jv_object_set(jv_object(), jv_string("type"), jv_string("json_object")));
			stream = 0;
		}
	}
	jv_free(json);
	if (mlm_tools_used(req))
		stream = 0;     /* tool calls come whole, in result.tool_calls */
	b = mlm_tools_cf_body(req, b, err, errlen);
	if (!jv_is_valid(b))
		return -1;
	b = jv_object_set(b, jv_string("stream"), jv_bool(stream));

	size_t bl = strlen(e->base_url);
	int slash = e->base_url[bl - 1] == '/';
	if (asprintf(&out->url, "%s%s%s", e->base_url, slash ? "" : "/", e->model) < 0)
		out->url = NULL;
	return mlm_httpreq_finish(out, b, "Authorization: Bearer", key, stream, err, errlen);
}

/* ---------- answers ---------- */

static void
take_usage(mlm_answer *a, jv x, const char *path)
{
	jv u = mlm_jpath(x, path);
	if (jv_get_kind(u) == JV_KIND_OBJECT) {
		jv p = mlm_jpath(u, "prompt_tokens"), c = mlm_jpath(u, "completion_tokens");
		if (jv_get_kind(p) == JV_KIND_NUMBER)
			a->in_tok = (long)jv_number_value(p);
		if (jv_get_kind(c) == JV_KIND_NUMBER)
			a->out_tok = (long)jv_number_value(c);
		jv_free(p), jv_free(c);
	}
	jv_free(u);
}

static int
add_str(mlm_answer *a, jv s, mlm_outcome *o)
{
	if (jv_get_kind(s) != JV_KIND_STRING)
		return 0;
	if (mlm_buf_add(&a->text, jv_string_value(s),
	    (size_t)jv_string_length_bytes(jv_copy(s))) < 0) {
		mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: answer too large");
		return -1;
	}
	return 0;
}

static int
set_finish(mlm_answer *a, jv fr, mlm_outcome *o)
{
	if (jv_get_kind(fr) != JV_KIND_STRING)
		return 0;
	const char *f = jv_string_value(fr);
	snprintf(a->finish, sizeof a->finish, "%s", f);
	a->done = 1;
	if (!strcmp(f, "content_filter")) {
		mlm_outcome_set(o, MLM_BLOCKED, 200, "HTTP 200: answer blocked (finish_reason %s)", f);
		return -1;
	}
	return 0;
}

/* An empty native "response" with 0 completion tokens. The documented
 * shapes know no content-filter signal on Workers AI (errors come in the
 * v4 envelope; an empty "response" event is only how a stream ends), so
 * it is not taken as a block, which would end the call on a guess: it is
 * an answer with nothing in it, bad_response, and the call fails over. An
 * empty answer with tokens spent (or none reported) is an answer. */
static int
empty_answer(mlm_answer *a, mlm_outcome *o)
{
	if (a->text.len || a->out_tok != 0)
		return 0;
	mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: empty answer with 0 completion tokens");
	return -1;
}

/* success:false, or a non-empty errors[] without a result */
static int
is_error(jv x)
{
	jv s = mlm_jpath(x, "success"), e0 = mlm_jpath(x, "errors.0"), er = mlm_jpath(x, "error");
	int r = jv_get_kind(s) == JV_KIND_FALSE || jv_get_kind(e0) == JV_KIND_OBJECT ||
	    jv_get_kind(er) == JV_KIND_OBJECT;
	jv_free(s), jv_free(e0), jv_free(er);
	return r;
}

static int
cf_parse(const mlm_entry *e, const char *body, size_t len, mlm_answer *a, mlm_outcome *o)
{
	(void)e;
	jv x = mlm_parse_body(body, len);
	int r = 0;
	if (jv_get_kind(x) != JV_KIND_OBJECT) {
		jv_free(x);
		mlm_classify_generic(200, NULL, body, len, o);
		o->kind = MLM_BAD_RESPONSE;
		return -1;
	}
	if (is_error(x)) {
		jv_free(x);
		mlm_classify_generic(200, NULL, body, len, o);
		return -1;
	}
	jv res = mlm_jpath(x, "result");
	jv resp = mlm_jpath(res, "response");
	jv c0 = mlm_jpath(res, "choices.0");
	jv tcs = mlm_jpath(res, "tool_calls"), mtc = mlm_jpath(c0, "message");
	if (mlm_tools_cf_take(tcs, a) < 0 || mlm_tools_openai_take(mtc, a) < 0) {
		mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: a tool call without a name");
		r = -1;
	} else if (jv_is_valid(a->tool_calls) && (jv_get_kind(resp) == JV_KIND_NULL ||
	    (jv_get_kind(resp) == JV_KIND_STRING && !jv_string_length_bytes(jv_copy(resp))))) {
		;       /* tool calls, no text */
	} else if (jv_get_kind(resp) == JV_KIND_STRING) {
		r = add_str(a, resp, o);
	} else if (jv_get_kind(resp) != JV_KIND_NULL) {
		/* JSON mode: the answer is a JSON value */
		jv d = jv_dump_string(jv_copy(resp), 0);
		r = add_str(a, d, o);
		jv_free(d);
	} else if (jv_get_kind(c0) == JV_KIND_OBJECT) {
		jv c = mlm_jpath(c0, "message.content");
		r = add_str(a, c, o);
		if (!r && jv_get_kind(c) == JV_KIND_NULL) {
			jv rf = mlm_jpath(c0, "message.refusal");
			if (jv_get_kind(rf) == JV_KIND_STRING) {
				mlm_outcome_set(o, MLM_BLOCKED, 200, "HTTP 200: refusal: %s",
				    jv_string_value(rf));
				r = -1;
			}
			jv_free(rf);
		}
		jv_free(c);
		if (!r) {
			jv fr = mlm_jpath(c0, "finish_reason");
			r = set_finish(a, fr, o);
			jv_free(fr);
		}
	} else {
		mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: answer without result.response");
		r = -1;
	}
	take_usage(a, res, "usage");
	if (!r && jv_get_kind(resp) == JV_KIND_STRING && !jv_is_valid(a->tool_calls))
		r = empty_answer(a, o);
	if (!r)
		a->done = 1;
	jv_free(tcs), jv_free(mtc);
	jv_free(resp), jv_free(c0), jv_free(res), jv_free(x);
	return r;
}

static int
cf_event(const mlm_entry *e, const char *event, const char *data, size_t len,
    mlm_answer *a, mlm_outcome *o)
{
	(void)e; (void)event;
	jv x;
	int r = mlm_event_object(data, len, 1, is_error, &x, o);
	if (r == 1) {
		if (!a->finish[0] && empty_answer(a, o) < 0)
			return -1;      /* native events only: no finish_reason came */
		a->done = 1;
	}
	if (r != 2)
		return r;
	r = 0;
	jv resp = mlm_jpath(x, "response");
	r = add_str(a, resp, o);
	jv_free(resp);
	jv c0 = mlm_jpath(x, "choices.0");
	if (!r && jv_get_kind(c0) == JV_KIND_OBJECT) {
		jv dc = mlm_jpath(c0, "delta.content");
		r = add_str(a, dc, o);
		jv_free(dc);
		if (!r) {
			jv fr = mlm_jpath(c0, "finish_reason");
			r = set_finish(a, fr, o);
			jv_free(fr);
		}
	}
	jv_free(c0);
	take_usage(a, x, "usage");
	jv_free(x);
	return r;
}

const mlm_adapter mlm_adapter_cloudflare = {
	"cloudflare", cf_build, cf_parse, cf_event, mlm_adapter_classify,
};
