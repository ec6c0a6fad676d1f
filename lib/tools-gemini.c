/*
 * tools-gemini.c — function tools in Gemini's generateContent shapes:
 * tools[].functionDeclarations (parameters in responseSchema's OpenAPI
 * subset, or parametersJsonSchema when the subset cannot say it),
 * toolConfig.functionCallingConfig (AUTO, NONE, ANY, ANY with
 * allowedFunctionNames for a named function), assistant turns as "model"
 * contents with functionCall parts, tool results as functionResponse parts
 * of a "user" content, and functionCall parts back. Gemini gives calls no
 * ids: each gets "call_" + the responseId + its index, and a result is
 * sent back under the name of the call its tool_call_id names. A call's
 * thoughtSignature (which Gemini 3 wants back with the call) rides in its
 * id, after "__sig_", in base64url without padding, so that it survives
 * every client and wire that keeps ids ([A-Za-z0-9_-]).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "fmt.h"

#define SIG_MARK "__sig_"

/* base64 (consumed) as base64url without padding, and back */
static jv
sig_to_id(jv id, jv sig)
{
	const char *s = jv_string_value(sig);
	size_t n = strlen(s);
	char *u = malloc(n + 1);
	size_t k = 0;
	if (!u) {
		jv_free(sig);
		return id;
	}
	for (; *s; s++)
		if (*s != '=')
			u[k++] = *s == '+' ? '-' : *s == '/' ? '_' : *s;
	u[k] = 0;
	jv out = jv_string_fmt("%s" SIG_MARK "%s", jv_string_value(id), u);
	free(u);
	jv_free(id), jv_free(sig);
	return out;
}

static jv
sig_of_id(jv id)
{
	const char *s = jv_get_kind(id) == JV_KIND_STRING ? strstr(jv_string_value(id), SIG_MARK) : NULL;
	if (!s || !s[strlen(SIG_MARK)])
		return jv_invalid();
	s += strlen(SIG_MARK);
	size_t n = strlen(s);
	char *b = malloc(n + 4);
	if (!b)
		return jv_invalid();
	size_t k = 0;
	for (; *s; s++)
		b[k++] = *s == '-' ? '+' : *s == '_' ? '/' : *s;
	while (k % 4)
		b[k++] = '=';
	b[k] = 0;
	jv out = jv_string(b);
	free(b);
	return out;
}

static jv
declaration(jv t)
{
	jv f = jv_object_set(jv_object(), jv_string("name"), mlm_jpath(t, "name"));
	f = mlm_param_copy(t, f, "description", NULL);
	jv p = mlm_jpath(t, "parameters");
	jv props = mlm_jpath(p, "properties");
	int empty = jv_get_kind(p) != JV_KIND_OBJECT || (jv_get_kind(props) == JV_KIND_OBJECT &&
	    jv_object_length(jv_copy(props)) == 0) || jv_get_kind(props) == JV_KIND_NULL;
	jv_free(props);
	if (empty) {            /* no parameters: Gemini takes the bare declaration */
		jv_free(p);
		return f;
	}
	char why[MLM_ERRLEN];
	jv g = mlm_schema_gemini_dialect(p, why, sizeof why);
	if (jv_is_valid(g)) {
		jv_free(p);
		return jv_object_set(f, jv_string("parameters"), g);
	}
	jv_free(g);
	jv js = mlm_gemini_json_subset(p);
	if (!jv_is_valid(js)) {         /* its note would be cut: the caller fails */
		jv_free(f);
		return js;
	}
	return jv_object_set(f, jv_string("parametersJsonSchema"), js);
}

jv
mlm_tools_gemini_body(jv req, jv b)
{
	jv ts = mlm_jpath(req, "tools");
	if (jv_get_kind(ts) == JV_KIND_ARRAY && jv_array_length(jv_copy(ts)) > 0) {
		jv decl = jv_array();
		jv_array_foreach(ts, i, t) {
			jv d = declaration(t);
			jv_free(t);
			if (!jv_is_valid(d)) {
				jv_free(decl), jv_free(ts), jv_free(b);
				return d;
			}
			decl = jv_array_append(decl, d);
		}
		jv tool = jv_object_set(jv_object(), jv_string("functionDeclarations"), decl);
		b = jv_object_set(b, jv_string("tools"), jv_array_append(jv_array(), tool));
	}
	jv_free(ts);
	jv tc = mlm_jpath(req, "tool_choice");
	jv fc = jv_null();
	if (jv_get_kind(tc) == JV_KIND_STRING) {
		const char *s = jv_string_value(tc);
		const char *mode = !strcmp(s, "none") ? "NONE" : !strcmp(s, "required") ? "ANY" : "AUTO";
		fc = jv_object_set(jv_object(), jv_string("mode"), jv_string(mode));
	} else if (jv_get_kind(tc) == JV_KIND_OBJECT) {
		fc = jv_object_set(jv_object(), jv_string("mode"), jv_string("ANY"));
		fc = jv_object_set(fc, jv_string("allowedFunctionNames"),
		    jv_array_append(jv_array(), mlm_jpath(tc, "name")));
	}
	jv_free(tc);
	if (jv_get_kind(fc) == JV_KIND_OBJECT)
		b = jv_object_set(b, jv_string("toolConfig"),
		    jv_object_set(jv_object(), jv_string("functionCallingConfig"), fc));
	else
		jv_free(fc);
	return b;
}

/* the name of the call with this id, in the nearest assistant turn before i */
static jv
call_name(jv msgs, int i, jv id)
{
	for (int k = i - 1; k >= 0; k--) {
		jv m = jv_array_get(jv_copy(msgs), k);
		jv cs = mlm_jpath(m, "tool_calls");
		jv name = jv_invalid();
		jv_free(m);
		if (jv_get_kind(cs) == JV_KIND_ARRAY) {
			jv_array_foreach(cs, j, c) {
				jv cid = mlm_jpath(c, "id");
				if (jv_equal(cid, jv_copy(id)) && !jv_is_valid(name))
					name = mlm_jpath(c, "name");
				jv_free(c);
			}
		}
		jv_free(cs);
		if (jv_get_kind(name) == JV_KIND_STRING)
			return name;
		jv_free(name);
	}
	return jv_invalid();
}

/* a tool's text result as functionResponse.response: a JSON object as it
 * is, anything else as {"output": TEXT} */
static jv
response_of(jv content)
{
	if (jv_get_kind(content) != JV_KIND_STRING)
		return jv_object_set(jv_object(), jv_string("output"), content);
	jv v = jv_parse(jv_string_value(content));
	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		jv_free(content);
		return v;
	}
	jv_free(v);
	return jv_object_set(jv_object(), jv_string("output"), content);
}

static int
tool_result(jv msgs, int i, jv m, jv *contents, char *err, size_t errlen)
{
	jv id = mlm_jpath(m, "tool_call_id");
	jv name = call_name(msgs, i, id);
	jv_free(id);
	if (!jv_is_valid(name)) {
		jv_free(name);
		name = mlm_jpath(m, "name");
	}
	if (jv_get_kind(name) != JV_KIND_STRING) {
		jv_free(name);
		return mlm_err(err, errlen, "request: message %d: a tool result whose tool_call_id "
		    "names no earlier call", i + 1);
	}
	jv fr = jv_object_set(jv_object(), jv_string("name"), name);
	fr = jv_object_set(fr, jv_string("response"), response_of(mlm_jpath(m, "content")));
	jv part = jv_object_set(jv_object(), jv_string("functionResponse"), fr);
	/* the results of one turn's calls go together, in one user content */
	int n = jv_array_length(jv_copy(*contents));
	jv last = n ? jv_array_get(jv_copy(*contents), n - 1) : jv_null();
	jv p0 = mlm_jpath(last, "parts.0.functionResponse");
	if (jv_get_kind(p0) == JV_KIND_OBJECT) {
		jv parts = jv_array_append(mlm_jpath(last, "parts"), part);
		*contents = jv_array_set(*contents, n - 1, jv_object_set(last, jv_string("parts"), parts));
	} else {
		jv_free(last);
		jv c = jv_object_set(jv_object(), jv_string("role"), jv_string("user"));
		*contents = jv_array_append(*contents, jv_object_set(c, jv_string("parts"),
		    jv_array_append(jv_array(), part)));
	}
	jv_free(p0);
	return 1;
}

static int
calls_turn(jv m, jv cs, int i, jv *contents, char *err, size_t errlen)
{
	jv parts = jv_array();
	jv text = mlm_jpath(m, "content");
	if (jv_get_kind(text) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(text)))
		parts = jv_array_append(parts, jv_object_set(jv_object(), jv_string("text"), text));
	else
		jv_free(text);
	int rc = 1;
	jv_array_foreach(cs, j, c) {
		jv a = mlm_jpath(c, "arguments");
		jv args = jv_get_kind(a) == JV_KIND_STRING ? jv_parse(jv_string_value(a)) : jv_copy(a);
		jv_free(a);
		if (rc > 0 && jv_get_kind(args) != JV_KIND_OBJECT)
			rc = mlm_err(err, errlen, "request: message %d: tool call %d: the arguments are "
			    "not a JSON object", i + 1, j + 1);
		jv f = jv_object_set(jv_object(), jv_string("name"), mlm_jpath(c, "name"));
		f = jv_object_set(f, jv_string("args"), args);
		jv part = jv_object_set(jv_object(), jv_string("functionCall"), f);
		jv id = mlm_jpath(c, "id"), sig = sig_of_id(id);
		if (jv_is_valid(sig))
			part = jv_object_set(part, jv_string("thoughtSignature"), sig);
		else
			jv_free(sig);
		jv_free(id);
		parts = jv_array_append(parts, part);
		jv_free(c);
	}
	jv o = jv_object_set(jv_object(), jv_string("role"), jv_string("model"));
	*contents = jv_array_append(*contents, jv_object_set(o, jv_string("parts"), parts));
	return rc;
}

int
mlm_tools_gemini_msg(jv msgs, int i, jv *contents, char *err, size_t errlen)
{
	jv m = jv_array_get(jv_copy(msgs), i);
	jv role = mlm_jpath(m, "role"), cs = mlm_jpath(m, "tool_calls");
	int r = 0;
	if (jv_get_kind(role) == JV_KIND_STRING && !strcmp(jv_string_value(role), "tool"))
		r = tool_result(msgs, i, m, contents, err, errlen);
	else if (jv_get_kind(cs) == JV_KIND_ARRAY && jv_array_length(jv_copy(cs)) > 0)
		r = calls_turn(m, cs, i, contents, err, errlen);
	jv_free(role), jv_free(cs), jv_free(m);
	return r;
}

int
mlm_tools_gemini_part(jv part, jv resp, mlm_answer *a)
{
	jv fc = mlm_jpath(part, "functionCall");
	if (jv_get_kind(fc) != JV_KIND_OBJECT) {
		jv_free(fc);
		return 0;
	}
	jv name = mlm_jpath(fc, "name"), args = mlm_jpath(fc, "args"), id = mlm_jpath(fc, "id");
	int rc = 1;
	if (jv_get_kind(name) != JV_KIND_STRING)
		rc = -1;
	if (jv_get_kind(args) == JV_KIND_NULL) {
		jv_free(args);
		args = jv_object();
	}
	if (jv_get_kind(a->tool_calls) != JV_KIND_ARRAY) {
		jv_free(a->tool_calls);
		a->tool_calls = jv_array();
	}
	int n = jv_array_length(jv_copy(a->tool_calls));
	if (n >= MLM_TOOLS_MAX)
		rc = -1;
	if (jv_get_kind(id) != JV_KIND_STRING) {
		jv rid = mlm_jpath(resp, "responseId");
		jv_free(id);
		id = jv_get_kind(rid) == JV_KIND_STRING ?
		    jv_string_fmt("call_%s_%d", jv_string_value(rid), n) : jv_string_fmt("call_%d", n);
		jv_free(rid);
	}
	jv sig = mlm_jpath(part, "thoughtSignature");
	if (jv_get_kind(sig) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(sig)))
		id = sig_to_id(id, sig);
	else
		jv_free(sig);
	jv c = jv_object_set(jv_object(), jv_string("id"), id);
	c = jv_object_set(c, jv_string("name"), name);
	c = jv_object_set(c, jv_string("arguments"), jv_dump_string(args, 0));
	if (rc > 0)
		a->tool_calls = jv_array_append(a->tool_calls, c);
	else
		jv_free(c);
	jv_free(fc);
	return rc;
}
