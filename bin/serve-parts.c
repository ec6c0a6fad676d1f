/*
 * serve-parts.c — see serve-parts.h.
 */
#include <stdio.h>
#include <string.h>

#include "mlm.h"
#include "serve.h"
#include "serve-parts.h"

static const char *
sval(jv v)
{
	return jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;
}

/* A URL an image part may carry; -1 with err. */
static int
check_url(const char *url, const char *what, char *err, size_t errlen)
{
	char mime[64];
	const char *d;
	if (!url)
		return serve_bad(err, errlen, "%s: the image needs a URL", what);
	if (!mlm_dataurl_parse(url, mime, &d)) {
		if (strncmp(mime, "image/", 6) && strcmp(mime, "application/pdf"))
			return serve_bad(err, errlen, "%s: a data URL of type %s (images and "
			    "application/pdf are taken)", what, mime);
		return 0;
	}
	if (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7))
		return 0;
	return serve_bad(err, errlen, "%s: the image URL must be a base64 data: URL or http(s)", what);
}

static int
add(jv *imgs, const char *url, const char *what, char *err, size_t errlen)
{
	if (check_url(url, what, err, errlen) < 0)
		return -1;
	*imgs = jv_array_append(*imgs, jv_object_set(jv_object_set(jv_object(),
	    jv_string("type"), jv_string("image")), jv_string("url"), jv_string(url)));
	return 1;
}

/* Anthropic's source: {"type":"base64","media_type","data"} or {"type":"url","url"}. */
static int
anthropic_source(jv src, const char *what, jv *imgs, char *err, size_t errlen)
{
	jv st = serve_oget(src, "type"), mt = serve_oget(src, "media_type"),
	    data = serve_oget(src, "data"), url = serve_oget(src, "url");
	int r;
	const char *t = sval(st);
	if (t && !strcmp(t, "base64") && sval(mt) && sval(data)) {
		mlm_buf b = { 0 };
		r = mlm_buf_printf(&b, "data:%s;base64,%s", sval(mt), sval(data)) < 0 ?
		    serve_bad(err, errlen, "%s: the image is too large", what) :
		    add(imgs, b.p, what, err, errlen);
		mlm_buf_free(&b);
	} else if (t && !strcmp(t, "url")) {
		r = add(imgs, sval(url), what, err, errlen);
	} else {
		r = serve_bad(err, errlen, "%s.source: expected {\"type\":\"base64\",\"media_type\","
		    "\"data\"} or {\"type\":\"url\",\"url\"}", what);
	}
	jv_free(st), jv_free(mt), jv_free(data), jv_free(url);
	return r;
}

int
serve_image_part(jv part, const char *what, jv *imgs, char *err, size_t errlen)
{
	jv ty = serve_oget(part, "type");
	const char *t = sval(ty);
	int r = 0;
	if (t && (!strcmp(t, "image_url") || !strcmp(t, "input_image"))) {
		/* chat: "image_url": {"url"} or a string; Responses: "image_url": string */
		jv iu = serve_oget(part, "image_url");
		jv u = jv_get_kind(iu) == JV_KIND_OBJECT ? serve_oget(iu, "url") : jv_copy(iu);
		if (!sval(u) && !strcmp(t, "input_image")) {
			jv fid = serve_oget(part, "file_id");
			r = jv_get_kind(fid) == JV_KIND_STRING ?
			    serve_bad(err, errlen, "%s: file_id images are not supported (no file "
			    "store here); send image_url", what) : add(imgs, NULL, what, err, errlen);
			jv_free(fid);
		} else
			r = add(imgs, sval(u), what, err, errlen);
		jv_free(u), jv_free(iu);
	} else if (t && (!strcmp(t, "image") || !strcmp(t, "document"))) {
		jv src = serve_oget(part, "source");
		r = jv_get_kind(src) == JV_KIND_OBJECT ? anthropic_source(src, what, imgs, err, errlen) :
		    serve_bad(err, errlen, "%s: the %s block needs a source", what, t);
		jv_free(src);
	}
	jv_free(ty);
	return r;
}

jv
serve_parts_join(jv text, jv imgs)
{
	if (jv_array_length(jv_copy(imgs)) == 0) {
		jv_free(imgs);
		return text;
	}
	jv parts = jv_array();
	if (jv_get_kind(text) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(text)) > 0)
		parts = jv_array_append(parts, jv_object_set(jv_object_set(jv_object(),
		    jv_string("type"), jv_string("text")), jv_string("text"), text));
	else
		jv_free(text);
	jv_array_foreach(imgs, i, x)
		parts = jv_array_append(parts, x);
	jv_free(imgs);
	return parts;
}
