/*
 * fmt-emit.c — llm-fmt's emitters: names, the API and JSON; each family
 * of output languages has a file of its own (fmt-emit-c.c: C declarations
 * and initializers; fmt-emit-flat.c: shell assignments, TSV, CSV;
 * fmt-emit-lang.c: Python, Go, Rust, TypeScript), registered in the
 * table of families below.
 *
 * Names are deterministic and path-based (llm-fmt.md 10.7): types are
 * <name>_<field>_<sub>, never pluralized or singularized; members are keys
 * with runs of other characters turned into '_', keywords get a trailing
 * '_', collisions get _2, _3, ...; a renamed key is shown in a comment.
 * Strings are written so that no byte can escape its literal: C uses octal
 * escapes (never \x), breaks "??" trigraphs, and refuses NUL unless asked.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-int.h"

/* the error of an output past the cap of b */
static int
too_large(const mlm_buf *b, char *err, size_t errlen)
{
	return mlm_err(err, errlen, "output too large: more than %zu bytes",
	    (b->max ? b->max : MLM_BUF_DEFAULT_MAX) - 1);
}

static const char *const to_names[MLM_TO__N] = {
	"json", "c", "c-decl", "c-value", "sh", "tsv", "csv", "py", "go", "rs", "ts",
};

int
mlm_fmt_to_parse(const char *s)
{
	for (int i = 0; s && i < MLM_TO__N; i++)
		if (!strcmp(s, to_names[i]))
			return i;
	return -1;
}

const char *
mlm_fmt_to_name(int to)
{
	return to >= 0 && to < MLM_TO__N ? to_names[to] : "?";
}


/* ---------- names ---------- */


int
mlm_emit_nset_has(const nset *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return 1;
	return 0;
}

/* adds x (taking it), or x_2, x_3...; returns the stored name (borrowed) */
const char *
mlm_emit_nset_unique(nset *s, char *x)
{
	if (mlm_emit_nset_has(s, x)) {
		size_t l = strlen(x) + 24;
		char *y = malloc(l);
		for (int k = 2;; k++) {
			snprintf(y, l, "%s_%d", x, k);
			if (!mlm_emit_nset_has(s, y))
				break;
		}
		free(x);
		x = y;
	}
	char **v = realloc(s->v, (s->n + 1) * sizeof *v);
	if (!v) {
		free(x);
		return "oom";
	}
	s->v = v;
	s->v[s->n++] = x;
	return x;
}

void
mlm_emit_nset_free(nset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static const char *const c_words[] = {
	"auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
	"enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
	"restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
	"union", "unsigned", "void", "volatile", "while", "bool", "true", "false", "NULL",
	"alignas", "alignof", "and", "and_eq", "asm", "bitand", "bitor", "catch", "char8_t",
	"char16_t", "char32_t", "class", "compl", "concept", "consteval", "constexpr", "constinit",
	"const_cast", "co_await", "co_return", "co_yield", "decltype", "delete", "dynamic_cast",
	"explicit", "export", "friend", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
	"nullptr", "operator", "or", "or_eq", "private", "protected", "public", "reinterpret_cast",
	"requires", "static_assert", "static_cast", "template", "this", "thread_local", "throw",
	"try", "typeid", "typename", "using", "virtual", "wchar_t", "xor", "xor_eq", "size_t",
	"errno", "assert", "offsetof", "main", "stdin", "stdout", "stderr", NULL
};

static const char *const rs_words[] = {
	"as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
	"if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
	"self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
	"while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
	"override", "priv", "typeof", "unsized", "virtual", "yield", "try", "union", NULL
};

static int
in_words(const char *const *w, const char *x)
{
	for (; *w; w++)
		if (!strcmp(*w, x))
			return 1;
	return 0;
}

/* an identifier may be neither empty nor start with a digit: c goes first */
static void
lead(char *o, size_t n, char c)
{
	if (n == 0 || isdigit((unsigned char)o[0])) {
		memmove(o + 1, o, n + 1);
		o[0] = c;
	}
}

/* [A-Za-z0-9_] with runs of anything else as one '_' */
char *
mlm_emit_ident(const char *k, int upper)
{
	size_t l = strlen(k);
	char *o = malloc(l + 4);
	size_t n = 0;
	int run = 0;
	if (!o)
		return NULL;
	for (size_t i = 0; i < l; i++) {
		unsigned char c = (unsigned char)k[i];
		if (isalnum(c) && c < 0x80) {
			o[n++] = (char)(upper ? toupper(c) : c);
			run = 0;
		} else if (c == '_') {
			o[n++] = '_';
			run = 0;
		} else if (!run) {
			o[n++] = '_';
			run = 1;
		}
	}
	o[n] = 0;
	lead(o, n, '_');
	return o;
}

/* a C member or identifier part */
char *
mlm_emit_c_ident(const char *k)
{
	char *o = mlm_emit_ident(k, 0);
	if (!o)
		return NULL;
	size_t l = strlen(o);
	if ((o[0] == '_' && (isupper((unsigned char)o[1]) || o[1] == '_')) || in_words(c_words, o)) {
		char *p = malloc(l + 3);
		if (o[0] == '_')
			snprintf(p, l + 3, "m%s", o);
		else
			snprintf(p, l + 3, "%s_", o);
		free(o);
		o = p;
	}
	return o;
}

/* CamelCase for Go/Rust/TS types and Go fields */
char *
mlm_emit_camel(const char *k)
{
	size_t l = strlen(k);
	char *o = malloc(l + 3);
	size_t n = 0;
	int up = 1;
	if (!o)
		return NULL;
	for (size_t i = 0; i < l; i++) {
		unsigned char c = (unsigned char)k[i];
		if (isalnum(c) && c < 0x80) {
			o[n++] = (char)(up ? toupper(c) : c);
			up = 0;
		} else
			up = 1;
	}
	o[n] = 0;
	lead(o, n, 'F');
	return o;
}

/* ---------- per node names ---------- */


ninfo *
mlm_emit_info(mlm_emitter *e, const mlm_schema *s)
{
	for (size_t i = 0; i < e->nni; i++)
		if (e->ni[i].s == s)
			return &e->ni[i];
	return NULL;
}

int
mlm_emit_is_obj(const mlm_schema *s)
{
	return s->type == MLM_ST_OBJECT && s->nprops > 0;
}

int
mlm_emit_is_str_enum(const mlm_schema *s)
{
	if (s->type != MLM_ST_ENUM)
		return 0;
	int ok = 1;
	jv_array_foreach(s->enums, k, x) {
		if (jv_get_kind(x) != JV_KIND_STRING)
			ok = 0;
		jv_free(x);
	}
	return ok;
}

/* enum of numbers: 1 all integers, 2 some fractional, 0 strings/mixed */
int
mlm_emit_num_enum(const mlm_schema *s)
{
	if (s->type != MLM_ST_ENUM)
		return 0;
	int r = 1;
	jv_array_foreach(s->enums, k, x) {
		if (jv_get_kind(x) != JV_KIND_NUMBER)
			r = 0;
		else if (r && (jv_number_value(x) != floor(jv_number_value(x)) || fabs(jv_number_value(x)) > 9007199254740992.0))
			r = 2;
		jv_free(x);
	}
	return r;
}

/* written as an integer: the integer type and enums of whole numbers */
int
mlm_emit_integral(const mlm_schema *t)
{
	return t->type == MLM_ST_INTEGER || (t->type == MLM_ST_ENUM && mlm_emit_num_enum(t) == 1);
}

static int
build_names(mlm_emitter *e, const mlm_schema *s, const char *ctag, const char *cam, char *err, size_t errlen)
{
	ninfo *ni = realloc(e->ni, (e->nni + 1) * sizeof *ni);
	if (!ni)
		return mlm_err(err, errlen, "out of memory");
	e->ni = ni;
	ninfo *me = &e->ni[e->nni++];
	memset(me, 0, sizeof *me);
	me->s = s;
	size_t myidx = e->nni - 1;
	if (mlm_emit_is_obj(s) || mlm_emit_is_str_enum(s)) {
		me->ctag = strdup(mlm_emit_nset_unique(&e->ctags, strdup(ctag)));
		me->camel = strdup(mlm_emit_nset_unique(&e->ctypes_camel, strdup(cam)));
	}
	if (mlm_emit_is_str_enum(s)) {
		size_t n = (size_t)jv_array_length(jv_copy(s->enums));
		me->enumr = calloc(n + 1, sizeof *me->enumr);
		me->nenum = n;
		char *up = mlm_emit_ident(me->ctag, 1);
		jv_array_foreach(s->enums, k, x) {
			char *v = mlm_emit_ident(jv_string_value(x), 1);
			size_t l = strlen(up) + strlen(v) + 2;
			char *full = malloc(l);
			snprintf(full, l, "%s_%s", up, v[0] == '_' ? v + 1 : v);
			if (!full[strlen(up) + 1]) {
				/* empty value */
				free(full);
				full = malloc(l + 6);
				snprintf(full, l + 6, "%s_EMPTY", up);
			}
			me->enumr[k] = strdup(mlm_emit_nset_unique(&e->cenums, full));
			free(v);
			jv_free(x);
		}
		free(up);
	}
	if (s->type == MLM_ST_OBJECT && s->nprops) {
		me->nprop = s->nprops;
		me->cmem = calloc(s->nprops, sizeof *me->cmem);
		me->gomem = calloc(s->nprops, sizeof *me->gomem);
		me->rsmem = calloc(s->nprops, sizeof *me->rsmem);
		nset cm = {0}, gm = {0}, rm = {0};
		for (size_t i = 0; i < s->nprops; i++) {
			const char *k = s->props[i].name;
			char *c = mlm_emit_c_ident(k);
			/* companions share the namespace: name_count, has_name, name_len */
			const char *cu = mlm_emit_nset_unique(&cm, c);
			me = &e->ni[myidx];
			me->cmem[i] = strdup(cu);
			char buf[600];
			snprintf(buf, sizeof buf, "%s_count", cu);
			if (!mlm_emit_nset_has(&cm, buf))
				mlm_emit_nset_unique(&cm, strdup(buf));
			snprintf(buf, sizeof buf, "has_%s", cu);
			if (!mlm_emit_nset_has(&cm, buf))
				mlm_emit_nset_unique(&cm, strdup(buf));
			snprintf(buf, sizeof buf, "%s_len", cu);
			if (!mlm_emit_nset_has(&cm, buf))
				mlm_emit_nset_unique(&cm, strdup(buf));
			me->gomem[i] = strdup(mlm_emit_nset_unique(&gm, mlm_emit_camel(k)));
			char *r = mlm_emit_ident(k, 0);
			if (in_words(rs_words, r)) {
				size_t l = strlen(r) + 3;
				char *q = malloc(l);
				snprintf(q, l, "%s_", r);
				free(r);
				r = q;
			}
			me->rsmem[i] = strdup(mlm_emit_nset_unique(&rm, r));
		}
		mlm_emit_nset_free(&cm);
		mlm_emit_nset_free(&gm);
		mlm_emit_nset_free(&rm);
		for (size_t i = 0; i < s->nprops; i++) {
			me = &e->ni[myidx];
			size_t l = strlen(ctag) + strlen(me->cmem[i]) + 2;
			char *ct = malloc(l);
			snprintf(ct, l, "%s_%s", ctag, me->cmem[i][0] == '_' ? me->cmem[i] + 1 : me->cmem[i]);
			char *cc = mlm_emit_camel(s->props[i].name);
			size_t l2 = strlen(cam) + strlen(cc) + 1;
			char *ca = malloc(l2);
			snprintf(ca, l2, "%s%s", cam, cc);
			free(cc);
			const mlm_schema *t = s->props[i].s;
			int r = build_names(e, t, ct, ca, err, errlen);
			free(ct);
			free(ca);
			if (r < 0)
				return -1;
		}
	} else if (s->type == MLM_ST_ARRAY) {
		size_t l = strlen(ctag) + 6;
		char *ct = malloc(l), *ca = malloc(l);
		/* items share the array's name; nested arrays get _item */
		if (s->items->type == MLM_ST_ARRAY) {
			snprintf(ct, l, "%s_item", ctag);
			snprintf(ca, l, "%sItem", cam);
		} else {
			snprintf(ct, l, "%s", ctag);
			snprintf(ca, l, "%s", cam);
		}
		int r = build_names(e, s->items, ct, ca, err, errlen);
		free(ct);
		free(ca);
		if (r < 0)
			return -1;
	}
	return 0;
}

void
mlm_fmt_emitter_free(mlm_emitter *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nni; i++) {
		ninfo *n = &e->ni[i];
		free(n->ctag);
		free(n->camel);
		for (size_t k = 0; k < n->nprop; k++) {
			free(n->cmem[k]);
			free(n->gomem[k]);
			free(n->rsmem[k]);
		}
		free(n->cmem);
		free(n->gomem);
		free(n->rsmem);
		for (size_t k = 0; k < n->nenum; k++)
			free(n->enumr[k]);
		free(n->enumr);
	}
	free(e->ni);
	mlm_emit_nset_free(&e->ctags);
	mlm_emit_nset_free(&e->ctypes_camel);
	mlm_emit_nset_free(&e->cenums);
	free(e->name);
	free(e->camelname);
	mlm_buf_free(&e->tsvcols);
	free(e);
}

mlm_emitter *
mlm_fmt_emitter_new(const mlm_schema *s, const mlm_emit_opts *o, char *err, size_t errlen)
{
	mlm_emitter *e = calloc(1, sizeof *e);
	if (!e) {
		mlm_err(err, errlen, "out of memory");
		return NULL;
	}
	e->s = s;
	e->o = *o;
	if (!e->o.name || !*e->o.name)
		e->o.name = "llm_result";
	if (!e->o.prefix)
		e->o.prefix = "LLM_";
	e->name = mlm_emit_c_ident(e->o.name);
	e->camelname = mlm_emit_camel(e->o.name);
	int to = e->o.to;
	if ((to == MLM_TO_C || to == MLM_TO_C_DECL || to == MLM_TO_C_VALUE || to == MLM_TO_GO ||
	    to == MLM_TO_RS || to == MLM_TO_TS || to == MLM_TO_PY) && !mlm_emit_is_obj(s)) {
		mlm_err(err, errlen, "--to %s needs an object schema (use --multi for many items)", mlm_fmt_to_name(to));
		mlm_fmt_emitter_free(e);
		return NULL;
	}
	if ((to == MLM_TO_TSV || to == MLM_TO_CSV) && !mlm_emit_is_obj(s)) {
		mlm_err(err, errlen, "--to %s needs an object schema: one row per object", mlm_fmt_to_name(to));
		mlm_fmt_emitter_free(e);
		return NULL;
	}
	if ((to == MLM_TO_C || to == MLM_TO_C_DECL || to == MLM_TO_C_VALUE) && mlm_emit_c_check(s, "$", err, errlen) < 0) {
		mlm_fmt_emitter_free(e);
		return NULL;
	}
	if (build_names(e, s, e->name, e->camelname, err, errlen) < 0) {
		mlm_fmt_emitter_free(e);
		return NULL;
	}
	return e;
}

/* ---------- literals ---------- */

/* an integral double as decimal digits, without overflowing long long */
void
mlm_emit_ll_text(char *b, size_t n, double d)
{
	if (fabs(d) < 9.2e18)
		snprintf(b, n, "%lld", (long long)d);
	else
		snprintf(b, n, "%.0f", d);
}

void
mlm_emit_dbl(char *b, size_t n, double v)
{
	for (int p = 15; p <= 17; p++) {
		snprintf(b, n, "%.*g", p, v);
		if (strtod(b, NULL) == v)
			break;
	}
	if (!strpbrk(b, ".eEn"))
		strncat(b, ".0", n - strlen(b) - 1);
}

const char *
mlm_emit_jstr(jv v, size_t *len)
{
	*len = (size_t)jv_string_length_bytes(jv_copy(v));
	return jv_string_value(v);
}

/* the backslash escapes that C, Python, Go, Rust and JavaScript spell
 * alike (TSV borrows them too); NULL for any other byte */
const char *
mlm_emit_short_escape(unsigned char c)
{
	switch (c) {
	case '\\': return "\\\\";
	case '"': return "\\\"";
	case '\n': return "\\n";
	case '\t': return "\\t";
	case '\r': return "\\r";
	}
	return NULL;
}

/* b as it was at len: a path one level up, or a value taken back */
void
mlm_emit_cut(mlm_buf *b, size_t len)
{
	b->len = len;
	if (b->p)
		b->p[len] = 0;
}


void
mlm_emit_ind(mlm_buf *b, int n)
{
	for (int i = 0; i < n; i++)
		out_add(b, "\t", 1);
}

/* ---------- the API ---------- */

/* one JSON text per line */
static int
json_value(mlm_emitter *e, jv v, size_t idx, mlm_buf *b, char *err, size_t errlen)
{
	jv d = jv_dump_string(jv_copy(v), 0);
	size_t l;
	const char *s = mlm_emit_jstr(d, &l);
	out_add(b, s, l);
	out_add(b, "\n", 1);
	jv_free(d);
	return 0;
}

static const mlm_emit_family emit_json = {NULL, json_value, NULL};

/* the families, by MLM_TO_*: a new output language is a file of its own
 * and one line here */
static const mlm_emit_family *const families[MLM_TO__N] = {
	[MLM_TO_JSON] = &emit_json,
	[MLM_TO_C] = &mlm_emit_c, [MLM_TO_C_DECL] = &mlm_emit_c_decl, [MLM_TO_C_VALUE] = &mlm_emit_c_value,
	[MLM_TO_SH] = &mlm_emit_sh, [MLM_TO_TSV] = &mlm_emit_tsv, [MLM_TO_CSV] = &mlm_emit_tsv,
	[MLM_TO_PY] = &mlm_emit_py, [MLM_TO_GO] = &mlm_emit_go, [MLM_TO_RS] = &mlm_emit_rs,
	[MLM_TO_TS] = &mlm_emit_ts,
};

int
mlm_fmt_emit_begin(mlm_emitter *e, mlm_buf *b, char *err, size_t errlen)
{
	const mlm_emit_family *f = families[e->o.to];
	if (f->begin && f->begin(e, b, err, errlen) < 0)
		return -1;
	return b->over ? too_large(b, err, errlen) : 0;
}

int
mlm_fmt_emit_value(mlm_emitter *e, jv v, mlm_buf *b, char *err, size_t errlen)
{
	const mlm_emit_family *f = families[e->o.to];
	size_t start = b->len;
	int r = f->value ? f->value(e, v, e->count, b, err, errlen) : 0;
	if (b->over) {	/* the value would be cut: none of it is written */
		mlm_emit_cut(b, start);
		b->over = 0;
		if (r == 0)
			r = too_large(b, err, errlen);
	}
	if (r == 0)
		e->count++;
	return r;
}

int
mlm_fmt_emit_end(mlm_emitter *e, mlm_buf *b, char *err, size_t errlen)
{
	const mlm_emit_family *f = families[e->o.to];
	if (f->end && f->end(e, b, err, errlen) < 0)
		return -1;
	return b->over ? too_large(b, err, errlen) : 0;
}
