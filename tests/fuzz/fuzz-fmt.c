/* fuzz-fmt.c — libFuzzer target for llm-fmt's library: schema parsing (DSL,
 * JSON Schema, C), lowering, extraction with every level and tier, and every
 * emitter over what validates.
 *
 * Input: byte 0 picks options; then a schema text up to the first NUL (or,
 * when byte 0 says so, one of a few fixed schemas), then the model text.
 * Invariants: no crash, no leak, no sanitizer report; a parsed DSL schema
 * prints back as DSL that parses to the same JSON Schema; a value that
 * extraction accepts validates again to itself.
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ilib \
 *     tests/fuzz/fuzz-fmt.c lib/fmt-*.c lib/adapter-*-schema.c lib/util.c \
 *     -ljq -lonig -lm -o tests/fuzz/fuzz-fmt
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

static const char *const fixed[] = {
	"name, age int, tags [str], address {street, city, zip str?}?, role admin|user",
	"a int 0..10, b float?, c bool, d date?, e any, f [[int]], g \"x y\"|2",
	"[n, v float?]",
	"{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"maxLength\":3},"
	    "\"n\":{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"null\"}]}},\"required\":[\"s\"]}",
	"struct p { const char *name; const char *const *tags; size_t tags_count; bool has_n; long long n; };",
	"s",
	"x any",
	"jobs [company, years int?], \"odd key\" str ..5",
};

static void
emit_all(const mlm_schema *s, jv v, int multi)
{
	char err[MLM_ERRLEN];
	const mlm_schema *item = s;
	if (!multi && s->type == MLM_ST_ARRAY)
		item = s->items;
	for (int to = 0; to < MLM_TO__N; to++) {
		for (int nul = 0; nul < 2; nul++) {
			mlm_emit_opts eo = {0};
			eo.to = to;
			eo.c_nul = nul;
			eo.header = 1;
			mlm_emitter *e = mlm_fmt_emitter_new(to == MLM_TO_JSON ? s : item, &eo, err, sizeof err);
			if (!e)
				continue;
			mlm_buf b = {0};
			mlm_fmt_emit_begin(e, &b, err, sizeof err);
			if ((multi || item != s) && jv_get_kind(v) == JV_KIND_ARRAY && to != MLM_TO_JSON) {
				jv_array_foreach(v, k, x) {
					mlm_fmt_emit_value(e, x, &b, err, sizeof err);
					jv_free(x);
				}
			} else
				mlm_fmt_emit_value(e, v, &b, err, sizeof err);
			mlm_fmt_emit_end(e, &b, err, sizeof err);
			mlm_buf_free(&b);
			mlm_fmt_emitter_free(e);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[MLM_ERRLEN];
	if (size < 1)
		return 0;
	unsigned op = data[0];
	data++, size--;
	char *spec;
	const uint8_t *text;
	size_t tlen;
	if (op & 0x80) {
		const uint8_t *z = memchr(data, 0, size);
		size_t sl = z ? (size_t)(z - data) : size;
		spec = mlm_strndup((const char *)data, sl);
		text = z ? z + 1 : data + size;
		tlen = z ? size - sl - 1 : 0;
	} else {
		spec = strdup(fixed[op % (sizeof fixed / sizeof fixed[0])]);
		text = data;
		tlen = size;
	}
	mlm_schema *s = mlm_schema_parse(spec, err, sizeof err);
	if (s) {
		jv_free(mlm_schema_jsonschema(s));
		jv_free(mlm_schema_openai(s));
		jv_free(mlm_schema_gemini(s));
		char *d = mlm_schema_dsl(s);
		/* the DSL of a DSL schema parses back to the same schema */
		if (spec[strspn(spec, " \t\r\n")] != '{' && strncmp(spec + strspn(spec, " \t\r\n"), "struct", 6)) {
			mlm_schema *b = mlm_schema_parse_dsl(d, err, sizeof err);
			if (b) {
				if (!jv_equal(mlm_schema_jsonschema(s), mlm_schema_jsonschema(b)))
					abort();
				mlm_schema_free(b);
			}
		}
		free(d);
		mlm_fmt_opts o = {0};
		o.level = (op >> 1) % 3;
		o.repair = (op >> 3) % 3;
		o.multi = (op >> 5) & 1;
		o.extra = (op >> 6) & 1 ? MLM_FMT_EXTRA_KEEP : MLM_FMT_EXTRA_DROP;
		jv out, diag;
		int r = mlm_fmt_extract(s, (const char *)text, tlen, &o, &out, &diag, err, sizeof err);
		if (r == 0) {
			/* what was accepted validates again, unchanged */
			jv again = jv_invalid(), d2 = jv_invalid();
			mlm_fmt_opts o2 = o;
			o2.level = MLM_FMT_STRICT;
			o2.extra = MLM_FMT_EXTRA_KEEP;
			if (o.extra == MLM_FMT_EXTRA_DROP && mlm_fmt_validate(s, jv_copy(out), &o2, &again, &d2, err, sizeof err) == 0) {
				if (!jv_equal(jv_copy(again), jv_copy(out)))
					abort();
			}
			jv_free(again);
			jv_free(d2);
			emit_all(s, out, o.multi);
		}
		jv_free(out);
		jv_free(diag);
		mlm_schema_free(s);
	}
	jv out, diag;
	mlm_fmt_repair((const char *)text, tlen, (op >> 3) % 3, &out, &diag, err, sizeof err);
	jv_free(out);
	jv_free(diag);
	free(spec);
	return 0;
}
