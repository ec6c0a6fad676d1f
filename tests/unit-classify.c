/* unit-classify.c — the error classifier's finer rules, each at the case
 * that tells it apart: an error code alone decides no_credit (whatever the
 * type), a free tier of zero is a daily quota even on a per-minute quota
 * id, a 429 that says "rate limit reached" stays a rate limit though it
 * speaks of too many tokens, and OpenRouter's reset time in epoch seconds
 * is a wait of seconds, not a time long past. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../lib/mlm.h"
#include "tap.h"

static mlm_outcome
cl(long st, const char *body)
{
	mlm_outcome o;
	memset(&o, 0, sizeof o);
	mlm_classify_generic(st, NULL, body, strlen(body), &o);
	return o;
}

int
main(void)
{
	static const struct { long st; const char *body; int kind, per_day; const char *what; } c[] = {
		{ 429, "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"requests\","
		  "\"code\":\"insufficient_quota\"}}", MLM_NO_CREDIT, 0,
		  "code insufficient_quota, another type: no_credit" },
		{ 429, "{\"error\":{\"message\":\"quota\",\"type\":\"insufficient_quota\"}}", MLM_NO_CREDIT, 0,
		  "type insufficient_quota: no_credit" },
		{ 429, "{\"error\":{\"code\":429,\"message\":\"Quota exceeded for metric generate_content_free_tier_requests\","
		  "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\","
		  "\"violations\":[{\"quotaId\":\"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\",\"quotaValue\":\"0\"}]}]}}",
		  MLM_QUOTA_EXHAUSTED, 1, "Gemini per-minute quota of 0 (no free tier): quota_exhausted, per day" },
		{ 429, "{\"error\":{\"code\":429,\"message\":\"Quota exceeded\",\"status\":\"RESOURCE_EXHAUSTED\","
		  "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\","
		  "\"violations\":[{\"quotaId\":\"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\",\"quotaValue\":\"15\"}]}]}}",
		  MLM_RATE_LIMITED, 0, "Gemini per-minute quota of 15: rate_limited" },
		{ 429, "{\"error\":{\"message\":\"Rate limit reached for model m on tokens per minute (TPM): Limit 6000, "
		  "Used 5900, Requested 300. Too many tokens in the last minute, try again in 1s.\",\"type\":\"tokens\"}}",
		  MLM_RATE_LIMITED, 0, "429 'rate limit reached' with 'too many tokens': rate_limited" },
		{ 429, "{\"error\":{\"message\":\"Request too large for model m on tokens per minute (TPM): Limit 6000, "
		  "Requested 9000.\",\"type\":\"tokens\"}}", MLM_TOO_LARGE, 0, "429 'request too large': too_large" },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		mlm_outcome o = cl(c[i].st, c[i].body);
		ok(o.kind == c[i].kind && o.per_day == c[i].per_day, "%s (got %s/%d: %s)", c[i].what,
		    mlm_kind_name(o.kind), o.per_day, o.msg);
	}

	/* OpenRouter's X-RateLimit-Reset: epoch ms, or epoch seconds */
	char b[512];
	long long now_s = (long long)time(NULL);
	snprintf(b, sizeof b, "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded: limit_rpm/m\","
	    "\"metadata\":{\"headers\":{\"X-RateLimit-Limit\":\"20\",\"X-RateLimit-Remaining\":\"0\","
	    "\"X-RateLimit-Reset\":\"%lld\"}}}}", now_s + 100);
	mlm_outcome o = cl(429, b);
	ok(o.retry_ms > 90000 && o.retry_ms <= 101000, "OpenRouter reset in epoch seconds, 100 s ahead: a wait of ~100 s (%lld ms)",
	    (long long)o.retry_ms);
	snprintf(b, sizeof b, "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded: limit_rpm/m\","
	    "\"metadata\":{\"headers\":{\"X-RateLimit-Limit\":\"20\",\"X-RateLimit-Remaining\":\"0\","
	    "\"X-RateLimit-Reset\":\"%lld\"}}}}", (now_s + 100) * 1000);
	o = cl(429, b);
	ok(o.retry_ms > 90000 && o.retry_ms <= 101000, "OpenRouter reset in epoch ms, 100 s ahead: a wait of ~100 s (%lld ms)",
	    (long long)o.retry_ms);
	return tap_done();
}
