/*
 * serve-responses-tools.c — function tools on llm-serve's OpenAI Responses
 * wire: "tools" [{"type":"function","name","description","parameters",
 * "strict"}], "tool_choice", "parallel_tool_calls"; input items
 * function_call and function_call_output into the neutral request
 * (reasoning items are skipped: none is made here); an answer's calls as
 * output items of type function_call, whole or as a stream's
 * response.output_item.added / response.function_call_arguments.delta /
 * .done / response.output_item.done events.
 */
#include <string.h>

#include "serve-responses.h"

#define SERVE_MAX_TOOLS 256

static int
is_str(jv v)
{
	return jv_get_kind(v) == JV_KIND_STRING;
}

/* tools[i] (borrowed) → neutral; *echo gets what the response repeats */
static jv
one_tool(jv t, int i, jv *echo, char *err, size_t errlen)
{
	jv ty = serve_oget(t, "type"), name = serve_oget(t, "name"), p = serve_oget(t, "parameters");
	jv d = serve_oget(t, "description"), st = serve_oget(t, "strict");
	jv r = jv_invalid();
	if (!is_str(ty))
		serve_bad(err, errlen, "tools[%d].type: expected a string", i);
	else if (strcmp(jv_string_value(ty), "function"))
		serve_bad(err, errlen, "tools[%d].type: %s tools are not supported by this server "
		    "(only function tools; the request was not sent)", i, jv_string_value(ty));
	else if (!is_str(name) || !jv_string_length_bytes(jv_copy(name)))
		serve_bad(err, errlen, "tools[%d].name: expected a non-empty string", i);
	else if (jv_get_kind(p) != JV_KIND_OBJECT && jv_get_kind(p) != JV_KIND_NULL)
		serve_bad(err, errlen, "tools[%d].parameters: expected an object", i);
	else {
		r = jv_object_set(jv_object(), jv_string("name"), jv_copy(name));
		jv e = jv_object_set(jv_object(), jv_string("type"), jv_string("function"));
		e = jv_object_set(e, jv_string("name"), jv_copy(name));
		e = jv_object_set(e, jv_string("description"), is_str(d) ? jv_copy(d) : jv_null());
		e = jv_object_set(e, jv_string("parameters"), jv_copy(p));
		e = jv_object_set(e, jv_string("strict"), jv_bool(jv_get_kind(st) == JV_KIND_TRUE));
		*echo = jv_array_append(*echo, e);
		if (is_str(d))
			r = jv_object_set(r, jv_string("description"), jv_copy(d));
		if (jv_get_kind(p) == JV_KIND_OBJECT)
			r = jv_object_set(r, jv_string("parameters"), jv_copy(p));
	}
	jv_free(ty), jv_free(name), jv_free(p), jv_free(d), jv_free(st);
	return r;
}

static int
resp_tool_choice(jv body, jv *req, jv *keep, char *err, size_t errlen)
{
	jv tc = serve_oget(body, "tool_choice");
	int k = jv_get_kind(tc), rc = 0;
	const char *s = k == JV_KIND_STRING ? jv_string_value(tc) : "";
	if (k == JV_KIND_STRING && (!strcmp(s, "auto") || !strcmp(s, "none") ||
	    !strcmp(s, "required"))) {
		*req = jv_object_set(*req, jv_string("tool_choice"), jv_copy(tc));
		*keep = jv_object_set(*keep, jv_string("tool_choice"), jv_copy(tc));
	} else if (k == JV_KIND_OBJECT) {
		jv ty = serve_oget(tc, "type"), n = serve_oget(tc, "name");
		if (is_str(ty) && !strcmp(jv_string_value(ty), "function") && is_str(n)) {
			*req = jv_object_set(*req, jv_string("tool_choice"),
			    jv_object_set(jv_object(), jv_string("name"), jv_copy(n)));
			*keep = jv_object_set(*keep, jv_string("tool_choice"), jv_copy(tc));
		} else {
			rc = serve_bad(err, errlen, "%s", "tool_choice: expected auto, none, required "
			    "or {\"type\":\"function\",\"name\":...}");
		}
		jv_free(ty), jv_free(n);
	} else if (k != JV_KIND_NULL) {
		rc = serve_bad(err, errlen, "%s", "tool_choice: expected auto, none, required or "
		    "{\"type\":\"function\",\"name\":...}");
	}
	jv_free(tc);
	return rc;
}

int
serve_resp_tools(jv body, jv *req, jv *keep, char *err, size_t errlen)
{
	jv ts = serve_oget(body, "tools");
	int k = jv_get_kind(ts), rc = 0;
	int n = k == JV_KIND_ARRAY ? jv_array_length(jv_copy(ts)) : 0;
	if (k != JV_KIND_NULL && k != JV_KIND_ARRAY)
		rc = serve_bad(err, errlen, "%s", "tools: expected an array");
	else if (n > SERVE_MAX_TOOLS)
		rc = serve_bad(err, errlen, "tools: %d tools; at most %d in one request", n,
		    SERVE_MAX_TOOLS);
	jv out = jv_array(), echo = jv_array();
	for (int i = 0; i < n && !rc; i++) {
		jv t = jv_array_get(jv_copy(ts), i);
		jv x = one_tool(t, i, &echo, err, errlen);
		jv_free(t);
		if (!jv_is_valid(x))
			rc = -1, jv_free(x);
		else
			out = jv_array_append(out, x);
	}
	jv_free(ts);
	if (!rc && n)
		*req = jv_object_set(*req, jv_string("tools"), jv_copy(out));
	*keep = jv_object_set(*keep, jv_string("tools"), echo);
	jv_free(out);
	if (rc < 0 || resp_tool_choice(body, req, keep, err, errlen) < 0)
		return -1;
	jv p = serve_oget(body, "parallel_tool_calls");
	if (jv_get_kind(p) == JV_KIND_TRUE || jv_get_kind(p) == JV_KIND_FALSE) {
		*req = jv_object_set(*req, jv_string("parallel_tool_calls"), jv_copy(p));
		*keep = jv_object_set(*keep, jv_string("parallel_tool_calls"), jv_copy(p));
	} else if (jv_get_kind(p) != JV_KIND_NULL) {
		rc = serve_bad(err, errlen, "%s", "parallel_tool_calls: expected true or false");
	}
	jv_free(p);
	return rc;
}

static const char *const text_parts[] = { "input_text", "output_text", NULL };

/* a function_call item (borrowed) onto the assistant message ending out,
 * or a new one */
static int
call_item(jv it, int i, jv *out, char *err, size_t errlen)
{
	jv id = serve_oget(it, "call_id"), name = serve_oget(it, "name"), a = serve_oget(it, "arguments");
	if (!is_str(id) || !is_str(name) || !is_str(a)) {
		jv_free(id), jv_free(name), jv_free(a);
		return serve_bad(err, errlen, "input[%d]: a function_call item needs call_id, name "
		    "and arguments (strings)", i);
	}
	jv c = jv_object_set(jv_object(), jv_string("id"), id);
	c = jv_object_set(c, jv_string("name"), name);
	c = jv_object_set(c, jv_string("arguments"), a);
	int n = jv_array_length(jv_copy(*out));
	jv last = n ? jv_array_get(jv_copy(*out), n - 1) : jv_null();
	jv role = serve_oget(last, "role");
	if (is_str(role) && !strcmp(jv_string_value(role), "assistant")) {
		jv cs = serve_oget(last, "tool_calls");
		if (jv_get_kind(cs) != JV_KIND_ARRAY) {
			jv_free(cs);
			cs = jv_array();
		}
		last = jv_object_set(last, jv_string("tool_calls"), jv_array_append(cs, c));
		*out = jv_array_set(*out, n - 1, last);
	} else {
		jv_free(last);
		jv m = jv_object_set(jv_object(), jv_string("role"), jv_string("assistant"));
		m = jv_object_set(m, jv_string("content"), jv_string(""));
		*out = jv_array_append(*out, jv_object_set(m, jv_string("tool_calls"),
		    jv_array_append(jv_array(), c)));
	}
	jv_free(role);
	return 0;
}

static int
output_item(jv it, int i, jv *out, int *nparts, char *err, size_t errlen)
{
	jv id = serve_oget(it, "call_id"), o = serve_oget(it, "output");
	char what[64];
	snprintf(what, sizeof what, "input[%d].output", i);
	if (!is_str(id)) {
		jv_free(id), jv_free(o);
		return serve_bad(err, errlen, "input[%d].call_id: expected a string", i);
	}
	jv text = serve_join_text(o, what, "parts", text_parts, "", nparts, err, errlen);
	if (!jv_is_valid(text)) {
		jv_free(id);
		return -1;
	}
	jv m = jv_object_set(jv_object(), jv_string("role"), jv_string("tool"));
	m = jv_object_set(m, jv_string("content"), text);
	*out = jv_array_append(*out, jv_object_set(m, jv_string("tool_call_id"), id));
	return 0;
}

int
serve_resp_tool_item(jv it, const char *type, int i, jv *out, int *nparts, char *err,
    size_t errlen)
{
	if (!strcmp(type, "function_call"))
		return call_item(it, i, out, err, errlen) < 0 ? -1 : 1;
	if (!strcmp(type, "function_call_output"))
		return output_item(it, i, out, nparts, err, errlen) < 0 ? -1 : 1;
	if (!strcmp(type, "reasoning"))
		return 1;       /* none is made here: nothing to pass on */
	return 0;
}

/* ---------- answers ---------- */

int
serve_resp_ncalls(const mlm_result *r)
{
	return jv_get_kind(r->tool_calls) == JV_KIND_ARRAY ? jv_array_length(jv_copy(r->tool_calls)) : 0;
}

void
serve_resp_call_item(serve_call *sc, mlm_buf *b, jv c, int k, int done)
{
	jv id = serve_oget(c, "id"), name = serve_oget(c, "name"), a = serve_oget(c, "arguments");
	sv_printf(b, "{\"type\":\"function_call\",\"id\":\"fc_%s_%d\",\"call_id\":", sc->id + 5, k);
	serve_json_strz(b, is_str(id) ? jv_string_value(id) : "");
	sv_puts(b, ",\"name\":");
	serve_json_strz(b, is_str(name) ? jv_string_value(name) : "");
	sv_puts(b, ",\"arguments\":");
	serve_json_strz(b, done && is_str(a) ? jv_string_value(a) : "");
	sv_printf(b, ",\"status\":\"%s\"}", done ? "completed" : "in_progress");
	jv_free(id), jv_free(name), jv_free(a), jv_free(c);
}

void
serve_resp_stream_calls(serve_call *sc, mlm_buf *b, const mlm_result *r, int first)
{
	int n = serve_resp_ncalls(r);
	for (int k = 0; k < n; k++) {
		jv c = jv_array_get(jv_copy(r->tool_calls), k);
		jv a = serve_oget(c, "arguments");
		const char *args = is_str(a) ? jv_string_value(a) : "";
		serve_resp_event(sc, b, "response.output_item.added");
		sv_printf(b, "\"output_index\":%d,\"item\":", first + k);
		serve_resp_call_item(sc, b, jv_copy(c), k, 0);
		sv_puts(b, "}\n\n");
		serve_resp_event(sc, b, "response.function_call_arguments.delta");
		sv_printf(b, "\"item_id\":\"fc_%s_%d\",\"output_index\":%d,\"delta\":", sc->id + 5,
		    k, first + k);
		serve_json_strz(b, args);
		sv_puts(b, "}\n\n");
		jv name = serve_oget(c, "name");
		serve_resp_event(sc, b, "response.function_call_arguments.done");
		sv_printf(b, "\"item_id\":\"fc_%s_%d\",\"output_index\":%d,\"name\":",
		    sc->id + 5, k, first + k);
		serve_json_strz(b, is_str(name) ? jv_string_value(name) : "");
		jv_free(name);
		sv_puts(b, ",\"arguments\":");
		serve_json_strz(b, args);
		sv_puts(b, "}\n\n");
		serve_resp_event(sc, b, "response.output_item.done");
		sv_printf(b, "\"output_index\":%d,\"item\":", first + k);
		serve_resp_call_item(sc, b, c, k, 1);
		sv_puts(b, "}\n\n");
		jv_free(a);
	}
}
