/* unit-fmt.c — llm-fmt's library: schema parsers, lowering, repair,
 * validation, emitters, and the corpus of messy model outputs
 * (tests/fmt-corpus/cases.ndjson, written by gen.py next to it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/tap.h"
#include "fmt.h"

static char err[MLM_ERRLEN];

/* the JSON Schema of a spec, compact, or "ERR: message" */
static char *
js(const char *spec)
{
	static char out[4096];
	mlm_schema *s = mlm_schema_parse(spec, err, sizeof err);
	if (!s) {
		snprintf(out, sizeof out, "ERR: %s", err);
		return out;
	}
	jv j = jv_dump_string(mlm_schema_jsonschema(s), 0);
	snprintf(out, sizeof out, "%s", jv_string_value(j));
	jv_free(j);
	mlm_schema_free(s);
	return out;
}

static char *
lowered(const char *spec, int which)
{
	static char out[4096];
	mlm_schema *s = mlm_schema_parse(spec, err, sizeof err);
	if (!s) {
		snprintf(out, sizeof out, "ERR: %s", err);
		return out;
	}
	jv j = jv_dump_string(which == 1 ? mlm_schema_openai(s) : mlm_schema_gemini(s), 0);
	snprintf(out, sizeof out, "%s", jv_string_value(j));
	jv_free(j);
	mlm_schema_free(s);
	return out;
}

static void
test_dsl(void)
{
	/* exactly llm's output for llm's DSL */
	is_str(js("name, age int"),
	    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"age\":{\"type\":\"integer\"}},\"required\":[\"name\",\"age\"]}",
	    "llm DSL: name, age int");
	is_str(js("name: the person's name, age int: their age, bio: a short bio"),
	    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"description\":\"the person's name\"},"
	    "\"age\":{\"type\":\"integer\",\"description\":\"their age\"},\"bio\":{\"type\":\"string\",\"description\":\"a short bio\"}},"
	    "\"required\":[\"name\",\"age\",\"bio\"]}",
	    "llm DSL: descriptions");
	is_str(js("name: the name, with a comma\nscore float: 0 to 1, inclusive\n"),
	    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"description\":\"the name, with a comma\"},"
	    "\"score\":{\"type\":\"number\",\"description\":\"0 to 1, inclusive\"}},\"required\":[\"name\",\"score\"]}",
	    "llm DSL: newline mode keeps commas in descriptions");
	is_str(js("ok bool, n float, s str"),
	    "{\"type\":\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"},\"n\":{\"type\":\"number\"},\"s\":{\"type\":\"string\"}},"
	    "\"required\":[\"ok\",\"n\",\"s\"]}", "llm DSL: bool float str");
	/* our additions */
	is_str(js("tags [str], zip str?"),
	    "{\"type\":\"object\",\"properties\":{\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
	    "\"zip\":{\"type\":[\"string\",\"null\"]}},\"required\":[\"tags\"]}", "arrays and optionals");
	is_str(js("address {street, city}"),
	    "{\"type\":\"object\",\"properties\":{\"address\":{\"type\":\"object\",\"properties\":{\"street\":{\"type\":\"string\"},"
	    "\"city\":{\"type\":\"string\"}},\"required\":[\"street\",\"city\"]}},\"required\":[\"address\"]}", "nested object");
	is_str(js("jobs [company, years int]"),
	    "{\"type\":\"object\",\"properties\":{\"jobs\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":"
	    "{\"company\":{\"type\":\"string\"},\"years\":{\"type\":\"integer\"}},\"required\":[\"company\",\"years\"]}}},"
	    "\"required\":[\"jobs\"]}", "array of objects");
	is_str(js("role admin|user"),
	    "{\"type\":\"object\",\"properties\":{\"role\":{\"type\":\"string\",\"enum\":[\"admin\",\"user\"]}},\"required\":[\"role\"]}",
	    "enum");
	is_str(js("role admin|user?"),
	    "{\"type\":\"object\",\"properties\":{\"role\":{\"type\":[\"string\",\"null\"],\"enum\":[\"admin\",\"user\",null]}},\"required\":[]}",
	    "nullable enum");
	is_str(js("age int 0..150, bio str ..280, tags [str] 1..5"),
	    "{\"type\":\"object\",\"properties\":{\"age\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":150},"
	    "\"bio\":{\"type\":\"string\",\"maxLength\":280},\"tags\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":5,"
	    "\"items\":{\"type\":\"string\"}}},\"required\":[\"age\",\"bio\",\"tags\"]}", "ranges");
	is_str(js("lang = \"en\""),
	    "{\"type\":\"object\",\"properties\":{\"lang\":{\"type\":\"string\",\"default\":\"en\"}},\"required\":[\"lang\"]}", "default");
	is_str(js("when datetime, d date, e email"),
	    "{\"type\":\"object\",\"properties\":{\"when\":{\"type\":\"string\",\"format\":\"date-time\"},\"d\":{\"type\":\"string\","
	    "\"format\":\"date\"},\"e\":{\"type\":\"string\",\"format\":\"email\"}},\"required\":[\"when\",\"d\",\"e\"]}", "formats");
	is_str(js("stars 1|2|3"),
	    "{\"type\":\"object\",\"properties\":{\"stars\":{\"type\":\"integer\",\"enum\":[1,2,3]}},\"required\":[\"stars\"]}",
	    "numeric enum");
	is_str(js("[name]"),
	    "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"]}}",
	    "array root");
	is_str(js("\"first name\", x int"),
	    "{\"type\":\"object\",\"properties\":{\"first name\":{\"type\":\"string\"},\"x\":{\"type\":\"integer\"}},"
	    "\"required\":[\"first name\",\"x\"]}", "quoted field name");
	is_str(js("# people\nname\n# age in years\nage int\n"),
	    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"age\":{\"type\":\"integer\"}},\"required\":[\"name\",\"age\"]}",
	    "comment lines in newline mode");
	is_str(js("address {\n  street: the street\n  city\n}: where"),
	    "{\"type\":\"object\",\"properties\":{\"address\":{\"type\":\"object\",\"description\":\"where\",\"properties\":"
	    "{\"street\":{\"type\":\"string\",\"description\":\"the street\"},\"city\":{\"type\":\"string\"}},"
	    "\"required\":[\"street\",\"city\"]}},\"required\":[\"address\"]}", "multi-line block");
	/* errors name the position */
	is_str(js("name, age years"), "ERR: column 11: unknown type \"years\" (types: str int float bool any date datetime "
	    "email uri uuid, [T], {fields}, a|b enums)", "unknown type word is an error with a column");
	is_str(js("name\nage integr"), "ERR: line 2, column 5: unknown type \"integr\" (types: str int float bool any date "
	    "datetime email uri uuid, [T], {fields}, a|b enums)", "line and column in newline mode");
	is_str(js(" : description"), "ERR: column 2: expected a field name", "empty name (llm: IndexError)");
	is_str(js("a, a int"), "ERR: column 4: field \"a\" defined twice", "duplicate field");
	is_str(js("a {b, c"), "ERR: column 8: missing '}'", "unclosed brace");
	is_str(js("a [str"), "ERR: column 7: missing ']'", "unclosed bracket");
	is_str(js("a int 5..1"), "ERR: column 7: empty range \"5..1\"", "empty range");
	is_str(js("a bool 1..2"), "ERR: column 8: a range needs a number, string or array type", "range on bool");
	is_str(js("a = nope"), "ERR: column 5: bad default (write it as JSON, e.g. = \"en\")", "bad default");
	is_str(js(""), "ERR: column 1: no fields", "empty spec");
	is_str(js("r a|a"), "ERR: column 5: enum value repeated", "repeated enum value");

	/* DSL round trip: dsl(parse(x)) means the same */
	const char *rt[] = {
		"name: the name, age int 0..150?, tags [str] ..3, addr {street, zip str?}?, role \"a b\"|c, "
		    "jobs [co, yrs int?], m any, when datetime, lang = \"en\": language, s 1|2",
		"[name, n float]",
		"\"odd key\": \"has, a comma\"",
		NULL
	};
	for (int i = 0; rt[i]; i++) {
		mlm_schema *a = mlm_schema_parse(rt[i], err, sizeof err);
		ok(a != NULL, "round trip %d parses: %s", i, a ? "" : err);
		if (!a)
			continue;
		char *d = mlm_schema_dsl(a);
		mlm_schema *b = mlm_schema_parse(d, err, sizeof err);
		ok(b != NULL, "round trip %d: DSL output parses back (%s)", i, b ? d : err);
		if (b) {
			jv ja = mlm_schema_jsonschema(a), jb = mlm_schema_jsonschema(b);
			ok(jv_equal(ja, jb), "round trip %d: same JSON Schema", i);
			mlm_schema_free(b);
		}
		free(d);
		mlm_schema_free(a);
	}
}

static void
test_jsonschema(void)
{
	is_str(js("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"pattern\":\"^x\"}}}"),
	    "ERR: $.properties.a: unsupported keyword \"pattern\" (llm-fmt would not enforce it)", "pattern refused with its path");
	is_str(js("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"strin\"}}}"),
	    "ERR: $.properties.a: unknown type \"strin\"", "unknown type");
	is_str(js("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/B\"}}}"),
	    "ERR: $.properties.a: $ref \"#/$defs/B\" not found", "missing $ref");
	is_str(js("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#\"}}}"),
	    "ERR: $.properties.a: recursive $ref \"#\" is not supported", "recursive $ref");
	is_str(js("{\"type\":\"object\",\"required\":[\"x\"],\"properties\":{}}"),
	    "ERR: $: required \"x\" is not among the properties", "required without property");
	is_str(js("{\"type\": \"object\", "), "ERR: JSON Schema: line 1, column 20: unexpected end of text",
	    "bad JSON names the place");
	is_str(js("{\"properties\":{\"a\":{\"type\":[\"integer\",\"null\"],\"description\":\"d\"}},\"required\":[\"a\"],"
	    "\"additionalProperties\":false}"),
	    "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":[\"integer\",\"null\"],\"description\":\"d\"}},"
	    "\"required\":[\"a\"],\"additionalProperties\":false}", "JSON Schema in, the same out");
	is_str(js("{\"type\":\"object\",\"properties\":{\"a\":{\"allOf\":[{\"$ref\":\"#/definitions/X\"}],\"description\":\"dd\"}},"
	    "\"definitions\":{\"X\":{\"enum\":[\"p\",\"q\"]}}}"),
	    "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"enum\":[\"p\",\"q\"],\"description\":\"dd\"}},\"required\":[]}",
	    "pydantic-style allOf/$ref/definitions");
}

static void
test_lowering(void)
{
	is_str(lowered("name, zip str?, bio str ..280, lang = \"en\"", 1),
	    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"zip\":{\"type\":[\"string\",\"null\"]},"
	    "\"bio\":{\"type\":\"string\",\"description\":\"(maxLength: 280)\"},\"lang\":{\"type\":\"string\","
	    "\"description\":\"(default: \\\"en\\\")\"}},\"required\":[\"name\",\"zip\",\"bio\",\"lang\"],\"additionalProperties\":false}",
	    "openai: every key required, optional nullable, unsupported keywords in the description");
	is_str(lowered("[name]", 1),
	    "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":"
	    "{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"],\"additionalProperties\":false}}},\"required\":[\"items\"],"
	    "\"additionalProperties\":false}", "openai: array root wrapped in items");
	is_str(lowered("name, zip str?, role a|b, n int 1..3, s 1|2", 2),
	    "{\"type\":\"OBJECT\",\"properties\":{\"name\":{\"type\":\"STRING\"},\"zip\":{\"type\":\"STRING\",\"nullable\":true},"
	    "\"role\":{\"type\":\"STRING\",\"enum\":[\"a\",\"b\"]},\"n\":{\"type\":\"INTEGER\",\"minimum\":1,\"maximum\":3},"
	    "\"s\":{\"type\":\"STRING\",\"enum\":[\"1\",\"2\"]}},\"required\":[\"name\",\"role\",\"n\",\"s\"],"
	    "\"propertyOrdering\":[\"name\",\"zip\",\"role\",\"n\",\"s\"]}",
	    "gemini: upper-case types, nullable, propertyOrdering, enums as strings");
	/* formats: OpenAI strict mode takes all but uri, Gemini only date-time;
	 * the others, like a default OpenAI cannot take, go into the description */
	is_str(lowered("when datetime, site uri?: home page, d date = \"2024-01-01\"", 1),
	    "{\"type\":\"object\",\"properties\":{\"when\":{\"type\":\"string\",\"format\":\"date-time\"},"
	    "\"site\":{\"type\":[\"string\",\"null\"],\"description\":\"home page (format: uri)\"},"
	    "\"d\":{\"type\":\"string\",\"format\":\"date\",\"description\":\"(default: \\\"2024-01-01\\\")\"}},"
	    "\"required\":[\"when\",\"site\",\"d\"],\"additionalProperties\":false}",
	    "openai: uri format and default as notes in the description");
	is_str(lowered("when datetime, site uri?: home page, d date = \"2024-01-01\"", 2),
	    "{\"type\":\"OBJECT\",\"properties\":{\"when\":{\"type\":\"STRING\",\"format\":\"date-time\"},"
	    "\"site\":{\"type\":\"STRING\",\"nullable\":true,\"description\":\"home page (format: uri)\"},"
	    "\"d\":{\"type\":\"STRING\",\"default\":\"2024-01-01\",\"description\":\"(format: date)\"}},"
	    "\"required\":[\"when\",\"d\"],\"propertyOrdering\":[\"when\",\"site\",\"d\"]}",
	    "gemini: only date-time as a format, the others as notes");
	is_str(lowered("a?, b int?", 2),
	    "{\"type\":\"OBJECT\",\"properties\":{\"a\":{\"type\":\"STRING\",\"nullable\":true},"
	    "\"b\":{\"type\":\"INTEGER\",\"nullable\":true}},\"propertyOrdering\":[\"a\",\"b\"]}",
	    "gemini: no required list when nothing is required");
}

static void
test_cstruct(void)
{
	is_str(js("struct person {\n\tconst char *name; /* full name */\n\tlong long age;\n\tdouble h;\n\tbool ok;\n};"),
	    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"description\":\"full name\"},"
	    "\"age\":{\"type\":\"integer\"},\"h\":{\"type\":\"number\"},\"ok\":{\"type\":\"boolean\"}},"
	    "\"required\":[\"name\",\"age\",\"h\",\"ok\"]}", "C struct: scalars and a description");
	is_str(js("#include <stddef.h>\nstruct a { int x; };\nstruct p { struct a req; const struct a *opt; "
	    "const char *const *tags; size_t tags_count; bool has_n; unsigned n; char code[4]; };"),
	    "{\"type\":\"object\",\"properties\":{\"req\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"integer\"}},"
	    "\"required\":[\"x\"]},\"opt\":{\"type\":[\"object\",\"null\"],\"properties\":{\"x\":{\"type\":\"integer\"}},"
	    "\"required\":[\"x\"]},\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"n\":{\"type\":[\"integer\",\"null\"],"
	    "\"minimum\":0},\"code\":{\"type\":\"string\",\"maxLength\":3}},\"required\":[\"req\",\"tags\",\"code\"]}",
	    "C struct: nested, pointer, array+count, has_, char[N]");
	is_str(js("typedef enum { SIZE_SMALL, SIZE_LARGE } size;\ntypedef struct { size s; } thing;"),
	    "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"enum\":[\"small\",\"large\"]}},\"required\":[\"s\"]}",
	    "C typedefs and enum prefix stripping");
	is_str(js("struct p {\n\tFILE *f;\n};"), "ERR: line 2, column 2: unknown type \"FILE\" (supported: char *, integer types, "
	    "double, bool, enum, struct)", "C: unknown type with line and column");
	is_str(js("struct p { int *x; };"), "ERR: line 1, column 17: member \"x\": a pointer needs a x_count member (an array)",
	    "C: pointer without count");
	is_str(js("struct n { struct n *next; };"), "ERR: struct n refers to itself (recursive types are not supported)",
	    "C: recursion refused");

	/* round trip: --to c-decl output parses back to the same schema */
	const char *spec = "name: a \"quoted\" */ description, \"first name\", age int?, tags [str], "
	    "role admin|\"Power User\", addr {street, zip str?}?, jobs [co, yrs int?], meta any, ok bool, f float";
	mlm_schema *s = mlm_schema_parse(spec, err, sizeof err);
	ok(s != NULL, "round-trip schema parses");
	mlm_emit_opts eo = {0};
	eo.to = MLM_TO_C_DECL;
	eo.name = "person";
	mlm_emitter *e = mlm_fmt_emitter_new(s, &eo, err, sizeof err);
	ok(e != NULL, "emitter for c-decl");
	mlm_buf b = {0};
	mlm_fmt_emit_begin(e, &b, err, sizeof err);
	mlm_schema *back = mlm_schema_parse_c(b.p, "person", err, sizeof err);
	ok(back != NULL, "c-decl output parses as a C schema (%s)", back ? "" : err);
	if (back) {
		jv a = mlm_schema_jsonschema(s), c = mlm_schema_jsonschema(back);
		jv ds = jv_dump_string(jv_copy(c), 0);
		ok(jv_equal(a, c), "C round trip keeps keys, types, enums, nullability, descriptions");
		if (0)
			printf("# %s\n", jv_string_value(ds));
		jv_free(ds);
		mlm_schema_free(back);
	}
	mlm_buf_free(&b);
	mlm_fmt_emitter_free(e);
	mlm_schema_free(s);
}

static char *
emit(const char *spec, const char *json, int to, int c_nul)
{
	static char out[8192];
	mlm_schema *s = mlm_schema_parse(spec, err, sizeof err);
	if (!s)
		return "schema?";
	mlm_emit_opts eo = {0};
	eo.to = to;
	eo.c_nul = c_nul;
	mlm_emitter *e = mlm_fmt_emitter_new(s, &eo, err, sizeof err);
	if (!e) {
		snprintf(out, sizeof out, "ERR: %s", err);
		mlm_schema_free(s);
		return out;
	}
	mlm_buf b = {0};
	jv v = jv_parse(json);
	if (mlm_buf_add(&b, "", 0) < 0)
		snprintf(out, sizeof out, "ERR: out of memory");
	else if (mlm_fmt_emit_value(e, v, &b, err, sizeof err) < 0)
		snprintf(out, sizeof out, "ERR: %s", err);
	else
		snprintf(out, sizeof out, "%s", b.p);
	jv_free(v);
	mlm_buf_free(&b);
	mlm_fmt_emitter_free(e);
	mlm_schema_free(s);
	return out;
}

/* an output past the buffer's cap is an error naming the cap, for every
 * language, and nothing of the value is written: never a cut output */
static void
test_emit_cap(void)
{
	static const int tos[] = { MLM_TO_JSON, MLM_TO_C, MLM_TO_C_VALUE, MLM_TO_SH, MLM_TO_TSV,
	    MLM_TO_CSV, MLM_TO_PY, MLM_TO_GO, MLM_TO_RS, MLM_TO_TS };
	char big[300];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	char json[400];
	snprintf(json, sizeof json, "{\"s\":\"%s\",\"n\":1}", big);
	mlm_schema *s = mlm_schema_parse("s, n int", err, sizeof err);
	for (size_t i = 0; s && i < sizeof tos / sizeof tos[0]; i++) {
		const char *name = mlm_fmt_to_name(tos[i]);
		mlm_emit_opts eo = {0};
		eo.to = tos[i];
		mlm_emitter *e = mlm_fmt_emitter_new(s, &eo, err, sizeof err);
		if (!e) {
			ok(0, "cap %s: emitter (%s)", name, err);
			continue;
		}
		mlm_buf b = {0};
		b.max = 200;
		size_t at = b.len;
		jv v = jv_parse(json);
		err[0] = 0;
		int r = mlm_fmt_emit_value(e, v, &b, err, sizeof err);
		ok(r == -1, "cap %s: a value past the cap is an error", name);
		is_str(err, "output too large: more than 199 bytes", "cap %s: ... naming the cap", name);
		ok(b.len == at && !b.over, "cap %s: ... and nothing of it is written", name);
		jv_free(v);
		v = jv_parse("{\"s\":\"short\",\"n\":2}");
		ok(mlm_fmt_emit_value(e, v, &b, err, sizeof err) == 0 && b.len > 0,
		    "cap %s: a value within the cap is still written", name);
		jv_free(v);
		mlm_buf_free(&b);
		mlm_fmt_emitter_free(e);
	}
	/* C's header (mlm_fmt_emit_begin) and list (mlm_fmt_emit_end) too */
	mlm_emit_opts eo = {0};
	eo.to = MLM_TO_C;
	mlm_emitter *e = s ? mlm_fmt_emitter_new(s, &eo, err, sizeof err) : NULL;
	if (e) {
		mlm_buf b = {0};
		b.max = 40;
		ok(mlm_fmt_emit_begin(e, &b, err, sizeof err) == -1, "cap c: a header past the cap is an error");
		is_str(err, "output too large: more than 39 bytes", "cap c: ... naming the cap");
		mlm_buf_reset(&b);
		ok(mlm_fmt_emit_end(e, &b, err, sizeof err) == -1, "cap c: a list past the cap is an error");
		mlm_buf_free(&b);
		mlm_fmt_emitter_free(e);
	}
	mlm_schema_free(s);
}

static void
test_emit(void)
{
	is_str(emit("s", "{\"s\":\"a\\\"b\\\\c\\n\\t\\r\\u0001\\u007f?\?=?\?/?\?\?x\"}", MLM_TO_C, 0),
	    "static const struct llm_result llm_result_0 = {\n\t.s = \"a\\\"b\\\\c\\n\"\n\t    \"\\t\\r\\001\\177?\\?=?\\?/?\\?\\?x\",\n};\n\n",
	    "C string: escapes, octal (never \\x), trigraphs broken, split after a newline");
	is_str(emit("s", "{\"s\":\"a\\u0000b\"}", MLM_TO_C, 0), "ERR: $.s: string holds a NUL byte (use --c-nul escape)",
	    "C: NUL refused by default");
	is_str(emit("s", "{\"s\":\"a\\u00001\"}", MLM_TO_C, 1),
	    "static const struct llm_result llm_result_0 = {\n\t.s = \"a\\0001\", .s_len = 3,\n};\n\n", "C: NUL escaped with a length");
	is_str(emit("\"class\", \"9lives\" int, \"a-b\" bool, _Bad", "{\"class\":\"x\",\"9lives\":9,\"a-b\":true,\"_Bad\":\"y\"}", MLM_TO_C, 0),
	    "static const struct llm_result llm_result_0 = {\n\t.class_ = \"x\",\n\t._9lives = 9LL,\n\t.a_b = true,\n\t.m_Bad = \"y\",\n};\n\n",
	    "C member names: keywords, digits, punctuation, reserved");
	is_str(emit("a, \"a!\", \"a?\"", "{\"a\":\"1\",\"a!\":\"2\",\"a?\":\"3\"}", MLM_TO_C, 0),
	    "static const struct llm_result llm_result_0 = {\n\t.a = \"1\",\n\t.a_ = \"2\",\n\t.a__2 = \"3\",\n};\n\n",
	    "C member collisions get _2");
	is_str(emit("f float, n int", "{\"f\":1,\"n\":-3}", MLM_TO_C, 0),
	    "static const struct llm_result llm_result_0 = {\n\t.f = 1.0,\n\t.n = -3LL,\n};\n\n", "C numbers");
	is_str(emit("name, tags [str]", "{\"name\":\"it's\",\"tags\":[]}", MLM_TO_SH, 0),
	    "LLM_name='it'\\''s'\nLLM_tags_count='0'\n", "sh: quotes, counts");
	is_str(emit("\"IFS\", \"PATH x\"", "{\"IFS\":\"a\",\"PATH x\":\"b\"}", MLM_TO_SH, 0),
	    "LLM_IFS='a'\nLLM_PATH_x='b'\n", "sh: always prefixed, sanitized");
	is_str(emit("a, b int?", "{\"a\":\"x\\ty\\\\z\\nw\",\"b\":null}", MLM_TO_TSV, 0), "x\\ty\\\\z\\nw\t\\N\n", "tsv escapes and \\N");
	is_str(emit("a, b int?", "{\"a\":\"x,\\\"y\\\"\",\"b\":null}", MLM_TO_CSV, 0), "\"x,\"\"y\"\"\",\r\n", "csv quoting");
	is_str(emit("a [[int]]", "{\"a\":[[1]]}", MLM_TO_C, 0), "ERR: $.a: arrays of arrays have no C form yet",
	    "C refuses what it cannot express");
}

static void
test_repair(void)
{
	jv out, diag;
	const char *t = "{'a': True, b: [1, 2,], /* c */ \"c\": None}";
	int r = mlm_fmt_repair(t, strlen(t), MLM_FMT_REPAIR_SAFE, &out, &diag, err, sizeof err);
	jv d = jv_dump_string(out, 0);
	is_str(r == 0 ? jv_string_value(d) : err, "{\"a\":true,\"b\":[1,2],\"c\":null}", "repair without a schema");
	jv_free(d);
	is_int(jv_array_length(diag), 6, "six repairs journaled");
	r = mlm_fmt_repair(t, strlen(t), MLM_FMT_REPAIR_NONE, &out, &diag, err, sizeof err);
	is_int(r, -1, "tier none refuses");
	jv_free(out);
	jv_free(diag);

	/* validate an already parsed value */
	mlm_schema *s = mlm_schema_parse("n int, tags [str]", err, sizeof err);
	r = mlm_fmt_validate(s, jv_parse("{\"n\":\"3\",\"tags\":\"x\"}"), NULL, &out, &diag, err, sizeof err);
	d = jv_dump_string(out, 0);
	is_str(jv_string_value(d), "{\"n\":3,\"tags\":[\"x\"]}", "validate: coercions at safe");
	jv_free(d);
	is_int(jv_array_length(diag), 2, "two coercions reported");
	mlm_schema_free(s);
}

/* ---------- the corpus ---------- */

static const char *
corpus_path(void)
{
	const char *e = getenv("FMT_CORPUS");
	if (e)
		return e;
	static const char *const tries[] = {
		"tests/fmt-corpus/cases.ndjson", "fmt-corpus/cases.ndjson", "../tests/fmt-corpus/cases.ndjson", NULL
	};
	for (int i = 0; tries[i]; i++) {
		FILE *f = fopen(tries[i], "r");
		if (f) {
			fclose(f);
			return tries[i];
		}
	}
	return tries[0];
}

static int
has_code(jv diag, const char *code)
{
	int hit = 0;
	jv_array_foreach(diag, k, d) {
		jv c = jv_object_get(d, jv_string("code"));
		if (jv_get_kind(c) == JV_KIND_STRING && !strcmp(jv_string_value(c), code))
			hit = 1;
		jv_free(c);
	}
	jv_free(diag);
	return hit;
}

static void
test_corpus(void)
{
	const char *path = corpus_path();
	FILE *f = fopen(path, "r");
	ok(f != NULL, "corpus %s opens", path);
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int count = 0, refusals = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		jv c = jv_parse_sized(line, (int)n);
		if (!jv_is_valid(c)) {
			ok(0, "corpus line parses");
			jv_free(c);
			continue;
		}
		count++;
		jv id = jv_object_get(jv_copy(c), jv_string("id"));
		jv spec = jv_object_get(jv_copy(c), jv_string("schema"));
		jv in = jv_object_get(jv_copy(c), jv_string("input"));
		jv lv = jv_object_get(jv_copy(c), jv_string("level"));
		jv rp = jv_object_get(jv_copy(c), jv_string("repair"));
		jv mu = jv_object_get(jv_copy(c), jv_string("multi"));
		jv ex = jv_object_get(jv_copy(c), jv_string("expect"));
		jv rf = jv_object_get(jv_copy(c), jv_string("refuse"));
		jv dg = jv_object_get(jv_copy(c), jv_string("diag"));
		const char *name = jv_string_value(id);
		mlm_schema *s = mlm_schema_parse(jv_string_value(spec), err, sizeof err);
		if (!s) {
			ok(0, "%s: schema: %s", name, err);
			goto next;
		}
		mlm_fmt_opts o = {0};
		o.level = mlm_fmt_level_parse(jv_string_value(lv));
		o.repair = mlm_fmt_repair_parse(jv_string_value(rp));
		o.multi = jv_get_kind(mu) == JV_KIND_TRUE;
		jv out, diag;
		int r = mlm_fmt_extract(s, jv_string_value(in), (size_t)jv_string_length_bytes(jv_copy(in)), &o,
		    &out, &diag, err, sizeof err);
		int pass;
		char why[1200] = "";
		if (jv_get_kind(rf) == JV_KIND_STRING) {
			refusals++;
			pass = r < 0 && strstr(err, jv_string_value(rf)) != NULL;
			if (!pass) {
				jv d = jv_dump_string(jv_copy(out), 0);
				snprintf(why, sizeof why, "wanted refusal containing '%s', got %s: %s", jv_string_value(rf),
				    r < 0 ? "error" : "value", r < 0 ? err : jv_string_value(d));
				jv_free(d);
			}
		} else {
			pass = r == 0 && jv_equal(jv_copy(out), jv_copy(ex));
			if (!pass) {
				jv d = jv_dump_string(jv_copy(out), 0);
				jv w = jv_dump_string(jv_copy(ex), 0);
				snprintf(why, sizeof why, "got %s, want %s", r < 0 ? err : jv_string_value(d), jv_string_value(w));
				jv_free(d);
				jv_free(w);
			}
		}
		if (pass && jv_get_kind(dg) == JV_KIND_STRING && !has_code(jv_copy(diag), jv_string_value(dg))) {
			pass = 0;
			jv d = jv_dump_string(jv_copy(diag), 0);
			snprintf(why, sizeof why, "no '%s' in the diagnostics: %.900s", jv_string_value(dg), jv_string_value(d));
			jv_free(d);
		}
		ok(pass, "corpus %s", name);
		if (!pass)
			printf("#   %s\n", why);
		jv_free(out);
		jv_free(diag);
		mlm_schema_free(s);
next:
		jv_free(id);
		jv_free(spec);
		jv_free(in);
		jv_free(lv);
		jv_free(rp);
		jv_free(mu);
		jv_free(ex);
		jv_free(rf);
		jv_free(dg);
		jv_free(c);
	}
	free(line);
	fclose(f);
	ok(count >= 200, "corpus has %d cases (>= 200), %d of them refusals", count, refusals);
}

int
main(void)
{
	test_dsl();
	test_jsonschema();
	test_lowering();
	test_cstruct();
	test_emit_cap();
	test_emit();
	test_repair();
	test_corpus();
	return tap_done();
}
