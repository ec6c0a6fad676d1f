/*
 * json.c — JSON text out of jv values, byte for byte what libjq's
 * jv_dump_string(x, 0) writes, without its per-character printer (which
 * was a fifth of llm-map's CPU: request bodies, request hashes, records).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mlm.h"

int
mlm_json_str(mlm_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	int r = mlm_buf_add(b, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		r |= mlm_buf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': r |= mlm_buf_add(b, "\\\"", 2); break;
		case '\\': r |= mlm_buf_add(b, "\\\\", 2); break;
		case '\b': r |= mlm_buf_add(b, "\\b", 2); break;
		case '\f': r |= mlm_buf_add(b, "\\f", 2); break;
		case '\n': r |= mlm_buf_add(b, "\\n", 2); break;
		case '\r': r |= mlm_buf_add(b, "\\r", 2); break;
		case '\t': r |= mlm_buf_add(b, "\\t", 2); break;
		default: {
			char e[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
			r |= mlm_buf_add(b, e, 6);
		}
		}
	}
	r |= mlm_buf_add(b, s + run, n - run);
	r |= mlm_buf_add(b, "\"", 1);
	return r ? -1 : 0;
}

/* anything this writer does not do itself goes through libjq */
static int
dump_slow(mlm_buf *b, jv x)
{
	jv d = jv_dump_string(jv_copy(x), 0);
	int r = mlm_buf_add(b, jv_string_value(d), (size_t)jv_string_length_bytes(jv_copy(d)));
	jv_free(d);
	return r;
}

int
mlm_json_dump(mlm_buf *b, jv x)
{
	int r = 0;
	switch (jv_get_kind(x)) {
	case JV_KIND_NULL:
		return mlm_buf_add(b, "null", 4);
	case JV_KIND_TRUE:
		return mlm_buf_add(b, "true", 4);
	case JV_KIND_FALSE:
		return mlm_buf_add(b, "false", 5);
	case JV_KIND_NUMBER: {
		/* integers below 1e15 print as such; libjq writes larger ones,
		 * fractions and -0 in its own shortest form */
		double d = jv_number_value(x);
		if (d == floor(d) && fabs(d) < 1e15 && (d != 0 || !signbit(d))) {
			char t[24];
			int n = snprintf(t, sizeof t, "%lld", (long long)d);
			return mlm_buf_add(b, t, (size_t)n);
		}
		return dump_slow(b, x);
	}
	case JV_KIND_STRING:
		return mlm_json_str(b, jv_string_value(x), (size_t)jv_string_length_bytes(jv_copy(x)));
	case JV_KIND_ARRAY: {
		int n = jv_array_length(jv_copy(x));
		r |= mlm_buf_add(b, "[", 1);
		for (int i = 0; i < n; i++) {
			jv v = jv_array_get(jv_copy(x), i);
			if (i)
				r |= mlm_buf_add(b, ",", 1);
			r |= mlm_json_dump(b, v);
			jv_free(v);
		}
		r |= mlm_buf_add(b, "]", 1);
		return r ? -1 : 0;
	}
	case JV_KIND_OBJECT: {
		/* libjq's own order: its iterator, as jv_dump_term walks it */
		int first = 1;
		r |= mlm_buf_add(b, "{", 1);
		for (int i = jv_object_iter(x); jv_object_iter_valid(x, i); i = jv_object_iter_next(x, i)) {
			jv k = jv_object_iter_key(x, i), v = jv_object_iter_value(x, i);
			if (!first)
				r |= mlm_buf_add(b, ",", 1);
			first = 0;
			r |= mlm_json_dump(b, k);
			r |= mlm_buf_add(b, ":", 1);
			r |= mlm_json_dump(b, v);
			jv_free(k), jv_free(v);
		}
		r |= mlm_buf_add(b, "}", 1);
		return r ? -1 : 0;
	}
	default:
		return dump_slow(b, x);
	}
}
