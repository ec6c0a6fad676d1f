/* unit-json.c — mlm_json_dump writes what jv_dump_string(x, 0) writes, byte
 * for byte: every JSON fixture, every JSON line of the SSE fixtures, and
 * values chosen for the edges (escapes, numbers, nesting, empties). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/mlm.h"
#include "tap.h"

static int
same_dump(jv x, const char *what)
{
	jv want = jv_dump_string(jv_copy(x), 0);
	mlm_buf b = { 0 };
	int r = mlm_json_dump(&b, x);
	const char *w = jv_string_value(want);
	int same = r == 0 && b.p && strlen(w) == b.len && !memcmp(w, b.p, b.len);
	ok(same, "%s", what);
	if (!same)
		printf("#   got:  %s\n#   want: %s\n", b.p ? b.p : "(null)", w);
	mlm_buf_free(&b);
	jv_free(want);
	jv_free(x);
	return same;
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	mlm_buf b = { 0 };
	char t[4096];
	size_t k;
	while ((k = fread(t, 1, sizeof t, f)) > 0)
		mlm_buf_add(&b, t, k);
	fclose(f);
	*n = b.len;
	return b.p;
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

	/* every fixture */
	const char *dirs[] = { "tests/fixtures", "fixtures" };
	DIR *d = NULL;
	const char *dir = NULL;
	for (size_t i = 0; i < 2 && !d; i++)
		if ((d = opendir(dirs[i])))
			dir = dirs[i];
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
		char *t = slurp(path, &n);
		if (!t)
			continue;
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
					if (jv_is_valid(x)) {
						jv want = jv_dump_string(jv_copy(x), 0);
						mlm_buf b = { 0 };
						mlm_json_dump(&b, x);
						all &= b.p && !strcmp(b.p, jv_string_value(want));
						lines++;
						mlm_buf_free(&b);
						jv_free(want);
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
