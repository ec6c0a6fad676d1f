/* unit-adapters.c — the registry of wire formats (every enum value has its
 * row: a name that reads back, a chat and an embedding adapter), and every
 * wire fixture through the adapters: classification (kind, status, wait
 * hint), answers, streams, and the requests we build. */
#define MLM_APPENDS_UNCHECKED /* mlm_buf appends here are not all checked yet */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "tap.h"

static const char *fixdir;

static char *
slurp(const char *name, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", fixdir, name);
	return tap_slurp(path, len);
}

/* ---------- expectations, one per fixture file ---------- */

enum { CLASSIFY, PARSE, STREAM, REQUEST, NONE };
#define ANY_RETRY (-2)

static const struct fx {
	const char *file;
	int what;
	const char *provider;
	int wire;
	long status;            /* CLASSIFY: HTTP status (fixtures/README.md) */
	int kind;               /* CLASSIFY, or PARSE/STREAM failure; MLM_OK otherwise */
	int64_t retry;          /* CLASSIFY: expected wait hint, ANY_RETRY */
	int per_day;
	const char *text;       /* PARSE/STREAM: expected text (prefix for non-ASCII) */
	const char *finish;
	long in, out;
} fx[] = {
	{ "anthropic-429.json", CLASSIFY, "anthropic", MLM_WIRE_OPENAI, 429, MLM_RATE_LIMITED, -1, 0, 0, 0, 0, 0 },
	{ "anthropic-529.json", CLASSIFY, "anthropic", MLM_WIRE_OPENAI, 529, MLM_OVERLOADED, -1, 0, 0, 0, 0, 0 },
	{ "anthropic-ok.json", NONE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "anthropic-request.json", NONE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "anthropic-stream.sse", NONE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "cloudflare-401.json", CLASSIFY, "cloudflare", MLM_WIRE_CLOUDFLARE, 401, MLM_AUTH, -1, 0, 0, 0, 0, 0 },
	{ "cloudflare-413-context.json", CLASSIFY, "cloudflare", MLM_WIRE_CLOUDFLARE, 413, MLM_TOO_LARGE, -1, 0, 0, 0, 0, 0 },
	{ "cloudflare-429-capacity.json", CLASSIFY, "cloudflare", MLM_WIRE_CLOUDFLARE, 429, MLM_OVERLOADED, -1, 0, 0, 0, 0, 0 },
	{ "cloudflare-429-neurons.json", CLASSIFY, "cloudflare", MLM_WIRE_CLOUDFLARE, 429, MLM_QUOTA_EXHAUSTED, -1, 1, 0, 0, 0, 0 },
	{ "cloudflare-ok.json", PARSE, "cloudflare", MLM_WIRE_CLOUDFLARE, 200, MLM_OK, 0, 0,
	  "\"Hello, World\" was popularised by Brian Kernighan's 1970s C tutorials at Bell Labs.", "", 38, 22 },
	{ "cloudflare-request.json", REQUEST, "cloudflare", MLM_WIRE_CLOUDFLARE, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "cloudflare-stream.sse", STREAM, "cloudflare", MLM_WIRE_CLOUDFLARE, 200, MLM_OK, 0, 0, "Hello, World", "", 38, 4 },
	{ "gemini-400-context.json", CLASSIFY, "gemini", MLM_WIRE_GEMINI, 400, MLM_TOO_LARGE, -1, 0, 0, 0, 0, 0 },
	{ "gemini-400-invalid-key.json", CLASSIFY, "gemini", MLM_WIRE_GEMINI, 400, MLM_AUTH, -1, 0, 0, 0, 0, 0 },
	{ "gemini-404-model.json", CLASSIFY, "gemini", MLM_WIRE_GEMINI, 404, MLM_NOT_FOUND, -1, 0, 0, 0, 0, 0 },
	{ "gemini-429-daily.json", CLASSIFY, "gemini", MLM_WIRE_GEMINI, 429, MLM_QUOTA_EXHAUSTED, -1, 1, 0, 0, 0, 0 },
	{ "gemini-429.json", CLASSIFY, "gemini", MLM_WIRE_GEMINI, 429, MLM_RATE_LIMITED, 37000, 0, 0, 0, 0, 0 },
	{ "gemini-503.json", CLASSIFY, "gemini", MLM_WIRE_GEMINI, 503, MLM_OVERLOADED, -1, 0, 0, 0, 0, 0 },
	{ "gemini-blocked-prompt.json", PARSE, "gemini", MLM_WIRE_GEMINI, 200, MLM_BLOCKED, 0, 0, "", "SAFETY", 18, -1 },
	{ "gemini-finish-safety.json", PARSE, "gemini", MLM_WIRE_GEMINI, 200, MLM_BLOCKED, 0, 0, "", "SAFETY", 22, -1 },
	{ "gemini-ok.json", PARSE, "gemini", MLM_WIRE_GEMINI, 200, MLM_OK, 0, 0,
	  "{\"name\": \"Lyon\", \"country\": \"France\", \"population\": 522250}", "STOP", 14, 21 },
	{ "gemini-openai-429.json", CLASSIFY, "gemini-openai", MLM_WIRE_OPENAI, 429, MLM_RATE_LIMITED, -1, 0, 0, 0, 0, 0 },
	{ "gemini-request.json", REQUEST, "gemini", MLM_WIRE_GEMINI, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "gemini-stream.sse", STREAM, "gemini", MLM_WIRE_GEMINI, 200, MLM_OK, 0, 0,
	  "Lyon is a city in east-central France, known for its cuisine.", "STOP", 9, 15 },
	{ "groq-413-tpm.json", CLASSIFY, "groq", MLM_WIRE_OPENAI, 413, MLM_TOO_LARGE, -1, 0, 0, 0, 0, 0 },
	{ "groq-429.json", CLASSIFY, "groq", MLM_WIRE_OPENAI, 429, MLM_RATE_LIMITED, 3010, 0, 0, 0, 0, 0 },
	{ "llamacpp-400-context.json", CLASSIFY, "llamacpp", MLM_WIRE_OPENAI, 400, MLM_TOO_LARGE, -1, 0, 0, 0, 0, 0 },
	{ "mistral-401.json", CLASSIFY, "mistral", MLM_WIRE_OPENAI, 401, MLM_AUTH, -1, 0, 0, 0, 0, 0 },
	{ "mistral-429.json", CLASSIFY, "mistral", MLM_WIRE_OPENAI, 429, MLM_RATE_LIMITED, -1, 0, 0, 0, 0, 0 },
	{ "ollama-404-model.json", CLASSIFY, "ollama", MLM_WIRE_OPENAI, 404, MLM_NOT_FOUND, -1, 0, 0, 0, 0, 0 },
	{ "openai-400-context.json", CLASSIFY, "openai", MLM_WIRE_OPENAI, 400, MLM_TOO_LARGE, -1, 0, 0, 0, 0, 0 },
	{ "openai-401.json", CLASSIFY, "openai", MLM_WIRE_OPENAI, 401, MLM_AUTH, -1, 0, 0, 0, 0, 0 },
	{ "openai-404-model.json", CLASSIFY, "openai", MLM_WIRE_OPENAI, 404, MLM_NOT_FOUND, -1, 0, 0, 0, 0, 0 },
	{ "openai-429-quota.json", CLASSIFY, "openai", MLM_WIRE_OPENAI, 429, MLM_NO_CREDIT, -1, 0, 0, 0, 0, 0 },
	{ "openai-429-rate.json", CLASSIFY, "openai", MLM_WIRE_OPENAI, 429, MLM_RATE_LIMITED, 20000, 0, 0, 0, 0, 0 },
	{ "openai-chat-ok.json", PARSE, "openai", MLM_WIRE_OPENAI, 200, MLM_OK, 0, 0,
	  "{\"name\":\"Lyon\",\"country\":\"France\",\"population\":522250}", "stop", 41, 17 },
	{ "openai-chat-request.json", REQUEST, "openai", MLM_WIRE_OPENAI, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "openai-chat-stream.sse", STREAM, "openai", MLM_WIRE_OPENAI, 200, MLM_OK, 0, 0, "Hello there!", "stop", 12, 3 },
	{ "openrouter-402.json", CLASSIFY, "openrouter", MLM_WIRE_OPENAI, 402, MLM_NO_CREDIT, -1, 0, 0, 0, 0, 0 },
	/* its X-RateLimit-Reset (epoch ms) is in the past: the wait is 0 */
	{ "openrouter-429-free-daily.json", CLASSIFY, "openrouter", MLM_WIRE_OPENAI, 429, MLM_QUOTA_EXHAUSTED, 0, 1, 0, 0, 0, 0 },
	{ "openrouter-429-upstream.json", CLASSIFY, "openrouter", MLM_WIRE_OPENAI, 429, MLM_OVERLOADED, -1, 0, 0, 0, 0, 0 },
	{ "openrouter-stream-midstream-error.sse", STREAM, "openrouter", MLM_WIRE_OPENAI, 200, MLM_SERVER, 0, 0,
	  "def add(a, b):", "", -1, -1 },
	{ "siliconflow-400-model.json", CLASSIFY, "siliconflow", MLM_WIRE_OPENAI, 400, MLM_NOT_FOUND, -1, 0, 0, 0, 0, 0 },
	{ "zhipu-1113.json", CLASSIFY, "zhipu", MLM_WIRE_OPENAI, 429, MLM_NO_CREDIT, -1, 0, 0, 0, 0, 0 },
	{ "zhipu-1211.json", CLASSIFY, "zhipu", MLM_WIRE_OPENAI, 400, MLM_NOT_FOUND, -1, 0, 0, 0, 0, 0 },
	{ "zhipu-1301.json", CLASSIFY, "zhipu", MLM_WIRE_OPENAI, 400, MLM_BLOCKED, -1, 0, 0, 0, 0, 0 },
	{ "zhipu-1302.json", CLASSIFY, "zhipu", MLM_WIRE_OPENAI, 429, MLM_RATE_LIMITED, -1, 0, 0, 0, 0, 0 },
	{ "zhipu-401.json", CLASSIFY, "zhipu", MLM_WIRE_OPENAI, 401, MLM_AUTH, -1, 0, 0, 0, 0, 0 },
	{ "zhipu-ok.json", PARSE, "zhipu", MLM_WIRE_OPENAI, 200, MLM_OK, 0, 0, "{\"city\":\"\xe6\x9d\xad\xe5\xb7\x9e\"", "stop", 21, 24 },
	{ "zhipu-request.json", REQUEST, "zhipu", MLM_WIRE_OPENAI, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "zhipu-stream.sse", STREAM, "zhipu", MLM_WIRE_OPENAI, 200, MLM_OK, 0, 0, "\xe6\x9d\xad\xe5\xb7\x9e", "stop", 15, 12 },
};
#define NFX (sizeof fx / sizeof *fx)

static const struct fx *
find_fx(const char *file)
{
	for (size_t i = 0; i < NFX; i++)
		if (!strcmp(fx[i].file, file))
			return &fx[i];
	return NULL;
}

static int
msg_oneline(const char *m)
{
	return !strchr(m, '\n') && !strchr(m, '\r') && strlen(m) < sizeof ((mlm_outcome *)0)->msg;
}

static void
t_classify(const struct fx *f, const char *body, size_t len)
{
	mlm_entry e = tap_entry(f->provider, f->wire, "m", "http://x");
	mlm_outcome o;
	memset(&o, 0x55, sizeof o);
	mlm_adapter_get(f->wire)->classify(&e, f->status, NULL, body, len, &o);
	IS_STR(mlm_kind_name(o.kind), mlm_kind_name(f->kind), "%s: kind", f->file);
	is_int(o.status, f->status, "%s: status", f->file);
	is_int(o.per_day, f->per_day, "%s: per_day", f->file);
	if (f->retry != ANY_RETRY)
		is_int(o.retry_ms, f->retry, "%s: retry hint", f->file);
	char pre[32];
	snprintf(pre, sizeof pre, "HTTP %ld: ", f->status);
	ok(!strncmp(o.msg, pre, strlen(pre)) && strlen(o.msg) > strlen(pre) + 3 && msg_oneline(o.msg),
	    "%s: message '%s'", f->file, o.msg);
}

static int
prefix(const char *s, const char *p)
{
	return s && !strncmp(s, p, strlen(p));
}

static void
t_parse(const struct fx *f, const char *body, size_t len)
{
	mlm_entry e = tap_entry(f->provider, f->wire, "m", "http://x");
	mlm_answer a;
	mlm_outcome o;
	memset(&o, 0, sizeof o);
	mlm_answer_init(&a);
	int r = mlm_adapter_get(f->wire)->parse(&e, body, len, &a, &o);
	if (f->kind == MLM_OK) {
		is_int(r, 0, "%s: parsed", f->file);
		ok(prefix(a.text.p, f->text), "%s: text '%s'", f->file, a.text.p ? a.text.p : "(null)");
		ok(a.done, "%s: done", f->file);
	} else {
		is_int(r, -1, "%s: parse fails", f->file);
		IS_STR(mlm_kind_name(o.kind), mlm_kind_name(f->kind), "%s: kind", f->file);
		ok(msg_oneline(o.msg) && o.msg[0], "%s: message '%s'", f->file, o.msg);
	}
	IS_STR(a.finish, f->finish, "%s: finish reason", f->file);
	is_int(a.in_tok, f->in, "%s: input tokens", f->file);
	is_int(a.out_tok, f->out, "%s: output tokens", f->file);
	mlm_answer_free(&a);
}

struct sctx {
	const mlm_adapter *ad;
	mlm_entry *e;
	mlm_answer *a;
	mlm_outcome *o;
	int last, events, stop_after;
};

static int
on_ev(void *u, const char *event, const char *data, size_t len)
{
	struct sctx *c = u;
	c->events++;
	c->last = c->ad->event(c->e, event, data, len, c->a, c->o);
	if (c->last)
		return c->last < 0 ? 1 : 2;
	if (c->stop_after && c->events >= c->stop_after)
		return 3;
	return 0;
}

/* Streams body through the SSE reader into the adapter; the reader's result. */
static int
stream(const mlm_adapter *ad, mlm_entry *e, const char *body, size_t len, size_t step,
    int stop_after, mlm_answer *a, mlm_outcome *o, int *last)
{
	mlm_sse s;
	struct sctx c = { ad, e, a, o, 0, 0, stop_after };
	mlm_sse_init(&s, 0);
	int r = 0;
	for (size_t off = 0; off < len && !r; off += step)
		r = mlm_sse_feed(&s, body + off, len - off < step ? len - off : step, on_ev, &c);
	if (!r)
		r = mlm_sse_finish(&s, on_ev, &c);
	mlm_sse_free(&s);
	*last = c.last;
	return r;
}

static void
t_stream(const struct fx *f, const char *body, size_t len)
{
	mlm_entry e = tap_entry(f->provider, f->wire, "m", "http://x");
	const mlm_adapter *ad = mlm_adapter_get(f->wire);
	size_t steps[] = { len, 1, 7 };
	for (size_t k = 0; k < 3; k++) {
		mlm_answer a;
		mlm_outcome o;
		int last;
		memset(&o, 0, sizeof o);
		mlm_answer_init(&a);
		int r = stream(ad, &e, body, len, steps[k], 0, &a, &o, &last);
		if (f->kind == MLM_OK) {
			is_int(r, f->wire == MLM_WIRE_GEMINI ? 0 : 2, "%s/%zu: stream ends %s", f->file,
			    steps[k], f->wire == MLM_WIRE_GEMINI ? "at EOF" : "at [DONE]");
			ok(a.done, "%s/%zu: done", f->file, steps[k]);
			ok(prefix(a.text.p, f->text), "%s/%zu: text '%s'", f->file, steps[k],
			    a.text.p ? a.text.p : "(null)");
		} else {
			is_int(last, -1, "%s/%zu: in-stream error", f->file, steps[k]);
			IS_STR(mlm_kind_name(o.kind), mlm_kind_name(f->kind), "%s/%zu: kind", f->file, steps[k]);
			ok(msg_oneline(o.msg) && o.msg[0], "%s: message '%s'", f->file, o.msg);
			IS_STR(a.text.p, f->text, "%s/%zu: text before the error", f->file, steps[k]);
		}
		IS_STR(a.finish, f->finish, "%s/%zu: finish reason", f->file, steps[k]);
		is_int(a.in_tok, f->in, "%s/%zu: input tokens", f->file, steps[k]);
		is_int(a.out_tok, f->out, "%s/%zu: output tokens", f->file, steps[k]);
		mlm_answer_free(&a);
	}
	/* cut after the first two events: no terminator, no finish reason */
	if (f->kind == MLM_OK) {
		mlm_answer a;
		mlm_outcome o;
		int last;
		mlm_answer_init(&a);
		stream(ad, &e, body, len, len, 2, &a, &o, &last);
		is_int(a.done, 0, "%s: a cut stream is not done", f->file);
		ok(a.text.len > 0, "%s: a cut stream has partial text", f->file);
		mlm_answer_free(&a);
	}
}

/* ---------- requests ---------- */

static jv
build(const mlm_entry *e, jv req, int streamed, mlm_httpreq *hr, const char *key)
{
	char err[MLM_ERRLEN] = "";
	int r = mlm_adapter_get(e->wire)->build(e, key, req, streamed, hr, err, sizeof err);
	ok(r == 0, "%s build: %s", e->provider, r ? err : "ok");
	jv_free(req);
	if (r)
		return jv_null();
	return jv_parse(hr->body);
}

static const char *
header(const mlm_httpreq *hr, const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; i < 8 && hr->hdr[i]; i++)
		if (!strncasecmp(hr->hdr[i], name, n) && hr->hdr[i][n] == ':')
			return hr->hdr[i] + n + 2;
	return NULL;
}

static int
same(jv a, jv b)
{
	return jv_equal(a, b);
}

static jv
get(jv v, const char *path)
{
	return mlm_jpath(v, path);
}

static void
t_request(const struct fx *f, const char *body, size_t len)
{
	jv want = jv_parse_sized(body, (int)len);
	ok(jv_get_kind(want) == JV_KIND_OBJECT, "%s: fixture parses", f->file);
	mlm_httpreq hr;
	if (!strcmp(f->provider, "openai")) {
		/* the same request in neutral form */
		mlm_entry e = tap_entry("openai", MLM_WIRE_OPENAI, "gpt-4o-mini", "https://api.openai.com/v1");
		jv req = mlm_req_prompt("You extract city data. Answer in JSON.", "Tell me about Lyon.");
		req = jv_object_set(req, jv_string("temperature"), jv_number(0.2));
		req = jv_object_set(req, jv_string("max_tokens"), jv_number(300));
		req = jv_object_set(req, jv_string("schema"), get(want, "response_format.json_schema.schema"));
		req = jv_object_set(req, jv_string("schema_name"), jv_string("city_info"));
		jv got = build(&e, req, 0, &hr, "sk-test-0123456789abcdef");
		ok(same(jv_copy(got), jv_copy(want)), "%s: built body equals the fixture", f->file);
		IS_STR(hr.url, "https://api.openai.com/v1/chat/completions", "openai url");
		IS_STR(header(&hr, "Authorization"), "Bearer sk-test-0123456789abcdef", "openai bearer");
		IS_STR(header(&hr, "Content-Type"), "application/json", "openai content type");
		ok(same(get(got, "messages.0.role"), jv_string("system")),
		    "openai: the system message comes first");
		jv_free(got);
		mlm_httpreq_free(&hr);
	} else if (!strcmp(f->provider, "zhipu")) {
		mlm_entry e = tap_entry("zhipu", MLM_WIRE_OPENAI, "glm-4.7-flash", "https://open.bigmodel.cn/api/paas/v4");
		jv req = jv_object();
		req = jv_object_set(req, jv_string("system"), get(want, "messages.0.content"));
		req = jv_object_set(req, jv_string("messages"),
		    jv_array_append(jv_array(), get(want, "messages.1")));
		req = jv_object_set(req, jv_string("temperature"), jv_number(0.6));
		req = jv_object_set(req, jv_string("max_tokens"), jv_number(1024));
		req = jv_object_set(req, jv_string("json"), jv_true());
		jv got = build(&e, req, 0, &hr, "0123456789abcdef0123456789abcdef" ".abcdefghijklmnop");
		const char *keys[] = { "model", "messages", "temperature", "max_tokens", "response_format", "stream" };
		for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
			ok(same(get(got, keys[i]), get(want, keys[i])), "%s: %s as in the fixture", f->file, keys[i]);
		IS_STR(hr.url, "https://open.bigmodel.cn/api/paas/v4/chat/completions", "zhipu url");
		jv_free(got);
		mlm_httpreq_free(&hr);

		/* streaming: no stream_options; a schema becomes JSON mode + prompt */
		req = mlm_req_prompt("Be brief.", "hi");
		req = jv_object_set(req, jv_string("schema"), jv_parse("{\"type\":\"object\"}"));
		got = build(&e, req, 1, &hr, "k");
		ok(same(get(got, "stream_options"), jv_null()), "zhipu stream: no stream_options");
		ok(same(get(got, "stream"), jv_true()), "zhipu stream: stream true");
		ok(same(get(got, "response_format"), jv_parse("{\"type\":\"json_object\"}")),
		    "zhipu schema: json_object");
		jv sys = get(got, "messages.0.content");
		ok(jv_get_kind(sys) == JV_KIND_STRING && strstr(jv_string_value(sys), "Be brief.") &&
		    strstr(jv_string_value(sys), "{\"type\":\"object\"}"),
		    "zhipu schema: the schema is in the system prompt");
		jv_free(sys), jv_free(got);
		mlm_httpreq_free(&hr);
	} else if (!strcmp(f->provider, "gemini")) {
		mlm_entry e = tap_entry("gemini", MLM_WIRE_GEMINI, "gemini-2.5-flash",
		    "https://generativelanguage.googleapis.com/v1beta");
		const char *key = "AIzaSyTESTKEY0123456789" "abcdefghijklmnop";
		jv req = mlm_req_prompt("You extract city data.", "Tell me about Lyon.");
		req = jv_object_set(req, jv_string("temperature"), jv_number(0.2));
		req = jv_object_set(req, jv_string("max_tokens"), jv_number(512));
		req = jv_object_set(req, jv_string("schema"), jv_parse(
		    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}"));
		jv got = build(&e, req, 0, &hr, key);
		/* the fixture's schema, written as the engine sends it, comes out
		 * as the fixture has it */
		jv req2 = mlm_req_prompt("s", "p");
		req2 = jv_object_set(req2, jv_string("schema"), jv_parse("{\"type\":\"object\",\"properties\":"
		    "{\"name\":{\"type\":\"string\"},\"country\":{\"type\":\"string\"},\"population\":"
		    "{\"type\":\"integer\"}},\"required\":[\"name\",\"country\",\"population\"]}"));
		mlm_httpreq hr2;
		jv got2 = build(&e, req2, 0, &hr2, key);
		ok(same(get(got2, "generationConfig.responseSchema"), get(want, "generationConfig.responseSchema")),
		    "%s: responseSchema as in the fixture", f->file);
		jv_free(got2);
		mlm_httpreq_free(&hr2);
		ok(same(get(got, "systemInstruction"), get(want, "systemInstruction")),
		    "%s: systemInstruction as in the fixture", f->file);
		ok(same(get(got, "contents"), get(want, "contents")), "%s: contents as in the fixture", f->file);
		const char *gk[] = { "temperature", "maxOutputTokens", "responseMimeType" };
		for (size_t i = 0; i < 3; i++) {
			char p[64];
			snprintf(p, sizeof p, "generationConfig.%s", gk[i]);
			ok(same(get(got, p), get(want, p)), "%s: %s as in the fixture", f->file, p);
		}
		ok(same(get(got, "generationConfig.responseSchema"), jv_parse("{\"type\":\"OBJECT\","
		    "\"properties\":{\"name\":{\"type\":\"STRING\"}},\"propertyOrdering\":[\"name\"]}")),
		    "gemini: the schema in Gemini's own form, responseSchema");
		ok(jv_get_kind(get(got, "generationConfig.responseJsonSchema")) == JV_KIND_NULL,
		    "gemini: not also responseJsonSchema");
		IS_STR(hr.url, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
		    "gemini url");
		ok(!strstr(hr.url, key) && !strstr(hr.shown_url, key) && !strstr(hr.url, "key="),
		    "gemini: the key is not in the URL");
		IS_STR(header(&hr, "x-goog-api-key"), key, "gemini: the key is in x-goog-api-key");
		ok(!strstr(hr.body, key), "gemini: the key is not in the body");
		jv_free(got);
		mlm_httpreq_free(&hr);

		/* streaming, a "models/" prefix, assistant turns, json mode */
		e.model = (char *)"models/gemini-2.5-flash";
		req = jv_parse("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
		    "{\"role\":\"assistant\",\"content\":\"b\"},{\"role\":\"user\",\"content\":\"c\"}],\"json\":true}");
		got = build(&e, req, 1, &hr, key);
		IS_STR(hr.url, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
		    "gemini stream url, models/ not doubled");
		ok(!strstr(hr.url, key), "gemini stream: the key is not in the URL");
		ok(same(get(got, "contents.1.role"), jv_string("model")), "gemini: assistant becomes model");
		ok(same(get(got, "systemInstruction"), jv_null()), "gemini: no systemInstruction without system");
		ok(same(get(got, "generationConfig"),
		    jv_parse("{\"responseMimeType\":\"application/json\"}")), "gemini json: responseMimeType only");
		is_int(hr.stream, 1, "gemini: streams");
		jv_free(got);
		mlm_httpreq_free(&hr);
	} else if (!strcmp(f->provider, "cloudflare")) {
		mlm_entry e = tap_entry("cloudflare", MLM_WIRE_CLOUDFLARE, "@cf/meta/llama-3.1-8b-instruct",
		    "https://api.cloudflare.com/client/v4/accounts/abc123/ai/run/");
		jv req = jv_object();
		req = jv_object_set(req, jv_string("system"), get(want, "messages.0.content"));
		req = jv_object_set(req, jv_string("messages"),
		    jv_array_append(jv_array(), get(want, "messages.1")));
		req = jv_object_set(req, jv_string("temperature"), jv_number(0.6));
		req = jv_object_set(req, jv_string("max_tokens"), jv_number(512));
		jv got = build(&e, req, 0, &hr, "cftoken");
		ok(same(jv_copy(got), jv_copy(want)), "%s: built body equals the fixture", f->file);
		IS_STR(hr.url, "https://api.cloudflare.com/client/v4/accounts/abc123/ai/run/@cf/meta/llama-3.1-8b-instruct",
		    "cloudflare url: the model verbatim");
		IS_STR(header(&hr, "Authorization"), "Bearer cftoken", "cloudflare bearer");
		jv_free(got);
		mlm_httpreq_free(&hr);

		/* no max_tokens: 1024; a schema: bare json_schema and no streaming */
		req = mlm_req_prompt(NULL, "hi");
		req = jv_object_set(req, jv_string("schema"), jv_parse("{\"type\":\"object\"}"));
		got = build(&e, req, 1, &hr, "cftoken");
		ok(same(get(got, "max_tokens"), jv_number(1024)), "cloudflare: max_tokens always sent");
		ok(same(get(got, "response_format"),
		    jv_parse("{\"type\":\"json_schema\",\"json_schema\":{\"type\":\"object\"}}")),
		    "cloudflare: json_schema is the schema itself");
		ok(same(get(got, "stream"), jv_false()) && hr.stream == 0, "cloudflare: a schema turns streaming off");
		ok(same(get(got, "messages.0.role"), jv_string("user")), "cloudflare: no empty system message");
		jv_free(got);
		mlm_httpreq_free(&hr);
		req = mlm_req_prompt("sys", "hi");
		got = build(&e, req, 1, &hr, "cftoken");
		ok(same(get(got, "stream"), jv_true()) && hr.stream == 1, "cloudflare: streams without a schema");
		ok(same(get(got, "messages.0"), jv_parse("{\"role\":\"system\",\"content\":\"sys\"}")),
		    "cloudflare: the system message first");
		jv_free(got);
		mlm_httpreq_free(&hr);
	}
	jv_free(want);
}

/* ---------- more than the fixtures ---------- */

static void
t_openai_more(void)
{
	mlm_httpreq hr;
	mlm_entry e = tap_entry("groq", MLM_WIRE_OPENAI, "llama-3.3-70b-versatile", "https://api.groq.com/openai/v1/");
	jv req = mlm_req_prompt(NULL, "hi");
	req = jv_object_set(req, jv_string("max_tokens"), jv_number(100));
	req = jv_object_set(req, jv_string("json"), jv_true());
	jv got = build(&e, req, 1, &hr, "gsk_x");
	IS_STR(hr.url, "https://api.groq.com/openai/v1/chat/completions", "trailing slash of the base URL");
	ok(same(get(got, "max_tokens"), jv_number(100)) && same(get(got, "max_completion_tokens"), jv_null()),
	    "groq: max_tokens");
	ok(same(get(got, "stream_options"), jv_parse("{\"include_usage\":true}")), "stream_options.include_usage");
	ok(same(get(got, "response_format"), jv_parse("{\"type\":\"json_object\"}")), "json: json_object");
	ok(same(get(got, "messages"), jv_parse("[{\"role\":\"user\",\"content\":\"hi\"}]")), "no system message");
	ok(same(get(got, "temperature"), jv_null()), "no temperature unless set");
	jv_free(got);
	mlm_httpreq_free(&hr);

	req = mlm_req_prompt(NULL, "hi");
	req = jv_object_set(req, jv_string("schema"), jv_parse("{\"type\":\"object\",\"properties\":{\"a\":"
	    "{\"type\":\"string\"}}}"));
	req = jv_object_set(req, jv_string("schema_name"), jv_string("bad name!"));
	got = build(&e, req, 0, &hr, "gsk_x");
	ok(same(get(got, "response_format.json_schema.name"), jv_string("bad_name_")), "schema name cleaned");
	ok(same(get(got, "response_format.json_schema.strict"), jv_true()), "strict schema");
	ok(same(get(got, "response_format.json_schema.schema"), jv_parse("{\"type\":\"object\",\"properties\":"
	    "{\"a\":{\"type\":[\"string\",\"null\"]}},\"required\":[\"a\"],\"additionalProperties\":false}")),
	    "strict schema: closed, every key required, the optional one nullable");
	jv_free(got);
	mlm_httpreq_free(&hr);
	req = mlm_req_prompt(NULL, "hi");
	req = jv_object_set(req, jv_string("schema"), jv_parse("{\"type\":\"object\"}"));
	got = build(&e, req, 0, &hr, "gsk_x");
	ok(same(get(got, "response_format.json_schema.name"), jv_string("output")), "default schema name");
	ok(same(get(got, "response_format.json_schema.strict"), jv_false()),
	    "any object: strict false (strict mode would allow only {})");
	jv_free(got);
	mlm_httpreq_free(&hr);

	char err[MLM_ERRLEN] = "";
	jv badreq = jv_parse("{\"messages\":3}");
	ok(mlm_adapter_get(MLM_WIRE_OPENAI)->build(&e, "k", badreq, 0, &hr, err, sizeof err) < 0 &&
	    err[0], "bad request: %s", err);
	jv_free(badreq);
	ok(mlm_adapter_get(-1) == NULL && mlm_adapter_get(MLM_WIRE__N) == NULL, "no adapter past the wires");

	/* answers: refusal, content_filter, sensitive, network_error, 200 error, garbage */
	static const struct { const char *body; int kind; const char *what; } bad[] = {
		{ "{\"choices\":[{\"message\":{\"content\":null,\"refusal\":\"I can't\"},\"finish_reason\":\"stop\"}]}",
		  MLM_BLOCKED, "refusal" },
		{ "{\"choices\":[{\"message\":{\"content\":\"\"},\"finish_reason\":\"content_filter\"}]}",
		  MLM_BLOCKED, "content_filter" },
		{ "{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":\"sensitive\"}]}",
		  MLM_BLOCKED, "zhipu sensitive" },
		{ "{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":\"network_error\"}]}",
		  MLM_SERVER, "zhipu network_error" },
		{ "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded: free-models-per-minute\"}}",
		  MLM_RATE_LIMITED, "openrouter 200 with an error" },
		{ "<html>502 Bad Gateway</html>", MLM_BAD_RESPONSE, "not JSON" },
		{ "{\"id\":\"x\"}", MLM_BAD_RESPONSE, "no choices" },
		{ "", MLM_BAD_RESPONSE, "empty" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		mlm_answer a;
		mlm_outcome o;
		memset(&o, 0, sizeof o);
		mlm_answer_init(&a);
		int r = mlm_adapter_get(MLM_WIRE_OPENAI)->parse(&e, bad[i].body, strlen(bad[i].body), &a, &o);
		ok(r == -1 && o.kind == bad[i].kind && msg_oneline(o.msg), "openai parse %s: %s (%s)",
		    bad[i].what, mlm_kind_name(o.kind), o.msg);
		mlm_answer_free(&a);
	}
	/* content as parts; x_groq usage; usage inside the last content chunk */
	{
		mlm_answer a;
		mlm_outcome o;
		mlm_answer_init(&a);
		const char *b = "{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
		    "{\"type\":\"text\",\"text\":\"b\"}]},\"finish_reason\":\"length\"}]}";
		ok(mlm_adapter_get(MLM_WIRE_OPENAI)->parse(&e, b, strlen(b), &a, &o) == 0 &&
		    !strcmp(a.text.p, "ab") && !strcmp(a.finish, "length"), "content parts joined");
		mlm_answer_free(&a);
		mlm_answer_init(&a);
		const char *ev = "{\"choices\":[{\"delta\":{\"content\":\"z\"},\"finish_reason\":\"stop\"}],"
		    "\"x_groq\":{\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6}}}";
		is_int(mlm_adapter_get(MLM_WIRE_OPENAI)->event(&e, "", ev, strlen(ev), &a, &o), 0, "chunk with finish");
		ok(a.done && a.in_tok == 5 && a.out_tok == 6, "x_groq usage; finish reason makes done");
		const char *cf = "{\"choices\":[{\"delta\":{\"content\":\"\"},\"finish_reason\":\"content_filter\"}]}";
		is_int(mlm_adapter_get(MLM_WIRE_OPENAI)->event(&e, "", cf, strlen(cf), &a, &o), -1,
		    "content_filter in a stream");
		IS_STR(mlm_kind_name(o.kind), "blocked", "content_filter in a stream is blocked");
		is_int(mlm_adapter_get(MLM_WIRE_OPENAI)->event(&e, "", "{not json", 9, &a, &o), -1, "bad chunk");
		IS_STR(mlm_kind_name(o.kind), "bad_response", "bad chunk is bad_response");
		mlm_answer_free(&a);
	}
}

/* streamed tool calls: deltas assembled by index, parallel calls, a hole
 * in the indexes refused, [DONE] before a finish_reason a cut answer */
static void
t_openai_tool_deltas(void)
{
	mlm_entry e = tap_entry("openai", MLM_WIRE_OPENAI, "gpt-4o-mini", "http://x");
	const mlm_adapter *ad = mlm_adapter_get(MLM_WIRE_OPENAI);
	static const char *const ev[] = {
		"{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,"
		    "\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}}]}",
		"{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\"\"}}]}}]}",
		"{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"c2\",\"function\":{\"name\":\"g\"}}]}}]}",
		"{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\":1}\"}}]}}]}",
		"{\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}",
	};
	mlm_answer a;
	mlm_outcome o;
	mlm_answer_init(&a);
	int r = 0;
	for (size_t i = 0; i < sizeof ev / sizeof *ev; i++)
		r |= ad->event(&e, "", ev[i], strlen(ev[i]), &a, &o);
	jv d = jv_dump_string(jv_copy(a.tool_calls), 0);
	ok(r == 0 && a.done && !strcmp(jv_string_value(d), "[{\"id\":\"c1\",\"name\":\"f\",\"arguments\":"
	    "\"{\\\"a\\\":1}\"},{\"id\":\"c2\",\"name\":\"g\",\"arguments\":\"{}\"}]"),
	    "tool deltas assembled: %s", jv_string_value(d));
	jv_free(d);
	mlm_answer_free(&a);

	mlm_answer_init(&a);
	const char *hole = "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":2,\"id\":\"x\"}]}}]}";
	ok(ad->event(&e, "", hole, strlen(hole), &a, &o) == -1 && o.kind == MLM_BAD_RESPONSE,
	    "a hole in the tool call indexes is bad_response");
	mlm_answer_free(&a);

	mlm_answer_init(&a);
	ad->event(&e, "", ev[0], strlen(ev[0]), &a, &o);
	ok(ad->event(&e, "", "[DONE]", 6, &a, &o) == -1 && o.kind == MLM_NETWORK && !a.done,
	    "[DONE] in the middle of a tool call is a cut answer (network)");
	mlm_answer_free(&a);

	mlm_answer_init(&a);
	const char *noname = "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
	    "{\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}";
	ok(ad->event(&e, "", noname, strlen(noname), &a, &o) == -1 && o.kind == MLM_BAD_RESPONSE,
	    "a streamed call without a name is bad_response");
	mlm_answer_free(&a);
}

static void
t_gemini_more(void)
{
	mlm_entry e = tap_entry("gemini", MLM_WIRE_GEMINI, "gemini-2.5-flash", "http://x");
	const mlm_adapter *ad = mlm_adapter_get(MLM_WIRE_GEMINI);
	mlm_answer a;
	mlm_outcome o;
	mlm_answer_init(&a);
	const char *b = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"thinking...\",\"thought\":true},"
	    "{\"text\":\"Hel\"},{\"text\":\"lo\"}]},\"finishReason\":\"STOP\"}],"
	    "\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":2,\"thoughtsTokenCount\":10}}";
	ok(ad->parse(&e, b, strlen(b), &a, &o) == 0 && !strcmp(a.text.p, "Hello"),
	    "gemini: parts joined, thoughts skipped");
	is_int(a.out_tok, 12, "gemini: output tokens count thoughts");
	mlm_answer_free(&a);
	mlm_answer_init(&a);
	const char *rec = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]},\"finishReason\":\"RECITATION\"}]}";
	ok(ad->parse(&e, rec, strlen(rec), &a, &o) == -1 && o.kind == MLM_BLOCKED, "gemini: RECITATION blocked");
	mlm_answer_free(&a);
	mlm_answer_init(&a);
	const char *err = "{\"error\":{\"code\":500,\"message\":\"Internal error\",\"status\":\"INTERNAL\"}}";
	ok(ad->event(&e, "", err, strlen(err), &a, &o) == -1 && o.kind == MLM_SERVER, "gemini: error event: %s",
	    o.msg);
	const char *noc = "{\"usageMetadata\":{\"promptTokenCount\":3}}";
	ok(ad->event(&e, "", noc, strlen(noc), &a, &o) == 0 && !a.done, "gemini: usage-only event");
	ok(ad->parse(&e, noc, strlen(noc), &a, &o) == -1 && o.kind == MLM_BAD_RESPONSE,
	    "gemini: an answer without candidates is bad_response");
	mlm_answer_free(&a);
}

/* System messages inside "messages" (the library's neutral request allows
 * them anywhere) go to systemInstruction, in order after "system", never
 * into contents as user turns. */
static void
t_gemini_system_messages(void)
{
	mlm_entry e = tap_entry("gemini", MLM_WIRE_GEMINI, "gemini-2.5-flash", "http://127.0.0.1:1/v1beta");
	mlm_httpreq hr;
	jv req = jv_parse("{\"system\":\"S0\",\"messages\":["
	    "{\"role\":\"system\",\"content\":\"S1\"},{\"role\":\"user\",\"content\":\"U1\"},"
	    "{\"role\":\"assistant\",\"content\":\"A1\"},{\"role\":\"system\",\"content\":\"S2\"},"
	    "{\"role\":\"user\",\"content\":\"U2\"}]}");
	jv got = build(&e, req, 0, &hr, "k");
	ok(same(get(got, "systemInstruction"),
	    jv_parse("{\"parts\":[{\"text\":\"S0\"},{\"text\":\"S1\"},{\"text\":\"S2\"}]}")),
	    "gemini: system messages join the system prompt in systemInstruction, in order");
	ok(same(get(got, "contents"), jv_parse("[{\"role\":\"user\",\"parts\":[{\"text\":\"U1\"}]},"
	    "{\"role\":\"model\",\"parts\":[{\"text\":\"A1\"}]},{\"role\":\"user\",\"parts\":[{\"text\":\"U2\"}]}]")),
	    "gemini: contents hold only the user and model turns");
	jv_free(got);
	mlm_httpreq_free(&hr);
	req = jv_parse("{\"messages\":[{\"role\":\"system\",\"content\":\"only\"},"
	    "{\"role\":\"user\",\"content\":\"q\"}]}");
	got = build(&e, req, 0, &hr, "k");
	ok(same(get(got, "systemInstruction.parts"), jv_parse("[{\"text\":\"only\"}]")) &&
	    jv_array_length(get(got, "contents")) == 1,
	    "gemini: a system message without a system prompt: systemInstruction, one user turn");
	jv_free(got);
	mlm_httpreq_free(&hr);
}

static void
t_cloudflare_more(void)
{
	mlm_entry e = tap_entry("cloudflare", MLM_WIRE_CLOUDFLARE, "@cf/x", "http://x/ai/run/");
	const mlm_adapter *ad = mlm_adapter_get(MLM_WIRE_CLOUDFLARE);
	mlm_answer a;
	mlm_outcome o;
	mlm_answer_init(&a);
	const char *js = "{\"result\":{\"response\":{\"name\":\"Lyon\",\"n\":1},\"usage\":{\"prompt_tokens\":1,"
	    "\"completion_tokens\":2}},\"success\":true,\"errors\":[]}";
	ok(ad->parse(&e, js, strlen(js), &a, &o) == 0 && !strcmp(a.text.p, "{\"name\":\"Lyon\",\"n\":1}"),
	    "cloudflare: JSON-mode object serialized: %s", a.text.p ? a.text.p : "");
	mlm_answer_free(&a);
	mlm_answer_init(&a);
	const char *oc = "{\"result\":{\"choices\":[{\"message\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]},"
	    "\"success\":true}";
	ok(ad->parse(&e, oc, strlen(oc), &a, &o) == 0 && !strcmp(a.text.p, "hi") && !strcmp(a.finish, "stop"),
	    "cloudflare: an OpenAI object inside result");
	mlm_answer_free(&a);
	mlm_answer_init(&a);
	const char *d1 = "{\"choices\":[{\"delta\":{\"content\":\"ab\"}}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}";
	const char *d2 = "{\"response\":\"\",\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":8}}";
	ad->event(&e, "", d1, strlen(d1), &a, &o);
	ad->event(&e, "", d2, strlen(d2), &a, &o);
	ok(!strcmp(a.text.p, "ab") && a.in_tok == 7 && a.out_tok == 8 && !a.done,
	    "cloudflare: delta chunks, the last usage wins, not done before [DONE]");
	is_int(ad->event(&e, "", "[DONE]", 6, &a, &o), 1, "cloudflare: [DONE]");
	mlm_answer_free(&a);
	mlm_answer_init(&a);
	const char *er = "{\"result\":null,\"success\":false,\"errors\":[{\"code\":3040,\"message\":\"Capacity\"}]}";
	ok(ad->parse(&e, er, strlen(er), &a, &o) == -1 && o.kind == MLM_OVERLOADED, "cloudflare: error envelope in a 200");
	mlm_answer_free(&a);
}

static void
hdrs(mlm_headers *h, const char *const *lines)
{
	memset(h, 0, sizeof *h);
	for (; *lines; lines++)
		mlm_headers_add_line(h, *lines, strlen(*lines));
}

static void
t_classify_more(void)
{
	mlm_outcome o;
	mlm_headers h;
	const char *rate = "{\"error\":{\"message\":\"Rate limit reached. Please try again in 3.01s.\","
	    "\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\"}}";

	const char *h1[] = { "retry-after: 30", "x-ratelimit-reset-tokens: 7.66s", NULL };
	hdrs(&h, h1);
	mlm_classify_generic(429, &h, rate, strlen(rate), &o);
	is_int(o.retry_ms, 30000, "Retry-After first");
	mlm_headers_free(&h);

	const char *h2[] = { "x-ratelimit-remaining-requests: 0", "x-ratelimit-reset-requests: 2m59.56s",
		"x-ratelimit-remaining-tokens: 5000", "x-ratelimit-reset-tokens: 7.66s", NULL };
	hdrs(&h, h2);
	mlm_classify_generic(429, &h, rate, strlen(rate), &o);
	is_int(o.retry_ms, 179560, "x-ratelimit-reset-requests when requests remaining is 0");
	mlm_headers_free(&h);

	const char *h3[] = { "x-ratelimit-remaining-requests: 14", "x-ratelimit-reset-requests: 2m59.56s",
		"x-ratelimit-remaining-tokens: 0", "x-ratelimit-reset-tokens: 7.66s", NULL };
	hdrs(&h, h3);
	mlm_classify_generic(429, &h, rate, strlen(rate), &o);
	is_int(o.retry_ms, 7660, "x-ratelimit-reset-tokens when tokens remaining is 0");
	mlm_headers_free(&h);

	const char *h4[] = { "x-ratelimit-reset-requests: 1h2m3.5s", "x-ratelimit-reset-tokens: 20ms", NULL };
	hdrs(&h, h4);
	is_int(mlm_retry_hint(&h, jv_null(), NULL), 3723500, "Go durations: the longest when none is 0");
	mlm_headers_free(&h);

	const char *h5[] = { "Retry-After: Thu, 01 Jan 2099 00:00:00 GMT", NULL };
	hdrs(&h, h5);
	ok(mlm_retry_hint(&h, jv_null(), NULL) > 86400000LL, "Retry-After as an HTTP date");
	mlm_headers_free(&h);

	is_int(mlm_retry_hint(NULL, jv_null(), "Please retry in 37.42s."), 37420, "retry in 37.42s text");
	is_int(mlm_retry_hint(NULL, jv_null(), "try again in 20s"), 20000, "try again in 20s");
	is_int(mlm_retry_hint(NULL, jv_null(), "try again in 1m30s."), 90000, "try again in 1m30s");
	is_int(mlm_retry_hint(NULL, jv_null(), "Please retry shortly"), -1, "no number, no hint");
	is_int(mlm_retry_hint(NULL, jv_null(), NULL), -1, "nothing, no hint");
	{
		char b[256];
		snprintf(b, sizeof b, "{\"error\":{\"code\":429,\"message\":\"x\",\"metadata\":{\"headers\":"
		    "{\"X-RateLimit-Reset\":\"%lld\"}}}}", (long long)(mlm_now_ms() + 60000));
		jv j = jv_parse(b);
		int64_t ms = mlm_retry_hint(NULL, j, NULL);
		ok(ms > 55000 && ms <= 60000, "OpenRouter X-RateLimit-Reset epoch ms, relative: %lld", (long long)ms);
		jv_free(j);
	}
	{
		jv j = jv_parse("[{\"error\":{\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\","
		    "\"retryDelay\":\"1.5s\"}]}}]");
		is_int(mlm_retry_hint(NULL, j, NULL), 1500, "RetryInfo in an array-wrapped body");
		jv_free(j);
	}

	static const struct { long st; const char *body; int kind; int per_day; } c[] = {
		{ 400, "{\"error\":{\"message\":\"response_format json_schema is not supported by this model\","
		  "\"type\":\"invalid_request_error\"}}", MLM_UNSUPPORTED, 0 },
		{ 400, "{\"error\":{\"message\":\"Invalid value for temperature\",\"type\":\"invalid_request_error\"}}",
		  MLM_INVALID_REQUEST, 0 },
		{ 429, "{\"error\":{\"code\":\"1305\",\"message\":\"busy\"}}", MLM_OVERLOADED, 0 },
		{ 429, "{\"error\":{\"code\":\"1304\",\"message\":\"daily\"}}", MLM_QUOTA_EXHAUSTED, 1 },
		{ 400, "{\"error\":{\"code\":\"1261\",\"message\":\"too long\"}}", MLM_TOO_LARGE, 0 },
		{ 400, "{\"error\":{\"code\":\"1214\",\"message\":\"bad param\"}}", MLM_INVALID_REQUEST, 0 },
		{ 500, "{\"error\":{\"code\":\"1234\",\"message\":\"net\"}}", MLM_SERVER, 0 },
		{ 429, "{\"errors\":[{\"code\":4006,\"message\":\"daily free allocation\"}],\"success\":false}",
		  MLM_QUOTA_EXHAUSTED, 1 },
		{ 400, "{\"errors\":[{\"code\":5007,\"message\":\"No such model\"}],\"success\":false}", MLM_NOT_FOUND, 0 },
		{ 408, "{\"errors\":[{\"code\":3007,\"message\":\"timeout\"}],\"success\":false}", MLM_SERVER, 0 },
		{ 400, "{\"errors\":[{\"code\":3003,\"message\":\"missing\"}],\"success\":false}", MLM_INVALID_REQUEST, 0 },
		{ 429, "{\"error\":{\"code\":429,\"message\":\"Quota exceeded ... limit: 0, model: gemini-2.5-pro\","
		  "\"status\":\"RESOURCE_EXHAUSTED\"}}", MLM_QUOTA_EXHAUSTED, 1 },
		{ 429, "{\"error\":{\"message\":\"Rate limit reached for model `m` on requests per day (RPD): "
		  "Limit 1000, Used 1000. Please try again in 1m26s.\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}",
		  MLM_QUOTA_EXHAUSTED, 1 },
		{ 429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"spend\","
		  "\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}}}", MLM_NO_CREDIT, 0 },
		{ 403, "{\"error\":{\"code\":403,\"message\":\"Input was flagged\",\"metadata\":{\"reasons\":[\"x\"],"
		  "\"flagged_input\":\"y\"}}}", MLM_BLOCKED, 0 },
		{ 403, "{\"error\":{\"code\":403,\"message\":\"denied\",\"status\":\"PERMISSION_DENIED\"}}", MLM_AUTH, 0 },
		{ 410, "{\"error\":\"gone\"}", MLM_NOT_FOUND, 0 },
		{ 502, "<html>Bad gateway</html>", MLM_SERVER, 0 },
		{ 504, "", MLM_SERVER, 0 },
		{ 200, "{\"oops\"", MLM_BAD_RESPONSE, 0 },
		{ 503, "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}",
		  MLM_OVERLOADED, 0 },
		{ 400, "{\"error\":{\"code\":400,\"message\":\"User location is not supported\",\"status\":\"FAILED_PRECONDITION\"}}",
		  MLM_NOT_FOUND, 0 },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		memset(&o, 0, sizeof o);
		mlm_classify_generic(c[i].st, NULL, c[i].body, strlen(c[i].body), &o);
		ok(o.kind == c[i].kind && o.per_day == c[i].per_day && o.status == c[i].st && msg_oneline(o.msg),
		    "classify %ld %.40s: %s/%d (%s)", c[i].st, c[i].body, mlm_kind_name(o.kind), o.per_day, o.msg);
	}
	/* a long message is cut to fit, on a UTF-8 boundary */
	{
		mlm_buf b = { 0 };
		mlm_buf_puts(&b, "{\"error\":{\"message\":\"");
		for (int i = 0; i < 300; i++)
			mlm_buf_puts(&b, "\xe6\x9d\xad\\n");
		mlm_buf_puts(&b, "\"}}");
		mlm_classify_generic(500, NULL, b.p, b.len, &o);
		size_t n = strlen(o.msg);
		int utf8ok = 1;
		for (size_t i = 0; i < n;) {
			unsigned char ch = (unsigned char)o.msg[i];
			size_t need = ch < 0x80 ? 1 : ch >= 0xE0 ? 3 : 2;
			if (i + need > n)
				utf8ok = 0;
			i += need;
		}
		ok(n > 300 && n < sizeof o.msg && utf8ok && msg_oneline(o.msg), "long message cut cleanly (%zu bytes)", n);
		mlm_buf_free(&b);
	}
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A provider's message may quote the request: its words never decide a kind
 * that parks a key, an owner or an entry for others. */
static void
t_classify_echo(void)
{
	/* every structured marker the classifier knows, written as prose */
#define ECHO "API key not valid. Please pass a valid API key. invalid_api_key authentication_error " \
	"PERMISSION_DENIED UNAUTHENTICATED API_KEY_INVALID insufficient_quota billing_error " \
	"model_not_found NOT_FOUND not_found_error overloaded_error rate-limited upstream " \
	"limit: 0 requests per day (RPD) daily free-models-per-day Quota exceeded try again in 9s"
	static const struct { long st; const char *body; int kind; } c[] = {
		/* Gemini's shape: the message alone, without ErrorInfo's reason */
		{ 400, "{\"error\":{\"code\":400,\"message\":\"Invalid value at 'contents': " ECHO "\","
		  "\"status\":\"INVALID_ARGUMENT\"}}", MLM_INVALID_REQUEST },
		/* OpenAI's shape, a bad parameter quoting the prompt */
		{ 400, "{\"error\":{\"message\":\"Invalid 'messages[0].content': " ECHO "\","
		  "\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":null}}", MLM_INVALID_REQUEST },
		{ 422, "{\"detail\":\"" ECHO "\"}", MLM_INVALID_REQUEST },
		{ 400, "{\"error\":\"" ECHO "\"}", MLM_INVALID_REQUEST },
		{ 400, "{\"message\":\"" ECHO "\",\"type\":\"invalid_request_error\"}", MLM_INVALID_REQUEST },
		{ 400, "{\"errors\":[{\"code\":5006,\"message\":\"AiError: Bad input: " ECHO "\"}],\"success\":false}",
		  MLM_INVALID_REQUEST },
		{ 400, "[{\"error\":{\"code\":400,\"message\":\"" ECHO "\",\"status\":\"INVALID_ARGUMENT\"}}]",
		  MLM_INVALID_REQUEST },
		/* a model name echoed in a 404: the entry's model, not the key */
		{ 404, "{\"error\":{\"message\":\"The model `API key not valid` does not exist or you do not have "
		  "access to it.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"model_not_found\"}}",
		  MLM_NOT_FOUND },
		/* a 200 carrying an error object with no status of its own */
		{ 200, "{\"error\":{\"message\":\"" ECHO "\"}}", MLM_SERVER },
		/* a schema phrase quoted in an error about another field */
		{ 400, "{\"error\":{\"message\":\"Invalid 'messages[0]': response_format json_schema is not supported\","
		  "\"type\":\"invalid_request_error\",\"param\":\"messages\"}}", MLM_INVALID_REQUEST },
		/* ... while the real answers are still read */
		{ 400, "{\"error\":{\"message\":\"response_format json_schema is not supported for this model\","
		  "\"type\":\"invalid_request_error\",\"param\":\"response_format\"}}", MLM_UNSUPPORTED },
		{ 400, "{\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API key.\","
		  "\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\","
		  "\"reason\":\"API_KEY_INVALID\"}]}}", MLM_AUTH },
		{ 401, "{\"error\":{\"message\":\"" ECHO "\"}}", MLM_AUTH },
		{ 403, "{\"error\":{\"code\":403,\"message\":\"" ECHO "\",\"status\":\"PERMISSION_DENIED\"}}", MLM_AUTH },
		{ 400, "{\"error\":{\"message\":\"x\",\"code\":\"invalid_api_key\"}}", MLM_AUTH },
		{ 400, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"x\"}}", MLM_AUTH },
	};
#undef ECHO
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		mlm_outcome o;
		memset(&o, 0, sizeof o);
		mlm_classify_generic(c[i].st, NULL, c[i].body, strlen(c[i].body), &o);
		ok(o.kind == c[i].kind && !o.per_day, "echoed prose #%zu, HTTP %ld: %s (want %s)", i, c[i].st,
		    mlm_kind_name(o.kind), mlm_kind_name(c[i].kind));
	}
	/* every adapter's own classifier agrees */
	const char *b = "{\"error\":{\"code\":400,\"message\":\"API key not valid: echoed\",\"status\":\"INVALID_ARGUMENT\"}}";
	int wires[] = { MLM_WIRE_OPENAI, MLM_WIRE_GEMINI, MLM_WIRE_CLOUDFLARE };
	for (size_t i = 0; i < 3; i++) {
		mlm_entry e = { 0 };
		mlm_outcome o;
		e.wire = wires[i];
		memset(&o, 0, sizeof o);
		mlm_adapter_get(wires[i])->classify(&e, 400, NULL, b, strlen(b), &o);
		ok(o.kind == MLM_INVALID_REQUEST, "adapter %d: 'API key not valid' in a 400 message is %s, not auth",
		    wires[i], mlm_kind_name(o.kind));
	}
}

/* Every wire of the enum has a row in the registry (adapters.c). */
static void
t_wires(void)
{
	jv embed = mlm_req_embed(jv_string("x"), 0, NULL);
	jv chat = jv_parse("{\"messages\":[]}");
	for (int w = 0; w < MLM_WIRE__N; w++) {
		const char *name = mlm_wire_name(w);
		ok(name && strcmp(name, "unknown") != 0, "wire %d has a name (%s)", w, name ? name : "(null)");
		if (!name)
			name = "(null)";
		is_int(mlm_wire_parse(name), w, "wire %s reads back as %d", name, w);
		const mlm_adapter *c = mlm_adapter_get(w), *e = mlm_adapter_for(w, embed);
		ok(c && c->build && c->parse && c->event && c->classify, "wire %s has a chat adapter", name);
		ok(mlm_adapter_for(w, chat) == c, "wire %s: a chat request gets its chat adapter", name);
		ok(e && e != c && e->build && e->parse && e->classify, "wire %s has an embedding adapter", name);
		ok(strstr(mlm_wire_names(), name) != NULL, "wire %s is in the list of names", name);
	}
	is_str(mlm_wire_names(), "openai, gemini, cloudflare", "the list of names, as messages show it");
	is_str(mlm_wire_name(MLM_WIRE__N), "unknown", "past the last wire: unknown");
	is_str(mlm_wire_name(-1), "unknown", "a negative wire: unknown");
	ok(mlm_adapter_get(MLM_WIRE__N) == NULL && mlm_adapter_for(MLM_WIRE__N, embed) == NULL,
	    "past the last wire: no adapter");
	is_int(mlm_wire_parse("nonesuch"), -1, "an unknown name: -1");
	is_int(mlm_wire_parse(NULL), -1, "no name: -1");
	jv_free(embed);
	jv_free(chat);
}

int
main(void)
{
	t_wires();
	t_openai_more();
	t_openai_tool_deltas();
	t_gemini_more();
	t_gemini_system_messages();
	t_cloudflare_more();
	t_classify_more();
	t_classify_echo();

	fixdir = tap_fixtures_dir();
	DIR *d = fixdir ? opendir(fixdir) : NULL;
	if (!d) {
		ok(1, "# skip no fixtures folder (tests/fixtures or MLM_FIXTURES)");
		return tap_done();
	}
	struct dirent *de;
	int seen = 0;
	char *names[256];
	int nn = 0;
	while ((de = readdir(d)) && nn < 256) {
		size_t l = strlen(de->d_name);
		if ((l > 5 && !strcmp(de->d_name + l - 5, ".json")) || (l > 4 && !strcmp(de->d_name + l - 4, ".sse")))
			names[nn++] = mlm_strdup(de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)nn, sizeof *names, cmpstr);
	for (int i = 0; i < nn; i++) {
		const struct fx *f = find_fx(names[i]);
		ok(f != NULL, "%s has an expectation", names[i]);
		size_t len = 0;
		char *body = f ? slurp(f->file, &len) : NULL;
		if (f && !body)
			ok(0, "read %s", f->file);
		if (f && body) {
			seen++;
			switch (f->what) {
			case CLASSIFY: t_classify(f, body, len); break;
			case PARSE: t_parse(f, body, len); break;
			case STREAM: t_stream(f, body, len); break;
			case REQUEST: t_request(f, body, len); break;
			default: ok(1, "# skip %s: no adapter for this wire", f->file); break;
			}
		}
		free(body);
		free(names[i]);
	}
	ok(seen >= 50, "%d fixtures checked from %s", seen, fixdir);
	return tap_done();
}
