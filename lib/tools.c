/*
 * tools.c — function tools in the neutral request (see mlm.h), and their
 * OpenAI chat shapes: "tools": [{"type": "function", "function": {...}}],
 * "tool_choice", assistant "tool_calls" and "role": "tool" results out,
 * choices[0].message.tool_calls back, and streamed tool-call deltas
 * assembled; Cloudflare's tools and result.tool_calls. Gemini's shapes are
 * in tools-gemini.c.
 */
#include <string.h>

#include "mlm.h"

static int
nonempty(jv v)
{
	int k = jv_get_kind(v), r = k == JV_KIND_ARRAY ? jv_array_length(jv_copy(v)) > 0 :
	    k != JV_KIND_NULL && k != JV_KIND_INVALID;
	jv_free(v);
	return r;
}

int
mlm_tools_used(jv req)
{
	if (nonempty(mlm_jpath(req, "tools")))
		return 1;
	jv ms = mlm_jpath(req, "messages");
	int used = 0;
	if (jv_get_kind(ms) == JV_KIND_ARRAY) {
		jv_array_foreach(ms, i, m) {
			jv role = mlm_jpath(m, "role");
			used |= nonempty(mlm_jpath(m, "tool_calls")) ||
			    (jv_get_kind(role) == JV_KIND_STRING && !strcmp(jv_string_value(role), "tool"));
			jv_free(role);
			jv_free(m);
		}
	}
	jv_free(ms);
	return used;
}

jv
mlm_tools_openai_body(jv req, jv b)
{
	jv ts = mlm_jpath(req, "tools");
	if (jv_get_kind(ts) == JV_KIND_ARRAY && jv_array_length(jv_copy(ts)) > 0) {
		jv out = jv_array();
		jv_array_foreach(ts, i, t) {
			jv f = jv_object_set(jv_object(), jv_string("name"), mlm_jpath(t, "name"));
			f = mlm_param_copy(t, f, "description", NULL);
			f = mlm_param_copy(t, f, "parameters", NULL);
			jv o = jv_object_set(jv_object(), jv_string("type"), jv_string("function"));
			out = jv_array_append(out, jv_object_set(o, jv_string("function"), f));
			jv_free(t);
		}
		b = jv_object_set(b, jv_string("tools"), out);
	}
	jv_free(ts);
	jv tc = mlm_jpath(req, "tool_choice");
	if (jv_get_kind(tc) == JV_KIND_STRING) {
		b = jv_object_set(b, jv_string("tool_choice"), tc);
	} else if (jv_get_kind(tc) == JV_KIND_OBJECT) {
		jv f = jv_object_set(jv_object(), jv_string("name"), mlm_jpath(tc, "name"));
		jv o = jv_object_set(jv_object(), jv_string("type"), jv_string("function"));
		b = jv_object_set(b, jv_string("tool_choice"), jv_object_set(o, jv_string("function"), f));
		jv_free(tc);
	} else {
		jv_free(tc);
	}
	return mlm_param_copy(req, b, "parallel_tool_calls", NULL);
}

jv
mlm_tools_openai_msg(jv m, jv o)
{
	o = mlm_param_copy(m, o, "tool_call_id", NULL);
	jv cs = mlm_jpath(m, "tool_calls");
	if (jv_get_kind(cs) == JV_KIND_ARRAY && jv_array_length(jv_copy(cs)) > 0) {
		jv out = jv_array();
		jv_array_foreach(cs, i, c) {
			jv f = jv_object_set(jv_object(), jv_string("name"), mlm_jpath(c, "name"));
			f = jv_object_set(f, jv_string("arguments"), mlm_jpath(c, "arguments"));
			jv x = jv_object_set(jv_object(), jv_string("id"), mlm_jpath(c, "id"));
			x = jv_object_set(x, jv_string("type"), jv_string("function"));
			out = jv_array_append(out, jv_object_set(x, jv_string("function"), f));
			jv_free(c);
		}
		o = jv_object_set(o, jv_string("tool_calls"), out);
	}
	jv_free(cs);
	return o;
}

int
mlm_tools_openai_take(jv message, mlm_answer *a)
{
	jv cs = mlm_jpath(message, "tool_calls");
	int rc = 0;
	if (jv_get_kind(cs) == JV_KIND_ARRAY && jv_array_length(jv_copy(cs)) > 0) {
		jv out = jv_array();
		jv_array_foreach(cs, i, c) {
			jv id = mlm_jpath(c, "id"), name = mlm_jpath(c, "function.name");
			jv args = mlm_jpath(c, "function.arguments");
			if (jv_get_kind(name) != JV_KIND_STRING || jv_get_kind(args) != JV_KIND_STRING)
				rc = -1;
			jv x = jv_object_set(jv_object(), jv_string("id"),
			    jv_get_kind(id) == JV_KIND_STRING ? id : (jv_free(id), jv_string_fmt("call_%d", i)));
			x = jv_object_set(x, jv_string("name"), name);
			out = jv_array_append(out, jv_object_set(x, jv_string("arguments"), args));
			jv_free(c);
		}
		jv_free(a->tool_calls);
		a->tool_calls = rc < 0 ? (jv_free(out), jv_invalid()) : out;
	}
	jv_free(cs);
	return rc;
}

/* ---------- streamed OpenAI tool calls ---------- */

/* appends piece (a string, or nothing) to the string at key of o */
static jv
str_append(jv o, const char *key, jv piece)
{
	if (jv_get_kind(piece) != JV_KIND_STRING) {
		jv_free(piece);
		return o;
	}
	jv old = mlm_jfield(o, key);
	jv s = jv_get_kind(old) == JV_KIND_STRING ? jv_string_concat(old, piece) :
	    (jv_free(old), piece);
	return jv_object_set(o, jv_string(key), s);
}

int
mlm_tools_openai_delta(jv tool_calls, mlm_answer *a)
{
	if (jv_get_kind(tool_calls) != JV_KIND_ARRAY)
		return 0;
	if (jv_get_kind(a->tool_calls) != JV_KIND_ARRAY) {
		jv_free(a->tool_calls);
		a->tool_calls = jv_array();
	}
	int rc = 0;
	jv_array_foreach(tool_calls, i, d) {
		jv ix = mlm_jpath(d, "index");
		int k = jv_get_kind(ix) == JV_KIND_NUMBER ? (int)jv_number_value(ix) : i;
		jv_free(ix);
		int n = jv_array_length(jv_copy(a->tool_calls));
		if (k < 0 || k > n || k >= MLM_TOOLS_MAX) {
			rc = -1;        /* a hole in the indexes, or too many calls */
			jv_free(d);
			break;
		}
		jv c = k < n ? jv_array_get(jv_copy(a->tool_calls), k) : jv_object();
		jv id = mlm_jpath(d, "id"), name = mlm_jpath(d, "function.name");
		if (jv_get_kind(id) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(id)))
			c = jv_object_set(c, jv_string("id"), id);
		else
			jv_free(id);
		/* the name comes whole in one delta; some hosts repeat it */
		if (jv_get_kind(name) == JV_KIND_STRING && !jv_object_has(jv_copy(c), jv_string("name")))
			c = jv_object_set(c, jv_string("name"), name);
		else
			jv_free(name);
		c = str_append(c, "arguments", mlm_jpath(d, "function.arguments"));
		a->tool_calls = jv_array_set(a->tool_calls, k, c);
		jv_free(d);
	}
	return rc;
}

int
mlm_tools_finish(mlm_answer *a)
{
	if (jv_get_kind(a->tool_calls) != JV_KIND_ARRAY)
		return 0;
	jv out = jv_array();
	int rc = 0;
	jv_array_foreach(a->tool_calls, i, c) {
		jv name = mlm_jpath(c, "name"), args = mlm_jpath(c, "arguments"), id = mlm_jpath(c, "id");
		if (jv_get_kind(name) != JV_KIND_STRING || !jv_string_length_bytes(jv_copy(name)))
			rc = -1;
		jv x = jv_object_set(jv_object(), jv_string("id"), jv_get_kind(id) == JV_KIND_STRING ?
		    id : (jv_free(id), jv_string_fmt("call_%d", i)));
		x = jv_object_set(x, jv_string("name"), name);
		x = jv_object_set(x, jv_string("arguments"), jv_get_kind(args) == JV_KIND_STRING &&
		    jv_string_length_bytes(jv_copy(args)) ? args : (jv_free(args), jv_string("{}")));
		out = jv_array_append(out, x);
		jv_free(c);
	}
	jv_free(a->tool_calls);
	a->tool_calls = rc < 0 ? (jv_free(out), jv_invalid()) : out;
	return rc;
}

/* ---------- Cloudflare Workers AI ---------- */

jv
mlm_tools_cf_body(jv req, jv b, char *err, size_t errlen)
{
	jv tc = mlm_jpath(req, "tool_choice");
	int tc_auto = jv_get_kind(tc) == JV_KIND_NULL || jv_get_kind(tc) == JV_KIND_INVALID ||
	    (jv_get_kind(tc) == JV_KIND_STRING && !strcmp(jv_string_value(tc), "auto"));
	jv_free(tc);
	if (!tc_auto) {
		jv_free(b);
		mlm_err(err, errlen, "unsupported parameter tool_choice: cloudflare takes only \"auto\"");
		return jv_invalid();
	}
	jv ts = mlm_jpath(req, "tools");
	if (jv_get_kind(ts) == JV_KIND_ARRAY && jv_array_length(jv_copy(ts)) > 0) {
		jv out = jv_array();
		jv_array_foreach(ts, i, t) {
			jv f = jv_object_set(jv_object(), jv_string("name"), mlm_jpath(t, "name"));
			f = mlm_param_copy(t, f, "description", NULL);
			f = mlm_param_copy(t, f, "parameters", NULL);
			out = jv_array_append(out, f);
			jv_free(t);
		}
		b = jv_object_set(b, jv_string("tools"), out);
	}
	jv_free(ts);
	return b;
}

int
mlm_tools_cf_take(jv cs, mlm_answer *a)
{
	if (jv_get_kind(cs) != JV_KIND_ARRAY || jv_array_length(jv_copy(cs)) == 0)
		return 0;
	jv out = jv_array();
	int rc = 0;
	jv_array_foreach(cs, i, c) {
		jv name = mlm_jpath(c, "name"), args = mlm_jpath(c, "arguments"), id = mlm_jpath(c, "id");
		if (jv_get_kind(name) != JV_KIND_STRING) {    /* the OpenAI form */
			jv_free(name), jv_free(args);
			name = mlm_jpath(c, "function.name");
			args = mlm_jpath(c, "function.arguments");
		}
		if (jv_get_kind(name) != JV_KIND_STRING || i >= MLM_TOOLS_MAX)
			rc = -1;
		if (jv_get_kind(args) == JV_KIND_NULL || jv_get_kind(args) == JV_KIND_INVALID) {
			jv_free(args);
			args = jv_object();
		}
		jv x = jv_object_set(jv_object(), jv_string("id"), jv_get_kind(id) == JV_KIND_STRING ?
		    id : (jv_free(id), jv_string_fmt("call_%d", i)));
		x = jv_object_set(x, jv_string("name"), name);
		x = jv_object_set(x, jv_string("arguments"), jv_get_kind(args) == JV_KIND_STRING ? args :
		    jv_dump_string(args, 0));
		out = jv_array_append(out, x);
		jv_free(c);
	}
	jv_free(a->tool_calls);
	a->tool_calls = rc < 0 ? (jv_free(out), jv_invalid()) : out;
	return rc;
}

jv
mlm_tools_calls_json(jv calls)
{
	jv out = jv_array();
	if (jv_get_kind(calls) != JV_KIND_ARRAY)
		return out;
	jv_array_foreach(calls, i, c) {
		jv a = mlm_jpath(c, "arguments");
		jv v = jv_get_kind(a) == JV_KIND_STRING ? jv_parse(jv_string_value(a)) : jv_copy(a);
		if (!jv_is_valid(v)) {          /* no JSON: the text as it came */
			jv_free(v);
			v = jv_copy(a);
		}
		jv_free(a);
		jv x = jv_object_set(jv_object(), jv_string("id"), mlm_jpath(c, "id"));
		x = jv_object_set(x, jv_string("name"), mlm_jpath(c, "name"));
		out = jv_array_append(out, jv_object_set(x, jv_string("arguments"), v));
		jv_free(c);
	}
	return out;
}
