/*
 * fmt-emit-c.c — llm-fmt's C output: struct and enum declarations (a
 * header), and each value as designated initializers of static const
 * structs, with <name>_all[] and <name>_count at the end. Strings are
 * written so that no byte can escape its literal: octal escapes (never
 * \x), "??" trigraphs broken, NUL refused unless asked.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-int.h"

/* can C express this schema? */
int
mlm_emit_c_check(const mlm_schema *s, const char *path, char *err, size_t errlen)
{
	char sub[400];
	if (s->type == MLM_ST_OBJECT)
		for (size_t i = 0; i < s->nprops; i++) {
			snprintf(sub, sizeof sub, "%s.%s", path, s->props[i].name);
			if (mlm_emit_c_check(s->props[i].s, sub, err, errlen) < 0)
				return -1;
		}
	if (s->type == MLM_ST_ENUM && !mlm_emit_is_str_enum(s) && !mlm_emit_num_enum(s))
		return mlm_err(err, errlen, "%s: an enum mixing strings and numbers has no C type", path);
	if (s->type == MLM_ST_ARRAY) {
		const mlm_schema *it = s->items;
		if (it->type == MLM_ST_ARRAY)
			return mlm_err(err, errlen, "%s: arrays of arrays have no C form yet", path);
		if (it->type == MLM_ST_ANY || (it->type == MLM_ST_OBJECT && !mlm_emit_is_obj(it)))
			return mlm_err(err, errlen, "%s: arrays of any have no C form yet", path);
		if (it->nullable && it->type != MLM_ST_STRING)
			return mlm_err(err, errlen, "%s: arrays of nullable non-strings have no C form", path);
		snprintf(sub, sizeof sub, "%s[]", path);
		return mlm_emit_c_check(it, sub, err, errlen);
	}
	return 0;
}

/* C string literal; -1 on NUL when not allowed */
static int
c_string(mlm_emitter *e, mlm_buf *b, const char *s, size_t n, char *err, size_t errlen)
{
	size_t piece = 0;
	out_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *q = mlm_emit_short_escape(c);
		char o[8];
		if (piece >= 72 && (c < 0x80 || (c & 0xC0) != 0x80)) {
			out_puts(b, "\"\n\t    \"");
			piece = 0;
		}
		if (c == 0 && !e->o.c_nul)
			return mlm_err(err, errlen, "string holds a NUL byte (use --c-nul escape)");
		if (q)
			out_puts(b, q);
		else if (c == '?' && i > 0 && s[i - 1] == '?')
			out_add(b, "\\?", 2);
		else if (c < 0x20 || c == 0x7F || (c >= 0x80 && e->o.ascii)) {
			snprintf(o, sizeof o, "\\%03o", c);
			out_add(b, o, 4);
		} else
			out_add(b, &c, 1);
		piece++;
		if (c == '\n' && i + 1 < n)
			piece = 72;
	}
	out_add(b, "\"", 1);
	return 0;
}

/* a comment body: no "*" "/" and no newline */
static void
c_comment(mlm_buf *b, const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == '*' && p[1] == '/') {
			out_puts(b, "*\\/");
			p++;
		} else if (*p == '\n' || *p == '\r')
			out_add(b, " ", 1);
		else if (*p == '?' && p[1] == '?')
			out_puts(b, "? ");
		else
			out_add(b, p, 1);
	}
}

static void
c_member_comment(mlm_buf *b, const char *key, const char *member, const char *desc, int nullable)
{
	int renamed = strcmp(key, member) != 0;
	if (!renamed && !desc && !nullable)
		return;
	out_puts(b, " /* ");
	if (renamed) {
		jv q = jv_dump_string(jv_string(key), 0);
		c_comment(b, jv_string_value(q));
		jv_free(q);
		if (desc)
			out_puts(b, ": ");
	}
	if (desc)
		c_comment(b, desc);
	if (nullable)
		out_puts(b, renamed || desc ? " (nullable)" : "(nullable)");
	out_puts(b, " */");
}

/* ---------- C declarations ---------- */

static const char *
c_scalar(const mlm_schema *t, ninfo *ti, char *buf, size_t bl)
{
	switch (t->type) {
	case MLM_ST_STRING: return "const char *";
	case MLM_ST_INTEGER: return "long long ";
	case MLM_ST_NUMBER: return "double ";
	case MLM_ST_BOOLEAN: return "bool ";
	case MLM_ST_ENUM:
		if (mlm_emit_is_str_enum(t)) {
			snprintf(buf, bl, "enum %s ", ti->ctag);
			return buf;
		}
		return mlm_emit_num_enum(t) == 1 ? "long long " : "double ";
	case MLM_ST_OBJECT:
		snprintf(buf, bl, "struct %s ", ti->ctag);
		return buf;
	}
	return "const char *";
}

static void
c_decls(mlm_emitter *e, const mlm_schema *s, mlm_buf *b, int enums)
{
	ninfo *me = mlm_emit_info(e, s);
	if (s->type == MLM_ST_ARRAY) {
		c_decls(e, s->items, b, enums);
		return;
	}
	if (s->type == MLM_ST_ENUM && mlm_emit_is_str_enum(s) && enums) {
		out_printf(b, "enum %s {", me->ctag);
		jv_array_foreach(s->enums, k, x) {
			out_printf(b, "%s\n\t%s", k ? "," : "", me->enumr[k]);
			char *lw = strdup(me->enumr[k] + strlen(me->ctag) + 1);
			for (char *p = lw; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			if (strcmp(lw, jv_string_value(x))) {
				out_puts(b, " /* ");
				jv q = jv_dump_string(jv_copy(x), 0);
				c_comment(b, jv_string_value(q));
				jv_free(q);
				out_puts(b, " */");
			}
			free(lw);
			jv_free(x);
		}
		out_puts(b, "\n};\n");
		/* names back, as an inline function (never "unused") */
		out_printf(b, "static inline const char *%s_name(enum %s v)\n{\n\tswitch (v) {\n", me->ctag, me->ctag);
		jv_array_foreach(s->enums, k, x) {
			out_printf(b, "\tcase %s: return ", me->enumr[k]);
			size_t l;
			const char *sv = mlm_emit_jstr(x, &l);
			char dummy[8];
			mlm_emitter tmp = *e;
			tmp.o.c_nul = 1;
			c_string(&tmp, b, sv, l, dummy, sizeof dummy);
			out_puts(b, ";\n");
			jv_free(x);
		}
		out_puts(b, "\t}\n\treturn \"\";\n}\n\n");
		return;
	}
	if (!mlm_emit_is_obj(s))
		return;
	for (size_t i = 0; i < s->nprops; i++)
		c_decls(e, s->props[i].s, b, enums);
	if (enums)
		return;
	out_printf(b, "struct %s {\n", me->ctag);
	for (size_t i = 0; i < s->nprops; i++) {
		const mlm_schema *t = s->props[i].s;
		const char *m = me->cmem[i];
		int opt = t->nullable || !s->props[i].required;
		char tb[300];
		out_puts(b, "\t");
		if (t->type == MLM_ST_ANY || (t->type == MLM_ST_OBJECT && !mlm_emit_is_obj(t))) {
			out_printf(b, "const char *%s_json;", m);
		} else if (t->type == MLM_ST_ARRAY) {
			const mlm_schema *it = t->items;
			ninfo *ii = mlm_emit_info(e, it);
			if (opt)
				out_printf(b, "bool has_%s;\n\t", m);
			if (it->type == MLM_ST_STRING)
				out_printf(b, "const char *const *%s;", m);
			else
				out_printf(b, "const %s*%s;", c_scalar(it, ii, tb, sizeof tb), m);
			out_printf(b, " size_t %s_count;", m);
		} else if (t->type == MLM_ST_OBJECT) {
			ninfo *ti = mlm_emit_info(e, t);
			if (opt)
				out_printf(b, "const struct %s *%s;", ti->ctag, m);
			else
				out_printf(b, "struct %s %s;", ti->ctag, m);
		} else if (t->type == MLM_ST_STRING) {
			out_printf(b, "const char *%s;", m);
			if (e->o.c_nul)
				out_printf(b, " size_t %s_len;", m);
		} else {
			if (opt)
				out_printf(b, "bool has_%s; ", m);
			out_printf(b, "%s%s;", c_scalar(t, mlm_emit_info(e, t), tb, sizeof tb), m);
		}
		c_member_comment(b, s->props[i].name, m, t->desc,
		    t->type == MLM_ST_STRING && opt);
		out_puts(b, "\n");
	}
	out_puts(b, "};\n\n");
}

/* ---------- C values ---------- */

static int c_init(mlm_emitter *e, const mlm_schema *s, jv v, const char *stat, mlm_buf *pre,
    mlm_buf *b, int indent, char *err, size_t errlen);

/* a C number literal: integers as long long (the members' type), others as double */
static void
c_number(mlm_buf *b, double d, int isint)
{
	char nb[64];
	if (isint) {
		mlm_emit_ll_text(nb, sizeof nb, d);
		out_printf(b, "%sLL", nb);
	} else {
		mlm_emit_dbl(nb, sizeof nb, d);
		out_puts(b, nb);
	}
}

static int
c_scalar_value(mlm_emitter *e, const mlm_schema *t, jv x, mlm_buf *b, char *err, size_t errlen)
{
	switch (t->type) {
	case MLM_ST_STRING: {
		size_t l;
		const char *sv = mlm_emit_jstr(x, &l);
		return c_string(e, b, sv, l, err, errlen);
	}
	case MLM_ST_INTEGER:
	case MLM_ST_NUMBER:
		c_number(b, jv_number_value(x), t->type == MLM_ST_INTEGER);
		return 0;
	case MLM_ST_BOOLEAN:
		out_puts(b, jv_get_kind(x) == JV_KIND_TRUE ? "true" : "false");
		return 0;
	case MLM_ST_ENUM:
		if (mlm_emit_is_str_enum(t)) {
			ninfo *ti = mlm_emit_info(e, t);
			int found = -1;
			jv_array_foreach(t->enums, k, y) {
				if (jv_equal(y, jv_copy(x)))
					found = k;
			}
			if (found < 0)
				return mlm_err(err, errlen, "value is not in the enum");
			out_puts(b, ti->enumr[found]);
		} else
			c_number(b, jv_number_value(x), mlm_emit_integral(t));
		return 0;
	}
	return mlm_err(err, errlen, "internal: not a scalar");
}

static const char *
c_zero(const mlm_schema *t)
{
	switch (t->type) {
	case MLM_ST_INTEGER: return "0LL";
	case MLM_ST_NUMBER: return "0.0";
	case MLM_ST_BOOLEAN: return "false";
	}
	return NULL;
}

/* one member of a value being written: where and under what names */
typedef struct cmout {
	mlm_emitter *e;
	mlm_buf *pre, *b;      /* what goes before the value, the value */
	const char *m;         /* the member */
	const char *sub;       /* the name of its own statics: <stat>_<member> */
	int opt, isnull;
	int indent;
	char *err;
	size_t errlen;
} cmout;

/* an any value: its JSON text as a string */
static int
c_init_any(cmout *o, jv x)
{
	out_printf(o->b, ".%s_json = ", o->m);
	if (!jv_is_valid(x)) {
		out_puts(o->b, "NULL");
		return 0;
	}
	jv d = jv_dump_string(jv_copy(x), 0);
	size_t l;
	const char *sv = mlm_emit_jstr(d, &l);
	int r = c_string(o->e, o->b, sv, l, o->err, o->errlen);
	jv_free(d);
	return r;
}

/* the items of an array as a named static array (into arr); 0 or -1 with
 * the item named in the error */
static int
c_init_items(cmout *o, const mlm_schema *it, jv x, mlm_buf *arr)
{
	int r = 0;
	jv_array_foreach(x, k, y) {
		if (r == 0) {
			out_puts(arr, "\t");
			if (it->type == MLM_ST_OBJECT) {
				char idx[600];
				snprintf(idx, sizeof idx, "%s_%d", o->sub, k);
				r = c_init(o->e, it, y, idx, o->pre, arr, 1, o->err, o->errlen);
			} else if (jv_get_kind(y) == JV_KIND_NULL)
				out_puts(arr, "NULL");
			else
				r = c_scalar_value(o->e, it, y, arr, o->err, o->errlen);
			if (r < 0) {
				char tmp[MLM_ERRLEN];
				snprintf(tmp, sizeof tmp, "%s", o->err);
				mlm_err(o->err, o->errlen, tmp[0] == '.' ? "[%d]%s" : "[%d]: %s", k, tmp);
			}
			out_puts(arr, ",\n");
		}
		jv_free(y);
	}
	return r;
}

/* an array: a pointer to a named static array, written before this value,
 * and the count */
static int
c_init_array(cmout *o, const mlm_schema *t, jv x)
{
	const mlm_schema *it = t->items;
	char tb[300];
	int n = o->isnull ? 0 : jv_array_length(jv_copy(x));
	if (o->opt)
		out_printf(o->b, ".has_%s = %s, ", o->m, o->isnull ? "false" : "true");
	if (n == 0) {
		out_printf(o->b, ".%s = NULL, .%s_count = 0", o->m, o->m);
		return 0;
	}
	mlm_buf arr = {0};
	if (it->type == MLM_ST_STRING)
		out_printf(&arr, "static const char *const %s[] = {\n", o->sub);
	else
		out_printf(&arr, "static const %s%s[] = {\n", c_scalar(it, mlm_emit_info(o->e, it), tb, sizeof tb), o->sub);
	int r = c_init_items(o, it, x, &arr);
	out_puts(&arr, "};\n");
	if (r == 0)
		out_buf(o->pre, &arr);
	mlm_buf_free(&arr);
	out_printf(o->b, ".%s = %s, .%s_count = %d", o->m, o->sub, o->m, n);
	return r;
}

/* an object: in place, or (optional) a pointer to a named static */
static int
c_init_object(cmout *o, const mlm_schema *t, jv x)
{
	if (!o->opt) {
		out_printf(o->b, ".%s = ", o->m);
		return c_init(o->e, t, x, o->sub, o->pre, o->b, o->indent + 1, o->err, o->errlen);
	}
	if (o->isnull) {
		out_printf(o->b, ".%s = NULL", o->m);
		return 0;
	}
	mlm_buf obj = {0};
	ninfo *ti = mlm_emit_info(o->e, t);
	out_printf(&obj, "static const struct %s %s = ", ti->ctag, o->sub);
	int r = c_init(o->e, t, x, o->sub, o->pre, &obj, 0, o->err, o->errlen);
	out_puts(&obj, ";\n");
	if (r == 0)
		out_buf(o->pre, &obj);
	mlm_buf_free(&obj);
	out_printf(o->b, ".%s = &%s", o->m, o->sub);
	return r;
}

/* a string (NULL when null; its length too with c_nul) */
static int
c_init_string(cmout *o, const mlm_schema *t, jv x)
{
	int r = 0;
	out_printf(o->b, ".%s = ", o->m);
	if (o->isnull)
		out_puts(o->b, "NULL");
	else
		r = c_scalar_value(o->e, t, x, o->b, o->err, o->errlen);
	if (o->e->o.c_nul)
		out_printf(o->b, ", .%s_len = %zu", o->m,
		    o->isnull ? (size_t)0 : (size_t)jv_string_length_bytes(jv_copy(x)));
	return r;
}

/* a number, boolean or enum, with has_<member> when optional; a null as
 * the type's zero */
static int
c_init_scalar(cmout *o, const mlm_schema *t, jv x)
{
	if (o->opt)
		out_printf(o->b, ".has_%s = %s, ", o->m, o->isnull ? "false" : "true");
	out_printf(o->b, ".%s = ", o->m);
	if (!o->isnull)
		return c_scalar_value(o->e, t, x, o->b, o->err, o->errlen);
	const char *z = c_zero(t);
	if (t->type == MLM_ST_ENUM) {
		ninfo *ti = mlm_emit_info(o->e, t);
		if (mlm_emit_is_str_enum(t))
			z = ti->enumr[0];
		else
			z = mlm_emit_num_enum(t) == 1 ? "0LL" : "0.0";
	}
	out_puts(o->b, z ? z : "0");
	return 0;
}

static int
c_init(mlm_emitter *e, const mlm_schema *s, jv v, const char *stat, mlm_buf *pre, mlm_buf *b,
    int indent, char *err, size_t errlen)
{
	ninfo *me = mlm_emit_info(e, s);
	out_puts(b, "{\n");
	for (size_t i = 0; i < s->nprops; i++) {
		const mlm_schema *t = s->props[i].s;
		const char *m = me->cmem[i];
		jv x = mlm_jfield(v, s->props[i].name);
		size_t sl = strlen(stat) + strlen(m) + 2;
		char *sub = malloc(sl);
		if (!sub) {
			jv_free(x);
			return mlm_err(err, errlen, "out of memory");
		}
		snprintf(sub, sl, "%s_%s", stat, m);
		cmout o = {e, pre, b, m, sub, t->nullable || !s->props[i].required,
		    !jv_is_valid(x) || jv_get_kind(x) == JV_KIND_NULL, indent, err, errlen};
		int r;
		mlm_emit_ind(b, indent + 1);
		if (t->type == MLM_ST_ANY || (t->type == MLM_ST_OBJECT && !mlm_emit_is_obj(t)))
			r = c_init_any(&o, x);
		else if (t->type == MLM_ST_ARRAY)
			r = c_init_array(&o, t, x);
		else if (t->type == MLM_ST_OBJECT)
			r = c_init_object(&o, t, x);
		else if (t->type == MLM_ST_STRING)
			r = c_init_string(&o, t, x);
		else
			r = c_init_scalar(&o, t, x);
		out_puts(b, ",\n");
		jv_free(x);
		free(sub);
		if (r < 0) {
			/* name the member in the error */
			char tmp[MLM_ERRLEN];
			snprintf(tmp, sizeof tmp, "%s", err);
			mlm_err(err, errlen, tmp[0] == '.' || tmp[0] == '[' ? ".%s%s" : ".%s: %s", s->props[i].name, tmp);
			return -1;
		}
	}
	mlm_emit_ind(b, indent);
	out_puts(b, "}");
	return 0;
}


/* ---------- the family ---------- */

/* the header: the guard, the enum and struct declarations */
static int
c_begin(mlm_emitter *e, mlm_buf *b, char *err, size_t errlen)
{
	char *g = mlm_emit_ident(e->name, 1);
	out_printf(b, "/* generated by llm-fmt: strings are UTF-8 */\n#ifndef %s_H\n#define %s_H\n"
	    "#include <stdbool.h>\n#include <stddef.h>\n\n", g, g);
	c_decls(e, e->s, b, 1);
	c_decls(e, e->s, b, 0);
	out_printf(b, "#endif /* %s_H */\n", g);
	free(g);
	if (e->o.to == MLM_TO_C)
		out_puts(b, "\n");
	return 0;
}

/* static const struct <tag> <name>_<idx> = {...}; its arrays and strings
 * that need names of their own go before it */
static int
c_value(mlm_emitter *e, jv v, size_t idx, mlm_buf *b, char *err, size_t errlen)
{
	char stat[400];
	snprintf(stat, sizeof stat, "%s_%zu", e->name, idx);
	mlm_buf pre = {0}, body = {0};
	out_add(&pre, "", 0);
	ninfo *me = mlm_emit_info(e, e->s);
	out_printf(&body, "static const struct %s %s = ", me->ctag, stat);
	int r = c_init(e, e->s, v, stat, &pre, &body, 0, err, errlen);
	if (r == 0) {
		out_buf(b, &pre);
		out_buf(b, &body);
		out_puts(b, ";\n\n");
	} else {
		char tmp[MLM_ERRLEN];
		snprintf(tmp, sizeof tmp, "%s", err);
		mlm_err(err, errlen, "$%s", tmp);
	}
	mlm_buf_free(&pre);
	mlm_buf_free(&body);
	return r;
}

/* <name>_all[] and <name>_count */
static int
c_end(mlm_emitter *e, mlm_buf *b, char *err, size_t errlen)
{
	ninfo *me = mlm_emit_info(e, e->s);
	out_printf(b, "extern const struct %s *const %s_all[];\n", me->ctag, e->name);
	out_printf(b, "const struct %s *const %s_all[] = {", me->ctag, e->name);
	if (e->count == 0)
		out_puts(b, " NULL");
	for (size_t i = 0; i < e->count; i++)
		out_printf(b, "\n\t&%s_%zu,", e->name, i);
	out_printf(b, "\n};\nextern const size_t %s_count;\nconst size_t %s_count = %zu;\n",
	    e->name, e->name, e->count);
	return 0;
}

const mlm_emit_family mlm_emit_c = {c_begin, c_value, c_end};
const mlm_emit_family mlm_emit_c_decl = {c_begin, NULL, NULL};
const mlm_emit_family mlm_emit_c_value = {NULL, c_value, c_end};
