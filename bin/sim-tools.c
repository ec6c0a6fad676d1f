/*
 * sim-tools.c — llm-sim's deterministic tool calls (see sim-tools.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim-tools.h"

static jv
last_message(jv req)
{
	jv ms = jv_object_get(jv_copy(req), jv_string("messages"));
	if (jv_get_kind(ms) != JV_KIND_ARRAY || jv_array_length(jv_copy(ms)) == 0) {
		jv_free(ms);
		return jv_null();
	}
	int n = jv_array_length(jv_copy(ms));
	jv m = jv_array_get(ms, n - 1);
	return jv_get_kind(m) == JV_KIND_OBJECT ? m : (jv_free(m), jv_null());
}

static int
field_is(jv o, const char *k, const char *want)
{
	if (jv_get_kind(o) != JV_KIND_OBJECT)
		return 0;
	jv v = jv_object_get(jv_copy(o), jv_string(k));
	int r = jv_get_kind(v) == JV_KIND_STRING && !strcmp(jv_string_value(v), want);
	jv_free(v);
	return r;
}

char *
sim_tool_said(jv req)
{
	jv m = last_message(req);
	char *out = NULL;
	if (field_is(m, "role", "tool")) {
		jv c = jv_object_get(jv_copy(m), jv_string("content"));
		const char *s = jv_get_kind(c) == JV_KIND_STRING ? jv_string_value(c) : "";
		size_t n = strlen(s);
		if ((out = malloc(n + 12)))
			snprintf(out, n + 12, "tool said: %s", s);
		jv_free(c);
	}
	jv_free(m);
	return out;
}

static int
declared(jv req, const char *name)
{
	jv ts = jv_object_get(jv_copy(req), jv_string("tools"));
	int found = 0;
	if (jv_get_kind(ts) == JV_KIND_ARRAY) {
		jv_array_foreach(ts, i, t) {
			jv f = jv_get_kind(t) == JV_KIND_OBJECT ?
			    jv_object_get(jv_copy(t), jv_string("function")) : jv_null();
			found |= field_is(f, "name", name);
			jv_free(f);
			jv_free(t);
		}
	}
	jv_free(ts);
	return found;
}

int
sim_tool_call(jv req, jv *call, char *err, size_t errlen)
{
	jv m = last_message(req);
	jv c = field_is(m, "role", "user") ? jv_object_get(jv_copy(m), jv_string("content")) : jv_null();
	jv_free(m);
	const char *s = jv_get_kind(c) == JV_KIND_STRING ? jv_string_value(c) : "";
	int r = 0, line = 0;
	/* at the start of the text or of one of its lines: agents put their
	 * own context before the user's words */
	if (strncmp(s, "CALL ", 5)) {
		const char *l = strstr(s, "\nCALL ");
		if (!l) {
			jv_free(c);
			return 0;
		}
		s = l + 1;
		line = 1;
	}
	s += 5;
	size_t nl = strcspn(s, " \t\n");
	char name[65];
	snprintf(name, sizeof name, "%.*s", (int)(nl < 64 ? nl : 64), s);
	jv args = line ? jv_parse_sized(s + nl, (int)strcspn(s + nl, "\n")) : jv_parse(s + nl);
	if (!declared(req, name)) {
		snprintf(err, errlen, "Invalid value for 'tool': '%s' is not one of the tools "
		    "in the request.", name);
		r = -1;
	} else if (jv_get_kind(args) != JV_KIND_OBJECT) {
		snprintf(err, errlen, "CALL %s: the arguments are not a JSON object", name);
		r = -1;
	} else {
		jv fn = jv_object_set(jv_object(), jv_string("name"), jv_string(name));
		fn = jv_object_set(fn, jv_string("arguments"), jv_dump_string(jv_copy(args), 0));
		jv o = jv_object_set(jv_object(), jv_string("id"), jv_string_fmt("call_sim_%s", name));
		o = jv_object_set(o, jv_string("type"), jv_string("function"));
		*call = jv_object_set(o, jv_string("function"), fn);
		r = 1;
	}
	jv_free(args);
	jv_free(c);
	return r;
}
