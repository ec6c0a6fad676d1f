/* fuzz-adapters.c — libFuzzer target: any bytes as a whole answer, a stream
 * event, an error body with headers, and a neutral request, through every
 * adapter. Checks the outcome invariants (a known kind, a one-line message). */
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "jq-leak.h"

static void
check_outcome(const mlm_outcome *o)
{
	if (o->kind < 0 || o->kind >= MLM_KIND__N)
		abort();
	size_t n = strnlen(o->msg, sizeof o->msg);
	if (n >= sizeof o->msg || memchr(o->msg, '\n', n) || memchr(o->msg, '\r', n))
		abort();
	if (o->per_day != 0 && o->per_day != 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 400, 401, 402, 403, 404, 408, 410, 413, 422,
		429, 500, 502, 503, 504, 529 };
	if (size < 1)
		return 0;
	long status = statuses[data[0] % (sizeof statuses / sizeof *statuses)];
	const char *body = (const char *)data + 1;
	size_t len = size - 1;

	/* headers: the body's first lines, when they look like headers */
	mlm_headers h;
	memset(&h, 0, sizeof h);
	size_t off = 0;
	for (int i = 0; i < 4 && off < len; i++) {
		const char *nl = memchr(body + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - body - off) : len - off;
		mlm_headers_add_line(&h, body + off, l);
		off += l + (nl != NULL);
	}

	for (int w = 0; w < MLM_WIRE__N; w++) {
		const mlm_adapter *ad = mlm_adapter_get(w);
		static const char *const provs[] = { "openai", "zhipu", "gemini", "cloudflare" };
		mlm_entry e;
		memset(&e, 0, sizeof e);
		e.id = (char *)"fuzz";
		e.provider = (char *)provs[(data[0] >> 4) % 4];
		e.wire = w;
		e.model = (char *)"m";
		e.base_url = (char *)"http://127.0.0.1:1/v1/";
		mlm_outcome o;
		mlm_answer a;

		memset(&o, 0, sizeof o);
		mlm_answer_init(&a);
		if (ad->parse(&e, body, len, &a, &o) < 0)
			check_outcome(&o);
		mlm_answer_free(&a);

		memset(&o, 0, sizeof o);
		mlm_answer_init(&a);
		int r = ad->event(&e, "", body, len, &a, &o);
		if (r < -1 || r > 1)
			abort();
		if (r < 0)
			check_outcome(&o);
		mlm_answer_free(&a);

		memset(&o, 0, sizeof o);
		ad->classify(&e, status, &h, body, len, &o);
		check_outcome(&o);
		if (o.status != status)
			abort();

		if (len < 65536) {
			char *t = mlm_strndup(body, len);
			jv req = t ? jv_parse_sized(t, (int)len) : jv_invalid();
			free(t);
			if (jv_is_valid(req)) {
				mlm_httpreq hr;
				char err[MLM_ERRLEN];
				if (ad->build(&e, "KEY", req, data[0] & 1, &hr, err, sizeof err) == 0) {
					if (!hr.url || !hr.body || !hr.hdr[0])
						abort();
					jv b = jv_parse(hr.body);
					if (!jv_is_valid(b))
						abort();
					jv_free(b);
					mlm_httpreq_free(&hr);
				}
			}
			jv_free(req);
		}
	}
	char *text = mlm_strndup(body, len);
	jv j = text && len < 65536 ? jv_parse_sized(text, (int)len) : jv_invalid();
	(void)mlm_retry_hint(&h, j, text);
	(void)mlm_retry_hint(&h, j, NULL);
	free(text);
	jv_free(j);
	mlm_headers_free(&h);
	return 0;
}
