/* unit-validate.c — llm-fmt's validation at every bound: values exactly at,
 * just inside and just outside each inclusive and exclusive limit
 * (minimum, maximum, exclusiveMinimum, exclusiveMaximum in both drafts'
 * forms, minLength, maxLength in characters, minItems, maxItems), from JSON
 * Schema and from the DSL's ranges, at the strict level (no coercion). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/tap.h"
#include "fmt.h"

/* 1 if value (JSON text) validates against spec; the error's code in code */
static int
valid(const char *spec, const char *value, char *msg, size_t ml)
{
	char err[MLM_ERRLEN];
	msg[0] = 0;
	mlm_schema *s = mlm_schema_parse(spec, err, sizeof err);
	if (!s) {
		snprintf(msg, ml, "schema: %.400s", err);
		return -1;
	}
	mlm_fmt_opts o = { 0 };
	o.level = MLM_FMT_STRICT;
	o.repair = MLM_FMT_REPAIR_NONE;
	jv out, diag;
	int r = mlm_fmt_validate(s, jv_parse(value), &o, &out, &diag, err, sizeof err);
	if (r < 0)
		snprintf(msg, ml, "%s", err);
	jv_free(out);
	jv_free(diag);
	mlm_schema_free(s);
	return r == 0;
}

static const struct { const char *spec, *value; int ok; const char *word; } cases[] = {
	/* inclusive minimum and maximum, integers */
	{ "{\"type\":\"integer\",\"minimum\":1}", "1", 1, NULL },
	{ "{\"type\":\"integer\",\"minimum\":1}", "0", 0, "minimum" },
	{ "{\"type\":\"integer\",\"minimum\":1}", "2", 1, NULL },
	{ "{\"type\":\"integer\",\"maximum\":10}", "10", 1, NULL },
	{ "{\"type\":\"integer\",\"maximum\":10}", "11", 0, "maximum" },
	{ "{\"type\":\"integer\",\"minimum\":-5,\"maximum\":-5}", "-5", 1, NULL },
	{ "{\"type\":\"integer\",\"minimum\":-5,\"maximum\":-5}", "-4", 0, "maximum" },
	{ "{\"type\":\"integer\",\"minimum\":-5,\"maximum\":-5}", "-6", 0, "minimum" },
	{ "{\"type\":\"integer\",\"minimum\":0}", "0", 1, NULL },
	/* numbers: at the bound, and a hair either side */
	{ "{\"type\":\"number\",\"minimum\":0.5}", "0.5", 1, NULL },
	{ "{\"type\":\"number\",\"minimum\":0.5}", "0.4999999", 0, "minimum" },
	{ "{\"type\":\"number\",\"maximum\":2.5}", "2.5", 1, NULL },
	{ "{\"type\":\"number\",\"maximum\":2.5}", "2.5000001", 0, "maximum" },
	/* exclusive bounds, 2020-12 (numeric) */
	{ "{\"type\":\"number\",\"exclusiveMinimum\":1}", "1", 0, "minimum" },
	{ "{\"type\":\"number\",\"exclusiveMinimum\":1}", "1.0000001", 1, NULL },
	{ "{\"type\":\"number\",\"exclusiveMaximum\":10}", "10", 0, "maximum" },
	{ "{\"type\":\"number\",\"exclusiveMaximum\":10}", "9.9999999", 1, NULL },
	{ "{\"type\":\"integer\",\"exclusiveMinimum\":1}", "2", 1, NULL },
	{ "{\"type\":\"integer\",\"exclusiveMaximum\":1}", "0", 1, NULL },
	{ "{\"type\":\"integer\",\"exclusiveMaximum\":1}", "1", 0, "maximum" },
	/* draft 4 (boolean beside minimum/maximum) */
	{ "{\"type\":\"number\",\"minimum\":1,\"exclusiveMinimum\":true}", "1", 0, "minimum" },
	{ "{\"type\":\"number\",\"minimum\":1,\"exclusiveMinimum\":true}", "1.5", 1, NULL },
	{ "{\"type\":\"number\",\"maximum\":1,\"exclusiveMaximum\":true}", "1", 0, "maximum" },
	{ "{\"type\":\"number\",\"minimum\":1,\"exclusiveMinimum\":false}", "1", 1, NULL },
	/* both forms at once: both hold, whichever is stricter */
	{ "{\"type\":\"integer\",\"minimum\":5,\"exclusiveMinimum\":1}", "3", 0, "minimum" },
	{ "{\"type\":\"integer\",\"minimum\":5,\"exclusiveMinimum\":1}", "5", 1, NULL },
	{ "{\"type\":\"integer\",\"minimum\":1,\"exclusiveMinimum\":5}", "5", 0, "minimum" },
	{ "{\"type\":\"integer\",\"maximum\":2,\"exclusiveMaximum\":10}", "3", 0, "maximum" },
	{ "{\"type\":\"integer\",\"maximum\":2,\"exclusiveMaximum\":10}", "2", 1, NULL },
	{ "{\"type\":\"integer\",\"maximum\":10,\"exclusiveMaximum\":2}", "2", 0, "maximum" },
	/* string lengths, in characters */
	{ "{\"type\":\"string\",\"minLength\":2}", "\"ab\"", 1, NULL },
	{ "{\"type\":\"string\",\"minLength\":2}", "\"a\"", 0, "shorter" },
	{ "{\"type\":\"string\",\"maxLength\":3}", "\"abc\"", 1, NULL },
	{ "{\"type\":\"string\",\"maxLength\":3}", "\"abcd\"", 0, "longer" },
	{ "{\"type\":\"string\",\"maxLength\":3}", "\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\"", 1, NULL },
	{ "{\"type\":\"string\",\"maxLength\":3}", "\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9ex\"", 0, "longer" },
	{ "{\"type\":\"string\",\"minLength\":3}", "\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\"", 1, NULL },
	{ "{\"type\":\"string\",\"minLength\":0,\"maxLength\":0}", "\"\"", 1, NULL },
	{ "{\"type\":\"string\",\"minLength\":0,\"maxLength\":0}", "\"a\"", 0, "longer" },
	/* array sizes */
	{ "{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1}", "[7]", 1, NULL },
	{ "{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1}", "[]", 0, "at least" },
	{ "{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"maxItems\":2}", "[1,2]", 1, NULL },
	{ "{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"maxItems\":2}", "[1,2,3]", 0, "at most" },
	{ "{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":2,\"maxItems\":2}", "[1,2]", 1, NULL },
	{ "{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":2,\"maxItems\":2}", "[1]", 0, "at least" },
	/* the DSL's ranges are inclusive at both ends */
	{ "a int 1..5", "{\"a\":1}", 1, NULL },
	{ "a int 1..5", "{\"a\":5}", 1, NULL },
	{ "a int 1..5", "{\"a\":0}", 0, "minimum" },
	{ "a int 1..5", "{\"a\":6}", 0, "maximum" },
	{ "a float 0..1", "{\"a\":1.0}", 1, NULL },
	{ "a float 0..1", "{\"a\":1.001}", 0, "maximum" },
	{ "a str 2..3", "{\"a\":\"ab\"}", 1, NULL },
	{ "a str 2..3", "{\"a\":\"abc\"}", 1, NULL },
	{ "a str 2..3", "{\"a\":\"abcd\"}", 0, "longer" },
	{ "a str 2..3", "{\"a\":\"a\"}", 0, "shorter" },
	{ "a [int] 1..2", "{\"a\":[1,2]}", 1, NULL },
	{ "a [int] 1..2", "{\"a\":[]}", 0, "at least" },
	{ "a int 1..", "{\"a\":1}", 1, NULL },
	{ "a int ..1", "{\"a\":1}", 1, NULL },
	{ "a int ..1", "{\"a\":2}", 0, "maximum" },
};

int
main(void)
{
	char msg[MLM_ERRLEN];
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int r = valid(cases[i].spec, cases[i].value, msg, sizeof msg);
		if (cases[i].ok)
			ok(r == 1, "%s: %s is valid (%s)", cases[i].spec, cases[i].value, msg[0] ? msg : "ok");
		else
			ok(r == 0 && strstr(msg, cases[i].word), "%s: %s is refused, the error says %s (%s)",
			    cases[i].spec, cases[i].value, cases[i].word, msg);
	}
	return tap_done();
}
