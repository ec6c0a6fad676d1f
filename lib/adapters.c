/*
 * adapters.c — the registry of wire formats to providers and what their
 * adapters (adapter-*.c, embed-*.c) share to build requests and read
 * answers.
 *
 * The wire formats are the list MLM_WIRES in mlm.h, one line each: its
 * enum constant, its name (in pool files, the catalog and records), its
 * chat adapter and its embedding adapter. The table here, the names and
 * the enum are all made from that list, so a new wire format is its
 * adapter file(s) and one line there.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "adapter.h"

static const struct wire_row {
	int wire;
	const char *name;
	const mlm_adapter *chat, *embed;
} wires[MLM_WIRE__N] = {
#define MLM_WIRE_ROW(id, name, chat, embed) [MLM_WIRE_##id] = { MLM_WIRE_##id, name, &chat, &embed },
	MLM_WIRES(MLM_WIRE_ROW)
#undef MLM_WIRE_ROW
};

const char *
mlm_wire_name(int wire)
{
	return wire >= 0 && wire < MLM_WIRE__N ? wires[wire].name : "unknown";
}

int
mlm_wire_parse(const char *s)
{
	for (int i = 0; i < MLM_WIRE__N; i++)
		if (s && wires[i].name && !strcmp(s, wires[i].name))
			return i;
	return -1;
}

const char *
mlm_wire_names(void)
{
#define MLM_WIRE_LISTED(id, name, chat, embed) ", " name
	return &MLM_WIRES(MLM_WIRE_LISTED)[2];     /* past the first ", " */
#undef MLM_WIRE_LISTED
}

const mlm_adapter *
mlm_adapter_get(int wire)
{
	return wire >= 0 && wire < MLM_WIRE__N ? wires[wire].chat : NULL;
}

const mlm_adapter *
mlm_adapter_for(int wire, jv req)
{
	if (!mlm_req_is_embed(req))
		return mlm_adapter_get(wire);
	return wire >= 0 && wire < MLM_WIRE__N ? wires[wire].embed : NULL;
}

int
mlm_build_begin(const mlm_entry *e, jv req, mlm_httpreq *out, jv *msgs, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	*msgs = jv_invalid();
	if (!e || !e->base_url || !*e->base_url || !e->model || !*e->model)
		return mlm_err(err, errlen, "%s: needs a base URL and a model",
		    e && e->id ? e->id : "entry");
	if (jv_get_kind(req) != JV_KIND_OBJECT)
		return mlm_err(err, errlen, "request: not a JSON object");
	jv m = mlm_jpath(req, "messages");
	if (jv_get_kind(m) != JV_KIND_ARRAY) {
		jv_free(m);
		return mlm_err(err, errlen, "request: \"messages\" must be an array");
	}
	*msgs = m;
	return 0;
}

int
mlm_httpreq_finish(mlm_httpreq *out, jv body, const char *auth, const char *key, int stream,
    char *err, size_t errlen)
{
	mlm_buf d = { 0 };
	char *text = NULL;
	if (mlm_json_dump(&d, body) == 0)
		text = d.p ? d.p : mlm_strdup("");
	else
		mlm_buf_free(&d);
	jv_free(body);
	return mlm_httpreq_finish_text(out, text, auth, key, stream, err, errlen);
}

int
mlm_httpreq_finish_text(mlm_httpreq *out, char *body, const char *auth, const char *key,
    int stream, char *err, size_t errlen)
{
	out->body = body;
	out->shown_url = mlm_strdup(out->url);
	int h = 0;
	if (key && *key && asprintf(&out->hdr[h++], "%s %s", auth, key) < 0)
		out->hdr[h - 1] = NULL;
	out->hdr[h++] = mlm_strdup("Content-Type: application/json");
	if (stream)
		out->hdr[h++] = mlm_strdup("Accept: text/event-stream");
	out->stream = stream;
	for (int i = 0; i < h; i++)
		if (!out->hdr[i])
			goto nomem;
	if (!out->body || !out->url || !out->shown_url)
		goto nomem;
	return 0;
nomem:
	mlm_httpreq_free(out);
	return mlm_err(err, errlen, "out of memory");
}

jv
mlm_parse_body(const char *body, size_t len)
{
	if (!body || len == 0 || len > (size_t)INT_MAX)
		return jv_invalid();
	/* libjq 1.6 quotes the text as a C string in its parse errors:
	 * give it a terminated copy */
	char *t = mlm_strndup(body, len);
	if (!t)
		return jv_invalid();
	jv r = jv_parse_sized(t, (int)len);
	free(t);
	return r;
}

int
mlm_event_object(const char *data, size_t len, int done_marker, int (*is_error)(jv),
    jv *x, mlm_outcome *o)
{
	*x = jv_invalid();
	while (len && (*data == ' ' || *data == '\t'))
		data++, len--;
	while (len && (data[len - 1] == ' ' || data[len - 1] == '\t'))
		len--;
	if (done_marker && len == 6 && !memcmp(data, "[DONE]", 6))
		return 1;
	if (len == 0)
		return 0;
	jv v = mlm_parse_body(data, len);
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: stream event is not a JSON object");
		return -1;
	}
	if (is_error(v)) {
		jv_free(v);
		mlm_classify_generic(200, NULL, data, len, o);
		return -1;
	}
	*x = v;
	return 2;
}

void
mlm_adapter_classify(const mlm_entry *e, long status, const mlm_headers *h,
    const char *body, size_t len, mlm_outcome *o)
{
	(void)e;
	mlm_classify_generic(status, h, body, len, o);
}

char *
mlm_url_join(const char *base, const char *tail)
{
	size_t bl = strlen(base), tl = strlen(tail);
	while (bl && base[bl - 1] == '/')
		bl--;
	if (bl >= tl && !strncmp(base + bl - tl, tail, tl))
		tl = 0;         /* the base names the endpoint already */
	char *u = malloc(bl + tl + 1);
	if (u) {
		memcpy(u, base, bl);
		memcpy(u + bl, tail, tl);
		u[bl + tl] = 0;
	}
	return u;
}
