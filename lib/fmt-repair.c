/*
 * repair.c — finding JSON in model output and parsing it tolerantly.
 *
 * Candidates come from the whole text, from code fences, and from every
 * '{' or '[' in the text (a value parsed from there; its end is where the
 * next search starts). Each candidate is read by one recursive-descent
 * parser whose every deviation from RFC 8259 is a journaled repair, allowed
 * or refused by tier:
 *   none        strict JSON
 *   safe        edits that cannot change a string's content: BOM, comments,
 *               trailing/extra commas, single/curly-quoted strings, unquoted
 *               keys, Python/JS literals, NaN/Infinity -> null, special
 *               whitespace, raw control characters, unknown escapes kept,
 *               truncated text closed (incomplete scalars are dropped, never
 *               guessed)
 *   aggressive  also guesses: unescaped inner quotes, missing commas,
 *               unquoted string values, missing values, ellipses, doubly
 *               escaped JSON
 * The conservation check then proves that every string of the result occurs
 * in the JSON-unescaped text.
 */

#define MLM_APPENDS_UNCHECKED /* mlm_buf appends here are not all checked yet */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-int.h"

#define MAX_NEST 256

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

static mlm_fnode *
fn_new(int t, size_t off)
{
	mlm_fnode *n = calloc(1, sizeof *n);
	if (n) {
		n->t = t;
		n->off = off;
	}
	return n;
}

static int
fn_add(mlm_fnode *p, char *key, size_t klen, mlm_fnode *v)
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
		n = fn_new(FN_NULL, 0);
		break;
	case JV_KIND_TRUE:
	case JV_KIND_FALSE:
		n = fn_new(FN_BOOL, 0);
		if (n)
			n->b = jv_get_kind(v) == JV_KIND_TRUE;
		break;
	case JV_KIND_NUMBER: {
		n = fn_new(FN_NUM, 0);
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
		n = fn_new(FN_STR, 0);
		if (!n)
			break;
		n->slen = (size_t)jv_string_length_bytes(jv_copy(v));
		n->s = mlm_strndup(jv_string_value(v), n->slen);
		break;
	case JV_KIND_ARRAY:
		n = fn_new(FN_ARR, 0);
		if (!n)
			break;
		jv_array_foreach(v, i, x) {
			mlm_fnode *k = mlm_fnode_from_jv(x);
			if (!k || fn_add(n, NULL, 0, k) < 0)
				mlm_fnode_free(k);
		}
		break;
	case JV_KIND_OBJECT:
		n = fn_new(FN_OBJ, 0);
		if (!n)
			break;
		jv_object_foreach(v, key, x) {
			mlm_fnode *k = mlm_fnode_from_jv(x);
			size_t kl = (size_t)jv_string_length_bytes(jv_copy(key));
			char *ks = mlm_strndup(jv_string_value(key), kl);
			if (!k || fn_add(n, ks, kl, k) < 0) {
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

/* ---------- the tolerant parser ---------- */

typedef struct rp {
	const char *s;
	size_t n, i;
	int tier;
	int depth;
	int truncated;
	int failed;
	size_t fail_off;
	char why[300];
	jv diag;
	size_t *budget;        /* bytes the whole search may still spend */
	unsigned seen;         /* repair codes already journaled (bit per code) */
} rp;

static void
line_col(const char *s, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t k = 0; k < off; k++) {
		if (s[k] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)s[k] & 0xC0) != 0x80)
			(*col)++;
	}
}

static int
rp_fail(rp *p, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
rp_fail(rp *p, size_t off, const char *fmt, ...)
{
	if (p->failed)
		return -1;
	p->failed = 1;
	p->fail_off = off;
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	size_t l, c;
	line_col(p->s, off, &l, &c);
	snprintf(p->why, sizeof p->why, "line %zu, column %zu: %s", l, c, msg);
	return -1;
}

enum {
	R_BOM, R_COMMENT, R_TRAILING_COMMA, R_EXTRA_COMMA, R_SINGLE_QUOTE, R_CURLY_QUOTE,
	R_UNQUOTED_KEY, R_PY_LITERAL, R_JS_LITERAL, R_NAN, R_SPECIAL_WS, R_CONTROL_CHAR,
	R_INVALID_ESCAPE, R_NUMBER_FORMAT, R_LONE_SURROGATE, R_INVALID_UTF8, R_TRUNCATED,
	R_INNER_QUOTE, R_MISSING_COMMA, R_UNQUOTED_VALUE, R_MISSING_VALUE, R_ELLIPSIS,
	R__N
};
static const struct {
	const char *code;
	int tier;
	const char *what;
} rinfo[R__N] = {
	{"bom", 1, "removed a byte order mark"},
	{"comment", 1, "removed a comment"},
	{"trailing_comma", 1, "removed a trailing comma"},
	{"extra_comma", 1, "removed an extra comma"},
	{"single_quote", 1, "read a single-quoted string"},
	{"curly_quote", 1, "read a string in curly quotes"},
	{"unquoted_key", 1, "quoted an unquoted key"},
	{"python_literal", 1, "read a Python/other-case literal as JSON"},
	{"js_literal", 1, "read undefined as null"},
	{"nan", 1, "read NaN/Infinity as null"},
	{"special_whitespace", 1, "treated special whitespace as a space"},
	{"control_char", 1, "kept a raw control character inside a string"},
	{"invalid_escape", 1, "kept an invalid escape as written"},
	{"number_format", 1, "read a non-JSON number spelling"},
	{"lone_surrogate", 1, "replaced a lone UTF-16 surrogate with U+FFFD"},
	{"invalid_utf8", 1, "replaced invalid UTF-8 with U+FFFD"},
	{"truncated", 1, "the text ended inside the value: closed it"},
	{"inner_quote", 2, "kept an unescaped quote inside a string"},
	{"missing_comma", 2, "inserted a missing comma"},
	{"unquoted_value", 2, "quoted an unquoted string value"},
	{"missing_value", 2, "read a missing value as null"},
	{"ellipsis", 2, "removed an ellipsis"},
};

/* journals a repair; fails when the tier does not allow it */
static int
rp_repair(rp *p, int code, size_t off, const char *extra)
{
	if (p->tier < rinfo[code].tier) {
		static const char *const need[] = {"", "--repair safe", "--repair aggressive"};
		if (code == R_TRUNCATED)
			return rp_fail(p, off, "unexpected end of text");
		return rp_fail(p, off, "invalid JSON (%s needs %s)", rinfo[code].code, need[rinfo[code].tier]);
	}
	/* one journal entry per code and offset area is enough for humans */
	size_t l, c;
	line_col(p->s, off, &l, &c);
	p->diag = jv_array_append(p->diag, mlm_fmt_diag("repair", rinfo[code].code, NULL, (long)off,
	    "%s%s%s (line %zu, column %zu)", rinfo[code].what, extra ? ": " : "", extra ? extra : "", l, c));
	p->seen |= 1u << code;
	return 0;
}

static int
spend(rp *p, size_t k)
{
	if (*p->budget < k) {
		*p->budget = 0;
		return -1;
	}
	*p->budget -= k;
	return 0;
}

/* special whitespace: returns its length in bytes, or 0 */
static size_t
special_ws(const char *s, size_t n, size_t i)
{
	const unsigned char *u = (const unsigned char *)s + i;
	size_t r = n - i;
	if (r >= 2 && u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	if (r >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] <= 0x8A || u[2] == 0xAF || u[2] == 0xA8 || u[2] == 0xA9))
		return 3;
	if (r >= 3 && u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F)
		return 3;
	if (r >= 3 && u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	if (r >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
		return 3;
	return 0;
}

/* curly quotes: 1 “ 2 ” 3 ‘ 4 ’ ; 0 none */
static int
curly(const char *s, size_t n, size_t i)
{
	const unsigned char *u = (const unsigned char *)s + i;
	if (n - i >= 3 && u[0] == 0xE2 && u[1] == 0x80) {
		if (u[2] == 0x9C)
			return 1;
		if (u[2] == 0x9D)
			return 2;
		if (u[2] == 0x98)
			return 3;
		if (u[2] == 0x99)
			return 4;
	}
	return 0;
}

/* whitespace and comments; 0, or -1 when a repair is refused */
static int
rp_ws(rp *p)
{
	for (;;) {
		if (p->i >= p->n)
			return 0;
		char c = p->s[p->i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			p->i++;
			continue;
		}
		size_t w = special_ws(p->s, p->n, p->i);
		if (w) {
			int isbom = (unsigned char)p->s[p->i] == 0xEF;
			if (!(p->seen & (1u << (isbom ? R_BOM : R_SPECIAL_WS))) || p->tier < 1)
				if (rp_repair(p, isbom ? R_BOM : R_SPECIAL_WS, p->i, NULL) < 0)
					return -1;
			p->i += w;
			continue;
		}
		if (c == '/' && p->i + 1 < p->n && (p->s[p->i + 1] == '/' || p->s[p->i + 1] == '*')) {
			if (rp_repair(p, R_COMMENT, p->i, NULL) < 0)
				return -1;
			if (p->s[p->i + 1] == '/') {
				while (p->i < p->n && p->s[p->i] != '\n')
					p->i++;
			} else {
				p->i += 2;
				while (p->i + 1 < p->n && !(p->s[p->i] == '*' && p->s[p->i + 1] == '/'))
					p->i++;
				p->i = p->i + 1 < p->n ? p->i + 2 : p->n;
			}
			continue;
		}
		if (c == '#') {
			if (rp_repair(p, R_COMMENT, p->i, NULL) < 0)
				return -1;
			while (p->i < p->n && p->s[p->i] != '\n')
				p->i++;
			continue;
		}
		return 0;
	}
}

static int
hex4(const char *s, size_t n, size_t i, unsigned *out)
{
	if (i + 4 > n)
		return -1;
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		int h = mlm_hexval((unsigned char)s[i + k]);
		if (h < 0)
			return -1;
		v = v * 16 + (unsigned)h;
	}
	*out = v;
	return 0;
}

static void
put_utf8(mlm_buf *b, unsigned cp)
{
	char u[4];
	size_t k;
	if (cp < 0x80)
		u[0] = (char)cp, k = 1;
	else if (cp < 0x800)
		u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), k = 2;
	else if (cp < 0x10000)
		u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
		u[2] = (char)(0x80 | (cp & 0x3F)), k = 3;
	else
		u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), k = 4;
	mlm_buf_add(b, u, k);
}

/*
 * One escape at s[i] == '\\'. Appends the decoded bytes; returns the bytes
 * consumed (>= 1), 0 at end of text. *kind: 0 normal, 1 invalid escape kept
 * as written, 2 lone surrogate replaced. Shared with the conservation check
 * so that both sides decode alike.
 */
static size_t
decode_escape(const char *s, size_t n, size_t i, mlm_buf *b, int *kind)
{
	*kind = 0;
	if (i + 1 >= n)
		return 0;
	char e = s[i + 1];
	const char *simple = "\"\\/bfnrt'";
	const char *to = "\"\\/\b\f\n\r\t'";
	const char *hit = strchr(simple, e);
	if (hit && e) {
		mlm_buf_add(b, to + (hit - simple), 1);
		if (e == '\'')
			*kind = 3;
		return 2;
	}
	if (e == 'u') {
		unsigned cp;
		if (hex4(s, n, i + 2, &cp) < 0) {
			if (i + 6 > n && n - i < 6) {
				/* cut inside the escape */
				int ok = 1;
				for (size_t k = i + 2; k < n; k++)
					if (mlm_hexval((unsigned char)s[k]) < 0)
						ok = 0;
				if (ok)
					return 0;
			}
			mlm_buf_add(b, s + i, 2);
			*kind = 1;
			return 2;
		}
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			unsigned lo;
			if (i + 12 <= n && s[i + 6] == '\\' && s[i + 7] == 'u' && hex4(s, n, i + 8, &lo) == 0 &&
			    lo >= 0xDC00 && lo <= 0xDFFF) {
				put_utf8(b, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
				return 12;
			}
			if (i + 12 > n && i + 6 == n)
				return 0;
			put_utf8(b, 0xFFFD);
			*kind = 2;
			return 6;
		}
		if (cp >= 0xDC00 && cp <= 0xDFFF) {
			put_utf8(b, 0xFFFD);
			*kind = 2;
			return 6;
		}
		put_utf8(b, cp);
		return 6;
	}
	/* unknown escape: kept as written */
	mlm_buf_add(b, s + i, 2);
	*kind = 1;
	return 2;
}

/* length of a valid UTF-8 sequence at s[i], 0 if invalid */
static size_t
utf8_len(const unsigned char *u, size_t r)
{
	if (u[0] < 0x80)
		return 1;
	size_t k;
	unsigned cp;
	if ((u[0] & 0xE0) == 0xC0)
		k = 2, cp = u[0] & 0x1F;
	else if ((u[0] & 0xF0) == 0xE0)
		k = 3, cp = u[0] & 0x0F;
	else if ((u[0] & 0xF8) == 0xF0)
		k = 4, cp = u[0] & 0x07;
	else
		return 0;
	if (r < k)
		return 0;
	for (size_t j = 1; j < k; j++) {
		if ((u[j] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (u[j] & 0x3F);
	}
	if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return k;
}

/* is the quote at p->i (of len ql) a real closer? (aggressive heuristic) */
static int
real_closer(rp *p, size_t after, int in_key)
{
	size_t k = after;
	while (k < p->n && (p->s[k] == ' ' || p->s[k] == '\t' || p->s[k] == '\r' || p->s[k] == '\n'))
		k++;
	if (k >= p->n)
		return 1;
	char c = p->s[k];
	if (in_key)
		return c == ':';
	if (c == '"' || c == '\'') {
		/* another quoted token follows: a missing comma if it ends like a key or an item */
		size_t e = k + 1;
		while (e < p->n && p->s[e] != c && p->s[e] != '\n')
			e++;
		if (e >= p->n || p->s[e] != c)
			return 0;
		e++;
		while (e < p->n && (p->s[e] == ' ' || p->s[e] == '\t' || p->s[e] == '\r' || p->s[e] == '\n'))
			e++;
		return e >= p->n || p->s[e] == ':' || p->s[e] == ',' || p->s[e] == ']' || p->s[e] == '}';
	}
	return c == ',' || c == '}' || c == ']' || c == ':' || c == '/' || c == '#';
}

/* a string at p->i (opening quote). Returns 0 and the bytes, 1 when the
 * text ends inside it, -1 on error. */
static int
rp_string(rp *p, char **out, size_t *outlen, int in_key)
{
	size_t start = p->i;
	int open = 0;   /* '"', '\'', or curly code */
	size_t ql = 1;
	if (p->s[p->i] == '"')
		open = '"';
	else if (p->s[p->i] == '\'') {
		open = '\'';
		if (rp_repair(p, R_SINGLE_QUOTE, p->i, NULL) < 0)
			return -1;
	} else {
		open = curly(p->s, p->n, p->i);
		ql = 3;
		if (rp_repair(p, R_CURLY_QUOTE, p->i, NULL) < 0)
			return -1;
	}
	p->i += ql;
	mlm_buf b = {0};
	mlm_buf_add(&b, "", 0);
	int ctl = 0, bad = 0, esc = 0, sur = 0;
	for (;;) {
		if (p->i >= p->n) {
			mlm_buf_free(&b);
			if (p->tier < 1)
				return rp_fail(p, start, "unterminated string");
			return 1;
		}
		unsigned char c = (unsigned char)p->s[p->i];
		/* closers */
		int close = 0;
		size_t cl = 1;
		if (open == '"' && c == '"')
			close = 1;
		else if (open == '\'' && c == '\'')
			close = 1;
		else if (open >= 1 && open <= 4 && c == 0xE2) {
			int q = curly(p->s, p->n, p->i);
			if ((open <= 2 && q == 2) || (open >= 3 && q == 4))
				close = 1, cl = 3;
		}
		if (close) {
			if (p->tier >= 2 && open != 4 && !real_closer(p, p->i + cl, in_key)) {
				if (rp_repair(p, R_INNER_QUOTE, p->i, NULL) < 0) {
					mlm_buf_free(&b);
					return -1;
				}
				mlm_buf_add(&b, p->s + p->i, cl);
				p->i += cl;
				continue;
			}
			p->i += cl;
			break;
		}
		if (c == '\\') {
			int kind;
			size_t k = decode_escape(p->s, p->n, p->i, &b, &kind);
			if (k == 0) {
				mlm_buf_free(&b);
				if (p->tier < 1)
					return rp_fail(p, p->i, "unterminated string");
				return 1;
			}
			if (kind == 3 && open != '\'')
				kind = 1;
			if ((kind == 1 && !esc) || (kind == 2 && !sur)) {
				if (rp_repair(p, kind == 1 ? R_INVALID_ESCAPE : R_LONE_SURROGATE, p->i, NULL) < 0) {
					mlm_buf_free(&b);
					return -1;
				}
				if (kind == 1)
					esc = 1;
				else
					sur = 1;
			}
			p->i += k;
			continue;
		}
		if (c < 0x20) {
			if (!ctl && rp_repair(p, R_CONTROL_CHAR, p->i, NULL) < 0) {
				mlm_buf_free(&b);
				return -1;
			}
			ctl = 1;
			mlm_buf_add(&b, &c, 1);
			p->i++;
			continue;
		}
		if (c >= 0x80) {
			size_t k = utf8_len((const unsigned char *)p->s + p->i, p->n - p->i);
			if (k == 0) {
				if (!bad && rp_repair(p, R_INVALID_UTF8, p->i, NULL) < 0) {
					mlm_buf_free(&b);
					return -1;
				}
				bad = 1;
				put_utf8(&b, 0xFFFD);
				p->i++;
				continue;
			}
			mlm_buf_add(&b, p->s + p->i, k);
			p->i += k;
			continue;
		}
		mlm_buf_add(&b, &c, 1);
		p->i++;
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}

static int
is_key_byte(const char *s, size_t n, size_t i)
{
	unsigned char c = (unsigned char)s[i];
	if (c >= 0x80)
		return !curly(s, n, i) && !special_ws(s, n, i);
	return isalnum(c) || c == '_' || c == '$' || c == '-' || c == '.' || c == '@';
}

static int rp_value(rp *p, mlm_fnode **out);

/* the next token starts a value? (for missing commas) */
static int
starts_value(rp *p)
{
	if (p->i >= p->n)
		return 0;
	unsigned char c = (unsigned char)p->s[p->i];
	return c == '"' || c == '\'' || c == '{' || c == '[' || c == '-' || isalnum(c) || curly(p->s, p->n, p->i);
}

static int
rp_ellipsis(rp *p)
{
	if (p->i + 3 <= p->n && !memcmp(p->s + p->i, "...", 3)) {
		if (rp_repair(p, R_ELLIPSIS, p->i, NULL) < 0)
			return -1;
		p->i += 3;
		return 1;
	}
	if (p->i + 3 <= p->n && !memcmp(p->s + p->i, "\xE2\x80\xA6", 3)) {
		if (rp_repair(p, R_ELLIPSIS, p->i, NULL) < 0)
			return -1;
		p->i += 3;
		return 1;
	}
	return 0;
}

/* the text ended inside a value: journal it and close what is open */
static int
rp_cut(rp *p, size_t off, const char *extra)
{
	if (rp_repair(p, R_TRUNCATED, off, extra) < 0)
		return -1;
	p->truncated = 1;
	return 0;
}

/* white space inside an object entry: 0 more text follows, 1 the text
 * ended there (journaled), -1 on error */
static int
rp_ws_more(rp *p)
{
	if (rp_ws(p) < 0)
		return -1;
	if (p->i < p->n)
		return 0;
	return rp_cut(p, p->n, NULL) < 0 ? -1 : 1;
}

/* where an object or an array stands between its items */
typedef struct seps {
	int need_comma, last_comma;
	size_t comma_at;
} seps;

enum { SEP_ITEM = 0, SEP_END = 1, SEP_AGAIN = 2 };

/*
 * Objects and arrays punctuate their items alike: this reads what comes
 * before the next item (white space, commas, an ellipsis, the closer).
 * SEP_ITEM: an item starts at p->i; SEP_END: the container is closed or
 * the text ended; SEP_AGAIN: something was skipped, look again; -1 error.
 */
static int
rp_sep(rp *p, seps *q, char close)
{
	if (rp_ws(p) < 0)
		return -1;
	if (p->i >= p->n)
		return rp_cut(p, p->i, NULL) < 0 ? -1 : SEP_END;
	char c = p->s[p->i];
	if (c == close) {
		if (q->last_comma && rp_repair(p, R_TRAILING_COMMA, q->comma_at, NULL) < 0)
			return -1;
		p->i++;
		return SEP_END;
	}
	if (c == ',') {
		if ((!q->need_comma || q->last_comma) && rp_repair(p, R_EXTRA_COMMA, p->i, NULL) < 0)
			return -1;
		q->comma_at = p->i;
		q->last_comma = 1;
		q->need_comma = 0;
		p->i++;
		return SEP_AGAIN;
	}
	if (p->tier >= 2) {
		int e = rp_ellipsis(p);
		if (e < 0)
			return -1;
		if (e)
			return SEP_AGAIN;
	}
	if (q->need_comma) {
		char other = close == '}' ? ']' : '}';
		if (p->tier >= 2 && starts_value(p)) {
			if (rp_repair(p, R_MISSING_COMMA, p->i, NULL) < 0)
				return -1;
		} else if (c == other)
			return rp_fail(p, p->i, "expected '%c' but found '%c'", close, other);
		else
			return rp_fail(p, p->i, "expected ',' or '%c'", close);
	}
	q->last_comma = 0;
	return SEP_ITEM;
}

/* one "key: value" entry into o: 0 added, 1 the text ended, -1 error */
static int
rp_entry(rp *p, mlm_fnode *o)
{
	char c = p->s[p->i];
	char *key = NULL;
	size_t klen = 0;
	int r;
	if (c == '"' || c == '\'' || (curly(p->s, p->n, p->i) && curly(p->s, p->n, p->i) != 4)) {
		r = rp_string(p, &key, &klen, 1);
		if (r < 0)
			return -1;
		if (r > 0)
			return rp_cut(p, p->n, NULL) < 0 ? -1 : 1;
	} else if (is_key_byte(p->s, p->n, p->i)) {
		size_t st = p->i;
		while (p->i < p->n && is_key_byte(p->s, p->n, p->i))
			p->i++;
		if (p->i >= p->n && p->tier >= 1)
			return rp_cut(p, p->n, NULL) < 0 ? -1 : 1;
		if (rp_repair(p, R_UNQUOTED_KEY, st, NULL) < 0)
			return -1;
		klen = p->i - st;
		key = mlm_strndup(p->s + st, klen);
	} else
		return rp_fail(p, p->i, "expected a key");
	if ((r = rp_ws_more(p)) != 0) {
		free(key);
		return r;
	}
	if (p->s[p->i] != ':') {
		free(key);
		return rp_fail(p, p->i, "expected ':' after the key");
	}
	p->i++;
	if ((r = rp_ws_more(p)) != 0) {
		free(key);
		return r;
	}
	mlm_fnode *v = NULL;
	if (p->s[p->i] == ',' || p->s[p->i] == '}') {
		if (rp_repair(p, R_MISSING_VALUE, p->i, NULL) < 0) {
			free(key);
			return -1;
		}
		v = fn_new(FN_NULL, p->i);
	} else if ((r = rp_value(p, &v)) != 0) {
		free(key);
		if (r < 0)
			return -1;
		/* incomplete at the end: dropped */
		return rp_cut(p, p->n, "dropped the incomplete last value") < 0 ? -1 : 1;
	}
	if (fn_add(o, key, klen, v) < 0) {
		free(key);
		mlm_fnode_free(v);
		return rp_fail(p, p->i, "out of memory");
	}
	return 0;
}

/* one array item into a: 0 added, 1 the text ended, -1 error */
static int
rp_item(rp *p, mlm_fnode *a)
{
	mlm_fnode *v = NULL;
	int was = p->truncated;
	int r = rp_value(p, &v);
	if (r < 0)
		return -1;
	if (r == 0 && !was && p->truncated && (v->t == FN_OBJ || v->t == FN_ARR)) {
		/* the text ended inside this item: a partial item is not an item */
		r = rp_repair(p, R_TRUNCATED, p->n, "dropped the incomplete last item");
		mlm_fnode_free(v);
		return r < 0 ? -1 : 1;
	}
	if (r > 0)
		return rp_cut(p, p->n, "dropped the incomplete last value") < 0 ? -1 : 1;
	if (fn_add(a, NULL, 0, v) < 0) {
		mlm_fnode_free(v);
		return rp_fail(p, p->i, "out of memory");
	}
	return 0;
}

/* an object (t FN_OBJ, closed by '}', entries) or an array (FN_ARR, ']',
 * items): the two differ only in what stands between the separators */
static int
rp_container(rp *p, mlm_fnode **out, int t, char close, int (*item)(rp *, mlm_fnode *))
{
	mlm_fnode *c = fn_new(t, p->i);
	if (!c)
		return rp_fail(p, p->i, "out of memory");
	p->i++;
	seps q = {0};
	for (;;) {
		int r = rp_sep(p, &q, close);
		if (r == SEP_AGAIN)
			continue;
		if (r == SEP_ITEM)
			r = item(p, c);
		if (r < 0) {
			mlm_fnode_free(c);
			return -1;
		}
		if (r > 0)          /* SEP_END, or the text ended in the item */
			break;
		q.need_comma = 1;
	}
	*out = c;
	return 0;
}

static int
is_delim(rp *p, size_t k)
{
	if (k >= p->n)
		return 1;
	char c = p->s[k];
	return c == ',' || c == '}' || c == ']' || c == ':' || isspace((unsigned char)c) || c == '/' ||
	    c == '#' || special_ws(p->s, p->n, k);
}

static int
rp_number(rp *p, mlm_fnode **out)
{
	size_t st = p->i, k = p->i;
	int odd = 0;
	if (k < p->n && (p->s[k] == '-' || p->s[k] == '+')) {
		if (p->s[k] == '+')
			odd = 1;
		k++;
	}
	size_t ds = k;
	while (k < p->n && isdigit((unsigned char)p->s[k]))
		k++;
	size_t intdigits = k - ds;
	if (intdigits > 1 && p->s[ds] == '0')
		odd = 1;
	if (intdigits == 0)
		odd = 1;
	if (k < p->n && p->s[k] == '.') {
		k++;
		size_t fs = k;
		while (k < p->n && isdigit((unsigned char)p->s[k]))
			k++;
		if (k == fs)
			odd = 1;
		if (k == fs && intdigits == 0)
			return rp_fail(p, st, "bad number");
	} else if (intdigits == 0) {
		if (k >= p->n)
			return 1;
		return rp_fail(p, st, "bad number");
	}
	if (k < p->n && (p->s[k] == 'e' || p->s[k] == 'E')) {
		k++;
		if (k < p->n && (p->s[k] == '+' || p->s[k] == '-'))
			k++;
		size_t es = k;
		while (k < p->n && isdigit((unsigned char)p->s[k]))
			k++;
		if (k == es) {
			if (k >= p->n)
				return 1;
			return rp_fail(p, st, "bad number exponent");
		}
	}
	if (k >= p->n && p->depth > 1)
		return 1;           /* may have been cut: 12 of 123 */
	if (!is_delim(p, k))
		return rp_fail(p, k, "unexpected character after a number");
	if (odd && rp_repair(p, R_NUMBER_FORMAT, st, NULL) < 0)
		return -1;
	char tmp[400];
	size_t ln = k - st;
	if (ln >= sizeof tmp)
		return rp_fail(p, st, "number too long");
	memcpy(tmp, p->s + st, ln);
	tmp[ln] = 0;
	mlm_fnode *n = fn_new(FN_NUM, st);
	if (!n)
		return rp_fail(p, st, "out of memory");
	n->num = strtod(tmp, NULL);
	n->s = strdup(tmp);
	n->slen = ln;
	if (!isfinite(n->num)) {
		mlm_fnode_free(n);
		return rp_fail(p, st, "number out of range");
	}
	p->i = k;
	*out = n;
	return 0;
}

static int
rp_word(rp *p, mlm_fnode **out)
{
	size_t st = p->i, k = p->i;
	while (k < p->n && (isalnum((unsigned char)p->s[k]) || p->s[k] == '_' || p->s[k] == '$'))
		k++;
	size_t wl = k - st;
	const char *w = p->s + st;
	static const struct { const char *w; int t, b, code; } lits[] = {
		{"true", FN_BOOL, 1, -1}, {"false", FN_BOOL, 0, -1}, {"null", FN_NULL, 0, -1},
		{"True", FN_BOOL, 1, R_PY_LITERAL}, {"False", FN_BOOL, 0, R_PY_LITERAL},
		{"None", FN_NULL, 0, R_PY_LITERAL}, {"TRUE", FN_BOOL, 1, R_PY_LITERAL},
		{"FALSE", FN_BOOL, 0, R_PY_LITERAL}, {"NULL", FN_NULL, 0, R_PY_LITERAL},
		{"Null", FN_NULL, 0, R_PY_LITERAL}, {"nil", FN_NULL, 0, R_PY_LITERAL},
		{"undefined", FN_NULL, 0, R_JS_LITERAL},
		{"NaN", FN_NULL, 0, R_NAN}, {"Infinity", FN_NULL, 0, R_NAN},
	};
	for (size_t j = 0; j < sizeof lits / sizeof lits[0]; j++) {
		size_t ll = strlen(lits[j].w);
		if (wl == ll && !memcmp(w, lits[j].w, ll)) {
			if (!is_delim(p, k)) {
				if (p->tier >= 2)
					break;
				return rp_fail(p, k, "unexpected character after %s", lits[j].w);
			}
			if (lits[j].code >= 0 && rp_repair(p, lits[j].code, st, NULL) < 0)
				return -1;
			mlm_fnode *n = fn_new(lits[j].t, st);
			if (!n)
				return rp_fail(p, st, "out of memory");
			n->b = lits[j].b;
			p->i = k;
			*out = n;
			return 0;
		}
		if (k >= p->n && wl < ll && !memcmp(w, lits[j].w, wl) && p->depth > 1)
			return 1;   /* "tru" cut at the end */
	}
	if (p->tier >= 2 && p->depth > 1) {
		/* an unquoted string value: up to , } ] or the end of the line */
		size_t e = st;
		while (e < p->n && p->s[e] != ',' && p->s[e] != '}' && p->s[e] != ']' && p->s[e] != '\n')
			e++;
		if (e >= p->n)
			return 1;
		size_t te = e;
		while (te > st && isspace((unsigned char)p->s[te - 1]))
			te--;
		if (rp_repair(p, R_UNQUOTED_VALUE, st, NULL) < 0)
			return -1;
		mlm_fnode *n = fn_new(FN_STR, st);
		if (!n)
			return rp_fail(p, st, "out of memory");
		n->s = mlm_strndup(p->s + st, te - st);
		n->slen = te - st;
		p->i = e;
		*out = n;
		return 0;
	}
	if (wl == 0)
		return rp_fail(p, st, "unexpected character '%c'", isprint((unsigned char)*w) ? *w : '?');
	return rp_fail(p, st, "unexpected word \"%.*s\"", (int)(wl > 40 ? 40 : wl), w);
}

/* 0 with *out, 1 when the text ends inside an incomplete scalar, -1 error */
static int
rp_value(rp *p, mlm_fnode **out)
{
	*out = NULL;
	if (p->depth >= MAX_NEST)
		return rp_fail(p, p->i, "nested deeper than %d", MAX_NEST);
	if (spend(p, 1) < 0)
		return rp_fail(p, p->i, "search budget spent");
	if (rp_ws(p) < 0)
		return -1;
	if (p->i >= p->n)
		return 1;
	unsigned char c = (unsigned char)p->s[p->i];
	int r;
	p->depth++;
	if (c == '{')
		r = rp_container(p, out, FN_OBJ, '}', rp_entry);
	else if (c == '[')
		r = rp_container(p, out, FN_ARR, ']', rp_item);
	else if (c == '"' || c == '\'' || (curly(p->s, p->n, p->i) && curly(p->s, p->n, p->i) != 4)) {
		size_t st = p->i;
		char *s;
		size_t sl;
		r = rp_string(p, &s, &sl, 0);
		if (r == 0) {
			mlm_fnode *n = fn_new(FN_STR, st);
			if (!n) {
				free(s);
				r = rp_fail(p, st, "out of memory");
			} else {
				n->s = s;
				n->slen = sl;
				*out = n;
			}
		}
	} else if (c == '-' && p->i + 9 <= p->n && !memcmp(p->s + p->i, "-Infinity", 9)) {
		if ((r = rp_repair(p, R_NAN, p->i, NULL)) == 0) {
			*out = fn_new(FN_NULL, p->i);
			p->i += 9;
		}
	} else if (c == '-' || c == '+' || c == '.' || isdigit(c))
		r = rp_number(p, out);
	else
		r = rp_word(p, out);
	p->depth--;
	if (r > 0)
		p->i = p->n;        /* an incomplete scalar runs to the end */
	return r;
}

/* ---------- candidates ---------- */

typedef struct cand {
	mlm_fnode *v;
	jv diag;
	size_t start, end;
	int truncated;
} cand;

/* parses one value at [start, n); whole: only space/comments may follow */
static int
parse_at(const char *s, size_t n, size_t start, int tier, int whole, size_t *budget,
    cand *c, char *why, size_t whylen)
{
	rp p = {0};
	p.s = s;
	p.n = n;
	p.i = start;
	p.tier = tier;
	p.diag = jv_array();
	p.budget = budget;
	mlm_fnode *v = NULL;
	int r = rp_value(&p, &v);
	if (r == 0 && whole) {
		if (rp_ws(&p) == 0 && p.i < n) {
			size_t k = p.i;
			while (k < n && (s[k] == ';' || isspace((unsigned char)s[k])))
				k++;
			if (k < n)
				r = rp_fail(&p, p.i, "text after the value");
		} else if (p.failed)
			r = -1;
	}
	if (r > 0) {
		if (tier < 1)
			rp_fail(&p, n, "unexpected end of text");
		else
			rp_fail(&p, n, "no complete value");
		r = -1;
	}
	if (r < 0) {
		mlm_fnode_free(v);
		jv_free(p.diag);
		if (why && whylen)
			snprintf(why, whylen, "%s", p.why);
		return -1;
	}
	c->v = v;
	c->diag = p.diag;
	c->start = start;
	c->end = p.i;
	c->truncated = p.truncated;
	return 0;
}

/* code fences: ```lang\n ... ``` ; returns count of (start,end) pairs */
static size_t
find_fences(const char *s, size_t n, size_t *st, size_t *en, int *tagged, size_t max)
{
	size_t k = 0, i = 0;
	while (i < n && k < max) {
		/* at a line start */
		size_t ls = i;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i + 3 <= n && (!memcmp(s + i, "```", 3) || !memcmp(s + i, "~~~", 3))) {
			char fc = s[i];
			size_t j = i;
			while (j < n && s[j] == fc)
				j++;
			size_t fl = j - i;
			size_t info = j;
			while (j < n && s[j] != '\n')
				j++;
			int tg = 0;
			if (j - info >= 4 && !strncasecmp(s + info, "json", 4))
				tg = 1;
			size_t cs = j < n ? j + 1 : n, ce = n;
			/* closing fence */
			size_t q = cs;
			while (q < n) {
				size_t l2 = q;
				while (q < n && (s[q] == ' ' || s[q] == '\t'))
					q++;
				size_t f2 = q;
				while (q < n && s[q] == fc)
					q++;
				if (q - f2 >= fl) {
					ce = l2;
					while (q < n && s[q] != '\n')
						q++;
					break;
				}
				while (q < n && s[q] != '\n')
					q++;
				if (q < n)
					q++;
			}
			st[k] = cs;
			en[k] = ce;
			tagged[k] = tg;
			k++;
			i = q < n ? q + 1 : n;
			continue;
		}
		(void)ls;
		while (i < n && s[i] != '\n')
			i++;
		if (i < n)
			i++;
	}
	return k;
}

static __attribute__((unused)) int
same_cand(const cand *a, size_t na, size_t start)
{
	for (size_t k = 0; k < na; k++)
		if (a[k].start == start)
			return 1;
	return 0;
}

/* <think>...</think> and <thinking>...</thinking> spans (an unclosed one runs to the end) */
static size_t
think_blocks(const char *s, size_t n, size_t *st, size_t *en, size_t max)
{
	size_t k = 0, i = 0;
	while (k < max && i < n) {
		const char *o = memmem(s + i, n - i, "<think", 6);
		if (!o)
			break;
		size_t a = (size_t)(o - s);
		const char *gt = memchr(o, '>', n - a);
		if (!gt || (gt - o != 6 && gt - o != 9)) {
			i = a + 6;
			continue;
		}
		const char *c1 = memmem(gt, n - (size_t)(gt - s), "</think", 7);
		size_t e = c1 ? (size_t)(c1 - s) : n;
		st[k] = a;
		en[k] = e;
		k++;
		i = e + 1;
	}
	return k;
}

static int
in_blocks(size_t off, const size_t *st, const size_t *en, size_t nb)
{
	for (size_t k = 0; k < nb; k++)
		if (off >= st[k] && off < en[k])
			return 1;
	return 0;
}

size_t
mlm_fmt_candidates(const char *text, size_t len, int tier, int multi,
    mlm_fnode **out, jv *diags, size_t max, char *why, size_t whylen)
{
	(void)multi;
	size_t budget = 32 * len + (1u << 20);
	size_t nc = 0;
	cand *c = calloc(max + 1, sizeof *c);
	char w1[300] = "", wb[300] = "";
	size_t best_fail = 0;
	if (!c || max == 0) {
		free(c);
		return 0;
	}
	if (why && whylen)
		why[0] = 0;
	size_t base = 0;
	/* a BOM is removed by rp_ws; strip leading space for the whole candidate */
	/* 1. the whole text */
	if (parse_at(text, len, base, tier, 1, &budget, &c[nc], w1, sizeof w1) == 0)
		nc++;
	else {
		/* prose is not a parse error worth showing; JSON-looking text is */
		size_t a = 0;
		while (a < len && isspace((unsigned char)text[a]))
			a++;
		if (a == len)
			snprintf(wb, sizeof wb, "the text is empty");
		else if (strchr("{[\"'-0123456789", text[a]) || curly(text, len, a))
			snprintf(wb, sizeof wb, "%s", w1);
		best_fail = 0;
	}
	/* 2. code fences (tagged json first) */
	size_t fs[16], fe[16];
	int ft[16];
	size_t nf = find_fences(text, len, fs, fe, ft, 16);
	for (int pass = 1; pass >= 0; pass--)
		for (size_t k = 0; k < nf && nc < max; k++) {
			if (ft[k] != pass)
				continue;
			size_t a = fs[k];
			while (a < fe[k] && isspace((unsigned char)text[a]))
				a++;
			if (same_cand(c, nc, a))
				continue;
			cand t;
			if (parse_at(text, fe[k], a, tier, 1, &budget, &t, w1, sizeof w1) == 0) {
				c[nc++] = t;
			} else if (fe[k] - a > best_fail) {
				best_fail = fe[k] - a;
				snprintf(wb, sizeof wb, "%s", w1);
			}
		}
	/* 3. values from every '{' or '[' (JSON inside prose, NDJSON); when the
	 * list is full, a larger value evicts the smallest one */
	size_t room = max > 2 ? max - 2 : max;   /* keep two for 4. and 5. */
	mlm_fnode *joined = fn_new(FN_ARR, 0);
	jv jdiag = jv_array();
	size_t jstart = 0;
	for (size_t i = 0; i < len && budget > 0; i++) {
		if (text[i] != '{' && text[i] != '[')
			continue;
		long inside = -1;
		for (size_t k = 0; k < nc; k++)
			if (c[k].start <= i && i < c[k].end) {
				inside = (long)k;
				break;
			}
		cand t, *got = NULL;
		if (inside >= 0) {
			/* already (inside) a candidate: skip over it */
			got = &c[inside];
		} else if (parse_at(text, len, i, tier, 0, &budget, &t, w1, sizeof w1) == 0) {
			if (nc == room) {
				size_t small = 0;
				for (size_t k = 1; k < nc; k++)
					if (c[k].end - c[k].start < c[small].end - c[small].start)
						small = k;
				if (c[small].end - c[small].start < t.end - t.start) {
					mlm_fnode_free(c[small].v);
					jv_free(c[small].diag);
					memmove(c + small, c + small + 1, (nc - small - 1) * sizeof *c);
					nc--;
				}
			}
			if (nc < room) {
				c[nc] = t;
				got = &c[nc++];
			} else
				got = &t;
		} else {
			/* remember the failure of the longest-looking span */
			size_t span = len - i;
			if (best_fail == 0 || (wb[0] == 0) || span > best_fail) {
				best_fail = span;
				snprintf(wb, sizeof wb, "%s", w1);
			}
			continue;
		}
		if (joined && joined->n < 4096) {
			mlm_fnode *cp = mlm_fnode_from_jv(mlm_fnode_to_jv(got->v));
			if (!joined->n)
				jstart = got->start;
			if (!cp || fn_add(joined, NULL, 0, cp) < 0)
				mlm_fnode_free(cp);
			jv_array_foreach(got->diag, q, x)
				jdiag = jv_array_append(jdiag, x);
		}
		size_t e = got->end;
		if (got == &t) {
			mlm_fnode_free(t.v);
			jv_free(t.diag);
		}
		if (e > i)
			i = e - 1;
	}
	/* 4. several top-level values (NDJSON, one after another) as one array */
	if (joined && joined->n >= 2 && nc < max) {
		jdiag = jv_array_append(jdiag, mlm_fmt_diag("repair", "joined", NULL, (long)jstart,
		    "read %zu values one after another as one array", joined->n));
		c[nc].v = joined;
		c[nc].diag = jdiag;
		c[nc].start = c[nc].end = len + 1;   /* contains no offset */
		nc++;
	} else {
		mlm_fnode_free(joined);
		jv_free(jdiag);
	}
	/* 5. a candidate that is a string holding JSON (stringified output) */
	size_t n0 = nc;
	for (size_t k = 0; k < n0 && nc < max; k++) {
		mlm_fnode *v = c[k].v;
		if (v->t != FN_STR || v->slen < 2 || tier < 1)
			continue;
		size_t a = 0;
		while (a < v->slen && isspace((unsigned char)v->s[a]))
			a++;
		if (a >= v->slen || (v->s[a] != '{' && v->s[a] != '['))
			continue;
		cand t;
		if (parse_at(v->s, v->slen, a, tier, 1, &budget, &t, w1, sizeof w1) == 0) {
			jv d = jv_copy(c[k].diag);
			jv_array_foreach(t.diag, q, x)
				d = jv_array_append(d, x);
			jv_free(t.diag);
			d = jv_array_append(d, mlm_fmt_diag("repair", "stringified_json", NULL, (long)c[k].start,
			    "read a JSON string holding JSON as that JSON"));
			t.diag = d;
			t.start = t.end = len + 1;
			c[nc++] = t;
		}
	}
	/* 6. reasoning models think aloud in <think>...</think>: values found
	 * there lose to any value found outside */
	size_t ts[8], te[8], nt = think_blocks(text, len, ts, te, 8);
	if (nt) {
		int outside = 0;
		for (size_t k = 0; k < nc; k++)
			if (!in_blocks(c[k].start, ts, te, nt))
				outside = 1;
		if (outside) {
			size_t w = 0;
			for (size_t k = 0; k < nc; k++) {
				if (in_blocks(c[k].start, ts, te, nt)) {
					mlm_fnode_free(c[k].v);
					jv_free(c[k].diag);
				} else
					c[w++] = c[k];
			}
			nc = w;
		}
	}
	for (size_t k = 0; k < nc; k++) {
		out[k] = c[k].v;
		diags[k] = c[k].diag;
	}
	if (nc == 0 && why && whylen) {
		if (wb[0])
			snprintf(why, whylen, "%s", wb);
		else
			snprintf(why, whylen, "the text holds no JSON value");
	}
	free(c);
	return nc;
}

/* ---------- conservation ---------- */

static int
conserved_walk(const mlm_fnode *n, const char *d, size_t dl, char *why, size_t whylen)
{
	if (n->t == FN_STR && n->slen && !memmem(d, dl, n->s, n->slen)) {
		snprintf(why, whylen, "string \"%.*s\" does not occur in the text", (int)(n->slen > 40 ? 40 : n->slen), n->s);
		return -1;
	}
	for (size_t i = 0; i < n->n; i++) {
		if (n->t == FN_OBJ && n->klen[i] && !memmem(d, dl, n->key[i], n->klen[i])) {
			snprintf(why, whylen, "key \"%.*s\" does not occur in the text",
			    (int)(n->klen[i] > 40 ? 40 : n->klen[i]), n->key[i]);
			return -1;
		}
		if (conserved_walk(n->kid[i], d, dl, why, whylen) < 0)
			return -1;
	}
	return 0;
}

int
mlm_fmt_conserved(const mlm_fnode *n, const char *text, size_t len, char *why, size_t whylen)
{
	mlm_buf d = {0};
	d.max = (size_t)-1 / 2;
	mlm_buf_add(&d, "", 0);
	for (size_t i = 0; i < len;) {
		if (text[i] == '\\') {
			int kind;
			size_t k = decode_escape(text, len, i, &d, &kind);
			if (k == 0) {
				mlm_buf_add(&d, text + i, len - i);
				break;
			}
			i += k;
			continue;
		}
		/* invalid UTF-8 decodes to U+FFFD in strings: do the same here */
		if ((unsigned char)text[i] >= 0x80) {
			size_t k = utf8_len((const unsigned char *)text + i, len - i);
			if (k == 0) {
				put_utf8(&d, 0xFFFD);
				i++;
				continue;
			}
			mlm_buf_add(&d, text + i, k);
			i += k;
			continue;
		}
		mlm_buf_add(&d, text + i, 1);
		i++;
	}
	int r = conserved_walk(n, d.p, d.len, why, whylen);
	mlm_buf_free(&d);
	return r;
}

int
mlm_fmt_parse_json(const char *text, size_t len, jv *out, char *err, size_t errlen)
{
	size_t budget = 4 * len + 1024;
	cand c;
	char why[300];
	*out = jv_invalid();
	if (parse_at(text, len, 0, MLM_FMT_REPAIR_NONE, 1, &budget, &c, why, sizeof why) < 0)
		return mlm_err(err, errlen, "%s", why);
	jv_free(c.diag);
	*out = mlm_fnode_to_jv(c.v);
	mlm_fnode_free(c.v);
	return 0;
}

int
mlm_fmt_repair(const char *text, size_t len, int tier, jv *out, jv *diag, char *err, size_t errlen)
{
	mlm_fnode *c[8];
	jv d[8];
	char why[300];
	*out = jv_null();
	size_t n = mlm_fmt_candidates(text, len, tier, 0, c, d, 8, why, sizeof why);
	if (n == 0) {
		*diag = jv_array_append(jv_array(), mlm_fmt_diag("error", "no_json", "$", -1, "%s", why));
		return mlm_err(err, errlen, "%s", why);
	}
	jv_free(*out);
	*out = mlm_fnode_to_jv(c[0]);
	*diag = d[0];
	for (size_t k = 0; k < n; k++) {
		mlm_fnode_free(c[k]);
		if (k)
			jv_free(d[k]);
	}
	return 0;
}
