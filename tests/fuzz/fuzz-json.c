/* fuzz-json.c — libFuzzer target, differential: any bytes as an OpenAI-wire
 * answer, read through the token tape and through libjq alone, must give
 * the same result (return, text, finish reason, usage, kind, message); and
 * whatever libjq parses, mlm_json_dump must write as jv_dump_string does. */
#include <stdlib.h>
#include <string.h>

#include "mlm.h"

const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:jv_parser_next\n";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	mlm_entry e;
	memset(&e, 0, sizeof e);
	e.id = (char *)"f:e";
	e.provider = (char *)"openai";
	e.wire = MLM_WIRE_OPENAI;
	e.model = (char *)"m";
	e.base_url = (char *)"http://x";
	mlm_answer a[2];
	mlm_outcome o[2];
	int r[2];
	for (int k = 0; k < 2; k++) {
		mlm_json_fast_off = k;
		memset(&o[k], 0, sizeof o[k]);
		mlm_answer_init(&a[k]);
		r[k] = mlm_adapter_get(MLM_WIRE_OPENAI)->parse(&e, s, size, &a[k], &o[k]);
	}
	mlm_json_fast_off = 0;
	if (r[0] != r[1] || a[0].text.len != a[1].text.len ||
	    (a[0].text.len && memcmp(a[0].text.p, a[1].text.p, a[0].text.len)) ||
	    strcmp(a[0].finish, a[1].finish) || a[0].in_tok != a[1].in_tok ||
	    a[0].out_tok != a[1].out_tok || a[0].done != a[1].done ||
	    (r[0] && (o[0].kind != o[1].kind || strcmp(o[0].msg, o[1].msg))))
		abort();
	mlm_answer_free(&a[0]);
	mlm_answer_free(&a[1]);

	if (size && size < (1u << 20)) {
		jv x = jv_parse_sized(s, (int)size);
		if (jv_is_valid(x)) {
			jv want = jv_dump_string(jv_copy(x), 0);
			mlm_buf b = { 0 };
			if (mlm_json_dump(&b, x) == 0 && strcmp(b.p ? b.p : "", jv_string_value(want)))
				abort();
			mlm_buf_free(&b);
			jv_free(want);
		}
		jv_free(x);
	}
	return 0;
}
