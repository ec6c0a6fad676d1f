/*
 * parts.c — images in the neutral request, and their form on each wire.
 *
 * A message's "content" is a string, or an array of parts:
 *   {"type": "text", "text": str}
 *   {"type": "image", "url": "data:MIME;base64,DATA" | "https://..." | "http://..."}
 * Data URLs carry the bytes; an http(s) URL is passed where the provider
 * fetches it: OpenAI-compatible hosts as image_url, Gemini as fileData
 * {mimeType, fileUri} (the Gemini API fetches public and signed http(s)
 * URLs itself; the type from the URL path's extension, and a URL of no
 * known extension is refused for Gemini). Where the provider does not
 * fetch (Cloudflare) or the type is unknown, it is refused as unsupported:
 * the engine then tries another entry. The
 * bytes of a file become a data URL here, its type read from its magic
 * bytes (PNG, JPEG, GIF, WebP, PDF).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mlm.h"

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
mlm_b64_encode(mlm_buf *b, const void *p, size_t n)
{
	const unsigned char *s = p;
	char q[4];
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
		    (i + 2 < n ? s[i + 2] : 0);
		q[0] = b64chars[v >> 18 & 63];
		q[1] = b64chars[v >> 12 & 63];
		q[2] = i + 1 < n ? b64chars[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? b64chars[v & 63] : '=';
		if (mlm_buf_add(b, q, 4) < 0)
			return -1;
	}
	return 0;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int
mlm_b64_decode(mlm_buf *out, const char *s, size_t n)
{
	unsigned v = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=')
			break;
		if (s[i] == '\n' || s[i] == '\r')
			continue;
		int d = b64val((unsigned char)s[i]);
		if (d < 0)
			return -1;
		v = (v << 6 | (unsigned)d) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			char c = (char)(v >> bits & 0xff);
			if (mlm_buf_add(out, &c, 1) < 0)
				return -1;
		}
	}
	return 0;
}

const char *
mlm_media_sniff(const void *p, size_t n)
{
	const unsigned char *s = p;
	if (n >= 8 && !memcmp(s, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (n >= 3 && s[0] == 0xff && s[1] == 0xd8 && s[2] == 0xff)
		return "image/jpeg";
	if (n >= 6 && (!memcmp(s, "GIF87a", 6) || !memcmp(s, "GIF89a", 6)))
		return "image/gif";
	if (n >= 12 && !memcmp(s, "RIFF", 4) && !memcmp(s + 8, "WEBP", 4))
		return "image/webp";
	if (n >= 5 && !memcmp(s, "%PDF-", 5))
		return "application/pdf";
	return NULL;
}

char *
mlm_dataurl_make(const char *mime, const void *p, size_t n)
{
	mlm_buf b = { 0 };
	if (mlm_buf_printf(&b, "data:%s;base64,", mime) < 0 || mlm_b64_encode(&b, p, n) < 0) {
		mlm_buf_free(&b);
		return NULL;
	}
	return b.p;
}

int
mlm_dataurl_parse(const char *url, char mime[64], const char **data)
{
	if (strncmp(url, "data:", 5))
		return -1;
	const char *m = url + 5, *semi = strchr(m, ';'), *comma = strchr(m, ',');
	if (!semi || !comma || semi > comma || (size_t)(semi - m) >= 64 || semi == m ||
	    strncmp(semi, ";base64,", 8))
		return -1;
	memcpy(mime, m, (size_t)(semi - m));
	mime[semi - m] = 0;
	*data = comma + 1;
	return 0;
}

/* The image part's URL (borrowed from part), or NULL when part is no image. */
static const char *
image_url(jv part)
{
	if (jv_get_kind(part) != JV_KIND_OBJECT)
		return NULL;
	jv t = mlm_jfield(part, "type");
	int img = jv_get_kind(t) == JV_KIND_STRING && !strcmp(jv_string_value(t), "image");
	jv_free(t);
	if (!img)
		return NULL;
	jv u = mlm_jfield(part, "url");
	const char *s = jv_get_kind(u) == JV_KIND_STRING ? jv_string_value(u) : "";
	jv_free(u);             /* part keeps the string alive */
	return s;
}

int
mlm_req_images(jv req)
{
	if (jv_get_kind(req) != JV_KIND_OBJECT)
		return 0;
	jv m = mlm_jfield(req, "messages");
	int n = 0;
	if (jv_get_kind(m) == JV_KIND_ARRAY) {
		jv_array_foreach(m, i, x) {
			jv c = jv_get_kind(x) == JV_KIND_OBJECT ?
			    mlm_jfield(x, "content") : jv_null();
			if (jv_get_kind(c) == JV_KIND_ARRAY) {
				jv_array_foreach(c, k, p) {
					n += image_url(p) != NULL;
					jv_free(p);
				}
			}
			jv_free(c);
			jv_free(x);
		}
	}
	jv_free(m);
	return n;
}

/* An image that cannot go to this entry: err as the engine reads it
 * ("unsupported parameter images: ..."), so that another entry is tried. */
static int
refuse_url(const mlm_entry *e, char *err, size_t errlen)
{
	return mlm_err(err, errlen, "unsupported parameter images: %s takes images as data only, "
	    "not as URLs (give the bytes: a data URL, or llm-ask --attach)",
	    e && e->provider ? e->provider : "this provider");
}

static int
check_url(const char *url, char *err, size_t errlen)
{
	char mime[64];
	const char *d;
	if (!mlm_dataurl_parse(url, mime, &d))
		return strncmp(mime, "image/", 6) && strcmp(mime, "application/pdf") ?
		    mlm_err(err, errlen, "request: an image part's data URL has type %s", mime) : 0;
	if (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7))
		return 1;
	return mlm_err(err, errlen, "request: an image part needs a data: or http(s) URL");
}

/* A PDF data URL: OpenAI's file part (Gemini reads it back); refused
 * where PDFs do not go (Workers AI). */
static jv
pdf_part(const char *u, const mlm_entry *e, int pdf_ok, char *err, size_t errlen)
{
	if (!pdf_ok) {
		mlm_err(err, errlen, "unsupported parameter images: %s takes no PDF files",
		    e && e->provider ? e->provider : "this provider");
		return jv_invalid();
	}
	jv f = jv_object_set(jv_object(), jv_string("filename"), jv_string("attachment.pdf"));
	f = jv_object_set(f, jv_string("file_data"), jv_string(u));
	return jv_object_set(jv_object_set(jv_object(), jv_string("type"), jv_string("file")),
	    jv_string("file"), f);
}

static jv parts_openai(jv content, const mlm_entry *e, int urls, int pdf_ok, char *err,
    size_t errlen);

jv
mlm_parts_openai(jv content, const mlm_entry *e, int urls, char *err, size_t errlen)
{
	/* OpenAI-compatible hosts (urls) take PDFs as file parts; Workers AI none */
	return parts_openai(content, e, urls, urls, err, errlen);
}

static jv
parts_openai(jv content, const mlm_entry *e, int urls, int pdf_ok, char *err, size_t errlen)
{
	if (jv_get_kind(content) != JV_KIND_ARRAY)
		return content;
	jv out = jv_array();
	jv_array_foreach(content, i, p) {
		const char *u = image_url(p);
		jv o;
		if (u) {
			int r = check_url(u, err, errlen);
			if (r < 0 || (r == 1 && !urls)) {
				if (r == 1)
					refuse_url(e, err, errlen);
				jv_free(p), jv_free(out), jv_free(content);
				return jv_invalid();
			}
			if (!strncmp(u, "data:application/pdf;", 21)) {
				o = pdf_part(u, e, pdf_ok, err, errlen);
				if (!jv_is_valid(o)) {
					jv_free(p), jv_free(out), jv_free(content);
					return o;
				}
			} else {
				o = jv_object_set(jv_object(), jv_string("type"), jv_string("image_url"));
				o = jv_object_set(o, jv_string("image_url"),
				    jv_object_set(jv_object(), jv_string("url"), jv_string(u)));
			}
		} else {
			jv t = jv_get_kind(p) == JV_KIND_OBJECT ?
			    mlm_jfield(p, "text") : jv_null();
			if (jv_get_kind(t) != JV_KIND_STRING) {
				jv_free(t), jv_free(p), jv_free(out), jv_free(content);
				mlm_err(err, errlen, "request: a content part is neither text nor image");
				return jv_invalid();
			}
			o = jv_object_set(jv_object(), jv_string("type"), jv_string("text"));
			o = jv_object_set(o, jv_string("text"), t);
		}
		jv_free(p);
		out = jv_array_append(out, o);
	}
	jv_free(content);
	return out;
}

/* The type of an http(s) URL's file, from its path's extension (the query
 * and fragment cut off; case ignored); NULL when none is known. */
static const char *
url_mime(const char *url)
{
	static const char *const ext[][2] = {
		{ "png", "image/png" }, { "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
		{ "gif", "image/gif" }, { "webp", "image/webp" }, { "heic", "image/heic" },
		{ "heif", "image/heif" }, { "pdf", "application/pdf" },
	};
	const char *path = strstr(url, "://");
	path = path ? strchr(path + 3, '/') : NULL;
	if (!path)
		return NULL;
	size_t n = strcspn(path, "?#");
	const char *dot = NULL;
	for (size_t i = 0; i < n; i++)
		if (path[i] == '.')
			dot = path + i;
		else if (path[i] == '/')
			dot = NULL;
	if (!dot)
		return NULL;
	size_t el = (size_t)(path + n - dot - 1);
	for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
		if (strlen(ext[i][0]) == el && !strncasecmp(dot + 1, ext[i][0], el))
			return ext[i][1];
	return NULL;
}

/* An http(s) URL as Gemini's fileData, or invalid with err (unsupported:
 * another entry is tried) when its type is not known. */
static jv
gemini_file(const char *url, const mlm_entry *e, char *err, size_t errlen)
{
	const char *mime = url_mime(url);
	if (!mime) {
		mlm_err(err, errlen, "unsupported parameter images: %s takes an image URL only with "
		    "a known type (.png, .jpg, .jpeg, .gif, .webp, .heic, .heif, .pdf); give the "
		    "bytes: a data URL, or llm-ask --attach", e && e->provider ? e->provider :
		    "this provider");
		return jv_invalid();
	}
	jv f = jv_object_set(jv_object(), jv_string("mimeType"), jv_string(mime));
	f = jv_object_set(f, jv_string("fileUri"), jv_string(url));
	return jv_object_set(jv_object(), jv_string("fileData"), f);
}

jv
mlm_parts_gemini(jv content, const mlm_entry *e, char *err, size_t errlen)
{
	if (jv_get_kind(content) == JV_KIND_STRING)
		return jv_array_append(jv_array(), jv_object_set(jv_object(), jv_string("text"), content));
	if (jv_get_kind(content) != JV_KIND_ARRAY) {
		jv_free(content);
		mlm_err(err, errlen, "request: a content must be a text or an array of parts");
		return jv_invalid();
	}
	jv oai = parts_openai(content, e, 1, 1, err, errlen);
	if (!jv_is_valid(oai))
		return oai;
	jv out = jv_array();
	jv_array_foreach(oai, i, p) {
		jv u = mlm_jpath(p, "image_url.url");
		if (jv_get_kind(u) != JV_KIND_STRING) {
			jv_free(u);
			u = mlm_jpath(p, "file.file_data");      /* a PDF */
		}
		if (jv_get_kind(u) == JV_KIND_STRING && strncmp(jv_string_value(u), "data:", 5)) {
			jv fd = gemini_file(jv_string_value(u), e, err, errlen);
			if (!jv_is_valid(fd)) {
				jv_free(u), jv_free(p), jv_free(oai), jv_free(out);
				return fd;
			}
			out = jv_array_append(out, fd);
		} else if (jv_get_kind(u) == JV_KIND_STRING) {
			char mime[64];
			const char *d = "";
			mlm_dataurl_parse(jv_string_value(u), mime, &d);
			jv in = jv_object_set(jv_object(), jv_string("mimeType"), jv_string(mime));
			in = jv_object_set(in, jv_string("data"), jv_string(d));
			out = jv_array_append(out, jv_object_set(jv_object(), jv_string("inlineData"), in));
		} else {
			out = jv_array_append(out, jv_object_set(jv_object(), jv_string("text"),
			    mlm_jpath(p, "text")));
		}
		jv_free(u), jv_free(p);
	}
	jv_free(oai);
	return out;
}
