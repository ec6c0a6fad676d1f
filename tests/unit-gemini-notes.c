/* unit-gemini-notes.c — Gemini's JSON Schema subset (adapter-gemini.c)
 * notes the keywords it does not take in the description; a note that
 * would pass the buffer's cap fails the request (the schema's, a tool's
 * parameters'), whatever the depth: the schema is never sent cut. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "tap.h"

static jv
with_note(jv schema, jv note)
{
	return jv_object_set(schema, jv_string("x-note"), note);
}

static void
t_gemini_note_cut(void)
{
	mlm_entry e = tap_entry("gemini", MLM_WIRE_GEMINI, "gemini-2.5-flash", "http://x");
	const mlm_adapter *ad = mlm_adapter_get(MLM_WIRE_GEMINI);
	/* a control character is written \u0001, 6 bytes: a sixth of the cap,
	 * and a little more, passes it */
	size_t n = MLM_BUF_DEFAULT_MAX / 6 + 4096;
	char *p = malloc(n);
	if (!p) {
		ok(1, "# skip no memory for a note past the cap");
		return;
	}
	memset(p, 1, n);
	jv big = jv_string_sized(p, (int)n);
	free(p);
	/* an object property of any value: no responseSchema, responseJsonSchema */
	const char *anyobj = "{\"type\":\"object\",\"properties\":{\"a\":{}}}";
	jv msgs = jv_parse("[{\"role\":\"user\",\"content\":\"hi\"}]");
	mlm_httpreq hr;
	char err[MLM_ERRLEN] = "";

	jv req = jv_object_set(jv_object(), jv_string("messages"), jv_copy(msgs));
	req = jv_object_set(req, jv_string("schema"), with_note(jv_parse(anyobj), jv_copy(big)));
	int r = ad->build(&e, "k", req, 0, &hr, err, sizeof err);
	ok(r < 0 && strstr(err, "too large to note"), "gemini: a schema's note past the cap fails: %s", err);
	if (r == 0)
		mlm_httpreq_free(&hr);
	jv_free(req);

	jv t = jv_object_set(jv_object(), jv_string("name"), jv_string("f"));
	t = jv_object_set(t, jv_string("parameters"), with_note(jv_parse(anyobj), jv_copy(big)));
	req = jv_object_set(jv_object(), jv_string("messages"), jv_copy(msgs));
	req = jv_object_set(req, jv_string("tools"), jv_array_append(jv_array(), t));
	err[0] = 0;
	r = ad->build(&e, "k", req, 0, &hr, err, sizeof err);
	ok(r < 0 && strstr(err, "tool's parameters"), "gemini: a tool's note past the cap fails: %s", err);
	if (r == 0)
		mlm_httpreq_free(&hr);
	jv_free(req);

	jv deep[2];
	deep[0] = jv_object_set(jv_object(), jv_string("properties"), jv_object_set(jv_object(),
	    jv_string("a"), with_note(jv_object(), jv_copy(big))));
	deep[1] = jv_object_set(jv_object(), jv_string("anyOf"), jv_array_append(jv_array_append(jv_array(),
	    jv_object()), with_note(jv_object(), jv_copy(big))));
	static const char *const where[] = { "in properties", "in anyOf" };
	for (int i = 0; i < 2; i++) {
		jv x = mlm_gemini_json_subset(deep[i]);
		ok(!jv_is_valid(x), "gemini: a note past the cap %s fails the schema", where[i]);
		jv_free(x);
	}

	/* a note within the cap goes whole into the description */
	req = jv_object_set(jv_object(), jv_string("messages"), jv_copy(msgs));
	req = jv_object_set(req, jv_string("schema"), with_note(jv_parse(anyobj), jv_string("abc")));
	r = ad->build(&e, "k", req, 0, &hr, err, sizeof err);
	ok(r == 0 && hr.body && strstr(hr.body, "\"description\":\"(x-note: \\\"abc\\\")\""),
	    "gemini: a note within the cap is in the description: %s", r == 0 ? hr.body : err);
	if (r == 0)
		mlm_httpreq_free(&hr);
	jv_free(req);
	jv_free(msgs), jv_free(big);
}

int
main(void)
{
	t_gemini_note_cut();
	return tap_done();
}
