/*
 * map-template.c — what llm-map's template yields, made a neutral request:
 * a prompt (a string or a scalar), or an object with "prompt" or
 * "messages", and "system", "model", "temperature", "max_tokens" and
 * "attach" (files or URLs, attach.c); the run's options fill what it leaves
 * out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "map-template.h"

/* The template's "attach" (consumed: null, a string or an array of
 * strings, each a file, a data URL or an http(s) URL) onto the last
 * message of msgs (consumed); invalid with msg when one cannot be had. */
static jv
map_attach(jv msgs, jv at, char *msg, size_t n)
{
	if (jv_get_kind(at) == JV_KIND_INVALID || jv_get_kind(at) == JV_KIND_NULL) {
		jv_free(at);
		return msgs;
	}
	if (jv_get_kind(at) == JV_KIND_STRING)
		at = jv_array_append(jv_array(), at);
	jv urls = jv_array();
	int ok = jv_get_kind(at) == JV_KIND_ARRAY;
	if (!ok)
		snprintf(msg, n, "template: \"attach\" must be a string or an array of strings");
	for (int i = 0; ok && i < jv_array_length(jv_copy(at)); i++) {
		jv s = jv_array_get(jv_copy(at), i);
		char err[MLM_ERRLEN], *url = NULL;
		if (jv_get_kind(s) != JV_KIND_STRING) {
			snprintf(msg, n, "template: \"attach\" must be a string or an array of strings");
			ok = 0;
		} else if (attach_url(jv_string_value(s), &url, err, sizeof err) < 0) {
			snprintf(msg, n, "attach: %s", err);
			ok = 0;
		} else
			urls = jv_array_append(urls, jv_string(url));
		free(url);
		jv_free(s);
	}
	jv_free(at);
	if (!ok) {
		jv_free(urls), jv_free(msgs);
		return jv_invalid();
	}
	return attach_to_last(msgs, urls);
}

int
map_template_request(jv out, const map_template_opts *opt, char **model, jv *reqp,
    char *msg, size_t n)
{
	jv req = jv_object();
	jv msgs = jv_invalid();
	const char *sys = opt->system;
	jv sysv = jv_null();
	if (jv_get_kind(out) == JV_KIND_NUMBER || jv_get_kind(out) == JV_KIND_TRUE ||
	    jv_get_kind(out) == JV_KIND_FALSE)
		out = jv_dump_string(out, 0);   /* a scalar prompt is its text */
	if (jv_get_kind(out) == JV_KIND_STRING) {
		msgs = jv_array_append(jv_array(), jv_object_set(jv_object_set(jv_object(),
		    mlm_jkey("role"), jv_string("user")), mlm_jkey("content"), jv_copy(out)));
	} else if (jv_get_kind(out) == JV_KIND_OBJECT) {
		jv p = mlm_jfield(out, "prompt");
		jv m = mlm_jfield(out, "messages");
		if (jv_get_kind(p) == JV_KIND_NUMBER || jv_get_kind(p) == JV_KIND_TRUE ||
		    jv_get_kind(p) == JV_KIND_FALSE)
			p = jv_dump_string(p, 0);       /* as a bare scalar prompt */
		if (jv_get_kind(p) == JV_KIND_STRING) {
			msgs = jv_array_append(jv_array(), jv_object_set(jv_object_set(jv_object(),
			    mlm_jkey("role"), jv_string("user")), mlm_jkey("content"), p));
			p = jv_null();
		} else if (jv_get_kind(m) == JV_KIND_ARRAY && jv_array_length(jv_copy(m)) > 0) {
			msgs = jv_array();
			int bad = 0;
			jv_array_foreach(m, k, x) {
				jv r = mlm_jfield(x, "role");
				jv c = mlm_jfield(x, "content");
				if (jv_get_kind(r) != JV_KIND_STRING || jv_get_kind(c) != JV_KIND_STRING)
					bad = 1;
				else if (!strcmp(jv_string_value(r), "system")) {
					jv_free(sysv);
					sysv = jv_copy(c);
				} else
					msgs = jv_array_append(msgs, jv_copy(x));
				jv_free(r), jv_free(c), jv_free(x);
			}
			if (bad) {
				jv_free(msgs);
				msgs = jv_invalid();
				snprintf(msg, n, "template: each message needs string \"role\" and \"content\"");
			}
		} else {
			snprintf(msg, n, "template: an object needs \"prompt\" (string) or \"messages\" (array)");
		}
		jv_free(p), jv_free(m);
		jv s = mlm_jfield(out, "system");
		if (jv_get_kind(s) == JV_KIND_STRING) {
			jv_free(sysv);
			sysv = s;
		} else
			jv_free(s);
		jv mo = mlm_jfield(out, "model");
		if (jv_get_kind(mo) == JV_KIND_STRING)
			*model = mlm_strdup(jv_string_value(mo));
		jv_free(mo);
		jv te = mlm_jfield(out, "temperature");
		if (jv_get_kind(te) == JV_KIND_NUMBER)
			req = jv_object_set(req, mlm_jkey("temperature"), te);
		else
			jv_free(te);
		jv mt = mlm_jfield(out, "max_tokens");
		if (jv_get_kind(mt) == JV_KIND_NUMBER)
			req = jv_object_set(req, mlm_jkey("max_tokens"), mt);
		else
			jv_free(mt);
		if (jv_is_valid(msgs))  /* "attach": files or URLs (attach.c) */
			msgs = map_attach(msgs, mlm_jfield(out, "attach"), msg, n);
	} else {
		jv k = jv_dump_string(jv_copy(out), 0);
		snprintf(msg, n, "template: yields %s, not a string or an object",
		    jv_kind_name(jv_get_kind(out)));
		jv_free(k);
	}
	jv_free(out);
	if (!jv_is_valid(msgs)) {
		jv_free(req), jv_free(sysv);
		return -1;
	}
	if (jv_get_kind(sysv) == JV_KIND_STRING)
		req = jv_object_set(req, mlm_jkey("system"), sysv);
	else {
		jv_free(sysv);
		if (sys)
			req = jv_object_set(req, mlm_jkey("system"), jv_string(sys));
	}
	req = jv_object_set(req, mlm_jkey("messages"), msgs);
	if (opt->temperature >= 0 && !jv_object_has(jv_copy(req), jv_string("temperature")))
		req = jv_object_set(req, mlm_jkey("temperature"), jv_number(opt->temperature));
	if (opt->max_tokens && !jv_object_has(jv_copy(req), jv_string("max_tokens")))
		req = jv_object_set(req, mlm_jkey("max_tokens"), jv_number((double)opt->max_tokens));
	if (*model)
		req = jv_object_set(req, jv_string("model"), jv_string(*model));
	if (jv_get_kind(opt->tools) == JV_KIND_ARRAY)
		req = jv_object_set(req, mlm_jkey("tools"), jv_copy(opt->tools));
	*reqp = req;
	return 0;
}
