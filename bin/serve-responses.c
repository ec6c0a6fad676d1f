/*
 * serve-responses.c — llm-serve's OpenAI Responses wire (POST /v1/responses),
 * text only: input as a string or message items, instructions,
 * max_output_tokens, temperature; the response object, and its stream of
 * response.* events. Nothing is stored: previous_response_id is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* an input message's content → its text; invalid with err filled */
static jv
item_text(jv content, int i, int *nparts, char *err, size_t errlen)
{
	if (jv_get_kind(content) == JV_KIND_STRING)
		return content;
	if (jv_get_kind(content) != JV_KIND_ARRAY) {
		jv_free(content);
		serve_bad(err, errlen, "input[%d].content: expected a string or an array of "
		    "content parts", i);
		return jv_invalid();
	}
	int n = jv_array_length(jv_copy(content)), ok = 1;
	if ((*nparts += n) > SERVE_MAX_PARTS) {
		serve_bad(err, errlen, "input[%d].content: more than %d content parts in one "
		    "request", i, SERVE_MAX_PARTS);
		ok = 0;
	}
	mlm_buf t = { 0 };
	sv_add(&t, "", 0);
	for (int k = 0; k < n && ok; k++) {
		jv p = jv_array_get(jv_copy(content), k);
		jv ty = serve_oget(p, "type"), tx = serve_oget(p, "text");
		const char *ts = jv_get_kind(ty) == JV_KIND_STRING ? jv_string_value(ty) : "";
		if ((!strcmp(ts, "input_text") || !strcmp(ts, "output_text")) &&
		    jv_get_kind(tx) == JV_KIND_STRING) {
			sv_puts(&t, jv_string_value(tx));
		} else {
			serve_bad(err, errlen, "input[%d].content[%d]: %s%s parts are not supported by "
			    "this server yet (text only; the request was not sent)", i, k,
			    *ts ? ts : "untyped", "");
			ok = 0;
		}
		jv_free(p), jv_free(ty), jv_free(tx);
	}
	jv_free(content);
	if (ok && t.over) {
		serve_bad(err, errlen, "input[%d].content: the text is larger than %u bytes", i,
		    MLM_BUF_DEFAULT_MAX);
		ok = 0;
	}
	jv r = ok ? jv_string_sized(t.p, (int)t.len) : jv_invalid();
	mlm_buf_free(&t);
	return r;
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
		if (strcmp(t, "message"))
			serve_bad(err, errlen, "input[%d]: %s items are not supported by this server "
			    "yet (text messages only; the request was not sent)", i, t);
		else if (!is_sys && strcmp(r, "user") && strcmp(r, "assistant"))
			serve_bad(err, errlen, "input[%d].role: expected user, assistant, system or "
			    "developer", i);
		else
			text = item_text(serve_oget(it, "content"), i, &nparts, err, errlen);
		if (jv_is_valid(text) && is_sys) {
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
	static const char *const no[] = { "tools", "tool_choice", "top_p", "reasoning",
		"conversation", "prompt", "include" };
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (serve_refuse(body, no[i], err, errlen) < 0)
			return -1;
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
	jv req = jv_object();
	if (resp_refusals(body, err, errlen) < 0 || input_parse(body, &req, err, errlen) < 0 ||
	    serve_number(body, "max_output_tokens", 1, 1e9, 1, &req, "max_tokens", err, errlen) < 0 ||
	    serve_number(body, "temperature", 0, 2, 0, &req, "temperature", err, errlen) < 0) {
		jv_free(req);
		return -1;
	}
	jv st = serve_oget(body, "stream");
	sc->stream = jv_get_kind(st) == JV_KIND_TRUE;
	jv_free(st);
	if (sc->stream)
		req = jv_object_set(req, jv_string("stream"), jv_true());
	sc->est_in = serve_estimate_tokens(req);
	/* echoed in the response object */
	jv keep = jv_object();
	static const char *const echo[] = { "system", "temperature", "max_tokens" };
	for (size_t i = 0; i < 3; i++) {
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
	if (r)
		message_item(sc, b, text, n, "completed");
	sv_printf(b, "],\"parallel_tool_calls\":false,\"previous_response_id\":null,"
	    "\"store\":false,\"temperature\":%g,\"text\":{\"format\":{\"type\":\"text\"}},"
	    "\"tool_choice\":\"auto\",\"tools\":[],\"top_p\":1,\"truncation\":\"disabled\","
	    "\"metadata\":{}", temp);
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

/* "event: NAME\ndata: {"type":NAME,"sequence_number":N," */
static void
event(serve_call *sc, mlm_buf *b, const char *name)
{
	sv_printf(b, "event: %s\ndata: {\"type\":\"%s\",\"sequence_number\":%ld,", name, name,
	    sc->seq++);
}

static void
part_event(serve_call *sc, mlm_buf *b, const char *name)
{
	event(sc, b, name);
	sv_printf(b, "\"item_id\":\"msg_%s\",\"output_index\":0,\"content_index\":0,", sc->id + 5);
}

static void
resp_delta(serve_call *sc, mlm_buf *out, const char *text, size_t n)
{
	if (!sc->ndelta) {
		event(sc, out, "response.created");
		sv_puts(out, "\"response\":");
		response_obj(sc, out, NULL, NULL, 0);
		sv_puts(out, "}\n\n");
		event(sc, out, "response.in_progress");
		sv_puts(out, "\"response\":");
		response_obj(sc, out, NULL, NULL, 0);
		sv_puts(out, "}\n\n");
		event(sc, out, "response.output_item.added");
		sv_puts(out, "\"output_index\":0,\"item\":");
		message_item(sc, out, NULL, 0, "in_progress");
		sv_puts(out, "}\n\n");
		part_event(sc, out, "response.content_part.added");
		sv_puts(out, "\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[],"
		    "\"logprobs\":[]}}\n\n");
		sv_add(&sc->text, "", 0);
	}
	if (!n)
		return;
	sv_add(&sc->text, text, n);
	part_event(sc, out, "response.output_text.delta");
	sv_puts(out, "\"delta\":");
	sv_json_str(out, text, n);
	sv_puts(out, ",\"logprobs\":[]}\n\n");
}

static void
resp_end(serve_call *sc, mlm_buf *out, const mlm_result *r)
{
	const char *t = sc->text.p ? sc->text.p : "";
	sv_over_from(out, &sc->text);     /* the text repeated whole, or the stream breaks */
	part_event(sc, out, "response.output_text.done");
	sv_puts(out, "\"text\":");
	sv_json_str(out, t, sc->text.len);
	sv_puts(out, ",\"logprobs\":[]}\n\n");
	part_event(sc, out, "response.content_part.done");
	sv_puts(out, "\"part\":{\"type\":\"output_text\",\"text\":");
	sv_json_str(out, t, sc->text.len);
	sv_puts(out, ",\"annotations\":[],\"logprobs\":[]}}\n\n");
	event(sc, out, "response.output_item.done");
	sv_puts(out, "\"output_index\":0,\"item\":");
	message_item(sc, out, t, sc->text.len, "completed");
	sv_puts(out, "}\n\n");
	event(sc, out, "response.completed");
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
	event(sc, out, "error");
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
