/* unit-json.c — mlm_json_dump writes what jv_dump_string(x, 0) writes, byte
 * for byte: every JSON fixture, every JSON line of the SSE fixtures, and
 * values chosen for the edges (escapes, numbers, nesting, empties). */
#define MLM_APPENDS_UNCHECKED /* mlm_buf appends here are not all checked yet */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "tap.h"
#include "json-alike.h"

/* a failed comparison's two sides, as TAP comments */
static void
diag_why(const char *why)
{
	for (const char *p = why; *p;) {
		const char *e = strchr(p, '\n');
		int n = e ? (int)(e - p) : (int)strlen(p);
		printf("#   %.*s\n", n, p);
		p += n + (e ? 1 : 0);
	}
}

static int
same_dump(jv x, const char *what)
{
	char why[4096];
	int same = dump_alike(x, why, sizeof why);
	ok(same, "%s", what);
	if (!same)
		diag_why(why);
	jv_free(x);
	return same;
}

static void
same_parse(const char *body, size_t len, const char *what)
{
	char why[4096];
	int same = parse_alike(body, len, why, sizeof why);
	ok(same, "openai parse alike: %s", what);
	if (!same)
		diag_why(why);
}

int
main(void)
{
	static const char *const vals[] = {
		"null", "true", "false", "0", "-0", "1", "-1", "42", "1.5", "-0.25", "1e15",
		"999999999999999", "-999999999999999", "1e16", "123456789012345678", "1e300",
		"3.141592653589793", "0.1", "1e-7", "\"\"", "\"plain\"", "\"q\\\"b\\\\s/\"",
		"\"\\b\\f\\n\\r\\t\\u0000\\u0001\\u001f\\u007f\"", "\"\\u00e9\\u2028\\ud83d\\ude00\"",
		"[]", "{}", "[[],{},[{}]]", "{\"a\":1,\"b\":[1,2,{\"c\":null}],\"\":\"e\"}",
		"{\"z\":1,\"a\":2,\"m\":3}", "[1,\"two\",3.5,true,null,{\"k\":\"v\"}]",
	};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		jv x = jv_parse(vals[i]);
		ok(jv_is_valid(x), "parses: %s", vals[i]);
		same_dump(x, vals[i]);
	}
	/* keys set in an order, deleted and set again */
	jv o = jv_object();
	o = jv_object_set(o, jv_string("i"), jv_number(7));
	o = jv_object_set(o, jv_string("id"), jv_string("abc"));
	o = jv_object_set(o, jv_string("text"), jv_string("line\none"));
	o = jv_object_delete(o, jv_string("id"));
	o = jv_object_set(o, jv_string("id"), jv_string("again"));
	same_dump(o, "an object built and changed in place");
	/* a string holding invalid UTF-8 (libjq replaces it) and a NUL */
	same_dump(jv_string_sized("a\xff\x00z", 4), "invalid UTF-8 and NUL in a string");

	static const char *const bodies[] = {
		"{\"choices\":[{\"message\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
		    "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}",
		" {\"choices\" : [ { \"message\" : { \"content\" : \"a\\nb\\t\\\"q\\\\ \\/ \\u00e9\\ud83d\\ude00\" } } ] } ",
		"{\"choices\":[{\"message\":{\"content\":\"lone \\ud800 surrogate\"}}]}",
		"{\"choices\":[{\"message\":{\"content\":\"bad \xff utf8\"}}]}",
		"{\"choices\":[{\"message\":{\"content\":\"nul \\u0000 in\"}}]}",
		"{\"choices\":[{\"message\":{\"content\":\"first\"},\"message\":{\"content\":\"last\"}}]}",
		"{\"choices\":[{\"message\":{\"c\\u006fntent\":\"escaped key\"}}]}",
		"{\"choices\":[{\"message\":{\"content\":null,\"refusal\":\"no\"}}]}",
		"{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"part\"}]}}]}",
		"{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":\"content_filter\"}]}",
		"{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":\"length\"}]}",
		"{\"choices\":[{\"message\":{\"content\":\"x\"}}],\"x_groq\":{\"usage\":{\"prompt_tokens\":7}}}",
		"{\"choices\":[{\"message\":{\"content\":\"x\"}}],\"usage\":null,\"x_groq\":{\"usage\":{\"completion_tokens\":2}}}",
		"{\"choices\":[{\"message\":{\"content\":\"x\"}}],\"usage\":{\"prompt_tokens\":1.5e1,\"completion_tokens\":-0}}",
		"{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}",
		"{\"error\":\"plain\"}",
		"{\"error\":null,\"choices\":[{\"message\":{\"content\":\"x\"}}]}",
		"{\"choices\":[]}", "{\"choices\":{}}", "{}", "[]", "3", "", "{", "{\"choices\":[{\"message\":{\"content\":\"x\"}}]",
		"{\"choices\":[{\"message\":{\"content\":\"x\"}}]} trailing",
		"{\"choices\":[{\"message\":{\"content\":\"x\"}}]}{}",
		"{\"choices\":[{\"message\":{\"content\":01}}]}",
		"{\"choices\":[{\"message\":{\"content\":\"raw\ttab\"}}]}",
		"{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":\"st\\u006fp\"}]}",
		"<html>502 Bad Gateway</html>",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
		same_parse(bodies[i], strlen(bodies[i]), bodies[i]);

	/* member look-ups by key strings made once per thread: what
	 * jv_object_get gives, also when a key's address is reused for other
	 * text, and for a key libjq changes (invalid UTF-8 becomes U+FFFD) */
	{
		jv mo = jv_parse("{\"a\":1,\"ab\":2,\"\u00e9\":3,\"\ufffd\":4}");
		char key[8];
		struct { const char *k; double want; } look[] = {
			{ "a", 1 }, { "ab", 2 }, { "a", 1 }, { "zz", -1 }, { "\xc3\xa9", 3 }, { "\xff", 4 },
			{ "\xff", 4 }, { "ab", 2 },
		};
		for (size_t i = 0; i < sizeof look / sizeof look[0]; i++) {
			strcpy(key, look[i].k);         /* one address, other texts */
			jv v = mlm_jfield(mo, key), w = jv_object_get(jv_copy(mo), jv_string(key));
			double got = jv_is_valid(v) ? jv_number_value(v) : -1;
			ok(got == look[i].want && jv_equal(jv_copy(v), jv_copy(w)),
			    "look-up %zu: %g, as jv_object_get", i, got);
			jv_free(v), jv_free(w);
		}
		jv v = mlm_jget(mo, "abc", 2);
		ok(jv_is_valid(v) && jv_number_value(v) == 2, "a sized look-up takes its first n bytes");
		jv_free(v);
		v = mlm_jfield(jv_number(1), "a");
		ok(!jv_is_valid(v), "a look-up in a number: invalid, not libjq's assertion");
		jv_free(v);
		jv_free(mo);
	}

	/* requests: the plain writer and the general path (jv values) alike,
	 * for plain requests and for every kind it hands over */
	static const char *const reqs[] = {
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"\u4f60\u597d \\\"q\\\" \\n\\u0001\"}]}",
		"{\"system\":\"be brief\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"system\":\"\"}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"system\":null}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"system\":3}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.7,\"max_tokens\":64}",
		"{\"max_tokens\":1e3,\"temperature\":0,\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":\"hot\",\"max_tokens\":null}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"},"
		    "{\"role\":\"user\",\"content\":\"c\"}]}",
		"{\"messages\":[]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"name\":\"x\"}]}",
		"{\"messages\":[{\"role\":\"user\"}]}",
		"{\"messages\":[{\"role\":1,\"content\":\"hi\"}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":null}]}",
		"{\"messages\":[\"hi\"]}",
		"{\"messages\":{}}",
		"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]}",
		"{\"messages\":[{\"role\":\"tool\",\"content\":\"42\",\"tool_call_id\":\"c1\"}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":[\"x\"],\"top_p\":0.5}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"top_k\":5}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"json\":true}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"schema\":{\"type\":\"object\"}}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"name\":\"f\",\"parameters\":{}}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tool_choice\":\"none\"}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"seed\":1}",
		"{}", "[]",
	};
	static const char *const provs[] = { "openai", "zhipu", "groq" };
	for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
		jv q = jv_parse(reqs[i]);
		ok(jv_is_valid(q), "request parses: %s", reqs[i]);
		int all = 1;
		char why[8192] = "";
		for (size_t p = 0; p < 3; p++)
			for (int st = 0; st < 2; st++)
				if (all && !build_alike(q, provs[p], st, why, sizeof why))
					all = 0;
		ok(all, "openai build alike (openai, zhipu, groq; whole and streamed): %s", reqs[i]);
		if (!all)
			diag_why(why);
		jv_free(q);
	}
	/* the plain writer does take the plain ones (or the above compares
	 * the general path with itself) */
	{
		mlm_entry pe = alike_entry("openai", "m", "http://127.0.0.1:9/v1");
		mlm_httpreq h;
		char err[256];
		jv q = jv_parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[]}");
		unsigned long n0 = mlm_json_fast_n;
		ok(mlm_adapter_get(MLM_WIRE_OPENAI)->build(&pe, "k", q, 0, &h, err, sizeof err) == 0 &&
		    mlm_json_fast_n == n0, "a request with tools: the general path");
		mlm_httpreq_free(&h);
		jv_free(q);
		q = jv_parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
		mlm_json_fast_off = 0;
		ok(mlm_adapter_get(MLM_WIRE_OPENAI)->build(&pe, "k", q, 0, &h, err, sizeof err) == 0 &&
		    mlm_json_fast_n == n0 + 1, "a plain request: the plain writer");
		ok(!strcmp(h.body, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
		    "\"stream\":false}"), "the plain body: %s", h.body ? h.body : "");
		mlm_httpreq_free(&h);
		jv_free(q);
	}

	/* result records: written directly, and dumped from jv */
	mlm_entry re;
	memset(&re, 0, sizeof re);
	re.id = (char *)"openai:m1#1";
	re.provider = (char *)"openai";
	re.model = (char *)"m\"1";
	for (int k = 0; k < 6; k++) {
		mlm_result r;
		memset(&r, 0, sizeof r);
		r.ok = k < 3;
		r.kind = k < 3 ? MLM_OK : MLM_RATE_LIMITED;
		r.text = k == 0 ? (char *)"plain" : k == 1 ? (char *)"multi\nline \"q\" \x01 \xff bad" : NULL;
		snprintf(r.msg, sizeof r.msg, "%s", k == 4 ? "HTTP 429: slow \xc3 down\t" : "HTTP 500");
		r.entry = k == 5 ? NULL : &re;
		r.attempts = jv_parse(k == 2 ? "[]" : "[{\"entry\":\"openai:m1#1\",\"kind\":\"ok\",\"ms\":3.5}]");
		r.data = k == 2 ? jv_parse("{\"a\":[1,2.5,null]}") : jv_invalid();
		r.in_tok = k == 3 ? -1 : 12;
		r.out_tok = k == 4 ? -1 : 7;
		r.ms = k * 1000 + 17;
		mlm_buf w = { 0 };
		mlm_buf_puts(&w, "{\"i\":3");
		ok(mlm_result_write(&w, &r) == 0, "result %d: written", k);
		mlm_buf_puts(&w, "}");
		jv o = mlm_result_json_to(jv_object_set(jv_object(), jv_string("i"), jv_number(3)), &r);
		jv want = jv_dump_string(o, 0);
		is_str(w.p, jv_string_value(want), "result %d: as dumped from mlm_result_json_to", k);
		jv_free(want);
		mlm_buf_free(&w);
		jv_free(r.attempts);
		jv_free(r.data);
	}

	/* the tape itself */
	mlm_jdoc *td = malloc(sizeof *td);
	ok(mlm_jdoc_parse(td, bodies[0], strlen(bodies[0])) == 0, "tape: a plain answer parses");
	int c = mlm_jdoc_get(td, 0, "choices.0.message.content");
	mlm_buf b = { 0 };
	ok(c > 0 && mlm_jdoc_str(td, c, &b) == 0 && b.p && !strcmp(b.p, "hi"), "tape: choices.0.message.content");
	double v = 0;
	ok(mlm_jdoc_num(td, mlm_jdoc_get(td, 0, "usage.completion_tokens"), &v) == 0 && v == 1, "tape: a number");
	is_int(mlm_jdoc_get(td, 0, "choices.1"), -1, "tape: past the array's end");
	is_int(mlm_jdoc_get(td, 0, "nope"), -1, "tape: an absent key");
	is_int(mlm_jdoc_get(td, 0, "choices.0.message.content.x"), -1, "tape: below a string");
	mlm_buf_reset(&b);
	ok(mlm_jdoc_parse(td, bodies[1], strlen(bodies[1])) == 0, "tape: escapes and spaces parse");
	c = mlm_jdoc_get(td, 0, "choices.0.message.content");
	ok(mlm_jdoc_str(td, c, &b) == 0 && b.p && !strcmp(b.p, "a\nb\t\"q\\ / \xc3\xa9\xf0\x9f\x98\x80"),
	    "tape: escapes decoded, a surrogate pair joined");
	mlm_buf_reset(&b);
	ok(mlm_jdoc_parse(td, bodies[2], strlen(bodies[2])) == 0, "tape: a lone surrogate parses");
	ok(mlm_jdoc_str(td, mlm_jdoc_get(td, 0, "choices.0.message.content"), &b) == -2 && b.len == 0,
	    "tape: a lone surrogate is left to libjq");
	ok(mlm_jdoc_parse(td, bodies[5], strlen(bodies[5])) == 0, "tape: duplicate keys parse");
	c = mlm_jdoc_get(td, 0, "choices.0.message.content");
	ok(mlm_jdoc_str(td, c, &b) == 0 && b.p && !strcmp(b.p, "last"), "tape: the last duplicate wins");
	is_int(mlm_jdoc_get(td, 0, "choices.0.message.x"), -1, "tape: absent under duplicates");
	ok(mlm_jdoc_parse(td, bodies[6], strlen(bodies[6])) == 0 &&
	    mlm_jdoc_get(td, 0, "choices.0.message.content") == -2, "tape: an escaped key is uncertain");
	static const char *const bad[] = { "", " ", "{", "}", "[1,]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
		"01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"\\x\"", "\"\\u12\"", "\"a", "{} {}",
		"\"tab\there\"", "[1 2]", "{\"a\" 1}", "NaN" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(mlm_jdoc_parse(td, bad[i], strlen(bad[i])) < 0, "tape: refuses '%s'", bad[i]);
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	ok(mlm_jdoc_parse(td, deep, 200) < 0, "tape: nesting past 64 is left to libjq");
	mlm_buf_free(&b);
	free(td);

	/* every fixture */
	const char *dir = tap_fixtures_dir();
	DIR *d = dir ? opendir(dir) : NULL;
	ok(d != NULL, "fixtures found");
	int files = 0;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t nl = strlen(de->d_name);
		int is_json = nl > 5 && !strcmp(de->d_name + nl - 5, ".json");
		int is_sse = nl > 4 && !strcmp(de->d_name + nl - 4, ".sse");
		if (!is_json && !is_sse)
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		size_t n;
		char *t = tap_slurp(path, &n);
		if (!t)
			continue;
		if (is_json)
			same_parse(t, n, de->d_name);
		if (is_json) {
			jv x = jv_parse_sized(t, (int)n);
			if (jv_is_valid(x)) {
				same_dump(x, de->d_name);
				files++;
			} else {
				jv_free(x);
			}
		} else {
			int all = 1, lines = 0;
			for (char *p = t; p && *p;) {
				char *e = strchr(p, '\n');
				if (!strncmp(p, "data:", 5)) {
					size_t k = (e ? (size_t)(e - p) : strlen(p)) - 5;
					jv x = jv_parse_sized(p + 5, (int)k);
					char why[4096];
					if (jv_is_valid(x)) {
						all &= dump_alike(x, why, sizeof why);
						lines++;
					}
					jv_free(x);
				}
				p = e ? e + 1 : NULL;
			}
			ok(all, "%s: %d events dumped alike", de->d_name, lines);
			files++;
		}
		free(t);
	}
	if (d)
		closedir(d);
	ok(files > 30, "%d fixture files compared", files);
	return tap_done();
}
