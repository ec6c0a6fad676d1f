/*
 * fmt-schema-c.c — C declarations in: structs, enums and their members
 * read as a schema tree (the other way from the C emitter, fmt-emit-c.c).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-int.h"

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
			int over = 0;
			for (size_t x = 0; x <= k && !over; x++) {
				if (txt[x] == '*' && txt[x + 1] == '\\' && txt[x + 2] == '/') {
					over = mlm_buf_add(&b, "*/", 2) < 0;
					x += 2;
					continue;
				}
				over = mlm_buf_add(&b, txt + x, 1) < 0;
			}
			jv v;
			char why[300];
			if (over || mlm_fmt_parse_json(b.p ? b.p : "", b.len, &v, why, sizeof why) < 0)
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

/* a member of type struct/enum TAG, or an inline struct/enum {...}; 0 or -1 */
static int
c_spec_aggregate(cpar *c, const ctok *t, cmember *proto)
{
	if (tok_is(t, "union")) {
		c_fail(c, t, "unions are not supported");
		return -1;
	}
	int ise = tok_is(t, "enum");
	c->i++;
	char *tag;
	long r = c_aggregate(c, ise, &tag);
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
	proto->tag = tag;
	if (ise)
		proto->is_enum = 1, proto->base = MLM_ST_ENUM;
	else
		proto->is_struct = 1, proto->base = MLM_ST_OBJECT;
	return 0;
}

/* a type word of one token: bool, the sized integers, a typedef'd struct
 * or enum. 1 when taken, 0 when t is not a type word. */
static int
c_spec_word(cpar *c, const ctok *t, cmember *proto)
{
	if (tok_is(t, "bool") || tok_is(t, "_Bool")) {
		proto->base = MLM_ST_BOOLEAN;
	} else if (tok_is(t, "size_t") || tok_is(t, "ssize_t") || tok_is(t, "int8_t") ||
	    tok_is(t, "int16_t") || tok_is(t, "int32_t") || tok_is(t, "int64_t") ||
	    tok_is(t, "uint8_t") || tok_is(t, "uint16_t") || tok_is(t, "uint32_t") ||
	    tok_is(t, "uint64_t") || tok_is(t, "intmax_t") || tok_is(t, "uintmax_t") ||
	    tok_is(t, "ptrdiff_t")) {
		proto->base = MLM_ST_INTEGER;
		proto->is_unsigned = t->p[0] == 'u' || t->p[0] == 's' ? (t->p[0] != 's' || t->p[1] == 'i') : 0;
		proto->is_size = tok_is(t, "size_t");
	} else {
		char nm[128];
		snprintf(nm, sizeof nm, "%.*s", (int)t->n, t->p);
		cagg *g = c_find_any(c, nm);
		if (!g)
			return 0;
		proto->tag = strdup(nm);
		if (g->is_enum)
			proto->is_enum = 1, proto->base = MLM_ST_ENUM;
		else
			proto->is_struct = 1, proto->base = MLM_ST_OBJECT;
	}
	c->i++;
	return 1;
}

/* the built-in words (unsigned, long, short, int, char, double, float):
 * 1 when t is one of them */
static int
c_spec_builtin(cpar *c, const ctok *t, cmember *proto)
{
	if (tok_is(t, "unsigned")) {
		proto->is_unsigned = 1;
		proto->base = MLM_ST_INTEGER;
	} else if (tok_is(t, "long") || tok_is(t, "short") || tok_is(t, "int")) {
		if (proto->base != MLM_ST_NUMBER)
			proto->base = MLM_ST_INTEGER;
	} else if (tok_is(t, "char")) {
		proto->is_char = 1;
		proto->base = MLM_ST_STRING;
	} else if (tok_is(t, "double") || tok_is(t, "float")) {
		proto->base = MLM_ST_NUMBER;
	} else
		return 0;
	c->i++;
	return 1;
}

/* the declaration specifiers of a member into proto; 0 or -1 */
static int
c_specifiers(cpar *c, cmember *proto)
{
	int seen = 0;
	for (;;) {
		ctok *t = c_peek(c);
		if (t->t != CT_ID)
			break;
		if (tok_is(t, "const") || tok_is(t, "volatile") || tok_is(t, "signed") || tok_is(t, "restrict")) {
			c->i++;
			continue;
		}
		if (seen && !tok_is(t, "long") && !tok_is(t, "int") && !tok_is(t, "char") && !tok_is(t, "double"))
			break;
		if (c_spec_builtin(c, t, proto)) {
			seen = 1;
			continue;
		}
		if (seen)
			break;
		if (tok_is(t, "struct") || tok_is(t, "union") || tok_is(t, "enum")) {
			if (c_spec_aggregate(c, t, proto) < 0)
				return -1;
		} else if (!c_spec_word(c, t, proto))
			break;
		seen = 1;
	}
	if (!proto->base) {
		ctok *t = c_peek(c);
		c_fail(c, t, "unknown type \"%.*s\" (supported: char *, integer types, double, bool, enum, struct)",
		    (int)t->n, t->p);
		return -1;
	}
	return 0;
}

/* one declarator (pointers, the name, [N]) after the specifiers in
 * proto, appended to the members of c->agg[aidx]; 0 or -1 */
static int
c_declarator(cpar *c, long aidx, const cmember *proto)
{
	cmember m = *proto;
	m.tag = mlm_strdup(proto->tag);
	while (tok_is(c_peek(c), "*") || tok_is(c_peek(c), "const")) {
		if (tok_is(c_peek(c), "*"))
			m.ptr++;
		c->i++;
	}
	ctok *t = c_peek(c);
	if (t->t != CT_ID) {
		c_fail(c, t, "expected a member name");
		free(m.tag);
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
			return -1;
		}
		c->i++;
	}
	cagg *a = &c->agg[aidx];
	cmember *nm = realloc(a->m, (a->nm + 1) * sizeof *nm);
	if (!nm) {
		cmember_free(&m);
		return -1;
	}
	a->m = nm;
	a->m[a->nm++] = m;
	return 0;
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
		if (c_specifiers(c, &proto) < 0) {
			free(proto.tag);
			return -1;
		}
		/* declarators */
		for (;;) {
			if (c_declarator(c, aidx, &proto) < 0) {
				free(proto.tag);
				return -1;
			}
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
		a = &c->agg[aidx];
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
			t = mlm_fmt_node_new(MLM_ST_STRING);
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
		t = mlm_fmt_node_new(MLM_ST_ENUM);
		jv_free(t->enums);
		t->enums = jv_copy(g->vals);
		return t;
	}
	t = mlm_fmt_node_new(m->base);
	if (t && m->base == MLM_ST_INTEGER && m->is_unsigned)
		t->has_min = 1, t->min = 0;
	return t;
}

static mlm_schema *
c_build(cpar *c, cagg *a, int depth)
{
	if (depth > MLM_SCHEMA_MAX_DEPTH || a->building)
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
	mlm_schema *o = mlm_fmt_node_new(MLM_ST_OBJECT);
	for (size_t k = 0; k < a->nm && o; k++) {
		cmember *m = &a->m[k];
		if (m->drop)
			continue;
		mlm_schema *t;
		if (m->any)
			t = mlm_fmt_node_new(MLM_ST_ANY);
		else if (m->array) {
			mlm_schema *it = c_member_type(c, m, depth, m->ptr - 1);
			t = it ? mlm_fmt_node_new(MLM_ST_ARRAY) : NULL;
			if (t)
				t->items = it;
		} else if (m->arr && !m->is_char) {
			mlm_schema *it = c_member_type(c, m, depth, m->ptr);
			t = it ? mlm_fmt_node_new(MLM_ST_ARRAY) : NULL;
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
		if (mlm_fmt_add_prop(o, key, strlen(key), t, !t->nullable) != 0) {
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
