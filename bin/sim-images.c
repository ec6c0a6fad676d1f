/*
 * sim-images.c — see sim-images.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim-images.h"
#include "sha256.h"

struct out {
	char *p;
	size_t len, cap;
};

static int
out_add(struct out *o, const char *s)
{
	size_t n = strlen(s);
	if (o->len + n + 1 > o->cap) {
		size_t c = (o->len + n + 1) * 2;
		char *q = realloc(o->p, c);
		if (!q)
			return -1;
		o->p = q, o->cap = c;
	}
	memcpy(o->p + o->len, s, n + 1);
	o->len += n;
	return 0;
}

static int
b64v(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* One digest line of base64 data of type mime; -1 when it is no base64. */
static int
digest_b64(struct out *o, const char *mime, const char *s)
{
	mlm_sha256_ctx c;
	unsigned char h[32], byte;
	unsigned v = 0;
	int bits = 0;
	size_t n = 0, i;
	mlm_sha256_init(&c);
	for (i = 0; s[i] && s[i] != '='; i++) {
		int d = b64v((unsigned char)s[i]);
		if (d < 0)
			return -1;
		v = (v << 6 | (unsigned)d) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			byte = (unsigned char)(v >> bits);
			mlm_sha256_update(&c, &byte, 1);
			n++;
		}
	}
	while (s[i] == '=')
		i++;
	if (s[i])
		return -1;
	mlm_sha256_final(&c, h);
	char line[200], hex[65];
	for (int k = 0; k < 32; k++)
		snprintf(hex + 2 * k, 3, "%02x", h[k]);
	snprintf(line, sizeof line, "%s%s %.60s %zu bytes sha256:%s", o->len ? "\n" : "",
	    strncmp(mime, "image/", 6) ? "file" : "image", mime, n, hex);
	return out_add(o, line);
}

static int
digest_url(struct out *o, const char *url)
{
	char line[600];
	snprintf(line, sizeof line, "%simage url %.500s", o->len ? "\n" : "", url);
	return out_add(o, line);
}

static jv
get(jv o, const char *k)
{
	return jv_get_kind(o) == JV_KIND_OBJECT ? jv_object_get(jv_copy(o), jv_string(k)) : jv_invalid();
}

static const char *
str(jv v)
{
	return jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;
}

/* An OpenAI image_url part's url: "data:MIME;base64,DATA" or a URL; or a
 * file part's file_data (a PDF). */
static int
openai_part(struct out *o, jv part, char *err, size_t errlen)
{
	jv iu = get(part, "image_url"), u = jv_get_kind(iu) == JV_KIND_STRING ? jv_copy(iu) : get(iu, "url");
	if (!jv_is_valid(iu)) {
		jv_free(iu), jv_free(u);
		iu = get(part, "file");
		u = get(iu, "file_data");
	}
	const char *s = str(u);
	int r = 0;
	if (!s) {
		snprintf(err, errlen, "Missing required parameter: 'image_url.url'.");
		r = -1;
	} else if (!strncmp(s, "data:", 5)) {
		const char *semi = strchr(s, ';'), *comma = strchr(s, ',');
		char mime[64];
		if (!semi || !comma || semi > comma || strncmp(semi, ";base64,", 8) ||
		    (size_t)(semi - s - 5) >= sizeof mime) {
			snprintf(err, errlen, "Invalid image URL: the data URL is not base64.");
			r = -1;
		} else {
			memcpy(mime, s + 5, (size_t)(semi - s - 5));
			mime[semi - s - 5] = 0;
			if (digest_b64(o, mime, comma + 1) < 0) {
				snprintf(err, errlen, "Invalid image data: not base64.");
				r = -1;
			}
		}
	} else if (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8)) {
		r = digest_url(o, s);
	} else {
		snprintf(err, errlen, "Invalid image URL: expected a data URL or http(s) URL.");
		r = -1;
	}
	jv_free(u), jv_free(iu);
	return r;
}

static int
gemini_part(struct out *o, jv part, int *img, char *err, size_t errlen)
{
	static const char *const inl[] = { "inlineData", "inline_data" },
	    *const fil[] = { "fileData", "file_data" };
	for (int k = 0; k < 2; k++) {
		jv d = get(part, inl[k]), f = get(part, fil[k]);
		int r = 0;
		if (jv_get_kind(d) == JV_KIND_OBJECT) {
			jv m = get(d, k ? "mime_type" : "mimeType"), b = get(d, "data");
			*img = 1;
			if (!str(m) || !str(b) || digest_b64(o, str(m), str(b)) < 0) {
				snprintf(err, errlen, "Invalid value at 'contents.parts.%s' (data): "
				    "needs a mimeType and base64 data", inl[k]);
				r = -1;
			}
			jv_free(m), jv_free(b);
		} else if (jv_get_kind(f) == JV_KIND_OBJECT) {
			jv u = get(f, k ? "file_uri" : "fileUri");
			*img = 1;
			r = str(u) ? digest_url(o, str(u)) : -1;
			if (r < 0)
				snprintf(err, errlen, "Invalid value at 'contents.parts.%s': needs a fileUri", fil[k]);
			jv_free(u);
		}
		jv_free(d), jv_free(f);
		if (*img || r < 0)
			return r;
	}
	return 0;
}

int
sim_images_text_only(const char *model)
{
	return model && strstr(model, "text-only") != NULL;
}

static int
refuse(int gemini, const char *model, int i, int k, char *err, size_t errlen, char *param,
    size_t plen)
{
	if (gemini)
		snprintf(err, errlen, "Image input modality is not enabled for models/%s", model ? model : "");
	else {
		snprintf(err, errlen, "Invalid content type. image_url is only supported by certain models.");
		snprintf(param, plen, "messages.[%d].content.[%d].type", i, k);
	}
	return -1;
}

int
sim_images_scan(int gemini, jv req, const char *model, char **digest, char *err, size_t errlen,
    char *param, size_t plen)
{
	struct out o = { 0 };
	jv list = get(req, gemini ? "contents" : "messages"), bm = get(req, "model");
	if (!model)
		model = str(bm);        /* OpenAI: the body names the model */
	int n = 0, r = 0, text_only = sim_images_text_only(model);
	*digest = NULL;
	param[0] = 0;
	if (jv_get_kind(list) == JV_KIND_ARRAY) {
		int nm = jv_array_length(jv_copy(list));
		for (int i = 0; i < nm && r >= 0; i++) {
			jv m = jv_array_get(jv_copy(list), i), c = get(m, gemini ? "parts" : "content");
			int np = jv_get_kind(c) == JV_KIND_ARRAY ? jv_array_length(jv_copy(c)) : 0;
			for (int k = 0; k < np && r >= 0; k++) {
				jv p = jv_array_get(jv_copy(c), k), t = get(p, "type");
				int img = 0;
				if (gemini)
					r = gemini_part(&o, p, &img, err, errlen);
				else if (str(t) && (!strcmp(str(t), "image_url") || !strcmp(str(t), "file"))) {
					img = 1;
					r = openai_part(&o, p, err, errlen);
				}
				if (img && r >= 0 && text_only)
					r = refuse(gemini, model, i, k, err, errlen, param, plen);
				n += img;
				jv_free(t), jv_free(p);
			}
			jv_free(c), jv_free(m);
		}
	}
	jv_free(list);
	jv_free(bm);
	if (r < 0) {
		free(o.p);
		return -1;
	}
	*digest = o.p;
	return n;
}
