/*
 * json.c — JSON text out of jv values, byte for byte what libjq's
 * jv_dump_string(x, 0) writes, without its per-character printer (which
 * was a fifth of llm-map's CPU: request bodies, request hashes, records).
 */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"

static int utf8_ok(const unsigned char *s, size_t n);

static int
str_out(mlm_buf *b, const char *s, size_t n)
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

int
mlm_json_str(mlm_buf *b, const char *s, size_t n)
{
	if (utf8_ok((const unsigned char *)s, n))
		return str_out(b, s, n);
	/* what libjq keeps of it: invalid sequences become U+FFFD */
	jv t = jv_string_sized(s, (int)(n > INT_MAX ? INT_MAX : n));
	int r = str_out(b, jv_string_value(t), (size_t)jv_string_length_bytes(jv_copy(t)));
	jv_free(t);
	return r;
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
mlm_json_num(mlm_buf *b, double d)
{
	/* integers below 1e15 print as such; libjq writes larger ones,
	 * fractions and -0 in its own shortest form */
	if (d == floor(d) && fabs(d) < 1e15 && (d != 0 || !signbit(d))) {
		char t[24], *q = t + sizeof t;
		long long v = (long long)d;
		unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
		do
			*--q = (char)('0' + u % 10);
		while (u /= 10);
		if (v < 0)
			*--q = '-';
		return mlm_buf_add(b, q, (size_t)(t + sizeof t - q));
	}
	jv x = jv_number(d);
	int r = dump_slow(b, x);
	jv_free(x);
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
	case JV_KIND_NUMBER:
		return mlm_json_num(b, jv_number_value(x));
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

/* Object keys as jv strings, made once: a lookup by a C string would
 * otherwise allocate and hash its key every time (a request's adapter,
 * parameters and estimates look up some thirty). A small table indexed by
 * the key's address, checked by its bytes (an address may be reused for
 * other text); per thread, since jv reference counts are not atomic, and
 * freed at the thread's exit. */
#define KEYS 256
struct keycache {
	struct keyslot {
		const char *p;
		size_t n;
		jv s;
	} k[KEYS];
};
static pthread_key_t kc_key;
static _Thread_local struct keycache *kc_mine;  /* this thread's, also under kc_key */
static pthread_once_t kc_once = PTHREAD_ONCE_INIT;
static int kc_ok;

static void
kc_free(void *u)
{
	struct keycache *c = u;
	for (size_t i = 0; i < KEYS; i++)
		if (c->k[i].p)
			jv_free(c->k[i].s);
	free(c);
	kc_mine = NULL;
}

static void
kc_init(void)
{
	kc_ok = pthread_key_create(&kc_key, kc_free) == 0;
}

static jv
key_jv(const char *k, size_t n)
{
	int len = n > INT_MAX ? INT_MAX : (int)n;
	struct keycache *c = kc_mine;
	if (!c) {
		pthread_once(&kc_once, kc_init);
		if (kc_ok && (c = calloc(1, sizeof *c)) && pthread_setspecific(kc_key, c)) {
			free(c);
			c = NULL;
		}
		kc_mine = c;
	}
	if (!c)
		return jv_string_sized(k, len);
	uintptr_t h = ((uintptr_t)k >> 2) * 2654435761u + n;
	struct keyslot *e = &c->k[(h >> 8) % KEYS];
	/* e->n is the cached string's own length: invalid UTF-8, replaced by
	 * libjq, makes it differ from the key's, and it is made again */
	if (e->p == k && e->n == n && !memcmp(jv_string_value(e->s), k, n))
		return jv_copy(e->s);
	if (e->p)
		jv_free(e->s);
	e->p = k;
	e->s = jv_string_sized(k, len);
	e->n = (size_t)jv_string_length_bytes(jv_copy(e->s));
	return jv_copy(e->s);
}

jv
mlm_jget(jv o, const char *k, size_t n)
{
	if (jv_get_kind(o) != JV_KIND_OBJECT)
		return jv_invalid();
	return jv_object_get(jv_copy(o), key_jv(k, n));
}

jv
mlm_jkey(const char *key)
{
	return key_jv(key, strlen(key));
}

jv
mlm_jfield(jv o, const char *key)
{
	return mlm_jget(o, key, strlen(key));
}

/* ---------- a token tape over JSON text ---------- */

int mlm_json_fast_off;
unsigned long mlm_json_fast_n;

static const char *
ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at the opening quote; returns the closing quote or NULL */
static const char *
scan_string(const char *p, const char *e, int *esc)
{
	for (p++; p < e; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			*esc = 1;
			if (++p >= e)
				return NULL;
			switch (*p) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				break;
			case 'u':
				if (e - p < 5 || mlm_hexval(p[1]) < 0 || mlm_hexval(p[2]) < 0 || mlm_hexval(p[3]) < 0 ||
				    mlm_hexval(p[4]) < 0)
					return NULL;
				p += 4;
				break;
			default:
				return NULL;
			}
		}
	}
	return NULL;
}

static const char *
scan_number(const char *p, const char *e)
{
	if (p < e && *p == '-')
		p++;
	if (p >= e)
		return NULL;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (p < e && *p == '.') {
		const char *d = ++p;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return NULL;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		const char *d = p;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return NULL;
	}
	return p;
}

static int
add_tok(mlm_jdoc *d, int type, size_t start, size_t end, int esc)
{
	if (d->n >= MLM_JDOC_MAX)
		return -1;
	mlm_jtok *t = &d->t[d->n];
	t->type = type;
	t->esc = esc;
	t->start = start;
	t->end = end;
	t->next = d->n + 1;
	return d->n++;
}

int
mlm_jdoc_parse(mlm_jdoc *d, const char *s, size_t n)
{
	const char *p = s, *e = s + n;
	int stack[64], depth = 0;
	d->s = s;
	d->n = 0;
	p = ws(p, e);
	for (;;) {
		/* a value at p */
		if (p >= e)
			return -1;
		int esc = 0, k;
		const char *q;
		switch (*p) {
		case '{':
		case '[':
			if (depth == 64 || (k = add_tok(d, *p == '{' ? MLM_J_OBJECT : MLM_J_ARRAY,
			    (size_t)(p - s), 0, 0)) < 0)
				return -1;
			stack[depth++] = k;
			p = ws(p + 1, e);
			if (p < e && *p == (d->t[k].type == MLM_J_OBJECT ? '}' : ']')) {
				depth--;
				d->t[k].end = (size_t)(p + 1 - s);
				d->t[k].next = d->n;
				p++;
				goto after;
			}
			if (d->t[k].type == MLM_J_OBJECT)
				goto key;
			continue;
		case '"':
			if (!(q = scan_string(p, e, &esc)) ||
			    add_tok(d, MLM_J_STRING, (size_t)(p + 1 - s), (size_t)(q - s), esc) < 0)
				return -1;
			p = q + 1;
			break;
		case 't':
			if (e - p < 4 || memcmp(p, "true", 4) || add_tok(d, MLM_J_TRUE, 0, 0, 0) < 0)
				return -1;
			p += 4;
			break;
		case 'f':
			if (e - p < 5 || memcmp(p, "false", 5) || add_tok(d, MLM_J_FALSE, 0, 0, 0) < 0)
				return -1;
			p += 5;
			break;
		case 'n':
			if (e - p < 4 || memcmp(p, "null", 4) || add_tok(d, MLM_J_NULL, 0, 0, 0) < 0)
				return -1;
			p += 4;
			break;
		default:
			if (!(q = scan_number(p, e)) ||
			    add_tok(d, MLM_J_NUMBER, (size_t)(p - s), (size_t)(q - s), 0) < 0)
				return -1;
			p = q;
			break;
		}
after:
		/* after a value: a separator, a closing bracket, or the end */
		for (;;) {
			p = ws(p, e);
			if (!depth)
				return p == e ? 0 : -1;
			mlm_jtok *c = &d->t[stack[depth - 1]];
			if (p >= e)
				return -1;
			if (*p == ',') {
				p = ws(p + 1, e);
				if (c->type == MLM_J_OBJECT)
					goto key;
				break;
			}
			if (*p != (c->type == MLM_J_OBJECT ? '}' : ']'))
				return -1;
			c->end = (size_t)(p + 1 - s);
			c->next = d->n;
			depth--;
			p++;
		}
		continue;
key:
		/* an object member: "key" ws : ws, then its value */
		if (p >= e || *p != '"')
			return -1;
		esc = 0;
		if (!(q = scan_string(p, e, &esc)) ||
		    add_tok(d, MLM_J_STRING, (size_t)(p + 1 - s), (size_t)(q - s), esc) < 0)
			return -1;
		p = ws(q + 1, e);
		if (p >= e || *p != ':')
			return -1;
		p = ws(p + 1, e);
	}
}

int
mlm_jdoc_get(const mlm_jdoc *d, int tok, const char *path)
{
	const char *p = path;
	while (tok >= 0 && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		const mlm_jtok *t = &d->t[tok];
		int found = -1;
		if (t->type == MLM_J_OBJECT) {
			/* the last of duplicate keys wins, as in libjq */
			for (int k = tok + 1; k < t->next; k = d->t[k + 1].next) {
				const mlm_jtok *key = &d->t[k];
				if (key->esc)
					return -2;
				if (key->end - key->start == n && !memcmp(d->s + key->start, p, n))
					found = k + 1;
			}
		} else if (t->type == MLM_J_ARRAY && n && n < 9 && *p >= '0' && *p <= '9') {
			int idx = atoi(p), i = 0;
			for (int k = tok + 1; k < t->next; k = d->t[k].next, i++)
				if (i == idx) {
					found = k;
					break;
				}
		}
		tok = found;
		if (tok >= 0 && d->t[tok].type == MLM_J_NULL)
			return -1;
		p += n + (dot ? 1 : 0);
	}
	return tok;
}

/* valid UTF-8 that libjq keeps as it is (no overlongs, surrogates, or
 * code points past U+10FFFF) */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned cp, min;
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07, min = 0x10000;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

static void
put_utf8(char *o, size_t *k, unsigned cp)
{
	if (cp < 0x80) {
		o[(*k)++] = (char)cp;
	} else if (cp < 0x800) {
		o[(*k)++] = (char)(0xc0 | cp >> 6);
		o[(*k)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		o[(*k)++] = (char)(0xe0 | cp >> 12);
		o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[(*k)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		o[(*k)++] = (char)(0xf0 | cp >> 18);
		o[(*k)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[(*k)++] = (char)(0x80 | (cp & 0x3f));
	}
}

int
mlm_jdoc_str(const mlm_jdoc *d, int tok, mlm_buf *out)
{
	if (tok < 0 || d->t[tok].type != MLM_J_STRING)
		return -2;
	const mlm_jtok *t = &d->t[tok];
	const char *s = d->s + t->start;
	size_t n = t->end - t->start, at = out->len;
	if (!utf8_ok((const unsigned char *)s, n))
		return -2;
	if (!t->esc)
		return mlm_buf_add(out, s, n);
	/* the decoded text is never longer than the escaped one */
	if (mlm_buf_add(out, s, n) < 0)
		return -1;
	char *o = out->p + at;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			o[k++] = s[i];
			continue;
		}
		char c = s[++i];
		switch (c) {
		case 'b': o[k++] = '\b'; break;
		case 'f': o[k++] = '\f'; break;
		case 'n': o[k++] = '\n'; break;
		case 'r': o[k++] = '\r'; break;
		case 't': o[k++] = '\t'; break;
		case 'u': {
			unsigned cp = (unsigned)(mlm_hexval(s[i + 1]) << 12 | mlm_hexval(s[i + 2]) << 8 |
			    mlm_hexval(s[i + 3]) << 4 | mlm_hexval(s[i + 4]));
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && i + 6 < n + 0 && s[i + 1] == '\\' &&
			    s[i + 2] == 'u') {
				unsigned lo = (unsigned)(mlm_hexval(s[i + 3]) << 12 | mlm_hexval(s[i + 4]) << 8 |
				    mlm_hexval(s[i + 5]) << 4 | mlm_hexval(s[i + 6]));
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				}
			}
			if (cp >= 0xd800 && cp <= 0xdfff) {
				/* a lone surrogate: libjq's own replacement rules */
				out->len = at;
				out->p[at] = 0;
				return -2;
			}
			put_utf8(o, &k, cp);
			break;
		}
		default: o[k++] = c; break;     /* " \ / */
		}
	}
	out->len = at + k;
	out->p[out->len] = 0;
	return 0;
}

int
mlm_jdoc_num(const mlm_jdoc *d, int tok, double *v)
{
	if (tok < 0 || d->t[tok].type != MLM_J_NUMBER)
		return -1;
	char t[64];
	size_t n = d->t[tok].end - d->t[tok].start;
	if (n >= sizeof t)
		return -1;
	memcpy(t, d->s + d->t[tok].start, n);
	t[n] = 0;
	*v = strtod(t, NULL);
	return 0;
}
