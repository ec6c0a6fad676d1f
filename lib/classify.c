/*
 * classify.c — turning a provider's error answer into one of design.md's
 * kinds, and finding its wait hint. Shared by every adapter-*.c (the
 * adapter registry and the helpers that build requests and read answers
 * are in adapters.c).
 *
 * mlm_classify_generic() reads the HTTP status and the body shapes of
 * providers.md §8.3 (OpenAI/Groq/Zhipu/OpenRouter `.error`, Google RPC
 * `.error.status` + details, Cloudflare `.errors[0].code`, SiliconFlow
 * `.code`, Mistral `.message`/`.detail`, Ollama `.error` string, bodies
 * wrapped in an array) and applies the matrix of §0.2. Provider codes win
 * over the HTTP status, which is coarse for Zhipu and Cloudflare.
 * Nothing here allocates memory that outlives a call.
 *
 * A provider's message may quote the request (a model name, a prompt), so
 * its words never decide a kind that parks a key, an owner or an entry for
 * others: auth, no_credit and not_found come from the status and the
 * structured fields only (reason, code, status, type, param). Words are
 * read only where the status already said what happened or where the
 * outcome stays with this request: on a 429, whether the limit is per
 * minute or per day; too_large (this call moves to a larger window);
 * blocked on a 403 (this call stops, nobody is parked); unsupported on a
 * 400/422 only when no "param" names another field.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"

/* Borrowed path look-up: "a.b.0.c"; numeric parts index arrays. */
jv
mlm_jpath(jv v, const char *path)
{
	jv cur = jv_copy(v);
	const char *p = path;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (jv_get_kind(cur) == JV_KIND_OBJECT) {
			jv next = mlm_jget(cur, p, n);
			jv_free(cur);
			cur = jv_is_valid(next) ? next : (jv_free(next), jv_null());
		} else if (jv_get_kind(cur) == JV_KIND_ARRAY && n && n < 9 &&
		    isdigit((unsigned char)*p)) {
			int idx = atoi(p);
			if (idx < jv_array_length(jv_copy(cur))) {
				jv next = jv_array_get(cur, idx);
				cur = jv_is_valid(next) ? next : (jv_free(next), jv_null());
			} else {
				jv_free(cur);
				cur = jv_null();
			}
		} else {
			jv_free(cur);
			return jv_null();
		}
		if (jv_get_kind(cur) == JV_KIND_NULL)
			return cur;
		p += n;
		if (*p == '.')
			p++;
	}
	return cur;
}

/* Copies s into a one-line, trimmed form, cut at a UTF-8 boundary. */
static void
oneline(char *dst, size_t dl, const char *src)
{
	size_t j = 0;
	int sp = 0;
	if (!dl)
		return;
	for (const char *s = src; *s && j + 1 < dl; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n' || c == '\r' || c == '\t' || c == ' ' || c < 0x20 || c == 0x7f) {
			sp = j > 0;
			continue;
		}
		if (sp) {
			if (j + 2 >= dl)
				break;
			dst[j++] = ' ';
			sp = 0;
		}
		dst[j++] = (char)c;
	}
	/* do not leave half a UTF-8 sequence at the cut */
	if (j) {
		size_t k = j;
		while (k > 0 && ((unsigned char)dst[k - 1] & 0xC0) == 0x80)
			k--;
		if (k > 0 && ((unsigned char)dst[k - 1] & 0x80)) {
			unsigned char lead = (unsigned char)dst[k - 1];
			size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
			if (j - (k - 1) < need)
				j = k - 1;
		}
	}
	dst[j] = 0;
}

void
mlm_outcome_set(mlm_outcome *o, int kind, long status, const char *fmt, ...)
{
	char tmp[sizeof o->msg * 2];
	va_list ap;
	o->kind = kind;
	o->status = status;
	o->retry_ms = -1;
	o->per_day = 0;
	o->conc = 0;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	oneline(o->msg, sizeof o->msg, tmp);
}

/* ---------- wait hints ---------- */

static int
kind_is(jv v, jv_kind k)
{
	return jv_get_kind(v) == k;
}

/* A borrowed string at path, copied into buf; "" if absent. */
static const char *
jstr(jv v, const char *path, char *buf, size_t bl)
{
	jv s = mlm_jpath(v, path);
	buf[0] = 0;
	if (kind_is(s, JV_KIND_STRING))
		snprintf(buf, bl, "%s", jv_string_value(s));
	else if (kind_is(s, JV_KIND_NUMBER)) {
		double d = jv_number_value(s);
		if (d >= -1e15 && d <= 1e15)
			snprintf(buf, bl, "%.0f", d);
	}
	jv_free(s);
	return buf;
}

/* Google RPC details: the RetryInfo delay, "" if none. */
static const char *
retry_info(jv body, char *buf, size_t bl)
{
	jv d = mlm_jpath(body, "error.details");
	buf[0] = 0;
	if (kind_is(d, JV_KIND_ARRAY)) {
		int n = jv_array_length(jv_copy(d));
		for (int i = 0; i < n && !buf[0]; i++) {
			jv x = jv_array_get(jv_copy(d), i);
			char t[128];
			jstr(x, "@type", t, sizeof t);
			size_t tl = strlen(t);
			if (tl >= 9 && !strcmp(t + tl - 9, "RetryInfo"))
				jstr(x, "retryDelay", buf, bl);
			jv_free(x);
		}
	}
	jv_free(d);
	return buf;
}

/* "try again in 3.01s" / "Please retry in 37.42s": ms, or -1. */
static int64_t
retry_text(const char *msg)
{
	static const char *const pre[] = { "try again in ", "retry in ", "retry after " };
	if (!msg)
		return -1;
	for (size_t k = 0; k < sizeof pre / sizeof *pre; k++) {
		const char *p = strcasestr(msg, pre[k]);
		if (!p)
			continue;
		p += strlen(pre[k]);
		char tok[40];
		size_t n = 0;
		while (n + 1 < sizeof tok && (isalnum((unsigned char)p[n]) || p[n] == '.'))
			tok[n] = p[n], n++;
		tok[n] = 0;
		while (n && tok[n - 1] == '.')
			tok[--n] = 0;
		/* "20 seconds" */
		if (n && isdigit((unsigned char)tok[n - 1]) && !strncasecmp(p + n, " second", 7))
			tok[n++] = 's', tok[n] = 0;
		if (!n || !isdigit((unsigned char)tok[0]))
			continue;
		int64_t ms = mlm_parse_duration_ms(tok, 0);
		if (ms >= 0)
			return ms;
	}
	return -1;
}

static int
hdr_zero(const mlm_headers *h, const char *name)
{
	const char *v = mlm_headers_get(h, name);
	return v && strtod(v, NULL) == 0 && isdigit((unsigned char)*v);
}

/* x-ratelimit-reset-* (OpenAI/Groq Go durations, Cerebras seconds). */
static int64_t
reset_headers(const mlm_headers *h, int64_t now)
{
	static const char *const pairs[][2] = {
		{ "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests" },
		{ "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens" },
		{ "x-ratelimit-remaining-tokens-minute", "x-ratelimit-reset-tokens-minute" },
		{ "x-ratelimit-remaining-requests-minute", "x-ratelimit-reset-requests-minute" },
		{ "x-ratelimit-remaining-requests-day", "x-ratelimit-reset-requests-day" },
	};
	size_t np = sizeof pairs / sizeof *pairs;
	if (!h)
		return -1;
	for (size_t i = 0; i < np; i++)
		if (hdr_zero(h, pairs[i][0])) {
			int64_t ms = mlm_parse_duration_ms(mlm_headers_get(h, pairs[i][1]), now);
			if (ms >= 0)
				return ms;
		}
	/* none says 0 remaining: the longest wait announced */
	int64_t best = -1;
	for (size_t i = 0; i < 2; i++) {
		int64_t ms = mlm_parse_duration_ms(mlm_headers_get(h, pairs[i][1]), now);
		if (ms > best)
			best = ms;
	}
	return best;
}

/* OpenRouter error.metadata.headers.X-RateLimit-Reset: epoch ms. */
static int64_t
openrouter_reset(jv body, int64_t now)
{
	char b[64];
	jstr(body, "error.metadata.headers.X-RateLimit-Reset", b, sizeof b);
	if (!b[0])
		return -1;
	char *end;
	double t = strtod(b, &end);
	if (end == b || *end || t < 0 || t > 9e15)
		return -1;
	if (t < 1e11)           /* seconds, not ms */
		t *= 1000;
	return (int64_t)t > now ? (int64_t)t - now : 0;
}

static int64_t
hint(const mlm_headers *h, jv body, const char *msg, int per_day)
{
	int64_t now = mlm_now_ms(), ms;
	char b[64], mb[512];
	if ((ms = mlm_parse_duration_ms(mlm_headers_get(h, "retry-after"), now)) >= 0)
		return ms;
	if (!per_day && (ms = mlm_parse_duration_ms(retry_info(body, b, sizeof b), now)) >= 0)
		return ms;
	if ((ms = reset_headers(h, now)) >= 0)
		return ms;
	if ((ms = openrouter_reset(body, now)) >= 0)
		return ms;
	if (per_day)
		return -1;
	if (!msg)
		msg = jstr(body, "error.message", mb, sizeof mb);
	return retry_text(msg);
}

int64_t
mlm_retry_hint(const mlm_headers *h, jv body, const char *msg)
{
	jv b = jv_copy(body);
	if (kind_is(b, JV_KIND_ARRAY)) {
		jv x = jv_array_length(jv_copy(b)) > 0 ? jv_array_get(jv_copy(b), 0) : jv_null();
		jv_free(b);
		b = jv_is_valid(x) ? x : (jv_free(x), jv_null());
	}
	int64_t r = hint(h, b, msg, 0);
	jv_free(b);
	return r;
}

/* ---------- classification ---------- */

struct errinfo {
	char code[64];          /* .error.code as text (string or int) */
	int code_is_str;
	char status[64];        /* .error.status (Google) */
	char type[64];          /* .error.type */
	char param[64];         /* .error.param (OpenAI) */
	long cf;                /* .errors[0].code (Cloudflare), -1 */
	long topcode;           /* .code (SiliconFlow), -1 */
	char msg[1024];         /* the provider's message */
	char raw[512];          /* OpenRouter metadata.raw */
	char reason[64];        /* Google ErrorInfo.reason */
	int perday, perminute, tpm, zero;     /* Gemini QuotaFailure */
	int openrouter_upstream, moderation;
	char detail_code[64];   /* Anthropic error.details.error_code */
};

static long
jlong(jv v, const char *path, long dflt)
{
	jv x = mlm_jpath(v, path);
	long r = dflt;
	if (kind_is(x, JV_KIND_NUMBER)) {
		double d = jv_number_value(x);
		if (d > -2e9 && d < 2e9)
			r = (long)d;
	} else if (kind_is(x, JV_KIND_STRING)) {
		const char *s = jv_string_value(x);
		char *end;
		long l = strtol(s, &end, 10);
		if (end != s && !*end)
			r = l;
	}
	jv_free(x);
	return r;
}

static void
read_google_details(jv body, struct errinfo *e)
{
	jv d = mlm_jpath(body, "error.details");
	if (!kind_is(d, JV_KIND_ARRAY)) {
		jv_free(d);
		return;
	}
	int n = jv_array_length(jv_copy(d));
	for (int i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(d), i);
		char t[128], b[128];
		jstr(x, "@type", t, sizeof t);
		if (strstr(t, "ErrorInfo") && !e->reason[0])
			jstr(x, "reason", e->reason, sizeof e->reason);
		if (strstr(t, "QuotaFailure")) {
			jv vs = mlm_jpath(x, "violations");
			int m = kind_is(vs, JV_KIND_ARRAY) ? jv_array_length(jv_copy(vs)) : 0;
			for (int j = 0; j < m; j++) {
				jv v = jv_array_get(jv_copy(vs), j);
				jstr(v, "quotaId", b, sizeof b);
				if (strstr(b, "PerDay"))
					e->perday = 1;
				if (strstr(b, "PerMinute"))
					e->perminute = 1;
				if (strstr(b, "Tokens") && strstr(b, "PerMinute"))
					e->tpm = 1;
				jstr(v, "quotaValue", b, sizeof b);
				if (!strcmp(b, "0"))
					e->zero = 1;
				jv_free(v);
			}
			jv_free(vs);
		}
		jv_free(x);
	}
	jv_free(d);
}

static void
read_errinfo(jv body, struct errinfo *e)
{
	char b[64];
	memset(e, 0, sizeof *e);
	e->cf = e->topcode = -1;
	jv err = mlm_jpath(body, "error");
	if (kind_is(err, JV_KIND_STRING)) {
		snprintf(e->msg, sizeof e->msg, "%s", jv_string_value(err));
	} else if (kind_is(err, JV_KIND_OBJECT)) {
		jv c = mlm_jpath(err, "code");
		e->code_is_str = kind_is(c, JV_KIND_STRING);
		jv_free(c);
		jstr(err, "code", e->code, sizeof e->code);
		jstr(err, "status", e->status, sizeof e->status);
		jstr(err, "type", e->type, sizeof e->type);
		jstr(err, "param", e->param, sizeof e->param);
		jstr(err, "message", e->msg, sizeof e->msg);
		jstr(err, "metadata.raw", e->raw, sizeof e->raw);
		jstr(err, "metadata.limit_source", b, sizeof b);
		if (strstr(b, "upstream") || strcasestr(e->raw, "rate-limited upstream"))
			e->openrouter_upstream = 1;
		jv r = mlm_jpath(err, "metadata.reasons");
		jv f = mlm_jpath(err, "metadata.flagged_input");
		e->moderation = !kind_is(r, JV_KIND_NULL) || !kind_is(f, JV_KIND_NULL);
		jv_free(r), jv_free(f);
		jstr(err, "details.error_code", e->detail_code, sizeof e->detail_code);
		read_google_details(body, e);
	}
	jv_free(err);
	jv ers = mlm_jpath(body, "errors.0");
	if (kind_is(ers, JV_KIND_OBJECT)) {
		e->cf = jlong(ers, "code", -1);
		if (!e->msg[0])
			jstr(ers, "message", e->msg, sizeof e->msg);
	}
	jv_free(ers);
	e->topcode = jlong(body, "code", -1);
	if (!e->msg[0])
		jstr(body, "message", e->msg, sizeof e->msg);
	if (!e->msg[0])
		jstr(body, "detail", e->msg, sizeof e->msg);
	if (!e->msg[0])
		jstr(body, "error.message", e->msg, sizeof e->msg);
	if (!e->type[0])
		jstr(body, "type", b, sizeof b);   /* Mistral long form carries .type */
}

static int
has(const char *s, const char *needle)
{
	return s && strcasestr(s, needle) != NULL;
}

/* Zhipu's string codes (providers.md §4). -1 when not a Zhipu code. */
static int
zhipu_kind(long c, int *per_day)
{
	if ((c >= 1000 && c <= 1005) || (c >= 1110 && c <= 1112) || c == 1120 || c == 1121)
		return MLM_AUTH;
	switch (c) {
	case 1113: case 1309: return MLM_NO_CREDIT;
	case 1210: case 1213: case 1214: case 1215: return MLM_INVALID_REQUEST;
	case 1211: case 1212: case 1220: case 1221: case 1222: case 1311:
		return MLM_NOT_FOUND;
	case 1230: case 1234: return MLM_SERVER;
	case 1261: return MLM_TOO_LARGE;
	case 1301: return MLM_BLOCKED;
	case 1302: case 1303: case 1313: return MLM_RATE_LIMITED;
	case 1304: case 1308: case 1310: *per_day = 1; return MLM_QUOTA_EXHAUSTED;
	case 1305: case 1312: return MLM_OVERLOADED;
	}
	return -1;
}

/* Cloudflare's errors[0].code (providers.md §3.3). -1 when unknown. */
static int
cloudflare_kind(long c, int *per_day)
{
	switch (c) {
	case 10000: case 3023: return MLM_AUTH;
	case 3036: case 4006: *per_day = 1; return MLM_QUOTA_EXHAUSTED;
	case 3040: return MLM_OVERLOADED;
	case 5007: case 3042: case 5016: case 5018: case 3041: return MLM_NOT_FOUND;
	case 3006: return MLM_TOO_LARGE;
	case 3007: case 3008: return MLM_SERVER;
	case 3003: return MLM_INVALID_REQUEST;
	}
	return -1;
}

static int
too_large_text(const struct errinfo *e)
{
	const char *m = e->msg;
	return !strcmp(e->code, "context_length_exceeded") ||
	    !strcmp(e->type, "exceed_context_size_error") ||
	    !strcmp(e->type, "request_too_large") ||
	    (has(m, "input token count") && has(m, "exceed")) ||
	    has(m, "maximum context length") || has(m, "context window") ||
	    has(m, "context size") || has(m, "context length") ||
	    has(m, "prompt is too long") || has(m, "request too large") ||
	    has(m, "too many tokens");
}

static int
unsupported_text(const char *m)
{
	return (has(m, "response_format") || has(m, "json_schema") || has(m, "schema") ||
	    has(m, "json mode") || has(m, "responseMimeType")) &&
	    (has(m, "not supported") || has(m, "unsupported") || has(m, "does not support") ||
	    has(m, "not available") || has(m, "not enabled"));
}

static int
classify_kind(long status, const struct errinfo *e, int *per_day)
{
	int k;
	long zc = -1;

	if (e->code_is_str && strlen(e->code) == 4 && isdigit((unsigned char)e->code[0]))
		zc = atol(e->code);
	if (zc >= 1000 && zc < 1400 && (k = zhipu_kind(zc, per_day)) >= 0)
		return k;
	if (e->cf >= 0 && (k = cloudflare_kind(e->cf, per_day)) >= 0)
		return k;
	if (e->topcode == 20012)
		return MLM_NOT_FOUND;

	/* markers that hold whatever the status */
	if (!strcmp(e->code, "insufficient_quota") || !strcmp(e->type, "insufficient_quota") ||
	    !strcmp(e->detail_code, "enforced_spend_limit_reached") ||
	    !strcmp(e->type, "billing_error"))
		return MLM_NO_CREDIT;
	if (!strcmp(e->reason, "API_KEY_INVALID") ||
	    !strcmp(e->code, "invalid_api_key") || !strcmp(e->type, "authentication_error") ||
	    !strcmp(e->type, "permission_error") || !strcmp(e->status, "PERMISSION_DENIED") ||
	    !strcmp(e->status, "UNAUTHENTICATED"))
		return MLM_AUTH;
	if (!strcmp(e->code, "model_not_found") || !strcmp(e->type, "not_found_error") ||
	    !strcmp(e->status, "NOT_FOUND"))
		return MLM_NOT_FOUND;
	if (e->openrouter_upstream)
		return MLM_OVERLOADED;
	if (!strcmp(e->type, "overloaded_error"))
		return MLM_OVERLOADED;

	if (status == 429) {
		if (e->perday || e->zero || has(e->msg, "limit: 0")) {
			*per_day = 1;
			return MLM_QUOTA_EXHAUSTED;
		}
		if (e->perminute)
			return MLM_RATE_LIMITED;
		if (has(e->msg, "free-models-per-day") || has(e->msg, "(RPD)") ||
		    has(e->msg, "(TPD)") || has(e->msg, "requests per day") ||
		    has(e->msg, "tokens per day") || has(e->msg, "per day") ||
		    has(e->msg, "daily")) {
			*per_day = 1;
			return MLM_QUOTA_EXHAUSTED;
		}
		if (too_large_text(e) && !has(e->msg, "rate limit reached"))
			return MLM_TOO_LARGE;
		return MLM_RATE_LIMITED;
	}
	if (too_large_text(e))
		return MLM_TOO_LARGE;
	if ((status == 400 || status == 422) && unsupported_text(e->msg) &&
	    (!e->param[0] || !strcmp(e->param, "response_format")))
		return MLM_UNSUPPORTED;
	if ((status == 400 || status == 422) && mlm_caps_refusal_text(e->msg))
		return MLM_UNSUPPORTED;    /* images to a text-only model (caps.c) */
	if (!strcmp(e->status, "FAILED_PRECONDITION"))
		return MLM_NOT_FOUND;      /* free tier not offered here: another model */

	switch (status) {
	case 401: return MLM_AUTH;
	case 402: return MLM_NO_CREDIT;
	case 403:
		return e->moderation || has(e->msg, "moderation") || has(e->msg, "flagged") ?
		    MLM_BLOCKED : MLM_AUTH;
	case 404: case 410: return MLM_NOT_FOUND;
	case 408: return MLM_SERVER;
	case 413: return MLM_TOO_LARGE;
	case 498: case 503: case 529: return MLM_OVERLOADED;
	}
	if (status >= 500 && status < 600)
		return MLM_SERVER;
	if (status >= 400 && status < 500)
		return MLM_INVALID_REQUEST;
	if (status >= 200 && status < 300)
		return MLM_BAD_RESPONSE;
	return MLM_SERVER;
}

void
mlm_classify_generic(long status, const mlm_headers *h, const char *body,
    size_t len, mlm_outcome *o)
{
	struct errinfo e;
	jv b = mlm_parse_body(body, len);
	if (kind_is(b, JV_KIND_ARRAY)) {
		jv x = jv_array_length(jv_copy(b)) > 0 ? jv_array_get(jv_copy(b), 0) : jv_null();
		jv_free(b);
		b = jv_is_valid(x) ? x : (jv_free(x), jv_null());
	}
	int parsed = jv_is_valid(b);
	if (!parsed) {
		jv_free(b);
		b = jv_null();
	}
	read_errinfo(b, &e);

	/* a 2xx carrying an error object (OpenRouter): its code is the status */
	long eff = status;
	if (status >= 200 && status < 300) {
		long c = jlong(b, "error.code", -1);
		if (c >= 400 && c < 600 && !e.code_is_str)
			eff = c;
		else if (e.msg[0] || e.code[0] || e.cf >= 0)
			eff = c >= 400 && c < 600 ? c : 500;
	}
	int per_day = 0;
	int kind = classify_kind(eff, &e, &per_day);
	if (!parsed && status >= 200 && status < 300)
		kind = MLM_BAD_RESPONSE;

	/* the message: the provider's own words, else the start of the body */
	char m[sizeof e.msg + sizeof e.raw + 4];
	if (e.msg[0] && e.raw[0] && !strstr(e.msg, e.raw))
		snprintf(m, sizeof m, "%s: %s", e.msg, e.raw);
	else if (e.msg[0])
		snprintf(m, sizeof m, "%s", e.msg);
	else if (e.status[0] || e.code[0])
		snprintf(m, sizeof m, "%s", e.status[0] ? e.status : e.code);
	else if (!parsed && body && len)
		snprintf(m, sizeof m, "%.*s", (int)(len < 300 ? len : 300), body);
	else
		m[0] = 0;
	/* keep the message valid text: no NULs cut it short, no binary */
	if (status >= 200 && status < 300 && eff != status)
		mlm_outcome_set(o, kind, status, "HTTP %ld (error %ld): %s", status, eff, m);
	else if (!parsed && status >= 200 && status < 300)
		mlm_outcome_set(o, kind, status, "HTTP %ld: unparseable body: %s", status, m);
	else if (m[0])
		mlm_outcome_set(o, kind, status, "HTTP %ld: %s", status, m);
	else
		mlm_outcome_set(o, kind, status, "HTTP %ld", status);
	o->per_day = per_day;
	o->retry_ms = hint(h, b, e.msg[0] ? e.msg : NULL, per_day);
	/* a limit on requests in flight, not on their rate: the scheduler
	 * learns how many go at once instead of cooling the owner */
	if (kind == MLM_RATE_LIMITED)
		o->conc = has(m, "concurren") || strstr(m, "\xe5\xb9\xb6\xe5\x8f\x91");   /* 并发 */
	jv_free(b);
}
