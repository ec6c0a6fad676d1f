/*
 * serve-openai.c — llm-serve's OpenAI chat completions wire
 * (POST /v1/chat/completions): the request parser and the answer writers,
 * and the helpers the other wire formats share.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"
#include "serve-parts.h"

/* ---------- shared helpers ---------- */

jv
serve_oget(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return jv_null();
	jv v = mlm_jfield(obj, key);
	if (!jv_is_valid(v)) {
		jv_free(v);
		return jv_null();
	}
	return v;
}

void
serve_json_strz(mlm_buf *b, const char *s)
{
	sv_json_str(b, s, strlen(s));
}

int
serve_bad(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

long
serve_estimate_tokens(jv req)
{
	size_t bytes = 0, n = 0;
	jv sys = serve_oget(req, "system");
	if (jv_get_kind(sys) == JV_KIND_STRING)
		bytes += (size_t)jv_string_length_bytes(jv_copy(sys)), n++;
	jv_free(sys);
	jv ms = serve_oget(req, "messages");
	if (jv_get_kind(ms) == JV_KIND_ARRAY) {
		jv_array_foreach(ms, i, m) {
			jv c = serve_oget(m, "content");
			if (jv_get_kind(c) == JV_KIND_STRING)
				bytes += (size_t)jv_string_length_bytes(jv_copy(c));
			jv_free(c);
			jv_free(m);
			n++;
		}
	}
	jv_free(ms);
	jv ts = serve_oget(req, "tools");     /* declarations are prompt too */
	if (jv_get_kind(ts) == JV_KIND_ARRAY) {
		jv d = jv_dump_string(ts, 0);
		bytes += (size_t)jv_string_length_bytes(jv_copy(d));
		jv_free(d);
	} else {
		jv_free(ts);
	}
	return (long)((bytes + 3) / 4 + 4 * n);
}

int
serve_number(jv body, const char *key, double lo, double hi, int whole, jv *req,
    const char *name, char *err, size_t errlen)
{
	jv v = serve_oget(body, key);
	if (jv_get_kind(v) == JV_KIND_NULL) {
		jv_free(v);
		return 0;
	}
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : NAN;
	jv_free(v);
	if (!(d >= lo && d <= hi) || (whole && d != floor(d))) {
		if (whole)
			return serve_bad(err, errlen, "%s: expected a positive whole number", key);
		return serve_bad(err, errlen, "%s: expected a number from %g to %g", key, lo, hi);
	}
	*req = jv_object_set(*req, jv_string(name), jv_number(d));
	return 0;
}

int
serve_refuse(jv body, const char *key, char *err, size_t errlen)
{
	jv v = serve_oget(body, key);
	int k = jv_get_kind(v), empty = k == JV_KIND_NULL || k == JV_KIND_FALSE;
	if (k == JV_KIND_ARRAY || k == JV_KIND_OBJECT || k == JV_KIND_STRING)
		empty = jv_get_kind(v) == JV_KIND_STRING ? jv_string_length_bytes(jv_copy(v)) == 0 :
		    jv_get_kind(v) == JV_KIND_ARRAY ? jv_array_length(jv_copy(v)) == 0 :
		    jv_object_length(jv_copy(v)) == 0;
	jv_free(v);
	if (empty)
		return 0;
	return serve_bad(err, errlen, "%s: not supported by this server yet (the request was "
	    "not sent; remove the parameter)", key);
}

int
serve_nonempty_strings(jv arr, int n)
{
	int ok = 1;
	for (int i = 0; i < n && ok; i++) {
		jv x = jv_array_get(jv_copy(arr), i);
		ok = jv_get_kind(x) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(x)) > 0;
		jv_free(x);
	}
	return ok;
}

jv
serve_join_text(jv content, const char *what, const char *noun, const char *const *types,
    const char *sep, int *nparts, char *err, size_t errlen)
{
	return serve_join_parts(content, what, noun, types, sep, 0, nparts, err, errlen);
}

jv
serve_join_parts(jv content, const char *what, const char *noun, const char *const *types,
    const char *sep, int images, int *nparts, char *err, size_t errlen)
{
	if (jv_get_kind(content) == JV_KIND_STRING)
		return content;
	if (jv_get_kind(content) != JV_KIND_ARRAY) {
		jv_free(content);
		serve_bad(err, errlen, "%s: expected a string or an array of content %s", what, noun);
		return jv_invalid();
	}
	int n = jv_array_length(jv_copy(content)), ok = 1;
	if ((*nparts += n) > SERVE_MAX_PARTS) {
		serve_bad(err, errlen, "%s: more than %d content %s in one request", what,
		    SERVE_MAX_PARTS, noun);
		ok = 0;
	}
	mlm_buf t = { 0 };
	sv_add(&t, "", 0);
	jv imgs = jv_array();   /* image parts (serve-parts.c), when images */
	char pw[96];
	int ir;
	for (int k = 0; k < n && ok; k++) {
		jv p = jv_array_get(jv_copy(content), k);
		jv ty = serve_oget(p, "type"), tx = serve_oget(p, "text");
		const char *ts = jv_get_kind(ty) == JV_KIND_STRING ? jv_string_value(ty) : NULL;
		int known = 0;
		for (size_t i = 0; ts && types[i] && !known; i++)
			known = !strcmp(ts, types[i]);
		if (known && jv_get_kind(tx) == JV_KIND_STRING) {
			if (t.len)
				sv_puts(&t, sep);
			sv_puts(&t, jv_string_value(tx));
		} else if (images && (snprintf(pw, sizeof pw, "%s[%d]", what, k),
		    (ir = serve_image_part(p, pw, &imgs, err, errlen)) != 0)) {
			ok = ir > 0;
		} else if (ts) {
			serve_bad(err, errlen, "%s[%d]: %s %s are not supported by this server yet "
			    "(text only; the request was not sent)", what, k, ts, noun);
			ok = 0;
		} else {
			serve_bad(err, errlen, "%s[%d]: expected a content %.*s with a type", what, k,
			    (int)strlen(noun) - 1, noun);
			ok = 0;
		}
		jv_free(p), jv_free(ty), jv_free(tx);
	}
	jv_free(content);
	if (ok && t.over) {
		serve_bad(err, errlen, "%s: the text is larger than %u bytes", what, MLM_BUF_DEFAULT_MAX);
		ok = 0;
	}
	jv r = ok ? serve_parts_join(jv_string_sized(t.p, (int)t.len), imgs) :
	    (jv_free(imgs), jv_invalid());
	mlm_buf_free(&t);
	return r;
}

/* {"error":{"message","type","param":null,"code"}} */
void
serve_openai_error(mlm_buf *b, unsigned status, const char *msg, const char *type,
    const char *code)
{
	(void)status;
	sv_puts(b, "{\"error\":{\"message\":");
	serve_json_strz(b, msg);
	sv_puts(b, ",\"type\":");
	serve_json_strz(b, type);
	sv_puts(b, ",\"param\":null,\"code\":");
	if (code)
		serve_json_strz(b, code);
	else
		sv_puts(b, "null");
	sv_puts(b, "}}");
}

/* ---------- the request: OpenAI chat → the neutral request ---------- */

/* A message's content → its text (string, null, or text parts joined);
 * invalid with err filled otherwise. */
static jv
content_text(jv content, int i, int *nparts, char *err, size_t errlen)
{
	if (jv_get_kind(content) == JV_KIND_STRING)
		return content;
	if (jv_get_kind(content) == JV_KIND_NULL) {
		jv_free(content);
		return jv_string("");
	}
	if (jv_get_kind(content) != JV_KIND_ARRAY) {
		jv_free(content);
		serve_bad(err, errlen, "messages[%d].content: expected a string or an array of "
		    "text parts", i);
		return jv_invalid();
	}
	mlm_buf t = { 0 };
	sv_add(&t, "", 0);
	jv imgs = jv_array();   /* image_url parts (serve-parts.c) */
	char what[64];
	int np = jv_array_length(jv_copy(content)), okp = 1, ir;
	if ((*nparts += np) > SERVE_MAX_PARTS) {
		serve_bad(err, errlen, "messages[%d].content: more than %d content parts in "
		    "one request", i, SERVE_MAX_PARTS);
		okp = 0;
	}
	for (int k = 0; k < np && okp; k++) {
		jv part = jv_array_get(jv_copy(content), k);
		jv ty = serve_oget(part, "type");
		jv tx = serve_oget(part, "text");
		if (jv_get_kind(part) == JV_KIND_STRING) {
			sv_puts(&t, jv_string_value(part));
		} else if (jv_get_kind(ty) == JV_KIND_STRING &&
		    !strcmp(jv_string_value(ty), "text") && jv_get_kind(tx) == JV_KIND_STRING) {
			sv_puts(&t, jv_string_value(tx));
		} else if (snprintf(what, sizeof what, "messages[%d].content[%d]", i, k),
		    (ir = serve_image_part(part, what, &imgs, err, errlen)) != 0) {
			okp = ir > 0;
		} else {
			serve_bad(err, errlen, "messages[%d].content[%d]: only text and image_url "
			    "parts are supported", i, k);
			okp = 0;
		}
		jv_free(part), jv_free(ty), jv_free(tx);
	}
	jv_free(content);
	if (okp && t.over) {
		serve_bad(err, errlen, "messages[%d].content: the text is larger than %u bytes", i,
		    MLM_BUF_DEFAULT_MAX);
		okp = 0;
	}
	jv text = okp ? serve_parts_join(jv_string_sized(t.p, (int)t.len), imgs) :
	    (jv_free(imgs), jv_invalid());
	mlm_buf_free(&t);
	return text;
}

/* body.messages → *msgs and sys; -1 with err */
static int
chat_messages(jv body, jv *msgs, mlm_buf *sys, char *err, size_t errlen)
{
	jv ms = serve_oget(body, "messages");
	if (jv_get_kind(ms) != JV_KIND_ARRAY || jv_array_length(jv_copy(ms)) == 0) {
		jv_free(ms);
		return serve_bad(err, errlen, "%s", "messages: expected a non-empty array");
	}
	int n = jv_array_length(jv_copy(ms)), nparts = 0, rc = -1;
	if (n > SERVE_MAX_MESSAGES) {
		jv_free(ms);
		return serve_bad(err, errlen, "messages: %d messages; at most %d in one request", n,
		    SERVE_MAX_MESSAGES);
	}
	for (int i = 0; i < n; i++) {
		jv msg = jv_array_get(jv_copy(ms), i);
		if (jv_get_kind(msg) != JV_KIND_OBJECT) {
			jv_free(msg);
			serve_bad(err, errlen, "messages[%d]: expected an object", i);
			goto out;
		}
		jv role = serve_oget(msg, "role");
		jv content = serve_oget(msg, "content");
		const char *r = jv_get_kind(role) == JV_KIND_STRING ? jv_string_value(role) : "";
		int is_sys = !strcmp(r, "system") || !strcmp(r, "developer");
		if (!is_sys && strcmp(r, "user") && strcmp(r, "assistant") && strcmp(r, "tool")) {
			serve_bad(err, errlen, "messages[%d].role: expected system, developer, user, "
			    "assistant or tool", i);
			jv_free(role), jv_free(content), jv_free(msg);
			goto out;
		}
		jv text = content_text(content, i, &nparts, err, errlen);
		if (jv_is_valid(text) && is_sys && jv_get_kind(text) != JV_KIND_STRING) {
			jv_free(text);
			text = jv_invalid();
			serve_bad(err, errlen, "messages[%d].content: a system message takes text only", i);
		}
		if (!jv_is_valid(text)) {
			jv_free(role), jv_free(msg);
			goto out;
		}
		if (is_sys) {
			if (sys->len)
				sv_puts(sys, "\n\n");
			sv_add(sys, jv_string_value(text), (size_t)jv_string_length_bytes(jv_copy(text)));
			jv_free(text);
		} else {
			jv o = jv_object_set(jv_object(), jv_string("role"), jv_string(r));
			o = jv_object_set(o, jv_string("content"), text);
			if (serve_chat_tool_msg(msg, r, i, &o, err, errlen) < 0) {
				jv_free(o), jv_free(role), jv_free(msg);
				goto out;
			}
			*msgs = jv_array_append(*msgs, o);
		}
		jv_free(role), jv_free(msg);
	}
	rc = 0;
	if (jv_array_length(jv_copy(*msgs)) == 0)
		rc = serve_bad(err, errlen, "%s", "messages: no user or assistant message");
out:
	jv_free(ms);
	return rc;
}

/* response_format → req's json/schema/schema_name; -1 with err */
static int
chat_format(jv body, jv *req, char *err, size_t errlen)
{
	jv rf = serve_oget(body, "response_format");
	int rc = 0;
	if (jv_get_kind(rf) == JV_KIND_OBJECT) {
		jv ty = serve_oget(rf, "type");
		const char *s = jv_get_kind(ty) == JV_KIND_STRING ? jv_string_value(ty) : "";
		if (!strcmp(s, "json_object")) {
			*req = jv_object_set(*req, jv_string("json"), jv_true());
		} else if (!strcmp(s, "json_schema")) {
			jv js = serve_oget(rf, "json_schema");
			jv sc = serve_oget(js, "schema");
			jv nm = serve_oget(js, "name");
			jv_free(js);
			if (jv_get_kind(sc) != JV_KIND_OBJECT) {
				jv_free(sc), jv_free(nm);
				rc = serve_bad(err, errlen, "%s",
				    "response_format.json_schema.schema: expected an object");
			} else {
				*req = jv_object_set(*req, jv_string("json"), jv_true());
				*req = jv_object_set(*req, jv_string("schema"), sc);
				if (jv_get_kind(nm) == JV_KIND_STRING)
					*req = jv_object_set(*req, jv_string("schema_name"), nm);
				else
					jv_free(nm);
			}
		} else if (strcmp(s, "text")) {
			rc = serve_bad(err, errlen, "%s",
			    "response_format.type: expected text, json_object or json_schema");
		}
		jv_free(ty);
	} else if (jv_get_kind(rf) != JV_KIND_NULL) {
		rc = serve_bad(err, errlen, "%s", "response_format: expected an object");
	}
	jv_free(rf);
	return rc;
}

/* body.stop: a string or up to 4 strings → req.stop, an array */
static int
chat_stop(jv body, jv *req, char *err, size_t errlen)
{
	jv v = serve_oget(body, "stop");
	int k = jv_get_kind(v), ok = k == JV_KIND_STRING;
	if (k == JV_KIND_NULL) {
		jv_free(v);
		return 0;
	}
	if (k == JV_KIND_ARRAY) {
		int n = jv_array_length(jv_copy(v));
		ok = n >= 1 && n <= 4 && serve_nonempty_strings(v, n);
	}
	if (!ok) {
		jv_free(v);
		return serve_bad(err, errlen, "%s", "stop: expected a string or an array of 1 to 4 "
		    "non-empty strings");
	}
	if (k == JV_KIND_STRING)
		v = jv_array_append(jv_array(), v);
	*req = jv_object_set(*req, jv_string("stop"), v);
	return 0;
}

/* The sampling parameters: passed on (the adapters map or refuse them),
 * refused here, or (user) taken and ignored. -1 with err naming one. */
static int
chat_params(jv body, jv *req, char *err, size_t errlen)
{
	static const char *const refused[] = { "functions", "function_call", "logit_bias",
		"logprobs", "top_logprobs", "reasoning_effort" };
	if (serve_chat_tools(body, req, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
		if (serve_refuse(body, refused[i], err, errlen) < 0)
			return -1;
	jv n = serve_oget(body, "n");
	int nk = jv_get_kind(n), one = nk == JV_KIND_NULL ||
	    (nk == JV_KIND_NUMBER && jv_number_value(n) == 1);
	jv_free(n);
	if (!one)
		return serve_bad(err, errlen, "%s", "n: only 1 choice per request is supported "
		    "(the request was not sent)");
	if (chat_stop(body, req, err, errlen) < 0 ||
	    serve_number(body, "top_p", 0, 1, 0, req, "top_p", err, errlen) < 0 ||
	    serve_number(body, "presence_penalty", -2, 2, 0, req, "presence_penalty", err,
	    errlen) < 0 ||
	    serve_number(body, "frequency_penalty", -2, 2, 0, req, "frequency_penalty", err,
	    errlen) < 0)
		return -1;
	jv seed = serve_oget(body, "seed");
	int sk = jv_get_kind(seed);
	double d = sk == JV_KIND_NUMBER ? jv_number_value(seed) : 0;
	jv_free(seed);
	if (sk != JV_KIND_NULL && (sk != JV_KIND_NUMBER || d != floor(d) || fabs(d) > 9.007e15))
		return serve_bad(err, errlen, "%s", "seed: expected a whole number");
	if (sk == JV_KIND_NUMBER)
		*req = jv_object_set(*req, jv_string("seed"), jv_number(d));
	return 0;       /* "user" is a tracking hint: taken, not passed on */
}

/* the body's "model" → sc (0, -1 or -2) */
static int
body_model(serve_call *sc, jv body, char *err, size_t errlen)
{
	jv m = serve_oget(body, "model");
	int rc = 0;
	if (jv_get_kind(m) == JV_KIND_STRING) {
		const char *s = jv_string_value(m);
		if (strlen(s) >= sizeof sc->model_glob)
			rc = serve_bad(err, errlen, "%s", "model: name too long");
		else
			rc = serve_pick_model(sc, s, err, errlen);
	} else if (jv_get_kind(m) != JV_KIND_NULL) {
		rc = serve_bad(err, errlen, "%s", "model: expected a string");
	}
	jv_free(m);
	return rc;
}

static int
chat_parse(serve_call *sc, jv body, char *err, size_t errlen)
{
	int rc = -1;
	jv req = jv_object(), msgs = jv_array();
	mlm_buf sys = { 0 };
	if (jv_get_kind(body) != JV_KIND_OBJECT) {
		serve_bad(err, errlen, "%s", "the request body must be a JSON object");
		goto out;
	}
	if ((rc = body_model(sc, body, err, errlen)) < 0)
		goto out;
	rc = -1;
	if (chat_messages(body, &msgs, &sys, err, errlen) < 0)
		goto out;
	if (sys.over) {
		serve_bad(err, errlen, "the system messages are larger than %u bytes", MLM_BUF_DEFAULT_MAX);
		goto out;
	}
	if (sys.len)
		req = jv_object_set(req, jv_string("system"), jv_string_sized(sys.p, (int)sys.len));
	req = jv_object_set(req, jv_string("messages"), msgs);
	msgs = jv_invalid();
	jv t = serve_oget(body, "temperature");
	int tk = jv_get_kind(t);
	jv_free(t);
	if (tk != JV_KIND_NULL && tk != JV_KIND_NUMBER) {
		serve_bad(err, errlen, "%s", "temperature: expected a number");
		goto out;
	}
	if (serve_number(body, "temperature", 0, 2, 0, &req, "temperature", err, errlen) < 0)
		goto out;
	jv mc = serve_oget(body, "max_completion_tokens");
	const char *mk = jv_get_kind(mc) != JV_KIND_NULL ? "max_completion_tokens" : "max_tokens";
	jv_free(mc);
	if (serve_number(body, mk, 1, 1e9, 1, &req, "max_tokens", err, errlen) < 0)
		goto out;
	if (chat_format(body, &req, err, errlen) < 0 || chat_params(body, &req, err, errlen) < 0)
		goto out;
	jv st = serve_oget(body, "stream");
	sc->stream = jv_get_kind(st) == JV_KIND_TRUE;
	jv_free(st);
	if (sc->stream) {
		jv inc = serve_oget(body, "stream_options");
		jv iu = serve_oget(inc, "include_usage");
		sc->include_usage = jv_get_kind(iu) == JV_KIND_TRUE;
		jv_free(inc), jv_free(iu);
		req = jv_object_set(req, jv_string("stream"), jv_true());
		sc->upstream_whole = mlm_tools_used(req);
	}
	sc->req = req;
	req = jv_invalid();
	rc = 0;
out:
	jv_free(req);
	jv_free(msgs);
	mlm_buf_free(&sys);
	return rc;
}

/* ---------- the answer ---------- */

static void
chunk_head(serve_call *sc, mlm_buf *b)
{
	sv_printf(b, "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\",\"created\":%ld,"
	    "\"model\":", sc->id, sc->created);
	serve_json_strz(b, sc->model);
	sv_puts(b, ",\"choices\":[");     /* no system_fingerprint: a string or absent */
}

static void
usage_obj(mlm_buf *b, const mlm_result *r)
{
	long in = r->in_tok > 0 ? r->in_tok : 0, out = r->out_tok > 0 ? r->out_tok : 0;
	sv_printf(b, "{\"prompt_tokens\":%ld,\"completion_tokens\":%ld,\"total_tokens\":%ld}",
	    in, out, in + out);
}

static void
chat_delta(serve_call *sc, mlm_buf *out, const char *text, size_t n)
{
	chunk_head(sc, out);
	sv_puts(out, "{\"index\":0,\"delta\":{");
	if (!sc->ndelta)
		sv_puts(out, "\"role\":\"assistant\",");
	sv_puts(out, "\"content\":");
	sv_json_str(out, text, n);
	sv_puts(out, "},\"logprobs\":null,\"finish_reason\":null}]");
	if (sc->include_usage)
		sv_puts(out, ",\"usage\":null");
	sv_puts(out, "}\n\n");
}

static void
chat_end(serve_call *sc, mlm_buf *out, const mlm_result *r)
{
	int calls = 0;
	if (sc->upstream_whole) {   /* the whole answer after the role's chunk */
		if (r->text && *r->text)
			chat_delta(sc, out, r->text, strlen(r->text));
		calls = jv_get_kind(r->tool_calls) == JV_KIND_ARRAY &&
		    jv_array_length(jv_copy(r->tool_calls)) > 0;
		if (calls) {
			mlm_buf head = { 0 };
			chunk_head(sc, &head);
			serve_write_tool_chunks(out, r->tool_calls, head.p ? head.p : "",
			    sc->include_usage);
			mlm_buf_free(&head);
		}
	}
	chunk_head(sc, out);
	sv_printf(out, "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"%s\"}]",
	    calls ? "tool_calls" : "stop");
	if (sc->include_usage)
		sv_puts(out, ",\"usage\":null");
	sv_puts(out, "}\n\n");
	if (sc->include_usage) {
		chunk_head(sc, out);
		sv_puts(out, "],\"usage\":");
		usage_obj(out, r);
		sv_puts(out, "}\n\n");
	}
	sv_puts(out, "data: [DONE]\n\n");
}

static void
chat_whole(serve_call *sc, mlm_buf *out, const mlm_result *r)
{
	sv_printf(out, "{\"id\":\"%s\",\"object\":\"chat.completion\",\"created\":%ld,"
	    "\"model\":", sc->id, sc->created);
	serve_json_strz(out, sc->model);
	sv_puts(out, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",");
	int calls = serve_write_tool_calls(out, r->tool_calls);
	sv_puts(out, "\"content\":");
	if (calls && !(r->text && *r->text))
		sv_puts(out, "null");
	else
		serve_json_strz(out, r->text ? r->text : "");
	sv_printf(out, ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"%s\"}],"
	    "\"usage\":", calls ? "tool_calls" : "stop");
	usage_obj(out, r);
	sv_puts(out, "}");
}

static void
chat_stream_error(serve_call *sc, mlm_buf *out, unsigned status, const char *msg,
    const char *type, const char *code)
{
	(void)sc;
	sv_puts(out, "data: ");
	serve_openai_error(out, status, msg, type, code);
	sv_puts(out, "\n\n");
}

const serve_wire serve_openai_chat = {
	.name = "/v1/chat/completions",
	.path = "/v1/chat/completions",
	.alias = "/chat/completions",
	.id_prefix = "chatcmpl-",
	.parse = chat_parse,
	.delta = chat_delta,
	.end = chat_end,
	.whole = chat_whole,
	.error = serve_openai_error,
	.stream_error = chat_stream_error,
};
