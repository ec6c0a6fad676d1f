/*
 * fmt-node.c — a parsed value as written (mlm_fnode: strings decoded, numbers
 * with their lexeme, keys in order, duplicates kept for the validator),
 * its conversions from and to jv, and the diagnostic records every stage
 * of llm-fmt journals.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-int.h"

/* ---------- nodes ---------- */

void
mlm_fnode_free(mlm_fnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		mlm_fnode_free(n->kid[i]);
		if (n->key)
			free(n->key[i]);
	}
	free(n->kid);
	free(n->key);
	free(n->klen);
	free(n->s);
	free(n);
}

mlm_fnode *
mlm_fnode_new(int t, size_t off)
{
	mlm_fnode *n = calloc(1, sizeof *n);
	if (n) {
		n->t = t;
		n->off = off;
	}
	return n;
}

int
mlm_fnode_add(mlm_fnode *p, char *key, size_t klen, mlm_fnode *v)
{
	if (p->n == p->cap) {
		size_t c = p->cap ? p->cap * 2 : 4;
		mlm_fnode **k = realloc(p->kid, c * sizeof *k);
		if (!k)
			return -1;
		p->kid = k;
		if (p->t == FN_OBJ) {
			char **kk = realloc(p->key, c * sizeof *kk);
			if (!kk)
				return -1;
			p->key = kk;
			size_t *kl = realloc(p->klen, c * sizeof *kl);
			if (!kl)
				return -1;
			p->klen = kl;
		}
		p->cap = c;
	}
	p->kid[p->n] = v;
	if (p->t == FN_OBJ) {
		p->key[p->n] = key;
		p->klen[p->n] = klen;
	}
	p->n++;
	return 0;
}

mlm_fnode *
mlm_fnode_from_jv(jv v)
{
	mlm_fnode *n = NULL;
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL:
		n = mlm_fnode_new(FN_NULL, 0);
		break;
	case JV_KIND_TRUE:
	case JV_KIND_FALSE:
		n = mlm_fnode_new(FN_BOOL, 0);
		if (n)
			n->b = jv_get_kind(v) == JV_KIND_TRUE;
		break;
	case JV_KIND_NUMBER: {
		n = mlm_fnode_new(FN_NUM, 0);
		if (!n)
			break;
		n->num = jv_number_value(v);
		char b[64];
		double x = n->num;
		if (x == floor(x) && fabs(x) < 1e17)
			snprintf(b, sizeof b, "%.0f", x);
		else
			snprintf(b, sizeof b, "%.17g", x);
		n->s = strdup(b);
		n->slen = strlen(b);
		break;
	}
	case JV_KIND_STRING:
		n = mlm_fnode_new(FN_STR, 0);
		if (!n)
			break;
		n->slen = (size_t)jv_string_length_bytes(jv_copy(v));
		n->s = mlm_strndup(jv_string_value(v), n->slen);
		break;
	case JV_KIND_ARRAY:
		n = mlm_fnode_new(FN_ARR, 0);
		if (!n)
			break;
		jv_array_foreach(v, i, x) {
			mlm_fnode *k = mlm_fnode_from_jv(x);
			if (!k || mlm_fnode_add(n, NULL, 0, k) < 0)
				mlm_fnode_free(k);
		}
		break;
	case JV_KIND_OBJECT:
		n = mlm_fnode_new(FN_OBJ, 0);
		if (!n)
			break;
		jv_object_foreach(v, key, x) {
			mlm_fnode *k = mlm_fnode_from_jv(x);
			size_t kl = (size_t)jv_string_length_bytes(jv_copy(key));
			char *ks = mlm_strndup(jv_string_value(key), kl);
			if (!k || mlm_fnode_add(n, ks, kl, k) < 0) {
				mlm_fnode_free(k);
				free(ks);
			}
			jv_free(key);
		}
		break;
	default:
		break;
	}
	jv_free(v);
	return n;
}

jv
mlm_fnode_to_jv(const mlm_fnode *n)
{
	switch (n->t) {
	case FN_NULL: return jv_null();
	case FN_BOOL: return jv_bool(n->b);
	case FN_NUM: return jv_number(n->num);
	case FN_STR: return jv_string_sized(n->s ? n->s : "", (int)n->slen);
	case FN_ARR: {
		jv a = jv_array();
		for (size_t i = 0; i < n->n; i++)
			a = jv_array_append(a, mlm_fnode_to_jv(n->kid[i]));
		return a;
	}
	case FN_OBJ: {
		jv o = jv_object();
		for (size_t i = 0; i < n->n; i++)
			o = jv_object_set(o, jv_string_sized(n->key[i], (int)n->klen[i]), mlm_fnode_to_jv(n->kid[i]));
		return o;
	}
	}
	return jv_null();
}

jv
mlm_fmt_diag(const char *kind, const char *code, const char *path, long off, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	jv d = jv_object();
	d = jv_object_set(d, jv_string("kind"), jv_string(kind));
	d = jv_object_set(d, jv_string("code"), jv_string(code));
	if (path)
		d = jv_object_set(d, jv_string("path"), jv_string(path));
	if (off >= 0)
		d = jv_object_set(d, jv_string("offset"), jv_number((double)off));
	d = jv_object_set(d, jv_string("message"), jv_string(msg));
	return d;
}

void
mlm_fmt_add(mlm_buf *b, const void *s, size_t n)
{
	if (mlm_buf_add(b, s, n) < 0)
		b->over = 1;
}
