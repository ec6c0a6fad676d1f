/*
 * sim-bodies.c — what llm-sim reads from a request and writes in a success:
 * the conversation (the last user text is echoed, SIM-REPLY: sets the
 * reply), the whole and streamed bodies of each flavor, tool calls
 * (sim-tools.c) and the model listings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim-tools.h"

/* ---------- reading the request ---------- */

/* Appends the text of an OpenAI-style content (string or parts). */
static void
content_text(jv c, struct sb *out)
{
	if (jv_get_kind(c) == JV_KIND_STRING) {
		sb_puts(out, jv_string_value(c));
	} else if (jv_get_kind(c) == JV_KIND_ARRAY) {
		int i, n = jv_array_length(jv_copy(c));
		for (i = 0; i < n; i++) {
			jv e = jv_array_get(jv_copy(c), i), t;
			if (jv_get_kind(e) == JV_KIND_STRING)
				sb_puts(out, jv_string_value(e));
			else {
				t = jget(e, "text");
				if (jv_get_kind(t) == JV_KIND_STRING)
					sb_puts(out, jv_string_value(t));
				jv_free(t);
			}
			jv_free(e);
		}
	}
}

/* Gemini parts[].text, joined. */
static void
parts_text(jv content, struct sb *out)
{
	jv parts = jget(content, "parts");
	content_text(parts, out);
	jv_free(parts);
}

/* Adds the text t of one turn (and frees it): every turn counts toward the
 * prompt tokens, the last user turn is the one echoed. */
static void
add_turn(struct ctx *x, struct sb *t, int user)
{
	if (t->len)
		sb_add(&x->all, t->p, t->len);
	if (user) {
		x->last.len = 0;
		sb_add(&x->last, t->p ? t->p : "", t->len);
		x->has_user = 1;
	}
	free(t->p);
}

/* Fills x->all / x->last from the request; -1 with msg when the shape is wrong. */
int
read_conversation(struct ctx *x, const char **msg)
{
	jv msgs;
	int i, n;

	if (jv_get_kind(x->req) != JV_KIND_OBJECT) {
		*msg = "the request body must be a JSON object";
		return -1;
	}
	if (x->api == API_GEMINI) {
		jv si = jget(x->req, "systemInstruction"), cs;
		if (!jv_is_valid(si)) {
			jv_free(si);
			si = jget(x->req, "system_instruction");
		}
		parts_text(si, &x->all);
		jv_free(si);
		cs = jget(x->req, "contents");
		if (jv_get_kind(cs) != JV_KIND_ARRAY || jv_array_length(jv_copy(cs)) == 0) {
			jv_free(cs);
			*msg = "* GenerateContentRequest.contents: contents is not specified";
			return -1;
		}
		n = jv_array_length(jv_copy(cs));
		for (i = 0; i < n; i++) {
			jv c = jv_array_get(jv_copy(cs), i), role = jget(c, "role");
			struct sb t = { 0 };
			parts_text(c, &t);
			/* a content with no role is the user's */
			add_turn(x, &t, jv_get_kind(role) != JV_KIND_STRING
			    || strcmp(jv_string_value(role), "user") == 0);
			jv_free(role);
			jv_free(c);
		}
		jv_free(cs);
		return 0;
	}
	if (x->api == API_CFRUN) {
		jv p = jget(x->req, "prompt");
		if (jv_get_kind(p) == JV_KIND_STRING) {
			sb_puts(&x->all, jv_string_value(p));
			sb_puts(&x->last, jv_string_value(p));
			x->has_user = 1;
			jv_free(p);
			return 0;
		}
		jv_free(p);
	}
	msgs = jget(x->req, "messages");
	if (jv_get_kind(msgs) != JV_KIND_ARRAY || jv_array_length(jv_copy(msgs)) == 0) {
		jv_free(msgs);
		*msg = x->api == API_CFRUN ? "Error: oneOf at '/' not met, 0 matches (need prompt or messages)"
		    : "Missing required parameter: 'messages'.";
		return -1;
	}
	n = jv_array_length(jv_copy(msgs));
	for (i = 0; i < n; i++) {
		jv m = jv_array_get(jv_copy(msgs), i), role = jget(m, "role"), c = jget(m, "content");
		struct sb t = { 0 };
		content_text(c, &t);
		add_turn(x, &t, jv_get_kind(role) == JV_KIND_STRING && strcmp(jv_string_value(role), "user") == 0);
		jv_free(role);
		jv_free(c);
		jv_free(m);
	}
	jv_free(msgs);
	if (x->api == API_CHAT) {
		jv model = jget(x->req, "model");
		int ok = jv_get_kind(model) == JV_KIND_STRING;
		jv_free(model);
		if (!ok) {
			*msg = "you must provide a model parameter";
			return -1;
		}
	}
	return 0;
}

/* Does the request ask for a schema-constrained answer? */
int
has_schema(struct ctx *x)
{
	static const char *const gkeys[] = {
		"responseSchema", "responseJsonSchema", "response_schema", "response_json_schema"
	};
	int r = 0;
	size_t i;

	if (x->api == API_GEMINI) {
		jv gc = jget(x->req, "generationConfig");
		if (!jv_is_valid(gc)) {
			jv_free(gc);
			gc = jget(x->req, "generation_config");
		}
		for (i = 0; i < sizeof gkeys / sizeof gkeys[0]; i++) {
			jv s = jget(gc, gkeys[i]);
			r |= jv_is_valid(s) && jv_get_kind(s) != JV_KIND_NULL;
			jv_free(s);
		}
		jv_free(gc);
	} else {
		jv rf = jget(x->req, "response_format"), t = jget(rf, "type");
		r = jv_get_kind(t) == JV_KIND_STRING && strcmp(jv_string_value(t), "json_schema") == 0;
		jv_free(t);
		jv_free(rf);
	}
	return r;
}

/* Cloudflare native JSON mode: response_format of type json_schema/json_object. */
static int
cf_json_mode(struct ctx *x)
{
	jv rf = jget(x->req, "response_format"), t = jget(rf, "type");
	int r = jv_get_kind(t) == JV_KIND_STRING && (strcmp(jv_string_value(t), "json_schema") == 0
	    || strcmp(jv_string_value(t), "json_object") == 0);
	jv_free(t);
	jv_free(rf);
	return r;
}

/* the tool-call format of the request's API (sim-tools.h), or -1 */
int
tool_fmt(struct ctx *x)
{
	return x->api == API_CHAT ? SIM_TF_OPENAI : x->api == API_GEMINI ? SIM_TF_GEMINI :
	    x->api == API_CFRUN ? SIM_TF_CF : -1;
}

void
make_reply(struct ctx *x)
{
	const char *u = x->last.p ? x->last.p : "", *m = strstr(u, "SIM-REPLY:");
	char *said = tool_fmt(x) >= 0 ? sim_tool_said(tool_fmt(x), x->req) : NULL;

	if (said) {
		x->reply = said;
	} else if (m) {
		m += strlen("SIM-REPLY:");
		if (*m == ' ')
			m++;
		x->reply = xstrdup(m);
	} else {
		size_t n = strlen(u);
		x->reply = xmalloc(n + 7);
		memcpy(x->reply, "echo: ", 6);
		memcpy(x->reply + 6, u, n + 1);
	}
	x->ptok = (long)((x->all.len + 3) / 4);
	x->ctok = (long)((strlen(x->reply) + 3) / 4);
}

/* Splits text into 2..SIM_MAX_SEGS pieces on word starts (UTF-8 safe). */
static size_t
split_pieces(const char *s, size_t cut[SIM_MAX_SEGS + 1])
{
	size_t n = strlen(s), k = 0, i, target = n / SIM_MAX_SEGS + 1, last = 0;

	cut[k++] = 0;
	for (i = 1; i < n && k < SIM_MAX_SEGS; i++)
		if (s[i] == ' ' && s[i - 1] != ' ' && i - last >= target) {
			cut[k++] = i;
			last = i;
		}
	if (k == 1) {
		size_t mid = n / 2;
		while (mid < n && ((unsigned char)s[mid] & 0xC0) == 0x80)
			mid++;
		cut[k++] = mid;
	}
	cut[k] = n;
	return k;
}

/* ---------- success bodies ---------- */

static jv
oai_usage(struct ctx *x)
{
	jv u = jv_object();
	u = jset(u, "prompt_tokens", jv_number(x->ptok));
	u = jset(u, "completion_tokens", jv_number(x->ctok));
	u = jset(u, "total_tokens", jv_number(x->ptok + x->ctok));
	if (x->fl == FL_ZHIPU)
		return jset(u, "prompt_tokens_details", jset(jv_object(), "cached_tokens", jv_number(0)));
	u = jset(u, "prompt_tokens_details", jset(jset(jv_object(), "cached_tokens", jv_number(0)),
	    "audio_tokens", jv_number(0)));
	return jset(u, "completion_tokens_details", jset(jset(jset(jset(jv_object(),
	    "reasoning_tokens", jv_number(0)), "audio_tokens", jv_number(0)),
	    "accepted_prediction_tokens", jv_number(0)), "rejected_prediction_tokens", jv_number(0)));
}

static void
make_id(struct ctx *x, char *out, size_t n)
{
	if (x->fl == FL_ZHIPU)
		snprintf(out, n, "sim%013lld%016llx", (long long)x->now, x->seq);
	else
		snprintf(out, n, "chatcmpl-sim%016llx", x->seq);
}

static jv
chat_completion(struct ctx *x, const char *content, const char *finish)
{
	char id[64];
	jv o = jv_object(), ch = jv_object(), m = jv_object();

	make_id(x, id, sizeof id);
	if (x->fl == FL_ZHIPU) {
		ch = jset(ch, "finish_reason", jv_string(finish));
		ch = jset(ch, "index", jv_number(0));
		m = jset(m, "content", jv_string(content));
		m = jset(m, "role", jv_string("assistant"));
		ch = jset(ch, "message", m);
		o = jset(o, "choices", jv_array_append(jv_array(), ch));
		o = jset(o, "created", jv_number((double)(x->now / 1000)));
		o = jset(o, "id", jv_string(id));
		o = jset(o, "model", jv_string(model_or(x, "glm-4.7-flash")));
		o = jset(o, "request_id", jv_string(id));
		return jset(o, "usage", oai_usage(x));
	}
	o = jset(o, "id", jv_string(id));
	o = jset(o, "object", jv_string("chat.completion"));
	o = jset(o, "created", jv_number((double)(x->now / 1000)));
	o = jset(o, "model", jv_string(model_or(x, "gpt-4o-mini")));
	ch = jset(ch, "index", jv_number(0));
	m = jset(m, "role", jv_string("assistant"));
	m = jset(m, "content", jv_string(content));
	m = jset(m, "refusal", jv_null());
	m = jset(m, "annotations", jv_array());
	ch = jset(ch, "message", m);
	ch = jset(ch, "logprobs", jv_null());
	ch = jset(ch, "finish_reason", jv_string(finish));
	o = jset(o, "choices", jv_array_append(jv_array(), ch));
	o = jset(o, "usage", oai_usage(x));
	o = jset(o, "service_tier", jv_string("default"));
	return jset(o, "system_fingerprint", jv_string("fp_llmsim"));
}

static jv
oai_chunk(struct ctx *x, jv delta, const char *finish, int with_choice)
{
	char id[64];
	jv o = jv_object(), ch = jv_object();

	make_id(x, id, sizeof id);
	o = jset(o, "id", jv_string(id));
	if (x->fl != FL_ZHIPU)
		o = jset(o, "object", jv_string("chat.completion.chunk"));
	o = jset(o, "created", jv_number((double)(x->now / 1000)));
	o = jset(o, "model", jv_string(model_or(x, x->fl == FL_ZHIPU ? "glm-4.7-flash" : "gpt-4o-mini")));
	if (x->fl != FL_ZHIPU)
		o = jset(o, "system_fingerprint", jv_string("fp_llmsim"));
	if (with_choice) {
		ch = jset(ch, "index", jv_number(0));
		ch = jset(ch, "delta", delta);
		if (x->fl != FL_ZHIPU) {
			ch = jset(ch, "logprobs", jv_null());
			ch = jset(ch, "finish_reason", finish ? jv_string(finish) : jv_null());
		} else if (finish)
			ch = jset(ch, "finish_reason", jv_string(finish));
		o = jset(o, "choices", jv_array_append(jv_array(), ch));
	} else {
		jv_free(delta);
		jv_free(ch);
		o = jset(o, "choices", jv_array());
	}
	return o;
}

static jv
g_usage(struct ctx *x, int final)
{
	jv u = jv_object();
	u = jset(u, "promptTokenCount", jv_number(x->ptok));
	if (final)
		u = jset(u, "candidatesTokenCount", jv_number(x->ctok));
	u = jset(u, "totalTokenCount", jv_number(final ? x->ptok + x->ctok : x->ptok));
	return jset(u, "promptTokensDetails", jv_array_append(jv_array(),
	    jset(jset(jv_object(), "modality", jv_string("TEXT")), "tokenCount", jv_number(x->ptok))));
}

static jv
g_response(struct ctx *x, const char *text, int final, int with_usage_final)
{
	char id[64];
	jv o = jv_object(), c = jv_object(), content = jv_object();

	content = jset(content, "parts", jv_array_append(jv_array(), jset(jv_object(), "text", jv_string(text))));
	content = jset(content, "role", jv_string("model"));
	c = jset(c, "content", content);
	if (final)
		c = jset(c, "finishReason", jv_string("STOP"));
	c = jset(c, "index", jv_number(0));
	o = jset(o, "candidates", jv_array_append(jv_array(), c));
	o = jset(o, "usageMetadata", g_usage(x, with_usage_final));
	o = jset(o, "modelVersion", jv_string(model_or(x, "gemini-2.5-flash")));
	snprintf(id, sizeof id, "sim%016llx", x->seq);
	return jset(o, "responseId", jv_string(id));
}

static jv
g_blocked(struct ctx *x)
{
	static const char *const cats[] = { "HARM_CATEGORY_SEXUALLY_EXPLICIT", "HARM_CATEGORY_HATE_SPEECH",
		"HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_DANGEROUS_CONTENT" };
	char id[64];
	jv o = jv_object(), pf = jv_object(), rs = jv_array(), u = jv_object();
	int i;

	for (i = 0; i < 4; i++) {
		jv r = jset(jv_object(), "category", jv_string(cats[i]));
		r = jset(r, "probability", jv_string(i == 3 ? "HIGH" : "NEGLIGIBLE"));
		if (i == 3)
			r = jset(r, "blocked", jv_true());
		rs = jv_array_append(rs, r);
	}
	pf = jset(pf, "blockReason", jv_string("SAFETY"));
	pf = jset(pf, "safetyRatings", rs);
	o = jset(o, "promptFeedback", pf);
	u = jset(u, "promptTokenCount", jv_number(x->ptok));
	u = jset(u, "totalTokenCount", jv_number(x->ptok));
	o = jset(o, "usageMetadata", u);
	o = jset(o, "modelVersion", jv_string(model_or(x, "gemini-2.5-flash")));
	snprintf(id, sizeof id, "sim%016llx", x->seq);
	return jset(o, "responseId", jv_string(id));
}

static jv
cf_usage(struct ctx *x, long ctok)
{
	jv u = jv_object();
	u = jset(u, "prompt_tokens", jv_number(x->ptok));
	u = jset(u, "completion_tokens", jv_number(ctok));
	return jset(u, "total_tokens", jv_number(x->ptok + ctok));
}

static jv
cf_result(struct ctx *x, jv response, long ctok)
{
	jv o = jv_object(), r = jv_object();
	r = jset(r, "response", response);
	r = jset(r, "tool_calls", jv_array());
	r = jset(r, "usage", cf_usage(x, ctok));
	o = jset(o, "result", r);
	o = jset(o, "success", jv_true());
	o = jset(o, "errors", jv_array());
	return jset(o, "messages", jv_array());
}

/* SSE event helpers: append "data: JSON" + separator to a segment. */
static void
sse_event(struct answer *a, jv v, int crlf)
{
	size_t n;
	char *s = jdump(v, &n);
	struct sb *b;

	if (a->nsegs >= sizeof a->sse_segs / sizeof a->sse_segs[0]) {
		free(s);
		return;
	}
	b = &a->sse_segs[a->nsegs++];
	sb_puts(b, "data: ");
	sb_add(b, s, n);
	sb_puts(b, crlf ? "\r\n\r\n" : "\n\n");
	free(s);
}

static void
sse_done(struct answer *a)
{
	if (a->nsegs < sizeof a->sse_segs / sizeof a->sse_segs[0])
		sb_puts(&a->sse_segs[a->nsegs++], "data: [DONE]\n\n");
}

/* An OpenAI chunk: with include_usage, each one before the usage chunk says
 * "usage": null. */
static void
oai_event(struct ctx *x, struct answer *a, jv c)
{
	if (x->include_usage)
		c = jset(c, "usage", jv_null());
	sse_event(a, c, 0);
}

static int tool_answer(struct ctx *x, struct answer *a, int stream, int cut);

/* Builds a stream answer; block: a content-filtered answer; cut: stop after
 * the first half of the content with no finish and no terminator. */
void
build_stream(struct ctx *x, struct answer *a, int block, int cut)
{
	size_t cuts[SIM_MAX_SEGS + 1], k = split_pieces(x->reply, cuts), i, upto = k;
	const char *r = x->reply;

	if (!block && tool_answer(x, a, 1, cut))
		return;
	if (cut)
		upto = k / 2 ? k / 2 : 1;
	a->sse = 1;
	a->status = 200;
	a->ctype = "text/event-stream";

	if (x->api == API_GEMINI) {
		if (block) {
			sse_event(a, g_blocked(x), 1);
			return;
		}
		for (i = 0; i < upto; i++) {
			char *piece = xstrndup(r + cuts[i], cuts[i + 1] - cuts[i]);
			int final = !cut && i == k - 1;
			sse_event(a, g_response(x, piece, final, final), 1);
			free(piece);
		}
		return;
	}
	if (x->api == API_CFRUN) {
		if (!block)
			for (i = 0; i < upto; i++) {
				char *piece = xstrndup(r + cuts[i], cuts[i + 1] - cuts[i]);
				static const char pad[] = "abcdefghijklmnop";
				jv e = jset(jv_object(), "response", jv_string(piece));
				sse_event(a, jset(e, "p", jv_string(&pad[(i * 5) % 12])), 0);
				free(piece);
			}
		if (cut)
			return;
		sse_event(a, jset(jset(jv_object(), "response", jv_string("")), "usage",
		    cf_usage(x, block ? 0 : x->ctok)), 0);
		sse_done(a);
		return;
	}
	if (x->fl == FL_ZHIPU) {
		for (i = 0; !block && i < upto; i++) {
			char *piece = xstrndup(r + cuts[i], cuts[i + 1] - cuts[i]);
			jv d = jset(jset(jv_object(), "role", jv_string("assistant")), "content", jv_string(piece));
			sse_event(a, oai_chunk(x, d, NULL, 1), 0);
			free(piece);
		}
		if (cut)
			return;
		{
			jv d = jset(jset(jv_object(), "role", jv_string("assistant")), "content", jv_string(""));
			jv c = oai_chunk(x, d, block ? "sensitive" : "stop", 1);
			sse_event(a, jset(c, "usage", oai_usage(x)), 0);
		}
		sse_done(a);
		return;
	}
	/* OpenAI (and Cloudflare's OpenAI-compatible path) */
	{
		jv d = jset(jset(jset(jv_object(), "role", jv_string("assistant")), "content", jv_string("")),
		    "refusal", jv_null());
		oai_event(x, a, oai_chunk(x, d, NULL, 1));
	}
	for (i = 0; !block && i < upto; i++) {
		char *piece = xstrndup(r + cuts[i], cuts[i + 1] - cuts[i]);
		oai_event(x, a, oai_chunk(x, jset(jv_object(), "content", jv_string(piece)), NULL, 1));
		free(piece);
	}
	if (cut)
		return;
	oai_event(x, a, oai_chunk(x, jv_object(), block ? "content_filter" : "stop", 1));
	if (x->include_usage) {
		long save = x->ctok;
		if (block)
			x->ctok = 0;
		sse_event(a, jset(oai_chunk(x, jv_null(), NULL, 0), "usage", oai_usage(x)), 0);
		x->ctok = save;
	}
	sse_done(a);
}

/* Builds the whole (non-stream) answer. */
int
build_whole(struct ctx *x, struct answer *a, int block)
{
	if (!block && tool_answer(x, a, 0, 0))
		return 0;
	a->status = 200;
	a->ctype = x->fl == FL_GEMINI ? "application/json; charset=UTF-8" : "application/json";
	if (x->api == API_GEMINI) {
		a->body = block ? g_blocked(x) : g_response(x, x->reply, 1, 1);
		return 0;
	}
	if (x->api == API_CFRUN) {
		jv resp;
		if (block)
			resp = jv_string("");
		else if (cf_json_mode(x)) {
			resp = jv_parse(x->reply);
			if (!jv_is_valid(resp)) {
				jv_free(resp);
				return -1;
			}
		} else
			resp = jv_string(x->reply);
		a->body = cf_result(x, resp, block ? 0 : x->ctok);
		return 0;
	}
	if (block) {
		long save = x->ctok;
		x->ctok = 0;
		a->body = chat_completion(x, "", "content_filter");
		x->ctok = save;
	} else
		a->body = chat_completion(x, x->reply, "stop");
	return 0;
}

/* An answer of tool calls (sim-tools.c), whole or streamed: 1, or 0 when
 * the request asks for none. */
static int
tool_answer(struct ctx *x, struct answer *a, int stream, int cut)
{
	char why[200];
	jv calls, ev;
	int fmt = tool_fmt(x);
	if (fmt < 0 || sim_tool_calls(fmt, x->req, &calls, why, sizeof why) != 1)
		return 0;
	a->status = 200;
	a->ctype = x->fl == FL_GEMINI ? "application/json; charset=UTF-8" : "application/json";
	if (!stream) {
		a->body = sim_tool_whole(fmt, fmt == SIM_TF_GEMINI ? g_response(x, "", 1, 1) :
		    fmt == SIM_TF_CF ? cf_result(x, jv_string(""), x->ctok) : chat_completion(x, "", "stop"),
		    calls);
		return 1;
	}
	a->sse = 1;
	a->ctype = "text/event-stream";
	if (fmt == SIM_TF_CF) {         /* one event carrying result.tool_calls */
		jv w = sim_tool_whole(fmt, cf_result(x, jv_string(""), x->ctok), calls);
		ev = jv_getpath(w, JV_ARRAY(jv_string("result")));
		ev = jv_array_append(jv_array(), jset(ev, "response", jv_string("")));
	} else
		ev = sim_tool_stream(fmt, fmt == SIM_TF_GEMINI ? g_response(x, "", 1, 1) :
		    oai_chunk(x, jv_object(), NULL, 1), calls, cut);
	jv_array_foreach(ev, i, e) {
		if (fmt == SIM_TF_OPENAI)
			oai_event(x, a, e);
		else
			sse_event(a, e, fmt == SIM_TF_GEMINI);
	}
	jv_free(ev);
	if (fmt != SIM_TF_GEMINI && !cut) {
		if (x->include_usage)
			sse_event(a, jset(oai_chunk(x, jv_null(), NULL, 0), "usage", oai_usage(x)), 0);
		sse_done(a);
	}
	return 1;
}

/* ---------- model listings ---------- */

static jv
model_names(enum flavor fl)
{
	const char *env = getenv("LLM_SIM_MODELS");
	jv names = jv_array();
	int i;

	if (env && *env) {
		const char *p = env;
		while (*p) {
			size_t n = strcspn(p, ", ");
			if (n)
				names = jv_array_append(names, jv_string_sized(p, (int)n));
			p += n;
			while (*p == ',' || *p == ' ')
				p++;
		}
		return names;
	}
	for (i = 0; default_models[fl][i]; i++)
		names = jv_array_append(names, jv_string(default_models[fl][i]));
	return names;
}

/* OpenRouter's prices: a ":free" model costs "0", one named "paid/..." a
 * little (so that a listing can be filtered); others show none */
static jv
sim_pricing(jv m, const char *name)
{
	size_t l = strlen(name);
	const char *price = l > 5 && strcmp(name + l - 5, ":free") == 0 ? "0" :
	    strncmp(name, "paid/", 5) == 0 ? "0.0000003" : NULL;
	if (!price)
		return m;
	return jset(m, "pricing", jset(jset(jv_object(), "prompt", jv_string(price)),
	    "completion", jv_string(price)));
}

jv
list_models(struct ctx *x)
{
	jv names = model_names(x->fl), out = jv_array();
	int i, n = jv_array_length(jv_copy(names));

	for (i = 0; i < n; i++) {
		jv nm = jv_array_get(jv_copy(names), i), m = jv_object();
		if (x->api == API_GMODELS) {
			char full[300];
			snprintf(full, sizeof full, "models/%s", jv_string_value(nm));
			m = jset(m, "name", jv_string(full));
			m = jset(m, "version", jv_string("001"));
			m = jset(m, "displayName", jv_copy(nm));
			m = jset(m, "inputTokenLimit", jv_number(1048576));
			m = jset(m, "outputTokenLimit", jv_number(65536));
			m = jset(m, "supportedGenerationMethods", jv_array_append(jv_array_append(jv_array(),
			    jv_string("generateContent")), jv_string("countTokens")));
		} else if (x->api == API_CFMODELS) {
			m = jset(m, "name", jv_copy(nm));
			m = jset(m, "task", jset(jv_object(), "name", jv_string("Text Generation")));
		} else {
			m = jset(m, "id", jv_copy(nm));
			m = jset(m, "object", jv_string("model"));
			m = jset(m, "created", jv_number(1700000000));
			m = jset(m, "owned_by", jv_string("llm-sim"));
			m = sim_pricing(m, jv_string_value(nm));
		}
		out = jv_array_append(out, m);
		jv_free(nm);
	}
	jv_free(names);
	if (x->api == API_GMODELS)
		return jset(jv_object(), "models", out);
	if (x->api == API_CFMODELS)
		return jset(jset(jv_object(), "success", jv_true()), "result", out);
	return jset(jset(jv_object(), "object", jv_string("list")), "data", out);
}
