/*
 * outcome.c — names of the error kinds, and the small header table an
 * HTTP answer carries to the classifiers.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"

static const char *const kind_names[MLM_KIND__N] = {
	"ok", "rate_limited", "quota_exhausted", "no_credit", "auth", "not_found",
	"overloaded", "server", "timeout", "network", "bad_response", "too_large",
	"blocked", "unsupported", "invalid_request",
};

const char *
mlm_kind_name(int kind)
{
	return kind >= 0 && kind < MLM_KIND__N ? kind_names[kind] : "unknown";
}

int
mlm_kind_parse(const char *s)
{
	for (int i = 0; i < MLM_KIND__N; i++)
		if (s && !strcmp(s, kind_names[i]))
			return i;
	return -1;
}

const char *
mlm_headers_get(const mlm_headers *h, const char *lcname)
{
	if (!h)
		return NULL;
	for (int i = h->n - 1; i >= 0; i--) {
		const char *name = h->buf.p + h->off[i];
		if (!strcmp(name, lcname))
			return name + strlen(name) + 1;
	}
	return NULL;
}

/* One buffer for all of an answer's headers, not two allocations each. */
void
mlm_headers_add_line(mlm_headers *h, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	if (!colon || h->n >= MLM_MAX_HEADERS)
		return;         /* offsets fit an unsigned: the buffer stops at 64 MB */
	size_t nl = (size_t)(colon - line), at = h->buf.len;
	const char *v = colon + 1, *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	if (mlm_buf_add(&h->buf, line, nl) < 0 || mlm_buf_add(&h->buf, "", 1) < 0 ||
	    mlm_buf_add(&h->buf, v, (size_t)(end - v)) < 0 || mlm_buf_add(&h->buf, "", 1) < 0) {
		h->buf.len = at;        /* the header is dropped whole */
		return;
	}
	for (char *p = h->buf.p + at; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	h->off[h->n++] = (unsigned)at;
}

void
mlm_headers_reset(mlm_headers *h)
{
	h->n = 0;
	h->buf.len = 0;         /* the buffer kept */
}

void
mlm_headers_free(mlm_headers *h)
{
	h->n = 0;
	mlm_buf_free(&h->buf);
}

void
mlm_httpreq_free(mlm_httpreq *r)
{
	free(r->url), free(r->body), free(r->shown_url);
	for (int i = 0; i < 8 && r->hdr[i]; i++)
		free(r->hdr[i]);
	memset(r, 0, sizeof *r);
}

void
mlm_answer_init(mlm_answer *a)
{
	memset(a, 0, sizeof *a);
	a->in_tok = a->out_tok = -1;
	a->tool_calls = jv_invalid();
}

void
mlm_answer_free(mlm_answer *a)
{
	mlm_buf_free(&a->text);
	jv_free(a->tool_calls);
	a->tool_calls = jv_invalid();
}

jv
mlm_req_prompt(const char *system, const char *prompt)
{
	jv r = jv_object();
	if (system && *system)
		r = jv_object_set(r, jv_string("system"), jv_string(system));
	jv m = jv_object_set(jv_object(), jv_string("role"), jv_string("user"));
	m = jv_object_set(m, jv_string("content"), jv_string(prompt ? prompt : ""));
	return jv_object_set(r, jv_string("messages"), jv_array_append(jv_array(), m));
}
