/*
 * serve-responses.c — llm-serve's OpenAI Responses wire (POST /v1/responses),
 * text only: input as a string or message items, instructions,
 * max_output_tokens, temperature, top_p; the response object, and its stream of
 * response.* events. Nothing is stored: previous_response_id is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "serve-responses.h"

static const char *const text_parts[] = { "input_text", "output_text", NULL };

/* an input message's content → its text; invalid with err filled */
static jv
item_text(jv content, int i, int *nparts, char *err, size_t errlen)
{
	char what[64];
	snprintf(what, sizeof what, "input[%d].content", i);
	return serve_join_parts(content, what, "parts", text_parts, "", 1, nparts, err, errlen);
}

/* body.input (and instructions) → *req; -1 with err */
static int
input_parse(jv body, jv *req, char *err, size_t errlen)
{
	mlm_buf sys = { 0 };
	jv ins = serve_oget(body, "instructions");
	if (jv_get_kind(ins) == JV_KIND_STRING)
		sv_puts(&sys, jv_string_value(ins));
	else if (jv_get_kind(ins) != JV_KIND_NULL)
		serve_bad(err, errlen, "%s", "instructions: expected a string");
	int bad_ins = jv_get_kind(ins) != JV_KIND_NULL && jv_get_kind(ins) != JV_KIND_STRING;
	jv_free(ins);
	if (bad_ins)
		return -1;
	jv in = serve_oget(body, "input"), out = jv_array();
	int rc = -1, nparts = 0;
	if (jv_get_kind(in) == JV_KIND_STRING) {
		out = jv_array_append(out, jv_object_set(jv_object_set(jv_object(), jv_string("role"),
		    jv_string("user")), jv_string("content"), jv_copy(in)));
	} else if (jv_get_kind(in) != JV_KIND_ARRAY || !jv_array_length(jv_copy(in))) {
		serve_bad(err, errlen, "%s", "input: expected a string or a non-empty array of items");
		goto out;
	} else if (jv_array_length(jv_copy(in)) > SERVE_MAX_MESSAGES) {
		serve_bad(err, errlen, "input: at most %d items in one request", SERVE_MAX_MESSAGES);
		goto out;
	}
	for (int i = 0; jv_get_kind(in) == JV_KIND_ARRAY && i < jv_array_length(jv_copy(in)); i++) {
		jv it = jv_array_get(jv_copy(in), i);
		jv ty = serve_oget(it, "type"), role = serve_oget(it, "role");
		const char *t = jv_get_kind(ty) == JV_KIND_STRING ? jv_string_value(ty) : "message";
		const char *r = jv_get_kind(role) == JV_KIND_STRING ? jv_string_value(role) : "";
		int is_sys = !strcmp(r, "system") || !strcmp(r, "developer");
		jv text = jv_invalid();
		int tool = strcmp(t, "message") ? serve_resp_tool_item(it, t, i, &out, &nparts, err,
		    errlen) : 0;
		if (tool > 0)
			text = jv_null();
		else if (tool < 0)
			;
		else if (strcmp(t, "message"))
			serve_bad(err, errlen, "input[%d]: %s items are not supported by this server "
			    "yet (messages, function_call and function_call_output only; the request "
			    "was not sent)", i, t);
		else if (!is_sys && strcmp(r, "user") && strcmp(r, "assistant"))
			serve_bad(err, errlen, "input[%d].role: expected user, assistant, system or "
			    "developer", i);
		else
			text = item_text(serve_oget(it, "content"), i, &nparts, err, errlen);
		if (tool > 0) {
			/* taken above */
		} else if (jv_is_valid(text) && is_sys && jv_get_kind(text) != JV_KIND_STRING) {
			jv_free(text);
			text = jv_invalid();
			serve_bad(err, errlen, "input[%d].content: a system message takes text only", i);
		} else if (jv_is_valid(text) && is_sys) {
			if (sys.len)
				sv_puts(&sys, "\n\n");
			sv_puts(&sys, jv_string_value(text));
			jv_free(text);
			text = jv_null();
		} else if (jv_is_valid(text)) {
			out = jv_array_append(out, jv_object_set(jv_object_set(jv_object(),
			    jv_string("role"), jv_string(r)), jv_string("content"), text));
			text = jv_null();
		}
		jv_free(it), jv_free(ty), jv_free(role);
		if (!jv_is_valid(text)) {
			jv_free(text);
			goto out;
		}
	}
	if (!jv_array_length(jv_copy(out))) {
		serve_bad(err, errlen, "%s", "input: no user or assistant message");
		goto out;
	}
	if (sys.over) {
		serve_bad(err, errlen, "the instructions are larger than %u bytes", MLM_BUF_DEFAULT_MAX);
		goto out;
	}
	if (sys.len)
		*req = jv_object_set(*req, jv_string("system"), jv_string_sized(sys.p, (int)sys.len));
	*req = jv_object_set(*req, jv_string("messages"), out);
	out = jv_null();
	rc = 0;
out:
	jv_free(in), jv_free(out);
	mlm_buf_free(&sys);
	return rc;
}

static int
resp_refusals(jv body, char *err, size_t errlen)
{
	jv prev = serve_oget(body, "previous_response_id");
	int k = jv_get_kind(prev);
	jv_free(prev);
	if (k != JV_KIND_NULL)
		return serve_bad(err, errlen, "%s", "previous_response_id: this server stores no "
		    "responses; send the whole conversation in input");
	static const char *const no[] = { "conversation", "prompt" };
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (serve_refuse(body, no[i], err, errlen) < 0)
			return -1;
	/* reasoning summaries: none is made, so none is missing; an effort is
	 * a request this server cannot honour */
	jv re = serve_oget(body, "reasoning");
	jv ef = serve_oget(re, "effort");
	int ek = jv_get_kind(ef), rk = jv_get_kind(re);
	jv_free(re), jv_free(ef);
	if (rk != JV_KIND_NULL && rk != JV_KIND_OBJECT)
		return serve_bad(err, errlen, "%s", "reasoning: expected an object");
	if (ek != JV_KIND_NULL)
		return serve_bad(err, errlen, "%s", "reasoning.effort: not supported by this server "
		    "yet (the request was not sent; remove it)");
	/* include: reasoning.encrypted_content asks for reasoning items' content,
	 * and there are none; anything else is refused */
	jv inc = serve_oget(body, "include");
	int bad = jv_get_kind(inc) != JV_KIND_NULL && jv_get_kind(inc) != JV_KIND_ARRAY;
	if (jv_get_kind(inc) == JV_KIND_ARRAY)
		jv_array_foreach(inc, i, x) {
			bad |= jv_get_kind(x) != JV_KIND_STRING ||
			    strcmp(jv_string_value(x), "reasoning.encrypted_content");
			jv_free(x);
		}
	jv_free(inc);
	if (bad)
		return serve_bad(err, errlen, "%s", "include: only reasoning.encrypted_content is "
		    "accepted by this server (the request was not sent)");
	jv tf = serve_oget(body, "text");
	jv f = serve_oget(tf, "format");
	jv ft = serve_oget(f, "type");
	int other = jv_get_kind(ft) == JV_KIND_STRING && strcmp(jv_string_value(ft), "text");
	jv_free(tf), jv_free(f), jv_free(ft);
	if (other)
		return serve_bad(err, errlen, "%s", "text.format: only {\"type\":\"text\"} is "
		    "supported by this server yet (the request was not sent)");
	return 0;
}

static int
resp_parse(serve_call *sc, jv body, char *err, size_t errlen)
{
	if (jv_get_kind(body) != JV_KIND_OBJECT)
		return serve_bad(err, errlen, "%s", "the request body must be a JSON object");
	jv m = serve_oget(body, "model");
	int rc = 0;
	if (jv_get_kind(m) == JV_KIND_STRING &&
	    jv_string_length_bytes(jv_copy(m)) < (int)sizeof sc->model_glob)
		rc = serve_pick_model(sc, jv_string_value(m), err, errlen);
	else if (jv_get_kind(m) != JV_KIND_NULL)
		rc = serve_bad(err, errlen, "%s", "model: expected a string (a model name)");
	jv_free(m);
	if (rc < 0)
		return rc;
	jv req = jv_object(), keep = jv_object();
	if (resp_refusals(body, err, errlen) < 0 || input_parse(body, &req, err, errlen) < 0 ||
	    serve_resp_tools(body, &req, &keep, err, errlen) < 0 ||
	    serve_number(body, "max_output_tokens", 1, 1e9, 1, &req, "max_tokens", err, errlen) < 0 ||
	    serve_number(body, "temperature", 0, 2, 0, &req, "temperature", err, errlen) < 0 ||
	    serve_number(body, "top_p", 0, 1, 0, &req, "top_p", err, errlen) < 0) {
		jv_free(req), jv_free(keep);
		return -1;
	}
	jv st = serve_oget(body, "stream");
	sc->stream = jv_get_kind(st) == JV_KIND_TRUE;
	jv_free(st);
	if (sc->stream) {
		req = jv_object_set(req, jv_string("stream"), jv_true());
		sc->upstream_whole = mlm_tools_used(req);
	}
	sc->est_in = serve_estimate_tokens(req);
	/* echoed in the response object */
	static const char *const echo[] = { "system", "temperature", "max_tokens", "top_p" };
	for (size_t i = 0; i < sizeof echo / sizeof *echo; i++) {
		jv v = serve_oget(req, echo[i]);
		keep = jv_object_set(keep, jv_string(echo[i]), v);
	}
	jv_free(sc->keep);
	sc->keep = keep;
	sc->req = req;
	return 0;
}

/* ---------- answers ---------- */

static void
message_item(serve_call *sc, mlm_buf *b, const char *text, size_t n, const char *status)
{
	sv_printf(b, "{\"type\":\"message\",\"id\":\"msg_%s\",\"status\":\"%s\","
	    "\"role\":\"assistant\",\"content\":[", sc->id + 5, status);
	if (text) {
		sv_puts(b, "{\"type\":\"output_text\",\"text\":");
		sv_json_str(b, text, n);
		sv_puts(b, ",\"annotations\":[],\"logprobs\":[]}");
	}
	sv_puts(b, "]}");
}

/* the response object; r NULL: in progress, no output yet */
static void
response_obj(serve_call *sc, mlm_buf *b, const mlm_result *r, const char *text, size_t n)
{
	double temp = 1;
	jv t = serve_oget(sc->keep, "temperature");
	if (jv_get_kind(t) == JV_KIND_NUMBER)
		temp = jv_number_value(t);
	jv_free(t);
	sv_printf(b, "{\"id\":\"%s\",\"object\":\"response\",\"created_at\":%ld,"
	    "\"status\":\"%s\",\"error\":null,\"incomplete_details\":null,\"instructions\":",
	    sc->id, sc->created, r ? "completed" : "in_progress");
	jv sys = serve_oget(sc->keep, "system");
	if (jv_get_kind(sys) == JV_KIND_STRING)
		serve_json_strz(b, jv_string_value(sys));
	else
		sv_puts(b, "null");
	jv_free(sys);
	sv_puts(b, ",\"max_output_tokens\":");
	jv mt = serve_oget(sc->keep, "max_tokens");
	if (jv_get_kind(mt) == JV_KIND_NUMBER)
		sv_printf(b, "%.0f", jv_number_value(mt));
	else
		sv_puts(b, "null");
	jv_free(mt);
	sv_puts(b, ",\"model\":");
	serve_json_strz(b, sc->model[0] ? sc->model : sc->asked);
	sv_puts(b, ",\"output\":[");
	int nc = r ? serve_resp_ncalls(r) : 0, msg = r && (n || !nc);
	if (msg)
		message_item(sc, b, text, n, "completed");
	for (int k = 0; k < nc; k++) {
		if (msg || k)
			sv_puts(b, ",");
		serve_resp_call_item(sc, b, jv_array_get(jv_copy(r->tool_calls), k), k, 1);
	}
	jv pt = serve_oget(sc->keep, "parallel_tool_calls");
	sv_printf(b, "],\"parallel_tool_calls\":%s,\"previous_response_id\":null,"
	    "\"store\":false,\"temperature\":%g,\"text\":{\"format\":{\"type\":\"text\"}},"
	    "\"tool_choice\":", jv_get_kind(pt) == JV_KIND_FALSE ? "false" : "true", temp);
	jv_free(pt);
	jv tc = serve_oget(sc->keep, "tool_choice"), ts = serve_oget(sc->keep, "tools");
	if (jv_get_kind(tc) != JV_KIND_NULL)
		sv_json_dump(b, tc);
	else
		sv_puts(b, "\"auto\"");
	sv_puts(b, ",\"tools\":");
	if (jv_get_kind(ts) == JV_KIND_ARRAY)
		sv_json_dump(b, ts);
	else
		sv_puts(b, "[]");
	jv_free(tc), jv_free(ts);
	double top_p = 1;
	jv tp = serve_oget(sc->keep, "top_p");
	if (jv_get_kind(tp) == JV_KIND_NUMBER)
		top_p = jv_number_value(tp);
	jv_free(tp);
	sv_printf(b, ",\"top_p\":%g,\"truncation\":\"disabled\",\"metadata\":{}", top_p);
	/* usage only once it is known: the document's usage is an object, never null */
	if (r) {
		sv_puts(b, ",\"usage\":");
		long in = r->in_tok > 0 ? r->in_tok : sc->est_in, out = r->out_tok > 0 ? r->out_tok : 0;
		sv_printf(b, "{\"input_tokens\":%ld,\"input_tokens_details\":{\"cached_tokens\":0,\"cache_write_tokens\":0},"
		    "\"output_tokens\":%ld,\"output_tokens_details\":{\"reasoning_tokens\":0},"
		    "\"total_tokens\":%ld}", in, out, in + out);
	}
	sv_puts(b, "}");
}

void
serve_resp_event(serve_call *sc, mlm_buf *b, const char *name)
{
	sv_printf(b, "event: %s\ndata: {\"type\":\"%s\",\"sequence_number\":%ld,", name, name,
	    sc->seq++);
}

static void
part_event(serve_call *sc, mlm_buf *b, const char *name)
{
	serve_resp_event(sc, b, name);
	sv_printf(b, "\"item_id\":\"msg_%s\",\"output_index\":0,\"content_index\":0,", sc->id + 5);
}

/* the message item's output_item.added and content_part.added */
static void
message_start(serve_call *sc, mlm_buf *out)
{
	serve_resp_event(sc, out, "response.output_item.added");
	sv_puts(out, "\"output_index\":0,\"item\":");
	message_item(sc, out, NULL, 0, "in_progress");
	sv_puts(out, "}\n\n");
	part_event(sc, out, "response.content_part.added");
	sv_puts(out, "\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[],"
	    "\"logprobs\":[]}}\n\n");
}

static void
text_delta(serve_call *sc, mlm_buf *out, const char *text, size_t n)
{
	part_event(sc, out, "response.output_text.delta");
	sv_puts(out, "\"delta\":");
	sv_json_str(out, text, n);
	sv_puts(out, ",\"logprobs\":[]}\n\n");
}

static void
resp_delta(serve_call *sc, mlm_buf *out, const char *text, size_t n)
{
	if (!sc->ndelta) {
		serve_resp_event(sc, out, "response.created");
		sv_puts(out, "\"response\":");
		response_obj(sc, out, NULL, NULL, 0);
		sv_puts(out, "}\n\n");
		serve_resp_event(sc, out, "response.in_progress");
		sv_puts(out, "\"response\":");
		response_obj(sc, out, NULL, NULL, 0);
		sv_puts(out, "}\n\n");
		sv_add(&sc->text, "", 0);
		if (sc->upstream_whole)         /* the items come whole at the end */
			return;
		message_start(sc, out);
	}
	if (!n)
		return;
	sv_add(&sc->text, text, n);
	text_delta(sc, out, text, n);
}

/* the message item's events from its text's end to output_item.done */
static void
message_done(serve_call *sc, mlm_buf *out, const char *t, size_t n)
{
	part_event(sc, out, "response.output_text.done");
	sv_puts(out, "\"text\":");
	sv_json_str(out, t, n);
	sv_puts(out, ",\"logprobs\":[]}\n\n");
	part_event(sc, out, "response.content_part.done");
	sv_puts(out, "\"part\":{\"type\":\"output_text\",\"text\":");
	sv_json_str(out, t, n);
	sv_puts(out, ",\"annotations\":[],\"logprobs\":[]}}\n\n");
	serve_resp_event(sc, out, "response.output_item.done");
	sv_puts(out, "\"output_index\":0,\"item\":");
	message_item(sc, out, t, n, "completed");
	sv_puts(out, "}\n\n");
}

static void
resp_end(serve_call *sc, mlm_buf *out, const mlm_result *r)
{
	if (sc->upstream_whole) {       /* the whole answer: its items' events */
		const char *t = r->text ? r->text : "";
		int msg = *t || !serve_resp_ncalls(r);
		if (msg) {
			message_start(sc, out);
			if (*t)
				text_delta(sc, out, t, strlen(t));
			message_done(sc, out, t, strlen(t));
		}
		serve_resp_stream_calls(sc, out, r, msg);
		serve_resp_event(sc, out, "response.completed");
		sv_puts(out, "\"response\":");
		response_obj(sc, out, r, t, strlen(t));
		sv_puts(out, "}\n\n");
		return;
	}
	const char *t = sc->text.p ? sc->text.p : "";
	message_done(sc, out, t, sc->text.len);
	serve_resp_event(sc, out, "response.completed");
	sv_puts(out, "\"response\":");
	response_obj(sc, out, r, t, sc->text.len);
	sv_puts(out, "}\n\n");
}

static void
resp_whole(serve_call *sc, mlm_buf *out, const mlm_result *r)
{
	const char *t = r->text ? r->text : "";
	response_obj(sc, out, r, t, strlen(t));
}

static void
resp_stream_error(serve_call *sc, mlm_buf *out, unsigned status, const char *msg,
    const char *type, const char *code)
{
	serve_resp_event(sc, out, "error");
	sv_puts(out, "\"code\":");
	serve_json_strz(out, code ? code : type);
	sv_puts(out, ",\"message\":");
	serve_json_strz(out, msg);
	sv_puts(out, ",\"param\":null}\n\n");
}

const serve_wire serve_responses = {
	.name = "/v1/responses",
	.path = "/v1/responses",
	.alias = "/responses",
	.id_prefix = "resp_",
	.parse = resp_parse,
	.delta = resp_delta,
	.end = resp_end,
	.whole = resp_whole,
	.error = serve_openai_error,
	.stream_error = resp_stream_error,
};
