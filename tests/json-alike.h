/* json-alike.h — the two comparisons that keep lib/json.c honest, shared by
 * tests/unit-json.c and tests/fuzz/fuzz-json.c:
 *   dump_alike:   mlm_json_dump writes what jv_dump_string(x, 0) writes;
 *   parse_alike:  an OpenAI-wire body read through the token tape and
 *                 through libjq alone gives the same return, text, finish
 *                 reason, usage, done flag, and (on failure) kind and message;
 *   build_alike:  the OpenAI-compatible adapter's request for req, from its
 *                 plain writer and from its general path (jv values): the
 *                 same return, URL, headers and body, byte for byte.
 * Each returns 1 when alike, else 0 with the two sides described in why. */
#ifndef JSON_ALIKE_H
#define JSON_ALIKE_H
#include <stdio.h>
#include <string.h>

#include "mlm.h"

static int
dump_alike(jv x, char *why, size_t n)
{
	jv want = jv_dump_string(jv_copy(x), 0);
	mlm_buf b = { 0 };
	int r = mlm_json_dump(&b, x);
	const char *w = jv_string_value(want);
	int same = r == 0 && b.p && strlen(w) == b.len && !memcmp(w, b.p, b.len);
	if (!same)
		snprintf(why, n, "got:  %s\nwant: %s", b.p ? b.p : "(null)", w);
	mlm_buf_free(&b);
	jv_free(want);
	return same;
}

/* an OpenAI-compatible entry of the given provider, model and base URL */
static mlm_entry
alike_entry(const char *provider, const char *model, const char *base_url)
{
	mlm_entry e;
	memset(&e, 0, sizeof e);
	e.id = (char *)"t:e";
	e.provider = (char *)provider;
	e.wire = MLM_WIRE_OPENAI;
	e.model = (char *)model;
	e.base_url = (char *)base_url;
	return e;
}

static int
parse_alike(const char *body, size_t len, char *why, size_t n)
{
	mlm_entry e = alike_entry("openai", "m", "http://x");
	mlm_answer a[2];
	mlm_outcome o[2];
	int r[2];
	for (int k = 0; k < 2; k++) {
		mlm_json_fast_off = k;
		memset(&o[k], 0, sizeof o[k]);
		mlm_answer_init(&a[k]);
		r[k] = mlm_adapter_get(MLM_WIRE_OPENAI)->parse(&e, body, len, &a[k], &o[k]);
	}
	mlm_json_fast_off = 0;
	int same = r[0] == r[1] && a[0].text.len == a[1].text.len &&
	    (!a[0].text.len || !memcmp(a[0].text.p, a[1].text.p, a[0].text.len)) &&
	    !strcmp(a[0].finish, a[1].finish) && a[0].in_tok == a[1].in_tok &&
	    a[0].out_tok == a[1].out_tok && a[0].done == a[1].done &&
	    (r[0] == 0 || (o[0].kind == o[1].kind && !strcmp(o[0].msg, o[1].msg)));
	if (!same)
		snprintf(why, n, "fast: r=%d text='%s' finish=%s in=%ld out=%ld kind=%d msg=%s\n"
		    "jq:   r=%d text='%s' finish=%s in=%ld out=%ld kind=%d msg=%s",
		    r[0], a[0].text.p ? a[0].text.p : "", a[0].finish, a[0].in_tok, a[0].out_tok,
		    o[0].kind, o[0].msg, r[1], a[1].text.p ? a[1].text.p : "", a[1].finish,
		    a[1].in_tok, a[1].out_tok, o[1].kind, o[1].msg);
	mlm_answer_free(&a[0]);
	mlm_answer_free(&a[1]);
	return same;
}

static int
build_alike(jv req, const char *provider, int stream, char *why, size_t n)
{
	mlm_entry e = alike_entry(provider, "m\"\xc3\xa9\xff", "http://127.0.0.1:9/v1");
	mlm_httpreq h[2];
	char err[2][256];
	int r[2];
	for (int k = 0; k < 2; k++) {
		mlm_json_fast_off = k;
		err[k][0] = 0;
		r[k] = mlm_adapter_get(MLM_WIRE_OPENAI)->build(&e, "sk-test", req, stream, &h[k],
		    err[k], sizeof err[k]);
	}
	mlm_json_fast_off = 0;
	int same = r[0] == r[1] && !strcmp(err[0], err[1]);
	if (same && r[0] == 0) {
		same = !strcmp(h[0].url, h[1].url) && !strcmp(h[0].body, h[1].body);
		for (int i = 0; same && i < 8; i++)
			same = (!h[0].hdr[i] && !h[1].hdr[i]) ||
			    (h[0].hdr[i] && h[1].hdr[i] && !strcmp(h[0].hdr[i], h[1].hdr[i]));
	}
	if (!same)
		snprintf(why, n, "plain: r=%d err=%s body=%s\njv:    r=%d err=%s body=%s", r[0], err[0],
		    r[0] == 0 ? h[0].body : "", r[1], err[1], r[1] == 0 ? h[1].body : "");
	for (int k = 0; k < 2; k++)
		if (r[k] == 0)
			mlm_httpreq_free(&h[k]);
	return same;
}
#endif
