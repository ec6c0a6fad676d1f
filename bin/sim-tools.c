/*
 * sim-tools.c — llm-sim's deterministic tool calls (see sim-tools.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim-tools.h"

static jv
get(jv o, const char *k)
{
	jv v = jv_get_kind(o) == JV_KIND_OBJECT ? jv_object_get(jv_copy(o), jv_string(k)) : jv_null();
	return jv_is_valid(v) ? v : (jv_free(v), jv_null());
}

static int
field_is(jv o, const char *k, const char *want)
{
	jv v = get(o, k);
	int r = jv_get_kind(v) == JV_KIND_STRING && !strcmp(jv_string_value(v), want);
	jv_free(v);
	return r;
}

static int say(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* the turns: "messages", or Gemini's "contents" */
static jv
turns(int fmt, jv req)
{
	jv ms = get(req, fmt == SIM_TF_GEMINI ? "contents" : "messages");
	return jv_get_kind(ms) == JV_KIND_ARRAY ? ms : (jv_free(ms), jv_array());
}

static void
said_line(jv *out, jv text)
{
	jv line = jv_string_concat(jv_string("tool said: "), text);
	*out = jv_get_kind(*out) == JV_KIND_STRING ?
	    jv_string_concat(jv_string_concat(*out, jv_string("\n")), line) : (jv_free(*out), line);
}

/* Gemini: the functionResponse parts of the last content */
static jv
gemini_said(jv ms)
{
	int n = jv_array_length(jv_copy(ms));
	jv out = jv_invalid();
	jv parts = n ? get(jv_array_get(jv_copy(ms), n - 1), "parts") : jv_null();
	if (jv_get_kind(parts) == JV_KIND_ARRAY) {
		jv_array_foreach(parts, i, p) {
			jv fr = get(p, "functionResponse"), resp = get(fr, "response");
			jv o = get(resp, "output");
			if (jv_get_kind(fr) == JV_KIND_OBJECT)
				said_line(&out, jv_get_kind(o) == JV_KIND_STRING ? jv_copy(o) :
				    jv_dump_string(jv_copy(resp), 0));
			jv_free(o), jv_free(resp), jv_free(fr), jv_free(p);
		}
	}
	jv_free(parts);
	return out;
}

char *
sim_tool_said(int fmt, jv req)
{
	jv ms = turns(fmt, req), out = jv_invalid();
	int n = jv_array_length(jv_copy(ms));
	if (fmt == SIM_TF_GEMINI) {
		out = gemini_said(ms);
	} else {
		int k = n;      /* the trailing tool results, in order */
		while (k > 0) {
			jv m = jv_array_get(jv_copy(ms), k - 1);
			int t = field_is(m, "role", "tool");
			jv_free(m);
			if (!t)
				break;
			k--;
		}
		for (; k < n; k++) {
			jv c = get(jv_array_get(jv_copy(ms), k), "content");
			said_line(&out, jv_get_kind(c) == JV_KIND_STRING ? c : (jv_free(c), jv_string("")));
		}
	}
	jv_free(ms);
	char *s = jv_get_kind(out) == JV_KIND_STRING ? strdup(jv_string_value(out)) : NULL;
	jv_free(out);
	return s;
}

/* the last user turn's text */
static jv
user_text(int fmt, jv req)
{
	jv ms = turns(fmt, req);
	int n = jv_array_length(jv_copy(ms));
	jv m = n ? jv_array_get(jv_copy(ms), n - 1) : jv_null();
	jv_free(ms);
	jv t = jv_null();
	if (fmt == SIM_TF_GEMINI) {
		jv role = get(m, "role");
		if (jv_get_kind(role) != JV_KIND_STRING || !strcmp(jv_string_value(role), "user"))
			t = get(m, "parts");
		jv_free(role);
		if (jv_get_kind(t) == JV_KIND_ARRAY) {
			jv s = jv_string("");
			jv_array_foreach(t, i, p) {
				jv x = get(p, "text");
				s = jv_get_kind(x) == JV_KIND_STRING ? jv_string_concat(s, x) : (jv_free(x), s);
				jv_free(p);
			}
			jv_free(t);
			t = s;
		}
	} else if (field_is(m, "role", "user")) {
		t = get(m, "content");
	}
	jv_free(m);
	return jv_get_kind(t) == JV_KIND_STRING ? t : (jv_free(t), jv_string(""));
}

/* the declared tool names; -1 with err for a form the provider refuses */
static int
declared(int fmt, jv req, jv *names, char *err, size_t errlen)
{
	jv ts = get(req, "tools");
	*names = jv_array();
	int r = 0;
	if (jv_get_kind(ts) == JV_KIND_ARRAY) {
		jv_array_foreach(ts, i, t) {
			jv list = jv_array(), f = jv_null();
			if (fmt == SIM_TF_GEMINI) {
				jv fd = get(t, "functionDeclarations");
				if (jv_get_kind(fd) == JV_KIND_ARRAY)
					jv_array_foreach(fd, j, d)
						list = jv_array_append(list, get(d, "name")), jv_free(d);
				jv_free(fd);
			} else if (fmt == SIM_TF_OPENAI && !field_is(t, "type", "function")) {
				jv ty = get(t, "type");
				if (!r)
					r = say(err, errlen, "Invalid value: '%s'. Supported values are: "
					    "'function' and 'custom'.", jv_get_kind(ty) == JV_KIND_STRING ?
					    jv_string_value(ty) : "");
				jv_free(ty);
			} else {
				/* OpenAI's {"type":"function","function":{...}}; Cloudflare
				 * takes that or its own bare {name, description, parameters} */
				f = field_is(t, "type", "function") ? get(t, "function") : jv_copy(t);
				jv p = get(f, "parameters");
				if (!r && jv_get_kind(p) != JV_KIND_NULL && jv_get_kind(p) != JV_KIND_OBJECT)
					r = say(err, errlen, fmt == SIM_TF_CF ? "Type mismatch of "
					    "'/tools/%d/parameters', 'object' expected" : "Invalid type for "
					    "'tools[%d].function.parameters': expected an object.", i);
				jv nm = get(f, "name");
				if (!r && jv_get_kind(nm) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(nm)))
					list = jv_array_append(list, nm);
				else if (jv_free(nm), !r)
					r = say(err, errlen, fmt == SIM_TF_CF ? "Required properties at "
					    "'/tools/%d' are 'name'" : "Missing required parameter: "
					    "'tools[%d].function.name'.", i);
				jv_free(p);
			}
			*names = jv_array_concat(*names, list);
			jv_free(f), jv_free(t);
		}
	}
	jv_free(ts);
	return r;
}

static int
has_name(jv names, const char *name)
{
	int found = 0;
	jv_array_foreach(names, i, x) {
		found |= jv_get_kind(x) == JV_KIND_STRING && !strcmp(jv_string_value(x), name);
		jv_free(x);
	}
	return found;
}

/* one "CALL name {args}" line into calls; -1 with err */
static int
one_call(int fmt, const char *s, size_t len, jv names, jv *calls, char *err, size_t errlen)
{
	s += 5, len -= 5;
	size_t nl = strcspn(s, " \t");
	if (nl > len)
		nl = len;
	char name[65];
	snprintf(name, sizeof name, "%.*s", (int)(nl < 64 ? nl : 64), s);
	jv args = jv_parse_sized(s + nl, (int)(len - nl));
	int r = 0, n = jv_array_length(jv_copy(*calls));
	if (!has_name(names, name)) {
		r = -1;
		if (fmt == SIM_TF_GEMINI)
			snprintf(err, errlen, "* GenerateContentRequest: function %s is not declared in "
			    "tools.function_declarations", name);
		else
			snprintf(err, errlen, "Invalid value for 'tool': '%s' is not one of the tools "
			    "in the request.", name);
	} else if (jv_get_kind(args) != JV_KIND_OBJECT) {
		snprintf(err, errlen, "CALL %s: the arguments are not a JSON object", name);
		r = -1;
	} else {
		jv c = jv_object_set(jv_object(), jv_string("id"), n ?
		    jv_string_fmt("call_sim_%s_%d", name, n) : jv_string_fmt("call_sim_%s", name));
		c = jv_object_set(c, jv_string("name"), jv_string(name));
		*calls = jv_array_append(*calls, jv_object_set(c, jv_string("args"), jv_copy(args)));
	}
	jv_free(args);
	return r;
}

int
sim_tool_calls(int fmt, jv req, jv *calls, char *err, size_t errlen)
{
	jv names;
	*calls = jv_invalid();
	if (declared(fmt, req, &names, err, errlen) < 0) {
		jv_free(names);
		return -1;
	}
	jv t = user_text(fmt, req);
	const char *s = jv_string_value(t);
	int r = 0;
	/* from the first line that starts with CALL: agents put their own
	 * context before the user's words */
	if (strncmp(s, "CALL ", 5)) {
		const char *l = strstr(s, "\nCALL ");
		s = l ? l + 1 : "";
	}
	if (!strncmp(s, "CALL ", 5)) {
		*calls = jv_array();
		while (*s && r == 0) {
			size_t len = strcspn(s, "\n");
			if (len >= 5 && !strncmp(s, "CALL ", 5))
				r = one_call(fmt, s, len, names, calls, err, errlen);
			s += len + (s[len] == '\n');
		}
		r = r ? r : 1;
	}
	if (r != 1) {
		jv_free(*calls);
		*calls = jv_invalid();
	}
	jv_free(t), jv_free(names);
	return r;
}

/* ---------- answers ---------- */

static jv
oai_call(jv c, int with_args)
{
	jv f = jv_object_set(jv_object(), jv_string("name"), get(c, "name"));
	f = jv_object_set(f, jv_string("arguments"), with_args ? jv_dump_string(get(c, "args"), 0) :
	    jv_string(""));
	jv o = jv_object_set(jv_object(), jv_string("id"), get(c, "id"));
	o = jv_object_set(o, jv_string("type"), jv_string("function"));
	return jv_object_set(o, jv_string("function"), f);
}

/* Gemini 3 models sign their calls: the first call's part carries a
 * thoughtSignature, which must come back with it */
static int
gemini3(jv base)
{
	jv m = get(base, "modelVersion");
	int r = jv_get_kind(m) == JV_KIND_STRING && !strncmp(jv_string_value(m), "gemini-3", 8);
	jv_free(m);
	return r;
}

static jv
g_part(jv c, int i, int signed_)
{
	jv f = jv_object_set(jv_object(), jv_string("name"), get(c, "name"));
	f = jv_object_set(f, jv_string("args"), get(c, "args"));
	jv p = jv_object_set(jv_object(), jv_string("functionCall"), f);
	if (signed_ && i == 0) {        /* base64 of "sim-sig:NAME", '+', '/' and padding kept */
		static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		jv nm = get(c, "name");
		char in[96], out[140];
		size_t n = (size_t)snprintf(in, sizeof in, "sim-sig:~~~?%s", jv_string_value(nm)), k = 0;
		if (n >= sizeof in)
			n = sizeof in - 1;
		for (size_t j = 0; j < n; j += 3) {
			unsigned v = (unsigned char)in[j] << 16 | (j + 1 < n ? (unsigned char)in[j + 1] << 8 : 0) |
			    (j + 2 < n ? (unsigned char)in[j + 2] : 0);
			out[k++] = b64[v >> 18 & 63];
			out[k++] = b64[v >> 12 & 63];
			out[k++] = j + 1 < n ? b64[v >> 6 & 63] : '=';
			out[k++] = j + 2 < n ? b64[v & 63] : '=';
		}
		out[k] = 0;
		jv_free(nm);
		p = jv_object_set(p, jv_string("thoughtSignature"), jv_string(out));
	}
	return p;
}

int
sim_tool_signed(const char *model, jv req, char *err, size_t errlen)
{
	if (!model || strncmp(model, "gemini-3", 8))
		return 0;
	jv cs = turns(SIM_TF_GEMINI, req);
	int r = 0;
	jv_array_foreach(cs, i, c) {
		jv parts = get(c, "parts");
		int first = 1;
		if (field_is(c, "role", "model") && jv_get_kind(parts) == JV_KIND_ARRAY)
			jv_array_foreach(parts, j, p) {
				jv fc = get(p, "functionCall"), sig = get(p, "thoughtSignature");
				jv nm = get(fc, "name");
				if (jv_get_kind(fc) == JV_KIND_OBJECT && first && !r &&
				    jv_get_kind(sig) != JV_KIND_STRING)
					r = say(err, errlen, "Function call is missing a thought_signature in "
					    "functionCall parts. This is required for tools to work correctly. "
					    "Additional data, function call `default_api:%s` , position %d.",
					    jv_get_kind(nm) == JV_KIND_STRING ? jv_string_value(nm) : "", i + 1);
				jv_free(nm);
				first &= jv_get_kind(fc) != JV_KIND_OBJECT;
				jv_free(fc), jv_free(sig), jv_free(p);
			}
		jv_free(parts), jv_free(c);
	}
	jv_free(cs);
	return r;
}

static jv
setpath(jv v, jv path, jv x)
{
	return jv_setpath(v, path, x);
}

#define PATH3(a, b, c) JV_ARRAY(jv_string(a), jv_number(b), jv_string(c))

jv
sim_tool_whole(int fmt, jv base, jv calls)
{
	jv out = jv_array();
	if (fmt == SIM_TF_GEMINI) {
		int sg = gemini3(base);
		jv_array_foreach(calls, i, c)
			out = jv_array_append(out, g_part(c, i, sg)), jv_free(c);
		base = jv_setpath(base, JV_ARRAY(jv_string("candidates"), jv_number(0),
		    jv_string("content"), jv_string("parts")), out);
	} else if (fmt == SIM_TF_CF) {
		/* traditional function calling: [{"arguments": {...}, "name": ...}] */
		jv_array_foreach(calls, i, c) {
			jv x = jv_object_set(jv_object(), jv_string("arguments"), get(c, "args"));
			out = jv_array_append(out, jv_object_set(x, jv_string("name"), get(c, "name")));
			jv_free(c);
		}
		base = jv_setpath(base, JV_ARRAY(jv_string("result"), jv_string("tool_calls")), out);
		base = jv_setpath(base, JV_ARRAY(jv_string("result"), jv_string("response")), jv_null());
	} else {
		jv_array_foreach(calls, i, c)
			out = jv_array_append(out, oai_call(c, 1)), jv_free(c);
		base = setpath(base, PATH3("choices", 0, "finish_reason"), jv_string("tool_calls"));
		jv m = jv_getpath(jv_copy(base), PATH3("choices", 0, "message"));
		m = jv_object_set(jv_object_set(m, jv_string("content"), jv_null()),
		    jv_string("tool_calls"), out);
		base = setpath(base, PATH3("choices", 0, "message"), m);
	}
	jv_free(calls);
	return base;
}

/* OpenAI's shape: per call, a chunk with index, id, type, name and empty
 * arguments (the first one with the role), then the arguments in pieces */
static jv
oai_stream(jv base, jv calls, jv ev)
{
	jv_array_foreach(calls, i, c) {
		jv x = jv_object_merge(jv_object_set(jv_object(), jv_string("index"), jv_number(i)),
		    oai_call(c, 0));
		jv d = i ? jv_object() : jv_object_set(jv_object_set(jv_object(), jv_string("role"),
		    jv_string("assistant")), jv_string("content"), jv_null());
		d = jv_object_set(d, jv_string("tool_calls"), jv_array_append(jv_array(), x));
		if (i == 0)
			d = jv_object_set(d, jv_string("refusal"), jv_null());
		ev = jv_array_append(ev, setpath(jv_copy(base), PATH3("choices", 0, "delta"), d));
		jv a = jv_dump_string(get(c, "args"), 0);
		const char *s = jv_string_value(a);
		size_t n = strlen(s), step = n / 3 + 1;
		for (size_t k = 0; k < n; k += step) {
			jv piece = jv_string_sized(s + k, (int)(k + step > n ? n - k : step));
			jv f = jv_object_set(jv_object(), jv_string("arguments"), piece);
			jv y = jv_object_set(jv_object_set(jv_object(), jv_string("index"), jv_number(i)),
			    jv_string("function"), f);
			d = jv_object_set(jv_object(), jv_string("tool_calls"), jv_array_append(jv_array(), y));
			ev = jv_array_append(ev, setpath(jv_copy(base), PATH3("choices", 0, "delta"), d));
		}
		jv_free(a), jv_free(c);
	}
	jv last = setpath(base, PATH3("choices", 0, "delta"), jv_object());
	return jv_array_append(ev, setpath(last, PATH3("choices", 0, "finish_reason"),
	    jv_string("tool_calls")));
}

jv
sim_tool_stream(int fmt, jv base, jv calls, int cut)
{
	jv ev = jv_array();
	if (fmt == SIM_TF_GEMINI) {
		/* one response per call, then one with the finishReason and usage */
		int sg = gemini3(base);
		jv_array_foreach(calls, i, c) {
			jv r = jv_setpath(jv_copy(base), JV_ARRAY(jv_string("candidates"), jv_number(0),
			    jv_string("content"), jv_string("parts")), jv_array_append(jv_array(), g_part(c, i, sg)));
			r = jv_delpaths(r, jv_array_append(jv_array_append(jv_array(),
			    JV_ARRAY(jv_string("candidates"), jv_number(0), jv_string("finishReason"))),
			    JV_ARRAY(jv_string("usageMetadata"), jv_string("candidatesTokenCount"))));
			ev = jv_array_append(ev, r);
			jv_free(c);
		}
		ev = jv_array_append(ev, jv_setpath(jv_copy(base), JV_ARRAY(jv_string("candidates"),
		    jv_number(0), jv_string("content"), jv_string("parts")), jv_array_append(jv_array(),
		    jv_object_set(jv_object(), jv_string("text"), jv_string("")))));
		jv_free(base);
	} else {
		ev = oai_stream(base, calls, ev);
		calls = jv_invalid();
	}
	jv_free(calls);
	if (cut) {
		int n = jv_array_length(jv_copy(ev));
		ev = jv_array_slice(ev, 0, n / 2 ? n / 2 : 1);
	}
	return ev;
}
