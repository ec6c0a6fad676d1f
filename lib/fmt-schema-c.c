/*
 * fmt-schema-c.c — llm-fmt's schema tree: the concise DSL (a superset of
 * simonw/llm's), JSON Schema and C declarations in; JSON Schema, OpenAI
 * strict, Gemini responseSchema and the DSL out.
 *
 * One tree (mlm_schema) serves every dialect; each parser builds it and each
 * lowering walks it. Parsers report the first error with its position and
 * never guess: an unknown type word is an error, not a string.
 */
#define MLM_APPENDS_UNCHECKED /* mlm_buf appends here are not all checked yet */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MLM_FMT_INTERNAL
#include "fmt.h"

#define MAX_DEPTH 64

/* ---------- the tree ---------- */

static mlm_schema *
node_new(int type)
{
	mlm_schema *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->type = type;
	s->dflt = jv_invalid();
	s->enums = jv_invalid();
	return s;
}

void
mlm_schema_free(mlm_schema *s)
{
	if (!s)
		return;
	free(s->format);
	free(s->desc);
	jv_free(s->dflt);
	jv_free(s->enums);
	for (size_t i = 0; i < s->nprops; i++) {
		free(s->props[i].name);
		mlm_schema_free(s->props[i].s);
	}
	free(s->props);
	mlm_schema_free(s->items);
	free(s);
}

static mlm_schema *
node_copy(const mlm_schema *s)
{
	if (!s)
		return NULL;
	mlm_schema *c = node_new(s->type);
	if (!c)
		return NULL;
	c->nullable = s->nullable;
	c->format = mlm_strdup(s->format);
	c->desc = mlm_strdup(s->desc);
	jv_free(c->dflt);
	c->dflt = jv_copy(s->dflt);
	c->has_min = s->has_min;
	c->has_max = s->has_max;
	c->min = s->min;
	c->max = s->max;
	c->excl_min = s->excl_min;
	c->excl_max = s->excl_max;
	c->closed = s->closed;
	jv_free(c->enums);
	c->enums = jv_copy(s->enums);
	if (s->nprops) {
		c->props = calloc(s->nprops, sizeof *c->props);
		if (!c->props) {
			mlm_schema_free(c);
			return NULL;
		}
		for (size_t i = 0; i < s->nprops; i++) {
			c->props[i].name = mlm_strdup(s->props[i].name);
			c->props[i].required = s->props[i].required;
			c->props[i].s = node_copy(s->props[i].s);
			c->nprops++;
		}
	}
	c->items = node_copy(s->items);
	return c;
}

mlm_schema *
mlm_schema_array_of(const mlm_schema *s)
{
	mlm_schema *a = node_new(MLM_ST_ARRAY);
	if (!a)
		return NULL;
	a->items = node_copy(s);
	if (!a->items) {
		free(a);
		return NULL;
	}
	return a;
}

static int
add_prop(mlm_schema *o, const char *name, size_t nlen, mlm_schema *v, int required)
{
	for (size_t i = 0; i < o->nprops; i++)
		if (strlen(o->props[i].name) == nlen && !memcmp(o->props[i].name, name, nlen))
			return 1;
	mlm_sprop *p = realloc(o->props, (o->nprops + 1) * sizeof *p);
	if (!p)
		return -1;
	o->props = p;
	p[o->nprops].name = mlm_strndup(name, nlen);
	p[o->nprops].required = required;
	p[o->nprops].s = v;
	o->nprops++;
	return 0;
}

/* base type words of the DSL */
static const struct {
	const char *word;
	int type;
	const char *format;
} basetypes[] = {
	{"str", MLM_ST_STRING, NULL}, {"string", MLM_ST_STRING, NULL},
	{"int", MLM_ST_INTEGER, NULL}, {"integer", MLM_ST_INTEGER, NULL},
	{"float", MLM_ST_NUMBER, NULL}, {"number", MLM_ST_NUMBER, NULL},
	{"bool", MLM_ST_BOOLEAN, NULL}, {"boolean", MLM_ST_BOOLEAN, NULL},
	{"any", MLM_ST_ANY, NULL},
	{"date", MLM_ST_STRING, "date"}, {"datetime", MLM_ST_STRING, "date-time"},
	{"email", MLM_ST_STRING, "email"}, {"uri", MLM_ST_STRING, "uri"},
	{"uuid", MLM_ST_STRING, "uuid"},
};
#define NBASE (sizeof basetypes / sizeof basetypes[0])

static int
basetype_find(const char *w, size_t n)
{
	for (size_t i = 0; i < NBASE; i++)
		if (strlen(basetypes[i].word) == n && !memcmp(basetypes[i].word, w, n))
			return (int)i;
	return -1;
}

/* ---------- the DSL ---------- */

typedef struct dsl {
	const char *s;
	size_t i, n;
	int nl;                 /* newline mode at depth 0 */
	int multiline;          /* the spec has several lines (for positions) */
	int depth;
	char *err;
	size_t errlen;
	int failed;
} dsl;

static void *
dsl_fail(dsl *d, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void *
dsl_fail(dsl *d, size_t at, const char *fmt, ...)
{
	if (d->failed)
		return NULL;
	d->failed = 1;
	size_t line = 1, col = 1;
	for (size_t k = 0; k < at && k < d->n; k++) {
		if (d->s[k] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)d->s[k] & 0xC0) != 0x80)
			col++;
	}
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (d->multiline)
		mlm_err(d->err, d->errlen, "line %zu, column %zu: %s", line, col, msg);
	else
		mlm_err(d->err, d->errlen, "column %zu: %s", col, msg);
	return NULL;
}

static int
dsl_peek(dsl *d)
{
	return d->i < d->n ? (unsigned char)d->s[d->i] : -1;
}

static void
dsl_hspace(dsl *d)
{
	while (d->i < d->n && (d->s[d->i] == ' ' || d->s[d->i] == '\t' || d->s[d->i] == '\r'))
		d->i++;
}

/* spaces, newlines and '#' comment lines (inside brackets, or in newline mode) */
static void
dsl_space(dsl *d)
{
	for (;;) {
		while (d->i < d->n && isspace((unsigned char)d->s[d->i]))
			d->i++;
		if (d->i < d->n && d->s[d->i] == '#') {
			while (d->i < d->n && d->s[d->i] != '\n')
				d->i++;
			continue;
		}
		break;
	}
}

static int
is_word_byte(int c)
{
	if (c < 0)
		return 0;
	if (c >= 0x80)
		return 1;
	if (isspace(c))
		return 0;
	return !strchr(",:?[]{}|=#\"'", c);
}

/* a quoted string with \" \\ \n escapes; returns malloc'd bytes */
static char *
dsl_quoted(dsl *d, size_t *len)
{
	int q = d->s[d->i];
	size_t start = d->i++;
	mlm_buf b = {0};
	mlm_buf_add(&b, "", 0);
	while (d->i < d->n && d->s[d->i] != q) {
		char c = d->s[d->i++];
		if (c == '\\' && d->i < d->n) {
			c = d->s[d->i++];
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
		}
		mlm_buf_add(&b, &c, 1);
	}
	if (d->i >= d->n) {
		mlm_buf_free(&b);
		return dsl_fail(d, start, "unterminated quoted string");
	}
	d->i++;
	*len = b.len;
	return b.p;
}

static mlm_schema *dsl_fields(dsl *d, int closer);
static mlm_schema *dsl_type(dsl *d);

static int
number_text(const char *s, size_t n, double *out)
{
	char tmp[64];
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	char *end;
	errno = 0;
	double v = strtod(tmp, &end);
	if (*end || errno || !isfinite(v))
		return -1;
	if (!isdigit((unsigned char)tmp[0]) && !((tmp[0] == '-' || tmp[0] == '+') && isdigit((unsigned char)tmp[1])))
		return -1;
	*out = v;
	return 0;
}

/* enum literals: a|b|"c d"|1 ; d->i at the first literal */
static mlm_schema *
dsl_enum(dsl *d)
{
	jv vals = jv_array();
	int allnum = 1;
	for (;;) {
		size_t at = d->i;
		char *w;
		size_t wl = 0;
		int quoted = 0;
		if (dsl_peek(d) == '"' || dsl_peek(d) == '\'') {
			w = dsl_quoted(d, &wl);
			if (!w) {
				jv_free(vals);
				return NULL;
			}
			quoted = 1;
		} else {
			while (is_word_byte(dsl_peek(d)))
				d->i++;
			if (d->i == at) {
				jv_free(vals);
				return dsl_fail(d, at, "expected an enum value after '|'");
			}
			w = mlm_strndup(d->s + at, d->i - at);
			wl = d->i - at;
		}
		double num;
		jv v;
		if (!quoted && number_text(w, wl, &num) == 0)
			v = jv_number(num);
		else {
			v = jv_string_sized(w, (int)wl);
			allnum = 0;
		}
		free(w);
		int dup = 0;
		jv_array_foreach(vals, k, x) {
			if (jv_equal(x, jv_copy(v)))
				dup = 1;
		}
		if (dup) {
			jv_free(v);
			jv_free(vals);
			return dsl_fail(d, at, "enum value repeated");
		}
		vals = jv_array_append(vals, v);
		dsl_hspace(d);
		if (dsl_peek(d) != '|')
			break;
		d->i++;
		dsl_hspace(d);
	}
	(void)allnum;
	mlm_schema *s = node_new(MLM_ST_ENUM);
	if (!s) {
		jv_free(vals);
		return NULL;
	}
	jv_free(s->enums);
	s->enums = vals;
	return s;
}

static mlm_schema *
dsl_type(dsl *d)
{
	if (++d->depth > MAX_DEPTH)
		return dsl_fail(d, d->i, "nesting deeper than %d", MAX_DEPTH);
	mlm_schema *t = NULL;
	size_t at = d->i;
	int c = dsl_peek(d);
	if (c == '[') {
		d->i++;
		dsl_space(d);
		/* a type expression, or fields of an object */
		size_t save = d->i;
		int is_type = 0;
		int c2 = dsl_peek(d);
		if (c2 == '[' || c2 == '{')
			is_type = 1;
		else if (c2 == '"' || c2 == '\'') {
			is_type = 0;
			/* quoted: an enum if a '|' follows the literal */
			size_t wl;
			char *w = dsl_quoted(d, &wl);
			if (!w)
				return NULL;
			free(w);
			dsl_hspace(d);
			is_type = dsl_peek(d) == '|';
			d->i = save;
		} else {
			while (is_word_byte(dsl_peek(d)))
				d->i++;
			size_t wl = d->i - save;
			int bt = basetype_find(d->s + save, wl);
			dsl_hspace(d);
			int nx = dsl_peek(d);
			if (bt >= 0 && (nx == ']' || nx == '?' || nx == '['))
				is_type = 1;
			else if (wl && nx == '|')
				is_type = 1;
			d->i = save;
		}
		mlm_schema *item;
		if (is_type) {
			item = dsl_type(d);
			if (!item)
				return NULL;
			dsl_hspace(d);
			if (dsl_peek(d) == '?') {
				d->i++;
				item->nullable = 1;
			}
			dsl_space(d);
		} else {
			item = dsl_fields(d, ']');
			if (!item)
				return NULL;
		}
		if (dsl_peek(d) != ']') {
			mlm_schema_free(item);
			return dsl_fail(d, d->i, "expected ']' to close the '[' at column %zu", at + 1);
		}
		d->i++;
		t = node_new(MLM_ST_ARRAY);
		t->items = item;
	} else if (c == '{') {
		d->i++;
		t = dsl_fields(d, '}');
		if (!t)
			return NULL;
		if (dsl_peek(d) != '}') {
			mlm_schema_free(t);
			return dsl_fail(d, d->i, "expected '}'");
		}
		d->i++;
	} else if (c == '"' || c == '\'') {
		t = dsl_enum(d);      /* one quoted value: a constant */
		if (!t)
			return NULL;
	} else {
		while (is_word_byte(dsl_peek(d)))
			d->i++;
		size_t wl = d->i - at;
		if (wl == 0)
			return dsl_fail(d, at, "expected a type");
		size_t save = d->i;
		dsl_hspace(d);
		if (dsl_peek(d) == '|') {
			d->i = at;
			t = dsl_enum(d);
			if (!t)
				return NULL;
		} else {
			d->i = save;
			int bt = basetype_find(d->s + at, wl);
			if (bt < 0)
				return dsl_fail(d, at, "unknown type \"%.*s\" (types: str int float bool any "
				    "date datetime email uri uuid, [T], {fields}, a|b enums)", (int)wl, d->s + at);
			t = node_new(basetypes[bt].type);
			if (t && basetypes[bt].format)
				t->format = strdup(basetypes[bt].format);
		}
	}
	if (!t)
		return dsl_fail(d, at, "out of memory");
	/* T[] suffixes */
	while (d->i + 1 < d->n && d->s[d->i] == '[' && d->s[d->i + 1] == ']') {
		d->i += 2;
		mlm_schema *a = node_new(MLM_ST_ARRAY);
		a->items = t;
		t = a;
	}
	d->depth--;
	return t;
}

/* [lo]..[hi] at d->i */
static int
dsl_range(dsl *d, mlm_schema *t)
{
	size_t at = d->i;
	while (d->i < d->n && strchr("+-0123456789.eE", d->s[d->i]))
		d->i++;
	const char *r = d->s + at;
	size_t rl = d->i - at;
	const char *dots = NULL;
	for (size_t k = 0; k + 1 < rl; k++)
		if (r[k] == '.' && r[k + 1] == '.') {
			dots = r + k;
			break;
		}
	if (!dots) {
		dsl_fail(d, at, "expected a range such as 0..150, ..280 or 1..");
		return -1;
	}
	double lo = 0, hi = 0;
	size_t ll = (size_t)(dots - r), hl = rl - ll - 2;
	int hlo = ll > 0, hhi = hl > 0;
	if ((hlo && number_text(r, ll, &lo) < 0) || (hhi && number_text(dots + 2, hl, &hi) < 0) ||
	    (!hlo && !hhi)) {
		dsl_fail(d, at, "bad range \"%.*s\"", (int)rl, r);
		return -1;
	}
	if (hlo && hhi && lo > hi) {
		dsl_fail(d, at, "empty range \"%.*s\"", (int)rl, r);
		return -1;
	}
	switch (t->type) {
	case MLM_ST_INTEGER:
	case MLM_ST_NUMBER:
		break;
	case MLM_ST_STRING:
	case MLM_ST_ARRAY:
		if ((hlo && (lo < 0 || lo != floor(lo))) || (hhi && (hi < 0 || hi != floor(hi)))) {
			dsl_fail(d, at, "a length range needs whole numbers >= 0");
			return -1;
		}
		break;
	default:
		dsl_fail(d, at, "a range needs a number, string or array type");
		return -1;
	}
	t->has_min = hlo;
	t->min = lo;
	t->has_max = hhi;
	t->max = hi;
	return 0;
}

/* one field; adds it to o */
static int
dsl_field(dsl *d, mlm_schema *o, int closer)
{
	size_t at = d->i;
	char *name;
	size_t nl = 0;
	if (dsl_peek(d) == '"' || dsl_peek(d) == '\'') {
		name = dsl_quoted(d, &nl);
		if (!name)
			return -1;
	} else {
		while (is_word_byte(dsl_peek(d)))
			d->i++;
		nl = d->i - at;
		if (nl == 0) {
			dsl_fail(d, at, "expected a field name");
			return -1;
		}
		name = mlm_strndup(d->s + at, nl);
	}
	if (!name) {
		dsl_fail(d, at, "out of memory");
		return -1;
	}
	int opt = 0;
	if (dsl_peek(d) == '?') {
		opt = 1;
		d->i++;
	}
	dsl_hspace(d);
	mlm_schema *t = NULL;
	int c = dsl_peek(d);
	int sep_nl = d->nl || closer;
	int rangefirst = 0;
	if (c >= 0 && (isdigit(c) || c == '-' || c == '.')) {
		/* a range, unless the word is the first value of an enum: 1|2|3 */
		size_t k = d->i;
		while (is_word_byte(k < d->n ? (unsigned char)d->s[k] : -1))
			k++;
		while (k < d->n && (d->s[k] == ' ' || d->s[k] == '\t'))
			k++;
		rangefirst = !(k < d->n && d->s[k] == '|');
	}
	if (c < 0 || c == ':' || c == ',' || c == '=' || c == closer || (c == '\n' && sep_nl) || rangefirst) {
		t = node_new(MLM_ST_STRING);
	} else {
		t = dsl_type(d);
		if (!t) {
			free(name);
			return -1;
		}
	}
	dsl_hspace(d);
	if (dsl_peek(d) == '?') {
		opt = 1;
		d->i++;
		dsl_hspace(d);
	}
	c = dsl_peek(d);
	if (c >= 0 && (isdigit(c) || c == '-' || c == '+' || c == '.')) {
		if (dsl_range(d, t) < 0)
			goto fail;
		dsl_hspace(d);
		if (dsl_peek(d) == '?') {
			opt = 1;
			d->i++;
			dsl_hspace(d);
		}
	}
	if (dsl_peek(d) == '=') {
		d->i++;
		dsl_hspace(d);
		size_t vs = d->i;
		int dep = 0, inq = 0;
		while (d->i < d->n) {
			char ch = d->s[d->i];
			if (inq) {
				if (ch == '\\')
					d->i++;
				else if (ch == '"')
					inq = 0;
			} else if (ch == '"')
				inq = 1;
			else if (ch == '[' || ch == '{')
				dep++;
			else if (ch == ']' || ch == '}') {
				if (dep == 0)
					break;
				dep--;
			} else if (dep == 0 && (ch == ',' || ch == ':' || ch == '\n'))
				break;
			d->i++;
		}
		size_t ve = d->i;
		while (ve > vs && isspace((unsigned char)d->s[ve - 1]))
			ve--;
		jv v;
		char why[300];
		if (mlm_fmt_parse_json(d->s + vs, ve - vs, &v, why, sizeof why) < 0) {
			jv_free(v);
			dsl_fail(d, vs, "bad default (write it as JSON, e.g. = \"en\")");
			goto fail;
		}
		jv_free(t->dflt);
		t->dflt = v;
		dsl_hspace(d);
	}
	if (dsl_peek(d) == ':') {
		d->i++;
		dsl_hspace(d);
		size_t ds = d->i, de;
		char *desc = NULL;
		if (dsl_peek(d) == '"') {
			size_t dl;
			desc = dsl_quoted(d, &dl);
			if (!desc)
				goto fail;
			dsl_hspace(d);
		} else {
			while (d->i < d->n) {
				char ch = d->s[d->i];
				if (ch == '\n' && (d->nl || closer))
					break;
				if (ch == ',' && !(d->nl && !closer))
					break;
				if (closer && ch == closer)
					break;
				d->i++;
			}
			de = d->i;
			while (de > ds && isspace((unsigned char)d->s[de - 1]))
				de--;
			if (de > ds)
				desc = mlm_strndup(d->s + ds, de - ds);
		}
		if (desc && *desc) {
			free(t->desc);
			t->desc = desc;
		} else
			free(desc);
	}
	if (opt)
		t->nullable = 1;
	int r = add_prop(o, name, nl, t, !opt);
	if (r != 0) {
		if (r > 0)
			dsl_fail(d, at, "field \"%s\" defined twice", name);
		free(name);
		mlm_schema_free(t);
		return -1;
	}
	free(name);
	return 0;
fail:
	free(name);
	mlm_schema_free(t);
	return -1;
}

/* fields up to closer (0 = end of text); leaves d->i at the closer */
static mlm_schema *
dsl_fields(dsl *d, int closer)
{
	if (++d->depth > MAX_DEPTH)
		return dsl_fail(d, d->i, "nesting deeper than %d", MAX_DEPTH);
	mlm_schema *o = node_new(MLM_ST_OBJECT);
	if (!o)
		return NULL;
	int nlsep = closer || d->nl;
	for (;;) {
		/* separators and blank space */
		for (;;) {
			if (nlsep)
				dsl_space(d);
			else
				dsl_hspace(d);
			if (dsl_peek(d) == ',') {
				d->i++;
				continue;
			}
			break;
		}
		int c = dsl_peek(d);
		if (c < 0) {
			if (closer) {
				mlm_schema_free(o);
				return dsl_fail(d, d->i, "missing '%c'", closer);
			}
			break;
		}
		if (c == closer)
			break;
		if (c == ']' || c == '}') {
			mlm_schema_free(o);
			return dsl_fail(d, d->i, "unexpected '%c'", c);
		}
		if (dsl_field(d, o, closer) < 0) {
			mlm_schema_free(o);
			return NULL;
		}
		dsl_hspace(d);
		c = dsl_peek(d);
		if (c < 0 || c == closer || c == ',' || (c == '\n' && nlsep))
			continue;
		if (c == '\n' && !nlsep) {
			d->i++;
			continue;
		}
		mlm_schema_free(o);
		return dsl_fail(d, d->i, "unexpected '%c' after a field (fields are separated by ',')", c);
	}
	if (o->nprops == 0 && !d->failed) {
		mlm_schema_free(o);
		return dsl_fail(d, d->i, "no fields");
	}
	d->depth--;
	return o;
}

mlm_schema *
mlm_schema_parse_dsl(const char *spec, char *err, size_t errlen)
{
	dsl d = {0};
	d.s = spec;
	d.n = strlen(spec);
	d.err = err;
	d.errlen = errlen;
	while (d.n > 0 && isspace((unsigned char)spec[d.n - 1]))
		d.n--;
	/* newline mode: a newline outside brackets and quotes */
	int dep = 0, q = 0;
	for (size_t k = 0; k < d.n; k++) {
		char c = spec[k];
		if (c == '\n')
			d.multiline = 1;
		if (q) {
			if (c == '\\')
				k++;
			else if (c == q)
				q = 0;
			else if (c == '\n')
				q = 0;
			continue;
		}
		if (c == '"')
			q = c;
		else if (c == '[' || c == '{')
			dep++;
		else if ((c == ']' || c == '}') && dep > 0)
			dep--;
		else if (c == '\n' && dep == 0) {
			/* only if something other than blank space follows */
			d.nl = 1;
		}
	}
	dsl_space(&d);
	mlm_schema *s;
	if (dsl_peek(&d) == '[') {
		s = dsl_type(&d);
		if (s) {
			dsl_space(&d);
			if (d.i < d.n) {
				mlm_schema_free(s);
				return dsl_fail(&d, d.i, "text after the closing ']'");
			}
		}
	} else
		s = dsl_fields(&d, 0);
	if (!s && !d.failed)
		mlm_err(err, errlen, "out of memory");
	return s;
}

/* ---------- JSON Schema in ---------- */

/* A schema may name a definition many times ("$ref" bombs: each of 18
 * definitions naming the next twice is 2^18 nodes): each definition is
 * built once and copied, and the whole tree, $ref expanded, is capped. */
#define MAX_NODES 10000

typedef struct js_def {
	char *ref;                 /* "#/$defs/name" */
	mlm_schema *s;             /* the definition built, or NULL while building */
	size_t nodes;              /* its node count */
} js_def;

typedef struct js {
	jv root;
	char *err;
	size_t errlen;
	int depth;
	size_t nodes;              /* nodes in the tree so far, $ref expanded */
	js_def *defs;              /* definitions met so far */
	size_t ndefs;
} js;

static const char *refused[] = {
	"pattern", "patternProperties", "multipleOf", "uniqueItems", "minProperties",
	"maxProperties", "dependentRequired", "dependentSchemas", "dependencies", "if",
	"then", "else", "not", "contains", "minContains", "maxContains", "prefixItems",
	"unevaluatedProperties", "unevaluatedItems", "propertyNames", "additionalItems",
	"$dynamicRef", "$recursiveRef", NULL
};

static int
js_type_word(const char *w)
{
	static const struct { const char *w; int t; } m[] = {
		{"string", MLM_ST_STRING}, {"integer", MLM_ST_INTEGER}, {"number", MLM_ST_NUMBER},
		{"boolean", MLM_ST_BOOLEAN}, {"object", MLM_ST_OBJECT}, {"array", MLM_ST_ARRAY},
		{"STRING", MLM_ST_STRING}, {"INTEGER", MLM_ST_INTEGER}, {"NUMBER", MLM_ST_NUMBER},
		{"BOOLEAN", MLM_ST_BOOLEAN}, {"OBJECT", MLM_ST_OBJECT}, {"ARRAY", MLM_ST_ARRAY},
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (!strcmp(m[i].w, w))
			return m[i].t;
	return -1;
}

static mlm_schema *js_node(js *j, jv s, const char *path);

static void *
js_fail(js *j, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void *
js_fail(js *j, const char *path, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	mlm_err(j->err, j->errlen, "%s: %s", path, msg);
	return NULL;
}

static int
js_num(jv s, const char *k, double *out)
{
	jv v = jv_object_get(jv_copy(s), jv_string(k));
	int r = 0;
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		*out = jv_number_value(v);
		r = 1;
	} else if (jv_is_valid(v) && jv_get_kind(v) != JV_KIND_NULL)
		r = -1;
	jv_free(v);
	return r;
}

static int
js_count(js *j, size_t n, const char *path)
{
	j->nodes += n;
	if (j->nodes <= MAX_NODES)
		return 0;
	js_fail(j, path, "the schema has more than %d nodes once each $ref is expanded", MAX_NODES);
	return -1;
}

static int
node_height(const mlm_schema *s)
{
	int h = 0;
	for (size_t i = 0; i < s->nprops; i++) {
		int c = node_height(s->props[i].s);
		h = c > h ? c : h;
	}
	if (s->items) {
		int c = node_height(s->items);
		h = c > h ? c : h;
	}
	return h + 1;
}

/* The definition r (name in root.where), built on its first use, copied on
 * the next ones. A definition that names itself, directly or not, would be
 * an infinite tree: it is refused. */
static mlm_schema *
js_ref(js *j, const char *r, const char *name, const char *where, const char *path)
{
	for (size_t i = 0; i < j->ndefs; i++) {
		js_def *d = &j->defs[i];
		if (strcmp(d->ref, r))
			continue;
		if (!d->s)
			return js_fail(j, path, "recursive $ref \"%s\": a definition that contains "
			    "itself is not supported (the schema must be finite)", r);
		if (js_count(j, d->nodes, path) < 0)
			return NULL;
		if (j->depth + node_height(d->s) > MAX_DEPTH)
			return js_fail(j, path, "schema nested deeper than %d", MAX_DEPTH);
		mlm_schema *t = node_copy(d->s);
		return t ? t : js_fail(j, path, "out of memory");
	}
	jv defs = jv_get_kind(j->root) == JV_KIND_OBJECT ?
	    jv_object_get(jv_copy(j->root), jv_string(where)) : jv_invalid();
	jv def = jv_get_kind(defs) == JV_KIND_OBJECT ? jv_object_get(defs, jv_string(name)) :
	    (jv_free(defs), jv_invalid());
	if (!jv_is_valid(def) || jv_get_kind(def) == JV_KIND_NULL) {
		jv_free(def);
		return js_fail(j, path, "$ref \"%s\" not found", r);
	}
	js_def *nd = realloc(j->defs, (j->ndefs + 1) * sizeof *nd);
	char *key = mlm_strdup(r);
	if (nd)
		j->defs = nd;
	if (!nd || !key) {
		free(key);
		jv_free(def);
		return js_fail(j, path, "out of memory");
	}
	size_t slot = j->ndefs++, before = j->nodes;
	j->defs[slot] = (js_def){ .ref = key };
	mlm_schema *t = js_node(j, def, r);
	jv_free(def);
	if (!t)
		return NULL;
	j->defs[slot].nodes = j->nodes - before;
	j->defs[slot].s = node_copy(t);
	if (!j->defs[slot].s) {
		mlm_schema_free(t);
		return js_fail(j, path, "out of memory");
	}
	return t;
}

/* s is borrowed */
static mlm_schema *
js_node(js *j, jv s, const char *path)
{
	char sub[512];
	if (++j->depth > MAX_DEPTH)
		return js_fail(j, path, "schema nested deeper than %d (recursive $ref?)", MAX_DEPTH);
	if (jv_get_kind(s) == JV_KIND_TRUE) {
		j->depth--;
		return node_new(MLM_ST_ANY);
	}
	if (jv_get_kind(s) != JV_KIND_OBJECT)
		return js_fail(j, path, "a schema must be an object");
	for (int k = 0; refused[k]; k++)
		if (jv_object_has(jv_copy(s), jv_string(refused[k])))
			return js_fail(j, path, "unsupported keyword \"%s\" (llm-fmt would not enforce it)", refused[k]);
	jv ref = jv_object_get(jv_copy(s), jv_string("$ref"));
	if (jv_get_kind(ref) == JV_KIND_STRING) {
		const char *r = jv_string_value(ref);
		const char *name = NULL, *where = NULL;
		if (!strncmp(r, "#/$defs/", 8))
			name = r + 8, where = "$defs";
		else if (!strncmp(r, "#/definitions/", 14))
			name = r + 14, where = "definitions";
		mlm_schema *t = NULL;
		if (!strcmp(r, "#"))
			t = js_fail(j, path, "recursive $ref \"#\" is not supported");
		else if (!name || strchr(name, '/'))
			t = js_fail(j, path, "only local $ref into $defs or definitions is supported");
		else
			t = js_ref(j, r, name, where, path);
		jv_free(ref);
		if (t) {
			jv d = jv_object_get(jv_copy(s), jv_string("description"));
			if (jv_get_kind(d) == JV_KIND_STRING) {
				free(t->desc);
				t->desc = strdup(jv_string_value(d));
			}
			jv_free(d);
			j->depth--;
		}
		return t;
	}
	jv_free(ref);
	mlm_schema *t = NULL;
	int nullable = 0;
	/* anyOf / oneOf / allOf of one */
	const char *alts[] = {"anyOf", "oneOf", "allOf"};
	for (int a = 0; a < 3; a++) {
		jv arr = jv_object_get(jv_copy(s), jv_string(alts[a]));
		if (!jv_is_valid(arr) || jv_get_kind(arr) == JV_KIND_NULL) {
			jv_free(arr);
			continue;
		}
		if (jv_get_kind(arr) != JV_KIND_ARRAY) {
			jv_free(arr);
			return js_fail(j, path, "%s must be an array", alts[a]);
		}
		int idx = -1, nn = 0;
		jv_array_foreach(arr, k, br) {
			jv ty = jv_object_get(jv_copy(br), jv_string("type"));
			int isnull = jv_get_kind(ty) == JV_KIND_STRING && !strcmp(jv_string_value(ty), "null");
			jv_free(ty);
			jv_free(br);
			if (isnull && a < 2)
				nullable = 1;
			else {
				idx = k;
				nn++;
			}
		}
		if (nn != 1) {
			jv_free(arr);
			return js_fail(j, path, "%s with %d branches is not supported (only one type, or one type and null)", alts[a], nn);
		}
		snprintf(sub, sizeof sub, "%s.%s[%d]", path, alts[a], idx);
		jv br = jv_array_get(jv_copy(arr), idx);
		t = js_node(j, br, sub);
		jv_free(br);
		jv_free(arr);
		if (!t)
			return NULL;
		if (nullable)
			t->nullable = 1;
		jv d = jv_object_get(jv_copy(s), jv_string("description"));
		if (jv_get_kind(d) == JV_KIND_STRING) {
			free(t->desc);
			t->desc = strdup(jv_string_value(d));
		}
		jv_free(d);
		jv df = jv_object_get(jv_copy(s), jv_string("default"));
		if (jv_is_valid(df) && jv_object_has(jv_copy(s), jv_string("default"))) {
			jv_free(t->dflt);
			t->dflt = df;
		} else
			jv_free(df);
		j->depth--;
		return t;
	}
	/* type */
	int type = -1;
	jv ty = jv_object_get(jv_copy(s), jv_string("type"));
	if (jv_get_kind(ty) == JV_KIND_STRING) {
		const char *w = jv_string_value(ty);
		if (!strcmp(w, "null") || !strcmp(w, "NULL")) {
			jv_free(ty);
			return js_fail(j, path, "a field of type null only is not supported");
		}
		type = js_type_word(w);
		if (type < 0) {
			js_fail(j, path, "unknown type \"%s\"", w);
			jv_free(ty);
			return NULL;
		}
	} else if (jv_get_kind(ty) == JV_KIND_ARRAY) {
		int nn = 0;
		jv_array_foreach(ty, k, w) {
			if (jv_get_kind(w) != JV_KIND_STRING) {
				jv_free(w);
				jv_free(ty);
				return js_fail(j, path, "type must hold strings");
			}
			if (!strcmp(jv_string_value(w), "null"))
				nullable = 1;
			else {
				type = js_type_word(jv_string_value(w));
				nn++;
				if (type < 0) {
					js_fail(j, path, "unknown type \"%s\"", jv_string_value(w));
					jv_free(w);
					jv_free(ty);
					return NULL;
				}
			}
			jv_free(w);
		}
		if (nn > 1) {
			jv_free(ty);
			return js_fail(j, path, "a type list with several non-null types is not supported");
		}
	} else if (jv_is_valid(ty) && jv_get_kind(ty) != JV_KIND_NULL) {
		jv_free(ty);
		return js_fail(j, path, "type must be a string or an array");
	}
	jv_free(ty);
	jv en = jv_object_get(jv_copy(s), jv_string("enum"));
	jv cn = jv_object_get(jv_copy(s), jv_string("const"));
	if (jv_object_has(jv_copy(s), jv_string("const"))) {
		jv_free(en);
		en = jv_array_append(jv_array(), cn);
	} else
		jv_free(cn);
	if (jv_get_kind(en) == JV_KIND_ARRAY) {
		jv vals = jv_array();
		int bad = 0;
		jv_array_foreach(en, k, v) {
			jv_kind vk = jv_get_kind(v);
			if (vk == JV_KIND_NULL)
				nullable = 1;
			else if (vk == JV_KIND_STRING || vk == JV_KIND_NUMBER)
				vals = jv_array_append(vals, jv_copy(v));
			else
				bad = 1;
			jv_free(v);
		}
		jv_free(en);
		if (bad || jv_array_length(jv_copy(vals)) == 0) {
			jv_free(vals);
			return js_fail(j, path, "enum values must be strings or numbers");
		}
		t = node_new(MLM_ST_ENUM);
		jv_free(t->enums);
		t->enums = vals;
	} else {
		if (jv_is_valid(en) && jv_get_kind(en) != JV_KIND_NULL) {
			jv_free(en);
			return js_fail(j, path, "enum must be an array");
		}
		jv_free(en);
		if (type < 0) {
			if (jv_object_has(jv_copy(s), jv_string("properties")))
				type = MLM_ST_OBJECT;
			else if (jv_object_has(jv_copy(s), jv_string("items")))
				type = MLM_ST_ARRAY;
			else
				type = MLM_ST_ANY;
		}
		t = node_new(type);
	}
	if (!t)
		return js_fail(j, path, "out of memory");
	if (js_count(j, 1, path) < 0) {
		mlm_schema_free(t);
		return NULL;
	}
	t->nullable = nullable;
	jv nb = jv_object_get(jv_copy(s), jv_string("nullable"));
	if (jv_get_kind(nb) == JV_KIND_TRUE)
		t->nullable = 1;
	jv_free(nb);
	jv d = jv_object_get(jv_copy(s), jv_string("description"));
	if (jv_get_kind(d) == JV_KIND_STRING)
		t->desc = strdup(jv_string_value(d));
	jv_free(d);
	if (jv_object_has(jv_copy(s), jv_string("default"))) {
		jv_free(t->dflt);
		t->dflt = jv_object_get(jv_copy(s), jv_string("default"));
	}
	jv f = jv_object_get(jv_copy(s), jv_string("format"));
	if (jv_get_kind(f) == JV_KIND_STRING && t->type == MLM_ST_STRING) {
		const char *fw = jv_string_value(f);
		if (!strcmp(fw, "date") || !strcmp(fw, "date-time") || !strcmp(fw, "email") ||
		    !strcmp(fw, "uri") || !strcmp(fw, "uuid"))
			t->format = strdup(fw);
	}
	jv_free(f);
	double v;
	int r;
	const char *lo = NULL, *hi = NULL;
	if (t->type == MLM_ST_INTEGER || t->type == MLM_ST_NUMBER || t->type == MLM_ST_ENUM)
		lo = "minimum", hi = "maximum";
	else if (t->type == MLM_ST_STRING)
		lo = "minLength", hi = "maxLength";
	else if (t->type == MLM_ST_ARRAY)
		lo = "minItems", hi = "maxItems";
	if (lo) {
		if ((r = js_num(s, lo, &v)) < 0)
			goto badnum;
		if (r)
			t->has_min = 1, t->min = v;
		if ((r = js_num(s, hi, &v)) < 0)
			goto badnum;
		if (r)
			t->has_max = 1, t->max = v;
	}
	if (t->type == MLM_ST_INTEGER || t->type == MLM_ST_NUMBER) {
		/* with both minimum and a numeric exclusiveMinimum, both hold:
		 * the stricter one is kept (and the same for the maximum) */
		jv em = jv_object_get(jv_copy(s), jv_string("exclusiveMinimum"));
		if (jv_get_kind(em) == JV_KIND_NUMBER) {
			if (!t->has_min || jv_number_value(em) >= t->min)
				t->has_min = 1, t->min = jv_number_value(em), t->excl_min = 1;
		} else if (jv_get_kind(em) == JV_KIND_TRUE)
			t->excl_min = t->has_min;
		jv_free(em);
		em = jv_object_get(jv_copy(s), jv_string("exclusiveMaximum"));
		if (jv_get_kind(em) == JV_KIND_NUMBER) {
			if (!t->has_max || jv_number_value(em) <= t->max)
				t->has_max = 1, t->max = jv_number_value(em), t->excl_max = 1;
		} else if (jv_get_kind(em) == JV_KIND_TRUE)
			t->excl_max = t->has_max;
		jv_free(em);
	}
	if (t->type == MLM_ST_OBJECT) {
		jv props = jv_object_get(jv_copy(s), jv_string("properties"));
		jv req = jv_object_get(jv_copy(s), jv_string("required"));
		jv ap = jv_object_get(jv_copy(s), jv_string("additionalProperties"));
		if (jv_get_kind(ap) == JV_KIND_FALSE)
			t->closed = 1;
		int ok = 1;
		if (jv_get_kind(props) == JV_KIND_OBJECT) {
			jv_object_foreach(props, key, ps) {
				if (ok) {
					snprintf(sub, sizeof sub, "%s.properties.%s", path, jv_string_value(key));
					mlm_schema *c = js_node(j, ps, sub);
					if (!c)
						ok = 0;
					else {
						int isreq = 0;
						if (jv_get_kind(req) == JV_KIND_ARRAY)
							jv_array_foreach(req, k, rn) {
								if (jv_get_kind(rn) == JV_KIND_STRING && !strcmp(jv_string_value(rn), jv_string_value(key)))
									isreq = 1;
								jv_free(rn);
							}
						add_prop(t, jv_string_value(key), strlen(jv_string_value(key)), c, isreq);
					}
				}
				jv_free(key);
				jv_free(ps);
			}
		} else if (jv_is_valid(props) && jv_get_kind(props) != JV_KIND_NULL) {
			js_fail(j, path, "properties must be an object");
			ok = 0;
		}
		if (ok && jv_get_kind(req) == JV_KIND_ARRAY) {
			jv_array_foreach(req, k, rn) {
				int found = 0;
				if (jv_get_kind(rn) == JV_KIND_STRING)
					for (size_t p = 0; p < t->nprops; p++)
						if (!strcmp(t->props[p].name, jv_string_value(rn)))
							found = 1;
				if (!found && ok) {
					if (jv_get_kind(rn) == JV_KIND_STRING)
						js_fail(j, path, "required \"%s\" is not among the properties", jv_string_value(rn));
					else
						js_fail(j, path, "required must hold strings");
					ok = 0;
				}
				jv_free(rn);
			}
		}
		if (ok && t->nprops == 0 && jv_get_kind(ap) == JV_KIND_OBJECT) {
			/* a map: kept as any object */
			t->type = MLM_ST_ANY;
		}
		jv_free(props);
		jv_free(req);
		jv_free(ap);
		if (!ok) {
			mlm_schema_free(t);
			return NULL;
		}
	} else if (t->type == MLM_ST_ARRAY) {
		jv it = jv_object_get(jv_copy(s), jv_string("items"));
		if (jv_is_valid(it) && jv_get_kind(it) != JV_KIND_NULL) {
			snprintf(sub, sizeof sub, "%s.items", path);
			t->items = js_node(j, it, sub);
		} else
			t->items = node_new(MLM_ST_ANY);
		jv_free(it);
		if (!t->items) {
			mlm_schema_free(t);
			return NULL;
		}
	}
	j->depth--;
	return t;
badnum:
	mlm_schema_free(t);
	return js_fail(j, path, "%s must be a number", lo);
}

mlm_schema *
mlm_schema_from_jv(jv doc, char *err, size_t errlen)
{
	js j = {0};
	j.root = doc;
	j.err = err;
	j.errlen = errlen;
	mlm_schema *s = js_node(&j, doc, "$");
	for (size_t i = 0; i < j.ndefs; i++) {
		free(j.defs[i].ref);
		mlm_schema_free(j.defs[i].s);
	}
	free(j.defs);
	return s;
}

mlm_schema *
mlm_schema_parse_json(const char *text, char *err, size_t errlen)
{
	jv doc;
	char why[MLM_ERRLEN];
	if (mlm_fmt_parse_json(text, strlen(text), &doc, why, sizeof why) < 0) {
		mlm_err(err, errlen, "JSON Schema: %s", why);
		return NULL;
	}
	mlm_schema *s = mlm_schema_from_jv(doc, err, errlen);
	jv_free(doc);
	return s;
}

/* ---------- C declarations in ---------- */

enum { CT_EOF = 0, CT_ID, CT_NUM, CT_PUNCT, CT_COMMENT };
typedef struct ctok {
	int t;
	const char *p;
	size_t n;
	int line, col;
	int nl_before;          /* a newline precedes this token */
} ctok;

typedef struct cmember {
	char *name;
	char *key;              /* original JSON key from a comment, or NULL */
	char *desc;
	int base;               /* MLM_ST_* of the base type, or 0 */
	int is_char, is_struct, is_enum, is_unsigned, is_size;
	char *tag;              /* struct/enum name */
	int ptr;
	long arr;               /* [N], 0 none */
	int line, col;
	int drop;
	int nullable, array, any;
} cmember;

typedef struct cagg {
	int is_enum;
	char *tag, *alias;
	cmember *m;
	size_t nm;
	jv vals;                /* enum values (strings) */
	int building;
} cagg;

typedef struct cpar {
	ctok *tok;
	size_t nt, i;
	cagg *agg;
	size_t na;
	char *err;
	size_t errlen;
	int failed;
} cpar;

static void *
c_fail(cpar *c, const ctok *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void *
c_fail(cpar *c, const ctok *t, const char *fmt, ...)
{
	if (c->failed)
		return NULL;
	c->failed = 1;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (t)
		mlm_err(c->err, c->errlen, "line %d, column %d: %s", t->line, t->col, msg);
	else
		mlm_err(c->err, c->errlen, "%s", msg);
	return NULL;
}

static int
c_lex(cpar *c, const char *s)
{
	size_t n = strlen(s), i = 0, cap = 0;
	int line = 1, col = 1, nl = 1;
	while (i < n) {
		char ch = s[i];
		if (ch == '\n') {
			i++, line++, col = 1, nl = 1;
			continue;
		}
		if (isspace((unsigned char)ch)) {
			i++, col++;
			continue;
		}
		if (ch == '#' && nl) {          /* preprocessor line */
			while (i < n && s[i] != '\n') {
				if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\n')
					i++, line++;
				i++;
			}
			continue;
		}
		if (c->nt == cap) {
			cap = cap ? cap * 2 : 256;
			ctok *nt = realloc(c->tok, cap * sizeof *nt);
			if (!nt)
				return -1;
			c->tok = nt;
		}
		ctok *t = &c->tok[c->nt];
		t->p = s + i;
		t->line = line;
		t->col = col;
		t->nl_before = nl;
		nl = 0;
		if (ch == '/' && i + 1 < n && (s[i + 1] == '*' || s[i + 1] == '/')) {
			int block = s[i + 1] == '*';
			size_t st = i;
			i += 2;
			while (i < n && !(block ? (s[i] == '*' && i + 1 < n && s[i + 1] == '/') : s[i] == '\n')) {
				if (s[i] == '\n')
					line++, col = 0;
				i++;
			}
			if (block) {
				if (i >= n) {
					c_fail(c, t, "unterminated comment");
					return -1;
				}
				i += 2;
			}
			t->t = CT_COMMENT;
			t->p = s + st;
			t->n = i - st;
			col += (int)(i - st);
		} else if (isalpha((unsigned char)ch) || ch == '_') {
			size_t st = i;
			while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
				i++;
			t->t = CT_ID;
			t->n = i - st;
			col += (int)t->n;
		} else if (isdigit((unsigned char)ch)) {
			size_t st = i;
			while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '.'))
				i++;
			t->t = CT_NUM;
			t->n = i - st;
			col += (int)t->n;
		} else if (ch == '"' || ch == '\'') {
			/* string/char literals only appear in initializers we skip */
			size_t st = i++;
			while (i < n && s[i] != ch && s[i] != '\n') {
				if (s[i] == '\\')
					i++;
				i++;
			}
			i++;
			t->t = CT_NUM;
			t->n = i - st;
			col += (int)t->n;
		} else {
			t->t = CT_PUNCT;
			t->n = 1;
			i++, col++;
		}
		c->nt++;
	}
	return 0;
}

static ctok *
c_peek(cpar *c)
{
	while (c->i < c->nt && c->tok[c->i].t == CT_COMMENT)
		c->i++;
	static ctok eof = {CT_EOF, "", 0, 0, 0, 0};
	return c->i < c->nt ? &c->tok[c->i] : &eof;
}

static int
tok_is(const ctok *t, const char *w)
{
	return t->t != CT_EOF && t->n == strlen(w) && !memcmp(t->p, w, t->n);
}

static cagg *
c_find(cpar *c, const char *tag, int is_enum)
{
	for (size_t k = 0; k < c->na; k++)
		if (c->agg[k].is_enum == is_enum &&
		    ((c->agg[k].tag && !strcmp(c->agg[k].tag, tag)) || (c->agg[k].alias && !strcmp(c->agg[k].alias, tag))))
			return &c->agg[k];
	return NULL;
}

static cagg *
c_find_any(cpar *c, const char *name)
{
	for (size_t k = 0; k < c->na; k++)
		if (c->agg[k].alias && !strcmp(c->agg[k].alias, name))
			return &c->agg[k];
	return NULL;
}

/* the comment right after position i on the same line, as text */
static char *
c_trailing_comment(cpar *c, size_t i, int line)
{
	if (i < c->nt && c->tok[i].t == CT_COMMENT && c->tok[i].line == line) {
		const ctok *t = &c->tok[i];
		const char *p = t->p + 2;
		size_t n = t->n - 2;
		if (t->p[1] == '*')
			n -= 2;
		while (n && isspace((unsigned char)*p))
			p++, n--;
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		return mlm_strndup(p, n);
	}
	return NULL;
}

/* splits `"orig key": description (nullable)`; undoes "*\/" */
static void
c_comment_meta(char *txt, char **key, char **desc, int *nullable)
{
	*key = NULL;
	*desc = NULL;
	if (!txt)
		return;
	char *w = txt;
	for (char *r = txt; *r; r++) {
		if (r[0] == '*' && r[1] == '\\' && r[2] == '/') {
			*w++ = '*';
			*w++ = '/';
			r += 2;
			continue;
		}
		*w++ = *r;
	}
	*w = 0;
	size_t tl = strlen(txt);
	if (nullable && tl >= 10 && !strcmp(txt + tl - 10, "(nullable)")) {
		*nullable = 1;
		txt[tl - 10] = 0;
		while (tl > 10 && isspace((unsigned char)txt[strlen(txt) - 1]))
			txt[strlen(txt) - 1] = 0;
		if (!*txt) {
			free(txt);
			return;
		}
	}
	if (txt[0] == '"') {
		/* a JSON string, with "*\/" written for a closing comment */
		size_t k = 1;
		while (txt[k] && txt[k] != '"') {
			if (txt[k] == '\\' && txt[k + 1])
				k++;
			k++;
		}
		if (txt[k] == '"') {
			mlm_buf b = {0};
			for (size_t x = 0; x <= k; x++) {
				if (txt[x] == '*' && txt[x + 1] == '\\' && txt[x + 2] == '/') {
					mlm_buf_add(&b, "*/", 2);
					x += 2;
					continue;
				}
				mlm_buf_add(&b, txt + x, 1);
			}
			jv v;
			char why[300];
			if (mlm_fmt_parse_json(b.p ? b.p : "", b.len, &v, why, sizeof why) < 0)
				v = jv_invalid();
			mlm_buf_free(&b);
			if (jv_get_kind(v) == JV_KIND_STRING) {
				*key = strdup(jv_string_value(v));
				char *rest = txt + k + 1;
				while (*rest == ':' || isspace((unsigned char)*rest))
					rest++;
				if (*rest)
					*desc = strdup(rest);
				jv_free(v);
				free(txt);
				return;
			}
			jv_free(v);
		}
	}
	*desc = txt;
}

static void
cmember_free(cmember *m)
{
	free(m->name);
	free(m->key);
	free(m->desc);
	free(m->tag);
}

/* parses `{ ... }` of an enum; c->i after '{' */
static int
c_enum_body(cpar *c, cagg *a)
{
	a->vals = jv_array();
	jv origs = jv_array();
	for (;;) {
		ctok *t = c_peek(c);
		if (tok_is(t, "}")) {
			c->i++;
			break;
		}
		if (t->t != CT_ID) {
			jv_free(origs);
			c_fail(c, t, "expected an enumerator");
			return -1;
		}
		size_t ti = c->i;
		c->i++;
		ctok *nx = c_peek(c);
		if (tok_is(nx, "=")) {
			c->i++;
			while (!tok_is(c_peek(c), ",") && !tok_is(c_peek(c), "}") && c_peek(c)->t != CT_EOF)
				c->i++;
		}
		if (tok_is(c_peek(c), ","))
			c->i++;
		char *cm = c_trailing_comment(c, c->i, c->tok[ti].line);
		if (!cm && ti + 1 < c->nt)
			cm = c_trailing_comment(c, ti + 1, c->tok[ti].line);
		char *key, *desc;
		c_comment_meta(cm, &key, &desc, NULL);
		free(desc);
		a->vals = jv_array_append(a->vals, jv_string_sized(c->tok[ti].p, (int)c->tok[ti].n));
		origs = jv_array_append(origs, key ? jv_string(key) : jv_null());
		free(key);
	}
	/* strip the common prefix, lower-case, unless a comment gave the value */
	int n = jv_array_length(jv_copy(a->vals));
	size_t pre = 0;
	if (n >= 1) {
		char tagu[256] = "";
		if (a->tag || a->alias) {
			const char *tg = a->tag ? a->tag : a->alias;
			size_t k;
			for (k = 0; tg[k] && k < sizeof tagu - 2; k++)
				tagu[k] = (char)toupper((unsigned char)tg[k]);
			tagu[k++] = '_';
			tagu[k] = 0;
		}
		size_t tl = strlen(tagu);
		int all = tl > 0;
		jv_array_foreach(a->vals, k, v) {
			if (strncmp(jv_string_value(v), tagu, tl) || strlen(jv_string_value(v)) == tl)
				all = 0;
			jv_free(v);
		}
		if (all)
			pre = tl;
		else if (n >= 2) {
			jv f = jv_array_get(jv_copy(a->vals), 0);
			pre = strlen(jv_string_value(f));
			jv_array_foreach(a->vals, k, v) {
				const char *x = jv_string_value(v), *y = jv_string_value(f);
				size_t q = 0;
				while (q < pre && x[q] && x[q] == y[q])
					q++;
				pre = q;
				jv_free(v);
			}
			while (pre > 0 && jv_string_value(f)[pre - 1] != '_')
				pre--;
			jv_array_foreach(a->vals, k, v) {
				if (strlen(jv_string_value(v)) <= pre)
					pre = 0;
				jv_free(v);
			}
			jv_free(f);
		}
	}
	jv out = jv_array();
	jv_array_foreach(a->vals, k, v) {
		jv o = jv_array_get(jv_copy(origs), k);
		if (jv_get_kind(o) == JV_KIND_STRING) {
			out = jv_array_append(out, o);
		} else {
			jv_free(o);
			char *lw = strdup(jv_string_value(v) + pre);
			for (char *p = lw; p && *p; p++)
				*p = (char)tolower((unsigned char)*p);
			out = jv_array_append(out, jv_string(lw ? lw : ""));
			free(lw);
		}
		jv_free(v);
	}
	jv_free(origs);
	jv_free(a->vals);
	a->vals = out;
	return 0;
}

static int c_struct_body(cpar *c, cagg *a);

/* struct/enum definition or reference after the keyword; returns the agg
 * index for definitions, -2 for references (tag in *tag), -1 on error */
static long
c_aggregate(cpar *c, int is_enum, char **tag)
{
	*tag = NULL;
	ctok *t = c_peek(c);
	if (t->t == CT_ID) {
		*tag = mlm_strndup(t->p, t->n);
		c->i++;
		t = c_peek(c);
	}
	if (!tok_is(t, "{")) {
		if (!*tag) {
			c_fail(c, t, "expected a name or '{'");
			return -1;
		}
		return -2;
	}
	c->i++;
	cagg *na = realloc(c->agg, (c->na + 1) * sizeof *na);
	if (!na)
		return -1;
	c->agg = na;
	long idx = (long)c->na++;
	memset(&c->agg[idx], 0, sizeof c->agg[idx]);
	c->agg[idx].is_enum = is_enum;
	c->agg[idx].tag = *tag ? strdup(*tag) : NULL;
	c->agg[idx].vals = jv_invalid();
	int r = is_enum ? c_enum_body(c, &c->agg[idx]) : c_struct_body(c, &c->agg[idx]);
	return r < 0 ? -1 : idx;
}

static int
c_struct_body(cpar *c, cagg *a)
{
	long aidx = a - c->agg;
	for (;;) {
		ctok *t = c_peek(c);
		if (tok_is(t, "}")) {
			c->i++;
			return 0;
		}
		if (t->t == CT_EOF) {
			c_fail(c, t, "missing '}'");
			return -1;
		}
		cmember proto = {0};
		proto.line = t->line;
		proto.col = t->col;
		int longs = 0, seen = 0;
		/* specifiers */
		for (;;) {
			t = c_peek(c);
			if (t->t != CT_ID)
				break;
			if (tok_is(t, "const") || tok_is(t, "volatile") || tok_is(t, "signed") || tok_is(t, "restrict")) {
				c->i++;
				continue;
			}
			if (seen && !tok_is(t, "long") && !tok_is(t, "int") && !tok_is(t, "char") && !tok_is(t, "double"))
				break;
			if (tok_is(t, "unsigned")) {
				proto.is_unsigned = 1;
				proto.base = MLM_ST_INTEGER;
				c->i++;
				seen = 1;
				continue;
			}
			if (tok_is(t, "long") || tok_is(t, "short") || tok_is(t, "int")) {
				if (tok_is(t, "long"))
					longs++;
				if (proto.base != MLM_ST_NUMBER)
					proto.base = MLM_ST_INTEGER;
				c->i++;
				seen = 1;
				continue;
			}
			if (tok_is(t, "char")) {
				proto.is_char = 1;
				proto.base = MLM_ST_STRING;
				c->i++;
				seen = 1;
				continue;
			}
			if (tok_is(t, "double") || tok_is(t, "float")) {
				proto.base = MLM_ST_NUMBER;
				c->i++;
				seen = 1;
				continue;
			}
			if (seen)
				break;
			if (tok_is(t, "bool") || tok_is(t, "_Bool")) {
				proto.base = MLM_ST_BOOLEAN;
			} else if (tok_is(t, "size_t") || tok_is(t, "ssize_t") || tok_is(t, "int8_t") ||
			    tok_is(t, "int16_t") || tok_is(t, "int32_t") || tok_is(t, "int64_t") ||
			    tok_is(t, "uint8_t") || tok_is(t, "uint16_t") || tok_is(t, "uint32_t") ||
			    tok_is(t, "uint64_t") || tok_is(t, "intmax_t") || tok_is(t, "uintmax_t") ||
			    tok_is(t, "ptrdiff_t")) {
				proto.base = MLM_ST_INTEGER;
				proto.is_unsigned = t->p[0] == 'u' || t->p[0] == 's' ? (t->p[0] != 's' || t->p[1] == 'i') : 0;
				proto.is_size = tok_is(t, "size_t");
			} else if (tok_is(t, "struct") || tok_is(t, "union") || tok_is(t, "enum")) {
				if (tok_is(t, "union")) {
					c_fail(c, t, "unions are not supported");
					return -1;
				}
				int ise = tok_is(t, "enum");
				c->i++;
				char *tag;
				long r = c_aggregate(c, ise, &tag);
				a = &c->agg[aidx];
				if (r == -1) {
					free(tag);
					return -1;
				}
				if (r >= 0 && !tag) {
					char nm[64];
					snprintf(nm, sizeof nm, "anon%ld", r);
					c->agg[r].tag = strdup(nm);
					tag = strdup(nm);
				}
				proto.tag = tag;
				if (ise)
					proto.is_enum = 1, proto.base = MLM_ST_ENUM;
				else
					proto.is_struct = 1, proto.base = MLM_ST_OBJECT;
				seen = 1;
				continue;
			} else {
				char nm[128];
				snprintf(nm, sizeof nm, "%.*s", (int)t->n, t->p);
				cagg *g = c_find_any(c, nm);
				if (!g)
					break;
				proto.tag = strdup(nm);
				if (g->is_enum)
					proto.is_enum = 1, proto.base = MLM_ST_ENUM;
				else
					proto.is_struct = 1, proto.base = MLM_ST_OBJECT;
			}
			c->i++;
			seen = 1;
		}
		(void)longs;
		if (!proto.base) {
			t = c_peek(c);
			c_fail(c, t, "unknown type \"%.*s\" (supported: char *, integer types, double, bool, enum, struct)",
			    (int)t->n, t->p);
			free(proto.tag);
			return -1;
		}
		/* declarators */
		for (;;) {
			cmember m = proto;
			m.tag = mlm_strdup(proto.tag);
			while (tok_is(c_peek(c), "*") || tok_is(c_peek(c), "const")) {
				if (tok_is(c_peek(c), "*"))
					m.ptr++;
				c->i++;
			}
			t = c_peek(c);
			if (t->t != CT_ID) {
				c_fail(c, t, "expected a member name");
				free(m.tag);
				free(proto.tag);
				return -1;
			}
			m.name = mlm_strndup(t->p, t->n);
			m.line = t->line;
			m.col = t->col;
			c->i++;
			if (tok_is(c_peek(c), "[")) {
				c->i++;
				t = c_peek(c);
				if (t->t == CT_NUM) {
					m.arr = strtol(t->p, NULL, 0);
					c->i++;
				}
				if (!tok_is(c_peek(c), "]") || m.arr <= 0) {
					c_fail(c, c_peek(c), "expected an array size and ']'");
					cmember_free(&m);
					free(proto.tag);
					return -1;
				}
				c->i++;
			}
			cmember *nm = realloc(a->m, (a->nm + 1) * sizeof *nm);
			if (!nm) {
				cmember_free(&m);
				free(proto.tag);
				return -1;
			}
			a->m = nm;
			a->m[a->nm++] = m;
			if (tok_is(c_peek(c), ",")) {
				c->i++;
				continue;
			}
			break;
		}
		free(proto.tag);
		t = c_peek(c);
		if (!tok_is(t, ";")) {
			c_fail(c, t, "expected ';'");
			return -1;
		}
		int line = t->line;
		c->i++;
		char *cm = c_trailing_comment(c, c->i, line);
		c_comment_meta(cm, &a->m[a->nm - 1].key, &a->m[a->nm - 1].desc, &a->m[a->nm - 1].nullable);
	}
}

static mlm_schema *c_build(cpar *c, cagg *a, int depth);

static cmember *
c_member_named(cagg *a, const char *name)
{
	for (size_t k = 0; k < a->nm; k++)
		if (!a->m[k].drop && !strcmp(a->m[k].name, name))
			return &a->m[k];
	return NULL;
}

static mlm_schema *
c_member_type(cpar *c, cmember *m, int depth, int ptr)
{
	ctok at = {CT_ID, "", 0, m->line, m->col, 0};
	mlm_schema *t = NULL;
	if (m->is_char) {
		if (ptr == 1 || (ptr == 0 && m->arr)) {
			t = node_new(MLM_ST_STRING);
			if (ptr == 0 && m->arr > 1)
				t->has_max = 1, t->max = (double)(m->arr - 1);
			return t;
		}
		return c_fail(c, &at, "member \"%s\": char needs one '*' (a string)", m->name);
	}
	if (ptr > 0 && !m->is_struct)
		return c_fail(c, &at, "member \"%s\": a pointer needs a %s_count member (an array)", m->name, m->name);
	if (m->is_struct) {
		cagg *g = c_find(c, m->tag, 0);
		if (!g)
			return c_fail(c, &at, "member \"%s\": struct %s is not defined", m->name, m->tag);
		t = c_build(c, g, depth + 1);
		if (t && ptr == 1)
			t->nullable = 1;
		else if (t && ptr > 1) {
			mlm_schema_free(t);
			return c_fail(c, &at, "member \"%s\": too many '*'", m->name);
		}
		return t;
	}
	if (m->is_enum) {
		cagg *g = c_find(c, m->tag, 1);
		if (!g)
			return c_fail(c, &at, "member \"%s\": enum %s is not defined", m->name, m->tag);
		t = node_new(MLM_ST_ENUM);
		jv_free(t->enums);
		t->enums = jv_copy(g->vals);
		return t;
	}
	t = node_new(m->base);
	if (t && m->base == MLM_ST_INTEGER && m->is_unsigned)
		t->has_min = 1, t->min = 0;
	return t;
}

static mlm_schema *
c_build(cpar *c, cagg *a, int depth)
{
	if (depth > MAX_DEPTH || a->building)
		return c_fail(c, NULL, "struct %s refers to itself (recursive types are not supported)",
		    a->tag ? a->tag : a->alias ? a->alias : "?");
	a->building = 1;
	/* companions: x_count/x_len, has_x, x_json */
	for (size_t k = 0; k < a->nm; k++) {
		cmember *m = &a->m[k];
		char buf[300];
		if (m->drop)
			continue;
		if (!strncmp(m->name, "has_", 4) && m->base == MLM_ST_BOOLEAN && !m->ptr) {
			cmember *x = c_member_named(a, m->name + 4);
			if (x) {
				x->nullable = 1;
				m->drop = 1;
				continue;
			}
		}
		if (m->ptr >= 1) {
			snprintf(buf, sizeof buf, "%s_count", m->name);
			cmember *x = c_member_named(a, buf);
			if (!x && m->ptr >= 1) {
				snprintf(buf, sizeof buf, "%s_len", m->name);
				x = c_member_named(a, buf);
				if (x && m->is_char && m->ptr == 1) {
					x->drop = 1;    /* a string with its length (--c-nul escape) */
					x = NULL;
				}
			}
			if (x && x->base == MLM_ST_INTEGER && !x->ptr) {
				m->array = 1;
				x->drop = 1;
			}
		}
		size_t nl = strlen(m->name);
		if (nl > 5 && !strcmp(m->name + nl - 5, "_json") && m->is_char && m->ptr == 1 && !m->array) {
			m->any = 1;
			m->name[nl - 5] = 0;
		}
	}
	mlm_schema *o = node_new(MLM_ST_OBJECT);
	for (size_t k = 0; k < a->nm && o; k++) {
		cmember *m = &a->m[k];
		if (m->drop)
			continue;
		mlm_schema *t;
		if (m->any)
			t = node_new(MLM_ST_ANY);
		else if (m->array) {
			mlm_schema *it = c_member_type(c, m, depth, m->ptr - 1);
			t = it ? node_new(MLM_ST_ARRAY) : NULL;
			if (t)
				t->items = it;
		} else if (m->arr && !m->is_char) {
			mlm_schema *it = c_member_type(c, m, depth, m->ptr);
			t = it ? node_new(MLM_ST_ARRAY) : NULL;
			if (t) {
				t->items = it;
				t->has_max = 1;
				t->max = (double)m->arr;
			}
		} else
			t = c_member_type(c, m, depth, m->ptr);
		if (!t) {
			mlm_schema_free(o);
			o = NULL;
			break;
		}
		if (m->nullable)
			t->nullable = 1;
		if (m->desc) {
			free(t->desc);
			t->desc = strdup(m->desc);
		}
		const char *key = m->key ? m->key : m->name;
		if (add_prop(o, key, strlen(key), t, !t->nullable) != 0) {
			ctok at = {CT_ID, "", 0, m->line, m->col, 0};
			c_fail(c, &at, "member \"%s\" defined twice", key);
			mlm_schema_free(t);
			mlm_schema_free(o);
			o = NULL;
		}
	}
	if (o && o->nprops == 0) {
		mlm_schema_free(o);
		o = c_fail(c, NULL, "struct %s has no members", a->tag ? a->tag : "?");
	}
	a->building = 0;
	return o;
}

/* skips a declaration we do not need: up to ';' at depth 0 (braces skipped) */
static void
c_skip_decl(cpar *c)
{
	int dep = 0;
	for (;;) {
		ctok *t = c_peek(c);
		if (t->t == CT_EOF)
			return;
		c->i++;
		if (tok_is(t, "{") || tok_is(t, "(") || tok_is(t, "["))
			dep++;
		else if (tok_is(t, "}") || tok_is(t, ")") || tok_is(t, "]")) {
			dep--;
			if (dep == 0 && tok_is(t, "}") && !tok_is(c_peek(c), ";") && !tok_is(c_peek(c), ",")) {
				/* a function body ends the declaration */
				ctok *n = c_peek(c);
				if (n->t == CT_ID || n->t == CT_EOF)
					return;
			}
		} else if (dep <= 0 && tok_is(t, ";"))
			return;
	}
}

mlm_schema *
mlm_schema_parse_c(const char *text, const char *root, char *err, size_t errlen)
{
	cpar c = {0};
	c.err = err;
	c.errlen = errlen;
	mlm_schema *res = NULL;
	long last = -1;
	if (c_lex(&c, text) < 0) {
		if (!c.failed)
			mlm_err(err, errlen, "out of memory");
		goto out;
	}
	while (c_peek(&c)->t != CT_EOF) {
		ctok *t = c_peek(&c);
		int td = 0;
		if (tok_is(t, "typedef")) {
			td = 1;
			c.i++;
			t = c_peek(&c);
		}
		if (tok_is(t, "struct") || tok_is(t, "enum")) {
			int ise = tok_is(t, "enum");
			c.i++;
			char *tag;
			long r = c_aggregate(&c, ise, &tag);
			if (r == -1) {
				free(tag);
				goto out;
			}
			if (r >= 0 && !ise && !td)
				last = r;
			ctok *n = c_peek(&c);
			if (td && n->t == CT_ID) {
				char *alias = mlm_strndup(n->p, n->n);
				if (r >= 0) {
					c.agg[r].alias = alias;
					if (!ise)
						last = r;
				} else {
					cagg *g = tag ? c_find(&c, tag, ise) : NULL;
					if (g && !g->alias)
						g->alias = alias;
					else
						free(alias);
				}
				c.i++;
			} else if (r >= 0 && !ise && td)
				last = r;
			free(tag);
			if (tok_is(c_peek(&c), ";"))
				c.i++;
			else if (r >= 0 && c_peek(&c)->t == CT_ID) {
				/* `struct x {...} var = ...;` */
				c_skip_decl(&c);
			} else if (r < 0) {
				c_skip_decl(&c);
			} else {
				c_fail(&c, c_peek(&c), "expected ';' after the definition");
				goto out;
			}
			continue;
		}
		c_skip_decl(&c);
	}
	cagg *ra = NULL;
	if (root) {
		ra = c_find(&c, root, 0);
		if (!ra) {
			mlm_err(err, errlen, "struct %s is not defined", root);
			goto out;
		}
	} else if (last >= 0)
		ra = &c.agg[last];
	if (!ra) {
		mlm_err(err, errlen, "no struct definition found");
		goto out;
	}
	res = c_build(&c, ra, 0);
out:
	for (size_t k = 0; k < c.na; k++) {
		for (size_t m = 0; m < c.agg[k].nm; m++)
			cmember_free(&c.agg[k].m[m]);
		free(c.agg[k].m);
		free(c.agg[k].tag);
		free(c.agg[k].alias);
		jv_free(c.agg[k].vals);
	}
	free(c.agg);
	free(c.tok);
	return res;
}

/* ---------- detection ---------- */

mlm_schema *
mlm_schema_parse(const char *spec, char *err, size_t errlen)
{
	const char *p = spec;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '{')
		return mlm_schema_parse_json(p, err, errlen);
	if (!strncmp(p, "struct", 6) || !strncmp(p, "typedef", 7) || !strncmp(p, "enum", 4) ||
	    *p == '#' || !strncmp(p, "//", 2) || !strncmp(p, "/*", 2)) {
		/* "struct" etc. followed by a space or '{' (not a DSL field named "structure") */
		const char *w = p;
		while (isalpha((unsigned char)*w))
			w++;
		if (*p == '#' || *p == '/' || isspace((unsigned char)*w) || *w == '{') {
			if (*p == '#') {
				/* a DSL comment line, unless a C keyword follows somewhere */
				if (!strstr(p, "struct") || !strchr(p, ';'))
					return mlm_schema_parse_dsl(spec, err, errlen);
			}
			return mlm_schema_parse_c(p, NULL, err, errlen);
		}
	}
	return mlm_schema_parse_dsl(spec, err, errlen);
}

/* ---------- lowering ---------- */

static const char *
js_type_name(int t)
{
	switch (t) {
	case MLM_ST_STRING: return "string";
	case MLM_ST_INTEGER: return "integer";
	case MLM_ST_NUMBER: return "number";
	case MLM_ST_BOOLEAN: return "boolean";
	case MLM_ST_ARRAY: return "array";
	case MLM_ST_OBJECT: return "object";
	}
	return NULL;
}

/* the JSON type of an enum's values: "string", "integer", "number" or NULL (mixed) */
static const char *
enum_type(jv enums)
{
	int str = 0, num = 0, frac = 0;
	jv_array_foreach(enums, k, v) {
		if (jv_get_kind(v) == JV_KIND_STRING)
			str = 1;
		else {
			num = 1;
			double x = jv_number_value(v);
			if (x != floor(x))
				frac = 1;
		}
		jv_free(v);
	}
	if (str && num)
		return NULL;
	if (str)
		return "string";
	return frac ? "number" : "integer";
}

enum { DIALECT_JS, DIALECT_OPENAI, DIALECT_GEMINI };

/* shared with validate.c, so that schemas and errors spell numbers alike */
void
mlm_fmt_num(char *b, size_t n, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(b, n, "%.0f", v);
	else
		snprintf(b, n, "%.17g", v);
}

static jv
lower(const mlm_schema *s, int dialect, int optional)
{
	jv o = jv_object();
	int nullable = s->nullable || (optional && dialect == DIALECT_OPENAI);
	const char *tn = s->type == MLM_ST_ENUM ? enum_type(s->enums) : js_type_name(s->type);
	mlm_buf extra = {0};
	char nb[64], nb2[64];
	if (dialect == DIALECT_GEMINI) {
		if (tn) {
			char up[16];
			size_t k;
			for (k = 0; tn[k] && k < sizeof up - 1; k++)
				up[k] = (char)toupper((unsigned char)tn[k]);
			up[k] = 0;
			if (s->type == MLM_ST_ENUM)
				strcpy(up, "STRING");
			o = jv_object_set(o, jv_string("type"), jv_string(up));
		}
		if (nullable)
			o = jv_object_set(o, jv_string("nullable"), jv_true());
	} else if (tn) {
		if (nullable)
			o = jv_object_set(o, jv_string("type"),
			    jv_array_append(jv_array_append(jv_array(), jv_string(tn)), jv_string("null")));
		else
			o = jv_object_set(o, jv_string("type"), jv_string(tn));
	} else if (s->type == MLM_ST_ANY && dialect == DIALECT_OPENAI) {
		/* OpenAI needs a type: accept any JSON via a string of JSON text? keep open */
	}
	if (s->format) {
		if (dialect == DIALECT_GEMINI && (!strcmp(s->format, "date-time")))
			o = jv_object_set(o, jv_string("format"), jv_string(s->format));
		else if (dialect == DIALECT_OPENAI && strcmp(s->format, "uri"))
			o = jv_object_set(o, jv_string("format"), jv_string(s->format));
		else if (dialect == DIALECT_JS)
			o = jv_object_set(o, jv_string("format"), jv_string(s->format));
		else
			mlm_buf_printf(&extra, "%sformat: %s", extra.len ? "; " : "", s->format);
	}
	if (s->type == MLM_ST_ENUM) {
		jv e = jv_array();
		jv_array_foreach(s->enums, k, v) {
			if (dialect == DIALECT_GEMINI && jv_get_kind(v) == JV_KIND_NUMBER) {
				mlm_fmt_num(nb, sizeof nb, jv_number_value(v));
				e = jv_array_append(e, jv_string(nb));
				jv_free(v);
			} else
				e = jv_array_append(e, v);
		}
		if (nullable && dialect != DIALECT_GEMINI)
			e = jv_array_append(e, jv_null());
		o = jv_object_set(o, jv_string("enum"), e);
	}
	/* ranges */
	if (s->has_min || s->has_max) {
		const char *lo = "minimum", *hi = "maximum";
		int ok_kw = 1;
		if (s->type == MLM_ST_STRING) {
			lo = "minLength", hi = "maxLength";
			ok_kw = dialect != DIALECT_OPENAI;
		} else if (s->type == MLM_ST_ARRAY)
			lo = "minItems", hi = "maxItems";
		if (s->excl_min && dialect != DIALECT_GEMINI)
			lo = "exclusiveMinimum";
		if (s->excl_max && dialect != DIALECT_GEMINI)
			hi = "exclusiveMaximum";
		if (ok_kw) {
			if (s->has_min)
				o = jv_object_set(o, jv_string(lo), jv_number(s->min));
			if (s->has_max)
				o = jv_object_set(o, jv_string(hi), jv_number(s->max));
		} else {
			mlm_fmt_num(nb, sizeof nb, s->min);
			mlm_fmt_num(nb2, sizeof nb2, s->max);
			if (s->has_min)
				mlm_buf_printf(&extra, "%s%s: %s", extra.len ? "; " : "", lo, nb);
			if (s->has_max)
				mlm_buf_printf(&extra, "%s%s: %s", extra.len ? "; " : "", hi, nb2);
		}
	}
	if (jv_is_valid(s->dflt)) {
		if (dialect == DIALECT_OPENAI) {
			jv d = jv_dump_string(jv_copy(s->dflt), 0);
			mlm_buf_printf(&extra, "%sdefault: %s", extra.len ? "; " : "", jv_string_value(d));
			jv_free(d);
		} else
			o = jv_object_set(o, jv_string("default"), jv_copy(s->dflt));
	}
	if (s->desc || extra.len) {
		mlm_buf d = {0};
		if (s->desc)
			mlm_buf_puts(&d, s->desc);
		if (extra.len)
			mlm_buf_printf(&d, "%s(%s)", s->desc ? " " : "", extra.p);
		o = jv_object_set(o, jv_string("description"), jv_string(d.p ? d.p : ""));
		mlm_buf_free(&d);
	}
	mlm_buf_free(&extra);
	if (s->type == MLM_ST_OBJECT) {
		jv props = jv_object(), req = jv_array(), order = jv_array();
		for (size_t i = 0; i < s->nprops; i++) {
			const mlm_sprop *p = &s->props[i];
			props = jv_object_set(props, jv_string(p->name), lower(p->s, dialect, !p->required));
			if (p->required || dialect == DIALECT_OPENAI)
				req = jv_array_append(req, jv_string(p->name));
			order = jv_array_append(order, jv_string(p->name));
		}
		o = jv_object_set(o, jv_string("properties"), props);
		if (jv_array_length(jv_copy(req)) || dialect != DIALECT_GEMINI)
			o = jv_object_set(o, jv_string("required"), req);
		else
			jv_free(req);
		if (dialect == DIALECT_GEMINI)
			o = jv_object_set(o, jv_string("propertyOrdering"), order);
		else
			jv_free(order);
		if (dialect == DIALECT_OPENAI || (dialect == DIALECT_JS && s->closed))
			o = jv_object_set(o, jv_string("additionalProperties"), jv_false());
	} else if (s->type == MLM_ST_ARRAY) {
		o = jv_object_set(o, jv_string("items"), lower(s->items, dialect, 0));
	}
	return o;
}

jv
mlm_schema_jsonschema(const mlm_schema *s)
{
	return lower(s, DIALECT_JS, 0);
}

jv
mlm_schema_openai(const mlm_schema *s)
{
	if (s->type != MLM_ST_OBJECT) {
		jv o = jv_object();
		o = jv_object_set(o, jv_string("type"), jv_string("object"));
		o = jv_object_set(o, jv_string("properties"),
		    jv_object_set(jv_object(), jv_string("items"), lower(s, DIALECT_OPENAI, 0)));
		o = jv_object_set(o, jv_string("required"), jv_array_append(jv_array(), jv_string("items")));
		o = jv_object_set(o, jv_string("additionalProperties"), jv_false());
		return o;
	}
	return lower(s, DIALECT_OPENAI, 0);
}

jv
mlm_schema_gemini(const mlm_schema *s)
{
	return lower(s, DIALECT_GEMINI, 0);
}

/* OpenAI's strict-mode limits: nesting levels and properties in all. */
#define OPENAI_MAX_DEPTH 10
#define OPENAI_MAX_PROPS 5000
#define OPENAI_MAX_ENUM 1000

/* Can strict mode say it? No "any" value (strict wants a type on every
 * schema) and within the limits. */
static int
strict_fits(const mlm_schema *s, int depth, size_t *nprops, size_t *nenum)
{
	if (!s || s->type == MLM_ST_ANY || depth > OPENAI_MAX_DEPTH)
		return 0;
	if (s->type == MLM_ST_ENUM) {
		*nenum += (size_t)jv_array_length(jv_copy(s->enums));
		if (!enum_type(s->enums))
			return 0;       /* mixed strings and numbers: no single type */
	}
	if (s->type == MLM_ST_ARRAY)
		return strict_fits(s->items, depth + 1, nprops, nenum);
	if (s->type == MLM_ST_OBJECT && !s->nprops && !s->closed)
		return 0;       /* any object: strict mode would allow only {} */
	if (s->type == MLM_ST_OBJECT) {
		*nprops += s->nprops;
		for (size_t i = 0; i < s->nprops; i++)
			if (!strict_fits(s->props[i].s, depth + 1, nprops, nenum))
				return 0;
	}
	return *nprops <= OPENAI_MAX_PROPS && *nenum <= OPENAI_MAX_ENUM;
}

/* Gemini's Schema has no "any value" type, and wants properties on an
 * OBJECT. */
static int
has_any(const mlm_schema *s)
{
	if (!s || s->type == MLM_ST_ANY || (s->type == MLM_ST_OBJECT && !s->nprops))
		return 1;
	if (s->type == MLM_ST_ARRAY)
		return has_any(s->items);
	for (size_t i = 0; s->type == MLM_ST_OBJECT && i < s->nprops; i++)
		if (has_any(s->props[i].s))
			return 1;
	return 0;
}

jv
mlm_schema_dialect(jv js, const char *dialect, char *err, size_t errlen)
{
	mlm_schema *s = mlm_schema_from_jv(js, err, errlen);
	if (!s)
		return jv_invalid();
	jv r = jv_invalid();
	size_t np = 0, ne = 0;
	if (!strcmp(dialect, "gemini") && !has_any(s))
		r = mlm_schema_gemini(s);
	else if (!strcmp(dialect, "openai") && strict_fits(s, 1, &np, &ne))
		r = mlm_schema_openai(s);
	else
		mlm_err(err, errlen, "the schema does not fit the %s dialect", dialect);
	mlm_schema_free(s);
	return r;
}

/* ---------- the DSL out ---------- */

static int
plain_word(const char *w, int is_name)
{
	if (!*w)
		return 0;
	for (const char *p = w; *p; p++)
		if (!is_word_byte((unsigned char)*p))
			return 0;
	if (!is_name)
		return 1;
	/* a name that reads as a range or number start would confuse */
	return !(isdigit((unsigned char)w[0]) || w[0] == '-' || w[0] == '.');
}

static void
dsl_quote(mlm_buf *b, const char *s)
{
	mlm_buf_add(b, "\"", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			mlm_buf_add(b, "\\", 1);
		if (*p == '\n')
			mlm_buf_add(b, "\\n", 2);
		else if (*p == '\t')
			mlm_buf_add(b, "\\t", 2);
		else
			mlm_buf_add(b, p, 1);
	}
	mlm_buf_add(b, "\"", 1);
}

static void dsl_out_fields(mlm_buf *b, const mlm_schema *s, int top);

static void
dsl_out_type(mlm_buf *b, const mlm_schema *s)
{
	char nb[64];
	switch (s->type) {
	case MLM_ST_STRING:
		if (!s->format)
			mlm_buf_puts(b, "str");
		else if (!strcmp(s->format, "date-time"))
			mlm_buf_puts(b, "datetime");
		else
			mlm_buf_puts(b, s->format);
		break;
	case MLM_ST_INTEGER: mlm_buf_puts(b, "int"); break;
	case MLM_ST_NUMBER: mlm_buf_puts(b, "float"); break;
	case MLM_ST_BOOLEAN: mlm_buf_puts(b, "bool"); break;
	case MLM_ST_ANY: mlm_buf_puts(b, "any"); break;
	case MLM_ST_ENUM: {
		int first = 1, n = jv_array_length(jv_copy(s->enums));
		jv_array_foreach(s->enums, k, v) {
			if (!first)
				mlm_buf_puts(b, "|");
			first = 0;
			if (jv_get_kind(v) == JV_KIND_NUMBER) {
				mlm_fmt_num(nb, sizeof nb, jv_number_value(v));
				mlm_buf_puts(b, nb);
			} else {
				const char *w = jv_string_value(v);
				double dummy;
				if (plain_word(w, 0) && number_text(w, strlen(w), &dummy) < 0 && n > 1)
					mlm_buf_puts(b, w);
				else
					dsl_quote(b, w);
			}
			jv_free(v);
		}
		if (n == 1) {
			/* a one-value enum has no DSL spelling but "x"|"x" is refused:
			 * write it twice quoted is wrong; use a quoted pair trick */
		}
		break;
	}
	case MLM_ST_ARRAY:
		if (s->items->type == MLM_ST_OBJECT) {
			mlm_buf_puts(b, "[");
			dsl_out_fields(b, s->items, 0);
			mlm_buf_puts(b, "]");
		} else {
			mlm_buf_puts(b, "[");
			dsl_out_type(b, s->items);
			if (s->items->nullable)
				mlm_buf_puts(b, "?");
			mlm_buf_puts(b, "]");
		}
		break;
	case MLM_ST_OBJECT:
		mlm_buf_puts(b, "{");
		dsl_out_fields(b, s, 0);
		mlm_buf_puts(b, "}");
		break;
	}
}

static void
dsl_out_fields(mlm_buf *b, const mlm_schema *s, int top)
{
	char nb[64];
	for (size_t i = 0; i < s->nprops; i++) {
		const mlm_sprop *p = &s->props[i];
		const mlm_schema *t = p->s;
		if (i)
			mlm_buf_puts(b, top ? "\n" : ", ");
		if (plain_word(p->name, 1))
			mlm_buf_puts(b, p->name);
		else
			dsl_quote(b, p->name);
		if (!(t->type == MLM_ST_STRING && !t->format && !t->has_min && !t->has_max)) {
			mlm_buf_puts(b, " ");
			dsl_out_type(b, t);
		}
		if (!p->required || t->nullable)
			mlm_buf_puts(b, "?");
		if (t->has_min || t->has_max) {
			mlm_buf_puts(b, " ");
			if (t->has_min) {
				mlm_fmt_num(nb, sizeof nb, t->min);
				mlm_buf_puts(b, nb);
			}
			mlm_buf_puts(b, "..");
			if (t->has_max) {
				mlm_fmt_num(nb, sizeof nb, t->max);
				mlm_buf_puts(b, nb);
			}
		}
		if (jv_is_valid(t->dflt)) {
			jv d = jv_dump_string(jv_copy(t->dflt), 0);
			mlm_buf_printf(b, " = %s", jv_string_value(d));
			jv_free(d);
		}
		if (t->desc) {
			mlm_buf_puts(b, ": ");
			size_t dl = strlen(t->desc);
			if (strpbrk(t->desc, ",\n\r\t\"[]{}\\#'") || isspace((unsigned char)t->desc[0]) ||
			    isspace((unsigned char)t->desc[dl - 1]))
				dsl_quote(b, t->desc);
			else
				mlm_buf_puts(b, t->desc);
		}
	}
}

char *
mlm_schema_dsl(const mlm_schema *s)
{
	mlm_buf b = {0};
	mlm_buf_add(&b, "", 0);
	if (s->type == MLM_ST_OBJECT)
		dsl_out_fields(&b, s, 1);
	else
		dsl_out_type(&b, s);
	return b.p;
}
