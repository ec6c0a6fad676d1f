/*
 * serve-anthropic.c — llm-serve's Anthropic Messages wire
 * (POST /v1/messages and /v1/messages/count_tokens), text only: the
 * request parser, the answer in Anthropic's shapes, its stream's event
 * sequence (message_start, content_block_start, ping, content_block_delta,
 * content_block_stop, message_delta, message_stop) and its errors
 * ({"type":"error","error":{"type","message"}}).
 */
#include <stdlib.h>
#include <string.h>

#include "serve-anthropic.h"

static const char *const text_only[] = { "text", NULL };

/* body.system and body.messages → *req; -1 with err */
static int
msgs_parse(jv body, jv *req, char *err, size_t errlen)
{
	int nparts = 0;
	jv sys = serve_oget(body, "system");
	if (jv_get_kind(sys) != JV_KIND_NULL) {
		sys = serve_join_text(sys, "system", "blocks", text_only, "\n", &nparts, err, errlen);
		if (!jv_is_valid(sys))
			return -1;
		if (jv_string_length_bytes(jv_copy(sys)))
			*req = jv_object_set(*req, jv_string("system"), sys);
		else
			jv_free(sys);
	} else {
		jv_free(sys);
	}
	jv ms = serve_oget(body, "messages");
	if (jv_get_kind(ms) != JV_KIND_ARRAY || jv_array_length(jv_copy(ms)) == 0) {
		jv_free(ms);
		return serve_bad(err, errlen, "%s", "messages: expected a non-empty array");
	}
	int n = jv_array_length(jv_copy(ms));
	if (n > SERVE_MAX_MESSAGES) {
		jv_free(ms);
		return serve_bad(err, errlen, "messages: %d messages; at most %d in one request", n,
		    SERVE_MAX_MESSAGES);
	}
	jv out = jv_array();
	mlm_buf more = { 0 };   /* messages of role system (mid-conversation) */
	int rc = 0;
	for (int i = 0; i < n && !rc; i++) {
		jv m = jv_array_get(jv_copy(ms), i);
		jv role = serve_oget(m, "role"), content = serve_oget(m, "content");
		const char *r = jv_get_kind(role) == JV_KIND_STRING ? jv_string_value(role) : "";
		char what[64];
		snprintf(what, sizeof what, "messages[%d].content", i);
		if (jv_get_kind(m) != JV_KIND_OBJECT) {
			rc = serve_bad(err, errlen, "messages[%d]: expected an object", i);
			jv_free(content);
		} else if (!strcmp(r, "system")) {
			jv t = serve_join_text(content, what, "blocks", text_only, "\n", &nparts, err, errlen);
			if (!jv_is_valid(t))
				rc = -1;
			else if (jv_string_length_bytes(jv_copy(t)))
				sv_printf(&more, "%s%s", more.len ? "\n\n" : "", jv_string_value(t));
			jv_free(t);
		} else if (strcmp(r, "user") && strcmp(r, "assistant")) {
			rc = serve_bad(err, errlen, "messages[%d].role: expected user, assistant or "
			    "system", i);
			jv_free(content);
		} else {
			rc = serve_msgs_message(content, r, i, &out, &nparts, err, errlen);
		}
		jv_free(m), jv_free(role);
	}
	if (!rc && more.len) {
		jv s0 = serve_oget(*req, "system");
		jv s1 = jv_get_kind(s0) == JV_KIND_STRING ?
		    jv_string_fmt("%s\n\n%s", jv_string_value(s0), more.p) : jv_string(more.p);
		jv_free(s0);
		*req = jv_object_set(*req, jv_string("system"), s1);
	}
	mlm_buf_free(&more);
	if (!rc && !jv_array_length(jv_copy(out)))
		rc = serve_bad(err, errlen, "%s", "messages: no user or assistant message");
	if (rc < 0) {
		jv_free(out), jv_free(ms);
		return -1;
	}
	jv_free(ms);
	*req = jv_object_set(*req, jv_string("messages"), out);
	return 0;
}

/* body.stop_sequences (up to 4 non-empty strings; [] asks for nothing),
 * top_p and top_k → req.stop, top_p, top_k: the adapters pass, rename or
 * refuse them (lib/params.c) */
static int
msgs_sampling(jv body, jv *req, char *err, size_t errlen)
{
	jv v = serve_oget(body, "stop_sequences");
	int k = jv_get_kind(v), n = k == JV_KIND_ARRAY ? jv_array_length(jv_copy(v)) : 0;
	int ok = k == JV_KIND_NULL ||
	    (k == JV_KIND_ARRAY && n <= 4 && serve_nonempty_strings(v, n));
	if (!ok) {
		jv_free(v);
		return serve_bad(err, errlen, "%s", "stop_sequences: expected an array of up to 4 "
		    "non-empty strings");
	}
	if (n)
		*req = jv_object_set(*req, jv_string("stop"), v);
	else
		jv_free(v);
	if (serve_number(body, "top_p", 0, 1, 0, req, "top_p", err, errlen) < 0 ||
	    serve_number(body, "top_k", 1, 1e9, 1, req, "top_k", err, errlen) < 0)
		return -1;
	return 0;
}

/* what the neutral request cannot carry yet: a 400 naming it */
static int
msgs_refusals(jv body, char *err, size_t errlen)
{
	static const char *const no[] = { "container", "mcp_servers" };
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (serve_refuse(body, no[i], err, errlen) < 0)
			return -1;
	jv th = serve_oget(body, "thinking");
	jv ty = serve_oget(th, "type");
	/* adaptive: the model may think or not; it does not here */
	int on = jv_get_kind(ty) == JV_KIND_STRING && strcmp(jv_string_value(ty), "disabled") &&
	    strcmp(jv_string_value(ty), "adaptive");
	jv_free(th), jv_free(ty);
	if (on)
		return serve_bad(err, errlen, "%s", "thinking: not supported by this server yet (the "
		    "request was not sent; remove the parameter or set its type to disabled)");
	return 0;
}

static int
parse_common(serve_call *sc, jv body, jv *req, char *err, size_t errlen)
{
	if (jv_get_kind(body) != JV_KIND_OBJECT)
		return serve_bad(err, errlen, "%s", "the request body must be a JSON object");
	jv m = serve_oget(body, "model");
	int rc;
	if (jv_get_kind(m) != JV_KIND_STRING)
		rc = serve_bad(err, errlen, "%s", "model: expected a string");
	else if (jv_string_length_bytes(jv_copy(m)) >= (int)sizeof sc->model_glob)
		rc = serve_bad(err, errlen, "%s", "model: name too long");
	else
		rc = serve_pick_model(sc, jv_string_value(m), err, errlen);
	jv_free(m);
	if (rc < 0)
		return rc;
	if (msgs_refusals(body, err, errlen) < 0 || msgs_parse(body, req, err, errlen) < 0 ||
	    serve_msgs_tools(body, req, err, errlen) < 0)
		return -1;
	return 0;
}

static int
msgs_parse_request(serve_call *sc, jv body, char *err, size_t errlen)
{
	jv req = jv_object();
	int rc = parse_common(sc, body, &req, err, errlen);
	if (rc < 0)
		goto out;
	rc = -1;
	jv mt = serve_oget(body, "max_tokens");
	int has = jv_get_kind(mt) != JV_KIND_NULL;
	jv_free(mt);
	if (!has) {
		serve_bad(err, errlen, "%s", "max_tokens: required");
		goto out;
	}
	if (serve_number(body, "max_tokens", 1, 1e9, 1, &req, "max_tokens", err, errlen) < 0 ||
	    serve_number(body, "temperature", 0, 1, 0, &req, "temperature", err, errlen) < 0 ||
	    msgs_sampling(body, &req, err, errlen) < 0)
		goto out;
	jv st = serve_oget(body, "stream");
	sc->stream = jv_get_kind(st) == JV_KIND_TRUE;
	jv_free(st);
	if (sc->stream) {
		req = jv_object_set(req, jv_string("stream"), jv_true());
		sc->upstream_whole = mlm_tools_used(req);
	}
	sc->est_in = serve_estimate_tokens(req);
	sc->req = req;
	return 0;
out:
	jv_free(req);
	return rc;
}

/* ---------- answers ---------- */

static void
usage_obj(mlm_buf *b, long in, long out)
{
	sv_printf(b, "{\"input_tokens\":%ld,\"output_tokens\":%ld,"
	    "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0}",
	    in > 0 ? in : 0, out > 0 ? out : 0);
}

/* the message object; text NULL and no calls: empty content (message_start) */
static void
message_obj(serve_call *sc, mlm_buf *b, const char *text, jv calls, const char *stop, long in,
    long out)
{
	sv_printf(b, "{\"id\":\"%s\",\"type\":\"message\",\"role\":\"assistant\",\"model\":",
	    sc->id);
	serve_json_strz(b, sc->asked[0] ? sc->asked : sc->model);
	sv_puts(b, ",\"content\":[");
	serve_msgs_content(b, text, calls);
	sv_puts(b, "],\"stop_reason\":");
	if (stop)
		serve_json_strz(b, stop);
	else
		sv_puts(b, "null");
	sv_puts(b, ",\"stop_sequence\":null,\"usage\":");
	usage_obj(b, in, out);
	sv_puts(b, "}");
}

static void
event(mlm_buf *b, const char *name)
{
	sv_printf(b, "event: %s\ndata: ", name);
}

static void
msgs_delta(serve_call *sc, mlm_buf *out, const char *text, size_t n)
{
	if (!sc->ndelta) {
		event(out, "message_start");
		sv_puts(out, "{\"type\":\"message_start\",\"message\":");
		message_obj(sc, out, NULL, jv_null(), NULL, sc->est_in, 1);
		sv_puts(out, "}\n\n");
		if (sc->upstream_whole) {       /* the blocks come whole at the end */
			event(out, "ping");
			sv_puts(out, "{\"type\":\"ping\"}\n\n");
			return;
		}
		event(out, "content_block_start");
		sv_puts(out, "{\"type\":\"content_block_start\",\"index\":0,"
		    "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
		event(out, "ping");
		sv_puts(out, "{\"type\":\"ping\"}\n\n");
	}
	if (!n)
		return;
	event(out, "content_block_delta");
	sv_puts(out, "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
	    "{\"type\":\"text_delta\",\"text\":");
	sv_json_str(out, text, n);
	sv_puts(out, "}}\n\n");
}

static void
msgs_end(serve_call *sc, mlm_buf *out, const mlm_result *r)
{
	if (sc->upstream_whole) {
		serve_msgs_stream_blocks(out, r);
	} else {
		event(out, "content_block_stop");
		sv_puts(out, "{\"type\":\"content_block_stop\",\"index\":0}\n\n");
	}
	event(out, "message_delta");
	sv_printf(out, "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"%s\","
	    "\"stop_sequence\":null},\"usage\":", sc->upstream_whole ? serve_msgs_stop(r) : "end_turn");
	usage_obj(out, r->in_tok > 0 ? r->in_tok : sc->est_in, r->out_tok);
	sv_puts(out, "}\n\n");
	event(out, "message_stop");
	sv_puts(out, "{\"type\":\"message_stop\"}\n\n");
}

static void
msgs_whole(serve_call *sc, mlm_buf *out, const mlm_result *r)
{
	message_obj(sc, out, r->text ? r->text : "", r->tool_calls, serve_msgs_stop(r),
	    r->in_tok > 0 ? r->in_tok : sc->est_in, r->out_tok);
}

/* Anthropic's error types, by HTTP status */
static const char *
error_type(unsigned status)
{
	switch (status) {
	case 401: return "authentication_error";
	case 403: return "permission_error";
	case 404: return "not_found_error";
	case 413: return "request_too_large";
	case 429: return "rate_limit_error";
	case 503: case 529: return "overloaded_error";
	case 504: return "timeout_error";
	default: return status < 500 ? "invalid_request_error" : "api_error";
	}
}

static void
error_obj(mlm_buf *out, unsigned status, const char *msg)
{
	sv_puts(out, "{\"type\":\"error\",\"error\":{\"type\":");
	serve_json_strz(out, error_type(status));
	sv_puts(out, ",\"message\":");
	serve_json_strz(out, msg);
	sv_puts(out, "}}");
}

static void
msgs_error(mlm_buf *out, unsigned status, const char *msg, const char *type, const char *code)
{
	(void)type, (void)code;
	error_obj(out, status, msg);
}

static void
msgs_stream_error(serve_call *sc, mlm_buf *out, unsigned status, const char *msg,
    const char *type, const char *code)
{
	(void)sc, (void)type, (void)code;
	event(out, "error");
	error_obj(out, status, msg);
	sv_puts(out, "\n\n");
}

const serve_wire serve_anthropic_messages = {
	.name = "/v1/messages",
	.path = "/v1/messages",
	.id_prefix = "msg_",
	.parse = msgs_parse_request,
	.delta = msgs_delta,
	.end = msgs_end,
	.whole = msgs_whole,
	.error = msgs_error,
	.stream_error = msgs_stream_error,
};

/* ---------- count_tokens: an estimate, answered without a call ---------- */

static int
count_parse(serve_call *sc, jv body, char *err, size_t errlen)
{
	jv req = jv_object();
	int rc = parse_common(sc, body, &req, err, errlen);
	if (rc < 0) {
		jv_free(req);
		return rc;
	}
	sc->est_in = serve_estimate_tokens(req);
	sc->req = req;
	return 0;
}

static void
count_local(serve_call *sc, mlm_buf *out)
{
	sv_printf(out, "{\"input_tokens\":%ld}", sc->est_in);
}

const serve_wire serve_anthropic_count = {
	.name = "/v1/messages/count_tokens",
	.path = "/v1/messages/count_tokens",
	.id_prefix = "msg_",
	.parse = count_parse,
	.local = count_local,
	.error = msgs_error,
	.stream_error = msgs_stream_error,
};
