/*
 * tools.c — function tools in the neutral request (see mlm.h), and their
 * OpenAI chat shapes: "tools": [{"type": "function", "function": {...}}],
 * "tool_choice", assistant "tool_calls" and "role": "tool" results out,
 * choices[0].message.tool_calls back. Adapters of providers that take no
 * tools yet (Gemini, Cloudflare) refuse such a request as unsupported, so
 * the engine tries an entry that can, or the call fails naming "tools".
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

int
mlm_tools_refuse(jv req, const mlm_entry *e, char *err, size_t errlen)
{
	if (!mlm_tools_used(req))
		return 0;
	return mlm_err(err, errlen, "unsupported parameter tools: %s does not take tools here "
	    "yet", e && e->provider ? e->provider : "this provider");
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
