/*
 * attach.c — see attach.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "attach.h"

int
attach_url(const char *spec, char **url, char *err, size_t errlen)
{
	*url = NULL;
	if (!strncmp(spec, "data:", 5) || !strncmp(spec, "https://", 8) ||
	    !strncmp(spec, "http://", 7)) {
		*url = mlm_strdup(spec);
		return *url ? 0 : mlm_err(err, errlen, "out of memory");
	}
	FILE *f = fopen(spec, "rb");
	if (!f)
		return mlm_err(err, errlen, "%s: %s", spec, strerror(errno));
	unsigned char *p = malloc(ATTACH_MAX + 1);
	size_t n = p ? fread(p, 1, ATTACH_MAX + 1, f) : 0;
	int rerr = ferror(f);
	fclose(f);
	if (!p)
		return mlm_err(err, errlen, "out of memory");
	if (rerr || n > ATTACH_MAX) {
		free(p);
		return rerr ? mlm_err(err, errlen, "%s: read error", spec) :
		    mlm_err(err, errlen, "%s: larger than %u bytes", spec, ATTACH_MAX);
	}
	const char *mime = mlm_media_sniff(p, n);
	if (!mime) {
		free(p);
		mlm_err(err, errlen, "%s: not a PNG, JPEG, GIF, WebP or PDF file", spec);
		return -2;
	}
	*url = mlm_dataurl_make(mime, p, n);
	free(p);
	return *url ? 0 : mlm_err(err, errlen, "out of memory");
}

jv
attach_to_last(jv msgs, jv urls)
{
	int n = jv_array_length(jv_copy(msgs));
	if (n <= 0 || jv_array_length(jv_copy(urls)) <= 0) {
		jv_free(urls);
		return msgs;
	}
	jv m = jv_array_get(jv_copy(msgs), n - 1);
	jv c = jv_object_get(jv_copy(m), jv_string("content")), parts;
	if (jv_get_kind(c) == JV_KIND_ARRAY)
		parts = c;
	else {
		parts = jv_array();
		if (jv_get_kind(c) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(c)))
			parts = jv_array_append(parts, jv_object_set(jv_object_set(jv_object(),
			    jv_string("type"), jv_string("text")), jv_string("text"), c));
		else
			jv_free(c);
	}
	jv_array_foreach(urls, i, u) {
		parts = jv_array_append(parts, jv_object_set(jv_object_set(jv_object(),
		    jv_string("type"), jv_string("image")), jv_string("url"), u));
	}
	jv_free(urls);
	m = jv_object_set(m, jv_string("content"), parts);
	return jv_array_set(msgs, n - 1, m);
}
