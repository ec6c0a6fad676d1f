/*
 * tool-calls.c — function tools for llm-ask and llm-map (see tool-calls.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tool-calls.h"

#define TOOLS_FILE_MAX (4u << 20)

static jv
oget(jv o, const char *k)
{
	jv v = jv_get_kind(o) == JV_KIND_OBJECT ? jv_object_get(jv_copy(o), jv_string(k)) : jv_null();
	return jv_is_valid(v) ? v : (jv_free(v), jv_null());
}

static int
str_nonempty(jv v)
{
	return jv_get_kind(v) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(v)) > 0;
}

/* one entry (consumed) of the file → {"name","description"?,"parameters"?} */
static jv
one_tool(const char *file, int i, jv t)
{
	jv ty = oget(t, "type");
	jv f = jv_get_kind(ty) == JV_KIND_STRING ? oget(t, "function") : jv_copy(t);
	if (jv_get_kind(ty) == JV_KIND_STRING && strcmp(jv_string_value(ty), "function"))
		die(EX_USAGE_, "--tools: %s: entry %d: type \"%s\": only function tools are supported",
		    file, i + 1, jv_string_value(ty));
	jv_free(ty), jv_free(t);
	if (jv_get_kind(f) != JV_KIND_OBJECT)
		die(EX_USAGE_, "--tools: %s: entry %d: not a function declaration object", file, i + 1);
	jv name = oget(f, "name"), desc = oget(f, "description"), params = oget(f, "parameters");
	if (!str_nonempty(name))
		die(EX_USAGE_, "--tools: %s: entry %d: \"name\" must be a non-empty string", file, i + 1);
	for (const char *s = jv_string_value(name); *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    *s == '_' || *s == '-'))
			die(EX_USAGE_, "--tools: %s: entry %d: name \"%s\": only letters, digits, _ and -",
			    file, i + 1, jv_string_value(name));
	if (jv_get_kind(desc) != JV_KIND_NULL && jv_get_kind(desc) != JV_KIND_STRING)
		die(EX_USAGE_, "--tools: %s: entry %d: \"description\" must be a string", file, i + 1);
	if (jv_get_kind(params) != JV_KIND_NULL && jv_get_kind(params) != JV_KIND_OBJECT)
		die(EX_USAGE_, "--tools: %s: entry %d: \"parameters\" must be a JSON Schema object",
		    file, i + 1);
	jv out = jv_object_set(jv_object(), jv_string("name"), name);
	if (jv_get_kind(desc) == JV_KIND_STRING)
		out = jv_object_set(out, jv_string("description"), desc);
	else
		jv_free(desc);
	if (jv_get_kind(params) == JV_KIND_OBJECT)
		out = jv_object_set(out, jv_string("parameters"), params);
	else
		jv_free(params);
	jv_free(f);
	return out;
}

jv
tc_load(const char *file)
{
	FILE *f = fopen(file, "r");
	if (!f)
		die(EX_USAGE_, "--tools: %s: %s", file, strerror(errno));
	size_t n;
	char *s = slurp(f, TOOLS_FILE_MAX, &n);
	fclose(f);
	if (!s)
		die(EX_USAGE_, "--tools: %s: larger than %u bytes", file, TOOLS_FILE_MAX);
	jv a = jv_parse_sized(s, (int)n);
	free(s);
	if (!jv_is_valid(a)) {
		jv m = jv_invalid_get_msg(a);
		die(EX_USAGE_, "--tools: %s: invalid JSON: %s", file,
		    jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "?");
	}
	if (jv_get_kind(a) != JV_KIND_ARRAY || jv_array_length(jv_copy(a)) == 0)
		die(EX_USAGE_, "--tools: %s: expected a non-empty JSON array of function declarations",
		    file);
	if (jv_array_length(jv_copy(a)) > MLM_TOOLS_MAX)
		die(EX_USAGE_, "--tools: %s: more than %d tools", file, MLM_TOOLS_MAX);
	jv out = jv_array();
	jv_array_foreach(a, i, t) {
		jv x = one_tool(file, i, t);
		jv_array_foreach(out, j, y) {
			if (jv_equal(oget(y, "name"), oget(x, "name")))
				die(EX_USAGE_, "--tools: %s: entry %d: a second tool named \"%s\"", file, i + 1,
				    jv_string_value(jv_object_get(jv_copy(x), jv_string("name"))));
			jv_free(y);
		}
		out = jv_array_append(out, x);
	}
	jv_free(a);
	return out;
}

jv
tc_choice(const char *spec, jv tools)
{
	if (!strcmp(spec, "auto") || !strcmp(spec, "none") || !strcmp(spec, "required"))
		return jv_string(spec);
	int found = 0;
	if (jv_get_kind(tools) == JV_KIND_ARRAY)
		jv_array_foreach(tools, i, t) {
			jv n = oget(t, "name");
			found |= !strcmp(jv_string_value(n), spec);
			jv_free(n), jv_free(t);
		}
	if (!found)
		die(EX_USAGE_, "--tool-choice: '%s' is not auto, none, required or a tool of --tools",
		    spec);
	return jv_object_set(jv_object(), jv_string("name"), jv_string(spec));
}

jv
tc_calls_out(jv calls)
{
	return mlm_tools_calls_json(calls);
}

void
tc_print(jv calls)
{
	jv out = tc_calls_out(calls);
	jv_array_foreach(out, i, c)
		out_json(c, 1);
	jv_free(out);
}

/* an assistant turn's tool_calls (borrowed) in the neutral form, or invalid */
static jv
norm_calls(jv cs, char *err, size_t errlen)
{
	if (jv_get_kind(cs) != JV_KIND_ARRAY) {
		mlm_err(err, errlen, "\"tool_calls\" must be an array");
		return jv_invalid();
	}
	jv out = jv_array();
	jv_array_foreach(cs, i, c) {
		jv id = oget(c, "id"), name = oget(c, "name"), a = oget(c, "arguments");
		if (!str_nonempty(name)) {          /* OpenAI's own shape, as llm-serve sees it */
			jv_free(name), jv_free(a);
			name = mlm_jpath(c, "function.name");
			a = mlm_jpath(c, "function.arguments");
		}
		jv_free(c);
		if (!str_nonempty(id) || !str_nonempty(name) || (jv_get_kind(a) != JV_KIND_STRING &&
		    jv_get_kind(a) != JV_KIND_OBJECT)) {
			jv_free(id), jv_free(name), jv_free(a), jv_free(out);
			mlm_err(err, errlen, "tool call %d needs an \"id\", a \"name\" and \"arguments\"",
			    i + 1);
			return jv_invalid();
		}
		jv x = jv_object_set(jv_object(), jv_string("id"), id);
		x = jv_object_set(x, jv_string("name"), name);
		x = jv_object_set(x, jv_string("arguments"), jv_get_kind(a) == JV_KIND_STRING ? a :
		    jv_dump_string(a, 0));
		out = jv_array_append(out, x);
	}
	return out;
}

int
tc_message(jv m, jv *out, char *err, size_t errlen)
{
	jv role = oget(m, "role"), content = oget(m, "content"), cs = oget(m, "tool_calls");
	int r = 0;
	const char *ro = jv_get_kind(role) == JV_KIND_STRING ? jv_string_value(role) : "";
	if (!strcmp(ro, "tool")) {
		jv id = oget(m, "tool_call_id");
		if (!str_nonempty(id) || jv_get_kind(content) != JV_KIND_STRING) {
			r = mlm_err(err, errlen, "a tool result needs a \"tool_call_id\" and a string "
			    "\"content\"");
			jv_free(id);
		} else {
			jv o = jv_object_set(jv_object(), jv_string("role"), jv_string("tool"));
			o = jv_object_set(o, jv_string("tool_call_id"), id);
			*out = jv_object_set(o, jv_string("content"), jv_copy(content));
			r = 1;
		}
	} else if (!strcmp(ro, "assistant") && jv_get_kind(cs) != JV_KIND_NULL) {
		jv calls = norm_calls(cs, err, errlen);
		if (!jv_is_valid(calls)) {
			jv_free(calls);
			r = -1;
		} else if (jv_get_kind(content) != JV_KIND_NULL && jv_get_kind(content) != JV_KIND_STRING) {
			jv_free(calls);
			r = mlm_err(err, errlen, "a message needs a string \"content\"");
		} else {
			jv o = jv_object_set(jv_object(), jv_string("role"), jv_string("assistant"));
			o = jv_object_set(o, jv_string("content"), jv_get_kind(content) == JV_KIND_STRING ?
			    jv_copy(content) : jv_string(""));
			*out = jv_object_set(o, jv_string("tool_calls"), calls);
			r = 1;
		}
	}
	jv_free(role), jv_free(content), jv_free(cs), jv_free(m);
	return r;
}
