/*
 * fmt-schema-dsl.c — the concise schema DSL (a superset of simonw/llm's),
 * read into the schema tree and written back out of it.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-int.h"

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
	int over = mlm_buf_add(&b, "", 0) < 0;
	while (d->i < d->n && d->s[d->i] != q) {
		char c = d->s[d->i++];
		if (c == '\\' && d->i < d->n) {
			c = d->s[d->i++];
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
		}
		if (!over && mlm_buf_add(&b, &c, 1) < 0)
			over = 1;
	}
	if (d->i >= d->n || over) {
		mlm_buf_free(&b);
		return dsl_fail(d, start, over ? "quoted string too long" : "unterminated quoted string");
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
	mlm_schema *s = mlm_fmt_node_new(MLM_ST_ENUM);
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
	if (++d->depth > MLM_SCHEMA_MAX_DEPTH)
		return dsl_fail(d, d->i, "nesting deeper than %d", MLM_SCHEMA_MAX_DEPTH);
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
		t = mlm_fmt_node_new(MLM_ST_ARRAY);
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
			t = mlm_fmt_node_new(basetypes[bt].type);
			if (t && basetypes[bt].format)
				t->format = strdup(basetypes[bt].format);
		}
	}
	if (!t)
		return dsl_fail(d, at, "out of memory");
	/* T[] suffixes */
	while (d->i + 1 < d->n && d->s[d->i] == '[' && d->s[d->i + 1] == ']') {
		d->i += 2;
		mlm_schema *a = mlm_fmt_node_new(MLM_ST_ARRAY);
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
/* a field name, quoted or a word (malloc'd, its length in *nl); NULL after an error */
static char *
dsl_field_name(dsl *d, size_t *nl)
{
	size_t at = d->i;
	char *name;
	if (dsl_peek(d) == '"' || dsl_peek(d) == '\'')
		return dsl_quoted(d, nl);
	while (is_word_byte(dsl_peek(d)))
		d->i++;
	*nl = d->i - at;
	if (*nl == 0)
		return dsl_fail(d, at, "expected a field name");
	name = mlm_strndup(d->s + at, *nl);
	return name ? name : dsl_fail(d, at, "out of memory");
}

/* the type after a name: none (a string: the field ends here or a range
 * follows) or a type */
static mlm_schema *
dsl_field_type(dsl *d, int closer)
{
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
	if (c < 0 || c == ':' || c == ',' || c == '=' || c == closer || (c == '\n' && sep_nl) || rangefirst)
		return mlm_fmt_node_new(MLM_ST_STRING);
	return dsl_type(d);
}

/* a '?' (optional) and the space after it */
static void
dsl_qmark(dsl *d, int *opt)
{
	if (dsl_peek(d) == '?') {
		*opt = 1;
		d->i++;
		dsl_hspace(d);
	}
}

/* `= JSON`, up to the end of the field; 0 or -1 */
static int
dsl_default(dsl *d, mlm_schema *t)
{
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
		return -1;
	}
	jv_free(t->dflt);
	t->dflt = v;
	dsl_hspace(d);
	return 0;
}

/* `: description`, quoted or up to the end of the field; 0 or -1 */
static int
dsl_desc(dsl *d, mlm_schema *t, int closer)
{
	d->i++;
	dsl_hspace(d);
	size_t ds = d->i, de;
	char *desc = NULL;
	if (dsl_peek(d) == '"') {
		size_t dl;
		desc = dsl_quoted(d, &dl);
		if (!desc)
			return -1;
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
	return 0;
}

/* `name[?] [type][?] [range][?] [= default] [: description]` */
static int
dsl_field(dsl *d, mlm_schema *o, int closer)
{
	size_t at = d->i;
	size_t nl = 0;
	char *name = dsl_field_name(d, &nl);
	if (!name)
		return -1;
	int opt = 0;
	if (dsl_peek(d) == '?') {
		opt = 1;
		d->i++;
	}
	dsl_hspace(d);
	mlm_schema *t = dsl_field_type(d, closer);
	if (!t) {
		free(name);
		return -1;
	}
	dsl_hspace(d);
	dsl_qmark(d, &opt);
	int c = dsl_peek(d);
	if (c >= 0 && (isdigit(c) || c == '-' || c == '+' || c == '.')) {
		if (dsl_range(d, t) < 0)
			goto fail;
		dsl_hspace(d);
		dsl_qmark(d, &opt);
	}
	if (dsl_peek(d) == '=' && dsl_default(d, t) < 0)
		goto fail;
	if (dsl_peek(d) == ':' && dsl_desc(d, t, closer) < 0)
		goto fail;
	if (opt)
		t->nullable = 1;
	int r = mlm_fmt_add_prop(o, name, nl, t, !opt);
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
	if (++d->depth > MLM_SCHEMA_MAX_DEPTH)
		return dsl_fail(d, d->i, "nesting deeper than %d", MLM_SCHEMA_MAX_DEPTH);
	mlm_schema *o = mlm_fmt_node_new(MLM_ST_OBJECT);
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

/* Appends that set the buffer's sticky flag when refused (the text would
 * pass the cap): mlm_schema_dsl then returns NULL, never a cut text. */
static void
putn(mlm_buf *b, const void *s, size_t n)
{
	if (mlm_buf_add(b, s, n) < 0)
		b->over = 1;
}

static void
put(mlm_buf *b, const char *s)
{
	putn(b, s, strlen(s));
}

static void
dsl_quote(mlm_buf *b, const char *s)
{
	putn(b, "\"", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			putn(b, "\\", 1);
		if (*p == '\n')
			putn(b, "\\n", 2);
		else if (*p == '\t')
			putn(b, "\\t", 2);
		else
			putn(b, p, 1);
	}
	putn(b, "\"", 1);
}

static void dsl_out_fields(mlm_buf *b, const mlm_schema *s, int top);

static void
dsl_out_type(mlm_buf *b, const mlm_schema *s)
{
	char nb[64];
	switch (s->type) {
	case MLM_ST_STRING:
		if (!s->format)
			put(b, "str");
		else if (!strcmp(s->format, "date-time"))
			put(b, "datetime");
		else
			put(b, s->format);
		break;
	case MLM_ST_INTEGER: put(b, "int"); break;
	case MLM_ST_NUMBER: put(b, "float"); break;
	case MLM_ST_BOOLEAN: put(b, "bool"); break;
	case MLM_ST_ANY: put(b, "any"); break;
	case MLM_ST_ENUM: {
		int first = 1, n = jv_array_length(jv_copy(s->enums));
		jv_array_foreach(s->enums, k, v) {
			if (!first)
				put(b, "|");
			first = 0;
			if (jv_get_kind(v) == JV_KIND_NUMBER) {
				mlm_fmt_num(nb, sizeof nb, jv_number_value(v));
				put(b, nb);
			} else {
				const char *w = jv_string_value(v);
				double dummy;
				if (plain_word(w, 0) && number_text(w, strlen(w), &dummy) < 0 && n > 1)
					put(b, w);
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
			put(b, "[");
			dsl_out_fields(b, s->items, 0);
			put(b, "]");
		} else {
			put(b, "[");
			dsl_out_type(b, s->items);
			if (s->items->nullable)
				put(b, "?");
			put(b, "]");
		}
		break;
	case MLM_ST_OBJECT:
		put(b, "{");
		dsl_out_fields(b, s, 0);
		put(b, "}");
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
			put(b, top ? "\n" : ", ");
		if (plain_word(p->name, 1))
			put(b, p->name);
		else
			dsl_quote(b, p->name);
		if (!(t->type == MLM_ST_STRING && !t->format && !t->has_min && !t->has_max)) {
			put(b, " ");
			dsl_out_type(b, t);
		}
		if (!p->required || t->nullable)
			put(b, "?");
		if (t->has_min || t->has_max) {
			put(b, " ");
			if (t->has_min) {
				mlm_fmt_num(nb, sizeof nb, t->min);
				put(b, nb);
			}
			put(b, "..");
			if (t->has_max) {
				mlm_fmt_num(nb, sizeof nb, t->max);
				put(b, nb);
			}
		}
		if (jv_is_valid(t->dflt)) {
			jv d = jv_dump_string(jv_copy(t->dflt), 0);
			put(b, " = "), put(b, jv_string_value(d));
			jv_free(d);
		}
		if (t->desc) {
			put(b, ": ");
			size_t dl = strlen(t->desc);
			if (strpbrk(t->desc, ",\n\r\t\"[]{}\\#'") || isspace((unsigned char)t->desc[0]) ||
			    isspace((unsigned char)t->desc[dl - 1]))
				dsl_quote(b, t->desc);
			else
				put(b, t->desc);
		}
	}
}

char *
mlm_schema_dsl(const mlm_schema *s)
{
	mlm_buf b = {0};
	putn(&b, "", 0);
	if (s->type == MLM_ST_OBJECT)
		dsl_out_fields(&b, s, 1);
	else
		dsl_out_type(&b, s);
	if (b.over) {
		mlm_buf_free(&b);
		return NULL;
	}
	return b.p;
}
