/* unit-env.c — the .env parser on exact-size buffers (so that ASan sees a
 * read past the end): the inputs the fuzzers found, and the forms .env
 * files take. */
#define MLM_APPENDS_UNCHECKED /* mlm_buf appends here are not all checked yet */
#include <stdlib.h>
#include <string.h>

#include "../lib/mlm.h"
#include "tap.h"

/* parse TEXT from a buffer of exactly its length; 0 or -1, err filled */
static int
parse(const char *text, mlm_env **out, char *err, size_t errlen)
{
	size_t n = strlen(text);
	char *b = malloc(n ? n : 1);
	memcpy(b, text, n);
	mlm_env *e = mlm_env_new();
	err[0] = 0;
	int r = mlm_env_parse(e, "t.env", b, n, err, errlen);
	free(b);
	if (out)
		*out = e;
	else
		mlm_env_free(e);
	return r;
}

/* Quotes as python-dotenv reads them: in single quotes only \' and \\ are
 * escapes, everything else (\n, \t, \$, a newline) is kept as written; in
 * double quotes \n \r \t \" \' \\ \$ are escapes. */
static void
t_quotes(void)
{
	static const struct { const char *text, *want, *what; } c[] = {
		{ "K='a\\nb'", "a\\nb", "single quotes: \\n stays a backslash and an n" },
		{ "K='a\\tb\\rc'", "a\\tb\\rc", "single quotes: \\t and \\r stay" },
		{ "K='$HOME\\$x'", "$HOME\\$x", "single quotes: $ and \\$ stay" },
		{ "K='say \"hi\"'", "say \"hi\"", "single quotes: double quotes inside" },
		{ "K='it\\'s'", "it's", "single quotes: \\' is a quote (python-dotenv)" },
		{ "K='a\\\\b'", "a\\b", "single quotes: \\\\ is one backslash (python-dotenv)" },
		{ "K='a\\qb'", "a\\qb", "single quotes: another backslash is kept" },
		{ "K='two\nlines'", "two\nlines", "single quotes: a value may span lines" },
		{ "K=\"a\\nb\"", "a\nb", "double quotes: \\n is a newline" },
		{ "K=\"a\\tb\\\\c\\$d\"", "a\tb\\c$d", "double quotes: \\t \\\\ \\$" },
		{ "K=\"a\\qb\"", "a\\qb", "double quotes: another backslash is kept" },
		{ "K=a\\nb", "a\\nb", "a bare value: \\n stays" },
	};
	char err[MLM_ERRLEN];
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		mlm_env *e;
		int r = parse(c[i].text, &e, err, sizeof err);
		const char *v = r == 0 ? mlm_env_get(e, "K") : NULL;
		ok(r == 0 && v && !strcmp(v, c[i].want), "%s (%s)", c[i].what, r ? err : "parsed");
		mlm_env_free(e);
	}
	ok(parse("K='a' b\n", NULL, err, sizeof err) == -1 && strstr(err, "after the closing quote"),
	    "single quotes: text after the closing quote is an error: %s", err);
	ok(parse("K='a\\'\n", NULL, err, sizeof err) == -1 && strstr(err, "unterminated single quote"),
	    "single quotes: a final \\' does not close the value: %s", err);
}

/* Many variables: each found, a later one replacing an earlier. */
static void
t_index(void)
{
	mlm_buf b = { 0 };
	b.max = 8u << 20;
	for (int i = 0; i < 5000; i++)
		mlm_buf_printf(&b, "V_%d=%d\n", i, i * 7);
	mlm_buf_printf(&b, "V_17=again\n");
	mlm_env *e = mlm_env_new();
	char err[MLM_ERRLEN];
	ok(mlm_env_parse(e, "t.env", b.p, b.len, err, sizeof err) == 0, "5,000 variables parse: %s", err);
	int bad = 0;
	for (int i = 0; i < 5000; i++) {
		char n[32], v[32];
		snprintf(n, sizeof n, "V_%d", i);
		snprintf(v, sizeof v, "%d", i * 7);
		const char *got = mlm_env_get(e, n);
		if (i != 17 && (!got || strcmp(got, v)))
			bad++;
	}
	is_int(bad, 0, "every one of 5,000 variables has its value");
	is_str(mlm_env_get(e, "V_17"), "again", "a repeated name: the last value");
	ok(mlm_env_get(e, "V_5000") == NULL && mlm_env_get(e, "V_") == NULL && mlm_env_get(e, "V_1x") == NULL,
	    "names not in the file are not found");
	const char *const *names;
	is_int((long)mlm_env_names(e, &names) >= 5000, 1, "the name list holds them once each");
	mlm_env_free(e);
	mlm_buf_free(&b);
}

/* Forms python-dotenv reads this way: "export" is a prefix only when a
 * blank follows it; '#' starts a comment only after a blank; a CRLF file's
 * carriage returns are not part of its values. */
static void
t_edges(void)
{
	static const struct { const char *text, *name, *want, *what; } c[] = {
		{ "exportK=1", "exportK", "1", "'exportK=1' sets exportK" },
		{ "exportK=1", "K", NULL, "'exportK=1' does not set K" },
		{ "export K=1", "K", "1", "'export K=1' sets K" },
		{ "export\tK=1", "K", "1", "'export<tab>K=1' sets K" },
		{ "K=a#b", "K", "a#b", "'#' right after text is part of the value" },
		{ "K=a #b", "K", "a", "' #' starts a comment" },
		{ "K=a\t#b", "K", "a", "'<tab>#' starts a comment" },
		{ "K=http://h/p#frag", "K", "http://h/p#frag", "a URL's fragment is kept" },
		{ "K=v\r\nL=w\r\n", "K", "v", "CRLF: no carriage return in the value" },
		{ "K=v\r\nL=w\r\n", "L", "w", "CRLF: the last line too" },
		{ "K=v \r\n", "K", "v", "CRLF after a blank: both trimmed" },
	};
	char err[MLM_ERRLEN];
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		mlm_env *e;
		int r = parse(c[i].text, &e, err, sizeof err);
		const char *v = r == 0 ? mlm_env_get(e, c[i].name) : NULL;
		int good = r == 0 && (c[i].want ? v && !strcmp(v, c[i].want) : !v);
		ok(good, "%s (%s: got %s%s%s)", c[i].what, r ? err : "parsed", v ? "'" : "", v ? v : "none",
		    v ? "'" : "");
		mlm_env_free(e);
	}
}

int
main(void)
{
	char err[MLM_ERRLEN];
	/* found by fuzz-env and fuzz-pool: "export" and blanks, then the end */
	static const char *const cut[] = { "\t\t\t\t\t\t\t\t\texport\t\t\t\t\t", "export    ", "export\t",
		"A=1\nexport " };
	for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
		ok(parse(cut[i], NULL, err, sizeof err) == -1 && strstr(err, "t.env:"),
		    "'export' and blanks at the end (%zu): an error, not a read past the end: %s", i, err);
	}
	ok(parse("export", NULL, err, sizeof err) == -1 && strstr(err, "t.env:1:"),
	    "a bare 'export' is no assignment: %s", err);

	mlm_env *e;
	ok(parse("# keys\nexport GEMINI_API_KEY_1=ab\n  OPENAI_API_KEY_1 = \"q r\"\nZ='s'", &e, err,
	    sizeof err) == 0, "comments, export, blanks, quotes: %s", err);
	is_str(mlm_env_get(e, "GEMINI_API_KEY_1"), "ab", "export NAME=value");
	is_str(mlm_env_get(e, "OPENAI_API_KEY_1"), "q r", "blanks around '=', double quotes");
	is_str(mlm_env_get(e, "Z"), "s", "single quotes, no newline at the end");
	mlm_env_free(e);
	ok(parse("A=1\n=2\n", NULL, err, sizeof err) == -1 && strstr(err, "t.env:2:"),
	    "the line of an error is named: %s", err);
	t_quotes();
	t_edges();
	t_index();

	/* a later line replaces a value, which stays listed with what replaced it */
	ok(parse("MLM_T_A=1\n# c\nMLM_T_B=\"x\ny\"\nMLM_T_A=2\n", &e, err, sizeof err) == 0, "three lines: %s", err);
	is_str(mlm_env_get(e, "MLM_T_A"), "2", "the later line wins");
	ok(mlm_env_line(e, "MLM_T_A") == 5, "the line of the value in force: %d", mlm_env_line(e, "MLM_T_A"));
	ok(mlm_env_line(e, "MLM_T_B") == 3, "a value over two lines: the line it starts on");
	ok(mlm_env_count(e) == 3, "every assignment is kept: %zu", mlm_env_count(e));
	mlm_env_var v;
	ok(mlm_env_var_at(e, 0, &v) == 0 && !strcmp(v.name, "MLM_T_A") && v.line == 1 && v.by_origin &&
	    !strcmp(v.by_origin, "t.env") && v.by_line == 5, "the replaced value names what replaced it");
	ok(mlm_env_var_at(e, 2, &v) == 0 && !v.by_origin, "the value in force is not replaced");
	ok(mlm_env_var_at(e, 3, &v) == -1, "past the end: -1");
	const char *const *names;
	size_t nn = mlm_env_names(e, &names);
	ok(nn > 0, "names");
	size_t na = 0;
	for (size_t i = 0; i < nn; i++)
		na += !strcmp(names[i], "MLM_T_A");
	ok(na == 1, "a replaced name is listed once among the names");
	/* the environment hides a file's value */
	setenv("MLM_T_B", "env", 1);
	ok(mlm_env_var_at(e, 1, &v) == 0 && v.by_origin && !strcmp(v.by_origin, "environment"),
	    "a file value hidden by the environment says so");
	ok(mlm_env_line(e, "MLM_T_B") == 0, "the environment's value has no line");
	unsetenv("MLM_T_B");
	mlm_env_free(e);
	return tap_done();
}
