/*
 * adapter-openai.c — OpenAI Chat Completions and every compatible host
 * (Zhipu, Groq, OpenRouter, Mistral, SiliconFlow, Cerebras, Ollama, ...).
 *
 * Host quirks go by entry->provider: "openai" wants max_completion_tokens;
 * "zhipu" has no stream_options and no json_schema (JSON mode plus the
 * schema in the system prompt), and ends some answers with finish_reason
 * "sensitive" or "network_error"; OpenRouter sends errors inside 200
 * bodies and stream chunks. Errors go to mlm_classify_generic().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "adapter.h"
#include "fmt.h"

static int
prov_is(const mlm_entry *e, const char *name)
{
	return e && e->provider && !strcmp(e->provider, name);
}

/* OpenAI wants [a-zA-Z0-9_-]{1,64}. */
static jv
schema_name(jv req)
{
	jv n = mlm_jpath(req, "schema_name");
	char buf[65];
	size_t k = 0;
	if (jv_get_kind(n) == JV_KIND_STRING)
		for (const char *s = jv_string_value(n); *s && k < 64; s++)
			buf[k++] = (char)((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ? *s : '_');
	jv_free(n);
	buf[k] = 0;
	return jv_string(k ? buf : "output");
}

/* A root that is not an object, under {"items": ...}, as strict mode wants
 * it (the answer's validation reads the array back out). */
static jv
object_root(jv schema)
{
	jv t = mlm_jpath(schema, "type");
	int obj = jv_get_kind(t) == JV_KIND_STRING && !strcmp(jv_string_value(t), "object");
	jv_free(t);
	if (obj)
		return schema;
	jv o = jv_object_set(jv_object(), jv_string("type"), jv_string("object"));
	o = jv_object_set(o, jv_string("properties"),
	    jv_object_set(jv_object(), jv_string("items"), schema));
	return jv_object_set(o, jv_string("required"), jv_array_append(jv_array(), jv_string("items")));
}

/* response_format json_schema in strict mode's own dialect (every object
 * closed, every key required, optional ones nullable, an object root: the
 * lowering of llm-fmt --emit-schema openai). A schema strict mode cannot
 * say goes with strict:false, which takes any JSON Schema, rather than
 * earning a certain 400. */
static jv
json_schema_format(jv req, jv schema)
{
	char why[MLM_ERRLEN];
	jv lowered = mlm_schema_openai_strict(schema, why, sizeof why);
	int strict = jv_is_valid(lowered);
	if (!strict) {
		jv_free(lowered);
		lowered = object_root(jv_copy(schema));
	}
	jv js = jv_object();
	js = jv_object_set(js, jv_string("name"), schema_name(req));
	js = jv_object_set(js, jv_string("strict"), jv_bool(strict));
	js = jv_object_set(js, jv_string("schema"), lowered);
	jv rf = jv_object_set(jv_object(), jv_string("type"), jv_string("json_schema"));
	return jv_object_set(rf, jv_string("json_schema"), js);
}

/* The neutral messages, roles and contents only. */
static int
add_messages(jv req, jv *msgs, char *err, size_t errlen)
{
	jv m = mlm_jpath(req, "messages");
	if (jv_get_kind(m) != JV_KIND_ARRAY) {
		jv_free(m);
		return mlm_err(err, errlen, "request: \"messages\" must be an array");
	}
	int n = jv_array_length(jv_copy(m));
	for (int i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(m), i);
		jv role = mlm_jpath(x, "role"), content = mlm_jpath(x, "content");
		if (jv_get_kind(role) != JV_KIND_STRING || jv_get_kind(content) == JV_KIND_NULL) {
			jv_free(role), jv_free(content), jv_free(m), jv_free(x);
			return mlm_err(err, errlen, "request: message %d needs a role and a content", i + 1);
		}
		content = mlm_parts_openai(content, NULL, 1, err, errlen);   /* images: parts.c */
		if (!jv_is_valid(content)) {
			jv_free(role), jv_free(m), jv_free(x);
			return -1;
		}
		jv o = jv_object_set(jv_object(), jv_string("role"), role);
		o = mlm_tools_openai_msg(x, jv_object_set(o, jv_string("content"), content));
		jv_free(x);
		*msgs = jv_array_append(*msgs, o);
	}
	jv_free(m);
	return 0;
}

/* stop, top_p, seed and the penalties as they are; Zhipu takes no
 * penalties and no seed, and one stop word; neither takes top_k. Invalid
 * with err when the entry cannot honour one. */
static jv
sampling(const mlm_entry *e, jv req, jv b, int zhipu, char *err, size_t errlen)
{
	jv tc = mlm_jpath(req, "tool_choice");
	int tc_auto = jv_get_kind(tc) == JV_KIND_NULL || (jv_get_kind(tc) == JV_KIND_STRING &&
	    !strcmp(jv_string_value(tc), "auto"));
	jv_free(tc);
	if (zhipu && !tc_auto) {
		jv_free(b);
		mlm_err(err, errlen, "unsupported parameter tool_choice: zhipu takes only \"auto\"");
		return jv_invalid();
	}
	if (mlm_param_refuse(req, "top_k", e, err, errlen) < 0 ||
	    (zhipu && (mlm_param_refuse(req, "seed", e, err, errlen) < 0 ||
	    mlm_param_refuse(req, "presence_penalty", e, err, errlen) < 0 ||
	    mlm_param_refuse(req, "frequency_penalty", e, err, errlen) < 0 ||
	    mlm_param_stop_max(req, 1, e, err, errlen) < 0))) {
		jv_free(b);
		return jv_invalid();
	}
	static const char *const keys[] = { "stop", "top_p", "seed", "presence_penalty",
		"frequency_penalty" };
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		b = mlm_param_copy(req, b, keys[i], NULL);
	return mlm_tools_openai_body(req, b);
}

/* A member of a request the plain writer takes, into its slot; 0 for any
 * other member. */
static int
plain_member(jv k, jv v, jv *slot[4], const char *const names[4])
{
	for (int i = 0; i < 4; i++)
		if (names[i] && !strcmp(jv_string_value(k), names[i])) {
			jv_free(*slot[i]);
			*slot[i] = v;
			return 1;
		}
	jv_free(v);
	return 0;
}

/* A message of role and text content only (what llm-map sends per line):
 * written as the general path writes it, else 0. */
static int
plain_msg(mlm_buf *b, jv m)
{
	jv role = jv_null(), content = jv_null();
	jv *slot[4] = { &role, &content, NULL, NULL };
	static const char *const names[4] = { "role", "content", NULL, NULL };
	int ok = jv_get_kind(m) == JV_KIND_OBJECT;
	for (int i = ok ? jv_object_iter(m) : 0; ok && jv_object_iter_valid(m, i);
	    i = jv_object_iter_next(m, i)) {
		jv k = jv_object_iter_key(m, i);
		ok = plain_member(k, jv_object_iter_value(m, i), slot, names);
		jv_free(k);
	}
	ok = ok && jv_get_kind(role) == JV_KIND_STRING && jv_get_kind(content) == JV_KIND_STRING &&
	    mlm_buf_puts(b, "{\"role\":") == 0 && mlm_json_dump(b, role) == 0 &&
	    mlm_buf_puts(b, ",\"content\":") == 0 && mlm_json_dump(b, content) == 0 &&
	    mlm_buf_puts(b, "}") == 0;
	jv_free(role), jv_free(content);
	return ok;
}

/* The common request (text messages, and at most a system prompt, a
 * temperature and a token limit) written straight as JSON text: the bytes
 * the general path in openai_build makes through jv values (unit-json
 * holds the two together), for a fraction of the work. 0, b untouched in
 * meaning, when req has anything else. */
static int
plain_body(const mlm_entry *e, jv req, int stream, int zhipu, mlm_buf *b)
{
	jv msgs = jv_null(), sys = jv_null(), temp = jv_null(), mt = jv_null();
	jv *slot[4] = { &msgs, &sys, &temp, &mt };
	static const char *const names[4] = { "messages", "system", "temperature", "max_tokens" };
	int ok = !mlm_json_fast_off;
	for (int i = ok ? jv_object_iter(req) : 0; ok && jv_object_iter_valid(req, i);
	    i = jv_object_iter_next(req, i)) {
		jv k = jv_object_iter_key(req, i);
		ok = plain_member(k, jv_object_iter_value(req, i), slot, names);
		jv_free(k);
	}
	ok = ok && jv_get_kind(msgs) == JV_KIND_ARRAY &&
	    (jv_get_kind(sys) == JV_KIND_NULL || jv_get_kind(sys) == JV_KIND_STRING);
	const char *model = e->model ? e->model : "";
	if (ok)
		ok = mlm_buf_puts(b, "{\"model\":") == 0 && mlm_json_str(b, model, strlen(model)) == 0 &&
		    mlm_buf_puts(b, ",\"messages\":[") == 0;
	int n = 0;
	if (ok && jv_get_kind(sys) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(sys))) {
		ok = mlm_buf_puts(b, "{\"role\":\"system\",\"content\":") == 0 &&
		    mlm_json_dump(b, sys) == 0 && mlm_buf_puts(b, "}") == 0;
		n++;
	}
	for (int i = 0, len = ok ? jv_array_length(jv_copy(msgs)) : 0; ok && i < len; i++, n++) {
		jv m = jv_array_get(jv_copy(msgs), i);
		ok = (!n || mlm_buf_puts(b, ",") == 0) && plain_msg(b, m);
		jv_free(m);
	}
	if (ok)
		ok = mlm_buf_puts(b, "]") == 0;
	if (ok && jv_get_kind(temp) == JV_KIND_NUMBER)
		ok = mlm_buf_puts(b, ",\"temperature\":") == 0 && mlm_json_dump(b, temp) == 0;
	if (ok && jv_get_kind(mt) == JV_KIND_NUMBER)
		ok = mlm_buf_puts(b, prov_is(e, "openai") ? ",\"max_completion_tokens\":" :
		    ",\"max_tokens\":") == 0 && mlm_json_dump(b, mt) == 0;
	if (ok)
		ok = mlm_buf_puts(b, stream ? ",\"stream\":true" : ",\"stream\":false") == 0 &&
		    (!stream || zhipu || mlm_buf_puts(b, ",\"stream_options\":{\"include_usage\":true}") == 0) &&
		    mlm_buf_puts(b, "}") == 0;
	jv_free(msgs), jv_free(sys), jv_free(temp), jv_free(mt);
	return ok;
}

static int
openai_build(const mlm_entry *e, const char *key, jv req, int stream,
    mlm_httpreq *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (!e || !e->base_url || !*e->base_url)
		return mlm_err(err, errlen, "%s: no base URL", e && e->id ? e->id : "entry");
	if (jv_get_kind(req) != JV_KIND_OBJECT)
		return mlm_err(err, errlen, "request: not a JSON object");
	int zhipu = prov_is(e, "zhipu");
	mlm_buf plain = { 0 };
	if (plain_body(e, req, stream, zhipu, &plain)) {
		mlm_json_fast_n++;
		out->url = mlm_url_join(e->base_url, "/chat/completions");
		return mlm_httpreq_finish_text(out, plain.p, "Authorization: Bearer", key, stream,
		    err, errlen);
	}
	mlm_buf_free(&plain);
	jv schema = mlm_jpath(req, "schema");
	int has_schema = jv_get_kind(schema) == JV_KIND_OBJECT;
	jv json = mlm_jpath(req, "json");
	int want_json = jv_get_kind(json) == JV_KIND_TRUE;
	jv_free(json);

	jv msgs = jv_array();
	jv sys = mlm_jpath(req, "system");
	if (zhipu && has_schema) {
		jv d = jv_dump_string(jv_copy(schema), 0);
		jv inst = jv_string_fmt("Answer with one JSON object only, valid against this JSON Schema: %s",
		    jv_string_value(d));
		jv_free(d);
		if (jv_get_kind(sys) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(sys)))
			sys = jv_string_concat(jv_string_concat(sys, jv_string("\n\n")), inst);
		else {
			jv_free(sys);
			sys = inst;
		}
	}
	if (jv_get_kind(sys) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(sys)))
		msgs = jv_array_append(msgs, jv_object_set(jv_object_set(jv_object(),
		    jv_string("role"), jv_string("system")), jv_string("content"), sys));
	else
		jv_free(sys);
	if (add_messages(req, &msgs, err, errlen) < 0) {
		jv_free(msgs), jv_free(schema);
		return -1;
	}

	jv b = jv_object();
	b = jv_object_set(b, jv_string("model"), jv_string(e->model ? e->model : ""));
	b = jv_object_set(b, jv_string("messages"), msgs);
	jv t = mlm_jpath(req, "temperature");
	if (jv_get_kind(t) == JV_KIND_NUMBER)
		b = jv_object_set(b, jv_string("temperature"), t);
	else
		jv_free(t);
	jv mt = mlm_jpath(req, "max_tokens");
	if (jv_get_kind(mt) == JV_KIND_NUMBER)
		b = jv_object_set(b, jv_string(prov_is(e, "openai") ? "max_completion_tokens" :
		    "max_tokens"), mt);
	else
		jv_free(mt);
	if (has_schema && !zhipu) {
		b = jv_object_set(b, jv_string("response_format"), json_schema_format(req, schema));
	} else if (has_schema || want_json) {
		b = jv_object_set(b, jv_string("response_format"),
		    jv_object_set(jv_object(), jv_string("type"), jv_string("json_object")));
	}
	jv_free(schema);
	b = sampling(e, req, b, zhipu, err, errlen);
	if (!jv_is_valid(b))
		return -1;
	b = jv_object_set(b, jv_string("stream"), jv_bool(stream));
	if (stream && !zhipu)
		b = jv_object_set(b, jv_string("stream_options"),
		    jv_object_set(jv_object(), jv_string("include_usage"), jv_true()));

	out->url = mlm_url_join(e->base_url, "/chat/completions");
	return mlm_httpreq_finish(out, b, "Authorization: Bearer", key, stream, err, errlen);
}

/* ---------- answers ---------- */

static void
take_usage(mlm_answer *a, jv u)
{
	jv p = mlm_jpath(u, "prompt_tokens"), c = mlm_jpath(u, "completion_tokens");
	if (jv_get_kind(p) == JV_KIND_NUMBER)
		a->in_tok = (long)jv_number_value(p);
	if (jv_get_kind(c) == JV_KIND_NUMBER)
		a->out_tok = (long)jv_number_value(c);
	jv_free(p), jv_free(c);
}

static void
usage_of(mlm_answer *a, jv x)
{
	jv u = mlm_jpath(x, "usage");
	if (jv_get_kind(u) != JV_KIND_OBJECT) {
		jv_free(u);
		u = mlm_jpath(x, "x_groq.usage");
	}
	if (jv_get_kind(u) == JV_KIND_OBJECT)
		take_usage(a, u);
	jv_free(u);
}

/* Appends a content value: a string, or an array of {type:"text",text} parts. */
static int
add_content(mlm_answer *a, jv c)
{
	if (jv_get_kind(c) == JV_KIND_STRING)
		return mlm_buf_add(&a->text, jv_string_value(c),
		    (size_t)jv_string_length_bytes(jv_copy(c)));
	if (jv_get_kind(c) == JV_KIND_ARRAY) {
		int n = jv_array_length(jv_copy(c));
		for (int i = 0; i < n; i++) {
			jv p = jv_array_get(jv_copy(c), i);
			jv ty = mlm_jpath(p, "type"), t = mlm_jpath(p, "text");
			int r = 0;
			if (jv_get_kind(t) == JV_KIND_STRING && (jv_get_kind(ty) != JV_KIND_STRING ||
			    !strcmp(jv_string_value(ty), "text")))
				r = mlm_buf_add(&a->text, jv_string_value(t),
				    (size_t)jv_string_length_bytes(jv_copy(t)));
			jv_free(p), jv_free(ty), jv_free(t);
			if (r < 0)
				return -1;
		}
	}
	return 0;
}

/* Records a finish reason; -1 with o filled when it means failure. */
static int
finish(mlm_answer *a, jv fr, mlm_outcome *o)
{
	if (jv_get_kind(fr) != JV_KIND_STRING)
		return 0;
	const char *f = jv_string_value(fr);
	snprintf(a->finish, sizeof a->finish, "%s", f);
	a->done = 1;
	if (!strcmp(f, "content_filter") || !strcmp(f, "sensitive")) {
		mlm_outcome_set(o, MLM_BLOCKED, 200, "HTTP 200: answer blocked (finish_reason %s)", f);
		return -1;
	}
	if (!strcmp(f, "network_error") || !strcmp(f, "error")) {
		mlm_outcome_set(o, MLM_SERVER, 200, "HTTP 200: answer failed (finish_reason %s)", f);
		return -1;
	}
	return 0;
}

static int
has_error(jv x)
{
	jv er = mlm_jpath(x, "error");
	int k = jv_get_kind(er);
	jv_free(er);
	return k == JV_KIND_OBJECT || k == JV_KIND_STRING;
}

/* The common answer read off a token tape: an object without "error",
 * choices[0].message.content a string (or absent), usage numbers. Returns
 * -2 for anything else, before touching a, and libjq's parser decides. */
static int
parse_fast(const char *body, size_t len, mlm_answer *a, mlm_outcome *o)
{
	if (mlm_json_fast_off)
		return -2;
	mlm_jdoc *d = malloc(sizeof *d);
	int r = -2;
	if (!d || mlm_jdoc_parse(d, body, len) < 0 || d->t[0].type != MLM_J_OBJECT)
		goto out;
	int er = mlm_jdoc_get(d, 0, "error");
	int c0 = mlm_jdoc_get(d, 0, "choices.0");
	int u = mlm_jdoc_get(d, 0, "usage");
	if (u == -1 || (u >= 0 && d->t[u].type != MLM_J_OBJECT))
		u = mlm_jdoc_get(d, 0, "x_groq.usage");
	if (er != -1 || c0 < 0 || d->t[c0].type != MLM_J_OBJECT || u == -2)
		goto out;
	int pt = u >= 0 ? mlm_jdoc_get(d, u, "prompt_tokens") : -1;
	int ct = u >= 0 ? mlm_jdoc_get(d, u, "completion_tokens") : -1;
	if (mlm_jdoc_get(d, c0, "message.tool_calls") != -1)
		goto out;       /* tool calls: libjq's parser reads them */
	int content = mlm_jdoc_get(d, c0, "message.content");
	int refusal = mlm_jdoc_get(d, c0, "message.refusal");
	int fr = mlm_jdoc_get(d, c0, "finish_reason");
	if (pt == -2 || ct == -2 || content == -2 || refusal == -2 || fr == -2 ||
	    (content >= 0 && d->t[content].type != MLM_J_STRING) ||
	    (content < 0 && refusal >= 0 && d->t[refusal].type == MLM_J_STRING) ||
	    (fr >= 0 && d->t[fr].type == MLM_J_STRING && d->t[fr].esc))
		goto out;
	size_t at = a->text.len;
	if (content >= 0 && (r = mlm_jdoc_str(d, content, &a->text)) == -2)
		goto out;
	double v;
	if (u >= 0 && (d->t[u].type == MLM_J_OBJECT)) {
		if (mlm_jdoc_num(d, pt, &v) == 0)
			a->in_tok = (long)v;
		if (mlm_jdoc_num(d, ct, &v) == 0)
			a->out_tok = (long)v;
	}
	if (r == -1) {
		a->text.len = at;
		mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: answer too large");
		goto out;
	}
	r = 0;
	if (fr >= 0 && d->t[fr].type == MLM_J_STRING) {
		jv f = jv_string_sized(body + d->t[fr].start, (int)(d->t[fr].end - d->t[fr].start));
		r = finish(a, f, o);
		jv_free(f);
	}
	a->done = 1;
out:
	free(d);
	return r;
}

static int
openai_parse(const mlm_entry *e, const char *body, size_t len, mlm_answer *a, mlm_outcome *o)
{
	(void)e;
	int fast = parse_fast(body, len, a, o);
	if (fast != -2)
		return fast;
	jv x = mlm_parse_body(body, len);
	if (jv_get_kind(x) != JV_KIND_OBJECT) {
		jv_free(x);
		mlm_classify_generic(200, NULL, body, len, o);
		o->kind = MLM_BAD_RESPONSE;
		return -1;
	}
	if (has_error(x)) {
		jv_free(x);
		mlm_classify_generic(200, NULL, body, len, o);
		return -1;
	}
	jv c0 = mlm_jpath(x, "choices.0");
	if (jv_get_kind(c0) != JV_KIND_OBJECT) {
		jv_free(c0), jv_free(x);
		mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: answer without choices");
		return -1;
	}
	usage_of(a, x);
	jv content = mlm_jpath(c0, "message.content");
	jv refusal = mlm_jpath(c0, "message.refusal");
	int r = 0;
	if (jv_get_kind(content) == JV_KIND_NULL && jv_get_kind(refusal) == JV_KIND_STRING) {
		mlm_outcome_set(o, MLM_BLOCKED, 200, "HTTP 200: refusal: %s", jv_string_value(refusal));
		r = -1;
	} else if (add_content(a, content) < 0) {
		mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: answer too large");
		r = -1;
	} else {
		jv msg = mlm_jpath(c0, "message");
		if (mlm_tools_openai_take(msg, a) < 0) {
			mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: a tool call without a "
			    "function name or arguments");
			r = -1;
		}
		jv_free(msg);
	}
	if (!r) {
		jv fr = mlm_jpath(c0, "finish_reason");
		r = finish(a, fr, o);
		jv_free(fr);
		a->done = 1;
	}
	jv_free(content), jv_free(refusal), jv_free(c0), jv_free(x);
	return r;
}

static int
openai_event(const mlm_entry *e, const char *event, const char *data, size_t len,
    mlm_answer *a, mlm_outcome *o)
{
	(void)e; (void)event;
	jv x;
	int r = mlm_event_object(data, len, 1, has_error, &x, o);
	if (r == 1 && jv_is_valid(a->tool_calls) && !a->finish[0]) {
		/* [DONE] with tool calls begun and no finish_reason: a cut answer */
		mlm_outcome_set(o, MLM_NETWORK, 200, "stream ended without a finish_reason "
		    "(tool calls unfinished)");
		return -1;
	}
	if (r == 1)
		a->done = 1;
	if (r != 2)
		return r;
	r = 0;
	jv c0 = mlm_jpath(x, "choices.0");
	if (jv_get_kind(c0) == JV_KIND_OBJECT) {
		jv dc = mlm_jpath(c0, "delta.content"), tc = mlm_jpath(c0, "delta.tool_calls");
		if (add_content(a, dc) < 0) {
			mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: answer too large");
			r = -1;
		} else if (mlm_tools_openai_delta(tc, a) < 0) {
			mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: tool call deltas out of "
			    "order or too many");
			r = -1;
		}
		jv_free(dc), jv_free(tc);
		if (!r) {
			jv fr = mlm_jpath(c0, "finish_reason");
			r = finish(a, fr, o);
			jv_free(fr);
			if (!r && a->done && mlm_tools_finish(a) < 0) {
				mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: a streamed tool call "
				    "without a function name");
				r = -1;
			}
		}
	}
	jv_free(c0);
	usage_of(a, x);
	jv_free(x);
	return r;
}

const mlm_adapter mlm_adapter_openai = {
	"openai", openai_build, openai_parse, openai_event, mlm_adapter_classify,
};
