/*
 * emit.c — writing validated values as JSON, C (declarations and
 * designated initializers), shell assignments, TSV, CSV, Python, Go, Rust
 * and TypeScript.
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

/* ---------- appends ----------
 * The emitters append without a test after each append: an append the
 * buffer refuses (the output would pass its cap) sets the buffer's sticky
 * flag `over`, a temporary buffer's flag is carried into the one it is
 * copied to (out_buf), and the entry points (mlm_fmt_emit_begin, _value,
 * _end) turn a set flag into an error: an output that would be cut is never
 * written cut. */
static void
out_add(mlm_buf *b, const void *s, size_t n)
{
	if (mlm_buf_add(b, s, n) < 0)
		b->over = 1;
}

static void
out_puts(mlm_buf *b, const char *s)
{
	out_add(b, s, strlen(s));
}

static void out_printf(mlm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
out_printf(mlm_buf *b, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->over = 1;
		return;
	}
	out_add(b, s, (size_t)n);
	free(s);
}

/* appends what src holds, and its flag */
static void
out_buf(mlm_buf *b, const mlm_buf *src)
{
	if (src->over)
		b->over = 1;
	out_add(b, src->p ? src->p : "", src->len);
}

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

typedef struct nset {
	char **v;
	size_t n;
} nset;

static int
nset_has(const nset *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return 1;
	return 0;
}

/* adds x (taking it), or x_2, x_3...; returns the stored name (borrowed) */
static const char *
nset_unique(nset *s, char *x)
{
	if (nset_has(s, x)) {
		size_t l = strlen(x) + 24;
		char *y = malloc(l);
		for (int k = 2;; k++) {
			snprintf(y, l, "%s_%d", x, k);
			if (!nset_has(s, y))
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

static void
nset_free(nset *s)
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
static char *
ident(const char *k, int upper)
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
static char *
c_ident(const char *k)
{
	char *o = ident(k, 0);
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
static char *
camel(const char *k)
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

typedef struct ninfo {
	const mlm_schema *s;
	char *ctag;          /* C struct/enum tag */
	char *camel;         /* Go/Rust/TS/Python type name */
	char **cmem;         /* per prop: C member */
	char **gomem;        /* per prop: Go field */
	char **rsmem;        /* per prop: Rust field */
	char **enumr;        /* per enum value: C enumerator */
	size_t nprop, nenum;
} ninfo;

struct mlm_emitter {
	const mlm_schema *s;
	mlm_emit_opts o;
	char *name, *camelname;
	ninfo *ni;
	size_t nni;
	nset ctags, ctypes_camel, cenums;
	size_t count;
	int failed;
	mlm_buf tsvcols;     /* unused placeholder for future column lists */
};

static ninfo *
info(mlm_emitter *e, const mlm_schema *s)
{
	for (size_t i = 0; i < e->nni; i++)
		if (e->ni[i].s == s)
			return &e->ni[i];
	return NULL;
}

static int
is_obj(const mlm_schema *s)
{
	return s->type == MLM_ST_OBJECT && s->nprops > 0;
}

static int
is_str_enum(const mlm_schema *s)
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
static int
num_enum(const mlm_schema *s)
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
static int
integral(const mlm_schema *t)
{
	return t->type == MLM_ST_INTEGER || (t->type == MLM_ST_ENUM && num_enum(t) == 1);
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
	if (is_obj(s) || is_str_enum(s)) {
		me->ctag = strdup(nset_unique(&e->ctags, strdup(ctag)));
		me->camel = strdup(nset_unique(&e->ctypes_camel, strdup(cam)));
	}
	if (is_str_enum(s)) {
		size_t n = (size_t)jv_array_length(jv_copy(s->enums));
		me->enumr = calloc(n + 1, sizeof *me->enumr);
		me->nenum = n;
		char *up = ident(me->ctag, 1);
		jv_array_foreach(s->enums, k, x) {
			char *v = ident(jv_string_value(x), 1);
			size_t l = strlen(up) + strlen(v) + 2;
			char *full = malloc(l);
			snprintf(full, l, "%s_%s", up, v[0] == '_' ? v + 1 : v);
			if (!full[strlen(up) + 1]) {
				/* empty value */
				free(full);
				full = malloc(l + 6);
				snprintf(full, l + 6, "%s_EMPTY", up);
			}
			me->enumr[k] = strdup(nset_unique(&e->cenums, full));
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
			char *c = c_ident(k);
			/* companions share the namespace: name_count, has_name, name_len */
			const char *cu = nset_unique(&cm, c);
			me = &e->ni[myidx];
			me->cmem[i] = strdup(cu);
			char buf[600];
			snprintf(buf, sizeof buf, "%s_count", cu);
			if (!nset_has(&cm, buf))
				nset_unique(&cm, strdup(buf));
			snprintf(buf, sizeof buf, "has_%s", cu);
			if (!nset_has(&cm, buf))
				nset_unique(&cm, strdup(buf));
			snprintf(buf, sizeof buf, "%s_len", cu);
			if (!nset_has(&cm, buf))
				nset_unique(&cm, strdup(buf));
			me->gomem[i] = strdup(nset_unique(&gm, camel(k)));
			char *r = ident(k, 0);
			if (in_words(rs_words, r)) {
				size_t l = strlen(r) + 3;
				char *q = malloc(l);
				snprintf(q, l, "%s_", r);
				free(r);
				r = q;
			}
			me->rsmem[i] = strdup(nset_unique(&rm, r));
		}
		nset_free(&cm);
		nset_free(&gm);
		nset_free(&rm);
		for (size_t i = 0; i < s->nprops; i++) {
			me = &e->ni[myidx];
			size_t l = strlen(ctag) + strlen(me->cmem[i]) + 2;
			char *ct = malloc(l);
			snprintf(ct, l, "%s_%s", ctag, me->cmem[i][0] == '_' ? me->cmem[i] + 1 : me->cmem[i]);
			char *cc = camel(s->props[i].name);
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
	nset_free(&e->ctags);
	nset_free(&e->ctypes_camel);
	nset_free(&e->cenums);
	free(e->name);
	free(e->camelname);
	mlm_buf_free(&e->tsvcols);
	free(e);
}

/* can C express this schema? */
static int
c_check(const mlm_schema *s, const char *path, char *err, size_t errlen)
{
	char sub[400];
	if (s->type == MLM_ST_OBJECT)
		for (size_t i = 0; i < s->nprops; i++) {
			snprintf(sub, sizeof sub, "%s.%s", path, s->props[i].name);
			if (c_check(s->props[i].s, sub, err, errlen) < 0)
				return -1;
		}
	if (s->type == MLM_ST_ENUM && !is_str_enum(s) && !num_enum(s))
		return mlm_err(err, errlen, "%s: an enum mixing strings and numbers has no C type", path);
	if (s->type == MLM_ST_ARRAY) {
		const mlm_schema *it = s->items;
		if (it->type == MLM_ST_ARRAY)
			return mlm_err(err, errlen, "%s: arrays of arrays have no C form yet", path);
		if (it->type == MLM_ST_ANY || (it->type == MLM_ST_OBJECT && !is_obj(it)))
			return mlm_err(err, errlen, "%s: arrays of any have no C form yet", path);
		if (it->nullable && it->type != MLM_ST_STRING)
			return mlm_err(err, errlen, "%s: arrays of nullable non-strings have no C form", path);
		snprintf(sub, sizeof sub, "%s[]", path);
		return c_check(it, sub, err, errlen);
	}
	return 0;
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
	e->name = c_ident(e->o.name);
	e->camelname = camel(e->o.name);
	int to = e->o.to;
	if ((to == MLM_TO_C || to == MLM_TO_C_DECL || to == MLM_TO_C_VALUE || to == MLM_TO_GO ||
	    to == MLM_TO_RS || to == MLM_TO_TS || to == MLM_TO_PY) && !is_obj(s)) {
		mlm_err(err, errlen, "--to %s needs an object schema (use --multi for many items)", mlm_fmt_to_name(to));
		mlm_fmt_emitter_free(e);
		return NULL;
	}
	if ((to == MLM_TO_TSV || to == MLM_TO_CSV) && !is_obj(s)) {
		mlm_err(err, errlen, "--to %s needs an object schema: one row per object", mlm_fmt_to_name(to));
		mlm_fmt_emitter_free(e);
		return NULL;
	}
	if ((to == MLM_TO_C || to == MLM_TO_C_DECL || to == MLM_TO_C_VALUE) && c_check(s, "$", err, errlen) < 0) {
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
static void
ll_text(char *b, size_t n, double d)
{
	if (fabs(d) < 9.2e18)
		snprintf(b, n, "%lld", (long long)d);
	else
		snprintf(b, n, "%.0f", d);
}

static void
dbl(char *b, size_t n, double v)
{
	for (int p = 15; p <= 17; p++) {
		snprintf(b, n, "%.*g", p, v);
		if (strtod(b, NULL) == v)
			break;
	}
	if (!strpbrk(b, ".eEn"))
		strncat(b, ".0", n - strlen(b) - 1);
}

static const char *
jstr(jv v, size_t *len)
{
	*len = (size_t)jv_string_length_bytes(jv_copy(v));
	return jv_string_value(v);
}

/* the backslash escapes that C, Python, Go, Rust and JavaScript spell
 * alike (TSV borrows them too); NULL for any other byte */
static const char *
short_escape(unsigned char c)
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

/* C string literal; -1 on NUL when not allowed */
static int
c_string(mlm_emitter *e, mlm_buf *b, const char *s, size_t n, char *err, size_t errlen)
{
	size_t piece = 0;
	out_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *q = short_escape(c);
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
		if (is_str_enum(t)) {
			snprintf(buf, bl, "enum %s ", ti->ctag);
			return buf;
		}
		return num_enum(t) == 1 ? "long long " : "double ";
	case MLM_ST_OBJECT:
		snprintf(buf, bl, "struct %s ", ti->ctag);
		return buf;
	}
	return "const char *";
}

static void
c_decls(mlm_emitter *e, const mlm_schema *s, mlm_buf *b, int enums)
{
	ninfo *me = info(e, s);
	if (s->type == MLM_ST_ARRAY) {
		c_decls(e, s->items, b, enums);
		return;
	}
	if (s->type == MLM_ST_ENUM && is_str_enum(s) && enums) {
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
			const char *sv = jstr(x, &l);
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
	if (!is_obj(s))
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
		if (t->type == MLM_ST_ANY || (t->type == MLM_ST_OBJECT && !is_obj(t))) {
			out_printf(b, "const char *%s_json;", m);
		} else if (t->type == MLM_ST_ARRAY) {
			const mlm_schema *it = t->items;
			ninfo *ii = info(e, it);
			if (opt)
				out_printf(b, "bool has_%s;\n\t", m);
			if (it->type == MLM_ST_STRING)
				out_printf(b, "const char *const *%s;", m);
			else
				out_printf(b, "const %s*%s;", c_scalar(it, ii, tb, sizeof tb), m);
			out_printf(b, " size_t %s_count;", m);
		} else if (t->type == MLM_ST_OBJECT) {
			ninfo *ti = info(e, t);
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
			out_printf(b, "%s%s;", c_scalar(t, info(e, t), tb, sizeof tb), m);
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
		ll_text(nb, sizeof nb, d);
		out_printf(b, "%sLL", nb);
	} else {
		dbl(nb, sizeof nb, d);
		out_puts(b, nb);
	}
}

static int
c_scalar_value(mlm_emitter *e, const mlm_schema *t, jv x, mlm_buf *b, char *err, size_t errlen)
{
	switch (t->type) {
	case MLM_ST_STRING: {
		size_t l;
		const char *sv = jstr(x, &l);
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
		if (is_str_enum(t)) {
			ninfo *ti = info(e, t);
			int found = -1;
			jv_array_foreach(t->enums, k, y) {
				if (jv_equal(y, jv_copy(x)))
					found = k;
			}
			if (found < 0)
				return mlm_err(err, errlen, "value is not in the enum");
			out_puts(b, ti->enumr[found]);
		} else
			c_number(b, jv_number_value(x), integral(t));
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

static void
ind(mlm_buf *b, int n)
{
	for (int i = 0; i < n; i++)
		out_add(b, "\t", 1);
}

static int
c_init(mlm_emitter *e, const mlm_schema *s, jv v, const char *stat, mlm_buf *pre, mlm_buf *b,
    int indent, char *err, size_t errlen)
{
	ninfo *me = info(e, s);
	char tb[300];
	out_puts(b, "{\n");
	for (size_t i = 0; i < s->nprops; i++) {
		const mlm_schema *t = s->props[i].s;
		const char *m = me->cmem[i];
		int opt = t->nullable || !s->props[i].required;
		jv x = jv_object_get(jv_copy(v), jv_string(s->props[i].name));
		int isnull = !jv_is_valid(x) || jv_get_kind(x) == JV_KIND_NULL;
		size_t sl = strlen(stat) + strlen(m) + 2;
		char *sub = malloc(sl);
		snprintf(sub, sl, "%s_%s", stat, m);
		int r = 0;
		ind(b, indent + 1);
		if (t->type == MLM_ST_ANY || (t->type == MLM_ST_OBJECT && !is_obj(t))) {
			out_printf(b, ".%s_json = ", m);
			if (!jv_is_valid(x))
				out_puts(b, "NULL");
			else {
				jv d = jv_dump_string(jv_copy(x), 0);
				size_t l;
				const char *sv = jstr(d, &l);
				r = c_string(e, b, sv, l, err, errlen);
				jv_free(d);
			}
		} else if (t->type == MLM_ST_ARRAY) {
			const mlm_schema *it = t->items;
			int n = isnull ? 0 : jv_array_length(jv_copy(x));
			if (opt)
				out_printf(b, ".has_%s = %s, ", m, isnull ? "false" : "true");
			if (n == 0)
				out_printf(b, ".%s = NULL, .%s_count = 0", m, m);
			else {
				/* a named static array, written before this value */
				mlm_buf arr = {0};
				if (it->type == MLM_ST_STRING)
					out_printf(&arr, "static const char *const %s[] = {\n", sub);
				else
					out_printf(&arr, "static const %s%s[] = {\n", c_scalar(it, info(e, it), tb, sizeof tb), sub);
				jv_array_foreach(x, k, y) {
					if (r == 0) {
						out_puts(&arr, "\t");
						if (it->type == MLM_ST_OBJECT) {
							char idx[600];
							snprintf(idx, sizeof idx, "%s_%d", sub, k);
							r = c_init(e, it, y, idx, pre, &arr, 1, err, errlen);
						} else if (jv_get_kind(y) == JV_KIND_NULL)
							out_puts(&arr, "NULL");
						else
							r = c_scalar_value(e, it, y, &arr, err, errlen);
						if (r < 0) {
							char tmp[MLM_ERRLEN];
							snprintf(tmp, sizeof tmp, "%s", err);
							mlm_err(err, errlen, tmp[0] == '.' ? "[%d]%s" : "[%d]: %s", k, tmp);
						}
						out_puts(&arr, ",\n");
					}
					jv_free(y);
				}
				out_puts(&arr, "};\n");
				if (r == 0)
					out_buf(pre, &arr);
				mlm_buf_free(&arr);
				out_printf(b, ".%s = %s, .%s_count = %d", m, sub, m, n);
			}
		} else if (t->type == MLM_ST_OBJECT) {
			if (opt) {
				if (isnull)
					out_printf(b, ".%s = NULL", m);
				else {
					mlm_buf obj = {0};
					ninfo *ti = info(e, t);
					out_printf(&obj, "static const struct %s %s = ", ti->ctag, sub);
					r = c_init(e, t, x, sub, pre, &obj, 0, err, errlen);
					out_puts(&obj, ";\n");
					if (r == 0)
						out_buf(pre, &obj);
					mlm_buf_free(&obj);
					out_printf(b, ".%s = &%s", m, sub);
				}
			} else {
				out_printf(b, ".%s = ", m);
				r = c_init(e, t, x, sub, pre, b, indent + 1, err, errlen);
			}
		} else if (t->type == MLM_ST_STRING) {
			out_printf(b, ".%s = ", m);
			if (isnull)
				out_puts(b, "NULL");
			else
				r = c_scalar_value(e, t, x, b, err, errlen);
			if (e->o.c_nul)
				out_printf(b, ", .%s_len = %zu", m,
				    isnull ? (size_t)0 : (size_t)jv_string_length_bytes(jv_copy(x)));
		} else {
			if (opt)
				out_printf(b, ".has_%s = %s, ", m, isnull ? "false" : "true");
			out_printf(b, ".%s = ", m);
			if (isnull) {
				const char *z = c_zero(t);
				if (t->type == MLM_ST_ENUM) {
					ninfo *ti = info(e, t);
					if (is_str_enum(t))
						z = ti->enumr[0];
					else
						z = num_enum(t) == 1 ? "0LL" : "0.0";
				}
				out_puts(b, z ? z : "0");
			} else
				r = c_scalar_value(e, t, x, b, err, errlen);
		}
		out_puts(b, ",\n");
		jv_free(x);
		if (r < 0) {
			/* name the member in the error */
			char tmp[MLM_ERRLEN];
			snprintf(tmp, sizeof tmp, "%s", err);
			mlm_err(err, errlen, tmp[0] == '.' || tmp[0] == '[' ? ".%s%s" : ".%s: %s", s->props[i].name, tmp);
			free(sub);
			return -1;
		}
		free(sub);
	}
	ind(b, indent);
	out_puts(b, "}");
	return 0;
}

/* ---------- flattening for sh, tsv, csv ---------- */

/* b as it was at len: a path one level up, or a value taken back */
static void
buf_cut(mlm_buf *b, size_t len)
{
	b->len = len;
	if (b->p)
		b->p[len] = 0;
}

typedef void (*leaf_fn)(void *u, const char *path, const mlm_schema *t, jv x);

/* walks leaves in schema order (consumes v); arrays are leaves unless expand */
static void
leaves(const mlm_schema *s, jv v, mlm_buf *path, const char *sep, int expand, int upper,
    leaf_fn fn, void *u)
{
	size_t base = path->len;
	if (is_obj(s)) {
		for (size_t i = 0; i < s->nprops; i++) {
			jv x = jv_is_valid(v) && jv_get_kind(v) == JV_KIND_OBJECT ?
			    jv_object_get(jv_copy(v), jv_string(s->props[i].name)) : jv_invalid();
			if (path->len)
				out_puts(path, sep);
			if (expand) {
				char *id = ident(s->props[i].name, upper);
				out_puts(path, id[0] == '_' && path->len ? id + 1 : id);
				free(id);
			} else
				out_puts(path, s->props[i].name);
			leaves(s->props[i].s, x, path, sep, expand, upper, fn, u);
			buf_cut(path, base);
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
		buf_cut(path, base);
		if (!jv_is_valid(v) || jv_get_kind(v) == JV_KIND_NULL)
			fn(u, path->p, NULL, jv_null());
		for (int i = 0; i < n; i++) {
			out_printf(path, "%s%d", sep, i);
			leaves(s->items, jv_array_get(jv_copy(v), i), path, sep, expand, upper, fn, u);
			buf_cut(path, base);
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
		const char *sv = jstr(x, &l);
		out_add(o, sv, l);
		return;
	}
	case JV_KIND_NUMBER: {
		double d = jv_number_value(x);
		char nb[64];
		if (t && integral(t))
			ll_text(nb, sizeof nb, d);
		else if (d == floor(d) && fabs(d) < 1e15 && !(t && t->type == MLM_ST_NUMBER))
			snprintf(nb, sizeof nb, "%.0f", d);
		else
			dbl(nb, sizeof nb, d);
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
		const char *n1 = nset_unique(&c->names, strdup(buf));
		if (t) {
			const char *n0 = nset_unique(&c->names, strdup(nm.p));
			out_printf(c->b, "%s=''\n", n0);
		}
		out_printf(c->b, "%s=1\n", n1);
	} else {
		const char *n0 = nset_unique(&c->names, strdup(nm.p));
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
		const char *q = short_escape((unsigned char)c);
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

/* ---------- Python, Go, Rust, TypeScript ---------- */

/* a double-quoted string for py/go/rs (lang 'p','g','r') or JSON for ts */
static void
q_string(mlm_buf *b, const char *s, size_t n, int lang)
{
	out_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *q = short_escape(c);
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
	int isint = t && integral(t);
	if (isint || (!t && d == floor(d) && fabs(d) < 1e15))
		ll_text(nb, sizeof nb, d);
	else {
		dbl(nb, sizeof nb, d);
		if (lang == 't' && !strcmp(nb, "-0.0"))
			snprintf(nb, sizeof nb, "-0");
	}
	out_puts(b, nb);
}

static void lang_type(mlm_emitter *e, const mlm_schema *t, int opt, mlm_buf *b, int lang);

static void
lang_type(mlm_emitter *e, const mlm_schema *t, int opt, mlm_buf *b, int lang)
{
	ninfo *ti = info(e, t);
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
					const char *sv = jstr(x, &l);
					q_string(&in, sv, l, lang);
				} else
					num_lit(&in, t, jv_number_value(x), lang);
				jv_free(x);
			}
			if (lang == 'p')
				out_puts(&in, "]");
		} else if (is_str_enum(t))
			out_puts(&in, lang == 'g' ? "string" : "&'static str");
		else
			out_puts(&in, num_enum(t) == 1 ? (lang == 'g' ? "int64" : "i64") : (lang == 'g' ? "float64" : "f64"));
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
	if (!is_obj(s))
		return;
	for (size_t i = 0; i < s->nprops; i++)
		lang_decls(e, s->props[i].s, b, lang);
	ninfo *me = info(e, s);
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
	const char *ds = jstr(d, &l);
	if (lang == 'g')
		out_puts(b, "json.RawMessage(");
	q_string(b, ds, l, lang);
	if (lang == 'g')
		out_puts(b, ")");
	jv_free(d);
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
	case JV_KIND_STRING: {
		size_t l;
		const char *sv = jstr(x, &l);
		if (t->type == MLM_ST_ANY && lang == 'r')
			json_text(b, x, lang);
		else
			q_string(b, sv, l, lang);
		break;
	}
	case JV_KIND_NUMBER:
		if (lang == 'g' && gptr) {
			/* typed, so the helper's T is right */
			out_puts(b, integral(t) ? "int64(" : "float64(");
			num_lit(b, t, jv_number_value(x), lang);
			out_puts(b, ")");
		} else if (t->type == MLM_ST_ANY && lang == 'r')
			json_text(b, x, lang);
		else
			num_lit(b, t->type == MLM_ST_ANY ? NULL : t, jv_number_value(x), lang);
		break;
	case JV_KIND_TRUE:
	case JV_KIND_FALSE: {
		int tv = jv_get_kind(x) == JV_KIND_TRUE;
		if (t->type == MLM_ST_ANY && lang == 'r')
			json_text(b, x, lang);
		else
			out_puts(b, lang == 'p' ? (tv ? "True" : "False") : (tv ? "true" : "false"));
		break;
	}
	case JV_KIND_ARRAY:
		if (t->type == MLM_ST_ANY && (lang == 'r' || lang == 'g')) {
			json_text(b, x, lang);
			break;
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
		break;
	case JV_KIND_OBJECT:
		if (t->type == MLM_ST_ANY || !is_obj(t)) {
			if (lang == 'r' || lang == 'g') {
				json_text(b, x, lang);
				break;
			}
			jv d = jv_dump_string(jv_copy(x), 0);
			size_t l;
			const char *ds = jstr(d, &l);
			if (lang == 'p') {
				/* JSON and Python agree except for true/false/null */
				out_puts(b, "__import__('json').loads(");
				q_string(b, ds, l, lang);
				out_puts(b, ")");
			} else
				out_add(b, ds, l);
			jv_free(d);
			break;
		}
		{
			ninfo *ti = info(e, t);
			if (lang == 'g' || lang == 'r')
				out_printf(b, "%s{\n", ti->camel);
			else
				out_puts(b, "{\n");
			for (size_t i = 0; i < t->nprops; i++) {
				const mlm_schema *c = t->props[i].s;
				int copt = c->nullable || !t->props[i].required;
				jv y = jv_object_get(jv_copy(x), jv_string(t->props[i].name));
				if (!jv_is_valid(y) && (lang == 'p' || lang == 't')) {
					jv_free(y);
					continue;
				}
				ind(b, indent + 1);
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
			ind(b, indent);
			out_puts(b, "}");
		}
		break;
	default:
		out_puts(b, "null");
	}
	if (gptr && t->type != MLM_ST_OBJECT)
		out_puts(b, ")");
	if (wrap)
		out_puts(b, ")");
}

/* ---------- the API ---------- */

int
mlm_fmt_emit_begin(mlm_emitter *e, mlm_buf *b, char *err, size_t errlen)
{
	int to = e->o.to;
	if (to == MLM_TO_C || to == MLM_TO_C_DECL) {
		char *g = ident(e->name, 1);
		out_printf(b, "/* generated by llm-fmt: strings are UTF-8 */\n#ifndef %s_H\n#define %s_H\n"
		    "#include <stdbool.h>\n#include <stddef.h>\n\n", g, g);
		c_decls(e, e->s, b, 1);
		c_decls(e, e->s, b, 0);
		out_printf(b, "#endif /* %s_H */\n", g);
		free(g);
		if (to == MLM_TO_C)
			out_puts(b, "\n");
	} else if (to == MLM_TO_TSV || to == MLM_TO_CSV) {
		if (e->o.header) {
			rowctx c = {e, b, 0, 1, err, errlen, 0};
			walk(e->s, jv_invalid(), ".", 0, 0, row_leaf, &c);
			out_puts(b, to == MLM_TO_CSV ? "\r\n" : "\n");
		}
	} else if (to == MLM_TO_PY) {
		out_puts(b, "# generated by llm-fmt\nfrom typing import Any, List, Literal, Optional, TypedDict\n\n");
		lang_decls(e, e->s, b, 'p');
	} else if (to == MLM_TO_GO) {
		char *pk = ident(e->name, 0);
		size_t k = 0;
		for (char *p = pk; *p; p++)
			if (*p != '_')
				pk[k++] = (char)tolower((unsigned char)*p);
		pk[k] = 0;
		out_printf(b, "// Code generated by llm-fmt. DO NOT EDIT.\n\npackage %s\n\nimport \"encoding/json\"\n\n"
		    "var _ json.RawMessage\n\nfunc llmfmtPtr[T any](v T) *T { return &v }\n\n", *pk ? pk : "llmresult");
		free(pk);
		lang_decls(e, e->s, b, 'g');
	} else if (to == MLM_TO_RS) {
		out_puts(b, "// generated by llm-fmt\n#![allow(dead_code)]\n\n");
		lang_decls(e, e->s, b, 'r');
	} else if (to == MLM_TO_TS) {
		out_puts(b, "// generated by llm-fmt\n");
		lang_decls(e, e->s, b, 't');
	}
	return b->over ? too_large(b, err, errlen) : 0;
}

int
mlm_fmt_emit_value(mlm_emitter *e, jv v, mlm_buf *b, char *err, size_t errlen)
{
	int to = e->o.to;
	size_t idx = e->count;
	size_t start = b->len;
	int r = 0;
	switch (to) {
	case MLM_TO_JSON: {
		jv d = jv_dump_string(jv_copy(v), 0);
		size_t l;
		const char *s = jstr(d, &l);
		out_add(b, s, l);
		out_add(b, "\n", 1);
		jv_free(d);
		break;
	}
	case MLM_TO_C:
	case MLM_TO_C_VALUE: {
		char stat[400];
		snprintf(stat, sizeof stat, "%s_%zu", e->name, idx);
		mlm_buf pre = {0}, body = {0};
		out_add(&pre, "", 0);
		ninfo *me = info(e, e->s);
		out_printf(&body, "static const struct %s %s = ", me->ctag, stat);
		r = c_init(e, e->s, v, stat, &pre, &body, 0, err, errlen);
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
		break;
	}
	case MLM_TO_C_DECL:
		break;
	case MLM_TO_SH: {
		shctx c = {e, b, {0}, err, errlen, 0};
		size_t at = b->len;
		walk(e->s, jv_copy(v), "_", 1, e->o.upper, sh_leaf, &c);
		nset_free(&c.names);
		if (c.failed) {
			buf_cut(b, at);
			r = -1;
		}
		break;
	}
	case MLM_TO_TSV:
	case MLM_TO_CSV: {
		rowctx c = {e, b, 0, 0, err, errlen, 0};
		size_t at = b->len;
		walk(e->s, jv_copy(v), ".", 0, 0, row_leaf, &c);
		out_puts(b, to == MLM_TO_CSV ? "\r\n" : "\n");
		if (c.failed) {
			buf_cut(b, at);
			r = -1;
		}
		break;
	}
	case MLM_TO_PY: {
		ninfo *me = info(e, e->s);
		out_printf(b, "%s_%zu: %s = ", e->name, idx, me->camel);
		lang_value(e, e->s, v, 0, b, 'p', 0);
		out_puts(b, "\n\n");
		break;
	}
	case MLM_TO_GO: {
		out_printf(b, "var %s%zu = ", e->camelname, idx);
		lang_value(e, e->s, v, 0, b, 'g', 0);
		out_puts(b, "\n\n");
		break;
	}
	case MLM_TO_RS: {
		char *up = ident(e->name, 1);
		ninfo *me = info(e, e->s);
		out_printf(b, "pub const %s_%zu: %s = ", up, idx, me->camel);
		free(up);
		lang_value(e, e->s, v, 0, b, 'r', 0);
		out_puts(b, ";\n\n");
		break;
	}
	case MLM_TO_TS: {
		ninfo *me = info(e, e->s);
		char *c = camel(e->name);
		c[0] = (char)tolower((unsigned char)c[0]);
		out_printf(b, "export const %s%zu: %s = ", c, idx, me->camel);
		free(c);
		lang_value(e, e->s, v, 0, b, 't', 0);
		out_puts(b, ";\n\n");
		break;
	}
	}
	if (b->over) {	/* the value would be cut: none of it is written */
		buf_cut(b, start);
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
	int to = e->o.to;
	if (to == MLM_TO_C || to == MLM_TO_C_VALUE) {
		ninfo *me = info(e, e->s);
		out_printf(b, "extern const struct %s *const %s_all[];\n", me->ctag, e->name);
		out_printf(b, "const struct %s *const %s_all[] = {", me->ctag, e->name);
		if (e->count == 0)
			out_puts(b, " NULL");
		for (size_t i = 0; i < e->count; i++)
			out_printf(b, "\n\t&%s_%zu,", e->name, i);
		out_printf(b, "\n};\nextern const size_t %s_count;\nconst size_t %s_count = %zu;\n",
		    e->name, e->name, e->count);
	}
	return b->over ? too_large(b, err, errlen) : 0;
}
