/*
 * fmt-emit-flat.c — llm-fmt's flat outputs: shell assignments (one
 * variable per leaf, arrays expanded), TSV and CSV (one row per value, a
 * column per leaf, an optional header).
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-int.h"

/* ---------- flattening for sh, tsv, csv ---------- */

typedef void (*leaf_fn)(void *u, const char *path, const mlm_schema *t, jv x);

/* walks leaves in schema order (consumes v); arrays are leaves unless expand */
static void
leaves(const mlm_schema *s, jv v, mlm_buf *path, const char *sep, int expand, int upper,
    leaf_fn fn, void *u)
{
	size_t base = path->len;
	if (mlm_emit_is_obj(s)) {
		for (size_t i = 0; i < s->nprops; i++) {
			jv x = jv_is_valid(v) && jv_get_kind(v) == JV_KIND_OBJECT ?
			    mlm_jfield(v, s->props[i].name) : jv_invalid();
			if (path->len)
				out_puts(path, sep);
			if (expand) {
				char *id = mlm_emit_ident(s->props[i].name, upper);
				out_puts(path, id[0] == '_' && path->len ? id + 1 : id);
				free(id);
			} else
				out_puts(path, s->props[i].name);
			leaves(s->props[i].s, x, path, sep, expand, upper, fn, u);
			mlm_emit_cut(path, base);
		}
		if (jv_is_valid(v) && jv_get_kind(v) == JV_KIND_NULL && base && expand)
			fn(u, path->p, NULL, jv_null());   /* a null object */
		jv_free(v);
		return;
	}
	if (expand && s->type == MLM_ST_ARRAY) {
		int n = jv_is_valid(v) && jv_get_kind(v) == JV_KIND_ARRAY ? jv_array_length(jv_copy(v)) : 0;
		out_printf(path, "%s%s", sep, upper ? "COUNT" : "count");
		jv c = jv_number(n);
		fn(u, path->p, NULL, c);
		mlm_emit_cut(path, base);
		if (!jv_is_valid(v) || jv_get_kind(v) == JV_KIND_NULL)
			fn(u, path->p, NULL, jv_null());
		for (int i = 0; i < n; i++) {
			out_printf(path, "%s%d", sep, i);
			leaves(s->items, jv_array_get(jv_copy(v), i), path, sep, expand, upper, fn, u);
			mlm_emit_cut(path, base);
		}
		jv_free(v);
		return;
	}
	fn(u, path->p ? path->p : "", s, v);
}

/* the leaves of v (consumed) from the root */
static void
walk(const mlm_schema *s, jv v, const char *sep, int expand, int upper, leaf_fn fn, void *u)
{
	mlm_buf path = {0};
	out_add(&path, "", 0);
	leaves(s, v, &path, sep, expand, upper, fn, u);
	mlm_buf_free(&path);
}

/* the text of a leaf: strings raw; numbers, booleans; others JSON */
static void
leaf_text(const mlm_schema *t, jv x, mlm_buf *o, int *isnull)
{
	*isnull = 0;
	if (!jv_is_valid(x) || jv_get_kind(x) == JV_KIND_NULL) {
		*isnull = 1;
		return;
	}
	switch (jv_get_kind(x)) {
	case JV_KIND_STRING: {
		size_t l;
		const char *sv = mlm_emit_jstr(x, &l);
		out_add(o, sv, l);
		return;
	}
	case JV_KIND_NUMBER: {
		double d = jv_number_value(x);
		char nb[64];
		if (t && mlm_emit_integral(t))
			mlm_emit_ll_text(nb, sizeof nb, d);
		else if (d == floor(d) && fabs(d) < 1e15 && !(t && t->type == MLM_ST_NUMBER))
			snprintf(nb, sizeof nb, "%.0f", d);
		else
			mlm_emit_dbl(nb, sizeof nb, d);
		out_puts(o, nb);
		return;
	}
	case JV_KIND_TRUE:
		out_puts(o, "true");
		return;
	case JV_KIND_FALSE:
		out_puts(o, "false");
		return;
	default: {
		jv d = jv_dump_string(jv_copy(x), 0);
		out_puts(o, jv_string_value(d));
		jv_free(d);
	}
	}
}

typedef struct shctx {
	mlm_emitter *e;
	mlm_buf *b;
	nset names;
	char *err;
	size_t errlen;
	int failed;
} shctx;

static void
sh_leaf(void *u, const char *path, const mlm_schema *t, jv x)
{
	shctx *c = u;
	if (c->failed) {
		jv_free(x);
		return;
	}
	mlm_buf nm = {0};
	out_puts(&nm, c->e->o.prefix);
	int isnull;
	mlm_buf val = {0};
	out_add(&val, "", 0);
	leaf_text(t, x, &val, &isnull);
	if (isnull && !path[0] && !t) {
		mlm_buf_free(&val);
		mlm_buf_free(&nm);
		jv_free(x);
		return;
	}
	out_puts(&nm, path);
	if (memchr(val.p, 0, val.len)) {
		mlm_err(c->err, c->errlen, "%s: a shell variable cannot hold a NUL byte", nm.p);
		c->failed = 1;
		mlm_buf_free(&val);
		mlm_buf_free(&nm);
		jv_free(x);
		return;
	}
	if (isnull) {
		char buf[600];
		snprintf(buf, sizeof buf, "%s_%s", nm.p, c->e->o.upper ? "NULL" : "null");
		const char *n1 = mlm_emit_nset_unique(&c->names, strdup(buf));
		if (t) {
			const char *n0 = mlm_emit_nset_unique(&c->names, strdup(nm.p));
			out_printf(c->b, "%s=''\n", n0);
		}
		out_printf(c->b, "%s=1\n", n1);
	} else {
		const char *n0 = mlm_emit_nset_unique(&c->names, strdup(nm.p));
		out_printf(c->b, "%s='", n0);
		for (size_t i = 0; i < val.len; i++) {
			if (val.p[i] == '\'')
				out_puts(c->b, "'\\''");
			else
				out_add(c->b, val.p + i, 1);
		}
		out_puts(c->b, "'\n");
	}
	if (val.over || nm.over)
		c->b->over = 1;
	mlm_buf_free(&val);
	mlm_buf_free(&nm);
	jv_free(x);
}

typedef struct rowctx {
	mlm_emitter *e;
	mlm_buf *b;
	int n;
	int header;
	char *err;
	size_t errlen;
	int failed;
} rowctx;

/* a TSV cell: tab, newline, CR and backslash escaped as in C, a quote is
 * plain, NUL is \0 */
static void
tsv_cell(mlm_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		const char *q = mlm_emit_short_escape((unsigned char)c);
		if (q && c != '"')
			out_puts(b, q);
		else if (c == 0)
			out_puts(b, "\\0");
		else
			out_add(b, &c, 1);
	}
}

static int
csv_cell(mlm_buf *b, const char *s, size_t n)
{
	if (memchr(s, 0, n))
		return -1;
	int q = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			q = 1;
	if (n && (s[0] == ' ' || s[n - 1] == ' '))
		q = 1;
	if (!q) {
		out_add(b, s, n);
		return 0;
	}
	out_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			out_add(b, "\"", 1);
		out_add(b, s + i, 1);
	}
	out_add(b, "\"", 1);
	return 0;
}

static void
row_leaf(void *u, const char *path, const mlm_schema *t, jv x)
{
	rowctx *c = u;
	int csv = c->e->o.to == MLM_TO_CSV;
	if (c->n++)
		out_add(c->b, csv ? "," : "\t", 1);
	if (c->header) {
		if (csv)
			csv_cell(c->b, path, strlen(path));
		else
			tsv_cell(c->b, path, strlen(path));
		jv_free(x);
		return;
	}
	mlm_buf val = {0};
	out_add(&val, "", 0);
	int isnull;
	leaf_text(t, x, &val, &isnull);
	if (isnull) {
		if (!csv)
			out_puts(c->b, "\\N");
	} else if (csv) {
		if (csv_cell(c->b, val.p, val.len) < 0 && !c->failed) {
			c->failed = 1;
			mlm_err(c->err, c->errlen, "%s: a CSV cell cannot hold a NUL byte", path);
		}
	} else
		tsv_cell(c->b, val.p, val.len);
	if (val.over)
		c->b->over = 1;
	mlm_buf_free(&val);
	jv_free(x);
}


/* ---------- the families ---------- */

/* NAME=value lines, one per leaf */
static int
sh_value(mlm_emitter *e, jv v, size_t idx, mlm_buf *b, char *err, size_t errlen)
{
	shctx c = {e, b, {0}, err, errlen, 0};
	size_t at = b->len;
	walk(e->s, jv_copy(v), "_", 1, e->o.upper, sh_leaf, &c);
	mlm_emit_nset_free(&c.names);
	if (c.failed) {
		mlm_emit_cut(b, at);
		return -1;
	}
	return 0;
}

/* the header line, when asked */
static int
row_begin(mlm_emitter *e, mlm_buf *b, char *err, size_t errlen)
{
	if (e->o.header) {
		rowctx c = {e, b, 0, 1, err, errlen, 0};
		walk(e->s, jv_invalid(), ".", 0, 0, row_leaf, &c);
		out_puts(b, e->o.to == MLM_TO_CSV ? "\r\n" : "\n");
	}
	return 0;
}

/* one row */
static int
row_value(mlm_emitter *e, jv v, size_t idx, mlm_buf *b, char *err, size_t errlen)
{
	rowctx c = {e, b, 0, 0, err, errlen, 0};
	size_t at = b->len;
	walk(e->s, jv_copy(v), ".", 0, 0, row_leaf, &c);
	out_puts(b, e->o.to == MLM_TO_CSV ? "\r\n" : "\n");
	if (c.failed) {
		mlm_emit_cut(b, at);
		return -1;
	}
	return 0;
}

const mlm_emit_family mlm_emit_sh = {NULL, sh_value, NULL};
const mlm_emit_family mlm_emit_tsv = {row_begin, row_value, NULL};
