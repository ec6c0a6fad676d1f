/*
 * sim-errors.c — how each flavor (OpenAI, Gemini, Zhipu, Cloudflare) answers
 * each fault: one table of rows (status, code, message with placeholders,
 * extras such as rate-limit headers or Gemini's quota details) and the
 * builders of each flavor's error body.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* ---------- error answers ---------- */

static void
add_hdr(struct answer *a, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (a->nhdr >= 8)
		return;
	snprintf(a->hdr[a->nhdr].name, sizeof a->hdr[0].name, "%s", name);
	va_start(ap, fmt);
	vsnprintf(a->hdr[a->nhdr].val, sizeof a->hdr[0].val, fmt, ap);
	va_end(ap);
	a->nhdr++;
}

#define K(k) (1u << (k))
#define ST_5XX 1                /* .when: any asked status from 500 up */

/* What an answer has beyond its flavor's usual error body. */
enum {
	X_RATELIMIT = 1 << 0,   /* OpenAI: retry-after and x-ratelimit-* headers */
	X_RETRYAFTER = 1 << 1,  /* Cloudflare: a Retry-After header */
	X_NULLRESULT = 1 << 2,  /* Cloudflare: "result":null rather than {} */
	X_KEYINFO = 1 << 3,     /* Gemini: ErrorInfo and LocalizedMessage details */
	X_QUOTA_RPM = 1 << 4,   /* Gemini: quota details, per-minute quota */
	X_QUOTA_RPD = 1 << 5,   /* Gemini: quota details, per-day quota */
	X_WHITELABEL = 1 << 6,  /* Zhipu: its gateway's bare 404 page, msg as "error" */
};

/*
 * How one flavor answers some fault kinds. make_error() takes the first row
 * that fits, so a new fault or a new flavor is new rows, not new code.
 */
struct fault_row {
	enum flavor fl;
	unsigned kinds;         /* K(E_...) of the faults it answers */
	unsigned status;        /* HTTP status, 0: the one the key asked for */
	const char *code;       /* OpenAI "code" (NULL: null), Gemini "status"
				 * (NULL: named after the HTTP status), Zhipu
				 * "code", Cloudflare errors[0].code */
	const char *msg;        /* {name} stands for a value: see put_var() */
	const char *type;       /* OpenAI "type" */
	const char *param;      /* OpenAI "param" (NULL: null) */
	unsigned extra;         /* X_* */
	int when;               /* for E_STATUS: the asked status it answers,
				 * ST_5XX, or 0 for any (so put it last) */
};

#define G_QUOTA_MSG "You exceeded your current quota, please check your plan and billing details. " \
	"For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. " \
	"To monitor your current usage, head to: https://ai.dev/rate-limit. \n" \
	"* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, " \
	"limit: {limit}, model: {model}\nPlease retry in {wait_s}s."
#define Z_BADREQ "API 调用参数有误，请检查文档。"
#define CF_STATUS(st, code, m) \
	{ FL_CLOUDFLARE, K(E_STATUS), 0, code, .when = st, .msg = "AiError: AiError: " m " ({uuid})" }

static const struct fault_row fault_rows[] = {
	/* OpenAI: {"error":{"message","type","param","code"}} */
	{ FL_OPENAI, K(E_NOKEY), 401, NULL, .type = "invalid_request_error",
	    .msg = "You didn't provide an API key. You need to provide your API key in an "
	    "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the "
	    "password field (with blank username) if you're accessing the API from your browser and are "
	    "prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys." },
	{ FL_OPENAI, K(E_INVALID), 401, "invalid_api_key", .type = "invalid_request_error",
	    .msg = "Incorrect API key provided: {key}. You can find your API key at "
	    "https://platform.openai.com/account/api-keys." },
	{ FL_OPENAI, K(E_RPM) | K(E_CONC), 429, "rate_limit_exceeded", .type = "requests", .extra = X_RATELIMIT,
	    .msg = "Rate limit reached for {model} in organization org-llmsim on requests per "
	    "min (RPM): Limit {limit}, Used {limit}, Requested 1. Please try again in {wait}. Visit "
	    "https://platform.openai.com/account/rate-limits to learn more." },
	{ FL_OPENAI, K(E_RPD), 429, "rate_limit_exceeded", .type = "requests", .extra = X_RATELIMIT,
	    .msg = "Rate limit reached for {model} in organization org-llmsim on requests per "
	    "day (RPD): Limit {limit}, Used {limit}, Requested 1. Please try again in {wait}. Visit "
	    "https://platform.openai.com/account/rate-limits to learn more." },
	{ FL_OPENAI, K(E_CREDIT), 429, "insufficient_quota", .type = "insufficient_quota",
	    .msg = "You exceeded your current quota, please check your plan and billing details. "
	    "For more information on this error, read the docs: "
	    "https://platform.openai.com/docs/guides/error-codes/api-errors." },
	{ FL_OPENAI, K(E_OVERLOAD), 503, NULL, .type = "server_error",
	    .msg = "The engine is currently overloaded, please try again later" },
	{ FL_OPENAI, K(E_STATUS), 0, NULL, .type = "server_error", .when = ST_5XX,
	    .msg = "The server had an error while processing your request. Sorry about that!" },
	{ FL_OPENAI, K(E_STATUS), 0, NULL, .type = "invalid_request_error",
	    .msg = "llm-sim: simulated HTTP {status} error" },
	{ FL_OPENAI, K(E_MODEL404), 404, "model_not_found", .type = "invalid_request_error",
	    .msg = "The model `{model}` does not exist or you do not have access to it." },
	{ FL_OPENAI, K(E_CONTEXT), 400, "context_length_exceeded", .type = "invalid_request_error",
	    .param = "messages",
	    .msg = "This model's maximum context length is {max} tokens. However, your "
	    "messages resulted in {tokens} tokens. Please reduce the length of the messages." },
	{ FL_OPENAI, K(E_NOSCHEMA), 400, NULL, .type = "invalid_request_error", .param = "response_format",
	    .msg = "response_format json_schema is not supported for this model" },
	{ FL_OPENAI, K(E_BADJSON), 400, NULL, .type = "invalid_request_error",
	    .msg = "We could not parse the JSON body of your request. (HINT: This likely means you "
	    "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
	    "sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us "
	    "through our help center at help.openai.com.)" },
	{ FL_OPENAI, K(E_BADREQ) | K(E_BADKEY) | K(E_JSONMODE) | K(E_BLOCK), 400, NULL,
	    .type = "invalid_request_error", .msg = "{msg}" },
	{ FL_OPENAI, K(E_RULES), 400, NULL, .type = "invalid_request_error", .param = "response_format",
	    .msg = "{msg}" },
	{ FL_OPENAI, K(E_TOOLARGE), 413, "request_too_large", .type = "invalid_request_error",
	    .msg = "Request too large: the body is over the limit of {maxbody} bytes." },
	{ FL_OPENAI, K(E_NOTFOUND), 404, NULL, .type = "invalid_request_error",
	    .msg = "Invalid URL ({method} {path})" },

	/* Gemini: {"error":{"code","message","status"[,"details"]}} */
	{ FL_GEMINI, K(E_NOKEY), 403, "PERMISSION_DENIED",
	    .msg = "Method doesn't allow unregistered callers (callers without established "
	    "identity). Please use API key or other form of API consumer identity to call this API." },
	{ FL_GEMINI, K(E_INVALID), 400, "INVALID_ARGUMENT", .extra = X_KEYINFO,
	    .msg = "API key not valid. Please pass a valid API key." },
	{ FL_GEMINI, K(E_RPM) | K(E_CONC), 429, "RESOURCE_EXHAUSTED", .extra = X_QUOTA_RPM, .msg = G_QUOTA_MSG },
	{ FL_GEMINI, K(E_RPD) | K(E_CREDIT), 429, "RESOURCE_EXHAUSTED", .extra = X_QUOTA_RPD, .msg = G_QUOTA_MSG },
	{ FL_GEMINI, K(E_OVERLOAD), 503, "UNAVAILABLE", .msg = "The model is overloaded. Please try again later." },
	{ FL_GEMINI, K(E_STATUS), 0, NULL, .when = ST_5XX,
	    .msg = "An internal error has occurred. Please retry or report in "
	    "https://developers.generativeai.google/guide/troubleshooting" },
	{ FL_GEMINI, K(E_STATUS), 0, NULL, .msg = "llm-sim: simulated HTTP {status} error" },
	{ FL_GEMINI, K(E_MODEL404), 404, "NOT_FOUND",
	    .msg = "models/{model} is not found for API version v1beta, or is not supported "
	    "for generateContent. Call ListModels to see the list of available models and their "
	    "supported methods." },
	{ FL_GEMINI, K(E_CONTEXT), 400, "INVALID_ARGUMENT",
	    .msg = "The input token count ({tokens}) exceeds the maximum number of tokens allowed ({max})." },
	{ FL_GEMINI, K(E_NOSCHEMA), 400, "INVALID_ARGUMENT",
	    .msg = "responseSchema (structured output) is not supported for models/{model}." },
	{ FL_GEMINI, K(E_BADJSON), 400, "INVALID_ARGUMENT",
	    .msg = "Invalid JSON payload received. Unexpected token." },
	{ FL_GEMINI, K(E_BADREQ) | K(E_BADKEY) | K(E_JSONMODE) | K(E_BLOCK), 400, "INVALID_ARGUMENT",
	    .msg = "{msg}" },
	{ FL_GEMINI, K(E_RULES), 400, "INVALID_ARGUMENT", .msg = "{msg}" },
	{ FL_GEMINI, K(E_TOOLARGE), 413, "INVALID_ARGUMENT",
	    .msg = "Request payload size exceeds the limit: {maxbody} bytes." },
	{ FL_GEMINI, K(E_NOTFOUND), 404, "NOT_FOUND", .msg = "Requested entity was not found: {method} {path}" },

	/* Zhipu: {"error":{"code","message"},"request_id"}; a simulated 401 or
	 * 429 reads like its own bad key or rate limit */
	{ FL_ZHIPU, K(E_NOKEY), 401, "1001", .msg = "Header中未收到Authentication参数，无法进行身份验证。" },
	{ FL_ZHIPU, K(E_INVALID) | K(E_STATUS), 401, "1000", .when = 401, .msg = "身份验证失败。" },
	{ FL_ZHIPU, K(E_RPM) | K(E_STATUS), 429, "1302", .when = 429,
	    .msg = "您的账户已达到速率限制，请您控制请求频率" },
	{ FL_ZHIPU, K(E_CONC), 429, "1302", .msg = "您当前使用该API的并发数过高，请降低并发，或联系客服增加限额。" },
	{ FL_ZHIPU, K(E_RPD), 429, "1304", .msg = "该 API 已达今日调用次数限额，如有更多需求，请联系客服购买。" },
	{ FL_ZHIPU, K(E_CREDIT), 429, "1113", .msg = "余额不足或无可用资源包,请充值。" },
	{ FL_ZHIPU, K(E_OVERLOAD), 429, "1305", .msg = "该模型当前访问量过大，请您稍后再试" },
	{ FL_ZHIPU, K(E_STATUS), 0, "500", .when = ST_5XX, .msg = "内部错误。" },
	{ FL_ZHIPU, K(E_STATUS), 0, "1210", .msg = Z_BADREQ },
	{ FL_ZHIPU, K(E_MODEL404), 400, "1211", .msg = "模型不存在，请检查模型代码。" },
	{ FL_ZHIPU, K(E_CONTEXT), 400, "1261", .msg = "Prompt 超长：输入 {tokens} tokens，超过模型上限 {max}。" },
	{ FL_ZHIPU, K(E_BLOCK), 400, "1301", .msg = "系统检测到输入或生成内容可能包含不安全或敏感内容，"
	    "请您避免输入易产生敏感内容的提示语，感谢您的配合。" },
	{ FL_ZHIPU, K(E_NOSCHEMA), 400, "1210",
	    .msg = Z_BADREQ "response_format json_schema is not supported for this model" },
	{ FL_ZHIPU, K(E_BADJSON), 400, "1210", .msg = Z_BADREQ "请求体不是合法的 JSON" },
	{ FL_ZHIPU, K(E_BADREQ) | K(E_BADKEY) | K(E_JSONMODE), 400, "1210", .msg = Z_BADREQ "{msg}" },
	{ FL_ZHIPU, K(E_TOOLARGE), 413, "1210", .msg = Z_BADREQ "请求体过大" },
	{ FL_ZHIPU, K(E_NOTFOUND), 404, NULL, .extra = X_WHITELABEL, .msg = "Not Found" },

	/* Cloudflare: {"result","success":false,"errors":[{"code","message"}],"messages":[]} */
	{ FL_CLOUDFLARE, K(E_NOKEY) | K(E_INVALID), 401, "10000", .extra = X_NULLRESULT,
	    .msg = "Authentication error" },
	{ FL_CLOUDFLARE, K(E_RPM) | K(E_CONC), 429, "971", .extra = X_NULLRESULT | X_RETRYAFTER,
	    .msg = "Please wait and consider throttling your request speed" },
	{ FL_CLOUDFLARE, K(E_RPD) | K(E_CREDIT), 429, "3036",
	    .msg = "AiError: AiError: You have used up your daily free allocation of 10,000 "
	    "neurons. Please upgrade to Cloudflare's Workers Paid plan if you would like to continue "
	    "usage. ({uuid})" },
	{ FL_CLOUDFLARE, K(E_OVERLOAD) | K(E_STATUS), 429, "3040", .when = 429,
	    .msg = "AiError: AiError: Capacity temporarily exceeded, please try again. ({uuid})" },
	CF_STATUS(400, "3003", "Request is missing headers or body"),
	CF_STATUS(401, "10000", "Authentication error"),
	CF_STATUS(403, "10000", "Authentication error"),
	CF_STATUS(404, "3042", "The model name is invalid"),
	CF_STATUS(408, "3007", "Request timeout"),
	CF_STATUS(413, "3006", "Request is too large"),
	CF_STATUS(0, "3043", "Internal server error"),
	{ FL_CLOUDFLARE, K(E_MODEL404), 400, "5007", .msg = "No such model {model} or task" },
	{ FL_CLOUDFLARE, K(E_CONTEXT), 413, "3006",
	    .msg = "AiError: Ai: The estimated number of input and maximum output tokens "
	    "({tokens}) exceeded this model context window limit ({max}). ({uuid})" },
	{ FL_CLOUDFLARE, K(E_NOSCHEMA), 400, "5006",
	    .msg = "AiError: Bad input: response_format json_schema is not supported for this model ({uuid})" },
	{ FL_CLOUDFLARE, K(E_JSONMODE), 400, "5006", .msg = "AiError: AiError: JSON Mode couldn't be met ({uuid})" },
	{ FL_CLOUDFLARE, K(E_BADJSON), 400, "3003",
	    .msg = "Request is missing headers or body: the body is not valid JSON" },
	{ FL_CLOUDFLARE, K(E_BADREQ) | K(E_BADKEY) | K(E_BLOCK), 400, "5006", .msg = "AiError: Bad input: {msg}" },
	{ FL_CLOUDFLARE, K(E_RULES), 400, "5006", .msg = "AiError: Bad input: {msg} ({uuid})" },
	{ FL_CLOUDFLARE, K(E_TOOLARGE), 413, "3006", .msg = "Request is too large" },
	{ FL_CLOUDFLARE, K(E_NOTFOUND), 404, "7003", .extra = X_NULLRESULT,
	    .msg = "Could not route to {path}, perhaps your object identifier is invalid?" },
};

static const struct fault_row *
fault_row(enum flavor fl, enum ekind k, int st)
{
	size_t i;

	for (i = 0; i < sizeof fault_rows / sizeof fault_rows[0]; i++) {
		const struct fault_row *r = &fault_rows[i];
		if (r->fl != fl || !(r->kinds & K(k)))
			continue;
		if (k != E_STATUS || r->when == 0 || r->when == st || (r->when == ST_5XX && st >= 500))
			return r;
	}
	/* a hole in the table: say so loudly rather than answer something */
	fprintf(stderr, PROG ": no answer to fault %d for flavor %s\n", (int)k, flavor_names[fl]);
	abort();
}

static void
fake_uuid(struct ctx *x, char *out, size_t n)
{
	snprintf(out, n, "%08llx-51a1-4c0d-8e5e-%012llx",
	    (unsigned long long)(x->now / 1000) & 0xffffffffULL, x->seq);
}

/* Whole seconds to wait, rounded up, as Retry-After gives them. */
static long long
wait_secs(int64_t wait_ms)
{
	return (long long)((wait_ms + 999) / 1000);
}

/* Appends the value of the message placeholder {name} (n bytes); -1 if
 * there is no such name. */
static int
put_var(struct sb *b, const char *name, size_t n, struct ctx *x, const struct einfo *ei)
{
	char v[64];
	const char *s = v;

#define IS(lit) (n == sizeof lit - 1 && memcmp(name, lit, n) == 0)
	if (IS("model"))                /* the flavor's first model if none was named */
		s = model_or(x, default_models[x->fl][0]);
	else if (IS("method"))
		s = x->method;
	else if (IS("path"))
		s = x->path;
	else if (IS("msg"))             /* what decide() found wrong */
		s = ei->msg ? ei->msg : "";
	else if (IS("key")) {           /* the key, masked as OpenAI shows it */
		size_t kl = x->key ? strlen(x->key) : 0;
		if (kl >= 8)
			snprintf(v, sizeof v, "%.3s***%s", x->key, x->key + kl - 3);
		else
			snprintf(v, sizeof v, "***");
	} else if (IS("uuid"))
		fake_uuid(x, v, sizeof v);
	else if (IS("wait"))            /* as a Go duration */
		go_dur(ei->wait_ms, v, sizeof v);
	else if (IS("wait_s"))          /* in seconds, two decimals */
		snprintf(v, sizeof v, "%lld.%02lld", (long long)(ei->wait_ms / 1000),
		    (long long)(ei->wait_ms % 1000 / 10));
	else if (IS("limit"))
		snprintf(v, sizeof v, "%ld", ei->limit);
	else if (IS("tokens"))
		snprintf(v, sizeof v, "%ld", ei->tokens);
	else if (IS("max"))
		snprintf(v, sizeof v, "%ld", ei->max_tokens);
	else if (IS("status"))
		snprintf(v, sizeof v, "%d", ei->status);
	else if (IS("maxbody"))
		snprintf(v, sizeof v, "%u", SIM_MAX_BODY);
	else
		return -1;
#undef IS
	sb_puts(b, s);
	return 0;
}

/* The message of a row with its placeholders filled in; malloc'd. */
static char *
fault_msg(struct ctx *x, const char *t, const struct einfo *ei)
{
	struct sb b = { 0 };

	sb_puts(&b, "");
	while (*t) {
		const char *o = strchr(t, '{'), *c = o ? strchr(o, '}') : NULL;
		if (!c) {
			sb_puts(&b, t);
			break;
		}
		sb_add(&b, t, (size_t)(o - t));
		if (put_var(&b, o + 1, (size_t)(c - o - 1), x, ei) == 0)
			t = c + 1;
		else {
			sb_add(&b, o, 1);
			t = o + 1;
		}
	}
	/* a client's model name or path can be long: 1023 bytes at most, as
	 * the simulator has always cut them */
	if (b.len > 1023)
		b.p[b.len = 1023] = 0;
	return b.p;
}

static jv
oai_err(const char *msg, const char *type, jv param, jv code)
{
	jv e = jv_object();
	e = jset(e, "message", jv_string(msg));
	e = jset(e, "type", jv_string(type));
	e = jset(e, "param", param);
	e = jset(e, "code", code);
	return jset(jv_object(), "error", e);
}

/* details: an array, or invalid for none */
static jv
g_err(int code, const char *msg, const char *status, jv details)
{
	jv e = jv_object();
	e = jset(e, "code", jv_number(code));
	e = jset(e, "message", jv_string(msg));
	e = jset(e, "status", jv_string(status));
	if (jv_is_valid(details))
		e = jset(e, "details", details);
	else
		jv_free(details);
	return jset(jv_object(), "error", e);
}

static jv
z_err(const char *code, const char *msg, struct ctx *x)
{
	char id[64];
	jv e = jv_object();
	e = jset(e, "code", jv_string(code));
	e = jset(e, "message", jv_string(msg));
	snprintf(id, sizeof id, "sim%016llx", x->seq);
	return jset(jset(jv_object(), "error", e), "request_id", jv_string(id));
}

/* Zhipu's gateway answers an unknown path with a Spring-style page. */
static jv
z_whitelabel(struct ctx *x, unsigned status, const char *msg)
{
	jv o = jv_object();
	o = jset(o, "timestamp", jv_number((double)x->now));
	o = jset(o, "status", jv_number(status));
	o = jset(o, "error", jv_string(msg));
	return jset(o, "path", jv_string(x->path));
}

static jv
cf_err(int code, const char *msg, int result_null)
{
	jv o = jv_object(), e = jv_object();
	o = jset(o, "result", result_null ? jv_null() : jv_object());
	o = jset(o, "success", jv_false());
	e = jset(e, "code", jv_number(code));
	e = jset(e, "message", jv_string(msg));
	o = jset(o, "errors", jv_array_append(jv_array(), e));
	return jset(o, "messages", jv_array());
}

static const char *
g_status_name(int st)
{
	switch (st) {
	case 400: return "INVALID_ARGUMENT";
	case 401: return "UNAUTHENTICATED";
	case 403: return "PERMISSION_DENIED";
	case 404: return "NOT_FOUND";
	case 409: return "ABORTED";
	case 429: return "RESOURCE_EXHAUSTED";
	case 499: return "CANCELLED";
	case 500: return "INTERNAL";
	case 501: return "UNIMPLEMENTED";
	case 503: return "UNAVAILABLE";
	case 408: case 504: return "DEADLINE_EXCEEDED";
	default: return st >= 500 ? "UNKNOWN" : "FAILED_PRECONDITION";
	}
}

/* Gemini's bad key details: ErrorInfo and the message again, localized. */
static jv
g_keyinfo(const char *msg)
{
	jv det = jv_array(), v;

	v = jv_object();
	v = jset(v, "@type", jv_string("type.googleapis.com/google.rpc.ErrorInfo"));
	v = jset(v, "reason", jv_string("API_KEY_INVALID"));
	v = jset(v, "domain", jv_string("googleapis.com"));
	v = jset(v, "metadata", jset(jv_object(), "service", jv_string("generativelanguage.googleapis.com")));
	det = jv_array_append(det, v);
	v = jv_object();
	v = jset(v, "@type", jv_string("type.googleapis.com/google.rpc.LocalizedMessage"));
	v = jset(v, "locale", jv_string("en-US"));
	v = jset(v, "message", jv_string(msg));
	return jv_array_append(det, v);
}

/* Gemini's 429 details: Help, QuotaFailure and RetryInfo. */
static jv
g_quota(struct ctx *x, int daily, long limit, int64_t wait_ms)
{
	char dims[64];
	const char *model = model_or(x, default_models[FL_GEMINI][0]);
	jv details = jv_array(), v, q;

	v = jv_object();
	v = jset(v, "@type", jv_string("type.googleapis.com/google.rpc.Help"));
	v = jset(v, "links", jv_array_append(jv_array(),
	    jset(jset(jv_object(), "description", jv_string("Learn more about Gemini API quotas")),
	    "url", jv_string("https://ai.google.dev/gemini-api/docs/rate-limits"))));
	details = jv_array_append(details, v);
	q = jv_object();
	q = jset(q, "quotaMetric", jv_string("generativelanguage.googleapis.com/generate_content_free_tier_requests"));
	q = jset(q, "quotaId", jv_string(daily ? "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
	    : "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"));
	q = jset(q, "quotaDimensions", jset(jset(jv_object(), "location", jv_string("global")),
	    "model", jv_string(model)));
	snprintf(dims, sizeof dims, "%ld", limit);
	q = jset(q, "quotaValue", jv_string(dims));
	v = jv_object();
	v = jset(v, "@type", jv_string("type.googleapis.com/google.rpc.QuotaFailure"));
	v = jset(v, "violations", jv_array_append(jv_array(), q));
	details = jv_array_append(details, v);
	v = jv_object();
	v = jset(v, "@type", jv_string("type.googleapis.com/google.rpc.RetryInfo"));
	snprintf(dims, sizeof dims, "%llds", wait_secs(wait_ms));
	v = jset(v, "retryDelay", jv_string(dims));
	return jv_array_append(details, v);
}

void
oai_ratelimit_headers(struct answer *a, long limit, long remaining, int64_t reset_ms)
{
	char d[32];

	go_dur(reset_ms, d, sizeof d);
	add_hdr(a, "x-ratelimit-limit-requests", "%ld", limit);
	add_hdr(a, "x-ratelimit-remaining-requests", "%ld", remaining);
	add_hdr(a, "x-ratelimit-reset-requests", "%s", d);
}

/* The body of row r in x's flavor, with message msg and HTTP status st. */
static jv
fault_body(struct ctx *x, const struct fault_row *r, const char *msg, unsigned st, const struct einfo *ei)
{
	jv det = jv_invalid();

	if (x->fl == FL_OPENAI)
		return oai_err(msg, r->type, ei->param ? jv_string(ei->param) :
		    r->param ? jv_string(r->param) : jv_null(),
		    r->code ? jv_string(r->code) : jv_null());
	if (x->fl == FL_ZHIPU)
		return r->extra & X_WHITELABEL ? z_whitelabel(x, st, msg) : z_err(r->code, msg, x);
	if (x->fl == FL_CLOUDFLARE)
		return cf_err(atoi(r->code), msg, r->extra & X_NULLRESULT);
	if (r->extra & X_KEYINFO)
		det = g_keyinfo(msg);
	else if (r->extra & (X_QUOTA_RPM | X_QUOTA_RPD))
		det = g_quota(x, r->extra & X_QUOTA_RPD, ei->limit, ei->wait_ms);
	return g_err((int)st, msg, r->code ? r->code : g_status_name((int)st), det);
}

/* Fills a with how x's flavor answers fault k; name is the fault for the log. */
void
make_error(struct ctx *x, const char *name, enum ekind k, const struct einfo *ei, struct answer *a)
{
	const struct fault_row *r = fault_row(x->fl, k, ei->status);
	char *msg = fault_msg(x, r->msg, ei);

	a->fault = name;
	a->status = r->status ? r->status : (unsigned)ei->status;
	a->ctype = "application/json";
	a->body = fault_body(x, r, msg, a->status, ei);
	free(msg);
	if (r->extra & X_RATELIMIT) {
		add_hdr(a, "retry-after", "%lld", wait_secs(ei->wait_ms));
		oai_ratelimit_headers(a, ei->limit, 0, ei->wait_ms);
	}
	if (r->extra & X_RETRYAFTER)
		add_hdr(a, "Retry-After", "%lld", wait_secs(ei->wait_ms));
}
