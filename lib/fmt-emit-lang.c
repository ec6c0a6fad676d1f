/*
 * fmt-emit-lang.c — llm-fmt's outputs for programming languages with
 * types of their own: Python (TypedDict), Go (structs with json tags),
 * Rust (structs) and TypeScript (interfaces), declarations and values.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-int.h"

/* ---------- Python, Go, Rust, TypeScript ---------- */

/* a double-quoted string for py/go/rs (lang 'p','g','r') or JSON for ts */
static void
q_string(mlm_buf *b, const char *s, size_t n, int lang)
{
	out_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *q = mlm_emit_short_escape(c);
		char o[16];
		if (q)
			out_puts(b, q);
		else if (c < 0x20 || c == 0x7F) {
			if (lang == 'r')
				snprintf(o, sizeof o, "\\u{%x}", c);
			else if (lang == 't')
				snprintf(o, sizeof o, "\\u%04x", c);
			else
				snprintf(o, sizeof o, "\\x%02x", c);
			out_puts(b, o);
		} else if (lang == 't' && c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
			out_puts(b, (unsigned char)s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
			i += 2;
		} else
			out_add(b, &c, 1);
	}
	out_add(b, "\"", 1);
}

static void
num_lit(mlm_buf *b, const mlm_schema *t, double d, int lang)
{
	char nb[64];
	int isint = t && mlm_emit_integral(t);
	if (isint || (!t && d == floor(d) && fabs(d) < 1e15))
		mlm_emit_ll_text(nb, sizeof nb, d);
	else {
		mlm_emit_dbl(nb, sizeof nb, d);
		if (lang == 't' && !strcmp(nb, "-0.0"))
			snprintf(nb, sizeof nb, "-0");
	}
	out_puts(b, nb);
}

static void lang_type(mlm_emitter *e, const mlm_schema *t, int opt, mlm_buf *b, int lang);

static void
lang_type(mlm_emitter *e, const mlm_schema *t, int opt, mlm_buf *b, int lang)
{
	ninfo *ti = mlm_emit_info(e, t);
	mlm_buf in = {0};
	out_add(&in, "", 0);
	switch (t->type) {
	case MLM_ST_STRING:
		out_puts(&in, lang == 'p' ? "str" : lang == 'g' ? "string" : lang == 'r' ? "&'static str" : "string");
		break;
	case MLM_ST_INTEGER:
		out_puts(&in, lang == 'p' ? "int" : lang == 'g' ? "int64" : lang == 'r' ? "i64" : "number");
		break;
	case MLM_ST_NUMBER:
		out_puts(&in, lang == 'p' ? "float" : lang == 'g' ? "float64" : lang == 'r' ? "f64" : "number");
		break;
	case MLM_ST_BOOLEAN:
		out_puts(&in, lang == 'p' ? "bool" : lang == 'g' ? "bool" : lang == 'r' ? "bool" : "boolean");
		break;
	case MLM_ST_ENUM:
		if (lang == 'p' || lang == 't') {
			if (lang == 'p')
				out_puts(&in, "Literal[");
			jv_array_foreach(t->enums, k, x) {
				if (k)
					out_puts(&in, lang == 'p' ? ", " : " | ");
				if (jv_get_kind(x) == JV_KIND_STRING) {
					size_t l;
					const char *sv = mlm_emit_jstr(x, &l);
					q_string(&in, sv, l, lang);
				} else
					num_lit(&in, t, jv_number_value(x), lang);
				jv_free(x);
			}
			if (lang == 'p')
				out_puts(&in, "]");
		} else if (mlm_emit_is_str_enum(t))
			out_puts(&in, lang == 'g' ? "string" : "&'static str");
		else
			out_puts(&in, mlm_emit_num_enum(t) == 1 ? (lang == 'g' ? "int64" : "i64") : (lang == 'g' ? "float64" : "f64"));
		break;
	case MLM_ST_ARRAY: {
		mlm_buf it = {0};
		out_add(&it, "", 0);
		lang_type(e, t->items, t->items->nullable, &it, lang);
		if (lang == 'p')
			out_printf(&in, "List[%s]", it.p);
		else if (lang == 'g')
			out_printf(&in, "[]%s", it.p);
		else if (lang == 'r')
			out_printf(&in, "&'static [%s]", it.p);
		else
			out_printf(&in, strchr(it.p, '|') ? "(%s)[]" : "%s[]", it.p);
		mlm_buf_free(&it);
		break;
	}
	case MLM_ST_OBJECT:
		if (ti && ti->camel) {
			out_puts(&in, ti->camel);
			break;
		}
		/* fall through */
	default:
		out_puts(&in, lang == 'p' ? "Any" : lang == 'g' ? "any" : lang == 'r' ? "&'static str" : "unknown");
	}
	if (opt) {
		if (lang == 'p')
			out_printf(b, "Optional[%s]", in.p);
		else if (lang == 'g')
			out_printf(b, t->type == MLM_ST_ARRAY || t->type == MLM_ST_ANY ? "%s" : "*%s", in.p);
		else if (lang == 'r')
			out_printf(b, "Option<%s>", in.p);
		else
			out_printf(b, "%s | null", in.p);
	} else
		out_puts(b, in.p);
	mlm_buf_free(&in);
}

static void
lang_decls(mlm_emitter *e, const mlm_schema *s, mlm_buf *b, int lang)
{
	if (s->type == MLM_ST_ARRAY) {
		lang_decls(e, s->items, b, lang);
		return;
	}
	if (!mlm_emit_is_obj(s))
		return;
	for (size_t i = 0; i < s->nprops; i++)
		lang_decls(e, s->props[i].s, b, lang);
	ninfo *me = mlm_emit_info(e, s);
	if (lang == 'p')
		out_printf(b, "%s = TypedDict(\"%s\", {\n", me->camel, me->camel);
	else if (lang == 'g')
		out_printf(b, "type %s struct {\n", me->camel);
	else if (lang == 'r')
		out_printf(b, "#[derive(Debug, Clone, Copy, PartialEq)]\npub struct %s {\n", me->camel);
	else
		out_printf(b, "export interface %s {\n", me->camel);
	for (size_t i = 0; i < s->nprops; i++) {
		const mlm_schema *t = s->props[i].s;
		int opt = t->nullable || !s->props[i].required;
		const char *k = s->props[i].name;
		out_puts(b, "\t");
		if (lang == 'p') {
			q_string(b, k, strlen(k), 'p');
			out_puts(b, ": ");
			lang_type(e, t, opt, b, lang);
			out_puts(b, ",");
		} else if (lang == 'g') {
			out_printf(b, "%s ", me->gomem[i]);
			lang_type(e, t, opt, b, lang);
			jv q = jv_dump_string(jv_string(k), 0);
			/* a struct tag is a raw string: keys with ` cannot be tagged */
			if (!strchr(k, '`') && !strchr(k, '"') && !strchr(k, ','))
				out_printf(b, " `json:\"%s\"`", k);
			jv_free(q);
		} else if (lang == 'r') {
			const char *m = me->rsmem[i];
			out_printf(b, "pub %s: ", m);
			lang_type(e, t, opt, b, lang);
			out_puts(b, ",");
		} else {
			int plain = isalpha((unsigned char)k[0]) || k[0] == '_' || k[0] == '$';
			for (const char *p = k; *p && plain; p++)
				if (!isalnum((unsigned char)*p) && *p != '_' && *p != '$')
					plain = 0;
			if (plain)
				out_puts(b, k);
			else
				q_string(b, k, strlen(k), 't');
			out_puts(b, !s->props[i].required && !t->nullable ? "?: " : ": ");
			lang_type(e, t, t->nullable, b, lang);
			out_puts(b, ";");
		}
		if (t->desc && lang != 'p') {
			out_puts(b, " // ");
			for (const char *p = t->desc; *p; p++)
				out_add(b, *p == '\n' || *p == '\r' ? " " : p, 1);
		}
		out_puts(b, "\n");
	}
	if (lang == 'p')
		out_puts(b, "}, total=False)\n\n");
	else
		out_puts(b, "}\n\n");
}

/* x's JSON text as a string literal: how Rust holds a value of any type,
 * and Go too, typed as json.RawMessage */
static void
json_text(mlm_buf *b, jv x, int lang)
{
	jv d = jv_dump_string(jv_copy(x), 0);
	size_t l;
	const char *ds = mlm_emit_jstr(d, &l);
	if (lang == 'g')
		out_puts(b, "json.RawMessage(");
	q_string(b, ds, l, lang);
	if (lang == 'g')
		out_puts(b, ")");
	jv_free(d);
}

static void lang_value(mlm_emitter *e, const mlm_schema *t, jv x, int opt, mlm_buf *b, int lang, int indent);

/* a scalar: string, number or boolean (an any value in Rust: its JSON text) */
static void
lang_scalar(const mlm_schema *t, jv x, mlm_buf *b, int lang, int gptr)
{
	if (t->type == MLM_ST_ANY && lang == 'r') {
		json_text(b, x, lang);
		return;
	}
	if (jv_get_kind(x) == JV_KIND_STRING) {
		size_t l;
		const char *sv = mlm_emit_jstr(x, &l);
		q_string(b, sv, l, lang);
	} else if (jv_get_kind(x) == JV_KIND_NUMBER) {
		if (lang == 'g' && gptr) {
			/* typed, so the helper's T is right */
			out_puts(b, mlm_emit_integral(t) ? "int64(" : "float64(");
			num_lit(b, t, jv_number_value(x), lang);
			out_puts(b, ")");
		} else
			num_lit(b, t->type == MLM_ST_ANY ? NULL : t, jv_number_value(x), lang);
	} else {
		int tv = jv_get_kind(x) == JV_KIND_TRUE;
		out_puts(b, lang == 'p' ? (tv ? "True" : "False") : (tv ? "true" : "false"));
	}
}

static void
lang_array(mlm_emitter *e, const mlm_schema *t, jv x, mlm_buf *b, int lang, int indent)
{
	if (t->type == MLM_ST_ANY && (lang == 'r' || lang == 'g')) {
		json_text(b, x, lang);
		return;
	}
	if (lang == 'r')
		out_puts(b, "&[");
	else if (lang == 'g') {
		out_puts(b, "[]");
		lang_type(e, t->items, t->items->nullable, b, lang);
		out_puts(b, "{");
	} else
		out_puts(b, "[");
	jv_array_foreach(x, k, y) {
		if (k)
			out_puts(b, ", ");
		lang_value(e, t->type == MLM_ST_ARRAY ? t->items : t,
		    y, t->type == MLM_ST_ARRAY && t->items->nullable, b, lang, indent);
		jv_free(y);
	}
	out_puts(b, lang == 'g' ? "}" : "]");
}

/* an object of no declared type: JSON text (Python: json.loads of it) */
static void
lang_any_object(jv x, mlm_buf *b, int lang)
{
	if (lang == 'r' || lang == 'g') {
		json_text(b, x, lang);
		return;
	}
	jv d = jv_dump_string(jv_copy(x), 0);
	size_t l;
	const char *ds = mlm_emit_jstr(d, &l);
	if (lang == 'p') {
		/* JSON and Python agree except for true/false/null */
		out_puts(b, "__import__('json').loads(");
		q_string(b, ds, l, lang);
		out_puts(b, ")");
	} else
		out_add(b, ds, l);
	jv_free(d);
}

/* a struct literal (Go, Rust) or a dict/object literal (Python, TS) */
static void
lang_object(mlm_emitter *e, const mlm_schema *t, jv x, mlm_buf *b, int lang, int indent)
{
	ninfo *ti = mlm_emit_info(e, t);
	if (lang == 'g' || lang == 'r')
		out_printf(b, "%s{\n", ti->camel);
	else
		out_puts(b, "{\n");
	for (size_t i = 0; i < t->nprops; i++) {
		const mlm_schema *c = t->props[i].s;
		int copt = c->nullable || !t->props[i].required;
		jv y = mlm_jfield(x, t->props[i].name);
		if (!jv_is_valid(y) && (lang == 'p' || lang == 't')) {
			jv_free(y);
			continue;
		}
		mlm_emit_ind(b, indent + 1);
		if (lang == 'g')
			out_printf(b, "%s: ", ti->gomem[i]);
		else if (lang == 'r')
			out_printf(b, "%s: ", ti->rsmem[i]);
		else {
			q_string(b, t->props[i].name, strlen(t->props[i].name), lang);
			out_puts(b, ": ");
		}
		lang_value(e, c, y, copt, b, lang, indent + 1);
		out_puts(b, ",\n");
		jv_free(y);
	}
	mlm_emit_ind(b, indent);
	out_puts(b, "}");
}

static void
lang_value(mlm_emitter *e, const mlm_schema *t, jv x, int opt, mlm_buf *b, int lang, int indent)
{
	int isnull = !jv_is_valid(x) || jv_get_kind(x) == JV_KIND_NULL;
	if (isnull) {
		if (lang == 'r' && t->type == MLM_ST_ANY && !opt)
			out_puts(b, "\"null\"");
		else
			out_puts(b, lang == 'p' ? "None" : lang == 'g' ? "nil" : lang == 'r' ? "None" : "null");
		return;
	}
	int wrap = opt && lang == 'r';
	int gptr = opt && lang == 'g' && t->type != MLM_ST_ARRAY && t->type != MLM_ST_ANY;
	if (wrap)
		out_puts(b, "Some(");
	if (gptr && t->type != MLM_ST_OBJECT)
		out_puts(b, "llmfmtPtr(");
	if (gptr && t->type == MLM_ST_OBJECT)
		out_puts(b, "&");
	switch (jv_get_kind(x)) {
	case JV_KIND_STRING:
	case JV_KIND_NUMBER:
	case JV_KIND_TRUE:
	case JV_KIND_FALSE:
		lang_scalar(t, x, b, lang, gptr);
		break;
	case JV_KIND_ARRAY:
		lang_array(e, t, x, b, lang, indent);
		break;
	case JV_KIND_OBJECT:
		if (t->type == MLM_ST_ANY || !mlm_emit_is_obj(t))
			lang_any_object(x, b, lang);
		else
			lang_object(e, t, x, b, lang, indent);
		break;
	default:
		out_puts(b, "null");
	}
	if (gptr && t->type != MLM_ST_OBJECT)
		out_puts(b, ")");
	if (wrap)
		out_puts(b, ")");
}


/* ---------- the families ---------- */

static int
py_begin(mlm_emitter *e, mlm_buf *b, char *err, size_t errlen)
{
	out_puts(b, "# generated by llm-fmt\nfrom typing import Any, List, Literal, Optional, TypedDict\n\n");
	lang_decls(e, e->s, b, 'p');
	return 0;
}

static int
py_value(mlm_emitter *e, jv v, size_t idx, mlm_buf *b, char *err, size_t errlen)
{
	ninfo *me = mlm_emit_info(e, e->s);
	out_printf(b, "%s_%zu: %s = ", e->name, idx, me->camel);
	lang_value(e, e->s, v, 0, b, 'p', 0);
	out_puts(b, "\n\n");
	return 0;
}

/* the package is the name, lower case without '_' */
static int
go_begin(mlm_emitter *e, mlm_buf *b, char *err, size_t errlen)
{
	char *pk = mlm_emit_ident(e->name, 0);
	size_t k = 0;
	for (char *p = pk; *p; p++)
		if (*p != '_')
			pk[k++] = (char)tolower((unsigned char)*p);
	pk[k] = 0;
	out_printf(b, "// Code generated by llm-fmt. DO NOT EDIT.\n\npackage %s\n\nimport \"encoding/json\"\n\n"
	    "var _ json.RawMessage\n\nfunc llmfmtPtr[T any](v T) *T { return &v }\n\n", *pk ? pk : "llmresult");
	free(pk);
	lang_decls(e, e->s, b, 'g');
	return 0;
}

static int
go_value(mlm_emitter *e, jv v, size_t idx, mlm_buf *b, char *err, size_t errlen)
{
	out_printf(b, "var %s%zu = ", e->camelname, idx);
	lang_value(e, e->s, v, 0, b, 'g', 0);
	out_puts(b, "\n\n");
	return 0;
}

static int
rs_begin(mlm_emitter *e, mlm_buf *b, char *err, size_t errlen)
{
	out_puts(b, "// generated by llm-fmt\n#![allow(dead_code)]\n\n");
	lang_decls(e, e->s, b, 'r');
	return 0;
}

static int
rs_value(mlm_emitter *e, jv v, size_t idx, mlm_buf *b, char *err, size_t errlen)
{
	char *up = mlm_emit_ident(e->name, 1);
	ninfo *me = mlm_emit_info(e, e->s);
	out_printf(b, "pub const %s_%zu: %s = ", up, idx, me->camel);
	free(up);
	lang_value(e, e->s, v, 0, b, 'r', 0);
	out_puts(b, ";\n\n");
	return 0;
}

static int
ts_begin(mlm_emitter *e, mlm_buf *b, char *err, size_t errlen)
{
	out_puts(b, "// generated by llm-fmt\n");
	lang_decls(e, e->s, b, 't');
	return 0;
}

static int
ts_value(mlm_emitter *e, jv v, size_t idx, mlm_buf *b, char *err, size_t errlen)
{
	ninfo *me = mlm_emit_info(e, e->s);
	char *c = mlm_emit_camel(e->name);
	c[0] = (char)tolower((unsigned char)c[0]);
	out_printf(b, "export const %s%zu: %s = ", c, idx, me->camel);
	free(c);
	lang_value(e, e->s, v, 0, b, 't', 0);
	out_puts(b, ";\n\n");
	return 0;
}

const mlm_emit_family mlm_emit_py = {py_begin, py_value, NULL};
const mlm_emit_family mlm_emit_go = {go_begin, go_value, NULL};
const mlm_emit_family mlm_emit_rs = {rs_begin, rs_value, NULL};
const mlm_emit_family mlm_emit_ts = {ts_begin, ts_value, NULL};
