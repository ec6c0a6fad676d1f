/*
 * serve-anthropic-tools.c — tools on llm-serve's Anthropic Messages wire:
 * "tools" (name, description, input_schema), "tool_choice" (auto, any,
 * tool, none; disable_parallel_tool_use), a message's content blocks
 * (text, tool_use, tool_result, thinking) into the neutral request, and an
 * answer's content (text and tool_use blocks), whole or as a stream's
 * content_block_start / _delta (input_json_delta) / _stop events.
 */
#include <string.h>

#include "serve-anthropic.h"
#include "serve-parts.h"

#define SERVE_MAX_TOOLS 256

static const char *const text_only[] = { "text", NULL };

static int
is_str(jv v)
{
	return jv_get_kind(v) == JV_KIND_STRING;
}

/* tools[i] (borrowed) → a neutral tool; invalid with err */
static jv
one_tool(jv t, int i, char *err, size_t errlen)
{
	jv ty = serve_oget(t, "type"), name = serve_oget(t, "name"), sc = serve_oget(t, "input_schema");
	jv r = jv_invalid();
	if (jv_get_kind(t) != JV_KIND_OBJECT)
		serve_bad(err, errlen, "tools[%d]: expected an object", i);
	else if (is_str(ty) && strcmp(jv_string_value(ty), "custom"))
		serve_bad(err, errlen, "tools[%d].type: %s tools are not supported by this server "
		    "(only custom tools with an input_schema; the request was not sent)", i,
		    jv_string_value(ty));
	else if (!is_str(name) || !jv_string_length_bytes(jv_copy(name)))
		serve_bad(err, errlen, "tools[%d].name: expected a non-empty string", i);
	else if (jv_get_kind(sc) != JV_KIND_OBJECT)
		serve_bad(err, errlen, "tools[%d].input_schema: expected an object", i);
	else {
		r = jv_object_set(jv_object(), jv_string("name"), jv_copy(name));
		jv d = serve_oget(t, "description");
		if (is_str(d))
			r = jv_object_set(r, jv_string("description"), d);
		else
			jv_free(d);
		r = jv_object_set(r, jv_string("parameters"), jv_copy(sc));
	}
	jv_free(ty), jv_free(name), jv_free(sc);
	return r;
}

static int
msgs_tool_choice(jv body, jv *req, char *err, size_t errlen)
{
	jv tc = serve_oget(body, "tool_choice");
	if (jv_get_kind(tc) == JV_KIND_NULL) {
		jv_free(tc);
		return 0;
	}
	jv ty = serve_oget(tc, "type"), name = serve_oget(tc, "name");
	jv dp = serve_oget(tc, "disable_parallel_tool_use");
	const char *t = is_str(ty) ? jv_string_value(ty) : "";
	jv v = jv_invalid();
	int rc = 0;
	if (!strcmp(t, "auto") || !strcmp(t, "none"))
		v = jv_string(t);
	else if (!strcmp(t, "any"))
		v = jv_string("required");
	else if (!strcmp(t, "tool") && is_str(name))
		v = jv_object_set(jv_object(), jv_string("name"), jv_copy(name));
	else if (!strcmp(t, "tool"))
		rc = serve_bad(err, errlen, "%s", "tool_choice.name: expected a string");
	else
		rc = serve_bad(err, errlen, "%s", "tool_choice.type: expected auto, any, tool or none");
	if (!rc)
		*req = jv_object_set(*req, jv_string("tool_choice"), v);
	else
		jv_free(v);
	if (!rc && jv_get_kind(dp) == JV_KIND_TRUE)
		*req = jv_object_set(*req, jv_string("parallel_tool_calls"), jv_false());
	jv_free(tc), jv_free(ty), jv_free(name), jv_free(dp);
	return rc;
}

int
serve_msgs_tools(jv body, jv *req, char *err, size_t errlen)
{
	jv ts = serve_oget(body, "tools");
	int k = jv_get_kind(ts), rc = 0;
	int n = k == JV_KIND_ARRAY ? jv_array_length(jv_copy(ts)) : 0;
	if (k != JV_KIND_NULL && k != JV_KIND_ARRAY)
		rc = serve_bad(err, errlen, "%s", "tools: expected an array");
	else if (n > SERVE_MAX_TOOLS)
		rc = serve_bad(err, errlen, "tools: %d tools; at most %d in one request", n,
		    SERVE_MAX_TOOLS);
	jv out = jv_array();
	for (int i = 0; i < n && !rc; i++) {
		jv t = jv_array_get(jv_copy(ts), i);
		jv x = one_tool(t, i, err, errlen);
		jv_free(t);
		if (!jv_is_valid(x))
			rc = -1, jv_free(x);
		else
			out = jv_array_append(out, x);
	}
	jv_free(ts);
	if (!rc && n)
		*req = jv_object_set(*req, jv_string("tools"), jv_copy(out));
	jv_free(out);
	if (rc < 0)
		return -1;
	return msgs_tool_choice(body, req, err, errlen);
}

/* a tool_result block (borrowed) → {"role":"tool","tool_call_id","content"} */
static jv
tool_result(jv b, const char *what, int k, int *nparts, char *err, size_t errlen)
{
	jv id = serve_oget(b, "tool_use_id"), c = serve_oget(b, "content");
	jv er = serve_oget(b, "is_error");
	char w[96];
	snprintf(w, sizeof w, "%s[%d].content", what, k);
	jv text = jv_get_kind(c) == JV_KIND_NULL ? (jv_free(c), jv_string("")) :
	    serve_join_text(c, w, "blocks", text_only, "\n", nparts, err, errlen);
	jv r = jv_invalid();
	if (!is_str(id))
		serve_bad(err, errlen, "%s[%d].tool_use_id: expected a string", what, k);
	else if (jv_is_valid(text)) {
		if (jv_get_kind(er) == JV_KIND_TRUE)     /* the neutral result has no flag */
			text = jv_string_concat(jv_string("Error: "), text);
		r = jv_object_set(jv_object(), jv_string("role"), jv_string("tool"));
		r = jv_object_set(r, jv_string("content"), jv_copy(text));
		r = jv_object_set(r, jv_string("tool_call_id"), jv_copy(id));
	}
	jv_free(id), jv_free(text), jv_free(er);
	return r;
}

/* a tool_use block (borrowed) → {"id","name","arguments"} */
static jv
tool_use(jv b, const char *what, int k, char *err, size_t errlen)
{
	jv id = serve_oget(b, "id"), name = serve_oget(b, "name"), in = serve_oget(b, "input");
	jv r = jv_invalid();
	if (!is_str(id) || !is_str(name) || jv_get_kind(in) != JV_KIND_OBJECT)
		serve_bad(err, errlen, "%s[%d]: a tool_use block needs an id, a name and an input "
		    "object", what, k);
	else {
		r = jv_object_set(jv_object(), jv_string("id"), jv_copy(id));
		r = jv_object_set(r, jv_string("name"), jv_copy(name));
		r = jv_object_set(r, jv_string("arguments"), jv_dump_string(jv_copy(in), 0));
	}
	jv_free(id), jv_free(name), jv_free(in);
	return r;
}

/* one block of a user or assistant message onto text, calls and results */
static int
one_block(jv b, const char *role, const char *what, int k, mlm_buf *text, jv *calls,
    jv *results, jv *imgs, int *nparts, char *err, size_t errlen)
{
	char bw[96];
	int ir;
	jv ty = serve_oget(b, "type"), tx = serve_oget(b, "text");
	const char *t = is_str(ty) ? jv_string_value(ty) : NULL;
	int user = !strcmp(role, "user"), rc = 0;
	jv x = jv_null();
	if (t && !strcmp(t, "text") && is_str(tx)) {
		if (text->len)
			sv_puts(text, "\n");
		sv_puts(text, jv_string_value(tx));
	} else if (t && user && !strcmp(t, "tool_result")) {
		x = tool_result(b, what, k, nparts, err, errlen);
		if (jv_is_valid(x))
			*results = jv_array_append(*results, jv_copy(x));
	} else if (t && !user && !strcmp(t, "tool_use")) {
		x = tool_use(b, what, k, err, errlen);
		if (jv_is_valid(x))
			*calls = jv_array_append(*calls, jv_copy(x));
	} else if (t && !user && (!strcmp(t, "thinking") || !strcmp(t, "redacted_thinking"))) {
		/* the model's own reasoning, sent back: nothing to pass on */
	} else if ((snprintf(bw, sizeof bw, "%s[%d]", what, k),
	    (ir = serve_image_part(b, bw, imgs, err, errlen)) != 0)) {
		rc = ir > 0 ? 0 : -1;   /* image and PDF document blocks (serve-parts.c) */
	} else if (t) {
		rc = serve_bad(err, errlen, "%s[%d]: %s blocks are not supported by this server yet "
		    "(the request was not sent)", what, k, t);
	} else {
		rc = serve_bad(err, errlen, "%s[%d]: expected a content block with a type", what, k);
	}
	if (!jv_is_valid(x))
		rc = -1;
	jv_free(x), jv_free(ty), jv_free(tx);
	return rc;
}

int
serve_msgs_message(jv content, const char *role, int i, jv *out, int *nparts, char *err,
    size_t errlen)
{
	char what[64];
	snprintf(what, sizeof what, "messages[%d].content", i);
	if (jv_get_kind(content) != JV_KIND_ARRAY) {
		jv text = serve_join_text(content, what, "blocks", text_only, "\n", nparts, err, errlen);
		if (!jv_is_valid(text))
			return -1;
		*out = jv_array_append(*out, jv_object_set(jv_object_set(jv_object(),
		    jv_string("role"), jv_string(role)), jv_string("content"), text));
		return 0;
	}
	int n = jv_array_length(jv_copy(content)), rc = 0;
	if ((*nparts += n) > SERVE_MAX_PARTS)
		rc = serve_bad(err, errlen, "%s: more than %d content blocks in one request", what,
		    SERVE_MAX_PARTS);
	mlm_buf text = { 0 };
	sv_add(&text, "", 0);
	jv calls = jv_array(), results = jv_array(), imgs = jv_array();
	for (int k = 0; k < n && !rc; k++) {
		jv b = jv_array_get(jv_copy(content), k);
		rc = one_block(b, role, what, k, &text, &calls, &results, &imgs, nparts, err,
		    errlen);
		jv_free(b);
	}
	jv_free(content);
	if (!rc && text.over)
		rc = serve_bad(err, errlen, "%s: the text is larger than %u bytes", what,
		    MLM_BUF_DEFAULT_MAX);
	if (!rc) {
		/* results first: they answer the assistant's calls just before */
		int nres = jv_array_length(jv_copy(results));
		jv_array_foreach(results, k, x)
			*out = jv_array_append(*out, x);
		if (!nres || text.len || jv_array_length(jv_copy(imgs))) {
			jv o = jv_object_set(jv_object(), jv_string("role"), jv_string(role));
			o = jv_object_set(o, jv_string("content"),
			    serve_parts_join(jv_string_sized(text.p, (int)text.len), jv_copy(imgs)));
			if (jv_array_length(jv_copy(calls)))
				o = jv_object_set(o, jv_string("tool_calls"), jv_copy(calls));
			*out = jv_array_append(*out, o);
		}
	}
	jv_free(calls), jv_free(results), jv_free(imgs);
	mlm_buf_free(&text);
	return rc;
}

/* ---------- answers ---------- */

static int
ncalls(jv calls)
{
	return jv_get_kind(calls) == JV_KIND_ARRAY ? jv_array_length(jv_copy(calls)) : 0;
}

const char *
serve_msgs_stop(const mlm_result *r)
{
	return ncalls(r->tool_calls) ? "tool_use" : "end_turn";
}

/* c consumed */
static void
tool_use_block(mlm_buf *b, jv c, int with_input)
{
	jv id = serve_oget(c, "id"), name = serve_oget(c, "name");
	sv_puts(b, "{\"type\":\"tool_use\",\"id\":");
	serve_json_strz(b, is_str(id) ? jv_string_value(id) : "");
	sv_puts(b, ",\"name\":");
	serve_json_strz(b, is_str(name) ? jv_string_value(name) : "");
	sv_puts(b, ",\"input\":");
	if (with_input) {
		jv in = serve_call_args(c);
		sv_json_dump(b, in);
		jv_free(in);
	} else {
		sv_puts(b, "{}");
	}
	sv_puts(b, "}");
	jv_free(id), jv_free(name), jv_free(c);
}

void
serve_msgs_content(mlm_buf *b, const char *text, jv calls)
{
	int n = ncalls(calls), any = 0;
	if (text && (*text || !n)) {
		sv_puts(b, "{\"type\":\"text\",\"text\":");
		serve_json_strz(b, text);
		sv_puts(b, "}");
		any = 1;
	}
	for (int i = 0; i < n; i++) {
		if (any++)
			sv_puts(b, ",");
		tool_use_block(b, jv_array_get(jv_copy(calls), i), 1);
	}
}

static void
event(mlm_buf *b, const char *name)
{
	sv_printf(b, "event: %s\ndata: ", name);
}

void
serve_msgs_stream_blocks(mlm_buf *b, const mlm_result *r)
{
	const char *text = r->text ? r->text : "";
	int n = ncalls(r->tool_calls), idx = 0;
	if (*text || !n) {
		event(b, "content_block_start");
		sv_puts(b, "{\"type\":\"content_block_start\",\"index\":0,"
		    "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
		if (*text) {
			event(b, "content_block_delta");
			sv_puts(b, "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
			    "{\"type\":\"text_delta\",\"text\":");
			serve_json_strz(b, text);
			sv_puts(b, "}}\n\n");
		}
		event(b, "content_block_stop");
		sv_puts(b, "{\"type\":\"content_block_stop\",\"index\":0}\n\n");
		idx = 1;
	}
	for (int i = 0; i < n; i++, idx++) {
		jv c = jv_array_get(jv_copy(r->tool_calls), i);
		jv args = serve_call_args(c);
		event(b, "content_block_start");
		sv_printf(b, "{\"type\":\"content_block_start\",\"index\":%d,\"content_block\":", idx);
		tool_use_block(b, jv_copy(c), 0);
		sv_puts(b, "}\n\n");
		event(b, "content_block_delta");
		sv_printf(b, "{\"type\":\"content_block_delta\",\"index\":%d,\"delta\":"
		    "{\"type\":\"input_json_delta\",\"partial_json\":", idx);
		jv s = jv_dump_string(args, 0);
		serve_json_strz(b, jv_string_value(s));
		jv_free(s);
		sv_puts(b, "}}\n\n");
		event(b, "content_block_stop");
		sv_printf(b, "{\"type\":\"content_block_stop\",\"index\":%d}\n\n", idx);
		jv_free(c);
	}
}
