/*
 * serve-tools.c — function tools on llm-serve's OpenAI chat wire: "tools",
 * "tool_choice", "parallel_tool_calls", assistant "tool_calls" and
 * "role": "tool" results into the neutral request (mlm.h, lib/tools.c), and
 * the calls of an answer back in OpenAI's shape, whole or as stream chunks
 * (a stream with tools is asked whole upstream: serve_call.upstream_whole).
 */
#include <string.h>

#include "serve.h"

#define SERVE_MAX_TOOLS 256

static int
is_str(jv v)
{
	return jv_get_kind(v) == JV_KIND_STRING;
}

/* tools[i] (consumed) {"type":"function","function":{"name",...}} → neutral */
static jv
one_tool(jv t, int i, char *err, size_t errlen)
{
	jv ty = serve_oget(t, "type"), f = serve_oget(t, "function");
	jv name = serve_oget(f, "name");
	jv r = jv_invalid();
	if (!is_str(ty) || strcmp(jv_string_value(ty), "function"))
		serve_bad(err, errlen, "tools[%d].type: only function tools are supported", i);
	else if (!is_str(name) || !jv_string_length_bytes(jv_copy(name)))
		serve_bad(err, errlen, "tools[%d].function.name: expected a non-empty string", i);
	else {
		r = jv_object_set(jv_object(), jv_string("name"), jv_copy(name));
		jv d = serve_oget(f, "description"), p = serve_oget(f, "parameters");
		if (is_str(d))
			r = jv_object_set(r, jv_string("description"), d);
		else
			jv_free(d);
		if (jv_get_kind(p) == JV_KIND_OBJECT)
			r = jv_object_set(r, jv_string("parameters"), p);
		else
			jv_free(p);
	}
	jv_free(ty), jv_free(f), jv_free(name), jv_free(t);
	return r;
}

static int
tool_choice(jv body, jv *req, char *err, size_t errlen)
{
	jv tc = serve_oget(body, "tool_choice");
	int k = jv_get_kind(tc), rc = 0;
	if (k == JV_KIND_STRING && (!strcmp(jv_string_value(tc), "auto") ||
	    !strcmp(jv_string_value(tc), "none") || !strcmp(jv_string_value(tc), "required"))) {
		*req = jv_object_set(*req, jv_string("tool_choice"), jv_copy(tc));
	} else if (k == JV_KIND_OBJECT) {
		jv f = serve_oget(tc, "function"), n = serve_oget(f, "name");
		if (is_str(n))
			*req = jv_object_set(*req, jv_string("tool_choice"),
			    jv_object_set(jv_object(), jv_string("name"), jv_copy(n)));
		else
			rc = serve_bad(err, errlen, "%s", "tool_choice.function.name: expected a string");
		jv_free(f), jv_free(n);
	} else if (k != JV_KIND_NULL) {
		rc = serve_bad(err, errlen, "%s", "tool_choice: expected auto, none, required or "
		    "{\"type\":\"function\",\"function\":{\"name\":...}}");
	}
	jv_free(tc);
	return rc;
}

int
serve_chat_tools(jv body, jv *req, char *err, size_t errlen)
{
	jv ts = serve_oget(body, "tools");
	int k = jv_get_kind(ts), rc = 0;
	if (k != JV_KIND_NULL && k != JV_KIND_ARRAY)
		rc = serve_bad(err, errlen, "%s", "tools: expected an array");
	int n = k == JV_KIND_ARRAY ? jv_array_length(jv_copy(ts)) : 0;
	if (!rc && n > SERVE_MAX_TOOLS)
		rc = serve_bad(err, errlen, "tools: %d tools; at most %d in one request", n,
		    SERVE_MAX_TOOLS);
	jv out = jv_array();
	for (int i = 0; i < n && !rc; i++) {
		jv t = one_tool(jv_array_get(jv_copy(ts), i), i, err, errlen);
		if (!jv_is_valid(t))
			rc = -1;
		out = jv_is_valid(t) ? jv_array_append(out, t) : (jv_free(t), out);
	}
	jv_free(ts);
	if (!rc && n)
		*req = jv_object_set(*req, jv_string("tools"), jv_copy(out));
	jv_free(out);
	if (rc < 0 || tool_choice(body, req, err, errlen) < 0)
		return -1;
	jv p = serve_oget(body, "parallel_tool_calls");
	if (jv_get_kind(p) == JV_KIND_TRUE || jv_get_kind(p) == JV_KIND_FALSE)
		*req = jv_object_set(*req, jv_string("parallel_tool_calls"), p);
	else {
		if (jv_get_kind(p) != JV_KIND_NULL)
			rc = serve_bad(err, errlen, "%s", "parallel_tool_calls: expected true or false");
		jv_free(p);
	}
	return rc;
}

/* An assistant message's tool_calls → neutral; invalid with err */
static jv
msg_calls(jv cs, int i, char *err, size_t errlen)
{
	jv out = jv_array();
	int n = jv_get_kind(cs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(cs)) : -1;
	if (n < 0) {
		jv_free(out);
		serve_bad(err, errlen, "messages[%d].tool_calls: expected an array", i);
		return jv_invalid();
	}
	for (int k = 0; k < n; k++) {
		jv c = jv_array_get(jv_copy(cs), k), f = serve_oget(c, "function");
		jv id = serve_oget(c, "id"), name = serve_oget(f, "name"), args = serve_oget(f, "arguments");
		int ok = is_str(id) && is_str(name) && is_str(args);
		if (ok) {
			jv x = jv_object_set(jv_object(), jv_string("id"), id);
			x = jv_object_set(x, jv_string("name"), name);
			out = jv_array_append(out, jv_object_set(x, jv_string("arguments"), args));
		} else {
			jv_free(id), jv_free(name), jv_free(args);
		}
		jv_free(c), jv_free(f);
		if (!ok) {
			jv_free(out);
			serve_bad(err, errlen, "messages[%d].tool_calls[%d]: expected an id and a "
			    "function with a name and arguments (strings)", i, k);
			return jv_invalid();
		}
	}
	return out;
}

int
serve_chat_tool_msg(jv msg, const char *role, int i, jv *o, char *err, size_t errlen)
{
	if (!strcmp(role, "tool")) {
		jv id = serve_oget(msg, "tool_call_id");
		if (!is_str(id)) {
			jv_free(id);
			return serve_bad(err, errlen, "messages[%d].tool_call_id: expected a string", i);
		}
		*o = jv_object_set(*o, jv_string("tool_call_id"), id);
		return 0;
	}
	jv cs = serve_oget(msg, "tool_calls");
	if (jv_get_kind(cs) == JV_KIND_NULL || strcmp(role, "assistant")) {
		jv_free(cs);
		return 0;
	}
	jv calls = msg_calls(cs, i, err, errlen);
	jv_free(cs);
	if (!jv_is_valid(calls))
		return -1;
	*o = jv_object_set(*o, jv_string("tool_calls"), calls);
	return 0;
}

int
serve_write_tool_calls(mlm_buf *b, jv calls)
{
	if (jv_get_kind(calls) != JV_KIND_ARRAY || jv_array_length(jv_copy(calls)) == 0)
		return 0;
	int e = mlm_buf_puts(b, "\"tool_calls\":[");
	jv_array_foreach(calls, i, c) {
		jv id = serve_oget(c, "id"), name = serve_oget(c, "name"), args = serve_oget(c, "arguments");
		e |= mlm_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
		serve_json_strz(b, is_str(id) ? jv_string_value(id) : "");
		e |= mlm_buf_puts(b, ",\"type\":\"function\",\"function\":{\"name\":");
		serve_json_strz(b, is_str(name) ? jv_string_value(name) : "");
		e |= mlm_buf_puts(b, ",\"arguments\":");
		serve_json_strz(b, is_str(args) ? jv_string_value(args) : "");
		e |= mlm_buf_puts(b, "}}");
		jv_free(id), jv_free(name), jv_free(args), jv_free(c);
	}
	e |= mlm_buf_puts(b, "],");
	return e < 0 ? -1 : 1;
}

int
serve_write_tool_chunks(mlm_buf *b, jv calls, const char *head, int usage_null)
{
	const char *tail = usage_null ? "},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n" :
	    "},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
	int e = 0;
	jv_array_foreach(calls, i, c) {
		jv id = serve_oget(c, "id"), name = serve_oget(c, "name"), args = serve_oget(c, "arguments");
		e |= mlm_buf_puts(b, head);
		e |= mlm_buf_printf(b, "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":%d,\"id\":", i);
		serve_json_strz(b, is_str(id) ? jv_string_value(id) : "");
		e |= mlm_buf_puts(b, ",\"type\":\"function\",\"function\":{\"name\":");
		serve_json_strz(b, is_str(name) ? jv_string_value(name) : "");
		e |= mlm_buf_puts(b, ",\"arguments\":\"\"}}]");
		e |= mlm_buf_puts(b, tail);
		e |= mlm_buf_puts(b, head);
		e |= mlm_buf_printf(b, "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":%d,"
		    "\"function\":{\"arguments\":", i);
		serve_json_strz(b, is_str(args) ? jv_string_value(args) : "");
		e |= mlm_buf_puts(b, "}}]");
		e |= mlm_buf_puts(b, tail);
		jv_free(id), jv_free(name), jv_free(args), jv_free(c);
	}
	return e < 0 ? -1 : 0;
}

jv
serve_call_args(jv call)
{
	jv a = serve_oget(call, "arguments");
	jv o = is_str(a) && jv_string_length_bytes(jv_copy(a)) ? jv_parse(jv_string_value(a)) : jv_object();
	jv_free(a);
	if (jv_get_kind(o) != JV_KIND_OBJECT) {
		jv_free(o);
		o = jv_object();
	}
	return o;
}
